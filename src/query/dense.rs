//! Dense posting lists (a term in at least one row in eight) as a bitset of rows plus 2-bit
//! frequency codes, kept in shared parts so a refresh's splice need not copy them (issue #15):
//! a splice puts the rows it adds in a part of their own in front of the old parts. A part
//! stands for a window of its bitset; moving every row by one amount changes only the
//! window's first row. The bit helpers the splice uses live here too.

use std::sync::Arc;

use super::postings::{push_varint, read_varint};

/// The largest term frequency a code holds (code 3: the frequency follows in `large`).
const TF_INLINE: u32 = 3;

/// One window of a dense list: bits `first_bit..end_bit` of `bits` stand for the rows from
/// `first_row` on (a wrapping `u32`: exact for every real row); the window's `n`th posting has
/// code `first_code + n` of `codes`, and the frequencies of code-3 postings follow in `large`
/// from byte `first_large`.
#[derive(Debug, Clone, Default)]
pub(crate) struct DensePart {
    bits: Option<Arc<[u64]>>,
    first_bit: u32,
    end_bit: u32,
    first_row: u32,
    codes: Option<Arc<[u8]>>,
    first_code: u32,
    large: Option<Arc<[u8]>>,
    first_large: u32,
}

/// A dense list: its parts in row order, the newest rows' first (each splice that adds
/// rows adds a part in front; `splice.rs` merges them past a few).
#[derive(Debug, Clone, Default)]
pub(crate) struct DenseList {
    pub(crate) parts: Vec<DensePart>,
}

impl DensePart {
    /// A part over rows `first_row..end_row` holding `postings` (rows ascending, in range).
    pub(crate) fn from_postings(
        first_row: u32,
        end_row: u32,
        postings: impl IntoIterator<Item = (u32, u32)>,
    ) -> DensePart {
        let span = end_row.saturating_sub(first_row) as usize;
        let mut bits = vec![0u64; span.div_ceil(64)];
        let mut codes = Vec::new();
        let mut large = Vec::new();
        for (n, (row, tf)) in postings.into_iter().enumerate() {
            let bit = row.wrapping_sub(first_row) as usize;
            if let Some(word) = bits.get_mut(bit / 64) {
                *word |= 1 << (bit % 64);
            }
            let code = if (1..=TF_INLINE).contains(&tf) {
                tf - 1
            } else {
                push_varint(&mut large, u64::from(tf));
                TF_INLINE
            };
            if n % 4 == 0 {
                codes.push(0);
            }
            if let Some(byte) = codes.last_mut() {
                *byte |= (code as u8) << (2 * (n % 4));
            }
        }
        let shared = |v: Vec<u8>| (!v.is_empty()).then(|| Arc::from(v));
        DensePart {
            bits: (!bits.is_empty()).then(|| Arc::from(bits)),
            first_bit: 0,
            end_bit: u32::try_from(span).unwrap_or(u32::MAX),
            first_row,
            codes: shared(codes),
            first_code: 0,
            large: shared(large),
            first_large: 0,
        }
    }

    fn words(&self) -> &[u64] {
        self.bits.as_deref().unwrap_or(&[])
    }

    fn code(&self, n: usize) -> u32 {
        let n = self.first_code as usize + n;
        self.codes
            .as_deref()
            .and_then(|codes| codes.get(n / 4))
            .map_or(0, |byte| u32::from(byte >> (2 * (n % 4)) & 3))
    }

    /// Rows the window spans (held or not).
    pub(crate) fn span(&self) -> usize {
        self.end_bit.saturating_sub(self.first_bit) as usize
    }

    /// The row the window starts at.
    pub(crate) fn first_row(&self) -> u32 {
        self.first_row
    }

    /// Calls `visit` with every set bit of the window as a row, until it returns false;
    /// returns false when it was stopped.
    fn for_each_bit(&self, mut visit: impl FnMut(u32, usize) -> bool) -> bool {
        let words = self.words();
        let (first, end) = (self.first_bit as usize, self.end_bit as usize);
        let mut n = 0;
        for w in first / 64..end.div_ceil(64) {
            let mut word = words.get(w).copied().unwrap_or(0);
            if first > w * 64 {
                word &= !0u64 << (first - w * 64);
            }
            if end < w * 64 + 64 {
                word &= (1u64 << (end - w * 64)) - 1;
            }
            while word != 0 {
                let bit = w * 64 + word.trailing_zeros() as usize;
                word &= word - 1;
                let row = self
                    .first_row
                    .wrapping_add(u32::try_from(bit - first).unwrap_or(u32::MAX));
                if !visit(row, n) {
                    return false;
                }
                n += 1;
            }
        }
        true
    }

    /// Calls `visit` with every `(row, tf)`, rows ascending, until it returns false.
    pub(crate) fn for_each_posting(&self, mut visit: impl FnMut(usize, u32) -> bool) -> bool {
        let large = self.large.as_deref().unwrap_or(&[]);
        let mut large_at = self.first_large as usize;
        self.for_each_bit(|row, n| {
            let code = self.code(n);
            let tf = if code < TF_INLINE {
                code + 1
            } else {
                read_varint(large, &mut large_at)
                    .and_then(|tf| u32::try_from(tf).ok())
                    .unwrap_or(u32::MAX)
            };
            visit(row as usize, tf)
        })
    }

    /// The same window without its rows before `row` (old numbering), every row moved by
    /// `shift` (wrapping); and how many postings were left out.
    pub(crate) fn kept_from(&self, row: u32, shift: u32) -> (DensePart, usize) {
        let mut part = self.clone();
        // A window's first row is a real row (never wrapped): only a left-out window's can be.
        let skip_rows = row
            .saturating_sub(self.first_row)
            .min(u32::try_from(self.span()).unwrap_or(u32::MAX));
        let cut = self.first_bit + skip_rows;
        let dropped = count_bits(self.words(), self.first_bit as usize, cut as usize);
        // The left-out postings' large frequencies are skipped.
        let large = self.large.as_deref().unwrap_or(&[]);
        let mut large_at = self.first_large as usize;
        for n in 0..dropped {
            if self.code(n) == TF_INLINE {
                let _ = read_varint(large, &mut large_at);
            }
        }
        part.first_bit = cut;
        part.first_row = self.first_row.wrapping_add(skip_rows).wrapping_add(shift);
        part.first_code += u32::try_from(dropped).unwrap_or(u32::MAX);
        part.first_large = u32::try_from(large_at).unwrap_or(u32::MAX);
        (part, dropped)
    }

    fn heap_bytes(&self) -> usize {
        self.words().len() * 8
            + self.codes.as_deref().map_or(0, <[u8]>::len)
            + self.large.as_deref().map_or(0, <[u8]>::len)
    }
}

impl DenseList {
    /// Calls `visit` with every row, ascending.
    pub(crate) fn for_each_row(&self, mut visit: impl FnMut(usize)) {
        for part in &self.parts {
            part.for_each_bit(|row, _| {
                visit(row as usize);
                true
            });
        }
    }

    /// Calls `visit` with every row below `end`, ascending.
    pub(crate) fn for_each_row_below(&self, end: usize, mut visit: impl FnMut(usize)) {
        for part in &self.parts {
            let going = part.for_each_bit(|row, _| {
                let row = row as usize;
                if row >= end {
                    return false;
                }
                visit(row);
                true
            });
            if !going {
                return;
            }
        }
    }

    /// Calls `visit` with every `(row, tf)`, rows ascending.
    pub(crate) fn for_each_posting(&self, mut visit: impl FnMut(usize, u32)) {
        for part in &self.parts {
            part.for_each_posting(|row, tf| {
                visit(row, tf);
                true
            });
        }
    }

    /// ORs the list's rows into a row set's words, a word at a time.
    pub(crate) fn or_into(&self, words: &mut [u64]) {
        for part in &self.parts {
            move_bits(
                part.words(),
                part.first_bit as usize..part.end_bit as usize,
                words,
                part.first_row as usize,
            );
        }
    }

    pub(crate) fn heap_bytes(&self) -> usize {
        self.parts.iter().map(DensePart::heap_bytes).sum()
    }
}

/// How many bits of `bits` are set in `from..to`.
pub(crate) fn count_bits(bits: &[u64], from: usize, to: usize) -> usize {
    let below = |end: usize| -> usize {
        let whole = (end / 64).min(bits.len());
        let mut total: usize = bits[..whole].iter().map(|w| w.count_ones() as usize).sum();
        if let Some(&word) = bits.get(end / 64)
            && !end.is_multiple_of(64)
        {
            total += (word & ((1u64 << (end % 64)) - 1)).count_ones() as usize;
        }
        total
    };
    if to <= from {
        return 0;
    }
    below(to) - below(from)
}

/// ORs bits `from` of `source` into `target` starting at bit `to`, a word at a time.
pub(crate) fn move_bits(
    source: &[u64],
    from: std::ops::Range<usize>,
    target: &mut [u64],
    to: usize,
) {
    if from.is_empty() {
        return;
    }
    let end = to + from.len();
    // The 64 source bits that land on target word `w` start at this source bit.
    let source_word = |bit: isize| -> u64 {
        if bit <= -64 {
            return 0;
        }
        if bit < 0 {
            return source.first().copied().unwrap_or(0) << (-bit) as u32;
        }
        let bit = bit as usize;
        let (at, offset) = (bit / 64, bit % 64);
        let low = source.get(at).copied().unwrap_or(0) >> offset;
        let high = match offset {
            0 => 0,
            _ => source.get(at + 1).copied().unwrap_or(0) << (64 - offset),
        };
        low | high
    };
    for w in to / 64..end.div_ceil(64) {
        let start = w * 64;
        let mut word = source_word(start as isize + from.start as isize - to as isize);
        // Only target bits `to..end` come from the run.
        if to > start {
            word &= !0u64 << (to - start);
        }
        if end < start + 64 {
            word &= (1u64 << (end - start)) - 1;
        }
        if let Some(slot) = target.get_mut(w) {
            *slot |= word;
        }
    }
}
