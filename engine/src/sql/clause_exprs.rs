//! Expressions where `sqlparser` 0.63 takes only a number: the row count
//! of `FETCH { FIRST | NEXT } count ROWS`, and the arguments and the
//! `REPEATABLE (seed)` of `TABLESAMPLE method (args)`.
//!
//! PostgreSQL's grammar allows a parenthesised expression, a signed
//! number, a parameter or a literal as the FETCH count
//! (`select_fetch_first_value`), any expression as a sample seed, and any
//! number of sampling arguments (the method then checks how many it
//! takes). [`rewrite`] changes only the forms the parser would reject:
//!
//! * a FETCH count that starts with `(`, `+` or `-` becomes a placeholder
//!   `$__rocksgres_fetch_N`, and its text is kept; after parsing, [`mark`]
//!   puts the parsed expression back into the query's `fetch` (a
//!   parenthesised one stays [`Expr::Nested`], so the statement prints as
//!   it was written and a view's stored text parses again the same way);
//! * `TABLESAMPLE system|bernoulli (a, b) REPEATABLE (expr)`, when there is
//!   not exactly one argument or the seed is not a plain number or
//!   parameter, becomes `TABLESAMPLE method (__rocksgres_tablesample(a, b,
//!   __rocksgres_repeatable(expr)))`: one argument, which the binder
//!   ([`crate::plan::tablesample`]) takes apart with [`sample_parts`]. That
//!   form prints and parses again unchanged.

use std::ops::{ControlFlow, Range};

use sqlparser::ast::{self, Expr, Query, Statement, VisitMut, VisitorMut};
use sqlparser::tokenizer::Token;

use super::word;
use crate::error::{EngineError, Result};

/// The marker function holding a sampling method's arguments.
pub const TABLESAMPLE_MARKER: &str = "__rocksgres_tablesample";
/// The marker function holding the `REPEATABLE` seed, the last argument of
/// [`TABLESAMPLE_MARKER`].
pub const REPEATABLE_MARKER: &str = "__rocksgres_repeatable";
/// The prefix of the placeholder standing for a FETCH count.
const FETCH_PLACEHOLDER: &str = "$__rocksgres_fetch_";

/// Whether `sql` may hold a clause [`rewrite`] changes (a cheap test).
pub fn may_contain(sql: &str) -> bool {
    let lower = sql.to_ascii_lowercase();
    lower.contains("fetch") || lower.contains("tablesample")
}

/// The index of the `)` that closes the `(` at significant position `open`.
fn closing(toks: &[(Token, Range<usize>)], sig: &[usize], open: usize) -> Option<usize> {
    let mut depth = 0usize;
    for (k, &i) in sig.iter().enumerate().skip(open) {
        match toks[i].0 {
            Token::LParen | Token::LBracket => depth += 1,
            Token::RParen | Token::RBracket => {
                depth = depth.checked_sub(1)?;
                if depth == 0 {
                    return Some(k);
                }
            }
            _ => {}
        }
    }
    None
}

/// The text with the clauses above rewritten, and the FETCH counts' texts
/// (the N-th for placeholder N); `None` when nothing needs rewriting.
pub fn rewrite(sql: &str) -> Option<(String, Vec<String>)> {
    let toks = super::tokens_with_ranges(sql)?;
    let sig = super::significant(toks.iter().map(|t| &t.0));
    let tok = |k: usize| sig.get(k).map(|&i| &toks[i].0);
    let at = |k: usize, w: &str| tok(k).is_some_and(|t| word(t, w));
    let range = |k: usize| toks[sig[k]].1.clone();
    // (byte range, replacement) edits, in order.
    let mut edits: Vec<(Range<usize>, String)> = Vec::new();
    let mut fetch = Vec::new();
    let mut k = 0;
    while k < sig.len() {
        if at(k, "fetch") && (at(k + 1, "first") || at(k + 1, "next")) {
            let end = match tok(k + 2) {
                Some(Token::LParen) => closing(&toks, &sig, k + 2),
                Some(Token::Plus | Token::Minus)
                    if matches!(tok(k + 3), Some(Token::Number(..))) =>
                {
                    Some(k + 3)
                }
                _ => None,
            };
            if let Some(end) = end {
                let span = range(k + 2).start..range(end).end;
                fetch.push(sql[span.clone()].to_string());
                edits.push((span, format!("{FETCH_PLACEHOLDER}{} ", fetch.len() - 1)));
                k = end + 1;
                continue;
            }
        }
        if at(k, "tablesample")
            && (at(k + 1, "system") || at(k + 1, "bernoulli"))
            && matches!(tok(k + 2), Some(Token::LParen))
        {
            if let Some(close) = closing(&toks, &sig, k + 2) {
                let mut args = 1;
                let mut depth = 0usize;
                for j in k + 3..close {
                    match tok(j) {
                        Some(Token::LParen | Token::LBracket) => depth += 1,
                        Some(Token::RParen | Token::RBracket) => depth = depth.saturating_sub(1),
                        Some(Token::Comma) if depth == 0 => args += 1,
                        _ => {}
                    }
                }
                let seed = if at(close + 1, "repeatable")
                    && matches!(tok(close + 2), Some(Token::LParen))
                {
                    closing(&toks, &sig, close + 2).map(|c| (close + 2, c))
                } else {
                    None
                };
                let plain_seed = seed.is_none_or(|(open, c)| {
                    c == open + 2
                        && matches!(
                            tok(open + 1),
                            Some(Token::Number(..) | Token::Placeholder(_))
                        )
                });
                if close > k + 3 && (args != 1 || !plain_seed) {
                    let inner = &sql[range(k + 3).start..range(close).start];
                    let mut text = format!("({TABLESAMPLE_MARKER}({inner}");
                    let end = match seed {
                        Some((open, c)) => {
                            let s = &sql[range(open + 1).start.min(range(c).start)..range(c).start];
                            if s.trim().is_empty() {
                                // `REPEATABLE ()`: the parser's own error.
                                k += 1;
                                continue;
                            }
                            text.push_str(&format!(", {REPEATABLE_MARKER}({s})"));
                            c
                        }
                        None => close,
                    };
                    text.push_str(")) ");
                    let span = range(k + 2).start..range(end).end;
                    edits.push((span, text));
                    k = end + 1;
                    continue;
                }
            }
        }
        k += 1;
    }
    if edits.is_empty() {
        return None;
    }
    let mut out = String::with_capacity(sql.len() + 64);
    let mut pos = 0;
    for (span, text) in edits {
        out.push_str(&sql[pos..span.start]);
        out.push_str(&text);
        pos = span.end;
    }
    out.push_str(&sql[pos..]);
    Some((out, fetch))
}

struct Marker<'a> {
    fetch: &'a [String],
    used: Vec<bool>,
    error: Option<EngineError>,
}

impl VisitorMut for Marker<'_> {
    type Break = ();

    fn pre_visit_query(&mut self, q: &mut Query) -> ControlFlow<()> {
        let Some(f) = q.fetch.as_mut() else {
            return ControlFlow::Continue(());
        };
        let Some(Expr::Value(v)) = &f.quantity else {
            return ControlFlow::Continue(());
        };
        let ast::Value::Placeholder(p) = &v.value else {
            return ControlFlow::Continue(());
        };
        let Some(n) = p
            .strip_prefix(FETCH_PLACEHOLDER)
            .and_then(|n| n.parse::<usize>().ok())
        else {
            return ControlFlow::Continue(());
        };
        let Some(text) = self.fetch.get(n) else {
            return ControlFlow::Continue(());
        };
        match super::parse_expr(text) {
            Ok(e) => {
                f.quantity = Some(e);
                self.used[n] = true;
                ControlFlow::Continue(())
            }
            Err(e) => {
                self.error = Some(e);
                ControlFlow::Break(())
            }
        }
    }
}

/// Puts the FETCH counts [`rewrite`] took out back into the parsed
/// statements.
pub fn mark<'a>(
    statements: impl IntoIterator<Item = &'a mut Statement>,
    fetch: &[String],
) -> Result<()> {
    let mut m = Marker {
        fetch,
        used: vec![false; fetch.len()],
        error: None,
    };
    for s in statements {
        let _ = s.visit(&mut m);
        if let Some(e) = m.error.take() {
            return Err(e);
        }
    }
    if m.used.iter().all(|u| *u) {
        Ok(())
    } else {
        // A placeholder somewhere a FETCH count cannot be (the rewrite
        // read a cursor's FETCH): what PostgreSQL's parser says there.
        Err(EngineError::new(
            crate::error::SqlState::SyntaxError,
            "syntax error at or near \"FETCH\"",
        ))
    }
}

/// A sampling clause's arguments and seed when its quantity is the
/// [`TABLESAMPLE_MARKER`] form; `None` for any other quantity.
pub fn sample_parts(quantity: &Expr) -> Option<(Vec<&Expr>, Option<&Expr>)> {
    let Expr::Function(f) = quantity else {
        return None;
    };
    if !f.name.to_string().eq_ignore_ascii_case(TABLESAMPLE_MARKER) {
        return None;
    }
    let ast::FunctionArguments::List(list) = &f.args else {
        return None;
    };
    let mut args = Vec::new();
    let mut seed = None;
    for a in &list.args {
        let ast::FunctionArg::Unnamed(ast::FunctionArgExpr::Expr(e)) = a else {
            return None;
        };
        match e {
            Expr::Function(g) if g.name.to_string().eq_ignore_ascii_case(REPEATABLE_MARKER) => {
                let ast::FunctionArguments::List(l) = &g.args else {
                    return None;
                };
                match l.args.as_slice() {
                    [ast::FunctionArg::Unnamed(ast::FunctionArgExpr::Expr(s))] => seed = Some(s),
                    _ => return None,
                }
            }
            e => args.push(e),
        }
    }
    Some((args, seed))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rewrites_only_what_the_parser_rejects() {
        assert!(rewrite("select 1 fetch first 2 rows only").is_none());
        assert!(rewrite("select * from t tablesample system (10) repeatable (3)").is_none());
        let (t, f) = rewrite("select a from t fetch first (1+1) rows only").unwrap();
        assert_eq!(
            t,
            "select a from t fetch first $__rocksgres_fetch_0  rows only"
        );
        assert_eq!(f, vec!["(1+1)".to_string()]);
        let (t, f) = rewrite("select a from t fetch next -1 row only").unwrap();
        assert_eq!(
            t,
            "select a from t fetch next $__rocksgres_fetch_0  row only"
        );
        assert_eq!(f, vec!["-1".to_string()]);
        let (t, _) = rewrite("select * from t tablesample bernoulli (10, 20) where true").unwrap();
        assert_eq!(
            t,
            "select * from t tablesample bernoulli (__rocksgres_tablesample(10, 20))  where true"
        );
        let (t, _) = rewrite("select * from t tablesample system (5) repeatable ('7')").unwrap();
        assert_eq!(
            t,
            "select * from t tablesample system (__rocksgres_tablesample(5, __rocksgres_repeatable('7'))) "
        );
    }

    #[test]
    fn marks_put_the_count_back() {
        let sql = "select a from t order by a fetch first (1+1) rows with ties";
        let mut parsed = crate::sql::parse(sql).unwrap();
        let crate::sql::Parsed::Statement(s) = &mut parsed[0] else {
            panic!("not a statement");
        };
        assert_eq!(
            s.to_string(),
            "SELECT a FROM t ORDER BY a FETCH FIRST (1 + 1) ROWS WITH TIES"
        );
    }
}
