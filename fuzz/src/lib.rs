//! What every fuzz target checks besides "no panic, no hang": parsed papers carry no character
//! a terminal would act on, and no link the reader would refuse.

use paperboat::app::runtime::check_url;
use paperboat::model::Paper;

/// True for a character no stored text may hold: C0/C1 controls (but `\n` in blocks), bidi
/// embeddings, overrides and isolates, zero-width characters, and line/paragraph separators.
pub fn is_forbidden(ch: char, allow_newline: bool) -> bool {
    (ch.is_control() && !(allow_newline && ch == '\n'))
        || matches!(
            ch,
            '\u{200b}'..='\u{200f}'
                | '\u{202a}'..='\u{202e}'
                | '\u{2066}'..='\u{2069}'
                | '\u{2060}'
                | '\u{061c}'
                | '\u{feff}'
                | '\u{2028}'
                | '\u{2029}'
        )
}

fn check_text(field: &str, text: &str, allow_newline: bool) {
    if let Some(bad) = text.chars().find(|&ch| is_forbidden(ch, allow_newline)) {
        panic!("{field} holds {bad:?}: {text:?}");
    }
}

/// Panics when a parsed paper holds unsafe text or a link `check_url` would refuse.
pub fn check_paper(paper: &Paper) {
    check_text("id", paper.id.as_str(), false);
    check_text("title", &paper.title, false);
    check_text("abstract", &paper.abstract_text, true);
    for author in &paper.authors {
        check_text("author", author, false);
    }
    for word in paper.ai_keywords.iter().chain(&paper.categories) {
        check_text("keyword or category", word, false);
    }
    if let Some(summary) = &paper.ai_summary {
        check_text("ai summary", summary, true);
    }
    for line in [
        &paper.arxiv_comment,
        &paper.journal_ref,
        &paper.announce_type,
    ]
    .into_iter()
    .flatten()
    {
        check_text("comment, journal or announce type", line, false);
    }
    let links = &paper.links;
    for link in [
        &links.abs,
        &links.pdf,
        &links.hf,
        &links.github,
        &links.project,
        &links.doi,
    ]
    .into_iter()
    .flatten()
    {
        if let Err(message) = check_url(link) {
            panic!("a stored link the reader refuses: {message}");
        }
    }
}
