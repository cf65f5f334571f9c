//! The terminal guard: raw mode and the alternate screen, restored on quit, on error, on panic
//! and on SIGTERM/SIGHUP (the runtime turns those into a quit), so a user is never left with a
//! broken shell; and the frame writer, which hands the terminal each frame whole. Imports
//! nothing from the crate.

use std::io::{self, Write};
use std::sync::Once;

use crossterm::execute;
use crossterm::terminal::{LeaveAlternateScreen, disable_raw_mode};
use ratatui::Terminal;
use ratatui::backend::{Backend, ClearType, CrosstermBackend};

/// The reader's terminal: ratatui over crossterm, writing through a [`FrameWriter`].
pub type ReaderTerminal = Terminal<CrosstermBackend<FrameWriter<io::Stdout>>>;

/// Begin and end of a synchronized update (DEC private mode 2026): a terminal that knows the
/// mode shows what comes between at once; one that does not ignores both, as it does any
/// private mode it does not know.
const BEGIN_FRAME: &[u8] = b"\x1b[?2026h";
const END_FRAME: &[u8] = b"\x1b[?2026l";

/// Collects what ratatui writes for a frame and sends it on each flush as one write, wrapped
/// in a synchronized update. Standard output alone is line-buffered (1 KiB): a frame left the
/// process in many small writes, and over SSH or in tmux the screen could show a frame half
/// drawn (the top of the new one over the bottom of the old).
pub struct FrameWriter<W: Write> {
    out: W,
    frame: Vec<u8>,
}

impl<W: Write> FrameWriter<W> {
    pub fn new(out: W) -> FrameWriter<W> {
        FrameWriter {
            out,
            frame: Vec::with_capacity(16 * 1024),
        }
    }
}

impl<W: Write> Write for FrameWriter<W> {
    fn write(&mut self, bytes: &[u8]) -> io::Result<usize> {
        if self.frame.is_empty() {
            self.frame.extend_from_slice(BEGIN_FRAME);
        }
        self.frame.extend_from_slice(bytes);
        Ok(bytes.len())
    }

    fn flush(&mut self) -> io::Result<()> {
        if !self.frame.is_empty() {
            self.frame.extend_from_slice(END_FRAME);
            let written = self.out.write_all(&self.frame);
            // Cleared whatever happened: a failed write must not send the frame twice.
            self.frame.clear();
            written?;
        }
        self.out.flush()
    }
}

/// Restores the terminal when dropped, so an early return or error leaves a usable shell.
pub struct RestoreGuard;

impl Drop for RestoreGuard {
    fn drop(&mut self) {
        restore();
    }
}

/// Enters raw mode and the alternate screen, and makes sure a panic restores them first. A
/// failed set-up restores what it had changed.
///
/// The screen is cleared through the backend, not `Terminal::clear`: that one first asks the
/// terminal where its cursor is (`ESC [ 6n`) and blocks until the answer comes back, a round
/// trip through tmux or SSH before the first frame, for a position a fresh full-screen
/// terminal never uses (its buffers are blank already).
pub fn enter() -> io::Result<ReaderTerminal> {
    install_panic_hook();
    let mut terminal = set_up().inspect_err(|_| restore())?;
    terminal.hide_cursor()?;
    let backend = terminal.backend_mut();
    backend.clear_region(ClearType::All)?;
    Backend::flush(backend)?;
    Ok(terminal)
}

fn set_up() -> io::Result<ReaderTerminal> {
    crossterm::terminal::enable_raw_mode()?;
    execute!(io::stdout(), crossterm::terminal::EnterAlternateScreen)?;
    Terminal::new(CrosstermBackend::new(FrameWriter::new(io::stdout())))
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

#[cfg(test)]
mod tests {
    use std::sync::{Arc, Mutex};

    use super::*;

    /// Records each write it is given, in a list the test keeps a handle on.
    #[derive(Clone, Default)]
    struct Writes(Arc<Mutex<Vec<Vec<u8>>>>);

    impl Writes {
        fn taken(&self) -> Vec<Vec<u8>> {
            self.0.lock().unwrap().clone()
        }
    }

    impl Write for Writes {
        fn write(&mut self, bytes: &[u8]) -> io::Result<usize> {
            self.0.lock().unwrap().push(bytes.to_vec());
            Ok(bytes.len())
        }

        fn flush(&mut self) -> io::Result<()> {
            Ok(())
        }
    }

    #[test]
    fn a_frame_leaves_in_one_write_inside_a_synchronized_update() {
        let writes = Writes::default();
        let mut writer = FrameWriter::new(writes.clone());
        writer.write_all(b"\x1b[1;1Htop").unwrap();
        writer.write_all(b"\x1b[24;1Hbottom").unwrap();
        assert!(writes.taken().is_empty(), "nothing leaves before the flush");
        writer.flush().unwrap();
        assert_eq!(
            writes.taken(),
            vec![b"\x1b[?2026h\x1b[1;1Htop\x1b[24;1Hbottom\x1b[?2026l".to_vec()]
        );
        // An empty flush (ratatui flushes again after the cursor) sends nothing.
        writer.flush().unwrap();
        assert_eq!(writes.taken().len(), 1);
    }

    #[test]
    fn a_whole_ratatui_frame_is_one_write() {
        use ratatui::widgets::{Paragraph, Wrap};
        let writes = Writes::default();
        let backend = CrosstermBackend::new(FrameWriter::new(writes.clone()));
        let viewport = ratatui::Viewport::Fixed(ratatui::layout::Rect::new(0, 0, 80, 24));
        let mut terminal =
            Terminal::with_options(backend, ratatui::TerminalOptions { viewport }).unwrap();
        terminal
            .draw(|frame| {
                let text = "paperboat ".repeat(200);
                let paragraph = Paragraph::new(text).wrap(Wrap { trim: false });
                frame.render_widget(paragraph, frame.area());
            })
            .unwrap();
        let writes = writes.taken();
        assert_eq!(writes.len(), 1, "one write for the frame: {writes:?}");
        assert!(writes[0].starts_with(BEGIN_FRAME) && writes[0].ends_with(END_FRAME));
        assert!(
            writes[0].len() > 2_000,
            "the whole frame: {} bytes",
            writes[0].len()
        );
    }
}
