//! Every row's sequence of word numbers (build ids, varints back to back), kept in segments a
//! spliced index shares with the index it came from (issue #15): a refresh that keeps every
//! older row takes their sequences as `Arc` clones of the old segments instead of copying
//! their bytes (~220 MB at 1M papers, held twice until the old catalog was freed).

use std::ops::Range;
use std::sync::Arc;

use crate::query::postings::push_varint;

/// A segment's rows: row `r` is `ends[r - 1]..ends[r]` of `bytes`. The ends are `u32` (half
/// the bytes of `u64`: ~12 MB at 1M papers), so a segment holds at most `u32::MAX` bytes; a
/// writer seals a full segment and goes on in a new one (`Sequences::segment_limit`).
#[derive(Debug, Clone, Default)]
struct Segment {
    bytes: Vec<u8>,
    ends: Vec<u32>,
}

impl Segment {
    fn rows(&self) -> usize {
        self.ends.len()
    }

    /// Where `row` ends (its bytes' length for a row past the last).
    fn row_end(&self, row: usize) -> usize {
        self.ends
            .get(row)
            .map_or(self.bytes.len(), |&end| end as usize)
    }

    /// Where `row`'s bytes start.
    fn row_start(&self, row: usize) -> usize {
        row.checked_sub(1)
            .map_or(0, |previous| self.row_end(previous))
    }

    fn row(&self, row: usize) -> &[u8] {
        if row >= self.rows() {
            return &[];
        }
        self.bytes
            .get(self.row_start(row)..self.row_end(row))
            .unwrap_or(&[])
    }

    /// Appends the longest prefix of rows `rows` of `other` that keeps this segment within
    /// `limit` bytes, in one copy of their bytes; returns how many rows that was.
    fn extend_rows_from(&mut self, other: &Segment, rows: Range<usize>, limit: usize) -> usize {
        let Some(ends) = other.ends.get(rows.clone()) else {
            return 0;
        };
        let start = other.row_start(rows.start);
        let room = limit.saturating_sub(self.bytes.len());
        let fitting = ends.partition_point(|&end| end as usize - start <= room);
        let Some(last) = fitting.checked_sub(1) else {
            return 0;
        };
        let end = other.row_end(rows.start + last);
        let base = self.bytes.len();
        self.bytes
            .extend_from_slice(other.bytes.get(start..end).unwrap_or(&[]));
        // Every new end is at most `base + room <= limit <= u32::MAX`.
        self.ends.extend(
            ends.iter()
                .take(fitting)
                .map(|&end| u32::try_from(base + (end as usize - start)).unwrap_or(u32::MAX)),
        );
        fitting
    }

    fn heap_bytes(&self) -> usize {
        self.bytes.len() + self.ends.len() * std::mem::size_of::<u32>()
    }
}

/// Rows `segment_rows` of a shared segment, starting at row `start` of the sequences.
#[derive(Debug, Clone)]
struct Run {
    segment: Arc<Segment>,
    segment_rows: Range<usize>,
    start: usize,
}

/// A spliced index keeps at most this many runs; past it the runs are copied into one
/// segment (each refresh that changes an older day adds two).
const MAX_RUNS: usize = 32;

/// Every row's sequence: shared runs of sealed segments, then the rows being written.
#[derive(Debug, Clone)]
pub(crate) struct Sequences {
    runs: Vec<Run>,
    /// Rows in `runs`.
    sealed_rows: usize,
    /// Rows written since the last seal, after every run.
    open: Segment,
    /// The most bytes one segment holds (`u32::MAX`: its ends are `u32`; tests set less).
    segment_limit: usize,
}

impl Default for Sequences {
    fn default() -> Sequences {
        Sequences {
            runs: Vec::new(),
            sealed_rows: 0,
            open: Segment::default(),
            segment_limit: u32::MAX as usize,
        }
    }
}

impl Sequences {
    /// Room for `bytes` encoded bytes in `rows` rows written.
    pub(crate) fn with_capacity(bytes: usize, rows: usize) -> Sequences {
        Sequences {
            open: Segment {
                bytes: Vec::with_capacity(bytes),
                ends: Vec::with_capacity(rows),
            },
            ..Sequences::default()
        }
    }

    /// No rows, segments of at most `limit` bytes.
    #[cfg(test)]
    fn with_segment_limit(limit: usize) -> Sequences {
        Sequences {
            segment_limit: limit,
            ..Sequences::default()
        }
    }

    /// Appends one id to the row being written.
    pub(crate) fn push(&mut self, id: u32) {
        push_varint(&mut self.open.bytes, u64::from(id));
    }

    /// Ends the row being written. A row that would take the segment past its limit starts
    /// a new segment. A row longer than the limit alone (4 GiB of one paper's word numbers,
    /// which no capped fetch can bring) is kept empty rather than cut inside a number.
    pub(crate) fn end_row(&mut self) {
        if self.open.bytes.len() > self.segment_limit {
            let start = self.open.row_start(self.open.rows());
            let row = self.open.bytes.split_off(start);
            self.seal();
            if row.len() <= self.segment_limit {
                self.open.bytes = row;
            } else {
                tracing::warn!(
                    bytes = row.len(),
                    "a row's word sequence is too long; kept empty"
                );
            }
        }
        let end = u32::try_from(self.open.bytes.len()).unwrap_or(u32::MAX);
        self.open.ends.push(end);
    }

    /// Appends one whole row, already encoded.
    pub(crate) fn push_row(&mut self, encoded: &[u8]) {
        self.open.bytes.extend_from_slice(encoded);
        self.end_row();
    }

    /// Appends rows `rows` of `other`, sharing its sealed segments (no bytes copied); rows
    /// `other` has not sealed are copied.
    pub(crate) fn extend_rows_from(&mut self, other: &Sequences, rows: Range<usize>) {
        let rows = rows.start..rows.end.min(other.rows());
        if rows.is_empty() {
            return;
        }
        for run in &other.runs {
            let run_rows = run.start..run.start + run.segment_rows.len();
            let from = rows.start.max(run_rows.start);
            let to = rows.end.min(run_rows.end);
            if from >= to {
                continue;
            }
            let first = run.segment_rows.start + (from - run.start);
            self.push_run(Arc::clone(&run.segment), first..first + (to - from));
        }
        let open_rows = rows.start.max(other.sealed_rows)..rows.end;
        if !open_rows.is_empty() {
            let shift = other.sealed_rows;
            self.copy_rows(&other.open, open_rows.start - shift..open_rows.end - shift);
        }
    }

    /// Copies rows `rows` of `segment` after the rows being written, sealing each segment
    /// that fills up on the way.
    fn copy_rows(&mut self, segment: &Segment, mut rows: Range<usize>) {
        let rows_end = rows.end.min(segment.rows());
        rows.end = rows_end;
        while !rows.is_empty() {
            let copied = self
                .open
                .extend_rows_from(segment, rows.clone(), self.segment_limit);
            rows.start += copied;
            if copied == 0 && self.open.rows() == 0 {
                // A row bigger than an empty segment: none is, since every row was written
                // under the same limit; stop rather than loop.
                break;
            }
            if !rows.is_empty() {
                self.seal();
            }
        }
    }

    /// Seals the rows written so far, then adds a run of a shared segment.
    fn push_run(&mut self, segment: Arc<Segment>, segment_rows: Range<usize>) {
        self.seal();
        // Consecutive rows of one segment stay one run.
        if let Some(last) = self.runs.last_mut()
            && Arc::ptr_eq(&last.segment, &segment)
            && last.segment_rows.end == segment_rows.start
        {
            last.segment_rows.end = segment_rows.end;
        } else {
            self.runs.push(Run {
                segment,
                segment_rows: segment_rows.clone(),
                start: self.sealed_rows,
            });
        }
        self.sealed_rows += segment_rows.len();
    }

    /// Moves the rows being written into a run of their own segment.
    fn seal(&mut self) {
        if self.open.rows() == 0 {
            return;
        }
        let mut open = std::mem::take(&mut self.open);
        open.bytes.shrink_to_fit();
        open.ends.shrink_to_fit();
        let rows = open.rows();
        self.runs.push(Run {
            segment: Arc::new(open),
            segment_rows: 0..rows,
            start: self.sealed_rows,
        });
        self.sealed_rows += rows;
    }

    /// Encoded bytes held by the rows being written.
    pub(crate) fn byte_len(&self) -> usize {
        self.open.bytes.len()
    }

    /// Ends the writing: seals the rows written (so a splice can share them), and when there
    /// are too many runs copies the runs before the largest into one segment and those after
    /// it into another: the largest (at 1M papers, every row the first load read) stays
    /// shared, so a refresh copies only what earlier refreshes added.
    pub(crate) fn shrink(&mut self) {
        self.seal();
        if self.runs.len() <= MAX_RUNS {
            return;
        }
        let largest = self
            .runs
            .iter()
            .enumerate()
            .max_by_key(|(_, run)| run.segment_rows.len())
            .map_or(0, |(at, _)| at);
        let runs = std::mem::take(&mut self.runs);
        self.sealed_rows = 0;
        for run in runs.get(..largest).unwrap_or(&[]) {
            self.copy_rows(&run.segment, run.segment_rows.clone());
        }
        if let Some(run) = runs.get(largest) {
            self.push_run(Arc::clone(&run.segment), run.segment_rows.clone());
        }
        for run in runs.get(largest + 1..).unwrap_or(&[]) {
            self.copy_rows(&run.segment, run.segment_rows.clone());
        }
        self.seal();
    }

    /// Rows held.
    pub(crate) fn rows(&self) -> usize {
        self.sealed_rows + self.open.rows()
    }

    /// The encoded ids of `row` (empty for an unknown row).
    pub(crate) fn row(&self, row: usize) -> &[u8] {
        if row >= self.sealed_rows {
            return self.open.row(row - self.sealed_rows);
        }
        let at = self.runs.partition_point(|run| run.start <= row);
        match at.checked_sub(1).and_then(|at| self.runs.get(at)) {
            Some(run) => run.segment.row(run.segment_rows.start + (row - run.start)),
            None => &[],
        }
    }

    /// Bytes held, for size accounting (a shared segment counted whole by each holder).
    pub(crate) fn encoded_len(&self) -> usize {
        let mut segments: Vec<&Arc<Segment>> = self.runs.iter().map(|run| &run.segment).collect();
        segments.dedup_by(|a, b| Arc::ptr_eq(a, b));
        segments.iter().map(|s| s.heap_bytes()).sum::<usize>() + self.open.heap_bytes()
    }
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;
    use crate::query::postings::{PART_BREAK, sequence_ids};

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
    fn full_segments_are_sealed_and_a_row_over_the_limit_alone_is_kept_empty() {
        // Ids under 128 are one byte each: rows of 3 bytes, segments of at most 7.
        let mut sequences = Sequences::with_segment_limit(7);
        for row in 0..5u32 {
            for id in 0..3 {
                sequences.push(row * 10 + id);
            }
            sequences.end_row();
        }
        for id in 0..8 {
            sequences.push(id);
        }
        sequences.end_row();
        sequences.push(9);
        sequences.end_row();
        sequences.shrink();
        assert!(sequences.runs.len() >= 3, "two rows a segment");
        assert!(
            sequences
                .runs
                .iter()
                .all(|run| run.segment.bytes.len() <= 7)
        );
        let ids = |row| sequence_ids(sequences.row(row)).collect::<Vec<_>>();
        for row in 0..5u32 {
            assert_eq!(ids(row as usize), [row * 10, row * 10 + 1, row * 10 + 2]);
        }
        assert!(ids(5).is_empty(), "8 bytes cannot fit a 7-byte segment");
        assert_eq!(ids(6), [9]);
        assert_eq!(sequences.rows(), 7);
    }

    fn written(rows: &[Vec<u32>], seal: bool, limit: usize) -> Sequences {
        let mut sequences = Sequences::with_segment_limit(limit);
        for row in rows {
            for &id in row {
                sequences.push(id);
            }
            sequences.end_row();
        }
        if seal {
            sequences.shrink();
        }
        sequences
    }

    proptest! {
        /// Splices of splices (shared runs, copied open rows, new rows between, compaction
        /// past `MAX_RUNS`) read back every row as written.
        #[test]
        fn spliced_sequences_read_back_every_row(
            rows in proptest::collection::vec(proptest::collection::vec(0u32..100_000, 0..5), 0..60),
            rounds in proptest::collection::vec(
                proptest::collection::vec((0usize..60, 0usize..60, 0usize..3), 1..12), 1..6),
            seal_first in any::<bool>(),
            // Rows are at most 12 bytes (four ids under 2^21); small limits split segments.
            limit in prop_oneof![Just(u32::MAX as usize), 12usize..40],
        ) {
            let mut current = written(&rows, seal_first, limit);
            let mut expected = rows.clone();
            for round in &rounds {
                let mut next = Sequences::with_segment_limit(limit);
                let mut next_expected: Vec<Vec<u32>> = Vec::new();
                let mut floor = 0;
                for &(a, b, added) in round {
                    let (from, to) = (a.min(b).max(floor), a.max(b).max(floor));
                    let to = to.min(expected.len());
                    let from = from.min(to);
                    next.extend_rows_from(&current, from..to);
                    next_expected.extend_from_slice(&expected[from..to]);
                    floor = to;
                    for n in 0..added {
                        let row = vec![n as u32 + 1, 7];
                        for &id in &row {
                            next.push(id);
                        }
                        next.end_row();
                        next_expected.push(row);
                    }
                }
                next.shrink();
                current = next;
                expected = next_expected;
                prop_assert_eq!(current.rows(), expected.len());
                for (row, ids) in expected.iter().enumerate() {
                    prop_assert_eq!(&sequence_ids(current.row(row)).collect::<Vec<_>>(), ids);
                }
                prop_assert!(current.row(expected.len()).is_empty());
                prop_assert!(current.runs.iter().all(|run| run.segment.bytes.len() <= limit));
            }
        }
    }
}
