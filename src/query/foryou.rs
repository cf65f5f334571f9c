//! For you: every paper scored by its similarity to the starred papers, computed locally from
//! the text index. Papers are TF-IDF vectors over title and abstract words (title words count
//! double), L2-normalised; the starred papers' centroid keeps its 256 strongest words (words in
//! more than a fifth of a large catalog carry no signal and are dropped), and a paper's score is
//! its dot product with that centroid, summed over the centroid words' postings.

use std::collections::HashMap;

use super::index::{IndexField, TextIndex};

/// A (field, term id) pair: title and abstract words are separate features.
type Feature = (IndexField, u32);

/// A sparse, L2-normalised vector, sorted by feature.
type Vector = Vec<(Feature, f32)>;

/// Centroid words kept; enough to describe a taste, few enough to score 100k papers fast.
const CENTROID_WORDS: usize = 256;
/// Similarity from which a starred paper counts as one this paper is "like".
const LIKE_THRESHOLD: f32 = 0.08;
/// English function words and the words nearly every paper abstract uses ("model", "learning",
/// "propose"): they say nothing about a taste. (In a large catalog the document-frequency cut
/// drops them too; a small one needs the list.)
const STOPWORDS: &[&str] = &[
    "a",
    "about",
    "across",
    "after",
    "all",
    "also",
    "an",
    "and",
    "any",
    "are",
    "as",
    "at",
    "be",
    "been",
    "before",
    "between",
    "both",
    "but",
    "by",
    "can",
    "do",
    "each",
    "for",
    "from",
    "given",
    "has",
    "have",
    "how",
    "if",
    "in",
    "into",
    "is",
    "it",
    "its",
    "it's",
    "less",
    "many",
    "more",
    "most",
    "new",
    "no",
    "not",
    "of",
    "on",
    "one",
    "only",
    "or",
    "other",
    "our",
    "over",
    "per",
    "show",
    "so",
    "such",
    "than",
    "that",
    "the",
    "their",
    "them",
    "then",
    "there",
    "these",
    "they",
    "this",
    "those",
    "through",
    "to",
    "two",
    "under",
    "up",
    "us",
    "use",
    "using",
    "via",
    "was",
    "we",
    "were",
    "what",
    "when",
    "where",
    "which",
    "while",
    "who",
    "why",
    "will",
    "with",
    "within",
    "without",
    "yet",
    "you",
    "let",
    "lets",
    "make",
    "makes",
    "approach",
    "approaches",
    "data",
    "learn",
    "learned",
    "learning",
    "learns",
    "method",
    "methods",
    "model",
    "models",
    "paper",
    "performance",
    "propose",
    "proposed",
    "results",
    "task",
    "tasks",
    "train",
    "trained",
    "training",
    "work",
];

/// The fields For you reads, with their weights.
const FIELDS: [(IndexField, f32); 2] = [(IndexField::Title, 1.0), (IndexField::Abstract, 1.0)];

/// Scores for every row, and what is needed to explain one.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ForYou {
    /// Indexed by row; 0 when a paper shares no centroid word.
    pub scores: Vec<f32>,
    centroid: HashMap<Feature, f32>,
    starred: Vec<Vector>,
}

/// Why a paper scored: how many starred papers it is like, and the words they share most.
#[derive(Debug, Clone, PartialEq)]
pub struct Reason {
    pub like: usize,
    pub words: Vec<String>,
}

impl TextIndex {
    /// TF-IDF weight of a term seen `tf` times in a row (before normalisation).
    fn weight(&self, field: IndexField, term: usize, tf: u32, field_weight: f32) -> f32 {
        tf_idf(tf, field_weight, self.idf(field, term))
    }

    /// A term's inverse document frequency, computed once per term in the loops over its
    /// postings.
    fn idf(&self, field: IndexField, term: usize) -> f32 {
        let df = self.field(field).doc_freq(term).max(1) as f32;
        (self.rows().max(1) as f32 / df).ln()
    }

    /// Every row's vector length, for cosine similarity; computed once per index.
    pub(crate) fn vector_norms(&self) -> Vec<f32> {
        let mut norms = vec![0.0f32; self.rows()];
        for (field, field_weight) in FIELDS {
            let index = self.field(field);
            for term in 0..index.term_count() {
                if STOPWORDS.contains(&index.term(term)) {
                    continue;
                }
                let idf = self.idf(field, term);
                index.for_each_posting(term, |row, tf| {
                    let w = tf_idf(tf, field_weight, idf);
                    if let Some(norm) = norms.get_mut(row) {
                        *norm += w * w;
                    }
                });
            }
        }
        for norm in &mut norms {
            *norm = norm.sqrt();
        }
        norms
    }

    /// A row's normalised vector, read back from its term sequence.
    fn vector(&self, row: usize) -> Vector {
        let mut counts: HashMap<Feature, u32> = HashMap::new();
        for (field, _) in FIELDS {
            let index = self.field(field);
            let mut stopwords: Vec<usize> =
                STOPWORDS.iter().filter_map(|w| index.term_id(w)).collect();
            stopwords.sort_unstable();
            for term in index.row_terms(row).flatten() {
                if stopwords.binary_search(&term).is_ok() {
                    continue;
                }
                let term = u32::try_from(term).unwrap_or(u32::MAX);
                *counts.entry((field, term)).or_default() += 1;
            }
        }
        let mut vector: Vector = counts
            .into_iter()
            .map(|((field, term), tf)| {
                let field_weight = FIELDS
                    .iter()
                    .find(|(f, _)| *f == field)
                    .map_or(1.0, |(_, w)| *w);
                (
                    (field, term),
                    self.weight(field, term as usize, tf, field_weight),
                )
            })
            .filter(|(_, w)| *w > 0.0)
            .collect();
        let norm = vector.iter().map(|(_, w)| w * w).sum::<f32>().sqrt();
        if norm > 0.0 {
            for (_, w) in &mut vector {
                *w /= norm;
            }
        }
        vector.sort_by_key(|(feature, _)| *feature);
        vector
    }

    fn term_text(&self, (field, term): Feature) -> &str {
        self.field(field).term(term as usize)
    }
}

impl ForYou {
    /// Scores every row of `index` against the rows in `starred`.
    pub fn compute(index: &TextIndex, starred: &[usize]) -> ForYou {
        let rows = index.rows();
        let starred: Vec<Vector> = starred
            .iter()
            .filter(|&&row| row < rows)
            .map(|&row| index.vector(row))
            .collect();
        let mut scores = vec![0.0f32; rows];
        if starred.is_empty() {
            return ForYou {
                scores,
                ..ForYou::default()
            };
        }
        let mut sum: HashMap<Feature, f32> = HashMap::new();
        for vector in &starred {
            for (feature, w) in vector {
                *sum.entry(*feature).or_default() += w / starred.len() as f32;
            }
        }
        let norms = index.norms.get_or_init(|| index.vector_norms());
        let too_common = (rows / 5).max(1000);
        let mut strongest: Vec<(Feature, f32)> = sum
            .into_iter()
            .filter(|((field, term), _)| index.field(*field).doc_freq(*term as usize) <= too_common)
            .collect();
        strongest.sort_by(|a, b| b.1.total_cmp(&a.1).then(a.0.cmp(&b.0)));
        strongest.truncate(CENTROID_WORDS);
        for &((field, term), c) in &strongest {
            let field_weight = FIELDS
                .iter()
                .find(|(f, _)| *f == field)
                .map_or(1.0, |(_, w)| *w);
            let idf = index.idf(field, term as usize);
            index
                .field(field)
                .for_each_posting(term as usize, |row, tf| {
                    let norm = norms.get(row).copied().unwrap_or(0.0);
                    if norm > 0.0
                        && let Some(score) = scores.get_mut(row)
                    {
                        *score += c * tf_idf(tf, field_weight, idf) / norm;
                    }
                });
        }
        ForYou {
            scores,
            centroid: strongest.into_iter().collect(),
            starred,
        }
    }

    pub fn score(&self, row: usize) -> f32 {
        self.scores.get(row).copied().unwrap_or(0.0)
    }

    /// Why `row` scored, or `None` when it shares nothing with the starred papers.
    pub fn explain(&self, index: &TextIndex, row: usize) -> Option<Reason> {
        if self.score(row) <= 0.0 {
            return None;
        }
        let vector = index.vector(row);
        let like = self
            .starred
            .iter()
            .filter(|starred| dot(&vector, starred) >= LIKE_THRESHOLD)
            .count()
            .max(1);
        let mut shared: Vec<(f32, &str)> = vector
            .iter()
            .filter_map(|(feature, w)| {
                self.centroid
                    .get(feature)
                    .map(|c| (c * w, index.term_text(*feature)))
            })
            .collect();
        shared.sort_by(|a, b| b.0.total_cmp(&a.0).then(a.1.cmp(b.1)));
        let mut words: Vec<String> = Vec::new();
        for (_, word) in shared {
            if !words.iter().any(|w| w == word) {
                words.push(word.to_string());
            }
            if words.len() == 3 {
                break;
            }
        }
        Some(Reason { like, words })
    }
}

/// TF-IDF weight of a term seen `tf` times in a row, before normalisation.
#[inline]
fn tf_idf(tf: u32, field_weight: f32, idf: f32) -> f32 {
    // ln(1) is 0: most postings skip the logarithm.
    let tf_factor = if tf <= 1 { 0.0 } else { (tf as f32).ln() };
    field_weight * (1.0 + tf_factor) * idf
}

fn dot(a: &Vector, b: &Vector) -> f32 {
    let (mut i, mut j, mut sum) = (0, 0, 0.0);
    while i < a.len() && j < b.len() {
        match a[i].0.cmp(&b[j].0) {
            std::cmp::Ordering::Less => i += 1,
            std::cmp::Ordering::Greater => j += 1,
            std::cmp::Ordering::Equal => {
                sum += a[i].1 * b[j].1;
                i += 1;
                j += 1;
            }
        }
    }
    sum
}

impl Reason {
    /// "like 3 starred papers: routing, experts, balancing".
    pub fn describe(&self) -> String {
        let papers = if self.like == 1 { "paper" } else { "papers" };
        let mut text = format!("like {} starred {papers}", self.like);
        if !self.words.is_empty() {
            text.push_str(": ");
            text.push_str(&self.words.join(", "));
        }
        text
    }
}
