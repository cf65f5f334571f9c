//! The command-line definition (clap types) and the value parsers it uses: every flag,
//! subcommand and help text lives here. Parsing only; what a command does lives in its own file.
//! Must not import the reader, the store or any command body.

use std::path::PathBuf;

use chrono::NaiveDate;
use clap::{Parser, Subcommand};

use crate::export::ExportFormat;
use crate::model::PaperId;
use crate::source::hf_lists::{DEFAULT_SEARCH_LIMIT, HfList};

/// A terminal reader for research-paper feeds: Hugging Face Daily Papers, arXiv, any RSS/Atom.
#[derive(Debug, Parser)]
#[command(name = "paperboat", version, about, max_term_width = 100)]
pub struct Cli {
    /// The paper cache [default: the XDG data dir, e.g. ~/.local/share/paperboat]
    #[arg(long, global = true, value_name = "DIR")]
    pub data_dir: Option<PathBuf>,
    /// The config file [default: ~/.config/paperboat/config.toml; missing means defaults]
    #[arg(long, global = true, value_name = "FILE")]
    pub config: Option<PathBuf>,
    /// Open the reader on a bundled demo feed, in a throwaway data dir removed on exit
    #[arg(long, conflicts_with_all = ["data_dir", "config"])]
    pub demo: bool,
    #[command(subcommand)]
    pub command: Option<Command>,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Fetch every configured source once and store what is new; exit 1 if any source failed
    Sync {
        /// Days of Hugging Face Daily Papers to fetch, today (UTC) included [default: from
        /// the config]
        #[arg(long, value_name = "N", value_parser = clap::value_parser!(u32).range(1..=3650))]
        days: Option<u32>,
        /// Fetch this one day of Hugging Face Daily Papers instead
        #[arg(long, value_name = "YYYY-MM-DD", value_parser = parse_date, conflicts_with = "days")]
        date: Option<NaiveDate>,
        /// Fetch Hugging Face's list of this ISO week instead (every page), e.g. 2026-W49
        #[arg(long, value_name = "YYYY-Www", value_parser = parse_week,
            conflicts_with_all = ["days", "date"])]
        week: Option<HfList>,
        /// Fetch Hugging Face's list of this month instead (every page), e.g. 2026-12
        #[arg(long, value_name = "YYYY-MM", value_parser = parse_month,
            conflicts_with_all = ["days", "date", "week"])]
        month: Option<HfList>,
    },
    /// Search Hugging Face's papers (titles, authors, text) and print the results like
    /// `list`; they are cached, so they can be starred ('+' marks those new to the cache)
    Search {
        /// What to look for (at most 250 characters)
        #[arg(required = true, value_name = "QUERY", num_args = 1..)]
        query: Vec<String>,
        /// At most this many results (1-100)
        #[arg(long, value_name = "N", default_value_t = DEFAULT_SEARCH_LIMIT as u64,
            value_parser = clap::value_parser!(u64).range(1..=100))]
        limit: u64,
        /// One JSON object per line instead of text (`list --json`'s fields and `cached`)
        #[arg(long)]
        json: bool,
    },
    /// Print the cached papers, newest first (marks: * starred, r read)
    List {
        /// Only papers filed under this day
        #[arg(long, value_name = "YYYY-MM-DD", value_parser = parse_date)]
        date: Option<NaiveDate>,
        /// Only starred papers
        #[arg(long)]
        starred: bool,
        /// Only papers not marked read
        #[arg(long)]
        unread: bool,
        /// At most this many papers
        #[arg(long, value_name = "N")]
        limit: Option<usize>,
        /// One JSON object per line instead of text
        #[arg(long)]
        json: bool,
        /// Only papers matching a query, as typed in the reader's filter (e.g. 'cat:cs.LG
        /// diffusion -is:read upvotes:>20'); it may start with '-' ('-has:code')
        #[arg(long, short = 'q', value_name = "QUERY", allow_hyphen_values = true)]
        query: Option<String>,
    },
    /// Export papers (all, starred, or matching a query) as BibTeX, CSL-JSON, RIS, Markdown, JSON
    /// or CSV
    Export {
        /// Only starred papers
        #[arg(long, conflicts_with = "query")]
        starred: bool,
        /// Only papers matching a query (the reader's filter language); it may start with '-'
        #[arg(long, short = 'q', value_name = "QUERY", allow_hyphen_values = true)]
        query: Option<String>,
        #[arg(long, short = 'f', value_enum, default_value_t = ExportFormat::Bibtex)]
        format: ExportFormat,
        /// Write to this file instead of stdout
        #[arg(long, short = 'o', value_name = "FILE")]
        output: Option<PathBuf>,
    },
    /// List the sources with their last sync result; import or export feed lists
    Feeds {
        #[command(subcommand)]
        action: Option<FeedsCommand>,
    },
    /// Print a shell completion script (e.g. paperboat completions bash > ~/.local/share/bash-completion/completions/paperboat)
    Completions {
        #[arg(value_enum)]
        shell: clap_complete::Shell,
    },
    /// Print the man page (roff), e.g. paperboat man > ~/.local/share/man/man1/paperboat.1
    Man,
    /// Star papers (arXiv ids in any form, or ids as `list` prints them)
    Star {
        #[arg(required = true, value_name = "ID", value_parser = parse_id)]
        ids: Vec<PaperId>,
    },
    /// Remove the star from papers
    Unstar {
        #[arg(required = true, value_name = "ID", value_parser = parse_id)]
        ids: Vec<PaperId>,
    },
    /// Mark papers read
    Read {
        #[arg(required = true, value_name = "ID", value_parser = parse_id)]
        ids: Vec<PaperId>,
    },
    /// Set the note on a paper, or remove it with --clear
    Note {
        #[arg(value_name = "ID", value_parser = parse_id)]
        id: PaperId,
        /// The note (one argument: quote it)
        #[arg(
            value_name = "TEXT",
            required_unless_present = "clear",
            conflicts_with = "clear"
        )]
        text: Option<String>,
        /// Remove the note
        #[arg(long)]
        clear: bool,
    },
    /// Download papers' PDFs to [papers] dir (a second download prints the file it has)
    Pdf {
        #[arg(required = true, value_name = "ID", value_parser = parse_id)]
        ids: Vec<PaperId>,
        /// Save into this directory instead of [papers] dir (created when missing)
        #[arg(long, value_name = "DIR")]
        dir: Option<PathBuf>,
    },
    /// Print one paper's detail (looked up on HF or arXiv when not cached); --full adds its
    /// full text (fetched and cached when needed; exit 1 when there is none)
    Show {
        #[arg(value_name = "ID", value_parser = parse_id)]
        id: PaperId,
        /// Add the whole paper (HF Markdown, else arXiv HTML) as text
        #[arg(long)]
        full: bool,
        /// One JSON object: the `list --json` fields, plus `fulltext` with --full
        #[arg(long)]
        json: bool,
    },
    /// Check the paper cache and the star journal; exit 1 if anything is wrong
    Doctor {
        /// Move the paper cache aside (never deleted) and rebuild it from the journal
        #[arg(long)]
        rebuild: bool,
    },
}

#[derive(Debug, Subcommand)]
pub enum FeedsCommand {
    /// Add the feeds of an OPML or newsboat `urls` file to the config as [[sources.feeds]]
    Import {
        #[arg(value_name = "FILE")]
        file: PathBuf,
        /// Follow arXiv listing URLs (rss.arxiv.org/rss/cs.LG+cs.AI, export.arxiv.org/rss/…) as
        /// [sources.arxiv] categories instead of feeds, replacing listing feeds already in the config
        #[arg(long)]
        arxiv_categories: bool,
    },
    /// Print the configured feeds as OPML
    Export {
        /// Write to this file instead of stdout
        #[arg(long, short = 'o', value_name = "FILE")]
        output: Option<PathBuf>,
    },
}

pub(super) fn parse_date(text: &str) -> Result<NaiveDate, String> {
    NaiveDate::parse_from_str(text.trim(), "%Y-%m-%d")
        .map_err(|_| "expected a date as YYYY-MM-DD, e.g. 2025-04-30".to_string())
}

pub(super) fn parse_week(text: &str) -> Result<HfList, String> {
    HfList::parse_week(text).map_err(|e| e.to_string())
}

pub(super) fn parse_month(text: &str) -> Result<HfList, String> {
    HfList::parse_month(text).map_err(|e| e.to_string())
}

pub(super) fn parse_id(text: &str) -> Result<PaperId, String> {
    PaperId::parse_user(text).map_err(|e| e.to_string())
}

#[cfg(test)]
mod tests {
    use std::path::Path;

    use clap::CommandFactory;

    use super::*;

    #[test]
    fn the_command_line_definition_is_consistent() {
        Cli::command().debug_assert();
    }

    #[test]
    fn dates_parse_strictly() {
        assert_eq!(
            parse_date("2025-04-30"),
            Ok(NaiveDate::from_ymd_opt(2025, 4, 30).unwrap())
        );
        for bad in ["2025-13-01", "30.04.2025", "2025-04-31", "", "yesterday"] {
            assert!(parse_date(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn subcommands_and_flags_parse() {
        let cli = Cli::try_parse_from([
            "paperboat",
            "--data-dir",
            "/tmp/d",
            "list",
            "--starred",
            "--limit",
            "5",
            "--json",
        ])
        .unwrap();
        assert_eq!(cli.data_dir.as_deref(), Some(Path::new("/tmp/d")));
        assert!(matches!(
            cli.command,
            Some(Command::List {
                starred: true,
                limit: Some(5),
                json: true,
                ..
            })
        ));
        // Global flags work after the subcommand too.
        let cli = Cli::try_parse_from(["paperboat", "sync", "--days", "3", "--config", "c.toml"])
            .unwrap();
        assert_eq!(cli.config.as_deref(), Some(Path::new("c.toml")));
        assert!(matches!(
            cli.command,
            Some(Command::Sync {
                days: Some(3),
                date: None,
                ..
            })
        ));
    }

    #[test]
    fn ids_in_any_form_parse_and_garbage_is_a_usage_error() {
        let cli = Cli::try_parse_from(["paperboat", "star", "arXiv:2504.21318v2"]).unwrap();
        let Some(Command::Star { ids }) = cli.command else {
            panic!("not star")
        };
        assert_eq!(ids, vec![PaperId::parse_user("2504.21318").unwrap()]);
        let error = Cli::try_parse_from(["paperboat", "star", "not-an-id"]).unwrap_err();
        assert_eq!(error.kind(), clap::error::ErrorKind::ValueValidation);
        assert!(Cli::try_parse_from(["paperboat", "read"]).is_err());
        assert!(Cli::try_parse_from(["paperboat", "sync", "--days", "0"]).is_err());
    }

    #[test]
    fn demo_excludes_data_dir_and_config() {
        assert!(Cli::try_parse_from(["paperboat", "--demo", "--data-dir", "/x"]).is_err());
        assert!(Cli::try_parse_from(["paperboat", "--demo"]).is_ok());
    }
}
