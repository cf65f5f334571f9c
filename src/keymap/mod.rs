//! Key bindings: vim-syntax key parsing, a per-context key trie with chords and counts, merging
//! the user's `[keys.*]` over the embedded defaults, load-time validation, and the help entries.
//!
//! # Key syntax
//!
//! A binding's key is written as in vim. A single character stands for itself (`j`, `G`, `?`,
//! `/`, `[`). Other keys are named in angle brackets, case-insensitively: `<Enter>` (`<CR>`,
//! `<Return>`), `<Esc>`, `<Tab>`, `<S-Tab>` (`<BackTab>`), `<Space>`, `<BS>`, `<Del>`,
//! `<Insert>`, `<Up>`, `<Down>`, `<Left>`, `<Right>`, `<Home>`, `<End>`, `<PageUp>`,
//! `<PageDown>`, `<F1>`…`<F24>`, and `<lt>` for `<`. Modifiers go in front: `<C-d>` (Ctrl),
//! `<A-x>` or `<M-x>` (Alt), `<S-Up>` (Shift), `<D-x>` (Super), combined as in `<C-A-x>`.
//! As in vim, `<C-D>` is the same key as `<C-d>`; Ctrl+Shift+x is written `<C-S-x>`. Shift on a
//! character is folded into the character: `G` matches a shifted `g` however the terminal
//! reports it. A chord is several keys separated by spaces: `"g g"`.
//!
//! # Chords, counts and timeouts
//!
//! Keys are looked up in the focused pane's table first, then in `[keys.global]`; a pane binding
//! for the same key wins. After the first key of a chord (`g` of `g g`) the keymap waits for the
//! next one and the status bar shows the pending keys; a key that does not continue the chord
//! cancels it and does nothing.
//!
//! A count typed before a motion repeats it or picks a row: `5j` moves down five papers, `12G`
//! jumps to row 12, `3<C-d>` moves three half pages. Counts apply to `down`, `up`, `bottom`,
//! `half_page_down`/`up`, `page_down`/`up`, `scroll_down`/`up`, `next_match`/`prev_match` and
//! `prev_day`/`next_day`; any other action runs once and the count is dropped (`5s` stars the
//! paper once), as in vim. A count starts with `1`–`9`; `0` continues it. Counts stop growing at
//! 99999. `<Esc>` cancels a pending count.
//!
//! The digits `1`–`7` also switch views. Like vim's `timeoutlen`, a digit waits: if a motion
//! follows, the digit was a count; if nothing follows for 0.8 s, a lone digit runs its own
//! binding (`5` shows unread papers); a longer count with nothing after it is dropped. A pending
//! chord that times out is dropped too. Chords cannot start with `1`–`9`.
//!
//! # Rebinding
//!
//! The user's `[keys.<context>]` tables (`global`, `list`, `detail`, `filter`, `help`, and
//! `input` for the line editor, see `input`) are merged over the defaults: a user binding replaces the default for that key in that context, and the
//! action `"none"` unbinds a key (in a pane it also hides the `[keys.global]` binding of that key
//! there). A user binding also replaces default bindings it would collide with: binding `g` alone
//! drops the default chord `g g`. Loading fails, with a message naming the context and key, on an
//! unknown context or action, a key that does not parse, two spellings of one key in a table
//! (`<C-d>` and `<c-d>`), a chord starting with a digit, and a binding that could never fire
//! because another binding is its first keys (`g` and `g g` in one pane, or `g` in
//! `[keys.global]` and `g g` in a pane).
//!
//! # Layout
//!
//! `key` parses and spells single keys and sequences; `trie` looks a sequence up in one
//! context; `bindings` merges the user's tables over the defaults, settles collisions and lists
//! the help; this file feeds key presses and timeouts through them (counts, chords, pending
//! state).
//!
//! Layer: beside `app` (the reader's model holds a `KeyState`). It may import `action`,
//! `config` and the layers below, never `app`, `ui`, the reader or `cli`.

mod bindings;
mod input;
mod key;
mod trie;

use std::collections::BTreeMap;
use std::time::Duration;

use crossterm::event::KeyCode;

use crate::action::{Action, Context};
use bindings::ContextKeys;
use trie::Lookup;

pub use bindings::{HelpEntry, HelpSection};
pub use input::InputHelpEntry;
pub use key::{Key, display_sequence};

/// How long a pending chord or count waits for its next key (vim's `timeoutlen`).
pub const TIMEOUT: Duration = Duration::from_millis(800);

/// The largest count; more digits keep it there.
pub const MAX_COUNT: u32 = 99_999;

/// The action name that unbinds a key.
pub const UNBIND: &str = "none";

const MAX_COUNT_DIGITS: usize = 5;

/// Why a key, a binding or a key table could not be used. Messages are one line and name the
/// context and the key as the user wrote them.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum KeymapError {
    #[error("key {text:?}: {reason}")]
    InvalidKey { text: String, reason: String },
    #[error(
        "[keys.{context}]: unknown context (expected one of: global, list, detail, filter, help, \
         input)"
    )]
    UnknownContext { context: String },
    #[error("[keys.{context}] {key:?}: {reason}")]
    BadKey {
        context: String,
        key: String,
        reason: String,
    },
    #[error(
        "[keys.{context}] {key:?} = {action:?}: unknown action (the help overlay, `?`, lists them)"
    )]
    UnknownAction {
        context: String,
        key: String,
        action: String,
    },
    #[error("[keys.{context}] {key:?} and {other:?} are the same key")]
    Duplicate {
        context: String,
        key: String,
        other: String,
    },
    #[error(
        "[keys.{context}] {key:?} can never fire: {by_key:?} in [keys.{by_context}] is bound on \
         its own and begins it"
    )]
    Shadowed {
        context: String,
        key: String,
        by_context: String,
        by_key: String,
    },
    #[error(
        "[keys.{context}] {key:?}: a chord cannot start with a digit 1-9 (digits type a count)"
    )]
    DigitChord { context: String, key: String },
    #[error("embedded default config: {message}")]
    Defaults { message: String },
}

/// What one key press (or a timeout) amounted to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum KeyOutcome {
    /// Run `action`; `count` is `Some` only when one was typed and the action takes a count.
    Action { action: Action, count: Option<u32> },
    /// A lone digit, then a key that takes no count (`1 s`): run the digit's own binding
    /// (switch the view) first, then `then` on what it shows. Taking the digit as a count and
    /// dropping it would run `s` on the old view's selection.
    DigitThen { digit: Action, then: Action },
    /// A chord or count is under way; show [`KeyState::pending_display`] and wait.
    Pending,
    /// The keys mean nothing here; the pending state was dropped.
    Unbound,
}

/// Keys typed so far towards a chord or count. Lives in the reader's model.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct KeyState {
    /// Count digits, at most `MAX_COUNT_DIGITS`, never starting with `0`.
    digits: String,
    /// The keys of an unfinished chord.
    keys: Vec<Key>,
}

/// The bindings of every context, validated and merged.
#[derive(Debug, Clone)]
pub struct Keymap {
    contexts: BTreeMap<Context, ContextKeys>,
    input: input::InputKeys,
}

/// Whether an action uses a typed count (moves that many, or jumps to that row).
pub fn accepts_count(action: Action) -> bool {
    match action {
        Action::Down
        | Action::Up
        | Action::Bottom
        | Action::HalfPageDown
        | Action::HalfPageUp
        | Action::PageDown
        | Action::PageUp
        | Action::NextMatch
        | Action::PrevMatch
        | Action::PrevDay
        | Action::NextDay
        | Action::ScrollDown
        | Action::ScrollUp
        | Action::NextUnread
        | Action::PrevUnread
        | Action::NextSection
        | Action::PrevSection => true,
        Action::Top
        | Action::ReadOn
        | Action::ToggleHideRead
        | Action::MarkAllRead
        | Action::UndoMark
        | Action::TextTop
        | Action::TextBottom
        | Action::Open
        | Action::Back
        | Action::NextPane
        | Action::Filter
        | Action::ToggleStar
        | Action::ToggleRead
        | Action::OpenAbstract
        | Action::OpenPdf
        | Action::DownloadPdf
        | Action::YankLink
        | Action::SyncNow
        | Action::ViewToday
        | Action::ViewWeek
        | Action::ViewAll
        | Action::ViewStarred
        | Action::ViewUnread
        | Action::ViewSource
        | Action::ViewForYou
        | Action::ViewHfWeek
        | Action::ViewHfMonth
        | Action::ViewHfTrending
        | Action::CycleSort
        | Action::EditNote
        | Action::ExportList
        | Action::ToggleZoom
        | Action::ToggleFilterPane
        | Action::OpenFullText
        | Action::TableOfContents
        | Action::SearchText
        | Action::Help
        | Action::Quit => false,
    }
}

impl KeyState {
    /// What has been typed towards a count or chord, for the status bar: `""`, `"g"`, `"5"`,
    /// `"12g"`.
    pub fn pending_display(&self) -> String {
        let mut shown = self.digits.clone();
        for key in &self.keys {
            shown.push_str(&key.display());
        }
        shown
    }

    /// Whether a count or chord is waiting for more keys (the reader then arms the timeout).
    pub fn is_pending(&self) -> bool {
        !self.digits.is_empty() || !self.keys.is_empty()
    }

    /// Forgets the pending count and chord.
    pub fn clear(&mut self) {
        self.digits.clear();
        self.keys.clear();
    }

    /// The count typed so far, if any.
    pub fn count(&self) -> Option<u32> {
        self.digits.parse().ok()
    }

    fn push_digit(&mut self, digit: char) {
        if self.digits.len() < MAX_COUNT_DIGITS {
            self.digits.push(digit);
        } else {
            self.digits = MAX_COUNT.to_string();
        }
    }
}

impl Keymap {
    /// How long a pending chord or count waits for its next key.
    pub const TIMEOUT: Duration = TIMEOUT;

    /// Feeds one key press typed in `context`. Lookup is in `context` first, then `Global`.
    pub fn handle(&self, state: &mut KeyState, context: Context, key: Key) -> KeyOutcome {
        let key = Key::new(key.code, key.modifiers);
        if state.keys.is_empty() {
            if let Some(digit) = key.count_digit()
                && (digit != '0' || !state.digits.is_empty())
            {
                state.push_digit(digit);
                return KeyOutcome::Pending;
            }
            if key.code == KeyCode::Esc && key.modifiers.is_empty() && !state.digits.is_empty() {
                state.clear();
                return KeyOutcome::Unbound;
            }
        }
        let mut sequence = std::mem::take(&mut state.keys);
        sequence.push(key);
        match self.lookup(context, &sequence) {
            Lookup::Action(action) => {
                let lone_digit = self.lone_digit_action(state, context);
                let count = state.count().filter(|_| accepts_count(action));
                state.clear();
                match lone_digit {
                    Some(digit) if !accepts_count(action) => KeyOutcome::DigitThen {
                        digit,
                        then: action,
                    },
                    _ => KeyOutcome::Action { action, count },
                }
            }
            Lookup::Prefix => {
                state.keys = sequence;
                KeyOutcome::Pending
            }
            Lookup::Missing => {
                state.clear();
                KeyOutcome::Unbound
            }
        }
    }

    /// The binding of the one digit typed so far (`5` → `view_unread`), if exactly one was.
    fn lone_digit_action(&self, state: &KeyState, context: Context) -> Option<Action> {
        let mut digits = state.digits.chars();
        match (digits.next(), digits.next()) {
            (Some(digit), None) => match self.lookup(context, &[Key::char(digit)]) {
                Lookup::Action(action) => Some(action),
                Lookup::Prefix | Lookup::Missing => None,
            },
            _ => None,
        }
    }

    /// Called when no key came for [`TIMEOUT`] while something was pending: a lone digit runs
    /// its own binding (`5` → `view_unread`); anything else pending is dropped.
    pub fn timeout(&self, state: &mut KeyState, context: Context) -> KeyOutcome {
        let mut digits = state.digits.chars();
        let outcome = match (digits.next(), digits.next(), state.keys.is_empty()) {
            (Some(digit), None, true) => match self.lookup(context, &[Key::char(digit)]) {
                Lookup::Action(action) => KeyOutcome::Action {
                    action,
                    count: None,
                },
                Lookup::Prefix | Lookup::Missing => KeyOutcome::Unbound,
            },
            _ => KeyOutcome::Unbound,
        };
        state.clear();
        outcome
    }

    fn lookup(&self, context: Context, sequence: &[Key]) -> Lookup {
        self.contexts
            .get(&context)
            .map_or(Lookup::Missing, |keys| keys.trie.lookup(sequence))
    }
}

/// Helpers shared by the tests of every keymap file.
#[cfg(test)]
mod test_support {
    use std::collections::BTreeMap;

    use crossterm::event::{KeyCode, KeyModifiers};
    use proptest::prelude::*;

    use super::{Action, Context, Key, KeyOutcome, KeyState, Keymap, KeymapError};

    pub(super) const NONE: KeyModifiers = KeyModifiers::NONE;
    pub(super) const CTRL: KeyModifiers = KeyModifiers::CONTROL;
    pub(super) const ALT: KeyModifiers = KeyModifiers::ALT;
    pub(super) const SHIFT: KeyModifiers = KeyModifiers::SHIFT;

    pub(super) fn key(code: KeyCode, modifiers: KeyModifiers) -> Key {
        Key { code, modifiers }
    }

    pub(super) fn ch(c: char) -> Key {
        key(KeyCode::Char(c), NONE)
    }

    pub(super) fn defaults() -> Keymap {
        Keymap::defaults().unwrap()
    }

    /// User `[keys.*]` tables as (context, [(key, action)]).
    pub(super) type Tables<'a> = &'a [(&'a str, &'a [(&'a str, &'a str)])];

    pub(super) fn user(tables: Tables) -> BTreeMap<String, BTreeMap<String, String>> {
        tables
            .iter()
            .map(|(context, bindings)| {
                let table = bindings
                    .iter()
                    .map(|(k, a)| (k.to_string(), a.to_string()))
                    .collect();
                (context.to_string(), table)
            })
            .collect()
    }

    pub(super) fn with_user(tables: Tables) -> Keymap {
        Keymap::with_overrides(&user(tables)).unwrap()
    }

    pub(super) fn load_error(tables: Tables) -> KeymapError {
        Keymap::with_overrides(&user(tables)).unwrap_err()
    }

    /// Feeds a space-separated key sequence and returns the outcome of every key.
    pub(super) fn feed(
        keymap: &Keymap,
        state: &mut KeyState,
        context: Context,
        keys: &str,
    ) -> Vec<KeyOutcome> {
        Key::parse_sequence(keys)
            .unwrap()
            .into_iter()
            .map(|key| keymap.handle(state, context, key))
            .collect()
    }

    /// The outcome of the last key of `keys`, typed from a fresh state.
    pub(super) fn outcome(keymap: &Keymap, context: Context, keys: &str) -> KeyOutcome {
        let mut state = KeyState::default();
        feed(keymap, &mut state, context, keys).pop().unwrap()
    }

    pub(super) fn action(action: Action, count: Option<u32>) -> KeyOutcome {
        KeyOutcome::Action { action, count }
    }

    pub(super) fn any_modifiers() -> impl Strategy<Value = KeyModifiers> {
        (0u8..64).prop_map(KeyModifiers::from_bits_truncate)
    }
}

#[cfg(test)]
mod tests {
    use super::test_support::*;
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn single_keys_and_chords_resolve_in_context_then_global() {
        let keymap = defaults();
        let cases: &[(Context, &str, KeyOutcome)] = &[
            (Context::List, "j", action(Action::Down, None)),
            (Context::Detail, "j", action(Action::ScrollDown, None)),
            (Context::Help, "j", action(Action::ScrollDown, None)),
            (Context::List, "q", action(Action::Quit, None)),
            (Context::Help, "q", action(Action::Back, None)),
            (Context::Detail, "<Tab>", action(Action::NextPane, None)),
            (Context::Filter, "r", action(Action::SyncNow, None)),
            (Context::List, "G", action(Action::Bottom, None)),
            (Context::List, "<C-d>", action(Action::HalfPageDown, None)),
            (Context::List, "<Esc>", action(Action::Back, None)),
            (Context::List, "g g", action(Action::Top, None)),
            (Context::Detail, "g g", action(Action::TextTop, None)),
            (Context::List, "g x", KeyOutcome::Unbound),
            (Context::List, "g", KeyOutcome::Pending),
            (Context::List, "Z", KeyOutcome::Unbound),
            (Context::Global, "j", KeyOutcome::Unbound),
            (Context::Filter, "g", KeyOutcome::Unbound),
            (Context::List, "0", action(Action::ViewHfTrending, None)),
            (Context::List, "Q", KeyOutcome::Unbound),
        ];
        for (context, keys, expected) in cases {
            assert_eq!(
                outcome(&keymap, *context, keys),
                *expected,
                "{context:?} {keys}"
            );
        }
    }

    #[test]
    fn shifted_letter_matches_however_the_terminal_reports_it() {
        let keymap = defaults();
        let mut state = KeyState::default();
        let reported = Key {
            code: KeyCode::Char('G'),
            modifiers: SHIFT,
        };
        let outcome = keymap.handle(&mut state, Context::List, reported);
        assert_eq!(outcome, action(Action::Bottom, None));
    }

    #[test]
    fn counts_go_to_motions_and_are_dropped_by_other_actions() {
        let keymap = defaults();
        let cases: &[(Context, &str, KeyOutcome)] = &[
            (Context::List, "5 j", action(Action::Down, Some(5))),
            (Context::List, "1 2 G", action(Action::Bottom, Some(12))),
            (Context::List, "1 0 j", action(Action::Down, Some(10))),
            (
                Context::List,
                "3 <C-d>",
                action(Action::HalfPageDown, Some(3)),
            ),
            (
                Context::List,
                "2 <PageDown>",
                action(Action::PageDown, Some(2)),
            ),
            (Context::List, "4 n", action(Action::NextMatch, Some(4))),
            (Context::List, "7 [", action(Action::PrevDay, Some(7))),
            (Context::Detail, "9 j", action(Action::ScrollDown, Some(9))),
            (Context::Detail, "2 J", action(Action::Down, Some(2))),
            (
                Context::List,
                "5 s",
                KeyOutcome::DigitThen {
                    digit: Action::ViewUnread,
                    then: Action::ToggleStar,
                },
            ),
            (
                Context::List,
                "1 q",
                KeyOutcome::DigitThen {
                    digit: Action::ViewToday,
                    then: Action::Quit,
                },
            ),
            (
                Context::List,
                "8 s",
                KeyOutcome::DigitThen {
                    digit: Action::ViewHfWeek,
                    then: Action::ToggleStar,
                },
            ),
            (Context::List, "1 2 s", action(Action::ToggleStar, None)),
            (
                Context::List,
                "5 g g",
                KeyOutcome::DigitThen {
                    digit: Action::ViewUnread,
                    then: Action::Top,
                },
            ),
            (Context::List, "5 Z", KeyOutcome::Unbound),
            (Context::List, "5 <Esc>", KeyOutcome::Unbound),
            (
                Context::List,
                "9 9 9 9 9 9 9 j",
                action(Action::Down, Some(MAX_COUNT)),
            ),
        ];
        for (context, keys, expected) in cases {
            assert_eq!(
                outcome(&keymap, *context, keys),
                *expected,
                "{context:?} {keys}"
            );
        }
    }

    #[test]
    fn timeout_runs_a_lone_digit_and_drops_anything_else() {
        let keymap = defaults();
        let cases: &[(&str, KeyOutcome)] = &[
            ("5", action(Action::ViewUnread, None)),
            ("1", action(Action::ViewToday, None)),
            ("6", action(Action::ViewSource, None)),
            ("7", action(Action::ViewForYou, None)),
            ("8", action(Action::ViewHfWeek, None)),
            ("1 2", KeyOutcome::Unbound),
            ("5 0", KeyOutcome::Unbound),
            ("g", KeyOutcome::Unbound),
            ("5 g", KeyOutcome::Unbound),
            ("j", KeyOutcome::Unbound),
        ];
        for (keys, expected) in cases {
            let mut state = KeyState::default();
            feed(&keymap, &mut state, Context::List, keys);
            assert_eq!(
                keymap.timeout(&mut state, Context::List),
                *expected,
                "{keys}"
            );
            assert!(!state.is_pending(), "{keys}");
        }
    }

    #[test]
    fn pending_display_shows_count_then_chord_keys() {
        let keymap = defaults();
        let mut state = KeyState::default();
        assert_eq!(
            (state.pending_display().as_str(), state.is_pending()),
            ("", false)
        );
        let steps: &[(&str, &str, KeyOutcome)] = &[
            ("1", "1", KeyOutcome::Pending),
            ("2", "12", KeyOutcome::Pending),
            ("g", "12g", KeyOutcome::Pending),
            ("g", "", action(Action::Top, None)),
            ("g", "g", KeyOutcome::Pending),
            ("x", "", KeyOutcome::Unbound),
        ];
        for (typed, shown, expected) in steps {
            let key = Key::parse(typed).unwrap();
            assert_eq!(
                keymap.handle(&mut state, Context::List, key),
                *expected,
                "{typed}"
            );
            assert_eq!(state.pending_display(), *shown, "{typed}");
            assert_eq!(state.is_pending(), !shown.is_empty(), "{typed}");
        }
        feed(&keymap, &mut state, Context::List, "3 g");
        assert_eq!(state.count(), Some(3));
        state.clear();
        assert!(!state.is_pending());
        assert_eq!(state.count(), None);
    }

    #[test]
    fn user_can_rebind_a_view_digit_and_counts_still_work() {
        let keymap = with_user(&[("global", &[("5", "view_all")]), ("list", &[("0", "top")])]);
        let mut state = KeyState::default();
        feed(&keymap, &mut state, Context::List, "5");
        assert_eq!(
            keymap.timeout(&mut state, Context::List),
            action(Action::ViewAll, None)
        );
        assert_eq!(
            outcome(&keymap, Context::List, "5 0 j"),
            action(Action::Down, Some(50))
        );
        assert_eq!(
            outcome(&keymap, Context::List, "0"),
            action(Action::Top, None)
        );
    }

    #[test]
    fn chords_may_start_with_zero_or_continue_with_digits() {
        let keymap = with_user(&[("list", &[("0 0", "top"), ("g 1", "view_today")])]);
        assert_eq!(
            outcome(&keymap, Context::List, "0 0"),
            action(Action::Top, None)
        );
        assert_eq!(
            outcome(&keymap, Context::List, "g 1"),
            action(Action::ViewToday, None)
        );
        assert_eq!(
            outcome(&keymap, Context::List, "1 0 0 j"),
            action(Action::Down, Some(100))
        );
    }

    fn any_code() -> impl Strategy<Value = KeyCode> {
        prop_oneof![
            4 => prop::sample::select(vec!['j', 'k', 'g', 'G', 'q', '0', '1', '5', '9', 'x', 's'])
                .prop_map(KeyCode::Char),
            2 => any::<char>().prop_map(KeyCode::Char),
            1 => prop::sample::select(vec![
                KeyCode::Enter,
                KeyCode::Esc,
                KeyCode::Tab,
                KeyCode::BackTab,
                KeyCode::Backspace,
                KeyCode::Down,
                KeyCode::Home,
                KeyCode::PageDown,
                KeyCode::Null,
                KeyCode::CapsLock,
            ]),
            1 => any::<u8>().prop_map(KeyCode::F),
        ]
    }

    fn any_key() -> impl Strategy<Value = Key> {
        (any_code(), any_modifiers()).prop_map(|(code, modifiers)| Key { code, modifiers })
    }

    /// One reader event: a key in some context, or a timeout.
    fn any_event() -> impl Strategy<Value = (Option<Key>, usize)> {
        (
            prop::option::weighted(0.9, any_key()),
            0..Context::ALL.len(),
        )
    }

    proptest! {
        #[test]
        fn handle_never_panics_and_pending_matches_the_outcome(
            events in prop::collection::vec(any_event(), 0..64)
        ) {
            let keymap = defaults();
            let mut state = KeyState::default();
            for (key, context_index) in events {
                let context = Context::ALL[context_index];
                let outcome = match key {
                    Some(key) => keymap.handle(&mut state, context, key),
                    None => keymap.timeout(&mut state, context),
                };
                prop_assert_eq!(state.is_pending(), outcome == KeyOutcome::Pending);
                prop_assert_eq!(state.pending_display().is_empty(), !state.is_pending());
                if let KeyOutcome::Action { action, count: Some(count) } = outcome {
                    prop_assert!(accepts_count(action));
                    prop_assert!((1..=MAX_COUNT).contains(&count));
                }
            }
        }
    }
}
