//! Text normalisation applied once at ingest: entities and tags decoded, hard wraps unwrapped,
//! whitespace collapsed, terminal control and bidi characters removed, light LaTeX made readable;
//! plus arXiv id recognition and the stable hash behind source-scoped ids.
//!
//! One normalisation pass runs four linear stages: HTML (entities, tags), control removal,
//! LaTeX, layout (whitespace, paragraphs, length cap). A stage can expose text that an earlier
//! stage would have changed (`\$x\$` becomes `$x$`), so the pass is repeated until its output
//! is stable, at most `MAX_PASSES` times; plain output ends the loop after a cheap byte scan.

mod controls;
mod html;
mod latex;
mod latex_symbols;
mod layout;
#[cfg(test)]
pub(crate) mod test_strategies;

use std::borrow::Cow;

use controls::{is_removed_char, strip_controls};
use html::decode_html;
use latex::render_latex;
use layout::{Layout, lay_out};

pub use layout::fit;

/// Passes over text that keeps changing (nested escapes); real feed text settles in two.
const MAX_PASSES: usize = 4;

/// Paragraph break emitted by the HTML stage (`<p>`, `<div>`, …) and honoured by the layout.
const PARAGRAPH_MARK: char = '\u{2029}';
/// Line break emitted by the HTML stage for `<br>`: two in a row make a paragraph.
const LINE_MARK: char = '\u{2028}';

/// Normalises one line of feed text (titles, author names): entities and tags decoded,
/// whitespace collapsed, control and bidi characters removed, light LaTeX turned to text.
pub fn normalize_line(raw: &str) -> String {
    normalize(raw, Layout::Line)
}

/// Normalises a block of feed text (abstracts, summaries): like `normalize_line`, but keeps
/// paragraph breaks as a single `\n\n`. A paragraph starts at a blank line, at `<p>` or
/// `<br><br>`, or at a newline followed by two or more spaces (how the arXiv API marks
/// paragraphs); a single newline is a hard wrap and becomes a space.
pub fn normalize_block(raw: &str) -> String {
    normalize(raw, Layout::Block)
}

/// Removes terminal control, bidi and zero-width characters and collapses whitespace,
/// without decoding anything: for text that is not feed markup (error messages, ids).
pub fn sanitize_line(raw: &str) -> String {
    let cleaned = strip_controls(raw);
    lay_out(&cleaned, Layout::Line, usize::MAX)
}

/// Recognises `text` (trimmed) as exactly one arXiv id and returns it without version.
///
/// Accepted: `2504.21318`, `0704.0001v2`, `hep-th/9901001`, `math.GT/0309136`, each optionally
/// prefixed by `arXiv:` (any case) or `oai:arXiv.org:`, or inside an
/// `http(s)://(www.|export.)arxiv.org/abs/…` or `/pdf/…(.pdf)` URL or an
/// `https://huggingface.co/papers/…` URL (query and fragment ignored). Old-style ids come back
/// in arXiv's canonical form without the subject class (`math.GT/0309136` → `math/0309136`).
/// Prose that merely contains an id gives `None`.
pub fn parse_arxiv_id(text: &str) -> Option<String> {
    let candidate = strip_id_wrapper(text.trim())?;
    parse_new_style_id(candidate).or_else(|| parse_old_style_id(candidate))
}

/// A stable 64-bit FNV-1a hash: the same input gives the same id on every machine and run.
pub fn stable_hash(text: &str) -> u64 {
    let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
    for byte in text.as_bytes() {
        hash ^= u64::from(*byte);
        hash = hash.wrapping_mul(0x0000_0100_0000_01b3);
    }
    hash
}

// ---------------------------------------------------------------------------------------------
// The pass and its fixpoint
// ---------------------------------------------------------------------------------------------

fn normalize(raw: &str, layout: Layout) -> String {
    if is_plain(raw) {
        // Laying out plain text gives plain text (or a cut ending in `…`): already stable.
        return lay_out(raw, layout, layout.max_chars());
    }
    normalize_by_passes(raw, layout)
}

/// The passes to their fixpoint, without the plain-text shortcut.
fn normalize_by_passes(raw: &str, layout: Layout) -> String {
    let mut current = normalize_pass(raw, layout);
    for _ in 1..MAX_PASSES {
        // A pass's output is control-free and laid out; without markup left, another pass
        // would change nothing.
        if !has_markup(&current) {
            break;
        }
        let next = normalize_pass(&current, layout);
        if next == current {
            break;
        }
        current = next;
    }
    current
}

/// One pass of every stage, for text that is not plain.
fn normalize_pass(raw: &str, layout: Layout) -> String {
    let html = if raw.bytes().any(|b| b == b'&' || b == b'<') {
        Cow::Owned(decode_html(raw))
    } else {
        Cow::Borrowed(raw)
    };
    let cleaned = strip_controls(&html);
    let readable = render_latex(&cleaned);
    lay_out(&readable, layout, layout.max_chars())
}

/// Bytes that can start markup, an escape or LaTeX.
const MARKUP: &[u8] = b"&<$\\~^{`";

const fn byte_table(allowed_printable: bool) -> [bool; 256] {
    let mut table = [false; 256];
    if allowed_printable {
        let mut b = 0x20;
        while b < 0x7f {
            table[b] = true;
            b += 1;
        }
        table[b'\n' as usize] = true;
        table[b'\t' as usize] = true;
    }
    let mut i = 0;
    while i < MARKUP.len() {
        table[MARKUP[i] as usize] = !allowed_printable;
        i += 1;
    }
    table
}

/// Printable ASCII and layout whitespace, minus markup bytes.
static PLAIN_BYTES: [bool; 256] = byte_table(true);
/// Markup bytes only.
static MARKUP_BYTES: [bool; 256] = byte_table(false);

/// True for text that one pass would only lay out: printable ASCII with no markup, escapes,
/// LaTeX or dash pairs, and other characters that are neither whitespace nor anything
/// `strip_controls` removes (accented letters, Greek, CJK, emoji). The fast path: most titles,
/// names and categories are plain.
fn is_plain(text: &str) -> bool {
    let bytes = text.as_bytes();
    let mut previous_was_dash = false;
    let mut pos = 0;
    while pos < bytes.len() {
        let b = bytes[pos];
        if b.is_ascii() {
            if !PLAIN_BYTES[usize::from(b)] || (b == b'-' && previous_was_dash) {
                return false;
            }
            previous_was_dash = b == b'-';
            pos += 1;
        } else {
            let Some(ch) = text[pos..].chars().next() else {
                return false;
            };
            if ch.is_whitespace() || is_removed_char(ch) || ch.is_control() {
                return false;
            }
            previous_was_dash = false;
            pos += ch.len_utf8();
        }
    }
    true
}

/// True when the text holds a markup byte or a dash pair, anything a pass could still change
/// in text that is already free of controls and laid out.
fn has_markup(text: &str) -> bool {
    let mut previous_was_dash = false;
    for &b in text.as_bytes() {
        if MARKUP_BYTES[usize::from(b)] || (b == b'-' && previous_was_dash) {
            return true;
        }
        previous_was_dash = b == b'-';
    }
    false
}

// ---------------------------------------------------------------------------------------------
// arXiv ids
// ---------------------------------------------------------------------------------------------

/// Strips the URL or prefix around an id candidate; `None` for a URL that is not an arXiv or
/// HF paper link.
fn strip_id_wrapper(text: &str) -> Option<&str> {
    let after_scheme = strip_prefix_ignore_case(text, "https://")
        .or_else(|| strip_prefix_ignore_case(text, "http://"));
    if let Some(rest) = after_scheme {
        let rest = rest.split(['?', '#']).next().unwrap_or(rest);
        let (host, path) = rest.split_once('/')?;
        let host = host.to_ascii_lowercase();
        return match host.as_str() {
            "arxiv.org" | "www.arxiv.org" | "export.arxiv.org" => {
                if let Some(id) = path.strip_prefix("abs/") {
                    Some(id)
                } else {
                    let id = path.strip_prefix("pdf/")?;
                    Some(id.strip_suffix(".pdf").unwrap_or(id))
                }
            }
            "huggingface.co" | "www.huggingface.co" => path.strip_prefix("papers/"),
            _ => None,
        };
    }
    if let Some(rest) = strip_prefix_ignore_case(text, "oai:arxiv.org:") {
        return Some(rest);
    }
    Some(strip_prefix_ignore_case(text, "arxiv:").unwrap_or(text))
}

fn strip_prefix_ignore_case<'t>(text: &'t str, prefix: &str) -> Option<&'t str> {
    let head = text.get(..prefix.len())?;
    head.eq_ignore_ascii_case(prefix)
        .then(|| &text[prefix.len()..])
}

/// `YYMM.NNNN` (from 0704 to 1412) or `YYMM.NNNNN` (from 1501), optional `vN`.
fn parse_new_style_id(text: &str) -> Option<String> {
    let bytes = text.as_bytes();
    if bytes.len() < 9 || bytes[4] != b'.' || !bytes[..4].iter().all(u8::is_ascii_digit) {
        return None;
    }
    let year = two_digits(&bytes[0..2]);
    let month = two_digits(&bytes[2..4]);
    let yymm = year * 100 + month;
    if !(1..=12).contains(&month) || yymm < 704 {
        return None;
    }
    let number_len = if yymm < 1501 { 4 } else { 5 };
    let id_len = 5 + number_len;
    if bytes.len() < id_len || !bytes[5..id_len].iter().all(u8::is_ascii_digit) {
        return None;
    }
    is_version(&text[id_len..]).then(|| text[..id_len].to_string())
}

/// `archive(.SUBJ)?/YYMMNNN`, optional `vN`; returned as `archive/YYMMNNN`.
fn parse_old_style_id(text: &str) -> Option<String> {
    let (archive_and_class, rest) = text.split_once('/')?;
    let (archive, class) = match archive_and_class.split_once('.') {
        Some((archive, class)) => (archive, Some(class)),
        None => (archive_and_class, None),
    };
    let is_archive_part = |part: &str| {
        !part.is_empty()
            && part
                .split('-')
                .all(|piece| !piece.is_empty() && piece.bytes().all(|b| b.is_ascii_lowercase()))
    };
    if !is_archive_part(archive) {
        return None;
    }
    if let Some(class) = class
        && (class.is_empty() || !class.bytes().all(|b| b.is_ascii_alphabetic() || b == b'-'))
    {
        return None;
    }
    let bytes = rest.as_bytes();
    if bytes.len() < 7 || !bytes[..7].iter().all(u8::is_ascii_digit) {
        return None;
    }
    let year = two_digits(&bytes[0..2]);
    let month = two_digits(&bytes[2..4]);
    let year_ok = year >= 91 || year <= 7;
    if !year_ok || !(1..=12).contains(&month) || !is_version(&rest[7..]) {
        return None;
    }
    Some(format!("{archive}/{}", &rest[..7]))
}

fn two_digits(bytes: &[u8]) -> u32 {
    u32::from(bytes[0] - b'0') * 10 + u32::from(bytes[1] - b'0')
}

/// Empty, or `v` followed by digits.
fn is_version(text: &str) -> bool {
    match text.strip_prefix('v') {
        Some(digits) => {
            !digits.is_empty() && digits.len() <= 4 && digits.bytes().all(|b| b.is_ascii_digit())
        }
        None => text.is_empty(),
    }
}

#[cfg(test)]
mod tests {
    use super::layout::{BLOCK_MAX_CHARS, LINE_MAX_CHARS};
    use super::test_strategies::{hostile_text, plain_looking_text};
    use super::*;
    use proptest::prelude::*;

    fn line(raw: &str) -> String {
        normalize_line(raw)
    }

    fn block(raw: &str) -> String {
        normalize_block(raw)
    }

    /// True for a character no normalised text may contain (`\n` is checked separately).
    fn is_forbidden(ch: char) -> bool {
        (ch.is_control() && ch != '\n')
            || is_removed_char(ch)
            || ch == PARAGRAPH_MARK
            || ch == LINE_MARK
    }

    // --- caps ----------------------------------------------------------------------------

    #[test]
    fn hostile_inputs_complete() {
        let title = "<b>&amp;\u{1b}[2J$\\alpha^{2}$--{".repeat(400);
        assert!(title.chars().count() >= 10_000);
        let normalized = line(&title);
        assert!(normalized.chars().count() <= LINE_MAX_CHARS);

        let pieces = [
            "{", "$", "\\(", "<a ", "&#", "<!--", "\u{1b}]", "^{", "$$", "\\frac{", "--", "~",
        ];
        let mut abstract_text = String::new();
        let mut i = 0usize;
        while abstract_text.len() < 1_000_000 {
            abstract_text.push_str(pieces[i % pieces.len()]);
            abstract_text.push_str("x ");
            i += 1;
        }
        let normalized = block(&abstract_text);
        assert!(normalized.chars().count() <= BLOCK_MAX_CHARS);

        let nested = format!("${}x{}$", "{".repeat(100_000), "}".repeat(100_000));
        let normalized = block(&nested);
        assert!(normalized.contains('x'));
    }

    // --- arXiv ids -----------------------------------------------------------------------

    #[test]
    fn new_style_ids_are_recognised_without_version() {
        assert_eq!(parse_arxiv_id("2504.21318").as_deref(), Some("2504.21318"));
        assert_eq!(
            parse_arxiv_id(" 2504.21318v2 ").as_deref(),
            Some("2504.21318")
        );
        assert_eq!(parse_arxiv_id("0704.0001").as_deref(), Some("0704.0001"));
        assert_eq!(parse_arxiv_id("1412.6980v9").as_deref(), Some("1412.6980"));
        assert_eq!(parse_arxiv_id("1501.00001").as_deref(), Some("1501.00001"));
    }

    #[test]
    fn new_style_ids_with_wrong_shape_are_rejected() {
        for text in [
            "2513.12345",
            "2500.12345",
            "2504.1234",
            "2504.123456",
            "1412.69801",
            "1501.0001",
            "0612.1234",
            "2504.21318v",
            "2504.21318v2x",
            "2504-21318",
            "25041.2345",
        ] {
            assert_eq!(parse_arxiv_id(text), None, "{text}");
        }
    }

    #[test]
    fn old_style_ids_are_recognised() {
        assert_eq!(
            parse_arxiv_id("hep-th/9901001").as_deref(),
            Some("hep-th/9901001")
        );
        assert_eq!(
            parse_arxiv_id("cond-mat/0102536v1").as_deref(),
            Some("cond-mat/0102536")
        );
        assert_eq!(
            parse_arxiv_id("math.GT/0309136").as_deref(),
            Some("math/0309136")
        );
        assert_eq!(
            parse_arxiv_id("arXiv:hep-th/9901001v2").as_deref(),
            Some("hep-th/9901001")
        );
        assert_eq!(
            parse_arxiv_id("https://arxiv.org/abs/math.GT/0309136").as_deref(),
            Some("math/0309136")
        );
    }

    #[test]
    fn old_style_ids_with_wrong_shape_are_rejected() {
        for text in [
            "hep-th/990100",
            "hep-th/99010011",
            "hep-th/9913001",
            "hep-th/0901001",
            "HEP-TH/9901001",
            "hep-/9901001",
            "/9901001",
            "hep th/9901001",
        ] {
            assert_eq!(parse_arxiv_id(text), None, "{text}");
        }
    }

    #[test]
    fn id_prefixes_are_stripped() {
        assert_eq!(
            parse_arxiv_id("arXiv:2504.21318").as_deref(),
            Some("2504.21318")
        );
        assert_eq!(
            parse_arxiv_id("ARXIV:2504.21318v1").as_deref(),
            Some("2504.21318")
        );
        assert_eq!(
            parse_arxiv_id("oai:arXiv.org:2504.21318").as_deref(),
            Some("2504.21318")
        );
        assert_eq!(
            parse_arxiv_id("oai:arXiv.org:hep-th/9901001").as_deref(),
            Some("hep-th/9901001")
        );
    }

    #[test]
    fn id_urls_are_recognised() {
        for url in [
            "https://arxiv.org/abs/2504.21318",
            "http://arxiv.org/abs/2504.21318v3",
            "https://www.arxiv.org/abs/2504.21318",
            "https://export.arxiv.org/abs/2504.21318v1",
            "https://arxiv.org/pdf/2504.21318",
            "https://arxiv.org/pdf/2504.21318v1.pdf",
            "https://arxiv.org/abs/2504.21318?context=cs",
            "https://huggingface.co/papers/2504.21318",
            "https://huggingface.co/papers/2504.21318?utm_source=x#comments",
            "HTTPS://ArXiv.org/abs/2504.21318",
        ] {
            assert_eq!(parse_arxiv_id(url).as_deref(), Some("2504.21318"), "{url}");
        }
        assert_eq!(
            parse_arxiv_id("http://arxiv.org/abs/hep-th/9901001v1").as_deref(),
            Some("hep-th/9901001")
        );
    }

    #[test]
    fn non_ids_are_rejected() {
        for text in [
            "",
            "hello",
            "see arXiv:2504.21318 for details",
            "2504.21318 is great",
            "arxiv.org/abs/2504.21318",
            "https://example.com/abs/2504.21318",
            "https://arxiv.org/list/cs.LG/2504.21318",
            "https://huggingface.co/2504.21318",
            "ftp://arxiv.org/abs/2504.21318",
            "hf:0123456789abcdef",
            "arxiv:0123456789abcdef",
            "https://arxiv.org/abs/",
            "10.48550/arXiv.2504.21318",
        ] {
            assert_eq!(parse_arxiv_id(text), None, "{text:?}");
        }
    }

    #[test]
    fn stable_hash_is_fnv1a() {
        assert_eq!(stable_hash(""), 0xcbf2_9ce4_8422_2325);
        assert_eq!(stable_hash("a"), 0xaf63_dc4c_8601_ec8c);
    }

    // --- properties ----------------------------------------------------------------------

    fn assert_clean(output: &str, allow_newlines: bool) {
        for ch in output.chars() {
            assert!(!is_forbidden(ch), "forbidden {ch:?} in {output:?}");
        }
        if allow_newlines && !output.is_empty() {
            assert!(!output.contains("\n\n\n"), "{output:?}");
            for (i, piece) in output.split('\n').enumerate() {
                // Newlines come only in pairs: every other piece is empty.
                assert_eq!(piece.is_empty(), i % 2 == 1, "{output:?}");
            }
        } else if !allow_newlines {
            assert!(!output.contains('\n'), "{output:?}");
        }
        assert_eq!(output.trim(), output);
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(2_000))]

        #[test]
        fn normalize_line_is_clean_and_idempotent(raw in hostile_text()) {
            let once = normalize_line(&raw);
            assert_clean(&once, false);
            prop_assert!(once.chars().count() <= LINE_MAX_CHARS);
            prop_assert_eq!(normalize_line(&once), once);
        }

        #[test]
        fn normalize_block_is_clean_and_idempotent(raw in hostile_text()) {
            let once = normalize_block(&raw);
            assert_clean(&once, true);
            prop_assert_eq!(normalize_block(&once), once);
        }

        #[test]
        fn arbitrary_strings_normalise_cleanly(raw in any::<String>()) {
            let line_once = normalize_line(&raw);
            assert_clean(&line_once, false);
            prop_assert_eq!(normalize_line(&line_once), line_once);
            let block_once = normalize_block(&raw);
            assert_clean(&block_once, true);
            prop_assert_eq!(normalize_block(&block_once), block_once);
        }

        #[test]
        fn the_plain_text_shortcut_changes_nothing(raw in hostile_text()) {
            for layout in [Layout::Line, Layout::Block] {
                prop_assert_eq!(normalize(&raw, layout), normalize_by_passes(&raw, layout));
            }
        }

        #[test]
        fn plain_looking_text_takes_the_shortcut_unchanged(raw in plain_looking_text()) {
            for layout in [Layout::Line, Layout::Block] {
                prop_assert_eq!(normalize(&raw, layout), normalize_by_passes(&raw, layout));
            }
        }

        #[test]
        fn sanitize_line_is_clean_and_idempotent(raw in hostile_text()) {
            let once = sanitize_line(&raw);
            assert_clean(&once, false);
            prop_assert_eq!(sanitize_line(&once), once);
        }

        #[test]
        fn parse_arxiv_id_never_panics_and_round_trips(raw in hostile_text()) {
            if let Some(id) = parse_arxiv_id(&raw) {
                prop_assert_eq!(parse_arxiv_id(&id), Some(id));
            }
        }

        #[test]
        fn generated_new_style_ids_round_trip(year in 7u32..100, month in 1u32..13, number in 0u32..100_000, version in proptest::option::of(1u32..30)) {
            prop_assume!(year * 100 + month >= 704);
            let digits = if year * 100 + month < 1501 { format!("{:04}", number % 10_000) } else { format!("{number:05}") };
            let id = format!("{year:02}{month:02}.{digits}");
            let text = match version { Some(v) => format!("arXiv:{id}v{v}"), None => id.clone() };
            prop_assert_eq!(parse_arxiv_id(&text), Some(id));
        }
    }
}
