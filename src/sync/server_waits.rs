//! Retry-After holds, one per host: when a server answers 429/503 with `Retry-After`, no request
//! goes to that host until the time it named, whichever source or fetch asks. The only thing
//! that holds back a sync the user asked for (paperboat's own backoff does not).
//!
//! The registry is shared by clones (the sync task and any on-demand fetcher hold the same
//! one) and kept in the store (`Store::server_waits`) so the next process honours it too.

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex, PoisonError};

use chrono::{DateTime, Utc};

use crate::source::fetch::host_shown;

/// Host → the time its server asked us to wait until.
#[derive(Debug, Clone, Default)]
pub struct ServerWaits {
    holds: Arc<Mutex<BTreeMap<String, DateTime<Utc>>>>,
}

/// A host that is held back, and until when.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Hold {
    pub host: String,
    pub until: DateTime<Utc>,
}

impl ServerWaits {
    /// Holds `url`'s host back until `until` (a later hold already there stays).
    pub fn hold(&self, url: &str, until: DateTime<Utc>) -> Hold {
        let host = host_shown(url);
        let mut holds = self.holds.lock().unwrap_or_else(PoisonError::into_inner);
        let kept = holds
            .entry(host.clone())
            .and_modify(|held| *held = (*held).max(until))
            .or_insert(until);
        Hold { host, until: *kept }
    }

    /// The hold on `url`'s host at `now`, if there is one. `file://` URLs are never held.
    pub fn held(&self, url: &str, now: DateTime<Utc>) -> Option<Hold> {
        if !is_http(url) {
            return None;
        }
        let host = host_shown(url);
        let holds = self.holds.lock().unwrap_or_else(PoisonError::into_inner);
        holds
            .get(&host)
            .filter(|until| **until > now)
            .map(|until| Hold {
                host: host.clone(),
                until: *until,
            })
    }

    /// The hold that keeps every one of `urls` back at `now`, or `None` when at least one may
    /// be fetched (or there are none). Of several holds, the one that ends last.
    pub fn all_held<'a>(
        &self,
        urls: impl IntoIterator<Item = &'a str>,
        now: DateTime<Utc>,
    ) -> Option<Hold> {
        let mut longest: Option<Hold> = None;
        for url in urls {
            let hold = self.held(url, now)?;
            if longest.as_ref().is_none_or(|l| hold.until > l.until) {
                longest = Some(hold);
            }
        }
        longest
    }

    /// The holds still running at `now` (to store).
    pub fn current(&self, now: DateTime<Utc>) -> BTreeMap<String, DateTime<Utc>> {
        let holds = self.holds.lock().unwrap_or_else(PoisonError::into_inner);
        holds
            .iter()
            .filter(|(_, until)| **until > now)
            .map(|(host, until)| (host.clone(), *until))
            .collect()
    }

    /// Adds holds read back from the store.
    pub fn restore(&self, stored: BTreeMap<String, DateTime<Utc>>) {
        let mut holds = self.holds.lock().unwrap_or_else(PoisonError::into_inner);
        for (host, until) in stored {
            holds
                .entry(host)
                .and_modify(|held| *held = (*held).max(until))
                .or_insert(until);
        }
    }
}

fn is_http(url: &str) -> bool {
    let lower = url.trim_start().get(..8).unwrap_or("").to_ascii_lowercase();
    lower.starts_with("http://") || lower.starts_with("https://")
}

/// "huggingface.co asks to wait until 12:40 UTC" (with the date when it is not `now`'s day).
pub fn held_phrase(host: &str, until: DateTime<Utc>, now: DateTime<Utc>) -> String {
    let at = if until.date_naive() == now.date_naive() {
        until.format("%H:%M UTC")
    } else {
        until.format("%Y-%m-%d %H:%M UTC")
    };
    format!("{host} asks to wait until {at}")
}

#[cfg(test)]
mod tests {
    use chrono::TimeZone;

    use super::*;

    fn at(hour: u32, minute: u32) -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2025, 4, 30, hour, minute, 0).unwrap()
    }

    #[test]
    fn a_hold_covers_every_url_of_its_host_until_it_ends() {
        let waits = ServerWaits::default();
        let hold = waits.hold("https://huggingface.co/api/daily_papers?date=x", at(12, 40));
        assert_eq!(hold.host, "huggingface.co");
        let other_path = "https://huggingface.co/api/papers/2504.1";
        assert_eq!(waits.held(other_path, at(12, 0)), Some(hold.clone()));
        assert_eq!(waits.held(other_path, at(12, 40)), None);
        assert_eq!(waits.held("https://arxiv.org/abs/1", at(12, 0)), None);
        assert_eq!(waits.held("http://127.0.0.1:9/x", at(12, 0)), None);
        assert_eq!(waits.held("file:///tmp/huggingface.co", at(12, 0)), None);
    }

    #[test]
    fn a_shorter_hold_does_not_shorten_a_longer_one_and_clones_share_them() {
        let waits = ServerWaits::default();
        let shared = waits.clone();
        waits.hold("http://127.0.0.1:8080/a", at(13, 0));
        shared.hold("http://127.0.0.1:8080/b", at(12, 10));
        assert_eq!(
            waits
                .held("http://127.0.0.1:8080/c", at(12, 30))
                .map(|h| h.until),
            Some(at(13, 0))
        );
        let stored = shared.current(at(12, 30));
        assert_eq!(stored.len(), 1);
        let restored = ServerWaits::default();
        restored.restore(stored);
        assert!(
            restored
                .held("http://127.0.0.1:8080/", at(12, 59))
                .is_some()
        );
        assert!(
            waits.current(at(13, 0)).is_empty(),
            "an ended hold is not kept"
        );
    }

    #[test]
    fn a_source_is_held_only_when_every_url_is() {
        let waits = ServerWaits::default();
        waits.hold("https://export.arxiv.org/api/query", at(12, 30));
        let urls = [
            "https://export.arxiv.org/api/query?a",
            "https://rss.arxiv.org/rss/cs.LG",
        ];
        assert_eq!(waits.all_held(urls, at(12, 0)), None);
        waits.hold("https://rss.arxiv.org/", at(12, 20));
        let hold = waits.all_held(urls, at(12, 0)).unwrap();
        assert_eq!(
            (hold.host.as_str(), hold.until),
            ("export.arxiv.org", at(12, 30))
        );
        assert_eq!(waits.all_held([], at(12, 0)), None);
    }

    #[test]
    fn the_phrase_names_the_server_and_the_time() {
        assert_eq!(
            held_phrase("huggingface.co", at(12, 40), at(12, 0)),
            "huggingface.co asks to wait until 12:40 UTC"
        );
        assert_eq!(
            held_phrase(
                "huggingface.co",
                at(12, 40) + chrono::Duration::days(1),
                at(12, 0)
            ),
            "huggingface.co asks to wait until 2025-05-01 12:40 UTC"
        );
    }
}
