//! Paper id → the chunk that holds it, for the store's id index: every id kept once, in one
//! string arena, and a hash table of 12-byte slots (where the id sits in the arena, and the
//! chunk) checked against the arena. A `HashMap<CompactString, ChunkKey>` took 32 bytes a slot
//! plus a control byte, ~69 MB at 1M papers (2^21 slots); this takes ~27 MB of slots and
//! ~11 MB of ids.

use std::collections::HashMap;
use std::hash::BuildHasher;

use chrono::{Datelike, NaiveDate};
use compact_str::CompactString;
use hashbrown::hash_table::Entry;
use hashbrown::{DefaultHashBuilder, HashTable};

use super::keys::ChunkKey;

/// Removed ids leave their bytes in the arena; it is rewritten once they are more than half
/// of it (and over this many bytes).
const COMPACT_AFTER: usize = 1 << 20;

#[derive(Debug, Clone, Copy)]
struct Slot {
    /// The id is `arena[start..start + len]`.
    start: u32,
    len: u16,
    part: u16,
    /// The chunk's day, as days from the common era.
    day: i32,
}

impl Slot {
    fn chunk(self) -> Option<ChunkKey> {
        let day = NaiveDate::from_num_days_from_ce_opt(self.day)?;
        Some(ChunkKey {
            day,
            part: self.part,
        })
    }
}

#[derive(Debug, Default)]
pub(super) struct Locations {
    table: HashTable<Slot>,
    arena: String,
    /// Bytes of `arena` no slot points at any more.
    dead: usize,
    /// Ids the arena cannot address (longer than 64 KiB, or past 4 GiB of ids).
    overflow: HashMap<CompactString, ChunkKey>,
    hasher: DefaultHashBuilder,
}

fn id_of(arena: &str, slot: Slot) -> &str {
    let start = slot.start as usize;
    arena
        .get(start..start + usize::from(slot.len))
        .unwrap_or("")
}

impl Locations {
    pub fn len(&self) -> usize {
        self.table.len() + self.overflow.len()
    }

    pub fn get(&self, id: &str) -> Option<ChunkKey> {
        let hash = self.hasher.hash_one(id);
        match self
            .table
            .find(hash, |&slot| id_of(&self.arena, slot) == id)
        {
            Some(slot) => slot.chunk(),
            None => self.overflow.get(id).copied(),
        }
    }

    /// Points `id` at `chunk`, adding it when new.
    pub fn insert(&mut self, id: &str, chunk: ChunkKey) {
        let hash = self.hasher.hash_one(id);
        let Locations {
            table,
            arena,
            hasher,
            overflow,
            ..
        } = self;
        let entry = table.entry(
            hash,
            |&slot| id_of(arena, slot) == id,
            |&slot| hasher.hash_one(id_of(arena, slot)),
        );
        let day = chunk.day.num_days_from_ce();
        match entry {
            Entry::Occupied(mut occupied) => {
                let slot = occupied.get_mut();
                slot.day = day;
                slot.part = chunk.part;
            }
            Entry::Vacant(vacant) => {
                let addressed = (
                    u32::try_from(arena.len()),
                    u16::try_from(id.len()),
                    u32::try_from(arena.len() + id.len()),
                );
                match addressed {
                    (Ok(start), Ok(len), Ok(_)) => {
                        arena.push_str(id);
                        vacant.insert(Slot {
                            start,
                            len,
                            part: chunk.part,
                            day,
                        });
                    }
                    _ => {
                        overflow.insert(CompactString::from(id), chunk);
                    }
                }
            }
        }
    }

    pub fn remove(&mut self, id: &str) {
        let hash = self.hasher.hash_one(id);
        let arena = &self.arena;
        match self
            .table
            .find_entry(hash, |&slot| id_of(arena, slot) == id)
        {
            Ok(occupied) => {
                let (slot, _) = occupied.remove();
                self.dead += usize::from(slot.len);
                if self.dead > COMPACT_AFTER && self.dead * 2 > self.arena.len() {
                    self.compact();
                }
            }
            Err(_) => {
                self.overflow.remove(id);
            }
        }
    }

    /// Rewrites the arena with only the ids slots point at.
    fn compact(&mut self) {
        let mut arena = String::with_capacity(self.arena.len() - self.dead);
        for slot in self.table.iter_mut() {
            let id = id_of(&self.arena, *slot);
            // The new arena is no longer than the old one, so the offsets fit.
            slot.start = u32::try_from(arena.len()).unwrap_or(u32::MAX);
            arena.push_str(id);
        }
        self.arena = arena;
        self.dead = 0;
    }
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;

    fn chunk(day: u32, part: u16) -> ChunkKey {
        let day = NaiveDate::from_ymd_opt(2026, 1, 1).unwrap() + chrono::Days::new(day.into());
        ChunkKey { day, part }
    }

    #[test]
    fn ids_are_found_moved_and_removed() {
        let mut locations = Locations::default();
        locations.insert("2504.21318", chunk(0, 0));
        locations.insert("2504.21319", chunk(1, 2));
        assert_eq!(locations.get("2504.21318"), Some(chunk(0, 0)));
        assert_eq!(locations.get("2504.21319"), Some(chunk(1, 2)));
        assert_eq!(locations.get("2504.2131"), None, "a prefix is another id");
        locations.insert("2504.21318", chunk(3, 1));
        assert_eq!(locations.get("2504.21318"), Some(chunk(3, 1)));
        assert_eq!(locations.len(), 2);
        locations.remove("2504.21318");
        assert_eq!(locations.get("2504.21318"), None);
        assert_eq!(locations.len(), 1);
        locations.remove("never there");
        assert_eq!(locations.len(), 1);
    }

    #[test]
    fn an_id_too_long_for_a_slot_is_kept_beside_them() {
        let mut locations = Locations::default();
        let long = "x".repeat(70_000);
        locations.insert(&long, chunk(0, 0));
        assert_eq!(locations.get(&long), Some(chunk(0, 0)));
        assert_eq!(locations.len(), 1);
        locations.remove(&long);
        assert_eq!(locations.get(&long), None);
        assert_eq!(locations.len(), 0);
    }

    #[test]
    fn removing_most_ids_rewrites_the_arena() {
        let mut locations = Locations::default();
        let ids: Vec<String> = (0..200_000).map(|n| format!("feed:{n:08}")).collect();
        for (n, id) in ids.iter().enumerate() {
            locations.insert(id, chunk(n as u32 % 300, 0));
        }
        let full = locations.arena.len();
        for id in ids.iter().skip(1).step_by(2).chain(ids.iter().step_by(4)) {
            locations.remove(id);
        }
        assert!(
            locations.arena.len() < full / 2,
            "{} of {full}",
            locations.arena.len()
        );
        for (n, id) in ids.iter().enumerate() {
            let kept = n % 2 == 0 && n % 4 != 0;
            let expected = kept.then(|| chunk(n as u32 % 300, 0));
            assert_eq!(locations.get(id), expected, "{id}");
        }
    }

    proptest! {
        /// The same answers as the map it replaces, through inserts, moves and removals.
        #[test]
        fn it_answers_as_a_map_does(
            steps in proptest::collection::vec((0u32..64, 0u32..40, any::<bool>()), 0..300)
        ) {
            let mut locations = Locations::default();
            let mut model: HashMap<String, ChunkKey> = HashMap::new();
            for (id, day, insert) in steps {
                let id = format!("2501.{id:05}");
                if insert {
                    locations.insert(&id, chunk(day, day as u16));
                    model.insert(id, chunk(day, day as u16));
                } else {
                    locations.remove(&id);
                    model.remove(&id);
                }
                prop_assert_eq!(locations.len(), model.len());
            }
            for id in (0..64).map(|n| format!("2501.{n:05}")) {
                prop_assert_eq!(locations.get(&id), model.get(&id).copied());
            }
        }
    }
}
