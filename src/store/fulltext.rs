//! Cached full texts (issue #13): the fetched Markdown or HTML of a paper, kept so it opens
//! offline and at once the second time.
//!
//! Layout, chosen so the first frame stays flat however many full texts are kept:
//! - `<data_dir>/fulltext/`, a third sled Db opened on first use (never by [`Store::open`]):
//!   tree `texts`, key = id + `0x00` + part (u16 big-endian). Part 0 is a header (codec
//!   version 1, postcard: format, URL, fetch time, length, piece count); parts 1… are the text
//!   in pieces of [`PIECE_BYTES`], each LZ4-compressed by the store's codec. A piece is at most
//!   ~48 KiB on disk, well under the ~128 KiB from which sled 0.34 keeps a value as a blob it
//!   reads on every open.
//! - `<data_dir>/list/`, tree `fulltext`: id → the format's byte. It says "has a full text"
//!   (`has:fulltext`, the detail, the search index) without opening the full-text Db; written
//!   after the pieces are flushed, so a mark always has its text.

use std::collections::HashSet;
use std::sync::{Mutex, PoisonError};

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use super::{Store, StoreError, codec, corrupt, open_db, sled_error};
use crate::model::PaperId;
use crate::source::fulltext::FullTextFormat;

/// The full-text Db's directory under the data dir.
pub(super) const FULLTEXT_DIR: &str = "fulltext";
/// The list Db's tree of "has a full text" marks.
pub(super) const MARKS_TREE: &str = "fulltext";
/// The full-text Db's tree of headers and pieces.
const TEXTS_TREE: &str = "texts";
/// Raw bytes per stored piece (compressed, Markdown shrinks to about a third).
pub const PIECE_BYTES: usize = 48 * 1024;
/// The full-text Db's page cache: one paper is read at a time.
const CACHE_BYTES: u64 = 8 * 1024 * 1024;
/// The header's codec version.
const HEADER_VERSION: u8 = 1;

/// A cached full text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredFullText {
    pub format: FullTextFormat,
    /// Where it was fetched from.
    pub url: String,
    pub fetched_at: DateTime<Utc>,
    /// The source as fetched (untrusted: stripped when turned into a document).
    pub text: String,
}

#[derive(Serialize, Deserialize)]
struct Header {
    format: FullTextFormat,
    url: String,
    fetched_at: (i64, u32),
    len: u32,
    pieces: u16,
}

/// The lazily opened full-text Db (sled's `Db` is a shared handle).
#[derive(Default)]
pub(super) struct FullTextDb {
    texts: Mutex<Option<sled::Tree>>,
}

fn key(id: &PaperId, part: u16) -> Vec<u8> {
    let mut key = Vec::with_capacity(id.as_str().len() + 3);
    key.extend_from_slice(id.as_str().as_bytes());
    key.push(0);
    key.extend_from_slice(&part.to_be_bytes());
    key
}

fn prefix(id: &PaperId) -> Vec<u8> {
    let mut key = id.as_str().as_bytes().to_vec();
    key.push(0);
    key
}

/// `text` cut into pieces of at most `PIECE_BYTES`, each ending on a character boundary.
fn pieces(text: &str) -> Vec<&str> {
    let mut pieces = Vec::with_capacity(text.len() / PIECE_BYTES + 1);
    let mut rest = text;
    while !rest.is_empty() {
        let mut end = rest.len().min(PIECE_BYTES);
        while !rest.is_char_boundary(end) {
            end -= 1;
        }
        let (piece, tail) = rest.split_at(end);
        pieces.push(piece);
        rest = tail;
    }
    pieces
}

impl Store {
    fn texts(&self) -> Result<sled::Tree, StoreError> {
        let mut slot = self
            .inner
            .full_texts
            .texts
            .lock()
            .unwrap_or_else(PoisonError::into_inner);
        if let Some(tree) = slot.as_ref() {
            return Ok(tree.clone());
        }
        let dir = &self.inner.dir;
        let db = open_db(dir, FULLTEXT_DIR, CACHE_BYTES)?;
        let tree = db.open_tree(TEXTS_TREE).map_err(|e| sled_error(dir, e))?;
        *slot = Some(tree.clone());
        Ok(tree)
    }

    fn full_text_marks(&self) -> Result<sled::Tree, StoreError> {
        self.inner
            .list
            .db
            .open_tree(MARKS_TREE)
            .map_err(|e| sled_error(&self.inner.dir, e))
    }

    /// Keeps `text` as `id`'s full text, replacing an older one. Durable when it returns.
    pub fn put_full_text(&self, id: &PaperId, text: &StoredFullText) -> Result<(), StoreError> {
        let dir = &self.inner.dir;
        let too_big = || corrupt(dir, format!("the full text of {id} is too large to keep"));
        let parts = pieces(&text.text);
        let header = Header {
            format: text.format,
            url: text.url.clone(),
            fetched_at: (
                text.fetched_at.timestamp(),
                text.fetched_at.timestamp_subsec_nanos(),
            ),
            len: u32::try_from(text.text.len()).map_err(|_| too_big())?,
            pieces: u16::try_from(parts.len()).map_err(|_| too_big())?,
        };
        let mut header_value = vec![HEADER_VERSION];
        header_value = postcard::to_extend(&header, header_value)
            .map_err(|e| corrupt(dir, format!("full-text header: {e}")))?;
        let texts = self.texts()?;
        let mut batch = sled::Batch::default();
        for old in texts.scan_prefix(prefix(id)).keys() {
            batch.remove(old.map_err(|e| sled_error(dir, e))?);
        }
        batch.insert(key(id, 0), header_value);
        for (at, piece) in parts.iter().enumerate() {
            let value = codec::compress_blob(piece.as_bytes())
                .map_err(|e| corrupt(dir, format!("full text of {id}: {e}")))?;
            // `at + 1 ≤ pieces`, which fit a u16 above.
            let part = u16::try_from(at + 1).map_err(|_| too_big())?;
            batch.insert(key(id, part), value);
        }
        texts.apply_batch(batch).map_err(|e| sled_error(dir, e))?;
        texts.flush().map_err(|e| sled_error(dir, e))?;
        let marks = self.full_text_marks()?;
        marks
            .insert(id.as_str().as_bytes(), &[format_byte(text.format)])
            .map_err(|e| sled_error(dir, e))?;
        marks.flush().map_err(|e| sled_error(dir, e))?;
        Ok(())
    }

    /// `id`'s cached full text, or `None` when none is kept (the full-text Db is opened only
    /// when the mark says there is one).
    pub fn full_text(&self, id: &PaperId) -> Result<Option<StoredFullText>, StoreError> {
        if !self.has_full_text(id)? {
            return Ok(None);
        }
        let dir = &self.inner.dir;
        let damaged = |what: String| corrupt(dir, format!("full text of {id}: {what}"));
        let texts = self.texts()?;
        let Some(header) = texts.get(key(id, 0)).map_err(|e| sled_error(dir, e))? else {
            return Ok(None);
        };
        let header: Header = match header.split_first() {
            Some((&HEADER_VERSION, rest)) => {
                postcard::from_bytes(rest).map_err(|e| damaged(e.to_string()))?
            }
            _ => return Err(damaged("unknown header version".into())),
        };
        let mut bytes = Vec::with_capacity(header.len as usize);
        for part in 1..=header.pieces {
            let value = texts
                .get(key(id, part))
                .map_err(|e| sled_error(dir, e))?
                .ok_or_else(|| damaged(format!("piece {part} is missing")))?;
            let raw = codec::decompress_blob(&value).map_err(|e| damaged(e.to_string()))?;
            bytes.extend_from_slice(&raw);
        }
        if bytes.len() != header.len as usize {
            return Err(damaged(format!(
                "{} bytes instead of {}",
                bytes.len(),
                header.len
            )));
        }
        let text = String::from_utf8(bytes).map_err(|e| damaged(e.to_string()))?;
        let (secs, nanos) = header.fetched_at;
        Ok(Some(StoredFullText {
            format: header.format,
            url: header.url,
            fetched_at: DateTime::from_timestamp(secs, nanos).unwrap_or_default(),
            text,
        }))
    }

    /// Whether a full text of `id` is kept (reads only the list Db).
    pub fn has_full_text(&self, id: &PaperId) -> Result<bool, StoreError> {
        self.full_text_marks()?
            .contains_key(id.as_str().as_bytes())
            .map_err(|e| sled_error(&self.inner.dir, e))
    }

    /// Every paper with a kept full text (reads only the list Db).
    pub fn full_text_ids(&self) -> Result<HashSet<PaperId>, StoreError> {
        let dir = &self.inner.dir;
        let mut ids = HashSet::new();
        for key in self.full_text_marks()?.iter().keys() {
            let key = key.map_err(|e| sled_error(dir, e))?;
            let id = std::str::from_utf8(&key)
                .map_err(|_| corrupt(dir, "a full-text mark is not UTF-8".into()))?;
            ids.insert(PaperId::from_stored(id.to_string()));
        }
        Ok(ids)
    }
}

fn format_byte(format: FullTextFormat) -> u8 {
    match format {
        FullTextFormat::Markdown => 1,
        FullTextFormat::Html => 2,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample(text: String) -> StoredFullText {
        StoredFullText {
            format: FullTextFormat::Markdown,
            url: "http://hf/papers/2504.00001.md".into(),
            fetched_at: DateTime::from_timestamp(1_746_000_000, 0).unwrap(),
            text,
        }
    }

    #[test]
    fn a_full_text_round_trips_in_pieces_and_reopens() {
        let dir = tempfile::tempdir().unwrap();
        let id = PaperId::from_arxiv("2504.00001").unwrap();
        // Multi-byte characters across piece boundaries.
        let text: String = "# Título\n\nα β γ — ünïcödé paragraph. ".repeat(8_000);
        assert!(text.len() > 4 * PIECE_BYTES);
        {
            let store = Store::open(dir.path()).unwrap();
            assert_eq!(store.full_text(&id).unwrap(), None);
            assert!(
                !dir.path().join(FULLTEXT_DIR).exists(),
                "asking for a missing full text does not open the full-text Db"
            );
            store.put_full_text(&id, &sample(text.clone())).unwrap();
            assert!(store.has_full_text(&id).unwrap());
        }
        let store = Store::open(dir.path()).unwrap();
        assert_eq!(store.full_text_ids().unwrap(), HashSet::from([id.clone()]));
        let read = store.full_text(&id).unwrap().unwrap();
        assert_eq!(read, sample(text));
        let texts = store.texts().unwrap();
        for entry in texts.iter() {
            let (_, value) = entry.unwrap();
            assert!(value.len() < 64 * 1024, "a piece of {} bytes", value.len());
        }
    }

    #[test]
    fn a_new_full_text_replaces_every_piece_of_the_old_one() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(dir.path()).unwrap();
        let id = PaperId::from_arxiv("2504.00001").unwrap();
        store
            .put_full_text(&id, &sample("long ".repeat(50_000)))
            .unwrap();
        store
            .put_full_text(&id, &sample("short".to_string()))
            .unwrap();
        assert_eq!(store.full_text(&id).unwrap().unwrap().text, "short");
        assert_eq!(store.texts().unwrap().scan_prefix(prefix(&id)).count(), 2);
    }

    #[test]
    fn pieces_end_on_character_boundaries() {
        let text = "é".repeat(PIECE_BYTES);
        let parts = pieces(&text);
        assert_eq!(parts.concat(), text);
        assert!(parts.iter().all(|p| p.len() <= PIECE_BYTES));
        assert!(pieces("").is_empty());
    }
}
