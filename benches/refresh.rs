//! Refresh benchmark (issue #15): a sync stores 500 new papers → they are on screen (the
//! incremental refresh on a loader thread, then `update` and a 160×48 frame on this one);
//! keystrokes handled while that refresh runs (p99); a star → ★ on screen (the journal's
//! fsync measured on its own, the store write on the writer thread); keystrokes while an
//! export reads every paper of the view in the background; the refresh's peak memory.
//! Run: `cargo bench --bench refresh -- 100000 [1000000]` (see BENCHMARKS.md). Each size's
//! store is built once under the temp dir and grows by the papers each run adds.

mod common;
use common::{mib, ms, percentile};
use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use chrono::{Days, NaiveDate, Utc};
use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use paperboat::app::catalog::{Refresh, first_catalog, full_catalog, refreshed_catalog};
use paperboat::app::{App, Catalog, Effect, Msg, update};
use paperboat::journal::Change;
use paperboat::keymap::Keymap;
use paperboat::model::{ListRow, PaperId};
use paperboat::query::RowDetails;
use paperboat::store::Store;
use paperboat::ui::{Theme, render};
use ratatui::Terminal;
use ratatui::backend::TestBackend;

/// The allocator the `paperboat` binary ships with (src/main.rs), so memory and time match it.
#[cfg(not(target_env = "msvc"))]
#[global_allocator]
static GLOBAL: tikv_jemallocator::Jemalloc = tikv_jemallocator::Jemalloc;

const PER_DAY: usize = 200;
const NEW_PAPERS: usize = 500;
const REFRESHES: usize = 5;

fn newest_day() -> NaiveDate {
    NaiveDate::from_ymd_opt(2025, 6, 30).unwrap_or_default()
}

fn store_dir(count: usize) -> anyhow::Result<PathBuf> {
    let dir = std::env::temp_dir().join(format!("paperboat-bench-refresh-{count}"));
    let marker = dir.join("complete");
    if marker.exists() {
        return Ok(dir);
    }
    let _ = std::fs::remove_dir_all(&dir);
    let store = Store::open(&dir)?;
    let mut batch = Vec::with_capacity(10_000);
    for paper in paperboat::synth::papers(count, PER_DAY, newest_day()) {
        batch.push(paper);
        if batch.len() == 10_000 {
            store.apply(std::mem::take(&mut batch), newest_day())?;
        }
    }
    if !batch.is_empty() {
        store.apply(batch, newest_day())?;
    }
    drop(store);
    std::fs::write(&marker, b"")?;
    Ok(dir)
}

fn key(c: char) -> Msg {
    Msg::Key(KeyEvent::new(KeyCode::Char(c), KeyModifiers::NONE))
}

/// The reader's UI thread in miniature: `update`, then one frame.
struct Screen {
    app: App,
    terminal: Terminal<TestBackend>,
}

impl Screen {
    fn handle(&mut self, msg: Msg) -> anyhow::Result<Vec<Effect>> {
        let effects = update(&mut self.app, msg);
        let (app, theme) = (&self.app, Theme { color: true });
        self.terminal.draw(|f| render(f, app, &theme))?;
        Ok(effects)
    }

    /// Keys (j and k in turn) until `done`; each key's update + frame time.
    fn keys_until(&mut self, done: &AtomicBool) -> anyhow::Result<Vec<Duration>> {
        let mut times = Vec::new();
        let mut down = true;
        while !done.load(Ordering::SeqCst) {
            let started = Instant::now();
            self.handle(key(if down { 'j' } else { 'k' }))?;
            times.push(started.elapsed());
            down = !down;
            // A fast typist, not a spin: the refresh thread gets the other core.
            std::thread::sleep(Duration::from_millis(2));
        }
        Ok(times)
    }
}

fn main() -> anyhow::Result<()> {
    let mut sizes: Vec<usize> = std::env::args()
        .skip(1)
        .filter_map(|a| a.replace('_', "").parse().ok())
        .collect();
    if sizes.is_empty() {
        sizes = vec![100_000];
    }
    // The refresh logs its phases (read, index splice, rows, row index): `RUST_LOG=debug`.
    let _ = tracing_subscriber::fmt()
        .with_env_filter(tracing_subscriber::EnvFilter::from_default_env())
        .with_writer(std::io::stderr)
        .try_init();
    for count in sizes {
        run(count)?;
    }
    Ok(())
}

/// What the list rows alone cost: their inline size, the heap bytes they hold, and the
/// process's RSS growth while every row is read a second time into a second `Vec` (the
/// allocator's overhead included; the first read fills sled's page cache), per row. Run
/// first, before anything else has been allocated and freed.
fn row_memory(count: usize, store: &Store) -> anyhow::Result<()> {
    let first = store.all_rows()?;
    let before = mib("VmRSS:");
    let mut rows = store.all_rows()?;
    rows.shrink_to_fit();
    let grown = mib("VmRSS:") - before;
    drop(first);
    let n = rows.len().max(1) as f64;
    let heap: usize = rows.iter().map(ListRow::heap_bytes).sum();
    println!(
        "{count:>9}: rows alone: {} rows, size_of ListRow {} B + heap {:.0} B a row (RowDetails \
         {} B inline); RSS +{grown:.0} MiB = {:.0} B a row",
        rows.len(),
        std::mem::size_of::<ListRow>(),
        heap as f64 / n,
        std::mem::size_of::<RowDetails>(),
        grown * 1024.0 * 1024.0 / n,
    );
    Ok(())
}

fn run(count: usize) -> anyhow::Result<()> {
    let dir = store_dir(count)?;
    let store = Store::open(&dir)?;
    row_memory(count, &store)?;
    let started = Instant::now();
    let loaded = full_catalog(&store, true)?;
    let papers = loaded.rows.len();
    println!(
        "{count:>9}: full load of {papers} papers {:.0} ms, RSS {:.0} MiB",
        ms(started.elapsed()),
        mib("VmRSS:")
    );
    let rows_heap: usize = loaded.rows.iter().map(ListRow::heap_bytes).sum();
    let [terms, postings, sequences, rest] = loaded.text.heap_bytes();
    let mb = |bytes: usize| bytes as f64 / 1e6;
    println!(
        "{count:>9}: catalog memory: rows {:.0} MB inline + {:.0} MB heap, details {:.0} MB \
         inline; text index terms {:.0} / postings {:.0} / sequences {:.0} / rest {:.0} MB",
        mb(papers * std::mem::size_of::<ListRow>()),
        mb(rows_heap),
        mb(loaded.details.len() * std::mem::size_of::<RowDetails>()),
        mb(terms),
        mb(postings),
        mb(sequences),
        mb(rest),
    );
    let mut screen = Screen {
        app: App::new(
            Keymap::defaults()?,
            first_catalog(&store)?,
            Utc::now(),
            (160, 48),
            120,
        ),
        terminal: Terminal::new(TestBackend::new(160, 48))?,
    };
    screen.handle(Msg::CatalogLoaded(Box::new(loaded.clone())))?;
    let mut last: Catalog = loaded;
    let _ = std::fs::write("/proc/self/clear_refs", "5");
    let held_before = mib("VmRSS:");

    // 500 new papers, a new day each time (the newest), then the refresh while keys come.
    let first_new = store.paper_count()?;
    let mut on_screen = Vec::new();
    let mut keys = Vec::new();
    for round in 0..REFRESHES {
        let day = newest_day()
            .checked_add_days(Days::new(1 + (first_new / NEW_PAPERS + round) as u64))
            .unwrap_or_default();
        let batch: Vec<_> = (0..NEW_PAPERS)
            .map(|i| {
                let mut paper = paperboat::synth::paper(
                    first_new + round * NEW_PAPERS + i,
                    PER_DAY,
                    newest_day(),
                );
                paper.id = PaperId::from_stored(format!("new.{day}.{i}"));
                paper.daily_date = Some(day);
                paper
            })
            .collect();
        store.apply(batch, day)?;
        let stored = Instant::now();
        let done = Arc::new(AtomicBool::new(false));
        let refresh = {
            let (store, previous, done) = (store.clone(), last.clone(), Arc::clone(&done));
            std::thread::spawn(move || {
                let result = refreshed_catalog(&store, &previous);
                done.store(true, Ordering::SeqCst);
                result
            })
        };
        keys.extend(screen.keys_until(&done)?);
        let refreshed = match refresh.join() {
            Ok(Ok(Refresh::Spliced(catalog))) => *catalog,
            Ok(Ok(Refresh::Full)) => anyhow::bail!("the store did not know what changed"),
            Ok(Err(error)) => return Err(error.into()),
            Err(_) => anyhow::bail!("the refresh panicked"),
        };
        // The loader keeps a clone to refresh from next time (its old one freed there).
        last = refreshed.clone();
        let computed = stored.elapsed();
        // The reader frees the catalog a load replaces off the UI thread (`retire`): a clone
        // keeps it alive through `update`, dropped once the frame is drawn.
        let replaced = screen.app.catalog.clone();
        screen.handle(Msg::CatalogLoaded(Box::new(refreshed)))?;
        let shown = stored.elapsed();
        std::thread::spawn(move || drop(replaced));
        println!(
            "{count:>9}: refresh {round}: {NEW_PAPERS} new papers on screen {:.0} ms after the \
             store write (refresh {:.0} ms on the loader thread, update + frame {:.0} ms)",
            ms(shown),
            ms(computed),
            ms(shown - computed)
        );
        on_screen.push(shown);
    }
    println!(
        "{count:>9}: 500 new papers → on screen: p50 {:.0} ms, max {:.0} ms; keystrokes during \
         the refreshes ({}): p50 {:.2} ms, p99 {:.2} ms, max {:.2} ms; RSS peak {:.0} MiB \
         (held before {held_before:.0} MiB)",
        percentile(&mut on_screen, 0.5),
        percentile(&mut on_screen, 1.0),
        keys.len(),
        percentile(&mut keys, 0.5),
        percentile(&mut keys, 0.99),
        percentile(&mut keys, 1.0),
        mib("VmHWM:"),
    );

    // Star / unstar: key → ★ on screen, with the journal's append + fsync timed on its own;
    // the store write goes to a writer thread, as in the reader.
    let (writes, jobs) = std::sync::mpsc::channel::<()>();
    let writer = {
        let store = store.clone();
        std::thread::spawn(move || {
            while jobs.recv().is_ok() {
                let _ = store.write_queued();
            }
        })
    };
    let (mut shown_times, mut fsyncs) = (Vec::new(), Vec::new());
    for _ in 0..50 {
        let started = Instant::now();
        let effects = screen.handle(key('s'))?;
        let shown = started.elapsed();
        for effect in effects {
            if let Effect::SaveUserState { id, state, .. } = effect {
                let change = match state.starred_at {
                    Some(starred_at) => Change::Star { starred_at },
                    None => Change::Unstar,
                };
                let journaled = Instant::now();
                store.journal_change(&id, Utc::now(), change, None)?;
                fsyncs.push(journaled.elapsed());
                let _ = writes.send(());
            }
        }
        shown_times.push(shown);
        std::thread::sleep(Duration::from_millis(5));
    }
    drop(writes);
    let _ = writer.join();
    println!(
        "{count:>9}: star key → ★ on screen (update + frame): p50 {:.2} ms, p99 {:.2} ms; \
         journal append + fsync: p50 {:.2} ms, p99 {:.2} ms",
        percentile(&mut shown_times, 0.5),
        percentile(&mut shown_times, 0.99),
        percentile(&mut fsyncs, 0.5),
        percentile(&mut fsyncs, 0.99),
    );

    // Keys while an export of the whole All view reads every paper in the background.
    let papers: Vec<(PaperId, NaiveDate)> = last
        .rows
        .iter()
        .take(20_000)
        .map(|row| (row.id.clone(), row.day))
        .collect();
    let done = Arc::new(AtomicBool::new(false));
    let export = {
        let (store, done) = (store.clone(), Arc::clone(&done));
        std::thread::spawn(move || {
            let mut read = 0;
            for batch in papers.chunks(200) {
                read += paperboat::export::load(&store, batch).map_or(0, |items| items.len());
            }
            done.store(true, Ordering::SeqCst);
            read
        })
    };
    let started = Instant::now();
    let mut keys = screen.keys_until(&done)?;
    let read = export.join().unwrap_or(0);
    println!(
        "{count:>9}: keystrokes while an export reads {read} papers ({:.0} ms): p50 {:.2} ms, \
         p99 {:.2} ms, max {:.2} ms",
        ms(started.elapsed()),
        percentile(&mut keys, 0.5),
        percentile(&mut keys, 0.99),
        percentile(&mut keys, 1.0),
    );
    Ok(())
}
