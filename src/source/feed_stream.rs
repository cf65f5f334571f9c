//! The streaming reader behind `FeedSource::parse_stream` for RSS 2.0 and Atom: one quick-xml
//! pull pass that turns items into `EntryFields` as they arrive, in bounded memory.
//!
//! It reads what feed-rs would read, the way feed-rs reads it (same namespaces, same "first run
//! of text" rule, same link resolution, same date formats), for the plain items that make up
//! nearly every feed. An item with anything unusual (markup nested in a field, xhtml text, a
//! date only feed-rs's lenient parser reads, an e-mail in an author, `xml:base`, media or
//! podcast extensions) is captured raw and handed to feed-rs itself, wrapped in the document's
//! own root (and channel) start tags, so the result is always what feed-rs makes of it.
//! `sniff` decides from the first bytes whether a body takes this path at all.

use std::io::{self, BufRead, Read};

use chrono::{DateTime, Utc};
use quick_xml::NsReader;
use quick_xml::events::{BytesStart, Event};
use quick_xml::name::ResolveResult;
use reqwest::Url;

use super::feed::{EntryFields, EntryLink, feed_rs_parse};
use super::{ParseError, StreamError};

/// How much of a body `sniff` reads, at most, looking for the root element.
const SNIFF_LIMIT: usize = 64 * 1024;
const SNIFF_STEP: usize = 4 * 1024;

/// The two shapes the streaming reader handles.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum FeedKind {
    /// `<rss version="2.0">` (or an empty version, as feed-rs accepts).
    Rss,
    /// `<feed>` (Atom 1.0).
    Atom,
}

/// Reads the start of `body` and says whether it is a UTF-8 RSS 2.0 or Atom document. Returns
/// the bytes read, which the caller must put back in front of the rest of the body.
pub(super) fn sniff(body: &mut (dyn BufRead + Send)) -> io::Result<(Option<FeedKind>, Vec<u8>)> {
    let mut head = Vec::new();
    loop {
        let before = head.len();
        (&mut *body)
            .take(SNIFF_STEP as u64)
            .read_to_end(&mut head)?;
        let at_end = head.len() - before < SNIFF_STEP;
        match root_of(&head) {
            Root::Found(kind) => return Ok((kind, head)),
            Root::NeedMore if !at_end && head.len() < SNIFF_LIMIT => continue,
            Root::NeedMore => return Ok((None, head)),
        }
    }
}

enum Root {
    /// The root element was found: streamable (`Some`) or not.
    Found(Option<FeedKind>),
    NeedMore,
}

fn root_of(head: &[u8]) -> Root {
    const BOM: &[u8] = b"\xef\xbb\xbf";
    let text = head.strip_prefix(BOM).unwrap_or(head);
    // feed-rs tells XML from JSON by the first `<` or `{`; anything but XML goes its way.
    match text.iter().find(|b| !b.is_ascii_whitespace()) {
        None => return Root::NeedMore,
        Some(b'<') => {}
        Some(_) => return Root::Found(None),
    }
    let mut reader = quick_xml::Reader::from_reader(text);
    let mut buf = Vec::new();
    loop {
        buf.clear();
        match reader.read_event_into(&mut buf) {
            Ok(Event::Decl(decl)) => {
                let utf8 = match decl.encoding() {
                    None => true,
                    Some(Ok(name)) => {
                        let name = name.trim().to_ascii_lowercase();
                        name == "utf-8" || name == "utf8"
                    }
                    Some(Err(_)) => false,
                };
                if !utf8 {
                    return Root::Found(None);
                }
            }
            Ok(Event::Start(start) | Event::Empty(start)) => {
                let kind = match local_name(&start) {
                    "feed" => Some(FeedKind::Atom),
                    "rss" => match attribute(&start, "version").as_deref() {
                        Some("2.0" | "") => Some(FeedKind::Rss),
                        _ => None,
                    },
                    _ => None,
                };
                return Root::Found(kind);
            }
            Ok(Event::Text(text)) if text.trim().is_empty() => {}
            Ok(Event::Comment(_) | Event::PI(_) | Event::DocType(_)) => {}
            // The head may end inside a tag; the whole document decides then.
            Ok(Event::Eof) | Err(_) => return Root::NeedMore,
            Ok(_) => return Root::Found(None),
        }
    }
}

/// Reads every item of a document `sniff` recognised, handing `EntryFields` to `on_batch` in
/// batches of `batch_size`, in document order.
pub(super) fn parse_entries<R: BufRead>(
    kind: FeedKind,
    document: R,
    base: Option<&str>,
    batch_size: usize,
    on_batch: &mut dyn FnMut(Vec<EntryFields>) -> Result<(), StreamError>,
) -> Result<(), StreamError> {
    let base_url = match base {
        Some(url) => Some(
            Url::parse(url).map_err(|e| ParseError::Feed(format!("bad base URL {url}: {e}")))?,
        ),
        None => None,
    };
    let mut reader = NsReader::from_reader(Capturing {
        inner: document,
        on: false,
        bytes: Vec::new(),
    });
    // As feed-rs configures it, so both see the same events.
    let config = reader.config_mut();
    config.expand_empty_elements = true;
    config.trim_markup_names_in_closing_tags = true;
    config.trim_text(false);
    let mut parser = Parser {
        reader,
        buf: Vec::new(),
        default_ns: match kind {
            FeedKind::Rss => Ns::Rss,
            FeedKind::Atom => Ns::Atom,
        },
        base: base_url,
        base_str: base.map(str::to_string),
        envelope_open: String::new(),
        envelope_close: String::new(),
        every_item_odd: false,
        batch: Vec::new(),
        batch_size: batch_size.max(1),
        on_batch,
    };
    match kind {
        FeedKind::Rss => parser.rss()?,
        FeedKind::Atom => parser.atom()?,
    }
    parser.flush()
}

/// The namespaces feed-rs tells apart; every other namespace is `Unknown`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Ns {
    Atom,
    Rss,
    Content,
    DublinCore,
    MediaRss,
    Itunes,
    Podcast,
    WellFormedWeb,
    Unknown,
}

fn namespace(uri: &str) -> Ns {
    match uri {
        "http://purl.org/rss/1.0/" => Ns::Rss,
        "http://www.w3.org/2005/Atom" => Ns::Atom,
        "http://purl.org/rss/1.0/modules/content/" => Ns::Content,
        "http://purl.org/dc/elements/1.1/" => Ns::DublinCore,
        "http://search.yahoo.com/mrss/" => Ns::MediaRss,
        "http://www.itunes.com/dtds/podcast-1.0.dtd" => Ns::Itunes,
        "https://podcastindex.org/namespace/1.0" => Ns::Podcast,
        "http://wellformedweb.org/CommentAPI/" => Ns::WellFormedWeb,
        _ => Ns::Unknown,
    }
}

/// A `BufRead` that can keep a copy of what its reader consumes: the raw bytes of the item
/// being read, for handing it to feed-rs.
struct Capturing<R> {
    inner: R,
    on: bool,
    bytes: Vec<u8>,
}

impl<R: BufRead> Read for Capturing<R> {
    fn read(&mut self, out: &mut [u8]) -> io::Result<usize> {
        let read = self.inner.read(out)?;
        if self.on {
            self.bytes.extend_from_slice(&out[..read]);
        }
        Ok(read)
    }
}

impl<R: BufRead> BufRead for Capturing<R> {
    fn fill_buf(&mut self) -> io::Result<&[u8]> {
        self.inner.fill_buf()
    }

    fn consume(&mut self, amount: usize) {
        if self.on
            && amount > 0
            && let Ok(available) = self.inner.fill_buf()
        {
            // `consume` follows a `fill_buf`, so this is the same buffer, not a new read.
            self.bytes
                .extend_from_slice(&available[..amount.min(available.len())]);
        }
        self.inner.consume(amount);
    }
}

/// The local names the reader acts on; every other name is `Other`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Tag {
    Channel,
    Item,
    Entry,
    Title,
    Link,
    Comments,
    CommentRss,
    Description,
    Author,
    Creator,
    Category,
    Guid,
    PubDate,
    Date,
    Updated,
    Encoded,
    Id,
    Summary,
    Content,
    Published,
    Person,
    Rights,
    Other,
}

impl Tag {
    fn of(local: &str) -> Tag {
        match local {
            "channel" => Tag::Channel,
            "item" => Tag::Item,
            "entry" => Tag::Entry,
            "title" => Tag::Title,
            "link" => Tag::Link,
            "comments" => Tag::Comments,
            "commentRss" | "commentRSS" => Tag::CommentRss,
            "description" => Tag::Description,
            "author" => Tag::Author,
            "creator" => Tag::Creator,
            "category" => Tag::Category,
            "guid" => Tag::Guid,
            "pubDate" => Tag::PubDate,
            "date" => Tag::Date,
            "updated" => Tag::Updated,
            "encoded" => Tag::Encoded,
            "id" => Tag::Id,
            "summary" => Tag::Summary,
            "content" => Tag::Content,
            "published" => Tag::Published,
            "name" => Tag::Person,
            "rights" => Tag::Rights,
            _ => Tag::Other,
        }
    }
}

/// A start tag, reduced to what the reader needs.
struct Element {
    ns: Ns,
    name: Tag,
    /// Qualified attribute names and unescaped values.
    attributes: Vec<(String, String)>,
    /// The raw start tag (for the envelope), only when asked for.
    raw: String,
    qualified: String,
}

impl Element {
    fn attribute(&self, name: &str) -> Option<&str> {
        self.attributes
            .iter()
            .find(|(key, _)| key == name)
            .map(|(_, value)| value.as_str())
    }
}

enum Step {
    Open(Element),
    Close,
    Eof,
}

/// The text of a field element: its first run of text (feed-rs's `child_as_text`), and
/// whether markup was nested in it.
struct FieldText {
    text: Option<String>,
    nested: bool,
}

struct Parser<'a, R> {
    reader: NsReader<Capturing<R>>,
    buf: Vec<u8>,
    default_ns: Ns,
    base: Option<Url>,
    base_str: Option<String>,
    /// The root (and channel) start tags and their end tags, to wrap an item for feed-rs.
    envelope_open: String,
    envelope_close: String,
    /// `xml:base` on the root or channel changes every link: feed-rs reads every item then.
    every_item_odd: bool,
    batch: Vec<EntryFields>,
    batch_size: usize,
    on_batch: &'a mut dyn FnMut(Vec<EntryFields>) -> Result<(), StreamError>,
}

fn local_name<'a>(start: &'a BytesStart<'_>) -> &'a str {
    let name: &str = start;
    let name = name
        .split(|c: char| c.is_ascii_whitespace())
        .next()
        .unwrap_or_default();
    name.rsplit(':').next().unwrap_or(name)
}

fn attribute(start: &BytesStart<'_>, name: &str) -> Option<String> {
    start
        .attributes()
        .flatten()
        .find(|attribute| attribute.key.as_ref() == name)
        .map(|attribute| unescaped(&attribute.value))
}

/// An attribute value unescaped, or as it is when its escapes are broken (as feed-rs does).
fn unescaped(value: &str) -> String {
    quick_xml::escape::unescape(value)
        .map(|text| text.into_owned())
        .unwrap_or_else(|_| value.to_string())
}

fn xml_error(error: quick_xml::Error) -> StreamError {
    match error {
        quick_xml::Error::Io(io) => StreamError::Read(io::Error::new(io.kind(), io.to_string())),
        quick_xml::Error::Encoding(_) => StreamError::Parse(ParseError::Encoding),
        other => StreamError::Parse(ParseError::Xml(other.to_string())),
    }
}

fn unclosed() -> StreamError {
    StreamError::Parse(ParseError::Xml(
        "the document ends inside an element".to_string(),
    ))
}

/// A date in the two strict forms feeds use (RFC 3339, RFC 2822); `None` means feed-rs's
/// lenient parser must have a look.
fn strict_date(text: &str) -> Option<DateTime<Utc>> {
    let text = text.trim();
    DateTime::parse_from_rfc3339(text)
        .or_else(|_| DateTime::parse_from_rfc2822(text))
        .ok()
        .map(|date| date.with_timezone(&Utc))
}

fn trimmed(text: String) -> String {
    let trimmed = text.trim();
    if trimmed.len() == text.len() {
        text
    } else {
        trimmed.to_string()
    }
}

impl<R: BufRead> Parser<'_, R> {
    /// The next start or end tag; text on the way is appended to `text` when given (feed-rs
    /// coalesces text, CDATA and references into one run), otherwise dropped.
    fn next(
        &mut self,
        mut text: Option<&mut Option<String>>,
        raw: bool,
    ) -> Result<Step, StreamError> {
        loop {
            self.buf.clear();
            let (resolved, event) = self
                .reader
                .read_resolved_event_into(&mut self.buf)
                .map_err(xml_error)?;
            match event {
                Event::Start(start) => {
                    let ns = match resolved {
                        ResolveResult::Bound(uri) => namespace(uri.as_ref()),
                        ResolveResult::Unbound | ResolveResult::Unknown(_) => self.default_ns,
                    };
                    let attributes = start
                        .attributes()
                        .flatten()
                        .map(|attribute| {
                            (
                                attribute.key.as_ref().to_string(),
                                unescaped(&attribute.value),
                            )
                        })
                        .collect();
                    let tag: &str = &start;
                    return Ok(Step::Open(Element {
                        ns,
                        name: Tag::of(local_name(&start)),
                        attributes,
                        raw: if raw {
                            format!("<{tag}>")
                        } else {
                            String::new()
                        },
                        qualified: if raw {
                            start.name().as_ref().to_string()
                        } else {
                            String::new()
                        },
                    }));
                }
                Event::End(_) => return Ok(Step::Close),
                Event::Eof => return Ok(Step::Eof),
                Event::Text(run) => {
                    if let Some(text) = text.as_deref_mut()
                        && !run.is_empty()
                    {
                        text.get_or_insert_with(|| String::with_capacity(run.len()))
                            .push_str(&run);
                    }
                }
                Event::CData(run) => {
                    if let Some(text) = text.as_deref_mut()
                        && !run.is_empty()
                    {
                        text.get_or_insert_with(String::new).push_str(&run);
                    }
                }
                Event::GeneralRef(reference) => {
                    if let Some(text) = text.as_deref_mut() {
                        let out = text.get_or_insert_with(String::new);
                        if let Some(c) = reference.resolve_char_ref().map_err(xml_error)? {
                            out.push(c);
                        } else {
                            let name: &str = &reference;
                            match quick_xml::escape::resolve_predefined_entity(name) {
                                Some(resolved) => out.push_str(resolved),
                                // Unknown entities stay as written, for the normaliser.
                                None => {
                                    out.push('&');
                                    out.push_str(name);
                                    out.push(';');
                                }
                            }
                        }
                    } else {
                        // Still an error when malformed, as feed-rs reports it.
                        reference.resolve_char_ref().map_err(xml_error)?;
                    }
                }
                // Empty elements are expanded; declarations, comments, PIs carry nothing.
                _ => {}
            }
        }
    }

    /// Skips the rest of an element whose start tag was just read.
    fn skip(&mut self) -> Result<(), StreamError> {
        let mut depth = 0usize;
        loop {
            match self.next(None, false)? {
                Step::Open(_) => depth += 1,
                Step::Close if depth == 0 => return Ok(()),
                Step::Close => depth -= 1,
                Step::Eof => return Err(unclosed()),
            }
        }
    }

    /// Reads a field element to its end: its first run of text, and whether markup is nested.
    fn field(&mut self) -> Result<FieldText, StreamError> {
        let mut text = None;
        match self.next(Some(&mut text), false)? {
            Step::Close => Ok(FieldText {
                text,
                nested: false,
            }),
            Step::Open(_) => {
                // The nested element, then the rest of the field.
                self.skip()?;
                self.skip()?;
                Ok(FieldText { text, nested: true })
            }
            Step::Eof => Err(unclosed()),
        }
    }

    /// The first element of the document.
    fn root(&mut self) -> Result<Element, StreamError> {
        match self.next(None, true)? {
            Step::Open(root) => Ok(root),
            Step::Close | Step::Eof => Err(StreamError::Parse(ParseError::Feed(
                "the document has no root element".to_string(),
            ))),
        }
    }

    fn rss(&mut self) -> Result<(), StreamError> {
        let root = self.root()?;
        self.every_item_odd = root.attribute("xml:base").is_some();
        loop {
            match self.next(None, true)? {
                Step::Open(channel) if channel.name == Tag::Channel => {
                    self.every_item_odd |= channel.attribute("xml:base").is_some();
                    self.envelope_open = format!("{}{}", root.raw, channel.raw);
                    self.envelope_close = format!("</{}></{}>", channel.qualified, root.qualified);
                    // feed-rs reads the first channel and stops there.
                    return self.channel();
                }
                Step::Open(_) => self.skip()?,
                Step::Close => {
                    return Err(StreamError::Parse(ParseError::Feed(
                        "the RSS document has no <channel>".to_string(),
                    )));
                }
                Step::Eof => return Err(unclosed()),
            }
        }
    }

    fn channel(&mut self) -> Result<(), StreamError> {
        loop {
            match self.next(None, true)? {
                Step::Open(item) if item.ns == Ns::Rss && item.name == Tag::Item => {
                    self.item(&item, FeedKind::Rss)?;
                }
                Step::Open(_) => self.skip()?,
                Step::Close => return Ok(()),
                Step::Eof => return Err(unclosed()),
            }
        }
    }

    fn atom(&mut self) -> Result<(), StreamError> {
        let root = self.root()?;
        self.every_item_odd = root.attribute("xml:base").is_some();
        self.envelope_open = root.raw.clone();
        self.envelope_close = format!("</{}>", root.qualified);
        loop {
            match self.next(None, true)? {
                Step::Open(entry) if entry.ns == Ns::Atom && entry.name == Tag::Entry => {
                    self.item(&entry, FeedKind::Atom)?;
                }
                Step::Open(_) => self.skip()?,
                Step::Close => return Ok(()),
                Step::Eof => return Err(unclosed()),
            }
        }
    }

    /// One `<item>` or `<entry>`, whose start tag was just read.
    fn item(&mut self, start: &Element, kind: FeedKind) -> Result<(), StreamError> {
        let capture = self.reader.get_mut();
        capture.bytes.clear();
        capture.on = true;
        let read = match kind {
            FeedKind::Rss => self.rss_item(),
            FeedKind::Atom => self.atom_entry(),
        };
        let capture = self.reader.get_mut();
        capture.on = false;
        let mut item = read?;
        item.odd |= self.every_item_odd || start.attribute("xml:base").is_some();
        if item.odd {
            let raw = std::mem::take(&mut self.reader.get_mut().bytes);
            self.reparse(&start.raw, &raw)?;
        } else {
            self.push(item.fields)?;
        }
        Ok(())
    }

    /// Hands one odd item to feed-rs, wrapped in the document's root (and channel).
    fn reparse(&mut self, start: &str, rest: &[u8]) -> Result<(), StreamError> {
        let mut document = Vec::with_capacity(
            self.envelope_open.len() + start.len() + rest.len() + self.envelope_close.len(),
        );
        document.extend_from_slice(self.envelope_open.as_bytes());
        document.extend_from_slice(start.as_bytes());
        document.extend_from_slice(rest);
        document.extend_from_slice(self.envelope_close.as_bytes());
        let feed = feed_rs_parse(&document, self.base_str.as_deref())?;
        for entry in feed.entries {
            self.push(EntryFields::from(entry))?;
        }
        Ok(())
    }

    fn push(&mut self, entry: EntryFields) -> Result<(), StreamError> {
        self.batch.push(entry);
        if self.batch.len() >= self.batch_size {
            self.flush()?;
        }
        Ok(())
    }

    fn flush(&mut self) -> Result<(), StreamError> {
        if self.batch.is_empty() {
            return Ok(());
        }
        let batch = std::mem::take(&mut self.batch);
        (self.on_batch)(batch)
    }

    /// A link as feed-rs's `Link::new` makes it: parsed (so normalised) when it is a URL,
    /// resolved against the document's base when relative, else as written; trimmed.
    fn link(&self, href: &str) -> String {
        let resolved = Url::parse(href)
            .ok()
            .or_else(|| self.base.as_ref().and_then(|base| base.join(href).ok()));
        match resolved {
            Some(url) => trimmed(url.to_string()),
            None => href.trim().to_string(),
        }
    }

    fn rss_item(&mut self) -> Result<ReadItem, StreamError> {
        let mut item = ReadItem::default();
        let fields = &mut item.fields;
        // (link, is a "comments" link) in document order; see `clean_links`.
        let mut links: Vec<(EntryLink, bool)> = Vec::new();
        loop {
            let child = match self.next(None, false)? {
                Step::Open(child) => child,
                Step::Close => break,
                Step::Eof => return Err(unclosed()),
            };
            match (child.ns, child.name) {
                (Ns::Rss, Tag::Title) => {
                    let text = self.field()?;
                    item.odd |= text.nested;
                    fields.title = text.text.map(trimmed);
                }
                (Ns::Rss, Tag::Link | Tag::Comments) | (Ns::WellFormedWeb, Tag::CommentRss) => {
                    item.odd |= child.attribute("xml:base").is_some();
                    let text = self.field()?;
                    item.odd |= text.nested;
                    if let Some(href) = text.text {
                        let link = EntryLink {
                            href: self.link(&href),
                            rel: None,
                        };
                        links.push((link, child.ns == Ns::Rss && child.name == Tag::Comments));
                    }
                }
                (Ns::Rss, Tag::Description) => {
                    let text = self.field()?;
                    item.odd |= text.nested;
                    fields.summary = text.text.map(trimmed);
                }
                (Ns::Rss, Tag::Author) | (Ns::DublinCore, Tag::Creator) => {
                    let text = self.field()?;
                    item.odd |= text.nested;
                    if let Some(name) = text.text {
                        // feed-rs splits "name (e-mail)" forms; it is the one to ask then.
                        item.odd |= name.contains('@');
                        fields.authors.push(trimmed(name));
                    }
                }
                (Ns::Rss, Tag::Category) => {
                    let text = self.field()?;
                    item.odd |= text.nested;
                    if let Some(term) = text.text {
                        fields.categories.push(trimmed(term));
                    }
                }
                (Ns::Rss, Tag::Guid) => {
                    let text = self.field()?;
                    item.odd |= text.nested;
                    if let Some(guid) = text.text {
                        fields.id = trimmed(guid);
                    }
                }
                (Ns::Rss, Tag::PubDate) | (Ns::DublinCore, Tag::Date) => {
                    let text = self.field()?;
                    item.odd |= text.nested;
                    fields.published = text.text.and_then(|text| {
                        let date = strict_date(&text);
                        item.odd |= date.is_none();
                        date
                    });
                }
                (Ns::Rss | Ns::Atom, Tag::Updated) => {
                    let text = self.field()?;
                    item.odd |= text.nested;
                    fields.updated = text.text.and_then(|text| {
                        let date = strict_date(&text);
                        item.odd |= date.is_none();
                        date
                    });
                }
                (Ns::Content, Tag::Encoded) => {
                    let text = self.field()?;
                    item.odd |= text.nested;
                    fields.content = text.text.filter(|body| !body.is_empty());
                }
                // Extensions feed-rs reads into media objects, which can fail the document.
                (Ns::MediaRss | Ns::Itunes | Ns::Podcast, _) => {
                    item.odd = true;
                    self.skip()?;
                }
                _ => self.skip()?,
            }
        }
        // feed-rs copies the publication date to `updated` when an RSS item has none.
        if item.fields.updated.is_none() {
            item.fields.updated = item.fields.published;
        }
        // feed-rs drops a "comments" link that points where another link does.
        let targets: Vec<String> = links
            .iter()
            .filter(|(_, comments)| !comments)
            .map(|(link, _)| link.href.clone())
            .collect();
        item.fields.links = links
            .into_iter()
            .filter(|(link, comments)| !comments || !targets.contains(&link.href))
            .map(|(link, _)| link)
            .collect();
        Ok(item)
    }

    fn atom_entry(&mut self) -> Result<ReadItem, StreamError> {
        let mut item = ReadItem::default();
        loop {
            let child = match self.next(None, false)? {
                Step::Open(child) => child,
                Step::Close => break,
                Step::Eof => return Err(unclosed()),
            };
            let fields = &mut item.fields;
            match (child.ns, child.name) {
                (Ns::Atom, Tag::Id) => {
                    let text = self.field()?;
                    item.odd |= text.nested;
                    if let Some(id) = text.text {
                        fields.id = id;
                    }
                }
                (Ns::Atom, Tag::Title) => {
                    let text = self.atom_text(&child, &mut item.odd)?;
                    item.fields.title = text;
                }
                (Ns::Atom, Tag::Summary) => {
                    let text = self.atom_text(&child, &mut item.odd)?;
                    item.fields.summary = text;
                }
                (Ns::Atom, Tag::Content) => {
                    let plain = matches!(
                        child.attribute("type"),
                        None | Some("text" | "html" | "text/html")
                    );
                    if child.attribute("src").is_some() || !plain {
                        item.odd = true;
                        self.skip()?;
                    } else {
                        let text = self.atom_text(&child, &mut item.odd)?;
                        item.fields.content = text;
                    }
                }
                (Ns::Atom, Tag::Updated) => {
                    let text = self.field()?;
                    item.odd |= text.nested;
                    if let Some(text) = text.text {
                        fields.updated = strict_date(&text);
                        item.odd |= fields.updated.is_none();
                    }
                }
                (Ns::Atom, Tag::Published | Tag::PubDate) => {
                    let text = self.field()?;
                    item.odd |= text.nested;
                    if let Some(text) = text.text {
                        fields.published = strict_date(&text);
                        item.odd |= fields.published.is_none();
                    }
                }
                (Ns::Atom, Tag::Author) => {
                    if let Some(name) = self.atom_person(&mut item.odd)? {
                        item.fields.authors.push(name);
                    }
                }
                (Ns::Atom, Tag::Link) => {
                    item.odd |= child.attribute("xml:base").is_some();
                    if let Some(href) = child.attribute("href") {
                        let rel = child.attribute("rel").unwrap_or("alternate").to_string();
                        let href = self.link(href);
                        item.fields.links.push(EntryLink {
                            href,
                            rel: Some(rel),
                        });
                    }
                    self.skip()?;
                }
                (Ns::Atom, Tag::Category) => {
                    if let Some(term) = child.attribute("term") {
                        fields.categories.push(term.trim().to_string());
                    }
                    self.skip()?;
                }
                (Ns::Atom, Tag::Rights) => {
                    // feed-rs fails the document on an unknown text type here.
                    item.odd |= !matches!(
                        child.attribute("type"),
                        None | Some("text" | "html" | "text/html" | "xhtml")
                    );
                    self.skip()?;
                }
                (Ns::WellFormedWeb, Tag::CommentRss) => {
                    item.odd |= child.attribute("xml:base").is_some();
                    let text = self.field()?;
                    item.odd |= text.nested;
                    if let Some(href) = text.text {
                        let href = self.link(&href);
                        item.fields.links.push(EntryLink { href, rel: None });
                    }
                }
                (Ns::MediaRss, _) => {
                    item.odd = true;
                    self.skip()?;
                }
                _ => self.skip()?,
            }
        }
        Ok(item)
    }

    /// An Atom text construct (`title`, `summary`, `content`) of type text or html: its text,
    /// trimmed, or empty. Other types and nested markup are feed-rs's to read.
    fn atom_text(
        &mut self,
        element: &Element,
        odd: &mut bool,
    ) -> Result<Option<String>, StreamError> {
        if !matches!(
            element.attribute("type"),
            None | Some("text" | "html" | "text/html")
        ) {
            *odd = true;
            self.skip()?;
            return Ok(None);
        }
        let text = self.field()?;
        *odd |= text.nested;
        Ok(Some(trimmed(text.text.unwrap_or_default())))
    }

    /// An Atom `author`: the text of its `name` child.
    fn atom_person(&mut self, odd: &mut bool) -> Result<Option<String>, StreamError> {
        let mut name = None;
        loop {
            match self.next(None, false)? {
                Step::Open(child) if child.name == Tag::Person => {
                    let text = self.field()?;
                    *odd |= text.nested;
                    if text.text.is_some() {
                        name = text.text;
                    }
                }
                Step::Open(_) => self.skip()?,
                Step::Close => return Ok(name),
                Step::Eof => return Err(unclosed()),
            }
        }
    }
}

/// One item as read, and whether feed-rs must read it instead.
#[derive(Default)]
struct ReadItem {
    fields: EntryFields,
    odd: bool,
}

#[cfg(test)]
mod tests {
    use std::io::Cursor;

    use super::*;

    const BASE: &str = "https://example.org/feeds/papers.xml";

    /// A reader that hands out at most `step` bytes per `fill_buf`, so that events and captured
    /// items straddle buffer refills.
    struct Trickle<R> {
        inner: R,
        step: usize,
    }

    impl<R: BufRead> Read for Trickle<R> {
        fn read(&mut self, out: &mut [u8]) -> io::Result<usize> {
            let available = self.fill_buf()?;
            let n = available.len().min(out.len());
            out[..n].copy_from_slice(&available[..n]);
            self.consume(n);
            Ok(n)
        }
    }

    impl<R: BufRead> BufRead for Trickle<R> {
        fn fill_buf(&mut self) -> io::Result<&[u8]> {
            let step = self.step;
            let available = self.inner.fill_buf()?;
            Ok(&available[..available.len().min(step)])
        }

        fn consume(&mut self, amount: usize) {
            self.inner.consume(amount);
        }
    }

    fn streamed(doc: &str, base: Option<&str>) -> Result<Vec<EntryFields>, String> {
        streamed_in_steps(doc, base, usize::MAX)
    }

    fn streamed_in_steps(
        doc: &str,
        base: Option<&str>,
        step: usize,
    ) -> Result<Vec<EntryFields>, String> {
        let mut body = doc.as_bytes();
        let (kind, head) = sniff(&mut body).map_err(|e| e.to_string())?;
        let kind = kind.ok_or("not a streamable document")?;
        let mut entries = Vec::new();
        let document = Trickle {
            inner: Cursor::new(head).chain(body),
            step,
        };
        parse_entries(kind, document, base, 100, &mut |batch| {
            entries.extend(batch);
            Ok(())
        })
        .map_err(|e| e.to_string())?;
        Ok(entries)
    }

    fn by_feed_rs(doc: &str, base: Option<&str>) -> Result<Vec<EntryFields>, String> {
        let feed = feed_rs_parse(doc.as_bytes(), base).map_err(|e| e.to_string())?;
        Ok(feed.entries.into_iter().map(EntryFields::from).collect())
    }

    /// The streaming reader must read every document exactly as feed-rs does, however the
    /// bytes arrive.
    fn assert_reads_like_feed_rs(doc: &str) -> Vec<EntryFields> {
        for step in [1, 7, 64] {
            assert_eq!(
                streamed_in_steps(doc, Some(BASE), step),
                streamed(doc, Some(BASE)),
                "read {step} bytes at a time:\n{doc}"
            );
        }
        let mut last = Vec::new();
        for base in [None, Some(BASE)] {
            match (streamed(doc, base), by_feed_rs(doc, base)) {
                (Ok(fast), Ok(reference)) => {
                    assert_eq!(fast, reference, "base {base:?}, document:\n{doc}");
                    last = fast;
                }
                (Err(_), Err(_)) => {}
                (fast, reference) => {
                    panic!("base {base:?}: streamed {fast:?}\nfeed-rs {reference:?}\n{doc}")
                }
            }
        }
        last
    }

    fn rss(items: &str) -> String {
        format!(
            r#"<?xml version="1.0" encoding="UTF-8"?>
<rss version="2.0" xmlns:dc="http://purl.org/dc/elements/1.1/" xmlns:content="http://purl.org/rss/1.0/modules/content/" xmlns:media="http://search.yahoo.com/mrss/" xmlns:wfw="http://wellformedweb.org/CommentAPI/" xmlns:atom="http://www.w3.org/2005/Atom">
<channel><title>T</title><link>https://example.org/</link><description>D</description>
<atom:link href="https://example.org/feed" rel="self"/>
{items}
</channel></rss>"#
        )
    }

    fn atom(entries: &str) -> String {
        format!(
            r#"<?xml version="1.0" encoding="utf-8"?>
<feed xmlns="http://www.w3.org/2005/Atom" xmlns:media="http://search.yahoo.com/mrss/" xmlns:arxiv="http://arxiv.org/schemas/atom">
<title>Lab</title><id>urn:x</id><updated>2025-05-01T00:00:00Z</updated>
{entries}
</feed>"#
        )
    }

    #[test]
    fn real_arxiv_documents_read_like_feed_rs() {
        let rss =
            include_str!("../../tests/fixtures/arxiv_rss_cs.LG+cs.AI+cs.CL+stat.ML_2026-09-24.xml");
        assert!(!assert_reads_like_feed_rs(rss).is_empty());
        let api = include_str!("../../tests/fixtures/arxiv_api_atom_cs.LG_OR_cs.AI_2026-04-30.xml");
        assert!(!assert_reads_like_feed_rs(api).is_empty());
    }

    #[test]
    fn plain_rss_items_read_like_feed_rs() {
        let items = r#"
<item>
<title>PaperBench: Learning &amp; Regression with ε-greedy &lt;b&gt;x&lt;/b&gt;</title>
<link>https://arxiv.org/abs/2506.00000</link>
<description>&lt;p&gt;We report ε ≤ 0.01 in the 多语言 setting 🎯.&lt;/p&gt;&lt;p&gt;&lt;a href=&quot;https://arxiv.org/abs/2506.00000&quot;&gt;abs&lt;/a&gt;&lt;/p&gt;</description>
<guid isPermaLink="false">oai:arXiv.org:2506.00000v1</guid>
<category>cs.LG</category><category> stat.ML </category>
<pubDate>Mon, 30 Jun 2025 01:57:13 +0000</pubDate>
<dc:creator>Wei García, Lucía Smith</dc:creator>
</item>
<item><title><![CDATA[CDATA <i>title</i>]]></title><description><![CDATA[<p>html</p>]]> and &#233; &#x1F600; &nbsp;<!-- a comment --> more</description>
<link>  HTTP://Example.ORG/a b  </link><guid>  g2  </guid><dc:date>2025-06-30T01:02:03Z</dc:date></item>
<item><title/><description>Only a summary, long enough to become a title.</description><guid/><link/></item>
<item><title>   </title><content:encoded></content:encoded><author>Jane Roe</author><updated>2025-06-01T00:00:00+02:00</updated></item>
<item><title>With content</title><content:encoded>&lt;p&gt;Body&lt;/p&gt;</content:encoded></item>
<item><title>Comments</title><comments>https://example.org/c</comments><link>https://example.org/c</link><wfw:commentRss>https://example.org/c/feed</wfw:commentRss></item>
<item><title>Comments first</title><comments>https://example.org/other</comments><link>https://example.org/p</link></item>
<item><title>Relative</title><link>/posts/relative?q=1#f</link><comments>../up</comments></item>
<item><title>Unknown stuff</title><foo><bar>x</bar></foo><enclosure url="https://e.org/a.mp3" length="1" type="audio/mpeg"/><atom:link href="https://x.org/"/></item>
<item/>
"#;
        let entries = assert_reads_like_feed_rs(&rss(items));
        assert_eq!(entries.len(), 10);
    }

    #[test]
    fn unusual_rss_items_are_read_by_feed_rs() {
        let items = r#"
<item><title>Nested <b>markup</b> here</title><guid>n1</guid></item>
<item><title>Lenient dates</title><pubDate>Tue, 30 Jun 2025 01:57:13 UTC</pubDate><guid>d1</guid></item>
<item><title>Date only</title><pubDate>2025-06-30</pubDate><guid>d2</guid></item>
<item><title>Garbage date</title><pubDate>soon</pubDate><guid>d3</guid></item>
<item><title>Wrong weekday</title><pubDate>Fri, 30 Jun 2025 01:57:13 +0000</pubDate><guid>d4</guid></item>
<item><title>Email</title><author>jane@example.org (Jane Roe)</author><dc:creator>Joe &lt;joe@example.org&gt;</dc:creator></item>
<item xml:base="https://base.example/dir/"><title>Based</title><link>rel/page</link></item>
<item><title>Based link</title><link xml:base="https://other.example/">x</link></item>
<item><title>Media</title><media:content url="https://e.org/v.mp4" medium="video"/><media:title>m</media:title></item>
<item><title>Description with markup</title><description>text <p>then markup</p> tail</description></item>
"#;
        let entries = assert_reads_like_feed_rs(&rss(items));
        assert_eq!(entries.len(), 10);
        assert!(entries[1].published.is_some(), "lenient date read");
        assert!(entries[4].published.is_some(), "wrong weekday read");
    }

    #[test]
    fn rss_document_shapes_read_like_feed_rs() {
        for doc in [
            // Items outside the channel, a second channel, junk after the first channel.
            r#"<rss version="2.0"><item><title>out</title></item><channel><item><title>in</title></item></channel><channel><item><title>second</title></item></channel></rss>"#,
            r#"<rss version="2.0"><channel><item><title>a</title></item></channel><broken></rss>"#,
            r#"<rss version=""><channel><item><title>empty version</title></item></channel></rss>"#,
            r#"<rss version="2.0" xmlns="http://example.org/ns"><channel><item><title>default ns</title></item></channel></rss>"#,
            r#"<rss version="2.0" xml:base="https://b.example/"><channel><item><title>t</title><link>x</link></item></channel></rss>"#,
            "\u{feff}<?xml version=\"1.0\"?>\n<!-- lead -->\n<!DOCTYPE rss>\n<rss version=\"2.0\"><channel><item><title>bom</title></item></channel></rss>",
            r#"<rss version="2.0"><channel><item><title>unclosed</title></item>"#,
            r#"<rss version="2.0"><title>no channel</title></rss>"#,
            r#"<rss version="2.0"><channel><item><title>bad ref &#xZZ;</title></item></channel></rss>"#,
            r#"<rss version="2.0"><channel><item><title>mismatch</guid></item></channel></rss>"#,
        ] {
            assert_reads_like_feed_rs(doc);
        }
    }

    #[test]
    fn atom_entries_read_like_feed_rs() {
        let entries = r#"
<entry>
  <title type="html">A &lt;em&gt;new&lt;/em&gt; result</title>
  <id> urn:uuid:1225c695 </id>
  <link rel="related" href="https://example.org/related"/>
  <link rel="alternate" href="https://example.org/posts/new"/>
  <link href="relative/page"/>
  <updated>2025-05-01T10:00:00Z</updated>
  <published>2025-04-30T09:00:00.123+02:00</published>
  <author><name>Grace Hopper</name><email>g@example.org</email></author>
  <author><email>only@example.org</email></author>
  <author><name>  Edsger Dijkstra </name><uri>https://e.org</uri></author>
  <category term=" cs.PL "/><category scheme="x"/>
  <content type="html">&lt;p&gt;Full text.&lt;/p&gt;</content>
  <summary>  Sum  </summary>
  <arxiv:comment>10 pages</arxiv:comment>
  <rights>CC-BY</rights>
</entry>
<entry><title/><summary type="text"></summary><content/></entry>
<entry><title>Text content</title><content type="text/html"><![CDATA[<b>b</b>]]></content></entry>
"#;
        let read = assert_reads_like_feed_rs(&atom(entries));
        assert_eq!(read.len(), 3);
    }

    #[test]
    fn unusual_atom_entries_are_read_by_feed_rs() {
        let entries = r#"
<entry><title type="xhtml"><div xmlns="http://www.w3.org/1999/xhtml">An <b>xhtml</b> title</div></title><id>x1</id></entry>
<entry><title>Src</title><content src="https://e.org/body" type="text/html"/><id>x2</id></entry>
<entry><title>Plain mime</title><content type="text/plain">body</content><id>x3</id></entry>
<entry><title>Lenient</title><updated>2025-05-01T10:00:00+0200</updated><published>2025-05-01</published><id>x4</id></entry>
<entry><title>Nested summary</title><summary><b>bold</b> text</summary><id>x5</id></entry>
<entry xml:base="https://base.example/a/"><title>Based</title><link href="b"/><id>x6</id></entry>
<entry><title>Media</title><media:thumbnail url="https://e.org/t.png"/><id>x7</id></entry>
<entry><title>Nested name</title><author><name>A <i>B</i></name></author><id>x8</id></entry>
"#;
        let read = assert_reads_like_feed_rs(&atom(entries));
        assert_eq!(read.len(), 8);
        assert!(read[3].published.is_some(), "lenient date read");
        // An unknown text type fails the whole document, as it does in feed-rs.
        let bad = atom(r#"<entry><title type="weird">x</title></entry>"#);
        assert!(streamed(&bad, None).is_err());
        assert_reads_like_feed_rs(&bad);
    }

    #[test]
    fn atom_document_shapes_read_like_feed_rs() {
        for doc in [
            r#"<feed><entry><title>no namespace</title></entry></feed>"#,
            r#"<atom:feed xmlns:atom="http://www.w3.org/2005/Atom"><atom:entry><atom:title>prefixed</atom:title></atom:entry></atom:feed>"#,
            r#"<feed xmlns="http://www.w3.org/2005/Atom"><entry><title>unclosed</title></entry>"#,
            r#"<feed xmlns="http://www.w3.org/2005/Atom" xml:base="https://b.example/x/"><entry><title>t</title><link href="y"/></entry></feed>"#,
            r#"<feed xmlns="http://www.w3.org/2005/Atom"><group><entry><title>nested entry</title></entry></group></feed>"#,
        ] {
            assert_reads_like_feed_rs(doc);
        }
    }

    #[test]
    fn other_documents_are_left_to_feed_rs() {
        let not_streamed = |doc: &str| sniff(&mut doc.as_bytes()).unwrap().0.is_none();
        assert!(not_streamed(
            r#"{"version": "https://jsonfeed.org/version/1.1", "items": []}"#
        ));
        assert!(not_streamed(r#"<rss version="0.91"><channel/></rss>"#));
        assert!(not_streamed(r#"<rss><channel/></rss>"#));
        assert!(not_streamed(
            r#"<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#"/>"#
        ));
        assert!(not_streamed(
            r#"<?xml version="1.0" encoding="ISO-8859-1"?><rss version="2.0"/>"#
        ));
        assert!(not_streamed("just some text"));
        assert!(!not_streamed(
            r#"<?xml version="1.0" encoding="utf-8"?><rss version="2.0"/>"#
        ));
        // A root far into the document is still found.
        let late = format!("<!--{}--><feed/>", "x".repeat(10_000));
        assert!(!not_streamed(&late));
    }

    #[test]
    fn invalid_utf8_is_an_encoding_error() {
        let doc =
            b"<rss version=\"2.0\"><channel><item><title>caf\xe9</title></item></channel></rss>";
        let mut body = &doc[..];
        let (kind, head) = sniff(&mut body).unwrap();
        let result = parse_entries(
            kind.unwrap(),
            Cursor::new(head).chain(body),
            None,
            100,
            &mut |_| Ok(()),
        );
        assert!(
            matches!(result, Err(StreamError::Parse(ParseError::Encoding))),
            "{result:?}"
        );
    }

    #[test]
    fn a_long_feed_arrives_in_batches() {
        let items: String = (0..210)
            .map(|n| format!("<item><title>Paper {n}</title><guid>g{n}</guid></item>\n"))
            .collect();
        let doc = rss(&items);
        let mut body = doc.as_bytes();
        let (kind, head) = sniff(&mut body).unwrap();
        let mut sizes = Vec::new();
        parse_entries(
            kind.unwrap(),
            Cursor::new(head).chain(body),
            None,
            100,
            &mut |batch| {
                sizes.push(batch.len());
                Ok(())
            },
        )
        .unwrap();
        assert_eq!(sizes, [100, 100, 10]);
    }
}
