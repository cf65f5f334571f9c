//! Where the user is and what they have read: each view's own place (selection, scroll, sort,
//! hide-read), following the newest day until the user moves, the reading flow (Space,
//! next/previous unread, hide read, mark all read, undo), `mark_read` modes with the
//! "abstract on screen for a second" timer, `n`/`N` over the last search, and the state the
//! reader remembers between runs. Imports nothing above `app`.

use std::cell::Cell;

use chrono::{DateTime, TimeDelta, Utc};

use super::msg::Effect;
use super::state::{App, Focus};
use super::view::View;
use crate::config::MarkRead;
use crate::model::{PaperId, SourceId};
use crate::query::{Query, SortOrder};
use crate::store::{READER_STATE_VERSION, ReaderState, RememberedView};

/// How long an abstract must be on screen to count as read with `mark_read = "select"`.
pub const SELECT_READ_AFTER: TimeDelta = TimeDelta::seconds(1);

/// A view's place, kept while another view is shown.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Place {
    pub selected_id: Option<PaperId>,
    pub selected: usize,
    pub list_offset: usize,
    /// The order picked with `S` in that view.
    pub sort: Option<SortOrder>,
    pub hide_read: bool,
}

/// The last change of read flags made from the reader, for `u`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReadMark {
    pub ids: Vec<PaperId>,
    /// The value the papers were set to.
    pub read: bool,
}

/// A question waiting for its one-key answer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Confirm {
    /// `X`: these unread papers of the view become read on `y`.
    MarkAllRead(Vec<PaperId>),
}

/// The query last submitted with Enter; `n`/`N` find its matches after the filter is cleared.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LastSearch {
    pub text: String,
    pub query: Query,
}

/// How far the detail's text reaches, as last drawn (only the drawing knows the wrapped
/// length at the pane's width): whether its end is on screen, and the largest useful scroll
/// when the whole text was laid out.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DetailExtent {
    pub id: PaperId,
    pub at_end: bool,
    /// The end of the abstract is on screen: for Space, the end of the paper (the ids and
    /// links after it are reference, not reading).
    pub read_to_end: bool,
    pub max_scroll: Option<u16>,
}

/// `mark_read = "select"`: the paper whose abstract is on screen, since the first tick that saw
/// it (a tick, not the key, starts it: the clock is only read on ticks).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SelectTimer {
    pub id: PaperId,
    pub since: Option<DateTime<Utc>>,
}

/// The navigation and reading state of the reader.
pub struct Navigation {
    /// Places of views not shown now.
    pub places: Vec<(View, Place)>,
    /// Whether read papers are hidden in the current view.
    pub hide_read: bool,
    /// Until the user moves, the reader shows the newest day as syncs bring days.
    pub follow_latest: bool,
    pub mark_read: MarkRead,
    pub select_timer: Option<SelectTimer>,
    pub last_mark: Option<ReadMark>,
    pub last_search: Option<LastSearch>,
    pub confirm: Option<Confirm>,
    /// Written by the drawing of the detail pane, read by Space and `G`.
    pub detail_extent: Cell<Option<DetailExtent>>,
    /// A remembered selection to restore once the paper is in the view.
    pub restore_selection: Option<PaperId>,
    /// The reader state last handed out to be remembered (`None`: nothing yet).
    pub remembered: Option<ReaderState>,
}

impl Default for Navigation {
    fn default() -> Self {
        Navigation {
            places: Vec::new(),
            hide_read: false,
            follow_latest: true,
            mark_read: MarkRead::Open,
            select_timer: None,
            last_mark: None,
            last_search: None,
            confirm: None,
            detail_extent: Cell::new(None),
            restore_selection: None,
            remembered: None,
        }
    }
}

impl Navigation {
    /// Called by the detail pane's drawing: `lines` laid out of the `needed` asked for
    /// (scroll + height; a cut text returns one more), `height` rows shown, and the line the
    /// abstract ends on (`None` while it is not all laid out).
    pub fn note_detail_extent(
        &self,
        id: &PaperId,
        lines: usize,
        needed: usize,
        height: u16,
        abstract_end: Option<usize>,
    ) {
        let whole = lines <= needed;
        let max_scroll = whole
            .then(|| u16::try_from(lines.saturating_sub(usize::from(height))).unwrap_or(u16::MAX));
        self.detail_extent.set(Some(DetailExtent {
            id: id.clone(),
            at_end: whole,
            read_to_end: whole || abstract_end.is_some_and(|end| end <= needed),
            max_scroll,
        }));
    }

    fn extent_for(&self, id: &PaperId) -> Option<DetailExtent> {
        let extent = self.detail_extent.take();
        self.detail_extent.set(extent.clone());
        extent.filter(|e| e.id == *id)
    }
}

/// The config name of a sort (`[[views]] sort`), which the remembered state stores.
fn sort_name(sort: SortOrder) -> &'static str {
    match sort {
        SortOrder::Newest => "newest",
        SortOrder::Upvotes => "upvotes",
        SortOrder::Relevance => "relevance",
        SortOrder::ForYou => "for_you",
    }
}

fn sort_from_name(name: &str) -> Option<SortOrder> {
    SortOrder::ALL.into_iter().find(|s| sort_name(*s) == name)
}

impl App {
    /// Keeps the current view's place for when the user comes back to it.
    pub(super) fn save_place(&mut self) {
        let place = Place {
            selected_id: self.selected_id.clone(),
            selected: self.selected,
            list_offset: self.list_offset,
            sort: self.sort,
            hide_read: self.nav.hide_read,
        };
        let view = self.view.clone();
        self.nav.places.retain(|(v, _)| *v != view);
        self.nav.places.push((view, place));
    }

    /// Takes up the current view's kept place; a view shown for the first time starts on its
    /// first row, in its own order.
    pub(super) fn restore_place(&mut self) {
        let view = self.view.clone();
        let place = self
            .nav
            .places
            .iter()
            .position(|(v, _)| *v == view)
            .map(|i| self.nav.places.swap_remove(i).1)
            .unwrap_or_default();
        self.selected_id = place.selected_id;
        self.selected = place.selected;
        self.list_offset = place.list_offset;
        self.sort = place.sort;
        self.nav.hide_read = place.hide_read;
    }

    /// The latest day's view (All while nothing is cached).
    pub(super) fn latest_view(&self) -> View {
        self.catalog.latest_day().map_or(View::All, View::Day)
    }

    /// After a catalog load: while the user has not moved, show the newest day.
    pub(super) fn follow_latest_day(&mut self) {
        if !self.nav.follow_latest {
            return;
        }
        let latest = self.latest_view();
        if self.view != latest {
            self.view = latest;
            self.restore_place();
        }
    }

    /// Marks the selected paper read as opened, when `mark_read = "open"`.
    pub(super) fn mark_opened(&mut self) -> Vec<Effect> {
        if self.nav.mark_read != MarkRead::Open {
            return Vec::new();
        }
        match self.selected_id.clone() {
            Some(id) => self.set_read(id, true),
            None => Vec::new(),
        }
    }

    /// Sets one paper's read flag (remembered for `u`).
    pub(super) fn set_read(&mut self, id: PaperId, read: bool) -> Vec<Effect> {
        let effects = self.change_user_state(id.clone(), |s| s.read = read);
        if !effects.is_empty() {
            self.nav.last_mark = Some(ReadMark {
                ids: vec![id],
                read,
            });
        }
        effects
    }

    /// Sets many papers' read flags at once: one batched store write.
    fn set_read_many(&mut self, ids: Vec<PaperId>, read: bool) -> Vec<Effect> {
        let ids: Vec<PaperId> = ids
            .into_iter()
            .filter(|id| self.catalog.is_read(id) != read)
            .collect();
        if ids.is_empty() {
            return Vec::new();
        }
        for id in &ids {
            let mut state = self.user_state(id);
            state.read = read;
            if state.is_empty() {
                self.catalog.user.remove(id);
            } else {
                self.catalog.user.insert(id.clone(), state);
            }
        }
        self.recount();
        self.nav.last_mark = Some(ReadMark {
            ids: ids.clone(),
            read,
        });
        vec![Effect::SaveReadMany {
            ids,
            read,
            at: self.now,
        }]
    }

    /// The next (`step > 0`) or previous unread paper in the view, `step.abs()` of them on.
    pub(super) fn move_to_unread(&mut self, step: isize) -> Vec<Effect> {
        let catalog = &self.catalog;
        let unread = |position: &usize| {
            self.visible
                .get(*position)
                .and_then(|&row| catalog.rows.get(row))
                .is_some_and(|row| !catalog.is_read(&row.id))
        };
        let wanted = step.unsigned_abs().max(1);
        let target = if step > 0 {
            (self.selected + 1..self.visible.len())
                .filter(unread)
                .take(wanted)
                .last()
        } else {
            (0..self.selected).rev().filter(unread).take(wanted).last()
        };
        match target {
            Some(position) => self.select_index(position),
            None => {
                self.message = Some(
                    if step > 0 {
                        "no unread paper below in this view"
                    } else {
                        "no unread paper above in this view"
                    }
                    .to_string(),
                );
                Vec::new()
            }
        }
    }

    /// Space: opens the paper and pages its text; once the end of its abstract is on screen,
    /// marks it read (unless `mark_read = "manual"`) and moves to the next unread paper.
    pub(super) fn read_on(&mut self) -> Vec<Effect> {
        let Some(id) = self.selected_id.clone() else {
            return Vec::new();
        };
        if self.focus != Focus::Detail {
            self.focus = Focus::Detail;
            return self.load_selected();
        }
        let at_end = self.nav.extent_for(&id).is_some_and(|e| e.read_to_end);
        if !at_end {
            let page = self.detail_page().saturating_sub(1).max(1);
            self.detail_scroll = self.detail_scroll.saturating_add(page);
            return Vec::new();
        }
        let mut effects = if self.nav.mark_read == MarkRead::Manual {
            Vec::new()
        } else {
            self.set_read(id, true)
        };
        effects.extend(self.move_to_unread(1));
        effects
    }

    /// `H`: hides or shows read papers in this view; the selected paper stays until left.
    pub(super) fn toggle_hide_read(&mut self) -> Vec<Effect> {
        self.nav.hide_read = !self.nav.hide_read;
        self.message = Some(
            if self.nav.hide_read {
                "read papers hidden in this view (H shows them)"
            } else {
                "read papers shown"
            }
            .to_string(),
        );
        self.refresh_visible();
        self.load_selected()
    }

    /// `X`: asks before marking every unread paper of the view read.
    pub(super) fn ask_mark_all_read(&mut self) -> Vec<Effect> {
        let catalog = &self.catalog;
        let ids: Vec<PaperId> = self
            .visible
            .iter()
            .filter_map(|&row| catalog.rows.get(row))
            .filter(|row| !catalog.is_read(&row.id))
            .map(|row| row.id.clone())
            .collect();
        if ids.is_empty() {
            self.message = Some("every paper in this view is read".to_string());
            return Vec::new();
        }
        let n = ids.len();
        self.message = Some(format!(
            "mark {n} paper{} in {} read? y: yes, any other key: no",
            if n == 1 { "" } else { "s" },
            self.view.name(self.today())
        ));
        self.nav.confirm = Some(Confirm::MarkAllRead(ids));
        Vec::new()
    }

    /// The one-key answer to a pending question; the key is used up either way.
    pub(super) fn answer(&mut self, confirm: Confirm, yes: bool) -> Vec<Effect> {
        match confirm {
            Confirm::MarkAllRead(ids) if yes => {
                let n = ids.len();
                let effects = self.set_read_many(ids, true);
                self.message = Some(format!(
                    "marked {n} paper{} read (u undoes)",
                    if n == 1 { "" } else { "s" }
                ));
                self.refresh_visible();
                let mut effects = effects;
                effects.extend(self.load_selected());
                effects
            }
            Confirm::MarkAllRead(_) => {
                self.message = Some("nothing marked".to_string());
                Vec::new()
            }
        }
    }

    /// `u`: undoes the last read mark.
    pub(super) fn undo_mark(&mut self) -> Vec<Effect> {
        let Some(mark) = self.nav.last_mark.take() else {
            self.message = Some("no read mark to undo".to_string());
            return Vec::new();
        };
        let n = mark.ids.len();
        let effects = self.set_read_many(mark.ids, !mark.read);
        // Undoing is not itself undone by the next `u`.
        self.nav.last_mark = None;
        self.message = Some(format!(
            "undone: {n} paper{} marked {}",
            if n == 1 { "" } else { "s" },
            if mark.read { "unread" } else { "read" }
        ));
        if self.view == View::Unread || self.nav.hide_read {
            self.refresh_visible();
        }
        effects
    }

    /// `n`/`N`: the next (previous) paper matching the last search, without narrowing the
    /// list; while a filter narrows it, every row matches and they step through it.
    pub(super) fn jump_to_match(&mut self, forward: bool, count: isize) -> Vec<Effect> {
        if !self.query.text.is_empty() {
            return self.move_selection(if forward { count } else { -count });
        }
        let Some(search) = &self.nav.last_search else {
            self.message = Some("no search yet: press / to type one".to_string());
            return Vec::new();
        };
        let corpus = self.catalog.corpus(self.today());
        let matched = search.query.matching(&corpus);
        let is_match = |position: usize| {
            self.visible
                .get(position)
                .is_some_and(|&row| matched.as_ref().is_none_or(|set| set.contains(row)))
        };
        let len = self.visible.len();
        if len == 0 {
            return Vec::new();
        }
        let mut at = self.selected;
        let mut found = None;
        let mut wrapped = false;
        for _ in 0..count.max(1) {
            let mut hit = None;
            for step in 1..=len {
                let position = if forward {
                    (at + step) % len
                } else {
                    (at + len - step % len) % len
                };
                if is_match(position) {
                    if (forward && position <= at) || (!forward && position >= at) {
                        wrapped = true;
                    }
                    hit = Some(position);
                    break;
                }
            }
            match hit {
                Some(position) => {
                    at = position;
                    found = Some(position);
                }
                None => break,
            }
        }
        let text = search.text.clone();
        match found {
            Some(position) => {
                let effects = self.select_index(position);
                if wrapped {
                    self.message = Some(format!(
                        "/{text}: search wrapped to the {}",
                        if forward { "top" } else { "bottom" }
                    ));
                }
                effects
            }
            None => {
                self.message = Some(format!("/{text}: no match in this view"));
                Vec::new()
            }
        }
    }

    /// Whether the selected paper's abstract is on screen now.
    fn abstract_on_screen(&self) -> Option<PaperId> {
        let id = self.selected_id.clone()?;
        let shown = self.layout().detail.is_some()
            && self.detail.as_ref().is_some_and(|paper| paper.id == id);
        shown.then_some(id)
    }

    /// `mark_read = "select"`: (re)starts the timer for the paper on screen, after any message.
    pub(super) fn arm_select_timer(&mut self) {
        if self.nav.mark_read != MarkRead::Select {
            self.nav.select_timer = None;
            return;
        }
        let shown = self
            .abstract_on_screen()
            .filter(|id| !self.catalog.is_read(id));
        match (shown, &self.nav.select_timer) {
            (Some(id), Some(timer)) if timer.id == id => {}
            (Some(id), _) => self.nav.select_timer = Some(SelectTimer { id, since: None }),
            (None, _) => self.nav.select_timer = None,
        }
    }

    /// A tick: the paper on screen a second or more is read.
    pub(super) fn tick_select_timer(&mut self, now: DateTime<Utc>) -> Vec<Effect> {
        let Some(timer) = self.nav.select_timer.as_mut() else {
            return Vec::new();
        };
        match timer.since {
            None => {
                timer.since = Some(now);
                Vec::new()
            }
            Some(since) if now - since >= SELECT_READ_AFTER => {
                let id = timer.id.clone();
                self.nav.select_timer = None;
                self.set_read(id, true)
            }
            Some(_) => Vec::new(),
        }
    }

    /// Whether the reader should tick often (a select timer runs).
    pub fn wants_tick(&self) -> bool {
        self.nav.select_timer.is_some()
    }

    /// `g g` in the detail: the top of the text.
    pub(super) fn text_top(&mut self) -> Vec<Effect> {
        self.detail_scroll = 0;
        Vec::new()
    }

    /// `G` in the detail: the bottom of the text (the drawing clamps it; the next scroll key
    /// starts from the real bottom once it has been drawn).
    pub(super) fn text_bottom(&mut self) -> Vec<Effect> {
        self.detail_scroll = u16::MAX / 2;
        Vec::new()
    }

    /// Before scrolling the detail: a scroll past the end, as `G` leaves it, is brought back
    /// to the real bottom once a drawing has measured it.
    pub(super) fn clamp_detail_scroll(&mut self) {
        let Some(id) = self.selected_id.clone() else {
            return;
        };
        if let Some(max) = self.nav.extent_for(&id).and_then(|e| e.max_scroll) {
            self.detail_scroll = self.detail_scroll.min(max);
        }
    }

    /// Remembers the submitted query for `n`/`N`.
    pub(super) fn remember_search(&mut self) {
        if self.query.text.trim().is_empty() || self.query.error.is_some() {
            return;
        }
        self.nav.last_search = Some(LastSearch {
            text: self.query.text.clone(),
            query: self.query.parsed.clone(),
        });
    }

    /// What the reader remembers for the next start.
    pub fn remembered(&self) -> ReaderState {
        let view = match &self.view {
            View::Day(day) if Some(*day) == self.catalog.latest_day() => RememberedView::LatestDay,
            View::Day(day) => RememberedView::Day(*day),
            View::Week => RememberedView::Week,
            View::All => RememberedView::All,
            View::Starred => RememberedView::Starred,
            View::Unread => RememberedView::Unread,
            View::ForYou => RememberedView::ForYou,
            View::Saved(saved) => RememberedView::Saved(saved.name.clone()),
            View::Source(id) => RememberedView::Source(id.as_str().to_string()),
            View::Hf(view) => RememberedView::Hf(view.remembered_name().to_string()),
        };
        ReaderState {
            version: READER_STATE_VERSION,
            view,
            sort: self.sort.map(|s| sort_name(s).to_string()),
            hide_read: self.nav.hide_read,
            // A remembered selection still waiting for its paper to load is still the one.
            selected: self
                .nav
                .restore_selection
                .as_ref()
                .or(self.selected_id.as_ref())
                .map(|id| id.as_str().to_string()),
        }
    }

    /// The state to remember when it differs from the last one handed out (not after quit:
    /// quitting saves it at once).
    pub(super) fn remember_if_changed(&mut self) -> Option<Effect> {
        if self.quit {
            return None;
        }
        let state = self.remembered();
        if self.nav.remembered.as_ref() == Some(&state) {
            return None;
        }
        self.nav.remembered = Some(state.clone());
        Some(Effect::RememberReaderState(state))
    }

    /// Opens on the remembered view, sort and hide-read toggle; the selection comes back only
    /// if the paper is still in the view (now, or once the whole catalog has loaded). Set the
    /// saved views first: a saved view no longer in the config falls back to the latest day.
    pub fn restore(&mut self, state: &ReaderState) {
        let view = match &state.view {
            RememberedView::LatestDay => None,
            RememberedView::Day(day) => Some(View::Day(*day)),
            RememberedView::Week => Some(View::Week),
            RememberedView::All => Some(View::All),
            RememberedView::Starred => Some(View::Starred),
            RememberedView::Unread => Some(View::Unread),
            RememberedView::ForYou => Some(View::ForYou),
            RememberedView::Saved(name) => self
                .saved_views
                .iter()
                .find(|saved| saved.name == *name)
                .map(|saved| View::Saved(Box::new(saved.clone()))),
            RememberedView::Source(id) => Some(View::Source(SourceId::from_stored(id.clone()))),
            RememberedView::Hf(name) => {
                super::hf_views::HfView::from_remembered(name).map(View::Hf)
            }
        };
        self.nav.follow_latest = view.is_none();
        self.view = view.unwrap_or_else(|| self.latest_view());
        self.sort = state.sort.as_deref().and_then(sort_from_name);
        self.nav.hide_read = state.hide_read;
        self.selected = 0;
        self.list_offset = 0;
        self.selected_id = None;
        self.nav.restore_selection = state
            .selected
            .as_ref()
            .map(|id| PaperId::from_stored(id.clone()));
        self.refresh_visible();
        self.apply_restored_selection();
        // What was just read back need not be written again.
        self.nav.remembered = Some(self.remembered());
    }

    /// Selects the remembered paper once it is in the view; forgotten once the whole catalog
    /// is loaded, or once the user moves.
    pub(super) fn apply_restored_selection(&mut self) {
        let Some(id) = self.nav.restore_selection.clone() else {
            return;
        };
        let found = self
            .catalog
            .index
            .get(&id)
            .and_then(|row| self.visible.iter().position(|&v| v == row));
        if let Some(position) = found {
            self.nav.restore_selection = None;
            self.selected = position;
            self.sync_selection();
        } else if self.catalog.complete {
            self.nav.restore_selection = None;
        }
    }
}
