//! A depth bound in front of html5ever. Its tree builder checks "is an element in scope" by
//! walking the stack of open elements, so deeply nested markup costs time quadratic in the
//! depth: 20,000 unclosed `<div>`s took 19.7 s to parse in a debug build (5,000: 1.2 s), and a
//! feed or full text can carry that many. Real documents nest a few dozen deep (LaTeXML's
//! arXiv HTML ~20), so start tags that would open an element deeper than [`MAX_DEPTH`] are
//! removed before parsing; their text stays. The scan follows the open elements the way a
//! browser closes them (an end tag closes up to the matching open element; stray end tags are
//! ignored), counting only elements whose end tag is required, so a long list of `<li>` or
//! `<p>` without end tags is never cut.
//!
//! Layer: part of `text`, which imports nothing from the crate but itself.

use std::borrow::Cow;

use memchr::memchr;

/// The deepest element kept; deeper start tags are dropped (their content is kept).
pub(super) const MAX_DEPTH: usize = 256;

/// Elements that never have content.
const VOID: &[&str] = &[
    "area", "base", "br", "col", "embed", "hr", "img", "input", "keygen", "link", "meta", "param",
    "source", "track", "wbr",
];

/// Elements whose end tag may be left out: the parser closes them itself, so repeating them
/// does not deepen the tree.
const OPTIONAL_END: &[&str] = &[
    "body", "caption", "colgroup", "dd", "dt", "head", "html", "li", "optgroup", "option", "p",
    "rb", "rp", "rt", "rtc", "tbody", "td", "tfoot", "th", "thead", "tr",
];

/// `src` with every start tag beyond [`MAX_DEPTH`] removed; borrowed when nothing is.
pub(super) fn bound_nesting(src: &str) -> Cow<'_, str> {
    // Fast path: too few tags to ever get that deep.
    if bytecount_lt(src.as_bytes()) <= MAX_DEPTH {
        return Cow::Borrowed(src);
    }
    let bytes = src.as_bytes();
    let mut open: Vec<String> = Vec::new();
    let mut out: Option<String> = None;
    let mut copied = 0;
    let mut at = 0;
    while let Some(offset) = memchr(b'<', &bytes[at..]) {
        let start = at + offset;
        let Some(tag) = read_tag(bytes, start) else {
            at = start + 1;
            continue;
        };
        at = tag.end;
        match tag.kind {
            TagKind::End => {
                if let Some(depth) = open.iter().rposition(|name| *name == tag.name) {
                    open.truncate(depth);
                }
            }
            TagKind::Start { self_closing } => {
                if self_closing
                    || VOID.contains(&tag.name.as_str())
                    || OPTIONAL_END.contains(&tag.name.as_str())
                {
                    continue;
                }
                if open.len() < MAX_DEPTH {
                    open.push(tag.name);
                    continue;
                }
                let kept = out.get_or_insert_with(|| String::with_capacity(src.len()));
                kept.push_str(&src[copied..start]);
                copied = tag.end;
            }
            TagKind::Other => {}
        }
    }
    match out {
        None => Cow::Borrowed(src),
        Some(mut kept) => {
            kept.push_str(&src[copied..]);
            Cow::Owned(kept)
        }
    }
}

fn bytecount_lt(bytes: &[u8]) -> usize {
    memchr::memchr_iter(b'<', bytes).count()
}

enum TagKind {
    Start {
        self_closing: bool,
    },
    End,
    /// A comment, doctype or processing instruction.
    Other,
}

struct Tag {
    kind: TagKind,
    /// Lowercase ASCII name (empty for `Other`).
    name: String,
    /// Byte just after the tag's `>`.
    end: usize,
}

/// Reads the tag starting at `bytes[start] == b'<'`; `None` when it is not one (text).
fn read_tag(bytes: &[u8], start: usize) -> Option<Tag> {
    let rest = &bytes[start + 1..];
    if rest.starts_with(b"!--") {
        let end =
            memchr::memmem::find(&rest[3..], b"-->").map_or(bytes.len(), |i| start + 4 + i + 3);
        return Some(Tag {
            kind: TagKind::Other,
            name: String::new(),
            end,
        });
    }
    if rest.first().is_some_and(|b| *b == b'!' || *b == b'?') {
        let end = memchr(b'>', rest).map_or(bytes.len(), |i| start + 1 + i + 1);
        return Some(Tag {
            kind: TagKind::Other,
            name: String::new(),
            end,
        });
    }
    let (is_end, name_start) = match rest.first() {
        Some(b'/') => (true, 1),
        _ => (false, 0),
    };
    let name_len = rest[name_start..]
        .iter()
        .take_while(|b| b.is_ascii_alphanumeric() || **b == b'-' || **b == b':')
        .count();
    if name_len == 0 || !rest[name_start].is_ascii_alphabetic() {
        return None;
    }
    let name =
        String::from_utf8_lossy(&rest[name_start..name_start + name_len]).to_ascii_lowercase();
    // Find the closing `>` outside quoted attribute values (`alttext="x>0"`).
    let mut quote: Option<u8> = None;
    let mut i = start + 1 + name_start + name_len;
    while i < bytes.len() {
        let b = bytes[i];
        match quote {
            Some(q) if b == q => quote = None,
            Some(_) => {}
            None if b == b'"' || b == b'\'' => quote = Some(b),
            None if b == b'>' => {
                let self_closing = bytes[i - 1] == b'/';
                let kind = if is_end {
                    TagKind::End
                } else {
                    TagKind::Start { self_closing }
                };
                return Some(Tag {
                    kind,
                    name,
                    end: i + 1,
                });
            }
            None => {}
        }
        i += 1;
    }
    // An unterminated tag runs to the end of the input: nothing after it opens anything.
    Some(Tag {
        kind: TagKind::Other,
        name,
        end: bytes.len(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shallow_markup_is_borrowed_unchanged() {
        let src = "<div><p>a <b>b</b></p></div>".repeat(100);
        assert!(matches!(bound_nesting(&src), Cow::Borrowed(_)));
    }

    #[test]
    fn start_tags_beyond_the_bound_are_dropped_and_their_text_kept() {
        let src = format!(
            "{}x{}",
            "<div>".repeat(MAX_DEPTH + 10),
            "</div>".repeat(MAX_DEPTH + 10)
        );
        let bounded = bound_nesting(&src);
        assert_eq!(bounded.matches("<div>").count(), MAX_DEPTH);
        assert!(bounded.contains('x'));
    }

    #[test]
    fn closed_siblings_and_optional_end_tags_never_count_as_depth() {
        let src = format!(
            "{}<ul>{}</ul>",
            "<div>a</div>".repeat(1000),
            "<li>item".repeat(1000)
        );
        assert_eq!(bound_nesting(&src), src);
    }

    #[test]
    fn stray_end_tags_do_not_let_depth_grow_unseen() {
        let src = "<div></span>".repeat(MAX_DEPTH * 2);
        assert_eq!(bound_nesting(&src).matches("<div>").count(), MAX_DEPTH);
    }

    #[test]
    fn a_quoted_greater_than_does_not_end_the_tag() {
        let src = format!("{}<span title=\"a>b\">text</span>", "<b>".repeat(MAX_DEPTH));
        let bounded = bound_nesting(&src);
        assert!(bounded.ends_with("text</span>"), "{bounded}");
        assert!(!bounded.contains("b\">"), "{bounded}");
    }
}
