//! What the reader remembers between runs — the view, its sort, whether read papers are
//! hidden, the selected paper — as JSON under `meta/reader_state` in the list Db. Missing or
//! unreadable means defaults, never an error: losing it costs the user one key press.
//!
//! It rides on the schema version without a migration of its own: a store without the key
//! (every older one) opens with the defaults. Store layer: names views by plain data, since
//! the app's `View` lives above.

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use super::{Store, StoreError, sled_error};

/// The `meta` key the state is kept under.
const KEY: &[u8] = b"reader_state";

/// The version written; a state with another version is read as the defaults.
pub const READER_STATE_VERSION: u32 = 1;

/// A view by name, as the reader stores it.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", tag = "kind", content = "value")]
pub enum RememberedView {
    /// The newest day with papers, whichever it is at the next start.
    #[default]
    LatestDay,
    Day(NaiveDate),
    Week,
    All,
    Starred,
    Unread,
    ForYou,
    /// A `[[views]]` entry, by name.
    Saved(String),
    /// One source, by id.
    Source(String),
    /// One of HF's ranked lists (`week`, `month`, `trending`, `search`).
    Hf(String),
}

/// The reader's remembered state.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReaderState {
    pub version: u32,
    pub view: RememberedView,
    /// The sort picked with `S` in that view (its config name), if any.
    #[serde(default)]
    pub sort: Option<String>,
    #[serde(default)]
    pub hide_read: bool,
    /// The selected paper's id.
    #[serde(default)]
    pub selected: Option<String>,
}

impl Default for ReaderState {
    fn default() -> Self {
        ReaderState {
            version: READER_STATE_VERSION,
            view: RememberedView::LatestDay,
            sort: None,
            hide_read: false,
            selected: None,
        }
    }
}

impl ReaderState {
    /// Reads the state from its JSON; anything unreadable or of another version is `None`.
    pub fn from_json(bytes: &[u8]) -> Option<ReaderState> {
        serde_json::from_slice::<ReaderState>(bytes)
            .ok()
            .filter(|state| state.version == READER_STATE_VERSION)
    }
}

impl Store {
    /// The remembered reader state; the defaults when there is none or it cannot be read.
    pub fn reader_state(&self) -> ReaderState {
        match self.inner.list.meta.get(KEY) {
            Ok(Some(bytes)) => ReaderState::from_json(&bytes).unwrap_or_else(|| {
                tracing::warn!("the remembered reader state is unreadable; using defaults");
                ReaderState::default()
            }),
            Ok(None) => ReaderState::default(),
            Err(error) => {
                tracing::warn!(%error, "cannot read the remembered reader state");
                ReaderState::default()
            }
        }
    }

    /// Remembers the reader state (flushed before it returns; the same state as stored
    /// writes and flushes nothing).
    pub fn set_reader_state(&self, state: &ReaderState) -> Result<(), StoreError> {
        if self.write_reader_state(state)? {
            let dir = &self.inner.dir;
            self.inner.list.db.flush().map_err(|e| sled_error(dir, e))?;
        }
        Ok(())
    }

    /// Writes the reader state without flushing (the queued writer flushes after a batch);
    /// returns whether it differed from the stored one.
    pub(super) fn write_reader_state(&self, state: &ReaderState) -> Result<bool, StoreError> {
        super::assert_off_ui_thread("the reader state's write");
        let dir = &self.inner.dir;
        let json = serde_json::to_vec(state)
            .map_err(|e| super::corrupt(dir, format!("encoding the reader state: {e}")))?;
        let previous = self
            .inner
            .list
            .meta
            .insert(KEY, json.as_slice())
            .map_err(|e| sled_error(dir, e))?;
        Ok(previous.as_deref() != Some(json.as_slice()))
    }

    /// Writes raw bytes as the reader state (tests of a damaged value).
    #[doc(hidden)]
    pub fn set_reader_state_raw(&self, bytes: &[u8]) -> Result<(), StoreError> {
        let dir = &self.inner.dir;
        self.inner
            .list
            .meta
            .insert(KEY, bytes)
            .map_err(|e| sled_error(dir, e))?;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_store_without_the_key_opens_with_defaults() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(dir.path()).unwrap();
        assert_eq!(store.reader_state(), ReaderState::default());
    }

    #[test]
    fn the_state_round_trips_and_survives_a_reopen() {
        let dir = tempfile::tempdir().unwrap();
        let state = ReaderState {
            view: RememberedView::Saved("MoE".into()),
            sort: Some("upvotes".into()),
            hide_read: true,
            selected: Some("2504.00001".into()),
            ..ReaderState::default()
        };
        {
            let store = Store::open(dir.path()).unwrap();
            store.set_reader_state(&state).unwrap();
        }
        let store = Store::open(dir.path()).unwrap();
        assert_eq!(store.reader_state(), state);
    }

    #[test]
    fn corrupt_or_unknown_versions_read_as_defaults() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(dir.path()).unwrap();
        for bad in [
            &b"\xff\x00garbage"[..],
            b"{}",
            br#"{"version":99,"view":{"kind":"all"}}"#,
            br#"{"version":1,"view":{"kind":"nonsense"}}"#,
        ] {
            store.set_reader_state_raw(bad).unwrap();
            assert_eq!(store.reader_state(), ReaderState::default());
        }
        store
            .set_reader_state_raw(br#"{"version":1,"view":{"kind":"day","value":"2025-04-29"}}"#)
            .unwrap();
        assert_eq!(
            store.reader_state().view,
            RememberedView::Day(NaiveDate::from_ymd_opt(2025, 4, 29).unwrap())
        );
    }
}
