//! Hash-partitioned spill: the batches of every hashing operator past
//! `work_mem` (the hash join, hash aggregation, DISTINCT, UNION,
//! INTERSECT and EXCEPT), as PostgreSQL's hash join batches and hash
//! aggregate spill partitions.
//!
//! An operator whose hash table fills `work_mem` sends the rows of keys
//! it does not hold to [`Partitions`]: [`FANOUT`] [`TupleStore`]s, the
//! batch chosen by a hash of the row's key bytes at the split level
//! ([`batch_of`], a different hash function per level), so that all the
//! rows of one key land in one batch. Each batch is then processed on
//! its own with a fresh table; a batch that still fills it is split
//! again one level down, up to [`MAX_DEPTH`] levels (past it the table
//! just grows: a batch of one key cannot be split).
//!
//! The batches share the operator's `work_mem` (each keeps
//! `work_mem / FANOUT` in memory before moving to its file), and their
//! files count against the statement's `temp_file_limit` as every
//! temporary file does. Pending batches live in a [`Pending`] queue, so
//! operators process them iteratively, not by recursion.

use std::hash::{Hash, Hasher};

use crate::error::Result;
use crate::exec::spill::{SpillEnv, TupleStore};
use crate::types::Value;

/// Batches per split.
pub const FANOUT: usize = 32;

/// The most times a batch is split again.
pub const MAX_DEPTH: u32 = 4;

/// The batch of a key at split level `depth` (a different hash function
/// per level).
pub fn batch_of(key: &[u8], depth: u32) -> usize {
    let mut h = std::collections::hash_map::DefaultHasher::new();
    depth.hash(&mut h);
    key.hash(&mut h);
    (h.finish() % FANOUT as u64) as usize
}

/// [`FANOUT`] empty stores sharing `env`'s `work_mem`.
pub fn stores(env: &SpillEnv) -> Vec<TupleStore> {
    let share = env.with_work_mem(env.work_mem() / FANOUT);
    (0..FANOUT)
        .map(|_| TupleStore::new(share.clone()))
        .collect()
}

/// Rows split by the hash of their key at one level.
pub struct Partitions {
    depth: u32,
    stores: Vec<TupleStore>,
}

impl Partitions {
    /// Empty batches at split level `depth`, within `env`.
    pub fn new(env: &SpillEnv, depth: u32) -> Self {
        Partitions {
            depth,
            stores: stores(env),
        }
    }

    /// Appends `row` to the batch of `key` (53400 past
    /// `temp_file_limit`).
    pub fn push(&mut self, key: &[u8], row: &[Value]) -> Result<()> {
        self.stores[batch_of(key, self.depth)].push(row)
    }

    /// The split level.
    pub fn depth(&self) -> u32 {
        self.depth
    }
}

/// Batches still to process, each with the level its rows split at when
/// it overflows again.
#[derive(Default)]
pub struct Pending {
    batches: Vec<(TupleStore, u32)>,
}

impl Pending {
    /// Queues the non-empty batches of `parts` (their next split is one
    /// level down).
    pub fn add(&mut self, parts: Partitions) {
        let depth = parts.depth + 1;
        self.batches.extend(
            parts
                .stores
                .into_iter()
                .filter(|s| !s.is_empty())
                .map(|s| (s, depth)),
        );
    }

    /// The next batch, rewound, with its split level; `None` when all are
    /// done.
    pub fn next_batch(&mut self) -> Option<(TupleStore, u32)> {
        let (mut s, depth) = self.batches.pop()?;
        s.rewind();
        Some((s, depth))
    }
}

/// Whether a table at split level `depth` may still split its overflow
/// (a deeper one just grows).
pub fn may_split(depth: u32) -> bool {
    depth <= MAX_DEPTH
}
