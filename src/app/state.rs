//! The reader's whole state (`App`) and its projections: the visible rows for the view, query
//! and sort, the selection kept on the same paper, the filter pane's counts, the pane geometry.
//! Changed only through `update`; imports nothing above `app`.

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};

use super::catalog::Catalog;
use super::layout::{Layout, LayoutPrefs};
use super::msg::{Effect, ForYouJob};
use super::order;
use super::view::{SavedView, View};
use crate::action::Context;
use crate::keymap::{KeyState, Keymap};
use crate::model::{Paper, PaperId, SourceId, UserState};
use crate::query::{QueryError, RowSet, SortOrder};
use crate::sync::SyncCommand;

/// How long a message too long for one status line is shown whole on two.
pub const MESSAGE_WRAP_SECONDS: i64 = 6;

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
    Running {
        done: usize,
        total: usize,
    },
    /// Synced; `note` says what the source skipped, if anything (not a failure).
    Updated {
        new: usize,
        changed: usize,
        note: Option<String>,
    },
    Failed(String),
}

/// What the status bar says about syncing.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SyncStatus {
    pub running: bool,
    /// Every source's part in the last round that covered it: a round over some sources
    /// leaves the others' last results (a failure stays shown until that source succeeds).
    pub sources: BTreeMap<SourceId, SourceSync>,
    /// The sources of the round running now (or the last one).
    pub in_round: std::collections::BTreeSet<SourceId>,
    pub last_finished: Option<DateTime<Utc>>,
    pub last_failed: usize,
}

/// The one-line note editor's state (`a`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NoteEdit {
    pub id: PaperId,
    pub text: String,
    /// Byte offset of the cursor in `text` (see `line_edit`).
    pub cursor: usize,
}

/// One entry of the link menu (`o`, `y`): its key, what it is, and the link (`None` is the
/// paper's BibTeX entry, offered for copying).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LinkChoice {
    pub key: char,
    pub label: &'static str,
    pub url: Option<String>,
}

/// The one-key menu of a paper's links: `o` opens the chosen one, `y` copies it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LinkMenu {
    pub copy: bool,
    pub id: PaperId,
    pub day: chrono::NaiveDate,
    pub choices: Vec<LinkChoice>,
}

/// Typing state of the filter query.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Query {
    pub text: String,
    /// Byte offset of the cursor in `text` while editing (see `line_edit`).
    pub cursor: usize,
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
    /// When `message` last changed: a long one wraps onto a second status line for a while.
    pub message_at: Option<DateTime<Utc>>,
    pub now: DateTime<Utc>,
    /// Terminal size (columns, rows).
    pub size: (u16, u16),
    pub wide_min_columns: u16,
    /// The layout the user chose: filter pane, list width, the `\` and `z` toggles.
    pub layout_prefs: LayoutPrefs,
    pub quit: bool,
    /// An `E` export runs in the background: `Esc` cancels it first (issue #15).
    pub exporting: bool,
    /// The order picked with `S`; `None` means the view's own (relevance while words are typed).
    pub sort: Option<SortOrder>,
    /// `[[views]]` from the config, listed in the filter pane after the built-in views.
    pub saved_views: Vec<SavedView>,
    /// The note being typed, if any.
    pub note: Option<NoteEdit>,
    /// The link menu on screen, if any.
    pub link_menu: Option<LinkMenu>,
    /// Bumped on every star change, so that a For you result for older stars is dropped.
    pub stars_version: u64,
    /// Each view's place, the reading flow and what the reader remembers (`nav.rs`).
    pub nav: super::nav::Navigation,
    /// `[[views]]` notifications (`notify.rs`).
    pub notifier: super::notify::Notifier,
    /// The shown paper's PDF and linked repos (`extras.rs`).
    pub extras: Option<super::extras::PaperExtras>,
    /// HF list fetches and the `?` search under way (`hf_views.rs`).
    pub hf: super::hf_views::HfState,
    /// The full-text reader (`f`, `fulltext.rs`).
    pub fulltext: super::fulltext::FullTextReader,
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
            extras: None,
            detail_scroll: 0,
            help_open: false,
            help_scroll: 0,
            sync: SyncStatus::default(),
            message: None,
            message_at: None,
            now,
            size,
            wide_min_columns,
            layout_prefs: LayoutPrefs {
                wide_min_columns,
                ..LayoutPrefs::default()
            },
            quit: false,
            exporting: false,
            sort: None,
            saved_views: Vec::new(),
            note: None,
            link_menu: None,
            stars_version: 0,
            nav: super::nav::Navigation::default(),
            notifier: super::notify::Notifier::default(),
            hf: super::hf_views::HfState::default(),
            fulltext: super::fulltext::FullTextReader::default(),
        };
        app.recount();
        app.refresh_visible();
        // Written from the first change on (the defaults need no writing).
        app.nav.remembered = Some(app.remembered());
        app
    }

    /// Recomputes the filter pane's per-view counts: papers in built-in views, unread papers in
    /// For you and saved views.
    pub(super) fn recount(&mut self) {
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
        // Without listing each view's rows (issue #15): see `Catalog::view_count`.
        self.view_counts = views
            .into_iter()
            .map(|view| {
                let count = catalog.view_count(&view, today);
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
    pub(super) fn rank_for_you(&mut self) -> Effect {
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
        // Restored on an HF list's view: fetch and watch it as opening it does.
        if let View::Hf(view) = self.view
            && let Some(list) = view.list(self.today())
        {
            effects.push(Effect::Sync(SyncCommand::FetchList(list.clone())));
            effects.push(Effect::Sync(SyncCommand::WatchList(Some(list))));
        }
        effects
    }

    pub fn layout(&self) -> Layout {
        let prefs = LayoutPrefs {
            wide_min_columns: self.wide_min_columns,
            status_rows: if self.status_wraps() { 2 } else { 1 },
            ..self.layout_prefs
        };
        Layout::with_prefs(self.size.0, self.size.1, &prefs, self.focus)
    }

    /// Whether the status bar takes two rows: a message too long for one line, for
    /// `MESSAGE_WRAP_SECONDS` after it appeared.
    pub fn status_wraps(&self) -> bool {
        let Some(message) = &self.message else {
            return false;
        };
        let fresh = self
            .message_at
            .is_none_or(|at| (self.now - at).num_seconds() < MESSAGE_WRAP_SECONDS);
        // The mode label, the sync state and "? help" take about 40 columns.
        let room = usize::from(self.size.0).saturating_sub(40);
        fresh && unicode_width::UnicodeWidthStr::width(message.as_str()) > room
    }

    /// The key context of the focused pane (or the help overlay).
    pub fn context(&self) -> Context {
        if self.help_open {
            return Context::Help;
        }
        if self.fulltext.open.is_some() {
            return Context::Fulltext;
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
    pub(super) fn refresh_visible(&mut self) {
        // `?words` is a search for HF, sent on Enter: it does not filter the list meanwhile.
        let text = match self.query.text.trim_start().starts_with('?') {
            true => "",
            false => self.query.text.as_str(),
        };
        match crate::query::parse(text) {
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
        if self.nav.hide_read {
            // The paper being read stays until the user moves off it.
            let selected = self.selected_id.as_ref();
            rows.retain(|&row| {
                catalog
                    .rows
                    .get(row)
                    .is_some_and(|r| !catalog.is_read(&r.id) || Some(&r.id) == selected)
            });
        }
        match self.sort_order() {
            None => {}
            Some(SortOrder::Newest) => rows.sort_unstable(),
            Some(SortOrder::Upvotes) => {
                order::sort_desc_by_key(&mut rows, |r| {
                    catalog
                        .rows
                        .get(r)
                        .and_then(|row| row.upvotes())
                        .unwrap_or(0)
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
            .and_then(|row| self.visible.iter().position(|&v| v == row));
        self.selected =
            keep.unwrap_or_else(|| self.selected.min(self.visible.len().saturating_sub(1)));
        self.sync_selection();
    }

    /// After `selected` moved: remember the id and keep it on screen.
    pub(super) fn sync_selection(&mut self) {
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
    pub(super) fn load_selected(&mut self) -> Vec<Effect> {
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

    pub(super) fn move_selection(&mut self, delta: isize) -> Vec<Effect> {
        if self.visible.is_empty() {
            return Vec::new();
        }
        let last = self.visible.len() - 1;
        self.selected = self.selected.saturating_add_signed(delta).min(last);
        self.sync_selection();
        self.after_move();
        self.load_selected()
    }

    /// With read papers hidden, the read paper just left goes.
    fn after_move(&mut self) {
        if self.nav.hide_read {
            self.refresh_visible();
        }
    }

    pub(super) fn select_index(&mut self, index: usize) -> Vec<Effect> {
        if self.visible.is_empty() {
            return Vec::new();
        }
        self.selected = index.min(self.visible.len() - 1);
        self.sync_selection();
        self.after_move();
        self.load_selected()
    }

    /// Shows `view` where the user left it (its selection, scroll, sort and hide-read), or on
    /// its first row in its own order the first time.
    pub(super) fn set_view(&mut self, view: View) -> Vec<Effect> {
        self.save_place();
        let old = std::mem::replace(&mut self.view, view);
        self.restore_place();
        self.refresh_visible();
        if let Some(position) = self.views().iter().position(|v| *v == self.view) {
            self.filter_cursor = position;
        }
        let new = self.view.clone();
        let mut effects = self.hf_view_effects(&old, &new);
        effects.extend(self.load_selected());
        effects
    }

    pub(super) fn user_state(&self, id: &PaperId) -> UserState {
        self.catalog.state(id).cloned().unwrap_or_default()
    }

    /// Changes a paper's user state in the projection at once and asks the store to keep it.
    pub(super) fn change_user_state(
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

    pub(super) fn page(&self) -> isize {
        isize::try_from(self.layout().list_rows.max(1)).unwrap_or(1)
    }

    pub(super) fn detail_page(&self) -> u16 {
        self.layout().detail_rows.max(1)
    }
}
