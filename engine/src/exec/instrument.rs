//! EXPLAIN ANALYZE's counters: rows, loops and times per plan node.
//!
//! When a statement runs under `EXPLAIN ANALYZE` its [`Ctx`] carries an
//! [`Instrument`]; [`crate::exec::run::run`] then wraps every node it runs
//! (each call is one *loop* of that node, as a nested loop's inner side
//! runs once per outer row) and counts the rows the node hands on, the
//! time to its first row (PostgreSQL's startup time) and the time to its
//! end. Nodes are keyed by address: the plan tree is not moved while it
//! runs, and [`crate::plan::explain`] looks each node up by the same
//! address when it renders the plan. Sorts and hash joins also record the
//! space they used ([`SortSpace`], [`HashSpace`]: PostgreSQL's `Sort
//! Method` and `Buckets` lines). Without an `Instrument` (every other
//! statement) nothing is counted and no clock is read.

use std::collections::HashMap;
use std::time::{Duration, Instant};

use rocksgres_storage::Transaction;

use crate::error::Result;
use crate::exec::ctx::Ctx;
use crate::exec::dml::DmlOutcome;
use crate::exec::run::{Flow, Sink};
use crate::plan::node::{Node, ScanPlan};

/// What one node did, summed over its loops.
#[derive(Debug, Default, Clone, Copy)]
pub struct NodeStats {
    /// Times the node was run.
    pub loops: u64,
    /// Rows it produced, over all loops.
    pub rows: u64,
    /// Time from each start to the first row (or the end, for none).
    pub startup: Duration,
    /// Time from each start to the end.
    pub total: Duration,
}

/// The counters of one EXPLAIN ANALYZE run.
#[derive(Debug, Default)]
pub struct Instrument {
    stats: HashMap<usize, NodeStats>,
    /// Rows each scan's filter rejected, keyed by the scan's address.
    removed: HashMap<usize, u64>,
    /// The parallel runs of each scan, keyed by the scan's address.
    gathered: HashMap<usize, Gathered>,
    /// The counters of scans run outside a plan node (an UPDATE's or
    /// DELETE's own scan), keyed by the scan's address.
    scans: HashMap<usize, NodeStats>,
    /// The counters of each DML statement's own node (`ModifyTable`),
    /// keyed by [`statement_key`].
    statements: HashMap<usize, NodeStats>,
    /// What each sort used, keyed by its node's address (its last loop's,
    /// as PostgreSQL shows a sort's).
    sorts: HashMap<usize, SortSpace>,
    /// What each hash join's hash table used, keyed by the address of its
    /// build (right) input's node, which EXPLAIN's `Hash` shows (the
    /// largest over the loops).
    hashes: HashMap<usize, HashSpace>,
    /// What each hashed aggregate used, keyed by its node's address (the
    /// largest over its loops).
    aggs: HashMap<usize, AggSpace>,
}

/// The space a sort used (EXPLAIN ANALYZE's `Sort Method` line).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SortSpace {
    /// PostgreSQL's name of the method: `quicksort`, `top-N heapsort`,
    /// `external merge`.
    pub method: &'static str,
    /// Kilobytes used, in memory or (`disk`) in temporary files.
    pub kb: u64,
    /// Whether `kb` is on disk.
    pub disk: bool,
}

/// The space a hash join's hash table used (EXPLAIN ANALYZE's `Buckets`
/// line).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct HashSpace {
    /// The hash table's buckets.
    pub buckets: u64,
    /// The batches the join ran in: 1 in memory, more once it went to
    /// batches in temporary files.
    pub batches: u64,
    /// Kilobytes the build side held in memory at its largest.
    pub kb: u64,
}

/// What a hashed aggregate used (EXPLAIN ANALYZE's `Batches: N  Memory
/// Usage: NkB` line).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct AggSpace {
    /// The batches it ran in: 1 in memory, plus one per batch of rows
    /// spilled to a temporary file.
    pub batches: u64,
    /// Kilobytes its groups held in memory at the most.
    pub kb: u64,
    /// Kilobytes its spilled batches took on disk.
    pub disk_kb: u64,
}

/// The key of the counters of DML statement `plan` (an INSERT's or
/// UPDATE's or DELETE's plan): its address.
pub fn statement_key<P>(plan: &P) -> usize {
    plan as *const P as usize
}

/// Runs the DML statement `plan` through `run`; under EXPLAIN ANALYZE,
/// counts its `ModifyTable` under [`statement_key`]: one loop whose rows
/// are those it returned (none without RETURNING: `returns` false).
pub fn run_statement<'a, P, T: Transaction>(
    plan: &P,
    returns: bool,
    ctx: &mut Ctx<'a, T>,
    run: impl FnOnce(&mut Ctx<'a, T>) -> Result<DmlOutcome>,
) -> Result<DmlOutcome> {
    let started = Instant::now();
    let out = run(ctx)?;
    if let Some(ins) = ctx.instrument.as_mut() {
        let took = started.elapsed();
        ins.set_statement(
            statement_key(plan),
            NodeStats {
                loops: 1,
                rows: if returns { out.count } else { 0 },
                startup: took,
                total: took,
            },
        );
    }
    Ok(out)
}

/// Kilobytes, rounded up, as PostgreSQL shows memory.
pub fn kb(bytes: usize) -> u64 {
    (bytes as u64).div_ceil(1024)
}

/// What the parallel runs of one scan did, summed over its loops.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct Gathered {
    /// Loops of the scan that ran in parallel.
    pub runs: u64,
    /// Workers they launched, in all.
    pub launched: u64,
}

impl Instrument {
    /// The counters of `node`, if it ran.
    pub fn get(&self, node: &Node) -> Option<&NodeStats> {
        self.stats.get(&(node as *const Node as usize))
    }

    /// Rows the filter of `scan` rejected (PostgreSQL's `Rows Removed by
    /// Filter`), over all its loops.
    pub fn removed(&self, scan: &ScanPlan) -> u64 {
        self.removed
            .get(&(scan as *const ScanPlan as usize))
            .copied()
            .unwrap_or(0)
    }

    /// The counters of `scan` when it ran outside a plan node.
    pub fn scan_stats(&self, scan: &ScanPlan) -> Option<NodeStats> {
        self.scans.get(&(scan as *const ScanPlan as usize)).copied()
    }

    /// The counters of the DML statement of key `key`, once set.
    pub fn statement(&self, key: usize) -> Option<NodeStats> {
        self.statements.get(&key).copied()
    }

    /// Sets the counters of the DML statement of key `key`.
    pub fn set_statement(&mut self, key: usize, stats: NodeStats) {
        self.statements.insert(key, stats);
    }

    /// What the sort `node` used, if it ran.
    pub fn sort_space(&self, node: &Node) -> Option<SortSpace> {
        self.sorts.get(&(node as *const Node as usize)).copied()
    }

    /// What the hash table built from `build` (a hash join's right input)
    /// used, if it was built.
    pub fn hash_space(&self, build: &Node) -> Option<HashSpace> {
        self.hashes.get(&(build as *const Node as usize)).copied()
    }

    /// What the hashed aggregate `node` used, if it ran.
    pub fn agg_space(&self, node: &Node) -> Option<AggSpace> {
        self.aggs.get(&(node as *const Node as usize)).copied()
    }

    /// The parallel runs of `scan` (none when it always ran serially).
    pub fn gathered(&self, scan: &ScanPlan) -> Gathered {
        self.gathered
            .get(&(scan as *const ScanPlan as usize))
            .copied()
            .unwrap_or_default()
    }

    /// The counters of a parallel scan's node as PostgreSQL shows a
    /// parallel node's: each worker's part of a parallel run is one loop
    /// (a serial run stays one), so rows per loop are rows per worker;
    /// each loop's times are its run's.
    pub fn per_worker(&self, node: &Node, scan: &ScanPlan) -> Option<NodeStats> {
        let s = *self.get(node)?;
        let g = self.gathered(scan);
        let loops = s.loops.saturating_sub(g.runs) + g.launched;
        if loops == s.loops || s.loops == 0 {
            return Some(s);
        }
        let scale = loops as f64 / s.loops as f64;
        Some(NodeStats {
            loops,
            rows: s.rows,
            startup: s.startup.mul_f64(scale),
            total: s.total.mul_f64(scale),
        })
    }
}

/// Counts, under EXPLAIN ANALYZE, a parallel run of `scan` with
/// `workers` workers whose filters rejected `removed` rows.
pub fn gathered<T: Transaction>(ctx: &mut Ctx<'_, T>, scan: &ScanPlan, workers: u64, removed: u64) {
    if let Some(ins) = ctx.instrument.as_mut() {
        let key = scan as *const ScanPlan as usize;
        let g = ins.gathered.entry(key).or_default();
        g.runs += 1;
        g.launched += workers;
        *ins.removed.entry(key).or_default() += removed;
    }
}

/// Counts a row the filter of `scan` rejected, under EXPLAIN ANALYZE.
pub fn filtered_out<T: Transaction>(ctx: &mut Ctx<'_, T>, scan: &ScanPlan) {
    if let Some(ins) = ctx.instrument.as_mut() {
        *ins.removed
            .entry(scan as *const ScanPlan as usize)
            .or_default() += 1;
    }
}

/// Runs `node` through `run_node`, counting its loop, rows and times in
/// the context's [`Instrument`].
pub fn run_counted<'a, T: Transaction>(
    node: &Node,
    ctx: &mut Ctx<'a, T>,
    sink: &mut Sink<'_, 'a, T>,
    run_node: impl FnOnce(&Node, &mut Ctx<'a, T>, &mut Sink<'_, 'a, T>) -> Result<Flow>,
) -> Result<Flow> {
    let start = Instant::now();
    let mut rows = 0u64;
    let mut first: Option<Instant> = None;
    let r = run_node(node, ctx, &mut |c, row| {
        rows += 1;
        if first.is_none() {
            first = Some(Instant::now());
        }
        sink(c, row)
    });
    count_loop(ctx, node, rows, start, first);
    r
}

/// Records, under EXPLAIN ANALYZE, what a loop of the sort `node` used.
pub fn sorted<T: Transaction>(ctx: &mut Ctx<'_, T>, node: &Node, space: SortSpace) {
    if let Some(ins) = ctx.instrument.as_mut() {
        ins.sorts.insert(node as *const Node as usize, space);
    }
}

/// Records, under EXPLAIN ANALYZE, what a hash table built from `build`
/// used (the largest of its loops is kept).
pub fn hashed<T: Transaction>(ctx: &mut Ctx<'_, T>, build: &Node, space: HashSpace) {
    if let Some(ins) = ctx.instrument.as_mut() {
        let h = ins.hashes.entry(build as *const Node as usize).or_default();
        h.buckets = h.buckets.max(space.buckets);
        h.batches = h.batches.max(space.batches);
        h.kb = h.kb.max(space.kb);
    }
}

/// Records, under EXPLAIN ANALYZE, what a loop of the hashed aggregate
/// `node` used (the largest of its loops is kept).
pub fn hash_aggregated<T: Transaction>(ctx: &mut Ctx<'_, T>, node: &Node, space: AggSpace) {
    if let Some(ins) = ctx.instrument.as_mut() {
        let a = ins.aggs.entry(node as *const Node as usize).or_default();
        a.batches = a.batches.max(space.batches);
        a.kb = a.kb.max(space.kb);
        a.disk_kb = a.disk_kb.max(space.disk_kb);
    }
}

/// Counts, under EXPLAIN ANALYZE, one loop of `node` run outside
/// [`run_counted`] (a parallel scan whose workers probe the join above
/// it): `rows` rows, from `start` to now, the first at `first`.
pub fn count_loop<T: Transaction>(
    ctx: &mut Ctx<'_, T>,
    node: &Node,
    rows: u64,
    start: Instant,
    first: Option<Instant>,
) {
    if let Some(ins) = ctx.instrument.as_mut() {
        let end = Instant::now();
        let s = ins.stats.entry(node as *const Node as usize).or_default();
        s.loops += 1;
        s.rows += rows;
        s.startup += first.unwrap_or(end) - start;
        s.total += end - start;
    }
}

/// Counts, under EXPLAIN ANALYZE, a scan run outside a plan node (an
/// UPDATE's or DELETE's own scan): its rows, and its time less the time
/// its caller spent on each row.
pub struct ScanTimer {
    started: Instant,
    first: Option<Instant>,
    rows: u64,
    outside: Duration,
}

impl ScanTimer {
    /// A timer started now, or `None` when nothing is counted.
    pub fn start<T: Transaction>(ctx: &Ctx<'_, T>) -> Option<ScanTimer> {
        ctx.instrument.as_ref().map(|_| ScanTimer {
            started: Instant::now(),
            first: None,
            rows: 0,
            outside: Duration::ZERO,
        })
    }

    /// Counts a row handed on now; returns the instant, for [`Self::back`].
    pub fn row(&mut self) -> Instant {
        let now = Instant::now();
        self.rows += 1;
        self.first.get_or_insert(now);
        now
    }

    /// The caller is done with the row handed on at `since`.
    pub fn back(&mut self, since: Instant) {
        self.outside += since.elapsed();
    }

    /// Records the scan's counters as one loop of `scan`.
    pub fn finish<T: Transaction>(self, ctx: &mut Ctx<'_, T>, scan: &ScanPlan) {
        let end = Instant::now();
        if let Some(ins) = ctx.instrument.as_mut() {
            let s = ins
                .scans
                .entry(scan as *const ScanPlan as usize)
                .or_default();
            s.loops += 1;
            s.rows += self.rows;
            s.startup += self.first.unwrap_or(end) - self.started;
            s.total += (end - self.started).saturating_sub(self.outside);
        }
    }
}
