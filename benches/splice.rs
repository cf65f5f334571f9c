//! Text index benchmark (issue #15): the index alone, without the store: its build time and
//! heap by part (terms, postings, word-number sequences, the rest), the splice a sync's
//! refresh does (500 new papers in front of every kept row; then with the newest day re-read
//! as well), and the filter's word and phrase lookups, over N synthetic papers.
//! Run: `cargo bench --bench splice -- 100000 [1000000] [--tail]` (see BENCHMARKS.md).
//! `--tail` adds five words a paper from a 400,000-word long tail, so most lists are sparse as
//! with real feeds (the synthetic vocabulary alone is ~100 words, every list dense).

mod common;
use common::{mib, ms, percentile};
use std::time::Instant;

use chrono::NaiveDate;
use compact_str::CompactString;
use paperboat::query::tokenize::tokens;
use paperboat::query::{IndexDoc, IndexField, RowSet, SplicePiece, TextIndexBuilder};

const PER_DAY: usize = 200;
const NEW_PAPERS: usize = 500;
const REFRESHES: usize = 5;

/// One synthetic paper's indexed text.
struct Doc {
    title: String,
    authors: Vec<CompactString>,
    abstract_text: String,
}

fn doc(index: usize, tail: bool) -> Doc {
    let newest = NaiveDate::from_ymd_opt(2025, 6, 30).unwrap_or_default();
    let paper = paperboat::synth::paper(index, PER_DAY, newest);
    let mut abstract_text = paper.abstract_text;
    if tail {
        // A skewed draw from a long tail of made-up words (numbers spelled as letters).
        let mut state = (index as u64).wrapping_mul(0x9e37_79b9_7f4a_7c15) | 1;
        for _ in 0..5 {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            let a = state % 400_000;
            let b = (state >> 20) % 400_000;
            abstract_text.push(' ');
            abstract_text.push_str(&spelled(a.min(b)));
        }
    }
    Doc {
        title: paper.title,
        authors: paper.authors.iter().map(|a| a.as_str().into()).collect(),
        abstract_text,
    }
}

/// `n` as a word of letters (`q` + base-26 digits), so the tokenizer keeps it whole.
fn spelled(mut n: u64) -> String {
    let mut word = String::from("q");
    loop {
        word.push(char::from(b'a' + (n % 26) as u8));
        n /= 26;
        if n == 0 {
            return word;
        }
    }
}

fn index_doc(doc: &Doc) -> IndexDoc<'_> {
    IndexDoc {
        title: &doc.title,
        authors: (&doc.authors).into(),
        abstract_text: Some(&doc.abstract_text),
    }
}

fn load_average() -> String {
    std::fs::read_to_string("/proc/loadavg")
        .map(|l| l.split_whitespace().take(3).collect::<Vec<_>>().join(" "))
        .unwrap_or_default()
}

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let tail = args.iter().any(|a| a == "--tail");
    let sizes: Vec<usize> = args.iter().filter_map(|a| a.parse().ok()).collect();
    for count in if sizes.is_empty() {
        vec![100_000]
    } else {
        sizes
    } {
        run(count, tail);
    }
}

fn run(count: usize, tail: bool) {
    println!(
        "== {count} papers{} (load {})",
        if tail { ", long tail" } else { "" },
        load_average()
    );
    let started = Instant::now();
    let mut builder = TextIndexBuilder::new();
    // Rows 0.. are the newest; the refreshes' papers come from numbers past `count`.
    for row in 0..count {
        builder.push(index_doc(&doc(row, tail)));
    }
    let mut index = builder.finish();
    println!(
        "build {:.0} ms, RSS {:.0} MiB, peak {:.0} MiB",
        ms(started.elapsed()),
        mib("VmRSS:"),
        mib("VmHWM:")
    );
    let [terms, postings, sequences, rest] = index.heap_bytes();
    let mb = |b: usize| b as f64 / 1e6;
    println!(
        "heap MB: terms {:.1}, postings {:.1}, sequences {:.1}, rest {:.1}, total {:.1}",
        mb(terms),
        mb(postings),
        mb(sequences),
        mb(rest),
        mb(terms + postings + sequences + rest)
    );
    entropy(count.min(100_000), tail);
    let mut next_paper = count;
    // Each shape starts from the index as built (a clone shares its parts).
    let built = index.clone();
    for (shape, reread) in [
        ("500 new in front", 0),
        ("500 new + newest day re-read", PER_DAY),
    ] {
        index = built.clone();
        let mut times = Vec::new();
        for _ in 0..REFRESHES {
            let docs: Vec<Doc> = (next_paper..next_paper + NEW_PAPERS + reread)
                .map(|i| doc(i, tail))
                .collect();
            next_paper += NEW_PAPERS + reread;
            let pieces = [
                SplicePiece::Added(docs.iter().map(index_doc).collect()),
                SplicePiece::Kept(reread..index.rows()),
            ];
            let started = Instant::now();
            let spliced = index.spliced(&pieces);
            times.push(started.elapsed());
            index = spliced;
        }
        let list: Vec<String> = times.iter().map(|&t| format!("{:.1}", ms(t))).collect();
        println!(
            "splice, {shape}: p50 {:.1} ms, runs [{}] ms (load {})",
            percentile(&mut times, 0.5),
            list.join(", "),
            load_average()
        );
    }
    let queries = [
        "t",
        "tra",
        "transformer",
        "quasicrystal",
        "sparse mixture",
        "mixture experts",
        "large language model",
        "reinforcement learning p",
        "diffusion model",
        "graph neural network",
    ];
    println!("lookups over {} rows (10 runs each):", index.rows());
    for query in queries {
        let query_tokens = tokens(query);
        let mut times = Vec::new();
        let mut hits = 0;
        for _ in 0..10 {
            let started = Instant::now();
            let mut found = RowSet::empty(index.rows());
            for field in IndexField::ALL {
                index.matching(field, &query_tokens, &mut found);
            }
            times.push(started.elapsed());
            hits = found.count();
        }
        println!(
            "  {query:<26} p50 {:>7.2} ms, max {:>7.2} ms, {hits} rows",
            percentile(&mut times, 0.5),
            percentile(&mut times, 1.0)
        );
    }
    println!(
        "RSS {:.0} MiB, peak {:.0} MiB (load {})",
        mib("VmRSS:"),
        mib("VmHWM:"),
        load_average()
    );
}

/// The order-0 entropy of the title and abstract tokens over the first `sample` papers: the
/// least bits a token an entropy coder of the word numbers (no context) could spend, against
/// the varint's whole bytes.
fn entropy(sample: usize, tail: bool) {
    let mut fields: [std::collections::HashMap<String, u64>; 2] = Default::default();
    for row in 0..sample {
        let doc = doc(row, tail);
        for (field, text) in fields.iter_mut().zip([&doc.title, &doc.abstract_text]) {
            for token in tokens(text) {
                *field.entry(token).or_default() += 1;
            }
        }
    }
    for (name, counts) in ["title", "abstract"].iter().zip(&fields) {
        let total: u64 = counts.values().sum();
        let bits: f64 = counts
            .values()
            .map(|&n| {
                let p = n as f64 / total as f64;
                -p * p.log2()
            })
            .sum();
        println!(
            "{name}: {} distinct words, {:.1} tokens a paper, order-0 entropy {bits:.2} bits a token",
            counts.len(),
            total as f64 / sample.max(1) as f64
        );
    }
}
