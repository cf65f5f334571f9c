//! The sentences paperboat says about a start of the store: a cache rebuilt from the journal,
//! other machines' changes merged, journal lines skipped, a merge that could not be done.
//!
//! The store reports what happened as data (`StartReport`, `Recovery`, `Damage`,
//! `UserCounts`, `MergeWarning`); every front end words it here, the same way: the CLI on
//! stderr, `doctor --rebuild` in its report, the reader in its status bar.
//!
//! Layer: beside `sync`, `config` and `doctor`. It may import `store`, `journal` and the bottom
//! layer, never `app`, `ui`, the reader or `cli`.

use crate::store::{Damage, MergeWarning, Recovery, StartReport, UserCounts};

/// Longest damage detail quoted in a notice.
const DETAIL_CHARS: usize = 160;

/// Everything worth telling the user about a start, one line each, most important first.
pub fn start_notices(report: &StartReport) -> Vec<String> {
    let mut notices = Vec::new();
    let merge = &report.merge;
    if let Some(recovery) = &report.recovery {
        notices.push(recovery_notice(recovery));
    } else if merge.applied > 0 {
        let papers = if merge.applied == 1 {
            "paper"
        } else {
            "papers"
        };
        notices.push(format!(
            "journal: brought {} {papers} up to date (changes from other machines or an \
             interrupted write)",
            merge.applied
        ));
    }
    if let Some(first) = merge.skipped.first() {
        let more = merge.skipped.len() - 1;
        let more = if more > 0 {
            format!(" (and {more} more; see paperboat doctor)")
        } else {
            String::new()
        };
        notices.push(format!("journal: skipped {first}{more}"));
    }
    notices.extend(merge.warnings.iter().map(merge_warning));
    notices
}

/// The one line for the reader's status bar.
pub fn start_notice(report: &StartReport) -> Option<String> {
    start_notices(report).into_iter().next()
}

/// "journal not merged: …": a merge that could not be done in full.
pub fn merge_warning(warning: &MergeWarning) -> String {
    match warning {
        MergeWarning::NotMerged(detail) => format!("journal not merged: {detail}"),
        MergeWarning::NotRecorded(detail) => {
            format!("journal: cannot record existing state: {detail}")
        }
    }
}

/// "2 stars, 1 read mark" (what is zero is left out).
pub fn user_counts(counts: &UserCounts) -> String {
    let parts: Vec<String> = [
        (counts.starred, "star", "stars"),
        (counts.read, "read mark", "read marks"),
        (counts.notes, "note", "notes"),
    ]
    .into_iter()
    .filter(|(n, _, _)| *n > 0)
    .map(|(n, one, many)| format!("{n} {}", if n == 1 { one } else { many }))
    .collect();
    if parts.is_empty() {
        "no stars, read marks or notes".to_string()
    } else {
        parts.join(", ")
    }
}

/// One line, what happened first (the reader's status bar may show only its start).
fn recovery_notice(recovery: &Recovery) -> String {
    let restored = format!(
        "restored {} from the journal; papers return with the next sync",
        user_counts(&recovery.restored)
    );
    let moved = recovery
        .moved_to
        .as_ref()
        .map(|to| format!("; the old one is in {}", to.display()))
        .unwrap_or_default();
    let line = match &recovery.damage {
        Damage::Missing => format!("paper cache missing: {restored}{moved}"),
        Damage::Corrupt(detail) => {
            let detail = crate::text::fit(&crate::text::sanitize_line(detail), DETAIL_CHARS);
            format!("paper cache damaged: {restored}{moved} ({detail})")
        }
        Damage::UnknownVersion { found, supported } => format!(
            "paper cache from a newer paperboat (schema {found}, this one reads up to \
             {supported}): {restored}{moved}"
        ),
        Damage::Requested => format!("paper cache rebuilt: {restored}{moved}"),
    };
    crate::text::sanitize_line(&line)
}

#[cfg(test)]
mod tests {
    use std::path::PathBuf;

    use super::*;
    use crate::store::MergeReport;

    fn counts(starred: usize, read: usize, notes: usize) -> UserCounts {
        UserCounts {
            starred,
            read,
            notes,
        }
    }

    #[test]
    fn counts_leave_out_zeros_and_agree_in_number() {
        assert_eq!(
            user_counts(&counts(0, 0, 0)),
            "no stars, read marks or notes"
        );
        assert_eq!(user_counts(&counts(1, 0, 0)), "1 star");
        assert_eq!(
            user_counts(&counts(2, 1, 3)),
            "2 stars, 1 read mark, 3 notes"
        );
    }

    #[test]
    fn a_recovery_comes_first_and_names_where_the_old_cache_went() {
        let report = StartReport {
            recovery: Some(Recovery {
                damage: Damage::Corrupt("bad\nchunk".to_string()),
                moved_to: Some(PathBuf::from("data/damaged-x")),
                restored: counts(2, 0, 1),
            }),
            merge: MergeReport {
                warnings: vec![MergeWarning::NotRecorded("read-only".to_string())],
                ..MergeReport::default()
            },
        };
        let notices = start_notices(&report);
        assert_eq!(
            notices,
            vec![
                "paper cache damaged: restored 2 stars, 1 note from the journal; papers return \
                 with the next sync; the old one is in data/damaged-x (bad chunk)"
                    .to_string(),
                "journal: cannot record existing state: read-only".to_string(),
            ]
        );
        assert_eq!(start_notice(&report), notices.first().cloned());
    }

    #[test]
    fn a_long_damage_detail_is_cut() {
        let recovery = Recovery {
            damage: Damage::Corrupt("x".repeat(500)),
            moved_to: None,
            restored: UserCounts::default(),
        };
        let notice = recovery_notice(&recovery);
        assert!(notice.ends_with("…)"), "{notice}");
        assert!(notice.chars().count() < 300, "{notice}");
    }

    #[test]
    fn merged_papers_are_counted_in_words() {
        let report = StartReport {
            recovery: None,
            merge: MergeReport {
                applied: 1,
                ..MergeReport::default()
            },
        };
        assert_eq!(
            start_notice(&report).as_deref(),
            Some(
                "journal: brought 1 paper up to date (changes from other machines or an \
                 interrupted write)"
            )
        );
    }
}
