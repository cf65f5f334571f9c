//! The `paperboat` binary's headless commands, run for real against a wiremock server on
//! 127.0.0.1 and a data dir in a tempdir: sync, list, star/unstar/read, errors, and a SIGKILL
//! in the middle of a sync.

use std::path::{Path, PathBuf};
use std::process::Output;
use std::time::Duration;

use assert_cmd::Command;
use paperboat::model::PaperId;
use paperboat::store::Store;
use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

fn bin() -> &'static Path {
    Path::new(env!("CARGO_BIN_EXE_paperboat"))
}

/// A private home: config, data, state and logs all live in a tempdir.
struct Home {
    dir: tempfile::TempDir,
}

impl Home {
    fn new() -> Home {
        Home {
            dir: tempfile::tempdir().unwrap(),
        }
    }

    fn data_dir(&self) -> PathBuf {
        self.dir.path().join("data")
    }

    fn config_file(&self) -> PathBuf {
        self.dir.path().join("config.toml")
    }

    /// A config that reads HF from `server` and nothing else.
    fn write_config(&self, server: &MockServer) {
        let config = format!(
            "[sources.hf]\nbase_url = \"{}\"\ndays = 1\n\n[sync]\ntimeout_secs = 30\n",
            server.uri()
        );
        std::fs::write(self.config_file(), config).unwrap();
    }

    fn command(&self) -> Command {
        let mut command = Command::new(bin());
        command
            .env_clear()
            .env("HOME", self.dir.path())
            .env("XDG_CONFIG_HOME", self.dir.path().join("xdg-config"))
            .env("XDG_DATA_HOME", self.dir.path().join("xdg-data"))
            .env("XDG_STATE_HOME", self.dir.path().join("xdg-state"))
            .arg("--data-dir")
            .arg(self.data_dir())
            .arg("--config")
            .arg(self.config_file());
        command
    }

    fn run(&self, args: &[&str]) -> Output {
        self.command().args(args).output().unwrap()
    }

    fn log_file(&self) -> PathBuf {
        self.dir
            .path()
            .join("xdg-state")
            .join("paperboat")
            .join("paperboat.log")
    }
}

fn stdout(output: &Output) -> String {
    String::from_utf8_lossy(&output.stdout).into_owned()
}

fn stderr(output: &Output) -> String {
    String::from_utf8_lossy(&output.stderr).into_owned()
}

/// One HF Daily Papers item (2026 shape); `padding` lengthens the abstract.
fn hf_item(id: &str, upvotes: u32, padding: usize) -> String {
    format!(
        r#"{{"paper":{{"id":"{id}","authors":[{{"_id":"a1","name":"Ada Lovelace","hidden":false}}],
        "publishedAt":"2025-04-29T00:00:00.000Z","submittedOnDailyAt":"2025-04-30T00:00:00.000Z",
        "title":"Paper {id}","summary":"An abstract for {id}. {}","upvotes":{upvotes},
        "githubRepo":"https://github.com/example/{id}","discussionId":"6a509e0b75fd3d966bd45ec7"}},
        "publishedAt":"2025-04-28T20:00:00.000Z","title":"Paper {id}","numComments":2,
        "submittedBy":{{"_id":"u1","fullname":"Someone","name":"someone","type":"user"}}}}"#,
        "words ".repeat(padding)
    )
}

async fn serve_hf(server: &MockServer, items: &[String]) {
    Mock::given(method("GET"))
        .and(path("/api/daily_papers"))
        .respond_with(ResponseTemplate::new(200).set_body_string(format!("[{}]", items.join(","))))
        .mount(server)
        .await;
}

async fn serve_two_papers(server: &MockServer) {
    serve_hf(
        server,
        &[hf_item("2504.21318", 24, 0), hf_item("2504.00009", 3, 0)],
    )
    .await;
}

fn one_line_error(output: &Output, code: i32) -> String {
    assert_eq!(
        output.status.code(),
        Some(code),
        "stderr: {}",
        stderr(output)
    );
    let error = stderr(output);
    assert_eq!(error.lines().count(), 1, "not one line: {error:?}");
    assert!(error.starts_with("paperboat: error: "), "{error}");
    assert!(stdout(output).is_empty(), "stdout: {}", stdout(output));
    error
}

#[tokio::test]
async fn sync_prints_a_line_per_source_and_exits_0() {
    let server = MockServer::start().await;
    serve_two_papers(&server).await;
    let home = Home::new();
    home.write_config(&server);
    let output = home.run(&["sync", "--date", "2025-04-30"]);
    assert!(output.status.success(), "stderr: {}", stderr(&output));
    assert_eq!(
        stdout(&output),
        "hf: 2 new, 0 changed\nsynced 1 of 1 sources: 2 new, 0 changed\n"
    );
    assert!(stderr(&output).is_empty(), "{}", stderr(&output));
    let requests = server.received_requests().await.unwrap();
    assert_eq!(requests.len(), 1);
    assert_eq!(requests[0].url.query(), Some("date=2025-04-30"));
    let log = std::fs::read_to_string(home.log_file()).unwrap();
    assert!(log.contains("source updated"), "{log}");
}

#[tokio::test]
async fn sync_with_a_failing_source_exits_1_and_keeps_papers() {
    let server = MockServer::start().await;
    serve_two_papers(&server).await;
    let home = Home::new();
    home.write_config(&server);
    assert!(home.run(&["sync", "--date", "2025-04-30"]).status.success());

    server.reset().await;
    Mock::given(method("GET"))
        .respond_with(ResponseTemplate::new(503))
        .mount(&server)
        .await;
    let output = home.run(&["sync", "--date", "2025-04-30"]);
    assert_eq!(output.status.code(), Some(1), "stderr: {}", stderr(&output));
    let text = stdout(&output);
    assert!(
        text.starts_with(
            "hf: failed: server error 503 (HTTP 503 Service Unavailable from http://127.0.0.1:"
        ),
        "{text}"
    );
    assert!(
        text.ends_with("synced 0 of 1 sources: 0 new, 0 changed, 1 failed\n"),
        "{text}"
    );

    let listed = home.run(&["list"]);
    assert!(listed.status.success());
    assert_eq!(stdout(&listed).lines().count(), 2, "{}", stdout(&listed));

    // An asked-for sync ignores paperboat's own backoff: the next run tries again at once.
    let output = home.run(&["sync", "--date", "2025-04-30"]);
    assert_eq!(output.status.code(), Some(1), "{}", stdout(&output));
    assert!(
        stdout(&output).starts_with("hf: failed: server error 503"),
        "{}",
        stdout(&output)
    );
    assert_eq!(server.received_requests().await.unwrap().len(), 2);

    // And succeeds once the server is back.
    server.reset().await;
    serve_two_papers(&server).await;
    let output = home.run(&["sync", "--date", "2025-04-30"]);
    assert!(output.status.success(), "{}", stdout(&output));
}

#[tokio::test]
async fn a_server_retry_after_holds_the_next_sync_back_and_it_exits_1() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .respond_with(ResponseTemplate::new(429).insert_header("retry-after", "3600"))
        .expect(1)
        .mount(&server)
        .await;
    let home = Home::new();
    home.write_config(&server);
    let host = server.uri().trim_start_matches("http://").to_string();
    let output = home.run(&["sync", "--date", "2025-04-30"]);
    assert_eq!(output.status.code(), Some(1), "{}", stdout(&output));
    let text = stdout(&output);
    assert!(
        text.starts_with(&format!("hf: failed: {host} asks to wait until ")),
        "{text}"
    );

    // The next run (a new process) does not ask the server, names it and the time, and fails.
    let output = home.run(&["sync", "--date", "2025-04-30"]);
    assert_eq!(output.status.code(), Some(1), "{}", stdout(&output));
    let text = stdout(&output);
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(lines.len(), 2, "{text}");
    assert!(
        lines[0].starts_with(&format!("hf: held back: {host} asks to wait until "))
            && (lines[0].ends_with("(in 59 min)") || lines[0].ends_with("(in 60 min)")),
        "{text}"
    );
    assert_eq!(
        lines[1],
        "synced 0 of 1 sources: 0 new, 0 changed, 1 held back"
    );
    server.verify().await;
}

#[tokio::test]
async fn sync_drops_papers_past_retention_but_keeps_starred_ones() {
    let server = MockServer::start().await;
    serve_two_papers(&server).await;
    let home = Home::new();
    home.write_config(&server);
    let mut config = std::fs::read_to_string(home.config_file()).unwrap();
    config.push_str("\n[store]\nretention_days = 1\n");
    std::fs::write(home.config_file(), config).unwrap();
    assert!(home.run(&["star", "2504.00009"]).status.success());
    // The papers are filed under 2025-04-30, long before today: only the starred one stays.
    let output = home.run(&["sync", "--date", "2025-04-30"]);
    assert!(output.status.success(), "{}", stderr(&output));
    assert!(
        stdout(&output).ends_with("dropped 1 paper older than 1 day\n"),
        "{}",
        stdout(&output)
    );
    let listed = stdout(&home.run(&["list"]));
    assert_eq!(listed.lines().count(), 1, "{listed}");
    assert!(listed.contains("2504.00009"), "{listed}");
}

#[tokio::test]
async fn list_json_has_the_documented_fields() {
    let server = MockServer::start().await;
    serve_two_papers(&server).await;
    let home = Home::new();
    home.write_config(&server);
    assert!(home.run(&["sync", "--date", "2025-04-30"]).status.success());
    let output = home.run(&["list", "--json"]);
    assert!(output.status.success(), "{}", stderr(&output));
    let lines: Vec<serde_json::Value> = stdout(&output)
        .lines()
        .map(|line| serde_json::from_str(line).unwrap())
        .collect();
    assert_eq!(lines.len(), 2);
    let first = &lines[0];
    for field in [
        "id",
        "title",
        "authors",
        "published",
        "daily_date",
        "upvotes",
        "starred",
        "read",
        "sources",
        "links",
    ] {
        assert!(first.get(field).is_some(), "no {field} in {first}");
    }
    // Most upvoted first within a day.
    assert_eq!(first["id"], "2504.21318");
    assert_eq!(first["title"], "Paper 2504.21318");
    assert_eq!(first["authors"], serde_json::json!(["Ada Lovelace"]));
    assert_eq!(first["daily_date"], "2025-04-30");
    assert_eq!(first["upvotes"], 24);
    assert_eq!(first["starred"], false);
    assert_eq!(first["read"], false);
    assert_eq!(first["sources"], serde_json::json!(["hf"]));
    assert_eq!(
        first["links"]["github"],
        "https://github.com/example/2504.21318"
    );
    assert_eq!(lines[1]["id"], "2504.00009");

    let limited = home.run(&["list", "--json", "--limit", "1"]);
    assert_eq!(stdout(&limited).lines().count(), 1);
    let other_day = home.run(&["list", "--date", "2025-04-01"]);
    assert!(other_day.status.success());
    assert_eq!(stdout(&other_day), "");
}

#[tokio::test]
async fn star_unstar_and_read_show_in_the_list_filters() {
    let server = MockServer::start().await;
    serve_two_papers(&server).await;
    let home = Home::new();
    home.write_config(&server);
    assert!(home.run(&["sync", "--date", "2025-04-30"]).status.success());

    let output = home.run(&[
        "star",
        "https://arxiv.org/abs/2504.21318v2",
        "arXiv:2504.00009",
    ]);
    assert!(output.status.success(), "{}", stderr(&output));
    assert_eq!(stdout(&output), "starred 2504.00009\nstarred 2504.21318\n");
    assert!(stderr(&output).is_empty(), "{}", stderr(&output));
    assert!(home.run(&["unstar", "2504.00009"]).status.success());
    assert!(home.run(&["read", "2504.21318"]).status.success());

    let starred = stdout(&home.run(&["list", "--starred"]));
    assert_eq!(starred.lines().count(), 1, "{starred}");
    assert!(
        starred.starts_with("*r 2025-04-30   24  2504.21318  Paper 2504.21318"),
        "{starred}"
    );
    let unread = stdout(&home.run(&["list", "--unread"]));
    assert_eq!(unread.lines().count(), 1, "{unread}");
    assert!(unread.contains("2504.00009"), "{unread}");
    assert!(
        unread.starts_with("   2025-04-30    3  2504.00009"),
        "{unread}"
    );
}

#[tokio::test]
async fn a_list_query_may_start_with_a_minus() {
    let server = MockServer::start().await;
    let without_code = hf_item("2504.00009", 3, 0).replace(
        r#""githubRepo":"https://github.com/example/2504.00009","#,
        "",
    );
    serve_hf(&server, &[hf_item("2504.21318", 24, 0), without_code]).await;
    let home = Home::new();
    home.write_config(&server);
    assert!(home.run(&["sync", "--date", "2025-04-30"]).status.success());
    for args in [
        &["list", "--query", "-has:code"][..],
        &["list", "-q", "-has:code"],
        &["list", "--query=-has:code"],
        &["export", "-f", "json", "--query", "-has:code"],
    ] {
        let output = home.run(args);
        assert!(output.status.success(), "{args:?}: {}", stderr(&output));
        let text = stdout(&output);
        assert!(text.contains("2504.00009"), "{args:?}: {text}");
        assert!(!text.contains("2504.21318"), "{args:?}: {text}");
    }
    let both = stdout(&home.run(&["list", "--query", "has:code -has:code"]));
    assert_eq!(both, "", "a query contradicting itself matches nothing");
}

#[tokio::test]
async fn starring_a_paper_not_yet_fetched_stars_it_and_says_so() {
    let home = Home::new();
    std::fs::write(home.config_file(), "").unwrap();
    let output = home.run(&["star", "2504.99999"]);
    assert!(output.status.success(), "{}", stderr(&output));
    assert_eq!(stdout(&output), "starred 2504.99999\n");
    assert!(
        stderr(&output).contains("2504.99999 is not in the cache yet"),
        "{}",
        stderr(&output)
    );
    let store = Store::open(&home.data_dir()).unwrap();
    let id = PaperId::parse_user("2504.99999").unwrap();
    assert!(store.user_state(&id).unwrap().is_starred());
}

#[test]
fn a_malformed_id_is_a_one_line_usage_error() {
    let home = Home::new();
    std::fs::write(home.config_file(), "").unwrap();
    let error = one_line_error(
        &home.run(&["star", "2504.21318", "definitely-not-an-id"]),
        2,
    );
    assert!(
        error.contains("'definitely-not-an-id' is not a paper id"),
        "{error}"
    );
}

#[test]
fn a_bad_date_is_a_one_line_usage_error() {
    let home = Home::new();
    std::fs::write(home.config_file(), "").unwrap();
    let error = one_line_error(&home.run(&["list", "--date", "2025-02-30"]), 2);
    assert!(error.contains("YYYY-MM-DD"), "{error}");
}

#[test]
fn an_unknown_config_key_names_the_file_and_the_key() {
    let home = Home::new();
    std::fs::write(home.config_file(), "[sync]\nintervall_minutes = 5\n").unwrap();
    let error = one_line_error(&home.run(&["list"]), 1);
    assert!(
        error.contains(&home.config_file().display().to_string()),
        "{error}"
    );
    assert!(error.contains("intervall_minutes"), "{error}");
}

#[test]
fn a_missing_explicit_config_is_an_error() {
    let home = Home::new();
    let error = one_line_error(&home.run(&["list"]), 1);
    assert!(error.contains("config.toml"), "{error}");
}

#[test]
fn a_missing_default_config_means_defaults() {
    let home = Home::new();
    let mut command = Command::new(bin());
    let output = command
        .env_clear()
        .env("HOME", home.dir.path())
        .env("XDG_CONFIG_HOME", home.dir.path().join("nothing-here"))
        .env("XDG_STATE_HOME", home.dir.path().join("xdg-state"))
        .args(["--data-dir"])
        .arg(home.data_dir())
        .arg("list")
        .output()
        .unwrap();
    assert!(output.status.success(), "{}", stderr(&output));
}

#[test]
fn a_data_dir_held_by_another_process_is_a_one_line_error() {
    let home = Home::new();
    std::fs::write(home.config_file(), "").unwrap();
    let _held = Store::open(&home.data_dir()).unwrap();
    let error = one_line_error(&home.run(&["list"]), 1);
    assert!(
        error.contains("in use by another paperboat process"),
        "{error}"
    );
    let error = one_line_error(&home.run(&["star", "2504.21318"]), 1);
    assert!(error.contains("in use"), "{error}");
}

#[test]
fn an_unreadable_data_dir_is_a_one_line_error() {
    let home = Home::new();
    std::fs::write(home.config_file(), "").unwrap();
    // A file where the data dir should be: no permission tricks needed (tests may run as root).
    let not_a_dir = home.dir.path().join("file");
    std::fs::write(&not_a_dir, "x").unwrap();
    let output = Command::cargo_bin("paperboat")
        .unwrap()
        .env_clear()
        .env("HOME", home.dir.path())
        .env("XDG_STATE_HOME", home.dir.path().join("xdg-state"))
        .arg("--config")
        .arg(home.config_file())
        .arg("--data-dir")
        .arg(&not_a_dir)
        .arg("list")
        .output()
        .unwrap();
    let error = one_line_error(&output, 1);
    assert!(error.contains(&not_a_dir.display().to_string()), "{error}");
}

#[tokio::test]
async fn killing_sync_while_it_writes_keeps_every_star() {
    let server = MockServer::start().await;
    let items: Vec<String> = (1..=3000)
        .map(|n| hf_item(&format!("2504.{n:05}"), n % 50, 300))
        .collect();
    serve_hf(&server, &items).await;
    let home = Home::new();
    home.write_config(&server);
    let stars = ["2504.00001", "2504.01500", "2504.03000", "2504.99999"];
    for star in stars {
        assert!(home.run(&["star", star]).status.success());
    }

    let mut sync = std::process::Command::new(bin());
    sync.env_clear()
        .env("HOME", home.dir.path())
        .env("XDG_STATE_HOME", home.dir.path().join("xdg-state"))
        .arg("--data-dir")
        .arg(home.data_dir())
        .arg("--config")
        .arg(home.config_file())
        .args(["sync", "--date", "2025-04-30"])
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null());
    let mut child = sync.spawn().unwrap();
    // Wait (bounded) until the server has the request, so the kill lands mid-sync.
    let mut asked = false;
    for _ in 0..2000 {
        if server
            .received_requests()
            .await
            .is_some_and(|r| !r.is_empty())
        {
            asked = true;
            break;
        }
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    assert!(asked, "the sync never reached the server");
    assert!(
        child.try_wait().unwrap().is_none(),
        "the sync ended before it could be killed"
    );
    child.kill().unwrap();
    child.wait().unwrap();

    let store = Store::open(&home.data_dir()).unwrap();
    for star in stars {
        let id = PaperId::parse_user(star).unwrap();
        assert!(
            store.user_state(&id).unwrap().is_starred(),
            "{star} lost its star"
        );
    }
    drop(store);
    // And the next sync completes over whatever the killed one left.
    let output = home.run(&["sync", "--date", "2025-04-30"]);
    assert!(output.status.success(), "{}", stdout(&output));
    let listed = home.run(&["list", "--starred"]);
    let text = stdout(&listed);
    // The three it synced, then the star on a paper the feed does not have.
    assert_eq!(text.lines().count(), 4, "{text}");
    assert!(
        text.lines()
            .last()
            .is_some_and(|l| l.contains("2504.99999") && l.ends_with("(not fetched yet)")),
        "{text}"
    );
}
