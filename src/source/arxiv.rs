//! The arXiv source: category listings from the RSS endpoint and API queries (Atom).
// SKELETON: owned by the sources helper; the constructor signature is the contract.

use std::time::Duration;

use chrono::NaiveDate;

use super::{ParseError, Source, SourceRequest};
use crate::model::{Paper, SourceId};

pub struct ArxivSource {
    id: SourceId,
}

impl ArxivSource {
    pub fn new(
        _rss_base_url: &str,
        _api_base_url: &str,
        _categories: &[String],
        _queries: &[String],
        _max_results: u32,
        _min_interval: Duration,
    ) -> ArxivSource {
        ArxivSource { id: SourceId::arxiv() }
    }
}

impl Source for ArxivSource {
    fn id(&self) -> &SourceId {
        &self.id
    }
    fn requests(&self, _today: NaiveDate) -> Vec<SourceRequest> {
        Vec::new()
    }
    fn parse(&self, _request: &SourceRequest, _body: &[u8]) -> Result<Vec<Paper>, ParseError> {
        Ok(Vec::new())
    }
}
