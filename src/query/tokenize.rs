//! Tokenizing: text into lowercased words (runs of letters and digits), the same way for the
//! index, the query parser and the unindexed fields (notes) a phrase is looked for in.

use memchr::memmem;

/// Splits text into lowercased words (runs of letters and digits).
pub fn tokens(text: &str) -> Vec<String> {
    let mut buffer = Vec::new();
    push_tokens(&mut buffer, text);
    token_slices(&buffer)
        .filter_map(|t| std::str::from_utf8(t).ok())
        .map(str::to_string)
        .collect()
}

/// Appends `text`'s lowercased tokens to `buffer`, each followed by a space.
fn push_tokens(buffer: &mut Vec<u8>, text: &str) {
    let mut in_token = false;
    for c in text.chars() {
        if c.is_alphanumeric() {
            if c.is_ascii() {
                buffer.push((c as u8).to_ascii_lowercase());
            } else {
                for lower in c.to_lowercase() {
                    let mut utf8 = [0; 4];
                    buffer.extend_from_slice(lower.encode_utf8(&mut utf8).as_bytes());
                }
            }
            in_token = true;
        } else if in_token {
            buffer.push(b' ');
            in_token = false;
        }
    }
    if in_token {
        buffer.push(b' ');
    }
}

/// Tokens of a token-text buffer (separated by spaces, parts by newlines).
fn token_slices(text: &[u8]) -> impl Iterator<Item = &[u8]> {
    text.split(|&b| b == b' ' || b == b'\n')
        .filter(|t| !t.is_empty())
}

/// Calls `visit` with each of `text`'s lowercased tokens (as [`push_tokens`] writes them),
/// built in `token`.
pub(super) fn for_each_token(text: &str, token: &mut String, mut visit: impl FnMut(&str)) {
    token.clear();
    for c in text.chars() {
        if c.is_alphanumeric() {
            if c.is_ascii() {
                token.push(c.to_ascii_lowercase());
            } else {
                token.extend(c.to_lowercase());
            }
        } else if !token.is_empty() {
            visit(token);
            token.clear();
        }
    }
    if !token.is_empty() {
        visit(token);
        token.clear();
    }
}

/// True when `finder`'s phrase occurs in `text` starting at a word.
fn phrase_at_word_start(finder: &memmem::Finder<'_>, text: &[u8]) -> bool {
    finder
        .find_iter(text)
        .any(|at| at == 0 || matches!(text[at - 1], b' ' | b'\n'))
}

/// True when `text` holds the tokens next to each other, in order (the last by prefix), as a
/// [`Term::Text`](super::Term::Text) matches; for text that is not indexed (notes).
pub fn text_has_phrase(text: &str, tokens: &[String]) -> bool {
    if tokens.is_empty() {
        return true;
    }
    let mut buffer = Vec::new();
    push_tokens(&mut buffer, text);
    let phrase = tokens.join(" ");
    phrase_at_word_start(&memmem::Finder::new(phrase.as_bytes()), &buffer)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_are_lowercased_runs_of_letters_and_digits() {
        assert_eq!(
            tokens("Mixture-of-Experts: GPT-4o, Zoë & ΑΒΓ!"),
            ["mixture", "of", "experts", "gpt", "4o", "zoë", "αβγ"]
        );
        assert!(tokens("— … !!").is_empty());
    }
}
