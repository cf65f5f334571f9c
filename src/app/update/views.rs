//! View actions: which list is shown (days, built-in and saved views, sources, HF periods) and
//! in what order, with the selection carried across switches where the paper is still listed.

use super::step_of;
use crate::action::Action;
use crate::app::hf_views::HfView;
use crate::app::msg::Effect;
use crate::app::state::App;
use crate::app::view::View;
use crate::model::SourceId;
use crate::query::SortOrder;

/// What the list shows and in what order: days, built-in views, sources, the sort.
pub(super) fn on_view_action(app: &mut App, action: Action, count: Option<u32>) -> Vec<Effect> {
    match action {
        Action::PrevDay | Action::NextDay => {
            let days = &app.catalog.days;
            let current = match app.view {
                View::Day(day) => days.iter().position(|d| *d == day),
                _ => None,
            };
            let n = usize::try_from(step_of(count)).unwrap_or(1);
            // Days are newest first: the previous day is further down the list.
            let target = match (current, action) {
                (Some(i), Action::PrevDay) if i + 1 >= days.len() => {
                    app.message = Some("no older day: this is the oldest cached".to_string());
                    return Vec::new();
                }
                (Some(0), Action::NextDay) => {
                    app.message = Some("no newer day: this is the newest".to_string());
                    return Vec::new();
                }
                (Some(i), Action::PrevDay) => i.saturating_add(n),
                (Some(i), _) => i.saturating_sub(n),
                (None, _) => 0,
            };
            match days.get(target.min(days.len().saturating_sub(1))) {
                Some(day) => {
                    // Another day keeps the order the user picked: the sort label stays.
                    let sort = app.sort;
                    let mut effects = app.set_view(View::Day(*day));
                    if sort.is_some() && app.sort != sort {
                        app.sort = sort;
                        app.refresh_visible();
                        effects.extend(app.load_selected());
                    }
                    effects
                }
                None => {
                    app.message = Some("no papers cached yet".to_string());
                    Vec::new()
                }
            }
        }
        Action::ViewToday => {
            let view = app.catalog.latest_day().map_or(View::All, View::Day);
            app.set_view(view)
        }
        Action::ViewWeek => app.set_view(View::Week),
        Action::ViewHfWeek => app.set_view(View::Hf(HfView::Week)),
        Action::ViewHfMonth => app.set_view(View::Hf(HfView::Month)),
        Action::ViewHfTrending => app.set_view(View::Hf(HfView::Trending)),
        Action::ViewAll => app.set_view(View::All),
        Action::ViewStarred => app.set_view(View::Starred),
        Action::ViewUnread => app.set_view(View::Unread),
        Action::ViewForYou => {
            let effects = app.set_view(View::ForYou);
            if app.catalog.starred_rows().is_empty() {
                app.message =
                    Some("For you learns from your stars: press s on papers you like".to_string());
            }
            effects
        }
        Action::ViewSource => {
            // Papers only HF's search found have their own view (Search (HF)).
            let searched = SourceId::hf_search();
            let sources: Vec<SourceId> = app
                .catalog
                .sources
                .iter()
                .filter(|s| **s != searched)
                .cloned()
                .collect();
            let next = match &app.view {
                View::Source(current) => sources
                    .iter()
                    .position(|s| s == current)
                    .map_or(0, |i| (i + 1) % sources.len()),
                _ => 0,
            };
            match sources.get(next) {
                Some(source) => app.set_view(View::Source(source.clone())),
                None => {
                    app.message = Some("no sources yet".to_string());
                    Vec::new()
                }
            }
        }
        Action::CycleSort => {
            let mut next = app.sort_order().unwrap_or(SortOrder::Newest).next();
            // Relevance ranks by the query's words: offered only when there are some.
            let words = app.query.parsed.has_text()
                || app.view.query().is_some_and(crate::query::Query::has_text);
            if next == SortOrder::Relevance && !words {
                next = next.next();
            }
            app.sort = Some(next);
            app.message = Some(format!("sorted {}", next.name()));
            if next == SortOrder::ForYou && app.catalog.starred_rows().is_empty() {
                app.message = Some("sorted for you: star papers (s) to teach it".to_string());
            }
            app.refresh_visible();
            app.load_selected()
        }
        // `on_action` routes only the actions above here.
        _ => Vec::new(),
    }
}
