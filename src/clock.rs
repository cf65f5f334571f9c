//! An injectable clock, so dates, "3 min ago", day views and timeouts (the key chord's) are
//! deterministic in tests, and the one way durations are written for people ("90 s", "10 min").
//!
//! A bottom-layer module: it imports nothing from the crate.

use std::sync::OnceLock;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use chrono::{DateTime, NaiveDate, TimeDelta, Utc};

/// The wall clock, a fixed instant, or a clock a test moves by hand.
///
/// `Copy`, since it is passed by value through the sync task, the CLI and the reader.
#[derive(Debug, Clone, Copy)]
pub enum Clock {
    System,
    /// Stands still: timeouts measured on it never expire.
    Fixed(DateTime<Utc>),
    /// Moves only when the test calls [`SteppedClock::advance`].
    Stepped(SteppedClock),
}

impl Clock {
    pub fn now(&self) -> DateTime<Utc> {
        match self {
            Clock::System => Utc::now(),
            Clock::Fixed(at) => *at,
            Clock::Stepped(stepped) => stepped.now(),
        }
    }

    /// Today's date in UTC (the HF daily feed is keyed by UTC dates).
    pub fn today(&self) -> NaiveDate {
        self.now().date_naive()
    }

    /// Time since an arbitrary fixed origin that never goes backwards, for timeouts: the
    /// difference of two readings is how long passed between them. `System` reads the
    /// monotonic clock (not the wall clock, which may be set back while a chord is pending).
    pub fn monotonic(&self) -> Duration {
        match self {
            Clock::System => {
                static ORIGIN: OnceLock<Instant> = OnceLock::new();
                ORIGIN.get_or_init(Instant::now).elapsed()
            }
            Clock::Fixed(_) => Duration::ZERO,
            Clock::Stepped(stepped) => stepped.elapsed(),
        }
    }
}

/// A clock for tests that starts at a given instant and moves only when told to; copies share
/// one position, so the test keeps a copy to move the clock the code under test reads.
#[derive(Debug, Clone, Copy)]
pub struct SteppedClock {
    start: DateTime<Utc>,
    /// Nanoseconds moved since `start`. Leaked (8 bytes per clock) so that `Clock` can stay
    /// `Copy`: make one clock per test, not one per step.
    offset_nanos: &'static AtomicU64,
}

impl SteppedClock {
    pub fn new(start: DateTime<Utc>) -> SteppedClock {
        SteppedClock {
            start,
            offset_nanos: Box::leak(Box::new(AtomicU64::new(0))),
        }
    }

    /// Moves the clock (and every copy of it) forward by `by`.
    pub fn advance(&self, by: Duration) {
        let nanos = u64::try_from(by.as_nanos()).unwrap_or(u64::MAX);
        // `fetch_update` with a saturating add: a clock at its end stays there, never wraps.
        let _ = self
            .offset_nanos
            .fetch_update(Ordering::SeqCst, Ordering::SeqCst, |offset| {
                Some(offset.saturating_add(nanos))
            });
    }

    /// How far the clock has moved since it was made.
    pub fn elapsed(&self) -> Duration {
        Duration::from_nanos(self.offset_nanos.load(Ordering::SeqCst))
    }

    pub fn now(&self) -> DateTime<Utc> {
        TimeDelta::from_std(self.elapsed())
            .ok()
            .and_then(|offset| self.start.checked_add_signed(offset))
            .unwrap_or(DateTime::<Utc>::MAX_UTC)
    }

    /// This clock as a [`Clock`] to hand to the code under test.
    pub fn clock(&self) -> Clock {
        Clock::Stepped(*self)
    }
}

/// "90 s", "2 min", "3 h": for messages.
pub fn human_duration(duration: Duration) -> String {
    let secs = duration.as_secs();
    if secs < 120 {
        let millis = duration.as_millis();
        if secs == 0 && millis > 0 {
            format!("{millis} ms")
        } else {
            format!("{secs} s")
        }
    } else if secs < 2 * 60 * 60 {
        format!("{} min", secs / 60)
    } else {
        format!("{} h", secs / 3600)
    }
}

#[cfg(test)]
mod tests {
    use chrono::TimeZone;

    use super::*;

    #[test]
    fn a_stepped_clock_moves_only_when_advanced_and_every_copy_sees_it() {
        let start = Utc.with_ymd_and_hms(2025, 4, 30, 9, 0, 0).unwrap();
        let stepped = SteppedClock::new(start);
        let clock = stepped.clock();
        let before = clock.monotonic();
        assert_eq!(clock.now(), start);

        stepped.advance(Duration::from_millis(1_500));
        assert_eq!(clock.now(), start + TimeDelta::milliseconds(1_500));
        assert_eq!(clock.monotonic() - before, Duration::from_millis(1_500));

        let other = SteppedClock::new(start);
        assert_eq!(other.now(), start, "each clock has its own position");
    }

    #[test]
    fn a_stepped_clock_at_its_end_stays_there() {
        let start = Utc.with_ymd_and_hms(2025, 4, 30, 9, 0, 0).unwrap();
        let stepped = SteppedClock::new(start);
        stepped.advance(Duration::MAX);
        stepped.advance(Duration::from_secs(1));
        assert_eq!(stepped.elapsed(), Duration::from_nanos(u64::MAX));
        let end = TimeDelta::from_std(Duration::from_nanos(u64::MAX)).unwrap();
        assert_eq!(stepped.now(), start + end);
    }

    #[test]
    fn the_system_clock_is_monotonic_and_a_fixed_one_stands_still() {
        let first = Clock::System.monotonic();
        assert!(Clock::System.monotonic() >= first);
        let fixed = Clock::Fixed(Utc.with_ymd_and_hms(2025, 4, 30, 9, 0, 0).unwrap());
        assert_eq!(fixed.monotonic(), Duration::ZERO);
    }

    #[test]
    fn durations_read_well() {
        assert_eq!(human_duration(Duration::from_millis(250)), "250 ms");
        assert_eq!(human_duration(Duration::from_secs(90)), "90 s");
        assert_eq!(human_duration(Duration::from_secs(600)), "10 min");
        assert_eq!(human_duration(Duration::from_secs(6 * 3600)), "6 h");
    }
}
