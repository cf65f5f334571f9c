//! Fuzzes the arXiv RSS / Atom (listing and API) parser: any bytes, no panic, only clean papers.
#![no_main]

use std::time::Duration;

use libfuzzer_sys::fuzz_target;
use paperboat::source::arxiv::ArxivSource;
use paperboat::source::{Source, SourceRequest};

fuzz_target!(|body: &[u8]| {
    let source = ArxivSource::new(
        "http://127.0.0.1:9",
        "http://127.0.0.1:9",
        &["cs.LG".to_string()],
        &["cat:cs.AI".to_string()],
        50,
        Duration::ZERO,
    );
    let request = SourceRequest {
        url: "http://127.0.0.1:9/rss/cs.LG".into(),
        label: "cs.LG".into(),
        day: None,
        empty_on_400: false,
    };
    if let Ok(papers) = source.parse(&request, body) {
        papers.iter().for_each(paperboat_fuzz::check_paper);
    }
});
