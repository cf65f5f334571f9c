//! A `Doc` laid out for a terminal width: wrapped lines of styled spans, the section starts
//! and the link targets.
//!
//! Layer: part of `text`, which imports nothing from the crate but itself.

use super::Doc;

/// How a span is drawn; the UI maps it to its theme. Flags combine (a strong link).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash)]
pub struct SpanStyle {
    pub emph: bool,
    pub strong: bool,
    /// Inline code or a code block.
    pub code: bool,
    /// Math rendered as text.
    pub math: bool,
    /// Text of a link (its target is in `StyledSpan::link`).
    pub link: bool,
    /// Part of a heading of this level (1–6).
    pub heading: Option<u8>,
    /// Inside a block quote.
    pub quote: bool,
    /// Layout marks that are not the document's text: list bullets, quote bars, table rules,
    /// the clip marker of a code line.
    pub decoration: bool,
}

/// A run of text drawn in one style.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StyledSpan {
    /// Control-free text, never containing a newline.
    pub text: String,
    pub style: SpanStyle,
    /// The link target, an index into `Rendered::links` (for OSC 8 hyperlinks).
    pub link: Option<usize>,
}

/// One terminal line: its spans, together at most the rendered width in columns.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RenderedLine {
    pub spans: Vec<StyledSpan>,
}

impl RenderedLine {
    /// The line's text without styles.
    pub fn text(&self) -> String {
        self.spans.iter().map(|span| span.text.as_str()).collect()
    }

    /// The line's width in terminal columns.
    pub fn width(&self) -> usize {
        self.spans
            .iter()
            .map(|span| unicode_width::UnicodeWidthStr::width(span.text.as_str()))
            .sum()
    }
}

/// Where a section starts: for `{`/`}` and the table of contents.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Section {
    /// Index into `Rendered::lines` of the heading's first line.
    pub line: usize,
    /// The heading level, 1–6.
    pub level: u8,
    /// The heading as one line of plain text.
    pub title: String,
}

/// A document laid out for one width.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Rendered {
    /// The width it was laid out for; no line is wider.
    pub width: u16,
    pub lines: Vec<RenderedLine>,
    /// Section starts in document order.
    pub sections: Vec<Section>,
    /// Link targets (http(s) URLs), referred to by `StyledSpan::link`.
    pub links: Vec<String>,
}

impl Rendered {
    /// The first section starting after `line`, for `}`.
    pub fn next_section(&self, line: usize) -> Option<&Section> {
        self.sections.iter().find(|section| section.line > line)
    }

    /// The last section starting before `line`, for `{`.
    pub fn previous_section(&self, line: usize) -> Option<&Section> {
        self.sections
            .iter()
            .rev()
            .find(|section| section.line < line)
    }
}

pub(super) fn render(doc: &Doc, width: u16) -> Rendered {
    let plain = super::plain::to_plain_text(doc);
    let width = width.max(1);
    let lines = plain
        .lines()
        .map(|line| RenderedLine {
            spans: vec![StyledSpan {
                text: super::super::fit(line, usize::from(width)),
                style: SpanStyle::default(),
                link: None,
            }],
        })
        .collect();
    Rendered {
        width,
        lines,
        sections: Vec::new(),
        links: Vec::new(),
    }
}
