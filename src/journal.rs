//! The user-state journal: every star, unstar, read, unread and note change appended as one
//! JSON line to this machine's file under `<data_dir>/journal/`, fsynced before the change is
//! acknowledged. The sled store stays the fast source of truth; the journal is the durable,
//! plain-text record it is rebuilt from, and the way machines share a reading list.
//!
//! **Who writes it.** The store's user-state writes (`Store::set_starred`, `set_read`,
//! `set_note`) append here first and change the store only once the line is on disk. The store
//! owns user state, so putting the journal there means the reader, the CLI and any future
//! caller journal every change without knowing about it; and the append happens under the same
//! lock as the store write, so the journal's order is the store's order.
//!
//! **One file per machine.** `<data_dir>/machine-id` holds a random id made once
//! (`<hostname>-<12 hex digits>`); a machine appends only to `journal/<machine-id>.jsonl` and
//! reads every `journal/*.jsonl`. Syncing the `journal/` directory between machines (Syncthing,
//! git, rsync) therefore never has two writers on one file: Syncthing replacing a file with the
//! other machine's version, or git merging, loses nothing. Conflict copies
//! (`….sync-conflict-….jsonl`) are read like any other file; dot files (sync tools' temporary
//! files, our own compaction temp file) are not. Do not copy `machine-id` to another machine.
//!
//! **Merging.** Each field of each paper (star, read flag, note) takes the value of its latest
//! entry across all files, by change time, then machine id, file and line (`merge.rs`). A
//! change's time is the wall clock, made non-decreasing within one machine's file.
//!
//! **Damage.** A line that does not parse is skipped with a warning and never stops a merge. A
//! last line without its newline is a write cut short: it is skipped, and this machine's file
//! is trimmed back to its last complete line before the next append. A failed append truncates
//! the file back to where it was, so a full disk leaves no half line behind.
//!
//! **Compaction.** When this machine's file passes `COMPACT_LINES` lines (or twice its size
//! after the last compaction, whichever is more), it is rewritten with the latest entry of each
//! paper and field, unset ones included: an unstar must keep beating an older star from another
//! machine. Lines this build cannot read are kept verbatim. The new file is written beside the
//! old one, fsynced and renamed over it, so a crash leaves one or the other.

mod line;
mod merge;

use std::collections::BTreeMap;
use std::fs::{File, OpenOptions};
use std::io::{self, Read as _, Seek as _, SeekFrom, Write as _};
use std::path::{Path, PathBuf};
use std::sync::{Mutex, MutexGuard, PoisonError};

use chrono::{DateTime, DurationRound as _, NaiveDate, TimeDelta, Utc};

pub use merge::{Field, FinalState, PaperFinal, Stamp};

use crate::model::{Links, Paper, PaperId, SourceId, UserState};

/// The journal directory inside the data dir.
pub const JOURNAL_DIR: &str = "journal";
/// The file holding this machine's id, in the data dir (not in `journal/`: it must not sync).
pub const MACHINE_ID_FILE: &str = "machine-id";
/// This machine's file is compacted when it grows past this many lines.
pub const COMPACT_LINES: usize = 10_000;
/// A journal file bigger than this is not read (a compacted file of 100,000 papers is ~30 MB):
/// something other than paperboat wrote it.
const MAX_FILE_BYTES: u64 = 256 * 1024 * 1024;

/// Why the journal could not be read or written.
#[derive(Debug, thiserror::Error)]
pub enum JournalError {
    #[error("cannot set up this machine's journal id in {path}: {detail}")]
    MachineId { path: PathBuf, detail: String },
    #[error("cannot write the journal {path}: {source}")]
    Write { path: PathBuf, source: io::Error },
    #[error("cannot read the journal {path}: {source}")]
    Read { path: PathBuf, source: io::Error },
    #[error("the journal {0} is not a regular file")]
    NotAFile(PathBuf),
    #[error("cannot encode a journal entry: {0}")]
    Encode(String),
}

/// A machine's id: 1–64 characters of `A-Z a-z 0-9 . _ -`, not starting with a dot.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct MachineId(String);

impl MachineId {
    pub fn parse(text: &str) -> Option<MachineId> {
        let valid = (1..=64).contains(&text.len())
            && !text.starts_with('.')
            && text
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'_' | b'-'));
        valid.then(|| MachineId(text.to_string()))
    }

    /// A new id: this host's name (for people reading the files) and 48 random bits.
    fn mint() -> MachineId {
        use std::hash::{BuildHasher as _, Hasher as _};
        // `RandomState` is seeded from the OS's random source; the time and pid only add to it.
        let mut hasher = std::collections::hash_map::RandomState::new().build_hasher();
        hasher.write_i64(Utc::now().timestamp_nanos_opt().unwrap_or_default());
        hasher.write_u32(std::process::id());
        let random = hasher.finish() & 0xffff_ffff_ffff;
        MachineId(format!("{}-{random:012x}", host_name()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Display for MachineId {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

/// The host name, reduced to `a-z 0-9 -` and 24 characters; "machine" when unknown.
fn host_name() -> String {
    let raw = std::fs::read_to_string("/proc/sys/kernel/hostname")
        .or_else(|_| std::fs::read_to_string("/etc/hostname"))
        .ok()
        .or_else(|| std::env::var("HOSTNAME").ok())
        .unwrap_or_default();
    let name: String = raw
        .trim()
        .to_ascii_lowercase()
        .chars()
        .map(|c| if c.is_ascii_alphanumeric() { c } else { '-' })
        .take(24)
        .collect();
    let name = name.trim_matches('-');
    if name.is_empty() {
        "machine".to_string()
    } else {
        name.to_string()
    }
}

/// Which part of a paper's user state a change sets.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum FieldKind {
    Star,
    Read,
    Note,
}

/// One change of user state.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Change {
    /// Starred; `starred_at` is the star's time after the change (an earlier star keeps its
    /// time), so replaying the entry restores exactly what the store held.
    Star {
        starred_at: DateTime<Utc>,
    },
    Unstar,
    Read,
    Unread,
    Note(String),
    ClearNote,
}

impl Change {
    pub fn field(&self) -> FieldKind {
        match self {
            Change::Star { .. } | Change::Unstar => FieldKind::Star,
            Change::Read | Change::Unread => FieldKind::Read,
            Change::Note(_) | Change::ClearNote => FieldKind::Note,
        }
    }

    pub fn apply(&self, state: &mut UserState) {
        match self {
            Change::Star { starred_at } => state.starred_at = Some(*starred_at),
            Change::Unstar => state.starred_at = None,
            Change::Read => state.read = true,
            Change::Unread => state.read = false,
            Change::Note(text) => state.note = Some(text.clone()),
            Change::ClearNote => state.note = None,
        }
    }

    /// The changes that set each part of `state` that is not empty.
    pub fn describing(state: &UserState) -> Vec<Change> {
        let mut changes = Vec::new();
        if let Some(starred_at) = state.starred_at {
            changes.push(Change::Star { starred_at });
        }
        if state.read {
            changes.push(Change::Read);
        }
        if let Some(note) = &state.note {
            changes.push(Change::Note(note.clone()));
        }
        changes
    }
}

/// What the journal keeps of a paper so a rebuilt store can list it before a sync brings it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PaperMeta {
    pub title: String,
    /// The day it is filed under.
    pub day: Option<NaiveDate>,
    pub abs: Option<String>,
    pub pdf: Option<String>,
    pub hf: Option<String>,
    pub sources: Vec<SourceId>,
}

impl PaperMeta {
    pub fn of(paper: &Paper) -> PaperMeta {
        PaperMeta {
            title: paper.title.clone(),
            day: paper
                .daily_date
                .or_else(|| paper.published.map(|at| at.date_naive())),
            abs: paper.links.abs.clone(),
            pdf: paper.links.pdf.clone(),
            hf: paper.links.hf.clone(),
            sources: paper.sources.iter().cloned().collect(),
        }
    }

    /// A paper with only what the journal kept; a later sync merges the full record into it.
    /// The journal may come from another machine, so its text is treated like feed text.
    pub fn stub(&self, id: PaperId) -> Paper {
        let mut sources = self
            .sources
            .iter()
            .map(|source| crate::text::sanitize_line(source.as_str()))
            .filter(|source| !source.is_empty())
            .map(SourceId::from_stored);
        let first = sources
            .next()
            .unwrap_or_else(|| SourceId::from_stored("journal".to_string()));
        let mut paper = Paper::new(id, crate::text::normalize_line(&self.title), first);
        paper.sources.extend(sources);
        paper.daily_date = self.day;
        paper.links = Links {
            abs: self.abs.clone(),
            pdf: self.pdf.clone(),
            hf: self.hf.clone(),
            ..Links::default()
        };
        paper
    }
}

/// One line of the journal.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Entry {
    pub id: PaperId,
    /// When the change was made (UTC, milliseconds).
    pub at: DateTime<Utc>,
    pub machine: MachineId,
    pub change: Change,
    pub meta: Option<PaperMeta>,
}

/// Where an entry was read: the file's name in `journal/` and its 1-based line.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct Position {
    pub file: String,
    pub line: usize,
}

/// A line (or, with `line == 0`, a whole file) that was not read, and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Skipped {
    pub file: String,
    pub line: usize,
    pub reason: String,
    /// The file's last line, without its newline: a write cut short (a crash, or a sync in
    /// progress). Expected after a crash; anything else points at damage.
    pub torn: bool,
}

impl std::fmt::Display for Skipped {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let file = crate::text::sanitize_line(&self.file);
        if self.line == 0 {
            return write!(f, "{JOURNAL_DIR}/{file}: not read: {}", self.reason);
        }
        let what = if self.torn {
            "an unfinished last line (a write cut short)"
        } else {
            "an unreadable line"
        };
        write!(
            f,
            "{JOURNAL_DIR}/{file} line {}: {what}: {}",
            self.line, self.reason
        )
    }
}

/// One journal file as read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FileSummary {
    pub name: String,
    pub bytes: u64,
    pub lines: usize,
    /// This machine's own file.
    pub own: bool,
}

/// Everything in `journal/`.
#[derive(Debug, Clone, Default)]
pub struct JournalRead {
    pub entries: Vec<(Position, Entry)>,
    pub skipped: Vec<Skipped>,
    pub files: Vec<FileSummary>,
}

impl JournalRead {
    pub fn final_state(&self) -> FinalState {
        FinalState::merge(&self.entries)
    }
}

/// A journal file's size and modification time, to notice that it changed.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, serde::Serialize, serde::Deserialize)]
pub struct FileStamp {
    pub name: String,
    pub len: u64,
    pub modified_ns: Option<i128>,
}

impl FileStamp {
    fn of(name: String, metadata: &std::fs::Metadata) -> FileStamp {
        let modified_ns = metadata.modified().ok().and_then(|at| {
            at.duration_since(std::time::UNIX_EPOCH)
                .ok()
                .map(|since| i128::try_from(since.as_nanos()).unwrap_or(i128::MAX))
        });
        FileStamp {
            name,
            len: metadata.len(),
            modified_ns,
        }
    }
}

/// What an append wrote.
#[derive(Debug, Clone)]
pub struct Appended {
    /// The entries as written (times made non-decreasing).
    pub entries: Vec<Entry>,
    /// This machine's file before the append (before mending an unfinished line, too).
    pub own_before: FileStamp,
    /// This machine's file after the append (and any compaction it caused).
    pub own: FileStamp,
}

/// What a compaction did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Compaction {
    pub lines_before: usize,
    pub lines_after: usize,
    pub bytes_before: u64,
    pub bytes_after: u64,
}

/// What the writer knows about this machine's file, learnt at the first append of a session.
#[derive(Debug, Clone, Copy)]
struct OwnFile {
    lines: usize,
    last_at: Option<DateTime<Utc>>,
    /// Lines right after the last compaction: the next one waits until the file doubles.
    compacted_lines: usize,
}

/// The journal of one data dir. Appends are serialised; reads may run alongside.
pub struct Journal {
    dir: PathBuf,
    machine_file: PathBuf,
    /// This machine's id, or why there is none (a read-only data dir): reads still work.
    machine: Result<MachineId, String>,
    compact_lines: usize,
    own: Mutex<Option<OwnFile>>,
}

impl std::fmt::Debug for Journal {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Journal")
            .field("dir", &self.dir)
            .field("machine", &self.machine)
            .finish_non_exhaustive()
    }
}

impl Journal {
    /// The journal of `data_dir`. Reads this machine's id, or makes one; failing that (a
    /// read-only data dir), reads work and appends fail with the reason.
    pub fn open(data_dir: &Path) -> Journal {
        let machine_file = data_dir.join(MACHINE_ID_FILE);
        let machine = load_or_mint_machine_id(&machine_file);
        if let Err(detail) = &machine {
            tracing::warn!(path = %machine_file.display(), %detail, "no journal machine id");
        }
        Journal {
            dir: data_dir.join(JOURNAL_DIR),
            machine_file,
            machine,
            compact_lines: COMPACT_LINES,
            own: Mutex::new(None),
        }
    }

    /// Compacts after `lines` lines instead of `COMPACT_LINES` (for tests).
    pub fn with_compaction_after(mut self, lines: usize) -> Journal {
        self.compact_lines = lines.max(1);
        self
    }

    pub fn dir(&self) -> &Path {
        &self.dir
    }

    pub fn machine(&self) -> Result<&MachineId, JournalError> {
        self.machine
            .as_ref()
            .map_err(|detail| JournalError::MachineId {
                path: self.machine_file.clone(),
                detail: detail.clone(),
            })
    }

    fn own_name(&self) -> Option<String> {
        self.machine
            .as_ref()
            .ok()
            .map(|machine| format!("{machine}.jsonl"))
    }

    /// This machine's file.
    pub fn own_path(&self) -> Result<PathBuf, JournalError> {
        Ok(self.dir.join(format!("{}.jsonl", self.machine()?)))
    }

    fn lock_own(&self) -> MutexGuard<'_, Option<OwnFile>> {
        self.own.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Appends one change and fsyncs it.
    pub fn append(
        &self,
        id: &PaperId,
        at: DateTime<Utc>,
        change: Change,
        meta: Option<PaperMeta>,
    ) -> Result<Appended, JournalError> {
        self.append_all(vec![(id.clone(), at, change, meta)])
    }

    /// Appends changes with one write and one fsync: all of them, or none.
    pub fn append_all(
        &self,
        changes: Vec<(PaperId, DateTime<Utc>, Change, Option<PaperMeta>)>,
    ) -> Result<Appended, JournalError> {
        self.write_entries(changes, true)
    }

    /// Appends changes with the times given, even when older than this machine's last one:
    /// for state the store held before the journal knew it, which must not beat newer changes
    /// made elsewhere.
    pub fn append_backdated(
        &self,
        changes: Vec<(PaperId, DateTime<Utc>, Change, Option<PaperMeta>)>,
    ) -> Result<Appended, JournalError> {
        self.write_entries(changes, false)
    }

    fn write_entries(
        &self,
        changes: Vec<(PaperId, DateTime<Utc>, Change, Option<PaperMeta>)>,
        in_order: bool,
    ) -> Result<Appended, JournalError> {
        let machine = self.machine()?.clone();
        let path = self.own_path()?;
        let mut own = self.lock_own();
        let write_error = |source| JournalError::Write {
            path: path.clone(),
            source,
        };
        let created_dir = !self.dir.is_dir();
        if created_dir {
            std::fs::create_dir_all(&self.dir).map_err(write_error)?;
            sync_dir(self.dir.parent()).map_err(write_error)?;
        }
        let existed = path.exists();
        let mut file = OpenOptions::new()
            .read(true)
            .append(true)
            .create(true)
            .open(&path)
            .map_err(write_error)?;
        let metadata = file.metadata().map_err(write_error)?;
        if !metadata.is_file() {
            return Err(JournalError::NotAFile(path));
        }
        let own_before = FileStamp::of(format!("{machine}.jsonl"), &metadata);
        let known = match *own {
            Some(known) if ends_complete(&mut file).map_err(write_error)? => known,
            _ => {
                let scanned = scan_own(&mut file, &path)?;
                OwnFile {
                    compacted_lines: own.map_or(0, |known| known.compacted_lines),
                    ..scanned
                }
            }
        };
        *own = Some(known);

        let mut last_at = known.last_at;
        let mut text = String::new();
        let mut written = Vec::with_capacity(changes.len());
        for (id, at, change, meta) in changes {
            let at = to_millis(at);
            let at = if in_order {
                let at = last_at.map_or(at, |last| last.max(at));
                last_at = Some(at);
                at
            } else {
                at
            };
            let entry = Entry {
                id,
                at,
                machine: machine.clone(),
                change,
                meta,
            };
            text.push_str(&line::encode(&entry).map_err(|e| JournalError::Encode(e.to_string()))?);
            written.push(entry);
        }
        let before = file.metadata().map_err(write_error)?.len();
        let outcome = file
            .write_all(text.as_bytes())
            .and_then(|()| file.sync_data());
        if let Err(source) = outcome {
            // Leave no half line behind: the file goes back to its last complete entry.
            let restored = file.set_len(before).and_then(|()| file.sync_data());
            if let Err(error) = restored {
                tracing::error!(path = %path.display(), %error, "cannot trim a failed append");
            }
            return Err(write_error(source));
        }
        if !existed {
            sync_dir(Some(&self.dir)).map_err(write_error)?;
        }
        let lines = known.lines + written.len();
        *own = Some(OwnFile {
            lines,
            last_at,
            compacted_lines: known.compacted_lines,
        });
        if lines
            > self
                .compact_lines
                .max(known.compacted_lines.saturating_mul(2))
        {
            drop(file);
            if let Err(error) = self.compact_locked(&mut own) {
                // The entries are safely appended; a failed compaction only leaves a long file.
                tracing::warn!(%error, "journal compaction failed");
            }
        }
        let own_stamp = stamp_of(&path).map_err(|source| JournalError::Read {
            path: path.clone(),
            source,
        })?;
        Ok(Appended {
            entries: written,
            own_before,
            own: own_stamp,
        })
    }

    /// Rewrites this machine's file with the latest entry of each paper and field.
    pub fn compact(&self) -> Result<Compaction, JournalError> {
        let mut own = self.lock_own();
        self.compact_locked(&mut own)
    }

    fn compact_locked(&self, own: &mut Option<OwnFile>) -> Result<Compaction, JournalError> {
        let path = self.own_path()?;
        let read_error = |source| JournalError::Read {
            path: path.clone(),
            source,
        };
        let bytes = match std::fs::read(&path) {
            Ok(bytes) => bytes,
            Err(error) if error.kind() == io::ErrorKind::NotFound => Vec::new(),
            Err(error) => return Err(read_error(error)),
        };
        let (kept, verbatim, lines_before) = compact_lines(&bytes);
        let mut text = String::new();
        for entry in &kept {
            text.push_str(&line::encode(entry).map_err(|e| JournalError::Encode(e.to_string()))?);
        }
        for raw in &verbatim {
            text.push_str(raw);
            text.push('\n');
        }
        let temp = self.dir.join(format!(
            ".{}.compacting",
            path.file_name()
                .map(|name| name.to_string_lossy().into_owned())
                .unwrap_or_default()
        ));
        let write_error = |source| JournalError::Write {
            path: temp.clone(),
            source,
        };
        let written = File::create(&temp)
            .and_then(|mut file| {
                file.write_all(text.as_bytes())?;
                file.sync_all()
            })
            .and_then(|()| std::fs::rename(&temp, &path))
            .and_then(|()| sync_dir(Some(&self.dir)));
        if let Err(source) = written {
            let _ = std::fs::remove_file(&temp);
            return Err(write_error(source));
        }
        let lines_after = kept.len() + verbatim.len();
        let last_at = kept.iter().map(|entry| entry.at).max();
        *own = Some(OwnFile {
            lines: lines_after,
            last_at: own.and_then(|known| known.last_at).max(last_at),
            compacted_lines: lines_after,
        });
        let compaction = Compaction {
            lines_before,
            lines_after,
            bytes_before: u64::try_from(bytes.len()).unwrap_or(u64::MAX),
            bytes_after: u64::try_from(text.len()).unwrap_or(u64::MAX),
        };
        tracing::info!(?compaction, path = %path.display(), "journal compacted");
        Ok(compaction)
    }

    /// The journal files (`*.jsonl`, not dot files), sorted by name.
    fn files(&self) -> Result<Vec<(String, PathBuf)>, JournalError> {
        let listing = match std::fs::read_dir(&self.dir) {
            Ok(listing) => listing,
            Err(error) if error.kind() == io::ErrorKind::NotFound => return Ok(Vec::new()),
            Err(source) => {
                return Err(JournalError::Read {
                    path: self.dir.clone(),
                    source,
                });
            }
        };
        let mut files = Vec::new();
        for entry in listing {
            let entry = entry.map_err(|source| JournalError::Read {
                path: self.dir.clone(),
                source,
            })?;
            let name = entry.file_name().to_string_lossy().into_owned();
            if name.starts_with('.') || !name.ends_with(".jsonl") {
                continue;
            }
            let path = entry.path();
            if path.is_file() {
                files.push((name, path));
            }
        }
        files.sort();
        Ok(files)
    }

    /// Sizes and times of every journal file, to tell whether anything changed since.
    pub fn stamps(&self) -> Result<Vec<FileStamp>, JournalError> {
        self.files()?
            .into_iter()
            .map(|(name, path)| {
                std::fs::metadata(&path)
                    .map(|metadata| FileStamp::of(name, &metadata))
                    .map_err(|source| JournalError::Read { path, source })
            })
            .collect()
    }

    /// Reads every journal file. Lines that do not parse are skipped and listed; a file that
    /// cannot be read at all is an error.
    pub fn read(&self) -> Result<JournalRead, JournalError> {
        let own = self.own_name();
        let mut read = JournalRead::default();
        for (name, path) in self.files()? {
            let len = std::fs::metadata(&path).map_or(0, |metadata| metadata.len());
            if len > MAX_FILE_BYTES {
                read.skipped.push(Skipped {
                    file: name.clone(),
                    line: 0,
                    reason: format!("the file is {len} bytes, more than a journal can be"),
                    torn: false,
                });
                continue;
            }
            let bytes = std::fs::read(&path).map_err(|source| JournalError::Read {
                path: path.clone(),
                source,
            })?;
            let lines = split_lines(&bytes);
            let count = lines.len();
            for (index, (raw, terminated)) in lines.into_iter().enumerate() {
                let position = Position {
                    file: name.clone(),
                    line: index + 1,
                };
                match decode_raw(raw) {
                    Ok(None) => {}
                    Ok(Some(entry)) => read.entries.push((position, entry)),
                    Err(reason) => read.skipped.push(Skipped {
                        file: name.clone(),
                        line: index + 1,
                        reason,
                        torn: !terminated,
                    }),
                }
            }
            read.files.push(FileSummary {
                own: own.as_deref() == Some(name.as_str()),
                name,
                bytes: u64::try_from(bytes.len()).unwrap_or(u64::MAX),
                lines: count,
            });
        }
        for skipped in &read.skipped {
            tracing::warn!(%skipped, "journal line skipped");
        }
        Ok(read)
    }
}

/// Change times are kept to the millisecond, as they are written.
fn to_millis(at: DateTime<Utc>) -> DateTime<Utc> {
    at.duration_trunc(TimeDelta::milliseconds(1)).unwrap_or(at)
}

fn stamp_of(path: &Path) -> io::Result<FileStamp> {
    let name = path
        .file_name()
        .map(|name| name.to_string_lossy().into_owned())
        .unwrap_or_default();
    Ok(FileStamp::of(name, &std::fs::metadata(path)?))
}

/// Makes a directory's entries (a created or renamed file) durable.
fn sync_dir(dir: Option<&Path>) -> io::Result<()> {
    match dir {
        Some(dir) => File::open(dir)?.sync_all(),
        None => Ok(()),
    }
}

fn load_or_mint_machine_id(path: &Path) -> Result<MachineId, String> {
    match std::fs::read_to_string(path) {
        Ok(text) => {
            if let Some(id) = MachineId::parse(text.trim()) {
                return Ok(id);
            }
            tracing::warn!(path = %path.display(), "unreadable machine id; making a new one");
        }
        Err(error) if error.kind() == io::ErrorKind::NotFound => {}
        Err(error) => return Err(error.to_string()),
    }
    let id = MachineId::mint();
    let dir = path.parent().unwrap_or(Path::new("."));
    let temp = dir.join(format!(".{MACHINE_ID_FILE}.new"));
    std::fs::create_dir_all(dir)
        .and_then(|()| {
            let mut file = File::create(&temp)?;
            file.write_all(format!("{id}\n").as_bytes())?;
            file.sync_all()
        })
        .and_then(|()| std::fs::rename(&temp, path))
        .and_then(|()| sync_dir(Some(dir)))
        .map_err(|error| {
            let _ = std::fs::remove_file(&temp);
            error.to_string()
        })?;
    tracing::info!(%id, "made a journal machine id");
    Ok(id)
}

/// True when the file is empty or ends with a newline.
fn ends_complete(file: &mut File) -> io::Result<bool> {
    let len = file.metadata()?.len();
    if len == 0 {
        return Ok(true);
    }
    let mut last = [0u8; 1];
    file.seek(SeekFrom::Start(len - 1))?;
    file.read_exact(&mut last)?;
    Ok(last[0] == b'\n')
}

/// Reads this machine's file before the first append of a session: counts lines, finds the
/// last change time, and mends an unfinished last line (completes it if it parses, else cuts
/// it off: a write that never finished was never acknowledged).
fn scan_own(file: &mut File, path: &Path) -> Result<OwnFile, JournalError> {
    let read_error = |source| JournalError::Read {
        path: path.to_path_buf(),
        source,
    };
    let write_error = |source| JournalError::Write {
        path: path.to_path_buf(),
        source,
    };
    let mut bytes = Vec::new();
    file.seek(SeekFrom::Start(0)).map_err(read_error)?;
    file.read_to_end(&mut bytes).map_err(read_error)?;
    let lines = split_lines(&bytes);
    let mut count = lines.len();
    if let Some(&(raw, false)) = lines.last() {
        if matches!(decode_raw(raw), Ok(Some(_))) {
            file.write_all(b"\n")
                .and_then(|()| file.sync_data())
                .map_err(write_error)?;
        } else {
            let keep = bytes.len() - raw.len();
            tracing::warn!(path = %path.display(), bytes = raw.len(), "cutting off an unfinished journal line");
            file.set_len(u64::try_from(keep).unwrap_or(u64::MAX))
                .and_then(|()| file.sync_data())
                .map_err(write_error)?;
            count -= 1;
        }
    }
    let last_at = lines
        .iter()
        .rev()
        .find_map(|(raw, _)| decode_raw(raw).ok().flatten())
        .map(|entry| entry.at);
    Ok(OwnFile {
        lines: count,
        last_at,
        compacted_lines: 0,
    })
}

/// The file's lines without their newlines, each with whether it had one.
fn split_lines(bytes: &[u8]) -> Vec<(&[u8], bool)> {
    let mut lines = Vec::new();
    let mut start = 0;
    for end in memchr::memchr_iter(b'\n', bytes) {
        lines.push((&bytes[start..end], true));
        start = end + 1;
    }
    if start < bytes.len() {
        lines.push((&bytes[start..], false));
    }
    lines
}

/// One raw line: `None` for a blank one.
fn decode_raw(raw: &[u8]) -> Result<Option<Entry>, String> {
    let text = std::str::from_utf8(raw).map_err(|_| "not UTF-8".to_string())?;
    // A file edited on Windows, or checked out by git with autocrlf, ends lines with \r\n.
    let text = text.strip_suffix('\r').unwrap_or(text).trim();
    if text.is_empty() {
        return Ok(None);
    }
    line::decode(text).map(Some)
}

/// The latest entry of each paper and field (by time, then line), in time order, with each
/// paper's newest metadata on its last kept line; plus lines this build cannot read, verbatim.
fn compact_lines(bytes: &[u8]) -> (Vec<Entry>, Vec<String>, usize) {
    let lines = split_lines(bytes);
    let mut latest: BTreeMap<(PaperId, FieldKind), (DateTime<Utc>, usize, Entry)> = BTreeMap::new();
    let mut meta: BTreeMap<PaperId, (DateTime<Utc>, usize, PaperMeta)> = BTreeMap::new();
    let mut verbatim = Vec::new();
    for (index, (raw, terminated)) in lines.iter().enumerate() {
        match decode_raw(raw) {
            Ok(None) => {}
            Ok(Some(mut entry)) => {
                if let Some(found) = entry.meta.take() {
                    let newer = meta
                        .get(&entry.id)
                        .is_none_or(|(at, line, _)| (*at, *line) <= (entry.at, index));
                    if newer {
                        meta.insert(entry.id.clone(), (entry.at, index, found));
                    }
                }
                let key = (entry.id.clone(), entry.change.field());
                let newer = latest
                    .get(&key)
                    .is_none_or(|(at, line, _)| (*at, *line) <= (entry.at, index));
                if newer {
                    latest.insert(key, (entry.at, index, entry));
                }
            }
            // An unfinished last line was never acknowledged; anything else is kept.
            Err(_) if !terminated => {}
            Err(_) => verbatim.push(String::from_utf8_lossy(raw).into_owned()),
        }
    }
    let mut kept: Vec<(DateTime<Utc>, usize, Entry)> = latest.into_values().collect();
    kept.sort_by_key(|(at, line, _)| (*at, *line));
    let mut entries: Vec<Entry> = kept.into_iter().map(|(_, _, entry)| entry).collect();
    for entry in entries.iter_mut().rev() {
        if let Some((_, _, found)) = meta.remove(&entry.id) {
            entry.meta = Some(found);
        }
    }
    (entries, verbatim, lines.len())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(secs: i64) -> DateTime<Utc> {
        DateTime::from_timestamp(secs, 0).unwrap()
    }

    fn id(n: u32) -> PaperId {
        PaperId::parse_user(&format!("2504.{n:05}")).unwrap()
    }

    fn journal(dir: &Path) -> Journal {
        Journal::open(dir)
    }

    type Values = (
        Option<Option<DateTime<Utc>>>,
        Option<bool>,
        Option<Option<String>>,
    );

    /// Every paper's merged field values, without where they were read.
    fn values(state: &FinalState) -> BTreeMap<PaperId, Values> {
        state
            .papers
            .iter()
            .map(|(id, paper)| {
                let values = (
                    paper.starred_at.as_ref().map(|f| f.value),
                    paper.read.as_ref().map(|f| f.value),
                    paper.note.as_ref().map(|f| f.value.clone()),
                );
                (id.clone(), values)
            })
            .collect()
    }

    #[test]
    fn a_machine_id_is_made_once_and_kept() {
        let dir = tempfile::tempdir().unwrap();
        let first = journal(dir.path()).machine().unwrap().clone();
        let second = journal(dir.path()).machine().unwrap().clone();
        assert_eq!(first, second);
        let other = tempfile::tempdir().unwrap();
        assert_ne!(journal(other.path()).machine().unwrap(), &first);
        let text = std::fs::read_to_string(dir.path().join(MACHINE_ID_FILE)).unwrap();
        assert_eq!(text.trim(), first.as_str());
    }

    #[test]
    fn appends_are_read_back_in_order_with_non_decreasing_times() {
        let dir = tempfile::tempdir().unwrap();
        let journal = journal(dir.path());
        journal.append(&id(1), at(100), Change::Read, None).unwrap();
        // A clock that went back does not reorder this machine's own changes.
        let appended = journal
            .append(&id(1), at(50), Change::Unread, None)
            .unwrap();
        assert_eq!(appended.entries[0].at, at(100));
        let read = journal.read().unwrap();
        assert_eq!(read.entries.len(), 2);
        assert!(read.skipped.is_empty());
        assert!(read.files[0].own);
        let state = read.final_state().papers[&id(1)].state();
        assert!(!state.read, "the later unread wins");
    }

    #[test]
    fn an_unfinished_last_line_is_skipped_then_cut_off_before_the_next_append() {
        let dir = tempfile::tempdir().unwrap();
        let journal = journal(dir.path());
        journal.append(&id(1), at(1), Change::Read, None).unwrap();
        let path = journal.own_path().unwrap();
        let mut file = OpenOptions::new().append(true).open(&path).unwrap();
        file.write_all(b"{\"at\":\"2026-07-13T09:30:00Z\",\"mach")
            .unwrap();
        drop(file);

        let read = journal.read().unwrap();
        assert_eq!(read.entries.len(), 1);
        assert_eq!(read.skipped.len(), 1);
        assert!(read.skipped[0].torn);
        assert!(read.skipped[0].to_string().contains("line 2"));

        // A new session: the first append mends the file.
        let journal = Journal::open(dir.path());
        journal.append(&id(2), at(2), Change::Read, None).unwrap();
        let read = journal.read().unwrap();
        assert_eq!(read.entries.len(), 2);
        assert!(read.skipped.is_empty(), "{:?}", read.skipped);
    }

    #[test]
    fn a_complete_last_line_without_its_newline_is_kept() {
        let dir = tempfile::tempdir().unwrap();
        let journal = journal(dir.path());
        journal.append(&id(1), at(1), Change::Read, None).unwrap();
        let path = journal.own_path().unwrap();
        let text = std::fs::read_to_string(&path).unwrap();
        std::fs::write(&path, text.trim_end()).unwrap();
        let journal = Journal::open(dir.path());
        journal.append(&id(2), at(2), Change::Read, None).unwrap();
        assert_eq!(journal.read().unwrap().entries.len(), 2);
    }

    #[test]
    fn compaction_keeps_every_final_state_and_unreadable_lines() {
        let dir = tempfile::tempdir().unwrap();
        let journal = journal(dir.path()).with_compaction_after(1_000_000);
        let mut secs = 0;
        for round in 0..20 {
            for n in 0..10 {
                secs += 1;
                let change = if round % 2 == 0 {
                    Change::Star {
                        starred_at: at(secs),
                    }
                } else {
                    Change::Unstar
                };
                journal.append(&id(n), at(secs), change, None).unwrap();
                journal
                    .append(&id(n), at(secs), Change::Read, None)
                    .unwrap();
            }
        }
        let path = journal.own_path().unwrap();
        let mut file = OpenOptions::new().append(true).open(&path).unwrap();
        file.write_all(b"{\"future\":\"line\"}\n").unwrap();
        drop(file);
        let before = values(&journal.read().unwrap().final_state());

        let compaction = journal.compact().unwrap();
        assert_eq!(compaction.lines_before, 401);
        assert_eq!(compaction.lines_after, 21, "{compaction:?}");
        assert!(compaction.bytes_after < compaction.bytes_before / 10);
        let read = journal.read().unwrap();
        assert_eq!(values(&read.final_state()), before);
        assert_eq!(read.skipped.len(), 1, "the unreadable line is kept");
        assert!(
            !std::fs::read_dir(journal.dir()).unwrap().any(|e| e
                .unwrap()
                .file_name()
                .to_string_lossy()
                .starts_with('.')),
            "no temp file left"
        );
    }

    #[test]
    fn the_file_compacts_itself_past_the_threshold() {
        let dir = tempfile::tempdir().unwrap();
        let journal = journal(dir.path()).with_compaction_after(50);
        for n in 0..60 {
            journal
                .append(&id(n % 5), at(i64::from(n)), Change::Read, None)
                .unwrap();
        }
        let read = journal.read().unwrap();
        assert!(read.files[0].lines <= 50, "{:?}", read.files);
        assert_eq!(read.final_state().papers.len(), 5);
    }

    #[test]
    fn a_failed_append_leaves_the_file_as_it_was() {
        let dir = tempfile::tempdir().unwrap();
        let journal = journal(dir.path());
        journal.append(&id(1), at(1), Change::Read, None).unwrap();
        let path = journal.own_path().unwrap();
        let before = std::fs::read(&path).unwrap();
        // Replace the file by a directory: every open for writing fails, even as root.
        std::fs::remove_file(&path).unwrap();
        std::fs::create_dir(&path).unwrap();
        let error = journal
            .append(&id(2), at(2), Change::Read, None)
            .unwrap_err();
        assert!(
            error.to_string().contains("cannot write the journal"),
            "{error}"
        );
        std::fs::remove_dir(&path).unwrap();
        std::fs::write(&path, &before).unwrap();
        assert_eq!(journal.read().unwrap().entries.len(), 1);
    }

    #[test]
    fn dot_files_and_other_names_are_not_read() {
        let dir = tempfile::tempdir().unwrap();
        let journal = journal(dir.path());
        journal.append(&id(1), at(1), Change::Read, None).unwrap();
        let line = std::fs::read_to_string(journal.own_path().unwrap()).unwrap();
        std::fs::write(journal.dir().join(".syncthing.x.jsonl.tmp"), &line).unwrap();
        std::fs::write(journal.dir().join(".hidden.jsonl"), &line).unwrap();
        std::fs::write(journal.dir().join("notes.txt"), &line).unwrap();
        std::fs::write(journal.dir().join("x.sync-conflict-1.jsonl"), &line).unwrap();
        let read = journal.read().unwrap();
        assert_eq!(read.files.len(), 2, "{:?}", read.files);
        assert_eq!(read.entries.len(), 2);
    }
}
