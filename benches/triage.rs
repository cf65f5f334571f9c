//! Triage benchmark over 100,000 synthetic papers (generated deterministically here): building
//! the catalog and its text index, parsing and evaluating a fixed set of 50 queries, a whole
//! filter keystroke through the reader's `update`, ranked free-text search, and recomputing
//! For you after one new star. Prints p50/p99 per measure. Run: `cargo bench --bench triage`
//! (optionally `-- PAPERS`).

use std::collections::HashMap;
use std::time::{Duration, Instant};

use chrono::{NaiveDate, TimeZone, Utc};
use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use paperboat::app::{App, Catalog, Msg, PaperText, View, update};
use paperboat::keymap::Keymap;
use paperboat::model::{Paper, PaperId, SourceId, UserState};
use paperboat::query::{ForYou, RowDetails, RowSet, parse};

/// splitmix64: a tiny deterministic generator, so every run sees the same corpus.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }
    /// Roughly Zipf-distributed rank in 0..n (s ≈ 1).
    fn zipf(&mut self, n: usize) -> usize {
        let u = (self.next() >> 11) as f64 / (1u64 << 53) as f64;
        ((n as f64).powf(u) - 1.0) as usize % n
    }
}

const COMMON: &[&str] = &[
    "the",
    "of",
    "and",
    "a",
    "to",
    "in",
    "we",
    "for",
    "is",
    "on",
    "that",
    "with",
    "model",
    "models",
    "learning",
    "data",
    "this",
    "our",
    "by",
    "as",
    "from",
    "are",
    "method",
    "results",
    "language",
    "training",
    "large",
    "performance",
    "show",
    "propose",
    "network",
    "neural",
    "based",
    "approach",
    "tasks",
    "new",
    "which",
    "can",
    "using",
    "these",
];
/// Real topic words planted at fixed rates, so queries have known selectivity.
const TOPICS: &[(&str, usize)] = &[
    ("diffusion", 12),
    ("transformer", 20),
    ("attention", 15),
    ("mixture", 3),
    ("experts", 3),
    ("routing", 2),
    ("protein", 2),
    ("reinforcement", 6),
    ("retrieval", 5),
    ("quasicrystal", 1),
    ("sparse", 6),
    ("graph", 8),
    ("robot", 4),
    ("speech", 3),
];

fn vocabulary(rng: &mut Rng) -> Vec<String> {
    const SYLLABLES: &[&str] = &[
        "ka", "lo", "mi", "ren", "tas", "vel", "dor", "pha", "ni", "bel", "cor", "tur", "sel",
        "ma", "gri", "zon", "fu", "lex", "por", "tin", "sa", "ve", "nal", "ro", "chi", "dem",
    ];
    let mut words: Vec<String> = COMMON.iter().map(|w| w.to_string()).collect();
    while words.len() < 8000 {
        let n = 2 + rng.below(3);
        let word: String = (0..n)
            .map(|_| SYLLABLES[rng.below(SYLLABLES.len())])
            .collect();
        words.push(word);
    }
    words
}

fn text(rng: &mut Rng, words: &[String], count: usize) -> String {
    let mut out = Vec::with_capacity(count);
    for _ in 0..count {
        let roll = rng.below(1000);
        let mut planted = None;
        let mut acc = 0;
        for (word, per_mille) in TOPICS {
            acc += per_mille;
            if roll < acc {
                planted = Some(*word);
                break;
            }
        }
        out.push(planted.map_or_else(|| words[rng.zipf(words.len())].clone(), str::to_string));
    }
    out.join(" ")
}

fn corpus(papers: usize) -> (Vec<Paper>, HashMap<PaperId, UserState>) {
    let mut rng = Rng(42);
    let words = vocabulary(&mut rng);
    let first = [
        "Ada", "Alan", "Grace", "Li", "Ana", "Wei", "Maria", "Yuki", "Omar", "Zoë",
    ];
    let last: Vec<String> = (0..5000).map(|i| format!("Surname{i}")).collect();
    let categories = [
        "cs.LG", "cs.CL", "cs.CV", "cs.AI", "stat.ML", "q-bio.BM", "cs.RO",
    ];
    let latest = NaiveDate::from_ymd_opt(2025, 4, 30).unwrap_or_default();
    let mut out = Vec::with_capacity(papers);
    let mut user = HashMap::new();
    for i in 0..papers {
        let id = PaperId::from_stored(format!("25{:02}.{:05}", i % 12 + 1, i));
        let title_words = 8 + rng.below(10);
        let mut paper = Paper::new(
            id.clone(),
            text(&mut rng, &words, title_words),
            SourceId::hf(),
        );
        let abstract_words = 120 + rng.below(120);
        paper.abstract_text = text(&mut rng, &words, abstract_words);
        paper.authors = (0..1 + rng.below(8))
            .map(|_| {
                format!(
                    "{} {}",
                    first[rng.below(first.len())],
                    last[rng.zipf(last.len())]
                )
            })
            .collect();
        paper.daily_date = latest.checked_sub_days(chrono::Days::new(rng.below(365) as u64));
        paper.upvotes = Some(rng.zipf(300) as u32);
        paper.comments = Some(rng.below(5) as u32);
        if rng.below(4) == 0 {
            paper.links.github = Some("https://github.com/x/y".into());
            paper.github_stars = Some(rng.zipf(5000) as u32);
        }
        if rng.below(3) == 0 {
            paper.ai_summary = Some("summary".into());
        }
        paper.categories = vec![categories[rng.below(categories.len())].to_string()];
        if i % 10 == 0 {
            paper.sources.insert(SourceId::arxiv());
        }
        if rng.below(50) == 0 {
            user.insert(
                id,
                UserState {
                    starred_at: None,
                    read: true,
                    note: (rng.below(4) == 0).then(|| "check the routing ablation".to_string()),
                },
            );
        }
        out.push(paper);
    }
    (out, user)
}

/// The 50 queries: words, prefixes, phrases, fields, flags, counts, dates and operators.
const QUERIES: &[&str] = &[
    "t",
    "d",
    "di",
    "diffusion",
    "transformer",
    "attention",
    "quasicrystal",
    "diffusion transformer",
    "quasicrystal transformer",
    "diffusion t",
    "\"sparse transformer\"",
    "\"mixture of\"",
    "mixture-of-experts",
    "title:diffusion",
    "abs:routing",
    "author:surname12",
    "author:ada",
    "note:routing",
    "cat:cs.LG",
    "cat:cs",
    "source:arxiv",
    "source:hf",
    "id:2504.",
    "is:starred",
    "is:unread",
    "is:read",
    "has:code",
    "has:summary",
    "has:note",
    "upvotes:>50",
    "upvotes:>=100",
    "stars:>=100",
    "comments:>0",
    "date:2025-04-30",
    "since:7d",
    "since:2025-04-01",
    "before:30d",
    "diffusion OR robot",
    "graph -attention",
    "(diffusion OR speech) cat:cs.LG",
    "retrieval upvotes:>20 since:30d",
    "-is:read has:code transformer",
    "protein OR (graph AND sparse)",
    "NOT transformer",
    "robot since:2w -has:summary",
    "speech OR retrieval OR protein OR routing",
    "title:\"graph\" abs:sparse",
    "experts routing mixture",
    "a",
    "zzzz",
];

fn percentile(mut times: Vec<Duration>, p: f64) -> Duration {
    times.sort();
    let at = ((times.len() as f64 - 1.0) * p).round() as usize;
    times[at.min(times.len() - 1)]
}

fn ms(d: Duration) -> String {
    format!("{:8.3} ms", d.as_secs_f64() * 1e3)
}

fn report(name: &str, times: Vec<Duration>) {
    println!(
        "{name:<44} p50 {}  p99 {}  (n={})",
        ms(percentile(times.clone(), 0.5)),
        ms(percentile(times.clone(), 0.99)),
        times.len()
    );
}

fn main() {
    let papers: usize = std::env::args()
        .skip(1)
        .find_map(|a| a.parse().ok())
        .unwrap_or(100_000);
    let today = NaiveDate::from_ymd_opt(2025, 4, 30).unwrap_or_default();
    println!("paperboat triage benchmark: {papers} synthetic papers");

    let start = Instant::now();
    let (corpus, user) = corpus(papers);
    println!(
        "generate corpus                              {}",
        ms(start.elapsed())
    );

    let rows = corpus.iter().map(|p| p.list_row(today)).collect();
    let texts: HashMap<PaperId, PaperText> = corpus
        .iter()
        .map(|p| (p.id.clone(), PaperText::of(p)))
        .collect();
    drop(corpus);
    let start = Instant::now();
    let catalog = Catalog::new(rows, user, true, Some(&texts));
    println!(
        "build catalog + text index (loader thread)   {}",
        ms(start.elapsed())
    );
    drop(texts);
    let _ = RowDetails::default();

    // Parse + evaluate, each query 20 times.
    let mut per_query = Vec::new();
    let mut all = Vec::new();
    for query in QUERIES {
        let mut times = Vec::new();
        let mut hits = 0;
        for _ in 0..20 {
            let start = Instant::now();
            let parsed = parse(query).unwrap_or_default();
            let corpus = catalog.corpus(today);
            hits = parsed.matching(&corpus).map_or(papers, |set| set.count());
            times.push(start.elapsed());
        }
        per_query.push((query, percentile(times.clone(), 0.5), hits));
        all.extend(times);
    }
    let medians: Vec<Duration> = per_query.iter().map(|(_, t, _)| *t).collect();
    report("parse + evaluate, 50 queries (medians)", medians);
    report("parse + evaluate, all 1000 runs", all);
    per_query.sort_by_key(|(_, t, _)| std::cmp::Reverse(*t));
    for (query, time, hits) in per_query.iter().take(5) {
        println!("    slowest: {query:<40} {} ({hits} hits)", ms(*time));
    }

    // Ranked free-text search: match, score with BM25, sort.
    let ranked = [
        "diffusion",
        "transformer attention",
        "mixture experts routing",
        "\"sparse transformer\"",
        "protein",
        "graph robot",
        "title:diffusion retrieval",
        "t",
    ];
    let mut times = Vec::new();
    for query in ranked {
        for _ in 0..20 {
            let start = Instant::now();
            let parsed = parse(query).unwrap_or_default();
            let corpus = catalog.corpus(today);
            let set = parsed
                .matching(&corpus)
                .unwrap_or_else(|| RowSet::full(papers));
            let scores = parsed.relevance(&corpus, &set);
            let mut rows: Vec<usize> = set.iter().collect();
            rows.sort_by(|&a, &b| scores[b].total_cmp(&scores[a]).then(a.cmp(&b)));
            std::hint::black_box(rows);
            times.push(start.elapsed());
        }
    }
    report("ranked search (match + BM25 + sort)", times);

    // A whole keystroke through the reader: the last character of each query typed into the
    // filter of the All view (parse, evaluate, rank, keep the selection).
    let now = Utc
        .with_ymd_and_hms(2025, 4, 30, 9, 0, 0)
        .single()
        .unwrap_or_default();
    let mut app = App::new(
        Keymap::defaults().unwrap_or_else(|e| panic!("{e}")),
        catalog.clone(),
        now,
        (160, 48),
        120,
    );
    update(
        &mut app,
        Msg::Key(KeyEvent::new(KeyCode::Char('3'), KeyModifiers::NONE)),
    );
    update(&mut app, Msg::KeyTimeout);
    let _ = View::All;
    let mut times = Vec::new();
    for query in QUERIES {
        let mut chars: Vec<char> = query.chars().collect();
        let Some(last) = chars.pop() else { continue };
        for _ in 0..5 {
            app.query.text = chars.iter().collect();
            app.query.editing = true;
            let start = Instant::now();
            update(
                &mut app,
                Msg::Key(KeyEvent::new(KeyCode::Char(last), KeyModifiers::NONE)),
            );
            times.push(start.elapsed());
        }
    }
    report("one filter keystroke in the reader (All view)", times);

    // For you: 20 stars, then one more.
    let mut catalog = catalog;
    let mut starred: Vec<usize> = (0..20).map(|i| i * 4999 % papers).collect();
    let start = Instant::now();
    let base = ForYou::compute(&catalog.text, &starred);
    println!(
        "For you with 20 stars                        {}",
        ms(start.elapsed())
    );
    let mut times = Vec::new();
    for extra in 0..10 {
        starred.push((extra * 7919 + 13) % papers);
        let start = Instant::now();
        let scores = ForYou::compute(&catalog.text, &starred);
        times.push(start.elapsed());
        std::hint::black_box(scores);
        starred.pop();
    }
    report("For you recompute after one new star", times);
    let row = (0..papers)
        .max_by(|&a, &b| base.score(a).total_cmp(&base.score(b)))
        .unwrap_or(0);
    let start = Instant::now();
    let reason = base.explain(&catalog.text, row);
    println!(
        "explain one paper                            {}  ({})",
        ms(start.elapsed()),
        reason.map(|r| r.describe()).unwrap_or_default()
    );
    catalog.for_you = None;
    if let Some(hwm) = std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("VmHWM:"))
                .map(str::to_string)
        })
    {
        println!(
            "peak memory                                  {}",
            hwm.trim_start_matches("VmHWM:").trim()
        );
    }
}
