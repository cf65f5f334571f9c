//! Fuzzes the text normaliser: `normalize_line`, `normalize_block`, `sanitize_line`.
//! The body lives in `paperboat_fuzz`, shared with `tests/fuzz_smoke.rs`.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &str| paperboat_fuzz::text_normalize(data));
