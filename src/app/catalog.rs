//! The reader's in-memory projection of the store: list rows, user state, days, and the search
//! text. Derived from the store, never written back; rebuilt when the sync task says so.

use std::collections::{BTreeSet, HashMap};

use chrono::NaiveDate;

use super::search::SearchText;
use crate::model::{ListRow, PaperId, SourceId, UserState};

/// What the list can show, loaded from the store.
#[derive(Debug, Default, Clone)]
pub struct Catalog {
    /// Every loaded row, newest day first.
    pub rows: Vec<ListRow>,
    /// Row index by paper id.
    pub index: HashMap<PaperId, usize>,
    /// Days that have papers, newest first.
    pub days: Vec<NaiveDate>,
    /// Sources that listed at least one loaded paper.
    pub sources: BTreeSet<SourceId>,
    pub user: HashMap<PaperId, UserState>,
    /// Aligned with `rows`.
    pub search: SearchText,
    /// False while only the latest day is loaded (the first frame); the rest follows.
    pub complete: bool,
}

impl Catalog {
    /// Builds the projection from rows (any order; sorted here) and user state. The search text
    /// covers titles and authors; `with_abstracts` adds abstracts where known.
    pub fn new(
        mut rows: Vec<ListRow>,
        user: HashMap<PaperId, UserState>,
        complete: bool,
        abstracts: Option<&HashMap<PaperId, String>>,
    ) -> Catalog {
        // Stable: papers that tie keep the store's order, which is the feed's own order
        // (HF lists a day by popularity even when it gives no counts).
        rows.sort_by(|a, b| {
            b.day
                .cmp(&a.day)
                .then_with(|| b.upvotes.unwrap_or(0).cmp(&a.upvotes.unwrap_or(0)))
        });
        rows.dedup_by(|a, b| a.id == b.id);
        let index = rows
            .iter()
            .enumerate()
            .map(|(i, r)| (r.id.clone(), i))
            .collect();
        let mut days: Vec<NaiveDate> = rows.iter().map(|r| r.day).collect();
        days.dedup();
        let sources = rows
            .iter()
            .flat_map(|r| r.sources.iter().cloned())
            .collect();
        let search = SearchText::build(rows.iter().map(|r| {
            (
                r.title.as_str(),
                r.authors.as_slice(),
                abstracts.and_then(|a| a.get(&r.id)).map(String::as_str),
            )
        }));
        Catalog {
            rows,
            index,
            days,
            sources,
            user,
            search,
            complete,
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

    pub fn latest_day(&self) -> Option<NaiveDate> {
        self.days.first().copied()
    }
}
