//! `ALTER TABLE ... ADD [CONSTRAINT name] UNIQUE (columns) [[NOT]
//! DEFERRABLE] [INITIALLY {IMMEDIATE | DEFERRED}]`: a unique index that
//! implements a constraint, built from the table's rows as CREATE UNIQUE
//! INDEX builds one (a duplicate is 23505, "could not create unique
//! index"), named `<table>_<columns>_key` unless named. A deferrable one
//! has the non-unique entry layout (see [`crate::exec::deferred_unique`]).

use rocksgres_storage::Transaction;
use sqlparser::ast;

use crate::catalog::{self, IndexColumn, IndexDesc, Relation, TableDesc};
use crate::error::{EngineError, Result, SqlState};
use crate::exec::ctx::Ctx;
use crate::exec::index::backfill;
use crate::interrupt::Interrupt;
use crate::plan::bind::Binder;
use crate::plan::bound_index::bind_index;
use crate::sql::identifiers::ident_name;

/// Adds the UNIQUE constraint `u` to `table` (the caller stores the
/// definition) and fills its index; `now` is the statement's time.
pub fn add_unique<T: Transaction>(
    txn: &mut T,
    table: &mut TableDesc,
    u: &ast::UniqueConstraint,
    now: i64,
    interrupt: &mut Interrupt,
) -> Result<()> {
    crate::exec::ddl::check_unique(u)?;
    let (deferrable, initially_deferred) =
        crate::exec::deferred_unique::deferral(&u.characteristics)?;
    let mut columns = Vec::new();
    let mut parts = Vec::new();
    for c in &u.columns {
        let ast::Expr::Identifier(id) = &c.column.expr else {
            return Err(EngineError::unsupported(
                "expressions in a UNIQUE constraint",
            ));
        };
        let n = ident_name(id);
        let column = table.column_index(&n).ok_or_else(|| {
            EngineError::new(
                SqlState::UndefinedColumn,
                format!("column \"{n}\" named in key does not exist"),
            )
        })?;
        crate::exec::ddl::check_key_column(&table.columns[column])?;
        parts.push(n);
        columns.push(IndexColumn {
            column,
            expr: None,
            descending: false,
            nulls_first: false,
        });
    }
    let include = crate::exec::primary_key_ddl::include_positions(&u.include, &table.columns)?;
    // Named for the key and INCLUDE columns, as PostgreSQL.
    parts.extend(include.iter().map(|&c| table.columns[c].name.clone()));
    let name = match u.name.as_ref().map(ident_name) {
        Some(n) => {
            if catalog::relation_exists(txn, &table.schema, &n)? {
                return Err(EngineError::new(
                    SqlState::DuplicateTable,
                    format!("relation \"{n}\" already exists"),
                ));
            }
            if catalog::constraint::constraint_names(table).any(|c| c == n) {
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
        None => crate::exec::ddl::choose_relation_name(
            txn,
            &table.schema,
            &table.name,
            Some(&parts.join("_")),
            "key",
            &[],
        )?,
    };
    let (oid, constraint_oid) = catalog::allocate_index_oids(txn, true)?;
    let ix = IndexDesc {
        id: table.next_index_id,
        name,
        columns,
        unique: true,
        primary: false,
        oid,
        constraint_oid,
        nulls_not_distinct: u.nulls_distinct == ast::NullsDistinctOption::NotDistinct,
        predicate: None,
        include,
        valid: true,
        deferrable,
        initially_deferred,
    };
    table.next_index_id += 1;
    table.indexes.push(ix.clone());
    let bound = {
        let mut lookup = |_: &ast::ObjectName, _: bool| -> Result<Relation> {
            Err(EngineError::internal(
                "UNIQUE constraints have no subqueries",
            ))
        };
        let mut binder = Binder::new(Vec::new(), &mut lookup);
        bind_index(table, &ix, &mut binder)?
    };
    let mut ctx = Ctx::new(&mut *txn, &[], now);
    ctx.interrupt = interrupt.clone();
    backfill(table, &bound, &mut ctx)?;
    catalog::register_index_name(txn, &table.schema, &ix.name, table.id)
}
