//! The `WindowAgg` operator: window functions over one window.
//!
//! The input comes sorted by the window's partition keys then its order
//! keys (the planner puts a Sort below, see [`crate::plan::window`]). The
//! operator buffers the rows of one partition (with their key and argument
//! values), computes every call's value for each of them, pushes the rows
//! on with the values appended, and only then reads the next partition:
//! it never holds more than one partition. The partition's input rows
//! themselves wait in a [`TupleStore`] (in a temporary file past
//! `work_mem`), read back in order as they are pushed on; only their
//! order keys and call arguments stay in memory.
//!
//! Peer groups (rows equal on the order keys) and frames are computed as
//! PostgreSQL defines them: `ROWS`, `RANGE` (offsets over one numeric,
//! date/time or interval ordering column, NULLs peers of each other only)
//! and `GROUPS`, with `EXCLUDE`. Aggregates reuse
//! [`crate::exec::aggregate::Accumulator`]; a frame that starts at the
//! partition's first row without exclusion is accumulated incrementally,
//! and a row whose frame equals the previous row's reuses its value.
//! Every loop checks the statement's interrupt.

use std::cmp::Ordering;

use rocksgres_storage::Transaction;

use crate::error::{EngineError, Result, SqlState};
use crate::exec::aggregate::Accumulator;
use crate::exec::ctx::Ctx;
use crate::exec::run::{run, sort_cmp, Flow, Sink};
use crate::exec::spill::TupleStore;
use crate::interrupt::Interrupt;
use crate::plan::node::{AggCall, AggFunc, SortKey};
use crate::plan::window::{FrameBound, FrameUnits, WindowFunc, WindowPlan};
use crate::sql::window_exclude::Exclude;
use crate::types::{cast, compare_typed, eval_binary, BinaryOp, CastKind, SqlType, Value};

/// One buffered row of a partition (the input row itself waits in the
/// partition's [`TupleStore`]).
struct Row {
    order: Vec<Value>,
    /// Per call: its evaluated arguments (for aggregates: whether FILTER
    /// passed, the argument, the second argument).
    inputs: Vec<Vec<Value>>,
}

/// A frame offset, evaluated once per statement.
#[derive(Debug, Clone)]
enum Offset {
    None,
    Rows(usize),
    Range(Value),
}

/// Runs a `WindowAgg` node.
pub fn run_window<'a, T: Transaction>(
    w: &WindowPlan,
    ctx: &mut Ctx<'a, T>,
    sink: &mut Sink<'_, 'a, T>,
) -> Result<Flow> {
    let start_off = offset(w, &w.def.frame.start, true, ctx)?;
    let end_off = offset(w, &w.def.frame.end, false, ctx)?;
    let offsets = (start_off, end_off);
    let mut part: Vec<Row> = Vec::new();
    let env = ctx.spill_env();
    let mut rows = TupleStore::new(env.clone());
    let mut current: Vec<Value> = Vec::new();
    let mut stopped = false;
    let ptypes: Vec<SqlType> = w.def.partition_by.iter().map(|e| e.ty()).collect();
    run(&w.input, ctx, &mut |ctx, row| {
        ctx.check_interrupt()?;
        let mut partition = Vec::with_capacity(w.def.partition_by.len());
        for e in &w.def.partition_by {
            partition.push(e.eval(row, ctx)?);
        }
        if !part.is_empty() && !same(&ptypes, &current, &partition) {
            let flow = emit(w, &offsets, &part, &mut rows, ctx, sink)?;
            part.clear();
            rows = TupleStore::new(env.clone());
            if flow == Flow::Stop {
                stopped = true;
                return Ok(Flow::Stop);
            }
        }
        if part.is_empty() {
            current = partition;
        }
        let mut order = Vec::with_capacity(w.def.order_by.len());
        for k in &w.def.order_by {
            order.push(k.expr.eval(row, ctx)?);
        }
        let mut inputs = Vec::with_capacity(w.calls.len());
        for c in &w.calls {
            inputs.push(call_inputs(&c.func, row, ctx)?);
        }
        rows.push(row)?;
        part.push(Row { order, inputs });
        Ok(Flow::Continue)
    })?;
    if stopped {
        return Ok(Flow::Stop);
    }
    if part.is_empty() {
        return Ok(Flow::Continue);
    }
    emit(w, &offsets, &part, &mut rows, ctx, sink)
}

/// Whether two partition keys are equal (NULLs equal).
fn same(types: &[SqlType], a: &[Value], b: &[Value]) -> bool {
    a.iter()
        .zip(b)
        .zip(types)
        .all(|((x, y), t)| match (x.is_null(), y.is_null()) {
            (true, true) => true,
            (false, false) => compare_typed(t, x, y) == Some(Ordering::Equal),
            _ => false,
        })
}

/// Evaluates a frame bound's offset (22004 when NULL, 22013 when
/// negative, as PostgreSQL).
fn offset<T: Transaction>(
    w: &WindowPlan,
    b: &FrameBound,
    start: bool,
    ctx: &mut Ctx<'_, T>,
) -> Result<Offset> {
    let (FrameBound::Preceding(e) | FrameBound::Following(e)) = b else {
        return Ok(Offset::None);
    };
    let which = if start { "starting" } else { "ending" };
    let v = e.eval(&[], ctx)?;
    if v.is_null() {
        return Err(EngineError::new(
            SqlState::NullValueNotAllowed,
            format!("frame {which} offset must not be null"),
        ));
    }
    if w.def.frame.units == FrameUnits::Range {
        let zero = cast(Value::Text("0".into()), &e.ty(), CastKind::Explicit)?;
        if compare_typed(&e.ty(), &v, &zero) == Some(Ordering::Less) {
            return Err(EngineError::new(
                SqlState::InvalidPrecedingOrFollowingSize,
                "invalid preceding or following size in window function",
            ));
        }
        return Ok(Offset::Range(v));
    }
    let n = v.as_i64().unwrap_or(0);
    if n < 0 {
        return Err(EngineError::new(
            SqlState::InvalidPrecedingOrFollowingSize,
            format!("frame {which} offset must not be negative"),
        ));
    }
    Ok(Offset::Rows(usize::try_from(n).unwrap_or(usize::MAX)))
}

/// A call's argument values over one input row.
fn call_inputs<T: Transaction>(
    f: &WindowFunc,
    row: &[Value],
    ctx: &mut Ctx<'_, T>,
) -> Result<Vec<Value>> {
    let mut out = Vec::new();
    match f {
        WindowFunc::RowNumber
        | WindowFunc::Rank
        | WindowFunc::DenseRank
        | WindowFunc::PercentRank
        | WindowFunc::CumeDist => {}
        WindowFunc::Ntile(e) | WindowFunc::FirstValue(e) | WindowFunc::LastValue(e) => {
            out.push(e.eval(row, ctx)?)
        }
        WindowFunc::NthValue(v, n) => {
            out.push(v.eval(row, ctx)?);
            out.push(n.eval(row, ctx)?);
        }
        WindowFunc::Shift {
            value,
            offset,
            default,
            ..
        } => {
            out.push(value.eval(row, ctx)?);
            out.push(match offset {
                Some(o) => o.eval(row, ctx)?,
                None => Value::Int4(1),
            });
            out.push(match default {
                Some(d) => d.eval(row, ctx)?,
                None => Value::Null,
            });
        }
        WindowFunc::Agg(call) => {
            let pass = match &call.filter {
                Some(f) => f.holds(row, ctx)?,
                None => true,
            };
            out.push(Value::Bool(pass));
            if pass {
                out.push(match &call.arg {
                    Some(e) => e.eval(row, ctx)?,
                    None => Value::Null,
                });
                out.push(match &call.extra {
                    Some(e) => e.eval(row, ctx)?,
                    None => Value::Null,
                });
            }
        }
    }
    Ok(out)
}

/// Peer groups of a partition: each row's group and each group's
/// `[start, end)`.
struct Peers {
    group_of: Vec<usize>,
    bounds: Vec<(usize, usize)>,
}

fn peers(keys: &[SortKey], part: &[Row]) -> Peers {
    let mut group_of = Vec::with_capacity(part.len());
    let mut bounds: Vec<(usize, usize)> = Vec::new();
    for (i, r) in part.iter().enumerate() {
        let new = i == 0 || sort_cmp(keys, &part[i - 1].order, &r.order) != Ordering::Equal;
        if new {
            bounds.push((i, i + 1));
        } else if let Some(b) = bounds.last_mut() {
            b.1 = i + 1;
        }
        group_of.push(bounds.len() - 1);
    }
    Peers { group_of, bounds }
}

/// Computes the calls over one partition and pushes its rows (`rows`,
/// in the same order) on.
fn emit<'a, T: Transaction>(
    w: &WindowPlan,
    offsets: &(Offset, Offset),
    part: &[Row],
    rows: &mut TupleStore,
    ctx: &mut Ctx<'a, T>,
    sink: &mut Sink<'_, 'a, T>,
) -> Result<Flow> {
    let n = part.len();
    let p = peers(&w.def.order_by, part);
    let mut frames = Vec::with_capacity(n);
    for i in 0..n {
        ctx.check_interrupt()?;
        frames.push(frame(w, offsets, part, &p, i)?);
    }
    let mut results: Vec<Vec<Value>> = Vec::with_capacity(w.calls.len());
    for (c, call) in w.calls.iter().enumerate() {
        results.push(compute(w, c, &call.func, part, &p, &frames, ctx)?);
    }
    let mut out = Vec::new();
    rows.rewind();
    for i in 0..n {
        ctx.check_interrupt()?;
        if !rows.next_into(&mut out)? {
            break;
        }
        for res in &mut results {
            out.push(std::mem::replace(&mut res[i], Value::Null));
        }
        if sink(ctx, &out)? == Flow::Stop {
            return Ok(Flow::Stop);
        }
    }
    Ok(Flow::Continue)
}

/// Row `i`'s frame `[start, end)` (before exclusion).
fn frame(
    w: &WindowPlan,
    offsets: &(Offset, Offset),
    part: &[Row],
    p: &Peers,
    i: usize,
) -> Result<(usize, usize)> {
    let n = part.len();
    let g = p.group_of[i];
    let (gs, ge) = p.bounds[g];
    let ng = p.bounds.len();
    let fr = &w.def.frame;
    let start = match (&fr.start, &offsets.0) {
        (FrameBound::UnboundedPreceding, _) => 0,
        (FrameBound::UnboundedFollowing, _) => n,
        (FrameBound::CurrentRow, _) => match fr.units {
            FrameUnits::Rows => i,
            _ => gs,
        },
        (b, off) => match (fr.units, off) {
            (FrameUnits::Rows, Offset::Rows(k)) => match b {
                FrameBound::Preceding(_) => i.saturating_sub(*k),
                _ => i.saturating_add(*k).min(n),
            },
            (FrameUnits::Groups, Offset::Rows(k)) => match b {
                FrameBound::Preceding(_) => p.bounds[g.saturating_sub(*k)].0,
                _ => match g.checked_add(*k) {
                    Some(t) if t < ng => p.bounds[t].0,
                    _ => n,
                },
            },
            (_, Offset::Range(v)) => range_edge(
                w,
                part,
                i,
                (gs, ge),
                v,
                matches!(b, FrameBound::Preceding(_)),
                true,
            )?,
            _ => 0,
        },
    };
    let end = match (&fr.end, &offsets.1) {
        (FrameBound::UnboundedFollowing, _) => n,
        (FrameBound::UnboundedPreceding, _) => 0,
        (FrameBound::CurrentRow, _) => match fr.units {
            FrameUnits::Rows => i + 1,
            _ => ge,
        },
        (b, off) => match (fr.units, off) {
            (FrameUnits::Rows, Offset::Rows(k)) => match b {
                FrameBound::Preceding(_) => (i + 1).saturating_sub(*k),
                _ => i.saturating_add(*k).saturating_add(1).min(n),
            },
            (FrameUnits::Groups, Offset::Rows(k)) => match b {
                FrameBound::Preceding(_) => match g.checked_sub(*k) {
                    Some(t) => p.bounds[t].1,
                    None => 0,
                },
                _ => p.bounds[g.saturating_add(*k).min(ng - 1)].1,
            },
            (_, Offset::Range(v)) => range_edge(
                w,
                part,
                i,
                (gs, ge),
                v,
                matches!(b, FrameBound::Preceding(_)),
                false,
            )?,
            _ => n,
        },
    };
    Ok((start, end.max(start)))
}

/// Where a RANGE frame with offset starts (`start`) or ends (exclusive)
/// for row `i`: the first row at or after `current -/+ offset` in the sort
/// order, or the first row after it. A NULL current value's frame edge is
/// its peer group's (NULLs are peers of each other only).
fn range_edge(
    w: &WindowPlan,
    part: &[Row],
    i: usize,
    group: (usize, usize),
    off: &Value,
    preceding: bool,
    start: bool,
) -> Result<usize> {
    let key = &w.def.order_by[0];
    let cur = &part[i].order[0];
    if cur.is_null() {
        return Ok(if start { group.0 } else { group.1 });
    }
    let kty = key.expr.ty();
    let cty = match kty {
        SqlType::Int2 | SqlType::Int4 | SqlType::Int8 => SqlType::Int8,
        SqlType::Float4 => SqlType::Float8,
        SqlType::Date => SqlType::Timestamp(None),
        other => other.without_typmod(),
    };
    let to_cty = |v: &Value| cast(v.clone(), &cty, CastKind::Implicit);
    // Subtract when going towards earlier rows in value order.
    let minus = preceding != key.descending;
    let op = if minus {
        BinaryOp::Minus
    } else {
        BinaryOp::Plus
    };
    // `None`: past every value (an overflow), in the direction of `op`.
    let target = to_cty(cur)
        .and_then(|c| eval_binary(op, &c, off))
        .ok()
        .filter(|t| !t.is_null());
    let cmp = |r: &Row| -> Ordering {
        let v = &r.order[0];
        if v.is_null() {
            return if key.nulls_first {
                Ordering::Less
            } else {
                Ordering::Greater
            };
        }
        let value_ord = match &target {
            None => {
                if minus {
                    Ordering::Greater
                } else {
                    Ordering::Less
                }
            }
            Some(t) => match to_cty(v) {
                Ok(x) => compare_typed(&cty, &x, t).unwrap_or(Ordering::Equal),
                Err(_) => Ordering::Equal,
            },
        };
        if key.descending {
            value_ord.reverse()
        } else {
            value_ord
        }
    };
    Ok(if start {
        part.partition_point(|r| cmp(r) == Ordering::Less)
    } else {
        part.partition_point(|r| cmp(r) != Ordering::Greater)
    })
}

/// Whether row `r` is excluded from row `i`'s frame.
fn excluded(ex: Exclude, r: usize, i: usize, group: (usize, usize)) -> bool {
    let peer = r >= group.0 && r < group.1;
    match ex {
        Exclude::NoOthers => false,
        Exclude::CurrentRow => r == i,
        Exclude::Group => peer,
        Exclude::Ties => peer && r != i,
    }
}

/// One call's values for every row of a partition.
fn compute<T: Transaction>(
    w: &WindowPlan,
    c: usize,
    func: &WindowFunc,
    part: &[Row],
    p: &Peers,
    frames: &[(usize, usize)],
    ctx: &mut Ctx<'_, T>,
) -> Result<Vec<Value>> {
    let n = part.len();
    let ex = w.def.frame.exclude;
    let group = |i: usize| p.bounds[p.group_of[i]];
    let mut out = Vec::with_capacity(n);
    match func {
        WindowFunc::RowNumber => out.extend((1..=n).map(|i| Value::Int8(i as i64))),
        WindowFunc::Rank => out.extend((0..n).map(|i| Value::Int8(group(i).0 as i64 + 1))),
        WindowFunc::DenseRank => out.extend((0..n).map(|i| Value::Int8(p.group_of[i] as i64 + 1))),
        WindowFunc::PercentRank => out.extend((0..n).map(|i| {
            Value::Float8(if n <= 1 {
                0.0
            } else {
                group(i).0 as f64 / (n - 1) as f64
            })
        })),
        WindowFunc::CumeDist => {
            out.extend((0..n).map(|i| Value::Float8(group(i).1 as f64 / n as f64)))
        }
        WindowFunc::Ntile(_) => {
            // PostgreSQL's algorithm: the bucket count comes from the first
            // row where it is not NULL.
            let mut state: Option<(i64, i64, i64, i64)> = None; // ntile, in bucket, boundary, remainder
            for r in part {
                ctx.check_interrupt()?;
                if state.is_none() {
                    let v = &r.inputs[c][0];
                    if v.is_null() {
                        out.push(Value::Null);
                        continue;
                    }
                    let buckets = v.as_i64().unwrap_or(0);
                    if buckets <= 0 {
                        return Err(EngineError::new(
                            SqlState::InvalidArgumentForNtile,
                            "argument of ntile must be greater than zero",
                        ));
                    }
                    let total = n as i64;
                    let mut boundary = total / buckets;
                    let mut remainder = 0;
                    if boundary <= 0 {
                        boundary = 1;
                    } else {
                        remainder = total % buckets;
                        if remainder != 0 {
                            boundary += 1;
                        }
                    }
                    state = Some((1, 0, boundary, remainder));
                }
                let s = state.as_mut().expect("set");
                s.1 += 1;
                if s.2 < s.1 {
                    if s.3 != 0 && s.0 == s.3 {
                        s.3 = 0;
                        s.2 -= 1;
                    }
                    s.0 += 1;
                    s.1 = 1;
                }
                out.push(Value::Int4(s.0 as i32));
            }
        }
        WindowFunc::Shift { lead, .. } => {
            for (i, r) in part.iter().enumerate() {
                ctx.check_interrupt()?;
                let inp = &r.inputs[c];
                let Some(off) = inp[1].as_i64() else {
                    out.push(Value::Null);
                    continue;
                };
                let target = if *lead {
                    (i as i64).checked_add(off)
                } else {
                    (i as i64).checked_sub(off)
                };
                out.push(match target {
                    Some(t) if t >= 0 && (t as usize) < n => part[t as usize].inputs[c][0].clone(),
                    _ => inp[2].clone(),
                });
            }
        }
        WindowFunc::FirstValue(_) | WindowFunc::LastValue(_) | WindowFunc::NthValue(..) => {
            for (i, r) in part.iter().enumerate() {
                ctx.check_interrupt()?;
                let (s, e) = frames[i];
                let g = group(i);
                let mut rows = (s..e).filter(|&x| !excluded(ex, x, i, g));
                let pick = match func {
                    WindowFunc::FirstValue(_) => rows.next(),
                    WindowFunc::LastValue(_) => rows.next_back(),
                    _ => {
                        let nth = &r.inputs[c][1];
                        if nth.is_null() {
                            out.push(Value::Null);
                            continue;
                        }
                        let k = nth.as_i64().unwrap_or(0);
                        if k <= 0 {
                            return Err(EngineError::new(
                                SqlState::InvalidArgumentForNthValue,
                                "argument of nth_value must be greater than zero",
                            ));
                        }
                        rows.nth(usize::try_from(k - 1).unwrap_or(usize::MAX))
                    }
                };
                out.push(pick.map_or(Value::Null, |x| part[x].inputs[c][0].clone()));
            }
        }
        WindowFunc::Agg(call) => aggregate(w, c, call, part, p, frames, ctx, &mut out)?,
    }
    Ok(out)
}

/// Feeds row `r`'s inputs of call `c` into `acc`.
fn feed(
    acc: &mut Accumulator,
    call: &AggCall,
    r: &Row,
    c: usize,
    interrupt: &mut Interrupt,
) -> Result<()> {
    let inp = &r.inputs[c];
    if !matches!(inp[0], Value::Bool(true)) {
        return Ok(());
    }
    if call.func.collects() {
        if call.func.is_json() {
            acc.add_json(inp[1].clone(), inp[2].clone(), Vec::new(), interrupt)
        } else {
            acc.add_ordered(inp[1].clone(), inp[2].clone(), Vec::new(), interrupt)
        }
    } else if call.func == AggFunc::CountStar {
        acc.add(None, interrupt)
    } else {
        acc.add(Some(inp[1].clone()), interrupt)
    }
}

/// An aggregate's values over each row's frame.
#[allow(clippy::too_many_arguments)]
fn aggregate<T: Transaction>(
    w: &WindowPlan,
    c: usize,
    call: &AggCall,
    part: &[Row],
    p: &Peers,
    frames: &[(usize, usize)],
    ctx: &mut Ctx<'_, T>,
    out: &mut Vec<Value>,
) -> Result<()> {
    let ex = w.def.frame.exclude;
    let incremental =
        ex == Exclude::NoOthers && matches!(w.def.frame.start, FrameBound::UnboundedPreceding);
    let mut last: Option<((usize, usize), Value)> = None;
    let mut running = Accumulator::new(call);
    let mut fed = 0;
    for (i, &(s, e)) in frames.iter().enumerate() {
        ctx.check_interrupt()?;
        if ex == Exclude::NoOthers {
            if let Some((f, v)) = &last {
                if *f == (s, e) {
                    out.push(v.clone());
                    continue;
                }
            }
        }
        let v = if incremental {
            while fed < e {
                ctx.check_interrupt()?;
                feed(&mut running, call, &part[fed], c, &mut ctx.interrupt)?;
                fed += 1;
            }
            running.clone().finish(&mut ctx.interrupt)?
        } else {
            let g = p.bounds[p.group_of[i]];
            let mut acc = Accumulator::new(call);
            for (x, r) in part.iter().enumerate().take(e).skip(s) {
                ctx.check_interrupt()?;
                if !excluded(ex, x, i, g) {
                    feed(&mut acc, call, r, c, &mut ctx.interrupt)?;
                }
            }
            acc.finish(&mut ctx.interrupt)?
        };
        last = Some(((s, e), v.clone()));
        out.push(v);
    }
    Ok(())
}
