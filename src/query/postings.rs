//! The text index's compact integer encodings: LEB128 varints, posting lists (rows as gaps
//! with the term frequency folded in) and per-row term-id sequences, plus the term hasher the
//! index builder uses.
//!
//! Why these encodings (1M synthetic papers, ~230 tokens an abstract): a row's abstract as
//! lowercased token text is ~1,500 bytes, as a varint sequence of term ids ~230; a posting as a
//! `u32` row plus a `u16` frequency is 6 bytes, as a gap varint 1–2.

use std::hash::{BuildHasher, Hasher};

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

/// One term's rows, ascending, each with how often the row holds the term. Encoded as one
/// varint per row, `gap << 2 | code`, where `gap` counts the rows skipped since the previous
/// one and `code` is `tf - 1` for a `tf` of 1 to 3, or 3 followed by a varint `tf`: a word in
/// at most every 32nd row, up to three times each, costs one byte a row. (Folding one bit,
/// `tf > 1`, made the abstracts' postings at 1M papers ~25% larger: their common words
/// appear two or three times an abstract.)
#[derive(Debug, Clone, Default)]
pub(crate) struct Postings {
    bytes: Box<[u8]>,
    count: u32,
}

impl Postings {
    /// How many rows hold the term (its document frequency).
    pub(crate) fn len(&self) -> usize {
        self.count as usize
    }

    pub(crate) fn iter(&self) -> PostingIter<'_> {
        PostingIter {
            bytes: &self.bytes,
            at: 0,
            next_row: 0,
        }
    }

    /// Bytes held, for size accounting.
    pub(crate) fn encoded_len(&self) -> usize {
        self.bytes.len()
    }
}

/// The largest term frequency a posting's head holds; larger ones follow it.
const TF_INLINE: u32 = 3;

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

    /// The finished list, holding no spare capacity.
    pub(crate) fn finish(self) -> Postings {
        Postings {
            bytes: self.bytes.into_boxed_slice(),
            count: self.count,
        }
    }
}

/// Decodes a posting list: `(row, tf)` pairs, rows ascending.
#[derive(Debug, Clone)]
pub(crate) struct PostingIter<'a> {
    bytes: &'a [u8],
    at: usize,
    next_row: u32,
}

impl PostingIter<'_> {
    /// The postings of a term no row holds.
    pub(crate) fn empty() -> PostingIter<'static> {
        PostingIter {
            bytes: &[],
            at: 0,
            next_row: 0,
        }
    }
}

impl Iterator for PostingIter<'_> {
    type Item = (u32, u32);

    #[inline]
    fn next(&mut self) -> Option<(u32, u32)> {
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

/// Every row's sequence of term ids (as numbered while building), varints back to back in one
/// buffer; row `r` is `ends[r - 1]..ends[r]`.
#[derive(Debug, Clone, Default)]
pub(crate) struct Sequences {
    bytes: Vec<u8>,
    ends: Vec<u64>,
}

impl Sequences {
    /// Appends one id to the row being written.
    pub(crate) fn push(&mut self, id: u32) {
        push_varint(&mut self.bytes, u64::from(id));
    }

    /// Ends the row being written.
    pub(crate) fn end_row(&mut self) {
        self.ends.push(self.bytes.len() as u64);
    }

    /// Drops spare capacity once every row is written.
    pub(crate) fn shrink(&mut self) {
        self.bytes.shrink_to_fit();
        self.ends.shrink_to_fit();
    }

    /// The encoded ids of `row` (empty for an unknown row).
    pub(crate) fn row(&self, row: usize) -> &[u8] {
        let start = match row.checked_sub(1) {
            None => 0,
            Some(previous) => match self.ends.get(previous) {
                Some(&end) => end as usize,
                None => return &[],
            },
        };
        match self.ends.get(row) {
            Some(&end) => self.bytes.get(start..end as usize).unwrap_or(&[]),
            None => &[],
        }
    }

    /// Bytes held, for size accounting.
    pub(crate) fn encoded_len(&self) -> usize {
        self.bytes.len() + self.ends.len() * std::mem::size_of::<u64>()
    }
}

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
        let postings = writer.finish();
        assert_eq!(postings.len(), rows.len());
        assert_eq!(postings.iter().collect::<Vec<_>>(), rows);
        assert_eq!(
            PostingsWriter::default().finish().iter().count(),
            0,
            "an empty list decodes to nothing"
        );
    }

    #[test]
    fn consecutive_rows_of_a_common_word_cost_a_byte_each() {
        let mut writer = PostingsWriter::default();
        for row in 0..1000 {
            writer.push(row, 1);
        }
        assert_eq!(writer.finish().encoded_len(), 1000);
    }

    #[test]
    fn sequences_keep_rows_apart_including_empty_ones() {
        let mut sequences = Sequences::default();
        for id in [1, 200, PART_BREAK, 3] {
            sequences.push(id);
        }
        sequences.end_row();
        sequences.end_row();
        sequences.push(70_000);
        sequences.end_row();
        sequences.shrink();
        let ids = |row| sequence_ids(sequences.row(row)).collect::<Vec<_>>();
        assert_eq!(ids(0), [1, 200, PART_BREAK, 3]);
        assert!(ids(1).is_empty());
        assert_eq!(ids(2), [70_000]);
        assert!(ids(3).is_empty(), "a row past the end has no ids");
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
