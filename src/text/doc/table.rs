//! Tables laid out for a width: columns sized to their content and shrunk together until the
//! table fits (cells wrap), or, when even narrow columns do not fit, each row stacked as
//! `header: value` lines.
//!
//! Layer: part of `text`, which imports nothing from the crate but itself.

use super::Inline;
use super::render::{SpanStyle, StyledSpan, spans_width};

/// Wraps one cell's inlines at a width into lines of spans.
pub(super) type WrapCell<'a> = dyn FnMut(&[Inline], usize) -> Vec<Vec<StyledSpan>> + 'a;

/// Columns narrower than this make a table unreadable: stack its rows instead.
const MIN_COLUMN_WIDTH: usize = 6;
/// Between two columns.
const SEPARATOR: &str = " │ ";

/// Lays the table out in `width` columns; `wrap` wraps one cell's inlines at a width.
pub(super) fn lay_out_table(
    header: &[Vec<Inline>],
    rows: &[Vec<Vec<Inline>>],
    width: usize,
    wrap: &mut WrapCell<'_>,
) -> Vec<Vec<StyledSpan>> {
    let columns = std::iter::once(header)
        .chain(rows.iter().map(Vec::as_slice))
        .map(<[Vec<Inline>]>::len)
        .max()
        .unwrap_or(0);
    if columns == 0 {
        return Vec::new();
    }
    // Natural widths: each cell on one line.
    let mut natural = vec![1usize; columns];
    for row in std::iter::once(header).chain(rows.iter().map(Vec::as_slice)) {
        for (column, cell) in row.iter().enumerate() {
            let one_line = wrap(cell, usize::MAX / 4)
                .iter()
                .map(|line| spans_width(line))
                .max()
                .unwrap_or(0);
            natural[column] = natural[column].max(one_line);
        }
    }
    let separators = (columns - 1) * SEPARATOR.chars().count();
    let available = width.saturating_sub(separators);
    let widths = fit_columns(&natural, available);
    match widths {
        Some(widths) => grid(header, rows, &widths, wrap),
        None => stacked(header, rows, width, wrap),
    }
}

/// Column widths that fit `available`: the natural ones when they do, else every column
/// capped at the largest common cap that fits. `None` when a capped column would be too narrow.
fn fit_columns(natural: &[usize], available: usize) -> Option<Vec<usize>> {
    if natural.iter().sum::<usize>() <= available {
        return Some(natural.to_vec());
    }
    let capped_sum = |cap: usize| natural.iter().map(|&w| w.min(cap)).sum::<usize>();
    // The largest cap whose sum fits (binary search over 0..=max).
    let (mut low, mut high) = (0usize, natural.iter().copied().max().unwrap_or(0));
    while low < high {
        let middle = (low + high).div_ceil(2);
        if capped_sum(middle) <= available {
            low = middle;
        } else {
            high = middle - 1;
        }
    }
    let cap = low;
    if cap < MIN_COLUMN_WIDTH.min(available) || cap == 0 {
        return None;
    }
    let mut widths: Vec<usize> = natural.iter().map(|&w| w.min(cap)).collect();
    // Hand the columns left over to the capped ones, left to right.
    let mut spare = available.saturating_sub(widths.iter().sum());
    for (width, &want) in widths.iter_mut().zip(natural) {
        if spare == 0 {
            break;
        }
        let add = want.saturating_sub(*width).min(spare);
        *width += add;
        spare -= add;
    }
    Some(widths)
}

fn decoration(text: String) -> StyledSpan {
    StyledSpan {
        text,
        style: SpanStyle {
            decoration: true,
            ..SpanStyle::default()
        },
        link: None,
    }
}

fn grid(
    header: &[Vec<Inline>],
    rows: &[Vec<Vec<Inline>>],
    widths: &[usize],
    wrap: &mut WrapCell<'_>,
) -> Vec<Vec<StyledSpan>> {
    let mut lines = Vec::new();
    if !header.is_empty() {
        grid_row(header, widths, true, wrap, &mut lines);
        let rule: Vec<String> = widths.iter().map(|&w| "─".repeat(w)).collect();
        lines.push(vec![decoration(rule.join("─┼─"))]);
    }
    for row in rows {
        grid_row(row, widths, false, wrap, &mut lines);
    }
    lines
}

fn grid_row(
    row: &[Vec<Inline>],
    widths: &[usize],
    is_header: bool,
    wrap: &mut WrapCell<'_>,
    lines: &mut Vec<Vec<StyledSpan>>,
) {
    let empty = Vec::new();
    let cells: Vec<Vec<Vec<StyledSpan>>> = widths
        .iter()
        .enumerate()
        .map(|(column, &width)| {
            let cell = row.get(column).unwrap_or(&empty);
            let mut wrapped = wrap(cell, width);
            if is_header {
                for line in &mut wrapped {
                    for span in line {
                        span.style.strong = true;
                    }
                }
            }
            wrapped
        })
        .collect();
    let height = cells.iter().map(Vec::len).max().unwrap_or(1).max(1);
    for index in 0..height {
        let mut line = Vec::new();
        for (column, cell) in cells.iter().enumerate() {
            if column > 0 {
                line.push(decoration(SEPARATOR.to_string()));
            }
            let spans = cell.get(index).cloned().unwrap_or_default();
            let used = spans_width(&spans);
            line.extend(spans);
            let pad = widths[column].saturating_sub(used);
            if pad > 0 && column + 1 < widths.len() {
                line.push(StyledSpan {
                    text: " ".repeat(pad),
                    style: SpanStyle::default(),
                    link: None,
                });
            }
        }
        lines.push(line);
    }
}

/// Each row as `header: value` lines (the column number when there is no header), rows
/// separated by a short rule.
fn stacked(
    header: &[Vec<Inline>],
    rows: &[Vec<Vec<Inline>>],
    width: usize,
    wrap: &mut WrapCell<'_>,
) -> Vec<Vec<StyledSpan>> {
    let mut lines = Vec::new();
    for (index, row) in rows.iter().enumerate() {
        if index > 0 {
            lines.push(vec![decoration("─".repeat(width.min(12)))]);
        }
        for (column, cell) in row.iter().enumerate() {
            let mut label: Vec<Inline> = match header.get(column) {
                Some(name) if !name.is_empty() => name.clone(),
                _ => vec![Inline::Text(format!("{}", column + 1))],
            };
            label.push(Inline::Text(":".into()));
            let mut label_lines = wrap(&label, width);
            for line in &mut label_lines {
                for span in line {
                    span.style.strong = true;
                }
            }
            let value = wrap(cell, width.saturating_sub(2).max(1));
            lines.extend(label_lines);
            for line in value {
                let mut indented = if width > 2 {
                    vec![decoration("  ".into())]
                } else {
                    Vec::new()
                };
                indented.extend(line);
                lines.push(indented);
            }
        }
    }
    if rows.is_empty() {
        for cell in header {
            lines.extend(wrap(cell, width));
        }
    }
    lines
}
