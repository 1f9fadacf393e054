//! Executes `UPDATE ... FROM` and `DELETE ... USING`
//! ([`crate::plan::dml_from`] plans them).
//!
//! The plan is a join whose left input is the target's scan (its own
//! WHERE conditions applied). It is run here, not by the general
//! executor, because each target row must come with its key:
//!
//! * **Hash join.** The FROM rows are read once into a hash table on their
//!   join keys ([`Build`]); then each target row from the scan encodes its
//!   keys, walks its chain and keeps the first FROM row that satisfies the
//!   whole join condition. When the FROM rows pass the hash table's memory
//!   (`work_mem` × `hash_mem_multiplier`) both sides go to batches in
//!   temporary files ([`crate::exec::dml_join`]), and each target row
//!   keeps the first FROM row met.
//! * **Nested loop.** For each target row the FROM plan runs with that
//!   row as its enclosing row, and its first row is kept.
//!
//! So each target row is changed at most once, with the first FROM row
//! that joins it (PostgreSQL likewise uses whichever joined row its plan
//! produces first). The pairs (target key, FROM row) are collected, in a
//! [`TupleStore`] that goes to a temporary file past `work_mem`, before
//! anything is written: the FROM items may read the target table itself
//! (a self-join), and reads see the statement's own writes, so they must
//! all happen first. Each pair then goes through the row-change path of a
//! plain UPDATE/DELETE ([`crate::exec::dml::update_one`],
//! [`crate::exec::dml::delete_one`]): row lock, newest-version re-check,
//! constraints, generated columns, indexes, foreign keys and RETURNING.
//!
//! Under EXPLAIN ANALYZE the join node counts one loop with the pairs
//! found, the scan counts its rows, the FROM plan its own loops, and the
//! hash table what it held.

use std::time::Instant;

use rocksgres_storage::Transaction;

use crate::error::{EngineError, Result};
use crate::exec::ctx::Ctx;
use crate::exec::dml::{delete_one, update_one, DmlOutcome, ModifyPlan};
use crate::exec::dml_join::{counted_scan, join_target, Emitted};
use crate::exec::foreign_keys::FkState;
use crate::exec::hash_join::JoinSpec;
use crate::exec::run::{run, Flow};
use crate::exec::spill::key_set::KeySet;
use crate::exec::spill::TupleStore;
use crate::plan::dml_from::FromJoin;
use crate::plan::expr::Expr;
use crate::plan::join_plan::HashKeys;
use crate::plan::node::{JoinKind, Node, ScanPlan};
use crate::types::Value;

/// The target rows' keys, each with the FROM row that joins it: rows of
/// the key (as `bytea`) followed by the FROM row, in a [`TupleStore`]
/// (kept in a temporary file past `work_mem`).
type Matches = TupleStore;

/// Appends the pair (`key`, `frow`) to `matched`, through the row buffer
/// `buf`.
fn keep(matched: &mut Matches, key: &[u8], frow: &[Value], buf: &mut Vec<Value>) -> Result<()> {
    buf.clear();
    buf.push(Value::Bytea(key.to_vec()));
    buf.extend_from_slice(frow);
    matched.push(buf)
}

/// The first row of `from` (the nested loop's right input) joined to the
/// target row `row`, if any.
fn first_match<T: Transaction>(
    from: &Node,
    row: &[Value],
    ctx: &mut Ctx<'_, T>,
) -> Result<Option<Vec<Value>>> {
    let mut first = None;
    ctx.outer.push(row.to_vec());
    let r = run(from, ctx, &mut |_, frow| {
        first = Some(frow.to_vec());
        Ok(Flow::Stop)
    });
    ctx.outer.pop();
    r?;
    Ok(first)
}

/// The pairs of the nested loop: each row of `scan` with the first row of
/// `from` run with it as the enclosing row.
fn loop_matches<T: Transaction>(
    scan: &ScanPlan,
    from: &Node,
    ctx: &mut Ctx<'_, T>,
) -> Result<Matches> {
    let mut matched = TupleStore::new(ctx.spill_env());
    let mut buf = Vec::new();
    counted_scan(scan, ctx, &mut |ctx, key, row| {
        ctx.check_interrupt()?;
        if let Some(frow) = first_match(from, row, ctx)? {
            keep(&mut matched, key, &frow, &mut buf)?;
        }
        Ok(Flow::Continue)
    })?;
    Ok(matched)
}

/// The pairs of the hash join of `scan` with the rows of `build` on
/// `keys`, checked by `on`: in memory, or in batches past it (see
/// [`crate::exec::dml_join`]).
fn hash_matches<T: Transaction>(
    scan: &ScanPlan,
    build: &Node,
    on: Option<&Expr>,
    keys: &HashKeys,
    ctx: &mut Ctx<'_, T>,
) -> Result<Matches> {
    let width = scan.table.columns.len();
    let mut spec = JoinSpec::new(JoinKind::Inner, on, keys, width, build.width());
    let mut matched = TupleStore::new(ctx.spill_env());
    let mut buf = Vec::new();
    // In a batch of several chunks a target row's FROM rows may sit in
    // different chunks: the first one met joins it. Elsewhere the first
    // pair ends the probe.
    let mut seen = KeySet::new(ctx.spill_env());
    join_target(scan, build, &mut spec, false, ctx, &mut |ctx, e| {
        if let Emitted::Pair(key, joined, alone) = e {
            if alone || seen.insert(key, &mut ctx.interrupt)? {
                keep(&mut matched, key, &joined[width..], &mut buf)?;
            }
        }
        Ok(Flow::Stop)
    })?;
    Ok(matched)
}

/// The pairs of the join `from` (see the module docs).
fn matches<T: Transaction>(from: &FromJoin, ctx: &mut Ctx<'_, T>) -> Result<Matches> {
    let Node::Join {
        left,
        right,
        on,
        hash,
        ..
    } = &from.join
    else {
        return Err(EngineError::internal("UPDATE ... FROM plan is not a join"));
    };
    let Node::Scan(scan) = left.as_ref() else {
        return Err(EngineError::internal(
            "UPDATE ... FROM plan does not scan its target",
        ));
    };
    if let Some(keys) = hash {
        return hash_matches(scan, right, on.as_ref(), keys, ctx);
    }
    loop_matches(scan, right, ctx)
}

/// Executes UPDATE ... FROM (`delete == false`) or DELETE ... USING.
pub fn run_modify_from<T: Transaction>(
    plan: &ModifyPlan,
    from: &FromJoin,
    delete: bool,
    ctx: &mut Ctx<'_, T>,
) -> Result<DmlOutcome> {
    let start = Instant::now();
    let mut matched = matches(from, ctx)?;
    if ctx.instrument.is_some() {
        let end = Instant::now();
        let rows = matched.len() as u64;
        crate::exec::instrument::count_loop(ctx, &from.join, rows, start, Some(end));
    }
    let mut out = DmlOutcome::default();
    let mut fk = FkState::begin(&plan.fks, &plan.table, ctx)?;
    matched.rewind();
    let mut pair = Vec::new();
    while matched.next_into(&mut pair)? {
        ctx.check_interrupt()?;
        let (Value::Bytea(key), frow) = (&pair[0], &pair[1..]) else {
            return Err(EngineError::internal(
                "UPDATE ... FROM pair without its key",
            ));
        };
        if delete {
            delete_one(plan, key, ctx, (&mut out, &mut fk), frow)?;
        } else {
            update_one(plan, key, ctx, (&mut out, &mut fk), frow)?;
        }
    }
    fk.finish(ctx)?;
    Ok(out)
}
