//! Full-text benchmark (issue #13): a generated ~300 KB / 100-page Markdown paper opened from
//! the cache at 80×24 and 160×48 (from the `f` key: read + decompress, parse, lay out the
//! first screens, draw), the rest laid out, scrolled a line at a time and resized; `full:`
//! queries over 1,000 cached full texts (the index built as the loader builds it); and the
//! first frame at 100k papers with and without 1,000 full texts cached.
//! Run: `cargo bench --bench fulltext -- [--open-only] [--skip-first-frame] [PAPERS]`
//! (default 100000; `--open-only` runs only the first part).

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use chrono::NaiveDate;
use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use paperboat::app::catalog::{first_catalog, full_catalog};
use paperboat::app::fulltext::{FirstLines, LoadedFullText};
use paperboat::app::{App, Effect, Msg, update};
use paperboat::keymap::Keymap;
use paperboat::model::PaperId;
use paperboat::source::fulltext::FullTextFormat;
use paperboat::store::{Store, StoredFullText, open_or_recover};
use paperboat::text::doc::Anchor;
use paperboat::ui::{Theme, render};
use ratatui::Terminal;
use ratatui::backend::TestBackend;

const PER_DAY: usize = 200;
const FULL_TEXTS: usize = 1_000;

fn newest_day() -> NaiveDate {
    NaiveDate::from_ymd_opt(2025, 6, 30).unwrap_or_default()
}

/// Deterministic words, so each generated paper differs and the index has a real vocabulary.
struct Words(u64);

impl Words {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }

    fn word(&mut self) -> String {
        const COMMON: [&str; 24] = [
            "the",
            "model",
            "we",
            "of",
            "and",
            "training",
            "data",
            "attention",
            "layer",
            "loss",
            "results",
            "table",
            "figure",
            "learning",
            "experts",
            "routing",
            "tokens",
            "scaling",
            "diffusion",
            "sparse",
            "benchmark",
            "method",
            "in",
            "to",
        ];
        let n = self.next();
        if n.is_multiple_of(4) {
            // A long tail of rarer words.
            format!("w{}", n % 20_000)
        } else {
            COMMON[(n % COMMON.len() as u64) as usize].to_string()
        }
    }
}

/// A Markdown paper of about `bytes`, with sections, lists, tables, math and links.
fn generated_paper(seed: u64, bytes: usize) -> String {
    let mut words = Words(seed.wrapping_mul(2_654_435_761).max(1));
    let mut out = String::from("# A generated paper on sparse experts\n\n");
    let mut section = 0;
    while out.len() < bytes {
        section += 1;
        out.push_str(&format!("## {section} Section {section}\n\n"));
        for paragraph in 0..6 {
            let sentence: Vec<String> = (0..60).map(|_| words.word()).collect();
            out.push_str(&sentence.join(" "));
            out.push_str(&format!(
                " with $\\alpha_{paragraph} + \\beta$ and [a link](https://example.org/{section}).\n\n"
            ));
        }
        out.push_str("- first point about routing\n- second point about scaling\n\n");
        out.push_str("| model | params | score |\n|---|---|---|\n");
        for row in 0..4 {
            out.push_str(&format!(
                "| m{row} | {}B | {}.{} |\n",
                row * 7 + 1,
                60 + row,
                row
            ));
        }
        out.push('\n');
    }
    out
}

fn percentile(sorted: &[Duration], p: f64) -> f64 {
    if sorted.is_empty() {
        return 0.0;
    }
    let at = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[at.min(sorted.len() - 1)].as_secs_f64() * 1e3
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1e3
}

/// What `f` asked the effect runner for: the width, the first lines, the place to reach.
fn load_request(effects: &[Effect]) -> anyhow::Result<(u16, usize, Option<Anchor>)> {
    effects
        .iter()
        .find_map(|effect| match effect {
            Effect::LoadFullText {
                width,
                lines,
                anchor,
                ..
            } => Some((*width, *lines, *anchor)),
            _ => None,
        })
        .ok_or_else(|| anyhow::anyhow!("f asked for no full text"))
}

/// Opening one cached 300 KB paper and scrolling it, in a reader at each size.
fn open_and_scroll() -> anyhow::Result<()> {
    let dir = tempfile::tempdir()?;
    let store = Store::open(dir.path())?;
    let papers: Vec<_> = paperboat::synth::papers(50, 50, newest_day()).collect();
    store.apply(papers, newest_day())?;
    // The paper `f` opens: the one selected at start.
    let start = App::new(
        Keymap::defaults()?,
        first_catalog(&store)?,
        chrono::Utc::now(),
        (80, 24),
        120,
    );
    let id = start
        .selected_row()
        .map(|row| row.id.clone())
        .ok_or_else(|| anyhow::anyhow!("nothing selected"))?;
    let text = generated_paper(1, 300 * 1024);
    store.put_full_text(
        &id,
        &StoredFullText {
            format: FullTextFormat::Markdown,
            url: "https://huggingface.co/papers/x.md".into(),
            fetched_at: chrono::Utc::now(),
            text,
        },
    )?;
    println!("load average before: {}", load_average());
    for size in [(80u16, 24u16), (160, 48)] {
        open_at(&store, &id, size)?;
    }
    println!("load average after: {}", load_average());
    Ok(())
}

fn load_average() -> String {
    std::fs::read_to_string("/proc/loadavg")
        .map(|s| s.split_whitespace().take(3).collect::<Vec<_>>().join(" "))
        .unwrap_or_else(|_| "?".into())
}

/// From the `f` key to the drawn frame, as the reader does it: the effect's cache read, parse
/// and first lines (off the UI thread in the reader), `update` with the result and the draw.
/// Then the rest of the layout (background) and its arrival; then scrolling and resizes.
fn open_at(store: &Store, id: &PaperId, (columns, rows): (u16, u16)) -> anyhow::Result<()> {
    let theme = Theme { color: true };
    let mut opens = Vec::new();
    let mut parts = [Duration::ZERO; 4];
    let mut size = 0;
    let mut lines = 0;
    let mut app_kept = None;
    let runs = 15;
    for _ in 0..runs {
        let catalog = first_catalog(store)?;
        let mut app = App::new(
            Keymap::defaults()?,
            catalog,
            chrono::Utc::now(),
            (columns, rows),
            120,
        );
        let mut terminal = Terminal::new(TestBackend::new(columns, rows))?;
        let started = Instant::now();
        let effects = update(&mut app, key('f'));
        let (width, first_lines, anchor) = load_request(&effects)?;
        let cached = store
            .full_text(id)?
            .ok_or_else(|| anyhow::anyhow!("not cached"))?;
        let read = started.elapsed();
        size = cached.text.len();
        let first = FirstLines {
            width,
            lines: first_lines,
            anchor,
        };
        // The first part goes to the UI thread and is drawn; the rest is parsed and laid out
        // after it (in the reader, on the background thread while the frame shows).
        let mut drawn = Ok(());
        let mut laid_out = Duration::ZERO;
        let rest = LoadedFullText::in_steps(&cached, first, false, &mut |loaded| {
            laid_out = started.elapsed();
            let _ = update(
                &mut app,
                Msg::FullTextLoaded {
                    id: id.clone(),
                    result: Ok(loaded),
                },
            );
            drawn = terminal.draw(|f| render(f, &app, &theme)).map(|_| ());
            opens.push(started.elapsed());
        });
        let rest_done = started.elapsed();
        drawn?;
        let shown = app.fulltext.open.as_ref().and_then(|view| view.rendered());
        anyhow::ensure!(shown.is_some(), "the full text is not on screen");
        let first_frame = opens.last().copied().unwrap_or_default();
        parts[2] += rest_done - first_frame;
        let (doc, whole) = rest.ok_or_else(|| anyhow::anyhow!("laid out in one part"))?;
        lines = whole.lines.len();
        let arrived = Instant::now();
        let _ = update(
            &mut app,
            Msg::FullTextLaidOut {
                id: id.clone(),
                rendered: Box::new(whole),
                doc: Some(doc),
            },
        );
        parts[3] += arrived.elapsed();
        anyhow::ensure!(
            app.fulltext.open.as_ref().is_some_and(|v| v.is_complete()),
            "the whole layout was not taken"
        );
        parts[0] += read;
        parts[1] += laid_out - read;
        app_kept = Some((app, terminal));
    }
    opens.sort();
    println!(
        "open a cached {} KB / {lines}-line full text, {columns}x{rows}: first frame median \
         {:.2} ms, p99 {:.2} ms (read+decompress {:.2} ms, parse + lay out the first {} lines \
         {:.2} ms); the rest parsed and laid out in {:.2} ms in the background, taken in \
         {:.3} ms on the UI thread",
        size / 1024,
        percentile(&opens, 0.5),
        percentile(&opens, 0.99),
        ms(parts[0] / runs),
        2 * usize::from(rows),
        ms(parts[1] / runs),
        ms(parts[2] / runs),
        ms(parts[3] / runs),
    );
    let Some((mut app, mut terminal)) = app_kept else {
        return Ok(());
    };
    let mut steps = Vec::new();
    let before = app.fulltext.open.as_ref().map_or(0, |view| view.scroll);
    for step in 0..400 {
        let started = Instant::now();
        let code = if step % 50 == 49 { '}' } else { 'j' };
        let _ = update(&mut app, key(code));
        terminal.draw(|f| render(f, &app, &theme))?;
        steps.push(started.elapsed());
    }
    let after = app.fulltext.open.as_ref().map_or(0, |view| view.scroll);
    anyhow::ensure!(
        after > before + 350,
        "the text did not scroll ({before} → {after})"
    );
    steps.sort();
    println!(
        "  scroll step (j, or }} every 50th) + draw: median {:.3} ms, p99 {:.3} ms, max {:.3} ms",
        percentile(&steps, 0.5),
        percentile(&steps, 0.99),
        percentile(&steps, 1.0)
    );
    // A resize: `update` asks for a layout (UI thread), the layout runs in the background,
    // and its arrival is taken (UI thread) with the same block on top.
    let mut on_ui = Vec::new();
    let mut parts_ui = Vec::new();
    let mut in_background = Vec::new();
    for width in [columns + 20, columns, columns + 40, columns] {
        terminal.resize(ratatui::layout::Rect::new(0, 0, width, rows))?;
        let block_before = app
            .fulltext
            .open
            .as_ref()
            .and_then(|v| v.rendered().map(|r| r.anchor_at(v.scroll).block));
        let started = Instant::now();
        let effects = update(&mut app, Msg::Resize(width, rows));
        terminal.draw(|f| render(f, &app, &theme))?;
        let asked = started.elapsed();
        let mut ui = asked;
        let Some((doc, new_width)) = effects.into_iter().find_map(|effect| match effect {
            Effect::LayOutFullText { doc, width, .. } => Some((doc, width)),
            _ => None,
        }) else {
            anyhow::bail!("a resize asked for no layout");
        };
        let background = Instant::now();
        let rendered = paperboat::text::doc::render(&doc, new_width);
        in_background.push(background.elapsed());
        let arrived = Instant::now();
        let _ = update(
            &mut app,
            Msg::FullTextLaidOut {
                id: id.clone(),
                rendered: Box::new(rendered),
                doc: None,
            },
        );
        terminal.draw(|f| render(f, &app, &theme))?;
        // The reader frees the replaced layout off the UI thread.
        let retired = app.fulltext.take_retired();
        let taken = arrived.elapsed();
        ui += taken;
        drop(retired);
        parts_ui.push((asked, taken));
        on_ui.push(ui);
        let block_after = app
            .fulltext
            .open
            .as_ref()
            .and_then(|v| v.rendered().map(|r| r.anchor_at(v.scroll).block));
        anyhow::ensure!(
            block_before == block_after,
            "the resize lost the place ({block_before:?} → {block_after:?})"
        );
    }
    on_ui.sort();
    in_background.sort();
    let shown: Vec<String> = parts_ui
        .iter()
        .map(|(ask, take)| format!("{:.2}+{:.2}", ms(*ask), ms(*take)))
        .collect();
    println!(
        "  resize: ask+draw / take+draw each time (ms): {}",
        shown.join(", ")
    );
    println!(
        "  resize: UI thread (ask + draw, then take + draw) median {:.2} ms, max {:.2} ms; \
         layout in the background median {:.2} ms, max {:.2} ms",
        percentile(&on_ui, 0.5),
        percentile(&on_ui, 1.0),
        percentile(&in_background, 0.5),
        percentile(&in_background, 1.0)
    );
    Ok(())
}

fn key(c: char) -> Msg {
    Msg::Key(KeyEvent::new(KeyCode::Char(c), KeyModifiers::NONE))
}

/// `full:` over 1,000 cached full texts.
fn full_search() -> anyhow::Result<()> {
    let dir = tempfile::tempdir()?;
    let store = Store::open(dir.path())?;
    let papers: Vec<_> = paperboat::synth::papers(5_000, PER_DAY, newest_day()).collect();
    let ids: Vec<PaperId> = papers
        .iter()
        .take(FULL_TEXTS)
        .map(|p| p.id.clone())
        .collect();
    store.apply(papers, newest_day())?;
    let mut total = 0;
    for (n, id) in ids.iter().enumerate() {
        let text = generated_paper(n as u64 + 7, 40 * 1024);
        total += text.len();
        store.put_full_text(
            id,
            &StoredFullText {
                format: FullTextFormat::Markdown,
                url: String::new(),
                fetched_at: chrono::Utc::now(),
                text,
            },
        )?;
    }
    let started = Instant::now();
    let catalog = full_catalog(&store, true)?;
    let built = started.elapsed();
    println!(
        "indexed {FULL_TEXTS} full texts ({} MB of Markdown) with 5,000 papers in {:.1} s; \
         full-text index {:.1} MiB",
        total / 1_000_000,
        built.as_secs_f64(),
        catalog.full_text.heap_bytes() as f64 / (1024.0 * 1024.0)
    );
    let queries = [
        "full:routing",
        "full:w1234",
        "full:w12",
        "full:sparse full:experts",
        "full:\"attention layer\"",
        "full:diff",
        "routing",
        "has:fulltext",
    ];
    let today = newest_day();
    for query in queries {
        let parsed = paperboat::query::parse(query)?;
        let mut times = Vec::new();
        let mut hits = 0;
        for _ in 0..60 {
            let started = Instant::now();
            let corpus = catalog.corpus(today);
            let set = parsed.matching(&corpus);
            if let Some(set) = &set {
                hits = set.count();
                let _ = parsed.relevance(&corpus, set);
            }
            times.push(started.elapsed());
        }
        times.sort();
        println!(
            "  {query:<28} {hits:>5} hits  match+rank median {:.2} ms, p99 {:.2} ms",
            percentile(&times, 0.5),
            percentile(&times, 0.99)
        );
    }
    Ok(())
}

/// The first frame at `count` papers, with no full texts, then with 1,000 cached.
fn first_frames(count: usize) -> anyhow::Result<()> {
    let dir = std::env::temp_dir().join(format!("paperboat-bench-fulltext-{count}"));
    let _ = std::fs::remove_dir_all(&dir);
    build(&dir, count)?;
    let before = first_frame_times(&dir)?;
    {
        let store = Store::open(&dir)?;
        let ids: Vec<PaperId> = paperboat::synth::papers(FULL_TEXTS, PER_DAY, newest_day())
            .map(|p| p.id)
            .collect();
        for (n, id) in ids.iter().enumerate() {
            store.put_full_text(
                id,
                &StoredFullText {
                    format: FullTextFormat::Markdown,
                    url: String::new(),
                    fetched_at: chrono::Utc::now(),
                    text: generated_paper(n as u64 + 11, 60 * 1024),
                },
            )?;
        }
    }
    // Once more so sled writes its snapshot, as a daily start would see it.
    drop(Store::open(&dir)?);
    let after = first_frame_times(&dir)?;
    println!(
        "first frame at {count} papers (open + latest day + draw 160x48): median {:.1} ms \
         without full texts, {:.1} ms with {FULL_TEXTS} cached",
        before, after
    );
    let _ = std::fs::remove_dir_all(&dir);
    Ok(())
}

fn build(dir: &Path, count: usize) -> anyhow::Result<PathBuf> {
    let store = Store::open(dir)?;
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
    drop(Store::open(dir)?);
    Ok(dir.to_path_buf())
}

fn first_frame_times(dir: &Path) -> anyhow::Result<f64> {
    let mut times = Vec::new();
    for _ in 0..7 {
        let started = Instant::now();
        let (store, _) = open_or_recover(dir)?;
        let catalog = first_catalog(&store)?;
        let app = App::new(
            Keymap::defaults()?,
            catalog,
            chrono::Utc::now(),
            (160, 48),
            120,
        );
        let mut terminal = Terminal::new(TestBackend::new(160, 48))?;
        terminal.draw(|f| render(f, &app, &Theme { color: true }))?;
        times.push(started.elapsed());
        drop(store);
        // sled lets go of its file lock a moment after the drop.
        std::thread::sleep(Duration::from_millis(50));
    }
    times.sort();
    Ok(percentile(&times, 0.5))
}

fn main() -> anyhow::Result<()> {
    let args: Vec<String> = std::env::args()
        .skip(1)
        .filter(|a| a != "--bench")
        .collect();
    let skip_first_frame = args.iter().any(|a| a == "--skip-first-frame");
    let open_only = args.iter().any(|a| a == "--open-only");
    let papers = args
        .iter()
        .find_map(|a| a.parse::<usize>().ok())
        .unwrap_or(100_000);
    open_and_scroll()?;
    if open_only {
        return Ok(());
    }
    full_search()?;
    if !skip_first_frame {
        first_frames(papers)?;
    }
    Ok(())
}
