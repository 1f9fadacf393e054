//! A hash join's probe done by the parallel scan's workers: the probe
//! (left) side of a hash join is a table read in parallel
//! ([`crate::exec::parallel_scan`]), and its build side is already in
//! memory ([`Build`], shared read-only), so each worker looks its scan
//! rows up in the build itself and sends the join's output rows, not the
//! scan's, to the statement's thread. This is PostgreSQL's parallel-aware
//! plan of a Gather over a Hash Join whose outer side is a Parallel Seq
//! Scan: the probe, the joined rows' assembly and the join condition run
//! in every worker, and the leader only hands the joined rows on.
//!
//! # What a worker decides alone
//!
//! A worker has no [`Ctx`]: it decides only what needs none. The left
//! keys must be columns, literals or parameters, and the join condition
//! must be one [`Expr::quick_truth`] decides (comparisons of columns and
//! constants joined by AND, OR and NOT). For a scan row where one of them
//! cannot be decided (an operand of an unusual type), the worker sends
//! the scan row itself, and the leader probes it the ordinary way
//! ([`Build::probe`]); the rows are the same either way. Inner, left,
//! semi and anti joins qualify; a FULL join, which must remember which
//! build rows matched, is probed by the leader.
//!
//! The output is the hash join's: for each probe row its matches in the
//! build's input order, as [`Build::probe`] gives them; the probe rows
//! themselves come in no particular order, as from any parallel scan.
//!
//! # EXPLAIN
//!
//! EXPLAIN shows such a join as PostgreSQL shows a hash join run by
//! parallel workers: the `Gather` above the `Hash Join`, whose outer side
//! is the `Parallel Seq Scan` ([`planned`]). Under EXPLAIN ANALYZE the
//! join's counters are the leader's (every joined row passes through it),
//! and the scan's rows are the rows the workers probed plus those the
//! leader did.

use std::sync::atomic::{AtomicU64, Ordering};

use rocksgres_storage::Transaction;

use crate::exec::ctx::Ctx;
use crate::exec::group_key::row_key_typed;
use crate::exec::hash_join::{assign_all, Build, JoinSpec};
use crate::plan::expr::Expr;
use crate::plan::join_plan::HashKeys;
use crate::plan::node::{JoinKind, Node};
use crate::types::{SqlType, Value};

/// Probe rows the workers of this process have joined themselves.
static WORKER_PROBES: AtomicU64 = AtomicU64::new(0);

/// How many probe rows parallel-scan workers of this process have joined
/// with a hash join's build side themselves (not left to the leader).
pub fn worker_probes() -> u64 {
    WORKER_PROBES.load(Ordering::Relaxed)
}

/// Counts `n` probe rows a worker joined.
pub(crate) fn count_worker_probes(n: u64) {
    WORKER_PROBES.fetch_add(n, Ordering::Relaxed);
}

/// A hash join probe the workers can do (see the module docs).
pub(crate) struct WorkerProbe<'s> {
    /// The build side.
    pub build: &'s Build,
    /// The left (probe) keys.
    pub keys: &'s [Expr],
    /// The keys' types (their encoding, as the build's).
    pub types: &'s [SqlType],
    /// The full join condition, over the joined row.
    pub on: Option<&'s Expr>,
    /// Inner, left, semi or anti.
    pub kind: JoinKind,
    /// The width of a probe (scan) row.
    pub left_width: usize,
    /// The width of a build row.
    pub right_width: usize,
}

/// Where a worker puts the output rows of its probes.
pub(crate) trait OutRows {
    /// The slots of the next output row, not yet added (at least the
    /// join's output width; their old values are to be overwritten).
    fn slots(&mut self) -> &mut [Value];
    /// Adds the row [`OutRows::slots`] gave.
    fn commit(&mut self);
    /// How many rows have been added.
    fn rows(&self) -> usize;
    /// Takes back the rows added after the first `n`.
    fn truncate(&mut self, n: usize);
}

/// A worker's buffers for probing.
#[derive(Default)]
pub(crate) struct ProbeScratch {
    vals: Vec<Value>,
    key: Vec<u8>,
    /// A build row, decoded to decide a semi or anti join's condition.
    right: Vec<Value>,
}

impl<'s> WorkerProbe<'s> {
    /// The probe of `spec`'s join with `build`, when the workers can do it
    /// (the kind, the keys and the condition qualify: see the module
    /// docs); `None` otherwise.
    pub fn of(spec: &'s JoinSpec<'_>, build: &'s Build) -> Option<Self> {
        if !qualifies(spec.kind, spec.on, spec.keys) {
            return None;
        }
        Some(WorkerProbe {
            build,
            keys: &spec.keys.left,
            types: &spec.keys.types,
            on: spec.on,
            kind: spec.kind,
            left_width: spec.left_width,
            right_width: spec.right_width,
        })
    }

    /// The width of the rows the join outputs.
    pub fn out_width(&self) -> usize {
        match self.kind {
            JoinKind::Semi | JoinKind::Anti => self.left_width,
            _ => self.left_width + self.right_width,
        }
    }

    /// Probes with `lrow`: `Some` with the number of output rows added to
    /// `out`, or `None`, having added nothing, when the worker cannot
    /// decide it (the leader then probes the row).
    pub fn probe(
        &self,
        lrow: &[Value],
        params: &[Value],
        s: &mut ProbeScratch,
        out: &mut impl OutRows,
    ) -> Option<usize> {
        s.vals.clear();
        let mut keyed = true;
        for k in self.keys {
            let v = k.plain_operand(lrow, params)?;
            if v.is_null() {
                keyed = false;
                break;
            }
            s.vals.push(v.clone());
        }
        if keyed {
            row_key_typed(&s.vals, self.types, &mut s.key);
        }
        let (lw, rw) = (lrow.len(), self.right_width);
        let before = out.rows();
        let mut matched = false;
        if keyed {
            for i in self.build.chain(&s.key) {
                if matches!(self.kind, JoinKind::Semi | JoinKind::Anti) {
                    // The first match decides; the output is the probe row.
                    if let Some(on) = self.on {
                        s.right.resize(rw, Value::Null);
                        self.build.row_into(i, &mut s.right).ok()?;
                        if on.quick_truth_joined(lrow, &s.right, params)? != Some(true) {
                            continue;
                        }
                    }
                    matched = true;
                    break;
                }
                let slots = &mut out.slots()[..lw + rw];
                self.build.row_into(i, &mut slots[lw..]).ok()?;
                let ok = match self.on {
                    None => true,
                    Some(on) => match on.quick_truth_joined(lrow, &slots[lw..], params) {
                        Some(v) => v == Some(true),
                        None => {
                            out.truncate(before);
                            return None;
                        }
                    },
                };
                if ok {
                    assign_all(&mut slots[..lw], lrow);
                    out.commit();
                    matched = true;
                }
            }
        }
        match (self.kind, matched) {
            (JoinKind::Semi, true) | (JoinKind::Anti, false) => {
                assign_all(&mut out.slots()[..lw], lrow);
                out.commit();
            }
            (JoinKind::Left, false) => {
                let slots = out.slots();
                assign_all(&mut slots[..lw], lrow);
                for v in &mut slots[lw..lw + rw] {
                    if !v.is_null() {
                        *v = Value::Null;
                    }
                }
                out.commit();
            }
            _ => {}
        }
        Some(out.rows() - before)
    }
}

/// Whether the workers can probe a hash join of this kind, keys and
/// condition (see the module docs).
fn qualifies(kind: JoinKind, on: Option<&Expr>, keys: &HashKeys) -> bool {
    matches!(
        kind,
        JoinKind::Inner | JoinKind::Left | JoinKind::Semi | JoinKind::Anti
    ) && !keys.merge
        && keys.left.iter().all(Expr::is_plain_operand)
        && on.is_none_or(Expr::may_quick_decide)
}

/// The workers planned to probe the hash join of `left` with these kind,
/// condition and keys (EXPLAIN shows them on a `Gather` above the join,
/// as PostgreSQL shows a hash join under a Gather), with at most `max`
/// (`max_parallel_workers_per_gather`): 0 when the leader probes. What
/// the plan alone decides; at run time a build side past `work_mem` goes
/// to batches, which the leader joins.
pub fn planned(
    left: &Node,
    kind: JoinKind,
    on: Option<&Expr>,
    keys: &HashKeys,
    max: usize,
) -> usize {
    match left {
        Node::Scan(scan) if qualifies(kind, on, keys) => {
            crate::exec::parallel_scan::planned(scan, max)
        }
        _ => 0,
    }
}

/// Probes the join of `spec` with `build` on the leader, for a scan row a
/// worker sent undecided: what [`Build::join_all`] does for each row.
pub(crate) fn probe_on_leader<'a, T: Transaction>(
    build: &Build,
    spec: &mut JoinSpec<'_>,
    lrow: &[Value],
    ctx: &mut Ctx<'a, T>,
    sink: &mut crate::exec::run::Sink<'_, 'a, T>,
) -> crate::error::Result<crate::exec::run::Flow> {
    let keyed = spec.encode_key(false, lrow, ctx)?;
    build.probe(lrow, keyed, spec, &mut [], ctx, sink)
}
