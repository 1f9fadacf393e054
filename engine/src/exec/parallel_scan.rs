//! Parallel sequential scans: a large table read by several threads at
//! once, as PostgreSQL's Parallel Seq Scan under a Gather.
//!
//! # When
//!
//! A full scan of a table's primary index whose rows may come in any
//! order (the plan does not rely on key order: no ORDER BY was turned into
//! the scan's order), reading for a query (not the scan an UPDATE or
//! DELETE makes of its target), without row locks, TABLESAMPLE or a
//! resumed position (a portal fetched in parts), in a transaction with no writes of its own yet (the workers read the
//! committed snapshot only: [`rocksgres_storage::SnapshotScan`]). The
//! table must have been analyzed: its size chooses the number of workers
//! as PostgreSQL's `compute_parallel_worker` does (one from
//! `min_parallel_table_scan_size`, 8 MB, one more each time the table
//! triples), capped by `max_parallel_workers_per_gather` (default 2; 0
//! turns parallel scans off) and by the machine's cores; the histogram of
//! the first primary-key column cuts the key range into pieces of about
//! equal rows.
//!
//! # How
//!
//! The workers take pieces of the range from a shared counter, so one
//! that finishes early takes the next. Each reads its piece through its
//! own cursor of the snapshot, decodes the columns the plan needs, and
//! applies the scan's filter when it is made of comparisons of columns
//! and constants ([`crate::types::BinaryOpSig::quick_test`]) joined by
//! AND, OR and NOT; a row the worker cannot decide on (any other filter)
//! goes to the leader marked unfiltered. Rows travel in batches of
//! [`BATCH_ROWS`] through a bounded channel, so memory stays bounded
//! whatever the table's size; the batches' buffers are reused.
//!
//! The leader (the statement's own thread) receives the batches and hands
//! each row to the rest of the plan, checking the statement's interrupt
//! (cancel, `statement_timeout`) at every row and while it waits. When
//! the plan needs no more rows (a LIMIT), fails, or is interrupted, the
//! leader raises a stop flag and drops the channel, and the workers end
//! at their next row; the scan returns only once every worker has ended.
//!
//! # EXPLAIN
//!
//! What the plan alone decides ([`planned`]) EXPLAIN shows as
//! PostgreSQL's `Gather` (`Workers Planned`) over a `Parallel Seq Scan`;
//! under EXPLAIN ANALYZE the scan runs in parallel too, and the workers
//! launched and the rows their filters removed are counted for it
//! (`Workers Launched`, and the scan's rows and loops per worker, as
//! PostgreSQL shows a parallel node's).

use std::ops::Bound;
use std::sync::atomic::{AtomicBool, AtomicU64, AtomicUsize, Ordering};
use std::sync::mpsc::{self, RecvTimeoutError};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use rocksgres_storage::{KeyRange, SnapshotScan, Transaction};

use crate::catalog::TableDesc;
use crate::error::{EngineError, Result};
use crate::exec::ctx::Ctx;
use crate::exec::row::{decode_columns, push_key_value};
use crate::exec::run::Flow;
use crate::exec::scan::RowSink;
use crate::keys;
use crate::plan::expr::Expr;
use crate::plan::node::{Access, ScanPlan};
use crate::types::Value;

/// Workers started by parallel scans in this process so far (what
/// PostgreSQL 18 counts in `pg_stat_database.parallel_workers_launched`).
static WORKERS_LAUNCHED: AtomicU64 = AtomicU64::new(0);

/// How many parallel-scan workers this process has started.
pub fn workers_launched() -> u64 {
    WORKERS_LAUNCHED.load(Ordering::Relaxed)
}

/// Each worker thread's stack: twice the depth guard's red zone
/// ([`crate::sql::depth::RED_ZONE`]), so the guard finds room on it
/// (address space; only what is used is touched).
const WORKER_STACK: usize = 2 * crate::sql::depth::RED_ZONE + 1024 * 1024;

/// Rows a worker sends at once.
pub const BATCH_ROWS: usize = 256;

/// PostgreSQL's `min_parallel_table_scan_size` (8 MB) in 8 kB pages.
const MIN_PARALLEL_PAGES: u32 = 1024;

/// Pieces of the key range per worker.
const PIECES_PER_WORKER: usize = 4;

/// How often the leader checks the interrupt while no batch arrives.
const WAIT_TICK: Duration = Duration::from_millis(20);

/// Consecutive pieces `[start, end)` of a key range.
type Pieces = Vec<(Vec<u8>, Vec<u8>)>;

/// A batch of rows from a worker: `width` values per row, and per row
/// whether the leader must still apply the filter.
#[derive(Default)]
struct Batch {
    values: Vec<Value>,
    unfiltered: Vec<bool>,
}

/// Scans `scan` in parallel and hands its rows to `f` (with an empty key:
/// the rows come in no particular order and without their positions), or
/// returns `None`, having read nothing, when the scan is not one to read
/// in parallel (see the module docs). Under EXPLAIN ANALYZE the workers
/// launched and the rows their filter removed are counted in the
/// statement's [`crate::exec::instrument::Instrument`].
pub(crate) fn try_scan<'a, T: Transaction>(
    scan: &ScanPlan,
    ctx: &mut Ctx<'a, T>,
    f: &mut RowSink<'_, 'a, T>,
) -> Result<Option<Flow>> {
    let workers = planned(scan, ctx.max_parallel_workers());
    if workers == 0 {
        return Ok(None);
    }
    let Some(pieces) = split(&scan.table, workers * PIECES_PER_WORKER)? else {
        return Ok(None);
    };
    let Some(reader) = ctx.txn.snapshot_scan() else {
        return Ok(None);
    };
    let workers = workers.min(pieces.len());
    let removed = AtomicU64::new(0);
    let flow = run(scan, ctx, f, reader, &pieces, workers, &removed);
    crate::exec::instrument::gathered(ctx, scan, workers as u64, removed.into_inner());
    flow.map(Some)
}

/// The workers a Gather over `scan` plans (PostgreSQL's `Workers
/// Planned`), with at most `max` (`max_parallel_workers_per_gather`): 0
/// when the scan is not one to read in parallel. What a plan alone
/// decides; at run time a transaction that has written reads serially
/// (launching no workers).
pub fn planned(scan: &ScanPlan, max: usize) -> usize {
    if !matches!(scan.access, Access::Full)
        || scan.reverse
        || scan.ordered
        || scan.lock.is_some()
        || scan.sample.is_some()
        || scan.table.columns.is_empty()
        || !has_split_points(&scan.table)
    {
        return 0;
    }
    planned_workers(&scan.table, max)
}

/// Whether the histogram of the first primary-key column of `table` can
/// cut its key range (see [`split`]).
fn has_split_points(table: &TableDesc) -> bool {
    let Some(first) = table.primary().columns.first() else {
        return false;
    };
    table
        .stats
        .as_deref()
        .and_then(|s| s.column(table, first.column))
        .is_some_and(|c| c.histogram.len() >= 3)
}

/// The workers for a scan of `table`: none below
/// [`MIN_PARALLEL_PAGES`] or without statistics, else one plus one per
/// tripling of the size (PostgreSQL's `compute_parallel_worker`), at most
/// `max` and the machine's cores.
fn planned_workers(table: &TableDesc, max: usize) -> usize {
    let Some(stats) = table.stats.as_deref() else {
        return 0;
    };
    if stats.relpages < MIN_PARALLEL_PAGES {
        return 0;
    }
    let mut workers = 1;
    let mut threshold = u64::from(MIN_PARALLEL_PAGES) * 3;
    while u64::from(stats.relpages) >= threshold {
        workers += 1;
        threshold *= 3;
    }
    let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
    workers.min(max).min(cores)
}

/// The primary index's key range of `table` cut into at most `pieces`
/// consecutive ranges `[start, end)` at bounds of the histogram of its
/// first key column; `None` when there is no such histogram.
fn split(table: &TableDesc, pieces: usize) -> Result<Option<Pieces>> {
    let Some(first) = table.primary().columns.first() else {
        return Ok(None);
    };
    let Some(stats) = table.stats.as_deref() else {
        return Ok(None);
    };
    let Some(column) = stats.column(table, first.column) else {
        return Ok(None);
    };
    let bounds = &column.histogram;
    if bounds.len() < 3 || pieces < 2 {
        return Ok(None);
    }
    let ty = &table.columns[first.column].ty;
    let mut prefix = Vec::new();
    keys::index_prefix(&mut prefix, table.storage_id, keys::PRIMARY_INDEX);
    let mut end = Vec::new();
    keys::prefix_end(&prefix, &mut end);
    let step = ((bounds.len() - 1) / pieces).max(1);
    let mut cuts = Vec::new();
    for text in bounds.iter().skip(step).step_by(step).take(pieces - 1) {
        let Ok(v) = Value::parse_text_base(text, ty) else {
            continue;
        };
        let mut cut = prefix.clone();
        push_key_value(&mut cut, &v, ty, first)?;
        cuts.push(cut);
    }
    // A descending column's keys sort the other way round.
    cuts.sort();
    cuts.dedup();
    cuts.retain(|c| *c > prefix && *c < end);
    if cuts.is_empty() {
        return Ok(None);
    }
    let mut ranges = Vec::with_capacity(cuts.len() + 1);
    let mut start = prefix;
    for cut in cuts {
        ranges.push((std::mem::replace(&mut start, cut.clone()), cut));
    }
    ranges.push((start, end));
    Ok(Some(ranges))
}

/// What a worker needs of the scan (all of it shareable between threads).
struct WorkerScan<'s> {
    table: &'s TableDesc,
    needed: Option<&'s [bool]>,
    /// The scan's filter: the workers decide it where
    /// [`Expr::quick_truth`] can, and leave the row to the leader
    /// otherwise.
    filter: Option<&'s Expr>,
    reader: &'s dyn SnapshotScan,
    pieces: &'s [(Vec<u8>, Vec<u8>)],
    next: &'s AtomicUsize,
    stop: &'s AtomicBool,
    pool: &'s Mutex<Vec<Batch>>,
    /// Rows the workers' filters rejected, added at each worker's end.
    removed: &'s AtomicU64,
}

impl WorkerScan<'_> {
    /// Reads pieces until none is left or the leader stops the scan,
    /// sending full batches through `tx`.
    fn work(&self, tx: &mpsc::SyncSender<Result<Batch>>) {
        let mut row: Vec<Value> = Vec::new();
        let mut batch = self.batch();
        let mut failed: Option<EngineError> = None;
        let mut removed = 0u64;
        while !self.stop.load(Ordering::Relaxed) {
            let i = self.next.fetch_add(1, Ordering::Relaxed);
            let Some((start, end)) = self.pieces.get(i) else {
                break;
            };
            let range = KeyRange {
                start: Bound::Included(start),
                end: Bound::Excluded(end),
            };
            let scanned = self.reader.scan(range, &mut |_, v| {
                if self.stop.load(Ordering::Relaxed) {
                    return Ok(false);
                }
                if let Err(e) = decode_columns(self.table, v, &mut row, self.needed) {
                    failed = Some(e);
                    return Ok(false);
                }
                let unfiltered = match self.filter.map(|f| f.quick_truth(&row)) {
                    None => false,
                    Some(Some(Some(true))) => false,
                    Some(Some(_)) => {
                        removed += 1;
                        return Ok(true);
                    }
                    Some(None) => true,
                };
                batch.values.extend(row.iter().cloned());
                batch.unfiltered.push(unfiltered);
                if batch.unfiltered.len() == BATCH_ROWS {
                    let full = std::mem::replace(&mut batch, self.batch());
                    if tx.send(Ok(full)).is_err() {
                        return Ok(false);
                    }
                }
                Ok(true)
            });
            if let Err(e) = scanned {
                failed = Some(e.into());
            }
            if let Some(e) = failed.take() {
                self.removed.fetch_add(removed, Ordering::Relaxed);
                let _ = tx.send(Err(e));
                return;
            }
        }
        self.removed.fetch_add(removed, Ordering::Relaxed);
        if !batch.unfiltered.is_empty() {
            let _ = tx.send(Ok(batch));
        }
    }

    /// An empty batch, reusing a returned one's buffers when there is one.
    fn batch(&self) -> Batch {
        self.pool
            .lock()
            .ok()
            .and_then(|mut p| p.pop())
            .unwrap_or_default()
    }
}

/// Runs the scan with `workers` threads over `pieces` (see the module
/// docs).
fn run<'a, T: Transaction>(
    scan: &ScanPlan,
    ctx: &mut Ctx<'a, T>,
    f: &mut RowSink<'_, 'a, T>,
    reader: Arc<dyn SnapshotScan>,
    pieces: &[(Vec<u8>, Vec<u8>)],
    workers: usize,
    removed: &AtomicU64,
) -> Result<Flow> {
    let width = scan.table.columns.len();
    let next = AtomicUsize::new(0);
    let stop = AtomicBool::new(false);
    let pool = Mutex::new(Vec::new());
    let shared = WorkerScan {
        table: &scan.table,
        needed: scan.needed.as_deref(),
        filter: scan.filter.as_ref(),
        reader: reader.as_ref(),
        pieces,
        next: &next,
        stop: &stop,
        pool: &pool,
        removed,
    };
    std::thread::scope(|s| {
        let (tx, rx) = mpsc::sync_channel::<Result<Batch>>(workers * 2);
        let mut failed = None;
        let mut launched = 0;
        for _ in 0..workers {
            let tx = tx.clone();
            let shared = &shared;
            // A stack past the depth guard's red zone: with the default
            // 2 MB every guarded call (the filter's `quick_truth`) would
            // allocate a new stack segment, an mmap and munmap per row.
            let spawned = std::thread::Builder::new()
                .name("rocksgres-scan".into())
                .stack_size(WORKER_STACK)
                .spawn_scoped(s, move || shared.work(&tx));
            match spawned {
                Ok(_) => {
                    launched += 1;
                    WORKERS_LAUNCHED.fetch_add(1, Ordering::Relaxed);
                }
                Err(e) => {
                    failed = Some(e);
                    break;
                }
            }
        }
        drop(tx);
        // The workers take the pieces from a shared counter, so one is
        // enough to read them all; none reads nothing.
        if let (Some(e), 0) = (failed, launched) {
            stop.store(true, Ordering::Relaxed);
            drop(rx);
            return Err(EngineError::internal(format!(
                "could not start a parallel scan worker: {e}"
            )));
        }
        let r = lead(scan, ctx, f, &rx, &pool, width);
        stop.store(true, Ordering::Relaxed);
        // Unblocks a worker waiting to send; the scope then waits for all.
        drop(rx);
        r
    })
}

/// The leader's part: hands the rows of the batches to `f`.
fn lead<'a, T: Transaction>(
    scan: &ScanPlan,
    ctx: &mut Ctx<'a, T>,
    f: &mut RowSink<'_, 'a, T>,
    rx: &mpsc::Receiver<Result<Batch>>,
    pool: &Mutex<Vec<Batch>>,
    width: usize,
) -> Result<Flow> {
    loop {
        let mut batch = match rx.recv_timeout(WAIT_TICK) {
            Ok(b) => b?,
            Err(RecvTimeoutError::Timeout) => {
                ctx.check_interrupt()?;
                continue;
            }
            Err(RecvTimeoutError::Disconnected) => return Ok(Flow::Continue),
        };
        for (row, unfiltered) in batch.values.chunks(width.max(1)).zip(&batch.unfiltered) {
            ctx.check_interrupt()?;
            if *unfiltered {
                if let Some(filter) = &scan.filter {
                    if !filter.holds(row, ctx)? {
                        crate::exec::instrument::filtered_out(ctx, scan);
                        continue;
                    }
                }
            }
            if f(ctx, &[], row)? == Flow::Stop {
                return Ok(Flow::Stop);
            }
        }
        batch.values.clear();
        batch.unfiltered.clear();
        if let Ok(mut p) = pool.lock() {
            p.push(batch);
        }
    }
}
