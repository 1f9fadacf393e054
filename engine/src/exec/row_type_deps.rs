//! Columns of a table's row type, and what they forbid.
//!
//! As in PostgreSQL, a table `p` is also a composite type `p` (see
//! [`crate::plan::table_row`]), so a column may be declared `r p` or
//! `rs p[]`. The column keeps a copy of the row type's definition in its
//! table's descriptor, as columns of `CREATE TYPE` composites do (see
//! [`crate::catalog::composite_type`]), and its values are row texts of
//! that definition. So:
//!
//! * renaming `p` or one of its columns rewrites the copies
//!   ([`check_alter`]);
//! * `ALTER COLUMN ... TYPE` on `p` fails with PostgreSQL's 0A000 while a
//!   column uses its row type ([`check_type_change`]);
//! * adding or dropping a column of `p` while a column uses its row type
//!   would need the stored values rewritten, which is not built (0A000);
//! * `DROP TABLE p` fails with 2BP01 naming the columns, and CASCADE
//!   drops them ([`drop_table_users`]), through the same dependency walk
//!   as `DROP TYPE` ([`crate::exec::type_deps`]).
//!
//! A column of a view's row type is not built (0A000), nor of the row
//! type of a table with a column of a user-defined type (the copy of the
//! definition stores built-in attribute types only).

use rocksgres_storage::Transaction;

use crate::catalog::row_type::{row_array_oid, table_row_def};
use crate::catalog::{composite_type, TableDesc};
use crate::error::{EngineError, Result, SqlState};
use crate::exec::type_deps::{self, Dependent, DroppedType};
use crate::types::composite::CompositeDef;
use crate::types::SqlType;

/// Whether `ty` is (or is an array of) the row type of relation `id`.
fn uses(ty: &SqlType, id: u32) -> bool {
    matches!(ty.element().unwrap_or(*ty), SqlType::Composite(d) if d.oid == id)
}

/// The first (live) column of another table of the row type of `table`
/// (or of an array of it), as `"q.r"`: as PostgreSQL finds them, the
/// columns of the array type (whose dependency on the row type is
/// older than any column's) first.
fn first_user<T: Transaction>(txn: &mut T, table: &TableDesc) -> Result<Option<String>> {
    let users = composite_type::tables_using(txn, table.id)?;
    for array in [true, false] {
        for t in users.iter().filter(|t| t.id != table.id) {
            let found = t
                .visible_columns()
                .find(|(_, c)| uses(&c.ty, table.id) && matches!(c.ty, SqlType::Array(_)) == array);
            if let Some((_, c)) = found {
                return Ok(Some(format!("{}.{}", t.name, c.name)));
            }
        }
    }
    Ok(None)
}

/// `ALTER COLUMN ... TYPE` on `table`: 0A000 while a column uses its row
/// type (PostgreSQL's `find_composite_type_dependencies`).
pub fn check_type_change<T: Transaction>(txn: &mut T, table: &TableDesc) -> Result<()> {
    match first_user(txn, table)? {
        Some(col) => Err(EngineError::new(
            SqlState::FeatureNotSupported,
            format!(
                "cannot alter table \"{}\" because column \"{col}\" uses its row type",
                table.name
            ),
        )),
        None => Ok(()),
    }
}

/// After an `ALTER TABLE` of `table`, whose row type was `before`: 42P16
/// when the table now has a column of its own row type; when other
/// columns use the row type, their copies follow a rename, and a change
/// of the columns' number or types is refused (0A000).
pub fn check_alter<T: Transaction>(
    txn: &mut T,
    before: &'static CompositeDef,
    table: &TableDesc,
) -> Result<()> {
    let after = table_row_def(table);
    if std::ptr::eq(before, after) {
        return Ok(());
    }
    if table.visible_columns().any(|(_, c)| uses(&c.ty, table.id)) {
        return Err(EngineError::new(
            SqlState::InvalidTableDefinition,
            format!(
                "composite type {} cannot be made a member of itself",
                table.name
            ),
        ));
    }
    let Some(col) = first_user(txn, table)? else {
        return Ok(());
    };
    let same_shape = before.attrs.len() == after.attrs.len()
        && before
            .attrs
            .iter()
            .zip(&after.attrs)
            .all(|(a, b)| a.ty == b.ty);
    if !same_shape {
        return Err(EngineError::unsupported(format!(
            "adding or dropping columns of table \"{}\" while column \"{col}\" uses its row type",
            table.name
        )));
    }
    composite_type::refresh_tables(txn, after)
}

/// `DROP TABLE` of `table` (with the tables `dropping` that the same
/// statement drops): 2BP01 while columns of other tables use its row
/// type; with `cascade` those columns are dropped. Returns the notices.
pub fn drop_table_users<T: Transaction>(
    txn: &mut T,
    table: &TableDesc,
    dropping: &[TableDesc],
    cascade: bool,
) -> Result<Vec<String>> {
    let ty = DroppedType {
        oid: table.id,
        array_oid: row_array_oid(table.id),
        name: &table.name,
        domain: false,
    };
    let found: Vec<_> = type_deps::dependents(txn, ty)?
        .into_iter()
        .filter(|f| {
            !matches!(f.what, Dependent::Column { table, .. }
                if dropping.iter().any(|d| d.id == table))
        })
        .collect();
    if dropping.len() > 1 && !cascade && !found.is_empty() {
        let lines: Vec<String> = found
            .iter()
            .map(|f| format!("{} depends on {}", f.name, f.on))
            .collect();
        return Err(EngineError::new(
            SqlState::DependentObjectsStillExist,
            "cannot drop desired object(s) because other objects depend on them",
        )
        .with_detail(lines.join("\n"))
        .with_hint("Use DROP ... CASCADE to drop the dependent objects too."));
    }
    type_deps::drop_found(txn, &found, &format!("table {}", table.name), cascade)
}
