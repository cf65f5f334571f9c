//! The first-screen file (`<data_dir>/first_screen`, issue #15): exactly what the reader's
//! first frame reads from the store — the newest day's list rows, all user state, HF's ranked
//! lists and the remembered reader state — so a start can draw before sled has opened.
//!
//! **Never trusted, always checked.** [`Store::open`] deletes the file before anything can
//! change the store. A command run on the store itself writes it at its end; the reader keeps
//! it current in the background once the store has been quiet after a write (`reader/keeper.rs`,
//! by [`Store::write_generation`]) and brings it up to date at quit once its last store write
//! is done, so a clean quit leaves a current file. A killed or crashed reader can leave a file
//! older than the store: the start draws from it, then compares it byte for byte with the
//! opened store and redraws from the store on any difference before the first key is read.
//! The file is written to a temp name and renamed into place; it is not fsynced (a torn or
//! empty file after a power cut fails its length or checksum and is ignored).
//!
//! Layout: `PBFS` magic, format (u16 LE), store schema (u32 LE), payload length (u32 LE),
//! CRC-32 of the payload (u32 LE), then the payload: postcard of [`StoredScreen`], whose rows
//! and user state use the store's own value codec (so a change there changes both) and whose
//! ranked lists and reader state are the JSON the store keeps them as.

use std::collections::{BTreeMap, HashMap};
use std::io::Write as _;
use std::path::{Path, PathBuf};

use chrono::{Datelike, NaiveDate};
use serde::{Deserialize, Serialize};

use super::{RankedList, ReaderState, Store, StoreError, codec, corrupt, migrate};
use crate::model::{ListRow, PaperId, UserState};

/// The file's name in the data dir.
pub const FIRST_SCREEN_FILE: &str = "first_screen";
/// Where it is written before the rename.
const TEMP_FILE: &str = "first_screen.tmp";
const MAGIC: &[u8; 4] = b"PBFS";
/// Bump when the payload's shape changes; another format reads as no file.
const FORMAT: u16 = 1;
const HEADER_LEN: usize = 4 + 2 + 4 + 4 + 4;
/// A file larger than this is not ours (the newest day of a big feed is a few MiB at most).
const MAX_PAYLOAD: usize = 256 * 1024 * 1024;

/// What the first frame reads from the store.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct FirstScreen {
    /// The newest day's list rows, as [`Store::rows_for_day`] gives them.
    pub rows: Vec<ListRow>,
    /// Every paper's user state, as [`Store::user_states`] gives it.
    pub user: HashMap<PaperId, UserState>,
    /// HF's ranked lists, as [`Store::ranked_lists`] gives them.
    pub ranked: BTreeMap<String, RankedList>,
    /// The remembered view and selection, as [`Store::reader_state`] gives it.
    pub reader_state: ReaderState,
}

/// Why a first-screen file was not used (logged at debug; the start reads the store instead).
#[derive(Debug, thiserror::Error)]
pub enum FirstScreenError {
    #[error("no first-screen file")]
    Missing,
    #[error("cannot read the first-screen file: {0}")]
    Io(#[from] std::io::Error),
    #[error("the first-screen file is not usable: {0}")]
    Invalid(String),
}

/// The payload as stored.
#[derive(Serialize, Deserialize)]
struct StoredScreen<'a> {
    /// The newest day (days from CE); its rows do not repeat it.
    day: i32,
    /// A rows chunk in the store's codec (empty: no rows).
    #[serde(borrow)]
    rows: &'a [u8],
    /// A user bucket in the store's codec.
    user: &'a [u8],
    /// `{key: RankedList}` as JSON.
    ranked: &'a [u8],
    /// The reader state as JSON.
    reader_state: &'a [u8],
}

fn invalid(detail: impl std::fmt::Display) -> FirstScreenError {
    FirstScreenError::Invalid(detail.to_string())
}

/// The file's path in `data_dir`.
pub fn first_screen_path(data_dir: &Path) -> PathBuf {
    data_dir.join(FIRST_SCREEN_FILE)
}

/// Reads the file in `data_dir`; anything missing, torn, of another format or schema, or
/// undecodable is an error, never a partial screen.
pub fn read_first_screen(data_dir: &Path) -> Result<FirstScreen, FirstScreenError> {
    decode_first_screen(&first_screen_bytes(data_dir)?)
}

/// The file's bytes, not yet checked.
pub fn first_screen_bytes(data_dir: &Path) -> Result<Vec<u8>, FirstScreenError> {
    match std::fs::read(first_screen_path(data_dir)) {
        Ok(bytes) => Ok(bytes),
        Err(error) if error.kind() == std::io::ErrorKind::NotFound => {
            Err(FirstScreenError::Missing)
        }
        Err(error) => Err(error.into()),
    }
}

/// Removes the file (the store is about to change). A missing file is fine.
pub(super) fn remove_first_screen(data_dir: &Path) -> Result<(), StoreError> {
    for name in [FIRST_SCREEN_FILE, TEMP_FILE] {
        match std::fs::remove_file(data_dir.join(name)) {
            Ok(()) => tracing::debug!(file = name, "first-screen file removed at store open"),
            Err(error) if error.kind() == std::io::ErrorKind::NotFound => {}
            Err(source) => {
                return Err(StoreError::Io {
                    dir: data_dir.to_path_buf(),
                    source,
                });
            }
        }
    }
    Ok(())
}

impl Store {
    /// What the first frame reads: the same reads as the reader's first catalog.
    pub fn first_screen(&self) -> Result<FirstScreen, StoreError> {
        let started = std::time::Instant::now();
        let user = self.user_states()?;
        let user_ms = started.elapsed().as_secs_f64() * 1e3;
        let rows = match self.latest_day()? {
            Some(day) => self.rows_for_day(day)?,
            None => Vec::new(),
        };
        let rows_ms = started.elapsed().as_secs_f64() * 1e3 - user_ms;
        let ranked = self.ranked_lists()?;
        let reader_state = self.reader_state();
        tracing::debug!(
            user_ms,
            rows_ms,
            total_ms = started.elapsed().as_secs_f64() * 1e3,
            "first screen read from the store"
        );
        Ok(FirstScreen {
            rows,
            user,
            ranked,
            reader_state,
        })
    }

    /// Writes the first-screen file from the store as it is now (see the module doc for who
    /// writes it when); returns the bytes written.
    pub fn write_first_screen(&self) -> Result<usize, StoreError> {
        let dir = &self.inner.dir;
        let bytes = encode_first_screen(&self.first_screen()?).map_err(|e| corrupt(dir, e))?;
        let io = |source| StoreError::Io {
            dir: dir.to_path_buf(),
            source,
        };
        let temp = dir.join(TEMP_FILE);
        let mut file = std::fs::File::create(&temp).map_err(io)?;
        file.write_all(&bytes).map_err(io)?;
        drop(file);
        std::fs::rename(&temp, first_screen_path(dir)).map_err(io)?;
        Ok(bytes.len())
    }
}

/// The file's bytes for `screen`.
pub fn encode_first_screen(screen: &FirstScreen) -> Result<Vec<u8>, String> {
    let day = screen.rows.first().map(|row| row.day);
    if screen.rows.iter().any(|row| Some(row.day) != day) {
        return Err("the first screen's rows are not all of one day".into());
    }
    let rows = if screen.rows.is_empty() {
        Vec::new()
    } else {
        codec::encode_rows(screen.rows.iter()).map_err(|e| e.to_string())?
    };
    let user: BTreeMap<PaperId, UserState> = screen
        .user
        .iter()
        .map(|(id, state)| (id.clone(), state.clone()))
        .collect();
    let user = codec::encode_user_bucket(&user).map_err(|e| e.to_string())?;
    let ranked = serde_json::to_vec(&screen.ranked).map_err(|e| e.to_string())?;
    let reader_state = serde_json::to_vec(&screen.reader_state).map_err(|e| e.to_string())?;
    let stored = StoredScreen {
        day: day.map_or(0, |day| day.num_days_from_ce()),
        rows: &rows,
        user: &user,
        ranked: &ranked,
        reader_state: &reader_state,
    };
    let payload = postcard::to_stdvec(&stored).map_err(|e| e.to_string())?;
    let length = u32::try_from(payload.len()).map_err(|_| "the first screen is too big")?;
    let mut out = Vec::with_capacity(HEADER_LEN + payload.len());
    out.extend_from_slice(MAGIC);
    out.extend_from_slice(&FORMAT.to_le_bytes());
    out.extend_from_slice(&migrate::CURRENT_VERSION.to_le_bytes());
    out.extend_from_slice(&length.to_le_bytes());
    out.extend_from_slice(&crc32fast::hash(&payload).to_le_bytes());
    out.extend_from_slice(&payload);
    Ok(out)
}

fn le_u32(bytes: &[u8], at: usize) -> u32 {
    let mut word = [0; 4];
    word.copy_from_slice(&bytes[at..at + 4]);
    u32::from_le_bytes(word)
}

/// The screen in a file's `bytes`, checked whole before anything is decoded.
pub fn decode_first_screen(bytes: &[u8]) -> Result<FirstScreen, FirstScreenError> {
    if bytes.len() < HEADER_LEN || &bytes[..4] != MAGIC {
        return Err(invalid("no header"));
    }
    let format = u16::from_le_bytes([bytes[4], bytes[5]]);
    if format != FORMAT {
        return Err(invalid(format!("format {format}, not {FORMAT}")));
    }
    let schema = le_u32(bytes, 6);
    if schema != migrate::CURRENT_VERSION {
        return Err(invalid(format!("store schema {schema}")));
    }
    let length = le_u32(bytes, 10) as usize;
    let payload = &bytes[HEADER_LEN..];
    if length > MAX_PAYLOAD || payload.len() != length {
        return Err(invalid(format!(
            "{} payload bytes, the header says {length}",
            payload.len()
        )));
    }
    if crc32fast::hash(payload) != le_u32(bytes, 14) {
        return Err(invalid("checksum mismatch"));
    }
    let stored: StoredScreen<'_> = postcard::from_bytes(payload).map_err(invalid)?;
    let rows = if stored.rows.is_empty() {
        Vec::new()
    } else {
        let day = NaiveDate::from_num_days_from_ce_opt(stored.day)
            .ok_or_else(|| invalid(format!("day number {}", stored.day)))?;
        codec::decode_rows(stored.rows, day).map_err(invalid)?
    };
    let user = codec::decode_user_bucket(stored.user)
        .map_err(invalid)?
        .into_iter()
        .collect();
    let ranked = serde_json::from_slice(stored.ranked).map_err(invalid)?;
    let reader_state = ReaderState::from_json(stored.reader_state)
        .ok_or_else(|| invalid("unreadable reader state"))?;
    Ok(FirstScreen {
        rows,
        user,
        ranked,
        reader_state,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::RememberedView;
    use chrono::{TimeZone, Utc};

    fn day() -> NaiveDate {
        NaiveDate::from_ymd_opt(2026, 12, 7).unwrap()
    }

    /// A store with three days of papers, a star, a read mark, a note, a ranked list and a
    /// remembered view.
    fn filled_store(dir: &Path) -> Store {
        let store = Store::open(dir).unwrap();
        let papers: Vec<_> = crate::synth::papers(30, 10, day()).collect();
        let ids: Vec<PaperId> = papers.iter().map(|p| p.id.clone()).collect();
        store.apply(papers, day()).unwrap();
        let at = Utc.with_ymd_and_hms(2026, 12, 7, 9, 0, 0).unwrap();
        store.set_starred(&ids[0], true, at).unwrap();
        store.set_read(&ids[1], true).unwrap();
        store.set_read(&ids[25], true).unwrap();
        store
            .set_ranked_list(
                "trending",
                &RankedList {
                    fetched_at: at,
                    query: None,
                    ids: vec![ids[3].clone(), ids[2].clone()],
                    fresh: Vec::new(),
                },
            )
            .unwrap();
        store
            .set_reader_state(&ReaderState {
                view: RememberedView::Starred,
                selected: Some(ids[0].as_str().to_string()),
                hide_read: true,
                ..ReaderState::default()
            })
            .unwrap();
        store
    }

    #[test]
    fn the_file_round_trips_what_the_store_holds() {
        let dir = tempfile::tempdir().unwrap();
        let store = filled_store(dir.path());
        let screen = store.first_screen().unwrap();
        assert_eq!(screen.rows.len(), 10, "the newest day's rows only");
        assert_eq!(screen.user.len(), 3);
        assert_eq!(screen.ranked.len(), 1);
        assert_eq!(screen.reader_state.view, RememberedView::Starred);
        store.write_first_screen().unwrap();
        assert_eq!(read_first_screen(dir.path()).unwrap(), screen);
        assert!(!dir.path().join(TEMP_FILE).exists());
    }

    #[test]
    fn an_empty_store_round_trips() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(dir.path()).unwrap();
        store.write_first_screen().unwrap();
        assert_eq!(
            read_first_screen(dir.path()).unwrap(),
            FirstScreen::default()
        );
    }

    #[test]
    fn opening_the_store_removes_the_file() {
        let dir = tempfile::tempdir().unwrap();
        let store = filled_store(dir.path());
        store.write_first_screen().unwrap();
        drop(store);
        assert!(first_screen_path(dir.path()).exists());
        let _store = Store::open(dir.path()).unwrap();
        assert!(!first_screen_path(dir.path()).exists());
        assert!(matches!(
            read_first_screen(dir.path()),
            Err(FirstScreenError::Missing)
        ));
    }

    #[test]
    fn a_damaged_file_is_never_trusted() {
        let dir = tempfile::tempdir().unwrap();
        let store = filled_store(dir.path());
        store.write_first_screen().unwrap();
        let good = std::fs::read(first_screen_path(dir.path())).unwrap();
        let mut cases: Vec<(&str, Vec<u8>)> = vec![
            ("empty", Vec::new()),
            ("torn", good[..good.len() / 2].to_vec()),
            ("longer", [good.as_slice(), b"x"].concat()),
            ("garbage", b"not a first screen at all".to_vec()),
        ];
        let mut flipped = good.clone();
        let last = flipped.len() - 1;
        flipped[last] ^= 0x40;
        cases.push(("a flipped payload bit", flipped));
        let mut other_format = good.clone();
        other_format[4] = 99;
        cases.push(("another format", other_format));
        let mut other_schema = good.clone();
        other_schema[6] = other_schema[6].wrapping_add(1);
        cases.push(("another schema", other_schema));
        for (what, bytes) in cases {
            std::fs::write(first_screen_path(dir.path()), &bytes).unwrap();
            assert!(
                matches!(
                    read_first_screen(dir.path()),
                    Err(FirstScreenError::Invalid(_))
                ),
                "{what}"
            );
        }
    }
}
