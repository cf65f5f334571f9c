//! The command line (clap): the reader by default; `sync`, `list`, `star`, `unstar`, `read`,
//! `note`, `pdf`, `doctor`, `export`, `feeds`, `completions`, `man`. While a reader holds the data
//! dir, the commands that use the store go through it (`forward`).
//!
//! This is the program's edge: errors become one line on stderr (`paperboat: error: …`) and an
//! exit code (0 fine, 1 failed, 2 bad usage); nothing here panics on bad input. Headless
//! commands log to the same file as the reader and print only their own output.
//!
//! This file owns the dispatch: parse, load the config, start logging, open the store, hand
//! over to one command's file. The clap types are in `args`, error lines in `errors`. Top of
//! the layer stack: anything may be imported here, and nothing imports `cli` but `main`.

mod args;
mod completions;
mod doctor;
mod errors;
mod export;
mod feeds;
mod forward;
mod list;
mod output;
mod pdf;
mod reader;
mod search;
mod show;
mod star;
mod sync;

use std::path::Path;
use std::process::ExitCode;

use clap::Parser;

use crate::config::{Config, Paths};
use crate::server::commands::{ListParams, Mark};
use crate::store::{Store, StoreError};

pub use args::{Cli, Command, FeedsCommand};

use errors::{error_line, usage_error};

/// Exit code of a command that ran but failed (a source failed, the store is locked, …).
const EXIT_FAILED: u8 = 1;
/// Exit code of a command line that could not be understood.
const EXIT_USAGE: u8 = 2;

/// Runs the program with the process's arguments.
pub fn main() -> ExitCode {
    crate::reader::mark_process_start();
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(error) => return usage_error(&error),
    };
    match run(cli) {
        Ok(code) => code,
        Err(error) => {
            eprintln!("paperboat: error: {}", error_line(&error));
            ExitCode::from(EXIT_FAILED)
        }
    }
}

fn run(cli: Cli) -> anyhow::Result<ExitCode> {
    if cli.demo {
        if cli.command.is_some() {
            eprintln!("paperboat: error: --demo opens the reader; it takes no subcommand");
            return Ok(ExitCode::from(EXIT_USAGE));
        }
        return reader::run_demo();
    }
    // These need neither a config nor the store.
    match &cli.command {
        Some(Command::Completions { shell }) => return Ok(completions::completions(*shell)),
        Some(Command::Man) => return completions::man(),
        _ => {}
    }
    let paths = Paths::default_paths();
    let config = load_config(cli.config.as_deref(), paths.as_ref())?;
    let config_file = cli
        .config
        .clone()
        .or_else(|| paths.as_ref().map(|p| p.config_file.clone()));
    let data_dir = match (cli.data_dir, &paths) {
        (Some(dir), _) => dir,
        (None, Some(paths)) => paths.data_dir.clone(),
        (None, None) => anyhow::bail!("no home directory found; pass --data-dir DIR"),
    };
    if let Some(Command::Feeds {
        action: Some(action),
    }) = &cli.command
    {
        return feeds::feeds_file_command(&config, config_file.as_deref(), action, &data_dir);
    }
    let log_dir = match &paths {
        Some(paths) => paths.log_dir.clone(),
        None => data_dir.join("log"),
    };
    // One place starts logging for every command, the reader included.
    let _log_guard = start_logging(&log_dir);
    let Some(command) = cli.command else {
        reader::run_reader(config, data_dir, log_dir)?;
        // Every write is durable and the terminal restored: end the process here rather than
        // tear down the catalog, the runtime and the store piece by piece (hundreds of ms at
        // 1M papers, issue #15). The log is flushed first.
        drop(_log_guard);
        std::process::exit(0);
    };
    tracing::info!(?command, data_dir = %data_dir.display(), "headless command");
    if let Command::Doctor { rebuild } = command {
        return doctor::doctor_command(&data_dir, rebuild);
    }
    // Through the open reader when one holds the data dir, else on the store opened here.
    let mut target = forward::Target::for_data_dir(&data_dir)?;
    let target = &mut target;
    let outcome = match command {
        Command::Sync {
            days,
            date,
            week,
            month,
        } => sync::sync_command(target, &config, days, date, week.or(month)),
        Command::Search { query, limit, json } => {
            let limit = usize::try_from(limit).unwrap_or(usize::MAX);
            search::search_command(target, &config, &query.join(" "), limit, json)
        }
        Command::List {
            date,
            starred,
            unread,
            limit,
            json,
            query,
        } => list::list_command(
            target,
            &ListParams {
                date,
                starred,
                unread,
                limit,
                query,
                json,
            },
        ),
        Command::Export {
            starred,
            query,
            format,
            output,
        } => export::export_command(target, starred, query.as_deref(), format, output.as_deref()),
        Command::Feeds { .. } => feeds::feeds_command(target, &config),
        // Handled before the store is opened.
        Command::Completions { .. } | Command::Man => Ok(ExitCode::SUCCESS),
        Command::Star { ids } => star::mark_command(target, ids, Mark::Star),
        Command::Unstar { ids } => star::mark_command(target, ids, Mark::Unstar),
        Command::Read { ids } => star::mark_command(target, ids, Mark::Read),
        Command::Note { id, text, clear } => {
            star::note_command(target, &id, if clear { None } else { text })
        }
        Command::Pdf { ids, dir } => pdf::pdf_command(target, &config, &ids, dir.as_deref()),
        Command::Show { id, full, json } => show::show_command(target, &config, &id, full, json),
        // Handled above, before the store is opened.
        Command::Doctor { .. } => Ok(ExitCode::SUCCESS),
    };
    // Opening the store removed the first-screen file; this process writes the store no more
    // (a sync's task has ended), so it leaves the next reader its first frame again.
    if let forward::Target::Store(store) = target
        && let Err(error) = store.write_first_screen()
    {
        tracing::warn!(%error, "no first-screen file after the command");
    }
    outcome
}

/// Logging is a help, not a requirement: a read-only state dir must not stop a command.
/// The guard flushes the log when dropped at the end of the command.
fn start_logging(log_dir: &Path) -> Option<tracing_appender::non_blocking::WorkerGuard> {
    match crate::logging::init_file_logging(log_dir) {
        Ok(guard) => Some(guard),
        Err(error) => {
            eprintln!("paperboat: warning: not logging: {}", error_line(&error));
            None
        }
    }
}

/// An explicit `--config` must exist; the default file may be missing (defaults apply).
fn load_config(explicit: Option<&Path>, paths: Option<&Paths>) -> anyhow::Result<Config> {
    let config = match (explicit, paths) {
        (Some(path), _) => Config::load(path, true)?,
        (None, Some(paths)) => Config::load(&paths.config_file, false)?,
        (None, None) => Config::default(),
    };
    Ok(config)
}

/// Opens the store as every start does (a damaged one is rebuilt from the journal, other
/// machines' journal entries are merged); what that did goes to stderr, one line each.
fn open_store(data_dir: &Path) -> anyhow::Result<Store> {
    match crate::store::open_or_recover(data_dir) {
        Ok((store, report)) => {
            for notice in crate::notices::start_notices(&report) {
                eprintln!("paperboat: note: {}", crate::text::sanitize_line(&notice));
            }
            Ok(store)
        }
        // Already names the dir and says what to do.
        Err(error @ StoreError::Locked(_)) => Err(error.into()),
        Err(error) => Err(anyhow::Error::new(error).context(format!(
            "cannot open the paper cache in {}",
            data_dir.display()
        ))),
    }
}
