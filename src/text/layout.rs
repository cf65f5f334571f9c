//! The layout stage of normalisation and text measuring: whitespace runs collapsed, hard wraps
//! unwrapped, paragraphs kept (block layout) or flattened (line layout), length capped with `…`;
//! and `fit`, which cuts a string to a display width for the screen and for notices.
//!
//! Layer: part of `text`, which imports nothing from the crate but itself.

use unicode_width::{UnicodeWidthChar, UnicodeWidthStr};

use super::{LINE_MARK, PARAGRAPH_MARK};

/// Longest normalised title, author name or keyword, in characters.
pub(super) const LINE_MAX_CHARS: usize = 2_000;
/// Longest normalised abstract or summary, in characters.
pub(super) const BLOCK_MAX_CHARS: usize = 200_000;

/// How normalised text is laid out.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Layout {
    /// Everything on one line.
    Line,
    /// Paragraphs separated by `\n\n`.
    Block,
}

impl Layout {
    pub(super) fn max_chars(self) -> usize {
        match self {
            Layout::Line => LINE_MAX_CHARS,
            Layout::Block => BLOCK_MAX_CHARS,
        }
    }
}

/// Cuts `text` to at most `width` display columns (CJK and emoji count two), ending in `…`
/// when cut.
pub fn fit(text: &str, width: usize) -> String {
    if text.width() <= width {
        return text.to_string();
    }
    if width == 0 {
        return String::new();
    }
    let mut out = String::new();
    let mut used = 0;
    for c in text.chars() {
        let w = c.width().unwrap_or(0);
        if used + w > width - 1 {
            break;
        }
        used += w;
        out.push(c);
    }
    out.push('…');
    out
}

/// Collapses whitespace runs to one space (or `\n\n` between paragraphs in block layout),
/// trims, and caps the result at `max_chars` characters, ending in `…` when cut. Words are
/// copied as whole slices: this is the hot loop of ingest.
pub(super) fn lay_out(text: &str, layout: Layout, max_chars: usize) -> String {
    let bytes = text.as_bytes();
    let mut out = String::with_capacity(text.len().min(max_chars.saturating_mul(4)));
    let mut chars_out = 0usize;
    let mut gap = Gap::default();
    let mut pos = 0;
    while pos < bytes.len() {
        if let Some((ch, len)) = whitespace_at(text, pos) {
            gap.see(ch);
            pos += len;
            continue;
        }
        let (word_end, word_chars) = word_end(text, pos);
        let word = &text[pos..word_end];
        pos = word_end;
        if gap.seen && !out.is_empty() {
            let separator = if layout == Layout::Block && gap.paragraph {
                "\n\n"
            } else {
                " "
            };
            if !push_capped(
                &mut out,
                &mut chars_out,
                separator,
                separator.len(),
                max_chars,
            ) {
                return out;
            }
        }
        gap = Gap::default();
        if !push_capped(&mut out, &mut chars_out, word, word_chars, max_chars) {
            return out;
        }
    }
    out
}

/// The whitespace between two words, and whether it separates paragraphs: a blank line, a
/// newline followed by two or more spaces, or a paragraph mark.
#[derive(Debug, Default, Clone, Copy)]
struct Gap {
    seen: bool,
    paragraph: bool,
    after_newline: bool,
    indent: usize,
}

impl Gap {
    fn see(&mut self, ch: char) {
        self.seen = true;
        match ch {
            '\n' | LINE_MARK => {
                if self.after_newline {
                    self.paragraph = true;
                }
                self.after_newline = true;
                self.indent = 0;
            }
            PARAGRAPH_MARK => self.paragraph = true,
            _ if self.after_newline => {
                self.indent += 1;
                if self.indent >= 2 {
                    self.paragraph = true;
                }
            }
            _ => {}
        }
    }
}

/// The whitespace character at byte `pos` and its length, if there is one.
fn whitespace_at(text: &str, pos: usize) -> Option<(char, usize)> {
    let b = text.as_bytes()[pos];
    if b.is_ascii() {
        return is_ascii_space(b).then_some((char::from(b), 1));
    }
    let ch = text[pos..].chars().next()?;
    ch.is_whitespace().then_some((ch, ch.len_utf8()))
}

/// Where the run of words starting at `pos` ends (byte index) and how many characters it
/// has. A single space between two words stays inside the run, so ordinary prose is copied
/// in long slices; any other whitespace ends it.
fn word_end(text: &str, mut pos: usize) -> (usize, usize) {
    let bytes = text.as_bytes();
    let mut chars = 0;
    while pos < bytes.len() {
        // Printable ASCII with single spaces, eight bytes at a time: almost all of real text.
        let run = &bytes[pos..pos + printable_ascii_run(&bytes[pos..])];
        if let Some(double) = memchr::memmem::find(run, b"  ") {
            return (pos + double, chars + double);
        }
        // A space at the end of the run is decided by what follows it, below.
        let take = run.len() - usize::from(run.last() == Some(&b' '));
        pos += take;
        chars += take;
        let Some(&b) = bytes.get(pos) else { break };
        if b == b' ' {
            let next_is_word = match bytes.get(pos + 1) {
                Some(next) if next.is_ascii() => !is_ascii_space(*next),
                Some(_) => text[pos + 1..]
                    .chars()
                    .next()
                    .is_some_and(|c| !c.is_whitespace()),
                None => false,
            };
            if !next_is_word {
                return (pos, chars);
            }
            pos += 1;
        } else if b.is_ascii() {
            if is_ascii_space(b) {
                return (pos, chars);
            }
            pos += 1;
        } else {
            match text[pos..].chars().next() {
                Some(ch) if ch.is_whitespace() => return (pos, chars),
                Some(ch) => pos += ch.len_utf8(),
                None => return (pos, chars),
            }
        }
        chars += 1;
    }
    (pos, chars)
}

/// How many bytes at the start of `bytes` are printable ASCII or spaces (0x20..=0x7e), checked
/// a word at a time: the scans of the layout and control stages skip plain prose with it.
pub(super) fn printable_ascii_run(bytes: &[u8]) -> usize {
    const ONES: u64 = 0x0101_0101_0101_0101;
    const HIGH: u64 = 0x8080_8080_8080_8080;
    let mut count = 0;
    for chunk in bytes.chunks_exact(8) {
        let mut word = [0u8; 8];
        word.copy_from_slice(chunk);
        let word = u64::from_le_bytes(word);
        // A byte below 0x20, or above 0x7e (0x7f and everything non-ASCII), sets its high bit
        // in one of these (the classic "has less" / "has more" word tests).
        let below = word.wrapping_sub(0x20 * ONES) & !word & HIGH;
        let above = (word.wrapping_add(ONES) | word) & HIGH;
        if below | above != 0 {
            break;
        }
        count += 8;
    }
    count
        + bytes[count..]
            .iter()
            .take_while(|b| (0x20..0x7f).contains(*b))
            .count()
}

fn is_ascii_space(b: u8) -> bool {
    b == b' ' || (b'\t'..=b'\r').contains(&b)
}

/// Appends `piece` unless that would pass `max_chars`; then cuts the text to `max_chars - 1`
/// characters plus `…` and returns false.
fn push_capped(
    out: &mut String,
    chars_out: &mut usize,
    piece: &str,
    piece_chars: usize,
    max_chars: usize,
) -> bool {
    if chars_out.saturating_add(piece_chars) <= max_chars {
        out.push_str(piece);
        *chars_out += piece_chars;
        return true;
    }
    let keep = max_chars.saturating_sub(1);
    if *chars_out > keep {
        let cut = out
            .char_indices()
            .nth(keep)
            .map_or(out.len(), |(index, _)| index);
        out.truncate(cut);
    } else {
        let take = keep - *chars_out;
        let cut = piece
            .char_indices()
            .nth(take)
            .map_or(piece.len(), |(index, _)| index);
        out.push_str(&piece[..cut]);
    }
    let trimmed = out.trim_end().len();
    out.truncate(trimmed);
    out.push('…');
    false
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::text::test_strategies::{hostile_text, plain_looking_text};
    use crate::text::{normalize_block as block, normalize_line as line};
    use proptest::prelude::*;

    #[test]
    fn fit_counts_wide_characters_as_two_columns() {
        assert_eq!(fit("短い題名です", 6), "短い…");
        assert_eq!(fit("短い題名です", 6).width(), 5);
        assert_eq!(fit("abc", 3), "abc");
        assert_eq!(fit("abcd", 3), "ab…");
        assert_eq!(fit("🚀🚀🚀", 4), "🚀…");
        assert_eq!(fit("abc", 0), "");
    }

    // --- whitespace, hard wraps, paragraphs -----------------------------------------------

    #[test]
    fn whitespace_runs_and_hard_wraps_collapse_in_a_line() {
        assert_eq!(
            line("  Breaking the Memory Barrier:\n  Near Infinite\tBatch  "),
            "Breaking the Memory Barrier: Near Infinite Batch"
        );
        assert_eq!(
            line("one\n\ntwo\r\nthree\u{a0}four\u{3000}five"),
            "one two three four five"
        );
    }

    #[test]
    fn block_keeps_blank_line_paragraphs_and_unwraps_single_newlines() {
        let raw = "Contrastive loss is a powerful approach, where\nlarger batch sizes help.\n\n\n  Second paragraph\nwraps here.";
        assert_eq!(
            block(raw),
            "Contrastive loss is a powerful approach, where larger batch sizes help.\n\nSecond paragraph wraps here."
        );
    }

    #[test]
    fn block_treats_newline_and_indent_as_a_paragraph_break() {
        let raw = "First paragraph ends here.\n  In this work we initiate the study.\n rest of it";
        assert_eq!(
            block(raw),
            "First paragraph ends here.\n\nIn this work we initiate the study. rest of it"
        );
    }

    #[test]
    fn block_reads_html_paragraphs_and_double_line_breaks() {
        assert_eq!(
            block("<p>One\n      wrapped</p>\n<p>Two</p>"),
            "One wrapped\n\nTwo"
        );
        assert_eq!(block("One<br>still one<br><br>Two"), "One still one\n\nTwo");
        assert_eq!(
            block("&lt;p&gt;One&lt;/p&gt;&lt;p&gt;Two&lt;/p&gt;"),
            "One\n\nTwo"
        );
    }

    #[test]
    fn line_flattens_paragraphs() {
        assert_eq!(line("<p>One</p><p>Two</p>"), "One Two");
        assert_eq!(line("One\n\n  Two"), "One Two");
    }

    #[test]
    fn empty_and_blank_input_gives_empty_output() {
        assert_eq!(line(""), "");
        assert_eq!(block(" \n\n \t "), "");
        assert_eq!(line("<p></p>"), "");
    }

    // --- caps ----------------------------------------------------------------------------

    #[test]
    fn long_lines_are_capped_with_an_ellipsis() {
        let capped = line(&"word ".repeat(1_000));
        assert_eq!(capped.chars().count(), LINE_MAX_CHARS);
        assert!(
            capped.ends_with("word…"),
            "{}",
            &capped[capped.len() - 20..]
        );
        let exact = "x".repeat(LINE_MAX_CHARS);
        assert_eq!(line(&exact), exact);
    }

    #[test]
    fn long_blocks_are_capped_with_an_ellipsis() {
        let capped = block(&"abcdefghi ".repeat(30_000));
        assert_eq!(capped.chars().count(), BLOCK_MAX_CHARS);
        assert!(capped.ends_with('…'));
    }

    /// The byte-at-a-time `word_end` the word-at-a-time one replaced.
    fn word_end_one_byte_at_a_time(text: &str, mut pos: usize) -> (usize, usize) {
        let bytes = text.as_bytes();
        let mut chars = 0;
        while pos < bytes.len() {
            let ascii_run = bytes[pos..]
                .iter()
                .take_while(|b| (0x21..0x7f).contains(*b))
                .count();
            pos += ascii_run;
            chars += ascii_run;
            let Some(&b) = bytes.get(pos) else { break };
            if b == b' ' {
                let next_is_word = match bytes.get(pos + 1) {
                    Some(next) if next.is_ascii() => !is_ascii_space(*next),
                    Some(_) => text[pos + 1..]
                        .chars()
                        .next()
                        .is_some_and(|c| !c.is_whitespace()),
                    None => false,
                };
                if !next_is_word {
                    return (pos, chars);
                }
                pos += 1;
            } else if b.is_ascii() {
                if is_ascii_space(b) {
                    return (pos, chars);
                }
                pos += 1;
            } else {
                match text[pos..].chars().next() {
                    Some(ch) if ch.is_whitespace() => return (pos, chars),
                    Some(ch) => pos += ch.len_utf8(),
                    None => return (pos, chars),
                }
            }
            chars += 1;
        }
        (pos, chars)
    }

    fn scans_agree(raw: &str) -> Result<(), TestCaseError> {
        for (pos, _) in raw.char_indices() {
            if whitespace_at(raw, pos).is_none() {
                prop_assert_eq!(word_end(raw, pos), word_end_one_byte_at_a_time(raw, pos));
            }
        }
        Ok(())
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(2_000))]

        #[test]
        fn word_at_a_time_scans_agree_with_byte_at_a_time(raw in plain_looking_text()) {
            scans_agree(&raw)?;
        }

        #[test]
        fn word_at_a_time_scans_agree_on_hostile_text(raw in hostile_text()) {
            scans_agree(&raw)?;
        }
    }
}
