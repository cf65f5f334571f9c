//! Whitespace in inline runs as HTML treats it: runs of whitespace collapse to one space
//! across element boundaries, and a paragraph neither starts nor ends with one; empty styled
//! runs are dropped.
//!
//! Layer: part of `text`, which imports nothing from the crate but itself.

use super::Inline;

/// Collapses whitespace across the run and trims its ends.
pub(super) fn tidy_inlines(inlines: Vec<Inline>) -> Vec<Inline> {
    // `true` at the start trims leading whitespace.
    let mut after_space = true;
    let mut tidied = collapse(inlines, &mut after_space);
    trim_end(&mut tidied);
    tidied
}

fn collapse(inlines: Vec<Inline>, after_space: &mut bool) -> Vec<Inline> {
    let mut out = Vec::with_capacity(inlines.len());
    for inline in inlines {
        match inline {
            Inline::Text(text) => {
                let mut collapsed = String::with_capacity(text.len());
                for ch in text.chars() {
                    if ch.is_whitespace() {
                        if !*after_space {
                            collapsed.push(' ');
                            *after_space = true;
                        }
                    } else {
                        collapsed.push(ch);
                        *after_space = false;
                    }
                }
                if !collapsed.is_empty() {
                    // Merge neighbouring text so the renderer sees whole words.
                    if let Some(Inline::Text(previous)) = out.last_mut() {
                        previous.push_str(&collapsed);
                    } else {
                        out.push(Inline::Text(collapsed));
                    }
                }
            }
            Inline::Emph(children) => {
                let children = collapse(children, after_space);
                if !children.is_empty() {
                    out.push(Inline::Emph(children));
                }
            }
            Inline::Strong(children) => {
                let children = collapse(children, after_space);
                if !children.is_empty() {
                    out.push(Inline::Strong(children));
                }
            }
            Inline::Link { text, url } => {
                let text = collapse(text, after_space);
                if !text.is_empty() {
                    out.push(Inline::Link { text, url });
                }
            }
            Inline::LineBreak => {
                trim_end(&mut out);
                out.push(Inline::LineBreak);
                *after_space = true;
            }
            Inline::Code(code) => {
                if !code.trim().is_empty() {
                    out.push(Inline::Code(code.trim().to_string()));
                    *after_space = false;
                }
            }
            Inline::Math(latex) => {
                if !latex.trim().is_empty() {
                    out.push(Inline::Math(latex));
                    *after_space = false;
                }
            }
        }
    }
    out
}

/// Drops trailing whitespace (and trailing line breaks) at the end of a run.
fn trim_end(inlines: &mut Vec<Inline>) {
    while let Some(last) = inlines.last_mut() {
        match last {
            Inline::Text(text) => {
                let trimmed = text.trim_end().len();
                text.truncate(trimmed);
                if !text.is_empty() {
                    return;
                }
            }
            Inline::LineBreak => {}
            Inline::Emph(children)
            | Inline::Strong(children)
            | Inline::Link { text: children, .. } => {
                trim_end(children);
                if !children.is_empty() {
                    return;
                }
            }
            Inline::Code(_) | Inline::Math(_) => return,
        }
        inlines.pop();
    }
}
