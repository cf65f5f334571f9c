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
//! The user's `[keys.<context>]` tables (`global`, `list`, `detail`, `filter`, `help`) are merged
//! over the defaults: a user binding replaces the default for that key in that context, and the
//! action `"none"` unbinds a key (in a pane it also hides the `[keys.global]` binding of that key
//! there). A user binding also replaces default bindings it would collide with: binding `g` alone
//! drops the default chord `g g`. Loading fails, with a message naming the context and key, on an
//! unknown context or action, a key that does not parse, two spellings of one key in a table
//! (`<C-d>` and `<c-d>`), a chord starting with a digit, and a binding that could never fire
//! because another binding is its first keys (`g` and `g g` in one pane, or `g` in
//! `[keys.global]` and `g g` in a pane).

use std::collections::{BTreeMap, HashMap, HashSet};
use std::fmt;
use std::time::Duration;

use crossterm::event::{KeyCode, KeyEvent, KeyEventKind, KeyModifiers};
use serde::Deserialize;

use crate::action::{Action, Context};
use crate::config::DEFAULT_CONFIG;

/// How long a pending chord or count waits for its next key (vim's `timeoutlen`).
pub const TIMEOUT: Duration = Duration::from_millis(800);

/// The largest count; more digits keep it there.
pub const MAX_COUNT: u32 = 99_999;

/// The action name that unbinds a key.
pub const UNBIND: &str = "none";

/// One key press, normalised so that every spelling and every terminal's report of the same key
/// compare equal (see [`Key::new`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Key {
    pub code: KeyCode,
    pub modifiers: KeyModifiers,
}

/// Why a key, a binding or a key table could not be used. Messages are one line and name the
/// context and the key as the user wrote them.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum KeymapError {
    #[error("key {text:?}: {reason}")]
    InvalidKey { text: String, reason: String },
    #[error(
        "[keys.{context}]: unknown context (expected one of: global, list, detail, filter, help)"
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

/// The bindings of every context, validated and merged.
#[derive(Debug, Clone)]
pub struct Keymap {
    contexts: BTreeMap<Context, ContextKeys>,
}

const MAX_COUNT_DIGITS: usize = 5;
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
    fn count_digit(&self) -> Option<char> {
        match self.code {
            KeyCode::Char(c) if c.is_ascii_digit() && self.modifiers.is_empty() => Some(c),
            _ => None,
        }
    }

    /// A named key or a key with modifiers; these sort after plain characters in help.
    fn is_special(&self) -> bool {
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
        | Action::PrevUnread => true,
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
        | Action::YankLink
        | Action::SyncNow
        | Action::ViewToday
        | Action::ViewWeek
        | Action::ViewAll
        | Action::ViewStarred
        | Action::ViewUnread
        | Action::ViewSource
        | Action::ViewForYou
        | Action::CycleSort
        | Action::EditNote
        | Action::ExportList
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
        let mut layers: BTreeMap<Context, Layer> = BTreeMap::new();
        for (context_name, table) in &default_tables()? {
            let (context, layer) = parse_layer(context_name, table, Origin::Default)?;
            layers.insert(context, layer);
        }
        for (context_name, table) in user {
            let (context, user_layer) = parse_layer(context_name, table, Origin::User)?;
            layers.entry(context).or_default().extend(user_layer);
        }
        let mut contexts = BTreeMap::new();
        for context in Context::ALL {
            let effective = resolve_collisions(effective_bindings(&layers, context))?;
            contexts.insert(context, ContextKeys::new(effective));
        }
        Ok(Keymap { contexts })
    }

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

    fn lookup(&self, context: Context, sequence: &[Key]) -> Lookup {
        self.contexts
            .get(&context)
            .map_or(Lookup::Missing, |keys| keys.trie.lookup(sequence))
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
struct ContextKeys {
    bindings: Vec<Binding>,
    trie: Trie,
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

#[derive(Debug, Clone, Default)]
struct Trie {
    children: HashMap<Key, TrieNode>,
}

#[derive(Debug, Clone)]
enum TrieNode {
    Action(Action),
    Chord(Trie),
}

enum Lookup {
    Action(Action),
    Prefix,
    Missing,
}

impl Trie {
    /// Validation guarantees no binding is a prefix of another; were one to slip through, the
    /// later insert wins rather than panicking.
    fn insert(&mut self, keys: &[Key], action: Action) {
        let Some((first, rest)) = keys.split_first() else {
            return;
        };
        if rest.is_empty() {
            self.children.insert(*first, TrieNode::Action(action));
            return;
        }
        let node = self
            .children
            .entry(*first)
            .or_insert_with(|| TrieNode::Chord(Trie::default()));
        if let TrieNode::Action(_) = node {
            *node = TrieNode::Chord(Trie::default());
        }
        if let TrieNode::Chord(child) = node {
            child.insert(rest, action);
        }
    }

    fn lookup(&self, keys: &[Key]) -> Lookup {
        let mut trie = self;
        for (index, key) in keys.iter().enumerate() {
            match trie.children.get(key) {
                None => return Lookup::Missing,
                Some(TrieNode::Action(action)) if index + 1 == keys.len() => {
                    return Lookup::Action(*action);
                }
                Some(TrieNode::Action(_)) => return Lookup::Missing,
                Some(TrieNode::Chord(child)) => trie = child,
            }
        }
        if keys.is_empty() {
            Lookup::Missing
        } else {
            Lookup::Prefix
        }
    }
}

/// The `[keys.*]` tables of the embedded default config.
fn default_tables() -> Result<BTreeMap<String, BTreeMap<String, String>>, KeymapError> {
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

fn context_from_name(name: &str) -> Option<Context> {
    Context::ALL
        .into_iter()
        .find(|context| context.name() == name)
}

/// Parses one `[keys.<context>]` table, rejecting unknown names, bad keys, digit chords and two
/// spellings of one key.
fn parse_layer(
    context_name: &str,
    table: &BTreeMap<String, String>,
    origin: Origin,
) -> Result<(Context, Layer), KeymapError> {
    let context = context_from_name(context_name).ok_or_else(|| KeymapError::UnknownContext {
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

fn parse_sequence(text: &str) -> Result<Vec<Key>, String> {
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
    use super::*;
    use proptest::prelude::*;

    const NONE: KeyModifiers = KeyModifiers::NONE;
    const CTRL: KeyModifiers = KeyModifiers::CONTROL;
    const ALT: KeyModifiers = KeyModifiers::ALT;
    const SHIFT: KeyModifiers = KeyModifiers::SHIFT;

    fn key(code: KeyCode, modifiers: KeyModifiers) -> Key {
        Key { code, modifiers }
    }

    fn ch(c: char) -> Key {
        key(KeyCode::Char(c), NONE)
    }

    fn defaults() -> Keymap {
        Keymap::defaults().unwrap()
    }

    /// User `[keys.*]` tables as (context, [(key, action)]).
    type Tables<'a> = &'a [(&'a str, &'a [(&'a str, &'a str)])];

    fn user(tables: Tables) -> BTreeMap<String, BTreeMap<String, String>> {
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

    fn with_user(tables: Tables) -> Keymap {
        Keymap::with_overrides(&user(tables)).unwrap()
    }

    fn load_error(tables: Tables) -> KeymapError {
        Keymap::with_overrides(&user(tables)).unwrap_err()
    }

    /// Feeds a space-separated key sequence and returns the outcome of every key.
    fn feed(
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
    fn outcome(keymap: &Keymap, context: Context, keys: &str) -> KeyOutcome {
        let mut state = KeyState::default();
        feed(keymap, &mut state, context, keys).pop().unwrap()
    }

    fn action(action: Action, count: Option<u32>) -> KeyOutcome {
        KeyOutcome::Action { action, count }
    }

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
            (Context::Help, Action::Quit, &[]),
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
            (Context::List, "z", KeyOutcome::Unbound),
            (Context::Global, "j", KeyOutcome::Unbound),
            (Context::Filter, "g", KeyOutcome::Unbound),
            (Context::List, "0", KeyOutcome::Unbound),
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
            (Context::List, "8 s", action(Action::ToggleStar, None)),
            (Context::List, "1 2 s", action(Action::ToggleStar, None)),
            (
                Context::List,
                "5 g g",
                KeyOutcome::DigitThen {
                    digit: Action::ViewUnread,
                    then: Action::Top,
                },
            ),
            (Context::List, "5 z", KeyOutcome::Unbound),
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
            ("8", KeyOutcome::Unbound),
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

    fn any_modifiers() -> impl Strategy<Value = KeyModifiers> {
        (0u8..64).prop_map(KeyModifiers::from_bits_truncate)
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
