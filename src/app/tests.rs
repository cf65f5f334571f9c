//! Table tests of `update`: a key (or message) in, the state and the effects out.

use std::collections::HashMap;

use chrono::{NaiveDate, TimeZone, Utc};
use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};

use super::*;
use crate::keymap::Keymap;
use crate::model::{ListRow, Paper, PaperId, SourceId, UserState};
use crate::sync::{SyncCommand, SyncEvent};

fn day(d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(2025, 4, d).unwrap()
}

fn row(id: &str, d: u32, upvotes: u32, title: &str) -> ListRow {
    let mut paper = Paper::new(
        PaperId::from_stored(id.into()),
        title.into(),
        SourceId::hf(),
    );
    paper.daily_date = Some(day(d));
    paper.upvotes = Some(upvotes);
    paper.authors = vec!["Ada Lovelace".into()];
    paper.list_row(day(1))
}

/// Ten papers on Apr 30 (upvotes 100, 90, …), three on Apr 29.
fn app() -> App {
    let mut rows: Vec<ListRow> = (0..10)
        .map(|i| {
            row(
                &format!("2504.000{i:02}"),
                30,
                100 - i * 10,
                &format!("Paper {i} on diffusion"),
            )
        })
        .collect();
    rows.push(row("2504.00100", 29, 5, "Mixture of experts routing"));
    rows.push(row("2504.00101", 29, 4, "Sparse attention"));
    rows.push(row("2504.00102", 29, 3, "Mixture models"));
    let catalog = Catalog::new(rows, HashMap::new(), true, None);
    let now = Utc.with_ymd_and_hms(2025, 4, 30, 9, 0, 0).unwrap();
    App::new(Keymap::defaults().unwrap(), catalog, now, (80, 24), 120)
}

fn key(code: KeyCode) -> Msg {
    Msg::Key(KeyEvent::new(code, KeyModifiers::NONE))
}

fn ctrl(c: char) -> Msg {
    Msg::Key(KeyEvent::new(KeyCode::Char(c), KeyModifiers::CONTROL))
}

/// Sends each character of `keys` as a key press and collects the effects.
fn press(app: &mut App, keys: &str) -> Vec<Effect> {
    keys.chars()
        .flat_map(|c| update(app, key(KeyCode::Char(c))))
        .collect()
}

fn selected(app: &App) -> &str {
    app.selected_row().map_or("", |r| r.id.as_str())
}

#[test]
fn opens_on_the_latest_day_with_the_top_paper_selected() {
    let app = app();
    assert_eq!(app.view, View::Day(day(30)));
    assert_eq!(app.visible.len(), 10);
    assert_eq!(selected(&app), "2504.00000");
}

#[test]
fn motion_keys_move_the_selection() {
    let cases: &[(&str, &str)] = &[
        ("j", "2504.00001"),
        ("jjk", "2504.00001"),
        ("5j", "2504.00005"),
        ("G", "2504.00009"),
        ("Ggg", "2504.00000"),
        ("3G", "2504.00002"),
        ("k", "2504.00000"),
        ("99j", "2504.00009"),
    ];
    for (keys, want) in cases {
        let mut app = app();
        press(&mut app, keys);
        assert_eq!(selected(&app), *want, "keys {keys:?}");
    }
}

#[test]
fn moving_asks_for_the_new_papers_body() {
    let mut app = app();
    let mut effects = press(&mut app, "j");
    // (The new place is also handed out to be remembered.)
    effects.retain(|e| !matches!(e, Effect::RememberReaderState(_)));
    assert_eq!(
        effects,
        vec![Effect::LoadPaper(PaperId::from_stored("2504.00001".into()))]
    );
}

#[test]
fn half_and_full_pages_move_by_the_list_height() {
    let mut app = app();
    let page = usize::from(app.layout().list_rows);
    update(&mut app, ctrl('d'));
    assert_eq!(app.selected, page / 2);
    update(&mut app, ctrl('u'));
    assert_eq!(app.selected, 0);
    update(&mut app, ctrl('f'));
    assert_eq!(app.selected, page.min(9));
}

#[test]
fn star_toggles_and_is_written_through() {
    let mut app = app();
    let effects = press(&mut app, "js");
    let id = PaperId::from_stored("2504.00001".into());
    assert!(app.catalog.is_starred(&id));
    assert!(matches!(
        effects.as_slice(),
        [.., Effect::SaveUserState { id: saved, state, .. }, Effect::RankForYou(job)]
            if *saved == id && state.is_starred() && job.starred.len() == 1
    ));
    let effects = press(&mut app, "s");
    assert!(!app.catalog.is_starred(&id));
    assert!(matches!(
        effects.as_slice(),
        [Effect::SaveUserState { state, .. }, Effect::RankForYou(job)]
            if !state.is_starred() && job.starred.is_empty()
    ));
}

#[test]
fn a_failed_write_puts_the_old_state_back() {
    let mut app = app();
    press(&mut app, "s");
    let id = PaperId::from_stored("2504.00000".into());
    update(
        &mut app,
        Msg::UserStateFailed {
            id: id.clone(),
            previous: UserState::default(),
            error: "disk full".into(),
        },
    );
    assert!(!app.catalog.is_starred(&id));
    assert!(
        app.message
            .as_deref()
            .is_some_and(|m| m.contains("disk full"))
    );
}

#[test]
fn opening_a_paper_marks_it_read_and_focuses_the_detail() {
    let mut app = app();
    let effects = update(&mut app, key(KeyCode::Enter));
    let id = PaperId::from_stored("2504.00000".into());
    assert_eq!(app.focus, Focus::Detail);
    assert!(app.catalog.is_read(&id));
    assert!(
        effects
            .iter()
            .any(|e| matches!(e, Effect::SaveUserState { state, .. } if state.read))
    );
    update(&mut app, key(KeyCode::Char('h')));
    assert_eq!(app.focus, Focus::List);
}

#[test]
fn x_toggles_read() {
    let mut app = app();
    press(&mut app, "x");
    assert!(
        app.catalog
            .is_read(&PaperId::from_stored("2504.00000".into()))
    );
    press(&mut app, "x");
    assert!(
        !app.catalog
            .is_read(&PaperId::from_stored("2504.00000".into()))
    );
}

#[test]
fn typing_a_filter_narrows_the_list_on_every_key() {
    let mut app = app();
    press(&mut app, "/");
    assert!(app.query.editing);
    press(&mut app, "mix");
    assert_eq!(app.visible.len(), 0, "the latest day has no mixture papers");
    update(&mut app, key(KeyCode::Esc));
    assert!(!app.query.editing);
    assert_eq!(app.visible.len(), 10);
    press(&mut app, "3");
    update(&mut app, Msg::KeyTimeout);
    press(&mut app, "/mixture");
    assert_eq!(app.view, View::All);
    assert_eq!(app.visible.len(), 2);
    update(&mut app, key(KeyCode::Backspace));
    assert_eq!(app.visible.len(), 2);
    update(&mut app, key(KeyCode::Enter));
    assert!(!app.query.editing);
    assert_eq!(app.query.text, "mixtur");
    assert_eq!(app.focus, Focus::List);
}

#[test]
fn n_and_capital_n_walk_the_matches() {
    let mut app = app();
    press(&mut app, "n");
    assert!(
        app.message
            .as_deref()
            .is_some_and(|m| m.contains("no search yet"))
    );
    press(&mut app, "3");
    update(&mut app, Msg::KeyTimeout);
    press(&mut app, "/diffusion");
    update(&mut app, key(KeyCode::Enter));
    press(&mut app, "nn");
    assert_eq!(selected(&app), "2504.00002");
    press(&mut app, "N");
    assert_eq!(selected(&app), "2504.00001");
}

#[test]
fn brackets_step_through_days() {
    let mut app = app();
    press(&mut app, "[");
    assert_eq!(app.view, View::Day(day(29)));
    assert_eq!(app.visible.len(), 3);
    press(&mut app, "[");
    assert_eq!(app.view, View::Day(day(29)), "no older day: stays");
    press(&mut app, "]");
    assert_eq!(app.view, View::Day(day(30)));
}

#[test]
fn number_keys_switch_views_after_the_chord_timeout() {
    let mut app = app();
    press(&mut app, "3");
    update(&mut app, Msg::KeyTimeout);
    assert_eq!(app.view, View::All);
    assert_eq!(app.visible.len(), 13);
    press(&mut app, "s4");
    update(&mut app, Msg::KeyTimeout);
    assert_eq!(app.view, View::Starred);
    assert_eq!(app.visible.len(), 1);
    press(&mut app, "2");
    update(&mut app, Msg::KeyTimeout);
    assert_eq!(app.view, View::Week);
}

#[test]
fn starred_view_drops_a_paper_when_it_is_unstarred() {
    let mut app = app();
    press(&mut app, "sjs4");
    update(&mut app, Msg::KeyTimeout);
    assert_eq!(app.visible.len(), 2);
    press(&mut app, "s");
    assert_eq!(app.visible.len(), 1);
}

#[test]
fn links_open_and_yank_without_a_shell() {
    let mut app = app();
    // `o` and `y` offer a one-key menu of the links; `O` opens the PDF at once.
    assert_eq!(press(&mut app, "o"), vec![]);
    assert!(app.link_menu.is_some());
    assert_eq!(
        press(&mut app, "a"),
        vec![Effect::OpenUrl("https://arxiv.org/abs/2504.00000".into())]
    );
    assert!(app.link_menu.is_none());
    // The runner opens the downloaded PDF instead when there is one.
    assert_eq!(
        press(&mut app, "O"),
        vec![Effect::OpenPdf {
            id: PaperId::from_stored("2504.00000".into()),
            remote: Some("https://arxiv.org/pdf/2504.00000".into()),
        }]
    );
    assert_eq!(
        press(&mut app, "D"),
        vec![Effect::DownloadPdf(PaperId::from_stored(
            "2504.00000".into()
        ))]
    );
    assert_eq!(
        press(&mut app, "yp"),
        vec![Effect::Yank("https://arxiv.org/pdf/2504.00000".into())]
    );
    let day = app.selected_row().unwrap().day;
    assert_eq!(
        press(&mut app, "yb"),
        vec![Effect::YankBibtex {
            id: PaperId::from_stored("2504.00000".into()),
            day
        }]
    );
    // Any other key closes the menu and does nothing else.
    assert_eq!(press(&mut app, "oq"), vec![]);
    assert!(app.link_menu.is_none() && !app.quit);
}

#[test]
fn sync_keys_and_events() {
    let mut app = app();
    assert_eq!(
        press(&mut app, "r"),
        vec![Effect::Sync(SyncCommand::SyncAll)]
    );
    update(
        &mut app,
        Msg::Sync(SyncEvent::Started {
            sources: vec![SourceId::hf()],
        }),
    );
    assert!(app.sync.running);
    let effects = update(
        &mut app,
        Msg::Sync(SyncEvent::SourceUpdated {
            id: SourceId::hf(),
            new: 2,
            changed: 0,
            note: None,
        }),
    );
    assert_eq!(effects, vec![Effect::LoadCatalog]);
    let effects = update(
        &mut app,
        Msg::Sync(SyncEvent::SourceUpdated {
            id: SourceId::hf(),
            new: 0,
            changed: 0,
            note: None,
        }),
    );
    assert!(effects.is_empty(), "nothing changed: no reload");
    update(
        &mut app,
        Msg::Sync(SyncEvent::Finished {
            succeeded: 1,
            failed: 0,
        }),
    );
    assert!(!app.sync.running);
    assert_eq!(app.sync.last_finished, Some(app.now));
}

#[test]
fn a_reload_keeps_the_selection_on_the_same_paper() {
    let mut app = app();
    press(&mut app, "jjj");
    assert_eq!(selected(&app), "2504.00003");
    // A new paper with more upvotes arrives at the top of the day.
    let mut rows = app.catalog.rows.to_vec();
    rows.push(row("2504.09999", 30, 500, "A new hot paper"));
    let catalog = Catalog::new(rows, HashMap::new(), true, None);
    update(&mut app, Msg::CatalogLoaded(Box::new(catalog)));
    assert_eq!(selected(&app), "2504.00003");
    assert_eq!(app.selected, 4);
    assert_eq!(app.visible.len(), 11);
}

#[test]
fn tab_cycles_panes_and_the_filter_pane_picks_views() {
    let mut app = app();
    update(&mut app, key(KeyCode::Tab));
    assert_eq!(app.focus, Focus::Detail);
    update(&mut app, key(KeyCode::Tab));
    assert_eq!(app.focus, Focus::Filter);
    // Today, This week, the three HF lists, then All.
    press(&mut app, "jjjjj");
    update(&mut app, key(KeyCode::Enter));
    assert_eq!(app.view, View::All);
    assert_eq!(app.focus, Focus::List);
}

#[test]
fn help_opens_and_closes_and_q_quits() {
    let mut app = app();
    press(&mut app, "?");
    assert!(app.help_open);
    update(&mut app, key(KeyCode::Esc));
    assert!(!app.help_open);
    let effects = press(&mut app, "q");
    assert!(matches!(
        effects.as_slice(),
        [Effect::SaveReaderState(_), Effect::Quit]
    ));
    assert!(app.quit);
}

#[test]
fn detail_keys_scroll_the_detail() {
    let mut app = app();
    update(&mut app, key(KeyCode::Enter));
    press(&mut app, "jjj");
    assert_eq!(app.detail_scroll, 3);
    assert_eq!(
        selected(&app),
        "2504.00000",
        "j scrolls, it does not move the list"
    );
    press(&mut app, "k");
    assert_eq!(app.detail_scroll, 2);
}

#[test]
fn empty_catalog_is_safe_for_every_key() {
    let now = Utc.with_ymd_and_hms(2025, 4, 30, 9, 0, 0).unwrap();
    let mut app = App::new(
        Keymap::defaults().unwrap(),
        Catalog::default(),
        now,
        (80, 24),
        120,
    );
    for c in "jkGgsxoOy[]123456lhnN/".chars() {
        update(&mut app, key(KeyCode::Char(c)));
        update(&mut app, Msg::KeyTimeout);
    }
    update(&mut app, key(KeyCode::Esc));
    for code in [
        KeyCode::Enter,
        KeyCode::Tab,
        KeyCode::Esc,
        KeyCode::Down,
        KeyCode::PageDown,
    ] {
        update(&mut app, key(code));
    }
    assert!(app.visible.is_empty());
    assert!(!app.quit);
}

#[test]
fn typing_a_query_selects_the_best_match() {
    let mut app = app();
    press(&mut app, "jjj");
    assert_eq!(selected(&app), "2504.00003");
    press(&mut app, "/paper 7");
    assert_eq!(app.selected, 0);
    assert_eq!(selected(&app), "2504.00007");
    update(&mut app, key(KeyCode::Esc));
    assert_eq!(
        selected(&app),
        "2504.00007",
        "Esc keeps the paper being read"
    );
}

#[test]
fn marking_read_in_the_unread_view_loads_the_paper_that_takes_its_place() {
    let mut app = app();
    press(&mut app, "5");
    update(&mut app, Msg::KeyTimeout);
    assert_eq!(app.view, View::Unread);
    let first = app.selected_id.clone().unwrap();
    update(
        &mut app,
        Msg::PaperLoaded(first.clone(), Some(Box::new(paper_for(&first)))),
    );
    let effects = press(&mut app, "x");
    let next = app.selected_id.clone().unwrap();
    assert_ne!(next, first, "the read paper left the Unread view");
    assert!(
        effects.contains(&Effect::LoadPaper(next.clone())),
        "the detail follows the selection: {effects:?}"
    );
}

#[test]
fn unstarring_in_the_starred_view_loads_the_paper_that_takes_its_place() {
    let mut app = app();
    press(&mut app, "sjs");
    press(&mut app, "4");
    update(&mut app, Msg::KeyTimeout);
    assert_eq!(app.view, View::Starred);
    let first = app.selected_id.clone().unwrap();
    update(
        &mut app,
        Msg::PaperLoaded(first.clone(), Some(Box::new(paper_for(&first)))),
    );
    let effects = press(&mut app, "s");
    let next = app.selected_id.clone().unwrap();
    assert_ne!(next, first);
    assert!(
        effects.contains(&Effect::LoadPaper(next.clone())),
        "{effects:?}"
    );
}

fn paper_for(id: &PaperId) -> Paper {
    Paper::new(id.clone(), "Loaded".into(), SourceId::hf())
}

#[test]
fn a_changed_place_is_handed_out_to_be_remembered_once() {
    let mut app = app();
    assert!(
        !press(&mut app, "k")
            .iter()
            .any(|e| matches!(e, Effect::RememberReaderState(_))),
        "nothing changed"
    );
    let effects = press(&mut app, "j");
    let remembered: Vec<&crate::store::ReaderState> = effects
        .iter()
        .filter_map(|e| match e {
            Effect::RememberReaderState(state) => Some(state),
            _ => None,
        })
        .collect();
    assert_eq!(remembered.len(), 1, "{effects:?}");
    assert_eq!(remembered[0].selected.as_deref(), Some("2504.00001"));
    // The same place again: nothing new to write.
    let now = app.now;
    update(&mut app, Msg::Tick(now));
    assert!(
        !update(&mut app, Msg::Tick(now))
            .iter()
            .any(|e| matches!(e, Effect::RememberReaderState(_)))
    );
}
