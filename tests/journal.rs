//! The star journal end to end: every change journaled; a deleted, damaged or newer store moved
//! aside and rebuilt from the journal; two machines' journals merged (last change wins);
//! compaction; torn lines; `paperboat doctor`; and a full disk or unwritable journal (nothing
//! half-written, the reader and the CLI still show what they have).

use std::collections::HashMap;
use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::process::Output;

use assert_cmd::Command;
use chrono::{DateTime, NaiveDate, TimeZone, Utc};
use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use paperboat::app::catalog::first_catalog;
use paperboat::app::{App, Msg};
use paperboat::journal::{Change, JOURNAL_DIR, Journal, MACHINE_ID_FILE};
use paperboat::keymap::Keymap;
use paperboat::model::{Paper, PaperId, SourceId, UserState};
use paperboat::notices;
use paperboat::reader::{EffectRunner, Reader};
use paperboat::store::{Damage, Store, open_or_recover};
use paperboat::ui::Theme;
use ratatui::Terminal;
use ratatui::backend::TestBackend;
use tempfile::TempDir;

/// Opens a sled Db directly, waiting (bounded) for a store dropped a moment ago to let go of
/// sled's lock: its flusher thread releases it just after the drop returns.
fn raw_open(path: std::path::PathBuf) -> sled::Db {
    for _ in 0..150 {
        match sled::open(&path) {
            Ok(db) => return db,
            Err(error) if error.to_string().contains("could not acquire lock") => {
                std::thread::sleep(std::time::Duration::from_millis(10));
            }
            Err(error) => panic!("cannot open {}: {error}", path.display()),
        }
    }
    panic!("{} stayed locked", path.display());
}

fn day() -> NaiveDate {
    NaiveDate::from_ymd_opt(2026, 7, 13).unwrap()
}

fn at(secs: i64) -> DateTime<Utc> {
    DateTime::from_timestamp(1_780_000_000 + secs, 0).unwrap()
}

fn id(text: &str) -> PaperId {
    PaperId::parse_user(text).unwrap()
}

fn paper(paper_id: &str) -> Paper {
    let mut paper = Paper::new(id(paper_id), format!("Title of {paper_id}"), SourceId::hf());
    paper.daily_date = Some(day());
    paper.abstract_text = format!("The abstract of {paper_id}.");
    paper.links.abs = Some(format!("https://arxiv.org/abs/{paper_id}"));
    paper.links.pdf = Some(format!("https://arxiv.org/pdf/{paper_id}"));
    paper
}

/// A data dir whose machine id is `machine`.
fn data_dir(machine: &str) -> TempDir {
    let dir = TempDir::new().unwrap();
    std::fs::write(dir.path().join(MACHINE_ID_FILE), format!("{machine}\n")).unwrap();
    dir
}

fn journal_file(dir: &Path, machine: &str) -> PathBuf {
    dir.join(JOURNAL_DIR).join(format!("{machine}.jsonl"))
}

fn journal_lines(dir: &Path, machine: &str) -> Vec<serde_json::Value> {
    std::fs::read_to_string(journal_file(dir, machine))
        .unwrap()
        .lines()
        .map(|line| serde_json::from_str(line).unwrap())
        .collect()
}

/// A store with three cached papers, one of each kind of state, and a star on a paper that
/// is not cached yet.
fn seeded(dir: &Path) -> HashMap<PaperId, UserState> {
    let store = Store::open(dir).unwrap();
    store
        .apply(
            vec![
                paper("2607.00001"),
                paper("2607.00002"),
                paper("2607.00003"),
            ],
            day(),
        )
        .unwrap();
    store.set_starred(&id("2607.00001"), true, at(1)).unwrap();
    store.set_read(&id("2607.00001"), true).unwrap();
    store.set_read(&id("2607.00002"), true).unwrap();
    store
        .set_note(
            &id("2607.00003"),
            Some("read §3 again\nand the appendix".into()),
        )
        .unwrap();
    store.set_starred(&id("2607.09999"), true, at(2)).unwrap();
    store.user_states().unwrap()
}

fn damaged_dirs(dir: &Path) -> Vec<PathBuf> {
    let mut found: Vec<PathBuf> = std::fs::read_dir(dir)
        .unwrap()
        .map(|entry| entry.unwrap().path())
        .filter(|path| {
            path.file_name()
                .is_some_and(|name| name.to_string_lossy().starts_with("damaged-"))
        })
        .collect();
    found.sort();
    found
}

#[test]
fn the_journal_records_every_change_type_with_the_papers_title_and_links() {
    let dir = data_dir("alpha");
    let store = Store::open(dir.path()).unwrap();
    store.apply(vec![paper("2607.00001")], day()).unwrap();
    let cached = id("2607.00001");
    store.set_starred(&cached, true, at(1)).unwrap();
    store.set_starred(&cached, false, at(2)).unwrap();
    store.set_read_at(&cached, true, at(3)).unwrap();
    store.set_read_at(&cached, false, at(4)).unwrap();
    store
        .set_note_at(&cached, Some("a note".into()), at(5))
        .unwrap();
    store.set_note_at(&cached, None, at(6)).unwrap();
    store.set_starred(&id("2607.09999"), true, at(7)).unwrap();

    let lines = journal_lines(dir.path(), "alpha");
    let changes: Vec<&str> = lines
        .iter()
        .map(|l| l["change"].as_str().unwrap())
        .collect();
    assert_eq!(
        changes,
        [
            "star",
            "unstar",
            "read",
            "unread",
            "note",
            "clear_note",
            "star"
        ]
    );
    for line in &lines[..6] {
        assert_eq!(line["id"], "2607.00001");
        assert_eq!(line["machine"], "alpha");
        assert_eq!(line["title"], "Title of 2607.00001");
        assert_eq!(line["abs"], "https://arxiv.org/abs/2607.00001");
        assert_eq!(line["pdf"], "https://arxiv.org/pdf/2607.00001");
        assert_eq!(line["day"], "2026-07-13");
    }
    assert_eq!(
        lines[0]["at"], "2026-05-28T20:26:41.000Z",
        "UTC, milliseconds"
    );
    assert_eq!(lines[4]["note"], "a note");
    // Not cached yet: the id alone.
    assert_eq!(lines[6]["id"], "2607.09999");
    assert!(lines[6].get("title").is_none());
}

#[test]
fn a_deleted_store_is_rebuilt_from_the_journal_with_every_star_read_flag_and_note() {
    let dir = data_dir("alpha");
    let before = seeded(dir.path());
    std::fs::remove_dir_all(dir.path().join("list")).unwrap();
    std::fs::remove_dir_all(dir.path().join("body")).unwrap();

    let (store, report) = open_or_recover(dir.path()).unwrap();
    let recovery = report.recovery.clone().expect("a recovery");
    assert_eq!(recovery.damage, Damage::Missing);
    assert_eq!(recovery.restored.starred, 2);
    assert_eq!(recovery.restored.read, 2);
    assert_eq!(recovery.restored.notes, 1);
    let notice = notices::start_notice(&report).unwrap();
    assert!(
        notice.contains("restored 2 stars, 2 read marks, 1 note"),
        "{notice}"
    );
    assert!(!notice.contains('\n'));
    assert_eq!(store.user_states().unwrap(), before);

    // Starred and noted papers are listed from the journal before any sync.
    let rows = store.all_rows().unwrap();
    let titles: Vec<&str> = rows.iter().map(|row| row.title()).collect();
    assert!(titles.contains(&"Title of 2607.00001"), "{titles:?}");
    assert!(titles.contains(&"Title of 2607.00003"), "{titles:?}");
    let listed = store.paper(&id("2607.00001")).unwrap().unwrap();
    assert_eq!(
        listed.links.abs.as_deref(),
        Some("https://arxiv.org/abs/2607.00001")
    );

    // The star set before the paper was ever cached shows once a sync brings it, and a
    // retention sweep keeps it.
    store.apply(vec![paper("2607.09999")], day()).unwrap();
    assert!(store.user_state(&id("2607.09999")).unwrap().is_starred());
    let later = day().checked_add_days(chrono::Days::new(400)).unwrap();
    store.apply_retention(30, later).unwrap();
    assert!(store.paper(&id("2607.09999")).unwrap().is_some());
    drop(store);

    // The next start has nothing to say.
    let (store, report) = open_or_recover(dir.path()).unwrap();
    assert!(report.recovery.is_none());
    assert!(
        notices::start_notices(&report).is_empty(),
        "{:?}",
        notices::start_notices(&report)
    );
    assert!(
        !report.merge.ran,
        "unchanged journal files are not read again"
    );
    assert_eq!(store.user_states().unwrap(), before);
}

#[test]
fn garbage_in_a_user_value_moves_the_store_aside_and_rebuilds_it() {
    let dir = data_dir("alpha");
    let before = seeded(dir.path());
    {
        let db = raw_open(dir.path().join("list"));
        let user = db.open_tree("user").unwrap();
        let (key, _) = user.first().unwrap().unwrap();
        user.insert(key, &[9u8, 9, 9][..]).unwrap();
        db.flush().unwrap();
    }
    let (store, report) = open_or_recover(dir.path()).unwrap();
    let recovery = report.recovery.unwrap();
    assert!(
        matches!(&recovery.damage, Damage::Corrupt(detail) if detail.contains("user bucket")),
        "{recovery:?}"
    );
    let moved = recovery.moved_to.unwrap();
    assert!(moved.join("list").is_dir(), "the damaged store is kept");
    assert!(moved.join("body").is_dir());
    assert_eq!(damaged_dirs(dir.path()), [moved]);
    assert_eq!(store.user_states().unwrap(), before);
}

#[test]
fn garbage_in_a_rows_value_moves_the_store_aside_and_rebuilds_it() {
    let dir = data_dir("alpha");
    let before = seeded(dir.path());
    {
        let db = raw_open(dir.path().join("list"));
        let rows = db.open_tree("rows").unwrap();
        let (key, _) = rows.last().unwrap().unwrap();
        rows.insert(key, &[1u8, 0xff, 0xff][..]).unwrap();
        db.flush().unwrap();
    }
    let (store, report) = open_or_recover(dir.path()).unwrap();
    assert!(matches!(
        report.recovery.unwrap().damage,
        Damage::Corrupt(_)
    ));
    assert_eq!(damaged_dirs(dir.path()).len(), 1);
    assert_eq!(store.user_states().unwrap(), before);
}

#[test]
fn a_garbled_sled_file_is_moved_aside_and_rebuilt() {
    let dir = data_dir("alpha");
    let before = seeded(dir.path());
    let db_file = dir.path().join("list").join("db");
    let mut bytes = std::fs::read(&db_file).unwrap();
    for byte in bytes.iter_mut().step_by(7) {
        *byte ^= 0x5a;
    }
    std::fs::write(&db_file, bytes).unwrap();

    let (store, report) = open_or_recover(dir.path()).unwrap();
    let recovery = report.recovery.unwrap();
    assert!(
        matches!(recovery.damage, Damage::Corrupt(_)),
        "{recovery:?}"
    );
    let moved = recovery.moved_to.unwrap();
    assert!(
        moved.join("list").join("db").is_file(),
        "the damaged file is kept"
    );
    assert_eq!(store.user_states().unwrap(), before);
}

#[test]
fn a_garbled_sled_config_is_moved_aside_and_rebuilt() {
    let dir = data_dir("alpha");
    let before = seeded(dir.path());
    std::fs::write(dir.path().join("list").join("conf"), b"garbage\xff\xfe").unwrap();
    let (store, report) = open_or_recover(dir.path()).unwrap();
    assert!(matches!(
        report.recovery.unwrap().damage,
        Damage::Corrupt(_)
    ));
    assert_eq!(damaged_dirs(dir.path()).len(), 1);
    assert_eq!(store.user_states().unwrap(), before);
}

/// sled reads a truncated log as a crash at an earlier moment: it opens, without the tail.
/// That is not detectable as damage, but the journal puts back everything it lost.
#[test]
fn a_truncated_sled_file_loses_nothing_the_journal_holds() {
    let dir = data_dir("alpha");
    let before = {
        let store = Store::open(dir.path()).unwrap();
        for n in 0..300 {
            let paper_id = id(&format!("2607.{n:05}"));
            store.set_starred(&paper_id, n % 2 == 0, at(n)).unwrap();
            store.set_read(&paper_id, true).unwrap();
        }
        store.user_states().unwrap()
    };
    let db_file = dir.path().join("list").join("db");
    let len = std::fs::metadata(&db_file).unwrap().len();
    let file = std::fs::OpenOptions::new()
        .write(true)
        .open(&db_file)
        .unwrap();
    file.set_len(len / 2).unwrap();
    drop(file);

    let (store, _report) = open_or_recover(dir.path()).unwrap();
    assert_eq!(store.user_states().unwrap(), before);
}

#[test]
fn a_store_from_a_newer_version_is_moved_aside_and_rebuilt() {
    let dir = data_dir("alpha");
    let before = seeded(dir.path());
    {
        let db = raw_open(dir.path().join("list"));
        let meta = db.open_tree("meta").unwrap();
        meta.insert("schema_version", &1000u32.to_be_bytes())
            .unwrap();
        db.flush().unwrap();
    }
    let (store, report) = open_or_recover(dir.path()).unwrap();
    let recovery = report.recovery.clone().unwrap();
    // A version from the future: this build names its own (6 or later) and rebuilds.
    assert!(
        matches!(
            recovery.damage,
            Damage::UnknownVersion { found: 1000, supported } if (6..1000).contains(&supported)
        ),
        "{:?}",
        recovery.damage
    );
    assert!(
        notices::start_notice(&report)
            .unwrap()
            .contains("newer paperboat")
    );
    assert!(recovery.moved_to.unwrap().join("list").is_dir());
    assert_eq!(store.user_states().unwrap(), before);
}

#[test]
fn a_locked_store_is_an_error_and_is_not_moved() {
    let dir = data_dir("alpha");
    let store = Store::open(dir.path()).unwrap();
    assert!(open_or_recover(dir.path()).is_err());
    assert!(damaged_dirs(dir.path()).is_empty());
    drop(store);
}

/// Two machines edit apart, at interleaved times, then exchange their journal files the way
/// Syncthing does (each file replaced by the other machine's version).
#[test]
fn two_journals_edited_apart_merge_to_the_last_change() {
    let alpha = data_dir("alpha");
    let beta = data_dir("beta");
    let (p1, p2, p3, p4, p5, p6) = (
        id("2607.00001"),
        id("2607.00002"),
        id("2607.00003"),
        id("2607.00004"),
        id("2607.00005"),
        id("2607.00006"),
    );
    {
        // Each machine's own changes in its own time order.
        let a = Store::open(alpha.path()).unwrap();
        a.set_note_at(&p4, Some("from alpha".into()), at(100))
            .unwrap();
        a.set_note_at(&p5, None, at(300)).unwrap();
        a.set_starred(&p1, true, at(1_000)).unwrap();
        a.set_read_at(&p3, true, at(1_000)).unwrap();
        a.set_read_at(&p3, true, at(1_700)).unwrap();
        a.set_starred(&p2, false, at(2_500)).unwrap();

        let b = Store::open(beta.path()).unwrap();
        b.apply(vec![paper("2607.00006")], day()).unwrap();
        b.set_note_at(&p4, Some("from beta".into()), at(200))
            .unwrap();
        b.set_note_at(&p5, Some("beta's".into()), at(250)).unwrap();
        b.set_read_at(&p3, false, at(1_500)).unwrap();
        b.set_starred(&p1, false, at(2_000)).unwrap();
        b.set_starred(&p2, true, at(3_000)).unwrap();
        b.set_starred(&p6, true, at(3_100)).unwrap();
    }
    let exchange = || {
        std::fs::copy(
            journal_file(alpha.path(), "alpha"),
            journal_file(beta.path(), "alpha"),
        )
        .unwrap();
        std::fs::copy(
            journal_file(beta.path(), "beta"),
            journal_file(alpha.path(), "beta"),
        )
        .unwrap();
    };
    exchange();

    let (a, report) = open_or_recover(alpha.path()).unwrap();
    assert!(report.merge.applied > 0);
    let (b, _) = open_or_recover(beta.path()).unwrap();
    let on_alpha = a.user_states().unwrap();
    assert_eq!(on_alpha, b.user_states().unwrap(), "both machines agree");
    let state = |id: &PaperId| on_alpha.get(id).cloned().unwrap_or_default();
    assert!(!state(&p1).is_starred(), "beta's later unstar wins");
    assert_eq!(
        state(&p2).starred_at,
        Some(at(3_000)),
        "beta's later star wins"
    );
    assert!(
        state(&p3).read,
        "alpha's read at 1700 beats beta's unread at 1500"
    );
    assert_eq!(state(&p4).note.as_deref(), Some("from beta"));
    assert_eq!(state(&p5).note, None, "alpha's later clear wins");
    assert!(state(&p6).is_starred());
    // Alpha never cached p6; it lists it from the title beta's journal kept.
    assert_eq!(
        a.paper(&p6).unwrap().map(|paper| paper.title),
        Some("Title of 2607.00006".to_string())
    );

    // Later: alpha unstars p6; beta gets alpha's new file and follows.
    a.set_starred(&p6, false, at(4_000)).unwrap();
    drop((a, b));
    exchange();
    let (b, report) = open_or_recover(beta.path()).unwrap();
    assert_eq!(report.merge.applied, 1);
    assert!(!b.user_state(&p6).unwrap().is_starred());
    let (a, report) = open_or_recover(alpha.path()).unwrap();
    assert_eq!(report.merge.applied, 0);
    assert_eq!(a.user_states().unwrap(), b.user_states().unwrap());

    // git with a union merge: one file holding both machines' lines, in any order.
    let gamma = data_dir("gamma");
    let mut lines: Vec<String> = [
        journal_file(alpha.path(), "alpha"),
        journal_file(beta.path(), "beta"),
    ]
    .iter()
    .flat_map(|path| {
        std::fs::read_to_string(path)
            .unwrap()
            .lines()
            .map(str::to_string)
            .collect::<Vec<_>>()
    })
    .collect();
    lines.reverse();
    std::fs::create_dir(gamma.path().join(JOURNAL_DIR)).unwrap();
    std::fs::write(
        gamma.path().join(JOURNAL_DIR).join("shared.jsonl"),
        lines.join("\n") + "\n",
    )
    .unwrap();
    let (c, _) = open_or_recover(gamma.path()).unwrap();
    assert_eq!(c.user_states().unwrap(), a.user_states().unwrap());
}

#[test]
fn state_from_before_the_journal_is_journaled_and_never_beats_a_newer_change() {
    let alpha = data_dir("alpha");
    {
        let store = Store::open(alpha.path()).unwrap();
        store.set_starred(&id("2607.00001"), true, at(10)).unwrap();
        store.set_starred(&id("2607.00002"), true, at(10)).unwrap();
        store.set_read(&id("2607.00003"), true).unwrap();
    }
    // As if the store predated the journal: this machine's file is gone.
    std::fs::remove_file(journal_file(alpha.path(), "alpha")).unwrap();
    // Another machine unstarred one paper after the star, the other before it.
    let beta = data_dir("beta");
    let journal = Journal::open(beta.path());
    journal
        .append(&id("2607.00001"), at(20), Change::Unstar, None)
        .unwrap();
    journal
        .append_backdated(vec![(id("2607.00002"), at(5), Change::Unstar, None)])
        .unwrap();
    std::fs::copy(
        journal_file(beta.path(), "beta"),
        journal_file(alpha.path(), "beta"),
    )
    .unwrap();

    let (store, report) = open_or_recover(alpha.path()).unwrap();
    assert_eq!(
        report.merge.journaled, 2,
        "the star of 2607.00002 and the read flag"
    );
    assert!(!store.user_state(&id("2607.00001")).unwrap().is_starred());
    assert!(store.user_state(&id("2607.00002")).unwrap().is_starred());
    assert!(store.user_state(&id("2607.00003")).unwrap().read);
    let own = journal_lines(alpha.path(), "alpha");
    assert_eq!(own.len(), 2, "{own:?}");
}

#[test]
fn compaction_keeps_the_final_state_and_shrinks_the_file() {
    let dir = data_dir("alpha");
    let store = Store::open(dir.path()).unwrap();
    // 10,000 lines on 1,000 papers: star, read, unstar, note, unread.
    let mut changes = Vec::new();
    for n in 0..1_000 {
        let paper_id = id(&format!("2607.{n:05}"));
        let base = i64::from(n) * 10;
        for (offset, change) in [
            Change::Star {
                starred_at: at(base),
            },
            Change::Read,
            Change::Unstar,
            Change::Note(format!("note {n}")),
            Change::Unread,
            Change::Star {
                starred_at: at(base + 5),
            },
            Change::Read,
            Change::ClearNote,
            Change::Note(format!("final note {n}")),
            Change::Read,
        ]
        .into_iter()
        .enumerate()
        {
            let offset = i64::try_from(offset).unwrap();
            changes.push((paper_id.clone(), at(base + offset), change, None));
        }
    }
    store.journal().append_all(changes).unwrap();
    let path = journal_file(dir.path(), "alpha");
    let bytes_before = std::fs::metadata(&path).unwrap().len();
    let expected = {
        let read = store.journal().read().unwrap();
        assert_eq!(read.files[0].lines, 10_000);
        read.final_state()
            .papers
            .iter()
            .map(|(id, paper)| (id.clone(), paper.state()))
            .collect::<HashMap<_, _>>()
    };

    // The 10,001st line passes the threshold.
    store.set_read(&id("2607.00000"), true).unwrap();
    let lines_after = std::fs::read_to_string(&path).unwrap().lines().count();
    let bytes_after = std::fs::metadata(&path).unwrap().len();
    assert_eq!(lines_after, 3_000, "one line per paper and field");
    assert!(
        bytes_after * 3 < bytes_before,
        "{bytes_before} → {bytes_after}"
    );
    drop(store);

    let (store, report) = open_or_recover(dir.path()).unwrap();
    assert!(report.merge.skipped.is_empty());
    assert_eq!(store.user_states().unwrap(), expected);
}

#[test]
fn a_torn_last_line_is_skipped_with_a_warning_not_fatal() {
    let alpha = data_dir("alpha");
    let beta = data_dir("beta");
    let journal = Journal::open(beta.path());
    journal
        .append(
            &id("2607.00001"),
            at(1),
            Change::Star { starred_at: at(1) },
            None,
        )
        .unwrap();
    journal
        .append(&id("2607.00002"), at(2), Change::Read, None)
        .unwrap();
    let text = std::fs::read_to_string(journal_file(beta.path(), "beta")).unwrap();
    // beta's file as a sync caught it mid-write: the second line cut in half.
    let torn = &text[..text.len() - 30];
    std::fs::create_dir(alpha.path().join(JOURNAL_DIR)).unwrap();
    std::fs::write(journal_file(alpha.path(), "beta"), torn).unwrap();

    let (store, report) = open_or_recover(alpha.path()).unwrap();
    assert!(store.user_state(&id("2607.00001")).unwrap().is_starred());
    assert_eq!(report.merge.skipped.len(), 1);
    assert!(report.merge.skipped[0].torn);
    let notices = notices::start_notices(&report).join("\n");
    assert!(notices.contains("beta.jsonl line 2"), "{notices}");
    assert!(notices.contains("unfinished last line"), "{notices}");
    drop(store);

    // The rest of the file arrives.
    std::fs::write(journal_file(alpha.path(), "beta"), &text).unwrap();
    let (store, report) = open_or_recover(alpha.path()).unwrap();
    assert!(report.merge.skipped.is_empty());
    assert!(store.user_state(&id("2607.00002")).unwrap().read);
}

#[test]
fn an_unreadable_journal_is_a_warning_and_the_cache_still_opens() {
    let dir = data_dir("alpha");
    let before = seeded(dir.path());
    let journal = dir.path().join(JOURNAL_DIR);
    std::fs::rename(&journal, dir.path().join("journal.saved")).unwrap();
    // A file where the directory should be: unreadable as a directory, even as root.
    std::fs::write(&journal, b"not a directory").unwrap();

    let (store, report) = open_or_recover(dir.path()).unwrap();
    assert!(report.recovery.is_none());
    let notices = notices::start_notices(&report);
    assert_eq!(notices.len(), 1, "{notices:?}");
    assert!(notices[0].starts_with("journal not merged: cannot read the journal"));
    assert_eq!(store.user_states().unwrap(), before);
    let error = store
        .set_starred(&id("2607.00002"), true, at(9))
        .unwrap_err();
    assert!(
        error.to_string().contains("cannot write the journal"),
        "{error}"
    );
    assert!(!store.user_state(&id("2607.00002")).unwrap().is_starred());
}

// ---------------------------------------------------------------- the binary

fn bin() -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_paperboat"));
    command.env_clear().env("HOME", std::env::temp_dir());
    command
}

fn run(dir: &Path, args: &[&str]) -> Output {
    let home = dir.join("home");
    bin()
        .env("HOME", &home)
        .env("XDG_CONFIG_HOME", home.join("config"))
        .env("XDG_STATE_HOME", home.join("state"))
        .arg("--data-dir")
        .arg(dir)
        .args(args)
        .output()
        .unwrap()
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

#[test]
fn doctor_reports_a_healthy_store_and_journal_and_exits_0() {
    let dir = data_dir("alpha");
    seeded(dir.path());
    let output = run(dir.path(), &["doctor"]);
    let stdout = text(&output.stdout);
    assert_eq!(
        output.status.code(),
        Some(0),
        "{stdout}{}",
        text(&output.stderr)
    );
    assert!(
        stdout.contains("store:   ok (schema version ") && stdout.contains("): 3 papers"),
        "{stdout}"
    );
    assert!(stdout.contains("journal: ok: 5 entries"), "{stdout}");
    assert!(stdout.contains("this machine is alpha"), "{stdout}");
    assert!(stdout.contains("agree:   yes"), "{stdout}");
    assert!(stdout.lines().count() <= 4, "{stdout}");
}

#[test]
fn doctor_reports_damage_and_doctor_rebuild_repairs_it() {
    let dir = data_dir("alpha");
    let before = seeded(dir.path());
    {
        let db = raw_open(dir.path().join("body"));
        let (key, _) = db.first().unwrap().unwrap();
        db.insert(key, &[1u8, 2, 3][..]).unwrap();
        db.flush().unwrap();
    }
    let output = run(dir.path(), &["doctor"]);
    let stdout = text(&output.stdout);
    assert_eq!(output.status.code(), Some(1), "{stdout}");
    assert!(stdout.contains("store:   damaged: "), "{stdout}");
    assert!(stdout.contains("paperboat doctor --rebuild"), "{stdout}");
    assert!(stdout.contains("journal: ok"), "{stdout}");
    assert!(
        damaged_dirs(dir.path()).is_empty(),
        "doctor alone moves nothing"
    );

    let output = run(dir.path(), &["doctor", "--rebuild"]);
    let stdout = text(&output.stdout);
    assert_eq!(
        output.status.code(),
        Some(0),
        "{stdout}{}",
        text(&output.stderr)
    );
    assert!(stdout.contains("rebuilt: "), "{stdout}");
    assert!(
        stdout.contains("restored 2 stars, 2 read marks, 1 note"),
        "{stdout}"
    );
    assert!(stdout.contains("store:   ok"), "{stdout}");
    let moved = damaged_dirs(dir.path());
    assert_eq!(moved.len(), 1);
    assert!(moved[0].join("body").is_dir());

    let output = run(dir.path(), &["list", "--starred"]);
    let stdout = text(&output.stdout);
    assert!(output.status.success());
    assert!(
        stdout.contains("2607.00001  Title of 2607.00001"),
        "{stdout}"
    );
    assert_eq!(
        Store::open(dir.path()).unwrap().user_states().unwrap(),
        before
    );
}

#[test]
fn a_command_on_a_damaged_store_says_so_in_one_line_and_carries_on() {
    let dir = data_dir("alpha");
    seeded(dir.path());
    std::fs::write(dir.path().join("list").join("conf"), b"garbage\xff\xfe").unwrap();
    let output = run(dir.path(), &["list", "--starred"]);
    assert!(output.status.success(), "{}", text(&output.stderr));
    let stderr = text(&output.stderr);
    assert_eq!(stderr.lines().count(), 1, "{stderr}");
    assert!(
        stderr.starts_with("paperboat: note: paper cache damaged: restored 2 stars"),
        "{stderr}"
    );
    assert!(stderr.contains("the old one is in"), "{stderr}");
    assert!(text(&output.stdout).contains("Title of 2607.00001"));
}

// ---------------------------------------------------------------- full disk, unwritable

/// The bytes `ulimit -f 1` allows in this shell (512 in dash, 1024 in bash).
fn shell_block_size(scratch: &Path) -> u64 {
    let probe = scratch.join("probe");
    let status = std::process::Command::new("sh")
        .arg("-c")
        .arg(format!(
            "trap '' XFSZ; ulimit -f 1; head -c 4096 /dev/zero > '{}'",
            probe.display()
        ))
        .status()
        .unwrap();
    assert!(!status.success(), "writing past the limit must fail");
    std::fs::metadata(&probe).unwrap().len()
}

/// Runs paperboat with a file-size limit of `blocks` shell blocks: every write that would grow
/// a file past it fails with EFBIG, as on a full disk. Works as root, where permission bits
/// do not stop writes.
fn run_with_file_limit(dir: &Path, blocks: u64, args: &[&str]) -> Output {
    // `sh -c SCRIPT BIN DIR ARGS…`: the script sees the binary as $0 and the data dir as $1.
    let script = format!(
        "trap '' XFSZ; ulimit -f {blocks}; bin=\"$0\"; data=\"$1\"; shift; \
         exec \"$bin\" --data-dir \"$data\" \"$@\""
    );
    std::process::Command::new("sh")
        .arg("-c")
        .arg(script)
        .arg(env!("CARGO_BIN_EXE_paperboat"))
        .arg(dir)
        .args(args)
        .env_clear()
        .env("HOME", dir.join("home"))
        .env("XDG_STATE_HOME", dir.join("home").join("state"))
        .output()
        .unwrap()
}

#[test]
fn a_full_disk_refuses_a_star_in_one_line_writes_nothing_half_and_still_lists() {
    let dir = data_dir("alpha");
    seeded(dir.path());
    let journal = journal_file(dir.path(), "alpha");
    let block = shell_block_size(dir.path());
    // The limit sits above every sled file and a few bytes past the journal's end, so the
    // next journal line is cut off part-way, as when a disk fills mid-write.
    let largest_sled_file = ["list", "body"]
        .iter()
        .flat_map(|db| std::fs::read_dir(dir.path().join(db)).unwrap())
        .map(|entry| entry.unwrap().metadata().unwrap().len())
        .max()
        .unwrap();
    let blocks = (largest_sled_file + 2 * 1024 * 1024).div_ceil(block);
    let limit = blocks * block;
    {
        // Pad the journal with real entries up to 20 bytes below the limit.
        let current = std::fs::metadata(&journal).unwrap().len();
        let line_without_note = "{\"at\":\"2026-07-13T00:00:00.000Z\",\"machine\":\"alpha\",\
                                 \"id\":\"2607.00009\",\"change\":\"note\",\"note\":\"\"}\n";
        let mut file = std::fs::OpenOptions::new()
            .append(true)
            .open(&journal)
            .unwrap();
        let mut remaining = limit - 20 - current;
        while remaining > 0 {
            // Halving the last stretch keeps every line longer than its fixed part.
            let take = match remaining {
                0..=60_000 => remaining,
                60_001..=120_000 => remaining / 2,
                _ => 60_000,
            } as usize;
            let note_len = take - line_without_note.len();
            let line = line_without_note.replace(
                "\"note\":\"\"",
                &format!("\"note\":\"{}\"", "x".repeat(note_len)),
            );
            file.write_all(line.as_bytes()).unwrap();
            remaining -= line.len() as u64;
        }
    }
    // The padding note is merged into the store by any start, without the limit.
    assert!(run(dir.path(), &["list"]).status.success());
    let journal_before = std::fs::read(&journal).unwrap();
    assert_eq!(journal_before.len() as u64, limit - 20);

    let output = run_with_file_limit(dir.path(), blocks, &["star", "2607.00002"]);
    assert_eq!(output.status.code(), Some(1), "{}", text(&output.stderr));
    let stderr = text(&output.stderr);
    assert_eq!(stderr.lines().count(), 1, "{stderr}");
    assert!(
        stderr.starts_with(
            "paperboat: error: cannot save that 2607.00002 is starred: cannot write the journal"
        ),
        "{stderr}"
    );
    assert!(stderr.contains("File too large"), "{stderr}");
    assert_eq!(
        std::fs::read(&journal).unwrap(),
        journal_before,
        "no half line left in the journal"
    );

    // The CLI still shows what it has, under the same limit.
    let output = run_with_file_limit(dir.path(), blocks, &["list"]);
    assert!(output.status.success(), "{}", text(&output.stderr));
    let listed = text(&output.stdout);
    assert!(listed.contains("2607.00002"), "{listed}");
    assert!(
        listed.contains("*r 2026-07-13"),
        "the old star shows: {listed}"
    );

    let store = Store::open(dir.path()).unwrap();
    assert!(!store.user_state(&id("2607.00002")).unwrap().is_starred());
}

#[test]
fn the_reader_keeps_showing_the_cache_when_the_journal_cannot_be_written() {
    let dir = data_dir("alpha");
    seeded(dir.path());
    let store = Store::open(dir.path()).unwrap();
    // The journal file replaced by a directory: every write to it fails, even as root.
    let journal = journal_file(dir.path(), "alpha");
    let saved = std::fs::read(&journal).unwrap();
    std::fs::remove_file(&journal).unwrap();
    std::fs::create_dir(&journal).unwrap();

    let catalog = first_catalog(&store).unwrap();
    let now = Utc.with_ymd_and_hms(2026, 7, 13, 9, 0, 0).unwrap();
    let app = App::new(Keymap::defaults().unwrap(), catalog, now, (100, 30), 120);
    let runner = EffectRunner::new(store.clone(), true, Box::new(std::io::sink()));
    let mut reader = Reader {
        terminal: Terminal::new(TestBackend::new(100, 30)).unwrap(),
        app,
        runner,
        theme: Theme { color: false },
    };
    reader.start();
    let selected = reader.app.selected_row().unwrap().id.clone();
    let before = store.user_state(&selected).unwrap();
    reader.handle(Msg::Key(KeyEvent::new(
        KeyCode::Char('s'),
        KeyModifiers::NONE,
    )));
    reader.draw().unwrap();
    let screen = reader.terminal.backend().to_string();
    assert!(
        screen.contains("not saved: cannot write the journal"),
        "{screen}"
    );
    assert!(
        screen.contains("Title of 2607.00001"),
        "the list is still there: {screen}"
    );
    assert_eq!(
        store.user_state(&selected).unwrap(),
        before,
        "the store is unchanged"
    );
    assert_eq!(
        reader
            .app
            .catalog
            .user
            .get(&selected)
            .cloned()
            .unwrap_or_default(),
        before,
        "the reader shows the state that is on disk"
    );

    std::fs::remove_dir(&journal).unwrap();
    std::fs::write(&journal, saved).unwrap();
    reader.handle(Msg::Key(KeyEvent::new(
        KeyCode::Char('s'),
        KeyModifiers::NONE,
    )));
    assert_ne!(
        store.user_state(&selected).unwrap(),
        before,
        "writes work again"
    );
}
