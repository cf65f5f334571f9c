//! Appending to and reading the journal files: one write and one fsync per append (a failed
//! one is cut back off), times kept to the millisecond and non-decreasing per machine, a new
//! file's directory entry made durable; reading every `*.jsonl` (not dot files), skipping and
//! listing lines that do not parse.

use std::fs::{File, OpenOptions};
use std::io::{self, Read as _, Seek as _, SeekFrom, Write as _};
use std::path::{Path, PathBuf};

use chrono::{DateTime, DurationRound as _, TimeDelta, Utc};

use super::machine::{OwnFile, scan_own};
use super::{Change, Entry, FinalState, JOURNAL_DIR, Journal, JournalError, PaperMeta, line};
use crate::model::PaperId;

/// A journal file bigger than this is not read (a compacted file of 100,000 papers is ~30 MB):
/// something other than paperboat wrote it.
const MAX_FILE_BYTES: u64 = 256 * 1024 * 1024;

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

impl Journal {
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
pub(super) fn sync_dir(dir: Option<&Path>) -> io::Result<()> {
    match dir {
        Some(dir) => File::open(dir)?.sync_all(),
        None => Ok(()),
    }
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

/// The file's lines without their newlines, each with whether it had one.
pub(super) fn split_lines(bytes: &[u8]) -> Vec<(&[u8], bool)> {
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
pub(super) fn decode_raw(raw: &[u8]) -> Result<Option<Entry>, String> {
    let text = std::str::from_utf8(raw).map_err(|_| "not UTF-8".to_string())?;
    // A file edited on Windows, or checked out by git with autocrlf, ends lines with \r\n.
    let text = text.strip_suffix('\r').unwrap_or(text).trim();
    if text.is_empty() {
        return Ok(None);
    }
    line::decode(text).map(Some)
}

#[cfg(test)]
mod tests {
    use super::super::test_support::{at, id};
    use super::*;

    fn journal(dir: &Path) -> Journal {
        Journal::open(dir)
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
