//! One key: the normalised `Key` every terminal report and every spelling of a key maps to, its
//! vim-syntax parser (`j`, `<C-d>`, `<S-Tab>`, `"g g"`) and its canonical spelling.
//!
//! Part of `keymap`; imports nothing from the crate outside it.

use std::fmt;

use crossterm::event::{KeyCode, KeyEvent, KeyEventKind, KeyModifiers};

use super::KeymapError;

/// One key press, normalised so that every spelling and every terminal's report of the same key
/// compare equal (see [`Key::new`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Key {
    pub code: KeyCode,
    pub modifiers: KeyModifiers,
}

const MAX_FUNCTION_KEY: u8 = 24;

/// Named keys accepted inside `<…>`, lower case; the first name of a code is not the one shown
/// (see `named_key_display`), these are only the accepted spellings.
const NAMED_KEYS: &[(&str, KeyCode)] = &[
    ("enter", KeyCode::Enter),
    ("cr", KeyCode::Enter),
    ("return", KeyCode::Enter),
    ("esc", KeyCode::Esc),
    ("escape", KeyCode::Esc),
    ("tab", KeyCode::Tab),
    ("backtab", KeyCode::BackTab),
    ("space", KeyCode::Char(' ')),
    ("lt", KeyCode::Char('<')),
    ("bs", KeyCode::Backspace),
    ("backspace", KeyCode::Backspace),
    ("del", KeyCode::Delete),
    ("delete", KeyCode::Delete),
    ("insert", KeyCode::Insert),
    ("ins", KeyCode::Insert),
    ("up", KeyCode::Up),
    ("down", KeyCode::Down),
    ("left", KeyCode::Left),
    ("right", KeyCode::Right),
    ("home", KeyCode::Home),
    ("end", KeyCode::End),
    ("pageup", KeyCode::PageUp),
    ("pagedown", KeyCode::PageDown),
];

impl Key {
    /// A key with the terminal-dependent differences removed: Shift on a character is folded
    /// into the character (`g`+Shift and `G`+Shift both become `G`), Shift+Tab is `BackTab`,
    /// and Meta counts as Alt.
    pub fn new(code: KeyCode, modifiers: KeyModifiers) -> Key {
        let mut modifiers = modifiers;
        if modifiers.contains(KeyModifiers::META) {
            modifiers.remove(KeyModifiers::META);
            modifiers.insert(KeyModifiers::ALT);
        }
        let shift = modifiers.contains(KeyModifiers::SHIFT);
        let code = match code {
            KeyCode::Char(c) => {
                modifiers.remove(KeyModifiers::SHIFT);
                KeyCode::Char(if shift { single_upper(c) } else { c })
            }
            KeyCode::Tab if shift => {
                modifiers.remove(KeyModifiers::SHIFT);
                KeyCode::BackTab
            }
            KeyCode::BackTab => {
                modifiers.remove(KeyModifiers::SHIFT);
                KeyCode::BackTab
            }
            other => other,
        };
        Key { code, modifiers }
    }

    /// An unmodified character key.
    pub fn char(c: char) -> Key {
        Key::new(KeyCode::Char(c), KeyModifiers::NONE)
    }

    /// The key a terminal event reports, whatever its kind (press, repeat or release).
    pub fn from_event(event: &KeyEvent) -> Key {
        Key::new(event.code, event.modifiers)
    }

    /// The key of a press or auto-repeat; `None` for a release, which terminals with the kitty
    /// protocol report separately and which must not trigger a second action.
    pub fn from_press(event: &KeyEvent) -> Option<Key> {
        (event.kind != KeyEventKind::Release).then(|| Key::from_event(event))
    }

    /// Parses one key (`j`, `<C-d>`, `<Enter>`).
    pub fn parse(text: &str) -> Result<Key, KeymapError> {
        parse_key(text).map_err(|reason| KeymapError::InvalidKey {
            text: text.to_string(),
            reason,
        })
    }

    /// Parses a key sequence: keys separated by spaces (`"g g"`, `"<C-w> j"`).
    pub fn parse_sequence(text: &str) -> Result<Vec<Key>, KeymapError> {
        parse_sequence(text).map_err(|reason| KeymapError::InvalidKey {
            text: text.to_string(),
            reason,
        })
    }

    /// The canonical spelling, which parses back to the same key: `j`, `G`, `<C-d>`, `<S-Tab>`.
    pub fn display(&self) -> String {
        // The fields are public, so the key may not have gone through `Key::new`.
        let key = Key::new(self.code, self.modifiers);
        let mut modifiers = key.modifiers;
        let mut name = match key.code {
            KeyCode::Char(c) => {
                // `<C-D>` parses as `<C-d>` (vim's rule), so Ctrl with an upper-case letter has
                // to be spelled with an explicit Shift to parse back.
                let c = if modifiers.contains(KeyModifiers::CONTROL) && single_lower(c) != c {
                    modifiers.insert(KeyModifiers::SHIFT);
                    single_lower(c)
                } else {
                    c
                };
                match c {
                    ' ' => "Space".to_string(),
                    '<' => "lt".to_string(),
                    c if c.is_control() || c.is_whitespace() => {
                        format!("U+{:04X}", u32::from(c))
                    }
                    c if modifiers.is_empty() => return c.to_string(),
                    c => c.to_string(),
                }
            }
            KeyCode::BackTab => {
                modifiers.insert(KeyModifiers::SHIFT);
                "Tab".to_string()
            }
            code => named_key_display(code),
        };
        let mut prefix = String::new();
        for (flag, letter) in [
            (KeyModifiers::CONTROL, "C-"),
            (KeyModifiers::SHIFT, "S-"),
            (KeyModifiers::ALT, "A-"),
            (KeyModifiers::SUPER, "D-"),
            (KeyModifiers::HYPER, "H-"),
        ] {
            if modifiers.contains(flag) {
                prefix.push_str(letter);
            }
        }
        name.insert_str(0, &prefix);
        format!("<{name}>")
    }

    /// The digit of an unmodified `0`–`9` key.
    pub(super) fn count_digit(&self) -> Option<char> {
        match self.code {
            KeyCode::Char(c) if c.is_ascii_digit() && self.modifiers.is_empty() => Some(c),
            _ => None,
        }
    }

    /// A named key or a key with modifiers; these sort after plain characters in help.
    pub(super) fn is_special(&self) -> bool {
        !self.modifiers.is_empty() || !matches!(self.code, KeyCode::Char(c) if c != ' ' && c != '<')
    }
}

impl fmt::Display for Key {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.display())
    }
}

/// A key sequence as written in the config: keys joined by spaces (`"g g"`).
pub fn display_sequence(keys: &[Key]) -> String {
    keys.iter().map(Key::display).collect::<Vec<_>>().join(" ")
}

pub(super) fn parse_sequence(text: &str) -> Result<Vec<Key>, String> {
    let keys = text
        .split_whitespace()
        .map(parse_key)
        .collect::<Result<Vec<_>, _>>()?;
    if keys.is_empty() {
        return Err("no key given".to_string());
    }
    Ok(keys)
}

fn parse_key(token: &str) -> Result<Key, String> {
    let mut chars = token.chars();
    let (Some(first), rest) = (chars.next(), chars.as_str()) else {
        return Err("no key given".to_string());
    };
    if rest.is_empty() {
        if first.is_control() {
            return Err("a control character; write it as <C-…> or a <Name>".to_string());
        }
        if first.is_whitespace() {
            return Err("a blank; write <Space>".to_string());
        }
        return Ok(Key::char(first));
    }
    let Some(inner) = token.strip_prefix('<').and_then(|t| t.strip_suffix('>')) else {
        if token.starts_with('<') {
            return Err("missing the closing >".to_string());
        }
        return Err(format!(
            "a key is one character or a <Name>; separate the keys of a chord with spaces ({:?})",
            token
                .chars()
                .map(String::from)
                .collect::<Vec<_>>()
                .join(" ")
        ));
    };
    let mut modifiers = KeyModifiers::NONE;
    let mut name = inner;
    while let Some((flag, rest)) = split_modifier(name) {
        modifiers.insert(flag);
        name = rest;
    }
    if name.is_empty() {
        return Err("empty <>".to_string());
    }
    let mut name_chars = name.chars();
    let code = match (name_chars.next(), name_chars.next()) {
        (Some(c), None) if modifiers.is_empty() => {
            return Err(format!("write a plain character without <>: {c:?}"));
        }
        (Some(c), None) if c.is_control() || c.is_whitespace() => {
            return Err("a control character or blank; use a <Name>".to_string());
        }
        // Vim's rule: Ctrl with a letter ignores its case unless Shift is written out.
        (Some(c), None)
            if modifiers.contains(KeyModifiers::CONTROL)
                && !modifiers.contains(KeyModifiers::SHIFT) =>
        {
            KeyCode::Char(single_lower(c))
        }
        (Some(c), None) => KeyCode::Char(c),
        _ => named_key(name).ok_or_else(|| format!("unknown key name {name:?}"))?,
    };
    Ok(Key::new(code, modifiers))
}

/// Splits `C-rest` into the modifier and `rest` (which must not be empty: `<C->` is no key).
fn split_modifier(text: &str) -> Option<(KeyModifiers, &str)> {
    let mut chars = text.chars();
    let letter = chars.next()?;
    let rest = chars
        .as_str()
        .strip_prefix('-')
        .filter(|rest| !rest.is_empty())?;
    let flag = match letter.to_ascii_lowercase() {
        'c' => KeyModifiers::CONTROL,
        's' => KeyModifiers::SHIFT,
        'a' | 'm' => KeyModifiers::ALT,
        'd' => KeyModifiers::SUPER,
        'h' => KeyModifiers::HYPER,
        _ => return None,
    };
    Some((flag, rest))
}

fn named_key(name: &str) -> Option<KeyCode> {
    let lower = name.to_ascii_lowercase();
    if let Some((_, code)) = NAMED_KEYS.iter().find(|(known, _)| *known == lower) {
        return Some(*code);
    }
    let number = lower.strip_prefix('f')?;
    if number.starts_with('0') {
        return None;
    }
    let number: u8 = number.parse().ok()?;
    (1..=MAX_FUNCTION_KEY)
        .contains(&number)
        .then_some(KeyCode::F(number))
}

fn named_key_display(code: KeyCode) -> String {
    match code {
        KeyCode::Enter => "Enter".to_string(),
        KeyCode::Esc => "Esc".to_string(),
        KeyCode::Tab => "Tab".to_string(),
        KeyCode::Backspace => "BS".to_string(),
        KeyCode::Delete => "Del".to_string(),
        KeyCode::Insert => "Insert".to_string(),
        KeyCode::Up => "Up".to_string(),
        KeyCode::Down => "Down".to_string(),
        KeyCode::Left => "Left".to_string(),
        KeyCode::Right => "Right".to_string(),
        KeyCode::Home => "Home".to_string(),
        KeyCode::End => "End".to_string(),
        KeyCode::PageUp => "PageUp".to_string(),
        KeyCode::PageDown => "PageDown".to_string(),
        KeyCode::F(number) => format!("F{number}"),
        // Keys with no config spelling (media keys, lone modifiers, …) can never be bound;
        // they only need a readable name.
        other => format!("{other:?}"),
    }
}

/// The upper case of `c` when that is one character (`ß` stays `ß`).
fn single_upper(c: char) -> char {
    let mut upper = c.to_uppercase();
    match (upper.next(), upper.next()) {
        (Some(u), None) => u,
        _ => c,
    }
}

/// The lower case of `c` when that is one character.
fn single_lower(c: char) -> char {
    let mut lower = c.to_lowercase();
    match (lower.next(), lower.next()) {
        (Some(l), None) => l,
        _ => c,
    }
}

#[cfg(test)]
mod tests {
    use super::super::test_support::*;
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn parses_every_key_syntax_form() {
        let cases: &[(&str, Key)] = &[
            ("j", ch('j')),
            ("G", ch('G')),
            ("?", ch('?')),
            ("/", ch('/')),
            ("[", ch('[')),
            ("<", ch('<')),
            (">", ch('>')),
            ("é", ch('é')),
            ("<Enter>", key(KeyCode::Enter, NONE)),
            ("<enter>", key(KeyCode::Enter, NONE)),
            ("<CR>", key(KeyCode::Enter, NONE)),
            ("<Return>", key(KeyCode::Enter, NONE)),
            ("<Esc>", key(KeyCode::Esc, NONE)),
            ("<ESCAPE>", key(KeyCode::Esc, NONE)),
            ("<Tab>", key(KeyCode::Tab, NONE)),
            ("<S-Tab>", key(KeyCode::BackTab, NONE)),
            ("<BackTab>", key(KeyCode::BackTab, NONE)),
            ("<Space>", ch(' ')),
            ("<lt>", ch('<')),
            ("<BS>", key(KeyCode::Backspace, NONE)),
            ("<Backspace>", key(KeyCode::Backspace, NONE)),
            ("<Del>", key(KeyCode::Delete, NONE)),
            ("<Insert>", key(KeyCode::Insert, NONE)),
            ("<Up>", key(KeyCode::Up, NONE)),
            ("<Down>", key(KeyCode::Down, NONE)),
            ("<Left>", key(KeyCode::Left, NONE)),
            ("<Right>", key(KeyCode::Right, NONE)),
            ("<Home>", key(KeyCode::Home, NONE)),
            ("<End>", key(KeyCode::End, NONE)),
            ("<PageUp>", key(KeyCode::PageUp, NONE)),
            ("<pagedown>", key(KeyCode::PageDown, NONE)),
            ("<F1>", key(KeyCode::F(1), NONE)),
            ("<f12>", key(KeyCode::F(12), NONE)),
            ("<F24>", key(KeyCode::F(24), NONE)),
            ("<C-d>", key(KeyCode::Char('d'), CTRL)),
            ("<c-d>", key(KeyCode::Char('d'), CTRL)),
            ("<C-D>", key(KeyCode::Char('d'), CTRL)),
            ("<C-S-x>", key(KeyCode::Char('X'), CTRL)),
            ("<C-S-X>", key(KeyCode::Char('X'), CTRL)),
            ("<A-x>", key(KeyCode::Char('x'), ALT)),
            ("<M-x>", key(KeyCode::Char('x'), ALT)),
            ("<A-X>", key(KeyCode::Char('X'), ALT)),
            ("<C-A-x>", key(KeyCode::Char('x'), CTRL | ALT)),
            ("<D-x>", key(KeyCode::Char('x'), KeyModifiers::SUPER)),
            ("<S-x>", ch('X')),
            ("<S-Up>", key(KeyCode::Up, SHIFT)),
            ("<C-Enter>", key(KeyCode::Enter, CTRL)),
            ("<C-Space>", key(KeyCode::Char(' '), CTRL)),
            ("<C-lt>", key(KeyCode::Char('<'), CTRL)),
            ("<C-->", key(KeyCode::Char('-'), CTRL)),
            ("<C->>", key(KeyCode::Char('>'), CTRL)),
        ];
        for (text, expected) in cases {
            assert_eq!(Key::parse(text), Ok(*expected), "{text}");
            assert_eq!(Key::parse_sequence(text), Ok(vec![*expected]), "{text}");
        }
    }

    #[test]
    fn parses_sequences_separated_by_spaces() {
        let cases: &[(&str, &[Key])] = &[
            ("g g", &[ch('g'), ch('g')]),
            ("  g   g ", &[ch('g'), ch('g')]),
            ("<C-w> j", &[key(KeyCode::Char('w'), CTRL), ch('j')]),
            ("< >", &[ch('<'), ch('>')]),
            (
                "z <Space> <Enter>",
                &[ch('z'), ch(' '), key(KeyCode::Enter, NONE)],
            ),
        ];
        for (text, expected) in cases {
            assert_eq!(
                Key::parse_sequence(text).as_deref(),
                Ok(*expected),
                "{text}"
            );
        }
    }

    #[test]
    fn rejects_malformed_keys_with_a_reason() {
        let cases: &[(&str, &str)] = &[
            ("", "no key given"),
            ("   ", "no key given"),
            ("gg", "\"g g\""),
            ("<Foo>", "unknown key name"),
            ("<C-Foo>", "unknown key name"),
            ("<X-d>", "unknown key name"),
            ("<C-d", "closing >"),
            ("<>", "empty <>"),
            ("<C->", "unknown key name"),
            ("<j>", "without <>"),
            ("<F0>", "unknown key name"),
            ("<F25>", "unknown key name"),
            ("<F01>", "unknown key name"),
            ("\u{1}", "control character"),
        ];
        for (text, reason) in cases {
            let error = Key::parse_sequence(text).unwrap_err();
            let message = error.to_string();
            assert!(message.contains(reason), "{text:?}: {message}");
            assert!(!message.contains('\n'), "{text:?}: {message}");
        }
    }

    #[test]
    fn terminal_reports_of_one_key_all_match_its_spelling() {
        let cases: &[(KeyCode, KeyModifiers, &str)] = &[
            (KeyCode::Char('G'), SHIFT, "G"),
            (KeyCode::Char('G'), NONE, "G"),
            (KeyCode::Char('g'), SHIFT, "G"),
            (KeyCode::Char('?'), SHIFT, "?"),
            (KeyCode::Char('d'), CTRL, "<C-d>"),
            (KeyCode::Char('x'), CTRL | SHIFT, "<C-S-x>"),
            (KeyCode::Char('X'), CTRL | SHIFT, "<C-S-x>"),
            (KeyCode::Char(' '), CTRL, "<C-Space>"),
            (KeyCode::Char(' '), NONE, "<Space>"),
            (KeyCode::Char('x'), KeyModifiers::META, "<A-x>"),
            (KeyCode::Char('G'), ALT | SHIFT, "<A-G>"),
            (KeyCode::BackTab, SHIFT, "<S-Tab>"),
            (KeyCode::BackTab, NONE, "<S-Tab>"),
            (KeyCode::Tab, SHIFT, "<S-Tab>"),
            (KeyCode::Up, SHIFT, "<S-Up>"),
            (KeyCode::Enter, NONE, "<Enter>"),
            (KeyCode::F(5), NONE, "<F5>"),
        ];
        for (code, modifiers, spelling) in cases {
            let from_terminal = Key::from_event(&KeyEvent::new(*code, *modifiers));
            assert_eq!(from_terminal.display(), *spelling, "{code:?} {modifiers:?}");
            assert_eq!(Key::parse(spelling), Ok(from_terminal), "{spelling}");
        }
    }

    #[test]
    fn key_releases_are_not_presses() {
        let mut event = KeyEvent::new(KeyCode::Char('j'), NONE);
        assert_eq!(Key::from_press(&event), Some(ch('j')));
        event.kind = KeyEventKind::Repeat;
        assert_eq!(Key::from_press(&event), Some(ch('j')));
        event.kind = KeyEventKind::Release;
        assert_eq!(Key::from_press(&event), None);
    }

    #[test]
    fn display_round_trips_through_parse() {
        let spellings = [
            "j",
            "G",
            "<",
            "<lt>",
            "<Space>",
            "<C-d>",
            "<C-S-x>",
            "<A-G>",
            "<S-Tab>",
            "<S-Up>",
            "<C-A-Enter>",
            "<F7>",
            "<PageDown>",
            "<C-lt>",
            "<D-H-x>",
        ];
        for spelling in spellings {
            let parsed = Key::parse(spelling).unwrap();
            assert_eq!(Key::parse(&parsed.display()), Ok(parsed), "{spelling}");
        }
        assert_eq!(
            display_sequence(&Key::parse_sequence("g g").unwrap()),
            "g g"
        );
    }

    proptest! {
        #[test]
        fn displayed_ascii_keys_parse_back(
            c in proptest::char::range('!', '~'),
            modifiers in any_modifiers(),
        ) {
            let key = Key::new(KeyCode::Char(c), modifiers);
            prop_assert_eq!(Key::parse(&key.display()), Ok(key));
        }

        #[test]
        fn parse_never_panics(text in ".{0,12}") {
            let _ = Key::parse_sequence(&text);
        }
    }
}
