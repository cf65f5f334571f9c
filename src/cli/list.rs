//! `paperboat list`: the cached papers, filtered, newest first, as text or JSON lines.

use std::process::ExitCode;

use anyhow::Context;
use chrono::NaiveDate;

use crate::export::PaperLine;
use crate::model::{ListRow, UserState};
use crate::store::Store;

use super::errors::bad_query;
use super::output::Output;
use super::query::{newest_first, query_matches};

pub(super) struct ListFilter {
    pub(super) date: Option<NaiveDate>,
    pub(super) starred: bool,
    pub(super) unread: bool,
    pub(super) limit: Option<usize>,
    pub(super) query: Option<String>,
}

pub(super) fn list_command(
    store: &Store,
    filter: &ListFilter,
    json: bool,
) -> anyhow::Result<ExitCode> {
    let mut rows = match filter.date {
        Some(day) => store.rows_for_day(day),
        None => store.all_rows(),
    }
    .context("cannot read the paper cache")?;
    let states = store
        .user_states()
        .context("cannot read stars and read marks")?;
    let no_state = UserState::default();
    if let Some(query) = &filter.query {
        let matches = match query_matches(store, query)? {
            Ok(ids) => ids,
            Err(message) => return Ok(bad_query(&message)),
        };
        rows.retain(|row| matches.contains(&row.id));
    }
    rows.retain(|row| {
        let state = states.get(&row.id).unwrap_or(&no_state);
        (!filter.starred || state.is_starred()) && (!filter.unread || !state.read)
    });
    rows.sort_by(newest_first);
    rows.truncate(filter.limit.unwrap_or(usize::MAX));
    let mut out = Output::stdout();
    let id_width = rows
        .iter()
        .map(|row| row.id.as_str().chars().count())
        .max()
        .unwrap_or(0);
    for row in &rows {
        let state = states.get(&row.id).unwrap_or(&no_state);
        let line = if json {
            let paper = store
                .paper(&row.id)
                .context("cannot read the paper cache")?;
            serde_json::to_string(&PaperLine::new(row, paper.as_ref(), state))
                .context("cannot write JSON")?
        } else {
            text_line(row, state, id_width)
        };
        if !out.line(&line) {
            break;
        }
    }
    Ok(ExitCode::SUCCESS)
}

fn text_line(row: &ListRow, state: &UserState, id_width: usize) -> String {
    let star = if state.is_starred() { '*' } else { ' ' };
    let read = if state.read { 'r' } else { ' ' };
    let upvotes = row
        .upvotes
        .map_or_else(|| "-".to_string(), |n| n.to_string());
    format!(
        "{star}{read} {day} {upvotes:>4}  {id:<id_width$}  {title}",
        day = row.day,
        id = row.id.as_str(),
        title = crate::text::sanitize_line(&row.title),
    )
}

#[cfg(test)]
mod tests {
    use chrono::Utc;

    use super::*;
    use crate::model::{Paper, PaperId};

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
    }
}
