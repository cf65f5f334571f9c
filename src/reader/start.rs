//! Start-up's two halves (issue #15): the first-screen file read before the store opens, and
//! the store open (`open_or_recover`) on its own thread, which also reads from the opened
//! store what the first frame needs, to check the file against it. The first frame is drawn
//! from the file while sled opens; without a usable file the start waits for the open.

use std::path::{Path, PathBuf};
use std::thread::JoinHandle;
use std::time::Instant;

use anyhow::Context as _;

use crate::store::{self, FirstScreen, FirstScreenError, StartReport, Store};

/// The first screen as the file holds it, with the file's bytes (to check against the store).
pub(super) struct FromFile {
    pub screen: FirstScreen,
    pub bytes: Vec<u8>,
    pub read_ms: f64,
}

/// Reads the first-screen file in `data_dir`; `None` when there is none or it is not usable
/// (logged at debug: it is never trusted in part).
pub(super) fn read_file(data_dir: &Path) -> Option<FromFile> {
    let started = Instant::now();
    let read = store::first_screen_bytes(data_dir)
        .and_then(|bytes| Ok((store::decode_first_screen(&bytes)?, bytes)));
    match read {
        Ok((screen, bytes)) => Some(FromFile {
            screen,
            bytes,
            read_ms: started.elapsed().as_secs_f64() * 1e3,
        }),
        Err(FirstScreenError::Missing) => {
            tracing::debug!("no first-screen file: the first frame waits for the store");
            None
        }
        Err(error) => {
            tracing::debug!(%error, "first-screen file ignored");
            None
        }
    }
}

/// The store, opened.
pub(super) struct Opened {
    pub store: Store,
    pub report: StartReport,
    /// What the first frame reads, from the opened store.
    pub screen: FirstScreen,
    /// Whether the file drawn before the open says the same (`None`: there was none).
    pub file_matches: Option<bool>,
    pub store_open_ms: f64,
    pub first_screen_ms: f64,
}

/// Opens the store on a thread of its own; the file's bytes (when one was drawn) are checked
/// against the opened store there, off the UI thread.
pub(super) fn open_in_background(
    data_dir: PathBuf,
    file_bytes: Option<Vec<u8>>,
) -> anyhow::Result<JoinHandle<anyhow::Result<Opened>>> {
    std::thread::Builder::new()
        .name("store-open".into())
        .spawn(move || {
            let started = Instant::now();
            // A damaged store is rebuilt from the journal here.
            let (store, report) = store::open_or_recover(&data_dir)?;
            let store_open_ms = started.elapsed().as_secs_f64() * 1e3;
            let screen = store.first_screen().context("cannot read the cache")?;
            let file_matches = file_bytes
                .map(|bytes| store::encode_first_screen(&screen).is_ok_and(|fresh| fresh == bytes));
            Ok(Opened {
                store,
                report,
                screen,
                file_matches,
                store_open_ms,
                first_screen_ms: started.elapsed().as_secs_f64() * 1e3 - store_open_ms,
            })
        })
        .context("cannot start the store's open")
}

/// Waits for the store's open.
pub(super) fn join(opening: JoinHandle<anyhow::Result<Opened>>) -> anyhow::Result<Opened> {
    opening
        .join()
        .map_err(|_| anyhow::anyhow!("the store's open panicked"))?
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::app::View;
    use crate::app::catalog::{Catalog, catalog_of_first_screen, first_catalog};
    use crate::model::PaperId;
    use chrono::{NaiveDate, TimeZone, Utc};

    fn filled_store(dir: &Path) -> (Store, Vec<PaperId>) {
        let day = NaiveDate::from_ymd_opt(2026, 12, 7).unwrap();
        let store = Store::open(dir).unwrap();
        let papers: Vec<_> = crate::synth::papers(40, 10, day).collect();
        let ids: Vec<PaperId> = papers.iter().map(|p| p.id.clone()).collect();
        store.apply(papers, day).unwrap();
        let at = Utc.with_ymd_and_hms(2026, 12, 7, 9, 0, 0).unwrap();
        store.set_starred(&ids[0], true, at).unwrap();
        store.set_starred(&ids[35], true, at).unwrap();
        store.set_read(&ids[1], true).unwrap();
        store.set_read(&ids[2], true).unwrap();
        (store, ids)
    }

    /// Every view's count, the rows in order and their user state.
    fn described(catalog: &Catalog) -> String {
        let today = NaiveDate::from_ymd_opt(2026, 12, 7).unwrap();
        let mut out = String::new();
        for view in [View::All, View::Starred, View::Unread, View::Week] {
            out.push_str(&format!("{view:?}={} ", catalog.view_count(&view, today)));
        }
        for row in catalog.rows.iter() {
            let user = catalog.user.get(&row.id).cloned().unwrap_or_default();
            out.push_str(&format!(
                "\n{} {} {} {}",
                row.id,
                row.title(),
                user.is_starred(),
                user.read
            ));
        }
        out.push_str(&format!("\nranked {:?}", catalog.ranked));
        out
    }

    #[test]
    fn the_catalog_from_the_file_is_the_stores_first_catalog() {
        let dir = tempfile::tempdir().unwrap();
        let (store, _) = filled_store(dir.path());
        let expected = described(&first_catalog(&store).unwrap());
        store.write_first_screen().unwrap();
        let file = read_file(dir.path()).unwrap();
        let from_file = described(&catalog_of_first_screen(file.screen));
        assert_eq!(from_file, expected);
        // The first catalog holds the newest day only (the star on an older day comes with
        // the full load), read marks included.
        assert!(expected.contains("Starred=1 Unread=8"), "{expected}");
    }

    #[test]
    fn the_open_removes_the_file_and_checks_it_against_the_store() {
        let dir = tempfile::tempdir().unwrap();
        let (store, ids) = filled_store(dir.path());
        store.write_first_screen().unwrap();
        drop(store);
        let file = read_file(dir.path()).unwrap();
        let opened =
            join(open_in_background(dir.path().to_path_buf(), Some(file.bytes.clone())).unwrap())
                .unwrap();
        assert_eq!(opened.file_matches, Some(true));
        assert_eq!(opened.screen, file.screen);
        assert!(read_file(dir.path()).is_none(), "the open removed it");

        // A file left by a store that changed since (here: written, then a read mark by a
        // process that never rewrote it) is caught at the join.
        opened.store.write_first_screen().unwrap();
        let stale = read_file(dir.path()).unwrap();
        opened.store.set_read(&ids[3], true).unwrap();
        drop(opened);
        let reopened =
            join(open_in_background(dir.path().to_path_buf(), Some(stale.bytes.clone())).unwrap())
                .unwrap();
        assert_eq!(reopened.file_matches, Some(false));
        assert!(reopened.screen.user[&ids[3]].read);
    }
}
