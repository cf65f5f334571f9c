//! Ingest benchmark: a synthetic feed (../shared/bench/gen_feeds.py) streamed from a file through
//! the generic feed source's parser into an empty store, batch by batch, with `ingest_body` as
//! `paperboat sync` does it; prints wall and CPU time, peak memory and the store's size on disk. Run: `cargo bench --bench ingest -- FEED.rss [FEED.atom …]` (see BENCHMARKS.md).
//! A `.json` file is read as a Hugging Face daily_papers response; `--parse-only` stops after
//! parsing and normalising (nothing is stored).

use std::io::BufReader;
use std::path::{Path, PathBuf};
use std::time::Instant;

use anyhow::Context as _;
use paperboat::source::feed::FeedSource;
use paperboat::source::hf_daily::HfDailySource;
use paperboat::source::{Declared, Source};
use paperboat::store::Store;
use paperboat::sync::ingest_body;

/// The allocator the `paperboat` binary ships with (src/main.rs), so memory and time match it.
#[cfg(not(target_env = "msvc"))]
#[global_allocator]
static GLOBAL: tikv_jemallocator::Jemalloc = tikv_jemallocator::Jemalloc;

fn peak_rss_mib() -> Option<f64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    let kib: f64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kib / 1024.0)
}

/// User + system CPU seconds of this process so far (Linux clock ticks are 1/100 s).
fn cpu_seconds() -> Option<f64> {
    let stat = std::fs::read_to_string("/proc/self/stat").ok()?;
    let after_name = &stat[stat.rfind(')')? + 2..];
    let fields: Vec<&str> = after_name.split_whitespace().collect();
    let user: f64 = fields.get(11)?.parse().ok()?;
    let system: f64 = fields.get(12)?.parse().ok()?;
    Some((user + system) / 100.0)
}

fn main() -> anyhow::Result<()> {
    // cargo passes `--bench`; the feed paths are the arguments that are not flags.
    let parse_only = std::env::args().any(|a| a == "--parse-only");
    let feeds: Vec<PathBuf> = std::env::args()
        .skip(1)
        .filter(|a| !a.starts_with("--"))
        .map(PathBuf::from)
        .collect();
    if feeds.is_empty() {
        eprintln!(
            "usage: cargo bench --bench ingest -- [--parse-only] FEED.rss [FEED.atom FEED.json …]"
        );
        return Ok(());
    }
    for feed in feeds {
        ingest(&feed, parse_only)?;
    }
    Ok(())
}

fn ingest(feed: &Path, parse_only: bool) -> anyhow::Result<()> {
    let dir = std::env::temp_dir().join(format!("paperboat-ingest-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    let today = chrono::Utc::now().date_naive();
    let url = format!("file://{}", feed.display());
    let source: Box<dyn Source> = if feed.extension().is_some_and(|e| e == "json") {
        Box::new(HfDailySource::new(&url, 0, None))
    } else {
        Box::new(FeedSource::new("bench", &url))
    };
    let request = source
        .requests(today)
        .into_iter()
        .next()
        .context("the source made no request")?;

    let cpu_before = cpu_seconds().unwrap_or(f64::NAN);
    let start = Instant::now();
    let file =
        std::fs::File::open(feed).with_context(|| format!("cannot read {}", feed.display()))?;
    let mut body = BufReader::with_capacity(256 * 1024, file);
    if parse_only {
        let mut count = 0;
        source
            .parse_stream(&request, &mut body, &mut |papers| {
                count += papers.len();
                Ok(())
            })
            .context("parse failed")?;
        println!("feed            {}", feed.display());
        println!("papers          {count} parsed, not stored (--parse-only)");
        report(
            start.elapsed(),
            cpu_seconds().unwrap_or(f64::NAN) - cpu_before,
        );
        return Ok(());
    }
    let store = Store::open(&dir.join("data"))?;
    let day = request.day.unwrap_or(today);
    let (outcome, _report) = ingest_body(
        source.as_ref(),
        &request,
        &Declared::default(),
        &mut body,
        &store,
        day,
    )
    .context("ingest failed")?;
    let count = store.paper_count()?;
    drop(store);
    let total = start.elapsed();
    let cpu = cpu_seconds().unwrap_or(f64::NAN) - cpu_before;
    let disk = dir_size(&dir);
    let _ = std::fs::remove_dir_all(&dir);

    println!("feed            {}", feed.display());
    println!("papers          {count} ({} new)", outcome.new);
    report(total, cpu);
    println!(
        "store on disk   {:>8.1} MiB",
        disk as f64 / (1024.0 * 1024.0)
    );
    Ok(())
}

fn report(wall: std::time::Duration, cpu: f64) {
    println!("total wall      {:>8.1} ms", wall.as_secs_f64() * 1e3);
    println!("CPU user+sys    {:>8.1} ms", cpu * 1e3);
    println!(
        "peak RSS        {:>8.1} MiB",
        peak_rss_mib().unwrap_or(f64::NAN)
    );
}

fn dir_size(dir: &Path) -> u64 {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return 0;
    };
    entries
        .flatten()
        .map(|e| match e.metadata() {
            Ok(m) if m.is_dir() => dir_size(&e.path()),
            Ok(m) => m.len(),
            Err(_) => 0,
        })
        .sum()
}
