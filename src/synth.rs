//! Deterministic synthetic papers for benchmarks: realistic lengths (titles ~100 chars,
//! abstracts ~1,500), a Zipf-ish vocabulary with a planted rare word (`quasicrystal` in 1% of
//! abstracts) and a common one (`transformer`), spread over days newest first.

use std::collections::BTreeSet;

use chrono::{Days, NaiveDate, TimeZone, Utc};

use crate::model::{Links, Paper, PaperId, SourceId};

const WORDS: &[&str] = &[
    "model",
    "learning",
    "data",
    "training",
    "language",
    "large",
    "neural",
    "network",
    "method",
    "results",
    "performance",
    "task",
    "tasks",
    "approach",
    "diffusion",
    "attention",
    "graph",
    "reinforcement",
    "policy",
    "reward",
    "vision",
    "image",
    "video",
    "speech",
    "retrieval",
    "reasoning",
    "benchmark",
    "evaluation",
    "alignment",
    "safety",
    "efficient",
    "sparse",
    "mixture",
    "experts",
    "routing",
    "token",
    "context",
    "memory",
    "inference",
    "latency",
    "quantization",
    "distillation",
    "pretraining",
    "finetuning",
    "robust",
    "adversarial",
    "causal",
    "generative",
    "contrastive",
    "embedding",
    "representation",
    "multimodal",
    "agent",
    "planning",
    "control",
    "robot",
    "protein",
    "molecule",
    "weather",
    "climate",
    "physics",
    "optimization",
    "gradient",
    "convergence",
    "bound",
    "theory",
    "kernel",
    "bayesian",
    "uncertainty",
    "calibration",
    "federated",
    "privacy",
    "fairness",
    "interpretability",
    "scaling",
    "compute",
    "hardware",
    "accelerator",
    "compiler",
    "code",
    "program",
    "synthesis",
];
const FIRST: &[&str] = &[
    "Wei", "Ana", "Li", "John", "Maria", "Yuki", "Ahmed", "Sofia", "Chen", "Lucas", "Priya",
    "Omar", "Elena", "Kenji", "Fatima", "David", "Zoë", "Jiří", "Søren", "Aisha",
];
const LAST: &[&str] = &[
    "Zhang", "Smith", "García", "Müller", "Kim", "Nguyen", "Patel", "Rossi", "Tanaka", "Silva",
    "Novak", "Ivanov", "Cohen", "Okafor", "Larsen", "Dubois", "Kowalski", "Haddad", "Wang", "Li",
];
const CATEGORIES: &[&str] = &[
    "cs.LG", "cs.CL", "cs.CV", "cs.AI", "stat.ML", "cs.RO", "q-bio.BM",
];

/// A small deterministic generator (SplitMix64), so benchmarks build the same papers each run.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }
    fn below(&mut self, n: usize) -> usize {
        usize::try_from(self.next() % n.max(1) as u64).unwrap_or(0)
    }
    /// Skewed towards the start of a list: common words are common.
    fn skewed(&mut self, n: usize) -> usize {
        let a = self.below(n);
        let b = self.below(n);
        a.min(b)
    }
}

fn sentence(rng: &mut Rng, words: usize, out: &mut String) {
    for i in 0..words {
        if i > 0 {
            out.push(' ');
        }
        out.push_str(WORDS[rng.skewed(WORDS.len())]);
    }
}

/// Paper number `index` (0 is the newest) of a synthetic cache with `per_day` papers a day,
/// the newest day being `newest_day`.
pub fn paper(index: usize, per_day: usize, newest_day: NaiveDate) -> Paper {
    let mut rng = Rng(index as u64 ^ 0x5eed);
    let day_offset = u64::try_from(index / per_day.max(1)).unwrap_or(0);
    let day = newest_day
        .checked_sub_days(Days::new(day_offset))
        .unwrap_or(newest_day);
    let yymm = format!("{:02}{:02}", day.format("%y"), day.format("%m"));
    let id = PaperId::from_stored(format!("{yymm}.{:05}", index % 100_000));
    let mut title = String::new();
    let title_words = 6 + rng.below(8);
    sentence(&mut rng, title_words, &mut title);
    if index.is_multiple_of(3) {
        title.push_str(" with transformer models");
    }
    let mut abstract_text = String::new();
    for s in 0..(8 + rng.below(5)) {
        if s > 0 {
            abstract_text.push_str(". ");
        }
        let words = 14 + rng.below(10);
        sentence(&mut rng, words, &mut abstract_text);
        if s == 2 && index % 100 == 7 {
            abstract_text.push_str(" quasicrystal");
        }
        if s == 1 && index % 10 < 7 {
            abstract_text.push_str(" transformer");
        }
    }
    abstract_text.push('.');
    let authors = (0..(1 + rng.below(8)))
        .map(|_| {
            format!(
                "{} {}",
                FIRST[rng.below(FIRST.len())],
                LAST[rng.skewed(LAST.len())]
            )
        })
        .collect();
    let mut categories: Vec<String> = Vec::new();
    for _ in 0..(1 + rng.below(3)) {
        let c = CATEGORIES[rng.skewed(CATEGORIES.len())].to_string();
        if !categories.contains(&c) {
            categories.push(c);
        }
    }
    let published = Utc
        .from_utc_datetime(&day.and_hms_opt(0, 0, 0).unwrap_or_default())
        .checked_sub_days(Days::new(1));
    let links = Links {
        abs: Some(format!("https://arxiv.org/abs/{id}")),
        pdf: Some(format!("https://arxiv.org/pdf/{id}")),
        hf: Some(format!("https://huggingface.co/papers/{id}")),
        github: (index.is_multiple_of(4))
            .then(|| format!("https://github.com/example/repo{index}")),
        project: None,
        doi: None,
    };
    Paper {
        id,
        title,
        authors,
        abstract_text,
        published,
        daily_date: Some(day),
        links,
        upvotes: Some(u32::try_from(rng.skewed(300)).unwrap_or(0)),
        comments: Some(u32::try_from(rng.below(10)).unwrap_or(0)),
        github_stars: None,
        ai_summary: None,
        ai_keywords: Vec::new(),
        categories,
        arxiv_comment: None,
        journal_ref: None,
        announce_type: None,
        sources: BTreeSet::from([if index.is_multiple_of(2) {
            SourceId::hf()
        } else {
            SourceId::arxiv()
        }]),
    }
}

/// `count` papers, newest first.
pub fn papers(count: usize, per_day: usize, newest_day: NaiveDate) -> impl Iterator<Item = Paper> {
    (0..count).map(move |i| paper(i, per_day, newest_day))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn papers_are_deterministic_and_spread_over_days() {
        let day = NaiveDate::from_ymd_opt(2025, 6, 30).unwrap();
        let a: Vec<Paper> = papers(300, 100, day).collect();
        let b: Vec<Paper> = papers(300, 100, day).collect();
        assert_eq!(a, b);
        assert_eq!(a[0].daily_date, Some(day));
        assert_eq!(a[299].daily_date, day.checked_sub_days(Days::new(2)));
        assert_eq!(
            a.iter()
                .filter(|p| p.abstract_text.contains("quasicrystal"))
                .count(),
            3
        );
        assert!(
            a.iter()
                .filter(|p| p.abstract_text.contains("transformer"))
                .count()
                > 150
        );
        let ids: BTreeSet<&PaperId> = a.iter().map(|p| &p.id).collect();
        assert_eq!(ids.len(), 300);
    }
}
