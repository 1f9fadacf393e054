//! Reading the rows a [`ScanPlan`] selects, streaming, through a storage
//! cursor; the scan's filter is applied here.

use std::ops::Bound;

use rocksgres_codec::prefix_successor;
use rocksgres_storage::{Direction, KeyRange, Transaction};

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
    let (lo, hi): (Bound<Vec<u8>>, Bound<Vec<u8>>) = match &scan.access {
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
            if ctx.txn.get(&start, &mut out)? {
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
        Access::PkRange { lower, upper } => {
            let ic = &pk[0];
            let ty = table.columns[ic.column].ty;
            let prefix = start;
            let lo = match lower {
                None => Bound::Included(prefix.clone()),
                Some((e, inclusive)) => {
                    let Some(v) = key_value(e, &ty, ctx)? else {
                        return Ok(Flow::Continue);
                    };
                    let mut k = prefix.clone();
                    push_key_value(&mut k, &v, ic)?;
                    if *inclusive {
                        Bound::Included(k)
                    } else {
                        let mut succ = Vec::new();
                        prefix_successor(&k, &mut succ);
                        Bound::Included(succ)
                    }
                }
            };
            let hi = match upper {
                None => {
                    let mut end = Vec::new();
                    keys::prefix_end(&prefix, &mut end);
                    Bound::Excluded(end)
                }
                Some((e, inclusive)) => {
                    let Some(v) = key_value(e, &ty, ctx)? else {
                        return Ok(Flow::Continue);
                    };
                    let mut k = prefix.clone();
                    push_key_value(&mut k, &v, ic)?;
                    if *inclusive {
                        let mut succ = Vec::new();
                        prefix_successor(&k, &mut succ);
                        Bound::Excluded(succ)
                    } else {
                        Bound::Excluded(k)
                    }
                }
            };
            (lo, hi)
        }
    };
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
        if f(ctx, &key, &row)? == Flow::Stop {
            return Ok(Flow::Stop);
        }
    }
}
