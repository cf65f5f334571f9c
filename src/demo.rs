//! The offline demo: the bundled daily feed (assets/demo/), written to a throwaway data dir and
//! served to the reader through a `file://` HF source, the same path a real feed takes.

use std::path::Path;

use crate::config::Config;

/// The bundled feed: 83 papers from Hugging Face Daily Papers for 2025-04-30, in the shape of
/// the `/api/daily_papers` response (see `assets/demo/README.md` for where it came from).
pub const DEMO_FEED: &str = include_str!("../assets/demo/daily_papers.json");

/// The file name the feed is written under inside the demo directory.
pub const DEMO_FEED_FILE: &str = "daily_papers.json";

/// Writes the bundled feed to `dir/daily_papers.json` and returns a config whose only source
/// is Hugging Face, reading that file as one day's response (`days = 1`).
pub fn prepare(dir: &Path) -> std::io::Result<Config> {
    std::fs::create_dir_all(dir)?;
    let feed_path = std::path::absolute(dir.join(DEMO_FEED_FILE))?;
    // The path goes into a URL as text: refuse one that would not survive the round trip.
    let feed_path_text = feed_path.to_str().ok_or_else(|| {
        std::io::Error::new(
            std::io::ErrorKind::InvalidInput,
            format!(
                "demo directory path is not valid UTF-8: {}",
                feed_path.display()
            ),
        )
    })?;
    std::fs::write(&feed_path, DEMO_FEED)?;

    let mut config = Config::default();
    config.sources.hf.enabled = true;
    config.sources.hf.base_url = format!("file://{feed_path_text}");
    config.sources.hf.days = 1;
    config.sources.arxiv.categories = Vec::new();
    config.sources.arxiv.queries = Vec::new();
    config.sources.feeds = Vec::new();
    Ok(config)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn embedded_feed_is_an_array_of_83_titled_papers() {
        let items: Vec<serde_json::Value> =
            serde_json::from_str(DEMO_FEED).expect("demo feed is JSON");
        assert_eq!(items.len(), 83);
        for item in &items {
            let paper = &item["paper"];
            let title = paper["title"].as_str().expect("paper.title is a string");
            assert!(!title.trim().is_empty());
            assert_eq!(item["title"].as_str(), Some(title));
            assert!(
                !paper["summary"]
                    .as_str()
                    .expect("paper.summary is a string")
                    .is_empty()
            );
            assert_eq!(paper["id"].as_str(), Some(""), "ids are not invented");
            assert_eq!(
                paper["authors"].as_array().map(Vec::len),
                Some(0),
                "authors are not invented"
            );
            assert_eq!(
                paper["submittedOnDailyAt"].as_str(),
                Some("2025-04-30T00:00:00.000Z")
            );
            assert!(paper.get("upvotes").is_none(), "upvotes are not invented");
        }
    }

    #[test]
    fn embedded_feed_stays_small() {
        assert!(
            DEMO_FEED.len() < 200 * 1024,
            "demo feed is {} bytes",
            DEMO_FEED.len()
        );
    }

    #[test]
    fn embedded_feed_titles_survive_normalisation() {
        let items: Vec<serde_json::Value> =
            serde_json::from_str(DEMO_FEED).expect("demo feed is JSON");
        let titles: Vec<String> = items
            .iter()
            .map(|item| {
                crate::text::normalize_line(item["paper"]["title"].as_str().unwrap_or_default())
            })
            .collect();
        assert!(
            titles.contains(
                &"DεpS: Delayed ε-Shrinking for Faster Once-For-All Training".to_string()
            )
        );
        assert!(titles.contains(&"Fast & Slow Learning: Incorporating Synthetic Gradients in Neural Memory Controllers".to_string()));
    }

    #[test]
    fn prepare_writes_the_feed_the_config_points_to() {
        let dir = tempfile::tempdir().expect("temp dir");
        let config = prepare(dir.path()).expect("prepare");

        let hf = &config.sources.hf;
        assert!(hf.enabled);
        assert_eq!(hf.days, 1);
        let path = hf.base_url.strip_prefix("file://").expect("a file:// URL");
        assert!(Path::new(path).is_absolute());
        assert_eq!(std::fs::read_to_string(path).expect("feed file"), DEMO_FEED);

        assert!(config.sources.arxiv.categories.is_empty());
        assert!(config.sources.arxiv.queries.is_empty());
        assert!(config.sources.feeds.is_empty());
    }

    #[test]
    fn prepare_creates_a_missing_directory() {
        let dir = tempfile::tempdir().expect("temp dir");
        let nested = dir.path().join("demo").join("data");
        let config = prepare(&nested).expect("prepare");
        assert!(
            config
                .sources
                .hf
                .base_url
                .ends_with("/demo/data/daily_papers.json")
        );
        assert!(nested.join(DEMO_FEED_FILE).is_file());
    }
}
