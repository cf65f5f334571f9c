//! Which links paperboat keeps from a feed and opens or copies for the user: well-formed http(s)
//! URLs with a host, and nothing a terminal, a browser or a reader's eye could be tricked by.
//!
//! Feeds are written by strangers. A `javascript:` or `file:` link opened by the browser runs
//! code or reads local files; a link holding an escape sequence or a bidi override would act on
//! the terminal or show one address while pointing at another. The sources keep only links that
//! pass `is_safe_web_url`, and the reader checks again before it opens or copies one, so an old
//! cache written before a rule was added is covered too.

/// Longest link kept, in bytes: real paper links are far shorter, and a link is shown whole in
/// the detail pane and copied whole to the clipboard.
pub const MAX_LINK_BYTES: usize = 4096;

/// `{base}/{kind}/{id}` on an arXiv site (`kind` is `abs`, `pdf` or `html`): one builder for
/// every arXiv link, so `[sources.arxiv] site_base_url` moves them all (tests use loopback).
pub fn arxiv_site_url(base: &str, kind: &str, id: &str) -> String {
    format!("{}/{kind}/{id}", base.trim_end_matches('/'))
}

/// True for an `http://` or `https://` URL that parses, names a host right after the `//`, has
/// no user name or password (`https://arxiv.org@evil.example/` reads as arXiv but is not), and
/// holds no backslash, whitespace, control, format (bidi, zero-width) or separator character.
pub fn is_safe_web_url(url: &str) -> bool {
    if url.is_empty() || url.len() > MAX_LINK_BYTES || !url.chars().all(is_link_char) {
        return false;
    }
    let Ok(parsed) = reqwest::Url::parse(url) else {
        return false;
    };
    matches!(parsed.scheme(), "http" | "https")
        && parsed.host_str().is_some_and(|host| !host.is_empty())
        && parsed.username().is_empty()
        && parsed.password().is_none()
        && has_web_scheme_prefix(url)
}

/// `url` trimmed, when it is safe to keep (see `is_safe_web_url`).
pub fn safe_web_url(raw: &str) -> Option<String> {
    let url = raw.trim();
    is_safe_web_url(url).then(|| url.to_string())
}

/// The URL must spell its scheme and the host right after it: `Url::parse` would also read
/// `http:example.org` or `https:///example.org` as web links, which no feed means.
fn has_web_scheme_prefix(url: &str) -> bool {
    let bytes = url.as_bytes();
    ["http://", "https://"].iter().any(|scheme| {
        bytes
            .get(..scheme.len())
            .is_some_and(|head| head.eq_ignore_ascii_case(scheme.as_bytes()))
            && bytes.get(scheme.len()).is_some_and(|&first| first != b'/')
    })
}

/// Printable ASCII other than space, or a non-ASCII character that is neither whitespace, a
/// control, nor one of the invisible format characters (bidi marks, embeddings, overrides and
/// isolates, zero-width characters, the BOM, interlinear annotation marks).
fn is_link_char(ch: char) -> bool {
    if ch.is_ascii() {
        // A backslash reads as `/` in browsers: `https://evil.example\@arxiv.org`.
        return ch.is_ascii_graphic() && ch != '\\';
    }
    !(ch.is_whitespace()
        || ch.is_control()
        || matches!(
            ch,
            '\u{ad}'
                | '\u{61c}'
                | '\u{180e}'
                | '\u{200b}'..='\u{200f}'
                | '\u{2028}'..='\u{202e}'
                | '\u{2060}'..='\u{206f}'
                | '\u{feff}'
                | '\u{fff9}'..='\u{fffb}'
                | '\u{e0000}'..='\u{e007f}'
        ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plain_web_links_are_kept() {
        for url in [
            "https://arxiv.org/abs/2504.21318",
            "HTTP://Example.org",
            "http://127.0.0.1:8080/feed.xml?x=1&y=2#top",
            "https://é.example/ünïcode",
            "https://[::1]:443/a",
        ] {
            assert!(is_safe_web_url(url), "{url}");
        }
    }

    #[test]
    fn other_schemes_are_refused() {
        for url in [
            "javascript:alert(1)",
            "JavaScript:alert(document.cookie)",
            "file:///etc/passwd",
            "data:text/html,<script>alert(1)</script>",
            "ftp://x.org/y",
            "vbscript:msgbox",
            "//example.org/protocol-relative",
            "/relative/path",
        ] {
            assert!(!is_safe_web_url(url), "{url}");
        }
    }

    #[test]
    fn malformed_links_are_refused() {
        for url in [
            "",
            "http://",
            "https://",
            "https:///no-host",
            "http:example.org",
            "http:/\\example.org",
            "https://[::1",
            "http://exa mple.org",
            "http://example.org:99999/",
            "https://a b",
            "https://arxiv.org@evil.example/",
            "https://user:pass@x.org/",
            "https://evil.example\\@arxiv.org/",
        ] {
            assert!(!is_safe_web_url(url), "{url:?}");
        }
        assert!(!is_safe_web_url(&format!(
            "https://x.org/{}",
            "a".repeat(MAX_LINK_BYTES)
        )));
    }

    #[test]
    fn links_with_terminal_or_invisible_characters_are_refused() {
        for url in [
            "https://x.org/\u{1b}[2J",
            "https://x.org/\u{1b}]52;c;ZXZpbA==\u{7}",
            "https://x.org/\u{9b}31m",
            "https://x.org/a\tb",
            "https://x.org/a\rb",
            "https://x.org/a\u{8}",
            "https://x.org/\u{202e}fdp.exe",
            "https://x.org/\u{2066}a\u{2069}",
            "https://x\u{200b}.org/",
            "https://x.org/\u{feff}",
        ] {
            assert!(!is_safe_web_url(url), "{url:?}");
        }
    }

    #[test]
    fn arxiv_links_are_built_on_the_configured_site() {
        assert_eq!(
            arxiv_site_url("https://arxiv.org", "abs", "2504.21318"),
            "https://arxiv.org/abs/2504.21318"
        );
        assert_eq!(
            arxiv_site_url("http://127.0.0.1:8080/", "pdf", "2504.21318"),
            "http://127.0.0.1:8080/pdf/2504.21318"
        );
    }

    #[test]
    fn safe_web_url_trims_and_filters() {
        assert_eq!(
            safe_web_url("  https://x.org/a \n"),
            Some("https://x.org/a".to_string())
        );
        assert_eq!(safe_web_url("javascript:alert(1)"), None);
    }
}
