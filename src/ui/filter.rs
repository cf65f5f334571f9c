//! The filter pane: the query input (and why it does not parse), the views (latest day, this
//! week, all, starred, unread, For you, saved views, each source) with their counts, plus each
//! source's last sync result. The query scrolls sideways as it is typed so the cursor shows.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::Line;
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
    for (i, (view, count)) in app.view_counts.iter().enumerate() {
        let key = match view {
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
        };
        let name = view.name(today);
        let ranking = app.catalog.for_you.is_none() && !app.catalog.starred_rows().is_empty();
        let count_text = if matches!(view, View::ForYou) && ranking {
            "…".to_string()
        } else if app.catalog.complete || matches!(view, View::Day(_)) {
            count.to_string()
        } else {
            "…".to_string()
        };
        let label_width = width.saturating_sub(key.len() + count_text.width() + 1);
        let text = format!("{key}{} {count_text}", pad(&name, label_width));
        let mut style = if *view == app.view {
            theme.title()
        } else {
            ratatui::style::Style::new()
        };
        if app.focus == Focus::Filter && !app.query.editing && i == app.filter_cursor {
            style = style.patch(theme.selected());
        }
        lines.push(Line::styled(fit(&text, width), style));
    }
    if !app.sync.sources.is_empty() {
        lines.push(Line::default());
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
                SourceSync::Failed(error) => {
                    (format!("{} failed: {error}", id.badge()), theme.error())
                }
            };
            lines.push(Line::styled(fit(&text, width), style));
        }
    }
    frame.render_widget(Paragraph::new(lines), inner);
}
