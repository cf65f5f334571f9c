//! End to end in a real terminal: the binary runs in tmux (private socket) against a loopback
//! HTTP server; keys go in with `send-keys`, the screen comes out of `capture-pane`. Skipped with
//! a message when tmux is not installed, failed when that happens under CI.

mod support;

use std::path::{Path, PathBuf};

use support::{Tmux, require_tool};

use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

const FIXTURE: &str = include_str!("fixtures/hf_daily_papers_2026-07-13.json");

/// A loopback HF serving the fixture, a config pointing at it, the data and state dirs, and the
/// shell command that runs the reader on them and writes its exit status to `status_file`.
struct Setup {
    _server: MockServer,
    dir: tempfile::TempDir,
    config: PathBuf,
    data: PathBuf,
    state: PathBuf,
    status_file: PathBuf,
    command: String,
}

impl Setup {
    /// `None` when tmux is missing (a failure under CI, see `require_tool`).
    async fn start() -> Option<Setup> {
        if !require_tool("tmux", "-V") {
            return None;
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
        let status_file = dir.path().join("status");
        let command = format!(
            "{} --config {} --data-dir {}; echo $? > {}",
            env!("CARGO_BIN_EXE_paperboat"),
            config.display(),
            data.display(),
            status_file.display()
        );
        Some(Setup {
            _server: server,
            state: dir.path().join("state"),
            dir,
            config,
            data,
            status_file,
            command,
        })
    }

    /// The reader's environment: its log and state under the test's dir.
    fn env(&self) -> [(&'static str, &Path); 2] {
        [
            ("XDG_STATE_HOME", self.state.as_path()),
            ("XDG_DATA_HOME", self.state.as_path()),
        ]
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn reader_in_tmux_stars_the_second_paper_and_keeps_it() {
    let Some(setup) = Setup::start().await else {
        return;
    };
    let Setup {
        dir,
        status_file,
        command,
        ..
    } = &setup;
    let tmux = Tmux::new(dir.path());
    let env = setup.env();

    // First start: the cache is empty, the sync fills the list while we watch.
    tmux.start(command, &env);
    let screen = tmux
        .wait_for("papers from the sync", |s| s.contains("14 papers"))
        .await;
    assert!(
        screen.contains("synced") || screen.contains("syncing"),
        "{screen}"
    );
    tmux.keys(&["j", "s"]);
    // A starred list row starts with ★ (the detail says "GitHub stars" for the code's).
    let starred_row = |l: &str| l.starts_with("│★");
    let screen = tmux
        .wait_for("the star", |s| s.lines().any(starred_row))
        .await;
    let starred_line = screen.lines().position(starred_row).unwrap();
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
    let (status, alternate) = tmux.wait_exit(status_file).await;
    std::fs::remove_file(status_file).unwrap();
    assert_eq!(status, "0", "exit status");
    assert_eq!(alternate, "0", "the alternate screen was left");

    // Second start: the star is there from the cache.
    tmux.start(command, &env);
    let screen = tmux
        .wait_for("the cached star", |s| s.lines().any(starred_row))
        .await;
    let line = screen.lines().find(|l| starred_row(l)).unwrap();
    assert!(
        line.contains(starred_title.trim()),
        "same paper starred: {line} vs {starred_title}"
    );
    tmux.keys(&["q"]);
    let (status, _) = tmux.wait_exit(status_file).await;
    assert_eq!(status, "0");
}

/// Issue #11's named cases, typed into the real binary: `3`, `G`, `1` (each digit given its
/// timeout) then `s` stars the paper the user saw on the day; `1 s` switches first and stars
/// there; `Enter J J` marks three papers read; `Ctrl-c` quits with status 0.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn morning_keys_do_what_the_user_meant() {
    let Some(setup) = Setup::start().await else {
        return;
    };
    let Setup {
        dir,
        status_file,
        command,
        ..
    } = &setup;
    let tmux = Tmux::new(dir.path());
    let env = setup.env();
    tmux.start(command, &env);
    let screen = tmux
        .wait_for("papers from the sync", |s| s.contains("14 papers"))
        .await;
    let title_line = screen
        .lines()
        .position(|l| l.contains("14 papers"))
        .unwrap();
    let day_title = |s: &str| {
        s.lines()
            .any(|l| l.contains("Jul 13") && l.contains("14 papers"))
    };
    let all_title = |s: &str| s.lines().any(|l| l.contains(" All ·"));

    // 3, G, 1 — then s stars the second row, where the user left the day view.
    tmux.keys(&["j"]);
    tmux.keys(&["3"]);
    tmux.wait_for("the All view", all_title).await;
    tmux.keys(&["G"]);
    tmux.keys(&["1"]);
    tmux.wait_for("the day view again", day_title).await;
    tmux.keys(&["s"]);
    let screen = tmux
        .wait_for("the star", |s| s.lines().any(|l| l.starts_with("│★")))
        .await;
    let starred: Vec<usize> = screen
        .lines()
        .enumerate()
        // List rows (the detail below says "★ starred" too).
        .filter(|(_, l)| l.starts_with("│★") && l.contains("Jul 13│"))
        .map(|(i, _)| i)
        .collect();
    assert_eq!(
        starred,
        [title_line + 2],
        "the second paper, the one the user saw:\n{screen}"
    );

    // 1 s from All (on its last row): the day view first, then s on ITS selection (unstar).
    tmux.keys(&["3"]);
    tmux.wait_for("the All view", all_title).await;
    tmux.keys(&["1", "s"]);
    let screen = tmux
        .wait_for("the star removed on the day", |s| {
            day_title(s) && !s.lines().any(|l| l.starts_with("│★"))
        })
        .await;
    assert!(!screen.lines().any(|l| l.starts_with("│★")), "{screen}");

    // Enter J J: three papers read.
    tmux.keys(&["Enter", "J", "J"]);
    tmux.wait_for("three read", |s| s.contains("11 unread"))
        .await;

    // Ctrl-c quits like q: status 0, the terminal restored.
    tmux.keys(&["C-c"]);
    let (status, alternate) = tmux.wait_exit(status_file).await;
    assert_eq!(status, "0", "exit status");
    assert_eq!(alternate, "0", "the alternate screen was left");
}

/// Issue #15: `paperboat sync` leaves the first-screen file; the reader draws its first frame
/// from it (its log says so) and finds it matches the store once that opens; the reader's quit
/// writes it again (the star in it); a command that opens the store itself removes it and
/// writes it again at its end.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn first_frame_from_the_first_screen_file() {
    let Some(setup) = Setup::start().await else {
        return;
    };
    let Setup {
        dir,
        config,
        data,
        state,
        status_file,
        command,
        ..
    } = &setup;
    let first_screen = data.join("first_screen");
    let log_file = state.join("paperboat").join("paperboat.log");
    let cli = |args: &[&str]| {
        std::process::Command::new(env!("CARGO_BIN_EXE_paperboat"))
            .arg("--config")
            .arg(config)
            .arg("--data-dir")
            .arg(data)
            .args(args)
            .env("XDG_STATE_HOME", state)
            .env("XDG_DATA_HOME", state)
            .output()
            .unwrap()
    };
    // The lines of the reader's log that say where the first frame came from.
    let first_frames = || {
        std::fs::read_to_string(&log_file)
            .unwrap_or_default()
            .lines()
            .filter(|l| l.contains("first frame drawn"))
            .map(str::to_string)
            .collect::<Vec<_>>()
    };
    let matched = || {
        std::fs::read_to_string(&log_file)
            .unwrap_or_default()
            .lines()
            .filter(|l| l.contains("store opened after the first frame"))
            .filter(|l| l.contains("file_matches=true"))
            .count()
    };

    let synced = cli(&["sync"]);
    assert!(synced.status.success(), "{synced:?}");
    assert!(first_screen.exists(), "paperboat sync wrote the file");

    let tmux = Tmux::new(dir.path());
    let env = setup.env();
    tmux.start(command, &env);
    tmux.wait_for("the list", |s| s.contains("14 papers")).await;
    tmux.keys(&["s"]);
    let starred_row = |l: &str| l.starts_with("│★");
    tmux.wait_for("the star", |s| s.lines().any(starred_row))
        .await;
    tmux.keys(&["q"]);
    let (status, _) = tmux.wait_exit(status_file).await;
    std::fs::remove_file(status_file).unwrap();
    assert_eq!(status, "0");
    let frames = first_frames();
    assert_eq!(frames.len(), 1, "{frames:?}");
    assert!(frames[0].contains("first-screen file"), "{}", frames[0]);
    assert_eq!(matched(), 1, "the file matched the store");
    assert!(first_screen.exists(), "the quit wrote the file again");

    // The star is in the file: the second start draws it before the store opens.
    tmux.start(command, &env);
    tmux.wait_for("the cached star", |s| s.lines().any(starred_row))
        .await;
    tmux.keys(&["q"]);
    let (status, _) = tmux.wait_exit(status_file).await;
    assert_eq!(status, "0");
    let frames = first_frames();
    assert_eq!(frames.len(), 2, "{frames:?}");
    assert!(frames[1].contains("first-screen file"), "{}", frames[1]);
    assert_eq!(matched(), 2, "the file written at quit matched the store");

    // A command run on the store itself (no reader open) removes the file at its open, since
    // it may change the store, and writes it again at its end: the next start draws the unstar.
    std::fs::remove_file(status_file).unwrap();
    let listed = cli(&["list", "--starred", "--json"]);
    assert!(listed.status.success(), "{listed:?}");
    let first_line = listed.stdout.split(|b| *b == b'\n').next().unwrap();
    let starred: serde_json::Value = serde_json::from_slice(first_line).unwrap();
    let id = starred["id"].as_str().unwrap().to_string();
    let before = std::fs::read(&first_screen).unwrap();
    let unstarred = cli(&["unstar", &id]);
    assert!(unstarred.status.success(), "{unstarred:?}");
    assert_ne!(
        std::fs::read(&first_screen).unwrap(),
        before,
        "the unstar rewrote the file"
    );
    tmux.start(command, &env);
    tmux.wait_for("the list without the star", |s| {
        s.contains("14 papers") && !s.lines().any(starred_row)
    })
    .await;
    tmux.keys(&["q"]);
    let (status, _) = tmux.wait_exit(status_file).await;
    assert_eq!(status, "0");
    let frames = first_frames();
    assert_eq!(frames.len(), 3, "{frames:?}");
    assert!(frames[2].contains("first-screen file"), "{}", frames[2]);
    assert_eq!(matched(), 3, "the file the unstar wrote matched the store");
}
