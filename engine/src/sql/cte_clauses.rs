//! The `SEARCH` and `CYCLE` clauses of `WITH RECURSIVE` items, which
//! `sqlparser` does not parse:
//!
//! ```sql
//! WITH RECURSIVE t(a, b) AS (...)
//!   SEARCH { DEPTH | BREADTH } FIRST BY a, b SET seq
//!   CYCLE a, b SET is_cycle [ TO 'Y' DEFAULT 'N' ] USING path
//! ```
//!
//! [`strip`] finds the clauses after a closing parenthesis, blanks them
//! out (spaces of the same width, so every other token keeps its line and
//! column) and remembers the clause text with the position of that
//! parenthesis; after parsing, [`mark`] puts the text into the `from`
//! field of the CTE whose closing parenthesis is there (a field the
//! PostgreSQL dialect never fills), prefixed by [`SENTINEL`]. The binder
//! reads it back with [`clauses_of`] (see `crate::plan::search_cycle`).
//!
//! The AST prints that field as `) FROM "<sentinel><clauses>"`: a view's
//! stored text, parsed again, meets that form, which [`strip`] also
//! recognises, so the clauses survive the round trip. What a user reads
//! (`pg_get_viewdef`, and so `\d+` and pg_dump) goes through [`restore`],
//! which prints the clauses back as PostgreSQL does.

use std::ops::ControlFlow;

use sqlparser::ast::{Ident, Query, Statement, VisitMut, VisitorMut};
use sqlparser::tokenizer::Token;

use super::{location, word};
use crate::error::{EngineError, Result, SqlState};

/// What the `from` field of a CTE carrying clauses starts with.
pub const SENTINEL: &str = "__rocksgres_search_cycle ";

/// `SEARCH { DEPTH | BREADTH } FIRST BY columns SET column`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Search {
    /// `BREADTH FIRST` (else `DEPTH FIRST`).
    pub breadth: bool,
    /// The columns searched by.
    pub columns: Vec<String>,
    /// The sequence column it adds.
    pub set: String,
}

/// `CYCLE columns SET mark [TO value DEFAULT default] USING path`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Cycle {
    /// The columns a cycle repeats.
    pub columns: Vec<String>,
    /// The cycle mark column it adds.
    pub mark: String,
    /// The texts of the mark's value and default (`TRUE`/`FALSE` when
    /// not given).
    pub values: (String, String),
    /// The path column it adds.
    pub path: String,
}

/// The clauses of one CTE.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Clauses {
    /// `SEARCH ...`.
    pub search: Option<Search>,
    /// `CYCLE ...`.
    pub cycle: Option<Cycle>,
}

/// Stripped clauses: where the CTE's closing parenthesis is (line,
/// column) and the clause text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Mark {
    at: (u64, u64),
    text: String,
}

/// Whether `sql` may hold the clauses (the cheap test).
pub fn may_contain(sql: &str) -> bool {
    let lower = sql.to_ascii_lowercase();
    lower.contains("with")
        && (lower.contains("search") || lower.contains("cycle") || lower.contains(SENTINEL))
}

type Toks = [(Token, std::ops::Range<usize>)];

fn name(t: &Token) -> Option<String> {
    match t {
        Token::Word(w) if w.quote_style == Some('"') => Some(w.value.clone()),
        Token::Word(w) if w.quote_style.is_none() => Some(w.value.to_lowercase()),
        _ => None,
    }
}

/// Reads the clauses starting at significant token `k`; the clauses and
/// the index of their last significant token. `None` when the tokens
/// there are not the clauses.
fn scan(sql: &str, toks: &Toks, sig: &[usize], k: usize) -> Option<(Clauses, usize)> {
    let tok = |i: usize| sig.get(i).map(|&s| &toks[s].0);
    let is = |i: usize, w: &str| tok(i).is_some_and(|t| word(t, w));
    let names = |mut i: usize| -> Option<(Vec<String>, usize)> {
        let mut out = vec![name(tok(i)?)?];
        while tok(i + 1) == Some(&Token::Comma) {
            out.push(name(tok(i + 2)?)?);
            i += 2;
        }
        Some((out, i))
    };
    let mut clauses = Clauses::default();
    let mut i = k;
    let mut last = None;
    if is(i, "search") {
        let breadth = if is(i + 1, "breadth") {
            true
        } else if is(i + 1, "depth") {
            false
        } else {
            return None;
        };
        if !(is(i + 2, "first") && is(i + 3, "by")) {
            return None;
        }
        let (columns, j) = names(i + 4)?;
        if !is(j + 1, "set") {
            return None;
        }
        let set = name(tok(j + 2)?)?;
        clauses.search = Some(Search {
            breadth,
            columns,
            set,
        });
        last = Some(j + 2);
        i = j + 3;
    }
    if is(i, "cycle") {
        let (columns, j) = names(i + 1)?;
        if !is(j + 1, "set") {
            return None;
        }
        let mark = name(tok(j + 2)?)?;
        let mut j = j + 3;
        let values = if is(j, "to") {
            // TO const DEFAULT const: the texts up to DEFAULT and USING.
            let until = |from: usize, w: &str| (from..sig.len()).find(|&x| is(x, w));
            let d = until(j + 1, "default")?;
            let u = until(d + 1, "using")?;
            if d == j + 1 || u == d + 1 {
                return None;
            }
            let text =
                |a: usize, b: usize| sql[toks[sig[a]].1.start..toks[sig[b]].1.end].to_string();
            let v = (text(j + 1, d - 1), text(d + 1, u - 1));
            j = u;
            v
        } else {
            ("TRUE".to_string(), "FALSE".to_string())
        };
        if !is(j, "using") {
            return None;
        }
        let path = name(tok(j + 1)?)?;
        clauses.cycle = Some(Cycle {
            columns,
            mark,
            values,
            path,
        });
        last = Some(j + 1);
    }
    last.map(|l| (clauses, l))
}

/// The text with the clauses after each CTE blanked out, and the marks;
/// `None` when there are none.
pub fn strip(sql: &str) -> Option<(String, Vec<Mark>)> {
    let toks = super::tokens_with_ranges(sql)?;
    let sig = super::significant(toks.iter().map(|t| &t.0));
    let mut blanks = Vec::new();
    let mut marks = Vec::new();
    let mut k = 0;
    while k + 1 < sig.len() {
        if toks[sig[k]].0 != Token::RParen {
            k += 1;
            continue;
        }
        let at = location(sql, toks[sig[k]].1.start);
        let next = &toks[sig[k + 1]].0;
        if word(next, "from") {
            // The form a stored view's text has.
            if let Some(Token::Word(w)) = sig.get(k + 2).map(|&s| &toks[s].0) {
                if w.quote_style == Some('"') && w.value.starts_with(SENTINEL) {
                    marks.push(Mark {
                        at,
                        text: w.value[SENTINEL.len()..].to_string(),
                    });
                    blanks.push(toks[sig[k + 1]].1.start..toks[sig[k + 2]].1.end);
                    k += 3;
                    continue;
                }
            }
        } else if word(next, "search") || word(next, "cycle") {
            if let Some((_, last)) = scan(sql, &toks, &sig, k + 1) {
                let range = toks[sig[k + 1]].1.start..toks[sig[last]].1.end;
                marks.push(Mark {
                    at,
                    text: sql[range.clone()].to_string(),
                });
                blanks.push(range);
                k = last + 1;
                continue;
            }
        }
        k += 1;
    }
    if marks.is_empty() {
        return None;
    }
    Some((super::blank_out(sql, &blanks), marks))
}

struct Marker<'a> {
    marks: &'a [Mark],
    used: Vec<bool>,
}

impl VisitorMut for Marker<'_> {
    type Break = ();

    fn pre_visit_query(&mut self, q: &mut Query) -> ControlFlow<()> {
        let Some(with) = &mut q.with else {
            return ControlFlow::Continue(());
        };
        for cte in &mut with.cte_tables {
            let s = cte.closing_paren_token.0.span.start;
            if let Some(k) = self.marks.iter().position(|m| m.at == (s.line, s.column)) {
                cte.from = Some(Ident::with_quote(
                    '"',
                    format!("{SENTINEL}{}", self.marks[k].text),
                ));
                self.used[k] = true;
            }
        }
        ControlFlow::Continue(())
    }
}

/// Puts each mark's clauses on the CTE of `statements` whose closing
/// parenthesis is where the mark says; 0A000 for a mark that finds none
/// (never dropped).
pub fn mark<'a>(
    statements: impl IntoIterator<Item = &'a mut Statement>,
    marks: &[Mark],
) -> Result<()> {
    let mut m = Marker {
        marks,
        used: vec![false; marks.len()],
    };
    for s in statements {
        let _ = s.visit(&mut m);
    }
    if m.used.iter().all(|u| *u) {
        Ok(())
    } else {
        Err(EngineError::unsupported(
            "SEARCH or CYCLE clauses here (only after a WITH query)",
        ))
    }
}

/// The clauses a CTE's `from` field carries: `None` when it carries none
/// (a `FROM` of another dialect), a syntax error when they do not read.
pub fn clauses_of(from: &Ident) -> Option<Result<Clauses>> {
    let text = from.value.strip_prefix(SENTINEL)?;
    if from.quote_style != Some('"') {
        return None;
    }
    let bad = || {
        EngineError::new(
            SqlState::SyntaxError,
            format!("syntax error in SEARCH or CYCLE clause: {text}"),
        )
    };
    let Some(toks) = super::tokens_with_ranges(text) else {
        return Some(Err(bad()));
    };
    let sig = super::significant(toks.iter().map(|t| &t.0));
    Some(match scan(text, &toks, &sig, 0) {
        Some((c, last)) if last + 1 == sig.len() => Ok(c),
        _ => Err(bad()),
    })
}

impl Clauses {
    /// The clauses as PostgreSQL's `pg_get_viewdef` prints them.
    pub fn to_sql(&self) -> String {
        let list = |cols: &[String]| {
            cols.iter()
                .map(|c| super::identifiers::quote_ident(c))
                .collect::<Vec<_>>()
                .join(", ")
        };
        let mut parts = Vec::new();
        if let Some(s) = &self.search {
            parts.push(format!(
                "SEARCH {} FIRST BY {} SET {}",
                if s.breadth { "BREADTH" } else { "DEPTH" },
                list(&s.columns),
                super::identifiers::quote_ident(&s.set)
            ));
        }
        if let Some(c) = &self.cycle {
            let mut text = format!(
                "CYCLE {} SET {}",
                list(&c.columns),
                super::identifiers::quote_ident(&c.mark)
            );
            let defaults =
                c.values.0.eq_ignore_ascii_case("true") && c.values.1.eq_ignore_ascii_case("false");
            if !defaults {
                text.push_str(&format!(" TO {} DEFAULT {}", c.values.0, c.values.1));
            }
            text.push_str(&format!(
                " USING {}",
                super::identifiers::quote_ident(&c.path)
            ));
            parts.push(text);
        }
        parts.join(" ")
    }
}

/// `text` (an AST's printed form) with every `FROM "<sentinel>..."` a CTE
/// carries its clauses in printed back as the clauses themselves.
pub fn restore(text: &str) -> std::borrow::Cow<'_, str> {
    let opening = format!("FROM \"{SENTINEL}");
    if !text.contains(&opening) {
        return std::borrow::Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(at) = rest.find(&opening) {
        let quoted = &rest[at + "FROM ".len()..];
        // The quoted identifier ends at a quote not doubled.
        let mut value = String::new();
        let mut end = None;
        let mut chars = quoted.char_indices().skip(1).peekable();
        while let Some((i, c)) = chars.next() {
            if c == '"' {
                if chars.peek().is_some_and(|&(_, d)| d == '"') {
                    chars.next();
                    value.push('"');
                } else {
                    end = Some(i + 1);
                    break;
                }
            } else {
                value.push(c);
            }
        }
        let rendered = end.and_then(|e| {
            let clauses = clauses_of(&Ident::with_quote('"', value.clone()))?.ok()?;
            Some((e, clauses.to_sql()))
        });
        match rendered {
            Some((e, sql)) => {
                out.push_str(&rest[..at]);
                out.push_str(&sql);
                rest = &quoted[e..];
            }
            None => {
                out.push_str(&rest[..at + opening.len()]);
                rest = &rest[at + opening.len()..];
            }
        }
    }
    out.push_str(rest);
    std::borrow::Cow::Owned(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn clauses_are_stripped_and_read_back() {
        let sql = "with recursive t(a, b) as (select 1, 2 union all select a, b from t) \
                   search depth first by a, \"B\" set seq cycle a set c to 'Y' default 'N' using p select * from t";
        let (text, marks) = strip(sql).unwrap();
        assert_eq!(text.len(), sql.len());
        assert!(!text.contains("search"));
        assert_eq!(marks.len(), 1);
        let id = Ident::with_quote('"', format!("{SENTINEL}{}", marks[0].text));
        let c = clauses_of(&id).unwrap().unwrap();
        let s = c.search.unwrap();
        assert!(!s.breadth);
        assert_eq!(s.columns, vec!["a".to_string(), "B".to_string()]);
        assert_eq!(s.set, "seq");
        let cy = c.cycle.unwrap();
        assert_eq!(cy.values, ("'Y'".to_string(), "'N'".to_string()));
        assert_eq!(cy.path, "p");
    }

    #[test]
    fn printed_clauses_are_restored() {
        let sql = "with recursive t(a, b) as (select 1, 2 union all select a, b from t) \
                   search breadth first by a, \"B\" set seq cycle a set c to 'Y' default 'N' using p select * from t";
        let parsed = crate::sql::parse(sql).unwrap();
        let crate::sql::Parsed::Statement(s) = &parsed[0] else {
            panic!("not a statement");
        };
        assert_eq!(
            restore(&s.to_string()),
            "WITH RECURSIVE t (a, b) AS (SELECT 1, 2 UNION ALL SELECT a, b FROM t) \
             SEARCH BREADTH FIRST BY a, \"B\" SET seq CYCLE a SET c TO 'Y' DEFAULT 'N' USING p \
             SELECT * FROM t"
        );
        assert_eq!(restore("SELECT 1"), "SELECT 1");
    }

    #[test]
    fn other_text_is_left_alone() {
        assert!(strip("select (1) search").is_none());
        assert!(strip("select * from (select 1) cycle").is_none());
    }
}
