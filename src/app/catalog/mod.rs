//! The reader's in-memory projection of the store: list rows, user state, days, per-row details
//! (categories, GitHub stars, summaries), the text index the query language runs on, and the For
//! you scores. Derived from the store, never written back; rebuilt when the sync task says so.

mod counts;
mod load;
mod refresh;

use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet};
use std::sync::Arc;

use chrono::NaiveDate;

use crate::model::{ListRow, Paper, PaperId, SourceId, UserState};
use crate::query::{Corpus, ForYou, IndexDoc, RowDetails, TextIndex, TextIndexBuilder};
use crate::rowstore::{NewestFirst, RowIndex, RowStore};
use crate::store::RankedList;

pub use load::{
    catalog_of_first_screen, catalog_with_abstracts, first_catalog, full_catalog, full_text_index,
    full_text_marks,
};
pub use refresh::{Refresh, refreshed_catalog};

/// What the catalog keeps of a full record beyond its list row.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct PaperText {
    pub abstract_text: String,
    pub details: RowDetails,
}

impl PaperText {
    pub fn of(paper: &Paper) -> PaperText {
        PaperText {
            abstract_text: paper.abstract_text.clone(),
            details: RowDetails::of(paper),
        }
    }
}

/// What the list can show, loaded from the store.
#[derive(Debug, Default, Clone)]
pub struct Catalog {
    /// Every loaded row, newest day first, in `Arc`-shared chunks: shared with the catalog
    /// that replaces this one when only abstracts are added (see
    /// [`CatalogBuilder::adding_abstracts`]), and chunk by chunk with the one a refresh makes.
    pub rows: RowStore<ListRow>,
    /// Row index by paper id; shared like `rows` (a base and a delta, see [`RowIndex`]).
    pub index: RowIndex,
    /// Days that have papers, newest first (papers only HF's search found do not count).
    pub days: Vec<NaiveDate>,
    /// HF's ranked lists (week, month, trending, the last search) by store key.
    pub ranked: Arc<BTreeMap<String, RankedList>>,
    /// Sources that listed at least one loaded paper.
    pub sources: BTreeSet<SourceId>,
    /// How many loaded papers each source listed (the filter pane's counts).
    pub source_rows: BTreeMap<SourceId, usize>,
    pub user: HashMap<PaperId, UserState>,
    /// Aligned with `rows` once full records are loaded; empty before. Shared like `rows`, so
    /// a clone of the catalog is cheap (the loader keeps one to refresh from).
    pub details: RowStore<RowDetails>,
    /// Titles, authors and (once loaded) abstracts, aligned with `rows`. Shared with background
    /// For you jobs.
    pub text: Arc<TextIndex>,
    /// For you scores for this catalog's rows and the current stars; `None` while (re)computed.
    pub for_you: Option<Arc<ForYou>>,
    /// False while only the latest day is loaded (the first frame); the rest follows.
    pub complete: bool,
    /// The store's `papers_version` from before these rows were read: the catalog holds every
    /// paper change up to it (the reader's server checks this before answering from it).
    pub papers_version: u64,
    /// Which papers have a cached full text, and their words once indexed (in the background,
    /// see `load.rs`); shared with the catalog that replaces this one.
    pub full_text: Arc<crate::query::FullTextIndex>,
}

/// Builds a [`Catalog`] a row at a time in catalog order (newest day first), so the full
/// records can be read and indexed a day at a time instead of all held at once.
pub struct CatalogBuilder {
    rows: RowStore<ListRow>,
    /// The row index of a catalog over the same rows, when there is one.
    index: Option<RowIndex>,
    user: HashMap<PaperId, UserState>,
    complete: bool,
    /// `None` when the catalog is built without full records (no details at all).
    details: Option<NewestFirst<RowDetails>>,
    /// Every category name and every list of them seen, so rows share one copy of each (at
    /// 1M papers a list per row cost ~50 MB; there are a few thousand distinct lists).
    categories: HashSet<Arc<str>>,
    category_lists: HashSet<Arc<[Arc<str>]>>,
    text: TextIndexBuilder,
}

/// Catalog order: newest day first, then most upvoted. Stable: papers that tie keep the
/// store's order, which is the feed's own order (HF lists a day by popularity even when it
/// gives no counts).
pub(crate) fn sort_rows(rows: &mut [ListRow]) {
    rows.sort_by(|a, b| {
        b.day
            .cmp(&a.day)
            .then_with(|| b.upvotes().unwrap_or(0).cmp(&a.upvotes().unwrap_or(0)))
    });
}

/// How many rows each source listed.
pub(crate) fn source_rows<'a>(
    rows: impl Iterator<Item = &'a ListRow>,
) -> BTreeMap<SourceId, usize> {
    let mut counts: BTreeMap<SourceId, usize> = BTreeMap::new();
    for row in rows {
        for source in row.sources() {
            match counts.get_mut(source) {
                Some(count) => *count += 1,
                None => {
                    counts.insert(source.clone(), 1);
                }
            }
        }
    }
    counts
}

impl CatalogBuilder {
    /// Takes the rows (any order; sorted here). With `full_records`, every row is then given
    /// its abstract and details (or none, when the store has no record for it).
    pub fn new(
        mut rows: Vec<ListRow>,
        user: HashMap<PaperId, UserState>,
        complete: bool,
        full_records: bool,
    ) -> CatalogBuilder {
        sort_rows(&mut rows);
        rows.dedup_by(|a, b| a.id == b.id);
        let details = full_records.then(|| NewestFirst::new(rows.len()));
        CatalogBuilder {
            rows: RowStore::from_newest_first(rows),
            index: None,
            user,
            complete,
            details,
            categories: HashSet::new(),
            category_lists: HashSet::new(),
            text: TextIndexBuilder::new(),
        }
    }

    /// A builder over the rows of `previous` (already sorted), to give them abstracts and
    /// details: the rows and their index are shared, not copied, so the reader holds them once
    /// while the full catalog replaces the quick one (at 1M papers that was ~0.5 GB twice).
    pub fn adding_abstracts(
        previous: &Catalog,
        user: HashMap<PaperId, UserState>,
    ) -> CatalogBuilder {
        CatalogBuilder {
            rows: previous.rows.clone(),
            index: Some(previous.index.clone()),
            user,
            complete: previous.complete,
            details: Some(NewestFirst::new(previous.rows.len())),
            categories: HashSet::new(),
            category_lists: HashSet::new(),
            text: TextIndexBuilder::new(),
        }
    }

    /// The row to add next, or `None` once every row is added.
    pub fn next_row(&self) -> Option<&ListRow> {
        self.rows.get(self.text.rows())
    }

    /// Adds the next row with its abstract and details, when known.
    pub fn push(&mut self, abstract_text: Option<&str>, details: Option<RowDetails>) {
        let Some(row) = self.rows.get(self.text.rows()) else {
            return;
        };
        self.text.push(IndexDoc {
            title: row.title(),
            authors: row.authors(),
            abstract_text,
        });
        if let Some(all) = &mut self.details {
            let mut details = details.unwrap_or_default();
            let names: Vec<Arc<str>> = details
                .categories
                .iter()
                .map(|category| match self.categories.get(category) {
                    Some(shared) => Arc::clone(shared),
                    None => {
                        self.categories.insert(Arc::clone(category));
                        Arc::clone(category)
                    }
                })
                .collect();
            details.categories = match self.category_lists.get(names.as_slice()) {
                Some(shared) => Arc::clone(shared),
                None => {
                    let list: Arc<[Arc<str>]> = names.into();
                    self.category_lists.insert(Arc::clone(&list));
                    list
                }
            };
            all.push(details);
        }
    }

    /// The catalog; rows not added get neither abstract nor details.
    pub fn finish(mut self) -> Catalog {
        while self.next_row().is_some() {
            self.push(None, None);
        }
        let rows = self.rows;
        let index = self.index.unwrap_or_else(|| RowIndex::build(&rows));
        let mut days: Vec<NaiveDate> = rows
            .iter()
            .filter(|r| !r.only_searched())
            .map(|r| r.day)
            .collect();
        days.dedup();
        days.shrink_to_fit();
        let source_rows = source_rows(rows.iter());
        Catalog {
            index,
            days,
            ranked: Arc::default(),
            sources: source_rows.keys().cloned().collect(),
            source_rows,
            user: self.user,
            details: self.details.map(NewestFirst::finish).unwrap_or_default(),
            text: Arc::new(self.text.finish()),
            rows,
            for_you: None,
            complete: self.complete,
            papers_version: 0,
            full_text: Arc::default(),
        }
    }
}

impl Catalog {
    /// Builds the projection from rows (any order; sorted here) and user state. The text index
    /// covers titles and authors; `papers` adds abstracts and details where known.
    pub fn new(
        rows: Vec<ListRow>,
        user: HashMap<PaperId, UserState>,
        complete: bool,
        papers: Option<&HashMap<PaperId, PaperText>>,
    ) -> Catalog {
        let mut builder = CatalogBuilder::new(rows, user, complete, papers.is_some());
        while let Some(row) = builder.next_row() {
            let text = papers.and_then(|papers| papers.get(&row.id));
            builder.push(
                text.map(|t| t.abstract_text.as_str()),
                text.map(|t| t.details.clone()),
            );
        }
        builder.finish()
    }

    /// What the query language evaluates over, with `today` for `since:7d`.
    pub fn corpus(&self, today: NaiveDate) -> Corpus<'_> {
        Corpus {
            rows: &self.rows,
            details: &self.details,
            index: &self.text,
            user: &self.user,
            row_of: &self.index,
            today,
            full_text: Some(&self.full_text),
        }
    }

    pub fn state(&self, id: &PaperId) -> Option<&UserState> {
        self.user.get(id)
    }

    pub fn is_starred(&self, id: &PaperId) -> bool {
        self.user.get(id).is_some_and(UserState::is_starred)
    }

    pub fn is_read(&self, id: &PaperId) -> bool {
        self.user.get(id).is_some_and(|s| s.read)
    }

    pub fn note(&self, id: &PaperId) -> Option<&str> {
        self.user.get(id).and_then(|s| s.note.as_deref())
    }

    pub fn latest_day(&self) -> Option<NaiveDate> {
        self.days.first().copied()
    }

    /// Starred papers no source has brought yet (starred by id from the command line), the
    /// newest star first: the Starred view lists them under its rows, "not fetched yet".
    pub fn starred_not_fetched(&self) -> Vec<&PaperId> {
        if !self.complete {
            // Only the latest day is loaded: every other starred paper would look missing.
            return Vec::new();
        }
        let mut ids: Vec<(&PaperId, &UserState)> = self
            .user
            .iter()
            .filter(|(id, state)| state.is_starred() && !self.index.contains_key(id))
            .collect();
        ids.sort_by(|a, b| b.1.starred_at.cmp(&a.1.starred_at).then(a.0.cmp(b.0)));
        ids.into_iter().map(|(id, _)| id).collect()
    }

    /// Rows of starred papers, for For you.
    pub fn starred_rows(&self) -> Vec<usize> {
        let mut rows: Vec<usize> = self
            .user
            .iter()
            .filter(|(_, s)| s.is_starred())
            .filter_map(|(id, _)| self.index.get(id))
            .collect();
        rows.sort_unstable();
        rows
    }

    /// Records that `id`'s full text is cached now (`has:fulltext`; its words are indexed by
    /// the next catalog load).
    pub fn mark_full_text(&mut self, id: &PaperId) {
        if !self.full_text.has(id) {
            Arc::make_mut(&mut self.full_text).mark(id);
        }
    }

    /// The For you score of a row (0 when not computed).
    pub fn for_you_score(&self, row: usize) -> f32 {
        self.for_you.as_ref().map_or(0.0, |f| f.score(row))
    }
}

#[cfg(test)]
mod tests {
    use chrono::NaiveDate;

    use super::*;

    #[test]
    fn a_catalog_without_records_has_no_details_and_no_abstracts() {
        let newest = NaiveDate::from_ymd_opt(2025, 6, 30).unwrap();
        let rows = crate::synth::papers(10, 5, newest)
            .map(|p| p.list_row(newest))
            .collect();
        let catalog = Catalog::new(rows, HashMap::new(), false, None);
        assert!(catalog.details.is_empty());
        assert!(!catalog.text.has_abstracts);
        assert_eq!(catalog.text.rows(), 10);
        assert_eq!(catalog.days.len(), 2);
    }
}
