//! `paperboat star`, `unstar` and `read`: set user state on papers by id, known or not.

use std::collections::BTreeSet;
use std::process::ExitCode;

use anyhow::Context;

use crate::clock::Clock;
use crate::model::PaperId;
use crate::store::Store;

use super::output::Output;

#[derive(Debug, Clone, Copy)]
pub(super) enum Mark {
    Star,
    Unstar,
    Read,
}

impl Mark {
    fn done(self) -> &'static str {
        match self {
            Mark::Star => "starred",
            Mark::Unstar => "unstarred",
            Mark::Read => "marked read",
        }
    }
}

pub(super) fn mark_command(
    store: &Store,
    ids: Vec<PaperId>,
    mark: Mark,
) -> anyhow::Result<ExitCode> {
    let now = Clock::System.now();
    let mut out = Output::stdout();
    let unique: BTreeSet<PaperId> = ids.into_iter().collect();
    for id in &unique {
        let written = match mark {
            Mark::Star => store.set_starred(id, true, now),
            Mark::Unstar => store.set_starred(id, false, now),
            Mark::Read => store.set_read(id, true),
        };
        written.with_context(|| format!("cannot save that {id} is {}", mark.done()))?;
        let known = store
            .paper(id)
            .context("cannot read the paper cache")?
            .is_some();
        if !known {
            eprintln!(
                "paperboat: note: {id} is not in the cache yet; {} anyway (it shows once a \
                 sync brings it)",
                mark.done()
            );
        }
        tracing::info!(%id, mark = mark.done(), known, "user state set");
        out.line(&format!("{} {id}", mark.done()));
    }
    Ok(ExitCode::SUCCESS)
}
