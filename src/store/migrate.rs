//! Schema versions and the migration step table that brings an older store up to date on open.
//!
//! Version 0 is the layout before this one: a single sled Db in `<data_dir>/cache/` with a
//! `papers` tree (paper id → JSON `Paper`), a `user` tree (paper id → JSON `UserState`) and a
//! `feeds` tree (source id → JSON `FeedState`), and no schema version. Version 1 is the layout
//! described in `store/mod.rs` with every value uncompressed (codec version 1). Version 2 is the
//! same layout with rows and body chunks LZ4-compressed (codec version 2, see `codec.rs`).
//! Version 3 is version 2 read by the new generic-feed reader (issue #14): the same layout, with
//! the HTTP validators of every generic feed dropped once so each is fetched and normalised
//! again in full (a 304 would otherwise keep what the old reader made of it).
//! Version 4 is the same layout where a paper HF lists on several days stays filed under the
//! first of them (`write.rs`); the step drops the HF source's validators once, so its next sync
//! reads every day in full and re-files such papers (a 304 would otherwise leave them where the
//! old rule put them).
//! Version 5 is the same layout after the generic-feed id carry-over was set up (issue #14
//! point 7): a generic feed's paper id hashes the item's guid, else its first link, else its
//! title, and the lenient reader (and the HTML-to-text stage) read those differently from the
//! old one, so some ids change. The store keeps neither the raw guid nor the raw links an id
//! was hashed from, so the step cannot recompute ids offline; it drops each generic feed's
//! validators and records `meta/rekey_pending/<source>`, and the feed's next full sync moves
//! the stars, read flags and notes of re-keyed papers to their new ids through the journal
//! and drops the old records (`rekey.rs` says how papers are matched).
//! Version 6 adds the cached extras of issue #13, all in new trees of the list Db: `hf_lists`
//! (HF's week, month, trending and search lists), `linked` (models, datasets and Spaces citing
//! a paper), `pdfs` (where this machine saved each PDF) and `fulltext` (which papers have a
//! cached full text; the texts themselves live in the lazily opened `<data_dir>/fulltext/` Db).
//! Every one is a cache or per-machine data that starts empty, so the step only creates the
//! trees; the bump exists so an older build refuses a store whose trees it would not keep.

use std::collections::BTreeMap;
use std::path::Path;

use chrono::Utc;

use super::codec;
use super::index::Index;
use super::keys::{self, ChunkKey};
use super::write::{self, CommitOrder, WriteContext};
use super::{FeedState, ListDb, StoreError, corrupt, sled_error};
use crate::model::{Paper, PaperId, SourceId, UserState};

/// The schema this build writes and reads.
pub(super) const CURRENT_VERSION: u32 = 6;

/// The `meta` key holding the schema version as a big-endian u32 (no codec byte: it must stay
/// readable by every version).
const VERSION_KEY: &[u8] = b"schema_version";

/// Where the version-0 layout lived, relative to the data dir.
pub(super) const V0_DIR: &str = "cache";

/// v0 papers are applied in batches of this many, so a big store migrates in bounded memory.
const V0_BATCH: usize = 10_000;

/// v1 chunks are recompressed this many keys to a sled batch, so memory stays bounded.
const V1_BATCH: usize = 512;

/// What a migration step may touch: the data dir and both opened v1 Dbs.
pub(super) struct MigrationContext<'a> {
    pub dir: &'a Path,
    pub list: &'a ListDb,
    pub body: &'a sled::Db,
}

struct Step {
    from: u32,
    to: u32,
    run: fn(&MigrationContext<'_>) -> Result<(), StoreError>,
}

/// Every migration, one version at a time. A step must be safe to re-run after a crash: the
/// version only advances once its step has finished and flushed.
const STEPS: &[Step] = &[
    Step {
        from: 0,
        to: 1,
        run: v0_to_v1,
    },
    Step {
        from: 1,
        to: 2,
        run: v1_to_v2,
    },
    Step {
        from: 2,
        to: 3,
        run: v2_to_v3,
    },
    Step {
        from: 3,
        to: 4,
        run: v3_to_v4,
    },
    Step {
        from: 4,
        to: 5,
        run: v4_to_v5,
    },
    Step {
        from: 5,
        to: 6,
        run: v5_to_v6,
    },
];

/// The version recorded in `meta`, or `None` for a store that has never recorded one.
pub(super) fn stored_version(dir: &Path, meta: &sled::Tree) -> Result<Option<u32>, StoreError> {
    let Some(value) = meta.get(VERSION_KEY).map_err(|e| sled_error(dir, e))? else {
        return Ok(None);
    };
    let bytes: [u8; 4] = value.as_ref().try_into().map_err(|_| {
        corrupt(
            dir,
            format!("meta/schema_version is {} bytes, expected 4", value.len()),
        )
    })?;
    Ok(Some(u32::from_be_bytes(bytes)))
}

pub(super) fn write_version(dir: &Path, list: &ListDb, version: u32) -> Result<(), StoreError> {
    list.meta
        .insert(VERSION_KEY, &version.to_be_bytes())
        .map_err(|e| sled_error(dir, e))?;
    list.db.flush().map_err(|e| sled_error(dir, e))?;
    Ok(())
}

/// True when a version-0 store is waiting to be migrated (or its removal was interrupted).
pub(super) fn has_v0(dir: &Path) -> bool {
    dir.join(V0_DIR).is_dir()
}

/// Runs the steps from `from` up to `to`, recording each version as it is reached.
pub(super) fn migrate(ctx: &MigrationContext<'_>, from: u32, to: u32) -> Result<(), StoreError> {
    let mut version = from;
    while version < to {
        let step = STEPS
            .iter()
            .find(|step| step.from == version)
            .ok_or_else(|| {
                corrupt(
                    ctx.dir,
                    format!("no migration from schema version {version}"),
                )
            })?;
        tracing::info!(dir = %ctx.dir.display(), from = step.from, to = step.to, "migrating store");
        (step.run)(ctx)?;
        write_version(ctx.dir, ctx.list, step.to)?;
        version = step.to;
    }
    Ok(())
}

/// Deletes layouts a finished migration has superseded. Called only once the current version
/// is recorded, so nothing is lost if a previous removal was cut short.
pub(super) fn remove_superseded(dir: &Path) -> Result<(), StoreError> {
    let v0 = dir.join(V0_DIR);
    if v0.is_dir() {
        std::fs::remove_dir_all(&v0).map_err(|source| StoreError::Io {
            dir: dir.to_path_buf(),
            source,
        })?;
    }
    Ok(())
}

/// v0 → v1: every paper into day chunks, user state into buckets, feed state as is.
fn v0_to_v1(ctx: &MigrationContext<'_>) -> Result<(), StoreError> {
    let dir = ctx.dir;
    if !has_v0(dir) {
        // Never clear the v1 trees on the strength of a version number alone.
        return Err(corrupt(
            dir,
            format!("schema version 0 but no {V0_DIR}/ to migrate"),
        ));
    }
    // A crash in an earlier attempt may have left part of the v1 data behind.
    for tree in [&ctx.list.rows, &ctx.list.user, &ctx.list.feeds] {
        tree.clear().map_err(|e| sled_error(dir, e))?;
    }
    ctx.body.clear().map_err(|e| sled_error(dir, e))?;

    let old = sled::Config::new()
        .path(dir.join(V0_DIR))
        .open()
        .map_err(|e| sled_error(dir, e))?;
    let open_tree = |name: &str| old.open_tree(name).map_err(|e| sled_error(dir, e));

    // v0 kept no fetch day; an undated paper is filed under the day it is migrated.
    let fetched_on = Utc::now().date_naive();
    let write_ctx = WriteContext {
        dir,
        list: &ctx.list.db,
        rows: &ctx.list.rows,
        body: ctx.body,
    };
    let mut index = Index::default();
    let mut batch: Vec<Paper> = Vec::new();
    let flush_batch = |batch: Vec<Paper>, index: &mut Index| -> Result<(), StoreError> {
        let (_, writes) = write::plan_apply(&write_ctx, index, batch, fetched_on)?;
        write::commit(&write_ctx, &writes, CommitOrder::BodiesFirst)?;
        for write in &writes {
            write.update_index(index);
        }
        Ok(())
    };
    for entry in open_tree("papers")?.iter() {
        let (key, value) = entry.map_err(|e| sled_error(dir, e))?;
        let paper: Paper = serde_json::from_slice(&value).map_err(|e| {
            corrupt(
                dir,
                format!("v0 paper {}: {e}", String::from_utf8_lossy(&key)),
            )
        })?;
        batch.push(paper);
        if batch.len() >= V0_BATCH {
            flush_batch(std::mem::take(&mut batch), &mut index)?;
        }
    }
    flush_batch(batch, &mut index)?;

    let mut buckets: BTreeMap<[u8; 1], BTreeMap<PaperId, UserState>> = BTreeMap::new();
    for entry in open_tree("user")?.iter() {
        let (key, value) = entry.map_err(|e| sled_error(dir, e))?;
        let id = PaperId::from_stored(String::from_utf8_lossy(&key).into_owned());
        let state: UserState = serde_json::from_slice(&value)
            .map_err(|e| corrupt(dir, format!("v0 user state of {id}: {e}")))?;
        if !state.is_empty() {
            buckets
                .entry(keys::user_bucket(&id))
                .or_default()
                .insert(id, state);
        }
    }
    let mut user_batch = sled::Batch::default();
    for (key, states) in &buckets {
        let value = codec::encode_user_bucket(states)
            .map_err(|e| corrupt(dir, format!("encoding user bucket {}: {e}", key[0])))?;
        user_batch.insert(key, value);
    }
    ctx.list
        .user
        .apply_batch(user_batch)
        .map_err(|e| sled_error(dir, e))?;

    let mut feeds_batch = sled::Batch::default();
    for entry in open_tree("feeds")?.iter() {
        let (key, value) = entry.map_err(|e| sled_error(dir, e))?;
        let state: FeedState = serde_json::from_slice(&value).map_err(|e| {
            corrupt(
                dir,
                format!("v0 feed state of {}: {e}", String::from_utf8_lossy(&key)),
            )
        })?;
        let value = codec::encode_feed_state(&state)
            .map_err(|e| corrupt(dir, format!("encoding feed state: {e}")))?;
        feeds_batch.insert(key, value);
    }
    ctx.list
        .feeds
        .apply_batch(feeds_batch)
        .map_err(|e| sled_error(dir, e))?;
    ctx.list.db.flush().map_err(|e| sled_error(dir, e))?;
    Ok(())
}

/// v1 → v2: every rows and body chunk still in codec version 1 is rewritten compressed, under
/// the same key. Chunks already compressed (an interrupted earlier run) are left alone, so the
/// step can re-run; keys, user state and feed state do not change.
fn v1_to_v2(ctx: &MigrationContext<'_>) -> Result<(), StoreError> {
    let dir = ctx.dir;
    recompress_tree(dir, &ctx.list.rows, "rows", |key, value| {
        codec::compress_rows(value, key.day)
    })?;
    ctx.list.db.flush().map_err(|e| sled_error(dir, e))?;
    recompress_tree(dir, ctx.body, "body", |_, value| {
        codec::compress_body(value)
    })?;
    ctx.body.flush().map_err(|e| sled_error(dir, e))?;
    Ok(())
}

/// The prefix of a generic feed's source id (`SourceId::feed`).
const GENERIC_FEED_PREFIX: &[u8] = b"feed:";

/// v2 → v3: every generic feed forgets its ETag/Last-Modified, so its next sync fetches the
/// whole feed and the new reader normalises every item again (fields it now reads, entries it
/// used to lose). Stars, read flags and notes are keyed by paper id and stay; the id rule
/// (guid, else first link, else title) is unchanged. Re-running the step is harmless.
fn v2_to_v3(ctx: &MigrationContext<'_>) -> Result<(), StoreError> {
    let dir = ctx.dir;
    let mut batch = sled::Batch::default();
    for entry in ctx.list.feeds.scan_prefix(GENERIC_FEED_PREFIX) {
        let (key, value) = entry.map_err(|e| sled_error(dir, e))?;
        let mut state = codec::decode_feed_state(&value).map_err(|e| {
            corrupt(
                dir,
                format!("feed state of {}: {e}", String::from_utf8_lossy(&key)),
            )
        })?;
        if state.validators.is_empty() {
            continue;
        }
        state.validators.clear();
        let value = codec::encode_feed_state(&state)
            .map_err(|e| corrupt(dir, format!("encoding feed state: {e}")))?;
        batch.insert(key, value);
    }
    ctx.list
        .feeds
        .apply_batch(batch)
        .map_err(|e| sled_error(dir, e))?;
    ctx.list.db.flush().map_err(|e| sled_error(dir, e))?;
    Ok(())
}

/// v3 → v4: the HF source forgets its ETag/Last-Modified, so its next sync fetches each day in
/// full and a paper listed on two days is re-filed under the first. Papers, user state and
/// the other sources' state do not change; re-running the step is harmless.
fn v3_to_v4(ctx: &MigrationContext<'_>) -> Result<(), StoreError> {
    let dir = ctx.dir;
    let key = SourceId::hf();
    let Some(value) = ctx
        .list
        .feeds
        .get(key.as_str())
        .map_err(|e| sled_error(dir, e))?
    else {
        return Ok(());
    };
    let mut state = codec::decode_feed_state(&value)
        .map_err(|e| corrupt(dir, format!("feed state of {key}: {e}")))?;
    if state.validators.is_empty() {
        return Ok(());
    }
    state.validators.clear();
    let value = codec::encode_feed_state(&state)
        .map_err(|e| corrupt(dir, format!("encoding feed state of {key}: {e}")))?;
    ctx.list
        .feeds
        .insert(key.as_str(), value)
        .map_err(|e| sled_error(dir, e))?;
    ctx.list.db.flush().map_err(|e| sled_error(dir, e))?;
    Ok(())
}

/// v4 → v5: every generic feed forgets its ETag/Last-Modified and is marked for the id
/// carry-over (`rekey.rs`): its next sync is read in full, and the stars, read flags and notes
/// of papers the feed now lists under a new id move to it. The ids cannot be recomputed here:
/// the store keeps neither an item's raw guid nor its raw links. Re-running the step is
/// harmless (the marks are set again, the validators are already gone).
fn v4_to_v5(ctx: &MigrationContext<'_>) -> Result<(), StoreError> {
    let dir = ctx.dir;
    let mut feeds = sled::Batch::default();
    let mut marks = sled::Batch::default();
    for entry in ctx.list.feeds.scan_prefix(GENERIC_FEED_PREFIX) {
        let (key, value) = entry.map_err(|e| sled_error(dir, e))?;
        let source = SourceId::from_stored(String::from_utf8_lossy(&key).into_owned());
        marks.insert(super::rekey::pending_key(&source), &[][..]);
        let mut state = codec::decode_feed_state(&value)
            .map_err(|e| corrupt(dir, format!("feed state of {source}: {e}")))?;
        if state.validators.is_empty() {
            continue;
        }
        state.validators.clear();
        let value = codec::encode_feed_state(&state)
            .map_err(|e| corrupt(dir, format!("encoding feed state: {e}")))?;
        feeds.insert(key, value);
    }
    ctx.list
        .meta
        .apply_batch(marks)
        .map_err(|e| sled_error(dir, e))?;
    ctx.list
        .feeds
        .apply_batch(feeds)
        .map_err(|e| sled_error(dir, e))?;
    ctx.list.db.flush().map_err(|e| sled_error(dir, e))?;
    Ok(())
}

/// The trees version 6 adds to the list Db (see the module docs).
pub(super) const V6_TREES: [&str; 4] = [
    "hf_lists",
    super::linked::LINKED_TREE,
    super::pdfs::PDFS_TREE,
    super::fulltext::MARKS_TREE,
];

/// v5 → v6: creates the (empty) trees of #13's cached extras.
fn v5_to_v6(ctx: &MigrationContext<'_>) -> Result<(), StoreError> {
    for name in V6_TREES {
        ctx.list
            .db
            .open_tree(name)
            .map_err(|e| sled_error(ctx.dir, e))?;
    }
    ctx.list.db.flush().map_err(|e| sled_error(ctx.dir, e))?;
    Ok(())
}

/// Rewrites every value of `tree` that `recompress` turns into a new value, [`V1_BATCH`] at a
/// time.
fn recompress_tree(
    dir: &Path,
    tree: &sled::Tree,
    what: &str,
    recompress: impl Fn(ChunkKey, &[u8]) -> Result<Option<Vec<u8>>, codec::CodecError>,
) -> Result<(), StoreError> {
    let mut batch = sled::Batch::default();
    let mut pending = 0;
    for entry in tree.iter() {
        let (key_bytes, value) = entry.map_err(|e| sled_error(dir, e))?;
        let key = ChunkKey::from_bytes(&key_bytes).ok_or_else(|| {
            corrupt(
                dir,
                format!("{what} key {key_bytes:?} is not a day/part key"),
            )
        })?;
        let recompressed = recompress(key, &value)
            .map_err(|e| corrupt(dir, format!("{what} chunk {key}: {e}")))?;
        if let Some(new_value) = recompressed {
            batch.insert(key_bytes, new_value);
            pending += 1;
        }
        if pending >= V1_BATCH {
            tree.apply_batch(std::mem::take(&mut batch))
                .map_err(|e| sled_error(dir, e))?;
            pending = 0;
        }
    }
    tree.apply_batch(batch).map_err(|e| sled_error(dir, e))?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeSet;

    use chrono::{DateTime, NaiveDate};

    use super::super::{BODY_CACHE_BYTES, LIST_CACHE_BYTES, Store, Validators, open_db};
    use super::*;
    use crate::model::{ListRow, SourceId};

    fn day(d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(2026, 7, d).unwrap()
    }

    /// 70 papers over three days, so a day has several parts.
    fn papers() -> Vec<Paper> {
        (0..70)
            .map(|n| {
                let id = PaperId::from_stored(format!("2607.{n:05}"));
                let mut paper = Paper::new(id, format!("Paper {n}"), SourceId::arxiv());
                paper.daily_date = Some(day(10 + n % 3));
                paper.abstract_text = format!("Abstract of paper {n}. ").repeat(20);
                paper.authors = vec!["Ada".into(), format!("Author {n}")];
                paper.published = DateTime::from_timestamp(1_780_000_000 + i64::from(n), 0);
                paper
            })
            .collect()
    }

    /// Rewrites every chunk of the store in `dir` as schema v1 wrote it and records version 1.
    fn downgrade_to_v1(dir: &Path) {
        let list = ListDb::open(dir).unwrap();
        let body = open_db(dir, "body", BODY_CACHE_BYTES).unwrap();
        for entry in list.rows.iter() {
            let (key, value) = entry.unwrap();
            let day = ChunkKey::from_bytes(&key).unwrap().day;
            let rows: Vec<ListRow> = codec::decode_rows(&value, day).unwrap();
            list.rows
                .insert(key, codec::encode_rows_plain(rows.iter()).unwrap())
                .unwrap();
        }
        for entry in body.iter() {
            let (key, value) = entry.unwrap();
            let chunk = codec::BodyChunk::parse(&value).unwrap();
            let mut writer = codec::BodyWriter::new();
            for (slot, id) in chunk.ids.iter().enumerate() {
                writer.push_raw(id, chunk.raw(slot)).unwrap();
            }
            body.insert(key, writer.finish_plain().unwrap()).unwrap();
        }
        write_version(dir, &list, 1).unwrap();
        body.flush().unwrap();
    }

    /// The codec version of every rows and body value in `dir`.
    fn codec_versions(dir: &Path) -> BTreeSet<u8> {
        let list = open_db(dir, "list", LIST_CACHE_BYTES).unwrap();
        let body = open_db(dir, "body", BODY_CACHE_BYTES).unwrap();
        let rows = list.open_tree("rows").unwrap();
        rows.iter()
            .chain(body.iter())
            .map(|entry| entry.unwrap().1[0])
            .collect()
    }

    #[test]
    fn a_v1_store_is_migrated_on_open_and_reads_every_paper_row_and_star() {
        let dir = tempfile::TempDir::new().unwrap();
        let papers = papers();
        let starred = &papers[5].id;
        let star_time = DateTime::from_timestamp(1_790_000_000, 0).unwrap();
        let (rows_before, states_before) = {
            let store = Store::open(dir.path()).unwrap();
            store.apply(papers.clone(), day(13)).unwrap();
            store.set_starred(starred, true, star_time).unwrap();
            store.set_read(&papers[6].id, true).unwrap();
            (store.all_rows().unwrap(), store.user_states().unwrap())
        };
        downgrade_to_v1(dir.path());
        assert_eq!(codec_versions(dir.path()), BTreeSet::from([codec::PLAIN]));

        let store = Store::open(dir.path()).unwrap();
        assert_eq!(
            stored_version(dir.path(), &store.inner.list.meta).unwrap(),
            Some(CURRENT_VERSION)
        );
        for paper in &papers {
            assert_eq!(store.paper(&paper.id).unwrap().as_ref(), Some(paper));
        }
        assert_eq!(store.all_rows().unwrap(), rows_before);
        assert_eq!(store.rows_for_day(day(11)).unwrap().len(), 23);
        assert_eq!(store.user_states().unwrap(), states_before);
        assert_eq!(
            store.user_state(starred).unwrap().starred_at,
            Some(star_time)
        );
        let mut visited = 0;
        store.for_each_paper(&mut |_| visited += 1).unwrap();
        assert_eq!(visited, papers.len());
        assert_eq!(store.check().unwrap().papers, papers.len());
        drop(store);

        assert_eq!(
            codec_versions(dir.path()),
            BTreeSet::from([codec::COMPRESSED])
        );
    }

    #[test]
    fn a_v2_store_opens_as_current_with_every_paper_and_star_and_hf_refetches_in_full() {
        let dir = tempfile::TempDir::new().unwrap();
        let papers = papers();
        let starred = &papers[5].id;
        let star_time = DateTime::from_timestamp(1_790_000_000, 0).unwrap();
        let validators = Validators {
            etag: Some("\"v1\"".into()),
            last_modified: None,
        };
        let with_validators = FeedState {
            validators: BTreeMap::from([("https://h/x".to_string(), validators)]),
            last_new: 3,
            ..FeedState::default()
        };
        let feed = SourceId::feed("blog");
        let (rows_before, states_before) = {
            let store = Store::open(dir.path()).unwrap();
            store.apply(papers.clone(), day(13)).unwrap();
            store.set_starred(starred, true, star_time).unwrap();
            store
                .set_feed_state(&SourceId::hf(), &with_validators)
                .unwrap();
            store.set_feed_state(&feed, &with_validators).unwrap();
            write_version(dir.path(), &store.inner.list, 2).unwrap();
            (store.all_rows().unwrap(), store.user_states().unwrap())
        };

        let store = Store::open(dir.path()).unwrap();
        assert_eq!(
            stored_version(dir.path(), &store.inner.list.meta).unwrap(),
            Some(CURRENT_VERSION)
        );
        assert_eq!(store.all_rows().unwrap(), rows_before);
        for paper in &papers {
            assert_eq!(store.paper(&paper.id).unwrap().as_ref(), Some(paper));
        }
        assert_eq!(store.user_states().unwrap(), states_before);
        let hf = store.feed_state(&SourceId::hf()).unwrap();
        assert!(hf.validators.is_empty(), "HF refetches every day in full");
        assert_eq!(hf.last_new, 3, "the rest of HF's state stays");
        // The v2 → v3 step drops a generic feed's validators (the new reader reads it again);
        // the rest of its state stays.
        let mut feed_expected = with_validators.clone();
        feed_expected.validators.clear();
        assert_eq!(store.feed_state(&feed).unwrap(), feed_expected);
        drop(store);

        // Opening again (the step already ran) changes nothing.
        let store = Store::open(dir.path()).unwrap();
        assert_eq!(store.all_rows().unwrap(), rows_before);
    }

    #[test]
    fn a_v4_store_marks_every_generic_feed_for_the_id_carry_over_and_nothing_else() {
        let dir = tempfile::TempDir::new().unwrap();
        let with_validators = FeedState {
            validators: BTreeMap::from([(
                "https://h/x".to_string(),
                Validators {
                    etag: Some("\"e\"".into()),
                    last_modified: None,
                },
            )]),
            ..FeedState::default()
        };
        let blog = SourceId::feed("blog");
        let quiet = SourceId::feed("quiet");
        {
            let store = Store::open(dir.path()).unwrap();
            for source in [&blog, &SourceId::arxiv(), &SourceId::hf()] {
                store.set_feed_state(source, &with_validators).unwrap();
            }
            store.set_feed_state(&quiet, &FeedState::default()).unwrap();
            write_version(dir.path(), &store.inner.list, 4).unwrap();
        }
        let store = Store::open(dir.path()).unwrap();
        for (source, marked) in [
            (&blog, true),
            (&quiet, true),
            (&SourceId::arxiv(), false),
            (&SourceId::hf(), false),
        ] {
            assert_eq!(
                store.begin_rekey(source).unwrap().is_some(),
                marked,
                "{source}"
            );
            let validators = store.feed_state(source).unwrap().validators;
            assert_eq!(validators.is_empty(), marked, "{source}");
        }
    }

    #[test]
    fn a_v5_store_opens_as_v6_with_its_papers_and_stars_and_the_extras_trees_empty() {
        let dir = tempfile::TempDir::new().unwrap();
        let papers = papers();
        let starred = papers[0].id.clone();
        let rows_before = {
            let store = Store::open(dir.path()).unwrap();
            store.apply(papers.clone(), day(13)).unwrap();
            store.set_starred(&starred, true, Utc::now()).unwrap();
            // A v5 store has none of the trees v6 adds.
            for name in V6_TREES {
                store.inner.list.db.drop_tree(name).unwrap();
            }
            write_version(dir.path(), &store.inner.list, 5).unwrap();
            store.all_rows().unwrap()
        };
        let store = Store::open(dir.path()).unwrap();
        let version = stored_version(dir.path(), &store.inner.list.meta).unwrap();
        assert_eq!(version, Some(6));
        assert_eq!(store.all_rows().unwrap(), rows_before);
        assert!(store.user_state(&starred).unwrap().is_starred());
        let names = store.inner.list.db.tree_names();
        for name in V6_TREES {
            assert!(
                names.iter().any(|n| n.as_ref() == name.as_bytes()),
                "{name}"
            );
            assert!(
                store.inner.list.db.open_tree(name).unwrap().is_empty(),
                "{name}"
            );
        }
        assert!(store.ranked_lists().unwrap().is_empty());
    }

    #[test]
    fn an_interrupted_v1_migration_re_runs_over_a_half_compressed_store() {
        let dir = tempfile::TempDir::new().unwrap();
        let papers = papers();
        Store::open(dir.path())
            .unwrap()
            .apply(papers.clone(), day(13))
            .unwrap();
        downgrade_to_v1(dir.path());
        {
            // Half the body chunks already rewritten, as a crash mid-step leaves them.
            let list = ListDb::open(dir.path()).unwrap();
            let body = open_db(dir.path(), "body", BODY_CACHE_BYTES).unwrap();
            let ctx = MigrationContext {
                dir: dir.path(),
                list: &list,
                body: &body,
            };
            let keys: Vec<_> = body.iter().keys().map(Result::unwrap).collect();
            for key in keys.iter().step_by(2) {
                let value = body.get(key).unwrap().unwrap();
                let compressed = codec::compress_body(&value).unwrap().unwrap();
                body.insert(key, compressed).unwrap();
            }
            body.flush().unwrap();
            assert_eq!(stored_version(ctx.dir, &list.meta).unwrap(), Some(1));
        }
        let store = Store::open(dir.path()).unwrap();
        for paper in &papers {
            assert_eq!(store.paper(&paper.id).unwrap().as_ref(), Some(paper));
        }
        drop(store);
        assert_eq!(
            codec_versions(dir.path()),
            BTreeSet::from([codec::COMPRESSED])
        );
    }

    #[test]
    fn a_v2_store_forgets_generic_feed_validators_and_keeps_papers_and_user_state() {
        use super::super::Validators;
        let dir = tempfile::TempDir::new().unwrap();
        let papers = papers();
        let star_time = DateTime::from_timestamp(1_790_000_000, 0).unwrap();
        let validators = |etag: &str| {
            BTreeMap::from([(
                "https://blog.example/feed.xml".to_string(),
                Validators {
                    etag: Some(etag.to_string()),
                    last_modified: Some("Wed, 30 Apr 2025 08:00:00 GMT".to_string()),
                },
            )])
        };
        let blog = SourceId::feed("blog");
        let states_before = {
            let store = Store::open(dir.path()).unwrap();
            store.apply(papers.clone(), day(13)).unwrap();
            store.set_starred(&papers[5].id, true, star_time).unwrap();
            store.set_read(&papers[6].id, true).unwrap();
            for (id, etag) in [(&blog, "\"b1\""), (&SourceId::arxiv(), "\"a1\"")] {
                let state = FeedState {
                    validators: validators(etag),
                    last_new: 3,
                    ..FeedState::default()
                };
                store.set_feed_state(id, &state).unwrap();
            }
            // Today's format: schema v2.
            write_version(dir.path(), &store.inner.list, 2).unwrap();
            store.user_states().unwrap()
        };

        let store = Store::open(dir.path()).unwrap();
        assert_eq!(
            stored_version(dir.path(), &store.inner.list.meta).unwrap(),
            Some(CURRENT_VERSION)
        );
        let blog_state = store.feed_state(&blog).unwrap();
        assert!(blog_state.validators.is_empty(), "fetched whole again");
        assert_eq!(blog_state.last_new, 3, "the rest of the state stays");
        assert_eq!(
            store.feed_state(&SourceId::arxiv()).unwrap().validators,
            validators("\"a1\""),
            "arXiv and HF are read as before"
        );
        for paper in &papers {
            assert_eq!(store.paper(&paper.id).unwrap().as_ref(), Some(paper));
        }
        assert_eq!(store.user_states().unwrap(), states_before);
    }
}
