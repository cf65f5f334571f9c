//! Fuzzes the generic RSS / Atom / JSON Feed path (feed-rs plus our mapping): any bytes, no
//! panic, only clean papers.
#![no_main]

use libfuzzer_sys::fuzz_target;
use paperboat::source::feed::FeedSource;
use paperboat::source::{Source, SourceRequest};

fuzz_target!(|body: &[u8]| {
    let source = FeedSource::new("blog", "http://127.0.0.1:9/feed.xml");
    let request = SourceRequest {
        url: "http://127.0.0.1:9/feed.xml".into(),
        label: "blog".into(),
        day: None,
        empty_on_400: false,
    };
    if let Ok(papers) = source.parse(&request, body) {
        papers.iter().for_each(paperboat_fuzz::check_paper);
    }
});
