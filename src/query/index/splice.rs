//! Splicing the text index: a new index from an old one with some runs of rows kept (in
//! order) and new rows added between them, without tokenizing the kept rows again. The
//! reader's incremental refresh (issue #15) replaces the days a sync touched this way.
//!
//! Kept rows keep their word numbers (build ids), so their sequences are copied byte for
//! byte; new words get the next build ids. The sorted term list is merged with the new words,
//! and each term's postings are re-encoded with the kept rows' new numbers and the new rows'
//! postings merged in. The result answers every query as an index built from scratch over the
//! same rows does (`tests` below and the catalog's property test check it); it may keep words
//! no row holds any more (no postings), which match nothing.

use std::collections::HashMap;
use std::ops::Range;

use super::{FieldIndex, IndexDoc, TextIndex};
use crate::query::postings::{
    PART_BREAK, Postings, PostingsWriter, Sequences, TermHasherBuilder, push_varint,
};
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
                                _ => doc.authors.iter().map(|a| a.as_str()).collect(),
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
                let id = match self.term_id(token) {
                    Some(term) => self.build_of_term.get(term).copied().unwrap_or(u32::MAX),
                    None => match additions.fresh.get(token) {
                        Some(&id) => id,
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
        } = additions;
        let mut fresh: Vec<(Box<str>, u32)> = fresh.into_iter().collect();
        fresh.sort_unstable();
        postings.sort_unstable();
        // The merged term list: old term ids and new words, in term order.
        let mut terms: Vec<Box<str>> = Vec::with_capacity(self.terms.len() + fresh.len());
        let mut build_of_term: Vec<u32> = Vec::with_capacity(terms.capacity());
        let mut term_of_build = vec![u32::MAX; next_build as usize];
        let mut merged_postings: Vec<Postings> = Vec::with_capacity(terms.capacity());
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
            if let Some(slot) = term_of_build.get_mut(build as usize) {
                *slot = u32::try_from(terms.len()).unwrap_or(u32::MAX);
            }
            merged_postings.push(renumbered(old_postings, &kept, new_rows, rows));
            terms.push(term);
            build_of_term.push(build);
        }
        let total_length: u64 = lengths.iter().map(|&l| u64::from(l)).sum();
        FieldIndex {
            terms,
            postings: merged_postings,
            term_of_build,
            build_of_term,
            average_length: (total_length as f32 / rows.max(1) as f32).max(1.0),
            lengths,
            sequences,
            initials: Vec::new(),
        }
        .with_initials()
    }
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
            authors: &d.1,
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

    /// Old docs, then pieces: runs of old rows (cut points) with new docs between them.
    /// Old docs, cut pairs, and the new docs before each kept run.
    type Case = (Vec<Doc>, Vec<(usize, usize)>, Vec<Vec<Doc>>);

    fn splice_case() -> impl Strategy<Value = Case> {
        proptest::collection::vec(any_doc(), 0..80).prop_flat_map(|old| {
            let n = old.len();
            (
                Just(old),
                proptest::collection::vec((0..=n, 0..=n), 0..4),
                proptest::collection::vec(proptest::collection::vec(any_doc(), 0..6), 0..4),
            )
        })
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(96))]

        #[test]
        fn a_spliced_index_answers_like_one_built_from_scratch(
            (old_docs, cuts, added) in splice_case(),
            queries in proptest::collection::vec(proptest::collection::vec(word(), 1..3), 1..6),
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
            prop_assert_eq!(spliced.rows(), scratch.rows());
            for field in IndexField::ALL {
                for row in 0..scratch.rows() {
                    prop_assert_eq!(spliced.row_text(field, row), scratch.row_text(field, row));
                }
                for query in &queries {
                    let query = tokens(&query.join(" "));
                    let mut a = RowSet::empty(scratch.rows());
                    let mut b = RowSet::empty(scratch.rows());
                    spliced.matching(field, &query, &mut a);
                    scratch.matching(field, &query, &mut b);
                    prop_assert_eq!(&a, &b, "{:?} {:?}", field, query);
                    let all = RowSet::full(scratch.rows());
                    let mut sa = vec![0.0; scratch.rows()];
                    let mut sb = vec![0.0; scratch.rows()];
                    spliced.score(field, &query, &all, &mut sa);
                    scratch.score(field, &query, &all, &mut sb);
                    for (x, y) in sa.iter().zip(&sb) {
                        prop_assert!((x - y).abs() <= 1e-5 * y.abs().max(1.0), "{sa:?} {sb:?}");
                    }
                }
            }
        }
    }
}
