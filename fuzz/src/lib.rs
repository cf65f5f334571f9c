//! The fuzz targets' bodies, shared with the deterministic replay in `tests/fuzz_smoke.rs`:
//! each feeds one input to a parser of untrusted text and checks, besides "no panic, no hang",
//! that parsed papers carry no character a terminal would act on and no link the reader would
//! refuse.

use std::path::Path;
use std::time::Duration;

use paperboat::config::Config;
use paperboat::keymap::{Key, Keymap};
use paperboat::model::{Paper, PaperId, parse_arxiv_id};
use paperboat::reader::check_url;
use paperboat::source::arxiv::ArxivSource;
use paperboat::source::feed::FeedSource;
use paperboat::source::hf_daily::HfDailySource;
use paperboat::source::{Source, SourceRequest};
use paperboat::text::{normalize_block, normalize_line, sanitize_line};

/// A fuzz target's body: one input in, a panic when something is wrong.
pub type Target = fn(&[u8]);

/// The fuzz targets by name, for runners that take bytes.
pub const TARGETS: &[(&str, Target)] = &[
    ("hf_json", hf_json),
    ("arxiv_feed", arxiv_feed),
    ("generic_feed", generic_feed),
    ("feed_encodings", feed_encodings),
    ("config_keymap", |bytes| with_text(bytes, config_keymap)),
    ("arxiv_id", |bytes| with_text(bytes, arxiv_id)),
    ("text_normalize", |bytes| with_text(bytes, text_normalize)),
    ("query", |bytes| with_text(bytes, query)),
];

/// Text targets see only valid UTF-8, as `fuzz_target!(|text: &str| …)` gives them.
fn with_text(bytes: &[u8], target: fn(&str)) {
    if let Ok(text) = std::str::from_utf8(bytes) {
        target(text);
    }
}

fn request(url: &str, day: Option<chrono::NaiveDate>) -> SourceRequest {
    SourceRequest {
        url: url.into(),
        label: "fuzz".into(),
        day,
        empty_on_400: false,
    }
}

/// The Hugging Face Daily Papers JSON parser.
pub fn hf_json(body: &[u8]) {
    let source = HfDailySource::new("http://127.0.0.1:9", 1, None);
    let request = request(
        "http://127.0.0.1:9/api/daily_papers?date=2026-07-13",
        chrono::NaiveDate::from_ymd_opt(2026, 7, 13),
    );
    if let Ok(papers) = source.parse(&request, body) {
        papers.iter().for_each(check_paper);
    }
}

/// The arXiv RSS / Atom (listing and API) parser.
pub fn arxiv_feed(body: &[u8]) {
    let source = ArxivSource::new(
        "http://127.0.0.1:9",
        "http://127.0.0.1:9",
        &["cs.LG".to_string()],
        &["cat:cs.AI".to_string()],
        50,
        Duration::ZERO,
    );
    if let Ok(papers) = source.parse(&request("http://127.0.0.1:9/rss/cs.LG", None), body) {
        papers.iter().for_each(check_paper);
    }
}

/// The charsets a server may declare for a feed body, picked by the input's first byte.
const DECLARED_CHARSETS: &[Option<&str>] = &[
    None,
    Some("utf-8"),
    Some("utf-16"),
    Some("utf-16be"),
    Some("utf-32"),
    Some("utf-32le"),
    Some("iso-8859-1"),
    Some("windows-1252"),
    Some("koi8-r"),
    Some("shift_jis"),
    Some("euc-jp"),
    Some("gbk"),
    Some("big5"),
    Some("x-unknown-charset"),
];

/// The generic feed path with a server-declared charset (the input's first byte picks it) and
/// the body streamed in small reads: BOM / header / declaration detection, every decoder
/// (UTF-32 included), then the reader.
pub fn feed_encodings(data: &[u8]) {
    let Some((&pick, body)) = data.split_first() else {
        return;
    };
    let charset = DECLARED_CHARSETS[usize::from(pick) % DECLARED_CHARSETS.len()];
    let source = FeedSource::new("blog", "http://127.0.0.1:9/feed.xml");
    let request = request("http://127.0.0.1:9/feed.xml", None);
    let mut reader = std::io::BufReader::with_capacity(1 + usize::from(pick % 7), body);
    let mut papers = Vec::new();
    let parsed = source.parse_stream_declared(&request, charset, &mut reader, &mut |batch| {
        papers.extend(batch);
        Ok(())
    });
    if parsed.is_ok() {
        papers.iter().for_each(check_paper);
    }
}

/// The generic RSS / Atom / JSON Feed path (the feed reader plus paperboat's mapping).
pub fn generic_feed(body: &[u8]) {
    let source = FeedSource::new("blog", "http://127.0.0.1:9/feed.xml");
    if let Ok(papers) = source.parse(&request("http://127.0.0.1:9/feed.xml", None), body) {
        papers.iter().for_each(check_paper);
    }
}

/// The TOML config and the key bindings it carries: `Config::parse`, `Keymap::with_overrides`,
/// the sources and sync settings built from it, and key spellings line by line.
pub fn config_keymap(text: &str) {
    for line in text.lines() {
        let _ = Key::parse(line).map(|key| key.display());
        let _ = Key::parse_sequence(line);
    }
    let Ok(config) = Config::parse(text, Path::new("fuzz.toml")) else {
        return;
    };
    if let Ok(keymap) = Keymap::with_overrides(&config.keys) {
        let _ = keymap.help();
    }
    for source in paperboat::sync::sources_from_config(&config, None, None) {
        let _ = source.requests(chrono::NaiveDate::MIN);
        let _ = source.requests(chrono::NaiveDate::MAX);
    }
    let _ = paperboat::sync::sync_settings_from_config(&config.sync);
}

/// arXiv id recognition: an id that is recognised is recognised again from its own output
/// (the store keys on it), and a refusal message is clean text.
pub fn arxiv_id(text: &str) {
    if let Some(id) = parse_arxiv_id(text) {
        assert_eq!(
            parse_arxiv_id(&id).as_deref(),
            Some(id.as_str()),
            "{text:?}"
        );
        assert!(
            !id.chars().any(|c| c.is_control() || c.is_whitespace()),
            "{id:?}"
        );
    }
    match PaperId::parse_user(text) {
        Ok(id) => assert_eq!(PaperId::parse_user(id.as_str()), Ok(id.clone()), "{text:?}"),
        Err(error) => {
            let message = error.to_string();
            assert!(
                !message.chars().any(|c| is_forbidden(c, false)),
                "{message:?}"
            );
        }
    }
}

/// A small catalog (titles, authors, abstracts, a star) the query target evaluates over.
fn query_catalog() -> &'static paperboat::app::Catalog {
    static CATALOG: std::sync::OnceLock<paperboat::app::Catalog> = std::sync::OnceLock::new();
    CATALOG.get_or_init(|| {
        use paperboat::app::catalog::PaperText;
        use paperboat::model::{SourceId, UserState};
        let day = chrono::NaiveDate::from_ymd_opt(2025, 4, 30).unwrap_or_default();
        let papers: Vec<Paper> = [
            ("2504.00001", "Sparse attention for long context", "cs.LG"),
            ("2504.00002", "Diffusion models für Bilder: 大規模", "cs.CV"),
            ("feed:blog:00000000000000aa", "A blog post with no id", ""),
        ]
        .iter()
        .enumerate()
        .map(|(n, (id, title, category))| {
            let mut paper = Paper::new(
                PaperId::from_stored((*id).to_string()),
                (*title).to_string(),
                if n == 2 {
                    SourceId::feed("blog")
                } else {
                    SourceId::hf()
                },
            );
            paper.authors = vec!["Ada Lovelace".into(), "Émile Borel".into()];
            paper.abstract_text = format!("We study {title} at scale.\n\nCode is released.");
            paper.daily_date = day.checked_sub_days(chrono::Days::new(n as u64));
            paper.upvotes = Some(10 * n as u32);
            paper.categories = vec![(*category).to_string()];
            paper
        })
        .collect();
        let rows = papers.iter().map(|p| p.list_row(day)).collect();
        let texts = papers
            .iter()
            .map(|p| (p.id.clone(), PaperText::of(p)))
            .collect();
        let user = std::iter::once((
            papers[0].id.clone(),
            UserState {
                starred_at: None,
                read: true,
                note: Some("revisit the ablation".into()),
            },
        ))
        .collect();
        paperboat::app::Catalog::new(rows, user, true, Some(&texts))
    })
}

/// The filter language: parse any text; a query that parses is evaluated over a small catalog,
/// ranked, and its highlight ranges fall on character boundaries of the text they mark.
pub fn query(text: &str) {
    let Ok(query) = paperboat::query::parse(text) else {
        return;
    };
    let catalog = query_catalog();
    let corpus = catalog.corpus(chrono::NaiveDate::from_ymd_opt(2025, 4, 30).unwrap_or_default());
    if let Some(rows) = query.matching(&corpus) {
        let _ = query.relevance(&corpus, &rows);
    }
    let _ = (query.has_text(), query.is_empty());
    for (_, words) in query.highlight_terms() {
        for row in catalog.rows.iter() {
            for range in paperboat::query::highlight::ranges(row.title(), &words) {
                assert!(
                    range.start <= range.end
                        && row.title().is_char_boundary(range.start)
                        && row.title().is_char_boundary(range.end),
                    "{range:?} in {:?}",
                    row.title()
                );
            }
        }
    }
}

/// The text normaliser: clean output for any input.
pub fn text_normalize(text: &str) {
    for (name, output, newlines) in [
        ("normalize_line", normalize_line(text), false),
        ("normalize_block", normalize_block(text), true),
        ("sanitize_line", sanitize_line(text), false),
    ] {
        if let Some(bad) = output.chars().find(|&c| is_forbidden(c, newlines)) {
            panic!("{name} left {bad:?} in {output:?} (from {text:?})");
        }
    }
}

/// True for a character no stored text may hold: C0/C1 controls (but `\n` in blocks), bidi
/// embeddings, overrides and isolates, zero-width characters, and line/paragraph separators.
pub fn is_forbidden(ch: char, allow_newline: bool) -> bool {
    (ch.is_control() && !(allow_newline && ch == '\n'))
        || matches!(
            ch,
            '\u{200b}'..='\u{200f}'
                | '\u{202a}'..='\u{202e}'
                | '\u{2066}'..='\u{2069}'
                | '\u{2060}'
                | '\u{061c}'
                | '\u{feff}'
                | '\u{2028}'
                | '\u{2029}'
        )
}

fn check_text(field: &str, text: &str, allow_newline: bool) {
    if let Some(bad) = text.chars().find(|&ch| is_forbidden(ch, allow_newline)) {
        panic!("{field} holds {bad:?}: {text:?}");
    }
}

/// Panics when a parsed paper holds unsafe text or a link `check_url` would refuse.
pub fn check_paper(paper: &Paper) {
    check_text("id", paper.id.as_str(), false);
    check_text("title", &paper.title, false);
    check_text("abstract", &paper.abstract_text, true);
    for author in &paper.authors {
        check_text("author", author, false);
    }
    for word in paper.ai_keywords.iter().chain(&paper.categories) {
        check_text("keyword or category", word, false);
    }
    if let Some(summary) = &paper.ai_summary {
        check_text("ai summary", summary, true);
    }
    for line in [
        &paper.arxiv_comment,
        &paper.journal_ref,
        &paper.announce_type,
    ]
    .into_iter()
    .flatten()
    {
        check_text("comment, journal or announce type", line, false);
    }
    let links = &paper.links;
    for link in [
        &links.abs,
        &links.pdf,
        &links.hf,
        &links.github,
        &links.project,
        &links.doi,
    ]
    .into_iter()
    .flatten()
    {
        if let Err(message) = check_url(link) {
            panic!("a stored link the reader refuses: {message}");
        }
    }
}
