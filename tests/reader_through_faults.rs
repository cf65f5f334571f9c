//! The reader through a sync that fails in every way the data core knows (404, 500, 429,
//! timeout, truncated body, oversized body, malformed JSON): the real `Reader` (TestBackend,
//! inline effects) drives the real sync task against a loopback server whose behaviour the test
//! switches. After each failure the reader still moves, stars and shows the cached papers, the
//! status bar names the error, and when the server answers again the next sync recovers.

use std::io::{BufRead, BufReader, Write};
use std::net::{TcpListener, TcpStream};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use chrono::{DateTime, NaiveDate, TimeZone, Utc};
use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use paperboat::app::catalog::first_catalog;
use paperboat::app::{App, Msg};
use paperboat::clock::Clock;
use paperboat::keymap::Keymap;
use paperboat::model::PaperId;
use paperboat::reader::{EffectRunner, Reader};
use paperboat::source::Source;
use paperboat::source::hf_daily::HfDailySource;
use paperboat::store::Store;
use paperboat::sync::{SyncEvent, SyncHandle, SyncSettings, spawn};
use paperboat::ui::Theme;
use ratatui::Terminal;
use ratatui::backend::TestBackend;

const MAX_BODY: u64 = 64 * 1024;

fn now() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2025, 4, 30, 12, 0, 0).unwrap()
}

fn today() -> NaiveDate {
    now().date_naive()
}

/// What the server does with the next request.
#[derive(Debug, Clone)]
enum Mode {
    Ok(String),
    Status(u16, &'static str),
    /// 429 without Retry-After: the backoff decides (zero in this test).
    TooMany,
    /// Answers only after the client's timeout has passed.
    Silent,
    /// Promises more bytes than it sends, then hangs up.
    Truncated,
    /// A body over the client's size cap.
    Oversized,
    Malformed,
}

/// A loopback HTTP server whose answer the test switches between syncs.
struct SwitchServer {
    url: String,
    mode: Arc<Mutex<Mode>>,
}

impl SwitchServer {
    fn start(mode: Mode) -> SwitchServer {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let url = format!("http://{}", listener.local_addr().unwrap());
        let mode = Arc::new(Mutex::new(mode));
        let shared = Arc::clone(&mode);
        std::thread::spawn(move || {
            for stream in listener.incoming().flatten() {
                let mode = shared.lock().unwrap().clone();
                std::thread::spawn(move || answer(stream, mode));
            }
        });
        SwitchServer { url, mode }
    }

    fn set(&self, mode: Mode) {
        *self.mode.lock().unwrap() = mode;
    }
}

fn answer(mut stream: TcpStream, mode: Mode) {
    let mut reader = BufReader::new(stream.try_clone().unwrap());
    let mut line = String::new();
    while reader.read_line(&mut line).is_ok_and(|n| n > 0) {
        if line == "\r\n" {
            break;
        }
        line.clear();
    }
    let respond = |stream: &mut TcpStream, status: &str, extra: &str, body: &[u8]| {
        let head = format!(
            "HTTP/1.1 {status}\r\nContent-Type: application/json\r\nContent-Length: {}\r\n\
             Connection: close\r\n{extra}\r\n",
            body.len()
        );
        let _ = stream.write_all(head.as_bytes());
        let _ = stream.write_all(body);
    };
    match mode {
        Mode::Ok(body) => respond(&mut stream, "200 OK", "", body.as_bytes()),
        Mode::Status(code, reason) => {
            respond(&mut stream, &format!("{code} {reason}"), "", b"oops")
        }
        Mode::TooMany => respond(&mut stream, "429 Too Many Requests", "", b"slow down"),
        Mode::Silent => {
            // Longer than the client's total timeout (1 s); the client gives up first.
            std::thread::sleep(Duration::from_secs(5));
            respond(&mut stream, "200 OK", "", b"[]");
        }
        Mode::Truncated => {
            let body = hf_body(&["2504.00077"]);
            let head = format!(
                "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: {}\r\n\
                 Connection: close\r\n\r\n",
                body.len() + 1000
            );
            let _ = stream.write_all(head.as_bytes());
            let _ = stream.write_all(&body.as_bytes()[..body.len() / 2]);
        }
        Mode::Oversized => {
            let ids: Vec<String> = (0..400)
                .map(|n| format!("2504.{:05}", 50_000 + n))
                .collect();
            let ids: Vec<&str> = ids.iter().map(String::as_str).collect();
            let body = hf_body(&ids);
            assert!(body.len() as u64 > MAX_BODY);
            respond(&mut stream, "200 OK", "", body.as_bytes());
        }
        Mode::Malformed => respond(&mut stream, "200 OK", "", br#"[{"paper": {"id": "#),
    }
    let _ = stream.flush();
}

fn hf_item(id: &str) -> String {
    format!(
        r#"{{"paper":{{"id":"{id}","authors":[{{"name":"Ada Lovelace"}}],
        "publishedAt":"2025-04-29T00:00:00.000Z","submittedOnDailyAt":"2025-04-30T00:00:00.000Z",
        "title":"Paper {id} on resilient syncing","summary":"An abstract for {id}.",
        "upvotes":3}},"numComments":1}}"#
    )
}

fn hf_body(ids: &[&str]) -> String {
    let items: Vec<String> = ids.iter().map(|id| hf_item(id)).collect();
    format!("[{}]", items.join(","))
}

fn settings() -> SyncSettings {
    SyncSettings {
        connect_timeout: Duration::from_secs(5),
        total_timeout: Duration::from_secs(1),
        max_body_bytes: MAX_BODY,
        // No wait between failures: each phase's asked-for sync must really fetch.
        backoff_base: Duration::ZERO,
        backoff_max: Duration::ZERO,
        // No periodic sync: only the reader's `r` starts one.
        interval: Duration::ZERO,
        ..SyncSettings::default()
    }
}

struct Session {
    reader: Reader<TestBackend>,
    events: tokio::sync::mpsc::Receiver<SyncEvent>,
    store: Store,
}

impl Session {
    fn press(&mut self, keys: &str) {
        for c in keys.chars() {
            self.reader.handle(Msg::Key(KeyEvent::new(
                KeyCode::Char(c),
                KeyModifiers::NONE,
            )));
        }
    }

    fn screen(&mut self) -> String {
        self.reader.draw().unwrap();
        self.reader.terminal.backend().to_string()
    }

    /// Presses `r` and feeds the sync task's events to the reader until the round finishes.
    /// Between events the user keeps reading: moving, starring, drawing.
    async fn sync_round(&mut self) -> SyncEvent {
        self.press("r");
        loop {
            let event = tokio::time::timeout(Duration::from_secs(60), self.events.recv())
                .await
                .expect("the sync round finishes")
                .expect("the sync task is alive");
            self.reader.handle(Msg::Sync(event.clone()));
            self.press("jk");
            let _ = self.screen();
            if matches!(event, SyncEvent::Finished { .. }) {
                return event;
            }
        }
    }

    fn selected(&self) -> PaperId {
        self.reader.app.selected_id.clone().unwrap()
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_reader_keeps_working_through_every_sync_failure_and_recovers() {
    let server = SwitchServer::start(Mode::Ok(hf_body(&["2504.00001", "2504.00002"])));
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(&dir.path().join("data")).unwrap();
    let sources: Vec<Arc<dyn Source>> =
        vec![Arc::new(HfDailySource::new(&server.url, 1, Some(today())))];
    let SyncHandle {
        commands,
        events,
        task,
    } = spawn(store.clone(), sources, settings(), Clock::Fixed(now()));
    let app = App::new(
        Keymap::defaults().unwrap(),
        first_catalog(&store).unwrap(),
        now(),
        (240, 30),
        120,
    );
    let mut runner = EffectRunner::new(store.clone(), true, Box::new(std::io::sink()));
    runner.sync_commands = Some(commands.clone());
    let reader = Reader {
        terminal: Terminal::new(TestBackend::new(240, 30)).unwrap(),
        app,
        runner,
        theme: Theme { color: false },
    };
    let mut session = Session {
        reader,
        events,
        store: store.clone(),
    };
    // The first sync fills the cache.
    let finished = session.sync_round().await;
    assert_eq!(
        finished,
        SyncEvent::Finished {
            succeeded: 1,
            failed: 0
        }
    );
    let screen = session.screen();
    assert!(screen.contains("Paper 2504.00001"), "{screen}");
    assert!(screen.contains("synced"), "{screen}");

    let failures: Vec<(Mode, &str)> = vec![
        (Mode::Status(404, "Not Found"), "HTTP 404 Not Found"),
        (
            Mode::Status(500, "Internal Server Error"),
            "HTTP 500 Internal Server Error",
        ),
        (Mode::TooMany, "HTTP 429"),
        (Mode::Silent, "no complete answer"),
        (Mode::Truncated, "cut off"),
        (Mode::Oversized, "larger than the limit"),
        (Mode::Malformed, "malformed JSON"),
    ];
    for (mode, error) in failures {
        let what = format!("{mode:?}");
        server.set(mode);
        let finished = session.sync_round().await;
        assert_eq!(
            finished,
            SyncEvent::Finished {
                succeeded: 0,
                failed: 1
            },
            "{what}"
        );
        // The status bar says the sync failed and why.
        let screen = session.screen();
        assert!(screen.contains("sync failed"), "{what}: {screen}");
        assert!(
            screen.contains(error),
            "{what}: wants {error:?} in {screen}"
        );
        // The cached papers are still listed, and the reader still reads and writes.
        assert!(screen.contains("Paper 2504.00001"), "{what}: {screen}");
        assert!(screen.contains("Paper 2504.00002"), "{what}: {screen}");
        session.press("j");
        let id = session.selected();
        let starred = session.store.user_state(&id).unwrap().is_starred();
        session.press("s");
        assert_eq!(
            session.store.user_state(&id).unwrap().is_starred(),
            !starred,
            "{what}: a star still goes through to the store"
        );
        session.press("k");
        assert_eq!(session.reader.app.visible.len(), 2, "{what}");
        assert!(!session.reader.app.quit);
    }

    // The server is back, with one more paper: the next sync recovers and shows it.
    server.set(Mode::Ok(hf_body(&[
        "2504.00001",
        "2504.00002",
        "2504.00003",
    ])));
    let finished = session.sync_round().await;
    assert_eq!(
        finished,
        SyncEvent::Finished {
            succeeded: 1,
            failed: 0
        }
    );
    let screen = session.screen();
    assert!(!screen.contains("sync failed"), "{screen}");
    assert!(screen.contains("synced"), "{screen}");
    assert!(screen.contains("Paper 2504.00003"), "{screen}");
    let state = session
        .store
        .feed_state(&paperboat::model::SourceId::hf())
        .unwrap();
    assert_eq!(state.consecutive_failures, 0);
    assert!(state.last_error.is_none());

    let _ = commands.send(paperboat::sync::SyncCommand::Shutdown).await;
    let _ = tokio::time::timeout(Duration::from_secs(10), task).await;
}
