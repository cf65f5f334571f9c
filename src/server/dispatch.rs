//! The methods: each request's params checked, its work done off the async threads, and its
//! replies written.

use std::sync::Arc;
use std::time::Duration;

use serde::Serialize;
use serde::de::DeserializeOwned;

use super::Context;
use super::commands::{self, CommandError, Mark, RoundFollower, SyncParams, SyncSummary};
use super::connection::Replies;
use super::protocol::{Request, code};
use super::search::SearchParams;
use crate::app::{Catalog, Msg};
use crate::clock::Clock;
use crate::model::{PaperId, SourceId};
use crate::sync::{SyncCommand, SyncEvent};

/// How long a read waits for the reader's catalog to catch up with the store (it reloads after
/// every sync that changed papers) before reading the store itself.
const SNAPSHOT_WAIT: Duration = Duration::from_secs(30);

/// Every method this reader answers.
pub const METHODS: &[&str] = &[
    "hello", "list", "star", "unstar", "read", "note", "export", "feeds", "sync", "show", "search",
    "pdf",
];

pub async fn handle(
    context: &Arc<Context>,
    request: Request,
    replies: &mut Replies<'_>,
) -> std::io::Result<()> {
    tracing::debug!(method = %request.method, "request");
    match request.method.as_str() {
        "hello" => {
            #[derive(Serialize)]
            struct Hello {
                version: &'static str,
                protocol: u64,
                pid: u32,
                methods: &'static [&'static str],
            }
            replies
                .ok(&Hello {
                    version: env!("CARGO_PKG_VERSION"),
                    protocol: super::protocol::PROTOCOL_VERSION,
                    pid: std::process::id(),
                    methods: METHODS,
                })
                .await
        }
        "list" => {
            let Some(params) = params::<commands::ListParams>(&request, replies).await? else {
                return Ok(());
            };
            list(context, params, replies).await
        }
        "star" | "unstar" | "read" => {
            let mark = match request.method.as_str() {
                "star" => Mark::Star,
                "unstar" => Mark::Unstar,
                _ => Mark::Read,
            };
            let Some(params) = params::<commands::MarkParams>(&request, replies).await? else {
                return Ok(());
            };
            let ids = match commands::parse_ids(&params.ids) {
                Ok(ids) => ids,
                Err(error) => return answer::<()>(replies, Err(error)).await,
            };
            let store = context.store.clone();
            let marked =
                blocking(move || Ok(commands::mark(&store, &ids, mark, Clock::System.now()))).await;
            if let Ok(result) = &marked {
                let ids: Vec<PaperId> = result
                    .marked
                    .iter()
                    .filter_map(|m| PaperId::parse_user(&m.id).ok())
                    .collect();
                show_in_reader(context, ids).await;
            }
            stall_if_asked(context).await;
            answer(replies, marked).await
        }
        "note" => {
            let Some(params) = params::<commands::NoteParams>(&request, replies).await? else {
                return Ok(());
            };
            let id = match commands::parse_ids(std::slice::from_ref(&params.id)) {
                Ok(mut ids) if ids.len() == 1 => ids.remove(0),
                Ok(_) => return replies.error(code::BAD_PARAMS, "one id").await,
                Err(error) => return answer::<()>(replies, Err(error)).await,
            };
            let store = context.store.clone();
            let noted = {
                let id = id.clone();
                blocking(move || commands::note(&store, &id, params.text)).await
            };
            if noted.is_ok() {
                show_in_reader(context, vec![id]).await;
            }
            stall_if_asked(context).await;
            answer(replies, noted).await
        }
        "export" => {
            let Some(params) = params::<commands::ExportParams>(&request, replies).await? else {
                return Ok(());
            };
            let catalog = fresh_catalog(context).await;
            let store = context.store.clone();
            let result =
                blocking(move || commands::export(&store, catalog.as_deref(), &params)).await;
            answer(replies, result).await
        }
        "feeds" => {
            let context = Arc::clone(context);
            let result = blocking(move || commands::feeds(&context.config, &context.store)).await;
            answer(replies, result).await
        }
        "sync" => {
            let Some(params) = params::<SyncParams>(&request, replies).await? else {
                return Ok(());
            };
            sync(context, params, replies).await
        }
        "pdf" => {
            let Some(params) = params::<crate::pdf::PdfParams>(&request, replies).await? else {
                return Ok(());
            };
            super::pdf::pdf(context, params, replies).await
        }
        "search" => {
            let Some(params) = params::<SearchParams>(&request, replies).await? else {
                return Ok(());
            };
            let result = search(context, params).await;
            answer(replies, result).await
        }
        "show" => {
            let Some(params) = params::<super::show::ShowParams>(&request, replies).await? else {
                return Ok(());
            };
            // Holds stored by the reader's sync task are honoured (read from the store), and
            // a 429 met here is stored for it.
            let fetcher = crate::sync::FullTextFetcher::new(
                context.store.clone(),
                &context.config,
                crate::sync::ServerWaits::default(),
                Clock::System,
            );
            let result = super::show::show(&fetcher, &params).await;
            answer(replies, result).await
        }
        other => {
            replies
                .error(
                    code::UNKNOWN_METHOD,
                    format!(
                        "paperboat {} does not know the method {:?}",
                        env!("CARGO_PKG_VERSION"),
                        crate::text::sanitize_line(other)
                    ),
                )
                .await
        }
    }
}

/// `list`, streamed: the worker hands over parts of the listing as they fill (a bounded
/// channel, so a slow client slows the worker instead of the listing piling up here), each
/// written as a `progress` reply; the `ok` carries the last part.
async fn list(
    context: &Arc<Context>,
    params: commands::ListParams,
    replies: &mut Replies<'_>,
) -> std::io::Result<()> {
    use commands::{LIST_PART_BYTES, LIST_PART_PAPERS, ListResult};
    let catalog = fresh_catalog(context).await;
    let store = context.store.clone();
    let (parts_tx, mut parts_rx) = tokio::sync::mpsc::channel::<ListResult>(2);
    let work = tokio::spawn(blocking(move || {
        let mut part = Vec::new();
        let mut bytes = 0;
        commands::list_into(&store, catalog.as_deref(), &params, &mut |paper| {
            bytes += paper.get().len();
            part.push(paper);
            if part.len() >= LIST_PART_PAPERS || bytes >= LIST_PART_BYTES {
                let papers = std::mem::take(&mut part);
                bytes = 0;
                parts_tx
                    .blocking_send(ListResult { papers })
                    .map_err(|_| anyhow::anyhow!("the client went away"))?;
            }
            Ok(())
        })?;
        Ok(ListResult { papers: part })
    }));
    while let Some(part) = parts_rx.recv().await {
        // A client that went away ends the request; the worker stops at its next part.
        replies.progress(&part).await?;
    }
    let result = work.await.unwrap_or_else(|error| {
        Err(CommandError::Failed(anyhow::anyhow!(
            "the request's worker failed: {error}"
        )))
    });
    answer(replies, result).await
}

/// The request's params, or a `bad_params` reply and `None`.
async fn params<P: DeserializeOwned>(
    request: &Request,
    replies: &mut Replies<'_>,
) -> std::io::Result<Option<P>> {
    let text = match request.params.get() {
        // A method whose params are all optional may be called without any.
        "null" => "{}",
        text => text,
    };
    match serde_json::from_str(text) {
        Ok(params) => Ok(Some(params)),
        Err(error) => {
            replies
                .error(
                    code::BAD_PARAMS,
                    format!("params of {:?}: {error}", request.method),
                )
                .await?;
            Ok(None)
        }
    }
}

async fn answer<T: Serialize>(
    replies: &mut Replies<'_>,
    result: Result<T, CommandError>,
) -> std::io::Result<()> {
    match result {
        Ok(value) => replies.ok(&value).await,
        Err(CommandError::BadQuery(message)) => replies.error(code::BAD_QUERY, message).await,
        Err(CommandError::BadParams(message)) => replies.error(code::BAD_PARAMS, message).await,
        Err(CommandError::Failed(error)) => replies.error(code::FAILED, chain_line(&error)).await,
    }
}

/// An error and its causes on one line, a cause already said not said twice.
pub fn chain_line(error: &anyhow::Error) -> String {
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

/// Request work runs one at a time: the reader has two cores in mind, and the one that draws
/// must stay free however many clients ask at once (they queue instead).
static WORK: tokio::sync::Semaphore = tokio::sync::Semaphore::const_new(1);

/// Runs store work on a blocking thread, one request's work at a time.
async fn blocking<T: Send + 'static>(
    work: impl FnOnce() -> Result<T, CommandError> + Send + 'static,
) -> Result<T, CommandError> {
    let _turn = WORK.acquire().await;
    match tokio::task::spawn_blocking(work).await {
        Ok(result) => result,
        Err(error) => Err(CommandError::Failed(anyhow::anyhow!(
            "the request's worker failed: {error}"
        ))),
    }
}

/// The reader's catalog once it holds every paper change the store has seen; `None` when it
/// does not catch up in time (the caller reads the store instead).
async fn fresh_catalog(context: &Context) -> Option<Arc<Catalog>> {
    let wanted = context.store.papers_version();
    let mut snapshot = context.snapshot.clone();
    let fresh = |c: &Option<Arc<Catalog>>| c.as_ref().is_some_and(|c| c.papers_version >= wanted);
    match tokio::time::timeout(SNAPSHOT_WAIT, snapshot.wait_for(fresh)).await {
        Ok(Ok(catalog)) => catalog.clone(),
        _ => {
            tracing::warn!("the reader's catalog is behind the store: reading the store");
            None
        }
    }
}

/// Tells the open reader about stored user-state changes, so they show without a key press.
async fn show_in_reader(context: &Context, ids: Vec<PaperId>) {
    let store = context.store.clone();
    let states = blocking(move || {
        Ok(ids
            .into_iter()
            .filter_map(|id| store.user_state(&id).ok().map(|state| (id, state)))
            .collect::<Vec<_>>())
    })
    .await
    .unwrap_or_default();
    for (id, state) in states {
        let _ = context.inbox.send(Msg::UserStateChanged { id, state });
    }
}

/// Tests only (see `ServerSettings::stall_after_write`).
async fn stall_if_asked(context: &Context) {
    if let Some(marker) = &context.settings.stall_after_write {
        let _ = std::fs::write(marker, b"stalled\n");
        std::future::pending::<()>().await;
    }
}

/// A forwarded `sync`: the reader's own round (joined when one runs), or with `days`/`date` a
/// one-off round of those sources in this process; per-source lines as progress, then the
/// summary. Retention follows a round without failures, as it does for a direct sync.
async fn sync(
    context: &Arc<Context>,
    params: SyncParams,
    replies: &mut Replies<'_>,
) -> std::io::Result<()> {
    let clock = Clock::System;
    let one_off = params.one_off();
    let sources = params.sources(&context.config);
    if sources.is_empty() {
        let summary = SyncSummary {
            nothing_to_sync: true,
            ..SyncSummary::default()
        };
        return replies.ok(&summary).await;
    }
    let configured: Vec<SourceId> = sources.iter().map(|s| s.id().clone()).collect();
    let mut follower = RoundFollower::new(configured);
    let followed = if one_off {
        let settings = crate::sync::sync_settings_for(&context.config);
        let mut handle = crate::sync::spawn(context.store.clone(), sources, settings, clock);
        let followed = match handle.commands.send(SyncCommand::SyncAll).await {
            Ok(()) => {
                let mut done = false;
                while let Some(event) = handle.events.recv().await {
                    done = follow(context, &mut follower, &event, replies).await?;
                    if done {
                        break;
                    }
                }
                done
            }
            Err(_) => false,
        };
        let _ = handle.commands.send(SyncCommand::Shutdown).await;
        let _ = handle.task.await;
        if follower.summary.new + follower.summary.changed > 0 {
            let _ = context.inbox.send(Msg::StoreChanged);
        }
        followed
    } else {
        let (earlier, mut rest) = match context.sync.join_or_start() {
            Ok(joined) => joined,
            Err(message) => return replies.error(code::FAILED, message).await,
        };
        let mut started = false;
        let mut done = false;
        for event in &earlier {
            started |= matches!(event, SyncEvent::Started { .. });
            done = follow(context, &mut follower, event, replies).await?;
        }
        while !done {
            match rest.recv().await {
                Ok(event) => {
                    // A round that finished as this one was asked for is not ours.
                    if !started && !matches!(event, SyncEvent::Started { .. }) {
                        continue;
                    }
                    started = true;
                    done = follow(context, &mut follower, &event, replies).await?;
                }
                Err(tokio::sync::broadcast::error::RecvError::Lagged(_)) => {}
                Err(tokio::sync::broadcast::error::RecvError::Closed) => break,
            }
        }
        done
    };
    if !followed {
        return replies
            .error(
                code::FAILED,
                "the sync task stopped before the round finished",
            )
            .await;
    }
    let mut summary = follower.summary;
    let keep_days = context.config.store.retention_days;
    let store = context.store.clone();
    let finished = blocking(move || {
        commands::finish_round(&store, &mut summary, keep_days, clock.today())?;
        Ok(summary)
    })
    .await;
    if finished.as_ref().is_ok_and(|s| s.dropped > 0) {
        let _ = context.inbox.send(Msg::StoreChanged);
    }
    answer(replies, finished).await
}

/// A forwarded `search`: run by the reader's own sync task (its Retry-After holds), then
/// answered from the store; the reader re-reads the papers it brought.
async fn search(
    context: &Arc<Context>,
    params: SearchParams,
) -> Result<super::search::SearchResult, CommandError> {
    let list = params.list()?;
    let events = context
        .sync
        .fetch_list(list.clone())
        .map_err(|message| CommandError::Failed(anyhow::anyhow!(message)))?;
    super::search::await_list(&list, events).await?;
    let store = context.store.clone();
    blocking(move || super::search::search_result(&store, &params)).await
}

/// One event of the followed round: its lines sent as progress; true once it finished.
async fn follow(
    context: &Context,
    follower: &mut RoundFollower,
    event: &SyncEvent,
    replies: &mut Replies<'_>,
) -> std::io::Result<bool> {
    let (lines, done) = follower.on_event(&context.store, event);
    for line in &lines {
        replies.progress(line).await?;
    }
    Ok(done)
}
