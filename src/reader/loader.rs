//! The reader's loader thread: catalog loads off the UI thread, coalesced and in order, in two
//! steps (every row first, then the same rows with their abstracts).

use std::sync::Arc;

use tokio::sync::mpsc;

use crate::app::Msg;
use crate::app::catalog::{catalog_with_abstracts, full_catalog, full_text_index, full_text_marks};
use crate::query::FullTextIndex;
use crate::store::Store;

/// A test seam (`EffectRunner::load_hook`): called on the loader thread as each load starts,
/// before it reads the store, with the number of requests that load answers (more than one
/// when requests came while the previous load ran). A flow test blocks in it to hold a load.
pub type LoadHook = Arc<dyn Fn(usize) + Send + Sync>;

/// One loader thread: catalog loads are coalesced (a burst of sync events makes one load) and
/// come back in order. The rows-only catalog comes first, then the one with abstracts.
pub(super) fn spawn_loader(
    store: Store,
    results: mpsc::UnboundedSender<Msg>,
    hook: Option<LoadHook>,
) -> std::sync::mpsc::Sender<()> {
    let (sender, requests) = std::sync::mpsc::channel::<()>();
    std::thread::spawn(move || {
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
            // Every row first (quick: the whole list is browsable), then the same rows with
            // abstracts and details, sharing them.
            full_texts = full_text_marks(&store, &full_texts).unwrap_or(full_texts);
            let full = match full_catalog(&store, false) {
                Ok(mut quick) => {
                    quick.full_text = Arc::clone(&full_texts);
                    // A clone shares the rows, their index and the text index (`Arc`s).
                    let shared = quick.clone();
                    if results.send(Msg::CatalogLoaded(Box::new(quick))).is_err() {
                        return;
                    }
                    catalog_with_abstracts(&store, &shared)
                }
                Err(error) => Err(error),
            };
            let msg = match full {
                Ok(catalog) => Msg::CatalogLoaded(Box::new(catalog)),
                Err(error) => Msg::Notice(format!("cannot read the cache: {error}")),
            };
            if results.send(msg).is_err() {
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
