//! Logging through tracing to a file under the XDG state dir; never stderr while the screen is up.
//!
//! The filter comes from `PAPERBOAT_LOG` (tracing's env-filter syntax, e.g. `debug` or
//! `paperboat=debug,reqwest=info`); the default is `info`. The file is appended to, and moved
//! aside to `paperboat.log.old` whenever the next event would take it past `ROTATE_AT_BYTES`
//! (checked on every write, so a session left running for weeks is bounded too: at most twice
//! the limit on disk).
//!
//! Imports nothing from the crate: every other layer may log.

use std::fs::{File, OpenOptions};
use std::io::{self, Write};
use std::path::{Path, PathBuf};

use anyhow::Context;
use tracing_appender::non_blocking::WorkerGuard;
use tracing_subscriber::EnvFilter;
use tracing_subscriber::filter::LevelFilter;

/// The log file's name inside the log dir.
pub const LOG_FILE: &str = "paperboat.log";

/// The environment variable that sets the log filter.
pub const LOG_ENV: &str = "PAPERBOAT_LOG";

const ROTATE_AT_BYTES: u64 = 8 * 1024 * 1024;
/// Log lines the writer thread may lag behind by (see `init_file_logging`).
const LOG_BUFFER_LINES: usize = 4096;

/// An append-only log file that moves itself aside to `<name>.old` (replacing the previous
/// one) before a write would take it past its limit. Writes are whole events (tracing's
/// non-blocking writer hands over one formatted event per call), so no line is split between
/// the two files.
#[derive(Debug)]
pub struct RotatingFile {
    path: PathBuf,
    old_path: PathBuf,
    file: File,
    /// The current file's size as far as this process knows (it is the only writer).
    len: u64,
    limit: u64,
}

impl RotatingFile {
    /// Opens `path` for appending; a file already past `limit` is moved aside first.
    pub fn open(path: &Path, limit: u64) -> io::Result<RotatingFile> {
        let mut old_name = path.file_name().unwrap_or_default().to_os_string();
        old_name.push(".old");
        let old_path = path.with_file_name(old_name);
        let file = open_append(path)?;
        let len = file.metadata()?.len();
        let mut rotating = RotatingFile {
            path: path.to_path_buf(),
            old_path,
            file,
            len,
            limit,
        };
        if len > limit {
            rotating.rotate()?;
        }
        Ok(rotating)
    }

    fn rotate(&mut self) -> io::Result<()> {
        self.file.flush()?;
        std::fs::rename(&self.path, &self.old_path)?;
        self.file = open_append(&self.path)?;
        self.len = 0;
        Ok(())
    }
}

fn open_append(path: &Path) -> io::Result<File> {
    OpenOptions::new().create(true).append(true).open(path)
}

impl Write for RotatingFile {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        let after = self.len.saturating_add(buf.len() as u64);
        if self.len > 0 && after > self.limit {
            // Keep logging to the full file if the move fails: losing the bound is better
            // than losing the log, and stderr may be under the reader's screen.
            let _ = self.rotate();
        }
        let written = self.file.write(buf)?;
        self.len = self.len.saturating_add(written as u64);
        Ok(written)
    }

    fn flush(&mut self) -> io::Result<()> {
        self.file.flush()
    }
}

/// Sends every `tracing` event of this process to `<log_dir>/paperboat.log`. Keep the guard
/// alive until the program ends: dropping it flushes what is still buffered.
pub fn init_file_logging(log_dir: &Path) -> anyhow::Result<WorkerGuard> {
    std::fs::create_dir_all(log_dir)
        .with_context(|| format!("cannot create the log dir {}", log_dir.display()))?;
    let path = log_dir.join(LOG_FILE);
    let file = RotatingFile::open(&path, ROTATE_AT_BYTES)
        .with_context(|| format!("cannot open the log file {}", path.display()))?;
    // The default buffer (128,000 lines) is a 4 MB channel whose every slot is written when
    // it is made: ~1,000 fresh pages, 2–17 ms before the reader's first frame (issue #15).
    // The reader logs a few lines a second; a burst past this many is dropped, not waited on.
    let (writer, guard) = tracing_appender::non_blocking::NonBlockingBuilder::default()
        .buffered_lines_limit(LOG_BUFFER_LINES)
        .finish(file);
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

#[cfg(test)]
mod tests {
    use super::*;

    fn lines(path: &Path) -> Vec<String> {
        std::fs::read_to_string(path)
            .unwrap_or_default()
            .lines()
            .map(str::to_string)
            .collect()
    }

    #[test]
    fn a_long_session_rotates_while_it_writes() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join(LOG_FILE);
        let limit = 4096;
        let file = RotatingFile::open(&path, limit).unwrap();
        // The real pipeline: tracing's non-blocking writer and fmt layer, scoped to this test.
        let (writer, guard) = tracing_appender::non_blocking(file);
        let subscriber = tracing_subscriber::fmt()
            .with_writer(writer)
            .with_ansi(false)
            .finish();
        let events = 500;
        tracing::subscriber::with_default(subscriber, || {
            for n in 0..events {
                tracing::info!(n, "event number {n:05} of a session that never restarts");
            }
        });
        drop(guard);

        let current = lines(&path);
        let old = lines(&dir.path().join(format!("{LOG_FILE}.old")));
        assert!(!old.is_empty(), "the file was moved aside mid-session");
        for file in [&path, &dir.path().join(format!("{LOG_FILE}.old"))] {
            let len = std::fs::metadata(file).unwrap().len();
            assert!(len <= limit, "{} is {len} bytes", file.display());
        }
        // The newest events survive, in order, each on a whole line.
        let kept: Vec<&String> = old.iter().chain(current.iter()).collect();
        let numbers: Vec<usize> = kept
            .iter()
            .map(|line| {
                let at = line
                    .find("event number ")
                    .unwrap_or_else(|| panic!("{line}"));
                line[at + 13..at + 18].parse().unwrap()
            })
            .collect();
        assert_eq!(numbers.last(), Some(&(events - 1)));
        assert!(numbers.windows(2).all(|w| w[1] == w[0] + 1), "{numbers:?}");
    }

    #[test]
    fn a_file_already_past_the_limit_is_moved_aside_at_open() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join(LOG_FILE);
        std::fs::write(&path, "x".repeat(200)).unwrap();
        let mut file = RotatingFile::open(&path, 100).unwrap();
        file.write_all(b"fresh\n").unwrap();
        assert_eq!(std::fs::read_to_string(&path).unwrap(), "fresh\n");
        let old = std::fs::read_to_string(dir.path().join(format!("{LOG_FILE}.old"))).unwrap();
        assert_eq!(old.len(), 200);
    }

    #[test]
    fn an_event_larger_than_the_limit_is_written_whole() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join(LOG_FILE);
        let mut file = RotatingFile::open(&path, 10).unwrap();
        file.write_all(b"short\n").unwrap();
        file.write_all(b"a line longer than the limit\n").unwrap();
        assert_eq!(
            std::fs::read_to_string(&path).unwrap(),
            "a line longer than the limit\n"
        );
        assert_eq!(
            std::fs::read_to_string(dir.path().join(format!("{LOG_FILE}.old"))).unwrap(),
            "short\n"
        );
    }
}
