//! Per-host politeness: for sources that ask for a least interval between requests (arXiv),
//! requests to one host go one at a time and start at least that long after the previous one
//! finished.

use std::collections::HashMap;
use std::future::Future;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use tokio::time::Instant;

/// One gate per host (`host:port`), remembering when its last request finished.
#[derive(Default)]
pub struct HostGates {
    gates: Mutex<HashMap<String, Arc<tokio::sync::Mutex<Option<Instant>>>>>,
}

impl HostGates {
    /// Runs `request` to `url`, waiting first for the host's turn when `min_interval` is not
    /// zero. A URL without a host (`file://`) or a zero interval runs at once.
    pub async fn polite<T>(
        &self,
        url: &str,
        min_interval: Duration,
        request: impl Future<Output = T>,
    ) -> T {
        let gate = match host_key(url) {
            Some(host) if !min_interval.is_zero() => self.gate(host),
            _ => return request.await,
        };
        // Holding the gate through the request keeps it to one connection per host.
        let mut last_finished = gate.lock().await;
        if let Some(finished) = *last_finished {
            tokio::time::sleep_until(finished + min_interval).await;
        }
        let result = request.await;
        *last_finished = Some(Instant::now());
        result
    }

    fn gate(&self, host: String) -> Arc<tokio::sync::Mutex<Option<Instant>>> {
        // A poisoned map is still a valid map: every insert is a single call.
        let mut gates = self
            .gates
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        Arc::clone(gates.entry(host).or_default())
    }
}

/// `host:port` of an http(s) URL; `None` for anything else.
fn host_key(url: &str) -> Option<String> {
    let parsed = reqwest::Url::parse(url).ok()?;
    let host = parsed.host_str()?;
    let port = parsed.port_or_known_default()?;
    Some(format!("{}:{port}", host.to_ascii_lowercase()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hosts_are_keyed_with_their_port() {
        assert_eq!(
            host_key("https://Export.arXiv.org/api/query?x=1").as_deref(),
            Some("export.arxiv.org:443")
        );
        assert_eq!(
            host_key("http://127.0.0.1:8080/rss/cs.LG").as_deref(),
            Some("127.0.0.1:8080")
        );
        assert_eq!(host_key("file:///tmp/x.json"), None);
        assert_eq!(host_key("garbage"), None);
    }

    // The gate's timing is tested on tokio's paused clock (no real I/O is involved): a sleep
    // ends exactly at its deadline, rounded up to the timer's millisecond, with no real wait.
    // `tests/sync_faults.rs` checks the lower bound through real HTTP.

    /// The timer's resolution: a paused sleep may end this much after its deadline.
    const TIMER_TICK: Duration = Duration::from_millis(1);

    #[tokio::test(start_paused = true)]
    async fn requests_to_one_host_are_spaced_by_the_interval_and_no_more() {
        let gates = HostGates::default();
        let interval = Duration::from_secs(3);
        let first = gates
            .polite("http://h/a", interval, async { Instant::now() })
            .await;
        let second = gates
            .polite("http://h/b", interval, async { Instant::now() })
            .await;
        let gap = second - first;
        assert!(
            gap >= interval && gap <= interval + TIMER_TICK,
            "requests {gap:?} apart, the interval is {interval:?}"
        );
    }

    /// What one request saw: when it started and when it finished.
    async fn timed_request(duration: Duration) -> (Instant, Instant) {
        let started = Instant::now();
        tokio::time::sleep(duration).await;
        (started, Instant::now())
    }

    #[tokio::test(start_paused = true)]
    async fn concurrent_requests_to_one_host_go_one_at_a_time_spaced_from_the_last_finish() {
        let gates = HostGates::default();
        let interval = Duration::from_secs(3);
        let took = Duration::from_secs(5);
        let begun = Instant::now();
        let (a, b, c) = tokio::join!(
            gates.polite("http://h/a", interval, timed_request(took)),
            gates.polite("http://h/b", interval, timed_request(took)),
            gates.polite("http://h/c", interval, timed_request(took)),
        );
        let mut requests = [a, b, c];
        requests.sort();
        assert_eq!(requests[0].0, begun, "the first request starts at once");
        for pair in requests.windows(2) {
            let ((_, finished), (next_started, _)) = (pair[0], pair[1]);
            assert!(
                next_started >= finished + interval,
                "a request started {:?} after the previous one finished",
                next_started - finished
            );
            assert!(next_started <= finished + interval + TIMER_TICK);
        }
    }

    #[tokio::test(start_paused = true)]
    async fn another_host_or_a_zero_interval_does_not_wait_for_the_gate() {
        let gates = HostGates::default();
        // The first host's gate is held for as long as this test runs.
        let held = gates.gate("h:80".into());
        let _turn = held.lock().await;
        let begun = Instant::now();
        let both = async {
            gates
                .polite("http://other/a", Duration::from_secs(3600), async {})
                .await;
            gates.polite("http://h/a", Duration::ZERO, async {}).await;
        };
        // On the paused clock a request stuck behind the gate ends the test at once: the
        // runtime, idle, moves the clock to the timeout.
        let waited = tokio::time::timeout(Duration::from_secs(30), both).await;
        assert!(
            waited.is_ok(),
            "a request waited for a gate it does not need"
        );
        assert_eq!(Instant::now(), begun, "no time passed");
    }
}
