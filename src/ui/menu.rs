//! The link menu (`o` opens, `y` copies): one line per link with its key, over the bottom of
//! the screen, above the status bar.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Clear, Paragraph};

use super::Theme;
use super::hyperlink::encode_url;
use crate::app::LinkMenu;
use crate::text::fit;

pub fn render(frame: &mut Frame<'_>, menu: &LinkMenu, theme: &Theme, area: Rect) {
    let rows = u16::try_from(menu.choices.len()).unwrap_or(u16::MAX);
    let height = rows.saturating_add(2).min(area.height.saturating_sub(1));
    let width = area.width.min(100);
    if height < 3 || width < 10 {
        return;
    }
    let popup = Rect::new(
        area.x + (area.width - width) / 2,
        area.y + area.height.saturating_sub(height + 1),
        width,
        height,
    );
    frame.render_widget(Clear, popup);
    let title = if menu.copy {
        " Copy — press a key, Esc cancels ".to_string()
    } else {
        " Open — press a key, Esc cancels ".to_string()
    };
    let Some(inner) = super::pane(frame, popup, title, true, theme) else {
        return;
    };
    let inner_width = usize::from(inner.width);
    let lines: Vec<Line<'_>> = menu
        .choices
        .iter()
        .map(|choice| {
            let label = format!(" {}  {:<14}", choice.key, choice.label);
            let target = choice.url.as_deref().map(encode_url).unwrap_or_default();
            let room = inner_width.saturating_sub(label.chars().count());
            Line::from(vec![
                Span::styled(fit(&label, inner_width), theme.badge()),
                Span::styled(fit(&target, room), theme.link()),
            ])
        })
        .collect();
    frame.render_widget(Paragraph::new(lines), inner);
}
