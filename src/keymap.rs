//! TEMPORARY stub so the reader compiles before the keymap branch lands.
use std::collections::BTreeMap;
use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use crate::action::{Action, Context};
pub const TIMEOUT: std::time::Duration = std::time::Duration::from_millis(800);
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Key { pub code: KeyCode, pub modifiers: KeyModifiers }
impl Key { pub fn from_event(ev: &KeyEvent) -> Key { Key { code: ev.code, modifiers: ev.modifiers } } }
#[derive(Debug, Clone)]
pub struct Keymap;
#[derive(Debug, Default)]
pub struct KeyState;
impl KeyState { pub fn pending_display(&self) -> String { String::new() } pub fn is_pending(&self) -> bool { false } }
pub enum KeyOutcome { Action { action: Action, count: Option<u32> }, Pending, Unbound }
pub struct HelpSection { pub context: Context, pub entries: Vec<HelpEntry> }
pub struct HelpEntry { pub action: Action, pub keys: Vec<String> }
#[derive(Debug, thiserror::Error)]
pub enum KeymapError { #[error("x")] X }
impl Keymap {
    pub fn defaults() -> Result<Keymap, KeymapError> { Ok(Keymap) }
    pub fn with_overrides(_u: &BTreeMap<String, BTreeMap<String, String>>) -> Result<Keymap, KeymapError> { Ok(Keymap) }
    pub fn handle(&self, _s: &mut KeyState, _c: Context, key: Key) -> KeyOutcome {
        let a = match key.code { KeyCode::Char('j') => Action::Down, KeyCode::Char('k') => Action::Up, KeyCode::Char('s') => Action::ToggleStar, KeyCode::Char('q') => Action::Quit, KeyCode::Enter => Action::Open, KeyCode::Char('/') => Action::Filter, _ => return KeyOutcome::Unbound };
        KeyOutcome::Action { action: a, count: None }
    }
    pub fn timeout(&self, _s: &mut KeyState, _c: Context) -> KeyOutcome { KeyOutcome::Unbound }
    pub fn help(&self) -> Vec<HelpSection> { Vec::new() }
}
