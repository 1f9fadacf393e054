//! Spilling to temporary files: what lets operators honour `work_mem`.
//!
//! An operator that may hold many rows (a sort, a hash join's build side,
//! a materialized result) asks its [`Ctx`](crate::exec::ctx::Ctx) for a
//! [`SpillEnv`]: the statement's `work_mem` (bytes an operator may hold
//! before spilling), its `temp_file_limit` (bytes all its temporary files
//! may hold together, 53400 past it) and the directory its files go to
//! ([`temp_files::TempDir`]). [`tuple_store::TupleStore`] is the row
//! buffer built on it; the external sort ([`crate::exec::sort`]) uses it,
//! and so do the hash-partitioned batches ([`partitions`]) of the hash
//! join, hash aggregation, DISTINCT and the set operations.
//!
//! Every file is removed when the operator that made it is dropped (at
//! the end of the statement, on an error, a cancel or a panic), and a
//! database's temporary directory is emptied when it opens.

pub mod external_sort;
pub mod key_set;
pub mod partitions;
pub mod row_codec;
pub mod temp_files;
pub mod tuple_store;

use std::sync::Arc;

use crate::error::Result;
use crate::settings::{DEFAULT_HASH_MEM_MULTIPLIER, DEFAULT_WORK_MEM};
use temp_files::{TempDir, TempFile, TempUsage};

pub use tuple_store::TupleStore;

/// The limits and the directory a statement's operators spill within
/// (cheap to clone: the directory and the usage count are shared).
#[derive(Debug, Clone)]
pub struct SpillEnv {
    dir: Arc<TempDir>,
    usage: Arc<TempUsage>,
    work_mem: usize,
    /// Hash tables may hold this many times `work_mem`.
    hash_mem_multiplier: f64,
}

impl SpillEnv {
    /// Limits read from `settings` (`work_mem`, `hash_mem_multiplier`,
    /// `temp_file_limit`; defaults without), files in `dir`.
    pub fn new(dir: Arc<TempDir>, settings: Option<&crate::settings::Settings>) -> Self {
        let (work_mem, multiplier, limit) = match settings {
            Some(s) => (
                s.work_mem_bytes(),
                s.hash_mem_multiplier(),
                s.temp_file_limit_kb(),
            ),
            None => (DEFAULT_WORK_MEM, DEFAULT_HASH_MEM_MULTIPLIER, None),
        };
        let mut env = Self::with_limits(dir, work_mem, limit);
        env.hash_mem_multiplier = multiplier;
        env
    }

    /// Explicit limits: `work_mem` in bytes (hash tables too: a multiplier
    /// of 1), `temp_file_limit` in kB (`None`: unlimited).
    pub fn with_limits(
        dir: Arc<TempDir>,
        work_mem: usize,
        temp_file_limit_kb: Option<u64>,
    ) -> Self {
        SpillEnv {
            dir,
            usage: Arc::new(TempUsage::new(temp_file_limit_kb)),
            work_mem,
            hash_mem_multiplier: 1.0,
        }
    }

    /// The same directory and `temp_file_limit` count with another
    /// `work_mem` (an operator's share for each of its parts).
    pub fn with_work_mem(&self, work_mem: usize) -> SpillEnv {
        SpillEnv {
            dir: Arc::clone(&self.dir),
            usage: Arc::clone(&self.usage),
            work_mem,
            hash_mem_multiplier: self.hash_mem_multiplier,
        }
    }

    /// The bytes one operator may hold in memory.
    pub fn work_mem(&self) -> usize {
        self.work_mem
    }

    /// The bytes one hash table (hash join, hash aggregation, hashed
    /// DISTINCT and set operations) may hold: `work_mem` times
    /// `hash_mem_multiplier`, as PostgreSQL's `get_hash_memory_limit`.
    pub fn hash_mem(&self) -> usize {
        let bytes = self.work_mem as f64 * self.hash_mem_multiplier;
        if bytes >= usize::MAX as f64 {
            usize::MAX
        } else {
            bytes as usize
        }
    }

    /// The temporary directory.
    pub fn dir(&self) -> &Arc<TempDir> {
        &self.dir
    }

    /// The bytes the statement's temporary files hold now.
    pub fn temp_bytes(&self) -> u64 {
        self.usage.used()
    }

    /// A new temporary file (removed when dropped).
    pub fn create_file(&self) -> Result<TempFile> {
        TempFile::create(&self.dir, Arc::clone(&self.usage))
    }
}

#[cfg(test)]
mod tests;
