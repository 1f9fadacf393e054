//! Running the `WITH` plan nodes (see [`crate::plan::cte`]).
//!
//! A CTE's rows live in the statement context, by CTE id, once computed;
//! [`CteNode::With`] forgets them when it starts (a correlated subquery's
//! CTEs are computed afresh on each run) and when it ends. A CTE that
//! PostgreSQL would inline runs its plan at each scan; one scanned from a
//! single place streams its rows and keeps them for a re-scan (so a
//! `LIMIT` over an endless recursive CTE stops it); one scanned from
//! several places is computed in full by the first scan and replayed.
//!
//! A recursive union keeps the previous iteration's rows as the worktable
//! (in the context, under the worktable id) while its recursive term runs,
//! and for `UNION` the keys of every row produced so far (a
//! [`KeySet`]: in memory up to `work_mem` × `hash_mem_multiplier`, then
//! in sorted runs in temporary files, so a row is still known new or
//! seen as it arrives and the rows stream).
//! Every iteration and every replayed row checks the statement's
//! interrupt, so cancel and `statement_timeout` stop an endless
//! recursion.
//!
//! Kept rows (a CTE's, a worktable's) are [`CteRows`]: a [`TupleStore`],
//! in memory up to `work_mem` and in a temporary file beyond, shared by
//! the CTE's scans, each reading at its own position.

use std::sync::{Arc, Mutex};

use rocksgres_storage::Transaction;

use crate::error::{EngineError, Result};
use crate::exec::ctx::Ctx;
use crate::exec::run::{row_key, run, Flow, Sink};
use crate::exec::spill::key_set::KeySet;
use crate::exec::spill::TupleStore;
use crate::plan::cte::{Cte, CteNode};
use crate::plan::node::Node;
use crate::types::Value;

/// The kept rows of a CTE or a worktable, shared by the scans that
/// replay them.
pub struct CteRows(Mutex<TupleStore>);

impl CteRows {
    /// Shares the rows of `store`.
    pub fn new(store: TupleStore) -> Arc<CteRows> {
        Arc::new(CteRows(Mutex::new(store)))
    }

    /// Row `pos` (from 0) into `out`; false past the last.
    pub fn read(&self, pos: usize, out: &mut Vec<Value>) -> Result<bool> {
        let mut store = self.0.lock().unwrap_or_else(|e| e.into_inner());
        store.seek(pos);
        store.next_into(out)
    }
}

/// Runs CTE node `node`, pushing its rows to `sink`.
pub fn run_cte<'a, T: Transaction>(
    node: &CteNode,
    ctx: &mut Ctx<'a, T>,
    sink: &mut Sink<'_, 'a, T>,
) -> Result<Flow> {
    match node {
        CteNode::With { input, ctes } => {
            for c in ctes {
                ctx.ctes.remove(&c.id);
            }
            let r = run(input, ctx, sink);
            for c in ctes {
                ctx.ctes.remove(&c.id);
            }
            r
        }
        CteNode::Scan { cte, levels_up, .. } => {
            if let Some(rows) = ctx.ctes.get(&cte.id).cloned() {
                return replay(&rows, ctx, sink);
            }
            if cte.inlined() {
                return run_cut(&cte.plan, *levels_up, ctx, sink);
            }
            if cte.references() <= 1 {
                return stream(cte, *levels_up, ctx, sink);
            }
            let mut rows = TupleStore::new(ctx.spill_env());
            run_cut(&cte.plan, *levels_up, ctx, &mut |_, r| {
                rows.push(r)?;
                Ok(Flow::Continue)
            })?;
            let rows = CteRows::new(rows);
            ctx.ctes.insert(cte.id, Arc::clone(&rows));
            replay(&rows, ctx, sink)
        }
        CteNode::WorkTable { worktable, .. } => {
            let rows = ctx
                .ctes
                .get(worktable)
                .cloned()
                .ok_or_else(|| EngineError::internal("worktable read outside its recursion"))?;
            replay(&rows, ctx, sink)
        }
        CteNode::RecursiveUnion {
            nonrec,
            rec,
            all,
            worktable,
        } => {
            let r = recursive_union(nonrec, rec, *all, *worktable, ctx, sink);
            ctx.ctes.remove(worktable);
            r
        }
    }
}

/// Pushes `rows` to `sink`.
fn replay<'a, T: Transaction>(
    rows: &CteRows,
    ctx: &mut Ctx<'a, T>,
    sink: &mut Sink<'_, 'a, T>,
) -> Result<Flow> {
    let mut row = Vec::new();
    let mut pos = 0;
    while rows.read(pos, &mut row)? {
        pos += 1;
        ctx.check_interrupt()?;
        if sink(ctx, &row)? == Flow::Stop {
            return Ok(Flow::Stop);
        }
    }
    Ok(Flow::Continue)
}

/// Runs `plan` without the innermost `levels_up` enclosing rows (those of
/// the subqueries between a CTE's scan and its declaration), giving them
/// back to `sink` for each row.
fn run_cut<'a, T: Transaction>(
    plan: &Node,
    levels_up: usize,
    ctx: &mut Ctx<'a, T>,
    sink: &mut Sink<'_, 'a, T>,
) -> Result<Flow> {
    if levels_up == 0 {
        return run(plan, ctx, sink);
    }
    let cut = ctx.outer.len().saturating_sub(levels_up);
    let mut hidden = ctx.outer.split_off(cut);
    let r = run(plan, ctx, &mut |ctx, row| {
        let n = ctx.outer.len();
        ctx.outer.append(&mut hidden);
        let f = sink(ctx, row);
        hidden = ctx.outer.split_off(n);
        f
    });
    ctx.outer.append(&mut hidden);
    r
}

/// Streams CTE `cte`'s rows to `sink`, keeping them for a re-scan when
/// it ran to the end.
fn stream<'a, T: Transaction>(
    cte: &Cte,
    levels_up: usize,
    ctx: &mut Ctx<'a, T>,
    sink: &mut Sink<'_, 'a, T>,
) -> Result<Flow> {
    let mut rows = TupleStore::new(ctx.spill_env());
    let flow = run_cut(&cte.plan, levels_up, ctx, &mut |ctx, r| {
        rows.push(r)?;
        sink(ctx, r)
    })?;
    if flow == Flow::Continue {
        ctx.ctes.insert(cte.id, CteRows::new(rows));
    }
    Ok(flow)
}

/// Runs a recursive union: `nonrec`'s rows, then `rec` over the previous
/// iteration's rows until it yields none (for `UNION`, rows repeating
/// an earlier one are dropped).
fn recursive_union<'a, T: Transaction>(
    nonrec: &Node,
    rec: &Node,
    all: bool,
    worktable: usize,
    ctx: &mut Ctx<'a, T>,
    sink: &mut Sink<'_, 'a, T>,
) -> Result<Flow> {
    let env = ctx.spill_env();
    let mut seen = KeySet::new(env.clone());
    let mut key = Vec::new();
    let mut work = TupleStore::new(env.clone());
    let mut term = nonrec;
    loop {
        let flow = run(term, ctx, &mut |ctx, r| {
            if !all {
                row_key(r, &mut key);
                if !seen.insert(&key, &mut ctx.interrupt)? {
                    return Ok(Flow::Continue);
                }
            }
            work.push(r)?;
            sink(ctx, r)
        })?;
        if flow == Flow::Stop {
            return Ok(Flow::Stop);
        }
        if work.is_empty() {
            return Ok(Flow::Continue);
        }
        ctx.check_interrupt()?;
        let done = std::mem::replace(&mut work, TupleStore::new(env.clone()));
        ctx.ctes.insert(worktable, CteRows::new(done));
        term = rec;
    }
}
