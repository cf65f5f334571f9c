//! The event loop: keys, resize, ticks, signals and sync events in, each through `update`, its
//! effects run, then a draw. Shared by the real terminal and the flow tests (any backend).

use std::collections::VecDeque;
use std::time::{Duration, Instant};

use ratatui::Terminal;
use ratatui::backend::Backend;
use tokio::sync::mpsc;

use super::effects::{EffectRunner, run_in_terminal};
use crate::app::{App, Msg, update};
use crate::clock::Clock;
use crate::keymap::TIMEOUT as KEY_TIMEOUT;
use crate::store::UiThreadGuard;
use crate::ui::{self, Theme};

/// How often the clock ticks while something moves on screen (spinner, pending chord).
const TICK: Duration = Duration::from_millis(100);

/// The loop body, shared by the real terminal and the flow tests: one message through
/// `update`, its effects run (and whatever they answer at once), then a redraw.
pub struct Reader<B: Backend> {
    pub terminal: Terminal<B>,
    pub app: App,
    pub runner: EffectRunner,
    pub theme: Theme,
}

impl<B: Backend> Reader<B>
where
    B::Error: Send + Sync + 'static,
{
    pub fn draw(&mut self) -> anyhow::Result<()> {
        draw_app(
            &mut self.terminal,
            &self.app,
            &self.theme,
            self.runner.hyperlink_out.as_mut(),
        )
    }

    /// Processes one message and everything it causes right away; does not draw.
    pub fn handle(&mut self, msg: Msg) {
        // `update` and the effects' UI-thread part never read or write the store beyond a
        // journal append: the store asserts it in debug builds (the inline runner of the flow
        // tests does its loads right here by design).
        let _ui_thread = (!self.runner.inline).then(UiThreadGuard::enter);
        let mut queue = VecDeque::from([msg]);
        while let Some(msg) = queue.pop_front() {
            // The catalog a load replaces is freed off the UI thread (at 1M papers freeing it
            // took hundreds of ms): a clone shares its parts, and is dropped elsewhere.
            let replaced = matches!(msg, Msg::CatalogLoaded(_)).then(|| self.app.catalog.clone());
            if let Msg::PaperLoaded(_, Some(paper)) = &msg {
                self.runner.remember_paper(paper);
            }
            for effect in update(&mut self.app, msg) {
                self.runner.run(effect, &mut queue);
            }
            if let Some(command) = self.runner.take_foreground() {
                queue.push_back(Msg::Notice(self.run_in_foreground(&command)));
            }
            if let Some(catalog) = replaced {
                self.runner.retire(catalog);
            }
            for layout in self.app.fulltext.take_retired() {
                self.runner.retire(layout);
            }
        }
    }

    /// Gives the terminal to a terminal browser and takes it back: leaves the alternate screen
    /// and raw mode, runs it, re-enters both and redraws everything.
    fn run_in_foreground(&mut self, command: &[String]) -> String {
        if !self.runner.suspend_terminal {
            return run_in_terminal(command);
        }
        crate::terminal::restore();
        let notice = run_in_terminal(command);
        if let Err(error) = crate::terminal::resume() {
            tracing::error!(%error, "cannot take the terminal back");
        }
        // Everything on screen is the browser's now: draw every cell again.
        if let Err(error) = self.terminal.clear() {
            tracing::error!(%error, "cannot clear the terminal");
        }
        notice
    }

    /// Runs the start-up effects (catalog load, first sync, the selected paper's body).
    pub fn start(&mut self) {
        let ui_thread = (!self.runner.inline).then(UiThreadGuard::enter);
        let mut queue = VecDeque::new();
        for effect in self.app.startup_effects() {
            self.runner.run(effect, &mut queue);
        }
        drop(ui_thread);
        while let Some(msg) = queue.pop_front() {
            self.handle(msg);
        }
    }

    /// Runs until the user quits or `inbox` closes. Draws after each burst of messages. A
    /// pending chord or count times out on `clock` (its `monotonic` reading), so a test can
    /// step it; ticks still come every [`TICK`] of real time.
    pub async fn run(
        &mut self,
        inbox: &mut mpsc::UnboundedReceiver<Msg>,
        clock: Clock,
    ) -> anyhow::Result<()> {
        let mut ticker = tokio::time::interval(TICK);
        ticker.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Skip);
        let mut last_key = clock.monotonic();
        let mut last_draw = Instant::now();
        let mut last_minute = clock.now().timestamp() / 60;
        self.draw()?;
        loop {
            let msg = tokio::select! {
                msg = inbox.recv() => match msg {
                    Some(msg) => msg,
                    None => break,
                },
                _ = ticker.tick() => {
                    let since_key = clock.monotonic().saturating_sub(last_key);
                    if self.app.keys.is_pending() && since_key >= KEY_TIMEOUT {
                        Msg::KeyTimeout
                    } else {
                        let now = clock.now();
                        let minute = now.timestamp() / 60;
                        // Redraw on ticks only when something on screen moves: the spinner, a
                        // long message about to fold back to one line, the minute, or a
                        // `mark_read = "select"` timer.
                        if !self.app.sync.running
                            && !self.app.status_wraps()
                            && !self.app.wants_tick()
                            && minute == last_minute
                        {
                            continue;
                        }
                        last_minute = minute;
                        Msg::Tick(now)
                    }
                }
            };
            if matches!(msg, Msg::Key(_)) {
                last_key = clock.monotonic();
                // The clock is read on every key, so that what a key starts (a message shown
                // whole for a few seconds) is timed from now, not from the last tick.
                self.handle(Msg::Tick(clock.now()));
            }
            self.handle(msg);
            if self.app.quit {
                break;
            }
            // A steady stream of sync events must not starve the screen (the spinner stalled
            // for seconds): draw when the inbox is drained, or at least every tick.
            if inbox.is_empty() || last_draw.elapsed() >= TICK {
                self.draw()?;
                last_draw = Instant::now();
            }
        }
        Ok(())
    }
}

/// Draws `app`, then writes its links again as OSC 8 hyperlinks to `hyperlink_out` (see
/// `ui::hyperlink`). The reader's draw, and start-up's first frame before the store is open.
pub(super) fn draw_app<B: Backend>(
    terminal: &mut Terminal<B>,
    app: &App,
    theme: &Theme,
    hyperlink_out: Option<&mut Box<dyn std::io::Write + Send>>,
) -> anyhow::Result<()>
where
    B::Error: Send + Sync + 'static,
{
    let mut links = Vec::new();
    terminal.draw(|frame| links = ui::render_with_links(frame, app, theme))?;
    // After the frame is flushed.
    if let Some(out) = hyperlink_out
        && !links.is_empty()
    {
        let bytes = ui::hyperlink::sequences(&links, theme.link_sgr());
        out.write_all(&bytes)?;
        out.flush()?;
    }
    Ok(())
}
