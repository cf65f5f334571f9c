//! `paperboat list`: the cached papers, filtered, newest first, as text or JSON lines.

use std::process::ExitCode;

use crate::server::commands::{self, ListParams, ListResult, ListedPaper};

use super::forward::{Target, call};
use super::output::{Output, column_width, padded};

/// Lists papers through the open reader or from the store; both print the same.
pub(super) fn list_command(target: &mut Target, params: &ListParams) -> anyhow::Result<ExitCode> {
    let result: ListResult = match call(
        target,
        "list",
        params,
        |_| {},
        |store| commands::list_from_store(store, params),
    ) {
        Ok(result) => result,
        Err(failure) => return failure.report(),
    };
    let mut out = Output::stdout();
    if params.json {
        for paper in &result.papers {
            if !out.line(paper.get()) {
                break;
            }
        }
        return Ok(ExitCode::SUCCESS);
    }
    let papers: Vec<ListedPaper> = result
        .papers
        .iter()
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

fn listed_line(paper: &ListedPaper, id_width: usize) -> String {
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
