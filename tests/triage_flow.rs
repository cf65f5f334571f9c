//! Flow tests of the triage features through the reader's real loop (`Reader::handle` → update
//! → effects → a real store in a tempdir → TestBackend): the query language in the filter, a
//! query that does not parse, the sort key, highlights, notes, export, For you and saved views.

#[path = "support/reader.rs"]
mod reader;

use chrono::NaiveDate;
use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use paperboat::app::{Msg, SavedView, View};
use paperboat::config::Config;
use paperboat::model::{Paper, PaperId, SourceId};
use paperboat::reader::Reader;
use paperboat::store::Store;
use ratatui::backend::TestBackend;
use ratatui::style::Modifier;
use reader::{key, press};

fn day() -> NaiveDate {
    NaiveDate::from_ymd_opt(2025, 4, 30).unwrap()
}

fn paper(id: &str, title: &str, upvotes: u32, abstract_text: &str) -> Paper {
    let mut p = Paper::new(
        PaperId::from_arxiv(id).unwrap(),
        title.into(),
        SourceId::hf(),
    );
    p.daily_date = Some(day());
    p.upvotes = Some(upvotes);
    p.abstract_text = abstract_text.into();
    p.authors = vec!["Ada Lovelace".into()];
    p.categories = vec!["cs.LG".into()];
    p
}

fn seeded_store(dir: &std::path::Path) -> Store {
    let store = Store::open(dir).unwrap();
    let mut protein = paper(
        "2504.00002",
        "Diffusion for protein design",
        20,
        "Denoising diffusion designs protein backbones.",
    );
    protein.categories = vec!["q-bio.BM".into()];
    store
        .apply(
            vec![
                paper(
                    "2504.00001",
                    "Scaling sparse experts",
                    10,
                    "Routing tokens to experts with load balancing.",
                ),
                protein,
                paper(
                    "2504.00003",
                    "Expert routing in transformers",
                    30,
                    "Experts and routing again, with sparse layers.",
                ),
                paper(
                    "2504.00004",
                    "Robot grasping from videos",
                    5,
                    "A robot hand learns grasping.",
                ),
            ],
            day(),
        )
        .unwrap();
    store
}

fn open_reader(store: &Store, export_dir: &std::path::Path) -> Reader<TestBackend> {
    let mut reader = reader::open_reader(store, (160, 40), Box::new(std::io::sink()), false);
    reader.runner.export_dir = export_dir.to_path_buf();
    reader
}

fn view(reader: &mut Reader<TestBackend>, digit: &str) {
    press(reader, digit);
    reader.handle(Msg::KeyTimeout);
}

fn screen(reader: &mut Reader<TestBackend>) -> String {
    reader.draw().unwrap();
    reader.terminal.backend().to_string()
}

fn shown(reader: &Reader<TestBackend>) -> Vec<String> {
    let app = &reader.app;
    app.visible
        .iter()
        .map(|&r| app.catalog.rows[r].id.to_string())
        .collect()
}

#[test]
fn queries_narrow_and_a_bad_query_keeps_the_last_result_with_its_column() {
    let dir = tempfile::tempdir().unwrap();
    let store = seeded_store(dir.path());
    let mut reader = open_reader(&store, dir.path());
    press(&mut reader, "/cat:cs.LG upvotes:>=10 -robot");
    assert_eq!(shown(&reader).len(), 2);
    press(&mut reader, " (");
    assert!(reader.app.query.error.is_some());
    assert_eq!(shown(&reader).len(), 2, "the last good result stays");
    let text = screen(&mut reader);
    assert!(
        text.contains("query column 31: '(' is never closed"),
        "{text}"
    );
    press(&mut reader, "routing OR protein)");
    assert!(reader.app.query.error.is_none());
    assert_eq!(
        shown(&reader),
        ["2504.00003", "2504.00001"],
        "ranked by relevance"
    );
    key(&mut reader, KeyCode::Enter);
    let text = screen(&mut reader);
    assert!(text.contains("by relevance"), "{text}");
}

#[test]
fn s_cycles_the_sort_and_the_title_names_it() {
    let dir = tempfile::tempdir().unwrap();
    let store = seeded_store(dir.path());
    let mut reader = open_reader(&store, dir.path());
    view(&mut reader, "3");
    press(&mut reader, "S");
    assert!(screen(&mut reader).contains("by upvotes"));
    assert_eq!(
        shown(&reader),
        ["2504.00003", "2504.00002", "2504.00001", "2504.00004"]
    );
    // Without a query relevance ranks nothing, so the cycle passes it by.
    press(&mut reader, "S");
    let text = screen(&mut reader);
    assert!(
        text.contains("for you") && !text.contains("by relevance"),
        "{text}"
    );
    press(&mut reader, "S");
    assert!(screen(&mut reader).contains("newest first"));
    // With words in the query, relevance is offered.
    press(&mut reader, "/diffusion");
    key(&mut reader, KeyCode::Enter);
    let mut seen = Vec::new();
    for _ in 0..4 {
        press(&mut reader, "S");
        seen.push(screen(&mut reader).contains("by relevance"));
    }
    assert!(
        seen.contains(&true),
        "relevance is in the cycle with a query"
    );
}

#[test]
fn matched_words_are_highlighted_in_the_list_and_the_detail() {
    let dir = tempfile::tempdir().unwrap();
    let store = seeded_store(dir.path());
    let mut reader = open_reader(&store, dir.path());
    press(&mut reader, "/grasp");
    key(&mut reader, KeyCode::Enter);
    reader.draw().unwrap();
    let buffer = reader.terminal.backend().buffer().clone();
    let marked: String = buffer
        .content()
        .iter()
        .filter(|cell| cell.modifier.contains(Modifier::UNDERLINED))
        .map(|cell| cell.symbol())
        .collect();
    // Once in the list title ("grasping"), once in the detail title, once in the abstract.
    assert_eq!(marked, "graspgraspgrasp", "{marked}");
}

#[test]
fn a_note_is_saved_shown_and_searchable() {
    let dir = tempfile::tempdir().unwrap();
    let store = seeded_store(dir.path());
    let mut reader = open_reader(&store, dir.path());
    let id = reader.app.selected_id.clone().unwrap();
    press(&mut reader, "a");
    assert!(screen(&mut reader).contains("NOTE"));
    press(&mut reader, "great baseline");
    key(&mut reader, KeyCode::Enter);
    assert_eq!(
        store.user_state(&id).unwrap().note.as_deref(),
        Some("great baseline"),
        "on disk"
    );
    assert!(screen(&mut reader).contains("Note: great baseline"));
    press(&mut reader, "/note:basel");
    assert_eq!(shown(&reader), [id.to_string()]);
    key(&mut reader, KeyCode::Esc);
    press(&mut reader, "/baseline has:note");
    assert_eq!(shown(&reader), [id.to_string()], "free words search notes");
    key(&mut reader, KeyCode::Esc);
    // Esc while editing leaves the note alone; an empty note removes it.
    press(&mut reader, "a");
    key(&mut reader, KeyCode::Esc);
    assert!(store.user_state(&id).unwrap().note.is_some());
    press(&mut reader, "a");
    reader.handle(Msg::Key(KeyEvent::new(
        KeyCode::Char('u'),
        KeyModifiers::CONTROL,
    )));
    key(&mut reader, KeyCode::Enter);
    assert_eq!(store.user_state(&id).unwrap().note, None);
}

#[test]
fn e_exports_the_list_as_bibtex_and_says_where() {
    let dir = tempfile::tempdir().unwrap();
    let exports = tempfile::tempdir().unwrap();
    let store = seeded_store(dir.path());
    let mut reader = open_reader(&store, exports.path());
    press(&mut reader, "/experts");
    key(&mut reader, KeyCode::Enter);
    press(&mut reader, "E");
    let path = exports.path().join("paperboat-20250430-090000.bib");
    let text = std::fs::read_to_string(&path).unwrap();
    assert_eq!(text.matches("@misc{").count(), 2, "{text}");
    assert!(text.contains("eprint = {2504.00003}"), "{text}");
    let message = reader.app.message.clone().unwrap_or_default();
    assert!(message.contains("exported 2 papers to"), "{message}");
    assert!(
        message.contains("paperboat-20250430-090000.bib"),
        "{message}"
    );
    press(&mut reader, "E");
    assert!(
        exports
            .path()
            .join("paperboat-20250430-090000-2.bib")
            .exists()
    );
}

#[test]
fn for_you_explains_itself_and_learns_from_a_star() {
    let dir = tempfile::tempdir().unwrap();
    let store = seeded_store(dir.path());
    let mut reader = open_reader(&store, dir.path());
    view(&mut reader, "7");
    assert_eq!(reader.app.view, View::ForYou);
    let text = screen(&mut reader);
    assert!(
        text.contains("For you learns what you like from your stars."),
        "{text}"
    );
    // Star the sparse-experts paper from the All view.
    view(&mut reader, "3");
    press(&mut reader, "/scaling");
    key(&mut reader, KeyCode::Enter);
    press(&mut reader, "s");
    key(&mut reader, KeyCode::Esc);
    view(&mut reader, "7");
    assert_eq!(
        shown(&reader).first().map(String::as_str),
        Some("2504.00003"),
        "the other experts paper leads"
    );
    assert!(
        !shown(&reader).contains(&"2504.00001".to_string()),
        "starred papers are not listed"
    );
    let text = screen(&mut reader);
    assert!(text.contains("For you: like 1 starred paper:"), "{text}");
    assert!(text.contains("for you"), "{text}");
}

#[test]
fn saved_views_are_listed_with_unread_counts_and_open_from_the_filter_pane() {
    let dir = tempfile::tempdir().unwrap();
    let store = seeded_store(dir.path());
    let mut reader = open_reader(&store, dir.path());
    let config = Config::parse(
        "[[views]]\nname = \"Experts\"\nquery = \"experts -robot\"\nsort = \"upvotes\"\n",
        std::path::Path::new("config.toml"),
    )
    .unwrap();
    reader
        .app
        .set_saved_views(SavedView::all_from_config(&config.views));
    let pane_line = |text: &str, count: &str| {
        text.lines()
            .any(|l| l.contains("│  Experts") && l.contains(&format!(" {count}││")))
    };
    let text = screen(&mut reader);
    assert!(pane_line(&text, "2"), "{text}");
    // Tab to the filter pane, walk down to the saved view, open it.
    key(&mut reader, KeyCode::Tab);
    key(&mut reader, KeyCode::Tab);
    let at = reader
        .app
        .views()
        .iter()
        .position(|v| matches!(v, View::Saved(_)))
        .unwrap();
    for _ in 0..at {
        press(&mut reader, "j");
    }
    key(&mut reader, KeyCode::Enter);
    assert_eq!(shown(&reader), ["2504.00003", "2504.00001"], "by upvotes");
    let text = screen(&mut reader);
    assert!(text.contains("Experts · 2 papers"), "{text}");
    // Reading one lowers the unread count.
    press(&mut reader, "x");
    let text = screen(&mut reader);
    assert!(pane_line(&text, "1"), "{text}");
}

#[test]
fn a_saved_view_with_a_bad_query_is_a_config_error() {
    let error = Config::parse(
        "[[views]]\nname = \"Bad\"\nquery = \"upvotes:>lots\"\n",
        std::path::Path::new("config.toml"),
    )
    .unwrap_err()
    .to_string();
    assert!(error.contains("[[views]] \"Bad\""), "{error}");
    assert!(error.contains("column 10"), "{error}");
}

#[test]
fn space_moves_on_once_the_abstract_ends_not_after_the_ids_and_links() {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(dir.path()).unwrap();
    let sentence = "Experts route tokens and balance the load across devices. ";
    let with_links = |id: &str, upvotes: u32| {
        let mut p = paper(id, "A paper with many links", upvotes, &sentence.repeat(8));
        p.categories = vec!["cs.LG".into(), "cs.CL".into(), "cs.AI".into()];
        p.ai_keywords = vec!["mixture-of-experts".into(), "load balancing".into()];
        p.links.abs = Some(format!("https://arxiv.org/abs/{id}"));
        p.links.pdf = Some(format!("https://arxiv.org/pdf/{id}"));
        p.links.hf = Some(format!("https://huggingface.co/papers/{id}"));
        p.links.github = Some("https://github.com/example/experts".into());
        p.links.project = Some("https://example.org/experts".into());
        p.links.doi = Some("https://doi.org/10.1234/experts".into());
        p
    };
    store
        .apply(
            vec![with_links("2504.00001", 20), with_links("2504.00002", 10)],
            day(),
        )
        .unwrap();
    let mut reader = reader::open_reader(&store, (80, 24), Box::new(std::io::sink()), false);
    let first = reader.app.selected_id.clone().unwrap();
    press(&mut reader, " ");
    let opened = screen(&mut reader);
    assert!(opened.contains("balance the load"), "{opened}");
    assert!(
        !opened.contains("DOI:"),
        "the links run past the screen: {opened}"
    );
    // The abstract's end is on screen: this Space finishes the paper.
    press(&mut reader, " ");
    assert_ne!(reader.app.selected_id.as_ref(), Some(&first), "moved on");
    assert!(store.user_state(&first).unwrap().read);
}

#[test]
fn keys_input_rebinds_the_editing_keys_of_the_filter_and_the_note() {
    let dir = tempfile::tempdir().unwrap();
    let store = seeded_store(dir.path());
    let mut reader = open_reader(&store, dir.path());
    let tables = [(
        "input".to_string(),
        [
            ("<C-k>", "delete_to_start"),
            ("<C-u>", "none"),
            ("<C-j>", "submit"),
            ("<Enter>", "none"),
        ]
        .into_iter()
        .map(|(k, a)| (k.to_string(), a.to_string()))
        .collect(),
    )]
    .into_iter()
    .collect();
    reader.app.keymap = paperboat::keymap::Keymap::with_overrides(&tables).unwrap();
    let ctrl = |reader: &mut Reader<TestBackend>, c: char| {
        reader.handle(Msg::Key(KeyEvent::new(
            KeyCode::Char(c),
            KeyModifiers::CONTROL,
        )))
    };
    view(&mut reader, "3");
    press(&mut reader, "/robot");
    assert_eq!(shown(&reader), ["2504.00004"]);
    // The unbound default does nothing; the new key does what it did.
    ctrl(&mut reader, 'u');
    assert_eq!(reader.app.query.text, "robot");
    ctrl(&mut reader, 'k');
    assert_eq!(reader.app.query.text, "");
    press(&mut reader, "expert");
    // Enter is unbound in inputs now: nothing happens; Ctrl-j keeps the filter.
    key(&mut reader, KeyCode::Enter);
    assert!(reader.app.query.editing);
    ctrl(&mut reader, 'j');
    assert!(!reader.app.query.editing);
    assert_eq!(reader.app.query.text, "expert");
    // The note editor takes the same table.
    key(&mut reader, KeyCode::Esc);
    let id = reader.app.selected_id.clone().unwrap();
    press(&mut reader, "adraft");
    ctrl(&mut reader, 'k');
    press(&mut reader, "kept");
    ctrl(&mut reader, 'j');
    assert_eq!(store.user_state(&id).unwrap().note.as_deref(), Some("kept"));
    // Help lists the input table with the user's keys.
    press(&mut reader, "?");
    let mut help = String::new();
    for _ in 0..12 {
        help.push_str(&screen(&mut reader));
        press(&mut reader, &"j".repeat(20));
    }
    assert!(help.contains("input (typing a filter or a note)"), "{help}");
    assert!(help.contains("<C-k>"), "{help}");
}

#[test]
fn a_star_on_a_paper_not_fetched_yet_shows_in_starred_with_its_id() {
    let dir = tempfile::tempdir().unwrap();
    let store = seeded_store(dir.path());
    let early = PaperId::parse_user("2101.00001").unwrap();
    store.set_starred(&early, true, chrono::Utc::now()).unwrap();
    let mut reader = open_reader(&store, dir.path());
    view(&mut reader, "4");
    let text = screen(&mut reader);
    assert!(text.contains("2101.00001 — not fetched yet"), "{text}");
    assert!(text.contains("1 not fetched yet"), "{text}");
    // A star that arrives while the reader is open (from the command line, through the
    // reader's server) shows at once, newest first.
    let late = PaperId::parse_user("2102.00002").unwrap();
    store.set_starred(&late, true, chrono::Utc::now()).unwrap();
    reader.handle(Msg::UserStateChanged {
        id: late.clone(),
        state: store.user_state(&late).unwrap(),
    });
    let text = screen(&mut reader);
    let at = |needle: &str| {
        text.find(needle)
            .unwrap_or_else(|| panic!("{needle}: {text}"))
    };
    assert!(at("2102.00002 — not fetched yet") < at("2101.00001 — not fetched yet"));
    assert!(text.contains("2 not fetched yet"), "{text}");
    // Other views do not list them.
    view(&mut reader, "3");
    assert!(!screen(&mut reader).contains("not fetched yet"));
}

#[test]
fn the_remembered_state_is_written_when_it_changes_not_only_on_quit() {
    let dir = tempfile::tempdir().unwrap();
    let store = seeded_store(dir.path());
    let mut reader = open_reader(&store, dir.path());
    view(&mut reader, "3");
    press(&mut reader, "jH");
    // No quit, no signal: a dropped SSH connection leaves exactly this.
    let state = store.reader_state();
    assert_eq!(state.view, paperboat::store::RememberedView::All);
    assert!(state.hide_read);
    assert_eq!(
        state.selected.as_deref(),
        reader.app.selected_id.as_ref().map(|id| id.as_str())
    );
    press(&mut reader, "S");
    assert_eq!(store.reader_state().sort.as_deref(), Some("upvotes"));
}
