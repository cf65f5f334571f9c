//! What the reader knows of the open paper beyond its record (#13): the PDF downloaded on this
//! machine and the Hugging Face models, datasets and Spaces citing it. Loaded by the effect
//! runner when a paper is shown (the links fetched off the UI thread when a day old), kept here
//! for the detail, and folded into the catalog's row details for `has:pdf`/`has:model`/….

use std::path::PathBuf;

use super::msg::Effect;
use super::state::App;
use crate::model::PaperId;
use crate::store::LinkedRepos;

/// The extras of one paper.
#[derive(Debug, Clone, PartialEq)]
pub struct PaperExtras {
    pub id: PaperId,
    /// The downloaded PDF, while its file exists.
    pub pdf: Option<PathBuf>,
    /// The linked repos, once fetched (cached ones of any age while a fresh fetch runs).
    pub linked: Option<LinkedRepos>,
    /// Why the linked repos could not be fetched, when they could not.
    pub linked_error: Option<String>,
    /// A fetch of the linked repos is under way.
    pub linked_loading: bool,
    /// The HF site the linked repos' links point at.
    pub hf_base: String,
}

impl PaperExtras {
    pub fn new(id: PaperId) -> PaperExtras {
        PaperExtras {
            id,
            pdf: None,
            linked: None,
            linked_error: None,
            linked_loading: false,
            hf_base: String::new(),
        }
    }
}

/// The runner loaded (or fetched) extras: show them when they are the shown paper's, and note
/// what the filters need in the row's details either way.
pub fn extras_loaded(app: &mut App, extras: PaperExtras) -> Vec<Effect> {
    set_row_flags(app, &extras);
    if app.selected_id.as_ref() == Some(&extras.id) {
        app.extras = Some(extras);
    }
    Vec::new()
}

/// A `D` download finished: say where, and remember it for the detail and `has:pdf`.
pub fn pdf_saved(app: &mut App, id: PaperId, path: PathBuf, reused: bool) -> Vec<Effect> {
    let home = crate::config::home_dir();
    let shown = crate::config::display_home(&path, home.as_deref());
    app.message = Some(if reused {
        format!("already downloaded: {shown}")
    } else {
        format!("saved {shown}")
    });
    // The details are shared with the loader's copy of the catalog: writing one flag copies
    // its chunk (4,096 rows' details), so only a flag that changes is written.
    if let Some(row) = app.catalog.index.get(&id)
        && app.catalog.details.get(row).is_some_and(|d| !d.has_pdf)
        && let Some(details) = app.catalog.details.make_mut(row)
    {
        details.has_pdf = true;
    }
    if let Some(extras) = app.extras.as_mut().filter(|e| e.id == id) {
        extras.pdf = Some(path);
    }
    Vec::new()
}

/// `D`: download the selected paper's PDF (the runner does it off the UI thread).
pub fn download_pdf(app: &mut App) -> Vec<Effect> {
    let Some(id) = app.selected_id.clone() else {
        return Vec::new();
    };
    app.message = Some(format!("downloading the PDF of {id}…"));
    vec![Effect::DownloadPdf(id)]
}

fn set_row_flags(app: &mut App, extras: &PaperExtras) {
    let Some(row) = app.catalog.index.get(&extras.id) else {
        return;
    };
    let Some(current) = app.catalog.details.get(row) else {
        return;
    };
    let has_pdf = extras.pdf.is_some();
    let linked = extras.linked.as_ref().map_or(current.linked, |linked| {
        [
            !linked.models.is_empty(),
            !linked.datasets.is_empty(),
            !linked.spaces.is_empty(),
        ]
    });
    // Shown papers' extras arrive on every selection: most change nothing, and a write
    // copies a chunk of details (shared with the loader's catalog), so only changes write.
    if current.has_pdf == has_pdf && current.linked == linked {
        return;
    }
    if let Some(details) = app.catalog.details.make_mut(row) {
        details.has_pdf = has_pdf;
        details.linked = linked;
    }
}
