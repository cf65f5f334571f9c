//! The list's views (a day, this week, HF's week/month/trending/search, all, starred, unread,
//! For you, saved queries, one source): which rows each shows, in what order, and what it is
//! called.

use chrono::{Days, NaiveDate};

use super::catalog::Catalog;
use super::hf_views::HfView;
use crate::config::ViewConfig;
use crate::model::SourceId;
use crate::query::{Query, QueryError, SortOrder};

/// A `[[views]]` entry of the config: a named query, shown in the filter pane.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SavedView {
    pub name: String,
    /// The query as written in the config.
    pub text: String,
    pub query: Query,
    /// The order the view opens in (relevance when its query has words, else newest).
    pub sort: Option<SortOrder>,
    /// Whether a sync bringing it new papers sends a notification.
    pub notify: bool,
}

impl SavedView {
    /// The view a `[[views]]` entry lists, with its name made safe to draw and its query parsed.
    pub fn from_config(entry: &ViewConfig) -> Result<SavedView, QueryError> {
        Ok(SavedView {
            name: crate::text::sanitize_line(&entry.name),
            text: entry.query.clone(),
            query: entry.parsed_query()?,
            sort: entry.sort,
            notify: entry.notify,
        })
    }

    /// The config's saved views, parsed (entries whose query does not parse are left out;
    /// `Config::parse` has already refused those in a file).
    pub fn all_from_config(entries: &[ViewConfig]) -> Vec<SavedView> {
        entries
            .iter()
            .filter_map(|entry| SavedView::from_config(entry).ok())
            .collect()
    }
}

/// What the list is showing, before the filter query narrows it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum View {
    /// One day's papers; the reader opens on the latest day that has any.
    Day(NaiveDate),
    /// The seven days up to the latest day with papers.
    Week,
    All,
    /// The read-later list, most recently starred first.
    Starred,
    Unread,
    /// Unread papers like the starred ones, best first.
    ForYou,
    Saved(Box<SavedView>),
    Source(SourceId),
    /// One of HF's ranked lists, in HF's order.
    Hf(HfView),
}

impl View {
    /// The view's name in the list title and the filter pane.
    pub fn name(&self, today: NaiveDate) -> String {
        match self {
            View::Day(day) if *day == today => "Today".to_string(),
            View::Day(day) if Some(*day) == today.checked_sub_days(Days::new(1)) => {
                "Yesterday".to_string()
            }
            View::Day(day) => day.format("%a %b %-d, %Y").to_string(),
            View::Week => "This week".to_string(),
            View::All => "All".to_string(),
            View::Starred => "Starred".to_string(),
            View::Unread => "Unread".to_string(),
            View::ForYou => "For you".to_string(),
            View::Saved(saved) => saved.name.clone(),
            View::Source(id) => id.badge().to_string(),
            View::Hf(view) => view.name().to_string(),
        }
    }

    /// Row indices of `catalog` this view shows, in display order; saved queries count dates
    /// back from the latest day with papers (the reader passes the real day to `rows_at`).
    pub fn rows(&self, catalog: &Catalog) -> Vec<usize> {
        self.rows_at(catalog, catalog.latest_day().unwrap_or_default())
    }

    /// Row indices of `catalog` this view shows on `today`, in display order.
    pub fn rows_at(&self, catalog: &Catalog, today: NaiveDate) -> Vec<usize> {
        let rows = &catalog.rows;
        let mut shown: Vec<usize> = match self {
            View::Day(day) => {
                // Rows are sorted newest day first: the day is one contiguous run.
                let start = rows.partition_point(|r| r.day > *day);
                let end = rows.partition_point(|r| r.day >= *day);
                (start..end).filter(|&i| !rows[i].only_searched()).collect()
            }
            View::Week => {
                let Some(latest) = catalog.latest_day() else {
                    return Vec::new();
                };
                let first = latest.checked_sub_days(Days::new(6)).unwrap_or(latest);
                (0..rows.partition_point(|r| r.day >= first))
                    .filter(|&i| !rows[i].only_searched())
                    .collect()
            }
            View::All => (0..rows.len()).collect(),
            View::Starred => (0..rows.len())
                .filter(|&i| catalog.is_starred(&rows[i].id))
                .collect(),
            View::Unread => (0..rows.len())
                .filter(|&i| !catalog.is_read(&rows[i].id))
                .collect(),
            View::ForYou => {
                let Some(for_you) = &catalog.for_you else {
                    return Vec::new();
                };
                let mut liked: Vec<usize> = (0..rows.len())
                    .filter(|&i| {
                        for_you.score(i) > 0.0
                            && !catalog.is_read(&rows[i].id)
                            && !catalog.is_starred(&rows[i].id)
                    })
                    .collect();
                liked.sort_by(|&a, &b| for_you.score(b).total_cmp(&for_you.score(a)));
                return liked;
            }
            View::Saved(saved) => match saved.query.matching(&catalog.corpus(today)) {
                Some(set) => set.iter().collect(),
                None => (0..rows.len()).collect(),
            },
            View::Source(source) => (0..rows.len())
                .filter(|&i| rows[i].sources().contains(source))
                .collect(),
            View::Hf(view) => match catalog.ranked.get(&view.key(today)) {
                Some(list) => list
                    .ids
                    .iter()
                    .filter_map(|id| catalog.index.get(id))
                    .collect(),
                None => Vec::new(),
            },
        };
        if *self == View::Starred {
            let starred_at = |i: &usize| catalog.state(&rows[*i].id).and_then(|s| s.starred_at);
            shown.sort_by_key(|i| std::cmp::Reverse(starred_at(i)));
        }
        shown
    }

    /// The order the view opens in when the user has not picked one with `S`.
    pub fn default_sort(&self) -> Option<SortOrder> {
        match self {
            View::ForYou => Some(SortOrder::ForYou),
            View::Saved(saved) => saved.sort,
            _ => None,
        }
    }

    /// The view's own query (saved views), which the typed query narrows further.
    pub fn query(&self) -> Option<&Query> {
        match self {
            View::Saved(saved) => Some(&saved.query),
            _ => None,
        }
    }

    /// The built-in views listed in the filter pane, in order (keys 1, 2, 8, 9, 0, 3, 4, 5, 7;
    /// the search's view once there was one), then one per source.
    pub fn builtins(catalog: &Catalog) -> Vec<View> {
        let today = catalog.latest_day().map_or(View::All, View::Day);
        let mut views = vec![
            today,
            View::Week,
            View::Hf(HfView::Week),
            View::Hf(HfView::Month),
            View::Hf(HfView::Trending),
        ];
        if catalog
            .ranked
            .contains_key(crate::source::hf_lists::SEARCH_KEY)
        {
            views.push(View::Hf(HfView::Search));
        }
        views.extend([View::All, View::Starred, View::Unread, View::ForYou]);
        // The search's own view stands for the papers it found.
        let searched = SourceId::hf_search();
        let sources = catalog.sources.iter().filter(|s| **s != searched);
        views.extend(sources.cloned().map(View::Source));
        views
    }
}

#[cfg(test)]
mod tests {
    use std::collections::HashMap;

    use chrono::{TimeZone, Utc};

    use super::*;
    use crate::model::{PaperId, UserState};

    fn row(id: &str, day: (i32, u32, u32), source: SourceId) -> crate::model::ListRow {
        let mut paper = crate::model::Paper::new(
            PaperId::from_stored(id.to_string()),
            format!("Paper {id}"),
            source,
        );
        paper.daily_date = NaiveDate::from_ymd_opt(day.0, day.1, day.2);
        paper.list_row(NaiveDate::MIN)
    }

    fn catalog() -> Catalog {
        let rows = vec![
            row("a", (2025, 4, 30), SourceId::hf()),
            row("b", (2025, 4, 30), SourceId::arxiv()),
            row("c", (2025, 4, 29), SourceId::hf()),
            row("d", (2025, 4, 1), SourceId::hf()),
        ];
        let mut user = HashMap::new();
        let at = |d| Utc.with_ymd_and_hms(2025, 5, d, 0, 0, 0).single();
        user.insert(
            PaperId::from_stored("d".into()),
            UserState {
                starred_at: at(1),
                read: true,
                note: None,
            },
        );
        user.insert(
            PaperId::from_stored("c".into()),
            UserState {
                starred_at: at(2),
                read: false,
                note: None,
            },
        );
        Catalog::new(rows, user, true, None)
    }

    fn ids(catalog: &Catalog, rows: Vec<usize>) -> Vec<&str> {
        rows.into_iter()
            .map(|i| catalog.rows[i].id.as_str())
            .collect()
    }

    #[test]
    fn each_view_selects_its_rows() {
        let c = catalog();
        let day = NaiveDate::from_ymd_opt(2025, 4, 30).unwrap();
        assert_eq!(ids(&c, View::Day(day).rows(&c)).len(), 2);
        assert_eq!(ids(&c, View::Week.rows(&c)), vec!["a", "b", "c"]);
        assert_eq!(View::All.rows(&c).len(), 4);
        assert_eq!(
            ids(&c, View::Starred.rows(&c)),
            vec!["c", "d"],
            "latest star first"
        );
        assert_eq!(ids(&c, View::Unread.rows(&c)), vec!["a", "b", "c"]);
        assert_eq!(ids(&c, View::Source(SourceId::arxiv()).rows(&c)), vec!["b"]);
    }

    #[test]
    fn day_names_are_relative_to_today() {
        let today = NaiveDate::from_ymd_opt(2025, 4, 30).unwrap();
        assert_eq!(View::Day(today).name(today), "Today");
        assert_eq!(
            View::Day(today.pred_opt().unwrap()).name(today),
            "Yesterday"
        );
        assert_eq!(
            View::Day(NaiveDate::from_ymd_opt(2025, 4, 1).unwrap()).name(today),
            "Tue Apr 1, 2025"
        );
    }
}
