//! Executes MERGE ([`crate::plan::merge`] plans it).
//!
//! First every source row is joined: the target scan (the ON condition as
//! its filter, the source row enclosing it) lists the target rows it
//! matches. The join is done before anything is written because reads see
//! the statement's own writes, and MERGE joins the rows as they were when
//! it started (a row it inserts is never matched). Then, for each source
//! row: with no match, the first WHEN NOT MATCHED clause whose condition
//! holds inserts its row (through the plain INSERT path); for each
//! matched target row, the first WHEN MATCHED clause whose condition holds
//! on the joined row acts, through the plain UPDATE/DELETE row path (row
//! lock, newest version, constraints, indexes, foreign keys). A target row
//! that one source row already updated or deleted and another would
//! change again is 21000, as in PostgreSQL.

use std::collections::HashSet;

use rocksgres_storage::Transaction;

use crate::error::{EngineError, Result, SqlState};
use crate::exec::ctx::Ctx;
use crate::exec::dml::{delete_one, run_insert, update_one, DmlOutcome, RowIds};
use crate::exec::foreign_keys::FkState;
use crate::exec::run::{run, Flow};
use crate::exec::scan::scan_rows;
use crate::plan::expr::Expr;
use crate::plan::merge::{MatchedAction, MergePlan};
use crate::types::Value;

/// One source row and the target rows (key, row) it matched.
type Joined = (Vec<Value>, Vec<(Vec<u8>, Vec<Value>)>);

fn holds<T: Transaction>(cond: &Option<Expr>, row: &[Value], ctx: &mut Ctx<'_, T>) -> Result<bool> {
    match cond {
        Some(c) => c.holds(row, ctx),
        None => Ok(true),
    }
}

/// Executes a planned MERGE; the count is the rows inserted, updated and
/// deleted.
pub fn run_merge<T: Transaction, R: RowIds>(
    plan: &MergePlan,
    ctx: &mut Ctx<'_, T>,
    rowids: &R,
) -> Result<u64> {
    let mut joined: Vec<Joined> = Vec::new();
    run(&plan.source, ctx, &mut |ctx, srow| {
        ctx.check_interrupt()?;
        let mut targets = Vec::new();
        ctx.outer.push(srow.to_vec());
        let r = scan_rows(&plan.matches, ctx, &mut |_, key, trow| {
            targets.push((key.to_vec(), trow.to_vec()));
            Ok(Flow::Continue)
        });
        ctx.outer.pop();
        r?;
        joined.push((srow.to_vec(), targets));
        Ok(Flow::Continue)
    })?;
    let mut fks = Vec::new();
    for clause in &plan.matched {
        fks.push(match &clause.action {
            MatchedAction::Update(p) | MatchedAction::Delete(p) => {
                Some(FkState::begin(&p.fks, &p.table, ctx)?)
            }
            MatchedAction::Nothing => None,
        });
    }
    let mut out = DmlOutcome::default();
    let mut touched: HashSet<Vec<u8>> = HashSet::new();
    let mut both = Vec::new();
    for (srow, targets) in joined {
        ctx.check_interrupt()?;
        if targets.is_empty() {
            for clause in &plan.not_matched {
                if !holds(&clause.cond, &srow, ctx)? {
                    continue;
                }
                if let Some(insert) = &clause.insert {
                    ctx.outer.push(srow.clone());
                    let r = run_insert(insert, ctx, rowids);
                    ctx.outer.pop();
                    out.count += r?.count;
                }
                break;
            }
            continue;
        }
        for (key, trow) in targets {
            both.clear();
            both.extend_from_slice(&trow);
            both.extend_from_slice(&srow);
            for (i, clause) in plan.matched.iter().enumerate() {
                if !holds(&clause.cond, &both, ctx)? {
                    continue;
                }
                let (plan, delete) = match &clause.action {
                    MatchedAction::Update(p) => (p, false),
                    MatchedAction::Delete(p) => (p, true),
                    MatchedAction::Nothing => break,
                };
                if !touched.insert(key.clone()) {
                    return Err(EngineError::new(
                        SqlState::CardinalityViolation,
                        "MERGE command cannot affect row a second time",
                    )
                    .with_hint(
                        "Ensure that not more than one source row matches any one target row.",
                    ));
                }
                let Some(fk) = fks[i].as_mut() else {
                    return Err(EngineError::internal("MERGE action without its state"));
                };
                if delete {
                    delete_one(plan, &key, ctx, (&mut out, fk), &srow)?;
                } else {
                    update_one(plan, &key, ctx, (&mut out, fk), &srow)?;
                }
                break;
            }
        }
    }
    for fk in fks.iter_mut().flatten() {
        fk.finish(ctx)?;
    }
    Ok(out.count)
}
