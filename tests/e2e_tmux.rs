//! End to end in a real terminal: the binary runs in tmux (private socket) against a loopback
//! HTTP server; keys go in with `send-keys`, the screen comes out of `capture-pane`. Skipped with
//! a message when tmux is not installed (CI installs it).

use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::time::Duration;

use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

const FIXTURE: &str = include_str!("fixtures/hf_daily_papers_2026-07-13.json");

struct Tmux {
    socket: String,
    config: PathBuf,
    /// The session of the current run; each start gets a new one, so the server never empties.
    session: std::cell::Cell<u32>,
}

impl Tmux {
    fn new(dir: &Path) -> Tmux {
        let config = dir.join("tmux.conf");
        // Keep the pane after the program exits, so its exit status can be read.
        std::fs::write(&config, "set -g remain-on-exit on\nset -g status off\n").unwrap();
        Tmux {
            socket: format!("paperboat-e2e-{}", std::process::id()),
            config,
            session: std::cell::Cell::new(0),
        }
    }

    fn run(&self, args: &[&str]) -> Output {
        Command::new("tmux")
            .args(["-L", &self.socket, "-f"])
            .arg(&self.config)
            .args(args)
            .output()
            .unwrap()
    }

    fn target(&self) -> String {
        format!("e2e{}", self.session.get())
    }

    fn start(&self, command: &str, env: &[(&str, &Path)]) {
        self.session.set(self.session.get() + 1);
        let target = self.target();
        let mut cmd = Command::new("tmux");
        cmd.args(["-L", &self.socket, "-f"])
            .arg(&self.config)
            .args([
                "new-session",
                "-d",
                "-s",
                &target,
                "-x",
                "100",
                "-y",
                "30",
                command,
            ]);
        for (key, value) in env {
            cmd.env(key, value);
        }
        let out = cmd.output().unwrap();
        assert!(
            out.status.success(),
            "tmux new-session: {}",
            String::from_utf8_lossy(&out.stderr)
        );
    }

    fn screen(&self) -> String {
        String::from_utf8_lossy(
            &self
                .run(&["capture-pane", "-p", "-t", &self.target()])
                .stdout,
        )
        .into_owned()
    }

    fn keys(&self, keys: &[&str]) {
        let target = self.target();
        let mut args = vec!["send-keys", "-t", target.as_str()];
        args.extend_from_slice(keys);
        assert!(self.run(&args).status.success());
    }

    fn pane(&self, format: &str) -> String {
        let out = self.run(&["display-message", "-p", "-t", &self.target(), format]);
        String::from_utf8_lossy(&out.stdout).trim().to_string()
    }

    /// Polls the screen until `done` says yes; bounded, never a fixed sleep as synchronisation.
    async fn wait_for(&self, what: &str, done: impl Fn(&str) -> bool) -> String {
        for _ in 0..400 {
            let screen = self.screen();
            if done(&screen) {
                return screen;
            }
            tokio::time::sleep(Duration::from_millis(25)).await;
        }
        panic!("timed out waiting for {what}; screen:\n{}", self.screen());
    }

    /// Waits for the program to exit and returns its exit status (the shell around it writes
    /// it to `status_file`: tmux 3.3 does not always know a dead pane's status) and whether the
    /// pane is still on the alternate screen.
    async fn wait_exit(&self, status_file: &Path) -> (String, String) {
        for _ in 0..400 {
            if let Ok(status) = std::fs::read_to_string(status_file)
                && status.ends_with('\n')
            {
                return (status.trim().to_string(), self.pane("#{alternate_on}"));
            }
            tokio::time::sleep(Duration::from_millis(25)).await;
        }
        panic!("paperboat did not exit; screen:\n{}", self.screen());
    }
}

impl Drop for Tmux {
    fn drop(&mut self) {
        let _ = self.run(&["kill-server"]);
    }
}

fn tmux_available() -> bool {
    Command::new("tmux")
        .arg("-V")
        .output()
        .is_ok_and(|o| o.status.success())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn reader_in_tmux_stars_the_second_paper_and_keeps_it() {
    if !tmux_available() {
        eprintln!("tmux is not installed: skipping the end-to-end terminal test");
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
