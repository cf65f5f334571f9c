//! A feed body's character encoding, decided as RFC 7303 orders it (byte-order mark, then the
//! charset of the HTTP `Content-Type`, then the XML declaration, else UTF-8), and a `BufRead`
//! that decodes the body to UTF-8 as it is read. Bytes that are invalid in the encoding are
//! replaced with U+FFFD, never fatal. Legacy encodings go through `encoding_rs` (WHATWG); UTF-32,
//! which WHATWG leaves out, has a small decoder here.
//! Imports nothing above `source`.

use std::io::{self, BufRead, Read};

use encoding_rs::{Decoder, Encoding, UTF_8, UTF_16BE, UTF_16LE};

/// How many bytes of the body are looked at for a declaration.
const DECLARATION_WINDOW: usize = 1024;
/// Bytes read from the inner reader per refill.
const READ_CHUNK: usize = 32 * 1024;

/// The encoding of a body.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum BodyEncoding {
    Whatwg(&'static Encoding),
    Utf32 { big_endian: bool },
}

/// Decides the encoding of a body from its first bytes and the HTTP charset, if any.
pub(crate) fn detect(head: &[u8], http_charset: Option<&str>) -> BodyEncoding {
    if let Some(encoding) = by_byte_order_mark(head) {
        return encoding;
    }
    if let Some(encoding) = http_charset.and_then(by_label) {
        return encoding;
    }
    if let Some(encoding) = by_first_character(head) {
        // A BOM-less UTF-16/32 body: its declaration cannot be read as ASCII.
        return encoding;
    }
    declared_encoding(head)
        .and_then(|label| by_label(&label))
        // A document that says UTF-16 while its bytes are ASCII-compatible was re-encoded
        // on the way: the bytes win.
        .filter(|encoding| {
            !matches!(encoding, BodyEncoding::Whatwg(e) if *e == UTF_16LE || *e == UTF_16BE)
                && !matches!(encoding, BodyEncoding::Utf32 { .. })
        })
        .unwrap_or(BodyEncoding::Whatwg(UTF_8))
}

fn by_label(label: &str) -> Option<BodyEncoding> {
    let label = label.trim().trim_matches(['"', '\'']);
    match label.to_ascii_lowercase().as_str() {
        "utf-32" | "utf32" | "ucs-4" | "utf-32be" => {
            return Some(BodyEncoding::Utf32 { big_endian: true });
        }
        "utf-32le" => return Some(BodyEncoding::Utf32 { big_endian: false }),
        _ => {}
    }
    Encoding::for_label(label.as_bytes()).map(BodyEncoding::Whatwg)
}

fn by_byte_order_mark(head: &[u8]) -> Option<BodyEncoding> {
    match head {
        [0x00, 0x00, 0xfe, 0xff, ..] => Some(BodyEncoding::Utf32 { big_endian: true }),
        [0xff, 0xfe, 0x00, 0x00, ..] => Some(BodyEncoding::Utf32 { big_endian: false }),
        [0xef, 0xbb, 0xbf, ..] => Some(BodyEncoding::Whatwg(UTF_8)),
        [0xfe, 0xff, ..] => Some(BodyEncoding::Whatwg(UTF_16BE)),
        [0xff, 0xfe, ..] => Some(BodyEncoding::Whatwg(UTF_16LE)),
        _ => None,
    }
}

/// XML 1.0 appendix F: a document without a BOM starts with `<` (or whitespace), whose
/// zero bytes give UTF-16 and UTF-32 away.
fn by_first_character(head: &[u8]) -> Option<BodyEncoding> {
    match head {
        [0x00, 0x00, 0x00, b] if *b != 0 => Some(BodyEncoding::Utf32 { big_endian: true }),
        [b, 0x00, 0x00, 0x00, ..] if *b != 0 => Some(BodyEncoding::Utf32 { big_endian: false }),
        [0x00, 0x00, 0x00, b, ..] if *b != 0 => Some(BodyEncoding::Utf32 { big_endian: true }),
        [0x00, b, ..] if *b != 0 => Some(BodyEncoding::Whatwg(UTF_16BE)),
        [b, 0x00, ..] if *b != 0 => Some(BodyEncoding::Whatwg(UTF_16LE)),
        _ => None,
    }
}

/// The `encoding` of an XML declaration at the start of the body (read as ASCII).
fn declared_encoding(head: &[u8]) -> Option<String> {
    let head = &head[..head.len().min(DECLARATION_WINDOW)];
    let text = String::from_utf8_lossy(head);
    let text = text.trim_start_matches('\u{feff}').trim_start();
    let declaration = text.strip_prefix("<?xml")?.split("?>").next()?;
    let after = declaration.split("encoding").nth(1)?;
    let value: String = after
        .trim_start_matches(|c: char| c == '=' || c.is_whitespace())
        .trim_start_matches(['"', '\''])
        .chars()
        .take_while(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.' | ':'))
        .collect();
    (!value.is_empty()).then_some(value)
}

enum Decoding {
    Whatwg(Decoder),
    Utf32 {
        big_endian: bool,
        pending: Vec<u8>,
        started: bool,
    },
}

/// A body decoded to UTF-8 as it is read.
pub(crate) struct Decoded<R> {
    inner: R,
    decoding: Decoding,
    /// UTF-8 bytes decoded and not yet consumed: `out[at..]`.
    out: Vec<u8>,
    at: usize,
    done: bool,
}

impl<R: BufRead> Decoded<R> {
    pub(crate) fn new(inner: R, encoding: BodyEncoding) -> Decoded<R> {
        let decoding = match encoding {
            BodyEncoding::Whatwg(encoding) => {
                Decoding::Whatwg(encoding.new_decoder_with_bom_removal())
            }
            BodyEncoding::Utf32 { big_endian } => Decoding::Utf32 {
                big_endian,
                pending: Vec::new(),
                started: false,
            },
        };
        Decoded {
            inner,
            decoding,
            out: Vec::new(),
            at: 0,
            done: false,
        }
    }

    /// Decodes the next chunk of the inner reader into `out`; false at the end.
    fn refill(&mut self) -> io::Result<bool> {
        self.out.clear();
        self.at = 0;
        while self.out.is_empty() && !self.done {
            let input = self.inner.fill_buf()?;
            let last = input.is_empty();
            let take = input.len().min(READ_CHUNK);
            let chunk = &input[..take];
            match &mut self.decoding {
                Decoding::Whatwg(decoder) => {
                    let room = decoder
                        .max_utf8_buffer_length(chunk.len())
                        .unwrap_or(chunk.len().saturating_mul(3).saturating_add(16));
                    self.out.resize(room, 0);
                    let (_, read, written, _) = decoder.decode_to_utf8(chunk, &mut self.out, last);
                    self.out.truncate(written);
                    debug_assert_eq!(read, chunk.len());
                }
                Decoding::Utf32 {
                    big_endian,
                    pending,
                    started,
                } => {
                    pending.extend_from_slice(chunk);
                    let whole = pending.len() / 4 * 4;
                    let mut text = String::with_capacity(whole);
                    for unit in pending[..whole].chunks_exact(4) {
                        let bytes = [unit[0], unit[1], unit[2], unit[3]];
                        let code = if *big_endian {
                            u32::from_be_bytes(bytes)
                        } else {
                            u32::from_le_bytes(bytes)
                        };
                        let c = char::from_u32(code).unwrap_or('\u{fffd}');
                        if !*started && c == '\u{feff}' {
                            *started = true;
                            continue;
                        }
                        *started = true;
                        text.push(c);
                    }
                    pending.drain(..whole);
                    if last && !pending.is_empty() {
                        pending.clear();
                        text.push('\u{fffd}');
                    }
                    self.out.extend_from_slice(text.as_bytes());
                }
            }
            self.inner.consume(take);
            if last {
                self.done = true;
            }
        }
        Ok(!self.out.is_empty())
    }
}

impl<R: BufRead> Read for Decoded<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let available = self.fill_buf()?;
        let n = available.len().min(buf.len());
        buf[..n].copy_from_slice(&available[..n]);
        self.consume(n);
        Ok(n)
    }
}

impl<R: BufRead> BufRead for Decoded<R> {
    fn fill_buf(&mut self) -> io::Result<&[u8]> {
        if self.at >= self.out.len() {
            self.refill()?;
        }
        Ok(&self.out[self.at..])
    }

    fn consume(&mut self, amount: usize) {
        self.at = (self.at + amount).min(self.out.len());
    }
}

/// Decodes a whole body held in memory.
pub(crate) fn decode_all(body: &[u8], http_charset: Option<&str>) -> String {
    let encoding = detect(body, http_charset);
    let mut out = String::new();
    // Reading from memory cannot fail.
    let _ = Decoded::new(body, encoding).read_to_string(&mut out);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn utf16(text: &str, big_endian: bool, bom: bool) -> Vec<u8> {
        let mut out = Vec::new();
        let units = (if bom { "\u{feff}" } else { "" }).to_string() + text;
        for unit in units.encode_utf16() {
            out.extend(if big_endian {
                unit.to_be_bytes()
            } else {
                unit.to_le_bytes()
            });
        }
        out
    }

    fn utf32(text: &str, big_endian: bool, bom: bool) -> Vec<u8> {
        let units = (if bom { "\u{feff}" } else { "" }).to_string() + text;
        units
            .chars()
            .flat_map(|c| {
                if big_endian {
                    (c as u32).to_be_bytes()
                } else {
                    (c as u32).to_le_bytes()
                }
            })
            .collect()
    }

    const DOC: &str =
        "<?xml version=\"1.0\" encoding=\"utf-16\"?><rss><title>café 🎯</title></rss>";

    #[test]
    fn utf16_and_utf32_with_and_without_bom() {
        for big_endian in [true, false] {
            for bom in [true, false] {
                let expected = DOC;
                assert_eq!(decode_all(&utf16(DOC, big_endian, bom), None), expected);
                assert_eq!(decode_all(&utf32(DOC, big_endian, bom), None), expected);
            }
        }
    }

    #[test]
    fn bom_then_header_then_declaration() {
        let latin1 = b"<?xml version=\"1.0\" encoding=\"iso-8859-1\"?><t>caf\xe9</t>";
        assert!(decode_all(latin1, None).contains("café"));
        // The header overrides the declaration…
        let koi8 = b"<?xml version=\"1.0\" encoding=\"iso-8859-1\"?><t>\xc1</t>";
        assert!(decode_all(koi8, Some("koi8-r")).contains("<t>а</t>"));
        // …and the BOM overrides both.
        let mut bom = b"\xef\xbb\xbf".to_vec();
        bom.extend_from_slice("<t>é</t>".as_bytes());
        assert_eq!(decode_all(&bom, Some("iso-8859-1")), "<t>é</t>");
    }

    #[test]
    fn legacy_encodings_decode() {
        let sjis = b"<?xml version=\"1.0\" encoding=\"Shift_JIS\"?><t>\x93\xfa\x96\x7b</t>";
        assert!(decode_all(sjis, None).contains("日本"));
        let cp1252 = b"<?xml version=\"1.0\" encoding=\"windows-1252\"?><t>\x93q\x94</t>";
        assert!(decode_all(cp1252, None).contains("\u{201c}q\u{201d}"));
    }

    #[test]
    fn invalid_bytes_are_replaced() {
        assert_eq!(decode_all(b"<t>caf\xe9</t>", None), "<t>caf\u{fffd}</t>");
        assert_eq!(decode_all(&[0, 0, 0, b'<', 0xff], None), "<\u{fffd}");
    }

    #[test]
    fn decoding_in_small_steps_matches_decoding_whole() {
        let body = utf32(&DOC.repeat(50), false, true);
        let mut out = String::new();
        let reader = std::io::BufReader::with_capacity(3, &body[..]);
        Decoded::new(reader, detect(&body, None))
            .read_to_string(&mut out)
            .unwrap();
        assert_eq!(out, DOC.repeat(50));
    }
}
