//! MVCC transactions: buffered writes, snapshot reads, row locks, commit.
//!
//! * Reads see the transaction's own buffered writes first, then the newest
//!   version at or below the snapshot (one seek: `key ++ !snapshot`).
//! * Writes take the row lock (at least `FOR NO KEY UPDATE`; DELETE and
//!   key changes `FOR UPDATE`), then go to the write buffer; nothing reaches
//!   the backend before commit, so readers never meet uncommitted data.
//! * Commit takes a timestamp from the oracle, writes every buffered key as
//!   a version at that timestamp in one atomic batch (fsynced unless the
//!   transaction asked for async durability), marks the timestamp applied,
//!   waits until the visible watermark has reached it (so the commit is
//!   visible to every statement that starts after it returns), and only
//!   then releases the row locks, so a waiter that gets a lock
//!   always finds the previous holder's writes.
//! * Snapshot isolation: the first time a key is locked, its newest version
//!   is checked; if it is newer than the snapshot, a concurrent transaction
//!   won and this one gets `Serialization` (PostgreSQL's first-updater-wins).

use std::sync::Arc;

use crate::api::{
    CommitInfo, Direction, Isolation, KeyRange, LatestRead, Timestamp, Transaction, TxnId,
    TxnOptions,
};
use crate::backend::{Backend, RawBatch, RawIter};
use crate::error::{Result, StorageError};
use crate::mvcc::cursor::MvccCursor;
use crate::mvcc::key::{
    decode_version_key, encode_version_key, encode_version_value, is_tombstone,
};
use crate::mvcc::locks::{lock_id, Acquired, LockId, LockMode, LockTarget, Request, WaitLimits};
use crate::mvcc::row_lock::{RowLockStrength, RowLockWait};
use crate::mvcc::store::Shared;
use crate::mvcc::view::{Freshness, Use, View};
use crate::mvcc::write_buffer::WriteBuffer;

/// A transaction of an [`crate::MvccStore`].
pub struct MvccTxn<B: Backend> {
    shared: Arc<Shared<B>>,
    id: TxnId,
    options: TxnOptions,
    snapshot: Timestamp,
    writes: WriteBuffer,
    /// Every lock held (row and table), for release; a read-only
    /// statement's table locks fit inline, so it allocates nothing.
    locks: smallvec::SmallVec<[LockId; 4]>,
    /// Table locks held: (table, mode, the newest conflicting commit at
    /// the grant, which cannot grow while the lock is held). A statement
    /// that asks again for a mode it holds does not touch the lock table.
    table_locks: smallvec::SmallVec<[(u32, LockMode, Timestamp); 4]>,
    /// Whether this transaction ever called the lock table (and so must
    /// be released from it at its end).
    used_lock_table: bool,
    /// Tables whose definition this transaction changed under a mode
    /// weaker than ACCESS EXCLUSIVE (see `mark_definition_changed`).
    changed_tables: smallvec::SmallVec<[u32; 1]>,
    wait_limits: WaitLimits,
    point: Option<View<B::Iter>>,
    key_buf: Vec<u8>,
    val_buf: Vec<u8>,
    finished: bool,
    /// Snapshots held for later statements (see
    /// [`Transaction::hold_snapshot`]), released at the end.
    held: Vec<Timestamp>,
}

/// The newest version of a key at or below `ts`: its timestamp, and whether
/// it holds a live value (copied into `out`) or is a tombstone.
fn read_version<I: RawIter>(
    iter: &mut I,
    key: &[u8],
    ts: Timestamp,
    seek_buf: &mut Vec<u8>,
    out: &mut Vec<u8>,
) -> Result<Option<(Timestamp, bool)>> {
    encode_version_key(seek_buf, key, ts);
    iter.seek(seek_buf);
    if !iter.valid() {
        iter.status()?;
        return Ok(None);
    }
    let (found, version_ts) = decode_version_key(iter.key())?;
    if found != key {
        return Ok(None);
    }
    let value = iter.value();
    if is_tombstone(value) {
        return Ok(Some((version_ts, false)));
    }
    out.clear();
    out.extend_from_slice(value.get(1..).unwrap_or_default());
    Ok(Some((version_ts, true)))
}

impl<B: Backend> MvccTxn<B> {
    pub(crate) fn new(shared: Arc<Shared<B>>, options: TxnOptions) -> Self {
        let snapshot = shared.oracle.begin_snapshot();
        let id = shared.next_txn_id();
        let writes = shared.buffers.take();
        MvccTxn {
            shared,
            id,
            options,
            snapshot,
            writes,
            locks: smallvec::SmallVec::new(),
            table_locks: smallvec::SmallVec::new(),
            used_lock_table: false,
            changed_tables: smallvec::SmallVec::new(),
            wait_limits: WaitLimits::default(),
            point: None,
            key_buf: Vec::new(),
            val_buf: Vec::new(),
            finished: false,
            held: Vec::new(),
        }
    }

    fn finish(&mut self, commit_ts: Option<Timestamp>) {
        if self.finished {
            return;
        }
        self.finished = true;
        if self.used_lock_table {
            let changed = std::mem::take(&mut self.changed_tables);
            self.shared
                .locks
                .release_all_changing(self.id, &self.locks, commit_ts, &changed);
        }
        self.locks.clear();
        self.table_locks.clear();
        self.shared.oracle.end_snapshot(self.snapshot);
        for ts in std::mem::take(&mut self.held) {
            self.shared.oracle.end_snapshot(ts);
        }
        let writes = std::mem::take(&mut self.writes);
        self.shared.buffers.give(writes);
    }

    /// The transaction's own buffered write of `key`, if any: `Some(true)`
    /// with the value copied into `out`, `Some(false)` for a buffered
    /// delete. As plain reads see it (as of an open statement view), or
    /// with `latest` after every write.
    fn own_write(&self, key: &[u8], out: &mut Vec<u8>, latest: bool) -> Option<bool> {
        let state = if latest {
            self.writes.get_latest(key)?
        } else {
            self.writes.get(key)?
        };
        Some(match state {
            Some(v) => {
                out.clear();
                out.extend_from_slice(v);
                true
            }
            None => false,
        })
    }

    /// Takes row lock `mode` on `key` (see [`crate::mvcc::row_lock`]);
    /// with `nowait`, fails with `LockNotAvailable` instead of waiting.
    /// When a key is locked (or its lock upgraded) under snapshot
    /// isolation, a version newer than the snapshot fails with
    /// `Serialization`.
    fn lock_row(&mut self, key: &[u8], mode: LockMode, nowait: bool) -> Result<()> {
        let id = lock_id(key);
        self.used_lock_table = true;
        let acquired = self.shared.locks.acquire(
            Request {
                txn: self.id,
                owner: self.options.owner,
                lock: id,
                mode,
                nowait,
            },
            self.options.lock_timeout,
            &self.wait_limits,
        )?;
        let Acquired::New { first, .. } = acquired else {
            return Ok(());
        };
        if first {
            self.locks.push(id);
        }
        // An upgrade is checked again: a weaker lock did not keep every
        // writer away (FOR KEY SHARE lets an UPDATE of other columns in).
        if self.options.isolation == Isolation::Snapshot && !self.writes.contains_key(key) {
            let iter = View::ensure(&mut self.point, &self.shared, Freshness::Latest, Use::Point)?;
            let newest = read_version(
                iter,
                key,
                Timestamp::MAX,
                &mut self.key_buf,
                &mut self.val_buf,
            )?;
            if let Some((ts, _)) = newest {
                if ts > self.snapshot {
                    return Err(StorageError::Serialization);
                }
            }
        }
        Ok(())
    }

    fn buffer(&mut self, key: &[u8], value: Option<&[u8]>) {
        self.writes.write(key, value);
    }
}

impl<B: Backend> Drop for MvccTxn<B> {
    fn drop(&mut self) {
        self.finish(None);
    }
}

impl<B: Backend> Transaction for MvccTxn<B> {
    type Cursor = MvccCursor<B::Iter>;

    fn id(&self) -> TxnId {
        self.id
    }

    fn snapshot_ts(&self) -> Timestamp {
        self.snapshot
    }

    fn isolation(&self) -> Isolation {
        self.options.isolation
    }

    fn approximate_size(&self, start: &[u8], end: &[u8]) -> Result<u64> {
        // Every version of a user key in `[start, end)` sorts in it too
        // (see `Store::delete_range`).
        self.shared.backend.approximate_size(start, end)
    }

    fn refresh_snapshot(&mut self) -> Result<()> {
        self.snapshot = self.shared.oracle.refresh_snapshot(self.snapshot);
        Ok(())
    }

    fn hold_snapshot(&mut self) -> Option<Timestamp> {
        self.shared.oracle.hold_snapshot(self.snapshot);
        self.held.push(self.snapshot);
        Some(self.snapshot)
    }

    fn release_snapshot(&mut self, ts: Timestamp) {
        if let Some(i) = self.held.iter().position(|&h| h == ts) {
            self.held.swap_remove(i);
            self.shared.oracle.end_snapshot(ts);
        }
    }

    fn swap_snapshot(&mut self, ts: Timestamp) -> Timestamp {
        std::mem::replace(&mut self.snapshot, ts)
    }

    fn get(&mut self, key: &[u8], out: &mut Vec<u8>) -> Result<bool> {
        if let Some(found) = self.own_write(key, out, false) {
            return Ok(found);
        }
        let iter = View::ensure(
            &mut self.point,
            &self.shared,
            Freshness::Snapshot(self.snapshot),
            Use::Point,
        )?;
        let found = read_version(iter, key, self.snapshot, &mut self.key_buf, out)?;
        Ok(matches!(found, Some((_, true))))
    }

    fn get_for_update(&mut self, key: &[u8], out: &mut Vec<u8>) -> Result<bool> {
        self.lock(key)?;
        if let Some(found) = self.own_write(key, out, true) {
            return Ok(found);
        }
        let iter = View::ensure(&mut self.point, &self.shared, Freshness::Latest, Use::Point)?;
        let found = read_version(iter, key, Timestamp::MAX, &mut self.key_buf, out)?;
        Ok(matches!(found, Some((_, true))))
    }

    fn get_for_lock(
        &mut self,
        key: &[u8],
        out: &mut Vec<u8>,
        strength: RowLockStrength,
        wait: RowLockWait,
    ) -> Result<Option<bool>> {
        match self.lock_row(key, strength.lock_mode(), wait != RowLockWait::Block) {
            Err(StorageError::LockNotAvailable) if wait == RowLockWait::Skip => return Ok(None),
            r => r?,
        }
        if let Some(found) = self.own_write(key, out, true) {
            return Ok(Some(found));
        }
        let iter = View::ensure(&mut self.point, &self.shared, Freshness::Latest, Use::Point)?;
        let found = read_version(iter, key, Timestamp::MAX, &mut self.key_buf, out)?;
        Ok(Some(matches!(found, Some((_, true)))))
    }

    fn lock(&mut self, key: &[u8]) -> Result<()> {
        self.lock_row(key, LockMode::AccessExclusive, false)
    }
    fn lock_shared(&mut self, key: &[u8]) -> Result<()> {
        let id = lock_id(key);
        self.used_lock_table = true;
        let acquired = self.shared.locks.acquire(
            Request {
                txn: self.id,
                owner: self.options.owner,
                lock: id,
                mode: LockMode::Share,
                nowait: false,
            },
            self.options.lock_timeout,
            &self.wait_limits,
        )?;
        if let Acquired::New { first: true, .. } = acquired {
            self.locks.push(id);
        }
        Ok(())
    }

    fn get_latest(&mut self, key: &[u8], out: &mut Vec<u8>) -> Result<LatestRead> {
        if let Some(found) = self.own_write(key, out, true) {
            return Ok(LatestRead {
                found,
                newer: false,
            });
        }
        let iter = View::ensure(&mut self.point, &self.shared, Freshness::Latest, Use::Point)?;
        let read = read_version(iter, key, Timestamp::MAX, &mut self.key_buf, out)?;
        Ok(LatestRead {
            found: matches!(read, Some((_, true))),
            newer: read.is_some_and(|(ts, _)| ts > self.snapshot),
        })
    }

    fn lock_table(
        &mut self,
        table: u32,
        mode: LockMode,
        nowait: bool,
        read_at: Timestamp,
    ) -> Result<bool> {
        if let Some(&(_, _, conflict_ts)) = self
            .table_locks
            .iter()
            .find(|(t, m, _)| *t == table && *m == mode)
        {
            return Ok(conflict_ts > read_at);
        }
        self.used_lock_table = true;
        let acquired = self.shared.locks.acquire(
            Request {
                txn: self.id,
                owner: self.options.owner,
                lock: LockTarget::Table(table).id(),
                mode,
                nowait,
            },
            self.options.lock_timeout,
            &self.wait_limits,
        )?;
        if !self.table_locks.iter().any(|(t, _, _)| *t == table) {
            self.locks.push(LockTarget::Table(table).id());
        }
        let conflict_ts = acquired.conflict_ts();
        self.table_locks.push((table, mode, conflict_ts));
        Ok(conflict_ts > read_at)
    }

    fn wait_for_table_lockers(&mut self, table: u32, mode: LockMode) -> Result<()> {
        self.shared.locks.wait_for_holders(
            table,
            mode,
            self.options.lock_timeout,
            &self.wait_limits,
        )
    }

    fn mark_definition_changed(&mut self, table: u32) {
        self.used_lock_table = true;
        if !self.changed_tables.contains(&table) {
            self.changed_tables.push(table);
        }
    }

    fn put(&mut self, key: &[u8], value: &[u8]) -> Result<()> {
        self.lock_row(key, RowLockStrength::NoKeyUpdate.lock_mode(), false)?;
        self.buffer(key, Some(value));
        Ok(())
    }

    fn delete(&mut self, key: &[u8]) -> Result<()> {
        self.lock(key)?;
        self.buffer(key, None);
        Ok(())
    }

    fn cursor(&mut self) -> MvccCursor<B::Iter> {
        MvccCursor::new()
    }

    fn seek(
        &mut self,
        cursor: &mut MvccCursor<B::Iter>,
        range: KeyRange<'_>,
        direction: Direction,
    ) -> Result<()> {
        cursor.seek(&self.shared, Some(self.snapshot), range, direction)
    }

    fn seek_latest(
        &mut self,
        cursor: &mut MvccCursor<B::Iter>,
        range: KeyRange<'_>,
        direction: Direction,
    ) -> Result<()> {
        cursor.seek(&self.shared, None, range, direction)
    }

    fn next<'c>(
        &mut self,
        cursor: &'c mut MvccCursor<B::Iter>,
    ) -> Result<Option<(&'c [u8], &'c [u8])>> {
        cursor.next(self.snapshot, &self.writes)
    }

    fn pending_writes(&self) -> usize {
        self.writes.len()
    }

    fn snapshot_scan(&self) -> Option<Arc<dyn crate::api::SnapshotScan>> {
        if !self.writes.is_empty() {
            return None;
        }
        Some(Arc::new(SharedSnapshot {
            shared: Arc::clone(&self.shared),
            snapshot: self.snapshot,
        }))
    }

    fn set_lock_timeout(&mut self, timeout: Option<std::time::Duration>) {
        self.options.lock_timeout = timeout;
    }

    fn set_wait_limits(&mut self, limits: WaitLimits) {
        self.wait_limits = limits;
    }

    fn set_durability(&mut self, durability: crate::api::Durability) {
        self.options.durability = durability;
    }

    fn savepoint(&mut self) -> usize {
        self.writes.savepoint()
    }

    fn rollback_to_savepoint(&mut self, depth: usize) {
        self.writes.rollback_to(depth);
    }

    fn release_savepoint(&mut self, depth: usize) {
        self.writes.release(depth);
    }

    fn open_statement_view(&mut self) -> usize {
        self.writes.open_view()
    }

    fn close_statement_view(&mut self, depth: usize) {
        self.writes.close_view(depth);
    }

    fn commit(mut self) -> Result<CommitInfo> {
        let writes = self.writes.len();
        if writes == 0 {
            self.finish(None);
            return Ok(CommitInfo {
                commit_ts: None,
                writes: 0,
            });
        }
        let shared = Arc::clone(&self.shared);
        let ts = match shared
            .oracle
            .begin_commit(|reservation| shared.persist_reservation(reservation))
        {
            Ok(ts) => ts,
            Err(e) => {
                self.finish(None);
                return Err(e);
            }
        };
        let mut batch = shared.backend.batch();
        for (key, value) in self.writes.iter() {
            encode_version_key(&mut self.key_buf, key, ts);
            encode_version_value(&mut self.val_buf, value);
            batch.put(&self.key_buf, &self.val_buf);
        }
        let sync = self.options.durability == crate::api::Durability::Sync;
        let written = shared.backend.write(batch, sync);
        shared.note_applied();
        shared.oracle.end_commit(ts);
        // Acknowledge only once every snapshot taken from now on sees `ts`
        // (an older commit may still be applying: see the oracle).
        shared.oracle.wait_visible(ts);
        self.finish(written.is_ok().then_some(ts));
        written.map(|()| CommitInfo {
            commit_ts: Some(ts),
            writes,
        })
    }

    fn rollback(mut self) {
        self.finish(None);
    }
}

/// A transaction's snapshot as other threads read it
/// ([`Transaction::snapshot_scan`]): each scan has its own cursor over the
/// backend and no write buffer.
struct SharedSnapshot<B: Backend> {
    shared: Arc<Shared<B>>,
    snapshot: Timestamp,
}

impl<B: Backend> crate::api::SnapshotScan for SharedSnapshot<B> {
    fn scan(&self, range: KeyRange<'_>, each: &mut crate::api::EntryVisitor<'_>) -> Result<()> {
        let mut cursor = MvccCursor::<B::Iter>::new();
        cursor.seek(&self.shared, Some(self.snapshot), range, Direction::Forward)?;
        let none = WriteBuffer::new();
        while let Some((k, v)) = cursor.next(self.snapshot, &none)? {
            if !each(k, v)? {
                break;
            }
        }
        Ok(())
    }
}
