//! Who owns a data dir: an exclusive file lock (`owner.lock`) held by the open reader for its
//! whole life, and an `owner` file beside it saying who that is (host, pid, tty, start time,
//! version, and where it serves commands). The lock decides; the file only describes. A socket
//! answering or not decides nothing: on a home directory shared over NFS a reader alive on
//! another host must never lose its socket.
//!
//! A reader killed on this host (SIGKILL, power loss) loses its lock with its process; the next
//! process that takes the lock removes the socket and owner file it left. The lock is `flock`,
//! which Linux emulates with POSIX locks on NFS, so it holds across hosts there too.
//!
//! Layer: beside `store` (it imports only `model`-level crates); must not import app, ui,
//! reader, server or cli.

use std::fs::{File, OpenOptions};
use std::io;
use std::os::unix::fs::FileTypeExt;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

/// The lock file, in the data dir.
pub const LOCK_FILE: &str = "owner.lock";
/// Who holds the lock, in the data dir (JSON, replaced atomically).
pub const OWNER_FILE: &str = "owner";

/// How long a process that found the lock taken waits for the holder's owner file: the
/// holder writes it right after taking the lock, or is a command checking for a stale reader
/// (it holds the lock for microseconds).
const OWNER_WAIT: Duration = Duration::from_secs(2);
const POLL: Duration = Duration::from_millis(10);

/// The process that owns a data dir.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Owner {
    pub host: String,
    pub pid: u32,
    /// The terminal it runs in (`/dev/pts/3`), when it has one.
    pub tty: Option<String>,
    pub started: DateTime<Utc>,
    /// The paperboat version it runs.
    pub version: String,
    /// Where it serves commands; `None` while it starts or when no socket could be made.
    pub socket: Option<PathBuf>,
}

impl Owner {
    /// This process, as it would describe itself.
    pub fn this_process() -> Owner {
        Owner {
            host: host_name(),
            pid: std::process::id(),
            tty: tty_name(),
            started: Utc::now(),
            version: env!("CARGO_PKG_VERSION").to_string(),
            socket: None,
        }
    }

    /// Whether it runs on this host (only then can its pid be checked or its socket removed).
    pub fn is_local(&self) -> bool {
        self.host == host_name()
    }

    /// Whether it may still be running: a process on another host is assumed alive.
    pub fn may_be_alive(&self) -> bool {
        !self.is_local() || pid_alive(self.pid)
    }

    /// "pid 4242 on host lab3, /dev/pts/3".
    pub fn describe(&self) -> String {
        let mut text = format!("pid {} on host {}", self.pid, self.host);
        if let Some(tty) = &self.tty {
            text.push_str(", ");
            text.push_str(tty);
        }
        crate::text::sanitize_line(&text)
    }
}

/// Why a data dir could not be claimed or checked.
#[derive(Debug, thiserror::Error)]
pub enum OwnershipError {
    #[error(
        "paperboat is already open on this data dir ({}); commands like `paperboat list` still work",
        .0.describe()
    )]
    HeldBy(Box<Owner>),
    #[error(
        "paperboat is already open on this data dir (another process holds {}); commands like \
         `paperboat list` still work",
        .0.display()
    )]
    HeldByUnknown(PathBuf),
    #[error("cannot lock the data dir {dir}: {source}")]
    Io { dir: PathBuf, source: io::Error },
}

/// What [`probe`] found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Probe {
    /// Nobody holds the data dir (a dead local reader's leftovers were removed).
    Free,
    /// A reader holds it.
    Reader(Owner),
    /// Something holds the lock but says nothing about itself.
    Unknown,
}

/// The data dir held by this process until dropped; dropping removes the owner file and the
/// socket it names, then lets the lock go.
#[derive(Debug)]
pub struct Claim {
    dir: PathBuf,
    /// Holds the lock while open.
    _lock: File,
    owner: Owner,
}

impl Claim {
    pub fn owner(&self) -> &Owner {
        &self.owner
    }

    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// Records where this process serves commands (or that it does not).
    pub fn set_socket(&mut self, socket: Option<PathBuf>) -> io::Result<()> {
        self.owner.socket = socket;
        write_owner(&self.dir, &self.owner)
    }
}

impl Drop for Claim {
    fn drop(&mut self) {
        if let Some(socket) = &self.owner.socket {
            remove_socket(socket);
        }
        let _ = std::fs::remove_file(self.dir.join(OWNER_FILE));
    }
}

/// Takes the data dir for this process (a reader), creating the dir if needed. Fails at once
/// with [`OwnershipError::HeldBy`] when another reader holds it; of two readers starting at
/// once exactly one wins.
pub fn claim(dir: &Path) -> Result<Claim, OwnershipError> {
    let io_error = |source| OwnershipError::Io {
        dir: dir.to_path_buf(),
        source,
    };
    std::fs::create_dir_all(dir).map_err(io_error)?;
    let lock = open_lock(dir).map_err(io_error)?;
    let started = Instant::now();
    loop {
        if try_lock(&lock).map_err(io_error)? {
            remove_leftovers(dir);
            let owner = Owner::this_process();
            write_owner(dir, &owner).map_err(io_error)?;
            return Ok(Claim {
                dir: dir.to_path_buf(),
                _lock: lock,
                owner,
            });
        }
        if let Some(owner) = read_owner(dir).filter(|o| o.may_be_alive()) {
            return Err(OwnershipError::HeldBy(Box::new(owner)));
        }
        if started.elapsed() >= OWNER_WAIT {
            return Err(OwnershipError::HeldByUnknown(dir.join(LOCK_FILE)));
        }
        std::thread::sleep(POLL);
    }
}

/// Who holds the data dir, for a command deciding whether to forward. Never creates the dir.
/// When nobody holds it, what a reader killed on this host left behind is removed.
pub fn probe(dir: &Path) -> io::Result<Probe> {
    if !dir.is_dir() {
        return Ok(Probe::Free);
    }
    let lock = open_lock(dir)?;
    let started = Instant::now();
    loop {
        if try_lock(&lock)? {
            remove_leftovers(dir);
            // Dropping `lock` lets it go.
            return Ok(Probe::Free);
        }
        if let Some(owner) = read_owner(dir).filter(|o| o.may_be_alive()) {
            return Ok(Probe::Reader(owner));
        }
        if started.elapsed() >= OWNER_WAIT {
            return Ok(Probe::Unknown);
        }
        std::thread::sleep(POLL);
    }
}

/// Waits until nobody holds the data dir (a reader that died lets go at once); false when it
/// is still held after `timeout`.
pub fn wait_until_free(dir: &Path, timeout: Duration) -> bool {
    let started = Instant::now();
    loop {
        if matches!(probe(dir), Ok(Probe::Free)) {
            return true;
        }
        if started.elapsed() >= timeout {
            return false;
        }
        std::thread::sleep(POLL);
    }
}

/// The owner file as it is now, if it reads.
pub fn read_owner(dir: &Path) -> Option<Owner> {
    let text = std::fs::read_to_string(dir.join(OWNER_FILE)).ok()?;
    serde_json::from_str(&text).ok()
}

fn open_lock(dir: &Path) -> io::Result<File> {
    OpenOptions::new()
        .read(true)
        .write(true)
        .create(true)
        .truncate(false)
        .open(dir.join(LOCK_FILE))
}

/// True when this call took the lock; false when another process holds it.
fn try_lock(file: &File) -> io::Result<bool> {
    use rustix::fs::{FlockOperation, flock};
    match flock(file, FlockOperation::NonBlockingLockExclusive) {
        Ok(()) => Ok(true),
        Err(rustix::io::Errno::WOULDBLOCK) => Ok(false),
        Err(error) => Err(error.into()),
    }
}

/// Called with the lock held: the previous owner is gone. Its socket is removed only when it
/// ran on this host (on another host the lock may simply not reach it, see the module doc).
fn remove_leftovers(dir: &Path) {
    let Some(previous) = read_owner(dir) else {
        return;
    };
    if !previous.is_local() {
        return;
    }
    if let Some(socket) = &previous.socket {
        // The owner file of a copied data dir names the original's socket, which may be
        // serving: only a socket nobody answers on is a leftover.
        if std::os::unix::net::UnixStream::connect(socket).is_ok() {
            tracing::info!(socket = %socket.display(), "an owner file names a live socket: kept");
        } else {
            let pid = previous.pid;
            tracing::info!(socket = %socket.display(), pid, "removing a dead reader's socket");
            remove_socket(socket);
        }
    }
    let _ = std::fs::remove_file(dir.join(OWNER_FILE));
}

/// Removes `path` only if it is a socket (never a file some pointer was bent to).
pub fn remove_socket(path: &Path) {
    if std::fs::symlink_metadata(path).is_ok_and(|m| m.file_type().is_socket()) {
        let _ = std::fs::remove_file(path);
    }
}

fn write_owner(dir: &Path, owner: &Owner) -> io::Result<()> {
    let text = serde_json::to_string(owner).map_err(io::Error::other)?;
    let temporary = dir.join(format!("{OWNER_FILE}.{}.tmp", std::process::id()));
    std::fs::write(&temporary, text)?;
    std::fs::rename(&temporary, dir.join(OWNER_FILE))
}

/// This machine's name as `uname` gives it.
pub fn host_name() -> String {
    rustix::system::uname()
        .nodename()
        .to_string_lossy()
        .into_owned()
}

/// Whether a process with this pid exists on this host.
pub fn pid_alive(pid: u32) -> bool {
    let Some(pid) = i32::try_from(pid)
        .ok()
        .and_then(rustix::process::Pid::from_raw)
    else {
        return false;
    };
    match rustix::process::test_kill_process(pid) {
        Ok(()) => true,
        // It exists but belongs to someone else.
        Err(rustix::io::Errno::PERM) => true,
        Err(_) => false,
    }
}

/// The terminal of stdin, stdout or stderr, whichever is one.
fn tty_name() -> Option<String> {
    let name = rustix::termios::ttyname(std::io::stdin(), Vec::new())
        .or_else(|_| rustix::termios::ttyname(std::io::stdout(), Vec::new()))
        .or_else(|_| rustix::termios::ttyname(std::io::stderr(), Vec::new()))
        .ok()?;
    Some(name.to_string_lossy().into_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_claim_wins_and_the_second_names_the_first() {
        let dir = tempfile::tempdir().unwrap();
        let first = claim(dir.path()).unwrap();
        // flock locks belong to the open file, so a second open in this process conflicts
        // exactly as another process would.
        let error = claim(dir.path()).unwrap_err();
        let OwnershipError::HeldBy(owner) = &error else {
            panic!("{error}")
        };
        assert_eq!(owner.pid, std::process::id());
        let line = error.to_string();
        assert!(
            line.starts_with("paperboat is already open on this data dir (pid "),
            "{line}"
        );
        assert!(line.contains(&format!("on host {}", host_name())), "{line}");
        assert!(
            line.ends_with("commands like `paperboat list` still work"),
            "{line}"
        );
        assert_eq!(
            probe(dir.path()).unwrap(),
            Probe::Reader(first.owner().clone())
        );
        drop(first);
        assert_eq!(probe(dir.path()).unwrap(), Probe::Free);
        assert!(!dir.path().join(OWNER_FILE).exists());
        assert!(claim(dir.path()).is_ok());
    }

    #[test]
    fn a_dead_local_readers_socket_is_removed_and_another_hosts_is_kept() {
        let dir = tempfile::tempdir().unwrap();
        let socket = dir.path().join("reader.sock");
        // Its socket file stays behind with nobody listening.
        drop(std::os::unix::net::UnixListener::bind(&socket).unwrap());
        // A reader on this host that is gone (nobody holds the lock).
        let mut dead = Owner::this_process();
        dead.pid = u32::MAX - 1;
        dead.socket = Some(socket.clone());
        write_owner(dir.path(), &dead).unwrap();
        assert_eq!(probe(dir.path()).unwrap(), Probe::Free);
        assert!(!socket.exists(), "the dead reader's socket is removed");
        assert!(read_owner(dir.path()).is_none());

        // A reader on another host: its socket and owner file are left alone.
        let socket = dir.path().join("other.sock");
        let _listener = std::os::unix::net::UnixListener::bind(&socket).unwrap();
        let mut remote = dead.clone();
        remote.host = format!("{}-elsewhere", host_name());
        remote.socket = Some(socket.clone());
        write_owner(dir.path(), &remote).unwrap();
        assert_eq!(probe(dir.path()).unwrap(), Probe::Free);
        assert!(socket.exists());
        assert_eq!(read_owner(dir.path()), Some(remote));
    }

    #[test]
    fn a_copied_data_dir_leaves_the_originals_live_socket_alone() {
        let original = tempfile::tempdir().unwrap();
        let socket = original.path().join("reader.sock");
        let listener = std::os::unix::net::UnixListener::bind(&socket).unwrap();
        // The copy's owner file still names the original's socket, whose reader serves.
        let copy = tempfile::tempdir().unwrap();
        let mut owner = Owner::this_process();
        owner.pid = u32::MAX - 1;
        owner.socket = Some(socket.clone());
        write_owner(copy.path(), &owner).unwrap();
        let claimed = claim(copy.path()).unwrap();
        assert!(socket.exists(), "the original's socket is kept");
        assert!(std::os::unix::net::UnixStream::connect(&socket).is_ok());
        drop(claimed);
        drop(listener);
    }

    #[test]
    fn a_missing_dir_is_free_and_not_created() {
        let dir = tempfile::tempdir().unwrap();
        let missing = dir.path().join("nope");
        assert_eq!(probe(&missing).unwrap(), Probe::Free);
        assert!(!missing.exists());
    }

    #[test]
    fn this_process_is_alive_and_describes_itself() {
        assert!(pid_alive(std::process::id()));
        assert!(!pid_alive(u32::MAX - 1));
        let mut owner = Owner::this_process();
        owner.tty = Some("/dev/pts/3".into());
        owner.host = "lab3".into();
        owner.pid = 4242;
        assert_eq!(owner.describe(), "pid 4242 on host lab3, /dev/pts/3");
    }
}
