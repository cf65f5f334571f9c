//! Keys typed into a line or a menu rather than through the keymap's actions: the filter query,
//! the note editor (both through the shared line editor) and the one-key link menu.

use crossterm::event::KeyEvent;

use crate::app::line_edit::{LineKey, edit_line};
use crate::app::msg::Effect;
use crate::app::state::{App, Focus};

/// Keys while the filter query is being typed: text edits it, Enter keeps it, Esc clears it.
pub(super) fn on_query_key(app: &mut App, key: KeyEvent) -> Vec<Effect> {
    match edit_line(
        &mut app.query.text,
        &mut app.query.cursor,
        &key,
        &app.keymap,
    ) {
        LineKey::Submit if app.query.text.trim_start().starts_with('?') => {
            app.query.editing = false;
            app.focus = Focus::List;
            let mut effects = app.submit_hf_search();
            app.refresh_visible();
            effects.extend(app.load_selected());
            return effects;
        }
        LineKey::Submit => {
            app.query.editing = false;
            app.focus = Focus::List;
            app.remember_search();
            return app.load_selected();
        }
        LineKey::Cancel => {
            app.query.editing = false;
            app.query.text.clear();
            app.focus = Focus::List;
        }
        LineKey::Edited => {}
        LineKey::Moved | LineKey::Ignored => return Vec::new(),
    }
    app.refresh_visible();
    if app.query.editing {
        // A changed query puts the best match on top; select it (Esc, by contrast, returns to
        // the full list and keeps the paper being read).
        app.selected = 0;
        app.list_offset = 0;
        app.sync_selection();
    }
    app.load_selected()
}

/// Keys while a note is typed: text edits it, Enter saves it (empty removes it), Esc cancels.
pub(super) fn on_note_key(app: &mut App, key: KeyEvent) -> Vec<Effect> {
    let Some(edit) = app.note.as_mut() else {
        return Vec::new();
    };
    match edit_line(&mut edit.text, &mut edit.cursor, &key, &app.keymap) {
        LineKey::Submit => {
            let Some(edit) = app.note.take() else {
                return Vec::new();
            };
            let text = crate::text::sanitize_line(&edit.text);
            let note = (!text.is_empty()).then_some(text);
            let saved = note.is_some();
            let effects = app.change_user_state(edit.id, |s| s.note = note);
            app.message = Some(if saved { "note saved" } else { "note removed" }.to_string());
            // `note:` and free words search notes: the list may change.
            app.refresh_visible();
            return effects;
        }
        LineKey::Cancel => {
            app.note = None;
            app.message = Some("note not changed".to_string());
        }
        LineKey::Edited | LineKey::Moved | LineKey::Ignored => {}
    }
    Vec::new()
}

/// A key while the link menu is open: a choice's key acts on it; anything else closes it.
pub(super) fn on_link_menu_key(app: &mut App, key: KeyEvent) -> Vec<Effect> {
    let Some(menu) = app.link_menu.take() else {
        return Vec::new();
    };
    let crossterm::event::KeyCode::Char(pressed) = key.code else {
        return Vec::new();
    };
    let Some(choice) = menu.choices.into_iter().find(|c| c.key == pressed) else {
        return Vec::new();
    };
    match choice.url {
        Some(url) if menu.copy => vec![Effect::Yank(url)],
        Some(url) => vec![Effect::OpenUrl(url)],
        None => vec![Effect::YankBibtex {
            id: menu.id,
            day: menu.day,
        }],
    }
}
