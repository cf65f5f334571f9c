//! The arXiv source: category listings from the RSS endpoint and API queries (Atom).
//!
//! Why not feed-rs here: it drops every `arxiv:*` element (primary category, comment, DOI,
//! journal ref, announce type; FORMATS.md §4.3), and a second quick-xml pass would have to
//! re-align its entries with ours by position. arXiv's documents are small and fixed in shape,
//! so one quick-xml pass into a tiny element tree reads RSS 2.0, the rss.arxiv.org Atom variant
//! and both API Atom formats (old inline namespaces, new root namespaces) with one code path:
//! elements are matched by local name, which no two arXiv elements share (except by case:
//! RSS `arxiv:DOI` vs API `arxiv:doi`, both accepted).

use std::time::Duration;

use chrono::{DateTime, FixedOffset, NaiveDate, Utc};
use quick_xml::events::{BytesStart, Event};
use quick_xml::{Reader, XmlVersion};

use super::common::{dedup_nonempty, merge_duplicates, nonempty, split_author_list, utf8_body};
use super::{ParseError, ParseReport, Source, SourceRequest};
use crate::model::{Paper, PaperId, SourceId};
use crate::text::{normalize_block, normalize_line, sanitize_line};

/// The API serves at most this many results per call (FORMATS.md §0).
const API_MAX_RESULTS: u32 = 2000;
/// Elements nested deeper than this are ignored: arXiv documents are four levels deep, and a
/// hostile document must not make the tree (or dropping it) exhaust the stack.
const MAX_DEPTH: usize = 16;

pub struct ArxivSource {
    id: SourceId,
    rss_base_url: String,
    api_base_url: String,
    categories: Vec<String>,
    queries: Vec<String>,
    max_results: u32,
    min_interval: Duration,
}

impl ArxivSource {
    pub fn new(
        rss_base_url: &str,
        api_base_url: &str,
        categories: &[String],
        queries: &[String],
        max_results: u32,
        min_interval: Duration,
    ) -> ArxivSource {
        ArxivSource {
            id: SourceId::arxiv(),
            rss_base_url: rss_base_url.trim().trim_end_matches('/').to_string(),
            api_base_url: api_base_url.trim().trim_end_matches('/').to_string(),
            categories: categories
                .iter()
                .map(|c| c.trim().to_string())
                .filter(|c| !c.is_empty())
                .collect(),
            queries: queries
                .iter()
                .map(|q| q.trim().to_string())
                .filter(|q| !q.is_empty())
                .collect(),
            max_results: max_results.clamp(1, API_MAX_RESULTS),
            min_interval,
        }
    }
}

impl Source for ArxivSource {
    fn id(&self) -> &SourceId {
        &self.id
    }

    fn requests(&self, _today: NaiveDate) -> Vec<SourceRequest> {
        let mut requests = Vec::new();
        if !self.categories.is_empty() {
            let joined = self.categories.join("+");
            let path: Vec<String> = self.categories.iter().map(|c| percent_encode(c)).collect();
            requests.push(SourceRequest {
                url: format!("{}/rss/{}", self.rss_base_url, path.join("+")),
                label: joined,
                day: None,
                empty_on_400: false,
            });
        }
        for query in &self.queries {
            requests.push(SourceRequest {
                url: format!(
                    "{}/api/query?search_query={}&start=0&max_results={}\
                     &sortBy=submittedDate&sortOrder=descending",
                    self.api_base_url,
                    form_encode(query),
                    self.max_results
                ),
                label: query.clone(),
                day: None,
                empty_on_400: false,
            });
        }
        requests
    }

    fn parse(&self, request: &SourceRequest, body: &[u8]) -> Result<Vec<Paper>, ParseError> {
        self.parse_with_report(request, body)
            .map(|(papers, _)| papers)
    }

    fn min_request_interval(&self) -> Duration {
        self.min_interval
    }
}

/// Why an arXiv record is not a paper.
const SKIPPED_NO_ID: &str = "no arXiv id or title";

impl ArxivSource {
    /// A reader of arXiv listings for a generic feed that subscribes to them: the papers are
    /// read exactly as this source reads them, filed under `id`.
    pub(crate) fn listing_reader(id: SourceId) -> ArxivSource {
        let mut reader = ArxivSource::new("", "", &[], &[], 1, Duration::ZERO);
        reader.id = id;
        reader
    }

    /// `Source::parse`, with what was skipped and why.
    pub(crate) fn parse_with_report(
        &self,
        _request: &SourceRequest,
        body: &[u8],
    ) -> Result<(Vec<Paper>, ParseReport), ParseError> {
        // The root element, not the request URL, says what the body is: a mirror or a
        // `file://` dump may live at any path.
        let root = parse_tree(&utf8_body(body)?)?;
        let records: Vec<&Element> = match root.name.as_str() {
            "rss" => root
                .children_named("channel")
                .flat_map(|c| c.children_named("item"))
                .collect(),
            "feed" => {
                if let Some(message) = api_error(&root) {
                    return Err(ParseError::Api(message));
                }
                root.children_named("entry").collect()
            }
            // RSS 1.0 (arXiv's pre-2024 feeds) puts items beside the channel.
            "RDF" => root.children_named("item").collect(),
            other => {
                return Err(ParseError::Feed(format!(
                    "expected an arXiv RSS or Atom document, found <{}>",
                    normalize_line(other)
                )));
            }
        };
        let mut report = ParseReport::all_kept(records.len());
        let papers: Vec<Paper> = records
            .into_iter()
            .filter_map(|record| {
                let paper = self.paper_from_record(record);
                if paper.is_none() {
                    report.skip(SKIPPED_NO_ID);
                }
                paper
            })
            .collect();
        Ok((merge_duplicates(papers), report))
    }

    /// One RSS `<item>` or Atom `<entry>`, from a listing or an API answer. Items without a
    /// recognisable arXiv id are skipped: every real arXiv record has one.
    fn paper_from_record(&self, record: &Element) -> Option<Paper> {
        let id = record_arxiv_id(record)?;
        let title = normalize_line(record.text_of(&["title"])?);
        if title.is_empty() {
            return None;
        }
        let raw_abstract = record
            .text_of(&["description", "summary"])
            .unwrap_or_default();
        let listing_prefix = AnnouncePrefix::split(raw_abstract);
        let announce_type = record
            .text_of(&["announce_type"])
            .map(normalize_line)
            .or_else(|| listing_prefix.announce_type.map(normalize_line))
            .filter(|kind| !kind.is_empty());
        // Listings (RSS, rss.arxiv.org Atom) date an item by its announcement; the API dates
        // it by its v1 submission.
        let is_listing = announce_type.is_some()
            || record
                .text_of(&["guid", "id"])
                .is_some_and(|id| id.starts_with("oai:"));

        let mut paper = Paper::new(id.clone(), title, self.id.clone());
        paper.abstract_text = normalize_block(listing_prefix.rest);
        paper.authors = record_authors(record);
        let date = record
            .text_of(&["pubDate", "published"])
            .and_then(parse_timestamp);
        if is_listing {
            // The announcement day as arXiv printed it (`00:00:00 -0400`), not shifted to UTC.
            paper.daily_date = date.map(|at| at.date_naive());
        } else {
            paper.published = date.map(|at| at.with_timezone(&Utc));
        }
        paper.announce_type = announce_type;
        paper.categories = record_categories(record);
        let raw_comment = record.text_of(&["comment"]);
        paper.arxiv_comment = raw_comment
            .map(normalize_line)
            .filter(|comment| !comment.is_empty());
        // Searched in the raw text: normalisation may rewrite LaTeX-looking `_` in a URL.
        paper.links.github = raw_comment.and_then(github_repo_in);
        paper.journal_ref = record
            .text_of(&["journal_ref", "journal_reference"])
            .map(normalize_line)
            .filter(|journal| !journal.is_empty());
        paper.links.abs = Some(format!("https://arxiv.org/abs/{id}"));
        paper.links.pdf = Some(format!("https://arxiv.org/pdf/{id}"));
        paper.links.doi = record_doi(record);
        Some(paper)
    }
}

/// The versionless arXiv id of a record: RSS guid `oai:arXiv.org:2609.26811v1`, Atom id
/// `http://arxiv.org/abs/2604.26951v1`, else the link or the `arXiv:<id>` description prefix.
fn record_arxiv_id(record: &Element) -> Option<PaperId> {
    let from_id = record.text_of(&["guid", "id"]).and_then(|raw| {
        let raw = raw.trim();
        let bare = raw
            .strip_prefix("oai:arXiv.org:")
            .or_else(|| raw.split_once("/abs/").map(|(_, id)| id))
            .unwrap_or(raw);
        PaperId::from_arxiv(bare)
    });
    from_id
        .or_else(|| {
            record
                .children_named("link")
                .filter_map(|link| link.attr("href").or_else(|| link.trimmed_text()))
                .find_map(|href| {
                    PaperId::from_arxiv(href.split_once("/abs/").map_or(href, |(_, id)| id))
                })
        })
        .or_else(|| {
            let description = record.text_of(&["description", "summary"])?.trim_start();
            let token = description
                .strip_prefix("arXiv:")?
                .split_whitespace()
                .next()?;
            PaperId::from_arxiv(token)
        })
}

/// Atom `<author><name>` in order, plus `dc:creator` lists (RSS, rss.arxiv.org Atom).
fn record_authors(record: &Element) -> Vec<String> {
    let mut authors = nonempty(
        record
            .children_named("author")
            .filter_map(|author| author.text_of(&["name"]))
            .map(normalize_line),
    );
    if authors.is_empty() {
        authors = record
            .children_named("creator")
            .filter_map(Element::trimmed_text)
            .flat_map(split_author_list)
            .collect();
    }
    authors
}

/// Categories in document order (RSS text, Atom `term`), with `arxiv:primary_category`
/// moved to the front.
fn record_categories(record: &Element) -> Vec<String> {
    let primary = record
        .children_named("primary_category")
        .find_map(|primary| primary.attr("term"))
        .map(normalize_line);
    let listed = record
        .children_named("category")
        .filter_map(|category| category.attr("term").or_else(|| category.trimmed_text()))
        .map(normalize_line);
    dedup_nonempty(primary.into_iter().chain(listed))
}

/// `https://doi.org/<doi>` from `arxiv:doi` / `arxiv:DOI` (the first DOI when several are
/// listed), else from the API's `<link title="doi">`.
fn record_doi(record: &Element) -> Option<String> {
    let from_element = record
        .text_of(&["doi", "DOI"])
        .and_then(|doi| doi.split_whitespace().next())
        .filter(|doi| doi.starts_with("10.") && !doi.chars().any(char::is_control))
        .map(|doi| format!("https://doi.org/{}", percent_encode_path(doi)));
    from_element.or_else(|| {
        record
            .children_named("link")
            .filter(|link| link.attr("title") == Some("doi"))
            .find_map(|link| link.attr("href"))
            .and_then(super::common::web_url)
    })
}

/// The `https://github.com/owner/repo` a comment points at, if any (for `has:code`).
pub(crate) fn github_repo_in(text: &str) -> Option<String> {
    let lower = text.to_ascii_lowercase();
    let mut from = 0;
    while let Some(found) = lower.get(from..)?.find("github.com/") {
        let at = from + found;
        from = at + "github.com/".len();
        let before = lower.get(..at).unwrap_or_default();
        if !(before.ends_with("https://")
            || before.ends_with("http://")
            || before.ends_with("www."))
        {
            continue;
        }
        let rest = text.get(from..).unwrap_or_default();
        let is_name_char = |c: char| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.');
        let mut parts = rest.splitn(3, '/');
        let owner = parts.next().unwrap_or_default();
        let repo: String = parts
            .next()
            .unwrap_or_default()
            .chars()
            .take_while(|c| is_name_char(*c))
            .collect();
        let repo = repo.trim_end_matches('.');
        let repo = repo.strip_suffix(".git").unwrap_or(repo);
        if !owner.is_empty() && owner.chars().all(is_name_char) && !repo.is_empty() {
            return Some(format!("https://github.com/{owner}/{repo}"));
        }
    }
    None
}

/// The single-entry error feed the API answers with for a bad query.
fn api_error(root: &Element) -> Option<String> {
    let entry = root.children_named("entry").find(|entry| {
        entry
            .text_of(&["id"])
            .is_some_and(|id| id.contains("arxiv.org/api/errors"))
    })?;
    // A message for the status line, not feed markup: sanitised, not decoded.
    let message = entry
        .text_of(&["summary", "title"])
        .map(sanitize_line)
        .unwrap_or_default();
    Some(if message.is_empty() {
        "unknown arXiv API error".to_string()
    } else {
        message
    })
}

/// The `arXiv:<id>vN Announce Type: <type> \nAbstract: ` prefix of a listing description.
struct AnnouncePrefix<'a> {
    announce_type: Option<&'a str>,
    /// The abstract proper.
    rest: &'a str,
}

impl<'a> AnnouncePrefix<'a> {
    fn split(description: &'a str) -> AnnouncePrefix<'a> {
        let trimmed = description.trim_start();
        let Some(head_end) = trimmed
            .starts_with("arXiv:")
            .then(|| trimmed.find("Abstract:"))
            .flatten()
        else {
            return AnnouncePrefix {
                announce_type: None,
                rest: description,
            };
        };
        let head = trimmed.get(..head_end).unwrap_or_default();
        let announce_type = head
            .split_once("Announce Type:")
            .and_then(|(_, kind)| kind.split_whitespace().next());
        let rest = trimmed
            .get(head_end + "Abstract:".len()..)
            .unwrap_or_default();
        AnnouncePrefix {
            announce_type,
            rest,
        }
    }
}

/// RFC 822 (`Thu, 24 Sep 2026 00:00:00 -0400`, RSS) or RFC 3339 (Atom), keeping the offset.
fn parse_timestamp(text: &str) -> Option<DateTime<FixedOffset>> {
    let text = text.trim();
    DateTime::parse_from_rfc2822(text)
        .or_else(|_| DateTime::parse_from_rfc3339(text))
        .ok()
}

/// `application/x-www-form-urlencoded` for a query value, as arXiv's own examples write it
/// (`cat:cs.LG+OR+cat:cs.AI` with `:` escaped): spaces become `+`.
fn form_encode(value: &str) -> String {
    percent_encode(value).replace("%20", "+")
}

/// Percent-encodes everything but RFC 3986 unreserved characters.
fn percent_encode(value: &str) -> String {
    encode_except(value, |b| {
        b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~')
    })
}

/// Percent-encodes for a URL path, keeping `/` (DOIs contain slashes).
fn percent_encode_path(value: &str) -> String {
    encode_except(value, |b| {
        b.is_ascii_alphanumeric()
            || matches!(
                b,
                b'-' | b'.' | b'_' | b'~' | b'/' | b'(' | b')' | b';' | b':'
            )
    })
}

fn encode_except(value: &str, keep: impl Fn(u8) -> bool) -> String {
    let mut out = String::with_capacity(value.len());
    for byte in value.bytes() {
        if keep(byte) {
            out.push(char::from(byte));
        } else {
            out.push_str(&format!("%{byte:02X}"));
        }
    }
    out
}

// ---- A tiny element tree -------------------------------------------------------------------

/// An XML element reduced to what arXiv records need: local name, attributes by local name,
/// its own text (entities resolved) and child elements.
#[derive(Debug, Default)]
struct Element {
    name: String,
    attributes: Vec<(String, String)>,
    text: String,
    children: Vec<Element>,
}

impl Element {
    fn from_start(start: &BytesStart<'_>) -> Element {
        let attributes = start
            .attributes()
            .flatten()
            .filter_map(|attribute| {
                let value = attribute.normalized_value(XmlVersion::Implicit1_0).ok()?;
                Some((
                    attribute.key.local_name().as_ref().to_string(),
                    value.into_owned(),
                ))
            })
            .collect();
        Element {
            name: start.local_name().as_ref().to_string(),
            attributes,
            ..Element::default()
        }
    }

    fn children_named<'a>(&'a self, name: &'a str) -> impl Iterator<Item = &'a Element> + 'a {
        self.children.iter().filter(move |child| child.name == name)
    }

    fn attr(&self, name: &str) -> Option<&str> {
        self.attributes
            .iter()
            .find(|(key, _)| key == name)
            .map(|(_, value)| value.as_str())
    }

    fn trimmed_text(&self) -> Option<&str> {
        Some(self.text.trim()).filter(|text| !text.is_empty())
    }

    /// The text of the first child with text named `names[0]`, else `names[1]`, and so on:
    /// the names are in order of preference.
    fn text_of(&self, names: &[&str]) -> Option<&str> {
        names.iter().find_map(|name| {
            self.children
                .iter()
                .filter(|child| child.name == *name)
                .find_map(Element::trimmed_text)
        })
    }
}

/// Reads a whole document into an element tree; malformed XML is an error.
fn parse_tree(text: &str) -> Result<Element, ParseError> {
    let xml_error = |error: quick_xml::Error| ParseError::Xml(error.to_string());
    let mut reader = Reader::from_str(text);
    let mut open: Vec<Element> = Vec::new();
    // Elements entered below MAX_DEPTH that we are skipping.
    let mut skipped_depth = 0usize;
    let mut root: Option<Element> = None;
    loop {
        match reader.read_event().map_err(xml_error)? {
            Event::Start(start) => {
                if skipped_depth > 0 || open.len() >= MAX_DEPTH {
                    skipped_depth += 1;
                } else {
                    open.push(Element::from_start(&start));
                }
            }
            Event::Empty(start) => {
                if skipped_depth == 0 && open.len() < MAX_DEPTH {
                    let element = Element::from_start(&start);
                    match open.last_mut() {
                        Some(parent) => parent.children.push(element),
                        None => root = root.or(Some(element)),
                    }
                }
            }
            Event::End(_) => {
                if skipped_depth > 0 {
                    skipped_depth -= 1;
                } else if let Some(element) = open.pop() {
                    match open.last_mut() {
                        Some(parent) => parent.children.push(element),
                        None => root = root.or(Some(element)),
                    }
                }
            }
            Event::Text(text) => {
                if skipped_depth == 0
                    && let Some(element) = open.last_mut()
                {
                    element.text.push_str(&text.xml10_content());
                }
            }
            Event::CData(data) => {
                if skipped_depth == 0
                    && let Some(element) = open.last_mut()
                {
                    element.text.push_str(&data.xml10_content());
                }
            }
            Event::GeneralRef(reference) => {
                if skipped_depth == 0
                    && let Some(element) = open.last_mut()
                {
                    match reference.resolve_char_ref() {
                        Ok(Some(c)) => element.text.push(c),
                        Ok(None) => match quick_xml::escape::resolve_xml_entity(&reference) {
                            Some(resolved) => element.text.push_str(resolved),
                            // An HTML entity XML does not define: leave it for the text
                            // normaliser, which decodes HTML entities.
                            None => {
                                element.text.push('&');
                                element.text.push_str(&reference);
                                element.text.push(';');
                            }
                        },
                        Err(error) => return Err(xml_error(error)),
                    }
                }
            }
            Event::Eof => break,
            Event::Comment(_) | Event::Decl(_) | Event::PI(_) | Event::DocType(_) => {}
        }
    }
    if !open.is_empty() {
        return Err(ParseError::Xml(
            "the document ends inside an element".to_string(),
        ));
    }
    root.ok_or_else(|| ParseError::Feed("the document has no root element".to_string()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn github_repo_is_found_in_a_comment() {
        assert_eq!(
            github_repo_in("15 pages. Code: https://github.com/PKU-YuanGroup/TIDE."),
            Some("https://github.com/PKU-YuanGroup/TIDE".to_string())
        );
        assert_eq!(
            github_repo_in("see http://github.com/a/b.git and more"),
            Some("https://github.com/a/b".to_string())
        );
        assert_eq!(github_repo_in("https://github.com/onlyowner"), None);
        assert_eq!(github_repo_in("no code here"), None);
        assert_eq!(github_repo_in("evilgithub.com/a/b"), None);
    }

    #[test]
    fn announce_prefix_is_split_from_the_abstract() {
        let prefix = AnnouncePrefix::split(
            "arXiv:2609.26811v1 Announce Type: new \nAbstract: Local learning.",
        );
        assert_eq!(prefix.announce_type, Some("new"));
        assert_eq!(prefix.rest.trim(), "Local learning.");
        let plain = AnnouncePrefix::split("Just an abstract.");
        assert_eq!(plain.announce_type, None);
        assert_eq!(plain.rest, "Just an abstract.");
    }

    #[test]
    fn deeply_nested_documents_do_not_overflow() {
        let depth = 100_000;
        let doc = format!("{}{}", "<a>".repeat(depth), "</a>".repeat(depth));
        let root = parse_tree(&doc).expect("well-formed");
        assert_eq!(root.name, "a");
    }

    #[test]
    fn entities_and_cdata_are_resolved() {
        let root =
            parse_tree("<r><t>a &amp; b &#177; &eacute; <![CDATA[<c>]]></t></r>").expect("xml");
        assert_eq!(root.text_of(&["t"]), Some("a & b ± &eacute; <c>"));
    }

    #[test]
    fn truncated_documents_are_errors() {
        assert!(matches!(
            parse_tree("<feed><entry>"),
            Err(ParseError::Xml(_))
        ));
    }
}
