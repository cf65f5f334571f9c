//! Start-up of the store with its journal: the full and quick consistency checks, merging the
//! journal into the store (other machines' changes, a write cut short, a rebuilt store), and
//! moving a missing, damaged or unreadable store aside to rebuild it from the journal.
//!
//! Every program start goes through [`open_or_recover`] (the reader and every headless
//! command); `paperboat doctor` opens with [`Store::open`] so it can report damage instead of
//! repairing it, and `doctor --rebuild` calls [`rebuild`].
//!
//! The merge makes the store agree with the journal's final state for every paper and field
//! the journal mentions. It runs when the journal files differ from what the store last
//! merged (their names, sizes and times are kept in `meta/journal_seen`; the store's own
//! appends update them), so an ordinary start reads no journal at all. Store state the journal
//! does not hold (a store from before the journal) is first written to the journal, with its
//! star time or the epoch as its time, so it never beats a newer change from elsewhere.
//!
//! A damaged store is never deleted: `list/`, `body/` (and `cache/`, a version-0 store) are
//! renamed into `<data_dir>/damaged-<UTC time>/`, where a newer paperboat or a person can still
//! read them. Papers come back with the next sync (the feed states are not carried over, so
//! that sync fetches everything); starred and noted papers are listed at once from the title and
//! links the journal kept.
//!
//! What happened is returned as data (`StartReport`, `Recovery`, `Damage`, `UserCounts`,
//! `MergeWarning`); the sentences the user reads are built in `crate::notices`. Layer `store`:
//! imports `journal`, `source` and the bottom layer, never anything above.

use std::collections::{BTreeMap, HashMap};
use std::path::{Path, PathBuf};

use chrono::{DateTime, Utc};

use super::codec::{self, BodyChunk};
use super::{Store, StoreError, corrupt, keys, migrate, serialise, sled_error};
use crate::journal::{Change, FileStamp, JournalRead, PaperMeta, Position, Skipped};
use crate::model::{Paper, PaperId, UserState};

/// The list Db's directory in the data dir.
pub(super) const LIST_DIR: &str = "list";
/// The body Db's directory in the data dir.
pub(super) const BODY_DIR: &str = "body";
/// `meta` key: the journal files as of the last merge (JSON list of name, size, time).
const JOURNAL_SEEN_KEY: &[u8] = b"journal_seen";

/// Why the store was rebuilt.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Damage {
    /// There was no store (deleted, or a new machine) but the journal had user state.
    Missing,
    /// The store's files or values do not read.
    Corrupt(String),
    /// The store was written by a newer paperboat.
    UnknownVersion { found: u32, supported: u32 },
    /// `paperboat doctor --rebuild`.
    Requested,
}

/// How many papers are starred, read and noted.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct UserCounts {
    pub starred: usize,
    pub read: usize,
    pub notes: usize,
}

impl UserCounts {
    fn of<'a>(states: impl IntoIterator<Item = &'a UserState>) -> UserCounts {
        let mut counts = UserCounts::default();
        for state in states {
            counts.starred += usize::from(state.is_starred());
            counts.read += usize::from(state.read);
            counts.notes += usize::from(state.note.is_some());
        }
        counts
    }
}

/// A rebuild: why, where the old store went, and what the journal gave back.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Recovery {
    pub damage: Damage,
    /// `None` when there was nothing to move.
    pub moved_to: Option<PathBuf>,
    pub restored: UserCounts,
}

/// What merging the journal into the store did.
#[derive(Debug, Clone, Default)]
pub struct MergeReport {
    /// False when the journal files were as the store last saw them and nothing was read.
    pub ran: bool,
    pub files: usize,
    pub entries: usize,
    /// Papers whose state was changed to the journal's.
    pub applied: usize,
    /// Fields the store held and the journal did not, now written to the journal.
    pub journaled: usize,
    /// Starred or noted papers listed from the journal's title and links until a sync.
    pub stubs: usize,
    pub skipped: Vec<Skipped>,
    /// What could not be done and did not stop the start (a read-only journal, say).
    pub warnings: Vec<MergeWarning>,
}

/// A merge that could not be done in full; the start goes on and the next one tries again.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum MergeWarning {
    /// The journal could not be read (or the merge could not be written); the detail is the
    /// error's message.
    NotMerged(String),
    /// Store state the journal lacks could not be appended to it (a read-only journal, say).
    NotRecorded(String),
}

/// What start-up did beyond opening the store.
#[derive(Debug, Clone, Default)]
pub struct StartReport {
    pub recovery: Option<Recovery>,
    pub merge: MergeReport,
}

/// What `check` found in a store that reads back whole.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct CheckReport {
    pub schema_version: u32,
    pub papers: usize,
    pub days: usize,
    pub feeds: usize,
    pub user: UserCounts,
}

/// The store errors that mean its contents are bad (so a rebuild is the cure), as opposed to
/// the machine refusing (a lock, permissions, a full disk).
fn damage_of(error: &StoreError) -> Option<Damage> {
    match error {
        StoreError::Corrupt { detail, .. } => Some(Damage::Corrupt(detail.clone())),
        StoreError::UnknownVersion {
            found, supported, ..
        } => Some(Damage::UnknownVersion {
            found: *found,
            supported: *supported,
        }),
        StoreError::Sled(detail) => Some(Damage::Corrupt(detail.clone())),
        StoreError::Io { source, .. }
            if matches!(
                source.kind(),
                std::io::ErrorKind::InvalidData | std::io::ErrorKind::UnexpectedEof
            ) =>
        {
            Some(Damage::Corrupt(source.to_string()))
        }
        StoreError::Locked(_) | StoreError::Io { .. } | StoreError::Journal(_) => None,
    }
}

/// Opens the store in `dir` as every start does: a store that is missing, damaged or of an
/// unknown version is moved aside and rebuilt from the journal; then the journal is merged.
/// A locked store, or one the machine cannot read or write, is an error and is left alone.
pub fn open_or_recover(dir: &Path) -> Result<(Store, StartReport), StoreError> {
    let list_existed = dir.join(LIST_DIR).is_dir();
    // A body Db without its list Db (a move-aside cut short, a list deleted by hand) holds
    // papers nothing points at; it goes aside so the new store starts clean.
    let orphan_moved = if !list_existed && dir.join(BODY_DIR).is_dir() {
        move_aside(dir, &[BODY_DIR])?
    } else {
        None
    };
    let store = match Store::open(dir) {
        Ok(store) => store,
        Err(error) => {
            return match damage_of(&error) {
                Some(damage) => rebuild_after(dir, damage),
                None => Err(error),
            };
        }
    };
    if let Err(error) = store.quick_check() {
        let Some(damage) = damage_of(&error) else {
            return Err(error);
        };
        // Whatever user state still reads goes to the journal before the store goes aside.
        match store.journal_store_state() {
            Ok(saved) if saved > 0 => tracing::info!(saved, "saved user state before rebuild"),
            Ok(_) => {}
            Err(error) => tracing::warn!(%error, "could not read user state before rebuild"),
        }
        drop(store);
        return rebuild_after(dir, damage);
    }
    let merge = match store.merge_journal(!list_existed) {
        Ok(merge) => merge,
        // A full disk or a read-only data dir must not keep the reader from showing what the
        // store has; the merge is tried again at the next start.
        Err(error) => match damage_of(&error) {
            None => MergeReport {
                warnings: vec![MergeWarning::NotMerged(error.to_string())],
                ..MergeReport::default()
            },
            Some(damage) => {
                drop(store);
                return rebuild_after(dir, damage);
            }
        },
    };
    let recovery = if !list_existed && merge.applied > 0 {
        Some(Recovery {
            damage: Damage::Missing,
            moved_to: orphan_moved,
            restored: store.user_counts()?,
        })
    } else {
        None
    };
    Ok((store, StartReport { recovery, merge }))
}

/// Moves the store aside and rebuilds it from the journal (`paperboat doctor --rebuild`). A
/// store that still opens first gives the journal any user state it lacks.
pub fn rebuild(dir: &Path) -> Result<(Store, StartReport), StoreError> {
    match Store::open(dir) {
        Ok(store) => {
            if let Err(error) = store.journal_store_state() {
                tracing::warn!(%error, "could not read user state before rebuild");
            }
        }
        Err(error) if damage_of(&error).is_some() => {}
        Err(error) => return Err(error),
    }
    rebuild_after(dir, Damage::Requested)
}

fn rebuild_after(dir: &Path, damage: Damage) -> Result<(Store, StartReport), StoreError> {
    tracing::warn!(dir = %dir.display(), ?damage, "moving the store aside to rebuild it");
    let moved_to = move_aside(dir, &[LIST_DIR, BODY_DIR, migrate::V0_DIR])?;
    let store = Store::open(dir)?;
    let merge = store.merge_journal(true)?;
    let restored = store.user_counts()?;
    tracing::info!(?moved_to, ?restored, "store rebuilt from the journal");
    let recovery = Recovery {
        damage,
        moved_to,
        restored,
    };
    Ok((
        store,
        StartReport {
            recovery: Some(recovery),
            merge,
        },
    ))
}

/// Renames the parts of the store that exist into a new `damaged-<UTC time>` dir.
fn move_aside(dir: &Path, parts: &[&str]) -> Result<Option<PathBuf>, StoreError> {
    let io = |source| StoreError::Io {
        dir: dir.to_path_buf(),
        source,
    };
    let present: Vec<&str> = parts
        .iter()
        .copied()
        .filter(|part| dir.join(part).exists())
        .collect();
    if present.is_empty() {
        return Ok(None);
    }
    let stamp = Utc::now().format("%Y%m%dT%H%M%SZ");
    let mut target = dir.join(format!("damaged-{stamp}"));
    let mut suffix = 1;
    while target.exists() {
        target = dir.join(format!("damaged-{stamp}-{suffix}"));
        suffix += 1;
    }
    std::fs::create_dir(&target).map_err(io)?;
    // The list Db goes first: a crash before the body follows leaves a body without a list,
    // which the next start moves aside too.
    for part in present {
        std::fs::rename(dir.join(part), target.join(part)).map_err(io)?;
    }
    std::fs::File::open(dir)
        .and_then(|handle| handle.sync_all())
        .map_err(io)?;
    Ok(Some(target))
}

impl Store {
    /// Reads what the first frame needs (user state, feed states, the newest day's rows), so
    /// that damage there is found at start rather than on screen.
    fn quick_check(&self) -> Result<(), StoreError> {
        self.user_states()?;
        self.feed_states()?;
        if let Some(day) = self.latest_day()? {
            self.rows_for_day(day)?;
        }
        Ok(())
    }

    /// Reads every value: the schema version, every rows chunk, the full record of every
    /// listed paper, user state and feed states. Slow on a big store (it reads it all);
    /// `paperboat doctor` runs it.
    pub fn check(&self) -> Result<CheckReport, StoreError> {
        let dir = self.dir();
        let schema_version = migrate::stored_version(dir, &self.inner.list.meta)?
            .ok_or_else(|| corrupt(dir, "no schema version".into()))?;
        let body = self.body()?;
        let mut papers = 0;
        let mut days = std::collections::BTreeSet::new();
        for entry in self.inner.list.rows.iter() {
            let (key, value) = entry.map_err(|e| sled_error(dir, e))?;
            let key = self.chunk_key(&key)?;
            let rows = self.decode_rows(key, &value)?;
            days.insert(key.day);
            papers += rows.len();
            let stored = body
                .get(key.to_bytes())
                .map_err(|e| sled_error(dir, e))?
                .ok_or_else(|| corrupt(dir, format!("rows chunk {key} has no full records")))?;
            let chunk = BodyChunk::parse(&stored)
                .map_err(|e| corrupt(dir, format!("body chunk {key}: {e}")))?;
            for row in &rows {
                let slot = chunk
                    .position(&row.id)
                    .ok_or_else(|| corrupt(dir, format!("paper {} has no full record", row.id)))?;
                chunk.paper(slot).map_err(|e| {
                    corrupt(dir, format!("body chunk {key}, paper {}: {e}", row.id))
                })?;
            }
        }
        let user = self.user_counts()?;
        let feeds = self.feed_states()?.len();
        Ok(CheckReport {
            schema_version,
            papers,
            days: days.len(),
            feeds,
            user,
        })
    }

    /// How many papers are starred, read and noted.
    pub fn user_counts(&self) -> Result<UserCounts, StoreError> {
        Ok(UserCounts::of(self.user_states()?.values()))
    }

    /// The journal files as of the last merge.
    fn journal_seen(&self) -> Result<Option<Vec<FileStamp>>, StoreError> {
        let dir = self.dir();
        let value = self
            .inner
            .list
            .meta
            .get(JOURNAL_SEEN_KEY)
            .map_err(|e| sled_error(dir, e))?;
        // An unreadable value only costs a merge.
        Ok(value.and_then(|value| serde_json::from_slice(&value).ok()))
    }

    fn set_journal_seen(&self, seen: &[FileStamp]) -> Result<(), StoreError> {
        let dir = self.dir();
        let value = serde_json::to_vec(seen)
            .map_err(|e| corrupt(dir, format!("encoding journal_seen: {e}")))?;
        self.inner
            .list
            .meta
            .insert(JOURNAL_SEEN_KEY, value)
            .map_err(|e| sled_error(dir, e))?;
        Ok(())
    }

    /// Records this machine's journal file after an append the store has applied (not
    /// flushed: the caller flushes). Only when the file was, before the append, as the store
    /// last saw it: otherwise it holds lines the store may not have (a crash between an append
    /// and its store write), and the next start must merge them.
    pub(super) fn record_own_journal(
        &self,
        before: &FileStamp,
        after: FileStamp,
    ) -> Result<(), StoreError> {
        let Some(mut seen) = self.journal_seen()? else {
            return Ok(());
        };
        let known = seen.iter().position(|stamp| stamp.name == before.name);
        match known {
            Some(index) if seen[index] == *before => seen[index] = after,
            // A new file: nothing in it could have been missed.
            None if before.len == 0 => {
                seen.push(after);
                seen.sort();
            }
            _ => return Ok(()),
        }
        self.set_journal_seen(&seen)
    }

    /// Writes to the journal the store's user state it does not hold yet. Returns how many
    /// fields were written.
    fn journal_store_state(&self) -> Result<usize, StoreError> {
        let _writer = serialise(&self.inner.user_writer);
        let read = self.inner.journal.read()?;
        let states = self.user_states()?;
        let mut journal = read.final_state();
        self.journal_missing(&mut journal, &states, &read)
    }

    /// Journals the parts of `states` the journal does not cover, and merges them into
    /// `journal`.
    fn journal_missing(
        &self,
        journal: &mut crate::journal::FinalState,
        states: &HashMap<PaperId, UserState>,
        read: &JournalRead,
    ) -> Result<usize, StoreError> {
        let mut missing = Vec::new();
        for (id, state) in states {
            let known = journal.papers.get(id);
            let mut meta: Option<Option<PaperMeta>> = None;
            for change in Change::describing(state) {
                if journal_covers(known, &change) {
                    continue;
                }
                // The star's own time; a read flag or note from before the journal is older
                // than anything the journal holds.
                let at = match &change {
                    Change::Star { starred_at } => *starred_at,
                    _ => DateTime::<Utc>::UNIX_EPOCH,
                };
                let meta = meta
                    .get_or_insert_with(|| {
                        self.paper(id)
                            .ok()
                            .flatten()
                            .map(|paper| PaperMeta::of(&paper))
                    })
                    .clone();
                missing.push((id.clone(), at, change, meta));
            }
        }
        if missing.is_empty() {
            return Ok(0);
        }
        let count = missing.len();
        let appended = self.inner.journal.append_backdated(missing)?;
        let own = read.files.iter().find(|file| file.own);
        let first_line = own.map_or(0, |file| file.lines) + 1;
        for (offset, entry) in appended.entries.iter().enumerate() {
            let position = Position {
                file: appended.own.name.clone(),
                line: first_line + offset,
            };
            journal.add(&position, entry);
        }
        Ok(count)
    }

    /// Makes the store agree with the journal (see the module docs). `force` merges even when
    /// the journal files look unchanged.
    pub fn merge_journal(&self, force: bool) -> Result<MergeReport, StoreError> {
        let journal = &self.inner.journal;
        let mut report = MergeReport::default();
        let stamps = match journal.stamps() {
            Ok(stamps) => stamps,
            Err(error) => {
                report
                    .warnings
                    .push(MergeWarning::NotMerged(error.to_string()));
                return Ok(report);
            }
        };
        if !force && self.journal_seen()?.as_deref() == Some(stamps.as_slice()) {
            return Ok(report);
        }
        let read = match journal.read() {
            Ok(read) => read,
            Err(error) => {
                report
                    .warnings
                    .push(MergeWarning::NotMerged(error.to_string()));
                return Ok(report);
            }
        };
        report.ran = true;
        report.files = read.files.len();
        report.entries = read.entries.len();
        report.skipped = read.skipped.clone();
        let mut final_state = read.final_state();

        let writer = serialise(&self.inner.user_writer);
        let states = self.user_states()?;
        match self.journal_missing(&mut final_state, &states, &read) {
            Ok(journaled) => report.journaled = journaled,
            // A read-only journal must not stop the reader from showing what it has.
            Err(error) => report
                .warnings
                .push(MergeWarning::NotRecorded(error.to_string())),
        }
        let mut updates = Vec::new();
        for (id, paper) in &final_state.papers {
            let current = states.get(id).cloned().unwrap_or_default();
            let wanted = paper.over(&current);
            if wanted != current {
                updates.push((id.clone(), wanted));
            }
        }
        report.applied = updates.len();
        let mut stubs: Vec<Paper> = Vec::new();
        for (id, state) in &updates {
            if !state.is_starred() && state.note.is_none() {
                continue;
            }
            let Some(meta) = final_state.papers.get(id).and_then(|p| p.meta.as_ref()) else {
                continue;
            };
            if matches!(self.paper(id), Ok(None)) {
                stubs.push(meta.value.stub(id.clone()));
            }
        }
        self.write_user_states(&updates)?;
        let seen = journal.stamps().unwrap_or(stamps);
        self.set_journal_seen(&seen)?;
        let dir = self.dir();
        self.inner.list.db.flush().map_err(|e| sled_error(dir, e))?;
        drop(writer);

        if !stubs.is_empty() {
            report.stubs = stubs.len();
            self.apply(stubs, Utc::now().date_naive())?;
        }
        if report.applied > 0 || report.journaled > 0 {
            tracing::info!(
                applied = report.applied,
                journaled = report.journaled,
                stubs = report.stubs,
                entries = report.entries,
                "journal merged"
            );
        }
        Ok(report)
    }

    /// Sets whole user states without journaling them (they come from the journal), in one
    /// batch; the caller flushes.
    fn write_user_states(&self, updates: &[(PaperId, UserState)]) -> Result<(), StoreError> {
        let dir = self.dir();
        let mut by_bucket: BTreeMap<[u8; 1], Vec<&(PaperId, UserState)>> = BTreeMap::new();
        for update in updates {
            by_bucket
                .entry(keys::user_bucket(&update.0))
                .or_default()
                .push(update);
        }
        let mut batch = sled::Batch::default();
        for (key, changes) in by_bucket {
            let mut bucket = self.user_bucket(key)?;
            for (id, state) in changes {
                if state.is_empty() {
                    bucket.remove(id);
                } else {
                    bucket.insert(id.clone(), state.clone());
                }
            }
            if bucket.is_empty() {
                batch.remove(&key);
            } else {
                let value = codec::encode_user_bucket(&bucket)
                    .map_err(|e| corrupt(dir, format!("encoding user bucket {}: {e}", key[0])))?;
                batch.insert(&key, value);
            }
        }
        self.inner
            .list
            .user
            .apply_batch(batch)
            .map_err(|e| sled_error(dir, e))
    }
}

/// True when the journal holds `change` (a part of the store's state) or something that beats
/// it. The journal beats any read flag or note it mentions (the store keeps no time for
/// them), and a star when its change is newer than the star. A store write always follows its
/// journal append, so a star newer than the journal's last word on it can only be state from
/// before the journal (or from a lost journal file).
fn journal_covers(paper: Option<&crate::journal::PaperFinal>, change: &Change) -> bool {
    let Some(paper) = paper else {
        return false;
    };
    match change {
        Change::Star { starred_at } => paper
            .starred_at
            .as_ref()
            .is_some_and(|field| field.value == Some(*starred_at) || field.stamp.at >= *starred_at),
        other => paper.mentions(other.field()),
    }
}

/// What doctor compares: the store's state and the journal's final state, paper by paper.
/// Returns the papers where a field the journal mentions differs, and papers whose state the
/// journal does not hold at all.
pub fn compare(
    journal: &crate::journal::FinalState,
    store: &HashMap<PaperId, UserState>,
) -> (Vec<PaperId>, Vec<PaperId>) {
    let mut differ = Vec::new();
    for (id, paper) in &journal.papers {
        let current = store.get(id).cloned().unwrap_or_default();
        if paper.over(&current) != current {
            differ.push(id.clone());
        }
    }
    let mut unjournaled = Vec::new();
    for (id, state) in store {
        let known = journal.papers.get(id);
        let missing = Change::describing(state)
            .iter()
            .any(|change| !journal_covers(known, change));
        if missing {
            unjournaled.push(id.clone());
        }
    }
    unjournaled.sort();
    (differ, unjournaled)
}
