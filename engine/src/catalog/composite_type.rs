//! Composite types in the catalog: stored as the other user-defined types
//! are (see [`super::user_type`]), their descriptor starting with
//! [`crate::types::composite::COMPOSITE_TAG`]. A table column of a
//! composite type keeps a copy of the definition in the table descriptor
//! (as enum columns do), so renaming the type rewrites those descriptors
//! ([`refresh_tables`]).

use rocksgres_storage::Transaction;

use super::user_type::{self, UserType};
use super::TableDesc;
use crate::error::Result;
use crate::types::composite::{intern, CompositeDef};
use crate::types::SqlType;

/// Reads the composite type `schema.name`.
pub fn lookup_composite<T: Transaction>(
    txn: &mut T,
    schema: &str,
    name: &str,
) -> Result<Option<CompositeDef>> {
    Ok(match user_type::lookup(txn, schema, name)? {
        Some(UserType::Composite(d)) => Some(d),
        _ => None,
    })
}

/// Stores a composite type's descriptor and name entry.
pub fn put_composite<T: Transaction>(txn: &mut T, def: &CompositeDef) -> Result<()> {
    let mut out = Vec::new();
    def.encode(&mut out);
    user_type::put_raw(txn, def.oid, &def.schema, &def.name, &out)
}

/// Removes a composite type's descriptor and name entry.
pub fn drop_composite<T: Transaction>(txn: &mut T, def: &CompositeDef) -> Result<()> {
    user_type::drop_raw(txn, def.oid, &def.schema, &def.name)
}

/// Every composite type, in OID order (for the system catalogs).
pub fn all_composites<T: Transaction>(txn: &mut T) -> Result<Vec<CompositeDef>> {
    Ok(user_type::all_types(txn)?
        .into_iter()
        .filter_map(|t| match t {
            UserType::Composite(d) => Some(d),
            _ => None,
        })
        .collect())
}

/// Whether `ty` is (or is an array of) the composite type `oid`.
fn uses(ty: &SqlType, oid: u32) -> bool {
    matches!(ty.element().unwrap_or(*ty), SqlType::Composite(d) if d.oid == oid)
}

/// The tables with a (live) column of the composite type `oid`.
pub fn tables_using<T: Transaction>(txn: &mut T, oid: u32) -> Result<Vec<TableDesc>> {
    Ok(super::all_tables(txn)?
        .into_iter()
        .filter(|t| t.columns.iter().any(|c| !c.dropped && uses(&c.ty, oid)))
        .collect())
}

/// Rewrites the descriptors of the tables using `def`'s type so their
/// columns carry the new definition.
pub fn refresh_tables<T: Transaction>(txn: &mut T, def: &CompositeDef) -> Result<()> {
    let ty = SqlType::Composite(intern(def));
    for mut t in tables_using(txn, def.oid)? {
        for c in &mut t.columns {
            if !c.dropped && uses(&c.ty, def.oid) {
                c.ty = match c.ty {
                    SqlType::Array(_) => ty.array_of().unwrap_or(ty),
                    _ => ty,
                };
            }
        }
        super::update_table(txn, &t)?;
    }
    Ok(())
}
