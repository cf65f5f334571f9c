//! The catalog's row storage (issue #15): [`RowStore`], rows in `Arc`-shared chunks numbered
//! from the oldest row, and [`RowIndex`], the id → row map over it kept as a shared base plus a
//! small delta. A sync that brings new newest days rebuilds only the last partial chunk and the
//! delta; every older chunk and the base are shared with the catalog it replaces, so the old
//! and new catalogs no longer hold two copies of a million rows. Layer 0: generic over the row
//! type, imports only `model`.

use std::collections::HashMap;
use std::hash::BuildHasher;
use std::sync::Arc;

use hashbrown::DefaultHashBuilder;
use hashbrown::HashTable;

use crate::model::{ListRow, PaperId};

/// Rows a chunk holds (every chunk but the newest is full).
pub const CHUNK_ROWS: usize = 1 << CHUNK_SHIFT;
const CHUNK_SHIFT: u32 = 12;

/// Rows newest first, as the catalog orders them, stored in fixed chunks counted from the
/// oldest: row `i` sits at position `len - 1 - i` from the oldest, in chunk `position >> 12`.
/// Prepending rows (the usual sync) therefore leaves every full chunk where it was, to be shared
/// by `Arc` with the store it came from. Cloning is cheap (one `Arc` per 4,096 rows).
pub struct RowStore<T> {
    /// Positions `c * CHUNK_ROWS ..` in `chunks[c]`, oldest first within a chunk.
    chunks: Vec<Arc<[T]>>,
    len: usize,
}

impl<T> Clone for RowStore<T> {
    fn clone(&self) -> Self {
        RowStore {
            chunks: self.chunks.clone(),
            len: self.len,
        }
    }
}

impl<T> Default for RowStore<T> {
    fn default() -> Self {
        RowStore {
            chunks: Vec::new(),
            len: 0,
        }
    }
}

impl<T: std::fmt::Debug> std::fmt::Debug for RowStore<T> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_list().entries(self.iter()).finish()
    }
}

impl<T: PartialEq> PartialEq for RowStore<T> {
    fn eq(&self, other: &Self) -> bool {
        self.len == other.len && self.iter().eq(other.iter())
    }
}

impl<T> RowStore<T> {
    pub fn new() -> RowStore<T> {
        RowStore::default()
    }

    pub fn len(&self) -> usize {
        self.len
    }

    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// Row `row` (0 = newest).
    #[inline]
    pub fn get(&self, row: usize) -> Option<&T> {
        if row >= self.len {
            return None;
        }
        self.at_position(self.len - 1 - row)
    }

    /// The row at `position` counted from the oldest (0 = oldest).
    #[inline]
    pub fn at_position(&self, position: usize) -> Option<&T> {
        self.chunks
            .get(position >> CHUNK_SHIFT)?
            .get(position & (CHUNK_ROWS - 1))
    }

    /// The rows newest first.
    pub fn iter(&self) -> Iter<'_, T> {
        Iter {
            front: [].iter().rev(),
            back: [].iter(),
            chunks: self.chunks.iter(),
            remaining: self.len,
        }
    }

    /// The first row (newest first) for which `pred` is false, given that `pred` holds for a
    /// prefix of the rows (as `slice::partition_point`).
    pub fn partition_point(&self, mut pred: impl FnMut(&T) -> bool) -> usize {
        let (mut low, mut high) = (0, self.len);
        while low < high {
            let mid = low + (high - low) / 2;
            match self.get(mid).is_some_and(&mut pred) {
                true => low = mid + 1,
                false => high = mid,
            }
        }
        low
    }

    /// The chunks, oldest first; each holds its rows oldest first. For loops that want to
    /// walk a slice at a time.
    pub fn chunks(&self) -> &[Arc<[T]>] {
        &self.chunks
    }

    /// Whether the two stores hold the very same chunks (shared, not equal).
    pub fn ptr_eq(&self, other: &RowStore<T>) -> bool {
        self.len == other.len
            && self
                .chunks
                .iter()
                .zip(&other.chunks)
                .all(|(a, b)| Arc::ptr_eq(a, b))
    }

    /// How many of this store's chunks are shared with `other` at the same place.
    pub fn shared_chunks(&self, other: &RowStore<T>) -> usize {
        self.chunks
            .iter()
            .zip(&other.chunks)
            .filter(|(a, b)| Arc::ptr_eq(a, b))
            .count()
    }

    /// Builds from rows newest first, moving them (no clone). The vector's buffer is given
    /// back as it empties, so the rows are not held twice for long.
    pub fn from_newest_first(mut rows: Vec<T>) -> RowStore<T> {
        let len = rows.len();
        let mut chunks = Vec::with_capacity(len.div_ceil(CHUNK_ROWS));
        while !rows.is_empty() {
            let take = rows.len().min(CHUNK_ROWS);
            // The oldest rows are at the end.
            let mut chunk = rows.split_off(rows.len() - take);
            chunk.reverse();
            chunks.push(Arc::from(chunk));
            if chunks.len() % 16 == 0 {
                rows.shrink_to_fit();
            }
        }
        RowStore { chunks, len }
    }
}

impl<T: Clone> RowStore<T> {
    /// Row `row` (0 = newest) to change: its chunk is copied first when it is shared.
    pub fn make_mut(&mut self, row: usize) -> Option<&mut T> {
        if row >= self.len {
            return None;
        }
        let position = self.len - 1 - row;
        let chunk = self.chunks.get_mut(position >> CHUNK_SHIFT)?;
        Arc::make_mut(chunk).get_mut(position & (CHUNK_ROWS - 1))
    }

    /// The rows newest first, copied.
    pub fn to_vec(&self) -> Vec<T> {
        self.iter().cloned().collect()
    }
}

impl<T> std::ops::Index<usize> for RowStore<T> {
    type Output = T;

    #[inline]
    fn index(&self, row: usize) -> &T {
        match self.get(row) {
            Some(item) => item,
            None => panic!("row {row} out of {} rows", self.len),
        }
    }
}

impl<T> From<Vec<T>> for RowStore<T> {
    /// From rows newest first.
    fn from(rows: Vec<T>) -> RowStore<T> {
        RowStore::from_newest_first(rows)
    }
}

impl<T> FromIterator<T> for RowStore<T> {
    /// From rows newest first.
    fn from_iter<I: IntoIterator<Item = T>>(rows: I) -> RowStore<T> {
        RowStore::from_newest_first(rows.into_iter().collect())
    }
}

impl<'a, T> IntoIterator for &'a RowStore<T> {
    type Item = &'a T;
    type IntoIter = Iter<'a, T>;

    fn into_iter(self) -> Iter<'a, T> {
        self.iter()
    }
}

/// The rows of a [`RowStore`] newest first (chunks from the last, each read backwards).
pub struct Iter<'a, T> {
    front: std::iter::Rev<std::slice::Iter<'a, T>>,
    /// Rows taken from the back (oldest) end, read forwards.
    back: std::slice::Iter<'a, T>,
    chunks: std::slice::Iter<'a, Arc<[T]>>,
    remaining: usize,
}

impl<'a, T> Iterator for Iter<'a, T> {
    type Item = &'a T;

    #[inline]
    fn next(&mut self) -> Option<&'a T> {
        loop {
            if let Some(item) = self.front.next() {
                self.remaining -= 1;
                return Some(item);
            }
            match self.chunks.next_back() {
                Some(chunk) => self.front = chunk.iter().rev(),
                None => {
                    let item = self.back.next_back()?;
                    self.remaining -= 1;
                    return Some(item);
                }
            }
        }
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        (self.remaining, Some(self.remaining))
    }
}

impl<T> DoubleEndedIterator for Iter<'_, T> {
    fn next_back(&mut self) -> Option<Self::Item> {
        loop {
            if let Some(item) = self.back.next() {
                self.remaining -= 1;
                return Some(item);
            }
            match self.chunks.next() {
                Some(chunk) => self.back = chunk.iter(),
                None => {
                    let item = self.front.next_back()?;
                    self.remaining -= 1;
                    return Some(item);
                }
            }
        }
    }
}

impl<T> ExactSizeIterator for Iter<'_, T> {}

impl<T> std::iter::FusedIterator for Iter<'_, T> {}

/// Builds a [`RowStore`] from the oldest row up, sharing whole chunks of another store where
/// they land at the same chunk boundary.
pub struct OldestFirst<T> {
    chunks: Vec<Arc<[T]>>,
    /// The newest, not yet full chunk.
    open: Vec<T>,
}

impl<T> Default for OldestFirst<T> {
    fn default() -> Self {
        OldestFirst {
            chunks: Vec::new(),
            open: Vec::new(),
        }
    }
}

impl<T: Clone> OldestFirst<T> {
    pub fn new() -> OldestFirst<T> {
        OldestFirst::default()
    }

    /// Rows pushed so far.
    pub fn len(&self) -> usize {
        self.chunks.len() * CHUNK_ROWS + self.open.len()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Adds the next row (newer than every row so far).
    pub fn push(&mut self, row: T) {
        if self.open.capacity() == 0 {
            self.open.reserve_exact(CHUNK_ROWS);
        }
        self.open.push(row);
        if self.open.len() == CHUNK_ROWS {
            let full = std::mem::take(&mut self.open);
            self.chunks.push(Arc::from(full));
        }
    }

    /// Adds `store`'s rows at `positions` (counted from its oldest row), sharing each full
    /// chunk that starts where a chunk of the new store starts, copying the rest.
    pub fn extend_from(&mut self, store: &RowStore<T>, positions: std::ops::Range<usize>) {
        let mut at = positions.start;
        let end = positions.end.min(store.len);
        while at < end {
            let chunk = at >> CHUNK_SHIFT;
            let whole = at & (CHUNK_ROWS - 1) == 0 && at + CHUNK_ROWS <= end;
            match (self.open.is_empty() && whole, store.chunks.get(chunk)) {
                (true, Some(shared)) if shared.len() == CHUNK_ROWS => {
                    self.chunks.push(Arc::clone(shared));
                    at += CHUNK_ROWS;
                }
                (_, Some(source)) => {
                    let from = at & (CHUNK_ROWS - 1);
                    let to = source.len().min(from + (end - at));
                    for row in &source[from..to] {
                        self.push(row.clone());
                    }
                    at += to - from;
                }
                (_, None) => break,
            }
        }
    }

    pub fn finish(mut self) -> RowStore<T> {
        if !self.open.is_empty() {
            self.open.shrink_to_fit();
            self.chunks.push(Arc::from(self.open));
        }
        let len = self.chunks.iter().map(|c| c.len()).sum();
        RowStore {
            chunks: self.chunks,
            len,
        }
    }
}

/// Builds a [`RowStore`] of a known number of rows pushed newest first (as the catalog builder
/// adds details), a chunk at a time, without a second copy of every row.
pub struct NewestFirst<T> {
    /// Rows still to push.
    left: usize,
    /// Full chunks, newest first (reversed at the end).
    chunks: Vec<Arc<[T]>>,
    /// The chunk being filled, newest row first.
    open: Vec<T>,
}

impl<T> NewestFirst<T> {
    pub fn new(len: usize) -> NewestFirst<T> {
        NewestFirst {
            left: len,
            chunks: Vec::with_capacity(len.div_ceil(CHUNK_ROWS)),
            open: Vec::new(),
        }
    }

    /// Adds the next row (older than every row so far). Rows past the announced count are
    /// ignored.
    pub fn push(&mut self, row: T) {
        if self.left == 0 {
            return;
        }
        if self.open.is_empty() {
            // Position `left - 1` is pushed now; its chunk starts at a multiple of CHUNK_ROWS.
            let size = (self.left - 1) % CHUNK_ROWS + 1;
            self.open.reserve_exact(size);
        }
        self.open.push(row);
        self.left -= 1;
        if self.left.is_multiple_of(CHUNK_ROWS) {
            let mut full = std::mem::take(&mut self.open);
            full.reverse();
            self.chunks.push(Arc::from(full));
        }
    }

    /// The store; every announced row must have been pushed (else the rows pushed so far).
    pub fn finish(mut self) -> RowStore<T> {
        debug_assert_eq!(self.left, 0, "every announced row is pushed");
        if !self.open.is_empty() {
            let mut part = std::mem::take(&mut self.open);
            part.reverse();
            self.chunks.push(Arc::from(part));
        }
        self.chunks.reverse();
        let len = self.chunks.iter().map(|c| c.len()).sum();
        RowStore {
            chunks: self.chunks,
            len,
        }
    }
}

/// A row that carries its paper id, so a [`RowIndex`] can check a hash hit against it.
pub trait Keyed {
    fn key(&self) -> &PaperId;
}

impl Keyed for PaperId {
    fn key(&self) -> &PaperId {
        self
    }
}

impl Keyed for ListRow {
    fn key(&self) -> &PaperId {
        &self.id
    }
}

/// Which row holds each paper id, over a [`RowStore`] of rows. Entries are positions counted
/// from the oldest row, so rows kept at the old end keep their entries across a refresh: the
/// base is shared, and a refresh records only what moved in a small delta (folded into a new
/// base once it grows past a sixteenth of it). An id listed twice maps to its later (older)
/// row, as a map built in row order would.
///
/// The base is a hash table of positions alone (4 bytes a slot, plus hashbrown's control
/// byte), checked against the rows it was built over, which it keeps (their chunks are the
/// catalog's, shared). A map from id to position held the id again: 32 bytes a slot, ~69 MB
/// at 1M papers (2^21 slots) against ~10.5 MB. Until the next rebuild the base keeps the
/// chunks refreshes replaced alive; their rows are in the delta, so that is bounded by the
/// same sixteenth.
pub struct RowIndex<T = ListRow> {
    base: Arc<Base<T>>,
    /// Overrides `base`; `None` = no row any more.
    delta: Arc<HashMap<PaperId, Option<usize>>>,
    /// Rows of the store this indexes (to turn positions into rows).
    rows: usize,
}

/// The shared part of a [`RowIndex`]: each id's position in `rows`.
struct Base<T> {
    table: HashTable<u32>,
    rows: RowStore<T>,
    hasher: DefaultHashBuilder,
}

impl<T: Keyed> Base<T> {
    /// Positions of `rows` from the oldest up: an id listed twice keeps its older row.
    fn build(rows: &RowStore<T>) -> Base<T> {
        let hasher = DefaultHashBuilder::default();
        let mut table = HashTable::with_capacity(rows.len());
        let id_at = |position: u32| rows.at_position(position as usize).map(Keyed::key);
        for (number, chunk) in rows.chunks().iter().enumerate() {
            for (offset, row) in chunk.iter().enumerate() {
                // Rows past u32::MAX are not indexed (a catalog of four billion papers).
                let Ok(position) = u32::try_from(number * CHUNK_ROWS + offset) else {
                    break;
                };
                let id = row.key();
                let hash = hasher.hash_one(id);
                let entry = table.entry(
                    hash,
                    |&p| id_at(p) == Some(id),
                    |&p| id_at(p).map_or(0, |id| hasher.hash_one(id)),
                );
                if let hashbrown::hash_table::Entry::Vacant(vacant) = entry {
                    vacant.insert(position);
                }
            }
        }
        Base {
            table,
            rows: rows.clone(),
            hasher,
        }
    }

    fn get(&self, id: &PaperId) -> Option<usize> {
        let hash = self.hasher.hash_one(id);
        self.table
            .find(hash, |&p| {
                self.rows.at_position(p as usize).map(Keyed::key) == Some(id)
            })
            .map(|&p| p as usize)
    }
}

impl<T> Default for RowIndex<T> {
    fn default() -> Self {
        RowIndex {
            base: Arc::new(Base {
                table: HashTable::new(),
                rows: RowStore::new(),
                hasher: DefaultHashBuilder::default(),
            }),
            delta: Arc::default(),
            rows: 0,
        }
    }
}

impl<T> Clone for RowIndex<T> {
    fn clone(&self) -> Self {
        RowIndex {
            base: Arc::clone(&self.base),
            delta: Arc::clone(&self.delta),
            rows: self.rows,
        }
    }
}

impl<T> std::fmt::Debug for RowIndex<T> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RowIndex")
            .field("base", &self.base.table.len())
            .field("delta", &self.delta.len())
            .field("rows", &self.rows)
            .finish()
    }
}

impl<T: Keyed> RowIndex<T> {
    /// The index of `rows`.
    pub fn build(rows: &RowStore<T>) -> RowIndex<T> {
        RowIndex {
            base: Arc::new(Base::build(rows)),
            delta: Arc::default(),
            rows: rows.len(),
        }
    }

    fn position(&self, id: &PaperId) -> Option<usize> {
        if self.delta.is_empty() {
            return self.base.get(id);
        }
        match self.delta.get(id) {
            Some(position) => *position,
            None => self.base.get(id),
        }
    }

    /// The row (0 = newest) that holds `id`.
    #[inline]
    pub fn get(&self, id: &PaperId) -> Option<usize> {
        self.position(id)
            .and_then(|position| self.rows.checked_sub(position + 1))
    }

    pub fn contains_key(&self, id: &PaperId) -> bool {
        self.position(id).is_some()
    }

    /// Ids indexed.
    pub fn len(&self) -> usize {
        self.base.table.len() + self.delta.values().filter(|p| p.is_some()).count()
            - self
                .delta
                .keys()
                .filter(|id| self.base.get(id).is_some())
                .count()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Every (id, row), in no order.
    pub fn to_map(&self) -> HashMap<PaperId, usize> {
        let base = &self.base;
        let mut map: HashMap<PaperId, usize> = base
            .table
            .iter()
            .filter_map(|&p| Some((base.rows.at_position(p as usize)?.key(), p as usize)))
            .filter(|(id, _)| !self.delta.contains_key(*id))
            .map(|(id, position)| (id.clone(), self.rows - 1 - position))
            .collect();
        map.extend(
            self.delta
                .iter()
                .filter_map(|(id, position)| Some((id.clone(), self.rows - 1 - (*position)?))),
        );
        map
    }

    /// Whether both share the same base and delta (one is a clone of the other).
    pub fn ptr_eq(&self, other: &RowIndex<T>) -> bool {
        Arc::ptr_eq(&self.base, &other.base)
            && Arc::ptr_eq(&self.delta, &other.delta)
            && self.rows == other.rows
    }

    /// The index of `new_rows` where every row below position `kept` (counted from the
    /// oldest) is the row `old_rows` (the rows this index is over) had there: only the rows
    /// from `kept` up are looked at.
    pub fn moved(
        &self,
        old_rows: &RowStore<T>,
        new_rows: &RowStore<T>,
        kept: usize,
    ) -> RowIndex<T> {
        let rows = new_rows.len();
        let mut next = RowIndex {
            base: Arc::clone(&self.base),
            delta: Arc::clone(&self.delta),
            rows,
        };
        let delta = Arc::make_mut(&mut next.delta);
        let position_of =
            |delta: &HashMap<PaperId, Option<usize>>, id: &PaperId| match delta.get(id) {
                Some(position) => *position,
                None => self.base.get(id),
            };
        // Rows from `kept` up (the newest, first in row order) are gone, unless read again.
        let old_len = old_rows.len();
        for (row, old) in old_rows
            .iter()
            .enumerate()
            .take(old_len.saturating_sub(kept))
        {
            let position = old_len - 1 - row;
            if position_of(delta, old.key()) == Some(position) {
                delta.insert(old.key().clone(), None);
            }
        }
        for (row, new) in new_rows.iter().enumerate().take(rows.saturating_sub(kept)) {
            let position = rows - 1 - row;
            match position_of(delta, new.key()) {
                // The older row of an id listed twice keeps the entry.
                Some(older) if older < position => {}
                _ => {
                    delta.insert(new.key().clone(), Some(position));
                }
            }
        }
        if next.delta.len() > (next.base.table.len() / 16).max(CHUNK_ROWS) {
            // A new base over the new rows (rare, amortised over many syncs).
            return RowIndex::build(new_rows);
        }
        next
    }
}

impl<T: Keyed> PartialEq for RowIndex<T> {
    fn eq(&self, other: &RowIndex<T>) -> bool {
        self.to_map() == other.to_map()
    }
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;

    fn store(rows: std::ops::Range<u32>) -> RowStore<u32> {
        // Newest first: the highest number is the newest row.
        rows.rev().collect()
    }

    #[test]
    fn rows_are_numbered_newest_first_and_stored_from_the_oldest() {
        let rows = store(0..10_000);
        assert_eq!(rows.len(), 10_000);
        assert_eq!(rows[0], 9_999);
        assert_eq!(rows[9_999], 0);
        assert_eq!(rows.get(10_000), None);
        assert_eq!(rows.at_position(0), Some(&0));
        assert_eq!(rows.chunks().len(), 3);
        assert_eq!(rows.chunks()[0].len(), CHUNK_ROWS);
        assert_eq!(rows.chunks()[2].len(), 10_000 - 2 * CHUNK_ROWS);
        assert_eq!(rows.chunks()[0][0], 0, "chunk 0 holds the oldest rows");
        assert!(rows.iter().copied().eq((0..10_000).rev()));
        assert!(rows.iter().rev().copied().eq(0..10_000));
        assert_eq!(rows.iter().len(), 10_000);
        assert_eq!(rows.partition_point(|&r| r >= 5_000), 5_000);
        let empty: RowStore<u32> = RowStore::new();
        assert!(empty.iter().next().is_none());
        assert_eq!(empty.partition_point(|_| true), 0);
    }

    #[test]
    fn prepending_shares_every_full_chunk_and_rebuilds_the_partial_one() {
        let old = store(0..10_000);
        let mut builder = OldestFirst::new();
        builder.extend_from(&old, 0..old.len());
        for row in 10_000..10_500 {
            builder.push(row);
        }
        let new = builder.finish();
        assert_eq!(new, store(0..10_500));
        assert_eq!(new.shared_chunks(&old), 2);
        assert!(!Arc::ptr_eq(&new.chunks()[2], &old.chunks()[2]));
        assert_eq!(old, store(0..10_000), "the old store is untouched");
    }

    #[test]
    fn chunk_boundaries() {
        for len in [
            0,
            1,
            CHUNK_ROWS - 1,
            CHUNK_ROWS,
            CHUNK_ROWS + 1,
            2 * CHUNK_ROWS,
        ] {
            let rows = store(0..len as u32);
            assert_eq!(rows.len(), len);
            assert!(rows.iter().copied().eq((0..len as u32).rev()));
            let mut builder = NewestFirst::new(len);
            for row in (0..len as u32).rev() {
                builder.push(row);
            }
            assert_eq!(builder.finish(), rows);
            // Kept exactly up to a boundary: every kept chunk shared.
            let mut builder = OldestFirst::new();
            builder.extend_from(&rows, 0..len);
            builder.push(u32::MAX);
            let grown = builder.finish();
            assert_eq!(grown.shared_chunks(&rows), len / CHUNK_ROWS);
            assert_eq!(grown[0], u32::MAX);
            assert_eq!(grown.len(), len + 1);
        }
    }

    #[test]
    fn a_change_in_a_kept_chunk_copies_that_chunk_only() {
        let old = store(0..3 * CHUNK_ROWS as u32);
        let mut new = old.clone();
        assert!(new.ptr_eq(&old));
        *new.make_mut(5).unwrap() = 7;
        assert_eq!(new[5], 7);
        assert_eq!(old[5], 3 * CHUNK_ROWS as u32 - 6);
        assert_eq!(new.shared_chunks(&old), 2, "only the newest chunk copied");
        assert!(new.make_mut(3 * CHUNK_ROWS).is_none());
    }

    #[test]
    fn a_kept_run_off_its_boundary_is_copied() {
        let old = store(0..2 * CHUNK_ROWS as u32);
        let mut builder = OldestFirst::new();
        builder.push(u32::MAX);
        builder.extend_from(&old, 0..old.len());
        let new = builder.finish();
        assert_eq!(new.shared_chunks(&old), 0);
        assert_eq!(new[new.len() - 1], u32::MAX);
        assert!(
            new.iter()
                .take(2 * CHUNK_ROWS)
                .copied()
                .eq(old.iter().copied())
        );
    }

    fn id(n: u32) -> PaperId {
        PaperId::from_stored(format!("2501.{n:05}"))
    }

    fn ids(numbers: impl IntoIterator<Item = u32>) -> RowStore<PaperId> {
        RowStore::from_newest_first(numbers.into_iter().map(id).collect())
    }

    #[test]
    fn the_row_index_moves_by_delta() {
        let old_ids = ids((0..100).rev());
        let old = RowIndex::build(&old_ids);
        assert_eq!(old.get(&id(99)), Some(0));
        assert_eq!(old.get(&id(0)), Some(99));
        // Rows 90..100 (the newest day) read again, minus 95, plus 100..110.
        let new_ids = ids((90..110).rev().filter(|&n| n != 95).chain((0..90).rev()));
        let moved = old.moved(&old_ids, &new_ids, 90);
        assert_eq!(moved, RowIndex::build(&new_ids));
        assert_eq!(moved.get(&id(95)), None);
        assert_eq!(moved.get(&id(109)), Some(0));
        assert_eq!(moved.len(), 109);
        assert_eq!(old.get(&id(99)), Some(0), "the old index is untouched");
    }

    #[test]
    fn an_id_listed_twice_keeps_its_older_row() {
        let old_ids = ids([1, 2, 1, 3]);
        let index = RowIndex::build(&old_ids);
        assert_eq!(index.get(&id(1)), Some(2));
        let new_ids = ids([1, 4, 1, 2, 1, 3]);
        let moved = index.moved(&old_ids, &new_ids, 2);
        assert_eq!(moved.get(&id(1)), Some(4));
        assert_eq!(moved, RowIndex::build(&new_ids));
    }

    #[derive(Debug, Clone)]
    enum Step {
        /// New newest rows on top of `keep` rows of the oldest end.
        Prepend { keep_back: usize, new: usize },
        /// One row changed in place.
        Change { row: usize, value: u32 },
    }

    fn step() -> impl Strategy<Value = Step> {
        prop_oneof![
            (0usize..3 * CHUNK_ROWS, 0usize..2 * CHUNK_ROWS)
                .prop_map(|(keep_back, new)| Step::Prepend { keep_back, new }),
            (0usize..4 * CHUNK_ROWS, any::<u32>())
                .prop_map(|(row, value)| Step::Change { row, value }),
        ]
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(48))]

        /// A chunked store and its row index equal the `Vec` and map they replace after random
        /// prepends (with rows dropped from the newest end first) and in-place changes. A row
        /// is (paper number, value): a change moves the value, never the paper.
        #[test]
        fn a_chunked_store_equals_the_vec_it_replaces(
            start in 0usize..3 * CHUNK_ROWS,
            steps in proptest::collection::vec(step(), 1..8),
        ) {
            let mut next_paper = 0u32;
            let mut fresh = |count: usize| -> Vec<(u32, u32)> {
                let rows = (next_paper..next_paper + count as u32).map(|n| (n, 0)).collect();
                next_paper += count as u32;
                rows
            };
            let mut vec = fresh(start);
            vec.reverse();
            let mut rows = RowStore::from_newest_first(vec.clone());
            let ids = |rows: &RowStore<(u32, u32)>| -> RowStore<PaperId> {
                RowStore::from_newest_first(rows.iter().map(|&(n, _)| id(n)).collect())
            };
            let mut index = RowIndex::build(&ids(&rows));
            for step in steps {
                match step {
                    Step::Prepend { keep_back, new } => {
                        let kept = keep_back.min(vec.len());
                        let mut added = fresh(new);
                        added.reverse();
                        let mut next_vec = added.clone();
                        next_vec.extend_from_slice(&vec[vec.len() - kept..]);
                        let mut builder = OldestFirst::new();
                        builder.extend_from(&rows, 0..kept);
                        for row in added.iter().rev() {
                            builder.push(*row);
                        }
                        let next = builder.finish();
                        prop_assert_eq!(next.shared_chunks(&rows), kept / CHUNK_ROWS);
                        let (old_ids, new_ids) = (ids(&rows), ids(&next));
                        index = index.moved(&old_ids, &new_ids, kept);
                        rows = next;
                        vec = next_vec;
                    }
                    Step::Change { row, value } => {
                        if row < vec.len() {
                            vec[row].1 = value;
                            if let Some(changed) = rows.make_mut(row) {
                                changed.1 = value;
                            }
                        }
                    }
                }
                prop_assert_eq!(rows.to_vec(), vec.clone());
                prop_assert!(rows.iter().rev().eq(vec.iter().rev()));
                for (row, value) in vec.iter().enumerate() {
                    prop_assert_eq!(&rows[row], value);
                }
                let expected = RowIndex::build(&ids(&rows));
                for (id, row) in expected.to_map() {
                    prop_assert_eq!(index.get(&id), Some(row));
                }
                prop_assert_eq!(index.get(&id(u32::MAX)), None);
                prop_assert_eq!(index.to_map(), expected.to_map());
                prop_assert_eq!(index.len(), expected.len());
            }
        }
    }
}
