//! A streamed top-level JSON array, split into its elements' bytes one at a time, so that a large
//! array (the HF daily_papers shape) is parsed element by element in bounded memory. The split
//! only tracks strings and brackets; each element is then parsed (and its syntax checked) by
//! serde_json on its own.

use std::io::BufRead;

use super::{ParseError, StreamError};

const BOM: &[u8] = b"\xef\xbb\xbf";

/// How a body starts.
pub(super) enum Opened<'a> {
    /// A JSON array: its elements follow.
    Array(Elements<'a>),
    /// Anything else; the bytes read so far, to go in front of the rest of the body.
    Other(Vec<u8>),
}

/// Reads past a byte-order mark and whitespace to the first byte of the document.
pub(super) fn open(body: &mut (dyn BufRead + Send)) -> Result<Opened<'_>, StreamError> {
    let mut head = Vec::new();
    loop {
        let chunk = body.fill_buf().map_err(StreamError::Read)?;
        if chunk.is_empty() {
            return Ok(Opened::Other(head));
        }
        let at_start = head.len() < BOM.len();
        let mut used = 0;
        for &b in chunk {
            let in_bom = at_start && head.len() + used < BOM.len() && BOM[head.len() + used] == b;
            if in_bom || is_space(b) {
                used += 1;
                continue;
            }
            if b == b'[' {
                body.consume(used + 1);
                return Ok(Opened::Array(Elements {
                    body,
                    expect: Expect::FirstElement,
                }));
            }
            head.extend_from_slice(&chunk[..used]);
            body.consume(used);
            return Ok(Opened::Other(head));
        }
        head.extend_from_slice(&chunk[..used]);
        body.consume(used);
    }
}

fn is_space(b: u8) -> bool {
    matches!(b, b' ' | b'\t' | b'\n' | b'\r')
}

fn json_error(message: &str) -> StreamError {
    StreamError::Parse(ParseError::Json(message.to_string()))
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Expect {
    /// Just after `[`: an element or `]`.
    FirstElement,
    /// After a `,`: an element.
    Element,
    /// After an element: `,` or `]`.
    Separator,
    /// After the closing `]`: only whitespace.
    End,
}

/// The elements of an array whose `[` has been read.
pub(super) struct Elements<'a> {
    body: &'a mut (dyn BufRead + Send),
    expect: Expect,
}

impl Elements<'_> {
    /// Reads the next element's bytes into `out` (cleared first); false after the last one.
    /// Checks the array's punctuation and that nothing but whitespace follows it.
    pub(super) fn next_into(&mut self, out: &mut Vec<u8>) -> Result<bool, StreamError> {
        out.clear();
        loop {
            let Some(b) = self.skip_space()? else {
                return match self.expect {
                    Expect::End => Ok(false),
                    _ => Err(json_error("EOF while parsing a list")),
                };
            };
            match (self.expect, b) {
                (Expect::End, _) => return Err(json_error("trailing characters after the array")),
                (Expect::FirstElement, b']') | (Expect::Separator, b']') => {
                    self.body.consume(1);
                    self.expect = Expect::End;
                }
                (Expect::Separator, b',') => {
                    self.body.consume(1);
                    self.expect = Expect::Element;
                }
                (Expect::Separator, _) => {
                    return Err(json_error("expected `,` or `]` after an array element"));
                }
                (Expect::Element, b']') => return Err(json_error("trailing comma in an array")),
                (Expect::FirstElement | Expect::Element, _) => {
                    match b {
                        b'{' | b'[' => self.container(out)?,
                        b'"' => {
                            self.body.consume(1);
                            out.push(b'"');
                            self.string_rest(out)?;
                        }
                        _ => {
                            self.scalar(out)?;
                            if out.is_empty() {
                                return Err(json_error("expected a value in an array"));
                            }
                        }
                    }
                    self.expect = Expect::Separator;
                    return Ok(true);
                }
            }
        }
    }

    /// The next byte that is not whitespace, not consumed; `None` at the end of the body.
    fn skip_space(&mut self) -> Result<Option<u8>, StreamError> {
        loop {
            let chunk = self.body.fill_buf().map_err(StreamError::Read)?;
            if chunk.is_empty() {
                return Ok(None);
            }
            match chunk.iter().position(|b| !is_space(*b)) {
                Some(at) => {
                    let b = chunk[at];
                    self.body.consume(at);
                    return Ok(Some(b));
                }
                None => {
                    let len = chunk.len();
                    self.body.consume(len);
                }
            }
        }
    }

    /// An object or array, to its matching close (brackets inside strings do not count).
    fn container(&mut self, out: &mut Vec<u8>) -> Result<(), StreamError> {
        let mut depth = 0usize;
        let mut in_string = false;
        let mut escaped = false;
        loop {
            let chunk = self.body.fill_buf().map_err(StreamError::Read)?;
            if chunk.is_empty() {
                return Err(json_error("EOF while parsing an array element"));
            }
            let mut at = 0;
            let mut end = None;
            while at < chunk.len() {
                if in_string {
                    match string_end(chunk, at, &mut escaped) {
                        Some(next) => {
                            at = next;
                            in_string = false;
                        }
                        None => at = chunk.len(),
                    }
                    continue;
                }
                match chunk[at] {
                    b'"' => in_string = true,
                    b'{' | b'[' => depth += 1,
                    b'}' | b']' => {
                        depth = depth.saturating_sub(1);
                        if depth == 0 {
                            end = Some(at + 1);
                            break;
                        }
                    }
                    _ => {}
                }
                at += 1;
            }
            let used = end.unwrap_or(chunk.len());
            out.extend_from_slice(&chunk[..used]);
            self.body.consume(used);
            if end.is_some() {
                return Ok(());
            }
        }
    }

    /// The rest of a string whose opening quote is in `out`.
    fn string_rest(&mut self, out: &mut Vec<u8>) -> Result<(), StreamError> {
        let mut escaped = false;
        loop {
            let chunk = self.body.fill_buf().map_err(StreamError::Read)?;
            if chunk.is_empty() {
                return Err(json_error("EOF while parsing a string"));
            }
            let end = string_end(chunk, 0, &mut escaped);
            let used = end.unwrap_or(chunk.len());
            out.extend_from_slice(&chunk[..used]);
            self.body.consume(used);
            if end.is_some() {
                return Ok(());
            }
        }
    }

    /// A number, `true`, `false`, `null` (or garbage, for serde_json to reject): up to the next
    /// separator or whitespace.
    fn scalar(&mut self, out: &mut Vec<u8>) -> Result<(), StreamError> {
        loop {
            let chunk = self.body.fill_buf().map_err(StreamError::Read)?;
            if chunk.is_empty() {
                return Ok(());
            }
            let end = chunk
                .iter()
                .position(|b| matches!(b, b',' | b']' | b'[' | b'{' | b'"') || is_space(*b));
            let used = end.unwrap_or(chunk.len());
            out.extend_from_slice(&chunk[..used]);
            self.body.consume(used);
            if end.is_some() {
                return Ok(());
            }
        }
    }
}

/// Scans a JSON string from `at` (a byte inside it): the index just past its closing quote, or
/// `None` when `chunk` ends first; `escaped` carries a backslash that ended the previous chunk.
fn string_end(chunk: &[u8], mut at: usize, escaped: &mut bool) -> Option<usize> {
    while at < chunk.len() {
        if *escaped {
            *escaped = false;
            at += 1;
            continue;
        }
        at += memchr::memchr2(b'"', b'\\', &chunk[at..])?;
        if chunk[at] == b'\\' {
            *escaped = true;
            at += 1;
        } else {
            return Some(at + 1);
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    fn split(doc: &[u8]) -> Result<Vec<String>, String> {
        let mut body = doc;
        let mut elements = match open(&mut body).map_err(|e| e.to_string())? {
            Opened::Array(elements) => elements,
            Opened::Other(head) => return Err(format!("not an array: {head:?}")),
        };
        let mut out = Vec::new();
        let mut all = Vec::new();
        while elements.next_into(&mut out).map_err(|e| e.to_string())? {
            all.push(String::from_utf8_lossy(&out).into_owned());
        }
        Ok(all)
    }

    #[test]
    fn elements_come_out_whole_with_brackets_and_quotes_inside_strings() {
        let doc = br#" [ {"a":"x]}\"{[","b":[1,{"c":2}]} , [1,[2]],"s\\",3.5e2 ,true,null ] "#;
        assert_eq!(
            split(doc).unwrap(),
            [
                r#"{"a":"x]}\"{[","b":[1,{"c":2}]}"#,
                "[1,[2]]",
                r#""s\\""#,
                "3.5e2",
                "true",
                "null"
            ]
        );
    }

    #[test]
    fn a_byte_order_mark_and_empty_arrays_are_fine() {
        assert_eq!(split(b"\xef\xbb\xbf[]").unwrap(), Vec::<String>::new());
        assert_eq!(split(b"\n[ \n ]\n").unwrap(), Vec::<String>::new());
    }

    #[test]
    fn broken_arrays_are_json_errors() {
        for doc in [
            &b"[{\"a\":1}"[..],
            b"[{\"a\":1},]",
            b"[{\"a\":1} {\"b\":2}]",
            b"[1] x",
            b"[{\"a\":\"unterminated",
            b"[,1]",
        ] {
            let error = split(doc).unwrap_err();
            assert!(error.starts_with("malformed JSON"), "{doc:?}: {error}");
        }
    }

    #[test]
    fn other_documents_are_handed_back_with_what_was_read() {
        let mut body = &b"  {\"error\":\"x\"}"[..];
        match open(&mut body).unwrap() {
            Opened::Other(head) => assert_eq!(head, b"  "),
            Opened::Array(_) => panic!("not an array"),
        }
        assert_eq!(body, b"{\"error\":\"x\"}");
    }

    #[test]
    fn elements_split_the_same_across_any_read_size() {
        let doc = br#"[{"k":"v \" ] \\","n":[1,2,{"x":"}"}]},"tail",42]"#;
        let whole = split(doc).unwrap();
        for capacity in 1..8 {
            let mut reader = std::io::BufReader::with_capacity(capacity, &doc[..]);
            let mut elements = match open(&mut reader).unwrap() {
                Opened::Array(elements) => elements,
                Opened::Other(_) => panic!("an array"),
            };
            let mut out = Vec::new();
            let mut parts = Vec::new();
            while elements.next_into(&mut out).unwrap() {
                parts.push(String::from_utf8_lossy(&out).into_owned());
            }
            assert_eq!(parts, whole, "read size {capacity}");
        }
    }
}
