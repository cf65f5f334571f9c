//! `paperboat pdf ID… [--dir DIR]`: downloads PDFs, through the open reader or here. A line per
//! paper as it finishes (the file's path on stdout, or the id and why on stderr); exit 1 when
//! any failed. The directory is resolved here (this process's `--dir`, config and working dir).

use std::path::Path;
use std::process::ExitCode;

use anyhow::Context as _;
use serde_json::value::RawValue;

use crate::config::{Config, home_dir};
use crate::model::PaperId;
use crate::pdf::{PdfDownloader, PdfLine, PdfParams, PdfSettings, PdfSummary, line_text};
use crate::server::commands::CommandError;
use crate::sync::ServerWaits;

use super::EXIT_FAILED;
use super::forward::{Target, call};
use super::output::Output;

pub(super) fn pdf_command(
    target: &mut Target,
    config: &Config,
    ids: &[PaperId],
    dir: Option<&Path>,
) -> anyhow::Result<ExitCode> {
    let dir = match dir {
        Some(dir) => crate::server::client::absolute(dir),
        None => crate::server::client::absolute(&config.papers.dir_path()),
    };
    let params = PdfParams {
        ids: ids.iter().map(ToString::to_string).collect(),
        dir,
    };
    let mut out = Output::stdout();
    let home = home_dir();
    let mut print = move |line: &PdfLine| {
        let text = crate::text::sanitize_line(&line_text(line, home.as_deref()));
        if line.saved.is_some() {
            out.line(&text);
        } else {
            eprintln!("paperboat: error: {text}");
        }
    };
    let summary: PdfSummary = {
        let forwarded = |value: &RawValue| {
            if let Ok(line) = serde_json::from_str::<PdfLine>(value.get()) {
                print(&line);
            }
        };
        // The direct run prints through its own copy of the printer.
        let mut direct_out = Output::stdout();
        let direct_home = home_dir();
        let direct = |store: &crate::store::Store| {
            direct_run(config, store, ids, &params.dir, |line| {
                let text = crate::text::sanitize_line(&line_text(line, direct_home.as_deref()));
                if line.saved.is_some() {
                    direct_out.line(&text);
                } else {
                    eprintln!("paperboat: error: {text}");
                }
            })
        };
        match call(target, "pdf", &params, forwarded, direct) {
            Ok(summary) => summary,
            Err(failure) => return failure.report(),
        }
    };
    if summary.failed > 0 {
        return Ok(ExitCode::from(EXIT_FAILED));
    }
    Ok(ExitCode::SUCCESS)
}

/// The downloads on the store opened here, on a runtime of their own.
fn direct_run(
    config: &Config,
    store: &crate::store::Store,
    ids: &[PaperId],
    dir: &Path,
    line: impl FnMut(&PdfLine),
) -> Result<PdfSummary, CommandError> {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .context("cannot start the async runtime")?;
    let settings = PdfSettings::from_config(config);
    let downloader = PdfDownloader::new(store.clone(), settings, ServerWaits::default())
        .map_err(|e| CommandError::Failed(e.into()))?;
    Ok(runtime.block_on(crate::pdf::download_all(&downloader, ids, dir, line)))
}
