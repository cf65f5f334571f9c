//! The control stage of normalisation: escape sequences removed whole, C0/C1 controls, DEL,
//! bidi, zero-width and format characters removed, other whitespace mapped to ` ` or `\n`;
//! what keeps a paper's text from acting on the terminal or disguising itself.
//!
//! Layer: part of `text`, which imports nothing from the crate but itself.

use std::borrow::Cow;

use super::layout::printable_ascii_run;
use super::{LINE_MARK, PARAGRAPH_MARK};

/// True for characters that could reorder, hide or disguise text, or that a terminal would act
/// on, apart from the whitespace controls handled separately.
pub(super) fn is_removed_char(ch: char) -> bool {
    matches!(ch,
        '\u{0}'..='\u{8}' | '\u{e}'..='\u{1f}' | '\u{7f}'..='\u{84}' | '\u{86}'..='\u{9f}'
        // Soft hyphen, Arabic format marks and letter mark, Syriac and Mongolian format chars.
        | '\u{ad}' | '\u{600}'..='\u{605}' | '\u{61c}' | '\u{6dd}' | '\u{70f}'
        | '\u{890}'..='\u{891}' | '\u{8e2}' | '\u{180e}'
        // Hangul fillers render as nothing.
        | '\u{115f}' | '\u{1160}' | '\u{3164}' | '\u{ffa0}'
        // Zero-width space/joiners, LRM/RLM, bidi embeddings and overrides.
        | '\u{200b}'..='\u{200f}' | '\u{202a}'..='\u{202e}'
        // Word joiner, invisible operators, bidi isolates, deprecated format controls.
        | '\u{2060}'..='\u{2064}' | '\u{2066}'..='\u{206f}'
        | '\u{feff}' | '\u{fff9}'..='\u{fffb}'
        | '\u{110bd}' | '\u{110cd}' | '\u{13430}'..='\u{1343f}' | '\u{1bca0}'..='\u{1bca3}'
        | '\u{1d173}'..='\u{1d17a}'
        // Tag characters and the variation selectors supplement can carry hidden text.
        | '\u{e0000}'..='\u{e007f}' | '\u{e0100}'..='\u{e01ef}')
}

/// The byte index of the first character at or after `pos` that `strip_controls` must act
/// on (anything but printable text, `\n`, ` ` and the paragraph and line marks it keeps as
/// they are), or the length of the text.
fn next_control(text: &str, mut pos: usize) -> usize {
    let bytes = text.as_bytes();
    while pos < bytes.len() {
        pos += printable_ascii_run(&bytes[pos..]);
        let Some(&b) = bytes.get(pos) else { break };
        if b.is_ascii() {
            if b != b'\n' {
                return pos;
            }
            pos += 1;
        } else {
            let Some(ch) = text[pos..].chars().next() else {
                return pos;
            };
            let kept = ch == PARAGRAPH_MARK || ch == LINE_MARK;
            if !kept && (ch.is_whitespace() || is_removed_char(ch) || ch.is_control()) {
                return pos;
            }
            pos += ch.len_utf8();
        }
    }
    pos
}

/// Removes escape sequences (CSI, OSC and other string sequences, two-byte escapes) whole,
/// every C0/C1 control, DEL, bidi, zero-width and format character; maps whitespace to ` `
/// or `\n` (the HTML stage's paragraph and line marks are kept for the layout).
///
/// The 8-bit CSI (U+009B) takes its short parameter run with it; other C1 characters go
/// alone, because in feed text they are far more often mis-decoded Windows-1252 than a
/// terminal string whose payload would be worth hiding.
pub(super) fn strip_controls(text: &str) -> Cow<'_, str> {
    strip_controls_with(text, next_control)
}

/// `strip_controls` with the scan for the next character to act on given (tests compare
/// scans).
fn strip_controls_with(text: &str, next_control: fn(&str, usize) -> usize) -> Cow<'_, str> {
    let mut clean_end = next_control(text, 0);
    if clean_end == text.len() {
        return Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len());
    let mut pos = 0;
    while pos < text.len() {
        out.push_str(&text[pos..clean_end]);
        let mut chars = text[clean_end..].chars();
        if let Some(ch) = chars.next() {
            match ch {
                '\u{1b}' => skip_escape_sequence(&mut chars),
                '\u{9b}' => skip_csi_body(&mut chars),
                '\r' => {
                    if peek(&chars) != Some('\n') {
                        out.push('\n');
                    }
                }
                '\n' | '\u{85}' => out.push('\n'),
                PARAGRAPH_MARK | LINE_MARK => out.push(ch),
                _ if ch.is_whitespace() => out.push(' '),
                _ if is_removed_char(ch) || ch.is_control() => {}
                _ => out.push(ch),
            }
        }
        pos = text.len() - chars.as_str().len();
        clean_end = next_control(text, pos);
    }
    Cow::Owned(out)
}

type CharStream<'a> = std::str::Chars<'a>;

fn peek(chars: &CharStream<'_>) -> Option<char> {
    chars.as_str().chars().next()
}

/// Consumes the next character if it lies in `range`.
fn next_in(chars: &mut CharStream<'_>, range: std::ops::RangeInclusive<char>) -> bool {
    let matched = peek(chars).is_some_and(|c| range.contains(&c));
    if matched {
        chars.next();
    }
    matched
}

/// Skips what follows an ESC: a CSI, a control string, or an `ESC <intermediates> <final>`.
fn skip_escape_sequence(chars: &mut CharStream<'_>) {
    match peek(chars) {
        Some('[') => {
            chars.next();
            skip_csi_body(chars);
        }
        Some(']' | 'P' | 'X' | '^' | '_') => {
            chars.next();
            skip_control_string(chars);
        }
        Some(c) if ('\u{20}'..='\u{2f}').contains(&c) => {
            while next_in(chars, '\u{20}'..='\u{2f}') {}
            next_in(chars, '\u{30}'..='\u{7e}');
        }
        Some(c) if ('\u{30}'..='\u{7e}').contains(&c) => {
            chars.next();
        }
        _ => {}
    }
}

/// Skips CSI parameter and intermediate bytes and the final byte.
fn skip_csi_body(chars: &mut CharStream<'_>) {
    while next_in(chars, '\u{20}'..='\u{3f}') {}
    next_in(chars, '\u{40}'..='\u{7e}');
}

/// Skips a control string up to and including its terminator (BEL, `ESC \` or ST); an
/// unterminated string runs to the end of the text, as it would on a terminal.
fn skip_control_string(chars: &mut CharStream<'_>) {
    while let Some(c) = chars.next() {
        match c {
            '\u{7}' | '\u{9c}' => return,
            '\u{1b}' if peek(chars) == Some('\\') => {
                chars.next();
                return;
            }
            _ => {}
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::text::test_strategies::{hostile_text, plain_looking_text};
    use crate::text::{normalize_block as block, normalize_line as line, sanitize_line};
    use proptest::prelude::*;

    // --- terminal control, bidi, zero-width ----------------------------------------------

    #[test]
    fn escape_sequences_are_removed_whole() {
        assert_eq!(line("a\u{1b}[2Jb"), "ab");
        assert_eq!(line("\u{1b}[31;1mred\u{1b}[0m"), "red");
        assert_eq!(line("x\u{1b}]0;evil title\u{7}y"), "xy");
        assert_eq!(
            line("x\u{1b}]8;;http://e.vil\u{1b}\\link\u{1b}]8;;\u{1b}\\y"),
            "xlinky"
        );
        assert_eq!(line("a\u{1b}(Bb\u{1b}7c\u{1b}"), "abc");
        assert_eq!(line("a\u{9b}2Jb"), "ab");
        assert_eq!(line("a\u{9d}b\u{9c}c"), "abc");
        assert_eq!(line("a\u{1b}Pdevice\u{1b}\\b"), "ab");
    }

    #[test]
    fn escape_sequences_from_entities_are_removed_whole() {
        assert_eq!(line("a&#27;[2Jb"), "ab");
        assert_eq!(line("a&#x1b;]0;t&#7;b"), "ab");
    }

    #[test]
    fn c0_c1_and_del_controls_are_removed() {
        assert_eq!(
            line("be\u{7}ll back\u{8}space del\u{7f} nul\u{0}"),
            "bell backspace del nul"
        );
        assert_eq!(line("c1\u{80}\u{9f}\u{84}\u{9d}\u{90} text"), "c1 text");
        assert_eq!(line("over\rwrite"), "over write");
        assert_eq!(block("next\u{85}line"), "next line");
    }

    #[test]
    fn bidi_controls_are_removed() {
        let raw = "safe\u{202e}txt.exe\u{202c} \u{202a}\u{202b}\u{202d}\u{2066}\u{2067}\u{2068}\u{2069}\u{200e}\u{200f}\u{61c}x";
        assert_eq!(line(raw), "safetxt.exe x");
    }

    #[test]
    fn zero_width_and_format_characters_are_removed() {
        let raw = "ze\u{200b}ro\u{200c}wi\u{200d}dth\u{2060}\u{feff} soft\u{ad}hyphen tag\u{e0041}\u{e007f}s";
        assert_eq!(line(raw), "zerowidth softhyphen tags");
    }

    #[test]
    fn sanitize_line_removes_controls_but_decodes_nothing() {
        assert_eq!(
            sanitize_line(" bad\u{1b}[2J \u{202e}id\n&amp; $\\alpha$ "),
            "bad id &amp; $\\alpha$"
        );
    }

    /// The byte-at-a-time `next_control` the word-at-a-time one replaced.
    fn next_control_one_byte_at_a_time(text: &str, mut pos: usize) -> usize {
        let bytes = text.as_bytes();
        while pos < bytes.len() {
            let b = bytes[pos];
            if b.is_ascii() {
                if !((0x20..0x7f).contains(&b) || b == b'\n') {
                    return pos;
                }
                pos += 1;
            } else {
                let Some(ch) = text[pos..].chars().next() else {
                    return pos;
                };
                if ch.is_whitespace() || is_removed_char(ch) || ch.is_control() {
                    return pos;
                }
                pos += ch.len_utf8();
            }
        }
        pos
    }

    fn scans_agree(raw: &str) -> Result<(), TestCaseError> {
        // The new scan also passes over the paragraph and line marks, which are kept as they
        // are: what `strip_controls` makes of the text must not change.
        prop_assert_eq!(
            strip_controls(raw),
            strip_controls_with(raw, next_control_one_byte_at_a_time)
        );
        Ok(())
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(2_000))]

        #[test]
        fn word_at_a_time_control_scan_agrees_with_byte_at_a_time(raw in plain_looking_text()) {
            scans_agree(&raw)?;
        }

        #[test]
        fn word_at_a_time_control_scan_agrees_on_hostile_text(raw in hostile_text()) {
            scans_agree(&raw)?;
        }
    }
}
