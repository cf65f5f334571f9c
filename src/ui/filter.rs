//! The filter pane: the query input (and why it does not parse), the views (latest day, this
//! week, all, starred, unread, For you, saved views, each source) with their counts, plus each
//! source's last sync result. The query scrolls sideways as it is typed so the cursor shows.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;
use unicode_width::UnicodeWidthStr;

use super::{Theme, pad};
use crate::app::{App, Focus, HfView, SourceSync, View};
use crate::text::fit;

pub fn render(frame: &mut Frame<'_>, app: &App, theme: &Theme, area: Rect) {
    let Some(inner) = super::pane(
        frame,
        area,
        " Filter ".to_string(),
        app.focus == Focus::Filter,
        theme,
    ) else {
        return;
    };
    let width = usize::from(inner.width);
    let mut lines = Vec::new();
    let query_style = if app.query.editing {
        theme.title()
    } else {
        theme.muted()
    };
    let query = if app.query.text.is_empty() && !app.query.editing {
        fit("/ to filter", width)
    } else if app.query.editing {
        // Scrolled so that the cursor shows: "/" and the cursor bar take a column each.
        let (shown, cursor) = crate::app::line_edit::window(
            &app.query.text,
            app.query.cursor,
            width.saturating_sub(2),
        );
        format!("/{}", super::status::with_cursor(&shown, cursor))
    } else {
        fit(&format!("/{}", app.query.text), width)
    };
    lines.push(Line::styled(query, query_style));
    match &app.query.error {
        Some(error) if !app.query.text.is_empty() => {
            lines.push(Line::styled(
                fit(&format!("✗ {error}"), width),
                theme.error(),
            ));
        }
        _ => lines.push(Line::default()),
    }
    let today = app.today();
    let mut views = Vec::with_capacity(app.view_counts.len());
    let mut marked = None;
    for (i, (view, count)) in app.view_counts.iter().enumerate() {
        let key = view_key(view, i);
        let name = view.name(today);
        let ranking = app.catalog.for_you.is_none() && !app.catalog.starred_rows().is_empty();
        let count_text = if matches!(view, View::ForYou) && ranking {
            "…".to_string()
        } else if app.catalog.complete || matches!(view, View::Day(_)) {
            count.to_string()
        } else {
            "…".to_string()
        };
        let mut style = if *view == app.view {
            theme.title()
        } else {
            ratatui::style::Style::new()
        };
        let cursor_here =
            app.focus == Focus::Filter && !app.query.editing && i == app.filter_cursor;
        if cursor_here {
            style = style.patch(theme.selected());
        }
        if cursor_here || (marked.is_none() && *view == app.view) {
            marked = Some(i);
        }
        views.push(ViewEntry {
            key,
            name,
            count: count_text,
            style,
        });
    }
    let sources = source_lines(app, theme, width);
    let height = usize::from(inner.height).saturating_sub(lines.len());
    // Below the height all views and the sync results need, the views go in two columns when
    // the pane is wide enough (80×24 puts the filter pane under the list: 78 columns, 11 rows).
    let columns = if views.len() + sources.len() > height && width >= 2 * MIN_COLUMN_WIDTH + 3 {
        2
    } else {
        1
    };
    let rows = views.len().div_ceil(columns);
    // Two columns sit at least three blanks apart, so a count never reads as the next key.
    let column_width = if columns == 1 { width } else { (width - 3) / 2 };
    let gap = " ".repeat(width.saturating_sub(column_width * columns));
    let mut body = Vec::with_capacity(rows + sources.len());
    for row in 0..rows {
        let mut spans = Vec::with_capacity(columns * 2);
        for column in 0..columns {
            let Some(entry) = views.get(column * rows + row) else {
                break;
            };
            if column > 0 {
                spans.push(Span::raw(gap.clone()));
            }
            spans.push(Span::styled(entry.text(column_width), entry.style));
        }
        body.push(Line::from(spans));
    }
    if !sources.is_empty() && rows + 1 + sources.len() <= height {
        body.push(Line::default());
    }
    body.extend(sources);
    // Keep the cursor (or the shown view) on screen: scroll the body, never the query lines.
    let marked_row = marked.map_or(0, |i| i % rows.max(1));
    let offset = (marked_row + 1).saturating_sub(height);
    lines.extend(body.into_iter().skip(offset));
    frame.render_widget(Paragraph::new(lines), inner);
}

/// Below this a column of view names gets too cramped to read.
const MIN_COLUMN_WIDTH: usize = 30;

/// One view's line in the pane: the number key that jumps to it, its name and its count.
struct ViewEntry {
    key: &'static str,
    name: String,
    count: String,
    style: ratatui::style::Style,
}

impl ViewEntry {
    /// The key, the name padded and the count right-aligned in `width` columns.
    fn text(&self, width: usize) -> String {
        let label_width = width.saturating_sub(self.key.len() + self.count.width() + 1);
        fit(
            &format!(
                "{}{} {}",
                self.key,
                pad(&self.name, label_width),
                self.count
            ),
            width,
        )
    }
}

/// The number key that selects `view` (`i` is its position: the first is the newest day).
fn view_key(view: &View, i: usize) -> &'static str {
    match view {
        View::Day(_) if i == 0 => "1 ",
        View::All if i == 0 => "1 ",
        View::Week => "2 ",
        View::All => "3 ",
        View::Starred => "4 ",
        View::Unread => "5 ",
        View::ForYou => "7 ",
        View::Hf(HfView::Week) => "8 ",
        View::Hf(HfView::Month) => "9 ",
        View::Hf(HfView::Trending) => "0 ",
        _ => "  ",
    }
}

/// Each source's last sync result under a "Sources" heading (nothing before the first sync).
/// The caller puts a blank line above it when there is room.
fn source_lines(app: &App, theme: &Theme, width: usize) -> Vec<Line<'static>> {
    let mut lines = Vec::new();
    if app.sync.sources.is_empty() {
        return lines;
    }
    lines.push(Line::styled("Sources", theme.label()));
    for (id, state) in &app.sync.sources {
        let (text, style) = match state {
            SourceSync::Waiting => (format!("{} waiting", id.badge()), theme.muted()),
            SourceSync::Running { done, total } => {
                (format!("{} {done}/{total}", id.badge()), theme.muted())
            }
            SourceSync::Updated { new, note, .. } => match note {
                Some(note) => (
                    format!("{} ok, {new} new ({note})", id.badge()),
                    theme.muted(),
                ),
                None => (format!("{} ok, {new} new", id.badge()), theme.muted()),
            },
            SourceSync::Failed(error) => (format!("{} failed: {error}", id.badge()), theme.error()),
        };
        lines.push(Line::styled(fit(&text, width), style));
    }
    lines
}
