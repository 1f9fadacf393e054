//! Work the parallel scan's workers do past the scan and the hash-join
//! probe: a top-N sort or a partial aggregate, so that a worker sends
//! the statement's thread the few rows that can matter instead of every
//! row it read.
//!
//! # What
//!
//! * **Top N.** `ORDER BY ... LIMIT n` over a parallel scan (or a hash
//!   join the workers probe): each worker keeps its own first `n` rows in
//!   the sort order (as [`crate::exec::top_n`] does) and sends only those
//!   when it ends. The leader's top-N sort of what it receives is the
//!   same as over all rows: a row among the first `n` of all is among the
//!   first `n` of the worker that read it. PostgreSQL's plan is a Sort in
//!   each worker under a Gather Merge.
//! * **Partial aggregation.** A hash aggregate (or one without `GROUP
//!   BY`) over such rows: each worker aggregates the rows it reads into
//!   groups of its own, and hands its groups' running states to the
//!   leader when it ends; the leader merges them into its own table
//!   ([`crate::exec::hash_agg::HashAgg::add_partial`]) with
//!   [`Accumulator::merge`]. PostgreSQL's plan is a Partial Aggregate in
//!   each worker under a Gather and a Finalize Aggregate.
//!
//! # When
//!
//! The rows must reach the stage unchanged but for projections of
//! columns: the operator's input is the scan or the join, under any
//! number of projections that only pick columns; the sort keys, the
//! grouping expressions and the aggregates' arguments are columns,
//! literals or parameters ([`Expr::plain_operand`]), so a worker reads
//! them without a [`Ctx`]. Only `count`, `sum`, `avg`, `min`, `max`,
//! `bool_and` and `bool_or` without `DISTINCT`, `FILTER` or `ORDER BY`
//! aggregate in the workers: their states merge. Not under EXPLAIN
//! ANALYZE, whose counts are the leader's (the plan it shows has the
//! operator above the Gather).
//!
//! A stage is only ever an option: the operator (Limit, Aggregate) puts
//! it in [`Ctx::gather_stage`] while its input runs, and the parallel
//! scan of that very scan node, gathering the rows the stage was made
//! for (the join's when the workers probe, the scan's otherwise), takes
//! it. If no such gather runs (a serial scan, a join gone to batches),
//! every row reaches the operator as before. A row a worker cannot
//! decide on (a value of an unexpected type, a filter left to the
//! leader) goes to the leader as before, and the leader's operator gets
//! it the ordinary way; so does, for the aggregate, a row of a new group
//! once the worker's groups hold their share of `work_mem` ×
//! `hash_mem_multiplier`, which keeps the workers' memory bounded.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};

use crate::error::Result;
use crate::exec::aggregate::Accumulator;
use crate::exec::group_key::row_key_typed;
use crate::exec::hash_join::{KeyBytes, KeyMap};
use crate::exec::run::sort_cmp;
use crate::exec::spill::row_codec::row_size;
use crate::interrupt::Interrupt;
use crate::plan::expr::Expr;
use crate::plan::node::{AggCall, AggFunc, Node, ScanPlan, SortKey};
use crate::types::{SqlType, Value};

/// Rows the workers of this process took into top-N sorts and partial
/// aggregates (instead of sending them to the leader).
static STAGE_ROWS: AtomicU64 = AtomicU64::new(0);

/// How many rows parallel-scan workers of this process have taken into
/// a top-N sort or a partial aggregate of their own.
pub fn stage_rows() -> u64 {
    STAGE_ROWS.load(Ordering::Relaxed)
}

/// A group of a partial aggregate as a worker leaves it: its grouping
/// values and its states, a count and a value per aggregate
/// ([`Accumulator::into_partial`]).
pub(crate) type Group = (Vec<Value>, Vec<Value>);

/// Bytes counted per group besides its key and values.
const GROUP_OVERHEAD: usize = 64;

/// The work a stage does (see the module docs), over the gathered row.
enum Work {
    /// Keep the first `n` rows by `keys`.
    TopN { keys: Vec<SortKey>, n: usize },
    /// Aggregate by `group_by` (of `types`), keeping at most `cap` bytes
    /// of groups per worker.
    Agg {
        group_by: Vec<Expr>,
        types: Vec<SqlType>,
        aggs: Vec<AggCall>,
        cap: usize,
    },
}

/// A stage for the workers of one gather (see the module docs).
pub(crate) struct GatherStage {
    /// The address of the scan whose gather runs it.
    scan: usize,
    /// Whether its rows are a hash join's the workers probe (else the
    /// scan's).
    probing: bool,
    work: Work,
    /// The workers' groups, left at their end.
    groups: Mutex<Vec<Group>>,
}

impl GatherStage {
    /// A top-N stage for the first `n` rows of `input` by `keys`, when
    /// `input` and the keys qualify (see the module docs).
    /// `max` is `max_parallel_workers_per_gather`.
    pub fn top_n(input: &Node, keys: &[SortKey], n: usize, max: usize) -> Option<Arc<GatherStage>> {
        let (scan, probing, map) = source(input, max)?;
        let keys = keys
            .iter()
            .map(|k| {
                Some(SortKey {
                    expr: remap(&k.expr, &map)?,
                    ..k.clone()
                })
            })
            .collect::<Option<Vec<_>>>()?;
        Some(Arc::new(GatherStage {
            scan: scan as *const ScanPlan as usize,
            probing,
            work: Work::TopN { keys, n },
            groups: Mutex::new(Vec::new()),
        }))
    }

    /// A partial-aggregate stage for grouping the rows of `input` by
    /// `group_by` into `aggs`, each worker holding at most `cap` bytes of
    /// groups, when they qualify (see the module docs). `max` is
    /// `max_parallel_workers_per_gather`.
    pub fn aggregate(
        input: &Node,
        group_by: &[Expr],
        aggs: &[AggCall],
        cap: usize,
        max: usize,
    ) -> Option<Arc<GatherStage>> {
        let (scan, probing, map) = source(input, max)?;
        let group_by = group_by
            .iter()
            .map(|g| remap(g, &map))
            .collect::<Option<Vec<_>>>()?;
        let aggs = aggs
            .iter()
            .map(|a| {
                let mergeable = matches!(
                    a.func,
                    AggFunc::CountStar
                        | AggFunc::Count
                        | AggFunc::Sum
                        | AggFunc::Avg
                        | AggFunc::Min
                        | AggFunc::Max
                        | AggFunc::BoolAnd
                        | AggFunc::BoolOr
                );
                if !mergeable
                    || a.distinct
                    || a.filter.is_some()
                    || a.extra.is_some()
                    || !a.order_by.is_empty()
                    || !a.direct.is_empty()
                {
                    return None;
                }
                let arg = match &a.arg {
                    None => None,
                    Some(e) => Some(remap(e, &map)?),
                };
                Some(AggCall { arg, ..a.clone() })
            })
            .collect::<Option<Vec<_>>>()?;
        let types = group_by.iter().map(Expr::ty).collect();
        Some(Arc::new(GatherStage {
            scan: scan as *const ScanPlan as usize,
            probing,
            work: Work::Agg {
                group_by,
                types,
                aggs,
                cap,
            },
            groups: Mutex::new(Vec::new()),
        }))
    }

    /// Whether the stage is for the gather of `scan` (`probing`: of the
    /// hash join its workers probe).
    pub fn is_for(&self, scan: &ScanPlan, probing: bool) -> bool {
        self.scan == scan as *const ScanPlan as usize && self.probing == probing
    }

    /// The groups the workers left (none for a top-N stage, or when no
    /// worker ran it).
    pub fn take_groups(&self) -> Vec<Group> {
        self.groups
            .lock()
            .map(|mut g| std::mem::take(&mut *g))
            .unwrap_or_default()
    }
}

/// The scan whose gather (planned with workers: at most `max`) gives the
/// rows of `node`, whether those are a hash join's the workers probe, and
/// per column of `node` the column of the gathered row it is (`None`:
/// computed).
fn source(node: &Node, max: usize) -> Option<(&ScanPlan, bool, Vec<Option<usize>>)> {
    match node {
        Node::Scan(scan) if crate::exec::parallel_scan::planned(scan, max) > 0 => Some((
            scan,
            false,
            (0..scan.table.columns.len()).map(Some).collect(),
        )),
        Node::Join {
            left,
            kind,
            on,
            hash: Some(keys),
            lateral: false,
            ..
        } if crate::exec::parallel_probe::planned(left, *kind, on.as_ref(), keys, max) > 0 => {
            let Node::Scan(scan) = left.as_ref() else {
                return None;
            };
            Some((scan, true, (0..node.width()).map(Some).collect()))
        }
        Node::Project { input, exprs, .. } => {
            let (scan, probing, below) = source(input, max)?;
            let map = exprs
                .iter()
                .map(|e| match e {
                    Expr::Column(i, _) => below.get(*i).copied().flatten(),
                    _ => None,
                })
                .collect();
            Some((scan, probing, map))
        }
        _ => None,
    }
}

/// `e` over the gathered row, when it is a column of `map`, a literal or
/// a parameter.
fn remap(e: &Expr, map: &[Option<usize>]) -> Option<Expr> {
    match e {
        Expr::Column(i, ty) => Some(Expr::Column(map.get(*i).copied().flatten()?, *ty)),
        Expr::Literal(..) | Expr::Param(..) => Some(e.clone()),
        _ => None,
    }
}

/// A worker's part of a stage.
pub(crate) struct StageState<'s> {
    stage: &'s GatherStage,
    params: &'s [Value],
    /// Top N: the rows kept, with their keys, in order.
    top: Vec<(Vec<Value>, Vec<Value>)>,
    /// Aggregate: the groups and their index by key bytes.
    index: KeyMap<usize>,
    groups: Vec<(Vec<Value>, Vec<Accumulator>)>,
    mem: usize,
    vals: Vec<Value>,
    key: Vec<u8>,
    interrupt: Interrupt,
    taken: u64,
}

impl<'s> StageState<'s> {
    /// A worker's empty part of `stage`, for a statement with `params`.
    pub fn new(stage: &'s GatherStage, params: &'s [Value]) -> Self {
        StageState {
            stage,
            params,
            top: Vec::new(),
            index: KeyMap::default(),
            groups: Vec::new(),
            mem: 0,
            vals: Vec::new(),
            key: Vec::new(),
            interrupt: Interrupt::none(),
            taken: 0,
        }
    }

    /// Offers the gathered `row`: true when the stage took it, false
    /// when it must go to the leader.
    pub fn take(&mut self, row: &[Value]) -> Result<bool> {
        let taken = match &self.stage.work {
            Work::TopN { keys, n } => self.take_top(keys, *n, row),
            Work::Agg {
                group_by,
                types,
                aggs,
                cap,
            } => self.take_agg(group_by, types, aggs, *cap, row)?,
        };
        self.taken += u64::from(taken);
        Ok(taken)
    }

    /// Keeps `row` among the first `n` by `keys`, or drops it.
    fn take_top(&mut self, keys: &[SortKey], n: usize, row: &[Value]) -> bool {
        self.vals.clear();
        for k in keys {
            let Some(v) = k.expr.plain_operand(row, self.params) else {
                return false;
            };
            self.vals.push(v.clone());
        }
        if self.top.len() == n
            && self
                .top
                .last()
                .is_none_or(|last| sort_cmp(keys, &self.vals, &last.0).is_ge())
        {
            return true;
        }
        let at = self
            .top
            .partition_point(|e| sort_cmp(keys, &e.0, &self.vals).is_le());
        self.top.insert(at, (self.vals.clone(), row.to_vec()));
        self.top.truncate(n);
        true
    }

    /// Adds `row` to its group, unless a value is not a plain one or the
    /// group is new and the groups hold `cap` bytes already.
    fn take_agg(
        &mut self,
        group_by: &[Expr],
        types: &[SqlType],
        aggs: &[AggCall],
        cap: usize,
        row: &[Value],
    ) -> Result<bool> {
        self.vals.clear();
        for g in group_by {
            let Some(v) = g.plain_operand(row, self.params) else {
                return Ok(false);
            };
            self.vals.push(v.clone());
        }
        for a in aggs {
            if let Some(arg) = &a.arg {
                if arg.plain_operand(row, self.params).is_none() {
                    return Ok(false);
                }
            }
        }
        row_key_typed(&self.vals, types, &mut self.key);
        let slot = match self.index.get(self.key.as_slice()) {
            Some(&i) => i,
            None => {
                if self.mem > cap {
                    return Ok(false);
                }
                self.mem += 2 * self.key.len()
                    + row_size(&self.vals)
                    + GROUP_OVERHEAD
                    + aggs.len() * std::mem::size_of::<Accumulator>();
                self.index
                    .insert(KeyBytes::from_slice(&self.key), self.groups.len());
                self.groups.push((
                    self.vals.clone(),
                    aggs.iter().map(Accumulator::new).collect(),
                ));
                self.groups.len() - 1
            }
        };
        let accs = &mut self.groups[slot].1;
        for (acc, a) in accs.iter_mut().zip(aggs) {
            let v = match &a.arg {
                None => None,
                Some(arg) => arg.plain_operand(row, self.params).cloned(),
            };
            acc.add(v, &mut self.interrupt)?;
        }
        Ok(true)
    }

    /// The worker's end: hands a top-N stage's rows to `send`, and leaves
    /// an aggregate's groups for the leader.
    pub fn finish(self, send: &mut dyn FnMut(&[Value])) -> Result<()> {
        STAGE_ROWS.fetch_add(self.taken, Ordering::Relaxed);
        for (_, row) in &self.top {
            send(row);
        }
        let mut groups = Vec::with_capacity(self.groups.len());
        for (gvals, accs) in self.groups {
            let mut states = Vec::with_capacity(2 * accs.len());
            for acc in accs {
                states.extend(acc.into_partial()?);
            }
            groups.push((gvals, states));
        }
        if !groups.is_empty() {
            if let Ok(mut all) = self.stage.groups.lock() {
                all.extend(groups);
            }
        }
        Ok(())
    }
}
