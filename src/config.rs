//! The TOML config: sections, defaults (embedded from `assets/default-config.toml`), XDG paths,
//! and the translation into source and sync settings. Unknown keys are rejected by name.
//! Plain data: imports `query` (to check saved views' queries) and `text`; never `app` or above.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde::Deserialize;

/// The commented default config, embedded so the defaults and their documentation are one file.
pub const DEFAULT_CONFIG: &str = include_str!("../assets/default-config.toml");

/// Why the config could not be used.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error("cannot read config {path}: {source}")]
    Read {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("config {path}: {message}")]
    Invalid { path: PathBuf, message: String },
}

#[derive(Debug, Clone, Default, Deserialize, PartialEq)]
#[serde(deny_unknown_fields, default)]
pub struct Config {
    pub sync: SyncConfig,
    pub sources: SourcesConfig,
    pub store: StoreConfig,
    pub ui: UiConfig,
    pub export: ExportConfig,
    /// `[fulltext]`: reading whole papers in the terminal (`f`, `show --full`).
    pub fulltext: FullTextConfig,
    /// `[papers]`: where `paperboat pdf` and `D` keep downloaded PDFs.
    pub papers: PapersConfig,
    /// The open reader's command socket (`paperboat list` etc. while it runs).
    pub server: ServerConfig,
    /// Key bindings per context (`list`, `detail`, `filter`, `global`): key → action name.
    pub keys: BTreeMap<String, BTreeMap<String, String>>,
    /// Saved views (`[[views]]`): named queries listed in the filter pane.
    pub views: Vec<ViewConfig>,
}

/// One `[[views]]` entry.
#[derive(Debug, Clone, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct ViewConfig {
    pub name: String,
    /// A query in the filter language (see `?` in the reader).
    pub query: String,
    /// `newest`, `upvotes`, `relevance` or `for_you`; relevance when the query has words.
    pub sort: Option<crate::query::SortOrder>,
    /// Notify (see `[ui] notify`) when a sync brings the view papers not seen before.
    #[serde(default)]
    pub notify: bool,
}

impl ViewConfig {
    /// The view's query, parsed (the app layer turns the entry into the view it lists).
    pub fn parsed_query(&self) -> Result<crate::query::Query, crate::query::QueryError> {
        crate::query::parse(&self.query)
    }
}

#[derive(Debug, Clone, Deserialize, PartialEq)]
#[serde(deny_unknown_fields, default)]
pub struct SyncConfig {
    pub interval_minutes: u64,
    pub concurrency: usize,
    pub connect_timeout_secs: u64,
    pub timeout_secs: u64,
    pub max_body_mib: u64,
    pub arxiv_interval_secs: f64,
}

#[derive(Debug, Clone, Default, Deserialize, PartialEq)]
#[serde(deny_unknown_fields, default)]
pub struct SourcesConfig {
    pub hf: HfConfig,
    pub arxiv: ArxivConfig,
    pub feeds: Vec<FeedConfig>,
}

#[derive(Debug, Clone, Deserialize, PartialEq)]
#[serde(deny_unknown_fields, default)]
pub struct HfConfig {
    pub enabled: bool,
    pub base_url: String,
    pub days: u32,
}

#[derive(Debug, Clone, Deserialize, PartialEq)]
#[serde(deny_unknown_fields, default)]
pub struct ArxivConfig {
    pub rss_base_url: String,
    pub api_base_url: String,
    pub categories: Vec<String>,
    pub queries: Vec<String>,
    pub max_results: u32,
    /// The arXiv site that abstract, PDF and HTML links point at and PDFs are downloaded from
    /// (tests point it at a loopback server).
    pub site_base_url: String,
}

impl ArxivConfig {
    /// `{site_base_url}/{kind}/{id}` (`kind` is `abs`, `pdf` or `html`), without a doubled `/`.
    pub fn site_url(&self, kind: &str, id: &str) -> String {
        crate::link::arxiv_site_url(&self.site_base_url, kind, id)
    }
}

#[derive(Debug, Clone, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct FeedConfig {
    pub name: String,
    pub url: String,
}

#[derive(Debug, Clone, Default, Deserialize, PartialEq)]
#[serde(deny_unknown_fields, default)]
pub struct StoreConfig {
    /// Keep papers filed in the last this many days; 0 keeps everything. Starred papers and
    /// papers with a note are always kept.
    pub retention_days: u32,
}

#[derive(Debug, Clone, Deserialize, PartialEq)]
#[serde(deny_unknown_fields, default)]
pub struct UiConfig {
    /// Terminal width from which list and detail sit side by side.
    pub wide_layout_min_columns: u16,
    /// Command that opens links; empty means `$BROWSER`, then `xdg-open` / `open`.
    pub browser: String,
    /// When the filter pane sits beside the list.
    pub filter_pane: FilterPane,
    /// The list's share of the width beside the detail (10–90); unset picks one that gives
    /// titles at least 60 columns.
    pub list_width_percent: Option<u16>,
    /// Links in the detail are OSC 8 hyperlinks (clickable in most terminals, ignored by
    /// the rest).
    pub hyperlinks: bool,
    /// When a paper counts as read.
    pub mark_read: MarkRead,
    /// How `[[views]]` with `notify = true` notify.
    pub notify: NotifyVia,
    /// Command that opens a downloaded PDF (its path is the one argument; no shell). Empty: the
    /// `browser` command, then the system's opener. A terminal viewer (`tdf`, `termpdf.py`…)
    /// gets the terminal until it exits.
    pub pdf_viewer: String,
}

/// `[papers]`: downloaded PDFs.
#[derive(Debug, Clone, Deserialize, PartialEq)]
#[serde(deny_unknown_fields, default)]
pub struct PapersConfig {
    /// The directory PDFs are saved in (`~` is the home directory); created when missing.
    pub dir: String,
    /// Largest PDF accepted, in MiB; a bigger one is refused and nothing is kept.
    pub max_pdf_mib: u64,
}

impl Default for PapersConfig {
    fn default() -> Self {
        PapersConfig {
            dir: "~/papers".into(),
            max_pdf_mib: 100,
        }
    }
}

impl PapersConfig {
    /// The PDF directory with `~` expanded (not created here: the download does that).
    pub fn dir_path(&self) -> PathBuf {
        let dir = self.dir.trim();
        let dir = if dir.is_empty() { "~/papers" } else { dir };
        expand_home(dir, home_dir().as_deref())
    }

    /// The size cap in bytes.
    pub fn max_pdf_bytes(&self) -> u64 {
        self.max_pdf_mib.saturating_mul(1024 * 1024)
    }
}

/// `[ui] filter_pane`: when the filter pane sits beside the list.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum FilterPane {
    /// From 160 columns on.
    #[default]
    Auto,
    /// Whenever list and detail sit side by side.
    Always,
    /// Only while it has focus (`/`, Tab).
    Never,
}

/// `[export]`: where `E` in the reader writes its BibTeX file.
#[derive(Debug, Clone, Default, Deserialize, PartialEq)]
#[serde(deny_unknown_fields, default)]
pub struct ExportConfig {
    /// A directory (`~` is the home directory); empty means the current directory.
    pub dir: String,
}

impl ExportConfig {
    /// The export directory with `~` expanded; `None` means the current directory.
    pub fn dir_path(&self) -> Option<PathBuf> {
        let dir = self.dir.trim();
        if dir.is_empty() {
            return None;
        }
        Some(expand_home(dir, home_dir().as_deref()))
    }
}

/// `[fulltext]`: whole papers fetched on demand (HF Markdown, else arXiv HTML) and cached.
#[derive(Debug, Clone, Deserialize, PartialEq)]
#[serde(deny_unknown_fields, default)]
pub struct FullTextConfig {
    /// A full text larger than this many MiB is refused (with a message), never cached.
    pub max_mib: u64,
}

impl Default for FullTextConfig {
    fn default() -> Self {
        FullTextConfig { max_mib: 8 }
    }
}

impl FullTextConfig {
    /// The size cap in bytes (at least 1 MiB).
    pub fn max_bytes(&self) -> u64 {
        self.max_mib.max(1).saturating_mul(1024 * 1024)
    }
}

/// The user's home directory, if known.
pub fn home_dir() -> Option<PathBuf> {
    directories::BaseDirs::new().map(|dirs| dirs.home_dir().to_path_buf())
}

/// `~` and `~/…` made absolute with `home`; anything else unchanged.
pub fn expand_home(path: &str, home: Option<&Path>) -> PathBuf {
    match (path.strip_prefix('~'), home) {
        (Some(""), Some(home)) => home.to_path_buf(),
        (Some(rest), Some(home)) if rest.starts_with('/') => home.join(&rest[1..]),
        _ => PathBuf::from(path),
    }
}

/// `path` with the home directory shown as `~`, as users write it.
pub fn display_home(path: &Path, home: Option<&Path>) -> String {
    match home.and_then(|home| path.strip_prefix(home).ok()) {
        Some(rest) if rest.as_os_str().is_empty() => "~".to_string(),
        Some(rest) => format!("~/{}", rest.display()),
        None => path.display().to_string(),
    }
}

/// `[ui] mark_read`: when a paper counts as read.
#[derive(Debug, Clone, Copy, Default, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "snake_case")]
pub enum MarkRead {
    /// When it is opened: Enter, and every paper J/K/Space moves to while the detail is open.
    #[default]
    Open,
    /// When its abstract has been on screen for a second.
    Select,
    /// Only with `x` (and `X`).
    Manual,
}

/// `[ui] notify`: the terminal sequence a notification is sent with, or none.
#[derive(Debug, Clone, Copy, Default, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "snake_case")]
pub enum NotifyVia {
    /// OSC 9 (iTerm2, kitty, WezTerm, foot, Windows Terminal).
    Osc9,
    /// OSC 777 (urxvt, VTE terminals such as GNOME Terminal).
    Osc777,
    #[default]
    Off,
}

/// `[server]`: how the open reader serves other paperboat commands.
#[derive(Debug, Clone, Deserialize, PartialEq)]
#[serde(deny_unknown_fields, default)]
pub struct ServerConfig {
    /// A client that sends no request for this many seconds is dropped.
    pub idle_timeout_secs: u64,
}

impl Default for ServerConfig {
    fn default() -> Self {
        ServerConfig {
            idle_timeout_secs: 10,
        }
    }
}

impl Default for SyncConfig {
    fn default() -> Self {
        SyncConfig {
            interval_minutes: 30,
            concurrency: 4,
            connect_timeout_secs: 10,
            timeout_secs: 60,
            max_body_mib: 32,
            arxiv_interval_secs: 3.0,
        }
    }
}

impl Default for HfConfig {
    fn default() -> Self {
        HfConfig {
            enabled: true,
            base_url: "https://huggingface.co".into(),
            days: 7,
        }
    }
}

impl Default for ArxivConfig {
    fn default() -> Self {
        ArxivConfig {
            rss_base_url: "https://rss.arxiv.org".into(),
            api_base_url: "https://export.arxiv.org".into(),
            categories: Vec::new(),
            queries: Vec::new(),
            max_results: 200,
            site_base_url: "https://arxiv.org".into(),
        }
    }
}

impl Default for UiConfig {
    fn default() -> Self {
        UiConfig {
            wide_layout_min_columns: 120,
            browser: String::new(),
            filter_pane: FilterPane::Auto,
            list_width_percent: None,
            hyperlinks: true,
            mark_read: MarkRead::Open,
            notify: NotifyVia::Off,
            pdf_viewer: String::new(),
        }
    }
}

impl Config {
    /// Parses config text; `path` names the file in errors.
    pub fn parse(text: &str, path: &Path) -> Result<Config, ConfigError> {
        let config: Config = toml::from_str(text).map_err(|e| ConfigError::Invalid {
            path: path.to_path_buf(),
            message: crate::text::sanitize_line(&e.to_string()),
        })?;
        // A saved view whose query does not parse is a config error, named and placed.
        for view in &config.views {
            if let Err(error) = view.parsed_query() {
                return Err(ConfigError::Invalid {
                    path: path.to_path_buf(),
                    message: crate::text::sanitize_line(&format!(
                        "[[views]] {:?}: query {:?}: {error}",
                        view.name, view.query
                    )),
                });
            }
        }
        Ok(config)
    }

    /// Reads the config at `path`; a missing file at the default location means defaults.
    pub fn load(path: &Path, must_exist: bool) -> Result<Config, ConfigError> {
        match std::fs::read_to_string(path) {
            Ok(text) => Config::parse(&text, path),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound && !must_exist => {
                Ok(Config::default())
            }
            Err(source) => Err(ConfigError::Read {
                path: path.to_path_buf(),
                source,
            }),
        }
    }
}

/// Where paperboat keeps things by default (XDG on Linux).
#[derive(Debug, Clone)]
pub struct Paths {
    pub config_file: PathBuf,
    pub data_dir: PathBuf,
    pub log_dir: PathBuf,
}

impl Paths {
    pub fn default_paths() -> Option<Paths> {
        let dirs = directories::ProjectDirs::from("", "", "paperboat")?;
        let log_dir = dirs
            .state_dir()
            .map(Path::to_path_buf)
            .unwrap_or_else(|| dirs.data_local_dir().join("log"));
        Some(Paths {
            config_file: dirs.config_dir().join("config.toml"),
            data_dir: dirs.data_dir().to_path_buf(),
            log_dir,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ui_and_export_keys_parse_and_default() {
        let config = Config::parse(
            "[ui]\nfilter_pane = \"always\"\nlist_width_percent = 70\nhyperlinks = false\n\
             [export]\ndir = \"~/papers\"\n",
            Path::new("c.toml"),
        )
        .unwrap();
        assert_eq!(config.ui.filter_pane, FilterPane::Always);
        assert_eq!(config.ui.list_width_percent, Some(70));
        assert!(!config.ui.hyperlinks);
        assert_eq!(config.export.dir, "~/papers");
        let defaults = Config::default();
        assert_eq!(defaults.ui.filter_pane, FilterPane::Auto);
        assert!(defaults.ui.hyperlinks);
        assert_eq!(defaults.export.dir_path(), None);
        assert!(Config::parse("[ui]\nfilter_pane = \"sometimes\"\n", Path::new("c")).is_err());
        assert!(Config::parse("[export]\nfolder = \"x\"\n", Path::new("c")).is_err());
    }

    #[test]
    fn papers_site_and_viewer_keys_parse_and_default() {
        let defaults = Config::default();
        assert_eq!(defaults.papers.max_pdf_mib, 100);
        assert_eq!(defaults.papers.max_pdf_bytes(), 100 * 1024 * 1024);
        assert_eq!(defaults.sources.arxiv.site_base_url, "https://arxiv.org");
        assert_eq!(
            defaults.sources.arxiv.site_url("pdf", "2504.21318"),
            "https://arxiv.org/pdf/2504.21318"
        );
        assert!(defaults.ui.pdf_viewer.is_empty());
        let config = Config::parse(
            "[papers]\ndir = \"/srv/pdfs\"\nmax_pdf_mib = 5\n\
             [sources.arxiv]\nsite_base_url = \"http://127.0.0.1:9/\"\n\
             [ui]\npdf_viewer = \"zathura\"\n",
            Path::new("c.toml"),
        )
        .unwrap();
        assert_eq!(config.papers.dir_path(), PathBuf::from("/srv/pdfs"));
        assert_eq!(config.papers.max_pdf_bytes(), 5 * 1024 * 1024);
        assert_eq!(
            config.sources.arxiv.site_url("abs", "2504.21318"),
            "http://127.0.0.1:9/abs/2504.21318"
        );
        assert_eq!(config.ui.pdf_viewer, "zathura");
        assert!(Config::parse("[papers]\nfolder = \"x\"\n", Path::new("c")).is_err());
    }

    #[test]
    fn the_default_config_file_is_the_defaults() {
        let parsed = Config::parse(DEFAULT_CONFIG, Path::new("default-config.toml")).unwrap();
        assert_eq!(parsed.papers, Config::default().papers);
        assert_eq!(parsed.sources.arxiv, Config::default().sources.arxiv);
        assert_eq!(parsed.ui.pdf_viewer, Config::default().ui.pdf_viewer);
    }

    #[test]
    fn home_is_expanded_and_shown_as_tilde() {
        let home = Path::new("/home/ada");
        assert_eq!(expand_home("~/papers", Some(home)), home.join("papers"));
        assert_eq!(expand_home("~", Some(home)), home.to_path_buf());
        assert_eq!(expand_home("~bob/x", Some(home)), PathBuf::from("~bob/x"));
        assert_eq!(expand_home("/tmp/x", Some(home)), PathBuf::from("/tmp/x"));
        assert_eq!(expand_home("~/x", None), PathBuf::from("~/x"));
        assert_eq!(display_home(&home.join("p/a.bib"), Some(home)), "~/p/a.bib");
        assert_eq!(display_home(home, Some(home)), "~");
        assert_eq!(
            display_home(Path::new("/srv/a.bib"), Some(home)),
            "/srv/a.bib"
        );
    }
}
