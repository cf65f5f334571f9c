//! The catalog's row storage (issue #15): [`RowStore`], rows in `Arc`-shared chunks numbered
//! from the oldest row, and [`RowIndex`], the id → row map over it kept as a shared base plus a
//! small delta. A sync that brings new newest days rebuilds only the last partial chunk and the
//! delta; every older chunk and the base are shared with the catalog it replaces, so the old
//! and new catalogs no longer hold two copies of a million rows. Layer 0: generic over the row
//! type, imports only `model`.

use std::collections::HashMap;
use std::sync::Arc;

use crate::model::PaperId;

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

/// Which row holds each paper id, over a [`RowStore`] of rows. Entries are positions counted
/// from the oldest row, so rows kept at the old end keep their entries across a refresh: the
/// base map is shared, and a refresh records only what moved in a small delta (merged into a
/// new base once it grows past a sixteenth of it). An id listed twice maps to its later
/// (older) row, as a map built in row order would.
#[derive(Debug, Clone, Default)]
pub struct RowIndex {
    base: Arc<HashMap<PaperId, usize>>,
    /// Overrides `base`; `None` = no row any more.
    delta: Arc<HashMap<PaperId, Option<usize>>>,
    /// Rows of the store this indexes (to turn positions into rows).
    rows: usize,
}

impl RowIndex {
    /// The index of `ids`, newest row first.
    pub fn build<'a>(ids: impl ExactSizeIterator<Item = &'a PaperId>) -> RowIndex {
        let rows = ids.len();
        let mut base = HashMap::with_capacity(rows);
        for (row, id) in ids.enumerate() {
            base.insert(id.clone(), rows - 1 - row);
        }
        RowIndex {
            base: Arc::new(base),
            delta: Arc::default(),
            rows,
        }
    }

    fn position(&self, id: &PaperId) -> Option<usize> {
        if self.delta.is_empty() {
            return self.base.get(id).copied();
        }
        match self.delta.get(id) {
            Some(position) => *position,
            None => self.base.get(id).copied(),
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
        self.base.len() + self.delta.values().filter(|p| p.is_some()).count()
            - self
                .delta
                .keys()
                .filter(|id| self.base.contains_key(*id))
                .count()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Every (id, row), in no order.
    pub fn to_map(&self) -> HashMap<PaperId, usize> {
        let mut map: HashMap<PaperId, usize> = self
            .base
            .iter()
            .filter(|(id, _)| !self.delta.contains_key(*id))
            .map(|(id, &position)| (id.clone(), self.rows - 1 - position))
            .collect();
        map.extend(
            self.delta
                .iter()
                .filter_map(|(id, position)| Some((id.clone(), self.rows - 1 - (*position)?))),
        );
        map
    }

    /// Whether both share the same maps (one is a clone of the other).
    pub fn ptr_eq(&self, other: &RowIndex) -> bool {
        Arc::ptr_eq(&self.base, &other.base)
            && Arc::ptr_eq(&self.delta, &other.delta)
            && self.rows == other.rows
    }

    /// The index of `new_ids` (newest first) where every row below position `kept` (counted
    /// from the oldest) is the row this index's `old_ids` had there: only the rows from `kept`
    /// up are looked at.
    pub fn moved<'a, 'b>(
        &self,
        old_ids: impl ExactSizeIterator<Item = &'a PaperId>,
        new_ids: impl ExactSizeIterator<Item = &'b PaperId>,
        kept: usize,
    ) -> RowIndex {
        let rows = new_ids.len();
        let mut next = RowIndex {
            base: Arc::clone(&self.base),
            delta: Arc::clone(&self.delta),
            rows,
        };
        let delta = Arc::make_mut(&mut next.delta);
        let position_of =
            |delta: &HashMap<PaperId, Option<usize>>, id: &PaperId| match delta.get(id) {
                Some(position) => *position,
                None => self.base.get(id).copied(),
            };
        // Rows from `kept` up (the newest, first in row order) are gone, unless read again.
        let old_rows = old_ids.len();
        for (row, id) in old_ids.enumerate().take(old_rows.saturating_sub(kept)) {
            let position = old_rows - 1 - row;
            if position_of(delta, id) == Some(position) {
                delta.insert(id.clone(), None);
            }
        }
        for (row, id) in new_ids.enumerate().take(rows.saturating_sub(kept)) {
            let position = rows - 1 - row;
            match position_of(delta, id) {
                // The older row of an id listed twice keeps the entry.
                Some(older) if older < position => {}
                _ => {
                    delta.insert(id.clone(), Some(position));
                }
            }
        }
        if next.delta.len() > (next.base.len() / 16).max(CHUNK_ROWS) {
            next.merge();
        }
        next
    }

    /// Folds the delta into a new base (a copy of the base: rare, amortised over many syncs).
    fn merge(&mut self) {
        let mut base = HashMap::clone(&self.base);
        for (id, position) in self.delta.iter() {
            match position {
                Some(position) => {
                    base.insert(id.clone(), *position);
                }
                None => {
                    base.remove(id);
                }
            }
        }
        base.shrink_to_fit();
        self.base = Arc::new(base);
        self.delta = Arc::default();
    }
}

impl PartialEq for RowIndex {
    fn eq(&self, other: &RowIndex) -> bool {
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

    #[test]
    fn the_row_index_moves_by_delta() {
        let old_ids: Vec<PaperId> = (0..100).rev().map(id).collect();
        let old = RowIndex::build(old_ids.iter());
        assert_eq!(old.get(&id(99)), Some(0));
        assert_eq!(old.get(&id(0)), Some(99));
        // Rows 90..100 (the newest day) read again, minus 95, plus 100..110.
        let mut new_ids: Vec<PaperId> = (90..110).rev().filter(|&n| n != 95).map(id).collect();
        new_ids.extend((0..90).rev().map(id));
        let moved = old.moved(old_ids.iter(), new_ids.iter(), 90);
        assert_eq!(moved, RowIndex::build(new_ids.iter()));
        assert_eq!(moved.get(&id(95)), None);
        assert_eq!(moved.get(&id(109)), Some(0));
        assert_eq!(moved.len(), 109);
        assert_eq!(old.get(&id(99)), Some(0), "the old index is untouched");
    }

    #[test]
    fn an_id_listed_twice_keeps_its_older_row() {
        let ids: Vec<PaperId> = [1, 2, 1, 3].map(id).to_vec();
        let index = RowIndex::build(ids.iter());
        assert_eq!(index.get(&id(1)), Some(2));
        let new_ids: Vec<PaperId> = [1, 4, 1, 2, 1, 3].map(id).to_vec();
        let moved = index.moved(ids.iter(), new_ids.iter(), 2);
        assert_eq!(moved.get(&id(1)), Some(4));
        assert_eq!(moved, RowIndex::build(new_ids.iter()));
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
            let ids = |rows: &RowStore<(u32, u32)>| -> Vec<PaperId> {
                rows.iter().map(|&(n, _)| id(n)).collect()
            };
            let mut index = RowIndex::build(ids(&rows).iter());
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
                        index = index.moved(old_ids.iter(), new_ids.iter(), kept);
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
                let expected = RowIndex::build(ids(&rows).iter());
                prop_assert_eq!(index.to_map(), expected.to_map());
                prop_assert_eq!(index.len(), expected.len());
            }
        }
    }
}
