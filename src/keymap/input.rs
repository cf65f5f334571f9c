//! The `[keys.input]` table: the editing keys of the one-line inputs (the filter query and the
//! note), merged like the pane tables (the user's key replaces the default, `"none"` unbinds)
//! but flat: single keys only, no chords, no counts, no `[keys.global]` (typing `q` in the
//! filter types `q`). A key bound to nothing here types its character.
//!
//! Part of `keymap`; imports `action`, nothing above.

use std::collections::{BTreeMap, HashMap};

use super::key::parse_sequence;
use super::{Key, KeymapError, UNBIND};
use crate::action::InputAction;

/// The name of the table.
pub(super) const INPUT: &str = "input";

/// The input's bindings, merged and validated.
#[derive(Debug, Clone, Default)]
pub(super) struct InputKeys {
    bound: HashMap<Key, InputAction>,
}

/// One input action and every key bound to it, simplest first, for the help overlay.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InputHelpEntry {
    pub action: InputAction,
    pub keys: Vec<String>,
}

impl InputKeys {
    /// The defaults with the user's table merged over them.
    pub(super) fn new(
        defaults: Option<&BTreeMap<String, String>>,
        user: Option<&BTreeMap<String, String>>,
    ) -> Result<InputKeys, KeymapError> {
        let mut bound = HashMap::new();
        for table in [defaults, user].into_iter().flatten() {
            let mut seen: HashMap<Key, &str> = HashMap::new();
            for (spelling, action_name) in table {
                let key = parse_one(spelling)?;
                if let Some(other) = seen.insert(key, spelling) {
                    return Err(KeymapError::Duplicate {
                        context: INPUT.to_string(),
                        key: spelling.clone(),
                        other: other.to_string(),
                    });
                }
                if action_name == UNBIND {
                    bound.remove(&key);
                    continue;
                }
                let action = InputAction::from_name(action_name).ok_or_else(|| {
                    KeymapError::UnknownAction {
                        context: INPUT.to_string(),
                        key: spelling.clone(),
                        action: action_name.clone(),
                    }
                })?;
                bound.insert(key, action);
            }
        }
        Ok(InputKeys { bound })
    }

    pub(super) fn action(&self, key: Key) -> Option<InputAction> {
        self.bound.get(&Key::new(key.code, key.modifiers)).copied()
    }

    /// Every bound action with its keys, in `InputAction::ALL` order, plain keys before
    /// modified ones.
    pub(super) fn help(&self) -> Vec<InputHelpEntry> {
        InputAction::ALL
            .iter()
            .filter_map(|&action| {
                let mut keys: Vec<Key> = self
                    .bound
                    .iter()
                    .filter(|(_, bound)| **bound == action)
                    .map(|(key, _)| *key)
                    .collect();
                keys.sort_by_cached_key(|key| (key.modifiers.bits(), key.display()));
                let keys: Vec<String> = keys.iter().map(Key::display).collect();
                (!keys.is_empty()).then_some(InputHelpEntry { action, keys })
            })
            .collect()
    }
}

/// One key of `[keys.input]`; a chord is refused (an input has no pending keys).
fn parse_one(spelling: &str) -> Result<Key, KeymapError> {
    let bad = |reason: String| KeymapError::BadKey {
        context: INPUT.to_string(),
        key: spelling.to_string(),
        reason,
    };
    match parse_sequence(spelling).map_err(bad)?.as_slice() {
        [key] => Ok(*key),
        _ => Err(bad("an input takes single keys, not chords".to_string())),
    }
}

#[cfg(test)]
mod tests {
    use crossterm::event::KeyCode;

    use super::super::test_support::*;
    use super::*;

    fn input(keymap: &super::super::Keymap, spelling: &str) -> Option<InputAction> {
        keymap.input_action(Key::parse(spelling).unwrap())
    }

    #[test]
    fn defaults_bind_the_readline_keys_and_leave_characters_alone() {
        let keymap = defaults();
        let cases: &[(&str, Option<InputAction>)] = &[
            ("<Enter>", Some(InputAction::Submit)),
            ("<Esc>", Some(InputAction::Cancel)),
            ("<C-c>", Some(InputAction::Cancel)),
            ("<C-a>", Some(InputAction::LineStart)),
            ("<End>", Some(InputAction::LineEnd)),
            ("<C-Left>", Some(InputAction::WordLeft)),
            ("<A-f>", Some(InputAction::WordRight)),
            ("<C-w>", Some(InputAction::DeleteWordBack)),
            ("<C-u>", Some(InputAction::DeleteToStart)),
            ("<BS>", Some(InputAction::DeleteBack)),
            ("q", None),
            ("j", None),
            ("1", None),
            ("<Space>", None),
        ];
        for (spelling, expected) in cases {
            assert_eq!(input(&keymap, spelling), *expected, "{spelling}");
        }
        // A shifted character as a terminal reports it is still a character.
        assert_eq!(keymap.input_action(key(KeyCode::Char('g'), SHIFT)), None);
    }

    #[test]
    fn user_keys_replace_and_none_unbinds() {
        let keymap = with_user(&[(
            "input",
            &[
                ("<C-k>", "delete_to_start"),
                ("<C-u>", "none"),
                ("<C-j>", "submit"),
            ],
        )]);
        assert_eq!(input(&keymap, "<C-k>"), Some(InputAction::DeleteToStart));
        assert_eq!(input(&keymap, "<C-u>"), None);
        assert_eq!(input(&keymap, "<C-j>"), Some(InputAction::Submit));
        assert_eq!(input(&keymap, "<Enter>"), Some(InputAction::Submit));
        let help = keymap.input_help();
        let delete = help
            .iter()
            .find(|entry| entry.action == InputAction::DeleteToStart)
            .unwrap();
        assert_eq!(delete.keys, ["<C-k>"]);
        // The panes are untouched.
        assert_eq!(
            outcome(&keymap, crate::action::Context::List, "<C-u>"),
            action(crate::action::Action::HalfPageUp, None)
        );
    }

    #[test]
    fn bad_input_tables_are_refused_naming_the_table_and_key() {
        let cases: &[(Tables, &str)] = &[
            (&[("input", &[("<C-k>", "kill_line")])], "kill_line"),
            (&[("input", &[("g g", "submit")])], "single keys"),
            (&[("input", &[("<Foo>", "submit")])], "Foo"),
            (
                &[("input", &[("<C-k>", "submit"), ("<c-k>", "cancel")])],
                "same key",
            ),
        ];
        for (tables, needle) in cases {
            let message = load_error(tables).to_string();
            assert!(message.contains("[keys.input]"), "{message}");
            assert!(message.contains(needle), "{message}");
        }
    }

    #[test]
    fn help_lists_every_default_input_binding() {
        let help = defaults().input_help();
        let listed: usize = help.iter().map(|entry| entry.keys.len()).sum();
        let tables = super::super::bindings::default_tables().unwrap();
        assert_eq!(listed, tables[INPUT].len());
        assert_eq!(help.len(), InputAction::ALL.len(), "every action has a key");
    }
}
