//! User schemas (`CREATE SCHEMA`): the catalog entries behind
//! `pg_namespace`'s user rows.
//!
//! A schema is one catalog entry (`CAT_SCHEMA`, keyed by name) holding its
//! oid and its owner's oid. Relations name their schema by name (their name
//! keys are `(schema, name)`, see [`crate::keys`]), so a schema entry only
//! says that the schema exists. `public` is built in (oid 2200, owned by
//! `pg_database_owner`, as in a fresh PostgreSQL database) and has no entry,
//! so data directories written before schemas existed open unchanged; the
//! system schemas (`pg_catalog`, `information_schema`, `pg_toast`) are built
//! in too, and temp schemas are [`super::temp`]'s.

use rocksgres_storage::Transaction;

use super::DEFAULT_SCHEMA;
use crate::error::{EngineError, Result, SqlState};
use crate::keys;

/// A user schema.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SchemaDesc {
    /// Its name.
    pub name: String,
    /// Its oid.
    pub oid: u32,
    /// The oid of its owner (`nspowner`).
    pub owner: u32,
}

impl SchemaDesc {
    fn encode(&self) -> [u8; 8] {
        let mut out = [0; 8];
        out[..4].copy_from_slice(&self.oid.to_be_bytes());
        out[4..].copy_from_slice(&self.owner.to_be_bytes());
        out
    }

    fn decode(name: String, v: &[u8]) -> Result<Self> {
        match v {
            [a, b, c, d, e, f, g, h] => Ok(SchemaDesc {
                name,
                oid: u32::from_be_bytes([*a, *b, *c, *d]),
                owner: u32::from_be_bytes([*e, *f, *g, *h]),
            }),
            _ => Err(EngineError::new(
                SqlState::DataCorrupted,
                "bad schema entry",
            )),
        }
    }
}

/// The built-in schemas other than `public` (no user relation lives there).
pub const SYSTEM_SCHEMAS: &[&str] = &["pg_catalog", "information_schema", "pg_toast"];

/// The user schema `name` (not `public`, which has no entry).
pub fn lookup_schema<T: Transaction>(txn: &mut T, name: &str) -> Result<Option<SchemaDesc>> {
    let mut key = Vec::new();
    let mut out = Vec::new();
    keys::schema_key(&mut key, name);
    if !txn.get(&key, &mut out)? {
        return Ok(None);
    }
    SchemaDesc::decode(name.to_string(), &out).map(Some)
}

/// Whether permanent relations can live in schema `name`: `public` or a
/// user schema.
pub fn relation_schema_exists<T: Transaction>(txn: &mut T, name: &str) -> Result<bool> {
    Ok(name == DEFAULT_SCHEMA || lookup_schema(txn, name)?.is_some())
}

/// The 3F000 error for a schema that does not exist.
pub fn no_schema(name: &str) -> EngineError {
    EngineError::new(
        SqlState::InvalidSchemaName,
        format!("schema \"{name}\" does not exist"),
    )
}

/// Checks that `name` may be given to a new schema (42939 for `pg_*`).
pub fn check_schema_name(name: &str) -> Result<()> {
    if name.starts_with("pg_") {
        return Err(EngineError::new(
            SqlState::ReservedName,
            format!("unacceptable schema name \"{name}\""),
        )
        .with_detail("The prefix \"pg_\" is reserved for system schemas."));
    }
    Ok(())
}

fn duplicate(name: &str) -> EngineError {
    EngineError::new(
        SqlState::DuplicateSchema,
        format!("schema \"{name}\" already exists"),
    )
}

/// Whether a schema (built-in, temp or user) is named `name`.
pub fn any_schema_exists<T: Transaction>(txn: &mut T, name: &str) -> Result<bool> {
    Ok(name == DEFAULT_SCHEMA
        || SYSTEM_SCHEMAS.contains(&name)
        || super::temp::namespace_oids(txn, name)?.is_some()
        || lookup_schema(txn, name)?.is_some())
}

/// Creates schema `name` owned by `owner`; 42P06 when a schema has that
/// name, `Ok(None)` then with `if_not_exists`.
pub fn create_schema<T: Transaction>(
    txn: &mut T,
    name: &str,
    owner: u32,
    if_not_exists: bool,
) -> Result<Option<SchemaDesc>> {
    let mut key = Vec::new();
    let mut out = Vec::new();
    keys::schema_key(&mut key, name);
    let taken = txn.get_for_update(&key, &mut out)? || any_schema_exists(txn, name)?;
    if taken {
        return if if_not_exists {
            Ok(None)
        } else {
            Err(duplicate(name))
        };
    }
    check_schema_name(name)?;
    let desc = SchemaDesc {
        name: name.to_string(),
        oid: super::allocate_id(txn)?,
        owner,
    };
    txn.put(&key, &desc.encode())?;
    Ok(Some(desc))
}

/// Renames user schema `from` to `to` (the entry only; the caller moves
/// the relations).
pub fn rename_schema_entry<T: Transaction>(
    txn: &mut T,
    desc: &SchemaDesc,
    to: &str,
) -> Result<SchemaDesc> {
    let mut key = Vec::new();
    let mut out = Vec::new();
    keys::schema_key(&mut key, to);
    if txn.get_for_update(&key, &mut out)? || any_schema_exists(txn, to)? {
        return Err(duplicate(to));
    }
    check_schema_name(to)?;
    let renamed = SchemaDesc {
        name: to.to_string(),
        ..desc.clone()
    };
    txn.put(&key, &renamed.encode())?;
    keys::schema_key(&mut key, &desc.name);
    txn.delete(&key)?;
    Ok(renamed)
}

/// Removes user schema `name`'s entry.
pub fn drop_schema_entry<T: Transaction>(txn: &mut T, name: &str) -> Result<()> {
    let mut key = Vec::new();
    keys::schema_key(&mut key, name);
    txn.delete(&key)?;
    Ok(())
}

/// Every user schema, in name order.
pub fn all_schemas<T: Transaction>(txn: &mut T) -> Result<Vec<SchemaDesc>> {
    let start = [keys::KS_CATALOG, keys::CAT_SCHEMA];
    let end = [keys::KS_CATALOG, keys::CAT_SCHEMA + 1];
    let mut cursor = txn.cursor();
    txn.seek(
        &mut cursor,
        rocksgres_storage::KeyRange::half_open(&start, &end),
        rocksgres_storage::Direction::Forward,
    )?;
    let mut out = Vec::new();
    while let Some((k, v)) = txn.next(&mut cursor)? {
        let name = k[2..].strip_suffix(&[0]).unwrap_or(&k[2..]);
        out.push(SchemaDesc::decode(
            String::from_utf8_lossy(name).into_owned(),
            v,
        )?);
    }
    Ok(out)
}
