//! Text normalisation applied once at ingest: entities and tags decoded, hard wraps unwrapped,
//! whitespace collapsed, terminal control and bidi characters removed, light LaTeX made readable;
//! plus arXiv id recognition and the stable hash behind source-scoped ids.

// SKELETON: the helper that owns this file replaces these bodies.

/// Normalises one line of feed text (titles, author names): entities and tags decoded,
/// whitespace collapsed, control and bidi characters removed, light LaTeX turned to text.
pub fn normalize_line(raw: &str) -> String {
    sanitize_line(raw)
}

/// Normalises a block of feed text (abstracts, summaries): like `normalize_line`, but keeps
/// paragraph breaks (a blank line in the source) as a single `\n\n`.
pub fn normalize_block(raw: &str) -> String {
    sanitize_line(raw)
}

/// Removes terminal control, bidi and zero-width characters and collapses whitespace,
/// without decoding anything: for text that is not feed markup (error messages, ids).
pub fn sanitize_line(raw: &str) -> String {
    raw.split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
        .chars()
        .filter(|c| !c.is_control())
        .collect()
}

/// Finds an arXiv id in `text` and returns it without version, or `None`.
pub fn parse_arxiv_id(text: &str) -> Option<String> {
    let t = text.trim();
    let t = t.rsplit('/').next().unwrap_or(t);
    let t = t.strip_prefix("arXiv:").unwrap_or(t);
    let t = t.split('v').next().unwrap_or(t);
    if t.len() >= 9 && t.as_bytes()[4] == b'.' {
        Some(t.to_string())
    } else {
        None
    }
}

/// A stable 64-bit FNV-1a hash: the same input gives the same id on every machine and run.
pub fn stable_hash(text: &str) -> u64 {
    let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
    for byte in text.as_bytes() {
        hash ^= u64::from(*byte);
        hash = hash.wrapping_mul(0x0000_0100_0000_01b3);
    }
    hash
}
