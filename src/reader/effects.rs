//! The effect runner: what `update` asks for, done — store writes (durable before the next
//! key), background loads, the browser, the OSC 52 clipboard, sync commands, exports.

use std::collections::VecDeque;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use anyhow::Context as _;
use base64::Engine as _;
use tokio::sync::mpsc;

use super::loader::spawn_loader;
use crate::app::catalog::full_catalog;
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
    loader: Option<std::sync::mpsc::Sender<()>>,
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
            loader: None,
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
            Effect::OpenUrl(url) => queue.push_back(Msg::Notice(open_url(&self.browser, &url))),
            Effect::Yank(url) => queue.push_back(Msg::Notice(self.yank(&url))),
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
                            format!("exported {count} {papers} to {}", path.display())
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
            match full_catalog(&self.store, true) {
                Ok(catalog) => queue.push_back(Msg::CatalogLoaded(Box::new(catalog))),
                Err(error) => {
                    queue.push_back(Msg::Notice(format!("cannot read the cache: {error}")))
                }
            }
            return;
        }
        let Some(results) = self.results.clone() else {
            return;
        };
        if self.loader.is_none() {
            self.loader = Some(spawn_loader(self.store.clone(), results));
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

    fn yank(&mut self, url: &str) -> String {
        if check_url(url).is_err() {
            return refusal("copy", url);
        }
        // Not crossterm's `CopyToClipboard` (feature `osc52`): it ends the sequence with ST
        // (ESC \) where the reader sends BEL. Both end an OSC, but switching would change the
        // bytes every user's terminal gets (the flow tests pin them).
        let encoded = base64::engine::general_purpose::STANDARD.encode(url);
        let sequence = format!("\x1b]52;c;{encoded}\x07");
        match self
            .clipboard
            .write_all(sequence.as_bytes())
            .and_then(|()| self.clipboard.flush())
        {
            Ok(()) => format!("copied {url}"),
            Err(error) => format!("cannot copy: {error}"),
        }
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

/// Starts the browser on `url` with no shell in between; returns what to tell the user.
fn open_url(browser: &str, url: &str) -> String {
    let url = match check_url(url) {
        Ok(url) => url,
        Err(message) => return message,
    };
    let command = if !browser.trim().is_empty() {
        browser.trim().to_string()
    } else if let Some(from_env) = std::env::var_os("BROWSER").filter(|b| !b.is_empty()) {
        from_env.to_string_lossy().into_owned()
    } else if cfg!(target_os = "macos") {
        "open".to_string()
    } else {
        "xdg-open".to_string()
    };
    // The command may carry fixed arguments ("firefox --new-tab"); split on whitespace, never
    // through a shell, and pass the URL as one argument.
    let mut parts = command.split_whitespace();
    let Some(program) = parts.next() else {
        return "no browser configured".to_string();
    };
    let spawned = Command::new(program)
        .args(parts)
        .arg(url)
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn();
    match spawned {
        Ok(mut child) => {
            // Reap it in the background so no zombie is left.
            std::thread::spawn(move || child.wait());
            format!("opened {url}")
        }
        Err(error) => format!("cannot start {program}: {error} (set ui.browser in the config)"),
    }
}
