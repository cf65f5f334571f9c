//! Actions on the selected paper (or the visible list): star, read, note, links and their menu,
//! PDF download, export, mark-all-read and undo. Stars and read marks leave as journal effects.

use crate::action::Action;
use crate::app::msg::Effect;
use crate::app::state::{App, LinkChoice, LinkMenu, NoteEdit};
use crate::app::view::View;
use crate::export::ExportFormat;
use crate::sync::SyncCommand;

/// Things done to the selected paper (or the list): star, read, links, note, export, sync.
pub(super) fn on_paper_action(app: &mut App, action: Action) -> Vec<Effect> {
    match action {
        Action::ToggleStar => toggle_star(app),
        Action::ToggleRead => {
            let Some(id) = app.selected_id.clone() else {
                return Vec::new();
            };
            let read = !app.catalog.is_read(&id);
            let mut effects = app.set_read(id, read);
            if app.view == View::Unread {
                app.refresh_visible();
                // The paper left the view: show the one now selected.
                effects.extend(app.load_selected());
            }
            effects
        }
        Action::OpenAbstract | Action::OpenPdf | Action::YankLink => open_link(app, action),
        Action::DownloadPdf => crate::app::extras::download_pdf(app),
        Action::EditNote => {
            let Some(id) = app.selected_id.clone() else {
                return Vec::new();
            };
            let text = app.catalog.note(&id).unwrap_or_default().to_string();
            let cursor = text.len();
            app.note = Some(NoteEdit { id, text, cursor });
            Vec::new()
        }
        Action::ExportList => export_list(app),
        Action::ToggleHideRead => app.toggle_hide_read(),
        Action::MarkAllRead => app.ask_mark_all_read(),
        Action::UndoMark => app.undo_mark(),
        Action::SyncNow => vec![Effect::Sync(SyncCommand::SyncAll)],
        // `on_action` routes only the actions above here.
        _ => Vec::new(),
    }
}

pub(super) fn toggle_star(app: &mut App) -> Vec<Effect> {
    let Some(id) = app.selected_id.clone() else {
        return Vec::new();
    };
    let now = app.now;
    let mut effects = app.change_user_state(id, |s| {
        s.starred_at = if s.starred_at.is_some() {
            None
        } else {
            Some(now)
        };
    });
    let starred = app
        .selected_id
        .as_ref()
        .is_some_and(|id| app.catalog.is_starred(id));
    app.message = Some(if starred { "starred" } else { "unstarred" }.to_string());
    if app.view == View::Starred {
        app.refresh_visible();
        // The paper may have left the view: show the one now selected.
        effects.extend(app.load_selected());
    }
    effects
}

/// `O` opens the PDF at once; `o` and `y` offer a one-key menu of the paper's links (abstract,
/// PDF, HF page, code, project page, DOI; `y` adds the BibTeX entry). Each link is the record's
/// own, else the arXiv one for an arXiv id. A paper whose links all fail the link check gets
/// the refusal of its first one, from the runner.
pub(super) fn open_link(app: &mut App, action: Action) -> Vec<Effect> {
    let Some(row) = app.selected_row() else {
        return Vec::new();
    };
    let (id, day) = (row.id.clone(), row.day);
    let links = app
        .detail
        .as_ref()
        .filter(|p| p.id == id)
        .map(|p| p.links.clone())
        .unwrap_or_default();
    let arxiv = |kind: &str| {
        id.is_arxiv()
            .then(|| format!("https://arxiv.org/{kind}/{id}"))
    };
    let choices = [
        ('a', "abstract", links.abs.clone().or_else(|| arxiv("abs"))),
        ('p', "PDF", links.pdf.clone().or_else(|| arxiv("pdf"))),
        ('h', "HF page", links.hf.clone()),
        ('c', "code", links.github.clone()),
        ('w', "project page", links.project.clone()),
        ('d', "DOI", links.doi.clone()),
    ];
    let present: Vec<LinkChoice> = choices
        .into_iter()
        .filter_map(|(key, label, url)| {
            url.map(|url| LinkChoice {
                key,
                label,
                url: Some(url),
            })
        })
        .collect();
    let copy = action == Action::YankLink;
    let act = |url: String| {
        if copy {
            Effect::Yank(url)
        } else {
            Effect::OpenUrl(url)
        }
    };
    if action == Action::OpenPdf {
        // The runner opens the downloaded file instead when there is one.
        let remote = present
            .into_iter()
            .find(|c| c.key == 'p')
            .and_then(|c| c.url);
        return vec![Effect::OpenPdf { id, remote }];
    }
    let first = present.first().and_then(|c| c.url.clone());
    let mut safe: Vec<LinkChoice> = present
        .into_iter()
        .filter(|c| c.url.as_deref().is_some_and(crate::link::is_safe_web_url))
        .collect();
    if safe.is_empty() {
        return match first {
            // The runner refuses it and says why.
            Some(url) => vec![act(url)],
            None => {
                app.message = Some("this paper has no links".to_string());
                Vec::new()
            }
        };
    }
    if copy {
        safe.push(LinkChoice {
            key: 'b',
            label: "BibTeX entry",
            url: None,
        });
    }
    app.link_menu = Some(LinkMenu {
        copy,
        id,
        day,
        choices: safe,
    });
    Vec::new()
}

/// Asks for the visible list, in its order, as BibTeX in a new timestamped file.
pub(super) fn export_list(app: &mut App) -> Vec<Effect> {
    if app.exporting {
        app.message = Some("an export is running (Esc cancels it)".to_string());
        return Vec::new();
    }
    if app.visible.is_empty() {
        app.message = Some("nothing to export in this list".to_string());
        return Vec::new();
    }
    let papers: Vec<(crate::model::PaperId, chrono::NaiveDate)> = app
        .visible
        .iter()
        .filter_map(|&row| app.catalog.rows.get(row))
        .map(|row| (row.id.clone(), row.day))
        .collect();
    let format = ExportFormat::Bibtex;
    let file_name = format!(
        "paperboat-{}.{}",
        app.now.format("%Y%m%d-%H%M%S"),
        format.extension()
    );
    app.exporting = true;
    app.message = Some(format!("exporting {} papers… (Esc cancels)", papers.len()));
    vec![Effect::Export {
        papers,
        format,
        file_name,
    }]
}
