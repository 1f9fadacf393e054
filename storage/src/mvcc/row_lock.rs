//! PostgreSQL's four row lock strengths, on the one lock table.
//!
//! A row lock is an entry of [`crate::mvcc::locks::LockTable`] keyed by the
//! hash of the row's key. Rather than a second conflict table, each
//! strength is granted as the table lock mode whose conflicts with the
//! other three modes used are exactly PostgreSQL's row lock conflicts
//! (`FOR KEY SHARE` < `FOR SHARE` < `FOR NO KEY UPDATE` < `FOR UPDATE`):
//!
//! | strength | mode | conflicts with |
//! |---|---|---|
//! | `FOR KEY SHARE` | ACCESS SHARE | UPDATE |
//! | `FOR SHARE` | SHARE | NO KEY UPDATE, UPDATE |
//! | `FOR NO KEY UPDATE` | SHARE ROW EXCLUSIVE | SHARE, NO KEY UPDATE, UPDATE |
//! | `FOR UPDATE` | ACCESS EXCLUSIVE | all |
//!
//! (ACCESS SHARE conflicts only with ACCESS EXCLUSIVE; SHARE not with
//! itself nor ACCESS SHARE; SHARE ROW EXCLUSIVE with itself, SHARE and
//! ACCESS EXCLUSIVE but not ACCESS SHARE.) So share locks never block each
//! other, the deadlock detector sees row and table waits alike, and a
//! transaction holding a stronger strength already holds every weaker one
//! (the lock table treats a held row mode as covering any mode whose
//! conflicts are a subset of its own). Writes (`put`, `delete`) take at
//! least `FOR NO KEY UPDATE`; the engine takes `FOR UPDATE` first where
//! PostgreSQL does (DELETE, an UPDATE of key columns).

use crate::mvcc::locks::LockMode;

/// A row lock strength, weakest first.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum RowLockStrength {
    /// `FOR KEY SHARE`: blocks only deleting the row or changing its key.
    KeyShare,
    /// `FOR SHARE`: blocks every change of the row.
    Share,
    /// `FOR NO KEY UPDATE`: what an UPDATE that keeps the key takes.
    NoKeyUpdate,
    /// `FOR UPDATE`: what DELETE and an UPDATE of key columns take.
    Update,
}

impl RowLockStrength {
    /// The lock table mode that carries this strength (see the module docs).
    pub fn lock_mode(self) -> LockMode {
        match self {
            RowLockStrength::KeyShare => LockMode::AccessShare,
            RowLockStrength::Share => LockMode::Share,
            RowLockStrength::NoKeyUpdate => LockMode::ShareRowExclusive,
            RowLockStrength::Update => LockMode::AccessExclusive,
        }
    }

    /// The clause's SQL spelling (`FOR NO KEY UPDATE`, ...).
    pub fn sql(self) -> &'static str {
        match self {
            RowLockStrength::KeyShare => "FOR KEY SHARE",
            RowLockStrength::Share => "FOR SHARE",
            RowLockStrength::NoKeyUpdate => "FOR NO KEY UPDATE",
            RowLockStrength::Update => "FOR UPDATE",
        }
    }
}

/// What a row lock request does when another transaction holds a
/// conflicting lock.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Default)]
pub enum RowLockWait {
    /// Wait for it (with deadlock detection, lock timeout and wait limits).
    #[default]
    Block,
    /// `SKIP LOCKED`: give up on the row without error.
    Skip,
    /// `NOWAIT`: fail with [`crate::StorageError::LockNotAvailable`].
    NoWait,
}

#[cfg(test)]
mod tests {
    use super::RowLockStrength::{self, *};
    use super::RowLockWait::{NoWait, Skip};
    use crate::{MemoryStore, StorageError, Store, Transaction, TxnOptions};

    /// PostgreSQL's row lock conflict table (the docs' "Conflicting Row-Level
    /// Locks").
    fn pg_conflicts(a: RowLockStrength, b: RowLockStrength) -> bool {
        matches!(
            (a.min(b), a.max(b)),
            (_, Update) | (Share, NoKeyUpdate) | (NoKeyUpdate, NoKeyUpdate)
        )
    }

    #[test]
    fn modes_conflict_as_postgresql_row_locks() {
        let all = [KeyShare, Share, NoKeyUpdate, Update];
        for a in all {
            for b in all {
                assert_eq!(
                    a.lock_mode().conflicts_with(b.lock_mode()),
                    pg_conflicts(a, b),
                    "{a:?} vs {b:?}"
                );
            }
        }
    }

    #[test]
    fn transactions_take_strengths_as_postgresql() {
        let store = MemoryStore::new();
        let mut setup = store.begin(TxnOptions::default()).unwrap();
        setup.put(b"k\0", b"v").unwrap();
        setup.commit().unwrap();
        let mut out = Vec::new();
        let mut t1 = store.begin(TxnOptions::default()).unwrap();
        let mut t2 = store.begin(TxnOptions::default()).unwrap();
        // Shares do not block each other.
        assert_eq!(
            t1.get_for_lock(b"k\0", &mut out, Share, NoWait),
            Ok(Some(true))
        );
        assert_eq!(out, b"v");
        assert_eq!(
            t2.get_for_lock(b"k\0", &mut out, KeyShare, NoWait),
            Ok(Some(true))
        );
        assert_eq!(
            t2.get_for_lock(b"k\0", &mut out, Share, NoWait),
            Ok(Some(true))
        );
        // A writer meets them: NOWAIT fails, SKIP LOCKED skips.
        assert_eq!(
            t2.get_for_lock(b"k\0", &mut out, NoKeyUpdate, NoWait),
            Err(StorageError::LockNotAvailable)
        );
        assert_eq!(t2.get_for_lock(b"k\0", &mut out, Update, Skip), Ok(None));
        t1.rollback();
        // Alone now: t2 upgrades; a weaker request is already held.
        assert_eq!(
            t2.get_for_lock(b"k\0", &mut out, Update, NoWait),
            Ok(Some(true))
        );
        assert_eq!(
            t2.get_for_lock(b"k\0", &mut out, KeyShare, NoWait),
            Ok(Some(true))
        );
        let mut t3 = store.begin(TxnOptions::default()).unwrap();
        assert_eq!(t3.get_for_lock(b"k\0", &mut out, KeyShare, Skip), Ok(None));
        t2.rollback();
        // KEY SHARE lets a write of the row (FOR NO KEY UPDATE) in, not a
        // FOR UPDATE.
        assert_eq!(
            t3.get_for_lock(b"k\0", &mut out, KeyShare, NoWait),
            Ok(Some(true))
        );
        let mut t4 = store.begin(TxnOptions::default()).unwrap();
        assert_eq!(
            t4.get_for_lock(b"k\0", &mut out, NoKeyUpdate, NoWait),
            Ok(Some(true))
        );
        t4.put(b"k\0", b"w").unwrap();
        assert_eq!(
            t4.get_for_lock(b"k\0", &mut out, Update, NoWait),
            Err(StorageError::LockNotAvailable)
        );
        t4.commit().unwrap();
        assert_eq!(
            t3.get_for_lock(b"k\0", &mut out, Share, NoWait),
            Ok(Some(true))
        );
        assert_eq!(out, b"w");
    }
}
