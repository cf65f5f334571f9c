//! The reader's loader thread: catalog loads off the UI thread, coalesced and in order. The
//! first load comes in two steps (every row first, then the same rows with their abstracts);
//! every later one is an incremental refresh of the last catalog it made (only the days the
//! store says changed are read again, see `app::catalog::refreshed_catalog`), falling back to
//! the two steps when the store cannot say what changed.

use std::sync::Arc;

use tokio::sync::mpsc;

use crate::app::Msg;
use crate::app::catalog::{
    Catalog, Refresh, catalog_with_abstracts, full_catalog, full_text_index, full_text_marks,
    refreshed_catalog,
};
use crate::query::FullTextIndex;
use crate::store::{Store, StoreError};

/// A test seam (`EffectRunner::load_hook`): called on the loader thread as each load starts,
/// before it reads the store, with the number of requests that load answers (more than one
/// when requests came while the previous load ran). A flow test blocks in it to hold a load.
pub type LoadHook = Arc<dyn Fn(usize) + Send + Sync>;

/// One loader thread: catalog loads are coalesced (a burst of sync events makes one load) and
/// come back in order.
pub(super) fn spawn_loader(
    store: Store,
    results: mpsc::UnboundedSender<Msg>,
    hook: Option<LoadHook>,
) -> std::sync::mpsc::Sender<()> {
    let (sender, requests) = std::sync::mpsc::channel::<()>();
    std::thread::spawn(move || {
        let mut last: Option<Catalog> = None;
        // The full-text index outlives each load: only texts cached since are added to it.
        let mut full_texts: Arc<FullTextIndex> = Arc::default();
        while requests.recv().is_ok() {
            let mut merged = 1;
            while requests.try_recv().is_ok() {
                merged += 1;
            }
            if let Some(hook) = &hook {
                hook(merged);
            }
            full_texts = full_text_marks(&store, &full_texts).unwrap_or(full_texts);
            let marks = Arc::clone(&full_texts);
            let sent = load(&store, &mut last, true, &mut |mut msg| {
                if let Msg::CatalogLoaded(catalog) = &mut msg {
                    catalog.full_text = Arc::clone(&marks);
                }
                results.send(msg).is_ok()
            });
            if !sent {
                return;
            }
            // Last, the words of full texts cached since the last load (slow for many): the
            // lists are usable meanwhile, and `full:` finds them when this arrives.
            match full_text_index(&store, &full_texts) {
                Ok(index) if !Arc::ptr_eq(&index, &full_texts) => {
                    full_texts = index;
                    let msg = Msg::FullTextIndexed(Arc::clone(&full_texts));
                    if results.send(msg).is_err() {
                        return;
                    }
                }
                Ok(_) => {}
                Err(error) => tracing::warn!(%error, "full texts not indexed"),
            }
        }
    });
    sender
}

/// One load: a refresh of `last` when there is one, else a full load (in two steps with
/// `two_steps`, else at once: the flow tests' inline runner). Each catalog made is handed to
/// `send` (false: nobody listens any more) and the complete one kept in `last`. Returns false
/// when `send` did.
pub(super) fn load(
    store: &Store,
    last: &mut Option<Catalog>,
    two_steps: bool,
    send: &mut dyn FnMut(Msg) -> bool,
) -> bool {
    let started = std::time::Instant::now();
    let refreshed = match last.as_ref() {
        Some(previous) => refreshed_catalog(store, previous),
        None => Ok(Refresh::Full),
    };
    let result = match refreshed {
        Ok(Refresh::Spliced(catalog)) => Ok(*catalog),
        Ok(Refresh::Full) if !two_steps => full_catalog(store, true),
        Ok(Refresh::Full) => match full_load(store, send) {
            Ok(Some(catalog)) => Ok(catalog),
            Ok(None) => return false,
            Err(error) => Err(error),
        },
        Err(error) => Err(error),
    };
    match result {
        Ok(catalog) => {
            // The whole catalog and its text index are ready (`benches/binary.sh` waits for
            // this line): logged for every load, the first one timed from the process start.
            tracing::info!(
                papers = catalog.rows.len(),
                load_ms = started.elapsed().as_secs_f64() * 1e3,
                ms_since_process_start = super::PROCESS_START
                    .get()
                    .map(|start| start.elapsed().as_secs_f64() * 1e3),
                "catalog loaded"
            );
            // A clone shares the rows, their index, the details and the text index (`Arc`s).
            *last = Some(catalog.clone());
            send(Msg::CatalogLoaded(Box::new(catalog)))
        }
        Err(error) => {
            *last = None;
            send(Msg::Notice(format!("cannot read the cache: {error}")))
        }
    }
}

/// Every row first (quick: the whole list is browsable), sent at once; then the same rows
/// with abstracts and details, sharing them, returned. `None` when nobody listens.
fn full_load(
    store: &Store,
    send: &mut dyn FnMut(Msg) -> bool,
) -> Result<Option<Catalog>, StoreError> {
    let quick = full_catalog(store, false)?;
    let shared = quick.clone();
    if !send(Msg::CatalogLoaded(Box::new(quick))) {
        return Ok(None);
    }
    catalog_with_abstracts(store, &shared).map(Some)
}
