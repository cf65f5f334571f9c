//! Reading papers back: days and their counts, list rows by day or all, one paper's body, and
//! visits over every paper or a day's papers (the body Db opened on demand).

use std::sync::PoisonError;

use super::codec::{self, BodyChunk};
use super::keys::ChunkKey;
use super::queued::assert_off_ui_thread;
use super::{Store, StoreError, Traffic, corrupt, sled_error};
use crate::model::{ListRow, Paper, PaperId};
use chrono::NaiveDate;

impl Store {
    /// The newest day that has papers.
    pub fn latest_day(&self) -> Result<Option<NaiveDate>, StoreError> {
        let last = self
            .inner
            .list
            .rows
            .last()
            .map_err(|e| sled_error(&self.inner.dir, e))?;
        last.map(|(key, _)| self.chunk_key(&key).map(|key| key.day))
            .transpose()
    }

    /// Every day that has papers, newest first, with its paper count.
    pub fn days(&self) -> Result<Vec<(NaiveDate, usize)>, StoreError> {
        let mut days: Vec<(NaiveDate, usize)> = Vec::new();
        for entry in self.inner.list.rows.iter().rev() {
            let (key, value) = entry.map_err(|e| sled_error(&self.inner.dir, e))?;
            let key = self.chunk_key(&key)?;
            let count = codec::row_count(&value)
                .map_err(|e| corrupt(&self.inner.dir, format!("rows chunk {key}: {e}")))?;
            match days.last_mut() {
                Some((day, total)) if *day == key.day => *total += count,
                _ => days.push((key.day, count)),
            }
        }
        Ok(days)
    }

    /// How many papers the store holds.
    pub fn paper_count(&self) -> Result<usize, StoreError> {
        if let Some(index) = self.inner.index.get() {
            return Ok(index
                .read()
                .unwrap_or_else(PoisonError::into_inner)
                .paper_count());
        }
        Ok(self.days()?.iter().map(|(_, count)| count).sum())
    }

    /// The list rows filed under one day, in the order they were first stored.
    pub fn rows_for_day(&self, day: NaiveDate) -> Result<Vec<ListRow>, StoreError> {
        assert_off_ui_thread("a rows read");
        let Some((low, high)) = ChunkKey::day_range(day) else {
            return Ok(Vec::new());
        };
        let mut rows = Vec::new();
        for entry in self.inner.list.rows.range(low..=high) {
            let (key, value) = entry.map_err(|e| sled_error(&self.inner.dir, e))?;
            rows.extend(self.decode_rows(self.chunk_key(&key)?, &value)?);
        }
        Ok(rows)
    }

    /// Every list row, newest day first (within a day, in the order they were first stored).
    pub fn all_rows(&self) -> Result<Vec<ListRow>, StoreError> {
        assert_off_ui_thread("a rows read");
        let mut rows = Vec::new();
        // Chunks come newest first, so a day's parts arrive last part first; they are held
        // back until the day is complete and then appended in part order.
        let mut day_parts: Vec<Vec<ListRow>> = Vec::new();
        let mut current_day = None;
        for entry in self.inner.list.rows.iter().rev() {
            let (key, value) = entry.map_err(|e| sled_error(&self.inner.dir, e))?;
            let key = self.chunk_key(&key)?;
            if current_day != Some(key.day) {
                rows.extend(day_parts.drain(..).rev().flatten());
                current_day = Some(key.day);
            }
            day_parts.push(self.decode_rows(key, &value)?);
        }
        rows.extend(day_parts.drain(..).rev().flatten());
        Ok(rows)
    }

    /// The full record of one paper.
    pub fn paper(&self, id: &PaperId) -> Result<Option<Paper>, StoreError> {
        let key = self
            .index()?
            .read()
            .unwrap_or_else(PoisonError::into_inner)
            .locate(id);
        let Some(key) = key else {
            return Ok(None);
        };
        let dir = &self.inner.dir;
        let Some(value) = self
            .body()?
            .get(key.to_bytes())
            .map_err(|e| sled_error(dir, e))?
        else {
            return Ok(None);
        };
        self.note_body_traffic(Traffic::Read, value.len())?;
        let chunk =
            BodyChunk::parse(&value).map_err(|e| corrupt(dir, format!("body chunk {key}: {e}")))?;
        let Some(slot) = chunk.position(id) else {
            return Ok(None);
        };
        let paper = chunk
            .paper(slot)
            .map_err(|e| corrupt(dir, format!("body chunk {key}, paper {id}: {e}")))?;
        Ok(Some(paper))
    }

    /// Calls `visit` with every full record (for search indexing and export), oldest day first.
    /// The body Db is closed after the pass (see [`Store::end_body_pass`]).
    pub fn for_each_paper(&self, visit: &mut dyn FnMut(&Paper)) -> Result<(), StoreError> {
        let keys = self
            .index()?
            .read()
            .unwrap_or_else(PoisonError::into_inner)
            .chunk_keys();
        self.visit_listed(keys, &mut |paper| visit(&paper))?;
        self.end_body_pass()
    }

    /// The full records filed under `day`, in store order: the catalog reads bodies a day at
    /// a time so that it never holds every abstract at once. Reading the oldest day ends the
    /// catalog's newest-first pass over every day, and closes the body Db after it.
    pub fn papers_for_day(&self, day: NaiveDate) -> Result<Vec<Paper>, StoreError> {
        let (keys, oldest): (Vec<ChunkKey>, bool) = {
            let index = self.index()?.read().unwrap_or_else(PoisonError::into_inner);
            let last = index.last_part(day);
            let keys = (0..=last.unwrap_or(0))
                .filter(|_| last.is_some())
                .map(|part| ChunkKey { day, part })
                .filter(|&key| index.chunk_rows(key).is_some())
                .collect();
            (keys, index.oldest_day() == Some(day))
        };
        let mut papers = Vec::new();
        self.visit_listed(keys, &mut |paper| papers.push(paper))?;
        if oldest {
            self.end_body_pass()?;
        }
        Ok(papers)
    }

    /// After reading every body: closes the body Db (when no other thread holds it), so the
    /// up to `BODY_RECYCLE_READ` bytes of pages sled kept from the pass's last stretch are not
    /// held while the reader sits idle. The next body read opens it again.
    fn end_body_pass(&self) -> Result<(), StoreError> {
        self.recycle_body().map(|_| ())
    }

    /// Hands `visit` every full record of the chunks `keys` that the rows point at.
    pub(super) fn visit_listed(
        &self,
        keys: Vec<ChunkKey>,
        visit: &mut dyn FnMut(Paper),
    ) -> Result<(), StoreError> {
        let index = self.index()?;
        let dir = &self.inner.dir;
        // One `get` per listed chunk rather than a sled iterator: a full iteration keeps every
        // page it touched in memory (1.6 GB at 1M papers, whatever `cache_capacity` says),
        // gets about a third of that, and recycling the Db as it goes bounds it.
        for key in keys {
            let value = self
                .body()?
                .get(key.to_bytes())
                .map_err(|e| sled_error(dir, e))?;
            let Some(value) = value else {
                continue;
            };
            self.note_body_traffic(Traffic::Read, value.len())?;
            let chunk = BodyChunk::parse(&value)
                .map_err(|e| corrupt(dir, format!("body chunk {key}: {e}")))?;
            // Only bodies the rows point at: a crash between the two Dbs' flushes can leave a
            // stray copy behind. The lock is released before `visit` runs, which may call back.
            let listed: Vec<usize> = {
                let index = index.read().unwrap_or_else(PoisonError::into_inner);
                (0..chunk.ids.len())
                    .filter(|&slot| index.locate_str(chunk.ids[slot]) == Some(key))
                    .collect()
            };
            for slot in listed {
                let paper = chunk.paper(slot).map_err(|e| {
                    corrupt(
                        dir,
                        format!("body chunk {key}, paper {}: {e}", chunk.ids[slot]),
                    )
                })?;
                visit(paper);
            }
        }
        Ok(())
    }
}
