//! The engine's key layout in the store (design.md, "Key layout").
//!
//! ```text
//! catalog:  [KS_CATALOG][db id][kind u8][...]                -> descriptor bytes
//! data:     [KS_DATA][db id][storage id u32 BE][index id u32 BE][key columns...]
//!                                                            -> row | pk bytes | empty
//! shared:   [KS_SHARED][kind u8][...]                        -> database list, id counter
//! ```
//!
//! The builders here write catalog and data keys *without* the database id
//! (`[db id u32 BE]`): the session's transaction ([`crate::db_txn::DbTxn`])
//! inserts it, so every key of one database lies in one range per keyspace
//! ([`database_ranges`]). Shared keys are the same in every database.
//!
//! The primary index (id 1) holds the whole row, keyed by the primary-key
//! columns (or a hidden `int8` row id). A unique secondary index keys by its
//! columns and keeps the encoded primary key as the value; a non-unique one
//! appends the primary-key columns to the key and stores nothing. All key
//! columns are encoded with `rocksgres-codec`, so keys are prefix-free.

use rocksgres_codec::{encode_index_prefix, prefix_successor};

/// Keyspace of the catalog.
pub const KS_CATALOG: u8 = 1;
/// Keyspace of table and index data.
pub const KS_DATA: u8 = 2;
/// Keyspace of the shared catalog: objects of the whole store, outside
/// every database (PostgreSQL's shared catalogs such as `pg_database`).
pub const KS_SHARED: u8 = 3;

/// Shared entry kind: the object id counter (OIDs are unique in the whole
/// store, as PostgreSQL's OID counter is cluster-wide).
pub const SH_NEXT_ID: u8 = 1;
/// Shared entry kind: a database by name (see [`crate::catalog::database`]).
pub const SH_DATABASE: u8 = 2;

/// Shared key of database `name`.
pub fn database_key(buf: &mut Vec<u8>, name: &str) {
    buf.clear();
    buf.push(KS_SHARED);
    buf.push(SH_DATABASE);
    buf.extend_from_slice(name.as_bytes());
    buf.push(0);
}

/// The stored key ranges `[start, end)` holding every catalog and data key
/// of database `db` (what DROP DATABASE deletes).
pub fn database_ranges(db: u32) -> [(Vec<u8>, Vec<u8>); 2] {
    let range = |ks: u8| {
        let mut start = vec![ks];
        start.extend_from_slice(&db.to_be_bytes());
        let mut end = Vec::new();
        prefix_end(&start, &mut end);
        (start, end)
    };
    [range(KS_CATALOG), range(KS_DATA)]
}

/// Catalog entry kind: table descriptor by table id.
pub const CAT_TABLE: u8 = 1;
/// Catalog entry kind: table id by (schema, name).
pub const CAT_TABLE_NAME: u8 = 2;
/// Catalog entry kind of the id counter before databases existed (it is
/// shared now, [`SH_NEXT_ID`]; the old-layout migration moves it).
pub const CAT_NEXT_ID: u8 = 3;
/// Catalog entry kind: view by (schema, name).
pub const CAT_VIEW: u8 = 4;

/// Catalog entry kind: table id by index (schema, name).
pub const CAT_INDEX_NAME: u8 = 5;

/// Catalog entry kind: a temp schema's oids by name (see
/// [`crate::catalog::temp`]).
pub const CAT_NAMESPACE: u8 = 6;

/// Catalog entry kind: sequence descriptor by OID.
pub const CAT_SEQUENCE: u8 = 7;

/// Catalog entry kind: sequence OID by (schema, name).
pub const CAT_SEQUENCE_NAME: u8 = 8;

/// Catalog entry kind: a comment by (object OID, catalog OID, sub-id)
/// (see [`crate::catalog::description`]).
pub const CAT_DESCRIPTION: u8 = 12;

/// Catalog entry kind: user-defined type descriptor by OID (see
/// [`crate::catalog::user_type`]).
pub const CAT_TYPE: u8 = 14;

/// Catalog entry kind: user-defined type OID by (schema, name).
pub const CAT_TYPE_NAME: u8 = 15;

/// Catalog entry kind: a table's `ANALYZE` statistics by table id (see
/// [`crate::catalog::statistic`]). Far from the other kinds so that kinds
/// added meanwhile on other branches cannot take the same number.
pub const CAT_STATISTIC: u8 = 40;

/// Catalog key of a user-defined type descriptor.
pub fn type_key(buf: &mut Vec<u8>, oid: u32) {
    table_key(buf, oid);
    buf[1] = CAT_TYPE;
}

/// Catalog key of a user-defined type name.
pub fn type_name_key(buf: &mut Vec<u8>, schema: &str, name: &str) {
    table_name_key(buf, schema, name);
    buf[1] = CAT_TYPE_NAME;
}

/// Catalog entry kind: a user schema by name (see
/// [`crate::catalog::schema`]).
pub const CAT_SCHEMA: u8 = 13;

/// Catalog key of user schema `name`.
pub fn schema_key(buf: &mut Vec<u8>, name: &str) {
    namespace_key(buf, name);
    buf[1] = CAT_SCHEMA;
}

/// Catalog key of a sequence descriptor.
pub fn sequence_key(buf: &mut Vec<u8>, oid: u32) {
    table_key(buf, oid);
    buf[1] = CAT_SEQUENCE;
}

/// Catalog key of a sequence name.
pub fn sequence_name_key(buf: &mut Vec<u8>, schema: &str, name: &str) {
    table_name_key(buf, schema, name);
    buf[1] = CAT_SEQUENCE_NAME;
}

/// Catalog key of a temp schema.
pub fn namespace_key(buf: &mut Vec<u8>, schema: &str) {
    buf.clear();
    buf.push(KS_CATALOG);
    buf.push(CAT_NAMESPACE);
    buf.extend_from_slice(schema.as_bytes());
    buf.push(0);
}

/// Catalog key of an index name.
pub fn index_name_key(buf: &mut Vec<u8>, schema: &str, name: &str) {
    table_name_key(buf, schema, name);
    buf[1] = CAT_INDEX_NAME;
}

/// Catalog key of a view.
pub fn view_key(buf: &mut Vec<u8>, schema: &str, name: &str) {
    table_name_key(buf, schema, name);
    buf[1] = CAT_VIEW;
}

/// Index id of every table's primary index.
pub const PRIMARY_INDEX: u32 = rocksgres_codec::PRIMARY_INDEX_ID;

/// Writes the prefix of index `index` of storage `storage_id` into `buf`
/// (cleared first).
pub fn index_prefix(buf: &mut Vec<u8>, storage_id: u32, index: u32) {
    buf.clear();
    encode_index_prefix(buf, KS_DATA, storage_id, index);
}

/// Writes the exclusive upper bound of all keys starting with `prefix`.
pub fn prefix_end(prefix: &[u8], out: &mut Vec<u8>) {
    let bounded = prefix_successor(prefix, out);
    debug_assert!(bounded, "data prefixes never consist of 0xFF bytes only");
}

/// The key range `[start, end)` of every row of storage `storage_id`'s
/// primary index.
pub fn primary_range(storage_id: u32) -> (Vec<u8>, Vec<u8>) {
    let mut start = Vec::new();
    let mut end = Vec::new();
    index_prefix(&mut start, storage_id, PRIMARY_INDEX);
    prefix_end(&start, &mut end);
    (start, end)
}

/// Catalog key of a table descriptor.
pub fn table_key(buf: &mut Vec<u8>, table_id: u32) {
    buf.clear();
    buf.push(KS_CATALOG);
    buf.push(CAT_TABLE);
    buf.extend_from_slice(&table_id.to_be_bytes());
}

/// Catalog key of a table name (NUL-terminated parts keep keys prefix-free;
/// identifiers cannot contain NUL).
pub fn table_name_key(buf: &mut Vec<u8>, schema: &str, name: &str) {
    buf.clear();
    buf.push(KS_CATALOG);
    buf.push(CAT_TABLE_NAME);
    buf.extend_from_slice(schema.as_bytes());
    buf.push(0);
    buf.extend_from_slice(name.as_bytes());
    buf.push(0);
}

/// Shared key of the object id counter.
pub fn next_id_key(buf: &mut Vec<u8>) {
    buf.clear();
    buf.push(KS_SHARED);
    buf.push(SH_NEXT_ID);
}
