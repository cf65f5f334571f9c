//! `paperboat star`, `unstar`, `read` and `note`: set user state on papers by id, known or not,
//! through the open reader or on the store.

use std::process::ExitCode;

use crate::clock::Clock;
use crate::model::PaperId;
use crate::server::commands::{self, Mark, MarkParams, MarkResult, Marked, NoteParams};

use super::forward::{Target, call};
use super::output::Output;

pub(super) fn mark_command(
    target: &mut Target,
    ids: Vec<PaperId>,
    mark: Mark,
) -> anyhow::Result<ExitCode> {
    let params = MarkParams {
        ids: ids.iter().map(|id| id.as_str().to_string()).collect(),
    };
    let result: MarkResult = match call(
        target,
        mark.method(),
        &params,
        |_| {},
        |store| {
            let ids = commands::parse_ids(&params.ids)?;
            Ok(commands::mark(store, &ids, mark, Clock::System.now()))
        },
    ) {
        Ok(result) => result,
        Err(failure) => return failure.report(),
    };
    let mut out = Output::stdout();
    for marked in &result.marked {
        say_if_unknown(marked, mark.done());
        out.line(&format!("{} {}", mark.done(), marked.id));
    }
    match result.error {
        Some(error) => Err(anyhow::anyhow!(error)),
        None => Ok(ExitCode::SUCCESS),
    }
}

/// `note ID TEXT` sets the note, `note ID --clear` removes it.
pub(super) fn note_command(
    target: &mut Target,
    id: &PaperId,
    text: Option<String>,
) -> anyhow::Result<ExitCode> {
    let clearing = text.as_ref().is_none_or(|t| t.trim().is_empty());
    let params = NoteParams {
        id: id.as_str().to_string(),
        text,
    };
    let marked: Marked = match call(
        target,
        "note",
        &params,
        |_| {},
        |store| commands::note(store, id, params.text.clone()),
    ) {
        Ok(marked) => marked,
        Err(failure) => return failure.report(),
    };
    let done = if clearing {
        "cleared the note on"
    } else {
        "noted"
    };
    say_if_unknown(&marked, if clearing { "cleared" } else { "noted" });
    Output::stdout().line(&format!("{done} {}", marked.id));
    Ok(ExitCode::SUCCESS)
}

fn say_if_unknown(marked: &Marked, done: &str) {
    if !marked.known {
        eprintln!(
            "paperboat: note: {} is not in the cache yet; {done} anyway (it shows once a sync \
             brings it)",
            crate::text::sanitize_line(&marked.id)
        );
    }
}
