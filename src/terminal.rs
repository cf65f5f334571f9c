//! The terminal guard: raw mode and the alternate screen, restored on quit, on error, on panic
//! and on SIGTERM/SIGHUP (the runtime turns those into a quit), so a user is never left with a
//! broken shell. Imports nothing from the crate.

use std::io;
use std::sync::Once;

use crossterm::execute;
use crossterm::terminal::{LeaveAlternateScreen, disable_raw_mode};
use ratatui::DefaultTerminal;
use ratatui::backend::{Backend, ClearType};

/// Restores the terminal when dropped, so an early return or error leaves a usable shell.
pub struct RestoreGuard;

impl Drop for RestoreGuard {
    fn drop(&mut self) {
        restore();
    }
}

/// Enters raw mode and the alternate screen through `ratatui::try_init`, and makes sure a panic
/// restores them first. Our hook goes in before ratatui's (which then wraps it), so a panic runs
/// ratatui's restore and then ours, which also shows the cursor. A failed set-up restores what
/// it had changed (ratatui's leaves raw mode on when the alternate screen cannot be entered).
///
/// The screen is cleared through the backend, not `Terminal::clear`: that one first asks the
/// terminal where its cursor is (`ESC [ 6n`) and blocks until the answer comes back, a round
/// trip through tmux or SSH before the first frame, for a position a fresh full-screen
/// terminal never uses (its buffers are blank already).
pub fn enter() -> io::Result<DefaultTerminal> {
    install_panic_hook();
    let mut terminal = ratatui::try_init().inspect_err(|_| restore())?;
    terminal.hide_cursor()?;
    let backend = terminal.backend_mut();
    backend.clear_region(ClearType::All)?;
    backend.flush()?;
    Ok(terminal)
}

/// Leaves the alternate screen and raw mode and shows the cursor. Safe to call twice.
///
/// Not `ratatui::restore`: that one leaves the cursor hidden (the reader's `Terminal` is never
/// dropped, so nothing else shows it), skips leaving the alternate screen when raw mode cannot
/// be turned off, and prints to stderr, which may be the dead terminal being cleaned up after.
pub fn restore() {
    let _ = disable_raw_mode();
    let _ = execute!(io::stdout(), LeaveAlternateScreen, crossterm::cursor::Show);
}

/// Takes the terminal back after [`restore`] (a terminal browser ran): raw mode, the
/// alternate screen, the cursor hidden.
pub fn resume() -> io::Result<()> {
    crossterm::terminal::enable_raw_mode()?;
    execute!(
        io::stdout(),
        crossterm::terminal::EnterAlternateScreen,
        crossterm::cursor::Hide
    )
}

fn install_panic_hook() {
    static HOOK: Once = Once::new();
    HOOK.call_once(|| {
        let previous = std::panic::take_hook();
        std::panic::set_hook(Box::new(move |info| {
            // Restore first, so the panic message lands on a normal screen.
            restore();
            previous(info);
        }));
    });
}
