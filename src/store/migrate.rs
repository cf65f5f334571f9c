//! Schema versions and the migration step table that brings an older store up to date on open.
//!
//! Version 0 is the layout before this one: a single sled Db in `<data_dir>/cache/` with a
//! `papers` tree (paper id → JSON `Paper`), a `user` tree (paper id → JSON `UserState`) and a
//! `feeds` tree (source id → JSON `FeedState`), and no schema version. Version 1 is the layout
//! described in `store/mod.rs`.

use std::collections::BTreeMap;
use std::path::Path;

use chrono::Utc;

use super::codec;
use super::index::Index;
use super::keys;
use super::write::{self, CommitOrder, WriteContext};
use super::{FeedState, ListDb, StoreError, corrupt, sled_error};
use crate::model::{Paper, PaperId, UserState};

/// The schema this build writes and reads.
pub(super) const CURRENT_VERSION: u32 = 1;

/// The `meta` key holding the schema version as a big-endian u32 (no codec byte: it must stay
/// readable by every version).
const VERSION_KEY: &[u8] = b"schema_version";

/// Where the version-0 layout lived, relative to the data dir.
pub(super) const V0_DIR: &str = "cache";

/// v0 papers are applied in batches of this many, so a big store migrates in bounded memory.
const V0_BATCH: usize = 10_000;

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
const STEPS: &[Step] = &[Step {
    from: 0,
    to: 1,
    run: v0_to_v1,
}];

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
