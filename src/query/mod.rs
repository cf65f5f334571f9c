//! The filter language and what runs it: the parser (`parse`), the evaluator over the catalog
//! (`eval`), the in-memory text index (`index`, with `rowset`, `tokenize`, `bm25` and
//! `postings`), For you (`foryou`) and highlighting (`highlight`). The reader's filter pane, `paperboat list --query` and
//! `paperboat export --query` all go through here.
//!
//! # The language
//!
//! | write | finds |
//! |---|---|
//! | `diffusion model` | papers with both words (space is AND) in title, abstract, authors or note; a word matches words it starts (`diff` finds "diffusion") |
//! | `"sparse attention"` | the words next to each other, in order |
//! | `a OR b`, `-word`, `NOT word`, `( … )` | either; not; grouping. `OR` binds tighter than space: `x a OR b` is `x AND (a OR b)` |
//! | `title:` `abs:` `author:` `note:` | a word or `"phrase"` in that field only |
//! | `cat:cs.LG` `source:hf` `source:arxiv` `source:NAME` `id:2504.` | category, source, id (by prefix, any case) |
//! | `is:starred` `is:unread` `is:read` `has:code` `has:summary` `has:note` `has:fulltext` | flags |
//! | `full:word` | papers whose cached full text holds the word (several words: all of them); plain words find full-text hits too, ranked below title and abstract hits |
//! | `upvotes:>50` `stars:>=100` `comments:>0` `upvotes:7` | counts (`>`, `>=`, `<`, `<=`, `=`) |
//! | `date:2025-04-30` `since:7d` `since:2w` `since:2025-04-01` `before:3m` | the day a paper is filed under |

mod bm25;
mod dense;
pub mod eval;
pub mod foryou;
pub mod fulltext;
pub mod highlight;
pub mod index;
pub mod parse;
mod postings;
mod rowset;
pub mod tokenize;

pub use eval::{Corpus, RowDetails};
pub use foryou::{ForYou, Reason};
pub use fulltext::FullTextIndex;
pub use index::{IndexDoc, IndexField, SplicePiece, TextIndex, TextIndexBuilder};
pub use parse::{Expr, Query, QueryError, Term, TextField, parse};
pub use rowset::RowSet;

/// How the list is ordered; `S` in the reader cycles through them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SortOrder {
    /// Newest day first, the most upvoted first within a day.
    Newest,
    Upvotes,
    /// BM25 relevance to the query's words.
    Relevance,
    /// Similarity to the starred papers.
    #[serde(alias = "foryou", alias = "for-you")]
    ForYou,
}

impl SortOrder {
    pub const ALL: [SortOrder; 4] = [
        SortOrder::Newest,
        SortOrder::Upvotes,
        SortOrder::Relevance,
        SortOrder::ForYou,
    ];

    /// The next order in the cycle.
    pub fn next(self) -> SortOrder {
        let at = SortOrder::ALL.iter().position(|s| *s == self).unwrap_or(0);
        SortOrder::ALL[(at + 1) % SortOrder::ALL.len()]
    }

    /// How the list title names it.
    pub fn name(self) -> &'static str {
        match self {
            SortOrder::Newest => "newest first",
            SortOrder::Upvotes => "by upvotes",
            SortOrder::Relevance => "by relevance",
            SortOrder::ForYou => "for you",
        }
    }
}

/// The cheat sheet shown in the help overlay, one line per entry.
pub const CHEAT_SHEET: &[(&str, &str)] = &[
    (
        "word \"a phrase\"",
        "title, abstract, authors, note; diff finds diffusion",
    ),
    (
        "a b   a OR b",
        "both (space is AND); either (OR binds tighter)",
    ),
    ("-word  NOT word  ( )", "leave out; group"),
    (
        "title: abs: author: note:",
        "a word or \"phrase\" in one field",
    ),
    (
        "cat:cs.LG source:hf id:",
        "category, source (hf, arxiv, a feed), id",
    ),
    ("is:starred is:unread is:read", "your marks"),
    ("has:code has:summary has:note", "what a paper has"),
    (
        "full:word has:fulltext",
        "in cached full texts (f); plain words find them too, ranked lower",
    ),
    (
        "upvotes:>50 stars:>=100",
        "counts; also comments:, <, <=, =",
    ),
    (
        "date:2025-04-30 since:7d",
        "also since:2025-04-01 before:3m",
    ),
];
