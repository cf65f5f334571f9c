//! The reader's model (`App`) and `update()`, its only mutator: messages in (keys, sync events,
//! loaded data), effects out (store writes, loads, browser, clipboard, sync commands). Pure, so
//! every key's behaviour is a table test without a terminal.

pub mod catalog;
mod order;
pub mod runtime;
pub mod view;

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::sync::Arc;

use chrono::{DateTime, Utc};
use crossterm::event::{KeyCode, KeyEvent, KeyEventKind, KeyModifiers};

use crate::action::{Action, Context};
use crate::config::Config;
use crate::export::ExportFormat;
use crate::keymap::{Key, KeyOutcome, KeyState, Keymap};
use crate::model::{Paper, PaperId, SourceId, UserState};
use crate::query::{ForYou, QueryError, RowSet, SortOrder, TextIndex};
use crate::sync::{SyncCommand, SyncEvent};
use crate::ui::layout::Layout;

pub use catalog::{Catalog, PaperText};
pub use runtime::run_reader;
pub use view::{SavedView, View};

/// Everything the reader needs to start.
pub struct ReaderOptions {
    pub config: Config,
    pub data_dir: PathBuf,
    /// Where the log file goes.
    pub log_dir: PathBuf,
}

/// Which pane has the keyboard.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Focus {
    List,
    Detail,
    Filter,
}

/// One source's part of the current (or last) sync round.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SourceSync {
    Waiting,
    Running { done: usize, total: usize },
    Updated { new: usize, changed: usize },
    Failed(String),
}

/// What the status bar says about syncing.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SyncStatus {
    pub running: bool,
    pub sources: BTreeMap<SourceId, SourceSync>,
    pub last_finished: Option<DateTime<Utc>>,
    pub last_failed: usize,
}

/// A message into `update`.
#[derive(Debug)]
pub enum Msg {
    Key(KeyEvent),
    /// The terminal's new size (columns, rows).
    Resize(u16, u16),
    /// Time passed (spinner, "synced 3 min ago", a pending chord's timeout).
    Tick(DateTime<Utc>),
    /// No key came for `keymap::TIMEOUT` while a chord or count was pending.
    KeyTimeout,
    Sync(SyncEvent),
    /// A fresh projection of the store.
    CatalogLoaded(Box<Catalog>),
    /// The full record of a paper (None when the store has no body for it).
    PaperLoaded(PaperId, Option<Box<Paper>>),
    /// A user-state write failed: put the old state back and say so.
    UserStateFailed {
        id: PaperId,
        previous: UserState,
        error: String,
    },
    /// A side effect finished with something to tell the user.
    Notice(String),
    /// For you scores computed by a background job.
    ForYouRanked(ForYouResult),
    /// SIGTERM / SIGHUP.
    Terminate,
    /// Another paperboat process changed a paper's user state through this reader's server
    /// (already journaled and stored): show it.
    UserStateChanged {
        id: PaperId,
        state: UserState,
    },
    /// Another process's command changed the store's papers (a sync with other days,
    /// retention): re-read them.
    StoreChanged,
}

/// Work `update` asks the runtime to do.
#[derive(Debug, Clone, PartialEq)]
pub enum Effect {
    /// Re-read every row, the user state and the abstracts from the store.
    LoadCatalog,
    LoadPaper(PaperId),
    /// Write the paper's user state (star, read, note) through to the store, durably.
    SaveUserState {
        id: PaperId,
        state: UserState,
        previous: UserState,
    },
    OpenUrl(String),
    /// Copy to the clipboard with OSC 52.
    Yank(String),
    Sync(SyncCommand),
    /// Score every paper against the starred ones (off the UI thread in the real reader).
    RankForYou(ForYouJob),
    /// Write these papers (with the day each is filed under), in this order, to `file_name` in
    /// the export dir; say where.
    Export {
        papers: Vec<(PaperId, chrono::NaiveDate)>,
        format: ExportFormat,
        file_name: String,
    },
    Quit,
}

/// A For you computation: the index of the catalog it was asked for, the starred rows, and the
/// star version it reflects (a result for an older version or catalog is dropped).
#[derive(Clone)]
pub struct ForYouJob {
    pub index: Arc<TextIndex>,
    pub starred: Vec<usize>,
    pub version: u64,
}

impl ForYouJob {
    /// Computes the scores; a few tens of ms at 100k papers.
    pub fn run(&self) -> Msg {
        Msg::ForYouRanked(ForYouResult {
            index: self.index.clone(),
            version: self.version,
            for_you: Arc::new(ForYou::compute(&self.index, &self.starred)),
        })
    }
}

impl PartialEq for ForYouJob {
    fn eq(&self, other: &Self) -> bool {
        Arc::ptr_eq(&self.index, &other.index)
            && self.starred == other.starred
            && self.version == other.version
    }
}

impl std::fmt::Debug for ForYouJob {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ForYouJob")
            .field("starred", &self.starred.len())
            .field("version", &self.version)
            .finish()
    }
}

/// What a [`ForYouJob`] computed.
pub struct ForYouResult {
    pub index: Arc<TextIndex>,
    pub version: u64,
    pub for_you: Arc<ForYou>,
}

impl std::fmt::Debug for ForYouResult {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ForYouResult")
            .field("version", &self.version)
            .finish()
    }
}

/// The one-line note editor's state (`a`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NoteEdit {
    pub id: PaperId,
    pub text: String,
}

/// Typing state of the filter query.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Query {
    pub text: String,
    pub editing: bool,
    /// The last text that parsed: the list shows its result while `text` does not parse.
    pub parsed: crate::query::Query,
    /// Why `text` does not parse (shown in the status bar), if it does not.
    pub error: Option<QueryError>,
}

/// The reader's whole state. Only `update` changes it; `ui::render` reads it.
pub struct App {
    pub keymap: Keymap,
    pub keys: KeyState,
    pub catalog: Catalog,
    pub view: View,
    /// Row indices (into `catalog.rows`) shown in the list, in order.
    pub visible: Vec<usize>,
    /// Position in `visible`.
    pub selected: usize,
    /// The selected paper's id, so a reload keeps the selection on the same paper.
    pub selected_id: Option<PaperId>,
    /// First visible list position (kept by update so that scrolling is stable).
    pub list_offset: usize,
    pub focus: Focus,
    /// Selected entry in the filter pane's view list.
    pub filter_cursor: usize,
    /// The filter pane's views and how many papers each shows (recounted when data changes,
    /// not on every frame).
    pub view_counts: Vec<(View, usize)>,
    pub query: Query,
    pub detail: Option<Paper>,
    /// The paper whose body was asked for and has not arrived yet.
    pub detail_loading: Option<PaperId>,
    pub detail_scroll: u16,
    pub help_open: bool,
    pub help_scroll: u16,
    pub sync: SyncStatus,
    pub message: Option<String>,
    pub now: DateTime<Utc>,
    /// Terminal size (columns, rows).
    pub size: (u16, u16),
    pub wide_min_columns: u16,
    pub quit: bool,
    /// The order picked with `S`; `None` means the view's own (relevance while words are typed).
    pub sort: Option<SortOrder>,
    /// `[[views]]` from the config, listed in the filter pane after the built-in views.
    pub saved_views: Vec<SavedView>,
    /// The note being typed, if any.
    pub note: Option<NoteEdit>,
    /// Bumped on every star change, so that a For you result for older stars is dropped.
    pub stars_version: u64,
}

impl App {
    pub fn new(
        keymap: Keymap,
        catalog: Catalog,
        now: DateTime<Utc>,
        size: (u16, u16),
        wide_min_columns: u16,
    ) -> App {
        let view = catalog.latest_day().map_or(View::All, View::Day);
        let mut app = App {
            keymap,
            keys: KeyState::default(),
            catalog,
            view,
            visible: Vec::new(),
            selected: 0,
            selected_id: None,
            list_offset: 0,
            focus: Focus::List,
            filter_cursor: 0,
            view_counts: Vec::new(),
            query: Query::default(),
            detail: None,
            detail_loading: None,
            detail_scroll: 0,
            help_open: false,
            help_scroll: 0,
            sync: SyncStatus::default(),
            message: None,
            now,
            size,
            wide_min_columns,
            quit: false,
            sort: None,
            saved_views: Vec::new(),
            note: None,
            stars_version: 0,
        };
        app.recount();
        app.refresh_visible();
        app
    }

    /// Recomputes the filter pane's per-view counts: papers in built-in views, unread papers in
    /// For you and saved views.
    fn recount(&mut self) {
        let today = self.today();
        let mut views = View::builtins(&self.catalog);
        let after_builtins = views
            .iter()
            .position(|v| *v == View::ForYou)
            .map_or(views.len(), |i| i + 1);
        for (i, saved) in self.saved_views.iter().enumerate() {
            views.insert(after_builtins + i, View::Saved(Box::new(saved.clone())));
        }
        let catalog = &self.catalog;
        self.view_counts = views
            .into_iter()
            .map(|view| {
                let rows = view.rows_at(catalog, today);
                let count = match view {
                    View::ForYou | View::Saved(_) => rows
                        .iter()
                        .filter(|&&r| !catalog.is_read(&catalog.rows[r].id))
                        .count(),
                    _ => rows.len(),
                };
                (view, count)
            })
            .collect();
    }

    /// Sets the `[[views]]` of the config and recounts.
    pub fn set_saved_views(&mut self, views: Vec<SavedView>) {
        self.saved_views = views;
        self.recount();
    }

    /// The order the list is in: the one picked with `S`, else the view's, else relevance while
    /// the query has words; `None` is the view's own order.
    pub fn sort_order(&self) -> Option<SortOrder> {
        self.sort.or_else(|| self.view.default_sort()).or_else(|| {
            let words = self.query.parsed.has_text()
                || self.view.query().is_some_and(crate::query::Query::has_text);
            words.then_some(SortOrder::Relevance)
        })
    }

    /// Lowercased words to highlight: those of the typed query and of a saved view's query.
    pub fn highlight_words(&self) -> Vec<String> {
        let mut words: Vec<String> = self
            .query
            .parsed
            .highlight_terms()
            .into_iter()
            .chain(
                self.view
                    .query()
                    .map(|q| q.highlight_terms())
                    .unwrap_or_default(),
            )
            .flat_map(|(_, tokens)| tokens)
            .collect();
        words.sort();
        words.dedup();
        words
    }

    /// Asks for For you scores for the current stars and catalog.
    fn rank_for_you(&mut self) -> Effect {
        self.stars_version += 1;
        Effect::RankForYou(ForYouJob {
            index: self.catalog.text.clone(),
            starred: self.catalog.starred_rows(),
            version: self.stars_version,
        })
    }

    /// The effects the reader runs right after the first frame.
    pub fn startup_effects(&self) -> Vec<Effect> {
        let mut effects = vec![Effect::LoadCatalog, Effect::Sync(SyncCommand::SyncAll)];
        effects.extend(self.selected_id.clone().map(Effect::LoadPaper));
        effects
    }

    pub fn layout(&self) -> Layout {
        Layout::compute(self.size.0, self.size.1, self.wide_min_columns, self.focus)
    }

    /// The key context of the focused pane (or the help overlay).
    pub fn context(&self) -> Context {
        if self.help_open {
            return Context::Help;
        }
        match self.focus {
            Focus::List => Context::List,
            Focus::Detail => Context::Detail,
            Focus::Filter => Context::Filter,
        }
    }

    pub fn selected_row(&self) -> Option<&crate::model::ListRow> {
        self.visible
            .get(self.selected)
            .and_then(|&i| self.catalog.rows.get(i))
    }

    pub fn today(&self) -> chrono::NaiveDate {
        self.now.date_naive()
    }

    /// The view list of the filter pane.
    pub fn views(&self) -> Vec<View> {
        self.view_counts
            .iter()
            .map(|(view, _)| view.clone())
            .collect()
    }

    /// Recomputes `visible` from the view, the query and the sort, keeping the selection on
    /// the same paper when it is still shown. A query that does not parse keeps the last one
    /// that did.
    fn refresh_visible(&mut self) {
        match crate::query::parse(&self.query.text) {
            Ok(parsed) => {
                self.query.parsed = parsed;
                self.query.error = None;
            }
            Err(error) => self.query.error = Some(error),
        }
        let today = self.today();
        let corpus = self.catalog.corpus(today);
        let matched = self.query.parsed.matching(&corpus);
        // The All view with a query is the matched set itself: no list of every row to build
        // and filter (1M entries at 1M papers, on every keystroke).
        let mut rows = match &matched {
            Some(matched) if self.view == View::All => matched.iter().collect(),
            Some(matched) => {
                let mut rows = self.view.rows_at(&self.catalog, today);
                rows.retain(|&row| matched.contains(row));
                rows
            }
            None => self.view.rows_at(&self.catalog, today),
        };
        let catalog = &self.catalog;
        match self.sort_order() {
            None => {}
            Some(SortOrder::Newest) => rows.sort_unstable(),
            Some(SortOrder::Upvotes) => {
                order::sort_desc_by_key(&mut rows, |r| {
                    catalog.rows.get(r).and_then(|row| row.upvotes).unwrap_or(0)
                });
            }
            Some(SortOrder::Relevance) => {
                let within = match matched {
                    Some(matched) if self.view == View::All => matched,
                    _ => RowSet::from_rows(catalog.rows.len(), &rows),
                };
                let mut scores = self.query.parsed.relevance(&corpus, &within);
                if let Some(view_query) = self.view.query() {
                    for (score, more) in scores
                        .iter_mut()
                        .zip(view_query.relevance(&corpus, &within))
                    {
                        *score += more;
                    }
                }
                order::sort_desc_by_key(&mut rows, |r| {
                    order::score_key(scores.get(r).copied().unwrap_or(0.0))
                });
            }
            Some(SortOrder::ForYou) => {
                order::sort_desc_by_key(&mut rows, |r| order::score_key(catalog.for_you_score(r)));
            }
        }
        self.visible = rows;
        let keep = self
            .selected_id
            .as_ref()
            .and_then(|id| self.catalog.index.get(id))
            .and_then(|row| self.visible.iter().position(|v| v == row));
        self.selected =
            keep.unwrap_or_else(|| self.selected.min(self.visible.len().saturating_sub(1)));
        self.sync_selection();
    }

    /// After `selected` moved: remember the id and keep it on screen.
    fn sync_selection(&mut self) {
        self.selected_id = self.selected_row().map(|r| r.id.clone());
        let height = usize::from(self.layout().list_rows.max(1));
        if self.selected < self.list_offset {
            self.list_offset = self.selected;
        } else if self.selected >= self.list_offset + height {
            self.list_offset = self.selected + 1 - height;
        }
        let max_offset = self.visible.len().saturating_sub(height);
        self.list_offset = self.list_offset.min(max_offset);
    }

    /// Asks for the selected paper's body unless it is shown or on its way.
    fn load_selected(&mut self) -> Vec<Effect> {
        let Some(id) = self.selected_id.clone() else {
            self.detail = None;
            return Vec::new();
        };
        if self.detail.as_ref().is_some_and(|p| p.id == id)
            || self.detail_loading.as_ref() == Some(&id)
        {
            return Vec::new();
        }
        self.detail_scroll = 0;
        self.detail_loading = Some(id.clone());
        vec![Effect::LoadPaper(id)]
    }

    fn move_selection(&mut self, delta: isize) -> Vec<Effect> {
        if self.visible.is_empty() {
            return Vec::new();
        }
        let last = self.visible.len() - 1;
        self.selected = self.selected.saturating_add_signed(delta).min(last);
        self.sync_selection();
        self.load_selected()
    }

    fn select_index(&mut self, index: usize) -> Vec<Effect> {
        if self.visible.is_empty() {
            return Vec::new();
        }
        self.selected = index.min(self.visible.len() - 1);
        self.sync_selection();
        self.load_selected()
    }

    fn set_view(&mut self, view: View) -> Vec<Effect> {
        self.view = view;
        // Each view opens in its own order.
        self.sort = None;
        self.refresh_visible();
        if let Some(position) = self.views().iter().position(|v| *v == self.view) {
            self.filter_cursor = position;
        }
        self.load_selected()
    }

    fn user_state(&self, id: &PaperId) -> UserState {
        self.catalog.state(id).cloned().unwrap_or_default()
    }

    /// Changes a paper's user state in the projection at once and asks the store to keep it.
    fn change_user_state(
        &mut self,
        id: PaperId,
        change: impl FnOnce(&mut UserState),
    ) -> Vec<Effect> {
        let previous = self.user_state(&id);
        let mut state = previous.clone();
        change(&mut state);
        if state == previous {
            return Vec::new();
        }
        let stars_changed = state.is_starred() != previous.is_starred();
        self.catalog.user.insert(id.clone(), state.clone());
        self.recount();
        let mut effects = vec![Effect::SaveUserState {
            id,
            state,
            previous,
        }];
        if stars_changed {
            effects.push(self.rank_for_you());
        }
        effects
    }

    fn page(&self) -> isize {
        isize::try_from(self.layout().list_rows.max(1)).unwrap_or(1)
    }

    fn detail_page(&self) -> u16 {
        self.layout().detail_rows.max(1)
    }
}

/// The one mutator of `App`.
pub fn update(app: &mut App, msg: Msg) -> Vec<Effect> {
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
            Vec::new()
        }
        Msg::Tick(now) => {
            app.now = now;
            Vec::new()
        }
        Msg::Sync(event) => on_sync(app, event),
        Msg::CatalogLoaded(catalog) => {
            let first_load = !app.catalog.complete;
            let was_empty = app.catalog.rows.is_empty();
            // Stars set while the load ran are newer than the snapshot: keep ours.
            let mut catalog = *catalog;
            for (id, state) in &app.catalog.user {
                catalog.user.insert(id.clone(), state.clone());
            }
            app.catalog = catalog;
            if was_empty || (first_load && matches!(app.view, View::All)) {
                app.view = app.catalog.latest_day().map_or(View::All, View::Day);
            }
            app.recount();
            app.refresh_visible();
            let mut effects = app.load_selected();
            effects.push(app.rank_for_you());
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
        Msg::Terminate => {
            app.quit = true;
            vec![Effect::Quit]
        }
    }
}

fn on_key(app: &mut App, key: KeyEvent) -> Vec<Effect> {
    if key.kind == KeyEventKind::Release {
        return Vec::new();
    }
    if app.note.is_some() {
        return on_note_key(app, key);
    }
    if app.query.editing {
        return on_query_key(app, key);
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
        KeyOutcome::Pending | KeyOutcome::Unbound => Vec::new(),
    }
}

/// Keys while the filter query is being typed: text edits it, Enter keeps it, Esc clears it.
fn on_query_key(app: &mut App, key: KeyEvent) -> Vec<Effect> {
    let ctrl = key.modifiers.contains(KeyModifiers::CONTROL);
    match key.code {
        KeyCode::Enter => {
            app.query.editing = false;
            app.focus = Focus::List;
            return app.load_selected();
        }
        KeyCode::Esc => {
            app.query.editing = false;
            app.query.text.clear();
            app.focus = Focus::List;
        }
        KeyCode::Backspace => {
            app.query.text.pop();
        }
        KeyCode::Char('u') if ctrl => app.query.text.clear(),
        KeyCode::Char('w') if ctrl => {
            let trimmed = app.query.text.trim_end().len();
            let cut = app.query.text[..trimmed].rfind(' ').map_or(0, |i| i + 1);
            app.query.text.truncate(cut);
        }
        KeyCode::Char(c) if !ctrl && !c.is_control() => app.query.text.push(c),
        _ => return Vec::new(),
    }
    app.refresh_visible();
    if app.query.editing {
        // A changed query puts the best match on top; select it (Esc, by contrast, returns to
        // the full list and keeps the paper being read).
        app.selected = 0;
        app.list_offset = 0;
        app.sync_selection();
    }
    app.load_selected()
}

/// Keys while a note is typed: text edits it, Enter saves it (empty removes it), Esc cancels.
fn on_note_key(app: &mut App, key: KeyEvent) -> Vec<Effect> {
    let ctrl = key.modifiers.contains(KeyModifiers::CONTROL);
    let Some(edit) = app.note.as_mut() else {
        return Vec::new();
    };
    match key.code {
        KeyCode::Enter => {
            let Some(edit) = app.note.take() else {
                return Vec::new();
            };
            let text = crate::text::sanitize_line(&edit.text);
            let note = (!text.is_empty()).then_some(text);
            let saved = note.is_some();
            let effects = app.change_user_state(edit.id, |s| s.note = note);
            app.message = Some(if saved { "note saved" } else { "note removed" }.to_string());
            // `note:` and free words search notes: the list may change.
            app.refresh_visible();
            return effects;
        }
        KeyCode::Esc => {
            app.note = None;
            app.message = Some("note not changed".to_string());
        }
        KeyCode::Backspace => {
            edit.text.pop();
        }
        KeyCode::Char('u') if ctrl => edit.text.clear(),
        KeyCode::Char('w') if ctrl => {
            let trimmed = edit.text.trim_end().len();
            let cut = edit.text[..trimmed].rfind(' ').map_or(0, |i| i + 1);
            edit.text.truncate(cut);
        }
        KeyCode::Char(c) if !ctrl && !c.is_control() => edit.text.push(c),
        _ => {}
    }
    Vec::new()
}

fn on_action(app: &mut App, action: Action, count: Option<u32>) -> Vec<Effect> {
    let n = isize::try_from(count.unwrap_or(1).max(1)).unwrap_or(1);
    if app.help_open {
        match action {
            Action::ScrollDown | Action::Down => {
                app.help_scroll = app.help_scroll.saturating_add(1)
            }
            Action::ScrollUp | Action::Up => app.help_scroll = app.help_scroll.saturating_sub(1),
            Action::Quit => {
                app.quit = true;
                return vec![Effect::Quit];
            }
            _ => app.help_open = false,
        }
        return Vec::new();
    }
    if app.focus == Focus::Filter {
        let views = app.views();
        match action {
            Action::Down => {
                app.filter_cursor = (app.filter_cursor + 1).min(views.len().saturating_sub(1));
                return Vec::new();
            }
            Action::Up => {
                app.filter_cursor = app.filter_cursor.saturating_sub(1);
                return Vec::new();
            }
            Action::Open => {
                app.focus = Focus::List;
                return match views.get(app.filter_cursor) {
                    Some(view) => app.set_view(view.clone()),
                    None => Vec::new(),
                };
            }
            _ => {}
        }
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
            .saturating_mul(u16::try_from(n).unwrap_or(1));
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
            app.detail_scroll = app
                .detail_scroll
                .saturating_add(u16::try_from(n).unwrap_or(1));
            Vec::new()
        }
        Action::ScrollUp => {
            app.detail_scroll = app
                .detail_scroll
                .saturating_sub(u16::try_from(n).unwrap_or(1));
            Vec::new()
        }
        Action::Open => {
            let Some(id) = app.selected_id.clone() else {
                return Vec::new();
            };
            app.focus = Focus::Detail;
            let mut effects = app.load_selected();
            effects.extend(app.change_user_state(id, |s| s.read = true));
            effects
        }
        Action::Back => {
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
            app.focus = Focus::Filter;
            Vec::new()
        }
        Action::NextMatch | Action::PrevMatch => {
            if app.query.text.is_empty() {
                app.message = Some("no filter: press / to type one".to_string());
                return Vec::new();
            }
            let step = if action == Action::NextMatch { n } else { -n };
            app.move_selection(step)
        }
        Action::PrevDay | Action::NextDay => {
            let days = &app.catalog.days;
            let current = match app.view {
                View::Day(day) => days.iter().position(|d| *d == day),
                _ => None,
            };
            // Days are newest first: the previous day is further down the list.
            let target = match (current, action) {
                (Some(i), Action::PrevDay) => i.saturating_add(usize::try_from(n).unwrap_or(1)),
                (Some(i), _) => i.saturating_sub(usize::try_from(n).unwrap_or(1)),
                (None, _) => 0,
            };
            match days.get(target.min(days.len().saturating_sub(1))) {
                Some(day) => app.set_view(View::Day(*day)),
                None => {
                    app.message = Some("no papers cached yet".to_string());
                    Vec::new()
                }
            }
        }
        Action::ToggleStar => {
            let Some(id) = app.selected_id.clone() else {
                return Vec::new();
            };
            let now = app.now;
            let mut effects = app.change_user_state(id, |s| {
                s.starred_at = if s.starred_at.is_some() {
                    None
                } else {
                    Some(now)
                };
            });
            app.message = Some(
                if app
                    .selected_id
                    .as_ref()
                    .is_some_and(|id| app.catalog.is_starred(id))
                {
                    "starred"
                } else {
                    "unstarred"
                }
                .to_string(),
            );
            if app.view == View::Starred {
                app.refresh_visible();
                // The paper may have left the view: show the one now selected.
                effects.extend(app.load_selected());
            }
            effects
        }
        Action::ToggleRead => {
            let Some(id) = app.selected_id.clone() else {
                return Vec::new();
            };
            let mut effects = app.change_user_state(id, |s| s.read = !s.read);
            if app.view == View::Unread {
                app.refresh_visible();
                // The paper left the view: show the one now selected.
                effects.extend(app.load_selected());
            }
            effects
        }
        Action::OpenAbstract | Action::OpenPdf | Action::YankLink => {
            let Some(row) = app.selected_row() else {
                return Vec::new();
            };
            let links = app
                .detail
                .as_ref()
                .filter(|p| p.id == row.id)
                .map(|p| &p.links);
            let url = match action {
                Action::OpenPdf => links.and_then(|l| l.pdf.clone()),
                _ => links.and_then(|l| l.abs.clone().or_else(|| l.hf.clone())),
            }
            .or_else(|| {
                row.id.is_arxiv().then(|| {
                    let kind = if action == Action::OpenPdf {
                        "pdf"
                    } else {
                        "abs"
                    };
                    format!("https://arxiv.org/{kind}/{}", row.id)
                })
            });
            match url {
                Some(url) if action == Action::YankLink => vec![Effect::Yank(url)],
                Some(url) => vec![Effect::OpenUrl(url)],
                None => {
                    app.message = Some("this paper has no such link".to_string());
                    Vec::new()
                }
            }
        }
        Action::SyncNow => vec![Effect::Sync(SyncCommand::SyncAll)],
        Action::ViewToday => {
            let view = app.catalog.latest_day().map_or(View::All, View::Day);
            app.set_view(view)
        }
        Action::ViewWeek => app.set_view(View::Week),
        Action::ViewAll => app.set_view(View::All),
        Action::ViewStarred => app.set_view(View::Starred),
        Action::ViewUnread => app.set_view(View::Unread),
        Action::ViewForYou => {
            let effects = app.set_view(View::ForYou);
            if app.catalog.starred_rows().is_empty() {
                app.message =
                    Some("For you learns from your stars: press s on papers you like".to_string());
            }
            effects
        }
        Action::CycleSort => {
            let next = app.sort_order().unwrap_or(SortOrder::Newest).next();
            app.sort = Some(next);
            app.message = Some(format!("sorted {}", next.name()));
            if next == SortOrder::Relevance && !app.query.parsed.has_text() {
                app.message =
                    Some("sorted by relevance: type words with / to rank by them".to_string());
            }
            if next == SortOrder::ForYou && app.catalog.starred_rows().is_empty() {
                app.message = Some("sorted for you: star papers (s) to teach it".to_string());
            }
            app.refresh_visible();
            app.load_selected()
        }
        Action::EditNote => {
            let Some(id) = app.selected_id.clone() else {
                return Vec::new();
            };
            let text = app.catalog.note(&id).unwrap_or_default().to_string();
            app.note = Some(NoteEdit { id, text });
            Vec::new()
        }
        Action::ExportList => {
            if app.visible.is_empty() {
                app.message = Some("nothing to export in this list".to_string());
                return Vec::new();
            }
            let papers = app
                .visible
                .iter()
                .filter_map(|&row| app.catalog.rows.get(row))
                .map(|row| (row.id.clone(), row.day))
                .collect();
            let format = ExportFormat::Bibtex;
            let file_name = format!(
                "paperboat-{}.{}",
                app.now.format("%Y%m%d-%H%M%S"),
                format.extension()
            );
            vec![Effect::Export {
                papers,
                format,
                file_name,
            }]
        }
        Action::ViewSource => {
            let sources: Vec<SourceId> = app.catalog.sources.iter().cloned().collect();
            let next = match &app.view {
                View::Source(current) => sources
                    .iter()
                    .position(|s| s == current)
                    .map_or(0, |i| (i + 1) % sources.len()),
                _ => 0,
            };
            match sources.get(next) {
                Some(source) => app.set_view(View::Source(source.clone())),
                None => {
                    app.message = Some("no sources yet".to_string());
                    Vec::new()
                }
            }
        }
        Action::Help => {
            app.help_open = true;
            app.help_scroll = 0;
            Vec::new()
        }
        Action::Quit => {
            app.quit = true;
            vec![Effect::Quit]
        }
    }
}

fn on_sync(app: &mut App, event: SyncEvent) -> Vec<Effect> {
    match event {
        SyncEvent::Started { sources } => {
            app.sync.running = true;
            app.sync.sources = sources
                .into_iter()
                .map(|id| (id, SourceSync::Waiting))
                .collect();
            Vec::new()
        }
        SyncEvent::SourceProgress { id, done, total } => {
            app.sync
                .sources
                .insert(id, SourceSync::Running { done, total });
            Vec::new()
        }
        SyncEvent::SourceUpdated { id, new, changed } => {
            app.sync
                .sources
                .insert(id, SourceSync::Updated { new, changed });
            if new + changed > 0 {
                vec![Effect::LoadCatalog]
            } else {
                Vec::new()
            }
        }
        SyncEvent::SourceFailed { id, error } => {
            app.sync
                .sources
                .insert(id, SourceSync::Failed(crate::text::sanitize_line(&error)));
            // A source can fail after some of its requests stored papers: show those.
            vec![Effect::LoadCatalog]
        }
        SyncEvent::Finished { failed, .. } => {
            app.sync.running = false;
            app.sync.last_finished = Some(app.now);
            app.sync.last_failed = failed;
            Vec::new()
        }
    }
}

#[cfg(test)]
mod tests;
