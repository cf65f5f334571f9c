//! The effect runner: what `update` asks for, done — store writes (durable before the next
//! key), background loads, the browser, the OSC 52 clipboard, sync commands, exports.
//!
//! The browser never blocks the UI: a graphical one is started and watched for a few seconds
//! on its own thread (exiting non-zero in that time is a failure, not "opened"); a terminal
//! browser (`w3m`, `lynx`, …) is handed to the reader's loop, which gives it the terminal and
//! takes it back after (see [`EffectRunner::take_foreground`]). With no browser at all (the
//! usual case over SSH) the message says so and points to `y` and the clickable link.

mod pdf;

use std::collections::VecDeque;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use anyhow::Context as _;
use base64::Engine as _;
use tokio::sync::mpsc;

use super::loader::{LoadHook, load, spawn_loader};
use crate::app::{Effect, Msg};
use crate::journal::{Change, PaperMeta};
use crate::model::{Paper, PaperId, UserState};
use crate::store::{Store, StoreError};
use crate::sync::SyncCommand;

/// Runs effects. Store reads that can take long happen on a loader thread (`inline == false`)
/// or right away (`inline == true`, for deterministic flow tests); user-state writes always
/// happen right away, so a star is on disk before the next key is read.
pub struct EffectRunner {
    pub store: Store,
    pub sync_commands: Option<mpsc::Sender<SyncCommand>>,
    /// Results of background work come back here.
    pub results: Option<mpsc::UnboundedSender<Msg>>,
    pub inline: bool,
    /// Where OSC 52 clipboard sequences are written (the terminal).
    pub clipboard: Box<dyn Write + Send>,
    /// The browser command; empty means `$BROWSER`, then the platform opener.
    pub browser: String,
    /// Where `E` writes exports (the current directory by default).
    pub export_dir: PathBuf,
    /// A test seam: see [`LoadHook`]. `None` outside tests.
    pub load_hook: Option<LoadHook>,
    /// Where the detail's links are written again as OSC 8 hyperlinks after each frame (the
    /// terminal); `None` (`[ui] hyperlinks = false`, and the flow tests) writes none.
    pub hyperlink_out: Option<Box<dyn Write + Send>>,
    /// Whether a terminal browser gets the real terminal (the reader leaves the alternate
    /// screen and raw mode while it runs); off in the flow tests, which have no terminal.
    pub suspend_terminal: bool,
    /// PDFs and linked repos (`effects/pdf.rs`).
    pub pdf: pdf::PdfEffects,
    /// Fetches full texts on demand (`f`); `None` reads only the cache.
    pub fulltext: Option<crate::sync::FullTextFetcher>,
    /// A terminal browser to run in the foreground once this burst of effects is done.
    foreground: Option<Vec<String>>,
    loader: Option<std::sync::mpsc::Sender<()>>,
    /// The inline runner's last catalog, refreshed by the next load (the loader thread keeps
    /// its own).
    inline_catalog: Option<crate::app::Catalog>,
    /// Set to stop the running background export.
    export_cancel: Option<Arc<AtomicBool>>,
    /// The in-order writer thread (see `Store::write_queued`), started on first need.
    writer: Option<std::sync::mpsc::Sender<WriterJob>>,
    /// What the journal keeps of papers whose body was loaded lately (title, day, links), so
    /// a star journals them without reading the body on the UI thread.
    metas: PaperMetas,
    /// Writes the remembered reader state off the UI thread (started on first use).
    state_saver: Option<StateSaver>,
    /// Set when quitting's wait for the queued store writes saw them all done (the
    /// first-screen file is written only then).
    pub writes_finished: bool,
    /// When `Effect::Quit` ran (quitting's steps are logged from there).
    pub quit_started: Option<Instant>,
}

/// Papers' journal metadata by id, from their loaded bodies; bounded.
#[derive(Default)]
struct PaperMetas {
    recent: std::collections::HashMap<PaperId, PaperMeta>,
}

impl PaperMetas {
    /// Enough for every paper one can star without its body being shown first.
    const KEPT: usize = 512;

    fn get(&self, id: &PaperId) -> Option<&PaperMeta> {
        self.recent.get(id)
    }

    fn remember(&mut self, paper: &Paper) {
        if self.recent.len() >= Self::KEPT {
            self.recent.clear();
        }
        self.recent.insert(paper.id.clone(), PaperMeta::of(paper));
    }
}

/// What the writer thread is asked.
enum WriterJob {
    /// Do the queued store writes.
    Write,
    /// Do them, then answer (quitting waits for this).
    Finish(std::sync::mpsc::Sender<()>),
}

/// How long quitting waits for the queued store writes (each already journaled).
const FINISH_WAIT: Duration = Duration::from_secs(5);

impl EffectRunner {
    pub fn new(store: Store, inline: bool, clipboard: Box<dyn Write + Send>) -> EffectRunner {
        EffectRunner {
            store,
            sync_commands: None,
            results: None,
            inline,
            clipboard,
            browser: String::new(),
            export_dir: std::env::current_dir().unwrap_or_else(|_| PathBuf::from(".")),
            load_hook: None,
            hyperlink_out: None,
            suspend_terminal: false,
            pdf: pdf::PdfEffects::default(),
            fulltext: None,
            foreground: None,
            loader: None,
            inline_catalog: None,
            writer: None,
            export_cancel: None,
            metas: PaperMetas::default(),
            state_saver: None,
            writes_finished: false,
            quit_started: None,
        }
    }

    /// Runs one effect; messages it produces at once go to `queue`.
    pub fn run(&mut self, effect: Effect, queue: &mut VecDeque<Msg>) {
        match effect {
            Effect::LoadCatalog => self.load_catalog(queue),
            Effect::LoadPaper(id) => self.load_paper(id, queue),
            Effect::SaveUserState {
                id,
                state,
                previous,
            } => {
                let meta = self.metas.get(&id).cloned();
                match journal_user_state(&self.store, &id, &state, &previous, meta) {
                    Ok(()) => self.write_queued(queue),
                    Err(error) => {
                        tracing::error!(%id, %error, "user state not saved");
                        queue.push_back(Msg::UserStateFailed {
                            id,
                            previous,
                            error: error.to_string(),
                        });
                    }
                }
            }
            Effect::SaveReadMany { ids, read, at } => {
                match self.store.journal_read_many(&ids, read, at) {
                    Ok(()) => self.write_queued(queue),
                    Err(error) => {
                        tracing::error!(%error, papers = ids.len(), "read flags not saved");
                        queue.push_back(Msg::ReadManyFailed(error.to_string()));
                    }
                }
            }
            Effect::SaveReaderState(state) => {
                // A debounced write still pending goes first, so it cannot land after this.
                if let Some(saver) = self.state_saver.take() {
                    saver.finish();
                }
                self.store.queue_reader_state(state);
                self.write_queued(queue);
            }
            Effect::RememberReaderState(state) => {
                if self.inline {
                    save_reader_state(&self.store, &state);
                } else {
                    let store = &self.store;
                    self.state_saver
                        .get_or_insert_with(|| StateSaver::spawn(store.clone()))
                        .remember(state);
                }
            }
            Effect::Notify(sequence) => {
                // Built by `app::notify` from the view's name and a count only.
                let _ = self
                    .clipboard
                    .write_all(sequence.as_bytes())
                    .and_then(|()| self.clipboard.flush());
            }
            Effect::OpenUrl(url) => self.open_url(&url, queue),
            Effect::OpenPdf { id, remote } => self.open_pdf(&id, remote, queue),
            Effect::DownloadPdf(id) => self.download_pdf(id, queue),
            Effect::Yank(url) => queue.push_back(Msg::Notice(self.yank(&url))),
            Effect::YankBibtex { id, day } => self.yank_bibtex(id, day, queue),
            Effect::Sync(command) => {
                if let Some(commands) = &self.sync_commands
                    && commands.try_send(command).is_err()
                {
                    queue.push_back(Msg::Notice("a sync is already queued".to_string()));
                }
            }
            Effect::RankForYou(job) => {
                if self.inline {
                    queue.push_back(job.run());
                } else if let Some(results) = self.results.clone() {
                    tokio::task::spawn_blocking(move || {
                        let _ = results.send(job.run());
                    });
                }
            }
            Effect::Export {
                papers,
                format,
                file_name,
            } => self.export(papers, format, file_name, queue),
            Effect::CancelExport => {
                if let Some(cancel) = self.export_cancel.take() {
                    cancel.store(true, std::sync::atomic::Ordering::SeqCst);
                }
            }
            Effect::CopyText { text, done } => {
                let notice = match self.copy(&text) {
                    Ok(()) => done,
                    Err(error) => format!("cannot copy: {error}"),
                };
                queue.push_back(Msg::Notice(notice));
            }
            Effect::LoadFullText {
                id,
                width,
                lines,
                anchor,
            } => {
                let first = crate::app::fulltext::FirstLines {
                    width,
                    lines,
                    anchor,
                };
                super::fulltext::load_full_text(self, id, first, queue);
            }
            Effect::IndexFullText { index, id, doc } => {
                super::fulltext::index_one(self, index, id, doc, queue);
            }
            Effect::LayOutFullText { id, doc, width } => {
                super::fulltext::lay_out_again(self, id, doc, width, queue);
            }
            Effect::Quit => {
                self.quit_started = Some(Instant::now());
                self.finish_writes(queue);
            }
        }
    }

    fn load_catalog(&mut self, queue: &mut VecDeque<Msg>) {
        if self.inline {
            let last = &mut self.inline_catalog;
            load(&self.store, last, false, &mut |msg| {
                queue.push_back(msg);
                true
            });
            return;
        }
        let Some(results) = self.results.clone() else {
            return;
        };
        if self.loader.is_none() {
            self.loader = Some(spawn_loader(
                self.store.clone(),
                results,
                self.load_hook.clone(),
            ));
        }
        if let Some(loader) = &self.loader {
            let _ = loader.send(());
        }
    }

    fn load_paper(&mut self, id: PaperId, queue: &mut VecDeque<Msg>) {
        self.load_extras(&id, queue);
        if self.inline {
            let paper = self.store.paper(&id).ok().flatten().map(Box::new);
            queue.push_back(Msg::PaperLoaded(id, paper));
            return;
        }
        let Some(results) = self.results.clone() else {
            return;
        };
        let store = self.store.clone();
        tokio::task::spawn_blocking(move || {
            let paper = match store.paper(&id) {
                Ok(paper) => paper.map(Box::new),
                Err(error) => {
                    tracing::warn!(%id, %error, "cannot load paper");
                    None
                }
            };
            let _ = results.send(Msg::PaperLoaded(id, paper));
        });
    }

    /// Writes an export of `papers` on a blocking thread, telling its progress; an
    /// [`Effect::CancelExport`] stops it before anything is written (inline: at once).
    fn export(
        &mut self,
        papers: Vec<(PaperId, chrono::NaiveDate)>,
        format: crate::export::ExportFormat,
        file_name: String,
        queue: &mut VecDeque<Msg>,
    ) {
        let cancel = Arc::new(AtomicBool::new(false));
        let job = ExportJob {
            store: self.store.clone(),
            papers,
            format,
            dir: self.export_dir.clone(),
            file_name,
            cancel: Arc::clone(&cancel),
        };
        if self.inline {
            return queue.push_back(Msg::ExportFinished(job.run(&mut |_| {})));
        }
        let Some(results) = self.results.clone() else {
            return;
        };
        self.export_cancel = Some(cancel);
        tokio::task::spawn_blocking(move || {
            let notice = job.run(&mut |msg| {
                let _ = results.send(msg);
            });
            let _ = results.send(Msg::ExportFinished(notice));
        });
    }

    /// Copies a paper's BibTeX entry: the body is read on a blocking thread and the entry
    /// comes back as [`Msg::CopyText`], so the OSC 52 sequence is written between frames.
    fn yank_bibtex(&mut self, id: PaperId, day: chrono::NaiveDate, queue: &mut VecDeque<Msg>) {
        let read = move |store: &Store| match crate::export::load(store, &[(id.clone(), day)]) {
            Ok(items) if !items.is_empty() => Msg::CopyText {
                text: crate::export::render(crate::export::ExportFormat::Bibtex, &items),
                done: format!("copied the BibTeX entry of {id}"),
            },
            Ok(_) => Msg::Notice(format!("no record of {id} to make BibTeX from")),
            Err(error) => Msg::Notice(format!("cannot read {id}: {error}")),
        };
        if self.inline {
            return queue.push_back(read(&self.store));
        }
        let Some(results) = self.results.clone() else {
            return;
        };
        let store = self.store.clone();
        tokio::task::spawn_blocking(move || {
            let _ = results.send(read(&store));
        });
    }

    /// Remembers what the journal keeps of a paper whose body was loaded.
    pub fn remember_paper(&mut self, paper: &Paper) {
        self.metas.remember(paper);
    }

    /// Has the writer do the queued store writes (inline: now).
    fn write_queued(&mut self, queue: &mut VecDeque<Msg>) {
        if self.inline {
            if let Err(error) = self.store.write_queued() {
                queue.push_back(Msg::Notice(store_write_failed(&error)));
            }
            return;
        }
        let _ = self.writer().send(WriterJob::Write);
    }

    /// Waits (bounded) until every queued store write is done: quitting.
    fn finish_writes(&mut self, queue: &mut VecDeque<Msg>) {
        if self.inline {
            return self.write_queued(queue);
        }
        let (done, finished) = std::sync::mpsc::channel();
        if self.writer().send(WriterJob::Finish(done)).is_ok() {
            self.writes_finished = finished.recv_timeout(FINISH_WAIT).is_ok();
            if !self.writes_finished {
                tracing::warn!("quitting before the queued store writes finished (journaled)");
            }
        }
    }

    fn writer(&mut self) -> &std::sync::mpsc::Sender<WriterJob> {
        let store = self.store.clone();
        let results = self.results.clone();
        self.writer
            .get_or_insert_with(|| spawn_writer(store, results))
    }

    /// Frees what the app no longer shows (a catalog, a full text's layout) on a blocking
    /// thread (inline: here).
    pub fn retire<T: Send + 'static>(&self, retired: T) {
        if self.inline {
            return drop(retired);
        }
        tokio::task::spawn_blocking(move || drop(retired));
    }

    fn yank(&mut self, url: &str) -> String {
        if check_url(url).is_err() {
            return refusal("copy", url);
        }
        // Not crossterm's `CopyToClipboard` (feature `osc52`): it ends the sequence with ST
        // (ESC \) where the reader sends BEL. Both end an OSC, but switching would change the
        // bytes every user's terminal gets (the flow tests pin them).
        match self.copy(url) {
            Ok(()) => format!("copied {url}"),
            Err(error) => format!("cannot copy: {error}"),
        }
    }

    /// Writes `text` to the clipboard with OSC 52; base64, so no byte of it reaches the
    /// terminal as itself.
    fn copy(&mut self, text: &str) -> std::io::Result<()> {
        let encoded = base64::engine::general_purpose::STANDARD.encode(text);
        let sequence = format!("\x1b]52;c;{encoded}\x07");
        self.clipboard
            .write_all(sequence.as_bytes())
            .and_then(|()| self.clipboard.flush())
    }
}

/// The in-order writer: one thread doing the store's queued user-state writes in journal
/// order, so none of them runs on the UI thread. A failure is told to the user: the change is
/// in the journal, and the next start writes it.
fn spawn_writer(
    store: Store,
    results: Option<mpsc::UnboundedSender<Msg>>,
) -> std::sync::mpsc::Sender<WriterJob> {
    let (sender, jobs) = std::sync::mpsc::channel::<WriterJob>();
    std::thread::spawn(move || {
        while let Ok(job) = jobs.recv() {
            if let Err(error) = store.write_queued()
                && let Some(results) = &results
            {
                let _ = results.send(Msg::Notice(store_write_failed(&error)));
            }
            if let WriterJob::Finish(done) = job {
                let _ = done.send(());
            }
        }
    });
    sender
}

fn store_write_failed(error: &StoreError) -> String {
    format!("saved in the journal, not yet in the cache: {error}")
}

/// An `E` export: the papers read a batch at a time (progress between batches, cancellable),
/// then written.
struct ExportJob {
    store: Store,
    papers: Vec<(PaperId, chrono::NaiveDate)>,
    format: crate::export::ExportFormat,
    dir: PathBuf,
    file_name: String,
    cancel: Arc<AtomicBool>,
}

/// Papers read between two progress reports and cancel checks.
const EXPORT_BATCH: usize = 200;

impl ExportJob {
    /// Runs the export, sending progress to `progress`; returns what to tell the user.
    fn run(self, progress: &mut dyn FnMut(Msg)) -> String {
        let total = self.papers.len();
        let mut items = Vec::with_capacity(total);
        for (batch, papers) in self.papers.chunks(EXPORT_BATCH).enumerate() {
            if self.cancel.load(Ordering::SeqCst) {
                return "export cancelled".to_string();
            }
            match crate::export::load(&self.store, papers) {
                Ok(loaded) => items.extend(loaded),
                Err(error) => return format!("export failed: {error}"),
            }
            let done = ((batch + 1) * EXPORT_BATCH).min(total);
            progress(Msg::ExportProgress { done, total });
        }
        if self.cancel.load(Ordering::SeqCst) {
            return "export cancelled".to_string();
        }
        match export_to(&items, self.format, &self.dir, &self.file_name) {
            Ok((count, path)) => {
                let papers = if count == 1 { "paper" } else { "papers" };
                let home = crate::config::home_dir();
                let shown = crate::config::display_home(&path, home.as_deref());
                format!("exported {count} {papers} to {shown}")
            }
            Err(error) => format!("export failed: {error}"),
        }
    }
}

/// Writes an export next to any earlier one (never over it); returns the count and the path.
fn export_to(
    items: &[crate::export::Exported],
    format: crate::export::ExportFormat,
    dir: &Path,
    file_name: &str,
) -> anyhow::Result<(usize, PathBuf)> {
    let text = crate::export::render(format, items);
    let mut path = dir.join(file_name);
    let (stem, extension) = file_name.rsplit_once('.').unwrap_or((file_name, ""));
    let mut n = 2;
    while path.exists() {
        path = dir.join(format!("{stem}-{n}.{extension}"));
        n += 1;
    }
    std::fs::write(&path, text).with_context(|| format!("cannot write {}", path.display()))?;
    Ok((items.len(), path))
}

/// The UI thread's half of a user-state change: each changed field journaled (appended and
/// fsynced) and its store write queued for the writer thread.
fn journal_user_state(
    store: &Store,
    id: &PaperId,
    state: &UserState,
    previous: &UserState,
    meta: Option<PaperMeta>,
) -> Result<(), StoreError> {
    let now = chrono::Utc::now();
    if state.starred_at != previous.starred_at {
        let change = match state.starred_at {
            Some(starred_at) => Change::Star { starred_at },
            None => Change::Unstar,
        };
        store.journal_change(id, state.starred_at.unwrap_or(now), change, meta.clone())?;
    }
    if state.read != previous.read {
        let change = if state.read {
            Change::Read
        } else {
            Change::Unread
        };
        store.journal_change(id, now, change, meta.clone())?;
    }
    if state.note != previous.note {
        let change = match &state.note {
            Some(text) => Change::Note(text.clone()),
            None => Change::ClearNote,
        };
        store.journal_change(id, now, change, meta)?;
    }
    Ok(())
}

/// Refuses anything but well-formed http(s) links (`crate::link`): a feed could carry
/// `javascript:`, `file:` or malformed URLs, and the cache may predate a source's checks.
pub fn check_url(url: &str) -> Result<&str, String> {
    if crate::link::is_safe_web_url(url) {
        Ok(url)
    } else {
        Err(refusal("open", url))
    }
}

/// Says why a link is not opened or copied; the link is shown sanitised and cut, since it
/// is the feed's text and may carry escape sequences.
fn refusal(verb: &str, url: &str) -> String {
    format!(
        "refused to {verb} {}: not a well-formed http(s) link",
        crate::text::fit(&crate::text::sanitize_line(url), 60)
    )
}

/// Terminal browsers: they need the terminal, so the reader steps aside while they run.
const TERMINAL_BROWSERS: &[&str] = &[
    "w3m",
    "lynx",
    "links",
    "links2",
    "elinks",
    "browsh",
    "carbonyl",
    "www-browser",
];

/// How long a started browser is watched: exiting non-zero within this is a failure.
const BROWSER_WATCH: Duration = Duration::from_secs(3);

/// What to say when no browser can be started.
const NO_BROWSER_HINT: &str = "press y to copy the link, or click it in the detail";

/// The browser command to use, split into words (no shell): `[ui] browser`, else the first
/// entry of `$BROWSER`, else the platform opener; `None` when there is none to try (Linux
/// with no display and no `$BROWSER`: an SSH session).
fn browser_command(configured: &str) -> Option<Vec<String>> {
    let from_env = std::env::var("BROWSER").ok();
    let chosen = if !configured.trim().is_empty() {
        configured.trim().to_string()
    } else if let Some(first) = from_env
        .as_deref()
        .and_then(|b| b.split(':').map(str::trim).find(|b| !b.is_empty()))
    {
        first.to_string()
    } else if cfg!(target_os = "macos") {
        "open".to_string()
    } else if std::env::var_os("DISPLAY").is_some_and(|d| !d.is_empty())
        || std::env::var_os("WAYLAND_DISPLAY").is_some_and(|d| !d.is_empty())
    {
        "xdg-open".to_string()
    } else {
        return None;
    };
    let words: Vec<String> = chosen.split_whitespace().map(str::to_string).collect();
    (!words.is_empty()).then_some(words)
}

/// Whether `command` is a browser that runs in the terminal.
pub fn is_terminal_browser(command: &[String]) -> bool {
    command.first().is_some_and(|program| {
        let name = Path::new(program)
            .file_name()
            .map_or(program.as_str(), |n| n.to_str().unwrap_or(program));
        TERMINAL_BROWSERS.contains(&name)
    })
}

impl EffectRunner {
    /// Starts the browser on `url`, never through a shell and never blocking the UI thread.
    fn open_url(&mut self, url: &str, queue: &mut VecDeque<Msg>) {
        let url = match check_url(url) {
            Ok(url) => url.to_string(),
            Err(message) => return queue.push_back(Msg::Notice(message)),
        };
        let Some(mut command) = browser_command(&self.browser) else {
            return queue.push_back(Msg::Notice(format!(
                "no browser here (usual over SSH): {NO_BROWSER_HINT}"
            )));
        };
        command.push(url.clone());
        if is_terminal_browser(&command) {
            self.foreground = Some(command);
            return;
        }
        if self.inline {
            queue.push_back(Msg::Notice(start_browser(&command, &url)));
            return;
        }
        queue.push_back(Msg::Notice(format!("opening {url}…")));
        if let Some(results) = self.results.clone() {
            std::thread::spawn(move || {
                let _ = results.send(Msg::Notice(start_browser(&command, &url)));
            });
        }
    }

    /// A terminal browser waiting for the terminal, taken once: the reader suspends itself,
    /// runs it (see [`run_in_terminal`]) and restores the screen.
    pub fn take_foreground(&mut self) -> Option<Vec<String>> {
        self.foreground.take()
    }
}

/// Starts a graphical browser (`command` ends with the URL) and watches it for a few
/// seconds; returns what to tell the user.
fn start_browser(command: &[String], url: &str) -> String {
    let Some((program, args)) = command.split_first() else {
        return format!("no browser configured: {NO_BROWSER_HINT}");
    };
    let spawned = Command::new(program)
        .args(args)
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn();
    let mut child = match spawned {
        Ok(child) => child,
        Err(error) if error.kind() == std::io::ErrorKind::NotFound => {
            return format!("no browser: {program} not found; {NO_BROWSER_HINT}");
        }
        Err(error) => return format!("cannot start {program}: {error}; {NO_BROWSER_HINT}"),
    };
    let started = Instant::now();
    loop {
        match child.try_wait() {
            Ok(Some(status)) if status.success() => return format!("opened {url}"),
            Ok(Some(status)) => {
                return format!("{program} failed ({status}); {NO_BROWSER_HINT}");
            }
            Ok(None) if started.elapsed() >= BROWSER_WATCH => {
                // Still running (a browser window): reap it in the background.
                std::thread::spawn(move || child.wait());
                return format!("opened {url}");
            }
            Ok(None) => std::thread::sleep(Duration::from_millis(20)),
            Err(error) => return format!("cannot watch {program}: {error}"),
        }
    }
}

/// Runs a terminal browser with the terminal's own input and output, waiting for it; the
/// caller has left the alternate screen and raw mode. Returns what to tell the user.
pub fn run_in_terminal(command: &[String]) -> String {
    let Some((program, args)) = command.split_first() else {
        return "no browser configured".to_string();
    };
    match Command::new(program).args(args).status() {
        Ok(status) if status.success() => format!("back from {program}"),
        Ok(status) => format!("{program} failed ({status}); {NO_BROWSER_HINT}"),
        Err(error) if error.kind() == std::io::ErrorKind::NotFound => {
            format!("no browser: {program} not found; {NO_BROWSER_HINT}")
        }
        Err(error) => format!("cannot start {program}: {error}; {NO_BROWSER_HINT}"),
    }
}

/// How long the remembered state must stay unchanged before it is written: moving through a
/// list writes once, after the last key.
const REMEMBER_AFTER: Duration = Duration::from_millis(500);

fn save_reader_state(store: &Store, state: &crate::store::ReaderState) {
    if let Err(error) = store.set_reader_state(state) {
        tracing::warn!(%error, "reader state not remembered");
    }
}

/// A thread that writes the latest reader state it was given once no newer one came for
/// [`REMEMBER_AFTER`] (the write flushes the list Db: not for the UI thread).
struct StateSaver {
    states: std::sync::mpsc::Sender<crate::store::ReaderState>,
    thread: Option<std::thread::JoinHandle<()>>,
}

impl StateSaver {
    fn spawn(store: Store) -> StateSaver {
        use std::sync::mpsc::RecvTimeoutError;
        let (states, inbox) = std::sync::mpsc::channel::<crate::store::ReaderState>();
        let thread = std::thread::Builder::new()
            .name("paperboat-remember".into())
            .spawn(move || {
                while let Ok(mut state) = inbox.recv() {
                    loop {
                        match inbox.recv_timeout(REMEMBER_AFTER) {
                            Ok(newer) => state = newer,
                            Err(RecvTimeoutError::Timeout) => break,
                            Err(RecvTimeoutError::Disconnected) => {
                                save_reader_state(&store, &state);
                                return;
                            }
                        }
                    }
                    save_reader_state(&store, &state);
                }
            })
            .map_err(|error| tracing::warn!(%error, "cannot start the state saver"))
            .ok();
        StateSaver { states, thread }
    }

    fn remember(&self, state: crate::store::ReaderState) {
        let _ = self.states.send(state);
    }

    /// Writes what is pending now and stops.
    fn finish(mut self) {
        let Some(thread) = self.thread.take() else {
            return;
        };
        drop(self.states);
        let _ = thread.join();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_state_saver_writes_the_latest_state_and_finish_flushes_it() {
        use crate::store::{ReaderState, RememberedView};
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(dir.path()).unwrap();
        let saver = StateSaver::spawn(store.clone());
        for (view, hide_read) in [
            (RememberedView::All, false),
            (RememberedView::Starred, false),
            (RememberedView::Unread, true),
        ] {
            saver.remember(ReaderState {
                view,
                hide_read,
                ..ReaderState::default()
            });
        }
        saver.finish();
        let state = store.reader_state();
        assert_eq!(state.view, RememberedView::Unread);
        assert!(state.hide_read);
    }

    fn words(command: &str) -> Vec<String> {
        command.split_whitespace().map(str::to_string).collect()
    }

    #[test]
    fn terminal_browsers_are_recognised_by_program_name() {
        assert!(is_terminal_browser(&words("w3m https://a.org")));
        assert!(is_terminal_browser(&words(
            "/usr/bin/lynx -accept_all_cookies"
        )));
        assert!(!is_terminal_browser(&words("firefox --new-tab")));
        assert!(!is_terminal_browser(&[]));
    }

    #[test]
    fn a_browser_that_fails_at_once_is_a_failure_not_opened() {
        let message = start_browser(&words("false https://a.org"), "https://a.org");
        assert!(message.starts_with("false failed"), "{message}");
        assert!(message.contains("press y"), "{message}");
        let message = start_browser(&words("true https://a.org"), "https://a.org");
        assert_eq!(message, "opened https://a.org");
    }

    #[test]
    fn a_missing_browser_says_so_and_suggests_copying() {
        let message = start_browser(
            &words("paperboat-no-such-browser https://a.org"),
            "https://a.org",
        );
        assert!(message.starts_with("no browser: paperboat-no-such-browser not found"));
        assert!(message.contains("press y to copy the link, or click it"));
    }

    #[test]
    fn the_configured_browser_wins_and_is_split_into_words() {
        assert_eq!(
            browser_command("firefox --new-tab"),
            Some(words("firefox --new-tab"))
        );
    }
}
