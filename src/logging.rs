//! Logging through tracing to a file under the XDG state dir; never stderr while the screen is up.
//!
//! The filter comes from `PAPERBOAT_LOG` (tracing's env-filter syntax, e.g. `debug` or
//! `paperboat=debug,reqwest=info`); the default is `info`. The file is appended to, and moved
//! aside to `paperboat.log.old` once it passes `ROTATE_AT_BYTES`, so it cannot grow forever.

use std::fs::OpenOptions;
use std::path::Path;

use anyhow::Context;
use tracing_appender::non_blocking::WorkerGuard;
use tracing_subscriber::EnvFilter;
use tracing_subscriber::filter::LevelFilter;

/// The log file's name inside the log dir.
pub const LOG_FILE: &str = "paperboat.log";

/// The environment variable that sets the log filter.
pub const LOG_ENV: &str = "PAPERBOAT_LOG";

const ROTATE_AT_BYTES: u64 = 8 * 1024 * 1024;

/// Sends every `tracing` event of this process to `<log_dir>/paperboat.log`. Keep the guard
/// alive until the program ends: dropping it flushes what is still buffered.
pub fn init_file_logging(log_dir: &Path) -> anyhow::Result<WorkerGuard> {
    std::fs::create_dir_all(log_dir)
        .with_context(|| format!("cannot create the log dir {}", log_dir.display()))?;
    let path = log_dir.join(LOG_FILE);
    if std::fs::metadata(&path).is_ok_and(|m| m.len() > ROTATE_AT_BYTES) {
        // Losing the old log is better than failing to start; the rename rarely fails.
        let _ = std::fs::rename(&path, log_dir.join(format!("{LOG_FILE}.old")));
    }
    let file = OpenOptions::new()
        .create(true)
        .append(true)
        .open(&path)
        .with_context(|| format!("cannot open the log file {}", path.display()))?;
    let (writer, guard) = tracing_appender::non_blocking(file);
    let filter = EnvFilter::builder()
        .with_default_directive(LevelFilter::INFO.into())
        .with_env_var(LOG_ENV)
        .from_env_lossy();
    tracing_subscriber::fmt()
        .with_writer(writer)
        .with_ansi(false)
        .with_env_filter(filter)
        .try_init()
        .map_err(|e| anyhow::anyhow!("cannot start logging: {e}"))?;
    Ok(guard)
}
