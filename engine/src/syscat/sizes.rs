//! The object size functions: `pg_database_size`, `pg_table_size`,
//! `pg_relation_size`, `pg_total_relation_size`, `pg_indexes_size`.
//!
//! A relation is no file here but key ranges of the store (see
//! [`crate::keys`]): a table's rows are its primary index range, each
//! secondary index has a range of its own, and a database is one range
//! per keyspace ([`crate::keys::database_ranges`]). Sizes come from the
//! store's approximate range size
//! ([`crate::types::FunctionEnv::approximate_size`]), counting every
//! version as PostgreSQL counts dead tuples until vacuum.
//!
//! PostgreSQL's sizes are whole 8 kB pages: an empty table is 0 bytes, a
//! table with a row 8192, and a btree index has a metapage (8192 even
//! when empty). So a relation's byte count is rounded up to whole pages,
//! and an index takes at least one page. A primary key index has no range
//! of its own (its entries are the table's rows, counted in the table's
//! size): it reports its metapage. A sequence is one page as in
//! PostgreSQL, a view none. System catalogs, whose rows are generated,
//! have no size (NULL).

use super::{Snapshot, UserRel};
use crate::catalog::{IndexDesc, TableDesc};
use crate::error::{EngineError, Result, SqlState};
use crate::keys::{self, KS_DATA};
use crate::types::{FunctionEnv, Value};

/// PostgreSQL's block size.
const PAGE: u64 = 8192;

/// What a size function measures of a relation.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Measure {
    /// `pg_relation_size`: the relation's own main fork.
    Relation,
    /// `pg_table_size`: the relation without its indexes.
    Table,
    /// `pg_indexes_size`: a table's indexes.
    Indexes,
    /// `pg_total_relation_size`: the relation and its indexes.
    Total,
}

/// `bytes` rounded up to whole pages.
fn pages(bytes: u64) -> u64 {
    bytes.div_ceil(PAGE).saturating_mul(PAGE)
}

/// The store's bytes in engine key range `[prefix, prefix_end)` of
/// database `db` (`None`: no store at hand).
fn prefix_size(env: &dyn FunctionEnv, db: u32, engine_prefix: &[u8]) -> Result<Option<u64>> {
    // Insert the database id after the keyspace byte, as `DbTxn` does.
    let mut start = Vec::with_capacity(engine_prefix.len() + 4);
    start.push(KS_DATA);
    start.extend_from_slice(&db.to_be_bytes());
    start.extend_from_slice(engine_prefix.get(1..).unwrap_or_default());
    let mut end = Vec::new();
    keys::prefix_end(&start, &mut end);
    env.approximate_size(&start, &end)
}

/// The size of index `ix` of table `t` (a page at least).
fn index_size(
    env: &dyn FunctionEnv,
    db: u32,
    t: &TableDesc,
    ix: &IndexDesc,
) -> Result<Option<u64>> {
    if ix.id == keys::PRIMARY_INDEX {
        return Ok(Some(PAGE));
    }
    let mut prefix = Vec::new();
    keys::index_prefix(&mut prefix, t.storage_id, ix.id);
    Ok(prefix_size(env, db, &prefix)?.map(|b| pages(b).max(PAGE)))
}

/// The size of table `t`'s rows (its primary range).
fn rows_size(env: &dyn FunctionEnv, db: u32, t: &TableDesc) -> Result<Option<u64>> {
    let mut prefix = Vec::new();
    keys::index_prefix(&mut prefix, t.storage_id, t.primary().id);
    Ok(prefix_size(env, db, &prefix)?.map(pages))
}

/// The sum of the sizes of table `t`'s named indexes.
fn indexes_size(env: &dyn FunctionEnv, db: u32, t: &TableDesc) -> Result<Option<u64>> {
    let mut total = 0u64;
    for ix in t.named_indexes() {
        match index_size(env, db, t, ix)? {
            Some(n) => total = total.saturating_add(n),
            None => return Ok(None),
        }
    }
    Ok(Some(total))
}

/// `pg_relation_size` and friends of relation `oid` (NULL for an
/// unknown OID, as PostgreSQL).
pub(crate) fn relation_size(
    env: &dyn FunctionEnv,
    snap: &Snapshot,
    oid: u32,
    what: Measure,
) -> Result<Value> {
    let db = snap.database_oid;
    let size = match snap.user_rel(oid) {
        None => None,
        Some(UserRel::View(_)) => Some(0),
        Some(UserRel::Sequence(_)) => Some(if what == Measure::Indexes { 0 } else { PAGE }),
        Some(UserRel::Index(t, i)) => match what {
            Measure::Indexes => Some(0),
            _ => index_size(env, db, t, &t.indexes[i])?,
        },
        Some(UserRel::Table(t)) => match what {
            Measure::Relation | Measure::Table => rows_size(env, db, t)?,
            Measure::Indexes => indexes_size(env, db, t)?,
            Measure::Total => match (rows_size(env, db, t)?, indexes_size(env, db, t)?) {
                (Some(r), Some(i)) => Some(r.saturating_add(i)),
                _ => None,
            },
        },
    };
    Ok(size.map_or(Value::Null, |n| {
        Value::Int8(i64::try_from(n).unwrap_or(i64::MAX))
    }))
}

/// `pg_relation_size(regclass, fork)`: the main fork is the relation;
/// the other forks PostgreSQL has are empty here.
pub(crate) fn fork_size(
    env: &dyn FunctionEnv,
    snap: &Snapshot,
    oid: u32,
    fork: &str,
) -> Result<Value> {
    match fork {
        "main" => relation_size(env, snap, oid, Measure::Relation),
        "fsm" | "vm" | "init" => Ok(match snap.user_rel(oid) {
            Some(_) => Value::Int8(0),
            None => Value::Null,
        }),
        _ => Err(
            EngineError::new(SqlState::InvalidParameterValue, "invalid fork name")
                .with_hint("Valid fork names are \"main\", \"fsm\", \"vm\", and \"init\"."),
        ),
    }
}

/// The size of database `db` (its catalog and data ranges), NULL
/// without a store.
fn database_bytes(env: &dyn FunctionEnv, db: u32) -> Result<Value> {
    let mut total = 0u64;
    for (start, end) in keys::database_ranges(db) {
        match env.approximate_size(&start, &end)? {
            Some(n) => total = total.saturating_add(n),
            None => return Ok(Value::Null),
        }
    }
    Ok(Value::Int8(i64::try_from(pages(total)).unwrap_or(i64::MAX)))
}

/// `pg_database_size(name)`: 3D000 for an unknown database.
pub(crate) fn database_size_by_name(
    env: &dyn FunctionEnv,
    snap: &Snapshot,
    name: &str,
) -> Result<Value> {
    match snap.databases.iter().find(|d| d.name == name) {
        Some(d) => database_bytes(env, d.oid),
        None => Err(EngineError::new(
            SqlState::InvalidCatalogName,
            format!("database \"{name}\" does not exist"),
        )),
    }
}

/// `pg_database_size(oid)`: NULL for an unknown OID, as PostgreSQL.
pub(crate) fn database_size_by_oid(
    env: &dyn FunctionEnv,
    snap: &Snapshot,
    oid: u32,
) -> Result<Value> {
    match snap.databases.iter().find(|d| d.oid == oid) {
        Some(d) => database_bytes(env, d.oid),
        None => Ok(Value::Null),
    }
}
