//! The sync task against real HTTP servers on 127.0.0.1 and the real store in a tempdir: every
//! way a feed can fail, and what must survive each failure (earlier papers, every star).

use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use chrono::{DateTime, NaiveDate, TimeZone, Utc};
use paperboat::clock::Clock;
use paperboat::model::{Paper, PaperId, SourceId};
use paperboat::source::feed::FeedSource;
use paperboat::source::hf_daily::HfDailySource;
use paperboat::source::{ParseError, Source, SourceRequest};
use paperboat::store::Store;
use paperboat::sync::{SyncCommand, SyncEvent, SyncHandle, SyncSettings, spawn};
use wiremock::matchers::{method, path, query_param};
use wiremock::{Mock, MockServer, Request, ResponseTemplate};

// ---------------------------------------------------------------- helpers

fn now() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2025, 4, 30, 12, 0, 0).unwrap()
}

fn today() -> NaiveDate {
    now().date_naive()
}

fn settings() -> SyncSettings {
    SyncSettings {
        connect_timeout: Duration::from_secs(5),
        total_timeout: Duration::from_secs(10),
        ..SyncSettings::default()
    }
}

fn id(text: &str) -> PaperId {
    PaperId::parse_user(text).unwrap()
}

/// A test-only source: each URL answers `[{"id": "…", "title": "…"}, …]`.
struct ListSource {
    id: SourceId,
    requests: Vec<SourceRequest>,
    min_interval: Duration,
}

impl ListSource {
    fn new(name: &str, urls: &[String]) -> ListSource {
        let requests = urls
            .iter()
            .map(|url| SourceRequest {
                url: url.clone(),
                label: url.clone(),
                day: Some(today()),
                empty_on_400: false,
            })
            .collect();
        ListSource {
            id: SourceId::feed(name),
            requests,
            min_interval: Duration::ZERO,
        }
    }
}

impl Source for ListSource {
    fn id(&self) -> &SourceId {
        &self.id
    }
    fn requests(&self, _today: NaiveDate) -> Vec<SourceRequest> {
        self.requests.clone()
    }
    fn parse(&self, _request: &SourceRequest, body: &[u8]) -> Result<Vec<Paper>, ParseError> {
        let text = std::str::from_utf8(body).map_err(|_| ParseError::Encoding)?;
        let items: Vec<serde_json::Value> =
            serde_json::from_str(text).map_err(|e| ParseError::Json(e.to_string()))?;
        Ok(items
            .iter()
            .filter_map(|item| {
                let id = PaperId::from_arxiv(item["id"].as_str()?)?;
                let title = item["title"].as_str()?.to_string();
                let mut paper = Paper::new(id, title, self.id.clone());
                paper.daily_date = Some(today());
                Some(paper)
            })
            .collect())
    }
    fn min_request_interval(&self) -> Duration {
        self.min_interval
    }
}

fn list_body(ids: &[&str]) -> String {
    let items: Vec<String> = ids
        .iter()
        .map(|id| format!(r#"{{"id":"{id}","title":"Paper {id}"}}"#))
        .collect();
    format!("[{}]", items.join(","))
}

/// One Hugging Face daily item in the 2026 shape.
fn hf_item(id: &str, upvotes: u32) -> String {
    format!(
        r#"{{"paper":{{"id":"{id}","authors":[{{"_id":"a1","name":"Ada Lovelace","hidden":false}},
        {{"_id":"a2","name":"Hidden Person","hidden":true}}],
        "publishedAt":"2025-04-29T00:00:00.000Z","submittedOnDailyAt":"2025-04-30T00:00:00.000Z",
        "title":"Paper {id}","summary":"An abstract for {id}.","upvotes":{upvotes},
        "discussionId":"6a509e0b75fd3d966bd45ec7"}},
        "publishedAt":"2025-04-28T20:00:00.000Z","title":"Paper {id}","summary":"An abstract for {id}.",
        "thumbnail":"https://cdn-thumbnails.huggingface.co/social-thumbnails/papers/{id}.png",
        "numComments":2,"submittedBy":{{"_id":"u1","fullname":"Someone","name":"someone","type":"user"}},
        "isAuthorParticipating":false}}"#
    )
}

fn hf_body(items: &[String]) -> String {
    format!("[{}]", items.join(","))
}

fn hf_source(server: &MockServer) -> Arc<dyn Source> {
    Arc::new(HfDailySource::new(&server.uri(), 1, Some(today())))
}

fn hf_route() -> wiremock::MockBuilder {
    Mock::given(method("GET"))
        .and(path("/api/daily_papers"))
        .and(query_param("date", "2025-04-30"))
}

struct Harness {
    _dir: tempfile::TempDir,
    store: Store,
}

impl Harness {
    fn new() -> Harness {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(&dir.path().join("data")).unwrap();
        Harness { _dir: dir, store }
    }

    fn start(&self, sources: Vec<Arc<dyn Source>>, settings: SyncSettings) -> SyncHandle {
        spawn(self.store.clone(), sources, settings, Clock::Fixed(now()))
    }

    fn start_at(
        &self,
        sources: Vec<Arc<dyn Source>>,
        settings: SyncSettings,
        at: DateTime<Utc>,
    ) -> SyncHandle {
        spawn(self.store.clone(), sources, settings, Clock::Fixed(at))
    }

    fn ids(&self) -> Vec<PaperId> {
        let mut ids: Vec<PaperId> = self
            .store
            .all_rows()
            .unwrap()
            .into_iter()
            .map(|row| row.id)
            .collect();
        ids.sort();
        ids
    }

    fn star(&self, paper: &str) {
        self.store.set_starred(&id(paper), true, now()).unwrap();
    }

    fn is_starred(&self, paper: &str) -> bool {
        self.store.user_state(&id(paper)).unwrap().is_starred()
    }
}

/// Sends one command and collects the events up to and including `Finished`.
async fn round(handle: &mut SyncHandle, command: SyncCommand) -> Vec<SyncEvent> {
    handle.commands.send(command).await.unwrap();
    let mut events = Vec::new();
    // A guard against a hang, far above any round here; never reached when the task works.
    let collect = async {
        while let Some(event) = handle.events.recv().await {
            let finished = matches!(event, SyncEvent::Finished { .. });
            events.push(event);
            if finished {
                break;
            }
        }
    };
    tokio::time::timeout(Duration::from_secs(120), collect)
        .await
        .expect("the round never finished");
    events
}

async fn sync_all(handle: &mut SyncHandle) -> Vec<SyncEvent> {
    round(handle, SyncCommand::SyncAll).await
}

async fn stop(handle: SyncHandle) {
    handle.commands.send(SyncCommand::Shutdown).await.unwrap();
    handle.task.await.unwrap();
}

fn failure_of(events: &[SyncEvent], source: &SourceId) -> String {
    events
        .iter()
        .find_map(|event| match event {
            SyncEvent::SourceFailed { id, error, .. } if id == source => Some(error.clone()),
            _ => None,
        })
        .unwrap_or_else(|| panic!("no SourceFailed for {source} in {events:?}"))
}

fn reason_of(events: &[SyncEvent], source: &SourceId) -> String {
    events
        .iter()
        .find_map(|event| match event {
            SyncEvent::SourceFailed { id, reason, .. } if id == source => Some(reason.clone()),
            _ => None,
        })
        .unwrap_or_else(|| panic!("no SourceFailed for {source} in {events:?}"))
}

fn update_of(events: &[SyncEvent], source: &SourceId) -> (usize, usize) {
    events
        .iter()
        .find_map(|event| match event {
            SyncEvent::SourceUpdated {
                id, new, changed, ..
            } if id == source => Some((*new, *changed)),
            _ => None,
        })
        .unwrap_or_else(|| panic!("no SourceUpdated for {source} in {events:?}"))
}

/// First sync succeeds with two papers, one gets starred; then the server answers `failure`.
/// The second sync must fail with `expected` in its error, and keep both papers and the star.
async fn assert_failure_keeps_everything(
    failure: ResponseTemplate,
    settings: SyncSettings,
    expected: &str,
) {
    let server = MockServer::start().await;
    let url = format!("{}/list.json", server.uri());
    let source = ListSource::new("list", std::slice::from_ref(&url));
    let source_id = source.id.clone();
    let harness = Harness::new();
    let mut handle = harness.start(vec![Arc::new(source)], settings);

    Mock::given(method("GET"))
        .respond_with(
            ResponseTemplate::new(200).set_body_string(list_body(&["2504.00001", "2504.00002"])),
        )
        .mount(&server)
        .await;
    let events = sync_all(&mut handle).await;
    assert_eq!(update_of(&events, &source_id), (2, 0));
    harness.star("2504.00001");

    server.reset().await;
    Mock::given(method("GET"))
        .respond_with(failure)
        .mount(&server)
        .await;
    let events = sync_all(&mut handle).await;
    let error = failure_of(&events, &source_id);
    assert!(
        error.contains(expected),
        "event error {error:?} lacks {expected:?}"
    );
    assert!(
        events.contains(&SyncEvent::Finished {
            succeeded: 0,
            failed: 1
        }),
        "{events:?}"
    );

    let state = harness.store.feed_state(&source_id).unwrap();
    let stored = state.last_error.clone().unwrap();
    assert!(
        stored.contains(expected),
        "stored error {stored:?} lacks {expected:?}"
    );
    assert!(!stored.contains('\n'));
    assert_eq!(state.consecutive_failures, 1);
    assert!(
        state.next_attempt_after.is_some_and(|at| at > now()),
        "{state:?}"
    );
    assert!(state.last_success.is_some());
    assert_eq!(harness.ids(), vec![id("2504.00001"), id("2504.00002")]);
    assert!(harness.is_starred("2504.00001"));
    stop(handle).await;
}

// ---------------------------------------------------------------- HTTP failures

#[tokio::test]
async fn not_found_fails_the_source_and_keeps_papers_and_stars() {
    assert_failure_keeps_everything(
        ResponseTemplate::new(404),
        settings(),
        "HTTP 404 Not Found from http://127.0.0.1:",
    )
    .await;
}

#[tokio::test]
async fn server_error_fails_the_source_and_keeps_papers_and_stars() {
    assert_failure_keeps_everything(
        ResponseTemplate::new(500),
        settings(),
        "HTTP 500 Internal Server Error from http://127.0.0.1:",
    )
    .await;
}

#[tokio::test]
async fn silent_server_times_out_and_keeps_papers_and_stars() {
    let short = SyncSettings {
        total_timeout: Duration::from_millis(500),
        ..settings()
    };
    // The delay only has to outlast the timeout; the fetch gives up at the timeout.
    let failure = ResponseTemplate::new(200)
        .set_body_string("[]")
        .set_delay(Duration::from_secs(30));
    assert_failure_keeps_everything(failure, short, "no complete answer from http://127.0.0.1:")
        .await;
}

#[tokio::test]
async fn body_over_the_cap_fails_and_keeps_papers_and_stars() {
    let small = SyncSettings {
        max_body_bytes: 1000,
        ..settings()
    };
    let ids: Vec<String> = (1..=60).map(|n| format!("2504.{n:05}")).collect();
    let ids: Vec<&str> = ids.iter().map(String::as_str).collect();
    let failure = ResponseTemplate::new(200).set_body_string(list_body(&ids));
    assert_failure_keeps_everything(failure, small, "larger than the limit of 1000 bytes").await;
}

#[tokio::test]
async fn malformed_json_fails_and_keeps_papers_and_stars() {
    let failure = ResponseTemplate::new(200).set_body_string(r#"[{"id": "2504.00003", "title": "#);
    assert_failure_keeps_everything(failure, settings(), "malformed JSON").await;
}

#[tokio::test]
async fn invalid_utf8_fails_and_keeps_papers_and_stars() {
    let failure = ResponseTemplate::new(200).set_body_bytes(b"[{\"id\":\"\xff\xfe\"}]".to_vec());
    assert_failure_keeps_everything(failure, settings(), "not valid UTF-8").await;
}

#[tokio::test]
async fn rate_limit_with_retry_after_defers_the_source_until_it_passes() {
    let server = MockServer::start().await;
    let url = format!("{}/list.json", server.uri());
    let source: Arc<dyn Source> = Arc::new(ListSource::new("list", std::slice::from_ref(&url)));
    let source_id = source.id().clone();
    let harness = Harness::new();
    Mock::given(method("GET"))
        .respond_with(ResponseTemplate::new(429).insert_header("retry-after", "120"))
        .expect(1)
        .mount(&server)
        .await;

    let mut handle = harness.start(vec![Arc::clone(&source)], settings());
    let events = sync_all(&mut handle).await;
    let error = failure_of(&events, &source_id);
    assert!(error.contains("HTTP 429"), "{error}");
    let state = harness.store.feed_state(&source_id).unwrap();
    assert_eq!(
        state.next_attempt_after,
        Some(now() + chrono::Duration::seconds(120))
    );
    assert!(state.last_error.unwrap().contains("asks to wait 2 min"));

    let host = server.uri().trim_start_matches("http://").to_string();
    assert_eq!(
        reason_of(&events, &source_id),
        format!("{host} asks to wait until 12:02 UTC")
    );

    // Right after: the source is held back (left out of the round, with an event naming the
    // server and the time) and the server is not asked again, not even by a new process.
    let held_back = vec![
        SyncEvent::Started { sources: vec![] },
        SyncEvent::SourceHeldBack {
            id: source_id.clone(),
            host: host.clone(),
            until: now() + chrono::Duration::seconds(120),
        },
        SyncEvent::Finished {
            succeeded: 0,
            failed: 0,
        },
    ];
    assert_eq!(sync_all(&mut handle).await, held_back);
    stop(handle).await;
    let mut handle = harness.start_at(
        vec![Arc::clone(&source)],
        settings(),
        now() + chrono::Duration::seconds(60),
    );
    assert_eq!(sync_all(&mut handle).await, held_back);
    stop(handle).await;
    server.verify().await;

    // Once the wait has passed, a sync asks again and the state recovers.
    server.reset().await;
    Mock::given(method("GET"))
        .respond_with(ResponseTemplate::new(200).set_body_string(list_body(&["2504.00001"])))
        .expect(1)
        .mount(&server)
        .await;
    let later = now() + chrono::Duration::seconds(121);
    let mut handle = harness.start_at(vec![source], settings(), later);
    let events = sync_all(&mut handle).await;
    assert_eq!(update_of(&events, &source_id), (1, 0));
    let state = harness.store.feed_state(&source_id).unwrap();
    assert_eq!(
        (
            state.last_error,
            state.next_attempt_after,
            state.consecutive_failures
        ),
        (None, None, 0)
    );
    stop(handle).await;
}

#[tokio::test]
async fn an_asked_sync_tries_a_failed_source_at_once_whatever_the_backoff() {
    let server = MockServer::start().await;
    let url = format!("{}/list.json", server.uri());
    let source: Arc<dyn Source> = Arc::new(ListSource::new("list", std::slice::from_ref(&url)));
    let source_id = source.id().clone();
    let harness = Harness::new();
    Mock::given(method("GET"))
        .respond_with(ResponseTemplate::new(500))
        .mount(&server)
        .await;
    let hour_backoff = SyncSettings {
        backoff_base: Duration::from_secs(3600),
        ..settings()
    };
    let mut handle = harness.start(vec![Arc::clone(&source)], hour_backoff);
    let events = sync_all(&mut handle).await;
    assert_eq!(reason_of(&events, &source_id), "server error 500");
    let state = harness.store.feed_state(&source_id).unwrap();
    assert!(
        state.next_attempt_after.is_some_and(|at| at > now()),
        "the background loop backs off: {state:?}"
    );

    // Asked again at once, with the server still failing: tried again, failed again.
    let events = sync_all(&mut handle).await;
    assert_eq!(reason_of(&events, &source_id), "server error 500");
    assert_eq!(
        harness
            .store
            .feed_state(&source_id)
            .unwrap()
            .consecutive_failures,
        2
    );

    // The server is back: the next asked-for sync fetches and succeeds.
    server.reset().await;
    Mock::given(method("GET"))
        .respond_with(ResponseTemplate::new(200).set_body_string(list_body(&["2504.00001"])))
        .expect(1)
        .mount(&server)
        .await;
    let events = sync_all(&mut handle).await;
    assert_eq!(update_of(&events, &source_id), (1, 0));
    let state = harness.store.feed_state(&source_id).unwrap();
    assert_eq!(
        (state.consecutive_failures, state.next_attempt_after),
        (0, None)
    );
    stop(handle).await;
}

#[tokio::test]
async fn a_retry_after_holds_back_every_source_on_that_host_and_only_that_host() {
    let server = MockServer::start().await;
    let other = MockServer::start().await;
    let limited = format!("{}/limited.json", server.uri());
    let same_host = format!("{}/other.json", server.uri());
    let elsewhere = format!("{}/list.json", other.uri());
    let first: Arc<dyn Source> = Arc::new(ListSource::new("first", &[limited]));
    let second: Arc<dyn Source> = Arc::new(ListSource::new("second", &[same_host]));
    let third: Arc<dyn Source> = Arc::new(ListSource::new("third", &[elsewhere]));
    Mock::given(method("GET"))
        .and(path("/limited.json"))
        .respond_with(ResponseTemplate::new(503).insert_header("retry-after", "600"))
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .respond_with(ResponseTemplate::new(200).set_body_string(list_body(&["2504.00001"])))
        .mount(&other)
        .await;
    let harness = Harness::new();
    let mut handle = harness.start(vec![Arc::clone(&first)], settings());
    let events = sync_all(&mut handle).await;
    let host = server.uri().trim_start_matches("http://").to_string();
    assert_eq!(
        reason_of(&events, first.id()),
        format!("{host} asks to wait until 12:10 UTC")
    );
    stop(handle).await;

    // Another source on the held host is held back too; a source elsewhere syncs.
    let mut handle = harness.start(
        vec![first, Arc::clone(&second), Arc::clone(&third)],
        settings(),
    );
    let events = sync_all(&mut handle).await;
    let until = now() + chrono::Duration::seconds(600);
    for held in [SourceId::feed("first"), SourceId::feed("second")] {
        assert!(
            events.contains(&SyncEvent::SourceHeldBack {
                id: held.clone(),
                host: host.clone(),
                until
            }),
            "{held}: {events:?}"
        );
    }
    assert_eq!(update_of(&events, third.id()), (1, 0));
    assert_eq!(
        events.last(),
        Some(&SyncEvent::Finished {
            succeeded: 1,
            failed: 0
        })
    );
    stop(handle).await;
    server.verify().await;
}

#[tokio::test]
async fn a_refused_connection_reads_as_words_not_an_error_chain() {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let address = listener.local_addr().unwrap();
    drop(listener);
    let source: Arc<dyn Source> = Arc::new(ListSource::new(
        "gone",
        &[format!("http://{address}/list.json")],
    ));
    let harness = Harness::new();
    let mut handle = harness.start(vec![Arc::clone(&source)], settings());
    let events = sync_all(&mut handle).await;
    assert_eq!(
        reason_of(&events, source.id()),
        "cannot connect (connection refused)"
    );
    assert!(failure_of(&events, source.id()).contains(&address.to_string()));
    stop(handle).await;
}

#[tokio::test]
async fn a_paper_hf_lists_on_two_days_stays_on_the_first_and_a_resync_changes_nothing() {
    let server = MockServer::start().await;
    let on = |day: &str| hf_item("2504.00001", 7).replace("2025-04-30T00", &format!("{day}T00"));
    for (day, body) in [
        (
            "2025-04-30",
            hf_body(&[on("2025-04-30"), hf_item("2504.00002", 1)]),
        ),
        ("2025-04-29", hf_body(&[on("2025-04-29")])),
    ] {
        Mock::given(method("GET"))
            .and(path("/api/daily_papers"))
            .and(query_param("date", day))
            .respond_with(ResponseTemplate::new(200).set_body_string(body))
            .mount(&server)
            .await;
    }
    let source: Arc<dyn Source> = Arc::new(HfDailySource::new(&server.uri(), 2, None));
    let harness = Harness::new();
    let mut handle = harness.start(vec![source], settings());
    let events = sync_all(&mut handle).await;
    assert_eq!(update_of(&events, &SourceId::hf()), (2, 1));
    for _ in 0..2 {
        let events = sync_all(&mut handle).await;
        assert_eq!(
            update_of(&events, &SourceId::hf()),
            (0, 0),
            "an unchanged sync changes nothing"
        );
    }
    let first_day = harness
        .store
        .rows_for_day(NaiveDate::from_ymd_opt(2025, 4, 29).unwrap())
        .unwrap();
    assert_eq!(first_day.len(), 1);
    assert_eq!(first_day[0].id, id("2504.00001"));
    stop(handle).await;
}

#[tokio::test]
async fn retry_after_as_an_http_date_is_honoured() {
    let server = MockServer::start().await;
    let url = format!("{}/list.json", server.uri());
    let source: Arc<dyn Source> = Arc::new(ListSource::new("list", std::slice::from_ref(&url)));
    let harness = Harness::new();
    Mock::given(method("GET"))
        .respond_with(
            ResponseTemplate::new(503)
                .insert_header("retry-after", "Fri, 01 Jan 2100 00:00:00 GMT"),
        )
        .mount(&server)
        .await;
    let mut handle = harness.start(vec![Arc::clone(&source)], settings());
    sync_all(&mut handle).await;
    let state = harness.store.feed_state(source.id()).unwrap();
    // Relative to the real clock and capped at a day: the source comes back within a day.
    let next = state.next_attempt_after.unwrap();
    assert!(
        next > now() && next <= now() + chrono::Duration::hours(24),
        "{next}"
    );
    stop(handle).await;
}

/// Serves canned raw HTTP answers, one per connection, in order; records nothing else.
fn raw_server(answers: Vec<Vec<u8>>) -> String {
    use std::io::{Read, Write};
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let address = listener.local_addr().unwrap();
    std::thread::spawn(move || {
        for answer in answers {
            let Ok((mut stream, _)) = listener.accept() else {
                return;
            };
            let mut request = [0u8; 8192];
            let _ = stream.read(&mut request);
            let _ = stream.write_all(&answer);
            // Dropping the stream closes the connection, cutting off whatever was promised.
        }
    });
    format!("http://{address}/list.json")
}

#[tokio::test]
async fn body_cut_off_mid_stream_fails_and_keeps_papers_and_stars() {
    let good = list_body(&["2504.00001", "2504.00002"]);
    let whole = format!(
        "HTTP/1.1 200 OK\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{good}",
        good.len()
    );
    let cut = format!(
        "HTTP/1.1 200 OK\r\nContent-Length: 100000\r\nConnection: close\r\n\r\n{}",
        &good[..good.len() / 2]
    );
    let url = raw_server(vec![whole.into_bytes(), cut.into_bytes()]);
    let source = ListSource::new("list", std::slice::from_ref(&url));
    let source_id = source.id.clone();
    let harness = Harness::new();
    let mut handle = harness.start(vec![Arc::new(source)], settings());
    let events = sync_all(&mut handle).await;
    assert_eq!(update_of(&events, &source_id), (2, 0));
    harness.star("2504.00002");

    let events = sync_all(&mut handle).await;
    let error = failure_of(&events, &source_id);
    assert!(error.contains("was cut off"), "{error}");
    assert!(
        harness
            .store
            .feed_state(&source_id)
            .unwrap()
            .last_error
            .unwrap()
            .contains("was cut off")
    );
    assert_eq!(harness.ids(), vec![id("2504.00001"), id("2504.00002")]);
    assert!(harness.is_starred("2504.00002"));
    stop(handle).await;
}

#[tokio::test]
async fn a_failed_request_keeps_the_papers_of_the_others() {
    let server = MockServer::start().await;
    let urls = [
        format!("{}/good.json", server.uri()),
        format!("{}/bad.json", server.uri()),
    ];
    let source = ListSource::new("list", &urls);
    let source_id = source.id.clone();
    Mock::given(path("/good.json"))
        .respond_with(ResponseTemplate::new(200).set_body_string(list_body(&["2504.00007"])))
        .mount(&server)
        .await;
    Mock::given(path("/bad.json"))
        .respond_with(ResponseTemplate::new(500))
        .mount(&server)
        .await;
    let harness = Harness::new();
    let mut handle = harness.start(vec![Arc::new(source)], settings());
    let events = sync_all(&mut handle).await;
    let error = failure_of(&events, &source_id);
    assert!(error.contains("/bad.json"), "{error}");
    assert_eq!(harness.ids(), vec![id("2504.00007")]);
    stop(handle).await;
}

#[tokio::test]
async fn a_400_on_a_day_not_yet_listed_reads_as_an_empty_day() {
    let server = MockServer::start().await;
    let url = format!("{}/future.json", server.uri());
    let mut source = ListSource::new("list", std::slice::from_ref(&url));
    source.requests[0].empty_on_400 = true;
    let source_id = source.id.clone();
    Mock::given(method("GET"))
        .respond_with(ResponseTemplate::new(400))
        .mount(&server)
        .await;
    let harness = Harness::new();
    let mut handle = harness.start(vec![Arc::new(source)], settings());
    let events = sync_all(&mut handle).await;
    assert_eq!(update_of(&events, &source_id), (0, 0));
    assert_eq!(
        harness.store.feed_state(&source_id).unwrap().last_error,
        None
    );
    stop(handle).await;
}

// ---------------------------------------------------------------- what the feeds say

#[tokio::test]
async fn hf_malformed_json_fails_and_keeps_papers_and_stars() {
    let server = MockServer::start().await;
    let harness = Harness::new();
    let mut handle = harness.start(vec![hf_source(&server)], settings());
    hf_route()
        .respond_with(
            ResponseTemplate::new(200).set_body_string(hf_body(&[hf_item("2504.21318", 3)])),
        )
        .mount(&server)
        .await;
    let events = sync_all(&mut handle).await;
    assert_eq!(update_of(&events, &SourceId::hf()), (1, 0));
    harness.star("2504.21318");

    server.reset().await;
    hf_route()
        .respond_with(ResponseTemplate::new(200).set_body_string(r#"[{"paper": {"id": "2504.1"#))
        .mount(&server)
        .await;
    let events = sync_all(&mut handle).await;
    let error = failure_of(&events, &SourceId::hf());
    assert!(error.contains("JSON"), "{error}");
    assert!(
        harness
            .store
            .feed_state(&SourceId::hf())
            .unwrap()
            .last_error
            .is_some()
    );
    assert_eq!(harness.ids(), vec![id("2504.21318")]);
    assert!(harness.is_starred("2504.21318"));
    stop(handle).await;
}

#[tokio::test]
async fn hf_invalid_utf8_fails_the_source() {
    let server = MockServer::start().await;
    let harness = Harness::new();
    hf_route()
        .respond_with(
            ResponseTemplate::new(200).set_body_bytes(b"[{\"paper\":{\"id\":\"\xff\"}}]".to_vec()),
        )
        .mount(&server)
        .await;
    let mut handle = harness.start(vec![hf_source(&server)], settings());
    let events = sync_all(&mut handle).await;
    failure_of(&events, &SourceId::hf());
    assert!(
        harness
            .store
            .feed_state(&SourceId::hf())
            .unwrap()
            .last_error
            .is_some()
    );
    stop(handle).await;
}

#[tokio::test]
async fn hf_empty_array_is_a_success_with_nothing_new() {
    let server = MockServer::start().await;
    let harness = Harness::new();
    hf_route()
        .respond_with(ResponseTemplate::new(200).set_body_string("[]"))
        .mount(&server)
        .await;
    let mut handle = harness.start(vec![hf_source(&server)], settings());
    let events = sync_all(&mut handle).await;
    assert_eq!(update_of(&events, &SourceId::hf()), (0, 0));
    let state = harness.store.feed_state(&SourceId::hf()).unwrap();
    assert_eq!(state.last_success, Some(now()));
    assert_eq!(state.last_error, None);
    stop(handle).await;
}

#[tokio::test]
async fn hf_unknown_extra_fields_are_ignored() {
    let server = MockServer::start().await;
    let harness = Harness::new();
    let item = hf_item("2504.21318", 3).replacen(
        r#""paper":{"#,
        r#""brandNewField":{"nested":[1,2,3]},"paper":{"anotherNewOne":true,"withdrawnAt":null,"#,
        1,
    );
    hf_route()
        .respond_with(ResponseTemplate::new(200).set_body_string(hf_body(&[item])))
        .mount(&server)
        .await;
    let mut handle = harness.start(vec![hf_source(&server)], settings());
    let events = sync_all(&mut handle).await;
    assert_eq!(update_of(&events, &SourceId::hf()), (1, 0));
    stop(handle).await;
}

#[tokio::test]
async fn hf_2024_shape_is_read() {
    // The 2024 capture: no submittedOnDailyAt, no isAuthorParticipating, no `_id` on
    // submittedBy, no outer summary, hard-wrapped title and abstract.
    let item = r#"{"paper":{"id":"2410.17243","authors":[{"_id":"671b005026d87414f5a61579","user":{"_id":"65b2529285b6c21448a10d65","avatarUrl":"/avatars/1b09e2742aecce1bbdc57f0c4504cf38.svg","isPro":false,"fullname":"Zesen Cheng","user":"ClownRat","type":"user"},"name":"Zesen Cheng","status":"claimed_verified","statusLastChangedAt":"2024-10-25T09:30:02.067Z","hidden":false}],
      "publishedAt":"2024-10-22T17:59:30.000Z",
      "title":"Breaking the Memory Barrier: Near Infinite Batch Size Scaling for\n  Contrastive Loss",
      "summary":"Contrastive loss is a powerful approach for representation learning, where\nlarger batch sizes help.",
      "upvotes":64,"discussionId":"671b005126d87414f5a615f4"},
     "publishedAt":"2024-10-25T00:57:09.392Z",
     "title":"Breaking the Memory Barrier: Near Infinite Batch Size Scaling for Contrastive Loss",
     "thumbnail":"https://cdn-thumbnails.huggingface.co/social-thumbnails/papers/2410.17243.png",
     "numComments":3,
     "submittedBy":{"avatarUrl":"/avatars/1b09e2742aecce1bbdc57f0c4504cf38.svg","fullname":"Zesen Cheng","name":"ClownRat","type":"user","isPro":false,"isHf":false,"isMod":false,"followerCount":2}}"#;
    let server = MockServer::start().await;
    let harness = Harness::new();
    hf_route()
        .respond_with(ResponseTemplate::new(200).set_body_string(format!("[{item}]")))
        .mount(&server)
        .await;
    let mut handle = harness.start(vec![hf_source(&server)], settings());
    let events = sync_all(&mut handle).await;
    assert_eq!(update_of(&events, &SourceId::hf()), (1, 0));
    let paper = harness.store.paper(&id("2410.17243")).unwrap().unwrap();
    assert_eq!(paper.upvotes, Some(64));
    assert!(!paper.title.contains('\n'), "{:?}", paper.title);
    stop(handle).await;
}

#[tokio::test]
async fn duplicate_ids_within_one_listing_make_one_paper() {
    let server = MockServer::start().await;
    let harness = Harness::new();
    let body = hf_body(&[
        hf_item("2504.21318", 3),
        hf_item("2504.21318", 5),
        hf_item("2504.00009", 1),
    ]);
    hf_route()
        .respond_with(ResponseTemplate::new(200).set_body_string(body))
        .mount(&server)
        .await;
    let mut handle = harness.start(vec![hf_source(&server)], settings());
    let events = sync_all(&mut handle).await;
    assert_eq!(update_of(&events, &SourceId::hf()).0, 2);
    assert_eq!(harness.ids(), vec![id("2504.00009"), id("2504.21318")]);
    stop(handle).await;
}

#[tokio::test]
async fn the_same_arxiv_id_from_hf_and_a_feed_is_one_paper_with_two_sources() {
    let server = MockServer::start().await;
    let harness = Harness::new();
    hf_route()
        .respond_with(
            ResponseTemplate::new(200).set_body_string(hf_body(&[hf_item("2504.21318", 3)])),
        )
        .mount(&server)
        .await;
    let rss = r#"<?xml version="1.0" encoding="UTF-8"?>
<rss version="2.0"><channel><title>Reading list</title><link>https://example.org/</link>
<description>papers</description>
<item><title>Paper 2504.21318</title><link>https://arxiv.org/abs/2504.21318v2</link>
<guid>https://example.org/posts/1</guid><description>Worth a read.</description>
<pubDate>Tue, 29 Apr 2025 08:00:00 GMT</pubDate></item>
</channel></rss>"#;
    Mock::given(path("/feed.xml"))
        .respond_with(ResponseTemplate::new(200).set_body_raw(rss, "application/rss+xml"))
        .mount(&server)
        .await;
    let feed: Arc<dyn Source> = Arc::new(FeedSource::new(
        "blog",
        &format!("{}/feed.xml", server.uri()),
    ));
    let mut handle = harness.start(vec![hf_source(&server), feed], settings());
    let events = sync_all(&mut handle).await;
    assert!(
        events.contains(&SyncEvent::Finished {
            succeeded: 2,
            failed: 0
        }),
        "{events:?}"
    );
    assert_eq!(harness.ids(), vec![id("2504.21318")]);
    let paper = harness.store.paper(&id("2504.21318")).unwrap().unwrap();
    assert_eq!(
        paper.sources.into_iter().collect::<Vec<_>>(),
        vec![SourceId::feed("blog"), SourceId::hf()]
    );
    stop(handle).await;
}

#[tokio::test]
async fn malformed_xml_fails_the_feed_and_keeps_papers_and_stars() {
    let server = MockServer::start().await;
    let harness = Harness::new();
    let good = r#"<?xml version="1.0"?><rss version="2.0"><channel><title>t</title><link>https://e.org/</link><description>d</description>
<item><title>Paper</title><link>https://arxiv.org/abs/2504.21318</link></item></channel></rss>"#;
    Mock::given(path("/feed.xml"))
        .respond_with(ResponseTemplate::new(200).set_body_string(good))
        .mount(&server)
        .await;
    let feed: Arc<dyn Source> = Arc::new(FeedSource::new(
        "blog",
        &format!("{}/feed.xml", server.uri()),
    ));
    let mut handle = harness.start(vec![feed], settings());
    let events = sync_all(&mut handle).await;
    assert_eq!(update_of(&events, &SourceId::feed("blog")), (1, 0));
    harness.star("2504.21318");

    server.reset().await;
    let broken = r#"<?xml version="1.0"?><rss version="2.0"><channel><title>t</ti"#;
    Mock::given(path("/feed.xml"))
        .respond_with(ResponseTemplate::new(200).set_body_string(broken))
        .mount(&server)
        .await;
    let events = sync_all(&mut handle).await;
    let error = failure_of(&events, &SourceId::feed("blog"));
    assert!(error.contains("/feed.xml"), "{error}");
    assert!(
        harness
            .store
            .feed_state(&SourceId::feed("blog"))
            .unwrap()
            .last_error
            .is_some()
    );
    assert_eq!(harness.ids(), vec![id("2504.21318")]);
    assert!(harness.is_starred("2504.21318"));
    stop(handle).await;
}

#[tokio::test]
async fn second_sync_sends_if_none_match_and_a_304_keeps_everything() {
    let server = MockServer::start().await;
    let harness = Harness::new();
    let body = hf_body(&[hf_item("2504.21318", 3), hf_item("2504.00009", 1)]);
    // A request carrying the validator gets 304; any other gets the body (mounted second, so
    // the 304 mock is tried first).
    hf_route()
        .and(wiremock::matchers::header("if-none-match", "\"daily-v1\""))
        .respond_with(ResponseTemplate::new(304))
        .expect(1)
        .mount(&server)
        .await;
    hf_route()
        .respond_with(
            ResponseTemplate::new(200)
                .insert_header("etag", "\"daily-v1\"")
                .set_body_string(body),
        )
        .expect(1)
        .mount(&server)
        .await;
    let mut handle = harness.start(vec![hf_source(&server)], settings());
    let events = sync_all(&mut handle).await;
    assert_eq!(update_of(&events, &SourceId::hf()), (2, 0));
    harness.star("2504.00009");
    let state = harness.store.feed_state(&SourceId::hf()).unwrap();
    assert_eq!(
        state
            .validators
            .values()
            .next()
            .and_then(|v| v.etag.as_deref()),
        Some("\"daily-v1\"")
    );

    let events = sync_all(&mut handle).await;
    assert_eq!(update_of(&events, &SourceId::hf()), (0, 0));
    assert_eq!(harness.ids(), vec![id("2504.00009"), id("2504.21318")]);
    assert!(harness.is_starred("2504.00009"));
    let state = harness.store.feed_state(&SourceId::hf()).unwrap();
    assert_eq!(state.last_error, None);
    assert_eq!(
        state
            .validators
            .values()
            .next()
            .and_then(|v| v.etag.as_deref()),
        Some("\"daily-v1\"")
    );
    stop(handle).await;
    server.verify().await;
}

#[tokio::test]
async fn resync_with_new_upvotes_changes_the_paper_and_keeps_the_star() {
    let server = MockServer::start().await;
    let harness = Harness::new();
    hf_route()
        .respond_with(
            ResponseTemplate::new(200).set_body_string(hf_body(&[hf_item("2504.21318", 3)])),
        )
        .mount(&server)
        .await;
    let mut handle = harness.start(vec![hf_source(&server)], settings());
    sync_all(&mut handle).await;
    harness.star("2504.21318");
    server.reset().await;
    hf_route()
        .respond_with(
            ResponseTemplate::new(200).set_body_string(hf_body(&[hf_item("2504.21318", 40)])),
        )
        .mount(&server)
        .await;
    let events = sync_all(&mut handle).await;
    assert_eq!(update_of(&events, &SourceId::hf()), (0, 1));
    assert_eq!(
        harness
            .store
            .paper(&id("2504.21318"))
            .unwrap()
            .unwrap()
            .upvotes,
        Some(40)
    );
    assert!(harness.is_starred("2504.21318"));
    stop(handle).await;
}

// ---------------------------------------------------------------- scheduling and politeness

/// Through real HTTP on loopback, so on real time: a lower bound only (the server sees the
/// second request at least the interval after the first), never an upper one. How long the
/// gate waits, and that it waits no longer, is tested on tokio's paused clock in
/// `sync::politeness` (a paused clock would also fire this test's request timeouts while it
/// waits on the sockets).
#[tokio::test]
async fn requests_to_one_polite_host_are_spaced_by_at_least_its_interval() {
    let server = MockServer::start().await;
    let arrivals: Arc<Mutex<Vec<Instant>>> = Arc::default();
    let recorder = Arc::clone(&arrivals);
    Mock::given(method("GET"))
        .respond_with(move |_: &Request| {
            recorder.lock().unwrap().push(Instant::now());
            ResponseTemplate::new(200).set_body_string("[]")
        })
        .mount(&server)
        .await;
    let interval = Duration::from_millis(400);
    let urls = [
        format!("{}/api/query?a", server.uri()),
        format!("{}/api/query?b", server.uri()),
    ];
    let mut source = ListSource::new("arxiv-like", &urls);
    source.min_interval = interval;
    let harness = Harness::new();
    let mut handle = harness.start(vec![Arc::new(source)], settings());
    sync_all(&mut handle).await;
    stop(handle).await;
    let arrivals = arrivals.lock().unwrap().clone();
    assert_eq!(arrivals.len(), 2);
    let gap = arrivals[1] - arrivals[0];
    assert!(
        gap >= interval,
        "requests {gap:?} apart, the interval is {interval:?}"
    );
}

#[tokio::test]
async fn asking_for_one_source_syncs_only_that_source() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .respond_with(ResponseTemplate::new(200).set_body_string(list_body(&["2504.00001"])))
        .mount(&server)
        .await;
    let one: Arc<dyn Source> = Arc::new(ListSource::new("one", &[format!("{}/one", server.uri())]));
    let two: Arc<dyn Source> = Arc::new(ListSource::new("two", &[format!("{}/two", server.uri())]));
    let harness = Harness::new();
    let mut handle = harness.start(vec![one, two], settings());
    let events = round(&mut handle, SyncCommand::SyncSource(SourceId::feed("two"))).await;
    assert_eq!(
        events[0],
        SyncEvent::Started {
            sources: vec![SourceId::feed("two")]
        }
    );
    let requests = server.received_requests().await.unwrap();
    assert_eq!(
        requests.iter().map(|r| r.url.path()).collect::<Vec<_>>(),
        vec!["/two"]
    );

    let events = round(&mut handle, SyncCommand::SyncSource(SourceId::feed("nope"))).await;
    assert_eq!(
        events,
        vec![
            SyncEvent::Started { sources: vec![] },
            SyncEvent::Finished {
                succeeded: 0,
                failed: 0
            }
        ]
    );
    stop(handle).await;
}

#[tokio::test]
async fn the_interval_syncs_a_due_source_without_being_asked() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .respond_with(ResponseTemplate::new(200).set_body_string(list_body(&["2504.00001"])))
        .mount(&server)
        .await;
    let source: Arc<dyn Source> =
        Arc::new(ListSource::new("list", &[format!("{}/l", server.uri())]));
    let harness = Harness::new();
    let quick = SyncSettings {
        interval: Duration::from_millis(100),
        ..settings()
    };
    let mut handle = harness.start(vec![source], quick);
    let mut events = Vec::new();
    let collect = async {
        while let Some(event) = handle.events.recv().await {
            let finished = matches!(event, SyncEvent::Finished { .. });
            events.push(event);
            if finished {
                break;
            }
        }
    };
    tokio::time::timeout(Duration::from_secs(60), collect)
        .await
        .expect("no periodic sync");
    assert_eq!(update_of(&events, &SourceId::feed("list")), (1, 0));
    stop(handle).await;
}

#[tokio::test]
async fn shutdown_ends_the_task_even_during_a_slow_round() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .respond_with(
            ResponseTemplate::new(200)
                .set_body_string("[]")
                .set_delay(Duration::from_secs(60)),
        )
        .mount(&server)
        .await;
    let source: Arc<dyn Source> =
        Arc::new(ListSource::new("slow", &[format!("{}/s", server.uri())]));
    let harness = Harness::new();
    let mut handle = harness.start(vec![source], settings());
    handle.commands.send(SyncCommand::SyncAll).await.unwrap();
    // Wait until the request is in flight.
    while !matches!(
        handle.events.recv().await,
        Some(SyncEvent::SourceProgress { .. })
    ) {}
    handle.commands.send(SyncCommand::Shutdown).await.unwrap();
    tokio::time::timeout(Duration::from_secs(30), handle.task)
        .await
        .expect("task still running")
        .unwrap();
}
