//! Garbage collection of old versions.
//!
//! A version is garbage when every snapshot that can still be taken or is in
//! use sees a newer version of the same key. The oracle publishes the *safe
//! point* `S`: the oldest timestamp a live or future snapshot can read at.
//! Walking one key's versions newest first, the first version with
//! `ts <= S` is what every reader sees; everything older is dropped.
//!
//! That newest-visible version itself is dropped too when it is a tombstone,
//! but only in a compaction that sees *all* the data (`full`) and only if the
//! tombstone is at or below the *tombstone horizon*: a safe point recorded
//! before the memtable was flushed. Otherwise an older version of the key
//! that still sat in the memtable (commits are applied slightly out of
//! timestamp order) would come back to life once the tombstone is gone.
//!
//! [`VersionFilter`] is the one decision function; the RocksDB compaction
//! filter and the in-memory backend's sweep both call it, key by key, in
//! key order.

use std::sync::atomic::{AtomicU64, Ordering};

use crate::api::Timestamp;
use crate::mvcc::key::{decode_version_key, is_tombstone};

/// GC thresholds shared between the oracle and the backends.
#[derive(Debug, Default)]
pub struct GcState {
    safe_point: AtomicU64,
    tombstone_horizon: AtomicU64,
}

impl GcState {
    /// The current safe point.
    pub fn safe_point(&self) -> Timestamp {
        self.safe_point.load(Ordering::Acquire)
    }

    /// Publishes a new safe point (never moves backwards).
    pub fn advance_safe_point(&self, ts: Timestamp) {
        self.safe_point.fetch_max(ts, Ordering::AcqRel);
    }

    /// Tombstones at or below this timestamp may be dropped by a full compaction.
    pub fn tombstone_horizon(&self) -> Timestamp {
        self.tombstone_horizon.load(Ordering::Acquire)
    }

    /// Records a tombstone horizon; call only after every version at or
    /// below `ts` has been flushed out of the memtable.
    pub fn advance_tombstone_horizon(&self, ts: Timestamp) {
        self.tombstone_horizon.fetch_max(ts, Ordering::AcqRel);
    }
}

/// Decides, key by key in key order, which versions to keep.
#[derive(Debug)]
pub struct VersionFilter {
    safe_point: Timestamp,
    tombstone_horizon: Option<Timestamp>,
    current: Vec<u8>,
    shadowed: bool,
}

impl VersionFilter {
    /// A filter for one pass over (part of) the data. `full` says the pass
    /// sees every version of every key it meets.
    pub fn new(gc: &GcState, full: bool) -> Self {
        VersionFilter {
            safe_point: gc.safe_point(),
            tombstone_horizon: full.then(|| gc.tombstone_horizon()),
            current: Vec::new(),
            shadowed: false,
        }
    }

    /// Whether the version stored as `key` -> `value` must be kept. Keys must
    /// arrive in ascending order. Unparseable keys are always kept.
    pub fn keep(&mut self, key: &[u8], value: &[u8]) -> bool {
        let Ok((user_key, ts)) = decode_version_key(key) else {
            return true;
        };
        if user_key != self.current.as_slice() {
            self.current.clear();
            self.current.extend_from_slice(user_key);
            self.shadowed = false;
        }
        if self.shadowed {
            return false;
        }
        if ts > self.safe_point {
            return true;
        }
        // The newest version every reader sees; all older ones are garbage.
        self.shadowed = true;
        !matches!(self.tombstone_horizon, Some(horizon) if is_tombstone(value) && ts <= horizon)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::mvcc::key::{encode_version_key, encode_version_value};

    fn version(key: &[u8], ts: u64, value: Option<&[u8]>) -> (Vec<u8>, Vec<u8>) {
        let mut k = Vec::new();
        let mut v = Vec::new();
        encode_version_key(&mut k, key, ts);
        encode_version_value(&mut v, value);
        (k, v)
    }

    #[test]
    fn keeps_newest_visible_and_newer_versions() {
        let gc = GcState::default();
        gc.advance_safe_point(20);
        let mut f = VersionFilter::new(&gc, false);
        let (k30, v30) = version(b"a", 30, Some(b"x"));
        let (k20, v20) = version(b"a", 20, Some(b"y"));
        let (k10, v10) = version(b"a", 10, Some(b"z"));
        let (kb, vb) = version(b"b", 5, Some(b"w"));
        assert!(f.keep(&k30, &v30));
        assert!(f.keep(&k20, &v20));
        assert!(!f.keep(&k10, &v10));
        assert!(f.keep(&kb, &vb));
    }

    #[test]
    fn tombstones_go_only_in_full_passes_below_the_horizon() {
        let gc = GcState::default();
        gc.advance_safe_point(20);
        let (k, v) = version(b"a", 10, None);
        assert!(VersionFilter::new(&gc, false).keep(&k, &v));
        assert!(VersionFilter::new(&gc, true).keep(&k, &v));
        gc.advance_tombstone_horizon(15);
        assert!(VersionFilter::new(&gc, false).keep(&k, &v));
        assert!(!VersionFilter::new(&gc, true).keep(&k, &v));
    }
}
