//! `paperboat doctor`: checks the paper cache (it opens, its schema version, every value
//! decodes) and the star journal (every line parses, its final state agrees with the cache),
//! and reports in a few lines; `--rebuild` moves the cache aside and rebuilds it from the
//! journal.
//!
//! Doctor opens the store with `Store::open`, not `open_or_recover`: damage is reported, not
//! repaired, until the user asks for `--rebuild`. Like every start, it merges the journal into
//! a readable cache (changes from other machines or a write cut short; cache state the journal
//! lacks) before comparing the two.

use std::path::Path;

use crate::journal::{FinalState, Journal, JournalRead};
use crate::notices;
use crate::store::{self, CheckReport, Store, StoreError, UserCounts};

/// What doctor found: the lines to print, and whether all is well (the exit code).
#[derive(Debug, Clone, Default)]
pub struct Diagnosis {
    pub lines: Vec<String>,
    pub healthy: bool,
}

impl Diagnosis {
    fn say(&mut self, label: &str, text: impl AsRef<str>) {
        let text = crate::text::sanitize_line(text.as_ref());
        self.lines.push(format!("{label:<8} {text}"));
    }

    fn fail(&mut self, label: &str, text: impl AsRef<str>) {
        self.healthy = false;
        self.say(label, text);
    }
}

/// Checks the store and the journal in `dir`. A locked store or one the machine cannot open
/// (permissions, I/O) is an error; damage is a finding.
pub fn diagnose(dir: &Path) -> Result<Diagnosis, StoreError> {
    let mut diagnosis = Diagnosis {
        lines: Vec::new(),
        healthy: true,
    };
    let store = match Store::open(dir) {
        Ok(store) => Some(store),
        Err(error @ (StoreError::Locked(_) | StoreError::Io { .. } | StoreError::Journal(_))) => {
            return Err(error);
        }
        Err(error) => {
            diagnosis.fail("store:", damaged(&error));
            None
        }
    };
    let checked = store.as_ref().and_then(|store| match store.check() {
        Ok(report) => {
            diagnosis.say("store:", describe_store(&report));
            Some(store)
        }
        Err(error @ (StoreError::Locked(_) | StoreError::Io { .. })) => {
            diagnosis.fail("store:", format!("cannot read it: {error}"));
            None
        }
        Err(error) => {
            diagnosis.fail("store:", damaged(&error));
            None
        }
    });
    if let Some(store) = checked {
        match store.merge_journal(true) {
            Ok(merge) => {
                if merge.applied > 0 {
                    diagnosis.say(
                        "journal:",
                        format!(
                            "applied {} pending changes to the cache (other machines, or a \
                             write cut short)",
                            merge.applied
                        ),
                    );
                }
                if merge.journaled > 0 {
                    diagnosis.say(
                        "journal:",
                        format!(
                            "recorded {} stars, read marks or notes the journal lacked",
                            merge.journaled
                        ),
                    );
                }
                for warning in &merge.warnings {
                    diagnosis.fail("journal:", notices::merge_warning(warning));
                }
            }
            Err(error) => diagnosis.fail("journal:", format!("cannot merge it: {error}")),
        }
    }

    let journal = match &store {
        Some(store) => describe_journal(store.journal(), &mut diagnosis),
        None => describe_journal(&Journal::open(dir), &mut diagnosis),
    };
    match (checked, journal) {
        (Some(store), Some(read)) => compare(store, &read.final_state(), &mut diagnosis)?,
        _ => diagnosis.say("agree:", "not compared (see above)"),
    }
    Ok(diagnosis)
}

/// Moves the store aside, rebuilds it from the journal, then checks the result.
pub fn rebuild(dir: &Path) -> Result<Diagnosis, StoreError> {
    let (store, report) = store::rebuild(dir)?;
    drop(store);
    let mut diagnosis = diagnose(dir)?;
    let mut lines: Vec<String> = notices::start_notices(&report)
        .into_iter()
        .map(|notice| format!("{:<8} {}", "rebuilt:", crate::text::sanitize_line(&notice)))
        .collect();
    lines.append(&mut diagnosis.lines);
    diagnosis.lines = lines;
    Ok(diagnosis)
}

fn damaged(error: &StoreError) -> String {
    format!(
        "damaged: {error}; `paperboat doctor --rebuild` moves it aside and rebuilds it from the \
         journal"
    )
}

fn describe_store(report: &CheckReport) -> String {
    format!(
        "ok (schema version {}): {} papers over {} days, {} feeds; {}",
        report.schema_version,
        report.papers,
        report.days,
        report.feeds,
        notices::user_counts(&report.user)
    )
}

fn describe_journal(journal: &Journal, diagnosis: &mut Diagnosis) -> Option<JournalRead> {
    let read = match journal.read() {
        Ok(read) => read,
        Err(error) => {
            diagnosis.fail("journal:", format!("cannot read it: {error}"));
            return None;
        }
    };
    let machine = match journal.machine() {
        Ok(machine) => format!("this machine is {machine}"),
        Err(error) => format!("no machine id ({error})"),
    };
    let others = read.files.iter().filter(|file| !file.own).count();
    let lines: usize = read.files.iter().map(|file| file.lines).sum();
    let (torn, unreadable): (Vec<_>, Vec<_>) = read.skipped.iter().partition(|s| s.torn);
    let files = match read.files.len() {
        1 => "1 file".to_string(),
        n => format!("{n} files"),
    };
    let summary = format!(
        "{} entries in {files} ({others} from other machines), {lines} lines; {machine}",
        read.entries.len(),
    );
    if unreadable.is_empty() {
        diagnosis.say("journal:", format!("ok: {summary}"));
    } else {
        diagnosis.fail(
            "journal:",
            format!(
                "{} unreadable lines (first: {}); {summary}",
                unreadable.len(),
                unreadable[0]
            ),
        );
    }
    for skipped in torn {
        // Expected after a crash or mid-sync; this machine's own is mended at the next change.
        diagnosis.say("journal:", format!("warning: skipped {skipped}"));
    }
    Some(read)
}

fn compare(
    store: &Store,
    journal: &FinalState,
    diagnosis: &mut Diagnosis,
) -> Result<(), StoreError> {
    let states = store.user_states()?;
    let (differ, unjournaled) = store::compare(journal, &states);
    if differ.is_empty() && unjournaled.is_empty() {
        let (starred, read, notes) = journal.counts();
        let counts = UserCounts {
            starred,
            read,
            notes,
        };
        diagnosis.say(
            "agree:",
            format!(
                "yes: the cache and the journal agree on {} papers ({})",
                journal.papers.len(),
                notices::user_counts(&counts)
            ),
        );
        return Ok(());
    }
    if let Some(first) = differ.first() {
        diagnosis.fail(
            "agree:",
            format!(
                "no: {} papers differ from the journal (first: {first}); `paperboat doctor \
                 --rebuild` restores the journal's state",
                differ.len()
            ),
        );
    }
    if let Some(first) = unjournaled.first() {
        diagnosis.fail(
            "agree:",
            format!(
                "no: {} papers have state the journal does not hold (first: {first}): it \
                 could not be recorded (see above)",
                unjournaled.len()
            ),
        );
    }
    Ok(())
}
