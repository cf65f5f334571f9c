//! This machine's side of the journal: its id (made once, kept in `<data_dir>/machine-id`,
//! never synced) and what a session learns of this machine's own file before its first append
//! (line count, last change time), mending an unfinished last line on the way.

use std::fs::File;
use std::io::{self, Read as _, Seek as _, SeekFrom, Write as _};
use std::path::Path;

use chrono::{DateTime, Utc};

use super::file::{decode_raw, split_lines, sync_dir};
use super::{JournalError, MACHINE_ID_FILE};

/// A machine's id: 1–64 characters of `A-Z a-z 0-9 . _ -`, not starting with a dot.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct MachineId(String);

impl MachineId {
    pub fn parse(text: &str) -> Option<MachineId> {
        let valid = (1..=64).contains(&text.len())
            && !text.starts_with('.')
            && text
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'_' | b'-'));
        valid.then(|| MachineId(text.to_string()))
    }

    /// A new id: this host's name (for people reading the files) and 48 random bits.
    fn mint() -> MachineId {
        use std::hash::{BuildHasher as _, Hasher as _};
        // `RandomState` is seeded from the OS's random source; the time and pid only add to it.
        let mut hasher = std::collections::hash_map::RandomState::new().build_hasher();
        hasher.write_i64(Utc::now().timestamp_nanos_opt().unwrap_or_default());
        hasher.write_u32(std::process::id());
        let random = hasher.finish() & 0xffff_ffff_ffff;
        MachineId(format!("{}-{random:012x}", host_name()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Display for MachineId {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

/// The host name, reduced to `a-z 0-9 -` and 24 characters; "machine" when unknown.
fn host_name() -> String {
    let raw = std::fs::read_to_string("/proc/sys/kernel/hostname")
        .or_else(|_| std::fs::read_to_string("/etc/hostname"))
        .ok()
        .or_else(|| std::env::var("HOSTNAME").ok())
        .unwrap_or_default();
    let name: String = raw
        .trim()
        .to_ascii_lowercase()
        .chars()
        .map(|c| if c.is_ascii_alphanumeric() { c } else { '-' })
        .take(24)
        .collect();
    let name = name.trim_matches('-');
    if name.is_empty() {
        "machine".to_string()
    } else {
        name.to_string()
    }
}

/// What the writer knows about this machine's file, learnt at the first append of a session.
#[derive(Debug, Clone, Copy)]
pub(super) struct OwnFile {
    pub(super) lines: usize,
    pub(super) last_at: Option<DateTime<Utc>>,
    /// Lines right after the last compaction: the next one waits until the file doubles.
    pub(super) compacted_lines: usize,
}

pub(super) fn load_or_mint_machine_id(path: &Path) -> Result<MachineId, String> {
    match std::fs::read_to_string(path) {
        Ok(text) => {
            if let Some(id) = MachineId::parse(text.trim()) {
                return Ok(id);
            }
            tracing::warn!(path = %path.display(), "unreadable machine id; making a new one");
        }
        Err(error) if error.kind() == io::ErrorKind::NotFound => {}
        Err(error) => return Err(error.to_string()),
    }
    let id = MachineId::mint();
    let dir = path.parent().unwrap_or(Path::new("."));
    let temp = dir.join(format!(".{MACHINE_ID_FILE}.new"));
    std::fs::create_dir_all(dir)
        .and_then(|()| {
            let mut file = File::create(&temp)?;
            file.write_all(format!("{id}\n").as_bytes())?;
            file.sync_all()
        })
        .and_then(|()| std::fs::rename(&temp, path))
        .and_then(|()| sync_dir(Some(dir)))
        .map_err(|error| {
            let _ = std::fs::remove_file(&temp);
            error.to_string()
        })?;
    tracing::info!(%id, "made a journal machine id");
    Ok(id)
}

/// Reads this machine's file before the first append of a session: counts lines, finds the
/// last change time, and mends an unfinished last line (completes it if it parses, else cuts
/// it off: a write that never finished was never acknowledged).
pub(super) fn scan_own(file: &mut File, path: &Path) -> Result<OwnFile, JournalError> {
    let read_error = |source| JournalError::Read {
        path: path.to_path_buf(),
        source,
    };
    let write_error = |source| JournalError::Write {
        path: path.to_path_buf(),
        source,
    };
    let mut bytes = Vec::new();
    file.seek(SeekFrom::Start(0)).map_err(read_error)?;
    file.read_to_end(&mut bytes).map_err(read_error)?;
    let lines = split_lines(&bytes);
    let mut count = lines.len();
    if let Some(&(raw, false)) = lines.last() {
        if matches!(decode_raw(raw), Ok(Some(_))) {
            file.write_all(b"\n")
                .and_then(|()| file.sync_data())
                .map_err(write_error)?;
        } else {
            let keep = bytes.len() - raw.len();
            tracing::warn!(path = %path.display(), bytes = raw.len(), "cutting off an unfinished journal line");
            file.set_len(u64::try_from(keep).unwrap_or(u64::MAX))
                .and_then(|()| file.sync_data())
                .map_err(write_error)?;
            count -= 1;
        }
    }
    let last_at = lines
        .iter()
        .rev()
        .find_map(|(raw, _)| decode_raw(raw).ok().flatten())
        .map(|entry| entry.at);
    Ok(OwnFile {
        lines: count,
        last_at,
        compacted_lines: 0,
    })
}

#[cfg(test)]
mod tests {
    use super::super::Journal;
    use super::*;

    #[test]
    fn a_machine_id_is_made_once_and_kept() {
        let dir = tempfile::tempdir().unwrap();
        let first = Journal::open(dir.path()).machine().unwrap().clone();
        let second = Journal::open(dir.path()).machine().unwrap().clone();
        assert_eq!(first, second);
        let other = tempfile::tempdir().unwrap();
        assert_ne!(Journal::open(other.path()).machine().unwrap(), &first);
        let text = std::fs::read_to_string(dir.path().join(MACHINE_ID_FILE)).unwrap();
        assert_eq!(text.trim(), first.as_str());
    }
}
