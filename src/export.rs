//! Papers out to the tools people write with: BibTeX, Markdown, JSON and CSV, plus the JSON line
//! shape `paperboat list --json` prints. Pure functions from papers and their user state to
//! text; `load` reads what to export from the store.
//!
//! Feed text is untrusted: BibTeX escapes every special character (braces included, so fields
//! always balance), Markdown escapes link text and links only http(s) URLs, and CSV quotes
//! every field and defuses cells a spreadsheet would run as a formula.

use std::collections::HashMap;

use chrono::{DateTime, Datelike, NaiveDate, Utc};
use compact_str::CompactString;
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
}

impl ExportFormat {
    /// The usual file extension.
    pub fn extension(self) -> &'static str {
        match self {
            ExportFormat::Bibtex => "bib",
            ExportFormat::Markdown => "md",
            ExportFormat::Json => "json",
            ExportFormat::Csv => "csv",
        }
    }
}

/// One paper to export: the full record, its user state, and the day it is filed under.
#[derive(Debug, Clone, PartialEq)]
pub struct Exported {
    pub paper: Paper,
    pub state: UserState,
    pub day: NaiveDate,
}

/// Reads papers (with the day each is filed under) from the store, in the order given. Papers
/// the store has no full record of are left out.
pub fn load(store: &Store, papers: &[(PaperId, NaiveDate)]) -> Result<Vec<Exported>, StoreError> {
    let states = store.user_states()?;
    let mut out = Vec::with_capacity(papers.len());
    for (id, day) in papers {
        if let Some(paper) = store.paper(id)? {
            out.push(Exported {
                paper,
                state: states.get(id).cloned().unwrap_or_default(),
                day: *day,
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
            title: &row.title,
            authors: row.authors.iter().map(CompactString::as_str).collect(),
            abstract_text: "",
            published: row.published,
            daily_date: None,
            day: row.day,
            upvotes: row.upvotes,
            comments: row.comments,
            categories: row
                .primary_category
                .iter()
                .map(CompactString::as_str)
                .collect(),
            starred: state.is_starred(),
            starred_at: state.starred_at,
            read: state.read,
            note: state.note.as_deref(),
            sources: row.sources.iter().map(|s| s.as_str()).collect(),
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

// ---------------------------------------------------------------- BibTeX

/// Title words never used for a citation key.
const KEY_STOPWORDS: &[&str] = &[
    "a", "an", "the", "on", "of", "in", "for", "to", "and", "with", "from", "by", "at", "is",
    "are", "as", "via", "towards", "toward", "how", "what", "why", "when", "do", "does",
];

fn year(item: &Exported) -> i32 {
    item.paper
        .published
        .map(|p| p.year())
        .or(item.paper.daily_date.map(|d| d.year()))
        .unwrap_or_else(|| item.day.year())
}

/// The citation key's stem: first author's last name, year, first significant title word
/// (`lovelace2025sparse`), ASCII letters and digits only.
fn key_stem(item: &Exported) -> String {
    let last_name = item
        .paper
        .authors
        .first()
        .and_then(|name| name.split_whitespace().last())
        .map(ascii_fold)
        .filter(|n| !n.is_empty())
        .unwrap_or_else(|| "anon".to_string());
    let word = item
        .paper
        .title
        .split(|c: char| !c.is_alphanumeric())
        .map(ascii_fold)
        .find(|w| !w.is_empty() && !KEY_STOPWORDS.contains(&w.as_str()))
        .unwrap_or_else(|| "paper".to_string());
    format!("{last_name}{}{word}", year(item))
}

/// Lowercase ASCII letters and digits of `text`, with common accents folded (`Ünal` → `unal`).
fn ascii_fold(text: &str) -> String {
    let mut out = String::new();
    for c in text.chars().flat_map(char::to_lowercase) {
        let folded = match c {
            'a'..='z' | '0'..='9' => Some(c),
            'à' | 'á' | 'â' | 'ã' | 'ä' | 'å' | 'ā' | 'ă' | 'ą' => Some('a'),
            'ç' | 'ć' | 'č' => Some('c'),
            'ď' | 'đ' => Some('d'),
            'è' | 'é' | 'ê' | 'ë' | 'ē' | 'ę' | 'ě' => Some('e'),
            'ğ' => Some('g'),
            'ì' | 'í' | 'î' | 'ï' | 'ī' | 'ı' => Some('i'),
            'ł' | 'ľ' => Some('l'),
            'ñ' | 'ń' | 'ň' => Some('n'),
            'ò' | 'ó' | 'ô' | 'õ' | 'ö' | 'ø' | 'ō' | 'ő' => Some('o'),
            'ř' => Some('r'),
            'ś' | 'š' | 'ş' | 'ß' => Some('s'),
            'ť' | 'ţ' => Some('t'),
            'ù' | 'ú' | 'û' | 'ü' | 'ū' | 'ů' | 'ű' => Some('u'),
            'ý' | 'ÿ' => Some('y'),
            'ź' | 'ż' | 'ž' => Some('z'),
            _ => None,
        };
        out.extend(folded);
    }
    out
}

/// Unique keys for `papers`, in their order. Papers whose stems collide get `a`, `b`, … in the
/// order of their ids, so a paper's key does not depend on the order of the export.
pub fn bibtex_keys(papers: &[Exported]) -> Vec<String> {
    let stems: Vec<String> = papers.iter().map(key_stem).collect();
    let mut groups: HashMap<&str, Vec<usize>> = HashMap::new();
    for (i, stem) in stems.iter().enumerate() {
        groups.entry(stem).or_default().push(i);
    }
    let mut keys = stems.clone();
    for members in groups.values_mut() {
        if members.len() < 2 {
            continue;
        }
        members.sort_by(|&a, &b| papers[a].paper.id.cmp(&papers[b].paper.id));
        for (n, &i) in members.iter().enumerate() {
            keys[i] = format!("{}{}", stems[i], suffix(n));
        }
    }
    keys
}

/// 0 → a, 25 → z, 26 → aa …
fn suffix(mut n: usize) -> String {
    let mut out = Vec::new();
    loop {
        out.push(b'a' + (n % 26) as u8);
        if n < 26 {
            break;
        }
        n = n / 26 - 1;
    }
    out.reverse();
    String::from_utf8(out).unwrap_or_default()
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

/// One `@misc` (or `@article` with a journal reference) entry per paper.
pub fn bibtex(papers: &[Exported]) -> String {
    let keys = bibtex_keys(papers);
    let mut out = String::new();
    for (item, key) in papers.iter().zip(keys) {
        let paper = &item.paper;
        let kind = if paper.journal_ref.is_some() {
            "article"
        } else {
            "misc"
        };
        let mut fields: Vec<(&str, String)> = vec![("title", bibtex_escape(&paper.title))];
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
            fields.push(("archivePrefix", "arXiv".to_string()));
            if let Some(primary) = paper.categories.first() {
                fields.push(("primaryClass", bibtex_escape(primary)));
            }
        }
        if let Some(url) = paper_url(paper).filter(|u| is_web_link(u)) {
            fields.push(("url", bibtex_escape(&url)));
        }
        if let Some(doi) = &paper.links.doi {
            let doi = doi
                .trim_start_matches("https://doi.org/")
                .trim_start_matches("http://doi.org/")
                .trim_start_matches("https://dx.doi.org/");
            fields.push(("doi", bibtex_escape(doi)));
        }
        out.push_str(&format!("@{kind}{{{key},\n"));
        for (name, value) in fields {
            out.push_str(&format!("  {name} = {{{value}}},\n"));
        }
        out.push_str("}\n\n");
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::SourceId;

    fn item(id: &str, title: &str, authors: &[&str], year: i32) -> Exported {
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
        }
    }

    #[test]
    fn keys_are_last_name_year_and_first_real_word() {
        let papers = [
            item("2504.00001", "The Sparse Mixture", &["Ada Lovelace"], 2025),
            item("2504.00002", "On Zoë's Ünusual Graphs", &["Zoë Ünal"], 2024),
            item("feed:x:00000000000000aa", "!!!", &[], 2023),
        ];
        assert_eq!(
            bibtex_keys(&papers),
            ["lovelace2025sparse", "unal2024zoe", "anon2023paper"]
        );
    }

    #[test]
    fn colliding_keys_get_suffixes_by_id_whatever_the_order() {
        let a = item("2504.00002", "Sparse routing", &["Ada Lovelace"], 2025);
        let b = item("2504.00001", "Sparse experts", &["Ada Lovelace"], 2025);
        let c = item("2504.00003", "Dense", &["Ada Lovelace"], 2025);
        let forward = bibtex_keys(&[a.clone(), b.clone(), c.clone()]);
        assert_eq!(
            forward,
            [
                "lovelace2025sparseb",
                "lovelace2025sparsea",
                "lovelace2025dense"
            ]
        );
        let backward = bibtex_keys(&[c, b, a]);
        assert_eq!(
            backward,
            [
                "lovelace2025dense",
                "lovelace2025sparsea",
                "lovelace2025sparseb"
            ]
        );
        assert_eq!(suffix(25), "z");
        assert_eq!(suffix(26), "aa");
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
