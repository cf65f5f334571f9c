//! The full-text pane (`f`): the laid-out text from its scroll position, the table of
//! contents over it (`t`), the search being typed or the hit shown in its bottom border.
//! Beside the list when list and detail sit side by side, else the whole screen above the
//! status bar (`App::fulltext_area`). Draws only the visible lines, so a 100-page paper costs
//! what one screen does.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::style::{Modifier, Style};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Clear, Paragraph};

use super::Theme;
use super::hyperlink::{LinkRun, encode_url};
use crate::app::App;
use crate::app::fulltext::{FullTextContent, FullTextView};
use crate::text::doc::{Rendered, SpanStyle};
use crate::text::fit;

/// Draws the open full text; returns the runs of its links that become OSC 8 hyperlinks (see
/// `honest_link_text` for which words may carry one).
pub fn render(
    frame: &mut Frame<'_>,
    app: &App,
    theme: &Theme,
    view: &FullTextView,
) -> Vec<LinkRun> {
    let area = app.fulltext_area();
    if area.width < 4 || area.height < 3 {
        return Vec::new();
    }
    frame.render_widget(Clear, area);
    let block = Block::default()
        .borders(Borders::ALL)
        .border_style(theme.border(true))
        .title(Span::styled(
            fit(&format!(" {} ", view.title), usize::from(area.width - 2)),
            theme.title(),
        ))
        .title_bottom(Span::styled(
            fit(&bottom_line(view), usize::from(area.width - 2)),
            theme.muted(),
        ));
    let inner = block.inner(area);
    frame.render_widget(block, area);
    let rendered = match &view.content {
        FullTextContent::Ready(loaded) => &loaded.rendered,
        FullTextContent::Fetching => {
            let text = fit("fetching full text…", usize::from(inner.width));
            frame.render_widget(Paragraph::new(Line::styled(text, theme.muted())), inner);
            return Vec::new();
        }
        FullTextContent::Failed(error) => {
            let lines = vec![
                Line::styled(
                    fit("No full text.", usize::from(inner.width)),
                    theme.error(),
                ),
                Line::from(fit(error, usize::from(inner.width))),
                Line::styled(
                    fit("Esc goes back.", usize::from(inner.width)),
                    theme.muted(),
                ),
            ];
            frame.render_widget(Paragraph::new(lines), inner);
            return Vec::new();
        }
    };
    let runs = draw_lines(frame, view, rendered, theme, inner);
    if let Some(entry) = view.toc {
        draw_toc(frame, rendered, entry, theme, inner);
        return Vec::new();
    }
    runs
}

/// What the bottom border says: the search being typed, else the place and the keys.
fn bottom_line(view: &FullTextView) -> String {
    if view.search.editing {
        return format!(" /{}▏ ", view.search.text);
    }
    let Some(rendered) = view.rendered() else {
        return " Esc back ".to_string();
    };
    let total = rendered.lines.len().max(1);
    // While the rest is laid out the total is not known yet.
    let percent = if view.is_complete() {
        format!("{}%", (view.scroll.min(total) * 100) / total)
    } else {
        "…".to_string()
    };
    let section = rendered
        .sections
        .iter()
        .rev()
        .find(|s| s.line <= view.scroll)
        .map(|s| format!("{} · ", s.title))
        .unwrap_or_default();
    format!(" {section}{percent} · {{ }} sections · t contents · / search · Esc back ")
}

fn draw_lines(
    frame: &mut Frame<'_>,
    view: &FullTextView,
    rendered: &Rendered,
    theme: &Theme,
    inner: Rect,
) -> Vec<LinkRun> {
    let height = usize::from(inner.height);
    let query = view.search.query.as_str();
    let mut runs = Vec::new();
    let mut lines = Vec::with_capacity(height);
    for (offset, line) in rendered
        .lines
        .iter()
        .skip(view.scroll)
        .take(height)
        .enumerate()
    {
        let mut spans = Vec::with_capacity(line.spans.len());
        let mut column: u16 = 0;
        for span in &line.spans {
            let style = span_style(span.style, theme);
            let width = u16::try_from(unicode_width::UnicodeWidthStr::width(span.text.as_str()))
                .unwrap_or(u16::MAX);
            if let Some(url) = span.link.and_then(|at| rendered.links.get(at)) {
                let y = inner.y + u16::try_from(offset).unwrap_or(0);
                runs.extend(link_run(inner, column, y, &span.text, url));
            }
            push_highlighted(&mut spans, &span.text, style, query, theme.highlight());
            column = column.saturating_add(width);
        }
        lines.push(Line::from(spans));
    }
    frame.render_widget(Paragraph::new(lines), inner);
    runs
}

/// The hyperlink run of a link span drawn at `column` of the pane's row `y`, cut at the pane's
/// right edge: a layout made for a wider pane is shown (clipped) until the new one arrives after
/// a resize, and a run past the edge would be written over the next screen row.
fn link_run(inner: Rect, column: u16, y: u16, span_text: &str, url: &str) -> Option<LinkRun> {
    let encoded = encode_url(url);
    let text = span_text.trim();
    if text.is_empty() || !text.is_ascii() || !honest_link_text(text, &encoded) {
        return None;
    }
    let lead = u16::try_from(span_text.len() - span_text.trim_start().len()).unwrap_or(u16::MAX);
    let start = column.saturating_add(lead);
    let room = usize::from(inner.width.saturating_sub(start));
    // ASCII: one byte per column.
    let shown = text.get(..text.len().min(room))?.trim_end();
    if shown.is_empty() {
        return None;
    }
    Some(LinkRun {
        x: inner.x + start,
        y,
        text: shown.to_string(),
        url: encoded,
    })
}

/// Whether `text` may be drawn as a link to `url`: words such as "the code" may (as in a
/// browser, the terminal shows the target on hover), but text that itself looks like an
/// address must be a part of the address it opens, so no link can pose as another.
fn honest_link_text(text: &str, url: &str) -> bool {
    let lower = text.to_ascii_lowercase();
    let looks_like_address = lower.contains("://")
        || lower.starts_with("www.")
        || lower.split_whitespace().any(|word| {
            let word = word.trim_matches(|c: char| !c.is_ascii_alphanumeric());
            word.contains('.')
                && word.rsplit('.').next().is_some_and(|tld| {
                    tld.len() >= 2 && tld.chars().all(|c| c.is_ascii_alphabetic())
                })
        });
    !looks_like_address || url.contains(text)
}

/// Pushes `text` in `style`, with the (ASCII, case-insensitive) matches of `query` marked.
fn push_highlighted(
    spans: &mut Vec<Span<'static>>,
    text: &str,
    style: Style,
    query: &str,
    mark: Style,
) {
    if query.is_empty() || !text.is_ascii() {
        spans.push(Span::styled(text.to_string(), style));
        return;
    }
    let lower = text.to_ascii_lowercase();
    let mut last = 0;
    for (at, found) in lower.match_indices(query) {
        if at > last {
            spans.push(Span::styled(text[last..at].to_string(), style));
        }
        spans.push(Span::styled(
            text[at..at + found.len()].to_string(),
            style.patch(mark),
        ));
        last = at + found.len();
    }
    if last < text.len() || last == 0 {
        spans.push(Span::styled(text[last..].to_string(), style));
    }
}

fn span_style(style: SpanStyle, theme: &Theme) -> Style {
    let mut out = Style::new();
    if let Some(level) = style.heading {
        out = out.patch(theme.label());
        if level <= 2 {
            out = out.add_modifier(Modifier::UNDERLINED);
        }
    }
    if style.strong {
        out = out.add_modifier(Modifier::BOLD);
    }
    if style.emph {
        out = out.add_modifier(Modifier::ITALIC);
    }
    if style.code || style.math {
        out = out.patch(theme.badge());
    }
    if style.link {
        out = out.patch(theme.link());
    }
    if style.quote || style.decoration {
        out = out.patch(theme.muted());
    }
    out
}

/// The table of contents over the text: one line per section, indented by level, the chosen
/// one reversed and kept in view.
fn draw_toc(frame: &mut Frame<'_>, rendered: &Rendered, entry: usize, theme: &Theme, inner: Rect) {
    let width = inner.width.min(70);
    let height = u16::try_from(rendered.sections.len())
        .unwrap_or(u16::MAX)
        .saturating_add(2)
        .min(inner.height);
    if width < 10 || height < 3 {
        return;
    }
    let popup = Rect::new(
        inner.x + (inner.width - width) / 2,
        inner.y + (inner.height - height) / 2,
        width,
        height,
    );
    frame.render_widget(Clear, popup);
    let title = " Contents — j/k, Enter jumps, Esc closes ".to_string();
    let Some(list) = super::pane(frame, popup, title, true, theme) else {
        return;
    };
    let rows = usize::from(list.height);
    let first = entry.saturating_sub(rows.saturating_sub(1));
    let lines: Vec<Line<'_>> = rendered
        .sections
        .iter()
        .enumerate()
        .skip(first)
        .take(rows)
        .map(|(at, section)| {
            let indent = "  ".repeat(usize::from(section.level.saturating_sub(1)));
            let text = fit(
                &format!("{indent}{}", section.title),
                usize::from(list.width),
            );
            let style = if at == entry {
                theme.selected()
            } else {
                Style::new()
            };
            Line::styled(super::pad(&text, usize::from(list.width)), style)
        })
        .collect();
    frame.render_widget(Paragraph::new(lines), list);
}

#[cfg(test)]
mod tests {
    use super::{Rect, honest_link_text, link_run};

    #[test]
    fn a_link_past_the_panes_edge_is_cut_there() {
        let inner = Rect::new(118, 1, 40, 20);
        let url = "https://github.com/o/r";
        let run = link_run(inner, 2, 5, " link to the code", url).unwrap();
        assert_eq!(
            (run.x, run.y, run.text.as_str()),
            (121, 5, "link to the code")
        );
        let cut = link_run(inner, 30, 5, "link to the code", url).unwrap();
        assert_eq!((cut.x, cut.text.as_str()), (148, "link to th"));
        assert!(u32::from(cut.x) + cut.text.len() as u32 <= u32::from(inner.x + inner.width));
        assert_eq!(link_run(inner, 40, 5, "link", url), None);
        assert_eq!(link_run(inner, 70, 5, "link", url), None);
    }

    #[test]
    fn words_may_link_anywhere_but_an_address_only_to_itself() {
        let url = "https://github.com/org/repo";
        assert!(honest_link_text("the code", url));
        assert!(honest_link_text("Section 3", url));
        assert!(honest_link_text("github.com/org/repo", url));
        assert!(honest_link_text(url, url));
        assert!(!honest_link_text("https://arxiv.org/abs/1", url));
        assert!(!honest_link_text("www.example.org", url));
        assert!(!honest_link_text("see example.org now", url));
        assert!(!honest_link_text("HTTPS://GITHUB.COM/ORG/REPO", url));
        // Version numbers and decimals are not addresses.
        assert!(honest_link_text("v1.2 release", url));
        assert!(honest_link_text("Table 3.1", url));
    }
}
