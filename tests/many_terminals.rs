//! One data dir, many terminals (issue #12): a real reader runs in tmux (private socket) on a
//! data dir, and the `paperboat` binary is run against it: every forwarded command gives what
//! it gives with no reader open (one table of cases, run both ways), bad clients are answered
//! or dropped while the reader stays responsive, a killed reader's socket is cleaned up, a
//! second reader is refused, long data dir paths and version mismatches work out.
//!
//! tmux is required: without it these tests fail under CI and are skipped (with a message)
//! elsewhere.

mod support;

use std::io::{BufRead, BufReader, Read, Write};
use std::os::unix::net::UnixStream;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::time::{Duration, Instant};

use paperboat::ownership::{Owner, read_owner};
use support::{Tmux, require_tool};
use wiremock::matchers::{method, path, query_param};
use wiremock::{Mock, MockServer, ResponseTemplate};

const FIXTURE: &str = include_str!("fixtures/hf_daily_papers_2026-07-13.json");

/// Whether to run: tmux missing is a failure under CI, a skip elsewhere.
fn have_tmux() -> bool {
    require_tool("tmux", "-V")
}

/// A private home with a config that syncs HF from a loopback mock, and nothing else unless
/// `extra_config` adds it (`{server}` in it is the mock's address, which also serves
/// `/blog.xml`: a feed of 20 items, 3 of which cannot be papers).
struct Home {
    dir: tempfile::TempDir,
    _server: MockServer,
}

/// 17 items that are papers and 3 with neither title nor summary, dated on the fixture's day.
fn blog_feed() -> String {
    let date = "Mon, 13 Jul 2026 08:00:00 GMT";
    let mut items = String::new();
    for n in 0..17 {
        items.push_str(&format!(
            "<item><title>Blog post {n}</title><guid>g{n}</guid><pubDate>{date}</pubDate></item>"
        ));
    }
    for _ in 0..3 {
        items.push_str("<item><link>https://blog.example/x</link></item>");
    }
    format!("<rss version=\"2.0\"><channel><title>blog</title>{items}</channel></rss>")
}

impl Home {
    async fn new(extra_config: &str) -> Home {
        let server = MockServer::start().await;
        Mock::given(method("GET"))
            .and(path("/api/daily_papers"))
            .respond_with(ResponseTemplate::new(200).set_body_string(FIXTURE))
            .mount(&server)
            .await;
        // HF's search: no hits for "nothing", the day's list (daily shape) for anything else.
        Mock::given(method("GET"))
            .and(path("/api/papers/search"))
            .and(query_param("q", "nothing"))
            .respond_with(ResponseTemplate::new(200).set_body_string("[]"))
            .mount(&server)
            .await;
        Mock::given(method("GET"))
            .and(path("/api/papers/search"))
            .respond_with(ResponseTemplate::new(200).set_body_string(FIXTURE))
            .mount(&server)
            .await;
        Mock::given(method("GET"))
            .and(path("/blog.xml"))
            .respond_with(
                ResponseTemplate::new(200)
                    .insert_header("content-type", "application/rss+xml")
                    .set_body_string(blog_feed()),
            )
            .mount(&server)
            .await;
        let dir = tempfile::tempdir().unwrap();
        let extra_config = extra_config.replace("{server}", &server.uri());
        std::fs::write(
            dir.path().join("config.toml"),
            format!(
                "[sources.hf]\nbase_url = \"{}\"\ndays = 1\n{extra_config}",
                server.uri()
            ),
        )
        .unwrap();
        Home {
            dir,
            _server: server,
        }
    }

    fn path(&self) -> &Path {
        self.dir.path()
    }

    fn config(&self) -> PathBuf {
        self.path().join("config.toml")
    }

    /// `paperboat --config … --data-dir DATA ARGS` in `cwd`, with a private environment.
    fn run(&self, data: &Path, cwd: &Path, args: &[&str], env: &[(&str, &Path)]) -> Output {
        let mut command = Command::new(env!("CARGO_BIN_EXE_paperboat"));
        command
            .env_clear()
            .env("HOME", self.path())
            .env("XDG_STATE_HOME", self.path().join("state"))
            .env("XDG_DATA_HOME", self.path().join("xdg-data"))
            .current_dir(cwd)
            .arg("--config")
            .arg(self.config())
            .arg("--data-dir")
            .arg(data)
            .args(args);
        for (key, value) in env {
            command.env(key, value);
        }
        command.output().unwrap()
    }
}

/// A reader running in tmux on a data dir.
struct OpenReader {
    tmux: Tmux,
    data: PathBuf,
    status: PathBuf,
}

impl OpenReader {
    /// Starts the reader and waits until it serves and shows the synced papers.
    async fn start(home: &Home, data: &Path, env: &[(&str, &Path)]) -> OpenReader {
        let reader = OpenReader::launch(home, data, env).await;
        reader.wait_serving().await;
        reader
    }

    /// Starts the reader and waits until it shows the synced papers (it may not serve).
    async fn launch(home: &Home, data: &Path, env: &[(&str, &Path)]) -> OpenReader {
        let status = home.path().join(format!(
            "status-{}",
            data.file_name().unwrap().to_string_lossy()
        ));
        let _ = std::fs::remove_file(&status);
        let command = format!(
            "{} --config {} --data-dir {}; echo $? > {}",
            env!("CARGO_BIN_EXE_paperboat"),
            home.config().display(),
            data.display(),
            status.display()
        );
        let tmux = Tmux::new(home.path());
        let state = home.path().join("state");
        let mut all_env = vec![("XDG_STATE_HOME", state.as_path())];
        all_env.extend_from_slice(env);
        tmux.start(&command, &all_env);
        let reader = OpenReader {
            tmux,
            data: data.to_path_buf(),
            status,
        };
        reader
            .tmux
            .wait_for("the synced papers", |s| s.contains("papers ·"))
            .await;
        reader
    }

    async fn wait_serving(&self) {
        self.tmux
            .wait_for("the synced papers", |s| s.contains("14 papers"))
            .await;
        let deadline = Instant::now() + Duration::from_secs(10);
        loop {
            if let Some(socket) = self.owner().socket
                && UnixStream::connect(&socket).is_ok()
            {
                break;
            }
            assert!(Instant::now() < deadline, "the reader does not serve");
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    }

    fn owner(&self) -> Owner {
        read_owner(&self.data).expect("an owner file")
    }

    fn socket(&self) -> PathBuf {
        self.owner().socket.expect("a socket")
    }

    /// One request line on a fresh connection; the reply lines up to the final one.
    fn call(&self, request: &str) -> Vec<serde_json::Value> {
        let mut stream = UnixStream::connect(self.socket()).unwrap();
        stream
            .set_read_timeout(Some(Duration::from_secs(60)))
            .unwrap();
        stream.write_all(request.as_bytes()).unwrap();
        stream.write_all(b"\n").unwrap();
        let mut lines = Vec::new();
        let mut reader = BufReader::new(stream);
        loop {
            let mut line = String::new();
            assert!(
                reader.read_line(&mut line).unwrap() > 0,
                "closed: {lines:?}"
            );
            let value: serde_json::Value = serde_json::from_str(&line).unwrap();
            let last = value.get("progress").is_none();
            lines.push(value);
            if last {
                return lines;
            }
        }
    }

    async fn quit(self) {
        self.tmux.keys(&["q"]);
        let (status, _) = self.tmux.wait_exit(&self.status).await;
        assert_eq!(status, "0", "the reader's exit status");
        assert!(
            read_owner(&self.data).is_none(),
            "the owner file is removed"
        );
    }
}

/// Runs blocking work (processes, sockets) off the test's async threads.
async fn blocking<T: Send + 'static>(work: impl FnOnce() -> T + Send + 'static) -> T {
    tokio::task::spawn_blocking(work).await.unwrap()
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

/// Times of day and instants differ between two runs; everything else must not.
fn normalised(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let chars: Vec<char> = text.chars().collect();
    let mut i = 0;
    while i < chars.len() {
        // hh:mm (with :ss and fractions) becomes "T".
        let is_time = i + 4 < chars.len()
            && chars[i].is_ascii_digit()
            && chars[i + 1].is_ascii_digit()
            && chars[i + 2] == ':'
            && chars[i + 3].is_ascii_digit()
            && chars[i + 4].is_ascii_digit();
        if is_time {
            out.push('T');
            i += 5;
            while i < chars.len()
                && (chars[i].is_ascii_digit() || chars[i] == ':' || chars[i] == '.')
            {
                i += 1;
            }
        } else {
            out.push(chars[i]);
            i += 1;
        }
    }
    out
}

/// A data dir with the fixture's papers in it, synced directly.
fn synced_data_dir(home: &Home, name: &str) -> PathBuf {
    let data = home.path().join(name);
    let out = home.run(&data, home.path(), &["sync"], &[]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    data
}

fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for entry in std::fs::read_dir(from).unwrap() {
        let entry = entry.unwrap();
        let target = to.join(entry.file_name());
        if entry.file_type().unwrap().is_dir() {
            copy_dir(&entry.path(), &target);
        } else {
            std::fs::copy(entry.path(), target).unwrap();
        }
    }
}

/// The shared cases: each is run against a data dir with no reader, then against an equal
/// one with a reader open, and must print and exit the same.
fn cases(ids: &[String], day: &str, word: &str) -> Vec<Vec<String>> {
    let owned = |args: &[&str]| args.iter().map(|a| a.to_string()).collect::<Vec<_>>();
    vec![
        owned(&["sync"]),
        owned(&["list"]),
        owned(&["list", "--json"]),
        owned(&["list", "--date", day, "--limit", "3"]),
        owned(&["list", "-q", word]),
        owned(&["list", "-q", "(unclosed"]),
        owned(&["star", &ids[0], &ids[1]]),
        owned(&["star", "2101.00001"]),
        owned(&["unstar", &ids[1]]),
        owned(&["read", &ids[2], &ids[0]]),
        owned(&["note", &ids[0], "a note on it"]),
        owned(&["note", &ids[2], "another"]),
        owned(&["note", &ids[2], "--clear"]),
        owned(&["list", "--starred"]),
        owned(&["list", "--starred", "--json"]),
        owned(&["list", "--unread", "--limit", "4"]),
        owned(&["list", "--json", "-q", "is:starred"]),
        owned(&["export"]),
        owned(&["export", "--starred", "-f", "json"]),
        owned(&["export", "-q", "is:read", "-f", "csv", "-o", "out.csv"]),
        owned(&["feeds"]),
        owned(&["list", "--json", "--limit", "3"]),
        owned(&["search", word, "--limit", "5"]),
        owned(&["search", "--json", word, "--limit", "2"]),
        owned(&["search", "nothing"]),
        owned(&["search", &"x".repeat(251)]),
        owned(&["sync", "--week", "2026-W29"]),
        owned(&["list", "--limit", "3"]),
    ]
}

/// What one case printed, normalised; and the exported file when there is one.
fn run_case(
    home: &Home,
    data: &Path,
    cwd: &Path,
    args: &[String],
) -> (String, String, i32, String) {
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    let out = home.run(data, cwd, &args, &[]);
    let file = std::fs::read_to_string(cwd.join("out.csv")).unwrap_or_default();
    (
        normalised(&text(&out.stdout)),
        normalised(&text(&out.stderr)),
        out.status.code().unwrap_or(-1),
        normalised(&file),
    )
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn forwarded_commands_print_and_exit_as_direct_ones() {
    if !have_tmux() {
        return;
    }
    let home = Home::new("").await;
    let data_direct = synced_data_dir(&home, "direct");
    let data_served = home.path().join("served");
    copy_dir(&data_direct, &data_served);

    // Ids, a day and a title word from the data itself.
    let listed = home.run(&data_direct, home.path(), &["list", "--json"], &[]);
    let papers: Vec<serde_json::Value> = text(&listed.stdout)
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert!(papers.len() >= 3, "{papers:?}");
    let ids: Vec<String> = papers[..3]
        .iter()
        .map(|p| p["id"].as_str().unwrap().to_string())
        .collect();
    let day = papers[0]["day"].as_str().unwrap().to_string();
    let word = papers[0]["title"]
        .as_str()
        .unwrap()
        .split(|c: char| !c.is_alphanumeric())
        .find(|w| w.len() > 5)
        .unwrap()
        .to_lowercase();
    let cases = cases(&ids, &day, &word);

    let cwd_direct = home.path().join("cwd-direct");
    let cwd_served = home.path().join("cwd-served");
    std::fs::create_dir_all(&cwd_direct).unwrap();
    std::fs::create_dir_all(&cwd_served).unwrap();
    let mut expected = Vec::new();
    for case in &cases {
        let want = run_case(&home, &data_direct, &cwd_direct, case);
        // The table means something: every case but the bad query works and prints.
        let bad_query = case.iter().any(|a| a == "(unclosed" || a.len() > 250);
        assert_eq!(want.2, if bad_query { 2 } else { 0 }, "{case:?}: {want:?}");
        if case[..] == ["list", "--starred"] {
            // The star set by id on a paper no source brought is listed, not invisible.
            let line = want.0.lines().find(|l| l.contains("2101.00001"));
            assert!(
                line.is_some_and(|l| l.starts_with('*') && l.ends_with("(not fetched yet)")),
                "{}",
                want.0
            );
        }
        if case[..] == ["list", "--starred", "--json"] {
            let line = want.0.lines().find(|l| l.contains("2101.00001")).unwrap();
            let value: serde_json::Value = serde_json::from_str(line).unwrap();
            assert_eq!(value["fetched"], false, "{line}");
            assert_eq!(value["starred"], true, "{line}");
        }
        assert!(
            !want.0.is_empty() || !want.1.is_empty(),
            "{case:?} printed nothing"
        );
        expected.push(want);
    }

    let reader = OpenReader::start(&home, &data_served, &[]).await;
    for (case, want) in cases.iter().zip(&expected) {
        let got = run_case(&home, &data_served, &cwd_served, case);
        assert_eq!(&got, want, "paperboat {}", case.join(" "));
        if case[0] == "star" && case.len() > 2 {
            // The open reader shows the star without a key press.
            reader
                .tmux
                .wait_for("the forwarded star", |s| s.contains('★'))
                .await;
        }
    }
    // Nothing ran directly while the reader held the store: the reader journaled it all.
    let starred = home.run(&data_served, home.path(), &["list", "--starred"], &[]);
    assert!(text(&starred.stdout).contains(&ids[0]));
    reader.quit().await;
    // After the reader is gone, the served data dir holds what the direct one holds.
    let after = |data: &Path| {
        let out = home.run(data, home.path(), &["list", "--json"], &[]);
        normalised(&text(&out.stdout))
    };
    assert_eq!(after(&data_served), after(&data_direct));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bad_clients_get_an_error_or_are_dropped_and_nothing_changes() {
    if !have_tmux() {
        return;
    }
    let home = Home::new("[server]\nidle_timeout_secs = 1\n").await;
    let data = home.path().join("data");
    let reader = OpenReader::start(&home, &data, &[]).await;
    let before = reader.call(r#"{"v":1,"id":0,"method":"list","params":{"json":true}}"#);
    let socket = reader.socket();

    let error_code = |reply: &serde_json::Value| reply["error"]["code"].as_str().map(String::from);
    // Garbage bytes, then a newline: an error reply, the connection stays usable.
    let replies = reader.call("\u{1}\u{7f}garbage{{{");
    assert_eq!(error_code(&replies[0]).as_deref(), Some("bad_request"));
    // An unknown method: an error naming the reader's version.
    let replies = reader.call(r#"{"v":1,"id":"x","method":"frobnicate","params":{}}"#);
    assert_eq!(error_code(&replies[0]).as_deref(), Some("unknown_method"));
    assert_eq!(replies[0]["id"], "x");
    assert_eq!(replies[0]["error"]["version"], env!("CARGO_PKG_VERSION"));
    // A newer protocol version.
    let replies = reader.call(r#"{"v":2,"id":1,"method":"list"}"#);
    assert_eq!(
        error_code(&replies[0]).as_deref(),
        Some("unsupported_version")
    );
    // Params of the wrong shape.
    let replies = reader.call(r#"{"v":1,"id":1,"method":"star","params":{"ids":"nope"}}"#);
    assert_eq!(error_code(&replies[0]).as_deref(), Some("bad_params"));

    blocking(move || {
        // Half a line, then the connection closed mid-request.
        let mut stream = UnixStream::connect(&socket).unwrap();
        stream
            .write_all(br#"{"v":1,"id":1,"method":"star","params":{"ids":["2504.2"#)
            .unwrap();
        drop(stream);

        // A 10 MB line: an error reply, then the connection is closed.
        let stream = UnixStream::connect(&socket).unwrap();
        stream
            .set_read_timeout(Some(Duration::from_secs(30)))
            .unwrap();
        let mut writer = stream.try_clone().unwrap();
        let flood = std::thread::spawn(move || {
            let chunk = vec![b'x'; 64 * 1024];
            for _ in 0..160 {
                if writer.write_all(&chunk).is_err() {
                    return;
                }
            }
        });
        let mut reply = String::new();
        BufReader::new(&stream).read_line(&mut reply).unwrap();
        assert!(reply.contains("\"too_large\""), "{reply}");
        let _ = flood.join();

        // A client that never sends: dropped after the idle timeout (1 s in this config).
        let mut idle = UnixStream::connect(&socket).unwrap();
        idle.set_read_timeout(Some(Duration::from_secs(30)))
            .unwrap();
        let started = Instant::now();
        let mut buffer = [0u8; 16];
        assert_eq!(idle.read(&mut buffer).unwrap(), 0, "closed, no reply");
        assert!(started.elapsed() < Duration::from_secs(20));

        // 50 clients at once, each with a real request: every one is answered.
        let clients: Vec<_> = (0..50)
            .map(|n| {
                let socket = socket.clone();
                std::thread::spawn(move || {
                    let mut stream = UnixStream::connect(&socket).unwrap();
                    stream
                        .set_read_timeout(Some(Duration::from_secs(60)))
                        .unwrap();
                    let request = format!(
                        "{{\"v\":1,\"id\":{n},\"method\":\"list\",\"params\":{{\"query\":\"is:unread\"}}}}\n"
                    );
                    stream.write_all(request.as_bytes()).unwrap();
                    let mut reply = String::new();
                    BufReader::new(&stream).read_line(&mut reply).unwrap();
                    reply
                })
            })
            .collect();
        for client in clients {
            let reply = client.join().unwrap();
            assert!(reply.contains("\"ok\""), "{reply}");
        }
    })
    .await;

    // Still responsive: a request is answered, a key redraws, nothing in the store changed.
    let after = reader.call(r#"{"v":1,"id":0,"method":"list","params":{"json":true}}"#);
    assert_eq!(after, before);
    let screen = reader.tmux.screen();
    reader.tmux.keys(&["?"]);
    reader
        .tmux
        .wait_for("the help overlay", |s| s != screen)
        .await;
    reader.tmux.keys(&["Escape"]);
    reader
        .tmux
        .wait_for("the help overlay to close", |s| s == screen)
        .await;
    reader.quit().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_second_reader_is_refused_at_once_naming_the_first() {
    if !have_tmux() {
        return;
    }
    let home = Home::new("").await;
    let data = home.path().join("data");
    let reader = OpenReader::start(&home, &data, &[]).await;
    let owner = reader.owner();
    let started = Instant::now();
    let out = home.run(&data, home.path(), &[], &[]);
    assert_eq!(out.status.code(), Some(1));
    let stderr = text(&out.stderr);
    assert_eq!(stderr.lines().count(), 1, "{stderr}");
    let mut expected = format!(
        "paperboat is already open on this data dir (pid {} on host {}",
        owner.pid, owner.host
    );
    if let Some(tty) = &owner.tty {
        expected.push_str(&format!(", {tty}"));
    }
    expected.push_str("); commands like `paperboat list` still work");
    assert!(stderr.contains(&expected), "{stderr}\nwanted: {expected}");
    assert!(started.elapsed() < Duration::from_secs(5), "at once");
    reader.quit().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn of_two_readers_started_at_once_exactly_one_serves() {
    if !have_tmux() {
        return;
    }
    let home = Home::new("").await;
    let data = home.path().join("data");
    let tmux = Tmux::new(home.path());
    let state = home.path().join("state");
    let statuses: Vec<PathBuf> = (0..2)
        .map(|n| home.path().join(format!("status-{n}")))
        .collect();
    // Both sessions start before either reader gets far.
    for status in &statuses {
        let command = format!(
            "{} --config {} --data-dir {} 2>{}.err; echo $? > {}",
            env!("CARGO_BIN_EXE_paperboat"),
            home.config().display(),
            data.display(),
            status.display(),
            status.display()
        );
        tmux.start(&command, &[("XDG_STATE_HOME", state.as_path())]);
    }
    // One exits 1 naming the other; the other serves.
    let deadline = Instant::now() + Duration::from_secs(30);
    let loser = loop {
        if let Some(n) = statuses
            .iter()
            .position(|s| std::fs::read_to_string(s).is_ok_and(|t| t.ends_with('\n')))
        {
            break n;
        }
        assert!(Instant::now() < deadline, "neither reader was refused");
        tokio::time::sleep(Duration::from_millis(20)).await;
    };
    assert_eq!(
        std::fs::read_to_string(&statuses[loser]).unwrap().trim(),
        "1"
    );
    let error = std::fs::read_to_string(format!("{}.err", statuses[loser].display())).unwrap();
    assert!(
        error.contains("paperboat is already open on this data dir"),
        "{error}"
    );
    let owner = loop {
        if let Some(owner) = read_owner(&data).filter(|o| o.socket.is_some()) {
            break owner;
        }
        assert!(Instant::now() < deadline, "the winner does not serve");
        tokio::time::sleep(Duration::from_millis(20)).await;
    };
    assert!(error.contains(&format!("pid {}", owner.pid)), "{error}");
    assert!(!statuses[1 - loser].exists(), "the winner still runs");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_killed_readers_socket_is_removed_and_commands_run_directly() {
    if !have_tmux() {
        return;
    }
    let home = Home::new("").await;
    let data = home.path().join("data");
    let reader = OpenReader::start(&home, &data, &[]).await;
    let owner = reader.owner();
    let socket = reader.socket();
    kill_9(owner.pid);
    reader.tmux.wait_exit(&reader.status).await;
    assert!(socket.exists(), "a SIGKILLed reader leaves its socket");
    let out = home.run(&data, home.path(), &["list"], &[]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert!(
        text(&out.stdout).lines().count() >= 14,
        "{}",
        text(&out.stdout)
    );
    assert!(!socket.exists(), "the stale socket is removed");
    assert!(
        read_owner(&data).is_none(),
        "the stale owner file is removed"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_copy_of_a_served_data_dir_serves_too_and_leaves_the_original_serving() {
    if !have_tmux() {
        return;
    }
    let home = Home::new("").await;
    let data = home.path().join("data");
    let original = OpenReader::start(&home, &data, &[]).await;
    let original_socket = original.socket();
    // A copy made while the reader runs: its owner file names the original's socket, and
    // its own `run/reader.sock` is a socket file nobody listens on.
    let copy = home.path().join("copy");
    let copied = Command::new("cp")
        .arg("-a")
        .arg(&data)
        .arg(&copy)
        .output()
        .unwrap();
    assert!(copied.status.success(), "{copied:?}");
    let stale = copy.join("run").join("reader.sock");
    if !stale.exists() {
        drop(std::os::unix::net::UnixListener::bind(&stale).unwrap());
    }
    assert!(
        UnixStream::connect(&stale).is_err(),
        "nobody listens on the copy's socket"
    );
    let second = OpenReader::start(&home, &copy, &[]).await;
    assert_eq!(second.socket(), stale);
    assert!(
        UnixStream::connect(&original_socket).is_ok(),
        "the original still serves"
    );
    for dir in [&data, &copy] {
        let out = home.run(dir, home.path(), &["list", "--limit", "1"], &[]);
        assert!(out.status.success(), "{}", text(&out.stderr));
        assert_eq!(
            text(&out.stdout).lines().count(),
            1,
            "{}",
            text(&out.stdout)
        );
    }
    second.quit().await;
    original.quit().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_star_in_flight_when_the_reader_is_killed_is_kept_exactly_when_reported() {
    if !have_tmux() {
        return;
    }
    let home = Home::new("").await;
    let data = home.path().join("data");
    let marker = home.path().join("stalled");
    let reader = OpenReader::start(
        &home,
        &data,
        &[(paperboat::server::STALL_ENV, marker.as_path())],
    )
    .await;
    let listed = home.run(&data, home.path(), &["list", "--json", "--limit", "1"], &[]);
    let first: serde_json::Value = serde_json::from_str(text(&listed.stdout).trim()).unwrap();
    let id = first["id"].as_str().unwrap().to_string();
    let pid = reader.owner().pid;

    let star = {
        let (home_dir, config, data) = (home.path().to_path_buf(), home.config(), data.clone());
        let id = id.clone();
        std::thread::spawn(move || {
            Command::new(env!("CARGO_BIN_EXE_paperboat"))
                .env_clear()
                .env("HOME", &home_dir)
                .env("XDG_STATE_HOME", home_dir.join("state"))
                .arg("--config")
                .arg(config)
                .arg("--data-dir")
                .arg(data)
                .args(["star", &id])
                .output()
                .unwrap()
        })
    };
    // The reader stored the star and stalls before replying: kill it there.
    let deadline = Instant::now() + Duration::from_secs(30);
    while !marker.exists() {
        assert!(
            Instant::now() < deadline,
            "the star never reached the reader"
        );
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    kill_9(pid);
    let out = blocking(move || star.join().unwrap()).await;
    reader.tmux.wait_exit(&reader.status).await;

    let store = paperboat::store::Store::open(&data).unwrap();
    let paper = paperboat::model::PaperId::parse_user(&id).unwrap();
    let starred_in_store = store.user_state(&paper).unwrap().is_starred();
    let journal_text: String = std::fs::read_dir(data.join("journal"))
        .unwrap()
        .map(|e| std::fs::read_to_string(e.unwrap().path()).unwrap_or_default())
        .collect();
    let in_journal = journal_text.contains(&id);
    let reported = out.status.success() && text(&out.stdout).contains(&format!("starred {id}"));
    assert_eq!(reported, starred_in_store, "{}", text(&out.stderr));
    assert_eq!(reported, in_journal, "{}", text(&out.stderr));
    assert!(
        reported,
        "the command retried directly: {}",
        text(&out.stderr)
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_long_data_dir_serves_from_the_runtime_dir() {
    if !have_tmux() {
        return;
    }
    let home = Home::new("").await;
    let data = home.path().join("a".repeat(60)).join("b".repeat(60));
    let runtime = home.path().join("rt");
    std::fs::create_dir(&runtime).unwrap();
    let reader = OpenReader::start(&home, &data, &[("XDG_RUNTIME_DIR", runtime.as_path())]).await;
    let socket = reader.socket();
    assert!(socket.starts_with(&runtime), "{}", socket.display());
    // Only the reader can answer while it holds the store.
    let out = home.run(&data, home.path(), &["list", "--limit", "2"], &[]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert_eq!(text(&out.stdout).lines().count(), 2);
    reader.quit().await;
    assert!(!socket.exists(), "removed on quit");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_older_reader_is_named_and_the_command_exits_1() {
    // A stand-in for an older reader: it holds the data dir and knows no method.
    let home = Home::new("").await;
    let data = home.path().join("data");
    let mut claim = paperboat::ownership::claim(&data).unwrap();
    let socket = data.join("old.sock");
    let listener = std::os::unix::net::UnixListener::bind(&socket).unwrap();
    claim.set_socket(Some(socket.clone())).unwrap();
    let server = std::thread::spawn(move || {
        let (stream, _) = listener.accept().unwrap();
        let mut line = String::new();
        BufReader::new(&stream).read_line(&mut line).unwrap();
        let request: serde_json::Value = serde_json::from_str(&line).unwrap();
        let reply = serde_json::json!({
            "v": 1,
            "id": request["id"],
            "error": {"code": "unknown_method", "message": "no", "version": "0.0.9"},
        });
        (&stream)
            .write_all(format!("{reply}\n").as_bytes())
            .unwrap();
    });
    let out = blocking({
        let (home_dir, config, data) = (home.path().to_path_buf(), home.config(), data.clone());
        move || {
            Command::new(env!("CARGO_BIN_EXE_paperboat"))
                .env_clear()
                .env("HOME", &home_dir)
                .env("XDG_STATE_HOME", home_dir.join("state"))
                .arg("--config")
                .arg(config)
                .arg("--data-dir")
                .arg(data)
                .args(["note", "2504.21318", "text"])
                .output()
                .unwrap()
        }
    })
    .await;
    server.join().unwrap();
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(
        text(&out.stderr).trim(),
        "paperboat: error: the open reader is paperboat 0.0.9; restart it to use this command"
    );
    drop(claim);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn doctor_refuses_and_feeds_import_says_restart_while_a_reader_is_open() {
    if !have_tmux() {
        return;
    }
    let home = Home::new("").await;
    let data = home.path().join("data");
    let reader = OpenReader::start(&home, &data, &[]).await;
    for args in [&["doctor"][..], &["doctor", "--rebuild"]] {
        let out = home.run(&data, home.path(), args, &[]);
        assert_eq!(out.status.code(), Some(1), "{args:?}");
        let stderr = text(&out.stderr);
        assert_eq!(stderr.lines().count(), 1, "{stderr}");
        assert!(stderr.contains("close the reader"), "{stderr}");
    }
    let list = home.path().join("urls");
    std::fs::write(&list, "https://example.org/feed.xml\n").unwrap();
    let out = home.run(
        &data,
        home.path(),
        &["feeds", "import", list.to_str().unwrap()],
        &[],
    );
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert!(
        text(&out.stdout).contains("the open reader picks them up when restarted"),
        "{}",
        text(&out.stdout)
    );
    reader.quit().await;
}

fn kill_9(pid: u32) {
    let status = Command::new("kill")
        .args(["-9", &pid.to_string()])
        .status()
        .unwrap();
    assert!(status.success());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sync_says_what_a_source_skipped_directly_and_forwarded() {
    if !have_tmux() {
        return;
    }
    let home = Home::new("[[sources.feeds]]\nname = \"blog\"\nurl = \"{server}/blog.xml\"\n").await;
    let data_direct = home.path().join("direct");
    let data_served = home.path().join("served");
    let skipped = "feed:blog: 17 new, 0 changed (3 of 20 items skipped: no title or summary)";
    let first = home.run(&data_direct, home.path(), &["sync"], &[]);
    assert_eq!(first.status.code(), Some(0), "{}", text(&first.stderr));
    assert!(
        text(&first.stdout).lines().any(|l| l == skipped),
        "{}",
        text(&first.stdout)
    );
    copy_dir(&data_direct, &data_served);
    // Again: nothing new, and the note again (the feed still has those items).
    let again = "feed:blog: 0 new, 0 changed (3 of 20 items skipped: no title or summary)";
    let direct = home.run(&data_direct, home.path(), &["sync"], &[]);
    assert_eq!(direct.status.code(), Some(0), "{}", text(&direct.stderr));
    assert!(
        text(&direct.stdout).lines().any(|l| l == again),
        "{}",
        text(&direct.stdout)
    );

    let reader = OpenReader::launch(&home, &data_served, &[]).await;
    let deadline = Instant::now() + Duration::from_secs(10);
    while reader
        .owner()
        .socket
        .is_none_or(|s| UnixStream::connect(s).is_err())
    {
        assert!(Instant::now() < deadline, "the reader does not serve");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    // The reader's status bar says it too.
    reader
        .tmux
        .wait_for("the skipped note", |s| s.contains("items skipped"))
        .await;
    let forwarded = home.run(&data_served, home.path(), &["sync"], &[]);
    assert_eq!(
        forwarded.status.code(),
        Some(0),
        "{}",
        text(&forwarded.stderr)
    );
    // Sources finish in any order: the same lines, sorted.
    let sorted = |out: &Output| {
        let mut lines: Vec<String> = normalised(&text(&out.stdout))
            .lines()
            .map(String::from)
            .collect();
        lines.sort();
        lines
    };
    assert_eq!(sorted(&forwarded), sorted(&direct));
    reader.quit().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_reader_that_cannot_make_a_socket_still_runs_and_says_so_once() {
    if !have_tmux() {
        return;
    }
    let home = Home::new("").await;
    // The data dir's socket path is too long, and so is the one under the runtime dir.
    let data = home.path().join("a".repeat(60)).join("b".repeat(60));
    let runtime = home.path().join("r".repeat(100));
    std::fs::create_dir(&runtime).unwrap();
    let reader = OpenReader::launch(&home, &data, &[("XDG_RUNTIME_DIR", runtime.as_path())]).await;
    reader
        .tmux
        .wait_for("the notice", |s| {
            s.contains("not serving other paperboat commands")
        })
        .await;
    reader
        .tmux
        .wait_for("the synced papers", |s| s.contains("14 papers"))
        .await;
    assert!(reader.owner().socket.is_none(), "no socket named");
    // It reads on: keys work, and the notice is not said again.
    reader.tmux.keys(&["3"]);
    let screen = reader.tmux.wait_for("All", |s| s.contains("All ·")).await;
    assert!(!screen.contains("not serving"), "{screen}");
    reader.tmux.keys(&["1"]);
    let screen = reader
        .tmux
        .wait_for("the day", |s| !s.contains("All ·"))
        .await;
    assert!(!screen.contains("not serving"), "{screen}");
    // A command on that data dir is told who holds it, and does not hang.
    let data_for_cli = data.clone();
    let home_path = home.path().to_path_buf();
    let config = home.config();
    let out = blocking(move || {
        Command::new(env!("CARGO_BIN_EXE_paperboat"))
            .env_clear()
            .env("HOME", &home_path)
            .env("XDG_STATE_HOME", home_path.join("state"))
            .arg("--config")
            .arg(&config)
            .arg("--data-dir")
            .arg(&data_for_cli)
            .args(["list", "--limit", "1"])
            .output()
            .unwrap()
    })
    .await;
    assert_eq!(out.status.code(), Some(1), "{out:?}");
    assert!(
        text(&out.stderr).contains("in use"),
        "{}",
        text(&out.stderr)
    );
    reader.quit().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_large_list_comes_through_the_reader_in_parts_byte_for_byte() {
    if !have_tmux() {
        return;
    }
    let home = Home::new("").await;
    let data_direct = home.path().join("direct");
    {
        // 1,500 generated papers (~1,500-character abstracts) on the days before the
        // fixture's, so the reader still opens on the fixture's 14.
        let store = paperboat::store::Store::open(&data_direct).unwrap();
        let newest = chrono::NaiveDate::from_ymd_opt(2026, 7, 12).unwrap();
        let papers: Vec<_> = paperboat::synth::papers(1500, 100, newest).collect();
        for day in papers.chunk_by(|a, b| a.daily_date == b.daily_date) {
            let filed = day[0].daily_date.unwrap_or(newest);
            store.apply(day.to_vec(), filed).unwrap();
        }
    }
    let out = home.run(&data_direct, home.path(), &["sync"], &[]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let data_served = home.path().join("served");
    copy_dir(&data_direct, &data_served);
    let cases: [&[&str]; 3] = [
        &["list", "--json"],
        &["list"],
        &["list", "--json", "-q", "transformer"],
    ];
    let direct: Vec<Output> = cases
        .iter()
        .map(|args| home.run(&data_direct, home.path(), args, &[]))
        .collect();
    assert!(text(&direct[0].stdout).lines().count() > 1500);

    let reader = OpenReader::start(&home, &data_served, &[]).await;
    for (args, want) in cases.iter().zip(&direct) {
        let got = home.run(&data_served, home.path(), args, &[]);
        assert_eq!(
            got.status.code(),
            Some(0),
            "{args:?}: {}",
            text(&got.stderr)
        );
        assert!(got.stdout == want.stdout, "{args:?}: not byte-identical");
        assert_eq!(got.stderr, want.stderr, "{args:?}");
    }
    // On the wire: parts, each line bounded, the listing whole and in order.
    let replies = reader.call(r#"{"v":1,"id":1,"method":"list","params":{"json":true}}"#);
    assert!(replies.len() > 3, "{} replies", replies.len());
    let mut ids = Vec::new();
    for reply in &replies {
        let part = reply.get("progress").or_else(|| reply.get("ok")).unwrap();
        assert!(serde_json::to_string(part).unwrap().len() < 1024 * 1024);
        for paper in part["papers"].as_array().unwrap() {
            ids.push(paper["id"].as_str().unwrap().to_string());
        }
    }
    let want_ids: Vec<String> = text(&direct[0].stdout)
        .lines()
        .map(|l| {
            serde_json::from_str::<serde_json::Value>(l).unwrap()["id"]
                .as_str()
                .unwrap()
                .to_string()
        })
        .collect();
    assert_eq!(ids, want_ids);
    reader.quit().await;
}
