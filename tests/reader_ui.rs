//! Snapshots of every pane at 80×24 and 160×48 (TestBackend + insta, fixed clock), including
//! CJK/emoji titles and a paper with every optional field missing; plus style checks that
//! snapshots cannot see, and a no-panic sweep over terminal sizes.

#[path = "support/reader.rs"]
mod reader_support;

use std::collections::{BTreeSet, HashMap};
use std::sync::{Arc, Mutex};

use chrono::{NaiveDate, TimeZone, Utc};
use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use paperboat::app::{App, Catalog, Msg, update};
use paperboat::keymap::Keymap;
use paperboat::model::{Links, Paper, PaperId, SourceId, UserState};
use paperboat::sync::SyncEvent;
use paperboat::ui::{Theme, render};
use ratatui::Terminal;
use ratatui::backend::TestBackend;

fn day(d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(2025, 4, d).unwrap()
}

fn full_paper() -> Paper {
    Paper {
        id: PaperId::from_stored("2504.21318".into()),
        title: "Demons in the Detail: On Implementing Load Balancing Loss for Training Specialized Mixture-of-Expert Models".into(),
        authors: (1..=9).map(|i| format!("Author Number{i}")).collect(),
        abstract_text: "This paper revisits the load-balancing loss (LBL) used when training Mixture-of-Experts models. We show that computing it per micro-batch constrains routers too much, and that a global-batch balance improves perplexity by 58–75% of the gap.\n\nCode and checkpoints are released.".into(),
        published: Some(Utc.with_ymd_and_hms(2025, 1, 21, 0, 0, 0).unwrap()),
        daily_date: Some(day(30)),
        links: Links {
            abs: Some("https://arxiv.org/abs/2504.21318".into()),
            pdf: Some("https://arxiv.org/pdf/2504.21318".into()),
            hf: Some("https://huggingface.co/papers/2504.21318".into()),
            github: Some("https://github.com/example/lbl".into()),
            project: Some("https://example.org/lbl".into()),
            doi: None,
        },
        upvotes: Some(142),
        comments: Some(7),
        github_stars: Some(1200),
        ai_summary: Some("Global-batch load balancing makes experts specialise.".into()),
        ai_keywords: vec!["mixture-of-experts".into(), "load balancing".into()],
        categories: vec!["cs.LG".into(), "cs.CL".into()],
        arxiv_comment: Some("15 pages, 3 figures".into()),
        journal_ref: None,
        announce_type: None,
        sources: BTreeSet::from([SourceId::hf(), SourceId::arxiv()]),
    }
}

fn bare_paper() -> Paper {
    // Every optional field missing: no authors, dates, counts, links or abstract.
    Paper::new(
        PaperId::from_stored("feed:blog:00000000000000aa".into()),
        "Untitled post".into(),
        SourceId::feed("blog"),
    )
}

fn paper(id: &str, title: &str, upvotes: u32) -> Paper {
    let mut p = Paper::new(
        PaperId::from_stored(id.into()),
        title.into(),
        SourceId::hf(),
    );
    p.daily_date = Some(day(30));
    p.upvotes = Some(upvotes);
    p.authors = vec!["Li Wei".into(), "Ana Souza".into()];
    p
}

fn papers() -> Vec<Paper> {
    let mut bare = bare_paper();
    bare.daily_date = Some(day(30));
    let mut older = paper("2504.20001", "Yesterday's paper about sparse attention", 3);
    older.daily_date = Some(day(29));
    vec![
        full_paper(),
        paper(
            "2504.20002",
            "大規模言語モデルの効率的な推論と長文脈処理に関する研究",
            88,
        ),
        paper(
            "2504.20003",
            "🚀 Rocket-Fast Diffusion 🎨 with Emoji-Rich Titles That Go On and On",
            40,
        ),
        paper("2504.20004", "A short one", 12),
        bare,
        older,
    ]
}

fn app(size: (u16, u16)) -> App {
    let papers = papers();
    let rows = papers.iter().map(|p| p.list_row(day(1))).collect();
    let mut user = HashMap::new();
    user.insert(
        PaperId::from_stored("2504.20002".into()),
        UserState {
            starred_at: Some(Utc.with_ymd_and_hms(2025, 4, 30, 8, 0, 0).unwrap()),
            read: true,
            note: None,
        },
    );
    let catalog = Catalog::new(rows, user, true, None);
    let now = Utc.with_ymd_and_hms(2025, 4, 30, 9, 0, 0).unwrap();
    let mut app = App::new(Keymap::defaults().unwrap(), catalog, now, size, 120);
    update(
        &mut app,
        Msg::PaperLoaded(full_paper().id, Some(Box::new(full_paper()))),
    );
    app
}

fn screen(app: &App) -> String {
    let mut terminal = Terminal::new(TestBackend::new(app.size.0, app.size.1)).unwrap();
    terminal
        .draw(|f| render(f, app, &Theme { color: true }))
        .unwrap();
    terminal.backend().to_string()
}

/// One sync event, as the reader's loop hands it to `update`.
fn sync(app: &mut App, event: SyncEvent) {
    update(app, Msg::Sync(event));
}

fn key(app: &mut App, code: KeyCode) {
    update(app, Msg::Key(KeyEvent::new(code, KeyModifiers::NONE)));
}

fn keys(app: &mut App, text: &str) {
    for c in text.chars() {
        key(app, KeyCode::Char(c));
    }
}

#[test]
fn list_and_detail_at_80x24() {
    insta::assert_snapshot!(screen(&app((80, 24))));
}

#[test]
fn list_detail_and_filter_at_160x48() {
    insta::assert_snapshot!(screen(&app((160, 48))));
}

#[test]
fn detail_of_a_paper_with_every_field_missing() {
    let mut app = app((80, 24));
    keys(&mut app, "G");
    update(
        &mut app,
        Msg::PaperLoaded(bare_paper().id, Some(Box::new(bare_paper()))),
    );
    insta::assert_snapshot!(screen(&app));
}

#[test]
fn filter_pane_while_typing_at_80x24() {
    let mut app = app((80, 24));
    keys(&mut app, "/rocket");
    insta::assert_snapshot!(screen(&app));
}

#[test]
fn filter_pane_while_typing_at_160x48() {
    let mut app = app((160, 48));
    keys(&mut app, "/diffusion");
    insta::assert_snapshot!(screen(&app));
}

#[test]
fn help_overlay_at_80x24() {
    let mut app = app((80, 24));
    keys(&mut app, "?");
    insta::assert_snapshot!(screen(&app));
}

#[test]
fn help_overlay_at_160x48() {
    let mut app = app((160, 48));
    keys(&mut app, "?");
    insta::assert_snapshot!(screen(&app));
}

#[test]
fn empty_cache_says_a_sync_is_running() {
    let now = Utc.with_ymd_and_hms(2025, 4, 30, 9, 0, 0).unwrap();
    let mut app = App::new(
        Keymap::defaults().unwrap(),
        Catalog::default(),
        now,
        (80, 24),
        120,
    );
    sync(
        &mut app,
        SyncEvent::Started {
            sources: vec![SourceId::hf()],
        },
    );
    sync(
        &mut app,
        SyncEvent::SourceProgress {
            id: SourceId::hf(),
            done: 2,
            total: 7,
        },
    );
    insta::assert_snapshot!(screen(&app));
    // The source stored papers; the catalog load they asked for has not come back yet: the
    // list must not say there are none.
    sync(
        &mut app,
        SyncEvent::SourceUpdated {
            id: SourceId::hf(),
            new: 14,
            changed: 0,
            note: None,
        },
    );
    sync(
        &mut app,
        SyncEvent::Finished {
            succeeded: 1,
            failed: 0,
        },
    );
    let text = screen(&app);
    assert!(!text.contains("No papers cached yet"), "{text}");
    assert!(text.contains("Loading the papers just synced…"), "{text}");
}

#[test]
fn status_bar_shows_a_failed_source() {
    let mut app = app((80, 24));
    sync(
        &mut app,
        SyncEvent::Started {
            sources: vec![SourceId::hf(), SourceId::arxiv()],
        },
    );
    sync(
        &mut app,
        SyncEvent::SourceUpdated {
            id: SourceId::hf(),
            new: 0,
            changed: 0,
            note: None,
        },
    );
    sync(
        &mut app,
        SyncEvent::SourceFailed {
            id: SourceId::arxiv(),
            error: "HTTP 503 Service Unavailable from http://127.0.0.1:9/api".into(),
            reason: "server error 503".into(),
        },
    );
    sync(
        &mut app,
        SyncEvent::Finished {
            succeeded: 1,
            failed: 1,
        },
    );
    update(
        &mut app,
        Msg::Tick(Utc.with_ymd_and_hms(2025, 4, 30, 9, 3, 0).unwrap()),
    );
    let text = screen(&app);
    assert!(text.contains("sync failed 3 min ago"), "{text}");
    assert!(text.contains("arXiv: server error 503"), "{text}");
    assert!(
        !text.contains("http://"),
        "the status shows the phrase, not the URL: {text}"
    );
}

#[test]
fn the_selected_row_is_reversed_and_stars_are_yellow() {
    let app = app((80, 24));
    let mut terminal = Terminal::new(TestBackend::new(80, 24)).unwrap();
    terminal
        .draw(|f| render(f, &app, &Theme { color: true }))
        .unwrap();
    let buffer = terminal.backend().buffer();
    // Row 1 inside the list border is the selected (first) paper.
    let cell = &buffer[(10, 1)];
    assert!(cell.modifier.contains(ratatui::style::Modifier::REVERSED));
    let star_row = (0..24u16)
        .find(|&y| buffer[(1, y)].symbol() == "★")
        .expect("a starred row shows a star");
    assert_eq!(buffer[(1, star_row)].fg, ratatui::style::Color::Yellow);
}

#[test]
fn no_color_keeps_emphasis_without_colours() {
    let app = app((80, 24));
    let mut terminal = Terminal::new(TestBackend::new(80, 24)).unwrap();
    terminal
        .draw(|f| render(f, &app, &Theme { color: false }))
        .unwrap();
    let buffer = terminal.backend().buffer();
    for cell in buffer.content() {
        assert_eq!(
            cell.fg,
            ratatui::style::Color::Reset,
            "no colour with NO_COLOR"
        );
        assert_eq!(cell.bg, ratatui::style::Color::Reset);
    }
    assert!(
        buffer[(10, 1)]
            .modifier
            .contains(ratatui::style::Modifier::REVERSED)
    );
}

#[test]
fn wide_titles_never_overflow_their_row() {
    for width in [40u16, 63, 80, 101, 160] {
        let app = app((width, 24));
        let text = screen(&app);
        for line in text.lines() {
            // TestBackend's Display quotes each row; a row is exactly `width` columns.
            let inner = line.split('"').nth(1).unwrap_or_default();
            assert_eq!(
                unicode_width::UnicodeWidthStr::width(inner),
                usize::from(width),
                "{line}"
            );
        }
    }
}

/// Renders `app` and checks the whole frame: every row is exactly the terminal's width
/// (wide characters counted by their columns) and no cell holds a control character.
fn check_frame(app: &App, what: &str) {
    let (columns, rows) = app.size;
    let mut terminal = Terminal::new(TestBackend::new(columns, rows)).unwrap();
    terminal
        .draw(|f| render(f, app, &Theme { color: true }))
        .unwrap();
    let buffer = terminal.backend().buffer();
    for y in 0..rows {
        let mut width = 0usize;
        // Cells a wide character covers after its first hold a blank continuation symbol.
        let mut covered = 0usize;
        for x in 0..columns {
            let symbol = buffer[(x, y)].symbol();
            assert!(
                !symbol.chars().any(char::is_control),
                "{what} at {columns}x{rows}: cell ({x},{y}) holds {symbol:?}"
            );
            if covered == 0 {
                let symbol_width = unicode_width::UnicodeWidthStr::width(symbol).max(1);
                width += symbol_width;
                covered = symbol_width;
            }
            covered -= 1;
        }
        assert_eq!(
            width,
            usize::from(columns),
            "{what} at {columns}x{rows}: row {y} is not the terminal's width"
        );
    }
}

#[test]
fn every_size_renders_full_rows_without_control_characters() {
    for columns in (1..=200).step_by(7).chain([1, 2, 23, 24, 119, 120]) {
        for rows in [1u16, 2, 3, 5, 6, 7, 10, 24, 48, 60] {
            let mut app = app((columns, rows));
            check_frame(&app, "list and detail");
            keys(&mut app, "?");
            check_frame(&app, "help");
            key(&mut app, KeyCode::Esc);
            keys(&mut app, "/x");
            check_frame(&app, "filter");
        }
    }
}

#[test]
fn scrolling_a_long_abstract_reaches_its_later_lines() {
    let mut app = app((80, 24));
    let mut long = full_paper();
    let filler = "word ".repeat(2_000);
    long.abstract_text = format!("{filler}MARKERWORD {filler}");
    update(
        &mut app,
        Msg::PaperLoaded(long.id.clone(), Some(Box::new(long))),
    );
    key(&mut app, KeyCode::Enter);
    assert!(!screen(&app).contains("MARKERWORD"));
    // 2,000 words of five columns on 78-column lines: the marker is about 130 lines down.
    let found = (0..400).any(|_| {
        key(&mut app, KeyCode::Char('j'));
        screen(&app).contains("MARKERWORD")
    });
    assert!(found, "scrolling down reaches the marker");
}

/// The screen's rows without the quotes TestBackend puts around them.
fn rows_of(text: &str) -> Vec<String> {
    text.lines()
        .map(|line| line.split('"').nth(1).unwrap_or_default().to_string())
        .collect()
}

#[test]
fn detail_reads_title_authors_facts_summary_then_abstract() {
    let text = screen(&app((80, 24)));
    let rows = rows_of(&text);
    let at = |needle: &str| {
        rows.iter()
            .position(|row| row.contains(needle))
            .unwrap_or_else(|| panic!("{needle:?} not on screen:\n{text}"))
    };
    let title = at("Demons in the Detail");
    let authors = at("Author Number1, Author Number2");
    let facts = at("2025-04-30 · ▲ 142 upvotes · 7 comments");
    let summary = at("AI summary: Global-batch");
    let abstract_start = at("This paper revisits");
    assert!(title < authors && authors < facts && facts < summary && summary < abstract_start);
    // Authors on one line, cut at a name.
    assert!(rows[authors].contains("+5 more"), "{}", rows[authors]);
    assert!(!rows[authors + 1].contains("Author Number"));
    // Ids and links come after the abstract, off this screen.
    assert!(!text.contains("Id: 2504.21318"));
    assert!(text.contains("more ↓"), "{text}");
}

#[test]
fn one_comment_is_singular() {
    let mut app = app((80, 24));
    let mut paper = full_paper();
    paper.comments = Some(1);
    update(
        &mut app,
        Msg::PaperLoaded(paper.id.clone(), Some(Box::new(paper))),
    );
    let text = screen(&app);
    assert!(text.contains("· 1 comment ·"), "{text}");
}

#[test]
fn focused_detail_at_80x24() {
    let mut app = app((80, 24));
    key(&mut app, KeyCode::Enter);
    let text = screen(&app);
    let detail_rows = rows_of(&text)
        .iter()
        .skip_while(|row| !row.starts_with("┌ Detail"))
        .count();
    assert!(
        detail_rows >= 17,
        "the detail takes most of the height:\n{text}"
    );
    assert!(
        text.contains("Code and checkpoints are released."),
        "{text}"
    );
    insta::assert_snapshot!(text);
}

#[test]
fn abstract_lines_show_at_60x20_with_either_pane_focused() {
    let mut app = app((60, 20));
    let text = screen(&app);
    assert!(
        text.contains("This paper revisits"),
        "list focused:\n{text}"
    );
    key(&mut app, KeyCode::Enter);
    let text = screen(&app);
    assert!(
        text.contains("This paper revisits"),
        "detail focused:\n{text}"
    );
    assert!(
        text.contains("global-batch balance"),
        "detail focused:\n{text}"
    );
}

#[test]
fn z_zooms_the_detail_to_full_screen_and_back() {
    let mut app = app((80, 24));
    keys(&mut app, "z");
    let text = screen(&app);
    assert!(
        rows_of(&text)[0].starts_with("┌ Detail (z: back)"),
        "{text}"
    );
    assert!(!text.contains("Today · 5 papers"), "{text}");
    insta::assert_snapshot!("zoomed_detail_at_80x24", text);
    // Moving still works while zoomed (J in the detail, j in the list).
    keys(&mut app, "j");
    assert_eq!(app.selected, 1);
    keys(&mut app, "z");
    assert!(screen(&app).contains("Today · 5 papers"));
}

#[test]
fn scroll_position_shows_a_percentage_once_the_end_is_known() {
    let mut app = app((80, 24));
    key(&mut app, KeyCode::Enter);
    // 80x24 focused: everything but the links fits; some links are below.
    let mut paper = full_paper();
    paper.abstract_text = "Short abstract.".into();
    update(
        &mut app,
        Msg::PaperLoaded(paper.id.clone(), Some(Box::new(paper))),
    );
    keys(&mut app, "k");
    let text = screen(&app);
    let bottom = rows_of(&text)
        .into_iter()
        .rfind(|row| row.starts_with('└'))
        .unwrap();
    assert!(bottom.contains('%') || !text.contains("more ↓"), "{text}");
}

#[test]
fn at_120_columns_titles_show_at_least_60_characters() {
    let title: String = "Sixty characters of a title that goes on and on beyond sixty".into();
    assert!(title.chars().count() >= 60);
    let mut app = app((120, 40));
    let mut paper = full_paper();
    paper.title = title.clone();
    let rows = vec![paper.list_row(day(1))];
    let catalog = Catalog::new(rows, HashMap::new(), true, None);
    app = App::new(
        Keymap::defaults().unwrap(),
        catalog,
        app.now,
        (120, 40),
        120,
    );
    let text = screen(&app);
    assert!(text.contains(&title[..60]), "{text}");
    // The filter pane is collapsed below 160 columns; `\` shows it, and hides it again.
    assert!(!text.contains("┌ Filter"), "{text}");
    keys(&mut app, "\\");
    assert!(screen(&app).contains("┌ Filter"));
    keys(&mut app, "\\");
    assert!(!screen(&app).contains("┌ Filter"));
    // Views stay on their keys with the pane collapsed.
    keys(&mut app, "4");
    update(&mut app, Msg::KeyTimeout);
    assert!(screen(&app).contains("Starred"));
}

#[test]
fn a_70_character_query_at_80_columns_shows_its_end_and_the_cursor() {
    let query = "cat:cs.LG mixture of experts routing load balancing sparse gating xyzzy";
    assert_eq!(query.chars().count(), 71);
    let query = &query[..70];
    for size in [(80, 24), (160, 48)] {
        let mut app = app(size);
        keys(&mut app, "/");
        keys(&mut app, query);
        let text = screen(&app);
        let end = &query[query.len() - 8..];
        assert!(
            text.contains(&format!("{end}▏")),
            "{size:?}: the end and the cursor show:\n{text}"
        );
        // Home shows the start, with the cursor before it.
        key(&mut app, KeyCode::Home);
        let text = screen(&app);
        assert!(text.contains("/▏cat:cs.LG"), "{size:?}:\n{text}");
        // Ctrl-c cancels the input.
        update(
            &mut app,
            Msg::Key(KeyEvent::new(KeyCode::Char('c'), KeyModifiers::CONTROL)),
        );
        assert!(!app.query.editing);
        assert!(app.query.text.is_empty());
    }
}

#[test]
fn the_note_editor_scrolls_to_keep_the_cursor_visible() {
    let mut app = app((80, 24));
    keys(&mut app, "a");
    let note = "a long note about why this paper matters for the routing experiments END";
    keys(&mut app, note);
    let text = screen(&app);
    assert!(text.contains("experiments END▏"), "{text}");
    update(
        &mut app,
        Msg::Key(KeyEvent::new(KeyCode::Esc, KeyModifiers::NONE)),
    );
    assert!(app.note.is_none());
}

#[test]
fn filter_pane_focus_is_labelled_filter_not_normal() {
    let mut app = app((160, 48));
    key(&mut app, KeyCode::Tab);
    key(&mut app, KeyCode::Tab);
    let text = screen(&app);
    let status = rows_of(&text).pop().unwrap();
    assert!(status.starts_with(" FILTER "), "{status}");
}

#[test]
fn notes_are_marked_in_the_list() {
    let mut app = app((80, 24));
    keys(&mut app, "a");
    keys(&mut app, "read later");
    key(&mut app, KeyCode::Enter);
    let text = screen(&app);
    let row = rows_of(&text)
        .into_iter()
        .find(|row| row.contains("Demons in the Detail"))
        .unwrap();
    assert!(row.starts_with("│  ●✎"), "{row}");
}

#[test]
fn a_long_message_wraps_onto_a_second_status_line_for_a_few_seconds() {
    let mut app = app((80, 24));
    let path = "~/papers/exports/2025/paperboat-20250430-090000-with-a-long-name.bib";
    update(
        &mut app,
        Msg::Notice(format!("exported 5 papers to {path}")),
    );
    let text = screen(&app);
    let rows = rows_of(&text);
    let both = format!("{}{}", rows[22], rows[23]);
    assert!(both.contains("paperboat-20250430"), "{text}");
    assert!(
        both.contains("long-name.bib"),
        "the whole path shows:\n{text}"
    );
    // Some seconds later the status bar is one line again.
    update(
        &mut app,
        Msg::Tick(Utc.with_ymd_and_hms(2025, 4, 30, 9, 0, 10).unwrap()),
    );
    let text = screen(&app);
    assert!(rows_of(&text)[22].starts_with('└'), "{text}");
}

#[test]
fn help_lines_wrap_at_80_columns_instead_of_being_cut() {
    let mut app = app((80, 24));
    keys(&mut app, "?");
    let mut seen = String::new();
    for _ in 0..200 {
        seen.push_str(&screen(&app));
        key(&mut app, KeyCode::Char('j'));
    }
    assert!(seen.contains("(cycles)"), "the sort line's end shows");
    assert!(seen.contains("directory"), "the export line's end shows");
}

#[test]
fn the_spinner_moves_on_every_tick_while_a_sync_runs() {
    let mut app = app((80, 24));
    sync(
        &mut app,
        SyncEvent::Started {
            sources: vec![SourceId::hf()],
        },
    );
    let mut frames = std::collections::HashSet::new();
    for tenth in 0..10 {
        let now = Utc.with_ymd_and_hms(2025, 4, 30, 9, 0, 1).unwrap()
            + chrono::Duration::milliseconds(100 * tenth);
        update(&mut app, Msg::Tick(now));
        let status = rows_of(&screen(&app)).pop().unwrap();
        frames.insert(status.chars().nth(9).unwrap());
    }
    assert_eq!(frames.len(), 10, "{frames:?}");
}

#[test]
fn links_on_screen_are_reported_for_osc8_where_they_are_drawn() {
    let mut app = app((160, 48));
    let mut paper = full_paper();
    paper.links.project = Some("https://example.org/論文".into());
    paper.links.doi = Some("javascript:alert(1)".into());
    update(
        &mut app,
        Msg::PaperLoaded(paper.id.clone(), Some(Box::new(paper))),
    );
    let mut terminal = Terminal::new(TestBackend::new(160, 48)).unwrap();
    let mut runs = Vec::new();
    terminal
        .draw(|f| runs = paperboat::ui::render_with_links(f, &app, &Theme { color: true }))
        .unwrap();
    let buffer = terminal.backend().buffer();
    assert!(!runs.is_empty());
    for run in &runs {
        let drawn: String = (0..run.text.len() as u16)
            .map(|i| buffer[(run.x + i, run.y)].symbol().to_string())
            .collect();
        assert_eq!(drawn, run.text, "the run's text is what the cells show");
        assert!(run.url.starts_with("https://"));
        assert!(run.url.is_ascii());
    }
    let urls: BTreeSet<&str> = runs.iter().map(|r| r.url.as_str()).collect();
    assert!(urls.contains("https://arxiv.org/abs/2504.21318"));
    assert!(
        urls.contains("https://example.org/%E8%AB%96%E6%96%87"),
        "{urls:?}"
    );
    assert!(!urls.iter().any(|u| u.contains("javascript")));
    // The visible text of each link is its whole URL.
    for url in &urls {
        let joined: String = runs
            .iter()
            .filter(|r| r.url == *url)
            .map(|r| r.text.as_str())
            .collect();
        assert_eq!(joined, *url);
    }
    // The bytes: every sequence opened is closed.
    let bytes = paperboat::ui::hyperlink::sequences(&runs, "36;4");
    let text = String::from_utf8(bytes).unwrap();
    assert_eq!(
        text.matches("\x1b]8;;https://").count(),
        text.matches("\x1b]8;;\x1b\\").count()
    );
}

/// What the reader wrote to a stand-in terminal.
#[derive(Clone, Default)]
struct Sink(Arc<Mutex<Vec<u8>>>);

impl std::io::Write for Sink {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

/// A reader on a store holding the papers above, at `size`.
fn store_reader(dir: &std::path::Path, size: (u16, u16)) -> paperboat::reader::Reader<TestBackend> {
    let store = paperboat::store::Store::open(&dir.join("data")).unwrap();
    let mut short = full_paper();
    short.abstract_text = "A short abstract.".into();
    store.apply(vec![short], day(30)).unwrap();
    reader_support::open_reader(&store, size, Box::new(std::io::sink()), true)
}

/// An executable shell script at `path` that records its arguments in `log`, then exits
/// with `status`.
fn script(path: &std::path::Path, log: &std::path::Path, status: i32) -> String {
    std::fs::write(
        path,
        format!(
            "#!/bin/sh\nprintf '%s|' \"$@\" >> '{}'\nexit {status}\n",
            log.display()
        ),
    )
    .unwrap();
    let mut permissions = std::fs::metadata(path).unwrap().permissions();
    std::os::unix::fs::PermissionsExt::set_mode(&mut permissions, 0o755);
    std::fs::set_permissions(path, permissions).unwrap();
    path.display().to_string()
}

#[test]
fn the_reader_writes_the_detail_links_as_osc8_after_each_frame() {
    let dir = tempfile::tempdir().unwrap();
    let mut reader = store_reader(dir.path(), (160, 48));
    let out = Sink::default();
    reader.runner.hyperlink_out = Some(Box::new(out.clone()));
    reader.draw().unwrap();
    let written = String::from_utf8(out.0.lock().unwrap().clone()).unwrap();
    let link = "\x1b]8;;https://arxiv.org/abs/2504.21318\x1b\\https://arxiv.org/abs/2504.21318\x1b]8;;\x1b\\";
    assert!(written.contains(link), "{written:?}");
    // Again on the next frame: a cell ratatui redrew would have lost it.
    out.0.lock().unwrap().clear();
    reader.draw().unwrap();
    assert!(
        String::from_utf8(out.0.lock().unwrap().clone())
            .unwrap()
            .contains(link)
    );
    // With the help over the detail, no link is written.
    out.0.lock().unwrap().clear();
    reader_support::press(&mut reader, "?");
    reader.draw().unwrap();
    assert!(out.0.lock().unwrap().is_empty());
}

#[test]
fn a_browser_that_fails_is_reported_as_a_failure_with_a_way_out() {
    let dir = tempfile::tempdir().unwrap();
    let mut reader = store_reader(dir.path(), (80, 24));
    let log = dir.path().join("browser.log");
    reader.runner.browser = script(&dir.path().join("failing-browser"), &log, 3);
    reader_support::press(&mut reader, "oa");
    let message = reader.app.message.clone().unwrap_or_default();
    assert!(message.contains("failed"), "{message}");
    assert!(
        message.contains("press y to copy the link, or click it"),
        "{message}"
    );
    assert!(!message.starts_with("opened"), "{message}");
    assert_eq!(
        std::fs::read_to_string(&log).unwrap(),
        "https://arxiv.org/abs/2504.21318|"
    );
}

#[test]
fn a_terminal_browser_is_run_in_the_foreground() {
    let dir = tempfile::tempdir().unwrap();
    let mut reader = store_reader(dir.path(), (80, 24));
    let log = dir.path().join("w3m.log");
    reader.runner.browser = script(&dir.path().join("w3m"), &log, 0);
    reader_support::press(&mut reader, "O");
    let message = reader.app.message.clone().unwrap_or_default();
    assert!(message.starts_with("back from "), "{message}");
    // It ran to its end before the reader went on (it had the terminal).
    assert_eq!(
        std::fs::read_to_string(&log).unwrap(),
        "https://arxiv.org/pdf/2504.21318|"
    );
}

#[test]
fn export_says_the_whole_path_it_wrote() {
    let dir = tempfile::tempdir().unwrap();
    let mut reader = store_reader(dir.path(), (80, 24));
    let exports = dir.path().join("exports");
    std::fs::create_dir(&exports).unwrap();
    reader.runner.export_dir = exports.clone();
    reader_support::press(&mut reader, "E");
    let message = reader.app.message.clone().unwrap_or_default();
    let written = std::fs::read_dir(&exports)
        .unwrap()
        .next()
        .unwrap()
        .unwrap()
        .path();
    let home = paperboat::config::home_dir();
    let shown = paperboat::config::display_home(&written, home.as_deref());
    assert_eq!(message, format!("exported 1 paper to {shown}"));
    // Long: it wraps onto a second status line instead of being cut.
    let text = reader_support::screen(&mut reader);
    let file_name = written.file_name().unwrap().to_str().unwrap();
    let rows = rows_of(&text);
    let status = format!("{}{}", rows[22].trim_end(), rows[23].trim_start());
    assert!(status.contains(file_name), "{text}");
}

#[test]
fn s_offers_relevance_only_with_a_query() {
    let mut app = app((80, 24));
    let mut offered = Vec::new();
    for _ in 0..6 {
        keys(&mut app, "S");
        offered.push(app.message.clone().unwrap_or_default());
    }
    assert!(
        offered.iter().all(|m| !m.contains("relevance")),
        "{offered:?}"
    );
    keys(&mut app, "/sparse");
    key(&mut app, KeyCode::Enter);
    let mut offered = Vec::new();
    for _ in 0..4 {
        keys(&mut app, "S");
        offered.push(app.message.clone().unwrap_or_default());
    }
    assert!(
        offered.iter().any(|m| m.contains("relevance")),
        "{offered:?}"
    );
}

#[test]
fn the_sort_label_stays_after_moving_between_days() {
    let mut app = app((80, 24));
    keys(&mut app, "S");
    assert!(screen(&app).contains("· by upvotes"));
    keys(&mut app, "[");
    let text = screen(&app);
    assert!(
        text.contains("Apr 29") || text.contains("Yesterday"),
        "{text}"
    );
    assert!(text.contains("· by upvotes"), "{text}");
    keys(&mut app, "]");
    assert!(screen(&app).contains("· by upvotes"));
}

#[test]
fn o_and_y_offer_a_one_key_menu_of_the_links() {
    let mut app = app((80, 24));
    keys(&mut app, "o");
    let text = screen(&app);
    for line in [
        "a  abstract      https://arxiv.org/abs/2504.21318",
        "p  PDF           https://arxiv.org/pdf/2504.21318",
        "h  HF page       https://huggingface.co/papers/2504.21318",
        "c  code          https://github.com/example/lbl",
        "w  project page  https://example.org/lbl",
    ] {
        assert!(text.contains(line), "{line}:\n{text}");
    }
    assert!(!text.contains("BibTeX"), "{text}");
    insta::assert_snapshot!("link_menu_at_80x24", text);
    key(&mut app, KeyCode::Esc);
    assert!(app.link_menu.is_none());
    keys(&mut app, "y");
    let text = screen(&app);
    assert!(text.contains("b  BibTeX entry"), "{text}");
    let effects = update(
        &mut app,
        Msg::Key(KeyEvent::new(KeyCode::Char('c'), KeyModifiers::NONE)),
    );
    assert_eq!(
        effects,
        vec![paperboat::app::Effect::Yank(
            "https://github.com/example/lbl".into()
        )]
    );
}

#[test]
fn y_b_copies_the_bibtex_entry_with_osc52() {
    let dir = tempfile::tempdir().unwrap();
    let store = paperboat::store::Store::open(&dir.path().join("data")).unwrap();
    store.apply(vec![full_paper()], day(30)).unwrap();
    let clipboard = Sink::default();
    let mut reader =
        reader_support::open_reader(&store, (80, 24), Box::new(clipboard.clone()), true);
    reader_support::press(&mut reader, "yb");
    let message = reader.app.message.clone().unwrap_or_default();
    assert_eq!(message, "copied the BibTeX entry of 2504.21318");
    let written = String::from_utf8(clipboard.0.lock().unwrap().clone()).unwrap();
    let payload = written
        .strip_prefix("\x1b]52;c;")
        .and_then(|rest| rest.strip_suffix('\x07'))
        .unwrap();
    use base64::Engine as _;
    let entry = base64::engine::general_purpose::STANDARD
        .decode(payload)
        .unwrap();
    let entry = String::from_utf8(entry).unwrap();
    assert!(entry.starts_with('@'), "{entry}");
    assert!(entry.contains("Demons in the Detail"), "{entry}");
}

/// An app whose sync round has reported HF and arXiv, with the filter pane focused.
fn synced_with_filter_focused(size: (u16, u16)) -> App {
    let mut app = app(size);
    for event in [
        SyncEvent::Started {
            sources: vec![SourceId::hf(), SourceId::arxiv()],
        },
        SyncEvent::SourceUpdated {
            id: SourceId::hf(),
            new: 4,
            changed: 0,
            note: None,
        },
        SyncEvent::SourceUpdated {
            id: SourceId::arxiv(),
            new: 2,
            changed: 0,
            note: None,
        },
    ] {
        update(&mut app, Msg::Sync(event));
    }
    key(&mut app, KeyCode::Tab);
    key(&mut app, KeyCode::Tab);
    app
}

/// At 80×24 the filter pane sits under the list with 11 rows: the views go in two columns so
/// every view and each source's sync result show; in a pane too short even for that, the
/// views scroll to keep the cursor on screen.
#[test]
fn the_filter_pane_at_80x24_shows_every_view_and_the_sources() {
    let app = synced_with_filter_focused((80, 24));
    let text = screen(&app);
    let views: Vec<String> = app
        .view_counts
        .iter()
        .map(|(view, _)| view.name(app.today()))
        .collect();
    assert!(views.len() >= 9, "{views:?}");
    for name in &views {
        assert!(text.contains(name.as_str()), "{name} missing:\n{text}");
    }
    assert!(text.contains("HF ok, 4 new"), "{text}");
    assert!(text.contains("arXiv ok, 2 new"), "{text}");

    let mut short = synced_with_filter_focused((80, 12));
    // The last view's row: its name between the key column and the padding before its count.
    let last = format!("  {}  ", views.last().unwrap());
    assert!(
        !screen(&short).contains(last.as_str()),
        "the pane is meant to be too short for every view here"
    );
    for _ in 0..views.len() {
        key(&mut short, KeyCode::Char('j'));
    }
    let text = screen(&short);
    assert!(text.contains(last.as_str()), "{last} scrolled off:\n{text}");
}
