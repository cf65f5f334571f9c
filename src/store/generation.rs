//! The list Db's write generation (issue #15, quit): a count of the list Db's completed
//! flushes, so a reader of the store can tell cheaply whether anything it read from the list
//! Db may have changed since (the first-screen file kept in the background, `reader/keeper.rs`).
//!
//! Every write to the list Db that the first-screen file copies (rows, user state, HF's lists,
//! the reader state) is followed by a flush before it returns (see the module doc of `store`);
//! the linked repos' cache is not, and the file does not copy it. So counting flushes counts
//! the writes that matter, without a counter at each write site:
//! [`CountedDb`] is the list Db's `sled::Db` with an inherent `flush` that bumps the count once
//! sled's flush succeeded. Method resolution finds it before `Deref`'s, so every
//! `list.db.flush()` in the store counts.

use std::ops::Deref;
use std::sync::atomic::{AtomicU64, Ordering};

/// The list Db, counting its completed flushes.
pub(super) struct CountedDb {
    db: sled::Db,
    flushes: AtomicU64,
}

impl CountedDb {
    pub(super) fn new(db: sled::Db) -> CountedDb {
        CountedDb {
            db,
            flushes: AtomicU64::new(0),
        }
    }

    /// sled's flush (every write so far durable), then the count: a reader that saw count N
    /// before reading saw every write whose flush finished before that.
    pub(super) fn flush(&self) -> sled::Result<usize> {
        let flushed = self.db.flush()?;
        self.flushes.fetch_add(1, Ordering::SeqCst);
        Ok(flushed)
    }

    /// How many flushes have finished.
    pub(super) fn generation(&self) -> u64 {
        self.flushes.load(Ordering::SeqCst)
    }
}

impl Deref for CountedDb {
    type Target = sled::Db;

    fn deref(&self) -> &sled::Db {
        &self.db
    }
}

impl super::Store {
    /// The list Db's write generation: grows after every flushed write to the list Db (rows,
    /// user state, HF's lists, the reader state, feed states…; not the linked repos' cache,
    /// written without a flush). Equal readings
    /// before and after reading the list Db mean that no write finished in between.
    pub fn write_generation(&self) -> u64 {
        self.inner.list.db.generation()
    }

    /// Makes every write so far durable, as dropping the store's last handle would (sled's
    /// `Drop` flushes its log and syncs the file), for a process that ends without dropping it
    /// (`std::process::exit` at quit). The list Db is the one that can hold unflushed writes
    /// (the linked repos'); the body Db is flushed if open; the full-text Db flushes each
    /// write before it returns. Nothing to write costs no I/O (sled returns at once). Leaves
    /// the write generation as it is: what it makes durable was already there to read.
    pub fn flush_all(&self) -> Result<(), super::StoreError> {
        let dir = &self.inner.dir;
        sled::Tree::flush(&self.inner.list.db).map_err(|e| super::sled_error(dir, e))?;
        let body = self
            .inner
            .body
            .read()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .clone();
        if let Some(body) = body {
            body.flush().map_err(|e| super::sled_error(dir, e))?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::super::{LinkedRepo, LinkedRepos, ReaderState, RememberedView, Store};
    use crate::model::PaperId;
    use chrono::{TimeZone, Utc};

    /// Whether `needle` is in any file of the list Db (sled's log is not compressed).
    fn on_disk(dir: &std::path::Path, needle: &[u8]) -> bool {
        let mut found = false;
        for entry in std::fs::read_dir(dir.join("list")).unwrap() {
            let path = entry.unwrap().path();
            if path.is_file() {
                let bytes = std::fs::read(&path).unwrap();
                found |= bytes.windows(needle.len()).any(|window| window == needle);
            }
        }
        found
    }

    #[test]
    fn flush_all_puts_unflushed_writes_on_disk_without_dropping_the_store() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(dir.path()).unwrap();
        let marker = "quit-durability-marker-0xC0FFEE";
        let linked = LinkedRepos {
            fetched_at: Utc.with_ymd_and_hms(2026, 12, 7, 9, 0, 0).unwrap(),
            models: vec![LinkedRepo {
                id: marker.into(),
                likes: None,
                downloads: None,
            }],
            datasets: Vec::new(),
            spaces: Vec::new(),
            totals: [1, 0, 0],
        };
        // The linked repos' write does not flush: only sled's flusher thread (every 500 ms,
        // dead once the process exits) or a flush puts it in the file.
        store
            .set_linked_repos(&PaperId::from_stored("2512.00001".into()), &linked)
            .unwrap();
        let generation = store.write_generation();
        store.flush_all().unwrap();
        assert!(on_disk(dir.path(), marker.as_bytes()));
        assert_eq!(
            store.write_generation(),
            generation,
            "flush_all counts no write"
        );
    }

    #[test]
    fn every_flushed_write_to_the_list_db_moves_the_generation() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(dir.path()).unwrap();
        let day = chrono::NaiveDate::from_ymd_opt(2026, 12, 7).unwrap();
        let papers: Vec<_> = crate::synth::papers(5, 1, day).collect();
        let id = papers[0].id.clone();
        let mut last = store.write_generation();
        let mut moved = |what: &str| {
            let now = store.write_generation();
            assert!(now > last, "{what} left the generation at {now}");
            last = now;
        };
        store.apply(papers, day).unwrap();
        moved("apply");
        store
            .set_starred(
                &id,
                true,
                Utc.with_ymd_and_hms(2026, 12, 7, 9, 0, 0).unwrap(),
            )
            .unwrap();
        moved("a star");
        store.set_read(&id, true).unwrap();
        moved("a read mark");
        store
            .set_reader_state(&ReaderState {
                view: RememberedView::Unread,
                ..ReaderState::default()
            })
            .unwrap();
        moved("the reader state");
    }
}
