//! Fetching one `SourceRequest`: HTTP with conditional GET, timeouts and a body cap, or `file://`.
//!
//! The `Fetcher` knows nothing of sources or the store: it turns a URL plus the validators kept
//! from the last fetch into a body (with fresh validators), a "not modified", or a one-line error
//! that is fit to show a user and to store as a source's `last_error`.
//!
//! A body can be had whole (`fetch`) or as a blocking reader that yields it as it arrives
//! (`fetch_stream`), for parsing a large feed in bounded memory; the size cap holds either way.
//!
//! Layer `source`: it owns the `Validators` type the store keeps, and must not import `store`
//! or anything above it.

use std::io::Read;
use std::path::PathBuf;
use std::time::Duration;

use chrono::{DateTime, Utc};
use reqwest::StatusCode;
use reqwest::header::{
    CONTENT_LENGTH, CONTENT_LOCATION, CONTENT_TYPE, ETAG, HeaderMap, IF_MODIFIED_SINCE,
    IF_NONE_MATCH, LAST_MODIFIED, LINK, RETRY_AFTER,
};

use serde::{Deserialize, Serialize};

use crate::clock::human_duration;

/// HTTP validators kept per request URL for conditional GET (ETag / Last-Modified). They live
/// here, with the fetcher that reads and sends them; the store keeps them between runs.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Validators {
    pub etag: Option<String>,
    pub last_modified: Option<String>,
}

/// Validators longer than this are not kept: no real server sends them, and they are stored.
const MAX_VALIDATOR_LEN: usize = 512;

/// The longest wait a `Retry-After` may ask for; a bogus huge value must not silence a source.
pub const MAX_RETRY_AFTER: Duration = Duration::from_secs(24 * 60 * 60);

/// How the fetcher talks to servers.
#[derive(Debug, Clone)]
pub struct FetchSettings {
    pub connect_timeout: Duration,
    pub total_timeout: Duration,
    pub user_agent: String,
}

/// What one fetch produced.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FetchOutcome {
    /// A fresh body, with the validators to send next time.
    Body {
        bytes: Vec<u8>,
        validators: Validators,
    },
    /// The server said 304: what we have is current.
    NotModified,
}

/// What one streamed fetch produced.
pub enum FetchedBody {
    /// A fresh body to read (on a blocking thread), with the validators to send next time.
    Body {
        /// Boxed: a reader is ~200 bytes, the other variant nothing.
        reader: Box<BodyReader>,
        validators: Validators,
    },
    /// The server said 304: what we have is current.
    NotModified,
}

/// How many body chunks may wait between the network and the parser: the bound on what a
/// streamed body holds in memory. hyper's read buffer grows to a few hundred KB on a fast link,
/// so 32 chunks held 14.6 MiB at the peak of a 50,000-paper sync over loopback; 4 keep the
/// parser fed (it is the slower side) for a fraction of that.
const CHUNKS_IN_FLIGHT: usize = 4;

type Chunk = Box<dyn AsRef<[u8]> + Send + Sync>;

/// A body read as it arrives, for a blocking thread. A failed read (cut off, over the cap, too
/// slow, unreadable file) keeps the `FetchError` behind it: `failure` says what to report
/// instead of whatever the parser made of the short read.
pub struct BodyReader {
    from: BodyFrom,
    failure: Option<FetchError>,
    /// The URL or file as shown in messages.
    shown: String,
    /// The `charset` of the HTTP `Content-Type` and the `Content-Location`, when sent.
    declared: super::Declared,
    /// The next page of a paged list (`Link: <…>; rel="next"`), resolved against the URL.
    next_link: Option<String>,
}

enum BodyFrom {
    Http {
        chunks: tokio::sync::mpsc::Receiver<Result<Chunk, FetchError>>,
        current: Option<Chunk>,
        at: usize,
    },
    File {
        file: std::io::Take<std::fs::File>,
        path: PathBuf,
        read: u64,
        limit: u64,
    },
}

impl BodyReader {
    /// The charset the server declared for the body (`Content-Type: …; charset=…`).
    pub fn charset(&self) -> Option<&str> {
        self.declared.charset.as_deref()
    }

    /// What the server declared about the body: its charset and `Content-Location`.
    pub fn declared(&self) -> &super::Declared {
        &self.declared
    }

    /// The next page the server announced (`Link: <…>; rel="next"`), if it did.
    pub fn next_link(&self) -> Option<&str> {
        self.next_link.as_deref()
    }

    /// The fetch error behind a failed read, if a read failed.
    pub fn failure(&self) -> Option<&FetchError> {
        self.failure.as_ref()
    }

    /// Reads the whole body, reporting a failed read as its fetch error.
    pub fn read_all(&mut self) -> Result<Vec<u8>, FetchError> {
        let mut bytes = Vec::new();
        match self.read_to_end(&mut bytes) {
            Ok(_) => Ok(bytes),
            Err(error) => Err(self.failure.take().unwrap_or_else(|| FetchError::Http {
                url: self.shown.clone(),
                detail: error.to_string(),
            })),
        }
    }

    fn fail(&mut self, error: FetchError) -> std::io::Error {
        let io = std::io::Error::other(error.to_string());
        self.failure = Some(error);
        io
    }
}

impl Read for BodyReader {
    fn read(&mut self, out: &mut [u8]) -> std::io::Result<usize> {
        if self.failure.is_some() {
            return Err(std::io::Error::other("the body could not be read"));
        }
        let result = match &mut self.from {
            BodyFrom::Http {
                chunks,
                current,
                at,
            } => loop {
                if let Some(chunk) = current {
                    let bytes = (**chunk).as_ref();
                    if *at < bytes.len() {
                        let n = out.len().min(bytes.len() - *at);
                        out[..n].copy_from_slice(&bytes[*at..*at + n]);
                        *at += n;
                        break Ok(n);
                    }
                }
                match chunks.blocking_recv() {
                    Some(Ok(chunk)) => {
                        *current = Some(chunk);
                        *at = 0;
                    }
                    Some(Err(error)) => break Err(error),
                    None => break Ok(0),
                }
            },
            BodyFrom::File {
                file,
                path,
                read,
                limit,
            } => match file.read(out) {
                Ok(n) => {
                    *read += n as u64;
                    if *read > *limit {
                        // The file grew between the size check and the read.
                        Err(FetchError::TooLarge {
                            url: shown(&path.display().to_string()),
                            limit: *limit,
                        })
                    } else {
                        Ok(n)
                    }
                }
                Err(error) => Err(file_error(path, error)),
            },
        };
        result.map_err(|error| self.fail(error))
    }
}

/// Why a fetch failed. Every message is one line and names the URL or file.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum FetchError {
    #[error("HTTP {status} from {url}; the server asks to wait {}", human_duration(*after))]
    RetryAfter {
        status: u16,
        after: Duration,
        url: String,
    },
    #[error("HTTP {status} {reason} from {url}")]
    Status {
        status: u16,
        reason: String,
        url: String,
    },
    #[error("no complete answer from {url} within {}", human_duration(*after))]
    Timeout { url: String, after: Duration },
    #[error("the response from {url} is larger than the limit of {limit} bytes")]
    TooLarge { url: String, limit: u64 },
    #[error("cannot connect to {url}: {detail}")]
    Connect { url: String, detail: String },
    #[error("the response from {url} was cut off: {detail}")]
    Truncated { url: String, detail: String },
    #[error("request to {url} failed: {detail}")]
    Http { url: String, detail: String },
    #[error("cannot read {}: {detail}", path.display())]
    File { path: PathBuf, detail: String },
    #[error("'{url}' is not a usable URL: {detail}")]
    BadUrl { url: String, detail: String },
    #[error("cannot set up the HTTP client: {0}")]
    Client(String),
}

impl FetchError {
    /// The HTTP status of the answer, when there was one.
    pub fn status(&self) -> Option<u16> {
        match self {
            FetchError::RetryAfter { status, .. } | FetchError::Status { status, .. } => {
                Some(*status)
            }
            _ => None,
        }
    }

    /// The wait the server asked for with `Retry-After`.
    pub fn retry_after(&self) -> Option<Duration> {
        match self {
            FetchError::RetryAfter { after, .. } => Some(*after),
            _ => None,
        }
    }

    /// True when the host as a whole is unwell (rate limit, unreachable, too slow), so
    /// further requests to it in this round would only add load or wait out the same timeout.
    pub fn affects_host(&self) -> bool {
        matches!(
            self,
            FetchError::RetryAfter { .. } | FetchError::Timeout { .. } | FetchError::Connect { .. }
        )
    }
}

impl FetchError {
    /// What went wrong, in a few words for the status bar: no URL, no error chain ("server
    /// error 500", "cannot connect (connection refused)"). The full message is the `Display`.
    pub fn phrase(&self) -> String {
        match self {
            FetchError::RetryAfter { after, url, .. } => {
                format!(
                    "{} asks to wait {}",
                    host_shown(url),
                    human_duration(*after)
                )
            }
            FetchError::Status { status, .. } => status_phrase(*status),
            FetchError::Timeout { after, .. } => {
                format!("no answer within {}", human_duration(*after))
            }
            FetchError::TooLarge { limit, .. } => {
                format!("answer larger than {}", human_bytes(*limit))
            }
            FetchError::Connect { detail, .. } => {
                format!("cannot connect ({})", network_cause(detail))
            }
            FetchError::Truncated { .. } => "answer cut off".to_string(),
            FetchError::Http { detail, .. } => {
                format!("request failed ({})", network_cause(detail))
            }
            FetchError::File { detail, .. } => {
                format!("cannot read the file ({})", without_os_code(detail))
            }
            FetchError::BadUrl { .. } => "unusable URL in the config".to_string(),
            FetchError::Client(_) => "cannot set up HTTP".to_string(),
        }
    }
}

/// An HTTP status in words.
fn status_phrase(status: u16) -> String {
    match status {
        500..=599 => format!("server error {status}"),
        404 | 410 => format!("not found ({status})"),
        401 | 403 => format!("access denied ({status})"),
        429 => "too many requests (429)".to_string(),
        400..=499 => format!("request refused ({status})"),
        _ => format!("unexpected answer ({status})"),
    }
}

/// The cause inside a connect or transport error chain, in words. The chain's text comes from
/// hyper, rustls and the OS (which Rust leaves in the C locale), so it is matched as text.
fn network_cause(detail: &str) -> &'static str {
    let detail = detail.to_ascii_lowercase();
    let has = |needles: &[&str]| needles.iter().any(|needle| detail.contains(needle));
    if has(&["connection refused"]) {
        "connection refused"
    } else if has(&[
        "dns error",
        "failed to lookup",
        "name or service not known",
        "no address associated",
        "nodename nor servname",
    ]) {
        "host not found"
    } else if has(&["certificate"]) {
        "TLS certificate rejected"
    } else if has(&["tls", "handshake"]) {
        "TLS handshake failed"
    } else if has(&["connection reset", "broken pipe", "connection closed"]) {
        "connection reset"
    } else if has(&["unreachable", "no route to host"]) {
        "network unreachable"
    } else if has(&["timed out", "timeout"]) {
        "timed out"
    } else {
        "network error"
    }
}

/// "Permission denied (os error 13)" → "Permission denied".
fn without_os_code(detail: &str) -> &str {
    match detail.find(" (os error") {
        Some(at) => &detail[..at],
        None => detail,
    }
}

/// The host (and a port that is not the scheme's default) of a URL as shown in messages.
pub fn host_shown(url: &str) -> String {
    match reqwest::Url::parse(url) {
        Ok(parsed) => match (parsed.host_str(), parsed.port()) {
            (Some(host), Some(port)) => format!("{host}:{port}"),
            (Some(host), None) => host.to_string(),
            (None, _) => "the server".to_string(),
        },
        Err(_) => "the server".to_string(),
    }
}

/// "512 KiB", "32 MiB": for messages.
fn human_bytes(bytes: u64) -> String {
    const KIB: u64 = 1024;
    const MIB: u64 = 1024 * KIB;
    if bytes >= MIB && bytes.is_multiple_of(MIB) {
        format!("{} MiB", bytes / MIB)
    } else if bytes >= KIB && bytes.is_multiple_of(KIB) {
        format!("{} KiB", bytes / KIB)
    } else {
        format!("{bytes} bytes")
    }
}

/// One HTTP client shared by every fetch of the sync task.
pub struct Fetcher {
    client: reqwest::Client,
    total_timeout: Duration,
}

impl Fetcher {
    pub fn new(settings: &FetchSettings) -> Result<Fetcher, FetchError> {
        // reqwest is built without a default crypto provider; installing ring twice is a no-op
        // error we can ignore (the CLI, the reader and tests may all get here).
        let _ = rustls::crypto::ring::default_provider().install_default();
        let client = reqwest::Client::builder()
            .connect_timeout(settings.connect_timeout)
            .timeout(settings.total_timeout)
            .user_agent(settings.user_agent.clone())
            .gzip(true)
            .build()
            .map_err(|e| FetchError::Client(error_chain(&e)))?;
        Ok(Fetcher {
            client,
            total_timeout: settings.total_timeout,
        })
    }

    /// Fetches `url`, sending the validators of the last fetch, accepting at most
    /// `max_body_bytes` of body.
    pub async fn fetch(
        &self,
        url: &str,
        validators: &Validators,
        max_body_bytes: u64,
    ) -> Result<FetchOutcome, FetchError> {
        match self.fetch_stream(url, validators, max_body_bytes).await? {
            FetchedBody::NotModified => Ok(FetchOutcome::NotModified),
            FetchedBody::Body {
                mut reader,
                validators,
            } => {
                let read = tokio::task::spawn_blocking(move || reader.read_all()).await;
                let bytes = read.map_err(|e| FetchError::Http {
                    url: shown(url),
                    detail: e.to_string(),
                })??;
                Ok(FetchOutcome::Body { bytes, validators })
            }
        }
    }

    /// Like `fetch`, but the body comes as a reader that yields it as it arrives (read it on a
    /// blocking thread): at most `CHUNKS_IN_FLIGHT` chunks are held, whatever the body's size.
    /// Errors in the body (cut off, over `max_body_bytes`, too slow) surface from its reads.
    pub async fn fetch_stream(
        &self,
        url: &str,
        validators: &Validators,
        max_body_bytes: u64,
    ) -> Result<FetchedBody, FetchError> {
        let parsed = reqwest::Url::parse(url).map_err(|e| FetchError::BadUrl {
            url: shown(url),
            detail: e.to_string(),
        })?;
        match parsed.scheme() {
            "http" | "https" => self.fetch_http(parsed, validators, max_body_bytes).await,
            "file" => open_file(parsed, max_body_bytes).await,
            other => Err(FetchError::BadUrl {
                url: shown(url),
                detail: format!("the scheme '{other}' is not supported (use http, https or file)"),
            }),
        }
    }

    async fn fetch_http(
        &self,
        url: reqwest::Url,
        validators: &Validators,
        max_body_bytes: u64,
    ) -> Result<FetchedBody, FetchError> {
        let shown_url = shown(url.as_str());
        let mut request = self.client.get(url);
        if let Some(etag) = &validators.etag {
            request = request.header(IF_NONE_MATCH, etag.as_str());
        }
        if let Some(last_modified) = &validators.last_modified {
            request = request.header(IF_MODIFIED_SINCE, last_modified.as_str());
        }
        let mut response = request
            .send()
            .await
            .map_err(|e| classify(&shown_url, &e, false, self.total_timeout))?;
        let status = response.status();
        if status == StatusCode::NOT_MODIFIED {
            return Ok(FetchedBody::NotModified);
        }
        if !status.is_success() {
            return Err(status_error(status, response.headers(), &shown_url));
        }
        let declared = response
            .headers()
            .get(CONTENT_LENGTH)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.trim().parse::<u64>().ok());
        if declared.is_some_and(|len| len > max_body_bytes) {
            return Err(FetchError::TooLarge {
                url: shown_url,
                limit: max_body_bytes,
            });
        }
        let fresh = validators_from(response.headers());
        let next_link = next_link_of(response.headers(), response.url());
        let charset = response
            .headers()
            .get(CONTENT_TYPE)
            .and_then(|value| value.to_str().ok())
            .and_then(charset_of);
        let location = response
            .headers()
            .get(CONTENT_LOCATION)
            .and_then(|value| value.to_str().ok())
            .map(|value| value.trim().to_string())
            .filter(|value| !value.is_empty());
        let (sender, chunks) = tokio::sync::mpsc::channel(CHUNKS_IN_FLIGHT);
        let total_timeout = self.total_timeout;
        let reader_shown = shown_url.clone();
        // The body is pumped by a task of its own, so the reader can live on a blocking thread;
        // it stops when the reader is dropped.
        tokio::spawn(async move {
            let mut received: u64 = 0;
            loop {
                let next = match response.chunk().await {
                    Ok(Some(chunk)) => {
                        received = received.saturating_add(chunk.len() as u64);
                        if received > max_body_bytes {
                            Err(FetchError::TooLarge {
                                url: shown_url.clone(),
                                limit: max_body_bytes,
                            })
                        } else {
                            Ok(Box::new(chunk) as Chunk)
                        }
                    }
                    Ok(None) => break,
                    Err(e) => Err(classify(&shown_url, &e, true, total_timeout)),
                };
                let failed = next.is_err();
                if sender.send(next).await.is_err() || failed {
                    break;
                }
            }
        });
        Ok(FetchedBody::Body {
            reader: Box::new(BodyReader {
                from: BodyFrom::Http {
                    chunks,
                    current: None,
                    at: 0,
                },
                failure: None,
                shown: reader_shown,
                declared: super::Declared { charset, location },
                next_link,
            }),
            validators: fresh,
        })
    }
}

/// The `rel="next"` target of the `Link` headers (RFC 8288), resolved against `url`; only
/// http(s) targets are followed.
fn next_link_of(headers: &HeaderMap, url: &reqwest::Url) -> Option<String> {
    headers
        .get_all(LINK)
        .iter()
        .filter_map(|value| value.to_str().ok())
        .flat_map(|value| value.split(','))
        .find_map(|link| {
            let (target, params) = link.trim().strip_prefix('<')?.split_once('>')?;
            let is_next = params.split(';').any(|param| {
                let Some((name, value)) = param.split_once('=') else {
                    return false;
                };
                name.trim().eq_ignore_ascii_case("rel")
                    && value
                        .trim()
                        .trim_matches('"')
                        .split_ascii_whitespace()
                        .any(|rel| rel.eq_ignore_ascii_case("next"))
            });
            let resolved = url.join(target.trim()).ok()?;
            (is_next && matches!(resolved.scheme(), "http" | "https")).then(|| resolved.to_string())
        })
}

/// The `charset` parameter of a `Content-Type` value.
fn charset_of(content_type: &str) -> Option<String> {
    content_type.split(';').skip(1).find_map(|parameter| {
        let (name, value) = parameter.split_once('=')?;
        name.trim()
            .eq_ignore_ascii_case("charset")
            .then(|| value.trim().trim_matches(['"', '\'']).to_string())
            .filter(|value| !value.is_empty())
    })
}

fn classify(url: &str, error: &reqwest::Error, in_body: bool, after: Duration) -> FetchError {
    // reqwest's own message only repeats the URL ("error sending request for url (…)"),
    // which the variant already names: say the causes.
    let detail = match std::error::Error::source(error) {
        Some(cause) => error_chain(cause),
        None => error_chain(error),
    };
    if error.is_timeout() {
        FetchError::Timeout {
            url: url.to_string(),
            after,
        }
    } else if error.is_connect() {
        FetchError::Connect {
            url: url.to_string(),
            detail,
        }
    } else if in_body || error.is_body() || error.is_decode() {
        FetchError::Truncated {
            url: url.to_string(),
            detail,
        }
    } else {
        FetchError::Http {
            url: url.to_string(),
            detail,
        }
    }
}

/// Opens a `file://` URL (percent-decoded) for reading, with the same size cap as HTTP.
async fn open_file(url: reqwest::Url, max_body_bytes: u64) -> Result<FetchedBody, FetchError> {
    let path = url.to_file_path().map_err(|()| FetchError::BadUrl {
        url: shown(url.as_str()),
        detail: "not a local file path".into(),
    })?;
    let opened = tokio::task::spawn_blocking(move || open_capped(path, max_body_bytes)).await;
    match opened {
        Ok(result) => result.map(|reader| FetchedBody::Body {
            reader: Box::new(reader),
            validators: Validators::default(),
        }),
        Err(e) => Err(FetchError::Http {
            url: shown(url.as_str()),
            detail: e.to_string(),
        }),
    }
}

fn file_error(path: &std::path::Path, e: std::io::Error) -> FetchError {
    let detail = match e.kind() {
        std::io::ErrorKind::NotFound => "no such file".to_string(),
        _ => e.to_string(),
    };
    FetchError::File {
        path: path.to_path_buf(),
        detail,
    }
}

fn open_capped(path: PathBuf, max_body_bytes: u64) -> Result<BodyReader, FetchError> {
    let file = std::fs::File::open(&path).map_err(|e| file_error(&path, e))?;
    let metadata = file.metadata().map_err(|e| file_error(&path, e))?;
    if metadata.is_dir() {
        return Err(FetchError::File {
            path,
            detail: "is a directory".into(),
        });
    }
    if metadata.len() > max_body_bytes {
        return Err(FetchError::TooLarge {
            url: shown(&path.display().to_string()),
            limit: max_body_bytes,
        });
    }
    // The file may grow between the size check and the read; read one byte past the cap to know.
    let path_shown = path.display().to_string();
    Ok(BodyReader {
        from: BodyFrom::File {
            file: file.take(max_body_bytes.saturating_add(1)),
            path,
            read: 0,
            limit: max_body_bytes,
        },
        failure: None,
        shown: shown(&path_shown),
        declared: super::Declared::default(),
        next_link: None,
    })
}

fn status_error(status: StatusCode, headers: &HeaderMap, url: &str) -> FetchError {
    let asks_to_wait =
        status == StatusCode::TOO_MANY_REQUESTS || status == StatusCode::SERVICE_UNAVAILABLE;
    if asks_to_wait {
        let after = headers
            .get(RETRY_AFTER)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| parse_retry_after(v, Utc::now()));
        if let Some(after) = after {
            return FetchError::RetryAfter {
                status: status.as_u16(),
                after,
                url: url.to_string(),
            };
        }
    }
    FetchError::Status {
        status: status.as_u16(),
        reason: status
            .canonical_reason()
            .unwrap_or("(unknown status)")
            .to_string(),
        url: url.to_string(),
    }
}

/// Parses a `Retry-After` value: delay-seconds or an HTTP date (RFC 9110 §10.2.3), relative to
/// `now`. A date in the past means "now"; the wait is capped at `MAX_RETRY_AFTER`.
pub fn parse_retry_after(value: &str, now: DateTime<Utc>) -> Option<Duration> {
    let value = value.trim();
    if let Ok(seconds) = value.parse::<u64>() {
        return Some(Duration::from_secs(seconds).min(MAX_RETRY_AFTER));
    }
    // IMF-fixdate ("Sun, 06 Nov 1994 08:49:37 GMT") is a valid RFC 2822 date.
    let at = DateTime::parse_from_rfc2822(value)
        .ok()?
        .with_timezone(&Utc);
    let wait = (at - now).to_std().unwrap_or(Duration::ZERO);
    Some(wait.min(MAX_RETRY_AFTER))
}

fn validators_from(headers: &HeaderMap) -> Validators {
    let text = |name| {
        headers
            .get(name)
            .and_then(|v: &reqwest::header::HeaderValue| v.to_str().ok())
            .map(str::trim)
            .filter(|v| !v.is_empty() && v.len() <= MAX_VALIDATOR_LEN)
            .map(str::to_string)
    };
    Validators {
        etag: text(ETAG),
        last_modified: text(LAST_MODIFIED),
    }
}

/// reqwest's top-level message is often just "error sending request"; the cause is below it.
fn error_chain(error: &dyn std::error::Error) -> String {
    let mut parts = vec![error.to_string()];
    let mut source = error.source();
    while let Some(cause) = source {
        let text = cause.to_string();
        if parts.last() != Some(&text) {
            parts.push(text);
        }
        source = cause.source();
    }
    crate::text::sanitize_line(&parts.join(": "))
}

/// URLs come from the config and from redirects; keep them one line and short in messages.
fn shown(url: &str) -> String {
    const MAX_SHOWN: usize = 200;
    let line = crate::text::sanitize_line(url);
    if line.chars().count() > MAX_SHOWN {
        let cut: String = line.chars().take(MAX_SHOWN).collect();
        format!("{cut}…")
    } else {
        line
    }
}

#[cfg(test)]
mod tests {

    #[test]
    fn the_next_link_is_read_from_link_headers_and_resolved() {
        let url = reqwest::Url::parse("http://127.0.0.1:9/api/daily_papers?week=2026-W01").unwrap();
        let mut headers = HeaderMap::new();
        assert_eq!(next_link_of(&headers, &url), None);
        headers.insert(
            LINK,
            "<https://x.org/prev>; rel=\"prev\", </api/daily_papers?week=2026-W01&p=1>; rel=\"next\""
                .parse()
                .unwrap(),
        );
        assert_eq!(
            next_link_of(&headers, &url).as_deref(),
            Some("http://127.0.0.1:9/api/daily_papers?week=2026-W01&p=1")
        );
        headers.insert(LINK, "<file:///etc/passwd>; rel=next".parse().unwrap());
        assert_eq!(next_link_of(&headers, &url), None);
    }

    #[test]
    fn the_charset_parameter_is_read_from_a_content_type() {
        assert_eq!(
            charset_of("application/rss+xml; charset=KOI8-R").as_deref(),
            Some("KOI8-R")
        );
        assert_eq!(
            charset_of("text/xml;Charset=\"iso-8859-1\"").as_deref(),
            Some("iso-8859-1")
        );
        assert_eq!(charset_of("text/xml"), None);
        assert_eq!(charset_of("text/xml; charset="), None);
    }
    use super::*;
    use chrono::TimeZone;

    fn now() -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2025, 4, 30, 12, 0, 0).unwrap()
    }

    #[test]
    fn retry_after_in_seconds_parses() {
        assert_eq!(
            parse_retry_after(" 120 ", now()),
            Some(Duration::from_secs(120))
        );
    }

    #[test]
    fn retry_after_as_http_date_is_relative_to_now() {
        let value = "Wed, 30 Apr 2025 12:05:00 GMT";
        assert_eq!(
            parse_retry_after(value, now()),
            Some(Duration::from_secs(300))
        );
    }

    #[test]
    fn retry_after_in_the_past_means_now() {
        let value = "Wed, 30 Apr 2025 11:00:00 GMT";
        assert_eq!(parse_retry_after(value, now()), Some(Duration::ZERO));
    }

    #[test]
    fn huge_retry_after_is_capped() {
        assert_eq!(
            parse_retry_after("99999999999", now()),
            Some(MAX_RETRY_AFTER)
        );
    }

    #[test]
    fn garbage_retry_after_is_ignored() {
        assert_eq!(parse_retry_after("soon", now()), None);
        assert_eq!(parse_retry_after("-5", now()), None);
        assert_eq!(parse_retry_after("", now()), None);
    }

    #[test]
    fn status_errors_read_well() {
        let error = status_error(StatusCode::NOT_FOUND, &HeaderMap::new(), "http://h/x");
        assert_eq!(error.to_string(), "HTTP 404 Not Found from http://h/x");
        assert_eq!(error.status(), Some(404));
    }

    #[test]
    fn status_429_with_retry_after_asks_to_wait() {
        let mut headers = HeaderMap::new();
        headers.insert(RETRY_AFTER, reqwest::header::HeaderValue::from_static("90"));
        let error = status_error(StatusCode::TOO_MANY_REQUESTS, &headers, "http://h/x");
        assert_eq!(error.retry_after(), Some(Duration::from_secs(90)));
        assert_eq!(
            error.to_string(),
            "HTTP 429 from http://h/x; the server asks to wait 90 s"
        );
    }

    #[test]
    fn status_503_without_retry_after_is_a_plain_status_error() {
        let error = status_error(
            StatusCode::SERVICE_UNAVAILABLE,
            &HeaderMap::new(),
            "http://h",
        );
        assert_eq!(error.retry_after(), None);
        assert_eq!(error.status(), Some(503));
    }

    #[test]
    fn oversized_validators_are_dropped() {
        let mut headers = HeaderMap::new();
        let long = "x".repeat(MAX_VALIDATOR_LEN + 1);
        headers.insert(ETAG, reqwest::header::HeaderValue::from_str(&long).unwrap());
        headers.insert(
            LAST_MODIFIED,
            reqwest::header::HeaderValue::from_static("Wed, 30 Apr 2025 12:05:00 GMT"),
        );
        let validators = validators_from(&headers);
        assert_eq!(validators.etag, None);
        assert_eq!(
            validators.last_modified.as_deref(),
            Some("Wed, 30 Apr 2025 12:05:00 GMT")
        );
    }

    fn fetcher() -> Fetcher {
        Fetcher::new(&FetchSettings {
            connect_timeout: Duration::from_secs(5),
            total_timeout: Duration::from_secs(5),
            user_agent: "paperboat-test".into(),
        })
        .unwrap()
    }

    #[tokio::test]
    async fn file_urls_are_read_percent_decoded() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("daily papers.json");
        std::fs::write(&path, b"[]").unwrap();
        let url = reqwest::Url::from_file_path(&path).unwrap();
        assert!(url.as_str().contains("%20"));
        let outcome = fetcher()
            .fetch(url.as_str(), &Validators::default(), 10)
            .await
            .unwrap();
        assert_eq!(
            outcome,
            FetchOutcome::Body {
                bytes: b"[]".to_vec(),
                validators: Validators::default()
            }
        );
    }

    #[tokio::test]
    async fn missing_file_is_a_clear_error() {
        let dir = tempfile::tempdir().unwrap();
        let url = reqwest::Url::from_file_path(dir.path().join("nope.json")).unwrap();
        let error = fetcher()
            .fetch(url.as_str(), &Validators::default(), 10)
            .await
            .unwrap_err();
        assert!(matches!(error, FetchError::File { .. }), "{error:?}");
        assert!(
            error.to_string().contains("nope.json: no such file"),
            "{error}"
        );
    }

    #[tokio::test]
    async fn file_over_the_cap_is_too_large() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("big.json");
        std::fs::write(&path, vec![b' '; 11]).unwrap();
        let url = reqwest::Url::from_file_path(&path).unwrap();
        let error = fetcher()
            .fetch(url.as_str(), &Validators::default(), 10)
            .await
            .unwrap_err();
        assert!(
            matches!(error, FetchError::TooLarge { limit: 10, .. }),
            "{error:?}"
        );
    }

    #[tokio::test]
    async fn unsupported_schemes_and_garbage_urls_are_errors() {
        let fetcher = fetcher();
        for url in ["ftp://example.org/x", "not a url", ""] {
            let error = fetcher
                .fetch(url, &Validators::default(), 10)
                .await
                .unwrap_err();
            assert!(
                matches!(error, FetchError::BadUrl { .. }),
                "{url}: {error:?}"
            );
        }
    }

    /// Serves one raw HTTP answer to the first connection, then closes it.
    fn raw_server(answer: Vec<u8>) -> String {
        use std::io::Write;
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let address = listener.local_addr().unwrap();
        std::thread::spawn(move || {
            if let Ok((mut stream, _)) = listener.accept() {
                let mut request = [0u8; 4096];
                let _ = stream.read(&mut request);
                let _ = stream.write_all(&answer);
            }
        });
        format!("http://{address}/feed")
    }

    #[tokio::test]
    async fn chunked_body_past_the_cap_is_too_large() {
        let mut answer = b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n".to_vec();
        for _ in 0..4 {
            answer.extend_from_slice(b"10\r\n0123456789abcdef\r\n");
        }
        answer.extend_from_slice(b"0\r\n\r\n");
        let url = raw_server(answer);
        let error = fetcher()
            .fetch(&url, &Validators::default(), 40)
            .await
            .unwrap_err();
        assert!(
            matches!(error, FetchError::TooLarge { limit: 40, .. }),
            "{error:?}"
        );
    }

    #[tokio::test]
    async fn body_shorter_than_its_content_length_is_truncated() {
        let url = raw_server(b"HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\n[{\"id\":".to_vec());
        let error = fetcher()
            .fetch(&url, &Validators::default(), 1000)
            .await
            .unwrap_err();
        assert!(matches!(error, FetchError::Truncated { .. }), "{error:?}");
        assert!(
            error
                .to_string()
                .starts_with("the response from http://127.0.0.1:"),
            "{error}"
        );
    }

    #[tokio::test]
    async fn declared_content_length_past_the_cap_is_refused_before_reading() {
        let url = raw_server(b"HTTP/1.1 200 OK\r\nContent-Length: 5000000\r\n\r\n[]".to_vec());
        let error = fetcher()
            .fetch(&url, &Validators::default(), 1000)
            .await
            .unwrap_err();
        assert!(
            matches!(error, FetchError::TooLarge { limit: 1000, .. }),
            "{error:?}"
        );
    }

    #[tokio::test]
    async fn conditional_get_sends_validators_and_maps_304() {
        use wiremock::matchers::{header, method};
        use wiremock::{Mock, MockServer, ResponseTemplate};
        let server = MockServer::start().await;
        Mock::given(method("GET"))
            .and(header("if-none-match", "\"v1\""))
            // wiremock's `header` matcher splits values at commas, which HTTP dates contain.
            .and(|request: &wiremock::Request| {
                request
                    .headers
                    .get("if-modified-since")
                    .and_then(|v| v.to_str().ok())
                    == Some("Wed, 30 Apr 2025 12:05:00 GMT")
            })
            .respond_with(ResponseTemplate::new(304))
            .expect(1)
            .mount(&server)
            .await;
        let validators = Validators {
            etag: Some("\"v1\"".into()),
            last_modified: Some("Wed, 30 Apr 2025 12:05:00 GMT".into()),
        };
        let outcome = fetcher()
            .fetch(&server.uri(), &validators, 1000)
            .await
            .unwrap();
        assert_eq!(outcome, FetchOutcome::NotModified);
    }

    #[tokio::test]
    async fn fresh_body_carries_the_new_validators() {
        use wiremock::matchers::method;
        use wiremock::{Mock, MockServer, ResponseTemplate};
        let server = MockServer::start().await;
        Mock::given(method("GET"))
            .respond_with(
                ResponseTemplate::new(200)
                    .insert_header("etag", "\"v2\"")
                    .set_body_string("[]"),
            )
            .mount(&server)
            .await;
        let outcome = fetcher()
            .fetch(&server.uri(), &Validators::default(), 1000)
            .await
            .unwrap();
        let FetchOutcome::Body { bytes, validators } = outcome else {
            panic!("not a body")
        };
        assert_eq!(bytes, b"[]");
        assert_eq!(validators.etag.as_deref(), Some("\"v2\""));
    }

    #[tokio::test]
    async fn a_refused_connection_is_a_connect_error() {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let address = listener.local_addr().unwrap();
        drop(listener);
        let url = format!("http://{address}/");
        let error = fetcher()
            .fetch(&url, &Validators::default(), 1000)
            .await
            .unwrap_err();
        assert!(matches!(error, FetchError::Connect { .. }), "{error:?}");
    }

    #[tokio::test]
    async fn a_silent_server_times_out() {
        use wiremock::matchers::method;
        use wiremock::{Mock, MockServer, ResponseTemplate};
        let server = MockServer::start().await;
        Mock::given(method("GET"))
            .respond_with(ResponseTemplate::new(200).set_delay(Duration::from_secs(30)))
            .mount(&server)
            .await;
        let fetcher = Fetcher::new(&FetchSettings {
            connect_timeout: Duration::from_secs(5),
            total_timeout: Duration::from_millis(300),
            user_agent: "paperboat-test".into(),
        })
        .unwrap();
        let error = fetcher
            .fetch(&server.uri(), &Validators::default(), 1000)
            .await
            .unwrap_err();
        assert!(matches!(error, FetchError::Timeout { .. }), "{error:?}");
        assert!(error.to_string().contains("within 300 ms"), "{error}");
    }

    #[test]
    fn every_class_of_fetch_error_has_a_short_phrase() {
        let url = "http://127.0.0.1:8080/api/daily_papers?date=2025-04-30".to_string();
        let connect = |detail: &str| FetchError::Connect {
            url: url.clone(),
            detail: detail.to_string(),
        };
        let table = [
            (
                status_error(StatusCode::INTERNAL_SERVER_ERROR, &HeaderMap::new(), &url),
                "server error 500",
            ),
            (
                status_error(StatusCode::NOT_FOUND, &HeaderMap::new(), &url),
                "not found (404)",
            ),
            (
                status_error(StatusCode::FORBIDDEN, &HeaderMap::new(), &url),
                "access denied (403)",
            ),
            (
                status_error(StatusCode::TOO_MANY_REQUESTS, &HeaderMap::new(), &url),
                "too many requests (429)",
            ),
            (
                status_error(StatusCode::BAD_REQUEST, &HeaderMap::new(), &url),
                "request refused (400)",
            ),
            (
                FetchError::RetryAfter {
                    status: 429,
                    after: Duration::from_secs(300),
                    url: url.clone(),
                },
                "127.0.0.1:8080 asks to wait 5 min",
            ),
            (
                FetchError::Timeout {
                    url: url.clone(),
                    after: Duration::from_secs(60),
                },
                "no answer within 60 s",
            ),
            (
                FetchError::TooLarge {
                    url: url.clone(),
                    limit: 32 * 1024 * 1024,
                },
                "answer larger than 32 MiB",
            ),
            (
                connect(
                    "client error (Connect): tcp connect error: Connection refused (os error 111)",
                ),
                "cannot connect (connection refused)",
            ),
            (
                connect(
                    "client error (Connect): dns error: failed to lookup address information: \
                     Name or service not known",
                ),
                "cannot connect (host not found)",
            ),
            (
                connect("client error (Connect): invalid peer certificate: UnknownIssuer"),
                "cannot connect (TLS certificate rejected)",
            ),
            (
                connect("client error (Connect): received fatal alert: HandshakeFailure"),
                "cannot connect (TLS handshake failed)",
            ),
            (
                connect("tcp connect error: Network is unreachable (os error 101)"),
                "cannot connect (network unreachable)",
            ),
            (
                connect("something nobody has seen"),
                "cannot connect (network error)",
            ),
            (
                FetchError::Truncated {
                    url: url.clone(),
                    detail: "end of file before message length reached".into(),
                },
                "answer cut off",
            ),
            (
                FetchError::Http {
                    url: url.clone(),
                    detail: "connection error: Connection reset by peer (os error 104)".into(),
                },
                "request failed (connection reset)",
            ),
            (
                FetchError::File {
                    path: PathBuf::from("/tmp/x.json"),
                    detail: "Permission denied (os error 13)".into(),
                },
                "cannot read the file (Permission denied)",
            ),
            (
                FetchError::BadUrl {
                    url: "ftp://x".into(),
                    detail: "no".into(),
                },
                "unusable URL in the config",
            ),
            (FetchError::Client("no roots".into()), "cannot set up HTTP"),
        ];
        for (error, want) in table {
            assert_eq!(error.phrase(), want, "{error}");
        }
        assert_eq!(host_shown("https://huggingface.co/api/x"), "huggingface.co");
        assert_eq!(host_shown("not a url"), "the server");
    }

    #[tokio::test]
    async fn a_refused_connection_is_phrased_without_the_error_chain() {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let address = listener.local_addr().unwrap();
        drop(listener);
        let error = fetcher()
            .fetch(&format!("http://{address}/"), &Validators::default(), 1000)
            .await
            .unwrap_err();
        assert_eq!(error.phrase(), "cannot connect (connection refused)");
    }
}
