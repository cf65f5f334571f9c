//! The messages into `update` (keys, sync events, loaded data) and the effects it asks the
//! reader to run (store writes, loads, browser, clipboard, sync commands), with the For you job
//! that runs off the UI thread. Types only; imports nothing above `app`.

use std::sync::Arc;

use chrono::{DateTime, Utc};
use crossterm::event::KeyEvent;

use super::catalog::Catalog;
use crate::export::ExportFormat;
use crate::model::{Paper, PaperId, UserState};
use crate::query::{ForYou, TextIndex};
use crate::sync::{SyncCommand, SyncEvent};

/// A message into `update`.
#[derive(Debug)]
pub enum Msg {
    Key(KeyEvent),
    /// The terminal's new size (columns, rows).
    Resize(u16, u16),
    /// Time passed (spinner, "synced 3 min ago", a pending chord's timeout).
    Tick(DateTime<Utc>),
    /// No key came for `keymap::TIMEOUT` while a chord or count was pending.
    KeyTimeout,
    Sync(SyncEvent),
    /// A fresh projection of the store.
    CatalogLoaded(Box<Catalog>),
    /// The full record of a paper (None when the store has no body for it).
    PaperLoaded(PaperId, Option<Box<Paper>>),
    /// A user-state write failed: put the old state back and say so.
    UserStateFailed {
        id: PaperId,
        previous: UserState,
        error: String,
    },
    /// A side effect finished with something to tell the user.
    Notice(String),
    /// A batched write failed: the catalog is reloaded to show what the store holds.
    ReadManyFailed(String),
    /// For you scores computed by a background job.
    ForYouRanked(ForYouResult),
    /// SIGTERM / SIGHUP.
    Terminate,
    /// Another paperboat process changed a paper's user state through this reader's server
    /// (already journaled and stored): show it.
    UserStateChanged {
        id: PaperId,
        state: UserState,
    },
    /// The shown paper's downloaded PDF and linked repos (see `app::extras`).
    PaperExtras(Box<super::extras::PaperExtras>),
    /// A `D` download finished with the PDF at `path` (`reused`: it was there already).
    PdfSaved {
        id: PaperId,
        path: std::path::PathBuf,
        reused: bool,
    },
    /// A paper's full text arrived, parsed and laid out (its first screens at least), or why
    /// it could not be had.
    FullTextLoaded {
        id: PaperId,
        result: Result<Box<super::fulltext::LoadedFullText>, String>,
    },
    /// The whole layout of an open full text, for the width it names; with the whole
    /// document when it completes the first layout (which came with the blocks parsed then).
    FullTextLaidOut {
        id: PaperId,
        rendered: Box<crate::text::doc::Rendered>,
        doc: Option<Arc<crate::text::doc::Doc>>,
    },
    /// The full-text index with the texts cached since the last one (built in the background).
    FullTextIndexed(Arc<crate::query::FullTextIndex>),
    /// Another process's command changed the store's papers (a sync with other days,
    /// retention): re-read them.
    StoreChanged,
    /// A background export got this far (papers read of the total).
    ExportProgress {
        done: usize,
        total: usize,
    },
    /// A background export ended (written, failed or cancelled): what to tell the user.
    ExportFinished(String),
    /// Text read in the background to copy to the clipboard (OSC 52), and what to say then.
    CopyText {
        text: String,
        done: String,
    },
}

/// Work `update` asks the runtime to do.
#[derive(Debug, Clone, PartialEq)]
pub enum Effect {
    /// Re-read every row, the user state and the abstracts from the store.
    LoadCatalog,
    LoadPaper(PaperId),
    /// Write the paper's user state (star, read, note) through to the store, durably.
    SaveUserState {
        id: PaperId,
        state: UserState,
        previous: UserState,
    },
    /// Set many papers' read flags in one journal append (mark all read, undo).
    SaveReadMany {
        ids: Vec<PaperId>,
        read: bool,
        at: DateTime<Utc>,
    },
    /// Remember the reader's view, sort and selection for the next start, now (on quit).
    SaveReaderState(crate::store::ReaderState),
    /// The same, whenever it changes while the reader runs: written off the UI thread and
    /// debounced, so a dropped SSH connection (SIGKILL, no SIGHUP) keeps the place.
    RememberReaderState(crate::store::ReaderState),
    /// Write this notification sequence (OSC 9 / 777, already made safe) to the terminal.
    Notify(String),
    OpenUrl(String),
    /// `O`: the downloaded PDF in `[ui] pdf_viewer` when there is one, else `remote` (the
    /// arXiv PDF on the configured site for an arXiv paper) in the browser.
    OpenPdf {
        id: PaperId,
        remote: Option<String>,
    },
    /// `D`: download the paper's PDF off the UI thread, progress and result as notices.
    DownloadPdf(PaperId),
    /// Copy to the clipboard with OSC 52.
    Yank(String),
    /// Copy the paper's BibTeX entry (filed under `day`) to the clipboard with OSC 52.
    YankBibtex {
        id: PaperId,
        day: chrono::NaiveDate,
    },
    Sync(SyncCommand),
    /// Score every paper against the starred ones (off the UI thread in the real reader).
    RankForYou(ForYouJob),
    /// Write these papers (with the day each is filed under), in this order, to `file_name` in
    /// the export dir; say where.
    Export {
        papers: Vec<(PaperId, chrono::NaiveDate)>,
        format: ExportFormat,
        file_name: String,
    },
    /// Stop the running background export (no file is written).
    CancelExport,
    /// Copy `text` to the clipboard with OSC 52 and say `done`.
    CopyText {
        text: String,
        done: String,
    },
    /// Read the paper's full text from the cache, else fetch and keep it, off the UI thread;
    /// lay out `lines` lines (and past `anchor`'s block) for `width` columns and answer
    /// `Msg::FullTextLoaded`, then the rest, answering `Msg::FullTextLaidOut`.
    LoadFullText {
        id: PaperId,
        width: u16,
        lines: usize,
        anchor: Option<crate::text::doc::Anchor>,
    },
    /// Index a full text fetched just now into `index` (the catalog's), off the UI thread, so
    /// `full:` finds it before the next catalog load (answers `Msg::FullTextIndexed`).
    IndexFullText {
        index: super::fulltext::IndexToExtend,
        id: PaperId,
        doc: Arc<crate::text::doc::Doc>,
    },
    /// Lay an open full text out for a new width, off the UI thread (answers
    /// `Msg::FullTextLaidOut`).
    LayOutFullText {
        id: PaperId,
        doc: Arc<crate::text::doc::Doc>,
        width: u16,
    },
    Quit,
}

/// A For you computation: the index of the catalog it was asked for, the starred rows, and the
/// star version it reflects (a result for an older version or catalog is dropped).
#[derive(Clone)]
pub struct ForYouJob {
    pub index: Arc<TextIndex>,
    pub starred: Vec<usize>,
    pub version: u64,
}

impl ForYouJob {
    /// Computes the scores; a few tens of ms at 100k papers.
    pub fn run(&self) -> Msg {
        Msg::ForYouRanked(ForYouResult {
            index: self.index.clone(),
            version: self.version,
            for_you: Arc::new(ForYou::compute(&self.index, &self.starred)),
        })
    }
}

impl PartialEq for ForYouJob {
    fn eq(&self, other: &Self) -> bool {
        Arc::ptr_eq(&self.index, &other.index)
            && self.starred == other.starred
            && self.version == other.version
    }
}

impl std::fmt::Debug for ForYouJob {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ForYouJob")
            .field("starred", &self.starred.len())
            .field("version", &self.version)
            .finish()
    }
}

/// What a [`ForYouJob`] computed.
pub struct ForYouResult {
    pub index: Arc<TextIndex>,
    pub version: u64,
    pub for_you: Arc<ForYou>,
}

impl std::fmt::Debug for ForYouResult {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ForYouResult")
            .field("version", &self.version)
            .finish()
    }
}
