//! The transactional key-value interface the SQL engine programs against.
//!
//! The boundary is *transactional* (begin / get / scan / put / delete /
//! commit / rollback), not a raw key-value API, so that a different backend
//! (the in-memory one today, a distributed transactional store later) fits
//! behind the same traits. No RocksDB type appears here.
//!
//! Keys are opaque bytes, with one contract: the set of keys a store holds
//! must be *prefix-free* (no key is a proper prefix of another). Keys built by
//! `rocksgres-codec` are self-delimiting and satisfy this. The MVCC layer
//! appends an 8-byte version suffix to every key; prefix-freedom is what keeps
//! one key's versions from sorting between another key's versions, so scans
//! return keys in plain byte order.
//!
//! Scans go through a [`Transaction::Cursor`]: a reusable object that owns its
//! key/value buffers and the backend iterator. [`Transaction::seek`] re-points
//! it at a new range without rebuilding it, so a statement that scans many
//! ranges (an index nested-loop join, say) allocates nothing per range.

use std::ops::Bound;
use std::time::Duration;

use crate::error::Result;

/// A logical timestamp from the store's timestamp oracle.
pub type Timestamp = u64;

/// A transaction identifier, unique within one open store.
pub type TxnId = u64;

/// How a transaction sees concurrent commits and resolves write conflicts.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Isolation {
    /// A new snapshot per statement ([`Transaction::refresh_snapshot`]);
    /// writers wait for row locks and then work on the newest committed
    /// version ([`Transaction::get_for_update`]). PostgreSQL's default.
    #[default]
    ReadCommitted,
    /// One snapshot for the whole transaction. Writing a key that a
    /// concurrent transaction committed after this snapshot fails with
    /// [`crate::StorageError::Serialization`] (first updater wins).
    Snapshot,
}

/// Whether a commit waits for its write-ahead log record to reach the disk.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Durability {
    /// fsync the WAL before commit returns (`synchronous_commit = on`).
    /// Concurrent commits share one fsync.
    #[default]
    Sync,
    /// Return once the write is in the OS page cache
    /// (`synchronous_commit = off`): a crash of the machine may lose the last
    /// commits, never corrupt or half-apply one.
    Async,
}

/// Options for [`Store::begin`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TxnOptions {
    /// Isolation mode.
    pub isolation: Isolation,
    /// Durability of the commit.
    pub durability: Durability,
    /// How long a row-lock wait may last before [`crate::StorageError::LockTimeout`];
    /// `None` waits until the lock is granted or a deadlock is detected.
    pub lock_timeout: Option<Duration>,
    /// An opaque tag the lock status reports for this transaction's locks
    /// (the engine passes the session's backend pid, for `pg_locks`).
    pub owner: u64,
}

impl Default for TxnOptions {
    fn default() -> Self {
        TxnOptions {
            isolation: Isolation::ReadCommitted,
            durability: Durability::Sync,
            lock_timeout: None,
            owner: 0,
        }
    }
}

/// Scan direction.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Direction {
    /// Ascending key order.
    Forward,
    /// Descending key order.
    Backward,
}

/// A range of keys, borrowed for the duration of a `seek`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct KeyRange<'a> {
    /// Lower bound.
    pub start: Bound<&'a [u8]>,
    /// Upper bound.
    pub end: Bound<&'a [u8]>,
}

impl<'a> KeyRange<'a> {
    /// Every key.
    pub fn all() -> Self {
        KeyRange {
            start: Bound::Unbounded,
            end: Bound::Unbounded,
        }
    }

    /// `[start, end)`.
    pub fn half_open(start: &'a [u8], end: &'a [u8]) -> Self {
        KeyRange {
            start: Bound::Included(start),
            end: Bound::Excluded(end),
        }
    }

    /// Whether `key` lies above the lower bound.
    pub fn above_start(&self, key: &[u8]) -> bool {
        match self.start {
            Bound::Unbounded => true,
            Bound::Included(s) => key >= s,
            Bound::Excluded(s) => key > s,
        }
    }

    /// Whether `key` lies below the upper bound.
    pub fn below_end(&self, key: &[u8]) -> bool {
        match self.end {
            Bound::Unbounded => true,
            Bound::Included(e) => key <= e,
            Bound::Excluded(e) => key < e,
        }
    }

    /// Whether `key` lies in the range.
    pub fn contains(&self, key: &[u8]) -> bool {
        self.above_start(key) && self.below_end(key)
    }
}

/// What [`Transaction::get_latest`] read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LatestRead {
    /// Whether the newest version is a live value (copied into `out`).
    pub found: bool,
    /// Whether the newest version (live or a deletion) was committed
    /// after the transaction's snapshot by another transaction.
    pub newer: bool,
}

/// What a successful commit reports.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CommitInfo {
    /// The commit timestamp, or `None` for a transaction that wrote nothing.
    pub commit_ts: Option<Timestamp>,
    /// Number of keys written (puts and deletes).
    pub writes: usize,
}

/// A transactional, multi-versioned, ordered key-value store.
pub trait Store: Send + Sync + 'static {
    /// The transaction type of this store.
    type Txn: Transaction;

    /// Starts a transaction whose first snapshot is the newest fully
    /// committed state.
    fn begin(&self, options: TxnOptions) -> Result<Self::Txn>;

    /// Runs garbage collection now: drops versions no snapshot can see any
    /// more. (It also runs in the background where the backend supports it.)
    fn collect_garbage(&self) -> Result<()>;

    /// The oldest timestamp any live snapshot may read at; versions shadowed
    /// at or below it are garbage.
    fn gc_safe_point(&self) -> Timestamp;

    /// Number of transactions currently queued for a row or table lock
    /// held by another transaction (like counting ungranted rows of
    /// `pg_locks`).
    fn lock_waiters(&self) -> usize;

    /// Every held and awaited lock (what `pg_locks` shows).
    fn lock_status(&self) -> Vec<crate::LockStatus>;

    /// Reads an unversioned value, kept outside MVCC and every transaction
    /// (the state of sequences, which PostgreSQL does not roll back).
    fn get_unversioned(&self, key: &[u8]) -> Result<Option<Vec<u8>>>;

    /// Writes an unversioned value at once, outside every transaction. It
    /// survives a process crash when this returns; with `sync` also a
    /// machine crash, and without it once any later write with `sync`
    /// (such as a durable commit) has returned: all writes share one log,
    /// so a commit that used a value written here is never durable before it.
    fn put_unversioned(&self, key: &[u8], value: &[u8], sync: bool) -> Result<()>;

    /// Removes every version of every key in `[start, end)` at once and
    /// durably, outside every transaction (DROP DATABASE's one range
    /// delete). The caller makes sure no transaction still uses the range.
    fn delete_range(&self, start: &[u8], end: &[u8]) -> Result<()>;
}

/// What [`SnapshotScan::scan`] calls with each entry: `Ok(false)` stops.
pub type EntryVisitor<'v> = dyn FnMut(&[u8], &[u8]) -> Result<bool> + 'v;

/// Reads of one snapshot that several threads may make at once: what a
/// parallel scan's workers read (see [`Transaction::snapshot_scan`]).
pub trait SnapshotScan: Send + Sync {
    /// Calls `each(key, value)` with every live entry of `range` at the
    /// snapshot, in key order, until it returns `false`. Sees committed
    /// data only: never the writes of the transaction that made it.
    fn scan(&self, range: KeyRange<'_>, each: &mut EntryVisitor<'_>) -> Result<()>;
}

/// One transaction. Dropping it without `commit` rolls it back.
pub trait Transaction: Send {
    /// A reusable scan cursor (see the module docs).
    type Cursor: Send;

    /// This transaction's identifier.
    fn id(&self) -> TxnId;

    /// The timestamp this transaction currently reads at.
    fn snapshot_ts(&self) -> Timestamp;

    /// The isolation mode it was started with.
    fn isolation(&self) -> Isolation;

    /// The approximate number of bytes the store's entries in `[start,
    /// end)` take, outside this transaction's snapshot: every committed
    /// version and tombstone counts, own uncommitted writes do not. Keys
    /// are the store's own (no rewriting by wrappers). 0 only for a range
    /// without entries.
    fn approximate_size(&self, start: &[u8], end: &[u8]) -> Result<u64>;

    /// Takes a new snapshot of the newest committed state (READ COMMITTED
    /// does this at the start of every statement). Own writes stay visible.
    fn refresh_snapshot(&mut self) -> Result<()>;

    /// Keeps the current snapshot readable (its versions are not garbage
    /// collected) until [`Transaction::release_snapshot`] or the end of the
    /// transaction, and returns it, so a later statement of the
    /// transaction can read at it again ([`Transaction::swap_snapshot`]):
    /// a SQL cursor reads at its DECLARE's snapshot while it is fetched.
    /// `None` where the transaction cannot hold snapshots.
    fn hold_snapshot(&mut self) -> Option<Timestamp> {
        None
    }

    /// Releases a snapshot [`Transaction::hold_snapshot`] returned.
    fn release_snapshot(&mut self, ts: Timestamp) {
        let _ = ts;
    }

    /// Reads at `ts`, a snapshot this transaction holds, from now on, and
    /// returns the snapshot it read at before (to be swapped back). Own
    /// writes stay visible.
    fn swap_snapshot(&mut self, ts: Timestamp) -> Timestamp {
        let _ = ts;
        self.snapshot_ts()
    }

    /// Reads `key` at the snapshot, own writes first. On a hit the value is
    /// copied into `out` (cleared first) and `true` is returned.
    fn get(&mut self, key: &[u8], out: &mut Vec<u8>) -> Result<bool>;

    /// Takes the row write lock on `key` (waiting for a holder, with deadlock
    /// detection and the lock timeout) and reads its newest committed
    /// version, own writes first. Under [`Isolation::Snapshot`] it fails with
    /// `Serialization` if that version is newer than the snapshot.
    fn get_for_update(&mut self, key: &[u8], out: &mut Vec<u8>) -> Result<bool>;

    /// Takes row lock `strength` on `key` and reads its newest committed
    /// version as [`Transaction::get_for_update`] does (own writes first;
    /// `Serialization` under [`Isolation::Snapshot`] when it is newer than
    /// the snapshot). When another transaction holds a conflicting lock,
    /// `wait` says what happens: wait for it, fail with
    /// [`crate::StorageError::LockNotAvailable`] (`NOWAIT`), or return
    /// `Ok(None)` without locking (`SKIP LOCKED`). Otherwise `Some(found)`.
    /// A weaker strength than one held is a no-op; a stronger one upgrades.
    fn get_for_lock(
        &mut self,
        key: &[u8],
        out: &mut Vec<u8>,
        strength: crate::RowLockStrength,
        wait: crate::RowLockWait,
    ) -> Result<Option<bool>>;

    /// Takes the row write lock on `key` without reading it. Held until
    /// commit or rollback; taking a lock already held is a no-op.
    fn lock(&mut self, key: &[u8]) -> Result<()>;

    /// Takes a *shared* row lock on `key` (what PostgreSQL's `FOR KEY
    /// SHARE` does for a foreign-key check): shared locks do not block each
    /// other; a write lock ([`Transaction::lock`]) of another transaction
    /// blocks it, and it blocks such a lock, until the transaction ends.
    /// Unlike `lock`, it never fails with `Serialization`.
    fn lock_shared(&mut self, key: &[u8]) -> Result<()>;

    /// Reads the newest committed version of `key`, own writes first, into
    /// `out`, without a lock; says whether it is live and whether it is
    /// newer than the snapshot.
    fn get_latest(&mut self, key: &[u8], out: &mut Vec<u8>) -> Result<LatestRead>;

    /// Takes table lock `mode` on table `table` (PostgreSQL's eight modes
    /// and conflict table), waiting like a row lock -- with the same
    /// deadlock detector, lock timeout and wait limits -- or, with `nowait`,
    /// failing at once with [`crate::StorageError::LockNotAvailable`]. Held
    /// until commit or rollback. Returns whether a transaction holding a
    /// mode that conflicts with `mode` committed writes after `read_at`:
    /// the table's definition read at a snapshot of `read_at` may be out
    /// of date.
    fn lock_table(
        &mut self,
        table: u32,
        mode: crate::LockMode,
        nowait: bool,
        read_at: Timestamp,
    ) -> Result<bool>;

    /// Records that this transaction changes the definition of `table`
    /// in a way every later statement must see, though it holds a table
    /// lock that writers do not wait for (CREATE INDEX CONCURRENTLY): when
    /// it commits, [`Transaction::lock_table`] reports the table changed
    /// to every transaction whose definition is older, as after an ACCESS
    /// EXCLUSIVE holder's commit.
    fn mark_definition_changed(&mut self, table: u32);

    /// Waits until every transaction that holds table lock `table` in a
    /// mode conflicting with `mode` now has ended, without requesting the
    /// lock (later requests do not queue behind the wait), honouring the
    /// lock timeout and wait limits as a lock wait does.
    fn wait_for_table_lockers(&mut self, table: u32, mode: crate::LockMode) -> Result<()>;

    /// Writes `value` under `key` (takes at least the `FOR NO KEY UPDATE`
    /// row lock first: a caller that changes a row's key or deletes it
    /// takes the write lock, [`Transaction::lock`], itself).
    fn put(&mut self, key: &[u8], value: &[u8]) -> Result<()>;

    /// Deletes `key` (takes the row lock first).
    fn delete(&mut self, key: &[u8]) -> Result<()>;

    /// A new cursor, not yet positioned.
    fn cursor(&mut self) -> Self::Cursor;

    /// Points `cursor` at `range`, iterating in `direction`, reading at the
    /// current snapshot merged with own writes. Reuses all of the cursor's
    /// buffers.
    fn seek(
        &mut self,
        cursor: &mut Self::Cursor,
        range: KeyRange<'_>,
        direction: Direction,
    ) -> Result<()>;

    /// Like [`Transaction::seek`], but the cursor reads the newest
    /// committed versions (merged with own writes) instead of the
    /// snapshot: what a foreign-key check of a referenced row's deletion
    /// must see of rows other transactions committed since the snapshot.
    /// Takes no locks.
    fn seek_latest(
        &mut self,
        cursor: &mut Self::Cursor,
        range: KeyRange<'_>,
        direction: Direction,
    ) -> Result<()>;

    /// The next live entry of the cursor's range, or `None` at its end.
    /// The slices stay valid until the cursor is used again.
    fn next<'c>(&mut self, cursor: &'c mut Self::Cursor) -> Result<Option<(&'c [u8], &'c [u8])>>;

    /// Number of buffered (uncommitted) writes.
    fn pending_writes(&self) -> usize;

    /// A reader of the snapshot this transaction reads at that other
    /// threads may use at once (a parallel scan), or `None` when the
    /// transaction has buffered writes (the reader would not see them) or
    /// cannot share its snapshot. The reader must not outlive the
    /// statement that asked for it: the versions it reads are kept from
    /// garbage collection by this transaction's snapshot.
    fn snapshot_scan(&self) -> Option<std::sync::Arc<dyn SnapshotScan>> {
        None
    }

    /// Changes how long row-lock waits may last from now on (`None`: wait
    /// until granted or a deadlock is detected).
    fn set_lock_timeout(&mut self, timeout: Option<Duration>);

    /// Makes row-lock waits from now on also end at `limits`' deadline or
    /// soon after its cancel flag is set (the engine passes a statement's
    /// `statement_timeout` deadline and its CancelRequest flag).
    fn set_wait_limits(&mut self, limits: crate::WaitLimits);

    /// Changes the durability the commit will have (`synchronous_commit` is
    /// read when the transaction commits, as in PostgreSQL).
    fn set_durability(&mut self, durability: Durability);

    /// Opens a savepoint and returns its depth (0 for the outermost).
    fn savepoint(&mut self) -> usize;

    /// Undoes every write made since savepoint `depth` was opened; the
    /// savepoint stays open (and inner ones are closed). Row locks taken
    /// since are kept until the transaction ends.
    fn rollback_to_savepoint(&mut self, depth: usize);

    /// Closes savepoint `depth` and the ones inside it, keeping their writes.
    fn release_savepoint(&mut self, depth: usize);

    /// Opens a statement view: until [`Transaction::close_statement_view`],
    /// [`Transaction::get`] and cursors positioned by
    /// [`Transaction::seek`] see this transaction's own writes as they were
    /// now (a key written since shows its earlier state, or the stored
    /// version), while the locking and `_latest` reads see every write. It
    /// opens a savepoint of its own; returns its depth. One statement whose
    /// parts write a table and read it (a data-modifying `WITH` item and
    /// the query around it) so reads as of its start, as PostgreSQL's
    /// single snapshot per statement does.
    fn open_statement_view(&mut self) -> usize;

    /// Closes the statement view opened at savepoint `depth`, keeping the
    /// writes made under it.
    fn close_statement_view(&mut self, depth: usize);

    /// Applies all writes atomically at one commit timestamp, then releases
    /// the locks.
    fn commit(self) -> Result<CommitInfo>;

    /// Discards all writes and releases the locks.
    fn rollback(self);
}
