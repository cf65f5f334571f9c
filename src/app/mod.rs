//! The reader's model (`App`) and `update()`, the only mutator: actions in, effects out.
// SKELETON: owned by the lead.

use std::path::PathBuf;

use crate::config::Config;

/// Everything the reader needs to start.
pub struct ReaderOptions {
    pub config: Config,
    pub data_dir: PathBuf,
    /// Where the log file goes.
    pub log_dir: PathBuf,
}

/// Opens the reader: draws the cache, starts the sync task, runs until the user quits.
pub fn run_reader(_options: ReaderOptions) -> anyhow::Result<()> {
    Ok(())
}
