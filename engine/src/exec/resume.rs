//! Resumable pipelines: a query run a few rows at a time, each run going
//! on where the last one stopped, for SQL cursors (`FETCH`) and for
//! protocol portals executed with a row limit.
//!
//! PostgreSQL runs a cursor's query as its rows are fetched, so the
//! query's errors and side effects (a `nextval`, a division by zero on row
//! 1000) happen at the FETCH that reaches them. Our executor pushes rows
//! ([`crate::exec::run`]) and cannot be suspended mid-plan, so a plan is
//! resumed instead of suspended: for the streaming shapes
//!
//! ```text
//! [Project | Filter | Limit/Offset]* -> Scan (full, primary-key point or
//!                                             range, secondary index)
//! ```
//!
//! every stage above the scan works on one row at a time and keeps no
//! state but LIMIT/OFFSET's counts. [`Resumable`] keeps the scan's
//! position (the key of the index entry it read last) and those counts;
//! [`Resumable::pull`] runs the pipeline from the entry after that
//! position until it has produced the rows asked for, stopping the scan
//! there ([`Flow::Stop`]), so a run reads only what it returns (plus the
//! rows the filters drop). Nothing is recomputed: each row is read and
//! evaluated exactly once over all runs.
//!
//! The caller reads with the snapshot the query started with (see
//! [`rocksgres_storage::Transaction::hold_snapshot`]) and makes sure its
//! transaction has not written since (the session drains a resumable
//! cursor into its row store before a statement that may write).
//!
//! Shapes not listed (sorts, joins, aggregates, set operations, function
//! scans, locking or sampled scans, expressions with subqueries, `WITH
//! TIES`) are not resumable ([`resumable`] says so): their callers run
//! them to completion into a row store, as before.

use rocksgres_storage::Transaction;

use crate::error::Result;
use crate::exec::ctx::Ctx;
use crate::exec::run::{count_arg, Flow};
use crate::exec::scan::scan_rows_resuming;
use crate::plan::expr::Expr;
use crate::plan::node::{Node, ScanPlan};
use crate::types::Value;

/// One per-row stage above the scan.
enum Stage<'n> {
    Filter(&'n Expr),
    Project(&'n [Expr]),
    Limit,
}

/// The stages of `node` from the scan up, and the scan; `None` when the
/// plan is not of a resumable shape (see the module docs).
fn pipeline(node: &Node) -> Option<(Vec<Stage<'_>>, &ScanPlan)> {
    let mut stages = Vec::new();
    let mut node = node;
    let mut limits = 0;
    let scan = loop {
        match node {
            Node::Scan(scan) => break scan,
            Node::Filter { input, predicate } => {
                stages.push(Stage::Filter(predicate));
                node = &**input;
            }
            Node::Project { input, exprs, .. } => {
                stages.push(Stage::Project(exprs));
                node = &**input;
            }
            Node::Limit {
                input, ties: None, ..
            } if limits == 0 => {
                limits += 1;
                stages.push(Stage::Limit);
                node = &**input;
            }
            _ => return None,
        }
    };
    stages.reverse();
    Some((stages, scan))
}

/// The LIMIT node of `node`'s pipeline, if it has one.
fn limit_node(node: &Node) -> Option<(&Option<Expr>, &Option<Expr>)> {
    match node {
        Node::Limit { limit, offset, .. } => Some((limit, offset)),
        Node::Filter { input, .. } | Node::Project { input, .. } => limit_node(input),
        _ => None,
    }
}

fn has_subquery(e: &Expr) -> bool {
    e.any(&mut |e| matches!(e, Expr::Subquery(_)))
}

/// Whether `node` can be run a few rows at a time by [`Resumable`].
pub fn resumable(node: &Node) -> bool {
    let Some((stages, scan)) = pipeline(node) else {
        return false;
    };
    if scan.lock.is_some() || scan.sample.is_some() {
        return false;
    }
    if scan.filter.as_ref().is_some_and(has_subquery) {
        return false;
    }
    let stage_ok = |s: &Stage<'_>| match s {
        Stage::Filter(e) => !has_subquery(e),
        Stage::Project(exprs) => !exprs.iter().any(has_subquery),
        Stage::Limit => true,
    };
    if !stages.iter().all(stage_ok) {
        return false;
    }
    match limit_node(node) {
        Some((limit, offset)) => ![limit, offset]
            .into_iter()
            .any(|e| e.as_ref().is_some_and(has_subquery)),
        None => true,
    }
}

/// Where a resumable pipeline stopped (see the module docs).
#[derive(Debug, Default)]
pub struct Resumable {
    /// The scan's position: the key of the index entry read last.
    after: Option<Vec<u8>>,
    /// LIMIT and OFFSET, once evaluated: rows still to skip, rows still
    /// to pass (`None`: no limit).
    counts: Option<(u64, Option<u64>)>,
    /// Every row was produced.
    done: bool,
}

impl Resumable {
    /// A pipeline that has not run yet.
    pub fn new() -> Self {
        Resumable::default()
    }

    /// Whether every row was produced.
    pub fn is_done(&self) -> bool {
        self.done
    }

    /// Runs `node` (for which [`resumable`] holds) from where it stopped
    /// until it has given `out` `max` more rows (`None`: all of them).
    /// Returns how many it gave; fewer than `max` means it is done.
    pub fn pull<'a, T: Transaction>(
        &mut self,
        node: &Node,
        ctx: &mut Ctx<'a, T>,
        max: Option<u64>,
        out: &mut dyn FnMut(&[Value]) -> Result<()>,
    ) -> Result<u64> {
        if self.done || max == Some(0) {
            return Ok(0);
        }
        let Some((stages, scan)) = pipeline(node) else {
            return Err(crate::error::EngineError::internal(
                "resuming a plan that cannot resume",
            ));
        };
        if self.counts.is_none() {
            let (limit, offset) = match limit_node(node) {
                Some((limit, offset)) => (
                    count_arg(limit, ctx, true)?,
                    count_arg(offset, ctx, false)?.unwrap_or(0),
                ),
                None => (None, 0),
            };
            self.counts = Some((offset, limit));
        }
        let (mut skip, mut left) = self.counts.unwrap_or_default();
        if left == Some(0) {
            self.done = true;
            return Ok(0);
        }
        let mut produced = 0u64;
        let mut limit_reached = false;
        let mut row: Vec<Value> = Vec::new();
        let after = self.after.take();
        let ran = scan_rows_resuming(scan, ctx, after, &mut |ctx, _, scanned| {
            row.clear();
            row.extend_from_slice(scanned);
            for stage in &stages {
                match stage {
                    Stage::Filter(p) => {
                        if !p.holds(&row, ctx)? {
                            return Ok(Flow::Continue);
                        }
                    }
                    Stage::Project(exprs) => {
                        let mut next = Vec::with_capacity(exprs.len());
                        for e in *exprs {
                            next.push(e.eval(&row, ctx)?);
                        }
                        row = next;
                    }
                    Stage::Limit => {
                        if skip > 0 {
                            skip -= 1;
                            return Ok(Flow::Continue);
                        }
                        if left == Some(0) {
                            limit_reached = true;
                            return Ok(Flow::Stop);
                        }
                        if let Some(l) = left.as_mut() {
                            *l -= 1;
                        }
                    }
                }
            }
            out(&row)?;
            produced += 1;
            if left == Some(0) {
                limit_reached = true;
                return Ok(Flow::Stop);
            }
            if max.is_some_and(|m| produced >= m) {
                return Ok(Flow::Stop);
            }
            Ok(Flow::Continue)
        });
        self.counts = Some((skip, left));
        let (flow, last) = match ran {
            Ok(r) => r,
            Err(e) => {
                // Its position is lost: it cannot go on.
                self.done = true;
                return Err(e);
            }
        };
        if flow == Flow::Continue || limit_reached {
            self.done = true;
        } else {
            self.after = Some(last);
        }
        Ok(produced)
    }
}
