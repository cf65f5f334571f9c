//! Compaction of this machine's journal file: rewritten with the latest entry of each paper
//! and field (unset ones included, so an unstar keeps beating an older star from elsewhere) and
//! the lines this build cannot read kept verbatim; written beside the old file, fsynced and
//! renamed over it, so a crash leaves one or the other.

use std::collections::BTreeMap;
use std::fs::File;
use std::io::{self, Write as _};

use chrono::{DateTime, Utc};

use super::file::{decode_raw, split_lines, sync_dir};
use super::machine::OwnFile;
use super::{Entry, FieldKind, Journal, JournalError, PaperMeta, line};
use crate::model::PaperId;

/// What a compaction did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Compaction {
    pub lines_before: usize,
    pub lines_after: usize,
    pub bytes_before: u64,
    pub bytes_after: u64,
}

impl Journal {
    /// Rewrites this machine's file with the latest entry of each paper and field.
    pub fn compact(&self) -> Result<Compaction, JournalError> {
        let mut own = self.lock_own();
        self.compact_locked(&mut own)
    }

    pub(super) fn compact_locked(
        &self,
        own: &mut Option<OwnFile>,
    ) -> Result<Compaction, JournalError> {
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
    use std::fs::OpenOptions;
    use std::path::Path;

    use super::super::test_support::{at, id};
    use super::super::{Change, FinalState};
    use super::*;

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
}
