//! `ALTER INDEX IF EXISTS name RENAME TO new`, whose IF EXISTS `sqlparser`
//! 0.63 does not parse.
//!
//! [`rewrite`] drops the `IF EXISTS` words and qualifies the new name with
//! the schema [`MARKER`] (a new name is never qualified in PostgreSQL's
//! grammar); [`if_exists`] reads the mark back from the parsed statement.

use sqlparser::ast;
use sqlparser::dialect::PostgreSqlDialect;
use sqlparser::tokenizer::{Token, Tokenizer};

use super::word;

/// The qualifier that marks a rename's new name as IF EXISTS.
pub const MARKER: &str = "__rocksgres_if_exists";

/// The text with each `ALTER INDEX IF EXISTS n RENAME TO new` written
/// `ALTER INDEX n RENAME TO __rocksgres_if_exists.new`; `None` when there
/// is none.
pub fn rewrite(sql: &str) -> Option<String> {
    let toks = Tokenizer::new(&PostgreSqlDialect {}, sql).tokenize().ok()?;
    let sig = super::significant(toks.iter());
    let mut drop = vec![false; toks.len()];
    // Token positions after which the marker goes.
    let mut mark_after = Vec::new();
    let mut start = true;
    for k in 0..sig.len() {
        let t = &toks[sig[k]];
        if *t == Token::SemiColon {
            start = true;
            continue;
        }
        if !std::mem::replace(&mut start, false) {
            continue;
        }
        let at = |d: usize, w: &str| sig.get(k + d).is_some_and(|&i| word(&toks[i], w));
        if !(at(0, "alter") && at(1, "index") && at(2, "if") && at(3, "exists")) {
            continue;
        }
        drop[sig[k + 2]] = true;
        drop[sig[k + 3]] = true;
        // The TO of RENAME TO, within this statement.
        let mut j = k + 4;
        while j + 1 < sig.len() && toks[sig[j]] != Token::SemiColon {
            if word(&toks[sig[j]], "rename") && word(&toks[sig[j + 1]], "to") {
                mark_after.push(sig[j + 1]);
                break;
            }
            j += 1;
        }
    }
    if mark_after.is_empty() {
        return None;
    }
    let mut out = String::with_capacity(sql.len() + 32);
    for (i, t) in toks.iter().enumerate() {
        if drop[i] {
            continue;
        }
        out.push_str(&t.to_string());
        if mark_after.contains(&i) {
            out.push(' ');
            out.push_str(MARKER);
            out.push('.');
        }
    }
    Some(out)
}

/// The new name of a rename, without the mark, and whether it was
/// marked IF EXISTS.
pub fn if_exists(to: &ast::ObjectName) -> (ast::ObjectName, bool) {
    match to.0.split_first() {
        Some((first, rest))
            if !rest.is_empty() && first.as_ident().is_some_and(|i| i.value == MARKER) =>
        {
            (ast::ObjectName(rest.to_vec()), true)
        }
        _ => (to.clone(), false),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rewrites_and_reads_back() {
        let text = rewrite("select 1; alter index if exists a rename to b").unwrap();
        let parsed = crate::sql::parse(&text).unwrap();
        let crate::sql::Parsed::Statement(s) = &parsed[1] else {
            panic!()
        };
        let ast::Statement::AlterIndex {
            operation: ast::AlterIndexOperation::RenameIndex { index_name },
            ..
        } = s.as_ref()
        else {
            panic!()
        };
        let (to, marked) = if_exists(index_name);
        assert!(marked);
        assert_eq!(to.to_string(), "b");
        assert!(rewrite("alter index a rename to b").is_none());
        assert!(rewrite("select 'alter index if exists'").is_none());
    }
}
