//! The Hugging Face Daily Papers source: `GET {base}/api/daily_papers?date=YYYY-MM-DD` per day,
//! parsed from HF's bare JSON array into `Paper`s (docs/ARCHITECTURE.md §7), an element at a time.
//! The same source fetches HF's ranked lists (`for_list`: a week, a month, trending, a search;
//! see `hf_lists.rs`), whose answers have the daily shape (a search's may be flat papers).

use std::io::BufRead;

use chrono::{DateTime, Days, NaiveDate, Utc};
use serde::de::DeserializeOwned;
use serde::{Deserialize, Deserializer};
use serde_json::Value;

use super::common::{merge_duplicates, nonempty, utf8_body, web_url};
use super::hf_lists::HfList;
use super::json_stream;
use super::{PaperSink, ParseError, ParseReport, STREAM_BATCH, Source, SourceRequest, StreamError};
use crate::model::{Paper, PaperId, SourceId};
use crate::text::{normalize_block, normalize_line, sanitize_line};

pub struct HfDailySource {
    id: SourceId,
    base_url: String,
    days: u32,
    only_date: Option<NaiveDate>,
    /// A ranked list to fetch instead of days.
    list: Option<HfList>,
}

impl HfDailySource {
    /// `base_url` is `https://huggingface.co` (or a loopback/`file://` URL in tests and the
    /// demo); `days` counts today; `only_date` fetches that one day instead.
    pub fn new(base_url: &str, days: u32, only_date: Option<NaiveDate>) -> HfDailySource {
        HfDailySource {
            id: SourceId::hf(),
            base_url: base_url.trim().to_string(),
            days,
            only_date,
            list: None,
        }
    }

    /// The source of one of HF's ranked lists: a week's or a month's papers (every page),
    /// trending, or a search. Search results carry the `hf-search` source id, so papers no
    /// daily list named stay out of the day views.
    pub fn for_list(base_url: &str, list: HfList) -> HfDailySource {
        let id = match list {
            HfList::Search { .. } => SourceId::hf_search(),
            _ => SourceId::hf(),
        };
        HfDailySource {
            id,
            base_url: base_url.trim().to_string(),
            days: 1,
            only_date: None,
            list: Some(list),
        }
    }

    /// A search answers flat paper objects as well as daily items.
    fn searching(&self) -> bool {
        matches!(self.list, Some(HfList::Search { .. }))
    }

    fn request_for(&self, date: NaiveDate, today: NaiveDate) -> SourceRequest {
        let base = self.base_url.trim_end_matches('/');
        SourceRequest {
            url: format!("{base}/api/daily_papers?date={}", date.format("%Y-%m-%d")),
            label: date.format("%Y-%m-%d").to_string(),
            day: Some(date),
            // HF answers 400 for a day it has not reached in its own time zone; a day after
            // today (a `--date` typed in a zone ahead of UTC) is the same "no list yet".
            empty_on_400: date >= today,
        }
    }
}

impl Source for HfDailySource {
    fn id(&self) -> &SourceId {
        &self.id
    }

    fn requests(&self, today: NaiveDate) -> Vec<SourceRequest> {
        if self.base_url.to_ascii_lowercase().starts_with("file://") {
            // A local dump of one response (the offline demo, tests): fetched as is.
            return vec![SourceRequest {
                url: self.base_url.clone(),
                label: "file".to_string(),
                day: None,
                empty_on_400: false,
            }];
        }
        if let Some(list) = &self.list {
            // A `file://` base is one local dump (the offline demo): every list reads it.
            let url = if self.base_url.to_ascii_lowercase().starts_with("file://") {
                self.base_url.clone()
            } else {
                list.url(&self.base_url)
            };
            return vec![SourceRequest {
                url,
                label: list.label(),
                day: None,
                empty_on_400: false,
            }];
        }
        if let Some(date) = self.only_date {
            return vec![self.request_for(date, today)];
        }
        (0..self.days.max(1))
            .map_while(|back| today.checked_sub_days(Days::new(u64::from(back))))
            .map(|date| self.request_for(date, today))
            .collect()
    }

    fn parse(&self, request: &SourceRequest, body: &[u8]) -> Result<Vec<Paper>, ParseError> {
        super::parse_in_memory(self, request, body, ParseError::Json)
    }

    fn follows_next_links(&self) -> bool {
        self.list.as_ref().is_some_and(HfList::follows_pages)
    }

    fn ranked_list(&self) -> Option<&HfList> {
        self.list.as_ref()
    }

    /// An array (every real response) is read an element at a time, each parsed on its own;
    /// anything else (an error object, garbage) is read whole.
    fn parse_stream(
        &self,
        request: &SourceRequest,
        body: &mut (dyn BufRead + Send),
        sink: &mut PaperSink<'_>,
    ) -> Result<ParseReport, StreamError> {
        let mut elements = match json_stream::open(body)? {
            json_stream::Opened::Array(elements) => elements,
            json_stream::Opened::Other(mut bytes) => {
                body.read_to_end(&mut bytes).map_err(StreamError::Read)?;
                let papers = self.parse_whole(request, &bytes)?;
                let report = ParseReport::all_kept(papers.len());
                if !papers.is_empty() {
                    sink(papers).map_err(StreamError::Sink)?;
                }
                return Ok(report);
            }
        };
        let mut element = Vec::new();
        let mut papers = Vec::new();
        let mut report = ParseReport::default();
        while elements.next_into(&mut element)? {
            report.items += 1;
            std::str::from_utf8(&element).map_err(|_| ParseError::Encoding)?;
            let value: Value = serde_json::from_slice(&element)
                .map_err(|error| ParseError::Json(error.to_string()))?;
            // A malformed item is skipped; the rest of the day is still worth showing.
            if let Some(paper) = self
                .item_from(value)
                .and_then(|item| self.paper_from_item(item, request.day))
            {
                papers.push(paper);
            } else {
                report.skip(SKIPPED_MALFORMED);
            }
            if papers.len() >= STREAM_BATCH {
                sink(merge_duplicates(std::mem::take(&mut papers))).map_err(StreamError::Sink)?;
            }
        }
        if !papers.is_empty() {
            sink(merge_duplicates(papers)).map_err(StreamError::Sink)?;
        }
        Ok(report)
    }
}

/// Why a Daily Papers item is not a paper.
const SKIPPED_MALFORMED: &str = "not a paper record";

impl HfDailySource {
    /// A whole body that is not an array: an error object, or not what was expected.
    fn parse_whole(&self, request: &SourceRequest, body: &[u8]) -> Result<Vec<Paper>, ParseError> {
        let text = utf8_body(body)?;
        let document: Value =
            serde_json::from_str(&text).map_err(|error| ParseError::Json(error.to_string()))?;
        let items = match document {
            Value::Array(items) => items,
            Value::Object(object) => {
                return Err(match object.get("error") {
                    Some(Value::String(message)) => ParseError::Api(sanitize_line(message)),
                    Some(other) => ParseError::Api(sanitize_line(&other.to_string())),
                    None => {
                        ParseError::Json("expected an array of daily papers, got an object".into())
                    }
                });
            }
            other => {
                return Err(ParseError::Json(format!(
                    "expected an array of daily papers, got {}",
                    json_kind(&other)
                )));
            }
        };
        // A malformed item is skipped; the rest of the day is still worth showing.
        let papers = items
            .into_iter()
            .filter_map(|item| self.item_from(item))
            .filter_map(|item| self.paper_from_item(item, request.day));
        Ok(merge_duplicates(papers))
    }
}

impl HfDailySource {
    /// One array element as a daily item; a search also takes a flat paper object.
    fn item_from(&self, value: Value) -> Option<DailyItem> {
        if self.searching() && value.get("paper").is_none() {
            let num_comments = value
                .get("numComments")
                .and_then(Value::as_u64)
                .map(|n| u32::try_from(n).unwrap_or(u32::MAX));
            return HfPaper::deserialize(value).ok().map(|paper| DailyItem {
                paper,
                title: None,
                summary: None,
                num_comments,
            });
        }
        DailyItem::deserialize(value).ok()
    }

    fn paper_from_item(&self, item: DailyItem, request_day: Option<NaiveDate>) -> Option<Paper> {
        let DailyItem {
            paper: hf,
            title: outer_title,
            summary: outer_summary,
            num_comments,
        } = item;

        // 2024 captures hard-wrap `paper.title`; normalisation unwraps it, so the inner value
        // is as good as the outer one and is present in every shape.
        let title = first_nonempty(
            [hf.title.as_deref(), outer_title.as_deref()],
            normalize_line,
        );
        let abstract_text = first_nonempty(
            [hf.summary.as_deref(), outer_summary.as_deref()],
            normalize_block,
        );
        let raw_id = hf.id.as_deref().map(str::trim).unwrap_or_default();
        let arxiv_id = if raw_id.is_empty() {
            None
        } else {
            PaperId::from_arxiv(raw_id)
        };

        let id = match (&arxiv_id, raw_id.is_empty(), title.is_empty()) {
            (Some(id), _, _) => id.clone(),
            (None, false, _) => PaperId::scoped(&self.id, raw_id),
            // The offline demo feed has no ids: the title is the only stable key.
            (None, true, false) => PaperId::scoped(&self.id, &title),
            (None, true, true) => return None,
        };
        let title = if title.is_empty() {
            normalize_line(raw_id)
        } else {
            title
        };

        let mut paper = Paper::new(id, title, self.id.clone());
        paper.abstract_text = abstract_text;
        paper.authors = nonempty(
            hf.authors
                .unwrap_or_default()
                .into_iter()
                .filter_map(|author| HfAuthor::deserialize(author).ok())
                .filter(|author| author.hidden != Some(true))
                .filter_map(HfAuthor::display_name)
                .map(|name| normalize_line(&name)),
        );
        paper.published = hf.published_at.as_deref().and_then(parse_utc);
        paper.daily_date = hf
            .submitted_on_daily_at
            .as_deref()
            .and_then(parse_day)
            .or(request_day);
        if self.searching() && paper.daily_date.is_none() {
            // Filed under its arXiv day rather than the day it was searched for.
            paper.daily_date = paper.published.map(|at| at.date_naive());
        }
        if let Some(id) = &arxiv_id {
            paper.links.abs = Some(format!("https://arxiv.org/abs/{id}"));
            paper.links.pdf = Some(format!("https://arxiv.org/pdf/{id}"));
            paper.links.hf = Some(format!("https://huggingface.co/papers/{id}"));
        }
        paper.links.github = hf.github_repo.as_deref().and_then(web_url);
        paper.links.project = hf.project_page.as_deref().and_then(web_url);
        paper.upvotes = hf.upvotes;
        paper.comments = num_comments;
        paper.github_stars = hf.github_stars;
        paper.ai_summary = hf
            .ai_summary
            .as_deref()
            .map(normalize_block)
            .filter(|summary| !summary.is_empty());
        paper.ai_keywords = nonempty(
            hf.ai_keywords
                .unwrap_or_default()
                .iter()
                .map(|keyword| normalize_line(keyword)),
        );
        Some(paper)
    }
}

/// One element of the `/api/daily_papers` array. Only what paperboat shows is modelled;
/// every field is optional and a field of the wrong type reads as absent (docs/ARCHITECTURE.md §7).
#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct DailyItem {
    paper: HfPaper,
    #[serde(default, deserialize_with = "lenient")]
    title: Option<String>,
    #[serde(default, deserialize_with = "lenient")]
    summary: Option<String>,
    /// Lives on the outer item, unlike `upvotes`.
    #[serde(default, deserialize_with = "count")]
    num_comments: Option<u32>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct HfPaper {
    #[serde(default, deserialize_with = "lenient")]
    id: Option<String>,
    #[serde(default, deserialize_with = "lenient")]
    title: Option<String>,
    #[serde(default, deserialize_with = "lenient")]
    summary: Option<String>,
    /// Kept raw so that one odd author does not cost the whole list.
    #[serde(default, deserialize_with = "lenient")]
    authors: Option<Vec<Value>>,
    #[serde(default, deserialize_with = "lenient")]
    published_at: Option<String>,
    #[serde(default, deserialize_with = "lenient")]
    submitted_on_daily_at: Option<String>,
    #[serde(default, deserialize_with = "count")]
    upvotes: Option<u32>,
    #[serde(default, deserialize_with = "lenient")]
    github_repo: Option<String>,
    #[serde(default, deserialize_with = "count")]
    github_stars: Option<u32>,
    #[serde(default, deserialize_with = "lenient")]
    project_page: Option<String>,
    #[serde(rename = "ai_summary", default, deserialize_with = "lenient")]
    ai_summary: Option<String>,
    #[serde(rename = "ai_keywords", default, deserialize_with = "lenient")]
    ai_keywords: Option<Vec<String>>,
}

#[derive(Deserialize)]
struct HfAuthor {
    #[serde(default, deserialize_with = "lenient")]
    name: Option<String>,
    #[serde(default, deserialize_with = "lenient")]
    hidden: Option<bool>,
    #[serde(default, deserialize_with = "lenient")]
    user: Option<HfUser>,
}

#[derive(Deserialize)]
struct HfUser {
    #[serde(default, deserialize_with = "lenient")]
    fullname: Option<String>,
}

impl HfAuthor {
    /// The author's name as printed on the paper; a claimed author's HF full name otherwise.
    fn display_name(self) -> Option<String> {
        let name = self.name.filter(|name| !name.trim().is_empty());
        name.or_else(|| self.user.and_then(|user| user.fullname))
            .filter(|n| !n.trim().is_empty())
    }
}

/// Reads a field as `T`, or as absent when it is null or of another type.
fn lenient<'de, D, T>(deserializer: D) -> Result<Option<T>, D::Error>
where
    D: Deserializer<'de>,
    T: DeserializeOwned,
{
    let value = Value::deserialize(deserializer)?;
    Ok(serde_json::from_value(value).ok())
}

/// Reads a count: an integer, or a float (the OpenAPI spec says "number"); negative or
/// non-numeric values read as absent, huge ones saturate.
fn count<'de, D>(deserializer: D) -> Result<Option<u32>, D::Error>
where
    D: Deserializer<'de>,
{
    let value = Value::deserialize(deserializer)?;
    let whole = value.as_u64().or_else(|| {
        value
            .as_f64()
            .filter(|f| f.is_finite() && *f >= 0.0)
            .map(|f| f.trunc() as u64)
    });
    Ok(whole.map(|n| u32::try_from(n).unwrap_or(u32::MAX)))
}

/// The first candidate that normalises to something non-empty, or an empty string.
fn first_nonempty<const N: usize>(
    candidates: [Option<&str>; N],
    normalize: fn(&str) -> String,
) -> String {
    candidates
        .into_iter()
        .flatten()
        .map(normalize)
        .find(|text| !text.is_empty())
        .unwrap_or_default()
}

fn parse_utc(text: &str) -> Option<DateTime<Utc>> {
    DateTime::parse_from_rfc3339(text.trim())
        .ok()
        .map(|at| at.with_timezone(&Utc))
}

/// The UTC day of an HF timestamp (`2026-07-13T00:00:00.000Z`), or of a bare date.
fn parse_day(text: &str) -> Option<NaiveDate> {
    parse_utc(text)
        .map(|at| at.date_naive())
        .or_else(|| NaiveDate::parse_from_str(text.trim().get(..10)?, "%Y-%m-%d").ok())
}

fn json_kind(value: &Value) -> &'static str {
    match value {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn item(n: usize, summary: &str) -> String {
        format!(
            r#"{{"paper":{{"id":"2607.{n:05}","title":"Paper {n}","summary":"{summary}"}},"numComments":1}}"#
        )
    }

    #[test]
    fn a_long_array_streams_in_batches_and_repeats_still_merge() {
        let source = HfDailySource::new("https://huggingface.co", 1, None);
        let request = source.request_for(
            NaiveDate::from_ymd_opt(2026, 7, 13).unwrap(),
            NaiveDate::from_ymd_opt(2026, 7, 13).unwrap(),
        );
        let mut items: Vec<String> = (0..STREAM_BATCH + 3).map(|n| item(n, "short")).collect();
        items.push(item(0, "a longer abstract, seen in a later batch"));
        let body = format!("[{}]", items.join(",\n"));
        let mut batches = Vec::new();
        source
            .parse_stream(&request, &mut body.as_bytes(), &mut |papers| {
                batches.push(papers.len());
                Ok(())
            })
            .unwrap();
        assert_eq!(batches, [STREAM_BATCH, 4]);
        let papers = source.parse(&request, body.as_bytes()).unwrap();
        assert_eq!(papers.len(), STREAM_BATCH + 3);
        assert_eq!(
            papers[0].abstract_text,
            "a longer abstract, seen in a later batch"
        );
    }

    #[test]
    fn a_byte_order_mark_before_the_array_is_skipped() {
        let source = HfDailySource::new("https://huggingface.co", 1, None);
        let request = source.request_for(
            NaiveDate::from_ymd_opt(2026, 7, 13).unwrap(),
            NaiveDate::from_ymd_opt(2026, 7, 13).unwrap(),
        );
        let body = format!("\u{feff}[{}]", item(1, "s"));
        assert_eq!(source.parse(&request, body.as_bytes()).unwrap().len(), 1);
        let body = "\u{feff}{\"error\":\"nope\"}";
        assert_eq!(
            source.parse(&request, body.as_bytes()),
            Err(ParseError::Api("nope".into()))
        );
    }
}
