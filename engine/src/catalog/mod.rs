//! The catalog: table definitions stored transactionally in the store.
//!
//! Descriptors live under the catalog keyspace (see [`crate::keys`]) and are
//! read and written through the session's storage transaction, so DDL is
//! transactional like in PostgreSQL: a CREATE TABLE rolled back never
//! existed, and other sessions see a committed change at their next
//! statement. Object ids come from one counter row, read with
//! `get_for_update`, so concurrent DDL serializes on it.

pub mod composite_type;
pub mod constraint;
pub mod database;
pub mod desc;
pub mod description;
pub mod foreign_key;
pub mod lock;
pub mod row_type;
pub mod schema;
pub mod sequence;
pub mod statistic;
pub mod system;
pub mod temp;
pub mod user_type;
pub mod view;

pub use desc::{
    CheckDesc, ColumnDesc, FkAction, ForeignKeyDesc, Identity, IndexColumn, IndexDesc, TableDesc,
};
pub use temp::{PathEntry, SearchPath};
pub use view::ViewDesc;

use std::sync::Arc;

use rocksgres_storage::Transaction;

use crate::error::{EngineError, Result, SqlState};
use crate::keys;

/// The schema of permanent relations (temp ones are in the session's
/// temp schema, see [`temp`]).
pub const DEFAULT_SCHEMA: &str = "public";

/// First id handed out to user objects (PostgreSQL's FirstNormalObjectId).
const FIRST_USER_ID: u32 = 16384;

/// Reads the table a name entry (`key`, holding a table id) points at.
fn table_named_by<T: Transaction>(
    txn: &mut T,
    key: &[u8],
    what: &str,
) -> Result<Option<TableDesc>> {
    let mut out = Vec::new();
    if !txn.get(key, &mut out)? {
        return Ok(None);
    }
    let id = u32::from_be_bytes(out.as_slice().try_into().map_err(|_| {
        EngineError::new(SqlState::DataCorrupted, format!("bad {what} name entry"))
    })?);
    let mut table_key = Vec::new();
    keys::table_key(&mut table_key, id);
    if !txn.get(&table_key, &mut out)? {
        return Err(EngineError::new(
            SqlState::DataCorrupted,
            format!("{what} name points at missing table {id}"),
        ));
    }
    TableDesc::decode(&out).map(Some)
}

/// Reads the definition of table `schema.name`.
pub fn lookup_table<T: Transaction>(
    txn: &mut T,
    schema: &str,
    name: &str,
) -> Result<Option<TableDesc>> {
    let mut key = Vec::new();
    keys::table_name_key(&mut key, schema, name);
    table_named_by(txn, &key, "table")
}

/// Reads table `name`, failing with 42P01 when it does not exist.
pub fn require_table<T: Transaction>(txn: &mut T, schema: &str, name: &str) -> Result<TableDesc> {
    lookup_table(txn, schema, name)?.ok_or_else(|| {
        EngineError::new(
            SqlState::UndefinedTable,
            format!("relation \"{name}\" does not exist"),
        )
    })
}

/// Allocates a new object id.
pub fn allocate_id<T: Transaction>(txn: &mut T) -> Result<u32> {
    let mut key = Vec::new();
    let mut out = Vec::new();
    keys::next_id_key(&mut key);
    let next = if txn.get_for_update(&key, &mut out)? {
        u32::from_be_bytes(
            out.as_slice()
                .try_into()
                .map_err(|_| EngineError::new(SqlState::DataCorrupted, "bad id counter"))?,
        )
    } else {
        FIRST_USER_ID
    };
    txn.put(&key, &(next + 1).to_be_bytes())?;
    Ok(next)
}

/// Allocates the object ids of a new index: its own, and with
/// `constraint` set the id of the constraint it implements (else 0).
pub fn allocate_index_oids<T: Transaction>(txn: &mut T, constraint: bool) -> Result<(u32, u32)> {
    let oid = allocate_id(txn)?;
    let constraint_oid = if constraint { allocate_id(txn)? } else { 0 };
    Ok((oid, constraint_oid))
}

/// Stores a new table; fails with 42P07 if the name is taken.
pub fn create_table<T: Transaction>(txn: &mut T, desc: &TableDesc) -> Result<()> {
    let mut key = Vec::new();
    let mut out = Vec::new();
    keys::view_key(&mut key, &desc.schema, &desc.name);
    let view_exists = txn.get(&key, &mut out)?;
    keys::sequence_name_key(&mut key, &desc.schema, &desc.name);
    let view_exists = view_exists || txn.get(&key, &mut out)?;
    let index_exists = index_owner(txn, &desc.schema, &desc.name)?.is_some();
    if user_type::lookup(txn, &desc.schema, &desc.name)?.is_some() {
        return Err(EngineError::new(
            SqlState::DuplicateObject,
            format!("type \"{}\" already exists", desc.name),
        )
        .with_hint(
            "A relation has an associated type of the same name, so you must use a name \
             that doesn't conflict with any existing type.",
        ));
    }
    keys::table_name_key(&mut key, &desc.schema, &desc.name);
    if txn.get_for_update(&key, &mut out)? || view_exists || index_exists {
        return Err(EngineError::new(
            SqlState::DuplicateTable,
            format!("relation \"{}\" already exists", desc.name),
        ));
    }
    for ix in desc.named_indexes() {
        if relation_exists(txn, &desc.schema, &ix.name)? {
            return Err(EngineError::new(
                SqlState::DuplicateTable,
                format!("relation \"{}\" already exists", ix.name),
            ));
        }
    }
    txn.put(&key, &desc.id.to_be_bytes())?;
    for ix in desc.named_indexes() {
        register_index_name(txn, &desc.schema, &ix.name, desc.id)?;
    }
    update_table(txn, desc)
}

/// Rewrites a table's descriptor.
pub fn update_table<T: Transaction>(txn: &mut T, desc: &TableDesc) -> Result<()> {
    let mut key = Vec::new();
    let mut out = Vec::new();
    keys::table_key(&mut key, desc.id);
    desc.encode(&mut out);
    txn.put(&key, &out)?;
    Ok(())
}

/// Removes a table from the catalog: its descriptor, its name and the
/// names of all its indexes (including a name a database written by an
/// older version registered for the hidden row-id index). Its data range
/// becomes unreachable.
pub fn drop_table<T: Transaction>(txn: &mut T, desc: &TableDesc) -> Result<()> {
    let mut key = Vec::new();
    keys::table_name_key(&mut key, &desc.schema, &desc.name);
    txn.delete(&key)?;
    keys::table_key(&mut key, desc.id);
    txn.delete(&key)?;
    statistic::remove(txn, desc.id)?;
    for ix in &desc.indexes {
        unregister_owned_index_name(txn, &desc.schema, &ix.name, desc.id)?;
    }
    // Its serial and identity sequences (and any OWNED BY it) go with it.
    for s in sequence::owned_by_table(txn, desc.id)? {
        sequence::drop_sequence(txn, &s)?;
    }
    Ok(())
}

/// Removes index name `name` if it is registered to table `table_id`
/// (leaving another table's index of that name alone).
pub fn unregister_owned_index_name<T: Transaction>(
    txn: &mut T,
    schema: &str,
    name: &str,
    table_id: u32,
) -> Result<()> {
    let mut key = Vec::new();
    let mut out = Vec::new();
    keys::index_name_key(&mut key, schema, name);
    if txn.get(&key, &mut out)? && out.as_slice() == table_id.to_be_bytes() {
        txn.delete(&key)?;
    }
    Ok(())
}

/// A named relation: a table, a view or a sequence.
#[derive(Debug, Clone)]
pub enum Relation {
    /// A table.
    Table(Arc<TableDesc>),
    /// A view.
    View(Arc<ViewDesc>),
    /// A sequence (`SELECT * FROM seq` reads its one row).
    Sequence(Arc<sequence::SequenceDesc>),
    /// A system catalog relation (`pg_class`, `information_schema.tables`).
    System(&'static crate::catalog::system::SysRel),
    /// A user-defined type, the answer to a name marked with
    /// [`TYPE_LOOKUP`] (never a relation a query reads).
    Type(crate::types::SqlType),
    /// A domain, the answer to a name marked with [`TYPE_LOOKUP`] (never
    /// a relation a query reads).
    Domain(&'static crate::types::domain::DomainDef),
}

/// The first part of a name the binder looks up as a type through its
/// relation lookup (which holds the transaction): `[TYPE_LOOKUP, schema?,
/// name]` resolves to [`Relation::Type`] or fails with 42704.
pub const TYPE_LOOKUP: &str = "\u{1}type";

/// Resolves a relation name as written in a query: `pg_catalog.x` and
/// `information_schema.x` are system relations, an unqualified name is
/// looked up along the session's search path (its temp schema, then
/// `pg_catalog`, then the schemas of `search_path`). See [`temp`].
pub fn resolve_relation<T: Transaction>(
    txn: &mut T,
    path: &SearchPath,
    name: &sqlparser::ast::ObjectName,
) -> Result<Relation> {
    temp::resolve_relation(txn, path, name)
}

/// The error for writing to a sequence as if it were a table (42809).
pub fn sequence_write_error(name: &str) -> EngineError {
    EngineError::new(
        SqlState::WrongObjectType,
        format!("cannot change sequence \"{name}\""),
    )
}

/// The error for writing to a system catalog.
pub fn system_catalog_error(name: &str) -> EngineError {
    EngineError::new(
        SqlState::InsufficientPrivilege,
        format!("permission denied: \"{name}\" is a system catalog"),
    )
}

/// Reads view `schema.name`.
pub fn lookup_view<T: Transaction>(
    txn: &mut T,
    schema: &str,
    name: &str,
) -> Result<Option<ViewDesc>> {
    let mut key = Vec::new();
    let mut out = Vec::new();
    keys::view_key(&mut key, schema, name);
    if !txn.get(&key, &mut out)? {
        return Ok(None);
    }
    ViewDesc::decode(&out).map(Some)
}

/// Reads the table, view or sequence `schema.name`.
pub fn lookup_relation<T: Transaction>(
    txn: &mut T,
    schema: &str,
    name: &str,
) -> Result<Option<Relation>> {
    if let Some(mut t) = lookup_table(txn, schema, name)? {
        // A query's table carries its statistics for the planner.
        t.stats = statistic::load(txn, t.id)?.map(Arc::new);
        return Ok(Some(Relation::Table(Arc::new(t))));
    }
    if let Some(v) = lookup_view(txn, schema, name)? {
        return Ok(Some(Relation::View(Arc::new(v))));
    }
    if let Some(s) = sequence::lookup_sequence(txn, schema, name)? {
        return Ok(Some(Relation::Sequence(Arc::new(s))));
    }
    Ok(None)
}

/// Reads the table, view or sequence `schema.name`, failing with 42P01.
pub fn require_relation<T: Transaction>(txn: &mut T, schema: &str, name: &str) -> Result<Relation> {
    lookup_relation(txn, schema, name)?.ok_or_else(|| {
        EngineError::new(
            SqlState::UndefinedTable,
            format!("relation \"{name}\" does not exist"),
        )
    })
}

/// Stores (creating or replacing) a view.
pub fn put_view<T: Transaction>(txn: &mut T, view: &ViewDesc) -> Result<()> {
    let mut key = Vec::new();
    let mut out = Vec::new();
    keys::view_key(&mut key, &view.schema, &view.name);
    view.encode(&mut out);
    txn.put(&key, &out)?;
    Ok(())
}

/// Removes a view.
pub fn drop_view<T: Transaction>(txn: &mut T, view: &ViewDesc) -> Result<()> {
    let mut key = Vec::new();
    keys::view_key(&mut key, &view.schema, &view.name);
    txn.delete(&key)?;
    Ok(())
}

/// Every descriptor of catalog entry kind `kind`, in key order.
pub(crate) fn all_of_kind<T: Transaction, D>(
    txn: &mut T,
    kind: u8,
    decode: fn(&[u8]) -> Result<D>,
) -> Result<Vec<D>> {
    let start = [keys::KS_CATALOG, kind];
    let end = [keys::KS_CATALOG, kind + 1];
    let mut cursor = txn.cursor();
    txn.seek(
        &mut cursor,
        rocksgres_storage::KeyRange::half_open(&start, &end),
        rocksgres_storage::Direction::Forward,
    )?;
    let mut out = Vec::new();
    while let Some((_, v)) = txn.next(&mut cursor)? {
        out.push(decode(v)?);
    }
    Ok(out)
}

/// Every table, in table-id order (for the system catalogs).
pub fn all_tables<T: Transaction>(txn: &mut T) -> Result<Vec<TableDesc>> {
    all_of_kind(txn, keys::CAT_TABLE, TableDesc::decode)
}

/// Every view (for dependency checks and the system catalogs).
pub fn all_views<T: Transaction>(txn: &mut T) -> Result<Vec<ViewDesc>> {
    all_of_kind(txn, keys::CAT_VIEW, ViewDesc::decode)
}

/// The table owning index `name`, if an index has that name.
///
/// A name entry is only believed when the table it points at exists and
/// has a visible index of that name: databases written by older versions
/// hold stale entries (the hidden row-id index's `<table>_pkey`, kept after
/// ADD PRIMARY KEY renamed it and then DROP TABLE missed it), and a stale
/// entry must neither block the name nor break a lookup.
pub fn index_owner<T: Transaction>(
    txn: &mut T,
    schema: &str,
    name: &str,
) -> Result<Option<TableDesc>> {
    let mut key = Vec::new();
    let mut out = Vec::new();
    keys::index_name_key(&mut key, schema, name);
    if !txn.get(&key, &mut out)? {
        return Ok(None);
    }
    let Ok(id) = <[u8; 4]>::try_from(out.as_slice()).map(u32::from_be_bytes) else {
        return Ok(None);
    };
    keys::table_key(&mut key, id);
    if !txn.get(&key, &mut out)? {
        return Ok(None);
    }
    let table = TableDesc::decode(&out)?;
    let owns = table.named_indexes().any(|ix| ix.name == name);
    Ok(owns.then_some(table))
}

/// Whether any relation (table, view or index) is named `name`.
pub fn relation_exists<T: Transaction>(txn: &mut T, schema: &str, name: &str) -> Result<bool> {
    let mut key = Vec::new();
    let mut out = Vec::new();
    for kind in [
        keys::CAT_TABLE_NAME,
        keys::CAT_VIEW,
        keys::CAT_SEQUENCE_NAME,
    ] {
        keys::table_name_key(&mut key, schema, name);
        key[1] = kind;
        if txn.get(&key, &mut out)? {
            return Ok(true);
        }
    }
    Ok(index_owner(txn, schema, name)?.is_some())
}

/// Registers index name `name` as belonging to table `table_id`.
pub fn register_index_name<T: Transaction>(
    txn: &mut T,
    schema: &str,
    name: &str,
    table_id: u32,
) -> Result<()> {
    let mut key = Vec::new();
    keys::index_name_key(&mut key, schema, name);
    txn.put(&key, &table_id.to_be_bytes())?;
    Ok(())
}

/// Removes index name `name`.
pub fn unregister_index_name<T: Transaction>(txn: &mut T, schema: &str, name: &str) -> Result<()> {
    let mut key = Vec::new();
    keys::index_name_key(&mut key, schema, name);
    txn.delete(&key)?;
    Ok(())
}
