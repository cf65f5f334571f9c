//! The command line (clap): the reader by default; `sync`, `list`, `star`, `unstar`, `read`,
//! `doctor`, `export`, `feeds`, `completions`, `man`.
//!
//! This is the program's edge: errors become one line on stderr (`paperboat: error: …`) and an
//! exit code (0 fine, 1 failed, 2 bad usage); nothing here panics on bad input. Headless
//! commands log to the same file as the reader and print only their own output.

use std::collections::BTreeSet;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::Arc;

use anyhow::Context;
use chrono::{DateTime, NaiveDate, Utc};
use clap::{CommandFactory, Parser, Subcommand};

use crate::clock::Clock;
use crate::config::{Config, Paths};
use crate::export::{ExportFormat, PaperLine};
use crate::model::{ListRow, PaperId, SourceId, UserState};
use crate::reader::ReaderOptions;
use crate::source::Source;
use crate::store::{Store, StoreError};
use crate::sync::{
    SyncCommand, SyncEvent, SyncSettings, sources_from_config, sync_settings_from_config,
};

/// Exit code of a command that ran but failed (a source failed, the store is locked, …).
const EXIT_FAILED: u8 = 1;
/// Exit code of a command line that could not be understood.
const EXIT_USAGE: u8 = 2;

/// A terminal reader for research-paper feeds: Hugging Face Daily Papers, arXiv, any RSS/Atom.
#[derive(Debug, Parser)]
#[command(name = "paperboat", version, about, max_term_width = 100)]
pub struct Cli {
    /// The paper cache [default: the XDG data dir, e.g. ~/.local/share/paperboat]
    #[arg(long, global = true, value_name = "DIR")]
    pub data_dir: Option<PathBuf>,
    /// The config file [default: ~/.config/paperboat/config.toml; missing means defaults]
    #[arg(long, global = true, value_name = "FILE")]
    pub config: Option<PathBuf>,
    /// Open the reader on a bundled demo feed, in a throwaway data dir removed on exit
    #[arg(long, conflicts_with_all = ["data_dir", "config"])]
    pub demo: bool,
    #[command(subcommand)]
    pub command: Option<Command>,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Fetch every configured source once and store what is new; exit 1 if any source failed
    Sync {
        /// Days of Hugging Face Daily Papers to fetch, today (UTC) included [default: from
        /// the config]
        #[arg(long, value_name = "N", value_parser = clap::value_parser!(u32).range(1..=3650))]
        days: Option<u32>,
        /// Fetch this one day of Hugging Face Daily Papers instead
        #[arg(long, value_name = "YYYY-MM-DD", value_parser = parse_date, conflicts_with = "days")]
        date: Option<NaiveDate>,
    },
    /// Print the cached papers, newest first (marks: * starred, r read)
    List {
        /// Only papers filed under this day
        #[arg(long, value_name = "YYYY-MM-DD", value_parser = parse_date)]
        date: Option<NaiveDate>,
        /// Only starred papers
        #[arg(long)]
        starred: bool,
        /// Only papers not marked read
        #[arg(long)]
        unread: bool,
        /// At most this many papers
        #[arg(long, value_name = "N")]
        limit: Option<usize>,
        /// One JSON object per line instead of text
        #[arg(long)]
        json: bool,
        /// Only papers matching a query, as typed in the reader's filter (e.g. 'cat:cs.LG
        /// diffusion -is:read upvotes:>20')
        #[arg(long, short = 'q', value_name = "QUERY")]
        query: Option<String>,
    },
    /// Export papers (all, starred, or matching a query) as BibTeX, Markdown, JSON or CSV
    Export {
        /// Only starred papers
        #[arg(long, conflicts_with = "query")]
        starred: bool,
        /// Only papers matching a query (the reader's filter language)
        #[arg(long, short = 'q', value_name = "QUERY")]
        query: Option<String>,
        #[arg(long, short = 'f', value_enum, default_value_t = ExportFormat::Bibtex)]
        format: ExportFormat,
        /// Write to this file instead of stdout
        #[arg(long, short = 'o', value_name = "FILE")]
        output: Option<PathBuf>,
    },
    /// List the sources with their last sync result; import or export feed lists
    Feeds {
        #[command(subcommand)]
        action: Option<FeedsCommand>,
    },
    /// Print a shell completion script (e.g. paperboat completions bash > ~/.local/share/bash-completion/completions/paperboat)
    Completions {
        #[arg(value_enum)]
        shell: clap_complete::Shell,
    },
    /// Print the man page (roff), e.g. paperboat man > ~/.local/share/man/man1/paperboat.1
    Man,
    /// Star papers (arXiv ids in any form, or ids as `list` prints them)
    Star {
        #[arg(required = true, value_name = "ID", value_parser = parse_id)]
        ids: Vec<PaperId>,
    },
    /// Remove the star from papers
    Unstar {
        #[arg(required = true, value_name = "ID", value_parser = parse_id)]
        ids: Vec<PaperId>,
    },
    /// Mark papers read
    Read {
        #[arg(required = true, value_name = "ID", value_parser = parse_id)]
        ids: Vec<PaperId>,
    },
    /// Check the paper cache and the star journal; exit 1 if anything is wrong
    Doctor {
        /// Move the paper cache aside (never deleted) and rebuild it from the journal
        #[arg(long)]
        rebuild: bool,
    },
}

#[derive(Debug, Subcommand)]
pub enum FeedsCommand {
    /// Add the feeds of an OPML or newsboat `urls` file to the config as [[sources.feeds]]
    Import {
        #[arg(value_name = "FILE")]
        file: PathBuf,
    },
    /// Print the configured feeds as OPML
    Export {
        /// Write to this file instead of stdout
        #[arg(long, short = 'o', value_name = "FILE")]
        output: Option<PathBuf>,
    },
}

fn parse_date(text: &str) -> Result<NaiveDate, String> {
    NaiveDate::parse_from_str(text.trim(), "%Y-%m-%d")
        .map_err(|_| "expected a date as YYYY-MM-DD, e.g. 2025-04-30".to_string())
}

fn parse_id(text: &str) -> Result<PaperId, String> {
    PaperId::parse_user(text).map_err(|e| e.to_string())
}

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

/// The error and its causes on one line. Many error types repeat their cause in their own
/// message (`cannot read config x: No such file…`); a cause already said is not said twice.
fn error_line(error: &anyhow::Error) -> String {
    let mut line = String::new();
    for cause in error.chain() {
        let text = crate::text::sanitize_line(&cause.to_string());
        if text.is_empty() || line.contains(&text) {
            continue;
        }
        if !line.is_empty() {
            line.push_str(": ");
        }
        line.push_str(&text);
    }
    line
}

/// Help and version print as clap renders them; every real usage error becomes one line.
fn usage_error(error: &clap::Error) -> ExitCode {
    use clap::error::ErrorKind;
    match error.kind() {
        ErrorKind::DisplayHelp
        | ErrorKind::DisplayVersion
        | ErrorKind::DisplayHelpOnMissingArgumentOrSubcommand => {
            let _ = error.print();
            let code = u8::try_from(error.exit_code()).unwrap_or(EXIT_USAGE);
            ExitCode::from(code)
        }
        _ => {
            let rendered = error.render().to_string();
            // The first paragraph is the message; the rest is usage and tips.
            let message: Vec<&str> = rendered
                .lines()
                .take_while(|line| !line.trim().is_empty())
                .map(str::trim)
                .collect();
            let message = message.join(" ");
            let message = message.strip_prefix("error: ").unwrap_or(&message);
            eprintln!(
                "paperboat: error: {} (see paperboat --help)",
                crate::text::sanitize_line(message)
            );
            ExitCode::from(EXIT_USAGE)
        }
    }
}

fn run(cli: Cli) -> anyhow::Result<ExitCode> {
    if cli.demo {
        if cli.command.is_some() {
            eprintln!("paperboat: error: --demo opens the reader; it takes no subcommand");
            return Ok(ExitCode::from(EXIT_USAGE));
        }
        return run_demo();
    }
    // These need neither a config nor the store.
    match &cli.command {
        Some(Command::Completions { shell }) => {
            let mut command = Cli::command();
            let mut script = Vec::new();
            clap_complete::generate(*shell, &mut command, "paperboat", &mut script);
            Output::stdout().text(&String::from_utf8_lossy(&script));
            return Ok(ExitCode::SUCCESS);
        }
        Some(Command::Man) => {
            let mut page = Vec::new();
            clap_mangen::Man::new(Cli::command())
                .render(&mut page)
                .context("cannot render the man page")?;
            Output::stdout().text(&String::from_utf8_lossy(&page));
            return Ok(ExitCode::SUCCESS);
        }
        _ => {}
    }
    let paths = Paths::default_paths();
    let config = load_config(cli.config.as_deref(), paths.as_ref())?;
    let config_file = cli
        .config
        .clone()
        .or_else(|| paths.as_ref().map(|p| p.config_file.clone()));
    if let Some(Command::Feeds {
        action: Some(action),
    }) = &cli.command
    {
        return feeds_file_command(&config, config_file.as_deref(), action);
    }
    let data_dir = match (cli.data_dir, &paths) {
        (Some(dir), _) => dir,
        (None, Some(paths)) => paths.data_dir.clone(),
        (None, None) => anyhow::bail!("no home directory found; pass --data-dir DIR"),
    };
    let log_dir = match &paths {
        Some(paths) => paths.log_dir.clone(),
        None => data_dir.join("log"),
    };
    // One place starts logging for every command, the reader included.
    let _log_guard = start_logging(&log_dir);
    let Some(command) = cli.command else {
        crate::reader::run_reader(ReaderOptions {
            config,
            data_dir,
            log_dir,
        })?;
        return Ok(ExitCode::SUCCESS);
    };
    tracing::info!(?command, data_dir = %data_dir.display(), "headless command");
    if let Command::Doctor { rebuild } = command {
        return doctor_command(&data_dir, rebuild);
    }
    let store = open_store(&data_dir)?;
    match command {
        Command::Sync { days, date } => sync_command(&config, &store, days, date),
        Command::List {
            date,
            starred,
            unread,
            limit,
            json,
            query,
        } => list_command(
            &store,
            &ListFilter {
                date,
                starred,
                unread,
                limit,
                query,
            },
            json,
        ),
        Command::Export {
            starred,
            query,
            format,
            output,
        } => export_command(&store, starred, query.as_deref(), format, output.as_deref()),
        Command::Feeds { .. } => feeds_command(&config, &store),
        // Handled before the store is opened.
        Command::Completions { .. } | Command::Man => Ok(ExitCode::SUCCESS),
        Command::Star { ids } => mark_command(&store, ids, Mark::Star),
        Command::Unstar { ids } => mark_command(&store, ids, Mark::Unstar),
        Command::Read { ids } => mark_command(&store, ids, Mark::Read),
        // Handled above, before the store is opened.
        Command::Doctor { .. } => Ok(ExitCode::SUCCESS),
    }
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
            for notice in report.notices() {
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

// ---------------------------------------------------------------- the demo

/// The reader on the bundled demo, in a fresh throwaway dir that is removed on exit.
fn run_demo() -> anyhow::Result<ExitCode> {
    let stamp = Utc::now().timestamp_nanos_opt().unwrap_or_default();
    let dir = std::env::temp_dir().join(format!("paperboat-demo-{}-{stamp}", std::process::id()));
    std::fs::create_dir(&dir)
        .with_context(|| format!("cannot create the demo dir {}", dir.display()))?;
    let result = demo_in(&dir);
    if let Err(error) = std::fs::remove_dir_all(&dir) {
        eprintln!(
            "paperboat: warning: cannot remove the demo dir {}: {error}",
            dir.display()
        );
    }
    result.map(|()| ExitCode::SUCCESS)
}

fn demo_in(dir: &Path) -> anyhow::Result<()> {
    // The demo leaves nothing behind, its log included.
    let log_dir = dir.join("log");
    let _log_guard = start_logging(&log_dir);
    let config = crate::demo::prepare(dir).context("cannot prepare the demo")?;
    crate::reader::run_reader(ReaderOptions {
        config,
        data_dir: dir.join("data"),
        log_dir,
    })
}

// ---------------------------------------------------------------- sync

/// What one headless round did, for the summary and the exit code.
#[derive(Debug, Default)]
struct RoundSummary {
    succeeded: usize,
    failed: usize,
    deferred: usize,
    new: usize,
    changed: usize,
}

fn sync_command(
    config: &Config,
    store: &Store,
    days: Option<u32>,
    date: Option<NaiveDate>,
) -> anyhow::Result<ExitCode> {
    let sources = sources_from_config(config, days, date);
    let mut out = Output::stdout();
    if sources.is_empty() {
        out.line("nothing to sync: every source is disabled in the config");
        return Ok(ExitCode::SUCCESS);
    }
    let settings = sync_settings_from_config(&config.sync);
    let clock = Clock::System;
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .context("cannot start the async runtime")?;
    let summary = runtime.block_on(sync_round(
        store.clone(),
        sources,
        settings,
        clock,
        &mut out,
    ))?;
    let mut line = format!(
        "synced {} of {} sources: {} new, {} changed",
        summary.succeeded,
        summary.succeeded + summary.failed + summary.deferred,
        summary.new,
        summary.changed
    );
    if summary.failed > 0 {
        line.push_str(&format!(", {} failed", summary.failed));
    }
    if summary.deferred > 0 {
        line.push_str(&format!(", {} waiting to retry", summary.deferred));
    }
    out.line(&line);
    if summary.failed > 0 {
        return Ok(ExitCode::from(EXIT_FAILED));
    }
    let keep_days = config.store.retention_days;
    if keep_days > 0 {
        let dropped = store
            .apply_retention(keep_days, clock.today())
            .context("cannot drop old papers")?;
        if dropped > 0 {
            let papers = if dropped == 1 { "paper" } else { "papers" };
            let days = if keep_days == 1 { "day" } else { "days" };
            out.line(&format!(
                "dropped {dropped} {papers} older than {keep_days} {days}"
            ));
        }
    }
    Ok(ExitCode::SUCCESS)
}

/// Runs one `SyncAll` through the real sync task, printing a line per source.
async fn sync_round(
    store: Store,
    sources: Vec<Arc<dyn Source>>,
    settings: SyncSettings,
    clock: Clock,
    out: &mut Output,
) -> anyhow::Result<RoundSummary> {
    let configured: Vec<SourceId> = sources.iter().map(|s| s.id().clone()).collect();
    let mut handle = crate::sync::spawn(store.clone(), sources, settings, clock);
    handle
        .commands
        .send(SyncCommand::SyncAll)
        .await
        .map_err(|_| anyhow::anyhow!("the sync task stopped before it started"))?;
    let mut summary = RoundSummary::default();
    let mut finished = false;
    while let Some(event) = handle.events.recv().await {
        match event {
            SyncEvent::Started { sources: started } => {
                // A configured source the round left out is held back by Retry-After/backoff.
                for id in configured.iter().filter(|id| !started.contains(id)) {
                    summary.deferred += 1;
                    let until = store.feed_state(id).ok().and_then(|s| s.next_attempt_after);
                    let wait = until.map_or_else(
                        || "waiting to retry".to_string(),
                        |until| describe_wait(until, clock.now()),
                    );
                    out.line(&format!("{id}: skipped: {wait}"));
                }
            }
            SyncEvent::SourceProgress { .. } => {}
            SyncEvent::SourceUpdated {
                id,
                new,
                changed,
                note,
            } => {
                summary.succeeded += 1;
                summary.new += new;
                summary.changed += changed;
                match note {
                    Some(note) => out.line(&format!("{id}: {new} new, {changed} changed ({note})")),
                    None => out.line(&format!("{id}: {new} new, {changed} changed")),
                };
            }
            SyncEvent::SourceFailed { id, error } => {
                summary.failed += 1;
                out.line(&format!("{id}: failed: {error}"));
            }
            SyncEvent::Finished { .. } => {
                finished = true;
                break;
            }
        }
    }
    let _ = handle.commands.send(SyncCommand::Shutdown).await;
    let _ = handle.task.await;
    anyhow::ensure!(finished, "the sync task stopped before the round finished");
    Ok(summary)
}

/// "retrying after 2025-04-30 12:02:00 UTC (in 2 min)".
fn describe_wait(until: DateTime<Utc>, now: DateTime<Utc>) -> String {
    let wait = (until - now).to_std().unwrap_or_default();
    format!(
        "waiting to retry until {} (in {})",
        until.format("%Y-%m-%d %H:%M:%S UTC"),
        crate::source::fetch::human_duration(wait)
    )
}

// ---------------------------------------------------------------- list

struct ListFilter {
    date: Option<NaiveDate>,
    starred: bool,
    unread: bool,
    limit: Option<usize>,
    query: Option<String>,
}

/// Ids of the papers a query matches, over the whole cache (abstracts included). A query that
/// does not parse is a usage error.
fn query_matches(store: &Store, query: &str) -> anyhow::Result<Result<BTreeSet<PaperId>, String>> {
    let parsed = match crate::query::parse(query) {
        Ok(parsed) => parsed,
        Err(error) => return Ok(Err(format!("query {query:?}: {error}"))),
    };
    let catalog =
        crate::app::catalog::full_catalog(store, true).context("cannot read the paper cache")?;
    let today = Clock::System.today();
    let ids = match parsed.matching(&catalog.corpus(today)) {
        Some(set) => set.iter().map(|row| catalog.rows[row].id.clone()).collect(),
        None => catalog.rows.iter().map(|row| row.id.clone()).collect(),
    };
    Ok(Ok(ids))
}

fn bad_query(message: &str) -> ExitCode {
    eprintln!(
        "paperboat: error: {} (see ? in the reader for the query language)",
        crate::text::sanitize_line(message)
    );
    ExitCode::from(EXIT_USAGE)
}

fn list_command(store: &Store, filter: &ListFilter, json: bool) -> anyhow::Result<ExitCode> {
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
    // Newest day first; within a day the most upvoted first, then a stable order by id.
    rows.sort_by(|a, b| {
        b.day
            .cmp(&a.day)
            .then(b.upvotes.cmp(&a.upvotes))
            .then(a.id.cmp(&b.id))
    });
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

// ---------------------------------------------------------------- export

fn export_command(
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
    rows.sort_by(|a, b| {
        b.day
            .cmp(&a.day)
            .then(b.upvotes.cmp(&a.upvotes))
            .then(a.id.cmp(&b.id))
    });
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

// ---------------------------------------------------------------- feeds

/// `paperboat feeds`: every configured source and what its last sync did.
fn feeds_command(config: &Config, store: &Store) -> anyhow::Result<ExitCode> {
    let states: std::collections::HashMap<SourceId, crate::store::FeedState> = store
        .feed_states()
        .context("cannot read the sync state")?
        .into_iter()
        .collect();
    let mut out = Output::stdout();
    let sources = sources_from_config(config, None, None);
    if sources.is_empty() {
        out.line("no sources: every source is disabled in the config");
    }
    let now = Clock::System.now();
    for source in &sources {
        let id = source.id();
        let state = states.get(id).cloned().unwrap_or_default();
        out.line(&format!("{id}  {}", describe_feed_state(&state, now)));
    }
    Ok(ExitCode::SUCCESS)
}

/// "ok 2025-04-30 12:00 UTC, 12 new" / "failed 3 times, last: HTTP 500 (…)" / "never synced".
fn describe_feed_state(state: &crate::store::FeedState, now: DateTime<Utc>) -> String {
    let when = |at: DateTime<Utc>| at.format("%Y-%m-%d %H:%M UTC").to_string();
    let mut text = match (&state.last_error, state.last_success, state.last_attempt) {
        (Some(error), _, attempt) => {
            let times = if state.consecutive_failures == 1 {
                "once".to_string()
            } else {
                format!("{} times", state.consecutive_failures)
            };
            let at = attempt
                .map(|a| format!(" at {}", when(a)))
                .unwrap_or_default();
            format!("failed {times}{at}: {}", crate::text::sanitize_line(error))
        }
        (None, Some(success), _) => format!("ok {}, {} new", when(success), state.last_new),
        (None, None, _) => "never synced".to_string(),
    };
    if let Some(until) = state.next_attempt_after.filter(|until| *until > now) {
        text.push_str(&format!("; {}", describe_wait(until, now)));
    }
    text
}

/// `feeds import FILE` and `feeds export`: work on the config file only.
fn feeds_file_command(
    config: &Config,
    config_file: Option<&Path>,
    action: &FeedsCommand,
) -> anyhow::Result<ExitCode> {
    match action {
        FeedsCommand::Import { file } => {
            let path = config_file.context("no home directory found; pass --config FILE")?;
            let text = std::fs::read_to_string(file)
                .with_context(|| format!("cannot read {}", file.display()))?;
            let feeds = crate::feeds::parse_feed_list(&text)
                .with_context(|| format!("cannot read {}", file.display()))?;
            let outcome = crate::feeds::import_into_config(path, &feeds)?;
            let mut out = Output::stdout();
            for feed in &outcome.added {
                out.line(&format!("added {}  {}", feed.name, feed.url));
            }
            out.line(&format!(
                "{} feed{} added to {}, {} already there",
                outcome.added.len(),
                if outcome.added.len() == 1 { "" } else { "s" },
                path.display(),
                outcome.already
            ));
            Ok(ExitCode::SUCCESS)
        }
        FeedsCommand::Export { output } => {
            let text = crate::feeds::opml(config);
            match output {
                Some(path) => std::fs::write(path, text)
                    .with_context(|| format!("cannot write {}", path.display()))?,
                None => {
                    Output::stdout().text(&text);
                }
            }
            Ok(ExitCode::SUCCESS)
        }
    }
}

// ---------------------------------------------------------------- star, unstar, read

#[derive(Debug, Clone, Copy)]
enum Mark {
    Star,
    Unstar,
    Read,
}

impl Mark {
    fn done(self) -> &'static str {
        match self {
            Mark::Star => "starred",
            Mark::Unstar => "unstarred",
            Mark::Read => "marked read",
        }
    }
}

fn mark_command(store: &Store, ids: Vec<PaperId>, mark: Mark) -> anyhow::Result<ExitCode> {
    let now = Clock::System.now();
    let mut out = Output::stdout();
    let unique: BTreeSet<PaperId> = ids.into_iter().collect();
    for id in &unique {
        let written = match mark {
            Mark::Star => store.set_starred(id, true, now),
            Mark::Unstar => store.set_starred(id, false, now),
            Mark::Read => store.set_read(id, true),
        };
        written.with_context(|| format!("cannot save that {id} is {}", mark.done()))?;
        let known = store
            .paper(id)
            .context("cannot read the paper cache")?
            .is_some();
        if !known {
            eprintln!(
                "paperboat: note: {id} is not in the cache yet; {} anyway (it shows once a \
                 sync brings it)",
                mark.done()
            );
        }
        tracing::info!(%id, mark = mark.done(), known, "user state set");
        out.line(&format!("{} {id}", mark.done()));
    }
    Ok(ExitCode::SUCCESS)
}

// ---------------------------------------------------------------- doctor

fn doctor_command(data_dir: &Path, rebuild: bool) -> anyhow::Result<ExitCode> {
    let diagnosis = if rebuild {
        crate::doctor::rebuild(data_dir)
    } else {
        crate::doctor::diagnose(data_dir)
    }
    .with_context(|| format!("cannot check the paper cache in {}", data_dir.display()))?;
    let mut out = Output::stdout();
    for line in &diagnosis.lines {
        out.line(line);
    }
    Ok(if diagnosis.healthy {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(EXIT_FAILED)
    })
}

// ---------------------------------------------------------------- output

/// Stdout that stops quietly when the reader goes away (`paperboat list | head`) instead of
/// panicking the way `println!` does on a closed pipe.
struct Output {
    open: bool,
}

impl Output {
    fn stdout() -> Output {
        Output { open: true }
    }

    /// Writes text as it is (no newline added); false once stdout is closed.
    fn text(&mut self, text: &str) -> bool {
        if self.open {
            let mut stdout = std::io::stdout().lock();
            self.open = stdout
                .write_all(text.as_bytes())
                .and_then(|()| stdout.flush())
                .is_ok();
        }
        self.open
    }

    /// Writes one line; false once stdout is closed.
    fn line(&mut self, text: &str) -> bool {
        if self.open {
            let mut stdout = std::io::stdout().lock();
            self.open = writeln!(stdout, "{text}")
                .and_then(|()| stdout.flush())
                .is_ok();
        }
        self.open
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::Paper;

    #[test]
    fn the_command_line_definition_is_consistent() {
        Cli::command().debug_assert();
    }

    #[test]
    fn dates_parse_strictly() {
        assert_eq!(
            parse_date("2025-04-30"),
            Ok(NaiveDate::from_ymd_opt(2025, 4, 30).unwrap())
        );
        for bad in ["2025-13-01", "30.04.2025", "2025-04-31", "", "yesterday"] {
            assert!(parse_date(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn subcommands_and_flags_parse() {
        let cli = Cli::try_parse_from([
            "paperboat",
            "--data-dir",
            "/tmp/d",
            "list",
            "--starred",
            "--limit",
            "5",
            "--json",
        ])
        .unwrap();
        assert_eq!(cli.data_dir.as_deref(), Some(Path::new("/tmp/d")));
        assert!(matches!(
            cli.command,
            Some(Command::List {
                starred: true,
                limit: Some(5),
                json: true,
                ..
            })
        ));
        // Global flags work after the subcommand too.
        let cli = Cli::try_parse_from(["paperboat", "sync", "--days", "3", "--config", "c.toml"])
            .unwrap();
        assert_eq!(cli.config.as_deref(), Some(Path::new("c.toml")));
        assert!(matches!(
            cli.command,
            Some(Command::Sync {
                days: Some(3),
                date: None
            })
        ));
    }

    #[test]
    fn ids_in_any_form_parse_and_garbage_is_a_usage_error() {
        let cli = Cli::try_parse_from(["paperboat", "star", "arXiv:2504.21318v2"]).unwrap();
        let Some(Command::Star { ids }) = cli.command else {
            panic!("not star")
        };
        assert_eq!(ids, vec![PaperId::parse_user("2504.21318").unwrap()]);
        let error = Cli::try_parse_from(["paperboat", "star", "not-an-id"]).unwrap_err();
        assert_eq!(error.kind(), clap::error::ErrorKind::ValueValidation);
        assert!(Cli::try_parse_from(["paperboat", "read"]).is_err());
        assert!(Cli::try_parse_from(["paperboat", "sync", "--days", "0"]).is_err());
    }

    #[test]
    fn demo_excludes_data_dir_and_config() {
        assert!(Cli::try_parse_from(["paperboat", "--demo", "--data-dir", "/x"]).is_err());
        assert!(Cli::try_parse_from(["paperboat", "--demo"]).is_ok());
    }

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

    #[test]
    fn error_causes_are_not_repeated() {
        let io = std::io::Error::new(std::io::ErrorKind::NotFound, "No such file");
        let error = anyhow::Error::new(crate::config::ConfigError::Read {
            path: PathBuf::from("c.toml"),
            source: io,
        })
        .context("loading");
        assert_eq!(
            error_line(&error),
            "loading: cannot read config c.toml: No such file"
        );
    }

    #[test]
    fn waits_read_well() {
        let now = DateTime::parse_from_rfc3339("2025-04-30T12:00:00Z")
            .unwrap()
            .to_utc();
        let until = now + chrono::Duration::seconds(120);
        assert_eq!(
            describe_wait(until, now),
            "waiting to retry until 2025-04-30 12:02:00 UTC (in 2 min)"
        );
    }
}
