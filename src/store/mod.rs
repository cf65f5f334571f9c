//! The sled paper cache: list rows, full records, feed metadata and user state, with a schema
//! version and migrations. The single source of truth; sync writes, the UI reads.
//!
//! Layout (see STORAGE.md in the design notes for the measurements behind it):
//! SKELETON: the helper that owns this module documents the layout here.

use std::collections::{BTreeMap, HashMap};
use std::path::{Path, PathBuf};

use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};

use crate::model::{ListRow, Paper, PaperId, SourceId, UserState};

/// Why the store could not do what was asked.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("the data dir {0} is in use by another paperboat process; close it first")]
    Locked(PathBuf),
    #[error(
        "the store in {dir} has schema version {found}, this paperboat reads up to {supported}; \
         upgrade paperboat or move the store aside"
    )]
    UnknownVersion { dir: PathBuf, found: u32, supported: u32 },
    #[error("the store in {dir} is damaged: {detail}")]
    Corrupt { dir: PathBuf, detail: String },
    #[error("store I/O error in {dir}: {source}")]
    Io { dir: PathBuf, source: std::io::Error },
    #[error("store error: {0}")]
    Sled(String),
}

/// What one `apply` did: papers never seen before, and known papers whose fields changed.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct ApplyOutcome {
    pub new: usize,
    pub changed: usize,
}

/// HTTP validators kept per request URL for conditional GET.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Validators {
    pub etag: Option<String>,
    pub last_modified: Option<String>,
}

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

/// A handle on the store; cheap to clone, shared by the UI and the sync task.
#[derive(Clone)]
pub struct Store {
    dir: PathBuf,
}

impl Store {
    /// Opens (or creates) the store in `dir`, migrating an older schema.
    pub fn open(dir: &Path) -> Result<Store, StoreError> {
        Ok(Store { dir: dir.to_path_buf() })
    }
    pub fn warm_body(&self) -> Result<(), StoreError> {
        Ok(())
    }
    pub fn dir(&self) -> &Path {
        &self.dir
    }
    /// The newest day that has papers.
    pub fn latest_day(&self) -> Result<Option<NaiveDate>, StoreError> {
        Ok(None)
    }
    /// Every day that has papers, newest first, with its paper count.
    pub fn days(&self) -> Result<Vec<(NaiveDate, usize)>, StoreError> {
        Ok(Vec::new())
    }
    /// The list rows filed under one day.
    pub fn rows_for_day(&self, _day: NaiveDate) -> Result<Vec<ListRow>, StoreError> {
        Ok(Vec::new())
    }
    /// Every list row, newest day first.
    pub fn all_rows(&self) -> Result<Vec<ListRow>, StoreError> {
        Ok(Vec::new())
    }
    /// The full record of one paper.
    pub fn paper(&self, _id: &PaperId) -> Result<Option<Paper>, StoreError> {
        Ok(None)
    }
    /// Calls `visit` with every full record (for search indexing and export).
    pub fn for_each_paper(&self, _visit: &mut dyn FnMut(&Paper)) -> Result<(), StoreError> {
        Ok(())
    }
    /// Merges papers from one fetch into the store in one batch and flushes it.
    /// `fetched_on` files papers that carry no date. Never touches user state.
    pub fn apply(
        &self,
        _papers: Vec<Paper>,
        _fetched_on: NaiveDate,
    ) -> Result<ApplyOutcome, StoreError> {
        Ok(ApplyOutcome::default())
    }
    pub fn feed_state(&self, _source: &SourceId) -> Result<FeedState, StoreError> {
        Ok(FeedState::default())
    }
    pub fn set_feed_state(&self, _source: &SourceId, _state: &FeedState) -> Result<(), StoreError> {
        Ok(())
    }
    pub fn feed_states(&self) -> Result<Vec<(SourceId, FeedState)>, StoreError> {
        Ok(Vec::new())
    }
    pub fn user_state(&self, _id: &PaperId) -> Result<UserState, StoreError> {
        Ok(UserState::default())
    }
    /// All user state (stars, read flags, notes), for the list marks and the Starred view.
    pub fn user_states(&self) -> Result<HashMap<PaperId, UserState>, StoreError> {
        Ok(HashMap::new())
    }
    /// Stars or unstars a paper; durable on disk before it returns.
    pub fn set_starred(&self, _id: &PaperId, _starred: bool, _at: DateTime<Utc>) -> Result<(), StoreError> {
        Ok(())
    }
    /// Marks a paper read or unread; durable on disk before it returns.
    pub fn set_read(&self, _id: &PaperId, _read: bool) -> Result<(), StoreError> {
        Ok(())
    }
    /// Sets or clears a paper's note; durable on disk before it returns.
    pub fn set_note(&self, _id: &PaperId, _note: Option<String>) -> Result<(), StoreError> {
        Ok(())
    }
    /// Drops papers filed before `today - keep_days`, except starred or noted ones.
    /// Returns how many were dropped.
    pub fn apply_retention(&self, _keep_days: u32, _today: NaiveDate) -> Result<usize, StoreError> {
        Ok(0)
    }
}
