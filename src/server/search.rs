//! `search`: HF's paper search, run by the reader's sync task when a reader is open (so its
//! Retry-After holds are shared) or by one started here, then answered from the store with
//! the same code either way: the results in HF's order, each as `list` shows it, marked by
//! whether the cache held it before. The results are stored (stars and notes stick to them).

use anyhow::Context as _;
use serde::{Deserialize, Serialize};
use serde_json::value::RawValue;

use super::commands::{CommandError, ListedPaper};
use crate::export::PaperLine;
use crate::source::hf_lists::{HfList, SEARCH_KEY};
use crate::store::Store;
use crate::sync::SyncEvent;

/// `search`'s arguments.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct SearchParams {
    pub query: String,
    pub limit: usize,
    /// `list --json`'s objects (with `cached`) instead of list lines.
    pub json: bool,
}

impl SearchParams {
    /// The list to fetch; a query HF would refuse (empty, over 250 characters) is refused here.
    pub fn list(&self) -> Result<HfList, CommandError> {
        HfList::search(&self.query, self.limit).map_err(|e| CommandError::BadParams(e.to_string()))
    }
}

/// A text result: the paper as `list` shows it, and whether the cache held it before.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SearchedPaper {
    #[serde(flatten)]
    pub paper: ListedPaper,
    pub cached: bool,
}

/// `search`'s answer: the query as HF got it and one JSON object per result, in HF's order
/// ([`SearchedPaper`]s, or with `json` `list --json`'s objects with `cached`).
#[derive(Debug, Serialize, Deserialize)]
pub struct SearchResult {
    pub query: String,
    pub papers: Vec<Box<RawValue>>,
}

/// Waits for the answer to the fetch of `list` among the sync task's events; `Err` says why
/// it failed.
pub async fn await_list(list: &HfList, mut next: impl AsyncNext) -> Result<(), CommandError> {
    while let Some(event) = next.next_event().await {
        match event {
            SyncEvent::ListFetched { list: got, .. } if got == *list => return Ok(()),
            SyncEvent::ListFailed { list: got, reason } if got == *list => {
                return Err(CommandError::Failed(anyhow::anyhow!(
                    "search on Hugging Face failed: {}",
                    crate::text::sanitize_line(&reason)
                )));
            }
            _ => {}
        }
    }
    Err(CommandError::Failed(anyhow::anyhow!(
        "the sync task stopped before the search finished"
    )))
}

/// Where [`await_list`] reads events from: the reader's broadcast or a task's own channel.
pub trait AsyncNext {
    fn next_event(&mut self) -> impl Future<Output = Option<SyncEvent>> + Send;
}

impl AsyncNext for &mut tokio::sync::mpsc::Receiver<SyncEvent> {
    async fn next_event(&mut self) -> Option<SyncEvent> {
        self.recv().await
    }
}

impl AsyncNext for tokio::sync::broadcast::Receiver<SyncEvent> {
    async fn next_event(&mut self) -> Option<SyncEvent> {
        loop {
            match self.recv().await {
                Ok(event) => return Some(event),
                Err(tokio::sync::broadcast::error::RecvError::Lagged(_)) => {}
                Err(tokio::sync::broadcast::error::RecvError::Closed) => return None,
            }
        }
    }
}

/// The stored results of the last search, which must be `params`' query.
pub fn search_result(store: &Store, params: &SearchParams) -> Result<SearchResult, CommandError> {
    let list = params.list()?;
    let query = list.query().unwrap_or_default().to_string();
    let stored = store
        .ranked_list(SEARCH_KEY)
        .context("cannot read the search results")?
        .filter(|stored| stored.query.as_deref() == Some(query.as_str()));
    let Some(stored) = stored else {
        return Err(CommandError::Failed(anyhow::anyhow!(
            "the search results were replaced by another search; try again"
        )));
    };
    let states = store
        .user_states()
        .context("cannot read stars and read marks")?;
    let mut papers = Vec::with_capacity(stored.ids.len());
    for id in &stored.ids {
        let Some(paper) = store.paper(id).context("cannot read the paper cache")? else {
            continue;
        };
        let day = store
            .filed_day(id)
            .context("cannot read the paper cache")?
            .unwrap_or_else(|| paper.day(chrono::NaiveDate::MIN));
        let mut row = paper.list_row(day);
        row.day = day;
        let state = states.get(id).cloned().unwrap_or_default();
        let cached = !stored.fresh.contains(id);
        let json = if params.json {
            let mut value = serde_json::to_value(PaperLine::new(&row, Some(&paper), &state))
                .context("cannot write JSON")?;
            if let Some(object) = value.as_object_mut() {
                object.insert("cached".to_string(), cached.into());
            }
            serde_json::to_string(&value)
        } else {
            serde_json::to_string(&SearchedPaper {
                paper: ListedPaper::of(&row, &state),
                cached,
            })
        }
        .context("cannot write JSON")?;
        papers.push(RawValue::from_string(json).context("cannot write JSON")?);
    }
    Ok(SearchResult { query, papers })
}
