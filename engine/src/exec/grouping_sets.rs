//! `GROUP BY GROUPING SETS / ROLLUP / CUBE` execution: one pass over the
//! input that feeds every row to one group per grouping set, as a hash
//! aggregate keyed by (the set's columns, the set's number).
//!
//! The plan ([`crate::plan::grouping_sets`]) lists the distinct grouping
//! expressions once, then a placeholder: in a set's rows the expressions
//! the set does not group read `NULL` and the placeholder's column holds
//! the set's number, which `GROUPING(...)` maps to its bitmask. An empty
//! set (`()`) yields its row even from empty input, as PostgreSQL. The
//! groups live in a [`HashAgg`], which spills past `work_mem` as for a
//! plain hash aggregate.

use rocksgres_storage::Transaction;

use crate::error::Result;
use crate::exec::ctx::Ctx;
use crate::exec::hash_agg::HashAgg;
use crate::exec::run::{run, Flow, Sink};
use crate::plan::expr::Expr;
use crate::plan::node::{AggCall, Node};
use crate::types::Value;

/// Runs an aggregate over grouping `sets` (indexes into `group_by`, whose
/// last entry is the set-number placeholder).
pub fn run_grouping_sets<'a, T: Transaction>(
    input: &Node,
    group_by: &[Expr],
    sets: &[Vec<usize>],
    aggs: &[AggCall],
    ctx: &mut Ctx<'a, T>,
    sink: &mut Sink<'_, 'a, T>,
) -> Result<Flow> {
    let width = group_by.len().saturating_sub(1);
    let types: Vec<_> = group_by.iter().map(|g| g.ty()).collect();
    let mut table = HashAgg::new(aggs, &types, ctx.spill_env(), 0);
    let mut all = Vec::with_capacity(width);
    let mut gvals = Vec::with_capacity(width + 1);
    let mut any = false;
    // The values of one set's group: its columns, NULL elsewhere, then
    // the set's number.
    let set_values = |all: &[Value], set: &[usize], n: usize, out: &mut Vec<Value>| {
        out.clear();
        out.extend((0..all.len()).map(|i| {
            if set.contains(&i) {
                all[i].clone()
            } else {
                Value::Null
            }
        }));
        out.push(Value::Int4(n as i32));
    };
    run(input, ctx, &mut |ctx, row| {
        any = true;
        all.clear();
        for g in &group_by[..width] {
            all.push(g.eval(row, ctx)?);
        }
        for (n, set) in sets.iter().enumerate() {
            set_values(&all, set, n, &mut gvals);
            table.add(&gvals, row, ctx)?;
        }
        Ok(Flow::Continue)
    })?;
    // Empty sets make their row from no input at all (with input, the
    // first row made it).
    if !any {
        let nulls = vec![Value::Null; width];
        for (n, set) in sets.iter().enumerate() {
            if set.is_empty() {
                set_values(&nulls, set, n, &mut gvals);
                table.ensure_group(&gvals);
            }
        }
    }
    table.finish(ctx, sink, None)
}
