//! Reader benchmark: time from opening the store to the first frame (TestBackend, 160×48) at
//! several cache sizes, and the work of one filter keystroke at those sizes.
//! Run: `cargo bench --bench reader -- 10000 100000` (sizes; see BENCHMARKS.md).

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use chrono::NaiveDate;
use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use paperboat::app::runtime::{first_catalog, full_catalog};
use paperboat::app::{App, Msg, update};
use paperboat::keymap::Keymap;
use paperboat::store::Store;
use paperboat::ui::{Theme, render};
use ratatui::Terminal;
use ratatui::backend::TestBackend;

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

fn first_frame(dir: &Path) -> anyhow::Result<Duration> {
    let started = Instant::now();
    let store = Store::open(dir)?;
    let catalog = first_catalog(&store)?;
    let now = chrono::Utc::now();
    let app = App::new(Keymap::defaults()?, catalog, now, (160, 48), 120);
    let mut terminal = Terminal::new(TestBackend::new(160, 48))?;
    terminal.draw(|f| render(f, &app, &Theme { color: true }))?;
    Ok(started.elapsed())
}

fn percentile(sorted: &[Duration], p: f64) -> f64 {
    let index = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted
        .get(index)
        .map_or(f64::NAN, |d| d.as_secs_f64() * 1e3)
}

fn keystrokes(dir: &Path, words: &[&str]) -> anyhow::Result<Vec<(String, Vec<Duration>)>> {
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
        for _ in 0..5 {
            update(
                &mut app,
                Msg::Key(KeyEvent::new(KeyCode::Char('/'), KeyModifiers::NONE)),
            );
            for c in word.chars() {
                let started = Instant::now();
                update(
                    &mut app,
                    Msg::Key(KeyEvent::new(KeyCode::Char(c), KeyModifiers::NONE)),
                );
                times.push(started.elapsed());
            }
            update(
                &mut app,
                Msg::Key(KeyEvent::new(KeyCode::Esc, KeyModifiers::NONE)),
            );
        }
        times.sort();
        results.push((format!("{word} ({} hits)", hits(&mut app, word)), times));
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
    let mut sizes: Vec<usize> = std::env::args()
        .skip(1)
        .filter_map(|a| a.replace('_', "").parse().ok())
        .collect();
    if sizes.is_empty() {
        sizes = vec![10_000, 100_000];
    }
    for count in sizes {
        let dir = store_dir(count)?;
        let mut frames: Vec<Duration> = (0..15)
            .map(|_| first_frame(&dir))
            .collect::<anyhow::Result<_>>()?;
        frames.sort();
        println!(
            "{count:>9} papers  first frame (open store + latest day + render 160x48): \
             p50 {:.1} ms  min {:.1}  max {:.1}",
            percentile(&frames, 0.5),
            percentile(&frames, 0.0),
            percentile(&frames, 1.0)
        );
        for (word, times) in keystrokes(&dir, &["transformer", "quasicrystal", "sparse mixture"])? {
            println!(
                "{count:>9} papers  filter keystroke, typing {word}: p50 {:.2} ms  p99 {:.2} ms  max {:.2} ms",
                percentile(&times, 0.5),
                percentile(&times, 0.99),
                percentile(&times, 1.0)
            );
        }
    }
    Ok(())
}
