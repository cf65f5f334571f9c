//! The models, datasets and Spaces on Hugging Face that cite a paper (#13 point 6):
//! `GET {hf base}/api/arxiv/{id}/repos` → `{"models": […], "datasets": […], "spaces": […]}`,
//! fetched on demand (when a paper is opened, `show --json`), cached a day in the store's
//! `linked` tree, honouring HF's Retry-After holds. Failures are the caller's to show where it
//! asked; they never count in the sync status.
//!
//! Layer 3: imports `source` (the fetcher), `store` and `sync`'s server holds.

use std::sync::Arc;
use std::time::Duration;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::config::Config;
use crate::model::PaperId;
use crate::source::fetch::{FetchError, FetchOutcome, FetchSettings, Fetcher, Validators};
use crate::store::{LinkedRepo, LinkedRepos, Store, StoreError};
use crate::sync::{ServerWaits, held_phrase};

/// How long fetched links are used before they are asked for again.
pub const FRESH_FOR: chrono::Duration = chrono::Duration::hours(24);
/// Entries of each kind kept (the most liked); the totals keep the real counts.
pub const KEPT_PER_KIND: usize = 100;
/// The answer is a list of ids with a few numbers: a few MB covers the most cited paper.
const MAX_ANSWER_BYTES: u64 = 16 * 1024 * 1024;

/// Why the links could not be had.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum LinkedError {
    #[error("linked repos: {0}")]
    Fetch(FetchError),
    #[error("linked repos: {0}")]
    Held(String),
    #[error("linked repos: HF's answer is not the expected JSON ({0})")]
    Parse(String),
    #[error("linked repos: only arXiv papers have them on Hugging Face")]
    NotArxiv,
    #[error("linked repos: the paper cache: {0}")]
    Store(String),
}

impl From<StoreError> for LinkedError {
    fn from(error: StoreError) -> LinkedError {
        LinkedError::Store(error.to_string())
    }
}

/// `linked` as `show --json` prints it: ids only.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct LinkedIds {
    pub models: Vec<String>,
    pub datasets: Vec<String>,
    pub spaces: Vec<String>,
}

impl LinkedIds {
    pub fn of(linked: &LinkedRepos) -> LinkedIds {
        let ids = |repos: &[LinkedRepo]| repos.iter().map(|r| r.id.clone()).collect();
        LinkedIds {
            models: ids(&linked.models),
            datasets: ids(&linked.datasets),
            spaces: ids(&linked.spaces),
        }
    }
}

/// The three kinds, with how a repo of each is linked on HF.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RepoKind {
    Model,
    Dataset,
    Space,
}

impl RepoKind {
    /// `https://huggingface.co/{id}`, `…/datasets/{id}`, `…/spaces/{id}`.
    pub fn url(self, hf_base: &str, id: &str) -> String {
        let base = hf_base.trim_end_matches('/');
        match self {
            RepoKind::Model => format!("{base}/{id}"),
            RepoKind::Dataset => format!("{base}/datasets/{id}"),
            RepoKind::Space => format!("{base}/spaces/{id}"),
        }
    }

    /// "model"/"models" and so on.
    pub fn noun(self, count: usize) -> &'static str {
        match (self, count == 1) {
            (RepoKind::Model, true) => "model",
            (RepoKind::Model, false) => "models",
            (RepoKind::Dataset, true) => "dataset",
            (RepoKind::Dataset, false) => "datasets",
            (RepoKind::Space, true) => "Space",
            (RepoKind::Space, false) => "Spaces",
        }
    }
}

/// What the detail says when nothing cites the paper.
pub const NONE_CITE: &str = "no models, datasets or Spaces cite it";

/// "3 models, 1 dataset, 0 Spaces", or [`NONE_CITE`].
pub fn summary_line(linked: &LinkedRepos) -> String {
    if linked.is_empty() {
        return NONE_CITE.to_string();
    }
    let [models, datasets, spaces] = linked.totals;
    format!(
        "{models} {}, {datasets} {}, {spaces} {}",
        RepoKind::Model.noun(models),
        RepoKind::Dataset.noun(datasets),
        RepoKind::Space.noun(spaces)
    )
}

/// One answer of `api/arxiv/{id}/repos`, read leniently: a missing list is empty; an entry is
/// an object with an `id` (other fields optional) or a bare id string.
pub fn parse_answer(bytes: &[u8], fetched_at: DateTime<Utc>) -> Result<LinkedRepos, LinkedError> {
    #[derive(Deserialize)]
    struct Answer {
        #[serde(default)]
        models: Vec<serde_json::Value>,
        #[serde(default)]
        datasets: Vec<serde_json::Value>,
        #[serde(default)]
        spaces: Vec<serde_json::Value>,
    }
    let answer: Answer =
        serde_json::from_slice(bytes).map_err(|e| LinkedError::Parse(e.to_string()))?;
    let totals = [
        answer.models.len(),
        answer.datasets.len(),
        answer.spaces.len(),
    ];
    Ok(LinkedRepos {
        fetched_at,
        models: kept(answer.models),
        datasets: kept(answer.datasets),
        spaces: kept(answer.spaces),
        totals,
    })
}

/// The most liked entries with a usable id (HF's `owner/name`; nothing a terminal or a URL
/// could be tricked by).
fn kept(values: Vec<serde_json::Value>) -> Vec<LinkedRepo> {
    let number = |v: &serde_json::Value, key: &str| v.get(key).and_then(serde_json::Value::as_u64);
    let mut repos: Vec<LinkedRepo> = values
        .iter()
        .filter_map(|value| {
            let id = match value {
                serde_json::Value::String(id) => id.as_str(),
                other => other.get("id")?.as_str()?,
            };
            is_repo_id(id).then(|| LinkedRepo {
                id: id.to_string(),
                likes: number(value, "likes"),
                downloads: number(value, "downloads"),
            })
        })
        .collect();
    // Stable: HF's own order breaks ties.
    repos.sort_by(|a, b| {
        b.likes
            .unwrap_or(0)
            .cmp(&a.likes.unwrap_or(0))
            .then(b.downloads.unwrap_or(0).cmp(&a.downloads.unwrap_or(0)))
    });
    repos.truncate(KEPT_PER_KIND);
    repos
}

/// `owner/name` or `name` of letters, digits, `-`, `_`, `.`; at most 200 bytes.
fn is_repo_id(id: &str) -> bool {
    !id.is_empty()
        && id.len() <= 200
        && id.split('/').count() <= 2
        && id
            .split('/')
            .all(|part| !part.is_empty() && part != "." && part != "..")
        && id
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.' | '/'))
}

/// The cached links of `id` when fetched less than a day before `now`.
pub fn fresh_cached(
    store: &Store,
    id: &PaperId,
    now: DateTime<Utc>,
) -> Result<Option<LinkedRepos>, StoreError> {
    Ok(store
        .linked_repos(id)?
        .filter(|linked| now - linked.fetched_at < FRESH_FOR))
}

/// Fetches linked repos on demand; cheap to clone.
#[derive(Clone)]
pub struct LinkedFetcher {
    inner: Arc<Inner>,
}

struct Inner {
    store: Store,
    fetcher: Fetcher,
    hf_base: String,
    waits: ServerWaits,
}

impl LinkedFetcher {
    /// A fetcher on `store` asking `[sources.hf] base_url`, honouring `waits`.
    pub fn new(
        store: Store,
        config: &Config,
        waits: ServerWaits,
    ) -> Result<LinkedFetcher, LinkedError> {
        let sync = crate::sync::sync_settings_from_config(&config.sync);
        LinkedFetcher::with_settings(store, &config.sources.hf.base_url, &sync, waits)
    }

    /// A fetcher asking `hf_base` with the timeouts and user agent of `sync`.
    pub fn with_settings(
        store: Store,
        hf_base: &str,
        sync: &crate::sync::SyncSettings,
        waits: ServerWaits,
    ) -> Result<LinkedFetcher, LinkedError> {
        let fetcher = Fetcher::new(&FetchSettings {
            connect_timeout: sync.connect_timeout,
            total_timeout: sync.total_timeout.min(Duration::from_secs(30)),
            user_agent: sync.user_agent.clone(),
        })
        .map_err(LinkedError::Fetch)?;
        if let Ok(stored) = store.server_waits() {
            waits.restore(stored);
        }
        Ok(LinkedFetcher {
            inner: Arc::new(Inner {
                store,
                fetcher,
                hf_base: hf_base.to_string(),
                waits,
            }),
        })
    }

    /// The HF site the links point at.
    pub fn hf_base(&self) -> &str {
        &self.inner.hf_base
    }

    /// `id`'s linked repos: the cached ones when fresh, else fetched and cached. When the
    /// fetch fails, cached ones of any age are better than nothing.
    pub async fn linked_for(&self, id: &PaperId) -> Result<LinkedRepos, LinkedError> {
        if !id.is_arxiv() {
            return Err(LinkedError::NotArxiv);
        }
        let now = Utc::now();
        let store = self.inner.store.clone();
        let cached = {
            let id = id.clone();
            tokio::task::spawn_blocking(move || store.linked_repos(&id))
                .await
                .map_err(|e| LinkedError::Store(e.to_string()))??
        };
        if let Some(cached) = cached.as_ref().filter(|c| now - c.fetched_at < FRESH_FOR) {
            return Ok(cached.clone());
        }
        match self.fetch(id, now).await {
            Ok(linked) => Ok(linked),
            Err(error) => cached.ok_or(error),
        }
    }

    async fn fetch(&self, id: &PaperId, now: DateTime<Utc>) -> Result<LinkedRepos, LinkedError> {
        let inner = &self.inner;
        let url = format!(
            "{}/api/arxiv/{}/repos",
            inner.hf_base.trim_end_matches('/'),
            id.as_str()
        );
        if let Some(hold) = inner.waits.held(&url, now) {
            return Err(LinkedError::Held(held_phrase(&hold.host, hold.until, now)));
        }
        let fetched = inner
            .fetcher
            .fetch(&url, &Validators::default(), MAX_ANSWER_BYTES)
            .await;
        let bytes = match fetched {
            Ok(FetchOutcome::Body { bytes, .. }) => bytes,
            Ok(FetchOutcome::NotModified) => Vec::new(),
            // HF answers 404 for a paper it has not indexed: nothing cites it there.
            Err(FetchError::Status { status: 404, .. }) => b"{}".to_vec(),
            Err(error) => {
                if let Some(after) = error.retry_after() {
                    let until = now + chrono::Duration::from_std(after).unwrap_or_default();
                    inner.waits.hold(&url, until);
                    let current = inner.waits.current(Utc::now());
                    let store = inner.store.clone();
                    let _ =
                        tokio::task::spawn_blocking(move || store.set_server_waits(&current)).await;
                }
                return Err(LinkedError::Fetch(error));
            }
        };
        let linked = parse_answer(&bytes, now)?;
        let (store, id, kept) = (inner.store.clone(), id.clone(), linked.clone());
        tokio::task::spawn_blocking(move || store.set_linked_repos(&id, &kept))
            .await
            .map_err(|e| LinkedError::Store(e.to_string()))??;
        Ok(linked)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn answers_are_read_leniently_and_ranked_by_likes() {
        let now = Utc::now();
        let linked = parse_answer(
            br#"{"models":[{"id":"a/small","likes":1},{"id":"b/big","likes":90,"downloads":7},
                 "c/bare",{"id":"../../etc"},{"id":"x\u001b[2J"},{"nope":1}],
                 "spaces":[{"id":"s/demo"}]}"#,
            now,
        )
        .unwrap();
        let ids: Vec<&str> = linked.models.iter().map(|m| m.id.as_str()).collect();
        assert_eq!(ids, ["b/big", "a/small", "c/bare"]);
        assert_eq!(linked.totals, [6, 0, 1]);
        assert!(linked.datasets.is_empty());
        assert_eq!(summary_line(&linked), "6 models, 0 datasets, 1 Space");
        assert_eq!(LinkedIds::of(&linked).spaces, vec!["s/demo".to_string()]);
        let empty = parse_answer(br#"{"models":[],"datasets":[],"spaces":[]}"#, now).unwrap();
        assert!(empty.is_empty());
        assert_eq!(summary_line(&empty), NONE_CITE);
        assert!(parse_answer(b"[1,2]", now).is_err());
    }

    #[test]
    fn repo_links_point_at_their_kind() {
        let base = "https://huggingface.co/";
        assert_eq!(
            RepoKind::Model.url(base, "a/b"),
            "https://huggingface.co/a/b"
        );
        assert_eq!(
            RepoKind::Dataset.url(base, "a/b"),
            "https://huggingface.co/datasets/a/b"
        );
        assert_eq!(
            RepoKind::Space.url(base, "a/b"),
            "https://huggingface.co/spaces/a/b"
        );
    }
}
