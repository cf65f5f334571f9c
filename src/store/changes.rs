//! Which days each paper write touched, kept in memory by `papers_version`, so the reader can
//! refresh only those days of its catalog instead of rebuilding it (issue #15). Bounded: an
//! asker too far behind, or behind a write that does not say (retention), rebuilds in full.
//!
//! Imports nothing from the crate but the store's own types.

use std::collections::{BTreeSet, VecDeque};

use chrono::NaiveDate;

/// Paper writes remembered; a sync round makes a few per source, so this covers many rounds.
const KEPT: usize = 512;

/// The days each write since some version touched; `None` for a write that did not say.
#[derive(Debug, Default)]
pub(super) struct ChangeLog {
    /// `(version after the write, its days)`, oldest first.
    entries: VecDeque<(u64, Option<BTreeSet<NaiveDate>>)>,
    /// The version before the oldest entry: asking about anything older is answered `None`.
    floor: u64,
}

impl ChangeLog {
    /// Records the write that made `version`.
    pub(super) fn record(&mut self, version: u64, days: Option<BTreeSet<NaiveDate>>) {
        self.entries.push_back((version, days));
        while self.entries.len() > KEPT {
            if let Some((dropped, _)) = self.entries.pop_front() {
                self.floor = dropped;
            }
        }
    }

    /// Every day written since `version` (empty when nothing was), or `None` when the log no
    /// longer reaches back that far or a write since did not name its days.
    pub(super) fn days_since(&self, version: u64) -> Option<BTreeSet<NaiveDate>> {
        if version < self.floor {
            return None;
        }
        let mut days = BTreeSet::new();
        for (_, written) in self.entries.iter().filter(|(at, _)| *at > version) {
            days.extend(written.as_ref()?.iter().copied());
        }
        Some(days)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn day(d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(2025, 6, d).unwrap()
    }

    #[test]
    fn days_are_collected_since_a_version_and_unknown_past_the_log() {
        let mut log = ChangeLog::default();
        log.record(1, Some([day(1)].into()));
        log.record(2, Some([day(2), day(3)].into()));
        assert_eq!(log.days_since(0), Some([day(1), day(2), day(3)].into()));
        assert_eq!(log.days_since(1), Some([day(2), day(3)].into()));
        assert_eq!(log.days_since(2), Some(BTreeSet::new()));
        log.record(3, None);
        assert_eq!(log.days_since(2), None, "retention names no days");
        for version in 4..(KEPT as u64 + 10) {
            log.record(version, Some([day(4)].into()));
        }
        assert_eq!(log.days_since(3), None, "fell out of the log");
        assert_eq!(log.days_since(KEPT as u64), Some([day(4)].into()));
    }
}
