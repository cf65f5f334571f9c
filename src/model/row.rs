//! `ListRow`, what the list pane shows of a paper, in a compact in-memory form (issue #15:
//! a million rows must fit beside the text index in 1 GiB), and `ListRowFields`, the same row
//! as plain fields: how rows are built, and the serde layout rows always had.
//!
//! A row holds its texts (title, primary category, the shown authors) in one boxed `str`, each
//! text preceded by its length written as a few `char`s (see [`push_len`]); the set of sources
//! that listed it as an interned, shared slice (a cache has a handful of distinct sets); and the
//! optional numbers as plain numbers with presence flags. One allocation per row instead of
//! three to eight, and 88 bytes inline instead of 168 (measured in BENCHMARKS.md, "a smaller
//! list row").

use std::collections::HashSet;
use std::fmt;
use std::sync::{Arc, Mutex};

use chrono::{DateTime, NaiveDate, Utc};
use compact_str::CompactString;
use serde::{Deserialize, Serialize};

use super::{PaperId, SourceId};

/// What the list pane shows of a paper: small, so that a million rows stay cheap to hold and a
/// day's rows load in microseconds. Build one from [`ListRowFields`]; read it with the
/// accessors. Serialises exactly as its fields would (`ListRowFields`' layout).
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(from = "ListRowFields", into = "ListRowFields")]
pub struct ListRow {
    pub id: PaperId,
    pub day: NaiveDate,
    /// Title, primary category, shown authors, each after its length (see [`push_len`]).
    texts: Box<str>,
    sources: SourceSet,
    published_secs: i64,
    published_nanos: u32,
    upvotes: u32,
    comments: u32,
    author_count: u32,
    flags: u8,
}

const HAS_PUBLISHED: u8 = 1;
const HAS_UPVOTES: u8 = 1 << 1;
const HAS_COMMENTS: u8 = 1 << 2;
const HAS_CODE: u8 = 1 << 3;

/// A list row as plain fields: what a row is built from and taken apart into, and the serde
/// layout of [`ListRow`] (unchanged since before the compact form).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ListRowFields {
    pub id: PaperId,
    pub title: String,
    /// The first few authors; `author_count` says how many there are in all.
    pub authors: Vec<CompactString>,
    pub author_count: u32,
    pub day: NaiveDate,
    pub published: Option<DateTime<Utc>>,
    pub upvotes: Option<u32>,
    pub comments: Option<u32>,
    pub sources: Vec<SourceId>,
    pub primary_category: Option<CompactString>,
    pub has_code: bool,
}

impl From<ListRowFields> for ListRow {
    fn from(fields: ListRowFields) -> ListRow {
        ListRow::new(
            fields.id,
            RowTexts {
                title: &fields.title,
                primary_category: fields.primary_category.as_deref(),
                authors: fields.authors.iter().map(CompactString::as_str),
            },
            fields.day,
            fields.sources.iter().map(SourceId::as_str),
        )
        .with_counts(fields.author_count, fields.upvotes, fields.comments)
        .with_published(fields.published)
        .with_code(fields.has_code)
    }
}

impl From<ListRow> for ListRowFields {
    fn from(row: ListRow) -> ListRowFields {
        row.fields()
    }
}

/// The texts a row is built with, borrowed (the row copies them into its one allocation).
pub struct RowTexts<'a, A: Iterator<Item = &'a str>> {
    pub title: &'a str,
    pub primary_category: Option<&'a str>,
    pub authors: A,
}

impl ListRow {
    /// A row with its texts, day and sources (by name); no counts, no time, no code link (see
    /// the `with_*` methods).
    pub fn new<'a, 's>(
        id: PaperId,
        texts: RowTexts<'a, impl Iterator<Item = &'a str> + Clone>,
        day: NaiveDate,
        sources: impl ExactSizeIterator<Item = &'s str> + Clone,
    ) -> ListRow {
        // Sized exactly, so that making the box does not reallocate.
        let category_len = texts.primary_category.map_or(0, |c| c.len() + 1);
        let size = packed_len(texts.title.len())
            + len_bytes(category_len)
            + category_len.saturating_sub(1)
            + texts
                .authors
                .clone()
                .map(|a| packed_len(a.len()))
                .sum::<usize>();
        let mut packed = String::with_capacity(size);
        push_text(&mut packed, texts.title);
        match texts.primary_category {
            // Lengths are stored plus one so that 0 can say "none".
            Some(category) => {
                push_len(&mut packed, category.len() + 1);
                packed.push_str(category);
            }
            None => push_len(&mut packed, 0),
        }
        for author in texts.authors {
            push_text(&mut packed, author);
        }
        debug_assert_eq!(packed.len(), size, "the size computed ahead");
        ListRow {
            id,
            day,
            texts: packed.into_boxed_str(),
            sources: SourceSet::intern(sources),
            published_secs: 0,
            published_nanos: 0,
            upvotes: 0,
            comments: 0,
            author_count: 0,
            flags: 0,
        }
    }

    /// The same row with these counts.
    pub fn with_counts(
        mut self,
        author_count: u32,
        upvotes: Option<u32>,
        comments: Option<u32>,
    ) -> ListRow {
        self.author_count = author_count;
        self.set_upvotes(upvotes);
        self.comments = comments.unwrap_or(0);
        self.set_flag(HAS_COMMENTS, comments.is_some());
        self
    }

    /// The same row with this publication time.
    pub fn with_published(mut self, published: Option<DateTime<Utc>>) -> ListRow {
        self.published_secs = published.map_or(0, |time| time.timestamp());
        self.published_nanos = published.map_or(0, |time| time.timestamp_subsec_nanos());
        self.set_flag(HAS_PUBLISHED, published.is_some());
        self
    }

    /// The same row, with or without a code link.
    pub fn with_code(mut self, has_code: bool) -> ListRow {
        self.set_flag(HAS_CODE, has_code);
        self
    }

    fn set_flag(&mut self, flag: u8, on: bool) {
        if on {
            self.flags |= flag;
        } else {
            self.flags &= !flag;
        }
    }

    /// The row as plain fields.
    pub fn fields(&self) -> ListRowFields {
        ListRowFields {
            id: self.id.clone(),
            title: self.title().to_string(),
            authors: self.authors().map(CompactString::from).collect(),
            author_count: self.author_count,
            day: self.day,
            published: self.published(),
            upvotes: self.upvotes(),
            comments: self.comments(),
            sources: self.sources().to_vec(),
            primary_category: self.primary_category().map(CompactString::from),
            has_code: self.has_code(),
        }
    }

    pub fn title(&self) -> &str {
        let (title, _) = take_text(&self.texts);
        title
    }

    /// The first category, when the paper has any.
    pub fn primary_category(&self) -> Option<&str> {
        let (_, rest) = take_text(&self.texts);
        let (len, rest) = take_len(rest);
        let len = len.checked_sub(1)?;
        rest.get(..len)
    }

    /// The first few authors, in order; [`ListRow::author_count`] says how many there are.
    pub fn authors(&self) -> Authors<'_> {
        let (_, rest) = take_text(&self.texts);
        let (len, rest) = take_len(rest);
        Authors(AuthorsFrom::Packed(
            rest.get(len.saturating_sub(1)..).unwrap_or(""),
        ))
    }

    /// How many authors the paper has in all (more than [`ListRow::authors`] shows).
    pub fn author_count(&self) -> u32 {
        self.author_count
    }

    pub fn published(&self) -> Option<DateTime<Utc>> {
        if self.flags & HAS_PUBLISHED == 0 {
            return None;
        }
        DateTime::from_timestamp(self.published_secs, self.published_nanos)
    }

    pub fn upvotes(&self) -> Option<u32> {
        (self.flags & HAS_UPVOTES != 0).then_some(self.upvotes)
    }

    pub fn set_upvotes(&mut self, upvotes: Option<u32>) {
        self.upvotes = upvotes.unwrap_or(0);
        self.set_flag(HAS_UPVOTES, upvotes.is_some());
    }

    pub fn comments(&self) -> Option<u32> {
        (self.flags & HAS_COMMENTS != 0).then_some(self.comments)
    }

    /// Which sources listed the paper (shared between rows: a cache has few distinct sets).
    pub fn sources(&self) -> &[SourceId] {
        &self.sources.0
    }

    /// Whether the paper links a code repository.
    pub fn has_code(&self) -> bool {
        self.flags & HAS_CODE != 0
    }

    /// Whether only HF's paper search brought this paper (no daily list or feed named it):
    /// such papers stay out of the day and week views.
    pub fn only_searched(&self) -> bool {
        let sources = self.sources();
        !sources.is_empty() && sources.iter().all(|s| s.as_str() == SourceId::HF_SEARCH)
    }

    /// Heap bytes this row holds beyond its `size_of` (allocations counted at their size,
    /// without the allocator's own overhead; the shared source sets not counted): for the
    /// memory report of the refresh bench.
    pub fn heap_bytes(&self) -> usize {
        self.texts.len()
    }
}

impl fmt::Debug for ListRow {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.fields().fmt(f)
    }
}

/// Author names in order: a row's shown authors (read off its packed texts), or a plain list
/// of names (what the text index's tests and benches give it).
#[derive(Debug, Clone, Copy)]
pub struct Authors<'a>(AuthorsFrom<'a>);

#[derive(Debug, Clone, Copy)]
enum AuthorsFrom<'a> {
    Packed(&'a str),
    Names(&'a [CompactString]),
}

impl Default for Authors<'_> {
    fn default() -> Self {
        Authors(AuthorsFrom::Names(&[]))
    }
}

impl<'a> From<&'a [CompactString]> for Authors<'a> {
    fn from(names: &'a [CompactString]) -> Authors<'a> {
        Authors(AuthorsFrom::Names(names))
    }
}

impl<'a> From<&'a Vec<CompactString>> for Authors<'a> {
    fn from(names: &'a Vec<CompactString>) -> Authors<'a> {
        Authors(AuthorsFrom::Names(names))
    }
}

impl<'a> Iterator for Authors<'a> {
    type Item = &'a str;

    fn next(&mut self) -> Option<&'a str> {
        match &mut self.0 {
            AuthorsFrom::Packed(rest) => {
                if rest.is_empty() {
                    return None;
                }
                let (author, after) = take_text(rest);
                *rest = after;
                Some(author)
            }
            AuthorsFrom::Names(names) => {
                let (first, rest) = names.split_first()?;
                *names = rest;
                Some(first.as_str())
            }
        }
    }
}

// ------------------------------------------------------------------ packed texts

/// Bits of a length each `char` carries; the next bit says another `char` follows. Every such
/// `char` is below U+8000 (no surrogates), and a length under 128 takes one byte.
const LEN_BITS: u32 = 14;
const LEN_MORE: u32 = 1 << LEN_BITS;

/// Appends `len` as one or more `char`s, low bits first.
fn push_len(packed: &mut String, mut len: usize) {
    loop {
        let low = (len & (LEN_MORE as usize - 1)) as u32;
        len >>= LEN_BITS;
        let unit = if len == 0 { low } else { low | LEN_MORE };
        // Below U+8000, so always a scalar value; the fallback is never taken.
        packed.push(char::from_u32(unit).unwrap_or('\0'));
        if len == 0 {
            return;
        }
    }
}

/// How many bytes [`push_len`] writes for `len`: a `char` of three bytes for every full
/// 14 bits (the continuation bit puts it at U+4000 or above), then the last one's UTF-8 size.
fn len_bytes(mut len: usize) -> usize {
    let mut bytes = 0;
    while len >= LEN_MORE as usize {
        bytes += 3;
        len >>= LEN_BITS;
    }
    bytes
        + match len {
            0..0x80 => 1,
            0x80..0x800 => 2,
            _ => 3,
        }
}

/// The bytes a text takes with its length in front.
fn packed_len(len: usize) -> usize {
    len_bytes(len) + len
}

fn push_text(packed: &mut String, text: &str) {
    push_len(packed, text.len());
    packed.push_str(text);
}

/// Reads a length written by [`push_len`] off the front of `packed`; 0 at the end.
fn take_len(packed: &str) -> (usize, &str) {
    let mut len = 0usize;
    let mut chars = packed.chars();
    let mut shift = 0;
    for unit in chars.by_ref() {
        let unit = unit as u32;
        len |= ((unit & (LEN_MORE - 1)) as usize) << shift;
        shift += LEN_BITS;
        if unit & LEN_MORE == 0 || shift >= usize::BITS {
            break;
        }
    }
    (len, chars.as_str())
}

/// Reads one text written by [`push_text`] off the front of `packed`.
fn take_text(packed: &str) -> (&str, &str) {
    let (len, rest) = take_len(packed);
    match (rest.get(..len), rest.get(len..)) {
        (Some(text), Some(rest)) => (text, rest),
        _ => ("", ""),
    }
}

// ------------------------------------------------------------------ source sets

/// An interned set of sources: rows with the same sources share one slice.
#[derive(Clone, PartialEq, Eq)]
struct SourceSet(Arc<[SourceId]>);

/// Every distinct set seen by this process (a few per configured source, kept for its life).
static SOURCE_SETS: Mutex<Option<HashSet<Arc<[SourceId]>>>> = Mutex::new(None);

thread_local! {
    /// The last set interned on this thread: rows read together mostly share their sources,
    /// so most rows skip the lock.
    static LAST_SOURCE_SET: std::cell::RefCell<Option<Arc<[SourceId]>>> =
        const { std::cell::RefCell::new(None) };
}

impl SourceSet {
    /// The shared set of these sources (by name), made on first sight.
    fn intern<'s>(names: impl ExactSizeIterator<Item = &'s str> + Clone) -> SourceSet {
        let same = |set: &[SourceId]| {
            set.len() == names.len() && set.iter().map(SourceId::as_str).eq(names.clone())
        };
        let cached = LAST_SOURCE_SET.with(|last| {
            last.borrow()
                .as_ref()
                .filter(|set| same(set))
                .map(Arc::clone)
        });
        if let Some(set) = cached {
            return SourceSet(set);
        }
        let set = {
            let mut sets = SOURCE_SETS
                .lock()
                .unwrap_or_else(std::sync::PoisonError::into_inner);
            let sets = sets.get_or_insert_with(HashSet::new);
            let sources: Vec<SourceId> = names.map(SourceId::from_name).collect();
            match sets.get(sources.as_slice()) {
                Some(set) => Arc::clone(set),
                None => {
                    let set: Arc<[SourceId]> = sources.into_boxed_slice().into();
                    sets.insert(Arc::clone(&set));
                    set
                }
            }
        };
        LAST_SOURCE_SET.with(|last| *last.borrow_mut() = Some(Arc::clone(&set)));
        SourceSet(set)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::text::test_strategies::hostile_text;
    use proptest::prelude::*;

    fn fields() -> ListRowFields {
        ListRowFields {
            id: PaperId::from_stored("2504.21318".into()),
            title: "Attention is all you need".into(),
            authors: vec![
                "Ashish Vaswani".into(),
                "A Very Long Author Name Over 24 Bytes".into(),
            ],
            author_count: 8,
            day: NaiveDate::from_ymd_opt(2025, 4, 30).unwrap(),
            published: DateTime::from_timestamp(1_745_971_203, 123_456_789),
            upvotes: Some(0),
            comments: None,
            sources: vec![SourceId::hf(), SourceId::arxiv()],
            primary_category: Some("cs.LG".into()),
            has_code: true,
        }
    }

    #[test]
    fn a_row_gives_back_every_field() {
        let row = ListRow::from(fields());
        assert_eq!(row.title(), "Attention is all you need");
        assert_eq!(
            row.authors().collect::<Vec<_>>(),
            ["Ashish Vaswani", "A Very Long Author Name Over 24 Bytes"]
        );
        assert_eq!(row.primary_category(), Some("cs.LG"));
        assert_eq!(row.upvotes(), Some(0));
        assert_eq!(row.comments(), None);
        assert!(row.has_code());
        assert_eq!(row.fields(), fields());
    }

    #[test]
    fn the_row_is_small() {
        assert!(std::mem::size_of::<ListRow>() <= 88);
    }

    #[test]
    fn rows_with_the_same_sources_share_them() {
        let (a, b) = (ListRow::from(fields()), ListRow::from(fields()));
        assert!(Arc::ptr_eq(&a.sources.0, &b.sources.0));
    }

    #[test]
    fn serde_layout_is_the_fields_layout() {
        let row = ListRow::from(fields());
        let bytes = postcard::to_stdvec(&row).unwrap();
        assert_eq!(bytes, postcard::to_stdvec(&fields()).unwrap());
        let back: ListRow = postcard::from_bytes(&bytes).unwrap();
        assert_eq!(back, row);
    }

    #[test]
    fn lengths_of_every_size_read_back() {
        for len in [0, 1, 127, 128, 16_383, 16_384, 70_000, 1 << 28, usize::MAX] {
            let mut packed = String::new();
            push_len(&mut packed, len);
            assert_eq!(packed.len(), len_bytes(len), "{len}");
            packed.push('x');
            assert_eq!(take_len(&packed), (len, "x"), "{len}");
        }
    }

    proptest! {
        #[test]
        fn any_row_round_trips(
            title in hostile_text(),
            authors in proptest::collection::vec(hostile_text(), 0..7),
            category in proptest::option::of(hostile_text()),
            upvotes in proptest::option::of(any::<u32>()),
            comments in proptest::option::of(any::<u32>()),
            secs in proptest::option::of(-8_000_000_000i64..300_000_000_000),
            nanos in 0u32..1_000_000_000,
            has_code in any::<bool>(),
            author_count in any::<u32>(),
        ) {
            let fields = ListRowFields {
                title,
                authors: authors.iter().map(|a| CompactString::from(a.as_str())).collect(),
                primary_category: category.map(CompactString::from),
                upvotes,
                comments,
                published: secs.and_then(|s| DateTime::from_timestamp(s, nanos)),
                has_code,
                author_count,
                ..fields()
            };
            let row = ListRow::from(fields.clone());
            prop_assert_eq!(row.fields(), fields);
        }
    }
}
