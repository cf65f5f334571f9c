//! The incremental refresh (issue #15): a new catalog from the one on screen and the days the
//! store says changed since it was read, instead of reading every row and body again. Only the
//! changed days' rows and bodies are read; the other days' rows are kept as runs, and the text
//! index is spliced (`TextIndex::spliced`), so the result equals a full load of the store (the
//! property test below checks rows, details, days, sources, user state and search results).
//! Imports `store` and `query` below it.

use std::collections::{BTreeSet, HashMap};
use std::sync::Arc;

use chrono::NaiveDate;

use super::{Catalog, sort_rows, source_rows};
use crate::model::{ListRow, Paper, PaperId};
use crate::query::{IndexDoc, RowDetails, SplicePiece};
use crate::rowstore::{OldestFirst, RowIndex, RowStore};
use crate::store::{Store, StoreError};

/// What a refresh found.
#[derive(Debug)]
pub enum Refresh {
    /// The catalog with the changed days read again (or only the user state, when no paper
    /// changed).
    Spliced(Box<Catalog>),
    /// The store cannot say what changed (retention, or too long ago), or `previous` is not a
    /// complete catalog with abstracts: load it in full.
    Full,
}

/// One run of the new catalog's rows.
enum Part {
    /// These rows of the previous catalog.
    Kept(std::ops::Range<usize>),
    /// A changed day's rows as stored now, with their full records.
    Read(Vec<ListRow>, Vec<Option<Paper>>),
}

/// Refreshes `previous` (a complete catalog with abstracts) from `store`.
pub fn refreshed_catalog(store: &Store, previous: &Catalog) -> Result<Refresh, StoreError> {
    if !previous.complete || previous.details.len() != previous.rows.len() {
        return Ok(Refresh::Full);
    }
    let papers_version = store.papers_version();
    let Some(changed) = store.days_changed_since(previous.papers_version) else {
        return Ok(Refresh::Full);
    };
    let started = std::time::Instant::now();
    let user = store.user_states()?;
    // HF's ranked lists are small and change with any sync: read whole.
    let ranked = Arc::new(store.ranked_lists()?);
    if changed.is_empty() {
        return Ok(Refresh::Spliced(Box::new(Catalog {
            user,
            papers_version,
            ranked,
            ..previous.clone()
        })));
    }
    let parts = read_parts(store, previous, &changed)?;
    let read = started.elapsed();
    let mut catalog = spliced(previous, parts, user);
    let splice = started.elapsed() - read;
    // PDFs and linked repos change without a paper write: their marks are set on every row
    // again, as a full load sets them (per machine and few: read whole). Only rows whose marks
    // moved are written, so a kept chunk is copied only when one of its rows changed.
    let pdfs = store.existing_pdfs()?;
    let linked = store.all_linked_repos()?;
    let moved: Vec<(usize, bool, [bool; 3])> = catalog
        .rows
        .iter()
        .zip(catalog.details.iter())
        .enumerate()
        .filter_map(|(at, (row, details))| {
            // Most stores have few PDFs or linked repos: no hashing of every id for none.
            let has_pdf = !pdfs.is_empty() && pdfs.contains_key(&row.id);
            let marks = match linked.is_empty() {
                true => [false; 3],
                false => linked.get(&row.id).map_or([false; 3], |linked| {
                    [
                        !linked.models.is_empty(),
                        !linked.datasets.is_empty(),
                        !linked.spaces.is_empty(),
                    ]
                }),
            };
            (details.has_pdf != has_pdf || details.linked != marks).then_some((at, has_pdf, marks))
        })
        .collect();
    for (at, has_pdf, marks) in moved {
        if let Some(details) = catalog.details.make_mut(at) {
            details.has_pdf = has_pdf;
            details.linked = marks;
        }
    }
    catalog.papers_version = papers_version;
    catalog.ranked = ranked;
    tracing::info!(
        days = changed.len(),
        rows = catalog.rows.len(),
        read_ms = read.as_secs_f64() * 1e3,
        splice_ms = splice.as_secs_f64() * 1e3,
        total_ms = started.elapsed().as_secs_f64() * 1e3,
        "catalog refreshed"
    );
    Ok(Refresh::Spliced(Box::new(catalog)))
}

/// The runs of the new catalog, newest day first: previous rows for unchanged days, the
/// store's rows and bodies for changed ones.
fn read_parts(
    store: &Store,
    previous: &Catalog,
    changed: &BTreeSet<NaiveDate>,
) -> Result<Vec<Part>, StoreError> {
    let rows = &previous.rows;
    // Every day with rows (`previous.days` leaves out papers only HF's search found), found a
    // day at a time by binary search rather than by a pass over every row.
    let mut days: Vec<NaiveDate> = Vec::new();
    let mut at = 0;
    while let Some(row) = rows.get(at) {
        days.push(row.day);
        at = rows.partition_point(|r| r.day >= row.day);
    }
    days.extend(changed);
    days.sort_unstable_by(|a, b| b.cmp(a));
    days.dedup();
    let mut parts: Vec<Part> = Vec::new();
    for day in days {
        if changed.contains(&day) {
            let mut fresh = store.rows_for_day(day)?;
            if fresh.is_empty() {
                continue;
            }
            sort_rows(&mut fresh);
            let mut bodies: HashMap<PaperId, Paper> = store
                .papers_for_day(day)?
                .into_iter()
                .map(|paper| (paper.id.clone(), paper))
                .collect();
            let papers = fresh.iter().map(|row| bodies.remove(&row.id)).collect();
            parts.push(Part::Read(fresh, papers));
            continue;
        }
        // Rows are sorted newest day first: the day is one run.
        let start = rows.partition_point(|r| r.day > day);
        let end = rows.partition_point(|r| r.day >= day);
        match parts.last_mut() {
            Some(Part::Kept(run)) if run.end == start => run.end = end,
            _ if start < end => parts.push(Part::Kept(start..end)),
            _ => {}
        }
    }
    Ok(parts)
}

/// The catalog of `parts`. The rows kept at the old end (the usual sync's shape: new days in
/// front of every older row) keep their positions counted from the oldest row, so their full
/// chunks of rows and details and their row index entries are shared with `previous`; the rest
/// is built anew.
fn spliced(
    previous: &Catalog,
    parts: Vec<Part>,
    user: HashMap<PaperId, crate::model::UserState>,
) -> Catalog {
    let pieces: Vec<SplicePiece<'_>> = parts
        .iter()
        .map(|part| match part {
            Part::Kept(run) => SplicePiece::Kept(run.clone()),
            Part::Read(rows, papers) => SplicePiece::Added(
                rows.iter()
                    .zip(papers)
                    .map(|(row, paper)| IndexDoc {
                        title: row.title(),
                        authors: row.authors(),
                        abstract_text: paper.as_ref().map(|p| p.abstract_text.as_str()),
                    })
                    .collect(),
            ),
        })
        .collect();
    let started = std::time::Instant::now();
    let text = previous.text.spliced(&pieces);
    drop(pieces);
    let index_ms = started.elapsed().as_secs_f64() * 1e3;
    let old_len = previous.rows.len();
    let kept = kept_at_the_old_end(old_len, &parts);
    let mut rows: OldestFirst<ListRow> = OldestFirst::new();
    let mut details: OldestFirst<RowDetails> = OldestFirst::new();
    // Oldest first: the parts are newest first, each part's rows too.
    for part in parts.into_iter().rev() {
        match part {
            Part::Kept(run) => {
                let positions = old_len - run.end..old_len - run.start;
                rows.extend_from(&previous.rows, positions.clone());
                details.extend_from(&previous.details, positions);
            }
            Part::Read(fresh, papers) => {
                for (row, paper) in fresh.into_iter().zip(papers).rev() {
                    rows.push(row);
                    details.push(paper.as_ref().map(RowDetails::of).unwrap_or_default());
                }
            }
        }
    }
    let rows = rows.finish();
    let details = details.finish();
    debug_assert_eq!(rows.len(), text.rows());
    let rows_ms = started.elapsed().as_secs_f64() * 1e3 - index_ms;
    let moved = (old_len - kept) + (rows.len() - kept);
    let (index, source_rows) = match kept > 0 && moved <= rows.len() / 2 {
        true => moved_front(previous, kept, &rows),
        false => (RowIndex::build(&rows), source_rows(rows.iter())),
    };
    let row_index_ms = started.elapsed().as_secs_f64() * 1e3 - index_ms - rows_ms;
    let days = days_of(previous, kept, &rows);
    tracing::debug!(
        index_ms,
        rows_ms,
        row_index_ms,
        days_ms = started.elapsed().as_secs_f64() * 1e3 - index_ms - rows_ms - row_index_ms,
        kept,
        shared_chunks = rows.shared_chunks(&previous.rows),
        "catalog spliced"
    );
    Catalog {
        rows,
        index,
        days,
        sources: source_rows.keys().cloned().collect(),
        source_rows,
        user,
        details,
        text: Arc::new(text),
        for_you: None,
        complete: true,
        papers_version: previous.papers_version,
        full_text: Arc::clone(&previous.full_text),
        ranked: Arc::clone(&previous.ranked),
    }
}

/// The days with papers (not only HF search's), newest first. The rows kept at the old end
/// are whole days older than every other row, so their days are the previous catalog's up to
/// the newest of them: only the rows in front are looked at (each look at a row's sources is a
/// cache miss: ~0.1–0.4 s over 1M rows on a busy machine).
fn days_of(previous: &Catalog, kept: usize, rows: &RowStore<ListRow>) -> Vec<NaiveDate> {
    let front = rows.len() - kept;
    let newest_kept = kept
        .checked_sub(1)
        .and_then(|position| previous.rows.at_position(position))
        .map(|row| row.day);
    let mut days: Vec<NaiveDate> = rows
        .iter()
        .take(if newest_kept.is_some() {
            front
        } else {
            rows.len()
        })
        .filter(|r| !r.only_searched())
        .map(|r| r.day)
        .collect();
    days.dedup();
    if let Some(newest_kept) = newest_kept {
        days.extend(previous.days.iter().filter(|&&day| day <= newest_kept));
        days.dedup();
    }
    days
}

/// How many of the previous rows, counted from the oldest, the new catalog keeps where they
/// were: the last part's run when it reaches the previous catalog's oldest row.
fn kept_at_the_old_end(old_len: usize, parts: &[Part]) -> usize {
    match parts.last() {
        Some(Part::Kept(run)) if run.end == old_len => run.len(),
        _ => 0,
    }
}

/// The row index and per-source tallies of the new `rows` from the previous ones, changed by
/// the rows from position `kept` up (counted from the oldest) that left and came, instead of
/// rebuilt from every row (at 1M papers hashing every id again cost more than the rest of the
/// splice, and cloning the map most of that).
fn moved_front(
    previous: &Catalog,
    kept: usize,
    rows: &RowStore<ListRow>,
) -> (
    RowIndex,
    std::collections::BTreeMap<crate::model::SourceId, usize>,
) {
    let index = previous.index.moved(&previous.rows, rows, kept);
    let mut tallies = previous.source_rows.clone();
    for row in previous.rows.iter().take(previous.rows.len() - kept) {
        for source in row.sources() {
            if let Some(count) = tallies.get_mut(source) {
                *count = count.saturating_sub(1);
            }
        }
    }
    tallies.retain(|_, count| *count > 0);
    for row in rows.iter().take(rows.len() - kept) {
        for source in row.sources() {
            *tallies.entry(source.clone()).or_insert(0) += 1;
        }
    }
    (index, tallies)
}

#[cfg(test)]
mod tests {
    use chrono::{Days, Utc};
    use proptest::prelude::*;

    use super::*;
    use crate::app::catalog::full_catalog;
    use crate::query::{IndexField, RowSet};

    fn newest() -> NaiveDate {
        NaiveDate::from_ymd_opt(2025, 6, 30).unwrap()
    }

    /// One sync's batch: new papers (synthetic numbers past the first load's) and changes to
    /// known ones (upvotes, title, or the day it is filed under).
    #[derive(Debug, Clone)]
    enum Change {
        New { number: usize, day_back: u64 },
        Upvotes { number: usize, upvotes: u32 },
        Title { number: usize, word: &'static str },
        Star { number: usize },
    }

    fn change(known: usize) -> impl Strategy<Value = Change> {
        prop_oneof![
            (known..known + 400, 0u64..12)
                .prop_map(|(number, day_back)| Change::New { number, day_back }),
            (0..known, 0u32..50).prop_map(|(number, upvotes)| Change::Upvotes { number, upvotes }),
            (
                0..known,
                proptest::sample::select(&["quasar", "mixture", "zebra"][..])
            )
                .prop_map(|(number, word)| Change::Title { number, word }),
            (0..known).prop_map(|number| Change::Star { number }),
        ]
    }

    fn paper_of(change: &Change) -> Option<Paper> {
        match *change {
            Change::New { number, day_back } => {
                let mut paper = crate::synth::paper(number, 30, newest());
                paper.daily_date = newest().checked_sub_days(Days::new(day_back));
                Some(paper)
            }
            Change::Upvotes { number, upvotes } => {
                let mut paper = crate::synth::paper(number, 30, newest());
                paper.upvotes = Some(upvotes);
                Some(paper)
            }
            Change::Title { number, word } => {
                let mut paper = crate::synth::paper(number, 30, newest());
                paper.title = format!("{word} {}", paper.title);
                Some(paper)
            }
            Change::Star { .. } => None,
        }
    }

    fn assert_same(spliced: &Catalog, full: &Catalog) {
        assert_eq!(spliced.rows, full.rows);
        assert_eq!(spliced.details, full.details);
        assert_eq!(spliced.days, full.days);
        assert_eq!(spliced.sources, full.sources);
        assert_eq!(spliced.source_rows, full.source_rows);
        assert_eq!(spliced.user, full.user);
        assert_eq!(spliced.index, full.index);
        let rows = full.rows.len();
        for field in IndexField::ALL {
            for row in 0..rows {
                assert_eq!(
                    spliced.text.row_text(field, row),
                    full.text.row_text(field, row)
                );
            }
            for query in ["quasar", "mix", "zebra", "q", "deep learning", "a"] {
                let tokens = crate::query::tokenize::tokens(query);
                let mut a = RowSet::empty(rows);
                let mut b = RowSet::empty(rows);
                spliced.text.matching(field, &tokens, &mut a);
                full.text.matching(field, &tokens, &mut b);
                assert_eq!(a, b, "{field:?} {query}");
                let all = RowSet::full(rows);
                let (mut sa, mut sb) = (vec![0.0; rows], vec![0.0; rows]);
                spliced.text.score(field, &tokens, &all, &mut sa);
                full.text.score(field, &tokens, &all, &mut sb);
                assert!(
                    sa.iter()
                        .zip(&sb)
                        .all(|(x, y)| (x - y).abs() <= 1e-5 * y.abs().max(1.0))
                );
            }
        }
    }

    proptest! {
        // Each case writes a store: few cases, several syncs each.
        #![proptest_config(ProptestConfig::with_cases(12))]

        #[test]
        fn a_refresh_equals_a_full_load_after_random_syncs(
            syncs in proptest::collection::vec(proptest::collection::vec(change(150), 1..25), 1..4),
        ) {
            let dir = tempfile::tempdir().unwrap();
            let store = Store::open(dir.path()).unwrap();
            store.apply(crate::synth::papers(150, 30, newest()).collect(), newest()).unwrap();
            let mut catalog = full_catalog(&store, true).unwrap();
            for batch in &syncs {
                let papers: Vec<Paper> = batch.iter().filter_map(paper_of).collect();
                for change in batch {
                    if let Change::Star { number } = change {
                        let id = crate::synth::paper(*number, 30, newest()).id;
                        store.set_starred(&id, true, Utc::now()).unwrap();
                    }
                }
                if !papers.is_empty() {
                    store.apply(papers, newest()).unwrap();
                }
                let Refresh::Spliced(next) = refreshed_catalog(&store, &catalog).unwrap() else {
                    panic!("the store knows what changed");
                };
                let full = full_catalog(&store, true).unwrap();
                assert_same(&next, &full);
                prop_assert_eq!(next.papers_version, full.papers_version);
                catalog = *next;
            }
        }
    }

    /// The usual sync: new papers on a new newest day and on the newest known one (a kept
    /// tail: the row index and tallies are moved, not rebuilt), then an older day changed.
    #[test]
    fn new_papers_on_the_newest_days_equal_a_full_load() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(dir.path()).unwrap();
        store
            .apply(crate::synth::papers(300, 30, newest()).collect(), newest())
            .unwrap();
        let mut catalog = full_catalog(&store, true).unwrap();
        let tomorrow = newest().checked_add_days(Days::new(1)).unwrap();
        for (round, changes) in [
            vec![Change::New {
                number: 300,
                day_back: 0,
            }],
            vec![Change::Upvotes {
                number: 2,
                upvotes: 40,
            }],
            vec![Change::Title {
                number: 250,
                word: "zebra",
            }],
        ]
        .into_iter()
        .enumerate()
        {
            let mut papers: Vec<Paper> = changes.iter().filter_map(paper_of).collect();
            if round == 0 {
                papers.extend((0..20).map(|i| {
                    let mut paper = crate::synth::paper(400 + i, 30, newest());
                    paper.daily_date = Some(tomorrow);
                    paper
                }));
            }
            store.apply(papers, tomorrow).unwrap();
            let Refresh::Spliced(next) = refreshed_catalog(&store, &catalog).unwrap() else {
                panic!("the store knows what changed");
            };
            let full = full_catalog(&store, true).unwrap();
            assert_same(&next, &full);
            catalog = *next;
        }
    }

    /// Past a chunk of rows: the kept older rows' full chunks (rows and details) and their row
    /// index entries are shared with the previous catalog, not copied, and a PDF mark on an
    /// old row copies only its chunk.
    #[test]
    fn a_refresh_shares_the_kept_chunks_with_the_previous_catalog() {
        use crate::rowstore::CHUNK_ROWS;
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(dir.path()).unwrap();
        let count = 2 * CHUNK_ROWS + 900;
        store
            .apply(
                crate::synth::papers(count, 400, newest()).collect(),
                newest(),
            )
            .unwrap();
        let catalog = full_catalog(&store, true).unwrap();
        let tomorrow = newest().checked_add_days(Days::new(1)).unwrap();
        let papers: Vec<Paper> = (0..30)
            .map(|i| {
                let mut paper = crate::synth::paper(count + i, 400, newest());
                paper.daily_date = Some(tomorrow);
                paper
            })
            .collect();
        store.apply(papers, tomorrow).unwrap();
        let Refresh::Spliced(next) = refreshed_catalog(&store, &catalog).unwrap() else {
            panic!("the store knows what changed");
        };
        assert_same(&next, &full_catalog(&store, true).unwrap());
        assert_eq!(next.rows.shared_chunks(&catalog.rows), 2);
        assert_eq!(next.details.shared_chunks(&catalog.details), 2);
        let oldest = catalog.rows[catalog.rows.len() - 1].id.clone();
        assert_eq!(next.index.get(&oldest), Some(next.rows.len() - 1));

        // A PDF saved for the oldest paper, and one more new paper: the oldest chunk of
        // details is copied for the mark, the middle one still shared.
        let path = dir.path().join("oldest.pdf");
        std::fs::write(&path, b"%PDF").unwrap();
        let saved = crate::store::SavedPdf {
            path,
            saved_at: Utc::now(),
            bytes: 4,
        };
        store.set_saved_pdf(&oldest, &saved).unwrap();
        let mut paper = crate::synth::paper(count + 30, 400, newest());
        paper.daily_date = Some(tomorrow);
        store.apply(vec![paper], tomorrow).unwrap();
        let Refresh::Spliced(marked) = refreshed_catalog(&store, &next).unwrap() else {
            panic!("the store knows what changed");
        };
        assert_same(&marked, &full_catalog(&store, true).unwrap());
        assert!(marked.details[marked.rows.len() - 1].has_pdf);
        assert!(
            !next.details[next.rows.len() - 1].has_pdf,
            "the old catalog is untouched"
        );
        assert_eq!(marked.details.shared_chunks(&next.details), 1);
        assert_eq!(marked.rows.shared_chunks(&next.rows), 2);
    }

    #[test]
    fn retention_or_a_partial_catalog_asks_for_a_full_load() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(dir.path()).unwrap();
        store
            .apply(crate::synth::papers(90, 30, newest()).collect(), newest())
            .unwrap();
        let quick = full_catalog(&store, false).unwrap();
        assert!(matches!(
            refreshed_catalog(&store, &quick).unwrap(),
            Refresh::Full
        ));
        let catalog = full_catalog(&store, true).unwrap();
        store.apply_retention(1, newest()).unwrap();
        assert!(matches!(
            refreshed_catalog(&store, &catalog).unwrap(),
            Refresh::Full
        ));
    }
}
