//! The in-memory id → chunk index and per-chunk row counts, derived from the rows tree on first
//! need and kept current by every write; never stored.

use std::collections::BTreeMap;

use chrono::NaiveDate;

use super::codec::{self, CodecError};
use super::keys::ChunkKey;
use super::locations::Locations;
use crate::model::PaperId;

/// The ids are kept once, in [`Locations`]' arena (~38 MB at 1M papers; a map of inline
/// `CompactString`s took ~69 MB).
#[derive(Debug, Default)]
pub(super) struct Index {
    location: Locations,
    chunk_rows: BTreeMap<ChunkKey, usize>,
}

/// What went wrong reading the rows tree, with the key it happened at.
pub(super) enum BuildError {
    Sled(sled::Error),
    Corrupt(String),
}

impl Index {
    /// Reads every rows chunk's id list (not the rows themselves).
    pub fn build(rows: &sled::Tree) -> Result<Index, BuildError> {
        let mut chunk_rows = BTreeMap::new();
        let mut location = Locations::default();
        for entry in rows.iter() {
            let (key_bytes, value) = entry.map_err(BuildError::Sled)?;
            let key = ChunkKey::from_bytes(&key_bytes).ok_or_else(|| {
                BuildError::Corrupt(format!("rows key {key_bytes:?} is not a day/part key"))
            })?;
            let (ids, _) = codec::decode_row_ids(&value)
                .map_err(|e: CodecError| BuildError::Corrupt(format!("rows chunk {key}: {e}")))?;
            chunk_rows.insert(key, ids.len());
            for id in ids {
                location.insert(id, key);
            }
        }
        Ok(Index {
            location,
            chunk_rows,
        })
    }

    pub fn locate(&self, id: &PaperId) -> Option<ChunkKey> {
        self.locate_str(id.as_str())
    }

    pub fn locate_str(&self, id: &str) -> Option<ChunkKey> {
        self.location.get(id)
    }

    pub fn paper_count(&self) -> usize {
        self.location.len()
    }

    /// Every chunk that holds papers, oldest first.
    pub fn chunk_keys(&self) -> Vec<ChunkKey> {
        self.chunk_rows.keys().copied().collect()
    }

    /// The oldest day that has papers.
    pub fn oldest_day(&self) -> Option<NaiveDate> {
        self.chunk_rows.keys().next().map(|key| key.day)
    }

    pub fn chunk_rows(&self, key: ChunkKey) -> Option<usize> {
        self.chunk_rows.get(&key).copied()
    }

    /// The highest part number `day` has, if it has any.
    pub fn last_part(&self, day: NaiveDate) -> Option<u16> {
        let low = ChunkKey { day, part: 0 };
        let high = ChunkKey {
            day,
            part: u16::MAX,
        };
        self.chunk_rows
            .range(low..=high)
            .next_back()
            .map(|(key, _)| key.part)
    }

    /// Records a chunk's new contents after a write: its live ids, or its removal.
    pub fn set_chunk<'a>(
        &mut self,
        key: ChunkKey,
        ids: impl ExactSizeIterator<Item = &'a PaperId>,
    ) {
        if ids.len() == 0 {
            self.chunk_rows.remove(&key);
            return;
        }
        self.chunk_rows.insert(key, ids.len());
        for id in ids {
            self.location.insert(id.as_str(), key);
        }
    }

    /// Forgets papers dropped from the store (not moved: a moved paper is re-pointed by
    /// `set_chunk` of its new chunk).
    pub fn forget(&mut self, id: &PaperId, from: ChunkKey) {
        if self.locate(id) == Some(from) {
            self.location.remove(id.as_str());
        }
    }
}
