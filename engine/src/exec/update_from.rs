//! Executes `UPDATE ... FROM` and `DELETE ... USING`
//! ([`crate::plan::dml_from`] plans them).
//!
//! The target's scan (its own WHERE conditions applied) drives the join:
//! for each target row the FROM plan runs with that row as its enclosing
//! row, and its first row is kept, so each target row is changed at most
//! once, with the first FROM row that joins it (PostgreSQL likewise uses
//! whichever joined row its plan produces first). The pairs (target key,
//! FROM row) are collected before anything is written: the FROM items may
//! read the target table itself (a self-join), and reads see the
//! statement's own writes, so they must all happen first. Each pair then
//! goes through the row-change path of a plain UPDATE/DELETE
//! ([`crate::exec::dml::update_one`], [`crate::exec::dml::delete_one`]):
//! row lock, newest-version re-check, constraints, generated columns,
//! indexes, foreign keys and RETURNING.

use rocksgres_storage::Transaction;

use crate::error::Result;
use crate::exec::ctx::Ctx;
use crate::exec::dml::{delete_one, update_one, DmlOutcome, ModifyPlan};
use crate::exec::foreign_keys::FkState;
use crate::exec::run::{run, Flow};
use crate::exec::scan::scan_rows;
use crate::plan::dml_from::FromJoin;
use crate::types::Value;

/// The first row of `from` joined to the target row `row`, if any.
pub(crate) fn first_match<T: Transaction>(
    from: &FromJoin,
    row: &[Value],
    ctx: &mut Ctx<'_, T>,
) -> Result<Option<Vec<Value>>> {
    let mut first = None;
    ctx.outer.push(row.to_vec());
    let r = run(&from.node, ctx, &mut |_, frow| {
        first = Some(frow.to_vec());
        Ok(Flow::Stop)
    });
    ctx.outer.pop();
    r?;
    Ok(first)
}

/// Executes UPDATE ... FROM (`delete == false`) or DELETE ... USING.
pub fn run_modify_from<T: Transaction>(
    plan: &ModifyPlan,
    from: &FromJoin,
    delete: bool,
    ctx: &mut Ctx<'_, T>,
) -> Result<DmlOutcome> {
    let mut matched: Vec<(Vec<u8>, Vec<Value>)> = Vec::new();
    scan_rows(&plan.scan, ctx, &mut |ctx, key, row| {
        ctx.check_interrupt()?;
        if let Some(frow) = first_match(from, row, ctx)? {
            matched.push((key.to_vec(), frow));
        }
        Ok(Flow::Continue)
    })?;
    let mut out = DmlOutcome::default();
    let mut fk = FkState::begin(&plan.fks, &plan.table, ctx)?;
    for (key, frow) in matched {
        ctx.check_interrupt()?;
        if delete {
            delete_one(plan, &key, ctx, (&mut out, &mut fk), &frow)?;
        } else {
            update_one(plan, &key, ctx, (&mut out, &mut fk), &frow)?;
        }
    }
    fk.finish(ctx)?;
    Ok(out)
}
