//! The `WindowAgg` operator: window functions over one window.
//!
//! The input comes sorted by the window's partition keys then its order
//! keys (the planner puts a Sort below, see [`crate::plan::window`]). The
//! operator buffers one partition in two [`TupleStore`]s (each in a
//! temporary file past half of `work_mem`): the input rows, and beside
//! each a *key row* of its order keys and every call's argument values
//! (at a fixed width per call, see [`Layout`]). When the partition ends
//! it walks the rows in order, computing each row's peer group, frame and
//! call values and pushing the row on with them appended, then reads the
//! next partition. Nothing else it holds grows with the partition: the
//! places it needs at once (the current row, the end of its peer group,
//! a frame's edges, a `lag`'s target, the rows an aggregate feeds on)
//! each have their own [`StoreReader`], and each moves forward as the
//! current row does, so a spilled partition is read sequentially, not
//! seeked back and forth (a frame not starting at the partition's first
//! row is re-read from its start for each row, as in memory).
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
use crate::exec::spill::tuple_store::StoreReader;
use crate::exec::spill::TupleStore;
use crate::interrupt::Interrupt;
use crate::plan::node::{AggCall, AggFunc, SortKey};
use crate::plan::window::{FrameBound, FrameUnits, WindowFunc, WindowPlan};
use crate::sql::window_exclude::Exclude;
use crate::types::{cast, compare_typed, eval_binary, BinaryOp, CastKind, SqlType, Value};

/// Where a call's inputs sit in a key row: the order keys come first,
/// then each call's inputs at a fixed width.
struct Layout {
    norder: usize,
    /// Per call: the index of its first input in a key row.
    base: Vec<usize>,
}

impl Layout {
    fn new(w: &WindowPlan) -> Self {
        let norder = w.def.order_by.len();
        let mut base = Vec::with_capacity(w.calls.len());
        let mut at = norder;
        for c in &w.calls {
            base.push(at);
            at += width(&c.func);
        }
        Layout { norder, base }
    }
}

/// How many input values a call keeps per row.
fn width(f: &WindowFunc) -> usize {
    match f {
        WindowFunc::RowNumber
        | WindowFunc::Rank
        | WindowFunc::DenseRank
        | WindowFunc::PercentRank
        | WindowFunc::CumeDist => 0,
        WindowFunc::Ntile(_) | WindowFunc::FirstValue(_) | WindowFunc::LastValue(_) => 1,
        WindowFunc::NthValue(..) => 2,
        WindowFunc::Shift { .. } | WindowFunc::Agg(_) => 3,
    }
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
    let layout = Layout::new(w);
    // The input rows and the key rows share `work_mem`.
    let env = ctx.spill_env();
    let env = env.with_work_mem(env.work_mem() / 2);
    let mut rows = TupleStore::new(env.clone());
    let mut keys = TupleStore::new(env.clone());
    let mut current: Vec<Value> = Vec::new();
    let mut key = Vec::new();
    let mut stopped = false;
    let ptypes: Vec<SqlType> = w.def.partition_by.iter().map(|e| e.ty()).collect();
    run(&w.input, ctx, &mut |ctx, row| {
        ctx.check_interrupt()?;
        let mut partition = Vec::with_capacity(w.def.partition_by.len());
        for e in &w.def.partition_by {
            partition.push(e.eval(row, ctx)?);
        }
        if !keys.is_empty() && !same(&ptypes, &current, &partition) {
            let flow = emit(w, &layout, &offsets, &mut keys, &mut rows, ctx, sink)?;
            rows = TupleStore::new(env.clone());
            keys = TupleStore::new(env.clone());
            if flow == Flow::Stop {
                stopped = true;
                return Ok(Flow::Stop);
            }
        }
        if keys.is_empty() {
            current = partition;
        }
        key.clear();
        for k in &w.def.order_by {
            key.push(k.expr.eval(row, ctx)?);
        }
        for c in &w.calls {
            call_inputs(&c.func, row, ctx, &mut key)?;
        }
        rows.push(row)?;
        keys.push(&key)?;
        Ok(Flow::Continue)
    })?;
    if stopped || keys.is_empty() {
        return Ok(if stopped { Flow::Stop } else { Flow::Continue });
    }
    emit(w, &layout, &offsets, &mut keys, &mut rows, ctx, sink)
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

/// Appends a call's argument values over one input row to `out`, at the
/// call's fixed [`width`] (for aggregates: whether FILTER passed, the
/// argument, the second argument).
fn call_inputs<T: Transaction>(
    f: &WindowFunc,
    row: &[Value],
    ctx: &mut Ctx<'_, T>,
    out: &mut Vec<Value>,
) -> Result<()> {
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
            } else {
                out.push(Value::Null);
                out.push(Value::Null);
            }
        }
    }
    Ok(())
}

/// The end (exclusive) of the peer group that starts at `start`: the
/// first row after it whose order keys differ. Reads forward only.
fn group_end(
    keys: &[SortKey],
    norder: usize,
    r: &mut StoreReader<'_>,
    start: usize,
    first: &mut Vec<Value>,
) -> Result<usize> {
    let n = r.len();
    first.clear();
    first.extend_from_slice(&r.get(start)?[..norder]);
    let mut j = start + 1;
    while j < n && sort_cmp(keys, first, &r.get(j)?[..norder]) == Ordering::Equal {
        j += 1;
    }
    Ok(j)
}

/// Walks the peer groups forward (a GROUPS frame's edge): where group
/// `idx` starts and ends.
struct GroupWalker<'s> {
    reader: StoreReader<'s>,
    idx: usize,
    start: usize,
    end: usize,
    scratch: Vec<Value>,
}

impl<'s> GroupWalker<'s> {
    fn new(reader: StoreReader<'s>) -> Self {
        GroupWalker {
            reader,
            idx: 0,
            start: 0,
            end: 0,
            scratch: Vec::new(),
        }
    }

    /// Group `target`'s `[start, end)` (`(n, n)` past the last group);
    /// `target` never decreases between calls.
    fn to(&mut self, keys: &[SortKey], norder: usize, target: usize) -> Result<(usize, usize)> {
        let n = self.reader.len();
        if self.idx == 0 && self.end == 0 && n > 0 {
            self.end = group_end(keys, norder, &mut self.reader, 0, &mut self.scratch)?;
        }
        while self.idx < target && self.start < n {
            self.start = self.end;
            self.idx += 1;
            if self.start < n {
                self.end = group_end(
                    keys,
                    norder,
                    &mut self.reader,
                    self.start,
                    &mut self.scratch,
                )?;
            }
        }
        if self.start >= n {
            return Ok((n, n));
        }
        Ok((self.start, self.end))
    }
}

/// The peer group of the current row.
#[derive(Clone, Copy)]
struct Group {
    /// Its index in the partition.
    idx: usize,
    start: usize,
    end: usize,
}

/// What computing one row's frame needs besides the row: the walkers of
/// the GROUPS and RANGE edges (each moves forward only).
struct FrameState<'s> {
    start_groups: GroupWalker<'s>,
    end_groups: GroupWalker<'s>,
    start_range: (StoreReader<'s>, usize),
    end_range: (StoreReader<'s>, usize),
}

/// Row `i`'s frame `[start, end)` (before exclusion); `cur` is its key
/// row.
#[allow(clippy::too_many_arguments)]
fn frame(
    w: &WindowPlan,
    norder: usize,
    offsets: &(Offset, Offset),
    fs: &mut FrameState<'_>,
    n: usize,
    cur: &[Value],
    i: usize,
    grp: Group,
) -> Result<(usize, usize)> {
    let g = grp.idx;
    let (gs, ge) = (grp.start, grp.end);
    let fr = &w.def.frame;
    let keys = &w.def.order_by;
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
                FrameBound::Preceding(_) => {
                    fs.start_groups.to(keys, norder, g.saturating_sub(*k))?.0
                }
                _ => match g.checked_add(*k) {
                    Some(t) => fs.start_groups.to(keys, norder, t)?.0,
                    None => n,
                },
            },
            (_, Offset::Range(v)) => range_edge(
                w,
                &mut fs.start_range,
                cur,
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
                    Some(t) => fs.end_groups.to(keys, norder, t)?.1,
                    None => 0,
                },
                _ => match g.checked_add(*k) {
                    Some(t) => fs.end_groups.to(keys, norder, t)?.1,
                    None => n,
                },
            },
            (_, Offset::Range(v)) => range_edge(
                w,
                &mut fs.end_range,
                cur,
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
/// for the current row `cur`: the first row at or after `current -/+
/// offset` in the sort order, or the first row after it. A NULL current
/// value's frame edge is its peer group's (NULLs are peers of each other
/// only). `walker` (a reader and the edge it last found) moves forward
/// only: the edge never moves back from one row to the next, the
/// partition being sorted.
fn range_edge(
    w: &WindowPlan,
    walker: &mut (StoreReader<'_>, usize),
    cur: &[Value],
    group: (usize, usize),
    off: &Value,
    preceding: bool,
    start: bool,
) -> Result<usize> {
    let key = &w.def.order_by[0];
    let cur = &cur[0];
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
    let cmp = |v: &Value| -> Ordering {
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
    let (reader, pos) = walker;
    let n = reader.len();
    while *pos < n {
        let o = cmp(&reader.get(*pos)?[0]);
        let inside = if start {
            o == Ordering::Less
        } else {
            o != Ordering::Greater
        };
        if !inside {
            break;
        }
        *pos += 1;
    }
    Ok(*pos)
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

/// One call's running state over a partition.
struct CallState<'s> {
    /// Reads the rows whose inputs the call needs (a `lag`'s target,
    /// a frame's rows).
    reader: StoreReader<'s>,
    /// `ntile`: the bucket, rows in it, its boundary, the remainder.
    ntile: Option<(i64, i64, i64, i64)>,
    /// An aggregate: the last frame and its value.
    last: Option<((usize, usize), Value)>,
    /// An aggregate over frames from the partition's first row: the
    /// running state and the rows fed into it.
    running: Option<Accumulator>,
    fed: usize,
}

/// Computes the calls over one partition (its key rows in `keys`) and
/// pushes its input rows (`rows`, in the same order) on with the values
/// appended, one row at a time: nothing held grows with the partition.
#[allow(clippy::too_many_arguments)]
fn emit<'a, T: Transaction>(
    w: &WindowPlan,
    layout: &Layout,
    offsets: &(Offset, Offset),
    keys: &mut TupleStore,
    rows: &mut TupleStore,
    ctx: &mut Ctx<'a, T>,
    sink: &mut Sink<'_, 'a, T>,
) -> Result<Flow> {
    keys.finish()?;
    let keys: &TupleStore = keys;
    let n = keys.len();
    let norder = layout.norder;
    let order = &w.def.order_by;
    let mut cur_reader = keys.reader();
    let mut ahead = keys.reader();
    let mut fs = FrameState {
        start_groups: GroupWalker::new(keys.reader()),
        end_groups: GroupWalker::new(keys.reader()),
        start_range: (keys.reader(), 0),
        end_range: (keys.reader(), 0),
    };
    let mut states: Vec<CallState<'_>> = w
        .calls
        .iter()
        .map(|c| CallState {
            reader: keys.reader(),
            ntile: None,
            last: None,
            running: match &c.func {
                WindowFunc::Agg(call) => Some(Accumulator::new(call)),
                _ => None,
            },
            fed: 0,
        })
        .collect();
    let mut grp = Group {
        idx: 0,
        start: 0,
        end: 0,
    };
    let mut scratch = Vec::new();
    let mut out = Vec::new();
    rows.rewind();
    for i in 0..n {
        ctx.check_interrupt()?;
        if i == grp.end {
            if i > 0 {
                grp.idx += 1;
            }
            grp.start = i;
            grp.end = group_end(order, norder, &mut ahead, i, &mut scratch)?;
        }
        let cur = cur_reader.get(i)?;
        let fr = frame(w, norder, offsets, &mut fs, n, cur, i, grp)?;
        if !rows.next_into(&mut out)? {
            break;
        }
        for (c, call) in w.calls.iter().enumerate() {
            let inp = &cur[layout.base[c]..];
            let v = value(
                w,
                &call.func,
                layout.base[c],
                inp,
                &mut states[c],
                n,
                i,
                grp,
                fr,
                ctx,
            )?;
            out.push(v);
        }
        if sink(ctx, &out)? == Flow::Stop {
            return Ok(Flow::Stop);
        }
    }
    Ok(Flow::Continue)
}

/// One call's value for row `i` (its inputs `inp`, at `base` in a key
/// row), whose frame is `fr`.
#[allow(clippy::too_many_arguments)]
fn value<T: Transaction>(
    w: &WindowPlan,
    func: &WindowFunc,
    base: usize,
    inp: &[Value],
    st: &mut CallState<'_>,
    n: usize,
    i: usize,
    grp: Group,
    fr: (usize, usize),
    ctx: &mut Ctx<'_, T>,
) -> Result<Value> {
    let ex = w.def.frame.exclude;
    let group = (grp.start, grp.end);
    Ok(match func {
        WindowFunc::RowNumber => Value::Int8(i as i64 + 1),
        WindowFunc::Rank => Value::Int8(grp.start as i64 + 1),
        WindowFunc::DenseRank => Value::Int8(grp.idx as i64 + 1),
        WindowFunc::PercentRank => Value::Float8(if n <= 1 {
            0.0
        } else {
            grp.start as f64 / (n - 1) as f64
        }),
        WindowFunc::CumeDist => Value::Float8(grp.end as f64 / n as f64),
        WindowFunc::Ntile(_) => {
            // PostgreSQL's algorithm: the bucket count comes from the first
            // row where it is not NULL.
            if st.ntile.is_none() {
                let v = &inp[0];
                if v.is_null() {
                    return Ok(Value::Null);
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
                st.ntile = Some((1, 0, boundary, remainder));
            }
            let s = st.ntile.as_mut().expect("set");
            s.1 += 1;
            if s.2 < s.1 {
                if s.3 != 0 && s.0 == s.3 {
                    s.3 = 0;
                    s.2 -= 1;
                }
                s.0 += 1;
                s.1 = 1;
            }
            Value::Int4(s.0 as i32)
        }
        WindowFunc::Shift { lead, .. } => {
            let Some(off) = inp[1].as_i64() else {
                return Ok(Value::Null);
            };
            let target = if *lead {
                (i as i64).checked_add(off)
            } else {
                (i as i64).checked_sub(off)
            };
            match target {
                Some(t) if t >= 0 && (t as usize) < n => st.reader.get(t as usize)?[base].clone(),
                _ => inp[2].clone(),
            }
        }
        WindowFunc::FirstValue(_) | WindowFunc::LastValue(_) | WindowFunc::NthValue(..) => {
            let (s, e) = fr;
            let mut rows = (s..e).filter(|&x| !excluded(ex, x, i, group));
            let pick = match func {
                WindowFunc::FirstValue(_) => rows.next(),
                WindowFunc::LastValue(_) => rows.next_back(),
                _ => {
                    let nth = &inp[1];
                    if nth.is_null() {
                        return Ok(Value::Null);
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
            match pick {
                Some(x) => st.reader.get(x)?[base].clone(),
                None => Value::Null,
            }
        }
        WindowFunc::Agg(call) => aggregate(w, call, base, st, i, group, fr, ctx)?,
    })
}

/// Feeds one row's inputs of an aggregate call (at its base) into
/// `acc`.
fn feed(
    acc: &mut Accumulator,
    call: &AggCall,
    inp: &[Value],
    interrupt: &mut Interrupt,
) -> Result<()> {
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

/// An aggregate's value over row `i`'s frame `(s, e)`: a frame equal to
/// the previous row's reuses its value; a frame from the partition's
/// first row without exclusion extends a running state; any other is
/// accumulated afresh from its rows.
#[allow(clippy::too_many_arguments)]
fn aggregate<T: Transaction>(
    w: &WindowPlan,
    call: &AggCall,
    base: usize,
    st: &mut CallState<'_>,
    i: usize,
    group: (usize, usize),
    (s, e): (usize, usize),
    ctx: &mut Ctx<'_, T>,
) -> Result<Value> {
    let ex = w.def.frame.exclude;
    let incremental =
        ex == Exclude::NoOthers && matches!(w.def.frame.start, FrameBound::UnboundedPreceding);
    if ex == Exclude::NoOthers {
        if let Some((f, v)) = &st.last {
            if *f == (s, e) {
                return Ok(v.clone());
            }
        }
    }
    let v = if incremental {
        let running = st.running.as_mut().expect("an aggregate's state");
        while st.fed < e {
            ctx.check_interrupt()?;
            let inp = &st.reader.get(st.fed)?[base..];
            feed(running, call, inp, &mut ctx.interrupt)?;
            st.fed += 1;
        }
        running.clone().finish(&mut ctx.interrupt)?
    } else {
        let mut acc = Accumulator::new(call);
        for x in s..e {
            ctx.check_interrupt()?;
            if !excluded(ex, x, i, group) {
                let inp = &st.reader.get(x)?[base..];
                feed(&mut acc, call, inp, &mut ctx.interrupt)?;
            }
        }
        acc.finish(&mut ctx.interrupt)?
    };
    st.last = Some(((s, e), v.clone()));
    Ok(v)
}
