//! BM25 ranking (k1 = 1.2, b = 0.75) of query words over one indexed field, from its postings
//! and row lengths.

use super::index::FieldIndex;
use super::rowset::RowSet;

impl FieldIndex {
    /// BM25 (k1 = 1.2, b = 0.75) of `tokens` for the rows in `within`, times `weight`, added
    /// into `scores`. A prefix adds at most `PREFIX_SCORED` of the terms it starts; a
    /// one-letter prefix only the word it spells, if any: it starts thousands of words, the
    /// first sixteen in term order say nothing about relevance, and scoring them was the
    /// slowest keystroke at 1M papers (`sparse m`: ~50 ms).
    pub(super) fn score(
        &self,
        tokens: &[String],
        weight: f32,
        within: &RowSet,
        scores: &mut [f32],
    ) {
        const K1: f32 = 1.2;
        const B: f32 = 0.75;
        const PREFIX_SCORED: usize = 16;
        let rows = self.rows() as f32;
        let average_length = self.average_length();
        for (i, token) in tokens.iter().enumerate() {
            let last = i + 1 == tokens.len();
            let one_letter = token.chars().nth(1).is_none();
            let range = self.matched_terms(token, last && !one_letter);
            let end = range.end.min(range.start + PREFIX_SCORED);
            for term in range.start..end {
                let df = self.doc_freq(term) as f32;
                let idf = (1.0 + (rows - df + 0.5) / (df + 0.5)).ln();
                self.for_each_posting(term, |row, tf| {
                    if !within.contains(row) {
                        return;
                    }
                    let length = f32::from(self.row_length(row));
                    let tf = tf as f32;
                    let norm = K1 * (1.0 - B + B * length / average_length);
                    if let Some(score) = scores.get_mut(row) {
                        *score += weight * idf * tf * (K1 + 1.0) / (tf + norm);
                    }
                });
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use compact_str::CompactString;

    use crate::query::index::{IndexDoc, IndexField, TextIndex};
    use crate::query::rowset::RowSet;
    use crate::query::tokenize::tokens;

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

    #[test]
    fn bm25_prefers_more_and_rarer_matches_in_shorter_text() {
        let index = index(&[
            ("Routing", &[], "routing routing routing experts"),
            (
                "Other",
                &[],
                "routing and many other words that dilute the match a lot",
            ),
            ("Nothing", &[], "unrelated"),
        ]);
        let all = RowSet::full(3);
        let mut scores = vec![0.0; 3];
        index.score(IndexField::Abstract, &tokens("routing"), &all, &mut scores);
        assert!(
            scores[0] > scores[1] && scores[1] > 0.0 && scores[2] == 0.0,
            "{scores:?}"
        );
        let mut title = vec![0.0; 3];
        index.score(IndexField::Title, &tokens("routing"), &all, &mut title);
        assert!(
            title[0] > scores[0],
            "a title match weighs more: {title:?} {scores:?}"
        );
        let mut none = vec![0.0; 3];
        index.score(
            IndexField::Abstract,
            &tokens("routing"),
            &RowSet::empty(3),
            &mut none,
        );
        assert_eq!(none, [0.0; 3], "only rows in `within` are scored");
    }
}
