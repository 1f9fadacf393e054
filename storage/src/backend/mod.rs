//! Raw ordered key-value backends under the MVCC layer.
//!
//! A [`Backend`] is deliberately dumb: an ordered byte map with atomic
//! batches, bidirectional iterators that can be refreshed and re-pointed,
//! a small unversioned metadata space, and a hook to compact away garbage.
//! It knows nothing of transactions, timestamps or SQL; the MVCC layer in
//! [`crate::mvcc`] builds those on top, once, for every backend. Two backends
//! exist: [`rocks::RocksBackend`] (the product) and [`memory::MemoryBackend`]
//! (tests and embedding without a disk).
//!
//! Garbage collection needs to know which versions are dead; the backend
//! gets that from the shared [`crate::mvcc::gc::GcState`] and the pure
//! decision function in [`crate::mvcc::gc::VersionFilter`], so both backends
//! collect exactly the same versions.

pub mod memory;
pub mod rocks;

use std::sync::Arc;

use crate::error::Result;
use crate::mvcc::gc::GcState;

/// An atomic group of writes to the data space.
pub trait RawBatch: Send {
    /// Adds a put of `value` under `key`.
    fn put(&mut self, key: &[u8], value: &[u8]);
    /// Number of writes in the batch.
    fn len(&self) -> usize;
    /// Whether the batch holds no writes.
    fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

/// A bidirectional iterator over the data space.
///
/// An iterator reads a consistent view of the data as of its creation or its
/// last [`RawIter::refresh`]; it is re-pointed with the seek methods as often
/// as needed without being rebuilt.
pub trait RawIter: Send {
    /// Re-reads the newest state of the data. The position is lost.
    fn refresh(&mut self) -> Result<()>;
    /// Positions at the first key `>= key`.
    fn seek(&mut self, key: &[u8]);
    /// Positions at the last key `<= key`.
    fn seek_for_prev(&mut self, key: &[u8]);
    /// Positions at the first key.
    fn seek_to_first(&mut self);
    /// Positions at the last key.
    fn seek_to_last(&mut self);
    /// Whether the iterator is positioned at an entry.
    fn valid(&self) -> bool;
    /// Moves to the next entry.
    fn next(&mut self);
    /// Moves to the previous entry.
    fn prev(&mut self);
    /// The current key (only when valid).
    fn key(&self) -> &[u8];
    /// The current value (only when valid).
    fn value(&self) -> &[u8];
    /// The error that made the iterator invalid, if any.
    fn status(&self) -> Result<()>;
}

/// Sums the key and value lengths of `iter`'s entries in `[start, end)`,
/// stopping once the sum reaches `cap` (so a call's time is bounded).
pub(crate) fn scan_size<I: RawIter>(
    iter: &mut I,
    start: &[u8],
    end: &[u8],
    cap: u64,
) -> Result<u64> {
    let mut total = 0u64;
    iter.seek(start);
    while iter.valid() && iter.key() < end && total < cap {
        total += (iter.key().len() + iter.value().len()) as u64;
        iter.next();
    }
    iter.status()?;
    Ok(total)
}

/// An ordered key-value backend.
pub trait Backend: Send + Sync + 'static {
    /// Batch type.
    type Batch: RawBatch;
    /// Iterator type.
    type Iter: RawIter;

    /// A new, empty batch.
    fn batch(&self) -> Self::Batch;
    /// Applies `batch` atomically; with `sync`, waits for it to be durable.
    fn write(&self, batch: Self::Batch, sync: bool) -> Result<()>;
    /// A new iterator over the current data.
    fn iter(&self) -> Result<Self::Iter>;
    /// A new iterator for point reads: it is only ever positioned with
    /// `seek(key ++ suffix)` and read at that one entry, which lets a
    /// backend use per-key filters (bloom filters on the key without its
    /// version suffix). Entries whose key differs from the sought one
    /// outside the last [`crate::mvcc::key::TS_LEN`] bytes may be skipped.
    fn point_iter(&self) -> Result<Self::Iter> {
        self.iter()
    }
    /// Reads an unversioned metadata entry.
    fn get_meta(&self, key: &[u8]) -> Result<Option<Vec<u8>>>;
    /// Writes an unversioned metadata entry.
    fn put_meta(&self, key: &[u8], value: &[u8], sync: bool) -> Result<()>;
    /// Removes every entry whose key lies in `[start, end)` at once,
    /// durably (RocksDB's DeleteRange): what DROP DATABASE does to a
    /// database's key ranges nobody reads any more.
    fn delete_range(&self, start: &[u8], end: &[u8]) -> Result<()>;
    /// The approximate number of bytes the entries whose key lies in
    /// `[start, end)` take, every version and tombstone included (what
    /// `pg_relation_size` and `pg_database_size` report). Written data
    /// counts at once, before any flush; 0 only for a range without
    /// entries.
    fn approximate_size(&self, start: &[u8], end: &[u8]) -> Result<u64>;
    /// Compacts all data now, dropping the versions that `gc` says are
    /// garbage.
    fn compact(&self, gc: &Arc<GcState>) -> Result<()>;
}
