//! The full-text reader (`f`): a paper's whole text laid out for the pane, with its own key
//! context (`[keys.fulltext]`): scrolling, `{`/`}` between sections, `t` a table of contents,
//! `/` a search inside the text with `n`/`N` between hits, `Esc`/`h` back. Each paper's scroll
//! position is kept in memory for the session (not stored).
//!
//! State and its `update` logic only; the fetch runs in the reader (`Effect::LoadFullText`) and
//! the text arrives parsed with its first screens laid out (`Msg::FullTextLoaded`), the whole
//! layout following (`Msg::FullTextLaidOut`). A new pane width is laid out in the background
//! too (`Effect::LayOutFullText`): the old layout stays on screen until the new one arrives,
//! and the place read (a top-level block, `doc::Anchor`) is kept across widths. Imports
//! nothing above `app`.

use std::collections::HashMap;
use std::sync::Arc;

use crossterm::event::KeyEvent;
use ratatui::layout::Rect;

use super::layout::{Layout, LayoutPrefs};
use super::line_edit::{LineKey, edit_line};
use super::msg::Effect;
use super::state::{App, Focus};
use crate::action::Action;
use crate::model::PaperId;
use crate::source::fulltext::FullTextFormat;
use crate::store::StoredFullText;
use crate::text::doc::{self, Anchor, Doc, IncrementalLayout, Rendered};

/// A full text parsed (off the UI thread) and laid out, whole or in part, for one width.
#[derive(Debug, Clone)]
pub struct LoadedFullText {
    pub format: FullTextFormat,
    pub url: String,
    /// Kept to lay the text out again when the pane's width changes.
    pub doc: Arc<Doc>,
    /// The layout shown: whole, or its first lines while the rest is laid out.
    pub rendered: Rendered,
    /// Whether `rendered` is the whole layout.
    pub complete: bool,
    /// Whether it came from the network just now (else from the cache).
    pub fetched: bool,
}

/// What the first frame needs laid out: `lines` lines at `width` columns from the top, or
/// from the `anchor`'s block when a place is to be restored.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FirstLines {
    pub width: u16,
    pub lines: usize,
    pub anchor: Option<Anchor>,
}

impl LoadedFullText {
    /// Parses `text` and lays it all out for `width` columns (slow for a large paper: call it
    /// off the UI thread).
    pub fn new(text: &StoredFullText, width: u16, fetched: bool) -> LoadedFullText {
        let doc = Arc::new(document(text));
        let rendered = doc::render(&doc, width);
        LoadedFullText {
            format: text.format,
            url: text.url.clone(),
            doc,
            rendered,
            complete: true,
            fetched,
        }
    }

    /// Parses and lays out only what the first frame needs and hands it to `show` (with a
    /// `doc` of the blocks parsed so far); then parses and lays out the rest and returns it
    /// with the whole document (`None` when the first part was all of it). Call it off the UI
    /// thread; the parts arrive as `Msg::FullTextLoaded`, then `Msg::FullTextLaidOut`.
    pub fn in_steps(
        text: &StoredFullText,
        first: FirstLines,
        fetched: bool,
        show: &mut dyn FnMut(Box<LoadedFullText>),
    ) -> Option<(Arc<Doc>, Rendered)> {
        let mut parsing = match text.format {
            FullTextFormat::Markdown => doc::Parsing::markdown(&text.text),
            FullTextFormat::Html => doc::Parsing::html(&text.text),
        };
        let mut layout = IncrementalLayout::new(first.width);
        let block = first.anchor.map_or(0, |anchor| anchor.block);
        let out_of_blocks = loop {
            let blocks = parsing.blocks_until(layout.blocks_laid_out() + 1);
            let out_of_blocks = layout.extend_blocks(blocks, first.lines, block);
            if !out_of_blocks || parsing.is_ended() {
                break out_of_blocks;
            }
        };
        let loaded = |doc, rendered, complete| {
            Box::new(LoadedFullText {
                format: text.format,
                url: text.url.clone(),
                doc,
                rendered,
                complete,
                fetched,
            })
        };
        if parsing.is_ended() {
            let doc = Arc::new(parsing.finish());
            if out_of_blocks {
                show(loaded(Arc::clone(&doc), layout.finish(&doc), true));
                return None;
            }
            // Parsed at once (HTML): only the layout comes in two parts.
            show(loaded(Arc::clone(&doc), layout.rendered().clone(), false));
            let rendered = layout.finish(&doc);
            return Some((doc, rendered));
        }
        let so_far = Doc {
            title: None,
            blocks: parsing.blocks_until(0).to_vec(),
        };
        show(loaded(Arc::new(so_far), layout.rendered().clone(), false));
        let doc = Arc::new(parsing.finish());
        let rendered = layout.finish(&doc);
        Some((doc, rendered))
    }
}

/// A cached full text as a document.
pub fn document(text: &StoredFullText) -> Doc {
    match text.format {
        FullTextFormat::Markdown => doc::from_markdown(&text.text),
        FullTextFormat::Html => doc::from_html(&text.text),
    }
}

/// A cached full text as plain text (`show --full`, the search index): controls stripped,
/// math rendered as text.
pub fn plain_text(text: &StoredFullText) -> String {
    doc::to_plain_text(&document(text))
}

/// What the pane shows.
#[derive(Debug, Clone)]
pub enum FullTextContent {
    /// Being read from the cache or fetched.
    Fetching,
    Failed(String),
    Ready(Box<LoadedFullText>),
}

/// The search inside the text (`/`, `n`, `N`).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct TextSearch {
    /// The query is being typed.
    pub editing: bool,
    pub text: String,
    /// Byte offset of the cursor in `text` while typing.
    pub cursor: usize,
    /// The query searched for (lowercase); empty when none.
    pub query: String,
    /// Lines (into the rendered text) holding a hit, in order.
    pub hits: Vec<usize>,
    /// The hit last jumped to (index into `hits`).
    pub current: Option<usize>,
}

/// The open full text.
#[derive(Debug, Clone)]
pub struct FullTextView {
    pub id: PaperId,
    pub title: String,
    pub content: FullTextContent,
    /// First line shown.
    pub scroll: usize,
    /// `Some(entry)` while the table of contents shows, with its selected entry.
    pub toc: Option<usize>,
    pub search: TextSearch,
    /// The width a layout was last asked for and has not arrived (it is dropped if the pane
    /// has another width by then).
    pub laying_out: Option<u16>,
    /// The rest of the first layout (and the whole document) is on its way.
    rest_pending: bool,
    /// The place to restore once the layout holding it arrives.
    restore: Option<Anchor>,
}

/// The full-text reader's part of the app: the open text and every paper's last position.
#[derive(Debug, Default)]
pub struct FullTextReader {
    pub open: Option<FullTextView>,
    /// Where each paper read this session was left.
    positions: HashMap<PaperId, Anchor>,
    /// Layouts and documents no longer shown, for the reader to free off the UI thread
    /// (a 300 KB paper's layout is tens of thousands of allocations).
    retired: Vec<Box<dyn std::any::Any + Send>>,
}

impl FullTextReader {
    /// What to free off the UI thread.
    pub fn take_retired(&mut self) -> Vec<Box<dyn std::any::Any + Send>> {
        std::mem::take(&mut self.retired)
    }
}

impl FullTextView {
    /// The laid-out text, when it has arrived.
    pub fn rendered(&self) -> Option<&Rendered> {
        match &self.content {
            FullTextContent::Ready(loaded) => Some(&loaded.rendered),
            _ => None,
        }
    }

    fn line_count(&self) -> usize {
        self.rendered().map_or(0, |r| r.lines.len())
    }

    /// Whether the whole text is laid out (else only its first lines are).
    pub fn is_complete(&self) -> bool {
        matches!(&self.content, FullTextContent::Ready(loaded) if loaded.complete)
    }
}

/// The catalog's full-text index a fetched text is to be added to (effects compare it by
/// identity).
#[derive(Debug, Clone)]
pub struct IndexToExtend(pub Arc<crate::query::FullTextIndex>);

impl PartialEq for IndexToExtend {
    fn eq(&self, other: &Self) -> bool {
        Arc::ptr_eq(&self.0, &other.0)
    }
}

/// Indexes a full text fetched just now (its whole `doc`) so `full:` finds it at once.
fn index_effect(index: &Arc<crate::query::FullTextIndex>, id: &PaperId, doc: &Arc<Doc>) -> Effect {
    Effect::IndexFullText {
        index: IndexToExtend(Arc::clone(index)),
        id: id.clone(),
        doc: Arc::clone(doc),
    }
}

/// Lines laid out before the first frame: two screens (the second for the first `Ctrl-d`s).
fn first_lines_wanted(rows: usize) -> usize {
    rows.saturating_mul(2)
}

impl App {
    /// Where the full text is drawn: beside the list when list and detail sit side by side,
    /// otherwise the whole screen above the status bar.
    pub fn fulltext_area(&self) -> Rect {
        let prefs = LayoutPrefs {
            wide_min_columns: self.wide_min_columns,
            status_rows: if self.status_wraps() { 2 } else { 1 },
            zoomed: false,
            ..self.layout_prefs
        };
        let layout = Layout::with_prefs(self.size.0, self.size.1, &prefs, Focus::Detail);
        match layout.detail {
            Some(detail) if layout.wide && !self.layout_prefs.zoomed => detail,
            _ => {
                let status = layout.status.height;
                Rect::new(0, 0, self.size.0, self.size.1.saturating_sub(status))
            }
        }
    }

    /// Columns the text is laid out for (inside the pane's border).
    pub fn fulltext_width(&self) -> u16 {
        self.fulltext_area().width.saturating_sub(2).max(1)
    }

    /// Text lines that fit in the pane (inside its border).
    pub fn fulltext_rows(&self) -> usize {
        usize::from(self.fulltext_area().height.saturating_sub(2).max(1))
    }

    /// `f`: opens the selected paper's full text (from the cache, else fetched).
    pub(super) fn open_full_text(&mut self) -> Vec<Effect> {
        let Some(row) = self.selected_row() else {
            return Vec::new();
        };
        let id = row.id.clone();
        let title = crate::text::sanitize_line(row.title());
        let anchor = self.fulltext.positions.get(&id).copied();
        let width = self.fulltext_width();
        self.fulltext.open = Some(FullTextView {
            id: id.clone(),
            title,
            content: FullTextContent::Fetching,
            scroll: 0,
            toc: None,
            search: TextSearch::default(),
            laying_out: None,
            rest_pending: false,
            restore: anchor,
        });
        self.message = Some("fetching full text…".to_string());
        vec![Effect::LoadFullText {
            id,
            width,
            lines: first_lines_wanted(self.fulltext_rows()),
            anchor,
        }]
    }

    /// The full text of `id` arrived (or could not be had).
    pub(super) fn full_text_loaded(
        &mut self,
        id: PaperId,
        result: Result<Box<LoadedFullText>, String>,
    ) -> Vec<Effect> {
        if result.is_ok() {
            // `has:fulltext` finds it at once; its words come with the next index.
            self.catalog.mark_full_text(&id);
        }
        let width = self.fulltext_width();
        let Some(view) = self.fulltext.open.as_mut().filter(|view| view.id == id) else {
            return Vec::new();
        };
        let mut resized = false;
        let mut effects = Vec::new();
        match result {
            Ok(loaded) => {
                if loaded.complete && loaded.fetched && !self.catalog.full_text.is_indexed(&id) {
                    effects.push(index_effect(&self.catalog.full_text, &id, &loaded.doc));
                }
                self.message = loaded
                    .fetched
                    .then(|| "full text fetched and kept".to_string());
                let laid_out_for = loaded.rendered.width;
                view.rest_pending = !loaded.complete;
                view.content = FullTextContent::Ready(loaded);
                view.scroll = 0;
                if let Some(line) = view
                    .restore
                    .and_then(|anchor| view.rendered().and_then(|r| r.line_of(anchor)))
                {
                    view.scroll = line;
                    view.restore = None;
                }
                // The pane changed size while the text was read.
                resized = laid_out_for != width;
            }
            Err(error) => {
                self.message = Some(format!("full text: {error}"));
                view.content = FullTextContent::Failed(error);
            }
        }
        if resized {
            effects.extend(self.relayout_full_text());
        }
        self.clamp_full_text_scroll();
        effects
    }

    /// The pane changed size: ask for a layout at the new width (in the background; the
    /// old one stays on screen until it arrives).
    pub(super) fn relayout_full_text(&mut self) -> Vec<Effect> {
        let width = self.fulltext_width();
        let Some(view) = self.fulltext.open.as_mut() else {
            return Vec::new();
        };
        let FullTextContent::Ready(loaded) = &view.content else {
            return Vec::new();
        };
        let shown = loaded.rendered.width == width && loaded.complete;
        // Until the rest of the first layout arrives there is no whole document to lay out
        // (its arrival asks again when the width changed).
        if shown || view.rest_pending || view.laying_out == Some(width) {
            return Vec::new();
        }
        view.laying_out = Some(width);
        vec![Effect::LayOutFullText {
            id: view.id.clone(),
            doc: Arc::clone(&loaded.doc),
            width,
        }]
    }

    /// A whole layout of the open text arrived (with the whole document when it is the rest
    /// of the first one): shown when it is for the pane's width now (else dropped: another is
    /// asked for, or on its way), at the same place.
    pub(super) fn full_text_laid_out(
        &mut self,
        id: &PaperId,
        rendered: Rendered,
        whole: Option<Arc<Doc>>,
    ) -> Vec<Effect> {
        let width = self.fulltext_width();
        let Some(view) = self.fulltext.open.as_mut().filter(|view| &view.id == id) else {
            return Vec::new();
        };
        let FullTextContent::Ready(loaded) = &mut view.content else {
            return Vec::new();
        };
        let is_rest = whole.is_some();
        let mut effects = Vec::new();
        if let Some(doc) = whole {
            if loaded.fetched && !self.catalog.full_text.is_indexed(id) {
                effects.push(index_effect(&self.catalog.full_text, id, &doc));
            }
            loaded.doc = doc;
            view.rest_pending = false;
        }
        if view.laying_out == Some(rendered.width) {
            view.laying_out = None;
        }
        if rendered.width != width {
            if is_rest {
                effects.extend(self.relayout_full_text());
            }
            return effects;
        }
        let place = view.restore.take().or_else(|| {
            // The same width: the lines shown are a prefix of the new ones.
            (loaded.rendered.width != width).then(|| loaded.rendered.anchor_at(view.scroll))
        });
        let replaced = std::mem::replace(&mut loaded.rendered, rendered);
        self.fulltext.retired.push(Box::new(replaced));
        loaded.complete = true;
        if let Some(line) = place.and_then(|anchor| loaded.rendered.line_of(anchor)) {
            view.scroll = line;
        }
        if !view.search.query.is_empty() {
            let query = view.search.query.clone();
            let current = view.search.current;
            find_hits(view, &query);
            view.search.current = current.filter(|&at| at < view.search.hits.len());
        }
        self.clamp_full_text_scroll();
        effects
    }

    fn clamp_full_text_scroll(&mut self) {
        let rows = self.fulltext_rows();
        if let Some(view) = self.fulltext.open.as_mut() {
            let last = view.line_count().saturating_sub(rows);
            view.scroll = view.scroll.min(last);
        }
    }

    /// Closes the full text, remembering where it was left.
    fn close_full_text(&mut self) {
        if let Some(view) = self.fulltext.open.take() {
            let place = match (view.restore, view.rendered()) {
                // Closed before the place to restore was laid out: keep it.
                (Some(anchor), _) => Some(anchor),
                (None, Some(rendered)) if !rendered.lines.is_empty() => {
                    Some(rendered.anchor_at(view.scroll))
                }
                _ => None,
            };
            if let Some(place) = place {
                self.fulltext.positions.insert(view.id.clone(), place);
            }
            self.fulltext.retired.push(Box::new(view));
        }
        self.message = None;
    }

    /// Whether the search query inside the full text is being typed.
    pub(super) fn full_text_search_editing(&self) -> bool {
        self.fulltext
            .open
            .as_ref()
            .is_some_and(|v| v.search.editing)
    }

    /// A key while the search query is typed: Enter searches, Esc cancels.
    pub(super) fn on_full_text_search_key(&mut self, key: &KeyEvent) -> Vec<Effect> {
        let Some(view) = self.fulltext.open.as_mut() else {
            return Vec::new();
        };
        let search = &mut view.search;
        match edit_line(&mut search.text, &mut search.cursor, key, &self.keymap) {
            LineKey::Submit => {
                search.editing = false;
                let query = crate::text::sanitize_line(&search.text).to_lowercase();
                find_hits(view, &query);
                let from = view.scroll;
                let found = !view.search.hits.is_empty();
                self.message = Some(if found {
                    format!("{} lines match", view.search.hits.len())
                } else if query.is_empty() {
                    String::new()
                } else {
                    format!("no match for {query:?} in the full text")
                })
                .filter(|m| !m.is_empty());
                if found {
                    self.jump_to_hit_from(from, true);
                }
            }
            LineKey::Cancel => {
                search.editing = false;
                search.text.clear();
            }
            LineKey::Edited | LineKey::Moved | LineKey::Ignored => {}
        }
        Vec::new()
    }

    /// An action while the full text is open. `None` passes it on (help, quit).
    pub(super) fn on_full_text_action(
        &mut self,
        action: Action,
        count: Option<u32>,
    ) -> Option<Vec<Effect>> {
        let rows = self.fulltext_rows();
        let n = usize::try_from(count.unwrap_or(1).max(1)).unwrap_or(1);
        let view = self.fulltext.open.as_mut()?;
        if let Some(entry) = view.toc {
            let entries = view.rendered().map_or(0, |r| r.sections.len());
            match action {
                Action::ScrollDown | Action::Down => {
                    view.toc = Some((entry + n).min(entries.saturating_sub(1)));
                }
                Action::ScrollUp | Action::Up => view.toc = Some(entry.saturating_sub(n)),
                Action::TextTop | Action::Top => view.toc = Some(0),
                Action::TextBottom | Action::Bottom => view.toc = Some(entries.saturating_sub(1)),
                Action::Open | Action::ReadOn => {
                    if let Some(section) = view.rendered().and_then(|r| r.sections.get(entry)) {
                        view.scroll = section.line;
                    }
                    view.toc = None;
                }
                Action::TableOfContents | Action::Back => view.toc = None,
                Action::Quit | Action::Help => return None,
                _ => {}
            }
            self.clamp_full_text_scroll();
            return Some(Vec::new());
        }
        match action {
            Action::ScrollDown | Action::Down => view.scroll = view.scroll.saturating_add(n),
            Action::ScrollUp | Action::Up => view.scroll = view.scroll.saturating_sub(n),
            Action::HalfPageDown => view.scroll = view.scroll.saturating_add(n * (rows / 2).max(1)),
            Action::HalfPageUp => view.scroll = view.scroll.saturating_sub(n * (rows / 2).max(1)),
            Action::PageDown | Action::ReadOn => {
                view.scroll = view.scroll.saturating_add(n * rows.max(1));
            }
            Action::PageUp => view.scroll = view.scroll.saturating_sub(n * rows.max(1)),
            Action::TextTop | Action::Top => view.scroll = 0,
            Action::TextBottom | Action::Bottom => view.scroll = usize::MAX,
            Action::NextSection | Action::PrevSection => {
                let forward = action == Action::NextSection;
                let sections = view
                    .rendered()
                    .map(|r| r.sections.as_slice())
                    .unwrap_or(&[]);
                let mut target = view.scroll;
                for _ in 0..n {
                    let next = if forward {
                        sections.iter().find(|s| s.line > target)
                    } else {
                        sections.iter().rev().find(|s| s.line < target)
                    };
                    match next {
                        Some(section) => target = section.line,
                        None if forward => {}
                        None => target = 0,
                    }
                }
                view.scroll = target;
            }
            Action::TableOfContents => {
                let sections = view
                    .rendered()
                    .map(|r| r.sections.as_slice())
                    .unwrap_or(&[]);
                if sections.is_empty() {
                    self.message = Some("this full text has no sections".to_string());
                } else {
                    // The entry of the section being read.
                    let here = sections
                        .iter()
                        .rposition(|s| s.line <= view.scroll)
                        .unwrap_or(0);
                    view.toc = Some(here);
                }
            }
            Action::SearchText | Action::Filter => {
                view.search.editing = true;
                view.search.text.clear();
                view.search.cursor = 0;
            }
            Action::NextMatch | Action::PrevMatch => {
                if view.search.hits.is_empty() {
                    self.message = Some("no search: / searches the full text".to_string());
                } else {
                    let forward = action == Action::NextMatch;
                    for _ in 0..n {
                        let from = self.fulltext.open.as_ref().map_or(0, |v| v.scroll);
                        self.jump_to_hit_from(from, forward);
                    }
                }
            }
            Action::Back | Action::OpenFullText => self.close_full_text(),
            Action::Quit | Action::Help => return None,
            // Everything else (list actions, views) waits until the full text is closed.
            _ => {}
        }
        self.clamp_full_text_scroll();
        Some(Vec::new())
    }

    /// Scrolls to the next (or previous) hit after (before) line `from`, wrapping around.
    fn jump_to_hit_from(&mut self, from: usize, forward: bool) {
        let rows = self.fulltext_rows();
        let Some(view) = self.fulltext.open.as_mut() else {
            return;
        };
        let hits = &view.search.hits;
        if hits.is_empty() {
            return;
        }
        // The hit last shown, while it is still on screen, is where `n`/`N` go on from (near
        // the end the text cannot scroll a hit to the top); otherwise the view's top line.
        let shown = view.search.current.filter(|&c| {
            hits.get(c)
                .is_some_and(|&line| (from..from + rows).contains(&line))
        });
        let at = match (shown, forward) {
            (Some(current), true) => (current + 1) % hits.len(),
            (Some(current), false) => (current + hits.len() - 1) % hits.len(),
            (None, true) => hits.iter().position(|&line| line >= from).unwrap_or(0),
            (None, false) => hits
                .iter()
                .rposition(|&line| line < from)
                .unwrap_or(hits.len() - 1),
        };
        view.search.current = Some(at);
        view.scroll = hits[at];
        self.message = Some(format!("match {} of {}", at + 1, hits.len()));
    }
}

/// Finds the lines of the rendered text containing `query` (already lowercase).
fn find_hits(view: &mut FullTextView, query: &str) {
    view.search.query = query.to_string();
    view.search.current = None;
    view.search.hits = match (&view.content, query.is_empty()) {
        (FullTextContent::Ready(loaded), false) => loaded
            .rendered
            .lines
            .iter()
            .enumerate()
            .filter(|(_, line)| line.text().to_lowercase().contains(query))
            .map(|(at, _)| at)
            .collect(),
        _ => Vec::new(),
    };
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::app::catalog::Catalog;
    use crate::app::{Msg, update};
    use crate::keymap::Keymap;
    use crate::model::{Paper, SourceId};
    use chrono::{NaiveDate, TimeZone, Utc};
    use crossterm::event::{KeyCode, KeyModifiers};

    fn app_with_one_paper() -> App {
        let day = NaiveDate::from_ymd_opt(2025, 4, 30).unwrap();
        let mut paper = Paper::new(
            PaperId::from_stored("2504.00001".into()),
            "A long paper".into(),
            SourceId::hf(),
        );
        paper.daily_date = Some(day);
        let catalog = Catalog::new(vec![paper.list_row(day)], HashMap::new(), true, None);
        let now = Utc.with_ymd_and_hms(2025, 4, 30, 9, 0, 0).unwrap();
        App::new(Keymap::defaults().unwrap(), catalog, now, (80, 24), 120)
    }

    fn long_text() -> StoredFullText {
        let mut text = String::from("# A long paper\n\n");
        for n in 0..60 {
            text.push_str(&format!(
                "## Section {n}\n\n{}\n\n- a point\n- another\n\n",
                "words of the section ".repeat(30)
            ));
        }
        StoredFullText {
            format: FullTextFormat::Markdown,
            url: String::new(),
            fetched_at: chrono::DateTime::default(),
            text,
        }
    }

    fn press(app: &mut App, keys: &str) -> Vec<Effect> {
        keys.chars()
            .flat_map(|c| {
                update(
                    app,
                    Msg::Key(KeyEvent::new(KeyCode::Char(c), KeyModifiers::NONE)),
                )
            })
            .collect()
    }

    /// `f`, answered as the reader answers it: the first lines now; the rest returned.
    fn open(app: &mut App, text: &StoredFullText) -> (PaperId, Option<Anchor>, Msg) {
        let effects = press(app, "f");
        let Some(Effect::LoadFullText {
            id,
            width,
            lines,
            anchor,
        }) = effects.into_iter().next()
        else {
            panic!("f asks for the full text");
        };
        let first = FirstLines {
            width,
            lines,
            anchor,
        };
        let rest = LoadedFullText::in_steps(text, first, false, &mut |loaded| {
            update(
                app,
                Msg::FullTextLoaded {
                    id: id.clone(),
                    result: Ok(loaded),
                },
            );
        });
        let (doc, rendered) = rest.expect("a long text comes in two parts");
        let rest = Msg::FullTextLaidOut {
            id: id.clone(),
            rendered: Box::new(rendered),
            doc: Some(doc),
        };
        (id, anchor, rest)
    }

    fn view(app: &App) -> &FullTextView {
        app.fulltext.open.as_ref().unwrap()
    }

    fn top_block(app: &App) -> usize {
        let view = view(app);
        view.rendered().unwrap().anchor_at(view.scroll).block
    }

    #[test]
    fn the_first_screens_come_first_the_rest_after_and_a_resize_keeps_the_block() {
        let mut app = app_with_one_paper();
        let text = long_text();
        let (id, anchor, rest) = open(&mut app, &text);
        assert_eq!(anchor, None);
        let doc = Arc::new(document(&text));
        let whole = doc::render(&doc, app.fulltext_width());
        let partial = view(&app).rendered().unwrap().lines.len();
        assert!(!view(&app).is_complete());
        assert!(partial >= 2 * app.fulltext_rows() && partial < whole.lines.len() / 4);
        assert_eq!(
            view(&app).rendered().unwrap().lines[..],
            whole.lines[..partial]
        );
        press(&mut app, "jjjjj");
        assert_eq!(view(&app).scroll, 5);

        // The rest arrives: the same place, the whole text.
        // Before the rest arrives, a resize waits for it.
        assert!(update(&mut app, Msg::Resize(80, 24)).is_empty());
        update(&mut app, rest);
        assert!(view(&app).is_complete());
        assert_eq!(view(&app).scroll, 5);
        assert_eq!(view(&app).rendered(), Some(&whole));

        // A resize asks for a layout in the background and keeps the old one meanwhile.
        press(&mut app, "}}}}}}}}}}}}}}}}}}}}jj");
        let block = top_block(&app);
        assert!(block > 20, "{block}");
        let effects = update(&mut app, Msg::Resize(100, 30));
        let [Effect::LayOutFullText { width, .. }] = effects.as_slice() else {
            panic!("{effects:?}");
        };
        assert_eq!(*width, app.fulltext_width());
        assert_eq!(view(&app).rendered().unwrap().width, whole.width);
        // A second resize event at the same size asks for nothing more.
        assert!(update(&mut app, Msg::Resize(100, 30)).is_empty());
        // A layout for a width the pane no longer has is dropped.
        update(
            &mut app,
            Msg::FullTextLaidOut {
                id: id.clone(),
                rendered: Box::new(doc::render(&doc, 50)),
                doc: None,
            },
        );
        assert_eq!(view(&app).rendered().unwrap().width, whole.width);
        update(
            &mut app,
            Msg::FullTextLaidOut {
                id: id.clone(),
                rendered: Box::new(doc::render(&doc, *width)),
                doc: None,
            },
        );
        assert_eq!(view(&app).rendered().unwrap().width, *width);
        assert_eq!(top_block(&app), block, "the same block on top");

        // Closed and opened again: the place is asked for, and in the first lines.
        press(&mut app, "h");
        let (_, anchor, _) = open(&mut app, &text);
        assert_eq!(anchor.map(|a| a.block), Some(block));
        assert_eq!(top_block(&app), block);
    }

    #[test]
    fn a_text_fetched_just_now_is_indexed_without_waiting_for_a_catalog_load() {
        let mut app = app_with_one_paper();
        let text = long_text();
        let effects = press(&mut app, "f");
        let Some(Effect::LoadFullText {
            id, width, lines, ..
        }) = effects.into_iter().next()
        else {
            panic!("f asks for the full text");
        };
        let first = FirstLines {
            width,
            lines,
            anchor: None,
        };
        let rest = LoadedFullText::in_steps(&text, first, true, &mut |loaded| {
            let effects = update(
                &mut app,
                Msg::FullTextLoaded {
                    id: id.clone(),
                    result: Ok(loaded),
                },
            );
            assert!(effects.is_empty(), "the whole document is not here yet");
        });
        let (doc, rendered) = rest.unwrap();
        let effects = update(
            &mut app,
            Msg::FullTextLaidOut {
                id: id.clone(),
                rendered: Box::new(rendered),
                doc: Some(doc),
            },
        );
        let [
            Effect::IndexFullText {
                index,
                id: indexed,
                doc,
            },
        ] = effects.as_slice()
        else {
            panic!("{effects:?}");
        };
        assert_eq!(indexed, &id);
        let plain = doc::to_plain_text(doc);
        update(
            &mut app,
            Msg::FullTextIndexed(Arc::new(index.0.with_docs([(id.clone(), plain)]))),
        );
        assert!(app.catalog.full_text.is_indexed(&id));
        assert!(app.catalog.full_text.has(&id));
    }

    #[test]
    fn in_two_parts_markdown_and_html_lay_out_as_one() {
        let markdown = long_text();
        let html = StoredFullText {
            format: FullTextFormat::Html,
            text: (0..80)
                .map(|n| format!("<h2>Part {n}</h2><p>{}</p>", "some words here ".repeat(20)))
                .collect(),
            ..long_text()
        };
        for text in [markdown, html] {
            let whole = doc::render(&document(&text), 60);
            let first = FirstLines {
                width: 60,
                lines: 40,
                anchor: None,
            };
            let mut shown = Vec::new();
            let rest = LoadedFullText::in_steps(&text, first, false, &mut |loaded| {
                shown.push(loaded);
            });
            let [first] = shown.as_slice() else {
                panic!("one first part");
            };
            assert!(!first.complete);
            let lines = first.rendered.lines.len();
            assert!((40..200).contains(&lines), "{lines}");
            assert_eq!(first.rendered.lines[..], whole.lines[..lines]);
            let (doc, rendered) = rest.unwrap();
            assert_eq!(*doc, document(&text));
            assert_eq!(rendered, whole);
        }
        // A short text comes whole at once.
        let short = StoredFullText {
            text: "# Title\n\nOne line.".into(),
            ..long_text()
        };
        let first = FirstLines {
            width: 60,
            lines: 40,
            anchor: None,
        };
        let mut complete = false;
        let rest = LoadedFullText::in_steps(&short, first, false, &mut |loaded| {
            complete = loaded.complete;
        });
        assert!(complete && rest.is_none());
    }

    #[test]
    fn plain_text_of_markdown_and_html_drops_markup() {
        let text = |format, text: &str| StoredFullText {
            format,
            url: String::new(),
            fetched_at: chrono::DateTime::default(),
            text: text.to_string(),
        };
        let markdown = plain_text(&text(FullTextFormat::Markdown, "# Title\n\nSome *words*."));
        assert!(
            markdown.contains("Title") && markdown.contains("Some words."),
            "{markdown}"
        );
        let html = plain_text(&text(
            FullTextFormat::Html,
            "<h1>Title</h1><script>x()</script><p>Some <em>words</em>.</p>",
        ));
        assert!(
            html.contains("Some words.") && !html.contains("x()"),
            "{html}"
        );
    }
}
