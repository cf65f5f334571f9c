//! The in-memory text index behind the filter, ranked search and For you: per field (title,
//! abstract, authors) a sorted term list with postings (row ids and term frequencies) and each
//! row's token text; building it, and finding the rows a word or phrase matches. Row sets are in
//! `rowset.rs`, tokenizing in `tokenize.rs`, BM25 scoring in `bm25.rs`, the encodings in
//! `postings.rs`.
//!
//! Hand-rolled rather than tantivy (docs/ARCHITECTURE.md, "The search index": ≤ 4 ms per
//! filter and ≤ 2 ms BM25 top-50 at 100k, no +35 s on every clean build). Built on the loader
//! thread with the catalog; never stored. A word matches the words it starts (`diff` finds "diffusion"); a phrase's words must
//! be adjacent, checked on the row's token text.

use std::collections::HashMap;
use std::ops::Range;

use crate::model::Authors;
use memchr::memmem;

use super::postings::{
    PART_BREAK, Postings, PostingsWriter, TermHasherBuilder, push_varint, read_varint, sequence_ids,
};
use super::rowset::RowSet;
use super::tokenize::for_each_token;

mod sequences;
mod splice;
use sequences::Sequences;
pub use splice::SplicePiece;

/// The indexed text fields.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum IndexField {
    Title = 0,
    Abstract = 1,
    Authors = 2,
}

impl IndexField {
    pub const ALL: [IndexField; 3] = [IndexField::Title, IndexField::Abstract, IndexField::Authors];

    /// BM25 weight of a match in this field: a title match counts three abstract matches.
    pub fn weight(self) -> f32 {
        match self {
            IndexField::Title => 3.0,
            IndexField::Abstract => 1.0,
            IndexField::Authors => 1.5,
        }
    }
}

/// One row's text as the index takes it.
#[derive(Debug, Clone, Copy, Default)]
pub struct IndexDoc<'a> {
    pub title: &'a str,
    pub authors: Authors<'a>,
    /// `None` until the abstracts are loaded.
    pub abstract_text: Option<&'a str>,
}

/// A phrase's last word narrows the rows to check by its own postings when it starts at most
/// this many terms (a short prefix of a large vocabulary starts hundreds).
const CHEAP_PREFIX_TERMS: usize = 32;

/// A phrase as a row's sequence must hold it.
struct Phrase<'a> {
    /// Each word's build id; `None` for a last word that starts several terms.
    ids: &'a [Option<u32>],
    /// The terms the last word starts.
    last_terms: &'a Range<usize>,
    /// The word the search looks for (it has an id).
    anchor: usize,
}

/// One field's inverted index and each row's term sequence (for phrases and For you).
///
/// Terms have two numberings: *build ids*, given in order of first sight while building (1
/// up; [`PART_BREAK`] is 0) and used in the row sequences, so common words get one-byte ids;
/// and *term ids*, the position in the sorted term list, used everywhere else. Two tables
/// translate between them.
#[derive(Debug, Clone, Default)]
pub(crate) struct FieldIndex {
    /// Sorted, so a prefix is one binary search away.
    terms: Vec<Box<str>>,
    /// Per term id: the rows that contain it, ascending, with frequencies.
    postings: Vec<Postings>,
    /// Term id by build id (`u32::MAX` for [`PART_BREAK`]).
    term_of_build: Vec<u32>,
    /// Build id by term id.
    build_of_term: Vec<u32>,
    /// Tokens per row (saturated at `u16::MAX`: BM25 cannot tell longer rows apart anyway).
    lengths: Vec<u16>,
    average_length: f32,
    /// Every row's build ids in text order, [`PART_BREAK`] between two parts.
    sequences: Sequences,
    /// The rows holding a term that starts with a character, for the characters whose terms
    /// have more postings than a bitset has bytes: the first letter typed into the filter
    /// would otherwise decode hundreds of terms' postings (10 ms at 100k papers). By char.
    initials: Vec<(char, RowSet)>,
}

/// Builds a `FieldIndex` one row at a time.
#[derive(Default)]
struct FieldBuilder {
    /// Build id of every term seen.
    ids: HashMap<Box<str>, u32, TermHasherBuilder>,
    /// By build id - 1.
    postings: Vec<PostingsWriter>,
    /// By build id - 1: how often the row being added holds the term.
    counts: Vec<u32>,
    /// Build ids the row being added holds.
    touched: Vec<u32>,
    lengths: Vec<u16>,
    total_length: u64,
    sequences: Sequences,
    token: String,
}

impl FieldBuilder {
    /// Adds the next row; its parts (authors) are kept apart for phrases.
    fn add<'a>(&mut self, row: u32, parts: impl IntoIterator<Item = &'a str>) {
        let FieldBuilder {
            ids,
            postings,
            counts,
            touched,
            sequences,
            token,
            ..
        } = self;
        let mut length: u32 = 0;
        for (i, part) in parts.into_iter().enumerate() {
            let mut part_break = i > 0 && length > 0;
            for_each_token(part, token, |token| {
                let id = match ids.get(token) {
                    Some(&id) => id,
                    None => {
                        let id = u32::try_from(postings.len() + 1).unwrap_or(u32::MAX);
                        ids.insert(token.into(), id);
                        postings.push(PostingsWriter::default());
                        counts.push(0);
                        id
                    }
                };
                if part_break {
                    sequences.push(PART_BREAK);
                    part_break = false;
                }
                sequences.push(id);
                length = length.saturating_add(1);
                if let Some(count) = counts.get_mut(id as usize - 1) {
                    if *count == 0 {
                        touched.push(id);
                    }
                    *count += 1;
                }
            });
        }
        sequences.end_row();
        for id in touched.drain(..) {
            let slot = id as usize - 1;
            if let (Some(count), Some(list)) = (counts.get_mut(slot), postings.get_mut(slot)) {
                list.push(row, *count);
                *count = 0;
            }
        }
        let length = u16::try_from(length).unwrap_or(u16::MAX);
        self.lengths.push(length);
        // The saturated length, as the spliced index sums it (`splice.rs`).
        self.total_length += u64::from(length);
    }

    fn finish(self) -> FieldIndex {
        let count = self.postings.len();
        let mut terms: Vec<Box<str>> = vec![Box::default(); count];
        for (term, id) in self.ids {
            if let Some(slot) = terms.get_mut(id as usize - 1) {
                *slot = term;
            }
        }
        // Build slots (build id - 1) in term order.
        let mut order: Vec<u32> = (0..u32::try_from(count).unwrap_or(u32::MAX)).collect();
        order.sort_unstable_by(|&a, &b| terms[a as usize].cmp(&terms[b as usize]));
        let mut term_of_build = vec![u32::MAX; count + 1];
        for (term, &slot) in order.iter().enumerate() {
            term_of_build[slot as usize + 1] = u32::try_from(term).unwrap_or(u32::MAX);
        }
        let mut postings = self.postings;
        let row_count = self.lengths.len();
        let rows = row_count.max(1);
        let mut lengths = self.lengths;
        lengths.shrink_to_fit();
        let mut sequences = self.sequences;
        sequences.shrink();
        FieldIndex {
            terms: order
                .iter()
                .map(|&slot| std::mem::take(&mut terms[slot as usize]))
                .collect(),
            postings: order
                .iter()
                .map(|&slot| std::mem::take(&mut postings[slot as usize]).finish(row_count))
                .collect(),
            build_of_term: order.iter().map(|&slot| slot + 1).collect(),
            term_of_build,
            average_length: (self.total_length as f32 / rows as f32).max(1.0),
            lengths,
            sequences,
            initials: Vec::new(),
        }
        .with_initials()
    }
}

impl FieldIndex {
    /// Fills `initials`: a character's row set is kept when its terms (more than one) hold
    /// more postings than the set has bytes, so the sets never outweigh the postings.
    fn with_initials(mut self) -> FieldIndex {
        let rows = self.rows();
        for (initial, terms) in self.initial_groups() {
            let mut set = RowSet::empty(rows);
            for term in terms {
                self.add_rows(term, &mut set);
            }
            self.initials.push((initial, set));
        }
        self.initials.shrink_to_fit();
        self
    }

    /// The runs of terms (in the sorted term list) sharing a first character that deserve a
    /// row set of their own: more than one term, holding more postings than the set has bytes.
    fn initial_groups(&self) -> Vec<(char, std::ops::Range<usize>)> {
        let rows = self.rows();
        let mut groups = Vec::new();
        let mut start = 0;
        while let Some(initial) = self.terms.get(start).and_then(|t| t.chars().next()) {
            let mut end = start;
            let mut postings = 0;
            while let Some(term) = self.terms.get(end)
                && term.starts_with(initial)
            {
                postings += self.doc_freq(end);
                end += 1;
            }
            if end - start > 1 && postings > rows / 8 {
                groups.push((initial, start..end));
            }
            start = end.max(start + 1);
        }
        groups
    }

    /// The rows holding a term that starts with `prefix`, when that is kept whole.
    fn initial_rows(&self, prefix: &str) -> Option<&RowSet> {
        let mut chars = prefix.chars();
        let (Some(initial), None) = (chars.next(), chars.next()) else {
            return None;
        };
        self.initials
            .binary_search_by_key(&initial, |(c, _)| *c)
            .ok()
            .and_then(|at| self.initials.get(at))
            .map(|(_, set)| set)
    }

    /// Term ids whose term starts with `prefix`.
    pub(crate) fn prefix_range(&self, prefix: &str) -> Range<usize> {
        let start = self.terms.partition_point(|t| t.as_ref() < prefix);
        let end = start
            + self.terms[start..]
                .iter()
                .take_while(|t| t.starts_with(prefix))
                .count();
        start..end
    }

    pub(crate) fn term_id(&self, term: &str) -> Option<usize> {
        self.terms.binary_search_by(|t| t.as_ref().cmp(term)).ok()
    }

    /// How many distinct terms the field holds.
    pub(crate) fn term_count(&self) -> usize {
        self.terms.len()
    }

    /// The text of term `term` (empty for an unknown id).
    pub(crate) fn term(&self, term: usize) -> &str {
        self.terms.get(term).map_or("", |t| t.as_ref())
    }

    /// How many rows contain term `term`.
    pub(crate) fn doc_freq(&self, term: usize) -> usize {
        self.postings.get(term).map_or(0, Postings::len)
    }

    /// Calls `visit` with every row that contains term `term` and how often, rows ascending.
    pub(crate) fn for_each_posting(&self, term: usize, visit: impl FnMut(usize, u32)) {
        if let Some(postings) = self.postings.get(term) {
            postings.for_each_posting(visit);
        }
    }

    /// A row's term ids in text order; `None` between two parts (authors).
    pub(crate) fn row_terms(&self, row: usize) -> impl Iterator<Item = Option<usize>> + '_ {
        sequence_ids(self.sequences.row(row)).map(|id| {
            self.term_of_build
                .get(id as usize)
                .filter(|&&term| term != u32::MAX)
                .map(|&term| term as usize)
        })
    }

    /// A row's lowercased tokens, each followed by a space (a newline ends a part).
    pub(crate) fn row_text(&self, row: usize) -> Vec<u8> {
        let mut text: Vec<u8> = Vec::new();
        for term in self.row_terms(row) {
            match term {
                Some(term) => {
                    text.extend_from_slice(self.term(term).as_bytes());
                    text.push(b' ');
                }
                None => {
                    if let Some(last) = text.last_mut() {
                        *last = b'\n';
                    }
                }
            }
        }
        text
    }

    /// Rows indexed.
    pub(super) fn rows(&self) -> usize {
        self.lengths.len()
    }

    /// A row's length in tokens (0 for an unknown row), for BM25's length normalisation.
    pub(super) fn row_length(&self, row: usize) -> u16 {
        self.lengths.get(row).copied().unwrap_or(0)
    }

    /// The mean row length in tokens (at least 1).
    pub(super) fn average_length(&self) -> f32 {
        self.average_length
    }

    /// Term ids a query token matches: the exact term, or (for the last token) every term it
    /// starts.
    pub(super) fn matched_terms(&self, token: &str, prefix: bool) -> Range<usize> {
        if prefix {
            self.prefix_range(token)
        } else {
            self.term_id(token).map_or(0..0, |id| id..id + 1)
        }
    }

    /// Adds to `out` the rows that contain the tokens in order, the last by prefix; see
    /// [`Term::Text`](super::Term::Text).
    fn matching(&self, tokens: &[String], out: &mut RowSet) {
        let Some((last, words)) = tokens.split_last() else {
            return;
        };
        let last_terms = self.prefix_range(last);
        if last_terms.is_empty() {
            return;
        }
        if words.is_empty() {
            if let Some(rows) = self.initial_rows(last) {
                out.or_with(rows);
                return;
            }
            for term in last_terms {
                self.add_rows(term, out);
            }
            return;
        }
        // A phrase: every word before the last is one build id; so is the last when it
        // starts a single term.
        let mut ids: Vec<Option<u32>> = Vec::with_capacity(tokens.len());
        let mut word_terms = Vec::with_capacity(tokens.len());
        for word in words {
            let Some(term) = self.term_id(word) else {
                return;
            };
            ids.push(self.build_of_term.get(term).copied());
            word_terms.push(term);
        }
        let last_exact = (last_terms.len() == 1).then_some(last_terms.start);
        ids.push(last_exact.and_then(|term| self.build_of_term.get(term).copied()));
        // The search anchors on the rarest exactly known word and checks its neighbours,
        // so "of mixture" looks for "mixture", not for every "of".
        let anchor = word_terms
            .iter()
            .copied()
            .chain(last_exact)
            .enumerate()
            .min_by_key(|&(_, term)| self.doc_freq(term))
            .map_or(0, |(at, _)| at);
        let Some(&Some(anchor_id)) = ids.get(anchor) else {
            return;
        };
        let phrase = Phrase {
            ids: &ids,
            last_terms: &last_terms,
            anchor,
        };
        // Only rows that hold every word are checked for adjacency: the rarest word's rows,
        // narrowed by the others'.
        word_terms.sort_unstable_by_key(|&term| self.doc_freq(term));
        word_terms.dedup();
        let mut candidates = RowSet::empty(out.len());
        for (i, &term) in word_terms.iter().enumerate() {
            if i == 0 {
                self.add_rows(term, &mut candidates);
                continue;
            }
            let mut rows = RowSet::empty(out.len());
            self.add_rows(term, &mut rows);
            candidates.and_with(&rows);
        }
        // The last word's rows too, when they come cheap (a kept initial, or few terms): fewer
        // rows to check ("mixture of" at 100k: 40,000 rows with "mixture", 2,300 with both).
        if let Some(rows) = self.initial_rows(last) {
            candidates.and_with(rows);
        } else if last_terms.len() <= CHEAP_PREFIX_TERMS {
            let mut rows = RowSet::empty(out.len());
            for term in last_terms.clone() {
                self.add_rows(term, &mut rows);
            }
            candidates.and_with(&rows);
        }
        let mut anchor_bytes = Vec::new();
        push_varint(&mut anchor_bytes, u64::from(anchor_id));
        let finder = memmem::Finder::new(&anchor_bytes);
        for row in candidates.iter() {
            if self.holds_phrase(row, &finder, &phrase) {
                out.insert(row);
            }
        }
    }

    /// Adds the rows that hold term `term` to `set`: a dense list a word at a time.
    fn add_rows(&self, term: usize, set: &mut RowSet) {
        let Some(postings) = self.postings.get(term) else {
            return;
        };
        match postings.dense() {
            Some(list) => list.or_into(set.words_mut()),
            None => postings.for_each_row(|row| set.insert(row)),
        }
    }

    /// True when row `row`'s sequence holds the phrase: `finder` finds its anchor word, and
    /// the ids before and after it are the phrase's.
    fn holds_phrase(&self, row: usize, finder: &memmem::Finder<'_>, phrase: &Phrase<'_>) -> bool {
        let sequence = self.sequences.row(row);
        let mut from = 0;
        // Overlapping matches: a repeated word ("a a b" in "a a a b") may start the phrase
        // one token into a match that failed.
        while let Some(found) = sequence.get(from..).and_then(|rest| finder.find(rest)) {
            let at = from + found;
            // A varint ends on a byte below 0x80: the match must follow one to start a token.
            let at_token = at == 0 || sequence.get(at - 1).is_some_and(|&b| b < 0x80);
            if at_token && self.phrase_around(sequence, at, finder.needle().len(), phrase) {
                return true;
            }
            from = at + 1;
        }
        false
    }

    /// True when the phrase's anchor word, found at `at..at + len` of `sequence`, has the
    /// phrase's other words around it.
    fn phrase_around(&self, sequence: &[u8], at: usize, len: usize, phrase: &Phrase<'_>) -> bool {
        let last = phrase.ids.len() - 1;
        let mut next = at + len;
        for position in phrase.anchor + 1..=last {
            let Some(id) = read_varint(sequence, &mut next) else {
                return false;
            };
            let holds = match phrase.ids.get(position) {
                Some(Some(expected)) => u64::from(*expected) == id,
                _ => self
                    .term_of_build
                    .get(id as usize)
                    .is_some_and(|&term| phrase.last_terms.contains(&(term as usize))),
            };
            if !holds {
                return false;
            }
        }
        // Backwards: the token before a start ends on the byte before it, and starts after
        // the nearest byte below 0x80 before that.
        let mut start = at;
        for position in (0..phrase.anchor).rev() {
            let Some(end) = start.checked_sub(1) else {
                return false;
            };
            let mut begin = end;
            while begin > 0 && sequence.get(begin - 1).is_some_and(|&b| b >= 0x80) {
                begin -= 1;
            }
            let mut cursor = begin;
            let id = read_varint(sequence, &mut cursor);
            if id.is_none() || id != phrase.ids.get(position).copied().flatten().map(u64::from) {
                return false;
            }
            start = begin;
        }
        true
    }

    /// Heap bytes held by the field's parts: terms, postings, sequences, the rest.
    pub(crate) fn heap_bytes(&self) -> [usize; 4] {
        let terms = self.terms.iter().map(|t| t.len() + 16).sum::<usize>();
        let postings = self
            .postings
            .iter()
            .map(|p| p.encoded_len() + std::mem::size_of::<Postings>())
            .sum::<usize>();
        let rest = (self.term_of_build.len() + self.build_of_term.len()) * 4
            + self.lengths.len() * 2
            + self
                .initials
                .iter()
                .map(|(_, set)| set.heap_bytes())
                .sum::<usize>();
        [terms, postings, self.sequences.encoded_len(), rest]
    }
}

/// The whole index: one `FieldIndex` per field, aligned with the catalog's rows.
#[derive(Debug, Clone, Default)]
pub struct TextIndex {
    pub(crate) fields: [FieldIndex; 3],
    rows: usize,
    /// True once abstracts were indexed.
    pub has_abstracts: bool,
    /// Each row's TF-IDF vector length over title and abstract, for For you: computed by the
    /// first For you job that needs them (in the background), not with the index, since every
    /// refresh changes them.
    pub(crate) norms: std::sync::OnceLock<Vec<f32>>,
}

/// Builds a [`TextIndex`] a row at a time, so the catalog can feed it a day of abstracts at a
/// time instead of holding every abstract at once.
#[derive(Default)]
pub struct TextIndexBuilder {
    fields: [FieldBuilder; 3],
    rows: u32,
    has_abstracts: bool,
}

impl TextIndexBuilder {
    pub fn new() -> TextIndexBuilder {
        TextIndexBuilder::default()
    }

    /// Indexes the next row.
    pub fn push(&mut self, doc: IndexDoc<'_>) {
        let row = self.rows;
        let [title, abstracts, authors] = &mut self.fields;
        title.add(row, [doc.title]);
        self.has_abstracts |= doc.abstract_text.is_some();
        abstracts.add(row, [doc.abstract_text.unwrap_or("")]);
        authors.add(row, doc.authors);
        self.rows = self.rows.saturating_add(1);
    }

    /// Rows indexed so far.
    pub fn rows(&self) -> usize {
        self.rows as usize
    }

    pub fn finish(self) -> TextIndex {
        let [title, abstracts, authors] = self.fields;
        TextIndex {
            fields: [title.finish(), abstracts.finish(), authors.finish()],
            rows: self.rows as usize,
            has_abstracts: self.has_abstracts,
            norms: std::sync::OnceLock::new(),
        }
    }
}

impl TextIndex {
    /// Indexes rows in order; row `i` of the iterator is row `i` of the catalog.
    pub fn build<'a>(docs: impl Iterator<Item = IndexDoc<'a>>) -> TextIndex {
        let mut builder = TextIndexBuilder::new();
        for doc in docs {
            builder.push(doc);
        }
        builder.finish()
    }

    pub fn rows(&self) -> usize {
        self.rows
    }

    pub(crate) fn field(&self, field: IndexField) -> &FieldIndex {
        &self.fields[field as usize]
    }

    /// Rows whose `field` contains the tokens (see [`Term::Text`](super::Term::Text)), added
    /// to `out`.
    pub fn matching(&self, field: IndexField, tokens: &[String], out: &mut RowSet) {
        self.field(field).matching(tokens, out);
    }

    /// Adds each field's weighted BM25 of `tokens` into `scores` for the rows in `within`.
    pub fn score(&self, field: IndexField, tokens: &[String], within: &RowSet, scores: &mut [f32]) {
        self.field(field)
            .score(tokens, field.weight(), within, scores);
    }

    /// A row's lowercased token text in a field (tokens separated by spaces, authors by a
    /// newline), rebuilt from its term sequence.
    pub fn row_text(&self, field: IndexField, row: usize) -> Vec<u8> {
        self.field(field).row_text(row)
    }

    /// Heap bytes the index holds, by part, over the three fields: terms, postings, row
    /// sequences, and the rest (id tables, lengths, For you norms).
    pub fn heap_bytes(&self) -> [usize; 4] {
        let norms = self.norms.get().map_or(0, Vec::len);
        let mut total = [0, 0, 0, norms * 4];
        for field in &self.fields {
            for (sum, part) in total.iter_mut().zip(field.heap_bytes()) {
                *sum += part;
            }
        }
        total
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::query::tokenize::tokens;
    use compact_str::CompactString;

    fn index(docs: &[(&str, &[&str], &str)]) -> TextIndex {
        let authors: Vec<Vec<CompactString>> = docs
            .iter()
            .map(|(_, a, _)| a.iter().map(|&s| s.into()).collect())
            .collect();
        TextIndex::build(docs.iter().zip(&authors).map(|((t, _, b), a)| IndexDoc {
            title: t,
            authors: a.into(),
            abstract_text: Some(b),
        }))
    }

    fn rows(index: &TextIndex, field: IndexField, query: &str) -> Vec<usize> {
        let mut set = RowSet::empty(index.rows());
        index.matching(field, &tokens(query), &mut set);
        set.iter().collect()
    }

    #[test]
    fn words_match_the_words_they_start() {
        let index = index(&[
            ("Diffusion models", &["Ada Lovelace"], "We denoise."),
            (
                "Transformers",
                &["Alan Turing"],
                "Attention over diffusion maps.",
            ),
            ("Differential privacy", &[], "Noise."),
        ]);
        assert_eq!(rows(&index, IndexField::Title, "diff"), [0, 2]);
        assert_eq!(rows(&index, IndexField::Title, "diffusion"), [0]);
        assert_eq!(rows(&index, IndexField::Abstract, "diffusion"), [1]);
        assert_eq!(rows(&index, IndexField::Authors, "turing"), [1]);
        assert!(
            rows(&index, IndexField::Title, "former").is_empty(),
            "the middle of a word does not match"
        );
    }

    #[test]
    fn phrases_need_adjacent_words_within_one_author() {
        let index = index(&[
            (
                "Sparse transformer layers",
                &["Ada Lovelace", "Alan Turing"],
                "",
            ),
            ("Transformer made sparse", &[], ""),
            ("A sparse, transformer-like net", &[], ""),
        ]);
        assert_eq!(
            rows(&index, IndexField::Title, "sparse transformer"),
            [0, 2]
        );
        assert_eq!(rows(&index, IndexField::Title, "sparse transf"), [0, 2]);
        assert_eq!(rows(&index, IndexField::Authors, "ada lovelace"), [0]);
        assert!(rows(&index, IndexField::Authors, "lovelace alan").is_empty());
        assert!(
            rows(&index, IndexField::Title, "parse transformer").is_empty(),
            "a phrase starts at a word"
        );
    }

    #[test]
    fn a_one_letter_prefix_matches_every_word_it_starts_but_scores_only_its_own_word() {
        let index = index(&[
            ("One", &[], "a model"),
            ("Two", &[], "another model"),
            ("Three", &[], "mixture"),
        ]);
        assert_eq!(rows(&index, IndexField::Abstract, "a"), [0, 1]);
        assert_eq!(rows(&index, IndexField::Abstract, "m"), [0, 1, 2]);
        let all = RowSet::full(3);
        let mut scores = vec![0.0; 3];
        index.score(IndexField::Abstract, &tokens("a"), &all, &mut scores);
        assert!(scores[0] > 0.0 && scores[1] == 0.0, "{scores:?}");
        let mut scores = vec![0.0; 3];
        index.score(IndexField::Abstract, &tokens("m"), &all, &mut scores);
        assert_eq!(scores, [0.0; 3], "no word is just `m`");
        let mut scores = vec![0.0; 3];
        index.score(IndexField::Abstract, &tokens("mo"), &all, &mut scores);
        assert!(
            scores[0] > 0.0 && scores[1] > 0.0 && scores[2] == 0.0,
            "{scores:?}"
        );
    }

    #[test]
    fn phrases_never_span_two_authors_even_past_an_empty_one() {
        let index = index(&[
            ("", &["Ada Lovelace", "", "Alan Turing"], ""),
            ("", &["Lovelace Alan"], ""),
        ]);
        assert_eq!(rows(&index, IndexField::Authors, "lovelace alan"), [1]);
        assert_eq!(rows(&index, IndexField::Authors, "lovelace al"), [1]);
        assert_eq!(rows(&index, IndexField::Authors, "alan turing"), [0]);
        assert_eq!(
            index.row_text(IndexField::Authors, 0),
            b"ada lovelace\nalan turing "
        );
    }

    #[test]
    fn a_phrase_may_start_inside_a_failed_match_of_repeated_words() {
        let index = index(&[("sparse sparse sparse transformer", &[], "")]);
        assert_eq!(rows(&index, IndexField::Title, "sparse sparse tr"), [0]);
        assert!(rows(&index, IndexField::Title, "sparse sparse sparse sparse").is_empty());
    }

    #[test]
    fn a_phrase_is_found_from_its_rarest_word_in_either_direction() {
        let index = index(&[
            ("the mixture of experts", &[], ""),
            ("the of mixture", &[], ""),
            ("of the the of", &[], ""),
            ("mixture the of", &[], ""),
        ]);
        assert_eq!(rows(&index, IndexField::Title, "the of mixture"), [1]);
        assert_eq!(rows(&index, IndexField::Title, "of mixture"), [1]);
        assert_eq!(rows(&index, IndexField::Title, "the mixture of"), [0]);
        assert_eq!(rows(&index, IndexField::Title, "mixture of e"), [0]);
        assert_eq!(rows(&index, IndexField::Title, "the the o"), [2]);
        assert_eq!(rows(&index, IndexField::Title, "the of"), [1, 2, 3]);
    }

    #[test]
    fn rows_without_tokens_match_nothing_and_keep_later_rows_aligned() {
        let index = index(&[
            ("— …", &[], ""),
            ("", &[], "!!"),
            (
                "Graph networks",
                &["Grace Hopper"],
                "graph graph graph graph",
            ),
        ]);
        assert_eq!(index.rows(), 3);
        assert_eq!(rows(&index, IndexField::Title, "graph"), [2]);
        assert_eq!(rows(&index, IndexField::Abstract, "graph"), [2]);
        assert!(index.row_text(IndexField::Title, 0).is_empty());
        assert!(index.row_text(IndexField::Authors, 1).is_empty());
        let graph = index.field(IndexField::Abstract).term_id("graph").unwrap();
        let mut postings = Vec::new();
        index
            .field(IndexField::Abstract)
            .for_each_posting(graph, |row, tf| postings.push((row, tf)));
        assert_eq!(
            postings,
            [(2, 4)],
            "a term seen four times in a row keeps its frequency"
        );
    }

    #[test]
    fn postings_span_large_row_gaps() {
        let mut builder = TextIndexBuilder::new();
        for row in 0..40_000 {
            let title = if row == 3 || row == 39_999 {
                "rare word"
            } else {
                "common"
            };
            builder.push(IndexDoc {
                title,
                authors: Default::default(),
                abstract_text: None,
            });
        }
        let index = builder.finish();
        assert!(!index.has_abstracts);
        assert_eq!(rows(&index, IndexField::Title, "rare"), [3, 39_999]);
        assert_eq!(rows(&index, IndexField::Title, "common").len(), 39_998);
        assert_eq!(rows(&index, IndexField::Title, "rare w"), [3, 39_999]);
    }

    /// One row's fields as the naive scan sees them: each part's tokens.
    struct NaiveRow {
        fields: [Vec<Vec<String>>; 3],
    }

    fn naive_row(title: &str, authors: &[String], abstract_text: &str) -> NaiveRow {
        NaiveRow {
            fields: [
                vec![tokens(title)],
                vec![tokens(abstract_text)],
                authors.iter().map(|a| tokens(a)).collect(),
            ],
        }
    }

    /// The query semantics spelled out: some part holds the words next to each other, every
    /// word exactly but the last, which a token only has to start with.
    fn naive_matches(row: &NaiveRow, field: IndexField, query: &[String]) -> bool {
        let Some((last, words)) = query.split_last() else {
            return false;
        };
        row.fields[field as usize].iter().any(|part| {
            part.windows(query.len()).any(|window| {
                window[..words.len()] == *words && window[words.len()].starts_with(last.as_str())
            })
        })
    }

    /// BM25 as `FieldIndex::score` defines it, from the naive rows.
    fn naive_bm25(rows: &[NaiveRow], field: IndexField, token: &str) -> Vec<f32> {
        let f = field as usize;
        let lengths: Vec<usize> = rows
            .iter()
            .map(|r| r.fields[f].iter().map(Vec::len).sum())
            .collect();
        let average = (lengths.iter().sum::<usize>() as f32 / rows.len().max(1) as f32).max(1.0);
        let df = rows
            .iter()
            .filter(|r| r.fields[f].iter().flatten().any(|t| t == token))
            .count() as f32;
        let idf = (1.0 + (rows.len() as f32 - df + 0.5) / (df + 0.5)).ln();
        rows.iter()
            .zip(&lengths)
            .map(|(r, &length)| {
                let tf = r.fields[f].iter().flatten().filter(|t| *t == token).count() as f32;
                if tf == 0.0 {
                    return 0.0;
                }
                let norm = 1.2 * (1.0 - 0.75 + 0.75 * length as f32 / average);
                field.weight() * idf * tf * 2.2 / (tf + norm)
            })
            .collect()
    }

    /// Few words, many sharing prefixes, so queries hit and phrases repeat.
    fn word() -> impl Strategy<Value = String> {
        proptest::sample::select(&[
            "a", "ab", "abc", "b", "ba", "bab", "c", "ca", "Zoë", "zo", "ZOË", "x1", "ΑΒΓ", "αβ",
        ])
        .prop_map(str::to_string)
    }

    fn text() -> impl Strategy<Value = String> {
        proptest::collection::vec(
            (
                word(),
                prop_oneof![Just(" "), Just(", "), Just("-"), Just(" — ")],
            ),
            0..12,
        )
        .prop_map(|words| words.into_iter().map(|(w, sep)| w + sep).collect())
    }

    type Doc = (String, Vec<String>, String);

    fn doc() -> impl Strategy<Value = Doc> {
        (text(), proptest::collection::vec(text(), 0..4), text())
    }

    use proptest::prelude::*;

    proptest! {
        // Each case builds an index of up to 90 rows (more than one bitset word): 128 cases keep
        // the debug run near 3 s.
        #![proptest_config(ProptestConfig::with_cases(128))]

        #[test]
        fn the_index_matches_and_scores_like_a_naive_scan(
            docs in proptest::collection::vec(doc(), 0..90),
            queries in proptest::collection::vec(proptest::collection::vec(word(), 1..4), 1..8),
        ) {
            let authors: Vec<Vec<CompactString>> = docs
                .iter()
                .map(|(_, a, _)| a.iter().map(|s| s.as_str().into()).collect())
                .collect();
            let index = TextIndex::build(docs.iter().zip(&authors).map(|((t, _, b), a)| IndexDoc {
                title: t,
                authors: a.into(),
                abstract_text: Some(b),
            }));
            let naive: Vec<NaiveRow> = docs.iter().map(|(t, a, b)| naive_row(t, a, b)).collect();
            prop_assert_eq!(index.rows(), docs.len());
            for query in &queries {
                let query = tokens(&query.join(" "));
                for field in IndexField::ALL {
                    let mut found = RowSet::empty(docs.len());
                    index.matching(field, &query, &mut found);
                    let expected: Vec<usize> = (0..docs.len())
                        .filter(|&r| naive_matches(&naive[r], field, &query))
                        .collect();
                    prop_assert_eq!(found.iter().collect::<Vec<_>>(), expected, "{:?} {:?}", field, query);
                }
            }
            for (row, naive_row) in naive.iter().enumerate() {
                for field in IndexField::ALL {
                    let parts: Vec<String> = naive_row.fields[field as usize]
                        .iter()
                        .filter(|part| !part.is_empty())
                        .map(|part| part.join(" "))
                        .collect();
                    let mut expected = parts.join("\n");
                    if !expected.is_empty() {
                        expected.push(' ');
                    }
                    prop_assert_eq!(
                        String::from_utf8_lossy(&index.row_text(field, row)).into_owned(),
                        expected
                    );
                }
            }
            let all = RowSet::full(docs.len());
            for query in &queries {
                let token = tokens(&query[0]);
                let Some(token) = token.first() else { continue };
                if index.field(IndexField::Abstract).term_id(token).is_none() {
                    continue;
                }
                // Scored as the only (so the last, prefix) token: compare with exact-word BM25
                // only where no longer term starts with it.
                if index.field(IndexField::Abstract).prefix_range(token).len() != 1 {
                    continue;
                }
                let mut scores = vec![0.0; docs.len()];
                index.score(IndexField::Abstract, std::slice::from_ref(token), &all, &mut scores);
                let expected = naive_bm25(&naive, IndexField::Abstract, token);
                for (got, want) in scores.iter().zip(&expected) {
                    prop_assert!((got - want).abs() <= 1e-4 * want.abs().max(1.0), "{scores:?} {expected:?}");
                }
            }
        }
    }
}
