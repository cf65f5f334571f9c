//! User-state writes in two halves (issue #15): the journal append and its fsync, which the
//! reader's UI thread does before it shows a change (the durability promise, ~2 ms), and the
//! store write, queued and done later by one writer thread in journal order. Also the debug
//! guard that the reader's UI thread reads and writes nothing else of the store.
//!
//! Order: a change enters the queue under the queue's lock in the same step as its journal
//! append, so queue order is journal order. The writer takes the user-writer lock, then empties
//! the queue; every synchronous user-state write (`update_user`, `set_read_many`, retention)
//! applies what is queued first, under the same locks, before its own journal append. So the
//! store applies changes in journal order however the two kinds of writers interleave, and
//! the journal's "seen" stamps advance one append at a time.

use std::cell::Cell;
use std::collections::VecDeque;

use chrono::{DateTime, Utc};

use super::user::BucketCache;
use super::{ReaderState, Store, StoreError, serialise, sled_error};
use crate::journal::{Change, FileStamp, PaperMeta};
use crate::model::PaperId;

/// One journaled change waiting for its store write.
#[derive(Debug)]
pub(super) enum Queued {
    /// Changes journaled in one append (one, or a batch of read flags).
    User {
        changes: Vec<(PaperId, Change)>,
        own_before: FileStamp,
        own: FileStamp,
    },
    /// The reader's remembered view (not journaled; ordered with the rest).
    ReaderState(Box<ReaderState>),
}

/// The queue of store writes not done yet.
pub(super) type WriteQueue = VecDeque<Queued>;

impl Store {
    /// Journals one change (appended and fsynced when this returns) and queues its store
    /// write for [`Store::write_queued`]. The UI thread's half of a star, read mark or note.
    pub fn journal_change(
        &self,
        id: &PaperId,
        at: DateTime<Utc>,
        change: Change,
        meta: Option<PaperMeta>,
    ) -> Result<(), StoreError> {
        let mut queue = serialise(&self.inner.queued);
        let appended = self.inner.journal.append(id, at, change.clone(), meta)?;
        queue.push_back(Queued::User {
            changes: vec![(id.clone(), change)],
            own_before: appended.own_before,
            own: appended.own,
        });
        Ok(())
    }

    /// Journals many read flags in one append (durable when this returns) and queues their
    /// store write. The caller passes only papers whose flag changes.
    pub fn journal_read_many(
        &self,
        ids: &[PaperId],
        read: bool,
        at: DateTime<Utc>,
    ) -> Result<(), StoreError> {
        if ids.is_empty() {
            return Ok(());
        }
        let change = if read { Change::Read } else { Change::Unread };
        let mut queue = serialise(&self.inner.queued);
        let appended = self.inner.journal.append_all(
            ids.iter()
                .map(|id| (id.clone(), at, change.clone(), None))
                .collect(),
        )?;
        queue.push_back(Queued::User {
            changes: ids.iter().map(|id| (id.clone(), change.clone())).collect(),
            own_before: appended.own_before,
            own: appended.own,
        });
        Ok(())
    }

    /// Queues the reader state's write behind the changes queued before it.
    pub fn queue_reader_state(&self, state: ReaderState) {
        serialise(&self.inner.queued).push_back(Queued::ReaderState(Box::new(state)));
    }

    /// Does every queued store write, in order, and flushes; the writer thread's loop body.
    /// Returns how many changed the store (a remembered state equal to the stored one changes
    /// nothing, and with nothing changed there is no flush: quitting then leaves the store's
    /// write generation, and so the first-screen file, as they were). A write that fails is
    /// reported and the rest still done: the journal holds the change, and the next start
    /// merges it in (its "seen" stamp is behind).
    pub fn write_queued(&self) -> Result<usize, StoreError> {
        assert_off_ui_thread("a queued store write");
        let written = {
            let _writer = serialise(&self.inner.user_writer);
            let queued: Vec<Queued> = serialise(&self.inner.queued).drain(..).collect();
            self.apply_queued(queued)?
        };
        if written > 0 {
            let dir = &self.inner.dir;
            self.inner.list.db.flush().map_err(|e| sled_error(dir, e))?;
        }
        Ok(written)
    }

    /// Applies what is queued now; the caller holds the user-writer lock and the queue.
    pub(super) fn apply_queued_now(&self, queue: &mut WriteQueue) -> Result<usize, StoreError> {
        self.apply_queued(queue.drain(..).collect())
    }

    fn apply_queued(&self, queued: Vec<Queued>) -> Result<usize, StoreError> {
        let mut count = 0;
        let mut first_error = None;
        for job in queued {
            let done = match job {
                Queued::User {
                    changes,
                    own_before,
                    own,
                } => self
                    .write_changes(&changes, &own_before, own)
                    .map(|()| true),
                Queued::ReaderState(state) => self.write_reader_state(&state),
            };
            count += usize::from(matches!(done, Ok(true)));
            if let Err(error) = done {
                tracing::error!(%error, "a journaled change was not written to the store");
                first_error.get_or_insert(error);
            }
        }
        match first_error {
            Some(error) => Err(error),
            None => Ok(count),
        }
    }

    /// The store half of journaled changes: the buckets rewritten, the journal's stamp
    /// advanced. Not flushed.
    fn write_changes(
        &self,
        changes: &[(PaperId, Change)],
        own_before: &FileStamp,
        own: FileStamp,
    ) -> Result<(), StoreError> {
        let mut buckets = BucketCache::new();
        for (id, change) in changes {
            let bucket = self.cached_bucket(&mut buckets, id)?;
            let mut state = bucket.remove(id).unwrap_or_default();
            change.apply(&mut state);
            if !state.is_empty() {
                bucket.insert(id.clone(), state);
            }
        }
        self.write_buckets(&buckets)?;
        self.record_own_journal(own_before, own)
    }
}

thread_local! {
    /// True on the reader's UI thread while it handles a message (see [`UiThreadGuard`]).
    static ON_UI_THREAD: Cell<bool> = const { Cell::new(false) };
}

/// Marks this thread as the reader's UI thread while it lives: in debug builds the store
/// then panics on any read or write except a journal append ([`Store::journal_change`],
/// [`Store::journal_read_many`], [`Store::queue_reader_state`]). The reader holds one while
/// `update` and the UI-thread part of its effects run.
pub struct UiThreadGuard {
    was: bool,
}

impl UiThreadGuard {
    pub fn enter() -> UiThreadGuard {
        UiThreadGuard {
            was: ON_UI_THREAD.with(|on| on.replace(true)),
        }
    }
}

impl Drop for UiThreadGuard {
    fn drop(&mut self) {
        ON_UI_THREAD.with(|on| on.set(self.was));
    }
}

/// Whether this thread is the reader's UI thread (a guard is held).
pub fn on_ui_thread() -> bool {
    ON_UI_THREAD.with(Cell::get)
}

/// Panics in debug builds when called on the reader's UI thread.
pub(super) fn assert_off_ui_thread(what: &str) {
    debug_assert!(
        !on_ui_thread(),
        "{what} on the reader's UI thread: do it on the writer, loader or a blocking thread"
    );
}

#[cfg(test)]
mod tests {
    use chrono::Utc;

    use super::*;

    fn store() -> (tempfile::TempDir, Store) {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(dir.path()).unwrap();
        (dir, store)
    }

    #[test]
    fn a_journaled_change_reaches_the_store_when_the_writer_runs() {
        let (_dir, store) = store();
        let id = PaperId::from_stored("2504.00001".into());
        {
            let _ui = UiThreadGuard::enter();
            store
                .journal_change(
                    &id,
                    Utc::now(),
                    Change::Star {
                        starred_at: Utc::now(),
                    },
                    None,
                )
                .unwrap();
            store
                .journal_read_many(std::slice::from_ref(&id), true, Utc::now())
                .unwrap();
        }
        assert!(
            !store.user_state(&id).unwrap().is_starred(),
            "queued, not written"
        );
        assert_eq!(
            store.journal().read().unwrap().entries.len(),
            2,
            "journaled at once"
        );
        assert_eq!(store.write_queued().unwrap(), 2);
        let state = store.user_state(&id).unwrap();
        assert!(state.is_starred() && state.read);
    }

    #[test]
    fn a_synchronous_write_applies_the_queued_ones_first() {
        let (_dir, store) = store();
        let id = PaperId::from_stored("2504.00001".into());
        store
            .journal_change(&id, Utc::now(), Change::Read, None)
            .unwrap();
        // A command from another terminal, through the server, unmarks it after.
        store.set_read(&id, false).unwrap();
        assert_eq!(
            store.write_queued().unwrap(),
            0,
            "already applied, in order"
        );
        assert!(
            !store.user_state(&id).unwrap().read,
            "the later change wins"
        );
    }

    #[cfg(debug_assertions)]
    #[test]
    #[should_panic(expected = "on the reader's UI thread")]
    fn reading_the_store_on_the_ui_thread_panics_in_debug_builds() {
        let (_dir, store) = store();
        let _ui = UiThreadGuard::enter();
        let _ = store.user_states();
    }
}
