//! Journal benchmark: the cost of a journaled star (append + fsync + store write), a start
//! with nothing to merge, a rebuild of a deleted store from a 10,000-line journal, merging
//! another machine's 10,000-line file, and compacting 10,000 lines.
//! Run: `cargo bench --bench journal` (the data dir is made under the temp dir).

use std::path::Path;
use std::time::{Duration, Instant};

use chrono::{DateTime, NaiveDate, Utc};
use paperboat::journal::{Change, JOURNAL_DIR, Journal, MACHINE_ID_FILE, PaperMeta};
use paperboat::model::{Paper, PaperId, SourceId};
use paperboat::store::{Store, open_or_recover};

const LINES: usize = 10_000;
const PAPERS: usize = 2_000;

fn id(n: usize) -> anyhow::Result<PaperId> {
    Ok(PaperId::parse_user(&format!("2607.{n:05}"))?)
}

fn at(secs: usize) -> DateTime<Utc> {
    DateTime::from_timestamp(1_780_000_000 + i64::try_from(secs).unwrap_or(0), 0)
        .unwrap_or_default()
}

fn paper(n: usize) -> anyhow::Result<Paper> {
    let mut paper = Paper::new(
        id(n)?,
        format!("A reasonably long paper title, number {n}, about sparse experts"),
        SourceId::hf(),
    );
    paper.daily_date = NaiveDate::from_ymd_opt(2026, 7, 13);
    paper.links.abs = Some(format!("https://arxiv.org/abs/2607.{n:05}"));
    paper.links.pdf = Some(format!("https://arxiv.org/pdf/2607.{n:05}"));
    Ok(paper)
}

/// `LINES` changes over `PAPERS` papers, every line with the paper's title and links.
fn write_journal(journal: &Journal) -> anyhow::Result<()> {
    let mut changes = Vec::with_capacity(LINES);
    for line in 0..LINES {
        let n = line % PAPERS;
        let change = match line / PAPERS {
            0 => Change::Star {
                starred_at: at(line),
            },
            1 => Change::Read,
            2 => Change::Note(format!("a note on paper {n}")),
            3 => Change::Unread,
            _ => Change::Read,
        };
        let meta = PaperMeta::of(&paper(n)?);
        changes.push((id(n)?, at(line), change, Some(meta)));
    }
    journal.append_all(changes)?;
    Ok(())
}

fn timed<T>(what: &str, run: impl FnOnce() -> anyhow::Result<T>) -> anyhow::Result<T> {
    let started = Instant::now();
    let value = run()?;
    println!("{what}: {:.1} ms", millis(started.elapsed()));
    Ok(value)
}

fn millis(duration: Duration) -> f64 {
    duration.as_secs_f64() * 1_000.0
}

fn fresh_dir(name: &str, machine: &str) -> anyhow::Result<std::path::PathBuf> {
    let dir = std::env::temp_dir().join(format!(
        "paperboat-bench-journal-{name}-{}",
        std::process::id()
    ));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir)?;
    std::fs::write(dir.join(MACHINE_ID_FILE), format!("{machine}\n"))?;
    Ok(dir)
}

fn stars(dir: &Path) -> anyhow::Result<()> {
    let store = Store::open(dir)?;
    store.apply(
        (0..100).map(paper).collect::<anyhow::Result<_>>()?,
        at(0).date_naive(),
    )?;
    let rounds = 200;
    let started = Instant::now();
    for round in 0..rounds {
        store.set_starred(&id(round % 100)?, round % 2 == 0, at(round))?;
    }
    let each = started.elapsed() / u32::try_from(rounds)?;
    println!(
        "journaled star or unstar of a cached paper (append + fsync + store flush): {:.2} ms",
        millis(each)
    );
    let journal = Journal::open(&dir.join("bare"));
    let started = Instant::now();
    for round in 0..rounds {
        journal.append(&id(round % 100)?, at(round), Change::Read, None)?;
    }
    let each = started.elapsed() / u32::try_from(rounds)?;
    println!(
        "journal append alone (write + fsync): {:.2} ms",
        millis(each)
    );
    Ok(())
}

fn main() -> anyhow::Result<()> {
    let dir = fresh_dir("stars", "alpha")?;
    stars(&dir)?;
    std::fs::remove_dir_all(&dir)?;

    // Rebuild of a deleted store from this machine's 10,000 lines.
    let dir = fresh_dir("rebuild", "alpha")?;
    write_journal(&Journal::open(&dir))?;
    let bytes = std::fs::metadata(dir.join(JOURNAL_DIR).join("alpha.jsonl"))?.len();
    println!("journal: {LINES} lines, {PAPERS} papers, {bytes} bytes");
    let (store, report) = timed("rebuild a deleted store from 10,000 lines", || {
        Ok(open_or_recover(&dir)?)
    })?;
    println!(
        "  restored {:?}, {} papers listed from the journal",
        report.recovery.map(|r| r.restored),
        report.merge.stubs
    );
    drop(store);
    timed(
        "first start after the rebuild (sled replays its log)",
        || Ok(open_or_recover(&dir)?),
    )?;
    timed("start with nothing to merge", || Ok(open_or_recover(&dir)?))?;
    timed("  Store::open alone, for comparison", || {
        Ok(Store::open(&dir)?)
    })?;
    timed("read and merge 10,000 lines (no store)", || {
        Ok(Journal::open(&dir).read()?.final_state())
    })?;

    // Another machine's 10,000 lines arrive.
    let other = fresh_dir("other", "beta")?;
    write_journal(&Journal::open(&other))?;
    std::fs::copy(
        other.join(JOURNAL_DIR).join("beta.jsonl"),
        dir.join(JOURNAL_DIR).join("beta.jsonl"),
    )?;
    timed("start merging another machine's 10,000 lines", || {
        Ok(open_or_recover(&dir)?)
    })?;
    let compaction = timed(
        "compact 10,000 lines",
        || Ok(Journal::open(&dir).compact()?),
    )?;
    println!("  {compaction:?}");
    std::fs::remove_dir_all(&dir)?;
    std::fs::remove_dir_all(&other)?;
    Ok(())
}
