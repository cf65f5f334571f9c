//! The command line (clap): the reader by default; `sync`, `list`, `star`, `unstar`, `read`.
// SKELETON: owned by the sync/CLI helper.

use std::process::ExitCode;

pub fn main() -> ExitCode {
    ExitCode::SUCCESS
}
