//! Where the reader's socket lives, and making it owner-only. Inside the data dir
//! (`run/reader.sock`, the `run` dir 0700, the socket 0600) when the path fits in a socket
//! address; otherwise under `$XDG_RUNTIME_DIR/paperboat/` (or a 0700 dir of ours in the temp
//! dir), named by a hash of the data dir. The owner file in the data dir names it either way.

use std::io;
use std::os::unix::fs::{DirBuilderExt, MetadataExt, PermissionsExt};
use std::path::{Path, PathBuf};

/// Socket addresses hold 108 bytes on Linux and 104 on macOS, the terminating NUL included;
/// a path longer than this goes under the runtime dir instead.
pub const MAX_SOCKET_PATH: usize = 100;

/// The socket's dir inside the data dir, and its name there.
const RUN_DIR: &str = "run";
const SOCKET_NAME: &str = "reader.sock";

/// Where the reader on `data_dir` listens; creates its (0700) dir. `runtime_dir` is
/// `$XDG_RUNTIME_DIR` when set.
pub fn socket_path(data_dir: &Path, runtime_dir: Option<&Path>) -> io::Result<PathBuf> {
    let inside = data_dir.join(RUN_DIR).join(SOCKET_NAME);
    if inside.as_os_str().len() <= MAX_SOCKET_PATH {
        private_dir(&data_dir.join(RUN_DIR))?;
        return Ok(inside);
    }
    let uid = rustix::process::getuid().as_raw();
    let base = match runtime_dir.filter(|dir| dir.is_absolute() && dir.is_dir()) {
        Some(dir) => dir.join("paperboat"),
        None => std::env::temp_dir().join(format!("paperboat-{uid}")),
    };
    private_dir(&base)?;
    let absolute = std::path::absolute(data_dir)?;
    let name = format!(
        "{:016x}.sock",
        fnv1a(absolute.as_os_str().as_encoded_bytes())
    );
    let path = base.join(name);
    if path.as_os_str().len() > MAX_SOCKET_PATH {
        return Err(io::Error::new(
            io::ErrorKind::InvalidInput,
            format!(
                "no socket path short enough: {} is too long and so is {}",
                inside.display(),
                path.display()
            ),
        ));
    }
    Ok(path)
}

/// FNV-1a: the same name for the same data dir in every build (std's hasher is seeded).
fn fnv1a(bytes: &[u8]) -> u64 {
    bytes.iter().fold(0xcbf2_9ce4_8422_2325, |hash, byte| {
        (hash ^ u64::from(*byte)).wrapping_mul(0x0100_0000_01b3)
    })
}

/// Creates `dir` owner-only, or checks that an existing one is ours and makes it owner-only.
fn private_dir(dir: &Path) -> io::Result<()> {
    match std::fs::DirBuilder::new().mode(0o700).create(dir) {
        Ok(()) => return Ok(()),
        Err(error) if error.kind() == io::ErrorKind::AlreadyExists => {}
        Err(error) => return Err(error),
    }
    let metadata = std::fs::symlink_metadata(dir)?;
    if !metadata.is_dir() || metadata.uid() != rustix::process::getuid().as_raw() {
        return Err(io::Error::new(
            io::ErrorKind::PermissionDenied,
            format!("{} is not a directory of this user", dir.display()),
        ));
    }
    if metadata.mode() & 0o077 != 0 {
        std::fs::set_permissions(dir, std::fs::Permissions::from_mode(0o700))?;
    }
    Ok(())
}

/// Makes a just-bound socket owner-only (its dir already is).
pub fn make_private(socket: &Path) -> io::Result<()> {
    std::fs::set_permissions(socket, std::fs::Permissions::from_mode(0o600))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_short_data_dir_keeps_its_socket_in_a_private_run_dir() {
        let dir = tempfile::tempdir().unwrap();
        let path = socket_path(dir.path(), None).unwrap();
        assert_eq!(path, dir.path().join("run").join("reader.sock"));
        let mode = std::fs::metadata(dir.path().join("run")).unwrap().mode();
        assert_eq!(mode & 0o777, 0o700);
    }

    #[test]
    fn a_long_data_dir_puts_its_socket_under_the_runtime_dir() {
        let dir = tempfile::tempdir().unwrap();
        let runtime = dir.path().join("rt");
        std::fs::create_dir(&runtime).unwrap();
        let long = dir.path().join("d".repeat(120));
        let path = socket_path(&long, Some(&runtime)).unwrap();
        assert!(
            path.starts_with(runtime.join("paperboat")),
            "{}",
            path.display()
        );
        assert!(path.as_os_str().len() <= MAX_SOCKET_PATH);
        // The same data dir always gets the same socket; another one another.
        assert_eq!(socket_path(&long, Some(&runtime)).unwrap(), path);
        let other = dir.path().join("e".repeat(120));
        assert_ne!(socket_path(&other, Some(&runtime)).unwrap(), path);
    }
}
