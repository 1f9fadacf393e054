//! User-defined types in the catalog: enum types and domains.
//!
//! A type's descriptor is stored under its OID (`CAT_TYPE`), with a name
//! entry `(schema, name) -> OID` (`CAT_TYPE_NAME`), as sequences are; its
//! first byte says its kind ([`UserType`]). A table column of an enum type
//! or a domain keeps a copy of the type's definition in the table
//! descriptor (see [`crate::catalog::desc`]), so decoding a table needs no
//! second read; every statement that changes the type rewrites the
//! descriptors of the tables using it ([`tables_using`],
//! [`tables_using_domain`]).

use rocksgres_storage::Transaction;
use sqlparser::ast;

use super::temp::{creation_schema, SearchPath};
use super::TableDesc;
use crate::error::{EngineError, Result, SqlState};
use crate::keys;
use crate::types::domain::{self, DomainDef};
use crate::types::enum_type::{intern, EnumDef};
use crate::types::SqlType;

/// A user-defined type's descriptor, by kind.
#[derive(Debug, Clone)]
pub enum UserType {
    /// `CREATE TYPE ... AS ENUM`.
    Enum(EnumDef),
    /// `CREATE DOMAIN`.
    Domain(DomainDef),
    /// `CREATE TYPE ... AS (...)` (see [`super::composite_type`]).
    Composite(crate::types::composite::CompositeDef),
}

impl UserType {
    fn decode(bytes: &[u8]) -> Result<UserType> {
        match bytes.first() {
            Some(&domain::DOMAIN_TAG) => Ok(UserType::Domain(DomainDef::decode(&mut &bytes[..])?)),
            Some(&crate::types::composite::COMPOSITE_TAG) => Ok(UserType::Composite(
                crate::types::composite::CompositeDef::decode(&mut &bytes[..])?,
            )),
            _ => Ok(UserType::Enum(EnumDef::decode(&mut &bytes[..])?)),
        }
    }

    /// The type's OID.
    pub fn oid(&self) -> u32 {
        match self {
            UserType::Enum(d) => d.oid,
            UserType::Domain(d) => d.oid,
            UserType::Composite(d) => d.oid,
        }
    }
}

/// Reads the user-defined type `schema.name`, of any kind.
pub fn lookup<T: Transaction>(txn: &mut T, schema: &str, name: &str) -> Result<Option<UserType>> {
    let mut key = Vec::new();
    let mut out = Vec::new();
    keys::type_name_key(&mut key, schema, name);
    if !txn.get(&key, &mut out)? {
        return Ok(None);
    }
    let oid = u32::from_be_bytes(
        out.as_slice()
            .try_into()
            .map_err(|_| EngineError::new(SqlState::DataCorrupted, "bad type name entry"))?,
    );
    keys::type_key(&mut key, oid);
    if !txn.get(&key, &mut out)? {
        return Err(EngineError::new(
            SqlState::DataCorrupted,
            format!("type name points at missing type {oid}"),
        ));
    }
    UserType::decode(&out).map(Some)
}

/// Reads the domain `schema.name` (`None` when there is no type of that
/// name or it is not a domain).
pub fn lookup_domain<T: Transaction>(
    txn: &mut T,
    schema: &str,
    name: &str,
) -> Result<Option<DomainDef>> {
    Ok(match lookup(txn, schema, name)? {
        Some(UserType::Domain(d)) => Some(d),
        _ => None,
    })
}

/// Stores a domain's descriptor and name entry (creating or rewriting).
pub fn put_domain<T: Transaction>(txn: &mut T, def: &DomainDef) -> Result<()> {
    let mut out = Vec::new();
    def.encode(&mut out);
    put_raw(txn, def.oid, &def.schema, &def.name, &out)
}

/// Removes a domain's descriptor and name entry.
pub fn drop_domain<T: Transaction>(txn: &mut T, def: &DomainDef) -> Result<()> {
    drop_raw(txn, def.oid, &def.schema, &def.name)
}

/// Every domain, in OID order (for the system catalogs).
pub fn all_domains<T: Transaction>(txn: &mut T) -> Result<Vec<DomainDef>> {
    Ok(all_types(txn)?
        .into_iter()
        .filter_map(|t| match t {
            UserType::Domain(d) => Some(d),
            UserType::Enum(_) | UserType::Composite(_) => None,
        })
        .collect())
}

/// Every user-defined type, in OID order.
pub fn all_types<T: Transaction>(txn: &mut T) -> Result<Vec<UserType>> {
    super::all_of_kind(txn, keys::CAT_TYPE, UserType::decode)
}

pub(super) fn put_raw<T: Transaction>(
    txn: &mut T,
    oid: u32,
    schema: &str,
    name: &str,
    descriptor: &[u8],
) -> Result<()> {
    let mut key = Vec::new();
    keys::type_name_key(&mut key, schema, name);
    txn.put(&key, &oid.to_be_bytes())?;
    keys::type_key(&mut key, oid);
    txn.put(&key, descriptor)?;
    Ok(())
}

pub(super) fn drop_raw<T: Transaction>(
    txn: &mut T,
    oid: u32,
    schema: &str,
    name: &str,
) -> Result<()> {
    let mut key = Vec::new();
    keys::type_name_key(&mut key, schema, name);
    txn.delete(&key)?;
    keys::type_key(&mut key, oid);
    txn.delete(&key)?;
    Ok(())
}

/// The tables with a (live) column of the domain `oid`.
pub fn tables_using_domain<T: Transaction>(txn: &mut T, oid: u32) -> Result<Vec<TableDesc>> {
    Ok(super::all_tables(txn)?
        .into_iter()
        .filter(|t| {
            t.columns
                .iter()
                .any(|c| !c.dropped && c.domain.is_some_and(|d| d.oid == oid))
        })
        .collect())
}

/// Rewrites the descriptors of the tables using domain `def` so their
/// columns carry the new definition.
pub fn refresh_domain_tables<T: Transaction>(txn: &mut T, def: &DomainDef) -> Result<()> {
    let interned = domain::intern(def);
    for mut t in tables_using_domain(txn, def.oid)? {
        for c in &mut t.columns {
            if !c.dropped && c.domain.is_some_and(|d| d.oid == def.oid) {
                c.domain = Some(interned);
            }
        }
        super::update_table(txn, &t)?;
    }
    Ok(())
}

/// Stores domain `def` after a change and rewrites what carries a copy
/// of it: the tables whose columns use it and the domains over it (and
/// theirs, in turn).
pub fn store_changed_domain<T: Transaction>(txn: &mut T, def: &DomainDef) -> Result<()> {
    put_domain(txn, def)?;
    refresh_domain_tables(txn, def)?;
    let parent = domain::intern(def);
    for mut child in all_domains(txn)? {
        if child.parent.is_some_and(|p| p.oid == def.oid) {
            child.parent = Some(parent);
            child.base = parent.base;
            store_changed_domain(txn, &child)?;
        }
    }
    Ok(())
}

/// The domains over the enum type `oid` (or over an array of it).
pub fn domains_over<T: Transaction>(txn: &mut T, oid: u32) -> Result<Vec<DomainDef>> {
    Ok(all_domains(txn)?
        .into_iter()
        .filter(|d| uses(&d.base, oid))
        .collect())
}

/// The domain a column declared as `ty` has (`None` for any other type);
/// for an array of a domain (`d[]`), that domain: the column's type is
/// then the array of the domain's base type.
pub fn column_domain<T: Transaction>(
    txn: &mut T,
    path: &SearchPath,
    ty: &ast::DataType,
) -> Result<Option<&'static DomainDef>> {
    match ty {
        ast::DataType::Custom(name, mods) if mods.is_empty() && SqlType::from_ast(ty).is_err() => {
            let (schema, n) = existing_type_parts(txn, path, name)?;
            Ok(lookup_domain(txn, &schema, &n)?.map(|d| domain::intern(&d)))
        }
        ast::DataType::Array(
            ast::ArrayElemTypeDef::SquareBracket(inner, _)
            | ast::ArrayElemTypeDef::AngleBracket(inner),
        ) => column_domain(txn, path, inner),
        _ => Ok(None),
    }
}

/// Reads the enum type `schema.name`.
pub fn lookup_enum<T: Transaction>(
    txn: &mut T,
    schema: &str,
    name: &str,
) -> Result<Option<EnumDef>> {
    Ok(match lookup(txn, schema, name)? {
        Some(UserType::Enum(d)) => Some(d),
        _ => None,
    })
}

/// Stores a type's descriptor and name entry (creating or rewriting).
pub fn put_enum<T: Transaction>(txn: &mut T, def: &EnumDef) -> Result<()> {
    let mut out = Vec::new();
    def.encode(&mut out);
    put_raw(txn, def.oid, &def.schema, &def.name, &out)
}

/// Removes a type's descriptor and name entry.
pub fn drop_enum<T: Transaction>(txn: &mut T, def: &EnumDef) -> Result<()> {
    drop_raw(txn, def.oid, &def.schema, &def.name)
}

/// Every enum type, in OID order (for the system catalogs).
pub fn all_enums<T: Transaction>(txn: &mut T) -> Result<Vec<EnumDef>> {
    Ok(all_types(txn)?
        .into_iter()
        .filter_map(|t| match t {
            UserType::Enum(d) => Some(d),
            UserType::Domain(_) | UserType::Composite(_) => None,
        })
        .collect())
}

/// The schema and name a new type `name` gets (unqualified: the search
/// path's creation schema).
pub fn type_name_parts<T: Transaction>(
    txn: &mut T,
    path: &SearchPath,
    name: &ast::ObjectName,
) -> Result<(String, String)> {
    let (schema, n, _) = creation_schema(txn, path, name, false)?;
    Ok((schema, n))
}

/// The schema and name an existing type `name` has: an unqualified name
/// is looked up along the search path.
pub fn existing_type_parts<T: Transaction>(
    txn: &mut T,
    path: &SearchPath,
    name: &ast::ObjectName,
) -> Result<(String, String)> {
    super::temp::existing_schema(txn, path, name, None, |txn, s, n| {
        Ok(lookup(txn, s, n)?.is_some())
    })
}

/// Resolves a user-defined type name: `None` when no such type exists.
pub fn resolve_type<T: Transaction>(
    txn: &mut T,
    path: &SearchPath,
    name: &ast::ObjectName,
) -> Result<Option<super::Relation>> {
    let (schema, n) = existing_type_parts(txn, path, name)?;
    Ok(lookup(txn, &schema, &n)?.map(|t| match t {
        UserType::Enum(d) => super::Relation::Type(SqlType::Enum(intern(&d))),
        UserType::Domain(d) => super::Relation::Domain(domain::intern(&d)),
        UserType::Composite(d) => {
            super::Relation::Type(SqlType::Composite(crate::types::composite::intern(&d)))
        }
    }))
}

/// The user-defined type a column declared as `ty` has: `None` for the
/// built-in types (and for names that are no type, left to the built-in
/// resolution's 42704).
pub fn column_user_type<T: Transaction>(
    txn: &mut T,
    path: &SearchPath,
    ty: &ast::DataType,
) -> Result<Option<SqlType>> {
    match ty {
        ast::DataType::Custom(name, mods) if mods.is_empty() && SqlType::from_ast(ty).is_err() => {
            Ok(match resolve_type(txn, path, name)? {
                Some(super::Relation::Type(t)) => Some(t),
                Some(super::Relation::Domain(d)) => Some(d.base),
                // A table's row type is a type in PostgreSQL (see
                // `crate::exec::row_type_deps`).
                _ => crate::catalog::row_type::column_row_type(txn, path, name)?,
            })
        }
        ast::DataType::Array(
            ast::ArrayElemTypeDef::SquareBracket(inner, _)
            | ast::ArrayElemTypeDef::AngleBracket(inner),
        ) => {
            if let Some(d) = column_domain(txn, path, inner)? {
                if matches!(d.base, SqlType::Array(_)) {
                    return Err(EngineError::unsupported(
                        "arrays of domains over array types",
                    ));
                }
                return Ok(d.base.array_of());
            }
            Ok(column_user_type(txn, path, inner)?.and_then(|t| t.array_of()))
        }
        _ => Ok(None),
    }
}

/// Whether `ty` is (or is an array of) the enum type `oid`.
fn uses(ty: &SqlType, oid: u32) -> bool {
    matches!(ty.element().unwrap_or(*ty), SqlType::Enum(d) if d.oid == oid)
}

/// The tables with a (live) column of the enum type `oid`.
pub fn tables_using<T: Transaction>(txn: &mut T, oid: u32) -> Result<Vec<TableDesc>> {
    Ok(super::all_tables(txn)?
        .into_iter()
        .filter(|t| t.columns.iter().any(|c| !c.dropped && uses(&c.ty, oid)))
        .collect())
}

/// Rewrites the descriptors of the tables using `def`'s type so their
/// columns carry the new definition (after ADD VALUE, RENAME VALUE or
/// RENAME TO).
pub fn refresh_tables<T: Transaction>(txn: &mut T, def: &EnumDef) -> Result<()> {
    let ty = SqlType::Enum(intern(def));
    for mut t in tables_using(txn, def.oid)? {
        for c in &mut t.columns {
            if !c.dropped && uses(&c.ty, def.oid) {
                c.ty = match c.ty {
                    SqlType::Array(_) => crate::types::enum_type::array_type(intern(def)),
                    _ => ty,
                };
                // A stored missing value keeps its label (found by OID).
                if let Some(crate::types::Value::Enum(old, i)) = &c.missing {
                    let label_oid = old.labels[*i as usize].oid;
                    if let Some(p) = def.labels.iter().position(|l| l.oid == label_oid) {
                        c.missing = Some(crate::types::Value::Enum(intern(def), p as u32));
                    }
                }
            }
        }
        super::update_table(txn, &t)?;
    }
    // Domains over the type carry its definition too.
    for mut d in domains_over(txn, def.oid)? {
        if d.parent.is_some() {
            continue;
        }
        d.base = match d.base {
            SqlType::Array(_) => crate::types::enum_type::array_type(intern(def)),
            _ => ty,
        };
        store_changed_domain(txn, &d)?;
    }
    Ok(())
}
