//! The HTML stage of normalisation: feed text parsed as an HTML fragment by html5ever (the
//! same parse and element roles as full texts, `doc::html`: one HTML path in the project) and
//! walked back to text. Entities are decoded as a browser decodes them; scripts, styles,
//! forms and embedded objects are dropped with their contents; `<math>` becomes its LaTeX
//! (`alttext`, else the TeX annotation) between `$…$` for the LaTeX stage; block elements and
//! `<br>` become the paragraph and line marks the layout stage honours.
//!
//! Before parsing, a `<` that does not start a tag of an HTML element is escaped, so text such
//! as `n<k and m>2`, `<think>` or a `<b` never closed stays as written, as feeds mean it.
//!
//! Layer: part of `text`, which imports nothing from the crate but itself.

use std::borrow::Cow;

use ego_tree::iter::Edge;
use scraper::Node;

use super::doc::html::{MathText, Role, is_html_element, math_latex, parse_fragment, role_of};
use super::html_tokens::text_from_tokens;
use super::{LINE_MARK, PARAGRAPH_MARK};

/// Decodes entities and reduces markup to text with paragraph and line marks. Once a block
/// element or `<br>` is seen, raw newlines are insignificant (as in HTML) and only the marks
/// separate paragraphs; without one, the text's own newlines are kept for the layout stage.
/// Simple markup is read from html5ever's tokens (`html_tokens`), the rest from its tree: both
/// give the same text.
pub(super) fn decode_html(raw: &str) -> String {
    let source = escape_stray_angles(raw);
    match text_from_tokens(&source) {
        Some(out) => out.finish(),
        None => text_from_tree(&source).finish(),
    }
}

/// `decode_html` always through the tree: the reference the token reading is tested against.
#[cfg(test)]
pub(super) fn decode_html_by_tree(raw: &str) -> String {
    text_from_tree(&escape_stray_angles(raw)).finish()
}

/// The text of `source` from the walk of the tree html5ever builds of it.
fn text_from_tree(source: &str) -> TextOut {
    let html = parse_fragment(source);
    // The fragment's `<html>` root is html5ever's container, not markup of the text: it is no
    // paragraph (a `<html>` tag in the text only adds attributes to it).
    let root = html
        .tree
        .root()
        .children()
        .find(|child| child.value().is_element())
        .map(|child| child.id());
    let mut out = TextOut::with_capacity(source.len());
    let mut skipping: Option<ego_tree::NodeId> = None;
    for edge in html.tree.root().traverse() {
        match edge {
            Edge::Open(node) | Edge::Close(node) if Some(node.id()) == root => {}
            Edge::Open(node) => {
                if skipping.is_some() {
                    continue;
                }
                match node.value() {
                    Node::Text(text) => out.text(text),
                    Node::Element(element) => match role_of(element.name()) {
                        Role::Hidden => skipping = Some(node.id()),
                        Role::Math => {
                            out.math(math_latex(node));
                            skipping = Some(node.id());
                        }
                        role => out.open(role),
                    },
                    _ => {}
                }
            }
            Edge::Close(node) => {
                if skipping == Some(node.id()) {
                    skipping = None;
                } else if skipping.is_none()
                    && let Node::Element(element) = node.value()
                {
                    out.close(role_of(element.name()));
                }
            }
        }
    }
    out
}

/// The text being made of a fragment, from either reading: what each text run, element start
/// and element end adds to it. Hidden elements and math are the walk's to skip.
#[derive(Debug, Default)]
pub(super) struct TextOut {
    out: String,
    saw_block: bool,
}

impl TextOut {
    pub(super) fn with_capacity(capacity: usize) -> TextOut {
        TextOut {
            out: String::with_capacity(capacity),
            saw_block: false,
        }
    }

    pub(super) fn text(&mut self, text: &str) {
        self.out.push_str(text);
    }

    fn math(&mut self, math: MathText) {
        match math {
            MathText::Latex(latex) => {
                if self.out.ends_with('$') {
                    self.out.push(' ');
                }
                self.out.push('$');
                self.out.push_str(&latex.replace('$', ""));
                self.out.push('$');
            }
            MathText::Plain(text) => self.out.push_str(&text),
        }
    }

    pub(super) fn open(&mut self, role: Role) {
        match role {
            Role::LineBreak => {
                self.saw_block = true;
                self.out.push(LINE_MARK);
            }
            Role::Cell => self.out.push(' '),
            role if separates_paragraphs(role) => {
                self.saw_block = true;
                self.out.push(PARAGRAPH_MARK);
            }
            _ => {}
        }
    }

    pub(super) fn close(&mut self, role: Role) {
        if role == Role::Cell {
            self.out.push(' ');
        } else if separates_paragraphs(role) {
            self.out.push(PARAGRAPH_MARK);
        }
    }

    fn finish(self) -> String {
        let TextOut { out, saw_block } = self;
        if saw_block && memchr::memchr2(b'\n', b'\r', out.as_bytes()).is_some() {
            out.replace(['\n', '\r'], " ")
        } else {
            out
        }
    }
}

/// Roles whose start and end separate paragraphs in feed text.
fn separates_paragraphs(role: Role) -> bool {
    matches!(
        role,
        Role::Heading(_)
            | Role::Block
            | Role::List { .. }
            | Role::Item
            | Role::Table
            | Role::TableHead
            | Role::Row
            | Role::Pre
            | Role::Quote
            | Role::Rule
    )
}

/// Escapes each `<` that would not start a tag of an HTML element (an unknown name, or no
/// `>` before the next `<`), and turns CDATA sections (not HTML, but common in feeds) into
/// escaped text. Linear: each scan stops at the next `<`.
fn escape_stray_angles(raw: &str) -> Cow<'_, str> {
    let bytes = raw.as_bytes();
    let mut out: Option<String> = None;
    let mut copied = 0;
    let mut pos = 0;
    let mut no_cdata_end = false;
    let mut no_comment_end = false;
    while let Some(offset) = memchr::memchr(b'<', &bytes[pos..]) {
        let lt = pos + offset;
        pos = lt + 1;
        let rest = &bytes[lt..];
        let replacement: Option<String> = if rest.starts_with(b"<![CDATA[") {
            let end = if no_cdata_end {
                None
            } else {
                memchr::memmem::find(&rest[9..], b"]]>")
            };
            match end {
                Some(end) => {
                    pos = lt + 9 + end + 3;
                    Some(escape_text(&raw[lt + 9..lt + 9 + end]))
                }
                None => {
                    no_cdata_end = true;
                    Some("&lt;".into())
                }
            }
        } else if rest.starts_with(b"<!--") {
            let closed = !no_comment_end && memchr::memmem::find(&rest[4..], b"-->").is_some();
            no_comment_end |= !closed;
            (!closed).then(|| "&lt;".into())
        } else if rest.starts_with(b"<!") || rest.starts_with(b"<?") {
            None
        } else {
            let name_start = if rest.get(1) == Some(&b'/') { 2 } else { 1 };
            let name_len = rest[name_start..]
                .iter()
                .take(24)
                .take_while(|b| b.is_ascii_alphanumeric() || **b == b'-')
                .count();
            let name = &raw[lt + name_start..lt + name_start + name_len];
            let starts_with_letter = name.as_bytes().first().is_some_and(u8::is_ascii_alphabetic);
            if !starts_with_letter {
                // `a < b`, `<3`: the parser keeps these as text already.
                None
            } else {
                let after = &rest[name_start + name_len..];
                let ends_here = match memchr::memchr2(b'>', b'<', after) {
                    Some(index) => after[index] == b'>',
                    None => false,
                };
                let boundary = after.first().is_none_or(|b| {
                    matches!(b, b'>' | b'/' | b' ' | b'\t' | b'\n' | b'\r' | b'\x0c')
                });
                (!(is_html_element(name) && ends_here && boundary)).then(|| "&lt;".into())
            }
        };
        if let Some(replacement) = replacement {
            let buffer = out.get_or_insert_with(|| String::with_capacity(raw.len() + 16));
            buffer.push_str(&raw[copied..lt]);
            buffer.push_str(&replacement);
            copied = pos.max(lt + 1);
        }
    }
    match out {
        Some(mut buffer) => {
            buffer.push_str(&raw[copied..]);
            Cow::Owned(buffer)
        }
        None => Cow::Borrowed(raw),
    }
}

/// Text escaped so the parser reads it as written.
fn escape_text(text: &str) -> String {
    text.replace('&', "&amp;").replace('<', "&lt;")
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
        // HTML's legacy references without `;` (`&amp`, `&lt`, `&copy`) are read as a
        // browser reads them.
        assert_eq!(line("&amp without semicolon"), "& without semicolon");
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
    fn paragraphs_of_text_without_block_elements_are_kept() {
        // The fragment's own `<html>` root is not a block: only the text's markup decides
        // whether its newlines are insignificant.
        assert_eq!(
            crate::text::normalize_block("Fast &amp; slow\n\nSecond <b>part</b>"),
            "Fast & slow\n\nSecond part"
        );
        assert_eq!(
            crate::text::normalize_block("<p>One\n\ntwo</p><p>three</p>"),
            "One two\n\nthree"
        );
    }

    #[test]
    fn cdata_keeps_its_text() {
        assert_eq!(line("<![CDATA[x < y]]> done"), "x < y done");
    }
}
