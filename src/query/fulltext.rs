//! The index of cached full texts (issue #13): which papers have one (`has:fulltext`) and an
//! inverted index of their words (`full:`, and plain words, ranked below title and abstract
//! hits).
//!
//! Kept small because it counts against the memory budget at 1M papers: one sorted term list
//! (terms in one string, offsets into it) and, per term, its postings as gap varints of
//! (document, term frequency) in one byte buffer; documents are papers by id, not rows, so the
//! index outlives catalog reloads and is built once per full text, in the background (never
//! before the first frame), and extended when a new full text is kept. No positions: `full:`
//! with several words finds papers that hold every one of them (the last by prefix).

use std::collections::{HashMap, HashSet};

use super::rowset::RowSet;
use super::tokenize::for_each_token;
use crate::model::PaperId;
use crate::rowstore::{Keyed, RowIndex};

/// Papers with a cached full text and the words of those indexed so far.
#[derive(Debug, Default, Clone)]
pub struct FullTextIndex {
    /// Every paper with a cached full text (indexed or not yet).
    has: HashSet<PaperId>,
    docs: Vec<PaperId>,
    doc_lengths: Vec<u32>,
    /// Sorted terms, concatenated; `term_ends[i]` ends term `i`.
    terms: String,
    term_ends: Vec<u32>,
    /// Postings of term `i`: `postings[post_ends[i-1]..post_ends[i]]`.
    postings: Vec<u8>,
    post_ends: Vec<u32>,
}

impl FullTextIndex {
    /// An index that knows which papers have a full text but holds no words yet (cheap: what
    /// the first catalog gets).
    pub fn marks_only(has: HashSet<PaperId>) -> FullTextIndex {
        FullTextIndex {
            has,
            ..FullTextIndex::default()
        }
    }

    /// Whether `id` has a cached full text.
    pub fn has(&self, id: &PaperId) -> bool {
        self.has.contains(id)
    }

    /// Every paper with a cached full text.
    pub fn marked(&self) -> &HashSet<PaperId> {
        &self.has
    }

    /// Whether `id`'s words are in the index.
    pub fn is_indexed(&self, id: &PaperId) -> bool {
        self.docs.contains(id)
    }

    /// Papers indexed.
    pub fn docs(&self) -> usize {
        self.docs.len()
    }

    /// Bytes the index holds (terms, postings, tables), for the memory budget.
    pub fn heap_bytes(&self) -> usize {
        self.terms.capacity()
            + self.term_ends.capacity() * 4
            + self.postings.capacity()
            + self.post_ends.capacity() * 4
            + self.doc_lengths.capacity() * 4
            + (self.docs.capacity() + self.has.capacity()) * std::mem::size_of::<PaperId>()
    }

    /// Records that `id` has a full text (its words follow with the next rebuild).
    pub fn mark(&mut self, id: &PaperId) {
        self.has.insert(id.clone());
    }

    /// This index with `added` documents (id, plain text) indexed too; one already indexed is
    /// skipped. Each text is dropped once tokenized, so `added` may read them one at a time.
    /// Rebuilds the term tables, so add in batches.
    pub fn with_docs(&self, added: impl IntoIterator<Item = (PaperId, String)>) -> FullTextIndex {
        // term → (doc, tf) for every document, old and new.
        let mut table: HashMap<String, Vec<(u32, u32)>> = HashMap::new();
        for term in 0..self.term_ends.len() {
            let postings = self.decode(term);
            table.insert(self.term(term).to_string(), postings);
        }
        let mut docs = self.docs.clone();
        let mut doc_lengths = self.doc_lengths.clone();
        let mut has = self.has.clone();
        let known: HashSet<PaperId> = self.docs.iter().cloned().collect();
        let mut counts: HashMap<String, u32> = HashMap::new();
        let mut token = String::new();
        for (id, text) in added {
            has.insert(id.clone());
            if known.contains(&id) {
                continue;
            }
            let Ok(number) = u32::try_from(docs.len()) else {
                break;
            };
            counts.clear();
            let mut length = 0u32;
            for_each_token(&text, &mut token, |word| {
                length = length.saturating_add(1);
                match counts.get_mut(word) {
                    Some(count) => *count += 1,
                    None => {
                        counts.insert(word.to_string(), 1);
                    }
                }
            });
            for (word, count) in counts.drain() {
                table.entry(word).or_default().push((number, count));
            }
            docs.push(id);
            doc_lengths.push(length);
        }
        let mut sorted: Vec<(String, Vec<(u32, u32)>)> = table.into_iter().collect();
        sorted.sort_unstable_by(|a, b| a.0.cmp(&b.0));
        let mut index = FullTextIndex {
            has,
            docs,
            doc_lengths,
            ..FullTextIndex::default()
        };
        for (term, mut postings) in sorted {
            postings.sort_unstable();
            index.terms.push_str(&term);
            index
                .term_ends
                .push(u32::try_from(index.terms.len()).unwrap_or(u32::MAX));
            let mut last = 0;
            for (doc, tf) in postings {
                push_varint(&mut index.postings, doc - last);
                push_varint(&mut index.postings, tf);
                last = doc;
            }
            index
                .post_ends
                .push(u32::try_from(index.postings.len()).unwrap_or(u32::MAX));
        }
        index.terms.shrink_to_fit();
        index.postings.shrink_to_fit();
        index
    }

    fn term(&self, at: usize) -> &str {
        let start = if at == 0 {
            0
        } else {
            self.term_ends[at - 1] as usize
        };
        &self.terms[start..self.term_ends[at] as usize]
    }

    fn decode(&self, at: usize) -> Vec<(u32, u32)> {
        let start = if at == 0 {
            0
        } else {
            self.post_ends[at - 1] as usize
        };
        let mut bytes = &self.postings[start..self.post_ends[at] as usize];
        let mut out = Vec::new();
        let mut doc = 0;
        while !bytes.is_empty() {
            let (gap, rest) = read_varint(bytes);
            let (tf, rest) = read_varint(rest);
            doc += gap;
            out.push((doc, tf));
            bytes = rest;
        }
        out
    }

    /// Terms equal to `token` (or starting with it, with `prefix`), as term numbers.
    fn terms_for(&self, token: &str, prefix: bool) -> std::ops::Range<usize> {
        let count = self.term_ends.len();
        let first = partition(count, |at| self.term(at) < token);
        let end = if prefix {
            first + partition(count - first, |at| self.term(first + at).starts_with(token))
        } else if first < count && self.term(first) == token {
            first + 1
        } else {
            first
        };
        first..end
    }

    /// Documents holding `token` (or a word it starts), with the summed term frequency.
    fn doc_frequencies(&self, token: &str, prefix: bool) -> HashMap<u32, u32> {
        let mut found: HashMap<u32, u32> = HashMap::new();
        for term in self.terms_for(token, prefix) {
            for (doc, tf) in self.decode(term) {
                *found.entry(doc).or_default() += tf;
            }
        }
        found
    }

    /// Documents holding every token (the last by prefix).
    fn matching_docs(&self, tokens: &[String]) -> HashMap<u32, Vec<u32>> {
        let mut result: Option<HashMap<u32, Vec<u32>>> = None;
        for (at, token) in tokens.iter().enumerate() {
            let found = self.doc_frequencies(token, at + 1 == tokens.len());
            result = Some(match result {
                None => found.into_iter().map(|(d, tf)| (d, vec![tf])).collect(),
                Some(mut so_far) => {
                    so_far.retain(|doc, _| found.contains_key(doc));
                    for (doc, tfs) in so_far.iter_mut() {
                        tfs.push(found.get(doc).copied().unwrap_or(0));
                    }
                    so_far
                }
            });
            if result.as_ref().is_some_and(HashMap::is_empty) {
                break;
            }
        }
        result.unwrap_or_default()
    }

    /// Adds to `set` the rows whose full text holds every token.
    pub fn matching<T: Keyed>(&self, tokens: &[String], row_of: &RowIndex<T>, set: &mut RowSet) {
        if tokens.is_empty() {
            return;
        }
        for doc in self.matching_docs(tokens).keys() {
            if let Some(row) = row_of.get(&self.docs[*doc as usize]) {
                set.insert(row);
            }
        }
    }

    /// BM25 of each row's full text for `tokens`, for rows in `within`, as `(row, score)`.
    pub fn scores<T: Keyed>(
        &self,
        tokens: &[String],
        row_of: &RowIndex<T>,
        within: &RowSet,
    ) -> Vec<(usize, f32)> {
        if tokens.is_empty() || self.docs.is_empty() {
            return Vec::new();
        }
        let total = self.docs.len() as f32;
        let average = self.doc_lengths.iter().map(|&l| l as f32).sum::<f32>() / total;
        let matched = self.matching_docs(tokens);
        let frequencies: Vec<f32> = tokens
            .iter()
            .enumerate()
            .map(|(at, token)| self.doc_frequencies(token, at + 1 == tokens.len()).len() as f32)
            .collect();
        let mut out = Vec::with_capacity(matched.len());
        for (doc, tfs) in matched {
            let Some(row) = row_of.get(&self.docs[doc as usize]) else {
                continue;
            };
            if !within.contains(row) {
                continue;
            }
            let length = self.doc_lengths[doc as usize] as f32;
            let score: f32 = tfs
                .iter()
                .zip(&frequencies)
                .map(|(&tf, &df)| bm25(tf as f32, df, total, length, average))
                .sum();
            out.push((row, score));
        }
        out
    }
}

/// BM25 (k1 = 1.2, b = 0.75, as the title/abstract index) of one word in one document.
fn bm25(tf: f32, df: f32, docs: f32, length: f32, average: f32) -> f32 {
    const K1: f32 = 1.2;
    const B: f32 = 0.75;
    let idf = (1.0 + (docs - df + 0.5) / (df + 0.5)).ln();
    let norm = K1 * (1.0 - B + B * length / average.max(1.0));
    idf * tf * (K1 + 1.0) / (tf + norm)
}

/// The first index in `0..count` for which `before` is false (`before` is true, then false).
fn partition(count: usize, before: impl Fn(usize) -> bool) -> usize {
    let (mut low, mut high) = (0, count);
    while low < high {
        let mid = low + (high - low) / 2;
        if before(mid) {
            low = mid + 1;
        } else {
            high = mid;
        }
    }
    low
}

fn push_varint(out: &mut Vec<u8>, mut value: u32) {
    while value >= 0x80 {
        out.push((value as u8) | 0x80);
        value >>= 7;
    }
    out.push(value as u8);
}

fn read_varint(bytes: &[u8]) -> (u32, &[u8]) {
    let mut value = 0u32;
    let mut shift = 0;
    for (at, &byte) in bytes.iter().enumerate() {
        value |= u32::from(byte & 0x7f) << shift;
        if byte & 0x80 == 0 {
            return (value, &bytes[at + 1..]);
        }
        shift += 7;
        if shift > 28 {
            break;
        }
    }
    (value, &[])
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rowstore::RowStore;

    fn id(n: u32) -> PaperId {
        PaperId::from_arxiv(&format!("2504.{n:05}")).unwrap()
    }

    #[test]
    fn words_are_found_by_prefix_and_all_must_be_there() {
        let (a, b) = (id(1), id(2));
        let index = FullTextIndex::default().with_docs([
            (
                a.clone(),
                "Mixture of experts routing with load balancing.".to_string(),
            ),
            (
                b.clone(),
                "Diffusion models; routing noise. Routing again.".to_string(),
            ),
        ]);
        let row_of = RowIndex::build(&RowStore::from_newest_first(vec![a.clone(), b.clone()]));
        let rows = |tokens: &[&str]| {
            let tokens: Vec<String> = tokens.iter().map(|t| t.to_string()).collect();
            let mut set = RowSet::empty(2);
            index.matching(&tokens, &row_of, &mut set);
            (0..2).filter(|&r| set.contains(r)).collect::<Vec<_>>()
        };
        assert_eq!(rows(&["routing"]), [0, 1]);
        assert_eq!(rows(&["rout"]), [0, 1], "the last word by prefix");
        assert_eq!(rows(&["load", "bal"]), [0]);
        assert_eq!(rows(&["routing", "load"]), [0]);
        assert!(rows(&["rout", "load"]).is_empty(), "earlier words exactly");
        assert_eq!(rows(&["quasicrystal"]), Vec::<usize>::new());
        let scores = index.scores(&["routing".into()], &row_of, &RowSet::full(2));
        let score = |row| scores.iter().find(|(r, _)| *r == row).unwrap().1;
        assert!(score(1) > score(0), "two hits outrank one");
        assert!(index.has(&a) && index.is_indexed(&b));
    }

    #[test]
    fn adding_documents_keeps_the_old_ones_and_skips_repeats() {
        let (a, b) = (id(1), id(2));
        let first = FullTextIndex::marks_only(HashSet::from([a.clone(), b.clone()]))
            .with_docs([(a.clone(), "alpha beta".to_string())]);
        assert!(first.has(&b) && !first.is_indexed(&b));
        let second = first.with_docs([
            (a.clone(), "ignored".to_string()),
            (b.clone(), "beta gamma".to_string()),
        ]);
        assert_eq!(second.docs(), 2);
        let row_of = RowIndex::build(&RowStore::from_newest_first(vec![a.clone(), b.clone()]));
        let mut set = RowSet::empty(2);
        second.matching(&["beta".into()], &row_of, &mut set);
        assert!(set.contains(0) && set.contains(1));
        let mut set = RowSet::empty(2);
        second.matching(&["ignored".into()], &row_of, &mut set);
        assert!(set.is_empty());
    }

    #[test]
    fn varints_round_trip() {
        let mut bytes = Vec::new();
        for value in [0, 1, 127, 128, 300, u32::MAX] {
            push_varint(&mut bytes, value);
        }
        let mut rest = bytes.as_slice();
        for value in [0, 1, 127, 128, 300, u32::MAX] {
            let (read, tail) = read_varint(rest);
            assert_eq!(read, value);
            rest = tail;
        }
    }
}
