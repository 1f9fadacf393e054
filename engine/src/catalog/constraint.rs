//! CHECK constraints in the catalog: how they are named, bound and kept in
//! step with the columns they read.
//!
//! A check is stored in its table's descriptor ([`CheckDesc`]) as SQL text
//! over the table's column names, and bound afresh wherever it is used
//! (statement plans, validation, `pg_get_constraintdef`), so a change of a
//! column's type is seen at once. Column names are the one thing the text
//! pins: RENAME COLUMN rewrites them ([`rename_column_refs`]) and DROP
//! COLUMN drops every check that reads the column, as PostgreSQL does.
//!
//! Names follow PostgreSQL's `ChooseConstraintName`: a check that reads
//! exactly one column is `<table>_<column>_check`, any other
//! `<table>_check`, with `1`, `2`, ... appended until the name is used by
//! no constraint of the schema nor by another constraint of the same
//! command, each part shortened as `makeObjectName` does to fit 63 bytes.

use rocksgres_storage::Transaction;
use sqlparser::ast::Expr as AstExpr;
use sqlparser::tokenizer::{Token, Tokenizer};

use super::{CheckDesc, TableDesc};
use crate::error::{EngineError, Result, SqlState};
use crate::plan::bind::Binder;
use crate::plan::expr::Expr;
use crate::plan::query::table_scope;
use crate::types::{CastKind, SqlType};

/// PostgreSQL's identifier limit (`NAMEDATALEN - 1`).
const MAX_IDENTIFIER: usize = 63;

/// Binds check expression `expr` over a row of `table` (the physical row,
/// dropped columns included), as PostgreSQL's `cookConstraint` does:
/// subqueries are 0A000, aggregates 42803, and the result must be boolean
/// (42804).
pub fn bind_check(table: &TableDesc, expr: &AstExpr) -> Result<Expr> {
    let mut lookup =
        |_: &sqlparser::ast::ObjectName, _: bool| -> Result<super::Relation> { Err(no_subquery()) };
    let mut binder = Binder::new(Vec::new(), &mut lookup);
    bind_check_with(table, expr, &mut binder)
}

/// [`bind_check`] with the statement's own binder (plans of INSERT,
/// UPDATE and COPY bind their table's checks this way).
pub fn bind_check_with(table: &TableDesc, expr: &AstExpr, binder: &mut Binder<'_>) -> Result<Expr> {
    bind_check_in(&table_scope(table, &table.name), expr, binder)
}

/// Binds a check expression over the columns of `scope` (a table's row,
/// or a domain's `VALUE`), with `cookConstraint`'s rules.
pub fn bind_check_in(
    scope: &crate::plan::bind::Scope,
    expr: &AstExpr,
    binder: &mut Binder<'_>,
) -> Result<Expr> {
    let saved = binder.no_aggs.replace("check constraints");
    let bound = binder.bind(expr, scope);
    binder.no_aggs = saved;
    let bound = bound?;
    let mut subquery = false;
    walk(&bound, &mut |e| subquery |= matches!(e, Expr::Subquery(_)));
    if subquery {
        return Err(no_subquery());
    }
    match bound.ty() {
        SqlType::Bool => Ok(bound),
        SqlType::Unknown => binder.coerce(bound, SqlType::Bool, CastKind::Implicit),
        other => Err(EngineError::new(
            SqlState::DatatypeMismatch,
            format!(
                "argument of CHECK must be type boolean, not type {}",
                other.display_name()
            ),
        )),
    }
}

/// 0A000 for a subquery in a check constraint.
pub fn no_subquery() -> EngineError {
    EngineError::new(
        SqlState::FeatureNotSupported,
        "cannot use subquery in check constraint",
    )
}

/// Calls `f` on `e` and every expression below it.
pub fn walk(e: &Expr, f: &mut dyn FnMut(&Expr)) {
    crate::sql::depth::guard(|| walk_level(e, f))
}

fn walk_level(e: &Expr, f: &mut dyn FnMut(&Expr)) {
    f(e);
    match e {
        Expr::Literal(..) | Expr::Column(..) | Expr::Param(..) | Expr::Outer(..) => {}
        Expr::Subquery(_) => {}
        Expr::Binary(_, a, b)
        | Expr::IsDistinct(_, a, b, _)
        | Expr::And(a, b)
        | Expr::Or(a, b)
        | Expr::NullIf(a, b, _)
        | Expr::Like(a, b, _, _) => {
            walk(a, f);
            walk(b, f);
        }
        Expr::Negate(a, _)
        | Expr::Unary(_, a, _)
        | Expr::Not(a)
        | Expr::IsNull(a, _)
        | Expr::IsBool(a, _, _)
        | Expr::Cast(a, _, _)
        | Expr::Domain(a, _) => walk(a, f),
        Expr::Function(_, args) | Expr::Sequence(_, args) | Expr::Coalesce(args, _) => {
            for a in args {
                walk(a, f);
            }
        }
        Expr::Case {
            operand,
            whens,
            otherwise,
            ..
        } => {
            if let Some(o) = operand {
                walk(o, f);
            }
            for (w, t) in whens {
                walk(w, f);
                walk(t, f);
            }
            if let Some(o) = otherwise {
                walk(o, f);
            }
        }
        Expr::InList(a, list, _) => {
            walk(a, f);
            for x in list {
                walk(x, f);
            }
        }
        Expr::Between(a, b, c, _) => {
            walk(a, f);
            walk(b, f);
            walk(c, f);
        }
    }
}

/// The columns (physical positions) a bound check reads, each once, in
/// order of first appearance.
pub fn columns_of(e: &Expr) -> Vec<usize> {
    let mut cols = Vec::new();
    walk(e, &mut |x| {
        if let Expr::Column(i, _) = x {
            if !cols.contains(i) {
                cols.push(*i);
            }
        }
    });
    cols
}

/// Whether the stored check `check` of `table` reads column `pos`.
pub fn check_reads(table: &TableDesc, check: &CheckDesc, pos: usize) -> Result<bool> {
    let ast = crate::sql::parse_expr(&check.expr)?;
    Ok(columns_of(&bind_check(table, &ast)?).contains(&pos))
}

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
        let name = crate::plan::bind::ident_name(&sqlparser::ast::Ident {
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
        out.push_str(&crate::syscat::functions::quote_ident(new));
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
