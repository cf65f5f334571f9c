//! Paper writes: merging a fetched batch into day chunks (`apply`) and the retention sweep.
//! Each plans its chunk rewrites first, then commits them in one sled batch per Db.
//!
//! A paper HF lists on several days stays filed under the first of them (schema v4): a later
//! listing neither moves it nor counts as a change, so an unchanged sync reports no changes.
//!
//! Commit order: `apply` writes bodies before rows, retention rows before bodies. Either way a
//! kill between the two flushes leaves bodies the rows do not point at (never read, and dropped
//! the next time that chunk is rewritten) or, for a paper that moved day, a listed row whose
//! body is missing until the next sync of that paper rewrites it.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::path::Path;

use chrono::NaiveDate;

use super::codec::{self, BodyChunk, BodyWriter};
use super::index::Index;
use super::keys::{self, ChunkKey, PART_ROWS};
use super::{ApplyOutcome, StoreError, corrupt, sled_error};
use crate::model::{ListRow, Paper, PaperId, SourceId};

/// The Dbs and trees a paper write touches.
pub(super) struct WriteContext<'a> {
    pub dir: &'a Path,
    pub list: &'a super::generation::CountedDb,
    pub rows: &'a sled::Tree,
    pub body: &'a sled::Db,
}

/// One chunk's new contents: `None` values remove the key.
pub(super) struct ChunkWrite {
    key: ChunkKey,
    rows: Option<Vec<u8>>,
    body: Option<Vec<u8>>,
    /// The papers the chunk holds after the write.
    ids: Vec<PaperId>,
    /// Papers dropped from the store altogether (retention).
    dropped: Vec<PaperId>,
}

impl ChunkWrite {
    /// The size of the body value this write stores (0 when it stores none).
    pub fn body_bytes(&self) -> usize {
        self.body.as_ref().map_or(0, Vec::len)
    }

    /// The day of the chunk it rewrites.
    pub fn day(&self) -> NaiveDate {
        self.key.day
    }

    pub fn update_index(&self, index: &mut Index) {
        for id in &self.dropped {
            index.forget(id, self.key);
        }
        index.set_chunk(self.key, self.ids.iter());
    }
}

/// The day a paper is filed under: its own day, or `fallback` when it has none (or one no key
/// can hold, before year 0).
pub(super) fn filing_day(paper: &Paper, fallback: NaiveDate) -> NaiveDate {
    let day = paper.day(fallback);
    if keys::is_fileable(day) {
        day
    } else if keys::is_fileable(fallback) {
        fallback
    } else {
        NaiveDate::default()
    }
}

/// When both the stored record and a new listing of it come from HF's daily lists, the new
/// listing carries the earlier of the two days: HF lists some papers again on a later day, and
/// the paper must stay where it was first listed. (A paper only arXiv listed so far still takes
/// HF's day, as `Paper::merge` rules.)
fn keep_first_listed_day(stored: &Paper, listing: &mut Paper) {
    let hf = SourceId::hf();
    if !stored.sources.contains(&hf) || !listing.sources.contains(&hf) {
        return;
    }
    if let (Some(first), Some(again)) = (stored.daily_date, listing.daily_date) {
        listing.daily_date = Some(first.min(again));
    }
}

fn row_of(paper: &Paper, day: NaiveDate) -> ListRow {
    let mut row = paper.list_row(day);
    row.day = day;
    row
}

struct Entry {
    row: ListRow,
    /// `None` only when a crash left a row without its body; the next merge supplies one.
    paper: Option<Paper>,
    live: bool,
}

#[derive(Default)]
struct WorkingChunk {
    entries: Vec<Entry>,
    slots: HashMap<PaperId, usize>,
    live: usize,
    dirty: bool,
}

impl WorkingChunk {
    /// Adds a paper this batch filed here. It needs no slot: a batch holds each id once, and
    /// only papers found through the index are looked up by id.
    fn push(&mut self, row: ListRow, paper: Paper) {
        self.entries.push(Entry {
            row,
            paper: Some(paper),
            live: true,
        });
        self.live += 1;
        self.dirty = true;
    }

    fn remove(&mut self, slot: usize) {
        if let Some(entry) = self.entries.get_mut(slot)
            && entry.live
        {
            entry.live = false;
            self.slots.remove(&entry.row.id);
            self.live -= 1;
            self.dirty = true;
        }
    }
}

/// Merges `papers` into the chunks they belong in; returns the counts and the chunk rewrites.
pub(super) fn plan_apply(
    ctx: &WriteContext<'_>,
    index: &Index,
    papers: Vec<Paper>,
    fetched_on: NaiveDate,
) -> Result<(ApplyOutcome, Vec<ChunkWrite>), StoreError> {
    let mut plan = ApplyPlan {
        ctx,
        index,
        chunks: BTreeMap::new(),
        outcome: ApplyOutcome::default(),
    };
    for paper in dedupe(papers) {
        match index.locate(&paper.id) {
            Some(key) => plan.merge_existing(key, paper, fetched_on)?,
            None => {
                plan.add(filing_day(&paper, fetched_on), paper)?;
                plan.outcome.new += 1;
            }
        }
    }
    plan.finish()
}

/// Merges repeated listings of one paper within a batch, keeping first-seen order.
fn dedupe(papers: Vec<Paper>) -> Vec<Paper> {
    let distinct: HashSet<&PaperId> = papers.iter().map(|paper| &paper.id).collect();
    if distinct.len() == papers.len() {
        return papers;
    }
    drop(distinct);
    let mut unique: Vec<Paper> = Vec::with_capacity(papers.len());
    let mut seen: HashMap<PaperId, usize> = HashMap::with_capacity(papers.len());
    for paper in papers {
        match seen.get(&paper.id) {
            Some(&slot) => {
                unique[slot].merge(paper);
            }
            None => {
                seen.insert(paper.id.clone(), unique.len());
                unique.push(paper);
            }
        }
    }
    unique
}

struct ApplyPlan<'a> {
    ctx: &'a WriteContext<'a>,
    index: &'a Index,
    chunks: BTreeMap<ChunkKey, WorkingChunk>,
    outcome: ApplyOutcome,
}

impl ApplyPlan<'_> {
    fn merge_existing(
        &mut self,
        key: ChunkKey,
        mut paper: Paper,
        fetched_on: NaiveDate,
    ) -> Result<(), StoreError> {
        let chunk = self.load(key)?;
        let Some(&slot) = chunk.slots.get(&paper.id) else {
            // The index and the rows disagree (they cannot, short of a bug): file it anew.
            self.add(filing_day(&paper, fetched_on), paper)?;
            self.outcome.new += 1;
            return Ok(());
        };
        let entry = &mut chunk.entries[slot];
        if let Some(record) = &entry.paper {
            keep_first_listed_day(record, &mut paper);
        }
        let (record, changed) = match entry.paper.take() {
            Some(mut record) => {
                let changed = record.merge(paper);
                (record, changed)
            }
            None => (paper, true),
        };
        // An undated paper keeps the day it was first filed under, not today's.
        let day = filing_day(&record, key.day);
        let stays = day == key.day;
        if stays {
            if changed {
                entry.row = row_of(&record, day);
                chunk.dirty = true;
            }
            entry.paper = Some(record);
        } else {
            chunk.remove(slot);
            self.add(day, record)?;
        }
        if changed {
            self.outcome.changed += 1;
        }
        Ok(())
    }

    fn add(&mut self, day: NaiveDate, paper: Paper) -> Result<(), StoreError> {
        let key = self.target_chunk(day)?;
        let row = row_of(&paper, day);
        self.load(key)?.push(row, paper);
        Ok(())
    }

    /// The day's last part while it has room, else a new part after it.
    fn target_chunk(&mut self, day: NaiveDate) -> Result<ChunkKey, StoreError> {
        let first = ChunkKey::new(day, 0)
            .ok_or_else(|| corrupt(self.ctx.dir, format!("day {day} cannot be filed")))?;
        let last_working = self
            .chunks
            .range(
                first..=ChunkKey {
                    day,
                    part: u16::MAX,
                },
            )
            .next_back()
            .map(|(key, _)| key.part);
        let Some(last) = last_working.max(self.index.last_part(day)) else {
            return Ok(first);
        };
        let key = ChunkKey { day, part: last };
        let live = match self.chunks.get(&key) {
            Some(chunk) => chunk.live,
            None => self.index.chunk_rows(key).unwrap_or(0),
        };
        if live < PART_ROWS {
            return Ok(key);
        }
        let part = last.checked_add(1).ok_or_else(|| {
            corrupt(
                self.ctx.dir,
                format!("day {day} has more parts than a key can number"),
            )
        })?;
        Ok(ChunkKey { day, part })
    }

    /// The chunk at `key`, decoded once per plan (empty when it does not exist yet).
    fn load(&mut self, key: ChunkKey) -> Result<&mut WorkingChunk, StoreError> {
        if !self.chunks.contains_key(&key) {
            let chunk = read_chunk(self.ctx, key)?;
            self.chunks.insert(key, chunk);
        }
        self.chunks
            .get_mut(&key)
            .ok_or_else(|| corrupt(self.ctx.dir, format!("chunk {key} vanished while planning")))
    }

    /// Encodes every chunk the plan changed, dropping each one's papers as soon as it is done.
    fn finish(self) -> Result<(ApplyOutcome, Vec<ChunkWrite>), StoreError> {
        let dir = self.ctx.dir;
        let mut writes = Vec::new();
        for (key, chunk) in self.chunks.into_iter().filter(|(_, chunk)| chunk.dirty) {
            let live: Vec<Entry> = chunk
                .entries
                .into_iter()
                .filter(|entry| entry.live)
                .collect();
            let (rows, body) = if live.is_empty() {
                (None, None)
            } else {
                encode_chunk(key, &live).map_err(|e| corrupt(dir, e))?
            };
            let ids = live.into_iter().map(|entry| entry.row.id).collect();
            writes.push(ChunkWrite {
                key,
                rows,
                body,
                ids,
                dropped: Vec::new(),
            });
        }
        Ok((self.outcome, writes))
    }
}

type EncodedChunk = (Option<Vec<u8>>, Option<Vec<u8>>);

/// The rows value and body value (absent when no entry has a body) of a non-empty chunk.
fn encode_chunk(key: ChunkKey, live: &[Entry]) -> Result<EncodedChunk, String> {
    let rows = codec::encode_rows(live.iter().map(|entry| &entry.row))
        .map_err(|e| format!("encoding rows chunk {key}: {e}"))?;
    let mut body = BodyWriter::new();
    for paper in live.iter().filter_map(|entry| entry.paper.as_ref()) {
        body.push(paper)
            .map_err(|e| format!("encoding body chunk {key}: {e}"))?;
    }
    if body.is_empty() {
        return Ok((Some(rows), None));
    }
    let body = body
        .finish()
        .map_err(|e| format!("encoding body chunk {key}: {e}"))?;
    Ok((Some(rows), Some(body)))
}

fn read_chunk(ctx: &WriteContext<'_>, key: ChunkKey) -> Result<WorkingChunk, StoreError> {
    let dir = ctx.dir;
    let key_bytes = key.to_bytes();
    let Some(rows_value) = ctx.rows.get(key_bytes).map_err(|e| sled_error(dir, e))? else {
        return Ok(WorkingChunk::default());
    };
    let rows = codec::decode_rows(&rows_value, key.day)
        .map_err(|e| corrupt(dir, format!("rows chunk {key}: {e}")))?;
    let mut papers: HashMap<String, Paper> = HashMap::with_capacity(rows.len());
    if let Some(body_value) = ctx.body.get(key_bytes).map_err(|e| sled_error(dir, e))? {
        let body = BodyChunk::parse(&body_value)
            .map_err(|e| corrupt(dir, format!("body chunk {key}: {e}")))?;
        for slot in 0..body.ids.len() {
            let paper = body.paper(slot).map_err(|e| {
                corrupt(
                    dir,
                    format!("body chunk {key}, paper {}: {e}", body.ids[slot]),
                )
            })?;
            papers.insert(body.ids[slot].to_string(), paper);
        }
    }
    let mut chunk = WorkingChunk::default();
    for row in rows {
        let paper = papers.remove(row.id.as_str());
        chunk.slots.insert(row.id.clone(), chunk.entries.len());
        chunk.entries.push(Entry {
            row,
            paper,
            live: true,
        });
        chunk.live += 1;
    }
    Ok(chunk)
}

/// Drops every paper filed before `cutoff` that is not in `protected`.
pub(super) fn plan_retention(
    ctx: &WriteContext<'_>,
    protected: &HashSet<&str>,
    cutoff: NaiveDate,
) -> Result<(usize, Vec<ChunkWrite>), StoreError> {
    let dir = ctx.dir;
    let Some(end) = ChunkKey::new(cutoff, 0) else {
        return Ok((0, Vec::new()));
    };
    let mut dropped_count = 0;
    let mut writes = Vec::new();
    for entry in ctx.rows.range(..end.to_bytes()) {
        let (key_bytes, rows_value) = entry.map_err(|e| sled_error(dir, e))?;
        let key = ChunkKey::from_bytes(&key_bytes)
            .ok_or_else(|| corrupt(dir, format!("rows key {key_bytes:?} is not a day/part key")))?;
        let rows = codec::decode_rows(&rows_value, key.day)
            .map_err(|e| corrupt(dir, format!("rows chunk {key}: {e}")))?;
        let (kept, dropped): (Vec<ListRow>, Vec<ListRow>) = rows
            .into_iter()
            .partition(|row| protected.contains(row.id.as_str()));
        if dropped.is_empty() {
            continue;
        }
        dropped_count += dropped.len();
        let dropped: Vec<PaperId> = dropped.into_iter().map(|row| row.id).collect();
        let ids: Vec<PaperId> = kept.iter().map(|row| row.id.clone()).collect();
        if kept.is_empty() {
            writes.push(ChunkWrite {
                key,
                rows: None,
                body: None,
                ids,
                dropped,
            });
            continue;
        }
        let rows = codec::encode_rows(kept.iter())
            .map_err(|e| corrupt(dir, format!("encoding rows chunk {key}: {e}")))?;
        let body = kept_bodies(ctx, key, &ids)?;
        writes.push(ChunkWrite {
            key,
            rows: Some(rows),
            body,
            ids,
            dropped,
        });
    }
    Ok((dropped_count, writes))
}

/// Drops the papers `ids` wherever the index files them (a re-keyed paper's old record, see
/// `rekey.rs`). Ids the store does not hold are ignored.
pub(super) fn plan_drop(
    ctx: &WriteContext<'_>,
    index: &Index,
    ids: &HashSet<PaperId>,
) -> Result<(usize, Vec<ChunkWrite>), StoreError> {
    let dir = ctx.dir;
    let chunks: BTreeMap<ChunkKey, ()> = ids
        .iter()
        .filter_map(|id| index.locate(id))
        .map(|key| (key, ()))
        .collect();
    let mut dropped_count = 0;
    let mut writes = Vec::new();
    for key in chunks.into_keys() {
        let Some(rows_value) = ctx
            .rows
            .get(key.to_bytes())
            .map_err(|e| sled_error(dir, e))?
        else {
            continue;
        };
        let rows = codec::decode_rows(&rows_value, key.day)
            .map_err(|e| corrupt(dir, format!("rows chunk {key}: {e}")))?;
        let (dropped, kept): (Vec<ListRow>, Vec<ListRow>) =
            rows.into_iter().partition(|row| ids.contains(&row.id));
        dropped_count += dropped.len();
        let dropped: Vec<PaperId> = dropped.into_iter().map(|row| row.id).collect();
        let kept_ids: Vec<PaperId> = kept.iter().map(|row| row.id.clone()).collect();
        let (rows, body) = if kept.is_empty() {
            (None, None)
        } else {
            let rows = codec::encode_rows(kept.iter())
                .map_err(|e| corrupt(dir, format!("encoding rows chunk {key}: {e}")))?;
            (Some(rows), kept_bodies(ctx, key, &kept_ids)?)
        };
        writes.push(ChunkWrite {
            key,
            rows,
            body,
            ids: kept_ids,
            dropped,
        });
    }
    Ok((dropped_count, writes))
}

/// The body chunk at `key` cut down to `ids`, copying their encoded bytes without decoding.
fn kept_bodies(
    ctx: &WriteContext<'_>,
    key: ChunkKey,
    ids: &[PaperId],
) -> Result<Option<Vec<u8>>, StoreError> {
    let dir = ctx.dir;
    let Some(value) = ctx
        .body
        .get(key.to_bytes())
        .map_err(|e| sled_error(dir, e))?
    else {
        return Ok(None);
    };
    let body =
        BodyChunk::parse(&value).map_err(|e| corrupt(dir, format!("body chunk {key}: {e}")))?;
    let mut writer = BodyWriter::new();
    for id in ids {
        if let Some(slot) = body.position(id) {
            writer
                .push_raw(body.ids[slot], body.raw(slot))
                .map_err(|e| corrupt(dir, format!("encoding body chunk {key}: {e}")))?;
        }
    }
    if writer.is_empty() {
        return Ok(None);
    }
    let value = writer
        .finish()
        .map_err(|e| corrupt(dir, format!("encoding body chunk {key}: {e}")))?;
    Ok(Some(value))
}

/// Which Db a commit writes first.
pub(super) enum CommitOrder {
    BodiesFirst,
    RowsFirst,
}

/// Writes every chunk rewrite as one batch per Db, flushing each before the next.
pub(super) fn commit(
    ctx: &WriteContext<'_>,
    writes: &[ChunkWrite],
    order: CommitOrder,
) -> Result<(), StoreError> {
    if writes.is_empty() {
        return Ok(());
    }
    let mut rows_batch = sled::Batch::default();
    let mut body_batch = sled::Batch::default();
    for write in writes {
        let key = write.key.to_bytes();
        match &write.rows {
            Some(value) => rows_batch.insert(&key, value.as_slice()),
            None => rows_batch.remove(&key),
        }
        match &write.body {
            Some(value) => body_batch.insert(&key, value.as_slice()),
            None => body_batch.remove(&key),
        }
    }
    let write_rows = || -> Result<(), StoreError> {
        ctx.rows
            .apply_batch(rows_batch)
            .map_err(|e| sled_error(ctx.dir, e))?;
        ctx.list.flush().map_err(|e| sled_error(ctx.dir, e))?;
        Ok(())
    };
    let write_bodies = || -> Result<(), StoreError> {
        ctx.body
            .apply_batch(body_batch)
            .map_err(|e| sled_error(ctx.dir, e))?;
        ctx.body.flush().map_err(|e| sled_error(ctx.dir, e))?;
        Ok(())
    };
    super::write_marks::mark("begin");
    let written = match order {
        CommitOrder::BodiesFirst => write_bodies().and_then(|()| write_rows()),
        CommitOrder::RowsFirst => write_rows().and_then(|()| write_bodies()),
    };
    super::write_marks::mark("end");
    written
}

#[cfg(test)]
mod tests {
    use super::super::Store;
    use super::*;

    fn day(d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(2025, 4, d).unwrap()
    }

    fn listing(source: SourceId, on: u32, upvotes: u32) -> Paper {
        let id = PaperId::from_arxiv("2504.00001").unwrap();
        let mut paper = Paper::new(id, "A paper listed twice".into(), source);
        paper.daily_date = Some(day(on));
        paper.upvotes = Some(upvotes);
        paper
    }

    #[test]
    fn a_paper_hf_lists_on_two_days_stays_on_the_first_and_relisting_is_no_change() {
        let dir = tempfile::TempDir::new().unwrap();
        let store = Store::open(dir.path()).unwrap();
        let hf = SourceId::hf;
        // One sync lists it on the 29th and again on the 30th, in either order.
        store.apply(vec![listing(hf(), 30, 5)], day(30)).unwrap();
        let moved = store.apply(vec![listing(hf(), 29, 5)], day(30)).unwrap();
        assert_eq!(
            moved,
            ApplyOutcome { new: 0, changed: 1 },
            "to the first day"
        );
        for _sync in 0..3 {
            for on in [29, 30] {
                let outcome = store.apply(vec![listing(hf(), on, 5)], day(30)).unwrap();
                assert_eq!(
                    outcome,
                    ApplyOutcome::default(),
                    "an unchanged listing of the {on}th"
                );
            }
        }
        assert_eq!(store.rows_for_day(day(29)).unwrap().len(), 1);
        assert!(store.rows_for_day(day(30)).unwrap().is_empty());
        // A real change on the later listing counts, and the paper still stays put.
        let outcome = store.apply(vec![listing(hf(), 30, 9)], day(30)).unwrap();
        assert_eq!(outcome, ApplyOutcome { new: 0, changed: 1 });
        let rows = store.rows_for_day(day(29)).unwrap();
        assert_eq!(rows[0].upvotes(), Some(9));
    }

    #[test]
    fn hf_still_moves_a_paper_only_arxiv_had_listed() {
        let dir = tempfile::TempDir::new().unwrap();
        let store = Store::open(dir.path()).unwrap();
        store
            .apply(vec![listing(SourceId::arxiv(), 28, 0)], day(30))
            .unwrap();
        store
            .apply(vec![listing(SourceId::hf(), 30, 0)], day(30))
            .unwrap();
        assert_eq!(store.rows_for_day(day(30)).unwrap().len(), 1);
        // Later HF listings then keep it on HF's first day, arXiv relistings too.
        store
            .apply(vec![listing(SourceId::hf(), 29, 0)], day(30))
            .unwrap();
        store
            .apply(vec![listing(SourceId::arxiv(), 27, 0)], day(30))
            .unwrap();
        assert_eq!(store.rows_for_day(day(29)).unwrap().len(), 1);
    }
}
