//! Running `FETCH FIRST n ROWS WITH TIES` (see [`crate::plan::ties`]):
//! after the n-th row, rows pass while their ORDER BY keys equal the n-th
//! row's (NULLs equal to each other, as in a sort), and the input stops at
//! the first that differs.

use rocksgres_storage::Transaction;

use crate::error::Result;
use crate::exec::ctx::Ctx;
use crate::exec::run::{row_key, run, Flow, Sink};
use crate::plan::expr::Expr;
use crate::plan::node::Node;
use crate::types::Value;

/// Runs `input` skipping `skip` rows, passing `limit` rows and then their
/// ties on `keys` to `sink`.
pub fn run_with_ties<'a, T: Transaction>(
    input: &Node,
    keys: &[Expr],
    limit: u64,
    mut skip: u64,
    ctx: &mut Ctx<'a, T>,
    sink: &mut Sink<'_, 'a, T>,
) -> Result<Flow> {
    let mut emitted = 0u64;
    let mut last: Option<Vec<u8>> = None;
    let mut key = Vec::new();
    let mut values: Vec<Value> = Vec::with_capacity(keys.len());
    let mut downstream_stopped = false;
    run(input, ctx, &mut |ctx, row| {
        if skip > 0 {
            skip -= 1;
            return Ok(Flow::Continue);
        }
        if emitted >= limit {
            values.clear();
            for k in keys {
                values.push(k.eval(row, ctx)?);
            }
            row_key(&values, &mut key);
            if last.as_deref() != Some(key.as_slice()) {
                return Ok(Flow::Stop);
            }
        } else if emitted + 1 == limit {
            values.clear();
            for k in keys {
                values.push(k.eval(row, ctx)?);
            }
            row_key(&values, &mut key);
            last = Some(key.clone());
        }
        emitted += 1;
        if sink(ctx, row)? == Flow::Stop {
            downstream_stopped = true;
            return Ok(Flow::Stop);
        }
        Ok(Flow::Continue)
    })?;
    Ok(if downstream_stopped {
        Flow::Stop
    } else {
        Flow::Continue
    })
}
