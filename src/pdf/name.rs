//! The file name a downloaded PDF gets: `{FirstAuthorFamily}{Year}-{first-title-words}.pdf`,
//! e.g. `Vaswani2017-attention-is-all-you-need.pdf`. ASCII only (accents folded, anything else
//! dropped), so the name is safe in every shell, file system and sync tool; `Anon` when no
//! author's family name has an ASCII letter left.

use chrono::Datelike;

use crate::model::Paper;

/// Longest stem (the name without `.pdf`), in bytes; whole words are kept.
pub const MAX_STEM: usize = 60;

/// The stem of `paper`'s PDF name (see the module doc). `fallback_year` is used when the
/// paper has neither a publication nor a daily date.
pub fn pdf_stem(paper: &Paper, fallback_year: Option<i32>) -> String {
    let family = paper
        .authors
        .iter()
        .map(|name| family_name(name))
        .find(|family| !family.is_empty())
        .unwrap_or_else(|| "Anon".to_string());
    let year = paper
        .published
        .map(|p| p.year())
        .or(paper.daily_date.map(|d| d.year()))
        .or(fallback_year)
        .map(|y| y.to_string())
        .unwrap_or_default();
    let mut stem: String = format!("{family}{year}").chars().take(MAX_STEM).collect();
    let words = paper
        .title
        .split(|c: char| !c.is_alphanumeric())
        .map(|word| fold_to_ascii(word).to_ascii_lowercase())
        .filter(|word| !word.is_empty());
    let mut first = true;
    for word in words {
        let needed = word.len() + 1;
        if stem.len() + needed > MAX_STEM {
            if first {
                // One word at least, cut to fit.
                let room = MAX_STEM.saturating_sub(stem.len() + 1);
                if room > 0 {
                    stem.push('-');
                    stem.push_str(&word[..room]);
                }
            }
            break;
        }
        stem.push('-');
        stem.push_str(&word);
        first = false;
    }
    if first && !paper.id.as_str().is_empty() && stem.len() < MAX_STEM {
        // No title word survived folding: the id keeps names of such papers apart.
        let id: String = paper
            .id
            .as_str()
            .chars()
            .map(|c| if c.is_ascii_alphanumeric() { c } else { '-' })
            .collect();
        stem.push('-');
        stem.push_str(&id);
        stem.truncate(MAX_STEM);
    }
    stem
}

/// The family name of `name` ("Ashish Vaswani" → "Vaswani", "Zoë Ünal" → "Unal"; "Vaswani, A."
/// → "Vaswani"), ASCII-folded, first letter capitalised; empty when no ASCII letter is left.
fn family_name(name: &str) -> String {
    let family = match name.split_once(',') {
        Some((family, _)) => family.trim(),
        None => name.split_whitespace().last().unwrap_or(""),
    };
    let folded: String = fold_to_ascii(family)
        .chars()
        .filter(|c| c.is_ascii_alphanumeric())
        .collect();
    if !folded.chars().any(|c| c.is_ascii_alphabetic()) {
        return String::new();
    }
    let mut chars = folded.chars();
    match chars.next() {
        Some(first) => first.to_ascii_uppercase().to_string() + chars.as_str(),
        None => String::new(),
    }
}

/// ASCII letters and digits of `text` with common accents folded (`Ünal` → `Unal`), case kept;
/// every other character is dropped.
pub fn fold_to_ascii(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        if c.is_ascii_alphanumeric() {
            out.push(c);
            continue;
        }
        let lower = c.to_lowercase().next().unwrap_or(c);
        let folded: &str = match lower {
            'à' | 'á' | 'â' | 'ã' | 'ä' | 'å' | 'ā' | 'ă' | 'ą' => "a",
            'æ' => "ae",
            'ç' | 'ć' | 'č' => "c",
            'ď' | 'đ' | 'ð' => "d",
            'è' | 'é' | 'ê' | 'ë' | 'ē' | 'ę' | 'ě' => "e",
            'ğ' => "g",
            'ì' | 'í' | 'î' | 'ï' | 'ī' | 'ı' => "i",
            'ł' | 'ľ' => "l",
            'ñ' | 'ń' | 'ň' => "n",
            'ò' | 'ó' | 'ô' | 'õ' | 'ö' | 'ø' | 'ō' | 'ő' => "o",
            'œ' => "oe",
            'ř' => "r",
            'ś' | 'š' | 'ş' => "s",
            'ß' => "ss",
            'ť' | 'ţ' => "t",
            'þ' => "th",
            'ù' | 'ú' | 'û' | 'ü' | 'ū' | 'ů' | 'ű' => "u",
            'ý' | 'ÿ' => "y",
            'ź' | 'ż' | 'ž' => "z",
            _ => "",
        };
        if c.is_uppercase() {
            out.push_str(&folded.to_ascii_uppercase());
        } else {
            out.push_str(folded);
        }
    }
    out
}

/// `stem.pdf`, then `stem-2.pdf`, `stem-3.pdf` … for the `n`th try (0-based).
pub fn candidate(stem: &str, n: usize) -> String {
    if n == 0 {
        format!("{stem}.pdf")
    } else {
        format!("{stem}-{}.pdf", n + 1)
    }
}

#[cfg(test)]
mod tests {
    use chrono::{TimeZone, Utc};

    use super::*;
    use crate::model::{PaperId, SourceId};

    fn paper(id: &str, title: &str, authors: &[&str], year: i32) -> Paper {
        let mut paper = Paper::new(
            PaperId::from_stored(id.into()),
            title.into(),
            SourceId::arxiv(),
        );
        paper.authors = authors.iter().map(|a| a.to_string()).collect();
        paper.published = Utc.with_ymd_and_hms(year, 6, 12, 0, 0, 0).single();
        paper
    }

    #[test]
    fn names_are_family_year_and_title_words() {
        let attention = paper(
            "1706.03762",
            "Attention Is All You Need",
            &["Ashish Vaswani", "Noam Shazeer"],
            2017,
        );
        assert_eq!(
            pdf_stem(&attention, None),
            "Vaswani2017-attention-is-all-you-need"
        );
        let accents = paper(
            "2504.00002",
            "Über Graphs: a Zoë-like study",
            &["Zoë Ünal"],
            2024,
        );
        assert_eq!(
            pdf_stem(&accents, None),
            "Unal2024-uber-graphs-a-zoe-like-study"
        );
        let comma = paper("2504.00003", "GPT-4o", &["Lovelace, Ada"], 2025);
        assert_eq!(pdf_stem(&comma, None), "Lovelace2025-gpt-4o");
    }

    #[test]
    fn no_ascii_author_is_anon_and_later_authors_count() {
        let cjk = paper("2504.00004", "Sparse experts", &["张伟"], 2025);
        assert_eq!(pdf_stem(&cjk, None), "Anon2025-sparse-experts");
        let second = paper("2504.00005", "Sparse", &["张伟", "Ada Lovelace"], 2025);
        assert_eq!(pdf_stem(&second, None), "Lovelace2025-sparse");
        let nobody = paper("2504.00006", "Sparse", &[], 2025);
        assert_eq!(pdf_stem(&nobody, None), "Anon2025-sparse");
    }

    #[test]
    fn long_titles_stop_at_a_word_within_the_limit() {
        let long = paper(
            "2504.00007",
            "A very long title about mixture of experts routing with load balancing losses \
             and more words",
            &["Ada Lovelace"],
            2025,
        );
        let stem = pdf_stem(&long, None);
        assert!(stem.len() <= MAX_STEM, "{stem}");
        assert_eq!(
            stem,
            "Lovelace2025-a-very-long-title-about-mixture-of-experts"
        );
        let one_word = paper("2504.00008", &"x".repeat(200), &["Ada Lovelace"], 2025);
        assert_eq!(pdf_stem(&one_word, None).len(), MAX_STEM);
        let no_words = paper("2504.00009", "∑∫ ≠", &["Ada Lovelace"], 2025);
        assert_eq!(pdf_stem(&no_words, None), "Lovelace2025-2504-00009");
        let mut undated = paper("2504.00010", "Sparse", &["Ada Lovelace"], 2025);
        undated.published = None;
        assert_eq!(pdf_stem(&undated, Some(2026)), "Lovelace2026-sparse");
    }

    #[test]
    fn hostile_names_give_plain_ascii() {
        let hostile = paper(
            "2504.00011",
            "../../etc/passwd \u{1b}[2J \u{202e}fdp.exe",
            &["../.. \u{1b}]52;c;x\u{7}"],
            2025,
        );
        let stem = pdf_stem(&hostile, None);
        assert!(
            stem.chars().all(|c| c.is_ascii_alphanumeric() || c == '-'),
            "{stem}"
        );
        assert_eq!(
            candidate("Lovelace2025-sparse", 0),
            "Lovelace2025-sparse.pdf"
        );
        assert_eq!(
            candidate("Lovelace2025-sparse", 1),
            "Lovelace2025-sparse-2.pdf"
        );
    }
}
