//! `paperboat sync`: one round through the real sync task, a line per source, then retention.

use std::process::ExitCode;
use std::sync::Arc;

use anyhow::Context;
use chrono::{DateTime, NaiveDate, Utc};

use crate::clock::Clock;
use crate::config::Config;
use crate::model::SourceId;
use crate::server::commands::{
    self, CommandError, RoundFollower, SyncLine, SyncParams, SyncSummary,
};
use crate::source::Source;
use crate::source::hf_lists::HfList;
use crate::store::Store;
use crate::sync::{SyncCommand, SyncSettings, sync_settings_for};
use serde_json::value::RawValue;

use super::EXIT_FAILED;
use super::forward::{Target, call};
use super::output::Output;

/// Syncs through the open reader (its own sync task and config, joining a round that runs)
/// or here; both print a line per source as it finishes, then the same summary.
pub(super) fn sync_command(
    target: &mut Target,
    config: &Config,
    days: Option<u32>,
    date: Option<NaiveDate>,
    list: Option<HfList>,
) -> anyhow::Result<ExitCode> {
    let params = SyncParams { days, date, list };
    let clock = Clock::System;
    let mut forwarded = Output::stdout();
    let progress = |value: &RawValue| {
        if let Ok(line) = serde_json::from_str::<SyncLine>(value.get()) {
            forwarded.line(&line_text(&line, clock.now()));
        }
    };
    let summary: SyncSummary = match call(target, "sync", &params, progress, |store| {
        direct_round(config, store, &params)
    }) {
        Ok(summary) => summary,
        Err(failure) => return failure.report(),
    };
    let mut out = Output::stdout();
    if summary.nothing_to_sync {
        out.line(crate::sync::NOTHING_TO_SYNC);
        return Ok(ExitCode::SUCCESS);
    }
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
    if summary.dropped > 0 {
        let (dropped, keep_days) = (summary.dropped, summary.retention_days);
        let papers = if dropped == 1 { "paper" } else { "papers" };
        let days = if keep_days == 1 { "day" } else { "days" };
        out.line(&format!(
            "dropped {dropped} {papers} older than {keep_days} {days}"
        ));
    }
    Ok(ExitCode::SUCCESS)
}

/// One round here, through the real sync task, printing a line per source as it finishes.
fn direct_round(
    config: &Config,
    store: &Store,
    params: &SyncParams,
) -> Result<SyncSummary, CommandError> {
    let sources = params.sources(config);
    if sources.is_empty() {
        return Ok(SyncSummary {
            nothing_to_sync: true,
            ..SyncSummary::default()
        });
    }
    let settings = sync_settings_for(config);
    let clock = Clock::System;
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .context("cannot start the async runtime")?;
    let mut summary = runtime.block_on(sync_round(store.clone(), sources, settings, clock))?;
    commands::finish_round(
        store,
        &mut summary,
        config.store.retention_days,
        clock.today(),
    )?;
    Ok(summary)
}

/// Runs one `SyncAll` through the real sync task, printing a line per source.
async fn sync_round(
    store: Store,
    sources: Vec<Arc<dyn Source>>,
    settings: SyncSettings,
    clock: Clock,
) -> anyhow::Result<SyncSummary> {
    let mut out = Output::stdout();
    let configured: Vec<SourceId> = sources.iter().map(|s| s.id().clone()).collect();
    let mut handle = crate::sync::spawn(store.clone(), sources, settings, clock);
    handle
        .commands
        .send(SyncCommand::SyncAll)
        .await
        .map_err(|_| anyhow::anyhow!("the sync task stopped before it started"))?;
    let mut follower = RoundFollower::new(configured);
    let mut finished = false;
    while let Some(event) = handle.events.recv().await {
        let (lines, done) = follower.on_event(&store, &event);
        for line in &lines {
            out.line(&line_text(line, clock.now()));
        }
        if done {
            finished = true;
            break;
        }
    }
    let _ = handle.commands.send(SyncCommand::Shutdown).await;
    let _ = handle.task.await;
    anyhow::ensure!(finished, "the sync task stopped before the round finished");
    Ok(follower.summary)
}

/// One source's line: "hf: 3 new, 0 changed", "hf: failed: …", "hf: skipped: waiting …".
fn line_text(line: &SyncLine, now: DateTime<Utc>) -> String {
    match line {
        SyncLine::Updated {
            source,
            new,
            changed,
            note,
        } => match note {
            Some(note) => format!("{source}: {new} new, {changed} changed ({note})"),
            None => format!("{source}: {new} new, {changed} changed"),
        },
        // The phrase says what happened; the full message says where (its URL).
        SyncLine::Failed {
            source,
            error,
            reason,
        } if !reason.is_empty() => format!("{source}: failed: {reason} ({error})"),
        SyncLine::Failed { source, error, .. } => format!("{source}: failed: {error}"),
        SyncLine::HeldBack {
            source,
            host,
            until,
        } => format!("{source}: held back: {}", describe_hold(host, *until, now)),
        SyncLine::Skipped { source, until } => {
            let wait = until.map_or_else(
                || "waiting to retry".to_string(),
                |until| describe_wait(until, now),
            );
            format!("{source}: skipped: {wait}")
        }
    }
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
