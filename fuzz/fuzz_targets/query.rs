//! Fuzzes the filter language: `query::parse`, evaluation, ranking and highlighting.
//! The body lives in `paperboat_fuzz`, shared with `tests/fuzz_smoke.rs`.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &str| paperboat_fuzz::query(data));
