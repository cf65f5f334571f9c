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
        note: None,
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
    // `y` opens the link menu; `a` copies the abstract page's link.
    press(&mut reader, "ya");
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

// ------------------------------------------------------------- issue #11, M1: the morning loop

fn on(day: NaiveDate, id: &str, title: &str, upvotes: u32) -> Paper {
    let mut p = paper(id, title, upvotes);
    p.daily_date = Some(day);
    p
}

fn yesterday() -> NaiveDate {
    day().pred_opt().unwrap()
}

/// Three papers today (00001–00003, by upvotes 30/20/10) and three yesterday (00004–00006).
fn two_day_store(dir: &std::path::Path) -> Store {
    let store = seeded_store(dir);
    store
        .apply(
            vec![
                on(yesterday(), "2504.00004", "Mixture of experts at scale", 40),
                on(yesterday(), "2504.00005", "Graph rewiring", 5),
                on(yesterday(), "2504.00006", "Sparse MoE routing", 3),
            ],
            yesterday(),
        )
        .unwrap();
    store
}

fn ctrl(reader: &mut Reader<TestBackend>, c: char) {
    use crossterm::event::{KeyEvent, KeyModifiers};
    reader.handle(Msg::Key(KeyEvent::new(
        KeyCode::Char(c),
        KeyModifiers::CONTROL,
    )));
}

/// A view digit on its own, after its chord timeout (as a user who pauses).
fn view_digit(reader: &mut Reader<TestBackend>, digit: &str) {
    press(reader, digit);
    reader.handle(Msg::KeyTimeout);
}

fn id(text: &str) -> PaperId {
    PaperId::from_arxiv(text).unwrap()
}

fn is_read(store: &Store, paper: &str) -> bool {
    store.user_state(&id(paper)).unwrap().read
}

fn is_starred(store: &Store, paper: &str) -> bool {
    store.user_state(&id(paper)).unwrap().is_starred()
}

#[test]
fn three_g_one_s_stars_the_paper_the_user_saw_on_the_day() {
    let dir = tempfile::tempdir().unwrap();
    let store = two_day_store(dir.path());
    let mut reader = open_reader(&store, Sink::default());
    press(&mut reader, "j");
    assert_eq!(selected(&reader), "2504.00002");
    view_digit(&mut reader, "3");
    assert_eq!(reader.app.view, View::All);
    press(&mut reader, "G");
    assert_eq!(selected(&reader), "2504.00006", "All's last row");
    view_digit(&mut reader, "1");
    assert_eq!(reader.app.view, View::Day(day()));
    assert_eq!(
        selected(&reader),
        "2504.00002",
        "the day view kept its own selection"
    );
    press(&mut reader, "s");
    assert!(is_starred(&store, "2504.00002"));
    assert!(!is_starred(&store, "2504.00006"));
    // And All kept its own: back on its last row.
    view_digit(&mut reader, "3");
    assert_eq!(selected(&reader), "2504.00006");
}

#[test]
fn a_view_entered_the_first_time_selects_its_first_row() {
    let dir = tempfile::tempdir().unwrap();
    let store = two_day_store(dir.path());
    let mut reader = open_reader(&store, Sink::default());
    press(&mut reader, "jj");
    view_digit(&mut reader, "5");
    assert_eq!(reader.app.view, View::Unread);
    assert_eq!(reader.app.selected, 0);
    assert_eq!(reader.app.list_offset, 0);
    // For you, entered for the first time once there is a star, opens on its top pick.
    press(&mut reader, "s");
    view_digit(&mut reader, "7");
    assert_eq!(reader.app.view, View::ForYou);
    assert_eq!(reader.app.selected, 0);
    assert_eq!(reader.app.list_offset, 0);
}

#[test]
fn one_s_switches_the_view_first_then_stars_there() {
    let dir = tempfile::tempdir().unwrap();
    let store = two_day_store(dir.path());
    let mut reader = open_reader(&store, Sink::default());
    view_digit(&mut reader, "3");
    press(&mut reader, "jjjj");
    assert_eq!(selected(&reader), "2504.00005");
    press(&mut reader, "1s");
    assert_eq!(reader.app.view, View::Day(day()));
    assert!(is_starred(&store, "2504.00001"), "the day's selection");
    assert!(!is_starred(&store, "2504.00005"), "not All's");
    // A count still goes to a motion.
    press(&mut reader, "2j");
    assert_eq!(selected(&reader), "2504.00003");
}

#[test]
fn enter_j_j_marks_three_papers_read() {
    let dir = tempfile::tempdir().unwrap();
    let store = seeded_store(dir.path());
    let mut reader = open_reader(&store, Sink::default());
    key(&mut reader, KeyCode::Enter);
    press(&mut reader, "JJ");
    for paper in ["2504.00001", "2504.00002", "2504.00003"] {
        assert!(is_read(&store, paper), "{paper}");
    }
    // Moving in the list (detail not open) opens nothing.
    let dir = tempfile::tempdir().unwrap();
    let store = seeded_store(dir.path());
    let mut reader = open_reader(&store, Sink::default());
    press(&mut reader, "jj");
    assert!(!is_read(&store, "2504.00002"));
}

#[test]
fn mark_read_select_counts_an_abstract_on_screen_for_a_second() {
    use chrono::TimeDelta;
    let dir = tempfile::tempdir().unwrap();
    let store = seeded_store(dir.path());
    let mut reader = open_reader(&store, Sink::default());
    reader.app.nav.mark_read = paperboat::config::MarkRead::Select;
    let t0 = reader.app.now;
    let tick = |reader: &mut Reader<TestBackend>, ms: i64| {
        reader.handle(Msg::Tick(t0 + TimeDelta::milliseconds(ms)));
    };
    // The paper on screen at start; the first tick starts its second.
    press(&mut reader, "j");
    tick(&mut reader, 0);
    tick(&mut reader, 900);
    assert!(!is_read(&store, "2504.00002"), "not yet a second");
    press(&mut reader, "j");
    tick(&mut reader, 1000);
    tick(&mut reader, 1500);
    assert!(!is_read(&store, "2504.00002"), "left after 0.9 s");
    assert!(!is_read(&store, "2504.00003"));
    tick(&mut reader, 2000);
    assert!(is_read(&store, "2504.00003"), "on screen for a second");
    // Opening does not mark by itself in this mode; nor in manual.
    press(&mut reader, "k");
    key(&mut reader, KeyCode::Enter);
    assert!(!is_read(&store, "2504.00002"));
    reader.app.nav.mark_read = paperboat::config::MarkRead::Manual;
    press(&mut reader, "K");
    assert_eq!(selected(&reader), "2504.00001");
    tick(&mut reader, 5000);
    tick(&mut reader, 9000);
    assert!(
        !is_read(&store, "2504.00001"),
        "manual: neither opening nor time"
    );
    press(&mut reader, "x");
    assert!(is_read(&store, "2504.00001"), "x still marks");
}

#[test]
fn the_reader_follows_the_newest_day_until_the_user_moves() {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(dir.path()).unwrap();
    // An arXiv listing answered first: only yesterday is cached.
    store
        .apply(
            vec![on(yesterday(), "2504.00004", "Mixture of experts", 4)],
            yesterday(),
        )
        .unwrap();
    let mut reader = open_reader(&store, Sink::default());
    assert_eq!(reader.app.view, View::Day(yesterday()));
    store
        .apply(vec![paper("2504.00001", "Today's top", 30)], day())
        .unwrap();
    reader.handle(Msg::Sync(SyncEvent::SourceUpdated {
        id: SourceId::hf(),
        new: 1,
        changed: 0,
        note: None,
    }));
    assert_eq!(
        reader.app.view,
        View::Day(day()),
        "followed to the newest day"
    );
    assert_eq!(selected(&reader), "2504.00001");
    // The user moves: a newer day arriving later does not take them away.
    press(&mut reader, "[");
    let tomorrow = day().succ_opt().unwrap();
    store
        .apply(vec![on(tomorrow, "2505.00001", "Tomorrow", 1)], tomorrow)
        .unwrap();
    reader.handle(Msg::Sync(SyncEvent::SourceUpdated {
        id: SourceId::hf(),
        new: 1,
        changed: 0,
        note: None,
    }));
    assert_eq!(reader.app.view, View::Day(yesterday()));
}

fn long_paper(id: &str) -> Paper {
    let mut p = paper(id, "A paper with a long abstract", 99);
    p.abstract_text = (1..=600)
        .map(|i| format!("word{i}"))
        .collect::<Vec<_>>()
        .join(" ")
        + " THE-END.";
    p
}

#[test]
fn in_the_detail_g_g_and_capital_g_go_to_the_top_and_bottom_of_the_text() {
    let dir = tempfile::tempdir().unwrap();
    let store = seeded_store(dir.path());
    store.apply(vec![long_paper("2504.00009")], day()).unwrap();
    let mut reader = open_reader(&store, Sink::default());
    assert_eq!(selected(&reader), "2504.00009");
    key(&mut reader, KeyCode::Enter);
    let text = screen(&mut reader);
    assert!(!text.contains("THE-END"), "{text}");
    press(&mut reader, "G");
    let text = screen(&mut reader);
    assert!(text.contains("THE-END"), "the bottom of the text: {text}");
    assert_eq!(selected(&reader), "2504.00009", "still the same paper");
    // From the real bottom, one line up is one line up.
    press(&mut reader, "k");
    assert!(reader.app.detail_scroll < u16::MAX / 4);
    press(&mut reader, "gg");
    assert_eq!(reader.app.detail_scroll, 0);
    let text = screen(&mut reader);
    assert!(text.contains("A paper with a long abstract"), "{text}");
    assert_eq!(selected(&reader), "2504.00009");
}

#[test]
fn days_step_from_the_list_detail_and_filter_pane_and_say_where_they_end() {
    let dir = tempfile::tempdir().unwrap();
    let store = two_day_store(dir.path());
    let mut reader = open_reader(&store, Sink::default());
    press(&mut reader, "]");
    assert!(
        reader
            .app
            .message
            .as_deref()
            .is_some_and(|m| m.contains("newest")),
        "{:?}",
        reader.app.message
    );
    assert_eq!(reader.app.view, View::Day(day()));
    key(&mut reader, KeyCode::Enter);
    press(&mut reader, "[");
    assert_eq!(reader.app.view, View::Day(yesterday()), "from the detail");
    assert!(
        !is_read(&store, "2504.00004"),
        "another view's selection is shown, not opened"
    );
    press(&mut reader, "[");
    assert!(
        reader
            .app
            .message
            .as_deref()
            .is_some_and(|m| m.contains("oldest")),
        "{:?}",
        reader.app.message
    );
    key(&mut reader, KeyCode::Tab);
    assert_eq!(reader.app.focus, Focus::Filter);
    press(&mut reader, "]");
    assert_eq!(reader.app.view, View::Day(day()), "from the filter pane");
    let text = screen(&mut reader);
    assert!(text.contains("Today"), "{text}");
}

#[test]
fn ctrl_c_in_normal_mode_quits_like_q() {
    let dir = tempfile::tempdir().unwrap();
    let store = seeded_store(dir.path());
    let mut reader = open_reader(&store, Sink::default());
    ctrl(&mut reader, 'c');
    assert!(reader.app.quit);
}

#[test]
fn n_jumps_to_the_next_match_of_the_last_search_without_narrowing() {
    let dir = tempfile::tempdir().unwrap();
    let store = two_day_store(dir.path());
    let mut reader = open_reader(&store, Sink::default());
    view_digit(&mut reader, "3");
    press(&mut reader, "/moe");
    key(&mut reader, KeyCode::Enter);
    assert_eq!(reader.app.visible.len(), 1, "the filter narrows");
    key(&mut reader, KeyCode::Esc);
    assert_eq!(reader.app.visible.len(), 6, "Esc clears the filter");
    assert!(reader.app.query.text.is_empty());
    let at = selected(&reader);
    press(&mut reader, "gg");
    press(&mut reader, "n");
    assert_eq!(selected(&reader), "2504.00006", "the next moe below");
    assert_eq!(reader.app.visible.len(), 6, "the list is not narrowed");
    press(&mut reader, "n");
    assert_eq!(selected(&reader), "2504.00006", "the only match, wrapped");
    press(&mut reader, "N");
    assert_eq!(selected(&reader), "2504.00006");
    let _ = at;
}

#[test]
fn space_reads_on_through_the_unread_papers() {
    let dir = tempfile::tempdir().unwrap();
    let store = seeded_store(dir.path());
    store.apply(vec![long_paper("2504.00009")], day()).unwrap();
    let mut reader = open_reader(&store, Sink::default());
    assert_eq!(selected(&reader), "2504.00009");
    press(&mut reader, " ");
    assert_eq!(reader.app.focus, Focus::Detail, "Space opens");
    assert!(is_read(&store, "2504.00009"), "opened counts as read");
    let mut spaces = 0;
    while selected(&reader) == "2504.00009" {
        screen(&mut reader);
        press(&mut reader, " ");
        spaces += 1;
        assert!(spaces < 20, "Space never reached the end of the text");
    }
    assert!(spaces >= 2, "a long text is paged first ({spaces} presses)");
    assert_eq!(selected(&reader), "2504.00001", "the next unread paper");
    assert_eq!(reader.app.detail_scroll, 0);
    // A read paper is skipped.
    store.set_read(&id("2504.00002"), true).unwrap();
    reader.app.catalog.user.insert(
        id("2504.00002"),
        store.user_state(&id("2504.00002")).unwrap(),
    );
    screen(&mut reader);
    press(&mut reader, " ");
    assert_eq!(selected(&reader), "2504.00003");
    assert!(
        is_read(&store, "2504.00003"),
        "moved to with the detail open"
    );
    // `u` takes that back; Ctrl-n/Ctrl-p then find it and only it.
    press(&mut reader, "u");
    assert!(!is_read(&store, "2504.00003"));
    key(&mut reader, KeyCode::Esc);
    press(&mut reader, "gg");
    assert_eq!(selected(&reader), "2504.00009");
    ctrl(&mut reader, 'n');
    assert_eq!(selected(&reader), "2504.00003", "Ctrl-n: the next unread");
    ctrl(&mut reader, 'p');
    assert_eq!(selected(&reader), "2504.00003", "no unread paper above it");
    assert!(
        reader
            .app
            .message
            .as_deref()
            .is_some_and(|m| m.contains("no unread")),
        "{:?}",
        reader.app.message
    );
    // Manual mode: the end of a paper moves on without marking it.
    reader.app.nav.mark_read = paperboat::config::MarkRead::Manual;
    store.set_read(&id("2504.00001"), false).unwrap();
    reader.app.catalog.user.remove(&id("2504.00001"));
    press(&mut reader, "kk");
    assert_eq!(selected(&reader), "2504.00001");
    press(&mut reader, " ");
    screen(&mut reader);
    press(&mut reader, " ");
    assert_eq!(selected(&reader), "2504.00003", "on to the next unread");
    assert!(!is_read(&store, "2504.00001"), "manual: not marked");
}

#[test]
fn capital_h_hides_read_papers_once_the_user_moves_off_them() {
    let dir = tempfile::tempdir().unwrap();
    let store = seeded_store(dir.path());
    let mut reader = open_reader(&store, Sink::default());
    key(&mut reader, KeyCode::Enter);
    key(&mut reader, KeyCode::Esc);
    press(&mut reader, "H");
    assert_eq!(reader.app.visible.len(), 3, "the paper just read stays");
    let text = screen(&mut reader);
    assert!(text.contains("read hidden"), "{text}");
    press(&mut reader, "j");
    assert_eq!(reader.app.visible.len(), 2);
    assert_eq!(selected(&reader), "2504.00002");
    // Per view: All shows everything.
    view_digit(&mut reader, "3");
    assert_eq!(reader.app.visible.len(), 3);
    view_digit(&mut reader, "1");
    assert!(reader.app.nav.hide_read);
    press(&mut reader, "H");
    assert_eq!(reader.app.visible.len(), 3);
}

#[test]
fn capital_x_marks_the_view_read_after_y_and_u_undoes_it() {
    let dir = tempfile::tempdir().unwrap();
    let store = two_day_store(dir.path());
    let mut reader = open_reader(&store, Sink::default());
    let journal_before = journal_lines(&store);
    press(&mut reader, "X");
    assert!(
        reader
            .app
            .message
            .as_deref()
            .is_some_and(|m| m.contains("mark 3 papers")),
        "{:?}",
        reader.app.message
    );
    press(&mut reader, "n");
    assert!(!is_read(&store, "2504.00001"), "any other key declines");
    assert_eq!(selected(&reader), "2504.00001", "and does nothing else");
    press(&mut reader, "Xy");
    for paper in ["2504.00001", "2504.00002", "2504.00003"] {
        assert!(is_read(&store, paper), "{paper}");
    }
    assert!(!is_read(&store, "2504.00004"), "only the view");
    assert_eq!(journal_lines(&store), journal_before + 3);
    press(&mut reader, "u");
    for paper in ["2504.00001", "2504.00002", "2504.00003"] {
        assert!(!is_read(&store, paper), "{paper} undone");
    }
    assert_eq!(
        journal_lines(&store),
        journal_before + 6,
        "the undo is journaled"
    );
    // A single mark is undone too.
    press(&mut reader, "x");
    assert!(is_read(&store, "2504.00001"));
    press(&mut reader, "u");
    assert!(!is_read(&store, "2504.00001"));
}

fn journal_lines(store: &Store) -> usize {
    let path = store.journal().own_path().unwrap();
    std::fs::read_to_string(path)
        .map(|text| text.lines().count())
        .unwrap_or(0)
}

#[test]
fn the_reader_remembers_view_sort_hide_read_and_selection() {
    let dir = tempfile::tempdir().unwrap();
    let store = two_day_store(dir.path());
    let mut reader = open_reader(&store, Sink::default());
    view_digit(&mut reader, "3");
    press(&mut reader, "S");
    press(&mut reader, "H");
    press(&mut reader, "j");
    let chosen = selected(&reader);
    let sort = reader.app.sort;
    press(&mut reader, "q");
    drop(reader);

    let mut reader = open_reader(&store, Sink::default());
    reader.app.restore(&store.reader_state());
    assert_eq!(reader.app.view, View::All);
    assert_eq!(reader.app.sort, sort);
    assert!(reader.app.nav.hide_read);
    assert_eq!(selected(&reader), chosen);

    // The latest day is remembered as "the latest day", whichever it is next time.
    view_digit(&mut reader, "1");
    press(&mut reader, "q");
    drop(reader);
    let tomorrow = day().succ_opt().unwrap();
    store
        .apply(vec![on(tomorrow, "2505.00001", "Tomorrow", 1)], tomorrow)
        .unwrap();
    let mut reader = open_reader(&store, Sink::default());
    reader.app.restore(&store.reader_state());
    assert_eq!(reader.app.view, View::Day(tomorrow));
    assert_eq!(
        selected(&reader),
        "2505.00001",
        "the old selection is not in the view"
    );
}

#[test]
fn a_store_without_remembered_state_opens_with_defaults() {
    let dir = tempfile::tempdir().unwrap();
    let store = two_day_store(dir.path());
    store.set_reader_state_raw(b"not json").unwrap();
    let mut reader = open_reader(&store, Sink::default());
    reader.app.restore(&store.reader_state());
    assert_eq!(reader.app.view, View::Day(day()));
    assert_eq!(selected(&reader), "2504.00001");
}

#[test]
fn a_notifying_view_announces_new_papers_once_per_sync_never_the_first() {
    use paperboat::app::SavedView;
    use paperboat::config::{NotifyVia, ViewConfig};
    let dir = tempfile::tempdir().unwrap();
    let store = two_day_store(dir.path());
    let sink = Sink::default();
    let mut reader = open_reader(&store, sink.clone());
    let config = ViewConfig {
        name: "MoE\x1b]0;evil\x07".into(),
        query: "experts OR moe".into(),
        sort: None,
        notify: true,
    };
    reader
        .app
        .set_saved_views(vec![SavedView::from_config(&config).unwrap()]);
    reader.app.notifier.via = NotifyVia::Osc9;
    let sync = |reader: &mut Reader<TestBackend>, papers: Vec<Paper>| {
        reader.handle(Msg::Sync(SyncEvent::Started {
            sources: vec![SourceId::hf()],
        }));
        for paper in papers {
            store.apply(vec![paper], day()).unwrap();
            reader.handle(Msg::Sync(SyncEvent::SourceUpdated {
                id: SourceId::hf(),
                new: 1,
                changed: 0,
                note: None,
            }));
        }
    };
    sync(
        &mut reader,
        vec![paper("2504.00010", "Experts everywhere", 1)],
    );
    assert!(
        sink.0.lock().unwrap().is_empty(),
        "never on the view's first sync"
    );
    sync(
        &mut reader,
        vec![
            paper("2504.00011", "More experts", 1),
            paper("2504.00012", "Still more experts", 1),
            paper("2504.00013", "Unrelated", 1),
        ],
    );
    let written = String::from_utf8(sink.0.lock().unwrap().clone()).unwrap();
    assert!(
        written.starts_with("\x1b]9;paperboat: 1 new in MoE"),
        "{written:?}"
    );
    assert!(written.ends_with('\x07'), "{written:?}");
    assert_eq!(
        written.matches('\x1b').count(),
        1,
        "one, and no feed bytes: {written:?}"
    );
    assert_eq!(written.matches('\x07').count(), 1, "{written:?}");
}
