//! The effects of #13's PDFs and linked repos: `D` downloads off the UI thread (progress and
//! result as notices), `O` opens the downloaded file in `[ui] pdf_viewer` (a terminal viewer
//! gets the terminal like a terminal browser) or else the remote PDF, and a shown paper's
//! extras (its PDF, its HF links — fetched when a day old) come back as `Msg::PaperExtras`.

use std::collections::{HashSet, VecDeque};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, PoisonError};

use super::{EffectRunner, browser_command, start_browser};
use crate::app::{Msg, PaperExtras};
use crate::model::PaperId;

/// Programs that draw a PDF in the terminal itself: they get the terminal until they exit.
const TERMINAL_PDF_VIEWERS: &[&str] = &[
    "tdf",
    "termpdf",
    "termpdf.py",
    "fbpdf",
    "fbgs",
    "jfbview",
    "timg",
    "mutool",
];

/// A step of download progress worth a notice.
const PROGRESS_NOTICE_STEP: u64 = 2 * 1024 * 1024;

/// What the runner needs for PDFs and linked repos (set by the reader; `None` in flow tests,
/// which then get a notice instead of a download).
#[derive(Default)]
pub struct PdfEffects {
    pub downloader: Option<crate::pdf::PdfDownloader>,
    pub linked: Option<crate::linked::LinkedFetcher>,
    /// `[papers] dir`, `~` expanded.
    pub dir: PathBuf,
    /// `[ui] pdf_viewer`; empty means the browser command.
    pub viewer: String,
    /// Papers whose linked repos are being fetched: a paper shown again meanwhile (J/K back
    /// and forth) waits for that answer instead of asking HF twice.
    linked_in_flight: Arc<Mutex<HashSet<PaperId>>>,
    /// The paper shown last: a linked-repos fetch waits [`LINKED_SETTLE`] and goes ahead only
    /// if its paper is still (or again) the one on screen.
    on_screen: Arc<Mutex<Option<PaperId>>>,
}

/// How long a paper stays on screen before its linked repos are asked of HF. Holding `j`
/// passes dozens of papers a second; one request each would spend HF's anonymous rate limit
/// (and a 429 holds the host for the daily sync too) on papers nobody read.
const LINKED_SETTLE: std::time::Duration = std::time::Duration::from_millis(600);

impl EffectRunner {
    /// `D`: downloads on a task of its own; the UI hears progress and the result.
    pub(super) fn download_pdf(&mut self, id: PaperId, queue: &mut VecDeque<Msg>) {
        let (Some(downloader), Some(results)) = (self.pdf.downloader.clone(), self.results.clone())
        else {
            queue.push_back(Msg::Notice("PDF downloads are not set up here".to_string()));
            return;
        };
        let dir = self.pdf.dir.clone();
        tokio::spawn(async move {
            let progress_results = results.clone();
            let progress_id = id.clone();
            let mut next_notice = PROGRESS_NOTICE_STEP;
            let progress = move |bytes: u64| {
                if bytes >= next_notice {
                    next_notice = bytes + PROGRESS_NOTICE_STEP;
                    let _ = progress_results.send(Msg::Notice(format!(
                        "downloading the PDF of {progress_id}: {:.1} MiB",
                        bytes as f64 / (1024.0 * 1024.0)
                    )));
                }
            };
            let msg = match downloader.download(&id, &dir, progress).await {
                Ok(saved) => Msg::PdfSaved {
                    id,
                    path: saved.path,
                    reused: saved.reused,
                },
                Err(error) => Msg::Notice(format!("PDF of {id}: {error}")),
            };
            let _ = results.send(msg);
        });
    }

    /// `O`: the downloaded file when there is one, else the remote PDF.
    pub(super) fn open_pdf(
        &mut self,
        id: &PaperId,
        remote: Option<String>,
        queue: &mut VecDeque<Msg>,
    ) {
        // One small read of the list Db and a stat: fine on the UI thread.
        let local = self.store.existing_pdf(id).ok().flatten();
        let Some(path) = local else {
            let remote = match &self.pdf.downloader {
                Some(downloader) if id.is_arxiv() => downloader.pdf_url(id, None),
                _ => remote,
            };
            match remote {
                Some(url) => self.open_url(&url, queue),
                None => queue.push_back(Msg::Notice("this paper has no PDF link".to_string())),
            }
            return;
        };
        let configured = if self.pdf.viewer.trim().is_empty() {
            self.browser.clone()
        } else {
            self.pdf.viewer.clone()
        };
        let Some(mut command) = browser_command(&configured) else {
            let home = crate::config::home_dir();
            let shown = crate::config::display_home(&path, home.as_deref());
            return queue.push_back(Msg::Notice(format!(
                "no PDF viewer here (set [ui] pdf_viewer): the PDF is {shown}"
            )));
        };
        let shown = path.display().to_string();
        command.push(shown.clone());
        if is_terminal_viewer(&command) {
            self.foreground = Some(command);
            return;
        }
        if self.inline {
            queue.push_back(Msg::Notice(start_browser(&command, &shown)));
            return;
        }
        queue.push_back(Msg::Notice(format!("opening {shown}…")));
        if let Some(results) = self.results.clone() {
            std::thread::spawn(move || {
                let _ = results.send(Msg::Notice(start_browser(&command, &shown)));
            });
        }
    }

    /// The shown paper's extras from the store, then (when the cached links are a day old and
    /// a fetcher is set up) fetched links as a second message.
    pub(super) fn load_extras(&mut self, id: &PaperId, queue: &mut VecDeque<Msg>) {
        *self
            .pdf
            .on_screen
            .lock()
            .unwrap_or_else(PoisonError::into_inner) = Some(id.clone());
        let mut extras = PaperExtras::new(id.clone());
        extras.pdf = self.store.existing_pdf(id).ok().flatten();
        extras.linked = self.store.linked_repos(id).ok().flatten();
        let stale = extras
            .linked
            .as_ref()
            .is_none_or(|l| chrono::Utc::now() - l.fetched_at >= crate::linked::FRESH_FOR);
        extras.hf_base = match &self.pdf.linked {
            Some(fetcher) => fetcher.hf_base().to_string(),
            None => crate::config::HfConfig::default().base_url,
        };
        let fetcher = self.pdf.linked.clone().filter(|_| id.is_arxiv() && stale);
        let (Some(fetcher), Some(results)) = (fetcher, self.results.clone()) else {
            queue.push_back(Msg::PaperExtras(Box::new(extras)));
            return;
        };
        extras.linked_loading = true;
        queue.push_back(Msg::PaperExtras(Box::new(extras.clone())));
        let in_flight = Arc::clone(&self.pdf.linked_in_flight);
        let newly = in_flight
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .insert(id.clone());
        if !newly {
            return;
        }
        let id = id.clone();
        let on_screen = Arc::clone(&self.pdf.on_screen);
        tokio::spawn(async move {
            tokio::time::sleep(LINKED_SETTLE).await;
            let still_shown = on_screen
                .lock()
                .unwrap_or_else(PoisonError::into_inner)
                .as_ref()
                == Some(&id);
            if !still_shown {
                // Passed by: showing it again starts over.
                in_flight
                    .lock()
                    .unwrap_or_else(PoisonError::into_inner)
                    .remove(&id);
                return;
            }
            extras.linked_loading = false;
            match fetcher.linked_for(&id).await {
                Ok(linked) => extras.linked = Some(linked),
                Err(error) => extras.linked_error = Some(error.to_string()),
            }
            in_flight
                .lock()
                .unwrap_or_else(PoisonError::into_inner)
                .remove(&id);
            let _ = results.send(Msg::PaperExtras(Box::new(extras)));
        });
    }
}

fn is_terminal_viewer(command: &[String]) -> bool {
    command.first().is_some_and(|program| {
        let name = Path::new(program)
            .file_name()
            .and_then(|n| n.to_str())
            .unwrap_or(program);
        TERMINAL_PDF_VIEWERS.contains(&name) || super::is_terminal_browser(command)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn terminal_viewers_are_recognised_by_program_name() {
        let words = |c: &str| c.split_whitespace().map(str::to_string).collect::<Vec<_>>();
        assert!(is_terminal_viewer(&words("tdf /p/a.pdf")));
        assert!(is_terminal_viewer(&words("/usr/bin/termpdf.py /p/a.pdf")));
        assert!(!is_terminal_viewer(&words("zathura /p/a.pdf")));
        assert!(!is_terminal_viewer(&words("xdg-open /p/a.pdf")));
    }
}
