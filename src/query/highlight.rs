//! Which parts of a text the query's words matched, for highlighting in the list and detail:
//! a word is highlighted where a query word starts it (the same rule the filter matches by).

use std::ops::Range;

/// Byte ranges of `text` to highlight for the lowercased query `words`, in order, disjoint.
pub fn ranges(text: &str, words: &[String]) -> Vec<Range<usize>> {
    let mut found = Vec::new();
    if words.is_empty() {
        return found;
    }
    let mut start = None;
    let check = |from: usize, to: usize, found: &mut Vec<Range<usize>>| {
        let word = &text[from..to];
        let lower = word.to_lowercase();
        let longest = words
            .iter()
            .filter(|w| !w.is_empty() && lower.starts_with(w.as_str()))
            .map(|w| w.chars().count())
            .max();
        if let Some(chars) = longest {
            // Count characters in the original word: lowercasing may change byte lengths.
            let end = word
                .char_indices()
                .nth(chars)
                .map_or(to, |(offset, _)| from + offset);
            found.push(from..end);
        }
    };
    for (offset, c) in text.char_indices() {
        match (c.is_alphanumeric(), start) {
            (true, None) => start = Some(offset),
            (false, Some(from)) => {
                check(from, offset, &mut found);
                start = None;
            }
            _ => {}
        }
    }
    if let Some(from) = start {
        check(from, text.len(), &mut found);
    }
    found
}

#[cfg(test)]
mod tests {
    use super::*;

    fn marked(text: &str, words: &[&str]) -> String {
        let words: Vec<String> = words.iter().map(|w| w.to_string()).collect();
        let mut out = String::new();
        let mut last = 0;
        for range in ranges(text, &words) {
            out.push_str(&text[last..range.start]);
            out.push('[');
            out.push_str(&text[range.clone()]);
            out.push(']');
            last = range.end;
        }
        out.push_str(&text[last..]);
        out
    }

    #[test]
    fn words_are_marked_where_a_query_word_starts_them() {
        assert_eq!(
            marked("Sparse Mixture-of-Experts routing", &["mix", "experts"]),
            "Sparse [Mix]ture-of-[Experts] routing"
        );
        assert_eq!(marked("Transformers", &["former"]), "Transformers");
        assert_eq!(marked("ΑΒΓ models", &["αβ"]), "[ΑΒ]Γ models");
        assert_eq!(marked("no words", &[]), "no words");
        assert_eq!(
            marked("diff diffusion", &["d", "diffusion"]),
            "[d]iff [diffusion]"
        );
    }
}
