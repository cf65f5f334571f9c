//! The tree-free reading of simple feed markup: html5ever's own tokenizer (the first half of
//! the parser `text/html.rs` uses, so still one HTML path) with the tree builder's rules for
//! the few shapes feed text carries — paragraphs, lists, headings, line breaks and inline
//! phrasing (`<a>`, `<b>`, `<em>`, `<span>`, `<sub>`, …), properly nested. For those the tree
//! html5ever would build is the token stream itself, so walking the tokens gives the same
//! text and paragraph marks as walking the tree, without building it (building it was most of
//! the ingest time: each synthetic item's description is an HTML fragment).
//!
//! Anything else gives up (`None`) and the caller runs the full parser: a tag of another
//! element, or one whose tree-builder rule would do more than open or close the element
//! (closing a `<p>` that is not the current node, a `<li>` inside a `<li>`, an `<a>` inside
//! an `<a>`, an end tag of an element open further up). Each rule below cites the case of
//! html5ever's "in body" insertion mode it follows; a proptest compares the two readings.
//!
//! Layer: part of `text`, which imports nothing from the crate but itself.

use std::cell::RefCell;

use html5ever::LocalName;
use html5ever::tendril::StrTendril;
use html5ever::tokenizer::{
    BufferQueue, Tag, TagKind, Token, TokenSink, TokenSinkResult, Tokenizer, TokenizerOpts,
};

use super::doc::html::role_of;
use super::html::TextOut;

/// More `<` than this and the tokenizer is not tried. The full parser's nesting bound
/// (`doc/nesting.rs`, 256 open elements) only ever rewrites markup with more tags than that,
/// so below it both readings see the same markup; real feed text has a few dozen tags.
const MAX_TAGS: usize = 128;

/// How the tree builder treats an element's tags, for the elements read here.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    /// A formatting element: opened as it comes, closed by the adoption agency, which for the
    /// current node only pops it.
    Formatting,
    /// "Any other start tag" / "any other end tag": opened as it comes, closed by popping
    /// when it is the current node; not special, so a walk up the stack passes it.
    Phrasing,
    /// Closes an open `<p>` ("close a p element in button scope"), then opens.
    Block,
    /// A block that also pops a heading that is the current node.
    Heading,
    /// A block that first closes an open `<li>` found walking up to a special element.
    ListItem,
    /// Opened and closed at once (`br`, `img`, `wbr`).
    Void,
    /// `<hr>`: closes an open `<p>`, then opened and closed at once.
    Rule,
}

fn kind_of(name: &str) -> Option<Kind> {
    Some(match name {
        "a" | "b" | "big" | "code" | "em" | "font" | "i" | "s" | "small" | "strike" | "strong"
        | "tt" | "u" => Kind::Formatting,
        "span" | "sub" | "sup" | "abbr" | "acronym" | "cite" | "q" | "mark" | "kbd" | "var"
        | "dfn" | "del" | "ins" | "samp" | "time" | "bdi" | "bdo" | "data" => Kind::Phrasing,
        "p" | "div" | "ul" | "ol" | "blockquote" => Kind::Block,
        "h1" | "h2" | "h3" | "h4" | "h5" | "h6" => Kind::Heading,
        "li" => Kind::ListItem,
        "br" | "img" | "wbr" => Kind::Void,
        "hr" => Kind::Rule,
        _ => return None,
    })
}

fn is_heading(name: &str) -> bool {
    kind_of(name) == Some(Kind::Heading)
}

/// The text `decode_html` makes of `source` (already escaped and CDATA-free), read from its
/// tokens; `None` when its markup needs the tree builder.
pub(super) fn text_from_tokens(source: &str) -> Option<TextOut> {
    if memchr::memchr_iter(b'<', source.as_bytes()).count() > MAX_TAGS {
        return None;
    }
    // The text is about as long as the source: sized once, not grown a push at a time.
    let reader = TokenReader {
        state: RefCell::new(ReaderState {
            out: TextOut::with_capacity(source.len()),
            ..ReaderState::default()
        }),
    };
    let tokenizer = Tokenizer::new(reader, TokenizerOpts::default());
    let input = BufferQueue::default();
    input.push_back(StrTendril::from_slice(source));
    // `Script` is how the reader stops the tokenizer when it gives up; `Done` means the
    // input was read to its end.
    if !matches!(tokenizer.feed(&input), html5ever::TokenizerResult::Done) {
        return None;
    }
    tokenizer.end();
    let state = std::mem::take(&mut *tokenizer.sink.state.borrow_mut());
    if state.gave_up {
        return None;
    }
    let mut out = state.out;
    // End of input: the open elements close innermost first, as the tree walk closes them.
    for name in state.open.iter().rev() {
        out.close(role_of(name));
    }
    Some(out)
}

#[derive(Default)]
struct TokenReader {
    state: RefCell<ReaderState>,
}

#[derive(Default)]
struct ReaderState {
    out: TextOut,
    /// The stack of open elements below the fragment's root, as the tree builder keeps it.
    open: Vec<LocalName>,
    gave_up: bool,
}

impl TokenSink for TokenReader {
    type Handle = ();

    fn process_token(&self, token: Token, _line: u64) -> TokenSinkResult<()> {
        let mut state = self.state.borrow_mut();
        match token {
            Token::CharacterTokens(text) => state.out.text(&text),
            Token::TagToken(tag) => {
                if !state.gave_up && !state.tag(tag) {
                    state.gave_up = true;
                    // Suspends the tokenizer: the rest is the full parser's.
                    return TokenSinkResult::Script(());
                }
            }
            // In body, a NUL is ignored, a comment is a node the walk skips, a doctype is
            // ignored; parse errors change nothing.
            Token::NullCharacterToken
            | Token::CommentToken(_)
            | Token::DoctypeToken(_)
            | Token::ParseError(_)
            | Token::EOFToken => {}
        }
        TokenSinkResult::Continue
    }
}

impl ReaderState {
    /// Follows one tag as the tree builder would; false when its rule does more than this
    /// reader models.
    fn tag(&mut self, tag: Tag) -> bool {
        let Some(kind) = kind_of(&tag.name) else {
            return false;
        };
        match tag.kind {
            TagKind::StartTag => self.start(tag.name, kind),
            TagKind::EndTag => self.end(tag.name, kind),
        }
    }

    fn start(&mut self, name: LocalName, kind: Kind) -> bool {
        match kind {
            Kind::Formatting => {
                // `<a>` with an `<a>` open runs the adoption agency.
                if &*name == "a" && self.is_open(|open| open == "a") {
                    return false;
                }
            }
            Kind::Phrasing => {}
            Kind::Block | Kind::Rule => {
                if !self.close_p_in_button_scope() {
                    return false;
                }
            }
            Kind::Heading => {
                if !self.close_p_in_button_scope() || self.current().is_some_and(is_heading) {
                    return false;
                }
            }
            Kind::ListItem => {
                // Walk up to a special element other than `div`/`p`: an `<li>` found first is
                // closed with whatever is open inside it, modelled when that is only `<p>`s
                // (`<li>a<li>b`, `<li><p>a<li>b`).
                for (at, open) in self.open.iter().enumerate().rev() {
                    match kind_of(open) {
                        Some(Kind::ListItem) => {
                            if !self.open[at + 1..].iter().all(|open| &**open == "p") {
                                return false;
                            }
                            while self.open.len() > at {
                                if let Some(open) = self.open.pop() {
                                    self.out.close(role_of(&open));
                                }
                            }
                            break;
                        }
                        Some(Kind::Formatting | Kind::Phrasing) => {}
                        _ if matches!(&**open, "div" | "p") => {}
                        _ => break,
                    }
                }
                if !self.close_p_in_button_scope() {
                    return false;
                }
            }
            Kind::Void => {}
        }
        let role = role_of(&name);
        self.out.open(role);
        if matches!(kind, Kind::Void | Kind::Rule) {
            self.out.close(role);
        } else {
            self.open.push(name);
        }
        true
    }

    fn end(&mut self, name: LocalName, kind: Kind) -> bool {
        if self.current() == Some(&*name) && !matches!(kind, Kind::Void | Kind::Rule) {
            self.open.pop();
            self.out.close(role_of(&name));
            return true;
        }
        if matches!(kind, Kind::Block | Kind::ListItem | Kind::Heading)
            && self.close_past_implied(&name)
        {
            return true;
        }
        match kind {
            // `</br>` is read as `<br>`; other void end tags are dropped by a walk that
            // meets the root, but are too rare to model.
            Kind::Void | Kind::Rule => false,
            // `</p>` with no `<p>` open makes an empty paragraph.
            Kind::Block if &*name == "p" => {
                if self.is_open(|open| open == "p") {
                    return false;
                }
                let role = role_of(&name);
                self.out.open(role);
                self.out.close(role);
                true
            }
            // Any heading end tag closes any open heading.
            Kind::Heading => !self.is_open(is_heading),
            // An end tag of an element that is not open is ignored; one of an element open
            // further up closes what is above it.
            _ => !self.is_open(|open| open == &*name),
        }
    }

    /// The end tag of a block, list item or heading open below `<p>`s and `<li>`s whose end
    /// tags were left out: "generate implied end tags" closes those, then the element closes.
    /// False (nothing done) when anything else is in the way.
    fn close_past_implied(&mut self, name: &str) -> bool {
        let Some(at) = self.open.iter().rposition(|open| &**open == name) else {
            return false;
        };
        let implied = |open: &LocalName| matches!(&**open, "p" | "li");
        if !self.open[at + 1..].iter().all(implied) {
            return false;
        }
        while self.open.len() > at {
            if let Some(open) = self.open.pop() {
                self.out.close(role_of(&open));
            }
        }
        true
    }

    /// "Close a p element in button scope": only the case where the `<p>` is the current
    /// node is modelled (none of the elements read here bounds the button scope).
    fn close_p_in_button_scope(&mut self) -> bool {
        match self.open.iter().rposition(|open| &**open == "p") {
            None => true,
            Some(at) if at + 1 == self.open.len() => {
                self.open.pop();
                self.out.close(role_of("p"));
                true
            }
            Some(_) => false,
        }
    }

    fn current(&self) -> Option<&str> {
        self.open.last().map(|name| &**name)
    }

    fn is_open(&self, matches: impl Fn(&str) -> bool) -> bool {
        self.open.iter().any(|open| matches(open))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::text::doc::html::Role;
    use crate::text::html::{decode_html, decode_html_by_tree};
    use proptest::prelude::*;

    #[test]
    fn the_elements_read_here_have_roles_the_token_reader_renders() {
        for name in [
            "a",
            "b",
            "big",
            "code",
            "em",
            "font",
            "i",
            "s",
            "small",
            "strike",
            "strong",
            "tt",
            "u",
            "span",
            "sub",
            "sup",
            "abbr",
            "acronym",
            "cite",
            "q",
            "mark",
            "kbd",
            "var",
            "dfn",
            "del",
            "ins",
            "samp",
            "time",
            "bdi",
            "bdo",
            "data",
            "p",
            "div",
            "ul",
            "ol",
            "blockquote",
            "h1",
            "h6",
            "li",
            "br",
            "img",
            "wbr",
            "hr",
        ] {
            // The walk of the tree skips what is inside hidden elements and math; of those,
            // only elements without content are read here.
            let kind = kind_of(name);
            assert!(kind.is_some(), "{name}");
            if matches!(role_of(name), Role::Hidden | Role::Math) {
                assert_eq!(kind, Some(Kind::Void), "{name}");
            }
        }
    }

    fn same(markup: &str) {
        assert_eq!(
            decode_html(markup),
            decode_html_by_tree(markup),
            "{markup:?}"
        );
    }

    #[test]
    fn simple_markup_is_read_from_tokens() {
        for markup in [
            "<p>One &amp; two</p><p>Authors: A, B</p><p><a href=\"x\">abs</a> | <a>pdf</a></p>",
            "plain <b>bold <i>both</i></b> text<br>next<br/>line",
            "<ul><li>a</li><li>b <em>c</em></li></ul><ol><li>d</ol>",
            "<h2>Head</h2>text<hr>after<img src=x>",
            "<div>a<p>b</p>c</div>",
            "<p>unclosed<p>second",
            "</p>stray</b></div></h3></li>",
            "<span>x</span><sub>2</sub><sup>n</sup>",
            "<ul><li>a<li>b<li><p>c<li>d</ul>",
            "<div><p>a</div><blockquote><p>b<p>c</blockquote>",
        ] {
            assert!(text_from_tokens(markup).is_some(), "{markup:?}");
            same(markup);
        }
    }

    #[test]
    fn markup_the_tree_builder_reshapes_goes_to_the_parser() {
        for markup in [
            "<p>a<b>b<p>c</b>d",
            "<li><b>a<li>b",
            "<a>x<a>y</a>",
            "<b>x<i>y</b>z</i>",
            "<table><tr><td>x</td></tr></table>",
            "<script>x</script>",
            "<h1>a<h2>b",
            "a</br>b",
            "<div><b>x</div>y",
        ] {
            assert!(text_from_tokens(markup).is_none(), "{markup:?}");
            same(markup);
        }
    }

    /// Markup built from the elements read here and a few that are not, nested or not.
    fn markup() -> impl Strategy<Value = String> {
        let tag = prop::sample::select(vec![
            "p",
            "div",
            "ul",
            "ol",
            "li",
            "blockquote",
            "h1",
            "h3",
            "b",
            "i",
            "a",
            "em",
            "strong",
            "code",
            "span",
            "sub",
            "sup",
            "br",
            "img",
            "hr",
            "wbr",
            "small",
            "font",
            "table",
            "td",
            "tr",
            "pre",
            "script",
            "math",
            "dd",
            "nobr",
        ]);
        let piece = prop_oneof![
            3 => tag.clone().prop_map(|t| format!("<{t}>")),
            3 => tag.clone().prop_map(|t| format!("</{t}>")),
            1 => tag.prop_map(|t| format!("<{t}/>")),
            3 => "[a-z ]{0,6}".prop_map(String::from),
            1 => prop::sample::select(vec![
                "&amp;", "&lt;", "&#955;", "&nbsp;", "\n", "\r\n", "<!-- c -->", "\0", "<!doctype html>",
                "<a href=\"x\" title='>'>", "<b\nclass=x>", "&", "<", "<3", "x > y",
            ])
            .prop_map(String::from),
        ];
        prop::collection::vec(piece, 0..40).prop_map(|pieces| pieces.concat())
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(4_000))]

        #[test]
        fn tokens_and_tree_give_the_same_text(raw in markup()) {
            prop_assert_eq!(decode_html(&raw), decode_html_by_tree(&raw), "{:?}", raw);
        }
    }
}
