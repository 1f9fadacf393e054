//! The system relations (`pg_catalog` and `information_schema`) as the
//! catalog knows them: their names, OIDs and columns ([`defs`], generated
//! from a real PostgreSQL 15), the built-in OIDs every layer shares, and
//! name lookup. Name resolution ([`super::temp`]) finds a system relation
//! here; the rows it shows are [`crate::syscat`]'s, generated from the
//! catalog when a statement reads them. Keeping the definitions in the
//! catalog lets the layers above it (syscat, the planner) depend on the
//! catalog and never the other way round.

pub mod defs;

use crate::types::SqlType;

/// OID of schema `pg_catalog`.
pub const PG_CATALOG_OID: u32 = 11;
/// OID of schema `public`.
pub const PUBLIC_OID: u32 = 2200;
/// OID of the session user (PostgreSQL's bootstrap superuser).
pub const USER_OID: u32 = 10;
/// OID of the role `pg_database_owner` (owner of schema `public`).
pub const DATABASE_OWNER_OID: u32 = 6171;
/// OID of database `postgres` (shown for a session whose database is not
/// in the list any more).
pub const DATABASE_OID: u32 = 5;
/// OID of access method `heap`.
pub const HEAP_AM_OID: u32 = 2;
/// OID of access method `btree`.
pub const BTREE_AM_OID: u32 = 403;
/// OID of collation `default`.
pub const DEFAULT_COLLATION_OID: u32 = 100;
/// OID of collation `C` (the collation of `name`).
pub const C_COLLATION_OID: u32 = 950;

/// A system relation: where it lives, its OID and kind, and its columns.
#[derive(Debug)]
pub struct SysRel {
    /// `pg_catalog` or `information_schema`.
    pub schema: &'static str,
    /// OID of the schema.
    pub schema_oid: u32,
    /// Relation name.
    pub name: &'static str,
    /// PostgreSQL's OID of the relation.
    pub oid: u32,
    /// `r` (table) or `v` (view), as in PostgreSQL.
    pub kind: u8,
    /// Column names and types.
    pub columns: &'static [(&'static str, SqlType)],
}

impl SysRel {
    /// Position of column `name`.
    pub fn column(&self, name: &str) -> Option<usize> {
        self.columns.iter().position(|(n, _)| *n == name)
    }
}

/// The system relation `name` in `schema`; an unqualified name finds
/// `pg_catalog` relations only (`pg_catalog` is implicitly first on the
/// search path, as in PostgreSQL).
pub fn lookup(schema: Option<&str>, name: &str) -> Option<&'static SysRel> {
    let schema = schema.unwrap_or("pg_catalog");
    defs::SYSTEM_RELATIONS
        .iter()
        .find(|r| r.schema == schema && r.name == name)
}

/// The system relation with PostgreSQL OID `oid`.
pub fn by_oid(oid: u32) -> Option<&'static SysRel> {
    defs::SYSTEM_RELATIONS.iter().find(|r| r.oid == oid)
}

/// Whether `schema` names one of the built-in schemas.
pub fn is_system_schema(schema: &str) -> bool {
    matches!(schema, "pg_catalog" | "information_schema")
}
