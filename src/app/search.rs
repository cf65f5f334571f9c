//! The per-keystroke filter: case-insensitive words over title, authors and abstract, scanned
//! with `memchr::memmem` over one contiguous lowercased buffer (SEARCH.md: the layout that fits
//! 16 ms at 100k papers), narrowing the previous hits while the query only grows.

use memchr::memmem;

/// Lowercased searchable text of every catalog row, in one buffer.
#[derive(Debug, Default, Clone)]
pub struct SearchText {
    buffer: Vec<u8>,
    /// `starts[i]..starts[i + 1]` is row i's text; one more entry than rows.
    starts: Vec<usize>,
    /// True once abstracts are included (they load after the first frame).
    pub has_abstracts: bool,
}

/// Above this many bytes a full scan is split over two threads (the machine has two cores and
/// the scan is bound by memory bandwidth).
const PARALLEL_SCAN_BYTES: usize = 8 << 20;

impl SearchText {
    /// Builds the buffer from one text per row (title, authors, and the abstract when known).
    pub fn build<'a>(docs: impl Iterator<Item = (&'a str, &'a [String], Option<&'a str>)>) -> Self {
        let mut buffer = Vec::new();
        let mut starts = vec![0];
        let mut has_abstracts = false;
        for (title, authors, abstract_text) in docs {
            push_lower(&mut buffer, title);
            for author in authors {
                buffer.push(b'\n');
                push_lower(&mut buffer, author);
            }
            if let Some(text) = abstract_text {
                has_abstracts = true;
                buffer.push(b'\n');
                push_lower(&mut buffer, text);
            }
            // A separator no query word can contain, so a match never spans two rows.
            buffer.push(0);
            starts.push(buffer.len());
        }
        SearchText {
            buffer,
            starts,
            has_abstracts,
        }
    }

    pub fn len(&self) -> usize {
        self.starts.len().saturating_sub(1)
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    pub fn bytes(&self) -> usize {
        self.buffer.len()
    }

    fn doc(&self, row: usize) -> &[u8] {
        match (self.starts.get(row), self.starts.get(row + 1)) {
            (Some(&start), Some(&end)) => &self.buffer[start..end],
            _ => &[],
        }
    }

    /// Rows (indices) whose text contains every word. `within`, when given, restricts the scan
    /// to those rows (the previous result of a query this one extends).
    pub fn matching(&self, words: &[String], within: Option<&[usize]>) -> Vec<usize> {
        if words.is_empty() {
            return within.map_or_else(|| (0..self.len()).collect(), <[usize]>::to_vec);
        }
        let finders: Vec<memmem::Finder<'_>> = words
            .iter()
            .map(|w| memmem::Finder::new(w.as_bytes()))
            .collect();
        let row_matches = |row: usize| {
            let doc = self.doc(row);
            finders.iter().all(|f| f.find(doc).is_some())
        };
        if let Some(rows) = within {
            return rows.iter().copied().filter(|&r| row_matches(r)).collect();
        }
        if self.buffer.len() < PARALLEL_SCAN_BYTES {
            return self.scan_range(&finders, 0, self.len());
        }
        let middle = self.len() / 2;
        std::thread::scope(|scope| {
            let upper = scope.spawn(|| self.scan_range(&finders, middle, self.len()));
            let mut lower = self.scan_range(&finders, 0, middle);
            match upper.join() {
                Ok(mut rest) => lower.append(&mut rest),
                // A scan thread cannot panic on valid indices; fall back to a serial scan.
                Err(_) => lower.extend(self.scan_range(&finders, middle, self.len())),
            }
            lower
        })
    }

    /// Scans rows `from..to`: the first word runs over the contiguous bytes (one memmem pass,
    /// hits mapped to rows by binary search), the others only on rows it hit.
    fn scan_range(&self, finders: &[memmem::Finder<'_>], from: usize, to: usize) -> Vec<usize> {
        let (Some(first), rest) = (finders.first(), finders.get(1..).unwrap_or(&[])) else {
            return (from..to).collect();
        };
        let (Some(&start), Some(&end)) = (self.starts.get(from), self.starts.get(to)) else {
            return Vec::new();
        };
        let haystack = &self.buffer[start..end];
        let mut hits = Vec::new();
        let mut offset = 0;
        while let Some(found) = first.find(&haystack[offset..]) {
            let absolute = start + offset + found;
            // The row holding this byte: the last start ≤ absolute.
            let row = self.starts.partition_point(|&s| s <= absolute) - 1;
            if rest.iter().all(|f| f.find(self.doc(row)).is_some()) {
                hits.push(row);
            }
            // Skip to the next row: one hit per row is enough.
            offset = self
                .starts
                .get(row + 1)
                .map_or(haystack.len(), |&next| next - start);
            if offset >= haystack.len() {
                break;
            }
        }
        hits
    }
}

fn push_lower(buffer: &mut Vec<u8>, text: &str) {
    if text.is_ascii() {
        buffer.extend(text.bytes().map(|b| b.to_ascii_lowercase()));
    } else {
        for c in text.chars().flat_map(char::to_lowercase) {
            let mut utf8 = [0; 4];
            buffer.extend_from_slice(c.encode_utf8(&mut utf8).as_bytes());
        }
    }
}

/// Splits a filter query into lowercased words.
pub fn query_words(query: &str) -> Vec<String> {
    query.split_whitespace().map(str::to_lowercase).collect()
}

/// True when every word of `old` is a prefix-compatible part of `new`, so `new`'s hits are a
/// subset of `old`'s and the scan can narrow them instead of starting over.
pub fn narrows(old: &[String], new: &[String]) -> bool {
    !old.is_empty()
        && old.len() <= new.len()
        && old.iter().zip(new).all(|(o, n)| n.contains(o.as_str()))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn text(rows: &[(&str, &[&str], Option<&str>)]) -> SearchText {
        let owned: Vec<(String, Vec<String>, Option<String>)> = rows
            .iter()
            .map(|(t, a, b)| {
                (
                    t.to_string(),
                    a.iter().map(|s| s.to_string()).collect(),
                    b.map(str::to_string),
                )
            })
            .collect();
        SearchText::build(
            owned
                .iter()
                .map(|(t, a, b)| (t.as_str(), a.as_slice(), b.as_deref())),
        )
    }

    #[test]
    fn every_word_must_match_somewhere_in_the_row() {
        let t = text(&[
            (
                "Sparse Mixture of Experts",
                &["Ada Lovelace"],
                Some("routing tokens"),
            ),
            ("Dense Transformers", &["Alan Turing"], Some("attention")),
            ("Mixture Models", &["Grace Hopper"], None),
        ]);
        assert_eq!(t.matching(&query_words("mixture"), None), vec![0, 2]);
        assert_eq!(t.matching(&query_words("MIXTURE routing"), None), vec![0]);
        assert_eq!(t.matching(&query_words("turing attention"), None), vec![1]);
        assert_eq!(
            t.matching(&query_words("nothing"), None),
            Vec::<usize>::new()
        );
        assert_eq!(t.matching(&[], None), vec![0, 1, 2]);
    }

    #[test]
    fn a_match_never_spans_two_rows() {
        let t = text(&[("abc", &[], None), ("def", &[], None)]);
        assert!(t.matching(&query_words("cd"), None).is_empty());
    }

    #[test]
    fn narrowing_gives_the_same_rows_as_a_full_scan() {
        let t = text(&[
            ("quasicrystal growth", &[], None),
            ("quantum", &[], None),
            ("quasi-static", &[], None),
        ]);
        let first = t.matching(&query_words("qua"), None);
        assert!(narrows(&query_words("qua"), &query_words("quasic")));
        let narrowed = t.matching(&query_words("quasic"), Some(&first));
        assert_eq!(narrowed, t.matching(&query_words("quasic"), None));
        assert_eq!(narrowed, vec![0]);
        assert!(!narrows(&query_words("quasic"), &query_words("qua")));
    }

    #[test]
    fn non_ascii_text_matches_case_insensitively() {
        let t = text(&[("Ÿoung ΑΒΓ Models", &["Zoë Ünal"], None)]);
        assert_eq!(t.matching(&query_words("αβγ ünal"), None), vec![0]);
    }

    #[test]
    fn parallel_scan_matches_serial_scan() {
        let docs: Vec<(String, Vec<String>, Option<String>)> = (0..60_000)
            .map(|i| {
                let word = if i % 97 == 0 { "needle" } else { "hay" };
                (format!("paper {i} {word}"), vec![], Some("x".repeat(150)))
            })
            .collect();
        let t = SearchText::build(
            docs.iter()
                .map(|(a, b, c)| (a.as_str(), b.as_slice(), c.as_deref())),
        );
        assert!(t.bytes() > PARALLEL_SCAN_BYTES);
        let hits = t.matching(&query_words("needle"), None);
        let expected: Vec<usize> = (0..60_000).filter(|i| i % 97 == 0).collect();
        assert_eq!(hits, expected);
    }
}
