//! Flow tests of the reader's real threaded runtime: `Reader::run` as a tokio task with the
//! real effect runner (`inline == false`), so catalog loads go through the loader thread and
//! paper loads and For you rankings through the blocking pool.
//!
//! No assertion depends on real time (one test watches real time pass, as a bound on how long
//! it looks, to show that the key timeout does not follow it). The test stands between the runner and the reader: what
//! background work answers comes to the test first (`Harness::background`), which checks it
//! and forwards it to the reader's inbox, so it knows every message the reader handles. Each
//! draw is sent to the test (`FrameBackend`), each catalog load stops at the loader's
//! `LoadHook` until the test lets it go, and the key timeout runs on a `SteppedClock`. Every
//! wait is on a channel, bounded by `STUCK`, which only a stuck runtime reaches.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use chrono::{DateTime, NaiveDate, TimeZone, Utc};
use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use paperboat::app::catalog::first_catalog;
use paperboat::app::{App, Catalog, Msg};
use paperboat::clock::SteppedClock;
use paperboat::keymap::Keymap;
use paperboat::model::{Paper, PaperId, SourceId};
use paperboat::reader::{EffectRunner, LoadHook, Reader};
use paperboat::store::Store;
use paperboat::sync::SyncEvent;
use paperboat::ui::Theme;
use ratatui::Terminal;
use ratatui::backend::{Backend, ClearType, TestBackend, WindowSize};
use ratatui::buffer::Cell;
use ratatui::layout::{Position, Size};
use tokio::sync::mpsc;
use tokio::task::JoinHandle;

/// How long any one wait may take before the test calls the runtime stuck. Generous: it is
/// reached only when something never happens, never by a slow machine.
const STUCK: Duration = Duration::from_secs(30);

/// Wide enough for all three panes (the filter pane folds away below 160 columns).
const SIZE: (u16, u16) = (170, 30);

// ---------------------------------------------------------------- the harness

/// A `TestBackend` that sends the whole screen to the test on every flush (once per draw).
struct FrameBackend {
    inner: TestBackend,
    frames: mpsc::UnboundedSender<String>,
}

impl Backend for FrameBackend {
    type Error = <TestBackend as Backend>::Error;

    fn draw<'a, I>(&mut self, content: I) -> Result<(), Self::Error>
    where
        I: Iterator<Item = (u16, u16, &'a Cell)>,
    {
        self.inner.draw(content)
    }
    fn hide_cursor(&mut self) -> Result<(), Self::Error> {
        self.inner.hide_cursor()
    }
    fn show_cursor(&mut self) -> Result<(), Self::Error> {
        self.inner.show_cursor()
    }
    fn get_cursor_position(&mut self) -> Result<Position, Self::Error> {
        self.inner.get_cursor_position()
    }
    fn set_cursor_position<P: Into<Position>>(&mut self, position: P) -> Result<(), Self::Error> {
        self.inner.set_cursor_position(position)
    }
    fn clear(&mut self) -> Result<(), Self::Error> {
        self.inner.clear()
    }
    fn clear_region(&mut self, clear_type: ClearType) -> Result<(), Self::Error> {
        self.inner.clear_region(clear_type)
    }
    fn size(&self) -> Result<Size, Self::Error> {
        self.inner.size()
    }
    fn window_size(&mut self) -> Result<WindowSize, Self::Error> {
        self.inner.window_size()
    }
    fn flush(&mut self) -> Result<(), Self::Error> {
        self.inner.flush()?;
        // The test may have stopped listening; the reader must not care.
        let _ = self.frames.send(self.inner.to_string());
        Ok(())
    }
}

/// A running reader and the test's ends of its channels.
struct Harness {
    clock: SteppedClock,
    /// The reader's inbox: keys, and what the test forwards from `background`.
    inbox: mpsc::UnboundedSender<Msg>,
    /// What the runner's background work (loader thread, blocking pool) answered.
    background: mpsc::UnboundedReceiver<Msg>,
    /// Every screen the reader drew, in order.
    frames: mpsc::UnboundedReceiver<String>,
    /// Each catalog load as it starts: how many requests it answers. It then waits for `go`.
    loads: mpsc::UnboundedReceiver<usize>,
    go: std::sync::mpsc::Sender<()>,
    task: JoinHandle<Reader<FrameBackend>>,
    /// Background answers `background_where` passed over.
    passed_over: Vec<Msg>,
}

impl Harness {
    /// Opens a reader on `store` the way `run_reader` does (first catalog from the cache,
    /// start-up effects, then the loop), with the clock at `start`.
    fn start(store: &Store, start: DateTime<Utc>) -> Harness {
        let clock = SteppedClock::new(start);
        let (frames_tx, frames) = mpsc::unbounded_channel();
        let (background_tx, background) = mpsc::unbounded_channel();
        let (inbox, mut inbox_rx) = mpsc::unbounded_channel();
        let (loads_tx, loads) = mpsc::unbounded_channel();
        let (go, go_rx) = std::sync::mpsc::channel::<()>();
        let go_rx = Mutex::new(go_rx);
        let hook: LoadHook = Arc::new(move |merged| {
            let _ = loads_tx.send(merged);
            // Released by the test, or at once when the test has dropped its end.
            let _ = go_rx.lock().unwrap().recv_timeout(STUCK);
        });

        let catalog = first_catalog(store).unwrap();
        let app = App::new(Keymap::defaults().unwrap(), catalog, start, SIZE, 120);
        let mut runner = EffectRunner::new(store.clone(), false, Box::new(std::io::sink()));
        runner.results = Some(background_tx);
        runner.load_hook = Some(hook);
        let backend = FrameBackend {
            inner: TestBackend::new(SIZE.0, SIZE.1),
            frames: frames_tx,
        };
        let mut reader = Reader {
            terminal: Terminal::new(backend).unwrap(),
            app,
            runner,
            theme: Theme { color: false },
        };
        let task = tokio::spawn(async move {
            reader.start();
            reader.run(&mut inbox_rx, clock.clock()).await.unwrap();
            reader
        });
        Harness {
            clock,
            inbox,
            background,
            frames,
            loads,
            go,
            task,
            passed_over: Vec::new(),
        }
    }

    fn send(&self, msg: Msg) {
        self.inbox.send(msg).unwrap();
    }

    /// Presses `c` and returns the screen drawn after it: the next frame, as long as nothing
    /// else makes the reader draw (no running sync, whose ticks redraw; see `frame_where`).
    async fn press(&mut self, c: char) -> String {
        self.send(Msg::Key(KeyEvent::new(
            KeyCode::Char(c),
            KeyModifiers::NONE,
        )));
        self.next_frame().await
    }

    async fn next_frame(&mut self) -> String {
        within(self.frames.recv(), "a frame")
            .await
            .expect("the reader stopped drawing")
    }

    /// Skips frames until one that `wanted` picks (for while ticks redraw); returns it.
    async fn frame_where(&mut self, wanted: impl Fn(&str) -> bool) -> String {
        loop {
            let frame = self.next_frame().await;
            if wanted(&frame) {
                return frame;
            }
        }
    }

    /// Waits for the next catalog load to start; returns how many requests it answers.
    async fn next_load(&mut self) -> usize {
        within(self.loads.recv(), "a catalog load")
            .await
            .expect("the loader thread ended")
    }

    /// Lets the load waiting in the hook go on.
    fn release_load(&self) {
        self.go.send(()).unwrap();
    }

    /// The next background answer that `wanted` picks; the ones passed over are kept in
    /// `passed_over`, not forwarded: the reader handles only what the test sends it.
    async fn background_where(&mut self, wanted: impl Fn(&Msg) -> bool) -> Msg {
        loop {
            let msg = within(self.background.recv(), "a background answer")
                .await
                .expect("the background channel closed");
            if wanted(&msg) {
                return msg;
            }
            self.passed_over.push(msg);
        }
    }

    async fn next_catalog(&mut self) -> Catalog {
        match self
            .background_where(|msg| matches!(msg, Msg::CatalogLoaded(_)))
            .await
        {
            Msg::CatalogLoaded(catalog) => *catalog,
            _ => unreachable!(),
        }
    }

    /// Quits the reader and waits for its task, then (dropping the runner ends the loader
    /// thread) for every thread and blocking task of the runner to end, so that what they
    /// announced and answered after the test last looked is all there.
    async fn stop(self) -> Stopped {
        let Harness {
            inbox,
            mut background,
            mut loads,
            go,
            task,
            passed_over,
            ..
        } = self;
        inbox.send(Msg::Terminate).unwrap();
        let Reader {
            app,
            terminal,
            runner,
            ..
        } = within(task, "the reader to quit").await.unwrap();
        // No load waits for the test any more.
        drop(go);
        drop(runner);
        let mut loads_after = Vec::new();
        while let Some(merged) = within(loads.recv(), "the loader thread to end").await {
            loads_after.push(merged);
        }
        let mut answers_after = passed_over;
        while let Some(msg) = within(background.recv(), "background work to end").await {
            answers_after.push(msg);
        }
        Stopped {
            app,
            screen: terminal.backend().inner.to_string(),
            loads_after,
            answers_after,
        }
    }
}

/// What is left of a reader after [`Harness::stop`].
struct Stopped {
    app: App,
    screen: String,
    /// Catalog loads that started after the test last took one.
    loads_after: Vec<usize>,
    /// Background answers the test had not taken (passed over or never looked at).
    answers_after: Vec<Msg>,
}

/// Awaits `future`, failing the test if it takes longer than [`STUCK`].
async fn within<T>(future: impl Future<Output = T>, what: &str) -> T {
    match tokio::time::timeout(STUCK, future).await {
        Ok(value) => value,
        Err(_) => panic!("stuck: waited {STUCK:?} for {what}"),
    }
}

// ---------------------------------------------------------------- data

fn day(d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(2025, 4, d).unwrap()
}

fn paper(id: &str, title: &str, on: NaiveDate, upvotes: u32) -> Paper {
    let mut p = Paper::new(
        PaperId::from_arxiv(id).unwrap(),
        title.into(),
        SourceId::hf(),
    );
    p.daily_date = Some(on);
    p.upvotes = Some(upvotes);
    p.abstract_text = format!("Abstract of {title}.");
    p
}

/// Two papers on the 30th (the latest day, the first frame's) and one on the 29th.
fn seeded_store(dir: &std::path::Path) -> Store {
    let store = Store::open(dir).unwrap();
    store
        .apply(
            vec![Paper {
                abstract_text: "Only this abstract says quasicrystal.".into(),
                ..paper("2504.00009", "Older lattice paper", day(29), 5)
            }],
            day(29),
        )
        .unwrap();
    store
        .apply(
            vec![
                paper("2504.00001", "Scaling sparse experts", day(30), 30),
                paper("2504.00002", "Diffusion for protein design", day(30), 20),
            ],
            day(30),
        )
        .unwrap();
    store
}

fn morning() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2025, 4, 30, 9, 0, 0).unwrap()
}

fn updated() -> Msg {
    Msg::Sync(SyncEvent::SourceUpdated {
        id: SourceId::hf(),
        new: 1,
        changed: 0,
        note: None,
    })
}

/// Whether the status bar (the last line) shows `keys` waiting for the rest of a chord.
fn shows_pending(screen: &str, keys: &str) -> bool {
    let status = screen.lines().last().unwrap_or_default();
    status.contains(&format!(" {keys}  ? help"))
}

fn list_title(screen: &str) -> &str {
    let first = screen.lines().next().unwrap_or_default();
    first.split("┐┌").nth(1).unwrap_or_default()
}

// ---------------------------------------------------------------- catalog loads

#[tokio::test]
async fn the_catalog_loads_on_the_loader_thread_rows_first_then_abstracts() {
    let dir = tempfile::tempdir().unwrap();
    let store = seeded_store(dir.path());
    let mut h = Harness::start(&store, morning());
    let first = h.next_frame().await;
    assert!(
        list_title(&first).starts_with(" Today · 2 papers"),
        "{first}"
    );

    assert_eq!(
        h.next_load().await,
        1,
        "the start-up load answers one request"
    );
    h.release_load();
    let quick = h.next_catalog().await;
    assert!(quick.complete, "every day's rows");
    assert_eq!(quick.rows.len(), 3);
    assert!(!quick.text.has_abstracts);
    assert!(quick.details.is_empty());
    let full = h.next_catalog().await;
    assert!(
        full.rows.ptr_eq(&quick.rows),
        "the second step gives the first step's rows their abstracts, sharing them"
    );
    assert!(full.text.has_abstracts);
    assert_eq!(full.details.len(), 3);

    // With the quick step the whole list is browsable...
    h.send(Msg::CatalogLoaded(Box::new(quick)));
    let today = h.next_frame().await;
    assert!(
        list_title(&today).starts_with(" Today · 2 papers"),
        "{today}"
    );
    // `3` is a count until the key timeout, then `view_all`.
    h.press('3').await;
    h.clock.advance(Keymap::TIMEOUT);
    let all = h.next_frame().await;
    assert!(list_title(&all).starts_with(" All · 3 papers"), "{all}");
    assert!(all.contains("Older lattice paper"), "{all}");
    // ...but a word only an abstract holds finds nothing until the second step is in.
    h.press('/').await;
    for c in "quasicrystal".chars() {
        h.press(c).await;
    }
    h.send(Msg::Key(KeyEvent::new(KeyCode::Enter, KeyModifiers::NONE)));
    let filtered = h.next_frame().await;
    assert!(!filtered.contains("Older lattice paper"), "{filtered}");
    assert!(filtered.contains("quasicrystal"), "{filtered}");
    h.send(Msg::CatalogLoaded(Box::new(full)));
    let found = h.next_frame().await;
    assert!(found.contains("Older lattice paper"), "{found}");

    let stopped = h.stop().await;
    assert!(stopped.loads_after.is_empty(), "one load at start-up");
    assert!(
        !stopped
            .answers_after
            .iter()
            .any(|msg| matches!(msg, Msg::CatalogLoaded(_))),
        "one load answers twice, no more"
    );
}

#[tokio::test]
async fn load_requests_made_while_a_load_runs_are_merged_into_one_load() {
    let dir = tempfile::tempdir().unwrap();
    let store = seeded_store(dir.path());
    let mut h = Harness::start(&store, morning());
    h.next_frame().await;
    assert_eq!(h.next_load().await, 1);
    // While the start-up load is held, four sources report new papers; each asks for a load.
    // One at a time, each handled (drawn) before the next, so all four are requests.
    for _ in 0..4 {
        h.send(updated());
        h.next_frame().await;
    }
    h.release_load();
    assert_eq!(h.next_catalog().await.rows.len(), 3);
    assert_eq!(h.next_catalog().await.rows.len(), 3);

    assert_eq!(
        h.next_load().await,
        4,
        "the four requests made while the first load ran are answered by one load"
    );
    h.release_load();
    // A refresh of the full catalog the first load made: one step, abstracts kept.
    let refreshed = h.next_catalog().await;
    assert!(refreshed.text.has_abstracts);
    h.send(Msg::CatalogLoaded(Box::new(refreshed)));

    let stopped = h.stop().await;
    assert!(
        stopped.loads_after.is_empty(),
        "no load after the merged one: {:?}",
        stopped.loads_after
    );
    let late_catalogs = stopped
        .answers_after
        .iter()
        .filter(|msg| matches!(msg, Msg::CatalogLoaded(_)))
        .count();
    assert_eq!(late_catalogs, 0);
    assert!(stopped.app.catalog.text.has_abstracts);
}

// ---------------------------------------------------------------- incremental refresh

/// A star pressed while a refresh runs (held in the loader) lands on the paper that was
/// selected, though the refresh puts new papers above it and every row after them moves; the
/// selection stays on that paper too, and the store has the star once the writer is done.
#[tokio::test]
async fn a_star_during_a_refresh_lands_on_the_selected_paper() {
    let dir = tempfile::tempdir().unwrap();
    let store = seeded_store(dir.path());
    let mut h = Harness::start(&store, morning());
    h.next_frame().await;
    assert_eq!(h.next_load().await, 1);
    h.release_load();
    for _ in 0..2 {
        let catalog = h.next_catalog().await;
        h.send(Msg::CatalogLoaded(Box::new(catalog)));
        h.next_frame().await;
    }
    // Today's papers, most upvoted first; the second one selected.
    h.press('j').await;
    let chosen = PaperId::from_arxiv("2504.00002").unwrap();
    // A sync stores two more popular papers on the same day: they sort above the chosen one.
    store
        .apply(
            vec![
                paper("2504.00003", "Brand new and popular", day(30), 99),
                paper("2504.00004", "Also new", day(30), 50),
            ],
            day(30),
        )
        .unwrap();
    h.send(updated());
    h.next_frame().await;
    assert_eq!(h.next_load().await, 1);
    // The refresh is held: the star is pressed against the old catalog.
    let starred = h.press('s').await;
    assert!(starred.contains('★'), "{starred}");
    h.release_load();
    let refreshed = h.next_catalog().await;
    assert_eq!(refreshed.rows.len(), 5);
    assert_eq!(
        refreshed.index.get(&chosen),
        Some(3),
        "two new rows above it"
    );
    h.send(Msg::CatalogLoaded(Box::new(refreshed)));
    let screen = h.next_frame().await;
    let line = screen
        .lines()
        .find(|line| line.contains("20 Diffusion for protein design"))
        .unwrap_or_default();
    assert!(line.contains('★'), "{screen}");
    let stopped = h.stop().await;
    assert!(stopped.app.catalog.is_starred(&chosen));
    assert_eq!(stopped.app.selected_id.as_ref(), Some(&chosen));
    let others = ["2504.00001", "2504.00003", "2504.00004", "2504.00009"];
    for other in others {
        let id = PaperId::from_arxiv(other).unwrap();
        assert!(!stopped.app.catalog.is_starred(&id), "{other}");
        assert!(!store.user_state(&id).unwrap().is_starred(), "{other}");
    }
    assert!(store.user_state(&chosen).unwrap().is_starred());
}

// ---------------------------------------------------------------- blocking loads

#[tokio::test]
async fn paper_loads_and_rankings_answer_from_the_blocking_pool_while_a_catalog_load_is_held() {
    let dir = tempfile::tempdir().unwrap();
    let store = seeded_store(dir.path());
    let mut h = Harness::start(&store, morning());
    h.next_frame().await;
    // The catalog load stays held in the loader thread until the end of the test's first part.
    assert_eq!(h.next_load().await, 1);

    // The selected paper's body, asked for at start-up, comes from the blocking pool.
    let first = PaperId::from_arxiv("2504.00001").unwrap();
    let loaded = h
        .background_where(|msg| matches!(msg, Msg::PaperLoaded(..)))
        .await;
    let Msg::PaperLoaded(id, Some(body)) = loaded else {
        panic!("expected the first paper's body, got {loaded:?}");
    };
    assert_eq!(id, first);
    h.send(Msg::PaperLoaded(id, Some(body)));
    let shown = h.next_frame().await;
    assert!(
        shown.contains("Abstract of Scaling sparse experts."),
        "{shown}"
    );

    // Keys are handled while the loader thread is busy: moving down loads the next body.
    let moved = h.press('j').await;
    assert!(
        !moved.contains("Abstract of Scaling sparse experts."),
        "the detail follows the selection at once: {moved}"
    );
    let second = PaperId::from_arxiv("2504.00002").unwrap();
    let loaded = h
        .background_where(|msg| matches!(msg, Msg::PaperLoaded(..)))
        .await;
    assert!(
        matches!(&loaded, Msg::PaperLoaded(id, Some(body)) if *id == second && body.id == second),
        "{loaded:?}"
    );
    h.send(loaded);
    let shown = h.next_frame().await;
    assert!(
        shown.contains("Abstract of Diffusion for protein design."),
        "{shown}"
    );

    // Starring asks for a For you ranking, also answered from the blocking pool, for the
    // current stars of the current catalog.
    h.press('s').await;
    let ranked = h
        .background_where(|msg| matches!(msg, Msg::ForYouRanked(_)))
        .await;
    let Msg::ForYouRanked(result) = &ranked else {
        unreachable!()
    };
    assert!(
        !result.index.has_abstracts,
        "ranked over the first frame's catalog"
    );
    h.send(ranked);

    h.release_load();
    let quick = h.next_catalog().await;
    assert_eq!(quick.rows.len(), 3);
    let stopped = h.stop().await;
    assert!(
        stopped.app.catalog.for_you.is_some(),
        "the ranking was taken"
    );
    assert!(
        stopped.app.catalog.is_starred(&second),
        "{}",
        stopped.screen
    );
    assert!(store.user_state(&second).unwrap().is_starred());
}

// ---------------------------------------------------------------- the key timeout

/// 09:00:59.500: a step of 600 ms crosses into the next minute, which makes the loop redraw
/// on its next tick (the minute shows on screen) after checking the key timeout. That frame
/// is the proof that the loop saw the stepped clock and found the chord not yet timed out.
fn half_a_second_before_the_minute() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2025, 4, 30, 9, 0, 59).unwrap() + chrono::TimeDelta::milliseconds(500)
}

#[tokio::test]
async fn a_pending_chord_is_dropped_when_the_clock_passes_the_key_timeout() {
    let dir = tempfile::tempdir().unwrap();
    let store = seeded_store(dir.path());
    let mut h = Harness::start(&store, half_a_second_before_the_minute());
    h.next_frame().await;
    // No background answer is forwarded: the only frames are the keys' and the clock's.

    let pending = h.press('g').await;
    assert!(shows_pending(&pending, "g"), "{pending}");

    h.clock.advance(Duration::from_millis(600));
    let before_timeout = h.next_frame().await;
    assert!(
        shows_pending(&before_timeout, "g"),
        "600 ms after the key the chord still waits: {before_timeout}"
    );

    h.clock
        .advance(Keymap::TIMEOUT - Duration::from_millis(600));
    let timed_out = h.next_frame().await;
    assert!(!shows_pending(&timed_out, "g"), "{timed_out}");

    // Dropped, not kept: the next `g` starts a chord instead of completing `g g`.
    let again = h.press('g').await;
    assert!(shows_pending(&again, "g"), "{again}");
    let stopped = h.stop().await;
    assert_eq!(stopped.app.keys.pending_display(), "g");
}

#[tokio::test]
async fn a_lone_count_digit_runs_its_binding_at_the_timeout_counted_from_the_last_key() {
    let dir = tempfile::tempdir().unwrap();
    let store = seeded_store(dir.path());
    let start = half_a_second_before_the_minute() - chrono::TimeDelta::milliseconds(500);
    let mut h = Harness::start(&store, start);
    h.next_frame().await;

    h.press('1').await;
    h.clock.advance(Duration::from_millis(500));
    let count = h.press('2').await;
    assert!(shows_pending(&count, "12"), "{count}");
    h.clock.advance(Duration::from_millis(600));
    let waiting = h.next_frame().await;
    assert!(
        shows_pending(&waiting, "12"),
        "1.1 s after the first digit but 0.6 s after the last one, the count still waits: \
         {waiting}"
    );
    h.clock
        .advance(Keymap::TIMEOUT - Duration::from_millis(600));
    let dropped = h.next_frame().await;
    assert!(!shows_pending(&dropped, "12"), "{dropped}");
    assert!(
        list_title(&dropped).starts_with(" Today"),
        "a count of two digits runs nothing: {dropped}"
    );

    let digit = h.press('5').await;
    assert!(shows_pending(&digit, "5"), "{digit}");
    h.clock.advance(Keymap::TIMEOUT);
    let ran = h.next_frame().await;
    assert!(
        list_title(&ran).starts_with(" Unread"),
        "a lone `5` runs view_unread: {ran}"
    );
    h.stop().await;
}

#[tokio::test]
async fn a_pending_chord_waits_for_the_clock_not_for_real_time() {
    let dir = tempfile::tempdir().unwrap();
    let store = seeded_store(dir.path());
    let mut h = Harness::start(&store, morning());
    h.next_frame().await;
    // While a sync runs, every tick redraws (the spinner): each frame is a tick that found the
    // chord not timed out.
    h.send(Msg::Sync(SyncEvent::Started {
        sources: vec![SourceId::hf()],
    }));
    h.send(Msg::Key(KeyEvent::new(
        KeyCode::Char('g'),
        KeyModifiers::NONE,
    )));
    // Frames drawn after this one come after the key.
    h.frame_where(|frame| shows_pending(frame, "g")).await;
    // Real time bounds how long the test watches, not what it asserts: whatever the machine's
    // speed, the chord must wait as long as the stepped clock stands still.
    let watching = std::time::Instant::now();
    let mut ticks = 0;
    while watching.elapsed() < 2 * Keymap::TIMEOUT || ticks < 2 {
        let frame = h.next_frame().await;
        assert!(
            shows_pending(&frame, "g"),
            "timed out with the clock standing still, {:?} of real time after the key: {frame}",
            watching.elapsed()
        );
        ticks += 1;
    }
    h.clock.advance(Keymap::TIMEOUT);
    let timed_out = h.frame_where(|frame| !shows_pending(frame, "g")).await;
    assert!(list_title(&timed_out).starts_with(" Today"), "{timed_out}");
    h.stop().await;
}
