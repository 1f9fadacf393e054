//! Executes MERGE ([`crate::plan::merge`] plans it).
//!
//! First the join runs, to the end, before anything is written: reads see
//! the statement's own writes, and MERGE joins the rows as they were when
//! it started (a row it inserts is never matched). Its rows go to a
//! [`TupleStore`] (a temporary file past `work_mem`), each the target
//! row's key (`bytea`; NULL for a source row that matched nothing), the
//! target row (NULLs when unmatched), then the source row:
//!
//! * **Hash join.** The source rows are read once into a hash table on
//!   their join keys ([`Build`]); one scan of the target probes it, and
//!   each pair that satisfies the rest of ON is a row. When unmatched
//!   source rows are kept (WHEN NOT MATCHED clauses), those the probes
//!   never marked follow, in source order (PostgreSQL's `Hash Right
//!   Join`). When the source rows pass the hash table's memory (`work_mem`
//!   × `hash_mem_multiplier`) both sides go to batches in temporary files
//!   ([`crate::exec::dml_join`]).
//! * **Nested loop.** For each source row, the scan of the target rows
//!   matching ON (the source row as its enclosing row) gives its rows, or
//!   the unmatched row.
//!
//! Then each row acts, as PostgreSQL's: an unmatched source row through
//! the first WHEN NOT MATCHED clause whose condition holds (an INSERT
//! through the plain INSERT path); a matched pair through the first WHEN
//! MATCHED clause whose condition holds on the joined row, through the
//! plain UPDATE/DELETE row path (row lock, newest version, constraints,
//! indexes, foreign keys). Each action re-checks ON and its clause's
//! condition on the target row's newest version; when a concurrent
//! transaction changed the row so that they fail, the newest version
//! decides again, as PostgreSQL's EvalPlanQual: deleted, or no longer
//! satisfying ON, the source row goes to the WHEN NOT MATCHED clauses;
//! otherwise the WHEN MATCHED clauses are tried again on it. A target row
//! that one source row already updated or deleted and another would
//! change again is 21000. The hash join in memory, and in batches that
//! each fit in one chunk, gives the pairs of one target row one after
//! another, so only the last changed key is remembered; otherwise (a
//! batch of several chunks, the nested loop) the changed keys go to a
//! [`KeySet`] (spilled past the hash table's memory).
//!
//! Under EXPLAIN ANALYZE the join counts its rows, its inputs their own,
//! the hash table what it held, and [`MergeCounts`] PostgreSQL's
//! `Tuples:` line.

use std::time::Instant;

use rocksgres_storage::Transaction;

use crate::error::{EngineError, Result, SqlState};
use crate::exec::ctx::Ctx;
use crate::exec::dml::{
    delete_one, lock_newest, run_insert, update_one, DmlOutcome, ModifyPlan, RowIds,
};
use crate::exec::dml_join::{counted_scan, join_target, Emitted};
use crate::exec::foreign_keys::FkState;
use crate::exec::hash_join::JoinSpec;
use crate::exec::run::{run, Flow};
use crate::exec::spill::key_set::KeySet;
use crate::exec::spill::TupleStore;
use crate::plan::expr::Expr;
use crate::plan::join_plan::HashKeys;
use crate::plan::merge::{MatchedAction, MergePlan};
use crate::plan::node::{JoinKind, Node, ScanPlan};
use crate::types::Value;

/// What a MERGE did with the rows of its join (PostgreSQL's `Tuples:`
/// line under EXPLAIN ANALYZE).
#[derive(Debug, Default, Clone, Copy)]
pub struct MergeCounts {
    /// Rows inserted by WHEN NOT MATCHED clauses.
    pub inserted: u64,
    /// Rows updated.
    pub updated: u64,
    /// Rows deleted.
    pub deleted: u64,
    /// Rows of the join no clause acted on (DO NOTHING included).
    pub skipped: u64,
}

impl MergeCounts {
    /// The rows inserted, updated and deleted (MERGE's command tag).
    pub fn changed(&self) -> u64 {
        self.inserted + self.updated + self.deleted
    }
}

fn holds<T: Transaction>(cond: &Option<Expr>, row: &[Value], ctx: &mut Ctx<'_, T>) -> Result<bool> {
    match cond {
        Some(c) => c.holds(row, ctx),
        None => Ok(true),
    }
}

/// The join's rows (see the module docs), with a row buffer.
struct Joined {
    rows: TupleStore,
    buf: Vec<Value>,
}

impl Joined {
    fn new<T: Transaction>(ctx: &mut Ctx<'_, T>) -> Self {
        Joined {
            rows: TupleStore::new(ctx.spill_env()),
            buf: Vec::new(),
        }
    }

    /// Keeps the pair of the target row under `key` and the source row,
    /// `both` their values one after the other.
    fn pair(&mut self, key: &[u8], both: &[Value]) -> Result<()> {
        self.buf.clear();
        self.buf.push(Value::Bytea(key.to_vec()));
        self.buf.extend_from_slice(both);
        self.rows.push(&self.buf)
    }

    /// Keeps a source row that matched nothing (`target_width` NULLs for
    /// the target row).
    fn unmatched(&mut self, target_width: usize, srow: &[Value]) -> Result<()> {
        self.buf.clear();
        self.buf.resize(1 + target_width, Value::Null);
        self.buf.extend_from_slice(srow);
        self.rows.push(&self.buf)
    }
}

/// The rows of the hash join of the target's `scan` with the source
/// rows of `source` on `keys`, checked by `on`: in memory, or in batches
/// past it ([`crate::exec::dml_join`]); `outer` keeps the unmatched source
/// rows. Whether the pairs of one target row come one after another (in
/// memory, or in batches of one chunk each) is the second part.
fn hash_rows<T: Transaction>(
    scan: &ScanPlan,
    source: &Node,
    (on, keys): (Option<&Expr>, &HashKeys),
    outer: bool,
    ctx: &mut Ctx<'_, T>,
) -> Result<(Joined, bool)> {
    let width = scan.table.columns.len();
    let mut spec = JoinSpec::new(JoinKind::Inner, on, keys, width, source.width());
    let mut joined = Joined::new(ctx);
    // A source row with a NULL key joins nothing: it is kept only to be
    // inserted.
    let grouped = join_target(scan, source, &mut spec, outer, ctx, &mut |_, e| {
        match e {
            Emitted::Pair(key, both, _) => joined.pair(key, both)?,
            Emitted::Unmatched(srow) => joined.unmatched(width, srow)?,
        }
        Ok(Flow::Continue)
    })?;
    Ok((joined, grouped))
}

/// The rows of the nested loop: for each row of `source`, the target
/// rows of `matches` (run with the source row as its enclosing row), or
/// the unmatched row when `outer`.
fn loop_rows<T: Transaction>(
    source: &Node,
    matches: &ScanPlan,
    outer: bool,
    ctx: &mut Ctx<'_, T>,
) -> Result<Joined> {
    let width = matches.table.columns.len();
    let mut joined = Joined::new(ctx);
    let mut both = Vec::new();
    run(source, ctx, &mut |ctx, srow| {
        ctx.check_interrupt()?;
        let mut any = false;
        ctx.outer.push(srow.to_vec());
        let r = counted_scan(matches, ctx, &mut |_, key, trow| {
            any = true;
            both.clear();
            both.extend_from_slice(trow);
            both.extend_from_slice(srow);
            joined.pair(key, &both)?;
            Ok(Flow::Continue)
        });
        ctx.outer.pop();
        r?;
        if !any && outer {
            joined.unmatched(width, srow)?;
        }
        Ok(Flow::Continue)
    })?;
    Ok(joined)
}

/// The join's rows, and whether the pairs of one target row come one
/// after another (the hash join's).
fn join_rows<T: Transaction>(plan: &MergePlan, ctx: &mut Ctx<'_, T>) -> Result<(Joined, bool)> {
    let outer = !plan.not_matched.is_empty();
    let Node::Join {
        left,
        right,
        on,
        hash,
        ..
    } = &plan.join
    else {
        return Err(EngineError::internal("MERGE plan is not a join"));
    };
    if let (Some(keys), Node::Scan(scan)) = (hash, left.as_ref()) {
        return hash_rows(scan, right, (on.as_ref(), keys), outer, ctx);
    }
    let Node::Scan(matches) = right.as_ref() else {
        return Err(EngineError::internal("MERGE loop without its target scan"));
    };
    Ok((loop_rows(left, matches, outer, ctx)?, false))
}

/// The target rows changed so far, to refuse a second change (21000).
enum Changed {
    /// The pairs of a target row are consecutive: its key, once changed.
    Last(Option<Vec<u8>>),
    /// Every key changed.
    All(KeySet),
}

impl Changed {
    /// 21000 when the row at `key` was changed before.
    fn check(&mut self, key: &[u8]) -> Result<()> {
        let seen = match self {
            Changed::Last(last) => last.as_deref() == Some(key),
            Changed::All(set) => set.contains(key)?,
        };
        if !seen {
            return Ok(());
        }
        Err(EngineError::new(
            SqlState::CardinalityViolation,
            "MERGE command cannot affect row a second time",
        )
        .with_hint("Ensure that not more than one source row matches any one target row."))
    }

    /// Records that the row at `key` changed.
    fn record<T: Transaction>(&mut self, key: &[u8], ctx: &mut Ctx<'_, T>) -> Result<()> {
        match self {
            Changed::Last(last) => *last = Some(key.to_vec()),
            Changed::All(set) => {
                set.insert(key, &mut ctx.interrupt)?;
            }
        }
        Ok(())
    }
}

/// How many times a target row changed by concurrent transactions is
/// read again before its source row is skipped (each read locks it, so a
/// second one finds it as the first left it unless a condition is
/// volatile).
const MAX_REREADS: usize = 3;

/// What the WHEN MATCHED clauses did with a joined row.
enum Matched<'p> {
    /// Done: whether a clause changed the row.
    Done(bool),
    /// The action of this plan found the row changed by a concurrent
    /// transaction, no longer satisfying ON and its clause's condition.
    Changed(&'p ModifyPlan),
}

/// The statement's state while its rows act.
struct Acting<'p, 'r, R> {
    plan: &'p MergePlan,
    rowids: &'r R,
    fks: Vec<Option<FkState>>,
    changed: Changed,
    counts: MergeCounts,
    out: DmlOutcome,
}

impl<'p, R: RowIds> Acting<'p, '_, R> {
    /// Runs the first WHEN NOT MATCHED clause whose condition holds on
    /// the source row `srow`.
    fn not_matched<T: Transaction>(&mut self, srow: &[Value], ctx: &mut Ctx<'_, T>) -> Result<()> {
        for clause in &self.plan.not_matched {
            if !holds(&clause.cond, srow, ctx)? {
                continue;
            }
            if let Some(insert) = &clause.insert {
                ctx.outer.push(srow.to_vec());
                let r = run_insert(insert, ctx, self.rowids);
                ctx.outer.pop();
                self.counts.inserted += r?.count;
                return Ok(());
            }
            break;
        }
        self.counts.skipped += 1;
        Ok(())
    }

    /// Runs the first WHEN MATCHED clause whose condition holds on the
    /// joined row `both` (the target row at `key`, then the source row).
    fn matched<T: Transaction>(
        &mut self,
        key: &[u8],
        both: &[Value],
        ctx: &mut Ctx<'_, T>,
    ) -> Result<Matched<'p>> {
        let plan = self.plan;
        let srow = &both[plan.table.columns.len()..];
        for (i, clause) in plan.matched.iter().enumerate() {
            if !holds(&clause.cond, both, ctx)? {
                continue;
            }
            let (action, delete) = match &clause.action {
                MatchedAction::Update(p) => (p, false),
                MatchedAction::Delete(p) => (p, true),
                MatchedAction::Nothing => break,
            };
            self.changed.check(key)?;
            let Some(fk) = self.fks[i].as_mut() else {
                return Err(EngineError::internal("MERGE action without its state"));
            };
            let before = self.out.count;
            if delete {
                delete_one(action, key, ctx, (&mut self.out, fk), srow)?;
            } else {
                update_one(action, key, ctx, (&mut self.out, fk), srow)?;
            }
            if self.out.count == before {
                return Ok(Matched::Changed(action));
            }
            self.changed.record(key, ctx)?;
            if delete {
                self.counts.deleted += 1;
            } else {
                self.counts.updated += 1;
            }
            return Ok(Matched::Done(true));
        }
        Ok(Matched::Done(false))
    }

    /// Acts on the joined row `both` of the target row at `key`. When
    /// its action finds the row changed by a concurrent transaction, the
    /// row's newest version decides again, as PostgreSQL's EvalPlanQual:
    /// gone, or no longer satisfying ON, the source row is not matched;
    /// otherwise the WHEN MATCHED clauses are tried again from the first.
    fn pair<T: Transaction>(
        &mut self,
        key: &[u8],
        both: &[Value],
        ctx: &mut Ctx<'_, T>,
    ) -> Result<()> {
        let width = self.plan.table.columns.len();
        let mut current: Option<Vec<Value>> = None;
        for _ in 0..=MAX_REREADS {
            let row = current.as_deref().unwrap_or(both);
            let action = match self.matched(key, row, ctx)? {
                Matched::Done(acted) => {
                    self.counts.skipped += u64::from(!acted);
                    return Ok(());
                }
                Matched::Changed(action) => action,
            };
            let mut newest = Vec::new();
            if !lock_newest(action, key, ctx, &mut newest)? {
                return self.not_matched(&both[width..], ctx);
            }
            newest.extend_from_slice(&both[width..]);
            if !self.plan.on.holds(&newest, ctx)? {
                return self.not_matched(&both[width..], ctx);
            }
            current = Some(newest);
        }
        self.counts.skipped += 1;
        Ok(())
    }
}

/// Executes a planned MERGE: what it did with the join's rows.
pub fn run_merge<T: Transaction, R: RowIds>(
    plan: &MergePlan,
    ctx: &mut Ctx<'_, T>,
    rowids: &R,
) -> Result<MergeCounts> {
    let start = Instant::now();
    let (mut joined, grouped) = join_rows(plan, ctx)?;
    if ctx.instrument.is_some() {
        let rows = joined.rows.len() as u64;
        crate::exec::instrument::count_loop(ctx, &plan.join, rows, start, Some(Instant::now()));
    }
    let mut fks = Vec::new();
    for clause in &plan.matched {
        fks.push(match &clause.action {
            MatchedAction::Update(p) | MatchedAction::Delete(p) => {
                Some(FkState::begin(&p.fks, &p.table, ctx)?)
            }
            MatchedAction::Nothing => None,
        });
    }
    let mut acting = Acting {
        plan,
        rowids,
        fks,
        changed: if grouped {
            Changed::Last(None)
        } else {
            Changed::All(KeySet::new(ctx.spill_env()))
        },
        counts: MergeCounts::default(),
        out: DmlOutcome::default(),
    };
    let width = plan.table.columns.len();
    let mut row = Vec::new();
    joined.rows.rewind();
    while joined.rows.next_into(&mut row)? {
        ctx.check_interrupt()?;
        match &row[0] {
            Value::Bytea(key) => acting.pair(key, &row[1..], ctx)?,
            _ => acting.not_matched(&row[1 + width..], ctx)?,
        }
    }
    for fk in acting.fks.iter_mut().flatten() {
        fk.finish(ctx)?;
    }
    Ok(acting.counts)
}
