//! Table locks: which lock each statement takes, and what it does when a
//! lock shows that the definition it planned with may be out of date.
//!
//! Every statement locks the tables it uses, as PostgreSQL does, with the
//! storage layer's lock table ([`rocksgres_storage::Transaction::lock_table`]):
//! ACCESS SHARE for tables a query reads, ROW SHARE for `SELECT ... FOR
//! UPDATE/SHARE`, ROW EXCLUSIVE for the target of INSERT, UPDATE and
//! DELETE, SHARE for CREATE INDEX, ACCESS EXCLUSIVE for DROP, TRUNCATE,
//! ALTER TABLE and DROP INDEX, and whatever `LOCK TABLE` names. Locks are
//! held until the transaction ends.
//!
//! Planning reads table definitions at the statement's snapshot, and a
//! plan may come from the plan cache, made at an older snapshot, so a lock
//! is taken *after* the definition was read. The lock table therefore
//! reports whether a transaction holding a conflicting mode committed after
//! the snapshot the definition was read at (a plan remembers it; see the
//! storage lock table's docs): a TRUNCATE that gave the table new
//! storage, an ALTER that changed its columns, or -- for CREATE INDEX --
//! an INSERT whose row the index build must see. Then:
//! * READ COMMITTED takes a new snapshot and plans again (locks already
//!   held are granted at once), as PostgreSQL re-reads its catalog after
//!   acquiring a lock;
//! * REPEATABLE READ cannot move its snapshot: a statement that would
//!   write from the old definition fails with 40001 (a read goes on at its
//!   snapshot, where the old definition and its rows are still visible).

use rocksgres_storage::{Isolation, LockMode, StorageError, Timestamp, Transaction};
use smallvec::SmallVec;

use super::TableDesc;
use crate::error::{EngineError, Result, SqlState};

/// How often a READ COMMITTED statement re-plans after finding a table
/// changed before it gives up with 40001 (each round needs a new
/// conflicting commit in the few microseconds between snapshot and lock).
pub const MAX_REPLANS: usize = 16;

/// Takes `mode` on table `id` (named `name` in errors). Returns whether its
/// definition, read at a snapshot of `read_at`, may be out of date in a way
/// that matters for `mode` (see the module docs).
pub fn lock_table<T: Transaction>(
    txn: &mut T,
    id: u32,
    name: &str,
    mode: LockMode,
    nowait: bool,
    read_at: Timestamp,
) -> Result<bool> {
    match txn.lock_table(id, mode, nowait, read_at) {
        Ok(changed) => Ok(changed
            && (txn.isolation() == Isolation::ReadCommitted || mode >= LockMode::RowExclusive)),
        Err(StorageError::LockNotAvailable) => Err(EngineError::new(
            SqlState::LockNotAvailable,
            format!("could not obtain lock on relation \"{name}\""),
        )),
        Err(e) => Err(e.into()),
    }
}

/// The error for a REPEATABLE READ statement whose table changed after
/// its snapshot.
pub fn changed_under_snapshot() -> EngineError {
    EngineError::new(
        SqlState::SerializationFailure,
        "could not serialize access due to concurrent update",
    )
}

/// After a lock reported a change: takes a new snapshot (READ COMMITTED)
/// or fails with 40001 (REPEATABLE READ).
pub fn refresh_after_change<T: Transaction>(txn: &mut T) -> Result<()> {
    if txn.isolation() == Isolation::ReadCommitted {
        txn.refresh_snapshot()?;
        Ok(())
    } else {
        Err(changed_under_snapshot())
    }
}

/// Finds a table with `find` and locks it in `mode`, reading it again
/// (with a new snapshot) for as long as the lock reports a change, so the
/// definition returned is the one in force while the lock is held. `None`
/// when `find` finds nothing.
pub fn lock_found<T: Transaction>(
    txn: &mut T,
    mode: LockMode,
    mut find: impl FnMut(&mut T) -> Result<Option<TableDesc>>,
) -> Result<Option<TableDesc>> {
    for _ in 0..MAX_REPLANS {
        let read_at = txn.snapshot_ts();
        let Some(table) = find(txn)? else {
            return Ok(None);
        };
        if !lock_table(txn, table.id, &table.name, mode, false, read_at)? {
            return Ok(Some(table));
        }
        refresh_after_change(txn)?;
    }
    Err(changed_under_snapshot())
}

/// Reads table `schema.name` and locks it in `mode` (see [`lock_found`]).
pub fn lock_named<T: Transaction>(
    txn: &mut T,
    schema: &str,
    name: &str,
    mode: LockMode,
) -> Result<Option<TableDesc>> {
    lock_found(txn, mode, |txn| super::lookup_table(txn, schema, name))
}

/// The table locks a plan takes before it runs: each (table, mode) once,
/// in the order planning met them.
#[derive(Debug, Clone, Default)]
pub struct TableLocks {
    locks: SmallVec<[(u32, LockMode); 2]>,
    names: SmallVec<[String; 2]>,
}

impl TableLocks {
    /// Adds `mode` on table `table`.
    pub fn add(&mut self, table: &TableDesc, mode: LockMode) {
        if !self.locks.contains(&(table.id, mode)) {
            self.locks.push((table.id, mode));
            self.names.push(table.name.clone());
        }
    }

    /// Whether no table is locked.
    pub fn is_empty(&self) -> bool {
        self.locks.is_empty()
    }

    /// Makes every lock at least `mode` (`SELECT ... FOR UPDATE`).
    pub fn at_least(&mut self, mode: LockMode) {
        for (_, m) in &mut self.locks {
            *m = (*m).max(mode);
        }
    }

    /// Makes the lock of `table` at least `mode` (a table whose rows
    /// `SELECT ... FOR UPDATE` locks gets ROW SHARE), adding it if absent.
    pub fn raise(&mut self, table: &TableDesc, mode: LockMode) {
        let mut found = false;
        for (id, m) in &mut self.locks {
            if *id == table.id {
                *m = (*m).max(mode);
                found = true;
            }
        }
        if !found {
            self.add(table, mode);
        }
    }

    /// Takes every lock; whether any reported a change after `read_at`
    /// (the snapshot the plan was made at) that matters.
    pub fn acquire<T: Transaction>(&self, txn: &mut T, read_at: Timestamp) -> Result<bool> {
        let mut changed = false;
        for ((id, mode), name) in self.locks.iter().zip(&self.names) {
            changed |= lock_table(txn, *id, name, *mode, false, read_at)?;
        }
        Ok(changed)
    }
}
