//! Behaviour of the sled store on real temporary directories: merging syncs, user state,
//! retention, day chunks, reopening, locking, schema versions, migration and crash safety.

use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Child, Command, Stdio};

use chrono::{DateTime, NaiveDate, Utc};
use paperboat::model::{Paper, PaperId, SourceId, UserState};
use paperboat::store::{ApplyOutcome, FeedState, Store, StoreError, Validators};
use tempfile::TempDir;

fn day(y: i32, m: u32, d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, d).unwrap()
}

fn at(secs: i64) -> DateTime<Utc> {
    DateTime::from_timestamp(secs, 0).unwrap()
}

fn id(text: &str) -> PaperId {
    PaperId::from_stored(text.to_string())
}

/// An arXiv listing of `id` announced on `on`.
fn paper(paper_id: &str, on: NaiveDate) -> Paper {
    let mut paper = Paper::new(
        id(paper_id),
        format!("Title of {paper_id}"),
        SourceId::arxiv(),
    );
    paper.daily_date = Some(on);
    paper.abstract_text = format!("The abstract of {paper_id}, long enough to look like one.");
    paper.authors = vec!["Ada Lovelace".into(), "Alan Turing".into()];
    paper.categories = vec!["cs.LG".into()];
    paper.published = DateTime::from_timestamp(1_750_000_000, 250_000_000);
    paper
}

fn open(dir: &TempDir) -> Store {
    Store::open(dir.path()).unwrap()
}

fn ids_of(rows: &[paperboat::model::ListRow]) -> Vec<String> {
    rows.iter().map(|row| row.id.to_string()).collect()
}

/// Opens one tree of one of the store's sled Dbs directly, as a damaged or older store would
/// be written. The store must be closed.
fn raw_tree(dir: &Path, db: &str, tree: &str) -> (sled::Db, sled::Tree) {
    // A store dropped a moment ago may still hold sled's lock for a few milliseconds (its
    // flusher thread lets go after the drop returns): retry, bounded.
    let mut attempts = 0;
    let db = loop {
        match sled::open(dir.join(db)) {
            Ok(db) => break db,
            Err(error)
                if attempts < 150 && error.to_string().contains("could not acquire lock") =>
            {
                attempts += 1;
                std::thread::sleep(std::time::Duration::from_millis(10));
            }
            Err(error) => panic!("cannot open {db}: {error}"),
        }
    };
    let tree = db.open_tree(tree).unwrap();
    (db, tree)
}

#[test]
fn resync_keeps_stars() {
    let dir = TempDir::new().unwrap();
    let store = open(&dir);
    let today = day(2026, 7, 13);
    store
        .apply(
            vec![paper("2607.00001", today), paper("2607.00002", today)],
            today,
        )
        .unwrap();
    store
        .set_starred(&id("2607.00001"), true, at(1_000))
        .unwrap();
    store
        .set_note(&id("2607.00001"), Some("read section 3".into()))
        .unwrap();
    store.set_read(&id("2607.00002"), true).unwrap();

    let mut changed = paper("2607.00002", today);
    changed.upvotes = Some(40);
    let outcome = store
        .apply(
            vec![
                paper("2607.00001", today),
                changed,
                paper("2607.00003", today),
            ],
            today,
        )
        .unwrap();

    assert_eq!(outcome, ApplyOutcome { new: 1, changed: 1 });
    let starred = store.user_state(&id("2607.00001")).unwrap();
    assert_eq!(starred.starred_at, Some(at(1_000)));
    assert_eq!(starred.note.as_deref(), Some("read section 3"));
    assert!(store.user_state(&id("2607.00002")).unwrap().read);
    assert_eq!(
        store.paper(&id("2607.00002")).unwrap().unwrap().upvotes,
        Some(40)
    );
}

#[test]
fn apply_counts_new_and_changed_papers_and_ignores_unchanged_relistings() {
    let dir = TempDir::new().unwrap();
    let store = open(&dir);
    let today = day(2026, 7, 13);
    let batch: Vec<Paper> = (1..=3)
        .map(|n| paper(&format!("2607.0000{n}"), today))
        .collect();

    assert_eq!(
        store.apply(batch.clone(), today).unwrap(),
        ApplyOutcome { new: 3, changed: 0 }
    );
    assert_eq!(
        store.apply(batch.clone(), today).unwrap(),
        ApplyOutcome::default()
    );

    let mut relisted = batch;
    relisted[1].upvotes = Some(5);
    relisted.push(paper("2607.00004", today));
    // The same paper twice in one batch is one paper.
    relisted.push(paper("2607.00004", today));
    assert_eq!(
        store.apply(relisted, today).unwrap(),
        ApplyOutcome { new: 1, changed: 1 }
    );
    assert_eq!(store.paper_count().unwrap(), 4);
    assert_eq!(store.rows_for_day(today).unwrap().len(), 4);
}

#[test]
fn merging_one_paper_from_two_sources_keeps_both_sources() {
    let dir = TempDir::new().unwrap();
    let store = open(&dir);
    let today = day(2026, 7, 13);
    store
        .apply(vec![paper("2607.00001", today)], today)
        .unwrap();
    let mut from_hf = Paper::new(
        id("2607.00001"),
        "Title of 2607.00001".into(),
        SourceId::hf(),
    );
    from_hf.daily_date = Some(today);
    from_hf.upvotes = Some(12);
    from_hf.ai_summary = Some("A summary.".into());

    assert_eq!(
        store.apply(vec![from_hf], today).unwrap(),
        ApplyOutcome { new: 0, changed: 1 }
    );

    let merged = store.paper(&id("2607.00001")).unwrap().unwrap();
    assert_eq!(
        merged.sources,
        [SourceId::arxiv(), SourceId::hf()].into_iter().collect()
    );
    assert_eq!(merged.upvotes, Some(12));
    assert_eq!(merged.categories, vec!["cs.LG".to_string()]);
    let rows = store.rows_for_day(today).unwrap();
    assert_eq!(rows.len(), 1);
    assert_eq!(rows[0].sources().len(), 2);
}

#[test]
fn a_paper_whose_day_changes_moves_to_its_new_day_without_a_duplicate() {
    let dir = TempDir::new().unwrap();
    let announced = day(2026, 7, 10);
    let featured = day(2026, 7, 13);
    {
        let store = open(&dir);
        let mut from_arxiv = paper("2607.00001", announced);
        from_arxiv.daily_date = None;
        from_arxiv.published = Some(announced.and_hms_opt(18, 0, 0).unwrap().and_utc());
        store
            .apply(vec![from_arxiv, paper("2607.00002", announced)], featured)
            .unwrap();
        assert_eq!(
            ids_of(&store.rows_for_day(announced).unwrap()),
            ["2607.00001", "2607.00002"]
        );

        let mut from_hf = Paper::new(
            id("2607.00001"),
            "Title of 2607.00001".into(),
            SourceId::hf(),
        );
        from_hf.daily_date = Some(featured);
        assert_eq!(
            store.apply(vec![from_hf], featured).unwrap(),
            ApplyOutcome { new: 0, changed: 1 }
        );

        assert_eq!(
            ids_of(&store.rows_for_day(announced).unwrap()),
            ["2607.00002"]
        );
        assert_eq!(
            ids_of(&store.rows_for_day(featured).unwrap()),
            ["2607.00001"]
        );
        assert_eq!(store.rows_for_day(featured).unwrap()[0].day, featured);
        assert_eq!(
            store.paper(&id("2607.00001")).unwrap().unwrap().daily_date,
            Some(featured)
        );
    }
    let store = open(&dir);
    assert_eq!(store.all_rows().unwrap().len(), 2);
    assert_eq!(store.paper_count().unwrap(), 2);
    let mut visited = Vec::new();
    store
        .for_each_paper(&mut |paper| visited.push(paper.id.to_string()))
        .unwrap();
    visited.sort();
    assert_eq!(visited, ["2607.00001", "2607.00002"]);
}

#[test]
fn an_undated_paper_stays_on_the_day_it_was_first_fetched() {
    let dir = TempDir::new().unwrap();
    let store = open(&dir);
    let mut undated = paper("feed:blog:00000000000000aa", day(2026, 1, 1));
    undated.daily_date = None;
    undated.published = None;
    store.apply(vec![undated.clone()], day(2026, 7, 1)).unwrap();
    undated.abstract_text.push_str(" Now with more words.");

    assert_eq!(
        store.apply(vec![undated], day(2026, 7, 9)).unwrap(),
        ApplyOutcome { new: 0, changed: 1 }
    );
    assert_eq!(store.days().unwrap(), vec![(day(2026, 7, 1), 1)]);
}

#[test]
fn retention_drops_old_unstarred_papers_and_keeps_starred_and_noted_ones() {
    let dir = TempDir::new().unwrap();
    let store = open(&dir);
    let today = day(2026, 7, 13);
    let old = day(2026, 6, 1);
    let recent = day(2026, 7, 10);
    let papers = vec![
        paper("2606.00001", old),
        paper("2606.00002", old),
        paper("2606.00003", old),
        paper("2606.00004", old),
        paper("2607.00001", recent),
    ];
    store.apply(papers, today).unwrap();
    store.set_starred(&id("2606.00001"), true, at(5)).unwrap();
    store
        .set_note(&id("2606.00002"), Some("cite this".into()))
        .unwrap();
    store.set_read(&id("2606.00003"), true).unwrap();

    assert_eq!(store.apply_retention(0, today).unwrap(), 0);
    assert_eq!(store.paper_count().unwrap(), 5);
    assert_eq!(store.apply_retention(30, today).unwrap(), 2);

    assert_eq!(
        ids_of(&store.rows_for_day(old).unwrap()),
        ["2606.00001", "2606.00002"]
    );
    assert!(store.paper(&id("2606.00001")).unwrap().is_some());
    assert!(store.paper(&id("2606.00002")).unwrap().is_some());
    assert!(store.paper(&id("2606.00003")).unwrap().is_none());
    assert!(store.paper(&id("2606.00004")).unwrap().is_none());
    assert!(store.paper(&id("2607.00001")).unwrap().is_some());
    assert_eq!(store.paper_count().unwrap(), 3);
    assert_eq!(store.apply_retention(30, today).unwrap(), 0);
    drop(store);

    let store = open(&dir);
    assert_eq!(store.paper_count().unwrap(), 3);
    assert_eq!(store.days().unwrap(), vec![(recent, 1), (old, 2)]);
}

#[test]
fn days_and_rows_come_newest_day_first() {
    let dir = TempDir::new().unwrap();
    let store = open(&dir);
    assert_eq!(store.latest_day().unwrap(), None);
    assert!(store.all_rows().unwrap().is_empty());
    let (d1, d2, d3) = (day(2025, 12, 31), day(2026, 1, 2), day(2026, 1, 10));
    let papers = vec![
        paper("2601.00002", d2),
        paper("2601.00010", d3),
        paper("2512.00001", d1),
        paper("2601.00003", d2),
    ];
    store.apply(papers, d3).unwrap();

    assert_eq!(store.latest_day().unwrap(), Some(d3));
    assert_eq!(store.days().unwrap(), vec![(d3, 1), (d2, 2), (d1, 1)]);
    assert_eq!(
        ids_of(&store.rows_for_day(d2).unwrap()),
        ["2601.00002", "2601.00003"]
    );
    assert!(store.rows_for_day(day(2026, 1, 1)).unwrap().is_empty());
    assert_eq!(
        ids_of(&store.all_rows().unwrap()),
        ["2601.00010", "2601.00002", "2601.00003", "2512.00001"]
    );
}

/// Rows per chunk value; see the layout notes in `store/mod.rs` for why it is small.
const PART_ROWS: usize = 32;

#[test]
fn a_day_with_more_than_1024_papers_splits_into_parts_and_reads_back_whole() {
    let dir = TempDir::new().unwrap();
    let big_day = day(2026, 7, 13);
    let ids: Vec<String> = (0..2_500).map(|n| format!("2607.{n:05}")).collect();
    {
        let store = open(&dir);
        let (first, second) = ids.split_at(2_000);
        store
            .apply(first.iter().map(|i| paper(i, big_day)).collect(), big_day)
            .unwrap();
        store
            .apply(vec![paper("2607.99999", day(2026, 7, 14))], big_day)
            .unwrap();
        store
            .apply(second.iter().map(|i| paper(i, big_day)).collect(), big_day)
            .unwrap();

        assert_eq!(ids_of(&store.rows_for_day(big_day).unwrap()), ids);
        assert_eq!(
            store.days().unwrap(),
            vec![(day(2026, 7, 14), 1), (big_day, 2_500)]
        );
        let all = ids_of(&store.all_rows().unwrap());
        assert_eq!(all[0], "2607.99999");
        assert_eq!(all[1..], ids[..]);
        assert_eq!(
            store.paper(&id("2607.02499")).unwrap().unwrap().title,
            "Title of 2607.02499"
        );
    }
    let (_db, rows) = raw_tree(dir.path(), "list", "rows");
    let per_chunk: Vec<usize> = rows
        .iter()
        .map(|entry| {
            let (key, value) = entry.unwrap();
            let (ids, _): (Vec<String>, _) = postcard::take_from_bytes(&value[1..]).unwrap();
            assert_eq!(key.len(), 6);
            ids.len()
        })
        .collect();
    // The second batch first fills the day's last part, then opens new ones.
    let mut expected = vec![PART_ROWS; 2_500 / PART_ROWS];
    expected.push(2_500 % PART_ROWS);
    expected.push(1);
    assert_eq!(per_chunk, expected);
}

#[test]
fn papers_read_back_after_reopen() {
    let dir = TempDir::new().unwrap();
    let mut rich = paper("2607.00001", day(2026, 7, 13));
    rich.links.pdf = Some("https://arxiv.org/pdf/2607.00001".into());
    rich.links.github = Some("https://github.com/example/code".into());
    rich.ai_keywords = vec!["diffusion".into()];
    rich.sources.insert(SourceId::feed("blog"));
    {
        let store = open(&dir);
        store
            .apply(
                vec![rich.clone(), paper("2607.00002", day(2026, 7, 13))],
                day(2026, 7, 13),
            )
            .unwrap();
    }
    let store = open(&dir);
    assert_eq!(store.paper(&id("2607.00001")).unwrap(), Some(rich));
    assert_eq!(store.paper(&id("2699.99999")).unwrap(), None);
    let rows = store.rows_for_day(day(2026, 7, 13)).unwrap();
    assert!(rows[0].has_code());
    assert_eq!(
        rows[0].authors().collect::<Vec<_>>(),
        ["Ada Lovelace", "Alan Turing"]
    );
}

#[test]
fn user_and_feed_state_persist_across_reopen() {
    let dir = TempDir::new().unwrap();
    let feed_state = FeedState {
        validators: [(
            "https://example.org/feed.xml".to_string(),
            Validators {
                etag: Some("\"abc\"".into()),
                last_modified: None,
            },
        )]
        .into_iter()
        .collect(),
        last_success: Some(at(2_000)),
        consecutive_failures: 2,
        last_error: Some("HTTP 503".into()),
        last_new: 7,
        ..FeedState::default()
    };
    {
        let store = open(&dir);
        store.set_starred(&id("2607.00001"), true, at(100)).unwrap();
        store.set_starred(&id("2607.00001"), true, at(999)).unwrap();
        store.set_starred(&id("2607.00002"), true, at(100)).unwrap();
        store
            .set_starred(&id("2607.00002"), false, at(200))
            .unwrap();
        store.set_read(&id("2607.00003"), true).unwrap();
        store
            .set_note(&id("2607.00004"), Some("note".into()))
            .unwrap();
        store.set_feed_state(&SourceId::hf(), &feed_state).unwrap();
    }
    let store = open(&dir);
    let states = store.user_states().unwrap();
    assert_eq!(
        states.len(),
        3,
        "an unstarred paper with nothing else set leaves no state"
    );
    assert_eq!(states[&id("2607.00001")].starred_at, Some(at(100)));
    assert_eq!(
        store.user_state(&id("2607.00002")).unwrap(),
        UserState::default()
    );
    assert!(states[&id("2607.00003")].read);
    assert_eq!(states[&id("2607.00004")].note.as_deref(), Some("note"));
    assert_eq!(store.feed_state(&SourceId::hf()).unwrap(), feed_state);
    assert_eq!(
        store.feed_state(&SourceId::arxiv()).unwrap(),
        FeedState::default()
    );
    assert_eq!(
        store.feed_states().unwrap(),
        vec![(SourceId::hf(), feed_state)]
    );
}

#[test]
fn many_read_flags_stay_within_256_user_keys() {
    let dir = TempDir::new().unwrap();
    {
        let store = open(&dir);
        for n in 0..600 {
            store.set_read(&id(&format!("2607.{n:05}")), true).unwrap();
        }
        assert_eq!(store.user_states().unwrap().len(), 600);
    }
    let (_db, user) = raw_tree(dir.path(), "list", "user");
    let keys = user.len();
    assert!(keys <= 256, "{keys} user keys for 600 read flags");
    assert!(keys > 200, "600 ids spread over the buckets, not {keys}");
}

#[test]
fn a_second_open_of_the_same_dir_is_locked() {
    let dir = TempDir::new().unwrap();
    let first = open(&dir);
    match Store::open(dir.path()) {
        Err(StoreError::Locked(locked)) => assert_eq!(locked, dir.path()),
        Err(other) => panic!("expected Locked, got {other}"),
        Ok(_) => panic!("a second open of a locked store succeeded"),
    }
    drop(first);
    open(&dir);
}

#[test]
fn a_store_from_a_newer_version_is_refused_with_a_clear_message() {
    let dir = TempDir::new().unwrap();
    drop(open(&dir));
    {
        let (db, meta) = raw_tree(dir.path(), "list", "meta");
        meta.insert("schema_version", &1000u32.to_be_bytes())
            .unwrap();
        db.flush().unwrap();
    }
    let error = Store::open(dir.path())
        .err()
        .expect("a newer store must be refused");
    assert!(
        matches!(
            error,
            StoreError::UnknownVersion {
                found: 1000,
                supported: 5..,
                ..
            }
        ),
        "{error:?}"
    );
    let message = error.to_string();
    assert!(message.contains("schema version 1000"), "{message}");
    assert!(message.contains("upgrade paperboat"), "{message}");
}

#[test]
fn a_version_number_alone_never_triggers_a_wiping_migration() {
    let dir = TempDir::new().unwrap();
    let today = day(2026, 7, 13);
    open(&dir)
        .apply(vec![paper("2607.00001", today)], today)
        .unwrap();
    {
        let (db, meta) = raw_tree(dir.path(), "list", "meta");
        meta.insert("schema_version", &0u32.to_be_bytes()).unwrap();
        db.flush().unwrap();
    }
    assert!(matches!(
        Store::open(dir.path()),
        Err(StoreError::Corrupt { .. })
    ));
    let (_db, rows) = raw_tree(dir.path(), "list", "rows");
    assert_eq!(rows.len(), 1, "the rows are still there");
}

#[test]
fn a_version_0_store_is_migrated_on_open() {
    let dir = TempDir::new().unwrap();
    let mut undated = paper("feed:blog:00000000000000aa", day(2026, 1, 1));
    undated.daily_date = None;
    undated.published = None;
    let papers = vec![
        paper("2607.00001", day(2026, 7, 13)),
        paper("2607.00002", day(2026, 7, 12)),
        undated,
    ];
    let star = UserState {
        starred_at: Some(at(42)),
        read: true,
        note: Some("v0 note".into()),
    };
    let feed_state = FeedState {
        last_new: 3,
        last_success: Some(at(7)),
        ..FeedState::default()
    };
    {
        // The v0 layout: one sled Db in <dir>/cache, one JSON value per paper.
        let db = sled::open(dir.path().join("cache")).unwrap();
        let tree = db.open_tree("papers").unwrap();
        for paper in &papers {
            tree.insert(paper.id.as_str(), serde_json::to_vec(paper).unwrap())
                .unwrap();
        }
        let user = db.open_tree("user").unwrap();
        user.insert("2607.00001", serde_json::to_vec(&star).unwrap())
            .unwrap();
        user.insert(
            "2607.00002",
            serde_json::to_vec(&UserState::default()).unwrap(),
        )
        .unwrap();
        let feeds = db.open_tree("feeds").unwrap();
        feeds
            .insert("hf", serde_json::to_vec(&feed_state).unwrap())
            .unwrap();
        db.flush().unwrap();
    }

    let store = open(&dir);
    for paper in &papers {
        assert_eq!(store.paper(&paper.id).unwrap().as_ref(), Some(paper));
    }
    assert_eq!(store.user_state(&id("2607.00001")).unwrap(), star);
    assert_eq!(store.user_states().unwrap().len(), 1);
    assert_eq!(store.feed_state(&SourceId::hf()).unwrap(), feed_state);
    assert_eq!(
        ids_of(&store.rows_for_day(day(2026, 7, 13)).unwrap()),
        ["2607.00001"]
    );
    assert!(
        !dir.path().join("cache").exists(),
        "the v0 Db is removed once migrated"
    );
    drop(store);

    let store = open(&dir);
    assert_eq!(store.paper_count().unwrap(), 3);
    assert!(store.user_state(&id("2607.00001")).unwrap().is_starred());
}

#[test]
fn garbage_values_are_reported_as_corrupt_not_a_panic() {
    let dir = TempDir::new().unwrap();
    let today = day(2026, 7, 13);
    {
        let store = open(&dir);
        store
            .apply(vec![paper("2607.00001", today)], today)
            .unwrap();
        store.set_read(&id("2607.00001"), true).unwrap();
    }
    {
        let (db, rows) = raw_tree(dir.path(), "list", "rows");
        let (key, _) = rows.first().unwrap().unwrap();
        rows.insert(key, &[1u8, 0xff, 0xff, 0xff][..]).unwrap();
        let user = db.open_tree("user").unwrap();
        let (key, _) = user.first().unwrap().unwrap();
        user.insert(key, &[7u8, 1, 2][..]).unwrap();
        db.flush().unwrap();
    }
    let store = open(&dir);
    for result in [
        store.rows_for_day(today).map(|_| ()),
        store.all_rows().map(|_| ()),
        store.days().map(|_| ()),
        store.paper(&id("2607.00001")).map(|_| ()),
        store.user_states().map(|_| ()),
    ] {
        match result {
            Err(StoreError::Corrupt { detail, .. }) => assert!(!detail.is_empty()),
            other => panic!("expected Corrupt, got {other:?}"),
        }
    }
    let Err(StoreError::Corrupt { detail, .. }) = store.user_states() else {
        unreachable!()
    };
    assert!(detail.contains("codec version 7"), "{detail}");
    drop(store);

    let (db, meta) = raw_tree(dir.path(), "list", "meta");
    meta.insert("schema_version", &[0u8, 1][..]).unwrap();
    db.flush().unwrap();
    drop((db, meta));
    assert!(matches!(
        Store::open(dir.path()),
        Err(StoreError::Corrupt { .. })
    ));
}

/// Flips bytes near the end of the first value of `db`/`tree`: inside the LZ4 block of a
/// compressed chunk, past its plain id header.
fn damage_compressed_tail(dir: &Path, db: &str, tree: &str) {
    let (db, tree) = raw_tree(dir, db, tree);
    let (key, value) = tree.first().unwrap().unwrap();
    assert_eq!(
        value[0], 2,
        "chunks are written compressed (codec version 2)"
    );
    let mut damaged = value.to_vec();
    let len = damaged.len();
    for byte in &mut damaged[len - 12..] {
        *byte ^= 0xa5;
    }
    damaged.truncate(len - 3);
    tree.insert(key, damaged).unwrap();
    db.flush().unwrap();
}

#[test]
fn a_damaged_compressed_body_is_reported_as_corrupt_not_a_panic() {
    let dir = TempDir::new().unwrap();
    let today = day(2026, 7, 13);
    let papers: Vec<Paper> = (0..40)
        .map(|n| paper(&format!("2607.{n:05}"), today))
        .collect();
    open(&dir).apply(papers, today).unwrap();
    damage_compressed_tail(dir.path(), "body", "__sled__default");
    let store = open(&dir);
    assert_eq!(
        store.rows_for_day(today).unwrap().len(),
        40,
        "rows still read"
    );
    for result in [
        store.paper(&id("2607.00000")).map(|_| ()),
        store.for_each_paper(&mut |_| {}),
        store.check().map(|_| ()),
    ] {
        match result {
            Err(StoreError::Corrupt { detail, .. }) => assert!(detail.contains("body chunk")),
            other => panic!("expected Corrupt, got {other:?}"),
        }
    }
}

#[test]
fn a_damaged_compressed_rows_chunk_sets_the_store_aside_at_start() {
    let dir = TempDir::new().unwrap();
    let today = day(2026, 7, 13);
    {
        let store = open(&dir);
        store
            .apply(vec![paper("2607.00001", today)], today)
            .unwrap();
        store
            .set_starred(&id("2607.00001"), true, at(1_790_000_000))
            .unwrap();
    }
    damage_compressed_tail(dir.path(), "list", "rows");
    let (store, report) = paperboat::store::open_or_recover(dir.path()).unwrap();
    let recovery = report
        .recovery
        .expect("a damaged rows chunk is recovered from");
    assert!(
        matches!(recovery.damage, paperboat::store::Damage::Corrupt(_)),
        "{:?}",
        recovery.damage
    );
    assert!(store.user_state(&id("2607.00001")).unwrap().is_starred());
}

#[test]
fn concurrent_syncs_and_stars_lose_nothing() {
    let dir = TempDir::new().unwrap();
    let store = open(&dir);
    let syncing = store.clone();
    let sync = std::thread::spawn(move || {
        for batch in 0..20 {
            let papers =
                (0..100).map(|n| paper(&format!("26{batch:02}.{n:05}"), day(2026, 7, 1 + batch)));
            syncing.apply(papers.collect(), day(2026, 7, 13)).unwrap();
        }
    });
    for n in 0..40 {
        store
            .set_starred(&id(&format!("2600.{n:05}")), true, at(n))
            .unwrap();
    }
    sync.join().unwrap();

    assert_eq!(store.paper_count().unwrap(), 2_000);
    let states = store.user_states().unwrap();
    assert_eq!(
        states.values().filter(|state| state.is_starred()).count(),
        40
    );
}

const CRASH_CHILD_ENV: &str = "PAPERBOAT_STORE_CRASH_CHILD_DIR";
const CRASH_CHILD_FIRST_ROUND_ENV: &str = "PAPERBOAT_STORE_CRASH_CHILD_FIRST_ROUND";
const CRASH_TEST: &str = "a_kill_at_any_moment_keeps_every_acknowledged_star";

/// The child half of the crash test: syncs and stars in a loop, printing each star once
/// `set_starred` has returned, until the parent kills it.
fn run_crash_child(dir: &Path, first_round: u32) {
    use std::io::Write;
    let store = Store::open(dir).unwrap();
    let mut stdout = std::io::stdout().lock();
    for round in first_round..first_round + 1_000 {
        let on = day(2026, 6, 1 + round % 30);
        let mut papers: Vec<Paper> = (0..150)
            .map(|n| paper(&format!("{round:04}.{n:05}"), on))
            .collect();
        if round > 0 {
            // Re-list earlier papers with new counts, so chunks are rewritten, not just added.
            let mut relisted = paper(
                &format!("{:04}.00000", round - 1),
                day(2026, 6, 1 + (round - 1) % 30),
            );
            relisted.upvotes = Some(round);
            papers.push(relisted);
        }
        store.apply(papers, on).unwrap();
        let starred = id(&format!("{round:04}.00007"));
        store
            .set_starred(&starred, true, at(i64::from(round)))
            .unwrap();
        writeln!(stdout, "starred {starred}").unwrap();
        stdout.flush().unwrap();
    }
}

/// Kills the child if the test fails before it does.
struct KillOnDrop(Child);

impl Drop for KillOnDrop {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

#[test]
fn a_kill_at_any_moment_keeps_every_acknowledged_star() {
    if let Some(dir) = std::env::var_os(CRASH_CHILD_ENV) {
        let first_round = std::env::var(CRASH_CHILD_FIRST_ROUND_ENV)
            .unwrap()
            .parse()
            .unwrap();
        run_crash_child(Path::new(&dir), first_round);
        return;
    }
    let dir = TempDir::new().unwrap();
    let mut acknowledged: Vec<PaperId> = Vec::new();
    for (run, kill_after) in [1usize, 4, 9, 2, 13].into_iter().enumerate() {
        let child = Command::new(std::env::current_exe().unwrap())
            .args([CRASH_TEST, "--exact", "--nocapture", "--test-threads=1"])
            .env(CRASH_CHILD_ENV, dir.path())
            .env(CRASH_CHILD_FIRST_ROUND_ENV, (run * 1_000).to_string())
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        let mut child = KillOnDrop(child);
        let stdout = child.0.stdout.take().unwrap();
        let mut lines = BufReader::new(stdout).lines();
        let mut seen = 0;
        while seen < kill_after {
            let line = lines
                .next()
                .expect("the child exited before it starred enough")
                .unwrap();
            if let Some(starred) = line.strip_prefix("starred ") {
                acknowledged.push(id(starred));
                seen += 1;
            }
        }
        child.0.kill().unwrap();
        child.0.wait().unwrap();
        drop(child);

        let store = Store::open(dir.path()).unwrap();
        for starred in &acknowledged {
            assert!(
                store.user_state(starred).unwrap().is_starred(),
                "{starred} lost its star"
            );
            assert!(
                store.paper(starred).unwrap().is_some(),
                "{starred} lost its paper"
            );
        }
        let mut visited = 0;
        store.for_each_paper(&mut |_| visited += 1).unwrap();
        assert_eq!(visited, store.paper_count().unwrap());
        assert_eq!(store.all_rows().unwrap().len(), visited);
    }
}

#[test]
fn recycling_the_body_db_keeps_every_paper_readable_and_writable() {
    let dir = TempDir::new().unwrap();
    let store = open(&dir);
    let first = paper("2504.00001", day(2025, 4, 30));
    store.apply(vec![first.clone()], day(2025, 4, 30)).unwrap();

    // Idle: nothing else holds the body Db, so it closes, and the next read opens it again.
    assert!(store.recycle_body().unwrap());
    assert_eq!(store.paper(&first.id).unwrap(), Some(first.clone()));

    // A write after a recycle lands, and a clone of the handle sees it.
    assert!(store.recycle_body().unwrap());
    let second = paper("2504.00002", day(2025, 4, 30));
    store.apply(vec![second.clone()], day(2025, 4, 30)).unwrap();
    let clone = store.clone();
    assert!(clone.recycle_body().unwrap());
    assert_eq!(clone.paper(&second.id).unwrap(), Some(second));
    let mut seen = Vec::new();
    store
        .for_each_paper(&mut |paper| seen.push(paper.id.to_string()))
        .unwrap();
    seen.sort();
    assert_eq!(seen, ["2504.00001", "2504.00002"]);

    // A pass over every body closes the Db after itself; closed, the store reopens as it was.
    assert!(!store.recycle_body().unwrap(), "the pass left it open");
    drop((store, clone));
    let store = open(&dir);
    assert_eq!(store.paper(&first.id).unwrap(), Some(first));
}
