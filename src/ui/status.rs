//! The status bar: mode, sync state (spinner and per-source progress, "synced 3 min ago", or
//! the last error), the pending key chord, and the last message.

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
    } else if app.query.editing {
        " FILTER "
    } else if app.focus == Focus::Detail {
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
    let message = match (&app.note, &query_error) {
        (Some(edit), _) => format!("note: {}▏  (Enter saves, Esc cancels)", edit.text),
        (None, Some(error)) => error.clone(),
        (None, None) => app.message.clone().unwrap_or_default(),
    };
    let left_width = width.saturating_sub(mode.width() + right.width() + 1);
    let mut middle = format!(" {sync}");
    if !message.is_empty() {
        middle.push_str(" │ ");
        middle.push_str(&message);
    }
    let middle = super::pad(&middle, left_width);
    let failed = !app.sync.running && app.sync.last_failed > 0;
    let middle_style = if failed || (query_error.is_some() && app.note.is_none()) {
        theme.status().patch(theme.error())
    } else {
        theme.status()
    };
    let line = Line::from(vec![
        Span::styled(mode, theme.mode()),
        Span::styled(middle, middle_style),
        Span::styled(format!(" {right}"), theme.status()),
    ]);
    frame.render_widget(Paragraph::new(line), area);
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
        let finished = sources
            .values()
            .filter(|s| matches!(s, SourceSync::Updated { .. } | SourceSync::Failed(_)))
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
        let mut text = format!("{spinner} syncing {finished}/{} sources", sources.len());
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
        Some(at) if failures.is_empty() && notes.is_empty() => {
            format!("synced {}", ago(at, app.now))
        }
        Some(at) if failures.is_empty() => {
            format!("synced {} ({})", ago(at, app.now), notes.join("; "))
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
}
