//! `D`, `O`, the detail's PDF and linked-repo lines and the `has:` filters of #13 in a real
//! reader (inline effects, a real store) against a loopback server: the PDF is downloaded off
//! the UI thread, the linked repos are fetched when the paper is shown, and both show.

#[path = "support/reader.rs"]
mod reader;

use std::time::Duration;

use chrono::{NaiveDate, TimeZone, Utc};
use crossterm::event::KeyCode;
use paperboat::app::App;
use paperboat::app::Msg;
use paperboat::app::catalog::first_catalog;
use paperboat::config::Config;
use paperboat::keymap::Keymap;
use paperboat::linked::LinkedFetcher;
use paperboat::model::{Paper, PaperId, SourceId};
use paperboat::pdf::{PdfDownloader, PdfSettings};
use paperboat::reader::{EffectRunner, Reader};
use paperboat::store::Store;
use paperboat::sync::ServerWaits;
use paperboat::ui::Theme;
use ratatui::Terminal;
use ratatui::backend::TestBackend;
use reader::{key, press, screen};
use tokio::sync::mpsc;
use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

const ID: &str = "1706.03762";

fn seeded(dir: &std::path::Path) -> Store {
    let store = Store::open(dir).unwrap();
    let mut paper = Paper::new(
        PaperId::from_stored(ID.into()),
        "Attention Is All You Need".into(),
        SourceId::hf(),
    );
    paper.authors = vec!["Ashish Vaswani".into()];
    paper.published = Utc.with_ymd_and_hms(2017, 6, 12, 0, 0, 0).single();
    paper.abstract_text = "Transformers.".into();
    paper.daily_date = NaiveDate::from_ymd_opt(2025, 4, 30);
    let mut other = Paper::new(
        PaperId::from_stored("2504.00002".into()),
        "Diffusion for proteins".into(),
        SourceId::hf(),
    );
    other.abstract_text = "Proteins.".into();
    store
        .apply(
            vec![paper, other],
            NaiveDate::from_ymd_opt(2025, 4, 30).unwrap(),
        )
        .unwrap();
    store
}

/// The next message from the background, within a few seconds.
async fn next(results: &mut mpsc::UnboundedReceiver<Msg>, wanted: impl Fn(&Msg) -> bool) -> Msg {
    loop {
        let msg = tokio::time::timeout(Duration::from_secs(20), results.recv())
            .await
            .expect("no background message in time")
            .expect("channel closed");
        if wanted(&msg) {
            return msg;
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn d_downloads_o_opens_and_the_detail_and_filters_show_pdf_and_linked_repos() {
    let server = MockServer::start().await;
    let mut body = b"%PDF-1.5\n".to_vec();
    body.resize(4096, b'.');
    Mock::given(method("GET"))
        .and(path(format!("/pdf/{ID}")))
        .respond_with(ResponseTemplate::new(200).set_body_bytes(body.clone()))
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path(format!("/api/arxiv/{ID}/repos")))
        .respond_with(ResponseTemplate::new(200).set_body_string(
            r#"{"models":[{"id":"org/small","likes":2},{"id":"org/big","likes":50}],
                "datasets":[],"spaces":[{"id":"org/demo"}]}"#,
        ))
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path("/api/arxiv/2504.00002/repos"))
        .respond_with(
            ResponseTemplate::new(200)
                .set_body_string(r#"{"models":[],"datasets":[],"spaces":[]}"#),
        )
        .mount(&server)
        .await;

    let dir = tempfile::tempdir().unwrap();
    let store = seeded(&dir.path().join("data"));
    let papers = dir.path().join("papers");
    let mut config = Config::default();
    config.sources.arxiv.site_base_url = server.uri();
    config.sources.hf.base_url = server.uri();
    config.sync.arxiv_interval_secs = 0.0;
    let waits = ServerWaits::default();

    // The reader as `open_reader` builds it, with PDFs and linked repos set up before it starts.
    let catalog = first_catalog(&store).unwrap();
    let now = Utc.with_ymd_and_hms(2025, 4, 30, 9, 0, 0).unwrap();
    let app = App::new(Keymap::defaults().unwrap(), catalog, now, (160, 40), 120);
    let mut runner = EffectRunner::new(store.clone(), true, Box::new(std::io::sink()));
    let (results_tx, mut results) = mpsc::unbounded_channel();
    runner.results = Some(results_tx);
    runner.pdf.downloader = Some(
        PdfDownloader::new(
            store.clone(),
            PdfSettings::from_config(&config),
            waits.clone(),
        )
        .unwrap(),
    );
    runner.pdf.linked = Some(LinkedFetcher::new(store.clone(), &config, waits).unwrap());
    runner.pdf.dir = papers.clone();
    // `true` stands in for a graphical viewer: it starts and exits 0.
    runner.pdf.viewer = "true".into();
    let mut reader = Reader {
        terminal: Terminal::new(TestBackend::new(160, 40)).unwrap(),
        app,
        runner,
        theme: Theme { color: false },
    };
    reader.start();

    // Select the paper and open it: its linked repos are fetched in the background.
    press(&mut reader, "/");
    press(&mut reader, "attention");
    key(&mut reader, KeyCode::Enter);
    key(&mut reader, KeyCode::Enter);
    let extras = next(
        &mut results,
        |m| matches!(m, Msg::PaperExtras(e) if e.id.as_str() == ID && e.linked.is_some()),
    )
    .await;
    reader.handle(extras);
    let text = screen(&mut reader);
    assert!(
        text.contains("Cited on HF: 2 models, 0 datasets, 1 Space"),
        "{text}"
    );
    assert!(
        text.contains(&format!("Model: {}/org/big", server.uri())),
        "{text}"
    );
    // Wrapped at the pane's edge, so only its start is checked.
    assert!(
        text.contains(&format!("Space: {}/spaces/", server.uri())),
        "{text}"
    );

    // D: downloaded off the UI thread; the result comes back as a message.
    press(&mut reader, "D");
    assert_eq!(
        reader.app.message.as_deref(),
        Some(format!("downloading the PDF of {ID}…").as_str())
    );
    let saved = next(&mut results, |m| {
        matches!(m, Msg::PdfSaved { .. } | Msg::Notice(_))
    })
    .await;
    reader.handle(saved);
    let file = papers.join("Vaswani2017-attention-is-all-you-need.pdf");
    assert_eq!(std::fs::read(&file).unwrap(), body);
    let message = reader.app.message.clone().unwrap_or_default();
    assert!(
        message.starts_with("saved ") && message.ends_with(".pdf"),
        "{message}"
    );
    let text = screen(&mut reader);
    assert!(text.contains("Saved PDF:"), "{text}");

    // O opens the downloaded file in the viewer, not the remote PDF.
    press(&mut reader, "O");
    let message = reader.app.message.clone().unwrap_or_default();
    assert_eq!(message, format!("opened {}", file.display()));

    // has:pdf and has:model find it; has:space too; has:dataset does not.
    key(&mut reader, KeyCode::Esc);
    for (query, expected) in [
        ("has:pdf", 1),
        ("has:model", 1),
        ("has:space", 1),
        ("has:dataset", 0),
    ] {
        press(&mut reader, "/");
        // Clear what the previous filter left in the input.
        for _ in 0..20 {
            key(&mut reader, KeyCode::Backspace);
        }
        press(&mut reader, query);
        key(&mut reader, KeyCode::Enter);
        assert_eq!(reader.app.visible.len(), expected, "{query}");
    }
}
