//! Fetching a paper's full text on demand (`f` in the reader, `paperboat show --full`): HF's
//! Markdown first, arXiv's HTML second, then kept in the store's full-text cache.
//!
//! It is polite the way the sync task is: a host that asked to wait (Retry-After, shared with
//! the sync task through [`ServerWaits`] and the store) is not asked again until then, and a
//! 429 here holds the host for the syncs too; arXiv's site is paced like its API. Failures are
//! the caller's to show (the reader's status line, the command's one line), never counted in
//! the sync status.

use std::sync::Arc;
use std::time::Duration;

use super::politeness::HostGates;
use super::server_waits::{ServerWaits, held_phrase};
use crate::clock::Clock;
use crate::config::Config;
use crate::model::{Paper, PaperId};
use crate::source::Source as _;
use crate::source::SourceRequest;
use crate::source::arxiv::ArxivSource;
use crate::source::fetch::{FetchError, FetchOutcome, FetchSettings, Fetcher, Validators};
use crate::source::fulltext::{FullTextRequest, fetch_full_text, full_text_requests};
use crate::source::hf_daily::HfDailySource;
use crate::store::{Store, StoredFullText};

/// Why no full text could be had. Each message is one line, for "full text: {message}".
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum FullTextError {
    #[error("HF has not indexed {id} and arXiv has no HTML")]
    NotAnywhere { id: PaperId },
    #[error("{id} is not an arXiv paper, so it has no full text to fetch")]
    NotArxiv { id: PaperId },
    #[error("not fetched: {phrase}")]
    Held { phrase: String },
    #[error("the full text of {id} is larger than {mib} MiB ([fulltext] max_mib); not kept")]
    TooLarge { id: PaperId, mib: u64 },
    #[error("{0}")]
    Fetch(FetchError),
    #[error("cannot keep it: {0}")]
    Store(String),
}

/// Why a paper not in the cache could not be looked up.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum LookupError {
    #[error("{id} is neither in the cache nor on HF or arXiv")]
    NotFound { id: PaperId },
    #[error("{id} is not in the cache (only arXiv papers can be looked up)")]
    NotArxiv { id: PaperId },
    #[error("{id} is not in the cache and cannot be looked up: {reason}")]
    Failed { id: PaperId, reason: String },
}

/// Where a full text came from this time.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Origin {
    /// Read from the cache; no network.
    Cache,
    /// Fetched now, and kept.
    Fetched,
}

/// What an on-demand fetch needs, cheap to clone into a task.
#[derive(Clone)]
pub struct FullTextFetcher {
    store: Store,
    fetcher: Arc<Result<Fetcher, FetchError>>,
    waits: ServerWaits,
    gates: Arc<HostGates>,
    clock: Clock,
    hf_base: String,
    arxiv_site: String,
    arxiv_api: String,
    arxiv_interval: Duration,
    max_bytes: u64,
}

impl FullTextFetcher {
    /// A fetcher for `config`'s HF and arXiv hosts, sharing `waits` with the sync task (and
    /// adding the holds kept in the store).
    pub fn new(store: Store, config: &Config, waits: ServerWaits, clock: Clock) -> Self {
        let settings = super::sync_settings_from_config(&config.sync);
        let fetcher = Fetcher::new(&FetchSettings {
            connect_timeout: settings.connect_timeout,
            total_timeout: settings.total_timeout,
            user_agent: settings.user_agent.clone(),
        });
        match store.server_waits() {
            Ok(stored) => waits.restore(stored),
            Err(error) => tracing::warn!(%error, "cannot read the stored Retry-After holds"),
        }
        FullTextFetcher {
            store,
            fetcher: Arc::new(fetcher),
            waits,
            gates: Arc::new(HostGates::default()),
            clock,
            hf_base: config.sources.hf.base_url.clone(),
            arxiv_site: config.sources.arxiv.site_base_url.clone(),
            arxiv_api: config.sources.arxiv.api_base_url.clone(),
            arxiv_interval: settings.arxiv_interval,
            max_bytes: config.fulltext.max_bytes(),
        }
    }

    /// The store it keeps full texts in.
    pub fn store(&self) -> &Store {
        &self.store
    }

    /// The HF site it asks (`show --json` asks it for the linked repos too).
    pub fn hf_base(&self) -> &str {
        &self.hf_base
    }

    /// The Retry-After holds it honours.
    pub fn waits(&self) -> &ServerWaits {
        &self.waits
    }

    /// `id`'s full text from the cache, else fetched and kept. Blocking store work runs on
    /// tokio's blocking pool.
    pub async fn get(&self, id: &PaperId) -> Result<(StoredFullText, Origin), FullTextError> {
        let store = self.store.clone();
        let cached_id = id.clone();
        let cached = tokio::task::spawn_blocking(move || store.full_text(&cached_id))
            .await
            .map_err(|e| FullTextError::Store(e.to_string()))?;
        match cached {
            Ok(Some(text)) => return Ok((text, Origin::Cache)),
            Ok(None) => {}
            // A damaged cache entry is fetched again (and replaced).
            Err(error) => tracing::warn!(%id, %error, "cached full text unreadable"),
        }
        let text = self.fetch(id).await?;
        let store = self.store.clone();
        let kept_id = id.clone();
        let kept = text.clone();
        tokio::task::spawn_blocking(move || store.put_full_text(&kept_id, &kept))
            .await
            .map_err(|e| FullTextError::Store(e.to_string()))?
            .map_err(|e| FullTextError::Store(e.to_string()))?;
        Ok((text, Origin::Fetched))
    }

    /// Fetches `id`'s full text (HF Markdown, else arXiv HTML) without the cache.
    pub async fn fetch(&self, id: &PaperId) -> Result<StoredFullText, FullTextError> {
        let requests = full_text_requests(&self.hf_base, &self.arxiv_site, id);
        if requests.is_empty() {
            return Err(FullTextError::NotArxiv { id: id.clone() });
        }
        let fetcher = match self.fetcher.as_ref() {
            Ok(fetcher) => fetcher,
            Err(error) => return Err(FullTextError::Fetch(error.clone())),
        };
        // The first failure that is not "not there" wins over a later "not there": the user
        // should hear that HF was down, not that it has not indexed the paper.
        let mut failure: Option<FullTextError> = None;
        for request in &requests {
            match self.fetch_one(fetcher, request, id).await {
                Ok(Some(text)) => return Ok(text),
                Ok(None) => {}
                Err(error @ FullTextError::TooLarge { .. }) => return Err(error),
                Err(error) => {
                    failure.get_or_insert(error);
                }
            }
        }
        Err(failure.unwrap_or(FullTextError::NotAnywhere { id: id.clone() }))
    }

    async fn fetch_one(
        &self,
        fetcher: &Fetcher,
        request: &FullTextRequest,
        id: &PaperId,
    ) -> Result<Option<StoredFullText>, FullTextError> {
        let now = self.clock.now();
        if let Some(hold) = self.waits.held(&request.url, now) {
            return Err(FullTextError::Held {
                phrase: held_phrase(&hold.host, hold.until, now),
            });
        }
        let interval = if request.arxiv {
            self.arxiv_interval
        } else {
            Duration::ZERO
        };
        let fetched = self
            .gates
            .polite(
                &request.url,
                interval,
                fetch_full_text(fetcher, request, self.max_bytes),
            )
            .await;
        match fetched {
            Ok(Some(text)) => Ok(Some(StoredFullText {
                format: text.format,
                url: text.url,
                fetched_at: self.clock.now(),
                text: text.text,
            })),
            Ok(None) => Ok(None),
            Err(FetchError::TooLarge { .. }) => Err(FullTextError::TooLarge {
                id: id.clone(),
                mib: self.max_bytes / (1024 * 1024),
            }),
            Err(error) => match error.retry_after() {
                Some(after) => Err(FullTextError::Held {
                    phrase: self.hold_host(&request.url, after).await,
                }),
                None => Err(FullTextError::Fetch(error)),
            },
        }
    }

    /// Looks up a paper the cache does not have: HF's `api/papers/{id}` first, then the arXiv
    /// API; the paper found is kept in the store (filed under its own day, or today).
    pub async fn lookup_paper(&self, id: &PaperId) -> Result<Paper, LookupError> {
        if !id.is_arxiv() {
            return Err(LookupError::NotArxiv { id: id.clone() });
        }
        let fetcher = match self.fetcher.as_ref() {
            Ok(fetcher) => fetcher,
            Err(error) => {
                return Err(LookupError::Failed {
                    id: id.clone(),
                    reason: error.phrase(),
                });
            }
        };
        let hf_url = format!("{}/api/papers/{id}", self.hf_base.trim_end_matches('/'));
        let arxiv_url = format!(
            "{}/api/query?id_list={id}&max_results=1",
            self.arxiv_api.trim_end_matches('/')
        );
        let mut failure: Option<String> = None;
        for (url, arxiv) in [(hf_url, false), (arxiv_url, true)] {
            match self.fetch_paper(fetcher, &url, arxiv, id).await {
                Ok(Some(paper)) => {
                    let store = self.store.clone();
                    let today = self.clock.today();
                    let kept = paper.clone();
                    let day = paper.day(today);
                    let stored = tokio::task::spawn_blocking(move || store.apply(vec![kept], day))
                        .await
                        .map_err(|e| e.to_string())
                        .and_then(|applied| applied.map_err(|e| e.to_string()));
                    if let Err(error) = stored {
                        tracing::warn!(%id, %error, "looked-up paper not kept");
                    }
                    return Ok(paper);
                }
                Ok(None) => {}
                Err(reason) => {
                    failure.get_or_insert(reason);
                }
            }
        }
        Err(match failure {
            Some(reason) => LookupError::Failed {
                id: id.clone(),
                reason,
            },
            None => LookupError::NotFound { id: id.clone() },
        })
    }

    /// One lookup request: the paper, `None` when the server does not know it, or why not.
    async fn fetch_paper(
        &self,
        fetcher: &Fetcher,
        url: &str,
        arxiv: bool,
        id: &PaperId,
    ) -> Result<Option<Paper>, String> {
        let now = self.clock.now();
        if let Some(hold) = self.waits.held(url, now) {
            return Err(held_phrase(&hold.host, hold.until, now));
        }
        let interval = if arxiv {
            self.arxiv_interval
        } else {
            Duration::ZERO
        };
        const LOOKUP_MAX_BYTES: u64 = 4 * 1024 * 1024;
        let fetched = self
            .gates
            .polite(
                url,
                interval,
                fetcher.fetch(url, &Validators::default(), LOOKUP_MAX_BYTES),
            )
            .await;
        let bytes = match fetched {
            Ok(FetchOutcome::Body { bytes, .. }) => bytes,
            Ok(FetchOutcome::NotModified) => return Ok(None),
            Err(error) if matches!(error.status(), Some(404 | 410)) => return Ok(None),
            Err(error) => {
                return Err(match error.retry_after() {
                    Some(after) => self.hold_host(url, after).await,
                    None => error.phrase(),
                });
            }
        };
        let request = SourceRequest {
            url: url.to_string(),
            label: id.to_string(),
            day: None,
            empty_on_400: false,
        };
        let papers = if arxiv {
            ArxivSource::listing_reader(crate::model::SourceId::arxiv()).parse(&request, &bytes)
        } else {
            // `api/papers/{id}` answers one flat paper: read it as a one-item daily list.
            let flat: serde_json::Value =
                serde_json::from_slice(&bytes).map_err(|e| format!("unreadable answer: {e}"))?;
            let wrapped = serde_json::json!([{ "paper": flat }]).to_string();
            HfDailySource::new(&self.hf_base, 1, None).parse(&request, wrapped.as_bytes())
        }
        .map_err(|e| e.to_string())?;
        Ok(papers.into_iter().find(|paper| &paper.id == id))
    }

    /// Records a server's Retry-After for `url`'s host, for this fetcher, the sync task and
    /// the next process; returns the phrase naming the host and the time.
    async fn hold_host(&self, url: &str, after: Duration) -> String {
        let now = self.clock.now();
        let until = chrono::Duration::from_std(after)
            .ok()
            .and_then(|after| now.checked_add_signed(after))
            .unwrap_or(now);
        let hold = self.waits.hold(url, until);
        let current = self.waits.current(now);
        let store = self.store.clone();
        let stored = tokio::task::spawn_blocking(move || store.set_server_waits(&current)).await;
        if !matches!(stored, Ok(Ok(()))) {
            tracing::warn!("cannot store the Retry-After holds");
        }
        held_phrase(&hold.host, hold.until, now)
    }
}
