//! The list pane: one row per paper (star, unread mark, note mark, upvotes, title cut by display width,
//! source badges, date) under a title naming the view and its counts.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;
use unicode_width::UnicodeWidthStr;

use super::{Theme, pad};
use crate::app::{App, Focus, View};
use crate::model::ListRow;
use crate::text::fit;

pub fn render(frame: &mut Frame<'_>, app: &App, theme: &Theme, area: Rect) {
    let Some(inner) = super::pane(
        frame,
        area,
        title(app, usize::from(area.width.saturating_sub(4))),
        app.focus == Focus::List,
        theme,
    ) else {
        return;
    };
    let width = usize::from(inner.width);
    let words = app.highlight_words();
    let not_fetched = not_fetched_lines(app, theme, width);
    if app.visible.is_empty() && not_fetched.is_empty() {
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
    let show_upvotes = on_screen().any(|(_, row)| row.upvotes().is_some());
    let mut lines: Vec<Line<'_>> = on_screen()
        .map(|(position, row)| {
            row_line(
                app,
                theme,
                row,
                width,
                position == app.selected,
                show_upvotes,
                &words,
            )
        })
        .collect();
    // Under the last row, where there is room (the title counts them either way).
    lines.extend(not_fetched);
    lines.truncate(usize::from(inner.height));
    frame.render_widget(Paragraph::new(lines), inner);
}

/// In the Starred view with no query: a line per star on a paper no source has brought yet
/// (starred by id from the command line), so that star is not invisible.
fn not_fetched_lines<'a>(app: &App, theme: &Theme, width: usize) -> Vec<Line<'a>> {
    if app.view != View::Starred || !app.query.text.is_empty() {
        return Vec::new();
    }
    app.catalog
        .starred_not_fetched()
        .into_iter()
        .map(|id| {
            let text = format!(
                "★        {} — not fetched yet",
                crate::text::sanitize_line(id.as_str())
            );
            Line::styled(fit(&text, width), theme.muted())
        })
        .collect()
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
    if let Some(sort) = app.sort_order() {
        text.push_str(&format!(" · {}", sort.name()));
    }
    if app.nav.hide_read {
        text.push_str(" · read hidden");
    }
    if !app.query.text.is_empty() {
        text.push_str(&format!(" · /{}", app.query.text));
    }
    if app.view == View::Starred && app.query.text.is_empty() {
        let not_fetched = app.catalog.starred_not_fetched().len();
        if not_fetched > 0 {
            text.push_str(&format!(" · {not_fetched} not fetched yet"));
        }
    }
    text.push(' ');
    fit(&text, width)
}

fn empty_notice<'a>(app: &App, theme: &Theme, width: usize) -> Vec<Line<'a>> {
    let mut lines = Vec::new();
    // A source stored papers that the catalog has not loaded yet (it follows the sync's event
    // by a load, ~0.1 s): "no papers cached" would be false for that moment.
    let stored = app.sync.sources.values().any(|state| {
        matches!(state, crate::app::SourceSync::Updated { new, changed, .. } if new + changed > 0)
    });
    if app.catalog.rows.is_empty() && stored {
        lines.push(Line::from(fit("Loading the papers just synced…", width)));
    } else if app.catalog.rows.is_empty() {
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
        // The status bar has room for one error; here every failed source gets a wrapped line.
        let failures = app
            .sync
            .sources
            .iter()
            .filter_map(|(id, state)| match state {
                crate::app::SourceSync::Failed(error) => Some(format!("{}: {error}", id.badge())),
                _ => None,
            });
        for failure in failures {
            lines.push(Line::default());
            for part in textwrap::wrap(&failure, width.max(1)) {
                lines.push(Line::styled(part.into_owned(), theme.error()));
            }
        }
    } else if app.view == View::ForYou && app.catalog.starred_rows().is_empty() {
        for line in [
            "For you learns what you like from your stars.",
            "Press s on papers you like (in any view); unread papers",
            "like them then show up here, best first, and the detail",
            "pane says why each one was picked.",
        ] {
            lines.push(Line::from(fit(line, width)));
        }
    } else if app.view == View::ForYou && app.catalog.for_you.is_none() {
        lines.push(Line::from(fit("Ranking papers like your stars…", width)));
    } else if app.view == View::ForYou && app.query.text.is_empty() {
        lines.push(Line::from(fit(
            "Nothing unread is like your starred papers yet.",
            width,
        )));
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
    words: &[String],
) -> Line<'a> {
    let starred = app.catalog.is_starred(&row.id);
    let read = app.catalog.is_read(&row.id);
    let star = if starred { "★" } else { " " };
    let unread = if read { " " } else { "●" };
    let note = if app.catalog.note(&row.id).is_some() {
        "✎"
    } else {
        " "
    };
    let upvotes = row
        .upvotes()
        .map_or(String::from("    "), |u| format!("{:>4}", compact(u)));
    let date = row.day.format("%b %d").to_string();
    let mut badges: Vec<&str> = row.sources().iter().map(|s| s.badge()).collect();
    // HF first, then arXiv, then feeds: the order users scan the badges in.
    badges.sort_by_key(|b| match *b {
        "HF" => 0,
        "arXiv" => 1,
        _ => 2,
    });
    let mut badges = badges.join("·");
    // Fixed columns: star, space, unread, note, space, [upvotes(4), space,] … badges, space,
    // date.
    let upvote_columns = if show_upvotes { 4 + 1 } else { 0 };
    let fixed = 1 + 1 + 1 + 1 + 1 + upvote_columns;
    let tail_max = width.saturating_sub(fixed + 12);
    badges = fit(&badges, tail_max.saturating_sub(date.width() + 2).min(16));
    let tail = if width > fixed + 12 + date.width() {
        format!(" {badges} {date}")
    } else {
        String::new()
    };
    let title_width = width.saturating_sub(fixed + tail.width());
    let title = pad(row.title(), title_width);
    let title_style = if read {
        theme.read_title()
    } else {
        theme.unread_title()
    };
    let mut spans = vec![
        Span::styled(star, theme.star()),
        Span::raw(" "),
        Span::styled(unread, theme.unread()),
        Span::styled(note, theme.star()),
        Span::raw(" "),
    ];
    if show_upvotes {
        spans.push(Span::styled(upvotes, theme.upvotes()));
        spans.push(Span::raw(" "));
    }
    spans.extend(super::highlighted(
        &title,
        words,
        title_style,
        theme.highlight(),
    ));
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
