//! The HTML stage of normalisation: character references decoded (named, decimal, hex, read
//! like a browser reads them) and the tags of known elements dropped with their text kept;
//! block elements and `<br>` become the paragraph and line marks the layout stage honours.
//! A hand-written scanner: replacing it with an HTML parser crate (issue #14) is still to do;
//! until then its element lists name what feeds carry (feedparser's test corpus).
//!
//! Layer: part of `text`, which imports nothing from the crate but itself.

use super::{LINE_MARK, PARAGRAPH_MARK};

/// Elements whose start or end separates paragraphs.
const BLOCK_ELEMENTS: &[&str] = &[
    "address",
    "article",
    "aside",
    "blockquote",
    "body",
    "caption",
    "center",
    "dd",
    "details",
    "dialog",
    "div",
    "dl",
    "dt",
    "fieldset",
    "figcaption",
    "figure",
    "footer",
    "form",
    "h1",
    "h2",
    "h3",
    "h4",
    "h5",
    "h6",
    "header",
    "hr",
    "html",
    "li",
    "main",
    "nav",
    "ol",
    "p",
    "pre",
    "section",
    "summary",
    "table",
    "tbody",
    "tfoot",
    "thead",
    "tr",
    "ul",
];

/// Elements dropped as tags with their text kept. Unknown names (`<think>`, `<answer>`,
/// `<eos>` in a paper about language models) are text and stay.
const INLINE_ELEMENTS: &[&str] = &[
    "embed",
    "area",
    "blink",
    "command",
    "frame",
    "keygen",
    "marquee",
    "param",
    "track",
    "a",
    "abbr",
    "acronym",
    "annotation",
    "audio",
    "b",
    "bdi",
    "bdo",
    "big",
    "cite",
    "code",
    "col",
    "colgroup",
    "data",
    "del",
    "dfn",
    "em",
    "font",
    "head",
    "i",
    "iframe",
    "img",
    "input",
    "ins",
    "kbd",
    "label",
    "link",
    "mark",
    "math",
    "meta",
    "mfrac",
    "mi",
    "mn",
    "mo",
    "mover",
    "mrow",
    "ms",
    "msqrt",
    "msub",
    "msubsup",
    "msup",
    "mtext",
    "munder",
    "nobr",
    "noscript",
    "picture",
    "q",
    "rp",
    "rt",
    "ruby",
    "s",
    "samp",
    "semantics",
    "small",
    "source",
    "span",
    "strike",
    "strong",
    "sub",
    "sup",
    "td",
    "th",
    "time",
    "title",
    "tt",
    "u",
    "var",
    "video",
    "wbr",
];

/// Elements dropped with everything inside them: code, styles, embedded objects and
/// drawings, form controls and frames, none of which is text a reader wants.
const HIDDEN_ELEMENTS: &[&str] = &[
    "applet", "button", "canvas", "frameset", "map", "noembed", "noframes", "object", "script",
    "select", "style", "svg", "template", "textarea",
];

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum TagKind {
    Block,
    LineBreak,
    Inline,
    Hidden,
}

fn tag_kind(name: &str) -> Option<TagKind> {
    if name == "br" {
        Some(TagKind::LineBreak)
    } else if BLOCK_ELEMENTS.contains(&name) {
        Some(TagKind::Block)
    } else if INLINE_ELEMENTS.contains(&name) {
        Some(TagKind::Inline)
    } else if HIDDEN_ELEMENTS.contains(&name) {
        Some(TagKind::Hidden)
    } else {
        None
    }
}

/// Decodes entities (an escaped `&` is decoded once more, so `&amp;#177;` gives `±`), then
/// drops tags of known HTML elements, keeping their text. Once block tags are seen, the raw
/// newlines are insignificant (as in HTML) and only the tags mark paragraphs.
pub(super) fn decode_html(raw: &str) -> String {
    let decoded = if raw.contains('&') {
        decode_entities(raw)
    } else {
        raw.to_string()
    };
    if !decoded.contains('<') {
        return decoded;
    }
    strip_tags(&decoded)
}

fn decode_entities(raw: &str) -> String {
    let bytes = raw.as_bytes();
    let mut out = String::with_capacity(raw.len());
    let mut pos = 0;
    while let Some(offset) = memchr::memchr(b'&', &bytes[pos..]) {
        let amp = pos + offset;
        out.push_str(&raw[pos..amp]);
        match parse_entity(raw, amp + 1) {
            Some((first, after_first)) => {
                let second = if first.is_ampersand() {
                    parse_entity(raw, after_first)
                } else {
                    None
                };
                match second {
                    Some((value, after_second)) => {
                        value.push_to(&mut out);
                        pos = after_second;
                    }
                    None => {
                        first.push_to(&mut out);
                        pos = after_first;
                    }
                }
            }
            None => {
                out.push('&');
                pos = amp + 1;
            }
        }
    }
    out.push_str(&raw[pos..]);
    out
}

#[derive(Debug, Clone, Copy)]
enum EntityValue {
    Char(char),
    Text(&'static str),
}

impl EntityValue {
    fn is_ampersand(self) -> bool {
        matches!(self, EntityValue::Char('&') | EntityValue::Text("&"))
    }

    fn push_to(self, out: &mut String) {
        match self {
            EntityValue::Char(c) => out.push(c),
            EntityValue::Text(t) => out.push_str(t),
        }
    }
}

/// Parses an entity body (`amp;`, `#177;`, `#xB1;`) starting at `start`, just after a `&`;
/// returns its value and the index after the `;`. The `;` is required.
fn parse_entity(raw: &str, start: usize) -> Option<(EntityValue, usize)> {
    let bytes = raw.as_bytes();
    let rest = bytes.get(start..)?;
    if rest.first() == Some(&b'#') {
        let (radix, digits_start) = match rest.get(1) {
            Some(b'x' | b'X') => (16, 2),
            _ => (10, 1),
        };
        let digits_len = rest[digits_start..]
            .iter()
            .take_while(|b| {
                if radix == 16 {
                    b.is_ascii_hexdigit()
                } else {
                    b.is_ascii_digit()
                }
            })
            .count();
        let end = digits_start + digits_len;
        if digits_len == 0 || rest.get(end) != Some(&b';') {
            return None;
        }
        let digits = std::str::from_utf8(&rest[digits_start..end]).ok()?;
        // Too many digits overflows u32: such a reference is out of range, like > U+10FFFF.
        let code = u32::from_str_radix(digits, radix).unwrap_or(u32::MAX);
        return Some((
            EntityValue::Char(char_from_reference(code)),
            start + end + 1,
        ));
    }
    let name_len = rest
        .iter()
        .take(40)
        .take_while(|b| b.is_ascii_alphanumeric())
        .count();
    if name_len == 0 || rest.get(name_len) != Some(&b';') {
        return None;
    }
    let name = &rest[..name_len];
    let index = html_escape::NAMED_ENTITIES
        .binary_search_by(|(entry, _)| (*entry).cmp(name))
        .ok()?;
    let value = html_escape::NAMED_ENTITIES[index].1;
    Some((EntityValue::Text(value), start + name_len + 1))
}

/// The character a numeric reference stands for, as HTML5 reads it: NUL, surrogates and
/// out-of-range numbers become U+FFFD, and 0x80–0x9F are read as Windows-1252 (a common
/// feed mistake: `&#150;` means an en dash).
fn char_from_reference(code: u32) -> char {
    const WINDOWS_1252: [char; 32] = [
        '€', '\u{81}', '‚', 'ƒ', '„', '…', '†', '‡', 'ˆ', '‰', 'Š', '‹', 'Œ', '\u{8d}', 'Ž',
        '\u{8f}', '\u{90}', '‘', '’', '“', '”', '•', '–', '—', '˜', '™', 'š', '›', 'œ', '\u{9d}',
        'ž', 'Ÿ',
    ];
    match code {
        0 => '\u{fffd}',
        0x80..=0x9f => WINDOWS_1252[(code - 0x80) as usize],
        _ => char::from_u32(code).unwrap_or('\u{fffd}'),
    }
}

fn strip_tags(text: &str) -> String {
    let bytes = text.as_bytes();
    let mut out = String::with_capacity(text.len());
    let mut saw_block = false;
    let mut pos = 0;
    // Searches that failed once fail for every later start: remembering that keeps the
    // stage linear on hostile input such as a megabyte of `<!--`.
    let mut no_comment_end = false;
    let mut no_cdata_end = false;
    while let Some(offset) = memchr::memchr(b'<', &bytes[pos..]) {
        let lt = pos + offset;
        out.push_str(&text[pos..lt]);
        pos = lt + 1;
        let rest = &bytes[lt..];
        if rest.starts_with(b"<!--") {
            if !no_comment_end {
                if let Some(end) = memchr::memmem::find(&bytes[lt + 4..], b"-->") {
                    pos = lt + 4 + end + 3;
                    continue;
                }
                no_comment_end = true;
            }
            out.push('<');
            continue;
        }
        if rest.starts_with(b"<![CDATA[") {
            if !no_cdata_end {
                if let Some(end) = memchr::memmem::find(&bytes[lt + 9..], b"]]>") {
                    out.push_str(&text[lt + 9..lt + 9 + end]);
                    pos = lt + 9 + end + 3;
                    continue;
                }
                no_cdata_end = true;
            }
            out.push('<');
            continue;
        }
        if (rest.starts_with(b"<!") && rest.get(2).is_some_and(u8::is_ascii_alphabetic))
            || rest.starts_with(b"<?")
        {
            // Doctype or processing instruction.
            if let Some(end) = find_tag_end(bytes, lt + 2) {
                pos = end + 1;
                continue;
            }
            out.push('<');
            continue;
        }
        match parse_tag(text, lt) {
            Some(tag) => {
                pos = tag.end;
                match tag.kind {
                    TagKind::Block => {
                        saw_block = true;
                        out.push(PARAGRAPH_MARK);
                    }
                    TagKind::LineBreak => {
                        saw_block = true;
                        out.push(LINE_MARK);
                    }
                    TagKind::Inline => {}
                    TagKind::Hidden => {
                        if !tag.closing {
                            pos = skip_hidden_element(bytes, tag.end, tag.name);
                        }
                    }
                }
            }
            None => out.push('<'),
        }
    }
    out.push_str(&text[pos..]);
    if saw_block && memchr::memchr2(b'\n', b'\r', out.as_bytes()).is_some() {
        out = out.replace(['\n', '\r'], " ");
    }
    out
}

struct Tag {
    kind: TagKind,
    name: &'static str,
    closing: bool,
    /// Index just after the `>`.
    end: usize,
}

/// Recognises `<name …>`, `</name>` or `<name/>` of a known element at `lt`.
fn parse_tag(text: &str, lt: usize) -> Option<Tag> {
    let bytes = text.as_bytes();
    let mut i = lt + 1;
    let closing = bytes.get(i) == Some(&b'/');
    if closing {
        i += 1;
    }
    let name_start = i;
    while i < bytes.len() && i - name_start < 16 && bytes[i].is_ascii_alphanumeric() {
        i += 1;
    }
    if i == name_start || !bytes[name_start].is_ascii_alphabetic() {
        return None;
    }
    let name = text[name_start..i].to_ascii_lowercase();
    let kind = tag_kind(&name)?;
    let name = static_tag_name(&name)?;
    match bytes.get(i) {
        Some(b'>') => Some(Tag {
            kind,
            name,
            closing,
            end: i + 1,
        }),
        Some(b'/' | b' ' | b'\t' | b'\n' | b'\r') => {
            let end = find_tag_end(bytes, i)?;
            Some(Tag {
                kind,
                name,
                closing,
                end: end + 1,
            })
        }
        _ => None,
    }
}

fn static_tag_name(name: &str) -> Option<&'static str> {
    HIDDEN_ELEMENTS
        .iter()
        .chain(BLOCK_ELEMENTS)
        .chain(INLINE_ELEMENTS)
        .chain(&["br"])
        .find(|known| **known == name)
        .copied()
}

/// Finds the `>` closing a tag whose attributes start at `from`; a `<` first means it was
/// not a tag. (Quoted attribute values containing `>` are not supported: feeds do not use them.)
fn find_tag_end(bytes: &[u8], from: usize) -> Option<usize> {
    let rest = bytes.get(from..)?;
    let index = memchr::memchr2(b'>', b'<', rest)?;
    (rest[index] == b'>').then_some(from + index)
}

/// Returns the index after `</name …>`, or the end of the text when the element never closes.
fn skip_hidden_element(bytes: &[u8], from: usize, name: &str) -> usize {
    let mut pos = from;
    while let Some(offset) = memchr::memchr(b'<', &bytes[pos..]) {
        let lt = pos + offset;
        let candidate = &bytes[lt..];
        let name_end = 2 + name.len();
        if candidate.len() >= name_end
            && candidate[1] == b'/'
            && candidate[2..name_end].eq_ignore_ascii_case(name.as_bytes())
            && candidate
                .get(name_end)
                .is_none_or(|b| !b.is_ascii_alphanumeric())
        {
            return match memchr::memchr(b'>', &bytes[lt..]) {
                Some(gt) => lt + gt + 1,
                None => bytes.len(),
            };
        }
        pos = lt + 1;
    }
    // Never closed: a script or style runs to the end; any other element loses only its tag,
    // so text a feed left after an unclosed `<object>` is not lost.
    if matches!(name, "script" | "style") {
        bytes.len()
    } else {
        from
    }
}

#[cfg(test)]
mod tests {
    use crate::text::normalize_line as line;

    // --- entities ------------------------------------------------------------------------

    #[test]
    fn named_decimal_and_hex_entities_are_decoded() {
        assert_eq!(line("Fast &amp; Slow"), "Fast & Slow");
        assert_eq!(line("&lt;1% error &gt; baseline"), "<1% error > baseline");
        assert_eq!(
            line("caf&eacute; &#233;l&#xE8;ve &#X2014; &quot;q&quot;"),
            "café élève — \"q\""
        );
        assert_eq!(line("R&eacute;sum&eacute;&nbsp;text"), "Résumé text");
    }

    #[test]
    fn double_escaped_entities_are_decoded() {
        assert_eq!(line("error &amp;#177; 0.1"), "error ± 0.1");
        assert_eq!(line("&amp;lt;b&amp;gt; &amp;amp;"), "&");
        assert_eq!(line("A &amp;amp; B"), "A & B");
    }

    #[test]
    fn text_that_only_looks_like_an_entity_stays() {
        assert_eq!(line("AT&T and R&D"), "AT&T and R&D");
        assert_eq!(
            line("a && b; &unknownentity; &#; &#x;"),
            "a && b; &unknownentity; &#; &#x;"
        );
        assert_eq!(line("&amp without semicolon"), "&amp without semicolon");
    }

    #[test]
    fn out_of_range_and_windows_1252_references_are_read_like_html() {
        assert_eq!(line("a&#0;b"), "a\u{fffd}b");
        assert_eq!(
            line("a&#1114112;b &#99999999999999;"),
            "a\u{fffd}b \u{fffd}"
        );
        assert_eq!(line("2019&#150;2020 &#147;q&#148;"), "2019–2020 “q”");
    }

    // --- tags ----------------------------------------------------------------------------

    #[test]
    fn tags_are_stripped_and_their_text_kept() {
        assert_eq!(
            line("<b>Bold</b> and <i>italic</i> <a href=\"x\">link</a>"),
            "Bold and italic link"
        );
        assert_eq!(line("H<sub>2</sub>O<br/>next"), "H2O next");
        assert_eq!(line("<P CLASS=\"x\">Upper</P>"), "Upper");
    }

    #[test]
    fn script_style_and_comments_are_dropped_with_their_contents() {
        assert_eq!(line("a<script type=\"t\">alert('x')</script>b"), "ab");
        assert_eq!(
            line("a<style>p { color: red }</style>b<!-- hidden -->c"),
            "abc"
        );
        assert_eq!(line("a<SCRIPT>never closed"), "a");
    }

    #[test]
    fn escaped_html_is_decoded_then_stripped() {
        assert_eq!(
            line("&lt;p&gt;Hello &lt;em&gt;world&lt;/em&gt;&lt;/p&gt;"),
            "Hello world"
        );
    }

    #[test]
    fn angle_brackets_that_are_not_html_tags_stay() {
        assert_eq!(line("for n<k and m>2"), "for n<k and m>2");
        assert_eq!(
            line("reasoning in <think> and <answer> tags"),
            "reasoning in <think> and <answer> tags"
        );
        assert_eq!(line("a < b > c"), "a < b > c");
        assert_eq!(line("<b unclosed"), "<b unclosed");
    }

    #[test]
    fn cdata_keeps_its_text() {
        assert_eq!(line("<![CDATA[x < y]]> done"), "x < y done");
    }
}
