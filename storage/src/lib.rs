//! Rocksgres storage: a transactional, multi-versioned, ordered key-value
//! store.
//!
//! Layers, bottom up:
//! * [`backend`]: raw ordered maps with atomic batches — RocksDB
//!   ([`backend::rocks`]) and in memory ([`backend::memory`]);
//! * [`mvcc`]: versions keyed by inverted commit timestamps, the timestamp
//!   oracle with its visible watermark, buffered writes committed as one
//!   batch, row locks with deadlock detection, snapshot isolation, and GC of
//!   shadowed versions;
//! * [`api`]: the [`Store`] / [`Transaction`] traits the SQL engine uses.
//!   They mention no backend type, so the engine never sees RocksDB.
//!
//! ```
//! use rocksgres_storage::{MemoryStore, Store, Transaction, TxnOptions};
//!
//! let store = MemoryStore::new();
//! let mut txn = store.begin(TxnOptions::default()).unwrap();
//! txn.put(b"k\0", b"v").unwrap();
//! txn.commit().unwrap();
//!
//! let mut txn = store.begin(TxnOptions::default()).unwrap();
//! let mut out = Vec::new();
//! assert!(txn.get(b"k\0", &mut out).unwrap());
//! assert_eq!(out, b"v");
//! ```

#![warn(missing_docs)]

pub mod api;
pub mod backend;
pub mod error;
pub mod mvcc;

pub use api::{
    CommitInfo, Direction, Durability, EntryVisitor, Isolation, KeyRange, LatestRead, SnapshotScan,
    Store, Timestamp, Transaction, TxnId, TxnOptions,
};
pub use error::{Result, StorageError};
pub use mvcc::cursor::MvccCursor;
pub use mvcc::locks::{LockMode, LockStatus, LockTarget, WaitLimits};
pub use mvcc::row_lock::{RowLockStrength, RowLockWait};
pub use mvcc::store::{MemoryStore, MvccStore, RocksStore, StoreOptions};
pub use mvcc::txn::MvccTxn;
