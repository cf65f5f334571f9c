//! An injectable clock, so dates, "3 min ago" and day views are deterministic in tests.

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
