//! Feed sources: one module per kind (HF Daily Papers, arXiv, generic RSS/Atom/JSON Feed) behind
//! the `Source` trait. A source says which URLs to fetch and parses their bodies into `Paper`s;
//! the HTTP (and `file://`) fetching lives in `fetch.rs`, shared by all; body decoding and the
//! helpers the sources share live in `encoding.rs` and `common.rs`.

pub mod arxiv;
pub(crate) mod common;
pub(crate) mod encoding;
pub mod feed;
mod feed_stream;
mod feed_values;
pub mod fetch;
pub mod fulltext;
pub mod hf_daily;
pub mod hf_lists;
mod json_feed;
mod json_stream;

use std::io::BufRead;
use std::time::Duration;

use chrono::NaiveDate;

use crate::model::{Paper, SourceId};

/// One URL a source wants fetched in a sync.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SourceRequest {
    /// `http(s)://…` or `file://…`.
    pub url: String,
    /// What this request is, for progress lines and errors ("2025-04-30", "cs.LG").
    pub label: String,
    /// The day this request is for, when it is a daily listing; papers without dates are
    /// filed under it.
    pub day: Option<NaiveDate>,
    /// A 400 answer means "no list for this day yet" rather than a failure (HF answers 400
    /// for a date it has not reached in its own time zone).
    pub empty_on_400: bool,
}

/// Why a body could not be turned into papers.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ParseError {
    #[error("malformed JSON: {0}")]
    Json(String),
    #[error("malformed XML: {0}")]
    Xml(String),
    #[error("not a feed: {0}")]
    Feed(String),
    #[error("the body is not valid UTF-8")]
    Encoding,
    #[error("the server answered with an error: {0}")]
    Api(String),
}

/// How many papers a streamed parse hands to its sink at a time: big enough that a store write
/// per batch costs little, small enough that a batch of full records stays about a MB. Three
/// batches are in flight (parse, normalise, store), and sled keeps what it writes, so this sets
/// most of the ingest peak: at 50,000 papers 2,000 gave 86–91 MiB, 500 gave 69 MiB for 3 %
/// more on disk, 250 gave 65 MiB but 45 % more on disk (sled rewrites day chunks per batch).
/// A multiple of 8: the feed reader hands entries on in eighths of a batch.
pub const STREAM_BATCH: usize = 512;

/// Why a streamed parse stopped.
#[derive(Debug, thiserror::Error)]
pub enum StreamError {
    #[error(transparent)]
    Parse(#[from] ParseError),
    /// Reading the body failed; a fetcher's body reader knows the fetch error behind it.
    #[error("reading the body failed: {0}")]
    Read(#[source] std::io::Error),
    /// The sink refused a batch (a store error), worded for the user.
    #[error("{0}")]
    Sink(String),
}

/// What a parse read and what it left out, and why: a feed with N items that gives fewer
/// papers says so ("3 of 20 items skipped: no title or summary"), never a bare "ok".
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ParseReport {
    /// Items (entries, records) read.
    pub items: usize,
    /// Items that did not become papers, by reason, in the order the reasons first came up.
    pub skipped: Vec<(&'static str, usize)>,
}

impl ParseReport {
    /// A report of `items` items, none skipped.
    pub fn all_kept(items: usize) -> ParseReport {
        ParseReport {
            items,
            skipped: Vec::new(),
        }
    }

    /// Counts one skipped item.
    pub fn skip(&mut self, reason: &'static str) {
        match self.skipped.iter_mut().find(|(known, _)| *known == reason) {
            Some((_, count)) => *count += 1,
            None => self.skipped.push((reason, 1)),
        }
    }

    /// How many items were skipped, for every reason.
    pub fn skipped_count(&self) -> usize {
        self.skipped.iter().map(|(_, count)| count).sum()
    }

    /// Adds another body's report (a source with several requests).
    pub fn add(&mut self, other: &ParseReport) {
        self.items += other.items;
        for (reason, count) in &other.skipped {
            for _ in 0..*count {
                self.skip(reason);
            }
        }
    }

    /// "3 of 20 items skipped: no title or summary", or `None` when nothing was skipped.
    pub fn note(&self) -> Option<String> {
        let skipped = self.skipped_count();
        if skipped == 0 {
            return None;
        }
        let reasons: Vec<String> = match self.skipped.as_slice() {
            [(reason, _)] => vec![(*reason).to_string()],
            many => many
                .iter()
                .map(|(reason, count)| format!("{count} {reason}"))
                .collect(),
        };
        let noun = if self.items == 1 { "item" } else { "items" };
        Some(format!(
            "{skipped} of {} {noun} skipped: {}",
            self.items,
            reasons.join(", ")
        ))
    }
}

/// What the server said about a body besides its bytes: the `charset` of its `Content-Type`
/// and its `Content-Location` (the base of the document's relative links, as feedparser
/// takes it). Files and bodies in memory declare nothing.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Declared {
    pub charset: Option<String>,
    pub location: Option<String>,
}

/// Where a streamed parse puts its papers, a batch at a time. Papers that share an id within a
/// batch are already merged; across batches, `Store::apply` merges them with what it holds.
pub type PaperSink<'a> = dyn FnMut(Vec<Paper>) -> Result<(), String> + 'a;

/// A configured source of papers.
pub trait Source: Send + Sync {
    /// The id every paper from this source carries in `Paper::sources`.
    fn id(&self) -> &SourceId;
    /// The URLs to fetch in one sync, given today's date (UTC).
    fn requests(&self, today: NaiveDate) -> Vec<SourceRequest>;
    /// Parses one fetched body. Lenient: unknown fields are ignored, bad items skipped.
    fn parse(&self, request: &SourceRequest, body: &[u8]) -> Result<Vec<Paper>, ParseError>;
    /// Parses a body as it is read, handing papers to `sink` in batches (of about
    /// `STREAM_BATCH`), so a large body never has to be held whole. The default reads the body
    /// and calls `parse`; a source whose bodies can be large streams them. An empty parse calls
    /// `sink` not at all. When parsing fails part-way, the batches already handed over stay.
    /// The report says how many items were read and which were skipped, and why.
    fn parse_stream(
        &self,
        request: &SourceRequest,
        body: &mut (dyn BufRead + Send),
        sink: &mut PaperSink<'_>,
    ) -> Result<ParseReport, StreamError> {
        let mut bytes = Vec::new();
        body.read_to_end(&mut bytes).map_err(StreamError::Read)?;
        let papers = self.parse(request, &bytes)?;
        drop(bytes);
        let report = ParseReport::all_kept(papers.len());
        if papers.is_empty() {
            return Ok(report);
        }
        sink(papers).map_err(StreamError::Sink)?;
        Ok(report)
    }
    /// `parse_stream` for a body whose server declared a charset (`Content-Type: …;
    /// charset=…`), which a source of XML feeds weighs as RFC 7303 says (after a byte-order
    /// mark, before the XML declaration). The default ignores it.
    fn parse_stream_declared(
        &self,
        request: &SourceRequest,
        _charset: Option<&str>,
        body: &mut (dyn BufRead + Send),
        sink: &mut PaperSink<'_>,
    ) -> Result<ParseReport, StreamError> {
        self.parse_stream(request, body, sink)
    }
    /// `parse_stream` with everything the server declared about the body (see [`Declared`]).
    /// The default weighs only the charset.
    fn parse_stream_with(
        &self,
        request: &SourceRequest,
        declared: &Declared,
        body: &mut (dyn BufRead + Send),
        sink: &mut PaperSink<'_>,
    ) -> Result<ParseReport, StreamError> {
        self.parse_stream_declared(request, declared.charset.as_deref(), body, sink)
    }
    /// The least time between two requests to this source's host (arXiv asks for 3 s).
    fn min_request_interval(&self) -> Duration {
        Duration::ZERO
    }
    /// Whether an answer's `Link: <…>; rel="next"` page is fetched after it (paged lists).
    fn follows_next_links(&self) -> bool {
        false
    }
    /// The ranked list (HF's week, month, trending, search) this source's answers make up:
    /// the sync records the papers' ids in the order they came, under the list's key.
    fn ranked_list(&self) -> Option<&hf_lists::HfList> {
        None
    }
}

/// `Source::parse` for a source whose real work is `parse_stream`: the body is streamed from
/// memory into one list, and duplicates within it merged. `unexpected` words a read or sink
/// failure, which cannot happen with a body in memory and a sink that takes everything.
pub(crate) fn parse_in_memory(
    source: &(impl Source + ?Sized),
    request: &SourceRequest,
    body: &[u8],
    unexpected: fn(String) -> ParseError,
) -> Result<Vec<Paper>, ParseError> {
    let mut papers = Vec::new();
    let streamed = source.parse_stream(request, &mut &body[..], &mut |batch| {
        papers.extend(batch);
        Ok(())
    });
    match streamed {
        Ok(_) => Ok(common::merge_duplicates(papers)),
        Err(StreamError::Parse(error)) => Err(error),
        Err(other) => Err(unexpected(other.to_string())),
    }
}
