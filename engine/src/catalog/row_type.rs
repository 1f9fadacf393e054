//! A table's row type as the catalog derives it: every table `t` is also
//! a composite type `t` (PostgreSQL's `pg_class.reltype`), built from the
//! table's descriptor rather than stored ([`table_row_def`]), its OID the
//! table's own and its array type's derived from it ([`row_array_oid`]).
//! Type-name resolution ([`super::user_type`]) falls back to it
//! ([`column_row_type`]); the binder's side (whole-row references, a
//! view's row type) is [`crate::plan::table_row`].

use rocksgres_storage::Transaction;
use sqlparser::ast;

use super::{Relation, SearchPath, TableDesc};
use crate::error::{EngineError, Result};
use crate::types::composite::{intern, CompositeAttr, CompositeDef};
use crate::types::SqlType;

/// The first OID of the array types of table and view row types: the
/// array type of relation `id`'s row type is `ROW_ARRAY_BASE | id`, above
/// what the OID counter hands out in practice and below the OIDs
/// [`crate::catalog::desc::derived_oid`] makes.
pub const ROW_ARRAY_BASE: u32 = 0x3000_0000;

/// The OID of the array type of relation `id`'s row type (`_p`).
pub fn row_array_oid(id: u32) -> u32 {
    ROW_ARRAY_BASE | (id & 0x0FFF_FFFF)
}

/// The composite type of table `t`'s rows.
pub fn table_row_def(t: &TableDesc) -> &'static CompositeDef {
    intern(&CompositeDef {
        oid: t.id,
        array_oid: row_array_oid(t.id),
        relid: t.id,
        schema: t.schema.clone(),
        name: t.name.clone(),
        attrs: t
            .visible_columns()
            .map(|(_, c)| CompositeAttr {
                name: c.name.clone(),
                ty: c.ty,
            })
            .collect(),
    })
}

/// The type a column declared with the name `name` has when that names a
/// table (its row type); `None` when it names no table or view.
pub fn column_row_type<T: Transaction>(
    txn: &mut T,
    path: &SearchPath,
    name: &ast::ObjectName,
) -> Result<Option<SqlType>> {
    match super::resolve_relation(txn, path, name) {
        Ok(Relation::Table(t)) => {
            let stored = |ty: &SqlType| SqlType::from_oid_typmod(ty.oid(), ty.typmod()).is_some();
            if let Some((_, c)) = t.visible_columns().find(|(_, c)| !stored(&c.ty)) {
                return Err(EngineError::unsupported(format!(
                    "columns of the row type of table {} (its column {} is of a user-defined type)",
                    t.name, c.name
                )));
            }
            Ok(Some(SqlType::Composite(table_row_def(&t))))
        }
        Ok(Relation::View(_)) => Err(EngineError::unsupported("columns of a view's row type")),
        _ => Ok(None),
    }
}
