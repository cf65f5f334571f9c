//! Pure scheduling rules: when a source is due, exponential backoff with jitter, Retry-After.
//!
//! Nothing here reads a clock or a random source: callers pass `now` and a jitter value, so
//! every rule is a plain function with table tests.

use std::hash::{BuildHasher, Hasher};
use std::time::Duration;

use chrono::{DateTime, Utc};

use crate::store::FeedState;

/// The share of a backoff delay that jitter may take off, so sources that failed together do
/// not all come back in the same second.
const JITTER_SHARE: f64 = 0.2;

/// True when a server's Retry-After or our backoff no longer holds this source back.
pub fn may_attempt(state: &FeedState, now: DateTime<Utc>) -> bool {
    state.next_attempt_after.is_none_or(|after| after <= now)
}

/// True when the periodic sync should fetch this source: it may be attempted and its last
/// attempt is at least `interval` old (or it was never attempted).
pub fn is_due(state: &FeedState, now: DateTime<Utc>, interval: Duration) -> bool {
    let interval_passed = match state.last_attempt {
        None => true,
        Some(last) => match chrono::Duration::from_std(interval) {
            Ok(interval) => last
                .checked_add_signed(interval)
                .is_none_or(|due| due <= now),
            // An interval too large to represent never comes due.
            Err(_) => false,
        },
    };
    interval_passed && may_attempt(state, now)
}

/// The wait after `consecutive_failures` failures in a row (1 for the first): `base` doubled per
/// further failure, capped at `max`, then shortened by up to `JITTER_SHARE` of itself.
/// `jitter` is in `[0, 1)`; values outside are clamped.
pub fn backoff_delay(
    base: Duration,
    max: Duration,
    consecutive_failures: u32,
    jitter: f64,
) -> Duration {
    let doublings = consecutive_failures.saturating_sub(1).min(63);
    let factor = 1u64 << doublings;
    let uncapped = u32::try_from(factor)
        .ok()
        .and_then(|f| base.checked_mul(f))
        .unwrap_or(max);
    let capped = uncapped.min(max);
    let jitter = if jitter.is_finite() {
        jitter.clamp(0.0, 1.0)
    } else {
        0.0
    };
    capped.mul_f64(1.0 - JITTER_SHARE * jitter)
}

/// When a failed source may be tried again: the server's Retry-After when it gave one (it
/// knows best), else the backoff.
pub fn next_attempt_after(
    now: DateTime<Utc>,
    retry_after: Option<Duration>,
    base: Duration,
    max: Duration,
    consecutive_failures: u32,
    jitter: f64,
) -> DateTime<Utc> {
    let wait =
        retry_after.unwrap_or_else(|| backoff_delay(base, max, consecutive_failures, jitter));
    chrono::Duration::from_std(wait)
        .ok()
        .and_then(|wait| now.checked_add_signed(wait))
        .unwrap_or(now)
}

/// A jitter value in `[0, 1)`. Std's `RandomState` is seeded randomly per process and per
/// call, which is all the randomness jitter needs (no extra dependency).
pub fn random_jitter() -> f64 {
    let bits = std::collections::hash_map::RandomState::new()
        .build_hasher()
        .finish();
    (bits >> 11) as f64 / (1u64 << 53) as f64
}

/// How often the task looks for sources whose interval has passed: often enough that a due
/// source is not left waiting long, never more often than the interval itself.
pub fn due_check_period(interval: Duration) -> Duration {
    const LONGEST_CHECK: Duration = Duration::from_secs(60);
    const SHORTEST_CHECK: Duration = Duration::from_millis(50);
    interval.min(LONGEST_CHECK).max(SHORTEST_CHECK)
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    fn at(hour: u32, minute: u32) -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2025, 4, 30, hour, minute, 0).unwrap()
    }

    const MIN: Duration = Duration::from_secs(60);
    const HOUR: Duration = Duration::from_secs(3600);

    #[test]
    fn a_never_synced_source_is_due() {
        assert!(is_due(&FeedState::default(), at(12, 0), 30 * MIN));
    }

    #[test]
    fn a_source_is_due_once_its_interval_has_passed() {
        let state = FeedState {
            last_attempt: Some(at(11, 30)),
            ..FeedState::default()
        };
        assert!(!is_due(&state, at(11, 59), 30 * MIN));
        assert!(is_due(&state, at(12, 0), 30 * MIN));
        assert!(is_due(&state, at(13, 0), 30 * MIN));
    }

    #[test]
    fn retry_after_holds_a_due_source_back() {
        let state = FeedState {
            last_attempt: Some(at(10, 0)),
            next_attempt_after: Some(at(12, 30)),
            ..FeedState::default()
        };
        assert!(!is_due(&state, at(12, 0), 30 * MIN));
        assert!(!may_attempt(&state, at(12, 0)));
        assert!(may_attempt(&state, at(12, 30)));
        assert!(is_due(&state, at(12, 30), 30 * MIN));
    }

    #[test]
    fn a_huge_interval_never_comes_due_and_does_not_overflow() {
        let state = FeedState {
            last_attempt: Some(at(10, 0)),
            ..FeedState::default()
        };
        assert!(!is_due(&state, at(12, 0), Duration::MAX));
    }

    #[test]
    fn backoff_doubles_per_failure_up_to_the_cap() {
        let table = [
            (0, MIN),
            (1, MIN),
            (2, 2 * MIN),
            (3, 4 * MIN),
            (4, 8 * MIN),
            (9, 4 * HOUR),
        ];
        for (failures, want) in table {
            assert_eq!(
                backoff_delay(MIN, 4 * HOUR, failures, 0.0),
                want,
                "{failures} failures"
            );
        }
    }

    #[test]
    fn backoff_never_overflows() {
        assert_eq!(backoff_delay(MIN, 6 * HOUR, u32::MAX, 0.0), 6 * HOUR);
        assert_eq!(backoff_delay(Duration::MAX, 6 * HOUR, 40, 0.0), 6 * HOUR);
    }

    #[test]
    fn jitter_shortens_the_backoff_by_at_most_a_fifth() {
        assert_eq!(backoff_delay(100 * MIN, 6 * HOUR, 1, 0.5), 90 * MIN);
        let shortest = backoff_delay(100 * MIN, 6 * HOUR, 1, 0.999_999);
        assert!(shortest > 80 * MIN - Duration::from_secs(1) && shortest < 100 * MIN);
        for bad in [-1.0, 7.0, f64::NAN, f64::INFINITY] {
            let delay = backoff_delay(100 * MIN, 6 * HOUR, 1, bad);
            assert!(delay >= 80 * MIN && delay <= 100 * MIN, "{bad}: {delay:?}");
        }
    }

    #[test]
    fn retry_after_overrides_the_backoff() {
        let next = next_attempt_after(at(12, 0), Some(2 * MIN), MIN, HOUR, 5, 0.0);
        assert_eq!(next, at(12, 2));
        let next = next_attempt_after(at(12, 0), None, MIN, HOUR, 3, 0.0);
        assert_eq!(next, at(12, 4));
    }

    #[test]
    fn the_jitter_value_given_is_the_one_applied() {
        // Each jitter value moves the retry by exactly its share of the fifth, no more.
        let now = at(12, 0);
        for (jitter, want_minutes) in [(0.0, 100), (0.25, 95), (0.5, 90), (0.75, 85), (1.0, 80)] {
            let next = next_attempt_after(now, None, 100 * MIN, 6 * HOUR, 1, jitter);
            assert_eq!(
                next,
                now + chrono::Duration::minutes(want_minutes),
                "jitter {jitter}"
            );
        }
    }

    #[test]
    fn sources_that_failed_together_come_back_spread_over_the_jitter_window() {
        // What jitter is for: 200 sources failing at the same moment with jitter drawn from
        // `random_jitter` come back at different times across the whole window, and none
        // before the bound. A constant or narrow random source fails this.
        let now = at(12, 0);
        let retries: Vec<DateTime<Utc>> = (0..200)
            .map(|_| next_attempt_after(now, None, 100 * MIN, 6 * HOUR, 1, random_jitter()))
            .collect();
        let earliest = now + chrono::Duration::minutes(80);
        let latest = now + chrono::Duration::minutes(100);
        assert!(
            retries.iter().all(|&r| r >= earliest && r <= latest),
            "{retries:?}"
        );
        // Every two-minute slot of the twenty-minute window is used (p(miss) < 200 * 0.9^200).
        let mut slots = [0usize; 10];
        for retry in &retries {
            let offset = (*retry - earliest).num_seconds();
            let slot = usize::try_from(offset / 120).unwrap_or(0).min(9);
            slots[slot] += 1;
        }
        assert!(slots.iter().all(|&n| n > 0), "retries bunch up: {slots:?}");
        let distinct: std::collections::BTreeSet<_> = retries.iter().collect();
        assert!(
            distinct.len() > 190,
            "only {} distinct retry times",
            distinct.len()
        );
    }

    #[test]
    fn due_checks_are_at_most_a_minute_apart() {
        assert_eq!(due_check_period(30 * MIN), MIN);
        assert_eq!(
            due_check_period(Duration::from_secs(5)),
            Duration::from_secs(5)
        );
        assert_eq!(due_check_period(Duration::ZERO), Duration::from_millis(50));
    }
}
