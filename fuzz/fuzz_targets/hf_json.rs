//! Fuzzes the Hugging Face Daily Papers JSON parser: any bytes, no panic, only clean papers.
#![no_main]

use libfuzzer_sys::fuzz_target;
use paperboat::source::hf_daily::HfDailySource;
use paperboat::source::{Source, SourceRequest};

fuzz_target!(|body: &[u8]| {
    let source = HfDailySource::new("http://127.0.0.1:9", 1, None);
    let request = SourceRequest {
        url: "http://127.0.0.1:9/api/daily_papers?date=2026-07-13".into(),
        label: "2026-07-13".into(),
        day: chrono::NaiveDate::from_ymd_opt(2026, 7, 13),
        empty_on_400: false,
    };
    if let Ok(papers) = source.parse(&request, body) {
        papers.iter().for_each(paperboat_fuzz::check_paper);
    }
});
