//! The status bar: mode, sync state (spinner and per-source progress, "synced 3 min ago" only
//! when every source's last attempt succeeded, else each failing source and its error in
//! words), the pending key chord, and the last message; a message too long for the line gets a
//! second row for a few seconds (see `App::status_wraps`). The note editor types here, scrolled
//! so the cursor always shows.

use chrono::{DateTime, Utc};
use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;
use unicode_width::UnicodeWidthStr;

use super::Theme;
use crate::app::{App, Focus, SourceSync};

const SPINNER: [&str; 10] = ["⠋", "⠙", "⠹", "⠸", "⠼", "⠴", "⠦", "⠧", "⠇", "⠏"];

pub fn render(frame: &mut Frame<'_>, app: &App, theme: &Theme, area: Rect) {
    let width = usize::from(area.width);
    let mode = if app.help_open {
        " HELP "
    } else if app.note.is_some() {
        " NOTE "
    } else if app.query.editing || app.focus == Focus::Filter {
        " FILTER "
    } else if app.focus == Focus::Detail || app.layout_prefs.zoomed {
        " DETAIL "
    } else {
        " NORMAL "
    };
    let sync = sync_text(app);
    let pending = app.keys.pending_display();
    let mut right = String::new();
    if !pending.is_empty() {
        right.push_str(&pending);
        right.push_str("  ");
    }
    right.push_str(if message_is_empty(app) { "? help " } else { "" });
    let query_error = app
        .query
        .error
        .as_ref()
        .filter(|_| !app.query.text.is_empty())
        .map(|error| format!("query {error}"));
    let left_width = width.saturating_sub(mode.width() + right.width() + 1);
    let mut middle = format!(" {sync}");
    if let Some(edit) = &app.note {
        // The editor gets the room left after the sync state, the hint and the separator.
        let hint = "  (Enter saves, Esc cancels)";
        let prefix = " │ note: ";
        let room = left_width
            .saturating_sub(middle.width() + prefix.width() + hint.width())
            .max(12.min(left_width));
        // One column less: the cursor bar takes one.
        let (shown, cursor) =
            crate::app::line_edit::window(&edit.text, edit.cursor, room.saturating_sub(1));
        middle.push_str(prefix);
        middle.push_str(&with_cursor(&shown, cursor));
        middle.push_str(hint);
    } else {
        let message = match &query_error {
            Some(error) => error.clone(),
            None => app.message.clone().unwrap_or_default(),
        };
        if !message.is_empty() {
            middle.push_str(" │ ");
            middle.push_str(&message);
        }
    }
    let (middle, second) = if area.height >= 2 {
        split_at_width(&middle, left_width)
    } else {
        (middle, String::new())
    };
    let middle = super::pad(&middle, left_width);
    let failed = !app.sync.running && any_failed(app);
    let middle_style = if failed || (query_error.is_some() && app.note.is_none()) {
        theme.status().patch(theme.error())
    } else {
        theme.status()
    };
    let mut lines = vec![Line::from(vec![
        Span::styled(mode, theme.mode()),
        Span::styled(middle, middle_style),
        Span::styled(format!(" {right}"), theme.status()),
    ])];
    if area.height >= 2 {
        let indent = " ".repeat(mode.width());
        lines.push(Line::from(vec![
            Span::styled(indent, theme.status()),
            Span::styled(
                super::pad(&second, width.saturating_sub(mode.width())),
                middle_style,
            ),
        ]));
    }
    frame.render_widget(Paragraph::new(lines), area);
}

/// `shown` with the cursor bar inserted at display column `column`.
pub fn with_cursor(shown: &str, column: usize) -> String {
    let mut out = String::new();
    let mut used = 0;
    let mut placed = false;
    for c in shown.chars() {
        if !placed && used >= column {
            out.push('▏');
            placed = true;
        }
        out.push(c);
        used += unicode_width::UnicodeWidthChar::width(c).unwrap_or(0);
    }
    if !placed {
        out.push('▏');
    }
    out
}

/// The first `width` columns of `text` (broken at a space when one is near) and the rest.
fn split_at_width(text: &str, width: usize) -> (String, String) {
    if text.width() <= width {
        return (text.to_string(), String::new());
    }
    let mut cut = 0;
    let mut used = 0;
    for (i, c) in text.char_indices() {
        let w = unicode_width::UnicodeWidthChar::width(c).unwrap_or(0);
        if used + w > width {
            break;
        }
        used += w;
        cut = i + c.len_utf8();
    }
    let at_space = text[..cut]
        .rfind(' ')
        .filter(|&i| i > cut / 2)
        .map_or(cut, |i| i + 1);
    (
        text[..at_space].to_string(),
        text[at_space..].trim_start().to_string(),
    )
}

/// True when some source's last attempt failed or was held back.
fn any_failed(app: &App) -> bool {
    app.sync
        .sources
        .values()
        .any(|s| matches!(s, SourceSync::Failed(_)))
}

fn message_is_empty(app: &App) -> bool {
    app.message.is_none()
        && app.note.is_none()
        && (app.query.error.is_none() || app.query.text.is_empty())
}

fn sync_text(app: &App) -> String {
    let sources = &app.sync.sources;
    if app.sync.running {
        let tick = usize::try_from(app.now.timestamp_subsec_millis() / 100).unwrap_or(0);
        let spinner = SPINNER[tick % SPINNER.len()];
        let in_round = |id: &&_| app.sync.in_round.contains(*id);
        let finished = sources
            .iter()
            .filter(|(id, _)| in_round(id))
            .filter(|(_, s)| matches!(s, SourceSync::Updated { .. } | SourceSync::Failed(_)))
            .count();
        let running: Vec<String> = sources
            .iter()
            .filter_map(|(id, s)| match s {
                SourceSync::Running { done, total } => {
                    Some(format!("{} {done}/{total}", id.badge()))
                }
                _ => None,
            })
            .collect();
        let total = app.sync.in_round.len();
        let mut text = format!("{spinner} syncing {finished}/{total} sources");
        if !running.is_empty() {
            text.push_str(&format!(" ({})", running.join(", ")));
        }
        return text;
    }
    let failures: Vec<String> = sources
        .iter()
        .filter_map(|(id, s)| match s {
            SourceSync::Failed(error) => Some(format!("{}: {error}", id.badge())),
            _ => None,
        })
        .collect();
    let notes: Vec<String> = sources
        .iter()
        .filter_map(|(id, s)| match s {
            SourceSync::Updated {
                note: Some(note), ..
            } => Some(format!("{}: {note}", id.badge())),
            _ => None,
        })
        .collect();
    match app.sync.last_finished {
        None => "not synced yet".to_string(),
        // A round ended and no source ever took part or was held back: there is none to sync
        // (every source disabled). "synced" would claim a fetch that never happened.
        Some(_) if sources.is_empty() => crate::sync::NOTHING_TO_SYNC.to_string(),
        Some(at) if failures.is_empty() && notes.is_empty() => {
            format!("synced {}", ago(at, app.now))
        }
        Some(at) if failures.is_empty() => {
            format!("synced {} · {}", ago(at, app.now), notes.join(" · "))
        }
        Some(at) => format!("sync failed {}: {}", ago(at, app.now), failures.join("; ")),
    }
}

/// "just now", "3 min ago", "2 h ago", "4 days ago".
pub fn ago(then: DateTime<Utc>, now: DateTime<Utc>) -> String {
    let seconds = (now - then).num_seconds().max(0);
    match seconds {
        0..60 => "just now".to_string(),
        60..3600 => format!("{} min ago", seconds / 60),
        3600..86_400 => format!("{} h ago", seconds / 3600),
        _ => format!("{} days ago", seconds / 86_400),
    }
}

#[cfg(test)]
mod tests {
    use chrono::TimeZone;

    use super::*;

    #[test]
    fn ago_reads_naturally() {
        let now = Utc.with_ymd_and_hms(2025, 4, 30, 12, 0, 0).unwrap();
        assert_eq!(ago(now, now), "just now");
        assert_eq!(ago(now - chrono::Duration::minutes(3), now), "3 min ago");
        assert_eq!(ago(now - chrono::Duration::hours(2), now), "2 h ago");
        assert_eq!(ago(now - chrono::Duration::days(4), now), "4 days ago");
        assert_eq!(ago(now + chrono::Duration::minutes(3), now), "just now");
    }

    fn app_at(now: DateTime<Utc>) -> App {
        use crate::app::Catalog;
        let catalog = Catalog::new(Vec::new(), std::collections::HashMap::new(), true, None);
        App::new(
            crate::keymap::Keymap::defaults().unwrap(),
            catalog,
            now,
            (80, 24),
            120,
        )
    }

    fn round(app: &mut App, events: Vec<SyncEvent>) {
        for event in events {
            crate::app::update(app, crate::app::Msg::Sync(event));
        }
    }

    use crate::model::SourceId;
    use crate::sync::SyncEvent;

    #[test]
    fn synced_only_when_every_source_s_last_attempt_succeeded() {
        let now = Utc.with_ymd_and_hms(2025, 4, 30, 12, 0, 0).unwrap();
        let mut app = app_at(now);
        assert_eq!(sync_text(&app), "not synced yet");
        let finished = |succeeded, failed| SyncEvent::Finished { succeeded, failed };
        round(
            &mut app,
            vec![
                SyncEvent::Started {
                    sources: vec![SourceId::hf(), SourceId::arxiv()],
                },
                SyncEvent::SourceUpdated {
                    id: SourceId::arxiv(),
                    new: 3,
                    changed: 0,
                    note: None,
                },
                SyncEvent::SourceFailed {
                    id: SourceId::hf(),
                    error: "cannot connect to http://…: client error (Connect): tcp connect \
                            error: Connection refused (os error 111)"
                        .into(),
                    reason: "cannot connect (connection refused)".into(),
                },
                finished(1, 1),
            ],
        );
        assert_eq!(
            sync_text(&app),
            "sync failed just now: HF: cannot connect (connection refused)"
        );
        assert!(any_failed(&app));

        // A later round over arXiv alone does not make HF's failure disappear.
        round(
            &mut app,
            vec![
                SyncEvent::Started {
                    sources: vec![SourceId::arxiv()],
                },
                SyncEvent::SourceUpdated {
                    id: SourceId::arxiv(),
                    new: 0,
                    changed: 0,
                    note: None,
                },
                finished(1, 0),
            ],
        );
        assert!(
            sync_text(&app).starts_with("sync failed"),
            "{}",
            sync_text(&app)
        );

        // Held back by the server: not "synced", and the server and time are named.
        let until = now + chrono::Duration::minutes(40);
        round(
            &mut app,
            vec![
                SyncEvent::Started {
                    sources: vec![SourceId::arxiv()],
                },
                SyncEvent::SourceHeldBack {
                    id: SourceId::hf(),
                    host: "huggingface.co".into(),
                    until,
                },
                SyncEvent::SourceUpdated {
                    id: SourceId::arxiv(),
                    new: 0,
                    changed: 0,
                    note: None,
                },
                finished(1, 0),
            ],
        );
        assert_eq!(
            sync_text(&app),
            "sync failed just now: HF: huggingface.co asks to wait until 12:40 UTC"
        );

        // Every source's last attempt succeeded: synced.
        round(
            &mut app,
            vec![
                SyncEvent::Started {
                    sources: vec![SourceId::hf(), SourceId::arxiv()],
                },
                SyncEvent::SourceUpdated {
                    id: SourceId::hf(),
                    new: 1,
                    changed: 0,
                    note: None,
                },
                SyncEvent::SourceUpdated {
                    id: SourceId::arxiv(),
                    new: 0,
                    changed: 0,
                    note: None,
                },
                finished(2, 0),
            ],
        );
        assert_eq!(sync_text(&app), "synced just now");
        assert!(!any_failed(&app));
    }

    #[test]
    fn a_round_without_sources_does_not_say_synced() {
        let now = Utc.with_ymd_and_hms(2025, 4, 30, 12, 0, 0).unwrap();
        let mut app = app_at(now);
        assert_eq!(sync_text(&app), "not synced yet");
        round(
            &mut app,
            vec![
                SyncEvent::Started { sources: vec![] },
                SyncEvent::Finished {
                    succeeded: 0,
                    failed: 0,
                },
            ],
        );
        assert_eq!(
            sync_text(&app),
            "nothing to sync: every source is disabled in the config"
        );
        assert!(!any_failed(&app));
    }

    #[test]
    fn the_spinner_counts_only_the_sources_of_the_running_round() {
        let now = Utc.with_ymd_and_hms(2025, 4, 30, 12, 0, 0).unwrap();
        let mut app = app_at(now);
        round(
            &mut app,
            vec![
                SyncEvent::Started {
                    sources: vec![SourceId::hf(), SourceId::arxiv()],
                },
                SyncEvent::SourceUpdated {
                    id: SourceId::hf(),
                    new: 0,
                    changed: 0,
                    note: None,
                },
                SyncEvent::SourceUpdated {
                    id: SourceId::arxiv(),
                    new: 0,
                    changed: 0,
                    note: None,
                },
                SyncEvent::Finished {
                    succeeded: 2,
                    failed: 0,
                },
                SyncEvent::Started {
                    sources: vec![SourceId::hf()],
                },
            ],
        );
        let text = sync_text(&app);
        assert!(text.ends_with("syncing 0/1 sources"), "{text}");
    }
}
