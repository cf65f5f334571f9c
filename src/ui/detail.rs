//! The detail pane, in reading order: the title; the authors on one line (cut at a name, with
//! "+N more"); one compact line of marks, date, upvotes, comments, GitHub stars and sources; the
//! note; the AI summary; then the abstract, wrapped to the pane width; ids, categories and links
//! after it. Scrollable, with the position ("62%", or "more ↓" while the end is not wrapped
//! yet) on the top border, right. Reports where each link landed, for OSC 8 (see `hyperlink`).

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;
use unicode_width::UnicodeWidthStr;

use super::Theme;
use super::hyperlink::{LinkRun, encode_url};
use crate::app::{App, Focus};
use crate::model::{ListRow, Paper, PaperId};
use crate::text::fit;

/// The lines of the detail, the links among them, and whether the text goes on past them.
struct DetailText<'a> {
    lines: Vec<Line<'a>>,
    /// (line index, column, text, url) of each link part.
    links: Vec<(usize, u16, String, String)>,
    /// The abstract was wrapped only part way: more lines follow.
    more: bool,
    /// The number of lines up to the end of the abstract, once it is all laid out.
    abstract_end: Option<usize>,
}

impl<'a> DetailText<'a> {
    fn new() -> Self {
        DetailText {
            lines: Vec::new(),
            links: Vec::new(),
            more: false,
            abstract_end: None,
        }
    }
}

/// Draws the pane; returns the links on screen.
pub fn render(frame: &mut Frame<'_>, app: &App, theme: &Theme, area: Rect) -> Vec<LinkRun> {
    let focused = app.focus == Focus::Detail || app.layout_prefs.zoomed;
    let inner = ratatui::widgets::Block::default()
        .borders(ratatui::widgets::Borders::ALL)
        .inner(area);
    let width = usize::from(inner.width);
    let text = match (app.selected_row(), app.detail.as_ref()) {
        (None, _) => {
            let mut text = DetailText::new();
            text.lines
                .push(Line::styled("No paper selected.", theme.muted()));
            text
        }
        (Some(row), Some(paper)) if paper.id == row.id => {
            let needed = usize::from(app.detail_scroll) + usize::from(inner.height);
            let text = paper_text(app, paper, theme, width, needed);
            // Space and `G` need to know where the text ends at this width.
            app.nav.note_detail_extent(
                &paper.id,
                text.lines.len(),
                needed,
                inner.height,
                text.abstract_end,
            );
            text
        }
        (Some(row), _) => {
            let mut text = DetailText::new();
            text.lines = row_lines(app, row, theme, width);
            text
        }
    };
    let total = text.lines.len();
    let height = usize::from(inner.height);
    let scroll = usize::from(app.detail_scroll).min(total.saturating_sub(height));
    let position = if text.more {
        Some("more ↓".to_string())
    } else if scroll + height < total {
        Some(format!("{}%", (scroll + height) * 100 / total.max(1)))
    } else {
        None
    };
    let mut title = " Detail ".to_string();
    if app.layout_prefs.zoomed {
        title.push_str("(z: back) ");
    }
    let mut block = ratatui::widgets::Block::default()
        .borders(ratatui::widgets::Borders::ALL)
        .border_style(theme.border(focused))
        .title(Span::styled(title, theme.title()));
    if let Some(position) = position {
        // On the top border, right: the bottom border stays whole (and it is where the eye
        // goes first when the pane opens).
        block = block.title(
            Line::from(Span::styled(format!(" {position} "), theme.title())).right_aligned(),
        );
    }
    frame.render_widget(block, area);
    if inner.width == 0 || inner.height == 0 {
        return Vec::new();
    }
    let runs = text
        .links
        .iter()
        .filter(|(line, ..)| (scroll..scroll + height).contains(line))
        .filter_map(|(line, column, part, url)| {
            let y = inner.y + u16::try_from(line - scroll).ok()?;
            Some(LinkRun {
                x: inner.x + column,
                y,
                text: part.clone(),
                url: url.clone(),
            })
        })
        .collect();
    let visible = super::scrolled(text.lines, app.detail_scroll, inner.height);
    frame.render_widget(Paragraph::new(visible), inner);
    runs
}

/// Like `wrap`, with the query's words highlighted line by line, and at most `budget` lines:
/// an abstract can be 200,000 characters, and only what is on screen needs wrapping.
fn wrap_marked<'a>(
    text: &str,
    width: usize,
    style: ratatui::style::Style,
    words: &[String],
    theme: &Theme,
    budget: usize,
) -> Vec<Line<'a>> {
    let width = width.max(1);
    let mut lines = Vec::new();
    for (i, paragraph) in text.split("\n\n").enumerate() {
        if lines.len() >= budget {
            break;
        }
        if i > 0 {
            lines.push(Line::default());
        }
        // A wrapped line holds at most `width` characters, so this prefix fills the budget.
        let room = budget.saturating_sub(lines.len()).saturating_add(1);
        let prefix_end = paragraph
            .char_indices()
            .nth(room.saturating_mul(width))
            .map_or(paragraph.len(), |(at, _)| at);
        for line in textwrap::wrap(&paragraph[..prefix_end], width)
            .into_iter()
            .take(room)
        {
            lines.push(Line::from(super::highlighted(
                &line,
                words,
                style,
                theme.highlight(),
            )));
        }
    }
    lines
}

/// The note and, for a paper For you picked, why: shown under the marks.
fn user_lines<'a>(app: &App, id: &PaperId, theme: &Theme, width: usize) -> Vec<Line<'a>> {
    let mut lines = Vec::new();
    if let Some(note) = app.catalog.note(id) {
        lines.extend(labelled("Note", note.to_string(), theme, width));
    }
    let catalog = &app.catalog;
    if !catalog.is_starred(id)
        && let (Some(for_you), Some(row)) = (&catalog.for_you, catalog.index.get(id))
        && let Some(reason) = for_you.explain(&catalog.text, row)
    {
        lines.extend(labelled("For you", reason.describe(), theme, width));
    }
    lines
}

fn labelled<'a>(label: &str, value: String, theme: &Theme, width: usize) -> Vec<Line<'a>> {
    let prefix = format!("{label}: ");
    let indent = " ".repeat(prefix.len());
    let options = textwrap::Options::new(width.max(1))
        .initial_indent(&prefix)
        .subsequent_indent(&indent);
    textwrap::wrap(&value, options)
        .into_iter()
        .enumerate()
        .map(|(i, line)| {
            let line = line.into_owned();
            if i == 0 && line.starts_with(&prefix) {
                let rest = line[prefix.len()..].to_string();
                Line::from(vec![
                    Span::styled(prefix.clone(), theme.label()),
                    Span::raw(rest),
                ])
            } else {
                Line::raw(line)
            }
        })
        .collect()
}

/// The authors on one line of `width` columns: as many whole names as fit, then "+N more";
/// never a name cut in the middle ("9 authors" when not even the first fits).
fn authors_line(authors: &[impl AsRef<str>], total: usize, width: usize) -> String {
    let total = total.max(authors.len());
    for shown in (1..=authors.len()).rev() {
        let mut text = authors[..shown]
            .iter()
            .map(AsRef::as_ref)
            .collect::<Vec<_>>()
            .join(", ");
        if total > shown {
            text.push_str(&format!(" +{} more", total - shown));
        }
        if text.width() <= width {
            return text;
        }
    }
    let all = format!("{total} author{}", if total == 1 { "" } else { "s" });
    fit(&all, width)
}

fn marks(app: &App, id: &PaperId) -> Vec<String> {
    let mut marks = Vec::new();
    if app.catalog.is_starred(id) {
        marks.push("★ starred".to_string());
    }
    marks.push(
        if app.catalog.is_read(id) {
            "read"
        } else {
            "● unread"
        }
        .to_string(),
    );
    if app.catalog.note(id).is_some() {
        marks.push("✎ note".to_string());
    }
    marks
}

/// "1 comment", "7 comments".
fn plural(n: u32, one: &str, many: &str) -> String {
    format!("{n} {}", if n == 1 { one } else { many })
}

/// 1234 → "1234", 12345 → "12.3k".
fn compact(n: u32) -> String {
    if n < 10_000 {
        n.to_string()
    } else {
        format!("{:.1}k", f64::from(n) / 1000.0)
    }
}

/// The compact facts line: marks · date · upvotes · comments · GitHub stars · sources, in
/// `width` columns. Words go before facts do: "● unread" becomes "●" (the list's mark), then
/// "▲ 142 upvotes" becomes "▲ 142"; still too wide, the facts wrap between items, never
/// inside one. "GitHub stars" stays spelled out: "★" alone reads as the user's star.
fn facts_lines(app: &App, paper: &Paper, width: usize) -> Vec<String> {
    let mut items = facts(app, paper, true, true);
    if items.join(" · ").width() > width {
        items = facts(app, paper, true, false);
    }
    if items.join(" · ").width() > width {
        items = facts(app, paper, false, false);
    }
    let mut lines: Vec<String> = Vec::new();
    for item in items {
        match lines.last_mut() {
            Some(line) if line.width() + 3 + item.width() <= width => {
                line.push_str(" · ");
                line.push_str(&item);
            }
            _ => lines.push(fit(&item, width)),
        }
    }
    lines
}

fn facts(app: &App, paper: &Paper, upvote_word: bool, unread_word: bool) -> Vec<String> {
    let mut facts = marks(app, &paper.id);
    if !unread_word && let Some(unread) = facts.iter_mut().find(|m| *m == "● unread") {
        *unread = "●".to_string();
    }
    let day = paper
        .daily_date
        .or_else(|| paper.published.map(|p| p.date_naive()));
    if let Some(day) = day {
        facts.push(day.format("%Y-%m-%d").to_string());
    }
    if let Some(n) = paper.upvotes {
        facts.push(if upvote_word {
            format!("▲ {}", plural(n, "upvote", "upvotes"))
        } else {
            format!("▲ {n}")
        });
    }
    if let Some(n) = paper.comments {
        facts.push(plural(n, "comment", "comments"));
    }
    if let Some(n) = paper.github_stars {
        facts.push(format!(
            "{} GitHub {}",
            compact(n),
            if n == 1 { "star" } else { "stars" }
        ));
    }
    let mut sources: Vec<&str> = paper.sources.iter().map(|s| s.badge()).collect();
    // As in the list: HF, then arXiv, then feeds.
    sources.sort_by_key(|b| match *b {
        "HF" => 0,
        "arXiv" => 1,
        _ => 2,
    });
    if !sources.is_empty() {
        facts.push(sources.join("·"));
    }
    facts
}

/// The detail's lines; the abstract is wrapped only as far as `needed` lines (what the scroll
/// position and the pane show) plus one, so scrolling on asks for more. What comes after the
/// abstract is added only once all of it is wrapped.
fn paper_text<'a>(
    app: &App,
    paper: &Paper,
    theme: &Theme,
    width: usize,
    needed: usize,
) -> DetailText<'a> {
    let words = app.highlight_words();
    let mut text = DetailText::new();
    let lines = &mut text.lines;
    lines.extend(wrap_marked(
        &paper.title,
        width,
        theme.title(),
        &words,
        theme,
        usize::MAX,
    ));
    if !paper.authors.is_empty() {
        lines.push(Line::raw(authors_line(
            &paper.authors,
            paper.authors.len(),
            width,
        )));
    }
    for facts in facts_lines(app, paper, width) {
        lines.push(Line::styled(facts, theme.label()));
    }
    lines.extend(user_lines(app, &paper.id, theme, width));
    if let Some(summary) = &paper.ai_summary {
        lines.extend(labelled("AI summary", summary.clone(), theme, width));
    }
    lines.push(Line::default());
    if paper.abstract_text.is_empty() {
        lines.push(Line::styled("(no abstract)", theme.muted()));
    } else {
        let budget = needed.saturating_sub(lines.len()) + 1;
        let abstract_lines = wrap_marked(
            &paper.abstract_text,
            width,
            Style::new(),
            &words,
            theme,
            budget,
        );
        if abstract_lines.len() >= budget {
            // Cut at the budget: the rest is not wrapped, and nothing after it is needed yet.
            lines.extend(abstract_lines.into_iter().take(budget));
            text.more = true;
            return text;
        }
        lines.extend(abstract_lines);
    }
    text.abstract_end = Some(lines.len());
    lines.push(Line::default());
    lines.extend(labelled("Id", paper.id.to_string(), theme, width));
    if !paper.categories.is_empty() {
        lines.extend(labelled(
            "Categories",
            paper.categories.join(", "),
            theme,
            width,
        ));
    }
    if let Some(comment) = &paper.arxiv_comment {
        lines.extend(labelled("Comment", comment.clone(), theme, width));
    }
    if let Some(journal) = &paper.journal_ref {
        lines.extend(labelled("Journal", journal.clone(), theme, width));
    }
    if !paper.ai_keywords.is_empty() {
        lines.extend(labelled(
            "Keywords",
            paper.ai_keywords.join(", "),
            theme,
            width,
        ));
    }
    let links = &paper.links;
    for (label, link) in [
        ("Abstract", &links.abs),
        ("PDF", &links.pdf),
        ("HF", &links.hf),
        ("Code", &links.github),
        ("Project", &links.project),
        ("DOI", &links.doi),
    ] {
        if let Some(url) = link {
            link_lines(&mut text, label, url, theme, width);
        }
    }
    if let Some(extras) = app.extras.as_ref().filter(|e| e.id == paper.id) {
        extras_lines(&mut text, extras, theme, width);
    }
    text
}

/// Linked entries shown per kind; the count says how many there are in all.
const LINKED_SHOWN: usize = 3;

/// The downloaded PDF, and the HF models, datasets and Spaces citing the paper (#13).
fn extras_lines(
    text: &mut DetailText<'_>,
    extras: &crate::app::PaperExtras,
    theme: &Theme,
    width: usize,
) {
    use crate::linked::RepoKind;
    if let Some(path) = &extras.pdf {
        let home = crate::config::home_dir();
        let shown = crate::config::display_home(path, home.as_deref());
        text.lines.extend(labelled(
            "Saved PDF",
            crate::text::sanitize_line(&shown),
            theme,
            width,
        ));
    }
    let summary = match (&extras.linked, &extras.linked_error, extras.linked_loading) {
        (Some(linked), _, _) => crate::linked::summary_line(linked),
        (None, Some(error), _) => error.clone(),
        (None, None, true) => "asking Hugging Face…".to_string(),
        (None, None, false) => return,
    };
    text.lines
        .extend(labelled("Cited on HF", summary, theme, width));
    let Some(linked) = &extras.linked else {
        return;
    };
    for (kind, label, repos) in [
        (RepoKind::Model, "Model", &linked.models),
        (RepoKind::Dataset, "Dataset", &linked.datasets),
        (RepoKind::Space, "Space", &linked.spaces),
    ] {
        for repo in repos.iter().take(LINKED_SHOWN) {
            link_lines(
                text,
                label,
                &kind.url(&extras.hf_base, &repo.id),
                theme,
                width,
            );
        }
    }
}

/// "Label: URL", the URL percent-encoded and wrapped over as many lines as it needs (so that
/// the visible text is the whole URL), each part recorded as a link.
fn link_lines(text: &mut DetailText<'_>, label: &str, url: &str, theme: &Theme, width: usize) {
    let shown = if crate::link::is_safe_web_url(url) {
        encode_url(url)
    } else {
        // Not a link paperboat would open: shown as plain text, cleaned and cut.
        let line = Line::from(vec![
            Span::styled(format!("{label}: "), theme.label()),
            Span::styled(
                fit(
                    &crate::text::sanitize_line(url),
                    width.saturating_sub(label.len() + 2),
                ),
                theme.muted(),
            ),
        ]);
        text.lines.push(line);
        return;
    };
    let prefix = format!("{label}: ");
    let first_room = width.saturating_sub(prefix.len());
    // A narrow pane puts the URL under its label, at full width.
    let (mut column, mut room) = if first_room >= 20 || shown.len() <= first_room {
        (prefix.len(), first_room)
    } else {
        text.lines
            .push(Line::from(Span::styled(prefix.clone(), theme.label())));
        (0, width)
    };
    let room_all = width.max(1);
    let mut rest = shown.as_str();
    let mut first = column > 0;
    while !rest.is_empty() {
        let take = rest.len().min(room.max(1));
        let (part, tail) = rest.split_at(take);
        let mut spans = Vec::new();
        if first {
            spans.push(Span::styled(prefix.clone(), theme.label()));
        }
        spans.push(Span::styled(part.to_string(), theme.link()));
        text.links.push((
            text.lines.len(),
            u16::try_from(column).unwrap_or(0),
            part.to_string(),
            shown.clone(),
        ));
        text.lines.push(Line::from(spans));
        rest = tail;
        first = false;
        column = 0;
        room = room_all;
    }
}

/// What can be shown from the list row while the full record loads.
fn row_lines<'a>(app: &App, row: &ListRow, theme: &Theme, width: usize) -> Vec<Line<'a>> {
    let words = app.highlight_words();
    let mut lines = wrap_marked(row.title(), width, theme.title(), &words, theme, usize::MAX);
    let authors: Vec<&str> = row.authors().collect();
    if !authors.is_empty() {
        let total = usize::try_from(row.author_count()).unwrap_or(authors.len());
        lines.push(Line::raw(authors_line(&authors, total, width)));
    }
    lines.push(Line::styled(
        fit(&marks(app, &row.id).join(" · "), width),
        theme.label(),
    ));
    lines.extend(user_lines(app, &row.id, theme, width));
    lines.push(Line::default());
    lines.extend(labelled("Id", row.id.to_string(), theme, width));
    lines.push(Line::default());
    let note = if app.detail_loading.as_ref() == Some(&row.id) {
        "loading…"
    } else {
        "(no details stored)"
    };
    lines.push(Line::styled(note, theme.muted()));
    lines
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn authors_are_cut_at_a_name_with_a_count_of_the_rest() {
        let authors = [
            "Ada Lovelace",
            "Alan Turing",
            "Grace Hopper",
            "Edsger Dijkstra",
        ];
        assert_eq!(
            authors_line(&authors, 4, 80),
            "Ada Lovelace, Alan Turing, Grace Hopper, Edsger Dijkstra"
        );
        assert_eq!(
            authors_line(&authors, 4, 40),
            "Ada Lovelace, Alan Turing +2 more"
        );
        assert_eq!(authors_line(&authors, 9, 30), "Ada Lovelace +8 more");
        assert_eq!(authors_line(&authors, 4, 12), "4 authors");
        assert_eq!(authors_line(&["Solo Author"], 1, 5), "1 au…");
    }

    #[test]
    fn counts_read_naturally() {
        assert_eq!(plural(1, "comment", "comments"), "1 comment");
        assert_eq!(plural(7, "comment", "comments"), "7 comments");
        assert_eq!(compact(1200), "1200");
        assert_eq!(compact(12_345), "12.3k");
    }
}
