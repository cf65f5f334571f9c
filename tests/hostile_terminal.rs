//! The hostile feed in a real terminal: the binary runs in tmux (private socket) under
//! `script`, which records every byte paperboat writes, against a loopback server serving the
//! hostile feed in every source format. Neither the captured screen nor the raw byte stream may
//! hold a sequence that came from the feed. Skipped with a message when tmux or script is
//! missing; under CI (`CI` set) a missing tool fails it (script is part of util-linux).

#[path = "support/hostile_feed.rs"]
mod hostile_feed;
#[path = "support/tools.rs"]
mod tools;

use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::time::Duration;

use hostile_feed::{FEED_ONLY_SEQUENCES, HIDDEN_MARKER, OSC8_TARGET, OSC52_PAYLOAD};
use tools::require_tool;
use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

const COLUMNS: u16 = 140;
const ROWS: u16 = 40;
/// Papers per format: 2 × 5 formats = 10 rows, all on one screen.
const PER_FORMAT: usize = 2;

struct Tmux {
    socket: String,
    config: PathBuf,
}

impl Tmux {
    fn new(dir: &Path) -> Tmux {
        let config = dir.join("tmux.conf");
        std::fs::write(&config, "set -g remain-on-exit on\nset -g status off\n").unwrap();
        Tmux {
            socket: format!("paperboat-hostile-{}", std::process::id()),
            config,
        }
    }

    fn run(&self, args: &[&str]) -> Output {
        Command::new("tmux")
            .args(["-L", &self.socket, "-f"])
            .arg(&self.config)
            .args(args)
            .output()
            .unwrap()
    }

    fn start(&self, command: &str, env: &[(&str, &Path)]) {
        let mut cmd = Command::new("tmux");
        cmd.args(["-L", &self.socket, "-f"])
            .arg(&self.config)
            .args(["new-session", "-d", "-s", "hostile", "-x"])
            .arg(COLUMNS.to_string())
            .arg("-y")
            .arg(ROWS.to_string())
            .arg(command);
        for (key, value) in env {
            cmd.env(key, value);
        }
        let out = cmd.output().unwrap();
        assert!(
            out.status.success(),
            "tmux new-session: {}",
            String::from_utf8_lossy(&out.stderr)
        );
    }

    fn screen(&self) -> String {
        String::from_utf8_lossy(&self.run(&["capture-pane", "-p", "-t", "hostile"]).stdout)
            .into_owned()
    }

    fn keys(&self, keys: &[&str]) {
        let mut args = vec!["send-keys", "-t", "hostile"];
        args.extend_from_slice(keys);
        assert!(self.run(&args).status.success());
    }

    /// Polls the screen until `done` says yes; bounded, never a fixed sleep as synchronisation.
    async fn wait_for(&self, what: &str, done: impl Fn(&str) -> bool) -> String {
        for _ in 0..1200 {
            let screen = self.screen();
            if done(&screen) {
                return screen;
            }
            tokio::time::sleep(Duration::from_millis(25)).await;
        }
        panic!("timed out waiting for {what}; screen:\n{}", self.screen());
    }

    async fn wait_exit(&self, status_file: &Path) -> String {
        for _ in 0..1200 {
            if let Ok(status) = std::fs::read_to_string(status_file)
                && status.ends_with('\n')
            {
                return status.trim().to_string();
            }
            tokio::time::sleep(Duration::from_millis(25)).await;
        }
        panic!("paperboat did not exit; screen:\n{}", self.screen());
    }
}

impl Drop for Tmux {
    fn drop(&mut self) {
        let _ = self.run(&["kill-server"]);
    }
}

async fn serve(server: &MockServer, route: &str, body: String, content_type: &str) {
    Mock::given(method("GET"))
        .and(path(route))
        .respond_with(ResponseTemplate::new(200).set_body_raw(body.into_bytes(), content_type))
        .mount(server)
        .await;
}

/// Asserts a screen capture holds nothing from a hidden payload and no control character.
fn assert_clean_screen(screen: &str, what: &str) {
    assert!(
        !screen.contains(HIDDEN_MARKER) && !screen.contains(OSC52_PAYLOAD),
        "{what}: a payload hidden in a sequence is on screen:\n{screen}"
    );
    let bad = screen
        .chars()
        .find(|&c| c != '\n' && hostile_feed::is_forbidden(c));
    assert!(bad.is_none(), "{what}: {bad:?} on screen:\n{screen}");
}

fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack
        .windows(needle.len())
        .position(|window| window == needle)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn hostile_feed_in_a_real_terminal_writes_no_sequence_from_the_feed() {
    if !require_tool("tmux", "-V") || !require_tool("script", "--version") {
        return;
    }
    let server = MockServer::start().await;
    serve(
        &server,
        "/api/daily_papers",
        hostile_feed::hf_json(PER_FORMAT),
        "application/json",
    )
    .await;
    serve(
        &server,
        "/rss/cs.LG",
        hostile_feed::arxiv_rss(PER_FORMAT),
        "application/rss+xml",
    )
    .await;
    serve(
        &server,
        "/api/query",
        hostile_feed::arxiv_api_atom(PER_FORMAT),
        "application/atom+xml",
    )
    .await;
    serve(
        &server,
        "/blog/rss.xml",
        hostile_feed::generic_rss(PER_FORMAT),
        "application/rss+xml",
    )
    .await;
    serve(
        &server,
        "/blog/atom.xml",
        hostile_feed::generic_atom(PER_FORMAT),
        "application/atom+xml",
    )
    .await;

    let dir = tempfile::tempdir().unwrap();
    let uri = server.uri();
    let config = dir.path().join("config.toml");
    std::fs::write(
        &config,
        format!(
            "[sync]\narxiv_interval_secs = 0\n\n\
             [sources.hf]\nbase_url = \"{uri}\"\ndays = 1\n\n\
             [sources.arxiv]\nrss_base_url = \"{uri}\"\napi_base_url = \"{uri}\"\n\
             categories = [\"cs.LG\"]\nqueries = [\"cat:cs.LG\"]\n\n\
             [[sources.feeds]]\nname = \"rssblog\"\nurl = \"{uri}/blog/rss.xml\"\n\n\
             [[sources.feeds]]\nname = \"atomblog\"\nurl = \"{uri}/blog/atom.xml\"\n"
        ),
    )
    .unwrap();
    let data = dir.path().join("data");
    let state = dir.path().join("state");
    let raw = dir.path().join("raw-output");
    let status_file = dir.path().join("status");
    // `script` records what paperboat writes to its terminal, byte for byte, from the first.
    let command = format!(
        "script -q -e -c '{} --config {} --data-dir {}' {}; echo $? > {}",
        env!("CARGO_BIN_EXE_paperboat"),
        config.display(),
        data.display(),
        raw.display(),
        status_file.display()
    );
    let tmux = Tmux::new(dir.path());
    tmux.start(
        &command,
        &[
            ("XDG_STATE_HOME", state.as_path()),
            ("XDG_DATA_HOME", state.as_path()),
        ],
    );

    // Every source synced: the status bar says so once the round is over.
    tmux.wait_for("the sync of the hostile feeds", |s| {
        s.contains("synced just now")
    })
    .await;
    // The unread papers of every day ("5" is also a count prefix: the chord times out into the
    // view). Marking one read takes it out of this view, so the walk below visits each paper
    // once whatever order the list settles in.
    let papers = 5 * PER_FORMAT;
    tmux.keys(&["5"]);
    let screen = tmux
        .wait_for("every hostile paper", |s| {
            s.contains(&format!("{papers} unread"))
                && s.matches("HOSTILE-").count() >= papers
                && s.contains("Unread")
        })
        .await;
    assert_clean_screen(&screen, "the list");
    for prefix in ["hf-", "arxiv-rss-", "arxiv-api-", "rss-", "atom-"] {
        assert!(
            screen.contains(&format!("HOSTILE-{prefix}")),
            "no {prefix} paper listed:\n{screen}"
        );
    }

    // Each paper: its detail beside the list, scrolled past the 2,000-character title and the
    // authors into the abstract; then marked read.
    for paper in 0..papers {
        assert_clean_screen(&tmux.screen(), &format!("paper {paper}"));
        tmux.keys(&["Tab"]);
        tmux.wait_for("the detail focused", |s| s.contains("DETAIL"))
            .await;
        // The body loads in the background: page on until the abstract shows (bounded).
        let mut screen = tmux.screen();
        for _ in 0..200 {
            if screen.contains("Abstract words") {
                break;
            }
            tmux.keys(&["PageDown"]);
            tokio::time::sleep(Duration::from_millis(25)).await;
            screen = tmux.screen();
        }
        assert!(
            screen.contains("Abstract words"),
            "paper {paper}: no abstract in the detail:\n{screen}"
        );
        assert_clean_screen(&screen, &format!("paper {paper}, scrolled"));
        tmux.keys(&["Escape"]);
        tmux.wait_for("the list focused", |s| s.contains("NORMAL"))
            .await;
        tmux.keys(&["x"]);
        let unread = format!("· {} unread", papers - paper - 1);
        tmux.wait_for("the paper marked read", |s| s.contains(&unread))
            .await;
    }
    tmux.keys(&["?"]);
    let screen = tmux.wait_for("the help", |s| s.contains("HELP")).await;
    assert_clean_screen(&screen, "the help");
    // Escape and a key sent together read as Alt+key: wait for the help to close first.
    tmux.keys(&["Escape"]);
    tmux.wait_for("the help closed", |s| s.contains("NORMAL"))
        .await;
    tmux.keys(&["q"]);
    let status = tmux.wait_exit(&status_file).await;
    assert_eq!(status, "0", "exit status");

    let bytes = std::fs::read(&raw).unwrap();
    assert!(
        find(&bytes, b"HOSTILE-").is_some(),
        "the raw output has the papers"
    );
    // paperboat writes OSC 8 itself now (the detail's links), each checked below.
    for sequence in FEED_ONLY_SEQUENCES
        .iter()
        .filter(|s| !s.starts_with(b"\x1b]8;"))
    {
        if let Some(at) = find(&bytes, sequence) {
            let from = at.saturating_sub(80);
            let to = (at + 80).min(bytes.len());
            panic!(
                "paperboat wrote the feed's {:?} to the terminal: …{}…",
                String::from_utf8_lossy(sequence),
                String::from_utf8_lossy(&bytes[from..to]).escape_debug()
            );
        }
    }
    for payload in [
        HIDDEN_MARKER.as_bytes(),
        OSC52_PAYLOAD.as_bytes(),
        OSC8_TARGET.as_bytes(),
    ] {
        assert!(
            find(&bytes, payload).is_none(),
            "a payload from the feed reached the terminal: {}",
            String::from_utf8_lossy(payload)
        );
    }
    // The only OSCs are paperboat's own: OSC 8 hyperlinks to checked http(s) URLs (and their
    // closing), OSC 52 (copy) and OSC 9/777 (notifications); never one from the feed.
    check_own_oscs(&bytes);
}

/// Every OSC in `bytes` is one paperboat writes, terminated, with a checked link; every OSC 8
/// opened is closed.
fn check_own_oscs(bytes: &[u8]) {
    let mut at = 0;
    let (mut opened, mut closed) = (0, 0);
    while let Some(start) = find(&bytes[at..], b"\x1b]").map(|i| at + i) {
        let body_start = start + 2;
        let rest = &bytes[body_start..];
        let (body_len, terminator_len) = match (find(rest, b"\x07"), find(rest, b"\x1b\\")) {
            (Some(bel), Some(st)) if bel < st => (bel, 1),
            (_, Some(st)) => (st, 2),
            (Some(bel), None) => (bel, 1),
            (None, None) => panic!("an OSC is never terminated: {:?}", excerpt(bytes, start)),
        };
        let body = &rest[..body_len];
        assert!(
            body.iter().all(|b| b.is_ascii_graphic()),
            "an OSC holds a non-printable byte: {:?}",
            excerpt(bytes, start)
        );
        let body = std::str::from_utf8(body).unwrap();
        if let Some(url) = body.strip_prefix("8;;") {
            if url.is_empty() {
                closed += 1;
            } else {
                opened += 1;
                assert!(
                    paperboat::link::is_safe_web_url(url)
                        && !url.contains(HIDDEN_MARKER)
                        && !url.contains(OSC8_TARGET),
                    "an OSC 8 to an unchecked link: {url:?}"
                );
            }
        } else {
            assert!(
                body.starts_with("52;c;") || body.starts_with("9;") || body.starts_with("777;"),
                "an OSC paperboat does not write: {:?}",
                excerpt(bytes, start)
            );
        }
        at = body_start + body_len + terminator_len;
    }
    assert_eq!(opened, closed, "every OSC 8 opened is closed");
}

fn excerpt(bytes: &[u8], at: usize) -> String {
    let to = (at + 120).min(bytes.len());
    String::from_utf8_lossy(&bytes[at..to])
        .escape_debug()
        .to_string()
}
