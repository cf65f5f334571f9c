//! HF's ranked lists (a week's, a month's, trending, the last search) in the list Db's
//! `hf_lists` tree: list key → the paper ids in HF's order, when they were fetched and, for a
//! search, its query. JSON, one small value per list (a month of ~1,500 ids is ~25 KB, far
//! under sled's 128 KiB blob threshold). The papers are stored like daily ones; an id whose
//! paper retention dropped is skipped by the views. An unreadable value reads as no list (it
//! is fetched again when its view opens).

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use super::{Store, StoreError, sled_error};
use crate::model::PaperId;

/// One ranked list as fetched.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RankedList {
    pub fetched_at: DateTime<Utc>,
    /// The search's query (searches only).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub query: Option<String>,
    /// Paper ids, best ranked first, each once.
    pub ids: Vec<PaperId>,
    /// Those of `ids` the cache did not hold before this fetch (`search` marks them).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub fresh: Vec<PaperId>,
}

impl Store {
    /// Whether the store holds a paper with this id.
    pub fn contains(&self, id: &PaperId) -> Result<bool, StoreError> {
        Ok(self.filed_day(id)?.is_some())
    }

    /// The day a stored paper is filed under (its list row's day), if it is stored.
    pub fn filed_day(&self, id: &PaperId) -> Result<Option<chrono::NaiveDate>, StoreError> {
        Ok(self
            .index()?
            .read()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .locate(id)
            .map(|key| key.day))
    }

    /// The list stored under `key`, if any.
    pub fn ranked_list(&self, key: &str) -> Result<Option<RankedList>, StoreError> {
        let dir = &self.inner.dir;
        let value = self
            .inner
            .list
            .hf_lists
            .get(key.as_bytes())
            .map_err(|e| sled_error(dir, e))?;
        Ok(value.and_then(|value| decode(key, &value)))
    }

    /// Every stored list by key.
    pub fn ranked_lists(&self) -> Result<BTreeMap<String, RankedList>, StoreError> {
        let dir = &self.inner.dir;
        let mut lists = BTreeMap::new();
        for entry in self.inner.list.hf_lists.iter() {
            let (key, value) = entry.map_err(|e| sled_error(dir, e))?;
            let key = String::from_utf8_lossy(&key).into_owned();
            if let Some(list) = decode(&key, &value) {
                lists.insert(key, list);
            }
        }
        Ok(lists)
    }

    /// Replaces the list under `key` and flushes it.
    pub fn set_ranked_list(&self, key: &str, list: &RankedList) -> Result<(), StoreError> {
        let dir = &self.inner.dir;
        let value = serde_json::to_vec(list)
            .map_err(|e| StoreError::Sled(format!("encoding the HF list {key}: {e}")))?;
        self.inner
            .list
            .hf_lists
            .insert(key.as_bytes(), value)
            .map_err(|e| sled_error(dir, e))?;
        self.inner.list.db.flush().map_err(|e| sled_error(dir, e))?;
        Ok(())
    }
}

fn decode(key: &str, value: &[u8]) -> Option<RankedList> {
    match serde_json::from_slice(value) {
        Ok(list) => Some(list),
        Err(error) => {
            tracing::warn!(%error, key, "unreadable HF list; ignored");
            None
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lists_round_trip_and_garbage_reads_as_none() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(dir.path()).unwrap();
        assert_eq!(store.ranked_list("trending").unwrap(), None);
        let list = RankedList {
            fetched_at: Utc::now(),
            query: Some("mamba".into()),
            ids: vec![PaperId::parse_user("2504.00002").unwrap()],
            fresh: Vec::new(),
        };
        store.set_ranked_list("search", &list).unwrap();
        assert_eq!(store.ranked_list("search").unwrap(), Some(list.clone()));
        store
            .inner
            .list
            .hf_lists
            .insert("trending", b"not json".to_vec())
            .unwrap();
        let all = store.ranked_lists().unwrap();
        assert_eq!(all.len(), 1);
        assert_eq!(all.get("search"), Some(&list));
    }
}
