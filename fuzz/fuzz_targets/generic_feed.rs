//! Fuzzes the generic RSS / Atom / JSON Feed path (the feed reader plus our mapping): any bytes, no
//! panic, only clean papers.
//! The body lives in `paperboat_fuzz`, shared with `tests/fuzz_smoke.rs`.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| paperboat_fuzz::generic_feed(data));
