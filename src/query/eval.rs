//! The evaluator: a parsed query over the catalog's rows, user state and text index, to the set
//! of matching rows; and relevance scores (BM25 over the matched fields) to rank them.

use std::collections::HashMap;

use chrono::{Days, NaiveDate};

use super::fulltext::FullTextIndex;
use super::index::{IndexField, TextIndex};
use super::parse::{CountField, DateTerm, DayRef, Expr, Flag, Query, Term, TextField};
use super::rowset::RowSet;
use crate::model::{ListRow, Paper, PaperId, UserState};
use crate::rowstore::{RowIndex, RowStore};

/// What a query can test beyond the list row, read from the full record with the abstracts.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RowDetails {
    /// Every category, primary first; shared between rows by the catalog (a few dozen
    /// distinct names over a million rows).
    pub categories: std::sync::Arc<[std::sync::Arc<str>]>,
    pub github_stars: Option<u32>,
    pub has_summary: bool,
    /// A PDF downloaded on this machine (its file existed when the catalog was read).
    pub has_pdf: bool,
    /// HF models, datasets, Spaces cite it (as last fetched; never fetched means no).
    pub linked: [bool; 3],
}

impl RowDetails {
    pub fn of(paper: &Paper) -> RowDetails {
        RowDetails {
            categories: paper.categories.iter().map(|c| c.as_str().into()).collect(),
            github_stars: paper.github_stars,
            has_summary: paper.ai_summary.as_deref().is_some_and(|s| !s.is_empty()),
            has_pdf: false,
            linked: [false; 3],
        }
    }
}

/// Everything a query is evaluated over. `details` is aligned with `rows`, or empty before the
/// full records are loaded (then `cat:` sees only the primary category, `stars:` and
/// `has:summary` nothing).
#[derive(Debug, Clone, Copy)]
pub struct Corpus<'a> {
    pub rows: &'a RowStore<ListRow>,
    pub details: &'a RowStore<RowDetails>,
    pub index: &'a TextIndex,
    pub user: &'a HashMap<PaperId, UserState>,
    pub row_of: &'a RowIndex,
    /// What `since:7d` counts back from.
    pub today: NaiveDate,
    /// Cached full texts (`full:`, `has:fulltext`); `None` finds none.
    pub full_text: Option<&'a FullTextIndex>,
}

impl Corpus<'_> {
    fn details(&self, row: usize) -> Option<&RowDetails> {
        self.details.get(row)
    }
}

impl Query {
    /// The rows the query matches; `None` when it is empty (everything matches).
    pub fn matching(&self, corpus: &Corpus<'_>) -> Option<RowSet> {
        self.expr.as_ref().map(|expr| evaluate(expr, corpus))
    }

    /// BM25 relevance of each row (indexed by row; 0 for rows outside `within` or without a
    /// text match). Title matches weigh more than abstract matches.
    pub fn relevance(&self, corpus: &Corpus<'_>, within: &RowSet) -> Vec<f32> {
        let mut scores = vec![0.0; corpus.rows.len()];
        let mut full_text_hits: Vec<(usize, f32)> = Vec::new();
        for (field, tokens) in self.highlight_terms() {
            let fields: &[IndexField] = match field {
                TextField::Any => &IndexField::ALL,
                TextField::Title => &[IndexField::Title],
                TextField::Abstract => &[IndexField::Abstract],
                TextField::Author => &[IndexField::Authors],
                TextField::Note | TextField::FullText => &[],
            };
            for field in fields {
                corpus.index.score(*field, &tokens, within, &mut scores);
            }
            if matches!(field, TextField::Any | TextField::FullText) {
                full_text_hits.extend(
                    corpus
                        .full_text
                        .map(|index| index.scores(&tokens, corpus.row_of, within))
                        .unwrap_or_default(),
                );
            }
        }
        rank_full_text_below(&mut scores, full_text_hits);
        scores
    }
}

/// Full-text hits rank below every title, author and abstract hit: rows with such a hit are
/// lifted by one above the best full-text-only score (their order among themselves kept), and
/// full-text scores are squeezed into (0, 1).
fn rank_full_text_below(scores: &mut [f32], full_text_hits: Vec<(usize, f32)>) {
    if full_text_hits.is_empty() {
        return;
    }
    for score in scores.iter_mut().filter(|s| **s > 0.0) {
        *score += 1.0;
    }
    let mut full_text = vec![0.0f32; scores.len()];
    for (row, score) in full_text_hits {
        if let Some(sum) = full_text.get_mut(row) {
            *sum += score.max(0.0);
        }
    }
    for (score, extra) in scores.iter_mut().zip(full_text) {
        if extra > 0.0 {
            let squeezed = extra / (1.0 + extra);
            if *score > 0.0 {
                *score += squeezed * 1e-3;
            } else {
                *score = squeezed;
            }
        }
    }
}

/// Evaluates one node to its rows.
pub fn evaluate(expr: &Expr, corpus: &Corpus<'_>) -> RowSet {
    let len = corpus.rows.len();
    match expr {
        Expr::And(items) => {
            let mut set = RowSet::full(len);
            for item in items {
                set.and_with(&evaluate(item, corpus));
                if set.is_empty() {
                    break;
                }
            }
            set
        }
        Expr::Or(items) => {
            let mut set = RowSet::empty(len);
            for item in items {
                set.or_with(&evaluate(item, corpus));
            }
            set
        }
        Expr::Not(inner) => {
            let mut set = evaluate(inner, corpus);
            set.invert();
            set
        }
        Expr::Term(term) => evaluate_term(term, corpus),
    }
}

/// `text` starts with the lowercased `prefix`, ignoring case, without allocating for ASCII.
fn starts_with(text: &str, prefix: &str) -> bool {
    if text.is_ascii() {
        text.len() >= prefix.len()
            && text.as_bytes()[..prefix.len()].eq_ignore_ascii_case(prefix.as_bytes())
    } else {
        text.to_lowercase().starts_with(prefix)
    }
}

fn evaluate_term(term: &Term, corpus: &Corpus<'_>) -> RowSet {
    let len = corpus.rows.len();
    let rows = corpus.rows;
    match term {
        Term::Text { tokens, .. } if tokens.is_empty() => RowSet::full(len),
        Term::Text { field, tokens } => {
            let mut set = RowSet::empty(len);
            let fields: &[IndexField] = match field {
                TextField::Any => &IndexField::ALL,
                TextField::Title => &[IndexField::Title],
                TextField::Abstract => &[IndexField::Abstract],
                TextField::Author => &[IndexField::Authors],
                TextField::Note | TextField::FullText => &[],
            };
            for field in fields {
                corpus.index.matching(*field, tokens, &mut set);
            }
            if matches!(field, TextField::Any | TextField::FullText)
                && let Some(index) = corpus.full_text
            {
                index.matching(tokens, corpus.row_of, &mut set);
            }
            if matches!(field, TextField::Any | TextField::Note) {
                // Notes are few and change often: scanned, not indexed.
                for (id, state) in corpus.user {
                    if let (Some(note), Some(row)) = (&state.note, corpus.row_of.get(id))
                        && super::tokenize::text_has_phrase(note, tokens)
                    {
                        set.insert(row);
                    }
                }
            }
            set
        }
        Term::Category(prefix) => RowSet::from_fn(len, |row| match corpus.details(row) {
            Some(details) => details.categories.iter().any(|c| starts_with(c, prefix)),
            None => rows[row]
                .primary_category()
                .is_some_and(|c| starts_with(c, prefix)),
        }),
        Term::Source(prefix) => RowSet::from_fn(len, |row| {
            rows[row].sources().iter().any(|source| {
                starts_with(source.as_str(), prefix) || starts_with(source.badge(), prefix)
            })
        }),
        Term::Id(prefix) => RowSet::from_fn(len, |row| starts_with(rows[row].id.as_str(), prefix)),
        Term::Flag(flag @ (Flag::Starred | Flag::Read | Flag::Unread | Flag::Note)) => {
            // User state is small: walk it rather than hash every row's id.
            let mut set = RowSet::empty(len);
            for (id, state) in corpus.user {
                let holds = match flag {
                    Flag::Starred => state.is_starred(),
                    Flag::Note => state.note.is_some(),
                    _ => state.read,
                };
                if let (true, Some(row)) = (holds, corpus.row_of.get(id)) {
                    set.insert(row);
                }
            }
            if *flag == Flag::Unread {
                set.invert();
            }
            set
        }
        Term::Flag(Flag::FullText) => {
            let mut set = RowSet::empty(len);
            if let Some(index) = corpus.full_text {
                for id in index.marked() {
                    if let Some(row) = corpus.row_of.get(id) {
                        set.insert(row);
                    }
                }
            }
            set
        }
        Term::Flag(flag) => RowSet::from_fn(len, |row| match flag {
            Flag::Code => rows[row].has_code(),
            Flag::Summary => corpus.details(row).is_some_and(|d| d.has_summary),
            Flag::Pdf => corpus.details(row).is_some_and(|d| d.has_pdf),
            Flag::Model => corpus.details(row).is_some_and(|d| d.linked[0]),
            Flag::Dataset => corpus.details(row).is_some_and(|d| d.linked[1]),
            Flag::Space => corpus.details(row).is_some_and(|d| d.linked[2]),
            // Walked through the user map, or the full-text marks, above.
            Flag::Starred | Flag::Read | Flag::Unread | Flag::Note | Flag::FullText => false,
        }),
        Term::Count { field, cmp, value } => RowSet::from_fn(len, |row| {
            let have = match field {
                CountField::Upvotes => rows[row].upvotes(),
                CountField::Comments => rows[row].comments(),
                CountField::Stars => corpus.details(row).and_then(|d| d.github_stars),
            };
            have.is_some_and(|have| cmp.holds(have, *value))
        }),
        Term::Date(date) => {
            let resolve = |day: &DayRef| match *day {
                DayRef::Day(day) => day,
                DayRef::DaysAgo(n) => corpus
                    .today
                    .checked_sub_days(Days::new(u64::from(n)))
                    .unwrap_or(NaiveDate::MIN),
            };
            RowSet::from_fn(len, |row| {
                let day = rows[row].day;
                match date {
                    DateTerm::On(on) => day == *on,
                    DateTerm::Since(since) => day >= resolve(since),
                    DateTerm::Before(before) => day < resolve(before),
                }
            })
        }
    }
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeSet;

    use chrono::{TimeZone, Utc};

    use super::*;
    use crate::model::SourceId;
    use crate::query::index::IndexDoc;
    use crate::query::parse;

    struct Fixture {
        rows: RowStore<ListRow>,
        details: RowStore<RowDetails>,
        index: TextIndex,
        user: HashMap<PaperId, UserState>,
        row_of: RowIndex,
    }

    fn day(d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(2025, 4, d).unwrap()
    }

    fn fixture() -> Fixture {
        let mut papers = Vec::new();
        let mut add = |id: &str, title: &str, abs: &str, authors: &[&str], d: u32| {
            let mut p = Paper::new(
                PaperId::from_stored(id.into()),
                title.into(),
                SourceId::hf(),
            );
            p.abstract_text = abs.into();
            p.authors = authors.iter().map(|a| a.to_string()).collect();
            p.daily_date = Some(day(d));
            papers.push(p);
            papers.len() - 1
        };
        let moe = add(
            "2504.00001",
            "Sparse Mixture-of-Experts routing",
            "We balance load across experts with a global-batch loss.",
            &["Ada Lovelace", "Alan Turing"],
            30,
        );
        let diffusion = add(
            "2504.00002",
            "Diffusion models for protein design",
            "A denoising diffusion model designs proteins.",
            &["Grace Hopper"],
            29,
        );
        let rl = add(
            "2504.00003",
            "Reinforcement learning from human feedback",
            "Policies trained with rewards; experts label data.",
            &["Alan Kay"],
            20,
        );
        let blog = add(
            "feed:blog:00000000000000aa",
            "A blog post about routing tables",
            "",
            &[],
            1,
        );
        papers[moe].upvotes = Some(120);
        papers[moe].comments = Some(4);
        papers[moe].github_stars = Some(1500);
        papers[moe].links.github = Some("https://github.com/x/moe".into());
        papers[moe].categories = vec!["cs.LG".into(), "cs.CL".into()];
        papers[moe].ai_summary = Some("Experts specialise.".into());
        papers[moe].sources.insert(SourceId::arxiv());
        papers[diffusion].upvotes = Some(40);
        papers[diffusion].comments = Some(0);
        papers[diffusion].categories = vec!["q-bio.BM".into(), "cs.LG".into()];
        papers[rl].upvotes = Some(50);
        papers[rl].categories = vec!["cs.AI".into()];
        papers[blog].sources = BTreeSet::from([SourceId::feed("Blog")]);
        let rows: Vec<ListRow> = papers.iter().map(|p| p.list_row(day(1))).collect();
        let details = papers.iter().map(RowDetails::of).collect();
        let index = TextIndex::build(rows.iter().zip(&papers).map(|(row, p)| IndexDoc {
            title: &p.title,
            authors: row.authors(),
            abstract_text: Some(&p.abstract_text),
        }));
        let mut user = HashMap::new();
        user.insert(
            rows[moe].id.clone(),
            UserState {
                starred_at: Utc.with_ymd_and_hms(2025, 5, 1, 0, 0, 0).single(),
                read: true,
                note: Some("Read with the team on Friday".into()),
            },
        );
        user.insert(
            rows[rl].id.clone(),
            UserState {
                starred_at: None,
                read: true,
                note: None,
            },
        );
        let rows: RowStore<ListRow> = rows.into();
        let row_of = RowIndex::build(&rows);
        Fixture {
            rows,
            details: RowStore::from_newest_first(details),
            index,
            user,
            row_of,
        }
    }

    impl Fixture {
        fn corpus(&self) -> Corpus<'_> {
            Corpus {
                rows: &self.rows,
                details: &self.details,
                index: &self.index,
                user: &self.user,
                row_of: &self.row_of,
                today: day(30),
                full_text: None,
            }
        }

        /// The last digit of each matching id (the blog post is `b`).
        fn ids(&self, query: &str) -> String {
            let query = parse(query).unwrap_or_else(|e| panic!("{query}: {e}"));
            let corpus = self.corpus();
            match query.matching(&corpus) {
                None => "all".to_string(),
                Some(set) => set
                    .iter()
                    .map(|row| {
                        let id = self.rows[row].id.as_str();
                        if id.starts_with("feed") {
                            'b'
                        } else {
                            id.chars().last().unwrap_or('?')
                        }
                    })
                    .collect(),
            }
        }
    }

    #[test]
    fn free_words_search_title_abstract_authors_and_notes() {
        let f = fixture();
        assert_eq!(f.ids(""), "all");
        assert_eq!(f.ids("routing"), "1b");
        assert_eq!(f.ids("experts"), "13", "abstract words count");
        assert_eq!(f.ids("hopper"), "2", "author names count");
        assert_eq!(f.ids("friday"), "1", "notes count");
        assert_eq!(f.ids("alan"), "13");
        assert_eq!(f.ids("\"alan turing\""), "1");
        assert_eq!(f.ids("mixture-of-experts"), "1");
        assert_eq!(f.ids("diff"), "2", "a word matches words it starts");
        assert_eq!(f.ids("zebra"), "");
    }

    #[test]
    fn fields_restrict_where_a_word_may_match() {
        let f = fixture();
        assert_eq!(f.ids("title:experts"), "1");
        assert_eq!(f.ids("abs:experts"), "13");
        assert_eq!(f.ids("abs:routing"), "");
        assert_eq!(f.ids("author:alan"), "13");
        assert_eq!(f.ids("author:turing"), "1");
        assert_eq!(f.ids("note:team"), "1");
        assert_eq!(f.ids("note:experts"), "");
        assert_eq!(
            f.ids("cat:cs.lg"),
            "12",
            "every category, not only the primary"
        );
        assert_eq!(f.ids("cat:q-bio"), "2");
        assert_eq!(f.ids("cat:cs"), "123");
        assert_eq!(f.ids("source:arxiv"), "1");
        assert_eq!(f.ids("source:hf"), "123");
        assert_eq!(f.ids("source:blog"), "b", "a feed by its name");
        assert_eq!(f.ids("id:2504.0000"), "123");
    }

    #[test]
    fn flags_and_counts_test_user_state_and_numbers() {
        let f = fixture();
        assert_eq!(f.ids("is:starred"), "1");
        assert_eq!(f.ids("is:read"), "13");
        assert_eq!(f.ids("is:unread"), "2b");
        assert_eq!(f.ids("has:code"), "1");
        assert_eq!(f.ids("has:summary"), "1");
        assert_eq!(f.ids("has:note"), "1");
        assert_eq!(f.ids("upvotes:>50"), "1");
        assert_eq!(f.ids("upvotes:>=50"), "13");
        assert_eq!(
            f.ids("upvotes:<50"),
            "2",
            "papers without a count never match"
        );
        assert_eq!(f.ids("stars:>=1000"), "1");
        assert_eq!(f.ids("comments:>0"), "1");
        assert_eq!(f.ids("comments:0"), "2");
    }

    #[test]
    fn dates_count_from_today() {
        let f = fixture();
        assert_eq!(f.ids("date:2025-04-29"), "2");
        assert_eq!(f.ids("since:1d"), "12");
        assert_eq!(f.ids("since:2025-04-20"), "123");
        assert_eq!(f.ids("before:2025-04-20"), "b");
        assert_eq!(f.ids("before:7d"), "3b");
    }

    #[test]
    fn boolean_operators_combine_terms() {
        let f = fixture();
        assert_eq!(f.ids("experts -routing"), "3");
        assert_eq!(f.ids("diffusion OR reinforcement"), "23");
        assert_eq!(f.ids("alan (routing OR feedback) is:starred"), "1");
        assert_eq!(f.ids("-(is:read OR has:code)"), "2b");
        assert_eq!(f.ids("NOT experts"), "2b");
    }

    #[test]
    fn relevance_ranks_title_matches_above_abstract_matches() {
        let f = fixture();
        let corpus = f.corpus();
        let query = parse("experts").unwrap();
        let within = query.matching(&corpus).unwrap();
        let scores = query.relevance(&corpus, &within);
        assert!(scores[0] > scores[2], "{scores:?}");
        assert!(scores[2] > 0.0);
        assert_eq!(scores[1], 0.0);
    }
}
