//! Where each pane goes for a terminal size: side by side when wide, stacked when narrow, a
//! notice when too small; the filter pane collapsed below 160 columns unless asked for, the
//! detail taking most of the height when it has focus in a narrow terminal, and a full-screen
//! detail (`z`). Pure, shared by `update` (page sizes) and `ui::render`; it lives below `ui` so
//! that `update` needs nothing from the drawing layer. Imports only `ratatui`'s `Rect`,
//! `app::Focus` and the config's `FilterPane`.

use ratatui::layout::Rect;

use super::Focus;
pub use crate::config::FilterPane;

/// Below this the reader shows only a "too small" notice.
pub const MIN_COLUMNS: u16 = 24;
pub const MIN_ROWS: u16 = 6;
/// Width of the filter pane when it sits beside the list.
const FILTER_COLUMNS: u16 = 26;
/// From this width on, `filter_pane = "auto"` shows the filter pane beside the list.
pub const FILTER_PANE_AUTO_COLUMNS: u16 = 160;
/// The list's share of the width beside the detail when `list_width_percent` is not set: 60%,
/// but never so narrow that titles get fewer than ~60 columns (border, marks, upvotes, badges
/// and date take about 30), and never leaving the detail fewer than `MIN_DETAIL_COLUMNS`.
const AUTO_LIST_PERCENT: u16 = 60;
const AUTO_LIST_MIN_COLUMNS: u16 = 90;
const MIN_DETAIL_COLUMNS: u16 = 30;
/// List rows left above a focused detail in a narrow terminal (inside its border: 3 papers).
const FOCUSED_DETAIL_LIST_ROWS: u16 = 5;

/// What the user chose about the layout: config plus the `\` and `z` toggles.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LayoutPrefs {
    /// Terminal width from which list and detail sit side by side.
    pub wide_min_columns: u16,
    pub filter_pane: FilterPane,
    /// `\` flips whether the filter pane shows (from what `filter_pane` says for this width).
    pub filter_toggled: bool,
    /// The list's share of the width beside the detail, 10–90; `None` picks it (see above).
    pub list_width_percent: Option<u16>,
    /// `z`: the detail fills the screen above the status bar.
    pub zoomed: bool,
    /// Status bar rows: 2 while a long message is shown whole.
    pub status_rows: u16,
}

impl Default for LayoutPrefs {
    fn default() -> Self {
        LayoutPrefs {
            wide_min_columns: 120,
            filter_pane: FilterPane::Auto,
            filter_toggled: false,
            list_width_percent: None,
            zoomed: false,
            status_rows: 1,
        }
    }
}

impl LayoutPrefs {
    /// Whether the filter pane sits beside the list at this width (focus aside).
    pub fn filter_shown(&self, columns: u16) -> bool {
        let by_config = match self.filter_pane {
            FilterPane::Auto => columns >= FILTER_PANE_AUTO_COLUMNS,
            FilterPane::Always => true,
            FilterPane::Never => false,
        };
        by_config != self.filter_toggled
    }

    fn list_columns(&self, rest: u16) -> u16 {
        let columns = match self.list_width_percent {
            Some(percent) => rest * percent.clamp(10, 90) / 100,
            None => (rest * AUTO_LIST_PERCENT / 100)
                .max(AUTO_LIST_MIN_COLUMNS)
                .min(rest.saturating_sub(MIN_DETAIL_COLUMNS)),
        };
        columns.clamp(
            rest.min(MIN_COLUMNS / 2),
            rest.saturating_sub(MIN_COLUMNS / 2),
        )
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Layout {
    pub filter: Option<Rect>,
    pub list: Rect,
    pub detail: Option<Rect>,
    pub status: Rect,
    /// Paper rows that fit in the list (inside its border).
    pub list_rows: u16,
    /// Text lines that fit in the detail pane.
    pub detail_rows: u16,
    pub too_small: bool,
    pub wide: bool,
}

impl Layout {
    /// The default layout (filter pane by width, no zoom); see [`Layout::with_prefs`].
    pub fn compute(columns: u16, rows: u16, wide_min_columns: u16, focus: Focus) -> Layout {
        let prefs = LayoutPrefs {
            wide_min_columns,
            ..LayoutPrefs::default()
        };
        Layout::with_prefs(columns, rows, &prefs, focus)
    }

    pub fn with_prefs(columns: u16, rows: u16, prefs: &LayoutPrefs, focus: Focus) -> Layout {
        let full = Rect::new(0, 0, columns, rows);
        if columns < MIN_COLUMNS || rows < MIN_ROWS {
            return Layout {
                filter: None,
                list: full,
                detail: None,
                status: Rect::new(0, rows.saturating_sub(1), columns, rows.min(1)),
                list_rows: 0,
                detail_rows: 0,
                too_small: true,
                wide: false,
            };
        }
        let status_rows = prefs.status_rows.clamp(1, 2);
        let status = Rect::new(0, rows - status_rows, columns, status_rows);
        let body_rows = rows - status_rows;
        let wide = columns >= prefs.wide_min_columns.max(MIN_COLUMNS);
        let (filter, list, detail) = if prefs.zoomed && focus != Focus::Filter {
            // The list keeps its place (zero rows) so that moving still works.
            let list = Rect::new(0, 0, columns, 0);
            (None, list, Some(Rect::new(0, 0, columns, body_rows)))
        } else if wide {
            let show_filter = prefs.filter_shown(columns) || focus == Focus::Filter;
            let filter_columns = if show_filter { FILTER_COLUMNS } else { 0 };
            let filter = show_filter.then(|| Rect::new(0, 0, FILTER_COLUMNS, body_rows));
            let rest = columns - filter_columns;
            let list_columns = prefs.list_columns(rest);
            let list = Rect::new(filter_columns, 0, list_columns, body_rows);
            let detail = Rect::new(
                filter_columns + list_columns,
                0,
                rest - list_columns,
                body_rows,
            );
            (filter, list, Some(detail))
        } else {
            // Stacked: the list on top, the detail (or the filter pane when it has focus) below;
            // a focused detail takes most of the height, since that is where the reading is.
            let list_height = if focus == Focus::Detail {
                (FOCUSED_DETAIL_LIST_ROWS).min(body_rows * 9 / 20).max(3)
            } else {
                (body_rows * 9 / 20).max(3)
            };
            let list = Rect::new(0, 0, columns, list_height);
            let lower = Rect::new(0, list_height, columns, body_rows - list_height);
            if focus == Focus::Filter {
                (Some(lower), list, None)
            } else {
                (None, list, Some(lower))
            }
        };
        Layout {
            filter,
            list,
            detail,
            status,
            list_rows: list.height.saturating_sub(2),
            detail_rows: detail.map_or(0, |d| d.height.saturating_sub(2)),
            too_small: false,
            wide,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn inside(inner: Rect, outer: Rect) -> bool {
        inner.x >= outer.x
            && inner.y >= outer.y
            && inner.right() <= outer.right()
            && inner.bottom() <= outer.bottom()
    }

    #[test]
    fn wide_terminal_puts_panes_side_by_side() {
        let l = Layout::compute(160, 48, 120, Focus::List);
        assert!(l.wide);
        let (filter, detail) = (l.filter.unwrap(), l.detail.unwrap());
        assert_eq!(filter.y, l.list.y);
        assert_eq!(detail.y, l.list.y);
        assert!(filter.right() <= l.list.x && l.list.right() <= detail.x);
        assert_eq!(l.status.y, 47);
    }

    #[test]
    fn narrow_terminal_stacks_list_over_detail() {
        let l = Layout::compute(80, 24, 120, Focus::List);
        assert!(!l.wide);
        let detail = l.detail.unwrap();
        assert!(l.list.bottom() <= detail.y);
        assert!(l.filter.is_none());
        assert!(
            l.list_rows >= 6,
            "80x24 shows a useful list: {}",
            l.list_rows
        );
        assert!(l.detail_rows >= 8, "and a useful detail: {}", l.detail_rows);
    }

    #[test]
    fn narrow_terminal_shows_filter_pane_when_it_has_focus() {
        let l = Layout::compute(80, 24, 120, Focus::Filter);
        assert!(l.filter.is_some());
        assert!(l.detail.is_none());
    }

    #[test]
    fn every_size_fits_inside_the_terminal() {
        for columns in 0..=200 {
            for rows in [0, 1, 2, 5, 6, 7, 24, 48, 100] {
                for (focus, zoomed, status_rows) in [
                    (Focus::List, false, 1),
                    (Focus::Detail, false, 2),
                    (Focus::Filter, true, 1),
                    (Focus::Detail, true, 2),
                ] {
                    let prefs = LayoutPrefs {
                        zoomed,
                        status_rows,
                        filter_toggled: columns % 2 == 0,
                        ..LayoutPrefs::default()
                    };
                    let l = Layout::with_prefs(columns, rows, &prefs, focus);
                    let full = Rect::new(0, 0, columns, rows);
                    for rect in [Some(l.list), l.filter, l.detail, Some(l.status)]
                        .into_iter()
                        .flatten()
                    {
                        assert!(inside(rect, full), "{columns}x{rows}: {rect:?}");
                    }
                }
            }
        }
    }

    fn prefs() -> LayoutPrefs {
        LayoutPrefs::default()
    }

    #[test]
    fn below_160_columns_the_filter_pane_is_collapsed_and_titles_get_room() {
        let l = Layout::with_prefs(120, 40, &prefs(), Focus::List);
        assert!(l.filter.is_none());
        // 60 title columns + marks, upvotes, badges, date and the border.
        assert!(l.list.width >= 90, "list {}", l.list.width);
        assert!(l.detail.unwrap().width >= 30);
        let l = Layout::with_prefs(160, 48, &prefs(), Focus::List);
        assert!(l.filter.is_some());
    }

    #[test]
    fn backslash_toggle_and_config_decide_the_filter_pane() {
        let shown = LayoutPrefs {
            filter_toggled: true,
            ..prefs()
        };
        assert!(
            Layout::with_prefs(120, 40, &shown, Focus::List)
                .filter
                .is_some()
        );
        assert!(
            Layout::with_prefs(170, 40, &shown, Focus::List)
                .filter
                .is_none()
        );
        let always = LayoutPrefs {
            filter_pane: FilterPane::Always,
            ..prefs()
        };
        assert!(
            Layout::with_prefs(120, 40, &always, Focus::List)
                .filter
                .is_some()
        );
        let never = LayoutPrefs {
            filter_pane: FilterPane::Never,
            ..prefs()
        };
        assert!(
            Layout::with_prefs(200, 40, &never, Focus::List)
                .filter
                .is_none()
        );
        // Typing a query always shows where it goes.
        assert!(
            Layout::with_prefs(200, 40, &never, Focus::Filter)
                .filter
                .is_some()
        );
    }

    #[test]
    fn list_width_percent_is_honoured_within_bounds() {
        let half = LayoutPrefs {
            list_width_percent: Some(50),
            ..prefs()
        };
        assert_eq!(
            Layout::with_prefs(120, 40, &half, Focus::List).list.width,
            60
        );
        let silly = LayoutPrefs {
            list_width_percent: Some(100),
            ..prefs()
        };
        let l = Layout::with_prefs(120, 40, &silly, Focus::List);
        assert!(l.detail.unwrap().width >= MIN_COLUMNS / 2);
    }

    #[test]
    fn a_focused_detail_takes_most_of_a_narrow_terminal() {
        let l = Layout::with_prefs(80, 24, &prefs(), Focus::Detail);
        assert!(l.detail_rows >= 14, "detail rows {}", l.detail_rows);
        assert!(l.list_rows >= 1);
        let l = Layout::with_prefs(60, 20, &prefs(), Focus::Detail);
        assert!(l.detail_rows >= 10, "detail rows {}", l.detail_rows);
    }

    #[test]
    fn zoom_gives_the_detail_the_whole_body() {
        let zoomed = LayoutPrefs {
            zoomed: true,
            ..prefs()
        };
        for (columns, rows) in [(80, 24), (160, 48)] {
            let l = Layout::with_prefs(columns, rows, &zoomed, Focus::List);
            assert_eq!(l.detail.unwrap().height, rows - 1);
            assert_eq!(l.list.height, 0);
            assert!(l.filter.is_none());
        }
    }

    #[test]
    fn a_two_row_status_bar_takes_a_row_from_the_body() {
        let two = LayoutPrefs {
            status_rows: 2,
            ..prefs()
        };
        let l = Layout::with_prefs(80, 24, &two, Focus::List);
        assert_eq!(l.status, Rect::new(0, 22, 80, 2));
        assert!(l.detail.unwrap().bottom() <= 22);
    }

    #[test]
    fn tiny_terminal_is_too_small() {
        assert!(Layout::compute(1, 1, 120, Focus::List).too_small);
        assert!(Layout::compute(23, 40, 120, Focus::List).too_small);
        assert!(!Layout::compute(24, 6, 120, Focus::List).too_small);
    }
}
