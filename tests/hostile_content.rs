//! Hostile feed content through the real source parsers, the real store and the real reader
//! (`Reader` with a `TestBackend`): nothing from a feed reaches a screen cell as a control,
//! bidi or zero-width character, the layout stays intact at every size, and links a feed
//! should never have given (`javascript:`, `file:`, malformed) are dropped at ingest and
//! refused by the reader. The same feed in a real terminal is `hostile_terminal.rs`.

#[path = "support/hostile_feed.rs"]
mod hostile_feed;
#[path = "support/reader.rs"]
mod reader;

use std::io::Write;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use chrono::NaiveDate;
use crossterm::event::KeyCode;
use hostile_feed::{AUTHORS, BAD_LINKS, HIDDEN_MARKER, is_forbidden};
use paperboat::app::Msg;
use paperboat::model::{Paper, PaperId, SourceId};
use paperboat::reader::{Reader, check_url};
use paperboat::source::arxiv::ArxivSource;
use paperboat::source::feed::FeedSource;
use paperboat::source::hf_daily::HfDailySource;
use paperboat::source::{Source, SourceRequest};
use paperboat::store::Store;
use ratatui::backend::TestBackend;
use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use reader::{key, press};
use unicode_width::UnicodeWidthStr;

/// Papers per format: enough to scroll, few enough to keep the test quick.
const PER_FORMAT: usize = 3;

fn day() -> NaiveDate {
    NaiveDate::from_ymd_opt(2025, 4, 30).unwrap()
}

fn request(url: &str) -> SourceRequest {
    SourceRequest {
        url: url.into(),
        label: "hostile".into(),
        day: Some(day()),
        empty_on_400: false,
    }
}

/// Every format's hostile body through its real parser: (format, papers).
fn parsed_hostile_feeds() -> Vec<(&'static str, Vec<Paper>)> {
    let hf = HfDailySource::new("http://127.0.0.1:9", 1, Some(day()));
    let arxiv = ArxivSource::new(
        "http://127.0.0.1:9",
        "http://127.0.0.1:9",
        &["cs.LG".into()],
        &["cat:cs.LG".into()],
        50,
        Duration::ZERO,
    );
    let rss = FeedSource::new("rssblog", "http://127.0.0.1:9/rss.xml");
    let atom = FeedSource::new("atomblog", "http://127.0.0.1:9/atom.xml");
    let cases: Vec<(&'static str, &dyn Source, String, &str)> = vec![
        (
            "HF JSON",
            &hf,
            hostile_feed::hf_json(PER_FORMAT),
            "http://127.0.0.1:9/api/daily_papers?date=2025-04-30",
        ),
        (
            "arXiv RSS",
            &arxiv,
            hostile_feed::arxiv_rss(PER_FORMAT),
            "http://127.0.0.1:9/rss/cs.LG",
        ),
        (
            "arXiv API Atom",
            &arxiv,
            hostile_feed::arxiv_api_atom(PER_FORMAT),
            "http://127.0.0.1:9/api/query?search_query=cat:cs.LG",
        ),
        (
            "generic RSS",
            &rss,
            hostile_feed::generic_rss(PER_FORMAT),
            "http://127.0.0.1:9/rss.xml",
        ),
        (
            "generic Atom",
            &atom,
            hostile_feed::generic_atom(PER_FORMAT),
            "http://127.0.0.1:9/atom.xml",
        ),
    ];
    cases
        .into_iter()
        .map(|(format, source, body, url)| {
            let papers = source
                .parse(&request(url), body.as_bytes())
                .unwrap_or_else(|error| {
                    panic!("{format}: the hostile feed did not parse: {error}")
                });
            assert_eq!(papers.len(), PER_FORMAT, "{format}: every item is read");
            (format, papers)
        })
        .collect()
}

fn assert_clean(format: &str, field: &str, text: &str, newlines: bool) {
    let bad = text
        .chars()
        .find(|&ch| is_forbidden(ch) && !(newlines && ch == '\n'));
    assert!(
        bad.is_none(),
        "{format}: {field} holds {bad:?}: {:?}",
        text.chars().take(300).collect::<String>()
    );
    assert!(
        !text.contains(HIDDEN_MARKER),
        "{format}: {field} kept a payload hidden in a sequence: {:?}",
        text.chars().take(300).collect::<String>()
    );
}

#[test]
fn hostile_feeds_in_every_format_store_only_clean_text_and_safe_links() {
    for (format, papers) in parsed_hostile_feeds() {
        for paper in &papers {
            assert_clean(format, "title", &paper.title, false);
            assert!(
                paper.title.contains("HOSTILE-"),
                "{format}: {}",
                paper.title
            );
            // Titles are capped (2,000 characters and an ellipsis), abstracts too (200,000).
            assert!(paper.title.chars().count() <= 2_001, "{format}: title cap");
            assert_clean(format, "abstract", &paper.abstract_text, true);
            assert!(
                paper.abstract_text.chars().count() <= 200_001,
                "{format}: abstract cap"
            );
            assert!(
                paper.abstract_text.len() > 100_000,
                "{format}: abstract kept"
            );
            assert_eq!(paper.authors.len(), AUTHORS, "{format}: every author");
            for author in &paper.authors {
                assert_clean(format, "author", author, false);
            }
            for word in paper.categories.iter().chain(&paper.ai_keywords) {
                assert_clean(format, "category or keyword", word, false);
            }
            for text in [&paper.ai_summary, &paper.arxiv_comment, &paper.journal_ref]
                .into_iter()
                .flatten()
            {
                assert_clean(format, "summary, comment or journal", text, true);
            }
            let links = &paper.links;
            for link in [
                &links.abs,
                &links.pdf,
                &links.hf,
                &links.github,
                &links.project,
                &links.doi,
            ]
            .into_iter()
            .flatten()
            {
                assert!(
                    check_url(link).is_ok(),
                    "{format}: kept a link the reader refuses: {link:?}"
                );
                for bad in BAD_LINKS {
                    assert_ne!(link, bad, "{format}: kept a hostile link");
                }
            }
        }
    }
}

/// A clipboard the test can read.
#[derive(Clone, Default)]
struct Sink(Arc<Mutex<Vec<u8>>>);

impl Write for Sink {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

fn open_reader(store: &Store, size: (u16, u16), clipboard: Sink) -> Reader<TestBackend> {
    reader::open_reader(store, size, Box::new(clipboard), true)
}

fn resize(reader: &mut Reader<TestBackend>, (columns, rows): (u16, u16)) {
    reader.terminal.backend_mut().resize(columns, rows);
    reader.handle(Msg::Resize(columns, rows));
}

/// Draws and checks the frame: no cell holds a control, bidi or zero-width character or a
/// hidden payload; every row is exactly the terminal's width; every pane's border is whole.
fn draw_and_check(reader: &mut Reader<TestBackend>, what: &str) -> String {
    reader.draw().unwrap();
    let buffer = reader.terminal.backend().buffer().clone();
    let area = buffer.area;
    for cell in buffer.content() {
        let symbol = cell.symbol();
        assert!(
            !symbol.chars().any(is_forbidden),
            "{what}: a cell holds {symbol:?}\n{}",
            reader.terminal.backend()
        );
    }
    let mut screen = String::new();
    for y in 0..area.height {
        let mut row = String::new();
        let mut skip = 0usize;
        for x in 0..area.width {
            let symbol = buffer[(x, y)].symbol();
            if skip == 0 {
                row.push_str(symbol);
                skip = symbol.width().max(1);
            }
            skip -= 1;
        }
        assert_eq!(
            row.width(),
            usize::from(area.width),
            "{what}: row {y} is not the terminal's width: {row:?}"
        );
        screen.push_str(&row);
        screen.push('\n');
    }
    assert!(
        !screen.contains(HIDDEN_MARKER),
        "{what}: a hidden payload is on screen\n{screen}"
    );
    let layout = reader.app.layout();
    if !layout.too_small && !reader.app.help_open {
        for pane in [Some(layout.list), layout.detail, layout.filter]
            .into_iter()
            .flatten()
        {
            assert_border(&buffer, pane, what, &screen);
        }
    }
    screen
}

fn assert_border(buffer: &Buffer, pane: Rect, what: &str, screen: &str) {
    let (left, top) = (pane.x, pane.y);
    let (right, bottom) = (pane.right() - 1, pane.bottom() - 1);
    let at = |x: u16, y: u16| buffer[(x, y)].symbol().to_string();
    let corners = [
        (left, top, "┌"),
        (right, top, "┐"),
        (left, bottom, "└"),
        (right, bottom, "┘"),
    ];
    for (x, y, want) in corners {
        assert_eq!(at(x, y), want, "{what}: corner of {pane:?}\n{screen}");
    }
    for y in top + 1..bottom {
        assert_eq!(
            at(left, y),
            "│",
            "{what}: left border of {pane:?}\n{screen}"
        );
        assert_eq!(
            at(right, y),
            "│",
            "{what}: right border of {pane:?}\n{screen}"
        );
    }
    for x in left + 1..right {
        assert_eq!(
            at(x, bottom),
            "─",
            "{what}: bottom border of {pane:?}\n{screen}"
        );
    }
}

fn hostile_store(dir: &std::path::Path) -> (Store, usize) {
    let store = Store::open(dir).unwrap();
    let mut count = 0;
    for (_, papers) in parsed_hostile_feeds() {
        count += papers.len();
        store.apply(papers, day()).unwrap();
    }
    (store, count)
}

#[test]
fn hostile_papers_render_clean_with_the_layout_intact_at_every_size() {
    let dir = tempfile::tempdir().unwrap();
    let (store, count) = hostile_store(dir.path());
    let mut reader = open_reader(&store, (120, 40), Sink::default());
    // Every day at once.
    press(&mut reader, "3");
    reader.handle(Msg::KeyTimeout);
    assert_eq!(reader.app.visible.len(), count);

    let sizes = [
        (1, 1),
        (10, 3),
        (24, 6),
        (30, 10),
        (50, 16),
        (80, 24),
        (119, 30),
        (120, 40),
        (200, 60),
    ];
    let mut tags_seen = std::collections::BTreeSet::new();
    for (size_index, size) in sizes.into_iter().enumerate() {
        resize(&mut reader, size);
        key(&mut reader, KeyCode::Home);
        for paper in 0..count {
            // Each paper is checked at a third of the sizes, each size sees every format:
            // a frame wraps the whole (capped, 200,000-character) abstract, slow in debug.
            if (paper + size_index) % 3 != 0 {
                key(&mut reader, KeyCode::Down);
                continue;
            }
            let what = format!("paper {paper} at {}x{}", size.0, size.1);
            let screen = draw_and_check(&mut reader, &what);
            for line in screen.lines() {
                if let Some(at) = line.find("HOSTILE-") {
                    let tag: String = line[at..].chars().take_while(|c| *c != ' ').collect();
                    tags_seen.insert(tag);
                }
            }
            // The detail pane focused and scrolled into the abstract.
            key(&mut reader, KeyCode::Enter);
            for _ in 0..3 {
                key(&mut reader, KeyCode::PageDown);
            }
            draw_and_check(&mut reader, &format!("{what}, detail scrolled"));
            key(&mut reader, KeyCode::Esc);
            key(&mut reader, KeyCode::Down);
        }
        press(&mut reader, "?");
        draw_and_check(&mut reader, &format!("help at {}x{}", size.0, size.1));
        key(&mut reader, KeyCode::Esc);
        press(&mut reader, "/hostile");
        draw_and_check(&mut reader, &format!("filter at {}x{}", size.0, size.1));
        key(&mut reader, KeyCode::Esc);
        key(&mut reader, KeyCode::Esc);
    }
    // The visible words of every format made it to the screen (the test saw the papers).
    for prefix in ["hf-", "arxiv-rss-", "arxiv-api-", "rss-", "atom-"] {
        assert!(
            tags_seen
                .iter()
                .any(|tag| tag.starts_with(&format!("HOSTILE-{prefix}"))),
            "no {prefix} paper on screen: {tags_seen:?}"
        );
    }
}

/// A browser that records its arguments, to prove what the reader opens (and what not).
fn recording_browser(dir: &std::path::Path) -> (String, std::path::PathBuf) {
    let log = dir.join("opened.log");
    let script = dir.join("browser.sh");
    std::fs::write(
        &script,
        format!(
            "#!/bin/sh\nprintf '%s|' \"$#\" \"$@\" >> '{}'\necho >> '{}'\n",
            log.display(),
            log.display()
        ),
    )
    .unwrap();
    let mut permissions = std::fs::metadata(&script).unwrap().permissions();
    std::os::unix::fs::PermissionsExt::set_mode(&mut permissions, 0o755);
    std::fs::set_permissions(&script, permissions).unwrap();
    (script.display().to_string(), log)
}

#[test]
fn the_reader_refuses_to_open_or_copy_links_a_feed_should_never_have_given() {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(&dir.path().join("data")).unwrap();
    // Written straight to the store, as a cache from before the sources' checks would hold.
    let papers: Vec<Paper> = BAD_LINKS
        .iter()
        .enumerate()
        .map(|(n, link)| {
            let source = SourceId::feed("old");
            let mut paper = Paper::new(
                PaperId::scoped(&source, &format!("bad-{n}")),
                format!("Bad link {n}"),
                source,
            );
            paper.daily_date = Some(day());
            paper.upvotes = Some(100 - n as u32);
            paper.links.abs = Some((*link).to_string());
            paper.links.pdf = Some((*link).to_string());
            paper
        })
        .collect();
    let mut good = Paper::new(
        PaperId::from_arxiv("2504.00001").unwrap(),
        "A good link".into(),
        SourceId::feed("old"),
    );
    good.daily_date = Some(day());
    good.upvotes = Some(0);
    good.links.abs = Some("https://arxiv.org/abs/2504.00001".into());
    store.apply(papers, day()).unwrap();
    store.apply(vec![good], day()).unwrap();

    let clipboard = Sink::default();
    let mut reader = open_reader(&store, (120, 40), clipboard.clone());
    let (browser, opened_log) = recording_browser(dir.path());
    reader.runner.browser = browser;
    for (n, link) in BAD_LINKS.iter().enumerate() {
        assert_eq!(
            reader.app.selected_row().unwrap().title(),
            format!("Bad link {n}")
        );
        for (keys, verb) in [("o", "open"), ("O", "open"), ("y", "copy")] {
            press(&mut reader, keys);
            let message = reader.app.message.clone().unwrap_or_default();
            assert!(
                message.starts_with(&format!("refused to {verb} ")),
                "{link:?} with {keys}: {message:?}"
            );
            let screen = draw_and_check(&mut reader, &format!("refusal of {link:?}"));
            assert!(screen.contains("refused to"), "{screen}");
        }
        press(&mut reader, "j");
    }
    assert!(clipboard.0.lock().unwrap().is_empty(), "nothing was copied");
    assert!(!opened_log.exists(), "the browser was never started");

    // The good link opens, passed to the browser as one argument, with no shell between.
    assert_eq!(reader.app.selected_row().unwrap().title(), "A good link");
    // `o` offers the paper's links; `a` picks the abstract.
    press(&mut reader, "oa");
    let message = reader.app.message.clone().unwrap_or_default();
    assert_eq!(message, "opened https://arxiv.org/abs/2504.00001");
    let mut logged = String::new();
    for _ in 0..400 {
        logged = std::fs::read_to_string(&opened_log).unwrap_or_default();
        if logged.ends_with('\n') {
            break;
        }
        std::thread::sleep(Duration::from_millis(10));
    }
    assert_eq!(logged, "1|https://arxiv.org/abs/2504.00001|\n");
    press(&mut reader, "ya");
    assert!(
        !clipboard.0.lock().unwrap().is_empty(),
        "the good link is copied"
    );
}
