//! Reusable scan cursors: a snapshot scan of the versioned data merged with
//! the transaction's own buffered writes.
//!
//! A cursor owns everything a scan needs: the backend iterator (kept across
//! seeks and refreshed only when the snapshot moves past its view), the
//! bounds, a one-entry lookahead of the storage side, and the output buffers.
//! `seek` overwrites these in place, so re-pointing a cursor at a new range
//! allocates nothing once the buffers have grown to the key and value sizes.
//!
//! Storage side, forward: skip versions newer than the snapshot; the first
//! version at or below it is the key's visible version (skip the key if it
//! is a tombstone); then step over the key's older versions. Backward: the
//! versions of a key arrive oldest first, so remember the last one at or
//! below the snapshot until the key changes.
//!
//! Merge: the buffered writes are a sorted map; the cursor remembers the last
//! key it returned and looks up the next buffered key after it by range each
//! step, so the transaction may keep writing while a scan is open. On equal
//! keys the buffered write wins (and a buffered delete hides the key).
//! Writes to keys the cursor has already passed are not revisited; writes to
//! keys ahead of it are seen when the cursor gets there (a statement that
//! moves rows forward in key order must guard against meeting them again).

use std::ops::Bound;

use crate::api::{Direction, KeyRange, Timestamp};
use crate::backend::{Backend, RawIter};
use crate::error::Result;
use crate::mvcc::key::{decode_version_key, is_tombstone, TS_LEN};
use crate::mvcc::store::Shared;
use crate::mvcc::view::{Freshness, Use, View};
use crate::mvcc::write_buffer::WriteBuffer;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum BoundKind {
    Unbounded,
    Included,
    Excluded,
}

#[derive(Debug)]
struct OwnedBound {
    kind: BoundKind,
    key: Vec<u8>,
}

impl OwnedBound {
    fn new() -> Self {
        OwnedBound {
            kind: BoundKind::Unbounded,
            key: Vec::new(),
        }
    }

    fn set(&mut self, bound: Bound<&[u8]>) {
        self.key.clear();
        self.kind = match bound {
            Bound::Unbounded => BoundKind::Unbounded,
            Bound::Included(k) => {
                self.key.extend_from_slice(k);
                BoundKind::Included
            }
            Bound::Excluded(k) => {
                self.key.extend_from_slice(k);
                BoundKind::Excluded
            }
        };
    }

    fn get(&self) -> Bound<&[u8]> {
        match self.kind {
            BoundKind::Unbounded => Bound::Unbounded,
            BoundKind::Included => Bound::Included(&self.key),
            BoundKind::Excluded => Bound::Excluded(&self.key),
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Side {
    /// The storage lookahead must be (re)filled from the iterator.
    Pending,
    /// `st_key`/`st_val` hold the next storage entry.
    Ready,
    /// No more storage entries in range.
    Exhausted,
}

/// A reusable scan cursor of the MVCC layer.
pub struct MvccCursor<I> {
    view: Option<View<I>>,
    direction: Direction,
    start: OwnedBound,
    end: OwnedBound,
    /// Whether the iterator still has to be positioned for this range.
    needs_seek: bool,
    side: Side,
    st_key: Vec<u8>,
    /// Flag byte and payload of the storage lookahead.
    st_val: Vec<u8>,
    buf_last: Vec<u8>,
    buf_started: bool,
    out_key: Vec<u8>,
    out_val: Vec<u8>,
    seek_buf: Vec<u8>,
    positioned: bool,
    /// Reads the newest versions, not the snapshot's (`seek_latest`).
    latest: bool,
}

impl<I: RawIter> MvccCursor<I> {
    pub(crate) fn new() -> Self {
        MvccCursor {
            view: None,
            direction: Direction::Forward,
            start: OwnedBound::new(),
            end: OwnedBound::new(),
            needs_seek: false,
            side: Side::Exhausted,
            st_key: Vec::new(),
            st_val: Vec::new(),
            buf_last: Vec::new(),
            buf_started: false,
            out_key: Vec::new(),
            out_val: Vec::new(),
            seek_buf: Vec::new(),
            positioned: false,
            latest: false,
        }
    }

    fn range(&self) -> KeyRange<'_> {
        KeyRange {
            start: self.start.get(),
            end: self.end.get(),
        }
    }

    /// Re-points the cursor (see [`crate::api::Transaction::seek`]);
    /// `snapshot` `None` reads the newest applied versions instead
    /// ([`crate::api::Transaction::seek_latest`]).
    pub(crate) fn seek<B: Backend<Iter = I>>(
        &mut self,
        shared: &Shared<B>,
        snapshot: Option<Timestamp>,
        range: KeyRange<'_>,
        direction: Direction,
    ) -> Result<()> {
        let need = match snapshot {
            Some(ts) => Freshness::Snapshot(ts),
            None => Freshness::Latest,
        };
        self.latest = snapshot.is_none();
        View::ensure(&mut self.view, shared, need, Use::Scan)?;
        self.start.set(range.start);
        self.end.set(range.end);
        self.direction = direction;
        self.needs_seek = true;
        self.side = Side::Pending;
        self.buf_last.clear();
        self.buf_started = false;
        self.positioned = true;
        Ok(())
    }

    fn position_iter(&mut self) {
        let iter = &mut self.view.as_mut().expect("seek ensured a view").iter;
        let buf = &mut self.seek_buf;
        match self.direction {
            Direction::Forward => match self.start.kind {
                BoundKind::Unbounded => iter.seek_to_first(),
                // Versions of k are k ++ suffix > k, so seeking k finds k's newest.
                BoundKind::Included => iter.seek(&self.start.key),
                // Past every version of k: k ++ FF..FF is its oldest possible one.
                BoundKind::Excluded => {
                    buf.clear();
                    buf.extend_from_slice(&self.start.key);
                    buf.extend_from_slice(&[0xFF; TS_LEN]);
                    iter.seek(buf);
                    if iter.valid() && iter.key() == buf.as_slice() {
                        iter.next();
                    }
                }
            },
            Direction::Backward => match self.end.kind {
                BoundKind::Unbounded => iter.seek_to_last(),
                BoundKind::Included => {
                    buf.clear();
                    buf.extend_from_slice(&self.end.key);
                    buf.extend_from_slice(&[0xFF; TS_LEN]);
                    iter.seek_for_prev(buf);
                }
                // Every version of k sorts after k itself.
                BoundKind::Excluded => iter.seek_for_prev(&self.end.key),
            },
        }
    }

    /// Fills the storage lookahead with the next visible entry in range.
    fn fill(&mut self, snapshot: Timestamp) -> Result<()> {
        if self.needs_seek {
            self.position_iter();
            self.needs_seek = false;
        }
        let range = KeyRange {
            start: self.start.get(),
            end: self.end.get(),
        };
        let iter = &mut self.view.as_mut().expect("seek ensured a view").iter;
        match self.direction {
            Direction::Forward => loop {
                if !iter.valid() {
                    iter.status()?;
                    self.side = Side::Exhausted;
                    return Ok(());
                }
                let (key, ts) = decode_version_key(iter.key())?;
                if !range.below_end(key) {
                    self.side = Side::Exhausted;
                    return Ok(());
                }
                if ts > snapshot || !range.above_start(key) {
                    iter.next();
                    continue;
                }
                self.st_key.clear();
                self.st_key.extend_from_slice(key);
                self.st_val.clear();
                self.st_val.extend_from_slice(iter.value());
                // Step over the older versions of this key.
                iter.next();
                while iter.valid() && same_user_key(iter.key(), &self.st_key) {
                    iter.next();
                }
                if !is_tombstone(&self.st_val) {
                    self.side = Side::Ready;
                    return Ok(());
                }
            },
            Direction::Backward => loop {
                if !iter.valid() {
                    iter.status()?;
                    self.side = Side::Exhausted;
                    return Ok(());
                }
                let (key, _) = decode_version_key(iter.key())?;
                if !range.above_start(key) {
                    self.side = Side::Exhausted;
                    return Ok(());
                }
                let in_range = range.below_end(key);
                self.st_key.clear();
                self.st_key.extend_from_slice(key);
                let mut found = false;
                // Oldest version first; the last one at or below the snapshot wins.
                while iter.valid() && same_user_key(iter.key(), &self.st_key) {
                    let (_, ts) = decode_version_key(iter.key())?;
                    if ts <= snapshot && in_range {
                        self.st_val.clear();
                        self.st_val.extend_from_slice(iter.value());
                        found = true;
                    }
                    iter.prev();
                }
                if found && !is_tombstone(&self.st_val) {
                    self.side = Side::Ready;
                    return Ok(());
                }
            },
        }
    }

    /// The next buffered write in range after the last one passed.
    fn next_buffered<'w>(&self, writes: &'w WriteBuffer) -> Option<(&'w [u8], Option<&'w [u8]>)> {
        if writes.is_empty() {
            return None;
        }
        let range = self.range();
        match self.direction {
            Direction::Forward => {
                let lo = if self.buf_started {
                    Bound::Excluded(self.buf_last.as_slice())
                } else {
                    range.start
                };
                if !non_empty(lo, range.end) {
                    return None;
                }
                writes.range(lo, range.end, self.latest).next()
            }
            Direction::Backward => {
                let hi = if self.buf_started {
                    Bound::Excluded(self.buf_last.as_slice())
                } else {
                    range.end
                };
                if !non_empty(range.start, hi) {
                    return None;
                }
                writes.range(range.start, hi, self.latest).next_back()
            }
        }
    }

    /// Returns the next merged entry (see [`crate::api::Transaction::next`]).
    pub(crate) fn next(
        &mut self,
        snapshot: Timestamp,
        writes: &WriteBuffer,
    ) -> Result<Option<(&[u8], &[u8])>> {
        if !self.positioned {
            return Ok(None);
        }
        loop {
            if self.side == Side::Pending {
                self.fill(if self.latest {
                    Timestamp::MAX
                } else {
                    snapshot
                })?;
            }
            let buffered = self.next_buffered(writes);
            let storage_ready = self.side == Side::Ready;
            let take_buffer = match (storage_ready, buffered) {
                (false, None) => {
                    self.positioned = false;
                    return Ok(None);
                }
                (true, None) => false,
                (false, Some(_)) => true,
                (true, Some((bk, _))) => {
                    let ord = bk.cmp(self.st_key.as_slice());
                    if ord == std::cmp::Ordering::Equal {
                        // The buffered write shadows the stored version.
                        self.side = Side::Pending;
                        true
                    } else {
                        match self.direction {
                            Direction::Forward => ord.is_lt(),
                            Direction::Backward => ord.is_gt(),
                        }
                    }
                }
            };
            if take_buffer {
                let (bk, bv) = buffered.expect("chosen only when present");
                self.buf_last.clear();
                self.buf_last.extend_from_slice(bk);
                self.buf_started = true;
                let Some(value) = bv else {
                    continue;
                };
                self.out_key.clear();
                self.out_key.extend_from_slice(bk);
                self.out_val.clear();
                self.out_val.extend_from_slice(value);
                return Ok(Some((&self.out_key, &self.out_val)));
            }
            // Later buffered lookups start after the key emitted here.
            self.buf_last.clear();
            self.buf_last.extend_from_slice(&self.st_key);
            self.buf_started = true;
            self.side = Side::Pending;
            return Ok(Some((&self.st_key, &self.st_val[1..])));
        }
    }
}

fn same_user_key(version_key: &[u8], user_key: &[u8]) -> bool {
    version_key.len() == user_key.len() + TS_LEN && version_key.starts_with(user_key)
}

/// Whether a `BTreeMap::range` over `(lo, hi)` is valid and may be non-empty
/// (the map panics on inverted or empty-excluded ranges).
fn non_empty(lo: Bound<&[u8]>, hi: Bound<&[u8]>) -> bool {
    match (lo, hi) {
        (Bound::Unbounded, _) | (_, Bound::Unbounded) => true,
        (Bound::Included(a), Bound::Included(b)) => a <= b,
        (Bound::Included(a), Bound::Excluded(b))
        | (Bound::Excluded(a), Bound::Included(b))
        | (Bound::Excluded(a), Bound::Excluded(b)) => a < b,
    }
}
