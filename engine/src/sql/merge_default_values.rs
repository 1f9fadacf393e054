//! `MERGE ... WHEN NOT MATCHED THEN INSERT DEFAULT VALUES`, which
//! `sqlparser` 0.63 does not parse.
//!
//! [`rewrite`] turns `INSERT DEFAULT VALUES` after `THEN` into `INSERT
//! (<marker>) VALUES (DEFAULT)`, a form the parser takes; the MERGE
//! planner recognises the marker column ([`is_default_values`]). The
//! rewrite works on tokens, so string literals and quoted identifiers are
//! never touched.

use sqlparser::ast;

use super::word;

/// The column name that marks a rewritten `INSERT DEFAULT VALUES`.
pub const MARKER: &str = "__rocksgres_default_values";

/// Whether `sql` may hold the clause (a cheap test before [`rewrite`]).
pub fn may_contain(sql: &str) -> bool {
    let lower = sql.to_ascii_lowercase();
    lower.contains("merge") && lower.contains("default")
}

/// The text with each `THEN INSERT DEFAULT VALUES` rewritten; `None` when
/// there is none.
pub fn rewrite(sql: &str) -> Option<String> {
    let toks = super::tokens_with_ranges(sql)?;
    let sig = super::significant(toks.iter().map(|t| &t.0));
    let t = |k: usize| &toks[sig[k]].0;
    let mut out = String::with_capacity(sql.len() + 48);
    let mut copied = 0;
    for k in 0..sig.len().saturating_sub(3) {
        if word(t(k), "then")
            && word(t(k + 1), "insert")
            && word(t(k + 2), "default")
            && word(t(k + 3), "values")
        {
            out.push_str(&sql[copied..toks[sig[k + 2]].1.start]);
            out.push_str(&format!("({MARKER}) VALUES (DEFAULT)"));
            copied = toks[sig[k + 3]].1.end;
        }
    }
    if copied == 0 {
        return None;
    }
    out.push_str(&sql[copied..]);
    Some(out)
}

/// Whether a parsed MERGE INSERT is a rewritten `INSERT DEFAULT VALUES`.
pub fn is_default_values(ins: &ast::MergeInsertExpr) -> bool {
    matches!(ins.columns.as_slice(), [c] if c.0.len() == 1
        && c.0[0].as_ident().is_some_and(|i| i.value == MARKER && i.quote_style.is_none()))
}
