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
        }
    }
}

impl Default for UiConfig {
    fn default() -> Self {
        UiConfig {
            wide_layout_min_columns: 120,
            browser: String::new(),
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
