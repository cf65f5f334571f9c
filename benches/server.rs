//! Server benchmark (issue #12): keystroke-to-redraw time of the reader (update + render on a
//! 160×48 TestBackend, as the event loop does it) while 50 clients are served over the socket,
//! against the same keystrokes with no client. Each client loops on a `list` with a query
//! (answered from the catalog snapshot on the runtime's blocking threads) and a `hello`.
//! Run: `cargo bench --bench server -- [PAPERS]` (default 20000; see BENCHMARKS.md).

use std::io::{BufRead, BufReader, Write};
use std::os::unix::net::UnixStream;
use std::path::Path;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::{Duration, Instant};

use chrono::NaiveDate;
use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use paperboat::app::catalog::full_catalog;
use paperboat::app::{App, Msg, update};
use paperboat::keymap::Keymap;
use paperboat::server::hub::{SyncHub, publish_if_full, snapshot_channel};
use paperboat::server::{Context, ServerSettings};
use paperboat::store::Store;
use paperboat::ui::{Theme, render};
use ratatui::Terminal;
use ratatui::backend::TestBackend;

const CLIENTS: usize = 50;
const KEYSTROKES: usize = 600;

fn main() -> anyhow::Result<()> {
    let count: usize = std::env::args()
        .skip(1)
        .find_map(|a| a.parse().ok())
        .unwrap_or(20_000);
    let dir = tempfile::tempdir()?;
    let store = build_store(dir.path(), count)?;
    let catalog = full_catalog(&store, true)?;
    eprintln!("{count} papers loaded");

    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()?;
    let mut claim = paperboat::ownership::claim(dir.path())?;
    let (snapshot_tx, snapshot_rx) = snapshot_channel();
    publish_if_full(&snapshot_tx, &catalog);
    let (inbox, mut inbox_rx) = tokio::sync::mpsc::unbounded_channel::<Msg>();
    let (sync_commands, _sync_rx) = tokio::sync::mpsc::channel(16);
    let server = runtime.block_on(async {
        // Nothing changes state here; the inbox is drained so it never grows.
        tokio::spawn(async move { while inbox_rx.recv().await.is_some() {} });
        paperboat::server::start(
            &mut claim,
            Context {
                store: store.clone(),
                config: paperboat::config::Config::default(),
                snapshot: snapshot_rx,
                inbox,
                sync: SyncHub::new(sync_commands),
                settings: ServerSettings::default(),
            },
            None,
        )
    })?;

    let mut app = App::new(
        Keymap::defaults()?,
        catalog,
        chrono::Utc::now(),
        (160, 48),
        120,
    );
    let mut terminal = Terminal::new(TestBackend::new(160, 48))?;
    let theme = Theme { color: true };

    let quiet = keystrokes(&mut app, &mut terminal, &theme)?;
    report("no client", &quiet, 0, Duration::ZERO);

    let stop = Arc::new(AtomicBool::new(false));
    let served = Arc::new(AtomicU64::new(0));
    let clients: Vec<_> = (0..CLIENTS)
        .map(|n| {
            let (socket, stop, served) = (server.path.clone(), stop.clone(), served.clone());
            std::thread::spawn(move || client(&socket, n, &stop, &served))
        })
        .collect();
    // Every client connected and answered once before timing starts.
    while served.load(Ordering::Relaxed) < CLIENTS as u64 {
        std::thread::sleep(Duration::from_millis(5));
    }
    let started = Instant::now();
    let before = served.load(Ordering::Relaxed);
    let busy = keystrokes(&mut app, &mut terminal, &theme)?;
    let elapsed = started.elapsed();
    let answered = served.load(Ordering::Relaxed) - before;
    stop.store(true, Ordering::Relaxed);
    for client in clients {
        let _ = client.join();
    }
    report("50 clients", &busy, answered, elapsed);
    drop(server);
    Ok(())
}

fn build_store(dir: &Path, count: usize) -> anyhow::Result<Store> {
    let store = Store::open(&dir.join("data"))?;
    let newest = NaiveDate::from_ymd_opt(2025, 6, 30).unwrap_or_default();
    let mut batch = Vec::with_capacity(10_000);
    for paper in paperboat::synth::papers(count, 200, newest) {
        batch.push(paper);
        if batch.len() == 10_000 {
            store.apply(std::mem::take(&mut batch), newest)?;
        }
    }
    if !batch.is_empty() {
        store.apply(batch, newest)?;
    }
    Ok(store)
}

/// Down and up through the list, a redraw after each key, as the event loop does.
fn keystrokes(
    app: &mut App,
    terminal: &mut Terminal<TestBackend>,
    theme: &Theme,
) -> anyhow::Result<Vec<Duration>> {
    let mut times = Vec::with_capacity(KEYSTROKES);
    for n in 0..KEYSTROKES {
        let code = if (n / 50).is_multiple_of(2) {
            KeyCode::Char('j')
        } else {
            KeyCode::Char('k')
        };
        let started = Instant::now();
        // Effects (a body load for the selected paper) are the runner's; not timed here.
        let _effects = update(app, Msg::Key(KeyEvent::new(code, KeyModifiers::NONE)));
        terminal.draw(|frame| render(frame, app, theme))?;
        times.push(started.elapsed());
    }
    Ok(times)
}

/// One client: a query listing and a hello, over and over on one connection.
fn client(socket: &Path, n: usize, stop: &AtomicBool, served: &AtomicU64) {
    let Ok(stream) = UnixStream::connect(socket) else {
        return;
    };
    let Ok(mut writer) = stream.try_clone() else {
        return;
    };
    let mut reader = BufReader::new(stream);
    let mut line = String::new();
    let mut id = 0u64;
    while !stop.load(Ordering::Relaxed) {
        id += 1;
        let request = if id.is_multiple_of(2) {
            format!("{{\"v\":1,\"id\":{id},\"method\":\"hello\"}}\n")
        } else {
            format!(
                "{{\"v\":1,\"id\":{id},\"method\":\"list\",\"params\":{{\"query\":\"model {}\",\"limit\":20}}}}\n",
                ["learning", "diffusion", "graph", "robot"][n % 4]
            )
        };
        if writer.write_all(request.as_bytes()).is_err() {
            return;
        }
        line.clear();
        match reader.read_line(&mut line) {
            Ok(0) | Err(_) => return,
            Ok(_) => {
                served.fetch_add(1, Ordering::Relaxed);
            }
        }
    }
}

fn report(label: &str, times: &[Duration], answered: u64, elapsed: Duration) {
    let mut sorted = times.to_vec();
    sorted.sort();
    let at = |q: f64| {
        let index = ((sorted.len() as f64 * q) as usize).min(sorted.len() - 1);
        sorted[index].as_secs_f64() * 1e3
    };
    let mut line = format!(
        "{label:>10}: keystroke+redraw p50 {:.2} ms, p99 {:.2} ms, max {:.2} ms",
        at(0.5),
        at(0.99),
        sorted.last().map_or(0.0, |d| d.as_secs_f64() * 1e3)
    );
    if answered > 0 {
        line.push_str(&format!(
            "; {answered} requests answered meanwhile ({:.0}/s)",
            answered as f64 / elapsed.as_secs_f64()
        ));
    }
    println!("{line}");
}
