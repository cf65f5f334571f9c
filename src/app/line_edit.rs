//! The one-line text editor shared by the filter query (`/`) and the note editor (`a`): a text
//! and a cursor (a byte offset on a character boundary). Characters insert at the cursor;
//! `←`/`→`, `Home`/`End`, `Ctrl-a`/`Ctrl-e`, `Ctrl-←`/`Ctrl-→`, `Alt-b`/`Alt-f` move it;
//! Backspace/Delete, `Ctrl-w` (word before the cursor) and `Ctrl-u` (everything before it)
//! delete; Enter submits, Esc and `Ctrl-c` cancel (both left to the caller). Those are the
//! defaults of `[keys.input]`: the keymap says which command a key is. [`window`] picks the
//! part of a long line to show so the cursor is always on screen. Pure.

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use unicode_width::UnicodeWidthChar;

pub use crate::action::InputAction;
use crate::keymap::{Key, Keymap};

/// What a key meant to the line.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LineKey {
    /// Enter: the caller keeps the text.
    Submit,
    /// Esc or Ctrl-c: the caller drops the edit.
    Cancel,
    /// An editing key; the text may have changed (Backspace on an empty line is still an edit).
    Edited,
    /// The cursor moved; the text is unchanged.
    Moved,
    /// Not a key the editor knows (function keys, other Ctrl chords).
    Ignored,
}

/// Applies `key` to `text` at `cursor`: the editing command `keymap` binds it to in
/// `[keys.input]`, else its character is typed (a release, a control character or a chord
/// with Ctrl or Alt bound to nothing is ignored).
pub fn edit_line(
    text: &mut String,
    cursor: &mut usize,
    key: &KeyEvent,
    keymap: &Keymap,
) -> LineKey {
    let Some(pressed) = Key::from_press(key) else {
        return LineKey::Ignored;
    };
    if let Some(action) = keymap.input_action(pressed) {
        return apply(text, cursor, action);
    }
    let ctrl_or_alt = key
        .modifiers
        .intersects(KeyModifiers::CONTROL | KeyModifiers::ALT);
    match key.code {
        KeyCode::Char(c) if !ctrl_or_alt && !c.is_control() => {
            *cursor = boundary(text, *cursor);
            text.insert(*cursor, c);
            *cursor += c.len_utf8();
            LineKey::Edited
        }
        _ => LineKey::Ignored,
    }
}

/// Runs one editing command. The cursor is first put back on the text (the caller may have
/// changed the text).
pub fn apply(text: &mut String, cursor: &mut usize, action: InputAction) -> LineKey {
    *cursor = boundary(text, *cursor);
    let at = *cursor;
    match action {
        InputAction::Submit => return LineKey::Submit,
        InputAction::Cancel => return LineKey::Cancel,
        InputAction::CursorLeft => *cursor = previous_char(text, at),
        InputAction::CursorRight => *cursor = next_char(text, at),
        InputAction::WordLeft => *cursor = word_start(text, at),
        InputAction::WordRight => *cursor = word_end(text, at),
        InputAction::LineStart => *cursor = 0,
        InputAction::LineEnd => *cursor = text.len(),
        InputAction::DeleteBack => {
            let from = previous_char(text, at);
            text.replace_range(from..at, "");
            *cursor = from;
            return LineKey::Edited;
        }
        InputAction::DeleteForward => {
            let to = next_char(text, at);
            text.replace_range(at..to, "");
            return LineKey::Edited;
        }
        InputAction::DeleteWordBack => {
            let from = word_start(text, at);
            text.replace_range(from..at, "");
            *cursor = from;
            return LineKey::Edited;
        }
        InputAction::DeleteToStart => {
            text.replace_range(..at, "");
            *cursor = 0;
            return LineKey::Edited;
        }
    }
    LineKey::Moved
}

/// `at` clamped to the text and moved back onto a character boundary.
fn boundary(text: &str, at: usize) -> usize {
    let mut at = at.min(text.len());
    while !text.is_char_boundary(at) {
        at -= 1;
    }
    at
}

fn previous_char(text: &str, at: usize) -> usize {
    text[..at].char_indices().next_back().map_or(0, |(i, _)| i)
}

fn next_char(text: &str, at: usize) -> usize {
    text[at..].chars().next().map_or(at, |c| at + c.len_utf8())
}

/// The start of the word before `at` (spaces before the cursor are skipped first), as
/// readline's `Alt-b` and `Ctrl-w`.
fn word_start(text: &str, at: usize) -> usize {
    let before = text[..at].trim_end();
    before.rfind(' ').map_or(0, |i| i + 1)
}

/// The end of the word after `at`, as readline's `Alt-f`.
fn word_end(text: &str, at: usize) -> usize {
    let rest = &text[at..];
    let skipped = rest.len() - rest.trim_start().len();
    let word = rest[skipped..].find(' ').unwrap_or(rest.len() - skipped);
    at + skipped + word
}

/// The part of `text` to show in `width` columns so that the cursor is on screen, and the
/// cursor's column in it. A line cut on the left starts with `…`; one cut on the right ends
/// with `…`. One column is kept for the cursor after the last character.
pub fn window(text: &str, cursor: usize, width: usize) -> (String, usize) {
    if width == 0 {
        return (String::new(), 0);
    }
    let cursor = boundary(text, cursor);
    let columns: Vec<(usize, char, usize)> = text
        .char_indices()
        .map(|(i, c)| (i, c, c.width().unwrap_or(0)))
        .collect();
    let before: usize = columns
        .iter()
        .filter(|(i, _, _)| *i < cursor)
        .map(|(_, _, w)| w)
        .sum();
    // Start as far left as possible while the cursor (and its cell) fits.
    let cursor_index = columns.iter().filter(|(i, _, _)| *i < cursor).count();
    let mut start = 0;
    let mut skipped = 0;
    while start < cursor_index && before - skipped + 1 + usize::from(start > 0) > width {
        skipped += columns[start].2;
        start += 1;
    }
    let mut out = String::new();
    let mut used = 0;
    if start > 0 {
        out.push('…');
        used = 1;
    }
    let cursor_column = used + before - skipped;
    for (n, &(_, c, w)) in columns.iter().enumerate().skip(start) {
        let last = n + 1 == columns.len();
        // Room for this character, and for a `…` after it unless it is the last one.
        if used + w + usize::from(!last) > width && !(last && used + w <= width) {
            if used < width {
                out.push('…');
            }
            break;
        }
        out.push(c);
        used += w;
    }
    (out, cursor_column.min(width - 1))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A line with the cursor at the end, as typed.
    struct Line {
        text: String,
        cursor: usize,
    }

    impl Line {
        fn typed(keys: &str) -> Line {
            let mut line = Line {
                text: String::new(),
                cursor: 0,
            };
            for c in keys.chars() {
                assert_eq!(
                    line.press(KeyCode::Char(c), KeyModifiers::NONE),
                    LineKey::Edited
                );
            }
            line
        }

        fn press(&mut self, code: KeyCode, modifiers: KeyModifiers) -> LineKey {
            edit_line(
                &mut self.text,
                &mut self.cursor,
                &KeyEvent::new(code, modifiers),
                &defaults(),
            )
        }

        /// The text with `|` at the cursor.
        fn shown(&self) -> String {
            let mut text = self.text.clone();
            text.insert(self.cursor, '|');
            text
        }
    }

    fn defaults() -> Keymap {
        Keymap::defaults().unwrap()
    }

    const NONE: KeyModifiers = KeyModifiers::NONE;
    const CTRL: KeyModifiers = KeyModifiers::CONTROL;
    const ALT: KeyModifiers = KeyModifiers::ALT;

    #[test]
    fn characters_insert_at_the_cursor_including_shifted_and_wide_ones() {
        let mut line = Line::typed("cat:cs.LG ");
        line.press(KeyCode::Char('Ü'), KeyModifiers::SHIFT);
        line.press(KeyCode::Char('漢'), NONE);
        assert_eq!(line.shown(), "cat:cs.LG Ü漢|");
        line.press(KeyCode::Home, NONE);
        line.press(KeyCode::Char('-'), NONE);
        assert_eq!(line.shown(), "-|cat:cs.LG Ü漢");
    }

    #[test]
    fn arrows_home_end_and_readline_keys_move_by_character_and_word() {
        let mut line = Line::typed("mixture of 専門家 experts");
        let steps: [(KeyCode, KeyModifiers, &str); 12] = [
            (KeyCode::Left, NONE, "mixture of 専門家 expert|s"),
            (KeyCode::Left, CTRL, "mixture of 専門家 |experts"),
            (KeyCode::Char('b'), ALT, "mixture of |専門家 experts"),
            (KeyCode::Left, NONE, "mixture of| 専門家 experts"),
            (KeyCode::Right, NONE, "mixture of |専門家 experts"),
            (KeyCode::Right, NONE, "mixture of 専|門家 experts"),
            (KeyCode::Right, CTRL, "mixture of 専門家| experts"),
            (KeyCode::Char('f'), ALT, "mixture of 専門家 experts|"),
            (KeyCode::Right, NONE, "mixture of 専門家 experts|"),
            (KeyCode::Char('a'), CTRL, "|mixture of 専門家 experts"),
            (KeyCode::Left, NONE, "|mixture of 専門家 experts"),
            (KeyCode::Char('e'), CTRL, "mixture of 専門家 experts|"),
        ];
        for (code, modifiers, after) in steps {
            let outcome = line.press(code, modifiers);
            assert_eq!(outcome, LineKey::Moved, "{code:?} {modifiers:?}");
            assert_eq!(line.shown(), after, "{code:?} {modifiers:?}");
        }
        line.press(KeyCode::Home, NONE);
        assert_eq!(line.cursor, 0);
        line.press(KeyCode::End, NONE);
        assert_eq!(line.cursor, line.text.len());
    }

    #[test]
    fn backspace_and_delete_remove_one_character_around_the_cursor() {
        let mut line = Line::typed("ab漢");
        assert_eq!(line.press(KeyCode::Backspace, NONE), LineKey::Edited);
        assert_eq!(line.shown(), "ab|");
        line.press(KeyCode::Home, NONE);
        assert_eq!(line.press(KeyCode::Delete, NONE), LineKey::Edited);
        assert_eq!(line.shown(), "|b");
        assert_eq!(line.press(KeyCode::Backspace, NONE), LineKey::Edited);
        assert_eq!(line.shown(), "|b");
        let mut empty = Line::typed("");
        assert_eq!(empty.press(KeyCode::Backspace, NONE), LineKey::Edited);
        assert_eq!(empty.shown(), "|");
    }

    #[test]
    fn ctrl_u_deletes_everything_before_the_cursor() {
        let mut line = Line::typed("diffusion models");
        assert_eq!(line.press(KeyCode::Char('u'), CTRL), LineKey::Edited);
        assert_eq!(line.shown(), "|");
        let mut line = Line::typed("diffusion models");
        line.press(KeyCode::Left, CTRL);
        line.press(KeyCode::Char('u'), CTRL);
        assert_eq!(line.shown(), "|models");
    }

    #[test]
    fn ctrl_w_deletes_the_word_before_the_cursor_and_the_spaces_after_it() {
        let cases = [
            ("diffusion models", "diffusion |"),
            ("diffusion models   ", "diffusion |"),
            ("one", "|"),
            ("   ", "|"),
            ("", "|"),
            ("a b c", "a b |"),
        ];
        for (before, after) in cases {
            let mut line = Line::typed(before);
            assert_eq!(line.press(KeyCode::Char('w'), CTRL), LineKey::Edited);
            assert_eq!(line.shown(), after, "ctrl-w on {before:?}");
        }
        let mut line = Line::typed("alpha beta gamma");
        line.press(KeyCode::Left, CTRL);
        line.press(KeyCode::Char('w'), CTRL);
        assert_eq!(line.shown(), "alpha |gamma");
    }

    #[test]
    fn enter_submits_and_esc_or_ctrl_c_cancel_changing_nothing() {
        let mut line = Line::typed("note");
        assert_eq!(line.press(KeyCode::Enter, NONE), LineKey::Submit);
        assert_eq!(line.press(KeyCode::Esc, NONE), LineKey::Cancel);
        assert_eq!(line.press(KeyCode::Char('c'), CTRL), LineKey::Cancel);
        assert_eq!(line.shown(), "note|");
    }

    #[test]
    fn other_keys_are_ignored_and_change_nothing() {
        let mut line = Line::typed("note");
        for (code, modifiers) in [
            (KeyCode::Up, NONE),
            (KeyCode::F(1), NONE),
            (KeyCode::Tab, NONE),
            (KeyCode::Char('x'), CTRL),
            (KeyCode::Char('x'), ALT),
            (KeyCode::Char('\u{7}'), NONE),
        ] {
            assert_eq!(line.press(code, modifiers), LineKey::Ignored);
        }
        assert_eq!(line.shown(), "note|");
    }

    #[test]
    fn a_cursor_left_past_the_text_by_the_caller_is_put_back() {
        let mut text = "漢字".to_string();
        let mut cursor = 100;
        let key = KeyEvent::new(KeyCode::Char('x'), NONE);
        assert_eq!(
            edit_line(&mut text, &mut cursor, &key, &defaults()),
            LineKey::Edited
        );
        assert_eq!(text, "漢字x");
        let mut cursor = 1; // inside 漢
        apply(&mut text, &mut cursor, InputAction::CursorRight);
        assert_eq!(cursor, "漢".len());
    }

    #[test]
    fn the_window_keeps_the_cursor_on_screen() {
        let query: String = (0..70).map(|i| char::from(b'a' + (i % 26) as u8)).collect();
        // At the end of a 70-character query in 40 columns: the end shows, cut on the left.
        let (shown, column) = window(&query, query.len(), 40);
        assert!(shown.starts_with('…'));
        assert!(shown.ends_with(&query[query.len() - 30..]), "{shown}");
        assert_eq!(
            column,
            unicode_width::UnicodeWidthStr::width(shown.as_str())
        );
        assert!(column < 40);
        // At the start: the start shows, cut on the right.
        let (shown, column) = window(&query, 0, 40);
        assert_eq!(column, 0);
        assert!(shown.starts_with("abc") && shown.ends_with('…'));
        assert_eq!(unicode_width::UnicodeWidthStr::width(shown.as_str()), 40);
        // Short text: all of it.
        assert_eq!(window("moe", 3, 40), ("moe".to_string(), 3));
        assert_eq!(window("moe", 1, 40), ("moe".to_string(), 1));
        // Wide characters count two columns; every width fits.
        let wide = "専門家".repeat(10);
        for width in 1..40 {
            for cursor in [0, wide.len() / 2 / 3 * 3, wide.len()] {
                let (shown, column) = window(&wide, cursor, width);
                assert!(unicode_width::UnicodeWidthStr::width(shown.as_str()) <= width);
                assert!(column < width, "{width} {cursor}: {column}");
            }
        }
    }
}
