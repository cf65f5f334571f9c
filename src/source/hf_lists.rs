//! Hugging Face's ranked lists beyond one day: a week's or a month's Daily Papers, the trending
//! list and the paper search. This file says which URL asks for each, how each is named and
//! keyed in the store (`hf_lists`), and checks what a user typed (`2026-W49`, `2026-12`, a query
//! of at most 250 characters). `HfDailySource::for_list` fetches and parses them.

use chrono::{Datelike, NaiveDate, Weekday};
use serde::{Deserialize, Serialize};

/// The most HF's paper search takes in `q`.
pub const MAX_QUERY_CHARS: usize = 250;
/// How many papers one page of a list asks for (HF's own maximum).
pub const PAGE_LIMIT: usize = 100;
/// How many results a search asks for unless told otherwise.
pub const DEFAULT_SEARCH_LIMIT: usize = 50;

/// One of HF's ranked lists.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub enum HfList {
    /// An ISO week's Daily Papers (`week=2026-W49`), ranked as HF ranks them.
    Week { year: i32, week: u32 },
    /// A month's Daily Papers (`month=2026-12`).
    Month { year: i32, month: u32 },
    /// HF's trending papers (`sort=trending`), one page.
    Trending,
    /// The paper search (`/api/papers/search?q=…`).
    Search { query: String, limit: usize },
}

/// Why a typed week, month or search query was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum HfListError {
    #[error("expected a week as YYYY-Www, e.g. 2026-W49 (got {0:?})")]
    BadWeek(String),
    #[error("expected a month as YYYY-MM, e.g. 2026-12 (got {0:?})")]
    BadMonth(String),
    #[error("the search query is empty")]
    EmptyQuery,
    #[error(
        "the search query is {0} characters long; Hugging Face searches at most {MAX_QUERY_CHARS}"
    )]
    QueryTooLong(usize),
}

impl HfList {
    /// The ISO week `date` falls in (a week spanning two months is one week).
    pub fn week_of(date: NaiveDate) -> HfList {
        let week = date.iso_week();
        HfList::Week {
            year: week.year(),
            week: week.week(),
        }
    }

    /// The month `date` falls in.
    pub fn month_of(date: NaiveDate) -> HfList {
        HfList::Month {
            year: date.year(),
            month: date.month(),
        }
    }

    /// Parses `2026-W49` (a `w` is fine too); the week must exist in that ISO year.
    pub fn parse_week(text: &str) -> Result<HfList, HfListError> {
        let bad = || HfListError::BadWeek(crate::text::sanitize_line(text));
        let (year, week) = text.trim().split_once(['W', 'w']).ok_or_else(bad)?;
        let year = year.strip_suffix('-').unwrap_or(year);
        let digits = |s: &str, len: std::ops::RangeInclusive<usize>| {
            len.contains(&s.len()) && s.bytes().all(|b| b.is_ascii_digit())
        };
        if !digits(year, 4..=4) || !digits(week, 1..=2) {
            return Err(bad());
        }
        let (year, week) = (
            year.parse::<i32>().map_err(|_| bad())?,
            week.parse::<u32>().map_err(|_| bad())?,
        );
        NaiveDate::from_isoywd_opt(year, week, Weekday::Mon).ok_or_else(bad)?;
        Ok(HfList::Week { year, week })
    }

    /// Parses `2026-12`.
    pub fn parse_month(text: &str) -> Result<HfList, HfListError> {
        let bad = || HfListError::BadMonth(crate::text::sanitize_line(text));
        let date = NaiveDate::parse_from_str(&format!("{}-01", text.trim()), "%Y-%m-%d")
            .map_err(|_| bad())?;
        if text.trim().len() != 7 {
            return Err(bad());
        }
        Ok(HfList::month_of(date))
    }

    /// A search for `query` (trimmed), refused when empty or longer than HF takes.
    pub fn search(query: &str, limit: usize) -> Result<HfList, HfListError> {
        let query = query.trim();
        let chars = query.chars().count();
        if chars == 0 {
            return Err(HfListError::EmptyQuery);
        }
        if chars > MAX_QUERY_CHARS {
            return Err(HfListError::QueryTooLong(chars));
        }
        Ok(HfList::Search {
            query: query.to_string(),
            limit: limit.clamp(1, PAGE_LIMIT),
        })
    }

    /// The store key of the list (`hf_lists`): one entry per week and month, one for trending,
    /// one for the last search.
    pub fn key(&self) -> String {
        match self {
            HfList::Week { year, week } => format!("week:{year}-W{week:02}"),
            HfList::Month { year, month } => format!("month:{year}-{month:02}"),
            HfList::Trending => "trending".to_string(),
            HfList::Search { .. } => SEARCH_KEY.to_string(),
        }
    }

    /// What the list is, in progress lines and messages: "week 2026-W49", "search".
    pub fn label(&self) -> String {
        match self {
            HfList::Week { year, week } => format!("week {year}-W{week:02}"),
            HfList::Month { year, month } => format!("month {year}-{month:02}"),
            HfList::Trending => "trending".to_string(),
            HfList::Search { .. } => "search".to_string(),
        }
    }

    /// The search's query, for a search.
    pub fn query(&self) -> Option<&str> {
        match self {
            HfList::Search { query, .. } => Some(query),
            _ => None,
        }
    }

    /// Whether the answer's `Link: rel="next"` pages are fetched too: every page of a week or
    /// a month; trending and search are one page.
    pub fn follows_pages(&self) -> bool {
        matches!(self, HfList::Week { .. } | HfList::Month { .. })
    }

    /// The first page's URL under HF's `base` (`https://huggingface.co`).
    pub fn url(&self, base: &str) -> String {
        let base = base.trim().trim_end_matches('/');
        let daily = format!("{base}/api/daily_papers");
        let pairs: Vec<(&str, String)> = match self {
            HfList::Week { year, week } => vec![
                ("week", format!("{year}-W{week:02}")),
                ("limit", PAGE_LIMIT.to_string()),
            ],
            HfList::Month { year, month } => vec![
                ("month", format!("{year}-{month:02}")),
                ("limit", PAGE_LIMIT.to_string()),
            ],
            HfList::Trending => vec![
                ("sort", "trending".to_string()),
                ("limit", PAGE_LIMIT.to_string()),
            ],
            HfList::Search { query, limit } => {
                let search = format!("{base}/api/papers/search");
                return with_query(
                    &search,
                    &[("q", query.clone()), ("limit", limit.to_string())],
                );
            }
        };
        with_query(&daily, &pairs)
    }
}

/// The store key of the last search.
pub const SEARCH_KEY: &str = "search";

/// `url` with `pairs` as its query string, percent-encoded.
fn with_query(url: &str, pairs: &[(&str, String)]) -> String {
    match reqwest::Url::parse_with_params(url, pairs) {
        Ok(url) => url.to_string(),
        // Not a URL at all (a typo in the config): the fetch says so with this text.
        Err(_) => url.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn date(y: i32, m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, d).unwrap()
    }

    #[test]
    fn weeks_and_months_parse_strictly() {
        assert_eq!(
            HfList::parse_week("2026-W01"),
            Ok(HfList::Week {
                year: 2026,
                week: 1
            })
        );
        assert_eq!(
            HfList::parse_week("2020w53"),
            Ok(HfList::Week {
                year: 2020,
                week: 53
            })
        );
        for bad in ["2026-W54", "2025-W53", "2026-W", "26-W01", "2026-01", ""] {
            assert!(HfList::parse_week(bad).is_err(), "{bad}");
        }
        assert_eq!(
            HfList::parse_month("2026-12"),
            Ok(HfList::Month {
                year: 2026,
                month: 12
            })
        );
        for bad in ["2026-13", "2026-1", "2026-12-01", "december"] {
            assert!(HfList::parse_month(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn a_week_spanning_two_months_is_one_iso_week() {
        // Mon 2025-12-29 to Sun 2026-01-04 is ISO week 2026-W01.
        let week = HfList::week_of(date(2025, 12, 31));
        assert_eq!(week, HfList::week_of(date(2026, 1, 4)));
        assert_eq!(week.key(), "week:2026-W01");
        assert_eq!(
            week.url("https://huggingface.co/"),
            "https://huggingface.co/api/daily_papers?week=2026-W01&limit=100"
        );
        assert_eq!(HfList::month_of(date(2026, 1, 4)).key(), "month:2026-01");
    }

    #[test]
    fn search_queries_are_encoded_and_bounded() {
        let search = HfList::search("  state space models & more ", 10).unwrap();
        assert_eq!(
            search.url("http://127.0.0.1:9"),
            "http://127.0.0.1:9/api/papers/search?q=state+space+models+%26+more&limit=10"
        );
        assert_eq!(search.key(), SEARCH_KEY);
        assert_eq!(search.query(), Some("state space models & more"));
        assert!(HfList::search(&"é".repeat(250), 10).is_ok());
        assert_eq!(
            HfList::search(&"x".repeat(251), 10),
            Err(HfListError::QueryTooLong(251))
        );
        assert_eq!(HfList::search("   ", 10), Err(HfListError::EmptyQuery));
    }
}
