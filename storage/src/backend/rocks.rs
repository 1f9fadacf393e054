//! The RocksDB backend.
//!
//! Two column families: `data` holds the MVCC versions, `default` holds the
//! small unversioned metadata (the oracle's reserved timestamp, later the GC
//! safe point and catalog version). Every transaction commit is one
//! `WriteBatch`; with `sync` RocksDB fsyncs the WAL before returning, and
//! concurrent writers are merged into one write group that shares one fsync.
//!
//! Garbage collection is a compaction filter on `data` built by a factory per
//! compaction: each filter captures the GC safe point when the compaction
//! starts and feeds keys to [`VersionFilter`] in key order.
//!
//! Iterators are `DBRawIterator`s that own an `Arc` of the database, so a
//! cursor can keep one across statements and `refresh` it instead of
//! building a new one.
//!
//! Point reads of the MVCC layer are seeks to `key ++ !ts`, not `Get`s, so a
//! whole-key bloom filter never serves them. Instead the `data` family has
//! a prefix extractor that drops the version suffix (the last
//! [`crate::mvcc::key::TS_LEN`] bytes): its bloom filters (in SST files and
//! in the memtable) are keyed by the user key, and point-read iterators
//! ([`Backend::point_iter`], `prefix_same_as_start`) skip every file that
//! cannot hold the key. Scans use total-order iterators, which ignore the
//! prefix filters. `RocksOptions::prefix_bloom` turns this off (for
//! measuring it: see `benches/README.md`).

use std::ffi::CStr;
use std::path::Path;
use std::sync::Arc;

use rocksdb::compaction_filter::{CompactionFilter, Decision};
use rocksdb::compaction_filter_factory::{CompactionFilterContext, CompactionFilterFactory};
use rocksdb::statistics::Ticker;
use rocksdb::{
    BlockBasedIndexType, BlockBasedOptions, BottommostLevelCompaction, Cache,
    ColumnFamilyDescriptor, CompactOptions, DBCompressionType, DBRawIteratorWithThreadMode,
    Options, ReadOptions, SliceTransform, WriteBatch, WriteOptions, DB,
};

use super::{Backend, RawBatch, RawIter};
use crate::error::{Result, StorageError};
use crate::mvcc::gc::{GcState, VersionFilter};
use crate::mvcc::key::TS_LEN;

const DATA_CF: &str = "data";
const META_CF: &str = "default";

/// Tuning knobs of the RocksDB backend.
#[derive(Debug, Clone)]
pub struct RocksOptions {
    /// Size of the shared block cache in bytes.
    pub block_cache_bytes: usize,
    /// Size of one memtable in bytes.
    pub write_buffer_bytes: usize,
    /// Background flush and compaction threads.
    pub background_jobs: i32,
    /// Collect RocksDB statistics (tickers such as WAL syncs); costs a
    /// little on every operation, so it is off by default.
    pub statistics: bool,
    /// Bloom filters on the user key without its version suffix, used by
    /// point reads (see the module docs); on by default.
    pub prefix_bloom: bool,
}

impl Default for RocksOptions {
    fn default() -> Self {
        RocksOptions {
            block_cache_bytes: 256 << 20,
            write_buffer_bytes: 64 << 20,
            background_jobs: 2,
            statistics: false,
            prefix_bloom: true,
        }
    }
}

fn engine_err(e: rocksdb::Error) -> StorageError {
    StorageError::Engine(e.into_string())
}

/// An open RocksDB database used as an MVCC backend.
pub struct RocksBackend {
    db: Arc<DB>,
    /// Kept for its statistics object when statistics are enabled.
    options: Option<Options>,
    /// Whether the data family has the user-key prefix extractor.
    prefix_bloom: bool,
}

/// The prefix extractor of the `data` family: a version key without its
/// timestamp suffix.
fn user_key(version_key: &[u8]) -> &[u8] {
    &version_key[..version_key.len() - TS_LEN]
}

/// The extractor's domain: keys long enough to carry a version suffix.
fn has_version_suffix(key: &[u8]) -> bool {
    key.len() >= TS_LEN
}

impl std::fmt::Debug for RocksBackend {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RocksBackend")
            .field("path", &self.db.path())
            .finish()
    }
}

struct GcFilterFactory {
    gc: Arc<GcState>,
}

impl CompactionFilterFactory for GcFilterFactory {
    type Filter = GcFilter;

    fn create(&mut self, context: CompactionFilterContext) -> GcFilter {
        GcFilter {
            filter: VersionFilter::new(&self.gc, context.is_full_compaction),
        }
    }

    fn name(&self) -> &CStr {
        c"rocksgres-mvcc-gc-factory"
    }
}

struct GcFilter {
    filter: VersionFilter,
}

impl CompactionFilter for GcFilter {
    fn filter(&mut self, _level: u32, key: &[u8], value: &[u8]) -> Decision {
        if self.filter.keep(key, value) {
            Decision::Keep
        } else {
            Decision::Remove
        }
    }

    fn name(&self) -> &CStr {
        c"rocksgres-mvcc-gc"
    }
}

impl RocksBackend {
    /// Opens (creating if needed) the database in directory `path`. Fails if
    /// another process (or another open in this process) holds it.
    pub fn open(path: &Path, options: &RocksOptions, gc: Arc<GcState>) -> Result<Self> {
        let mut db_opts = Options::default();
        db_opts.create_if_missing(true);
        db_opts.create_missing_column_families(true);
        db_opts.set_max_background_jobs(options.background_jobs);
        db_opts.set_bytes_per_sync(1 << 20);
        db_opts.set_keep_log_file_num(4);
        db_opts.set_max_log_file_size(16 << 20);
        if options.statistics {
            db_opts.enable_statistics();
        }

        let cache = Cache::new_lru_cache(options.block_cache_bytes);
        let mut table = BlockBasedOptions::default();
        table.set_block_cache(&cache);
        table.set_bloom_filter(10.0, false);
        table.set_cache_index_and_filter_blocks(true);
        table.set_format_version(6);
        // Partitioned index and filters. An SST of millions of keys has
        // megabytes of index and of filter; whole, such a block is larger
        // than a block-cache shard (256 MB in 64 shards: 4 MB), so it was
        // evicted as soon as it was used, and every seek and point read
        // of a large table read it back from disk and verified its
        // checksum (250 ms per statement at pgbench scale 100). Partitions
        // of 4 KiB are cached like data blocks; only the small top level
        // is pinned.
        table.set_index_type(BlockBasedIndexType::TwoLevelIndexSearch);
        table.set_partition_filters(true);
        table.set_metadata_block_size(4096);
        table.set_pin_top_level_index_and_filter(true);
        table.set_cache_index_and_filter_blocks_with_high_priority(true);

        let mut data_opts = Options::default();
        if options.prefix_bloom {
            table.set_whole_key_filtering(false);
            data_opts.set_prefix_extractor(SliceTransform::create(
                "rocksgres.user-key",
                user_key,
                Some(has_version_suffix),
            ));
            data_opts.set_memtable_prefix_bloom_ratio(0.05);
        }
        data_opts.set_block_based_table_factory(&table);
        data_opts.set_write_buffer_size(options.write_buffer_bytes);
        data_opts.set_level_compaction_dynamic_level_bytes(true);
        data_opts.set_compression_type(DBCompressionType::Lz4);
        data_opts.set_bottommost_compression_type(DBCompressionType::Zstd);
        data_opts.set_compaction_filter_factory(GcFilterFactory { gc });

        let meta_opts = Options::default();
        let cfs = vec![
            ColumnFamilyDescriptor::new(META_CF, meta_opts),
            ColumnFamilyDescriptor::new(DATA_CF, data_opts),
        ];
        let db = DB::open_cf_descriptors(&db_opts, path, cfs).map_err(engine_err)?;
        Ok(RocksBackend {
            db: Arc::new(db),
            options: options.statistics.then_some(db_opts),
            prefix_bloom: options.prefix_bloom,
        })
    }

    fn data_cf(&self) -> &rocksdb::ColumnFamily {
        self.db
            .cf_handle(DATA_CF)
            .expect("data column family is created at open")
    }

    /// Write-path counters since open, when statistics are enabled.
    pub fn write_stats(&self) -> Option<WriteStats> {
        let opts = self.options.as_ref()?;
        Some(WriteStats {
            wal_syncs: opts.get_ticker_count(Ticker::WalFileSynced),
            writes_led: opts.get_ticker_count(Ticker::WriteDoneBySelf),
            writes_joined: opts.get_ticker_count(Ticker::WriteDoneByOther),
        })
    }

    /// An iterator over the data family with read options `ro`.
    fn iterator(&self, ro: ReadOptions) -> RocksIter {
        let iter = self.db.raw_iterator_cf_opt(self.data_cf(), ro);
        // SAFETY: the iterator borrows the database, which lives in the Arc
        // stored next to it; the struct's field order drops the iterator
        // first, so the borrow never outlives the database.
        let iter: DBRawIteratorWithThreadMode<'static, DB> = unsafe { std::mem::transmute(iter) };
        RocksIter {
            iter,
            _db: Arc::clone(&self.db),
        }
    }

    /// Reads an integer RocksDB property of the data column family
    /// (for example `rocksdb.estimate-num-keys`).
    pub fn data_property(&self, name: &str) -> Result<Option<u64>> {
        self.db
            .property_int_value_cf(self.data_cf(), name)
            .map_err(engine_err)
    }
}

/// Counters of RocksDB's write path.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct WriteStats {
    /// WAL fsyncs performed.
    pub wal_syncs: u64,
    /// Writes that led a write group (wrote the group's WAL record).
    pub writes_led: u64,
    /// Writes that joined a group led by another writer.
    pub writes_joined: u64,
}

/// A RocksDB write batch.
pub struct RocksBatch {
    batch: WriteBatch,
    db: Arc<DB>,
}

impl RawBatch for RocksBatch {
    fn put(&mut self, key: &[u8], value: &[u8]) {
        let cf = self
            .db
            .cf_handle(DATA_CF)
            .expect("data column family is created at open");
        self.batch.put_cf(cf, key, value);
    }

    fn len(&self) -> usize {
        self.batch.len()
    }
}

/// A RocksDB iterator that keeps its database alive.
pub struct RocksIter {
    // Field order matters: the iterator must be dropped before the database.
    iter: DBRawIteratorWithThreadMode<'static, DB>,
    _db: Arc<DB>,
}

impl RawIter for RocksIter {
    fn refresh(&mut self) -> Result<()> {
        self.iter.refresh().map_err(engine_err)
    }

    fn seek(&mut self, key: &[u8]) {
        self.iter.seek(key);
    }

    fn seek_for_prev(&mut self, key: &[u8]) {
        self.iter.seek_for_prev(key);
    }

    fn seek_to_first(&mut self) {
        self.iter.seek_to_first();
    }

    fn seek_to_last(&mut self) {
        self.iter.seek_to_last();
    }

    fn valid(&self) -> bool {
        self.iter.valid()
    }

    fn next(&mut self) {
        self.iter.next();
    }

    fn prev(&mut self) {
        self.iter.prev();
    }

    fn key(&self) -> &[u8] {
        self.iter.key().unwrap_or_default()
    }

    fn value(&self) -> &[u8] {
        self.iter.value().unwrap_or_default()
    }

    fn status(&self) -> Result<()> {
        self.iter.status().map_err(engine_err)
    }
}

/// The most bytes [`Backend::approximate_size`] sums by scanning a range
/// that has no data in SST files yet (the default write buffer size).
const MEMTABLE_SCAN_CAP: u64 = 64 << 20;

impl Backend for RocksBackend {
    type Batch = RocksBatch;
    type Iter = RocksIter;

    fn batch(&self) -> RocksBatch {
        RocksBatch {
            batch: WriteBatch::default(),
            db: Arc::clone(&self.db),
        }
    }

    fn write(&self, batch: RocksBatch, sync: bool) -> Result<()> {
        let mut wo = WriteOptions::default();
        wo.set_sync(sync);
        self.db.write_opt(batch.batch, &wo).map_err(engine_err)
    }

    fn iter(&self) -> Result<RocksIter> {
        let mut ro = ReadOptions::default();
        ro.set_total_order_seek(true);
        Ok(self.iterator(ro))
    }

    fn point_iter(&self) -> Result<RocksIter> {
        if !self.prefix_bloom {
            return self.iter();
        }
        let mut ro = ReadOptions::default();
        ro.set_prefix_same_as_start(true);
        Ok(self.iterator(ro))
    }

    fn get_meta(&self, key: &[u8]) -> Result<Option<Vec<u8>>> {
        self.db.get(key).map_err(engine_err)
    }

    fn put_meta(&self, key: &[u8], value: &[u8], sync: bool) -> Result<()> {
        let mut wo = WriteOptions::default();
        wo.set_sync(sync);
        self.db.put_opt(key, value, &wo).map_err(engine_err)
    }

    fn delete_range(&self, start: &[u8], end: &[u8]) -> Result<()> {
        let mut batch = WriteBatch::default();
        batch.delete_range_cf(self.data_cf(), start, end);
        let mut wo = WriteOptions::default();
        wo.set_sync(true);
        self.db.write_opt(batch, &wo).map_err(engine_err)
    }

    fn approximate_size(&self, start: &[u8], end: &[u8]) -> Result<u64> {
        if start >= end {
            return Ok(0);
        }
        // RocksDB's estimate from the SST files' index blocks (the Rust
        // binding offers no memtable flag). Data still only in the memtable
        // is summed by a scan instead, bounded by the memtable's size.
        let range = rocksdb::Range::new(start, end);
        let files = self
            .db
            .get_approximate_sizes_cf(self.data_cf(), &[range])
            .first()
            .copied()
            .unwrap_or(0);
        if files > 0 {
            return Ok(files);
        }
        super::scan_size(&mut self.iter()?, start, end, MEMTABLE_SCAN_CAP)
    }

    fn compact(&self, gc: &Arc<GcState>) -> Result<()> {
        // Every version at or below this safe point has been applied; after
        // the flush all of them are in SST files, so a full compaction may
        // drop tombstones up to it (see `mvcc::gc`).
        let horizon = gc.safe_point();
        self.db.flush_cf(self.data_cf()).map_err(engine_err)?;
        gc.advance_tombstone_horizon(horizon);
        let mut co = CompactOptions::default();
        co.set_bottommost_level_compaction(BottommostLevelCompaction::Force);
        self.db
            .compact_range_cf_opt(self.data_cf(), None::<&[u8]>, None::<&[u8]>, &co);
        Ok(())
    }
}
