//! The first-screen file kept current in the background (issue #15, quit): a thread that
//! rewrites `<data_dir>/first_screen` once the store has been quiet for a while after a write,
//! so that quitting usually finds the file current and writes nothing.
//!
//! Current is told by the store's write generation (`Store::write_generation`, bumped after
//! every flushed write to the list Db, which holds everything the file copies): the thread
//! reads the generation, then the store, and remembers the generation it wrote. A write that
//! finishes after that reading bumps the generation, so the file counts as stale and quitting
//! writes it again once the last store write is done. A file left stale anyway (the process
//! killed, a write quitting could not wait for) costs the next start a redraw, never a wrong
//! screen: the start compares the file with the opened store byte for byte before the first
//! key is read (`reader/start.rs`).

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::mpsc::{self, RecvTimeoutError};
use std::time::{Duration, Instant};

use crate::store::Store;

/// How often the thread looks at the store's write generation; it writes the file only when
/// the generation changed since the file was written and stayed the same over the last
/// period (the store is quiet: a sync round or a burst of stars writes once, after).
const LOOK_EVERY: Duration = Duration::from_secs(1);

/// What quitting's [`FirstScreenKeeper::finish`] found.
#[derive(Debug, Clone, PartialEq)]
pub(super) enum Finished {
    /// The file already held the store as it is: nothing written.
    Current,
    /// Written now (its bytes, and how long reading the store and writing took).
    Written { bytes: usize, ms: f64 },
    /// Could not be written (the next start reads the store, or finds a stale file).
    Failed(String),
    /// Not answered within the wait (the thread is still writing; see `finish`).
    NotWaited,
}

/// The handle on the keeping thread.
pub(super) struct FirstScreenKeeper {
    finish: mpsc::Sender<mpsc::Sender<Finished>>,
    /// What the thread wrote, shared with it.
    on_disk: Written,
}

/// No file of this keeper's on disk, or one being written.
const NONE: u64 = u64::MAX;

impl FirstScreenKeeper {
    /// Starts the thread; `None` when the thread could not start (quitting then writes the
    /// file itself, as [`write_now`]).
    pub(super) fn spawn(store: Store) -> Option<FirstScreenKeeper> {
        Self::spawn_every(store, LOOK_EVERY)
    }

    fn spawn_every(store: Store, every: Duration) -> Option<FirstScreenKeeper> {
        let (finish, asked) = mpsc::channel::<mpsc::Sender<Finished>>();
        let on_disk = Written(Arc::new(AtomicU64::new(NONE)));
        let written = on_disk.clone();
        std::thread::Builder::new()
            .name("first-screen".into())
            .spawn(move || keep(&store, &asked, every, written))
            .map_err(|error| tracing::warn!(%error, "cannot start the first-screen keeper"))
            .ok()?;
        Some(FirstScreenKeeper { finish, on_disk })
    }

    /// Whether the file on disk was read from the store at `generation` and no write of it is
    /// under way: quitting then has nothing to ask (the thread writes again only after the
    /// generation moves).
    pub(super) fn is_current(&self, generation: u64) -> bool {
        self.on_disk.get() == Some(generation)
    }

    /// Asks the thread to bring the file up to date one last time (only once this process's
    /// last store write is done) and to stop; [`Asked::wait`] takes the answer.
    pub(super) fn finish(self) -> Asked {
        let (answer, answered) = mpsc::channel();
        let sent = self.finish.send(answer).is_ok();
        Asked { answered, sent }
    }
}

/// Quitting's question to the keeper, asked: other quitting work runs while it writes.
pub(super) struct Asked {
    answered: mpsc::Receiver<Finished>,
    sent: bool,
}

impl Asked {
    /// Waits at most `wait` for the answer; past that the process may end with the thread
    /// still writing, which leaves either the whole file (renamed into place), the earlier one,
    /// or a temp file the next store open removes.
    pub(super) fn wait(self, wait: Duration) -> Finished {
        if !self.sent {
            return Finished::Failed("the first-screen keeper stopped".into());
        }
        self.answered
            .recv_timeout(wait)
            .unwrap_or(Finished::NotWaited)
    }
}

/// The thread: looks every `every`, writes when the store changed and has been quiet since the
/// last look; on `finish`, writes if anything changed since the last write, answers and ends.
fn keep(
    store: &Store,
    asked: &mpsc::Receiver<mpsc::Sender<Finished>>,
    every: Duration,
    written: Written,
) {
    let mut last_look = store.write_generation();
    loop {
        match asked.recv_timeout(every) {
            Ok(answer) => {
                let _ = answer.send(write_if_stale(store, &written));
                return;
            }
            Err(RecvTimeoutError::Timeout) => {
                let now = store.write_generation();
                if written.get() != Some(now) && now == last_look {
                    match write_if_stale(store, &written) {
                        Finished::Written { bytes, ms } => {
                            tracing::debug!(bytes, ms, "first-screen file kept current")
                        }
                        Finished::Failed(error) => {
                            tracing::warn!(%error, "first-screen file not written")
                        }
                        Finished::Current | Finished::NotWaited => {}
                    }
                }
                last_look = now;
            }
            Err(RecvTimeoutError::Disconnected) => return,
        }
    }
}

/// The generation of the store the file on disk was read from ([`NONE`]: no file of ours, the
/// store's open removed any earlier one, or one being written), shared by the thread and the
/// handle.
#[derive(Clone)]
struct Written(Arc<AtomicU64>);

impl Written {
    fn get(&self) -> Option<u64> {
        Some(self.0.load(Ordering::SeqCst)).filter(|&generation| generation != NONE)
    }
}

/// Writes the file unless it was read from the store at its current generation.
fn write_if_stale(store: &Store, written: &Written) -> Finished {
    // Read before the store: a write finishing after this bumps the generation past it.
    let generation = store.write_generation();
    if written.get() == Some(generation) {
        return Finished::Current;
    }
    // Whatever was on disk is being replaced: not current until the rename is done.
    written.0.store(NONE, Ordering::SeqCst);
    let finished = write_now(store);
    if matches!(finished, Finished::Written { .. }) {
        written.0.store(generation, Ordering::SeqCst);
    }
    finished
}

/// Reads the first screen from the store and writes the file (temp name, then renamed).
pub(super) fn write_now(store: &Store) -> Finished {
    let started = Instant::now();
    match store.write_first_screen() {
        Ok(bytes) => Finished::Written {
            bytes,
            ms: started.elapsed().as_secs_f64() * 1e3,
        },
        Err(error) => Finished::Failed(error.to_string()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::{ReaderState, RememberedView, encode_first_screen, first_screen_bytes};
    use chrono::{NaiveDate, TimeZone, Utc};
    use std::path::Path;

    fn filled_store(dir: &Path) -> (Store, Vec<crate::model::PaperId>) {
        let day = NaiveDate::from_ymd_opt(2026, 12, 7).unwrap();
        let store = Store::open(dir).unwrap();
        let papers: Vec<_> = crate::synth::papers(30, 10, day).collect();
        let ids = papers.iter().map(|p| p.id.clone()).collect();
        store.apply(papers, day).unwrap();
        (store, ids)
    }

    /// The file's bytes equal what the store's first screen encodes to now.
    fn file_matches_store(store: &Store) -> bool {
        let file = first_screen_bytes(store.dir()).unwrap();
        file == encode_first_screen(&store.first_screen().unwrap()).unwrap()
    }

    #[test]
    fn quitting_writes_the_file_when_the_store_changed_and_not_when_it_did_not() {
        let dir = tempfile::tempdir().unwrap();
        let (store, ids) = filled_store(dir.path());
        // Looks too rarely to write on its own during the test: only `finish` writes.
        let keeper =
            FirstScreenKeeper::spawn_every(store.clone(), Duration::from_secs(3600)).unwrap();
        assert!(matches!(
            keeper.finish().wait(Duration::from_secs(10)),
            Finished::Written { .. }
        ));
        assert!(file_matches_store(&store));

        // Nothing written since: quitting finds the file current.
        let written = Written(Arc::new(AtomicU64::new(store.write_generation())));
        assert_eq!(write_if_stale(&store, &written), Finished::Current);

        // A star after the file was written makes it stale: written again.
        let at = Utc.with_ymd_and_hms(2026, 12, 7, 9, 0, 0).unwrap();
        store.set_starred(&ids[0], true, at).unwrap();
        assert!(!file_matches_store(&store));
        assert!(matches!(
            write_if_stale(&store, &written),
            Finished::Written { .. }
        ));
        assert!(file_matches_store(&store));

        // So does a remembered-state write (the file holds the reader state too).
        store
            .set_reader_state(&ReaderState {
                view: RememberedView::Starred,
                ..ReaderState::default()
            })
            .unwrap();
        assert!(matches!(
            write_if_stale(&store, &written),
            Finished::Written { .. }
        ));
        assert!(file_matches_store(&store));
        assert_eq!(write_if_stale(&store, &written), Finished::Current);

        // Quitting queues the remembered state once more; the same state as stored changes
        // nothing, so the file stays current (before: every quit rewrote it).
        store.queue_reader_state(store.reader_state());
        assert_eq!(store.write_queued().unwrap(), 0);
        store.set_reader_state(&store.reader_state()).unwrap();
        assert_eq!(write_if_stale(&store, &written), Finished::Current);
        store.queue_reader_state(ReaderState::default());
        assert_eq!(store.write_queued().unwrap(), 1);
        assert!(matches!(
            write_if_stale(&store, &written),
            Finished::Written { .. }
        ));
    }

    #[test]
    fn a_file_the_store_moved_past_is_caught_at_the_next_start() {
        let dir = tempfile::tempdir().unwrap();
        let (store, ids) = filled_store(dir.path());
        let written = Written(Arc::new(AtomicU64::new(NONE)));
        assert!(matches!(
            write_if_stale(&store, &written),
            Finished::Written { .. }
        ));
        // A star after the background write, then the process dies without quitting.
        let at = Utc.with_ymd_and_hms(2026, 12, 7, 9, 0, 0).unwrap();
        store.set_starred(&ids[2], true, at).unwrap();
        drop(store);
        let file = super::super::start::read_file(dir.path()).unwrap();
        assert!(
            !file
                .screen
                .user
                .get(&ids[2])
                .is_some_and(|s| s.is_starred())
        );
        let opening =
            super::super::start::open_in_background(dir.path().to_path_buf(), Some(file.bytes))
                .unwrap();
        let opened = super::super::start::join(opening).unwrap();
        assert_eq!(opened.file_matches, Some(false), "redrawn from the store");
        assert!(opened.screen.user[&ids[2]].is_starred());
    }

    #[test]
    fn the_thread_writes_the_file_once_the_store_is_quiet() {
        let dir = tempfile::tempdir().unwrap();
        let (store, ids) = filled_store(dir.path());
        let keeper =
            FirstScreenKeeper::spawn_every(store.clone(), Duration::from_millis(5)).unwrap();
        // Waits (bounded) for the thread's own write; no fixed sleep decides the outcome.
        let wait_for_file = |store: &Store| {
            let deadline = Instant::now() + Duration::from_secs(30);
            while !(first_screen_bytes(store.dir()).is_ok() && file_matches_store(store)) {
                assert!(Instant::now() < deadline, "the keeper never wrote the file");
                std::thread::sleep(Duration::from_millis(5));
            }
        };
        wait_for_file(&store);
        store.set_read(&ids[1], true).unwrap();
        wait_for_file(&store);
        // Quitting then writes at most once more (when the thread read the store between the
        // read mark's write and its flush), and leaves the file matching the store.
        assert!(matches!(
            keeper.finish().wait(Duration::from_secs(10)),
            Finished::Current | Finished::Written { .. }
        ));
        assert!(file_matches_store(&store));
    }
}
