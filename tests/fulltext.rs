//! Full texts (issue #13): fetched on demand from loopback servers (HF Markdown first, arXiv
//! HTML second), refused when too large or held back by a Retry-After, cached so they open
//! offline; read in the reader (`f`, `}`, `t`, `/`, `n`, `Esc`); `paperboat show` direct and
//! through an open reader printing the same.

#[path = "support/reader.rs"]
mod reader;

use std::path::Path;
use std::process::{Command, Output};

use chrono::NaiveDate;
use crossterm::event::KeyCode;
use paperboat::app::Msg;
use paperboat::config::Config;
use paperboat::model::{Paper, PaperId, SourceId};
use paperboat::source::fulltext::FullTextFormat;
use paperboat::store::{Store, StoredFullText};
use paperboat::sync::{FullTextError, FullTextFetcher, FullTextOrigin, ServerWaits};
use reader::{key, press, screen};
use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

fn day() -> NaiveDate {
    NaiveDate::from_ymd_opt(2025, 4, 30).unwrap()
}

fn id(text: &str) -> PaperId {
    PaperId::from_arxiv(text).unwrap()
}

fn paper(arxiv: &str, title: &str) -> Paper {
    let mut p = Paper::new(id(arxiv), title.into(), SourceId::hf());
    p.daily_date = Some(day());
    p.upvotes = Some(7);
    p.abstract_text = format!("Abstract of {title}.");
    p.authors = vec!["Ada Lovelace".into()];
    p.links.abs = Some(format!("https://arxiv.org/abs/{arxiv}"));
    p
}

/// Caches `text` as the paper's Markdown full text, as a fetch from HF would.
fn put_markdown(store: &Store, paper: &str, text: impl Into<String>) {
    store
        .put_full_text(
            &id(paper),
            &StoredFullText {
                format: FullTextFormat::Markdown,
                url: format!("http://hf/papers/{paper}.md"),
                fetched_at: chrono::Utc::now(),
                text: text.into(),
            },
        )
        .unwrap();
}

fn seeded_store(dir: &Path) -> Store {
    let store = Store::open(dir).unwrap();
    store
        .apply(
            vec![
                paper("2504.00001", "Scaling sparse experts"),
                paper("2504.00002", "Diffusion for protein design"),
            ],
            day(),
        )
        .unwrap();
    store
}

/// A config whose HF, arXiv site and arXiv API are the loopback server.
fn config_for(server: &MockServer) -> Config {
    let mut config = Config::default();
    config.sources.hf.base_url = server.uri();
    config.sources.arxiv.site_base_url = server.uri();
    config.sources.arxiv.api_base_url = server.uri();
    config.sync.arxiv_interval_secs = 0.0;
    config
}

fn fetcher(store: &Store, config: &Config) -> FullTextFetcher {
    FullTextFetcher::new(
        store.clone(),
        config,
        ServerWaits::default(),
        paperboat::clock::Clock::System,
    )
}

/// A Markdown paper with sections, a table, math and a link.
fn markdown_paper() -> String {
    let mut text = String::from("# Scaling sparse experts\n\n## Abstract\n\nWe route tokens.\n\n");
    for section in 1..=6 {
        text.push_str(&format!("## {section} Section number {section}\n\n"));
        for paragraph in 0..8 {
            text.push_str(&format!(
                "Paragraph {paragraph} of section {section} talks about routers and load \
                 balancing with $\\alpha + \\beta$ and more words to wrap the line.\n\n"
            ));
        }
    }
    text.push_str("## Conclusion\n\nThe quasicrystal result is in <https://example.org/q>.\n");
    text
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn hf_404_falls_back_to_arxiv_html_and_the_text_is_kept_for_offline_reading() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/papers/2504.00001.md"))
        .respond_with(ResponseTemplate::new(404))
        .expect(1)
        .mount(&server)
        .await;
    let html = "<html><head><script>alert(1)</script><style>p{}</style></head><body>\
                <h2>1 Introduction</h2><p>Energy <math alttext=\"E=mc^2\"><mi>E</mi></math> \
                is conserved.</p></body></html>";
    Mock::given(method("GET"))
        .and(path("/html/2504.00001"))
        .respond_with(ResponseTemplate::new(200).set_body_string(html))
        .expect(1)
        .mount(&server)
        .await;
    let dir = tempfile::tempdir().unwrap();
    let store = seeded_store(dir.path());
    let config = config_for(&server);
    let (text, origin) = fetcher(&store, &config)
        .get(&id("2504.00001"))
        .await
        .unwrap();
    assert_eq!(origin, FullTextOrigin::Fetched);
    assert_eq!(text.format, FullTextFormat::Html);
    assert!(text.url.ends_with("/html/2504.00001"), "{}", text.url);
    assert!(store.has_full_text(&id("2504.00001")).unwrap());
    let plain = paperboat::app::fulltext::plain_text(&text);
    assert!(plain.contains("Introduction"), "{plain}");
    assert!(!plain.contains("alert"), "scripts are dropped: {plain}");
    server.verify().await;
    drop(server);

    // Offline (the server is gone) and in a new process's store: read from the cache.
    drop(store);
    let store = Store::open(dir.path()).unwrap();
    let (again, origin) = fetcher(&store, &config)
        .get(&id("2504.00001"))
        .await
        .unwrap();
    assert_eq!(origin, FullTextOrigin::Cache);
    assert_eq!(again, text);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn no_full_text_anywhere_is_one_clear_message_and_nothing_is_cached() {
    let server = MockServer::start().await;
    let dir = tempfile::tempdir().unwrap();
    let store = seeded_store(dir.path());
    // Nothing mounted: every request is a 404.
    let error = fetcher(&store, &config_for(&server))
        .get(&id("2504.00002"))
        .await
        .unwrap_err();
    assert_eq!(
        error.to_string(),
        "HF has not indexed 2504.00002 and arXiv has no HTML"
    );
    assert!(!store.has_full_text(&id("2504.00002")).unwrap());
    assert!(store.full_text_ids().unwrap().is_empty());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_429_holds_the_host_for_later_fetches_and_the_sync_task() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/papers/2504.00001.md"))
        .respond_with(ResponseTemplate::new(429).insert_header("Retry-After", "120"))
        .expect(1)
        .mount(&server)
        .await;
    let dir = tempfile::tempdir().unwrap();
    let store = seeded_store(dir.path());
    let config = config_for(&server);
    let waits = ServerWaits::default();
    let fetcher = FullTextFetcher::new(
        store.clone(),
        &config,
        waits.clone(),
        paperboat::clock::Clock::System,
    );
    let error = fetcher.get(&id("2504.00001")).await.unwrap_err();
    assert!(
        matches!(&error, FullTextError::Held { phrase } if phrase.contains("asks to wait until")),
        "{error}"
    );
    // The hold is shared with the sync task (same registry) and kept in the store.
    let now = chrono::Utc::now();
    assert!(
        waits
            .held(&format!("{}/api/daily_papers", server.uri()), now)
            .is_some()
    );
    assert_eq!(store.server_waits().unwrap().len(), 1);
    // Asked again: not sent (the mock expects one request only).
    let again = fetcher.get(&id("2504.00001")).await.unwrap_err();
    assert!(matches!(again, FullTextError::Held { .. }), "{again}");
    server.verify().await;
    assert!(!store.has_full_text(&id("2504.00001")).unwrap());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn hostile_markdown_is_stripped_and_ten_megabytes_are_refused() {
    let server = MockServer::start().await;
    let hostile = "# Title\x1b[2J\n\nText \x1b]52;c;ZXZpbA==\x07 and \u{202e}bidi\u{202c} end.\n\n\
                   <script>alert(1)</script>\n\n<style>p { color: red }</style>\n\nAfter.\n";
    Mock::given(method("GET"))
        .and(path("/papers/2504.00001.md"))
        .respond_with(ResponseTemplate::new(200).set_body_string(hostile))
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path("/papers/2504.00002.md"))
        .respond_with(ResponseTemplate::new(200).set_body_string("word ".repeat(2 * 1024 * 1024)))
        .mount(&server)
        .await;
    let dir = tempfile::tempdir().unwrap();
    let store = seeded_store(dir.path());
    let config = config_for(&server);
    let fetcher = fetcher(&store, &config);

    let (text, _) = fetcher.get(&id("2504.00001")).await.unwrap();
    let plain = paperboat::app::fulltext::plain_text(&text);
    let loaded = paperboat::app::fulltext::LoadedFullText::new(&text, 60, true);
    let shown: String = loaded
        .rendered
        .lines
        .iter()
        .map(|l| l.text() + "\n")
        .collect();
    for out in [&plain, &shown] {
        assert!(
            !out.contains('\x1b'),
            "no escape reaches the screen: {out:?}"
        );
        assert!(
            !out.contains('\x07') && !out.contains('\u{202e}'),
            "{out:?}"
        );
        assert!(!out.contains("alert("), "{out:?}");
        assert!(!out.contains("color"), "styles are dropped: {out:?}");
        assert!(out.contains("Text") && out.contains("After."), "{out:?}");
    }

    let error = fetcher.get(&id("2504.00002")).await.unwrap_err();
    assert_eq!(
        error.to_string(),
        "the full text of 2504.00002 is larger than 8 MiB ([fulltext] max_mib); not kept"
    );
    assert!(!store.has_full_text(&id("2504.00002")).unwrap());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn full_and_has_fulltext_find_cached_full_texts_ranked_below_title_hits() {
    let dir = tempfile::tempdir().unwrap();
    let store = seeded_store(dir.path());
    put_markdown(
        &store,
        "2504.00002",
        "# Proteins\n\nWe also train sparse experts on quasicrystal data.",
    );
    let catalog = paperboat::app::catalog::full_catalog(&store, true).unwrap();
    let matching = |query: &str| {
        let parsed = paperboat::query::parse(query).unwrap();
        let corpus = catalog.corpus(day());
        let set = parsed.matching(&corpus).unwrap();
        let mut ids: Vec<String> = set.iter().map(|r| catalog.rows[r].id.to_string()).collect();
        ids.sort();
        ids
    };
    assert_eq!(matching("full:quasicrystal"), ["2504.00002"]);
    assert_eq!(matching("has:fulltext"), ["2504.00002"]);
    assert_eq!(matching("-has:fulltext"), ["2504.00001"]);
    assert_eq!(matching("full:\"sparse exp\""), ["2504.00002"]);
    // A plain word finds the title hit and the full-text hit, the title hit first.
    assert_eq!(matching("sparse"), ["2504.00001", "2504.00002"]);
    let parsed = paperboat::query::parse("sparse").unwrap();
    let corpus = catalog.corpus(day());
    let within = parsed.matching(&corpus).unwrap();
    let scores = parsed.relevance(&corpus, &within);
    let (title_row, full_row) = (
        catalog.index.get(&id("2504.00001")).unwrap(),
        catalog.index.get(&id("2504.00002")).unwrap(),
    );
    assert!(
        scores[title_row] > scores[full_row] && scores[full_row] > 0.0,
        "{scores:?}"
    );
}

#[test]
fn the_reader_opens_the_full_text_jumps_sections_shows_contents_searches_and_goes_back() {
    let dir = tempfile::tempdir().unwrap();
    let store = seeded_store(dir.path());
    put_markdown(&store, "2504.00001", markdown_paper());
    let mut reader = reader::open_reader(&store, (80, 24), Box::new(std::io::sink()), false);
    assert_eq!(reader.app.selected_row().unwrap().id, id("2504.00001"));

    press(&mut reader, "f");
    let text = screen(&mut reader);
    assert!(
        text.contains("Abstract"),
        "the full text, full screen: {text}"
    );
    assert!(text.contains("We route tokens."), "{text}");
    let view = |r: &paperboat::reader::Reader<_>| r.app.fulltext.open.clone().unwrap();

    // `}` moves to the next section's heading.
    press(&mut reader, "}");
    let first = view(&reader).scroll;
    assert!(first > 0);
    press(&mut reader, "}");
    let second = view(&reader).scroll;
    assert!(second > first);
    press(&mut reader, "{");
    assert_eq!(view(&reader).scroll, first);
    let top_line = screen(&mut reader);
    assert!(top_line.contains("1 Section number 1"), "{top_line}");

    // `t` lists the sections; j j Enter jumps to the one two below the current.
    press(&mut reader, "t");
    let toc = screen(&mut reader);
    assert!(toc.contains("Contents"), "{toc}");
    assert!(toc.contains("Conclusion"), "{toc}");
    let entry = view(&reader).toc.unwrap();
    let sections = view(&reader).rendered().unwrap().sections.clone();
    assert_eq!(
        sections[entry].line, first,
        "it starts at the section being read"
    );
    press(&mut reader, "jj");
    key(&mut reader, KeyCode::Enter);
    assert!(view(&reader).toc.is_none());
    assert_eq!(view(&reader).scroll, sections[entry + 2].line);
    let jumped = screen(&mut reader);
    assert!(jumped.contains(&sections[entry + 2].title), "{jumped}");

    // `/` searches inside the text; `n` moves to the next hit.
    press(&mut reader, "gg");
    assert_eq!(view(&reader).scroll, 0);
    press(&mut reader, "/quasicrystal");
    key(&mut reader, KeyCode::Enter);
    let hit = view(&reader);
    assert_eq!(hit.search.hits.len(), 1);
    assert!(hit.scroll > 0);
    assert!(screen(&mut reader).contains("quasicrystal result"));
    press(&mut reader, "gg/router");
    key(&mut reader, KeyCode::Enter);
    let at = view(&reader).scroll;
    press(&mut reader, "n");
    assert!(view(&reader).scroll > at, "n moves to the next hit");
    press(&mut reader, "N");
    assert_eq!(view(&reader).scroll, at, "N moves back");
    let kept = view(&reader).scroll;

    // Esc goes back to the list; `f` again returns to the same place.
    key(&mut reader, KeyCode::Esc);
    assert!(reader.app.fulltext.open.is_none());
    assert!(screen(&mut reader).contains("Diffusion for protein design"));
    press(&mut reader, "f");
    assert_eq!(view(&reader).scroll, kept, "the position is kept");
    press(&mut reader, "h");
    assert!(reader.app.fulltext.open.is_none());

    // A paper without a cached full text (and no fetcher in this reader) says so.
    press(&mut reader, "j");
    press(&mut reader, "f");
    let text = screen(&mut reader);
    assert!(text.contains("No full text"), "{text}");
    reader.handle(Msg::Key(crossterm::event::KeyEvent::new(
        KeyCode::Esc,
        crossterm::event::KeyModifiers::NONE,
    )));
    assert!(reader.app.fulltext.open.is_none());
}

#[test]
fn beside_the_list_from_120_columns() {
    let dir = tempfile::tempdir().unwrap();
    let store = seeded_store(dir.path());
    put_markdown(&store, "2504.00001", markdown_paper());
    let mut reader = reader::open_reader(&store, (140, 30), Box::new(std::io::sink()), false);
    press(&mut reader, "f");
    let text = screen(&mut reader);
    assert!(
        text.contains("Diffusion for protein design"),
        "the list stays: {text}"
    );
    assert!(text.contains("We route tokens."), "{text}");
}

// ---------------------------------------------------------------- show, direct and forwarded

fn run(config: &Path, data: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_paperboat"))
        .env_clear()
        .env("HOME", data.parent().unwrap())
        .env("XDG_STATE_HOME", data.parent().unwrap().join("state"))
        .arg("--config")
        .arg(config)
        .arg("--data-dir")
        .arg(data)
        .args(args)
        .output()
        .unwrap()
}

/// Seeds a data dir with the two papers; the first one's full text is on the server.
fn seeded_dir(parent: &Path, name: &str) -> std::path::PathBuf {
    let data = parent.join(name);
    drop(seeded_store(&data));
    data
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn show_prints_and_exits_the_same_direct_and_through_an_open_reader() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/papers/2504.00001.md"))
        .respond_with(ResponseTemplate::new(200).set_body_string(markdown_paper()))
        .mount(&server)
        .await;
    let home = tempfile::tempdir().unwrap();
    let config_path = home.path().join("config.toml");
    std::fs::write(
        &config_path,
        format!(
            "[sources.hf]\nbase_url = \"{0}\"\n[sources.arxiv]\nsite_base_url = \"{0}\"\n\
             api_base_url = \"{0}\"\n[sync]\narxiv_interval_secs = 0\n",
            server.uri()
        ),
    )
    .unwrap();
    let config = Config::load(&config_path, true).unwrap();
    let direct = seeded_dir(home.path(), "direct");
    let served = seeded_dir(home.path(), "served");
    let cases: Vec<Vec<&str>> = vec![
        vec!["show", "2504.00001"],
        vec!["show", "2504.00001", "--json"],
        vec!["show", "2504.00001", "--full"],
        vec!["show", "arXiv:2504.00001", "--full", "--json"],
        vec!["show", "2504.00002", "--full"],
        vec!["show", "2504.99999"],
    ];
    let outputs = |data: std::path::PathBuf| {
        let config_path = config_path.clone();
        let cases = cases.clone();
        async move {
            tokio::task::spawn_blocking(move || {
                cases
                    .iter()
                    .map(|case| {
                        let out = run(&config_path, &data, case);
                        (
                            String::from_utf8_lossy(&out.stdout).into_owned(),
                            String::from_utf8_lossy(&out.stderr).into_owned(),
                            out.status.code(),
                        )
                    })
                    .collect::<Vec<_>>()
            })
            .await
            .unwrap()
        }
    };
    let want = outputs(direct.clone()).await;
    assert_eq!(want[0].2, Some(0), "{want:?}");
    assert!(want[0].0.contains("Scaling sparse experts"), "{want:?}");
    let json: serde_json::Value = serde_json::from_str(&want[3].0).unwrap();
    assert_eq!(json["id"], "2504.00001");
    assert_eq!(json["fulltext"]["format"], "markdown");
    assert!(
        json["fulltext"]["text"]
            .as_str()
            .unwrap()
            .contains("quasicrystal")
    );
    assert!(
        want[2].0.contains("──── full text (markdown) ────"),
        "{want:?}"
    );
    assert_eq!(want[4].2, Some(1));
    assert_eq!(
        want[4].1,
        "paperboat: error: full text: HF has not indexed 2504.00002 and arXiv has no HTML\n"
    );
    assert_eq!(want[5].2, Some(1), "{want:?}");

    // The same through a reader's server holding the other data dir.
    let mut claim = paperboat::ownership::claim(&served).unwrap();
    let store = Store::open(&served).unwrap();
    let (inbox, _inbox_rx) = tokio::sync::mpsc::unbounded_channel();
    let (sync_commands, _sync_rx) = tokio::sync::mpsc::channel(4);
    let wiring = paperboat::server::wire_reader(&mut claim, &store, &config, &inbox, sync_commands);
    assert!(wiring.server.is_some(), "{:?}", wiring.notice);
    let got = outputs(served.clone()).await;
    assert_eq!(got, want);
    drop(wiring);
    drop(claim);
}

/// A `Write` whose bytes the test reads afterwards.
#[derive(Clone, Default)]
struct Captured(std::sync::Arc<std::sync::Mutex<Vec<u8>>>);

impl std::io::Write for Captured {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

/// The OSC 8 hyperlinks written after a frame land on the very cells where that text is drawn,
/// full screen and beside the list (a wrong column put link text over the filter pane).
#[test]
fn full_text_links_are_written_over_their_own_text() {
    for size in [(80, 24), (160, 48)] {
        let dir = tempfile::tempdir().unwrap();
        let store = seeded_store(dir.path());
        let mut text = String::from("# Links\n\n");
        for n in 0..12 {
            text.push_str(&format!(
                "Paragraph {n} with $\\alpha$ has a [link to the code](https://github.com/o/r) \
                 and <https://example.org/p{n}> in running text of several words.\n\n"
            ));
        }
        put_markdown(&store, "2504.00001", text);
        let mut reader = reader::open_reader(&store, size, Box::new(std::io::sink()), false);
        let captured = Captured::default();
        reader.runner.hyperlink_out = Some(Box::new(captured.clone()));
        press(&mut reader, "f");
        if size == (160, 48) {
            // Opened narrow, then widened: the resize lays it out again beside the list.
            let mut narrow =
                reader::open_reader(&store, (80, 24), Box::new(std::io::sink()), false);
            press(&mut narrow, "f");
            screen(&mut narrow);
            narrow.terminal.backend_mut().resize(160, 48);
            narrow.handle(paperboat::app::Msg::Resize(160, 48));
            reader = narrow;
            reader.runner.hyperlink_out = Some(Box::new(captured.clone()));
            screen(&mut reader);
            captured.0.lock().unwrap().clear();
        }
        let screen_text = screen(&mut reader);
        let rows: Vec<Vec<String>> = {
            let buffer = reader.terminal.backend().buffer();
            (0..size.1)
                .map(|y| {
                    (0..size.0)
                        .map(|x| buffer[(x, y)].symbol().to_string())
                        .collect()
                })
                .collect()
        };
        let bytes = String::from_utf8(captured.0.lock().unwrap().clone()).unwrap();
        let mut checked = 0;
        for piece in bytes.split("\x1b[").skip(1) {
            // "ROW;COLH": a cursor move; the link's text follows the OSC 8 opening.
            let Some((position, _)) = piece.split_once('H') else {
                continue;
            };
            let Some((row, column)) = position.split_once(';') else {
                continue;
            };
            let (Ok(row), Ok(column)) = (row.parse::<usize>(), column.parse::<usize>()) else {
                continue;
            };
            let link_text = bytes_after_cursor(&bytes, position);
            assert!(
                column - 1 + link_text.chars().count() <= usize::from(size.0),
                "{size:?}: a link runs past the screen's edge at {row};{column}: {link_text:?}"
            );
            let drawn: String =
                rows[row - 1][column - 1..column - 1 + link_text.chars().count()].concat();
            assert_eq!(
                drawn, link_text,
                "{size:?} at {row};{column}:\n{screen_text}"
            );
            checked += 1;
        }
        assert!(
            checked >= 4,
            "{size:?}: links written: {checked}\n{bytes:?}"
        );
    }
}

/// The text written after the first OSC 8 opening that follows the cursor move `position`.
fn bytes_after_cursor(bytes: &str, position: &str) -> String {
    let at = bytes.find(&format!("\x1b[{position}H")).unwrap();
    let rest = &bytes[at..];
    let open = rest.find("\x1b]8;;").unwrap();
    let after_url = &rest[open + 5..];
    let text_start = after_url.find("\x1b\\").unwrap() + 2;
    let text = &after_url[text_start..];
    text[..text.find("\x1b]8;;").unwrap()].to_string()
}
