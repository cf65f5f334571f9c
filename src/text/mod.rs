//! Text normalisation applied once at ingest: entities and tags decoded, hard wraps unwrapped,
//! whitespace collapsed, terminal control and bidi characters removed, light LaTeX made readable;
//! plus the stable hash behind source-scoped ids.
//!
//! One normalisation pass runs four linear stages: HTML (entities, tags), control removal,
//! LaTeX, layout (whitespace, paragraphs, length cap). A stage can expose text that an earlier
//! stage would have changed (`\$x\$` becomes `$x$`), so the pass is repeated until its output
//! is stable, at most `MAX_PASSES` times; plain output ends the loop after a cheap byte scan.
//!
//! This file owns the public entry points (`normalize_line`, `normalize_block`,
//! `sanitize_line`, `stable_hash`, and `fit` re-exported from `layout`), the pass and its
//! fixpoint, and the plain-text shortcut. Each stage has its own file: `html`, `controls`,
//! `latex` (with its table in `latex_symbols`) and `layout`.
//!
//! Layer: the bottom of the stack. `text` imports nothing from the crate but itself.

mod controls;
pub mod doc;
mod html;
mod html_tokens;
mod latex;
mod latex_symbols;
mod layout;
#[cfg(test)]
pub(crate) mod test_strategies;

use std::borrow::Cow;

use controls::{is_removed_char, strip_controls};
use html::decode_html;
use latex::render_latex;
use layout::{Layout, lay_out};

pub use layout::fit;

/// Passes over text that keeps changing (nested escapes); real feed text settles in two.
const MAX_PASSES: usize = 4;

/// Paragraph break emitted by the HTML stage (`<p>`, `<div>`, …) and honoured by the layout.
const PARAGRAPH_MARK: char = '\u{2029}';
/// Line break emitted by the HTML stage for `<br>`: two in a row make a paragraph.
const LINE_MARK: char = '\u{2028}';

/// Normalises one line of feed text (titles, author names): entities and tags decoded,
/// whitespace collapsed, control and bidi characters removed, light LaTeX turned to text.
pub fn normalize_line(raw: &str) -> String {
    normalize(raw, Layout::Line)
}

/// Normalises a block of feed text (abstracts, summaries): like `normalize_line`, but keeps
/// paragraph breaks as a single `\n\n`. A paragraph starts at a blank line, at `<p>` or
/// `<br><br>`, or at a newline followed by two or more spaces (how the arXiv API marks
/// paragraphs); a single newline is a hard wrap and becomes a space.
pub fn normalize_block(raw: &str) -> String {
    normalize(raw, Layout::Block)
}

/// Removes terminal control, bidi and zero-width characters and collapses whitespace,
/// without decoding anything: for text that is not feed markup (error messages, ids).
pub fn sanitize_line(raw: &str) -> String {
    let cleaned = strip_controls(raw);
    lay_out(&cleaned, Layout::Line, usize::MAX)
}

/// A stable 64-bit FNV-1a hash: the same input gives the same id on every machine and run.
pub fn stable_hash(text: &str) -> u64 {
    let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
    for byte in text.as_bytes() {
        hash ^= u64::from(*byte);
        hash = hash.wrapping_mul(0x0000_0100_0000_01b3);
    }
    hash
}

// ---------------------------------------------------------------------------------------------
// The pass and its fixpoint
// ---------------------------------------------------------------------------------------------

fn normalize(raw: &str, layout: Layout) -> String {
    if is_plain(raw) {
        // Laying out plain text gives plain text (or a cut ending in `…`): already stable.
        return lay_out(raw, layout, layout.max_chars());
    }
    normalize_by_passes(raw, layout)
}

/// The passes to their fixpoint, without the plain-text shortcut.
fn normalize_by_passes(raw: &str, layout: Layout) -> String {
    let mut current = normalize_pass(raw, layout);
    for _ in 1..MAX_PASSES {
        // A pass's output is control-free and laid out; without markup left, another pass
        // would change nothing.
        if !has_markup(&current) {
            break;
        }
        let next = normalize_pass(&current, layout);
        if next == current {
            break;
        }
        current = next;
    }
    current
}

/// One pass of every stage, for text that is not plain.
fn normalize_pass(raw: &str, layout: Layout) -> String {
    let html = if raw.bytes().any(|b| b == b'&' || b == b'<') {
        Cow::Owned(decode_html(raw))
    } else {
        Cow::Borrowed(raw)
    };
    let cleaned = strip_controls(&html);
    let readable = render_latex(&cleaned);
    lay_out(&readable, layout, layout.max_chars())
}

/// Bytes that can start markup, an escape or LaTeX.
const MARKUP: &[u8] = b"&<$\\~^{`";

const fn byte_table(allowed_printable: bool) -> [bool; 256] {
    let mut table = [false; 256];
    if allowed_printable {
        let mut b = 0x20;
        while b < 0x7f {
            table[b] = true;
            b += 1;
        }
        table[b'\n' as usize] = true;
        table[b'\t' as usize] = true;
    }
    let mut i = 0;
    while i < MARKUP.len() {
        table[MARKUP[i] as usize] = !allowed_printable;
        i += 1;
    }
    table
}

/// Printable ASCII and layout whitespace, minus markup bytes.
static PLAIN_BYTES: [bool; 256] = byte_table(true);
/// Markup bytes only.
static MARKUP_BYTES: [bool; 256] = byte_table(false);

/// True for text that one pass would only lay out: printable ASCII with no markup, escapes,
/// LaTeX or dash pairs, and other characters that are neither whitespace nor anything
/// `strip_controls` removes (accented letters, Greek, CJK, emoji). The fast path: most titles,
/// names and categories are plain.
fn is_plain(text: &str) -> bool {
    let bytes = text.as_bytes();
    let mut previous_was_dash = false;
    let mut pos = 0;
    while pos < bytes.len() {
        let b = bytes[pos];
        if b.is_ascii() {
            if !PLAIN_BYTES[usize::from(b)] || (b == b'-' && previous_was_dash) {
                return false;
            }
            previous_was_dash = b == b'-';
            pos += 1;
        } else {
            let Some(ch) = text[pos..].chars().next() else {
                return false;
            };
            if ch.is_whitespace() || is_removed_char(ch) || ch.is_control() {
                return false;
            }
            previous_was_dash = false;
            pos += ch.len_utf8();
        }
    }
    true
}

/// True when the text holds a markup byte or a dash pair, anything a pass could still change
/// in text that is already free of controls and laid out.
fn has_markup(text: &str) -> bool {
    let mut previous_was_dash = false;
    for &b in text.as_bytes() {
        if MARKUP_BYTES[usize::from(b)] || (b == b'-' && previous_was_dash) {
            return true;
        }
        previous_was_dash = b == b'-';
    }
    false
}

#[cfg(test)]
mod tests {
    use super::layout::{BLOCK_MAX_CHARS, LINE_MAX_CHARS};
    use super::test_strategies::{hostile_text, plain_looking_text};
    use super::*;
    use proptest::prelude::*;

    fn line(raw: &str) -> String {
        normalize_line(raw)
    }

    fn block(raw: &str) -> String {
        normalize_block(raw)
    }

    /// True for a character no normalised text may contain (`\n` is checked separately).
    fn is_forbidden(ch: char) -> bool {
        (ch.is_control() && ch != '\n')
            || is_removed_char(ch)
            || ch == PARAGRAPH_MARK
            || ch == LINE_MARK
    }

    // --- caps ----------------------------------------------------------------------------

    #[test]
    fn hostile_inputs_complete() {
        let title = "<b>&amp;\u{1b}[2J$\\alpha^{2}$--{".repeat(400);
        assert!(title.chars().count() >= 10_000);
        let normalized = line(&title);
        assert!(normalized.chars().count() <= LINE_MAX_CHARS);

        let pieces = [
            "{", "$", "\\(", "<a ", "&#", "<!--", "\u{1b}]", "^{", "$$", "\\frac{", "--", "~",
        ];
        let mut abstract_text = String::new();
        let mut i = 0usize;
        while abstract_text.len() < 1_000_000 {
            abstract_text.push_str(pieces[i % pieces.len()]);
            abstract_text.push_str("x ");
            i += 1;
        }
        let normalized = block(&abstract_text);
        assert!(normalized.chars().count() <= BLOCK_MAX_CHARS);

        let nested = format!("${}x{}$", "{".repeat(100_000), "}".repeat(100_000));
        let normalized = block(&nested);
        assert!(normalized.contains('x'));
    }

    #[test]
    fn stable_hash_is_fnv1a() {
        assert_eq!(stable_hash(""), 0xcbf2_9ce4_8422_2325);
        assert_eq!(stable_hash("a"), 0xaf63_dc4c_8601_ec8c);
    }

    // --- properties ----------------------------------------------------------------------

    fn assert_clean(output: &str, allow_newlines: bool) {
        for ch in output.chars() {
            assert!(!is_forbidden(ch), "forbidden {ch:?} in {output:?}");
        }
        if allow_newlines && !output.is_empty() {
            assert!(!output.contains("\n\n\n"), "{output:?}");
            for (i, piece) in output.split('\n').enumerate() {
                // Newlines come only in pairs: every other piece is empty.
                assert_eq!(piece.is_empty(), i % 2 == 1, "{output:?}");
            }
        } else if !allow_newlines {
            assert!(!output.contains('\n'), "{output:?}");
        }
        assert_eq!(output.trim(), output);
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(2_000))]

        #[test]
        fn normalize_line_is_clean_and_idempotent(raw in hostile_text()) {
            let once = normalize_line(&raw);
            assert_clean(&once, false);
            prop_assert!(once.chars().count() <= LINE_MAX_CHARS);
            prop_assert_eq!(normalize_line(&once), once);
        }

        #[test]
        fn normalize_block_is_clean_and_idempotent(raw in hostile_text()) {
            let once = normalize_block(&raw);
            assert_clean(&once, true);
            prop_assert_eq!(normalize_block(&once), once);
        }

        #[test]
        fn arbitrary_strings_normalise_cleanly(raw in any::<String>()) {
            let line_once = normalize_line(&raw);
            assert_clean(&line_once, false);
            prop_assert_eq!(normalize_line(&line_once), line_once);
            let block_once = normalize_block(&raw);
            assert_clean(&block_once, true);
            prop_assert_eq!(normalize_block(&block_once), block_once);
        }

        #[test]
        fn the_plain_text_shortcut_changes_nothing(raw in hostile_text()) {
            for layout in [Layout::Line, Layout::Block] {
                prop_assert_eq!(normalize(&raw, layout), normalize_by_passes(&raw, layout));
            }
        }

        #[test]
        fn plain_looking_text_takes_the_shortcut_unchanged(raw in plain_looking_text()) {
            for layout in [Layout::Line, Layout::Block] {
                prop_assert_eq!(normalize(&raw, layout), normalize_by_passes(&raw, layout));
            }
        }

        #[test]
        fn sanitize_line_is_clean_and_idempotent(raw in hostile_text()) {
            let once = sanitize_line(&raw);
            assert_clean(&once, false);
            prop_assert_eq!(sanitize_line(&once), once);
        }

    }
}
