//! Sync events from the background task: a round starting, each source held back, progressing,
//! updated or failed, the round's end, and HF period/search lists fetched or failed.

use crate::app::msg::Effect;
use crate::app::state::{App, SourceSync};
use crate::sync::SyncEvent;

pub(super) fn on_sync(app: &mut App, event: SyncEvent) -> Vec<Effect> {
    match event {
        SyncEvent::Started { sources } => {
            app.notifier.sync_started();
            app.sync.running = true;
            app.sync.in_round = sources.iter().cloned().collect();
            for id in sources {
                app.sync.sources.insert(id, SourceSync::Waiting);
            }
            Vec::new()
        }
        SyncEvent::SourceHeldBack { id, host, until } => {
            let phrase = crate::sync::held_phrase(&host, until, app.now);
            app.sync
                .sources
                .insert(id, SourceSync::Failed(crate::text::sanitize_line(&phrase)));
            Vec::new()
        }
        SyncEvent::SourceProgress { id, done, total } => {
            app.sync
                .sources
                .insert(id, SourceSync::Running { done, total });
            Vec::new()
        }
        SyncEvent::SourceUpdated {
            id,
            new,
            changed,
            note,
        } => {
            let note = note.map(|note| crate::text::sanitize_line(&note));
            app.sync
                .sources
                .insert(id, SourceSync::Updated { new, changed, note });
            if new + changed > 0 {
                vec![Effect::LoadCatalog]
            } else {
                Vec::new()
            }
        }
        SyncEvent::SourceFailed { id, reason, .. } => {
            app.sync
                .sources
                .insert(id, SourceSync::Failed(crate::text::sanitize_line(&reason)));
            // A source can fail after some of its requests stored papers: show those.
            vec![Effect::LoadCatalog]
        }
        SyncEvent::Finished { failed, .. } => {
            app.sync.running = false;
            app.sync.last_finished = Some(app.now);
            app.sync.last_failed = failed;
            Vec::new()
        }
        SyncEvent::ListFetched { list, count, .. } => app.on_list_fetched(list, count),
        SyncEvent::ListFailed { list, reason } => {
            app.on_list_failed(&list, &reason);
            Vec::new()
        }
    }
}
