//! The schema v5 id carry-over of generic feeds (issue #14 point 7), end to end: a store written
//! in the v4 format by today's code holds a starred, read and noted generic-feed paper under the
//! id the old reader gave it; after the upgrade, the feed's next sync (the real ingest path)
//! moves that user state, in the store and in the journal, to the id the reader gives it now.

use std::path::Path;

use chrono::{DateTime, NaiveDate, Utc};
use paperboat::model::{Paper, PaperId, SourceId};
use paperboat::source::feed::FeedSource;
use paperboat::source::{Declared, Source, SourceRequest};
use paperboat::store::{FeedState, Store, Validators};
use paperboat::sync::ingest_body;
use tempfile::TempDir;

const FEED_URL: &str = "https://blog.example/feed.xml";

/// Two posts: the first was keyed by its link by the old reader and has a guid now; the second's
/// id did not change.
const FEED: &str = r#"<?xml version="1.0"?>
<rss version="2.0"><channel><title>Blog</title>
<item><title>Post one</title><link>https://blog.example/posts/1</link>
  <guid isPermaLink="false">tag:blog.example,2026:1</guid>
  <description>The first post.</description><pubDate>Mon, 06 Jul 2026 08:00:00 GMT</pubDate></item>
<item><title>Post two</title><link>https://blog.example/posts/2</link>
  <guid isPermaLink="false">tag:blog.example,2026:2</guid>
  <description>The second post.</description><pubDate>Tue, 07 Jul 2026 08:00:00 GMT</pubDate></item>
</channel></rss>"#;

fn at(secs: i64) -> DateTime<Utc> {
    DateTime::from_timestamp(secs, 0).unwrap()
}

fn today() -> NaiveDate {
    NaiveDate::from_ymd_opt(2026, 7, 8).unwrap()
}

fn blog() -> SourceId {
    SourceId::feed("blog")
}

/// A post as the old reader stored it, under the id it computed from `key`.
fn stored_post(key: &str, title: &str, link: &str, day: u32) -> Paper {
    let mut paper = Paper::new(PaperId::scoped(&blog(), key), title.into(), blog());
    paper.links.abs = Some(link.into());
    paper.abstract_text = format!("{title}, as the old reader read it.");
    paper.published = NaiveDate::from_ymd_opt(2026, 7, day)
        .unwrap()
        .and_hms_opt(8, 0, 0)
        .map(|t| t.and_utc());
    paper
}

/// Records `version` as the store's schema version, as that version's build left it.
fn set_schema_version(dir: &Path, version: u32) {
    let mut attempts = 0;
    let db = loop {
        match sled::open(dir.join("list")) {
            Ok(db) => break db,
            Err(error)
                if attempts < 150 && error.to_string().contains("could not acquire lock") =>
            {
                attempts += 1;
                std::thread::sleep(std::time::Duration::from_millis(10));
            }
            Err(error) => panic!("cannot open the list Db: {error}"),
        }
    };
    let meta = db.open_tree("meta").unwrap();
    meta.insert("schema_version", &version.to_be_bytes())
        .unwrap();
    db.flush().unwrap();
}

fn sync(store: &Store) -> paperboat::store::ApplyOutcome {
    let source = FeedSource::new("blog", FEED_URL);
    let request: SourceRequest = source.requests(today()).remove(0);
    let mut body = FEED.as_bytes();
    let (outcome, report) = ingest_body(
        &source,
        &request,
        &Declared::default(),
        &mut body,
        store,
        today(),
    )
    .unwrap();
    assert_eq!(report.items, 2);
    outcome
}

#[test]
fn user_state_of_a_v4_generic_feed_paper_follows_its_new_id_after_the_next_sync() {
    let dir = TempDir::new().unwrap();
    let old_one = stored_post(
        "https://blog.example/posts/1",
        "Post one",
        "https://blog.example/posts/1",
        6,
    );
    let same_two = stored_post(
        "tag:blog.example,2026:2",
        "Post two",
        "https://blog.example/posts/2",
        7,
    );
    let star_time = at(1_783_000_000);
    {
        // Today's code, then the version it wrote before v5: the v4 format exactly.
        let store = Store::open(dir.path()).unwrap();
        store
            .apply(vec![old_one.clone(), same_two.clone()], today())
            .unwrap();
        store.set_starred(&old_one.id, true, star_time).unwrap();
        store.set_read(&old_one.id, true).unwrap();
        store
            .set_note(&old_one.id, Some("cite this".into()))
            .unwrap();
        store.set_starred(&same_two.id, true, star_time).unwrap();
        let state = FeedState {
            validators: [(
                FEED_URL.to_string(),
                Validators {
                    etag: Some("\"e1\"".into()),
                    last_modified: None,
                },
            )]
            .into(),
            last_new: 2,
            ..FeedState::default()
        };
        store.set_feed_state(&blog(), &state).unwrap();
    }
    set_schema_version(dir.path(), 4);

    let store = Store::open(dir.path()).unwrap();
    let state = store.feed_state(&blog()).unwrap();
    assert!(
        state.validators.is_empty(),
        "the feed is fetched in full once"
    );
    assert_eq!(state.last_new, 2);
    // Until the sync, nothing moved.
    assert!(store.user_state(&old_one.id).unwrap().is_starred());

    sync(&store);
    let new_one = PaperId::scoped(&blog(), "tag:blog.example,2026:1");
    assert_ne!(new_one, old_one.id);
    let carried = store.user_state(&new_one).unwrap();
    assert_eq!(
        carried.starred_at,
        Some(star_time),
        "the star keeps its time"
    );
    assert!(carried.read);
    assert_eq!(carried.note.as_deref(), Some("cite this"));
    assert!(store.user_state(&old_one.id).unwrap().is_empty());
    assert!(
        store.paper(&old_one.id).unwrap().is_none(),
        "the old record is gone"
    );
    assert_eq!(store.paper(&new_one).unwrap().unwrap().title, "Post one");
    // The paper whose id did not change is untouched.
    assert_eq!(
        store.user_state(&same_two.id).unwrap().starred_at,
        Some(star_time)
    );
    let ids: Vec<String> = store
        .all_rows()
        .unwrap()
        .iter()
        .map(|r| r.id.to_string())
        .collect();
    assert_eq!(ids.len(), 2, "{ids:?}");

    // The journal, which other machines and a rebuilt store read, says the same.
    let journal = store.journal().read().unwrap().final_state();
    assert_eq!(journal.papers[&new_one].state(), carried);
    assert!(journal.papers[&old_one.id].state().is_empty());

    // A second sync finds nothing left to carry, and a reopen runs no step again.
    sync(&store);
    assert_eq!(store.user_state(&new_one).unwrap(), carried);
    drop(store);
    let store = Store::open(dir.path()).unwrap();
    assert_eq!(store.user_state(&new_one).unwrap(), carried);
    assert_eq!(store.check().unwrap().papers, 2);
}
