//! Snapshots of every pane at 80×24 and 160×48 (TestBackend + insta, fixed clock), including
//! CJK/emoji titles and a paper with every optional field missing; plus style checks that
//! snapshots cannot see, and a no-panic sweep over terminal sizes.

use std::collections::{BTreeSet, HashMap};

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
    update(
        &mut app,
        Msg::Sync(SyncEvent::Started {
            sources: vec![SourceId::hf()],
        }),
    );
    update(
        &mut app,
        Msg::Sync(SyncEvent::SourceProgress {
            id: SourceId::hf(),
            done: 2,
            total: 7,
        }),
    );
    insta::assert_snapshot!(screen(&app));
}

#[test]
fn status_bar_shows_a_failed_source() {
    let mut app = app((80, 24));
    update(
        &mut app,
        Msg::Sync(SyncEvent::Started {
            sources: vec![SourceId::hf(), SourceId::arxiv()],
        }),
    );
    update(
        &mut app,
        Msg::Sync(SyncEvent::SourceUpdated {
            id: SourceId::hf(),
            new: 0,
            changed: 0,
        }),
    );
    update(
        &mut app,
        Msg::Sync(SyncEvent::SourceFailed {
            id: SourceId::arxiv(),
            error: "HTTP 503 Service Unavailable".into(),
        }),
    );
    update(
        &mut app,
        Msg::Sync(SyncEvent::Finished {
            succeeded: 1,
            failed: 1,
        }),
    );
    update(
        &mut app,
        Msg::Tick(Utc.with_ymd_and_hms(2025, 4, 30, 9, 3, 0).unwrap()),
    );
    let text = screen(&app);
    assert!(text.contains("sync failed 3 min ago"), "{text}");
    assert!(text.contains("arXiv: HTTP 503"), "{text}");
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
