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
//! The filter's constants may be the statement's parameters (a cached
//! simple-protocol plan has its literals as parameters: see
//! `session/plan_cache.rs`). A batch's values stay allocated when
//! the leader returns it, and the next rows are decoded into them, so
//! neither side allocates or frees per row.
//!
//! When the scan is the probe side of a hash join whose build side is in
//! memory, the workers also probe the join and send its rows
//! ([`crate::exec::parallel_probe`]); a row a worker cannot decide on
//! reaches the leader as a scan row, which the leader filters or probes
//! itself.
//!
//! An operator above may offer the workers part of its own work
//! ([`crate::exec::gather_stage`]): a top-N sort keeps each worker's
//! first rows and a hash aggregate each worker's groups, so that a worker
//! sends only those, not every row it read.
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
use crate::exec::gather_stage::{GatherStage, StageState};
use crate::exec::hash_join::assign_all;
use crate::exec::parallel_probe::{count_worker_probes, OutRows, ProbeScratch, WorkerProbe};
use crate::exec::row::{decode_columns_into, decode_more_columns, push_key_value};
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

/// What the leader must still do with a row of a batch.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Todo {
    /// Nothing: the row is the scan's output (or, when the workers probe
    /// a hash join, the join's).
    Done,
    /// Apply the scan's filter (then, when the workers probe, probe).
    Filter,
    /// Probe the hash join with this scan row (its filter passed).
    Probe,
}

/// A batch of rows from a worker: `slot_width` values per row (each row
/// uses its first values), and per row what the leader must still do
/// with it. The values past the batch's rows are kept, not dropped: a
/// returned batch's slots are decoded into again, reusing their text and
/// numeric buffers, so a worker allocates nothing per row and the leader
/// frees nothing.
#[derive(Default)]
struct Batch {
    values: Vec<Value>,
    todo: Vec<Todo>,
    slot_width: usize,
}

impl Batch {
    /// The batch's rows.
    fn rows(&self) -> usize {
        self.todo.len()
    }

    /// The slots of the row after the last one, grown when needed.
    fn next_slots(&mut self) -> &mut [Value] {
        let (start, width) = (self.rows() * self.slot_width, self.slot_width);
        if self.values.len() < start + width {
            self.values.resize(start + width, Value::Null);
        }
        &mut self.values[start..start + width]
    }
}

impl Batch {
    /// Offers the done rows from row `from` on (`width` values each) to
    /// `stage`, keeping in order the rows it does not take.
    fn absorb(&mut self, from: usize, width: usize, stage: &mut StageState<'_>) -> Result<()> {
        let slot = self.slot_width;
        let mut keep = from;
        for r in from..self.rows() {
            let taken = self.todo[r] == Todo::Done
                && stage.take(&self.values[r * slot..r * slot + width])?;
            if taken {
                continue;
            }
            if keep != r {
                for c in 0..slot {
                    self.values.swap(keep * slot + c, r * slot + c);
                }
                self.todo[keep] = self.todo[r];
            }
            keep += 1;
        }
        self.todo.truncate(keep);
        Ok(())
    }
}

impl OutRows for Batch {
    fn slots(&mut self) -> &mut [Value] {
        self.next_slots()
    }

    fn commit(&mut self) {
        self.todo.push(Todo::Done);
    }

    fn rows(&self) -> usize {
        self.todo.len()
    }

    fn truncate(&mut self, n: usize) {
        self.todo.truncate(n);
    }
}

/// What the leader receives from the workers: a row of the scan (or of
/// the join the workers probe: [`Todo::Done`]), or a scan row the leader
/// must probe the join with itself.
pub(crate) enum GatherRow<'r> {
    /// An output row.
    Row(&'r [Value]),
    /// A scan row (its filter passed) to probe the join with.
    Unprobed(&'r [Value]),
}

/// The leader's consumer of what the workers send.
pub(crate) type GatherSink<'s, 'a, T> =
    dyn FnMut(&mut Ctx<'a, T>, GatherRow<'_>) -> Result<Flow> + 's;

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
    try_gather(scan, None, ctx, &mut |ctx, row| match row {
        GatherRow::Row(row) | GatherRow::Unprobed(row) => f(ctx, &[], row),
    })
}

/// Scans `scan` in parallel with the workers probing a hash join with its
/// rows (see [`crate::exec::parallel_probe`]), handing `f` the join's
/// rows and the scan rows the workers could not probe; returns the flow
/// and the number of scan rows the workers probed, or `None`, having
/// read nothing, when the scan is not one to read in parallel.
pub(crate) fn try_probe<'a, T: Transaction>(
    scan: &ScanPlan,
    probe: &WorkerProbe<'_>,
    ctx: &mut Ctx<'a, T>,
    f: &mut GatherSink<'_, 'a, T>,
) -> Result<Option<(Flow, u64)>> {
    if probe.left_width != scan.table.columns.len() {
        return Ok(None);
    }
    let probed = AtomicU64::new(0);
    let flow = try_gather(scan, Some((probe, &probed)), ctx, f)?;
    Ok(flow.map(|flow| (flow, probed.into_inner())))
}

/// [`try_scan`] and [`try_probe`].
fn try_gather<'a, T: Transaction>(
    scan: &ScanPlan,
    probe: Option<(&WorkerProbe<'_>, &AtomicU64)>,
    ctx: &mut Ctx<'a, T>,
    f: &mut GatherSink<'_, 'a, T>,
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
    // The work an operator above offers this gather's workers.
    let stage = ctx
        .gather_stage
        .take_if(|s| s.is_for(scan, probe.is_some()));
    let flow = run(
        scan,
        probe,
        stage.as_deref(),
        ctx,
        f,
        reader,
        &pieces,
        workers,
        &removed,
    );
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
    /// The columns the filter reads and the other needed ones, when the
    /// filter reads only some: a row is decoded in two steps, the rest
    /// only when the filter does not reject it.
    split: Option<(&'s [bool], &'s [bool])>,
    /// The scan's filter: the workers decide it where
    /// [`Expr::quick_truth`] can, and leave the row to the leader
    /// otherwise.
    filter: Option<&'s Expr>,
    /// The hash join the workers probe with the scan's rows, if any, and
    /// the count of the rows they probed, added at each worker's end.
    probe: Option<&'s WorkerProbe<'s>>,
    probed: Option<&'s AtomicU64>,
    /// What the workers do with the rows past the scan and the probe,
    /// if anything (see [`crate::exec::gather_stage`]).
    stage: Option<&'s GatherStage>,
    /// The statement's parameters, which the filter may compare with.
    params: &'s [Value],
    reader: &'s dyn SnapshotScan,
    pieces: &'s [(Vec<u8>, Vec<u8>)],
    next: &'s AtomicUsize,
    stop: &'s AtomicBool,
    pool: &'s Mutex<Vec<Batch>>,
    /// Rows the workers' filters rejected, added at each worker's end.
    removed: &'s AtomicU64,
}

impl WorkerScan<'_> {
    /// The values per row of a batch: a scan row's, or a joined row's
    /// when the workers probe.
    fn slot_width(&self) -> usize {
        self.table.columns.len().max(self.out_width())
    }

    /// The width of an output row: a scan row's, or a joined row's when
    /// the workers probe.
    fn out_width(&self) -> usize {
        self.probe
            .map_or(self.table.columns.len(), |p| p.out_width())
    }

    /// Reads pieces until none is left or the leader stops the scan,
    /// sending full batches through `tx`.
    fn work(&self, tx: &mpsc::SyncSender<Result<Batch>>) {
        let mut batch = self.batch();
        let mut failed: Option<EngineError> = None;
        let mut removed = 0u64;
        // Probing, a scan row is decoded here; the batch gets its output.
        let mut row: Vec<Value> = vec![Value::Null; self.table.columns.len()];
        let mut scratch = ProbeScratch::default();
        let mut probed = 0u64;
        let mut stage = self.stage.map(|s| StageState::new(s, self.params));
        let out_width = self.out_width();
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
                let before = batch.rows();
                let read = match self.probe {
                    None => self.scan_row(v, &mut batch),
                    Some(probe) => {
                        self.probe_row(probe, v, &mut row, &mut scratch, &mut batch, &mut probed)
                    }
                };
                let read = match (read, stage.as_mut()) {
                    (Ok(true), Some(stage)) => {
                        batch.absorb(before, out_width, stage).map(|()| true)
                    }
                    (read, _) => read,
                };
                match read {
                    Ok(true) => {}
                    Ok(false) => removed += 1,
                    Err(e) => {
                        failed = Some(e);
                        return Ok(false);
                    }
                }
                if batch.rows() >= BATCH_ROWS {
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
                self.count_probed(probed);
                let _ = tx.send(Err(e));
                return;
            }
        }
        self.removed.fetch_add(removed, Ordering::Relaxed);
        self.count_probed(probed);
        if let Some(stage) = stage {
            let finished = stage.finish(&mut |row| {
                assign_all(&mut batch.next_slots()[..row.len()], row);
                batch.todo.push(Todo::Done);
            });
            if let Err(e) = finished {
                let _ = tx.send(Err(e));
                return;
            }
        }
        if batch.rows() > 0 {
            let _ = tx.send(Ok(batch));
        }
    }

    /// Adds a worker's count of the rows it probed.
    fn count_probed(&self, probed: u64) {
        if let Some(total) = self.probed {
            total.fetch_add(probed, Ordering::Relaxed);
        }
        count_worker_probes(probed);
    }

    /// The filter's verdict on `row`: `Some(true)` when it passes,
    /// `Some(false)` when it does not, `None` when the leader must decide.
    fn passes(&self, row: &[Value]) -> Option<bool> {
        match self.filter.map(|f| f.quick_truth(row, self.params)) {
            None | Some(Some(Some(true))) => Some(true),
            Some(Some(_)) => Some(false),
            Some(None) => None,
        }
    }

    /// Decodes the stored row `v` into the batch's next slots (which a
    /// rejected row leaves to the next) and adds it unless the filter
    /// rejects it; false when it does.
    fn scan_row(&self, v: &[u8], batch: &mut Batch) -> Result<bool> {
        let width = self.table.columns.len();
        let row = &mut batch.next_slots()[..width];
        let todo = match self.decode_filtered(v, row)? {
            Some(true) => Todo::Done,
            Some(false) => return Ok(false),
            None => Todo::Filter,
        };
        batch.todo.push(todo);
        Ok(true)
    }

    /// Decodes the stored row `v` into `row` and gives the filter's
    /// verdict ([`WorkerScan::passes`]); with a split, the columns the
    /// filter does not read are decoded only when it does not reject the
    /// row.
    fn decode_filtered(&self, v: &[u8], row: &mut [Value]) -> Result<Option<bool>> {
        let Some((first, rest)) = self.split else {
            decode_columns_into(self.table, v, row, self.needed)?;
            return Ok(self.passes(row));
        };
        decode_columns_into(self.table, v, row, Some(first))?;
        let verdict = self.passes(row);
        if verdict != Some(false) {
            decode_more_columns(self.table, v, row, rest)?;
        }
        Ok(verdict)
    }

    /// Decodes the stored row `v` into `row` and, when the filter passes
    /// it, probes the join with it, adding the output rows to the batch
    /// (or the row itself, for the leader to filter or probe); false when
    /// the filter rejects it.
    fn probe_row(
        &self,
        probe: &WorkerProbe<'_>,
        v: &[u8],
        row: &mut [Value],
        scratch: &mut ProbeScratch,
        batch: &mut Batch,
        probed: &mut u64,
    ) -> Result<bool> {
        let todo = match self.decode_filtered(v, row)? {
            Some(false) => return Ok(false),
            None => Todo::Filter,
            Some(true) => match probe.probe(row, self.params, scratch, batch) {
                Some(_) => {
                    *probed += 1;
                    return Ok(true);
                }
                None => Todo::Probe,
            },
        };
        assign_all(&mut batch.next_slots()[..row.len()], row);
        batch.todo.push(todo);
        Ok(true)
    }

    /// An empty batch, reusing a returned one's buffers when there is one.
    fn batch(&self) -> Batch {
        let mut b = self
            .pool
            .lock()
            .ok()
            .and_then(|mut p| p.pop())
            .unwrap_or_default();
        b.slot_width = self.slot_width();
        b
    }
}

/// Runs the scan with `workers` threads over `pieces` (see the module
/// docs).
#[allow(clippy::too_many_arguments)]
fn run<'a, T: Transaction>(
    scan: &ScanPlan,
    probe: Option<(&WorkerProbe<'_>, &AtomicU64)>,
    stage: Option<&GatherStage>,
    ctx: &mut Ctx<'a, T>,
    f: &mut GatherSink<'_, 'a, T>,
    reader: Arc<dyn SnapshotScan>,
    pieces: &[(Vec<u8>, Vec<u8>)],
    workers: usize,
    removed: &AtomicU64,
) -> Result<Flow> {
    let next = AtomicUsize::new(0);
    let stop = AtomicBool::new(false);
    let pool = Mutex::new(Vec::new());
    let split = filter_split(scan);
    let shared = WorkerScan {
        table: &scan.table,
        needed: scan.needed.as_deref(),
        split: split.as_ref().map(|(a, b)| (a.as_slice(), b.as_slice())),
        filter: scan.filter.as_ref(),
        probe: probe.map(|(p, _)| p),
        probed: probe.map(|(_, n)| n),
        stage,
        params: ctx.params,
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
        let widths = Widths {
            scan: scan.table.columns.len(),
            out: probe.map_or(scan.table.columns.len(), |(p, _)| p.out_width()),
            probing: probe.is_some(),
        };
        let r = lead(scan, ctx, f, &rx, &pool, widths);
        stop.store(true, Ordering::Relaxed);
        // Unblocks a worker waiting to send; the scope then waits for all.
        drop(rx);
        r
    })
}

/// The columns `scan`'s filter reads and the other columns it needs, when
/// the filter reads some of them only (see [`WorkerScan::split`]).
fn filter_split(scan: &ScanPlan) -> Option<(Vec<bool>, Vec<bool>)> {
    let filter = scan.filter.as_ref()?;
    let width = scan.table.columns.len();
    let needed = |i: usize| {
        scan.needed
            .as_deref()
            .is_none_or(|n| n.get(i).copied().unwrap_or(true))
    };
    let mut first = vec![false; width];
    filter.any(&mut |e| {
        if let Expr::Column(i, _) = e {
            if let Some(c) = first.get_mut(*i) {
                *c = true;
            }
        }
        false
    });
    let rest: Vec<bool> = (0..width).map(|i| needed(i) && !first[i]).collect();
    rest.iter().any(|&r| r).then_some((first, rest))
}

/// The widths of the rows in a batch.
#[derive(Clone, Copy)]
struct Widths {
    /// A scan row's.
    scan: usize,
    /// An output row's ([`Todo::Done`]).
    out: usize,
    /// Whether the workers probe a join (a filtered scan row is then still
    /// to probe).
    probing: bool,
}

/// The leader's part: hands the rows of the batches to `f`.
fn lead<'a, T: Transaction>(
    scan: &ScanPlan,
    ctx: &mut Ctx<'a, T>,
    f: &mut GatherSink<'_, 'a, T>,
    rx: &mpsc::Receiver<Result<Batch>>,
    pool: &Mutex<Vec<Batch>>,
    widths: Widths,
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
        let slot = batch.slot_width.max(1);
        for (slots, todo) in batch.values.chunks(slot).zip(&batch.todo) {
            ctx.check_interrupt()?;
            let row = match todo {
                Todo::Done => GatherRow::Row(&slots[..widths.out]),
                Todo::Probe => GatherRow::Unprobed(&slots[..widths.scan]),
                Todo::Filter => {
                    let row = &slots[..widths.scan];
                    if let Some(filter) = &scan.filter {
                        if !filter.holds(row, ctx)? {
                            crate::exec::instrument::filtered_out(ctx, scan);
                            continue;
                        }
                    }
                    if widths.probing {
                        GatherRow::Unprobed(row)
                    } else {
                        GatherRow::Row(row)
                    }
                }
            };
            if f(ctx, row)? == Flow::Stop {
                return Ok(Flow::Stop);
            }
        }
        batch.todo.clear();
        if let Ok(mut p) = pool.lock() {
            p.push(batch);
        }
    }
}
