//! PDF downloads (`paperboat pdf`, `D` in the reader): which URL, which file name, pacing and
//! Retry-After, and where the file ended up (recorded per machine in the store's `pdfs` tree).
//!
//! arXiv sometimes answers a PDF request with a web page (a rate limit or a robot check), and a
//! connection can drop half way: `save` keeps a file only when it is a whole PDF. Requests to
//! the arXiv site are paced like API requests (`[sync] arxiv_interval_secs`), and a host that
//! answered 429/503 with Retry-After is not asked again before the time it named (the holds are
//! kept in the store, shared with syncs).
//!
//! Layer 3 (beside `sync` and `export`): imports `source`, `store`, `sync`'s politeness and
//! server holds, and `config`.

pub mod name;
pub mod save;

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use chrono::{Datelike, Utc};
use serde::{Deserialize, Serialize};

use crate::config::Config;
use crate::model::{Paper, PaperId};
use crate::source::fetch::{FetchError, FetchSettings, FetchedBody, Fetcher, Validators};
use crate::store::{SavedPdf, Store, StoreError};
use crate::sync::{HostGates, ServerWaits, held_phrase};

/// Why a PDF could not be had. Each is one line, fit for the status bar and stderr; none leaves
/// a file behind.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PdfError {
    #[error("{}; nothing was saved", not_pdf_words(*web_page, *empty))]
    NotPdf { web_page: bool, empty: bool },
    #[error("the PDF is larger than [papers] max_pdf_mib ({} MiB); nothing was saved", cap / (1024 * 1024))]
    TooLarge { cap: u64 },
    #[error("the download was cut off ({0}); nothing was saved")]
    Body(String),
    #[error("cannot write to {}: {detail}; nothing was saved", dir.display())]
    Write { dir: PathBuf, detail: String },
    #[error("{0}")]
    Fetch(FetchError),
    #[error("{0}; try again then")]
    Held(String),
    #[error("{0} has no PDF link")]
    NoLink(String),
    #[error("the paper cache: {0}")]
    Store(String),
}

fn not_pdf_words(web_page: bool, empty: bool) -> &'static str {
    if web_page {
        "the server answered with a web page, not a PDF (arXiv does this when it limits \
         requests or checks for robots; try again later)"
    } else if empty {
        "the server answered with an empty body, not a PDF"
    } else {
        "the server's answer is not a PDF (it does not start with %PDF)"
    }
}

impl From<StoreError> for PdfError {
    fn from(error: StoreError) -> PdfError {
        PdfError::Store(error.to_string())
    }
}

/// A PDF that is on disk now.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PdfSaved {
    pub id: String,
    pub path: PathBuf,
    pub bytes: u64,
    /// Already there from an earlier download: nothing was fetched.
    pub reused: bool,
}

/// How the downloader behaves, from the config.
#[derive(Debug, Clone)]
pub struct PdfSettings {
    pub site_base_url: String,
    pub max_bytes: u64,
    /// Least time between two requests to the arXiv site.
    pub arxiv_interval: Duration,
    pub fetch: FetchSettings,
}

impl PdfSettings {
    pub fn from_config(config: &Config) -> PdfSettings {
        let sync = crate::sync::sync_settings_from_config(&config.sync);
        PdfSettings {
            site_base_url: config.sources.arxiv.site_base_url.clone(),
            max_bytes: config.papers.max_pdf_bytes(),
            arxiv_interval: sync.arxiv_interval,
            fetch: FetchSettings {
                connect_timeout: sync.connect_timeout,
                // A 100 MiB PDF on a slow link takes longer than a feed.
                total_timeout: sync.total_timeout.max(Duration::from_secs(600)),
                user_agent: sync.user_agent,
            },
        }
    }
}

/// Downloads PDFs one at a time per host; cheap to clone (the reader keeps one for `D`).
#[derive(Clone)]
pub struct PdfDownloader {
    inner: Arc<Inner>,
}

struct Inner {
    store: Store,
    fetcher: Fetcher,
    settings: PdfSettings,
    gates: HostGates,
    waits: ServerWaits,
}

impl PdfDownloader {
    /// A downloader on `store`, honouring (and adding to) `waits` and the holds in the store.
    pub fn new(
        store: Store,
        settings: PdfSettings,
        waits: ServerWaits,
    ) -> Result<PdfDownloader, PdfError> {
        let fetcher = Fetcher::new(&settings.fetch).map_err(PdfError::Fetch)?;
        if let Ok(stored) = store.server_waits() {
            waits.restore(stored);
        }
        Ok(PdfDownloader {
            inner: Arc::new(Inner {
                store,
                fetcher,
                settings,
                gates: HostGates::default(),
                waits,
            }),
        })
    }

    /// The URL `id`'s PDF is fetched from: the configured arXiv site for an arXiv paper, else
    /// the record's own PDF link.
    pub fn pdf_url(&self, id: &PaperId, paper: Option<&Paper>) -> Option<String> {
        if id.is_arxiv() {
            return Some(crate::link::arxiv_site_url(
                &self.inner.settings.site_base_url,
                "pdf",
                id.as_str(),
            ));
        }
        paper
            .and_then(|p| p.links.pdf.as_deref())
            .and_then(crate::link::safe_web_url)
    }

    /// Downloads `id`'s PDF into `dir` (or finds the one downloaded before), records it, and
    /// says where it is. `progress` gets the bytes received so far now and then.
    pub async fn download(
        &self,
        id: &PaperId,
        dir: &Path,
        progress: impl FnMut(u64) + Send + 'static,
    ) -> Result<PdfSaved, PdfError> {
        let inner = Arc::clone(&self.inner);
        let (paper, earlier) = {
            let (store, id) = (inner.store.clone(), id.clone());
            tokio::task::spawn_blocking(move || -> Result<_, PdfError> {
                Ok((store.paper(&id)?, store.saved_pdf(&id)?))
            })
            .await
            .map_err(|e| PdfError::Store(e.to_string()))??
        };
        if let Some(earlier) = earlier.filter(|e| e.exists() && same_dir(&e.path, dir)) {
            return Ok(PdfSaved {
                id: id.to_string(),
                path: earlier.path,
                bytes: earlier.bytes,
                reused: true,
            });
        }
        let url = self
            .pdf_url(id, paper.as_ref())
            .ok_or_else(|| PdfError::NoLink(id.to_string()))?;
        let now = Utc::now();
        if let Some(hold) = inner.waits.held(&url, now) {
            return Err(PdfError::Held(held_phrase(&hold.host, hold.until, now)));
        }
        let stem = match &paper {
            Some(paper) => name::pdf_stem(paper, Some(now.year())),
            None => format!("arXiv-{}", id.as_str().replace('/', "-")),
        };
        let interval = if is_arxiv_site(&url, &inner.settings.site_base_url) {
            inner.settings.arxiv_interval
        } else {
            Duration::ZERO
        };
        let request = fetch_and_save(
            Arc::clone(&inner),
            url.clone(),
            dir.to_path_buf(),
            stem,
            id.clone(),
            progress,
        );
        let placed = inner.gates.polite(&url, interval, request).await?;
        let saved = SavedPdf {
            path: placed.path.clone(),
            saved_at: Utc::now(),
            bytes: placed.bytes,
        };
        let (store, record_id) = (inner.store.clone(), id.clone());
        tokio::task::spawn_blocking(move || store.set_saved_pdf(&record_id, &saved))
            .await
            .map_err(|e| PdfError::Store(e.to_string()))??;
        Ok(PdfSaved {
            id: id.to_string(),
            path: placed.path,
            bytes: placed.bytes,
            reused: placed.reused,
        })
    }
}

/// One request and the save of its body (inside the host's turn, so pacing counts from the
/// end of the download).
async fn fetch_and_save(
    inner: Arc<Inner>,
    url: String,
    dir: PathBuf,
    stem: String,
    id: PaperId,
    mut progress: impl FnMut(u64) + Send + 'static,
) -> Result<save::Placed, PdfError> {
    let cap = inner.settings.max_bytes;
    let fetched = inner
        .fetcher
        .fetch_stream(&url, &Validators::default(), cap)
        .await;
    let mut reader = match fetched {
        Ok(FetchedBody::Body { reader, .. }) => reader,
        Ok(FetchedBody::NotModified) => {
            return Err(PdfError::Fetch(FetchError::Status {
                status: 304,
                reason: "Not Modified".into(),
                url,
            }));
        }
        Err(error) => {
            if let Some(after) = error.retry_after() {
                let until = Utc::now() + chrono::Duration::from_std(after).unwrap_or_default();
                inner.waits.hold(&url, until);
                let current = inner.waits.current(Utc::now());
                let store = inner.store.clone();
                // Kept for the next process too; losing it costs one early request at worst.
                let _ = tokio::task::spawn_blocking(move || store.set_server_waits(&current)).await;
            }
            return Err(match error {
                FetchError::TooLarge { limit, .. } => PdfError::TooLarge { cap: limit },
                other => PdfError::Fetch(other),
            });
        }
    };
    let store = inner.store.clone();
    tokio::task::spawn_blocking(move || {
        let owners = |path: &Path| matches!(store.pdf_owner(path), Ok(Some(owner)) if owner != id);
        let result = save::save(&mut reader, &dir, &stem, cap, &owners, &mut progress);
        // A failed read says why in the fetch error behind it (cut off, over the cap, too slow).
        match (result, reader.failure()) {
            (Err(PdfError::Body(_)), Some(FetchError::TooLarge { limit, .. })) => {
                Err(PdfError::TooLarge { cap: *limit })
            }
            (Err(PdfError::Body(_)), Some(failure)) => Err(PdfError::Body(failure.phrase())),
            (result, _) => result,
        }
    })
    .await
    .map_err(|e| PdfError::Store(e.to_string()))?
}

/// True when `url` is on the configured arXiv site (or arxiv.org itself).
fn is_arxiv_site(url: &str, site: &str) -> bool {
    let host = |u: &str| {
        reqwest::Url::parse(u)
            .ok()
            .and_then(|u| u.host_str().map(str::to_string))
    };
    match host(url) {
        Some(h) => {
            host(site).as_deref() == Some(h.as_str())
                || h == "arxiv.org"
                || h.ends_with(".arxiv.org")
        }
        None => false,
    }
}

fn same_dir(file: &Path, dir: &Path) -> bool {
    let canonical = |p: &Path| std::fs::canonicalize(p).ok();
    match (file.parent().and_then(canonical), canonical(dir)) {
        (Some(a), Some(b)) => a == b,
        _ => false,
    }
}

/// A `pdf` command's params (forwarded through an open reader): the ids as typed, and the
/// directory already resolved by the caller (its `--dir` or its config, made absolute).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PdfParams {
    pub ids: Vec<String>,
    pub dir: PathBuf,
}

/// One line per paper of a `pdf` command, as progress (forwarded through an open reader).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PdfLine {
    pub id: String,
    pub saved: Option<PdfSaved>,
    pub error: Option<String>,
}

/// What a `pdf` command did.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct PdfSummary {
    pub saved: usize,
    pub reused: usize,
    pub failed: usize,
}

impl PdfSummary {
    /// Counts one paper's line.
    pub fn count(&mut self, line: &PdfLine) {
        match &line.saved {
            Some(saved) if saved.reused => self.reused += 1,
            Some(_) => self.saved += 1,
            None => self.failed += 1,
        }
    }
}

/// Downloads one paper's PDF into `dir`, as a `pdf` line.
pub async fn download_line(downloader: &PdfDownloader, id: &PaperId, dir: &Path) -> PdfLine {
    match downloader.download(id, dir, |_| {}).await {
        Ok(saved) => PdfLine {
            id: id.to_string(),
            saved: Some(saved),
            error: None,
        },
        Err(error) => PdfLine {
            id: id.to_string(),
            saved: None,
            error: Some(error.to_string()),
        },
    }
}

/// Downloads each of `ids` into `dir` in turn, reporting a line per paper.
pub async fn download_all(
    downloader: &PdfDownloader,
    ids: &[PaperId],
    dir: &Path,
    mut line: impl FnMut(&PdfLine),
) -> PdfSummary {
    let mut summary = PdfSummary::default();
    for id in ids {
        let out = download_line(downloader, id, dir).await;
        summary.count(&out);
        line(&out);
    }
    summary
}

/// The text a `pdf` line prints: the path, or the id and why it failed.
pub fn line_text(line: &PdfLine, home: Option<&Path>) -> String {
    match (&line.saved, &line.error) {
        (Some(saved), _) => {
            let shown = crate::config::display_home(&saved.path, home);
            if saved.reused {
                format!("{shown} (already downloaded)")
            } else {
                shown
            }
        }
        (None, Some(error)) => format!("{}: {}", line.id, error),
        (None, None) => format!("{}: no result", line.id),
    }
}
