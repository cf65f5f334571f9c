//! SIGKILL `paperboat sync` at random moments, many times in a row, against a loopback server
//! whose every answer changes every paper (so each sync rewrites the whole cache). Before each
//! kill the user stars a paper, marks one read and writes a note; after each kill the store
//! must open and hold every star, read flag and note set so far.
//!
//! Whether a kill landed inside a store write is not guessed from timing: the debug build's
//! write marks (`PAPERBOAT_TEST_WRITE_MARKS`, see `store/write_marks.rs`) say so, and half the
//! runs aim their kill at a write in progress. A second test stars papers and writes notes
//! *while* a sync writes, in one process (a child run of this test binary), SIGKILLs it and
//! checks that every star and note the store acknowledged is there.
//!
//! `PAPERBOAT_KILL_RUNS` sets the number of kills (default 10, for CI; the README's figure is
//! from a run of 50); `PAPERBOAT_KILL_SEED` sets the seed of the kill moments (logged, so a
//! failing run can be replayed).

use std::io::BufRead;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::atomic::{AtomicU32, Ordering};
use std::time::{Duration, Instant};

use paperboat::config::Config;
use paperboat::model::PaperId;
use paperboat::store::{Store, WRITE_MARKS_ENV};
use paperboat::sync::{SyncCommand, SyncEvent, sources_from_config, sync_settings_from_config};
use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer, Request, Respond, ResponseTemplate};

const DEFAULT_RUNS: usize = 10;
const DEFAULT_SEED: u64 = 0x5eed_f00d_b0a7;
/// Papers in every answer: enough that a sync spends most of its time writing.
const ITEMS: usize = 2000;

fn bin() -> &'static Path {
    Path::new(env!("CARGO_BIN_EXE_paperboat"))
}

/// SplitMix64: a tiny deterministic generator, so a seed replays the same kill moments.
struct SplitMix(u64);

impl SplitMix {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }

    fn below(&mut self, bound: u64) -> u64 {
        self.next() % bound.max(1)
    }
}

fn env_number(name: &str, default: u64) -> u64 {
    std::env::var(name)
        .ok()
        .and_then(|value| {
            let value = value.trim();
            match value.strip_prefix("0x") {
                Some(hex) => u64::from_str_radix(hex, 16).ok(),
                None => value.parse().ok(),
            }
        })
        .unwrap_or(default)
}

/// Every answer lists the same papers with new upvotes and abstracts: each sync changes all.
struct ChangingFeed {
    answers: AtomicU32,
}

impl Respond for ChangingFeed {
    fn respond(&self, _request: &Request) -> ResponseTemplate {
        let round = self.answers.fetch_add(1, Ordering::SeqCst);
        let items: Vec<String> = (0..ITEMS)
            .map(|n| {
                let id = format!("2504.{n:05}");
                format!(
                    r#"{{"paper":{{"id":"{id}","authors":[{{"name":"Ada Lovelace"}},{{"name":"Alan Turing"}}],
                    "publishedAt":"2025-04-29T00:00:00.000Z","submittedOnDailyAt":"2025-04-30T00:00:00.000Z",
                    "title":"Paper {id}","summary":"Round {round} abstract for {id}. {}",
                    "upvotes":{}}},"numComments":{round}}}"#,
                    "words ".repeat(120),
                    (n as u32 + round) % 500
                )
            })
            .collect();
        ResponseTemplate::new(200).set_body_string(format!("[{}]", items.join(",")))
    }
}

/// What the write marks of one process say.
#[derive(Debug, Default)]
struct Marks {
    /// Every completed write's duration.
    writes: Vec<Duration>,
    /// Every write's begin and end (unix nanos); the last may have no end.
    spans: Vec<(u128, Option<u128>)>,
    /// A write began and did not end: the process died inside it.
    open_write: bool,
}

impl Marks {
    /// True when `nanos` falls inside a write (or after the begin of one that never ended).
    fn during_a_write(&self, nanos: u128) -> bool {
        self.spans
            .iter()
            .any(|&(begin, end)| begin <= nanos && end.is_none_or(|end| nanos <= end))
    }
}

fn read_marks(path: &Path) -> Marks {
    let text = std::fs::read_to_string(path).unwrap_or_default();
    let mut marks = Marks::default();
    let mut began: Option<u128> = None;
    for line in text.lines() {
        let (what, nanos) = line.split_once(' ').unwrap_or((line, ""));
        let nanos: u128 = nanos
            .parse()
            .unwrap_or_else(|_| panic!("bad mark {line:?}"));
        match what {
            "begin" => {
                assert!(began.is_none(), "two writes at once: {text}");
                began = Some(nanos);
            }
            "end" => {
                let start = began
                    .take()
                    .unwrap_or_else(|| panic!("end without begin: {text}"));
                let took = u64::try_from(nanos.saturating_sub(start)).unwrap_or(u64::MAX);
                marks.writes.push(Duration::from_nanos(took));
                marks.spans.push((start, Some(nanos)));
            }
            other => panic!("unknown mark {other:?}"),
        }
    }
    marks.open_write = began.is_some();
    marks.spans.extend(began.map(|start| (start, None)));
    marks
}

/// How often an aimed kill looks at the marks: store writes after the first sync take a few
/// milliseconds.
const MARKS_POLL: Duration = Duration::from_micros(200);

/// Polls `path` until the `index`th store write (from 0) has begun, then waits `delay` and
/// SIGKILLs `child` (when it still runs). Blocks its thread: the poll is finer than tokio's
/// timer. Bounded.
fn kill_within_write(path: &Path, index: usize, delay: Duration, child: &mut std::process::Child) {
    for _ in 0..300_000 {
        if read_marks(path).spans.len() > index || child.try_wait().unwrap().is_some() {
            std::thread::sleep(delay);
            let _ = child.kill();
            return;
        }
        std::thread::sleep(MARKS_POLL);
    }
    panic!("store write {index} did not begin within the bound");
}

/// The shortest write in `marks` or `shortest` so far, whichever is shorter.
fn shortest_write(shortest: Duration, marks: &Marks) -> Duration {
    marks.writes.iter().copied().fold(shortest, Duration::min)
}

struct Home {
    dir: tempfile::TempDir,
}

/// A loopback server with the changing feed, and a home whose config syncs from it. Keep the
/// server alive as long as the home is used.
async fn home_with_a_changing_feed() -> (MockServer, Home) {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/api/daily_papers"))
        .respond_with(ChangingFeed {
            answers: AtomicU32::new(0),
        })
        .mount(&server)
        .await;
    let home = Home {
        dir: tempfile::tempdir().unwrap(),
    };
    std::fs::write(
        home.dir.path().join("config.toml"),
        format!(
            "[sources.hf]\nbase_url = \"{}\"\ndays = 1\n\n[sync]\ntimeout_secs = 120\n",
            server.uri()
        ),
    )
    .unwrap();
    (server, home)
}

impl Home {
    fn data_dir(&self) -> PathBuf {
        self.dir.path().join("data")
    }

    fn marks(&self) -> PathBuf {
        self.dir.path().join("write-marks")
    }

    fn command(&self) -> Command {
        let mut command = Command::new(bin());
        command
            .env_clear()
            .env("HOME", self.dir.path())
            .env("XDG_STATE_HOME", self.dir.path().join("xdg-state"))
            .env("XDG_DATA_HOME", self.dir.path().join("xdg-data"))
            .arg("--data-dir")
            .arg(self.data_dir())
            .arg("--config")
            .arg(self.dir.path().join("config.toml"));
        command
    }

    fn run(&self, args: &[&str]) {
        let output = self.command().args(args).output().unwrap();
        assert!(
            output.status.success(),
            "paperboat {args:?}: {}",
            String::from_utf8_lossy(&output.stderr)
        );
    }

    /// A sync whose store writes are marked in a fresh marks file.
    fn spawn_sync(&self) -> std::process::Child {
        let _ = std::fs::remove_file(self.marks());
        self.command()
            .env(WRITE_MARKS_ENV, self.marks())
            .args(["sync", "--date", "2025-04-30"])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap()
    }
}

/// What the user set before a kill, and must find after it.
struct Expected {
    starred: Vec<PaperId>,
    read: Vec<PaperId>,
    notes: Vec<(PaperId, String)>,
}

impl Expected {
    /// Counts what the store lost; the store must open.
    fn lost_in(&self, data_dir: &Path, run: usize) -> usize {
        let store = Store::open(data_dir)
            .unwrap_or_else(|error| panic!("run {run}: the store does not open: {error}"));
        let mut lost = 0;
        for id in &self.starred {
            if !store.user_state(id).unwrap().is_starred() {
                eprintln!("run {run}: lost the star of {id}");
                lost += 1;
            }
        }
        for id in &self.read {
            if !store.user_state(id).unwrap().read {
                eprintln!("run {run}: lost the read flag of {id}");
                lost += 1;
            }
        }
        for (id, note) in &self.notes {
            if store.user_state(id).unwrap().note.as_deref() != Some(note.as_str()) {
                eprintln!("run {run}: lost the note on {id}");
                lost += 1;
            }
        }
        lost
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sigkill_at_random_moments_of_a_sync_never_loses_a_star_or_a_note() {
    let runs = usize::try_from(env_number("PAPERBOAT_KILL_RUNS", DEFAULT_RUNS as u64))
        .unwrap_or(DEFAULT_RUNS)
        .max(1);
    let seed = env_number("PAPERBOAT_KILL_SEED", DEFAULT_SEED);
    eprintln!("kill loop: {runs} runs, seed {seed:#x} (PAPERBOAT_KILL_SEED replays it)");
    let mut rng = SplitMix(seed);

    let (_server, home) = home_with_a_changing_feed().await;

    // One whole sync fills the cache and says how long a sync and its writes take: random
    // kills land within the one, aimed kills within the other.
    let started = Instant::now();
    let status = home.spawn_sync().wait().unwrap();
    assert!(status.success(), "the first sync: {status}");
    let whole_sync = started.elapsed();
    let window_ms = u64::try_from(whole_sync.as_millis())
        .unwrap_or(u64::MAX)
        .max(20);
    let first = read_marks(&home.marks());
    assert!(!first.writes.is_empty() && !first.open_write, "{first:?}");
    eprintln!(
        "an uninterrupted sync takes {whole_sync:?}; its store writes take {:?}",
        first.writes
    );

    let mut expected = Expected {
        starred: Vec::new(),
        read: Vec::new(),
        notes: Vec::new(),
    };
    // Aimed kills land within half the shortest write seen after a write begins. A kill that
    // still misses counts as outside; extra aimed runs (up to twice the runs) make up for it.
    let wanted_mid_write = runs.div_ceil(4);
    let mut shortest = shortest_write(Duration::MAX, &first);
    let (mut killed, mut mid_write, mut finished_first, mut lost) = (0, 0, 0, 0usize);
    let mut run = 0;
    while run < runs || (mid_write < wanted_mid_write && run < 3 * runs) {
        // The user acts between syncs: a star and a read flag through the CLI, a note through
        // the store (the CLI has no note command).
        let star = format!("2504.{:05}", (run * 37) % ITEMS);
        let read = format!("2504.{:05}", (run * 53 + 11) % ITEMS);
        home.run(&["star", &star]);
        home.run(&["read", &read]);
        expected.starred.push(PaperId::parse_user(&star).unwrap());
        expected.read.push(PaperId::parse_user(&read).unwrap());
        {
            let store = Store::open(&home.data_dir()).unwrap();
            let id = PaperId::parse_user(&format!("2504.{:05}", (run * 71 + 5) % ITEMS)).unwrap();
            let note = format!("note {run}: read section {run} again");
            store.set_note(&id, Some(note.clone())).unwrap();
            expected.notes.retain(|(noted, _)| *noted != id);
            expected.notes.push((id, note));
        }

        // Even runs (and the extra ones) aim at one of the sync's writes at random; odd runs
        // kill at a random moment of the whole sync, which mostly lands outside any write
        // (fetching and parsing take most of a sync).
        let aimed = run % 2 == 0 || run >= runs;
        let mut child = home.spawn_sync();
        let delay = if aimed {
            let index = usize::try_from(rng.below(first.writes.len() as u64)).unwrap_or(0);
            let half_us = u64::try_from(shortest.as_micros() / 2).unwrap_or(1);
            let delay = Duration::from_micros(rng.below(half_us));
            tokio::task::block_in_place(|| {
                kill_within_write(&home.marks(), index, delay, &mut child);
            });
            delay
        } else {
            let delay = Duration::from_millis(rng.below(window_ms));
            tokio::time::sleep(delay).await;
            delay
        };
        let still_running = child.try_wait().unwrap().is_none();
        if still_running {
            child.kill().unwrap();
        }
        let status = child.wait().unwrap();
        // Killed, or it finished on its own before the kill came.
        let was_killed = status.code().is_none();
        if was_killed {
            killed += 1;
        } else {
            finished_first += 1;
        }
        // Read after the child is dead: the marks say where the kill landed.
        let marks = read_marks(&home.marks());
        shortest = shortest_write(shortest, &marks);
        let inside_write = marks.open_write;
        if inside_write {
            mid_write += 1;
        }
        eprintln!(
            "run {run}: {} {delay:?} after {} ({status})",
            match (was_killed, inside_write) {
                (true, true) => "killed inside a store write",
                (true, false) => "killed outside any store write",
                _ => "finished before the kill",
            },
            if aimed { "a write began" } else { "the start" }
        );
        lost += expected.lost_in(&home.data_dir(), run);
        assert_eq!(lost, 0, "run {run} (seed {seed:#x}) lost user state");
        run += 1;
    }
    eprintln!(
        "kill loop: {killed} kills survived ({mid_write} inside a store write), \
         {finished_first} syncs finished before their kill, {} stars, {} read flags, {} notes \
         checked after every run, {lost} lost",
        expected.starred.len(),
        expected.read.len(),
        expected.notes.len()
    );
    assert!(
        killed * 2 >= runs,
        "most kills must land mid-sync ({killed} of {runs})"
    );
    assert!(
        mid_write >= wanted_mid_write,
        "too few kills landed inside a store write ({mid_write} in {run} runs)"
    );

    // The cache still syncs to completion over whatever the kills left.
    home.run(&["sync", "--date", "2025-04-30"]);
    let output = home.command().args(["list", "--starred"]).output().unwrap();
    let listed = String::from_utf8_lossy(&output.stdout).lines().count();
    let distinct: std::collections::BTreeSet<_> = expected.starred.iter().collect();
    assert_eq!(listed, distinct.len(), "every star is listed");
    assert_eq!(expected.lost_in(&home.data_dir(), runs), 0);
}

// ------------------------------------------------------- user writes during a sync's writes

/// Set for the child process: the home dir it syncs and stars in.
const CHILD_ENV: &str = "PAPERBOAT_KILL_CHILD_HOME";
const CHILD_TEST: &str = "child_stars_and_writes_notes_while_it_syncs_until_killed";

fn unix_nanos() -> u128 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_nanos()
}

/// The child half of `stars_and_notes_set_while_a_sync_writes_survive_sigkill`: one process,
/// like the reader, whose sync task rewrites the cache round after round while the user stars
/// papers and writes notes. After each store call returns it prints `acked …` with the time:
/// what the parent finds acknowledged, the store must keep. Runs until killed.
#[test]
#[ignore = "the child process of stars_and_notes_set_while_a_sync_writes_survive_sigkill"]
fn child_stars_and_writes_notes_while_it_syncs_until_killed() {
    let home = PathBuf::from(std::env::var_os(CHILD_ENV).expect("started by its parent test"));
    let config = Config::load(&home.join("config.toml"), true).unwrap();
    let store = Store::open(&home.join("data")).unwrap();
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    let date = chrono::NaiveDate::from_ymd_opt(2025, 4, 30);
    let mut sync = runtime.block_on(async {
        paperboat::sync::spawn(
            store.clone(),
            sources_from_config(&config, None, date),
            sync_settings_from_config(&config.sync),
            paperboat::clock::Clock::System,
        )
    });
    // Every answer changes every paper, so every round rewrites the cache.
    runtime.spawn(async move {
        while sync.commands.send(SyncCommand::SyncAll).await.is_ok() {
            loop {
                match sync.events.recv().await {
                    None => return,
                    Some(SyncEvent::Finished { .. }) => break,
                    Some(_) => {}
                }
            }
        }
    });
    for n in 0usize.. {
        let star = PaperId::parse_user(&format!("2504.{:05}", (n * 37) % ITEMS)).unwrap();
        store.set_starred(&star, true, chrono::Utc::now()).unwrap();
        println!("acked star {star} {}", unix_nanos());
        let noted = PaperId::parse_user(&format!("2504.{:05}", (n * 71 + 5) % ITEMS)).unwrap();
        let note = format!("note-{n}-{}", unix_nanos());
        store.set_note(&noted, Some(note.clone())).unwrap();
        println!("acked note {noted} {} {note}", unix_nanos());
    }
}

/// What the child acknowledged before it died.
#[derive(Default)]
struct Acked {
    stars: Vec<(PaperId, u128)>,
    /// The latest note per paper.
    notes: std::collections::BTreeMap<PaperId, (String, u128)>,
}

impl Acked {
    fn read(&mut self, line: &str) {
        let words: Vec<&str> = line.split(' ').collect();
        match words.as_slice() {
            ["acked", "star", id, at] => self
                .stars
                .push((PaperId::parse_user(id).unwrap(), at.parse().unwrap())),
            ["acked", "note", id, at, note] => {
                self.notes.insert(
                    PaperId::parse_user(id).unwrap(),
                    ((*note).to_string(), at.parse().unwrap()),
                );
            }
            _ => {} // the test harness's own lines
        }
    }

    /// When each acknowledged write returned (unix nanos).
    fn times(&self) -> impl Iterator<Item = u128> + '_ {
        let stars = self.stars.iter().map(|(_, at)| *at);
        stars.chain(self.notes.values().map(|(_, at)| *at))
    }
}

/// When the child made a note (`note-<n>-<unix nanos>`), so a later one can be told apart.
fn note_made(note: &str) -> u128 {
    note.rsplit('-')
        .next()
        .and_then(|n| n.parse().ok())
        .unwrap_or(0)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn stars_and_notes_set_while_a_sync_writes_survive_sigkill() {
    const RUNS: usize = 4;
    let seed = env_number("PAPERBOAT_KILL_SEED", DEFAULT_SEED);
    let mut rng = SplitMix(seed ^ 0x57a2);
    let (_server, home) = home_with_a_changing_feed().await;
    home.run(&["sync", "--date", "2025-04-30"]);

    let mut acked = Acked::default();
    let (mut mid_write, mut acked_during_writes) = (0usize, 0usize);
    // Writes after the first sync take a few milliseconds; learnt from each run's marks.
    let mut shortest = Duration::from_millis(2);
    let mut run = 0;
    // Extra runs (up to three times as many) make up for kills that missed their write.
    while run < RUNS || (mid_write * 2 < RUNS && run < 3 * RUNS) {
        let _ = std::fs::remove_file(home.marks());
        let mut child = Command::new(std::env::current_exe().unwrap())
            .args([CHILD_TEST, "--exact", "--ignored", "--nocapture"])
            .args(["--test-threads", "1"])
            .env(CHILD_ENV, home.dir.path())
            .env(WRITE_MARKS_ENV, home.marks())
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        let (lines_tx, lines) = std::sync::mpsc::channel::<String>();
        let stdout = child.stdout.take().unwrap();
        let reader = std::thread::spawn(move || {
            for line in std::io::BufReader::new(stdout).lines() {
                let Ok(line) = line else { break };
                if lines_tx.send(line).is_err() {
                    break;
                }
            }
        });
        // Wait until a user write was acknowledged during a sync write, then kill within the
        // next sync write. Blocks this thread: the poll is finer than tokio's timer.
        let half_us = u64::try_from(shortest.as_micros() / 2).unwrap_or(1);
        let delay = Duration::from_micros(rng.below(half_us));
        let mut run_lines: Vec<String> = Vec::new();
        tokio::task::block_in_place(|| {
            let mut so_far = Acked::default();
            for _ in 0..300_000 {
                for line in lines.try_iter() {
                    so_far.read(&line);
                    run_lines.push(line);
                }
                let marks = read_marks(&home.marks());
                if so_far.times().any(|at| marks.during_a_write(at)) {
                    let writes = marks.spans.len();
                    kill_within_write(&home.marks(), writes, delay, &mut child);
                    return;
                }
                assert!(
                    child.try_wait().unwrap().is_none(),
                    "the child died: {run_lines:?}"
                );
                std::thread::sleep(MARKS_POLL);
            }
            panic!("no user write overlapped a sync write within the bound");
        });
        child.wait().unwrap();
        reader.join().unwrap();
        run_lines.extend(lines.try_iter());

        let marks = read_marks(&home.marks());
        shortest = shortest_write(shortest, &marks);
        mid_write += usize::from(marks.open_write);
        let mut this_run = Acked::default();
        for line in &run_lines {
            this_run.read(line);
            acked.read(line);
        }
        let during = this_run
            .times()
            .filter(|&at| marks.during_a_write(at))
            .count();
        acked_during_writes += during;
        eprintln!(
            "run {run}: killed {delay:?} after a write began, {}; {} stars and {} notes \
             acknowledged, {during} of them while a sync write was in progress",
            if marks.open_write {
                "inside the write"
            } else {
                "after it ended"
            },
            this_run.stars.len(),
            this_run.notes.len()
        );

        let store = Store::open(&home.data_dir())
            .unwrap_or_else(|error| panic!("run {run}: the store does not open: {error}"));
        for (id, _) in &acked.stars {
            assert!(
                store.user_state(id).unwrap().is_starred(),
                "run {run} (seed {seed:#x}): lost the acknowledged star of {id}"
            );
        }
        // The acknowledged note, or one the child began writing after it (not yet
        // acknowledged when the kill came, but already stored: also fine).
        for (id, (note, _)) in &acked.notes {
            let stored = store.user_state(id).unwrap().note.unwrap_or_default();
            assert!(
                stored == *note || note_made(&stored) > note_made(note),
                "run {run} (seed {seed:#x}): lost the acknowledged note {note:?} on {id} \
                 (stored: {stored:?})"
            );
        }
        run += 1;
    }
    eprintln!(
        "{run} kills: {mid_write} inside a store write; {} stars and {} notes acknowledged, \
         {acked_during_writes} of the user writes while a sync write was in progress, none lost",
        acked.stars.len(),
        acked.notes.len()
    );
    assert!(
        acked_during_writes > 0,
        "no user write overlapped a sync write: the test did not test its case"
    );
    assert!(
        mid_write * 2 >= RUNS,
        "too few kills landed inside a store write ({mid_write} in {run} runs)"
    );
}
