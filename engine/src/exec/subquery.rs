//! Evaluating subqueries inside expressions.
//!
//! The subquery's plan runs with the current row pushed on the context's
//! outer-row stack, so its `Outer` references read it. Uncorrelated
//! subqueries run once per statement and their result is cached (an IN
//! list is shared, not copied, by the rows that probe it). Both the
//! subquery's plan and the probing loops check the statement's interrupt.
//!
//! Nothing here holds a subquery's rows in memory beyond `work_mem`:
//! a correlated `IN`, `= ANY` or `<op> ALL` is judged as its rows arrive
//! (a [`Judge`]) and stops at the first row that decides it, as
//! PostgreSQL's subplan does; an uncorrelated one keeps its values in a
//! [`TupleStore`] (a temporary file past `work_mem`) that every probe
//! reads through, unless [`hashed_in`] hashes it. `ARRAY(subquery)` is one
//! value, so it is built in memory as in PostgreSQL, and refused with
//! PostgreSQL's 54000 past PostgreSQL's limits (134217727 elements,
//! 1GB of data).

use std::cmp::Ordering;
use std::sync::{Arc, Mutex};

use rocksgres_storage::Transaction;

use crate::error::{EngineError, Result, SqlState};
use crate::exec::ctx::{CachedSubquery, Ctx};
use crate::exec::hashed_in;
use crate::exec::run::{run, Flow};
use crate::exec::spill::row_codec::row_size;
use crate::exec::spill::TupleStore;
use crate::plan::expr::{Subquery, SubqueryKind};
use crate::types::{compare, Value};

/// PostgreSQL's `MaxArraySize`: the most elements an array may have.
const MAX_ARRAY_ELEMENTS: usize = 134_217_727;

/// PostgreSQL's `MaxAllocSize`: the most bytes an array's data may take.
const MAX_ARRAY_BYTES: usize = 1_073_741_823;

/// 54000 for an `ARRAY(subquery)` past PostgreSQL's limits.
fn array_too_large(limit: usize) -> EngineError {
    EngineError::new(
        SqlState::ProgramLimitExceeded,
        format!("array size exceeds the maximum allowed ({limit})"),
    )
}

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
            SubqueryKind::In(..) | SubqueryKind::Quantified(..) => {
                let mut store = TupleStore::new(ctx.spill_env());
                run(&sq.plan, ctx, &mut |_, r| {
                    store.push(&r[..r.len().min(1)])?;
                    Ok(Flow::Continue)
                })?;
                CachedSubquery::Stored(Arc::new(Mutex::new(store)))
            }
            SubqueryKind::Array => {
                let mut values = Vec::new();
                let mut bytes = 0usize;
                run(&sq.plan, ctx, &mut |_, r| {
                    let v = r.first().cloned().unwrap_or(Value::Null);
                    bytes += row_size(std::slice::from_ref(&v));
                    if values.len() >= MAX_ARRAY_ELEMENTS {
                        return Err(array_too_large(MAX_ARRAY_ELEMENTS));
                    }
                    if bytes > MAX_ARRAY_BYTES {
                        return Err(array_too_large(MAX_ARRAY_BYTES));
                    }
                    values.push(v);
                    Ok(Flow::Continue)
                })?;
                CachedSubquery::Scalar(crate::types::array::from_values(&values))
            }
            SubqueryKind::Row(r) => {
                // The rows' first columns, in a temporary file past
                // `work_mem`.
                let width = r.probes.len();
                let mut store = TupleStore::new(ctx.spill_env());
                run(&sq.plan, ctx, &mut |_, row| {
                    store.push(&row[..width.min(row.len())])?;
                    Ok(Flow::Continue)
                })?;
                CachedSubquery::Stored(Arc::new(Mutex::new(store)))
            }
        })
    })();
    ctx.outer.pop();
    result
}

/// Judges `IN`, `= ANY` and `<op> ALL` one subquery value at a time,
/// with SQL's three-valued answer: [`Judge::feed`] says when a value
/// decides it, [`Judge::finish`] answers after the last.
struct Judge<'q> {
    kind: &'q SubqueryKind,
    /// The probe's value.
    probe: Value,
    saw_null: bool,
}

impl<'q> Judge<'q> {
    fn new(kind: &'q SubqueryKind, probe: Value) -> Self {
        Judge {
            kind,
            probe,
            saw_null: false,
        }
    }

    /// Takes one subquery value; `Some(answer)` once it is decided.
    fn feed(&mut self, w: &Value) -> Result<Option<Value>> {
        match self.kind {
            SubqueryKind::In(_, negated) => {
                // A NULL probe over any value is NULL.
                if self.probe.is_null() {
                    return Ok(Some(Value::Null));
                }
                match compare(&self.probe, w) {
                    Some(Ordering::Equal) => return Ok(Some(Value::Bool(!negated))),
                    None => self.saw_null = true,
                    _ => {}
                }
            }
            SubqueryKind::Quantified(_, sig, all) => {
                let w = if w.is_null() {
                    Value::Null
                } else {
                    crate::types::cast(w.clone(), &sig.right, crate::types::CastKind::Implicit)?
                };
                match sig.eval(&self.probe, &w)? {
                    Value::Bool(true) if !all => return Ok(Some(Value::Bool(true))),
                    Value::Bool(false) if *all => return Ok(Some(Value::Bool(false))),
                    Value::Null => self.saw_null = true,
                    _ => {}
                }
            }
            _ => return Err(EngineError::internal("subquery result of the wrong kind")),
        }
        Ok(None)
    }

    /// The answer once every value was fed undecided.
    fn finish(&self) -> Value {
        if self.saw_null {
            return Value::Null;
        }
        match self.kind {
            SubqueryKind::In(_, negated) => Value::Bool(*negated),
            SubqueryKind::Quantified(_, _, all) => Value::Bool(*all),
            _ => Value::Null,
        }
    }
}

/// A correlated `IN` / `ANY` / `ALL` for the current `row`: the subquery
/// runs until a value decides the answer, holding none of them.
fn stream_judged<T: Transaction>(
    sq: &Subquery,
    probe: &crate::plan::expr::Expr,
    row: &[Value],
    ctx: &mut Ctx<'_, T>,
) -> Result<Value> {
    let mut judge = Judge::new(&sq.kind, probe.eval(row, ctx)?);
    let mut answer = None;
    ctx.outer.push(row.to_vec());
    let result = run(&sq.plan, ctx, &mut |_, r| {
        answer = judge.feed(r.first().unwrap_or(&Value::Null))?;
        Ok(if answer.is_some() {
            Flow::Stop
        } else {
            Flow::Continue
        })
    });
    ctx.outer.pop();
    result?;
    Ok(answer.unwrap_or_else(|| judge.finish()))
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
        match &sq.kind {
            SubqueryKind::In(probe, _) | SubqueryKind::Quantified(probe, ..) => {
                return stream_judged(sq, probe, row, ctx)
            }
            _ => compute(sq, row, ctx)?,
        }
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
        (
            CachedSubquery::Stored(store),
            SubqueryKind::In(probe, _) | SubqueryKind::Quantified(probe, ..),
        ) => {
            let mut judge = Judge::new(&sq.kind, probe.eval(row, ctx)?);
            let mut store = store
                .lock()
                .map_err(|_| EngineError::internal("subquery values poisoned"))?;
            store.rewind();
            while let Some(r) = store.next()? {
                ctx.interrupt.check()?;
                if let Some(answer) = judge.feed(r.first().unwrap_or(&Value::Null))? {
                    return Ok(answer);
                }
            }
            judge.finish()
        }
        (CachedSubquery::Stored(store), SubqueryKind::Row(r)) => {
            let mut probe = Vec::with_capacity(r.probes.len());
            for p in &r.probes {
                probe.push(p.eval(row, ctx)?);
            }
            let mut store = store
                .lock()
                .map_err(|_| EngineError::internal("subquery values poisoned"))?;
            store.rewind();
            let mut unknown = false;
            while let Some(values) = store.next()? {
                ctx.interrupt.check()?;
                match crate::plan::row_sublink::compare_rows(r, &probe, values)? {
                    Some(b) if b != r.all => return Ok(Value::Bool(b)),
                    None => unknown = true,
                    Some(_) => {}
                }
            }
            if unknown {
                Value::Null
            } else {
                Value::Bool(r.all)
            }
        }
        (CachedSubquery::Stored(_) | CachedSubquery::Hashed(_), _) => {
            return Err(EngineError::internal("subquery result of the wrong kind"))
        }
    })
}
