//! Binding CHECK constraints (PostgreSQL's `cookConstraint`): a check's
//! stored SQL text (see [`crate::catalog::constraint`]) bound over a row
//! of its table, or a domain's over `VALUE`, with the rules PostgreSQL
//! applies to constraint expressions: no subqueries (0A000), no
//! aggregates (42803), a boolean result (42804). Also the walks the
//! executor and `pg_catalog` use to see which columns a bound check reads.

use sqlparser::ast::Expr as AstExpr;

use crate::catalog::{CheckDesc, TableDesc};
use crate::error::{EngineError, Result, SqlState};
use crate::plan::bind::{Binder, Scope};
use crate::plan::expr::Expr;
use crate::plan::query::table_scope;
use crate::types::{CastKind, SqlType};

/// Binds check expression `expr` over a row of `table` (the physical row,
/// dropped columns included), as PostgreSQL's `cookConstraint` does:
/// subqueries are 0A000, aggregates 42803, and the result must be boolean
/// (42804).
pub fn bind_check(table: &TableDesc, expr: &AstExpr) -> Result<Expr> {
    let mut lookup = |_: &sqlparser::ast::ObjectName,
                      _: bool|
     -> Result<crate::catalog::Relation> { Err(no_subquery()) };
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
pub fn bind_check_in(scope: &Scope, expr: &AstExpr, binder: &mut Binder<'_>) -> Result<Expr> {
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
