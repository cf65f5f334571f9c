//! Papers out to the tools people write with: BibTeX (`bibtex`), CSL-JSON and RIS (`citation`),
//! Markdown, JSON and CSV, plus the JSON line shape `paperboat list --json` prints. Pure
//! functions from papers and their user state to text; `load` reads what to export from the
//! store (with the path of a downloaded PDF, for reference managers such as Zotero).
//!
//! Citations link the canonical arxiv.org pages whatever `[sources.arxiv] site_base_url` says:
//! they go into documents read elsewhere, where a mirror or a test server means nothing.
//!
//! Feed text is untrusted: BibTeX escapes every special character (braces included, so fields
//! always balance), Markdown escapes link text and links only http(s) URLs, and CSV quotes
//! every field and defuses cells a spreadsheet would run as a formula.

mod bibtex;
mod citation;

use std::path::PathBuf;

use chrono::{DateTime, Datelike, NaiveDate, Utc};
use serde::Serialize;

use crate::model::{ListRow, Paper, PaperId, UserState};
use crate::store::{Store, StoreError};

/// The export formats.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum ExportFormat {
    Bibtex,
    Markdown,
    Json,
    Csv,
    /// CSL-JSON (`csl-json`): Zotero, pandoc and every CSL processor import it.
    CslJson,
    /// RIS: the tagged format every reference manager imports.
    Ris,
}

impl ExportFormat {
    /// The usual file extension.
    pub fn extension(self) -> &'static str {
        match self {
            ExportFormat::Bibtex => "bib",
            ExportFormat::Markdown => "md",
            ExportFormat::Json => "json",
            ExportFormat::Csv => "csv",
            ExportFormat::CslJson => "json",
            ExportFormat::Ris => "ris",
        }
    }
}

/// One paper to export: the full record, its user state, and the day it is filed under.
#[derive(Debug, Clone, PartialEq)]
pub struct Exported {
    pub paper: Paper,
    pub state: UserState,
    pub day: NaiveDate,
    /// The downloaded PDF, while its file exists (BibTeX `file`, RIS `L1`).
    pub pdf: Option<PathBuf>,
}

/// Reads papers (with the day each is filed under) from the store, in the order given. Papers
/// the store has no full record of are left out.
pub fn load(store: &Store, papers: &[(PaperId, NaiveDate)]) -> Result<Vec<Exported>, StoreError> {
    let states = store.user_states()?;
    let pdfs = store.existing_pdfs()?;
    let mut out = Vec::with_capacity(papers.len());
    for (id, day) in papers {
        if let Some(paper) = store.paper(id)? {
            out.push(Exported {
                paper,
                state: states.get(id).cloned().unwrap_or_default(),
                day: *day,
                pdf: pdfs.get(id).cloned(),
            });
        }
    }
    Ok(out)
}

/// Renders papers in `format`.
pub fn render(format: ExportFormat, papers: &[Exported]) -> String {
    match format {
        ExportFormat::Bibtex => bibtex(papers),
        ExportFormat::Markdown => markdown(papers),
        ExportFormat::Json => json(papers),
        ExportFormat::Csv => csv(papers),
        ExportFormat::CslJson => csl_json(papers),
        ExportFormat::Ris => ris(papers),
    }
}

// ---------------------------------------------------------------- JSON lines (list --json)

/// One paper as `list --json` prints it and JSON/CSV export write it. A stable, documented
/// shape: add fields, never rename them.
#[derive(Debug, Serialize)]
pub struct PaperLine<'a> {
    pub id: &'a str,
    pub title: &'a str,
    pub authors: Vec<&'a str>,
    #[serde(rename = "abstract")]
    pub abstract_text: &'a str,
    pub published: Option<DateTime<Utc>>,
    pub daily_date: Option<NaiveDate>,
    /// The day the paper is filed under in day views.
    pub day: NaiveDate,
    pub upvotes: Option<u32>,
    pub comments: Option<u32>,
    pub categories: Vec<&'a str>,
    pub starred: bool,
    pub starred_at: Option<DateTime<Utc>>,
    pub read: bool,
    pub note: Option<&'a str>,
    pub sources: Vec<&'a str>,
    pub links: LinksLine<'a>,
}

#[derive(Debug, Default, Serialize)]
pub struct LinksLine<'a> {
    pub abs: Option<&'a str>,
    pub pdf: Option<&'a str>,
    pub hf: Option<&'a str>,
    pub github: Option<&'a str>,
    pub project: Option<&'a str>,
    pub doi: Option<&'a str>,
}

impl<'a> PaperLine<'a> {
    /// From the full record when the store has it, else from the list row alone.
    pub fn new(row: &'a ListRow, paper: Option<&'a Paper>, state: &'a UserState) -> PaperLine<'a> {
        let mut line = PaperLine {
            id: row.id.as_str(),
            title: row.title(),
            authors: row.authors().collect(),
            abstract_text: "",
            published: row.published(),
            daily_date: None,
            day: row.day,
            upvotes: row.upvotes(),
            comments: row.comments(),
            categories: row.primary_category().into_iter().collect(),
            starred: state.is_starred(),
            starred_at: state.starred_at,
            read: state.read,
            note: state.note.as_deref(),
            sources: row.sources().iter().map(|s| s.as_str()).collect(),
            links: LinksLine::default(),
        };
        if let Some(paper) = paper {
            line.fill_from(paper);
        }
        line
    }

    /// From an exported paper.
    pub fn of(item: &'a Exported) -> PaperLine<'a> {
        let paper = &item.paper;
        let mut line = PaperLine {
            id: paper.id.as_str(),
            title: &paper.title,
            authors: Vec::new(),
            abstract_text: "",
            published: None,
            daily_date: None,
            day: item.day,
            upvotes: None,
            comments: None,
            categories: Vec::new(),
            starred: item.state.is_starred(),
            starred_at: item.state.starred_at,
            read: item.state.read,
            note: item.state.note.as_deref(),
            sources: Vec::new(),
            links: LinksLine::default(),
        };
        line.fill_from(paper);
        line
    }

    fn fill_from(&mut self, paper: &'a Paper) {
        self.title = &paper.title;
        self.authors = paper.authors.iter().map(String::as_str).collect();
        self.abstract_text = &paper.abstract_text;
        self.published = paper.published;
        self.daily_date = paper.daily_date;
        self.upvotes = paper.upvotes;
        self.comments = paper.comments;
        self.categories = paper.categories.iter().map(String::as_str).collect();
        self.sources = paper.sources.iter().map(|s| s.as_str()).collect();
        let links = &paper.links;
        self.links = LinksLine {
            abs: links.abs.as_deref(),
            pdf: links.pdf.as_deref(),
            hf: links.hf.as_deref(),
            github: links.github.as_deref(),
            project: links.project.as_deref(),
            doi: links.doi.as_deref(),
        };
    }
}

/// A JSON array of [`PaperLine`]s, one per line.
pub fn json(papers: &[Exported]) -> String {
    let lines: Vec<String> = papers
        .iter()
        .filter_map(|item| serde_json::to_string(&PaperLine::of(item)).ok())
        .collect();
    if lines.is_empty() {
        return "[]\n".to_string();
    }
    format!("[\n{}\n]\n", lines.join(",\n"))
}

// ---------------------------------------------------------------- CSV

const CSV_COLUMNS: &[&str] = &[
    "id",
    "title",
    "authors",
    "abstract",
    "published",
    "daily_date",
    "day",
    "upvotes",
    "comments",
    "categories",
    "starred",
    "starred_at",
    "read",
    "note",
    "sources",
    "abs",
    "pdf",
    "hf",
    "github",
    "project",
    "doi",
];

/// RFC 4180 CSV with a header; the columns of `list --json` with lists joined by `; ` and the
/// links flattened.
pub fn csv(papers: &[Exported]) -> String {
    let mut out = CSV_COLUMNS.join(",");
    out.push_str("\r\n");
    for item in papers {
        let line = PaperLine::of(item);
        let text = |v: Option<&str>| v.unwrap_or_default().to_string();
        let number = |v: Option<u32>| v.map(|n| n.to_string()).unwrap_or_default();
        let cells = [
            line.id.to_string(),
            line.title.to_string(),
            line.authors.join("; "),
            line.abstract_text.to_string(),
            line.published.map(|d| d.to_rfc3339()).unwrap_or_default(),
            line.daily_date.map(|d| d.to_string()).unwrap_or_default(),
            line.day.to_string(),
            number(line.upvotes),
            number(line.comments),
            line.categories.join("; "),
            line.starred.to_string(),
            line.starred_at.map(|d| d.to_rfc3339()).unwrap_or_default(),
            line.read.to_string(),
            text(line.note),
            line.sources.join("; "),
            text(line.links.abs),
            text(line.links.pdf),
            text(line.links.hf),
            text(line.links.github),
            text(line.links.project),
            text(line.links.doi),
        ];
        let cells: Vec<String> = cells.iter().map(|c| csv_cell(c)).collect();
        out.push_str(&cells.join(","));
        out.push_str("\r\n");
    }
    out
}

/// Quotes a cell; a cell a spreadsheet would evaluate (`=`, `+`, `-`, `@` first) gets a `'`.
fn csv_cell(value: &str) -> String {
    let defused = if value.starts_with(['=', '+', '-', '@', '\t', '\r']) {
        format!("'{value}")
    } else {
        value.to_string()
    };
    format!("\"{}\"", defused.replace('"', "\"\""))
}

// ---------------------------------------------------------------- Markdown

/// A list: title linked to its page, authors and year, the id, and the note when there is one.
pub fn markdown(papers: &[Exported]) -> String {
    let mut out = String::new();
    for item in papers {
        let paper = &item.paper;
        let title = markdown_escape(&paper.title);
        match paper_url(paper).filter(|url| is_web_link(url)) {
            Some(url) => out.push_str(&format!("- [{title}](<{}>)", url.replace('>', "%3E"))),
            None => out.push_str(&format!("- {title}")),
        }
        let mut facts = Vec::new();
        if !paper.authors.is_empty() {
            facts.push(markdown_escape(&author_list(&paper.authors)));
        }
        facts.push(year(item).to_string());
        if paper.id.is_arxiv() {
            facts.push(format!("arXiv:{}", paper.id));
        }
        out.push_str(" — ");
        out.push_str(&facts.join(" · "));
        out.push('\n');
        if let Some(note) = &item.state.note {
            out.push_str(&format!("  - Note: {}\n", markdown_escape(note)));
        }
    }
    out
}

fn author_list(authors: &[String]) -> String {
    const SHOWN: usize = 6;
    let mut text = authors
        .iter()
        .take(SHOWN)
        .map(String::as_str)
        .collect::<Vec<_>>()
        .join(", ");
    if authors.len() > SHOWN {
        text.push_str(" et al.");
    }
    text
}

fn markdown_escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        if matches!(
            c,
            '\\' | '`' | '*' | '_' | '[' | ']' | '<' | '>' | '#' | '|' | '!'
        ) {
            out.push('\\');
        }
        out.push(c);
    }
    out
}

fn is_web_link(url: &str) -> bool {
    let lower = url.to_ascii_lowercase();
    (lower.starts_with("https://") || lower.starts_with("http://"))
        && !url.chars().any(|c| c.is_whitespace() || c.is_control())
}

/// The page a paper is best cited by: its abstract page, the arXiv page, or the HF page.
fn paper_url(paper: &Paper) -> Option<String> {
    if paper.id.is_arxiv() {
        return Some(format!("https://arxiv.org/abs/{}", paper.id));
    }
    paper
        .links
        .abs
        .clone()
        .or_else(|| paper.links.hf.clone())
        .or_else(|| paper.links.pdf.clone())
}

pub use bibtex::{bibtex, bibtex_escape, citation_key, protect_capitals};
pub use citation::{csl_json, ris};

/// The year a paper is cited with: published, else listed on HF, else the day it is filed under.
fn year(item: &Exported) -> i32 {
    item.paper
        .published
        .map(|p| p.year())
        .or(item.paper.daily_date.map(|d| d.year()))
        .unwrap_or_else(|| item.day.year())
}

/// A name as (family, given): "Ada Lovelace" → ("Lovelace", "Ada"), "Lovelace, Ada" →
/// ("Lovelace", "Ada"); a single word is all family.
fn split_name(name: &str) -> (String, String) {
    if let Some((family, given)) = name.split_once(',') {
        return (family.trim().to_string(), given.trim().to_string());
    }
    let words: Vec<&str> = name.split_whitespace().collect();
    match words.split_last() {
        Some((family, given)) => (family.to_string(), given.join(" ")),
        None => (String::new(), String::new()),
    }
}

/// The DOI itself, from a `https://doi.org/…` link or a bare DOI.
fn bare_doi(doi: &str) -> &str {
    doi.trim()
        .trim_start_matches("https://doi.org/")
        .trim_start_matches("http://doi.org/")
        .trim_start_matches("https://dx.doi.org/")
        .trim_start_matches("http://dx.doi.org/")
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use crate::model::SourceId;

    /// An arXiv-like paper published on 30 April of `year`.
    pub(crate) fn item(id: &str, title: &str, authors: &[&str], year: i32) -> Exported {
        let mut paper = Paper::new(
            PaperId::from_stored(id.into()),
            title.into(),
            SourceId::hf(),
        );
        paper.authors = authors.iter().map(|a| a.to_string()).collect();
        paper.published = chrono::TimeZone::with_ymd_and_hms(&Utc, year, 4, 30, 0, 0, 0).single();
        Exported {
            paper,
            state: UserState::default(),
            day: NaiveDate::from_ymd_opt(year, 4, 30).unwrap_or_default(),
            pdf: None,
        }
    }

    #[test]
    fn names_split_into_family_and_given() {
        assert_eq!(
            split_name("Ada Lovelace"),
            ("Lovelace".into(), "Ada".into())
        );
        assert_eq!(
            split_name("Lovelace, Ada King"),
            ("Lovelace".into(), "Ada King".into())
        );
        assert_eq!(split_name("Plato"), ("Plato".into(), String::new()));
        assert_eq!(bare_doi("https://doi.org/10.1/x"), "10.1/x");
    }

    #[test]
    fn csv_quotes_cells_and_defuses_formulas() {
        assert_eq!(csv_cell("plain"), "\"plain\"");
        assert_eq!(csv_cell("say \"hi\""), "\"say \"\"hi\"\"\"");
        assert_eq!(csv_cell("=HYPERLINK(\"x\")"), "\"'=HYPERLINK(\"\"x\"\")\"");
    }

    #[test]
    fn markdown_links_only_web_pages_and_escapes_titles() {
        let mut feed = item(
            "feed:x:00000000000000aa",
            "A [weird] *title*",
            &["Ada"],
            2025,
        );
        feed.paper.links.abs = Some("javascript:alert(1)".into());
        feed.state.note = Some("check _this_".into());
        let text = markdown(&[feed]);
        assert_eq!(
            text,
            "- A \\[weird\\] \\*title\\* — Ada · 2025\n  - Note: check \\_this\\_\n"
        );
        let arxiv = item("2504.00001", "Sparse", &["Ada Lovelace"], 2025);
        assert_eq!(
            markdown(&[arxiv]),
            "- [Sparse](<https://arxiv.org/abs/2504.00001>) — Ada Lovelace · 2025 · \
             arXiv:2504.00001\n"
        );
    }
}
