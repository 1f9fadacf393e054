//! `ALTER TABLE [IF EXISTS] name SET SCHEMA s`, which `sqlparser` 0.63 does
//! not parse.
//!
//! [`rewrite`] turns `SET SCHEMA s` into `SET (<marker> = s)` (an option
//! list, which the parser takes as `SetOptionsParens`); ALTER TABLE reads
//! the schema back with [`target`]. The rewrite works on tokens, so string
//! literals and quoted identifiers are never touched.

use sqlparser::ast;
use sqlparser::tokenizer::Token;

use super::word;

/// The option name that carries the target schema.
pub const MARKER: &str = "__rocksgres_set_schema";

/// Whether `sql` may hold the statement (a cheap test before [`rewrite`]).
pub fn may_contain(sql: &str) -> bool {
    let lower = sql.to_ascii_lowercase();
    lower.contains("alter") && lower.contains("schema")
}

/// The text with each `ALTER TABLE ... SET SCHEMA s` rewritten; `None`
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
        if end < start + 5 || !word(t(start), "alter") || !word(t(start + 1), "table") {
            continue;
        }
        // ... SET SCHEMA <one identifier> as the statement's end.
        let set = end - 3;
        if !word(t(set), "set")
            || !word(t(set + 1), "schema")
            || !matches!(t(set + 2), Token::Word(_))
        {
            continue;
        }
        let target = &toks[sig[set + 2]];
        out.push_str(&sql[copied..toks[sig[set]].1.start]);
        out.push_str(&format!("SET ({MARKER} = "));
        out.push_str(&sql[target.1.clone()]);
        out.push(')');
        copied = target.1.end;
    }
    if copied == 0 {
        return None;
    }
    out.push_str(&sql[copied..]);
    Some(out)
}

/// The schema a parsed `ALTER TABLE` operation moves the table to, if it
/// is a rewritten `SET SCHEMA`.
pub fn target(op: &ast::AlterTableOperation) -> Option<String> {
    let ast::AlterTableOperation::SetOptionsParens { options } = op else {
        return None;
    };
    let [ast::SqlOption::KeyValue { key, value }] = options.as_slice() else {
        return None;
    };
    if key.value != MARKER {
        return None;
    }
    match value {
        ast::Expr::Identifier(id) => Some(crate::sql::identifiers::ident_name(id)),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rewrites_set_schema() {
        assert_eq!(
            rewrite("alter table if exists s.t set schema \"Q\"; ALTER TABLE t SET SCHEMA s")
                .unwrap(),
            "alter table if exists s.t SET (__rocksgres_set_schema = \"Q\"); \
             ALTER TABLE t SET (__rocksgres_set_schema = s)"
        );
        assert_eq!(rewrite("alter schema s rename to t"), None);
        assert_eq!(rewrite("select 'alter table t set schema s'"), None);
    }
}
