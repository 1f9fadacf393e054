//! `(expr).*`: every field of a composite value, in a select list.
//!
//! sqlparser 0.63 does not parse `(expr).*`. [`rewrite`] turns it into
//! `__rocksgres_field_star((expr))`, a marker call the select-list binder
//! expands into one column per field (see
//! [`crate::plan::bind::Binder::bind_field_star`]); anywhere else the
//! marker is 0A000.

use sqlparser::dialect::PostgreSqlDialect;
use sqlparser::tokenizer::{Token, Tokenizer};

/// The marker function that carries `(expr).*` through the parser.
pub const FIELD_STAR_MARKER: &str = "__rocksgres_field_star";

/// Whether `sql` may hold `(expr).*` (a cheap test before [`rewrite`]).
pub fn may_contain(sql: &str) -> bool {
    sql.contains(").*")
}

/// Rewrites every `(expr).*` into the marker call; `None` when there is
/// nothing to rewrite (or the text does not tokenize, left to the
/// parser's error).
pub fn rewrite(sql: &str) -> Option<String> {
    let tokens = Tokenizer::new(&PostgreSqlDialect {}, sql)
        .tokenize_with_location()
        .ok()?;
    let line_starts: Vec<usize> = std::iter::once(0)
        .chain(sql.match_indices('\n').map(|(i, _)| i + 1))
        .collect();
    let offset = |line: u64, column: u64| -> Option<usize> {
        let start = *line_starts.get(usize::try_from(line).ok()?.checked_sub(1)?)?;
        let col = usize::try_from(column).ok()?.checked_sub(1)?;
        Some(
            start
                + sql[start..]
                    .char_indices()
                    .nth(col)
                    .map_or(sql.len() - start, |(i, _)| i),
        )
    };
    // (where the marker goes, start and end of the `.*` to close it).
    let mut edits: Vec<(usize, usize, usize)> = Vec::new();
    for i in 0..tokens.len().saturating_sub(2) {
        if !(matches!(tokens[i].token, Token::RParen)
            && matches!(tokens[i + 1].token, Token::Period)
            && matches!(tokens[i + 2].token, Token::Mul))
        {
            continue;
        }
        let mut depth = 0i32;
        let mut open = None;
        for j in (0..=i).rev() {
            match tokens[j].token {
                Token::RParen => depth += 1,
                Token::LParen => {
                    depth -= 1;
                    if depth == 0 {
                        open = Some(j);
                        break;
                    }
                }
                _ => {}
            }
        }
        let open = open?;
        let o = &tokens[open].span;
        let d = &tokens[i + 1].span;
        let s = &tokens[i + 2].span;
        edits.push((
            offset(o.start.line, o.start.column)?,
            offset(d.start.line, d.start.column)?,
            offset(s.end.line, s.end.column)?,
        ));
    }
    if edits.is_empty() {
        return None;
    }
    // Nested rewrites are not needed: keep the outermost of overlapping
    // ones, applied from the front.
    edits.sort_unstable();
    let mut out = String::with_capacity(sql.len() + 32 * edits.len());
    let mut pos = 0;
    for (open, dot, end) in edits {
        if open < pos {
            continue;
        }
        out.push_str(&sql[pos..open]);
        out.push_str(FIELD_STAR_MARKER);
        out.push('(');
        out.push_str(&sql[open..dot]);
        out.push(')');
        pos = end;
    }
    out.push_str(&sql[pos..]);
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rewrites_field_star() {
        assert_eq!(
            rewrite("SELECT (p).*, 1 FROM t").unwrap(),
            "SELECT __rocksgres_field_star((p)), 1 FROM t"
        );
        assert_eq!(
            rewrite("SELECT ('(1,x)'::pair).*").unwrap(),
            "SELECT __rocksgres_field_star(('(1,x)'::pair))"
        );
        assert!(rewrite("SELECT t.* FROM t").is_none());
        assert!(rewrite("SELECT ').*'").is_none());
    }
}
