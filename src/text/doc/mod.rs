//! The document model of a full text (a paper's Markdown or HTML): blocks and inlines parsed
//! from Markdown (`from_markdown`, pulldown-cmark) or HTML (`from_html`, html5ever through
//! `scraper`), reduced to plain text (`to_plain_text`) or laid out for a terminal of a given
//! width (`render`): wrapped, styled lines, section starts for `{`/`}` and a table of contents,
//! and the link target of every linked span for OSC 8.
//!
//! Everything here is untrusted: every string that reaches `Rendered` or `to_plain_text` has
//! been through the control stripping of `text/controls.rs`, and math goes through the
//! LaTeX-as-text renderer of `text/latex.rs`.
//!
//! This file owns the model and the public entry points; parsing and rendering live in
//! `markdown`, `html` and `render`.
//!
//! Layer: part of `text`, which imports nothing from the crate but itself.

pub(super) mod html;
mod markdown;
mod nesting;
mod plain;
mod render;
mod roles;
mod table;
mod tidy;

pub use render::{
    Anchor, IncrementalLayout, Rendered, RenderedLine, Section, SpanStyle, StyledSpan,
};

/// A parsed document: its title when the source names one, and its blocks in order.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Doc {
    /// The document's own title (`<title>`, LaTeXML's `ltx_title_document`), when known.
    pub title: Option<String>,
    pub blocks: Vec<Block>,
}

/// A block of a document.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Block {
    /// A heading, level 1 (the title) to 6.
    Heading {
        level: u8,
        text: Vec<Inline>,
    },
    Paragraph(Vec<Inline>),
    /// A list; each item is a sequence of blocks (nested lists are blocks of an item).
    List {
        ordered: bool,
        items: Vec<Vec<Block>>,
    },
    /// A table: its header cells (may be empty) and rows of cells.
    Table {
        header: Vec<Vec<Inline>>,
        rows: Vec<Vec<Vec<Inline>>>,
    },
    /// Preformatted text, shown as written (never wrapped; clipped with a marker).
    Code {
        lang: Option<String>,
        text: String,
    },
    /// Display math, as LaTeX source (rendered through the LaTeX-as-text renderer).
    Math {
        latex: String,
    },
    Quote(Vec<Block>),
    /// A horizontal rule (`---`, `<hr>`).
    Rule,
}

/// Inline content of a block.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Inline {
    Text(String),
    Emph(Vec<Inline>),
    Strong(Vec<Inline>),
    Code(String),
    /// Inline math, as LaTeX source.
    Math(String),
    Link {
        text: Vec<Inline>,
        url: String,
    },
    /// A hard line break (`<br>`, two trailing spaces in Markdown).
    LineBreak,
}

/// Lists, quotes, tables and styled runs nested deeper than this are read as if flat: the
/// model, its walks and its drop stay shallow whatever the input.
const MAX_NESTING: usize = 32;

/// Untrusted text made safe to keep: escape sequences, controls and bidi characters removed.
fn clean_text(text: &str) -> String {
    super::controls::strip_controls(text).into_owned()
}

/// Math as readable text: the LaTeX through the LaTeX-as-text renderer in math mode, the
/// result control-free and on one line.
fn math_as_text(latex: &str) -> String {
    let trimmed = latex.trim();
    let delimited =
        if trimmed.starts_with('$') || trimmed.starts_with("\\(") || trimmed.starts_with("\\[") {
            trimmed.to_string()
        } else {
            format!("${trimmed}$")
        };
    let rendered = super::latex::render_latex(&delimited);
    let cleaned = super::controls::strip_controls(&rendered);
    cleaned.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// A link target worth keeping: an absolute http(s) URL without controls or spaces.
fn web_url(raw: &str) -> Option<String> {
    let url = clean_text(raw.trim());
    let lower = url.get(..8).unwrap_or(&url).to_ascii_lowercase();
    let is_web = lower.starts_with("https://") || lower.starts_with("http://");
    (is_web && url.len() <= 2_048 && !url.contains(char::is_whitespace)).then_some(url)
}

/// Parses Markdown (CommonMark with tables, strikethrough and `$…$`/`$$…$$` math); raw HTML
/// blocks go through the HTML parser, raw inline tags are dropped.
pub fn from_markdown(src: &str) -> Doc {
    markdown::parse(src)
}

/// A document being parsed, as far as asked: Markdown block by block (`markdown::Steps`);
/// HTML at once (html5ever builds the whole tree first).
pub struct Parsing<'a>(ParsingInner<'a>);

enum ParsingInner<'a> {
    Markdown(Box<markdown::Steps<'a>>),
    Whole(Doc),
}

impl<'a> Parsing<'a> {
    /// Markdown, parsed as blocks are asked for.
    pub fn markdown(src: &'a str) -> Parsing<'a> {
        Parsing(ParsingInner::Markdown(Box::new(markdown::Steps::new(src))))
    }

    /// HTML, parsed whole now.
    pub fn html(src: &str) -> Parsing<'a> {
        Parsing(ParsingInner::Whole(from_html(src)))
    }

    /// Parses until `count` top-level blocks are complete (or the text ends) and returns the
    /// complete ones: a prefix of the finished document's blocks.
    pub fn blocks_until(&mut self, count: usize) -> &[Block] {
        match &mut self.0 {
            ParsingInner::Markdown(steps) => steps.parse_until(count),
            ParsingInner::Whole(doc) => &doc.blocks,
        }
    }

    /// Whether the whole text has been read (`finish` may still close open blocks).
    pub fn is_ended(&self) -> bool {
        match &self.0 {
            ParsingInner::Markdown(steps) => steps.is_ended(),
            ParsingInner::Whole(_) => true,
        }
    }

    /// The whole document.
    pub fn finish(self) -> Doc {
        match self.0 {
            ParsingInner::Markdown(steps) => steps.finish(),
            ParsingInner::Whole(doc) => doc,
        }
    }
}

/// Parses HTML (a whole document or a fragment) with html5ever: scripts, styles, forms and
/// embedded objects dropped; LaTeXML's `<math alttext>` (or its TeX annotation) kept as math.
pub fn from_html(src: &str) -> Doc {
    html::parse_doc(src)
}

/// The document as plain text: blocks separated by a blank line, list items on their own
/// lines, math rendered as text, controls stripped. For search indexes and `show --full`.
pub fn to_plain_text(doc: &Doc) -> String {
    plain::to_plain_text(doc)
}

/// Lays the document out for `width` terminal columns (at least 1): no line is wider.
pub fn render(doc: &Doc, width: u16) -> Rendered {
    render::render(doc, width)
}

#[cfg(test)]
mod tests;
