//! `paperboat show ID [--full] [--json]`: one paper's detail, through the open reader or on the
//! store opened here; both print the answer `server::show` computed, so output and exit code do
//! not depend on the route.

use std::process::ExitCode;

use anyhow::Context as _;

use crate::clock::Clock;
use crate::config::Config;
use crate::model::PaperId;
use crate::server::commands::CommandError;
use crate::server::show::{ShowParams, ShowResult, show};
use crate::sync::{FullTextFetcher, ServerWaits};

use super::forward::{Target, call};
use super::output::Output;

pub(super) fn show_command(
    target: &mut Target,
    config: &Config,
    id: &PaperId,
    full: bool,
    json: bool,
) -> anyhow::Result<ExitCode> {
    let params = ShowParams {
        id: id.to_string(),
        full,
        json,
    };
    let result: ShowResult = match call(
        target,
        "show",
        &params,
        |_| {},
        |store| {
            let runtime = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .context("cannot start the async runtime")
                .map_err(CommandError::Failed)?;
            runtime.block_on(async {
                let fetcher = FullTextFetcher::new(
                    store.clone(),
                    config,
                    ServerWaits::default(),
                    Clock::System,
                );
                show(&fetcher, &params).await
            })
        },
    ) {
        Ok(result) => result,
        Err(failure) => return failure.report(),
    };
    Output::stdout().text(&result.output);
    Ok(ExitCode::SUCCESS)
}
