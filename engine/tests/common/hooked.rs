//! A store wrapper for tests: every call goes to an inner store, and a
//! test observes or disturbs reads, writes and commits through [`Hooks`]
//! (counting the rows a query reads, panicking half-way through a write,
//! recording each commit's durability). One wrapper, so each test states
//! only what it watches.

use std::sync::Arc;

use rocksgres_engine::storage::{
    CommitInfo, Direction, Durability, Isolation, KeyRange, LockMode, LockStatus, Result, Store,
    Timestamp, Transaction, TxnId, TxnOptions, WaitLimits,
};

/// What a test watches; every hook does nothing by default.
pub trait Hooks: Send + Sync + 'static {
    /// Before a point read of `key`.
    fn get(&self, _key: &[u8]) {}
    /// For each entry a cursor returns.
    fn row(&self, _key: &[u8]) {}
    /// Before a write of `value` under `key`.
    fn put(&self, _key: &[u8], _value: &[u8]) {}
    /// After a successful commit with the durability it had.
    fn committed(&self, _durability: Durability, _info: &CommitInfo) {}
}

/// A store whose transactions call `hooks`.
pub struct HookedStore<S, H> {
    /// The wrapped store.
    pub inner: S,
    /// What the test watches.
    pub hooks: Arc<H>,
}

/// A transaction of a [`HookedStore`].
pub struct HookedTxn<T, H> {
    inner: T,
    hooks: Arc<H>,
    durability: Durability,
}

impl<S: Store, H: Hooks> Store for HookedStore<S, H> {
    type Txn = HookedTxn<S::Txn, H>;

    fn begin(&self, options: TxnOptions) -> Result<Self::Txn> {
        Ok(HookedTxn {
            inner: self.inner.begin(options)?,
            hooks: Arc::clone(&self.hooks),
            durability: options.durability,
        })
    }
    fn collect_garbage(&self) -> Result<()> {
        self.inner.collect_garbage()
    }
    fn gc_safe_point(&self) -> Timestamp {
        self.inner.gc_safe_point()
    }
    fn lock_waiters(&self) -> usize {
        self.inner.lock_waiters()
    }
    fn lock_status(&self) -> Vec<LockStatus> {
        self.inner.lock_status()
    }
    fn get_unversioned(&self, key: &[u8]) -> rocksgres_storage::Result<Option<Vec<u8>>> {
        self.inner.get_unversioned(key)
    }
    fn put_unversioned(
        &self,
        key: &[u8],
        value: &[u8],
        sync: bool,
    ) -> rocksgres_storage::Result<()> {
        self.inner.put_unversioned(key, value, sync)
    }
    fn delete_range(&self, start: &[u8], end: &[u8]) -> rocksgres_storage::Result<()> {
        self.inner.delete_range(start, end)
    }
}

impl<T: Transaction, H: Hooks> Transaction for HookedTxn<T, H> {
    type Cursor = T::Cursor;

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
        self.inner.approximate_size(start, end)
    }
    fn refresh_snapshot(&mut self) -> Result<()> {
        self.inner.refresh_snapshot()
    }
    fn wait_for_table_lockers(
        &mut self,
        table: u32,
        mode: rocksgres_storage::LockMode,
    ) -> Result<()> {
        self.inner.wait_for_table_lockers(table, mode)
    }
    fn mark_definition_changed(&mut self, table: u32) {
        self.inner.mark_definition_changed(table)
    }
    fn get(&mut self, key: &[u8], out: &mut Vec<u8>) -> Result<bool> {
        self.hooks.get(key);
        self.inner.get(key, out)
    }
    fn get_for_update(&mut self, key: &[u8], out: &mut Vec<u8>) -> Result<bool> {
        self.inner.get_for_update(key, out)
    }
    fn get_for_lock(
        &mut self,
        key: &[u8],
        out: &mut Vec<u8>,
        strength: rocksgres_storage::RowLockStrength,
        wait: rocksgres_storage::RowLockWait,
    ) -> Result<Option<bool>> {
        self.inner.get_for_lock(key, out, strength, wait)
    }
    fn lock(&mut self, key: &[u8]) -> Result<()> {
        self.inner.lock(key)
    }
    fn lock_shared(&mut self, key: &[u8]) -> Result<()> {
        self.inner.lock_shared(key)
    }
    fn get_latest(
        &mut self,
        key: &[u8],
        out: &mut Vec<u8>,
    ) -> Result<rocksgres_storage::LatestRead> {
        self.inner.get_latest(key, out)
    }
    fn lock_table(
        &mut self,
        table: u32,
        mode: LockMode,
        nowait: bool,
        read_at: Timestamp,
    ) -> Result<bool> {
        self.inner.lock_table(table, mode, nowait, read_at)
    }
    fn put(&mut self, key: &[u8], value: &[u8]) -> Result<()> {
        self.hooks.put(key, value);
        self.inner.put(key, value)
    }
    fn delete(&mut self, key: &[u8]) -> Result<()> {
        self.inner.delete(key)
    }
    fn cursor(&mut self) -> Self::Cursor {
        self.inner.cursor()
    }
    fn seek(&mut self, c: &mut Self::Cursor, r: KeyRange<'_>, d: Direction) -> Result<()> {
        self.inner.seek(c, r, d)
    }
    fn seek_latest(&mut self, c: &mut Self::Cursor, r: KeyRange<'_>, d: Direction) -> Result<()> {
        self.inner.seek_latest(c, r, d)
    }
    fn next<'c>(&mut self, c: &'c mut Self::Cursor) -> Result<Option<(&'c [u8], &'c [u8])>> {
        let r = self.inner.next(c)?;
        if let Some((k, _)) = &r {
            self.hooks.row(k);
        }
        Ok(r)
    }
    fn pending_writes(&self) -> usize {
        self.inner.pending_writes()
    }
    fn set_lock_timeout(&mut self, timeout: Option<std::time::Duration>) {
        self.inner.set_lock_timeout(timeout)
    }
    fn set_wait_limits(&mut self, limits: WaitLimits) {
        self.inner.set_wait_limits(limits)
    }
    fn set_durability(&mut self, durability: Durability) {
        self.durability = durability;
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
        self.hooks.committed(self.durability, &info);
        Ok(info)
    }
    fn rollback(self) {
        self.inner.rollback()
    }
}
