//! BibTeX entries and the citation keys every export shares.
//!
//! Keys depend only on the paper — family name, year, first significant title word and a
//! short suffix of its id (`vaswani2017attention-03762`) — so a paper has the same key in every
//! export, in `y`'s copied entry and in CSL-JSON/RIS, whatever else is exported with it.
//!
//! Entries carry what Zotero and biblatex read for arXiv papers: `eprinttype = {arxiv}` beside
//! `archivePrefix`/`eprint`/`primaryClass`, the `doi` when known, and `file` when the PDF was
//! downloaded. Title words with capitals after their first letter (`LLMs`, `GPT-4`, `ImageNet`)
//! are braced so styles that change the case keep them.

use super::{Exported, bare_doi, is_web_link, paper_url, year};
use crate::pdf::name::fold_to_ascii;

/// Title words never used for a citation key.
const KEY_STOPWORDS: &[&str] = &[
    "a", "an", "the", "on", "of", "in", "for", "to", "and", "with", "from", "by", "at", "is",
    "are", "as", "via", "towards", "toward", "how", "what", "why", "when", "do", "does",
];

/// Characters of the id kept at the end of a key.
const KEY_ID_SUFFIX: usize = 5;

/// The paper's citation key: `lovelace2025sparse-21318` (first author's family name, year,
/// first significant title word, the id's last letters and digits), ASCII only.
pub fn citation_key(item: &Exported) -> String {
    let family = item
        .paper
        .authors
        .first()
        .map(|name| super::split_name(name).0)
        .map(|family| fold_to_ascii(&family).to_ascii_lowercase())
        .filter(|n| !n.is_empty())
        .unwrap_or_else(|| "anon".to_string());
    let word = item
        .paper
        .title
        .split(|c: char| !c.is_alphanumeric())
        .map(|word| fold_to_ascii(word).to_ascii_lowercase())
        .find(|w| !w.is_empty() && !KEY_STOPWORDS.contains(&w.as_str()))
        .unwrap_or_else(|| "paper".to_string());
    let id: Vec<char> = item
        .paper
        .id
        .as_str()
        .chars()
        .filter(char::is_ascii_alphanumeric)
        .map(|c| c.to_ascii_lowercase())
        .collect();
    let suffix: String = id[id.len().saturating_sub(KEY_ID_SUFFIX)..]
        .iter()
        .collect();
    format!("{family}{}{word}-{suffix}", year(item))
}

/// Escapes text for a braced BibTeX field. Braces become `\textbraceleft{}` and
/// `\textbraceright{}` (BibTeX counts even escaped braces), so a field always balances.
pub fn bibtex_escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '\\' => out.push_str("\\textbackslash{}"),
            '{' => out.push_str("\\textbraceleft{}"),
            '}' => out.push_str("\\textbraceright{}"),
            '~' => out.push_str("\\textasciitilde{}"),
            '^' => out.push_str("\\textasciicircum{}"),
            '&' | '%' | '$' | '#' | '_' => {
                out.push('\\');
                out.push(c);
            }
            c if c.is_control() => out.push(' '),
            c => out.push(c),
        }
    }
    out
}

/// The title escaped, with every word that has a capital after its first letter braced
/// (`{LLMs}`, `{GPT-4}`), so BibTeX styles and pandoc keep its case.
pub fn protect_capitals(title: &str) -> String {
    title
        .split(' ')
        .map(|word| {
            if !word.chars().skip(1).any(char::is_uppercase) {
                return bibtex_escape(word);
            }
            // Brace the word itself, not the punctuation around it: `({LLMs}):`.
            let start = word.find(char::is_alphanumeric).unwrap_or(0);
            let end = word
                .rfind(char::is_alphanumeric)
                .map(|at| at + word[at..].chars().next().map_or(1, char::len_utf8))
                .unwrap_or(word.len());
            format!(
                "{}{{{}}}{}",
                bibtex_escape(&word[..start]),
                bibtex_escape(&word[start..end]),
                bibtex_escape(&word[end..])
            )
        })
        .collect::<Vec<_>>()
        .join(" ")
}

/// A name for BibTeX's `and`-joined author list: a name that itself contains " and " is
/// braced so it stays one person.
fn bibtex_name(name: &str) -> String {
    let escaped = bibtex_escape(name);
    if name.to_lowercase().split_whitespace().any(|w| w == "and") {
        format!("{{{escaped}}}")
    } else {
        escaped
    }
}

/// The `file` field's value: the path as it is, when BibTeX can hold it unescaped (no braces,
/// backslash or percent; not UTF-8 means no field).
fn file_field(path: &std::path::Path) -> Option<String> {
    let text = path.to_str()?;
    (!text.contains(['{', '}', '\\', '%']) && !text.chars().any(char::is_control))
        .then(|| text.to_string())
}

/// One `@misc` (or `@article` with a journal reference) entry per paper.
pub fn bibtex(papers: &[Exported]) -> String {
    let mut out = String::new();
    for item in papers {
        let paper = &item.paper;
        let kind = if paper.journal_ref.is_some() {
            "article"
        } else {
            "misc"
        };
        let mut fields: Vec<(&str, String)> = vec![("title", protect_capitals(&paper.title))];
        if !paper.authors.is_empty() {
            let names: Vec<String> = paper.authors.iter().map(|a| bibtex_name(a)).collect();
            fields.push(("author", names.join(" and ")));
        }
        if let Some(journal) = &paper.journal_ref {
            fields.push(("journal", bibtex_escape(journal)));
        }
        fields.push(("year", year(item).to_string()));
        if paper.id.is_arxiv() {
            fields.push(("eprint", bibtex_escape(paper.id.as_str())));
            fields.push(("eprinttype", "arxiv".to_string()));
            fields.push(("archivePrefix", "arXiv".to_string()));
            if let Some(primary) = paper.categories.first() {
                fields.push(("primaryClass", bibtex_escape(primary)));
            }
        }
        if let Some(url) = paper_url(paper).filter(|u| is_web_link(u)) {
            fields.push(("url", bibtex_escape(&url)));
        }
        if let Some(doi) = &paper.links.doi {
            fields.push(("doi", bibtex_escape(bare_doi(doi))));
        }
        if let Some(file) = item.pdf.as_deref().and_then(file_field) {
            fields.push(("file", file));
        }
        out.push_str(&format!("@{kind}{{{},\n", citation_key(item)));
        for (name, value) in fields {
            out.push_str(&format!("  {name} = {{{value}}},\n"));
        }
        out.push_str("}\n\n");
    }
    out
}

#[cfg(test)]
mod tests {
    use std::path::PathBuf;

    use biblatex::{Bibliography, ChunksExt};

    use super::*;
    use crate::export::tests::item;

    #[test]
    fn keys_depend_only_on_the_paper() {
        let papers = [
            item("2504.00001", "The Sparse Mixture", &["Ada Lovelace"], 2025),
            item("2504.00002", "On Zoë's Ünusual Graphs", &["Zoë Ünal"], 2024),
            item("feed:x:00000000000000aa", "!!!", &[], 2023),
            item("math.GT/0309136", "Knots", &["Lovelace, Ada"], 2003),
        ];
        let keys: Vec<String> = papers.iter().map(citation_key).collect();
        assert_eq!(
            keys,
            [
                "lovelace2025sparse-00001",
                "unal2024zoe-00002",
                "anon2023paper-000aa",
                "lovelace2003knots-09136"
            ]
        );
        // Same key alone or among others, in any order.
        let one = bibtex(&papers[1..2]);
        assert!(one.starts_with("@misc{unal2024zoe-00002,\n"), "{one}");
        let two = item("2504.00003", "Sparse experts", &["Ada Lovelace"], 2025);
        assert_ne!(citation_key(&two), keys[0]);
    }

    #[test]
    fn special_characters_are_escaped_and_braces_balance() {
        let escaped = bibtex_escape("50% of {x} & $y_1$ # ~ ^ \\");
        assert_eq!(
            escaped,
            "50\\% of \\textbraceleft{}x\\textbraceright{} \\& \\$y\\_1\\$ \\# \
             \\textasciitilde{} \\textasciicircum{} \\textbackslash{}"
        );
        let depth = escaped.chars().fold(0i32, |d, c| match c {
            '{' => d + 1,
            '}' => d - 1,
            _ => d,
        });
        assert_eq!(depth, 0);
    }

    #[test]
    fn capitals_inside_words_are_protected() {
        assert_eq!(
            protect_capitals("Scaling LLMs with GPT-4 on ImageNet: A Study"),
            "Scaling {LLMs} with {GPT-4} on {ImageNet}: A Study"
        );
        assert_eq!(
            protect_capitals("{x} of (LLMs)."),
            "\\textbraceleft{}x\\textbraceright{} of ({LLMs})."
        );
    }

    #[test]
    fn entries_parse_with_biblatex_and_carry_what_zotero_reads() {
        let mut arxiv = item(
            "2504.21318",
            "Sparse LLMs: 50% of {the} GPT-4 & more",
            &["Ada Lovelace", "Tom and Jerry"],
            2025,
        );
        arxiv.paper.categories = vec!["cs.LG".into()];
        arxiv.paper.links.doi = Some("https://doi.org/10.48550/arXiv.2504.21318".into());
        arxiv.pdf = Some(PathBuf::from(
            "/home/ada/papers/Lovelace2025-sparse-llms.pdf",
        ));
        let mut journal = item("feed:x:00000000000000ab", "Dense", &["Bob"], 2024);
        journal.paper.journal_ref = Some("Nature 1, 2".into());
        journal.pdf = Some(PathBuf::from("/tmp/{odd}.pdf"));
        let text = bibtex(&[arxiv, journal]);
        let bibliography = Bibliography::parse(&text).unwrap();
        assert_eq!(bibliography.len(), 2);
        let entry = bibliography.get("lovelace2025sparse-21318").unwrap();
        let field = |name: &str| entry.get(name).map(|chunks| chunks.format_verbatim());
        assert_eq!(field("eprinttype").as_deref(), Some("arxiv"));
        assert_eq!(field("eprint").as_deref(), Some("2504.21318"));
        assert_eq!(field("archiveprefix").as_deref(), Some("arXiv"));
        assert_eq!(field("primaryclass").as_deref(), Some("cs.LG"));
        assert_eq!(field("doi").as_deref(), Some("10.48550/arXiv.2504.21318"));
        assert_eq!(
            field("file").as_deref(),
            Some("/home/ada/papers/Lovelace2025-sparse-llms.pdf")
        );
        assert_eq!(entry.author().unwrap().len(), 2);
        assert!(text.contains("title = {Sparse {LLMs}: 50\\% of"), "{text}");
        let other = bibliography.get("bob2024dense-000ab").unwrap();
        assert_eq!(other.entry_type.to_string(), "article");
        assert!(other.get("file").is_none());
        assert!(other.get("eprinttype").is_none());
    }
}
