//! Every user intent, one variant each. The keymap maps keys to these names (snake_case in the
//! config); the help overlay is generated from the keymap plus `Action::doc`, so it cannot drift.

use serde::{Deserialize, Serialize};

/// Where a key is pressed; bindings are looked up in the context first, then in `Global`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Context {
    Global,
    List,
    Detail,
    Filter,
    Help,
}

impl Context {
    pub const ALL: [Context; 5] = [
        Context::Global,
        Context::List,
        Context::Detail,
        Context::Filter,
        Context::Help,
    ];

    pub fn name(self) -> &'static str {
        match self {
            Context::Global => "global",
            Context::List => "list",
            Context::Detail => "detail",
            Context::Filter => "filter",
            Context::Help => "help",
        }
    }
}

macro_rules! actions {
    ($( $(#[doc = $doc:literal])* $variant:ident => $name:literal, )*) => {
        /// A user intent.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub enum Action {
            $( $(#[doc = $doc])* $variant, )*
        }

        impl Action {
            /// Every action, in help order.
            pub const ALL: &'static [Action] = &[ $( Action::$variant, )* ];

            /// The name used in the config's `[keys.*]` tables.
            pub fn name(self) -> &'static str {
                match self { $( Action::$variant => $name, )* }
            }

            /// The one-line description shown in the help overlay.
            pub fn doc(self) -> &'static str {
                match self { $( Action::$variant => concat!($($doc),*).trim_ascii(), )* }
            }

            /// Looks an action up by its config name.
            pub fn from_name(name: &str) -> Option<Action> {
                match name { $( $name => Some(Action::$variant), )* _ => None }
            }
        }
    };
}

actions! {
    /// Move down one paper (a count moves that many)
    Down => "down",
    /// Move up one paper (a count moves that many)
    Up => "up",
    /// Jump to the first paper
    Top => "top",
    /// Jump to the last paper (a count jumps to that row)
    Bottom => "bottom",
    /// Move down half a page
    HalfPageDown => "half_page_down",
    /// Move up half a page
    HalfPageUp => "half_page_up",
    /// Move down a full page
    PageDown => "page_down",
    /// Move up a full page
    PageUp => "page_up",
    /// Open the selected paper in the detail pane (marks it read)
    Open => "open",
    /// Read on: open the paper and page its text; at its end mark it read and go to the next
    /// unread paper
    ReadOn => "read_on",
    /// Jump to the next unread paper in the view
    NextUnread => "next_unread",
    /// Jump to the previous unread paper in the view
    PrevUnread => "prev_unread",
    /// Go back: close the detail, leave the filter, close help
    Back => "back",
    /// Move focus to the next pane
    NextPane => "next_pane",
    /// Start typing a filter query
    Filter => "filter",
    /// Jump to the next paper matching the last search, without narrowing the list
    NextMatch => "next_match",
    /// Jump to the previous paper matching the last search
    PrevMatch => "prev_match",
    /// Show the previous (older) day
    PrevDay => "prev_day",
    /// Show the next (newer) day
    NextDay => "next_day",
    /// Star or unstar the selected paper
    ToggleStar => "toggle_star",
    /// Mark the selected paper read or unread
    ToggleRead => "toggle_read",
    /// Hide or show the read papers in this view
    ToggleHideRead => "toggle_hide_read",
    /// Mark every paper in the view read (asks first)
    MarkAllRead => "mark_all_read",
    /// Undo the last read mark
    UndoMark => "undo_mark",
    /// Open the abstract page in the browser
    OpenAbstract => "open_abstract",
    /// Open the PDF in the browser
    OpenPdf => "open_pdf",
    /// Copy the paper's link to the clipboard (OSC 52, works over SSH)
    YankLink => "yank_link",
    /// Sync every source now
    SyncNow => "sync_now",
    /// View: the latest day
    ViewToday => "view_today",
    /// View: this week
    ViewWeek => "view_week",
    /// View: all papers
    ViewAll => "view_all",
    /// View: starred papers (the read-later list)
    ViewStarred => "view_starred",
    /// View: unread papers
    ViewUnread => "view_unread",
    /// View: cycle through the sources
    ViewSource => "view_source",
    /// View: unread papers like your starred ones, best first
    ViewForYou => "view_for_you",
    /// Sort the list: newest, upvotes, relevance, for you (cycles)
    CycleSort => "cycle_sort",
    /// Write a note on the selected paper (Enter saves, Esc cancels)
    EditNote => "edit_note",
    /// Export the list as BibTeX to a file in the current directory
    ExportList => "export_list",
    /// Scroll the detail pane down
    ScrollDown => "scroll_down",
    /// Scroll the detail pane up
    ScrollUp => "scroll_up",
    /// Go to the top of the paper's text
    TextTop => "text_top",
    /// Go to the bottom of the paper's text
    TextBottom => "text_bottom",
    /// Show or hide this help
    Help => "help",
    /// Quit paperboat
    Quit => "quit",
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
}
