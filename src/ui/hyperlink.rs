//! OSC 8 hyperlinks for the links in the detail pane, so they are clickable in the user's own
//! terminal, also over SSH.
//!
//! ratatui's cells hold only a symbol and a style; a cell cannot carry a link, and an escape
//! sequence put into a `Span` is counted as visible width (and its ESC dropped). So the detail
//! pane reports where each link's text landed (a [`LinkRun`] per screen line), and after the
//! frame is flushed the reader writes those runs again, the same text in the same style, inside
//! `ESC ] 8 ; ; URL ESC \` … `ESC ] 8 ; ; ESC \`. This is safe with ratatui's diffing: its
//! crossterm backend positions the cursor itself at the start of every draw and resets the
//! style at its end, so nothing it tracks is disturbed; and since the runs are rewritten after
//! every frame, a cell ratatui redraws (which drops the link) gets it back at once, and a cell
//! whose text stayed the same while the link changed never keeps the old target.
//!
//! The URL is checked again (`link::is_safe_web_url`) and percent-encoded to printable ASCII.
//! In the detail the visible text is that same encoded URL, so what the user sees is where the
//! link goes; in a full text a link's words ("the code") may be the text, but words that look
//! like an address must be part of the address they open (`ui::fulltext`).
//! Every opened sequence is closed on the same line. Terminals without OSC 8 ignore it.

use std::fmt::Write as _;

/// One screen line of a link's visible text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LinkRun {
    pub x: u16,
    pub y: u16,
    /// The text shown in these cells (a part of the encoded URL), printable ASCII.
    pub text: String,
    /// The encoded URL it points to.
    pub url: String,
}

/// `url` with every byte outside printable ASCII, and the characters that are not allowed
/// literally in a URL, percent-encoded. Already encoded `%XX` is kept as it is.
pub fn encode_url(url: &str) -> String {
    let mut out = String::with_capacity(url.len());
    for byte in url.bytes() {
        let keep = byte.is_ascii_graphic()
            && !matches!(
                byte,
                b'"' | b'<' | b'>' | b'\\' | b'^' | b'`' | b'{' | b'|' | b'}'
            );
        if keep {
            out.push(char::from(byte));
        } else {
            let _ = write!(out, "%{byte:02X}");
        }
    }
    out
}

/// The bytes that draw `runs` again as hyperlinks in `style_sgr` (an SGR parameter list such as
/// `"34;4"`, or empty for none): per run, move the cursor, set the style, open the link, the
/// text, close the link, reset the style. Runs whose URL fails the link check or whose text is
/// not printable ASCII (spaces allowed) are skipped (they stay plain text on screen).
pub fn sequences(runs: &[LinkRun], style_sgr: &str) -> Vec<u8> {
    let mut out = String::new();
    for run in runs {
        let printable = run.text.bytes().any(|b| b.is_ascii_graphic())
            && run.text.bytes().all(|b| b == b' ' || b.is_ascii_graphic());
        let url_ok =
            run.url.bytes().all(|b| b.is_ascii_graphic()) && crate::link::is_safe_web_url(&run.url);
        if !printable || !url_ok {
            continue;
        }
        // CUP is 1-based.
        let _ = write!(
            out,
            "\x1b[{};{}H",
            u32::from(run.y) + 1,
            u32::from(run.x) + 1
        );
        if !style_sgr.is_empty() {
            let _ = write!(out, "\x1b[{style_sgr}m");
        }
        let _ = write!(out, "\x1b]8;;{}\x1b\\{}\x1b]8;;\x1b\\", run.url, run.text);
        out.push_str("\x1b[0m");
    }
    out.into_bytes()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls_are_encoded_to_printable_ascii() {
        assert_eq!(
            encode_url("https://arxiv.org/abs/2504.21318"),
            "https://arxiv.org/abs/2504.21318"
        );
        assert_eq!(
            encode_url("https://example.org/論文?q=a b|c"),
            "https://example.org/%E8%AB%96%E6%96%87?q=a%20b%7Cc"
        );
        assert_eq!(encode_url("https://a.org/x%20y"), "https://a.org/x%20y");
        assert_eq!(encode_url("https://a.org/\x1b]"), "https://a.org/%1B]");
    }

    #[test]
    fn each_run_is_opened_and_closed_at_its_place() {
        let runs = vec![LinkRun {
            x: 4,
            y: 9,
            text: "https://a.org/x".into(),
            url: "https://a.org/x".into(),
        }];
        let bytes = String::from_utf8(sequences(&runs, "34;4")).unwrap();
        assert_eq!(
            bytes,
            "\x1b[10;5H\x1b[34;4m\x1b]8;;https://a.org/x\x1b\\https://a.org/x\x1b]8;;\x1b\\\x1b[0m"
        );
    }

    #[test]
    fn link_words_with_spaces_are_written() {
        let runs = vec![LinkRun {
            x: 0,
            y: 0,
            text: "the code".into(),
            url: "https://a.org/x".into(),
        }];
        let bytes = String::from_utf8(sequences(&runs, "")).unwrap();
        assert_eq!(
            bytes,
            "\x1b[1;1H\x1b]8;;https://a.org/x\x1b\\the code\x1b]8;;\x1b\\\x1b[0m"
        );
    }

    #[test]
    fn unsafe_or_unprintable_runs_are_skipped() {
        let run = |text: &str, url: &str| LinkRun {
            x: 0,
            y: 0,
            text: text.into(),
            url: url.into(),
        };
        let runs = vec![
            run("javascript:alert(1)", "javascript:alert(1)"),
            run("https://a.org/\x1b", "https://a.org/"),
            run("x", "https://a.org/\x07"),
            run("", "https://a.org/"),
            run("   ", "https://a.org/"),
        ];
        assert!(sequences(&runs, "").is_empty());
    }
}
