//! Shared harness for the end-to-end tests that drive the binary in a real terminal: tmux on a
//! private socket, keys in with `send-keys`, the screen out of `capture-pane`, polled with a
//! bound (never a fixed sleep as synchronisation).
#![allow(dead_code)] // each test file uses a different part

mod tools;
pub use tools::require_tool;

use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::time::Duration;

static NEXT_SOCKET: std::sync::atomic::AtomicU32 = std::sync::atomic::AtomicU32::new(0);

pub struct Tmux {
    socket: String,
    config: PathBuf,
    /// The session of the current run; each start gets a new one, so the server never empties.
    session: std::cell::Cell<u32>,
}

impl Tmux {
    pub fn new(dir: &Path) -> Tmux {
        let config = dir.join("tmux.conf");
        // Keep the pane after the program exits, so its exit status can be read.
        std::fs::write(&config, "set -g remain-on-exit on\nset -g status off\n").unwrap();
        Tmux {
            socket: format!(
                "paperboat-e2e-{}-{}",
                std::process::id(),
                NEXT_SOCKET.fetch_add(1, std::sync::atomic::Ordering::Relaxed)
            ),
            config,
            session: std::cell::Cell::new(0),
        }
    }

    pub fn run(&self, args: &[&str]) -> Output {
        Command::new("tmux")
            .args(["-L", &self.socket, "-f"])
            .arg(&self.config)
            .args(args)
            .output()
            .unwrap()
    }

    pub fn target(&self) -> String {
        format!("e2e{}", self.session.get())
    }

    pub fn start(&self, command: &str, env: &[(&str, &Path)]) {
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

    pub fn screen(&self) -> String {
        String::from_utf8_lossy(
            &self
                .run(&["capture-pane", "-p", "-t", &self.target()])
                .stdout,
        )
        .into_owned()
    }

    pub fn keys(&self, keys: &[&str]) {
        let target = self.target();
        let mut args = vec!["send-keys", "-t", target.as_str()];
        args.extend_from_slice(keys);
        assert!(self.run(&args).status.success());
    }

    pub fn pane(&self, format: &str) -> String {
        let out = self.run(&["display-message", "-p", "-t", &self.target(), format]);
        String::from_utf8_lossy(&out.stdout).trim().to_string()
    }

    /// Polls the screen until `done` says yes of the same screen twice in a row; bounded,
    /// never a fixed sleep as synchronisation. Twice: `capture-pane` can catch a frame while
    /// tmux is still taking it in (CI once saw the new list title over the old status bar).
    pub async fn wait_for(&self, what: &str, done: impl Fn(&str) -> bool) -> String {
        let mut last: Option<String> = None;
        for _ in 0..400 {
            let screen = self.screen();
            if done(&screen) {
                if last.as_deref() == Some(screen.as_str()) {
                    return screen;
                }
                last = Some(screen);
            } else {
                last = None;
            }
            tokio::time::sleep(Duration::from_millis(25)).await;
        }
        panic!("timed out waiting for {what}; screen:\n{}", self.screen());
    }

    /// Waits for the program to exit and returns its exit status (the shell around it writes
    /// it to `status_file`: tmux 3.3 does not always know a dead pane's status) and whether the
    /// pane is still on the alternate screen.
    pub async fn wait_exit(&self, status_file: &Path) -> (String, String) {
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
