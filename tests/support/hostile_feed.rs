//! A hostile feed in every source format paperboat reads (HF JSON, arXiv RSS, arXiv API Atom,
//! generic RSS, generic Atom): titles, authors and abstracts full of terminal escape sequences,
//! C1 controls, BEL/BS/CR, bidi overrides and zero-width characters, 10,000-character titles,
//! 1 MB abstracts, 100 authors, and `javascript:` / `file:` / malformed links. Generated, so no
//! megabyte fixture is committed.
//!
//! Every payload that only a terminal would see (inside an escape sequence) contains `PWNED`;
//! the visible words around them never do. A screen or byte stream with `PWNED` in it shows
//! that a sequence from the feed got through.

#![allow(dead_code)]

/// base64("PWNED-CLIPBOARD"): what an OSC 52 clipboard write from the feed would copy.
pub const OSC52_PAYLOAD: &str = "UFdORUQtQ0xJUEJPQVJE";
/// Where an OSC 8 hyperlink from the feed points.
pub const OSC8_TARGET: &str = "https://osc8.pwned.example/";
/// Marks every payload hidden inside a sequence.
pub const HIDDEN_MARKER: &str = "PWNED";

/// Characters of a title once padded: 10,000.
pub const TITLE_CHARS: usize = 10_000;
/// Bytes of an abstract once padded: 1 MiB.
pub const ABSTRACT_BYTES: usize = 1 << 20;
pub const AUTHORS: usize = 100;

/// Byte strings the feed carries that paperboat itself never writes: finding one in the bytes
/// paperboat wrote to the terminal means the feed's sequence got through.
pub const FEED_ONLY_SEQUENCES: &[&[u8]] = &[
    b"\x1b]52;",
    b"\x1b]8;",
    b"\x1b]0;",
    b"\x1bP",
    b"\x1b_",
    b"\x1b^",
    b"\x1bX",
    b"\x1b[999;999H",
    b"\x1b[38;5;199m",
    b"\x1b[5n",
    b"\x1b[21t",
    b"\x1b[3J",
    b"\x1b[?47l",
    b"\x1b[?1000h",
    b"\x1bc",
    // U+009B (8-bit CSI) and U+009D (8-bit OSC) as UTF-8.
    b"\xc2\x9b",
    b"\xc2\x9d",
    // BEL and backspace.
    b"\x07",
    b"\x08",
    b"carriage\rreturn",
    // U+202E, U+2066..U+2069, U+200B, U+200D, U+FEFF as UTF-8.
    "\u{202e}".as_bytes(),
    "\u{2066}".as_bytes(),
    "\u{2067}".as_bytes(),
    "\u{2068}".as_bytes(),
    "\u{2069}".as_bytes(),
    "\u{200b}".as_bytes(),
    "\u{200d}".as_bytes(),
    "\u{feff}".as_bytes(),
];

/// Every hostile sequence once, between visible words. `tag` names the paper on screen.
pub fn hostile_run(tag: &str) -> String {
    [
        format!("HOSTILE-{tag} "),
        // Clear the screen and scrollback, jump the cursor, paint in colour.
        "clear\x1b[2J\x1b[3J\x1b[H ".into(),
        "jump\x1b[999;999H ".into(),
        "colour\x1b[38;5;199m\x1b[1;5;7m\x1b[0m ".into(),
        // Ask the terminal to answer (input injection) and to leave the alternate screen.
        "ask\x1b[5n\x1b[21t\x1b[?1049l\x1b[?47l\x1b[?1000h ".into(),
        // OSC 52 clipboard write, OSC 8 hyperlink, OSC 0 window title, ST- and BEL-terminated.
        format!("clip\x1b]52;c;{OSC52_PAYLOAD}\x07 "),
        format!("link\x1b]8;;{OSC8_TARGET}\x1b\\shown\x1b]8;;\x1b\\ "),
        "title\x1b]0;PWNED-WINDOW-TITLE\x1b\\ ".into(),
        // DCS, APC, PM and SOS strings, and a full reset.
        "strings\x1bPPWNED-DCS\x1b\\\x1b_PWNED-APC\x1b\\\x1b^PWNED-PM\x1b\\\x1bXPWNED-SOS\x1b\\\x1bc ".into(),
        // 8-bit CSI (U+009B) with its parameters.
        "csi8\u{9b}31m\u{9b}999;999H\u{9b}5n ".into(),
        // BEL, backspace, carriage return.
        "bell\x07\x07 back\x08\x08space carriage\rreturn ".into(),
        // Bidi override and isolates, zero-width characters.
        "\u{202e}desrever\u{202c} \u{2066}iso\u{2069} \u{2067}rtl\u{2069} \u{2068}first\u{2069} ".into(),
        "zero\u{200b}width\u{200c}\u{200d}\u{2060}\u{feff}joined ".into(),
        format!("END-{tag}"),
    ]
    .concat()
}

/// A 10,000-character title that starts with the hostile run.
pub fn hostile_title(tag: &str) -> String {
    let mut title = hostile_run(tag);
    title.push(' ');
    while title.chars().count() < TITLE_CHARS {
        title.push_str("long ");
    }
    title.chars().take(TITLE_CHARS).collect()
}

/// A 1 MiB abstract: the hostile run every 64 KiB between plain paragraphs.
pub fn hostile_abstract(tag: &str) -> String {
    let run = hostile_run(tag);
    let mut text = String::with_capacity(ABSTRACT_BYTES + run.len());
    let mut next_run = 0;
    while text.len() < ABSTRACT_BYTES {
        if text.len() >= next_run {
            text.push_str(&run);
            text.push_str("\n\n");
            next_run += 64 * 1024;
        }
        text.push_str("Abstract words that go on and on. ");
    }
    text
}

/// 100 author names, each with a sequence in it.
pub fn hostile_authors(tag: &str) -> Vec<String> {
    (0..AUTHORS)
        .map(|i| match i % 4 {
            0 => format!("Author{i} \x1b[31mRed\x1b[0m {tag}"),
            1 => format!("Author{i} \x1b]52;c;{OSC52_PAYLOAD}\x07Clip"),
            2 => format!("Author{i} \u{202e}Reversed\u{202c} \u{9b}2J"),
            _ => format!("Author{i} Zero\u{200b}Width\x07\x08"),
        })
        .collect()
}

/// Links no source may keep and the reader must never open.
pub const BAD_LINKS: &[&str] = &[
    "javascript:alert(document.cookie)",
    "file:///etc/passwd",
    "http://",
    "https://[::1",
    "https://arxiv.org@evil.example/",
    "https://evil.example/\u{202e}fdp.exe",
    "https://evil.example/\x1b]52;c;UFdORUQ=\x07",
];

fn xml_escape(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
}

/// Hugging Face Daily Papers JSON: `count` items with arXiv ids `2504.9000<n>`.
pub fn hf_json(count: usize) -> String {
    let items: Vec<serde_json::Value> = (0..count)
        .map(|n| {
            let tag = format!("hf-{n}");
            let authors: Vec<serde_json::Value> = hostile_authors(&tag)
                .into_iter()
                .map(|name| serde_json::json!({ "name": name, "hidden": false }))
                .collect();
            serde_json::json!({
                "paper": {
                    "id": format!("2504.9000{n}"),
                    "title": hostile_title(&tag),
                    "summary": hostile_abstract(&tag),
                    "authors": authors,
                    "publishedAt": "2025-04-29T00:00:00.000Z",
                    "submittedOnDailyAt": "2025-04-30T00:00:00.000Z",
                    "upvotes": 7,
                    "githubRepo": BAD_LINKS[n % BAD_LINKS.len()],
                    "projectPage": BAD_LINKS[(n + 1) % BAD_LINKS.len()],
                    "ai_summary": hostile_run(&tag),
                    "ai_keywords": [hostile_run(&tag)],
                },
                "title": hostile_title(&tag),
                "numComments": 1,
            })
        })
        .collect();
    serde_json::Value::Array(items).to_string()
}

/// An arXiv RSS listing: `count` items with ids `2504.9100<n>`. Control characters go in as
/// numeric character references (XML 1.0 has no other way to carry them).
pub fn arxiv_rss(count: usize) -> String {
    let mut out = String::from(
        "<?xml version='1.0' encoding='UTF-8'?>\n<rss xmlns:arxiv=\"http://arxiv.org/schemas/atom\" \
         xmlns:dc=\"http://purl.org/dc/elements/1.1/\" version=\"2.0\"><channel>\
         <title>cs.LG updates on arXiv.org</title><link>http://rss.arxiv.org/rss/cs.LG</link>\
         <description>hostile</description>",
    );
    for n in 0..count {
        let tag = format!("arxiv-rss-{n}");
        let id = format!("2504.9100{n}");
        out.push_str(&format!(
            "<item><title>{title}</title><link>https://arxiv.org/abs/{id}</link>\
             <description>arXiv:{id}v1 Announce Type: new \nAbstract: {abs}</description>\
             <guid isPermaLink=\"false\">oai:arXiv.org:{id}v1</guid><category>cs.LG</category>\
             <category>{cat}</category><pubDate>Wed, 30 Apr 2025 00:00:00 -0400</pubDate>\
             <arxiv:announce_type>new</arxiv:announce_type>\
             <arxiv:DOI>{doi}</arxiv:DOI><arxiv:comment>{comment}</arxiv:comment>\
             <dc:creator>{authors}</dc:creator></item>",
            title = xml_text(&hostile_title(&tag)),
            abs = xml_text(&hostile_abstract(&tag)),
            cat = xml_text(&hostile_run(&tag)),
            doi = xml_text("10.1000/x\x1b[2J"),
            comment = xml_text(&format!("{} javascript:alert(1)", hostile_run(&tag))),
            authors = xml_text(&hostile_authors(&tag).join(", ")),
        ));
    }
    out.push_str("</channel></rss>");
    out
}

/// An arXiv API answer (Atom): `count` entries with ids `2504.9200<n>`.
pub fn arxiv_api_atom(count: usize) -> String {
    let mut out = String::from(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<feed xmlns=\"http://www.w3.org/2005/Atom\" \
         xmlns:arxiv=\"http://arxiv.org/schemas/atom\"><id>https://arxiv.org/api/x</id>\
         <title>arXiv Query</title><updated>2025-04-30T00:00:00Z</updated>",
    );
    for n in 0..count {
        let tag = format!("arxiv-api-{n}");
        let id = format!("2504.9200{n}");
        let authors: String = hostile_authors(&tag)
            .iter()
            .map(|name| format!("<author><name>{}</name></author>", xml_text(name)))
            .collect();
        out.push_str(&format!(
            "<entry><id>http://arxiv.org/abs/{id}v1</id><updated>2025-04-29T17:59:59Z</updated>\
             <published>2025-04-29T17:59:59Z</published><title>{title}</title>\
             <summary>{abs}</summary>{authors}\
             <link href=\"https://arxiv.org/abs/{id}v1\" rel=\"alternate\" type=\"text/html\"/>\
             <link title=\"doi\" href=\"{bad}\" rel=\"related\"/>\
             <arxiv:primary_category term=\"{cat}\"/><category term=\"cs.LG\"/>\
             <arxiv:journal_ref>{journal}</arxiv:journal_ref></entry>",
            title = xml_text(&hostile_title(&tag)),
            abs = xml_text(&hostile_abstract(&tag)),
            bad = xml_text(BAD_LINKS[n % BAD_LINKS.len()]),
            cat = xml_text(&hostile_run(&tag)),
            journal = xml_text(&hostile_run(&tag)),
        ));
    }
    out.push_str("</feed>");
    out
}

/// A generic RSS 2.0 blog feed: `count` items whose descriptions are escaped HTML (as blogs
/// write them) with sequences hidden in character references too.
pub fn generic_rss(count: usize) -> String {
    let mut out = String::from(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<rss version=\"2.0\" \
         xmlns:dc=\"http://purl.org/dc/elements/1.1/\"><channel><title>Hostile blog</title>\
         <link>https://blog.example/</link><description>x</description>",
    );
    for n in 0..count {
        let tag = format!("rss-{n}");
        let html = format!(
            "<p>{}</p><p>&#27;[2J&#x1b;]52;c;{OSC52_PAYLOAD}&#7; entity-escaped</p>",
            xml_escape(&hostile_abstract(&tag))
        );
        out.push_str(&format!(
            "<item><title>{title}</title><link>{link}</link><guid>tag:blog.example,2025:{n}</guid>\
             <description>{desc}</description>{authors}\
             <category>{cat}</category><pubDate>Wed, 30 Apr 2025 08:00:00 +0000</pubDate></item>",
            title = xml_text(&hostile_title(&tag)),
            link = xml_text(BAD_LINKS[n % BAD_LINKS.len()]),
            desc = xml_text(&html),
            // One element per author: generic feeds do not split a name on commas.
            authors = hostile_authors(&tag)
                .iter()
                .map(|name| format!("<dc:creator>{}</dc:creator>", xml_text(name)))
                .collect::<String>(),
            cat = xml_text(&hostile_run(&tag)),
        ));
    }
    out.push_str("</channel></rss>");
    out
}

/// A generic Atom feed: `count` entries with HTML titles and bad links.
pub fn generic_atom(count: usize) -> String {
    let mut out = String::from(
        "<?xml version=\"1.0\" encoding=\"utf-8\"?>\n<feed xmlns=\"http://www.w3.org/2005/Atom\">\
         <title>Hostile Atom</title><id>urn:uuid:hostile</id><updated>2025-04-30T00:00:00Z</updated>",
    );
    for n in 0..count {
        let tag = format!("atom-{n}");
        let authors: String = hostile_authors(&tag)
            .iter()
            .map(|name| format!("<author><name>{}</name></author>", xml_text(name)))
            .collect();
        out.push_str(&format!(
            "<entry><title type=\"html\">{title}</title><id>urn:uuid:hostile-{n}</id>\
             <link rel=\"alternate\" href=\"{link}\"/><updated>2025-04-30T09:00:00Z</updated>\
             {authors}<summary type=\"html\">{abs}</summary><category term=\"{cat}\"/></entry>",
            title = xml_text(&hostile_title(&tag)),
            link = xml_text(BAD_LINKS[(n + 2) % BAD_LINKS.len()]),
            abs = xml_text(&hostile_abstract(&tag)),
            cat = xml_text(&hostile_run(&tag)),
        ));
    }
    out.push_str("</feed>");
    out
}

/// XML text: markup escaped, and every character XML 1.0 cannot carry raw (C0 controls but
/// tab/newline, C1 controls) written as a numeric character reference.
pub fn xml_text(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + text.len() / 8);
    for ch in text.chars() {
        match ch {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\t' | '\n' => out.push(ch),
            c if c.is_control() => out.push_str(&format!("&#x{:x};", u32::from(c))),
            c => out.push(c),
        }
    }
    out
}

/// True for a character no cell on screen and no stored text may hold (`\n` aside in blocks).
pub fn is_forbidden(ch: char) -> bool {
    ch.is_control()
        || matches!(
            ch,
            '\u{200b}'..='\u{200f}'
                | '\u{202a}'..='\u{202e}'
                | '\u{2066}'..='\u{2069}'
                | '\u{2060}'
                | '\u{061c}'
                | '\u{feff}'
                | '\u{2028}'
                | '\u{2029}'
        )
}
