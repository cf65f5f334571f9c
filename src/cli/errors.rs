//! Error reporting at the edge: an error chain becomes one sanitized line on stderr, a clap
//! usage error becomes one line and exit code 2, help and version print as clap renders them.

use std::process::ExitCode;

use super::EXIT_USAGE;

/// The error and its causes on one line, a cause already said not said twice: the same words
/// the open reader replies with, so a forwarded command fails exactly as a direct one.
pub(super) fn error_line(error: &anyhow::Error) -> String {
    crate::server::chain_line(error)
}

/// Help and version print as clap renders them; every real usage error becomes one line.
pub(super) fn usage_error(error: &clap::Error) -> ExitCode {
    use clap::error::ErrorKind;
    match error.kind() {
        ErrorKind::DisplayHelp
        | ErrorKind::DisplayVersion
        | ErrorKind::DisplayHelpOnMissingArgumentOrSubcommand => {
            let _ = error.print();
            let code = u8::try_from(error.exit_code()).unwrap_or(EXIT_USAGE);
            ExitCode::from(code)
        }
        _ => {
            let rendered = error.render().to_string();
            // The first paragraph is the message; the rest is usage and tips.
            let message: Vec<&str> = rendered
                .lines()
                .take_while(|line| !line.trim().is_empty())
                .map(str::trim)
                .collect();
            let message = message.join(" ");
            let message = message.strip_prefix("error: ").unwrap_or(&message);
            eprintln!(
                "paperboat: error: {} (see paperboat --help)",
                crate::text::sanitize_line(message)
            );
            ExitCode::from(EXIT_USAGE)
        }
    }
}

pub(super) fn bad_query(message: &str) -> ExitCode {
    eprintln!(
        "paperboat: error: {} (see ? in the reader for the query language)",
        crate::text::sanitize_line(message)
    );
    ExitCode::from(EXIT_USAGE)
}

#[cfg(test)]
mod tests {
    use std::path::PathBuf;

    use super::*;

    #[test]
    fn error_causes_are_not_repeated() {
        let io = std::io::Error::new(std::io::ErrorKind::NotFound, "No such file");
        let error = anyhow::Error::new(crate::config::ConfigError::Read {
            path: PathBuf::from("c.toml"),
            source: io,
        })
        .context("loading");
        assert_eq!(
            error_line(&error),
            "loading: cannot read config c.toml: No such file"
        );
    }
}
