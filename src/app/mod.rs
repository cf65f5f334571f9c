//! The reader's model (`App`) and `update()`, its only mutator: messages in (keys, sync events,
//! loaded data), effects out (store writes, loads, browser, clipboard, sync commands). Pure, so
//! every key's behaviour is a table test without a terminal.
//!
//! Layer: above `store`, `query`, `sync`, `config`, `export`, `keymap` and `action`; below `ui`
//! (which draws an `App`) and `reader` (which runs the effects). Nothing here imports `ui`,
//! `reader` or `cli`.

pub mod catalog;
pub mod extras;
pub mod fulltext;
pub mod hf_views;
pub mod layout;
pub mod line_edit;
mod msg;
pub mod nav;
pub mod notify;
mod order;
mod state;
mod update;
pub mod view;

pub use catalog::{Catalog, PaperText};
pub use extras::PaperExtras;
pub use hf_views::HfView;
pub use msg::{Effect, ForYouJob, ForYouResult, Msg};
pub use state::{App, Focus, LinkChoice, LinkMenu, NoteEdit, Query, SourceSync, SyncStatus};
pub use update::update;
pub use view::{SavedView, View};

#[cfg(test)]
mod tests;
