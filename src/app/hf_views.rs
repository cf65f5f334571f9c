//! The views of HF's ranked lists ("This week (HF)", "This month (HF)", "Trending (HF)",
//! "Search (HF)"): which stored list each shows, when opening one asks the sync task for a
//! fresh copy (off the UI thread), the `?` search typed in the filter input, and what the
//! lists' fetches tell the user. A failed fetch is said in the status line where it was asked
//! for; it never counts in the sync status.

use chrono::{DateTime, NaiveDate, Utc};

use super::msg::Effect;
use super::state::App;
use super::view::View;
use crate::source::hf_lists::{DEFAULT_SEARCH_LIMIT, HfList, SEARCH_KEY};
use crate::sync::SyncCommand;

/// A list cached for less than this opens without asking HF again.
const FRESH_MINUTES: i64 = 15;

/// Which of HF's ranked lists a view shows. Week and month are those of the reader's today.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum HfView {
    Week,
    Month,
    Trending,
    /// The last search (`?query` in the filter input).
    Search,
}

impl HfView {
    pub fn name(self) -> &'static str {
        match self {
            HfView::Week => "This week (HF)",
            HfView::Month => "This month (HF)",
            HfView::Trending => "Trending (HF)",
            HfView::Search => "Search (HF)",
        }
    }

    /// The list to fetch for this view on `today`; a search needs its query, so `None`.
    pub fn list(self, today: NaiveDate) -> Option<HfList> {
        match self {
            HfView::Week => Some(HfList::week_of(today)),
            HfView::Month => Some(HfList::month_of(today)),
            HfView::Trending => Some(HfList::Trending),
            HfView::Search => None,
        }
    }

    /// The store key of the list this view shows on `today`.
    pub fn key(self, today: NaiveDate) -> String {
        self.list(today)
            .map_or_else(|| SEARCH_KEY.to_string(), |list| list.key())
    }

    /// The name the reader remembers the view by.
    pub fn remembered_name(self) -> &'static str {
        match self {
            HfView::Week => "week",
            HfView::Month => "month",
            HfView::Trending => "trending",
            HfView::Search => "search",
        }
    }

    pub fn from_remembered(name: &str) -> Option<HfView> {
        [
            HfView::Week,
            HfView::Month,
            HfView::Trending,
            HfView::Search,
        ]
        .into_iter()
        .find(|view| view.remembered_name() == name)
    }

    /// The HF view a list fills, if one shows it on `today`.
    fn showing(list: &HfList, today: NaiveDate) -> Option<HfView> {
        [
            HfView::Week,
            HfView::Month,
            HfView::Trending,
            HfView::Search,
        ]
        .into_iter()
        .find(|view| match (view.list(today), list) {
            (None, HfList::Search { .. }) => true,
            (Some(shown), list) => shown == *list,
            (None, _) => false,
        })
    }
}

/// What the reader knows of its HF list fetches.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct HfState {
    /// The query sent to HF's search whose answer has not come yet.
    pub pending_search: Option<String>,
    /// The list being fetched for the view on screen, if any.
    pub fetching: Option<HfList>,
}

impl App {
    /// The effects of showing `new` after `old`: an HF list view asks for its list when the
    /// cached one is missing or old, and is watched (fetched again after every sync round)
    /// while it is shown.
    pub(super) fn hf_view_effects(&mut self, old: &View, new: &View) -> Vec<Effect> {
        let today = self.today();
        let list = match new {
            View::Hf(view) => view.list(today),
            _ => None,
        };
        let mut effects = Vec::new();
        if let Some(list) = list {
            let cached = self.catalog.ranked.get(&list.key());
            if cached.is_none_or(|cached| is_stale(cached.fetched_at, self.now)) {
                if cached.is_none() {
                    self.message = Some(fetching_message(&list));
                }
                self.hf.fetching = Some(list.clone());
                effects.push(Effect::Sync(SyncCommand::FetchList(list.clone())));
            }
            effects.push(Effect::Sync(SyncCommand::WatchList(Some(list))));
        } else if matches!(old, View::Hf(view) if view.list(today).is_some()) {
            effects.push(Effect::Sync(SyncCommand::WatchList(None)));
        }
        effects
    }

    /// Enter on a filter query starting with `?`: the rest goes to HF's paper search.
    pub(super) fn submit_hf_search(&mut self) -> Vec<Effect> {
        let text = self
            .query
            .text
            .trim_start()
            .trim_start_matches('?')
            .to_string();
        self.query.text.clear();
        self.query.cursor = 0;
        match HfList::search(&text, DEFAULT_SEARCH_LIMIT) {
            Ok(list) => {
                let query = list.query().unwrap_or_default().to_string();
                self.message = Some(format!("searching Hugging Face for “{query}”…"));
                self.hf.pending_search = Some(query);
                vec![Effect::Sync(SyncCommand::FetchList(list))]
            }
            Err(error) => {
                self.message = Some(format!("not searched: {error}"));
                Vec::new()
            }
        }
    }

    /// A list arrived in the store: re-read it, and say how a search the user is waiting for
    /// went (showing its view).
    pub(super) fn on_list_fetched(&mut self, list: HfList, count: usize) -> Vec<Effect> {
        let mut effects = vec![Effect::LoadCatalog];
        if self.hf.fetching.as_ref() == Some(&list) {
            self.hf.fetching = None;
            // The list is on screen now: "fetching …" would be stale.
            if self.message.as_deref() == Some(fetching_message(&list).as_str()) {
                self.message = None;
            }
        }
        let Some(query) = list.query() else {
            return effects;
        };
        if self.hf.pending_search.as_deref() != Some(query) {
            return effects;
        }
        self.hf.pending_search = None;
        self.message = Some(match count {
            0 => format!("no papers on Hugging Face match “{query}”"),
            1 => format!("1 paper on Hugging Face matches “{query}”"),
            n => format!("{n} papers on Hugging Face match “{query}”"),
        });
        if count > 0 {
            let message = self.message.clone();
            effects.extend(self.set_view(View::Hf(HfView::Search)));
            self.message = message;
        }
        effects
    }

    /// A list could not be fetched: said where it was asked for (the view, or the search).
    pub(super) fn on_list_failed(&mut self, list: &HfList, reason: &str) {
        let reason = crate::text::sanitize_line(reason);
        if let Some(query) = list.query() {
            if self.hf.pending_search.as_deref() == Some(query) {
                self.hf.pending_search = None;
                self.message = Some(format!("search on Hugging Face failed: {reason}"));
            }
            return;
        }
        let shown = match &self.view {
            View::Hf(view) => HfView::showing(list, self.today()) == Some(*view),
            _ => false,
        };
        if self.hf.fetching.as_ref() == Some(list) {
            self.hf.fetching = None;
        }
        if shown {
            let name = HfView::showing(list, self.today()).map_or("HF", HfView::name);
            self.message = Some(format!("{name}: {reason}"));
        }
    }
}

fn fetching_message(list: &HfList) -> String {
    format!("fetching {} from Hugging Face…", list.label())
}

fn is_stale(fetched_at: DateTime<Utc>, now: DateTime<Utc>) -> bool {
    (now - fetched_at).num_minutes() >= FRESH_MINUTES || fetched_at > now
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;
    use std::sync::Arc;

    use chrono::TimeZone;

    use super::*;
    use crate::app::{Catalog, Msg, update};
    use crate::keymap::Keymap;
    use crate::store::RankedList;
    use crate::sync::SyncEvent;

    fn now() -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2025, 4, 30, 9, 0, 0).unwrap()
    }

    fn app_with(ranked: BTreeMap<String, RankedList>) -> App {
        let catalog = Catalog {
            ranked: Arc::new(ranked),
            ..Catalog::default()
        };
        App::new(Keymap::defaults().unwrap(), catalog, now(), (100, 30), 120)
    }

    fn week() -> HfList {
        HfList::week_of(now().date_naive())
    }

    #[test]
    fn opening_a_list_view_fetches_a_missing_or_old_list_and_watches_it_until_left() {
        let mut app = app_with(BTreeMap::new());
        let effects = app.set_view(View::Hf(HfView::Week));
        assert!(effects.contains(&Effect::Sync(SyncCommand::FetchList(week()))));
        assert!(effects.contains(&Effect::Sync(SyncCommand::WatchList(Some(week())))));
        assert_eq!(
            app.message.as_deref(),
            Some("fetching week 2025-W18 from Hugging Face…")
        );
        let effects = app.set_view(View::All);
        assert!(effects.contains(&Effect::Sync(SyncCommand::WatchList(None))));

        // A list fetched five minutes ago opens as it is (and is still watched).
        let fresh = RankedList {
            fetched_at: now() - chrono::Duration::minutes(5),
            query: None,
            ids: Vec::new(),
            fresh: Vec::new(),
        };
        let mut app = app_with(BTreeMap::from([(week().key(), fresh)]));
        let effects = app.set_view(View::Hf(HfView::Week));
        assert_eq!(
            effects
                .iter()
                .filter(|e| matches!(e, Effect::Sync(SyncCommand::FetchList(_))))
                .count(),
            0
        );
        assert!(effects.contains(&Effect::Sync(SyncCommand::WatchList(Some(week())))));
    }

    #[test]
    fn a_failure_is_said_where_it_was_asked_for_and_never_in_the_sync_status() {
        let mut app = app_with(BTreeMap::new());
        app.set_view(View::Hf(HfView::Trending));
        update(
            &mut app,
            Msg::Sync(SyncEvent::ListFailed {
                list: HfList::Trending,
                reason: "huggingface.co asks to wait until 12:40 UTC".into(),
            }),
        );
        assert_eq!(
            app.message.as_deref(),
            Some("Trending (HF): huggingface.co asks to wait until 12:40 UTC")
        );
        assert!(app.sync.sources.is_empty());
        // A list not on screen (the week, fetched after a round) says nothing.
        app.message = None;
        update(
            &mut app,
            Msg::Sync(SyncEvent::ListFailed {
                list: week(),
                reason: "server error 500".into(),
            }),
        );
        assert_eq!(app.message, None);
    }

    #[test]
    fn a_question_mark_query_is_sent_on_enter_only_and_a_long_one_is_refused() {
        let mut app = app_with(BTreeMap::new());
        app.query.text = "?state space".into();
        let effects = app.submit_hf_search();
        assert_eq!(
            effects,
            [Effect::Sync(SyncCommand::FetchList(
                HfList::search("state space", DEFAULT_SEARCH_LIMIT).unwrap()
            ))]
        );
        assert!(app.query.text.is_empty());
        let effects = update(
            &mut app,
            Msg::Sync(SyncEvent::ListFetched {
                list: HfList::search("state space", DEFAULT_SEARCH_LIMIT).unwrap(),
                new: 0,
                changed: 0,
                count: 0,
            }),
        );
        assert_eq!(effects, [Effect::LoadCatalog]);
        assert_eq!(
            app.message.as_deref(),
            Some("no papers on Hugging Face match “state space”")
        );
        app.query.text = format!("?{}", "x".repeat(251));
        assert!(app.submit_hf_search().is_empty());
        assert_eq!(
            app.message.as_deref(),
            Some(
                "not searched: the search query is 251 characters long; Hugging Face searches \
                 at most 250"
            )
        );
    }
}
