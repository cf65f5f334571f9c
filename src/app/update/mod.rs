//! `update`, the one mutator of `App`: a message in, the state changed, effects out. Keys go
//! through the keymap to actions, each area of actions (moving, panes, views, the selected
//! paper) in its own function; the filter and note editors share one line editor.
//! Imports nothing above `app`.

use std::sync::Arc;

use crossterm::event::{KeyEvent, KeyEventKind};

use super::msg::{Effect, Msg};
use super::state::{App, Focus};
use super::view::View;
use crate::action::Action;
use crate::keymap::{Key, KeyOutcome};
use crate::query::SortOrder;

mod input;
mod paper;
mod sync;
mod views;

use input::{on_link_menu_key, on_note_key, on_query_key};
use paper::on_paper_action;
use sync::on_sync;
use views::on_view_action;

/// The one mutator of `App`.
pub fn update(app: &mut App, msg: Msg) -> Vec<Effect> {
    let message = app.message.clone();
    let effects = apply(app, msg);
    if app.message != message {
        app.message_at = app.message.as_ref().map(|_| app.now);
    }
    // Whatever changed what is on screen restarts the `mark_read = "select"` timer.
    app.arm_select_timer();
    let mut effects = effects;
    effects.extend(app.remember_if_changed());
    effects
}

fn apply(app: &mut App, msg: Msg) -> Vec<Effect> {
    match msg {
        Msg::Key(key) => on_key(app, key),
        Msg::KeyTimeout => {
            let context = app.context();
            let outcome = app.keymap.timeout(&mut app.keys, context);
            on_outcome(app, outcome)
        }
        Msg::Resize(columns, rows) => {
            app.size = (columns, rows);
            app.sync_selection();
            app.relayout_full_text()
        }
        Msg::FullTextLoaded { id, result } => app.full_text_loaded(id, result),
        Msg::FullTextLaidOut { id, rendered, doc } => app.full_text_laid_out(&id, *rendered, doc),
        Msg::FullTextIndexed(index) => {
            // Marks made since the index was started stay (their words come next time).
            let marked: Vec<_> = app.catalog.full_text.marked().iter().cloned().collect();
            app.catalog.full_text = index;
            for id in &marked {
                app.catalog.mark_full_text(id);
            }
            app.refresh_visible();
            Vec::new()
        }
        Msg::Tick(now) => {
            app.now = now;
            app.tick_select_timer(now)
        }
        Msg::Sync(event) => on_sync(app, event),
        Msg::CatalogLoaded(catalog) => {
            let was_empty = app.catalog.rows.is_empty();
            // Stars set while the load ran are newer than the snapshot: keep ours.
            let mut catalog = *catalog;
            for (id, state) in &app.catalog.user {
                catalog.user.insert(id.clone(), state.clone());
            }
            // A catalog read before the full-text index was built keeps the newer index.
            if catalog.full_text.docs() < app.catalog.full_text.docs() {
                catalog.full_text = Arc::clone(&app.catalog.full_text);
            }
            app.catalog = catalog;
            // The empty cache's All view is a stand-in: the first papers replace it.
            if was_empty && app.view == View::All {
                app.nav.follow_latest = true;
            }
            app.follow_latest_day();
            app.recount();
            app.refresh_visible();
            app.apply_restored_selection();
            let mut effects = app.load_selected();
            effects.push(app.rank_for_you());
            effects.extend(app.notifications());
            effects
        }
        Msg::PaperLoaded(id, paper) => {
            if app.detail_loading.as_ref() == Some(&id) {
                app.detail_loading = None;
            }
            if app.selected_id.as_ref() == Some(&id) {
                app.detail = paper.map(|p| *p);
            }
            Vec::new()
        }
        Msg::UserStateChanged { id, state } => {
            let stars_changed = app.catalog.is_starred(&id) != state.is_starred();
            app.catalog.user.insert(id, state);
            app.recount();
            app.refresh_visible();
            let mut effects = app.load_selected();
            if stars_changed {
                effects.push(app.rank_for_you());
            }
            effects
        }
        Msg::StoreChanged => vec![Effect::LoadCatalog],
        Msg::PaperExtras(extras) => super::extras::extras_loaded(app, *extras),
        Msg::PdfSaved { id, path, reused } => super::extras::pdf_saved(app, id, path, reused),
        Msg::UserStateFailed {
            id,
            previous,
            error,
        } => {
            let stars_changed = app.catalog.is_starred(&id) != previous.is_starred();
            app.catalog.user.insert(id, previous);
            app.recount();
            app.message = Some(format!("not saved: {error}"));
            app.refresh_visible();
            let mut effects = app.load_selected();
            if stars_changed {
                effects.push(app.rank_for_you());
            }
            effects
        }
        Msg::Notice(text) => {
            app.message = Some(text);
            Vec::new()
        }
        Msg::ReadManyFailed(error) => {
            app.message = Some(format!("not saved: {error}"));
            app.nav.last_mark = None;
            vec![Effect::LoadCatalog]
        }
        Msg::ForYouRanked(result) => {
            if Arc::ptr_eq(&result.index, &app.catalog.text) && result.version == app.stars_version
            {
                app.catalog.for_you = Some(result.for_you);
                app.recount();
                if app.view == View::ForYou || app.sort_order() == Some(SortOrder::ForYou) {
                    app.refresh_visible();
                    return app.load_selected();
                }
            }
            Vec::new()
        }
        Msg::ExportProgress { done, total } => {
            if app.exporting {
                app.message = Some(format!(
                    "exporting: {done} of {total} papers read (Esc cancels)"
                ));
            }
            Vec::new()
        }
        Msg::ExportFinished(notice) => {
            app.exporting = false;
            app.message = Some(notice);
            Vec::new()
        }
        Msg::CopyText { text, done } => vec![Effect::CopyText { text, done }],
        Msg::Terminate => quit(app),
    }
}

/// Quits, remembering where the user was.
fn quit(app: &mut App) -> Vec<Effect> {
    app.quit = true;
    vec![Effect::SaveReaderState(app.remembered()), Effect::Quit]
}

fn on_key(app: &mut App, key: KeyEvent) -> Vec<Effect> {
    if key.kind == KeyEventKind::Release {
        return Vec::new();
    }
    if app.link_menu.is_some() {
        return on_link_menu_key(app, key);
    }
    if let Some(confirm) = app.nav.confirm.take() {
        let yes = matches!(key.code, crossterm::event::KeyCode::Char('y'));
        return app.answer(confirm, yes);
    }
    if app.note.is_some() {
        return on_note_key(app, key);
    }
    if app.query.editing {
        return on_query_key(app, key);
    }
    if app.full_text_search_editing() {
        return app.on_full_text_search_key(&key);
    }
    let Some(key) = Key::from_press(&key) else {
        return Vec::new();
    };
    let context = app.context();
    let outcome = app.keymap.handle(&mut app.keys, context, key);
    on_outcome(app, outcome)
}

fn on_outcome(app: &mut App, outcome: KeyOutcome) -> Vec<Effect> {
    match outcome {
        KeyOutcome::Action { action, count } => {
            app.message = None;
            on_action(app, action, count)
        }
        KeyOutcome::DigitThen { digit, then } => {
            app.message = None;
            let mut effects = on_action(app, digit, None);
            effects.extend(on_action(app, then, None));
            effects
        }
        KeyOutcome::Pending | KeyOutcome::Unbound => Vec::new(),
    }
}

/// An action from the keymap: the help overlay and the filter pane take theirs first, then
/// each area of actions has its own function. The match is exhaustive, so a new action must
/// be given an area.
fn on_action(app: &mut App, action: Action, count: Option<u32>) -> Vec<Effect> {
    if app.help_open {
        return on_help_action(app, action);
    }
    if app.fulltext.open.is_some()
        && let Some(effects) = app.on_full_text_action(action, count)
    {
        return effects;
    }
    if !matches!(action, Action::Help | Action::SyncNow | Action::Quit) {
        // The user moved: stop following the newest day, forget a remembered selection.
        app.nav.follow_latest = false;
        app.nav.restore_selection = None;
    }
    let focus_before = app.focus;
    let selected_before = app.selected_id.clone();
    let view_before = app.view.clone();
    let mut effects = dispatch(app, action, count);
    // A paper counts as opened when Enter or Space open the detail on it, and when the
    // selection moves to it within the view while the detail has focus (J/K/Space/Ctrl-n…).
    // Tab only moves the focus; switching views shows the other view's selection: neither is
    // the user opening a paper.
    let opened = focus_before != Focus::Detail && matches!(action, Action::Open | Action::ReadOn);
    let moved = app.selected_id != selected_before && app.view == view_before;
    if app.focus == Focus::Detail && (opened || moved) {
        effects.extend(app.mark_opened());
    }
    effects
}

fn dispatch(app: &mut App, action: Action, count: Option<u32>) -> Vec<Effect> {
    if app.focus == Focus::Filter
        && let Some(effects) = on_filter_pane_action(app, action)
    {
        return effects;
    }
    match action {
        Action::Down
        | Action::Up
        | Action::Top
        | Action::Bottom
        | Action::HalfPageDown
        | Action::HalfPageUp
        | Action::PageDown
        | Action::PageUp
        | Action::ScrollDown
        | Action::ScrollUp
        | Action::TextTop
        | Action::TextBottom
        | Action::NextMatch
        | Action::PrevMatch
        | Action::NextUnread
        | Action::PrevUnread => on_move(app, action, count),
        Action::ReadOn => app.read_on(),
        Action::Open
        | Action::Back
        | Action::NextPane
        | Action::Filter
        | Action::Help
        | Action::ToggleZoom
        | Action::ToggleFilterPane
        | Action::Quit => on_pane_action(app, action),
        Action::PrevDay
        | Action::NextDay
        | Action::ViewToday
        | Action::ViewWeek
        | Action::ViewAll
        | Action::ViewStarred
        | Action::ViewUnread
        | Action::ViewForYou
        | Action::ViewSource
        | Action::ViewHfWeek
        | Action::ViewHfMonth
        | Action::ViewHfTrending
        | Action::CycleSort => on_view_action(app, action, count),
        Action::ToggleStar
        | Action::ToggleRead
        | Action::ToggleHideRead
        | Action::MarkAllRead
        | Action::UndoMark
        | Action::OpenAbstract
        | Action::OpenPdf
        | Action::DownloadPdf
        | Action::YankLink
        | Action::EditNote
        | Action::ExportList
        | Action::SyncNow => on_paper_action(app, action),
        Action::OpenFullText => app.open_full_text(),
        // Only the full text's own context gives these a meaning (see `fulltext.rs`).
        Action::NextSection
        | Action::PrevSection
        | Action::TableOfContents
        | Action::SearchText => Vec::new(),
    }
}

/// The count as a step: at least 1.
fn step_of(count: Option<u32>) -> isize {
    isize::try_from(count.unwrap_or(1).max(1)).unwrap_or(1)
}

/// While help is open: up and down scroll it, quit quits, anything else closes it.
fn on_help_action(app: &mut App, action: Action) -> Vec<Effect> {
    match action {
        Action::ScrollDown | Action::Down => app.help_scroll = app.help_scroll.saturating_add(1),
        Action::ScrollUp | Action::Up => app.help_scroll = app.help_scroll.saturating_sub(1),
        Action::Quit => return quit(app),
        _ => app.help_open = false,
    }
    Vec::new()
}

/// The filter pane's own meaning of up, down and open (the view list); `None` for actions it
/// leaves to the list.
fn on_filter_pane_action(app: &mut App, action: Action) -> Option<Vec<Effect>> {
    match action {
        Action::Down => {
            let last = app.views().len().saturating_sub(1);
            app.filter_cursor = (app.filter_cursor + 1).min(last);
            Some(Vec::new())
        }
        Action::Up => {
            app.filter_cursor = app.filter_cursor.saturating_sub(1);
            Some(Vec::new())
        }
        Action::Open => {
            app.focus = Focus::List;
            Some(match app.views().get(app.filter_cursor) {
                Some(view) => app.set_view(view.clone()),
                None => Vec::new(),
            })
        }
        _ => None,
    }
}

/// Moving the selection (or, in the detail pane, its text) by rows, pages and matches.
fn on_move(app: &mut App, action: Action, count: Option<u32>) -> Vec<Effect> {
    let n = step_of(count);
    let lines = u16::try_from(n).unwrap_or(1);
    if app.focus == Focus::Detail {
        app.clamp_detail_scroll();
    }
    match action {
        Action::Down => app.move_selection(n),
        Action::Up => app.move_selection(-n),
        Action::Top => app.select_index(0),
        Action::Bottom => match count {
            Some(row) => app.select_index(usize::try_from(row).unwrap_or(1).saturating_sub(1)),
            None => app.select_index(usize::MAX),
        },
        Action::HalfPageDown | Action::HalfPageUp | Action::PageDown | Action::PageUp
            if app.focus == Focus::Detail =>
        {
            let page = app.detail_page();
            let step = match action {
                Action::HalfPageDown | Action::HalfPageUp => page / 2,
                _ => page,
            }
            .max(1)
            .saturating_mul(lines);
            app.detail_scroll = match action {
                Action::HalfPageDown | Action::PageDown => app.detail_scroll.saturating_add(step),
                _ => app.detail_scroll.saturating_sub(step),
            };
            Vec::new()
        }
        Action::HalfPageDown => app.move_selection(n * (app.page() / 2).max(1)),
        Action::HalfPageUp => app.move_selection(-n * (app.page() / 2).max(1)),
        Action::PageDown => app.move_selection(n * app.page()),
        Action::PageUp => app.move_selection(-n * app.page()),
        Action::ScrollDown => {
            app.detail_scroll = app.detail_scroll.saturating_add(lines);
            Vec::new()
        }
        Action::ScrollUp => {
            app.detail_scroll = app.detail_scroll.saturating_sub(lines);
            Vec::new()
        }
        Action::TextTop => app.text_top(),
        Action::TextBottom => app.text_bottom(),
        Action::NextMatch => app.jump_to_match(true, n),
        Action::PrevMatch => app.jump_to_match(false, n),
        Action::NextUnread => app.move_to_unread(n),
        Action::PrevUnread => app.move_to_unread(-n),
        // `on_action` routes only the actions above here.
        _ => Vec::new(),
    }
}

/// Focus and overlays: open a paper, go back, cycle panes, type a filter, help, quit.
fn on_pane_action(app: &mut App, action: Action) -> Vec<Effect> {
    match action {
        Action::Open => {
            if app.selected_id.is_none() {
                return Vec::new();
            }
            // Opened again from the detail: it still counts (`mark_opened` is idempotent).
            let reopened = app.focus == Focus::Detail;
            app.focus = Focus::Detail;
            let mut effects = app.load_selected();
            if reopened {
                effects.extend(app.mark_opened());
            }
            effects
        }
        Action::Back => {
            // A running export is cancelled first; a second Esc clears the filter.
            if app.exporting {
                app.exporting = false;
                app.message = Some("export cancelled".to_string());
                return vec![Effect::CancelExport];
            }
            if !app.query.text.is_empty() && app.focus == Focus::List {
                app.query.text.clear();
                app.refresh_visible();
                return app.load_selected();
            }
            app.focus = Focus::List;
            Vec::new()
        }
        Action::NextPane => {
            app.focus = match app.focus {
                Focus::List => Focus::Detail,
                Focus::Detail => Focus::Filter,
                Focus::Filter => Focus::List,
            };
            if app.focus == Focus::Filter
                && let Some(position) = app.views().iter().position(|v| *v == app.view)
            {
                app.filter_cursor = position;
            }
            Vec::new()
        }
        Action::Filter => {
            app.query.editing = true;
            app.query.cursor = app.query.text.len();
            app.focus = Focus::Filter;
            Vec::new()
        }
        Action::ToggleZoom => {
            app.layout_prefs.zoomed = !app.layout_prefs.zoomed;
            app.sync_selection();
            Vec::new()
        }
        Action::ToggleFilterPane => {
            app.layout_prefs.filter_toggled = !app.layout_prefs.filter_toggled;
            if !app.layout().wide {
                app.message = Some("too narrow for the filter pane: Tab or / shows it".to_string());
            }
            app.sync_selection();
            Vec::new()
        }
        Action::Help => {
            app.help_open = true;
            app.help_scroll = 0;
            Vec::new()
        }
        Action::Quit => quit(app),
        // `on_action` routes only the actions above here.
        _ => Vec::new(),
    }
}
