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
//!
//! This file owns what an entry is (`Change`, `PaperMeta`, `Entry`) and the `Journal` handle;
//! `machine.rs` this machine's id and what a session knows of its own file, `file.rs` appending,
//! fsyncing and reading the files, `compact.rs` compaction, `line.rs` the line format and
//! `merge.rs` the merge. Layer: below `store`; imports only `model` and `text`.

mod compact;
mod file;
mod line;
mod machine;
mod merge;

use std::io;
use std::path::{Path, PathBuf};
use std::sync::{Mutex, MutexGuard, PoisonError};

use chrono::{DateTime, NaiveDate, Utc};

pub use compact::Compaction;
pub use file::{Appended, FileStamp, FileSummary, JournalRead, Position, Skipped};
pub use machine::MachineId;
pub use merge::{Field, FinalState, PaperFinal, Stamp};

use crate::model::{Links, Paper, PaperId, SourceId, UserState};
use machine::{OwnFile, load_or_mint_machine_id};

/// The journal directory inside the data dir.
pub const JOURNAL_DIR: &str = "journal";
/// The file holding this machine's id, in the data dir (not in `journal/`: it must not sync).
pub const MACHINE_ID_FILE: &str = "machine-id";
/// This machine's file is compacted when it grows past this many lines.
pub const COMPACT_LINES: usize = 10_000;

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
}

#[cfg(test)]
mod test_support {
    use chrono::{DateTime, Utc};

    use crate::model::PaperId;

    pub(super) fn at(secs: i64) -> DateTime<Utc> {
        DateTime::from_timestamp(secs, 0).unwrap()
    }

    pub(super) fn id(n: u32) -> PaperId {
        PaperId::parse_user(&format!("2504.{n:05}")).unwrap()
    }
}
