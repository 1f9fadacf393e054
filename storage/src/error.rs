//! The storage layer's one error enum.
//!
//! Every failure the transactional store can report is one of a handful of
//! kinds. The engine maps them to SQLSTATE codes at its boundary
//! (`Serialization` -> 40001, `Deadlock` -> 40P01, `LockTimeout` and `LockNotAvailable` -> 55P03,
//! `WaitDeadline` and `WaitCanceled` -> 57014, the rest -> XX000-class
//! internal errors); storage itself never sees SQL.

use std::fmt;

/// Errors of the transactional key-value store.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum StorageError {
    /// A concurrent transaction committed a write to a key this snapshot
    /// transaction also writes (first updater wins); retry the transaction.
    Serialization,
    /// This transaction was chosen as the victim of a lock-wait cycle.
    Deadlock,
    /// A lock could not be acquired within the lock timeout.
    LockTimeout,
    /// A NOWAIT lock request found the lock taken.
    LockNotAvailable,
    /// A lock wait passed the deadline of its [`crate::WaitLimits`].
    WaitDeadline,
    /// A lock wait was cancelled through its [`crate::WaitLimits`] flag.
    WaitCanceled,
    /// The backing engine reported an I/O or internal error.
    Engine(String),
    /// Stored bytes could not be interpreted (a bug or on-disk corruption).
    Corruption(String),
}

impl fmt::Display for StorageError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            StorageError::Serialization => {
                f.write_str("could not serialize access due to concurrent update")
            }
            StorageError::Deadlock => f.write_str("deadlock detected"),
            StorageError::LockTimeout => f.write_str("canceling statement due to lock timeout"),
            StorageError::LockNotAvailable => f.write_str("could not obtain lock"),
            StorageError::WaitDeadline => f.write_str("lock wait passed its deadline"),
            StorageError::WaitCanceled => f.write_str("lock wait cancelled"),
            StorageError::Engine(msg) => write!(f, "storage engine error: {msg}"),
            StorageError::Corruption(msg) => write!(f, "corrupt stored data: {msg}"),
        }
    }
}

impl std::error::Error for StorageError {}

/// Result alias of the storage layer.
pub type Result<T, E = StorageError> = std::result::Result<T, E>;
