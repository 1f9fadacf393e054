//! Set-returning leaves that produce their rows on demand.
//!
//! `generate_series` is the one set-returning function whose output is not
//! bounded by a value already in memory (`generate_series(1, 1e9)`), so it
//! is an iterator ([`SeriesIter`]) rather than a materialised list: the
//! push-based executor drives it in a loop, and [`run_rows_from`] pulls one
//! row at a time from each function of a select list that calls several
//! (PostgreSQL's ProjectSet: they advance in lockstep, the ones that have
//! run out give `NULL`s, and the rows end when all have run out). The
//! other set-returning leaves (unnest, JSON rows, ...) expand a value the
//! statement already holds, so they are collected.

use std::cmp::Ordering;

use rocksgres_storage::Transaction;

use crate::error::{EngineError, Result, SqlState};
use crate::exec::ctx::Ctx;
use crate::exec::run::{collect, Flow, Sink};
use crate::plan::node::Node;
use crate::types::{compare, Value};

/// The values of `generate_series(start, stop[, step])` over integers or
/// timestamps.
pub struct SeriesIter {
    state: State,
}

enum State {
    Done,
    Int {
        next: i64,
        stop: i64,
        step: i64,
        int8: bool,
    },
    Time {
        next: Value,
        stop: Value,
        step: Value,
        /// The order of `next + step` to `next`: `Greater` ascending.
        direction: Ordering,
    },
}

fn zero_step() -> EngineError {
    EngineError::new(
        SqlState::InvalidParameterValue,
        "step size cannot equal zero",
    )
}

impl SeriesIter {
    /// A series over evaluated arguments (`NULL` anywhere: no rows);
    /// 22023 for a zero integer step.
    pub fn new(vals: &[Value]) -> Result<SeriesIter> {
        if vals.len() < 2 || vals.iter().any(Value::is_null) {
            return Ok(SeriesIter { state: State::Done });
        }
        if matches!(vals[0], Value::Timestamp(_) | Value::Timestamptz(_)) {
            let step = vals.get(2).cloned().unwrap_or(Value::Null);
            let second = crate::types::eval_binary(crate::types::BinaryOp::Plus, &vals[0], &step)?;
            let direction = match compare(&second, &vals[0]) {
                Some(Ordering::Equal) | None => return Err(zero_step()),
                Some(d) => d,
            };
            return Ok(SeriesIter {
                state: State::Time {
                    next: vals[0].clone(),
                    stop: vals[1].clone(),
                    step,
                    direction,
                },
            });
        }
        let get = |v: &Value| v.as_i64().unwrap_or(0);
        let step = vals.get(2).map(get).unwrap_or(1);
        if step == 0 {
            return Err(zero_step());
        }
        Ok(SeriesIter {
            state: State::Int {
                next: get(&vals[0]),
                stop: get(&vals[1]),
                step,
                int8: matches!(vals[0], Value::Int8(_)),
            },
        })
    }

    /// The next value, `None` after the last.
    pub fn next_value(&mut self) -> Result<Option<Value>> {
        match &mut self.state {
            State::Done => Ok(None),
            State::Int {
                next,
                stop,
                step,
                int8,
            } => {
                let i = *next;
                if (*step > 0 && i > *stop) || (*step < 0 && i < *stop) {
                    self.state = State::Done;
                    return Ok(None);
                }
                let v = if *int8 {
                    Value::Int8(i)
                } else {
                    Value::Int4(i as i32)
                };
                match i.checked_add(*step) {
                    Some(n) => *next = n,
                    None => self.state = State::Done,
                }
                Ok(Some(v))
            }
            State::Time {
                next,
                stop,
                step,
                direction,
            } => {
                if compare(next, stop) == Some(*direction) {
                    self.state = State::Done;
                    return Ok(None);
                }
                let following =
                    crate::types::eval_binary(crate::types::BinaryOp::Plus, next, step)?;
                Ok(Some(std::mem::replace(next, following)))
            }
        }
    }
}

/// Evaluates a `Node::Series`'s arguments (outer references come from
/// `ctx`).
pub fn series_iter<T: Transaction>(
    args: &[crate::plan::expr::Expr],
    ctx: &mut Ctx<'_, T>,
) -> Result<SeriesIter> {
    let mut vals = Vec::with_capacity(args.len());
    for a in args {
        vals.push(a.eval(&[], ctx)?);
    }
    SeriesIter::new(&vals)
}

/// One function of a lockstep run: a series pulled value by value, or
/// another leaf's collected rows.
enum Source {
    Series(SeriesIter),
    Rows(std::vec::IntoIter<Vec<Value>>),
}

/// Runs `funcs` in lockstep (see the module documentation), pushing the
/// concatenated rows to `sink`.
pub fn run_rows_from<'a, T: Transaction>(
    funcs: &[Node],
    ctx: &mut Ctx<'a, T>,
    sink: &mut Sink<'_, 'a, T>,
) -> Result<Flow> {
    let mut sources = Vec::with_capacity(funcs.len());
    let mut widths = Vec::with_capacity(funcs.len());
    for f in funcs {
        widths.push(f.width());
        sources.push(match f {
            Node::Series { args, .. } => Source::Series(series_iter(args, ctx)?),
            other => Source::Rows(collect(other, ctx)?.into_iter()),
        });
    }
    let mut row = Vec::with_capacity(widths.iter().sum());
    loop {
        ctx.check_interrupt()?;
        row.clear();
        let mut any = false;
        for (source, width) in sources.iter_mut().zip(&widths) {
            let next = match source {
                Source::Series(s) => s.next_value()?.map(|v| vec![v]),
                Source::Rows(r) => r.next(),
            };
            match next {
                Some(values) => {
                    any = true;
                    row.extend(values);
                }
                None => row.extend(std::iter::repeat_n(Value::Null, *width)),
            }
        }
        if !any {
            return Ok(Flow::Continue);
        }
        if sink(ctx, &row)? == Flow::Stop {
            return Ok(Flow::Stop);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn all(vals: &[Value]) -> Result<Vec<Value>> {
        let mut it = SeriesIter::new(vals)?;
        let mut out = Vec::new();
        while let Some(v) = it.next_value()? {
            out.push(v);
        }
        Ok(out)
    }

    #[test]
    fn integer_series_follow_the_step() {
        let v = all(&[Value::Int4(1), Value::Int4(7), Value::Int4(3)]).unwrap();
        assert_eq!(v, vec![Value::Int4(1), Value::Int4(4), Value::Int4(7)]);
        let v = all(&[Value::Int8(3), Value::Int8(1), Value::Int8(-1)]).unwrap();
        assert_eq!(v, vec![Value::Int8(3), Value::Int8(2), Value::Int8(1)]);
        assert!(all(&[Value::Int4(3), Value::Int4(1)]).unwrap().is_empty());
    }

    #[test]
    fn null_arguments_give_no_rows_and_zero_steps_fail() {
        assert!(all(&[Value::Null, Value::Int4(1)]).unwrap().is_empty());
        let e = SeriesIter::new(&[Value::Int4(1), Value::Int4(2), Value::Int4(0)])
            .err()
            .unwrap();
        assert_eq!(e.state, SqlState::InvalidParameterValue);
    }

    #[test]
    fn a_series_ending_at_the_integer_limit_stops() {
        let v = all(&[Value::Int8(i64::MAX - 1), Value::Int8(i64::MAX)]).unwrap();
        assert_eq!(v.len(), 2);
    }
}
