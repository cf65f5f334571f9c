//! Stdout for headless commands: stops quietly when the reader of the pipe goes away.

use std::io::Write;

/// Stdout that stops quietly when the reader goes away (`paperboat list | head`) instead of
/// panicking the way `println!` does on a closed pipe.
pub(super) struct Output {
    open: bool,
}

impl Output {
    pub(super) fn stdout() -> Output {
        Output { open: true }
    }

    /// Writes text as it is (no newline added); false once stdout is closed.
    pub(super) fn text(&mut self, text: &str) -> bool {
        if self.open {
            let mut stdout = std::io::stdout().lock();
            self.open = stdout
                .write_all(text.as_bytes())
                .and_then(|()| stdout.flush())
                .is_ok();
        }
        self.open
    }

    /// Writes one line; false once stdout is closed.
    pub(super) fn line(&mut self, text: &str) -> bool {
        if self.open {
            let mut stdout = std::io::stdout().lock();
            self.open = writeln!(stdout, "{text}")
                .and_then(|()| stdout.flush())
                .is_ok();
        }
        self.open
    }
}
