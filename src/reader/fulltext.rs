//! Running `Effect::LoadFullText` and `Effect::LayOutFullText` off the UI thread: the cache
//! read, or the fetch, then parsing and laying out the first screens, answered at once as
//! `Msg::FullTextLoaded`; the rest of the layout (or a layout for a new width) follows as
//! `Msg::FullTextLaidOut`; a text fetched just now is then indexed (`Effect::IndexFullText`)
//! so `full:` finds it before the next catalog load. In the flow tests (`inline`) both run at once, a cached full text
//! only.

use std::collections::VecDeque;
use std::sync::Arc;

use super::effects::EffectRunner;
use crate::app::Msg;
use crate::app::fulltext::{FirstLines, LoadedFullText};
use crate::model::PaperId;
use crate::store::StoredFullText;
use crate::sync::FullTextOrigin;
use crate::text::doc::{self, Doc};

pub(super) fn load_full_text(
    runner: &EffectRunner,
    id: PaperId,
    first: FirstLines,
    queue: &mut VecDeque<Msg>,
) {
    let background = (!runner.inline)
        .then(|| runner.results.clone().zip(runner.fulltext.clone()))
        .flatten()
        .filter(|_| tokio::runtime::Handle::try_current().is_ok());
    let Some((results, fetcher)) = background else {
        // No runtime to fetch on: the cache only.
        match runner.store.full_text(&id) {
            Ok(Some(text)) => lay_out(id, &text, first, false, &mut |msg| queue.push_back(msg)),
            Ok(None) => queue.push_back(Msg::FullTextLoaded {
                result: Err(format!("{id} has no cached full text")),
                id,
            }),
            Err(error) => queue.push_back(Msg::FullTextLoaded {
                id,
                result: Err(error.to_string()),
            }),
        }
        return;
    };
    tokio::spawn(async move {
        match fetcher.get(&id).await {
            Ok((text, origin)) => {
                let fetched = origin == FullTextOrigin::Fetched;
                let sender = results.clone();
                let laid_out = tokio::task::spawn_blocking(move || {
                    lay_out(id, &text, first, fetched, &mut |msg| {
                        let _ = sender.send(msg);
                    });
                });
                if let Err(error) = laid_out.await {
                    tracing::warn!("laying out a full text failed: {error}");
                }
            }
            Err(error) => {
                let _ = results.send(Msg::FullTextLoaded {
                    id,
                    result: Err(error.to_string()),
                });
            }
        }
    });
}

/// Parses the text and lays out the first screens, sends them, then lays out the rest and
/// sends the whole layout.
fn lay_out(
    id: PaperId,
    text: &StoredFullText,
    first: FirstLines,
    fetched: bool,
    send: &mut dyn FnMut(Msg),
) {
    let rest = LoadedFullText::in_steps(text, first, fetched, &mut |loaded| {
        send(Msg::FullTextLoaded {
            id: id.clone(),
            result: Ok(loaded),
        });
    });
    if let Some((doc, rendered)) = rest {
        send(Msg::FullTextLaidOut {
            id,
            rendered: Box::new(rendered),
            doc: Some(doc),
        });
    }
}

/// `LayOutFullText`: the whole layout for a new width.
pub(super) fn lay_out_again(
    runner: &EffectRunner,
    id: PaperId,
    doc: Arc<Doc>,
    width: u16,
    queue: &mut VecDeque<Msg>,
) {
    let background = (!runner.inline)
        .then(|| runner.results.clone())
        .flatten()
        .filter(|_| tokio::runtime::Handle::try_current().is_ok());
    let Some(results) = background else {
        let rendered = Box::new(doc::render(&doc, width));
        queue.push_back(Msg::FullTextLaidOut {
            id,
            rendered,
            doc: None,
        });
        return;
    };
    tokio::task::spawn_blocking(move || {
        let rendered = Box::new(doc::render(&doc, width));
        let _ = results.send(Msg::FullTextLaidOut {
            id,
            rendered,
            doc: None,
        });
    });
}

/// `IndexFullText`: the catalog's full-text index with one text fetched just now added.
pub(super) fn index_one(
    runner: &EffectRunner,
    index: crate::app::fulltext::IndexToExtend,
    id: PaperId,
    doc: Arc<Doc>,
    queue: &mut VecDeque<Msg>,
) {
    let build = move || {
        let text = doc::to_plain_text(&doc);
        Msg::FullTextIndexed(Arc::new(index.0.with_docs([(id, text)])))
    };
    let background = (!runner.inline)
        .then(|| runner.results.clone())
        .flatten()
        .filter(|_| tokio::runtime::Handle::try_current().is_ok());
    match background {
        Some(results) => {
            tokio::task::spawn_blocking(move || {
                let _ = results.send(build());
            });
        }
        None => queue.push_back(build()),
    }
}
