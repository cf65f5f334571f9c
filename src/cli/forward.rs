//! Where a command runs (issue #12): through the open reader when one holds the data dir,
//! otherwise on the store opened here. Either way a command computes its answer with the same
//! code (`server::commands`) and prints it with the same code (its own file), so output and
//! exit code do not depend on the route.
//!
//! A reader that dies mid-request (the connection drops) is replaced by a direct run once its
//! lock is free: every forwarded change is idempotent, so repeating it is safe.

use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::Duration;

use serde::Serialize;
use serde::de::DeserializeOwned;
use serde_json::value::RawValue;

use crate::ownership::Probe;
use crate::server::client::{CallError, Client, Route};
use crate::server::commands::CommandError;
use crate::server::protocol::code;
use crate::store::Store;

use super::EXIT_FAILED;
use super::errors::bad_query;

/// How long a command whose reader died waits for the data dir's lock to be free (the kernel
/// lets it go when the process ends; this bounds a reader that hangs while dying).
const DEAD_READER_WAIT: Duration = Duration::from_secs(30);

/// Where this command runs.
pub(super) enum Target {
    Store(Store),
    Reader { client: Client, data_dir: PathBuf },
}

impl Target {
    /// The open reader when one serves `data_dir`, else the store opened here.
    pub(super) fn for_data_dir(data_dir: &Path) -> anyhow::Result<Target> {
        match crate::server::client::route(data_dir) {
            Route::Reader(client) => {
                tracing::info!(pid = client.owner.pid, "forwarding to the open reader");
                Ok(Target::Reader {
                    client,
                    data_dir: data_dir.to_path_buf(),
                })
            }
            Route::Direct => Ok(Target::Store(super::open_store(data_dir)?)),
        }
    }
}

/// Why a command gave no result, as the command line reports it.
pub(super) enum Failure {
    /// A query that does not parse: exit 2 with the query hint.
    BadQuery(String),
    /// The reader is another version and does not know the method.
    OlderReader(String),
    Failed(anyhow::Error),
}

impl From<CommandError> for Failure {
    fn from(error: CommandError) -> Failure {
        match error {
            CommandError::BadQuery(message) => Failure::BadQuery(message),
            CommandError::BadParams(message) => Failure::Failed(anyhow::anyhow!(message)),
            CommandError::Failed(error) => Failure::Failed(error),
        }
    }
}

impl Failure {
    /// The exit code, having said what went wrong; a plain failure goes back up as an error.
    pub(super) fn report(self) -> anyhow::Result<ExitCode> {
        match self {
            Failure::BadQuery(message) => Ok(bad_query(&message)),
            Failure::OlderReader(version) => {
                eprintln!(
                    "paperboat: error: the open reader is paperboat {}; restart it to use this \
                     command",
                    crate::text::sanitize_line(&version)
                );
                Ok(ExitCode::from(EXIT_FAILED))
            }
            Failure::Failed(error) => Err(error),
        }
    }
}

/// Runs `method` with `params` on the reader, or `direct` on the store. `progress` gets the
/// reader's progress replies (a direct run reports its own progress).
pub(super) fn call<P, R>(
    target: &mut Target,
    method: &str,
    params: &P,
    progress: impl FnMut(&RawValue),
    direct: impl FnOnce(&Store) -> Result<R, CommandError>,
) -> Result<R, Failure>
where
    P: Serialize,
    R: DeserializeOwned,
{
    let (client, data_dir) = match target {
        Target::Store(store) => return direct(store).map_err(Failure::from),
        Target::Reader { client, data_dir } => (client, data_dir.clone()),
    };
    match client.call(method, params, progress) {
        Ok(answer) => Ok(answer),
        Err(CallError::Remote(error)) => Err(match error.code.as_str() {
            code::UNKNOWN_METHOD | code::UNSUPPORTED_VERSION => Failure::OlderReader(error.version),
            code::BAD_QUERY => Failure::BadQuery(error.message),
            _ => Failure::Failed(anyhow::anyhow!(error.message)),
        }),
        Err(CallError::Dropped(why)) => {
            tracing::warn!(%why, method, "the open reader dropped the request; running it here");
            if !crate::ownership::wait_until_free(&data_dir, DEAD_READER_WAIT) {
                return Err(Failure::Failed(anyhow::anyhow!(
                    "the open reader stopped answering ({why}) and still holds the data dir"
                )));
            }
            let store = super::open_store(&data_dir).map_err(Failure::Failed)?;
            let result = direct(&store).map_err(Failure::from);
            *target = Target::Store(store);
            result
        }
        Err(error @ CallError::Unreadable(_)) => Err(Failure::Failed(error.into())),
    }
}

/// The reader holding `data_dir`, for commands that must not run beside one.
pub(super) fn open_reader(data_dir: &Path) -> Option<crate::ownership::Owner> {
    match crate::ownership::probe(data_dir) {
        Ok(Probe::Reader(owner)) => Some(owner),
        _ => None,
    }
}
