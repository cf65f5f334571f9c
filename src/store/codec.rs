//! Value encodings: a one-byte codec version, then postcard of compact private mirrors of the
//! model types, so a change to `model.rs` breaks this file's build instead of silently changing
//! the bytes on disk.
//!
//! Codec version 1 ([`PLAIN`]) is postcard all through; version 2 ([`COMPRESSED`], rows and
//! body chunks from schema v2 on) keeps the id header plain, so ids and counts read without
//! decompressing, and stores the rest as `raw_len: u32` + an LZ4 block of it. Both decode.
//!
//! - rows chunk: `[v] ids: Vec<str> rows: Vec<StoredRow>`, rows aligned with ids; the day is
//!   the chunk key's, so rows do not repeat it.
//! - body chunk: `[v] ids: Vec<str> ends: Vec<u32> payload`, where paper `i` is
//!   `payload[ends[i-1]..ends[i]]`, one postcard `StoredPaper` each, so one paper decodes alone.
//! - user bucket: `[1] Vec<(id, StoredUserState)>` sorted by id.
//! - feed state: `[1] StoredFeedState`.
//!
//! Dates are stored as numbers (days from CE, or unix seconds + nanoseconds), not strings.

use std::borrow::Cow;
use std::collections::{BTreeMap, BTreeSet};

use chrono::{DateTime, Datelike, NaiveDate, Utc};
use serde::{Deserialize, Serialize};

use super::{FeedState, Validators};
use crate::model::{Links, ListRow, Paper, PaperId, RowTexts, SourceId, UserState};

/// The first byte of a value that is postcard all through: user buckets, feed states, and
/// every value of a schema v1 store.
pub(super) const PLAIN: u8 = 1;
/// The first byte of a rows or body chunk whose tail is LZ4-compressed (schema v2).
pub(super) const COMPRESSED: u8 = 2;

/// LZ4 cannot expand data more than 255-fold, so a longer claimed length is damage (and must
/// not turn into a huge allocation).
const LZ4_MAX_RATIO: usize = 255;

/// Why a stored value could not be read back.
#[derive(Debug, thiserror::Error)]
pub(super) enum CodecError {
    #[error("the value is empty")]
    Empty,
    #[error("unknown codec version {found}")]
    Version { found: u8 },
    #[error("undecodable: {0}")]
    Postcard(#[from] postcard::Error),
    #[error("{0}")]
    Invalid(String),
}

type Result<T> = std::result::Result<T, CodecError>;

type StoredTime = (i64, u32);

fn time_out(time: &DateTime<Utc>) -> StoredTime {
    (time.timestamp(), time.timestamp_subsec_nanos())
}

fn time_in((secs, nanos): StoredTime) -> Result<DateTime<Utc>> {
    DateTime::from_timestamp(secs, nanos)
        .ok_or_else(|| CodecError::Invalid(format!("time {secs}.{nanos} is out of range")))
}

fn date_out(date: NaiveDate) -> i32 {
    date.num_days_from_ce()
}

fn date_in(days: i32) -> Result<NaiveDate> {
    NaiveDate::from_num_days_from_ce_opt(days)
        .ok_or_else(|| CodecError::Invalid(format!("day number {days} is out of range")))
}

fn opt_str(text: &Option<String>) -> Option<Cow<'_, str>> {
    text.as_deref().map(Cow::Borrowed)
}

fn opt_string(text: Option<Cow<'_, str>>) -> Option<String> {
    text.map(Cow::into_owned)
}

/// Strips and checks the version byte of a value that is never compressed.
fn payload(value: &[u8]) -> Result<&[u8]> {
    match chunk_payload(value)? {
        (PLAIN, rest) => Ok(rest),
        (found, _) => Err(CodecError::Version { found }),
    }
}

/// Strips the version byte of a rows or body chunk, which may be either version.
fn chunk_payload(value: &[u8]) -> Result<(u8, &[u8])> {
    match value.split_first() {
        None => Err(CodecError::Empty),
        Some((&version @ (PLAIN | COMPRESSED), rest)) => Ok((version, rest)),
        Some((&found, _)) => Err(CodecError::Version { found }),
    }
}

fn start(version: u8, capacity: usize) -> Vec<u8> {
    let mut out = Vec::with_capacity(capacity);
    out.push(version);
    out
}

/// Appends `raw`'s length and its LZ4 block.
fn append_compressed(raw: &[u8], mut out: Vec<u8>) -> Result<Vec<u8>> {
    let raw_len = u32::try_from(raw.len()).map_err(|_| too_big())?;
    out = append(&raw_len, out)?;
    let at = out.len();
    out.resize(at + lz4_flex::block::get_maximum_output_size(raw.len()), 0);
    let written = lz4_flex::block::compress_into(raw, &mut out[at..])
        .map_err(|e| CodecError::Invalid(format!("compressing: {e}")))?;
    out.truncate(at + written);
    // The buffer was sized for incompressible data; a batch holds many of these at once.
    out.shrink_to_fit();
    Ok(out)
}

/// Reads back what [`append_compressed`] wrote: it must fill exactly its stated length.
fn decompress(tail: &[u8]) -> Result<Vec<u8>> {
    let (raw_len, block): (u32, _) = postcard::take_from_bytes(tail)?;
    let raw_len = usize::try_from(raw_len).map_err(|_| too_big())?;
    if raw_len > block.len().saturating_mul(LZ4_MAX_RATIO) {
        return Err(CodecError::Invalid(format!(
            "{} compressed bytes cannot hold {raw_len}",
            block.len()
        )));
    }
    let mut raw = vec![0; raw_len];
    let written = lz4_flex::block::decompress_into(block, &mut raw)
        .map_err(|e| CodecError::Invalid(format!("decompressing: {e}")))?;
    if written != raw_len {
        return Err(CodecError::Invalid(format!(
            "decompressed {written} bytes, expected {raw_len}"
        )));
    }
    Ok(raw)
}

/// One opaque blob (a piece of a full text) as `[COMPRESSED] raw_len` + its LZ4 block.
pub(super) fn compress_blob(raw: &[u8]) -> Result<Vec<u8>> {
    append_compressed(raw, start(COMPRESSED, raw.len() / 2 + 16))
}

/// Reads back what [`compress_blob`] wrote.
pub(super) fn decompress_blob(value: &[u8]) -> Result<Vec<u8>> {
    match chunk_payload(value)? {
        (COMPRESSED, tail) => decompress(tail),
        (found, _) => Err(CodecError::Version { found }),
    }
}

fn append<T: Serialize + ?Sized>(value: &T, out: Vec<u8>) -> Result<Vec<u8>> {
    Ok(postcard::to_extend(value, out)?)
}

fn sources_out<'a>(sources: impl Iterator<Item = &'a SourceId>) -> Vec<Cow<'a, str>> {
    sources.map(|s| Cow::Borrowed(s.as_str())).collect()
}

fn sources_in(sources: Vec<Cow<'_, str>>) -> impl Iterator<Item = SourceId> + '_ {
    sources
        .into_iter()
        .map(|s| SourceId::from_stored(s.into_owned()))
}

// ---------------------------------------------------------------- rows chunks

#[derive(Serialize, Deserialize)]
struct StoredRow<'a> {
    title: Cow<'a, str>,
    authors: Vec<Cow<'a, str>>,
    author_count: u32,
    published: Option<StoredTime>,
    upvotes: Option<u32>,
    comments: Option<u32>,
    sources: Vec<Cow<'a, str>>,
    primary_category: Option<Cow<'a, str>>,
    has_code: bool,
}

/// Whether new rows chunks are compressed: it about halves them (less for sled to keep in
/// memory and on disk), and the first frame decompresses only the few chunks of one day.
const COMPRESS_ROWS: bool = true;

/// Encodes one chunk's rows (all of the same day, which the key carries).
pub(super) fn encode_rows<'a>(
    rows: impl ExactSizeIterator<Item = &'a ListRow> + Clone,
) -> Result<Vec<u8>> {
    encode_rows_as(COMPRESS_ROWS, rows)
}

/// Encodes rows as schema v1 wrote them, uncompressed (for tests of old stores).
#[cfg(test)]
pub(super) fn encode_rows_plain<'a>(
    rows: impl ExactSizeIterator<Item = &'a ListRow> + Clone,
) -> Result<Vec<u8>> {
    encode_rows_as(false, rows)
}

fn encode_rows_as<'a>(
    compress: bool,
    rows: impl ExactSizeIterator<Item = &'a ListRow> + Clone,
) -> Result<Vec<u8>> {
    let ids: Vec<&str> = rows.clone().map(|row| row.id.as_str()).collect();
    let stored: Vec<StoredRow<'_>> = rows
        .map(|row| StoredRow {
            title: Cow::Borrowed(row.title()),
            authors: row.authors().map(Cow::Borrowed).collect(),
            author_count: row.author_count(),
            published: row.published().as_ref().map(time_out),
            upvotes: row.upvotes(),
            comments: row.comments(),
            sources: sources_out(row.sources().iter()),
            primary_category: row.primary_category().map(Cow::Borrowed),
            has_code: row.has_code(),
        })
        .collect();
    if !compress {
        return append(&stored, append(&ids, start(PLAIN, 64 + ids.len() * 160))?);
    }
    let raw = postcard::to_stdvec(&stored)?;
    append_compressed(&raw, append(&ids, start(COMPRESSED, 64 + raw.len() / 2))?)
}

/// The ids of a rows chunk, borrowed from the value, without decoding the rows; then the
/// version and the bytes after the ids.
fn split_row_ids(value: &[u8]) -> Result<(Vec<&str>, u8, &[u8])> {
    let (version, payload) = chunk_payload(value)?;
    let (ids, rest) = postcard::take_from_bytes(payload)?;
    Ok((ids, version, rest))
}

/// The ids of a rows chunk, borrowed from the value, without decoding the rows; then the
/// (possibly compressed) bytes after them.
pub(super) fn decode_row_ids(value: &[u8]) -> Result<(Vec<&str>, &[u8])> {
    let (ids, _, rest) = split_row_ids(value)?;
    Ok((ids, rest))
}

/// How many rows a rows chunk holds, reading only the length prefix of its id list.
pub(super) fn row_count(value: &[u8]) -> Result<usize> {
    // A postcard sequence starts with its length as a varint.
    let mut count: u64 = 0;
    for (shift, byte) in chunk_payload(value)?.1.iter().take(10).enumerate() {
        count |= u64::from(byte & 0x7f) << (7 * shift);
        if byte & 0x80 == 0 {
            return usize::try_from(count)
                .map_err(|_| CodecError::Invalid("row count overflows".into()));
        }
    }
    Err(CodecError::Invalid("truncated row count".into()))
}

pub(super) fn decode_rows(value: &[u8], day: NaiveDate) -> Result<Vec<ListRow>> {
    let (ids, version, rest) = split_row_ids(value)?;
    let raw = match version {
        COMPRESSED => Cow::Owned(decompress(rest)?),
        _ => Cow::Borrowed(rest),
    };
    let (stored, _): (Vec<StoredRow<'_>>, _) = postcard::take_from_bytes(&raw)?;
    if stored.len() != ids.len() {
        return Err(CodecError::Invalid(format!(
            "{} ids but {} rows",
            ids.len(),
            stored.len()
        )));
    }
    ids.into_iter()
        .zip(stored)
        .map(|(id, row)| {
            Ok(ListRow::new(
                PaperId::from_stored_str(id),
                RowTexts {
                    title: &row.title,
                    primary_category: row.primary_category.as_deref(),
                    authors: row.authors.iter().map(|a| a.as_ref()),
                },
                day,
                row.sources.iter().map(|s| s.as_ref()),
            )
            .with_counts(row.author_count, row.upvotes, row.comments)
            .with_published(row.published.map(time_in).transpose()?)
            .with_code(row.has_code))
        })
        .collect()
}

/// A codec-1 rows chunk re-encoded compressed (checked by decoding it), or `None` when it is
/// compressed already.
pub(super) fn compress_rows(value: &[u8], day: NaiveDate) -> Result<Option<Vec<u8>>> {
    if chunk_payload(value)?.0 == COMPRESSED {
        return Ok(None);
    }
    let rows = decode_rows(value, day)?;
    Ok(Some(encode_rows(rows.iter())?))
}

// ---------------------------------------------------------------- body chunks

#[derive(Serialize, Deserialize)]
struct StoredLinks<'a> {
    abs: Option<Cow<'a, str>>,
    pdf: Option<Cow<'a, str>>,
    hf: Option<Cow<'a, str>>,
    github: Option<Cow<'a, str>>,
    project: Option<Cow<'a, str>>,
    doi: Option<Cow<'a, str>>,
}

#[derive(Serialize, Deserialize)]
struct StoredPaper<'a> {
    title: Cow<'a, str>,
    authors: Cow<'a, [String]>,
    abstract_text: Cow<'a, str>,
    published: Option<StoredTime>,
    daily_date: Option<i32>,
    links: StoredLinks<'a>,
    upvotes: Option<u32>,
    comments: Option<u32>,
    github_stars: Option<u32>,
    ai_summary: Option<Cow<'a, str>>,
    ai_keywords: Cow<'a, [String]>,
    categories: Cow<'a, [String]>,
    arxiv_comment: Option<Cow<'a, str>>,
    journal_ref: Option<Cow<'a, str>>,
    announce_type: Option<Cow<'a, str>>,
    sources: Vec<Cow<'a, str>>,
}

fn paper_out(paper: &Paper) -> StoredPaper<'_> {
    let links = &paper.links;
    StoredPaper {
        title: Cow::Borrowed(&paper.title),
        authors: Cow::Borrowed(&paper.authors),
        abstract_text: Cow::Borrowed(&paper.abstract_text),
        published: paper.published.as_ref().map(time_out),
        daily_date: paper.daily_date.map(date_out),
        links: StoredLinks {
            abs: opt_str(&links.abs),
            pdf: opt_str(&links.pdf),
            hf: opt_str(&links.hf),
            github: opt_str(&links.github),
            project: opt_str(&links.project),
            doi: opt_str(&links.doi),
        },
        upvotes: paper.upvotes,
        comments: paper.comments,
        github_stars: paper.github_stars,
        ai_summary: opt_str(&paper.ai_summary),
        ai_keywords: Cow::Borrowed(&paper.ai_keywords),
        categories: Cow::Borrowed(&paper.categories),
        arxiv_comment: opt_str(&paper.arxiv_comment),
        journal_ref: opt_str(&paper.journal_ref),
        announce_type: opt_str(&paper.announce_type),
        sources: sources_out(paper.sources.iter()),
    }
}

fn paper_in(id: &str, stored: StoredPaper<'_>) -> Result<Paper> {
    let links = stored.links;
    Ok(Paper {
        id: PaperId::from_stored(id.to_string()),
        title: stored.title.into_owned(),
        authors: stored.authors.into_owned(),
        abstract_text: stored.abstract_text.into_owned(),
        published: stored.published.map(time_in).transpose()?,
        daily_date: stored.daily_date.map(date_in).transpose()?,
        links: Links {
            abs: opt_string(links.abs),
            pdf: opt_string(links.pdf),
            hf: opt_string(links.hf),
            github: opt_string(links.github),
            project: opt_string(links.project),
            doi: opt_string(links.doi),
        },
        upvotes: stored.upvotes,
        comments: stored.comments,
        github_stars: stored.github_stars,
        ai_summary: opt_string(stored.ai_summary),
        ai_keywords: stored.ai_keywords.into_owned(),
        categories: stored.categories.into_owned(),
        arxiv_comment: opt_string(stored.arxiv_comment),
        journal_ref: opt_string(stored.journal_ref),
        announce_type: opt_string(stored.announce_type),
        sources: sources_in(stored.sources).collect::<BTreeSet<_>>(),
    })
}

fn too_big() -> CodecError {
    CodecError::Invalid("a body chunk grew past 4 GiB".into())
}

/// Builds a body chunk from papers encoded one by one.
pub(super) struct BodyWriter<'a> {
    ids: Vec<&'a str>,
    ends: Vec<u32>,
    payload: Vec<u8>,
}

impl<'a> BodyWriter<'a> {
    pub fn new() -> BodyWriter<'a> {
        BodyWriter {
            ids: Vec::new(),
            ends: Vec::new(),
            payload: Vec::new(),
        }
    }

    pub fn push(&mut self, paper: &'a Paper) -> Result<()> {
        self.payload = append(&paper_out(paper), std::mem::take(&mut self.payload))?;
        self.close(&paper.id)
    }

    /// Appends a paper already encoded by [`BodyChunk::raw`], without decoding it.
    pub fn push_raw(&mut self, id: &'a str, raw: &[u8]) -> Result<()> {
        self.payload.extend_from_slice(raw);
        self.ids.push(id);
        self.ends
            .push(u32::try_from(self.payload.len()).map_err(|_| too_big())?);
        Ok(())
    }

    fn close(&mut self, id: &'a PaperId) -> Result<()> {
        self.ids.push(id.as_str());
        self.ends
            .push(u32::try_from(self.payload.len()).map_err(|_| too_big())?);
        Ok(())
    }

    pub fn is_empty(&self) -> bool {
        self.ids.is_empty()
    }

    /// The chunk value, its payload compressed.
    pub fn finish(self) -> Result<Vec<u8>> {
        let header = start(
            COMPRESSED,
            16 + self.ids.len() * 20 + self.payload.len() / 2,
        );
        append_compressed(
            &self.payload,
            append(&self.ends, append(&self.ids, header)?)?,
        )
    }

    /// The chunk value as schema v1 wrote it, uncompressed (for tests of old stores).
    #[cfg(test)]
    pub fn finish_plain(self) -> Result<Vec<u8>> {
        let header = start(PLAIN, 16 + self.ids.len() * 20 + self.payload.len());
        let mut out = append(&self.ends, append(&self.ids, header)?)?;
        out.extend_from_slice(&self.payload);
        Ok(out)
    }
}

/// A body chunk's header, borrowed from the value, and its payload (decompressed once);
/// papers decode one at a time.
pub(super) struct BodyChunk<'v> {
    pub ids: Vec<&'v str>,
    ends: Vec<u32>,
    payload: Cow<'v, [u8]>,
}

impl<'v> BodyChunk<'v> {
    pub fn parse(value: &'v [u8]) -> Result<BodyChunk<'v>> {
        let (version, header) = chunk_payload(value)?;
        let (ids, rest): (Vec<&str>, _) = postcard::take_from_bytes(header)?;
        let (ends, rest): (Vec<u32>, _) = postcard::take_from_bytes(rest)?;
        let payload = match version {
            COMPRESSED => Cow::Owned(decompress(rest)?),
            _ => Cow::Borrowed(rest),
        };
        let well_formed = ends.len() == ids.len()
            && ends.windows(2).all(|pair| pair[0] <= pair[1])
            && ends.last().is_none_or(|&end| end as usize == payload.len());
        if !well_formed {
            return Err(CodecError::Invalid(
                "body chunk offsets do not match its payload".into(),
            ));
        }
        Ok(BodyChunk { ids, ends, payload })
    }

    pub fn position(&self, id: &PaperId) -> Option<usize> {
        self.ids.iter().position(|stored| *stored == id.as_str())
    }

    /// The encoded bytes of paper `slot` (checked in `parse`).
    pub fn raw(&self, slot: usize) -> &[u8] {
        let start = if slot == 0 {
            0
        } else {
            self.ends[slot - 1] as usize
        };
        let end = self.ends[slot] as usize;
        &self.payload[start..end]
    }

    pub fn paper(&self, slot: usize) -> Result<Paper> {
        let stored: StoredPaper<'_> = postcard::from_bytes(self.raw(slot))?;
        paper_in(self.ids[slot], stored)
    }
}

/// A codec-1 body chunk re-encoded compressed, papers copied as they are, or `None` when it is
/// compressed already.
pub(super) fn compress_body(value: &[u8]) -> Result<Option<Vec<u8>>> {
    if chunk_payload(value)?.0 == COMPRESSED {
        return Ok(None);
    }
    let chunk = BodyChunk::parse(value)?;
    let mut writer = BodyWriter::new();
    for (slot, id) in chunk.ids.iter().enumerate() {
        writer.push_raw(id, chunk.raw(slot))?;
    }
    Ok(Some(writer.finish()?))
}

// ---------------------------------------------------------------- user buckets

#[derive(Serialize, Deserialize)]
struct StoredUserState<'a> {
    starred_at: Option<StoredTime>,
    read: bool,
    note: Option<Cow<'a, str>>,
}

pub(super) fn encode_user_bucket(states: &BTreeMap<PaperId, UserState>) -> Result<Vec<u8>> {
    let stored: Vec<(&str, StoredUserState<'_>)> = states
        .iter()
        .map(|(id, state)| {
            let stored = StoredUserState {
                starred_at: state.starred_at.as_ref().map(time_out),
                read: state.read,
                note: opt_str(&state.note),
            };
            (id.as_str(), stored)
        })
        .collect();
    append(&stored, start(PLAIN, 16 + stored.len() * 24))
}

pub(super) fn decode_user_bucket(value: &[u8]) -> Result<BTreeMap<PaperId, UserState>> {
    let stored: Vec<(&str, StoredUserState<'_>)> = postcard::from_bytes(payload(value)?)?;
    stored
        .into_iter()
        .map(|(id, state)| {
            let state = UserState {
                starred_at: state.starred_at.map(time_in).transpose()?,
                read: state.read,
                note: opt_string(state.note),
            };
            Ok((PaperId::from_stored(id.to_string()), state))
        })
        .collect()
}

// ---------------------------------------------------------------- feed states

#[derive(Serialize, Deserialize)]
struct StoredValidators<'a> {
    url: Cow<'a, str>,
    etag: Option<Cow<'a, str>>,
    last_modified: Option<Cow<'a, str>>,
}

#[derive(Serialize, Deserialize)]
struct StoredFeedState<'a> {
    validators: Vec<StoredValidators<'a>>,
    last_attempt: Option<StoredTime>,
    last_success: Option<StoredTime>,
    last_error: Option<Cow<'a, str>>,
    consecutive_failures: u32,
    next_attempt_after: Option<StoredTime>,
    last_new: u64,
}

pub(super) fn encode_feed_state(state: &FeedState) -> Result<Vec<u8>> {
    let stored = StoredFeedState {
        validators: state
            .validators
            .iter()
            .map(|(url, v)| StoredValidators {
                url: Cow::Borrowed(url),
                etag: opt_str(&v.etag),
                last_modified: opt_str(&v.last_modified),
            })
            .collect(),
        last_attempt: state.last_attempt.as_ref().map(time_out),
        last_success: state.last_success.as_ref().map(time_out),
        last_error: opt_str(&state.last_error),
        consecutive_failures: state.consecutive_failures,
        next_attempt_after: state.next_attempt_after.as_ref().map(time_out),
        last_new: u64::try_from(state.last_new).unwrap_or(u64::MAX),
    };
    append(&stored, start(PLAIN, 128))
}

pub(super) fn decode_feed_state(value: &[u8]) -> Result<FeedState> {
    let stored: StoredFeedState<'_> = postcard::from_bytes(payload(value)?)?;
    Ok(FeedState {
        validators: stored
            .validators
            .into_iter()
            .map(|v| {
                let validators = Validators {
                    etag: opt_string(v.etag),
                    last_modified: opt_string(v.last_modified),
                };
                (v.url.into_owned(), validators)
            })
            .collect(),
        last_attempt: stored.last_attempt.map(time_in).transpose()?,
        last_success: stored.last_success.map(time_in).transpose()?,
        last_error: opt_string(stored.last_error),
        consecutive_failures: stored.consecutive_failures,
        next_attempt_after: stored.next_attempt_after.map(time_in).transpose()?,
        last_new: usize::try_from(stored.last_new).unwrap_or(usize::MAX),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::ListRowFields;

    fn sample_paper() -> Paper {
        let mut paper = Paper::new(
            PaperId::from_stored("2504.21318".into()),
            "A title".into(),
            SourceId::hf(),
        );
        paper.authors = vec!["Ada".into(), "Grace".into()];
        paper.abstract_text = "Abstract text.".into();
        paper.published = DateTime::from_timestamp(1_745_000_000, 123);
        paper.daily_date = NaiveDate::from_ymd_opt(2025, 4, 30);
        paper.links.pdf = Some("https://arxiv.org/pdf/2504.21318".into());
        paper.upvotes = Some(7);
        paper.ai_keywords = vec!["llm".into()];
        paper.categories = vec!["cs.LG".into()];
        paper.sources.insert(SourceId::arxiv());
        paper
    }

    #[test]
    fn rows_round_trip_with_the_chunk_day() {
        let paper = sample_paper();
        let day = NaiveDate::from_ymd_opt(2025, 4, 30).unwrap();
        let row = paper.list_row(day);
        let value = encode_rows([&row].into_iter()).unwrap();
        assert_eq!(row_count(&value).unwrap(), 1);
        assert_eq!(decode_rows(&value, day).unwrap(), vec![row]);
    }

    #[test]
    fn body_papers_round_trip_one_at_a_time() {
        let first = sample_paper();
        let mut second = sample_paper();
        second.id = PaperId::from_stored("2504.00001".into());
        second.title = "Another".into();
        let mut writer = BodyWriter::new();
        writer.push(&first).unwrap();
        writer.push(&second).unwrap();
        let value = writer.finish().unwrap();
        let chunk = BodyChunk::parse(&value).unwrap();
        assert_eq!(chunk.position(&second.id), Some(1));
        assert_eq!(chunk.paper(1).unwrap(), second);
        assert_eq!(chunk.paper(0).unwrap(), first);
    }

    fn sample_rows() -> (NaiveDate, Vec<ListRow>) {
        let day = NaiveDate::from_ymd_opt(2025, 4, 30).unwrap();
        let rows = (0..40)
            .map(|n| {
                let mut paper = sample_paper();
                paper.id = PaperId::from_stored(format!("2504.{n:05}"));
                paper.title = format!("Title number {n} about the same few words");
                paper.list_row(day)
            })
            .collect();
        (day, rows)
    }

    fn sample_body(count: usize) -> Vec<Paper> {
        (0..count)
            .map(|n| {
                let mut paper = sample_paper();
                paper.id = PaperId::from_stored(format!("2504.{n:05}"));
                paper.abstract_text = format!("Abstract {n}. ").repeat(40);
                paper
            })
            .collect()
    }

    fn body_value(papers: &[Paper], compressed: bool) -> Vec<u8> {
        let mut writer = BodyWriter::new();
        for paper in papers {
            writer.push(paper).unwrap();
        }
        if compressed {
            writer.finish().unwrap()
        } else {
            writer.finish_plain().unwrap()
        }
    }

    #[test]
    fn compressed_rows_round_trip_and_count_without_decompressing() {
        let (day, rows) = sample_rows();
        let value = encode_rows(rows.iter()).unwrap();
        assert_eq!(value[0], COMPRESSED);
        assert_eq!(row_count(&value).unwrap(), rows.len());
        let (ids, _) = decode_row_ids(&value).unwrap();
        assert_eq!(ids.len(), rows.len());
        assert_eq!(ids[3], rows[3].id.as_str());
        assert_eq!(decode_rows(&value, day).unwrap(), rows);
        let plain = encode_rows_plain(rows.iter()).unwrap();
        assert!(
            value.len() < plain.len(),
            "{} vs {}",
            value.len(),
            plain.len()
        );
    }

    /// Two rows as the store wrote them before list rows got their compact in-memory form
    /// (issue #15), uncompressed and compressed: bytes from the 2026-12-07 main.
    const GOLDEN_PLAIN: &str = "\
        01020a323530342e32313331381a666565643a626c6f673a30303131323233336161626263636464\
        0219417474656e74696f6e20697320616c6c20796f75206e656564020e4173686973682056617377\
        616e6926416e20417574686f722057686f7365204e616d65204973204c6f6e676572205468616e20\
        3234080186a08b810d959aef3a012a0002026866056172786976010563732e4c470115c39c6ec3af\
        63c3b664c3a920e28094207469746c650000000001070109666565643a626c6f670000";
    const GOLDEN_COMPRESSED: &str = "\
        02020a323530342e32313331381a666565643a626c6f673a30303131323233336161626263636464\
        9b01f08c0219417474656e74696f6e20697320616c6c20796f75206e656564020e41736869736820\
        56617377616e6926416e20417574686f722057686f7365204e616d65204973204c6f6e6765722054\
        68616e203234080186a08b810d959aef3a012a0002026866056172786976010563732e4c470115c3\
        9c6ec3af63c3b664c3a920e28094207469746c650000000001070109666565643a626c6f670000";

    fn unhex(hex: &str) -> Vec<u8> {
        let digits: Vec<u8> = hex.bytes().filter(u8::is_ascii_hexdigit).collect();
        digits
            .chunks(2)
            .map(|pair| u8::from_str_radix(std::str::from_utf8(pair).unwrap(), 16).unwrap())
            .collect()
    }

    /// The rows the golden bytes hold, as plain fields.
    fn golden_rows() -> Vec<ListRowFields> {
        let day = NaiveDate::from_ymd_opt(2025, 4, 30).unwrap();
        let first = ListRowFields {
            id: PaperId::from_stored("2504.21318".into()),
            title: "Attention is all you need".into(),
            authors: vec![
                "Ashish Vaswani".into(),
                "An Author Whose Name Is Longer Than 24".into(),
            ],
            author_count: 8,
            day,
            published: DateTime::from_timestamp(1_745_971_203, 123_456_789),
            upvotes: Some(42),
            comments: None,
            sources: vec![SourceId::hf(), SourceId::arxiv()],
            primary_category: Some("cs.LG".into()),
            has_code: true,
        };
        let second = ListRowFields {
            id: PaperId::from_stored("feed:blog:00112233aabbccdd".into()),
            title: "Ünïcödé — title".into(),
            authors: Vec::new(),
            author_count: 0,
            published: None,
            upvotes: None,
            comments: Some(7),
            sources: vec![SourceId::feed("blog")],
            primary_category: None,
            has_code: false,
            ..first.clone()
        };
        vec![first, second]
    }

    #[test]
    fn rows_stored_before_the_compact_row_decode_and_encode_byte_identical() {
        let day = NaiveDate::from_ymd_opt(2025, 4, 30).unwrap();
        for (golden, compressed) in [(GOLDEN_PLAIN, false), (GOLDEN_COMPRESSED, true)] {
            let value = unhex(golden);
            let rows = decode_rows(&value, day).unwrap();
            let fields: Vec<ListRowFields> = rows.iter().map(ListRow::fields).collect();
            assert_eq!(fields, golden_rows());
            let again = if compressed {
                encode_rows(rows.iter()).unwrap()
            } else {
                encode_rows_plain(rows.iter()).unwrap()
            };
            assert_eq!(again, value, "compressed: {compressed}");
        }
    }

    #[test]
    fn compressed_bodies_round_trip_and_are_smaller() {
        let papers = sample_body(32);
        let value = body_value(&papers, true);
        assert_eq!(value[0], COMPRESSED);
        let chunk = BodyChunk::parse(&value).unwrap();
        for (slot, paper) in papers.iter().enumerate() {
            assert_eq!(chunk.position(&paper.id), Some(slot));
            assert_eq!(&chunk.paper(slot).unwrap(), paper);
        }
        let plain = body_value(&papers, false);
        assert!(
            value.len() * 2 < plain.len(),
            "{} vs {}",
            value.len(),
            plain.len()
        );
    }

    #[test]
    fn version_1_chunks_still_decode_and_recompress_to_the_same_papers() {
        let (day, rows) = sample_rows();
        let plain_rows = encode_rows_plain(rows.iter()).unwrap();
        assert_eq!(plain_rows[0], PLAIN);
        assert_eq!(row_count(&plain_rows).unwrap(), rows.len());
        assert_eq!(decode_rows(&plain_rows, day).unwrap(), rows);
        let compressed_rows = compress_rows(&plain_rows, day).unwrap().unwrap();
        assert_eq!(decode_rows(&compressed_rows, day).unwrap(), rows);
        assert!(compress_rows(&compressed_rows, day).unwrap().is_none());

        let papers = sample_body(5);
        let plain_body = body_value(&papers, false);
        let old = BodyChunk::parse(&plain_body).unwrap();
        assert_eq!(old.paper(4).unwrap(), papers[4]);
        let compressed_body = compress_body(&plain_body).unwrap().unwrap();
        assert_eq!(compressed_body, body_value(&papers, true));
        assert!(compress_body(&compressed_body).unwrap().is_none());
    }

    #[test]
    fn damaged_compressed_values_are_errors_not_panics() {
        let (day, rows) = sample_rows();
        let rows_value = encode_rows(rows.iter()).unwrap();
        let body = body_value(&sample_body(8), true);
        for value in [&rows_value, &body] {
            // Every truncation, and every byte of the tail flipped.
            for len in 0..value.len() {
                let _ = decode_rows(&value[..len], day);
                let _ = BodyChunk::parse(&value[..len]).map(|chunk| chunk.paper(0));
            }
            for at in 1..value.len() {
                let mut damaged = value.clone();
                damaged[at] ^= 0x5a;
                let _ = decode_rows(&damaged, day);
                let _ = BodyChunk::parse(&damaged).map(|chunk| chunk.paper(0));
            }
        }
        let truncated = &body[..body.len() - 3];
        assert!(BodyChunk::parse(truncated).is_err());
        assert!(decode_rows(&rows_value[..rows_value.len() - 3], day).is_err());
    }

    #[test]
    fn a_claimed_length_no_lz4_block_can_hold_is_refused_before_allocating() {
        let mut value = start(COMPRESSED, 16);
        value = append(&Vec::<&str>::new(), value).unwrap();
        value = append(&Vec::<u32>::new(), value).unwrap();
        value = append(&u32::MAX, value).unwrap();
        value.extend_from_slice(&[0x10, b'x']);
        let error = BodyChunk::parse(&value).err().unwrap();
        assert!(error.to_string().contains("cannot hold"), "{error}");
    }

    #[test]
    fn a_value_with_another_codec_version_is_refused() {
        let value = encode_feed_state(&FeedState::default()).unwrap();
        let mut wrong = value.clone();
        wrong[0] = 9;
        assert!(matches!(
            decode_feed_state(&wrong),
            Err(CodecError::Version { found: 9 })
        ));
        assert!(matches!(decode_feed_state(&[]), Err(CodecError::Empty)));
        assert_eq!(decode_feed_state(&value).unwrap(), FeedState::default());
    }
}
