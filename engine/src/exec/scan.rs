//! Reading the rows a [`ScanPlan`] selects, streaming, through a storage
//! cursor; the scan's filter is applied here.

use std::ops::Bound;

use rocksgres_codec::prefix_successor;
use rocksgres_storage::{Direction, KeyRange, Transaction};

use crate::catalog::IndexColumn;
use crate::error::Result;
use crate::exec::ctx::Ctx;
use crate::exec::row::{decode_values, push_key_value};
use crate::exec::run::Flow;
use crate::keys;
use crate::plan::expr::Expr;
use crate::plan::node::{Access, ScanPlan};
use crate::types::{cast, CastKind, SqlType, Value};

/// Evaluates a key expression cast to the key column's type; `None` when it
/// cannot match any row (NULL, or outside the column type's range).
fn key_value<T: Transaction>(
    e: &Expr,
    ty: &SqlType,
    ctx: &mut Ctx<'_, T>,
) -> Result<Option<Value>> {
    let v = e.eval(&[], ctx)?;
    if v.is_null() {
        return Ok(None);
    }
    Ok(cast(v, ty, CastKind::Implicit).ok())
}

fn borrow(b: &Bound<Vec<u8>>) -> Bound<&[u8]> {
    match b {
        Bound::Included(k) => Bound::Included(k.as_slice()),
        Bound::Excluded(k) => Bound::Excluded(k.as_slice()),
        Bound::Unbounded => Bound::Unbounded,
    }
}

/// A consumer of scanned rows: `(ctx, primary key, row)`.
pub type RowSink<'s, 'a, T> = dyn FnMut(&mut Ctx<'a, T>, &[u8], &[Value]) -> Result<Flow> + 's;

/// Calls `f(ctx, key, row)` for every row of the scan that passes its filter.
pub fn scan_rows<'a, T: Transaction>(
    scan: &ScanPlan,
    ctx: &mut Ctx<'a, T>,
    f: &mut RowSink<'_, 'a, T>,
) -> Result<Flow> {
    let table = &scan.table;
    let mut start = Vec::new();
    keys::index_prefix(&mut start, table.storage_id, keys::PRIMARY_INDEX);
    let pk = &table.primary().columns;
    let mut row = Vec::new();
    let (lo, hi): OwnedBounds = match &scan.access {
        Access::Full => {
            let mut end = Vec::new();
            keys::prefix_end(&start, &mut end);
            (Bound::Included(start), Bound::Excluded(end))
        }
        Access::PkPoint(values) => {
            for (e, ic) in values.iter().zip(pk) {
                let Some(v) = key_value(e, &table.columns[ic.column].ty, ctx)? else {
                    return Ok(Flow::Continue);
                };
                push_key_value(&mut start, &v, ic)?;
            }
            let mut out = Vec::new();
            let found = if scan.lock {
                ctx.txn.get_for_update(&start, &mut out)?
            } else {
                ctx.txn.get(&start, &mut out)?
            };
            if found {
                decode_values(table, &out, &mut row)?;
                if let Some(filter) = &scan.filter {
                    if !filter.holds(&row, ctx)? {
                        return Ok(Flow::Continue);
                    }
                }
                return f(ctx, &start, &row);
            }
            return Ok(Flow::Continue);
        }
        Access::IndexScan { .. } => (Bound::Unbounded, Bound::Unbounded),
        Access::PkRange { lower, upper } => {
            let ic = &pk[0];
            let col = Some((ic, &table.columns[ic.column].ty));
            match range_bounds(&start, col, lower, upper, ctx)? {
                Some(bounds) => bounds,
                None => return Ok(Flow::Continue),
            }
        }
    };
    if let Access::IndexScan {
        index,
        eq,
        lower,
        upper,
    } = &scan.access
    {
        return scan_index(scan, *index, eq, lower, upper, ctx, f);
    }
    let range = KeyRange {
        start: borrow(&lo),
        end: borrow(&hi),
    };
    let direction = if scan.reverse {
        Direction::Backward
    } else {
        Direction::Forward
    };
    let mut cursor = ctx.txn.cursor();
    ctx.txn.seek(&mut cursor, range, direction)?;
    let mut key = Vec::new();
    loop {
        ctx.check_interrupt()?;
        match ctx.txn.next(&mut cursor)? {
            None => return Ok(Flow::Continue),
            Some((k, v)) => {
                key.clear();
                key.extend_from_slice(k);
                decode_values(table, v, &mut row)?;
            }
        }
        if let Some(filter) = &scan.filter {
            if !filter.holds(&row, ctx)? {
                continue;
            }
        }
        if scan.lock && !lock_and_recheck(scan, &key, &mut row, ctx)? {
            continue;
        }
        if f(ctx, &key, &row)? == Flow::Stop {
            return Ok(Flow::Stop);
        }
    }
}

/// FOR UPDATE: locks the row, replaces `row` by its newest version and
/// re-checks the filter on it; `false` when it was deleted or no longer
/// matches (PostgreSQL's EvalPlanQual).
fn lock_and_recheck<T: Transaction>(
    scan: &ScanPlan,
    key: &[u8],
    row: &mut Vec<Value>,
    ctx: &mut Ctx<'_, T>,
) -> Result<bool> {
    let mut value = Vec::new();
    if !ctx.txn.get_for_update(key, &mut value)? {
        return Ok(false);
    }
    decode_values(&scan.table, &value, row)?;
    match &scan.filter {
        Some(filter) => filter.holds(row, ctx),
        None => Ok(true),
    }
}

type KeyBound = Option<(Expr, bool)>;

/// A key range's lower and upper bound, owned.
type OwnedBounds = (Bound<Vec<u8>>, Bound<Vec<u8>>);

/// The key range of a range scan: the keys starting with `prefix`, narrowed
/// by `lower` and `upper` on the key column `col` that follows the prefix
/// (bounds are ignored when there is no such column). `None` when a bound
/// cannot match any row, so the range is empty.
fn range_bounds<T: Transaction>(
    prefix: &[u8],
    col: Option<(&IndexColumn, &SqlType)>,
    lower: &KeyBound,
    upper: &KeyBound,
    ctx: &mut Ctx<'_, T>,
) -> Result<Option<OwnedBounds>> {
    let lo = match (lower, col) {
        (Some((e, inclusive)), Some((ic, ty))) => {
            let Some(k) = bound_key(prefix, e, ic, ty, !*inclusive, ctx)? else {
                return Ok(None);
            };
            Bound::Included(k)
        }
        _ => Bound::Included(prefix.to_vec()),
    };
    let hi = match (upper, col) {
        (Some((e, inclusive)), Some((ic, ty))) => {
            let Some(k) = bound_key(prefix, e, ic, ty, *inclusive, ctx)? else {
                return Ok(None);
            };
            Bound::Excluded(k)
        }
        _ => {
            let mut end = Vec::new();
            keys::prefix_end(prefix, &mut end);
            Bound::Excluded(end)
        }
    };
    Ok(Some((lo, hi)))
}

/// `prefix` followed by the key encoding of `e`, or, when `past_equal`, the
/// first key after every key starting with that (so keys equal to `e` fall
/// below it). `None` when `e` cannot match any row.
fn bound_key<T: Transaction>(
    prefix: &[u8],
    e: &Expr,
    ic: &IndexColumn,
    ty: &SqlType,
    past_equal: bool,
    ctx: &mut Ctx<'_, T>,
) -> Result<Option<Vec<u8>>> {
    let Some(v) = key_value(e, ty, ctx)? else {
        return Ok(None);
    };
    let mut k = prefix.to_vec();
    push_key_value(&mut k, &v, ic)?;
    if !past_equal {
        return Ok(Some(k));
    }
    let mut succ = Vec::new();
    prefix_successor(&k, &mut succ);
    Ok(Some(succ))
}

/// Reads rows through a secondary index.
fn scan_index<'a, T: Transaction>(
    scan: &ScanPlan,
    index: usize,
    eq: &[Expr],
    lower: &KeyBound,
    upper: &KeyBound,
    ctx: &mut Ctx<'a, T>,
    f: &mut RowSink<'_, 'a, T>,
) -> Result<Flow> {
    let table = &scan.table;
    let ix = &table.indexes[index];
    let mut prefix = Vec::new();
    keys::index_prefix(&mut prefix, table.storage_id, ix.id);
    for (e, ic) in eq.iter().zip(&ix.columns) {
        let Some(v) = key_value(e, &table.columns[ic.column].ty, ctx)? else {
            return Ok(Flow::Continue);
        };
        push_key_value(&mut prefix, &v, ic)?;
    }
    let col = ix
        .columns
        .get(eq.len())
        .map(|ic| (ic, &table.columns[ic.column].ty));
    let Some((lo, hi)) = range_bounds(&prefix, col, lower, upper, ctx)? else {
        return Ok(Flow::Continue);
    };
    let range = KeyRange {
        start: borrow(&lo),
        end: borrow(&hi),
    };
    let mut cursor = ctx.txn.cursor();
    let direction = if scan.reverse {
        Direction::Backward
    } else {
        Direction::Forward
    };
    ctx.txn.seek(&mut cursor, range, direction)?;
    let mut pk_key = Vec::new();
    let mut value = Vec::new();
    let mut row = Vec::new();
    loop {
        ctx.check_interrupt()?;
        match ctx.txn.next(&mut cursor)? {
            None => return Ok(Flow::Continue),
            Some((_, pk)) => {
                keys::index_prefix(&mut pk_key, table.storage_id, keys::PRIMARY_INDEX);
                pk_key.extend_from_slice(pk);
            }
        }
        if !ctx.txn.get(&pk_key, &mut value)? {
            // An entry whose row this snapshot cannot see (never happens for
            // a consistent snapshot; tolerated rather than trusted).
            continue;
        }
        decode_values(table, &value, &mut row)?;
        if let Some(filter) = &scan.filter {
            if !filter.holds(&row, ctx)? {
                continue;
            }
        }
        if scan.lock && !lock_and_recheck(scan, &pk_key, &mut row, ctx)? {
            continue;
        }
        if f(ctx, &pk_key, &row)? == Flow::Stop {
            return Ok(Flow::Stop);
        }
    }
}
