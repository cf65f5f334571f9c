//! `paperboat export`: papers (all, starred, or matching a query) as BibTeX, Markdown, JSON or
//! CSV, through the open reader or from the store.

use std::path::Path;
use std::process::ExitCode;

use crate::export::ExportFormat;
use crate::server::commands::{self, ExportParams, ExportResult};

use super::forward::{Target, call};
use super::output::Output;

pub(super) fn export_command(
    target: &mut Target,
    starred: bool,
    query: Option<&str>,
    format: ExportFormat,
    output: Option<&Path>,
) -> anyhow::Result<ExitCode> {
    // Resolved here: the reader's working directory is not this one.
    let params = ExportParams {
        starred,
        query: query.map(str::to_string),
        format: commands::format_name(format),
        output: output.map(crate::server::client::absolute),
    };
    let result: ExportResult = match call(
        target,
        "export",
        &params,
        |_| {},
        |store| commands::export(store, None, &params),
    ) {
        Ok(result) => result,
        Err(failure) => return failure.report(),
    };
    match (output, result.text) {
        (Some(path), _) => {
            let noun = if result.count == 1 { "paper" } else { "papers" };
            eprintln!("exported {} {noun} to {}", result.count, path.display());
        }
        (None, Some(text)) => {
            Output::stdout().text(&text);
        }
        (None, None) => {}
    }
    Ok(ExitCode::SUCCESS)
}
