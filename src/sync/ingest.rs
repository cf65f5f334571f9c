//! One fetched body into the store: the source parses it as it is read while a thread of its
//! own applies each batch of papers, so reading, normalising and writing overlap. The sync
//! task runs it for every body; the ingest benchmark measures exactly this.

use std::io::BufRead;
use std::sync::mpsc;

use chrono::NaiveDate;

use crate::model::Paper;
use crate::source::{Declared, ParseReport, Source, SourceRequest, StreamError};
use crate::store::{ApplyOutcome, Store, StoreError};

/// Batches that may wait for the store while the parser goes on.
const BATCHES_IN_FLIGHT: usize = 1;

/// Why a body was not (wholly) stored. Batches applied before the failure stay stored.
#[derive(Debug, thiserror::Error)]
pub enum IngestError {
    /// The body could not be read or parsed.
    #[error(transparent)]
    Parse(StreamError),
    /// A store write failed.
    #[error("{0}")]
    Store(String),
}

/// Parses `body` (with what its server `declared` about it) with `source` and applies its papers to `store` a batch at a time, filing
/// undated papers under `day`. Returns what the batches added and changed, summed, and the
/// parse's report of what it read and skipped.
pub fn ingest_body(
    source: &dyn Source,
    request: &SourceRequest,
    declared: &Declared,
    body: &mut (dyn BufRead + Send),
    store: &Store,
    day: NaiveDate,
) -> Result<(ApplyOutcome, ParseReport), IngestError> {
    let store_error = |e: StoreError| format!("cannot store papers from {}: {e}", request.url);
    // The id carry-over the v5 upgrade left for a generic feed (once; `store/rekey.rs`).
    let rekey = store
        .begin_rekey(source.id())
        .map_err(|e| IngestError::Store(store_error(e)))?;
    std::thread::scope(|scope| {
        let (batches_out, batches_in) = mpsc::sync_channel::<Vec<Paper>>(BATCHES_IN_FLIGHT);
        let writer = scope.spawn(move || {
            let mut total = ApplyOutcome::default();
            let mut rekey = rekey;
            for papers in batches_in {
                if let Some(pass) = &mut rekey {
                    pass.note(&papers);
                }
                let outcome = store
                    .apply(papers, day)
                    .map_err(|e| format!("cannot store papers from {}: {e}", request.url))?;
                total.new += outcome.new;
                total.changed += outcome.changed;
            }
            Ok::<_, String>((total, rekey))
        });
        let parsed = source.parse_stream_with(request, declared, body, &mut |papers| {
            // A closed channel means the writer failed; its error is the one reported.
            batches_out.send(papers).map_err(|_| String::new())
        });
        drop(batches_out);
        let written = match writer.join() {
            Ok(written) => written,
            Err(_panic) => Err(format!(
                "cannot store papers from {}: the store writer stopped unexpectedly",
                request.url
            )),
        };
        match (parsed, written) {
            (_, Err(message)) => Err(IngestError::Store(message)),
            (Err(error), Ok(_)) => Err(IngestError::Parse(error)),
            (Ok(report), Ok((mut total, rekey))) => {
                if let Some(pass) = rekey {
                    let carried = store
                        .finish_rekey(pass)
                        .map_err(|e| IngestError::Store(store_error(e)))?;
                    tracing::info!(source = %source.id(), ?carried, "generic-feed ids re-keyed");
                    // A re-keyed paper changed (its old record went), so the reader reloads.
                    total.changed += carried.carried;
                }
                Ok((total, report))
            }
        }
    })
}
