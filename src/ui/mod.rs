//! `render()`: draws the App into a ratatui frame — list, detail, filter pane, status bar, help.
//! Pure: reads the App, never changes it, does no I/O.

pub mod detail;
pub mod filter;
pub mod fulltext;
pub mod help;
pub mod hyperlink;
pub mod list;
pub mod menu;
pub mod status;
pub mod theme;

use ratatui::Frame;
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;
use unicode_width::UnicodeWidthStr;

use crate::app::App;
use crate::text::fit;
pub use hyperlink::LinkRun;
pub use theme::Theme;

/// Draws the whole screen.
pub fn render(frame: &mut Frame<'_>, app: &App, theme: &Theme) {
    render_with_links(frame, app, theme);
}

/// Draws the whole screen and returns where the links on it are, for the reader to make them
/// OSC 8 hyperlinks after the frame (see `hyperlink`).
pub fn render_with_links(frame: &mut Frame<'_>, app: &App, theme: &Theme) -> Vec<LinkRun> {
    let area = frame.area();
    let layout = app.layout();
    if layout.too_small || area.width == 0 || area.height == 0 {
        let notice = fit("paperboat: terminal too small", usize::from(area.width));
        frame.render_widget(Paragraph::new(Line::from(notice)), area);
        return Vec::new();
    }
    // A full text over the whole width hides the list and the detail: not drawn at all.
    let covered = app.fulltext.open.is_some() && app.fulltext_area().width >= area.width;
    let mut links = Vec::new();
    if !covered {
        list::render(frame, app, theme, layout.list);
        if let Some(rect) = layout.detail {
            links = detail::render(frame, app, theme, rect);
        }
        if let Some(rect) = layout.filter {
            filter::render(frame, app, theme, rect);
        }
    }
    if let Some(view) = &app.fulltext.open {
        // Over the detail (beside the list) or the whole screen: the detail's links are gone.
        links = fulltext::render(frame, app, theme, view);
    }
    status::render(frame, app, theme, layout.status);
    if let Some(menu) = &app.link_menu {
        menu::render(frame, menu, theme, area);
        // The menu may cover some of the detail's links.
        links.clear();
    }
    if app.help_open {
        help::render(frame, app, theme, area);
        // The overlay covers the detail.
        links.clear();
    }
    links
}

/// Draws a bordered pane with `title` and returns the area inside the border, or `None` when
/// nothing fits inside.
pub fn pane(
    frame: &mut Frame<'_>,
    area: ratatui::layout::Rect,
    title: String,
    focused: bool,
    theme: &Theme,
) -> Option<ratatui::layout::Rect> {
    let block = ratatui::widgets::Block::default()
        .borders(ratatui::widgets::Borders::ALL)
        .border_style(theme.border(focused))
        .title(ratatui::text::Span::styled(title, theme.title()));
    let inner = block.inner(area);
    frame.render_widget(block, area);
    (inner.width > 0 && inner.height > 0).then_some(inner)
}

/// The `height` lines from `scroll` on, never scrolling past the last line.
pub fn scrolled(lines: Vec<Line<'_>>, scroll: u16, height: u16) -> Vec<Line<'_>> {
    let max_scroll = lines.len().saturating_sub(usize::from(height));
    lines
        .into_iter()
        .skip(usize::from(scroll).min(max_scroll))
        .take(usize::from(height))
        .collect()
}

/// `text` as spans in `base`, with the parts that `words` match (see `query::highlight`) in
/// `base` patched with `mark`.
pub fn highlighted<'a>(text: &str, words: &[String], base: Style, mark: Style) -> Vec<Span<'a>> {
    let mut spans = Vec::new();
    let mut last = 0;
    for range in crate::query::highlight::ranges(text, words) {
        if range.start > last {
            spans.push(Span::styled(text[last..range.start].to_string(), base));
        }
        spans.push(Span::styled(
            text[range.clone()].to_string(),
            base.patch(mark),
        ));
        last = range.end;
    }
    if last < text.len() || spans.is_empty() {
        spans.push(Span::styled(text[last..].to_string(), base));
    }
    spans
}

/// Pads `text` with spaces to exactly `width` columns (cutting it first when longer).
pub fn pad(text: &str, width: usize) -> String {
    let mut out = fit(text, width);
    let used = out.width();
    out.extend(std::iter::repeat_n(' ', width.saturating_sub(used)));
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pad_fills_to_the_exact_width() {
        assert_eq!(pad("ab", 4), "ab  ");
        assert_eq!(pad("短い題名", 5).width(), 5);
    }
}
