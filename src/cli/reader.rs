//! The interactive reader as a command: the default (no subcommand) and `--demo`, which runs it
//! on the bundled demo feed in a throwaway dir.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::Context;
use chrono::Utc;

use crate::config::Config;
use crate::reader::ReaderOptions;

use super::start_logging;

/// The reader on the user's own config and data dir (logging already started by the caller).
pub(super) fn run_reader(
    config: Config,
    data_dir: PathBuf,
    log_dir: PathBuf,
) -> anyhow::Result<()> {
    crate::reader::run_reader(ReaderOptions {
        config,
        data_dir,
        log_dir,
    })
}

/// The reader on the bundled demo, in a fresh throwaway dir that is removed on exit.
pub(super) fn run_demo() -> anyhow::Result<ExitCode> {
    let stamp = Utc::now().timestamp_nanos_opt().unwrap_or_default();
    let dir = std::env::temp_dir().join(format!("paperboat-demo-{}-{stamp}", std::process::id()));
    std::fs::create_dir(&dir)
        .with_context(|| format!("cannot create the demo dir {}", dir.display()))?;
    let result = demo_in(&dir);
    if let Err(error) = std::fs::remove_dir_all(&dir) {
        eprintln!(
            "paperboat: warning: cannot remove the demo dir {}: {error}",
            dir.display()
        );
    }
    result.map(|()| ExitCode::SUCCESS)
}

fn demo_in(dir: &Path) -> anyhow::Result<()> {
    // The demo leaves nothing behind, its log included.
    let log_dir = dir.join("log");
    let _log_guard = start_logging(&log_dir);
    let config = crate::demo::prepare(dir).context("cannot prepare the demo")?;
    run_reader(config, dir.join("data"), log_dir)
}
