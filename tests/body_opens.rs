//! How often the reader's catalog loads open the body Db (issue #15): at 1M papers every open
//! costs ~1 s and writes ~165 MB, so a load opens it once per `BODY_RECYCLE_READ` of bodies
//! read, closes it after the pass, and a refresh reads again only the days that changed.

use chrono::NaiveDate;
use paperboat::app::catalog::{Refresh, full_catalog, refreshed_catalog};
use paperboat::store::Store;

fn store_of(papers: usize) -> (tempfile::TempDir, Store, NaiveDate) {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(dir.path()).unwrap();
    let newest = NaiveDate::from_ymd_opt(2025, 6, 30).unwrap();
    store
        .apply(
            paperboat::synth::papers(papers, 50, newest).collect(),
            newest,
        )
        .unwrap();
    // The writes' own open is not the load's.
    store.recycle_body().unwrap();
    (dir, store, newest)
}

#[test]
fn a_full_load_opens_the_body_db_once_and_leaves_it_closed() {
    let (_dir, store, _) = store_of(400);
    let before = store.body_opens();
    let catalog = full_catalog(&store, true).unwrap();
    assert_eq!(catalog.rows.len(), 400);
    assert_eq!(store.body_opens(), before + 1);
    assert!(
        !store.recycle_body().unwrap(),
        "the body Db is still open after the load"
    );
}

#[test]
fn a_refresh_reads_bodies_only_for_the_days_that_changed() {
    let (_dir, store, newest) = store_of(400);
    let catalog = full_catalog(&store, true).unwrap();
    let before = store.body_opens();

    // Nothing changed: nothing is read again.
    match refreshed_catalog(&store, &catalog).unwrap() {
        Refresh::Spliced(again) => assert_eq!(again.rows.len(), 400),
        Refresh::Full => panic!("an unchanged store asked for a full load"),
    }
    assert_eq!(store.body_opens(), before);

    // One new paper on a new day: that day's bodies are read, in one open.
    let next = newest.succ_opt().unwrap();
    let mut new = paperboat::synth::papers(1, 1, next).next().unwrap();
    new.id = paperboat::model::PaperId::from_stored("2507.99999".to_string());
    store.apply(vec![new], next).unwrap();
    store.recycle_body().unwrap();
    let before = store.body_opens();
    match refreshed_catalog(&store, &catalog).unwrap() {
        Refresh::Spliced(again) => assert_eq!(again.rows.len(), 401),
        Refresh::Full => panic!("one new paper asked for a full load"),
    }
    assert_eq!(store.body_opens(), before + 1);
}
