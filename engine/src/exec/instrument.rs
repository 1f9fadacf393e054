//! EXPLAIN ANALYZE's counters: rows, loops and times per plan node.
//!
//! When a statement runs under `EXPLAIN ANALYZE` its [`Ctx`] carries an
//! [`Instrument`]; [`crate::exec::run::run`] then wraps every node it runs
//! (each call is one *loop* of that node, as a nested loop's inner side
//! runs once per outer row) and counts the rows the node hands on, the
//! time to its first row (PostgreSQL's startup time) and the time to its
//! end. Nodes are keyed by address: the plan tree is not moved while it
//! runs, and [`crate::plan::explain`] looks each node up by the same
//! address when it renders the plan. Without an `Instrument` (every other
//! statement) nothing is counted and no clock is read.

use std::collections::HashMap;
use std::time::{Duration, Instant};

use rocksgres_storage::Transaction;

use crate::error::Result;
use crate::exec::ctx::Ctx;
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
    let end = Instant::now();
    if let Some(ins) = ctx.instrument.as_mut() {
        let s = ins.stats.entry(node as *const Node as usize).or_default();
        s.loops += 1;
        s.rows += rows;
        s.startup += first.unwrap_or(end) - start;
        s.total += end - start;
    }
    r
}
