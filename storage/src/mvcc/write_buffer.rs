//! A transaction's buffered writes, in an arena.
//!
//! Every key and value a transaction writes is copied once into a
//! `bumpalo` arena; a `BTreeMap` of arena slices keeps them sorted for
//! point lookups (read-your-writes) and for the merged scans of
//! [`crate::mvcc::cursor`]. So a write costs no heap allocation of its own:
//! the arena grows in doubling chunks, and the map allocates one node per
//! handful of entries. Savepoints keep an undo log of arena slices, which
//! stay valid because nothing in the arena is freed or overwritten before
//! [`WriteBuffer::clear`].
//!
//! Buffers are recycled through a [`BufferPool`] shared by the store's
//! transactions: `clear` keeps the arena's largest chunk, so a transaction
//! that takes a warm buffer writes its first rows without allocating. A
//! buffer whose arena grew past [`BufferPool`]'s retention limit is dropped
//! instead of pooled, so one huge transaction does not pin its memory.
//!
//! A *statement view* ([`WriteBuffer::open_view`]) freezes what plain reads
//! see of the buffer: from then on each key written keeps, beside its new
//! state, its state when the view opened, and [`WriteBuffer::get`] and
//! [`WriteBuffer::range`] answer with that state (a key not buffered then
//! is not buffered for them, so the stored version shows through). One
//! statement whose parts write and read the same table (a data-modifying
//! `WITH` item and the query around it) then reads as of its start, as
//! PostgreSQL's single snapshot does, while the `_latest` reads (locks,
//! constraint checks, commit) see every write.

use std::borrow::Borrow;
use std::cmp::Ordering;
use std::collections::BTreeMap;
use std::ops::Bound;
use std::ptr::NonNull;

use bumpalo::Bump;
use parking_lot::Mutex;

/// A byte slice in a [`WriteBuffer`]'s arena.
///
/// Invariant: points at `len` initialised bytes inside the arena of the
/// buffer that holds it, which outlives every `ArenaSlice` it hands out
/// (the map and the undo log are emptied before the arena is reset).
#[derive(Clone, Copy)]
struct ArenaSlice {
    ptr: NonNull<u8>,
    len: usize,
}

// SAFETY: an `ArenaSlice` is a read-only view of bytes owned by the
// `WriteBuffer` that contains it; it moves between threads together with
// that buffer, and the bytes are never written after the slice is made.
unsafe impl Send for ArenaSlice {}
// SAFETY: as above; shared access only reads immutable bytes.
unsafe impl Sync for ArenaSlice {}

impl ArenaSlice {
    fn copy_into(arena: &Bump, bytes: &[u8]) -> Self {
        let stored: &mut [u8] = arena.alloc_slice_copy(bytes);
        ArenaSlice {
            len: stored.len(),
            ptr: NonNull::from(stored).cast(),
        }
    }

    fn bytes(&self) -> &[u8] {
        // SAFETY: see the type's invariant.
        unsafe { std::slice::from_raw_parts(self.ptr.as_ptr(), self.len) }
    }
}

impl Borrow<[u8]> for ArenaSlice {
    fn borrow(&self) -> &[u8] {
        self.bytes()
    }
}

impl PartialEq for ArenaSlice {
    fn eq(&self, other: &Self) -> bool {
        self.bytes() == other.bytes()
    }
}

impl Eq for ArenaSlice {}

impl PartialOrd for ArenaSlice {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

impl Ord for ArenaSlice {
    fn cmp(&self, other: &Self) -> Ordering {
        self.bytes().cmp(other.bytes())
    }
}

/// A key's buffered state before a write: `None` when it was not buffered,
/// `Some(None)` for a buffered delete.
type Before = Option<Option<ArenaSlice>>;

/// The buffered writes of one transaction: key -> value, `None` = delete;
/// see the module docs.
pub(crate) struct WriteBuffer {
    map: BTreeMap<ArenaSlice, Option<ArenaSlice>>,
    /// While savepoints are open: each write's key and the key's state
    /// before it, oldest first.
    undo: Vec<(ArenaSlice, Before)>,
    /// Undo-log length at each open savepoint.
    savepoints: Vec<usize>,
    /// The open statement view: the savepoint it opened, and each key
    /// written since with its state when it opened.
    view: Option<(usize, BTreeMap<ArenaSlice, Before>)>,
    /// Declared last so it is dropped after the slices pointing into it.
    arena: Bump,
}

// SAFETY: the arena (`Bump`, which uses `Cell`s inside) is only touched
// through `&mut WriteBuffer` (`write`, `clear`, `arena_bytes`); every
// `&self` method reads the map and the immutable bytes the slices point
// at, so shared references on several threads never race.
unsafe impl Sync for WriteBuffer {}

impl Default for WriteBuffer {
    fn default() -> Self {
        WriteBuffer::new()
    }
}

impl WriteBuffer {
    /// An empty buffer.
    pub(crate) fn new() -> Self {
        WriteBuffer {
            map: BTreeMap::new(),
            undo: Vec::new(),
            savepoints: Vec::new(),
            view: None,
            arena: Bump::new(),
        }
    }

    /// Number of buffered keys.
    pub(crate) fn len(&self) -> usize {
        self.map.len()
    }

    /// Whether nothing is buffered.
    pub(crate) fn is_empty(&self) -> bool {
        self.map.is_empty()
    }

    /// The buffered state of `key` as plain reads see it (as of the open
    /// statement view, if any): `Some(Some(value))`, `Some(None)` for a
    /// buffered delete, `None` when the key was not written.
    pub(crate) fn get(&self, key: &[u8]) -> Option<Option<&[u8]>> {
        if let Some((_, before)) = &self.view {
            if let Some(state) = before.get(key) {
                return state.as_ref().map(|v| v.as_ref().map(ArenaSlice::bytes));
            }
        }
        self.get_latest(key)
    }

    /// The buffered state of `key` after every write, whatever view is
    /// open.
    pub(crate) fn get_latest(&self, key: &[u8]) -> Option<Option<&[u8]>> {
        self.map.get(key).map(|v| v.as_ref().map(ArenaSlice::bytes))
    }

    /// Whether `key` was written.
    pub(crate) fn contains_key(&self, key: &[u8]) -> bool {
        self.map.contains_key(key)
    }

    /// Buffers a put (`Some`) or delete (`None`) of `key`.
    pub(crate) fn write(&mut self, key: &[u8], value: Option<&[u8]>) {
        let value = value.map(|v| ArenaSlice::copy_into(&self.arena, v));
        let logging = !self.savepoints.is_empty();
        if let Some((stored_key, slot)) = self.map.get_key_value(key) {
            let stored_key = *stored_key;
            let before = *slot;
            if logging {
                self.undo.push((stored_key, Some(before)));
            }
            if let Some((_, states)) = &mut self.view {
                states.entry(stored_key).or_insert(Some(before));
            }
            self.map.insert(stored_key, value);
            return;
        }
        let stored_key = ArenaSlice::copy_into(&self.arena, key);
        if logging {
            self.undo.push((stored_key, None));
        }
        if let Some((_, states)) = &mut self.view {
            states.entry(stored_key).or_insert(None);
        }
        self.map.insert(stored_key, value);
    }

    /// Every buffered write in key order.
    pub(crate) fn iter(&self) -> impl Iterator<Item = (&[u8], Option<&[u8]>)> {
        self.map
            .iter()
            .map(|(k, v)| (k.bytes(), v.as_ref().map(ArenaSlice::bytes)))
    }

    /// The buffered writes with keys in `(lo, hi)`, in key order, as
    /// plain reads see them (as of the open statement view, if any: a key
    /// not buffered when it opened is left out). With `latest`, every
    /// write. The bounds must describe a valid range (see
    /// `BTreeMap::range`).
    pub(crate) fn range<'w>(
        &'w self,
        lo: Bound<&[u8]>,
        hi: Bound<&[u8]>,
        latest: bool,
    ) -> impl DoubleEndedIterator<Item = (&'w [u8], Option<&'w [u8]>)> {
        let view = if latest {
            None
        } else {
            self.view.as_ref().map(|(_, states)| states)
        };
        self.map
            .range::<[u8], _>((lo, hi))
            .filter_map(move |(k, v)| {
                let state: &'w Option<ArenaSlice> =
                    match view.and_then(|states| states.get(k.bytes())) {
                        Some(before) => before.as_ref()?,
                        None => v,
                    };
                Some((k.bytes(), state.as_ref().map(ArenaSlice::bytes)))
            })
    }

    /// Opens the statement view (see the module docs) at a savepoint of its
    /// own; returns that savepoint's depth, for [`WriteBuffer::close_view`].
    /// A view already open stays (and its depth is returned).
    pub(crate) fn open_view(&mut self) -> usize {
        if let Some((depth, _)) = &self.view {
            return *depth;
        }
        let depth = self.savepoint();
        self.view = Some((depth, BTreeMap::new()));
        depth
    }

    /// Closes the statement view opened at `depth`, keeping its writes.
    pub(crate) fn close_view(&mut self, depth: usize) {
        if self.view.as_ref().is_some_and(|(d, _)| *d == depth) {
            self.view = None;
            self.release(depth);
        }
    }

    /// Opens a savepoint; returns its depth (0 for the outermost).
    pub(crate) fn savepoint(&mut self) -> usize {
        self.savepoints.push(self.undo.len());
        self.savepoints.len() - 1
    }

    /// Undoes every write since savepoint `depth`, which stays open.
    pub(crate) fn rollback_to(&mut self, depth: usize) {
        let Some(&mark) = self.savepoints.get(depth) else {
            return;
        };
        // Undoing past the view's own savepoint ends it. Undoing to it (or
        // inside it) keeps it: the states it keeps are still those of its
        // opening.
        if self.view.as_ref().is_some_and(|(d, _)| *d > depth) {
            self.view = None;
        }
        while self.undo.len() > mark {
            let (key, before) = self.undo.pop().expect("checked length");
            match before {
                None => {
                    self.map.remove(key.bytes());
                }
                Some(state) => {
                    self.map.insert(key, state);
                }
            }
        }
        self.savepoints.truncate(depth + 1);
    }

    /// Closes savepoint `depth` and those inside it, keeping their writes.
    pub(crate) fn release(&mut self, depth: usize) {
        if self.view.as_ref().is_some_and(|(d, _)| *d > depth) {
            self.view = None;
        }
        self.savepoints.truncate(depth);
        if self.savepoints.is_empty() {
            self.undo.clear();
        }
    }

    /// Drops every write, keeping the arena's largest chunk for reuse.
    pub(crate) fn clear(&mut self) {
        self.view = None;
        self.map.clear();
        self.undo.clear();
        self.savepoints.clear();
        self.arena.reset();
    }

    /// Bytes the arena holds allocated.
    fn arena_bytes(&mut self) -> usize {
        self.arena.allocated_bytes()
    }
}

/// Idle [`WriteBuffer`]s, handed to new transactions; see the module docs.
pub(crate) struct BufferPool {
    idle: Mutex<Vec<WriteBuffer>>,
}

/// Buffers kept idle at most (about one per concurrent writer).
const POOL_MAX: usize = 64;

/// Buffers whose arena grew beyond this many bytes are not kept.
const RETAIN_MAX_BYTES: usize = 4 << 20;

impl BufferPool {
    /// An empty pool.
    pub(crate) fn new() -> Self {
        BufferPool {
            idle: Mutex::new(Vec::with_capacity(POOL_MAX)),
        }
    }

    /// An empty buffer, warm if one is idle.
    pub(crate) fn take(&self) -> WriteBuffer {
        self.idle.lock().pop().unwrap_or_default()
    }

    /// Clears `buffer` and keeps it for a later transaction, unless the pool
    /// is full or the buffer grew too large.
    pub(crate) fn give(&self, mut buffer: WriteBuffer) {
        if buffer.arena_bytes() > RETAIN_MAX_BYTES {
            return;
        }
        buffer.clear();
        let mut idle = self.idle.lock();
        if idle.len() < POOL_MAX {
            idle.push(buffer);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn state(b: &WriteBuffer) -> Vec<(Vec<u8>, Option<Vec<u8>>)> {
        b.iter()
            .map(|(k, v)| (k.to_vec(), v.map(<[u8]>::to_vec)))
            .collect()
    }

    #[test]
    fn writes_are_sorted_and_overwritten() {
        let mut b = WriteBuffer::new();
        b.write(b"b", Some(b"1"));
        b.write(b"a", Some(b"2"));
        b.write(b"c", None);
        b.write(b"b", Some(b"3"));
        assert_eq!(b.len(), 3);
        assert_eq!(b.get(b"b"), Some(Some(&b"3"[..])));
        assert_eq!(b.get(b"c"), Some(None));
        assert_eq!(b.get(b"d"), None);
        assert_eq!(
            state(&b),
            vec![
                (b"a".to_vec(), Some(b"2".to_vec())),
                (b"b".to_vec(), Some(b"3".to_vec())),
                (b"c".to_vec(), None),
            ]
        );
        let keys: Vec<&[u8]> = b
            .range(Bound::Excluded(b"a"), Bound::Unbounded, false)
            .rev()
            .map(|(k, _)| k)
            .collect();
        assert_eq!(keys, vec![&b"c"[..], &b"b"[..]]);
    }

    #[test]
    fn savepoints_undo_in_order() {
        let mut b = WriteBuffer::new();
        b.write(b"a", Some(b"1"));
        let outer = b.savepoint();
        b.write(b"a", Some(b"2"));
        b.write(b"b", Some(b"x"));
        let inner = b.savepoint();
        b.write(b"a", None);
        b.rollback_to(inner);
        assert_eq!(b.get(b"a"), Some(Some(&b"2"[..])));
        b.rollback_to(outer);
        assert_eq!(state(&b), vec![(b"a".to_vec(), Some(b"1".to_vec()))]);
        b.write(b"c", Some(b"y"));
        b.release(outer);
        b.rollback_to(outer);
        assert_eq!(b.len(), 2, "a released savepoint undoes nothing");
    }

    #[test]
    fn a_statement_view_reads_as_of_its_opening() {
        let mut b = WriteBuffer::new();
        b.write(b"a", Some(b"1"));
        b.write(b"b", Some(b"2"));
        let depth = b.open_view();
        b.write(b"a", Some(b"10"));
        b.write(b"b", None);
        b.write(b"c", Some(b"3"));
        b.write(b"a", Some(b"11"));
        // Plain reads see the buffer as the view opened.
        assert_eq!(b.get(b"a"), Some(Some(&b"1"[..])));
        assert_eq!(b.get(b"b"), Some(Some(&b"2"[..])));
        assert_eq!(b.get(b"c"), None, "not buffered when the view opened");
        let seen: Vec<(&[u8], Option<&[u8]>)> =
            b.range(Bound::Unbounded, Bound::Unbounded, false).collect();
        assert_eq!(
            seen,
            vec![(&b"a"[..], Some(&b"1"[..])), (&b"b"[..], Some(&b"2"[..]))]
        );
        let back: Vec<&[u8]> = b
            .range(Bound::Unbounded, Bound::Unbounded, false)
            .rev()
            .map(|(k, _)| k)
            .collect();
        assert_eq!(back, vec![&b"b"[..], &b"a"[..]]);
        // Latest reads see every write.
        assert_eq!(b.get_latest(b"a"), Some(Some(&b"11"[..])));
        assert_eq!(b.get_latest(b"b"), Some(None));
        let latest: Vec<&[u8]> = b
            .range(Bound::Unbounded, Bound::Unbounded, true)
            .map(|(k, _)| k)
            .collect();
        assert_eq!(latest, vec![&b"a"[..], &b"b"[..], &b"c"[..]]);
        // Closing it keeps the writes and shows them.
        b.close_view(depth);
        assert_eq!(b.get(b"a"), Some(Some(&b"11"[..])));
        assert_eq!(b.get(b"c"), Some(Some(&b"3"[..])));
        assert!(b.savepoints.is_empty() && b.undo.is_empty());
    }

    #[test]
    fn a_view_outlives_a_rollback_inside_it_and_ends_with_one_before_it() {
        let mut b = WriteBuffer::new();
        let outer = b.savepoint();
        b.write(b"a", Some(b"1"));
        let depth = b.open_view();
        b.write(b"a", Some(b"2"));
        b.rollback_to(depth);
        assert_eq!(b.get(b"a"), Some(Some(&b"1"[..])));
        b.write(b"a", Some(b"3"));
        assert_eq!(
            b.get(b"a"),
            Some(Some(&b"1"[..])),
            "still as of its opening"
        );
        b.rollback_to(outer);
        assert!(b.view.is_none());
        assert_eq!(b.get(b"a"), None);
        b.close_view(depth);
        assert_eq!(b.savepoints.len(), 1, "the outer savepoint stays open");
    }

    #[test]
    fn pooled_buffers_come_back_empty() {
        let pool = BufferPool::new();
        let mut b = pool.take();
        b.write(b"k", Some(&[7; 100]));
        pool.give(b);
        let mut b = pool.take();
        assert!(b.is_empty());
        assert!(b.arena_bytes() > 0, "the warm arena is kept");
    }
}
