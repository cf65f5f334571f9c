//! `paperboat search QUERY`: HF's paper search through the open reader's sync task, or one
//! started here; the results are stored and printed in HF's order like `list` prints papers,
//! `+` marking those the cache did not hold before. A query HF would refuse (over 250
//! characters) is refused before anything is sent (exit 2); a failed search exits 1.

use std::process::ExitCode;

use anyhow::Context as _;

use crate::clock::Clock;
use crate::config::Config;
use crate::server::commands::CommandError;
use crate::server::search::{self, SearchParams, SearchResult, SearchedPaper};
use crate::store::Store;
use crate::sync::{SyncCommand, sync_settings_for};

use super::EXIT_USAGE;
use super::forward::{Target, call};
use super::list::listed_line;
use super::output::Output;

pub(super) fn search_command(
    target: &mut Target,
    config: &Config,
    query: &str,
    limit: usize,
    json: bool,
) -> anyhow::Result<ExitCode> {
    let params = SearchParams {
        query: query.to_string(),
        limit,
        json,
    };
    if let Err(error) = params.list() {
        eprintln!("paperboat: error: {error}");
        return Ok(ExitCode::from(EXIT_USAGE));
    }
    let result: SearchResult = match call(
        target,
        "search",
        &params,
        |_| {},
        |store| direct_search(config, store, &params),
    ) {
        Ok(result) => result,
        Err(failure) => return failure.report(),
    };
    let mut out = Output::stdout();
    if result.papers.is_empty() {
        if !json {
            out.line(&format!(
                "no papers on Hugging Face match “{}”",
                crate::text::sanitize_line(&result.query)
            ));
        }
        return Ok(ExitCode::SUCCESS);
    }
    if json {
        for paper in &result.papers {
            if !out.line(paper.get()) {
                break;
            }
        }
        return Ok(ExitCode::SUCCESS);
    }
    let papers: Vec<SearchedPaper> = result
        .papers
        .iter()
        .map(|paper| serde_json::from_str(paper.get()))
        .collect::<Result<_, _>>()?;
    let id_width = papers
        .iter()
        .map(|found| found.paper.id.chars().count())
        .max()
        .unwrap_or(0);
    for found in &papers {
        let mark = if found.cached { ' ' } else { '+' };
        if !out.line(&format!("{mark}{}", listed_line(&found.paper, id_width))) {
            break;
        }
    }
    Ok(ExitCode::SUCCESS)
}

/// The search through a sync task of this process (sharing the stored Retry-After holds).
fn direct_search(
    config: &Config,
    store: &Store,
    params: &SearchParams,
) -> Result<SearchResult, CommandError> {
    let list = params.list()?;
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .context("cannot start the async runtime")?;
    runtime.block_on(async {
        let settings = sync_settings_for(config);
        let mut handle = crate::sync::spawn(store.clone(), Vec::new(), settings, Clock::System);
        let fetched = match handle
            .commands
            .send(SyncCommand::FetchList(list.clone()))
            .await
        {
            Ok(()) => search::await_list(&list, &mut handle.events).await,
            Err(_) => Err(CommandError::Failed(anyhow::anyhow!(
                "the sync task stopped before it started"
            ))),
        };
        let _ = handle.commands.send(SyncCommand::Shutdown).await;
        let _ = handle.task.await;
        fetched
    })?;
    search::search_result(store, params)
}
