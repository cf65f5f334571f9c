//! Ingest benchmark: a synthetic RSS feed (../shared/bench/gen_feeds.py) parsed, normalised and
//! stored into an empty store, as `paperboat sync` does it; prints wall time per stage and the
//! process's peak memory. Run: `cargo bench --bench ingest -- FEED.rss` (see BENCHMARKS.md).

use std::path::PathBuf;
use std::time::Instant;

use anyhow::Context as _;
use paperboat::source::Source;
use paperboat::source::feed::FeedSource;
use paperboat::store::Store;

fn peak_rss_mib() -> Option<f64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    let kib: f64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kib / 1024.0)
}

fn main() -> anyhow::Result<()> {
    // cargo passes `--bench`; the feed path is the first argument that is not a flag.
    let Some(feed) = std::env::args()
        .skip(1)
        .find(|a| !a.starts_with("--"))
        .map(PathBuf::from)
    else {
        eprintln!("usage: cargo bench --bench ingest -- FEED.rss");
        return Ok(());
    };
    let dir = std::env::temp_dir().join(format!("paperboat-ingest-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    let today = chrono::Utc::now().date_naive();

    let start = Instant::now();
    let body = std::fs::read(&feed).with_context(|| format!("cannot read {}", feed.display()))?;
    let read = start.elapsed();
    let source = FeedSource::new("bench", &format!("file://{}", feed.display()));
    let request = source
        .requests(today)
        .into_iter()
        .next()
        .context("the feed source made no request")?;
    let papers = source.parse(&request, &body).context("parse failed")?;
    drop(body);
    let parsed = start.elapsed();
    let count = papers.len();
    let store = Store::open(&dir.join("data"))?;
    let outcome = store.apply(papers, today)?;
    let stored = start.elapsed();
    drop(store);
    let disk = dir_size(&dir);
    let _ = std::fs::remove_dir_all(&dir);

    println!("feed            {}", feed.display());
    println!("papers          {count} ({} new)", outcome.new);
    println!("read file       {:>8.1} ms", read.as_secs_f64() * 1e3);
    println!(
        "parse+normalise {:>8.1} ms",
        (parsed - read).as_secs_f64() * 1e3
    );
    println!(
        "store           {:>8.1} ms",
        (stored - parsed).as_secs_f64() * 1e3
    );
    println!("total wall      {:>8.1} ms", stored.as_secs_f64() * 1e3);
    println!(
        "peak RSS        {:>8.1} MiB",
        peak_rss_mib().unwrap_or(f64::NAN)
    );
    println!(
        "store on disk   {:>8.1} MiB",
        disk as f64 / (1024.0 * 1024.0)
    );
    Ok(())
}

fn dir_size(dir: &std::path::Path) -> u64 {
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
