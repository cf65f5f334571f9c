//! Helpers the three sources share (body decoding, URL vetting, author lists, merging
//! duplicate ids) and the entry fields every feed reader produces. `source/mod.rs` is the
//! shared contract and stays lean; this is the shared toolbox.
//! Imports nothing above `source` but `model`, `text` and `link`.

use std::borrow::Cow;
use std::collections::HashMap;

use chrono::{DateTime, Utc};

use super::ParseError;
use crate::model::{Paper, PaperId};
use crate::text::normalize_line;

/// What the paper mapping needs of one feed entry, whichever reader read it. Text is HTML as
/// the document has it (entities of the XML resolved, plain text escaped), not yet normalised.
#[derive(Debug, Clone, Default, PartialEq)]
pub(crate) struct EntryFields {
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
pub(crate) struct EntryLink {
    pub href: String,
    pub rel: Option<String>,
}

/// The body as UTF-8 text without a byte-order mark: as it is when it is UTF-8, else decoded
/// (BOM, then XML declaration; invalid bytes replaced). Never fails: bad bytes are not fatal.
pub(crate) fn utf8_body(body: &[u8]) -> Result<Cow<'_, str>, ParseError> {
    match std::str::from_utf8(body) {
        Ok(text) => Ok(Cow::Borrowed(text.strip_prefix('\u{feff}').unwrap_or(text))),
        Err(_) => Ok(Cow::Owned(super::encoding::decode_all(body, None))),
    }
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
    fn bom_is_stripped_and_invalid_utf8_replaced() {
        assert_eq!(utf8_body("\u{feff}[]".as_bytes()).unwrap(), "[]");
        assert_eq!(utf8_body(b"[\xff]").unwrap(), "[\u{fffd}]");
    }
}
