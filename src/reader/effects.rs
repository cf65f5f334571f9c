//! The effect runner: what `update` asks for, done — store writes (durable before the next
//! key), background loads, the browser, the OSC 52 clipboard, sync commands, exports.
//!
//! The browser never blocks the UI: a graphical one is started and watched for a few seconds
//! on its own thread (exiting non-zero in that time is a failure, not "opened"); a terminal
//! browser (`w3m`, `lynx`, …) is handed to the reader's loop, which gives it the terminal and
//! takes it back after (see [`EffectRunner::take_foreground`]). With no browser at all (the
//! usual case over SSH) the message says so and points to `y` and the clickable link.

use std::collections::VecDeque;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use anyhow::Context as _;
use base64::Engine as _;
use tokio::sync::mpsc;

use super::loader::{LoadHook, load, spawn_loader};
use crate::app::{Effect, Msg};
use crate::model::{PaperId, UserState};
use crate::store::{Store, StoreError};
use crate::sync::SyncCommand;

/// Runs effects. Store reads that can take long happen on a loader thread (`inline == false`)
/// or right away (`inline == true`, for deterministic flow tests); user-state writes always
/// happen right away, so a star is on disk before the next key is read.
pub struct EffectRunner {
    pub store: Store,
    pub sync_commands: Option<mpsc::Sender<SyncCommand>>,
    /// Results of background work come back here.
    pub results: Option<mpsc::UnboundedSender<Msg>>,
    pub inline: bool,
    /// Where OSC 52 clipboard sequences are written (the terminal).
    pub clipboard: Box<dyn Write + Send>,
    /// The browser command; empty means `$BROWSER`, then the platform opener.
    pub browser: String,
    /// Where `E` writes exports (the current directory by default).
    pub export_dir: PathBuf,
    /// A test seam: see [`LoadHook`]. `None` outside tests.
    pub load_hook: Option<LoadHook>,
    /// Where the detail's links are written again as OSC 8 hyperlinks after each frame (the
    /// terminal); `None` (`[ui] hyperlinks = false`, and the flow tests) writes none.
    pub hyperlink_out: Option<Box<dyn Write + Send>>,
    /// Whether a terminal browser gets the real terminal (the reader leaves the alternate
    /// screen and raw mode while it runs); off in the flow tests, which have no terminal.
    pub suspend_terminal: bool,
    /// A terminal browser to run in the foreground once this burst of effects is done.
    foreground: Option<Vec<String>>,
    loader: Option<std::sync::mpsc::Sender<()>>,
    /// The inline runner's last catalog, refreshed by the next load (the loader thread keeps
    /// its own).
    inline_catalog: Option<crate::app::Catalog>,
}

impl EffectRunner {
    pub fn new(store: Store, inline: bool, clipboard: Box<dyn Write + Send>) -> EffectRunner {
        EffectRunner {
            store,
            sync_commands: None,
            results: None,
            inline,
            clipboard,
            browser: String::new(),
            export_dir: std::env::current_dir().unwrap_or_else(|_| PathBuf::from(".")),
            load_hook: None,
            hyperlink_out: None,
            suspend_terminal: false,
            foreground: None,
            loader: None,
            inline_catalog: None,
        }
    }

    /// Runs one effect; messages it produces at once go to `queue`.
    pub fn run(&mut self, effect: Effect, queue: &mut VecDeque<Msg>) {
        match effect {
            Effect::LoadCatalog => self.load_catalog(queue),
            Effect::LoadPaper(id) => self.load_paper(id, queue),
            Effect::SaveUserState {
                id,
                state,
                previous,
            } => {
                if let Err(error) = save_user_state(&self.store, &id, &state, &previous) {
                    tracing::error!(%id, %error, "user state not saved");
                    queue.push_back(Msg::UserStateFailed {
                        id,
                        previous,
                        error: error.to_string(),
                    });
                }
            }
            Effect::SaveReadMany { ids, read, at } => {
                if let Err(error) = self.store.set_read_many(&ids, read, at) {
                    tracing::error!(%error, papers = ids.len(), "read flags not saved");
                    queue.push_back(Msg::ReadManyFailed(error.to_string()));
                }
            }
            Effect::SaveReaderState(state) => {
                if let Err(error) = self.store.set_reader_state(&state) {
                    tracing::warn!(%error, "reader state not remembered");
                }
            }
            Effect::Notify(sequence) => {
                // Built by `app::notify` from the view's name and a count only.
                let _ = self
                    .clipboard
                    .write_all(sequence.as_bytes())
                    .and_then(|()| self.clipboard.flush());
            }
            Effect::OpenUrl(url) => self.open_url(&url, queue),
            Effect::Yank(url) => queue.push_back(Msg::Notice(self.yank(&url))),
            Effect::YankBibtex { id, day } => {
                let notice = match crate::export::load(&self.store, &[(id.clone(), day)]) {
                    Ok(items) if !items.is_empty() => {
                        let entry =
                            crate::export::render(crate::export::ExportFormat::Bibtex, &items);
                        match self.copy(&entry) {
                            Ok(()) => format!("copied the BibTeX entry of {id}"),
                            Err(error) => format!("cannot copy: {error}"),
                        }
                    }
                    Ok(_) => format!("no record of {id} to make BibTeX from"),
                    Err(error) => format!("cannot read {id}: {error}"),
                };
                queue.push_back(Msg::Notice(notice));
            }
            Effect::Sync(command) => {
                if let Some(commands) = &self.sync_commands
                    && commands.try_send(command).is_err()
                {
                    queue.push_back(Msg::Notice("a sync is already queued".to_string()));
                }
            }
            Effect::RankForYou(job) => {
                if self.inline {
                    queue.push_back(job.run());
                } else if let Some(results) = self.results.clone() {
                    tokio::task::spawn_blocking(move || {
                        let _ = results.send(job.run());
                    });
                }
            }
            Effect::Export {
                papers,
                format,
                file_name,
            } => {
                let notice =
                    match export_to(&self.store, &papers, format, &self.export_dir, &file_name) {
                        Ok((count, path)) => {
                            let papers = if count == 1 { "paper" } else { "papers" };
                            let home = crate::config::home_dir();
                            let shown = crate::config::display_home(&path, home.as_deref());
                            format!("exported {count} {papers} to {shown}")
                        }
                        Err(error) => format!("export failed: {error}"),
                    };
                queue.push_back(Msg::Notice(notice));
            }
            Effect::Quit => {}
        }
    }

    fn load_catalog(&mut self, queue: &mut VecDeque<Msg>) {
        if self.inline {
            let last = &mut self.inline_catalog;
            load(&self.store, last, false, &mut |msg| {
                queue.push_back(msg);
                true
            });
            return;
        }
        let Some(results) = self.results.clone() else {
            return;
        };
        if self.loader.is_none() {
            self.loader = Some(spawn_loader(
                self.store.clone(),
                results,
                self.load_hook.clone(),
            ));
        }
        if let Some(loader) = &self.loader {
            let _ = loader.send(());
        }
    }

    fn load_paper(&mut self, id: PaperId, queue: &mut VecDeque<Msg>) {
        if self.inline {
            let paper = self.store.paper(&id).ok().flatten().map(Box::new);
            queue.push_back(Msg::PaperLoaded(id, paper));
            return;
        }
        let Some(results) = self.results.clone() else {
            return;
        };
        let store = self.store.clone();
        tokio::task::spawn_blocking(move || {
            let paper = match store.paper(&id) {
                Ok(paper) => paper.map(Box::new),
                Err(error) => {
                    tracing::warn!(%id, %error, "cannot load paper");
                    None
                }
            };
            let _ = results.send(Msg::PaperLoaded(id, paper));
        });
    }

    /// Frees a catalog the app no longer shows on a blocking thread (inline: here).
    pub fn retire(&self, catalog: crate::app::Catalog) {
        if self.inline {
            return drop(catalog);
        }
        tokio::task::spawn_blocking(move || drop(catalog));
    }

    fn yank(&mut self, url: &str) -> String {
        if check_url(url).is_err() {
            return refusal("copy", url);
        }
        // Not crossterm's `CopyToClipboard` (feature `osc52`): it ends the sequence with ST
        // (ESC \) where the reader sends BEL. Both end an OSC, but switching would change the
        // bytes every user's terminal gets (the flow tests pin them).
        match self.copy(url) {
            Ok(()) => format!("copied {url}"),
            Err(error) => format!("cannot copy: {error}"),
        }
    }

    /// Writes `text` to the clipboard with OSC 52; base64, so no byte of it reaches the
    /// terminal as itself.
    fn copy(&mut self, text: &str) -> std::io::Result<()> {
        let encoded = base64::engine::general_purpose::STANDARD.encode(text);
        let sequence = format!("\x1b]52;c;{encoded}\x07");
        self.clipboard
            .write_all(sequence.as_bytes())
            .and_then(|()| self.clipboard.flush())
    }
}

/// Writes an export next to any earlier one (never over it); returns the count and the path.
fn export_to(
    store: &Store,
    papers: &[(PaperId, chrono::NaiveDate)],
    format: crate::export::ExportFormat,
    dir: &Path,
    file_name: &str,
) -> anyhow::Result<(usize, PathBuf)> {
    let items = crate::export::load(store, papers)?;
    let text = crate::export::render(format, &items);
    let mut path = dir.join(file_name);
    let (stem, extension) = file_name.rsplit_once('.').unwrap_or((file_name, ""));
    let mut n = 2;
    while path.exists() {
        path = dir.join(format!("{stem}-{n}.{extension}"));
        n += 1;
    }
    std::fs::write(&path, text).with_context(|| format!("cannot write {}", path.display()))?;
    Ok((items.len(), path))
}

fn save_user_state(
    store: &Store,
    id: &PaperId,
    state: &UserState,
    previous: &UserState,
) -> Result<(), StoreError> {
    if state.starred_at != previous.starred_at {
        let at = state.starred_at.unwrap_or_else(chrono::Utc::now);
        store.set_starred(id, state.starred_at.is_some(), at)?;
    }
    if state.read != previous.read {
        store.set_read(id, state.read)?;
    }
    if state.note != previous.note {
        store.set_note(id, state.note.clone())?;
    }
    Ok(())
}

/// Refuses anything but well-formed http(s) links (`crate::link`): a feed could carry
/// `javascript:`, `file:` or malformed URLs, and the cache may predate a source's checks.
pub fn check_url(url: &str) -> Result<&str, String> {
    if crate::link::is_safe_web_url(url) {
        Ok(url)
    } else {
        Err(refusal("open", url))
    }
}

/// Says why a link is not opened or copied; the link is shown sanitised and cut, since it
/// is the feed's text and may carry escape sequences.
fn refusal(verb: &str, url: &str) -> String {
    format!(
        "refused to {verb} {}: not a well-formed http(s) link",
        crate::text::fit(&crate::text::sanitize_line(url), 60)
    )
}

/// Terminal browsers: they need the terminal, so the reader steps aside while they run.
const TERMINAL_BROWSERS: &[&str] = &[
    "w3m",
    "lynx",
    "links",
    "links2",
    "elinks",
    "browsh",
    "carbonyl",
    "www-browser",
];

/// How long a started browser is watched: exiting non-zero within this is a failure.
const BROWSER_WATCH: Duration = Duration::from_secs(3);

/// What to say when no browser can be started.
const NO_BROWSER_HINT: &str = "press y to copy the link, or click it in the detail";

/// The browser command to use, split into words (no shell): `[ui] browser`, else the first
/// entry of `$BROWSER`, else the platform opener; `None` when there is none to try (Linux
/// with no display and no `$BROWSER`: an SSH session).
fn browser_command(configured: &str) -> Option<Vec<String>> {
    let from_env = std::env::var("BROWSER").ok();
    let chosen = if !configured.trim().is_empty() {
        configured.trim().to_string()
    } else if let Some(first) = from_env
        .as_deref()
        .and_then(|b| b.split(':').map(str::trim).find(|b| !b.is_empty()))
    {
        first.to_string()
    } else if cfg!(target_os = "macos") {
        "open".to_string()
    } else if std::env::var_os("DISPLAY").is_some_and(|d| !d.is_empty())
        || std::env::var_os("WAYLAND_DISPLAY").is_some_and(|d| !d.is_empty())
    {
        "xdg-open".to_string()
    } else {
        return None;
    };
    let words: Vec<String> = chosen.split_whitespace().map(str::to_string).collect();
    (!words.is_empty()).then_some(words)
}

/// Whether `command` is a browser that runs in the terminal.
pub fn is_terminal_browser(command: &[String]) -> bool {
    command.first().is_some_and(|program| {
        let name = Path::new(program)
            .file_name()
            .map_or(program.as_str(), |n| n.to_str().unwrap_or(program));
        TERMINAL_BROWSERS.contains(&name)
    })
}

impl EffectRunner {
    /// Starts the browser on `url`, never through a shell and never blocking the UI thread.
    fn open_url(&mut self, url: &str, queue: &mut VecDeque<Msg>) {
        let url = match check_url(url) {
            Ok(url) => url.to_string(),
            Err(message) => return queue.push_back(Msg::Notice(message)),
        };
        let Some(mut command) = browser_command(&self.browser) else {
            return queue.push_back(Msg::Notice(format!(
                "no browser here (usual over SSH): {NO_BROWSER_HINT}"
            )));
        };
        command.push(url.clone());
        if is_terminal_browser(&command) {
            self.foreground = Some(command);
            return;
        }
        if self.inline {
            queue.push_back(Msg::Notice(start_browser(&command, &url)));
            return;
        }
        queue.push_back(Msg::Notice(format!("opening {url}…")));
        if let Some(results) = self.results.clone() {
            std::thread::spawn(move || {
                let _ = results.send(Msg::Notice(start_browser(&command, &url)));
            });
        }
    }

    /// A terminal browser waiting for the terminal, taken once: the reader suspends itself,
    /// runs it (see [`run_in_terminal`]) and restores the screen.
    pub fn take_foreground(&mut self) -> Option<Vec<String>> {
        self.foreground.take()
    }
}

/// Starts a graphical browser (`command` ends with the URL) and watches it for a few
/// seconds; returns what to tell the user.
fn start_browser(command: &[String], url: &str) -> String {
    let Some((program, args)) = command.split_first() else {
        return format!("no browser configured: {NO_BROWSER_HINT}");
    };
    let spawned = Command::new(program)
        .args(args)
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn();
    let mut child = match spawned {
        Ok(child) => child,
        Err(error) if error.kind() == std::io::ErrorKind::NotFound => {
            return format!("no browser: {program} not found; {NO_BROWSER_HINT}");
        }
        Err(error) => return format!("cannot start {program}: {error}; {NO_BROWSER_HINT}"),
    };
    let started = Instant::now();
    loop {
        match child.try_wait() {
            Ok(Some(status)) if status.success() => return format!("opened {url}"),
            Ok(Some(status)) => {
                return format!("{program} failed ({status}); {NO_BROWSER_HINT}");
            }
            Ok(None) if started.elapsed() >= BROWSER_WATCH => {
                // Still running (a browser window): reap it in the background.
                std::thread::spawn(move || child.wait());
                return format!("opened {url}");
            }
            Ok(None) => std::thread::sleep(Duration::from_millis(20)),
            Err(error) => return format!("cannot watch {program}: {error}"),
        }
    }
}

/// Runs a terminal browser with the terminal's own input and output, waiting for it; the
/// caller has left the alternate screen and raw mode. Returns what to tell the user.
pub fn run_in_terminal(command: &[String]) -> String {
    let Some((program, args)) = command.split_first() else {
        return "no browser configured".to_string();
    };
    match Command::new(program).args(args).status() {
        Ok(status) if status.success() => format!("back from {program}"),
        Ok(status) => format!("{program} failed ({status}); {NO_BROWSER_HINT}"),
        Err(error) if error.kind() == std::io::ErrorKind::NotFound => {
            format!("no browser: {program} not found; {NO_BROWSER_HINT}")
        }
        Err(error) => format!("cannot start {program}: {error}; {NO_BROWSER_HINT}"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn words(command: &str) -> Vec<String> {
        command.split_whitespace().map(str::to_string).collect()
    }

    #[test]
    fn terminal_browsers_are_recognised_by_program_name() {
        assert!(is_terminal_browser(&words("w3m https://a.org")));
        assert!(is_terminal_browser(&words(
            "/usr/bin/lynx -accept_all_cookies"
        )));
        assert!(!is_terminal_browser(&words("firefox --new-tab")));
        assert!(!is_terminal_browser(&[]));
    }

    #[test]
    fn a_browser_that_fails_at_once_is_a_failure_not_opened() {
        let message = start_browser(&words("false https://a.org"), "https://a.org");
        assert!(message.starts_with("false failed"), "{message}");
        assert!(message.contains("press y"), "{message}");
        let message = start_browser(&words("true https://a.org"), "https://a.org");
        assert_eq!(message, "opened https://a.org");
    }

    #[test]
    fn a_missing_browser_says_so_and_suggests_copying() {
        let message = start_browser(
            &words("paperboat-no-such-browser https://a.org"),
            "https://a.org",
        );
        assert!(message.starts_with("no browser: paperboat-no-such-browser not found"));
        assert!(message.contains("press y to copy the link, or click it"));
    }

    #[test]
    fn the_configured_browser_wins_and_is_split_into_words() {
        assert_eq!(
            browser_command("firefox --new-tab"),
            Some(words("firefox --new-tab"))
        );
    }
}
