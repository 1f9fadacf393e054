//! A storage transaction seen through one database's key ranges.
//!
//! Several databases share one store (design.md, "Databases and shared
//! objects"). Every catalog and data key carries its database's id right
//! after the keyspace byte:
//!
//! ```text
//! stored:  [KS_CATALOG | KS_DATA][db id u32 BE][rest of the key...]
//! engine:  [KS_CATALOG | KS_DATA][rest of the key...]
//! ```
//!
//! so a database is one key range per keyspace, and DROP DATABASE is one
//! range delete of each. The engine builds its keys as before (see
//! [`crate::keys`]); [`DbTxn`] inserts the session's database id into every
//! key it passes down and removes it from every key a scan returns, so no
//! statement can reach another database's keys. Keys of the other
//! keyspaces (the shared catalog, [`crate::keys::KS_SHARED`]) pass through
//! unchanged.
//!
//! The rewritten keys are built in buffers the transaction and its cursors
//! own (inline up to 64 bytes, reused), so the id costs a short copy per
//! key (and a scanned entry one copy) and no allocation per key.

use std::ops::Bound;
use std::sync::Arc;

use rocksgres_storage::{
    CommitInfo, Direction, Durability, Isolation, KeyRange, LatestRead, LockMode, Result,
    RowLockStrength, RowLockWait, SnapshotScan, Timestamp, Transaction, TxnId, WaitLimits,
};
use smallvec::SmallVec;

use crate::change_count::{ChangeTally, TxnChanges};
use crate::keys::{KS_CATALOG, KS_DATA};

/// A reused key buffer (inline for the usual short keys).
type KeyBuf = SmallVec<[u8; 64]>;

/// Whether keys of keyspace byte `ks` belong to one database.
fn per_database(ks: u8) -> bool {
    ks == KS_CATALOG || ks == KS_DATA
}

/// Writes the stored form of engine key `key` of database `db` into `out`.
fn store_key(out: &mut KeyBuf, db: u32, key: &[u8]) {
    out.clear();
    match key.first() {
        Some(&ks) if per_database(ks) => {
            out.push(ks);
            out.extend_from_slice(&db.to_be_bytes());
            out.extend_from_slice(&key[1..]);
        }
        _ => out.extend_from_slice(key),
    }
}

/// Writes the stored form of a scan's upper bound into `out`. A bound of
/// just the keyspace byte after a per-database keyspace (`[KS_CATALOG +
/// 1]`, "the whole catalog") ends at the end of this database's range
/// of that keyspace, not at the same id in the next keyspace.
fn store_end(out: &mut KeyBuf, db: u32, key: &[u8]) {
    match key {
        [b] if *b > 0 && per_database(b - 1) && db < u32::MAX => {
            out.clear();
            out.push(b - 1);
            out.extend_from_slice(&(db + 1).to_be_bytes());
        }
        _ => store_key(out, db, key),
    }
}

/// A transaction restricted to database `db` (see the module docs).
pub struct DbTxn<T> {
    inner: T,
    db: u32,
    key: KeyBuf,
    lo: KeyBuf,
    hi: KeyBuf,
    /// The rows written per table, added to `tally` at commit (see
    /// [`crate::change_count`]).
    changes: TxnChanges,
    tally: Option<Arc<ChangeTally>>,
}

/// A cursor of a [`DbTxn`]: the store's cursor and the buffers an entry
/// it returns is copied to (keys without the database id; copying the
/// value too lets [`Transaction::next`] skip other databases' entries).
pub struct DbCursor<C> {
    inner: C,
    key: KeyBuf,
    value: Vec<u8>,
}

impl<T: Transaction> DbTxn<T> {
    /// Wraps `inner` so that it reads and writes database `db`.
    pub fn new(inner: T, db: u32) -> Self {
        DbTxn {
            inner,
            db,
            key: KeyBuf::new(),
            lo: KeyBuf::new(),
            hi: KeyBuf::new(),
            changes: TxnChanges::default(),
            tally: None,
        }
    }

    /// [`DbTxn::new`] whose changed rows count toward autoanalyze in
    /// `tally` when it commits.
    pub fn counted(inner: T, db: u32, tally: Arc<ChangeTally>) -> Self {
        let mut t = Self::new(inner, db);
        t.tally = Some(tally);
        t
    }

    /// The database this transaction works in.
    pub fn database(&self) -> u32 {
        self.db
    }

    /// The store's transaction (keys unchanged: the migration and DROP
    /// DATABASE work on stored keys).
    pub fn raw(&mut self) -> &mut T {
        &mut self.inner
    }

    fn map_range(&mut self, range: KeyRange<'_>) -> (Bound<()>, Bound<()>) {
        map_range(self.db, range, &mut self.lo, &mut self.hi)
    }
}

/// Re-borrows the mapped bounds of [`DbTxn::map_range`].
/// Writes the stored forms of `range`'s bounds for database `db` into
/// `lo` and `hi`; the bounds' kinds are returned (see [`bounds`]).
fn map_range(
    db: u32,
    range: KeyRange<'_>,
    lo: &mut KeyBuf,
    hi: &mut KeyBuf,
) -> (Bound<()>, Bound<()>) {
    let start = match range.start {
        Bound::Included(k) => {
            store_key(lo, db, k);
            Bound::Included(())
        }
        Bound::Excluded(k) => {
            store_key(lo, db, k);
            Bound::Excluded(())
        }
        Bound::Unbounded => Bound::Unbounded,
    };
    let end = match range.end {
        Bound::Included(k) => {
            store_key(hi, db, k);
            Bound::Included(())
        }
        Bound::Excluded(k) => {
            store_end(hi, db, k);
            Bound::Excluded(())
        }
        Bound::Unbounded => Bound::Unbounded,
    };
    (start, end)
}

/// Writes the engine form of stored key `k` into `out`; `false` (and
/// nothing written) when `k` is another database's (`id`: this one's, big
/// endian).
fn engine_key(k: &[u8], id: &[u8; 4], out: &mut KeyBuf) -> bool {
    out.clear();
    match k.first() {
        Some(&ks) if per_database(ks) => {
            if k.get(1..5) != Some(&id[..]) {
                return false;
            }
            out.push(ks);
            out.extend_from_slice(&k[5..]);
        }
        _ => out.extend_from_slice(k),
    }
    true
}

fn bounds<'a>(b: (Bound<()>, Bound<()>), lo: &'a [u8], hi: &'a [u8]) -> KeyRange<'a> {
    let pick = |b: Bound<()>, k: &'a [u8]| match b {
        Bound::Included(()) => Bound::Included(k),
        Bound::Excluded(()) => Bound::Excluded(k),
        Bound::Unbounded => Bound::Unbounded,
    };
    KeyRange {
        start: pick(b.0, lo),
        end: pick(b.1, hi),
    }
}

impl<T: Transaction> Transaction for DbTxn<T> {
    type Cursor = DbCursor<T::Cursor>;

    fn id(&self) -> TxnId {
        self.inner.id()
    }
    fn snapshot_ts(&self) -> Timestamp {
        self.inner.snapshot_ts()
    }
    fn isolation(&self) -> Isolation {
        self.inner.isolation()
    }
    fn approximate_size(&self, start: &[u8], end: &[u8]) -> Result<u64> {
        // Store keys, unchanged: `pg_database_size` measures any database.
        self.inner.approximate_size(start, end)
    }
    fn refresh_snapshot(&mut self) -> Result<()> {
        self.inner.refresh_snapshot()
    }
    fn hold_snapshot(&mut self) -> Option<Timestamp> {
        self.inner.hold_snapshot()
    }
    fn release_snapshot(&mut self, ts: Timestamp) {
        self.inner.release_snapshot(ts)
    }
    fn swap_snapshot(&mut self, ts: Timestamp) -> Timestamp {
        self.inner.swap_snapshot(ts)
    }
    fn get(&mut self, key: &[u8], out: &mut Vec<u8>) -> Result<bool> {
        store_key(&mut self.key, self.db, key);
        self.inner.get(&self.key, out)
    }
    fn get_for_update(&mut self, key: &[u8], out: &mut Vec<u8>) -> Result<bool> {
        store_key(&mut self.key, self.db, key);
        self.inner.get_for_update(&self.key, out)
    }
    fn get_for_lock(
        &mut self,
        key: &[u8],
        out: &mut Vec<u8>,
        strength: RowLockStrength,
        wait: RowLockWait,
    ) -> Result<Option<bool>> {
        store_key(&mut self.key, self.db, key);
        self.inner.get_for_lock(&self.key, out, strength, wait)
    }
    fn lock(&mut self, key: &[u8]) -> Result<()> {
        store_key(&mut self.key, self.db, key);
        self.inner.lock(&self.key)
    }
    fn lock_shared(&mut self, key: &[u8]) -> Result<()> {
        store_key(&mut self.key, self.db, key);
        self.inner.lock_shared(&self.key)
    }
    fn get_latest(&mut self, key: &[u8], out: &mut Vec<u8>) -> Result<LatestRead> {
        store_key(&mut self.key, self.db, key);
        self.inner.get_latest(&self.key, out)
    }
    fn lock_table(
        &mut self,
        table: u32,
        mode: LockMode,
        nowait: bool,
        read_at: Timestamp,
    ) -> Result<bool> {
        // Table ids come from the shared id counter: unique in the store.
        self.inner.lock_table(table, mode, nowait, read_at)
    }
    fn mark_definition_changed(&mut self, table: u32) {
        self.inner.mark_definition_changed(table)
    }
    fn wait_for_table_lockers(&mut self, table: u32, mode: LockMode) -> Result<()> {
        self.inner.wait_for_table_lockers(table, mode)
    }
    fn put(&mut self, key: &[u8], value: &[u8]) -> Result<()> {
        self.changes.count(key);
        store_key(&mut self.key, self.db, key);
        self.inner.put(&self.key, value)
    }
    fn delete(&mut self, key: &[u8]) -> Result<()> {
        self.changes.count(key);
        store_key(&mut self.key, self.db, key);
        self.inner.delete(&self.key)
    }
    fn cursor(&mut self) -> Self::Cursor {
        DbCursor {
            inner: self.inner.cursor(),
            key: KeyBuf::new(),
            value: Vec::new(),
        }
    }
    fn seek(&mut self, c: &mut Self::Cursor, r: KeyRange<'_>, d: Direction) -> Result<()> {
        let b = self.map_range(r);
        self.inner
            .seek(&mut c.inner, bounds(b, &self.lo, &self.hi), d)
    }
    fn seek_latest(&mut self, c: &mut Self::Cursor, r: KeyRange<'_>, d: Direction) -> Result<()> {
        let b = self.map_range(r);
        self.inner
            .seek_latest(&mut c.inner, bounds(b, &self.lo, &self.hi), d)
    }
    fn next<'c>(&mut self, c: &'c mut Self::Cursor) -> Result<Option<(&'c [u8], &'c [u8])>> {
        let id = self.db.to_be_bytes();
        loop {
            let Some((k, v)) = self.inner.next(&mut c.inner)? else {
                return Ok(None);
            };
            // Only a scan across keyspaces meets other databases.
            if !engine_key(k, &id, &mut c.key) {
                continue;
            }
            c.value.clear();
            c.value.extend_from_slice(v);
            return Ok(Some((&c.key[..], &c.value[..])));
        }
    }
    fn pending_writes(&self) -> usize {
        self.inner.pending_writes()
    }
    fn snapshot_scan(&self) -> Option<Arc<dyn SnapshotScan>> {
        let inner = self.inner.snapshot_scan()?;
        Some(Arc::new(DbSnapshotScan { inner, db: self.db }))
    }
    fn set_lock_timeout(&mut self, timeout: Option<std::time::Duration>) {
        self.inner.set_lock_timeout(timeout)
    }
    fn set_wait_limits(&mut self, limits: WaitLimits) {
        self.inner.set_wait_limits(limits)
    }
    fn set_durability(&mut self, durability: Durability) {
        self.inner.set_durability(durability)
    }
    fn savepoint(&mut self) -> usize {
        self.inner.savepoint()
    }
    fn rollback_to_savepoint(&mut self, depth: usize) {
        self.inner.rollback_to_savepoint(depth)
    }
    fn release_savepoint(&mut self, depth: usize) {
        self.inner.release_savepoint(depth)
    }
    fn open_statement_view(&mut self) -> usize {
        self.inner.open_statement_view()
    }
    fn close_statement_view(&mut self, depth: usize) {
        self.inner.close_statement_view(depth)
    }
    fn commit(self) -> Result<CommitInfo> {
        let info = self.inner.commit()?;
        if let Some(tally) = &self.tally {
            tally.add(self.db, &self.changes);
        }
        Ok(info)
    }
    fn rollback(self) {
        self.inner.rollback()
    }
}

/// A [`DbTxn`]'s snapshot read by other threads: keys mapped as the
/// transaction maps them (the database id added to the range, taken out
/// of every key returned; entries of other databases skipped).
struct DbSnapshotScan {
    inner: Arc<dyn SnapshotScan>,
    db: u32,
}

impl SnapshotScan for DbSnapshotScan {
    fn scan(
        &self,
        range: KeyRange<'_>,
        each: &mut rocksgres_storage::api::EntryVisitor<'_>,
    ) -> Result<()> {
        let (mut lo, mut hi) = (KeyBuf::new(), KeyBuf::new());
        let b = map_range(self.db, range, &mut lo, &mut hi);
        let id = self.db.to_be_bytes();
        let mut key = KeyBuf::new();
        self.inner.scan(bounds(b, &lo, &hi), &mut |k, v| {
            if !engine_key(k, &id, &mut key) {
                return Ok(true);
            }
            each(&key, v)
        })
    }
}
