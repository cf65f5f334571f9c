//! The sync task's body: the command/interval loop, one round over the chosen sources with
//! bounded concurrency, and one source's fetch → parse → store → feed-state pass.

use std::collections::{BTreeSet, HashMap, VecDeque};
use std::io::BufReader;
use std::pin::pin;
use std::sync::Arc;
use std::time::Duration;

use chrono::NaiveDate;
use futures::StreamExt;
use tokio::sync::mpsc;
use tokio::time::Instant;

use super::hf_lists::{ListFetches, RankRecorder};
use super::ingest::{IngestError, ingest_body};
use super::politeness::HostGates;
use super::schedule;
use super::server_waits::{ServerWaits, held_phrase};
use super::{SyncCommand, SyncEvent, SyncSettings};
use crate::clock::Clock;
use crate::model::SourceId;
use crate::source::fetch::{BodyReader, FetchError, FetchSettings, FetchedBody, Fetcher};
use crate::source::{ParseReport, Source, SourceRequest, StreamError};
use crate::store::{ApplyOutcome, FeedState, Store, StoreError, Validators};

/// A stored error is shown in one status line; longer detail belongs in the log.
const MAX_ERROR_CHARS: usize = 400;
/// The read buffer between a body and its parser.
const BODY_BUFFER: usize = 64 * 1024;
/// The most `Link: rel="next"` pages one paged request is followed through (a month of HF
/// papers is ~20 pages of 100); a server that never stops is cut off there.
const MAX_PAGES: usize = 100;

/// Everything a round needs, shared by the concurrent per-source futures.
pub(super) struct SyncTask {
    pub(super) store: Store,
    sources: Vec<Arc<dyn Source>>,
    pub(super) settings: SyncSettings,
    pub(super) clock: Clock,
    /// Building the client can fail (no TLS roots, say); then every fetch reports why.
    fetcher: Result<Fetcher, FetchError>,
    events: mpsc::Sender<SyncEvent>,
    hosts: HostGates,
    /// Retry-After holds per host: the only wait an asked-for sync honours.
    waits: ServerWaits,
}

/// Which sources a round covers.
enum Round {
    /// The sources whose interval has passed (the periodic check).
    Due,
    /// These sources, asked for by a command: tried now whatever the backoff says; only a
    /// server's Retry-After holds one back.
    Asked(BTreeSet<SourceId>),
}

/// What one source's pass over its requests ended with.
pub(super) enum SourceResult {
    /// Stored; with how many papers its ranked list holds, for a source that makes one.
    Updated(ApplyOutcome, ParseReport, Option<usize>),
    Failed {
        error: String,
        reason: String,
    },
}

impl SyncTask {
    pub(super) fn new(
        store: Store,
        sources: Vec<Arc<dyn Source>>,
        settings: SyncSettings,
        clock: Clock,
        events: mpsc::Sender<SyncEvent>,
        waits: ServerWaits,
    ) -> SyncTask {
        let fetcher = Fetcher::new(&FetchSettings {
            connect_timeout: settings.connect_timeout,
            total_timeout: settings.total_timeout,
            user_agent: settings.user_agent.clone(),
        });
        if let Err(error) = &fetcher {
            tracing::error!(%error, "the HTTP client could not be built; every sync will fail");
        }
        SyncTask {
            store,
            sources,
            settings,
            clock,
            fetcher,
            events,
            hosts: HostGates::default(),
            waits,
        }
    }

    /// Runs until `Shutdown` or until every command sender is gone.
    pub(super) async fn run(self, mut commands: mpsc::Receiver<SyncCommand>) {
        match self.blocking(|store| store.server_waits()).await {
            Ok(stored) => self.waits.restore(stored),
            Err(error) => tracing::warn!(%error, "cannot read the stored Retry-After holds"),
        }
        let period = schedule::due_check_period(self.settings.interval);
        // A zero interval turns the periodic sync off rather than syncing without pause.
        let now = Instant::now();
        let never = now
            .checked_add(Duration::from_secs(10 * 365 * 24 * 60 * 60))
            .unwrap_or(now);
        let first_check = match self.settings.interval {
            interval if interval.is_zero() => never,
            interval => now.checked_add(interval).unwrap_or(never),
        };
        let mut due_checks = tokio::time::interval_at(first_check, period);
        due_checks.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        let mut queued: BTreeSet<SourceId> = BTreeSet::new();
        // HF lists fetched beside the rounds, and the one refreshed after each round.
        let mut lists = ListFetches::default();
        let mut watched = None;
        tracing::info!(sources = self.sources.len(), "sync task started");
        loop {
            let round = if !queued.is_empty() {
                Round::Asked(std::mem::take(&mut queued))
            } else {
                tokio::select! {
                    command = commands.recv() => match command {
                        None | Some(SyncCommand::Shutdown) => break,
                        Some(SyncCommand::SyncAll) => Round::Asked(self.all_ids()),
                        Some(SyncCommand::SyncSource(id)) => Round::Asked(BTreeSet::from([id])),
                        Some(SyncCommand::FetchList(list)) => {
                            lists.push(self.fetch_list(list));
                            continue;
                        }
                        Some(SyncCommand::WatchList(list)) => {
                            watched = list;
                            continue;
                        }
                    },
                    () = lists.next_done(), if !lists.is_empty() => continue,
                    _ = due_checks.tick() => Round::Due,
                }
            };
            let chosen = self.choose(round).await;
            let Some(chosen) = chosen else { continue };
            let in_round: BTreeSet<SourceId> = chosen.iter().map(|s| s.id().clone()).collect();
            let mut work = pin!(self.run_round(chosen));
            // Commands that arrive during a round: Shutdown abandons it (a store write already
            // begun completes on the blocking pool); asks for sources already in this round
            // are met by it; the rest wait for the next round.
            loop {
                tokio::select! {
                    () = &mut work => break,
                    () = lists.next_done(), if !lists.is_empty() => {}
                    command = commands.recv() => match command {
                        None | Some(SyncCommand::Shutdown) => {
                            tracing::info!("sync task stopped during a round");
                            return;
                        }
                        Some(SyncCommand::SyncAll) => {
                            let others = self.all_ids().into_iter();
                            queued.extend(others.filter(|id| !in_round.contains(id)));
                        }
                        Some(SyncCommand::SyncSource(id)) => {
                            if !in_round.contains(&id) {
                                queued.insert(id);
                            }
                        }
                        Some(SyncCommand::FetchList(list)) => lists.push(self.fetch_list(list)),
                        Some(SyncCommand::WatchList(list)) => watched = list,
                    },
                }
            }
            if let Some(list) = &watched {
                lists.push(self.fetch_list(list.clone()));
            }
        }
        tracing::info!("sync task stopped");
    }

    fn all_ids(&self) -> BTreeSet<SourceId> {
        self.sources.iter().map(|s| s.id().clone()).collect()
    }

    /// Picks the sources of a round and sends `Started` with them. A periodic check takes the
    /// due sources (interval passed, no backoff or Retry-After running); an asked-for round
    /// takes every asked source but those whose hosts all asked to wait, which get a
    /// `SourceHeldBack` each. `None` means there is no round (nothing due).
    async fn choose(&self, round: Round) -> Option<Vec<Arc<dyn Source>>> {
        let states = match self.blocking(|store| store.feed_states()).await {
            Ok(states) => states.into_iter().collect::<HashMap<_, _>>(),
            Err(error) => {
                tracing::warn!(%error, "cannot read feed states; treating every source as new");
                HashMap::new()
            }
        };
        let now = self.clock.now();
        let today = self.clock.today();
        let default_state = FeedState::default();
        let state_of = |id: &SourceId| states.get(id).unwrap_or(&default_state);
        let held = |source: &Arc<dyn Source>| {
            let requests = source.requests(today);
            self.waits
                .all_held(requests.iter().map(|r| r.url.as_str()), now)
        };
        match round {
            Round::Due => {
                let due: Vec<_> = self
                    .sources
                    .iter()
                    .filter(|s| schedule::is_due(state_of(s.id()), now, self.settings.interval))
                    .filter(|s| held(s).is_none())
                    .cloned()
                    .collect();
                if due.is_empty() {
                    return None;
                }
                self.emit(SyncEvent::Started {
                    sources: due.iter().map(|s| s.id().clone()).collect(),
                })
                .await;
                Some(due)
            }
            Round::Asked(ids) => {
                for id in ids
                    .iter()
                    .filter(|id| !self.sources.iter().any(|s| s.id() == *id))
                {
                    tracing::warn!(source = %id, "asked to sync a source that is not configured");
                }
                let asked: Vec<_> = self
                    .sources
                    .iter()
                    .filter(|s| ids.contains(s.id()))
                    .cloned()
                    .collect();
                let mut chosen = Vec::new();
                let mut held_back = Vec::new();
                for source in asked {
                    match held(&source) {
                        Some(hold) => held_back.push((source.id().clone(), hold)),
                        None => chosen.push(source),
                    }
                }
                self.emit(SyncEvent::Started {
                    sources: chosen.iter().map(|s| s.id().clone()).collect(),
                })
                .await;
                for (id, hold) in held_back {
                    tracing::info!(source = %id, host = %hold.host, until = %hold.until,
                        "held back by the server's Retry-After");
                    self.emit(SyncEvent::SourceHeldBack {
                        id,
                        host: hold.host,
                        until: hold.until,
                    })
                    .await;
                }
                Some(chosen)
            }
        }
    }

    async fn run_round(&self, sources: Vec<Arc<dyn Source>>) {
        let concurrency = self.settings.concurrency.max(1);
        // Built as a list first: a closure in `stream.map` trips a rustc limit on higher-ranked
        // lifetimes once the task future must be `Send`.
        let mut passes = Vec::with_capacity(sources.len());
        for source in sources {
            passes.push(self.sync_source(source));
        }
        let results: Vec<bool> = futures::stream::iter(passes)
            .buffer_unordered(concurrency)
            .collect()
            .await;
        let succeeded = results.iter().filter(|ok| **ok).count();
        let failed = results.len() - succeeded;
        tracing::info!(succeeded, failed, "sync round finished");
        self.emit(SyncEvent::Finished { succeeded, failed }).await;
    }

    /// Fetches, parses and stores every request of one source, then records its feed state.
    /// Returns true when the source succeeded.
    async fn sync_source(&self, source: Arc<dyn Source>) -> bool {
        let id = source.id().clone();
        let started_at = self.clock.now();
        let today = self.clock.today();
        let read_id = id.clone();
        let mut state = match self.blocking(move |store| store.feed_state(&read_id)).await {
            Ok(state) => state,
            Err(error) => {
                let error = one_line(&format!("cannot read the sync state: {error}"));
                tracing::warn!(source = %id, %error, "source failed");
                let reason = "cannot read the sync state".to_string();
                self.emit(SyncEvent::SourceFailed { id, error, reason })
                    .await;
                return false;
            }
        };
        let (result, retry_after) = self.fetch_all(&source, &mut state, today, true).await;
        let now = self.clock.now();
        state.last_attempt = Some(started_at);
        match &result {
            SourceResult::Updated(outcome, ..) => {
                state.last_success = Some(now);
                state.last_error = None;
                state.consecutive_failures = 0;
                state.next_attempt_after = None;
                state.last_new = outcome.new;
            }
            SourceResult::Failed { error, .. } => {
                state.last_error = Some(error.clone());
                state.consecutive_failures = state.consecutive_failures.saturating_add(1);
                state.next_attempt_after = Some(schedule::next_attempt_after(
                    now,
                    retry_after,
                    self.settings.backoff_base,
                    self.settings.backoff_max,
                    state.consecutive_failures,
                    schedule::random_jitter(),
                ));
            }
        }
        let write_id = id.clone();
        let written = self
            .blocking(move |store| store.set_feed_state(&write_id, &state))
            .await;
        let result = match (result, written) {
            (result, Ok(())) => result,
            (failed @ SourceResult::Failed { .. }, Err(write_error)) => {
                tracing::warn!(source = %id, error = %write_error, "cannot record the failure");
                failed
            }
            (SourceResult::Updated(..), Err(write_error)) => SourceResult::Failed {
                error: one_line(&format!("cannot record the sync: {write_error}")),
                reason: "cannot record the sync".to_string(),
            },
        };
        match result {
            SourceResult::Updated(ApplyOutcome { new, changed }, report, _) => {
                let note = report.note();
                tracing::info!(source = %id, new, changed, ?note, "source updated");
                self.emit(SyncEvent::SourceUpdated {
                    id,
                    new,
                    changed,
                    note,
                })
                .await;
                true
            }
            SourceResult::Failed { error, reason } => {
                tracing::warn!(source = %id, %error, "source failed");
                self.emit(SyncEvent::SourceFailed { id, error, reason })
                    .await;
                false
            }
        }
    }

    /// Runs one source's requests in order, each followed by the pages its answer announces
    /// when the source follows them. Papers from requests that succeed are stored even when
    /// another request fails; a source's ranked list is stored only when every request
    /// succeeded. Returns the outcome and the longest Retry-After seen.
    pub(super) async fn fetch_all(
        &self,
        source: &Arc<dyn Source>,
        state: &mut FeedState,
        today: NaiveDate,
        progress: bool,
    ) -> (SourceResult, Option<Duration>) {
        let requests = source.requests(today);
        let mut total = requests.len();
        let recorder = source
            .ranked_list()
            .map(|_| RankRecorder::wrap(source, &self.store));
        let fetching: Arc<dyn Source> = match &recorder {
            Some(recorder) => Arc::clone(recorder) as Arc<dyn Source>,
            None => Arc::clone(source),
        };
        let mut queue: VecDeque<SourceRequest> = requests.iter().cloned().collect();
        let mut fetched: BTreeSet<String> = BTreeSet::new();
        let mut applied = ApplyOutcome::default();
        let mut report = ParseReport::default();
        let mut errors: Vec<String> = Vec::new();
        let mut reasons: Vec<String> = Vec::new();
        let mut retry_after: Option<Duration> = None;
        let mut done = 0;
        while let Some(request) = queue.pop_front() {
            if progress {
                self.emit(SyncEvent::SourceProgress {
                    id: source.id().clone(),
                    done,
                    total,
                })
                .await;
            }
            done += 1;
            fetched.insert(request.url.clone());
            let request = &request;
            match self.fetch_one(&fetching, request, state, today).await {
                Ok((outcome, parsed, next)) => {
                    applied.new += outcome.new;
                    applied.changed += outcome.changed;
                    report.add(&parsed);
                    let next = next.filter(|next| {
                        source.follows_next_links()
                            && !fetched.contains(next)
                            && fetched.len() < MAX_PAGES
                    });
                    if let Some(next) = next {
                        total += 1;
                        queue.push_back(SourceRequest {
                            url: next,
                            label: format!("{} (page {})", request.label, fetched.len() + 1),
                            day: request.day,
                            empty_on_400: false,
                        });
                    }
                }
                Err(failure) => {
                    let (label, error) = (&request.label, &failure.message);
                    tracing::warn!(source = %source.id(), %label, %error, "request failed");
                    errors.push(failure.message);
                    reasons.push(failure.reason);
                    retry_after = retry_after.max(failure.retry_after);
                    if failure.host_unwell {
                        break;
                    }
                }
            }
        }
        // Keep validators only for this sync's URLs: daily URLs change every day.
        let current: BTreeSet<&str> = requests.iter().map(|r| r.url.as_str()).collect();
        state
            .validators
            .retain(|url, _| current.contains(url.as_str()));
        let mut ranked = None;
        if let (Some(recorder), Some(list), true) =
            (&recorder, source.ranked_list(), errors.is_empty())
        {
            match self.store_ranked(list, recorder.take_ids()).await {
                Ok(count) => ranked = Some(count),
                Err(error) => {
                    errors.push(error);
                    reasons.push("cannot store the list".to_string());
                }
            }
        }
        let more = |rest: usize| {
            format!(
                " (and {rest} more failed request{})",
                if rest == 1 { "" } else { "s" }
            )
        };
        let result = match (errors.as_slice(), reasons.as_slice()) {
            ([], _) => SourceResult::Updated(applied, report, ranked),
            ([first, rest @ ..], [reason, ..]) => SourceResult::Failed {
                error: one_line(&match rest.len() {
                    0 => first.clone(),
                    rest => format!("{first}{}", more(rest)),
                }),
                reason: one_line(&match rest.len() {
                    0 => reason.clone(),
                    rest => format!("{reason} (+{rest} more)"),
                }),
            },
            ([first, ..], []) => SourceResult::Failed {
                error: one_line(first),
                reason: one_line(first),
            },
        };
        (result, retry_after)
    }

    /// Fetches one request (politely), parses it as it arrives and applies it to the store a
    /// batch at a time.
    async fn fetch_one(
        &self,
        source: &Arc<dyn Source>,
        request: &SourceRequest,
        state: &mut FeedState,
        today: NaiveDate,
    ) -> Result<(ApplyOutcome, ParseReport, Option<String>), RequestFailure> {
        if let Some(hold) = self.waits.held(&request.url, self.clock.now()) {
            let wait = (hold.until - self.clock.now()).to_std().unwrap_or_default();
            return Err(RequestFailure {
                message: format!(
                    "not fetched: {} asked to wait until {}",
                    hold.host,
                    hold.until.format("%Y-%m-%d %H:%M:%S UTC")
                ),
                reason: held_phrase(&hold.host, hold.until, self.clock.now()),
                retry_after: Some(wait),
                host_unwell: true,
            });
        }
        // A ranked list is read whole every time: a 304 would leave its order unknown.
        let validators = match source.ranked_list() {
            Some(_) => Validators::default(),
            None => state
                .validators
                .get(&request.url)
                .cloned()
                .unwrap_or_default(),
        };
        // The gate is held until the body has been read: one request at a time per polite host,
        // measured from the end of the previous one, as when bodies were read whole.
        let fetched = self
            .hosts
            .polite(
                &request.url,
                source.min_request_interval(),
                self.fetch_and_store(source, request, &validators, today),
            )
            .await;
        match fetched {
            Fetched::NotModified => {
                tracing::debug!(url = %request.url, "not modified");
                Ok(Default::default())
            }
            Fetched::Stored {
                outcome,
                report,
                validators,
                next,
            } => {
                if validators == Validators::default() {
                    state.validators.remove(&request.url);
                } else {
                    state.validators.insert(request.url.clone(), validators);
                }
                Ok((outcome, report, next))
            }
            Fetched::FetchFailed(error) if request.empty_on_400 && error.status() == Some(400) => {
                tracing::debug!(url = %request.url, "400 read as an empty list");
                state.validators.remove(&request.url);
                Ok(Default::default())
            }
            Fetched::FetchFailed(error) => {
                let reason = match error.retry_after() {
                    Some(after) => self.hold_host(&request.url, after).await,
                    None => error.phrase(),
                };
                Err(RequestFailure {
                    message: error.to_string(),
                    reason,
                    retry_after: error.retry_after(),
                    host_unwell: error.affects_host(),
                })
            }
            Fetched::NotStored { message, reason } => {
                // Without the body stored, a later 304 must not stand for it.
                state.validators.remove(&request.url);
                Err(RequestFailure {
                    message,
                    reason,
                    retry_after: None,
                    host_unwell: false,
                })
            }
        }
    }

    /// Records a server's Retry-After for `url`'s host, here and in the store; returns the
    /// status phrase naming the host and the time.
    async fn hold_host(&self, url: &str, after: Duration) -> String {
        let now = self.clock.now();
        let until = chrono::Duration::from_std(after)
            .ok()
            .and_then(|after| now.checked_add_signed(after))
            .unwrap_or(now);
        let hold = self.waits.hold(url, until);
        let current = self.waits.current(now);
        if let Err(error) = self
            .blocking(move |store| store.set_server_waits(&current))
            .await
        {
            tracing::warn!(%error, "cannot store the Retry-After holds");
        }
        held_phrase(&hold.host, hold.until, now)
    }

    async fn fetch_and_store(
        &self,
        source: &Arc<dyn Source>,
        request: &SourceRequest,
        validators: &Validators,
        today: NaiveDate,
    ) -> Fetched {
        let fetched = match &self.fetcher {
            Ok(fetcher) => {
                fetcher
                    .fetch_stream(&request.url, validators, self.settings.max_body_bytes)
                    .await
            }
            Err(error) => Err(error.clone()),
        };
        match fetched {
            Ok(FetchedBody::NotModified) => Fetched::NotModified,
            Ok(FetchedBody::Body { reader, validators }) => {
                let next = reader.next_link().map(str::to_string);
                match self.parse_and_apply(source, request, *reader, today).await {
                    Ok((outcome, report)) => Fetched::Stored {
                        outcome,
                        report,
                        validators,
                        next,
                    },
                    Err(failed) => failed,
                }
            }
            Err(error) => Fetched::FetchFailed(error),
        }
    }

    /// Parsing and the store writes are blocking work: off the async threads. The body is
    /// parsed as it arrives and stored a batch at a time, so a large feed never sits whole in
    /// memory. A body that fails to arrive (cut off, over the cap, too slow) is reported as the
    /// fetch error it is, whatever the parser made of the short read.
    async fn parse_and_apply(
        &self,
        source: &Arc<dyn Source>,
        request: &SourceRequest,
        body: BodyReader,
        today: NaiveDate,
    ) -> Result<(ApplyOutcome, ParseReport), Fetched> {
        let source = Arc::clone(source);
        let request = request.clone();
        let store = self.store.clone();
        let url = request.url.clone();
        let work = tokio::task::spawn_blocking(move || {
            let declared = body.declared().clone();
            let mut body = BufReader::with_capacity(BODY_BUFFER, body);
            let day = request.day.unwrap_or(today);
            let ingested =
                ingest_body(source.as_ref(), &request, &declared, &mut body, &store, day);
            if let Some(error) = body.get_ref().failure() {
                return Err(Fetched::FetchFailed(error.clone()));
            }
            match ingested {
                Ok(outcome) => Ok(outcome),
                Err(IngestError::Store(message)) => Err(Fetched::NotStored {
                    message,
                    reason: "cannot store papers".to_string(),
                }),
                Err(IngestError::Parse(error)) => Err(Fetched::NotStored {
                    reason: parse_phrase(&error),
                    message: format!("{error} (in the answer from {})", request.url),
                }),
            }
        });
        match work.await {
            Ok(result) => result,
            Err(join_error) => {
                tracing::error!(%url, error = %join_error, "parsing or storing panicked");
                Err(Fetched::NotStored {
                    message: format!("internal error while reading the answer from {url}"),
                    reason: "internal error".to_string(),
                })
            }
        }
    }

    pub(super) async fn blocking<T: Send + 'static>(
        &self,
        work: impl FnOnce(&Store) -> Result<T, StoreError> + Send + 'static,
    ) -> Result<T, String> {
        let store = self.store.clone();
        match tokio::task::spawn_blocking(move || work(&store)).await {
            Ok(result) => result.map_err(|e| e.to_string()),
            Err(join_error) => Err(format!("internal store error: {join_error}")),
        }
    }

    pub(super) async fn emit(&self, event: SyncEvent) {
        // A closed channel means nobody listens any more; the store is still kept up to date.
        let _ = self.events.send(event).await;
    }
}

/// How one request's fetch-and-store ended.
enum Fetched {
    NotModified,
    Stored {
        outcome: ApplyOutcome,
        report: ParseReport,
        validators: Validators,
        /// The next page the answer announced.
        next: Option<String>,
    },
    /// The fetch failed, before or while the body arrived.
    FetchFailed(FetchError),
    /// The body arrived but could not be parsed or stored.
    NotStored {
        message: String,
        reason: String,
    },
}

struct RequestFailure {
    message: String,
    /// The failure in a few words, for the status bar.
    reason: String,
    retry_after: Option<Duration>,
    /// Further requests to the same source would hit the same unwell host.
    host_unwell: bool,
}

/// A parse failure in a few words: "unreadable answer (malformed JSON)" (the error's message up
/// to its detail).
fn parse_phrase(error: &StreamError) -> String {
    match error {
        StreamError::Sink(_) => "cannot store papers".to_string(),
        other => {
            let text = other.to_string();
            let head = text.split(':').next().unwrap_or_default().trim();
            format!("unreadable answer ({head})")
        }
    }
}

/// Stored errors are one sanitised line of bounded length.
fn one_line(text: &str) -> String {
    let line = crate::text::sanitize_line(text);
    if line.chars().count() > MAX_ERROR_CHARS {
        let cut: String = line.chars().take(MAX_ERROR_CHARS).collect();
        format!("{cut}…")
    } else {
        line
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stored_errors_are_one_bounded_line() {
        let long = format!("line one\nline two\u{1b}[31m {}", "x".repeat(1000));
        let line = one_line(&long);
        assert!(!line.contains('\n') && !line.contains('\u{1b}'));
        assert_eq!(line.chars().count(), MAX_ERROR_CHARS + 1);
    }
}
