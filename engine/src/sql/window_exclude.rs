//! A window frame's `EXCLUDE { CURRENT ROW | GROUP | TIES | NO OTHERS }`,
//! which `sqlparser` 0.63 does not parse.
//!
//! [`rewrite`] carries the clause in the frame's end bound: `ROWS BETWEEN
//! a AND b EXCLUDE TIES` becomes `ROWS BETWEEN a AND
//! __rocksgres_exclude('ties', 'following', (n)) FOLLOWING` (a frame
//! without BETWEEN gets `BETWEEN a AND` the marker for `CURRENT ROW`), and
//! [`decode`] gives the binder the real end bound and the exclusion back.

use sqlparser::ast::{self, Expr, WindowFrameBound};
use sqlparser::tokenizer::Token;

use super::word;
use crate::error::{EngineError, Result};

/// `EXCLUDE ...`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Exclude {
    /// `EXCLUDE NO OTHERS` (the default).
    NoOthers,
    /// `EXCLUDE CURRENT ROW`.
    CurrentRow,
    /// `EXCLUDE GROUP`: the current row and its peers.
    Group,
    /// `EXCLUDE TIES`: the current row's peers but not itself.
    Ties,
}

/// The marker function that carries the clause through the parser.
pub const MARKER: &str = "__rocksgres_exclude";

/// Whether `sql` may hold an EXCLUDE clause (a cheap test before
/// [`rewrite`]).
pub fn may_contain(sql: &str) -> bool {
    sql.to_ascii_lowercase().contains("exclude")
}

/// Rewrites every frame EXCLUDE clause into the marker; `None` when there
/// is nothing to rewrite.
pub fn rewrite(sql: &str) -> Option<String> {
    let located = super::tokens_with_ranges(sql)?;
    let starts: Vec<usize> = located.iter().map(|(_, r)| r.start).collect();
    let end_of = |i: usize| located.get(i).map_or(sql.len(), |(_, r)| r.end);
    let toks: Vec<&Token> = located.iter().map(|(t, _)| t).collect();
    let sig = super::significant(toks.iter().copied());
    // (start, end, replacement) byte edits.
    let mut edits: Vec<(usize, usize, String)> = Vec::new();
    for (k, &i) in sig.iter().enumerate() {
        if !word(toks[i], "exclude") {
            continue;
        }
        let at = |n: usize| sig.get(k + n).map(|&j| toks[j]);
        let (kind, len) = match (at(1), at(2)) {
            (Some(a), Some(b)) if word(a, "current") && word(b, "row") => ("current_row", 3),
            (Some(a), Some(b)) if word(a, "no") && word(b, "others") => ("no_others", 3),
            (Some(a), _) if word(a, "group") => ("group", 2),
            (Some(a), _) if word(a, "ties") => ("ties", 2),
            _ => continue,
        };
        if !matches!(at(len), Some(Token::RParen)) {
            continue;
        }
        // The frame units word at the same depth.
        let mut depth = 0i32;
        let mut units = None;
        for kk in (0..k).rev() {
            match toks[sig[kk]] {
                Token::RParen => depth += 1,
                Token::LParen => {
                    depth -= 1;
                    if depth < 0 {
                        break;
                    }
                }
                t if depth == 0 && (word(t, "rows") || word(t, "range") || word(t, "groups")) => {
                    units = Some(kk);
                    break;
                }
                _ => {}
            }
        }
        let Some(u) = units else { continue };
        let clause_start = starts[i];
        let clause_end = end_of(sig[k + len - 1]);
        let between = sig.get(u + 1).is_some_and(|&j| word(toks[j], "between"));
        // The end bound's significant positions.
        let (end_from, replace_end) = if between {
            let mut depth = 0i32;
            let mut and = None;
            for (kk, &j) in sig.iter().enumerate().take(k).skip(u + 2) {
                match toks[j] {
                    Token::LParen => depth += 1,
                    Token::RParen => depth -= 1,
                    t if depth == 0 && word(t, "and") => {
                        and = Some(kk);
                        break;
                    }
                    _ => {}
                }
            }
            let Some(a) = and else { continue };
            (a + 1, true)
        } else {
            (k, false)
        };
        let bound: Vec<&Token> = sig[end_from..k].iter().map(|&j| toks[j]).collect();
        let marker = |bound_kind: &str, expr: &str| {
            format!(" {MARKER}('{kind}', '{bound_kind}', {expr}) FOLLOWING ")
        };
        if !replace_end {
            edits.push((end_of(sig[u]), end_of(sig[u]), " BETWEEN".into()));
            edits.push((
                clause_start,
                clause_end,
                format!(" AND{}", marker("current", "NULL")),
            ));
            continue;
        }
        let text = match bound.as_slice() {
            [a, b] if word(a, "current") && word(b, "row") => marker("current", "NULL"),
            [a, b] if word(a, "unbounded") && word(b, "following") => {
                marker("unbounded_following", "NULL")
            }
            [a, b] if word(a, "unbounded") && word(b, "preceding") => {
                marker("unbounded_preceding", "NULL")
            }
            [.., last] if word(last, "preceding") || word(last, "following") => {
                let dir = if word(last, "preceding") {
                    "preceding"
                } else {
                    "following"
                };
                let from = starts[sig[end_from]];
                let to = end_of(sig[k - 2]);
                marker(dir, &format!("({})", &sql[from..to]))
            }
            _ => continue,
        };
        edits.push((starts[sig[end_from]], clause_end, text));
    }
    if edits.is_empty() {
        return None;
    }
    edits.sort_by_key(|e| e.0);
    let mut out = String::with_capacity(sql.len() + 64);
    let mut pos = 0;
    for (s, e, text) in edits {
        if s < pos {
            return None;
        }
        out.push_str(&sql[pos..s]);
        out.push_str(&text);
        pos = e;
    }
    out.push_str(&sql[pos..]);
    Some(out)
}

/// A frame's parsed end bound: the real bound and the exclusion it
/// carries.
pub fn decode(bound: &WindowFrameBound) -> Result<(WindowFrameBound, Exclude)> {
    let WindowFrameBound::Following(Some(e)) = bound else {
        return Ok((bound.clone(), Exclude::NoOthers));
    };
    let Expr::Function(f) = e.as_ref() else {
        return Ok((bound.clone(), Exclude::NoOthers));
    };
    if f.name.to_string() != MARKER {
        return Ok((bound.clone(), Exclude::NoOthers));
    }
    let ast::FunctionArguments::List(list) = &f.args else {
        return Err(EngineError::unsupported("this frame EXCLUDE clause"));
    };
    let arg = |i: usize| match list.args.get(i) {
        Some(ast::FunctionArg::Unnamed(ast::FunctionArgExpr::Expr(x))) => Some(x),
        _ => None,
    };
    let text = |i: usize| match arg(i) {
        Some(Expr::Value(v)) => match &v.value {
            ast::Value::SingleQuotedString(s) => s.clone(),
            _ => String::new(),
        },
        _ => String::new(),
    };
    let exclude = match text(0).as_str() {
        "current_row" => Exclude::CurrentRow,
        "group" => Exclude::Group,
        "ties" => Exclude::Ties,
        _ => Exclude::NoOthers,
    };
    let offset = || arg(2).cloned().map(Box::new);
    let real = match text(1).as_str() {
        "current" => WindowFrameBound::CurrentRow,
        "unbounded_following" => WindowFrameBound::Following(None),
        "unbounded_preceding" => WindowFrameBound::Preceding(None),
        "preceding" => WindowFrameBound::Preceding(offset()),
        _ => WindowFrameBound::Following(offset()),
    };
    Ok((real, exclude))
}

#[cfg(test)]
mod tests {
    use super::rewrite;

    #[test]
    fn exclude_clauses_move_into_the_end_bound() {
        let r = rewrite("select sum(a) over (order by a rows 2 preceding exclude ties) from t")
            .expect("rewritten");
        assert!(r.contains("rows BETWEEN 2 preceding"), "{r}");
        assert!(
            r.contains("AND __rocksgres_exclude('ties', 'current', NULL) FOLLOWING"),
            "{r}"
        );
        let r = rewrite(
            "select sum(a) over (rows between 1 preceding and 3 following exclude current row) from t",
        )
        .expect("rewritten");
        assert!(
            r.contains("__rocksgres_exclude('current_row', 'following', (3)) FOLLOWING"),
            "{r}"
        );
        assert!(!r.to_lowercase().contains("exclude current"), "{r}");
        assert_eq!(rewrite("select 1 from t where exclude = 1"), None);
        assert!(crate::sql::parse(&r).is_ok());
    }
}
