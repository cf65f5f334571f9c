//! `paperboat completions SHELL` and `paperboat man`: generated from the clap definition, and
//! needing neither a config nor the store.

use std::process::ExitCode;

use anyhow::Context;
use clap::CommandFactory;

use super::args::Cli;
use super::output::Output;

/// Prints the completion script for one shell.
pub(super) fn completions(shell: clap_complete::Shell) -> ExitCode {
    let mut command = Cli::command();
    let mut script = Vec::new();
    clap_complete::generate(shell, &mut command, "paperboat", &mut script);
    Output::stdout().text(&String::from_utf8_lossy(&script));
    ExitCode::SUCCESS
}

/// Prints the man page (roff).
pub(super) fn man() -> anyhow::Result<ExitCode> {
    let mut page = Vec::new();
    clap_mangen::Man::new(Cli::command())
        .render(&mut page)
        .context("cannot render the man page")?;
    Output::stdout().text(&String::from_utf8_lossy(&page));
    Ok(ExitCode::SUCCESS)
}
