//! CHECK constraints at work: enforcing them on written rows, validating
//! existing rows, and the ALTER TABLE operations on constraints.
//!
//! * **Enforcement.** INSERT (COPY FROM included: it runs as a prepared
//!   INSERT), UPDATE and ON CONFLICT DO UPDATE plans bind their table's
//!   checks with the statement's binder ([`bind_checks`]); every row is
//!   checked after its values are cast to the column types and NOT NULL is
//!   checked, before any key is written ([`enforce`]), which is
//!   PostgreSQL's order in `ExecConstraints`. A check fails only when its
//!   expression is false: NULL passes, as in SQL.
//! * **Validation.** `ADD CONSTRAINT ... CHECK` scans the table unless
//!   `NOT VALID`; `VALIDATE CONSTRAINT` scans it later and marks the check
//!   validated ([`validate`]). Either way 23514 names the constraint.
//! * **DDL.** [`add_check`], [`validate_constraint`], [`drop_constraint`]
//!   (CHECK, UNIQUE; a PRIMARY KEY would need the table re-keyed: 0A000)
//!   and [`rename_constraint`] change the descriptor in place; the caller
//!   stores it.
//!
//! Every violation carries PostgreSQL's object fields: schema, table and
//! constraint name.

use std::sync::Arc;

use rocksgres_storage::{Direction, Transaction};
use sqlparser::ast::{self as ast, Expr as AstExpr};

use crate::catalog::{self, constraint, CheckDesc, TableDesc};
use crate::error::{EngineError, Result, SqlState};
use crate::exec::ctx::Ctx;
use crate::exec::row::{decode_values, describe_visible, seek_rows};
use crate::interrupt::Interrupt;
use crate::plan::bind::Binder;
use crate::plan::check::{self, bind_check_with};
use crate::plan::domain_check::DomainCoercion;
use crate::plan::expr::Expr;
use crate::sql::identifiers::ident_name;
use crate::types::Value;

/// A check bound for one statement.
#[derive(Debug, Clone)]
pub struct BoundCheck {
    /// Constraint name.
    pub name: String,
    /// The boolean expression over the table's physical row.
    pub expr: Expr,
    /// Instead of `expr`: the constraints of the domain of the column at
    /// this position (see [`crate::plan::domain_check`]).
    pub domain: Option<(usize, Arc<DomainCoercion>)>,
}

/// Binds every check of `table` (for an INSERT or UPDATE plan): first the
/// domains of its columns (PostgreSQL checks them while computing the
/// row), then the table's checks in name order: PostgreSQL applies them
/// sorted by name, so the one it reports when several fail is the first
/// by name.
pub fn bind_checks(table: &TableDesc, binder: &mut Binder<'_>) -> Result<Vec<BoundCheck>> {
    let mut checks = table
        .checks
        .iter()
        .map(|c| {
            let ast = crate::sql::parse_expr(&c.expr)?;
            Ok(BoundCheck {
                name: c.name.clone(),
                expr: bind_check_with(table, &ast, binder)?,
                domain: None,
            })
        })
        .collect::<Result<Vec<_>>>()?;
    checks.sort_by(|a, b| a.name.cmp(&b.name));
    let mut domains = Vec::new();
    for (i, c) in table.visible_columns() {
        if let Some(d) = c.domain {
            domains.push(BoundCheck {
                name: d.name.clone(),
                expr: Expr::Literal(Value::Bool(true), crate::types::SqlType::Bool),
                domain: Some((i, Arc::new(DomainCoercion::for_type(d, c.ty)?))),
            });
        }
    }
    domains.extend(checks);
    Ok(domains)
}

/// Fails with 23514 if `row` (conformed to the column types) makes a
/// check false.
pub fn enforce<T: Transaction>(
    checks: &[BoundCheck],
    table: &TableDesc,
    row: &[Value],
    ctx: &mut Ctx<'_, T>,
) -> Result<()> {
    for c in checks {
        if let Some((i, d)) = &c.domain {
            d.check(&row[*i], ctx)?;
            continue;
        }
        if c.expr.eval(row, ctx)? == Value::Bool(false) {
            return Err(EngineError::new(
                SqlState::CheckViolation,
                format!(
                    "new row for relation \"{}\" violates check constraint \"{}\"",
                    table.name, c.name
                ),
            )
            .with_detail(format!(
                "Failing row contains {}.",
                describe_visible(table, row)
            ))
            .with_constraint(&table.schema, &table.name, &c.name));
        }
    }
    Ok(())
}

/// Checks every stored row of `table` against check `name` (23514
/// "check constraint ... is violated by some row" on the first failure).
pub fn validate<T: Transaction>(
    txn: &mut T,
    table: &TableDesc,
    name: &str,
    expr: &AstExpr,
    now: i64,
    interrupt: &mut Interrupt,
) -> Result<()> {
    let bound = check::bind_check(table, expr)?;
    let mut cursor = seek_rows(txn, table, Direction::Forward)?;
    let mut rows = Vec::new();
    // Rows are read first, then checked: the check's functions need the
    // transaction the cursor borrows.
    loop {
        interrupt.check()?;
        let Some((_, v)) = txn.next(&mut cursor)? else {
            break;
        };
        let mut row = Vec::new();
        decode_values(table, v, &mut row)?;
        rows.push(row);
        if rows.len() >= 1024 {
            check_rows(txn, table, name, &bound, &mut rows, now)?;
        }
    }
    drop(cursor);
    check_rows(txn, table, name, &bound, &mut rows, now)
}

fn check_rows<T: Transaction>(
    txn: &mut T,
    table: &TableDesc,
    name: &str,
    bound: &Expr,
    rows: &mut Vec<Vec<Value>>,
    now: i64,
) -> Result<()> {
    let mut ctx = Ctx::new(txn, &[], now);
    for row in rows.drain(..) {
        if bound.eval(&row, &mut ctx)? == Value::Bool(false) {
            return Err(EngineError::new(
                SqlState::CheckViolation,
                format!(
                    "check constraint \"{name}\" of relation \"{}\" is violated by some row",
                    table.name
                ),
            )
            .with_constraint(&table.schema, &table.name, name));
        }
    }
    Ok(())
}

/// Refuses (0A000) what the engine does not implement of a CHECK clause:
/// NO INHERIT (there is no inheritance) and MySQL's `[NOT] ENFORCED`.
pub fn check_clause(c: &ast::CheckConstraint) -> Result<()> {
    if c.no_inherit {
        return Err(EngineError::unsupported(
            "NO INHERIT on check constraints (there is no table inheritance)",
        ));
    }
    if c.enforced.is_some() {
        return Err(EngineError::unsupported("ENFORCED on check constraints"));
    }
    Ok(())
}

/// Splits the CHECK options off a column definition: the definition
/// without them, and the checks in order (a `CONSTRAINT name` before the
/// CHECK names the check).
pub fn split_column_checks(c: &ast::ColumnDef) -> (ast::ColumnDef, Vec<ast::CheckConstraint>) {
    let mut rest = c.clone();
    rest.options
        .retain(|o| !matches!(o.option, ast::ColumnOption::Check(_)));
    let checks = c
        .options
        .iter()
        .filter_map(|o| match &o.option {
            ast::ColumnOption::Check(k) => {
                let mut k = k.clone();
                if k.name.is_none() {
                    k.name = o.name.clone();
                }
                Some(k)
            }
            _ => None,
        })
        .collect();
    (rest, checks)
}

/// The checks of a CREATE TABLE, in order (column constraints first, then
/// table constraints, as PostgreSQL numbers them): named ones keep their
/// name (42710 when two share one), the others get PostgreSQL's.
pub fn create_checks<T: Transaction>(
    txn: &mut T,
    table: &mut TableDesc,
    clauses: &[ast::CheckConstraint],
) -> Result<()> {
    let mut names: Vec<String> = Vec::new();
    for c in clauses {
        check_clause(c)?;
        let bound = check::bind_check(table, &c.expr)?;
        let name = match c.name.as_ref().map(ident_name) {
            Some(n) => {
                if names.contains(&n) {
                    return Err(EngineError::new(
                        SqlState::DuplicateObject,
                        format!("check constraint \"{n}\" already exists"),
                    ));
                }
                n
            }
            None => {
                let cols = check::columns_of(&bound);
                let column = match cols.as_slice() {
                    [one] => Some(table.columns[*one].name.clone()),
                    _ => None,
                };
                constraint::choose_check_name(txn, table, column.as_deref(), &names)?
            }
        };
        names.push(name.clone());
        table.checks.push(CheckDesc {
            name,
            expr: c.expr.to_string(),
            oid: catalog::allocate_id(txn)?,
            validated: true,
        });
    }
    Ok(())
}

fn no_constraint(table: &TableDesc, name: &str) -> EngineError {
    EngineError::new(
        SqlState::UndefinedObject,
        format!(
            "constraint \"{name}\" of relation \"{}\" does not exist",
            table.name
        ),
    )
}

/// ALTER TABLE ... ADD [CONSTRAINT name] CHECK (...) [NOT VALID].
pub fn add_check<T: Transaction>(
    txn: &mut T,
    table: &mut TableDesc,
    c: &ast::CheckConstraint,
    not_valid: bool,
    now: i64,
    interrupt: &mut Interrupt,
) -> Result<()> {
    check_clause(c)?;
    let bound = check::bind_check(table, &c.expr)?;
    let name = match c.name.as_ref().map(ident_name) {
        Some(n) => {
            if constraint::constraint_names(table).any(|x| x == n) {
                return Err(EngineError::new(
                    SqlState::DuplicateObject,
                    format!(
                        "constraint \"{n}\" for relation \"{}\" already exists",
                        table.name
                    ),
                ));
            }
            n
        }
        None => {
            let cols = check::columns_of(&bound);
            let column = match cols.as_slice() {
                [one] => Some(table.columns[*one].name.clone()),
                _ => None,
            };
            constraint::choose_check_name(txn, table, column.as_deref(), &[])?
        }
    };
    if !not_valid {
        validate(txn, table, &name, &c.expr, now, interrupt)?;
    }
    table.checks.push(CheckDesc {
        name,
        expr: c.expr.to_string(),
        oid: catalog::allocate_id(txn)?,
        validated: !not_valid,
    });
    Ok(())
}

/// ALTER TABLE ... VALIDATE CONSTRAINT name.
pub fn validate_constraint<T: Transaction>(
    txn: &mut T,
    table: &mut TableDesc,
    name: &str,
    now: i64,
    interrupt: &mut Interrupt,
) -> Result<()> {
    if let Some(pos) = table.checks.iter().position(|c| c.name == name) {
        if !table.checks[pos].validated {
            let expr = crate::sql::parse_expr(&table.checks[pos].expr)?;
            validate(txn, table, name, &expr, now, interrupt)?;
            table.checks[pos].validated = true;
        }
        return Ok(());
    }
    if constraint::constraint_names(table).any(|x| x == name) {
        // PRIMARY KEY and UNIQUE constraints are always valid.
        return Err(EngineError::new(
            SqlState::WrongObjectType,
            format!(
                "constraint \"{name}\" of relation \"{}\" is not a foreign key or check constraint",
                table.name
            ),
        ));
    }
    Err(no_constraint(table, name))
}

/// ALTER TABLE ... DROP CONSTRAINT [IF EXISTS] name; returns the notice
/// of a missing one with IF EXISTS.
pub fn drop_constraint<T: Transaction>(
    txn: &mut T,
    table: &mut TableDesc,
    name: &str,
    if_exists: bool,
) -> Result<Option<String>> {
    if let Some(pos) = table.checks.iter().position(|c| c.name == name) {
        table.checks.remove(pos);
        return Ok(None);
    }
    let found = table
        .indexes
        .iter()
        .position(|ix| ix.constraint_oid != 0 && !ix.columns.is_empty() && ix.name == name);
    match found {
        Some(0) => Err(EngineError::unsupported(
            "dropping a PRIMARY KEY constraint (the table would have to be re-keyed)",
        )),
        Some(pos) => {
            table.indexes.remove(pos);
            catalog::unregister_index_name(txn, &table.schema, name)?;
            Ok(None)
        }
        None if if_exists => Ok(Some(format!(
            "constraint \"{name}\" of relation \"{}\" does not exist, skipping",
            table.name
        ))),
        None => Err(no_constraint(table, name)),
    }
}

/// ALTER TABLE ... RENAME CONSTRAINT old TO new (the index of a PRIMARY
/// KEY or UNIQUE constraint is renamed with it, as in PostgreSQL).
pub fn rename_constraint<T: Transaction>(
    txn: &mut T,
    table: &mut TableDesc,
    old: &str,
    new: &str,
) -> Result<()> {
    if !constraint::constraint_names(table).any(|x| x == old) {
        return Err(EngineError::new(
            SqlState::UndefinedObject,
            format!(
                "constraint \"{old}\" for table \"{}\" does not exist",
                table.name
            ),
        ));
    }
    if constraint::constraint_names(table).any(|x| x == new) {
        return Err(EngineError::new(
            SqlState::DuplicateObject,
            format!(
                "constraint \"{new}\" for relation \"{}\" already exists",
                table.name
            ),
        ));
    }
    if let Some(c) = table.checks.iter_mut().find(|c| c.name == old) {
        c.name = new.to_string();
        return Ok(());
    }
    if catalog::relation_exists(txn, &table.schema, new)? {
        return Err(EngineError::new(
            SqlState::DuplicateTable,
            format!("relation \"{new}\" already exists"),
        ));
    }
    let ix = table
        .indexes
        .iter_mut()
        .find(|ix| ix.name == old)
        .ok_or_else(|| EngineError::internal("constraint without its index"))?;
    ix.name = new.to_string();
    catalog::unregister_index_name(txn, &table.schema, old)?;
    catalog::register_index_name(txn, &table.schema, new, table.id)?;
    Ok(())
}

/// Drops the checks that read column `pos` (before the column is
/// dropped), as PostgreSQL drops a column's dependent constraints.
pub fn drop_column_checks(table: &mut TableDesc, pos: usize) -> Result<()> {
    let mut keep = Vec::with_capacity(table.checks.len());
    for c in std::mem::take(&mut table.checks) {
        if !check::check_reads(table, &c, pos)? {
            keep.push(c);
        }
    }
    table.checks = keep;
    Ok(())
}

/// Rewrites the checks' references to a renamed column.
pub fn rename_column_checks(table: &mut TableDesc, old: &str, new: &str) -> Result<()> {
    for c in &mut table.checks {
        c.expr = constraint::rename_column_refs(&c.expr, old, new)?;
    }
    Ok(())
}
