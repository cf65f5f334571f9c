//! `paperboat feeds`: each source with its last sync result; `feeds import` and `feeds export`
//! work on the config file only.

use std::path::Path;
use std::process::ExitCode;

use anyhow::Context;
use chrono::{DateTime, Utc};

use crate::clock::Clock;
use crate::config::Config;
use crate::server::commands::{self, FeedsResult};
use crate::store::FeedState;

use super::args::FeedsCommand;
use super::forward::{Target, call};
use super::output::{Output, column_width, padded};
use super::sync::describe_wait;

/// `paperboat feeds`: every configured source and what its last sync did (the open reader's
/// sources when it answers).
pub(super) fn feeds_command(target: &mut Target, config: &Config) -> anyhow::Result<ExitCode> {
    let result: FeedsResult = match call(
        target,
        "feeds",
        &(),
        |_| {},
        |store| commands::feeds(config, store),
    ) {
        Ok(result) => result,
        Err(failure) => return failure.report(),
    };
    let mut out = Output::stdout();
    if result.sources.is_empty() {
        out.line("no sources: every source is disabled in the config");
    }
    for line in feed_lines(&result, Clock::System.now()) {
        if !out.line(&line) {
            break;
        }
    }
    Ok(ExitCode::SUCCESS)
}

/// One line per source, the states lined up after the widest name (by display width: a
/// feed's name may be in any script).
fn feed_lines(result: &FeedsResult, now: DateTime<Utc>) -> Vec<String> {
    let names: Vec<String> = result
        .sources
        .iter()
        .map(|source| crate::text::sanitize_line(&source.id.to_string()))
        .collect();
    let width = column_width(names.iter().map(String::as_str));
    names
        .iter()
        .zip(&result.sources)
        .map(|(name, source)| {
            format!(
                "{}  {}",
                padded(name, width),
                describe_feed_state(&source.state, now)
            )
        })
        .collect()
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
    data_dir: &Path,
) -> anyhow::Result<ExitCode> {
    match action {
        FeedsCommand::Import {
            file,
            arxiv_categories,
        } => {
            let path = config_file.context("no home directory found; pass --config FILE")?;
            let text = std::fs::read_to_string(file)
                .with_context(|| format!("cannot read {}", file.display()))?;
            let feeds = crate::feeds::parse_feed_list(&text)
                .with_context(|| format!("cannot read {}", file.display()))?;
            let options = crate::feeds::ImportOptions {
                arxiv_categories: *arxiv_categories,
            };
            let outcome = crate::feeds::import_into_config(path, &feeds, options)?;
            let mut out = Output::stdout();
            for feed in &outcome.added {
                out.line(&format!("added {}  {}", feed.name, feed.url));
            }
            if !outcome.categories_added.is_empty() {
                out.line(&format!(
                    "added arXiv categories {} to [sources.arxiv]{}",
                    outcome.categories_added.join(", "),
                    match outcome.feeds_replaced {
                        0 => String::new(),
                        1 => " (replacing 1 listing feed)".to_string(),
                        n => format!(" (replacing {n} listing feeds)"),
                    }
                ));
            }
            if !outcome.arxiv_feeds.is_empty() {
                out.line(&format!(
                    "{} of these {} arXiv listing{}: they are read as arXiv reads them; to follow \
                     their categories in [sources.arxiv] instead, run `paperboat feeds import \
                     --arxiv-categories {}`",
                    outcome.arxiv_feeds.len(),
                    if outcome.arxiv_feeds.len() == 1 {
                        "is an"
                    } else {
                        "are"
                    },
                    if outcome.arxiv_feeds.len() == 1 {
                        ""
                    } else {
                        "s"
                    },
                    file.display()
                ));
            }
            out.line(&format!(
                "{} feed{} added to {}, {} already there",
                outcome.added.len(),
                if outcome.added.len() == 1 { "" } else { "s" },
                path.display(),
                outcome.already
            ));
            // The open reader read its config at start.
            let changed = !outcome.added.is_empty() || !outcome.categories_added.is_empty();
            if changed && super::forward::open_reader(data_dir).is_some() {
                out.line("the open reader picks them up when restarted");
            }
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

#[cfg(test)]
mod tests {
    use unicode_width::UnicodeWidthStr;

    use super::*;
    use crate::model::SourceId;
    use crate::server::commands::FeedLine;

    #[test]
    fn states_line_up_after_names_of_any_width() {
        let now = DateTime::parse_from_rfc3339("2025-04-30T12:00:00Z")
            .unwrap()
            .to_utc();
        let result = FeedsResult {
            sources: ["hf", "arxiv", "feed:論文ブログ", "feed:x"]
                .into_iter()
                .map(|id| FeedLine {
                    id: SourceId::from_stored(id.to_string()),
                    state: FeedState::default(),
                })
                .collect(),
        };
        let lines = feed_lines(&result, now);
        assert_eq!(lines.len(), 4);
        // Every state starts in the same column on screen.
        let columns: Vec<usize> = lines
            .iter()
            .map(|line| line[..line.find("never synced").unwrap()].width())
            .collect();
        assert!(columns.iter().all(|&c| c == columns[0]), "{lines:#?}");
        assert_eq!(columns[0], "feed:論文ブログ".width() + 2);
        assert_eq!(
            lines[0],
            format!("hf{}never synced", " ".repeat(columns[0] - 2))
        );
    }
}
