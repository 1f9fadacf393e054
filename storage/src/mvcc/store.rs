//! The MVCC store: one implementation of [`Store`] for every [`Backend`].
//!
//! [`MvccStore`] owns the shared pieces every transaction uses: the backend,
//! the timestamp oracle, the row lock table, and the GC thresholds. Opening
//! a store resumes the oracle after the timestamps reserved by the previous
//! run (see [`crate::mvcc::oracle`]).

use std::path::Path;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::Duration;

use crate::api::{Store, Timestamp, TxnOptions};
use crate::backend::memory::MemoryBackend;
use crate::backend::rocks::{RocksBackend, RocksOptions};
use crate::backend::Backend;
use crate::error::{Result, StorageError};
use crate::mvcc::gc::GcState;
use crate::mvcc::locks::LockTable;
use crate::mvcc::oracle::Oracle;
use crate::mvcc::txn::MvccTxn;
use crate::mvcc::write_buffer::BufferPool;

/// Metadata key of the oracle's durable timestamp reservation.
pub(crate) const RESERVED_TS_KEY: &[u8] = b"oracle.reserved_ts";

/// Prefix of the metadata keys of [`Store::put_unversioned`] values.
const UNVERSIONED_PREFIX: &[u8] = b"unversioned.";

/// Options of a store, independent of the backend.
#[derive(Debug, Clone)]
pub struct StoreOptions {
    /// How often a lock waiter re-checks for a deadlock.
    pub deadlock_check_interval: Duration,
    /// RocksDB tuning (ignored by the in-memory backend).
    pub rocks: RocksOptions,
}

impl Default for StoreOptions {
    fn default() -> Self {
        StoreOptions {
            deadlock_check_interval: Duration::from_millis(100),
            rocks: RocksOptions::default(),
        }
    }
}

/// State shared by a store and its transactions.
pub struct Shared<B: Backend> {
    pub(crate) backend: B,
    pub(crate) oracle: Oracle,
    pub(crate) locks: LockTable,
    pub(crate) gc: Arc<GcState>,
    /// Idle write buffers, recycled between transactions.
    pub(crate) buffers: BufferPool,
    next_txn: AtomicU64,
    applied: AtomicU64,
}

impl<B: Backend> Shared<B> {
    /// Number of commits applied so far in this process.
    pub(crate) fn applied(&self) -> u64 {
        self.applied.load(Ordering::Acquire)
    }

    pub(crate) fn note_applied(&self) {
        self.applied.fetch_add(1, Ordering::AcqRel);
    }

    pub(crate) fn next_txn_id(&self) -> u64 {
        self.next_txn.fetch_add(1, Ordering::Relaxed)
    }

    pub(crate) fn persist_reservation(&self, ts: Timestamp) -> Result<()> {
        self.backend
            .put_meta(RESERVED_TS_KEY, &ts.to_be_bytes(), true)
    }
}

/// A transactional MVCC store over backend `B`.
pub struct MvccStore<B: Backend> {
    shared: Arc<Shared<B>>,
}

impl<B: Backend> Clone for MvccStore<B> {
    fn clone(&self) -> Self {
        MvccStore {
            shared: Arc::clone(&self.shared),
        }
    }
}

impl<B: Backend> std::fmt::Debug for MvccStore<B> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("MvccStore")
            .field("watermark", &self.shared.oracle.watermark())
            .finish()
    }
}

/// The RocksDB-backed store (the product).
pub type RocksStore = MvccStore<RocksBackend>;

/// The in-memory store.
pub type MemoryStore = MvccStore<MemoryBackend>;

impl RocksStore {
    /// Opens or creates a store in directory `path`.
    pub fn open(path: impl AsRef<Path>, options: StoreOptions) -> Result<Self> {
        let gc = Arc::new(GcState::default());
        let backend = RocksBackend::open(path.as_ref(), &options.rocks, Arc::clone(&gc))?;
        MvccStore::with_backend(backend, gc, &options)
    }

    /// The backend (for inspection in tests and tools).
    pub fn backend(&self) -> &RocksBackend {
        &self.shared.backend
    }
}

impl MemoryStore {
    /// A new, empty in-memory store.
    pub fn new() -> Self {
        let gc = Arc::new(GcState::default());
        MvccStore::with_backend(MemoryBackend::new(), gc, &StoreOptions::default())
            .expect("the in-memory backend cannot fail to open")
    }

    /// The backend (for inspection in tests).
    pub fn backend(&self) -> &MemoryBackend {
        &self.shared.backend
    }
}

impl Default for MemoryStore {
    fn default() -> Self {
        Self::new()
    }
}

impl<B: Backend> MvccStore<B> {
    /// A store over an opened backend; `gc` must be the state the backend's
    /// garbage collection reads.
    pub fn with_backend(backend: B, gc: Arc<GcState>, options: &StoreOptions) -> Result<Self> {
        let resume_at = match backend.get_meta(RESERVED_TS_KEY)? {
            None => 1,
            Some(raw) => {
                let raw: [u8; 8] = raw.as_slice().try_into().map_err(|_| {
                    StorageError::Corruption("oracle reservation is not 8 bytes".into())
                })?;
                u64::from_be_bytes(raw)
            }
        };
        let oracle = Oracle::new(resume_at, Arc::clone(&gc));
        Ok(MvccStore {
            shared: Arc::new(Shared {
                backend,
                oracle,
                locks: LockTable::new(options.deadlock_check_interval),
                gc,
                buffers: BufferPool::new(),
                next_txn: AtomicU64::new(1),
                applied: AtomicU64::new(0),
            }),
        })
    }

    /// The visible watermark: the newest timestamp a new snapshot reads at.
    pub fn watermark(&self) -> Timestamp {
        self.shared.oracle.watermark()
    }

    /// Number of row locks currently held.
    pub fn locks_held(&self) -> usize {
        self.shared.locks.held()
    }
}

impl<B: Backend> Store for MvccStore<B> {
    type Txn = MvccTxn<B>;

    fn begin(&self, options: TxnOptions) -> Result<MvccTxn<B>> {
        Ok(MvccTxn::new(Arc::clone(&self.shared), options))
    }

    fn collect_garbage(&self) -> Result<()> {
        self.shared.backend.compact(&self.shared.gc)
    }

    fn gc_safe_point(&self) -> Timestamp {
        self.shared.oracle.safe_point()
    }

    fn lock_waiters(&self) -> usize {
        self.shared.locks.waiters()
    }

    fn lock_status(&self) -> Vec<crate::LockStatus> {
        self.shared.locks.status()
    }

    fn get_unversioned(&self, key: &[u8]) -> Result<Option<Vec<u8>>> {
        self.shared.backend.get_meta(&unversioned_key(key))
    }

    fn put_unversioned(&self, key: &[u8], value: &[u8], sync: bool) -> Result<()> {
        self.shared
            .backend
            .put_meta(&unversioned_key(key), value, sync)
    }

    fn delete_range(&self, start: &[u8], end: &[u8]) -> Result<()> {
        // Every version of a user key in `[start, end)` sorts in
        // `[start, end)` too: keys are prefix-free and the version suffix
        // only follows the user key.
        self.shared.backend.delete_range(start, end)
    }
}

/// The metadata key of an unversioned value: a prefix keeps callers' keys
/// apart from the store's own metadata (such as [`RESERVED_TS_KEY`]).
fn unversioned_key(key: &[u8]) -> Vec<u8> {
    let mut k = Vec::with_capacity(UNVERSIONED_PREFIX.len() + key.len());
    k.extend_from_slice(UNVERSIONED_PREFIX);
    k.extend_from_slice(key);
    k
}

#[cfg(test)]
mod tests {
    use std::sync::mpsc;
    use std::time::Duration;

    use super::*;
    use crate::api::Transaction;

    /// A small commit that finishes while an older commit (here: a
    /// timestamp taken straight from the oracle, standing for a large
    /// commit still building its batch) is in flight must not be
    /// acknowledged before it is visible: the committer's next snapshot
    /// has to see it.
    #[test]
    fn a_commit_is_visible_once_acknowledged_despite_an_older_commit_in_flight() {
        let store = MemoryStore::new();
        let big = store
            .shared
            .oracle
            .begin_commit(|r| store.shared.persist_reservation(r))
            .unwrap();
        let (tx, rx) = mpsc::channel();
        let committer = {
            let store = store.clone();
            std::thread::spawn(move || {
                let mut t = store.begin(TxnOptions::default()).unwrap();
                t.put(b"k", b"v").unwrap();
                t.commit().unwrap();
                let mut next = store.begin(TxnOptions::default()).unwrap();
                let mut out = Vec::new();
                let seen = next.get(b"k", &mut out).unwrap();
                tx.send(seen).unwrap();
            })
        };
        // While `big` is in flight the commit may not return; if it did,
        // its own next snapshot must still see the row.
        if let Ok(seen) = rx.recv_timeout(Duration::from_millis(200)) {
            assert!(
                seen,
                "commit acknowledged but invisible to the next snapshot"
            );
        }
        store.shared.oracle.end_commit(big);
        if let Ok(seen) = rx.recv() {
            assert!(seen, "commit invisible to the committer's next snapshot");
        }
        committer.join().unwrap();
        assert!(store.watermark() > big);
    }
}
