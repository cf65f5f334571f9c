//! Running `Effect::LoadFullText`: the cache read, or the fetch, then parsing and laying out,
//! all off the UI thread; the result comes back as `Msg::FullTextLoaded`. In the flow tests
//! (`inline`) a cached full text is read at once.

use std::collections::VecDeque;

use super::effects::EffectRunner;
use crate::app::Msg;
use crate::app::fulltext::LoadedFullText;
use crate::model::PaperId;
use crate::sync::FullTextOrigin;

pub(super) fn load_full_text(
    runner: &EffectRunner,
    id: PaperId,
    width: u16,
    queue: &mut VecDeque<Msg>,
) {
    let background = (!runner.inline)
        .then(|| runner.results.clone().zip(runner.fulltext.clone()))
        .flatten()
        .filter(|_| tokio::runtime::Handle::try_current().is_ok());
    let Some((results, fetcher)) = background else {
        // No runtime to fetch on: the cache only.
        let result = match runner.store.full_text(&id) {
            Ok(Some(text)) => Ok(Box::new(LoadedFullText::new(&text, width, false))),
            Ok(None) => Err(format!("{id} has no cached full text")),
            Err(error) => Err(error.to_string()),
        };
        queue.push_back(Msg::FullTextLoaded { id, result });
        return;
    };
    tokio::spawn(async move {
        let result = match fetcher.get(&id).await {
            Ok((text, origin)) => {
                let fetched = origin == FullTextOrigin::Fetched;
                tokio::task::spawn_blocking(move || {
                    Box::new(LoadedFullText::new(&text, width, fetched))
                })
                .await
                .map_err(|error| format!("cannot lay it out: {error}"))
            }
            Err(error) => Err(error.to_string()),
        };
        let _ = results.send(Msg::FullTextLoaded { id, result });
    });
}
