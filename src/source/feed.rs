//! Any RSS/Atom/JSON Feed URL: the body is decoded to UTF-8 (`encoding`), XML streamed through
//! the one feed reader (`feed_stream`), JSON Feed read by `json_feed`; entries become papers
//! (arXiv ids in links or guids merge items), and entries that cannot be papers are counted
//! with their reason in the `ParseReport`. A feed of arXiv listings (rss.arxiv.org and the
//! like, as newsboat and OPML imports subscribe to them) is read as the arXiv source reads it.

use std::io::{BufRead, Read};
use std::sync::mpsc;

use chrono::NaiveDate;

use super::arxiv::ArxivSource;
use super::common::{EntryFields, dedup_nonempty, is_web_url, merge_duplicates, nonempty, web_url};
use super::encoding::{Decoded, detect};
use super::{
    Declared, PaperSink, ParseError, ParseReport, STREAM_BATCH, Source, SourceRequest, StreamError,
    feed_stream, json_feed,
};
use crate::model::{Paper, PaperId, SourceId};
use crate::text::{normalize_block, normalize_line};

/// A title made from the summary, for entries that have none (microblog-style feeds).
const TITLE_FROM_SUMMARY_CHARS: usize = 100;
/// Entries pass from the XML reader to the normaliser in chunks of this many: small enough to
/// keep both threads busy, a divisor of `STREAM_BATCH` so batches come out whole.
const ENTRY_CHUNK: usize = STREAM_BATCH / 8;
/// Chunks the XML reader may run ahead by.
const CHUNKS_IN_FLIGHT: usize = 4;
/// How much of a body is looked at to tell its encoding and format.
const HEAD_BYTES: usize = 4096;
/// Why an entry is not a paper.
pub const SKIPPED_NO_TITLE: &str = "no title or summary";
/// Why an entry is not a paper of its own: it has the id of an earlier one, and was merged.
pub const SKIPPED_REPEAT: &str = "repeats of another item";

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

/// True when the start of a body is an arXiv listing: an item whose description begins
/// `arXiv:<id> Announce Type:` (what rss.arxiv.org writes), wherever the feed is served from.
fn is_arxiv_listing(head: &[u8]) -> bool {
    memchr::memmem::find_iter(head, b"arXiv:").any(|at| {
        let after = &head[at..head.len().min(at + 64)];
        memchr::memmem::find(after, b"Announce Type:").is_some()
    })
}

/// True for a URL on arXiv's own hosts (`arxiv.org`, `rss.arxiv.org`, `export.arxiv.org`).
pub fn is_arxiv_listing_url(url: &str) -> bool {
    reqwest::Url::parse(url.trim())
        .ok()
        .and_then(|url| url.host_str().map(str::to_ascii_lowercase))
        .is_some_and(|host| host == "arxiv.org" || host.ends_with(".arxiv.org"))
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

    fn parse_stream(
        &self,
        request: &SourceRequest,
        body: &mut (dyn BufRead + Send),
        sink: &mut PaperSink<'_>,
    ) -> Result<ParseReport, StreamError> {
        self.parse_stream_declared(request, None, body, sink)
    }

    fn parse_stream_declared(
        &self,
        request: &SourceRequest,
        charset: Option<&str>,
        body: &mut (dyn BufRead + Send),
        sink: &mut PaperSink<'_>,
    ) -> Result<ParseReport, StreamError> {
        let declared = Declared {
            charset: charset.map(str::to_string),
            location: None,
        };
        self.parse_stream_with(request, &declared, body, sink)
    }

    /// XML streams through `feed_stream` (items parsed, normalised and handed on a batch at a
    /// time, on two threads); JSON Feed is read whole. Relative links resolve against the
    /// `Content-Location` the server sent (itself relative to the feed's URL), else the URL,
    /// and then against any `xml:base` inside.
    fn parse_stream_with(
        &self,
        request: &SourceRequest,
        declared: &Declared,
        body: &mut (dyn BufRead + Send),
        sink: &mut PaperSink<'_>,
    ) -> Result<ParseReport, StreamError> {
        let charset = declared.charset.as_deref();
        if is_arxiv_listing_url(&request.url) {
            return self.parse_as_arxiv(request, body, sink);
        }
        let mut head = Vec::with_capacity(HEAD_BYTES);
        (&mut *body)
            .take(HEAD_BYTES as u64)
            .read_to_end(&mut head)
            .map_err(StreamError::Read)?;
        let encoding = detect(&head, charset);
        if is_arxiv_listing(&head) {
            // A mirror or a saved copy of an arXiv listing: read as the arXiv source reads it.
            let mut rest = std::io::Cursor::new(head).chain(body);
            return self.parse_as_arxiv(request, &mut rest, sink);
        }
        let mut document = Decoded::new(std::io::Cursor::new(head).chain(body), encoding);
        if starts_with_brace(&mut document).map_err(StreamError::Read)? {
            let mut text = String::new();
            document
                .read_to_string(&mut text)
                .map_err(StreamError::Read)?;
            let entries = json_feed::parse(&text)?;
            let mut report = ParseReport::default();
            let papers = self.papers_from(&entries, &mut report);
            self.hand_on(papers, sink, &mut report)?;
            return Ok(report);
        }
        let base = document_base(&request.url, declared.location.as_deref());
        let base = base.as_deref();
        // The XML is read on a thread of its own while this one normalises the text of what it
        // read and hands papers on: the two halves of the work take about as long.
        std::thread::scope(|scope| {
            let (entries_out, entries_in) =
                mpsc::sync_channel::<Vec<EntryFields>>(CHUNKS_IN_FLIGHT);
            // Read entries go back to the XML thread to be freed there: glibc frees another
            // thread's allocation under that thread's arena lock, which the reader, allocating
            // all the while, holds often (futex waits were a fifth of the parse's samples).
            let (used_out, used_in) = mpsc::channel::<Vec<EntryFields>>();
            let reading = scope.spawn(move || {
                feed_stream::parse_entries(document, base, ENTRY_CHUNK, &mut |entries| {
                    used_in.try_iter().for_each(drop);
                    // The receiver is gone only when handing on failed: that error is reported.
                    entries_out
                        .send(entries)
                        .map_err(|_| StreamError::Sink(String::new()))
                })
            });
            let mut report = ParseReport::default();
            let mut papers: Vec<Paper> = Vec::new();
            let handed = loop {
                let Ok(entries) = entries_in.recv() else {
                    break Ok(());
                };
                papers.extend(self.papers_from(&entries, &mut report));
                // Gone only once the reader has finished: then they are freed here.
                let _ = used_out.send(entries);
                if papers.len() >= STREAM_BATCH
                    && let Err(error) = self.hand_on(std::mem::take(&mut papers), sink, &mut report)
                {
                    break Err(error);
                }
            };
            drop(entries_in);
            let read = reading.join();
            match (handed, read) {
                (Err(error), _) => Err(error),
                (Ok(()), Ok(Ok(()))) => self.hand_on(papers, sink, &mut report).map(|()| report),
                (Ok(()), Ok(Err(error))) => Err(error),
                (Ok(()), Err(_panic)) => Err(StreamError::Parse(ParseError::Feed(
                    "the feed reader stopped unexpectedly".to_string(),
                ))),
            }
        })
    }
}

/// The base URL of a feed's relative links: its `Content-Location` resolved against the
/// request URL, else the request URL; only http(s) bases count.
fn document_base(url: &str, location: Option<&str>) -> Option<String> {
    let request = reqwest::Url::parse(url.trim()).ok();
    let located = location.and_then(|location| match &request {
        Some(request) => request.join(location).ok(),
        None => reqwest::Url::parse(location).ok(),
    });
    located
        .map(String::from)
        .filter(|base| is_web_url(base))
        .or_else(|| is_web_url(url).then(|| url.to_string()))
}

/// True when the first character that is not whitespace is `{` (JSON Feed).
fn starts_with_brace(document: &mut impl BufRead) -> std::io::Result<bool> {
    loop {
        let available = document.fill_buf()?;
        if available.is_empty() {
            return Ok(false);
        }
        let blank = available
            .iter()
            .take_while(|b| b.is_ascii_whitespace())
            .count();
        if blank < available.len() {
            return Ok(available[blank] == b'{');
        }
        let all = available.len();
        document.consume(all);
    }
}

impl FeedSource {
    /// A feed of arXiv listings, read by the arXiv source's reader (same papers, same fields:
    /// announce type, categories, comma-joined creators), filed under this feed.
    fn parse_as_arxiv(
        &self,
        request: &SourceRequest,
        body: &mut (dyn BufRead + Send),
        sink: &mut PaperSink<'_>,
    ) -> Result<ParseReport, StreamError> {
        let mut bytes = Vec::new();
        body.read_to_end(&mut bytes).map_err(StreamError::Read)?;
        let reader = ArxivSource::listing_reader(self.id.clone());
        let (papers, mut report) = reader.parse_with_report(request, &bytes)?;
        self.hand_on(papers, sink, &mut report)?;
        Ok(report)
    }

    /// Papers of a chunk of entries, counting what was skipped and why.
    fn papers_from(&self, entries: &[EntryFields], report: &mut ParseReport) -> Vec<Paper> {
        let mut papers = Vec::with_capacity(entries.len());
        for entry in entries {
            report.items += 1;
            match self.paper_from_entry(entry) {
                Some(paper) => papers.push(paper),
                None => report.skip(SKIPPED_NO_TITLE),
            }
        }
        papers
    }

    /// Hands a batch of papers to the sink, repeats merged (and counted as such).
    fn hand_on(
        &self,
        papers: Vec<Paper>,
        sink: &mut PaperSink<'_>,
        report: &mut ParseReport,
    ) -> Result<(), StreamError> {
        let before = papers.len();
        let papers = merge_duplicates(papers);
        for _ in papers.len()..before {
            report.skip(SKIPPED_REPEAT);
        }
        if papers.is_empty() {
            return Ok(());
        }
        sink(papers).map_err(StreamError::Sink)
    }

    fn paper_from_entry(&self, entry: &EntryFields) -> Option<Paper> {
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
            .filter(|link| link.rel.as_deref().is_none_or(|rel| rel == "alternate"))
            .chain(entry.links.iter())
            .find_map(|link| web_url(&link.href));

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
        paper.authors = nonempty(entry.authors.iter().map(|name| normalize_line(name)));
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

#[cfg(test)]
mod tests {
    use super::*;

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
    fn legacy_encodings_and_stylesheets_parse() {
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
    }

    #[test]
    fn invalid_utf8_is_replaced_not_fatal() {
        let body =
            b"<rss version=\"2.0\"><channel><item><title>caf\xe9</title></item></channel></rss>";
        let papers = parse(body).unwrap();
        assert_eq!(papers[0].title, "caf\u{fffd}");
    }

    #[test]
    fn arxiv_listings_are_read_as_the_arxiv_source_reads_them_wherever_they_come_from() {
        let listing =
            include_str!("../../tests/fixtures/arxiv_rss_cs.LG+cs.AI+cs.CL+stat.ML_2026-09-24.xml");
        let arxiv = ArxivSource::listing_reader(SourceId::feed("mirror"));
        let request = SourceRequest {
            url: "https://mirror.example/rss/cs.LG".into(),
            label: "mirror".into(),
            day: None,
            empty_on_400: false,
        };
        let expected = arxiv.parse(&request, listing.as_bytes()).unwrap();
        for url in [
            "https://mirror.example/rss/cs.LG",
            "https://rss.arxiv.org/rss/cs.LG",
        ] {
            let source = FeedSource::new("mirror", url);
            let request = source.requests(NaiveDate::MIN).remove(0);
            let papers = source.parse(&request, listing.as_bytes()).unwrap();
            assert_eq!(papers, expected, "{url}");
        }
        let first = &expected[0];
        assert!(first.announce_type.is_some());
        assert!(!first.abstract_text.starts_with("arXiv:"));
        assert!(
            expected.iter().any(|paper| paper.authors.len() > 1),
            "comma-joined creators are split"
        );
    }

    #[test]
    fn relative_links_resolve_against_the_content_location_then_xml_base() {
        let source = FeedSource::new("blog", "https://host.example/feeds/main.xml");
        let request = source.requests(NaiveDate::MIN).remove(0);
        let body = r#"<rss version="2.0"><channel><title>b</title>
            <item><title>One</title><link>posts/1</link></item>
            <item xml:base="/other/"><title>Two</title><link>2</link></item>
            </channel></rss>"#;
        let links = |location: Option<&str>| {
            let declared = Declared {
                charset: None,
                location: location.map(str::to_string),
            };
            let mut papers = Vec::new();
            source
                .parse_stream_with(&request, &declared, &mut body.as_bytes(), &mut |batch| {
                    papers.extend(batch);
                    Ok(())
                })
                .unwrap();
            papers
                .into_iter()
                .map(|paper| paper.links.abs.unwrap_or_default())
                .collect::<Vec<_>>()
        };
        assert_eq!(
            links(None),
            [
                "https://host.example/feeds/posts/1",
                "https://host.example/other/2"
            ]
        );
        assert_eq!(
            links(Some("/blog/index.xml")),
            [
                "https://host.example/blog/posts/1",
                "https://host.example/other/2"
            ]
        );
        assert_eq!(
            links(Some("https://mirror.example/x/feed")),
            [
                "https://mirror.example/x/posts/1",
                "https://mirror.example/other/2"
            ]
        );
        // A location that is no web URL is ignored.
        assert_eq!(
            links(Some("file:///etc/feed"))[0],
            "https://host.example/feeds/posts/1"
        );
    }

    #[test]
    fn arxiv_hosts_are_recognised() {
        assert!(is_arxiv_listing_url("https://rss.arxiv.org/rss/cs.LG"));
        assert!(is_arxiv_listing_url("http://export.arxiv.org/rss/cs.LG"));
        assert!(!is_arxiv_listing_url("https://notarxiv.org/rss"));
        assert!(!is_arxiv_listing_url("file:///tmp/arxiv.org.xml"));
    }
}
