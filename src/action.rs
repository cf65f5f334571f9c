//! Every user intent, one variant each. The keymap maps keys to these names (snake_case in the
//! config); the help overlay is generated from the keymap plus `Action::doc`, so it cannot drift.
//! The names, the list of every action and the docs are derived by `strum` from the enum itself.
//!
//! A bottom-layer module: it imports nothing from the crate.

use serde::{Deserialize, Serialize};
use strum::{EnumMessage, VariantArray};

/// Where a key is pressed; bindings are looked up in the context first, then in `Global`. Its
/// name (`[keys.<name>]`) is the variant in snake_case, in serde and in the keymap alike.
#[derive(
    Debug,
    Clone,
    Copy,
    PartialEq,
    Eq,
    Hash,
    PartialOrd,
    Ord,
    Serialize,
    Deserialize,
    strum::VariantArray,
    strum::IntoStaticStr,
    strum::EnumString,
)]
#[serde(rename_all = "snake_case")]
#[strum(serialize_all = "snake_case")]
pub enum Context {
    Global,
    List,
    Detail,
    Filter,
    Help,
    Fulltext,
}

impl Context {
    /// Every context, in the order the help overlay lists them.
    pub const ALL: [Context; 6] = [
        Context::Global,
        Context::List,
        Context::Detail,
        Context::Filter,
        Context::Help,
        Context::Fulltext,
    ];

    /// The name of the context's `[keys.*]` table.
    pub fn name(self) -> &'static str {
        self.into()
    }

    /// Looks a context up by its table name (exact, case-sensitive).
    pub fn from_name(name: &str) -> Option<Context> {
        name.parse().ok()
    }
}

/// A user intent. Its config name (`[keys.*]` tables) is the variant in snake_case; its doc
/// comment is the help overlay's line.
#[derive(
    Debug,
    Clone,
    Copy,
    PartialEq,
    Eq,
    Hash,
    PartialOrd,
    Ord,
    strum::VariantArray,
    strum::IntoStaticStr,
    strum::EnumString,
    strum::EnumMessage,
)]
#[strum(serialize_all = "snake_case")]
pub enum Action {
    /// Move down one paper (a count moves that many)
    Down,
    /// Move up one paper (a count moves that many)
    Up,
    /// Jump to the first paper
    Top,
    /// Jump to the last paper (a count jumps to that row)
    Bottom,
    /// Move down half a page
    HalfPageDown,
    /// Move up half a page
    HalfPageUp,
    /// Move down a full page
    PageDown,
    /// Move up a full page
    PageUp,
    /// Open the selected paper in the detail pane (marks it read)
    Open,
    /// Page the paper; at its end mark it read and open the next unread
    ReadOn,
    /// Jump to the next unread paper in the view
    NextUnread,
    /// Jump to the previous unread paper in the view
    PrevUnread,
    /// Go back: close the detail, leave the filter, close help
    Back,
    /// Move focus to the next pane
    NextPane,
    /// Start typing a filter query
    Filter,
    /// Jump to the next match of the last search (the list is kept)
    NextMatch,
    /// Jump to the previous paper matching the last search
    PrevMatch,
    /// Show the previous (older) day
    PrevDay,
    /// Show the next (newer) day
    NextDay,
    /// Star or unstar the selected paper
    ToggleStar,
    /// Mark the selected paper read or unread
    ToggleRead,
    /// Hide or show the read papers in this view
    ToggleHideRead,
    /// Mark every paper in the view read (asks first)
    MarkAllRead,
    /// Undo the last read mark
    UndoMark,
    /// Open the abstract page in the browser
    OpenAbstract,
    /// Open the PDF (a downloaded one in [ui] pdf_viewer)
    OpenPdf,
    /// Download the PDF to [papers] dir (in the background)
    DownloadPdf,
    /// Copy the paper's link to the clipboard (OSC 52, works over SSH)
    YankLink,
    /// Sync every source now
    SyncNow,
    /// View: the latest day
    ViewToday,
    /// View: this week
    ViewWeek,
    /// View: all papers
    ViewAll,
    /// View: starred papers (the read-later list)
    ViewStarred,
    /// View: unread papers
    ViewUnread,
    /// View: cycle through the sources
    ViewSource,
    /// View: unread papers like your starred ones, best first
    ViewForYou,
    /// View: this week's papers as Hugging Face ranks them (fetched when opened)
    ViewHfWeek,
    /// View: this month's papers as Hugging Face ranks them (fetched when opened)
    ViewHfMonth,
    /// View: Hugging Face's trending papers (fetched when opened)
    ViewHfTrending,
    /// Sort the list: newest, upvotes, relevance, for you (cycles)
    CycleSort,
    /// Write a note on the selected paper (Enter saves, Esc cancels)
    EditNote,
    /// Export the list as BibTeX to a file in the current directory
    ExportList,
    /// Scroll the detail pane down
    ScrollDown,
    /// Scroll the detail pane up
    ScrollUp,
    /// Show the detail full screen, or back beside the list
    ToggleZoom,
    /// Show or hide the filter pane beside the list
    ToggleFilterPane,
    /// Go to the top of the paper's text
    TextTop,
    /// Go to the bottom of the paper's text
    TextBottom,
    /// Read the paper's full text (HF Markdown or arXiv HTML; fetched once, then cached)
    OpenFullText,
    /// Full text: jump to the next section
    NextSection,
    /// Full text: jump to the previous section
    PrevSection,
    /// Full text: show the table of contents (j/k and Enter pick a section)
    TableOfContents,
    /// Full text: search inside the text (n/N move between hits)
    SearchText,
    /// Show or hide this help
    Help,
    /// Quit paperboat
    Quit,
}

impl Action {
    /// Every action, in help order (the order of declaration).
    pub const ALL: &'static [Action] = <Action as VariantArray>::VARIANTS;

    /// The name used in the config's `[keys.*]` tables.
    pub fn name(self) -> &'static str {
        self.into()
    }

    /// The one-line description shown in the help overlay.
    pub fn doc(self) -> &'static str {
        self.get_documentation().unwrap_or_default().trim_ascii()
    }

    /// Looks an action up by its config name (exact, case-sensitive).
    pub fn from_name(name: &str) -> Option<Action> {
        name.parse().ok()
    }
}

/// An editing command in a one-line input (the filter query, the note), bound in
/// `[keys.input]`. Keys bound to none of these type their character. Its config name is the
/// variant in snake_case; its doc comment is the help overlay's line.
#[derive(
    Debug,
    Clone,
    Copy,
    PartialEq,
    Eq,
    Hash,
    PartialOrd,
    Ord,
    strum::VariantArray,
    strum::IntoStaticStr,
    strum::EnumString,
    strum::EnumMessage,
)]
#[strum(serialize_all = "snake_case")]
pub enum InputAction {
    /// Keep the text (the filter stays, the note is saved)
    Submit,
    /// Drop the edit (the filter is cleared, the note is left as it was)
    Cancel,
    /// Move the cursor one character left
    CursorLeft,
    /// Move the cursor one character right
    CursorRight,
    /// Move the cursor to the start of the word before it
    WordLeft,
    /// Move the cursor to the end of the word after it
    WordRight,
    /// Move the cursor to the start of the line
    LineStart,
    /// Move the cursor to the end of the line
    LineEnd,
    /// Erase the character before the cursor
    DeleteBack,
    /// Erase the character under the cursor
    DeleteForward,
    /// Erase the word before the cursor
    DeleteWordBack,
    /// Erase everything before the cursor
    DeleteToStart,
}

impl InputAction {
    /// Every input action, in help order.
    pub const ALL: &'static [InputAction] = <InputAction as VariantArray>::VARIANTS;

    /// The name used in `[keys.input]`.
    pub fn name(self) -> &'static str {
        self.into()
    }

    /// The one-line description shown in the help overlay.
    pub fn doc(self) -> &'static str {
        self.get_documentation().unwrap_or_default().trim_ascii()
    }

    /// Looks an input action up by its config name (exact, case-sensitive).
    pub fn from_name(name: &str) -> Option<InputAction> {
        name.parse().ok()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_action_has_a_unique_name_and_a_doc() {
        let mut names = std::collections::HashSet::new();
        for action in Action::ALL {
            assert!(
                names.insert(action.name()),
                "duplicate name {}",
                action.name()
            );
            assert!(!action.doc().is_empty(), "{} has no doc", action.name());
            assert_eq!(Action::from_name(action.name()), Some(*action));
        }
    }

    /// The config vocabulary users have written in their `[keys.*]` tables; renaming a variant
    /// must not change it.
    const CONFIG_NAMES: [&str; 55] = [
        "down",
        "up",
        "top",
        "bottom",
        "half_page_down",
        "half_page_up",
        "page_down",
        "page_up",
        "open",
        "read_on",
        "next_unread",
        "prev_unread",
        "back",
        "next_pane",
        "filter",
        "next_match",
        "prev_match",
        "prev_day",
        "next_day",
        "toggle_star",
        "toggle_read",
        "toggle_hide_read",
        "mark_all_read",
        "undo_mark",
        "open_abstract",
        "open_pdf",
        "download_pdf",
        "yank_link",
        "sync_now",
        "view_today",
        "view_week",
        "view_all",
        "view_starred",
        "view_unread",
        "view_source",
        "view_for_you",
        "view_hf_week",
        "view_hf_month",
        "view_hf_trending",
        "cycle_sort",
        "edit_note",
        "export_list",
        "scroll_down",
        "scroll_up",
        "toggle_zoom",
        "toggle_filter_pane",
        "text_top",
        "text_bottom",
        "open_full_text",
        "next_section",
        "prev_section",
        "table_of_contents",
        "search_text",
        "help",
        "quit",
    ];

    #[test]
    fn action_names_are_the_config_vocabulary_in_help_order() {
        let names: Vec<&str> = Action::ALL.iter().map(|action| action.name()).collect();
        assert_eq!(names, CONFIG_NAMES);
        assert_eq!(Action::from_name("Down"), None);
        assert_eq!(Action::from_name("half-page-down"), None);
        assert_eq!(Action::from_name(""), None);
    }

    #[test]
    fn context_names_match_serde_and_parse_back() {
        assert_eq!(Context::ALL.as_slice(), <Context as VariantArray>::VARIANTS);
        for context in Context::ALL {
            let serde_name = serde_json::to_value(context).unwrap();
            assert_eq!(serde_name, serde_json::Value::from(context.name()));
            assert_eq!(Context::from_name(context.name()), Some(context));
        }
        let names: Vec<&str> = Context::ALL.iter().map(|c| c.name()).collect();
        assert_eq!(
            names,
            ["global", "list", "detail", "filter", "help", "fulltext"]
        );
        assert_eq!(Context::from_name("List"), None);
    }

    #[test]
    fn input_actions_have_config_names_and_docs() {
        let names: Vec<&str> = InputAction::ALL.iter().map(|a| a.name()).collect();
        assert_eq!(
            names,
            [
                "submit",
                "cancel",
                "cursor_left",
                "cursor_right",
                "word_left",
                "word_right",
                "line_start",
                "line_end",
                "delete_back",
                "delete_forward",
                "delete_word_back",
                "delete_to_start",
            ]
        );
        for action in InputAction::ALL {
            assert!(!action.doc().is_empty(), "{} has no doc", action.name());
            assert_eq!(InputAction::from_name(action.name()), Some(*action));
        }
    }
}
