//! The reader in a real terminal (tmux, private socket) after its cache was lost: the status
//! bar says so in one line and the starred paper is back, listed from the journal, before any
//! sync. Skipped with a message when tmux is not installed (CI installs it).

use std::path::Path;
use std::process::{Command, Output};
use std::time::Duration;

use chrono::NaiveDate;
use paperboat::journal::MACHINE_ID_FILE;
use paperboat::model::{Paper, PaperId, SourceId};
use paperboat::store::Store;

struct Tmux {
    socket: String,
}

impl Tmux {
    fn run(&self, args: &[&str]) -> Output {
        Command::new("tmux")
            .args(["-L", &self.socket, "-f", "/dev/null"])
            .args(args)
            .output()
            .unwrap()
    }

    fn screen(&self) -> String {
        String::from_utf8_lossy(&self.run(&["capture-pane", "-p", "-t", "journal"]).stdout)
            .into_owned()
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

fn starred_then_lost(data: &Path) {
    std::fs::create_dir_all(data).unwrap();
    std::fs::write(data.join(MACHINE_ID_FILE), "alpha\n").unwrap();
    let store = Store::open(data).unwrap();
    let id = PaperId::parse_user("2607.00001").unwrap();
    let mut paper = Paper::new(id.clone(), "Sparse experts at scale".into(), SourceId::hf());
    paper.daily_date = NaiveDate::from_ymd_opt(2026, 7, 13);
    store.apply(vec![paper], NaiveDate::MIN).unwrap();
    store.set_starred(&id, true, chrono::Utc::now()).unwrap();
    drop(store);
    std::fs::remove_dir_all(data.join("list")).unwrap();
    std::fs::remove_dir_all(data.join("body")).unwrap();
}

#[tokio::test]
async fn the_reader_says_its_cache_was_rebuilt_and_shows_the_star() {
    if !tmux_available() {
        eprintln!("tmux is not installed: skipping the end-to-end journal test");
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    starred_then_lost(&data);
    let config = dir.path().join("config.toml");
    // No source: nothing but the journal can bring the paper back.
    std::fs::write(&config, "[sources.hf]\nenabled = false\n").unwrap();
    let state = dir.path().join("state");
    let command = format!(
        "{} --config {} --data-dir {}",
        env!("CARGO_BIN_EXE_paperboat"),
        config.display(),
        data.display(),
    );
    let tmux = Tmux {
        socket: format!("paperboat-journal-e2e-{}", std::process::id()),
    };
    let started = Command::new("tmux")
        .args(["-L", &tmux.socket, "-f", "/dev/null"])
        .args([
            "new-session",
            "-d",
            "-s",
            "journal",
            "-x",
            "200",
            "-y",
            "30",
            &command,
        ])
        .env("XDG_STATE_HOME", &state)
        .env("XDG_DATA_HOME", &state)
        .output()
        .unwrap();
    assert!(started.status.success(), "{started:?}");

    let screen = tmux
        .wait_for("the notice", |s| s.contains("paper cache missing"))
        .await;
    let notice = screen
        .lines()
        .find(|line| line.contains("paper cache missing"))
        .unwrap();
    assert!(
        notice.contains("restored 1 star from the journal"),
        "{screen}"
    );
    let row = screen
        .lines()
        .find(|line| line.contains("Sparse experts at scale"))
        .unwrap_or_else(|| panic!("the starred paper is listed:\n{screen}"));
    assert!(row.contains('★'), "{screen}");
    tmux.run(&["send-keys", "-t", "journal", "q"]);
}
