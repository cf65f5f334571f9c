//! The journal's line format: one JSON object per line, flat, with only the fields a change
//! needs; encoding, and decoding that checks every field and says why a line is refused.
//!
//! ```text
//! {"at":"2026-07-13T09:30:00.123Z","machine":"laptop-3f2a9c1e0b7d","id":"2504.21318",
//!  "change":"star","starred_at":"2026-07-13T09:30:00.123456789Z","title":"…",
//!  "day":"2026-07-13","abs":"https://arxiv.org/abs/2504.21318","pdf":"…","sources":["hf"]}
//! ```
//! (one line in the file). `change` is one of `star`, `unstar`, `read`, `unread`, `note`,
//! `clear_note`; `starred_at` comes with `star`, `note` with `note`. The paper's metadata
//! (`title`, `day`, `abs`, `pdf`, `hf`, `sources`) is there when the store had the paper.
//! Unknown fields are ignored, so a newer paperboat may add some; an unknown `change` is
//! refused (and kept verbatim by compaction).

use chrono::{DateTime, NaiveDate, SecondsFormat, Utc};
use serde::{Deserialize, Serialize};

use super::{Change, Entry, MachineId, PaperMeta};
use crate::model::{PaperId, SourceId};

/// Longest line read; anything longer is refused rather than held in memory (a note is the only
/// long field, and notes are a few KB).
pub(super) const MAX_LINE_BYTES: usize = 1 << 20;

#[derive(Debug, Default, Serialize, Deserialize)]
struct JsonLine {
    at: String,
    machine: String,
    id: String,
    change: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    starred_at: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    note: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    title: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    day: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    abs: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pdf: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    hf: Option<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    sources: Vec<String>,
}

/// The change time as written: UTC, milliseconds, `Z`.
pub(super) fn format_at(at: &DateTime<Utc>) -> String {
    at.to_rfc3339_opts(SecondsFormat::Millis, true)
}

/// A star time keeps its full precision, so a rebuilt store holds exactly what the old one did.
fn format_exact(at: &DateTime<Utc>) -> String {
    at.to_rfc3339_opts(SecondsFormat::AutoSi, true)
}

fn parse_time(text: &str, field: &str) -> Result<DateTime<Utc>, String> {
    DateTime::parse_from_rfc3339(text)
        .map(|at| at.to_utc())
        .map_err(|_| format!("{field} is not an RFC 3339 time"))
}

/// One entry as a line, newline included.
pub(super) fn encode(entry: &Entry) -> Result<String, serde_json::Error> {
    let (change, starred_at, note) = match &entry.change {
        Change::Star { starred_at } => ("star", Some(format_exact(starred_at)), None),
        Change::Unstar => ("unstar", None, None),
        Change::Read => ("read", None, None),
        Change::Unread => ("unread", None, None),
        Change::Note(text) => ("note", None, Some(text.clone())),
        Change::ClearNote => ("clear_note", None, None),
    };
    let mut line = JsonLine {
        at: format_at(&entry.at),
        machine: entry.machine.as_str().to_string(),
        id: entry.id.as_str().to_string(),
        change: change.to_string(),
        starred_at,
        note,
        ..JsonLine::default()
    };
    if let Some(meta) = &entry.meta {
        line.title = Some(meta.title.clone());
        line.day = meta.day.map(|day| day.to_string());
        line.abs = meta.abs.clone();
        line.pdf = meta.pdf.clone();
        line.hf = meta.hf.clone();
        line.sources = meta
            .sources
            .iter()
            .map(|s| s.as_str().to_string())
            .collect();
    }
    let mut text = serde_json::to_string(&line)?;
    text.push('\n');
    Ok(text)
}

/// Reads one line (without its newline). The error says why it was refused.
pub(super) fn decode(text: &str) -> Result<Entry, String> {
    if text.len() > MAX_LINE_BYTES {
        return Err(format!("longer than {MAX_LINE_BYTES} bytes"));
    }
    let line: JsonLine =
        serde_json::from_str(text).map_err(|e| format!("not a journal entry: {e}"))?;
    let at = parse_time(&line.at, "at")?;
    let machine =
        MachineId::parse(&line.machine).ok_or_else(|| "machine is not a machine id".to_string())?;
    let id = PaperId::parse_user(&line.id).map_err(|_| "id is not a paper id".to_string())?;
    let change = match line.change.as_str() {
        "star" => {
            let starred_at = match &line.starred_at {
                Some(text) => parse_time(text, "starred_at")?,
                None => at,
            };
            Change::Star { starred_at }
        }
        "unstar" => Change::Unstar,
        "read" => Change::Read,
        "unread" => Change::Unread,
        "note" => Change::Note(
            line.note
                .clone()
                .ok_or_else(|| "a note change without a note".to_string())?,
        ),
        "clear_note" => Change::ClearNote,
        _ => return Err("unknown change (from a newer paperboat?)".to_string()),
    };
    // Kept as written; `PaperMeta::stub` normalises it if it ever becomes a paper.
    let meta = line.title.as_ref().map(|title| PaperMeta {
        title: title.clone(),
        day: line
            .day
            .as_deref()
            .and_then(|day| NaiveDate::parse_from_str(day, "%Y-%m-%d").ok()),
        abs: line.abs.clone(),
        pdf: line.pdf.clone(),
        hf: line.hf.clone(),
        sources: line
            .sources
            .iter()
            .map(|s| SourceId::from_stored(s.clone()))
            .collect(),
    });
    Ok(Entry {
        id,
        at,
        machine,
        change,
        meta,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(text: &str) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(text).unwrap().to_utc()
    }

    fn entry(change: Change) -> Entry {
        Entry {
            id: PaperId::parse_user("2504.21318").unwrap(),
            at: at("2026-07-13T09:30:00.123Z"),
            machine: MachineId::parse("laptop-3f2a9c1e0b7d").unwrap(),
            change,
            meta: None,
        }
    }

    #[test]
    fn every_change_round_trips_through_one_line() {
        for change in [
            Change::Star {
                starred_at: at("2026-07-13T09:30:00.123456789Z"),
            },
            Change::Unstar,
            Change::Read,
            Change::Unread,
            Change::Note("line one\nline \"two\"".into()),
            Change::ClearNote,
        ] {
            let entry = entry(change);
            let line = encode(&entry).unwrap();
            assert!(line.ends_with('\n'));
            assert_eq!(line.matches('\n').count(), 1, "{line}");
            assert_eq!(decode(line.trim_end()).unwrap(), entry);
        }
    }

    #[test]
    fn a_line_reads_as_documented() {
        let mut entry = entry(Change::Star {
            starred_at: at("2026-07-13T09:30:00.123Z"),
        });
        entry.meta = Some(PaperMeta {
            title: "Attention".into(),
            day: NaiveDate::from_ymd_opt(2026, 7, 13),
            abs: Some("https://arxiv.org/abs/2504.21318".into()),
            pdf: None,
            hf: None,
            sources: vec![SourceId::hf()],
        });
        assert_eq!(
            encode(&entry).unwrap(),
            "{\"at\":\"2026-07-13T09:30:00.123Z\",\"machine\":\"laptop-3f2a9c1e0b7d\",\
             \"id\":\"2504.21318\",\"change\":\"star\",\"starred_at\":\"2026-07-13T09:30:00.123Z\",\
             \"title\":\"Attention\",\"day\":\"2026-07-13\",\
             \"abs\":\"https://arxiv.org/abs/2504.21318\",\"sources\":[\"hf\"]}\n"
        );
    }

    #[test]
    fn refused_lines_say_why() {
        let good = encode(&entry(Change::Read)).unwrap();
        let good = good.trim_end();
        for (line, why) in [
            ("", "not a journal entry"),
            (&good[..good.len() / 2], "not a journal entry"),
            (
                &good.replace("2026-07-13T09:30:00.123Z", "yesterday"),
                "at is not",
            ),
            (&good.replace("2504.21318", "not an id"), "not a paper id"),
            (&good.replace("\"read\"", "\"bookmark\""), "unknown change"),
            (
                &good.replace("laptop-3f2a9c1e0b7d", "a b"),
                "not a machine id",
            ),
            (&good.replace("\"read\"", "\"note\""), "without a note"),
        ] {
            let error = decode(line).unwrap_err();
            assert!(error.contains(why), "{line}: {error}");
        }
    }

    #[test]
    fn unknown_fields_are_ignored_and_stub_titles_are_normalised() {
        let line = "{\"at\":\"2026-07-13T09:30:00Z\",\"machine\":\"m1\",\"id\":\"2504.21318\",\
                    \"change\":\"star\",\"future\":1,\"title\":\"A \\u001b[2Jtitle\"}";
        let entry = decode(line).unwrap();
        assert_eq!(
            entry.change,
            Change::Star {
                starred_at: at("2026-07-13T09:30:00Z")
            }
        );
        let stub = entry.meta.unwrap().stub(entry.id);
        assert!(!stub.title.contains('\u{1b}'), "{:?}", stub.title);
    }
}
