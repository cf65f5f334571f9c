//! The text index's compact integer encodings: LEB128 varints, posting lists (rows as gaps
//! with the term frequency folded in) and how per-row term-id sequences are read (they are held
//! in `index/sequences.rs`), plus the term hasher the index builder uses.
//!
//! Why these encodings (1M synthetic papers, ~230 tokens an abstract): a row's abstract as
//! lowercased token text is ~1,500 bytes, as a varint sequence of term ids ~230; a posting as a
//! `u32` row plus a `u16` frequency is 6 bytes, as a gap varint 1–2.

use std::hash::{BuildHasher, Hasher};
use std::sync::Arc;

use super::dense::{DenseList, DensePart};

/// Appends `value` as a LEB128 varint (7 bits a byte, low bits first, the high bit set on
/// every byte but the last). The code is prefix-free, and a byte below 0x80 always ends a
/// value, so a value starts at offset 0 or right after such a byte.
pub(crate) fn push_varint(out: &mut Vec<u8>, mut value: u64) {
    while value >= 0x80 {
        out.push((value & 0x7f) as u8 | 0x80);
        value >>= 7;
    }
    out.push(value as u8);
}

/// Reads the varint at `*at` and moves past it; `None` at the end of `bytes` or on a value
/// that does not fit 64 bits.
#[inline]
pub(crate) fn read_varint(bytes: &[u8], at: &mut usize) -> Option<u64> {
    let first = *bytes.get(*at)?;
    *at += 1;
    if first < 0x80 {
        return Some(u64::from(first));
    }
    let mut value = u64::from(first & 0x7f);
    let mut shift = 7;
    loop {
        let byte = *bytes.get(*at)?;
        *at += 1;
        value |= u64::from(byte & 0x7f) << shift;
        if byte < 0x80 {
            return Some(value);
        }
        shift += 7;
        if shift > 63 {
            return None;
        }
    }
}

/// One term's rows, ascending, each with how often the row holds the term.
///
/// *Sparse* (most terms): one varint per row, `gap << 2 | code`, where `gap` counts the rows
/// skipped since the previous one and `code` is `tf - 1` for a `tf` of 1 to 3, or 3 followed
/// by a varint `tf`: a word in at most every 32nd row, up to three times each, costs one byte a
/// row. (Folding one bit, `tf > 1`, made the abstracts' postings at 1M papers ~25% larger:
/// their common words appear two or three times an abstract.)
///
/// *Dense* (a term in at least one row in [`DENSE_FRACTION`]): a bitset of the rows plus the
/// same 2-bit codes packed four to a byte, larger frequencies in a varint side stream. Smaller
/// than gaps for such terms, and a filter ORs it into a row set a word at a time: a one-letter
/// prefix over common words no longer decodes millions of varints.
#[derive(Debug, Clone)]
pub(crate) enum Postings {
    /// Two streams of gap varints, `head` then `tail`: a spliced index shares both with the
    /// index it came from (issue #15), since a stream's gaps do not change when every row
    /// moves by one amount, only its `base`. A splice writes the new rows' postings into a
    /// new `head` and keeps `tail`.
    Sparse {
        head: SparseStream,
        tail: SparseStream,
        count: u32,
    },
    /// A bitset of the rows, the 2-bit codes, the large frequencies: in shared parts
    /// (`dense.rs`), boxed since few lists are dense.
    Dense { list: Box<DenseList>, count: u32 },
}

/// Sparse postings as shared bytes: decoding starts at byte `start` of `bytes`, the first
/// gap counted from row `base` (a wrapping `u32`: rows moved down past zero come back up by
/// the gaps, which are exact modulo 2^32).
#[derive(Debug, Clone, Default)]
pub(crate) struct SparseStream {
    /// `None` for no postings (most heads), so an empty stream allocates nothing.
    bytes: Option<Arc<[u8]>>,
    start: u32,
    base: u32,
}

impl SparseStream {
    /// A stream over `bytes` whose first gap counts from row `base`.
    pub(crate) fn new(bytes: Vec<u8>, base: u32) -> SparseStream {
        SparseStream {
            bytes: (!bytes.is_empty()).then(|| Arc::from(bytes)),
            start: 0,
            base,
        }
    }

    /// The bytes still to decode.
    pub(crate) fn bytes(&self) -> &[u8] {
        self.bytes
            .as_deref()
            .and_then(|bytes| bytes.get(self.start as usize..))
            .unwrap_or(&[])
    }

    /// The row the first gap counts from.
    pub(crate) fn base(&self) -> u32 {
        self.base
    }

    /// The same bytes from byte `skip` of [`SparseStream::bytes`] on, the first gap counted
    /// from `base`; every row `shift` further (wrapping).
    pub(crate) fn sliced(&self, skip: usize, base: u32, shift: u32) -> SparseStream {
        let start = self.start as usize + skip;
        let whole = self.bytes.as_deref().map_or(0, <[u8]>::len);
        SparseStream {
            bytes: self.bytes.clone().filter(|_| start < whole),
            start: u32::try_from(start).unwrap_or(u32::MAX),
            base: base.wrapping_add(shift),
        }
    }

    /// Heap bytes held (shared bytes counted whole).
    fn heap_bytes(&self) -> usize {
        self.bytes.as_deref().map_or(0, <[u8]>::len)
    }
}

/// A term in at least one row in this many is stored dense: from there a bitset (1 bit a
/// row) plus 2-bit codes is no larger than one gap byte a posting.
pub(crate) const DENSE_FRACTION: usize = 8;

/// The largest term frequency a posting's code holds; larger ones are stored after it.
const TF_INLINE: u32 = 3;

impl Default for Postings {
    fn default() -> Postings {
        Postings::Sparse {
            head: SparseStream::default(),
            tail: SparseStream::default(),
            count: 0,
        }
    }
}

impl Postings {
    /// How many rows hold the term (its document frequency).
    pub(crate) fn len(&self) -> usize {
        match self {
            Postings::Sparse { count, .. } | Postings::Dense { count, .. } => *count as usize,
        }
    }

    /// The postings of a sparse list (none for a dense one: see `for_each_posting`).
    fn sparse_iter(&self) -> PostingIter<'_> {
        match self {
            Postings::Sparse { head, tail, .. } => PostingIter {
                bytes: head.bytes(),
                at: 0,
                next_row: head.base,
                then: Some(tail),
            },
            Postings::Dense { .. } => PostingIter {
                bytes: &[],
                at: 0,
                next_row: 0,
                then: None,
            },
        }
    }

    /// Calls `visit` with every row, without decoding frequencies (a filter's hot loop).
    #[inline]
    pub(crate) fn for_each_row(&self, mut visit: impl FnMut(usize)) {
        match self {
            Postings::Sparse { head, tail, .. } => {
                for_each_stream_row(head, &mut visit);
                for_each_stream_row(tail, &mut visit);
            }
            Postings::Dense { list, .. } => list.for_each_row(visit),
        }
    }

    /// Calls `visit` with every row below `end`, ascending.
    pub(crate) fn for_each_row_below(&self, end: usize, mut visit: impl FnMut(usize)) {
        match self {
            Postings::Sparse { .. } => {
                for (row, _) in self.sparse_iter() {
                    if row as usize >= end {
                        return;
                    }
                    visit(row as usize);
                }
            }
            Postings::Dense { list, .. } => list.for_each_row_below(end, visit),
        }
    }

    /// Calls `visit` with every `(row, tf)`, rows ascending: the scoring loops' tight form of
    /// [`Postings::iter`].
    #[inline]
    pub(crate) fn for_each_posting(&self, mut visit: impl FnMut(usize, u32)) {
        match self {
            Postings::Sparse { .. } => {
                for (row, tf) in self.sparse_iter() {
                    visit(row as usize, tf);
                }
            }
            Postings::Dense { list, .. } => list.for_each_posting(visit),
        }
    }

    /// The dense list, for word-at-a-time set operations.
    pub(crate) fn dense(&self) -> Option<&DenseList> {
        match self {
            Postings::Dense { list, .. } => Some(list),
            Postings::Sparse { .. } => None,
        }
    }

    /// Bytes held, for size accounting.
    pub(crate) fn encoded_len(&self) -> usize {
        match self {
            Postings::Sparse { head, tail, .. } => head.heap_bytes() + tail.heap_bytes(),
            Postings::Dense { list, .. } => list.heap_bytes(),
        }
    }
}

/// Appends postings for rows in ascending order.
#[derive(Debug, Default)]
pub(crate) struct PostingsWriter {
    bytes: Vec<u8>,
    next_row: u32,
    count: u32,
}

impl PostingsWriter {
    /// Adds `row` (greater than every row added before) holding the term `tf` times.
    pub(crate) fn push(&mut self, row: u32, tf: u32) {
        let gap = u64::from(row.saturating_sub(self.next_row));
        if (1..=TF_INLINE).contains(&tf) {
            push_varint(&mut self.bytes, (gap << 2) | u64::from(tf - 1));
        } else {
            push_varint(&mut self.bytes, (gap << 2) | u64::from(TF_INLINE));
            push_varint(&mut self.bytes, u64::from(tf));
        }
        self.next_row = row.saturating_add(1);
        self.count = self.count.saturating_add(1);
    }

    /// The finished list for an index of `rows` rows, dense when the term is common, holding
    /// no spare capacity.
    pub(crate) fn finish(self, rows: usize) -> Postings {
        if (self.count as usize).saturating_mul(DENSE_FRACTION) < rows {
            return self.finish_sparse();
        }
        let count = self.count;
        let sparse = self.finish_sparse();
        let rows = u32::try_from(rows).unwrap_or(u32::MAX);
        let mut postings = Vec::with_capacity(count as usize);
        sparse.for_each_posting(|row, tf| postings.push((row as u32, tf)));
        Postings::Dense {
            list: Box::new(DenseList {
                parts: vec![DensePart::from_postings(0, rows, postings)],
            }),
            count,
        }
    }
}

impl PostingsWriter {
    /// The finished list as sparse, whatever its size: one stream, no head.
    pub(crate) fn finish_sparse(self) -> Postings {
        Postings::Sparse {
            head: SparseStream::default(),
            tail: SparseStream::new(self.bytes, 0),
            count: self.count,
        }
    }

    /// The postings written so far as a stream (for a spliced list's head) and their count.
    pub(crate) fn into_stream(self) -> (SparseStream, u32) {
        (SparseStream::new(self.bytes, 0), self.count)
    }

    /// Encoded bytes written so far.
    pub(crate) fn byte_len(&self) -> usize {
        self.bytes.len()
    }
}

/// Calls `visit` with every row of a sparse stream, frequencies skipped.
#[inline]
fn for_each_stream_row(stream: &SparseStream, visit: &mut impl FnMut(usize)) {
    let bytes = stream.bytes();
    let mut at = 0;
    let mut next_row = stream.base;
    while let Some(&byte) = bytes.get(at) {
        let head = if byte < 0x80 {
            at += 1;
            u64::from(byte)
        } else {
            match read_varint(bytes, &mut at) {
                Some(head) => head,
                None => return,
            }
        };
        if head & 3 == u64::from(TF_INLINE) {
            // Skip the frequency that follows.
            while bytes.get(at).is_some_and(|&b| b >= 0x80) {
                at += 1;
            }
            at += 1;
        }
        let row = next_row.wrapping_add((head >> 2) as u32);
        visit(row as usize);
        next_row = row.wrapping_add(1);
    }
}

/// Decodes a sparse posting list: `(row, tf)` pairs, rows ascending.
#[derive(Debug, Clone)]
pub(crate) struct PostingIter<'a> {
    bytes: &'a [u8],
    at: usize,
    next_row: u32,
    /// The stream that follows (a list's tail after its head).
    then: Option<&'a SparseStream>,
}

impl Iterator for PostingIter<'_> {
    type Item = (u32, u32);

    #[inline]
    fn next(&mut self) -> Option<(u32, u32)> {
        while self.at >= self.bytes.len() {
            let stream = self.then.take()?;
            self.bytes = stream.bytes();
            self.at = 0;
            self.next_row = stream.base;
        }
        let head = read_varint(self.bytes, &mut self.at)?;
        let code = (head & 3) as u32;
        let tf = if code < TF_INLINE {
            code + 1
        } else {
            u32::try_from(read_varint(self.bytes, &mut self.at)?).unwrap_or(u32::MAX)
        };
        let gap = u32::try_from(head >> 2).unwrap_or(u32::MAX);
        let row = self.next_row.wrapping_add(gap);
        self.next_row = row.wrapping_add(1);
        Some((row, tf))
    }
}

/// In a row's term sequence, the id that separates two parts of a field (two authors), so a
/// phrase never spans them. Real terms are numbered from 1.
pub(crate) const PART_BREAK: u32 = 0;

/// The ids of one encoded sequence, in order.
pub(crate) fn sequence_ids(bytes: &[u8]) -> impl Iterator<Item = u32> + '_ {
    let mut at = 0;
    std::iter::from_fn(move || {
        read_varint(bytes, &mut at).map(|id| u32::try_from(id).unwrap_or(u32::MAX))
    })
}

/// A fast hasher for the builder's term map (FxHash's multiply-rotate, a word at a time):
/// SipHash made the map lookup, once per token, the largest part of the build. Seeded per
/// builder from `RandomState`, so a feed cannot be written to collide.
#[derive(Debug, Clone, Copy)]
pub(crate) struct TermHasher(u64);

const SEED_MULTIPLIER: u64 = 0x51_7c_c1_b7_27_22_0a_95;

impl TermHasher {
    #[inline]
    fn add(&mut self, word: u64) {
        self.0 = (self.0.rotate_left(5) ^ word).wrapping_mul(SEED_MULTIPLIER);
    }
}

impl Hasher for TermHasher {
    #[inline]
    fn write(&mut self, bytes: &[u8]) {
        let mut chunks = bytes.chunks_exact(8);
        for chunk in &mut chunks {
            let mut word = [0; 8];
            word.copy_from_slice(chunk);
            self.add(u64::from_le_bytes(word));
        }
        let rest = chunks.remainder();
        if !rest.is_empty() {
            let mut word = [0; 8];
            word[..rest.len()].copy_from_slice(rest);
            self.add(u64::from_le_bytes(word) ^ ((rest.len() as u64) << 59));
        }
    }

    #[inline]
    fn write_u8(&mut self, byte: u8) {
        self.add(u64::from(byte));
    }

    #[inline]
    fn finish(&self) -> u64 {
        // The table takes its bucket from the low bits and a tag from the high ones: mix both.
        let h = self.0;
        (h ^ (h >> 32)).wrapping_mul(SEED_MULTIPLIER) ^ (h >> 29)
    }
}

/// Builds [`TermHasher`]s with one random seed.
#[derive(Debug, Clone, Copy)]
pub(crate) struct TermHasherBuilder(u64);

impl Default for TermHasherBuilder {
    fn default() -> TermHasherBuilder {
        TermHasherBuilder(std::collections::hash_map::RandomState::new().hash_one(0x7e4d_u64))
    }
}

impl BuildHasher for TermHasherBuilder {
    type Hasher = TermHasher;

    fn build_hasher(&self) -> TermHasher {
        TermHasher(self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn varints_round_trip_at_every_length() {
        let values = [
            0,
            1,
            127,
            128,
            300,
            16_383,
            16_384,
            u64::from(u32::MAX),
            u64::MAX,
        ];
        let mut bytes = Vec::new();
        for &value in &values {
            push_varint(&mut bytes, value);
        }
        let mut at = 0;
        for &value in &values {
            assert_eq!(read_varint(&bytes, &mut at), Some(value));
        }
        assert_eq!(read_varint(&bytes, &mut at), None);
        assert_eq!(at, bytes.len());
        assert_eq!(
            read_varint(&[0x80], &mut 0),
            None,
            "a cut varint is no value"
        );
    }

    #[test]
    fn postings_round_trip_with_frequencies_and_large_gaps() {
        let rows = [
            (0, 1),
            (1, 1),
            (2, 7),
            (3, 2),
            (4, 3),
            (5, 4),
            (6, 0),
            (200, 1),
            (70_000, 65_536),
            (70_001, 2),
            (u32::MAX - 1, 1),
        ];
        let mut writer = PostingsWriter::default();
        for &(row, tf) in &rows {
            writer.push(row, tf);
        }
        let postings = writer.finish(u32::MAX as usize);
        assert_decodes_to(&postings, &rows);
        assert_eq!(
            PostingsWriter::default().finish(10).len(),
            0,
            "an empty list decodes to nothing"
        );
    }

    /// Every way of reading `postings` gives back `rows` (row, term frequency).
    fn assert_decodes_to(postings: &Postings, rows: &[(u32, u32)]) {
        assert_eq!(postings.len(), rows.len());
        let mut below = Vec::new();
        let half = rows.get(rows.len() / 2).map_or(0, |&(row, _)| row as usize);
        postings.for_each_row_below(half, |row| below.push(row as u32));
        assert!(
            below
                .iter()
                .copied()
                .eq(rows.iter().map(|&(row, _)| row).take(rows.len() / 2))
        );
        let mut visited = Vec::new();
        postings.for_each_row(|row| visited.push(row as u32));
        assert!(visited.iter().copied().eq(rows.iter().map(|&(row, _)| row)));
        let mut pairs = Vec::new();
        postings.for_each_posting(|row, tf| pairs.push((row as u32, tf)));
        assert_eq!(pairs, rows);
    }

    #[test]
    fn dense_postings_round_trip_with_frequencies() {
        let rows: Vec<(u32, u32)> = (0..200)
            .filter(|row| row % 3 != 1)
            .map(|row| (row, [1, 2, 3, 4, 300, 1][row as usize % 6]))
            .collect();
        let mut writer = PostingsWriter::default();
        for &(row, tf) in &rows {
            writer.push(row, tf);
        }
        let postings = writer.finish(201);
        let list = postings.dense().expect("two rows in three is dense");
        let mut words = [0u64; 4];
        list.or_into(&mut words);
        assert_eq!(words.iter().map(|w| w.count_ones()).sum::<u32>(), 133);
        assert_decodes_to(&postings, &rows);
        assert!(
            postings.encoded_len() < rows.len(),
            "smaller than a byte a posting"
        );
    }

    #[test]
    fn consecutive_rows_of_a_common_word_cost_a_byte_each() {
        let mut writer = PostingsWriter::default();
        for row in 0..1000 {
            writer.push(row, 1);
        }
        assert_eq!(writer.finish(1_000_000).encoded_len(), 1000);
    }

    #[test]
    fn term_hashes_differ_for_nearby_words() {
        let builder = TermHasherBuilder::default();
        let words = ["a", "b", "ab", "ba", "abcdefgh", "abcdefghi", "abcdefgi"];
        let hashes: std::collections::HashSet<u64> =
            words.iter().map(|w| builder.hash_one(w)).collect();
        assert_eq!(hashes.len(), words.len());
    }
}
