//! `LOCK [TABLE] [ONLY] name [*] [, ...] [IN mode MODE] [NOWAIT]`.
//!
//! Takes the named mode (ACCESS EXCLUSIVE by default) on each table in
//! order, through the same lock table as every statement's implicit locks
//! (see [`crate::catalog::lock`]), so it waits, times out, is cancelled and
//! takes part in deadlock detection like them. NOWAIT fails with 55P03 at
//! the first table that is not free. The session checks that a transaction
//! block is open (25P01) and that a read-only one asks for no more than
//! ROW EXCLUSIVE (25006), as PostgreSQL does.

use rocksgres_storage::{LockMode, Transaction};
use sqlparser::ast;

use crate::catalog::{self, lock, Relation, SearchPath};
use crate::error::{EngineError, Result, SqlState};

/// The lock mode a LOCK statement asks for.
pub fn requested_mode(l: &ast::Lock) -> LockMode {
    use ast::LockTableMode as M;
    match l.lock_mode {
        Some(M::AccessShare) => LockMode::AccessShare,
        Some(M::RowShare) => LockMode::RowShare,
        Some(M::RowExclusive) => LockMode::RowExclusive,
        Some(M::ShareUpdateExclusive) => LockMode::ShareUpdateExclusive,
        Some(M::Share) => LockMode::Share,
        Some(M::ShareRowExclusive) => LockMode::ShareRowExclusive,
        Some(M::Exclusive) => LockMode::Exclusive,
        Some(M::AccessExclusive) | None => LockMode::AccessExclusive,
    }
}

/// Runs a LOCK statement in `txn`.
pub fn lock_tables<T: Transaction>(txn: &mut T, path: &SearchPath, l: &ast::Lock) -> Result<()> {
    let mode = requested_mode(l);
    for target in &l.tables {
        let read_at = txn.snapshot_ts();
        let table = match catalog::resolve_relation(txn, path, &target.name)? {
            Relation::Table(t) => t,
            Relation::Type(_) | Relation::Domain(_) => {
                return Err(EngineError::internal("a type is not a relation"))
            }
            Relation::View(v) => {
                return Err(EngineError::unsupported(format!(
                    "LOCK TABLE on view \"{}\" (locking a view's tables is being built)",
                    v.name
                )))
            }
            Relation::Sequence(s) => {
                return Err(EngineError::new(
                    SqlState::WrongObjectType,
                    format!("cannot lock relation \"{}\"", s.name),
                )
                .with_detail("This operation is not supported for sequences."))
            }
            Relation::System(s) => {
                return Err(EngineError::unsupported(format!(
                    "LOCK TABLE on system catalog \"{}\"",
                    s.name
                )))
            }
        };
        // The definition is not used, so a concurrent change needs no
        // new snapshot.
        let _ = lock::lock_table(txn, table.id, &table.name, mode, l.nowait, read_at)?;
    }
    Ok(())
}
