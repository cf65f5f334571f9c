//! `paperboat doctor`: check (or rebuild) the paper cache and the star journal.

use std::path::Path;
use std::process::ExitCode;

use anyhow::Context;

use super::EXIT_FAILED;
use super::output::Output;

pub(super) fn doctor_command(data_dir: &Path, rebuild: bool) -> anyhow::Result<ExitCode> {
    // It needs the store to itself (a rebuild moves it aside); the reader holds it.
    if let Some(owner) = super::forward::open_reader(data_dir) {
        eprintln!(
            "paperboat: error: doctor needs the paper cache to itself: close the reader first \
             ({})",
            owner.describe()
        );
        return Ok(ExitCode::from(EXIT_FAILED));
    }
    let diagnosis = if rebuild {
        crate::doctor::rebuild(data_dir)
    } else {
        crate::doctor::diagnose(data_dir)
    }
    .with_context(|| format!("cannot check the paper cache in {}", data_dir.display()))?;
    let mut out = Output::stdout();
    for line in &diagnosis.lines {
        out.line(line);
    }
    Ok(if diagnosis.healthy {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(EXIT_FAILED)
    })
}
