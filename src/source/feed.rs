//! Any RSS/Atom/JSON Feed URL, parsed with feed-rs, or streamed through `feed_stream` for RSS
//! 2.0 and Atom; arXiv ids in links or guids merge items.
//! Also home of the small helpers the three sources share (body decoding, URL vetting,
//! merging duplicate ids), since `source/mod.rs` is the shared contract and stays lean.

use std::collections::HashMap;
use std::io::{BufRead, Read};
use std::sync::mpsc;

use chrono::{DateTime, NaiveDate, Utc};
use feed_rs::model::{Entry, Feed};
use feed_rs::parser::{Builder, ParseFeedError};

use super::feed_stream;
use super::{PaperSink, ParseError, STREAM_BATCH, Source, SourceRequest, StreamError};
use crate::model::{Paper, PaperId, SourceId};
use crate::text::{normalize_block, normalize_line};

/// A title made from the summary, for entries that have none (microblog-style feeds).
const TITLE_FROM_SUMMARY_CHARS: usize = 100;
/// Entries pass from the XML reader to the normaliser in chunks of this many: small enough to
/// keep both threads busy, a divisor of `STREAM_BATCH` so batches come out whole.
const ENTRY_CHUNK: usize = STREAM_BATCH / 8;
/// Chunks the XML reader may run ahead by.
const CHUNKS_IN_FLIGHT: usize = 4;

pub struct FeedSource {
    id: SourceId,
    name: String,
    url: String,
}

impl FeedSource {
    pub fn new(name: &str, url: &str) -> FeedSource {
        FeedSource {
            id: SourceId::feed(name),
            name: name.to_string(),
            url: url.to_string(),
        }
    }
}

impl Source for FeedSource {
    fn id(&self) -> &SourceId {
        &self.id
    }

    fn requests(&self, _today: NaiveDate) -> Vec<SourceRequest> {
        vec![SourceRequest {
            url: self.url.clone(),
            label: self.name.clone(),
            day: None,
            empty_on_400: false,
        }]
    }

    fn parse(&self, request: &SourceRequest, body: &[u8]) -> Result<Vec<Paper>, ParseError> {
        super::parse_in_memory(self, request, body, ParseError::Feed)
    }

    /// RSS 2.0 and Atom stream through `feed_stream` (items parsed, normalised and handed on a
    /// batch at a time); anything else (JSON Feed, RSS 0.9x/1.0, legacy encodings, odd
    /// documents) is read whole and parsed by feed-rs.
    fn parse_stream(
        &self,
        request: &SourceRequest,
        body: &mut (dyn BufRead + Send),
        sink: &mut PaperSink<'_>,
    ) -> Result<(), StreamError> {
        let (kind, head) = feed_stream::sniff(body).map_err(StreamError::Read)?;
        let Some(kind) = kind else {
            let mut bytes = head;
            body.read_to_end(&mut bytes).map_err(StreamError::Read)?;
            let entries = parse_with_feed_rs(request, &bytes)?;
            drop(bytes);
            return self.papers_to_sink(entries, sink);
        };
        let document = std::io::Cursor::new(head).chain(body);
        let base = is_web_url(&request.url).then_some(request.url.as_str());
        // The XML is read on a thread of its own while this one normalises the text of what it
        // read and hands papers on: the two halves of the work take about as long.
        std::thread::scope(|scope| {
            let (entries_out, entries_in) =
                mpsc::sync_channel::<Vec<EntryFields>>(CHUNKS_IN_FLIGHT);
            let reading = scope.spawn(move || {
                feed_stream::parse_entries(kind, document, base, ENTRY_CHUNK, &mut |entries| {
                    // The receiver is gone only when handing on failed: that error is reported.
                    entries_out
                        .send(entries)
                        .map_err(|_| StreamError::Sink(String::new()))
                })
            });
            let mut papers: Vec<Paper> = Vec::new();
            let handed = loop {
                let Ok(entries) = entries_in.recv() else {
                    break Ok(());
                };
                papers.extend(
                    entries
                        .into_iter()
                        .filter_map(|entry| self.paper_from_entry(entry)),
                );
                if papers.len() >= STREAM_BATCH
                    && let Err(error) = self.hand_on(std::mem::take(&mut papers), sink)
                {
                    break Err(error);
                }
            };
            drop(entries_in);
            let read = reading.join();
            match (handed, read) {
                (Err(error), _) => Err(error),
                (Ok(()), Ok(Ok(()))) => self.hand_on(papers, sink),
                (Ok(()), Ok(Err(error))) => Err(error),
                (Ok(()), Err(_panic)) => Err(StreamError::Parse(ParseError::Feed(
                    "the feed reader stopped unexpectedly".to_string(),
                ))),
            }
        })
    }
}

impl FeedSource {
    /// Turns entries into papers (normalising their text) for the sink.
    fn papers_to_sink(
        &self,
        entries: Vec<EntryFields>,
        sink: &mut PaperSink<'_>,
    ) -> Result<(), StreamError> {
        let papers = entries
            .into_iter()
            .filter_map(|entry| self.paper_from_entry(entry))
            .collect();
        self.hand_on(papers, sink)
    }

    /// Hands a batch of papers to the sink, repeats merged.
    fn hand_on(&self, papers: Vec<Paper>, sink: &mut PaperSink<'_>) -> Result<(), StreamError> {
        let papers = merge_duplicates(papers);
        if papers.is_empty() {
            return Ok(());
        }
        sink(papers).map_err(StreamError::Sink)
    }
}

/// Parses a whole document with feed-rs into entry fields.
pub(super) fn parse_with_feed_rs(
    request: &SourceRequest,
    body: &[u8],
) -> Result<Vec<EntryFields>, ParseError> {
    // Generic feeds may legitimately declare a legacy encoding (ISO-8859-1 blogs);
    // feed-rs decodes those itself. Anything else must be UTF-8.
    if std::str::from_utf8(body).is_err() && !declares_non_utf8_encoding(body) {
        return Err(ParseError::Encoding);
    }
    // quick-xml under feed-rs panics on an XML declaration naming another encoding late in a
    // document (found by fuzzing): neutralise such declarations first.
    let body = guard_xml_declarations(body)?;
    let base = is_web_url(&request.url).then_some(request.url.as_str());
    let feed = feed_rs_parse(body.as_ref(), base)?;
    Ok(feed.entries.into_iter().map(EntryFields::from).collect())
}

/// feed-rs with our settings: an empty id tells us the entry had no guid/id of its own (feed-rs
/// would otherwise invent one, a random UUID when there is no link, which would not be stable).
pub(super) fn feed_rs_parse(body: &[u8], base: Option<&str>) -> Result<Feed, ParseError> {
    Builder::new()
        .id_generator(|_links, _title, _uri| String::new())
        .base_uri(base)
        .build()
        .parse(body)
        .map_err(feed_error)
}

/// What the paper mapping needs of one feed entry, whether feed-rs or the streaming reader
/// read it. Text is as the document has it (entities resolved, not yet normalised).
#[derive(Debug, Clone, Default, PartialEq)]
pub(super) struct EntryFields {
    /// The guid/id; empty when the entry has none.
    pub id: String,
    pub title: Option<String>,
    pub summary: Option<String>,
    /// The body of the entry's content, when it has one.
    pub content: Option<String>,
    pub links: Vec<EntryLink>,
    /// Author names, in order.
    pub authors: Vec<String>,
    pub published: Option<DateTime<Utc>>,
    pub updated: Option<DateTime<Utc>>,
    /// Category terms, in order.
    pub categories: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct EntryLink {
    pub href: String,
    pub rel: Option<String>,
}

impl From<Entry> for EntryFields {
    fn from(entry: Entry) -> EntryFields {
        EntryFields {
            id: entry.id,
            title: entry.title.map(|text| text.content),
            summary: entry.summary.map(|text| text.content),
            content: entry.content.and_then(|content| content.body),
            links: entry
                .links
                .into_iter()
                .map(|link| EntryLink {
                    href: link.href,
                    rel: link.rel,
                })
                .collect(),
            authors: entry
                .authors
                .into_iter()
                .filter_map(|person| person.name)
                .collect(),
            published: entry.published,
            updated: entry.updated,
            categories: entry.categories.into_iter().map(|c| c.term).collect(),
        }
    }
}

impl FeedSource {
    fn paper_from_entry(&self, entry: EntryFields) -> Option<Paper> {
        let arxiv_id = std::iter::once(entry.id.as_str())
            .chain(entry.links.iter().map(|link| link.href.as_str()))
            .filter(|candidate| !candidate.trim().is_empty())
            .find_map(PaperId::from_arxiv);

        let abstract_text = entry
            .summary
            .as_deref()
            .map(normalize_block)
            .filter(|text| !text.is_empty())
            .or_else(|| entry.content.as_deref().map(normalize_block))
            .unwrap_or_default();
        let mut title = entry
            .title
            .as_deref()
            .map(normalize_line)
            .unwrap_or_default();
        if title.is_empty() {
            title = title_from_summary(&abstract_text);
        }
        if title.is_empty() {
            return None;
        }

        let abs_link = entry
            .links
            .iter()
            .find(|link| link.rel.as_deref() == Some("alternate"))
            .or_else(|| entry.links.first())
            .and_then(|link| web_url(&link.href));

        let id = match &arxiv_id {
            Some(id) => id.clone(),
            None => {
                let key = if !entry.id.trim().is_empty() {
                    entry.id.trim().to_string()
                } else if let Some(link) = entry.links.first() {
                    link.href.trim().to_string()
                } else {
                    title.clone()
                };
                PaperId::scoped(&self.id, &key)
            }
        };

        let mut paper = Paper::new(id, title, self.id.clone());
        paper.abstract_text = abstract_text;
        paper.authors = entry_authors(&entry.authors);
        paper.published = entry.published.or(entry.updated);
        paper.links.abs = abs_link;
        if let Some(id) = &arxiv_id {
            paper.links.pdf = Some(format!("https://arxiv.org/pdf/{id}"));
            if paper.links.abs.is_none() {
                paper.links.abs = Some(format!("https://arxiv.org/abs/{id}"));
            }
        }
        paper.categories = dedup_nonempty(entry.categories.iter().map(|c| normalize_line(c)));
        Some(paper)
    }
}

/// Authors in order. feed-rs maps RSS `dc:creator` to one person holding the whole
/// comma-joined list, so a lone name with `, ` in it is split.
fn entry_authors(names: &[String]) -> Vec<String> {
    match names {
        [single] if single.contains(", ") => split_author_list(single),
        _ => nonempty(names.iter().map(|name| normalize_line(name))),
    }
}

/// The first words of the summary, as a title for an entry without one.
fn title_from_summary(summary: &str) -> String {
    let line = normalize_line(summary);
    if line.chars().count() <= TITLE_FROM_SUMMARY_CHARS {
        return line;
    }
    let mut cut: String = line.chars().take(TITLE_FROM_SUMMARY_CHARS).collect();
    cut.push('…');
    cut
}

fn feed_error(error: ParseFeedError) -> ParseError {
    match error {
        ParseFeedError::XmlReader(xml) => ParseError::Xml(xml.to_string()),
        other => ParseError::Feed(other.to_string()),
    }
}

/// How far into a document quick-xml can still switch encoding: its decoder keeps only this
/// many leading bytes for the XML declaration (`DecodingReader`'s prefix).
const XML_DECLARATION_WINDOW: usize = 64;

/// Keeps feed-rs away from a panic in quick-xml: an XML declaration that names an encoding and
/// is read after the decoder's first `XML_DECLARATION_WINDOW` bytes makes it call
/// `set_encoding`, which asserts (found by fuzzing). A well-formed document has at most one
/// declaration, at its start, so:
/// - in a UTF-8 body every declaration is turned into a plain processing instruction (the body
///   is UTF-8 whatever it says, and the parser then never switches encoding); a NUL byte, which
///   no XML text may hold but a BOM-less UTF-16 body would, is refused;
/// - a body in a declared legacy encoding keeps its declaration only when it ends within the
///   window, and is refused when another one follows.
fn guard_xml_declarations(body: &[u8]) -> Result<std::borrow::Cow<'_, [u8]>, ParseError> {
    let declarations: Vec<usize> = xml_declarations(body).collect();
    if std::str::from_utf8(body).is_ok() {
        if memchr::memchr(0, body).is_some() {
            return Err(ParseError::Xml("a NUL byte in the document".into()));
        }
        if declarations.is_empty() {
            return Ok(std::borrow::Cow::Borrowed(body));
        }
        let mut owned = body.to_vec();
        for at in declarations {
            // `<?xml` becomes `<?pbx`: same length, a processing instruction feed-rs skips.
            owned[at + 2..at + 5].copy_from_slice(b"pbx");
        }
        return Ok(std::borrow::Cow::Owned(owned));
    }
    let first_ends_in_window = body
        .get(..XML_DECLARATION_WINDOW)
        .map_or(body, |head| head)
        .windows(2)
        .any(|pair| pair == b"?>");
    match declarations.as_slice() {
        [0] if first_ends_in_window => Ok(std::borrow::Cow::Borrowed(body)),
        _ => Err(ParseError::Xml(
            "an XML declaration that is not alone at the start of the document".into(),
        )),
    }
}

/// Byte offsets of every `<?xml` declaration (not `<?xml-stylesheet` and the like): the name
/// followed by whitespace or the end of the instruction.
fn xml_declarations(body: &[u8]) -> impl Iterator<Item = usize> + '_ {
    memchr::memmem::find_iter(body, b"<?xml").filter(move |&at| {
        matches!(
            body.get(at + 5),
            Some(b' ' | b'\t' | b'\r' | b'\n' | b'?') | None
        )
    })
}

/// True when the XML declaration names an encoding other than UTF-8.
fn declares_non_utf8_encoding(body: &[u8]) -> bool {
    const DECLARATION_WINDOW: usize = 256;
    let head = &body[..body.len().min(DECLARATION_WINDOW)];
    let head = String::from_utf8_lossy(head).to_ascii_lowercase();
    let Some(declaration) = head
        .strip_prefix("<?xml")
        .and_then(|rest| rest.split("?>").next())
    else {
        return false;
    };
    let Some(after) = declaration.split("encoding").nth(1) else {
        return false;
    };
    let value: String = after
        .trim_start_matches(|c: char| c == '=' || c.is_whitespace())
        .trim_start_matches(['"', '\''])
        .chars()
        .take_while(|c| c.is_ascii_alphanumeric() || *c == '-' || *c == '_')
        .collect();
    !value.is_empty() && value != "utf-8" && value != "utf8"
}

// ---- Helpers shared by the three sources ---------------------------------------------------

/// The body as UTF-8 text without a byte-order mark, or `ParseError::Encoding`.
pub(crate) fn utf8_body(body: &[u8]) -> Result<&str, ParseError> {
    let text = std::str::from_utf8(body).map_err(|_| ParseError::Encoding)?;
    Ok(text.strip_prefix('\u{feff}').unwrap_or(text))
}

/// True for an `http://` or `https://` URL.
pub(crate) fn is_web_url(url: &str) -> bool {
    let url = url.trim_start().as_bytes();
    ["http://", "https://"].iter().any(|scheme| {
        url.get(..scheme.len())
            .is_some_and(|head| head.eq_ignore_ascii_case(scheme.as_bytes()))
    })
}

/// A link from a feed, kept only when `crate::link` deems it safe (a well-formed http(s) URL
/// with nothing a terminal or browser could be tricked by): links are opened in a browser and
/// shown on screen, and feeds are untrusted.
pub(crate) fn web_url(raw: &str) -> Option<String> {
    crate::link::safe_web_url(raw)
}

/// Splits a `dc:creator`-style author list ("A, B and C", "A, B, and C") into names.
pub(crate) fn split_author_list(list: &str) -> Vec<String> {
    let names = list.split(", ").flat_map(|part| {
        let part = part.trim();
        let part = part.strip_prefix("and ").unwrap_or(part);
        part.split(" and ")
    });
    nonempty(names.map(normalize_line))
}

/// Drops empty strings (two authors may share a name, so repeats stay).
pub(crate) fn nonempty(items: impl IntoIterator<Item = String>) -> Vec<String> {
    items.into_iter().filter(|item| !item.is_empty()).collect()
}

/// Drops empty strings and repeats, keeping the first occurrence's position.
pub(crate) fn dedup_nonempty(items: impl IntoIterator<Item = String>) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for item in items {
        if !item.is_empty() && !out.contains(&item) {
            out.push(item);
        }
    }
    out
}

/// Merges papers that share an id (one response can list a paper twice) with `Paper::merge`,
/// keeping the order in which ids first appeared.
pub(crate) fn merge_duplicates(papers: impl IntoIterator<Item = Paper>) -> Vec<Paper> {
    let mut out: Vec<Paper> = Vec::new();
    let mut index: HashMap<PaperId, usize> = HashMap::new();
    for paper in papers {
        match index.get(&paper.id) {
            Some(&at) => {
                if let Some(existing) = out.get_mut(at) {
                    existing.merge(paper);
                }
            }
            None => {
                index.insert(paper.id.clone(), out.len());
                out.push(paper);
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn author_lists_split_on_commas_and_and() {
        assert_eq!(
            split_author_list("A One, B Two and C Three"),
            ["A One", "B Two", "C Three"]
        );
        assert_eq!(
            split_author_list("A One, B Two, and C Three"),
            ["A One", "B Two", "C Three"]
        );
        assert_eq!(split_author_list("Solo Author"), ["Solo Author"]);
    }

    #[test]
    fn only_clean_web_links_are_kept() {
        assert_eq!(
            web_url(" https://x.org/a "),
            Some("https://x.org/a".to_string())
        );
        assert_eq!(web_url("HTTP://x.org"), Some("HTTP://x.org".to_string()));
        assert_eq!(web_url("javascript:alert(1)"), None);
        assert_eq!(web_url("file:///etc/passwd"), None);
        assert_eq!(web_url("https://x.org/\u{1b}[2J"), None);
        assert_eq!(web_url("https://x.org/a b"), None);
        assert_eq!(
            web_url("http://é.example/"),
            Some("http://é.example/".to_string())
        );
    }

    #[test]
    fn legacy_encoding_declarations_are_recognised() {
        assert!(declares_non_utf8_encoding(
            b"<?xml version=\"1.0\" encoding=\"ISO-8859-1\"?><rss/>"
        ));
        assert!(!declares_non_utf8_encoding(
            b"<?xml version='1.0' encoding='UTF-8'?><rss/>"
        ));
        assert!(!declares_non_utf8_encoding(b"<rss/>"));
    }

    fn parse(body: &[u8]) -> Result<Vec<Paper>, ParseError> {
        let source = FeedSource::new("blog", "http://127.0.0.1:9/feed.xml");
        let request = SourceRequest {
            url: "http://127.0.0.1:9/feed.xml".into(),
            label: "blog".into(),
            day: None,
            empty_on_400: false,
        };
        source.parse(&request, body)
    }

    const ATOM_ENTRY: &str = "<entry><title>One</title><id>urn:1</id></entry>";

    #[test]
    fn a_second_xml_declaration_naming_another_encoding_does_not_panic() {
        // Found by fuzzing: quick-xml asserted in `set_encoding` under feed-rs.
        let body = format!(
            "<?xml version='1.0' encoding='UTF-8'?>\n<feed xmlns=\"http://www.w3.org/2005/Atom\" \
             xmlns:x=\"{}\">{ATOM_ENTRY}<?xml version='1.0' encoding='UTF-16'?>\n</feed>",
            "h".repeat(100)
        );
        let papers = parse(body.as_bytes()).unwrap();
        assert_eq!(papers.len(), 1);
        let crash = include_bytes!(
            "../../fuzz/regressions/generic_feed/crash-35848d291dc00366ad239b76d9e985b131db1d9e"
        );
        let _ = parse(crash);
    }

    #[test]
    fn a_late_declaration_in_a_legacy_encoding_is_refused() {
        let mut body = b"<?xml version=\"1.0\" encoding=\"ISO-8859-1\"?><rss version=\"2.0\">\
            <channel><title>caf\xe9</title><item><title>x</title></item>"
            .to_vec();
        body.extend_from_slice(b"<?xml version='1.0' encoding='UTF-16'?></channel></rss>");
        assert!(matches!(parse(&body), Err(ParseError::Xml(_))));
        let long_declaration = format!(
            "<?xml version=\"1.0\"{} encoding=\"ISO-8859-1\"?><rss/>",
            " ".repeat(80)
        );
        let mut body = long_declaration.into_bytes();
        body.push(0xe9);
        assert!(matches!(parse(&body), Err(ParseError::Xml(_))));
    }

    #[test]
    fn ordinary_declarations_and_stylesheets_still_parse() {
        let latin1 = b"<?xml version=\"1.0\" encoding=\"ISO-8859-1\"?><rss version=\"2.0\">\
            <channel><title>b</title><item><title>caf\xe9</title><guid>1</guid></item>\
            </channel></rss>";
        let papers = parse(latin1).unwrap();
        assert_eq!(papers[0].title, "café");
        let styled = format!(
            "\n\n  <?xml version=\"1.0\" encoding=\"utf-8\"?>\
             <?xml-stylesheet type=\"text/xsl\" href=\"s.xsl\"?>\
             <feed xmlns=\"http://www.w3.org/2005/Atom\">{ATOM_ENTRY}</feed>"
        );
        assert_eq!(parse(styled.as_bytes()).unwrap().len(), 1);
        assert!(matches!(parse(b"<rss>\0</rss>"), Err(ParseError::Xml(_))));
    }

    #[test]
    fn bom_is_stripped_and_invalid_utf8_rejected() {
        assert_eq!(utf8_body("\u{feff}[]".as_bytes()), Ok("[]"));
        assert_eq!(utf8_body(b"[\xff]"), Err(ParseError::Encoding));
    }
}
