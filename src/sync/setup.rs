//! From the config to the sync task's inputs: the configured sources and the sync settings.

use std::sync::Arc;
use std::time::Duration;

use chrono::NaiveDate;

use super::SyncSettings;
use crate::config::{Config, SyncConfig};
use crate::source::Source;
use crate::source::arxiv::ArxivSource;
use crate::source::feed::FeedSource;
use crate::source::hf_daily::HfDailySource;
use crate::source::hf_lists::HfList;

/// The sources the config asks for: HF when enabled, arXiv when it has categories or queries,
/// one feed per `[[sources.feeds]]`. `days` and `date` override what HF fetches.
pub fn sources_from_config(
    config: &Config,
    days: Option<u32>,
    date: Option<NaiveDate>,
) -> Vec<Arc<dyn Source>> {
    let mut sources: Vec<Arc<dyn Source>> = Vec::new();
    let hf = &config.sources.hf;
    if hf.enabled {
        let days = days.unwrap_or(hf.days).max(1);
        sources.push(Arc::new(HfDailySource::new(&hf.base_url, days, date)));
    }
    let arxiv = &config.sources.arxiv;
    if !arxiv.categories.is_empty() || !arxiv.queries.is_empty() {
        sources.push(Arc::new(ArxivSource::new(
            &arxiv.rss_base_url,
            &arxiv.api_base_url,
            &arxiv.categories,
            &arxiv.queries,
            arxiv.max_results,
            sync_settings_from_config(&config.sync).arxiv_interval,
        )));
    }
    for feed in &config.sources.feeds {
        sources.push(Arc::new(FeedSource::new(&feed.name, &feed.url)));
    }
    sources
}

/// The sources of `sync --week`/`--month`: HF's list of that period (every page), when HF is
/// enabled; nothing else is fetched.
pub fn list_sources_from_config(config: &Config, list: &HfList) -> Vec<Arc<dyn Source>> {
    let hf = &config.sources.hf;
    if !hf.enabled {
        return Vec::new();
    }
    vec![Arc::new(HfDailySource::for_list(
        &hf.base_url,
        list.clone(),
    ))]
}

/// The sync-task settings of a whole config: the `[sync]` section, and HF's base URL for the
/// lists and the search.
pub fn sync_settings_for(config: &Config) -> SyncSettings {
    SyncSettings {
        hf_base_url: config.sources.hf.base_url.clone(),
        ..sync_settings_from_config(&config.sync)
    }
}

/// The `[sync]` section as sync-task settings. Out-of-range numbers are clamped to something
/// workable rather than refused: a zero concurrency still syncs one source at a time.
pub fn sync_settings_from_config(sync: &SyncConfig) -> SyncSettings {
    const MIB: u64 = 1024 * 1024;
    let defaults = SyncSettings::default();
    SyncSettings {
        interval: Duration::from_secs(sync.interval_minutes.max(1).saturating_mul(60)),
        concurrency: sync.concurrency.max(1),
        connect_timeout: Duration::from_secs(sync.connect_timeout_secs.max(1)),
        total_timeout: Duration::from_secs(sync.timeout_secs.max(1)),
        max_body_bytes: sync.max_body_mib.max(1).saturating_mul(MIB),
        arxiv_interval: seconds(sync.arxiv_interval_secs, defaults.arxiv_interval),
        ..defaults
    }
}

/// A float number of seconds from the config; NaN, negative or absurd values fall back.
fn seconds(value: f64, fallback: Duration) -> Duration {
    if value.is_finite() && value >= 0.0 {
        Duration::try_from_secs_f64(value).unwrap_or(fallback)
    } else {
        fallback
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::FeedConfig;
    use crate::model::SourceId;

    #[test]
    fn default_config_syncs_only_hf() {
        let sources = sources_from_config(&Config::default(), None, None);
        let ids: Vec<_> = sources.iter().map(|s| s.id().clone()).collect();
        assert_eq!(ids, vec![SourceId::hf()]);
    }

    #[test]
    fn arxiv_and_feeds_join_when_configured() {
        let mut config = Config::default();
        config.sources.hf.enabled = false;
        config.sources.arxiv.categories = vec!["cs.LG".into()];
        config.sources.feeds = vec![FeedConfig {
            name: "blog".into(),
            url: "https://example.org/feed.xml".into(),
        }];
        let ids: Vec<_> = sources_from_config(&config, None, None)
            .iter()
            .map(|s| s.id().clone())
            .collect();
        assert_eq!(ids, vec![SourceId::arxiv(), SourceId::feed("blog")]);
    }

    #[test]
    fn default_sync_section_gives_default_settings() {
        let settings = sync_settings_from_config(&SyncConfig::default());
        let defaults = SyncSettings::default();
        assert_eq!(settings.interval, defaults.interval);
        assert_eq!(settings.concurrency, defaults.concurrency);
        assert_eq!(settings.connect_timeout, defaults.connect_timeout);
        assert_eq!(settings.total_timeout, defaults.total_timeout);
        assert_eq!(settings.max_body_bytes, defaults.max_body_bytes);
        assert_eq!(settings.arxiv_interval, defaults.arxiv_interval);
    }

    #[test]
    fn odd_sync_numbers_are_clamped_not_fatal() {
        let sync = SyncConfig {
            interval_minutes: 0,
            concurrency: 0,
            connect_timeout_secs: 0,
            timeout_secs: 0,
            max_body_mib: u64::MAX,
            arxiv_interval_secs: f64::NAN,
        };
        let settings = sync_settings_from_config(&sync);
        assert_eq!(settings.interval, Duration::from_secs(60));
        assert_eq!(settings.concurrency, 1);
        assert_eq!(settings.max_body_bytes, u64::MAX);
        assert_eq!(settings.arxiv_interval, Duration::from_secs(3));
        let sync = SyncConfig {
            arxiv_interval_secs: 0.25,
            ..SyncConfig::default()
        };
        assert_eq!(
            sync_settings_from_config(&sync).arxiv_interval,
            Duration::from_millis(250)
        );
    }
}
