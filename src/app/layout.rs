//! Where each pane goes for a terminal size: side by side when wide, stacked when narrow, a
//! notice when too small. Pure, shared by `update` (page sizes) and `ui::render`; it lives
//! below `ui` so that `update` needs nothing from the drawing layer. Imports only `ratatui`'s
//! `Rect` and `app::Focus`.

use ratatui::layout::Rect;

use super::Focus;

/// Below this the reader shows only a "too small" notice.
pub const MIN_COLUMNS: u16 = 24;
pub const MIN_ROWS: u16 = 6;
/// Width of the filter pane when it sits beside the list.
const FILTER_COLUMNS: u16 = 26;

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
    pub fn compute(columns: u16, rows: u16, wide_min_columns: u16, focus: Focus) -> Layout {
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
        let status = Rect::new(0, rows - 1, columns, 1);
        let body_rows = rows - 1;
        let wide = columns >= wide_min_columns.max(MIN_COLUMNS);
        let (filter, list, detail) = if wide {
            let filter = Rect::new(0, 0, FILTER_COLUMNS, body_rows);
            let rest = columns - FILTER_COLUMNS;
            let list_columns = rest * 3 / 5;
            let list = Rect::new(FILTER_COLUMNS, 0, list_columns, body_rows);
            let detail = Rect::new(
                FILTER_COLUMNS + list_columns,
                0,
                rest - list_columns,
                body_rows,
            );
            (Some(filter), list, Some(detail))
        } else {
            // Stacked: the list on top, the detail (or the filter pane when it has focus) below.
            let list_height = (body_rows * 9 / 20).max(3);
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
                for focus in [Focus::List, Focus::Detail, Focus::Filter] {
                    let l = Layout::compute(columns, rows, 120, focus);
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

    #[test]
    fn tiny_terminal_is_too_small() {
        assert!(Layout::compute(1, 1, 120, Focus::List).too_small);
        assert!(Layout::compute(23, 40, 120, Focus::List).too_small);
        assert!(!Layout::compute(24, 6, 120, Focus::List).too_small);
    }
}
