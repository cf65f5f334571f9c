//! The reader's runtime: start-up (first frame from the cache before any network), the event
//! loop (keys, resize, ticks, signals, sync events → `update` → effects → draw), and the effect
//! runner (store writes, background loads, browser, OSC 52 clipboard, sync commands).

use std::collections::{HashMap, VecDeque};
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::Context as _;
use base64::Engine as _;
use crossterm::event::{Event, EventStream};
use futures::StreamExt;
use ratatui::Terminal;
use ratatui::backend::Backend;
use tokio::sync::mpsc;

use super::catalog::CatalogBuilder;
use super::{App, Catalog, Effect, Msg, ReaderOptions, update};
use crate::clock::Clock;
use crate::keymap::{Keymap, TIMEOUT as KEY_TIMEOUT};
use crate::model::{Paper, PaperId, UserState};
use crate::query::RowDetails;
use crate::store::{Store, StoreError};
use crate::sync::SyncCommand;
use crate::ui::{self, Theme};

/// When the process started, for the "first frame drawn after N ms" log line.
static PROCESS_START: std::sync::OnceLock<Instant> = std::sync::OnceLock::new();

/// Records the process start; call first thing in `main`.
pub fn mark_process_start() {
    let _ = PROCESS_START.set(Instant::now());
}

/// How often the clock ticks while something moves on screen (spinner, pending chord).
const TICK: Duration = Duration::from_millis(100);

/// Reads what the first frame needs: the latest day's rows and the user state. Its cost does
/// not grow with the number of cached papers.
pub fn first_catalog(store: &Store) -> Result<Catalog, StoreError> {
    let user = store.user_states()?;
    let rows = match store.latest_day()? {
        Some(day) => store.rows_for_day(day)?,
        None => Vec::new(),
    };
    Ok(Catalog::new(rows, user, false, None))
}

/// Reads the whole projection; with `abstracts`, the text index covers abstracts too and the
/// rows get their details (every category, GitHub stars, summaries).
pub fn full_catalog(store: &Store, abstracts: bool) -> Result<Catalog, StoreError> {
    let papers_version = store.papers_version();
    let rows = store.all_rows()?;
    let user = store.user_states()?;
    let mut catalog = if abstracts {
        add_abstracts(store, CatalogBuilder::new(rows, user, true, true))?
    } else {
        Catalog::new(rows, user, true, None)
    };
    catalog.papers_version = papers_version;
    Ok(catalog)
}

/// The catalog of `quick`'s rows (a [`full_catalog`] without abstracts) with their abstracts
/// and details, sharing its rows instead of reading and holding them a second time. Papers
/// stored since `quick` was read come with the next load (every sync asks for one).
pub fn catalog_with_abstracts(store: &Store, quick: &Catalog) -> Result<Catalog, StoreError> {
    let user = store.user_states()?;
    let mut catalog = add_abstracts(store, CatalogBuilder::adding_abstracts(quick, user))?;
    catalog.papers_version = quick.papers_version;
    Ok(catalog)
}

fn add_abstracts(store: &Store, mut builder: CatalogBuilder) -> Result<Catalog, StoreError> {
    // A day at a time: rows come newest day first, so each day's bodies are read, indexed in
    // catalog order and dropped before the next day's (never every abstract at once).
    while let Some(day) = builder.next_row().map(|row| row.day) {
        let mut papers: HashMap<PaperId, Paper> = store
            .papers_for_day(day)?
            .into_iter()
            .map(|paper| (paper.id.clone(), paper))
            .collect();
        while let Some(row) = builder.next_row().filter(|row| row.day == day) {
            match papers.remove(&row.id) {
                Some(paper) => {
                    builder.push(Some(&paper.abstract_text), Some(RowDetails::of(&paper)))
                }
                None => builder.push(None, Some(RowDetails::default())),
            }
        }
    }
    Ok(builder.finish())
}

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
    loader: Option<std::sync::mpsc::Sender<()>>,
}

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
            loader: None,
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
                if let Err(error) = save_user_state(&self.store, &id, &state, &previous) {
                    tracing::error!(%id, %error, "user state not saved");
                    queue.push_back(Msg::UserStateFailed {
                        id,
                        previous,
                        error: error.to_string(),
                    });
                }
            }
            Effect::OpenUrl(url) => queue.push_back(Msg::Notice(open_url(&self.browser, &url))),
            Effect::Yank(url) => queue.push_back(Msg::Notice(self.yank(&url))),
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
            } => {
                let notice =
                    match export_to(&self.store, &papers, format, &self.export_dir, &file_name) {
                        Ok((count, path)) => {
                            let papers = if count == 1 { "paper" } else { "papers" };
                            format!("exported {count} {papers} to {}", path.display())
                        }
                        Err(error) => format!("export failed: {error}"),
                    };
                queue.push_back(Msg::Notice(notice));
            }
            Effect::Quit => {}
        }
    }

    fn load_catalog(&mut self, queue: &mut VecDeque<Msg>) {
        if self.inline {
            match full_catalog(&self.store, true) {
                Ok(catalog) => queue.push_back(Msg::CatalogLoaded(Box::new(catalog))),
                Err(error) => {
                    queue.push_back(Msg::Notice(format!("cannot read the cache: {error}")))
                }
            }
            return;
        }
        let Some(results) = self.results.clone() else {
            return;
        };
        if self.loader.is_none() {
            self.loader = Some(spawn_loader(self.store.clone(), results));
        }
        if let Some(loader) = &self.loader {
            let _ = loader.send(());
        }
    }

    fn load_paper(&mut self, id: PaperId, queue: &mut VecDeque<Msg>) {
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

    fn yank(&mut self, url: &str) -> String {
        if check_url(url).is_err() {
            return refusal("copy", url);
        }
        let encoded = base64::engine::general_purpose::STANDARD.encode(url);
        let sequence = format!("\x1b]52;c;{encoded}\x07");
        match self
            .clipboard
            .write_all(sequence.as_bytes())
            .and_then(|()| self.clipboard.flush())
        {
            Ok(()) => format!("copied {url}"),
            Err(error) => format!("cannot copy: {error}"),
        }
    }
}

/// One loader thread: catalog loads are coalesced (a burst of sync events makes one load) and
/// come back in order. The rows-only catalog comes first, then the one with abstracts.
fn spawn_loader(store: Store, results: mpsc::UnboundedSender<Msg>) -> std::sync::mpsc::Sender<()> {
    let (sender, requests) = std::sync::mpsc::channel::<()>();
    std::thread::spawn(move || {
        while requests.recv().is_ok() {
            while requests.try_recv().is_ok() {}
            // Every row first (quick: the whole list is browsable), then the same rows with
            // abstracts and details, sharing them.
            let full = match full_catalog(&store, false) {
                Ok(quick) => {
                    // A clone shares the rows, their index and the text index (`Arc`s).
                    let shared = quick.clone();
                    if results.send(Msg::CatalogLoaded(Box::new(quick))).is_err() {
                        return;
                    }
                    catalog_with_abstracts(&store, &shared)
                }
                Err(error) => Err(error),
            };
            let msg = match full {
                Ok(catalog) => Msg::CatalogLoaded(Box::new(catalog)),
                Err(error) => Msg::Notice(format!("cannot read the cache: {error}")),
            };
            if results.send(msg).is_err() {
                return;
            }
        }
    });
    sender
}

/// Writes an export next to any earlier one (never over it); returns the count and the path.
fn export_to(
    store: &Store,
    papers: &[(PaperId, chrono::NaiveDate)],
    format: crate::export::ExportFormat,
    dir: &Path,
    file_name: &str,
) -> anyhow::Result<(usize, PathBuf)> {
    let items = crate::export::load(store, papers)?;
    let text = crate::export::render(format, &items);
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

fn save_user_state(
    store: &Store,
    id: &PaperId,
    state: &UserState,
    previous: &UserState,
) -> Result<(), StoreError> {
    if state.starred_at != previous.starred_at {
        let at = state.starred_at.unwrap_or_else(chrono::Utc::now);
        store.set_starred(id, state.starred_at.is_some(), at)?;
    }
    if state.read != previous.read {
        store.set_read(id, state.read)?;
    }
    if state.note != previous.note {
        store.set_note(id, state.note.clone())?;
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
        crate::ui::fit(&crate::text::sanitize_line(url), 60)
    )
}

/// Starts the browser on `url` with no shell in between; returns what to tell the user.
fn open_url(browser: &str, url: &str) -> String {
    let url = match check_url(url) {
        Ok(url) => url,
        Err(message) => return message,
    };
    let command = if !browser.trim().is_empty() {
        browser.trim().to_string()
    } else if let Some(from_env) = std::env::var_os("BROWSER").filter(|b| !b.is_empty()) {
        from_env.to_string_lossy().into_owned()
    } else if cfg!(target_os = "macos") {
        "open".to_string()
    } else {
        "xdg-open".to_string()
    };
    // The command may carry fixed arguments ("firefox --new-tab"); split on whitespace, never
    // through a shell, and pass the URL as one argument.
    let mut parts = command.split_whitespace();
    let Some(program) = parts.next() else {
        return "no browser configured".to_string();
    };
    let spawned = Command::new(program)
        .args(parts)
        .arg(url)
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn();
    match spawned {
        Ok(mut child) => {
            // Reap it in the background so no zombie is left.
            std::thread::spawn(move || child.wait());
            format!("opened {url}")
        }
        Err(error) => format!("cannot start {program}: {error} (set ui.browser in the config)"),
    }
}

/// The loop body, shared by the real terminal and the flow tests: one message through
/// `update`, its effects run (and whatever they answer at once), then a redraw.
pub struct Reader<B: Backend> {
    pub terminal: Terminal<B>,
    pub app: App,
    pub runner: EffectRunner,
    pub theme: Theme,
}

impl<B: Backend> Reader<B>
where
    B::Error: Send + Sync + 'static,
{
    pub fn draw(&mut self) -> anyhow::Result<()> {
        let (app, theme) = (&self.app, &self.theme);
        self.terminal.draw(|frame| ui::render(frame, app, theme))?;
        Ok(())
    }

    /// Processes one message and everything it causes right away; does not draw.
    pub fn handle(&mut self, msg: Msg) {
        let mut queue = VecDeque::from([msg]);
        while let Some(msg) = queue.pop_front() {
            for effect in update(&mut self.app, msg) {
                self.runner.run(effect, &mut queue);
            }
        }
    }

    /// Runs the start-up effects (catalog load, first sync, the selected paper's body).
    pub fn start(&mut self) {
        let mut queue = VecDeque::new();
        for effect in self.app.startup_effects() {
            self.runner.run(effect, &mut queue);
        }
        while let Some(msg) = queue.pop_front() {
            self.handle(msg);
        }
    }

    /// Runs until the user quits or `inbox` closes. Draws after each burst of messages.
    pub async fn run(
        &mut self,
        inbox: &mut mpsc::UnboundedReceiver<Msg>,
        clock: Clock,
    ) -> anyhow::Result<()> {
        let mut ticker = tokio::time::interval(TICK);
        ticker.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Skip);
        let mut last_key = Instant::now();
        let mut last_minute = clock.now().timestamp() / 60;
        self.draw()?;
        loop {
            let msg = tokio::select! {
                msg = inbox.recv() => match msg {
                    Some(msg) => msg,
                    None => break,
                },
                _ = ticker.tick() => {
                    if self.app.keys.is_pending() && last_key.elapsed() >= KEY_TIMEOUT {
                        Msg::KeyTimeout
                    } else {
                        let now = clock.now();
                        let minute = now.timestamp() / 60;
                        // Redraw on ticks only when something on screen moves.
                        if !self.app.sync.running && minute == last_minute {
                            continue;
                        }
                        last_minute = minute;
                        Msg::Tick(now)
                    }
                }
            };
            if matches!(msg, Msg::Key(_)) {
                last_key = Instant::now();
            }
            self.handle(msg);
            if self.app.quit {
                break;
            }
            if inbox.is_empty() {
                self.draw()?;
            }
        }
        Ok(())
    }
}

/// Opens the reader: draws the cache, starts the sync task, runs until the user quits.
pub fn run_reader(options: ReaderOptions) -> anyhow::Result<()> {
    // One reader per data dir (issue #12): a second one stops here, naming the first. Held
    // until this function returns; dropping it removes the socket and the owner file.
    let mut claim = crate::ownership::claim(&options.data_dir)?;
    // A damaged store is rebuilt from the journal here, before the first frame.
    let (store, start_report) = crate::store::open_or_recover(&options.data_dir)?;
    let keymap =
        Keymap::with_overrides(&options.config.keys).context("invalid [keys] in the config")?;
    let catalog = first_catalog(&store).context("cannot read the cache")?;
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .context("cannot start the async runtime")?;
    let serving = &mut claim;
    let outcome = runtime.block_on(async move {
        let clock = Clock::System;
        let terminal = crate::terminal::enter().context("cannot set up the terminal")?;
        let _restore = crate::terminal::RestoreGuard;
        let size = terminal.size()?;
        let app = App::new(
            keymap,
            catalog,
            clock.now(),
            (size.width, size.height),
            options.config.ui.wide_layout_min_columns,
        );
        let mut app = app;
        app.set_saved_views(options.config.saved_views());
        let mut runner = EffectRunner::new(store.clone(), false, Box::new(std::io::stdout()));
        runner.browser = options.config.ui.browser.clone();
        let mut reader = Reader {
            terminal,
            app,
            runner,
            theme: Theme::from_env(),
        };
        if let Some(notice) = start_report.notice() {
            reader.handle(Msg::Notice(notice));
        }
        // The first frame, from the cache, before any network.
        reader.draw()?;
        let since_start = PROCESS_START
            .get()
            .map(|start| start.elapsed().as_secs_f64() * 1e3);
        tracing::info!(
            papers = reader.app.catalog.rows.len(),
            ms_since_process_start = since_start,
            "first frame drawn"
        );

        let (inbox_tx, mut inbox) = mpsc::unbounded_channel();
        let sources = crate::sync::sources_from_config(&options.config, None, None);
        let settings = crate::sync::sync_settings_from_config(&options.config.sync);
        let mut sync = crate::sync::spawn(store.clone(), sources, settings, clock);
        reader.runner.sync_commands = Some(sync.commands.clone());
        forward_terminal_events(inbox_tx.clone());
        forward_signals(inbox_tx.clone());
        // ---- the command server (issue #12): sees every sync event and every full
        // catalog, and serves the data dir while the reader runs.
        let sync_hub = crate::server::hub::SyncHub::new(sync.commands.clone());
        let (snapshot_tx, snapshot_rx) = crate::server::hub::snapshot_channel();
        let (results_tx, mut results_rx) = mpsc::unbounded_channel::<Msg>();
        reader.runner.results = Some(results_tx);
        let tap_tx = inbox_tx.clone();
        tokio::spawn(async move {
            while let Some(msg) = results_rx.recv().await {
                if let Msg::CatalogLoaded(catalog) = &msg {
                    crate::server::hub::publish_if_full(&snapshot_tx, catalog);
                }
                if tap_tx.send(msg).is_err() {
                    break;
                }
            }
        });
        let context = crate::server::Context {
            store: store.clone(),
            config: options.config.clone(),
            snapshot: snapshot_rx,
            inbox: inbox_tx.clone(),
            sync: Arc::clone(&sync_hub),
            settings: crate::server::ServerSettings {
                idle: Duration::from_secs(options.config.server.idle_timeout_secs.max(1)),
                stall_after_write: std::env::var_os(crate::server::STALL_ENV).map(PathBuf::from),
                ..crate::server::ServerSettings::default()
            },
        };
        let runtime_dir = std::env::var_os("XDG_RUNTIME_DIR").map(PathBuf::from);
        let _server = match crate::server::start(serving, context, runtime_dir.as_deref()) {
            Ok(server) => Some(server),
            Err(error) => {
                tracing::warn!(%error, "not serving commands");
                reader.handle(Msg::Notice(format!(
                    "not serving other paperboat commands: {error}"
                )));
                None
            }
        };
        // ---- end of the command server's wiring
        let sync_tx = inbox_tx.clone();
        let forward_sync = tokio::spawn(async move {
            while let Some(event) = sync.events.recv().await {
                sync_hub.observe(&event);
                if sync_tx.send(Msg::Sync(event)).is_err() {
                    break;
                }
            }
        });
        // The body store opens after the first frame, off the UI thread.
        let warm = store.clone();
        tokio::task::spawn_blocking(move || warm.warm_body());
        reader.start();
        let result = reader.run(&mut inbox, clock).await;
        // Bounded as a whole (sending included, not only the wait): quitting never waits on a
        // sync task that is slow to take the command.
        let commands = sync.commands.clone();
        let _ = tokio::time::timeout(Duration::from_secs(2), async move {
            let _ = commands.send(SyncCommand::Shutdown).await;
            let _ = sync.task.await;
        })
        .await;
        forward_sync.abort();
        // Freeing the catalog (hundreds of MB in small allocations at 50,000 papers) took
        // longer than all the rest of quitting, and the process ends right after: it is left
        // to the OS. Every store write was flushed when it returned.
        std::mem::forget(reader);
        result
    });
    // Not a plain drop, which waits for every worker to finish what it is running: crossterm's
    // input reader loops without yielding on a terminal that was hung up (`read` returns 0
    // forever), so a reader whose SSH session or tmux pane died would never exit, spinning a
    // core (seen: a reader left behind by a killed tmux server, alive an hour later).
    runtime.shutdown_background();
    drop(claim);
    outcome
}

fn forward_terminal_events(inbox: mpsc::UnboundedSender<Msg>) {
    tokio::spawn(async move {
        let mut events = EventStream::new();
        while let Some(event) = events.next().await {
            let msg = match event {
                Ok(Event::Key(key)) => Msg::Key(key),
                Ok(Event::Resize(columns, rows)) => Msg::Resize(columns, rows),
                Ok(_) => continue,
                Err(error) => {
                    tracing::error!(%error, "terminal input failed");
                    Msg::Terminate
                }
            };
            if inbox.send(msg).is_err() {
                return;
            }
        }
        // The terminal's input ended (it was closed): nothing can reach the reader any more.
        tracing::warn!("terminal input ended");
        let _ = inbox.send(Msg::Terminate);
    });
}

fn forward_signals(inbox: mpsc::UnboundedSender<Msg>) {
    use tokio::signal::unix::{SignalKind, signal};
    for kind in [
        SignalKind::terminate(),
        SignalKind::hangup(),
        SignalKind::interrupt(),
    ] {
        let inbox = inbox.clone();
        if let Ok(mut stream) = signal(kind) {
            tokio::spawn(async move {
                if stream.recv().await.is_some() {
                    let _ = inbox.send(Msg::Terminate);
                }
            });
        }
    }
}
