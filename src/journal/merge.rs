//! The journal's final state: every entry of every machine merged per paper and per field
//! (star, read, note), the latest change winning.
//!
//! Each field is a last-writer-wins register: its value is the one set by the entry with the
//! greatest (time, machine id, file, line). The order is total and the same on every machine,
//! so two machines reading the same files agree, whatever order the files or lines come in.
//! Fields are independent: starring on one machine and marking read on another keeps both.

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};

use super::{Change, Entry, FieldKind, PaperMeta, Position};
use crate::model::{PaperId, UserState};

/// Where an entry sorts among all others: later wins.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct Stamp {
    pub at: DateTime<Utc>,
    pub machine: String,
    pub file: String,
    pub line: usize,
}

impl Stamp {
    pub fn of(entry: &Entry, position: &Position) -> Stamp {
        Stamp {
            at: entry.at,
            machine: entry.machine.as_str().to_string(),
            file: position.file.clone(),
            line: position.line,
        }
    }
}

/// The winning value of one field and the entry that set it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Field<T> {
    pub value: T,
    pub stamp: Stamp,
}

/// What the journal says about one paper. A field no entry mentions is `None`: the journal
/// has no opinion on it.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PaperFinal {
    pub starred_at: Option<Field<Option<DateTime<Utc>>>>,
    pub read: Option<Field<bool>>,
    pub note: Option<Field<Option<String>>>,
    /// The newest metadata any entry carried (title, day, links).
    pub meta: Option<Field<PaperMeta>>,
}

impl PaperFinal {
    /// `current` with every field the journal mentions replaced by the journal's value.
    pub fn over(&self, current: &UserState) -> UserState {
        UserState {
            starred_at: self
                .starred_at
                .as_ref()
                .map_or(current.starred_at, |f| f.value),
            read: self.read.as_ref().map_or(current.read, |f| f.value),
            note: self
                .note
                .as_ref()
                .map_or_else(|| current.note.clone(), |f| f.value.clone()),
        }
    }

    /// The paper's state as the journal alone has it.
    pub fn state(&self) -> UserState {
        self.over(&UserState::default())
    }

    fn set<T>(slot: &mut Option<Field<T>>, value: T, stamp: &Stamp) {
        if slot.as_ref().is_none_or(|field| field.stamp < *stamp) {
            *slot = Some(Field {
                value,
                stamp: stamp.clone(),
            });
        }
    }

    fn take(&mut self, change: &Change, stamp: &Stamp) {
        match change {
            Change::Star { starred_at } => {
                Self::set(&mut self.starred_at, Some(*starred_at), stamp)
            }
            Change::Unstar => Self::set(&mut self.starred_at, None, stamp),
            Change::Read => Self::set(&mut self.read, true, stamp),
            Change::Unread => Self::set(&mut self.read, false, stamp),
            Change::Note(text) => Self::set(&mut self.note, Some(text.clone()), stamp),
            Change::ClearNote => Self::set(&mut self.note, None, stamp),
        }
    }

    /// True when the journal mentions `field`.
    pub fn mentions(&self, field: FieldKind) -> bool {
        match field {
            FieldKind::Star => self.starred_at.is_some(),
            FieldKind::Read => self.read.is_some(),
            FieldKind::Note => self.note.is_some(),
        }
    }
}

/// Every paper the journal mentions, with its merged state.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct FinalState {
    pub papers: BTreeMap<PaperId, PaperFinal>,
}

impl FinalState {
    /// Merges entries in any order.
    pub fn merge<'a>(entries: impl IntoIterator<Item = &'a (Position, Entry)>) -> FinalState {
        let mut state = FinalState::default();
        for (position, entry) in entries {
            state.add(position, entry);
        }
        state
    }

    /// Merges one more entry.
    pub fn add(&mut self, position: &Position, entry: &Entry) {
        let stamp = Stamp::of(entry, position);
        let paper = self.papers.entry(entry.id.clone()).or_default();
        paper.take(&entry.change, &stamp);
        if let Some(meta) = &entry.meta {
            PaperFinal::set(&mut paper.meta, meta.clone(), &stamp);
        }
    }

    /// Papers starred, read and noted in the journal's final state.
    pub fn counts(&self) -> (usize, usize, usize) {
        let states = self.papers.values().map(PaperFinal::state);
        states.fold((0, 0, 0), |(stars, reads, notes), state| {
            (
                stars + usize::from(state.is_starred()),
                reads + usize::from(state.read),
                notes + usize::from(state.note.is_some()),
            )
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::journal::MachineId;

    fn at(secs: i64) -> DateTime<Utc> {
        DateTime::from_timestamp(secs, 0).unwrap()
    }

    fn entry(machine: &str, secs: i64, paper: &str, change: Change) -> Entry {
        Entry {
            id: PaperId::parse_user(paper).unwrap(),
            at: at(secs),
            machine: MachineId::parse(machine).unwrap(),
            change,
            meta: None,
        }
    }

    fn positioned(entries: Vec<Entry>) -> Vec<(Position, Entry)> {
        entries
            .into_iter()
            .enumerate()
            .map(|(line, entry)| {
                let file = format!("{}.jsonl", entry.machine.as_str());
                (Position { file, line }, entry)
            })
            .collect()
    }

    #[test]
    fn the_latest_change_of_each_field_wins_in_any_order() {
        let star = Change::Star { starred_at: at(10) };
        let mut entries = positioned(vec![
            entry("a", 10, "2504.00001", star.clone()),
            entry("b", 20, "2504.00001", Change::Unstar),
            entry("a", 30, "2504.00001", Change::Read),
            entry("b", 5, "2504.00002", Change::Note("old".into())),
            entry("a", 6, "2504.00002", Change::Note("new".into())),
            entry("b", 7, "2504.00002", star),
        ]);
        let forward = FinalState::merge(&entries);
        entries.reverse();
        assert_eq!(FinalState::merge(&entries), forward);

        let one = forward.papers[&PaperId::parse_user("2504.00001").unwrap()].state();
        assert_eq!(
            one,
            UserState {
                starred_at: None,
                read: true,
                note: None
            }
        );
        let two = forward.papers[&PaperId::parse_user("2504.00002").unwrap()].state();
        assert_eq!(two.note.as_deref(), Some("new"));
        assert!(two.is_starred());
        assert_eq!(forward.counts(), (1, 1, 1));
    }

    #[test]
    fn equal_times_break_ties_by_machine_then_line() {
        let entries = positioned(vec![
            entry("b", 10, "2504.00001", Change::Read),
            entry("a", 10, "2504.00001", Change::Unread),
            entry("a", 10, "2504.00001", Change::Read),
        ]);
        let state =
            FinalState::merge(&entries).papers[&PaperId::parse_user("2504.00001").unwrap()].clone();
        let field = state.read.unwrap();
        assert_eq!(field.stamp.machine, "b", "machine b sorts after a");
        assert!(field.value);
    }

    #[test]
    fn fields_the_journal_never_mentions_keep_the_current_value() {
        let entries = positioned(vec![entry("a", 1, "2504.00001", Change::Read)]);
        let merged = FinalState::merge(&entries);
        let paper = &merged.papers[&PaperId::parse_user("2504.00001").unwrap()];
        let current = UserState {
            starred_at: Some(at(3)),
            read: false,
            note: Some("mine".into()),
        };
        let over = paper.over(&current);
        assert_eq!(over.starred_at, Some(at(3)));
        assert!(over.read);
        assert_eq!(over.note.as_deref(), Some("mine"));
        assert!(paper.mentions(FieldKind::Read));
        assert!(!paper.mentions(FieldKind::Star));
    }
}
