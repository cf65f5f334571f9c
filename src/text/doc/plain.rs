//! A `Doc` as plain text: blocks separated by blank lines, list items and table rows on their
//! own lines, math through the LaTeX-as-text renderer. For search indexes and `show --full`.
//!
//! Layer: part of `text`, which imports nothing from the crate but itself.

use super::{Block, Doc, Inline, math_as_text};

pub(super) fn to_plain_text(doc: &Doc) -> String {
    let mut lines: Vec<String> = Vec::new();
    push_blocks(&doc.blocks, "", &mut lines);
    while lines.last().is_some_and(String::is_empty) {
        lines.pop();
    }
    lines.join("\n")
}

/// Appends the blocks' lines, each started with `prefix`, a blank line after each block.
fn push_blocks(blocks: &[Block], prefix: &str, lines: &mut Vec<String>) {
    for block in blocks {
        match block {
            Block::Heading { text, .. } | Block::Paragraph(text) => {
                for line in inline_lines(text) {
                    lines.push(format!("{prefix}{line}"));
                }
            }
            Block::List { ordered, items } => {
                for (index, item) in items.iter().enumerate() {
                    let marker = if *ordered {
                        format!("{}. ", index + 1)
                    } else {
                        "- ".to_string()
                    };
                    let mut item_lines = Vec::new();
                    push_blocks(item, "", &mut item_lines);
                    let indent = " ".repeat(marker.chars().count());
                    let mut first = true;
                    for line in item_lines.into_iter().filter(|line| !line.is_empty()) {
                        let lead = if first { &marker } else { &indent };
                        lines.push(format!("{prefix}{lead}{line}"));
                        first = false;
                    }
                }
            }
            Block::Table { header, rows } => {
                for row in std::iter::once(header)
                    .chain(rows)
                    .filter(|row| !row.is_empty())
                {
                    let cells: Vec<String> = row
                        .iter()
                        .map(|cell| inline_lines(cell).join(" "))
                        .collect();
                    lines.push(format!("{prefix}{}", cells.join(" | ")));
                }
            }
            Block::Code { text, .. } => {
                for line in text.lines() {
                    lines.push(format!("{prefix}{line}"));
                }
            }
            Block::Math { latex } => lines.push(format!("{prefix}{}", math_as_text(latex))),
            Block::Quote(blocks) => {
                let inner = format!("{prefix}> ");
                push_blocks(blocks, &inner, lines);
                if lines
                    .last()
                    .is_some_and(|line| line.trim_end() == inner.trim_end())
                {
                    lines.pop();
                }
            }
            Block::Rule => lines.push(format!("{prefix}---")),
        }
        lines.push(if prefix.trim().is_empty() {
            String::new()
        } else {
            prefix.trim_end().to_string()
        });
    }
}

/// The inlines as text lines (split at hard line breaks).
pub(super) fn inline_lines(inlines: &[Inline]) -> Vec<String> {
    let mut lines = vec![String::new()];
    push_inlines(inlines, &mut lines);
    lines
}

fn push_inlines(inlines: &[Inline], lines: &mut Vec<String>) {
    for inline in inlines {
        match inline {
            Inline::Text(text) | Inline::Code(text) => {
                if let Some(line) = lines.last_mut() {
                    line.push_str(text);
                }
            }
            Inline::Math(latex) => {
                if let Some(line) = lines.last_mut() {
                    line.push_str(&math_as_text(latex));
                }
            }
            Inline::Emph(children)
            | Inline::Strong(children)
            | Inline::Link { text: children, .. } => {
                push_inlines(children, lines);
            }
            Inline::LineBreak => lines.push(String::new()),
        }
    }
}
