//! The help overlay, generated from the keymap and each action's doc line so it cannot drift,
//! then the query language's cheat sheet.

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
    for section in app.keymap.help() {
        if section.entries.is_empty() {
            continue;
        }
        if !lines.is_empty() {
            lines.push(Line::default());
        }
        lines.push(Line::styled(
            section.context.name().to_string(),
            theme.label(),
        ));
        for entry in section.entries {
            let keys = pad(&entry.keys.join(" "), key_width);
            let doc = fit(
                entry.action.doc(),
                inner_width.saturating_sub(key_width + 1),
            );
            lines.push(Line::from(vec![
                Span::styled(keys, theme.badge()),
                Span::raw(" "),
                Span::raw(doc),
            ]));
        }
    }
    lines.push(Line::default());
    lines.push(Line::styled(
        "Filter queries (/): Enter keeps, Esc clears",
        theme.label(),
    ));
    for (syntax, meaning) in crate::query::CHEAT_SHEET {
        let syntax = pad(syntax, 30.min(inner_width / 2));
        let meaning = fit(meaning, inner_width.saturating_sub(syntax.len() + 1));
        lines.push(Line::from(vec![
            Span::styled(syntax, theme.badge()),
            Span::raw(" "),
            Span::raw(meaning),
        ]));
    }
    let visible = super::scrolled(lines, app.help_scroll, inner.height);
    frame.render_widget(Paragraph::new(visible), inner);
}
