//! Generated columns: `GENERATED ALWAYS AS (expr) STORED`.
//!
//! A generated column keeps its expression as SQL text in
//! [`ColumnDesc::default`](crate::catalog::ColumnDesc) with
//! `generated` set (PostgreSQL keeps it in `pg_attrdef` too). It is
//! checked once at CREATE TABLE ([`validate`]: PostgreSQL's
//! `cookDefault` rules), bound once per statement plan like CHECK
//! constraints ([`bind_generated`]), and computed on every written row
//! before NOT NULL, CHECK, unique and foreign-key checks see it
//! ([`compute`]): INSERT (COPY FROM included), UPDATE, ON CONFLICT DO
//! UPDATE and the rows foreign-key actions rewrite. `ALTER TABLE ... ADD
//! COLUMN` computes the new column for the stored rows ([`fill`]).
//!
//! Column names are the one thing the text pins: RENAME COLUMN rewrites
//! them, DROP COLUMN of a column an expression reads fails with 2BP01 (or
//! drops the generated column with CASCADE), and ALTER COLUMN TYPE of
//! such a column is refused, all as PostgreSQL does.

use rocksgres_storage::Transaction;
use sqlparser::ast::Expr as AstExpr;

use crate::catalog::constraint::rename_column_refs;
use crate::catalog::TableDesc;
use crate::error::{EngineError, Result, SqlState};
use crate::exec::ctx::Ctx;
use crate::exec::row::rewrite_rows;
use crate::interrupt::Interrupt;
use crate::plan::bind::Binder;
use crate::plan::check::{columns_of, walk};
use crate::plan::expr::Expr;
use crate::plan::query::table_scope;
use crate::types::{cast, CastKind, SqlType, Value};

/// The generation expressions of a table bound for one statement: the
/// column position and its expression over the physical row, coerced to
/// the column type.
pub type BoundGenerated = Vec<(usize, Expr)>;

/// Binds `expr` over a row of `table` as a generation expression of the
/// column at `col`, coerced to its type: aggregates 42803, subqueries
/// 0A000, as PostgreSQL's `cookDefault`.
fn bind_expr(
    table: &TableDesc,
    col: usize,
    expr: &AstExpr,
    binder: &mut Binder<'_>,
) -> Result<Expr> {
    let saved = binder.no_aggs.replace("column generation expressions");
    let bound = binder.bind(expr, &table_scope(table, &table.name));
    binder.no_aggs = saved;
    let bound = bound?;
    let mut subquery = false;
    walk(&bound, &mut |e| subquery |= matches!(e, Expr::Subquery(_)));
    if subquery {
        return Err(EngineError::new(
            SqlState::FeatureNotSupported,
            "cannot use subquery in column generation expression",
        ));
    }
    binder.coerce(bound, table.columns[col].ty, CastKind::Assignment)
}

/// Binds every generation expression of `table` (for an INSERT, UPDATE
/// or foreign-key action plan).
pub fn bind_generated(table: &TableDesc, binder: &mut Binder<'_>) -> Result<BoundGenerated> {
    let mut out = Vec::new();
    for (i, c) in table.visible_columns() {
        if !c.generated {
            continue;
        }
        let Some(text) = &c.default else {
            continue;
        };
        let ast = crate::sql::parse_expr(text)?;
        out.push((i, bind_expr(table, i, &ast, binder)?));
    }
    Ok(out)
}

/// Computes the generated columns of `row` from its other columns.
pub fn compute<T: Transaction>(
    generated: &BoundGenerated,
    row: &mut [Value],
    ctx: &mut Ctx<'_, T>,
) -> Result<()> {
    for (col, e) in generated {
        let v = e.eval(row, ctx)?;
        row[*col] = v;
    }
    Ok(())
}

/// Checks the generation expressions of a new `table` as PostgreSQL does
/// at CREATE TABLE: they bind (aggregates, window functions and
/// subqueries refused), read no generated column (42P17) and call only
/// immutable functions (42P17).
pub fn validate(table: &TableDesc) -> Result<()> {
    let mut lookup =
        |_: &sqlparser::ast::ObjectName, _: bool| -> Result<crate::catalog::Relation> {
            Err(EngineError::new(
                SqlState::FeatureNotSupported,
                "cannot use subquery in column generation expression",
            ))
        };
    let mut binder = Binder::new(Vec::new(), &mut lookup);
    for (i, c) in table.visible_columns() {
        if !c.generated {
            continue;
        }
        let Some(text) = &c.default else {
            continue;
        };
        let ast = crate::sql::parse_expr(text)?;
        let bound = bind_expr(table, i, &ast, &mut binder)?;
        for r in columns_of(&bound) {
            if table.columns[r].generated {
                return Err(EngineError::new(
                    SqlState::InvalidObjectDefinition,
                    format!(
                        "cannot use generated column \"{}\" in column generation expression",
                        table.columns[r].name
                    ),
                )
                .with_detail("A generated column cannot reference another generated column."));
            }
        }
        let mutable = !is_immutable(&bound);
        if mutable {
            return Err(EngineError::new(
                SqlState::InvalidObjectDefinition,
                "generation expression is not immutable",
            ));
        }
    }
    Ok(())
}

/// Whether `e` calls only immutable functions, casts and operators (what
/// PostgreSQL requires of generation, index and index predicate
/// expressions).
pub fn is_immutable(e: &Expr) -> bool {
    let mut mutable = false;
    walk(e, &mut |e| {
        mutable |= match e {
            Expr::Function(f, _) => f.is_volatile(),
            Expr::Sequence(..) => true,
            Expr::Cast(a, to, _) => !crate::types::cast::cast_is_immutable(&a.ty(), to),
            // timestamptz +/- interval reads the session's TimeZone.
            Expr::Binary(sig, _, _) => {
                matches!(sig.left, SqlType::Timestamptz(_))
                    && matches!(sig.right, SqlType::Interval(_))
                    || matches!(sig.left, SqlType::Interval(_))
                        && matches!(sig.right, SqlType::Timestamptz(_))
            }
            _ => false,
        }
    });
    !mutable
}

/// The generated columns of `table` whose expression reads column `pos`.
pub fn readers(table: &TableDesc, pos: usize) -> Result<Vec<usize>> {
    let mut lookup =
        |_: &sqlparser::ast::ObjectName, _: bool| -> Result<crate::catalog::Relation> {
            Err(EngineError::internal(
                "a generation expression reads no relation",
            ))
        };
    let mut binder = Binder::new(Vec::new(), &mut lookup);
    let mut out = Vec::new();
    for (i, c) in table.visible_columns() {
        if !c.generated || i == pos {
            continue;
        }
        let Some(text) = &c.default else {
            continue;
        };
        let ast = crate::sql::parse_expr(text)?;
        if columns_of(&bind_expr(table, i, &ast, &mut binder)?).contains(&pos) {
            out.push(i);
        }
    }
    Ok(out)
}

/// Rewrites the generation expressions' references to a renamed column.
pub fn rename_column(table: &mut TableDesc, old: &str, new: &str) -> Result<()> {
    for c in &mut table.columns {
        if !c.generated || c.dropped {
            continue;
        }
        if let Some(text) = &c.default {
            c.default = Some(rename_column_refs(text, old, new)?);
        }
    }
    Ok(())
}

/// Refuses (0A000, as PostgreSQL) changing the type of column `pos` that
/// a generated column reads.
pub fn check_type_change(table: &TableDesc, pos: usize) -> Result<()> {
    if let Some(&g) = readers(table, pos)?.first() {
        return Err(EngineError::new(
            SqlState::FeatureNotSupported,
            "cannot alter type of a column used by a generated column",
        )
        .with_detail(format!(
            "Column \"{}\" is used by generated column \"{}\".",
            table.columns[pos].name, table.columns[g].name
        )));
    }
    Ok(())
}

/// Computes generated column `pos` (just added by `ALTER TABLE ... ADD
/// COLUMN`) for every stored row of `table`, as PostgreSQL's table
/// rewrite does.
pub fn fill<T: Transaction>(
    txn: &mut T,
    table: &TableDesc,
    pos: usize,
    now: i64,
    interrupt: &mut Interrupt,
) -> Result<()> {
    validate(table)?;
    let mut lookup =
        |_: &sqlparser::ast::ObjectName, _: bool| -> Result<crate::catalog::Relation> {
            Err(EngineError::internal(
                "a generation expression reads no relation",
            ))
        };
    let mut binder = Binder::new(Vec::new(), &mut lookup);
    let generated: BoundGenerated = bind_generated(table, &mut binder)?
        .into_iter()
        .filter(|(c, _)| *c == pos)
        .collect();
    let ty = table.columns[pos].ty;
    rewrite_rows(txn, table, interrupt, |txn, row| {
        compute(&generated, row, &mut Ctx::new(txn, &[], now))?;
        let v = std::mem::replace(&mut row[pos], Value::Null);
        if !v.is_null() {
            row[pos] = cast(v, &ty, CastKind::Assignment)?;
        }
        Ok(())
    })
}
