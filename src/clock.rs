//! An injectable clock, so dates, "3 min ago" and day views are deterministic in tests, and the
//! one way durations are written for people ("90 s", "10 min").
//!
//! A bottom-layer module: it imports nothing from the crate.

use std::time::Duration;

use chrono::{DateTime, NaiveDate, Utc};

/// The wall clock, or a fixed instant in tests.
#[derive(Debug, Clone, Copy)]
pub enum Clock {
    System,
    Fixed(DateTime<Utc>),
}

impl Clock {
    pub fn now(&self) -> DateTime<Utc> {
        match self {
            Clock::System => Utc::now(),
            Clock::Fixed(at) => *at,
        }
    }

    /// Today's date in UTC (the HF daily feed is keyed by UTC dates).
    pub fn today(&self) -> NaiveDate {
        self.now().date_naive()
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
    use super::*;

    #[test]
    fn durations_read_well() {
        assert_eq!(human_duration(Duration::from_millis(250)), "250 ms");
        assert_eq!(human_duration(Duration::from_secs(90)), "90 s");
        assert_eq!(human_duration(Duration::from_secs(600)), "10 min");
        assert_eq!(human_duration(Duration::from_secs(6 * 3600)), "6 h");
    }
}
