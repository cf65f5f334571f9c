//! Where a paper's full text comes from and how one answer is read: HF's Markdown
//! (`{hf base}/papers/{id}.md`) first, arXiv's HTML rendering (`{arxiv site}/html/{id}`) second.
//!
//! Only the HTTP side lives here (URLs, one fetch, "not there" vs a failure). Which host may be
//! asked when (Retry-After holds, pacing) is the on-demand fetcher's business (`sync::fulltext`);
//! the text is untrusted source kept as fetched and turned into a document by `text::doc` at
//! display time, where every control sequence is stripped.

use serde::{Deserialize, Serialize};

use super::fetch::{FetchError, FetchedBody, Fetcher, Validators};
use crate::model::PaperId;

/// The markup a full text was fetched in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum FullTextFormat {
    /// HF's `papers/{id}.md`.
    Markdown,
    /// arXiv's LaTeXML HTML.
    Html,
}

impl FullTextFormat {
    /// "markdown" / "html", as shown in `show --json`.
    pub fn name(self) -> &'static str {
        match self {
            FullTextFormat::Markdown => "markdown",
            FullTextFormat::Html => "html",
        }
    }
}

/// One place a full text may be fetched from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FullTextRequest {
    pub format: FullTextFormat,
    pub url: String,
    /// Whether the host is arXiv's (paced like arXiv API requests).
    pub arxiv: bool,
}

/// A full text as fetched: its markup, where it came from, and the text (decoded to UTF-8,
/// otherwise untouched).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FetchedFullText {
    pub format: FullTextFormat,
    pub url: String,
    pub text: String,
}

/// The places to ask, in order. Only arXiv papers have full texts; a feed item gets none.
pub fn full_text_requests(hf_base: &str, arxiv_site: &str, id: &PaperId) -> Vec<FullTextRequest> {
    if !id.is_arxiv() {
        return Vec::new();
    }
    vec![
        FullTextRequest {
            format: FullTextFormat::Markdown,
            url: format!("{}/papers/{id}.md", hf_base.trim_end_matches('/')),
            arxiv: false,
        },
        FullTextRequest {
            format: FullTextFormat::Html,
            url: format!("{}/html/{id}", arxiv_site.trim_end_matches('/')),
            arxiv: true,
        },
    ]
}

/// Fetches one request. `Ok(None)` means the server does not have it (404 or 410, or an empty
/// body); every other failure is the fetch error.
pub async fn fetch_full_text(
    fetcher: &Fetcher,
    request: &FullTextRequest,
    max_bytes: u64,
) -> Result<Option<FetchedFullText>, FetchError> {
    let fetched = match fetcher
        .fetch_stream(&request.url, &Validators::default(), max_bytes)
        .await
    {
        Ok(fetched) => fetched,
        Err(error) if matches!(error.status(), Some(404 | 410)) => return Ok(None),
        Err(error) => return Err(error),
    };
    let FetchedBody::Body { mut reader, .. } = fetched else {
        // No validators were sent, so a 304 is the server's confusion: treat it as nothing.
        return Ok(None);
    };
    let read = tokio::task::spawn_blocking(move || {
        let charset = reader.charset().map(str::to_string);
        reader
            .read_all()
            .map(|bytes| super::encoding::decode_all(&bytes, charset.as_deref()))
    })
    .await
    .map_err(|error| FetchError::Http {
        url: request.url.clone(),
        detail: error.to_string(),
    })??;
    if read.trim().is_empty() {
        return Ok(None);
    }
    Ok(Some(FetchedFullText {
        format: request.format,
        url: request.url.clone(),
        text: read,
    }))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hf_markdown_comes_first_then_arxiv_html() {
        let id = PaperId::from_arxiv("2504.01234").unwrap();
        let requests = full_text_requests("http://hf/", "http://arxiv", &id);
        let urls: Vec<_> = requests.iter().map(|r| r.url.as_str()).collect();
        assert_eq!(
            urls,
            [
                "http://hf/papers/2504.01234.md",
                "http://arxiv/html/2504.01234"
            ]
        );
        assert_eq!(requests[0].format, FullTextFormat::Markdown);
        assert!(requests[1].arxiv && !requests[0].arxiv);
    }

    #[test]
    fn a_feed_item_has_no_full_text_to_ask_for() {
        let id = PaperId::scoped(&crate::model::SourceId::feed("blog"), "x");
        assert!(full_text_requests("http://hf", "http://arxiv", &id).is_empty());
    }
}
