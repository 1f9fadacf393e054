//! Evaluating subqueries inside expressions.
//!
//! The subquery's plan runs with the current row pushed on the context's
//! outer-row stack, so its `Outer` references read it. Uncorrelated
//! subqueries run once per statement and their result is cached (an IN
//! list is shared, not copied, by the rows that probe it). Both the
//! subquery's plan and the probing loops check the statement's interrupt.

use std::cmp::Ordering;
use std::sync::Arc;

use rocksgres_storage::Transaction;

use crate::error::{EngineError, Result, SqlState};
use crate::exec::ctx::{CachedSubquery, Ctx};
use crate::exec::hashed_in;
use crate::exec::run::{run, Flow};
use crate::plan::expr::{Subquery, SubqueryKind};
use crate::types::{compare, Value};

fn compute<T: Transaction>(
    sq: &Subquery,
    row: &[Value],
    ctx: &mut Ctx<'_, T>,
) -> Result<CachedSubquery> {
    ctx.outer.push(row.to_vec());
    let result = (|| -> Result<CachedSubquery> {
        Ok(match &sq.kind {
            SubqueryKind::Scalar => {
                let mut value = None;
                let mut extra = false;
                run(&sq.plan, ctx, &mut |_, r| {
                    if value.is_some() {
                        extra = true;
                        return Ok(Flow::Stop);
                    }
                    value = Some(r.first().cloned().unwrap_or(Value::Null));
                    Ok(Flow::Continue)
                })?;
                if extra {
                    return Err(EngineError::new(
                        SqlState::CardinalityViolation,
                        "more than one row returned by a subquery used as an expression",
                    ));
                }
                CachedSubquery::Scalar(value.unwrap_or(Value::Null))
            }
            SubqueryKind::Exists => {
                let mut found = false;
                run(&sq.plan, ctx, &mut |_, _| {
                    found = true;
                    Ok(Flow::Stop)
                })?;
                CachedSubquery::Exists(found)
            }
            SubqueryKind::In(..) | SubqueryKind::Quantified(..) | SubqueryKind::Array => {
                let mut values = Vec::new();
                run(&sq.plan, ctx, &mut |_, r| {
                    values.push(r.first().cloned().unwrap_or(Value::Null));
                    Ok(Flow::Continue)
                })?;
                CachedSubquery::Values(Arc::new(values))
            }
            SubqueryKind::Row(r) => {
                let width = r.probes.len();
                let mut rows = Vec::new();
                run(&sq.plan, ctx, &mut |_, row| {
                    rows.push(row[..width.min(row.len())].to_vec());
                    Ok(Flow::Continue)
                })?;
                CachedSubquery::Rows(Arc::new(rows))
            }
        })
    })();
    ctx.outer.pop();
    result
}

/// The values of an uncorrelated `IN` subquery, hashed as `ty` as they
/// arrive (see [`hashed_in`]: the set spills past its memory limit).
fn compute_hashed<T: Transaction>(
    sq: &Subquery,
    row: &[Value],
    ty: crate::types::SqlType,
    ctx: &mut Ctx<'_, T>,
) -> Result<CachedSubquery> {
    let mut set = hashed_in::HashedValuesBuilder::new(ty, ctx.spill_env());
    ctx.outer.push(row.to_vec());
    let result = run(&sq.plan, ctx, &mut |ctx, r| {
        set.add(r.first().unwrap_or(&Value::Null), &mut ctx.interrupt)?;
        Ok(Flow::Continue)
    });
    ctx.outer.pop();
    result?;
    Ok(CachedSubquery::Hashed(Arc::new(
        set.finish(&mut ctx.interrupt)?,
    )))
}

/// Evaluates subquery `sq` for the current `row`.
pub fn eval_subquery<T: Transaction>(
    sq: &Subquery,
    row: &[Value],
    ctx: &mut Ctx<'_, T>,
) -> Result<Value> {
    let result = if sq.correlated {
        compute(sq, row, ctx)?
    } else if let Some(cached) = ctx.cache.get(&sq.id) {
        cached.clone()
    } else {
        let hashed = match &sq.kind {
            SubqueryKind::In(probe, _) => {
                let column = sq.plan.columns().first().map(|c| c.ty);
                column.and_then(|c| hashed_in::key_type(probe.ty(), c))
            }
            _ => None,
        };
        let r = match hashed {
            Some(ty) => compute_hashed(sq, row, ty, ctx)?,
            None => compute(sq, row, ctx)?,
        };
        ctx.cache.insert(sq.id, r.clone());
        r
    };
    Ok(match (result, &sq.kind) {
        (CachedSubquery::Scalar(v), _) => v,
        (CachedSubquery::Exists(b), _) => Value::Bool(b),
        (CachedSubquery::Hashed(h), SubqueryKind::In(probe, negated)) => {
            h.probe(&probe.eval(row, ctx)?, *negated)?
        }
        (CachedSubquery::Values(values), SubqueryKind::In(probe, negated)) => {
            let v = probe.eval(row, ctx)?;
            if v.is_null() {
                return Ok(if values.is_empty() {
                    Value::Bool(*negated)
                } else {
                    Value::Null
                });
            }
            let mut saw_null = false;
            for w in values.iter() {
                ctx.check_interrupt()?;
                match compare(&v, w) {
                    Some(Ordering::Equal) => return Ok(Value::Bool(!negated)),
                    None => saw_null = true,
                    _ => {}
                }
            }
            if saw_null {
                Value::Null
            } else {
                Value::Bool(*negated)
            }
        }
        (CachedSubquery::Values(values), SubqueryKind::Quantified(probe, sig, all)) => {
            let v = probe.eval(row, ctx)?;
            let mut saw_null = false;
            for w in values.iter() {
                ctx.check_interrupt()?;
                let w = if w.is_null() {
                    Value::Null
                } else {
                    crate::types::cast(w.clone(), &sig.right, crate::types::CastKind::Implicit)?
                };
                match sig.eval(&v, &w)? {
                    Value::Bool(true) if !all => return Ok(Value::Bool(true)),
                    Value::Bool(false) if *all => return Ok(Value::Bool(false)),
                    Value::Null => saw_null = true,
                    _ => {}
                }
            }
            if saw_null {
                Value::Null
            } else {
                Value::Bool(*all)
            }
        }
        (CachedSubquery::Values(values), SubqueryKind::Array) => {
            crate::types::array::from_values(&values)
        }
        (CachedSubquery::Rows(rows), SubqueryKind::Row(r)) => {
            let mut probe = Vec::with_capacity(r.probes.len());
            for p in &r.probes {
                probe.push(p.eval(row, ctx)?);
            }
            crate::plan::row_sublink::fold_rows(
                r,
                &probe,
                rows.iter().map(Vec::as_slice),
                &mut || ctx.check_interrupt(),
            )?
        }
        (CachedSubquery::Values(_) | CachedSubquery::Hashed(_) | CachedSubquery::Rows(_), _) => {
            return Err(EngineError::internal("subquery result of the wrong kind"))
        }
    })
}
