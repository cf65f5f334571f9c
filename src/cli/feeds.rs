//! `paperboat feeds`: each source with its last sync result; `feeds import` and `feeds export`
//! work on the config file only.

use std::path::Path;
use std::process::ExitCode;

use anyhow::Context;
use chrono::{DateTime, Utc};

use crate::clock::Clock;
use crate::config::Config;
use crate::model::SourceId;
use crate::store::{FeedState, Store};
use crate::sync::sources_from_config;

use super::args::FeedsCommand;
use super::output::Output;
use super::sync::describe_wait;

/// `paperboat feeds`: every configured source and what its last sync did.
pub(super) fn feeds_command(config: &Config, store: &Store) -> anyhow::Result<ExitCode> {
    let states: std::collections::HashMap<SourceId, FeedState> = store
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
fn describe_feed_state(state: &FeedState, now: DateTime<Utc>) -> String {
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
pub(super) fn feeds_file_command(
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
