//! Fuzzes the TOML config and its key bindings (`Config::parse`, `Keymap::with_overrides`).
//! The body lives in `paperboat_fuzz`, shared with `tests/fuzz_smoke.rs`.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &str| paperboat_fuzz::config_keymap(data));
