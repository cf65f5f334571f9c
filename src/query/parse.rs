//! The filter language's parser: a hand-written lexer and recursive-descent parser from the
//! typed text to an [`Expr`] tree, with errors that name a 1-based character column.
//!
//! Grammar (space is AND; `OR` binds tighter than the implied AND, as in Gmail, so
//! `cat:cs.LG diffusion OR flow` means `cat:cs.LG AND (diffusion OR flow)`):
//!
//! ```text
//! query   := and_list EOF
//! and_list:= ( or_expr | "AND" )*
//! or_expr := unary ( "OR" unary )*
//! unary   := ( "-" | "NOT" ) unary | primary
//! primary := "(" and_list ")" | term
//! term    := word | "phrase" | field ":" ( word | "phrase" )
//! ```

use chrono::NaiveDate;

/// A parsed query. `expr` is `None` for an empty query, which matches everything.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Query {
    pub expr: Option<Expr>,
}

/// A node of the query tree.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Expr {
    And(Vec<Expr>),
    Or(Vec<Expr>),
    Not(Box<Expr>),
    Term(Term),
}

/// Where a text term looks.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum TextField {
    /// Title, abstract, authors and the note.
    Any,
    Title,
    Abstract,
    Author,
    Note,
    /// The cached full text (`full:`).
    FullText,
}

/// `is:` and `has:` flags.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Flag {
    Starred,
    Unread,
    Read,
    Code,
    Summary,
    Note,
    /// A PDF downloaded on this machine whose file still exists.
    Pdf,
    /// HF models (datasets, Spaces) cite it, as last fetched.
    Model,
    Dataset,
    Space,
    /// A cached full text.
    FullText,
}

/// Numeric fields that `upvotes:>50` style comparisons test.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CountField {
    Upvotes,
    /// GitHub stars of the paper's code.
    Stars,
    Comments,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Cmp {
    Lt,
    Le,
    Eq,
    Ge,
    Gt,
}

impl Cmp {
    pub fn holds(self, left: u32, right: u32) -> bool {
        match self {
            Cmp::Lt => left < right,
            Cmp::Le => left <= right,
            Cmp::Eq => left == right,
            Cmp::Ge => left >= right,
            Cmp::Gt => left > right,
        }
    }
}

/// A day given absolutely or as "N days before today".
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DayRef {
    Day(NaiveDate),
    DaysAgo(u32),
}

/// Date filters on the day a paper is filed under.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DateTerm {
    On(NaiveDate),
    /// On or after.
    Since(DayRef),
    /// Strictly before.
    Before(DayRef),
}

/// A leaf of the query tree.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Term {
    /// Lowercased tokens that must appear in order, next to each other (one token for a plain
    /// word). Every token but the last must match a whole word; the last matches word starts,
    /// so the list narrows as a word is typed. No tokens (a word of punctuation) matches all.
    Text {
        field: TextField,
        tokens: Vec<String>,
    },
    /// `cat:` — a category, matched by prefix (`cat:cs` is every cs.* category).
    Category(String),
    /// `source:` — `hf`, `arxiv` or a feed's name, by prefix.
    Source(String),
    /// `id:` — a paper id, by prefix.
    Id(String),
    Flag(Flag),
    Count {
        field: CountField,
        cmp: Cmp,
        value: u32,
    },
    Date(DateTerm),
}

/// Why a query does not parse; `column` is 1-based, in characters.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("column {column}: {message}")]
pub struct QueryError {
    pub column: usize,
    pub message: String,
}

fn error<T>(column: usize, message: impl Into<String>) -> Result<T, QueryError> {
    Err(QueryError {
        column,
        message: message.into(),
    })
}

/// The field names the language knows, for error messages and the help.
pub const FIELDS: &str = "title: abs: author: full: cat: source: id: note: is: has: upvotes: stars: \
                          comments: date: since: before:";

/// Parses query text. An empty or all-blank text is the empty query.
pub fn parse(text: &str) -> Result<Query, QueryError> {
    let tokens = lex(text)?;
    let mut parser = Parser {
        tokens,
        position: 0,
        end_column: text.chars().count() + 1,
    };
    let items = parser.and_list()?;
    if let Some(token) = parser.peek() {
        // Only a `)` can stop the top-level list early.
        return error(token.column, "unmatched ')'");
    }
    Ok(Query {
        expr: combine_and(items),
    })
}

fn combine_and(mut items: Vec<Expr>) -> Option<Expr> {
    match items.len() {
        0 => None,
        1 => items.pop(),
        _ => Some(Expr::And(items)),
    }
}

// ---------------------------------------------------------------- lexer

#[derive(Debug, Clone, PartialEq, Eq)]
enum Lexeme {
    Open,
    Close,
    Or,
    And,
    Not,
    Minus,
    /// A bare or quoted word, possibly with a `field:` prefix.
    Word {
        field: Option<String>,
        text: String,
        quoted: bool,
        /// Column where the value starts (after `field:`), for value errors.
        value_column: usize,
    },
}

#[derive(Debug, Clone, PartialEq, Eq)]
struct Token {
    lexeme: Lexeme,
    column: usize,
}

fn lex(text: &str) -> Result<Vec<Token>, QueryError> {
    let chars: Vec<char> = text.chars().collect();
    let mut tokens = Vec::new();
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        let column = i + 1;
        if c.is_whitespace() {
            i += 1;
            continue;
        }
        match c {
            '(' => {
                tokens.push(Token {
                    lexeme: Lexeme::Open,
                    column,
                });
                i += 1;
            }
            ')' => {
                tokens.push(Token {
                    lexeme: Lexeme::Close,
                    column,
                });
                i += 1;
            }
            // Only a `-` that starts a word gets here (the word loop keeps inner hyphens): it
            // negates the term after it; a lone trailing `-` is an error the parser reports.
            '-' => {
                tokens.push(Token {
                    lexeme: Lexeme::Minus,
                    column,
                });
                i += 1;
            }
            '"' => {
                let (phrase, next) = quoted(&chars, i)?;
                tokens.push(Token {
                    lexeme: Lexeme::Word {
                        field: None,
                        text: phrase,
                        quoted: true,
                        value_column: column + 1,
                    },
                    column,
                });
                i = next;
            }
            _ => {
                let start = i;
                while i < chars.len() && !is_delimiter(chars[i]) && chars[i] != ':' {
                    i += 1;
                }
                let head: String = chars[start..i].iter().collect();
                if i < chars.len() && chars[i] == ':' {
                    // `field:value` or `field:"a phrase"`.
                    let value_start = i + 1;
                    let (value, quoted_value, next) =
                        if value_start < chars.len() && chars[value_start] == '"' {
                            let (phrase, next) = quoted(&chars, value_start)?;
                            (phrase, true, next)
                        } else {
                            let mut end = value_start;
                            while end < chars.len() && !is_delimiter(chars[end]) {
                                end += 1;
                            }
                            (chars[value_start..end].iter().collect(), false, end)
                        };
                    tokens.push(Token {
                        lexeme: Lexeme::Word {
                            field: Some(head),
                            text: value,
                            quoted: quoted_value,
                            value_column: value_start + 1,
                        },
                        column,
                    });
                    i = next;
                    continue;
                }
                let lexeme = match head.as_str() {
                    "OR" => Lexeme::Or,
                    "AND" => Lexeme::And,
                    "NOT" => Lexeme::Not,
                    _ => Lexeme::Word {
                        field: None,
                        text: head,
                        quoted: false,
                        value_column: column,
                    },
                };
                tokens.push(Token { lexeme, column });
            }
        }
    }
    Ok(tokens)
}

/// Whitespace and parentheses end a word.
fn is_delimiter(c: char) -> bool {
    c.is_whitespace() || c == '(' || c == ')'
}

/// Reads a `"…"` starting at `open`; returns the phrase and the index after the closing quote.
fn quoted(chars: &[char], open: usize) -> Result<(String, usize), QueryError> {
    let mut end = open + 1;
    while end < chars.len() && chars[end] != '"' {
        end += 1;
    }
    if end >= chars.len() {
        return error(open + 1, "unclosed quote");
    }
    Ok((chars[open + 1..end].iter().collect(), end + 1))
}

// ---------------------------------------------------------------- parser

struct Parser {
    tokens: Vec<Token>,
    position: usize,
    /// The column just past the text, for "expected … at the end" errors.
    end_column: usize,
}

impl Parser {
    fn peek(&self) -> Option<&Token> {
        self.tokens.get(self.position)
    }

    fn next(&mut self) -> Option<Token> {
        let token = self.tokens.get(self.position).cloned();
        self.position += 1;
        token
    }

    /// Terms joined by AND (spaces or the `AND` keyword) up to `)` or the end.
    fn and_list(&mut self) -> Result<Vec<Expr>, QueryError> {
        let mut items = Vec::new();
        while let Some(token) = self.peek() {
            match token.lexeme {
                Lexeme::Close => break,
                Lexeme::And => {
                    let column = token.column;
                    self.position += 1;
                    let follows_term = !items.is_empty();
                    let precedes_term = self.peek().is_some_and(|t| starts_term(&t.lexeme));
                    if !follows_term || !precedes_term {
                        return error(column, "AND needs a term on both sides");
                    }
                }
                Lexeme::Or => return error(token.column, "OR needs a term on both sides"),
                _ => items.push(self.or_expr()?),
            }
        }
        Ok(items)
    }

    fn or_expr(&mut self) -> Result<Expr, QueryError> {
        let mut alternatives = vec![self.unary()?];
        while let Some(token) = self.peek() {
            if token.lexeme != Lexeme::Or {
                break;
            }
            let column = token.column;
            self.position += 1;
            if !self.peek().is_some_and(|t| starts_term(&t.lexeme)) {
                return error(column, "OR needs a term on both sides");
            }
            alternatives.push(self.unary()?);
        }
        Ok(if alternatives.len() == 1 {
            alternatives.remove(0)
        } else {
            Expr::Or(alternatives)
        })
    }

    fn unary(&mut self) -> Result<Expr, QueryError> {
        let Some(token) = self.next() else {
            return error(self.end_column, "expected a term");
        };
        match token.lexeme {
            Lexeme::Minus | Lexeme::Not => {
                let what = if token.lexeme == Lexeme::Minus {
                    "'-'"
                } else {
                    "NOT"
                };
                if !self.peek().is_some_and(|t| starts_term(&t.lexeme)) {
                    return error(token.column, format!("{what} needs a term after it"));
                }
                Ok(Expr::Not(Box::new(self.unary()?)))
            }
            Lexeme::Open => {
                let items = self.and_list()?;
                match self.next() {
                    Some(Token {
                        lexeme: Lexeme::Close,
                        ..
                    }) => {}
                    _ => return error(token.column, "'(' is never closed"),
                }
                combine_and(items).map_or_else(|| error(token.column, "empty parentheses"), Ok)
            }
            Lexeme::Word {
                field,
                text,
                quoted,
                value_column,
            } => term(field.as_deref(), &text, quoted, token.column, value_column).map(Expr::Term),
            Lexeme::Close => error(token.column, "unmatched ')'"),
            Lexeme::Or => error(token.column, "OR needs a term on both sides"),
            Lexeme::And => error(token.column, "AND needs a term on both sides"),
        }
    }
}

fn starts_term(lexeme: &Lexeme) -> bool {
    matches!(
        lexeme,
        Lexeme::Open | Lexeme::Minus | Lexeme::Not | Lexeme::Word { .. }
    )
}

/// Builds one leaf from a word and its optional field prefix.
fn term(
    field: Option<&str>,
    value: &str,
    quoted: bool,
    column: usize,
    value_column: usize,
) -> Result<Term, QueryError> {
    let Some(field) = field else {
        return Ok(text_term(TextField::Any, value));
    };
    let name = field.to_ascii_lowercase();
    if value.trim().is_empty() {
        return error(value_column, format!("{name}: needs a value"));
    }
    let plain = |what: &str| -> Result<String, QueryError> {
        if quoted {
            error(value_column, format!("{what} takes a word, not a phrase"))
        } else {
            Ok(value.to_lowercase())
        }
    };
    let term = match name.as_str() {
        "title" => text_term(TextField::Title, value),
        "abs" | "abstract" => text_term(TextField::Abstract, value),
        "author" | "authors" => text_term(TextField::Author, value),
        "note" => text_term(TextField::Note, value),
        "full" | "fulltext" => text_term(TextField::FullText, value),
        "cat" | "category" => Term::Category(plain("cat:")?),
        "source" | "src" => Term::Source(plain("source:")?),
        "id" => Term::Id(plain("id:")?),
        "is" => Term::Flag(match plain("is:")?.as_str() {
            "starred" | "star" => Flag::Starred,
            "unread" => Flag::Unread,
            "read" => Flag::Read,
            other => {
                return error(
                    value_column,
                    format!("unknown flag is:{other} (is:starred, is:unread, is:read)"),
                );
            }
        }),
        "has" => Term::Flag(match plain("has:")?.as_str() {
            "code" => Flag::Code,
            "summary" => Flag::Summary,
            "note" => Flag::Note,
            "pdf" => Flag::Pdf,
            "model" | "models" => Flag::Model,
            "dataset" | "datasets" => Flag::Dataset,
            "space" | "spaces" => Flag::Space,
            "fulltext" | "full" => Flag::FullText,
            other => {
                return error(
                    value_column,
                    format!(
                        "unknown flag has:{other} (has:code, has:summary, has:note, has:fulltext, \
                         has:pdf, has:model, has:dataset, has:space)"
                    ),
                );
            }
        }),
        "upvotes" | "votes" => count(CountField::Upvotes, &plain("upvotes:")?, value_column)?,
        "stars" => count(CountField::Stars, &plain("stars:")?, value_column)?,
        "comments" => count(CountField::Comments, &plain("comments:")?, value_column)?,
        "date" | "day" => Term::Date(DateTerm::On(date(&plain("date:")?, value_column)?)),
        "since" | "after" => Term::Date(DateTerm::Since(day_ref(&plain("since:")?, value_column)?)),
        "before" => Term::Date(DateTerm::Before(day_ref(&plain("before:")?, value_column)?)),
        _ => {
            return error(
                column,
                format!("unknown field '{field}:' (fields: {FIELDS}; quote a word with a colon)"),
            );
        }
    };
    Ok(term)
}

fn text_term(field: TextField, value: &str) -> Term {
    Term::Text {
        field,
        tokens: super::tokenize::tokens(value),
    }
}

fn count(field: CountField, value: &str, column: usize) -> Result<Term, QueryError> {
    let (cmp, digits) = if let Some(rest) = value.strip_prefix(">=") {
        (Cmp::Ge, rest)
    } else if let Some(rest) = value.strip_prefix("<=") {
        (Cmp::Le, rest)
    } else if let Some(rest) = value.strip_prefix('>') {
        (Cmp::Gt, rest)
    } else if let Some(rest) = value.strip_prefix('<') {
        (Cmp::Lt, rest)
    } else if let Some(rest) = value.strip_prefix('=') {
        (Cmp::Eq, rest)
    } else {
        (Cmp::Eq, value)
    };
    let digits_column = column + (value.chars().count() - digits.chars().count());
    if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return error(
            digits_column,
            "expected a number, e.g. upvotes:>50 or stars:>=100",
        );
    }
    match digits.parse::<u32>() {
        Ok(value) => Ok(Term::Count { field, cmp, value }),
        Err(_) => error(digits_column, "number too large"),
    }
}

fn date(text: &str, column: usize) -> Result<NaiveDate, QueryError> {
    NaiveDate::parse_from_str(text, "%Y-%m-%d").or_else(|_| {
        error(
            column,
            format!("'{text}' is not a date (expected YYYY-MM-DD)"),
        )
    })
}

/// `2025-04-01`, or a span back from today: `7d`, `2w`, `3m` (30-day months), `1y`.
fn day_ref(text: &str, column: usize) -> Result<DayRef, QueryError> {
    if text.contains('-') {
        return date(text, column).map(DayRef::Day);
    }
    let split = text.len() - text.trim_start_matches(|c: char| c.is_ascii_digit()).len();
    let (digits, unit) = text.split_at(split);
    let per_unit = match unit {
        "d" => 1,
        "w" => 7,
        "m" => 30,
        "y" => 365,
        _ => 0,
    };
    match digits.parse::<u32>() {
        Ok(n) if per_unit > 0 => Ok(DayRef::DaysAgo(n.saturating_mul(per_unit))),
        _ => error(
            column,
            format!("'{text}' is not a date or a span (e.g. 2025-04-01, 7d, 2w, 3m)"),
        ),
    }
}

impl Query {
    /// The positive text tokens (not under a `-`), for highlighting: `(field, tokens)`.
    pub fn highlight_terms(&self) -> Vec<(TextField, Vec<String>)> {
        fn walk(expr: &Expr, negated: bool, out: &mut Vec<(TextField, Vec<String>)>) {
            match expr {
                Expr::And(items) | Expr::Or(items) => {
                    for item in items {
                        walk(item, negated, out);
                    }
                }
                Expr::Not(inner) => walk(inner, !negated, out),
                Expr::Term(Term::Text { field, tokens }) if !negated && !tokens.is_empty() => {
                    out.push((*field, tokens.clone()));
                }
                Expr::Term(_) => {}
            }
        }
        let mut out = Vec::new();
        if let Some(expr) = &self.expr {
            walk(expr, false, &mut out);
        }
        out
    }

    /// True when the query has free or field text to rank by.
    pub fn has_text(&self) -> bool {
        !self.highlight_terms().is_empty()
    }

    pub fn is_empty(&self) -> bool {
        self.expr.is_none()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn word(text: &str) -> Expr {
        Expr::Term(Term::Text {
            field: TextField::Any,
            tokens: vec![text.to_string()],
        })
    }

    fn field(field: TextField, tokens: &[&str]) -> Expr {
        Expr::Term(Term::Text {
            field,
            tokens: tokens.iter().map(|t| t.to_string()).collect(),
        })
    }

    fn parsed(text: &str) -> Expr {
        match parse(text) {
            Ok(Query { expr: Some(expr) }) => expr,
            other => panic!("{text:?} gave {other:?}"),
        }
    }

    fn failed(text: &str) -> QueryError {
        match parse(text) {
            Err(error) => error,
            Ok(query) => panic!("{text:?} parsed as {query:?}"),
        }
    }

    fn not(expr: Expr) -> Expr {
        Expr::Not(Box::new(expr))
    }

    #[test]
    fn empty_and_blank_queries_match_everything() {
        assert_eq!(parse(""), Ok(Query::default()));
        assert_eq!(parse("   \t "), Ok(Query::default()));
    }

    #[test]
    fn a_word_is_lowercased_and_spaces_mean_and() {
        assert_eq!(parsed("Diffusion"), word("diffusion"));
        assert_eq!(
            parsed("sparse  MoE"),
            Expr::And(vec![word("sparse"), word("moe")])
        );
        assert_eq!(
            parsed("a AND b"),
            Expr::And(vec![word("a"), word("b")]),
            "AND is the same as a space"
        );
    }

    #[test]
    fn or_binds_tighter_than_the_implied_and() {
        assert_eq!(
            parsed("a b OR c"),
            Expr::And(vec![word("a"), Expr::Or(vec![word("b"), word("c")])])
        );
        assert_eq!(
            parsed("a OR b OR c d"),
            Expr::And(vec![
                Expr::Or(vec![word("a"), word("b"), word("c")]),
                word("d")
            ])
        );
        assert_eq!(
            parsed("a or b"),
            Expr::And(vec![word("a"), word("or"), word("b")]),
            "only upper-case OR is an operator"
        );
    }

    #[test]
    fn parentheses_group_and_override_precedence() {
        assert_eq!(
            parsed("(a b) OR c"),
            Expr::Or(vec![Expr::And(vec![word("a"), word("b")]), word("c")])
        );
        assert_eq!(parsed("((a))"), word("a"));
        assert_eq!(
            parsed("x(a OR b)"),
            Expr::And(vec![word("x"), Expr::Or(vec![word("a"), word("b")])]),
            "a parenthesis ends a word"
        );
    }

    #[test]
    fn a_leading_minus_or_not_negates_the_next_term() {
        assert_eq!(parsed("a -b"), Expr::And(vec![word("a"), not(word("b"))]));
        assert_eq!(
            parsed("-(a OR b)"),
            not(Expr::Or(vec![word("a"), word("b")]))
        );
        assert_eq!(parsed("NOT a"), not(word("a")));
        assert_eq!(parsed("--a"), not(not(word("a"))));
        assert_eq!(
            parsed("-a OR b"),
            Expr::Or(vec![not(word("a")), word("b")]),
            "negation binds tighter than OR"
        );
        assert_eq!(
            parsed("state-space"),
            field(TextField::Any, &["state", "space"]),
            "a hyphen inside a word is part of it"
        );
    }

    #[test]
    fn quoted_phrases_keep_their_words_in_order() {
        assert_eq!(
            parsed("\"Sparse Transformer\""),
            field(TextField::Any, &["sparse", "transformer"])
        );
        assert_eq!(
            parsed("title:\"load balancing\" OR abs:routing"),
            Expr::Or(vec![
                field(TextField::Title, &["load", "balancing"]),
                field(TextField::Abstract, &["routing"])
            ])
        );
        assert_eq!(
            parsed("\"OR\""),
            field(TextField::Any, &["or"]),
            "a quoted OR is a word"
        );
    }

    #[test]
    fn every_field_prefix_parses() {
        let cases: Vec<(&str, Term)> = vec![
            ("cat:cs.LG", Term::Category("cs.lg".into())),
            ("source:HF", Term::Source("hf".into())),
            ("id:2504.2", Term::Id("2504.2".into())),
            ("is:starred", Term::Flag(Flag::Starred)),
            ("is:unread", Term::Flag(Flag::Unread)),
            ("is:read", Term::Flag(Flag::Read)),
            ("has:code", Term::Flag(Flag::Code)),
            ("has:summary", Term::Flag(Flag::Summary)),
            ("has:pdf", Term::Flag(Flag::Pdf)),
            ("has:models", Term::Flag(Flag::Model)),
            ("has:dataset", Term::Flag(Flag::Dataset)),
            ("has:space", Term::Flag(Flag::Space)),
            ("has:note", Term::Flag(Flag::Note)),
            (
                "upvotes:>50",
                Term::Count {
                    field: CountField::Upvotes,
                    cmp: Cmp::Gt,
                    value: 50,
                },
            ),
            (
                "stars:>=100",
                Term::Count {
                    field: CountField::Stars,
                    cmp: Cmp::Ge,
                    value: 100,
                },
            ),
            (
                "comments:>0",
                Term::Count {
                    field: CountField::Comments,
                    cmp: Cmp::Gt,
                    value: 0,
                },
            ),
            (
                "upvotes:<3",
                Term::Count {
                    field: CountField::Upvotes,
                    cmp: Cmp::Lt,
                    value: 3,
                },
            ),
            (
                "upvotes:<=3",
                Term::Count {
                    field: CountField::Upvotes,
                    cmp: Cmp::Le,
                    value: 3,
                },
            ),
            (
                "upvotes:7",
                Term::Count {
                    field: CountField::Upvotes,
                    cmp: Cmp::Eq,
                    value: 7,
                },
            ),
            (
                "upvotes:=7",
                Term::Count {
                    field: CountField::Upvotes,
                    cmp: Cmp::Eq,
                    value: 7,
                },
            ),
            (
                "date:2025-04-30",
                Term::Date(DateTerm::On(NaiveDate::from_ymd_opt(2025, 4, 30).unwrap())),
            ),
            ("since:7d", Term::Date(DateTerm::Since(DayRef::DaysAgo(7)))),
            ("since:2w", Term::Date(DateTerm::Since(DayRef::DaysAgo(14)))),
            (
                "since:2025-04-01",
                Term::Date(DateTerm::Since(DayRef::Day(
                    NaiveDate::from_ymd_opt(2025, 4, 1).unwrap(),
                ))),
            ),
            (
                "before:2025-04-01",
                Term::Date(DateTerm::Before(DayRef::Day(
                    NaiveDate::from_ymd_opt(2025, 4, 1).unwrap(),
                ))),
            ),
            (
                "before:3m",
                Term::Date(DateTerm::Before(DayRef::DaysAgo(90))),
            ),
        ];
        for (text, want) in cases {
            assert_eq!(parsed(text), Expr::Term(want), "{text}");
        }
        assert_eq!(
            parsed("title:Diffusion"),
            field(TextField::Title, &["diffusion"])
        );
        assert_eq!(
            parsed("abs:routing"),
            field(TextField::Abstract, &["routing"])
        );
        assert_eq!(
            parsed("author:Lovelace"),
            field(TextField::Author, &["lovelace"])
        );
        assert_eq!(parsed("note:todo"), field(TextField::Note, &["todo"]));
        assert_eq!(
            parsed("TITLE:x"),
            field(TextField::Title, &["x"]),
            "fields ignore case"
        );
    }

    #[test]
    fn comparisons_hold_as_written() {
        assert!(Cmp::Gt.holds(51, 50) && !Cmp::Gt.holds(50, 50));
        assert!(Cmp::Ge.holds(50, 50) && !Cmp::Ge.holds(49, 50));
        assert!(Cmp::Lt.holds(2, 3) && !Cmp::Lt.holds(3, 3));
        assert!(Cmp::Le.holds(3, 3) && !Cmp::Le.holds(4, 3));
        assert!(Cmp::Eq.holds(3, 3) && !Cmp::Eq.holds(4, 3));
    }

    #[test]
    fn errors_name_the_column_where_the_problem_is() {
        let cases: &[(&str, usize, &str)] = &[
            ("a (b", 3, "never closed"),
            ("a b)", 4, "unmatched ')'"),
            (")", 1, "unmatched ')'"),
            ("()", 1, "empty parentheses"),
            ("a OR", 3, "OR needs a term"),
            ("OR a", 1, "OR needs a term"),
            ("a OR OR b", 3, "OR needs a term"),
            ("a AND", 3, "AND needs a term"),
            ("a -", 3, "'-' needs a term"),
            ("NOT", 1, "NOT needs a term"),
            ("say \"hello", 5, "unclosed quote"),
            ("title:", 7, "needs a value"),
            ("x titel:foo", 3, "unknown field 'titel:'"),
            ("is:lovely", 4, "unknown flag is:lovely"),
            ("has:cake", 5, "unknown flag has:cake"),
            ("upvotes:>lots", 10, "expected a number"),
            ("upvotes:>=", 11, "expected a number"),
            ("stars:99999999999", 7, "too large"),
            ("date:2025-13-01", 6, "not a date"),
            ("since:7x", 7, "not a date or a span"),
            ("before:soon", 8, "not a date or a span"),
            ("cat:\"cs LG\"", 5, "takes a word"),
            ("ü (", 3, "never closed"),
        ];
        for (text, column, message) in cases {
            let error = failed(text);
            assert_eq!(error.column, *column, "{text}: {error}");
            assert!(error.message.contains(message), "{text}: {error}");
        }
    }

    #[test]
    fn columns_count_characters_not_bytes() {
        assert_eq!(failed("αβγ )").column, 5);
    }

    #[test]
    fn highlight_terms_skip_negated_words() {
        let query =
            parse("mixture -dense (title:routing OR \"load balancing\") is:unread").unwrap();
        let terms: Vec<Vec<String>> = query
            .highlight_terms()
            .into_iter()
            .map(|(_, tokens)| tokens)
            .collect();
        assert_eq!(
            terms,
            vec![
                vec!["mixture".to_string()],
                vec!["routing".to_string()],
                vec!["load".to_string(), "balancing".to_string()]
            ]
        );
        assert!(query.has_text());
        assert!(!parse("is:unread -foo").unwrap().has_text());
    }
}
