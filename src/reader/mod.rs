//! The reader: start-up (the first frame from the cache before any network), the event loop,
//! the effect runner and the loader thread. It sits above `app` (state and `update`) and `ui`
//! (`render`), since it calls both, and below `cli`; nothing below imports it.

mod effects;
mod fulltext;
mod keeper;
mod loader;
mod runtime;
mod start;

use std::path::PathBuf;
use std::time::{Duration, Instant};

use anyhow::Context as _;
use crossterm::event::{Event, EventStream};
use futures::StreamExt;
use tokio::sync::mpsc;

use crate::app::{App, Msg, SavedView};
use crate::clock::Clock;
use crate::config::Config;
use crate::keymap::Keymap;
use crate::store::FirstScreen;
use crate::sync::SyncCommand;
use crate::ui::Theme;

pub use effects::{EffectRunner, check_url, is_terminal_browser};
pub use loader::LoadHook;
pub use runtime::Reader;

/// Everything the reader needs to start.
pub struct ReaderOptions {
    pub config: Config,
    pub data_dir: PathBuf,
    /// Where the log file goes.
    pub log_dir: PathBuf,
}

/// When the process started, for the "first frame drawn after N ms" log line.
static PROCESS_START: std::sync::OnceLock<Instant> = std::sync::OnceLock::new();

/// Records the process start; call first thing in `main`.
pub fn mark_process_start() {
    let _ = PROCESS_START.set(Instant::now());
}

/// Opens the reader: draws the cache, starts the sync task, runs until the user quits.
pub fn run_reader(options: ReaderOptions) -> anyhow::Result<()> {
    // One reader per data dir (issue #12): a second one stops here, naming the first. Held
    // until this function returns; dropping it removes the socket and the owner file.
    let mut claim = crate::ownership::claim(&options.data_dir)?;
    // The first-screen file is read before the store opens (the open removes it); the open
    // starts at once on its own thread, and the first frame is drawn from the file meanwhile.
    let from_file = start::read_file(&options.data_dir);
    let opening = start::open_in_background(
        options.data_dir.clone(),
        from_file.as_ref().map(|file| file.bytes.clone()),
    )?;
    let keymap =
        Keymap::with_overrides(&options.config.keys).context("invalid [keys] in the config")?;
    // Without a usable file, today's path: the first frame waits for the store.
    let (first_screen, file_read_ms, mut opening, mut opened) = match from_file {
        Some(file) => (file.screen, Some(file.read_ms), Some(opening), None),
        None => {
            let mut opened = start::join(opening)?;
            let screen = std::mem::take(&mut opened.screen);
            (screen, None, None, Some(opened))
        }
    };
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .context("cannot start the async runtime")?;
    let serving = &mut claim;
    let outcome = runtime.block_on(async move {
        let clock = Clock::System;
        let mut terminal = crate::terminal::enter().context("cannot set up the terminal")?;
        let restore = crate::terminal::RestoreGuard;
        let size = terminal.size()?;
        let config = &options.config;
        let make_app = |screen: FirstScreen| {
            let reader_state = screen.reader_state.clone();
            let mut app = App::new(
                keymap.clone(),
                crate::app::catalog::catalog_of_first_screen(screen),
                clock.now(),
                (size.width, size.height),
                config.ui.wide_layout_min_columns,
            );
            app.set_saved_views(SavedView::all_from_config(&config.views));
            app.layout_prefs.filter_pane = config.ui.filter_pane;
            app.layout_prefs.list_width_percent = config.ui.list_width_percent;
            app.nav.mark_read = config.ui.mark_read;
            app.notifier.via = config.ui.notify;
            app.restore(&reader_state);
            app
        };
        let mut app = make_app(first_screen);
        let theme = Theme::from_env();
        let mut hyperlink_out: Option<Box<dyn std::io::Write + Send>> = config
            .ui
            .hyperlinks
            .then(|| Box::new(std::io::stdout()) as Box<dyn std::io::Write + Send>);
        // The first frame, from the cache, before any network (and, with the first-screen
        // file, before the store has opened).
        runtime::draw_app(&mut terminal, &app, &theme, hyperlink_out.as_mut())?;
        let since_start = PROCESS_START
            .get()
            .map(|start| start.elapsed().as_secs_f64() * 1e3);
        tracing::info!(
            papers = app.catalog.rows.len(),
            ms_since_process_start = since_start,
            from = if file_read_ms.is_some() {
                "first-screen file"
            } else {
                "store"
            },
            file_read_ms,
            store_open_ms = opened.as_ref().map(|o| o.store_open_ms),
            first_catalog_ms = opened.as_ref().map(|o| o.first_screen_ms),
            "first frame drawn"
        );
        // Keys typed meanwhile wait in the terminal's input: nothing reads it before this.
        if let Some(pending) = opening.take() {
            let mut joined = start::join(pending)?;
            let matches = joined.file_matches == Some(true);
            tracing::info!(
                store_open_ms = joined.store_open_ms,
                first_catalog_ms = joined.first_screen_ms,
                file_matches = matches,
                ms_since_process_start = PROCESS_START
                    .get()
                    .map(|start| start.elapsed().as_secs_f64() * 1e3),
                "store opened after the first frame"
            );
            if !matches {
                // Another process changed the store without rewriting the file (or the
                // journal brought other machines' changes): the store wins, redrawn below.
                tracing::warn!("the first-screen file was out of date; redrawn from the store");
                app = make_app(std::mem::take(&mut joined.screen));
            }
            opened = Some(joined);
        }
        let Some(opened) = opened else {
            anyhow::bail!("the store did not open");
        };
        let (store, start_report) = (opened.store, opened.report);
        // From here on the first-screen file is kept current in the background, so that
        // quitting usually finds nothing to write (see `keeper.rs`).
        let keeper = keeper::FirstScreenKeeper::spawn(store.clone());
        let mut runner = EffectRunner::new(store.clone(), false, Box::new(std::io::stdout()));
        runner.browser = options.config.ui.browser.clone();
        runner.hyperlink_out = hyperlink_out.take();
        runner.suspend_terminal = true;
        if let Some(dir) = options.config.export.dir_path() {
            runner.export_dir = dir;
        }
        let mut reader = Reader {
            terminal,
            app,
            runner,
            theme,
        };
        if let Some(notice) = crate::notices::start_notice(&start_report) {
            reader.handle(Msg::Notice(notice));
        }
        // Unchanged content costs nothing here (only changed cells are written).
        reader.draw()?;

        let (inbox_tx, mut inbox) = mpsc::unbounded_channel();
        let sources = crate::sync::sources_from_config(&options.config, None, None);
        let settings = crate::sync::sync_settings_for(&options.config);
        // One set of Retry-After holds for the sync task and the on-demand full-text fetches.
        let waits = crate::sync::ServerWaits::default();
        reader.runner.fulltext = Some(crate::sync::FullTextFetcher::new(
            store.clone(),
            &options.config,
            waits.clone(),
            clock,
        ));
        let mut sync = crate::sync::spawn_sharing(store.clone(), sources, settings, clock, waits);
        reader.runner.sync_commands = Some(sync.commands.clone());
        // Serve the data dir to other paperboat commands (issue #12).
        let wiring = crate::server::wire_reader(
            serving,
            &store,
            &options.config,
            &inbox_tx,
            sync.commands.clone(),
        );
        reader.runner.results = Some(wiring.results.clone());
        // PDFs (`D`, `O`) and linked repos, sharing the Retry-After holds kept in the store.
        let waits = crate::sync::ServerWaits::default();
        let pdf_settings = crate::pdf::PdfSettings::from_config(&options.config);
        reader.runner.pdf.downloader =
            crate::pdf::PdfDownloader::new(store.clone(), pdf_settings, waits.clone()).ok();
        reader.runner.pdf.linked =
            crate::linked::LinkedFetcher::new(store.clone(), &options.config, waits).ok();
        reader.runner.pdf.dir = options.config.papers.dir_path();
        reader.runner.pdf.viewer = options.config.ui.pdf_viewer.clone();
        if let Some(notice) = wiring.notice.clone() {
            reader.handle(Msg::Notice(notice));
        }
        let sync_hub = std::sync::Arc::clone(&wiring.sync_hub);
        forward_terminal_events(inbox_tx.clone());
        forward_signals(inbox_tx.clone());
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
        // Quitting (docs/ARCHITECTURE.md, "Quit"): `Effect::Quit` waited for the writer, so
        // every star, read mark and note (journaled and fsynced when made) and the
        // remembered state are in the store. The terminal goes back to the shell first.
        let since_key = reader.runner.quit_started.unwrap_or_else(Instant::now);
        let ms = || since_key.elapsed().as_secs_f64() * 1e3;
        drop(restore);
        tracing::info!(ms_since_key = ms(), "quit: terminal restored");
        // The sync task is told to stop, not waited for: a round it abandons may still finish
        // a store write on the blocking pool (it always could), and the process's end cuts
        // that short like a crash, which sled's log survives; papers not stored are fetched
        // again. (Waiting for the task took 0.4-3.4 ms on a loaded machine.)
        if sync.commands.try_send(SyncCommand::Shutdown).is_err() {
            tracing::debug!("quit: the sync task's command queue is full or closed");
        }
        forward_sync.abort();
        // The next start's first frame, brought up to date once this process's last store
        // write is done (the writer drained): usually the keeper already did. A store write
        // finishing later (such as that sync write) leaves a file the next start redraws over.
        let papers = reader.app.catalog.rows.len();
        let last_file = if result.is_err() || !reader.runner.writes_finished {
            tracing::info!("quit: first-screen file not brought up to date (writes pending)");
            LastFile::Skipped
        } else {
            match keeper {
                Some(keeper) if keeper.is_current(store.write_generation()) => LastFile::Current,
                Some(keeper) => LastFile::Asked(keeper.finish()),
                None => LastFile::WriteHere,
            }
        };
        // What dropping the store would do, made explicit: the process ends without dropping
        // it (below and in `cli::main`), and sled's own flusher thread dies with it.
        if let Err(error) = store.flush_all() {
            tracing::error!(%error, "quit: the store's last writes may not be durable");
        }
        tracing::debug!(ms_since_key = ms(), "quit: store flushed");
        match last_file {
            LastFile::Current => log_first_screen(keeper::Finished::Current, ms()),
            LastFile::Asked(asked) => log_first_screen(asked.wait(first_screen_wait(papers)), ms()),
            LastFile::WriteHere if papers <= FIRST_SCREEN_ALWAYS_UP_TO => {
                log_first_screen(keeper::write_now(&store), ms())
            }
            LastFile::WriteHere | LastFile::Skipped => {}
        }
        // Freeing the catalog (hundreds of MB in small allocations at 50,000 papers) took
        // longer than all the rest of quitting, and the process ends right after: it is left
        // to the OS, as are the store's handles (flushed above) and the threads.
        std::mem::forget(reader);
        tracing::debug!(ms_since_key = ms(), "quit: done in the runtime");
        result.map(|()| since_key)
    });
    // Left to the process's end, like the catalog: not a plain drop, which waits for every
    // worker to finish what it is running (crossterm's input reader loops without yielding
    // on a terminal that was hung up, so a reader whose SSH session or tmux pane died would
    // never exit: seen, a reader left behind by a killed tmux server, alive an hour later),
    // and not `shutdown_background` either, which has the workers drop every task, the
    // command server's catalog snapshot among them (freeing it competed with the exit for
    // the two cores). Every write is durable by now: a server request still answered in the
    // last moment is journaled (fsynced) before its store write, like any other.
    std::mem::forget(runtime);
    drop(claim);
    let since_key = outcome?;
    tracing::info!(
        ms_since_key = since_key.elapsed().as_secs_f64() * 1e3,
        "quit: data dir released"
    );
    Ok(())
}

/// What quitting does about the first-screen file.
enum LastFile {
    /// Writes may be pending: left as it is (the next start checks it anyway).
    Skipped,
    /// The keeper's file holds the store as it is: nothing to do.
    Current,
    /// The keeper was asked for a last write.
    Asked(keeper::Asked),
    /// No keeper thread (it could not start): written by quitting itself.
    WriteHere,
}

/// Up to this many papers quitting waits for the first-screen file when it has to be written
/// (the store changed since the keeper last wrote it): about a millisecond at 50,000 papers
/// (0.6–0.8 ms measured).
const FIRST_SCREEN_ALWAYS_UP_TO: usize = 200_000;
/// How long quitting waits for it past that: at a million papers it took 8–130 ms, its reads
/// going to disk once the load has pushed the list Db's pages out of the page cache, against
/// a quit budget of 50 ms.
const FIRST_SCREEN_BUDGET: Duration = Duration::from_millis(10);
/// "Always" still has a bound: a quit never hangs on the file.
const FIRST_SCREEN_LONGEST: Duration = Duration::from_secs(2);

/// How long quitting waits for the keeper's last write with `papers` in the catalog.
fn first_screen_wait(papers: usize) -> Duration {
    if papers <= FIRST_SCREEN_ALWAYS_UP_TO {
        FIRST_SCREEN_LONGEST
    } else {
        FIRST_SCREEN_BUDGET
    }
}

fn log_first_screen(finished: keeper::Finished, ms_since_key: f64) {
    match finished {
        keeper::Finished::Current => {
            tracing::info!(ms_since_key, "quit: first-screen file already current")
        }
        keeper::Finished::Written { bytes, ms } => {
            tracing::info!(bytes, ms, ms_since_key, "quit: first-screen file written")
        }
        keeper::Finished::Failed(error) => tracing::warn!(%error, "quit: no first-screen file"),
        keeper::Finished::NotWaited => tracing::info!(
            budget_ms = FIRST_SCREEN_BUDGET.as_millis(),
            "quit: first-screen file not waited for; the next start may redraw or read the store"
        ),
    }
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
