//! `CREATE TYPE name AS (attr type, ...)`, `ALTER TYPE name RENAME TO`
//! and `DROP TYPE` of composite types.
//!
//! A composite type gets three OIDs, as in PostgreSQL: its `pg_class` row
//! (relkind `c`), its array type `_name` and the type itself. Attributes
//! have built-in types; attributes of user-defined types are not built
//! (0A000). A type a table column uses cannot be dropped (2BP01) but with
//! CASCADE, which drops those columns.

use rocksgres_storage::Transaction;
use sqlparser::ast;

use crate::catalog::{self, composite_type, user_type, SearchPath};
use crate::error::{EngineError, Result, SqlState};
use crate::sql::identifiers::ident_name;
use crate::types::composite::{CompositeAttr, CompositeDef};
use crate::types::SqlType;

/// `CREATE TYPE name AS (attr type [COLLATE c], ...)`.
pub fn create_composite<T: Transaction>(
    txn: &mut T,
    path: &SearchPath,
    name: &ast::ObjectName,
    attributes: &[ast::UserDefinedTypeCompositeAttributeDef],
) -> Result<()> {
    let (schema, tname) = user_type::type_name_parts(txn, path, name)?;
    let mut attrs: Vec<CompositeAttr> = Vec::with_capacity(attributes.len());
    for a in attributes {
        let aname = ident_name(&a.name);
        if attrs.iter().any(|x| x.name == aname) {
            return Err(EngineError::new(
                SqlState::DuplicateColumn,
                format!("column \"{aname}\" specified more than once"),
            ));
        }
        let ty = attribute_type(txn, path, &a.data_type)?;
        crate::exec::ddl::refuse_pseudo_type(&aname, ty)?;
        attrs.push(CompositeAttr { name: aname, ty });
    }
    crate::exec::type_ddl::check_free(txn, &schema, &tname)?;
    let relid = catalog::allocate_id(txn)?;
    let array_oid = catalog::allocate_id(txn)?;
    let oid = catalog::allocate_id(txn)?;
    composite_type::put_composite(
        txn,
        &CompositeDef {
            oid,
            array_oid,
            relid,
            schema,
            name: tname,
            attrs,
        },
    )
}

/// The type of an attribute: a built-in type (user-defined types are not
/// built for attributes: 0A000).
pub fn attribute_type<T: Transaction>(
    txn: &mut T,
    path: &SearchPath,
    data_type: &ast::DataType,
) -> Result<SqlType> {
    match SqlType::from_ast(data_type) {
        Ok(t) => Ok(t),
        Err(e) if e.state == SqlState::UndefinedObject => {
            Err(match user_type::column_user_type(txn, path, data_type) {
                Ok(Some(_)) => {
                    EngineError::unsupported("composite type attributes of user-defined types")
                }
                Ok(None) => e,
                Err(e) => e,
            })
        }
        Err(e) => Err(e),
    }
}

/// `ALTER TYPE name RENAME TO new` of a composite type; other `ALTER
/// TYPE` forms are not built for composite types (0A000).
pub fn alter_composite<T: Transaction>(
    txn: &mut T,
    mut def: CompositeDef,
    at: &ast::AlterType,
) -> Result<()> {
    match &at.operation {
        ast::AlterTypeOperation::Rename(r) => {
            let to = ident_name(&r.new_name);
            crate::exec::type_ddl::check_free(txn, &def.schema, &to)?;
            composite_type::drop_composite(txn, &def)?;
            def.name = to;
            composite_type::put_composite(txn, &def)?;
            composite_type::refresh_tables(txn, &def)
        }
        _ => Err(EngineError::new(
            SqlState::WrongObjectType,
            format!("{} is not an enum", def.name),
        )),
    }
}

/// `DROP TYPE` of composite type `def`: 2BP01 when a column uses it;
/// with `cascade` those columns are dropped (see
/// [`crate::exec::type_deps`]). Returns the notices.
pub fn drop_composite<T: Transaction>(
    txn: &mut T,
    def: &CompositeDef,
    cascade: bool,
) -> Result<Vec<String>> {
    let ty = crate::exec::type_deps::DroppedType {
        oid: def.oid,
        array_oid: def.array_oid,
        name: &def.name,
        domain: false,
    };
    let notices = crate::exec::type_deps::drop_dependents(txn, ty, cascade)?;
    composite_type::drop_composite(txn, def)?;
    Ok(notices)
}
