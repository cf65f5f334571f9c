//! User state in the store: stars, read flags and notes, kept in 256 buckets by id hash, each
//! change journaled (and fsynced) before it is written here.

use std::collections::{BTreeMap, HashMap};

use super::codec;
use super::keys;
use super::queued::assert_off_ui_thread;
use super::{Store, StoreError, corrupt, serialise, sled_error};
use crate::journal::{Change, PaperMeta};
use crate::model::{PaperId, UserState};
use chrono::{DateTime, Utc};

/// User buckets read once and changed in memory by a batch of changes, by bucket key.
pub(super) type BucketCache = BTreeMap<[u8; 1], BTreeMap<PaperId, UserState>>;

impl Store {
    /// Writes every bucket of `buckets` back (an emptied one is removed).
    pub(super) fn write_buckets(&self, buckets: &BucketCache) -> Result<(), StoreError> {
        let dir = &self.inner.dir;
        let user = &self.inner.list.user;
        for (key, bucket) in buckets {
            if bucket.is_empty() {
                user.remove(key).map_err(|e| sled_error(dir, e))?;
            } else {
                let value = codec::encode_user_bucket(bucket)
                    .map_err(|e| corrupt(dir, format!("encoding user bucket {}: {e}", key[0])))?;
                user.insert(key, value).map_err(|e| sled_error(dir, e))?;
            }
        }
        Ok(())
    }

    /// `id`'s bucket in `buckets`, read from the store the first time one of its papers comes.
    pub(super) fn cached_bucket<'a>(
        &self,
        buckets: &'a mut BucketCache,
        id: &PaperId,
    ) -> Result<&'a mut BTreeMap<PaperId, UserState>, StoreError> {
        let key = keys::user_bucket(id);
        Ok(match buckets.entry(key) {
            std::collections::btree_map::Entry::Occupied(entry) => entry.into_mut(),
            std::collections::btree_map::Entry::Vacant(entry) => {
                entry.insert(self.user_bucket(key)?)
            }
        })
    }

    pub(super) fn user_bucket(
        &self,
        key: [u8; 1],
    ) -> Result<BTreeMap<PaperId, UserState>, StoreError> {
        assert_off_ui_thread("a user-state read");
        let dir = &self.inner.dir;
        match self
            .inner
            .list
            .user
            .get(key)
            .map_err(|e| sled_error(dir, e))?
        {
            None => Ok(BTreeMap::new()),
            Some(value) => codec::decode_user_bucket(&value)
                .map_err(|e| corrupt(dir, format!("user bucket {}: {e}", key[0]))),
        }
    }

    pub fn user_state(&self, id: &PaperId) -> Result<UserState, StoreError> {
        let mut bucket = self.user_bucket(keys::user_bucket(id))?;
        Ok(bucket.remove(id).unwrap_or_default())
    }

    /// All user state (stars, read flags, notes), for the list marks and the Starred view.
    pub fn user_states(&self) -> Result<HashMap<PaperId, UserState>, StoreError> {
        assert_off_ui_thread("a user-state read");
        let dir = &self.inner.dir;
        let mut states = HashMap::new();
        for entry in self.inner.list.user.iter() {
            let (key, value) = entry.map_err(|e| sled_error(dir, e))?;
            let bucket = codec::decode_user_bucket(&value)
                .map_err(|e| corrupt(dir, format!("user bucket {key:?}: {e}")))?;
            states.extend(bucket);
        }
        Ok(states)
    }

    /// Read-modify-write of one paper's state: journaled (and fsynced) first, then written and
    /// flushed. When the journal refuses the change, the store is left as it was.
    pub(super) fn update_user(
        &self,
        id: &PaperId,
        at: DateTime<Utc>,
        change: impl FnOnce(&UserState) -> Change,
    ) -> Result<(), StoreError> {
        // Looked up before the lock: it may open the body Db or build the index.
        let meta = self
            .paper(id)
            .ok()
            .flatten()
            .map(|paper| PaperMeta::of(&paper));
        let _writer = serialise(&self.inner.user_writer);
        let dir = &self.inner.dir;
        let key = keys::user_bucket(id);
        let (mut bucket, mut state, change, appended) = {
            // Queued changes were journaled first: they are written first, and nothing is
            // journaled between them and this one.
            let mut queue = serialise(&self.inner.queued);
            self.apply_queued_now(&mut queue)?;
            let mut bucket = self.user_bucket(key)?;
            let state = bucket.remove(id).unwrap_or_default();
            let change = change(&state);
            let appended = self.inner.journal.append(id, at, change.clone(), meta)?;
            (bucket, state, change, appended)
        };
        change.apply(&mut state);
        if !state.is_empty() {
            bucket.insert(id.clone(), state);
        }
        let user = &self.inner.list.user;
        if bucket.is_empty() {
            user.remove(key).map_err(|e| sled_error(dir, e))?;
        } else {
            let value = codec::encode_user_bucket(&bucket)
                .map_err(|e| corrupt(dir, format!("encoding user bucket {}: {e}", key[0])))?;
            user.insert(key, value).map_err(|e| sled_error(dir, e))?;
        }
        // After the user write, so a crash between the two makes the next start re-merge.
        self.record_own_journal(&appended.own_before, appended.own)?;
        self.inner.list.db.flush().map_err(|e| sled_error(dir, e))?;
        Ok(())
    }

    /// Stars or unstars a paper at `at`; journaled and durable on disk before it returns.
    /// Starring a starred paper keeps its original star time.
    pub fn set_starred(
        &self,
        id: &PaperId,
        starred: bool,
        at: DateTime<Utc>,
    ) -> Result<(), StoreError> {
        self.update_user(id, at, |state| {
            if starred {
                Change::Star {
                    starred_at: state.starred_at.unwrap_or(at),
                }
            } else {
                Change::Unstar
            }
        })
    }

    /// Marks a paper read or unread; journaled and durable on disk before it returns.
    pub fn set_read(&self, id: &PaperId, read: bool) -> Result<(), StoreError> {
        self.set_read_at(id, read, Utc::now())
    }

    /// [`Store::set_read`] with the change's time given (it orders changes between machines).
    pub fn set_read_at(
        &self,
        id: &PaperId,
        read: bool,
        at: DateTime<Utc>,
    ) -> Result<(), StoreError> {
        self.update_user(id, at, |_| if read { Change::Read } else { Change::Unread })
    }

    /// Sets or clears a paper's note; journaled and durable on disk before it returns.
    pub fn set_note(&self, id: &PaperId, note: Option<String>) -> Result<(), StoreError> {
        self.set_note_at(id, note, Utc::now())
    }

    /// [`Store::set_note`] with the change's time given.
    pub fn set_note_at(
        &self,
        id: &PaperId,
        note: Option<String>,
        at: DateTime<Utc>,
    ) -> Result<(), StoreError> {
        self.update_user(id, at, |_| match note {
            Some(text) => Change::Note(text),
            None => Change::ClearNote,
        })
    }
}
