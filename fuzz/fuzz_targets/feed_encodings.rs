//! Fuzzes the generic feed path with a server-declared charset and bodies in every encoding:
//! any bytes, no panic, only clean papers. The body lives in `paperboat_fuzz`, shared with
//! `tests/fuzz_smoke.rs`.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| paperboat_fuzz::feed_encodings(data));
