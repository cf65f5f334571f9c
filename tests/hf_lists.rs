//! HF's ranked lists and paper search against loopback servers: a week spanning two months
//! fetched page by page through `Link: rel="next"`, trending kept in HF's order, a search with
//! no hits, a 429 with Retry-After holding the host for every later fetch, a query over 250
//! characters refused before anything is sent, `sync --week`'s lines, and the reader opening a
//! period view and a `?` search.

#[path = "support/reader.rs"]
mod reader;

use std::process::{Command, Output};
use std::time::Duration;

use chrono::{DateTime, NaiveDate, TimeZone, Utc};
use crossterm::event::KeyCode;
use paperboat::app::{HfView, View};
use paperboat::clock::Clock;
use paperboat::model::PaperId;
use paperboat::source::hf_lists::{HfList, SEARCH_KEY};
use paperboat::store::Store;
use paperboat::sync::{SyncCommand, SyncEvent, SyncHandle, SyncSettings, spawn};
use wiremock::matchers::{method, path, query_param};
use wiremock::{Mock, MockServer, ResponseTemplate};

fn now() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 1, 2, 12, 0, 0).unwrap()
}

fn id(text: &str) -> PaperId {
    PaperId::parse_user(text).unwrap()
}

/// One daily item listed on `day` with `upvotes`.
fn item(paper: &str, day: &str, upvotes: u32) -> String {
    format!(
        r#"{{"paper":{{"id":"{paper}","title":"Paper {paper}","summary":"About {paper}.",
        "authors":[{{"name":"Ada Lovelace"}}],"publishedAt":"{day}T00:00:00.000Z",
        "submittedOnDailyAt":"{day}T08:00:00.000Z","upvotes":{upvotes}}},"numComments":1}}"#
    )
}

fn body(items: &[String]) -> String {
    format!("[{}]", items.join(","))
}

fn settings(server: &MockServer) -> SyncSettings {
    SyncSettings {
        connect_timeout: Duration::from_secs(5),
        total_timeout: Duration::from_secs(10),
        hf_base_url: server.uri(),
        ..SyncSettings::default()
    }
}

/// Asks for `list` and returns its answer (`ListFetched` or `ListFailed`).
async fn fetch(handle: &mut SyncHandle, list: &HfList) -> SyncEvent {
    handle
        .commands
        .send(SyncCommand::FetchList(list.clone()))
        .await
        .unwrap();
    let answer = async {
        while let Some(event) = handle.events.recv().await {
            if matches!(&event, SyncEvent::ListFetched { list: l, .. }
                | SyncEvent::ListFailed { list: l, .. } if l == list)
            {
                return event;
            }
        }
        panic!("the sync task stopped");
    };
    tokio::time::timeout(Duration::from_secs(60), answer)
        .await
        .expect("no answer")
}

/// The week of Mon 2025-12-29 to Sun 2026-01-04 (ISO 2026-W01), two pages.
async fn mount_week(server: &MockServer) {
    let page_two = format!(
        "{}/api/daily_papers?week=2026-W01&limit=100&p=1",
        server.uri()
    );
    Mock::given(method("GET"))
        .and(path("/api/daily_papers"))
        .and(query_param("week", "2026-W01"))
        .and(query_param("p", "1"))
        .respond_with(ResponseTemplate::new(200).set_body_string(body(&[
            item("2601.00003", "2026-01-02", 40),
            item("2512.00002", "2025-12-30", 3),
        ])))
        .expect(1)
        .mount(server)
        .await;
    Mock::given(method("GET"))
        .and(path("/api/daily_papers"))
        .and(query_param("week", "2026-W01"))
        .respond_with(
            ResponseTemplate::new(200)
                .insert_header("Link", format!("<{page_two}>; rel=\"next\"").as_str())
                .set_body_string(body(&[
                    item("2512.00001", "2025-12-29", 90),
                    item("2601.00001", "2026-01-01", 50),
                ])),
        )
        .mount(server)
        .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_week_spanning_two_months_is_fetched_page_by_page_in_hf_order() {
    let server = MockServer::start().await;
    mount_week(&server).await;
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(dir.path()).unwrap();
    let mut handle = spawn(
        store.clone(),
        Vec::new(),
        settings(&server),
        Clock::Fixed(now()),
    );
    let week = HfList::parse_week("2026-W01").unwrap();
    assert_eq!(week, HfList::week_of(now().date_naive()));
    let answer = fetch(&mut handle, &week).await;
    assert_eq!(
        answer,
        SyncEvent::ListFetched {
            list: week.clone(),
            new: 4,
            changed: 0,
            count: 4
        }
    );
    let stored = store.ranked_list(&week.key()).unwrap().unwrap();
    let order = ["2512.00001", "2601.00001", "2601.00003", "2512.00002"];
    assert_eq!(stored.ids, order.map(id), "HF's order over both pages");
    // Each paper is filed under its own day, in December and in January.
    let day = |y, m, d| NaiveDate::from_ymd_opt(y, m, d).unwrap();
    assert_eq!(store.rows_for_day(day(2025, 12, 29)).unwrap().len(), 1);
    assert_eq!(store.rows_for_day(day(2026, 1, 2)).unwrap().len(), 1);
    // The view shows the list in HF's order (not by day or upvotes), and All has them too.
    let catalog = paperboat::app::catalog::full_catalog(&store, true).unwrap();
    let shown: Vec<&str> = View::Hf(HfView::Week)
        .rows_at(&catalog, now().date_naive())
        .into_iter()
        .map(|row| catalog.rows[row].id.as_str())
        .collect();
    assert_eq!(shown, order);
    assert_eq!(View::All.rows(&catalog).len(), 4);
    server.verify().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn trending_keeps_hf_order_and_a_search_with_no_hits_stores_an_empty_list() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/api/daily_papers"))
        .and(query_param("sort", "trending"))
        .respond_with(ResponseTemplate::new(200).set_body_string(body(&[
            item("2512.00005", "2025-12-20", 2),
            item("2512.00006", "2025-12-21", 200),
            item("2512.00004", "2025-12-22", 20),
        ])))
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path("/api/papers/search"))
        .and(query_param("q", "nothing at all"))
        .respond_with(ResponseTemplate::new(200).set_body_string("[]"))
        .mount(&server)
        .await;
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(dir.path()).unwrap();
    let mut handle = spawn(
        store.clone(),
        Vec::new(),
        settings(&server),
        Clock::Fixed(now()),
    );
    let answer = fetch(&mut handle, &HfList::Trending).await;
    assert!(matches!(answer, SyncEvent::ListFetched { count: 3, .. }));
    let catalog = paperboat::app::catalog::full_catalog(&store, true).unwrap();
    let shown: Vec<&str> = View::Hf(HfView::Trending)
        .rows(&catalog)
        .into_iter()
        .map(|row| catalog.rows[row].id.as_str())
        .collect();
    assert_eq!(shown, ["2512.00005", "2512.00006", "2512.00004"]);

    let search = HfList::search("nothing at all", 10).unwrap();
    let answer = fetch(&mut handle, &search).await;
    assert!(matches!(answer, SyncEvent::ListFetched { count: 0, .. }));
    let stored = store.ranked_list(SEARCH_KEY).unwrap().unwrap();
    assert_eq!(stored.query.as_deref(), Some("nothing at all"));
    assert!(stored.ids.is_empty());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_429_with_retry_after_holds_the_host_for_later_fetches_and_is_stored() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .respond_with(ResponseTemplate::new(429).insert_header("Retry-After", "600"))
        .expect(1)
        .mount(&server)
        .await;
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(dir.path()).unwrap();
    let mut handle = spawn(
        store.clone(),
        Vec::new(),
        settings(&server),
        Clock::Fixed(now()),
    );
    let search = HfList::search("mamba", 10).unwrap();
    let SyncEvent::ListFailed { reason, .. } = fetch(&mut handle, &search).await else {
        panic!("not a failure");
    };
    assert!(reason.contains("asks to wait until 12:10 UTC"), "{reason}");
    // The next list is not even asked for: the host is held.
    let SyncEvent::ListFailed { reason, .. } = fetch(&mut handle, &HfList::Trending).await else {
        panic!("not a failure");
    };
    assert!(reason.contains("asks to wait"), "{reason}");
    assert_eq!(
        store.server_waits().unwrap().len(),
        1,
        "kept for other processes"
    );
    assert_eq!(store.ranked_list(SEARCH_KEY).unwrap(), None);
    server.verify().await;
}

// ---------------------------------------------------------------- the command line

struct Home {
    dir: tempfile::TempDir,
}

impl Home {
    fn new(server: &MockServer) -> Home {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(
            dir.path().join("config.toml"),
            format!("[sources.hf]\nbase_url = \"{}\"\ndays = 1\n", server.uri()),
        )
        .unwrap();
        Home { dir }
    }

    fn run(&self, args: &[&str]) -> Output {
        let path = self.dir.path();
        Command::new(env!("CARGO_BIN_EXE_paperboat"))
            .env_clear()
            .env("HOME", path)
            .env("XDG_STATE_HOME", path.join("state"))
            .arg("--config")
            .arg(path.join("config.toml"))
            .arg("--data-dir")
            .arg(path.join("data"))
            .args(args)
            .output()
            .unwrap()
    }
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sync_week_prints_the_sync_lines_and_search_marks_what_was_cached() {
    let server = MockServer::start().await;
    mount_week(&server).await;
    Mock::given(method("GET"))
        .and(path("/api/papers/search"))
        .and(query_param("q", "nothing"))
        .respond_with(ResponseTemplate::new(200).set_body_string("[]"))
        .mount(&server)
        .await;
    // A search answering one cached paper (daily shape) and one new one (flat).
    Mock::given(method("GET"))
        .and(path("/api/papers/search"))
        .and(query_param("q", "state space models"))
        .and(query_param("limit", "5"))
        .respond_with(ResponseTemplate::new(200).set_body_string(format!(
            r#"[{},{{"id":"2312.00752","title":"Mamba: linear-time sequence modeling",
            "publishedAt":"2023-12-01T18:00:00.000Z","upvotes":7}}]"#,
            item("2601.00001", "2026-01-01", 50)
        )))
        .mount(&server)
        .await;
    let home = Home::new(&server);
    let home = std::sync::Arc::new(home);
    let run = |args: &'static [&'static str]| {
        let home = std::sync::Arc::clone(&home);
        tokio::task::spawn_blocking(move || home.run(args))
    };

    let out = run(&["sync", "--week", "2026-W01"]).await.unwrap();
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert_eq!(
        text(&out.stdout),
        "hf: 4 new, 0 changed\nsynced 1 of 1 sources: 4 new, 0 changed\n"
    );
    let out = run(&["sync", "--week", "2026-W60"]).await.unwrap();
    assert_eq!(out.status.code(), Some(2), "{}", text(&out.stderr));

    let out = run(&["search", "state", "space", "models", "--limit", "5"])
        .await
        .unwrap();
    assert!(out.status.success(), "{}", text(&out.stderr));
    let lines: Vec<String> = text(&out.stdout).lines().map(str::to_string).collect();
    assert_eq!(lines.len(), 2, "{lines:?}");
    assert!(
        lines[0].starts_with("    2026-01-01   50  2601.00001"),
        "{lines:?}"
    );
    assert!(
        lines[1].starts_with("+   2023-12-01    7  2312.00752"),
        "{lines:?}"
    );
    // Stored: it can be starred and is listed, but not under a day's HF list.
    let out = run(&["star", "2312.00752"]).await.unwrap();
    assert!(out.status.success(), "{}", text(&out.stderr));
    let out = run(&["list", "--starred"]).await.unwrap();
    assert!(text(&out.stdout).contains("2312.00752"));
    let out = run(&[
        "search", "--json", "state", "space", "models", "--limit", "5",
    ])
    .await
    .unwrap();
    let objects: Vec<serde_json::Value> = text(&out.stdout)
        .lines()
        .map(|line| serde_json::from_str(line).unwrap())
        .collect();
    assert_eq!(objects.len(), 2);
    assert_eq!(objects[1]["id"], "2312.00752");
    assert_eq!(objects[1]["cached"], true, "cached by the first search");
    assert_eq!(objects[1]["starred"], true);

    let out = run(&["search", "nothing"]).await.unwrap();
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert_eq!(
        text(&out.stdout),
        "no papers on Hugging Face match “nothing”\n"
    );
}

#[test]
fn a_query_over_250_characters_is_refused_with_one_line_before_anything_is_sent() {
    let dir = tempfile::tempdir().unwrap();
    // Port 9 (discard) would refuse a connection: nothing may be sent at all.
    std::fs::write(
        dir.path().join("config.toml"),
        "[sources.hf]\nbase_url = \"http://127.0.0.1:9\"\n",
    )
    .unwrap();
    let long = "x".repeat(251);
    let out = Command::new(env!("CARGO_BIN_EXE_paperboat"))
        .env_clear()
        .env("HOME", dir.path())
        .arg("--config")
        .arg(dir.path().join("config.toml"))
        .arg("--data-dir")
        .arg(dir.path().join("data"))
        .args(["search", &long])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(out.stdout.is_empty());
    assert_eq!(
        text(&out.stderr),
        "paperboat: error: the search query is 251 characters long; Hugging Face searches at \
         most 250\n"
    );
}

// ---------------------------------------------------------------- the reader

/// Feeds the sync task's events into the reader until `done` says so.
async fn pump(
    reader: &mut paperboat::reader::Reader<ratatui::backend::TestBackend>,
    handle: &mut SyncHandle,
    done: impl Fn(&SyncEvent) -> bool,
) {
    let wait = async {
        while let Some(event) = handle.events.recv().await {
            let last = done(&event);
            reader.handle(paperboat::app::Msg::Sync(event));
            if last {
                return;
            }
        }
    };
    tokio::time::timeout(Duration::from_secs(60), wait)
        .await
        .expect("the list never came");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_reader_opens_a_period_view_and_a_question_mark_search() {
    // The reader's clock is at 2025-04-30: ISO week 2025-W18.
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/api/daily_papers"))
        .and(query_param("week", "2025-W18"))
        .respond_with(ResponseTemplate::new(200).set_body_string(body(&[
            item("2504.00011", "2025-04-28", 5),
            item("2504.00010", "2025-04-30", 50),
        ])))
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path("/api/papers/search"))
        .and(query_param("q", "state space models"))
        .respond_with(ResponseTemplate::new(200).set_body_string(
            r#"[{"id":"2312.00752","title":"Mamba: linear-time sequence modeling",
            "publishedAt":"2023-12-01T18:00:00.000Z"}]"#,
        ))
        .expect(1)
        .mount(&server)
        .await;
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(&dir.path().join("data")).unwrap();
    let clock = Clock::Fixed(Utc.with_ymd_and_hms(2025, 4, 30, 9, 0, 0).unwrap());
    let mut handle = spawn(store.clone(), Vec::new(), settings(&server), clock);
    let mut reader = reader::open_reader(&store, (100, 30), Box::new(std::io::sink()), false);
    reader.runner.sync_commands = Some(handle.commands.clone());

    reader::press(&mut reader, "8");
    reader.handle(paperboat::app::Msg::KeyTimeout);
    assert_eq!(reader.app.view, View::Hf(HfView::Week));
    let text = reader::screen(&mut reader);
    assert!(
        text.contains("fetching week 2025-W18 from Hugging Face"),
        "{text}"
    );
    pump(&mut reader, &mut handle, |e| {
        matches!(e, SyncEvent::ListFetched { .. })
    })
    .await;
    let text = reader::screen(&mut reader);
    assert!(text.contains("This week (HF)"), "{text}");
    let order: Vec<String> = reader
        .app
        .visible
        .iter()
        .map(|&row| reader.app.catalog.rows[row].id.to_string())
        .collect();
    assert_eq!(order, ["2504.00011", "2504.00010"], "HF's order");

    // `?` sends the words to HF's search on Enter only, and shows the results' view.
    reader::press(&mut reader, "/?state space models");
    assert_eq!(
        reader.app.visible.len(),
        2,
        "typing does not filter the list"
    );
    reader::key(&mut reader, KeyCode::Enter);
    pump(&mut reader, &mut handle, |e| {
        matches!(
            e,
            SyncEvent::ListFetched {
                list: HfList::Search { .. },
                ..
            }
        )
    })
    .await;
    assert_eq!(reader.app.view, View::Hf(HfView::Search));
    let text = reader::screen(&mut reader);
    assert!(text.contains("Mamba: linear-time"), "{text}");
    assert!(
        text.contains("1 paper on Hugging Face matches “state space models”"),
        "{text}"
    );
    // Starred like any paper, and kept out of the day views.
    reader::press(&mut reader, "s");
    assert!(store.user_state(&id("2312.00752")).unwrap().is_starred());
    reader::press(&mut reader, "1");
    reader.handle(paperboat::app::Msg::KeyTimeout);
    let shown: Vec<String> = reader
        .app
        .visible
        .iter()
        .map(|&row| reader.app.catalog.rows[row].id.to_string())
        .collect();
    assert!(!shown.contains(&"2312.00752".to_string()), "{shown:?}");
    let _ = handle.commands.send(SyncCommand::Shutdown).await;
    server.verify().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_watched_list_is_fetched_again_after_every_round_until_unwatched() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/api/daily_papers"))
        .and(query_param("sort", "trending"))
        .respond_with(ResponseTemplate::new(200).set_body_string(body(&[item(
            "2512.00005",
            "2025-12-20",
            2,
        )])))
        .expect(2)
        .mount(&server)
        .await;
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(dir.path()).unwrap();
    let mut handle = spawn(store, Vec::new(), settings(&server), Clock::Fixed(now()));
    let commands = handle.commands.clone();
    commands
        .send(SyncCommand::WatchList(Some(HfList::Trending)))
        .await
        .unwrap();
    // Each round (here over no sources) is followed by the watched list.
    for _ in 0..2 {
        commands.send(SyncCommand::SyncAll).await.unwrap();
        let fetched = async {
            while let Some(event) = handle.events.recv().await {
                if let SyncEvent::ListFetched { list, count, .. } = event {
                    return (list, count);
                }
            }
            panic!("the sync task stopped");
        };
        let fetched = tokio::time::timeout(Duration::from_secs(60), fetched)
            .await
            .expect("no refresh after the round");
        assert_eq!(fetched, (HfList::Trending, 1));
    }
    commands.send(SyncCommand::WatchList(None)).await.unwrap();
    commands.send(SyncCommand::SyncAll).await.unwrap();
    // A search asked after that round ends it all: no trending fetch may come before it.
    let search = HfList::search("nothing", 5).unwrap();
    commands
        .send(SyncCommand::FetchList(search.clone()))
        .await
        .unwrap();
    let rest = async {
        while let Some(event) = handle.events.recv().await {
            match event {
                SyncEvent::ListFetched { list, .. } | SyncEvent::ListFailed { list, .. } => {
                    assert_eq!(list, search, "fetched after it was unwatched");
                    return;
                }
                _ => {}
            }
        }
    };
    tokio::time::timeout(Duration::from_secs(60), rest)
        .await
        .unwrap();
    commands.send(SyncCommand::Shutdown).await.unwrap();
    handle.task.await.unwrap();
    server.verify().await;
}
