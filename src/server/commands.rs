//! What the forwardable commands compute, shared by the command line's direct path and the
//! reader's server, so a command gives the same answer whichever process runs it. Params and
//! results are the protocol's (serde); the command line renders results the same way for both.
//!
//! Layer: the reader's; reads the store and the app's catalog, never the ui or cli.

use std::collections::{BTreeSet, HashMap, HashSet};
use std::path::PathBuf;

use anyhow::Context as _;
use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use serde_json::value::RawValue;

use crate::app::Catalog;
use crate::config::Config;
use crate::export::{ExportFormat, PaperLine};
use crate::model::{ListRow, PaperId, SourceId, UserState};
use crate::rowstore::RowStore;
use crate::store::{FeedState, Store};
use crate::sync::SyncEvent;

/// Why a command gave no result.
#[derive(Debug, thiserror::Error)]
pub enum CommandError {
    /// A query that does not parse (a usage error: exit 2).
    #[error("{0}")]
    BadQuery(String),
    /// Params that do not fit (from a script; the command line always sends good ones).
    #[error("{0}")]
    BadParams(String),
    #[error(transparent)]
    Failed(#[from] anyhow::Error),
}

// ---------------------------------------------------------------- list

/// `list`'s flags.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct ListParams {
    pub date: Option<NaiveDate>,
    pub starred: bool,
    pub unread: bool,
    pub limit: Option<usize>,
    pub query: Option<String>,
    /// Full records (`list --json`'s objects) instead of list rows.
    pub json: bool,
}

/// What a text listing shows of a paper; every `list` object has at least these fields.
/// `day` is `None` for a paper starred (from the command line, by id) that no source has
/// brought yet: it has no title and no day, and `list --starred` still shows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ListedPaper {
    pub id: String,
    pub title: String,
    pub day: Option<NaiveDate>,
    pub upvotes: Option<u32>,
    pub starred: bool,
    pub read: bool,
}

impl ListedPaper {
    /// A list row and its user state, as a text listing shows them.
    pub fn of(row: &ListRow, state: &UserState) -> ListedPaper {
        ListedPaper {
            id: row.id.as_str().to_string(),
            title: row.title().to_string(),
            day: Some(row.day),
            upvotes: row.upvotes(),
            starred: state.is_starred(),
            read: state.read,
        }
    }

    /// A starred paper not in the cache yet.
    pub fn not_fetched(id: &PaperId, state: &UserState) -> ListedPaper {
        ListedPaper {
            id: id.as_str().to_string(),
            title: String::new(),
            day: None,
            upvotes: None,
            starred: state.is_starred(),
            read: state.read,
        }
    }
}

/// `list --json`'s object for a starred paper not in the cache yet: the fields a script can
/// rely on, empty, and `"fetched": false` (only these objects carry `fetched`).
#[derive(Debug, Serialize)]
struct NotFetchedLine<'a> {
    id: &'a str,
    fetched: bool,
    title: &'a str,
    authors: [&'a str; 0],
    #[serde(rename = "abstract")]
    abstract_text: &'a str,
    day: Option<NaiveDate>,
    starred: bool,
    starred_at: Option<DateTime<Utc>>,
    read: bool,
    note: Option<&'a str>,
}

impl<'a> NotFetchedLine<'a> {
    fn new(id: &'a PaperId, state: &'a UserState) -> NotFetchedLine<'a> {
        NotFetchedLine {
            id: id.as_str(),
            fetched: false,
            title: "",
            authors: [],
            abstract_text: "",
            day: None,
            starred: state.is_starred(),
            starred_at: state.starred_at,
            read: state.read,
            note: state.note.as_deref(),
        }
    }
}

/// `list`'s answer: one JSON object per paper, in listing order. With `json` they are the
/// objects `list --json` prints (exactly as serialised), otherwise [`ListedPaper`]s. Through
/// the reader a long listing comes in parts: `progress` replies of this shape, then the `ok`
/// with the last part (a short listing is the `ok` alone).
#[derive(Debug, Serialize, Deserialize)]
pub struct ListResult {
    pub papers: Vec<Box<RawValue>>,
}

/// A part of a streamed listing is sent once it holds this many objects…
pub const LIST_PART_PAPERS: usize = 500;
/// …or this many bytes of them, whichever comes first: every reply line stays well under a
/// megabyte or so (one object past the mark), however long the listing.
pub const LIST_PART_BYTES: usize = 256 * 1024;

/// Where a listing's objects go, one at a time, in listing order.
pub type ListSink<'a> = dyn FnMut(Box<RawValue>) -> Result<(), CommandError> + 'a;

/// `list` straight from the store (no reader open).
pub fn list_from_store(store: &Store, params: &ListParams) -> Result<ListResult, CommandError> {
    let mut papers = Vec::new();
    list_from_store_into(store, params, &mut |paper| {
        papers.push(paper);
        Ok(())
    })?;
    Ok(ListResult { papers })
}

/// `list` from the reader's catalog snapshot when there is one, else from the store; each
/// object goes to `sink` as it is made (the reader streams them, never holding a large
/// listing whole).
pub fn list_into(
    store: &Store,
    catalog: Option<&Catalog>,
    params: &ListParams,
    sink: &mut ListSink<'_>,
) -> Result<(), CommandError> {
    match catalog {
        Some(catalog) => list_from_catalog_into(store, catalog, params, sink),
        None => list_from_store_into(store, params, sink),
    }
}

fn list_from_store_into(
    store: &Store,
    params: &ListParams,
    sink: &mut ListSink<'_>,
) -> Result<(), CommandError> {
    // A bad query is said before the cache is read.
    check_query(params.query.as_deref())?;
    let rows = match params.date {
        Some(day) => store.rows_for_day(day),
        None => store.all_rows(),
    }
    .context("cannot read the paper cache")?;
    let states = user_states(store)?;
    let matches = match &params.query {
        Some(query) => {
            let catalog = crate::app::catalog::full_catalog(store, true)
                .context("cannot read the paper cache")?;
            Some(query_matches(&catalog, &states, query)?)
        }
        None => None,
    };
    list_rows(store, rows.iter(), &states, matches.as_ref(), params, sink)
}

/// `list` from a catalog snapshot (the reader's), with the store's current user state.
fn list_from_catalog_into(
    store: &Store,
    catalog: &Catalog,
    params: &ListParams,
    sink: &mut ListSink<'_>,
) -> Result<(), CommandError> {
    let states = user_states(store)?;
    let matches = match &params.query {
        Some(query) => Some(query_matches(catalog, &states, query)?),
        None => None,
    };
    let rows = catalog
        .rows
        .iter()
        .filter(|row| params.date.is_none_or(|day| row.day == day));
    list_rows(store, rows, &states, matches.as_ref(), params, sink)
}

fn list_rows<'a>(
    store: &Store,
    rows: impl Iterator<Item = &'a ListRow>,
    states: &HashMap<PaperId, UserState>,
    matches: Option<&HashSet<PaperId>>,
    params: &ListParams,
    sink: &mut ListSink<'_>,
) -> Result<(), CommandError> {
    let no_state = UserState::default();
    let wanted = |state: &UserState| {
        (!params.starred || state.is_starred()) && (!params.unread || !state.read)
    };
    // `--starred` with nothing narrowing by day or words also lists stars on papers no
    // source has brought yet: set from the command line by id, they would be invisible.
    let with_not_fetched = params.starred && params.date.is_none() && matches.is_none();
    let mut cached: HashSet<&PaperId> = HashSet::new();
    let mut rows: Vec<&ListRow> = rows
        .inspect(|row| {
            if with_not_fetched {
                cached.insert(&row.id);
            }
        })
        .filter(|row| matches.is_none_or(|m| m.contains(&row.id)))
        .filter(|row| wanted(states.get(&row.id).unwrap_or(&no_state)))
        .collect();
    sort_newest_first(&mut rows);
    let mut not_fetched: Vec<(&PaperId, &UserState)> = if with_not_fetched {
        states
            .iter()
            .filter(|(id, state)| !cached.contains(id) && wanted(state))
            .collect()
    } else {
        Vec::new()
    };
    // The newest star first, as the reader's Starred view.
    not_fetched.sort_by(|a, b| b.1.starred_at.cmp(&a.1.starred_at).then(a.0.cmp(b.0)));
    let limit = params.limit.unwrap_or(usize::MAX);
    rows.truncate(limit);
    not_fetched.truncate(limit - rows.len());
    for row in rows {
        let state = states.get(&row.id).unwrap_or(&no_state);
        let json = if params.json {
            let paper = store
                .paper(&row.id)
                .context("cannot read the paper cache")?;
            serde_json::to_string(&PaperLine::new(row, paper.as_ref(), state))
        } else {
            serde_json::to_string(&ListedPaper::of(row, state))
        }
        .context("cannot write JSON")?;
        sink(RawValue::from_string(json).context("cannot write JSON")?)?;
    }
    for (id, state) in not_fetched {
        let json = if params.json {
            serde_json::to_string(&NotFetchedLine::new(id, state))
        } else {
            serde_json::to_string(&ListedPaper::not_fetched(id, state))
        }
        .context("cannot write JSON")?;
        sink(RawValue::from_string(json).context("cannot write JSON")?)?;
    }
    Ok(())
}

/// Newest day first; within a day the most upvoted first, then a stable order by id.
fn sort_newest_first(rows: &mut [&ListRow]) {
    rows.sort_by(|a, b| {
        b.day
            .cmp(&a.day)
            .then(b.upvotes().cmp(&a.upvotes()))
            .then(a.id.cmp(&b.id))
    });
}

fn user_states(store: &Store) -> Result<HashMap<PaperId, UserState>, CommandError> {
    Ok(store
        .user_states()
        .context("cannot read stars and read marks")?)
}

fn check_query(query: Option<&str>) -> Result<(), CommandError> {
    match query {
        Some(query) => crate::query::parse(query)
            .map(drop)
            .map_err(|error| CommandError::BadQuery(format!("query {query:?}: {error}"))),
        None => Ok(()),
    }
}

/// Ids of the papers a query matches over `catalog` (abstracts included) with `user` as the
/// stars and read marks.
pub fn query_matches(
    catalog: &Catalog,
    user: &HashMap<PaperId, UserState>,
    query: &str,
) -> Result<HashSet<PaperId>, CommandError> {
    let parsed = crate::query::parse(query)
        .map_err(|error| CommandError::BadQuery(format!("query {query:?}: {error}")))?;
    let mut corpus = catalog.corpus(crate::clock::Clock::System.today());
    corpus.user = user;
    Ok(match parsed.matching(&corpus) {
        Some(set) => set.iter().map(|row| catalog.rows[row].id.clone()).collect(),
        None => catalog.rows.iter().map(|row| row.id.clone()).collect(),
    })
}

// ---------------------------------------------------------------- star, unstar, read, note

/// A change to papers' user state.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Mark {
    Star,
    Unstar,
    Read,
}

impl Mark {
    /// The method name and the past tense the command line prints.
    pub fn method(self) -> &'static str {
        match self {
            Mark::Star => "star",
            Mark::Unstar => "unstar",
            Mark::Read => "read",
        }
    }

    pub fn done(self) -> &'static str {
        match self {
            Mark::Star => "starred",
            Mark::Unstar => "unstarred",
            Mark::Read => "marked read",
        }
    }
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct MarkParams {
    pub ids: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Marked {
    pub id: String,
    /// False when the paper is not in the cache yet (the mark is kept anyway).
    pub known: bool,
}

/// What a mark did, in id order; `error` says why it stopped early, if it did.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct MarkResult {
    pub marked: Vec<Marked>,
    pub error: Option<String>,
}

/// Parses ids as the command line does (any arXiv form); duplicates are marked once, in order.
pub fn parse_ids(ids: &[String]) -> Result<Vec<PaperId>, CommandError> {
    let unique: BTreeSet<PaperId> = ids
        .iter()
        .map(|id| PaperId::parse_user(id).map_err(|e| CommandError::BadParams(e.to_string())))
        .collect::<Result<_, _>>()?;
    Ok(unique.into_iter().collect())
}

/// Journals and stores the mark for each id (durable when this returns), stopping at the
/// first failure.
pub fn mark(store: &Store, ids: &[PaperId], mark: Mark, now: DateTime<Utc>) -> MarkResult {
    let mut result = MarkResult::default();
    for id in ids {
        let written = match mark {
            Mark::Star => store.set_starred(id, true, now),
            Mark::Unstar => store.set_starred(id, false, now),
            Mark::Read => store.set_read(id, true),
        };
        if let Err(error) = written {
            result.error = Some(format!("cannot save that {id} is {}: {error}", mark.done()));
            return result;
        }
        match store.paper(id) {
            Ok(paper) => {
                tracing::info!(%id, mark = mark.done(), known = paper.is_some(), "user state set");
                result.marked.push(Marked {
                    id: id.as_str().to_string(),
                    known: paper.is_some(),
                });
            }
            Err(error) => {
                result.error = Some(format!("cannot read the paper cache: {error}"));
                return result;
            }
        }
    }
    result
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct NoteParams {
    pub id: String,
    /// `None` clears the note.
    pub text: Option<String>,
}

/// Journals and stores a note (or clears it).
pub fn note(store: &Store, id: &PaperId, text: Option<String>) -> Result<Marked, CommandError> {
    let text = text.filter(|t| !t.trim().is_empty());
    store
        .set_note(id, text)
        .with_context(|| format!("cannot save the note on {id}"))?;
    let known = store
        .paper(id)
        .context("cannot read the paper cache")?
        .is_some();
    Ok(Marked {
        id: id.as_str().to_string(),
        known,
    })
}

// ---------------------------------------------------------------- export

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct ExportParams {
    #[serde(default)]
    pub starred: bool,
    #[serde(default)]
    pub query: Option<String>,
    /// `bibtex`, `markdown`, `json` or `csv`.
    pub format: String,
    /// Write here (an absolute path, resolved by the caller) instead of answering the text.
    #[serde(default)]
    pub output: Option<PathBuf>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct ExportResult {
    pub count: usize,
    /// The export, when no `output` was given.
    pub text: Option<String>,
    /// Where it was written, when `output` was given.
    pub path: Option<PathBuf>,
}

pub fn format_name(format: ExportFormat) -> String {
    use clap::ValueEnum as _;
    format
        .to_possible_value()
        .map(|v| v.get_name().to_string())
        .unwrap_or_default()
}

pub fn parse_format(name: &str) -> Result<ExportFormat, CommandError> {
    use clap::ValueEnum as _;
    ExportFormat::from_str(name, true)
        .map_err(|_| CommandError::BadParams(format!("unknown export format {name:?}")))
}

/// Exports from the store, answering the text or writing `output`.
pub fn export(
    store: &Store,
    catalog: Option<&Catalog>,
    params: &ExportParams,
) -> Result<ExportResult, CommandError> {
    let format = parse_format(&params.format)?;
    check_query(params.query.as_deref())?;
    if params.output.as_ref().is_some_and(|p| p.is_relative()) {
        return Err(CommandError::BadParams(
            "\"output\" must be an absolute path".into(),
        ));
    }
    let states = user_states(store)?;
    // The rows, and the catalog a query runs on: the reader's, or one read here.
    let (loaded_rows, loaded_catalog);
    let (rows, query_catalog): (&RowStore<ListRow>, Option<&Catalog>) = match catalog {
        Some(catalog) => (&catalog.rows, Some(catalog)),
        None if params.query.is_some() => {
            loaded_catalog = crate::app::catalog::full_catalog(store, true)
                .context("cannot read the paper cache")?;
            (&loaded_catalog.rows, Some(&loaded_catalog))
        }
        None => {
            loaded_rows = RowStore::from(store.all_rows().context("cannot read the paper cache")?);
            (&loaded_rows, None)
        }
    };
    let matches = match (&params.query, query_catalog) {
        (Some(query), Some(catalog)) => Some(query_matches(catalog, &states, query)?),
        _ => None,
    };
    let mut rows: Vec<&ListRow> = rows
        .iter()
        .filter(|row| matches.as_ref().is_none_or(|m| m.contains(&row.id)))
        .filter(|row| !params.starred || states.get(&row.id).is_some_and(UserState::is_starred))
        .collect();
    sort_newest_first(&mut rows);
    let wanted: Vec<(PaperId, NaiveDate)> = rows.iter().map(|r| (r.id.clone(), r.day)).collect();
    let papers = crate::export::load(store, &wanted).context("cannot read the paper cache")?;
    let text = crate::export::render(format, &papers);
    match &params.output {
        Some(path) => {
            std::fs::write(path, text)
                .with_context(|| format!("cannot write {}", path.display()))?;
            Ok(ExportResult {
                count: papers.len(),
                text: None,
                path: Some(path.clone()),
            })
        }
        None => Ok(ExportResult {
            count: papers.len(),
            text: Some(text),
            path: None,
        }),
    }
}

// ---------------------------------------------------------------- feeds

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct FeedLine {
    pub id: SourceId,
    pub state: FeedState,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct FeedsResult {
    pub sources: Vec<FeedLine>,
}

/// Every configured source with what its last sync did.
pub fn feeds(config: &Config, store: &Store) -> Result<FeedsResult, CommandError> {
    let mut states: HashMap<SourceId, FeedState> = store
        .feed_states()
        .context("cannot read the sync state")?
        .into_iter()
        .collect();
    let sources = crate::sync::sources_from_config(config, None, None)
        .iter()
        .map(|source| {
            let id = source.id().clone();
            let state = states.remove(&id).unwrap_or_default();
            FeedLine { id, state }
        })
        .collect();
    Ok(FeedsResult { sources })
}

// ---------------------------------------------------------------- sync

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(default)]
pub struct SyncParams {
    pub days: Option<u32>,
    pub date: Option<NaiveDate>,
    /// `--week`/`--month`: only HF's list of that period (every page).
    pub list: Option<crate::source::hf_lists::HfList>,
}

impl SyncParams {
    /// Whether the round is not the configured one (other days, a date, an HF period).
    pub fn one_off(&self) -> bool {
        self.days.is_some() || self.date.is_some() || self.list.is_some()
    }

    /// The sources this sync fetches.
    pub fn sources(&self, config: &Config) -> Vec<std::sync::Arc<dyn crate::source::Source>> {
        match &self.list {
            Some(list) => crate::sync::list_sources_from_config(config, list),
            None => crate::sync::sources_from_config(config, self.days, self.date),
        }
    }
}

/// One per-source line of a sync round.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum SyncLine {
    Updated {
        source: SourceId,
        new: usize,
        changed: usize,
        /// Items the source skipped, and why ("3 of 20 items skipped: no title or summary").
        #[serde(default)]
        note: Option<String>,
    },
    Failed {
        source: SourceId,
        error: String,
        /// The error in a few words ("server error 500").
        #[serde(default)]
        reason: String,
    },
    /// Not fetched: its server asked (Retry-After) to wait until `until`.
    HeldBack {
        source: SourceId,
        host: String,
        until: DateTime<Utc>,
    },
    /// Not part of the round that ran (a background round joined), with its next try.
    Skipped {
        source: SourceId,
        until: Option<DateTime<Utc>>,
    },
}

/// What a round did, for the summary and the exit code.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct SyncSummary {
    /// Every source is disabled: nothing ran.
    pub nothing_to_sync: bool,
    pub succeeded: usize,
    pub failed: usize,
    pub deferred: usize,
    pub new: usize,
    pub changed: usize,
    /// Papers retention dropped after a round without failures.
    pub dropped: usize,
    pub retention_days: u32,
}

/// Follows one round's events: the lines to print as they come, and the totals.
pub struct RoundFollower {
    configured: Vec<SourceId>,
    /// Configured sources the round did not start and that were not held back (yet).
    not_started: Vec<SourceId>,
    pub summary: SyncSummary,
}

impl RoundFollower {
    pub fn new(configured: Vec<SourceId>) -> RoundFollower {
        RoundFollower {
            configured,
            not_started: Vec::new(),
            summary: SyncSummary::default(),
        }
    }

    /// The lines `event` adds; true as the second value once the round finished.
    pub fn on_event(&mut self, store: &Store, event: &SyncEvent) -> (Vec<SyncLine>, bool) {
        let summary = &mut self.summary;
        match event {
            SyncEvent::Started { sources: started } => {
                self.not_started = self
                    .configured
                    .iter()
                    .filter(|id| !started.contains(id))
                    .cloned()
                    .collect();
                (Vec::new(), false)
            }
            SyncEvent::SourceHeldBack { id, host, until } => {
                self.not_started.retain(|other| other != id);
                summary.deferred += 1;
                let line = SyncLine::HeldBack {
                    source: id.clone(),
                    host: host.clone(),
                    until: *until,
                };
                (vec![line], false)
            }
            // HF list fetches run beside rounds and are not part of one.
            SyncEvent::SourceProgress { .. }
            | SyncEvent::ListFetched { .. }
            | SyncEvent::ListFailed { .. } => (Vec::new(), false),
            SyncEvent::SourceUpdated {
                id,
                new,
                changed,
                note,
            } => {
                summary.succeeded += 1;
                summary.new += new;
                summary.changed += changed;
                let line = SyncLine::Updated {
                    source: id.clone(),
                    new: *new,
                    changed: *changed,
                    note: note.clone(),
                };
                (vec![line], false)
            }
            SyncEvent::SourceFailed { id, error, reason } => {
                summary.failed += 1;
                let line = SyncLine::Failed {
                    source: id.clone(),
                    error: error.clone(),
                    reason: reason.clone(),
                };
                (vec![line], false)
            }
            SyncEvent::Finished { .. } => {
                let lines = std::mem::take(&mut self.not_started)
                    .into_iter()
                    .map(|id| {
                        summary.deferred += 1;
                        let until = store
                            .feed_state(&id)
                            .ok()
                            .and_then(|s| s.next_attempt_after);
                        SyncLine::Skipped { source: id, until }
                    })
                    .collect();
                (lines, true)
            }
        }
    }
}

/// After a round: a round without failures applies the retention (`keep_days`, 0 = keep all).
pub fn finish_round(
    store: &Store,
    summary: &mut SyncSummary,
    keep_days: u32,
    today: NaiveDate,
) -> Result<(), CommandError> {
    summary.retention_days = keep_days;
    if summary.failed == 0 && keep_days > 0 {
        summary.dropped = store
            .apply_retention(keep_days, today)
            .context("cannot drop old papers")?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn listed_papers_read_from_list_json_objects() {
        // A `list --json` object carries every field a text listing shows.
        let id = PaperId::parse_user("2504.21318").unwrap();
        let mut paper = crate::model::Paper::new(id, "A title".into(), SourceId::hf());
        paper.upvotes = Some(3);
        let row = paper.list_row(NaiveDate::from_ymd_opt(2025, 4, 30).unwrap());
        let state = UserState {
            starred_at: Some(Utc::now()),
            read: false,
            note: None,
        };
        let json = serde_json::to_string(&PaperLine::new(&row, Some(&paper), &state)).unwrap();
        let listed: ListedPaper = serde_json::from_str(&json).unwrap();
        assert_eq!(listed.id, "2504.21318");
        assert_eq!(listed.upvotes, Some(3));
        assert!(listed.starred && !listed.read);
    }

    #[test]
    fn export_formats_round_trip_by_name() {
        for format in [
            ExportFormat::Bibtex,
            ExportFormat::Markdown,
            ExportFormat::Json,
            ExportFormat::Csv,
            ExportFormat::CslJson,
            ExportFormat::Ris,
        ] {
            assert_eq!(parse_format(&format_name(format)).unwrap(), format);
        }
        assert!(parse_format("docx").is_err());
    }

    #[test]
    fn ids_parse_like_the_command_line_and_dedupe() {
        let ids = parse_ids(&["arXiv:2504.21318v2".into(), "2504.21318".into()]).unwrap();
        assert_eq!(ids.len(), 1);
        assert!(matches!(
            parse_ids(&["not an id".into()]),
            Err(CommandError::BadParams(_))
        ));
    }
}
