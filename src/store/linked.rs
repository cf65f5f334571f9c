//! The models, datasets and Spaces on Hugging Face that cite a paper, as last fetched: the
//! `linked` tree of the list Db, paper id → JSON [`LinkedRepos`]. A cache (refetched after a
//! day by `crate::linked`), not user data: never journaled, safe to lose.

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use super::{Store, StoreError, sled_error};
use crate::model::PaperId;

/// The tree's name in the list Db (new in schema v6).
pub const LINKED_TREE: &str = "linked";

/// One model, dataset or Space (`owner/name` as HF names it), with what ranks it.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct LinkedRepo {
    pub id: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub likes: Option<u64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub downloads: Option<u64>,
}

/// What HF's `api/arxiv/{id}/repos` answered, and when: the most liked entries of each kind
/// (a famous paper is cited by thousands of models) and how many there were in all.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LinkedRepos {
    pub fetched_at: DateTime<Utc>,
    pub models: Vec<LinkedRepo>,
    pub datasets: Vec<LinkedRepo>,
    pub spaces: Vec<LinkedRepo>,
    /// Entries of each kind HF listed, kept or not: models, datasets, Spaces.
    pub totals: [usize; 3],
}

impl LinkedRepos {
    /// No model, dataset or Space cites the paper.
    pub fn is_empty(&self) -> bool {
        self.models.is_empty() && self.datasets.is_empty() && self.spaces.is_empty()
    }
}

impl Store {
    fn linked_tree(&self) -> Result<sled::Tree, StoreError> {
        let dir = &self.inner.dir;
        self.inner
            .list
            .db
            .open_tree(LINKED_TREE)
            .map_err(|e| sled_error(dir, e))
    }

    /// The linked repos last fetched for `id`, however old.
    pub fn linked_repos(&self, id: &PaperId) -> Result<Option<LinkedRepos>, StoreError> {
        let value = self
            .linked_tree()?
            .get(id.as_str().as_bytes())
            .map_err(|e| sled_error(&self.inner.dir, e))?;
        Ok(value.and_then(|value| decode(id, &value)))
    }

    /// Keeps what was fetched for `id`.
    pub fn set_linked_repos(&self, id: &PaperId, linked: &LinkedRepos) -> Result<(), StoreError> {
        let dir = &self.inner.dir;
        let value = serde_json::to_vec(linked)
            .map_err(|e| StoreError::Sled(format!("encoding linked repos: {e}")))?;
        self.linked_tree()?
            .insert(id.as_str().as_bytes(), value)
            .map_err(|e| sled_error(dir, e))?;
        Ok(())
    }

    /// Every paper's linked repos (for the `has:model`/`has:dataset`/`has:space` filters).
    pub fn all_linked_repos(&self) -> Result<HashMap<PaperId, LinkedRepos>, StoreError> {
        let mut out = HashMap::new();
        for entry in self.linked_tree()?.iter() {
            let (key, value) = entry.map_err(|e| sled_error(&self.inner.dir, e))?;
            let Ok(id) = std::str::from_utf8(&key) else {
                continue;
            };
            let id = PaperId::from_stored(id.to_string());
            if let Some(linked) = decode(&id, &value) {
                out.insert(id, linked);
            }
        }
        Ok(out)
    }
}

/// An unreadable record is no record: it is fetched again.
fn decode(id: &PaperId, value: &[u8]) -> Option<LinkedRepos> {
    match serde_json::from_slice(value) {
        Ok(linked) => Some(linked),
        Err(error) => {
            tracing::warn!(%id, %error, "unreadable linked-repos record; ignored");
            None
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn linked_repos_survive_a_reopen_and_garbage_means_none() {
        let dir = tempfile::TempDir::new().unwrap();
        let id = PaperId::from_stored("2504.00001".into());
        let linked = LinkedRepos {
            fetched_at: Utc::now(),
            models: vec![LinkedRepo {
                id: "org/model".into(),
                likes: Some(3),
                downloads: None,
            }],
            datasets: Vec::new(),
            spaces: Vec::new(),
            totals: [1, 0, 0],
        };
        {
            let store = Store::open(dir.path()).unwrap();
            assert_eq!(store.linked_repos(&id).unwrap(), None);
            store.set_linked_repos(&id, &linked).unwrap();
        }
        let store = Store::open(dir.path()).unwrap();
        assert_eq!(store.linked_repos(&id).unwrap(), Some(linked));
        assert_eq!(store.all_linked_repos().unwrap().len(), 1);
        store
            .linked_tree()
            .unwrap()
            .insert(id.as_str().as_bytes(), b"{nope".to_vec())
            .unwrap();
        assert_eq!(store.linked_repos(&id).unwrap(), None);
    }
}
