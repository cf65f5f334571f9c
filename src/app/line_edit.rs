//! The one-line text editor shared by the filter query (`/`) and the note editor (`a`): typed
//! characters append, Backspace deletes one, Ctrl-U clears, Ctrl-W deletes the last word;
//! Enter and Esc are left to the caller. Pure; imports only crossterm's key types.

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};

/// What a key meant to the line.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LineKey {
    /// Enter: the caller keeps the text.
    Submit,
    /// Esc: the caller drops the edit.
    Cancel,
    /// An editing key; the text may have changed (Backspace on an empty line is still an edit).
    Edited,
    /// Not a key the editor knows (arrows, function keys, other Ctrl chords).
    Ignored,
}

/// Applies `key` to `text`. Only editing keys change it; Enter and Esc never do.
pub fn edit_line(text: &mut String, key: &KeyEvent) -> LineKey {
    let ctrl = key.modifiers.contains(KeyModifiers::CONTROL);
    match key.code {
        KeyCode::Enter => return LineKey::Submit,
        KeyCode::Esc => return LineKey::Cancel,
        KeyCode::Backspace => {
            text.pop();
        }
        KeyCode::Char('u') if ctrl => text.clear(),
        KeyCode::Char('w') if ctrl => delete_last_word(text),
        KeyCode::Char(c) if !ctrl && !c.is_control() => text.push(c),
        _ => return LineKey::Ignored,
    }
    LineKey::Edited
}

/// Ctrl-W: drops trailing spaces and the word before them, keeping the space that precedes it.
fn delete_last_word(text: &mut String) {
    let trimmed = text.trim_end().len();
    let cut = text[..trimmed].rfind(' ').map_or(0, |i| i + 1);
    text.truncate(cut);
}

#[cfg(test)]
mod tests {
    use super::*;

    fn press(text: &mut String, code: KeyCode, modifiers: KeyModifiers) -> LineKey {
        edit_line(text, &KeyEvent::new(code, modifiers))
    }

    fn typed(keys: &str) -> String {
        let mut text = String::new();
        for c in keys.chars() {
            assert_eq!(
                press(&mut text, KeyCode::Char(c), KeyModifiers::NONE),
                LineKey::Edited
            );
        }
        text
    }

    #[test]
    fn characters_append_including_shifted_and_wide_ones() {
        let mut text = typed("cat:cs.LG ");
        press(&mut text, KeyCode::Char('Ü'), KeyModifiers::SHIFT);
        press(&mut text, KeyCode::Char('漢'), KeyModifiers::NONE);
        assert_eq!(text, "cat:cs.LG Ü漢");
    }

    #[test]
    fn backspace_deletes_one_character_and_is_an_edit_even_when_empty() {
        let mut text = typed("ab漢");
        assert_eq!(
            press(&mut text, KeyCode::Backspace, KeyModifiers::NONE),
            LineKey::Edited
        );
        assert_eq!(text, "ab");
        text.clear();
        assert_eq!(
            press(&mut text, KeyCode::Backspace, KeyModifiers::NONE),
            LineKey::Edited
        );
        assert_eq!(text, "");
    }

    #[test]
    fn ctrl_u_clears_the_line() {
        let mut text = typed("diffusion models");
        assert_eq!(
            press(&mut text, KeyCode::Char('u'), KeyModifiers::CONTROL),
            LineKey::Edited
        );
        assert_eq!(text, "");
    }

    #[test]
    fn ctrl_w_deletes_the_last_word_and_the_spaces_after_it() {
        let cases = [
            ("diffusion models", "diffusion "),
            ("diffusion models   ", "diffusion "),
            ("one", ""),
            ("   ", ""),
            ("", ""),
            ("a b c", "a b "),
        ];
        for (before, after) in cases {
            let mut text = before.to_string();
            assert_eq!(
                press(&mut text, KeyCode::Char('w'), KeyModifiers::CONTROL),
                LineKey::Edited
            );
            assert_eq!(text, after, "ctrl-w on {before:?}");
        }
    }

    #[test]
    fn enter_and_esc_are_left_to_the_caller_and_change_nothing() {
        let mut text = typed("note");
        assert_eq!(
            press(&mut text, KeyCode::Enter, KeyModifiers::NONE),
            LineKey::Submit
        );
        assert_eq!(
            press(&mut text, KeyCode::Esc, KeyModifiers::NONE),
            LineKey::Cancel
        );
        assert_eq!(text, "note");
    }

    #[test]
    fn other_keys_are_ignored_and_change_nothing() {
        let mut text = typed("note");
        for (code, modifiers) in [
            (KeyCode::Left, KeyModifiers::NONE),
            (KeyCode::Up, KeyModifiers::NONE),
            (KeyCode::F(1), KeyModifiers::NONE),
            (KeyCode::Tab, KeyModifiers::NONE),
            (KeyCode::Char('a'), KeyModifiers::CONTROL),
            (KeyCode::Char('\u{7}'), KeyModifiers::NONE),
        ] {
            assert_eq!(press(&mut text, code, modifiers), LineKey::Ignored);
        }
        assert_eq!(text, "note");
    }
}
