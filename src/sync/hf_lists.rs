//! HF's ranked lists in the sync task: fetched on request (`SyncCommand::FetchList`) beside
//! the rounds, refreshed after each round while watched, every page of a week or a month, with
//! the same politeness and Retry-After holds as the syncs. The papers' order is recorded as
//! they are parsed (`RankRecorder`) and stored under the list's key once every page arrived.

use std::collections::HashSet;
use std::future::Future;
use std::io::BufRead;
use std::pin::Pin;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use chrono::NaiveDate;
use futures::StreamExt;
use futures::stream::FuturesUnordered;

use super::SyncEvent;
use super::task::{SourceResult, SyncTask};
use crate::model::{Paper, PaperId, SourceId};
use crate::source::hf_daily::HfDailySource;
use crate::source::hf_lists::HfList;
use crate::source::{PaperSink, ParseError, ParseReport, Source, SourceRequest, StreamError};
use crate::store::{FeedState, RankedList, Store};

/// List fetches running beside the rounds.
#[derive(Default)]
pub(super) struct ListFetches<'a> {
    running: FuturesUnordered<Pin<Box<dyn Future<Output = ()> + Send + 'a>>>,
}

impl<'a> ListFetches<'a> {
    pub(super) fn push(&mut self, fetch: impl Future<Output = ()> + Send + 'a) {
        self.running.push(Box::pin(fetch));
    }

    pub(super) fn is_empty(&self) -> bool {
        self.running.is_empty()
    }

    /// Waits for one fetch to end (at once when none runs).
    pub(super) async fn next_done(&mut self) {
        self.running.next().await;
    }
}

impl SyncTask {
    /// Fetches one list and says how it went; never touches a source's sync state.
    pub(super) async fn fetch_list(&self, list: HfList) {
        let source: Arc<dyn Source> = Arc::new(HfDailySource::for_list(
            &self.settings.hf_base_url,
            list.clone(),
        ));
        let mut state = FeedState::default();
        let today = self.clock.today();
        let (result, _) = self.fetch_all(&source, &mut state, today, false).await;
        let event = match result {
            SourceResult::Updated(outcome, _, count) => {
                tracing::info!(list = %list.label(), new = outcome.new, "HF list fetched");
                SyncEvent::ListFetched {
                    list,
                    new: outcome.new,
                    changed: outcome.changed,
                    count: count.unwrap_or(0),
                }
            }
            SourceResult::Failed { error, reason } => {
                tracing::warn!(list = %list.label(), %error, "HF list failed");
                SyncEvent::ListFailed { list, reason }
            }
        };
        self.emit(event).await;
    }

    /// Stores a list's ids (first place of each kept); returns how many it holds.
    pub(super) async fn store_ranked(
        &self,
        list: &HfList,
        (ids, fresh): (Vec<PaperId>, Vec<PaperId>),
    ) -> Result<usize, String> {
        let mut seen = HashSet::new();
        let ids: Vec<PaperId> = ids
            .into_iter()
            .filter(|id| seen.insert(id.clone()))
            .collect();
        let count = ids.len();
        let ranked = RankedList {
            fetched_at: self.clock.now(),
            query: list.query().map(str::to_string),
            ids,
            fresh,
        };
        let key = list.key();
        self.blocking(move |store| store.set_ranked_list(&key, &ranked))
            .await
            .map(|()| count)
            .map_err(|error| format!("cannot store the HF list {}: {error}", list.label()))
    }
}

/// A source whose parsed papers' ids are recorded in order on their way to the store, with
/// those the store did not hold before.
pub(super) struct RankRecorder {
    inner: Arc<dyn Source>,
    store: Store,
    ids: Mutex<(Vec<PaperId>, Vec<PaperId>)>,
}

impl RankRecorder {
    pub(super) fn wrap(source: &Arc<dyn Source>, store: &Store) -> Arc<RankRecorder> {
        Arc::new(RankRecorder {
            inner: Arc::clone(source),
            store: store.clone(),
            ids: Mutex::new((Vec::new(), Vec::new())),
        })
    }

    /// The ids recorded so far, in order, and the fresh ones among them.
    pub(super) fn take_ids(&self) -> (Vec<PaperId>, Vec<PaperId>) {
        std::mem::take(&mut *self.ids.lock().unwrap_or_else(PoisonError::into_inner))
    }

    fn record(&self, papers: &[Paper]) {
        let mut ids = self.ids.lock().unwrap_or_else(PoisonError::into_inner);
        for paper in papers {
            ids.0.push(paper.id.clone());
            // Unknown counts as fresh: the worst case is a wrong mark.
            if !self.store.contains(&paper.id).unwrap_or(false) {
                ids.1.push(paper.id.clone());
            }
        }
    }
}

impl Source for RankRecorder {
    fn id(&self) -> &SourceId {
        self.inner.id()
    }
    fn requests(&self, today: NaiveDate) -> Vec<SourceRequest> {
        self.inner.requests(today)
    }
    fn parse(&self, request: &SourceRequest, body: &[u8]) -> Result<Vec<Paper>, ParseError> {
        let papers = self.inner.parse(request, body)?;
        self.record(&papers);
        Ok(papers)
    }
    fn parse_stream(
        &self,
        request: &SourceRequest,
        body: &mut (dyn BufRead + Send),
        sink: &mut PaperSink<'_>,
    ) -> Result<ParseReport, StreamError> {
        self.inner.parse_stream(request, body, &mut |papers| {
            self.record(&papers);
            sink(papers)
        })
    }
    fn parse_stream_declared(
        &self,
        request: &SourceRequest,
        charset: Option<&str>,
        body: &mut (dyn BufRead + Send),
        sink: &mut PaperSink<'_>,
    ) -> Result<ParseReport, StreamError> {
        self.inner
            .parse_stream_declared(request, charset, body, &mut |papers| {
                self.record(&papers);
                sink(papers)
            })
    }
    fn min_request_interval(&self) -> Duration {
        self.inner.min_request_interval()
    }
    fn follows_next_links(&self) -> bool {
        self.inner.follows_next_links()
    }
    fn ranked_list(&self) -> Option<&HfList> {
        self.inner.ranked_list()
    }
}
