//! A `Doc` laid out for a terminal width: wrapped lines of styled spans, the section starts
//! and the link targets. Tables are laid out in `table`.
//!
//! Layer: part of `text`, which imports nothing from the crate but itself.

use std::collections::HashMap;

use unicode_width::UnicodeWidthChar;

use super::table::lay_out_table;
use super::{Block, Doc, Inline, math_as_text};

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
        spans_width(&self.spans)
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
    /// The first line of each top-level block (at most `lines.len()`), for `Anchor`s.
    pub block_starts: Vec<usize>,
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

/// Content narrower than this is not indented further (deep lists on a narrow terminal).
const MIN_CONTENT_WIDTH: usize = 16;

pub(super) fn render(doc: &Doc, width: u16) -> Rendered {
    IncrementalLayout::new(width).finish(doc)
}

/// A place in the text that survives a new layout: a top-level block and how far into it
/// (`offset` of its `height` lines at the width it was taken at).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Anchor {
    pub block: usize,
    pub offset: usize,
    pub height: usize,
}

impl Rendered {
    /// The top-level block holding `line` (the last one starting at or before it).
    pub fn anchor_at(&self, line: usize) -> Anchor {
        let block = self
            .block_starts
            .partition_point(|&start| start <= line)
            .saturating_sub(1);
        let start = self.block_starts.get(block).copied().unwrap_or(0);
        Anchor {
            block,
            offset: line.saturating_sub(start),
            height: self.block_height(block),
        }
    }

    /// The line an anchor taken from another layout of the same document points at: the same
    /// block, as far into it in proportion. `None` when that block is not laid out yet.
    pub fn line_of(&self, anchor: Anchor) -> Option<usize> {
        let start = *self.block_starts.get(anchor.block)?;
        let height = self.block_height(anchor.block);
        let offset = if anchor.height == 0 || anchor.height == height {
            anchor.offset
        } else {
            (anchor.offset as u128 * height as u128 / anchor.height as u128) as usize
        };
        Some(start + offset.min(height.saturating_sub(1)))
    }

    fn block_height(&self, block: usize) -> usize {
        let start = self.block_starts.get(block).copied().unwrap_or(0);
        let end = self
            .block_starts
            .get(block + 1)
            .copied()
            .unwrap_or(self.lines.len());
        end.saturating_sub(start)
    }
}

/// A layout in progress: the document's top-level blocks laid out in order, as far as asked,
/// so the first screen can be drawn before the rest is laid out. Laying out in steps gives
/// exactly the lines of one `render` (a top-level block's lines depend only on the blocks
/// before it through the line count and the link numbers, both carried here).
#[derive(Debug, Clone)]
pub struct IncrementalLayout {
    renderer: Renderer,
    /// The next top-level block to lay out.
    next_block: usize,
}

impl IncrementalLayout {
    /// An empty layout for `width` columns (at least 1).
    pub fn new(width: u16) -> IncrementalLayout {
        IncrementalLayout {
            renderer: Renderer {
                out: Rendered {
                    width: width.max(1),
                    ..Rendered::default()
                },
                link_index: HashMap::new(),
            },
            next_block: 0,
        }
    }

    /// Lays out blocks of `doc` (always the same document) until `lines` lines from the start
    /// of block `block` are laid out, or the document ends. Returns whether it ended.
    pub fn extend(&mut self, doc: &Doc, lines: usize, block: usize) -> bool {
        self.extend_blocks(&doc.blocks, lines, block)
    }

    /// As `extend`, over the top-level blocks parsed so far (a prefix of the document's:
    /// more may be given to later calls). Returns whether it ran out of blocks.
    pub fn extend_blocks(&mut self, blocks: &[Block], lines: usize, block: usize) -> bool {
        let frame = Frame::root(usize::from(self.renderer.out.width));
        while let Some(next) = blocks.get(self.next_block) {
            let laid_out = self.renderer.out.lines.len();
            let from = self.renderer.out.block_starts.get(block).copied();
            if from.is_some_and(|from| laid_out.saturating_sub(from) >= lines) {
                return false;
            }
            if self.next_block > 0 {
                self.renderer.blank(&frame);
            }
            let start = self.renderer.out.lines.len();
            self.renderer.out.block_starts.push(start);
            self.renderer.block(next, &frame);
            self.next_block += 1;
        }
        true
    }

    /// How many top-level blocks are laid out.
    pub fn blocks_laid_out(&self) -> usize {
        self.next_block
    }

    /// The lines laid out so far: a prefix of the finished layout's lines (the finished one
    /// drops trailing blank lines).
    pub fn rendered(&self) -> &Rendered {
        &self.renderer.out
    }

    /// Lays out the rest and returns the whole layout.
    pub fn finish(mut self, doc: &Doc) -> Rendered {
        self.extend(doc, usize::MAX, usize::MAX);
        let mut out = self.renderer.out;
        while out
            .lines
            .last()
            .is_some_and(|line| line.spans.iter().all(|span| span.text.trim().is_empty()))
        {
            out.lines.pop();
        }
        let line_count = out.lines.len();
        out.sections.retain(|section| section.line < line_count);
        for start in &mut out.block_starts {
            *start = (*start).min(line_count);
        }
        out
    }
}

/// Where blocks are laid out: the total width, the prefix of the first line and of the
/// others (indentation, bullets, quote bars), and whether the text is quoted.
#[derive(Debug, Clone)]
pub(super) struct Frame {
    pub(super) width: usize,
    pub(super) first: Vec<StyledSpan>,
    pub(super) rest: Vec<StyledSpan>,
    pub(super) quote: bool,
}

impl Frame {
    /// The whole width, nothing around it.
    fn root(width: usize) -> Frame {
        Frame {
            width,
            first: Vec::new(),
            rest: Vec::new(),
            quote: false,
        }
    }

    fn prefix_width(&self) -> usize {
        spans_width(&self.first).max(spans_width(&self.rest))
    }

    /// Columns left for content.
    pub(super) fn content_width(&self) -> usize {
        self.width.saturating_sub(self.prefix_width()).max(1)
    }

    /// A frame inside this one with `first`/`rest` added to the prefixes, unless the content
    /// would get too narrow (then the prefixes are not added).
    fn nested(&self, first: &str, rest: &str, quote: bool) -> Frame {
        let added = display_width(first).max(display_width(rest));
        let room = self.width.saturating_sub(self.prefix_width());
        let mut nested = Frame {
            width: self.width,
            first: self.first.clone(),
            rest: self.rest.clone(),
            quote: self.quote || quote,
        };
        if room >= added + MIN_CONTENT_WIDTH.min(self.width / 2) && room > added {
            let style = SpanStyle {
                decoration: true,
                quote: nested.quote,
                ..SpanStyle::default()
            };
            nested.first.push(StyledSpan {
                text: first.to_string(),
                style,
                link: None,
            });
            nested.rest.push(StyledSpan {
                text: rest.to_string(),
                style,
                link: None,
            });
        }
        nested
    }

    /// The frame for the lines after the first (the bullet is shown once).
    fn continued(&self) -> Frame {
        Frame {
            first: self.rest.clone(),
            ..self.clone()
        }
    }
}

#[derive(Debug, Clone)]
struct Renderer {
    out: Rendered,
    link_index: HashMap<String, usize>,
}

impl Renderer {
    /// Lays out blocks with a blank line between them (`spaced`) or none (a tight list item).
    fn blocks(&mut self, blocks: &[Block], frame: &Frame, spaced: bool) {
        let mut frame = frame.clone();
        for (index, block) in blocks.iter().enumerate() {
            if index > 0 {
                if spaced || !matches!(block, Block::List { .. }) {
                    self.blank(&frame);
                }
                frame = frame.continued();
            }
            self.block(block, &frame);
        }
    }

    fn blank(&mut self, frame: &Frame) {
        let spans = frame
            .rest
            .iter()
            .filter(|span| span.style.quote)
            .cloned()
            .collect::<Vec<_>>();
        let mut line = RenderedLine { spans };
        trim_line_end(&mut line);
        self.out.lines.push(line);
    }

    fn block(&mut self, block: &Block, frame: &Frame) {
        match block {
            Block::Heading { level, text } => {
                let style = SpanStyle {
                    heading: Some(*level),
                    strong: true,
                    quote: frame.quote,
                    ..SpanStyle::default()
                };
                let start = self.out.lines.len();
                self.inlines(text, frame, style);
                let title = super::plain::inline_lines(text).join(" ");
                self.out.sections.push(Section {
                    line: start,
                    level: *level,
                    title,
                });
                if *level <= 2 {
                    let drawn = self.out.lines[start..]
                        .iter()
                        .map(|line| line.width() - spans_width(&frame.rest).min(line.width()))
                        .max()
                        .unwrap_or(0);
                    let rule = if *level == 1 { "═" } else { "─" };
                    let decoration = SpanStyle {
                        decoration: true,
                        heading: Some(*level),
                        quote: frame.quote,
                        ..SpanStyle::default()
                    };
                    let spans = vec![StyledSpan {
                        text: rule.repeat(drawn.min(frame.content_width())),
                        style: decoration,
                        link: None,
                    }];
                    self.push_line(&frame.continued(), spans);
                }
            }
            Block::Paragraph(text) => {
                let style = SpanStyle {
                    quote: frame.quote,
                    ..SpanStyle::default()
                };
                self.inlines(text, frame, style);
            }
            Block::List { ordered, items } => {
                let digits = items.len().to_string().len();
                for (index, item) in items.iter().enumerate() {
                    let marker = if *ordered {
                        format!("{:>digits$}. ", index + 1)
                    } else {
                        "• ".to_string()
                    };
                    let indent = " ".repeat(display_width(&marker));
                    let nested = frame.nested(&marker, &indent, false);
                    let frame_for_item = nested;
                    let before = self.out.lines.len();
                    self.blocks(
                        item,
                        &frame_for_item,
                        item.len() > 1 && has_two_paragraphs(item),
                    );
                    if self.out.lines.len() == before {
                        self.push_line(&frame_for_item, Vec::new());
                    }
                }
            }
            Block::Table { header, rows } => {
                let lines = lay_out_table(
                    header,
                    rows,
                    frame.content_width(),
                    &mut |inlines, width| self.wrap_cell(inlines, width),
                );
                let mut current = frame.clone();
                for spans in lines {
                    self.push_line(&current, spans);
                    current = current.continued();
                }
            }
            Block::Code { text, .. } => {
                let width = frame.content_width();
                let style = SpanStyle {
                    code: true,
                    quote: frame.quote,
                    ..SpanStyle::default()
                };
                let mut current = frame.clone();
                for line in text.split('\n') {
                    let spans = clip_code_line(line, width, style);
                    self.push_line(&current, spans);
                    current = current.continued();
                }
            }
            Block::Math { latex } => {
                let style = SpanStyle {
                    math: true,
                    quote: frame.quote,
                    ..SpanStyle::default()
                };
                let nested = frame.nested("    ", "    ", false);
                let text = vec![Inline::Text(math_as_text(latex))];
                self.inlines(&text, &nested, style);
            }
            Block::Quote(blocks) => {
                let nested = frame.nested("│ ", "│ ", true);
                self.blocks(blocks, &nested, true);
            }
            Block::Rule => {
                let spans = vec![StyledSpan {
                    text: "─".repeat(frame.content_width()),
                    style: SpanStyle {
                        decoration: true,
                        quote: frame.quote,
                        ..SpanStyle::default()
                    },
                    link: None,
                }];
                self.push_line(frame, spans);
            }
        }
    }

    /// Wraps inlines into lines within the frame.
    fn inlines(&mut self, inlines: &[Inline], frame: &Frame, style: SpanStyle) {
        let lines = self.wrap(inlines, frame.content_width(), style);
        let mut current = frame.clone();
        for spans in lines {
            self.push_line(&current, spans);
            current = current.continued();
        }
    }

    fn push_line(&mut self, frame: &Frame, spans: Vec<StyledSpan>) {
        let mut all = frame.first.clone();
        all.extend(spans);
        let mut line = RenderedLine { spans: all };
        trim_line_end(&mut line);
        self.out.lines.push(line);
    }

    fn wrap_cell(&mut self, inlines: &[Inline], width: usize) -> Vec<Vec<StyledSpan>> {
        self.wrap(inlines, width, SpanStyle::default())
    }

    /// Greedy word wrap of styled inlines at `width` columns; words longer than a line are
    /// broken.
    fn wrap(&mut self, inlines: &[Inline], width: usize, base: SpanStyle) -> Vec<Vec<StyledSpan>> {
        let mut pieces = Vec::new();
        self.flatten(inlines, base, None, &mut pieces);
        wrap_pieces(&pieces, width.max(1))
    }

    fn link_id(&mut self, url: &str) -> usize {
        if let Some(&id) = self.link_index.get(url) {
            return id;
        }
        let id = self.out.links.len();
        self.out.links.push(url.to_string());
        self.link_index.insert(url.to_string(), id);
        id
    }

    /// Inlines as a flat run of styled pieces; `None` text is a hard line break.
    fn flatten(
        &mut self,
        inlines: &[Inline],
        style: SpanStyle,
        link: Option<usize>,
        out: &mut Vec<Piece>,
    ) {
        for inline in inlines {
            match inline {
                Inline::Text(text) => out.push(Piece::Text(text.clone(), style, link)),
                Inline::Code(text) => out.push(Piece::Text(
                    text.clone(),
                    SpanStyle {
                        code: true,
                        ..style
                    },
                    link,
                )),
                Inline::Math(latex) => out.push(Piece::Text(
                    math_as_text(latex),
                    SpanStyle {
                        math: true,
                        ..style
                    },
                    link,
                )),
                Inline::Emph(children) => {
                    self.flatten(
                        children,
                        SpanStyle {
                            emph: true,
                            ..style
                        },
                        link,
                        out,
                    );
                }
                Inline::Strong(children) => {
                    self.flatten(
                        children,
                        SpanStyle {
                            strong: true,
                            ..style
                        },
                        link,
                        out,
                    );
                }
                Inline::Link { text, url } => {
                    let id = self.link_id(url);
                    self.flatten(
                        text,
                        SpanStyle {
                            link: true,
                            ..style
                        },
                        Some(id),
                        out,
                    );
                }
                Inline::LineBreak => out.push(Piece::Break),
            }
        }
    }
}

fn has_two_paragraphs(item: &[Block]) -> bool {
    item.iter()
        .filter(|block| !matches!(block, Block::List { .. }))
        .count()
        > 1
}

/// A run of text in one style, or a hard line break.
#[derive(Debug, Clone)]
pub(super) enum Piece {
    Text(String, SpanStyle, Option<usize>),
    Break,
}

/// Greedy word wrap of pieces at `width` (≥ 1) columns.
pub(super) fn wrap_pieces(pieces: &[Piece], width: usize) -> Vec<Vec<StyledSpan>> {
    let mut wrapper = Wrapper {
        width,
        lines: Vec::new(),
        line: Vec::new(),
        line_width: 0,
        word: Vec::new(),
        word_width: 0,
        pending_space: None,
    };
    for piece in pieces {
        match piece {
            Piece::Break => {
                wrapper.end_word();
                wrapper.end_line();
            }
            Piece::Text(text, style, link) => {
                for ch in text.chars() {
                    if ch.is_whitespace() {
                        wrapper.end_word();
                        if wrapper.line_width > 0 {
                            wrapper.pending_space = Some((*style, *link));
                        }
                    } else {
                        wrapper.push_char(ch, *style, *link);
                    }
                }
            }
        }
    }
    wrapper.end_word();
    if !wrapper.line.is_empty() || wrapper.lines.is_empty() {
        wrapper.end_line();
    }
    wrapper.lines
}

struct Wrapper {
    width: usize,
    lines: Vec<Vec<StyledSpan>>,
    line: Vec<StyledSpan>,
    line_width: usize,
    /// The word being gathered (it may span styles).
    word: Vec<StyledSpan>,
    word_width: usize,
    /// A space seen since the last word, with the style it would be drawn in.
    pending_space: Option<(SpanStyle, Option<usize>)>,
}

impl Wrapper {
    fn push_char(&mut self, ch: char, style: SpanStyle, link: Option<usize>) {
        let mut ch = ch;
        let mut char_width = ch.width().unwrap_or(0);
        if char_width > self.width {
            // A wide character on a one-column line.
            ch = '…';
            char_width = 1;
        }
        if self.word_width + char_width > self.width {
            // A word longer than a line: break it.
            self.end_word();
        }
        push_styled(&mut self.word, ch, style, link);
        self.word_width += char_width;
    }

    fn end_word(&mut self) {
        if self.word.is_empty() {
            return;
        }
        let space = usize::from(self.pending_space.is_some() && self.line_width > 0);
        if self.line_width > 0 && self.line_width + space + self.word_width > self.width {
            self.end_line();
        }
        if self.line_width > 0
            && let Some((style, link)) = self.pending_space
        {
            // A space inside a link stays part of it; otherwise plain.
            let link = link.filter(|_| self.word.first().is_some_and(|span| span.link == link));
            let style = if link.is_some() {
                style
            } else {
                SpanStyle {
                    quote: style.quote,
                    ..SpanStyle::default()
                }
            };
            push_styled(&mut self.line, ' ', style, link);
            self.line_width += 1;
        }
        self.pending_space = None;
        for span in self.word.drain(..) {
            match self.line.last_mut() {
                Some(last) if last.style == span.style && last.link == span.link => {
                    last.text.push_str(&span.text);
                }
                _ => self.line.push(span),
            }
        }
        self.line_width += self.word_width;
        self.word_width = 0;
    }

    fn end_line(&mut self) {
        self.lines.push(std::mem::take(&mut self.line));
        self.line_width = 0;
        self.pending_space = None;
    }
}

fn push_styled(spans: &mut Vec<StyledSpan>, ch: char, style: SpanStyle, link: Option<usize>) {
    match spans.last_mut() {
        Some(last) if last.style == style && last.link == link => last.text.push(ch),
        _ => spans.push(StyledSpan {
            text: ch.to_string(),
            style,
            link,
        }),
    }
}

/// A code line as is when it fits, else clipped with a `→` marker in the last column.
fn clip_code_line(line: &str, width: usize, style: SpanStyle) -> Vec<StyledSpan> {
    if display_width(line) <= width {
        return vec![StyledSpan {
            text: line.to_string(),
            style,
            link: None,
        }];
    }
    let keep = width.saturating_sub(1);
    let mut text = String::new();
    let mut used = 0;
    for ch in line.chars() {
        let char_width = ch.width().unwrap_or(0);
        if used + char_width > keep {
            break;
        }
        text.push(ch);
        used += char_width;
    }
    vec![
        StyledSpan {
            text,
            style,
            link: None,
        },
        StyledSpan {
            text: "→".into(),
            style: SpanStyle {
                decoration: true,
                ..style
            },
            link: None,
        },
    ]
}

/// Drops trailing spaces of a line (indentation left on a blank line).
fn trim_line_end(line: &mut RenderedLine) {
    while let Some(last) = line.spans.last_mut() {
        let trimmed = last.text.trim_end_matches(' ').len();
        last.text.truncate(trimmed);
        if !last.text.is_empty() {
            return;
        }
        line.spans.pop();
    }
}

pub(super) fn display_width(text: &str) -> usize {
    text.chars().map(|ch| ch.width().unwrap_or(0)).sum()
}

pub(super) fn spans_width(spans: &[StyledSpan]) -> usize {
    spans.iter().map(|span| display_width(&span.text)).sum()
}
