//! `paperboat export`: papers (all, starred, or matching a query) as BibTeX, Markdown, JSON or CSV.

use std::path::Path;
use std::process::ExitCode;

use anyhow::Context;
use chrono::NaiveDate;

use crate::export::ExportFormat;
use crate::model::{PaperId, UserState};
use crate::store::Store;

use super::errors::bad_query;
use super::output::Output;
use super::query::{newest_first, query_matches};

pub(super) fn export_command(
    store: &Store,
    starred: bool,
    query: Option<&str>,
    format: ExportFormat,
    output: Option<&Path>,
) -> anyhow::Result<ExitCode> {
    let mut rows = store.all_rows().context("cannot read the paper cache")?;
    let states = store
        .user_states()
        .context("cannot read stars and read marks")?;
    if let Some(query) = query {
        let matches = match query_matches(store, query)? {
            Ok(ids) => ids,
            Err(message) => return Ok(bad_query(&message)),
        };
        rows.retain(|row| matches.contains(&row.id));
    }
    if starred {
        rows.retain(|row| states.get(&row.id).is_some_and(UserState::is_starred));
    }
    rows.sort_by(newest_first);
    let wanted: Vec<(PaperId, NaiveDate)> = rows.iter().map(|r| (r.id.clone(), r.day)).collect();
    let papers = crate::export::load(store, &wanted).context("cannot read the paper cache")?;
    let text = crate::export::render(format, &papers);
    match output {
        Some(path) => {
            std::fs::write(path, text)
                .with_context(|| format!("cannot write {}", path.display()))?;
            let noun = if papers.len() == 1 { "paper" } else { "papers" };
            eprintln!("exported {} {noun} to {}", papers.len(), path.display());
        }
        None => {
            Output::stdout().text(&text);
        }
    }
    Ok(ExitCode::SUCCESS)
}
