//! Fuzzes the text normaliser: `normalize_line`, `normalize_block`, `sanitize_line` give clean,
//! stable text for any input.
#![no_main]

use libfuzzer_sys::fuzz_target;
use paperboat::text::{normalize_block, normalize_line, sanitize_line};
use paperboat_fuzz::is_forbidden;

fuzz_target!(|text: &str| {
    for (name, output, newlines) in [
        ("normalize_line", normalize_line(text), false),
        ("normalize_block", normalize_block(text), true),
        ("sanitize_line", sanitize_line(text), false),
    ] {
        if let Some(bad) = output.chars().find(|&c| is_forbidden(c, newlines)) {
            panic!("{name} left {bad:?} in {output:?} (from {text:?})");
        }
    }
});
