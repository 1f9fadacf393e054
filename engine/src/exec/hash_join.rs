//! Hash join (inner, left, full, semi and anti; a right join is a swapped
//! left join).
//!
//! The right (build) input is read once: its rows go into one vector and
//! their equi-join keys ([`HashKeys::right`], encoded with the GROUP BY
//! equality of [`row_key_typed`]) into a hash table whose entries chain
//! the rows with equal keys in input order. Each left (probe) row encodes
//! its keys, walks the chain, and checks the full join condition on each
//! candidate pair, so the output is exactly the nested loop's, in the same
//! order: per left row, its matches in right-input order; for a FULL join
//! the right rows nothing matched come last, NULL-extended. A semi join
//! emits the left row at its first match, an anti join when it has none.
//!
//! A NULL key equals nothing: such build rows are kept only for the FULL
//! join's unmatched output, and such probe rows find no candidate (a LEFT
//! or FULL join still emits them NULL-extended).
//!
//! Memory is the build side's rows, as the nested loop held before; it
//! does not spill yet (`work_mem` is not enforced).

use std::collections::HashMap;

use rocksgres_storage::Transaction;

use crate::error::Result;
use crate::exec::ctx::Ctx;
use crate::exec::group_key::row_key_typed;
use crate::exec::join_emit;
use crate::exec::run::{run, Flow, Sink};
use crate::plan::expr::Expr;
use crate::plan::join_plan::HashKeys;
use crate::plan::node::{JoinKind, Node};
use crate::types::Value;

/// End of a chain.
const NONE: usize = usize::MAX;

/// The build side: its rows and a table from key bytes to the first and
/// last row of the chain of rows with that key.
struct Build {
    rows: Vec<Vec<Value>>,
    next: Vec<usize>,
    heads: HashMap<Vec<u8>, (usize, usize)>,
}

/// Evaluates `keys` over `row` into `vals`; false when one is NULL.
fn eval_keys<T: Transaction>(
    keys: &[Expr],
    row: &[Value],
    ctx: &mut Ctx<'_, T>,
    vals: &mut Vec<Value>,
) -> Result<bool> {
    vals.clear();
    for k in keys {
        let v = k.eval(row, ctx)?;
        if v.is_null() {
            return Ok(false);
        }
        vals.push(v);
    }
    Ok(true)
}

fn build<T: Transaction>(right: &Node, keys: &HashKeys, ctx: &mut Ctx<'_, T>) -> Result<Build> {
    let mut b = Build {
        rows: Vec::new(),
        next: Vec::new(),
        heads: HashMap::new(),
    };
    let mut vals = Vec::new();
    let mut key = Vec::new();
    run(right, ctx, &mut |ctx, row| {
        let i = b.rows.len();
        b.rows.push(row.to_vec());
        b.next.push(NONE);
        if eval_keys(&keys.right, row, ctx, &mut vals)? {
            row_key_typed(&vals, &keys.types, &mut key);
            match b.heads.get_mut(key.as_slice()) {
                Some((_, last)) => {
                    b.next[*last] = i;
                    *last = i;
                }
                None => {
                    b.heads.insert(key.clone(), (i, i));
                }
            }
        }
        Ok(Flow::Continue)
    })?;
    Ok(b)
}

/// Runs a hash join of `left` and `right` (see the module docs).
pub fn run_hash_join<'a, T: Transaction>(
    left: &Node,
    right: &Node,
    kind: JoinKind,
    on: Option<&Expr>,
    keys: &HashKeys,
    ctx: &mut Ctx<'a, T>,
    sink: &mut Sink<'_, 'a, T>,
) -> Result<Flow> {
    let b = build(right, keys, ctx)?;
    let right_width = right.width();
    let left_width = left.width();
    let mut matched = vec![
        false;
        if kind == JoinKind::Full {
            b.rows.len()
        } else {
            0
        }
    ];
    let mut joined = Vec::new();
    let mut vals = Vec::new();
    let mut key = Vec::new();
    let flow = run(left, ctx, &mut |ctx, lrow| {
        let mut any = false;
        if eval_keys(&keys.left, lrow, ctx, &mut vals)? {
            row_key_typed(&vals, &keys.types, &mut key);
            let mut i = b
                .heads
                .get(key.as_slice())
                .map_or(NONE, |&(first, _)| first);
            while i != NONE {
                ctx.check_interrupt()?;
                joined.clear();
                joined.extend_from_slice(lrow);
                joined.extend_from_slice(&b.rows[i]);
                let ok = match on {
                    Some(cond) => cond.holds(&joined, ctx)?,
                    None => true,
                };
                if ok {
                    any = true;
                    if let Some(m) = matched.get_mut(i) {
                        *m = true;
                    }
                    if let Some(flow) = join_emit::on_match(kind, lrow, &joined, ctx, sink)? {
                        return Ok(flow);
                    }
                }
                i = b.next[i];
            }
        }
        if any {
            return Ok(Flow::Continue);
        }
        join_emit::on_no_match(kind, lrow, right_width, &mut joined, ctx, sink)
    })?;
    if flow == Flow::Stop || kind != JoinKind::Full {
        return Ok(flow);
    }
    join_emit::unmatched_right(&b.rows, &matched, left_width, ctx, sink)
}
