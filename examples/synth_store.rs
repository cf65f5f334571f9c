//! Fills a data dir with generated papers for benchmarks (`benches/morning.sh`): `DAYS` days of
//! `PER_DAY` papers from the project's synthetic generator (`paperboat::synth`), the newest
//! day being today (UTC), so the reader names them Today, Yesterday….
//!
//! Usage: cargo run --release --example synth_store -- DATA_DIR [PER_DAY] [DAYS]

use anyhow::Context as _;

fn main() -> anyhow::Result<()> {
    let mut args = std::env::args().skip(1);
    let dir = args
        .next()
        .context("usage: synth_store DATA_DIR [PER_DAY] [DAYS]")?;
    let per_day: usize = args.next().map_or(Ok(40), |a| a.parse())?;
    let days: usize = args.next().map_or(Ok(3), |a| a.parse())?;
    let today = chrono::Utc::now().date_naive();
    let store = paperboat::store::Store::open(std::path::Path::new(&dir))?;
    let papers: Vec<_> = paperboat::synth::papers(per_day * days, per_day, today).collect();
    for day in papers.chunk_by(|a, b| a.daily_date == b.daily_date) {
        let filed = day.first().and_then(|p| p.daily_date).unwrap_or(today);
        store.apply(day.to_vec(), filed)?;
    }
    println!("{} papers over {days} days in {dir}", per_day * days);
    Ok(())
}
