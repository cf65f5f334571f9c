//! Markdown to `Doc` with pulldown-cmark: CommonMark plus tables, strikethrough and
//! `$…$`/`$$…$$` math. Raw HTML blocks go through the HTML parser (`doc::html`); raw inline
//! tags are dropped, their text kept.
//!
//! Layer: part of `text`, which imports nothing from the crate but itself.

use pulldown_cmark::{CodeBlockKind, Event, HeadingLevel, Options, Parser, Tag, TagEnd};

use super::html::{clean_code, is_html_element};
use super::tidy::tidy_inlines;
use super::{Block, Doc, Inline, MAX_NESTING, clean_text, web_url};

/// Parses Markdown into a `Doc`.
pub(super) fn parse(src: &str) -> Doc {
    let mut steps = Steps::new(src);
    steps.parse_until(usize::MAX);
    steps.finish()
}

/// Markdown parsed as far as asked: the first blocks can be laid out before the rest is
/// parsed. pulldown-cmark reads the block structure (and link definitions) of the whole text
/// first and the inlines as they are pulled, so the blocks of the first screen cost a small
/// part of a whole parse. A top-level block, once complete, never changes.
pub(super) struct Steps<'a> {
    parser: Parser<'a>,
    builder: Builder,
    ended: bool,
}

impl<'a> Steps<'a> {
    pub(super) fn new(src: &'a str) -> Steps<'a> {
        let options = Options::ENABLE_TABLES
            | Options::ENABLE_STRIKETHROUGH
            | Options::ENABLE_MATH
            | Options::ENABLE_FOOTNOTES;
        Steps {
            parser: Parser::new_ext(src, options),
            builder: Builder::default(),
            ended: false,
        }
    }

    /// Parses until `count` top-level blocks are complete or the text ends; returns the
    /// complete top-level blocks (more may follow from `finish`).
    pub(super) fn parse_until(&mut self, count: usize) -> &[Block] {
        while !self.ended && self.builder.top_blocks().len() < count {
            match self.parser.next() {
                Some(event) => self.builder.event(event),
                None => self.ended = true,
            }
        }
        self.builder.top_blocks()
    }

    pub(super) fn is_ended(&self) -> bool {
        self.ended
    }

    /// Parses the rest and returns the whole document.
    pub(super) fn finish(mut self) -> Doc {
        self.parse_until(usize::MAX);
        self.builder.finish()
    }
}

/// A container being filled: the blocks of the document, a quote, a list item or a footnote.
#[derive(Debug)]
enum Frame {
    Blocks(Vec<Block>),
    Quote(Vec<Block>),
    List {
        ordered: bool,
        items: Vec<Vec<Block>>,
    },
    Item(Vec<Block>),
    Table(TableFrame),
}

#[derive(Debug, Default)]
struct TableFrame {
    header: Vec<Vec<Inline>>,
    rows: Vec<Vec<Vec<Inline>>>,
    in_header: bool,
}

/// Inline nesting being filled: emphasis, strong, a link, or the block's own inlines.
#[derive(Debug)]
enum InlineFrame {
    Root,
    /// The text of a tight list item, which comes without a paragraph around it.
    Implicit,
    Emph,
    Strong,
    Strike,
    Link(String),
}

#[derive(Debug)]
struct Builder {
    frames: Vec<Frame>,
    /// Open inline containers with the inlines gathered so far in each.
    inlines: Vec<(InlineFrame, Vec<Inline>)>,
    /// The text of an open code block, with its language.
    code: Option<(Option<String>, String)>,
    /// Raw HTML gathered for one HTML block.
    html: Option<String>,
    /// For each open quote, list, item or footnote: false when it was past the nesting cap
    /// and so not opened.
    kept_containers: Vec<bool>,
}

impl Default for Builder {
    fn default() -> Self {
        Builder {
            frames: vec![Frame::Blocks(Vec::new())],
            inlines: Vec::new(),
            code: None,
            html: None,
            kept_containers: Vec::new(),
        }
    }
}

impl Builder {
    fn event(&mut self, event: Event<'_>) {
        match event {
            Event::Start(tag) => self.start(tag),
            Event::End(tag) => self.end(tag),
            Event::Text(text) => {
                if let Some((_, code)) = self.code.as_mut() {
                    code.push_str(&text);
                } else {
                    self.push_inline(Inline::Text(clean_text(&text)));
                }
            }
            Event::Code(text) => self.push_inline(Inline::Code(clean_text(&text))),
            Event::InlineMath(latex) => self.push_inline(Inline::Math(clean_text(&latex))),
            Event::DisplayMath(latex) => {
                // Display math sits inside a paragraph in pulldown-cmark; a paragraph of
                // display math alone becomes a math block when the paragraph ends.
                self.push_inline(Inline::Math(format!("$${}$$", clean_text(&latex))));
            }
            Event::Html(raw) => match self.html.as_mut() {
                Some(html) => html.push_str(&raw),
                None => self.push_block(super::html::parse_doc(&raw).blocks),
            },
            Event::InlineHtml(raw) => self.inline_html(&raw),
            Event::SoftBreak => self.push_inline(Inline::Text(" ".into())),
            Event::HardBreak => self.push_inline(Inline::LineBreak),
            Event::Rule => self.push_block(vec![Block::Rule]),
            Event::FootnoteReference(label) => {
                self.push_inline(Inline::Text(format!("[{}]", clean_text(&label))));
            }
            Event::TaskListMarker(done) => {
                self.push_inline(Inline::Text(if done { "[x] " } else { "[ ] " }.into()));
            }
        }
    }

    fn start(&mut self, tag: Tag<'_>) {
        let is_inline = matches!(
            tag,
            Tag::Emphasis
                | Tag::Strong
                | Tag::Strikethrough
                | Tag::Link { .. }
                | Tag::Image { .. }
                | Tag::Superscript
                | Tag::Subscript
        );
        if is_inline {
            self.ensure_root();
        } else {
            self.flush_implicit();
        }
        match tag {
            Tag::Paragraph | Tag::Heading { .. } | Tag::TableCell => {
                self.inlines.push((InlineFrame::Root, Vec::new()));
            }
            Tag::BlockQuote(_) | Tag::List(_) | Tag::Item | Tag::FootnoteDefinition(_)
                if self.frames.len() > MAX_NESTING =>
            {
                self.kept_containers.push(false);
            }
            Tag::BlockQuote(_) => {
                self.kept_containers.push(true);
                self.frames.push(Frame::Quote(Vec::new()));
            }
            Tag::CodeBlock(kind) => {
                let lang = match kind {
                    CodeBlockKind::Fenced(info) => info
                        .split_whitespace()
                        .next()
                        .map(str::to_string)
                        .filter(|lang| !lang.is_empty()),
                    CodeBlockKind::Indented => None,
                };
                self.code = Some((lang, String::new()));
            }
            Tag::HtmlBlock => self.html = Some(String::new()),
            Tag::List(first) => {
                self.kept_containers.push(true);
                self.frames.push(Frame::List {
                    ordered: first.is_some(),
                    items: Vec::new(),
                });
            }
            Tag::Item | Tag::FootnoteDefinition(_) => {
                self.kept_containers.push(true);
                self.frames.push(Frame::Item(Vec::new()));
            }
            Tag::Table(_) => self.frames.push(Frame::Table(TableFrame::default())),
            Tag::TableHead => {
                if let Some(Frame::Table(table)) = self.frames.last_mut() {
                    table.in_header = true;
                }
            }
            Tag::TableRow => {
                if let Some(Frame::Table(table)) = self.frames.last_mut() {
                    table.rows.push(Vec::new());
                }
            }
            Tag::Emphasis
            | Tag::Strong
            | Tag::Strikethrough
            | Tag::Link { .. }
            | Tag::Image { .. }
                if self.inlines.len() > MAX_NESTING =>
            {
                self.inlines.push((InlineFrame::Strike, Vec::new()));
            }
            Tag::Emphasis => self.inlines.push((InlineFrame::Emph, Vec::new())),
            Tag::Strong => self.inlines.push((InlineFrame::Strong, Vec::new())),
            Tag::Strikethrough => self.inlines.push((InlineFrame::Strike, Vec::new())),
            Tag::Link { dest_url, .. } | Tag::Image { dest_url, .. } => {
                let frame = match web_url(&dest_url) {
                    Some(url) => InlineFrame::Link(url),
                    None => InlineFrame::Strike,
                };
                self.inlines.push((frame, Vec::new()));
            }
            Tag::DefinitionList
            | Tag::DefinitionListTitle
            | Tag::DefinitionListDefinition
            | Tag::MetadataBlock(_)
            | Tag::Superscript
            | Tag::Subscript => {}
        }
    }

    fn end(&mut self, tag: TagEnd) {
        if matches!(
            tag,
            TagEnd::Item | TagEnd::BlockQuote(_) | TagEnd::List(_) | TagEnd::FootnoteDefinition
        ) {
            self.flush_implicit();
            if !self.kept_containers.pop().unwrap_or(true) {
                return;
            }
        }
        match tag {
            TagEnd::Paragraph => {
                let inlines = self.pop_root();
                let block = match inlines.as_slice() {
                    [Inline::Math(latex)] if latex.starts_with("$$") => Block::Math {
                        latex: latex
                            .trim_start_matches("$$")
                            .trim_end_matches("$$")
                            .to_string(),
                    },
                    _ => Block::Paragraph(inlines),
                };
                self.push_block(vec![block]);
            }
            TagEnd::Heading(level) => {
                let text = self.pop_root();
                if !text.is_empty() {
                    self.push_block(vec![Block::Heading {
                        level: heading_level(level),
                        text,
                    }]);
                }
            }
            TagEnd::TableCell => {
                let cell = self.pop_root();
                if let Some(Frame::Table(table)) = self.frames.last_mut() {
                    if table.in_header {
                        table.header.push(cell);
                    } else if let Some(row) = table.rows.last_mut() {
                        row.push(cell);
                    }
                }
            }
            TagEnd::TableHead => {
                if let Some(Frame::Table(table)) = self.frames.last_mut() {
                    table.in_header = false;
                }
            }
            TagEnd::BlockQuote(_) => {
                if let Some(Frame::Quote(blocks)) = self.frames.pop() {
                    self.push_block(vec![Block::Quote(blocks)]);
                }
            }
            TagEnd::CodeBlock => {
                if let Some((lang, text)) = self.code.take() {
                    let lang = lang.map(|lang| clean_text(&lang));
                    let text = clean_code(&text);
                    self.push_block(vec![Block::Code { lang, text }]);
                }
            }
            TagEnd::HtmlBlock => {
                if let Some(raw) = self.html.take() {
                    self.push_block(super::html::parse_doc(&raw).blocks);
                }
            }
            TagEnd::List(_) => {
                if let Some(Frame::List { ordered, items }) = self.frames.pop() {
                    self.push_block(vec![Block::List { ordered, items }]);
                }
            }
            TagEnd::Item => {
                if let Some(Frame::Item(blocks)) = self.frames.pop()
                    && let Some(Frame::List { items, .. }) = self.frames.last_mut()
                {
                    items.push(blocks);
                }
            }
            TagEnd::FootnoteDefinition => {
                if let Some(Frame::Item(blocks)) = self.frames.pop() {
                    self.push_block(blocks);
                }
            }
            TagEnd::Table => {
                if let Some(Frame::Table(table)) = self.frames.pop() {
                    self.push_block(vec![Block::Table {
                        header: table.header,
                        rows: table.rows,
                    }]);
                }
            }
            TagEnd::Emphasis
            | TagEnd::Strong
            | TagEnd::Strikethrough
            | TagEnd::Link
            | TagEnd::Image => {
                if let Some((frame, children)) = self.inlines.pop() {
                    let inline = match frame {
                        InlineFrame::Emph => Inline::Emph(children),
                        InlineFrame::Strong => Inline::Strong(children),
                        InlineFrame::Link(url) => Inline::Link {
                            text: children,
                            url,
                        },
                        InlineFrame::Strike | InlineFrame::Root | InlineFrame::Implicit => {
                            for child in children {
                                self.push_inline(child);
                            }
                            return;
                        }
                    };
                    self.push_inline(inline);
                }
            }
            TagEnd::TableRow
            | TagEnd::DefinitionList
            | TagEnd::DefinitionListTitle
            | TagEnd::DefinitionListDefinition
            | TagEnd::MetadataBlock(_)
            | TagEnd::Superscript
            | TagEnd::Subscript => {}
        }
    }

    /// Raw inline HTML: `<br>` breaks the line, a tag of an HTML element is dropped (its text
    /// comes as text), anything else (`<think>`) is text.
    fn inline_html(&mut self, raw: &str) {
        let name: String = raw
            .trim_start_matches('<')
            .trim_start_matches('/')
            .chars()
            .take_while(|ch| ch.is_ascii_alphanumeric() || *ch == '-')
            .collect();
        if name.eq_ignore_ascii_case("br") {
            self.push_inline(Inline::LineBreak);
        } else if (name.is_empty() || !is_html_element(&name))
            && !raw.starts_with("<!--")
            && !raw.starts_with("<?")
        {
            self.push_inline(Inline::Text(clean_text(raw)));
        }
    }

    /// Closes the open inline containers down to and including the block's root.
    fn pop_root(&mut self) -> Vec<Inline> {
        let mut gathered = Vec::new();
        while let Some((frame, children)) = self.inlines.pop() {
            let is_root = matches!(frame, InlineFrame::Root | InlineFrame::Implicit);
            gathered = merge_open(frame, children, gathered);
            if is_root {
                break;
            }
        }
        tidy_inlines(gathered)
    }

    fn push_inline(&mut self, inline: Inline) {
        self.ensure_root();
        if let Some((_, children)) = self.inlines.last_mut() {
            children.push(inline);
        }
    }

    /// Opens an implicit paragraph for inline content outside a block (a tight item's text).
    fn ensure_root(&mut self) {
        if self.inlines.is_empty() {
            self.inlines.push((InlineFrame::Implicit, Vec::new()));
        }
    }

    /// Ends an implicit paragraph before a block starts or its container ends.
    fn flush_implicit(&mut self) {
        if !matches!(self.inlines.first(), Some((InlineFrame::Implicit, _))) {
            return;
        }
        let mut gathered = Vec::new();
        while let Some((frame, children)) = self.inlines.pop() {
            gathered = merge_open(frame, children, gathered);
        }
        let gathered = tidy_inlines(gathered);
        if !gathered.is_empty() {
            self.push_block(vec![Block::Paragraph(gathered)]);
        }
    }

    fn push_block(&mut self, blocks: Vec<Block>) {
        self.flush_implicit();
        let target = match self.frames.last_mut() {
            Some(Frame::Blocks(list) | Frame::Quote(list) | Frame::Item(list)) => list,
            Some(Frame::List { items, .. }) => {
                if items.is_empty() {
                    items.push(Vec::new());
                }
                match items.last_mut() {
                    Some(item) => item,
                    None => return,
                }
            }
            Some(Frame::Table(_)) | None => return,
        };
        target.extend(blocks);
    }

    /// The complete top-level blocks so far.
    fn top_blocks(&self) -> &[Block] {
        match self.frames.first() {
            Some(Frame::Blocks(blocks)) => blocks,
            _ => &[],
        }
    }

    fn finish(mut self) -> Doc {
        self.flush_implicit();
        while self.frames.len() > 1 {
            if let Some(frame) = self.frames.pop() {
                let blocks = match frame {
                    Frame::Blocks(blocks) | Frame::Item(blocks) => blocks,
                    Frame::Quote(blocks) => vec![Block::Quote(blocks)],
                    Frame::List { ordered, items } => vec![Block::List { ordered, items }],
                    Frame::Table(table) => vec![Block::Table {
                        header: table.header,
                        rows: table.rows,
                    }],
                };
                self.push_block(blocks);
            }
        }
        let blocks = match self.frames.pop() {
            Some(Frame::Blocks(blocks)) => blocks,
            _ => Vec::new(),
        };
        Doc {
            title: None,
            blocks,
        }
    }
}

/// Closes an inline container left open, with the inlines of the containers it held.
fn merge_open(frame: InlineFrame, mut children: Vec<Inline>, inner: Vec<Inline>) -> Vec<Inline> {
    children.extend(inner);
    match frame {
        InlineFrame::Emph => vec![Inline::Emph(children)],
        InlineFrame::Strong => vec![Inline::Strong(children)],
        InlineFrame::Link(url) => vec![Inline::Link {
            text: children,
            url,
        }],
        InlineFrame::Root | InlineFrame::Implicit | InlineFrame::Strike => children,
    }
}

fn heading_level(level: HeadingLevel) -> u8 {
    match level {
        HeadingLevel::H1 => 1,
        HeadingLevel::H2 => 2,
        HeadingLevel::H3 => 3,
        HeadingLevel::H4 => 4,
        HeadingLevel::H5 => 5,
        HeadingLevel::H6 => 6,
    }
}
