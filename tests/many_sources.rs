//! `paperboat sync` over 200 sources on loopback servers, some slow, some failing, some huge:
//! the sync finishes, stores every paper of every source that answered (counted per source
//! from the store afterwards) and none of those that failed, never has more requests in flight
//! than `[sync] concurrency`, and spaces its arXiv requests by the configured interval and runs
//! them one at a time (checked from the servers' own arrival records: both are bounds the
//! timing of a loaded machine cannot break, only slow down).
//!
//! Peak memory is a figure, not a pass/fail check here: sampling a child's RSS on a timer
//! misses peaks between samples. `benches/ingest.rs` prints it for big feeds.

use paperboat::model::SourceId;
use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::io::{BufRead, BufReader, Write};
use std::net::{TcpListener, TcpStream};
use std::process::{Command, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

const FEEDS: usize = 198;
const CONCURRENCY: usize = 4;
const ARXIV_INTERVAL: Duration = Duration::from_millis(200);
const ARXIV_QUERIES: usize = 6;
const BODY_CAP_MIB: u64 = 8;
/// Items in each of the two big feeds (4 and 14 serve the same body).
const BIG_ITEMS: usize = 16_000;

/// One request as the server saw it.
#[derive(Debug, Clone)]
struct Arrival {
    server: &'static str,
    path: String,
    arrived: Instant,
    /// When the server began to write the answer.
    answered: Instant,
}

#[derive(Default)]
struct Records {
    in_flight: AtomicUsize,
    max_in_flight: AtomicUsize,
    arrivals: Mutex<Vec<Arrival>>,
}

/// What a server answers to one path.
struct Reply {
    delay: Duration,
    status: &'static str,
    body: Arc<Vec<u8>>,
}

type Router = dyn Fn(&str) -> Reply + Send + Sync;

/// A loopback HTTP/1.1 server (one thread per connection, `Connection: close`) that records
/// every request's arrival and answer, and how many were in flight at once across all servers.
fn start_server(name: &'static str, records: Arc<Records>, router: Arc<Router>) -> String {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    std::thread::spawn(move || {
        for stream in listener.incoming().flatten() {
            let (records, router) = (Arc::clone(&records), Arc::clone(&router));
            std::thread::spawn(move || serve(name, stream, &records, &*router));
        }
    });
    url
}

fn serve(name: &'static str, mut stream: TcpStream, records: &Records, router: &Router) {
    let mut reader = BufReader::new(stream.try_clone().unwrap());
    let mut request_line = String::new();
    if reader.read_line(&mut request_line).is_err() {
        return;
    }
    let mut line = String::new();
    while reader.read_line(&mut line).is_ok_and(|n| n > 0) && line != "\r\n" {
        line.clear();
    }
    let arrived = Instant::now();
    let now_in_flight = records.in_flight.fetch_add(1, Ordering::SeqCst) + 1;
    records
        .max_in_flight
        .fetch_max(now_in_flight, Ordering::SeqCst);
    let path = request_line
        .split_whitespace()
        .nth(1)
        .unwrap_or_default()
        .to_string();
    let reply = router(&path);
    std::thread::sleep(reply.delay);
    // The request counts as in flight until the answer starts: the client cannot have it
    // before then, so these windows lie within the client's and their overlap is a lower
    // bound of its concurrency (and `answered` a lower bound of when it got the answer).
    let answered = Instant::now();
    records.in_flight.fetch_sub(1, Ordering::SeqCst);
    let head = format!(
        "HTTP/1.1 {}\r\nContent-Type: application/xml\r\nContent-Length: {}\r\n\
         Connection: close\r\n\r\n",
        reply.status,
        reply.body.len()
    );
    let _ = stream.write_all(head.as_bytes());
    let _ = stream.write_all(&reply.body);
    let _ = stream.flush();
    records.arrivals.lock().unwrap().push(Arrival {
        server: name,
        path,
        arrived,
        answered,
    });
}

fn rss(feed: usize, items: usize) -> Vec<u8> {
    let mut out = String::from(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?><rss version=\"2.0\"><channel><title>f</title>",
    );
    for item in 0..items {
        out.push_str(&format!(
            "<item><title>Feed {feed} item {item}</title><guid>feed{feed}-{item}</guid>\
             <link>https://blog.example/{feed}/{item}</link>\
             <description>A post about the {item}th thing, with a few words.</description>\
             <pubDate>Wed, 30 Apr 2025 08:00:00 +0000</pubDate></item>"
        ));
    }
    out.push_str("</channel></rss>");
    out.into_bytes()
}

fn arxiv_atom(query: usize) -> Vec<u8> {
    let mut out = String::from(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?><feed xmlns=\"http://www.w3.org/2005/Atom\">",
    );
    for entry in 0..3 {
        out.push_str(&format!(
            "<entry><id>http://arxiv.org/abs/2504.{:05}v1</id><title>Query {query} entry {entry}\
             </title><summary>s</summary><published>2025-04-29T00:00:00Z</published>\
             <author><name>A</name></author></entry>",
            10_000 + query * 10 + entry
        ));
    }
    out.push_str("</feed>");
    out.into_bytes()
}

/// How feed `n` behaves: most answer at once, some slowly, some fail, two are big.
fn feed_reply(n: usize, big: &Arc<Vec<u8>>, oversized: &Arc<Vec<u8>>) -> Reply {
    let ok = |delay_ms: u64, body: Vec<u8>| Reply {
        delay: Duration::from_millis(delay_ms),
        status: "200 OK",
        body: Arc::new(body),
    };
    match n % 10 {
        0 => ok(300, rss(n, 5)),
        1 => Reply {
            delay: Duration::ZERO,
            status: "500 Internal Server Error",
            body: Arc::new(b"down".to_vec()),
        },
        2 => Reply {
            delay: Duration::ZERO,
            status: "404 Not Found",
            body: Arc::new(b"gone".to_vec()),
        },
        3 => ok(0, b"<rss><channel><item><title>cut".to_vec()),
        _ if n == 4 || n == 14 => Reply {
            delay: Duration::ZERO,
            status: "200 OK",
            body: Arc::clone(big),
        },
        _ if n == 24 => Reply {
            delay: Duration::ZERO,
            status: "200 OK",
            body: Arc::clone(oversized),
        },
        _ => ok(0, rss(n, 5)),
    }
}

#[test]
fn a_sync_of_200_sources_finishes_within_its_limits() {
    let records = Arc::new(Records::default());
    // 4 MB of items in each of two feeds (read), 12 MiB in one (over the cap: refused).
    let big = Arc::new(rss(4, BIG_ITEMS));
    let oversized = Arc::new(vec![b' '; 12 * 1024 * 1024]);
    let feeds_url = {
        let (big, oversized) = (Arc::clone(&big), Arc::clone(&oversized));
        start_server(
            "feeds",
            Arc::clone(&records),
            Arc::new(move |path: &str| {
                if path.starts_with("/api/daily_papers") {
                    return Reply {
                        delay: Duration::ZERO,
                        status: "200 OK",
                        body: Arc::new(
                            br#"[{"paper":{"id":"2504.20001","title":"An HF paper"}}]"#.to_vec(),
                        ),
                    };
                }
                let n: usize = path
                    .trim_start_matches("/feed/")
                    .trim_end_matches(".xml")
                    .parse()
                    .unwrap_or(usize::MAX);
                feed_reply(n, &big, &oversized)
            }),
        )
    };
    let arxiv_url = start_server(
        "arxiv",
        Arc::clone(&records),
        Arc::new(|path: &str| {
            let query = path
                .split("search_query=q")
                .nth(1)
                .and_then(|rest| rest.split('&').next())
                .and_then(|n| n.parse().ok())
                .unwrap_or(ARXIV_QUERIES);
            Reply {
                delay: Duration::from_millis(20),
                status: "200 OK",
                body: Arc::new(arxiv_atom(query)),
            }
        }),
    );

    let dir = tempfile::tempdir().unwrap();
    let mut config = format!(
        "[sync]\nconcurrency = {CONCURRENCY}\narxiv_interval_secs = {}\ntimeout_secs = 60\n\
         max_body_mib = {BODY_CAP_MIB}\n\n[sources.hf]\nbase_url = \"{feeds_url}\"\ndays = 2\n\n\
         [sources.arxiv]\nrss_base_url = \"{arxiv_url}\"\napi_base_url = \"{arxiv_url}\"\n\
         queries = [{}]\n",
        ARXIV_INTERVAL.as_secs_f64(),
        (0..ARXIV_QUERIES)
            .map(|q| format!("\"q{q}\""))
            .collect::<Vec<_>>()
            .join(", ")
    );
    for n in 0..FEEDS {
        config.push_str(&format!(
            "\n[[sources.feeds]]\nname = \"f{n}\"\nurl = \"{feeds_url}/feed/{n}.xml\"\n"
        ));
    }
    let config_path = dir.path().join("config.toml");
    std::fs::write(&config_path, config).unwrap();

    let started = Instant::now();
    let child = Command::new(env!("CARGO_BIN_EXE_paperboat"))
        .env_clear()
        .env("HOME", dir.path())
        .env("XDG_STATE_HOME", dir.path().join("state"))
        .arg("--data-dir")
        .arg(dir.path().join("data"))
        .arg("--config")
        .arg(&config_path)
        .arg("sync")
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    // `timeout_secs = 60` bounds every request, so the sync ends on its own.
    let output = child.wait_with_output().unwrap();
    let took = started.elapsed();
    let stdout = String::from_utf8_lossy(&output.stdout);
    let summary = stdout.lines().last().unwrap_or_default().to_string();
    eprintln!("200 sources: {summary} in {took:?}");

    // It finished, and said how it went: the failing feeds fail, the rest succeed.
    assert_eq!(
        output.status.code(),
        Some(1),
        "some sources fail: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    let failing = (0..FEEDS)
        .filter(|&n| matches!(n % 10, 1..=3) || n == 24)
        .count();
    assert!(
        summary.starts_with(&format!("synced {} of 200 sources", 200 - failing)),
        "{summary}"
    );
    assert_eq!(
        stdout.lines().count(),
        201,
        "one line per source and a summary"
    );

    let arrivals = records.arrivals.lock().unwrap().clone();
    // Every source was asked: 198 feeds, 2 HF days, 6 arXiv queries.
    assert_eq!(arrivals.len(), FEEDS + 2 + ARXIV_QUERIES, "{arrivals:#?}");
    let max_in_flight = records.max_in_flight.load(Ordering::SeqCst);
    eprintln!("at most {max_in_flight} requests in flight at once (limit {CONCURRENCY})");
    assert!(
        max_in_flight <= CONCURRENCY,
        "{max_in_flight} requests in flight at once; the limit is {CONCURRENCY}"
    );

    // arXiv: one request at a time, each arriving at least the interval after the previous
    // answer began (the client had it no earlier, and waits the interval after it).
    let mut arxiv: Vec<&Arrival> = arrivals.iter().filter(|a| a.server == "arxiv").collect();
    arxiv.sort_by_key(|a| a.arrived);
    assert_eq!(arxiv.len(), ARXIV_QUERIES);
    for pair in arxiv.windows(2) {
        let gap = pair[1].arrived.saturating_duration_since(pair[0].answered);
        assert!(
            gap >= ARXIV_INTERVAL,
            "arXiv asked again {gap:?} after its last answer: {} then {}",
            pair[0].path,
            pair[1].path
        );
    }
    let per_path: HashMap<&str, usize> = arrivals.iter().fold(HashMap::new(), |mut m, a| {
        *m.entry(a.path.as_str()).or_default() += 1;
        m
    });
    assert!(
        per_path.values().all(|&n| n == 1),
        "no URL fetched twice in one sync"
    );

    // The store holds what every source that answered listed, and nothing of the rest.
    let store = paperboat::store::Store::open(&dir.path().join("data")).unwrap();
    let mut titles: BTreeMap<SourceId, BTreeSet<String>> = BTreeMap::new();
    store
        .for_each_paper(&mut |paper| {
            for source in &paper.sources {
                titles
                    .entry(source.clone())
                    .or_default()
                    .insert(paper.title.clone());
            }
        })
        .unwrap();
    let count = |source: &SourceId| titles.get(source).map_or(0, BTreeSet::len);
    for n in 0..FEEDS {
        let source = SourceId::feed(&format!("f{n}"));
        let (want, items) = match n {
            _ if matches!(n % 10, 1..=3) || n == 24 => (0, 0),
            4 | 14 => (BIG_ITEMS, BIG_ITEMS),
            _ => (5, 5),
        };
        assert_eq!(count(&source), want, "papers stored from feed {n}");
        // Feeds 4 and 14 serve feed 4's items.
        let named = if n == 14 { 4 } else { n };
        for item in 0..items {
            let title = format!("Feed {named} item {item}");
            assert!(
                titles.get(&source).is_some_and(|t| t.contains(&title)),
                "feed {n} lacks {title:?}"
            );
        }
    }
    assert_eq!(
        count(&SourceId::hf()),
        1,
        "the HF paper (listed on both days)"
    );
    assert_eq!(
        count(&SourceId::arxiv()),
        ARXIV_QUERIES * 3,
        "3 entries per arXiv query"
    );
    let answered = (0..FEEDS)
        .filter(|&n| !matches!(n % 10, 1..=3) && !matches!(n, 4 | 14 | 24))
        .count();
    assert_eq!(
        store.paper_count().unwrap(),
        // A feed item's id is scoped to its feed: feeds 4 and 14 store 16,000 papers each.
        answered * 5 + 2 * BIG_ITEMS + 1 + ARXIV_QUERIES * 3,
        "every paper stored once"
    );
}
