//! Reading the catalog from the store: the first frame's (the latest day only), the full
//! one with or without abstracts, and the second step that gives a rows-only catalog its
//! abstracts while sharing its rows. Used by the reader's loader and by the CLI alike.
//! Imports `store` and `query` below it; never `ui` or `reader`.

use std::collections::HashMap;
use std::sync::Arc;

use super::{Catalog, CatalogBuilder};
use crate::model::{Paper, PaperId};
use crate::query::{FullTextIndex, RowDetails};
use crate::store::{FirstScreen, Store, StoreError};

/// Reads what the first frame needs: the latest day's rows and the user state. Its cost does
/// not grow with the number of cached papers.
pub fn first_catalog(store: &Store) -> Result<Catalog, StoreError> {
    Ok(catalog_of_first_screen(store.first_screen()?))
}

/// The first catalog from what the first frame reads, from the store or from the first-screen
/// file the reader draws before the store has opened.
pub fn catalog_of_first_screen(screen: FirstScreen) -> Catalog {
    let mut catalog = Catalog::new(screen.rows, screen.user, false, None);
    catalog.ranked = Arc::new(screen.ranked);
    catalog
}

/// Reads the whole projection; with `abstracts`, the text index covers abstracts too and the
/// rows get their details (every category, GitHub stars, summaries).
pub fn full_catalog(store: &Store, abstracts: bool) -> Result<Catalog, StoreError> {
    let papers_version = store.papers_version();
    let rows = store.all_rows()?;
    let user = store.user_states()?;
    let ranked = std::sync::Arc::new(store.ranked_lists()?);
    let mut catalog = if abstracts {
        let mut catalog = add_abstracts(store, CatalogBuilder::new(rows, user, true, true))?;
        catalog.full_text = full_text_index(store, &catalog.full_text)?;
        catalog
    } else {
        Catalog::new(rows, user, true, None)
    };
    catalog.papers_version = papers_version;
    catalog.ranked = ranked;
    Ok(catalog)
}

/// The full-text index with every cached full text: `previous` when it already holds them all,
/// else `previous` plus the ones it lacks (read, reduced to plain text and tokenized one at a
/// time). Slow for many new texts: a background job.
pub fn full_text_index(
    store: &Store,
    previous: &Arc<FullTextIndex>,
) -> Result<Arc<FullTextIndex>, StoreError> {
    let marked = store.full_text_ids()?;
    let missing: Vec<PaperId> = marked
        .iter()
        .filter(|id| !previous.is_indexed(id))
        .cloned()
        .collect();
    if missing.is_empty() && marked.len() == previous.marked().len() {
        return Ok(Arc::clone(previous));
    }
    let texts = missing
        .into_iter()
        .filter_map(|id| match store.full_text(&id) {
            Ok(Some(text)) => Some((id, crate::app::fulltext::plain_text(&text))),
            Ok(None) => None,
            Err(error) => {
                tracing::warn!(%id, %error, "cached full text unreadable; not indexed");
                None
            }
        });
    let mut index = previous.with_docs(texts);
    for id in &marked {
        index.mark(id);
    }
    Ok(Arc::new(index))
}

/// `previous` with the marks of every cached full text (no words added): cheap, for the quick
/// catalog.
pub fn full_text_marks(
    store: &Store,
    previous: &Arc<FullTextIndex>,
) -> Result<Arc<FullTextIndex>, StoreError> {
    let marked = store.full_text_ids()?;
    if marked.iter().all(|id| previous.has(id)) {
        return Ok(Arc::clone(previous));
    }
    let mut index = FullTextIndex::clone(previous);
    for id in &marked {
        index.mark(id);
    }
    Ok(Arc::new(index))
}

/// The catalog of `quick`'s rows (a [`full_catalog`] without abstracts) with their abstracts
/// and details, sharing its rows instead of reading and holding them a second time. Papers
/// stored since `quick` was read come with the next load (every sync asks for one).
pub fn catalog_with_abstracts(store: &Store, quick: &Catalog) -> Result<Catalog, StoreError> {
    let user = store.user_states()?;
    let mut catalog = add_abstracts(store, CatalogBuilder::adding_abstracts(quick, user))?;
    catalog.papers_version = quick.papers_version;
    catalog.ranked = std::sync::Arc::clone(&quick.ranked);
    Ok(catalog)
}

fn add_abstracts(store: &Store, mut builder: CatalogBuilder) -> Result<Catalog, StoreError> {
    // Per machine and few: read whole, for `has:pdf` and `has:model`/`dataset`/`space`.
    let pdfs = store.existing_pdfs()?;
    let linked = store.all_linked_repos()?;
    let details_of = |paper: &Paper| {
        let mut details = RowDetails::of(paper);
        details.has_pdf = pdfs.contains_key(&paper.id);
        if let Some(linked) = linked.get(&paper.id) {
            details.linked = [
                !linked.models.is_empty(),
                !linked.datasets.is_empty(),
                !linked.spaces.is_empty(),
            ];
        }
        details
    };
    // A day at a time: rows come newest day first, so each day's bodies are read, indexed in
    // catalog order and dropped before the next day's (never every abstract at once).
    while let Some(day) = builder.next_row().map(|row| row.day) {
        let mut papers: HashMap<PaperId, Paper> = store
            .papers_for_day(day)?
            .into_iter()
            .map(|paper| (paper.id.clone(), paper))
            .collect();
        while let Some(row) = builder.next_row().filter(|row| row.day == day) {
            match papers.remove(&row.id) {
                Some(paper) => builder.push(Some(&paper.abstract_text), Some(details_of(&paper))),
                None => builder.push(None, Some(RowDetails::default())),
            }
        }
    }
    Ok(builder.finish())
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use chrono::NaiveDate;

    use super::*;
    use crate::app::catalog::PaperText;
    use crate::query::IndexField;

    /// The catalog built a day at a time from the store is the one built from a map of every
    /// record: same rows in the same order, same details, same index.
    #[test]
    fn full_catalog_read_a_day_at_a_time_equals_one_built_from_every_record() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(dir.path()).unwrap();
        let newest = NaiveDate::from_ymd_opt(2025, 6, 30).unwrap();
        let mut papers: Vec<Paper> = crate::synth::papers(250, 60, newest).collect();
        // Ties on upvotes keep the store's order within a day.
        for paper in papers.iter_mut().take(30) {
            paper.upvotes = Some(7);
        }
        store.apply(papers, newest).unwrap();

        let catalog = full_catalog(&store, true).unwrap();
        let mut texts = HashMap::new();
        store
            .for_each_paper(&mut |paper| {
                texts.insert(paper.id.clone(), PaperText::of(paper));
            })
            .unwrap();
        let expected = Catalog::new(
            store.all_rows().unwrap(),
            store.user_states().unwrap(),
            true,
            Some(&texts),
        );

        assert_eq!(catalog.rows.len(), 250);
        assert_eq!(catalog.rows, expected.rows);
        assert_eq!(catalog.details, expected.details);
        assert_eq!(catalog.days.len(), 5);
        assert!(catalog.text.has_abstracts);
        for row in 0..catalog.rows.len() {
            for field in IndexField::ALL {
                assert_eq!(
                    catalog.text.row_text(field, row),
                    expected.text.row_text(field, row)
                );
            }
        }
        let lg: Vec<&Arc<str>> = catalog
            .details
            .iter()
            .flat_map(|d| d.categories.iter())
            .filter(|c| c.as_ref() == "cs.LG")
            .collect();
        assert!(lg.len() > 1);
        assert!(
            lg.iter().all(|c| Arc::ptr_eq(c, lg[0])),
            "rows share one copy of a category name"
        );
        let seventh = crate::synth::paper(7, 60, newest).id;
        let row = catalog.index.get(&seventh).unwrap();
        assert!(
            String::from_utf8_lossy(&catalog.text.row_text(IndexField::Abstract, row))
                .contains("quasicrystal"),
            "each row is indexed with its own abstract"
        );

        // The reader's second pass: the quick catalog's rows, given their abstracts, shared.
        let quick = full_catalog(&store, false).unwrap();
        assert!(!quick.text.has_abstracts);
        let shared = catalog_with_abstracts(&store, &quick).unwrap();
        assert!(shared.rows.ptr_eq(&quick.rows), "the rows are shared");
        assert!(shared.index.ptr_eq(&quick.index));
        assert_eq!(shared.rows, catalog.rows);
        assert_eq!(shared.details, catalog.details);
        assert!(shared.text.has_abstracts);
        for row in 0..catalog.rows.len() {
            assert_eq!(
                shared.text.row_text(IndexField::Abstract, row),
                catalog.text.row_text(IndexField::Abstract, row)
            );
        }
    }
}
