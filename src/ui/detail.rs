//! The detail pane: title, authors, dates, categories, counts, links, AI summary and keywords,
//! then the abstract wrapped with textwrap to the pane width; scrollable.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;

use super::Theme;
use crate::app::{App, Focus};
use crate::model::{ListRow, Paper, PaperId};
use crate::text::fit;

/// Authors listed before "+N more".
const SHOWN_AUTHORS: usize = 6;

pub fn render(frame: &mut Frame<'_>, app: &App, theme: &Theme, area: Rect) {
    let Some(inner) = super::pane(
        frame,
        area,
        " Detail ".to_string(),
        app.focus == Focus::Detail,
        theme,
    ) else {
        return;
    };
    let width = usize::from(inner.width);
    let lines = match (app.selected_row(), app.detail.as_ref()) {
        (None, _) => vec![Line::styled("No paper selected.", theme.muted())],
        (Some(row), Some(paper)) if paper.id == row.id => {
            let needed = usize::from(app.detail_scroll) + usize::from(inner.height);
            paper_lines(app, paper, theme, width, needed)
        }
        (Some(row), _) => row_lines(app, row, theme, width),
    };
    let visible = super::scrolled(lines, app.detail_scroll, inner.height);
    frame.render_widget(Paragraph::new(visible), inner);
}

fn wrap<'a>(text: &str, width: usize, style: ratatui::style::Style) -> Vec<Line<'a>> {
    let mut lines = Vec::new();
    for (i, paragraph) in text.split("\n\n").enumerate() {
        if i > 0 {
            lines.push(Line::default());
        }
        for line in textwrap::wrap(paragraph, width.max(1)) {
            lines.push(Line::styled(line.into_owned(), style));
        }
    }
    lines
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
        && let (Some(for_you), Some(&row)) = (&catalog.for_you, catalog.index.get(id))
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

fn authors_text(authors: &[impl AsRef<str>], total: usize) -> String {
    let shown: Vec<&str> = authors
        .iter()
        .take(SHOWN_AUTHORS)
        .map(AsRef::as_ref)
        .collect();
    let mut text = shown.join(", ");
    if total > shown.len() {
        text.push_str(&format!(" +{} more", total - shown.len()));
    }
    text
}

fn marks(app: &App, id: &crate::model::PaperId) -> String {
    let mut marks = Vec::new();
    if app.catalog.is_starred(id) {
        marks.push("★ starred");
    }
    marks.push(if app.catalog.is_read(id) {
        "read"
    } else {
        "● unread"
    });
    marks.join(" · ")
}

/// The detail's lines; the abstract is wrapped only as far as `needed` lines (what the scroll
/// position and the pane show) plus one, so scrolling on asks for more.
fn paper_lines<'a>(
    app: &App,
    paper: &Paper,
    theme: &Theme,
    width: usize,
    needed: usize,
) -> Vec<Line<'a>> {
    let words = app.highlight_words();
    let mut lines = wrap_marked(
        &paper.title,
        width,
        theme.title(),
        &words,
        theme,
        usize::MAX,
    );
    lines.push(Line::styled(
        fit(&marks(app, &paper.id), width),
        theme.star(),
    ));
    lines.extend(user_lines(app, &paper.id, theme, width));
    lines.push(Line::default());
    if !paper.authors.is_empty() {
        lines.extend(labelled(
            "Authors",
            authors_text(&paper.authors, paper.authors.len()),
            theme,
            width,
        ));
    }
    let mut dates = Vec::new();
    if let Some(published) = paper.published {
        dates.push(format!("published {}", published.format("%Y-%m-%d")));
    }
    if let Some(day) = paper.daily_date {
        dates.push(format!("listed {}", day.format("%Y-%m-%d")));
    }
    if !dates.is_empty() {
        lines.extend(labelled("Dates", dates.join(" · "), theme, width));
    }
    lines.extend(labelled("Id", paper.id.to_string(), theme, width));
    if !paper.categories.is_empty() {
        lines.extend(labelled(
            "Categories",
            paper.categories.join(", "),
            theme,
            width,
        ));
    }
    let mut counts = Vec::new();
    if let Some(n) = paper.upvotes {
        counts.push(format!("▲ {n} upvotes"));
    }
    if let Some(n) = paper.comments {
        counts.push(format!("{n} comments"));
    }
    if let Some(n) = paper.github_stars {
        counts.push(format!("{n} GitHub stars"));
    }
    if !counts.is_empty() {
        lines.extend(labelled("Counts", counts.join(" · "), theme, width));
    }
    let sources: Vec<&str> = paper.sources.iter().map(|s| s.badge()).collect();
    lines.extend(labelled("Sources", sources.join(", "), theme, width));
    if let Some(comment) = &paper.arxiv_comment {
        lines.extend(labelled("Comment", comment.clone(), theme, width));
    }
    if let Some(journal) = &paper.journal_ref {
        lines.extend(labelled("Journal", journal.clone(), theme, width));
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
            lines.push(Line::from(vec![
                Span::styled(format!("{label}: "), theme.label()),
                Span::styled(
                    fit(url, width.saturating_sub(label.len() + 2)),
                    theme.link(),
                ),
            ]));
        }
    }
    if let Some(summary) = &paper.ai_summary {
        lines.push(Line::default());
        lines.push(Line::styled("AI summary", theme.label()));
        lines.extend(wrap(summary, width, ratatui::style::Style::new()));
    }
    if !paper.ai_keywords.is_empty() {
        lines.extend(labelled(
            "Keywords",
            paper.ai_keywords.join(", "),
            theme,
            width,
        ));
    }
    lines.push(Line::default());
    if paper.abstract_text.is_empty() {
        lines.push(Line::styled("(no abstract)", theme.muted()));
    } else {
        lines.push(Line::styled("Abstract", theme.label()));
        let budget = needed.saturating_sub(lines.len()) + 1;
        lines.extend(wrap_marked(
            &paper.abstract_text,
            width,
            ratatui::style::Style::new(),
            &words,
            theme,
            budget,
        ));
    }
    lines
}

/// What can be shown from the list row while the full record loads.
fn row_lines<'a>(app: &App, row: &ListRow, theme: &Theme, width: usize) -> Vec<Line<'a>> {
    let words = app.highlight_words();
    let mut lines = wrap_marked(&row.title, width, theme.title(), &words, theme, usize::MAX);
    lines.push(Line::styled(fit(&marks(app, &row.id), width), theme.star()));
    lines.extend(user_lines(app, &row.id, theme, width));
    lines.push(Line::default());
    if !row.authors.is_empty() {
        let total = usize::try_from(row.author_count).unwrap_or(row.authors.len());
        lines.extend(labelled(
            "Authors",
            authors_text(&row.authors, total),
            theme,
            width,
        ));
    }
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
