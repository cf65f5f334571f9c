//! View counts without listing a view's rows (issue #15): the filter pane's numbers are
//! recounted after every star, read mark and load, on the UI thread, so each count costs what
//! the user state and the catalog's per-source tallies cost, never a pass over every row (at
//! 1M papers the old recount listed and scanned every row once per view).

use chrono::{Days, NaiveDate};

use super::Catalog;
use crate::app::view::View;

impl Catalog {
    /// How many papers `view` counts in the filter pane on `today`: every row it lists, or for
    /// For you and saved views the unread ones. Equal to counting `view.rows_at(…)`.
    pub fn view_count(&self, view: &View, today: NaiveDate) -> usize {
        let rows = &self.rows;
        match view {
            View::Day(day) => {
                rows.partition_point(|r| r.day >= *day) - rows.partition_point(|r| r.day > *day)
            }
            View::Week => match self.latest_day() {
                None => 0,
                Some(latest) => {
                    let first = latest.checked_sub_days(Days::new(6)).unwrap_or(latest);
                    rows.partition_point(|r| r.day >= first)
                }
            },
            View::All => rows.len(),
            View::Starred => self.count_listed(|state| state.is_starred()),
            View::Unread => rows.len() - self.count_listed(|state| state.read),
            View::ForYou => {
                let Some(for_you) = &self.for_you else {
                    return 0;
                };
                let liked = for_you.scores.iter().filter(|&&s| s > 0.0).count();
                // Liked rows the user read or starred are not listed.
                let excluded = self
                    .user
                    .iter()
                    .filter(|(_, state)| state.read || state.is_starred())
                    .filter_map(|(id, _)| self.index.get(id))
                    .filter(|&row| for_you.score(row) > 0.0)
                    .count();
                liked - excluded
            }
            View::Saved(saved) => match saved.query.matching(&self.corpus(today)) {
                Some(set) => {
                    let read = self
                        .user
                        .iter()
                        .filter(|(_, state)| state.read)
                        .filter_map(|(id, _)| self.index.get(id))
                        .filter(|&row| set.contains(row))
                        .count();
                    set.count() - read
                }
                None => rows.len() - self.count_listed(|state| state.read),
            },
            View::Source(source) => self.source_rows.get(source).copied().unwrap_or(0),
            // HF's lists are a few hundred ids: listing them is cheap.
            View::Hf(_) => view.rows_at(self, today).len(),
        }
    }

    /// Listed papers whose user state passes `keep`.
    fn count_listed(&self, keep: impl Fn(&crate::model::UserState) -> bool) -> usize {
        self.user
            .iter()
            .filter(|(id, state)| keep(state) && self.index.contains_key(id))
            .count()
    }
}

#[cfg(test)]
mod tests {
    use std::collections::HashMap;
    use std::sync::Arc;

    use chrono::Utc;

    use super::*;
    use crate::app::view::SavedView;
    use crate::model::{PaperId, SourceId, UserState};
    use crate::query::ForYou;

    #[test]
    fn every_count_equals_the_length_of_the_views_rows() {
        let newest = NaiveDate::from_ymd_opt(2025, 6, 30).unwrap();
        let mut papers: Vec<_> = crate::synth::papers(300, 25, newest).collect();
        for (i, paper) in papers.iter_mut().enumerate() {
            if i % 3 == 0 {
                paper.sources.insert(SourceId::arxiv());
            }
        }
        let rows = papers.iter().map(|p| p.list_row(newest)).collect();
        let mut user = HashMap::new();
        for (i, paper) in papers.iter().enumerate().filter(|(i, _)| i % 7 == 0) {
            user.insert(
                paper.id.clone(),
                UserState {
                    starred_at: (i % 2 == 0).then(Utc::now),
                    read: i % 3 == 0,
                    note: None,
                },
            );
        }
        user.insert(
            PaperId::from_stored("not-listed".into()),
            UserState {
                starred_at: Some(Utc::now()),
                read: true,
                note: None,
            },
        );
        let mut catalog = Catalog::new(rows, user, true, None);
        let starred = catalog.starred_rows();
        catalog.for_you = Some(Arc::new(ForYou::compute(&catalog.text, &starred)));
        let saved = |query: &str| {
            View::Saved(Box::new(
                SavedView::from_config(&crate::config::ViewConfig {
                    name: query.to_string(),
                    query: query.to_string(),
                    sort: None,
                    notify: false,
                })
                .unwrap(),
            ))
        };
        let mut views = View::builtins(&catalog);
        views.push(View::Day(newest.pred_opt().unwrap()));
        views.push(saved("quasicrystal"));
        views.push(saved("is:starred"));
        for view in views {
            let listed = view.rows_at(&catalog, newest);
            let expected = match view {
                View::ForYou | View::Saved(_) => listed
                    .iter()
                    .filter(|&&r| !catalog.is_read(&catalog.rows[r].id))
                    .count(),
                _ => listed.len(),
            };
            assert_eq!(catalog.view_count(&view, newest), expected, "{view:?}");
        }
    }
}
