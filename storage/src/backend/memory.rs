//! The in-memory backend: an ordered map behind a read-write lock.
//!
//! It exists so that the MVCC layer, and everything above it, can be tested
//! and embedded without a disk. Its iterator reads the live map (each step
//! re-enters the map by key), which is correct for MVCC: versions at or
//! below a snapshot never change, and garbage collection only removes
//! versions that no live snapshot can see. Nothing here is durable: `sync`
//! is accepted and ignored.

use std::collections::BTreeMap;
use std::ops::Bound;
use std::sync::Arc;

use parking_lot::RwLock;

use super::{Backend, RawBatch, RawIter};
use crate::error::Result;
use crate::mvcc::gc::{GcState, VersionFilter};

type Map = BTreeMap<Vec<u8>, Vec<u8>>;

/// An in-memory backend. Cloning shares the same data.
#[derive(Debug, Default, Clone)]
pub struct MemoryBackend {
    data: Arc<RwLock<Map>>,
    meta: Arc<RwLock<BTreeMap<Vec<u8>, Vec<u8>>>>,
}

impl MemoryBackend {
    /// An empty backend.
    pub fn new() -> Self {
        Self::default()
    }

    /// Number of stored versions (tests use it to observe GC).
    pub fn version_count(&self) -> usize {
        self.data.read().len()
    }
}

/// A batch of puts, applied under one write lock.
#[derive(Debug, Default)]
pub struct MemoryBatch {
    puts: Vec<(Vec<u8>, Vec<u8>)>,
}

impl RawBatch for MemoryBatch {
    fn put(&mut self, key: &[u8], value: &[u8]) {
        self.puts.push((key.to_vec(), value.to_vec()));
    }

    fn len(&self) -> usize {
        self.puts.len()
    }
}

/// An iterator over the live map. Its key and value buffers are reused, so
/// stepping allocates nothing once they have grown.
#[derive(Debug)]
pub struct MemoryIter {
    data: Arc<RwLock<Map>>,
    valid: bool,
    key: Vec<u8>,
    value: Vec<u8>,
    scratch: Vec<u8>,
}

impl MemoryIter {
    fn position(&mut self, lower: Bound<&[u8]>, upper: Bound<&[u8]>, forward: bool) {
        let data = Arc::clone(&self.data);
        let map = data.read();
        let mut range = map.range::<[u8], _>((lower, upper));
        let entry = if forward {
            range.next()
        } else {
            range.next_back()
        };
        self.valid = entry.is_some();
        if let Some((k, v)) = entry {
            self.key.clear();
            self.key.extend_from_slice(k);
            self.value.clear();
            self.value.extend_from_slice(v);
        }
    }

    fn step(&mut self, forward: bool) {
        if !self.valid {
            return;
        }
        let mut from = std::mem::take(&mut self.scratch);
        from.clear();
        from.extend_from_slice(&self.key);
        if forward {
            self.position(Bound::Excluded(&from), Bound::Unbounded, true);
        } else {
            self.position(Bound::Unbounded, Bound::Excluded(&from), false);
        }
        self.scratch = from;
    }
}

impl RawIter for MemoryIter {
    fn refresh(&mut self) -> Result<()> {
        self.valid = false;
        Ok(())
    }

    fn seek(&mut self, key: &[u8]) {
        self.position(Bound::Included(key), Bound::Unbounded, true);
    }

    fn seek_for_prev(&mut self, key: &[u8]) {
        self.position(Bound::Unbounded, Bound::Included(key), false);
    }

    fn seek_to_first(&mut self) {
        self.position(Bound::Unbounded, Bound::Unbounded, true);
    }

    fn seek_to_last(&mut self) {
        self.position(Bound::Unbounded, Bound::Unbounded, false);
    }

    fn valid(&self) -> bool {
        self.valid
    }

    fn next(&mut self) {
        self.step(true);
    }

    fn prev(&mut self) {
        self.step(false);
    }

    fn key(&self) -> &[u8] {
        if self.valid {
            &self.key
        } else {
            &[]
        }
    }

    fn value(&self) -> &[u8] {
        if self.valid {
            &self.value
        } else {
            &[]
        }
    }

    fn status(&self) -> Result<()> {
        Ok(())
    }
}

impl Backend for MemoryBackend {
    type Batch = MemoryBatch;
    type Iter = MemoryIter;

    fn batch(&self) -> MemoryBatch {
        MemoryBatch::default()
    }

    fn write(&self, batch: MemoryBatch, _sync: bool) -> Result<()> {
        let mut map = self.data.write();
        for (k, v) in batch.puts {
            map.insert(k, v);
        }
        Ok(())
    }

    fn iter(&self) -> Result<MemoryIter> {
        Ok(MemoryIter {
            data: Arc::clone(&self.data),
            valid: false,
            key: Vec::new(),
            value: Vec::new(),
            scratch: Vec::new(),
        })
    }

    fn get_meta(&self, key: &[u8]) -> Result<Option<Vec<u8>>> {
        Ok(self.meta.read().get(key).cloned())
    }

    fn put_meta(&self, key: &[u8], value: &[u8], _sync: bool) -> Result<()> {
        self.meta.write().insert(key.to_vec(), value.to_vec());
        Ok(())
    }

    fn delete_range(&self, start: &[u8], end: &[u8]) -> Result<()> {
        let mut map = self.data.write();
        let mut tail = map.split_off(start);
        let mut rest = tail.split_off(end);
        map.append(&mut rest);
        Ok(())
    }

    fn approximate_size(&self, start: &[u8], end: &[u8]) -> Result<u64> {
        // Exact: the live map is in memory anyway.
        if start >= end {
            return Ok(0);
        }
        let map = self.data.read();
        Ok(map
            .range::<[u8], _>((Bound::Included(start), Bound::Excluded(end)))
            .map(|(k, v)| (k.len() + v.len()) as u64)
            .sum())
    }

    fn compact(&self, gc: &Arc<GcState>) -> Result<()> {
        // Everything applied is "flushed" here, so the horizon is the safe point.
        gc.advance_tombstone_horizon(gc.safe_point());
        let mut map = self.data.write();
        let mut filter = VersionFilter::new(gc, true);
        map.retain(|k, v| filter.keep(k, v));
        Ok(())
    }
}
