//! Stdout for headless commands: stops quietly when the reader of the pipe goes away.

use std::io::Write;

use unicode_width::UnicodeWidthStr;

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

/// `text` followed by spaces up to `width` display columns (CJK and emoji count two), so
/// columns line up whatever the script; longer text is left whole.
pub(super) fn padded(text: &str, width: usize) -> String {
    let mut out = text.to_string();
    out.extend(std::iter::repeat_n(' ', width.saturating_sub(text.width())));
    out
}

/// The widest of `texts`, in display columns.
pub(super) fn column_width<'a>(texts: impl IntoIterator<Item = &'a str>) -> usize {
    texts
        .into_iter()
        .map(UnicodeWidthStr::width)
        .max()
        .unwrap_or(0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn padding_counts_display_columns() {
        assert_eq!(padded("hf", 5), "hf   ");
        assert_eq!(padded("feed:論文", 10), "feed:論文 ");
        assert_eq!(padded("toolong", 3), "toolong");
        assert_eq!(column_width(["hf", "feed:論文", "arxiv"]), 9);
        assert_eq!(column_width([]), 0);
    }
}
