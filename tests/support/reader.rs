//! Shared helpers for flow tests: a real `Reader` (inline effects, a real store) on a
//! `TestBackend`, driven key by key.
#![allow(dead_code)] // each test file uses a different part

use chrono::{TimeZone, Utc};
use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use paperboat::app::catalog::first_catalog;
use paperboat::app::{App, Msg};
use paperboat::keymap::Keymap;
use paperboat::reader::{EffectRunner, Reader};
use paperboat::store::Store;
use paperboat::ui::Theme;
use ratatui::Terminal;
use ratatui::backend::TestBackend;

/// A reader on `store` at `size`, with the clock at 2025-04-30 09:00 UTC and its start-up
/// effects run; `clipboard` receives OSC 52 writes.
pub fn open_reader(
    store: &Store,
    size: (u16, u16),
    clipboard: Box<dyn std::io::Write + Send>,
    color: bool,
) -> Reader<TestBackend> {
    let catalog = first_catalog(store).unwrap();
    let now = Utc.with_ymd_and_hms(2025, 4, 30, 9, 0, 0).unwrap();
    let app = App::new(Keymap::defaults().unwrap(), catalog, now, size, 120);
    let runner = EffectRunner::new(store.clone(), true, clipboard);
    let mut reader = Reader {
        terminal: Terminal::new(TestBackend::new(size.0, size.1)).unwrap(),
        app,
        runner,
        theme: Theme { color },
    };
    reader.start();
    reader
}

/// Sends each character of `keys` as a key press.
pub fn press(reader: &mut Reader<TestBackend>, keys: &str) {
    for c in keys.chars() {
        key(reader, KeyCode::Char(c));
    }
}

pub fn key(reader: &mut Reader<TestBackend>, code: KeyCode) {
    reader.handle(Msg::Key(KeyEvent::new(code, KeyModifiers::NONE)));
}

/// Draws and returns the screen as text.
pub fn screen(reader: &mut Reader<TestBackend>) -> String {
    reader.draw().unwrap();
    reader.terminal.backend().to_string()
}
