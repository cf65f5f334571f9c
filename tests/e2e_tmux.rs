//! End to end in a real terminal: the binary runs in tmux (private socket) against a loopback
//! HTTP server; keys go in with `send-keys`, the screen comes out of `capture-pane`. Skipped with
//! a message when tmux is not installed, failed when that happens under CI.

mod support;

use support::{Tmux, require_tool};

use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

const FIXTURE: &str = include_str!("fixtures/hf_daily_papers_2026-07-13.json");

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn reader_in_tmux_stars_the_second_paper_and_keeps_it() {
    if !require_tool("tmux", "-V") {
        return;
    }
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/api/daily_papers"))
        .respond_with(ResponseTemplate::new(200).set_body_string(FIXTURE))
        .mount(&server)
        .await;
    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join("config.toml");
    std::fs::write(
        &config,
        format!("[sources.hf]\nbase_url = \"{}\"\ndays = 1\n", server.uri()),
    )
    .unwrap();
    let data = dir.path().join("data");
    let state = dir.path().join("state");
    let status_file = dir.path().join("status");
    let command = format!(
        "{} --config {} --data-dir {}; echo $? > {}",
        env!("CARGO_BIN_EXE_paperboat"),
        config.display(),
        data.display(),
        status_file.display()
    );
    let tmux = Tmux::new(dir.path());
    let env = [
        ("XDG_STATE_HOME", state.as_path()),
        ("XDG_DATA_HOME", state.as_path()),
    ];

    // First start: the cache is empty, the sync fills the list while we watch.
    tmux.start(&command, &env);
    let screen = tmux
        .wait_for("papers from the sync", |s| s.contains("14 papers"))
        .await;
    assert!(
        screen.contains("synced") || screen.contains("syncing"),
        "{screen}"
    );
    tmux.keys(&["j", "s"]);
    let screen = tmux.wait_for("the star", |s| s.contains('★')).await;
    let starred_line = screen.lines().position(|l| l.contains('★')).unwrap();
    let first_row = screen
        .lines()
        .position(|l| l.contains("14 papers"))
        .unwrap()
        + 1;
    assert_eq!(
        starred_line,
        first_row + 1,
        "the second paper is starred:\n{screen}"
    );
    let starred_title: String = screen
        .lines()
        .nth(starred_line)
        .unwrap()
        .chars()
        .skip(10)
        .take(30)
        .collect();
    tmux.keys(&["q"]);
    let (status, alternate) = tmux.wait_exit(&status_file).await;
    std::fs::remove_file(&status_file).unwrap();
    assert_eq!(status, "0", "exit status");
    assert_eq!(alternate, "0", "the alternate screen was left");

    // Second start: the star is there from the cache.
    tmux.start(&command, &env);
    let screen = tmux.wait_for("the cached star", |s| s.contains('★')).await;
    let line = screen.lines().find(|l| l.contains('★')).unwrap();
    assert!(
        line.contains(starred_title.trim()),
        "same paper starred: {line} vs {starred_title}"
    );
    tmux.keys(&["q"]);
    let (status, _) = tmux.wait_exit(&status_file).await;
    assert_eq!(status, "0");
}
