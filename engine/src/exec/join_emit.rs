//! What a join emits, by join kind: shared by the nested-loop joins
//! ([`crate::exec::run`]), the hash join ([`crate::exec::hash_join`]) and
//! the merge join ([`crate::exec::merge_join`]), which differ only in how
//! they find a left row's candidate pairs.
//!
//! * A matching pair: a semi join emits the left row and is done with it,
//!   an anti join is done with it without emitting, the others emit the
//!   pair and go on.
//! * A left row nothing matched: an anti join emits it, LEFT and FULL
//!   joins emit it NULL-extended.
//! * After the left input, a FULL join emits the right rows nothing
//!   matched, NULL-extended on the left.

use rocksgres_storage::Transaction;

use crate::error::Result;
use crate::exec::ctx::Ctx;
use crate::exec::run::{Flow, Sink};
use crate::exec::spill::TupleStore;
use crate::plan::expr::Expr;
use crate::plan::node::JoinKind;
use crate::types::Value;

/// Joins `lrow` with each candidate row of `rows` (read from where it
/// stands): checks `on` on each pair and emits as `kind` says, then, when
/// nothing matched, what a left row without a match emits. `joined` is
/// scratch space.
#[allow(clippy::too_many_arguments)]
pub fn join_candidates<'a, T: Transaction>(
    kind: JoinKind,
    lrow: &[Value],
    rows: &mut TupleStore,
    right_width: usize,
    on: Option<&Expr>,
    joined: &mut Vec<Value>,
    ctx: &mut Ctx<'a, T>,
    sink: &mut Sink<'_, 'a, T>,
) -> Result<Flow> {
    let mut any = false;
    while let Some(rrow) = rows.next()? {
        ctx.check_interrupt()?;
        joined.clear();
        joined.extend_from_slice(lrow);
        joined.extend_from_slice(rrow);
        let ok = match on {
            Some(cond) => cond.holds(joined, ctx)?,
            None => true,
        };
        if ok {
            any = true;
            if let Some(flow) = on_match(kind, lrow, joined, ctx, sink)? {
                return Ok(flow);
            }
        }
    }
    if any {
        return Ok(Flow::Continue);
    }
    on_no_match(kind, lrow, right_width, joined, ctx, sink)
}

/// Handles a matching pair `joined` of `lrow`: `Some(flow)` ends the
/// left row with `flow`, `None` goes on with its next candidate.
pub fn on_match<'a, T: Transaction>(
    kind: JoinKind,
    lrow: &[Value],
    joined: &[Value],
    ctx: &mut Ctx<'a, T>,
    sink: &mut Sink<'_, 'a, T>,
) -> Result<Option<Flow>> {
    match kind {
        JoinKind::Semi => sink(ctx, lrow).map(Some),
        JoinKind::Anti => Ok(Some(Flow::Continue)),
        JoinKind::Inner | JoinKind::Left | JoinKind::Full => Ok(match sink(ctx, joined)? {
            Flow::Stop => Some(Flow::Stop),
            Flow::Continue => None,
        }),
    }
}

/// Handles a left row nothing matched (`joined` is scratch space).
pub fn on_no_match<'a, T: Transaction>(
    kind: JoinKind,
    lrow: &[Value],
    right_width: usize,
    joined: &mut Vec<Value>,
    ctx: &mut Ctx<'a, T>,
    sink: &mut Sink<'_, 'a, T>,
) -> Result<Flow> {
    match kind {
        JoinKind::Anti => sink(ctx, lrow),
        JoinKind::Left | JoinKind::Full => {
            joined.clear();
            joined.extend_from_slice(lrow);
            joined.extend(std::iter::repeat_n(Value::Null, right_width));
            sink(ctx, joined)
        }
        JoinKind::Inner | JoinKind::Semi => Ok(Flow::Continue),
    }
}
