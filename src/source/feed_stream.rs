//! The one XML feed reader: every RSS (0.90–2.0, RSS 1.0/RDF, Userland's namespace) and Atom
//! (0.3, 1.0) document, read in one quick-xml pull pass that turns items into `EntryFields` as
//! they arrive, in bounded memory, whatever the body's size.
//!
//! Lenient by design (feeds in the wild are): any `<rss>`, `<rdf:RDF>`, `<feed>` or `<channel>`
//! root is a feed whatever its version; an item is any `item`/`entry` element of the feed's own
//! vocabulary wherever it sits; unknown content types are text (or HTML when they look like it);
//! markup nested in a field is kept as HTML for the text normaliser; dates are read in every
//! form feeds use. The body arrives as UTF-8 (`encoding::Decoded` did the decoding).
//! Imports nothing above `source`.

use std::io::BufRead;

use compact_str::CompactString;
use quick_xml::NsReader;
use quick_xml::events::{BytesStart, Event};
use quick_xml::name::ResolveResult;
use reqwest::Url;

use super::common::{EntryFields, EntryLink};
use super::feed_values::{decode_base64, lenient_date, looks_like_html, person_name};
use super::{ParseError, StreamError};

/// What vocabulary an element belongs to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Ns {
    /// The feed's own: no namespace, RSS 0.90/1.0, Userland RSS, Atom 0.3/1.0, or the root's.
    Core,
    /// Atom inside an RSS document (`atom:link`).
    Atom,
    Content,
    DublinCore,
    DcTerms,
    Xhtml,
    Itunes,
    Media,
    Rdf,
    Other,
}

fn namespace(uri: &str, root_ns: Option<&str>) -> Ns {
    match uri {
        "http://purl.org/rss/1.0/"
        | "http://my.netscape.com/rdf/simple/0.9/"
        | "http://backend.userland.com/rss2"
        | "http://backend.userland.com/rss"
        | "http://purl.org/atom/ns#" => Ns::Core,
        "http://www.w3.org/2005/Atom" => Ns::Atom,
        "http://purl.org/rss/1.0/modules/content/" => Ns::Content,
        "http://purl.org/dc/elements/1.1/" => Ns::DublinCore,
        "http://purl.org/dc/terms/" => Ns::DcTerms,
        "http://www.w3.org/1999/xhtml" => Ns::Xhtml,
        itunes if itunes.eq_ignore_ascii_case("http://www.itunes.com/dtds/podcast-1.0.dtd") => {
            Ns::Itunes
        }
        "http://www.w3.org/1999/02/22-rdf-syntax-ns#" => Ns::Rdf,
        "http://search.yahoo.com/mrss/" | "http://search.yahoo.com/mrss" => Ns::Media,
        other if Some(other) == root_ns => Ns::Core,
        _ => Ns::Other,
    }
}

/// A start tag, reduced to what the reader needs. Names, short tags and short attribute
/// values stay inline (`CompactString`, up to 24 bytes): every element read or skipped makes
/// one, and a heap string per field of it was a good part of the XML thread's allocations.
struct Element {
    ns: Ns,
    /// The local name.
    name: CompactString,
    /// Qualified attribute names and unescaped values.
    attributes: Vec<(CompactString, CompactString)>,
    /// The start tag as written, without `<` and `>` (for nested markup).
    raw: CompactString,
    /// True for `<x/>`: no content, and no end tag will follow.
    empty: bool,
}

impl Element {
    fn attribute(&self, name: &str) -> Option<&str> {
        self.attributes
            .iter()
            .find(|(key, _)| key == name || key.rsplit(':').next() == Some(name))
            .map(|(_, value)| value.as_str())
    }
}

enum Step {
    Open(Element),
    Close,
    Eof,
}

/// How a text construct is to be read (Atom's `type`/`mode`; RSS fields are HTML).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum TextKind {
    Plain,
    Html,
    Xhtml,
    /// Unknown: HTML when it looks like it, else plain.
    Guess,
}

struct Parser<'a, R> {
    reader: NsReader<R>,
    buf: Vec<u8>,
    root_ns: Option<String>,
    /// The root is Atom's `<feed>`, whose text constructs default to plain text.
    atom: bool,
    /// `xml:base` in force, by element depth.
    bases: Vec<(usize, Url)>,
    depth: usize,
    /// `Close` owed for an empty element just returned as `Open`.
    owed_close: bool,
    batch: Vec<EntryFields>,
    batch_size: usize,
    on_batch: &'a mut dyn FnMut(Vec<EntryFields>) -> Result<(), StreamError>,
    /// Where `content` gathers a field, kept between fields: a field arrives as dozens of
    /// events (every entity of escaped HTML is one), and a fresh string would grow by
    /// reallocation through each; the field is then copied out at its size.
    scratch: String,
}

/// Reads every item of an XML feed (UTF-8), handing `EntryFields` to `on_batch` in batches of
/// `batch_size`, in document order. `base` resolves relative links (the feed's own URL).
pub(super) fn parse_entries<R: BufRead>(
    document: R,
    base: Option<&str>,
    batch_size: usize,
    on_batch: &mut dyn FnMut(Vec<EntryFields>) -> Result<(), StreamError>,
) -> Result<(), StreamError> {
    let mut reader = NsReader::from_reader(document);
    let config = reader.config_mut();
    config.trim_markup_names_in_closing_tags = true;
    config.check_end_names = false;
    config.trim_text(false);
    let mut parser = Parser {
        reader,
        buf: Vec::new(),
        root_ns: None,
        atom: false,
        bases: base
            .and_then(|url| Url::parse(url).ok())
            .map(|url| (0, url))
            .into_iter()
            .collect(),
        depth: 0,
        owed_close: false,
        batch: Vec::new(),
        batch_size: batch_size.max(1),
        on_batch,
        scratch: String::new(),
    };
    parser.document()?;
    parser.flush()
}

fn xml_error(error: quick_xml::Error) -> StreamError {
    match error {
        quick_xml::Error::Io(io) => {
            StreamError::Read(std::io::Error::new(io.kind(), io.to_string()))
        }
        other => StreamError::Parse(ParseError::Xml(other.to_string())),
    }
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
    /// The next start or end tag. Text on the way goes to `text` when given: `escaped` says
    /// whether it is written back as markup (inside nested elements) or as the field's own
    /// text (where entities are resolved and the rest is kept as written).
    fn next(&mut self, mut text: Option<(&mut String, bool)>) -> Result<Step, StreamError> {
        if self.owed_close {
            self.owed_close = false;
            return Ok(self.close());
        }
        loop {
            self.buf.clear();
            let (resolved, event) = self
                .reader
                .read_resolved_event_into(&mut self.buf)
                .map_err(xml_error)?;
            let (start, empty) = match event {
                Event::Start(start) => (start, false),
                Event::Empty(start) => (start, true),
                Event::End(_) => return Ok(self.close()),
                // A body cut off inside an element is a failed fetch, not a short feed.
                Event::Eof if self.depth > 0 => {
                    return Err(StreamError::Parse(ParseError::Xml(
                        "the document ends inside an element".to_string(),
                    )));
                }
                Event::Eof => return Ok(Step::Eof),
                Event::Text(run) => {
                    if let Some((out, escaped)) = text.as_mut() {
                        let run: &str = &run;
                        if *escaped {
                            out.push_str(&quick_xml::escape::partial_escape(run));
                        } else {
                            out.push_str(run);
                        }
                    }
                    continue;
                }
                Event::CData(run) => {
                    if let Some((out, escaped)) = text.as_mut() {
                        let run: &str = &run;
                        if *escaped {
                            out.push_str(&quick_xml::escape::partial_escape(run));
                        } else {
                            out.push_str(run);
                        }
                    }
                    continue;
                }
                Event::GeneralRef(reference) => {
                    if let Some((out, escaped)) = text.as_mut() {
                        let name: &str = &reference;
                        match reference.resolve_char_ref() {
                            Ok(Some(c)) if !*escaped => out.push(c),
                            Ok(None)
                                if !*escaped
                                    && quick_xml::escape::resolve_predefined_entity(name)
                                        .is_some() =>
                            {
                                out.push_str(
                                    quick_xml::escape::resolve_predefined_entity(name)
                                        .unwrap_or_default(),
                                );
                            }
                            // Unknown entities (HTML's, without a DTD) and, in markup, every
                            // reference stay as written, for the HTML reader.
                            _ => {
                                out.push('&');
                                out.push_str(name);
                                out.push(';');
                            }
                        }
                    }
                    continue;
                }
                // Declarations, comments, processing instructions carry nothing.
                _ => continue,
            };
            let ns = match resolved {
                ResolveResult::Bound(uri) => {
                    if self.depth == 0 && self.root_ns.is_none() {
                        self.root_ns = Some(uri.as_ref().to_string());
                    }
                    namespace(uri.as_ref(), self.root_ns.as_deref())
                }
                ResolveResult::Unbound | ResolveResult::Unknown(_) => Ns::Core,
            };
            let element = element_of(&start, ns, empty);
            self.depth += 1;
            if let Some(base) = element.attribute("xml:base") {
                let resolved = self.resolve(base);
                if let Ok(url) = Url::parse(&resolved) {
                    self.bases.push((self.depth, url));
                }
            }
            self.owed_close = empty;
            return Ok(Step::Open(element));
        }
    }

    fn close(&mut self) -> Step {
        while self
            .bases
            .last()
            .is_some_and(|(depth, _)| *depth >= self.depth && *depth > 0)
        {
            self.bases.pop();
        }
        self.depth = self.depth.saturating_sub(1);
        Step::Close
    }
}

fn element_of(start: &BytesStart<'_>, ns: Ns, empty: bool) -> Element {
    let qualified = start.name();
    let qualified: &str = qualified.as_ref();
    let name = CompactString::from(qualified.rsplit(':').next().unwrap_or(qualified));
    let attributes = start
        .attributes()
        .with_checks(false)
        .flatten()
        .map(|attribute| {
            let key = CompactString::from(attribute.key.as_ref());
            let raw: &str = &attribute.value;
            let value = match quick_xml::escape::unescape(raw) {
                Ok(value) => CompactString::from(value),
                Err(_) => CompactString::from(raw),
            };
            (key, value)
        })
        .collect();
    let raw: &str = start;
    Element {
        ns,
        name,
        attributes,
        raw: CompactString::from(raw),
        empty,
    }
}

impl<R: BufRead> Parser<'_, R> {
    /// A link resolved against the `xml:base` in force (or the feed's URL), trimmed.
    fn resolve(&self, href: &str) -> String {
        let href = href.trim();
        if let Ok(url) = Url::parse(href) {
            return url.to_string();
        }
        match self.bases.last() {
            Some((_, base)) => base
                .join(href)
                .map(|url| url.to_string())
                .unwrap_or_else(|_| href.to_string()),
            None => href.to_string(),
        }
    }

    /// Skips the rest of an element whose start tag was just read.
    fn skip(&mut self) -> Result<(), StreamError> {
        let mut depth = 0usize;
        loop {
            match self.next(None)? {
                Step::Open(_) => depth += 1,
                Step::Close if depth == 0 => return Ok(()),
                Step::Close => depth -= 1,
                Step::Eof => return Ok(()),
            }
        }
    }

    /// The content of an element whose start tag was just read: its own text (entities
    /// resolved) with nested elements written back as markup. Returns the content and whether
    /// it held markup.
    fn content(&mut self) -> Result<(String, bool), StreamError> {
        let mut out = std::mem::take(&mut self.scratch);
        out.clear();
        let gathered = self.gather(&mut out);
        let content = gathered.map(|nested| (out.as_str().to_owned(), nested));
        self.scratch = out;
        content
    }

    /// `content` into `out`; returns whether it held markup.
    fn gather(&mut self, out: &mut String) -> Result<bool, StreamError> {
        let mut depth = 0usize;
        let mut nested = false;
        let mut open_names: Vec<String> = Vec::new();
        loop {
            let step = self.next(Some((&mut *out, depth > 0)))?;
            match step {
                Step::Open(child) => {
                    nested = true;
                    out.push('<');
                    out.push_str(&child.raw);
                    if child.empty {
                        out.push_str("/>");
                        // The owed close.
                        self.next(None)?;
                    } else {
                        out.push('>');
                        depth += 1;
                    }
                    if !child.empty {
                        // The element's name, for its end tag.
                        let name = child.raw.split_whitespace().next().unwrap_or_default();
                        open_names.push(name.to_string());
                    }
                }
                Step::Close if depth == 0 => return Ok(nested),
                Step::Close => {
                    depth -= 1;
                    let name = open_names.pop().unwrap_or_default();
                    out.push_str("</");
                    out.push_str(&name);
                    out.push('>');
                }
                Step::Eof => return Ok(nested),
            }
        }
    }

    /// The whole document: the root must be a feed; items are found wherever they sit.
    fn document(&mut self) -> Result<(), StreamError> {
        let root = loop {
            match self.next(None)? {
                Step::Open(root) => break root,
                Step::Close => continue,
                Step::Eof => {
                    return Err(StreamError::Parse(ParseError::Feed(
                        "the document has no root element".to_string(),
                    )));
                }
            }
        };
        if !matches!(root.name.as_str(), "rss" | "RDF" | "feed" | "channel") {
            return Err(StreamError::Parse(ParseError::Feed(format!(
                "the root element is <{}>, not <rss>, <rdf:RDF> or <feed>",
                crate::text::sanitize_line(&root.name)
            ))));
        }
        self.atom = root.name == "feed";
        if root.empty {
            return Ok(());
        }
        self.walk()
    }

    /// Reads on to the end of the current element, reading every item met on the way.
    fn walk(&mut self) -> Result<(), StreamError> {
        let mut depth = 0usize;
        loop {
            match self.next(None)? {
                Step::Open(element)
                    if matches!(element.ns, Ns::Core | Ns::Atom)
                        && matches!(element.name.as_str(), "item" | "entry") =>
                {
                    let entry = self.item()?;
                    self.push(entry)?;
                }
                Step::Open(_) => depth += 1,
                Step::Close if depth == 0 => return Ok(()),
                Step::Close => depth -= 1,
                Step::Eof => return Ok(()),
            }
        }
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

    /// One `<item>` or `<entry>`, whose start tag was just read.
    fn item(&mut self) -> Result<EntryFields, StreamError> {
        let mut fields = EntryFields::default();
        let mut guid_link: Option<String> = None;
        let mut dc_title = None;
        let mut dc_description = None;
        let mut itunes_summary = None;
        while let Step::Open(child) = self.next(None)? {
            let core = matches!(child.ns, Ns::Core | Ns::Atom);
            match (child.ns, child.name.as_str()) {
                (_, "title") if core => fields.title = Some(self.text(&child, TextKind::Html)?),
                (Ns::DublinCore | Ns::DcTerms, "title") => {
                    dc_title = Some(self.text(&child, TextKind::Html)?);
                }
                (_, "description" | "summary" | "subtitle" | "tagline") if core => {
                    let text = self.text(&child, TextKind::Html)?;
                    if fields.summary.as_deref().is_none_or(str::is_empty) {
                        fields.summary = Some(text);
                    }
                }
                (Ns::DublinCore | Ns::DcTerms, "description" | "abstract") => {
                    dc_description = Some(self.text(&child, TextKind::Html)?);
                }
                (Ns::Media, "title") => {
                    let text = self.text(&child, TextKind::Plain)?;
                    dc_title.get_or_insert(text);
                }
                (Ns::Media, "description") => {
                    let text = self.text(&child, TextKind::Plain)?;
                    dc_description.get_or_insert(text);
                }
                // feedparser reads a media title or description wherever it sits in the item,
                // `<media:group>` and `<media:content>` included.
                (Ns::Media, "group" | "content") => {
                    self.media_texts(&mut dc_title, &mut dc_description)?;
                }
                (Ns::Itunes, "summary") => {
                    itunes_summary = Some(self.text(&child, TextKind::Plain)?);
                }
                (_, "content") if core => {
                    if child.attribute("src").is_some() {
                        self.skip()?;
                    } else {
                        let text = self.text(&child, TextKind::Plain)?;
                        if fields.content.as_deref().is_none_or(str::is_empty) {
                            fields.content = Some(text);
                        }
                    }
                }
                // `<body>`/`<fullitem>` without a namespace: old RSS extensions for the full text.
                (Ns::Core, "fullitem") => {
                    let text = self.text(&child, TextKind::Html)?;
                    if fields.content.as_deref().is_none_or(str::is_empty) {
                        fields.content = Some(text);
                    }
                }
                (Ns::Content, "encoded") | (Ns::Xhtml | Ns::Core, "body") | (Ns::Xhtml, "div") => {
                    let markup = child.name != "encoded";
                    let text = if markup {
                        let (inner, _) = self.content()?;
                        trimmed(inner)
                    } else {
                        self.text(&child, TextKind::Html)?
                    };
                    if fields.content.as_deref().is_none_or(str::is_empty) {
                        fields.content = Some(text);
                    }
                }
                (_, "link") if core => {
                    let rel = child.attribute("rel").map(str::to_string);
                    let href = match child.attribute("href") {
                        Some(href) => {
                            let href = href.to_string();
                            self.skip()?;
                            href
                        }
                        None => self.content()?.0,
                    };
                    if !href.trim().is_empty() {
                        fields.links.push(EntryLink {
                            href: self.resolve_in(&child, &href),
                            rel: Some(rel.unwrap_or_else(|| "alternate".to_string())),
                        });
                    }
                }
                (_, "guid" | "id") if core => {
                    let permalink = child
                        .attribute("isPermaLink")
                        .is_none_or(|value| !value.trim().eq_ignore_ascii_case("false"));
                    let (text, _) = self.content()?;
                    let text = trimmed(text);
                    if child.name == "guid" && permalink && !text.is_empty() {
                        guid_link = Some(self.resolve(&text));
                    }
                    fields.id = text;
                }
                (_, "author" | "creator") if core || child.ns == Ns::DublinCore => {
                    if let Some(name) = self.person()? {
                        fields.authors.push(name);
                    }
                }
                (Ns::Itunes | Ns::DublinCore, "author") => {
                    if let Some(name) = self.person()? {
                        fields.authors.push(name);
                    }
                }
                (_, "category") if core => {
                    let term = match child.attribute("term") {
                        Some(term) => {
                            let term = term.to_string();
                            self.skip()?;
                            term
                        }
                        None => self.content()?.0,
                    };
                    fields.categories.push(trimmed(term));
                }
                (Ns::DublinCore, "subject") => {
                    fields.categories.push(trimmed(self.content()?.0));
                }
                (_, "pubDate" | "published" | "issued" | "created") if core => {
                    let date = lenient_date(&self.content()?.0);
                    fields.published = fields.published.or(date);
                }
                (Ns::DcTerms, "issued" | "created" | "available") => {
                    let date = lenient_date(&self.content()?.0);
                    fields.published = fields.published.or(date);
                }
                (_, "updated" | "modified") if core => {
                    let date = lenient_date(&self.content()?.0);
                    fields.updated = fields.updated.or(date);
                }
                (Ns::DublinCore, "date") | (Ns::DcTerms, "modified" | "date") => {
                    let date = lenient_date(&self.content()?.0);
                    fields.updated = fields.updated.or(date);
                }
                _ => self.skip()?,
            }
        }
        if fields.title.as_deref().is_none_or(|t| t.trim().is_empty()) && dc_title.is_some() {
            fields.title = dc_title;
        }
        if fields
            .summary
            .as_deref()
            .is_none_or(|t| t.trim().is_empty())
        {
            if dc_description.is_some() {
                fields.summary = dc_description;
            } else if fields.content.is_none() && itunes_summary.is_some() {
                fields.summary = itunes_summary;
            }
        }
        if fields.links.is_empty()
            && let Some(link) = guid_link
        {
            fields.links.push(EntryLink {
                href: link,
                rel: Some("alternate".to_string()),
            });
        }
        Ok(fields)
    }

    /// The `<media:title>` and `<media:description>` anywhere inside a media container whose
    /// start tag was just read, as fallbacks for the item's own (the first of each counts).
    /// Iterative, so a deeply nested document cannot exhaust the stack.
    fn media_texts(
        &mut self,
        title: &mut Option<String>,
        description: &mut Option<String>,
    ) -> Result<(), StreamError> {
        let mut depth = 0usize;
        loop {
            match self.next(None)? {
                Step::Open(child) if child.ns == Ns::Media && child.name == "title" => {
                    let text = self.text(&child, TextKind::Plain)?;
                    title.get_or_insert(text);
                }
                Step::Open(child) if child.ns == Ns::Media && child.name == "description" => {
                    let text = self.text(&child, TextKind::Plain)?;
                    description.get_or_insert(text);
                }
                Step::Open(_) => depth += 1,
                Step::Close if depth == 0 => return Ok(()),
                Step::Close => depth -= 1,
                Step::Eof => return Ok(()),
            }
        }
    }

    /// A link resolved against the base in force inside `element` (its own `xml:base` counts,
    /// though the element has been read to its end by now).
    fn resolve_in(&self, element: &Element, href: &str) -> String {
        match element.attribute("xml:base") {
            Some(base) => {
                let base = self.resolve(base);
                match Url::parse(&base).and_then(|base| base.join(href.trim())) {
                    Ok(url) => url.to_string(),
                    Err(_) => self.resolve(href),
                }
            }
            None => self.resolve(href),
        }
    }

    /// A text construct as HTML for the normaliser. `default` is the kind for an element
    /// without a `type` (RSS fields are HTML; Atom's default is text).
    fn text(&mut self, element: &Element, default: TextKind) -> Result<String, StreamError> {
        let declared = element
            .attribute("type")
            .map(|t| t.trim().to_ascii_lowercase());
        let kind = match declared.as_deref() {
            None if element.ns == Ns::Core && self.root_is_atom() => TextKind::Plain,
            None => default,
            Some("text" | "text/plain") => TextKind::Plain,
            Some("html" | "text/html" | "escaped") => TextKind::Html,
            Some("xhtml" | "application/xhtml+xml") => TextKind::Xhtml,
            Some(_) => TextKind::Guess,
        };
        let base64 = element
            .attribute("mode")
            .is_some_and(|mode| mode.trim().eq_ignore_ascii_case("base64"));
        let escaped_mode = element
            .attribute("mode")
            .is_some_and(|mode| mode.trim().eq_ignore_ascii_case("escaped"));
        let (raw, nested) = self.content()?;
        // RFC 4287 4.1.3.3: content of a MIME type that is neither text nor XML is base64.
        let binary_type = declared.as_deref().is_some_and(|mime| {
            mime.contains('/')
                && !mime.starts_with("text/")
                && !mime.ends_with("+xml")
                && !mime.ends_with("/xml")
        });
        let raw = if base64 || (binary_type && !nested) {
            decode_base64(&raw).unwrap_or(raw)
        } else {
            raw
        };
        let kind = match kind {
            _ if escaped_mode => TextKind::Html,
            // Markup where text was promised is read as the markup it is.
            TextKind::Plain | TextKind::Guess if nested => TextKind::Xhtml,
            TextKind::Guess if looks_like_html(&raw) => TextKind::Html,
            TextKind::Guess => TextKind::Plain,
            kind => kind,
        };
        Ok(trimmed(match kind {
            TextKind::Plain => html_escape::encode_text(&raw).into_owned(),
            TextKind::Html | TextKind::Xhtml | TextKind::Guess => raw,
        }))
    }

    fn root_is_atom(&self) -> bool {
        self.atom
    }

    /// An author: an Atom person's `name`, or RSS text such as `jane@example.org (Jane Doe)`,
    /// whose name is kept and address dropped.
    fn person(&mut self) -> Result<Option<String>, StreamError> {
        let mut own_text = String::new();
        let mut name = None;
        let mut has_children = false;
        while let Step::Open(child) = self.next(Some((&mut own_text, false)))? {
            has_children = true;
            if child.name == "name" {
                name = Some(trimmed(self.content()?.0));
            } else {
                self.skip()?;
            }
        }
        let name = if has_children {
            name
        } else {
            person_name(&own_text)
        };
        Ok(name.filter(|name| !name.trim().is_empty()))
    }
}

#[cfg(test)]
mod tests {
    use std::io::{BufReader, Cursor};

    use super::*;

    fn read(doc: &str) -> Result<Vec<EntryFields>, String> {
        read_in_steps(
            doc,
            usize::MAX,
            Some("https://example.org/feeds/papers.xml"),
        )
    }

    fn read_in_steps(
        doc: &str,
        step: usize,
        base: Option<&str>,
    ) -> Result<Vec<EntryFields>, String> {
        let mut entries = Vec::new();
        let reader = BufReader::with_capacity(step.min(1 << 16), Cursor::new(doc.as_bytes()));
        parse_entries(reader, base, 100, &mut |batch| {
            entries.extend(batch);
            Ok(())
        })
        .map_err(|e| e.to_string())?;
        Ok(entries)
    }

    fn one(doc: &str) -> EntryFields {
        let mut entries = read(doc).unwrap();
        assert_eq!(entries.len(), 1, "{doc}");
        entries.remove(0)
    }

    #[test]
    fn every_rss_version_and_rdf_is_a_feed() {
        for root in [
            r#"<rss>"#,
            r#"<rss version="0.90">"#,
            r#"<rss version="0.91">"#,
            r#"<rss version="0.94">"#,
            r#"<rss version="2.0.1">"#,
            r#"<rss version="2.0" xmlns="http://backend.userland.com/rss2">"#,
        ] {
            let doc = format!("{root}<channel><item><title>T</title></item></channel></rss>");
            assert_eq!(one(&doc).title.as_deref(), Some("T"), "{root}");
        }
        let rdf = r#"<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#"
            xmlns="http://purl.org/rss/1.0/" xmlns:dc="http://purl.org/dc/elements/1.1/">
            <channel><title>c</title></channel>
            <item rdf:about="x"><dc:title>Only dc</dc:title><dc:date>2002-09-28T20:01:19Z</dc:date></item>
            </rdf:RDF>"#;
        let entry = one(rdf);
        assert_eq!(entry.title.as_deref(), Some("Only dc"));
        assert!(entry.updated.is_some());
        assert!(read("<html><body/></html>").is_err());
    }

    #[test]
    fn atom_03_and_odd_content_types_are_read() {
        let doc = r#"<feed version="0.3" xmlns="http://purl.org/atom/ns#">
            <entry><title mode="escaped">A &amp;lt;b&amp;gt;</title>
            <content type="application/xhtml+xml"><div xmlns="http://www.w3.org/1999/xhtml">Hi <b>there</b></div></content>
            <summary type="">plain</summary><issued>2004-01-01T19:48:21Z</issued>
            <link href="http://e.org/1"/></entry></feed>"#;
        let entry = one(doc);
        assert_eq!(entry.title.as_deref(), Some("A &lt;b&gt;"));
        assert!(entry.content.as_deref().unwrap().contains("<b>there</b>"));
        assert_eq!(entry.summary.as_deref(), Some("plain"));
        assert!(entry.published.is_some());
        assert_eq!(entry.links[0].href, "http://e.org/1");
        let text_plain = one(
            r#"<feed xmlns="http://www.w3.org/2005/Atom"><entry><title type="text/plain">x &lt; y</title></entry></feed>"#,
        );
        assert_eq!(text_plain.title.as_deref(), Some("x &lt; y"));
    }

    #[test]
    fn base64_text_is_decoded() {
        let doc = r#"<feed xmlns="http://purl.org/atom/ns#"><entry>
            <title mode="base64">RXhhbXBsZSA8Yj5BdG9tPC9iPg==</title>
            <summary type="application/octet-stream">RXhhbXBsZQ==</summary></entry></feed>"#;
        let entry = one(doc);
        assert_eq!(
            entry.title.as_deref(),
            Some("Example &lt;b&gt;Atom&lt;/b&gt;")
        );
        assert_eq!(entry.summary.as_deref(), Some("Example"));
    }

    #[test]
    fn rss_fields_and_their_fallbacks() {
        let doc = r#"<rss version="2.0" xmlns:dc="http://purl.org/dc/elements/1.1/"
            xmlns:dcterms="http://purl.org/dc/terms/"><channel>
            <item><description><p>Unescaped <b>markup</b></p></description>
              <author>jane@example.org (Jane Roe)</author><dc:creator>Doe, John</dc:creator>
              <guid>http://e.org/perma</guid><dcterms:issued>2003-12-31T10:14:55Z</dcterms:issued></item>
            <item><title>G</title><guid isPermaLink="false">http://e.org/not-a-link</guid>
              <pubDate>Fri, 30 Jun 2025 01:57:13 +0000</pubDate></item>
            </channel></rss>"#;
        let entries = read(doc).unwrap();
        let first = &entries[0];
        assert_eq!(
            first.summary.as_deref(),
            Some("<p>Unescaped <b>markup</b></p>")
        );
        assert_eq!(first.authors, ["Jane Roe", "Doe, John"]);
        assert_eq!(first.links[0].href, "http://e.org/perma");
        assert!(first.published.is_some());
        assert!(entries[1].links.is_empty(), "not a permalink");
        assert!(
            entries[1].published.is_some(),
            "a wrong weekday still reads"
        );
    }

    #[test]
    fn xml_base_resolves_links_at_every_level() {
        let doc = r#"<feed xmlns="http://www.w3.org/2005/Atom" xml:base="http://a.example/x/">
            <entry xml:base="sub/"><title>t</title><link href="page"/></entry>
            <entry><title>u</title><link xml:base="http://b.example/" href="q"/></entry>
            </feed>"#;
        let entries = read(doc).unwrap();
        assert_eq!(entries[0].links[0].href, "http://a.example/x/sub/page");
        assert_eq!(entries[1].links[0].href, "http://b.example/q");
        let relative = read_in_steps(
            r#"<rss><channel><item><title>r</title><link>/p?q=1</link></item></channel></rss>"#,
            usize::MAX,
            Some("https://e.org/feed.xml"),
        )
        .unwrap();
        assert_eq!(relative[0].links[0].href, "https://e.org/p?q=1");
    }

    #[test]
    fn a_cut_off_document_is_an_error_and_bytes_arriving_slowly_change_nothing() {
        assert!(read("<rss><channel><item><title>cut").is_err());
        let doc = r#"<rss><channel><item><title>A &amp; B</title><description><![CDATA[<p>x</p>]]></description></item></channel></rss>"#;
        assert_eq!(read_in_steps(doc, 1, None), read(doc));
        assert_eq!(read_in_steps(doc, 7, None), read(doc));
    }

    #[test]
    fn a_long_feed_arrives_in_batches() {
        let items: String = (0..210)
            .map(|n| format!("<item><title>Paper {n}</title><guid>g{n}</guid></item>\n"))
            .collect();
        let doc = format!("<rss version=\"2.0\"><channel>{items}</channel></rss>");
        let mut sizes = Vec::new();
        parse_entries(Cursor::new(doc.as_bytes()), None, 100, &mut |batch| {
            sizes.push(batch.len());
            Ok(())
        })
        .unwrap();
        assert_eq!(sizes, [100, 100, 10]);
    }

    /// feed-rs as the oracle on plain documents (the real arXiv answers, plain RSS and Atom):
    /// the same ids, titles, texts, links, authors and dates.
    #[test]
    fn plain_documents_read_as_feed_rs_reads_them() {
        let rss_items = r#"<rss version="2.0" xmlns:dc="http://purl.org/dc/elements/1.1/"><channel>
            <item><title>A &amp; B ε</title><link>https://e.org/a</link><guid>g1</guid>
            <description>&lt;p&gt;x&lt;/p&gt;</description><dc:creator>Jane Roe</dc:creator>
            <pubDate>Mon, 30 Jun 2025 01:57:13 +0000</pubDate></item></channel></rss>"#;
        let atom_entries = r#"<feed xmlns="http://www.w3.org/2005/Atom"><entry><id>urn:1</id>
            <title type="html">A &lt;em&gt;new&lt;/em&gt; result</title>
            <link rel="alternate" href="https://e.org/p"/><updated>2025-05-01T10:00:00Z</updated>
            <author><name>Grace Hopper</name></author><summary>Sum</summary></entry></feed>"#;
        for doc in [
            include_str!("../../tests/fixtures/arxiv_rss_cs.LG+cs.AI+cs.CL+stat.ML_2026-09-24.xml"),
            include_str!("../../tests/fixtures/arxiv_api_atom_cs.LG_OR_cs.AI_2026-04-30.xml"),
            rss_items,
            atom_entries,
        ] {
            let ours = read_in_steps(doc, usize::MAX, None).unwrap();
            let oracle = feed_rs::parser::Builder::new()
                .build()
                .parse(doc.as_bytes())
                .unwrap();
            assert_eq!(ours.len(), oracle.entries.len());
            for (mine, theirs) in ours.iter().zip(&oracle.entries) {
                assert_eq!(
                    mine.title.as_deref().map(crate::text::normalize_line),
                    theirs
                        .title
                        .as_ref()
                        .map(|t| crate::text::normalize_line(&t.content))
                );
                assert_eq!(
                    mine.summary.as_deref().map(crate::text::normalize_block),
                    theirs
                        .summary
                        .as_ref()
                        .map(|t| crate::text::normalize_block(&t.content))
                );
                let their_links: Vec<&str> = theirs.links.iter().map(|l| l.href.as_str()).collect();
                assert_eq!(
                    mine.links.first().map(|l| l.href.as_str()),
                    their_links.first().copied()
                );
                let their_authors: Vec<String> = theirs
                    .authors
                    .iter()
                    .filter_map(|p| p.name.clone())
                    .collect();
                assert_eq!(mine.authors, their_authors);
                assert_eq!(
                    mine.published.or(mine.updated),
                    theirs.published.or(theirs.updated)
                );
            }
        }
    }
}
