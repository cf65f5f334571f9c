//! Feed lists in and out: OPML and newsboat `urls` files read into `[[sources.feeds]]` entries
//! appended to the config file (kept valid TOML, no feed twice), and OPML written from the
//! config. Names and URLs from a file are untrusted: names are sanitised, only http(s) URLs are
//! taken, and TOML strings are written by the `toml` crate.
//!
//! arXiv listing URLs (`rss.arxiv.org/rss/cs.LG+cs.AI`, `export.arxiv.org/rss/cs.LG`) are
//! recognised: imported as feeds they are read as the arXiv source reads them, and
//! `ImportOptions::arxiv_categories` follows them as `[sources.arxiv] categories` instead
//! (edited in place with `toml_edit`, removing such feeds an earlier import added).

use std::collections::HashSet;
use std::path::{Path, PathBuf};

use quick_xml::events::Event;
use quick_xml::{Reader, XmlVersion};

use crate::config::{Config, ConfigError};

/// One feed to follow.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FeedEntry {
    pub name: String,
    pub url: String,
}

#[derive(Debug, thiserror::Error)]
pub enum FeedsError {
    #[error("not valid OPML: {0}")]
    Opml(String),
    #[error("cannot read {path}: {source}")]
    Read {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("cannot write {path}: {source}")]
    Write {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error(transparent)]
    Config(#[from] ConfigError),
}

/// What an import did.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ImportOutcome {
    pub added: Vec<FeedEntry>,
    /// Feeds already in the config (same URL, or an arXiv listing of categories it already
    /// follows), left alone.
    pub already: usize,
    /// arXiv listing feeds added as feeds (their categories could be followed instead).
    pub arxiv_feeds: Vec<FeedEntry>,
    /// Categories added to `[sources.arxiv] categories` (with `arxiv_categories`).
    pub categories_added: Vec<String>,
    /// `[[sources.feeds]]` entries of arXiv listings replaced by their categories.
    pub feeds_replaced: usize,
}

/// How an import treats what it reads.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct ImportOptions {
    /// Follow arXiv listing URLs as `[sources.arxiv] categories` rather than as feeds.
    pub arxiv_categories: bool,
}

/// The categories of an arXiv listing URL (`https://rss.arxiv.org/rss/cs.LG+stat.ML`,
/// `http://export.arxiv.org/rss/cs.LG?version=2.0`), or `None` for any other URL.
pub fn arxiv_listing_categories(url: &str) -> Option<Vec<String>> {
    let url = reqwest::Url::parse(url.trim()).ok()?;
    let host = url.host_str()?.to_ascii_lowercase();
    if ![
        "rss.arxiv.org",
        "export.arxiv.org",
        "arxiv.org",
        "www.arxiv.org",
    ]
    .contains(&host.as_str())
    {
        return None;
    }
    let mut segments = url.path_segments()?.filter(|s| !s.is_empty());
    let (Some(kind), Some(list), None) = (segments.next(), segments.next(), segments.next()) else {
        return None;
    };
    if !matches!(kind, "rss" | "atom") {
        return None;
    }
    let categories: Vec<String> = list.split('+').map(str::to_string).collect();
    categories
        .iter()
        .all(|category| is_category(category))
        .then_some(categories)
}

/// `cs.LG`, `hep-th`, `astro-ph.GA`, `q-bio.NC`: an archive, optionally `.` and a subject.
fn is_category(text: &str) -> bool {
    let (archive, subject) = text.split_once('.').unwrap_or((text, "A"));
    let word = |part: &str, first_lower: bool| {
        part.len() <= 16
            && part.chars().next().is_some_and(|c| {
                c.is_ascii_alphabetic() && (!first_lower || c.is_ascii_lowercase())
            })
            && part.chars().all(|c| c.is_ascii_alphanumeric() || c == '-')
    };
    word(archive, true) && word(subject, false)
}

/// Reads an OPML file (it starts with `<`) or a newsboat `urls` file.
pub fn parse_feed_list(text: &str) -> Result<Vec<FeedEntry>, FeedsError> {
    if text.trim_start().starts_with('<') {
        parse_opml(text)
    } else {
        Ok(parse_newsboat(text))
    }
}

/// Every `<outline>` with an `xmlUrl`, named by its `title` or `text`, at any depth.
pub fn parse_opml(text: &str) -> Result<Vec<FeedEntry>, FeedsError> {
    let mut reader = Reader::from_str(text);
    let mut feeds = Vec::new();
    loop {
        match reader.read_event() {
            Ok(Event::Start(element) | Event::Empty(element))
                if element
                    .local_name()
                    .as_ref()
                    .eq_ignore_ascii_case("outline") =>
            {
                let mut url = None;
                let mut title = None;
                let mut label = None;
                for attribute in element.attributes().flatten() {
                    let Ok(value) = attribute.normalized_value(XmlVersion::Implicit1_0) else {
                        continue;
                    };
                    match attribute.key.local_name().as_ref() {
                        "xmlUrl" | "xmlurl" => url = Some(value.into_owned()),
                        "title" => title = Some(value.into_owned()),
                        "text" => label = Some(value.into_owned()),
                        _ => {}
                    }
                }
                if let Some(entry) = url.and_then(|url| entry(title.or(label).as_deref(), &url)) {
                    feeds.push(entry);
                }
            }
            Ok(Event::Eof) => break,
            Ok(_) => {}
            Err(error) => return Err(FeedsError::Opml(error.to_string())),
        }
    }
    Ok(feeds)
}

/// newsboat's `urls` format: one feed per line, the URL then tags; a tag `~Name` names the
/// feed; `#` starts a comment; `query:`, `exec:` and `filter:` lines are not feeds.
pub fn parse_newsboat(text: &str) -> Vec<FeedEntry> {
    let mut feeds = Vec::new();
    for line in text.lines() {
        let words = split_quoted(line);
        let Some(url) = words.first() else {
            continue;
        };
        if url.starts_with('#') {
            continue;
        }
        let name = words
            .iter()
            .skip(1)
            .find_map(|tag| tag.strip_prefix('~'))
            .map(str::to_string);
        if let Some(entry) = entry(name.as_deref(), url) {
            feeds.push(entry);
        }
    }
    feeds
}

/// Splits a newsboat line on spaces, keeping `"quoted words"` together; stops at a `#` that
/// starts a word outside quotes.
fn split_quoted(line: &str) -> Vec<String> {
    let mut words = Vec::new();
    let mut current = String::new();
    let mut quoted = false;
    let mut started = false;
    for c in line.chars() {
        match c {
            '"' => {
                quoted = !quoted;
                started = true;
            }
            '#' if !quoted && !started && !words.is_empty() => break,
            c if c.is_whitespace() && !quoted => {
                if started {
                    words.push(std::mem::take(&mut current));
                    started = false;
                }
            }
            c => {
                current.push(c);
                started = true;
            }
        }
    }
    if started {
        words.push(current);
    }
    words
}

/// A feed entry from a name (optional) and a URL, if the URL is http(s).
fn entry(name: Option<&str>, url: &str) -> Option<FeedEntry> {
    let url = url.trim();
    let lower = url.to_ascii_lowercase();
    let web = lower.starts_with("https://") || lower.starts_with("http://");
    if !web || url.chars().any(|c| c.is_whitespace() || c.is_control()) {
        return None;
    }
    let name = name
        .map(crate::text::normalize_line)
        .filter(|n| !n.is_empty())
        .unwrap_or_else(|| host(url));
    Some(FeedEntry {
        name,
        url: url.to_string(),
    })
}

fn host(url: &str) -> String {
    let rest = url.split_once("://").map_or(url, |(_, rest)| rest);
    let host = rest.split(['/', '?', '#']).next().unwrap_or(rest);
    crate::text::sanitize_line(host)
}

/// URLs compare without a trailing slash and scheme case.
fn same_url(url: &str) -> String {
    url.trim().trim_end_matches('/').to_ascii_lowercase()
}

/// Appends the feeds the config does not follow yet as `[[sources.feeds]]` blocks, checking the
/// result still parses before writing it (atomically, through a temporary file).
pub fn import_into_config(
    path: &Path,
    feeds: &[FeedEntry],
    options: ImportOptions,
) -> Result<ImportOutcome, FeedsError> {
    let text = match std::fs::read_to_string(path) {
        Ok(text) => text,
        Err(error) if error.kind() == std::io::ErrorKind::NotFound => String::new(),
        Err(source) => {
            return Err(FeedsError::Read {
                path: path.to_path_buf(),
                source,
            });
        }
    };
    let config = Config::parse(&text, path)?;
    let mut urls: HashSet<String> = config
        .sources
        .feeds
        .iter()
        .map(|f| same_url(&f.url))
        .collect();
    let mut names: HashSet<String> = config
        .sources
        .feeds
        .iter()
        .map(|f| f.name.clone())
        .collect();
    let mut outcome = ImportOutcome::default();
    let mut followed: Vec<String> = config.sources.arxiv.categories.clone();
    let mut replaced_urls: HashSet<String> = HashSet::new();
    if options.arxiv_categories {
        // Listings an earlier import added as feeds are replaced as well.
        for feed in &config.sources.feeds {
            if let Some(categories) = arxiv_listing_categories(&feed.url) {
                replaced_urls.insert(same_url(&feed.url));
                follow(&mut followed, &categories, &mut outcome.categories_added);
            }
        }
    }
    let mut appended = String::new();
    for feed in feeds {
        if let Some(categories) = arxiv_listing_categories(&feed.url) {
            if categories.iter().all(|c| followed.contains(c)) {
                outcome.already += 1;
                continue;
            }
            if options.arxiv_categories {
                urls.insert(same_url(&feed.url));
                follow(&mut followed, &categories, &mut outcome.categories_added);
                continue;
            }
        }
        if !urls.insert(same_url(&feed.url)) {
            outcome.already += 1;
            continue;
        }
        let mut name = feed.name.clone();
        let mut n = 2;
        while names.contains(&name) {
            name = format!("{} {n}", feed.name);
            n += 1;
        }
        names.insert(name.clone());
        appended.push_str(&format!(
            "\n[[sources.feeds]]\nname = {}\nurl = {}\n",
            toml::Value::String(name.clone()),
            toml::Value::String(feed.url.clone())
        ));
        let added = FeedEntry {
            name,
            url: feed.url.clone(),
        };
        if arxiv_listing_categories(&added.url).is_some() {
            outcome.arxiv_feeds.push(added.clone());
        }
        outcome.added.push(added);
    }
    if outcome.added.is_empty() && outcome.categories_added.is_empty() {
        return Ok(outcome);
    }
    let mut new_text = if outcome.categories_added.is_empty() {
        text
    } else {
        let (edited, replaced) =
            with_arxiv_categories(&text, &outcome.categories_added, &replaced_urls).map_err(
                |detail| ConfigError::Invalid {
                    path: path.to_path_buf(),
                    message: crate::text::sanitize_line(&detail),
                },
            )?;
        outcome.feeds_replaced = replaced;
        edited
    };
    if !new_text.is_empty() && !new_text.ends_with('\n') {
        new_text.push('\n');
    }
    new_text.push_str(&appended);
    Config::parse(&new_text, path)?;
    let write_error = |source| FeedsError::Write {
        path: path.to_path_buf(),
        source,
    };
    if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
        std::fs::create_dir_all(dir).map_err(write_error)?;
    }
    let temporary = path.with_extension("toml.tmp");
    std::fs::write(&temporary, new_text).map_err(write_error)?;
    std::fs::rename(&temporary, path).map_err(write_error)?;
    Ok(outcome)
}

/// Adds the categories of `categories` not yet in `followed` to both `followed` and `added`.
fn follow(followed: &mut Vec<String>, categories: &[String], added: &mut Vec<String>) {
    for category in categories {
        if !followed.contains(category) {
            followed.push(category.clone());
            added.push(category.clone());
        }
    }
}

/// The config text with `categories` appended to `[sources.arxiv] categories` and every
/// `[[sources.feeds]]` whose URL is in `replaced` removed; comments and layout stay. Returns
/// the text and how many feed entries were removed.
fn with_arxiv_categories(
    text: &str,
    categories: &[String],
    replaced: &HashSet<String>,
) -> Result<(String, usize), String> {
    use toml_edit::{DocumentMut, Item, Table};
    let mut doc: DocumentMut = text
        .parse()
        .map_err(|e: toml_edit::TomlError| e.to_string())?;
    let sources = doc
        .entry("sources")
        .or_insert_with(|| {
            let mut table = Table::new();
            table.set_implicit(true);
            Item::Table(table)
        })
        .as_table_like_mut()
        .ok_or("[sources] is not a table")?;
    let mut removed = 0;
    if let Some(feeds) = sources
        .get_mut("feeds")
        .and_then(Item::as_array_of_tables_mut)
    {
        let before = feeds.len();
        feeds.retain(|feed| {
            let url = feed.get("url").and_then(Item::as_str).unwrap_or_default();
            !replaced.contains(&same_url(url))
        });
        removed = before - feeds.len();
    }
    let arxiv = sources
        .entry("arxiv")
        .or_insert_with(|| Item::Table(Table::new()))
        .as_table_like_mut()
        .ok_or("[sources.arxiv] is not a table")?;
    let list = arxiv
        .entry("categories")
        .or_insert_with(|| toml_edit::value(toml_edit::Array::new()))
        .as_array_mut()
        .ok_or("[sources.arxiv] categories is not a list")?;
    for category in categories {
        list.push(category.as_str());
    }
    Ok((doc.to_string(), removed))
}

/// The config's feeds as OPML 2.0: every `[[sources.feeds]]` and each arXiv category listing.
pub fn opml(config: &Config) -> String {
    let escape = |text: &str| quick_xml::escape::escape(text).into_owned();
    let mut out = String::from(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<opml version=\"2.0\">\n  <head>\n    \
         <title>paperboat feeds</title>\n  </head>\n  <body>\n",
    );
    let mut outline = |name: &str, url: &str| {
        out.push_str(&format!(
            "    <outline type=\"rss\" text=\"{0}\" title=\"{0}\" xmlUrl=\"{1}\"/>\n",
            escape(name),
            escape(url)
        ));
    };
    let arxiv = &config.sources.arxiv;
    for category in &arxiv.categories {
        let base = arxiv.rss_base_url.trim().trim_end_matches('/');
        outline(
            &format!("arXiv {category}"),
            &format!("{base}/rss/{category}"),
        );
    }
    for feed in &config.sources.feeds {
        outline(&feed.name, &feed.url);
    }
    out.push_str("  </body>\n</opml>\n");
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn opml_outlines_at_any_depth_become_feeds() {
        let text = r#"<?xml version="1.0"?>
<opml version="2.0"><head><title>x</title></head><body>
  <outline text="ML">
    <outline type="rss" text="Lil'Log" title="Lil&apos;Log" xmlUrl="https://lilianweng.github.io/index.xml"/>
    <outline type="rss" text="No title attr" xmlUrl="https://example.org/feed"/>
  </outline>
  <outline type="rss" text="bad" xmlUrl="javascript:alert(1)"/>
  <outline type="rss" xmlUrl="http://blog.example.com/rss?x=1"/>
</body></opml>"#;
        assert_eq!(
            parse_feed_list(text).unwrap(),
            [
                FeedEntry {
                    name: "Lil'Log".into(),
                    url: "https://lilianweng.github.io/index.xml".into()
                },
                FeedEntry {
                    name: "No title attr".into(),
                    url: "https://example.org/feed".into()
                },
                FeedEntry {
                    name: "blog.example.com".into(),
                    url: "http://blog.example.com/rss?x=1".into()
                },
            ]
        );
        assert!(matches!(
            parse_feed_list("<opml><body></opml>"),
            Err(FeedsError::Opml(_))
        ));
    }

    #[test]
    fn newsboat_lines_give_urls_and_tilde_names() {
        let text = "# my feeds\n\
                    https://example.org/a.xml tech \"~Example A\"\n\
                    https://example.org/b.xml ~B # comment\n\
                    \n\
                    \"query:Unread:unread = \\\"yes\\\"\"\n\
                    exec:~/bin/feed\n\
                    http://example.org/c.xml\n";
        assert_eq!(
            parse_feed_list(text).unwrap(),
            [
                FeedEntry {
                    name: "Example A".into(),
                    url: "https://example.org/a.xml".into()
                },
                FeedEntry {
                    name: "B".into(),
                    url: "https://example.org/b.xml".into()
                },
                FeedEntry {
                    name: "example.org".into(),
                    url: "http://example.org/c.xml".into()
                },
            ]
        );
    }

    #[test]
    fn import_appends_new_feeds_once_and_keeps_the_config_valid() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("config.toml");
        std::fs::write(
            &path,
            "[sync]\ninterval_minutes = 5\n\n[[sources.feeds]]\nname = \"blog\"\nurl = \"https://example.org/feed/\"\n",
        )
        .unwrap();
        let feeds = vec![
            FeedEntry {
                name: "blog".into(),
                url: "https://example.org/feed".into(),
            },
            FeedEntry {
                name: "blog".into(),
                url: "https://other.org/feed".into(),
            },
            FeedEntry {
                name: "Quote \" and \\ backslash".into(),
                url: "https://q.org/x".into(),
            },
        ];
        let outcome = import_into_config(&path, &feeds, ImportOptions::default()).unwrap();
        assert_eq!(outcome.already, 1);
        assert_eq!(outcome.added.len(), 2);
        assert_eq!(outcome.added[0].name, "blog 2");
        let config = Config::load(&path, true).unwrap();
        assert_eq!(config.sync.interval_minutes, 5);
        let names: Vec<&str> = config
            .sources
            .feeds
            .iter()
            .map(|f| f.name.as_str())
            .collect();
        assert_eq!(names, ["blog", "blog 2", "Quote \" and \\ backslash"]);
        let again = import_into_config(&path, &feeds, ImportOptions::default()).unwrap();
        assert!(again.added.is_empty());
        assert_eq!(again.already, 3);
    }

    #[test]
    fn arxiv_listing_urls_give_their_categories() {
        let categories = |url: &str| arxiv_listing_categories(url);
        assert_eq!(
            categories("https://rss.arxiv.org/rss/cs.LG+stat.ML"),
            Some(vec!["cs.LG".into(), "stat.ML".into()])
        );
        assert_eq!(
            categories("http://export.arxiv.org/rss/hep-th?version=2.0"),
            Some(vec!["hep-th".into()])
        );
        assert_eq!(
            categories("https://RSS.arxiv.org/atom/astro-ph.GA/"),
            Some(vec!["astro-ph.GA".into()])
        );
        for other in [
            "https://rss.arxiv.org/rss/",
            "https://rss.arxiv.org/rss/cs.LG/extra",
            "https://rss.arxiv.org/rss/cs.LG+<b>",
            "https://arxiv.org/abs/2501.00001",
            "https://notarxiv.org/rss/cs.LG",
            "https://example.org/feed.xml",
        ] {
            assert_eq!(categories(other), None, "{other}");
        }
    }

    const LISTINGS: &str = "https://rss.arxiv.org/rss/cs.LG+cs.AI ~\"arXiv ML\"\n\
                            http://export.arxiv.org/rss/stat.ML\n\
                            https://rss.arxiv.org/rss/cs.CL\n\
                            https://example.org/blog.xml\n";

    fn import(path: &Path, arxiv_categories: bool) -> ImportOutcome {
        let feeds = parse_feed_list(LISTINGS).unwrap();
        import_into_config(path, &feeds, ImportOptions { arxiv_categories }).unwrap()
    }

    #[test]
    fn arxiv_listings_become_categories_when_asked_keeping_the_config_as_written() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("config.toml");
        let written = "# my config\n[sources.arxiv]\n# what I follow\ncategories = [\"cs.CL\"]\nmax_results = 50\n";
        std::fs::write(&path, written).unwrap();
        let outcome = import(&path, true);
        assert_eq!(outcome.categories_added, ["cs.LG", "cs.AI", "stat.ML"]);
        assert_eq!(outcome.already, 1, "cs.CL is followed already");
        let urls: Vec<&str> = outcome.added.iter().map(|f| f.url.as_str()).collect();
        assert_eq!(urls, ["https://example.org/blog.xml"]);
        let text = std::fs::read_to_string(&path).unwrap();
        assert!(
            text.starts_with("# my config\n[sources.arxiv]\n# what I follow\n"),
            "{text}"
        );
        let config = Config::load(&path, true).unwrap();
        assert_eq!(
            config.sources.arxiv.categories,
            ["cs.CL", "cs.LG", "cs.AI", "stat.ML"]
        );
        assert_eq!(config.sources.arxiv.max_results, 50);
        assert_eq!(config.sources.feeds.len(), 1);
        let again = import(&path, true);
        assert!(again.categories_added.is_empty() && again.added.is_empty());
    }

    #[test]
    fn arxiv_listings_imported_as_feeds_are_offered_and_converted_by_a_second_import() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("config.toml");
        let first = import(&path, false);
        assert_eq!(first.added.len(), 4);
        assert_eq!(first.arxiv_feeds.len(), 3, "offered as categories");
        assert!(first.categories_added.is_empty());
        // Run again with the option: the three listing feeds become categories.
        let second = import(&path, true);
        assert_eq!(second.feeds_replaced, 3);
        assert_eq!(
            second.categories_added,
            ["cs.LG", "cs.AI", "stat.ML", "cs.CL"]
        );
        let config = Config::load(&path, true).unwrap();
        let urls: Vec<&str> = config
            .sources
            .feeds
            .iter()
            .map(|f| f.url.as_str())
            .collect();
        assert_eq!(urls, ["https://example.org/blog.xml"]);
        assert_eq!(config.sources.arxiv.categories.len(), 4);
    }

    #[test]
    fn exported_opml_reads_back() {
        let mut config = Config::default();
        config.sources.arxiv.categories = vec!["cs.LG".into()];
        config.sources.feeds.push(crate::config::FeedConfig {
            name: "A & B <blog>".into(),
            url: "https://example.org/feed?a=1&b=2".into(),
        });
        let text = opml(&config);
        let feeds = parse_opml(&text).unwrap();
        assert_eq!(
            feeds,
            [
                FeedEntry {
                    name: "arXiv cs.LG".into(),
                    url: "https://rss.arxiv.org/rss/cs.LG".into()
                },
                FeedEntry {
                    name: "A & B <blog>".into(),
                    url: "https://example.org/feed?a=1&b=2".into()
                },
            ]
        );
    }
}
