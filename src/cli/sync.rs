//! `paperboat sync`: one round through the real sync task, a line per source, then retention.

use std::process::ExitCode;
use std::sync::Arc;

use anyhow::Context;
use chrono::{DateTime, NaiveDate, Utc};

use crate::clock::Clock;
use crate::config::Config;
use crate::source::Source;
use crate::store::Store;
use crate::sync::{
    SyncCommand, SyncEvent, SyncSettings, sources_from_config, sync_settings_from_config,
};

use super::EXIT_FAILED;
use super::output::Output;

/// What one headless round did, for the summary and the exit code.
#[derive(Debug, Default)]
struct RoundSummary {
    succeeded: usize,
    failed: usize,
    deferred: usize,
    new: usize,
    changed: usize,
}

pub(super) fn sync_command(
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
        line.push_str(&format!(", {} held back", summary.deferred));
    }
    out.line(&line);
    // A source held back by its server's Retry-After was not synced either.
    if summary.failed > 0 || summary.deferred > 0 {
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
            SyncEvent::Started { .. } => {}
            SyncEvent::SourceHeldBack { id, host, until } => {
                summary.deferred += 1;
                out.line(&format!(
                    "{id}: held back: {}",
                    describe_hold(&host, until, clock.now())
                ));
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
            SyncEvent::SourceFailed { id, error, reason } => {
                summary.failed += 1;
                // The phrase says what happened; the full message says where (its URL).
                out.line(&format!("{id}: failed: {reason} ({error})"));
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

/// "huggingface.co asks to wait until 2025-04-30 12:02:00 UTC (in 2 min)".
fn describe_hold(host: &str, until: DateTime<Utc>, now: DateTime<Utc>) -> String {
    format!("{host} asks to wait {}", describe_until(until, now))
}

/// The background sync's next try: "waiting to retry until 2025-04-30 12:02:00 UTC (in 2 min)".
pub(super) fn describe_wait(until: DateTime<Utc>, now: DateTime<Utc>) -> String {
    format!("waiting to retry {}", describe_until(until, now))
}

fn describe_until(until: DateTime<Utc>, now: DateTime<Utc>) -> String {
    let wait = (until - now).to_std().unwrap_or_default();
    format!(
        "until {} (in {})",
        until.format("%Y-%m-%d %H:%M:%S UTC"),
        crate::clock::human_duration(wait)
    )
}

#[cfg(test)]
mod tests {
    use super::*;

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
        assert_eq!(
            describe_hold("huggingface.co", until, now),
            "huggingface.co asks to wait until 2025-04-30 12:02:00 UTC (in 2 min)"
        );
    }
}
