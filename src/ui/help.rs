//! The help overlay, generated from the keymap and each action's doc line so it cannot drift,
//! then the query language's cheat sheet; long lines wrap (80 columns is the common case).

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Clear, Paragraph};

use super::{Theme, pad};
use crate::app::App;
use crate::text::fit;

pub fn render(frame: &mut Frame<'_>, app: &App, theme: &Theme, area: Rect) {
    let width = area.width.saturating_sub(4).min(90);
    let height = area.height.saturating_sub(2);
    let popup = Rect::new(
        area.x + (area.width - width) / 2,
        area.y + (area.height - height) / 2,
        width,
        height,
    );
    frame.render_widget(Clear, popup);
    let title = " Keys — Esc closes, j/k scroll ".to_string();
    let Some(inner) = super::pane(frame, popup, title, true, theme) else {
        return;
    };
    let inner_width = usize::from(inner.width);
    let key_width = 16.min(inner_width / 3);
    let mut lines = Vec::new();
    // (section name, [(keys, doc)]): the panes, then the line editor's `[keys.input]`.
    let mut sections: Vec<(String, Vec<(String, &str)>)> = app
        .keymap
        .help()
        .into_iter()
        .map(|section| {
            let entries = section
                .entries
                .iter()
                .map(|entry| (entry.keys.join(" "), entry.action.doc()))
                .collect();
            (section.context.name().to_string(), entries)
        })
        .collect();
    sections.push((
        "input (typing a filter or a note)".to_string(),
        app.keymap
            .input_help()
            .iter()
            .map(|entry| (entry.keys.join(" "), entry.action.doc()))
            .collect(),
    ));
    for (name, entries) in sections {
        if entries.is_empty() {
            continue;
        }
        if !lines.is_empty() {
            lines.push(Line::default());
        }
        lines.push(Line::styled(name, theme.label()));
        for (keys, doc) in entries {
            // Long docs wrap under themselves instead of being cut; so do long key lists.
            let doc_width = inner_width.saturating_sub(key_width + 1).max(1);
            let key_parts = textwrap::wrap(&keys, key_width.max(1));
            let doc_parts = textwrap::wrap(doc, doc_width);
            for i in 0..key_parts.len().max(doc_parts.len()) {
                let keys = pad(key_parts.get(i).map_or("", |k| k), key_width);
                let part = doc_parts.get(i).map_or("", |d| d);
                lines.push(Line::from(vec![
                    Span::styled(keys, theme.badge()),
                    Span::raw(" "),
                    Span::raw(fit(part, doc_width)),
                ]));
            }
        }
    }
    lines.push(Line::default());
    lines.push(Line::styled(
        "Filter queries (/): Enter keeps, Esc clears",
        theme.label(),
    ));
    let syntax_width = 30.min(inner_width / 2);
    let meaning_width = inner_width.saturating_sub(syntax_width + 1).max(1);
    for (syntax, meaning) in crate::query::CHEAT_SHEET {
        for (i, part) in textwrap::wrap(meaning, meaning_width)
            .into_iter()
            .enumerate()
        {
            let syntax = if i == 0 {
                pad(syntax, syntax_width)
            } else {
                " ".repeat(syntax_width)
            };
            lines.push(Line::from(vec![
                Span::styled(syntax, theme.badge()),
                Span::raw(" "),
                Span::raw(fit(&part, meaning_width)),
            ]));
        }
    }
    let visible = super::scrolled(lines, app.help_scroll, inner.height);
    frame.render_widget(Paragraph::new(visible), inner);
}
