//! Building a `Keymap`: the embedded default tables, the user's `[keys.*]` tables merged over
//! them (with `"none"` unbinding), load-time validation and collision rules, and the help
//! overlay's listing of what is bound where.
//!
//! Part of `keymap`; imports `action` and `config` (for the embedded defaults), nothing above.

use std::collections::{BTreeMap, HashMap, HashSet};

use serde::Deserialize;

use super::input::{INPUT, InputHelpEntry, InputKeys};
use super::key::parse_sequence;
use super::trie::Trie;
use super::{Key, Keymap, KeymapError, UNBIND, display_sequence};
use crate::action::{Action, Context, InputAction};
use crate::config::DEFAULT_CONFIG;

/// The help overlay's bindings for one context.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HelpSection {
    pub context: Context,
    pub entries: Vec<HelpEntry>,
}

/// One action and every key sequence bound to it, simplest first (`"j"`, `"<Down>"`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HelpEntry {
    pub action: Action,
    pub keys: Vec<String>,
}

impl Keymap {
    /// The embedded defaults (the `[keys.*]` tables of `config::DEFAULT_CONFIG`).
    pub fn defaults() -> Result<Keymap, KeymapError> {
        Keymap::with_overrides(&BTreeMap::new())
    }

    /// The defaults with the user's `[keys.*]` merged over them: a user binding replaces the
    /// default for that key in that context (and default bindings it would collide with);
    /// `"none"` unbinds the key.
    pub fn with_overrides(
        user: &BTreeMap<String, BTreeMap<String, String>>,
    ) -> Result<Keymap, KeymapError> {
        let defaults = default_tables()?;
        let input = InputKeys::new(defaults.get(INPUT), user.get(INPUT))?;
        let mut layers: BTreeMap<Context, Layer> = BTreeMap::new();
        for (context_name, table) in defaults.iter().filter(|(name, _)| *name != INPUT) {
            let (context, layer) = parse_layer(context_name, table, Origin::Default)?;
            layers.insert(context, layer);
        }
        for (context_name, table) in user.iter().filter(|(name, _)| *name != INPUT) {
            let (context, user_layer) = parse_layer(context_name, table, Origin::User)?;
            layers.entry(context).or_default().extend(user_layer);
        }
        let mut contexts = BTreeMap::new();
        for context in Context::ALL {
            let effective = resolve_collisions(effective_bindings(&layers, context))?;
            contexts.insert(context, ContextKeys::new(effective));
        }
        Ok(Keymap { contexts, input })
    }

    /// The editing command `key` is bound to in an input (`[keys.input]`), if any; a key
    /// bound to none types its character.
    pub fn input_action(&self, key: Key) -> Option<InputAction> {
        self.input.action(key)
    }

    /// For the help overlay: the input's actions with their keys.
    pub fn input_help(&self) -> Vec<InputHelpEntry> {
        self.input.help()
    }

    /// For the help overlay: per context with bindings of its own, each action with all its key
    /// sequences, in `Action::ALL` order. Pane sections leave out what they inherit from global.
    pub fn help(&self) -> Vec<HelpSection> {
        let mut sections = Vec::new();
        for (&context, keys) in &self.contexts {
            let entries: Vec<HelpEntry> = Action::ALL
                .iter()
                .filter_map(|&action| {
                    let keys: Vec<String> = keys
                        .bindings
                        .iter()
                        .filter(|binding| binding.action == action && binding.layer == context)
                        .map(|binding| display_sequence(&binding.keys))
                        .collect();
                    (!keys.is_empty()).then_some(HelpEntry { action, keys })
                })
                .collect();
            if !entries.is_empty() {
                sections.push(HelpSection { context, entries });
            }
        }
        sections
    }

    /// Every key sequence that runs `action` in `context`, its own and inherited, simplest
    /// first (for hints like "press ? for help").
    pub fn keys_for(&self, context: Context, action: Action) -> Vec<String> {
        self.contexts
            .get(&context)
            .map(|keys| {
                keys.bindings
                    .iter()
                    .filter(|binding| binding.action == action)
                    .map(|binding| display_sequence(&binding.keys))
                    .collect()
            })
            .unwrap_or_default()
    }
}

/// Whose binding it is; on a collision the user's wins over a default.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Origin {
    Default,
    User,
}

/// One line of a `[keys.*]` table; `action: None` is `"none"`.
#[derive(Debug, Clone)]
struct Entry {
    action: Option<Action>,
    origin: Origin,
    spelling: String,
}

/// One context's table as written, keyed by parsed key sequence.
type Layer = HashMap<Vec<Key>, Entry>;

/// A binding that works in some context, and the table (`layer`) it came from.
#[derive(Debug, Clone)]
struct Binding {
    keys: Vec<Key>,
    action: Action,
    origin: Origin,
    layer: Context,
    spelling: String,
}

/// Everything that works in one context: the bindings (simplest first) and their trie.
#[derive(Debug, Clone)]
pub(super) struct ContextKeys {
    bindings: Vec<Binding>,
    pub(super) trie: Trie,
}

impl ContextKeys {
    fn new(mut bindings: Vec<Binding>) -> ContextKeys {
        bindings.sort_by_cached_key(|binding| {
            (
                binding.keys.iter().any(Key::is_special),
                binding.keys.len(),
                display_sequence(&binding.keys),
            )
        });
        let mut trie = Trie::default();
        for binding in &bindings {
            trie.insert(&binding.keys, binding.action);
        }
        ContextKeys { bindings, trie }
    }
}

/// The `[keys.*]` tables of the embedded default config.
pub(super) fn default_tables() -> Result<BTreeMap<String, BTreeMap<String, String>>, KeymapError> {
    #[derive(Deserialize)]
    struct KeysOnly {
        #[serde(default)]
        keys: BTreeMap<String, BTreeMap<String, String>>,
    }
    toml::from_str::<KeysOnly>(DEFAULT_CONFIG)
        .map(|config| config.keys)
        .map_err(|error| KeymapError::Defaults {
            message: error.message().to_string(),
        })
}

/// Parses one `[keys.<context>]` table, rejecting unknown names, bad keys, digit chords and two
/// spellings of one key.
fn parse_layer(
    context_name: &str,
    table: &BTreeMap<String, String>,
    origin: Origin,
) -> Result<(Context, Layer), KeymapError> {
    let context = Context::from_name(context_name).ok_or_else(|| KeymapError::UnknownContext {
        context: context_name.to_string(),
    })?;
    let mut layer = Layer::new();
    for (spelling, action_name) in table {
        let keys = parse_sequence(spelling).map_err(|reason| KeymapError::BadKey {
            context: context_name.to_string(),
            key: spelling.clone(),
            reason,
        })?;
        let action = if action_name == UNBIND {
            None
        } else {
            Some(
                Action::from_name(action_name).ok_or_else(|| KeymapError::UnknownAction {
                    context: context_name.to_string(),
                    key: spelling.clone(),
                    action: action_name.clone(),
                })?,
            )
        };
        let starts_count = keys
            .first()
            .and_then(Key::count_digit)
            .is_some_and(|d| d != '0');
        if keys.len() > 1 && starts_count {
            return Err(KeymapError::DigitChord {
                context: context_name.to_string(),
                key: spelling.clone(),
            });
        }
        if let Some(existing) = layer.get(&keys) {
            return Err(KeymapError::Duplicate {
                context: context_name.to_string(),
                key: spelling.clone(),
                other: existing.spelling.clone(),
            });
        }
        layer.insert(
            keys,
            Entry {
                action,
                origin,
                spelling: spelling.clone(),
            },
        );
    }
    Ok((context, layer))
}

/// What works in `context` before collisions are settled: its own bindings, plus the global ones
/// it neither rebinds nor unbinds.
fn effective_bindings(
    layers: &BTreeMap<Context, Layer>,
    context: Context,
) -> HashMap<Vec<Key>, Binding> {
    let mut bindings = HashMap::new();
    let mut add_layer = |layer_context: Context| {
        for (keys, entry) in layers.get(&layer_context).into_iter().flatten() {
            match entry.action {
                Some(action) => {
                    let binding = Binding {
                        keys: keys.clone(),
                        action,
                        origin: entry.origin,
                        layer: layer_context,
                        spelling: entry.spelling.clone(),
                    };
                    bindings.insert(keys.clone(), binding);
                }
                None => {
                    bindings.remove(keys);
                }
            }
        }
    };
    if context != Context::Global {
        add_layer(Context::Global);
    }
    add_layer(context);
    bindings
}

/// Settles bindings of which one begins another (`g` and `g g`): the user's wins over a
/// default; two of the same origin are an error, since one of them could never fire.
fn resolve_collisions(
    mut bindings: HashMap<Vec<Key>, Binding>,
) -> Result<Vec<Binding>, KeymapError> {
    let mut sequences: Vec<&Vec<Key>> = bindings.keys().collect();
    // Sorted so that the error reported for several collisions is always the same one.
    sequences.sort_by_cached_key(|keys| display_sequence(keys));
    let mut dropped: HashSet<Vec<Key>> = HashSet::new();
    for sequence in sequences {
        for end in 1..sequence.len() {
            let (Some(short), Some(long)) =
                (bindings.get(&sequence[..end]), bindings.get(sequence))
            else {
                continue;
            };
            if short.origin == long.origin {
                // Named after the table holding the longer binding, the one that cannot fire.
                return Err(KeymapError::Shadowed {
                    context: long.layer.name().to_string(),
                    key: long.spelling.clone(),
                    by_context: short.layer.name().to_string(),
                    by_key: short.spelling.clone(),
                });
            }
            let loser = if short.origin == Origin::Default {
                short
            } else {
                long
            };
            dropped.insert(loser.keys.clone());
        }
    }
    bindings.retain(|keys, _| !dropped.contains(keys));
    Ok(bindings.into_values().collect())
}

#[cfg(test)]
mod tests {
    use super::super::KeyOutcome;
    use super::super::test_support::*;
    use super::*;

    #[test]
    fn embedded_defaults_load_without_error() {
        let keymap = Keymap::defaults();
        assert!(keymap.is_ok(), "{keymap:?}");
    }

    #[test]
    fn every_action_has_a_default_key_and_help_lists_it() {
        let help = defaults().help();
        for action in Action::ALL {
            let listed = help
                .iter()
                .flat_map(|section| &section.entries)
                .any(|entry| entry.action == *action && !entry.keys.is_empty());
            assert!(listed, "{} is missing from help", action.name());
        }
    }

    #[test]
    fn help_lists_exactly_the_default_tables() {
        let help = defaults().help();
        let tables = default_tables().unwrap();
        for section in &help {
            let table = &tables[section.context.name()];
            let listed: usize = section.entries.iter().map(|entry| entry.keys.len()).sum();
            assert_eq!(listed, table.len(), "{}", section.context.name());
            for entry in &section.entries {
                for keys in &entry.keys {
                    let written = table
                        .iter()
                        .find(|(spelling, _)| {
                            Key::parse_sequence(spelling) == Key::parse_sequence(keys)
                        })
                        .map(|(_, action)| action.as_str());
                    assert_eq!(written, Some(entry.action.name()), "{keys}");
                }
            }
        }
        let contexts: Vec<Context> = help.iter().map(|section| section.context).collect();
        assert_eq!(contexts, Context::ALL);
    }

    #[test]
    fn help_follows_action_order_with_simplest_keys_first() {
        let help = defaults().help();
        for section in &help {
            let positions: Vec<usize> = section
                .entries
                .iter()
                .map(|entry| Action::ALL.iter().position(|a| *a == entry.action).unwrap())
                .collect();
            assert!(positions.is_sorted(), "{:?}", section.context);
        }
        let list = help
            .iter()
            .find(|section| section.context == Context::List)
            .unwrap();
        let keys_of = |action: Action| {
            list.entries
                .iter()
                .find(|entry| entry.action == action)
                .unwrap()
                .keys
                .clone()
        };
        assert_eq!(keys_of(Action::Down), ["j", "<Down>"]);
        assert_eq!(keys_of(Action::Top), ["g g", "<Home>"]);
        assert_eq!(keys_of(Action::Open), ["l", "<Enter>", "<Right>"]);
    }

    #[test]
    fn keys_for_includes_inherited_global_keys_unless_the_pane_rebinds_them() {
        let keymap = defaults();
        let cases: &[(Context, Action, &[&str])] = &[
            (Context::List, Action::Down, &["j", "<Down>"]),
            (Context::List, Action::Help, &["?"]),
            (Context::List, Action::Quit, &["q", "<C-c>"]),
            (Context::Detail, Action::ScrollDown, &["j", "<Down>"]),
            (Context::Help, Action::Quit, &["<C-c>"]),
            (Context::Help, Action::Help, &[]),
            (Context::Help, Action::Back, &["?", "q", "<Esc>"]),
            (Context::Global, Action::Down, &[]),
        ];
        for (context, action, expected) in cases {
            assert_eq!(
                keymap.keys_for(*context, *action),
                *expected,
                "{context:?} {action:?}"
            );
        }
    }

    #[test]
    fn user_binding_replaces_the_default_for_that_key_only() {
        let keymap = with_user(&[("list", &[("j", "up"), ("<c-d>", "page_down")])]);
        assert_eq!(
            outcome(&keymap, Context::List, "j"),
            action(Action::Up, None)
        );
        assert_eq!(
            outcome(&keymap, Context::List, "<C-d>"),
            action(Action::PageDown, None)
        );
        assert_eq!(
            outcome(&keymap, Context::List, "<Down>"),
            action(Action::Down, None)
        );
        assert_eq!(
            outcome(&keymap, Context::Detail, "j"),
            action(Action::ScrollDown, None)
        );
        assert_eq!(keymap.keys_for(Context::List, Action::Down), ["<Down>"]);
    }

    #[test]
    fn none_unbinds_and_hides_the_global_key_in_that_pane() {
        let keymap = with_user(&[("list", &[("s", "none"), ("q", "none"), ("g g", "none")])]);
        let cases: &[(Context, &str, KeyOutcome)] = &[
            (Context::List, "s", KeyOutcome::Unbound),
            (Context::Detail, "s", action(Action::ToggleStar, None)),
            (Context::List, "q", KeyOutcome::Unbound),
            (Context::Detail, "q", action(Action::Quit, None)),
            (Context::List, "g", KeyOutcome::Unbound),
            (Context::Detail, "g g", action(Action::TextTop, None)),
        ];
        for (context, keys, expected) in cases {
            assert_eq!(
                outcome(&keymap, *context, keys),
                *expected,
                "{context:?} {keys}"
            );
        }
        let help = keymap.help();
        let list = help
            .iter()
            .find(|section| section.context == Context::List)
            .unwrap();
        assert!(
            list.entries
                .iter()
                .all(|entry| entry.action != Action::ToggleStar)
        );
    }

    #[test]
    fn none_in_global_unbinds_everywhere_it_is_not_rebound() {
        let keymap = with_user(&[("global", &[("q", "none"), ("<C-c>", "quit")])]);
        assert_eq!(outcome(&keymap, Context::List, "q"), KeyOutcome::Unbound);
        assert_eq!(
            outcome(&keymap, Context::Help, "q"),
            action(Action::Back, None)
        );
        assert_eq!(
            outcome(&keymap, Context::Detail, "<C-c>"),
            action(Action::Quit, None)
        );
    }

    #[test]
    fn user_chords_and_new_contexts_merge_with_defaults() {
        let keymap = with_user(&[
            ("list", &[("g t", "view_today")]),
            ("filter", &[("<C-n>", "down")]),
        ]);
        assert_eq!(
            outcome(&keymap, Context::List, "g t"),
            action(Action::ViewToday, None)
        );
        assert_eq!(
            outcome(&keymap, Context::List, "g g"),
            action(Action::Top, None)
        );
        assert_eq!(
            outcome(&keymap, Context::Filter, "<C-n>"),
            action(Action::Down, None)
        );
        assert_eq!(
            outcome(&keymap, Context::Filter, "j"),
            action(Action::Down, None)
        );
    }

    #[test]
    fn user_binding_drops_default_chords_it_collides_with() {
        // A pane key over a default pane chord.
        let keymap = with_user(&[("list", &[("g", "top")])]);
        assert_eq!(
            outcome(&keymap, Context::List, "g"),
            action(Action::Top, None)
        );
        assert_eq!(keymap.keys_for(Context::List, Action::Top), ["g", "<Home>"]);
        assert_eq!(
            outcome(&keymap, Context::Detail, "g g"),
            action(Action::TextTop, None)
        );

        // A global key over default pane chords: the user's key wins in every pane.
        let keymap = with_user(&[("global", &[("g", "sync_now")])]);
        assert_eq!(
            outcome(&keymap, Context::List, "g"),
            action(Action::SyncNow, None)
        );
        assert_eq!(
            outcome(&keymap, Context::Detail, "g"),
            action(Action::SyncNow, None)
        );

        // A pane chord over a default global key: the global key is hidden in that pane only.
        let keymap = with_user(&[("list", &[("r r", "sync_now")])]);
        assert_eq!(outcome(&keymap, Context::List, "r"), KeyOutcome::Pending);
        assert_eq!(
            outcome(&keymap, Context::List, "r r"),
            action(Action::SyncNow, None)
        );
        assert_eq!(
            outcome(&keymap, Context::Detail, "r"),
            action(Action::SyncNow, None)
        );
    }

    #[test]
    fn load_errors_name_the_context_and_key() {
        let cases: &[(Tables, KeymapError)] = &[
            (
                &[("lst", &[("j", "down")])],
                KeymapError::UnknownContext {
                    context: "lst".into(),
                },
            ),
            (
                &[("list", &[("j", "dwn")])],
                KeymapError::UnknownAction {
                    context: "list".into(),
                    key: "j".into(),
                    action: "dwn".into(),
                },
            ),
            (
                &[("list", &[("<Foo>", "down")])],
                KeymapError::BadKey {
                    context: "list".into(),
                    key: "<Foo>".into(),
                    reason: "unknown key name \"Foo\"".into(),
                },
            ),
            (
                &[("list", &[("<C-d>", "down"), ("<c-d>", "up")])],
                KeymapError::Duplicate {
                    context: "list".into(),
                    key: "<c-d>".into(),
                    other: "<C-d>".into(),
                },
            ),
            (
                &[("detail", &[("<S-Tab>", "back"), ("<BackTab>", "back")])],
                KeymapError::Duplicate {
                    context: "detail".into(),
                    key: "<S-Tab>".into(),
                    other: "<BackTab>".into(),
                },
            ),
            (
                &[("list", &[("z", "top"), ("z z", "bottom")])],
                KeymapError::Shadowed {
                    context: "list".into(),
                    key: "z z".into(),
                    by_context: "list".into(),
                    by_key: "z".into(),
                },
            ),
            (
                &[
                    ("global", &[("z", "top")]),
                    ("detail", &[("z z", "bottom")]),
                ],
                KeymapError::Shadowed {
                    context: "detail".into(),
                    key: "z z".into(),
                    by_context: "global".into(),
                    by_key: "z".into(),
                },
            ),
            (
                &[
                    ("global", &[("z z", "top")]),
                    ("detail", &[("z", "bottom")]),
                ],
                KeymapError::Shadowed {
                    context: "global".into(),
                    key: "z z".into(),
                    by_context: "detail".into(),
                    by_key: "z".into(),
                },
            ),
            (
                &[("list", &[("1 x", "top")])],
                KeymapError::DigitChord {
                    context: "list".into(),
                    key: "1 x".into(),
                },
            ),
        ];
        for (tables, expected) in cases {
            let error = load_error(tables);
            assert_eq!(&error, expected);
            let message = error.to_string();
            assert!(!message.contains('\n'), "{message}");
            if let KeymapError::UnknownContext { .. } = expected {
                assert!(message.contains("[keys.lst]"), "{message}");
            } else {
                let (context, bindings) = tables.last().unwrap();
                assert!(message.contains(&format!("[keys.{context}]")), "{message}");
                assert!(
                    bindings
                        .iter()
                        .any(|(key, _)| message.contains(&format!("{key:?}"))),
                    "{message}"
                );
            }
        }
    }
}
