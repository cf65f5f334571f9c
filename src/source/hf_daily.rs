//! The Hugging Face Daily Papers source: `GET {base}/api/daily_papers?date=YYYY-MM-DD` per day.
// SKELETON: owned by the sources helper; the constructor signature is the contract.

use chrono::NaiveDate;

use super::{ParseError, Source, SourceRequest};
use crate::model::{Paper, SourceId};

pub struct HfDailySource {
    id: SourceId,
}

impl HfDailySource {
    /// `base_url` is `https://huggingface.co` (or a loopback/`file://` URL in tests and the
    /// demo); `days` counts today; `only_date` fetches that one day instead.
    pub fn new(_base_url: &str, _days: u32, _only_date: Option<NaiveDate>) -> HfDailySource {
        HfDailySource { id: SourceId::hf() }
    }
}

impl Source for HfDailySource {
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
