//! CHECK constraints in the catalog: how they are named, bound and kept in
//! step with the columns they read.
//!
//! A check is stored in its table's descriptor ([`super::CheckDesc`]) as
//! SQL text over the table's column names, and bound afresh wherever it is
//! used (statement plans, validation, `pg_get_constraintdef`; see
//! [`crate::plan::check`]), so a change of a column's type is seen at once. Column names are the one thing the text
//! pins: RENAME COLUMN rewrites them ([`rename_column_refs`]) and DROP
//! COLUMN drops every check that reads the column, as PostgreSQL does.
//!
//! Names follow PostgreSQL's `ChooseConstraintName`: a check that reads
//! exactly one column is `<table>_<column>_check`, any other
//! `<table>_check`, with `1`, `2`, ... appended until the name is used by
//! no constraint of the schema nor by another constraint of the same
//! command, each part shortened as `makeObjectName` does to fit 63 bytes.

use rocksgres_storage::Transaction;
use sqlparser::tokenizer::{Token, Tokenizer};

use super::TableDesc;
use crate::error::{EngineError, Result};

/// PostgreSQL's identifier limit (`NAMEDATALEN - 1`).
const MAX_IDENTIFIER: usize = 63;

/// The names of `table`'s constraints: PRIMARY KEY, UNIQUE, CHECK and
/// FOREIGN KEY.
pub fn constraint_names(table: &TableDesc) -> impl Iterator<Item = &str> {
    table
        .indexes
        .iter()
        .filter(|ix| ix.constraint_oid != 0 && !ix.columns.is_empty())
        .map(|ix| ix.name.as_str())
        .chain(table.checks.iter().map(|c| c.name.as_str()))
        .chain(table.foreign_keys.iter().map(|c| c.name.as_str()))
}

/// PostgreSQL's `makeObjectName(name1, name2, label)`: the parts joined
/// by `_`, the longer of `name1` and `name2` shortened first until the
/// whole fits in 63 bytes (at character boundaries).
pub fn make_object_name(name1: &str, name2: Option<&str>, label: &str) -> String {
    let overhead = label.len() + 1 + usize::from(name2.is_some());
    let avail = MAX_IDENTIFIER.saturating_sub(overhead);
    let (mut n1, mut n2) = (name1.len(), name2.map_or(0, str::len));
    while n1 + n2 > avail {
        if n1 > n2 {
            n1 -= 1;
        } else {
            n2 -= 1;
        }
    }
    let clip = |s: &str, mut n: usize| -> String {
        while !s.is_char_boundary(n) {
            n -= 1;
        }
        s[..n].to_string()
    };
    let mut out = clip(name1, n1);
    if let Some(n) = name2 {
        out.push('_');
        out.push_str(&clip(n, n2));
    }
    out.push('_');
    out.push_str(label);
    out
}

/// PostgreSQL's choice of a new check's name on `table` (see the module
/// documentation): `column` is the one column the check reads, if it
/// reads exactly one; `taken` holds the names chosen earlier in the same
/// command.
pub fn choose_check_name<T: Transaction>(
    txn: &mut T,
    table: &TableDesc,
    column: Option<&str>,
    taken: &[String],
) -> Result<String> {
    choose_constraint_name(txn, table, column, "check", taken)
}

/// PostgreSQL's `ChooseConstraintName(table, name2, label)`: the first of
/// `<table>_<name2>_<label>`, `..._<label>1`, ... that no constraint of the
/// schema (nor one in `taken`) has.
pub fn choose_constraint_name<T: Transaction>(
    txn: &mut T,
    table: &TableDesc,
    column: Option<&str>,
    base: &str,
    taken: &[String],
) -> Result<String> {
    let mut used: Vec<String> = taken.to_vec();
    used.extend(constraint_names(table).map(str::to_owned));
    for t in super::all_tables(txn)? {
        if t.schema == table.schema && t.id != table.id {
            used.extend(constraint_names(&t).map(str::to_owned));
        }
    }
    let mut pass = 0;
    loop {
        let label = if pass == 0 {
            base.to_string()
        } else {
            format!("{base}{pass}")
        };
        let name = make_object_name(&table.name, column, &label);
        if !used.contains(&name) {
            return Ok(name);
        }
        pass += 1;
    }
}

/// Rewrites the references to column `old` in check text `sql` to name
/// `new` (quoted when PostgreSQL would quote it). A word followed by `(`
/// (a function name) or `.` (a qualifier) is left alone; everything else
/// of the text is kept byte for byte.
pub fn rename_column_refs(sql: &str, old: &str, new: &str) -> Result<String> {
    let dialect = sqlparser::dialect::PostgreSqlDialect {};
    let tokens = Tokenizer::new(&dialect, sql)
        .tokenize_with_location()
        .map_err(|e| EngineError::internal(format!("stored check does not tokenize: {e}")))?;
    // Byte offset of each line start, to turn (line, column) into offsets.
    let mut line_starts = vec![0];
    line_starts.extend(sql.match_indices('\n').map(|(i, _)| i + 1));
    let offset = |line: u64, column: u64| -> usize {
        let start = line_starts[(line as usize).saturating_sub(1).min(line_starts.len() - 1)];
        sql[start..]
            .char_indices()
            .nth((column as usize).saturating_sub(1))
            .map_or(sql.len(), |(i, _)| start + i)
    };
    let significant: Vec<usize> = (0..tokens.len())
        .filter(|&i| !matches!(tokens[i].token, Token::Whitespace(_)))
        .collect();
    let mut edits = Vec::new();
    for (k, &i) in significant.iter().enumerate() {
        let Token::Word(w) = &tokens[i].token else {
            continue;
        };
        let name = crate::sql::identifiers::ident_name(&sqlparser::ast::Ident {
            value: w.value.clone(),
            quote_style: w.quote_style,
            span: sqlparser::tokenizer::Span::empty(),
        });
        if name != old {
            continue;
        }
        let next = significant.get(k + 1).map(|&j| &tokens[j].token);
        if matches!(next, Some(Token::LParen | Token::Period)) {
            continue;
        }
        let s = &tokens[i].span;
        edits.push((
            offset(s.start.line, s.start.column),
            offset(s.end.line, s.end.column),
        ));
    }
    let mut out = String::with_capacity(sql.len() + 8);
    let mut at = 0;
    for (from, to) in edits {
        out.push_str(&sql[at..from]);
        out.push_str(&crate::sql::identifiers::quote_ident(new));
        at = to;
    }
    out.push_str(&sql[at..]);
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn object_names_shorten_like_postgres() {
        assert_eq!(make_object_name("t", Some("a"), "check"), "t_a_check");
        assert_eq!(make_object_name("t", None, "check1"), "t_check1");
        let long = "x".repeat(70);
        let n = make_object_name(&long, Some("col"), "check");
        assert_eq!(n.len(), 63);
        assert!(n.ends_with("_col_check"));
    }

    #[test]
    fn renames_rewrite_column_words_only() {
        assert_eq!(
            rename_column_refs("a > 0 AND lower(b) = 'a'", "a", "n").unwrap(),
            "n > 0 AND lower(b) = 'a'"
        );
        assert_eq!(
            rename_column_refs("\"a\" > a(1)", "a", "New").unwrap(),
            "\"New\" > a(1)"
        );
        assert_eq!(
            rename_column_refs("'x\ny' <> b AND\nb > 1", "b", "c").unwrap(),
            "'x\ny' <> c AND\nc > 1"
        );
    }
}
