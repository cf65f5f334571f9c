//! Fuzzes arXiv id recognition: `model::parse_arxiv_id` and `PaperId::parse_user`.
//! The body lives in `paperboat_fuzz`, shared with `tests/fuzz_smoke.rs`.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &str| paperboat_fuzz::arxiv_id(data));
