//! The paper model shared by every layer: `Paper`, its `PaperId` and `SourceId`, list rows and
//! user state, and the recognition of arXiv ids in their common spellings.
//!
//! Everything here is plain data. Text in a `Paper` is already normalised (see `text`);
//! constructors in the sources do that once, at ingest.
//!
//! Layer: the bottom of the stack. `model` imports `text` and nothing else from the crate.

use std::collections::BTreeSet;
use std::fmt;

use chrono::{DateTime, NaiveDate, Utc};
use compact_str::{CompactString, format_compact};
use serde::{Deserialize, Serialize};

mod row;
pub use row::{Authors, ListRow, ListRowFields, RowTexts};

/// The key of a paper: the arXiv id without version when one is known (`2504.21318`,
/// `hep-th/9901001`), otherwise a stable id scoped to its source (`feed:<source>:<hash>`).
/// Held inline (up to 24 bytes, every arXiv id): a catalog of 1M papers keeps each id twice.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(transparent)]
pub struct PaperId(CompactString);

/// Why a string is not a paper id.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum IdError {
    #[error("'{0}' is not a paper id (expected an arXiv id such as 2504.21318 or hep-th/9901001)")]
    NotAnId(String),
}

impl PaperId {
    /// Recognises an arXiv id in any common spelling: `2504.21318v2`, `arXiv:2504.21318`,
    /// `https://arxiv.org/abs/2504.21318v1`, `https://arxiv.org/pdf/2504.21318v1.pdf`,
    /// `oai:arXiv.org:2504.21318v1`, `hep-th/9901001`, `https://huggingface.co/papers/2504.21318`.
    /// Returns the id without its version.
    pub fn from_arxiv(text: &str) -> Option<PaperId> {
        parse_arxiv_id(text).map(|id| PaperId(id.into()))
    }

    /// A stable id for an item with no arXiv id, scoped to the source that listed it.
    /// `key` is the item's own guid/link/title; the same key always gives the same id.
    pub fn scoped(source: &SourceId, key: &str) -> PaperId {
        PaperId(format_compact!(
            "{}:{:016x}",
            source.as_str(),
            crate::text::stable_hash(key)
        ))
    }

    /// Parses an id typed by a user: an arXiv id in any form, or a scoped id as printed by
    /// `paperboat list`.
    pub fn parse_user(text: &str) -> Result<PaperId, IdError> {
        let trimmed = text.trim();
        if let Some(id) = Self::from_arxiv(trimmed) {
            return Ok(id);
        }
        // Scoped ids look like `<source>:<16 hex digits>`.
        if let Some((scope, hash)) = trimmed.rsplit_once(':')
            && !scope.is_empty()
            && hash.len() == 16
            && hash.bytes().all(|b| b.is_ascii_hexdigit())
        {
            return Ok(PaperId(trimmed.into()));
        }
        Err(IdError::NotAnId(crate::text::sanitize_line(trimmed)))
    }

    /// Builds an id from a string already known to be a valid id (read back from the store).
    pub fn from_stored(text: String) -> PaperId {
        PaperId(text.into())
    }

    /// As [`PaperId::from_stored`], from a borrowed string (no allocation for an id of up to
    /// 24 bytes).
    pub fn from_stored_str(text: &str) -> PaperId {
        PaperId(text.into())
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// True when this id is an arXiv id (not a source-scoped one).
    pub fn is_arxiv(&self) -> bool {
        parse_arxiv_id(&self.0).as_deref() == Some(self.0.as_str())
    }
}

impl fmt::Display for PaperId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

// ---------------------------------------------------------------------------------------------
// arXiv ids
// ---------------------------------------------------------------------------------------------

/// Recognises `text` (trimmed) as exactly one arXiv id and returns it without version.
///
/// Accepted: `2504.21318`, `0704.0001v2`, `hep-th/9901001`, `math.GT/0309136`, each optionally
/// prefixed by `arXiv:` (any case) or `oai:arXiv.org:`, or inside an
/// `http(s)://(www.|export.)arxiv.org/abs/…` or `/pdf/…(.pdf)` URL or an
/// `https://huggingface.co/papers/…` URL (query and fragment ignored). Old-style ids come back
/// in arXiv's canonical form without the subject class (`math.GT/0309136` → `math/0309136`).
/// Prose that merely contains an id gives `None`.
pub fn parse_arxiv_id(text: &str) -> Option<String> {
    let candidate = strip_id_wrapper(text.trim())?;
    parse_new_style_id(candidate).or_else(|| parse_old_style_id(candidate))
}

/// Strips the URL or prefix around an id candidate; `None` for a URL that is not an arXiv or
/// HF paper link.
fn strip_id_wrapper(text: &str) -> Option<&str> {
    let after_scheme = strip_prefix_ignore_case(text, "https://")
        .or_else(|| strip_prefix_ignore_case(text, "http://"));
    if let Some(rest) = after_scheme {
        let rest = rest.split(['?', '#']).next().unwrap_or(rest);
        let (host, path) = rest.split_once('/')?;
        let host = host.to_ascii_lowercase();
        return match host.as_str() {
            "arxiv.org" | "www.arxiv.org" | "export.arxiv.org" => {
                if let Some(id) = path.strip_prefix("abs/") {
                    Some(id)
                } else {
                    let id = path.strip_prefix("pdf/")?;
                    Some(id.strip_suffix(".pdf").unwrap_or(id))
                }
            }
            "huggingface.co" | "www.huggingface.co" => path.strip_prefix("papers/"),
            _ => None,
        };
    }
    if let Some(rest) = strip_prefix_ignore_case(text, "oai:arxiv.org:") {
        return Some(rest);
    }
    Some(strip_prefix_ignore_case(text, "arxiv:").unwrap_or(text))
}

fn strip_prefix_ignore_case<'t>(text: &'t str, prefix: &str) -> Option<&'t str> {
    let head = text.get(..prefix.len())?;
    head.eq_ignore_ascii_case(prefix)
        .then(|| &text[prefix.len()..])
}

/// `YYMM.NNNN` (from 0704 to 1412) or `YYMM.NNNNN` (from 1501), optional `vN`.
fn parse_new_style_id(text: &str) -> Option<String> {
    let bytes = text.as_bytes();
    if bytes.len() < 9 || bytes[4] != b'.' || !bytes[..4].iter().all(u8::is_ascii_digit) {
        return None;
    }
    let year = two_digits(&bytes[0..2]);
    let month = two_digits(&bytes[2..4]);
    let yymm = year * 100 + month;
    if !(1..=12).contains(&month) || yymm < 704 {
        return None;
    }
    let number_len = if yymm < 1501 { 4 } else { 5 };
    let id_len = 5 + number_len;
    if bytes.len() < id_len || !bytes[5..id_len].iter().all(u8::is_ascii_digit) {
        return None;
    }
    is_version(&text[id_len..]).then(|| text[..id_len].to_string())
}

/// `archive(.SUBJ)?/YYMMNNN`, optional `vN`; returned as `archive/YYMMNNN`.
fn parse_old_style_id(text: &str) -> Option<String> {
    let (archive_and_class, rest) = text.split_once('/')?;
    let (archive, class) = match archive_and_class.split_once('.') {
        Some((archive, class)) => (archive, Some(class)),
        None => (archive_and_class, None),
    };
    let is_archive_part = |part: &str| {
        !part.is_empty()
            && part
                .split('-')
                .all(|piece| !piece.is_empty() && piece.bytes().all(|b| b.is_ascii_lowercase()))
    };
    if !is_archive_part(archive) {
        return None;
    }
    if let Some(class) = class
        && (class.is_empty() || !class.bytes().all(|b| b.is_ascii_alphabetic() || b == b'-'))
    {
        return None;
    }
    let bytes = rest.as_bytes();
    if bytes.len() < 7 || !bytes[..7].iter().all(u8::is_ascii_digit) {
        return None;
    }
    let year = two_digits(&bytes[0..2]);
    let month = two_digits(&bytes[2..4]);
    let year_ok = year >= 91 || year <= 7;
    if !year_ok || !(1..=12).contains(&month) || !is_version(&rest[7..]) {
        return None;
    }
    Some(format!("{archive}/{}", &rest[..7]))
}

fn two_digits(bytes: &[u8]) -> u32 {
    u32::from(bytes[0] - b'0') * 10 + u32::from(bytes[1] - b'0')
}

/// Empty, or `v` followed by digits.
fn is_version(text: &str) -> bool {
    match text.strip_prefix('v') {
        Some(digits) => {
            !digits.is_empty() && digits.len() <= 4 && digits.bytes().all(|b| b.is_ascii_digit())
        }
        None => text.is_empty(),
    }
}

// ---------------------------------------------------------------------------------------------
// Sources, papers, list rows and user state
// ---------------------------------------------------------------------------------------------

/// Which configured source listed a paper: `hf`, `arxiv`, or `feed:<name>`.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(transparent)]
pub struct SourceId(CompactString);

impl SourceId {
    pub const HF: &'static str = "hf";
    pub const ARXIV: &'static str = "arxiv";
    /// Papers found by HF's paper search (not listed by a daily list): kept out of the day
    /// and week views until a daily list names them too.
    pub const HF_SEARCH: &'static str = "hf-search";

    pub fn hf() -> SourceId {
        SourceId(Self::HF.into())
    }
    pub fn arxiv() -> SourceId {
        SourceId(Self::ARXIV.into())
    }
    pub fn hf_search() -> SourceId {
        SourceId(Self::HF_SEARCH.into())
    }
    /// A generic feed, named by the user in the config.
    pub fn feed(name: &str) -> SourceId {
        SourceId(format_compact!("feed:{name}"))
    }
    pub fn from_stored(text: String) -> SourceId {
        SourceId(text.into())
    }
    /// A source id read back from the store, borrowed (held inline when short).
    pub fn from_name(name: &str) -> SourceId {
        SourceId(name.into())
    }
    pub fn as_str(&self) -> &str {
        &self.0
    }
    /// The short label shown as a badge in the list: `HF`, `arXiv`, or the feed's name.
    pub fn badge(&self) -> &str {
        match self.0.as_str() {
            Self::HF | Self::HF_SEARCH => "HF",
            Self::ARXIV => "arXiv",
            other => other.strip_prefix("feed:").unwrap_or(other),
        }
    }
}

impl fmt::Display for SourceId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// Every link a paper can carry. All optional: feeds differ in what they give.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Links {
    /// The abstract page (arxiv.org/abs/… or the feed item's link).
    pub abs: Option<String>,
    pub pdf: Option<String>,
    /// The paper's page on huggingface.co/papers.
    pub hf: Option<String>,
    pub github: Option<String>,
    pub project: Option<String>,
    pub doi: Option<String>,
}

/// One paper, merged from every source that listed it. All text is normalised.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Paper {
    pub id: PaperId,
    pub title: String,
    /// Display names in order; hidden HF authors are dropped at ingest.
    pub authors: Vec<String>,
    pub abstract_text: String,
    /// When the paper was first published (arXiv v1 date, or the feed item's date).
    pub published: Option<DateTime<Utc>>,
    /// The day a daily list (HF Daily Papers, arXiv announcement) showed it.
    pub daily_date: Option<NaiveDate>,
    pub links: Links,
    pub upvotes: Option<u32>,
    pub comments: Option<u32>,
    pub github_stars: Option<u32>,
    pub ai_summary: Option<String>,
    pub ai_keywords: Vec<String>,
    /// Categories, primary first (`cs.LG`, `cs.AI`).
    pub categories: Vec<String>,
    pub arxiv_comment: Option<String>,
    pub journal_ref: Option<String>,
    /// arXiv RSS announce type: `new`, `cross`, `replace`, `replace-cross`.
    pub announce_type: Option<String>,
    /// Every source that listed this paper.
    pub sources: BTreeSet<SourceId>,
}

impl Paper {
    /// An empty paper with only its id, title and one source; sources fill in the rest.
    pub fn new(id: PaperId, title: String, source: SourceId) -> Paper {
        Paper {
            id,
            title,
            authors: Vec::new(),
            abstract_text: String::new(),
            published: None,
            daily_date: None,
            links: Links::default(),
            upvotes: None,
            comments: None,
            github_stars: None,
            ai_summary: None,
            ai_keywords: Vec::new(),
            categories: Vec::new(),
            arxiv_comment: None,
            journal_ref: None,
            announce_type: None,
            sources: BTreeSet::from([source]),
        }
    }

    /// The day this paper is filed under in the store and in day views: the daily-list date
    /// when known, else the publication date, else `fallback` (the day it was fetched).
    pub fn day(&self, fallback: NaiveDate) -> NaiveDate {
        self.daily_date
            .or_else(|| self.published.map(|p| p.date_naive()))
            .unwrap_or(fallback)
    }

    /// Merges another listing of the same paper into this one, keeping the richest value of
    /// every field (longer text, present over absent, newer counts). Returns true when
    /// anything changed.
    pub fn merge(&mut self, other: Paper) -> bool {
        let before = self.clone();
        fn longer(into: &mut String, from: String) {
            if from.chars().count() > into.chars().count() {
                *into = from;
            }
        }
        fn some<T>(into: &mut Option<T>, from: Option<T>) {
            if from.is_some() {
                *into = from;
            }
        }
        fn keep<T>(into: &mut Option<T>, from: Option<T>) {
            if into.is_none() {
                *into = from;
            }
        }
        longer(&mut self.title, other.title);
        if other.authors.len() > self.authors.len() {
            self.authors = other.authors;
        }
        longer(&mut self.abstract_text, other.abstract_text);
        // The earliest known publication date is the real one; HF truncates to midnight.
        self.published = match (self.published, other.published) {
            (Some(a), Some(b)) => Some(a.min(b)),
            (a, b) => a.or(b),
        };
        // The HF daily date wins over an arXiv announcement date: HF is the feed users open on.
        if other.sources.contains(&SourceId::hf()) {
            some(&mut self.daily_date, other.daily_date);
        } else {
            keep(&mut self.daily_date, other.daily_date);
        }
        keep(&mut self.links.abs, other.links.abs);
        keep(&mut self.links.pdf, other.links.pdf);
        some(&mut self.links.hf, other.links.hf);
        some(&mut self.links.github, other.links.github);
        some(&mut self.links.project, other.links.project);
        keep(&mut self.links.doi, other.links.doi);
        // Counts only grow on the site; a fresher listing carries the newer value.
        some(&mut self.upvotes, other.upvotes);
        some(&mut self.comments, other.comments);
        some(&mut self.github_stars, other.github_stars);
        some(&mut self.ai_summary, other.ai_summary);
        if other.ai_keywords.len() > self.ai_keywords.len() {
            self.ai_keywords = other.ai_keywords;
        }
        if other.categories.len() > self.categories.len() {
            self.categories = other.categories;
        }
        some(&mut self.arxiv_comment, other.arxiv_comment);
        some(&mut self.journal_ref, other.journal_ref);
        some(&mut self.announce_type, other.announce_type);
        self.sources.extend(other.sources);
        *self != before
    }

    /// The compact projection the list pane and the filter need.
    pub fn list_row(&self, fallback_day: NaiveDate) -> ListRow {
        const SHOWN_AUTHORS: usize = 5;
        ListRow::new(
            self.id.clone(),
            RowTexts {
                title: &self.title,
                primary_category: self.categories.first().map(String::as_str),
                authors: self.authors.iter().take(SHOWN_AUTHORS).map(String::as_str),
            },
            self.day(fallback_day),
            self.sources.iter().map(SourceId::as_str),
        )
        .with_counts(
            u32::try_from(self.authors.len()).unwrap_or(u32::MAX),
            self.upvotes,
            self.comments,
        )
        .with_published(self.published)
        .with_code(self.links.github.is_some())
    }
}

/// What the user has done with a paper. Never written by sync.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct UserState {
    /// When the paper was starred; `None` when it is not.
    pub starred_at: Option<DateTime<Utc>>,
    pub read: bool,
    pub note: Option<String>,
}

impl UserState {
    pub fn is_starred(&self) -> bool {
        self.starred_at.is_some()
    }
    /// True when nothing is set, so the entry can be dropped.
    pub fn is_empty(&self) -> bool {
        self.starred_at.is_none() && !self.read && self.note.is_none()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::text::test_strategies::hostile_text;
    use proptest::prelude::*;

    fn paper(id: &str, source: SourceId) -> Paper {
        Paper::new(PaperId::from_stored(id.into()), "T".into(), source)
    }

    #[test]
    fn merge_keeps_richest_fields_and_every_source() {
        let mut a = paper("2504.21318", SourceId::arxiv());
        a.abstract_text = "short".into();
        a.categories = vec!["cs.LG".into(), "cs.AI".into()];
        let mut b = paper("2504.21318", SourceId::hf());
        b.abstract_text = "a much longer abstract".into();
        b.upvotes = Some(12);
        b.daily_date = NaiveDate::from_ymd_opt(2025, 4, 30);
        assert!(a.merge(b));
        assert_eq!(a.abstract_text, "a much longer abstract");
        assert_eq!(a.upvotes, Some(12));
        assert_eq!(a.categories.len(), 2);
        assert_eq!(a.sources.len(), 2);
        assert_eq!(a.daily_date, NaiveDate::from_ymd_opt(2025, 4, 30));
    }

    #[test]
    fn merging_the_same_listing_twice_changes_nothing() {
        let mut a = paper("2504.21318", SourceId::hf());
        a.upvotes = Some(3);
        let b = a.clone();
        assert!(!a.merge(b));
    }

    #[test]
    fn scoped_ids_are_stable_and_parse_back() {
        let s = SourceId::feed("blog");
        let id = PaperId::scoped(&s, "https://example.org/post/1");
        assert_eq!(id, PaperId::scoped(&s, "https://example.org/post/1"));
        assert_eq!(PaperId::parse_user(id.as_str()), Ok(id.clone()));
        assert!(!id.is_arxiv());
    }

    #[test]
    fn user_ids_in_any_arxiv_form_parse() {
        let want = PaperId::from_stored("2504.21318".into());
        for form in [
            "2504.21318",
            "2504.21318v2",
            "arXiv:2504.21318",
            "https://arxiv.org/abs/2504.21318v1",
            "oai:arXiv.org:2504.21318v1",
        ] {
            assert_eq!(PaperId::parse_user(form), Ok(want.clone()), "{form}");
        }
        assert!(want.is_arxiv());
        assert!(PaperId::parse_user("not an id").is_err());
    }

    // --- arXiv ids -----------------------------------------------------------------------

    #[test]
    fn new_style_ids_are_recognised_without_version() {
        assert_eq!(parse_arxiv_id("2504.21318").as_deref(), Some("2504.21318"));
        assert_eq!(
            parse_arxiv_id(" 2504.21318v2 ").as_deref(),
            Some("2504.21318")
        );
        assert_eq!(parse_arxiv_id("0704.0001").as_deref(), Some("0704.0001"));
        assert_eq!(parse_arxiv_id("1412.6980v9").as_deref(), Some("1412.6980"));
        assert_eq!(parse_arxiv_id("1501.00001").as_deref(), Some("1501.00001"));
    }

    #[test]
    fn new_style_ids_with_wrong_shape_are_rejected() {
        for text in [
            "2513.12345",
            "2500.12345",
            "2504.1234",
            "2504.123456",
            "1412.69801",
            "1501.0001",
            "0612.1234",
            "2504.21318v",
            "2504.21318v2x",
            "2504-21318",
            "25041.2345",
        ] {
            assert_eq!(parse_arxiv_id(text), None, "{text}");
        }
    }

    #[test]
    fn old_style_ids_are_recognised() {
        assert_eq!(
            parse_arxiv_id("hep-th/9901001").as_deref(),
            Some("hep-th/9901001")
        );
        assert_eq!(
            parse_arxiv_id("cond-mat/0102536v1").as_deref(),
            Some("cond-mat/0102536")
        );
        assert_eq!(
            parse_arxiv_id("math.GT/0309136").as_deref(),
            Some("math/0309136")
        );
        assert_eq!(
            parse_arxiv_id("arXiv:hep-th/9901001v2").as_deref(),
            Some("hep-th/9901001")
        );
        assert_eq!(
            parse_arxiv_id("https://arxiv.org/abs/math.GT/0309136").as_deref(),
            Some("math/0309136")
        );
    }

    #[test]
    fn old_style_ids_with_wrong_shape_are_rejected() {
        for text in [
            "hep-th/990100",
            "hep-th/99010011",
            "hep-th/9913001",
            "hep-th/0901001",
            "HEP-TH/9901001",
            "hep-/9901001",
            "/9901001",
            "hep th/9901001",
        ] {
            assert_eq!(parse_arxiv_id(text), None, "{text}");
        }
    }

    #[test]
    fn id_prefixes_are_stripped() {
        assert_eq!(
            parse_arxiv_id("arXiv:2504.21318").as_deref(),
            Some("2504.21318")
        );
        assert_eq!(
            parse_arxiv_id("ARXIV:2504.21318v1").as_deref(),
            Some("2504.21318")
        );
        assert_eq!(
            parse_arxiv_id("oai:arXiv.org:2504.21318").as_deref(),
            Some("2504.21318")
        );
        assert_eq!(
            parse_arxiv_id("oai:arXiv.org:hep-th/9901001").as_deref(),
            Some("hep-th/9901001")
        );
    }

    #[test]
    fn id_urls_are_recognised() {
        for url in [
            "https://arxiv.org/abs/2504.21318",
            "http://arxiv.org/abs/2504.21318v3",
            "https://www.arxiv.org/abs/2504.21318",
            "https://export.arxiv.org/abs/2504.21318v1",
            "https://arxiv.org/pdf/2504.21318",
            "https://arxiv.org/pdf/2504.21318v1.pdf",
            "https://arxiv.org/abs/2504.21318?context=cs",
            "https://huggingface.co/papers/2504.21318",
            "https://huggingface.co/papers/2504.21318?utm_source=x#comments",
            "HTTPS://ArXiv.org/abs/2504.21318",
        ] {
            assert_eq!(parse_arxiv_id(url).as_deref(), Some("2504.21318"), "{url}");
        }
        assert_eq!(
            parse_arxiv_id("http://arxiv.org/abs/hep-th/9901001v1").as_deref(),
            Some("hep-th/9901001")
        );
    }

    #[test]
    fn non_ids_are_rejected() {
        for text in [
            "",
            "hello",
            "see arXiv:2504.21318 for details",
            "2504.21318 is great",
            "arxiv.org/abs/2504.21318",
            "https://example.com/abs/2504.21318",
            "https://arxiv.org/list/cs.LG/2504.21318",
            "https://huggingface.co/2504.21318",
            "ftp://arxiv.org/abs/2504.21318",
            "hf:0123456789abcdef",
            "arxiv:0123456789abcdef",
            "https://arxiv.org/abs/",
            "10.48550/arXiv.2504.21318",
        ] {
            assert_eq!(parse_arxiv_id(text), None, "{text:?}");
        }
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(2_000))]

        #[test]
        fn parse_arxiv_id_never_panics_and_round_trips(raw in hostile_text()) {
            if let Some(id) = parse_arxiv_id(&raw) {
                prop_assert_eq!(parse_arxiv_id(&id), Some(id));
            }
        }

        #[test]
        fn generated_new_style_ids_round_trip(year in 7u32..100, month in 1u32..13, number in 0u32..100_000, version in proptest::option::of(1u32..30)) {
            prop_assume!(year * 100 + month >= 704);
            let digits = if year * 100 + month < 1501 { format!("{:04}", number % 10_000) } else { format!("{number:05}") };
            let id = format!("{year:02}{month:02}.{digits}");
            let text = match version { Some(v) => format!("arXiv:{id}v{v}"), None => id.clone() };
            prop_assert_eq!(parse_arxiv_id(&text), Some(id));
        }
    }
}
