//! `paperboat pdf` against loopback servers: a PDF saved under its name, a second download
//! reusing it, a name taken by another file, HTML in place of a PDF, a cut-off body, a 429 with
//! Retry-After, and the size cap. Every failure leaves no file and says one line (exit 1).

use std::io::{Read, Write};
use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::Output;

use assert_cmd::Command;
use chrono::{NaiveDate, TimeZone, Utc};
use paperboat::model::{Paper, PaperId, SourceId};
use paperboat::store::Store;
use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

const ID: &str = "1706.03762";

struct Home {
    dir: tempfile::TempDir,
}

impl Home {
    /// A home whose store holds the paper and whose config points the arXiv site at `site`.
    fn new(site: &str) -> Home {
        let home = Home {
            dir: tempfile::tempdir().unwrap(),
        };
        let config = format!(
            "[sources.hf]\nenabled = false\n[sources.arxiv]\nsite_base_url = \"{site}\"\n\
             [papers]\ndir = \"{}\"\nmax_pdf_mib = 1\n[sync]\narxiv_interval_secs = 0.0\n",
            home.papers().display()
        );
        std::fs::write(home.dir.path().join("config.toml"), config).unwrap();
        let store = Store::open(&home.data_dir()).unwrap();
        let mut paper = Paper::new(
            PaperId::from_stored(ID.into()),
            "Attention Is All You Need".into(),
            SourceId::arxiv(),
        );
        paper.authors = vec!["Ashish Vaswani".into(), "Noam Shazeer".into()];
        paper.published = Utc.with_ymd_and_hms(2017, 6, 12, 0, 0, 0).single();
        store
            .apply(vec![paper], NaiveDate::from_ymd_opt(2017, 6, 12).unwrap())
            .unwrap();
        home
    }

    fn data_dir(&self) -> PathBuf {
        self.dir.path().join("data")
    }

    fn papers(&self) -> PathBuf {
        self.dir.path().join("papers")
    }

    fn run(&self, args: &[&str]) -> Output {
        Command::new(env!("CARGO_BIN_EXE_paperboat"))
            .env_clear()
            .env("HOME", self.dir.path())
            .env("XDG_STATE_HOME", self.dir.path().join("state"))
            .arg("--data-dir")
            .arg(self.data_dir())
            .arg("--config")
            .arg(self.dir.path().join("config.toml"))
            .args(args)
            .output()
            .unwrap()
    }

    fn files(&self) -> Vec<String> {
        files_in(&self.papers())
    }
}

fn files_in(dir: &Path) -> Vec<String> {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return Vec::new();
    };
    let mut names: Vec<String> = entries
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    names
}

fn stdout(output: &Output) -> String {
    String::from_utf8_lossy(&output.stdout).into_owned()
}

fn stderr(output: &Output) -> String {
    String::from_utf8_lossy(&output.stderr).into_owned()
}

fn pdf_body(len: usize) -> Vec<u8> {
    let mut body = b"%PDF-1.5\n".to_vec();
    body.resize(len, b'.');
    body
}

async fn serve_pdf(server: &MockServer, body: Vec<u8>, times: u64) {
    Mock::given(method("GET"))
        .and(path(format!("/pdf/{ID}")))
        .respond_with(
            ResponseTemplate::new(200)
                .insert_header("content-type", "application/pdf")
                .set_body_bytes(body),
        )
        .expect(times)
        .mount(server)
        .await;
}

#[tokio::test]
async fn a_pdf_is_saved_under_its_name_and_a_second_download_reuses_it() {
    let server = MockServer::start().await;
    let body = pdf_body(300_000);
    serve_pdf(&server, body.clone(), 1).await;
    let home = Home::new(&server.uri());
    let output = home.run(&["pdf", ID]);
    assert!(output.status.success(), "{}", stderr(&output));
    let expected = home
        .papers()
        .join("Vaswani2017-attention-is-all-you-need.pdf");
    assert_eq!(
        stdout(&output),
        "~/papers/Vaswani2017-attention-is-all-you-need.pdf\n"
    );
    assert_eq!(std::fs::read(&expected).unwrap(), body);
    assert_eq!(home.files(), ["Vaswani2017-attention-is-all-you-need.pdf"]);

    // Again, in an arXiv URL form: the file is there, nothing is fetched.
    let again = home.run(&["pdf", "https://arxiv.org/abs/1706.03762v7"]);
    assert!(again.status.success(), "{}", stderr(&again));
    assert_eq!(
        stdout(&again),
        "~/papers/Vaswani2017-attention-is-all-you-need.pdf (already downloaded)\n"
    );
    let store = Store::open(&home.data_dir()).unwrap();
    assert_eq!(
        store
            .existing_pdf(&PaperId::from_stored(ID.into()))
            .unwrap(),
        Some(expected)
    );
}

#[tokio::test]
async fn a_name_taken_by_another_file_gets_a_number_and_dir_overrides_the_config() {
    let server = MockServer::start().await;
    serve_pdf(&server, pdf_body(1000), 1).await;
    let home = Home::new(&server.uri());
    let elsewhere = home.dir.path().join("elsewhere");
    std::fs::create_dir_all(&elsewhere).unwrap();
    std::fs::write(
        elsewhere.join("Vaswani2017-attention-is-all-you-need.pdf"),
        b"someone else's file",
    )
    .unwrap();
    let output = home.run(&["pdf", ID, "--dir", elsewhere.to_str().unwrap()]);
    assert!(output.status.success(), "{}", stderr(&output));
    assert_eq!(
        stdout(&output),
        "~/elsewhere/Vaswani2017-attention-is-all-you-need-2.pdf\n"
    );
    assert_eq!(
        std::fs::read(elsewhere.join("Vaswani2017-attention-is-all-you-need.pdf")).unwrap(),
        b"someone else's file"
    );
    assert!(home.files().is_empty());
}

#[tokio::test]
async fn html_in_place_of_a_pdf_leaves_no_file_and_exits_1() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path(format!("/pdf/{ID}")))
        .respond_with(
            ResponseTemplate::new(200)
                .insert_header("content-type", "text/html")
                .set_body_string("<!DOCTYPE html><html><body>Just a moment…</body></html>"),
        )
        .mount(&server)
        .await;
    let home = Home::new(&server.uri());
    let output = home.run(&["pdf", ID]);
    assert_eq!(output.status.code(), Some(1));
    assert_eq!(stdout(&output), "");
    let error = stderr(&output);
    assert_eq!(error.lines().count(), 1, "{error}");
    assert!(
        error.starts_with(&format!(
            "paperboat: error: {ID}: the server answered with a web page, not a PDF"
        )),
        "{error}"
    );
    assert!(error.contains("nothing was saved"), "{error}");
    assert!(home.files().is_empty(), "{:?}", home.files());
}

#[tokio::test]
async fn a_pdf_over_the_cap_is_refused() {
    let server = MockServer::start().await;
    serve_pdf(&server, pdf_body(1024 * 1024 + 1), 1).await;
    let home = Home::new(&server.uri());
    let output = home.run(&["pdf", ID]);
    assert_eq!(output.status.code(), Some(1));
    assert!(
        stderr(&output).contains("larger than [papers] max_pdf_mib (1 MiB)"),
        "{}",
        stderr(&output)
    );
    assert!(home.files().is_empty(), "{:?}", home.files());
}

#[tokio::test]
async fn a_429_with_retry_after_holds_the_site_back_for_the_next_command() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .respond_with(ResponseTemplate::new(429).insert_header("retry-after", "3600"))
        .expect(1)
        .mount(&server)
        .await;
    let home = Home::new(&server.uri());
    let output = home.run(&["pdf", ID]);
    assert_eq!(output.status.code(), Some(1));
    let error = stderr(&output);
    assert!(error.contains("HTTP 429"), "{error}");
    assert!(error.contains("asks to wait 60 min"), "{error}");
    // The next command does not ask the server at all (expect(1) checks on drop).
    let output = home.run(&["pdf", ID]);
    assert_eq!(output.status.code(), Some(1));
    let error = stderr(&output);
    assert!(error.contains("asks to wait until"), "{error}");
    assert_eq!(error.lines().count(), 1, "{error}");
    assert!(home.files().is_empty());
}

/// A server that promises `declared` bytes of PDF, sends `sent` and closes the connection.
fn cut_off_server(declared: usize, sent: usize) -> String {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let address = listener.local_addr().unwrap();
    std::thread::spawn(move || {
        let Ok((mut stream, _)) = listener.accept() else {
            return;
        };
        let mut request = [0u8; 4096];
        let _ = stream.read(&mut request);
        let head = format!(
            "HTTP/1.1 200 OK\r\ncontent-type: application/pdf\r\ncontent-length: {declared}\r\n\
             connection: close\r\n\r\n"
        );
        let _ = stream.write_all(head.as_bytes());
        let _ = stream.write_all(&pdf_body(sent));
        let _ = stream.flush();
    });
    format!("http://{address}")
}

#[tokio::test]
async fn a_cut_off_pdf_leaves_no_file_and_exits_1() {
    let site = cut_off_server(500_000, 100_000);
    let home = Home::new(&site);
    let output = home.run(&["pdf", ID]);
    assert_eq!(output.status.code(), Some(1), "{}", stdout(&output));
    let error = stderr(&output);
    assert_eq!(error.lines().count(), 1, "{error}");
    assert!(error.contains("cut off"), "{error}");
    assert!(home.files().is_empty(), "{:?}", home.files());
}

#[tokio::test]
async fn a_feed_paper_without_a_pdf_link_says_so() {
    let server = MockServer::start().await;
    let home = Home::new(&server.uri());
    let output = home.run(&["pdf", ID, "feed:blog:00000000000000aa"]);
    assert_eq!(output.status.code(), Some(1));
    let error = stderr(&output);
    assert!(
        error.contains("feed:blog:00000000000000aa has no PDF link"),
        "{error}"
    );
}

/// `show --json` carries `linked` (#13): ids of the models, datasets and Spaces citing the
/// paper, fetched when online and cached for a day; a paper nothing cites has empty lists.
#[tokio::test]
async fn show_json_lists_linked_repos_and_caches_them_for_a_day() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path(format!("/api/arxiv/{ID}/repos")))
        .respond_with(ResponseTemplate::new(200).set_body_string(
            r#"{"models":[{"id":"org/m","likes":3}],"datasets":[{"id":"org/d"}],"spaces":[]}"#,
        ))
        .expect(1)
        .mount(&server)
        .await;
    let home = Home::new(&server.uri());
    let config = home.dir.path().join("config.toml");
    let text = std::fs::read_to_string(&config).unwrap();
    std::fs::write(
        &config,
        text.replace(
            "[sources.hf]\nenabled = false\n",
            &format!(
                "[sources.hf]\nenabled = false\nbase_url = \"{}\"\n",
                server.uri()
            ),
        ),
    )
    .unwrap();
    for _ in 0..2 {
        let output = home.run(&["show", ID, "--json"]);
        assert!(output.status.success(), "{}", stderr(&output));
        let object: serde_json::Value = serde_json::from_str(&stdout(&output)).unwrap();
        assert_eq!(
            object["linked"],
            serde_json::json!({"models": ["org/m"], "datasets": ["org/d"], "spaces": []})
        );
    }

    // A paper with no linked repos.
    server.reset().await;
    Mock::given(method("GET"))
        .respond_with(
            ResponseTemplate::new(200)
                .set_body_string(r#"{"models":[],"datasets":[],"spaces":[]}"#),
        )
        .mount(&server)
        .await;
    let store = Store::open(&home.data_dir()).unwrap();
    let mut other = Paper::new(
        PaperId::from_stored("2504.00002".into()),
        "Nothing cites this".into(),
        SourceId::arxiv(),
    );
    other.published = Utc.with_ymd_and_hms(2025, 4, 30, 0, 0, 0).single();
    store
        .apply(vec![other], NaiveDate::from_ymd_opt(2025, 4, 30).unwrap())
        .unwrap();
    drop(store);
    let output = home.run(&["show", "2504.00002", "--json"]);
    assert!(output.status.success(), "{}", stderr(&output));
    let object: serde_json::Value = serde_json::from_str(&stdout(&output)).unwrap();
    assert_eq!(
        object["linked"],
        serde_json::json!({"models": [], "datasets": [], "spaces": []})
    );
}
