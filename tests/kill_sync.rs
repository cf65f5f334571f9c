//! SIGKILL `paperboat sync` at random moments, many times in a row, against a loopback server
//! whose every answer changes every paper (so each sync rewrites the whole cache). Before each
//! kill the user stars a paper, marks one read and writes a note; after each kill the store
//! must open and hold every star, read flag and note set so far.
//!
//! `PAPERBOAT_KILL_RUNS` sets the number of kills (default 10, for CI; the README's figure is
//! from a run of 50); `PAPERBOAT_KILL_SEED` sets the seed of the kill moments (logged, so a
//! failing run can be replayed).

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::atomic::{AtomicU32, Ordering};
use std::time::{Duration, Instant};

use paperboat::model::PaperId;
use paperboat::store::Store;
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

struct Home {
    dir: tempfile::TempDir,
}

impl Home {
    fn data_dir(&self) -> PathBuf {
        self.dir.path().join("data")
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

    fn spawn_sync(&self) -> std::process::Child {
        self.command()
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

    // One whole sync fills the cache and says how long a sync takes: kills land within that.
    let started = Instant::now();
    home.run(&["sync", "--date", "2025-04-30"]);
    let whole_sync = started.elapsed();
    let window_ms = u64::try_from(whole_sync.as_millis())
        .unwrap_or(u64::MAX)
        .max(20);
    eprintln!("an uninterrupted sync takes {whole_sync:?}");

    let mut expected = Expected {
        starred: Vec::new(),
        read: Vec::new(),
        notes: Vec::new(),
    };
    let (mut killed, mut finished_first, mut lost) = (0usize, 0usize, 0usize);
    for run in 0..runs {
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

        let delay = Duration::from_millis(rng.below(window_ms));
        let mut child = home.spawn_sync();
        tokio::time::sleep(delay).await;
        let still_running = child.try_wait().unwrap().is_none();
        if still_running {
            child.kill().unwrap();
            killed += 1;
        } else {
            finished_first += 1;
        }
        let status = child.wait().unwrap();
        eprintln!(
            "run {run}: {} after {delay:?} ({status})",
            if still_running {
                "killed"
            } else {
                "finished before the kill"
            }
        );
        lost += expected.lost_in(&home.data_dir(), run);
        assert_eq!(lost, 0, "run {run} (seed {seed:#x}) lost user state");
    }
    eprintln!(
        "kill loop: {killed} kills survived, {finished_first} syncs finished before their kill, \
         {} stars, {} read flags, {} notes checked after every run, {lost} lost",
        expected.starred.len(),
        expected.read.len(),
        expected.notes.len()
    );
    assert!(
        killed * 2 >= runs,
        "most kills must land mid-sync ({killed} of {runs})"
    );

    // The cache still syncs to completion over whatever the kills left.
    home.run(&["sync", "--date", "2025-04-30"]);
    let output = home.command().args(["list", "--starred"]).output().unwrap();
    let listed = String::from_utf8_lossy(&output.stdout).lines().count();
    let distinct: std::collections::BTreeSet<_> = expected.starred.iter().collect();
    assert_eq!(listed, distinct.len(), "every star is listed");
    assert_eq!(expected.lost_in(&home.data_dir(), runs), 0);
}
