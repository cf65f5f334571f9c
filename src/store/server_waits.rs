//! The Retry-After holds of the sync task (`crate::sync::ServerWaits`), kept in `meta` under
//! `server_waits` (JSON: host → RFC 3339 time) so a new process honours a server's wait too.
//! A missing or unreadable value means no holds: the worst case is one request too early.

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};

use super::{Store, StoreError, sled_error};

/// The `meta` key of the holds.
const SERVER_WAITS_KEY: &[u8] = b"server_waits";

impl Store {
    /// The stored holds (host → until), ended ones included.
    pub fn server_waits(&self) -> Result<BTreeMap<String, DateTime<Utc>>, StoreError> {
        let dir = &self.inner.dir;
        let value = self
            .inner
            .list
            .meta
            .get(SERVER_WAITS_KEY)
            .map_err(|e| sled_error(dir, e))?;
        let Some(value) = value else {
            return Ok(BTreeMap::new());
        };
        match serde_json::from_slice(&value) {
            Ok(holds) => Ok(holds),
            Err(error) => {
                tracing::warn!(%error, "unreadable meta/server_waits; ignored");
                Ok(BTreeMap::new())
            }
        }
    }

    /// Replaces the stored holds (an empty map removes the key).
    pub fn set_server_waits(
        &self,
        holds: &BTreeMap<String, DateTime<Utc>>,
    ) -> Result<(), StoreError> {
        let dir = &self.inner.dir;
        let meta = &self.inner.list.meta;
        if holds.is_empty() {
            meta.remove(SERVER_WAITS_KEY)
                .map_err(|e| sled_error(dir, e))?;
        } else {
            let value = serde_json::to_vec(holds)
                .map_err(|e| StoreError::Sled(format!("encoding server waits: {e}")))?;
            meta.insert(SERVER_WAITS_KEY, value)
                .map_err(|e| sled_error(dir, e))?;
        }
        self.inner.list.db.flush().map_err(|e| sled_error(dir, e))?;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use chrono::TimeZone;

    use super::*;

    #[test]
    fn holds_survive_a_reopen_and_garbage_means_none() {
        let dir = tempfile::TempDir::new().unwrap();
        let until = Utc.with_ymd_and_hms(2025, 4, 30, 12, 40, 0).unwrap();
        let holds = BTreeMap::from([("huggingface.co".to_string(), until)]);
        {
            let store = Store::open(dir.path()).unwrap();
            assert!(store.server_waits().unwrap().is_empty());
            store.set_server_waits(&holds).unwrap();
        }
        let store = Store::open(dir.path()).unwrap();
        assert_eq!(store.server_waits().unwrap(), holds);
        store
            .inner
            .list
            .meta
            .insert(SERVER_WAITS_KEY, b"{not json".to_vec())
            .unwrap();
        assert!(store.server_waits().unwrap().is_empty());
        store.set_server_waits(&BTreeMap::new()).unwrap();
        assert!(
            store
                .inner
                .list
                .meta
                .get(SERVER_WAITS_KEY)
                .unwrap()
                .is_none()
        );
    }
}
