//! Flow tests: the reader's real loop body (`Reader::handle` → update → effects → store) with
//! injected keys and sync events, a real store in a temporary dir, and a TestBackend screen.

#[path = "support/reader.rs"]
mod reader;

use std::io::Write;
use std::sync::{Arc, Mutex};

use chrono::NaiveDate;
use crossterm::event::KeyCode;
use paperboat::app::{Focus, Msg, View};
use paperboat::model::{Paper, PaperId, SourceId};
use paperboat::reader::Reader;
use paperboat::store::Store;
use paperboat::sync::SyncEvent;
use ratatui::backend::TestBackend;
use reader::{key, press, screen};

/// A clipboard sink the test can read after the reader wrote to it.
#[derive(Clone, Default)]
struct Sink(Arc<Mutex<Vec<u8>>>);

impl Write for Sink {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

fn day() -> NaiveDate {
    NaiveDate::from_ymd_opt(2025, 4, 30).unwrap()
}

fn paper(id: &str, title: &str, upvotes: u32) -> Paper {
    let mut p = Paper::new(
        PaperId::from_arxiv(id).unwrap(),
        title.into(),
        SourceId::hf(),
    );
    p.daily_date = Some(day());
    p.upvotes = Some(upvotes);
    p.abstract_text = format!("Abstract of {title}.");
    p.links.abs = Some(format!("https://arxiv.org/abs/{id}"));
    p
}

fn seeded_store(dir: &std::path::Path) -> Store {
    let store = Store::open(dir).unwrap();
    store
        .apply(
            vec![
                paper("2504.00001", "Scaling sparse experts", 30),
                paper("2504.00002", "Diffusion for protein design", 20),
                paper("2504.00003", "Quasicrystal transformers", 10),
            ],
            day(),
        )
        .unwrap();
    store
}

fn open_reader(store: &Store, clipboard: Sink) -> Reader<TestBackend> {
    reader::open_reader(store, (100, 30), Box::new(clipboard), false)
}

fn selected(reader: &Reader<TestBackend>) -> String {
    reader
        .app
        .selected_row()
        .map(|r| r.id.to_string())
        .unwrap_or_default()
}

#[test]
fn open_scroll_and_star_write_through_to_the_store() {
    let dir = tempfile::tempdir().unwrap();
    let store = seeded_store(dir.path());
    let mut reader = open_reader(&store, Sink::default());
    let text = screen(&mut reader);
    assert!(text.contains("Scaling sparse experts"), "{text}");
    assert!(
        text.contains("Abstract of Scaling sparse experts."),
        "the detail shows the body: {text}"
    );

    press(&mut reader, "js");
    let id = PaperId::from_arxiv("2504.00002").unwrap();
    assert!(
        store.user_state(&id).unwrap().is_starred(),
        "on disk as soon as the key is handled"
    );

    key(&mut reader, KeyCode::Enter);
    assert_eq!(reader.app.focus, Focus::Detail);
    assert!(store.user_state(&id).unwrap().read, "opening marks it read");
    assert!(screen(&mut reader).contains("★ starred"));

    press(&mut reader, "q");
    assert!(reader.app.quit);
    drop(reader);
    drop(store);

    // After a restart the star and read flag are there.
    let store = Store::open(dir.path()).unwrap();
    let mut reader = open_reader(&store, Sink::default());
    let state = store.user_state(&id).unwrap();
    assert!(state.is_starred() && state.read);
    press(&mut reader, "4");
    reader.handle(Msg::KeyTimeout);
    assert_eq!(reader.app.view, View::Starred);
    assert_eq!(selected(&reader), "2504.00002");
}

#[test]
fn filtering_narrows_and_views_switch() {
    let dir = tempfile::tempdir().unwrap();
    let store = seeded_store(dir.path());
    let mut reader = open_reader(&store, Sink::default());
    press(&mut reader, "/protein");
    assert_eq!(reader.app.visible.len(), 1);
    key(&mut reader, KeyCode::Enter);
    assert_eq!(selected(&reader), "2504.00002");
    let text = screen(&mut reader);
    assert!(text.contains("/protein"), "{text}");
    // Abstract words match too once the abstracts are loaded.
    key(&mut reader, KeyCode::Esc);
    press(&mut reader, "/abstract of quasicrystal");
    key(&mut reader, KeyCode::Enter);
    assert_eq!(reader.app.visible.len(), 1);
    assert_eq!(selected(&reader), "2504.00003");

    key(&mut reader, KeyCode::Esc);
    press(&mut reader, "5");
    reader.handle(Msg::KeyTimeout);
    assert_eq!(reader.app.view, View::Unread);
    assert_eq!(reader.app.visible.len(), 3);
    press(&mut reader, "x");
    assert_eq!(
        reader.app.visible.len(),
        2,
        "a paper marked read leaves the Unread view"
    );
}

#[test]
fn a_sync_arriving_mid_read_keeps_the_selection() {
    let dir = tempfile::tempdir().unwrap();
    let store = seeded_store(dir.path());
    let mut reader = open_reader(&store, Sink::default());
    press(&mut reader, "jj");
    assert_eq!(selected(&reader), "2504.00003");

    // The sync task stores two papers that sort above the selection, then says so.
    store
        .apply(
            vec![
                paper("2504.00009", "A hot new paper", 99),
                paper("2504.00008", "Another", 50),
            ],
            day(),
        )
        .unwrap();
    reader.handle(Msg::Sync(SyncEvent::SourceUpdated {
        id: SourceId::hf(),
        new: 2,
        changed: 0,
    }));
    assert_eq!(reader.app.visible.len(), 5);
    assert_eq!(
        selected(&reader),
        "2504.00003",
        "still on the paper being read"
    );
    assert_eq!(reader.app.selected, 4);
    let text = screen(&mut reader);
    assert!(text.contains("A hot new paper"), "{text}");
}

#[test]
fn yank_writes_an_osc52_sequence_with_the_link() {
    let dir = tempfile::tempdir().unwrap();
    let store = seeded_store(dir.path());
    let sink = Sink::default();
    let mut reader = open_reader(&store, sink.clone());
    press(&mut reader, "y");
    let written = String::from_utf8(sink.0.lock().unwrap().clone()).unwrap();
    // base64("https://arxiv.org/abs/2504.00001")
    assert_eq!(
        written,
        "\x1b]52;c;aHR0cHM6Ly9hcnhpdi5vcmcvYWJzLzI1MDQuMDAwMDE=\x07"
    );
    assert!(
        reader
            .app
            .message
            .as_deref()
            .is_some_and(|m| m.starts_with("copied"))
    );
}

#[test]
fn unsafe_links_are_refused() {
    use paperboat::reader::check_url;
    assert!(check_url("https://arxiv.org/abs/2504.00001").is_ok());
    for bad in [
        "javascript:alert(1)",
        "file:///etc/passwd",
        "http://",
        "https://a b",
        "ftp://x.org/y",
    ] {
        assert!(check_url(bad).is_err(), "{bad} must be refused");
    }
}

#[test]
fn an_empty_cache_opens_and_says_so() {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(dir.path()).unwrap();
    let mut reader = open_reader(&store, Sink::default());
    let text = screen(&mut reader);
    assert!(text.contains("No papers cached yet"), "{text}");
    press(&mut reader, "jjsxG");
    assert!(reader.app.visible.is_empty());
}
