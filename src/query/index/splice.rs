//! Splicing the text index: a new index from an old one with some runs of rows kept (in
//! order) and new rows added between them, without tokenizing the kept rows again. The
//! reader's incremental refresh (issue #15) replaces the days a sync touched this way.
//!
//! Kept rows keep their word numbers (build ids), so their sequences are shared; new words
//! get the next build ids. The sorted term list is merged with the new words. When the new
//! rows all come before one kept run that reaches the old index's end (a sync's usual shape),
//! each list shares the old one's streams or parts with their rows moved (`shifted`); in any
//! other shape each term's postings are re-encoded with the kept rows' new numbers and the
//! new rows' postings merged in (`renumbered`). The result answers every query as an index built from scratch over the
//! same rows does (`tests` below and the catalog's property test check it). Words no row holds
//! any more are dropped from the term list (their build ids map to no term).

use std::collections::HashMap;
use std::ops::Range;

use super::sequences::Sequences;
use super::{FieldIndex, IndexDoc, TextIndex};
use crate::query::dense::{DenseList, DensePart};
use crate::query::postings::{
    DENSE_FRACTION, PART_BREAK, Postings, PostingsWriter, SparseStream, TermHasherBuilder,
    push_varint, read_varint,
};
use crate::query::rowset::RowSet;
use crate::query::tokenize::for_each_token;

/// One run of the spliced index's rows, in order.
#[derive(Debug, Clone)]
pub enum SplicePiece<'a> {
    /// These rows of the old index, in order.
    Kept(Range<usize>),
    /// New rows.
    Added(Vec<IndexDoc<'a>>),
}

impl TextIndex {
    /// The index over `pieces` (runs of this index's rows and new rows), in their order.
    pub fn spliced(&self, pieces: &[SplicePiece<'_>]) -> TextIndex {
        let field_pieces = |field: usize| -> Vec<FieldPiece<'_>> {
            pieces
                .iter()
                .map(|piece| match piece {
                    SplicePiece::Kept(rows) => FieldPiece::Kept(rows.clone()),
                    SplicePiece::Added(docs) => FieldPiece::Added(
                        docs.iter()
                            .map(|doc| match field {
                                0 => vec![doc.title],
                                1 => vec![doc.abstract_text.unwrap_or("")],
                                _ => doc.authors.collect(),
                            })
                            .collect(),
                    ),
                })
                .collect()
        };
        let rows = pieces
            .iter()
            .map(|piece| match piece {
                SplicePiece::Kept(rows) => rows.len(),
                SplicePiece::Added(docs) => docs.len(),
            })
            .sum();
        let added_abstracts = pieces.iter().any(|piece| match piece {
            SplicePiece::Added(docs) => docs.iter().any(|doc| doc.abstract_text.is_some()),
            SplicePiece::Kept(_) => false,
        });
        let [title, abstracts, authors] = &self.fields;
        TextIndex {
            fields: [
                title.spliced(&field_pieces(0)),
                abstracts.spliced(&field_pieces(1)),
                authors.spliced(&field_pieces(2)),
            ],
            rows,
            has_abstracts: self.has_abstracts || added_abstracts,
            norms: std::sync::OnceLock::new(),
        }
    }
}

/// A run of rows as one field sees it: kept rows, or new rows as their parts.
enum FieldPiece<'a> {
    Kept(Range<usize>),
    Added(Vec<Vec<&'a str>>),
}

/// Kept old rows `old` renumbered from `new_start`.
#[derive(Debug, Clone, Copy)]
struct KeptRun {
    old_start: usize,
    old_end: usize,
    new_start: usize,
}

/// What the new rows add to the field.
#[derive(Default)]
struct Additions {
    /// Build ids of words the old index does not know.
    fresh: HashMap<Box<str>, u32, TermHasherBuilder>,
    /// Build ids of the old index's words the new rows hold, found once each: a binary
    /// search of a large term list for every token chases a pointer a step.
    known: HashMap<Box<str>, u32, TermHasherBuilder>,
    next_build: u32,
    /// `(build id, row, tf)` of every new row.
    postings: Vec<(u32, u32, u32)>,
}

impl FieldIndex {
    fn spliced(&self, pieces: &[FieldPiece<'_>]) -> FieldIndex {
        let mut kept = Vec::new();
        let mut additions = Additions {
            next_build: u32::try_from(self.term_of_build.len().max(1)).unwrap_or(u32::MAX),
            ..Additions::default()
        };
        let mut sequences = Sequences::with_capacity(self.sequences.byte_len(), 0);
        let mut lengths: Vec<u16> = Vec::new();
        let mut row = 0usize;
        let mut token = String::new();
        let mut encoded = Vec::new();
        let mut counts: HashMap<u32, u32> = HashMap::new();
        for piece in pieces {
            match piece {
                FieldPiece::Kept(rows) => {
                    let rows = rows.start.min(self.rows())..rows.end.min(self.rows());
                    if rows.is_empty() {
                        continue;
                    }
                    kept.push(KeptRun {
                        old_start: rows.start,
                        old_end: rows.end,
                        new_start: row,
                    });
                    sequences.extend_rows_from(&self.sequences, rows.clone());
                    lengths.extend_from_slice(self.lengths.get(rows.clone()).unwrap_or(&[]));
                    row += rows.len();
                }
                FieldPiece::Added(docs) => {
                    for parts in docs {
                        encoded.clear();
                        let length = self.tokenize_new_row(
                            parts,
                            &mut additions,
                            &mut token,
                            &mut encoded,
                            &mut counts,
                        );
                        let at = u32::try_from(row).unwrap_or(u32::MAX);
                        additions
                            .postings
                            .extend(counts.drain().map(|(id, tf)| (id, at, tf)));
                        sequences.push_row(&encoded);
                        lengths.push(length);
                        row += 1;
                    }
                }
            }
        }
        sequences.shrink();
        lengths.shrink_to_fit();
        self.merged(kept, additions, sequences, lengths)
    }

    /// Encodes a new row's build ids into `encoded` (as `FieldBuilder::add` does) and counts
    /// them into `counts`; returns its length in tokens.
    fn tokenize_new_row(
        &self,
        parts: &[&str],
        additions: &mut Additions,
        token: &mut String,
        encoded: &mut Vec<u8>,
        counts: &mut HashMap<u32, u32>,
    ) -> u16 {
        let mut length: u32 = 0;
        for (i, part) in parts.iter().enumerate() {
            let mut part_break = i > 0 && length > 0;
            for_each_token(part, token, |token| {
                let id = match additions.known.get(token).or(additions.fresh.get(token)) {
                    Some(&id) => id,
                    None => match self.term_id(token) {
                        Some(term) => {
                            let id = self.build_of_term.get(term).copied().unwrap_or(u32::MAX);
                            additions.known.insert(token.into(), id);
                            id
                        }
                        None => {
                            let id = additions.next_build;
                            additions.next_build = id.saturating_add(1);
                            additions.fresh.insert(token.into(), id);
                            id
                        }
                    },
                };
                if part_break {
                    push_varint(encoded, u64::from(PART_BREAK));
                    part_break = false;
                }
                push_varint(encoded, u64::from(id));
                length = length.saturating_add(1);
                *counts.entry(id).or_default() += 1;
            });
        }
        u16::try_from(length).unwrap_or(u16::MAX)
    }

    /// The field over the spliced rows: terms merged with the new words, postings renumbered.
    fn merged(
        &self,
        kept: Vec<KeptRun>,
        additions: Additions,
        sequences: Sequences,
        lengths: Vec<u16>,
    ) -> FieldIndex {
        let rows = lengths.len();
        let Additions {
            fresh,
            next_build,
            mut postings,
            ..
        } = additions;
        let mut fresh: Vec<(Box<str>, u32)> = fresh.into_iter().collect();
        fresh.sort_unstable();
        postings.sort_unstable();
        // The merged term list: old term ids and new words, in term order.
        let mut terms: Vec<Box<str>> = Vec::with_capacity(self.terms.len() + fresh.len());
        let mut build_of_term: Vec<u32> = Vec::with_capacity(terms.capacity());
        let mut term_of_build = vec![u32::MAX; next_build as usize];
        let mut merged_postings: Vec<Postings> = Vec::with_capacity(terms.capacity());
        // New rows only in front of one kept run that reaches the old index's end (a sync's
        // new or re-read newest days): each kept list keeps its bytes after its first kept
        // posting, and the per-letter sets shift instead of being rebuilt.
        let tail = match kept.as_slice() {
            [run]
                if run.old_end == self.rows()
                    && postings
                        .iter()
                        .all(|&(_, at, _)| (at as usize) < run.new_start) =>
            {
                Some(*run)
            }
            _ => None,
        };
        let mut fresh_words = fresh.into_iter().peekable();
        let mut old = 0usize;
        loop {
            let take_fresh = match (self.terms.get(old), fresh_words.peek()) {
                (None, None) => break,
                (Some(_), None) => false,
                (None, Some(_)) => true,
                (Some(term), Some((word, _))) => word < term,
            };
            let (term, build, old_postings) = if take_fresh {
                let Some((word, build)) = fresh_words.next() else {
                    break;
                };
                (word, build, None)
            } else {
                let build = self.build_of_term.get(old).copied().unwrap_or(u32::MAX);
                let entry = (self.terms[old].clone(), build, self.postings.get(old));
                old += 1;
                entry
            };
            let new_rows = added_postings(&postings, build);
            let fast = tail.and_then(|run| shifted(old_postings, run, new_rows, rows));
            let merged = fast.unwrap_or_else(|| renumbered(old_postings, &kept, new_rows, rows));
            // A word no row holds any more goes, as a build from scratch would not have it: a
            // prefix scores its first terms in term order, and dead ones would take their place.
            // No row's sequence holds its build id, which maps to no term from now on.
            if merged.len() == 0 {
                continue;
            }
            if let Some(slot) = term_of_build.get_mut(build as usize) {
                *slot = u32::try_from(terms.len()).unwrap_or(u32::MAX);
            }
            merged_postings.push(merged);
            terms.push(term);
            build_of_term.push(build);
        }
        let total_length: u64 = lengths.iter().map(|&l| u64::from(l)).sum();
        let field = FieldIndex {
            terms,
            postings: merged_postings,
            term_of_build,
            build_of_term,
            average_length: (total_length as f32 / rows.max(1) as f32).max(1.0),
            lengths,
            sequences,
            initials: Vec::new(),
        };
        match tail {
            Some(run) => field.with_initials_shifted(&self.initials, run),
            None => field.with_initials(),
        }
    }

    /// `with_initials` for a splice that kept one run at the end (`run`): a letter's old set
    /// is moved by the run's shift and the new rows (all before it) are added, instead of
    /// every posting of the letter's terms being decoded again. Letters without an old set
    /// are built as `with_initials` builds them.
    fn with_initials_shifted(mut self, old: &[(char, RowSet)], run: KeptRun) -> FieldIndex {
        let rows = self.rows();
        for (initial, terms) in self.initial_groups() {
            let mut set = RowSet::empty(rows);
            match old.binary_search_by_key(&initial, |(c, _)| *c) {
                Ok(at) => {
                    let (_, old_set) = &old[at];
                    crate::query::dense::move_bits(
                        old_set.words(),
                        run.old_start..run.old_end,
                        set.words_mut(),
                        run.new_start,
                    );
                    for term in terms {
                        if let Some(list) = self.postings.get(term) {
                            list.for_each_row_below(run.new_start, |row| set.insert(row));
                        }
                    }
                }
                Err(_) => {
                    for term in terms {
                        self.add_rows(term, &mut set);
                    }
                }
            }
            self.initials.push((initial, set));
        }
        self.initials.shrink_to_fit();
        self
    }
}

/// A dense list may hold this many parts; past it the parts before the oldest are merged
/// (rows added by the last few splices), and once those outgrow an eighth of the oldest
/// part, everything is, so a refresh costs the rows it adds and the merges stay amortized.
const MAX_DENSE_PARTS: usize = 8;

/// `shifted` for a dense list: the new rows' postings become a part of their own in front,
/// every old part is shared with its window moved by the run's shift (the rows before the
/// run left out). `None` when the list turns sparse.
fn shifted_dense(
    list: &DenseList,
    count: u32,
    run: KeptRun,
    added: &[(u32, u32, u32)],
    rows: usize,
) -> Option<Postings> {
    let shift = u32::try_from(run.new_start)
        .ok()?
        .wrapping_sub(u32::try_from(run.old_start).ok()?);
    let old_start = u32::try_from(run.old_start).ok()?;
    let mut parts = Vec::with_capacity(list.parts.len() + 1);
    if !added.is_empty() {
        parts.push(DensePart::from_postings(
            0,
            u32::try_from(run.new_start).ok()?,
            added.iter().map(|&(_, row, tf)| (row, tf)),
        ));
    }
    let mut dropped = 0;
    for part in &list.parts {
        let (part, left_out) = part.kept_from(old_start, shift);
        dropped += left_out;
        if part.span() > 0 {
            parts.push(part);
        }
    }
    let total = (count as usize).checked_sub(dropped)? + added.len();
    if total.saturating_mul(DENSE_FRACTION) < rows {
        return None;
    }
    if parts.len() > MAX_DENSE_PARTS
        && let Some(oldest) = parts.pop()
    {
        let newer = merged_parts(&parts, 0, oldest.first_row());
        parts = if newer.span() > oldest.span() / 8 {
            vec![merged_parts(&[newer, oldest], 0, u32::try_from(rows).ok()?)]
        } else {
            vec![newer, oldest]
        };
    }
    Some(Postings::Dense {
        list: Box::new(DenseList { parts }),
        count: u32::try_from(total).ok()?,
    })
}

/// One part over rows `first_row..end_row` holding the postings of `parts`.
fn merged_parts(parts: &[DensePart], first_row: u32, end_row: u32) -> DensePart {
    let mut postings = Vec::new();
    for part in parts {
        part.for_each_posting(|row, tf| {
            postings.push((row as u32, tf));
            true
        });
    }
    DensePart::from_postings(first_row, end_row, postings)
}

/// The escape code of a sparse posting's head: its frequency follows as a varint (see
/// [`Postings`]).
const TF_FOLLOWS: u64 = 3;

/// A sparse term's postings when the splice kept one run reaching the old index's end
/// (`run`) and every new row lies before it. A stream's gaps do not change when every row
/// moves by one amount, so the old list's streams are shared and only their bases move: a
/// list without new or dropped rows costs no bytes at all. Otherwise a new head holds the new
/// rows' postings and the old head's kept ones (what earlier splices added), and the old tail
/// is shared from its first kept posting on; once the head outgrows an eighth of the tail, both are
/// written into one stream. `None` when the list is (or becomes) dense: `renumbered` handles
/// those few.
fn shifted(
    old: Option<&Postings>,
    run: KeptRun,
    added: &[(u32, u32, u32)],
    rows: usize,
) -> Option<Postings> {
    let (head, tail, count) = match old {
        None => {
            let mut writer = PostingsWriter::default();
            for &(_, row, tf) in added {
                writer.push(row, tf);
            }
            return Some(writer.finish(rows));
        }
        Some(Postings::Sparse { head, tail, count }) => (head, tail, *count),
        Some(Postings::Dense { list, count }) => {
            return shifted_dense(list, *count, run, added, rows);
        }
    };
    let shift = u32::try_from(run.new_start)
        .ok()?
        .wrapping_sub(u32::try_from(run.old_start).ok()?);
    let old_start = u32::try_from(run.old_start).ok()?;
    let first_row = first_posting_row(head).or_else(|| first_posting_row(tail));
    if added.is_empty() && first_row.is_none_or(|row| row >= old_start) {
        return Some(Postings::Sparse {
            head: head.sliced(0, head.base(), shift),
            tail: tail.sliced(0, tail.base(), shift),
            count,
        });
    }
    let mut writer = PostingsWriter::default();
    for &(_, row, tf) in added {
        writer.push(row, tf);
    }
    let mut dropped = 0u32;
    let bytes = head.bytes();
    let (mut at, mut next_row) = (0, head.base());
    while at < bytes.len() {
        let (row, tf) = read_posting(bytes, &mut at, &mut next_row)?;
        if row < old_start {
            dropped += 1;
        } else {
            writer.push(row.wrapping_add(shift), tf);
        }
    }
    // The tail's postings of rows before the run (re-read or gone) are skipped.
    let bytes = tail.bytes();
    let (mut at, mut next_row) = (0, tail.base());
    let mut skip = 0;
    while at < bytes.len() {
        let row_base = next_row;
        let (row, _) = read_posting(bytes, &mut at, &mut next_row)?;
        if row >= old_start {
            next_row = row_base;
            break;
        }
        skip = at;
        dropped += 1;
    }
    let total = count.checked_sub(dropped)? as usize + added.len();
    if total.saturating_mul(DENSE_FRACTION) >= rows {
        return None;
    }
    let rest = bytes.get(skip..)?;
    if writer.byte_len() > rest.len() / 8 + 16 {
        // One stream again: the tail's postings after the head's.
        let (mut at, mut next_row) = (0, next_row);
        while at < rest.len() {
            let (row, tf) = read_posting(rest, &mut at, &mut next_row)?;
            writer.push(row.wrapping_add(shift), tf);
        }
        return Some(writer.finish_sparse());
    }
    let (head, _) = writer.into_stream();
    Some(Postings::Sparse {
        head,
        tail: tail.sliced(skip, next_row, shift),
        count: u32::try_from(total).ok()?,
    })
}

/// The row of a stream's first posting.
fn first_posting_row(stream: &SparseStream) -> Option<u32> {
    let (mut at, mut next_row) = (0, stream.base());
    read_posting(stream.bytes(), &mut at, &mut next_row).map(|(row, _)| row)
}

/// Reads the sparse posting at `*at` (see [`Postings`]): its row (counted on from `*next_row`,
/// which moves past it) and frequency.
fn read_posting(bytes: &[u8], at: &mut usize, next_row: &mut u32) -> Option<(u32, u32)> {
    let head = read_varint(bytes, at)?;
    let tf = match head & 3 {
        TF_FOLLOWS => u32::try_from(read_varint(bytes, at)?).ok()?,
        code => code as u32 + 1,
    };
    let row = next_row.wrapping_add(u32::try_from(head >> 2).ok()?);
    *next_row = row.wrapping_add(1);
    Some((row, tf))
}

/// The new rows' `(row, tf)` of one build id, from `postings` sorted by build id then row.
fn added_postings(postings: &[(u32, u32, u32)], build: u32) -> &[(u32, u32, u32)] {
    let start = postings.partition_point(|&(id, _, _)| id < build);
    let end = start + postings[start..].partition_point(|&(id, _, _)| id == build);
    &postings[start..end]
}

/// A term's postings over the spliced rows: its kept rows renumbered, its new rows merged in.
fn renumbered(
    old: Option<&Postings>,
    kept: &[KeptRun],
    added: &[(u32, u32, u32)],
    rows: usize,
) -> Postings {
    let mut writer = PostingsWriter::default();
    let mut added = added.iter().peekable();
    if let Some(old) = old {
        let mut run = 0;
        old.for_each_posting(|row, tf| {
            while kept.get(run).is_some_and(|k| k.old_end <= row) {
                run += 1;
            }
            let Some(k) = kept.get(run).filter(|k| k.old_start <= row) else {
                return;
            };
            let new_row = (k.new_start + (row - k.old_start)) as u32;
            while let Some(&&(_, at, tf)) = added.peek().filter(|(_, at, _)| *at < new_row) {
                writer.push(at, tf);
                added.next();
            }
            writer.push(new_row, tf);
        });
    }
    for &(_, at, tf) in added {
        writer.push(at, tf);
    }
    writer.finish(rows)
}

#[cfg(test)]
mod tests {
    use compact_str::CompactString;
    use proptest::prelude::*;

    use super::*;
    use crate::query::index::IndexField;
    use crate::query::rowset::RowSet;
    use crate::query::tokenize::tokens;

    type Doc = (String, Vec<CompactString>, String);

    fn build(docs: &[Doc]) -> TextIndex {
        TextIndex::build(docs.iter().map(doc))
    }

    fn doc(d: &Doc) -> IndexDoc<'_> {
        IndexDoc {
            title: &d.0,
            authors: (&d.1).into(),
            abstract_text: Some(&d.2),
        }
    }

    fn word() -> impl Strategy<Value = String> {
        proptest::sample::select(&["a", "ab", "abc", "b", "ba", "c", "ca", "zoë", "x1", "αβ"])
            .prop_map(str::to_string)
    }

    fn text() -> impl Strategy<Value = String> {
        proptest::collection::vec(word(), 0..8).prop_map(|w| w.join(" "))
    }

    fn any_doc() -> impl Strategy<Value = Doc> {
        (
            text(),
            proptest::collection::vec(text().prop_map(CompactString::from), 0..3),
            text(),
        )
    }

    /// Old docs, cut pairs (the runs of old rows kept), and the new docs before each kept run.
    type Case = (Vec<Doc>, Vec<(usize, usize)>, Vec<Vec<Doc>>);

    fn splice_case() -> impl Strategy<Value = Case> {
        proptest::collection::vec(prop_oneof![any_doc(), sparse_doc()], 0..80).prop_flat_map(
            |old| {
                let n = old.len();
                (
                    Just(old),
                    proptest::collection::vec((0..=n, 0..=n), 0..4),
                    proptest::collection::vec(proptest::collection::vec(sparse_doc(), 0..6), 0..4),
                )
            },
        )
    }

    /// Rare words too (most lists sparse), so the one-kept-tail fast path is exercised.
    fn sparse_word() -> impl Strategy<Value = String> {
        prop_oneof![word(), (0..300u32).prop_map(|n| format!("r{n}"))]
    }

    fn sparse_text() -> impl Strategy<Value = String> {
        proptest::collection::vec(sparse_word(), 0..8).prop_map(|w| w.join(" "))
    }

    fn sparse_doc() -> impl Strategy<Value = Doc> {
        (
            sparse_text(),
            proptest::collection::vec(sparse_text().prop_map(CompactString::from), 0..3),
            sparse_text(),
        )
    }

    /// Every row's words, every query's rows and scores agree.
    fn assert_answers_alike(spliced: &TextIndex, scratch: &TextIndex, queries: &[Vec<String>]) {
        assert_eq!(spliced.rows(), scratch.rows());
        for field in IndexField::ALL {
            for row in 0..scratch.rows() {
                assert_eq!(spliced.row_text(field, row), scratch.row_text(field, row));
            }
            for query in queries {
                let query = tokens(&query.join(" "));
                let mut a = RowSet::empty(scratch.rows());
                let mut b = RowSet::empty(scratch.rows());
                spliced.matching(field, &query, &mut a);
                scratch.matching(field, &query, &mut b);
                assert_eq!(&a, &b, "{:?} {:?}", field, query);
                let all = RowSet::full(scratch.rows());
                let mut sa = vec![0.0; scratch.rows()];
                let mut sb = vec![0.0; scratch.rows()];
                spliced.score(field, &query, &all, &mut sa);
                scratch.score(field, &query, &all, &mut sb);
                for (x, y) in sa.iter().zip(&sb) {
                    assert!((x - y).abs() <= 1e-5 * y.abs().max(1.0), "{sa:?} {sb:?}");
                }
            }
        }
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(96))]

        /// The refresh's usual shape: new (or re-read) newest rows in front of every older
        /// row kept, the path that moves postings and letter sets instead of rebuilding them.
        #[test]
        fn new_rows_in_front_of_a_kept_tail_answer_like_a_fresh_build(
            old_docs in proptest::collection::vec(sparse_doc(), 0..120),
            cut in 0usize..40,
            added in proptest::collection::vec(sparse_doc(), 0..30),
            queries in proptest::collection::vec(
                proptest::collection::vec(sparse_word(), 1..3), 1..8),
        ) {
            let cut = cut.min(old_docs.len());
            let old = build(&old_docs);
            let pieces = vec![
                SplicePiece::Added(added.iter().map(doc).collect()),
                SplicePiece::Kept(cut..old_docs.len()),
            ];
            let spliced = old.spliced(&pieces);
            let expected: Vec<&Doc> = added.iter().chain(&old_docs[cut..]).collect();
            let scratch = TextIndex::build(expected.iter().map(|d| doc(d)));
            let mut queries = queries;
            // One-letter prefixes go through the per-letter sets.
            queries.extend(["a", "b", "c", "r", "r1"].map(|q| vec![q.to_string()]));
            assert_answers_alike(&spliced, &scratch, &queries);
        }

        /// Splices of splices: each round adds rows in front and drops (re-reads) some of
        /// the newest, so lists carry a head over a shared tail, lose postings from either,
        /// and are written into one stream again once the head outgrows the tail.
        #[test]
        fn rounds_of_new_and_reread_newest_rows_answer_like_a_fresh_build(
            old_docs in proptest::collection::vec(sparse_doc(), 0..100),
            rounds in proptest::collection::vec(
                (0usize..25, proptest::collection::vec(sparse_doc(), 0..25)), 1..12),
            queries in proptest::collection::vec(
                proptest::collection::vec(sparse_word(), 1..3), 1..6),
        ) {
            let mut docs = old_docs;
            let mut index = build(&docs);
            let mut queries = queries;
            queries.extend(["a", "r", "r1"].map(|q| vec![q.to_string()]));
            for (dropped, added) in rounds {
                let dropped = dropped.min(docs.len());
                let pieces = vec![
                    SplicePiece::Added(added.iter().map(doc).collect()),
                    SplicePiece::Kept(dropped..docs.len()),
                ];
                index = index.spliced(&pieces);
                docs = added.iter().chain(&docs[dropped..]).cloned().collect();
                assert_answers_alike(&index, &build(&docs), &queries);
            }
        }

        /// A dense part's window from a row on, moved, holds the postings from that row
        /// on, moved, with their frequencies (large ones included).
        #[test]
        fn dense_parts_cut_and_move_like_their_postings(
            rows in proptest::collection::btree_map(0u32..300, 1u32..6, 0..200),
            cut in 0u32..320,
            new_start in 0u32..100,
        ) {
            let postings: Vec<(u32, u32)> = rows.into_iter().map(|(row, tf)| (row, tf * tf)).collect();
            let part = DensePart::from_postings(0, 300, postings.clone());
            let (moved, left_out) = part.kept_from(cut, new_start.wrapping_sub(cut));
            let expected: Vec<(u32, u32)> = postings
                .iter()
                .filter(|&&(row, _)| row >= cut)
                .map(|&(row, tf)| (row - cut + new_start, tf))
                .collect();
            let mut got = Vec::new();
            moved.for_each_posting(|row, tf| {
                got.push((row as u32, tf));
                true
            });
            prop_assert_eq!(got, expected);
            prop_assert_eq!(left_out, postings.iter().filter(|&&(row, _)| row < cut).count());
        }

        #[test]
        fn a_spliced_index_answers_like_one_built_from_scratch(
            (old_docs, cuts, added) in splice_case(),
            queries in proptest::collection::vec(proptest::collection::vec(sparse_word(), 1..3), 1..6),
        ) {
            // Kept runs must be in order and not overlap: sort and clip the cut pairs.
            let mut runs: Vec<Range<usize>> = cuts
                .iter()
                .map(|&(a, b)| a.min(b)..a.max(b))
                .collect();
            runs.sort_by_key(|r| r.start);
            let mut floor = 0;
            for run in &mut runs {
                run.start = run.start.max(floor);
                run.end = run.end.max(run.start);
                floor = run.end;
            }
            let old = build(&old_docs);
            let mut pieces = Vec::new();
            let mut expected: Vec<&Doc> = Vec::new();
            for (i, run) in runs.iter().enumerate() {
                if let Some(docs) = added.get(i) {
                    pieces.push(SplicePiece::Added(docs.iter().map(doc).collect()));
                    expected.extend(docs);
                }
                pieces.push(SplicePiece::Kept(run.clone()));
                expected.extend(&old_docs[run.clone()]);
            }
            if let Some(docs) = added.get(runs.len()) {
                pieces.push(SplicePiece::Added(docs.iter().map(doc).collect()));
                expected.extend(docs);
            }
            let spliced = old.spliced(&pieces);
            let scratch = TextIndex::build(expected.iter().map(|d| doc(d)));
            assert_answers_alike(&spliced, &scratch, &queries);
        }
    }
}
