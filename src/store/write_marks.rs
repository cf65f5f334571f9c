//! Test instrumentation of paper writes, compiled into debug builds only: when the environment
//! variable `PAPERBOAT_TEST_WRITE_MARKS` names a file, every paper commit appends
//! `begin <unix nanos>` before its first batch and `end <unix nanos>` after its last flush. A
//! test that SIGKILLs the process reads the file to tell whether the kill landed inside a store
//! write (its last line is a `begin`). Release builds neither read the variable nor write.
//!
//! Imports nothing from the crate.

/// The variable naming the marks file.
pub const WRITE_MARKS_ENV: &str = "PAPERBOAT_TEST_WRITE_MARKS";

#[cfg(debug_assertions)]
pub(super) fn mark(what: &str) {
    use std::io::Write;
    use std::path::PathBuf;
    use std::sync::OnceLock;

    static MARKS: OnceLock<Option<PathBuf>> = OnceLock::new();
    let Some(path) = MARKS.get_or_init(|| std::env::var_os(WRITE_MARKS_ENV).map(PathBuf::from))
    else {
        return;
    };
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |since| since.as_nanos());
    // One `write` of a whole line on an append-mode file: a kill leaves it whole or absent.
    if let Ok(mut file) = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(path)
    {
        let _ = file.write_all(format!("{what} {nanos}\n").as_bytes());
    }
}

#[cfg(not(debug_assertions))]
pub(super) fn mark(_what: &str) {}
