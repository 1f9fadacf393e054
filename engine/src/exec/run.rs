//! The push-based executor of [`Node`] trees.
//!
//! `run(node, ctx, sink)` produces the node's rows by running its input with
//! a callback, and pushes each output row to `sink`; a sink returning
//! [`Flow::Stop`] (LIMIT reached, EXISTS satisfied) unwinds the whole
//! pipeline without reading further.
//!
//! Every loop here calls [`Ctx::check_interrupt`] once per iteration --
//! including the inner loop of a nested-loop join whether or not the pair
//! matches, and the emitting loops of sorts and aggregates -- so
//! `statement_timeout` and cancel stop any plan promptly (see
//! [`crate::interrupt`]). Sorts larger than one run sort in
//! interruptible steps ([`crate::exec::sort`]).

use std::cmp::Ordering;

use rocksgres_codec::{encode_key_column, SortOrder};
use rocksgres_storage::Transaction;

use crate::error::{EngineError, Result, SqlState};
use crate::exec::ctx::Ctx;
use crate::exec::gather_stage::GatherStage;
use crate::exec::hash_agg::HashAgg;
use crate::exec::join_emit;
use crate::exec::scan::scan_rows_any_order;
use crate::exec::spill::external_sort::ExternalSort;
use crate::plan::expr::Expr;
use crate::plan::node::{JoinKind, Node, SortKey};
use crate::types::{compare_typed, Value};

/// Whether a consumer wants more rows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Flow {
    /// Keep going.
    Continue,
    /// Stop producing rows.
    Stop,
}

/// A row sink.
pub type Sink<'s, 'a, T> = dyn FnMut(&mut Ctx<'a, T>, &[Value]) -> Result<Flow> + 's;

/// Encodes `row` into `out` so that rows equal under SQL equality (as
/// GROUP BY and DISTINCT see it, NULLs equal) have equal bytes.
pub fn row_key(row: &[Value], out: &mut Vec<u8>) {
    out.clear();
    for v in row {
        if encode_key_column(out, &v.to_datum(), SortOrder::ASC).is_err() {
            // Text with NUL cannot occur in SQL values; fall back to the raw text.
            let mut s = String::new();
            v.write_text(&mut s);
            out.extend_from_slice(s.as_bytes());
            out.push(0xFF);
        }
    }
}

pub(crate) fn count_arg<T: Transaction>(
    e: &Option<Expr>,
    ctx: &mut Ctx<'_, T>,
    limit: bool,
) -> Result<Option<u64>> {
    let Some(e) = e else {
        return Ok(None);
    };
    match e.eval(&[], ctx)? {
        Value::Null => Ok(None),
        v => {
            let n = v.as_i64().unwrap_or(-1);
            if n < 0 {
                return Err(if limit {
                    EngineError::new(
                        SqlState::InvalidRowCountInLimitClause,
                        "LIMIT must not be negative",
                    )
                } else {
                    EngineError::new(
                        SqlState::InvalidRowCountInResultOffsetClause,
                        "OFFSET must not be negative",
                    )
                });
            }
            Ok(Some(n as u64))
        }
    }
}

/// Orders two rows by precomputed sort-key values.
pub fn sort_cmp(keys: &[SortKey], a: &[Value], b: &[Value]) -> Ordering {
    for (i, k) in keys.iter().enumerate() {
        let (x, y) = (&a[i], &b[i]);
        let ord = match (x.is_null(), y.is_null()) {
            (true, true) => Ordering::Equal,
            (true, false) if k.nulls_first => Ordering::Less,
            (true, false) => Ordering::Greater,
            (false, true) if k.nulls_first => Ordering::Greater,
            (false, true) => Ordering::Less,
            (false, false) => {
                let o = compare_typed(&k.expr.ty(), x, y).unwrap_or(Ordering::Equal);
                if k.descending {
                    o.reverse()
                } else {
                    o
                }
            }
        };
        if ord != Ordering::Equal {
            return ord;
        }
    }
    Ordering::Equal
}

/// Collects all rows of `node`.
pub fn collect<T: Transaction>(node: &Node, ctx: &mut Ctx<'_, T>) -> Result<Vec<Vec<Value>>> {
    let mut rows = Vec::new();
    run(node, ctx, &mut |_, r| {
        rows.push(r.to_vec());
        Ok(Flow::Continue)
    })?;
    Ok(rows)
}

/// Collects all rows of `node` in a [`TupleStore`](crate::exec::spill::TupleStore)
/// (a temporary file past `work_mem`), rewound.
pub fn collect_store<T: Transaction>(
    node: &Node,
    ctx: &mut Ctx<'_, T>,
) -> Result<crate::exec::spill::TupleStore> {
    let mut rows = crate::exec::spill::TupleStore::new(ctx.spill_env());
    run(node, ctx, &mut |_, r| {
        rows.push(r)?;
        Ok(Flow::Continue)
    })?;
    Ok(rows)
}

/// Runs `node`, pushing its rows to `sink`.
pub fn run<'a, T: Transaction>(
    node: &Node,
    ctx: &mut Ctx<'a, T>,
    sink: &mut Sink<'_, 'a, T>,
) -> Result<Flow> {
    crate::sql::depth::guard(|| run_level(node, ctx, sink))
}

fn run_level<'a, T: Transaction>(
    node: &Node,
    ctx: &mut Ctx<'a, T>,
    sink: &mut Sink<'_, 'a, T>,
) -> Result<Flow> {
    if ctx.instrument.is_some() {
        return crate::exec::instrument::run_counted(node, ctx, sink, run_node);
    }
    run_node(node, ctx, sink)
}

/// Runs one node (see [`run`]).
fn run_node<'a, T: Transaction>(
    node: &Node,
    ctx: &mut Ctx<'a, T>,
    sink: &mut Sink<'_, 'a, T>,
) -> Result<Flow> {
    match node {
        Node::Values { rows, .. } => {
            let mut out = ctx.scratch.take_row();
            let r = (|| {
                for r in rows {
                    ctx.check_interrupt()?;
                    out.resize(r.len(), Value::Null);
                    out.truncate(r.len());
                    for (e, slot) in r.iter().zip(out.iter_mut()) {
                        e.eval_into(&[], ctx, slot)?;
                    }
                    if sink(ctx, &out)? == Flow::Stop {
                        return Ok(Flow::Stop);
                    }
                }
                Ok(Flow::Continue)
            })();
            ctx.scratch.give_row(out);
            r
        }
        Node::Scan(scan) => scan_rows_any_order(scan, ctx, &mut |ctx, _, row| sink(ctx, row)),
        Node::Unnest {
            args,
            columns,
            ordinality,
        } => {
            let mut arrays = Vec::with_capacity(args.len());
            for (arg, column) in args.iter().zip(columns) {
                arrays.push(match arg.eval(&[], ctx)? {
                    Value::Text(arr) => crate::types::array::elements(&arr, &column.ty)?,
                    _ => Vec::new(),
                });
            }
            let rows = arrays.iter().map(Vec::len).max().unwrap_or(0);
            let mut row = Vec::with_capacity(columns.len());
            for i in 0..rows {
                ctx.check_interrupt()?;
                row.clear();
                row.extend(
                    arrays
                        .iter()
                        .map(|a| a.get(i).cloned().unwrap_or(Value::Null)),
                );
                if *ordinality {
                    row.push(Value::Int8(i as i64 + 1));
                }
                if sink(ctx, &row)? == Flow::Stop {
                    return Ok(Flow::Stop);
                }
            }
            Ok(Flow::Continue)
        }
        Node::SequenceRow { seq, .. } => {
            let access = ctx.sequences.ok_or_else(|| {
                EngineError::new(
                    SqlState::FeatureNotSupported,
                    "reading a sequence is not supported here",
                )
            })?;
            let (last, log_cnt, called) = access.tuple(seq)?;
            let row = [Value::Int8(last), Value::Int8(log_cnt), Value::Bool(called)];
            sink(ctx, &row)
        }
        Node::JsonRows {
            func, arg, path, ..
        } => {
            let doc = arg.eval(&[], ctx)?;
            let Value::Text(doc) = doc else {
                return Ok(Flow::Continue);
            };
            let rows = match path.as_slice() {
                [] => func.rows(&doc, arg.ty() == crate::types::SqlType::Json)?,
                args => {
                    let mut vals = Vec::with_capacity(args.len());
                    for a in args {
                        match a.eval(&[], ctx)? {
                            Value::Null => return Ok(Flow::Continue),
                            v => vals.push(v),
                        }
                    }
                    func.path_rows(&doc, &vals)?
                }
            };
            for row in rows {
                ctx.check_interrupt()?;
                if sink(ctx, &row)? == Flow::Stop {
                    return Ok(Flow::Stop);
                }
            }
            Ok(Flow::Continue)
        }
        Node::SystemScan { rel, .. } => {
            let rows = ctx.syscat_rows(rel)?;
            for row in rows.iter() {
                ctx.check_interrupt()?;
                if sink(ctx, row)? == Flow::Stop {
                    return Ok(Flow::Stop);
                }
            }
            Ok(Flow::Continue)
        }
        Node::Series { args, .. } => {
            let mut series = crate::exec::series::series_iter(args, ctx)?;
            loop {
                ctx.check_interrupt()?;
                let Some(v) = series.next_value()? else {
                    return Ok(Flow::Continue);
                };
                if sink(ctx, std::slice::from_ref(&v))? == Flow::Stop {
                    return Ok(Flow::Stop);
                }
            }
        }
        Node::JsonRecords {
            func,
            arg,
            base,
            columns,
        } => {
            let doc = arg.eval(&[], ctx)?;
            let base_ty = base.as_ref().map(|b| b.ty());
            let base = match base {
                Some(b) => crate::types::json_record::base_fields(&b.ty(), &b.eval(&[], ctx)?)?,
                None => None,
            };
            // A populated row's keys are its type's attribute names, not
            // the (maybe renamed) output columns.
            let cols: Vec<(String, crate::types::SqlType)> = match base_ty {
                Some(crate::types::SqlType::Composite(d)) => {
                    d.attrs.iter().map(|a| (a.name.clone(), a.ty)).collect()
                }
                _ => columns.iter().map(|c| (c.name.clone(), c.ty)).collect(),
            };
            let rows = crate::types::json_record::populate_rows(
                func,
                base.as_deref(),
                doc.as_str(),
                &cols,
            )?;
            for row in rows {
                ctx.check_interrupt()?;
                if sink(ctx, &row)? == Flow::Stop {
                    return Ok(Flow::Stop);
                }
            }
            Ok(Flow::Continue)
        }
        Node::RowsFrom { funcs } => crate::exec::series::run_rows_from(funcs, ctx, sink),
        Node::Cte(c) => crate::exec::cte::run_cte(c, ctx, sink),
        Node::Filter { input, predicate } => run(input, ctx, &mut |ctx, row| {
            if predicate.holds(row, ctx)? {
                sink(ctx, row)
            } else {
                Ok(Flow::Continue)
            }
        }),
        Node::Project { input, exprs, .. } => {
            // One output row, overwritten in place for each input row.
            let mut out = ctx.scratch.take_row();
            out.resize(exprs.len(), Value::Null);
            out.truncate(exprs.len());
            let r = run(input, ctx, &mut |ctx, row| {
                for (e, slot) in exprs.iter().zip(out.iter_mut()) {
                    e.eval_into(row, ctx, slot)?;
                }
                sink(ctx, &out)
            });
            ctx.scratch.give_row(out);
            r
        }
        Node::Join {
            left,
            right,
            kind,
            on,
            lateral: true,
            ..
        } => {
            let right_width = right.width();
            let mut joined = Vec::new();
            run(left, ctx, &mut |ctx, lrow| {
                ctx.outer.push(lrow.to_vec());
                let right_rows = collect_store(right, ctx);
                ctx.outer.pop();
                join_emit::join_candidates(
                    *kind,
                    lrow,
                    &mut right_rows?,
                    right_width,
                    on.as_ref(),
                    &mut joined,
                    ctx,
                    sink,
                )
            })
        }
        Node::Join {
            left,
            right,
            kind,
            on,
            lateral: false,
            hash: Some(keys),
        } => {
            let run_join = if keys.merge {
                crate::exec::merge_join::run_merge_join
            } else {
                crate::exec::hash_join::run_hash_join
            };
            run_join(left, right, *kind, on.as_ref(), keys, ctx, sink)
        }
        Node::Join {
            left,
            right,
            kind,
            on,
            lateral: false,
            hash: None,
        } => {
            // The inner rows, materialized once (in a temporary file past
            // work_mem, as PostgreSQL's Material node) and re-read for
            // each outer row; a FULL join marks the matched ones in a
            // bit set.
            let mut right_rows = collect_store(right, ctx)?;
            let right_width = right.width();
            let left_width = left.width();
            let mut matched_right = if *kind == JoinKind::Full {
                vec![0u64; right_rows.len().div_ceil(64)]
            } else {
                Vec::new()
            };
            let mut joined = Vec::new();
            let flow = run(left, ctx, &mut |ctx, lrow| {
                let mut any = false;
                right_rows.rewind();
                let mut i = 0usize;
                while let Some(rrow) = right_rows.next()? {
                    i += 1;
                    ctx.check_interrupt()?;
                    joined.clear();
                    joined.extend_from_slice(lrow);
                    joined.extend_from_slice(rrow);
                    let ok = match on {
                        Some(cond) => cond.holds(&joined, ctx)?,
                        None => true,
                    };
                    if ok {
                        any = true;
                        if let Some(word) = matched_right.get_mut((i - 1) / 64) {
                            *word |= 1 << ((i - 1) % 64);
                        }
                        if let Some(flow) = join_emit::on_match(*kind, lrow, &joined, ctx, sink)? {
                            return Ok(flow);
                        }
                    }
                }
                if any {
                    return Ok(Flow::Continue);
                }
                join_emit::on_no_match(*kind, lrow, right_width, &mut joined, ctx, sink)
            })?;
            if flow == Flow::Stop || *kind != JoinKind::Full {
                return Ok(flow);
            }
            right_rows.rewind();
            let mut i = 0usize;
            let mut row = Vec::new();
            while let Some(rrow) = right_rows.next()? {
                ctx.check_interrupt()?;
                let bit = matched_right[i / 64] & (1u64 << (i % 64));
                i += 1;
                if bit != 0 {
                    continue;
                }
                row.clear();
                row.extend(std::iter::repeat_n(Value::Null, left_width));
                row.extend_from_slice(rrow);
                if sink(ctx, &row)? == Flow::Stop {
                    return Ok(Flow::Stop);
                }
            }
            Ok(Flow::Continue)
        }
        Node::Aggregate {
            input,
            group_by,
            aggs,
            sets,
            ..
        } => {
            if !sets.is_empty() {
                return crate::exec::grouping_sets::run_grouping_sets(
                    input, group_by, sets, aggs, ctx, sink,
                );
            }
            // Past work_mem, rows of groups not held go to temporary
            // batches (see `exec::hash_agg`).
            let types: Vec<_> = group_by.iter().map(|g| g.ty()).collect();
            let mut table = HashAgg::new(aggs, &types, ctx.spill_env(), 0);
            let mut gvals = Vec::with_capacity(group_by.len());
            let mut any = false;
            // The workers of a parallel scan below may aggregate the rows
            // they read themselves (see `exec::gather_stage`); their
            // groups are merged in after the input.
            let stage = match ctx.instrument {
                None => {
                    let cap = ctx.spill_env().hash_mem() / 4;
                    GatherStage::aggregate(input, group_by, aggs, cap, ctx.max_parallel_workers())
                }
                Some(_) => None,
            };
            let outer = std::mem::replace(&mut ctx.gather_stage, stage.clone());
            let ran = run(input, ctx, &mut |ctx, row| {
                any = true;
                gvals.clear();
                for g in group_by {
                    gvals.push(g.eval(row, ctx)?);
                }
                table.add(&gvals, row, ctx)?;
                Ok(Flow::Continue)
            });
            ctx.gather_stage = outer;
            ran?;
            for (g, states) in stage.map(|s| s.take_groups()).unwrap_or_default() {
                ctx.check_interrupt()?;
                any = true;
                table.add_partial(&g, &states)?;
            }
            if !any && group_by.is_empty() {
                table.ensure_group(&[]);
            }
            let counted = (!group_by.is_empty()).then_some(node);
            table.finish(ctx, sink, counted)
        }
        Node::Window(w) => crate::exec::window::run_window(w, ctx, sink),
        Node::Sort { input, keys } => {
            // Each entry is the row's sort keys, then the row; past
            // work_mem the sort spills (see `exec::spill::external_sort`).
            let mut sort =
                ExternalSort::new(ctx.spill_env(), keys.len(), |a: &[Value], b: &[Value]| {
                    sort_cmp(keys, a, b)
                });
            run(input, ctx, &mut |ctx, row| {
                let mut e = Vec::with_capacity(keys.len() + row.len());
                for key in keys {
                    e.push(key.expr.eval(row, ctx)?);
                }
                e.extend_from_slice(row);
                sort.push(e, &mut ctx.interrupt)?;
                Ok(Flow::Continue)
            })?;
            if ctx.instrument.is_some() {
                let space = crate::exec::instrument::SortSpace {
                    method: if sort.is_spilled() {
                        "external merge"
                    } else {
                        "quicksort"
                    },
                    kb: crate::exec::instrument::kb(sort.space_used()),
                    disk: sort.is_spilled(),
                };
                crate::exec::instrument::sorted(ctx, node, space);
            }
            let mut rows = sort.finish(&mut ctx.interrupt)?;
            let mut e = Vec::new();
            while rows.next_into(&mut e)? {
                ctx.check_interrupt()?;
                if sink(ctx, &e[keys.len()..])? == Flow::Stop {
                    return Ok(Flow::Stop);
                }
            }
            Ok(Flow::Continue)
        }
        Node::Limit {
            input,
            limit,
            offset,
            ties,
        } => {
            let limit = count_arg(limit, ctx, true)?;
            let skip = count_arg(offset, ctx, false)?.unwrap_or(0);
            if limit == Some(0) {
                return Ok(Flow::Continue);
            }
            if let (Some(keys), Some(limit)) = (ties, limit) {
                return crate::exec::ties::run_with_ties(input, keys, limit, skip, ctx, sink);
            }
            let mut skip = skip;
            let mut emitted = 0u64;
            let mut downstream_stopped = false;
            // A Sort under a projection that only picks columns (one that
            // drops hidden sort columns) is a top-N sort too, the
            // projection applied to the rows it keeps.
            let (under, picks) = input.top_n_sort().unwrap_or((input, None));
            let top_n = match (under, limit) {
                (sort @ Node::Sort { input, keys }, Some(l))
                    if l.saturating_add(skip) <= crate::exec::top_n::MAX_TOP_N =>
                {
                    Some((sort, input, keys, (l + skip) as usize))
                }
                _ => None,
            };
            let mut limited = |ctx: &mut Ctx<'a, T>, row: &[Value]| {
                if skip > 0 {
                    skip -= 1;
                    return Ok(Flow::Continue);
                }
                emitted += 1;
                if sink(ctx, row)? == Flow::Stop {
                    downstream_stopped = true;
                    return Ok(Flow::Stop);
                }
                Ok(if limit.is_some_and(|l| emitted >= l) {
                    Flow::Stop
                } else {
                    Flow::Continue
                })
            };
            let mut picked = Vec::new();
            let mut project = |ctx: &mut Ctx<'a, T>, row: &[Value]| match picks {
                None => limited(ctx, row),
                Some(exprs) => {
                    picked.clear();
                    picked.extend(exprs.iter().map(|e| match e {
                        Expr::Column(i, _) => row.get(*i).cloned().unwrap_or(Value::Null),
                        _ => Value::Null,
                    }));
                    limited(ctx, &picked)
                }
            };
            match top_n {
                // EXPLAIN ANALYZE counts the top-N sort as the Sort node.
                Some((sort, input, keys, n)) if ctx.instrument.is_some() => {
                    crate::exec::instrument::run_counted(sort, ctx, &mut project, |_, c, s| {
                        crate::exec::top_n::run_top_n(input, keys, n, Some(sort), c, s)
                    })?
                }
                Some((_, input, keys, n)) => {
                    crate::exec::top_n::run_top_n(input, keys, n, None, ctx, &mut project)?
                }
                None => run(input, ctx, &mut limited)?,
            };
            Ok(if downstream_stopped {
                Flow::Stop
            } else {
                Flow::Continue
            })
        }
        Node::Distinct { input, on } => {
            crate::exec::hash_distinct::run_distinct(node, input, on, ctx, sink)
        }
        Node::SetOp {
            left,
            right,
            kind,
            all,
        } => crate::exec::hash_setop::run_set_op(node, left, right, *kind, *all, ctx, sink),
    }
}
