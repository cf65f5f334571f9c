//! Large feeds through the sync task: bodies are parsed as they arrive and stored a batch at a
//! time, yet the store ends up as if the feed had been read whole; a body that fails part-way
//! is reported as the fetch error it is. Served on 127.0.0.1, stored in a tempdir.

use std::sync::Arc;
use std::time::Duration;

use chrono::{DateTime, TimeZone, Utc};
use paperboat::clock::Clock;
use paperboat::model::{PaperId, SourceId};
use paperboat::source::feed::FeedSource;
use paperboat::source::{STREAM_BATCH, Source};
use paperboat::store::Store;
use paperboat::sync::{SyncCommand, SyncEvent, SyncHandle, SyncSettings, spawn};
use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

fn now() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2025, 4, 30, 12, 0, 0).unwrap()
}

fn settings() -> SyncSettings {
    SyncSettings {
        connect_timeout: Duration::from_secs(5),
        total_timeout: Duration::from_secs(60),
        max_body_bytes: 64 * 1024 * 1024,
        ..SyncSettings::default()
    }
}

fn item(n: usize, category: &str) -> String {
    format!(
        "<item><title>Paper number {n}</title><link>https://arxiv.org/abs/2504.{n:05}</link>\
         <description>&lt;p&gt;Abstract of paper {n}.&lt;/p&gt;</description>\
         <category>{category}</category><pubDate>Tue, 29 Apr 2025 12:00:00 +0000</pubDate></item>\n"
    )
}

fn rss(items: &str) -> String {
    format!(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<rss version=\"2.0\"><channel><title>Big</title>\n\
         {items}</channel></rss>\n"
    )
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

    fn start(&self, url: &str) -> SyncHandle {
        let feed: Arc<dyn Source> = Arc::new(FeedSource::new("big", url));
        spawn(
            self.store.clone(),
            vec![feed],
            settings(),
            Clock::Fixed(now()),
        )
    }
}

/// Runs one round and returns its events up to `Finished`.
async fn sync_all(handle: &mut SyncHandle) -> Vec<SyncEvent> {
    handle.commands.send(SyncCommand::SyncAll).await.unwrap();
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
    // A guard against a hang, far above any round here.
    tokio::time::timeout(Duration::from_secs(120), collect)
        .await
        .expect("the round never finished");
    events
}

async fn stop(handle: SyncHandle) {
    handle.commands.send(SyncCommand::Shutdown).await.unwrap();
    handle.task.await.unwrap();
}

fn outcome(events: &[SyncEvent]) -> Result<(usize, usize), String> {
    let source = SourceId::feed("big");
    events
        .iter()
        .find_map(|event| match event {
            SyncEvent::SourceUpdated {
                id, new, changed, ..
            } if *id == source => Some(Ok((*new, *changed))),
            SyncEvent::SourceFailed { id, error, .. } if *id == source => Some(Err(error.clone())),
            _ => None,
        })
        .unwrap_or_else(|| panic!("no outcome in {events:?}"))
}

/// Serves one raw HTTP answer to the first connection, then closes it.
fn raw_server(answer: Vec<u8>) -> String {
    use std::io::{Read, Write};
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let address = listener.local_addr().unwrap();
    std::thread::spawn(move || {
        if let Ok((mut stream, _)) = listener.accept() {
            let mut request = [0u8; 8192];
            let _ = stream.read(&mut request);
            let _ = stream.write_all(&answer);
        }
    });
    format!("http://{address}/feed.xml")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_feed_of_many_batches_is_stored_as_if_read_whole() {
    let count = 2 * STREAM_BATCH + 5;
    let mut items: String = (0..count).map(|n| item(n, "cs.LG")).collect();
    // The first paper again at the end, in a later batch, with more categories.
    items.push_str(&item(0, "cs.AI").replace(
        "<category>cs.AI</category>",
        "<category>cs.LG</category><category>cs.AI</category>",
    ));
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/feed.xml"))
        .respond_with(ResponseTemplate::new(200).set_body_string(rss(&items)))
        .mount(&server)
        .await;
    let harness = Harness::new();
    let mut handle = harness.start(&format!("{}/feed.xml", server.uri()));

    let events = sync_all(&mut handle).await;
    assert_eq!(outcome(&events), Ok((count, 1)));
    assert_eq!(harness.store.paper_count().unwrap(), count);
    let first = harness
        .store
        .paper(&PaperId::parse_user("2504.00000").unwrap())
        .unwrap()
        .unwrap();
    assert_eq!(
        first.categories,
        ["cs.LG", "cs.AI"],
        "merged across batches"
    );
    let rows = harness.store.all_rows().unwrap();
    assert_eq!(rows[0].title(), "Paper number 0", "feed order kept");
    assert_eq!(
        rows[count - 1].title(),
        format!("Paper number {}", count - 1)
    );
    stop(handle).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_large_feed_streams_from_a_file_url() {
    let count = STREAM_BATCH + 1;
    let items: String = (0..count).map(|n| item(n, "cs.LG")).collect();
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("big feed.xml");
    std::fs::write(&file, rss(&items)).unwrap();
    let url = reqwest::Url::from_file_path(&file).unwrap();
    let harness = Harness::new();
    let mut handle = harness.start(url.as_str());

    let events = sync_all(&mut handle).await;
    assert_eq!(outcome(&events), Ok((count, 0)));
    assert_eq!(harness.store.paper_count().unwrap(), count);
    stop(handle).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_feed_cut_off_part_way_fails_as_cut_off_and_keeps_whole_batches() {
    let body = rss(&(0..STREAM_BATCH + 500)
        .map(|n| item(n, "cs.LG"))
        .collect::<String>());
    let sent = &body[..body.len() * 9 / 10];
    let answer = format!(
        "HTTP/1.1 200 OK\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{sent}",
        body.len()
    );
    let url = raw_server(answer.into_bytes());
    let harness = Harness::new();
    let mut handle = harness.start(&url);

    let events = sync_all(&mut handle).await;
    let error = outcome(&events).unwrap_err();
    assert!(error.contains("was cut off"), "{error}");
    // The batch parsed before the cut is stored; the partial one after it is not.
    assert_eq!(harness.store.paper_count().unwrap(), STREAM_BATCH);
    let state = harness.store.feed_state(&SourceId::feed("big")).unwrap();
    assert!(state.last_error.unwrap().contains("was cut off"));
    stop(handle).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_chunked_feed_past_the_cap_fails_as_too_large() {
    let body = rss(&(0..200).map(|n| item(n, "cs.LG")).collect::<String>());
    let mut answer = b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n".to_vec();
    for piece in body.as_bytes().chunks(1000) {
        answer.extend_from_slice(format!("{:x}\r\n", piece.len()).as_bytes());
        answer.extend_from_slice(piece);
        answer.extend_from_slice(b"\r\n");
    }
    answer.extend_from_slice(b"0\r\n\r\n");
    let url = raw_server(answer);
    let harness = Harness::new();
    let feed: Arc<dyn Source> = Arc::new(FeedSource::new("big", &url));
    let small = SyncSettings {
        max_body_bytes: 20_000,
        ..settings()
    };
    let mut handle = spawn(
        harness.store.clone(),
        vec![feed],
        small,
        Clock::Fixed(now()),
    );

    let events = sync_all(&mut handle).await;
    let error = outcome(&events).unwrap_err();
    assert!(
        error.contains("larger than the limit of 20000 bytes"),
        "{error}"
    );
    stop(handle).await;
}
