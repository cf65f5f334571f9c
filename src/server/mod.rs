//! The open reader serves its data dir to other paperboat processes (and editor plugins) over
//! a Unix socket, so commands like `paperboat list` or `paperboat star` work while it runs
//! (sled lets one process hold the store). See `protocol.rs` for the wire format.
//!
//! It runs on the reader's tokio runtime, never on the thread that draws: reads of many papers
//! are answered on blocking threads from the reader's latest catalog (an `Arc` snapshot swapped
//! when the reader loads a new one, see `hub.rs`) plus the store's current user state; changes
//! are journaled and stored here, then sent into the reader's update loop so the open reader
//! shows them at once. Only the socket's owner uid may connect (peer credentials).
//!
//! Layer: the reader's (beside the event loop). Imports app, store, sync, config, export;
//! never ui or cli.

pub mod client;
pub mod commands;
mod connection;
mod dispatch;
pub use dispatch::chain_line;
pub mod hub;
mod pdf;
pub mod protocol;
pub mod search;
pub mod show;
pub mod socket;

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use tokio::net::UnixListener;
use tokio::sync::{Semaphore, mpsc};

use crate::app::Msg;
use crate::config::Config;
use crate::ownership::Claim;
use crate::store::Store;
use crate::sync::SyncCommand;
use hub::{SnapshotReceiver, SyncHub};

/// Knobs of the server.
#[derive(Debug, Clone)]
pub struct ServerSettings {
    /// A client that sends no full request for this long is dropped.
    pub idle: Duration,
    /// The longest request line; a longer one gets an error and the connection is closed.
    pub max_line: usize,
    /// Clients served at once; one more gets a `busy` error.
    pub max_clients: usize,
    /// Tests only: after a state change is stored, create this file and never reply (so a
    /// test can kill the reader while a command is in flight).
    pub stall_after_write: Option<PathBuf>,
}

impl Default for ServerSettings {
    fn default() -> ServerSettings {
        ServerSettings {
            idle: Duration::from_secs(10),
            max_line: protocol::MAX_LINE_BYTES,
            max_clients: 64,
            stall_after_write: None,
        }
    }
}

/// The environment variable the stall hook is read from (tests only).
pub const STALL_ENV: &str = "PAPERBOAT_TEST_STALL_AFTER_WRITE";

/// What request handlers share.
pub struct Context {
    pub store: Store,
    /// The reader's config: a forwarded `sync` or `feeds` uses the reader's sources.
    pub config: Config,
    pub snapshot: SnapshotReceiver,
    /// The reader's update loop.
    pub inbox: mpsc::UnboundedSender<Msg>,
    pub sync: Arc<SyncHub>,
    pub settings: ServerSettings,
}

/// A running server; its socket is removed when the claim is dropped.
pub struct Server {
    pub path: PathBuf,
    task: tokio::task::JoinHandle<()>,
}

impl Drop for Server {
    fn drop(&mut self) {
        self.task.abort();
    }
}

/// Binds the socket for the data dir `claim` holds, records it in the owner file and starts
/// serving on the current runtime. An error means the reader runs without serving.
pub fn start(
    claim: &mut Claim,
    context: Context,
    runtime_dir: Option<&Path>,
) -> std::io::Result<Server> {
    let path = socket::socket_path(claim.dir(), runtime_dir)?;
    // Named before it exists: a reader killed right after binding leaves nothing unnamed,
    // so the next process on this host can remove it.
    claim.set_socket(Some(path.clone()))?;
    let bind = || {
        UnixListener::bind(&path).and_then(|listener| {
            socket::make_private(&path)?;
            Ok(listener)
        })
    };
    let bound = match bind() {
        // A socket file nobody answers on: a reader killed before it could remove it, or a
        // copy of a data dir made while its reader ran. The claim is ours, so no reader of
        // this data dir serves there: remove it and bind again, once.
        Err(error)
            if error.kind() == std::io::ErrorKind::AddrInUse
                && std::os::unix::net::UnixStream::connect(&path).is_err() =>
        {
            tracing::info!(socket = %path.display(), "removing a stale socket");
            crate::ownership::remove_socket(&path);
            bind()
        }
        other => other,
    };
    let listener = match bound {
        Ok(listener) => listener,
        Err(error) => {
            // Never remove on drop what another process may own.
            let _ = claim.set_socket(None);
            return Err(error);
        }
    };
    tracing::info!(socket = %path.display(), "serving commands");
    let context = Arc::new(context);
    let permits = Arc::new(Semaphore::new(context.settings.max_clients));
    let task = tokio::spawn(async move {
        loop {
            match listener.accept().await {
                Ok((stream, _)) => {
                    let permit = Arc::clone(&permits).try_acquire_owned().ok();
                    tokio::spawn(connection::serve(Arc::clone(&context), stream, permit));
                }
                Err(error) => {
                    // Out of file descriptors, typically: let clients finish, then go on.
                    tracing::warn!(%error, "cannot accept a client");
                    tokio::time::sleep(Duration::from_millis(50)).await;
                }
            }
        }
    });
    Ok(Server { path, task })
}

/// What the reader's event loop is given by [`wire_reader`].
pub struct Wiring {
    /// Serving while held; `None` when no socket could be made.
    pub server: Option<Server>,
    /// Give it every sync event (`observe`) before the UI gets it.
    pub sync_hub: Arc<SyncHub>,
    /// Where the effect runner sends its results: full catalogs are published as the
    /// server's snapshot on the way to `inbox`.
    pub results: mpsc::UnboundedSender<Msg>,
    /// Said once in the status line when the reader does not serve.
    pub notice: Option<String>,
}

/// Starts serving the data dir `claim` holds for the reader whose update loop is `inbox`.
/// Must run on the reader's runtime.
pub fn wire_reader(
    claim: &mut Claim,
    store: &Store,
    config: &Config,
    inbox: &mpsc::UnboundedSender<Msg>,
    sync_commands: mpsc::Sender<SyncCommand>,
) -> Wiring {
    let sync_hub = SyncHub::new(sync_commands);
    let (snapshot_tx, snapshot_rx) = hub::snapshot_channel();
    let (results, mut results_rx) = mpsc::unbounded_channel::<Msg>();
    let tap = inbox.clone();
    tokio::spawn(async move {
        while let Some(msg) = results_rx.recv().await {
            if let Msg::CatalogLoaded(catalog) = &msg {
                hub::publish_if_full(&snapshot_tx, catalog);
            }
            if tap.send(msg).is_err() {
                break;
            }
        }
    });
    let context = Context {
        store: store.clone(),
        config: config.clone(),
        snapshot: snapshot_rx,
        inbox: inbox.clone(),
        sync: Arc::clone(&sync_hub),
        settings: ServerSettings {
            idle: Duration::from_secs(config.server.idle_timeout_secs.max(1)),
            stall_after_write: std::env::var_os(STALL_ENV).map(PathBuf::from),
            ..ServerSettings::default()
        },
    };
    let runtime_dir = std::env::var_os("XDG_RUNTIME_DIR").map(PathBuf::from);
    let (server, notice) = match start(claim, context, runtime_dir.as_deref()) {
        Ok(server) => (Some(server), None),
        Err(error) => {
            tracing::warn!(%error, "not serving commands");
            let notice = format!("not serving other paperboat commands: {error}");
            (None, Some(notice))
        }
    };
    Wiring {
        server,
        sync_hub,
        results,
        notice,
    }
}
