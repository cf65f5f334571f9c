//! Row sets: a set of catalog row indices as a bitset, the evaluator's currency (AND, OR and
//! NOT are word operations). Imports nothing from the rest of the crate.
//!
//! Hand-rolled on `Vec<u64>`: a `fixedbitset` 0.5 wrapper was measured with
//! `cargo bench --bench triage` (100k papers) and was no faster, its evaluate p99 up to twice as
//! slow, so the crate was not added. Dense postings are OR-ed in as the same 64-bit words.

/// A set of row indices as a bitset: the evaluator's currency (AND/OR/NOT are word ops).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RowSet {
    bits: Vec<u64>,
    len: usize,
}

impl RowSet {
    pub fn empty(len: usize) -> RowSet {
        RowSet {
            bits: vec![0; len.div_ceil(64)],
            len,
        }
    }

    pub fn full(len: usize) -> RowSet {
        let mut set = RowSet {
            bits: vec![u64::MAX; len.div_ceil(64)],
            len,
        };
        set.clear_tail();
        set
    }

    /// The rows for which `keep` holds.
    pub fn from_fn(len: usize, mut keep: impl FnMut(usize) -> bool) -> RowSet {
        let mut set = RowSet::empty(len);
        for row in 0..len {
            if keep(row) {
                set.insert(row);
            }
        }
        set
    }

    /// A set holding `rows` (indices at or past `len` are ignored).
    pub fn from_rows(len: usize, rows: &[usize]) -> RowSet {
        let mut set = RowSet::empty(len);
        for &row in rows {
            if row < len {
                set.insert(row);
            }
        }
        set
    }

    fn clear_tail(&mut self) {
        let extra = self.bits.len() * 64 - self.len;
        if extra > 0
            && let Some(last) = self.bits.last_mut()
        {
            *last &= u64::MAX >> extra;
        }
    }

    pub fn len(&self) -> usize {
        self.len
    }

    pub fn is_empty(&self) -> bool {
        self.count() == 0
    }

    pub fn insert(&mut self, row: usize) {
        if let Some(word) = self.bits.get_mut(row / 64) {
            *word |= 1 << (row % 64);
        }
    }

    pub fn contains(&self, row: usize) -> bool {
        self.bits
            .get(row / 64)
            .is_some_and(|word| word & (1 << (row % 64)) != 0)
    }

    pub fn and_with(&mut self, other: &RowSet) {
        for (a, b) in self.bits.iter_mut().zip(&other.bits) {
            *a &= b;
        }
    }

    pub fn or_with(&mut self, other: &RowSet) {
        for (a, b) in self.bits.iter_mut().zip(&other.bits) {
            *a |= b;
        }
    }

    pub fn invert(&mut self) {
        for word in &mut self.bits {
            *word = !*word;
        }
        self.clear_tail();
    }

    /// The set's words (bit `r % 64` of word `r / 64` for row `r`).
    pub(crate) fn words(&self) -> &[u64] {
        &self.bits
    }

    /// The set's words, to move bits in a word at a time; bits past `len` must stay clear.
    pub(crate) fn words_mut(&mut self) -> &mut [u64] {
        &mut self.bits
    }

    /// Heap bytes held.
    pub(crate) fn heap_bytes(&self) -> usize {
        self.bits.len() * 8
    }

    pub fn count(&self) -> usize {
        self.bits.iter().map(|w| w.count_ones() as usize).sum()
    }

    pub fn iter(&self) -> impl Iterator<Item = usize> + '_ {
        self.bits.iter().enumerate().flat_map(|(i, &word)| {
            let mut word = word;
            std::iter::from_fn(move || {
                if word == 0 {
                    return None;
                }
                let bit = word.trailing_zeros() as usize;
                word &= word - 1;
                Some(i * 64 + bit)
            })
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn row_sets_combine_like_sets() {
        let mut a = RowSet::from_fn(130, |r| r % 2 == 0);
        let b = RowSet::from_fn(130, |r| r % 3 == 0);
        let mut both = a.clone();
        both.and_with(&b);
        assert_eq!(both.count(), (0..130).filter(|r| r % 6 == 0).count());
        a.or_with(&b);
        assert_eq!(
            a.count(),
            (0..130).filter(|r| r % 2 == 0 || r % 3 == 0).count()
        );
        a.invert();
        assert_eq!(
            a.count(),
            (0..130).filter(|r| r % 2 != 0 && r % 3 != 0).count()
        );
        assert!(a.iter().all(|r| r < 130));
        assert_eq!(RowSet::full(130).count(), 130);
        assert!(RowSet::empty(5).is_empty());
    }
}
