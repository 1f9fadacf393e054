//! A session's temporary tables: its temp schema, the ON COMMIT actions of
//! its temp tables, and dropping them all when the session ends.
//!
//! The session borrows a small number `n` from its [`Database`] for its
//! lifetime; its temp schema is `pg_temp_<n>` (see [`crate::catalog::temp`]
//! for how names resolve through it). `CREATE TEMP TABLE ... ON COMMIT
//! DROP | DELETE ROWS` registers the table's action in a list shared with
//! the executing statement; just before any transaction of the session
//! commits (explicit COMMIT, an autocommit statement, an implicit block),
//! [`Session::pre_commit`] runs the actions in that transaction. When the
//! session ends, its temp tables are dropped in one transaction and the
//! number is returned (kept back if that failed, so that no later session
//! inherits the tables).

use rocksgres_storage::{Store, Transaction, TxnOptions};

use super::Session;
use crate::catalog::temp::{self, OnCommitActions, SearchPath};
use crate::database::Database;
use crate::db_txn::DbTxn;
use crate::error::Result;

/// The temp-table state of a session.
pub(super) struct TempTables {
    /// The number of the temp schema, `None` once given back.
    number: Option<u32>,
    path: SearchPath,
    on_commit: OnCommitActions,
    /// Whether the session ran a CREATE TABLE (so may own temp tables).
    may_have_tables: bool,
    /// The oid of the session's database (where its temp tables live).
    database: u32,
}

impl TempTables {
    /// The state of a new session of `db`.
    pub(super) fn new<S: Store>(db: &Database<S>, database: u32) -> Self {
        let number = db.acquire_temp_number();
        TempTables {
            number: Some(number),
            path: SearchPath::with_temp(number),
            on_commit: OnCommitActions::default(),
            may_have_tables: false,
            database,
        }
    }

    /// The session's search path.
    pub(super) fn search_path(&self) -> &SearchPath {
        &self.path
    }

    /// The ON COMMIT action list (shared with the running statement).
    pub(super) fn on_commit(&self) -> OnCommitActions {
        OnCommitActions::clone(&self.on_commit)
    }

    /// Notes that the session may have created a temp table.
    pub(super) fn may_have_tables(&mut self) {
        self.may_have_tables = true;
    }

    /// A transaction rolled back: the tables it created are gone with it.
    pub(super) fn rolled_back(&self) {
        self.on_commit.lock().rolled_back();
    }

    /// A transaction committed.
    pub(super) fn committed(&self) {
        self.on_commit.lock().committed();
    }

    /// The mark a savepoint keeps (see [`TempTables::rollback_to`]).
    pub(super) fn savepoint(&self) -> usize {
        self.on_commit.lock().pending_len()
    }

    /// ROLLBACK TO the savepoint that kept `mark`.
    pub(super) fn rollback_to(&self, mark: usize) {
        self.on_commit.lock().rollback_to(mark);
    }

    /// The session ends: drops its temp tables and gives the number back.
    pub(super) fn end_session<S: Store>(&mut self, db: &Database<S>) {
        let Some(number) = self.number.take() else {
            return;
        };
        if self.may_have_tables {
            let Some(schema) = self.path.temp_schema() else {
                return;
            };
            match drop_all(db, self.database, schema) {
                Ok(0) => {}
                Ok(_) => db.bump_catalog_version(),
                // The tables stay (a restart drops them) and so does the
                // number: no later session may find them in its schema.
                Err(_) => return,
            }
        }
        db.release_temp_number(number);
    }
}

/// Drops every table of `schema` in one transaction; how many.
fn drop_all<S: Store>(db: &Database<S>, database: u32, schema: &str) -> Result<usize> {
    let mut txn = db.begin(database, TxnOptions::default())?;
    match temp::drop_temp_tables(&mut txn, Some(schema)) {
        Ok(n) => {
            txn.commit()?;
            Ok(n)
        }
        Err(e) => {
            txn.rollback();
            Err(e)
        }
    }
}

impl<S: Store> Session<S> {
    /// Runs the rest of the lazy WITH HOLD cursors' queries, the deferred
    /// foreign key checks, then the ON COMMIT actions,
    /// in `txn`, which is about to commit; a catalog change counts as DDL
    /// of the transaction.
    pub(super) fn pre_commit(&mut self, txn: &mut DbTxn<S::Txn>) -> Result<()> {
        self.drain_hold_cursors(txn)?;
        if !self.deferred.lock().is_empty() {
            let mut ctx = crate::exec::ctx::Ctx::new(&mut *txn, &[], super::micros_since_2000());
            ctx.interrupt = self.interrupts().interrupt();
            crate::exec::deferred_fks::check_due(&self.deferred, true, &mut ctx)?;
        }
        if temp::run_on_commit(txn, &self.temp.on_commit)? {
            self.ddl_in_txn = true;
        }
        Ok(())
    }
}
