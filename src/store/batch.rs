//! Batched user-state writes: many papers' read flags in one journal append (one write, one
//! fsync) and one store flush, for "mark every paper in the view read" and its undo. Same
//! order of writes as a single change (`Store::update_user`): journal first, then the buckets.

use chrono::{DateTime, Utc};

use super::user::BucketCache;
use super::{Store, StoreError, serialise, sled_error};
use crate::journal::Change;
use crate::model::PaperId;

impl Store {
    /// Marks every paper in `ids` read (or unread) at `at`: one journal append for all of them,
    /// durable before it returns. Papers already in that state are left out of the journal.
    /// Returns how many changed.
    pub fn set_read_many(
        &self,
        ids: &[PaperId],
        read: bool,
        at: DateTime<Utc>,
    ) -> Result<usize, StoreError> {
        let _writer = serialise(&self.inner.user_writer);
        // Queued changes first, and nothing journaled between them and these (`queued.rs`).
        let mut queue = serialise(&self.inner.queued);
        self.apply_queued_now(&mut queue)?;
        let dir = &self.inner.dir;
        let mut buckets = BucketCache::new();
        let mut changes = Vec::new();
        for id in ids {
            let bucket = self.cached_bucket(&mut buckets, id)?;
            let mut state = bucket.remove(id).unwrap_or_default();
            if state.read != read {
                let change = if read { Change::Read } else { Change::Unread };
                change.apply(&mut state);
                // No paper metadata: a read flag alone does not make a rebuilt store list a
                // paper, so looking every body up (slow at hundreds) buys nothing.
                changes.push((id.clone(), at, change, None));
            }
            if !state.is_empty() {
                bucket.insert(id.clone(), state);
            }
        }
        let changed = changes.len();
        if changed == 0 {
            return Ok(0);
        }
        let appended = self.inner.journal.append_all(changes)?;
        drop(queue);
        self.write_buckets(&buckets)?;
        self.record_own_journal(&appended.own_before, appended.own)?;
        self.inner.list.db.flush().map_err(|e| sled_error(dir, e))?;
        Ok(changed)
    }
}
