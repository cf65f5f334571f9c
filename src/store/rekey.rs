//! Re-keying generic-feed papers whose id the feed reader now computes differently (schema v5,
//! issue #14 point 7): the carry-over of stars, read flags and notes from a paper's old id to
//! its new one, run once per generic feed at its first full sync after the upgrade.
//!
//! Why at a sync and not in the migration: a generic feed's paper id hashes the item's guid,
//! else its first link, else its title, as the reader of the day read them; the store keeps
//! neither the raw guid nor the raw link list, only the normalised title and the vetted `abs`
//! link, so the old → new mapping cannot be recomputed offline. The v4 → v5 step therefore
//! only drops each generic feed's validators (so it is fetched in full) and records a
//! `rekey_pending/<source>` key in `meta`. The next sync of that feed notes every paper it
//! reads ([`RekeyPass::note`]); once the whole body is stored, [`Store::finish_rekey`] matches
//! each old paper of the feed that carries user state and that the feed no longer produces to
//! the paper now listed in its place:
//!
//! - by the `abs` link when both have one, else by the title when the links do not contradict
//!   (one side has none); a match must be unique both ways, else nothing moves (logged);
//! - the user state moves through the journal like any user change (set on the new id, cleared
//!   on the old, each fsynced), so other machines and a store rebuilt from the journal follow;
//! - the old record is dropped (it is the same item under its former key);
//! - the pending key is removed last, so a crash part-way re-runs the pass (merging is
//!   idempotent: a star keeps the earlier time, read stays read, notes are not repeated).
//!
//! Old papers without user state whose id changed stay as they are (a stale duplicate of the
//! item, dropped by retention like any item a feed no longer lists): finding them would mean a
//! scan of every row per feed, for nothing the user made.

use std::collections::{HashMap, HashSet};
use std::sync::PoisonError;

use chrono::Utc;

use super::write::{self, ChunkWrite, CommitOrder};
use super::{Store, StoreError, serialise, sled_error};
use crate::journal::Change;
use crate::model::{Paper, PaperId, SourceId, UserState};

/// The `meta` key prefix marking a feed whose carry-over has not run yet.
const PENDING_PREFIX: &str = "rekey_pending/";

/// The `meta` key marking `source`'s carry-over as pending.
pub(super) fn pending_key(source: &SourceId) -> Vec<u8> {
    format!("{PENDING_PREFIX}{source}").into_bytes()
}

/// What one paper of the feed looked like in this sync.
#[derive(Debug)]
struct Seen {
    id: PaperId,
    abs: Option<String>,
    title: String,
}

/// One feed's carry-over, collected while its first sync after the upgrade is stored.
#[derive(Debug)]
pub struct RekeyPass {
    source: SourceId,
    seen: Vec<Seen>,
    seen_ids: HashSet<PaperId>,
}

impl RekeyPass {
    /// Notes the papers of one batch the feed produced (call it for every batch).
    pub fn note(&mut self, papers: &[Paper]) {
        for paper in papers {
            if self.seen_ids.insert(paper.id.clone()) {
                self.seen.push(Seen {
                    id: paper.id.clone(),
                    abs: paper.links.abs.clone(),
                    title: paper.title.clone(),
                });
            }
        }
    }
}

/// What a carry-over did.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct RekeyOutcome {
    /// Papers whose user state moved to their new id (and whose old record was dropped).
    pub carried: usize,
    /// Old papers with user state that matched more than one new paper, or shared one with
    /// another old paper: left as they were.
    pub ambiguous: usize,
}

/// True when `id` is a source-scoped id of `source` (`<source>:<16 hex digits>`).
fn is_scoped_to(id: &PaperId, source: &SourceId) -> bool {
    id.as_str()
        .strip_prefix(source.as_str())
        .and_then(|rest| rest.strip_prefix(':'))
        .is_some_and(|hash| hash.len() == 16 && hash.bytes().all(|b| b.is_ascii_hexdigit()))
}

/// The one paper of `seen` that `old` is now listed as, if exactly one fits.
fn match_of<'s>(old: &Paper, seen: &'s [Seen]) -> Result<Option<&'s Seen>, ()> {
    let unique = |mut found: Vec<&'s Seen>| match found.len() {
        0 => Ok(None),
        1 => Ok(found.pop()),
        _ => Err(()),
    };
    if let Some(abs) = &old.links.abs {
        let by_link: Vec<&Seen> = seen
            .iter()
            .filter(|seen| seen.abs.as_ref() == Some(abs))
            .collect();
        if !by_link.is_empty() {
            return unique(by_link);
        }
    }
    if old.title.is_empty() {
        return Ok(None);
    }
    let by_title: Vec<&Seen> = seen
        .iter()
        .filter(|seen| seen.title == old.title)
        .filter(|seen| seen.abs.is_none() || old.links.abs.is_none())
        .collect();
    unique(by_title)
}

/// The changes that give `target` (its current state) what `carried` holds as well.
fn merge_changes(carried: &UserState, target: &UserState) -> Vec<Change> {
    let mut changes = Vec::new();
    if let Some(starred_at) = carried.starred_at {
        let earliest = target
            .starred_at
            .map_or(starred_at, |at| at.min(starred_at));
        if target.starred_at != Some(earliest) {
            changes.push(Change::Star {
                starred_at: earliest,
            });
        }
    }
    if carried.read && !target.read {
        changes.push(Change::Read);
    }
    if let Some(note) = &carried.note {
        match &target.note {
            None => changes.push(Change::Note(note.clone())),
            Some(existing) if !existing.contains(note.as_str()) => {
                changes.push(Change::Note(format!("{existing}\n\n{note}")));
            }
            Some(_) => {}
        }
    }
    changes
}

/// The changes that clear everything `state` holds.
fn clearing_changes(state: &UserState) -> Vec<Change> {
    let mut changes = Vec::new();
    if state.starred_at.is_some() {
        changes.push(Change::Unstar);
    }
    if state.read {
        changes.push(Change::Unread);
    }
    if state.note.is_some() {
        changes.push(Change::ClearNote);
    }
    changes
}

impl Store {
    /// The carry-over to run while `source` is synced, when the v5 upgrade left one pending for
    /// it; `None` (the usual case) when there is nothing to do.
    pub fn begin_rekey(&self, source: &SourceId) -> Result<Option<RekeyPass>, StoreError> {
        let pending = self
            .inner
            .list
            .meta
            .contains_key(pending_key(source))
            .map_err(|e| sled_error(&self.inner.dir, e))?;
        Ok(pending.then(|| RekeyPass {
            source: source.clone(),
            seen: Vec::new(),
            seen_ids: HashSet::new(),
        }))
    }

    /// Ends a feed's carry-over once its whole body is stored: moves the user state of every
    /// old paper the feed now lists under a new id, drops the old records, and clears the
    /// pending mark. Call it only after a complete, successful ingest.
    pub fn finish_rekey(&self, pass: RekeyPass) -> Result<RekeyOutcome, StoreError> {
        let dir = &self.inner.dir;
        let mut outcome = RekeyOutcome::default();
        let states = self.user_states()?;
        let mut olds: Vec<(PaperId, UserState, Paper)> = Vec::new();
        for (id, state) in states.iter() {
            if state.is_empty() || pass.seen_ids.contains(id) || !is_scoped_to(id, &pass.source) {
                continue;
            }
            if let Some(paper) = self.paper(id)? {
                olds.push((id.clone(), state.clone(), paper));
            }
        }
        // Each new paper may take over from one old paper only.
        let mut matches: Vec<(PaperId, UserState, PaperId)> = Vec::new();
        let mut claimed: HashMap<PaperId, usize> = HashMap::new();
        for (old_id, state, paper) in olds {
            match match_of(&paper, &pass.seen) {
                Ok(Some(seen)) => {
                    *claimed.entry(seen.id.clone()).or_default() += 1;
                    matches.push((old_id, state, seen.id.clone()));
                }
                Ok(None) => {}
                Err(()) => {
                    tracing::warn!(id = %old_id, "re-key: several new papers fit; left as is");
                    outcome.ambiguous += 1;
                }
            }
        }
        let mut dropped: HashSet<PaperId> = HashSet::new();
        for (old_id, state, new_id) in matches {
            if claimed.get(&new_id).copied().unwrap_or(0) > 1 {
                tracing::warn!(id = %old_id, new = %new_id, "re-key: shared by several; left as is");
                outcome.ambiguous += 1;
                continue;
            }
            let now = Utc::now();
            let target = states.get(&new_id).cloned().unwrap_or_default();
            for change in merge_changes(&state, &target) {
                self.update_user(&new_id, now, |_| change)?;
            }
            for change in clearing_changes(&state) {
                self.update_user(&old_id, now, |_| change)?;
            }
            tracing::info!(old = %old_id, new = %new_id, "re-keyed a paper's user state");
            dropped.insert(old_id);
            outcome.carried += 1;
        }
        if !dropped.is_empty() {
            self.drop_papers(&dropped)?;
        }
        self.inner
            .list
            .meta
            .remove(pending_key(&pass.source))
            .map_err(|e| sled_error(dir, e))?;
        self.inner.list.db.flush().map_err(|e| sled_error(dir, e))?;
        Ok(outcome)
    }

    /// Drops the records of `ids` (rows and bodies) in one batch per Db.
    fn drop_papers(&self, ids: &HashSet<PaperId>) -> Result<usize, StoreError> {
        let _writer = serialise(&self.inner.papers_writer);
        let index = self.index()?;
        let body = self.body()?;
        let ctx = self.write_context(&body);
        let (dropped, writes) = {
            let index = index.read().unwrap_or_else(PoisonError::into_inner);
            write::plan_drop(&ctx, &index, ids)?
        };
        write::commit(&ctx, &writes, CommitOrder::RowsFirst)?;
        let mut index = index.write().unwrap_or_else(PoisonError::into_inner);
        for write in &writes {
            write.update_index(&mut index);
        }
        if dropped > 0 {
            self.papers_changed(Some(writes.iter().map(ChunkWrite::day).collect()));
        }
        Ok(dropped)
    }
}

#[cfg(test)]
mod tests {
    use chrono::DateTime;

    use super::*;

    fn seen(id: &str, abs: Option<&str>, title: &str) -> Seen {
        Seen {
            id: PaperId::from_stored(id.to_string()),
            abs: abs.map(str::to_string),
            title: title.to_string(),
        }
    }

    fn old(abs: Option<&str>, title: &str) -> Paper {
        let mut paper = Paper::new(
            PaperId::from_stored("feed:blog:0000000000000001".into()),
            title.to_string(),
            SourceId::feed("blog"),
        );
        paper.links.abs = abs.map(str::to_string);
        paper
    }

    #[test]
    fn a_paper_matches_by_link_else_by_title_where_links_do_not_contradict() {
        let listed = [
            seen("n1", Some("https://b/1"), "One"),
            seen("n2", None, "Two"),
            seen("n3", Some("https://b/3"), "Weekly"),
        ];
        let found = |paper: &Paper| match_of(paper, &listed).map(|s| s.map(|s| s.id.to_string()));
        assert_eq!(
            found(&old(Some("https://b/1"), "Other")),
            Ok(Some("n1".into()))
        );
        assert_eq!(
            found(&old(Some("https://b/2"), "Two")),
            Ok(Some("n2".into()))
        );
        assert_eq!(found(&old(None, "Two")), Ok(Some("n2".into())));
        // Same title, different links: another item, not this one under a new key.
        assert_eq!(found(&old(Some("https://b/old"), "Weekly")), Ok(None));
        let twice = [seen("a", None, "Same"), seen("b", None, "Same")];
        assert_eq!(match_of(&old(None, "Same"), &twice).map(|_| ()), Err(()));
    }

    #[test]
    fn merging_user_state_keeps_the_earlier_star_and_both_notes_once() {
        let early = DateTime::from_timestamp(1_700_000_000, 0);
        let late = DateTime::from_timestamp(1_800_000_000, 0);
        let carried = UserState {
            starred_at: early,
            read: true,
            note: Some("mine".into()),
        };
        let target = UserState {
            starred_at: late,
            read: false,
            note: Some("theirs".into()),
        };
        let mut merged = target.clone();
        for change in merge_changes(&carried, &target) {
            change.apply(&mut merged);
        }
        assert_eq!(merged.starred_at, early);
        assert!(merged.read);
        assert_eq!(merged.note.as_deref(), Some("theirs\n\nmine"));
        assert!(merge_changes(&carried, &merged).is_empty(), "idempotent");
        let mut cleared = carried.clone();
        for change in clearing_changes(&carried) {
            change.apply(&mut cleared);
        }
        assert!(cleared.is_empty());
    }

    #[test]
    fn only_ids_scoped_to_the_feed_are_candidates() {
        let blog = SourceId::feed("blog");
        assert!(is_scoped_to(&PaperId::scoped(&blog, "x"), &blog));
        assert!(!is_scoped_to(
            &PaperId::scoped(&SourceId::feed("blog:x"), "x"),
            &blog
        ));
        assert!(!is_scoped_to(
            &PaperId::from_stored("2501.00001".into()),
            &blog
        ));
    }
}
