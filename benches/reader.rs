//! Reader benchmark: time from opening the store to the first frame (TestBackend, 160×48) at
//! several cache sizes, with its parts; the work of one filter keystroke at those sizes; and,
//! with `--catalog`, the time and peak memory of loading the full catalog (every row, the user
//! state, every abstract and the text index), as the reader does right after its first frame.
//! Run: `cargo bench --bench reader -- [--catalog] [--no-keys] 10000 100000 1000000`
//! (sizes; see BENCHMARKS.md). Stores are built once under the temp dir and reused.

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use chrono::NaiveDate;
use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use paperboat::app::catalog::{first_catalog, full_catalog};
use paperboat::app::{App, Msg, update};
use paperboat::keymap::Keymap;
use paperboat::store::{Store, open_or_recover};
use paperboat::ui::{Theme, render};
use ratatui::Terminal;
use ratatui::backend::TestBackend;

/// The allocator the `paperboat` binary ships with (src/main.rs), so memory and time match it.
#[cfg(not(target_env = "msvc"))]
#[global_allocator]
static GLOBAL: tikv_jemallocator::Jemalloc = tikv_jemallocator::Jemalloc;

const PER_DAY: usize = 200;

fn newest_day() -> NaiveDate {
    NaiveDate::from_ymd_opt(2025, 6, 30).unwrap_or_default()
}

/// Builds (once) a store of `count` synthetic papers under the temp dir and returns its path.
fn store_dir(count: usize) -> anyhow::Result<PathBuf> {
    let dir = std::env::temp_dir().join(format!("paperboat-bench-store-{count}"));
    let marker = dir.join("complete");
    if marker.exists() {
        return Ok(dir);
    }
    let _ = std::fs::remove_dir_all(&dir);
    let store = Store::open(&dir)?;
    let started = Instant::now();
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
    // Open once more so sled writes its snapshot: later opens measure the steady state.
    drop(Store::open(&dir)?);
    std::fs::write(&marker, b"")?;
    eprintln!(
        "built {count} papers in {:.1} s",
        started.elapsed().as_secs_f64()
    );
    Ok(dir)
}

/// One start, as the reader makes it: the parts of the time to the first frame.
struct FirstFrame {
    open: Duration,
    read: Duration,
    render: Duration,
}

impl FirstFrame {
    fn total(&self) -> Duration {
        self.open + self.read + self.render
    }
}

fn first_frame(dir: &Path) -> anyhow::Result<FirstFrame> {
    let started = Instant::now();
    let (store, _report) = open_or_recover(dir)?;
    let opened = started.elapsed();
    let catalog = first_catalog(&store)?;
    let read = started.elapsed();
    let now = chrono::Utc::now();
    let app = App::new(Keymap::defaults()?, catalog, now, (160, 48), 120);
    let mut terminal = Terminal::new(TestBackend::new(160, 48))?;
    terminal.draw(|f| render(f, &app, &Theme { color: true }))?;
    let drawn = started.elapsed();
    Ok(FirstFrame {
        open: opened,
        read: read - opened,
        render: drawn - read,
    })
}

fn memory_kib(field: &str) -> Option<f64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with(field))?;
    line.split_whitespace().nth(1)?.parse().ok()
}

/// What loading the full catalog costs: its time, and resident memory (MiB) at each step.
struct CatalogLoad {
    took: Duration,
    rows: usize,
    /// After opening the store.
    opened: f64,
    /// After reading every full record once without keeping anything: what sled holds.
    bodies_read: f64,
    /// The peak while building the catalog (Linux's VmHWM, reset first), and after it.
    peak: f64,
    after: f64,
}

/// Loads the full catalog as the reader's loader thread does, after reading every full record
/// once on its own, so the memory sled keeps for those reads shows apart from the catalog's.
fn catalog_load(dir: &Path) -> anyhow::Result<CatalogLoad> {
    let mib = |field| memory_kib(field).unwrap_or(f64::NAN) / 1024.0;
    let (store, _report) = open_or_recover(dir)?;
    let opened = mib("VmRSS:");
    store.for_each_paper(&mut |_paper| {})?;
    let bodies_read = mib("VmRSS:");
    // Writing 5 to clear_refs resets VmHWM to the current RSS (Linux 4.0+).
    let _ = std::fs::write("/proc/self/clear_refs", "5");
    let started = Instant::now();
    let catalog = full_catalog(&store, true)?;
    let took = started.elapsed();
    let peak = mib("VmHWM:");
    let after = mib("VmRSS:");
    let rows = catalog.rows.len();
    drop(catalog);
    Ok(CatalogLoad {
        took,
        rows,
        opened,
        bodies_read,
        peak,
        after,
    })
}

fn percentile(sorted: &[Duration], p: f64) -> f64 {
    let index = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted
        .get(index)
        .map_or(f64::NAN, |d| d.as_secs_f64() * 1e3)
}

/// Per word: a label with the hit count, every keystroke's time (sorted), and the slowest
/// keystroke's query so far.
type KeystrokeTimes = (String, Vec<Duration>, String);

fn keystrokes(dir: &Path, words: &[&str]) -> anyhow::Result<Vec<KeystrokeTimes>> {
    let store = Store::open(dir)?;
    let catalog = full_catalog(&store, true)?;
    let mut app = App::new(
        Keymap::defaults()?,
        catalog,
        chrono::Utc::now(),
        (160, 48),
        120,
    );
    // Switch to the All view (3, then the digit timeout), so the filter runs over everything.
    update(
        &mut app,
        Msg::Key(KeyEvent::new(KeyCode::Char('3'), KeyModifiers::NONE)),
    );
    update(&mut app, Msg::KeyTimeout);
    let mut results = Vec::new();
    for word in words {
        let mut times = Vec::new();
        let mut slowest = (Duration::ZERO, String::new());
        for _ in 0..5 {
            update(
                &mut app,
                Msg::Key(KeyEvent::new(KeyCode::Char('/'), KeyModifiers::NONE)),
            );
            for (typed, c) in word.char_indices() {
                let started = Instant::now();
                update(
                    &mut app,
                    Msg::Key(KeyEvent::new(KeyCode::Char(c), KeyModifiers::NONE)),
                );
                let took = started.elapsed();
                if took > slowest.0 {
                    slowest = (took, word[..typed + c.len_utf8()].to_string());
                }
                times.push(took);
            }
            update(
                &mut app,
                Msg::Key(KeyEvent::new(KeyCode::Esc, KeyModifiers::NONE)),
            );
        }
        times.sort();
        results.push((
            format!("{word} ({} hits)", hits(&mut app, word)),
            times,
            slowest.1,
        ));
    }
    Ok(results)
}

fn hits(app: &mut App, word: &str) -> usize {
    update(
        app,
        Msg::Key(KeyEvent::new(KeyCode::Char('/'), KeyModifiers::NONE)),
    );
    for c in word.chars() {
        update(
            app,
            Msg::Key(KeyEvent::new(KeyCode::Char(c), KeyModifiers::NONE)),
        );
    }
    let count = app.visible.len();
    update(
        app,
        Msg::Key(KeyEvent::new(KeyCode::Esc, KeyModifiers::NONE)),
    );
    count
}

fn main() -> anyhow::Result<()> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let catalog = args.iter().any(|a| a == "--catalog");
    let keys = !args.iter().any(|a| a == "--no-keys");
    let mut sizes: Vec<usize> = args
        .iter()
        .filter_map(|a| a.replace('_', "").parse().ok())
        .collect();
    if sizes.is_empty() {
        sizes = vec![10_000, 100_000];
    }
    for count in sizes {
        let dir = store_dir(count)?;
        // One start to warm the page cache, as the second start of a day would be.
        first_frame(&dir)?;
        let mut frames: Vec<FirstFrame> = (0..15)
            .map(|_| first_frame(&dir))
            .collect::<anyhow::Result<_>>()?;
        let mut totals: Vec<Duration> = frames.iter().map(FirstFrame::total).collect();
        totals.sort();
        let median_of = |part: fn(&FirstFrame) -> Duration, frames: &mut Vec<FirstFrame>| {
            frames.sort_by_key(part);
            frames
                .get(frames.len() / 2)
                .map_or(f64::NAN, |f| part(f).as_secs_f64() * 1e3)
        };
        let open = median_of(|f| f.open, &mut frames);
        let read = median_of(|f| f.read, &mut frames);
        let draw = median_of(|f| f.render, &mut frames);
        println!(
            "{count:>9} papers  first frame (open store + latest day + render 160x48): \
             p50 {:.1} ms  min {:.1}  max {:.1}  (p50 of parts: open {open:.1}, read {read:.1}, \
             render {draw:.1})",
            percentile(&totals, 0.5),
            percentile(&totals, 0.0),
            percentile(&totals, 1.0)
        );
        if catalog {
            let load = catalog_load(&dir)?;
            println!(
                "{count:>9} papers  full catalog ({} rows, abstracts, text index): {:.0} ms; \
                 RSS {:.0} MiB after opening the store, {:.0} MiB after sled has read every \
                 record, peak {:.0} MiB while building, {:.0} MiB with the catalog held",
                load.rows,
                load.took.as_secs_f64() * 1e3,
                load.opened,
                load.bodies_read,
                load.peak,
                load.after
            );
        }
        if keys {
            for (word, times, slowest) in
                keystrokes(&dir, &["transformer", "quasicrystal", "sparse mixture"])?
            {
                println!(
                    "{count:>9} papers  filter keystroke, typing {word}: p50 {:.2} ms  \
                     p99 {:.2} ms  max {:.2} ms (at `{slowest}`)",
                    percentile(&times, 0.5),
                    percentile(&times, 0.99),
                    percentile(&times, 1.0)
                );
            }
        }
    }
    Ok(())
}
