//! The event loop: keys, resize, ticks, signals and sync events in, each through `update`, its
//! effects run, then a draw. Shared by the real terminal and the flow tests (any backend).

use std::collections::VecDeque;
use std::time::{Duration, Instant};

use ratatui::Terminal;
use ratatui::backend::Backend;
use tokio::sync::mpsc;

use super::effects::EffectRunner;
use crate::app::{App, Msg, update};
use crate::clock::Clock;
use crate::keymap::TIMEOUT as KEY_TIMEOUT;
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
        let (app, theme) = (&self.app, &self.theme);
        self.terminal.draw(|frame| ui::render(frame, app, theme))?;
        Ok(())
    }

    /// Processes one message and everything it causes right away; does not draw.
    pub fn handle(&mut self, msg: Msg) {
        let mut queue = VecDeque::from([msg]);
        while let Some(msg) = queue.pop_front() {
            for effect in update(&mut self.app, msg) {
                self.runner.run(effect, &mut queue);
            }
        }
    }

    /// Runs the start-up effects (catalog load, first sync, the selected paper's body).
    pub fn start(&mut self) {
        let mut queue = VecDeque::new();
        for effect in self.app.startup_effects() {
            self.runner.run(effect, &mut queue);
        }
        while let Some(msg) = queue.pop_front() {
            self.handle(msg);
        }
    }

    /// Runs until the user quits or `inbox` closes. Draws after each burst of messages.
    pub async fn run(
        &mut self,
        inbox: &mut mpsc::UnboundedReceiver<Msg>,
        clock: Clock,
    ) -> anyhow::Result<()> {
        let mut ticker = tokio::time::interval(TICK);
        ticker.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Skip);
        let mut last_key = Instant::now();
        let mut last_minute = clock.now().timestamp() / 60;
        self.draw()?;
        loop {
            let msg = tokio::select! {
                msg = inbox.recv() => match msg {
                    Some(msg) => msg,
                    None => break,
                },
                _ = ticker.tick() => {
                    if self.app.keys.is_pending() && last_key.elapsed() >= KEY_TIMEOUT {
                        Msg::KeyTimeout
                    } else {
                        let now = clock.now();
                        let minute = now.timestamp() / 60;
                        // Redraw on ticks only when something on screen moves.
                        if !self.app.sync.running && minute == last_minute {
                            continue;
                        }
                        last_minute = minute;
                        Msg::Tick(now)
                    }
                }
            };
            if matches!(msg, Msg::Key(_)) {
                last_key = Instant::now();
            }
            self.handle(msg);
            if self.app.quit {
                break;
            }
            if inbox.is_empty() {
                self.draw()?;
            }
        }
        Ok(())
    }
}
