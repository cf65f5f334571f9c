//! `paperboat list`: the cached papers, filtered, newest first, as text or JSON lines.

use std::process::ExitCode;

use crate::server::commands::{self, ListParams, ListResult, ListedPaper};

use super::forward::{Target, call};
use super::output::{Output, column_width, padded};

/// Lists papers through the open reader or from the store; both print the same.
pub(super) fn list_command(target: &mut Target, params: &ListParams) -> anyhow::Result<ExitCode> {
    let mut out = Output::stdout();
    // Through the reader a long listing arrives in parts: JSON lines are printed as they come;
    // text waits for every id (the column is as wide as the widest).
    let mut earlier: Vec<Box<serde_json::value::RawValue>> = Vec::new();
    let mut printed = 0;
    let mut unreadable = None;
    let forwarded = matches!(target, Target::Reader { .. });
    let part =
        |value: &serde_json::value::RawValue| match serde_json::from_str::<ListResult>(value.get())
        {
            Ok(part) if params.json => {
                for paper in &part.papers {
                    out.line(paper.get());
                    printed += 1;
                }
            }
            Ok(part) => earlier.extend(part.papers),
            Err(error) => unreadable = Some(error),
        };
    let result: ListResult = match call(target, "list", params, part, |store| {
        commands::list_from_store(store, params)
    }) {
        Ok(result) => result,
        Err(failure) => return failure.report(),
    };
    if let Some(error) = unreadable {
        anyhow::bail!("the open reader answered something unreadable: {error}");
    }
    // The reader died part way and the listing ran here: it starts over, and what was
    // printed already is not printed twice.
    let mut skip = 0;
    if forwarded && matches!(target, Target::Store(_)) {
        skip = printed;
        earlier.clear();
    }
    let mut out = Output::stdout();
    if params.json {
        for paper in result.papers.iter().skip(skip) {
            if !out.line(paper.get()) {
                break;
            }
        }
        return Ok(ExitCode::SUCCESS);
    }
    let papers: Vec<ListedPaper> = earlier
        .iter()
        .chain(&result.papers)
        .map(|paper| serde_json::from_str(paper.get()))
        .collect::<Result<_, _>>()?;
    let id_width = column_width(papers.iter().map(|paper| paper.id.as_str()));
    for paper in &papers {
        if !out.line(&listed_line(paper, id_width)) {
            break;
        }
    }
    Ok(ExitCode::SUCCESS)
}

pub(super) fn listed_line(paper: &ListedPaper, id_width: usize) -> String {
    let star = if paper.starred { '*' } else { ' ' };
    let read = if paper.read { 'r' } else { ' ' };
    let upvotes = paper
        .upvotes
        .map_or_else(|| "-".to_string(), |n| n.to_string());
    let (day, title) = match paper.day {
        Some(day) => (day.to_string(), crate::text::sanitize_line(&paper.title)),
        // Starred by id before any source brought it.
        None => ("-".to_string(), "(not fetched yet)".to_string()),
    };
    format!(
        "{star}{read} {day} {upvotes:>4}  {id}  {title}",
        day = padded(&day, 10),
        id = padded(&paper.id, id_width),
    )
}

#[cfg(test)]
fn text_line(
    row: &crate::model::ListRow,
    state: &crate::model::UserState,
    id_width: usize,
) -> String {
    // The test's adapter: a row and its state as `list` answers them.
    listed_line(&ListedPaper::of(row, state), id_width)
}

#[cfg(test)]
mod tests {
    use chrono::Utc;

    use super::*;
    use crate::model::{Paper, PaperId, UserState};
    use chrono::NaiveDate;

    #[test]
    fn text_lines_show_marks_date_upvotes_id_and_title() {
        let mut paper = Paper::new(
            PaperId::parse_user("2504.21318").unwrap(),
            "A title".into(),
            crate::model::SourceId::hf(),
        );
        paper.upvotes = Some(24);
        let row = paper.list_row(NaiveDate::from_ymd_opt(2025, 4, 30).unwrap());
        let state = UserState {
            starred_at: Some(Utc::now()),
            read: true,
            note: None,
        };
        assert_eq!(
            text_line(&row, &state, 12),
            "*r 2025-04-30   24  2504.21318    A title"
        );
        assert_eq!(
            text_line(&row, &UserState::default(), 10),
            "   2025-04-30   24  2504.21318  A title"
        );
        let not_fetched =
            ListedPaper::not_fetched(&PaperId::parse_user("2101.00001").unwrap(), &state);
        assert_eq!(
            listed_line(&not_fetched, 12),
            "*r -             -  2101.00001    (not fetched yet)"
        );
    }
}
