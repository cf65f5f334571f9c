//! The filter shared by `list` and `export`: which papers a query matches, and their order.

use std::cmp::Ordering;
use std::collections::BTreeSet;

use anyhow::Context;

use crate::clock::Clock;
use crate::model::{ListRow, PaperId};
use crate::store::Store;

/// Ids of the papers a query matches, over the whole cache (abstracts included). A query that
/// does not parse is a usage error.
pub(super) fn query_matches(
    store: &Store,
    query: &str,
) -> anyhow::Result<Result<BTreeSet<PaperId>, String>> {
    let parsed = match crate::query::parse(query) {
        Ok(parsed) => parsed,
        Err(error) => return Ok(Err(format!("query {query:?}: {error}"))),
    };
    let catalog =
        crate::app::runtime::full_catalog(store, true).context("cannot read the paper cache")?;
    let today = Clock::System.today();
    let ids = match parsed.matching(&catalog.corpus(today)) {
        Some(set) => set.iter().map(|row| catalog.rows[row].id.clone()).collect(),
        None => catalog.rows.iter().map(|row| row.id.clone()).collect(),
    };
    Ok(Ok(ids))
}

/// Newest day first; within a day the most upvoted first, then a stable order by id.
pub(super) fn newest_first(a: &ListRow, b: &ListRow) -> Ordering {
    b.day
        .cmp(&a.day)
        .then(b.upvotes.cmp(&a.upvotes))
        .then(a.id.cmp(&b.id))
}
