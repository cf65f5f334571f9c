//! Fuzzes the TOML config and the key bindings it carries: `Config::parse`, then
//! `Keymap::with_overrides`, the sources and sync settings built from it, and key spellings.
#![no_main]

use std::path::Path;

use libfuzzer_sys::fuzz_target;
use paperboat::config::Config;
use paperboat::keymap::{Key, Keymap};

fuzz_target!(|text: &str| {
    for line in text.lines() {
        let _ = Key::parse(line).map(|key| key.display());
        let _ = Key::parse_sequence(line);
    }
    let Ok(config) = Config::parse(text, Path::new("fuzz.toml")) else {
        return;
    };
    if let Ok(keymap) = Keymap::with_overrides(&config.keys) {
        let _ = keymap.help();
    }
    let _ = paperboat::sync::sources_from_config(&config, None, None)
        .iter()
        .map(|source| source.requests(chrono::NaiveDate::MIN))
        .count();
    let _ = paperboat::sync::sync_settings_from_config(&config.sync);
});
