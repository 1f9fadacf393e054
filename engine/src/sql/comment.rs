//! `COMMENT ON CONSTRAINT name ON table IS ...`, which `sqlparser` 0.63
//! does not parse.
//!
//! [`rewrite`] turns it into `COMMENT ON COLLATION
//! __rocksgres_constraint.name.table IS ...` (the marker schema
//! [`CONSTRAINT_MARKER`]), which the parser accepts
//! and COMMENT ON reads back. The rewrite works on tokens, so string
//! literals and quoted identifiers are never touched.

use sqlparser::tokenizer::Token;

use super::word;

/// The marker schema that carries `COMMENT ON CONSTRAINT c ON t` through
/// the parser.
pub const CONSTRAINT_MARKER: &str = "__rocksgres_constraint";

/// Whether `sql` may hold the statement (a cheap test before
/// [`rewrite`]).
pub fn may_contain(sql: &str) -> bool {
    let lower = sql.to_ascii_lowercase();
    lower.contains("comment") && lower.contains("constraint")
}

/// The text with each `COMMENT ON CONSTRAINT c ON t` rewritten; `None`
/// when there is none.
pub fn rewrite(sql: &str) -> Option<String> {
    let toks = super::tokens_with_ranges(sql)?;
    let sig = super::significant(toks.iter().map(|t| &t.0));
    let t = |k: usize| &toks[sig[k]].0;
    let mut out = String::with_capacity(sql.len() + 32);
    let mut copied = 0;
    let mut k = 0;
    while k < sig.len() {
        let start = k;
        while k < sig.len() && *t(k) != Token::SemiColon {
            k += 1;
        }
        let end = k;
        k += 1;
        if end < start + 6
            || !word(t(start), "comment")
            || !word(t(start + 1), "on")
            || !word(t(start + 2), "constraint")
            || !matches!(t(start + 3), Token::Word(_))
            || !word(t(start + 4), "on")
        {
            continue;
        }
        let Some(is) = (start + 5..end).find(|&j| word(t(j), "is")) else {
            continue;
        };
        if is == start + 5
            || !(start + 5..is).all(|j| matches!(t(j), Token::Word(_) | Token::Period))
        {
            continue;
        }
        let range = |a: usize, b: usize| &sql[toks[sig[a]].1.start..toks[sig[b]].1.end];
        out.push_str(&sql[copied..toks[sig[start + 2]].1.start]);
        out.push_str(&format!(
            "COLLATION {CONSTRAINT_MARKER}.{}.{} ",
            range(start + 3, start + 3),
            range(start + 5, is - 1)
        ));
        copied = toks[sig[is]].1.start;
    }
    if copied == 0 {
        return None;
    }
    out.push_str(&sql[copied..]);
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rewrites_comment_on_constraint() {
        assert_eq!(
            rewrite("comment on constraint \"C\" on public.t is 'x'").unwrap(),
            "comment on COLLATION __rocksgres_constraint.\"C\".public.t is 'x'"
        );
        assert_eq!(rewrite("comment on table t is 'constraint'"), None);
    }
}
