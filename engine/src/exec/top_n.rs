//! `ORDER BY ... LIMIT n` as a bounded sort (PostgreSQL's "top-N
//! heapsort").
//!
//! A LIMIT directly over a Sort needs only the first `limit + offset` rows
//! of the order. Instead of holding and sorting every input row, the rows
//! go through a sorted buffer of at most that many entries: a row that
//! sorts after the buffer's last entry (when it is full) is dropped at
//! once, any other is inserted at its place (binary search) and the last
//! entry falls off. Memory is bounded by the limit, not by the input, and
//! the time is `n log k`. Insertion goes after equal keys, so the result
//! is exactly the stable full sort's first rows.
//!
//! Only limits up to [`MAX_TOP_N`] take this path; larger ones sort
//! fully.

use rocksgres_storage::Transaction;

use crate::error::Result;
use crate::exec::ctx::Ctx;
use crate::exec::run::{run, sort_cmp, Flow, Sink};
use crate::exec::spill::row_codec::row_size;
use crate::plan::node::{Node, SortKey};
use crate::types::Value;

/// The largest `limit + offset` sorted in a bounded buffer.
pub const MAX_TOP_N: u64 = 10_000;

/// Runs `input`, sorts by `keys` and pushes only its first `n` rows;
/// under EXPLAIN ANALYZE records the space it used for the sort node
/// `counted`.
pub fn run_top_n<'a, T: Transaction>(
    input: &Node,
    keys: &[SortKey],
    n: usize,
    counted: Option<&Node>,
    ctx: &mut Ctx<'a, T>,
    sink: &mut Sink<'_, 'a, T>,
) -> Result<Flow> {
    let mut buf: Vec<(Vec<Value>, Vec<Value>)> = Vec::with_capacity(n.min(1024) + 1);
    let mut k = Vec::with_capacity(keys.len());
    // The workers of a parallel scan below may keep their own first `n`
    // rows and send only those (see `exec::gather_stage`).
    let stage = match ctx.instrument {
        None => {
            let max = ctx.max_parallel_workers();
            crate::exec::gather_stage::GatherStage::top_n(input, keys, n, max)
        }
        Some(_) => None,
    };
    let outer = std::mem::replace(&mut ctx.gather_stage, stage);
    let ran = run(input, ctx, &mut |ctx, row| {
        k.clear();
        for key in keys {
            k.push(key.expr.eval(row, ctx)?);
        }
        if buf.len() == n
            && buf
                .last()
                .is_none_or(|last| sort_cmp(keys, &k, &last.0).is_ge())
        {
            return Ok(Flow::Continue);
        }
        let at = buf.partition_point(|e| sort_cmp(keys, &e.0, &k).is_le());
        buf.insert(at, (k.clone(), row.to_vec()));
        buf.truncate(n);
        Ok(Flow::Continue)
    });
    ctx.gather_stage = outer;
    ran?;
    if let Some(node) = counted {
        let bytes = buf
            .iter()
            .map(|(k, row)| row_size(k) + row_size(row))
            .sum::<usize>();
        let space = crate::exec::instrument::SortSpace {
            method: "top-N heapsort",
            kb: crate::exec::instrument::kb(bytes),
            disk: false,
        };
        crate::exec::instrument::sorted(ctx, node, space);
    }
    for (_, row) in buf {
        ctx.check_interrupt()?;
        if sink(ctx, &row)? == Flow::Stop {
            return Ok(Flow::Stop);
        }
    }
    Ok(Flow::Continue)
}
