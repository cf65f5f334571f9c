//! The background sync task: owns the HTTP client and a store handle, fetches due sources with
//! bounded concurrency and per-host politeness, and talks to the rest of the program only through
//! a command channel in and an event channel out. Events carry ids and counts, never papers.

mod fulltext;
mod hf_lists;
mod ingest;
mod politeness;
pub mod schedule;
mod server_waits;
mod setup;
mod task;

pub use fulltext::{FullTextError, FullTextFetcher, LookupError, Origin as FullTextOrigin};
pub use ingest::{IngestError, ingest_body};
pub use politeness::HostGates;
pub use server_waits::{Hold, ServerWaits, held_phrase};
pub use setup::{
    list_sources_from_config, sources_from_config, sync_settings_for, sync_settings_from_config,
};

use std::sync::Arc;
use std::time::Duration;

use chrono::{DateTime, Utc};
use tokio::sync::mpsc;

use crate::clock::Clock;
use crate::model::SourceId;
use crate::source::Source;
use crate::source::hf_lists::HfList;
use crate::store::Store;

/// What the rest of the program can ask of the sync task.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SyncCommand {
    /// Sync every source now, ignoring the interval and the backoff after failures; only a
    /// server's Retry-After (for every source on that host) holds a source back.
    SyncAll,
    /// Sync one source now, as `SyncAll` does.
    SyncSource(SourceId),
    /// Fetch one of HF's ranked lists now (every page of a week or month), beside any round:
    /// answered by `ListFetched` or `ListFailed`, never counted in a round.
    FetchList(HfList),
    /// Fetch this list again after every round from now on (the view showing it is open);
    /// `None` stops that.
    WatchList(Option<HfList>),
    /// Stop. Requests in flight are abandoned (a store write already begun completes);
    /// nothing new starts.
    Shutdown,
}

/// What `paperboat sync` prints and the reader's status line says when no source is enabled.
pub const NOTHING_TO_SYNC: &str = "nothing to sync: every source is disabled in the config";

/// What the sync task reports. The UI re-reads the store when something changed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SyncEvent {
    /// A sync round began over these sources. Every `SyncAll`/`SyncSource` gets a `Started`
    /// and a `Finished`, even when no source may be fetched; a periodic check that finds
    /// nothing due sends nothing. An asked-for source missing from `sources` gets a
    /// `SourceHeldBack` right after.
    Started { sources: Vec<SourceId> },
    /// An asked-for source was not fetched: every host it fetches from asked (Retry-After) to
    /// wait until `until`. Not counted in `Finished`.
    SourceHeldBack {
        id: SourceId,
        host: String,
        until: DateTime<Utc>,
    },
    /// One source began fetching (`done` of `total` requests so far).
    SourceProgress {
        id: SourceId,
        done: usize,
        total: usize,
    },
    /// One source finished and its papers are in the store. `note` says what was skipped
    /// ("3 of 20 items skipped: no title or summary"): synced, with a note, not a failure.
    SourceUpdated {
        id: SourceId,
        new: usize,
        changed: usize,
        note: Option<String>,
    },
    /// One source failed; its earlier papers are untouched. `error` is the full one-line
    /// message (stored as the source's `last_error`, logged); `reason` says it in a few words
    /// for the status bar ("server error 500", "cannot connect (connection refused)").
    SourceFailed {
        id: SourceId,
        error: String,
        reason: String,
    },
    /// The round ended. Re-read the store: a failed source may still have stored papers
    /// from its requests that succeeded.
    Finished { succeeded: usize, failed: usize },
    /// An HF list (asked for by `FetchList` or watched) is stored: `count` papers in HF's
    /// order, `new` of them not cached before.
    ListFetched {
        list: HfList,
        new: usize,
        changed: usize,
        count: usize,
    },
    /// An HF list could not be fetched; `reason` says why in a few words. What was stored
    /// before stays.
    ListFailed { list: HfList, reason: String },
}

/// Knobs of the sync task, from the `[sync]` config section.
#[derive(Debug, Clone)]
pub struct SyncSettings {
    pub interval: Duration,
    pub concurrency: usize,
    pub connect_timeout: Duration,
    pub total_timeout: Duration,
    pub max_body_bytes: u64,
    /// Least time between two requests to one arXiv host (arXiv's terms ask for 3 s).
    pub arxiv_interval: Duration,
    pub backoff_base: Duration,
    pub backoff_max: Duration,
    pub user_agent: String,
    /// Where HF's ranked lists and search are fetched from (`[sources.hf] base_url`).
    pub hf_base_url: String,
}

impl Default for SyncSettings {
    fn default() -> Self {
        SyncSettings {
            interval: Duration::from_secs(30 * 60),
            concurrency: 4,
            connect_timeout: Duration::from_secs(10),
            total_timeout: Duration::from_secs(60),
            max_body_bytes: 32 * 1024 * 1024,
            arxiv_interval: Duration::from_secs(3),
            backoff_base: Duration::from_secs(60),
            backoff_max: Duration::from_secs(6 * 60 * 60),
            user_agent: concat!("paperboat/", env!("CARGO_PKG_VERSION")).to_string(),
            hf_base_url: "https://huggingface.co".to_string(),
        }
    }
}

/// The UI's and CLI's end of the sync task.
pub struct SyncHandle {
    pub commands: mpsc::Sender<SyncCommand>,
    pub events: mpsc::Receiver<SyncEvent>,
    pub task: tokio::task::JoinHandle<()>,
}

/// Starts the sync task on the current tokio runtime. It syncs nothing until told to, or until
/// `settings.interval` has passed since a source's last attempt.
pub fn spawn(
    store: Store,
    sources: Vec<Arc<dyn Source>>,
    settings: SyncSettings,
    clock: Clock,
) -> SyncHandle {
    spawn_sharing(store, sources, settings, clock, ServerWaits::default())
}

/// `spawn`, with Retry-After holds shared with other fetchers of this process (the stored
/// holds are added to them when the task starts).
pub fn spawn_sharing(
    store: Store,
    sources: Vec<Arc<dyn Source>>,
    settings: SyncSettings,
    clock: Clock,
    waits: ServerWaits,
) -> SyncHandle {
    let (commands, command_rx) = mpsc::channel(16);
    let (event_tx, events) = mpsc::channel(256);
    let sync_task = task::SyncTask::new(store, sources, settings, clock, event_tx, waits);
    SyncHandle {
        commands,
        events,
        task: tokio::spawn(sync_task.run(command_rx)),
    }
}
