//! The sled paper cache: list rows, full records, feed metadata and user state, with a schema
//! version and migrations. The single source of truth; sync writes, the UI reads.
//!
//! Layout (docs/ARCHITECTURE.md §4 has the measurements behind it). sled's open
//! time grows with key count and log bytes, so what the first frame needs lives in a small Db of
//! few keys, and the full records in a second Db opened after the first frame:
//!
//! - `<data_dir>/list/`, a sled Db opened by [`Store::open`]:
//!   - `rows`: list rows chunked per day. Key = day as `YYYYMMDD` (u32 big-endian) + part
//!     number (u16 big-endian); value = up to 32 rows of that day. Newest-first and per-day
//!     reads are range scans.
//!   - `user`: stars (with time), read flags and notes, bucketed by
//!     `stable_hash(id) % 256` (one byte) → every state in the bucket. At most 256 keys however
//!     many papers were read; empty states are dropped. Sync never writes here.
//!   - `feeds`: source id → `FeedState`.
//!   - `hf_lists`: HF's ranked lists, list key (`week:2026-W49`, `month:2026-12`,
//!     `trending`, `search`) → the paper ids in HF's order and when they were fetched (JSON,
//!     see `hf_lists.rs`); the papers themselves are stored like daily ones.
//!   - `meta`: `schema_version` (u32 big-endian); `server_waits` (JSON: host → time, see
//!     `server_waits.rs`); `journal_seen` (JSON: the journal files' names, sizes and times as
//!     of the last merge, see `recover.rs`); `reader_state` (JSON: the reader's view, sort and
//!     selection, see `reader_state.rs`).
//! - `<data_dir>/body/`, a second sled Db: the full `Paper` records under the same day/part keys
//!   as their rows, opened on first need ([`Store::paper`], [`Store::apply`]…) or by
//!   [`Store::warm_body`] on a background thread right after the first frame.
//! - `<data_dir>/fulltext/`, a third sled Db opened on first use: cached full texts in
//!   compressed pieces, with a "has a full text" mark per paper in the list Db's `fulltext`
//!   tree (see `fulltext.rs`).
//! - In memory: an id → chunk index with per-chunk row counts, built from the rows' id lists on
//!   first need and shared by every clone; never stored.
//!
//! Why 32 papers a part and not 1,024: sled 0.34 stores a value over ~128 KiB (a quarter of its
//! 512 KiB segment) as a separate blob file and reads every such blob on each open. 1,024 rows
//! are ~210 KB, which made opening the list Db at 1M papers cost ~230 ms every time and the body
//! Db 2–3 s. At 32 a part, a body value is ~55 KB and a rows value ~7 KB, both inline: opening
//! the list Db at 1M papers (31k keys) takes 10–20 ms, the body Db ~0.25–0.45 s.
//!
//! sled writes a snapshot only when it opens, so the first open after a session that wrote a
//! lot replays that session's log (~0.1 s after writing 1M rows at once; nothing to notice after
//! a daily sync).
//!
//! Every value starts with a one-byte codec version, then postcard (see `codec.rs`); since
//! schema v2, rows and body chunks keep their ids plain and LZ4-compress the rest (at 32 a part
//! a body value is ~20 KB, a rows value ~2.5 KB), because sled keeps nearly every page it has
//! written or read in memory whatever its cache bound says. An older
//! schema is migrated on open (`migrate.rs`); a newer one is refused. Writes are one sled batch
//! per Db and are flushed before they return; user-state writes are durable when they return.
//!
//! Every user-state write is first appended to the journal (`crate::journal`), then made in
//! the store; `recover.rs` rebuilds a missing, damaged or unreadable store from the journal and
//! merges other machines' journal entries at start (see [`open_or_recover`]).

mod batch;
mod changes;
mod codec;
mod first_screen;
mod fulltext;
mod generation;
mod hf_lists;
mod index;
mod keys;
mod linked;
mod locations;
mod migrate;
mod pdfs;
mod queued;
mod read;
mod reader_state;
mod recover;
mod rekey;
mod server_waits;
mod user;
mod write;
mod write_marks;

use std::collections::{BTreeMap, BTreeSet, HashSet};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, OnceLock, PoisonError, RwLock};

use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};

use crate::journal::{Journal, JournalError};
use crate::model::{ListRow, Paper, SourceId};
pub use first_screen::{
    FIRST_SCREEN_FILE, FirstScreen, FirstScreenError, decode_first_screen, encode_first_screen,
    first_screen_bytes, first_screen_path, read_first_screen,
};
pub use fulltext::{PIECE_BYTES as FULLTEXT_PIECE_BYTES, StoredFullText};
pub use hf_lists::RankedList;
use index::{BuildError, Index};
use keys::ChunkKey;
pub use linked::{LINKED_TREE, LinkedRepo, LinkedRepos};
pub use pdfs::{PDFS_TREE, SavedPdf};
use queued::assert_off_ui_thread;
pub use queued::{UiThreadGuard, on_ui_thread};
pub use reader_state::{READER_STATE_VERSION, ReaderState, RememberedView};
pub use rekey::{RekeyOutcome, RekeyPass};
use write::{ChunkWrite, CommitOrder, WriteContext};
pub use write_marks::WRITE_MARKS_ENV;

pub use recover::{
    CheckReport, Damage, MergeReport, MergeWarning, Recovery, StartReport, UserCounts, compare,
    open_or_recover, rebuild,
};

/// Why the store could not do what was asked.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("the data dir {0} is in use by another paperboat process; close it first")]
    Locked(PathBuf),
    #[error(
        "the store in {dir} has schema version {found}, this paperboat reads up to {supported}; \
         upgrade paperboat or move the store aside"
    )]
    UnknownVersion {
        dir: PathBuf,
        found: u32,
        supported: u32,
    },
    #[error("the store in {dir} is damaged: {detail}")]
    Corrupt { dir: PathBuf, detail: String },
    #[error("store I/O error in {dir}: {source}")]
    Io {
        dir: PathBuf,
        source: std::io::Error,
    },
    #[error("store error: {0}")]
    Sled(String),
    /// The journal did not take a user-state change, so the store was left as it was.
    #[error(transparent)]
    Journal(#[from] JournalError),
}

/// What one `apply` did: papers never seen before, and known papers whose fields changed.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct ApplyOutcome {
    pub new: usize,
    pub changed: usize,
}

/// HTTP validators belong to the fetcher; re-exported because `FeedState` keeps them per URL.
pub use crate::source::fetch::Validators;

/// What the store knows about one source's syncs. A failure is data, shown in the UI.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct FeedState {
    pub validators: BTreeMap<String, Validators>,
    pub last_attempt: Option<DateTime<Utc>>,
    pub last_success: Option<DateTime<Utc>>,
    pub last_error: Option<String>,
    /// Failures in a row since the last success; drives the backoff.
    pub consecutive_failures: u32,
    /// Not before this time (from a 429/503 Retry-After, or the backoff).
    pub next_attempt_after: Option<DateTime<Utc>>,
    /// Papers the last successful sync added.
    pub last_new: usize,
}

/// sled's page cache bound for the list Db (rows of 1M papers are ~210 MB; the first frame
/// reads one day of them). sled treats it loosely: full scans hold more than this.
///
/// Both bounds barely matter below a few hundred thousand papers: sled 0.34's LRU has 256
/// shards, each sized only once 64 accesses to its pages have queued up, so a Db of a few
/// thousand pages is almost never trimmed. Measured with 16 MiB instead of 64: ingest of 50k
/// papers peaked at 92–96 MiB either way; reading every record of 100k left 98–100 MiB.
const LIST_CACHE_BYTES: u64 = 64 * 1024 * 1024;
/// The body Db is read a chunk at a time; its cache only spares re-reading recent chunks.
const BODY_CACHE_BYTES: u64 = 64 * 1024 * 1024;
/// How many body bytes may be written, or read, before the body Db is closed and reopened to
/// free the pages sled keeps. sled 0.34's LRU never evicts them: a body leaf (4–16 chunks,
/// ~80–320 KB) is over its inline limit and stored as a blob file, and the LRU sizes a page by
/// its bytes in the log, which for a blob is the pointer alone. Reading every body of 1M papers
/// (~650 MB of values) without recycling grew RSS by ~540 MiB (99 → 641 MiB).
///
/// Writes recycle often: at 50,000 papers ingest peaked at 78 MiB recycling every 32 MiB, 70–75
/// every 8 and 59–66 every 4, in about the same time (a reopen costs a few ms there), with
/// 75 → 88 MiB on disk.
///
/// Reads recycle every 16 MiB, though a reopen grows with the store: at 1M papers each open
/// read 530 MB and wrote 165 MB (sled zeroes every free segment of its log and re-reads the
/// blobs its recovery passes) in 0.55–1.5 s, so one catalog load (every body, ~650 MB of
/// values) opens it 41 times and writes 6.6–7.5 GB. Every 64 MiB made that 11 opens and 1.7–2
/// GB, but the real binary then peaked and held ~40 MiB more at 1M (the freed pages stay in
/// the heap as holes), against a memory target already missed; see BENCHMARKS.md "the idle
/// reader and memory at 1M" for the figures and the stored-format change that would end
/// recycling.
const BODY_RECYCLE_WRITTEN: u64 = 4 * 1024 * 1024;
const BODY_RECYCLE_READ: u64 = 16 * 1024 * 1024;

/// Which way body bytes went, for [`Store::note_body_traffic`].
#[derive(Clone, Copy)]
enum Traffic {
    Read,
    Written,
}

pub(super) fn corrupt(dir: &Path, detail: String) -> StoreError {
    StoreError::Corrupt {
        dir: dir.to_path_buf(),
        detail,
    }
}

/// Maps a sled error, recognising sled 0.34's failed file lock: it reports it only as an
/// `Io` error of kind `Other` whose message starts "could not acquire lock".
pub(super) fn sled_error(dir: &Path, error: sled::Error) -> StoreError {
    match error {
        sled::Error::Io(io) if io.to_string().contains("could not acquire lock") => {
            StoreError::Locked(dir.to_path_buf())
        }
        sled::Error::Io(source) => StoreError::Io {
            dir: dir.to_path_buf(),
            source,
        },
        sled::Error::Corruption { .. } => corrupt(dir, error.to_string()),
        other => StoreError::Sled(other.to_string()),
    }
}

/// Locks a mutex that guards no data (it only serialises writers), so poisoning is moot.
fn serialise<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(PoisonError::into_inner)
}

/// How long an open waits for sled's file lock. Dropping a `sled::Db` returns before its
/// background flusher lets go of the lock, so a store closed a moment ago (a restart, a
/// rebuild) can still look locked for a few milliseconds; another live process holds it for
/// good, and is reported after this wait.
const LOCK_WAIT: std::time::Duration = std::time::Duration::from_millis(1500);
/// The body Db is only opened by a process that holds the list Db, so whoever still holds its
/// lock is this process's own just-recycled handle: worth waiting for longer on a busy machine.
const BODY_LOCK_WAIT: std::time::Duration = std::time::Duration::from_secs(10);

fn open_db(dir: &Path, sub: &str, cache_bytes: u64) -> Result<sled::Db, StoreError> {
    let wait = if sub == "body" {
        BODY_LOCK_WAIT
    } else {
        LOCK_WAIT
    };
    let started = std::time::Instant::now();
    loop {
        let opened = sled::Config::new()
            .path(dir.join(sub))
            .cache_capacity(cache_bytes)
            .open()
            .map_err(|e| sled_error(dir, e));
        match opened {
            Err(StoreError::Locked(_)) if started.elapsed() < wait => {
                std::thread::sleep(std::time::Duration::from_millis(10));
            }
            other => return other,
        }
    }
}

/// The list Db and its trees.
pub(super) struct ListDb {
    /// Counts its flushes: the store's write generation (see `generation.rs`).
    db: generation::CountedDb,
    rows: sled::Tree,
    user: sled::Tree,
    feeds: sled::Tree,
    meta: sled::Tree,
    /// HF's ranked lists (week, month, trending, the last search): see `hf_lists.rs`.
    hf_lists: sled::Tree,
}

impl ListDb {
    fn open(dir: &Path) -> Result<ListDb, StoreError> {
        let db = open_db(dir, "list", LIST_CACHE_BYTES)?;
        let tree = |name: &str| db.open_tree(name).map_err(|e| sled_error(dir, e));
        Ok(ListDb {
            rows: tree("rows")?,
            user: tree("user")?,
            feeds: tree("feeds")?,
            meta: tree("meta")?,
            hf_lists: tree("hf_lists")?,
            db: generation::CountedDb::new(db),
        })
    }
}

struct Inner {
    dir: PathBuf,
    list: ListDb,
    /// Opened on first need (under the write lock, so two threads never both open it: the
    /// second would fail on sled's file lock), and dropped by `recycle_body` to free the pages
    /// sled keeps.
    body: RwLock<Option<Arc<sled::Db>>>,
    /// Bytes read from and written to the body Db since it was opened.
    body_read: AtomicU64,
    body_written: AtomicU64,
    /// How many times this handle opened the body Db (see [`Store::body_opens`]).
    body_opens: AtomicU64,
    /// Readers and writers recover a poisoned lock: only an allocation failure can panic
    /// while it is held, and that aborts the process anyway.
    index: OnceLock<RwLock<Index>>,
    /// Serialises `apply` and retention (read-modify-write of chunks and the index).
    papers_writer: Mutex<()>,
    /// Serialises read-modify-write of user-state buckets (and so the journal's appends).
    user_writer: Mutex<()>,
    journal: Journal,
    /// Bumped after every write that changed papers (see [`Store::papers_version`]).
    papers_version: AtomicU64,
    /// The days each of those writes touched, by version (see [`Store::days_changed_since`]).
    changes: Mutex<changes::ChangeLog>,
    /// Journaled user-state changes waiting for their store write (see `queued.rs`).
    queued: Mutex<queued::WriteQueue>,
    /// `<data_dir>/fulltext/`, opened on first use (see `fulltext.rs`).
    full_texts: fulltext::FullTextDb,
}

/// A handle on the store; cheap to clone, shared by the UI and the sync task.
#[derive(Clone)]
pub struct Store {
    inner: Arc<Inner>,
}

impl Store {
    /// Opens (or creates) the store in `dir`, migrating an older schema.
    pub fn open(dir: &Path) -> Result<Store, StoreError> {
        let list_existed = dir.join(recover::LIST_DIR).is_dir();
        let list = ListDb::open(dir)?;
        // Whoever holds the store may change it: the first-screen file is valid only while
        // no one does (see `first_screen.rs`).
        first_screen::remove_first_screen(dir)?;
        let body = RwLock::new(None);
        match migrate::stored_version(dir, &list.meta)? {
            Some(found) if found > migrate::CURRENT_VERSION => {
                return Err(StoreError::UnknownVersion {
                    dir: dir.to_path_buf(),
                    found,
                    supported: migrate::CURRENT_VERSION,
                });
            }
            Some(found) if found < migrate::CURRENT_VERSION => {
                Self::migrate_from(dir, &list, &body, found)?;
            }
            Some(_) => {}
            None if migrate::has_v0(dir) => Self::migrate_from(dir, &list, &body, 0)?,
            None if !list.rows.is_empty() => {
                return Err(corrupt(dir, "it holds papers but no schema version".into()));
            }
            // sled opens a garbled or zeroed log as an empty Db: a store that was there and
            // now has no version lost its contents. (At worst it is a store whose very first
            // open was cut short, and setting that one aside costs nothing.)
            None if list_existed => {
                return Err(corrupt(
                    dir,
                    "it has no schema version (its files are damaged)".into(),
                ));
            }
            None => migrate::write_version(dir, &list, migrate::CURRENT_VERSION)?,
        }
        migrate::remove_superseded(dir)?;
        Ok(Store {
            inner: Arc::new(Inner {
                dir: dir.to_path_buf(),
                list,
                body,
                body_read: AtomicU64::new(0),
                body_written: AtomicU64::new(0),
                body_opens: AtomicU64::new(0),
                index: OnceLock::new(),
                papers_writer: Mutex::new(()),
                user_writer: Mutex::new(()),
                journal: Journal::open(dir),
                papers_version: AtomicU64::new(0),
                changes: Mutex::new(changes::ChangeLog::default()),
                queued: Mutex::new(queued::WriteQueue::new()),
                full_texts: fulltext::FullTextDb::default(),
            }),
        })
    }

    fn migrate_from(
        dir: &Path,
        list: &ListDb,
        body: &RwLock<Option<Arc<sled::Db>>>,
        from: u32,
    ) -> Result<(), StoreError> {
        let opened = Arc::new(open_db(dir, "body", BODY_CACHE_BYTES)?);
        let ctx = migrate::MigrationContext {
            dir,
            list,
            body: &opened,
        };
        migrate::migrate(&ctx, from, migrate::CURRENT_VERSION)?;
        *body.write().unwrap_or_else(PoisonError::into_inner) = Some(opened);
        Ok(())
    }

    pub fn dir(&self) -> &Path {
        &self.inner.dir
    }

    /// Grows after every `apply` or retention that changed papers (never for user state): a
    /// projection read after seeing version N holds every paper change up to N. The reader's
    /// server answers from a catalog snapshot only once it is this fresh.
    pub fn papers_version(&self) -> u64 {
        self.inner.papers_version.load(Ordering::SeqCst)
    }

    /// Records a write that changed papers on `days` (`None`: days not known).
    fn papers_changed(&self, days: Option<BTreeSet<NaiveDate>>) {
        // Under the log's lock, so the log lists versions in order.
        let mut log = serialise(&self.inner.changes);
        let version = self.inner.papers_version.fetch_add(1, Ordering::SeqCst) + 1;
        log.record(version, days);
    }

    /// The days whose papers changed since `version` (a [`Store::papers_version`] read
    /// earlier), or `None` when the store no longer knows (too long ago, or retention dropped
    /// papers since): re-read everything then.
    pub fn days_changed_since(&self, version: u64) -> Option<BTreeSet<NaiveDate>> {
        serialise(&self.inner.changes).days_since(version)
    }

    /// The user-state journal every star, read flag and note change goes through.
    pub fn journal(&self) -> &Journal {
        &self.inner.journal
    }

    /// Opens the body Db and builds the id index now (both happen on first need otherwise).
    /// Call it on a background thread right after the first frame, so the detail pane does not
    /// wait for them.
    pub fn warm_body(&self) -> Result<(), StoreError> {
        self.body()?;
        self.index().map(|_| ())
    }

    fn body(&self) -> Result<Arc<sled::Db>, StoreError> {
        assert_off_ui_thread("a body read or write");
        let held = self
            .inner
            .body
            .read()
            .unwrap_or_else(PoisonError::into_inner);
        if let Some(db) = held.as_ref() {
            return Ok(Arc::clone(db));
        }
        drop(held);
        let mut slot = self
            .inner
            .body
            .write()
            .unwrap_or_else(PoisonError::into_inner);
        if let Some(db) = slot.as_ref() {
            return Ok(Arc::clone(db));
        }
        let opened = Arc::new(open_db(&self.inner.dir, "body", BODY_CACHE_BYTES)?);
        self.inner.body_opens.fetch_add(1, Ordering::Relaxed);
        tracing::debug!(
            opens = self.inner.body_opens.load(Ordering::Relaxed),
            "body Db opened"
        );
        self.inner.body_read.store(0, Ordering::Relaxed);
        self.inner.body_written.store(0, Ordering::Relaxed);
        *slot = Some(Arc::clone(&opened));
        Ok(opened)
    }

    /// How many times the body Db was opened since [`Store::open`] (not counting a migration's
    /// open): each open at 1M papers costs ~1 s and writes ~165 MB, so tests and benches
    /// count them.
    pub fn body_opens(&self) -> u64 {
        self.inner.body_opens.load(Ordering::Relaxed)
    }

    /// Counts body bytes read or written; past `BODY_RECYCLE_READ` / `BODY_RECYCLE_WRITTEN`
    /// since the Db was opened, recycles it. Call it with no `body()` handle held.
    fn note_body_traffic(&self, traffic: Traffic, bytes: usize) -> Result<(), StoreError> {
        let (counter, limit) = match traffic {
            Traffic::Read => (&self.inner.body_read, BODY_RECYCLE_READ),
            Traffic::Written => (&self.inner.body_written, BODY_RECYCLE_WRITTEN),
        };
        let bytes = u64::try_from(bytes).unwrap_or(u64::MAX);
        if counter
            .fetch_add(bytes, Ordering::Relaxed)
            .saturating_add(bytes)
            >= limit
        {
            self.recycle_body()?;
        }
        Ok(())
    }

    /// Closes the body Db when no other thread is using it, so sled frees every page it kept
    /// (sled 0.34 keeps nearly every page it reads or writes, see the layout notes); the next
    /// body read or write opens it again. Returns whether it was closed.
    pub fn recycle_body(&self) -> Result<bool, StoreError> {
        let mut slot = self
            .inner
            .body
            .write()
            .unwrap_or_else(PoisonError::into_inner);
        // New handles are only made under this lock, so a count of 1 stays 1 while it is held.
        let Some(db) = slot.take_if(|db| Arc::strong_count(db) == 1) else {
            return Ok(false);
        };
        db.flush().map_err(|e| sled_error(&self.inner.dir, e))?;
        drop(db);
        self.inner.body_read.store(0, Ordering::Relaxed);
        self.inner.body_written.store(0, Ordering::Relaxed);
        Ok(true)
    }

    /// The id index, built from the rows on first need. Two threads may both build it; the
    /// first to finish wins, and both builds read the same committed rows because writers
    /// build it before they change anything.
    fn index(&self) -> Result<&RwLock<Index>, StoreError> {
        assert_off_ui_thread("the store's id index");
        if let Some(index) = self.inner.index.get() {
            return Ok(index);
        }
        let dir = &self.inner.dir;
        let built = Index::build(&self.inner.list.rows).map_err(|e| match e {
            BuildError::Sled(e) => sled_error(dir, e),
            BuildError::Corrupt(detail) => corrupt(dir, detail),
        })?;
        Ok(self.inner.index.get_or_init(|| RwLock::new(built)))
    }

    fn write_context<'a>(&'a self, body: &'a sled::Db) -> WriteContext<'a> {
        WriteContext {
            dir: &self.inner.dir,
            list: &self.inner.list.db,
            rows: &self.inner.list.rows,
            body,
        }
    }

    fn chunk_key(&self, bytes: &[u8]) -> Result<ChunkKey, StoreError> {
        ChunkKey::from_bytes(bytes).ok_or_else(|| {
            corrupt(
                &self.inner.dir,
                format!("key {bytes:?} is not a day/part key"),
            )
        })
    }

    fn decode_rows(&self, key: ChunkKey, value: &[u8]) -> Result<Vec<ListRow>, StoreError> {
        codec::decode_rows(value, key.day)
            .map_err(|e| corrupt(&self.inner.dir, format!("rows chunk {key}: {e}")))
    }

    /// Merges papers from one fetch into the store in one batch and flushes it.
    /// `fetched_on` files papers that carry no date. Never touches user state.
    pub fn apply(
        &self,
        papers: Vec<Paper>,
        fetched_on: NaiveDate,
    ) -> Result<ApplyOutcome, StoreError> {
        let _writer = serialise(&self.inner.papers_writer);
        let index = self.index()?;
        let (outcome, writes) = {
            let body = self.body()?;
            let ctx = self.write_context(&body);
            let (outcome, writes) = {
                let index = index.read().unwrap_or_else(PoisonError::into_inner);
                write::plan_apply(&ctx, &index, papers, fetched_on)?
            };
            write::commit(&ctx, &writes, CommitOrder::BodiesFirst)?;
            (outcome, writes)
        };
        {
            let mut index = index.write().unwrap_or_else(PoisonError::into_inner);
            for write in &writes {
                write.update_index(&mut index);
            }
        }
        // A big ingest would otherwise keep every body it wrote in memory (sled's pages).
        self.note_body_traffic(
            Traffic::Written,
            writes.iter().map(ChunkWrite::body_bytes).sum(),
        )?;
        if outcome.new + outcome.changed > 0 {
            self.papers_changed(Some(writes.iter().map(ChunkWrite::day).collect()));
        }
        Ok(outcome)
    }

    pub fn feed_state(&self, source: &SourceId) -> Result<FeedState, StoreError> {
        let dir = &self.inner.dir;
        let value = self
            .inner
            .list
            .feeds
            .get(source.as_str())
            .map_err(|e| sled_error(dir, e))?;
        match value {
            None => Ok(FeedState::default()),
            Some(value) => codec::decode_feed_state(&value)
                .map_err(|e| corrupt(dir, format!("feed state of {source}: {e}"))),
        }
    }

    pub fn set_feed_state(&self, source: &SourceId, state: &FeedState) -> Result<(), StoreError> {
        let dir = &self.inner.dir;
        let value = codec::encode_feed_state(state)
            .map_err(|e| corrupt(dir, format!("encoding feed state of {source}: {e}")))?;
        self.inner
            .list
            .feeds
            .insert(source.as_str(), value)
            .map_err(|e| sled_error(dir, e))?;
        self.inner.list.db.flush().map_err(|e| sled_error(dir, e))?;
        Ok(())
    }

    pub fn feed_states(&self) -> Result<Vec<(SourceId, FeedState)>, StoreError> {
        let dir = &self.inner.dir;
        let mut states = Vec::new();
        for entry in self.inner.list.feeds.iter() {
            let (key, value) = entry.map_err(|e| sled_error(dir, e))?;
            let source = SourceId::from_stored(String::from_utf8_lossy(&key).into_owned());
            let state = codec::decode_feed_state(&value)
                .map_err(|e| corrupt(dir, format!("feed state of {source}: {e}")))?;
            states.push((source, state));
        }
        Ok(states)
    }

    /// Drops papers filed before `today - keep_days`, except starred or noted ones.
    /// `keep_days == 0` keeps everything. Returns how many were dropped.
    pub fn apply_retention(&self, keep_days: u32, today: NaiveDate) -> Result<usize, StoreError> {
        if keep_days == 0 {
            return Ok(0);
        }
        let Some(cutoff) = today.checked_sub_days(chrono::Days::new(u64::from(keep_days))) else {
            return Ok(0);
        };
        let _writer = serialise(&self.inner.papers_writer);
        // Held through the sweep so a star set meanwhile cannot land on a paper being dropped.
        let _user_writer = serialise(&self.inner.user_writer);
        self.apply_queued_now(&mut serialise(&self.inner.queued))?;
        let states = self.user_states()?;
        let protected: HashSet<&str> = states
            .iter()
            .filter(|(_, state)| state.is_starred() || state.note.is_some())
            .map(|(id, _)| id.as_str())
            .collect();
        let body = self.body()?;
        let index = self.index()?;
        let ctx = self.write_context(&body);
        let (dropped, writes) = write::plan_retention(&ctx, &protected, cutoff)?;
        write::commit(&ctx, &writes, CommitOrder::RowsFirst)?;
        let mut index = index.write().unwrap_or_else(PoisonError::into_inner);
        for write in &writes {
            write.update_index(&mut index);
        }
        if dropped > 0 {
            self.papers_changed(None);
        }
        Ok(dropped)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_body_db_is_not_recycled_while_a_thread_holds_it() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(dir.path()).unwrap();
        let held = store.body().unwrap();
        assert!(!store.recycle_body().unwrap());
        // Still the same open Db: no second open of the directory was attempted.
        assert!(Arc::ptr_eq(&held, &store.body().unwrap()));
        drop(held);
        assert!(store.recycle_body().unwrap());
        assert!(!store.recycle_body().unwrap(), "nothing left to close");
    }

    /// The catalog reads every day's bodies newest first: one open of the body Db for the
    /// whole pass (a small store reads far less than `BODY_RECYCLE_READ`), and closed after
    /// the oldest day, so its pages are not held while the reader sits idle.
    #[test]
    fn a_newest_first_pass_over_every_day_opens_the_body_db_once_and_closes_it_after() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(dir.path()).unwrap();
        let newest = chrono::NaiveDate::from_ymd_opt(2025, 6, 30).unwrap();
        store
            .apply(crate::synth::papers(250, 60, newest).collect(), newest)
            .unwrap();
        store.recycle_body().unwrap();
        let opens = store.body_opens();
        let days = store.days().unwrap();
        assert!(days.len() > 2);
        let mut read = 0;
        for (index, (day, count)) in days.iter().enumerate() {
            assert_eq!(store.papers_for_day(*day).unwrap().len(), *count);
            read += count;
            let open = store.inner.body.read().unwrap().is_some();
            assert_eq!(open, index + 1 < days.len(), "open after day {day}");
        }
        assert_eq!(read, 250);
        assert_eq!(store.body_opens(), opens + 1);
        // A pass in the other order (export, search indexing) closes it after itself too.
        store.for_each_paper(&mut |_| {}).unwrap();
        assert!(store.inner.body.read().unwrap().is_none());
        assert_eq!(store.body_opens(), opens + 2);
    }
}
