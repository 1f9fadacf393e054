//! The embedding API: [`Database`] and its [`Session`]s.
//!
//! A `Database` is cheap to clone and `Send + Sync`: share it across threads
//! and open one [`Session`] per thread or task. A session holds the
//! PostgreSQL session state: the current transaction (autocommit when none
//! is open), whether it has failed, and the session's isolation default.
//!
//! ```
//! use rocksgres_engine::Database;
//!
//! let db = Database::open_in_memory();
//! let mut s = db.session();
//! s.execute("CREATE TABLE kv (k int PRIMARY KEY, v text)", &[]).unwrap();
//! s.execute("INSERT INTO kv VALUES (1, 'one'), (2, 'two')", &[]).unwrap();
//! let r = s.query("SELECT v FROM kv WHERE k = $1", &[2i64.into()]).unwrap();
//! assert_eq!(r.rows[0].get::<String>(0).unwrap(), "two");
//! ```

use std::collections::HashMap;
use std::path::Path;
use std::sync::Arc;

use parking_lot::Mutex;
use rocksgres_storage::{
    Direction, KeyRange, MemoryStore, RocksStore, Store, StoreOptions, Transaction,
};

use crate::catalog::TableDesc;
use crate::error::Result;
use crate::exec::dml::RowIds;
use crate::keys;
use crate::session::Session;

struct Inner<S: Store> {
    store: S,
    /// Next hidden row id per storage id, seeded from the largest stored one.
    rowids: Mutex<HashMap<u32, i64>>,
    /// Bumped by every DDL statement; cached plans of another version are
    /// stale.
    catalog_version: std::sync::atomic::AtomicU64,
    /// The next session's backend pid.
    next_backend_pid: std::sync::atomic::AtomicI32,
    /// Which temp-schema numbers sessions hold (`pg_temp_<n>`, n from 1).
    temp_numbers: Mutex<Vec<bool>>,
    /// Every sequence's shared state (see [`crate::exec::sequence`]).
    sequences: crate::exec::sequence::SequenceStates,
}

/// An open database.
pub struct Database<S: Store = RocksStore> {
    inner: Arc<Inner<S>>,
}

impl<S: Store> Clone for Database<S> {
    fn clone(&self) -> Self {
        Database {
            inner: Arc::clone(&self.inner),
        }
    }
}

impl Database<RocksStore> {
    /// Opens (creating if needed) the database in directory `path`.
    pub fn open(path: impl AsRef<Path>) -> Result<Self> {
        let store = RocksStore::open(path, StoreOptions::default())?;
        let db = Self::with_store(store);
        db.drop_orphan_temp_tables()?;
        Ok(db)
    }
}

impl Database<MemoryStore> {
    /// A new, empty in-memory database (nothing is persisted).
    pub fn open_in_memory() -> Self {
        Self::with_store(MemoryStore::new())
    }
}

impl<S: Store> Database<S> {
    /// A database over an opened store.
    pub fn with_store(store: S) -> Self {
        Database {
            inner: Arc::new(Inner {
                store,
                rowids: Mutex::new(HashMap::new()),
                catalog_version: std::sync::atomic::AtomicU64::new(0),
                next_backend_pid: std::sync::atomic::AtomicI32::new(
                    (std::process::id() % 1_000_000) as i32 * 1000 + 1,
                ),
                temp_numbers: Mutex::new(Vec::new()),
                sequences: Default::default(),
            }),
        }
    }

    /// The shared state of the database's sequences.
    pub(crate) fn sequence_states(&self) -> &crate::exec::sequence::SequenceStates {
        &self.inner.sequences
    }

    /// A new session.
    pub fn session(&self) -> Session<S> {
        Session::new(self.clone())
    }

    /// Lends a session the smallest free temp-schema number (its temp
    /// schema is `pg_temp_<n>`; see [`crate::catalog::temp`]).
    pub(crate) fn acquire_temp_number(&self) -> u32 {
        let mut used = self.inner.temp_numbers.lock();
        let i = match used.iter().position(|u| !u) {
            Some(i) => i,
            None => {
                used.push(false);
                used.len() - 1
            }
        };
        used[i] = true;
        i as u32 + 1
    }

    /// Gives back a number [`Database::acquire_temp_number`] lent (once
    /// the session's temp tables are dropped).
    pub(crate) fn release_temp_number(&self, n: u32) {
        if let Some(slot) = self.inner.temp_numbers.lock().get_mut(n as usize - 1) {
            *slot = false;
        }
    }

    /// Drops the tables of every temp schema: at open, any there are were
    /// left by a crash (their sessions are gone).
    fn drop_orphan_temp_tables(&self) -> Result<()> {
        let mut txn = self
            .inner
            .store
            .begin(rocksgres_storage::TxnOptions::default())?;
        match crate::catalog::temp::drop_temp_tables(&mut txn, None) {
            Ok(_) => Ok(txn.commit().map(|_| ())?),
            Err(e) => {
                txn.rollback();
                Err(e)
            }
        }
    }

    /// The underlying store.
    pub fn store(&self) -> &S {
        &self.inner.store
    }

    /// A backend pid no other session of this database has.
    pub(crate) fn next_backend_pid(&self) -> i32 {
        self.inner
            .next_backend_pid
            .fetch_add(1, std::sync::atomic::Ordering::Relaxed)
    }

    /// The catalog version (changes whenever a DDL statement runs).
    pub fn catalog_version(&self) -> u64 {
        self.inner
            .catalog_version
            .load(std::sync::atomic::Ordering::Acquire)
    }

    /// Invalidates every cached plan (called by DDL before it changes the
    /// catalog, so no plan outlives the definitions it was made from).
    pub(crate) fn bump_catalog_version(&self) {
        self.inner
            .catalog_version
            .fetch_add(1, std::sync::atomic::Ordering::AcqRel);
    }
}

impl<S: Store> RowIds for Database<S> {
    fn next_rowid<T: Transaction>(&self, txn: &mut T, table: &TableDesc) -> Result<i64> {
        let mut map = self.inner.rowids.lock();
        if let Some(next) = map.get_mut(&table.storage_id) {
            *next += 1;
            return Ok(*next);
        }
        // Seed from the largest row id stored (committed or our own).
        let (start, end) = keys::primary_range(table.storage_id);
        let mut cursor = txn.cursor();
        txn.seek(
            &mut cursor,
            KeyRange::half_open(&start, &end),
            Direction::Backward,
        )?;
        let last = match txn.next(&mut cursor)? {
            Some((k, _)) => {
                let mut input = &k[start.len()..];
                match rocksgres_codec::decode_key_column(
                    &mut input,
                    rocksgres_codec::DataType::Int8,
                    rocksgres_codec::SortOrder::ASC,
                ) {
                    Ok(rocksgres_codec::Datum::Int8(i)) => i,
                    _ => 0,
                }
            }
            None => 0,
        };
        map.insert(table.storage_id, last + 1);
        Ok(last + 1)
    }
}
