//! The reader in a real terminal (tmux, private socket) after its cache was lost: the status
//! bar says so in one line and the starred paper is back, listed from the journal, before any
//! sync. Skipped with a message when tmux is not installed; under CI
//! (`CI` set) a missing tmux fails it.

mod support;

use std::path::Path;

use support::{Tmux, require_tool};

use chrono::NaiveDate;
use paperboat::journal::MACHINE_ID_FILE;
use paperboat::model::{Paper, PaperId, SourceId};
use paperboat::store::Store;

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
    if !require_tool("tmux", "-V") {
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
    let tmux = Tmux::new(dir.path());
    tmux.start(
        &command,
        &[("XDG_STATE_HOME", &state), ("XDG_DATA_HOME", &state)],
    );

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
    tmux.keys(&["q"]);
}
