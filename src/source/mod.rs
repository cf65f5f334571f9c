//! Feed sources: one module per kind (HF Daily Papers, arXiv, generic RSS/Atom/JSON Feed) behind
//! the `Source` trait. A source says which URLs to fetch and parses their bodies into `Paper`s;
//! the HTTP (and `file://`) fetching lives in `fetch.rs`, shared by all.

pub mod arxiv;
pub mod feed;
pub mod fetch;
pub mod hf_daily;

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

/// A configured source of papers.
pub trait Source: Send + Sync {
    /// The id every paper from this source carries in `Paper::sources`.
    fn id(&self) -> &SourceId;
    /// The URLs to fetch in one sync, given today's date (UTC).
    fn requests(&self, today: NaiveDate) -> Vec<SourceRequest>;
    /// Parses one fetched body. Lenient: unknown fields are ignored, bad items skipped.
    fn parse(&self, request: &SourceRequest, body: &[u8]) -> Result<Vec<Paper>, ParseError>;
    /// The least time between two requests to this source's host (arXiv asks for 3 s).
    fn min_request_interval(&self) -> Duration {
        Duration::ZERO
    }
}
