//! HTML to `Doc`: html5ever (through `scraper`) builds the tree as a browser would, and one
//! iterative walk turns it into blocks and inlines. The element roles and the math reading
//! here are shared with the feed stage (`text/html.rs`): one HTML path in the project.
//!
//! Layer: part of `text`, which imports nothing from the crate but itself.

use ego_tree::NodeRef;
use ego_tree::iter::Edge;
use scraper::{Html, Node};

use super::nesting::bound_nesting;
pub(in crate::text) use super::roles::{Role, is_html_element, role_of};
use super::tidy::tidy_inlines;
use super::{Block, Doc, Inline, MAX_NESTING, clean_text, web_url};

/// Parses a fragment in a `<body>`, as feed text and Markdown's raw HTML are.
pub(in crate::text) fn parse_fragment(src: &str) -> Html {
    Html::parse_fragment(&bound_nesting(src))
}

/// The LaTeX of a `<math>` element: its `alttext`, else its TeX annotation, else its text
/// (MathML's `<mi>x</mi><mn>2</mn>` as `x2`). Marked `$…$` when it is LaTeX.
pub(in crate::text) fn math_latex(node: NodeRef<'_, Node>) -> MathText {
    if let Some(element) = node.value().as_element()
        && let Some(alt) = element.attr("alttext")
        && !alt.trim().is_empty()
    {
        return MathText::Latex(alt.trim().to_string());
    }
    for descendant in node.descendants() {
        if let Some(element) = descendant.value().as_element()
            && element.name() == "annotation"
            && element
                .attr("encoding")
                .is_some_and(|encoding| encoding.contains("tex"))
        {
            let latex = subtree_text(descendant, true);
            if !latex.trim().is_empty() {
                return MathText::Latex(latex.trim().to_string());
            }
        }
    }
    MathText::Plain(subtree_text(node, false))
}

/// What a `<math>` element reads as.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(in crate::text) enum MathText {
    Latex(String),
    Plain(String),
}

/// True for `<math display="block">` (LaTeXML's display equations).
fn is_display_math(node: NodeRef<'_, Node>) -> bool {
    node.value()
        .as_element()
        .and_then(|element| element.attr("display"))
        .is_some_and(|display| display.eq_ignore_ascii_case("block"))
}

/// The text of a subtree as written; annotations are skipped unless `annotations`.
pub(in crate::text) fn subtree_text(node: NodeRef<'_, Node>, annotations: bool) -> String {
    let mut out = String::new();
    let mut skipping: Option<ego_tree::NodeId> = None;
    for edge in node.traverse() {
        match edge {
            Edge::Open(child) => {
                if skipping.is_some() {
                    continue;
                }
                match child.value() {
                    Node::Text(text) => out.push_str(text),
                    Node::Element(element)
                        if !annotations
                            && matches!(element.name(), "annotation" | "annotation-xml") =>
                    {
                        skipping = Some(child.id());
                    }
                    Node::Element(element)
                        if child.id() != node.id()
                            && matches!(element.name(), "script" | "style") =>
                    {
                        skipping = Some(child.id());
                    }
                    _ => {}
                }
            }
            Edge::Close(child) => {
                if skipping == Some(child.id()) {
                    skipping = None;
                }
            }
        }
    }
    out
}

/// Parses HTML (a document or a fragment) into a `Doc`.
pub(super) fn parse_doc(src: &str) -> Doc {
    let html = Html::parse_document(&bound_nesting(src));
    let mut builder = DocBuilder::default();
    let mut skipping: Option<ego_tree::NodeId> = None;
    // What each open element did, popped at its close.
    let mut opened: Vec<Opened> = Vec::new();
    for edge in html.tree.root().traverse() {
        match edge {
            Edge::Open(node) => {
                if skipping.is_some() {
                    continue;
                }
                match node.value() {
                    Node::Text(text) => builder.text(text),
                    Node::Element(element) => {
                        let opened_as = builder.open(node, element);
                        if opened_as == Opened::Skipped {
                            skipping = Some(node.id());
                        } else {
                            opened.push(opened_as);
                        }
                    }
                    _ => {}
                }
            }
            Edge::Close(node) => {
                if skipping == Some(node.id()) {
                    skipping = None;
                    continue;
                }
                if skipping.is_none()
                    && node.value().is_element()
                    && let Some(opened_as) = opened.pop()
                {
                    builder.close(opened_as);
                }
            }
        }
    }
    builder.finish()
}

/// How an element was opened, so its close undoes the same thing.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Opened {
    /// Its subtree was consumed or dropped at the open.
    Skipped,
    Nothing,
    BlockBoundary,
    Heading(u8),
    Container,
    TableHead,
    Row,
    Inline,
}

#[derive(Debug)]
enum Container {
    Blocks(Vec<Block>),
    Quote(Vec<Block>),
    List {
        ordered: bool,
        items: Vec<Vec<Block>>,
    },
    Item(Vec<Block>),
    Table(TableBuilder),
    Cell {
        header: bool,
        blocks: Vec<Block>,
    },
    /// LaTeXML's table around a display equation and its number.
    Equation(Vec<Block>),
}

#[derive(Debug, Default)]
struct TableBuilder {
    header: Vec<Vec<Inline>>,
    /// Rows with whether every cell was a `<th>`.
    rows: Vec<(Vec<Vec<Inline>>, bool)>,
    in_head: bool,
}

#[derive(Debug, Clone, PartialEq, Eq)]
enum InlineFrame {
    Root,
    Heading(u8),
    Emph,
    Strong,
    Link(String),
}

#[derive(Debug)]
struct DocBuilder {
    title: Option<String>,
    containers: Vec<Container>,
    inlines: Vec<(InlineFrame, Vec<Inline>)>,
}

impl Default for DocBuilder {
    fn default() -> Self {
        DocBuilder {
            title: None,
            containers: vec![Container::Blocks(Vec::new())],
            inlines: Vec::new(),
        }
    }
}

impl DocBuilder {
    fn text(&mut self, text: &str) {
        self.push_inline(Inline::Text(clean_text(text)));
    }

    fn open(&mut self, node: NodeRef<'_, Node>, element: &scraper::node::Element) -> Opened {
        let deep = self.containers.len() > MAX_NESTING;
        match role_of(element.name()) {
            Role::Hidden => Opened::Skipped,
            Role::Math => {
                let latex = match math_latex(node) {
                    MathText::Latex(latex) => clean_text(&latex),
                    MathText::Plain(text) => {
                        self.push_inline(Inline::Text(clean_text(&text)));
                        return Opened::Skipped;
                    }
                };
                if is_display_math(node) {
                    self.push_blocks(vec![Block::Math { latex }]);
                } else {
                    self.push_inline(Inline::Math(latex));
                }
                Opened::Skipped
            }
            Role::Title => {
                let title = clean_text(subtree_text(node, false).trim());
                if self.title.is_none() && !title.is_empty() {
                    self.title = Some(title);
                }
                Opened::Skipped
            }
            Role::Heading(level) => {
                if self.in_heading() {
                    return Opened::Nothing;
                }
                self.flush();
                self.inlines.push((InlineFrame::Heading(level), Vec::new()));
                if self.title.is_none() && has_class(element, "ltx_title_document") {
                    let title = clean_text(subtree_text(node, false).trim());
                    if !title.is_empty() {
                        self.title = Some(title);
                    }
                }
                Opened::Heading(level)
            }
            Role::Block => {
                self.flush();
                Opened::BlockBoundary
            }
            Role::List { ordered } if !deep => {
                self.flush();
                self.containers.push(Container::List {
                    ordered,
                    items: Vec::new(),
                });
                Opened::Container
            }
            Role::Item
                if !deep && matches!(self.containers.last(), Some(Container::List { .. })) =>
            {
                self.flush();
                self.containers.push(Container::Item(Vec::new()));
                Opened::Container
            }
            Role::Table if !deep => {
                self.flush();
                if is_equation_table(element) {
                    self.containers.push(Container::Equation(Vec::new()));
                } else {
                    self.containers
                        .push(Container::Table(TableBuilder::default()));
                }
                Opened::Container
            }
            Role::TableHead => {
                if let Some(Container::Table(table)) = self.containers.last_mut() {
                    table.in_head = true;
                }
                Opened::TableHead
            }
            Role::Row => {
                if let Some(Container::Table(table)) = self.containers.last_mut() {
                    table.rows.push((Vec::new(), true));
                    Opened::Row
                } else {
                    self.flush();
                    Opened::BlockBoundary
                }
            }
            Role::Cell if matches!(self.containers.last(), Some(Container::Table(_))) => {
                self.flush();
                self.containers.push(Container::Cell {
                    header: element.name() == "th",
                    blocks: Vec::new(),
                });
                Opened::Container
            }
            Role::Pre => {
                let lang = code_language(node);
                let text = clean_code(&subtree_text(node, false));
                self.push_blocks(vec![Block::Code { lang, text }]);
                Opened::Skipped
            }
            Role::Quote if !deep => {
                self.flush();
                self.containers.push(Container::Quote(Vec::new()));
                Opened::Container
            }
            Role::Rule => {
                self.push_blocks(vec![Block::Rule]);
                Opened::Skipped
            }
            Role::LineBreak => {
                self.push_inline(Inline::LineBreak);
                Opened::Skipped
            }
            Role::Code => {
                let code = clean_text(&subtree_text(node, false));
                self.push_inline(Inline::Code(code));
                Opened::Skipped
            }
            Role::Emph if self.inlines.len() <= MAX_NESTING => {
                self.ensure_root();
                self.inlines.push((InlineFrame::Emph, Vec::new()));
                Opened::Inline
            }
            Role::Strong if self.inlines.len() <= MAX_NESTING => {
                self.ensure_root();
                self.inlines.push((InlineFrame::Strong, Vec::new()));
                Opened::Inline
            }
            Role::Link if self.inlines.len() <= MAX_NESTING => {
                match element.attr("href").and_then(web_url) {
                    Some(url) => {
                        self.ensure_root();
                        self.inlines.push((InlineFrame::Link(url), Vec::new()));
                        Opened::Inline
                    }
                    None => Opened::Nothing,
                }
            }
            // Past the nesting cap, or a list item or cell outside its list or table.
            Role::List { .. } | Role::Item | Role::Table | Role::Cell | Role::Quote => {
                self.flush();
                Opened::BlockBoundary
            }
            Role::Emph | Role::Strong | Role::Link | Role::Inline => Opened::Nothing,
        }
    }

    fn close(&mut self, opened: Opened) {
        match opened {
            Opened::Skipped | Opened::Nothing => {}
            Opened::BlockBoundary => self.flush(),
            Opened::Heading(level) => {
                let mut gathered = Vec::new();
                while let Some((frame, children)) = self.inlines.pop() {
                    let is_heading = matches!(frame, InlineFrame::Heading(_));
                    gathered = merge_open(frame, children, gathered);
                    if is_heading {
                        break;
                    }
                }
                let text = tidy_inlines(gathered);
                if !text.is_empty() {
                    self.push_blocks(vec![Block::Heading { level, text }]);
                }
            }
            Opened::Container => {
                self.flush();
                let Some(container) = self.containers.pop() else {
                    return;
                };
                self.close_container(container);
            }
            Opened::TableHead => {
                if let Some(Container::Table(table)) = self.containers.last_mut() {
                    table.in_head = false;
                }
            }
            Opened::Row => {
                if let Some(Container::Table(table)) = self.containers.last_mut()
                    && table.in_head
                    && let Some((row, _)) = table.rows.pop()
                {
                    if table.header.is_empty() {
                        table.header = row;
                    } else {
                        table.rows.push((row, true));
                    }
                }
            }
            Opened::Inline => {
                if let Some((frame, children)) = self.inlines.pop() {
                    for inline in merge_open(frame, children, Vec::new()) {
                        self.push_inline(inline);
                    }
                }
            }
        }
    }

    fn close_container(&mut self, container: Container) {
        match container {
            Container::Blocks(blocks) => self.push_blocks(blocks),
            Container::Quote(blocks) => {
                if !blocks.is_empty() {
                    self.push_blocks(vec![Block::Quote(blocks)]);
                }
            }
            Container::List { ordered, items } => {
                if !items.is_empty() {
                    self.push_blocks(vec![Block::List { ordered, items }]);
                }
            }
            Container::Item(blocks) => {
                if let Some(Container::List { items, .. }) = self.containers.last_mut() {
                    items.push(blocks);
                } else {
                    self.push_blocks(blocks);
                }
            }
            Container::Table(table) => {
                let block = finish_table(table);
                self.push_blocks(block);
            }
            Container::Cell { header, blocks } => {
                let cell = blocks_to_inlines(blocks);
                if let Some(Container::Table(table)) = self.containers.last_mut() {
                    if table.rows.is_empty() {
                        table.rows.push((Vec::new(), true));
                    }
                    if let Some((row, all_header)) = table.rows.last_mut() {
                        row.push(cell);
                        *all_header &= header;
                    }
                }
            }
            Container::Equation(blocks) => self.push_blocks(equation_blocks(blocks)),
        }
    }

    fn in_heading(&self) -> bool {
        self.inlines
            .iter()
            .any(|(frame, _)| matches!(frame, InlineFrame::Heading(_)))
    }

    fn ensure_root(&mut self) {
        if self.inlines.is_empty() {
            self.inlines.push((InlineFrame::Root, Vec::new()));
        }
    }

    fn push_inline(&mut self, inline: Inline) {
        self.ensure_root();
        if let Some((_, children)) = self.inlines.last_mut() {
            children.push(inline);
        }
    }

    /// Ends the paragraph being gathered, keeping its open inline elements open (empty) so
    /// text after the block inside them keeps their style. Inside a heading it does nothing.
    fn flush(&mut self) {
        if self.inlines.is_empty() || self.in_heading() {
            return;
        }
        let frames: Vec<InlineFrame> = self
            .inlines
            .iter()
            .map(|(frame, _)| frame.clone())
            .collect();
        let mut gathered = Vec::new();
        while let Some((frame, children)) = self.inlines.pop() {
            gathered = merge_open(frame, children, gathered);
        }
        let text = tidy_inlines(gathered);
        if !text.is_empty() {
            self.push_to_container(vec![Block::Paragraph(text)]);
        }
        // The root is reopened by the next text.
        self.inlines = frames
            .into_iter()
            .skip(1)
            .map(|frame| (frame, Vec::new()))
            .collect();
        if !self.inlines.is_empty() {
            self.inlines.insert(0, (InlineFrame::Root, Vec::new()));
        }
    }

    fn push_blocks(&mut self, blocks: Vec<Block>) {
        if self.in_heading() {
            // A block inside a heading (an equation in a title): its text joins the heading.
            for inline in blocks_to_inlines(blocks) {
                self.push_inline(inline);
            }
            return;
        }
        self.flush();
        self.push_to_container(blocks);
    }

    fn push_to_container(&mut self, blocks: Vec<Block>) {
        match self.containers.last_mut() {
            Some(
                Container::Blocks(list)
                | Container::Quote(list)
                | Container::Item(list)
                | Container::Equation(list)
                | Container::Cell { blocks: list, .. },
            ) => list.extend(blocks),
            // Text straight inside a list: an item of its own.
            Some(Container::List { items, .. }) if !blocks.is_empty() => items.push(blocks),
            Some(Container::List { .. }) => {}
            Some(Container::Table(table)) => {
                // Text straight inside a table (a caption): a one-cell row.
                let cell = blocks_to_inlines(blocks);
                if !cell.is_empty() {
                    table.rows.push((vec![cell], false));
                }
            }
            None => {}
        }
    }

    fn finish(mut self) -> Doc {
        self.flush();
        while self.containers.len() > 1 {
            if let Some(container) = self.containers.pop() {
                self.close_container(container);
            }
        }
        let blocks = match self.containers.pop() {
            Some(Container::Blocks(blocks)) => blocks,
            _ => Vec::new(),
        };
        Doc {
            title: self.title,
            blocks,
        }
    }
}

fn merge_open(frame: InlineFrame, mut children: Vec<Inline>, inner: Vec<Inline>) -> Vec<Inline> {
    children.extend(inner);
    match frame {
        InlineFrame::Emph => vec![Inline::Emph(children)],
        InlineFrame::Strong => vec![Inline::Strong(children)],
        InlineFrame::Link(url) => vec![Inline::Link {
            text: children,
            url,
        }],
        InlineFrame::Root | InlineFrame::Heading(_) => children,
    }
}

fn has_class(element: &scraper::node::Element, class: &str) -> bool {
    element.classes().any(|name| name == class)
}

/// LaTeXML lays display equations out as tables (`ltx_equation`, `ltx_eqn_table`).
fn is_equation_table(element: &scraper::node::Element) -> bool {
    element
        .classes()
        .any(|name| name.starts_with("ltx_eqn") || name.starts_with("ltx_equation"))
}

/// An equation table's math blocks, its number (`(1)`) set after the last equation.
fn equation_blocks(blocks: Vec<Block>) -> Vec<Block> {
    let mut maths = Vec::new();
    let mut label = String::new();
    for block in blocks {
        match block {
            Block::Math { latex } => maths.push(latex),
            other => {
                for inline in blocks_to_inlines(vec![other]) {
                    match inline {
                        Inline::Math(latex) => maths.push(latex),
                        other => push_plain(&other, &mut label),
                    }
                }
            }
        }
    }
    let label = label.split_whitespace().collect::<Vec<_>>().join(" ");
    if let (false, Some(last)) = (label.is_empty(), maths.last_mut()) {
        last.push_str(" \\qquad ");
        last.push_str(&label);
    }
    maths
        .into_iter()
        .map(|latex| Block::Math { latex })
        .collect()
}

fn push_plain(inline: &Inline, out: &mut String) {
    match inline {
        Inline::Text(text) | Inline::Code(text) | Inline::Math(text) => out.push_str(text),
        Inline::Emph(children) | Inline::Strong(children) | Inline::Link { text: children, .. } => {
            for child in children {
                push_plain(child, out);
            }
        }
        Inline::LineBreak => out.push(' '),
    }
}

fn finish_table(table: TableBuilder) -> Vec<Block> {
    let mut header = table.header;
    let mut rows: Vec<Vec<Vec<Inline>>> = Vec::with_capacity(table.rows.len());
    for (index, (row, all_header)) in table.rows.into_iter().enumerate() {
        if row.is_empty() {
            continue;
        }
        if index == 0 && header.is_empty() && all_header && rows.is_empty() {
            header = row;
        } else {
            rows.push(row);
        }
    }
    if header.is_empty() && rows.is_empty() {
        return Vec::new();
    }
    vec![Block::Table { header, rows }]
}

/// Blocks flattened into one run of inlines (a table cell, a block inside a heading):
/// paragraphs and items separated by line breaks, math kept as math.
pub(super) fn blocks_to_inlines(blocks: Vec<Block>) -> Vec<Inline> {
    let mut out: Vec<Inline> = Vec::new();
    let mut stack: Vec<std::vec::IntoIter<Block>> = vec![blocks.into_iter()];
    while let Some(iter) = stack.last_mut() {
        let Some(block) = iter.next() else {
            stack.pop();
            continue;
        };
        let separate = |out: &mut Vec<Inline>| {
            if !out.is_empty() && out.last() != Some(&Inline::LineBreak) {
                out.push(Inline::LineBreak);
            }
        };
        match block {
            Block::Heading { text, .. } | Block::Paragraph(text) => {
                separate(&mut out);
                out.extend(text);
            }
            Block::Code { text, .. } => {
                separate(&mut out);
                out.push(Inline::Code(text.replace('\n', " ")));
            }
            Block::Math { latex } => {
                separate(&mut out);
                out.push(Inline::Math(latex));
            }
            Block::Quote(blocks) => stack.push(blocks.into_iter()),
            Block::List { items, .. } => {
                stack.push(items.into_iter().flatten().collect::<Vec<_>>().into_iter());
            }
            Block::Table { header, rows } => {
                for row in std::iter::once(header).chain(rows) {
                    separate(&mut out);
                    for (i, cell) in row.into_iter().enumerate() {
                        if i > 0 {
                            out.push(Inline::Text(" | ".into()));
                        }
                        out.extend(cell);
                    }
                }
            }
            Block::Rule => {}
        }
    }
    if out.last() == Some(&Inline::LineBreak) {
        out.pop();
    }
    out
}

/// The language of a code block from `class="language-x"` on the `<pre>` or its `<code>`.
fn code_language(node: NodeRef<'_, Node>) -> Option<String> {
    let from = |node: NodeRef<'_, Node>| {
        node.value().as_element().and_then(|element| {
            element.classes().find_map(|class| {
                class
                    .strip_prefix("language-")
                    .or_else(|| class.strip_prefix("lang-"))
                    .filter(|lang| !lang.is_empty() && lang.len() <= 32)
                    .map(clean_text)
            })
        })
    };
    from(node).or_else(|| node.children().find_map(from))
}

/// Code as shown: tabs expanded, controls stripped, the final newline dropped.
pub(super) fn clean_code(text: &str) -> String {
    let expanded = text.replace('\t', "    ");
    let cleaned = super::super::controls::strip_controls(&expanded).into_owned();
    cleaned.trim_end_matches('\n').to_string()
}
