//! `ALTER { VIEW | INDEX } [IF EXISTS] name OWNER TO role` and `ALTER VIEW
//! [IF EXISTS] name { RENAME [COLUMN] ... | SET SCHEMA s | ALTER COLUMN
//! ... }`, which `sqlparser` 0.63 does not parse.
//!
//! [`rewrite`] turns it into `ALTER TABLE [IF EXISTS] name ON CLUSTER
//! <marker> OWNER TO role` (the markers [`VIEW_MARKER`] and
//! [`INDEX_MARKER`], in a clause PostgreSQL's grammar has not), which the
//! parser accepts; ALTER TABLE reads the kind back with [`of`] for its
//! checks and its command tag. The rewrite works on tokens, so string
//! literals and quoted identifiers are never touched.

use sqlparser::ast;
use sqlparser::tokenizer::Token;

use super::word;

/// The ON CLUSTER marker of a rewritten `ALTER VIEW`.
pub const VIEW_MARKER: &str = "__rocksgres_alter_view";
/// The ON CLUSTER marker of a rewritten `ALTER INDEX`.
pub const INDEX_MARKER: &str = "__rocksgres_alter_index";

/// The kind of relation an ALTER statement named.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AlterKind {
    /// `ALTER TABLE` (any relation).
    Table,
    /// `ALTER VIEW`.
    View,
    /// `ALTER INDEX`.
    Index,
}

/// Whether `sql` may hold the statement (a cheap test before
/// [`rewrite`]).
pub fn may_contain(sql: &str) -> bool {
    let lower = sql.to_ascii_lowercase();
    lower.contains("view") || (lower.contains("owner") && lower.contains("index"))
}

/// Whether the tokens `name` are `[IF EXISTS] ident [. ident]...`.
fn is_name(name: &[&Token]) -> bool {
    let name = match name {
        [i, e, rest @ ..] if word(i, "if") && word(e, "exists") && !rest.is_empty() => rest,
        n => n,
    };
    !name.is_empty()
        && name.len() % 2 == 1
        && name.iter().enumerate().all(|(i, t)| {
            if i % 2 == 0 {
                matches!(t, Token::Word(_))
            } else {
                **t == Token::Period
            }
        })
}

/// The text with each `ALTER VIEW|INDEX ... OWNER TO` rewritten; `None`
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
        if end < start + 5 || !word(t(start), "alter") {
            continue;
        }
        let (marker, actions): (_, &[&str]) = if word(t(start + 1), "view") {
            (VIEW_MARKER, &["owner", "rename", "set", "alter", "reset"])
        } else if word(t(start + 1), "index") {
            (INDEX_MARKER, &["owner"])
        } else {
            continue;
        };
        // The action: the first of its words after a well-formed name.
        let Some(owner) = (start + 3..end).find(|&j| {
            actions.iter().any(|a| word(t(j), a))
                && is_name(&(start + 2..j).map(t).collect::<Vec<_>>())
        }) else {
            continue;
        };
        if marker == INDEX_MARKER && (owner + 1 >= end || !word(t(owner + 1), "to")) {
            continue;
        }
        out.push_str(&sql[copied..toks[sig[start + 1]].1.start]);
        out.push_str("TABLE");
        out.push_str(&sql[toks[sig[start + 1]].1.end..toks[sig[owner]].1.start]);
        out.push_str(&format!("ON CLUSTER {marker} "));
        copied = toks[sig[owner]].1.start;
    }
    if copied == 0 {
        return None;
    }
    out.push_str(&sql[copied..]);
    Some(out)
}

/// The kind of relation a parsed ALTER TABLE stands for; `None` for an
/// ON CLUSTER clause of another dialect.
pub fn of(at: &ast::AlterTable) -> Option<AlterKind> {
    match at.on_cluster.as_ref().map(|i| i.value.as_str()) {
        None => Some(AlterKind::Table),
        Some(VIEW_MARKER) => Some(AlterKind::View),
        Some(INDEX_MARKER) => Some(AlterKind::Index),
        Some(_) => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rewrites_alter_view_and_index_owner() {
        assert_eq!(
            rewrite("alter view if exists s.v owner to r; ALTER INDEX i OWNER TO CURRENT_USER")
                .unwrap(),
            "alter TABLE if exists s.v ON CLUSTER __rocksgres_alter_view owner to r; \
             ALTER TABLE i ON CLUSTER __rocksgres_alter_index OWNER TO CURRENT_USER"
        );
        assert_eq!(
            rewrite("alter view s.v rename to owner").unwrap(),
            "alter TABLE s.v ON CLUSTER __rocksgres_alter_view rename to owner"
        );
        assert_eq!(
            rewrite("ALTER VIEW IF EXISTS v SET SCHEMA s").unwrap(),
            "ALTER TABLE IF EXISTS v ON CLUSTER __rocksgres_alter_view SET SCHEMA s"
        );
        assert_eq!(rewrite("alter view v as select set from t"), None);
        assert_eq!(rewrite("alter index i rename to owner"), None);
    }
}
