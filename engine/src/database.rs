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

use crate::catalog::database::{self as databases, DatabaseDesc, POSTGRES_OID};
use crate::catalog::TableDesc;
use crate::db_txn::DbTxn;
use crate::error::{EngineError, Result, SqlState};
use crate::exec::dml::RowIds;
use crate::keys;
use crate::session::Session;

struct Inner<S: Store> {
    store: S,
    /// Next hidden row id per (database oid, storage id), seeded from the
    /// largest stored one (a database copied from a template keeps its
    /// storage ids, and each copy counts on its own).
    rowids: Mutex<HashMap<(u32, u32), i64>>,
    /// Bumped by every DDL statement; cached plans of another version are
    /// stale.
    catalog_version: std::sync::atomic::AtomicU64,
    /// The next session's backend pid.
    next_backend_pid: std::sync::atomic::AtomicI32,
    /// Which temp-schema numbers sessions hold (`pg_temp_<n>`, n from 1).
    temp_numbers: Mutex<Vec<bool>>,
    /// Every sequence's shared state (see [`crate::exec::sequence`]).
    sequences: crate::exec::sequence::SequenceStates,
    /// The open sessions: which database each is connected to (for DROP
    /// DATABASE's check and its FORCE).
    sessions: Mutex<Vec<SessionEntry>>,
    /// The next session's id in `sessions`.
    next_session_id: std::sync::atomic::AtomicU64,
    /// Where statements spill to (see [`crate::exec::spill`]).
    temp_dir: Arc<crate::exec::spill::temp_files::TempDir>,
    /// Rows changed per table since autoanalyze last ran on it.
    changes: Arc<crate::change_count::ChangeTally>,
    /// The autovacuum settings the worker follows.
    autovacuum: Mutex<crate::settings::AutovacuumSettings>,
}

/// An open session, as [`Inner::sessions`] lists it.
struct SessionEntry {
    id: u64,
    database: u32,
    /// Set to end the session (DROP DATABASE ... WITH (FORCE)).
    terminate: Arc<std::sync::atomic::AtomicBool>,
    /// The session's cancel flag, set with `terminate` so that a running
    /// statement stops too.
    cancel: Arc<std::sync::atomic::AtomicBool>,
}

/// A session's registration in its [`Database`]'s list of sessions.
pub(crate) struct SessionTicket {
    /// The session's id in the list.
    pub id: u64,
    /// Set when another session's DROP DATABASE ... WITH (FORCE) ends it.
    pub terminate: Arc<std::sync::atomic::AtomicBool>,
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
    /// Its temporary directory, `<path>/pgsql_tmp`, is emptied.
    pub fn open(path: impl AsRef<Path>) -> Result<Self> {
        let store = RocksStore::open(path.as_ref(), StoreOptions::default())?;
        // After the store's lock is held: no other process uses the files.
        let temp_dir = crate::exec::spill::temp_files::TempDir::in_data_dir(path.as_ref())?;
        databases::prepare_store(&store, crate::catalog::system::USER_OID)?;
        let db = Self::with_store_in(store, temp_dir);
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
    /// A database over an opened store. A store without a database list
    /// gets one (see [`crate::catalog::database::prepare_store`]); this
    /// panics if that fails, which only a store that cannot be read or
    /// written does ([`Database::open`] reports it as an error instead).
    /// Its temporary files go to a process-unique directory under the
    /// system's temporary directory.
    pub fn with_store(store: S) -> Self {
        Self::with_store_in(
            store,
            crate::exec::spill::temp_files::TempDir::process_unique(),
        )
    }

    /// [`Database::with_store`] with temporary files in `temp_dir`.
    fn with_store_in(store: S, temp_dir: crate::exec::spill::temp_files::TempDir) -> Self {
        if let Err(e) = databases::prepare_store(&store, crate::catalog::system::USER_OID) {
            panic!("cannot prepare the store's database list: {e}");
        }
        let db = Database {
            inner: Arc::new(Inner {
                store,
                rowids: Mutex::new(HashMap::new()),
                catalog_version: std::sync::atomic::AtomicU64::new(0),
                next_backend_pid: std::sync::atomic::AtomicI32::new(
                    (std::process::id() % 1_000_000) as i32 * 1000 + 1,
                ),
                temp_numbers: Mutex::new(Vec::new()),
                sequences: Default::default(),
                sessions: Mutex::new(Vec::new()),
                next_session_id: std::sync::atomic::AtomicU64::new(1),
                temp_dir: Arc::new(temp_dir),
                changes: Arc::default(),
                autovacuum: Mutex::new(Default::default()),
            }),
        };
        spawn_autovacuum(Arc::downgrade(&db.inner));
        db
    }

    /// Sets the server's `autovacuum` and `autovacuum_naptime` (see
    /// [`crate::autoanalyze`]); on, with a one-minute naptime, by default.
    pub fn set_autovacuum(&self, settings: crate::settings::AutovacuumSettings) {
        *self.inner.autovacuum.lock() = settings;
    }

    /// The autovacuum settings in force.
    pub fn autovacuum(&self) -> crate::settings::AutovacuumSettings {
        *self.inner.autovacuum.lock()
    }

    /// Runs one autoanalyze pass now (what the background worker does
    /// every naptime): analyzes each table whose rows changed more than
    /// PostgreSQL's threshold since it was last analyzed; returns the
    /// (database oid, table oid) of each table analyzed.
    pub fn autoanalyze_now(&self) -> Result<Vec<(u32, u32)>> {
        let begin = |db: u32| self.begin(db, crate::autoanalyze::txn_options());
        crate::autoanalyze::run_pass::<S>(&begin, &self.inner.changes, micros_since_2000())
    }

    /// The directory statements write their temporary files to.
    pub fn temp_dir(&self) -> &Arc<crate::exec::spill::temp_files::TempDir> {
        &self.inner.temp_dir
    }

    /// The shared state of the database's sequences.
    pub(crate) fn sequence_states(&self) -> &crate::exec::sequence::SequenceStates {
        &self.inner.sequences
    }

    /// A new session on database `postgres` (an embedder's default; it
    /// keeps working on that key range even if `postgres` was dropped).
    pub fn session(&self) -> Session<S> {
        Session::new(self.clone(), POSTGRES_OID, "postgres")
    }

    /// A new session on database `name`: 3D000 if there is none, 55000 if
    /// it does not allow connections (`template0`), 53300 when its
    /// connection limit is reached, as PostgreSQL's start-up.
    pub fn session_on(&self, name: &str) -> Result<Session<S>> {
        let desc = self.lookup_database(name)?.ok_or_else(|| {
            EngineError::new(
                SqlState::InvalidCatalogName,
                format!("database \"{name}\" does not exist"),
            )
        })?;
        if !desc.allow_connections {
            return Err(EngineError::new(
                SqlState::ObjectNotInPrerequisiteState,
                format!("database \"{name}\" is not currently accepting connections"),
            ));
        }
        if desc.connection_limit >= 0
            && self.sessions_on(desc.oid, 0) >= desc.connection_limit as usize
        {
            return Err(EngineError::new(
                SqlState::TooManyConnections,
                format!("too many connections for database \"{name}\""),
            ));
        }
        let mut session = Session::new(self.clone(), desc.oid, name);
        session.apply_settings(&desc.settings);
        Ok(session)
    }

    /// Database `name` as committed now.
    pub fn lookup_database(&self, name: &str) -> Result<Option<DatabaseDesc>> {
        let mut txn = self
            .inner
            .store
            .begin(rocksgres_storage::TxnOptions::default())?;
        let d = databases::lookup(&mut txn, name);
        txn.rollback();
        d
    }

    /// Starts a store transaction that reads and writes database `db`'s
    /// keys (see [`crate::db_txn`]): what sessions run in, and what tests
    /// and tools that work on the catalog directly use.
    pub fn begin(&self, db: u32, options: rocksgres_storage::TxnOptions) -> Result<DbTxn<S::Txn>> {
        Ok(DbTxn::counted(
            self.inner.store.begin(options)?,
            db,
            Arc::clone(&self.inner.changes),
        ))
    }

    /// Lists a new session on database `db`.
    pub(crate) fn register_session(
        &self,
        db: u32,
        cancel: Arc<std::sync::atomic::AtomicBool>,
    ) -> SessionTicket {
        let id = self
            .inner
            .next_session_id
            .fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        let terminate = Arc::new(std::sync::atomic::AtomicBool::new(false));
        self.inner.sessions.lock().push(SessionEntry {
            id,
            database: db,
            terminate: Arc::clone(&terminate),
            cancel,
        });
        SessionTicket { id, terminate }
    }

    /// Removes session `id` from the list.
    pub(crate) fn unregister_session(&self, id: u64) {
        self.inner.sessions.lock().retain(|s| s.id != id);
    }

    /// How many sessions but `except` are connected to database `db`. A
    /// session [`Database::terminate_sessions_on`] ended does not count: it
    /// runs no statement any more (its running one is cancelled), whether
    /// or not its embedder has dropped it yet.
    pub(crate) fn sessions_on(&self, db: u32, except: u64) -> usize {
        self.inner
            .sessions
            .lock()
            .iter()
            .filter(|s| {
                s.database == db
                    && s.id != except
                    && !s.terminate.load(std::sync::atomic::Ordering::Relaxed)
            })
            .count()
    }

    /// Asks every session on database `db` but `except` to end (DROP
    /// DATABASE ... WITH (FORCE)); how many there were.
    pub(crate) fn terminate_sessions_on(&self, db: u32, except: u64) -> usize {
        let sessions = self.inner.sessions.lock();
        let mut n = 0;
        for s in sessions
            .iter()
            .filter(|s| s.database == db && s.id != except)
        {
            s.terminate
                .store(true, std::sync::atomic::Ordering::Relaxed);
            s.cancel.store(true, std::sync::atomic::Ordering::Relaxed);
            n += 1;
        }
        n
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
        let all = databases::all(&mut txn);
        txn.rollback();
        for d in all? {
            let mut txn = self.begin(d.oid, rocksgres_storage::TxnOptions::default())?;
            match crate::catalog::temp::drop_temp_tables(&mut txn, None) {
                Ok(_) => {
                    txn.commit()?;
                }
                Err(e) => {
                    txn.rollback();
                    return Err(e);
                }
            }
        }
        Ok(())
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

/// The hidden row ids of one database's tables (what INSERT takes them
/// from; see [`Database::rowids`]).
pub(crate) struct DatabaseRowIds<'a, S: Store> {
    db: &'a Database<S>,
    database: u32,
}

impl<S: Store> Database<S> {
    /// The hidden row ids of database `database`'s tables.
    pub(crate) fn rowids(&self, database: u32) -> DatabaseRowIds<'_, S> {
        DatabaseRowIds { db: self, database }
    }
}

impl<S: Store> RowIds for DatabaseRowIds<'_, S> {
    fn next_rowid<T: Transaction>(&self, txn: &mut T, table: &TableDesc) -> Result<i64> {
        let mut map = self.db.inner.rowids.lock();
        let id = (self.database, table.storage_id);
        if let Some(next) = map.get_mut(&id) {
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
        map.insert(id, last + 1);
        Ok(last + 1)
    }
}

/// Microseconds since 2000-01-01 UTC, PostgreSQL's timestamp epoch.
fn micros_since_2000() -> i64 {
    const PG_EPOCH_UNIX_SECS: i64 = 946_684_800;
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap_or_default();
    now.as_micros() as i64 - PG_EPOCH_UNIX_SECS * 1_000_000
}

/// Starts the autovacuum worker of the database `inner` points to: it
/// wakes every naptime and runs [`Database::autoanalyze_now`] while
/// autovacuum is on, and ends once the database is gone (it holds the
/// database only during a pass). A pass that fails leaves the counts for
/// the next one.
fn spawn_autovacuum<S: Store>(inner: std::sync::Weak<Inner<S>>) {
    const TICK: std::time::Duration = std::time::Duration::from_millis(100);
    let worker = move || {
        let mut slept = std::time::Duration::ZERO;
        loop {
            std::thread::sleep(TICK);
            slept += TICK;
            let Some(inner) = inner.upgrade() else {
                return;
            };
            let settings = *inner.autovacuum.lock();
            if slept < settings.naptime {
                continue;
            }
            slept = std::time::Duration::ZERO;
            if settings.enabled {
                let db = Database { inner };
                let _ = db.autoanalyze_now();
            }
        }
    };
    // Without a thread (none can be started) there is no autoanalyze;
    // everything else works.
    let _ = std::thread::Builder::new()
        .name("rocksgres-autovacuum".into())
        .spawn(worker);
}
