//! Fuzzes the arXiv RSS / Atom (listing and API) parser: any bytes, no panic, only clean papers.
//! The body lives in `paperboat_fuzz`, shared with `tests/fuzz_smoke.rs`.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| paperboat_fuzz::arxiv_feed(data));
