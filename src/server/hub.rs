//! What the server shares with the reader: the catalog snapshot it answers reads from, and the
//! sync task's rounds, which a forwarded `sync` joins or starts.

use std::sync::{Arc, Mutex, PoisonError};

use tokio::sync::{broadcast, mpsc, watch};

use crate::app::Catalog;
use crate::sync::{SyncCommand, SyncEvent};

/// The reader's latest full catalog (rows, details, text index), shared, never copied per
/// request. Replaced as a whole whenever the reader loads a new one.
pub type SnapshotSender = watch::Sender<Option<Arc<Catalog>>>;
pub type SnapshotReceiver = watch::Receiver<Option<Arc<Catalog>>>;

/// A new, empty snapshot cell.
pub fn snapshot_channel() -> (SnapshotSender, SnapshotReceiver) {
    watch::channel(None)
}

/// Publishes `catalog` when it is a complete one with details (what queries need); the quick
/// rows-only catalog that comes first is skipped. A clone shares rows, index and text index.
pub fn publish_if_full(snapshot: &SnapshotSender, catalog: &Catalog) {
    let full = catalog.complete && catalog.details.len() == catalog.rows.len();
    if full {
        snapshot.send_replace(Some(Arc::new(catalog.clone())));
    }
}

/// The sync task's rounds as the server sees them.
pub struct SyncHub {
    commands: mpsc::Sender<SyncCommand>,
    round: Mutex<Round>,
    events: broadcast::Sender<SyncEvent>,
}

#[derive(Default)]
struct Round {
    running: bool,
    /// The running round's events so far, for a client that joins it late.
    events: Vec<SyncEvent>,
}

impl SyncHub {
    pub fn new(commands: mpsc::Sender<SyncCommand>) -> Arc<SyncHub> {
        let (events, _) = broadcast::channel(1024);
        Arc::new(SyncHub {
            commands,
            round: Mutex::new(Round::default()),
            events,
        })
    }

    /// The reader calls this with every event of its sync task, before handing it to the UI.
    pub fn observe(&self, event: &SyncEvent) {
        let mut round = self.round.lock().unwrap_or_else(PoisonError::into_inner);
        match event {
            SyncEvent::Started { .. } => {
                round.running = true;
                round.events.clear();
                round.events.push(event.clone());
            }
            SyncEvent::Finished { .. } => {
                round.running = false;
                round.events.clear();
            }
            SyncEvent::SourceProgress { .. }
            | SyncEvent::ListFetched { .. }
            | SyncEvent::ListFailed { .. } => {}
            _ => round.events.push(event.clone()),
        }
        // Sent under the lock, so a joiner sees each event exactly once.
        let _ = self.events.send(event.clone());
    }

    /// Asks the reader's sync task for an HF list; the receiver sees its `ListFetched` or
    /// `ListFailed` (subscribed before asking, so the answer cannot be missed).
    pub fn fetch_list(
        &self,
        list: crate::source::hf_lists::HfList,
    ) -> Result<broadcast::Receiver<SyncEvent>, String> {
        let receiver = self.events.subscribe();
        match self.commands.try_send(SyncCommand::FetchList(list)) {
            Ok(()) => Ok(receiver),
            Err(mpsc::error::TrySendError::Full(_)) => {
                Err("the reader's sync task is busy; try again".to_string())
            }
            Err(mpsc::error::TrySendError::Closed(_)) => {
                Err("the reader's sync task has stopped".to_string())
            }
        }
    }

    /// Joins the round that is running, or asks the sync task for one: the round's events so
    /// far, and a receiver of the rest. Errors when the sync task is gone.
    pub fn join_or_start(
        &self,
    ) -> Result<(Vec<SyncEvent>, broadcast::Receiver<SyncEvent>), String> {
        let round = self.round.lock().unwrap_or_else(PoisonError::into_inner);
        let receiver = self.events.subscribe();
        if round.running {
            return Ok((round.events.clone(), receiver));
        }
        match self.commands.try_send(SyncCommand::SyncAll) {
            // A full queue already holds a sync request: its round is the one to follow.
            Ok(()) | Err(mpsc::error::TrySendError::Full(_)) => Ok((Vec::new(), receiver)),
            Err(mpsc::error::TrySendError::Closed(_)) => {
                Err("the reader's sync task has stopped".to_string())
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::SourceId;

    #[tokio::test]
    async fn a_late_joiner_gets_the_round_so_far_then_the_rest() {
        let (commands, mut asked) = mpsc::channel(4);
        let hub = SyncHub::new(commands);
        let (earlier, _rx) = hub.join_or_start().unwrap();
        assert!(earlier.is_empty());
        assert_eq!(asked.recv().await, Some(SyncCommand::SyncAll));
        let started = SyncEvent::Started {
            sources: vec![SourceId::hf()],
        };
        let updated = SyncEvent::SourceUpdated {
            id: SourceId::hf(),
            new: 2,
            changed: 0,
            note: None,
        };
        hub.observe(&started);
        hub.observe(&updated);
        let (earlier, mut rest) = hub.join_or_start().unwrap();
        assert_eq!(earlier, vec![started, updated]);
        assert!(asked.try_recv().is_err(), "joining starts no second round");
        let finished = SyncEvent::Finished {
            succeeded: 1,
            failed: 0,
        };
        hub.observe(&finished);
        assert_eq!(rest.recv().await.unwrap(), finished);
    }
}
