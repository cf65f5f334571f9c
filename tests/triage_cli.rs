//! The triage commands of the `paperboat` binary, run for real against a seeded store in a
//! tempdir: export in every format (BibTeX parsed back with the `biblatex` crate), `list
//! --query`, feeds import/export/list, completions, the man page and `--version`.

use std::path::{Path, PathBuf};
use std::process::Output;

use assert_cmd::Command;
use biblatex::{Bibliography, ChunksExt};
use chrono::{NaiveDate, TimeZone, Utc};
use paperboat::model::{Paper, PaperId, SourceId};
use paperboat::store::Store;

struct Home {
    dir: tempfile::TempDir,
}

impl Home {
    fn new() -> Home {
        Home {
            dir: tempfile::tempdir().unwrap(),
        }
    }

    fn data_dir(&self) -> PathBuf {
        self.dir.path().join("data")
    }

    fn config_file(&self) -> PathBuf {
        self.dir.path().join("config.toml")
    }

    fn run(&self, args: &[&str]) -> Output {
        Command::new(env!("CARGO_BIN_EXE_paperboat"))
            .env_clear()
            .env("HOME", self.dir.path())
            .env("XDG_STATE_HOME", self.dir.path().join("state"))
            .arg("--data-dir")
            .arg(self.data_dir())
            .arg("--config")
            .arg(self.config_file())
            .args(args)
            .output()
            .unwrap()
    }

    /// Three papers: one with a journal reference and awkward characters (starred), a plain
    /// arXiv one, and a feed item with no arXiv id.
    fn seed(&self) {
        std::fs::write(self.config_file(), "").unwrap();
        let store = Store::open(&self.data_dir()).unwrap();
        let day = NaiveDate::from_ymd_opt(2025, 4, 30).unwrap();
        let mut moe = Paper::new(
            PaperId::from_arxiv("2504.21318").unwrap(),
            "Demons in {the} Detail: 100% Load_Balancing & $MoE$ #1".into(),
            SourceId::hf(),
        );
        moe.authors = vec![
            "Zoë Ünal".into(),
            "Alan Turing".into(),
            "Bell and Howell Lab".into(),
        ];
        moe.published = Utc.with_ymd_and_hms(2025, 4, 29, 0, 0, 0).single();
        moe.daily_date = Some(day);
        moe.categories = vec!["cs.LG".into(), "cs.CL".into()];
        moe.journal_ref = Some("J. Mach. Learn. Res. 26 (2025)".into());
        moe.links.doi = Some("https://doi.org/10.1234/jmlr.2025.1".into());
        moe.abstract_text = "Routing tokens to experts.".into();
        moe.upvotes = Some(142);
        let mut plain = Paper::new(
            PaperId::from_arxiv("2504.00002").unwrap(),
            "Diffusion for protein design".into(),
            SourceId::hf(),
        );
        plain.authors = vec!["Ada Lovelace".into()];
        plain.daily_date = Some(day);
        plain.categories = vec!["q-bio.BM".into()];
        plain.upvotes = Some(3);
        let feed = SourceId::feed("blog");
        let mut post = Paper::new(
            PaperId::scoped(&feed, "https://example.org/post"),
            "A blog post".into(),
            feed,
        );
        post.daily_date = Some(day);
        post.links.abs = Some("https://example.org/post".into());
        store.apply(vec![moe, plain, post], day).unwrap();
        store
            .set_starred(
                &PaperId::from_arxiv("2504.21318").unwrap(),
                true,
                Utc.with_ymd_and_hms(2025, 5, 1, 0, 0, 0).unwrap(),
            )
            .unwrap();
        store
            .set_note(
                &PaperId::from_arxiv("2504.21318").unwrap(),
                Some("cite in related work".into()),
            )
            .unwrap();
    }
}

fn stdout(output: &Output) -> String {
    assert!(
        output.status.success(),
        "status {:?}, stderr: {}",
        output.status,
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8_lossy(&output.stdout).into_owned()
}

fn field(entry: &biblatex::Entry, name: &str) -> String {
    entry
        .get(name)
        .map(|chunks| chunks.format_verbatim())
        .unwrap_or_else(|| panic!("no {name} in {entry:?}"))
}

#[test]
fn bibtex_export_parses_back_with_every_field() {
    let home = Home::new();
    home.seed();
    let text = stdout(&home.run(&["export", "--format", "bibtex"]));
    // biblatex lowercases field names (archivePrefix → archiveprefix).
    let bibliography = Bibliography::parse(&text).unwrap_or_else(|e| panic!("{e:?}\n{text}"));
    assert_eq!(bibliography.len(), 3, "{text}");

    let moe = bibliography
        .get("unal2025demons-21318")
        .unwrap_or_else(|| panic!("{text}"));
    assert_eq!(moe.entry_type, biblatex::EntryType::Article);
    assert_eq!(
        field(moe, "title"),
        "Demons in {the} Detail: 100% Load_Balancing & $MoE$ #1"
    );
    let authors = moe.author().unwrap();
    assert_eq!(authors.len(), 3, "{authors:?}");
    assert_eq!(authors[0].name, "Ünal");
    assert_eq!(authors[1].name, "Turing");
    assert_eq!(field(moe, "journal"), "J. Mach. Learn. Res. 26 (2025)");
    assert_eq!(field(moe, "year"), "2025");
    assert_eq!(field(moe, "eprint"), "2504.21318");
    assert_eq!(field(moe, "archiveprefix"), "arXiv");
    assert_eq!(field(moe, "eprinttype"), "arxiv");
    assert_eq!(field(moe, "primaryclass"), "cs.LG");
    assert_eq!(field(moe, "url"), "https://arxiv.org/abs/2504.21318");
    assert_eq!(field(moe, "doi"), "10.1234/jmlr.2025.1");

    let plain = bibliography.get("lovelace2025diffusion-00002").unwrap();
    assert_eq!(plain.entry_type, biblatex::EntryType::Misc);
    assert_eq!(field(plain, "eprint"), "2504.00002");
    assert!(plain.get("doi").is_none() && plain.get("journal").is_none());

    let post = bibliography
        .iter()
        .find(|entry| entry.key.starts_with("anon2025blog-"))
        .unwrap_or_else(|| panic!("{text}"));
    assert_eq!(field(post, "url"), "https://example.org/post");
    assert!(post.get("eprint").is_none() && post.get("archiveprefix").is_none());
}

#[test]
fn export_selects_starred_or_a_query_and_writes_other_formats() {
    let home = Home::new();
    home.seed();
    let starred = stdout(&home.run(&["export", "--starred", "--format", "markdown"]));
    assert_eq!(
        starred,
        "- [Demons in {the} Detail: 100% Load\\_Balancing & $MoE$ \\#1](<https://arxiv.org/abs/2504.21318>) \
         — Zoë Ünal, Alan Turing, Bell and Howell Lab · 2025 · arXiv:2504.21318\n  - Note: cite in related work\n"
    );
    let json = stdout(&home.run(&["export", "--query", "protein", "--format", "json"]));
    let parsed: serde_json::Value = serde_json::from_str(&json).unwrap();
    assert_eq!(parsed.as_array().map(Vec::len), Some(1));
    assert_eq!(parsed[0]["id"], "2504.00002");
    assert_eq!(parsed[0]["categories"][0], "q-bio.BM");
    let out = home.dir.path().join("papers.csv");
    let output = home.run(&["export", "-f", "csv", "-o", out.to_str().unwrap()]);
    assert!(String::from_utf8_lossy(&output.stderr).contains("exported 3 papers to"));
    let csv = std::fs::read_to_string(&out).unwrap();
    let mut lines = csv.lines();
    assert!(
        lines
            .next()
            .unwrap()
            .starts_with("id,title,authors,abstract,")
    );
    assert_eq!(lines.count(), 3);
    assert!(csv.contains("\"cite in related work\""));
}

/// Zotero-ready formats: the same key for a paper in BibTeX, CSL-JSON and RIS, and the
/// downloaded PDF in BibTeX's `file` and RIS's `L1`.
#[test]
fn csl_json_and_ris_share_the_bibtex_keys_and_name_the_downloaded_pdf() {
    let home = Home::new();
    home.seed();
    let pdf = home.dir.path().join("Unal2025-demons.pdf");
    std::fs::write(&pdf, b"%PDF-1.7\n").unwrap();
    {
        let store = Store::open(&home.data_dir()).unwrap();
        let saved = paperboat::store::SavedPdf {
            path: pdf.clone(),
            saved_at: Utc::now(),
            bytes: 9,
        };
        store
            .set_saved_pdf(&PaperId::from_arxiv("2504.21318").unwrap(), &saved)
            .unwrap();
    }
    let bib = stdout(&home.run(&["export", "--starred", "--format", "bibtex"]));
    let bibliography = Bibliography::parse(&bib).unwrap();
    let moe = bibliography.get("unal2025demons-21318").unwrap();
    assert_eq!(field(moe, "file"), pdf.to_str().unwrap());

    let csl = stdout(&home.run(&["export", "--format", "csl-json"]));
    let items: serde_json::Value = serde_json::from_str(&csl).unwrap();
    let items = items.as_array().unwrap();
    assert_eq!(items.len(), 3);
    assert!(
        items
            .iter()
            .all(|i| i["type"] == "article" && i["id"].is_string())
    );
    assert!(items.iter().any(|i| i["id"] == "unal2025demons-21318"));

    let ris = stdout(&home.run(&["export", "--starred", "--format", "ris"]));
    assert!(
        ris.starts_with("TY  - JOUR\r\nID  - unal2025demons-21318\r\n"),
        "{ris}"
    );
    let file_url = format!("L1  - file://{}\r\n", pdf.display());
    assert!(ris.contains(&file_url), "{ris}");
    assert!(ris.ends_with("ER  - \r\n\r\n"), "{ris}");

    // Once the file is gone, it is no longer cited.
    std::fs::remove_file(&pdf).unwrap();
    let bib = stdout(&home.run(&["export", "--starred", "--format", "bibtex"]));
    assert!(!bib.contains("file ="), "{bib}");
}

#[test]
fn list_takes_a_query_and_a_bad_query_is_a_usage_error() {
    let home = Home::new();
    home.seed();
    let text = stdout(&home.run(&["list", "--query", "cat:cs.LG OR abs:protein is:starred"]));
    assert_eq!(text.lines().count(), 1, "{text}");
    assert!(text.contains("2504.21318"));
    let text = stdout(&home.run(&["list", "-q", "upvotes:>2 -experts"]));
    assert_eq!(text.lines().count(), 1, "{text}");
    assert!(text.contains("2504.00002"));
    let output = home.run(&["list", "--query", "title:"]);
    assert_eq!(output.status.code(), Some(2));
    let error = String::from_utf8_lossy(&output.stderr);
    assert!(error.contains("column 7: title: needs a value"), "{error}");
}

#[test]
fn feeds_import_opml_and_newsboat_then_export_and_list_them() {
    let home = Home::new();
    std::fs::write(home.config_file(), "[sources.hf]\nenabled = false\n").unwrap();
    let opml = home.dir.path().join("feeds.opml");
    std::fs::write(
        &opml,
        r#"<opml version="2.0"><body>
        <outline text="Lab blog" xmlUrl="https://lab.example.org/feed.xml"/>
        </body></opml>"#,
    )
    .unwrap();
    let urls = home.dir.path().join("urls");
    std::fs::write(
        &urls,
        "https://lab.example.org/feed.xml\nhttps://news.example.com/rss \"~News\"\n",
    )
    .unwrap();
    let text = stdout(&home.run(&["feeds", "import", opml.to_str().unwrap()]));
    assert!(text.contains("1 feed added"), "{text}");
    let text = stdout(&home.run(&["feeds", "import", urls.to_str().unwrap()]));
    assert!(
        text.contains("added News  https://news.example.com/rss"),
        "{text}"
    );
    assert!(
        text.contains("1 feed added") && text.contains("1 already there"),
        "{text}"
    );
    let config = paperboat::config::Config::load(&home.config_file(), true).unwrap();
    assert!(!config.sources.hf.enabled, "the existing config is kept");
    assert_eq!(config.sources.feeds.len(), 2);

    let exported = stdout(&home.run(&["feeds", "export"]));
    assert_eq!(paperboat::feeds::parse_opml(&exported).unwrap().len(), 2);

    let listed = stdout(&home.run(&["feeds"]));
    assert!(listed.contains("feed:Lab blog  never synced"), "{listed}");
    assert!(listed.contains("feed:News  never synced"), "{listed}");
}

#[test]
fn feeds_import_offers_arxiv_listings_as_categories_and_converts_them_when_asked() {
    let home = Home::new();
    std::fs::write(home.config_file(), "[sources.hf]\nenabled = false\n").unwrap();
    let urls = home.dir.path().join("urls");
    std::fs::write(
        &urls,
        "https://rss.arxiv.org/rss/cs.LG+cs.AI\nhttps://lab.example.org/feed.xml\n",
    )
    .unwrap();
    let text = stdout(&home.run(&["feeds", "import", urls.to_str().unwrap()]));
    assert!(text.contains("2 feeds added"), "{text}");
    assert!(
        text.contains("1 of these is an arXiv listing") && text.contains("--arxiv-categories"),
        "{text}"
    );
    let text = stdout(&home.run(&[
        "feeds",
        "import",
        "--arxiv-categories",
        urls.to_str().unwrap(),
    ]));
    assert!(
        text.contains(
            "added arXiv categories cs.LG, cs.AI to [sources.arxiv] (replacing 1 listing feed)"
        ),
        "{text}"
    );
    let config = paperboat::config::Config::load(&home.config_file(), true).unwrap();
    assert!(!config.sources.hf.enabled, "the existing config is kept");
    assert_eq!(config.sources.arxiv.categories, ["cs.LG", "cs.AI"]);
    let feeds: Vec<&str> = config
        .sources
        .feeds
        .iter()
        .map(|f| f.url.as_str())
        .collect();
    assert_eq!(feeds, ["https://lab.example.org/feed.xml"]);
}

#[test]
fn completions_man_page_and_version_print() {
    let home = Home::new();
    for shell in ["bash", "zsh", "fish", "elvish", "powershell"] {
        let script = stdout(&home.run(&["completions", shell]));
        assert!(script.contains("paperboat"), "{shell}");
        assert!(script.contains("export"), "{shell} completes subcommands");
    }
    let page = stdout(&home.run(&["man"]));
    assert!(
        page.starts_with(".ie") || page.contains(".TH paperboat"),
        "{page}"
    );
    assert!(page.contains("completions"));
    let version = stdout(&home.run(&["--version"]));
    assert_eq!(
        version.trim(),
        format!("paperboat {}", env!("CARGO_PKG_VERSION"))
    );
    assert!(
        !Path::new(&home.data_dir()).exists(),
        "none of these opens the store"
    );
}

#[test]
fn list_starred_shows_a_star_on_a_paper_not_fetched_yet() {
    let home = Home::new();
    home.seed();
    let out = home.run(&["star", "2101.00001"]);
    assert!(out.status.success(), "{out:?}");
    let text = stdout(&home.run(&["list", "--starred"]));
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(lines.len(), 2, "{text}");
    assert!(
        lines[0].contains("2504.21318"),
        "cached papers first: {text}"
    );
    assert!(lines[1].starts_with("*  -  "), "{text}");
    assert!(
        lines[1].contains("2101.00001") && lines[1].ends_with("(not fetched yet)"),
        "{text}"
    );
    // The ids line up with the cached papers' ids.
    assert_eq!(lines[0].find("2504.21318"), lines[1].find("2101.00001"));
    let json = stdout(&home.run(&["list", "--starred", "--json"]));
    let values: Vec<serde_json::Value> = json
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(values.len(), 2, "{json}");
    assert_eq!(values[1]["id"], "2101.00001");
    assert_eq!(values[1]["fetched"], false);
    assert_eq!(values[1]["starred"], true);
    assert_eq!(values[1]["title"], "");
    assert!(
        values[0].get("fetched").is_none(),
        "cached papers keep their shape"
    );
    // Narrowed by a day or a query, only cached papers can match.
    let text = stdout(&home.run(&["list", "--starred", "--date", "2025-04-30"]));
    assert!(!text.contains("2101.00001"), "{text}");
}
