//! Merge join: both inputs read in the order of the join key, matched as
//! they stream, with no hash table.
//!
//! The planner chooses it ([`crate::plan::join_plan`]) for an equi-join of
//! two table scans on the first column of each one's primary key, when
//! both tables are large enough that hashing the smaller would pass the
//! hash table's memory; each scan then reads its primary index in key
//! order. The left (outer) scan runs as usual and hands its rows on in
//! key order; the right (inner) scan is read here, row by row, through a
//! cursor of its own that only moves forward. For each left row the
//! cursor skips the right rows with smaller keys and gathers those with an
//! equal key into the current *group* (kept in a [`TupleStore`], so a
//! large group spills); left rows with the same key reuse the group. The
//! full join condition is checked on every pair of a left row and its
//! group, as the hash join checks its candidates, so the output is the
//! nested loop's. A NULL left key matches nothing (primary-key columns
//! hold no NULL). Inner, left, semi and anti joins are merged.
//!
//! Memory is one group whatever the inputs' sizes. A left key smaller than
//! the one before means the inputs were not in order: the statement fails
//! (XX000) rather than give wrong rows.

use std::cmp::Ordering;
use std::ops::Bound;

use rocksgres_storage::{Direction, KeyRange, Transaction};

use crate::error::{EngineError, Result};
use crate::exec::ctx::Ctx;
use crate::exec::instrument::ScanTimer;
use crate::exec::join_emit;
use crate::exec::row::decode_columns;
use crate::exec::run::{run, Flow, Sink};
use crate::exec::spill::TupleStore;
use crate::keys;
use crate::plan::expr::Expr;
use crate::plan::join_plan::HashKeys;
use crate::plan::node::{JoinKind, Node, ScanPlan};
use crate::types::{compare_typed, SqlType, Value};

/// Runs the merge join of `left` and the table scan `right` on `keys`
/// (one key: the first primary-key column of each side).
pub(crate) fn run_merge_join<'a, T: Transaction>(
    left: &Node,
    right: &Node,
    kind: JoinKind,
    on: Option<&Expr>,
    keys: &HashKeys,
    ctx: &mut Ctx<'a, T>,
    sink: &mut Sink<'_, 'a, T>,
) -> Result<Flow> {
    let (Node::Scan(scan), [lkey], [rkey], [ty]) = (
        right,
        keys.left.as_slice(),
        keys.right.as_slice(),
        keys.types.as_slice(),
    ) else {
        return Err(EngineError::internal(
            "merge join over other than a table scan",
        ));
    };
    let mut inner = Inner::open(scan, rkey, ctx)?;
    let mut group = TupleStore::new(ctx.spill_env());
    let mut group_key: Option<Value> = None;
    let mut last: Option<Value> = None;
    let right_width = right.width();
    let mut joined = Vec::new();
    let flow = run(left, ctx, &mut |ctx, lrow| {
        let key = lkey.eval(lrow, ctx)?;
        if key.is_null() {
            return join_emit::on_no_match(kind, lrow, right_width, &mut joined, ctx, sink);
        }
        if let Some(prev) = &last {
            match cmp(ty, prev, &key) {
                Ordering::Greater => {
                    return Err(EngineError::internal("merge join input out of key order"))
                }
                Ordering::Equal => {}
                Ordering::Less => last = Some(key.clone()),
            }
        } else {
            last = Some(key.clone());
        }
        let same = group_key
            .as_ref()
            .is_some_and(|g| cmp(ty, g, &key) == Ordering::Equal);
        if !same {
            group.clear();
            group_key = None;
            inner.skip_below(&key, ty, ctx)?;
            while inner.at_key(&key, ty) {
                group.push(&inner.row)?;
                inner.advance(ctx)?;
            }
            if !group.is_empty() {
                group_key = Some(key);
            }
        }
        group.rewind();
        join_emit::join_candidates(
            kind,
            lrow,
            &mut group,
            right_width,
            on,
            &mut joined,
            ctx,
            sink,
        )
    });
    if let Some(t) = inner.timer.take() {
        t.finish(ctx, scan);
    }
    flow
}

/// Two non-NULL keys of type `ty`, compared.
fn cmp(ty: &SqlType, a: &Value, b: &Value) -> Ordering {
    compare_typed(ty, a, b).unwrap_or(Ordering::Equal)
}

/// The right input: its table's rows in primary-key order, those its
/// filter keeps, one at a time.
struct Inner<'p, C> {
    scan: &'p ScanPlan,
    key: &'p Expr,
    cursor: C,
    /// The current row (valid unless `done`).
    row: Vec<Value>,
    /// Its key.
    row_key: Value,
    done: bool,
    /// EXPLAIN ANALYZE's count of the rows read.
    timer: Option<ScanTimer>,
}

impl<'p, C> Inner<'p, C> {
    /// Opens a cursor over the whole primary index of `scan`'s table, at
    /// its first row.
    fn open<T: Transaction<Cursor = C>>(
        scan: &'p ScanPlan,
        key: &'p Expr,
        ctx: &mut Ctx<'_, T>,
    ) -> Result<Self> {
        let mut lo = Vec::new();
        keys::index_prefix(&mut lo, scan.table.storage_id, keys::PRIMARY_INDEX);
        let mut hi = Vec::new();
        keys::prefix_end(&lo, &mut hi);
        let mut cursor = ctx.txn.cursor();
        ctx.txn.seek(
            &mut cursor,
            KeyRange {
                start: Bound::Included(&lo),
                end: Bound::Excluded(&hi),
            },
            Direction::Forward,
        )?;
        let mut inner = Inner {
            scan,
            key,
            cursor,
            row: Vec::new(),
            row_key: Value::Null,
            done: false,
            timer: ScanTimer::start(ctx),
        };
        inner.advance(ctx)?;
        Ok(inner)
    }

    /// Moves to the next row the scan's filter keeps (or to the end).
    fn advance<T: Transaction<Cursor = C>>(&mut self, ctx: &mut Ctx<'_, T>) -> Result<()> {
        loop {
            ctx.check_interrupt()?;
            let Some((_, v)) = ctx.txn.next(&mut self.cursor)? else {
                self.done = true;
                return Ok(());
            };
            decode_columns(
                &self.scan.table,
                v,
                &mut self.row,
                self.scan.needed.as_deref(),
            )?;
            if let Some(filter) = &self.scan.filter {
                if !filter.holds(&self.row, ctx)? {
                    crate::exec::instrument::filtered_out(ctx, self.scan);
                    continue;
                }
            }
            self.row_key = self.key.eval(&self.row, ctx)?;
            if let Some(t) = self.timer.as_mut() {
                t.row();
            }
            return Ok(());
        }
    }

    /// Moves past the rows whose key is below `key`.
    fn skip_below<T: Transaction<Cursor = C>>(
        &mut self,
        key: &Value,
        ty: &SqlType,
        ctx: &mut Ctx<'_, T>,
    ) -> Result<()> {
        while !self.done && cmp(ty, &self.row_key, key) == Ordering::Less {
            self.advance(ctx)?;
        }
        Ok(())
    }

    /// Whether the current row's key is `key`.
    fn at_key(&self, key: &Value, ty: &SqlType) -> bool {
        !self.done && cmp(ty, &self.row_key, key) == Ordering::Equal
    }
}
