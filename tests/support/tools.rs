//! Whether an external program a test drives (tmux, script) is installed. Outside CI a missing
//! tool skips the test with a message; under CI (`CI` set) it fails it, so a CI image that lost
//! the tool cannot turn the end-to-end tests into silent passes.

use std::process::Command;

/// True when `program` runs (`program version_arg` exits successfully). When it does not:
/// panics with a clear message if `CI` is set, else prints why the test is skipped and returns
/// false.
pub fn require_tool(program: &str, version_arg: &str) -> bool {
    let runs = Command::new(program)
        .arg(version_arg)
        .output()
        .is_ok_and(|output| output.status.success());
    if runs {
        return true;
    }
    let under_ci = std::env::var_os("CI").is_some_and(|value| !value.is_empty());
    assert!(
        !under_ci,
        "`{program}` is not installed, and CI is set: this test needs it (install `{program}`, \
         do not skip)"
    );
    eprintln!("`{program}` is not installed: skipping this test (it fails under CI)");
    false
}
