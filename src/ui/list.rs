//! The list pane: one row per paper (star, unread mark, upvotes, title cut by display width,
//! source badges, date) under a title naming the view and its counts.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Paragraph};
use unicode_width::UnicodeWidthStr;

use super::{Theme, fit, pad};
use crate::app::{App, Focus};
use crate::model::ListRow;

pub fn render(frame: &mut Frame<'_>, app: &App, theme: &Theme, area: Rect) {
    let block = Block::default()
        .borders(Borders::ALL)
        .border_style(theme.border(app.focus == Focus::List))
        .title(Span::styled(
            title(app, usize::from(area.width.saturating_sub(4))),
            theme.title(),
        ));
    let inner = block.inner(area);
    frame.render_widget(block, area);
    if inner.width == 0 || inner.height == 0 {
        return;
    }
    let width = usize::from(inner.width);
    if app.visible.is_empty() {
        frame.render_widget(Paragraph::new(empty_notice(app, theme, width)), inner);
        return;
    }
    let on_screen = || {
        app.visible
            .iter()
            .enumerate()
            .skip(app.list_offset)
            .take(usize::from(inner.height))
            .filter_map(|(position, &row)| Some((position, app.catalog.rows.get(row)?)))
    };
    // Feeds without counts (most RSS, the demo) get the upvote column's room for titles.
    let show_upvotes = on_screen().any(|(_, row)| row.upvotes.is_some());
    let lines: Vec<Line<'_>> = on_screen()
        .map(|(position, row)| {
            row_line(
                app,
                theme,
                row,
                width,
                position == app.selected,
                show_upvotes,
            )
        })
        .collect();
    frame.render_widget(Paragraph::new(lines), inner);
}

/// "Today · 24 papers · 5 unread · 2 starred", plus the query when one narrows the list.
fn title(app: &App, width: usize) -> String {
    let catalog = &app.catalog;
    let unread = app
        .visible
        .iter()
        .filter(|&&i| !catalog.is_read(&catalog.rows[i].id))
        .count();
    let starred = app
        .visible
        .iter()
        .filter(|&&i| catalog.is_starred(&catalog.rows[i].id))
        .count();
    let count = app.visible.len();
    let mut text = format!(
        " {} · {count} paper{} · {unread} unread · {starred} starred",
        app.view.name(app.today()),
        if count == 1 { "" } else { "s" },
    );
    if !app.query.text.is_empty() {
        text.push_str(&format!(" · /{}", app.query.text));
    }
    text.push(' ');
    fit(&text, width)
}

fn empty_notice<'a>(app: &App, theme: &Theme, width: usize) -> Vec<Line<'a>> {
    let mut lines = Vec::new();
    if app.catalog.rows.is_empty() {
        lines.push(Line::styled(
            fit("No papers cached yet.", width),
            theme.title(),
        ));
        let follow = if app.sync.running {
            "A sync is running; papers appear here as they arrive."
        } else {
            "Press r to sync now."
        };
        lines.push(Line::from(fit(follow, width)));
    } else if !app.query.text.is_empty() {
        lines.push(Line::from(fit(
            &format!(
                "Nothing matches \"{}\" here. Esc clears the filter.",
                app.query.text
            ),
            width,
        )));
    } else {
        lines.push(Line::from(fit("No papers in this view.", width)));
    }
    lines
}

fn row_line<'a>(
    app: &App,
    theme: &Theme,
    row: &ListRow,
    width: usize,
    selected: bool,
    show_upvotes: bool,
) -> Line<'a> {
    let starred = app.catalog.is_starred(&row.id);
    let read = app.catalog.is_read(&row.id);
    let star = if starred { "★" } else { " " };
    let unread = if read { " " } else { "●" };
    let upvotes = row
        .upvotes
        .map_or(String::from("    "), |u| format!("{:>4}", compact(u)));
    let date = row.day.format("%b %d").to_string();
    let mut badges: Vec<&str> = row.sources.iter().map(|s| s.badge()).collect();
    // HF first, then arXiv, then feeds: the order users scan the badges in.
    badges.sort_by_key(|b| match *b {
        "HF" => 0,
        "arXiv" => 1,
        _ => 2,
    });
    let mut badges = badges.join("·");
    // Fixed columns: star, space, unread, space, [upvotes(4), space,] … badges, space, date.
    let upvote_columns = if show_upvotes { 4 + 1 } else { 0 };
    let fixed = 1 + 1 + 1 + 1 + upvote_columns;
    let tail_max = width.saturating_sub(fixed + 12);
    badges = fit(&badges, tail_max.saturating_sub(date.width() + 2).min(16));
    let tail = if width > fixed + 12 + date.width() {
        format!(" {badges} {date}")
    } else {
        String::new()
    };
    let title_width = width.saturating_sub(fixed + tail.width());
    let title = pad(&row.title, title_width);
    let title_style = if read {
        theme.read_title()
    } else {
        theme.unread_title()
    };
    let mut spans = vec![
        Span::styled(star, theme.star()),
        Span::raw(" "),
        Span::styled(unread, theme.unread()),
        Span::raw(" "),
    ];
    if show_upvotes {
        spans.push(Span::styled(upvotes, theme.upvotes()));
        spans.push(Span::raw(" "));
    }
    spans.push(Span::styled(title, title_style));
    if !tail.is_empty() {
        spans.push(Span::raw(" "));
        spans.push(Span::styled(badges, theme.badge()));
        spans.push(Span::styled(format!(" {date}"), theme.muted()));
    }
    let line = Line::from(spans);
    if selected {
        line.patch_style(theme.selected())
    } else {
        line
    }
}

/// 1234 → "1234", 12345 → "12k", so the column stays four wide.
fn compact(n: u32) -> String {
    if n < 10_000 {
        n.to_string()
    } else {
        format!("{}k", n / 1000)
    }
}
