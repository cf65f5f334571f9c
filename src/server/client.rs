//! The other side of the socket, for the command line: finds the reader that owns a data dir
//! and calls one method on it (blocking; a command makes one call).

use std::io::{BufRead, BufReader, Write};
use std::os::unix::net::UnixStream;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use serde::Serialize;
use serde::de::DeserializeOwned;
use serde_json::value::RawValue;

use super::protocol::{self, ErrorBody, Reply};
use crate::ownership::{Owner, Probe};

/// How long a command waits for a reader that holds the data dir to start serving (it names
/// its socket before binding it, and opens the store in between).
const SERVE_WAIT: Duration = Duration::from_secs(5);
/// How long a call waits for the reader's next reply line before giving up on it (a reader
/// suspended with Ctrl-Z, or hung): long enough for a catalog load at a million papers; a
/// `sync` gets longer, since a source may take its whole HTTP timeout between two lines.
const REPLY_WAIT: Duration = Duration::from_secs(120);
const SYNC_REPLY_WAIT: Duration = Duration::from_secs(900);
const POLL: Duration = Duration::from_millis(20);

/// Where a command runs.
#[derive(Debug)]
pub enum Route {
    /// Nobody serves the data dir: open the store here.
    Direct,
    /// The open reader serves it.
    Reader(Client),
}

/// Why a call gave no answer.
#[derive(Debug, thiserror::Error)]
pub enum CallError {
    /// The connection broke before the answer (the reader died, most likely).
    #[error("the open reader stopped answering: {0}")]
    Dropped(String),
    /// The reader answered with an error.
    #[error("{}", .0.message)]
    Remote(ErrorBody),
    /// The reader answered something this version cannot read.
    #[error("the open reader answered something unreadable: {0}")]
    Unreadable(String),
}

/// A connection to the reader.
#[derive(Debug)]
pub struct Client {
    pub owner: Owner,
    reader: BufReader<UnixStream>,
    next_id: u64,
}

/// Decides where a command on `data_dir` runs: through the reader that holds it, when one
/// does and answers, else directly. What a reader killed on this host left is removed here.
pub fn route(data_dir: &Path) -> Route {
    let started = Instant::now();
    loop {
        let owner = match crate::ownership::probe(data_dir) {
            Ok(Probe::Reader(owner)) => owner,
            Ok(Probe::Free | Probe::Unknown) | Err(_) => return Route::Direct,
        };
        if let Some(socket) = &owner.socket
            && let Ok(client) = Client::connect(socket, owner.clone())
        {
            return Route::Reader(client);
        }
        // Starting (no socket yet, or not bound yet) or running without one: the direct
        // open then waits for the store and says who holds it.
        if started.elapsed() >= SERVE_WAIT {
            tracing::warn!(
                pid = owner.pid,
                "the reader holds the data dir but does not serve"
            );
            return Route::Direct;
        }
        std::thread::sleep(POLL);
    }
}

impl Client {
    pub fn connect(socket: &Path, owner: Owner) -> std::io::Result<Client> {
        let stream = UnixStream::connect(socket)?;
        Ok(Client {
            owner,
            reader: BufReader::new(stream),
            next_id: 1,
        })
    }

    /// Calls `method`; `progress` gets each progress reply as it comes; the answer is the
    /// final `ok`.
    pub fn call<P: Serialize, R: DeserializeOwned>(
        &mut self,
        method: &str,
        params: &P,
        mut progress: impl FnMut(&RawValue),
    ) -> Result<R, CallError> {
        let id = self.next_id;
        self.next_id += 1;
        let line = protocol::request_line(id, method, params);
        let stream = self.reader.get_mut();
        let wait = if method == "sync" {
            SYNC_REPLY_WAIT
        } else {
            REPLY_WAIT
        };
        stream
            .set_read_timeout(Some(wait))
            .map_err(|e| CallError::Dropped(e.to_string()))?;
        stream
            .write_all(line.as_bytes())
            .and_then(|()| stream.flush())
            .map_err(|e| CallError::Dropped(e.to_string()))?;
        let mut text = String::new();
        loop {
            text.clear();
            let read = self
                .reader
                .read_line(&mut text)
                .map_err(|e| CallError::Dropped(e.to_string()))?;
            if read == 0 || !text.ends_with('\n') {
                return Err(CallError::Dropped("the connection closed".into()));
            }
            let reply: Reply = serde_json::from_str(text.trim_end())
                .map_err(|e| CallError::Unreadable(e.to_string()))?;
            if reply.id != id && !reply.id.is_null() {
                continue;
            }
            if let Some(error) = reply.error {
                return Err(CallError::Remote(error));
            }
            if let Some(value) = reply.progress {
                progress(&value);
                continue;
            }
            let Some(ok) = reply.ok else {
                return Err(CallError::Unreadable(text.trim_end().to_string()));
            };
            return serde_json::from_str(ok.get())
                .map_err(|e| CallError::Unreadable(e.to_string()));
        }
    }
}

/// Where an `-o FILE` goes, resolved against this process's working directory.
pub fn absolute(path: &Path) -> PathBuf {
    std::path::absolute(path).unwrap_or_else(|_| path.to_path_buf())
}
