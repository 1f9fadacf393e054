//! Taking a row lock for a locking clause or a row change.
//!
//! The strengths and their conflicts live in the storage layer
//! (`rocksgres_storage::RowLockStrength`); this module maps a refused
//! `NOWAIT` request to PostgreSQL's error and picks the strength an UPDATE
//! or DELETE takes: DELETE and an UPDATE that assigns a key column (one
//! of the primary key or of an immediate unique index, PostgreSQL's "key"
//! columns) take `FOR UPDATE`, any other UPDATE `FOR NO KEY UPDATE`, so a
//! `FOR KEY SHARE` reader does not block it.

use rocksgres_storage::{RowLockStrength, RowLockWait, StorageError, Transaction};

use crate::catalog::TableDesc;
use crate::error::{EngineError, Result, SqlState};
use crate::exec::ctx::Ctx;
use crate::plan::locking::RowLock;

/// Locks row `key` of `table` as `lock` says and reads its newest version
/// into `value`: `Some(found)`, or `None` when SKIP LOCKED skipped it.
pub fn lock_row<T: Transaction>(
    ctx: &mut Ctx<'_, T>,
    table: &TableDesc,
    lock: RowLock,
    key: &[u8],
    value: &mut Vec<u8>,
) -> Result<Option<bool>> {
    match ctx.txn.get_for_lock(key, value, lock.strength, lock.wait) {
        Ok(found) => Ok(found),
        Err(StorageError::LockNotAvailable) => Err(EngineError::new(
            SqlState::LockNotAvailable,
            format!(
                "could not obtain lock on row in relation \"{}\"",
                table.name
            ),
        )),
        Err(e) => Err(e.into()),
    }
}

/// The row lock strength an UPDATE assigning `columns` (a DELETE: none)
/// takes on each row it changes.
pub fn modify_strength(
    table: &TableDesc,
    delete: bool,
    mut columns: impl Iterator<Item = usize>,
) -> RowLockStrength {
    let in_key = |ics: &[crate::catalog::IndexColumn], c: usize| {
        ics.iter().any(|ic| ic.expr.is_none() && ic.column == c)
    };
    let is_key = |c: usize| {
        in_key(&table.primary().columns, c)
            || table
                .indexes
                .iter()
                .filter(|i| i.unique && i.predicate.is_none())
                .any(|i| in_key(&i.columns, c))
    };
    if delete || columns.any(is_key) {
        RowLockStrength::Update
    } else {
        RowLockStrength::NoKeyUpdate
    }
}

/// Locks row `key` of `table` for an UPDATE or DELETE with `strength`
/// (waiting) and reads its newest version into `value`.
pub fn lock_for_change<T: Transaction>(
    ctx: &mut Ctx<'_, T>,
    strength: RowLockStrength,
    key: &[u8],
    value: &mut Vec<u8>,
) -> Result<bool> {
    Ok(ctx
        .txn
        .get_for_lock(key, value, strength, RowLockWait::Block)?
        .unwrap_or(false))
}

/// The EXPLAIN detail of a locking scan.
pub fn explain_detail(lock: RowLock) -> String {
    let what = match lock.strength {
        RowLockStrength::KeyShare => "for key share",
        RowLockStrength::Share => "for share",
        RowLockStrength::NoKeyUpdate => "for no key update",
        RowLockStrength::Update => "for update",
    };
    let wait = match lock.wait {
        RowLockWait::Block => "",
        RowLockWait::Skip => ", skip locked",
        RowLockWait::NoWait => ", nowait",
    };
    format!("Lock: rows locked {what}{wait}")
}
