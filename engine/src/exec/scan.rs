//! Reading the rows a [`ScanPlan`] selects, streaming, through a storage
//! cursor; the scan's filter is applied here.

use std::ops::Bound;

use rocksgres_codec::prefix_successor;
use rocksgres_storage::{Direction, KeyRange, Transaction};

use crate::catalog::IndexColumn;
use crate::error::Result;
use crate::exec::ctx::Ctx;
use crate::exec::row::{decode_columns, decode_values, push_key_value};
use crate::exec::run::Flow;
use crate::exec::sample::Sampler;
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

/// A consumer of scanned rows: `(ctx, primary key, row)`.
pub type RowSink<'s, 'a, T> = dyn FnMut(&mut Ctx<'a, T>, &[u8], &[Value]) -> Result<Flow> + 's;

/// The buffers one scan works in, borrowed from the statement's
/// [`crate::exec::scratch::Scratch`] and given back when it ends.
struct ScanBufs {
    /// The range's start (and the key prefix being built).
    lo: Vec<u8>,
    /// The range's end (exclusive).
    hi: Vec<u8>,
    /// The current row's primary key.
    key: Vec<u8>,
    /// A value read by a point read.
    value: Vec<u8>,
    /// The current row, decoded.
    row: Vec<Value>,
    /// `TABLESAMPLE`: which rows are kept.
    sampler: Option<Sampler>,
}

impl ScanBufs {
    fn take<T: Transaction>(ctx: &mut Ctx<'_, T>) -> Self {
        let s = &mut ctx.scratch;
        ScanBufs {
            lo: s.take_bytes(),
            hi: s.take_bytes(),
            key: s.take_bytes(),
            value: s.take_bytes(),
            row: s.take_row(),
            sampler: None,
        }
    }

    fn give<T: Transaction>(self, ctx: &mut Ctx<'_, T>) {
        let s = &mut ctx.scratch;
        s.give_bytes(self.lo);
        s.give_bytes(self.hi);
        s.give_bytes(self.key);
        s.give_bytes(self.value);
        s.give_row(self.row);
    }

    /// The range `[lo, hi)`.
    fn range(&self) -> KeyRange<'_> {
        KeyRange {
            start: Bound::Included(&self.lo),
            end: Bound::Excluded(&self.hi),
        }
    }
}

/// Whether the row of key `key` is in the sample (always without
/// `TABLESAMPLE`).
fn sampled(sampler: &mut Option<Sampler>, key: &[u8]) -> bool {
    sampler.as_mut().is_none_or(|s| s.keep(key))
}

/// Calls `f(ctx, key, row)` for every row of the scan that passes its filter.
pub fn scan_rows<'a, T: Transaction>(
    scan: &ScanPlan,
    ctx: &mut Ctx<'a, T>,
    f: &mut RowSink<'_, 'a, T>,
) -> Result<Flow> {
    let sampler = match &scan.sample {
        None => None,
        Some(sample) => {
            let percent = sample.percent.eval(&[], ctx)?;
            let seed = match &sample.seed {
                Some(e) => Some(e.eval(&[], ctx)?),
                None => None,
            };
            let (p, seed) = crate::plan::tablesample::check_arguments(&percent, seed.as_ref())?;
            Some(Sampler::new(sample.bernoulli, p, seed)?)
        }
    };
    let mut bufs = ScanBufs::take(ctx);
    bufs.sampler = sampler;
    let r = match &scan.access {
        Access::IndexScan {
            index,
            eq,
            lower,
            upper,
        } => scan_index(scan, *index, eq, lower, upper, ctx, f, &mut bufs),
        _ => scan_primary(scan, ctx, f, &mut bufs),
    };
    bufs.give(ctx);
    r
}

/// Reads rows from the primary index: one point read, or a range.
fn scan_primary<'a, T: Transaction>(
    scan: &ScanPlan,
    ctx: &mut Ctx<'a, T>,
    f: &mut RowSink<'_, 'a, T>,
    bufs: &mut ScanBufs,
) -> Result<Flow> {
    let table = &scan.table;
    keys::index_prefix(&mut bufs.lo, table.storage_id, keys::PRIMARY_INDEX);
    let pk = &table.primary().columns;
    match &scan.access {
        Access::Full | Access::IndexScan { .. } => keys::prefix_end(&bufs.lo, &mut bufs.hi),
        Access::PkPoint(values) => {
            for (e, ic) in values.iter().zip(pk) {
                let ty = &table.columns[ic.column].ty;
                let Some(v) = key_value(e, ty, ctx)? else {
                    return Ok(Flow::Continue);
                };
                push_key_value(&mut bufs.lo, &v, ty, ic)?;
            }
            let found = match scan.lock {
                Some(lock) => {
                    crate::exec::row_locks::lock_row(
                        ctx,
                        &scan.table,
                        lock,
                        &bufs.lo,
                        &mut bufs.value,
                    )? == Some(true)
                }
                None => ctx.txn.get(&bufs.lo, &mut bufs.value)?,
            };
            if !found || !sampled(&mut bufs.sampler, &bufs.lo) {
                return Ok(Flow::Continue);
            }
            decode_columns(table, &bufs.value, &mut bufs.row, scan.needed.as_deref())?;
            if let Some(filter) = &scan.filter {
                if !filter.holds(&bufs.row, ctx)? {
                    crate::exec::instrument::filtered_out(ctx, scan);
                    return Ok(Flow::Continue);
                }
            }
            return f(ctx, &bufs.lo, &bufs.row);
        }
        Access::PkRange { lower, upper } => {
            let ic = &pk[0];
            let col = Some((ic, &table.columns[ic.column].ty));
            if !range_bounds(col, lower, upper, ctx, &mut bufs.lo, &mut bufs.hi)? {
                return Ok(Flow::Continue);
            }
        }
    }
    let direction = if scan.reverse {
        Direction::Backward
    } else {
        Direction::Forward
    };
    let mut cursor = ctx.txn.cursor();
    ctx.txn.seek(&mut cursor, bufs.range(), direction)?;
    loop {
        ctx.check_interrupt()?;
        match ctx.txn.next(&mut cursor)? {
            None => return Ok(Flow::Continue),
            Some((k, v)) => {
                bufs.key.clear();
                bufs.key.extend_from_slice(k);
                decode_columns(table, v, &mut bufs.row, scan.needed.as_deref())?;
            }
        }
        if !sampled(&mut bufs.sampler, &bufs.key) {
            continue;
        }
        if let Some(filter) = &scan.filter {
            if !filter.holds(&bufs.row, ctx)? {
                crate::exec::instrument::filtered_out(ctx, scan);
                continue;
            }
        }
        if scan.lock.is_some() && !lock_and_recheck(scan, &bufs.key, &mut bufs.row, ctx)? {
            continue;
        }
        if f(ctx, &bufs.key, &bufs.row)? == Flow::Stop {
            return Ok(Flow::Stop);
        }
    }
}

/// FOR UPDATE/SHARE: locks the row, replaces `row` by its newest version
/// and re-checks the filter on it; `false` when it was deleted or no
/// longer matches (PostgreSQL's EvalPlanQual), or skipped (SKIP LOCKED).
fn lock_and_recheck<T: Transaction>(
    scan: &ScanPlan,
    key: &[u8],
    row: &mut Vec<Value>,
    ctx: &mut Ctx<'_, T>,
) -> Result<bool> {
    let Some(lock) = scan.lock else {
        return Ok(true);
    };
    let mut value = ctx.scratch.take_bytes();
    let found = crate::exec::row_locks::lock_row(ctx, &scan.table, lock, key, &mut value);
    let found = match found {
        Ok(Some(true)) => decode_values(&scan.table, &value, row).map(|()| true),
        Ok(_) => Ok(false),
        Err(e) => Err(e),
    };
    ctx.scratch.give_bytes(value);
    if !found? {
        return Ok(false);
    }
    match &scan.filter {
        Some(filter) => filter.holds(row, ctx),
        None => Ok(true),
    }
}

type KeyBound = Option<(Expr, bool)>;

/// Narrows the key range `[lo, hi)`: on entry `lo` holds a key prefix;
/// on return `lo` and `hi` are the range of the keys starting with that
/// prefix, narrowed by `lower` and `upper` on the key column `col` that
/// follows the prefix (bounds are ignored when there is no such column).
/// `false` when a bound cannot match any row, so the range is empty.
fn range_bounds<T: Transaction>(
    col: Option<(&IndexColumn, &SqlType)>,
    lower: &KeyBound,
    upper: &KeyBound,
    ctx: &mut Ctx<'_, T>,
    lo: &mut Vec<u8>,
    hi: &mut Vec<u8>,
) -> Result<bool> {
    match (upper, col) {
        (Some((e, inclusive)), Some((ic, ty))) => {
            if !bound_key(lo, e, ic, ty, *inclusive, ctx, hi)? {
                return Ok(false);
            }
        }
        _ => keys::prefix_end(lo, hi),
    }
    if let (Some((e, inclusive)), Some((ic, ty))) = (lower, col) {
        let mut prefix = ctx.scratch.take_bytes();
        prefix.extend_from_slice(lo);
        let found = bound_key(&prefix, e, ic, ty, !*inclusive, ctx, lo);
        ctx.scratch.give_bytes(prefix);
        if !found? {
            return Ok(false);
        }
    }
    Ok(true)
}

/// Writes into `out` the key `prefix` followed by the key encoding of `e`,
/// or, when `past_equal`, the first key after every key starting with
/// that (so keys equal to `e` fall below it). `false` when `e` cannot
/// match any row.
#[allow(clippy::too_many_arguments)]
fn bound_key<T: Transaction>(
    prefix: &[u8],
    e: &Expr,
    ic: &IndexColumn,
    ty: &SqlType,
    past_equal: bool,
    ctx: &mut Ctx<'_, T>,
    out: &mut Vec<u8>,
) -> Result<bool> {
    let Some(v) = key_value(e, ty, ctx)? else {
        return Ok(false);
    };
    out.clear();
    out.extend_from_slice(prefix);
    push_key_value(out, &v, ty, ic)?;
    if past_equal {
        let mut key = ctx.scratch.take_bytes();
        key.extend_from_slice(out);
        prefix_successor(&key, out);
        ctx.scratch.give_bytes(key);
    }
    Ok(true)
}

/// Reads rows through a secondary index.
#[allow(clippy::too_many_arguments)]
fn scan_index<'a, T: Transaction>(
    scan: &ScanPlan,
    index: usize,
    eq: &[Expr],
    lower: &KeyBound,
    upper: &KeyBound,
    ctx: &mut Ctx<'a, T>,
    f: &mut RowSink<'_, 'a, T>,
    bufs: &mut ScanBufs,
) -> Result<Flow> {
    let table = &scan.table;
    let ix = &table.indexes[index];
    keys::index_prefix(&mut bufs.lo, table.storage_id, ix.id);
    for (e, ic) in eq.iter().zip(&ix.columns) {
        let ty = &table.columns[ic.column].ty;
        let Some(v) = key_value(e, ty, ctx)? else {
            return Ok(Flow::Continue);
        };
        push_key_value(&mut bufs.lo, &v, ty, ic)?;
    }
    let col = ix
        .columns
        .get(eq.len())
        .map(|ic| (ic, &table.columns[ic.column].ty));
    if !range_bounds(col, lower, upper, ctx, &mut bufs.lo, &mut bufs.hi)? {
        return Ok(Flow::Continue);
    }
    let mut cursor = ctx.txn.cursor();
    let direction = if scan.reverse {
        Direction::Backward
    } else {
        Direction::Forward
    };
    ctx.txn.seek(&mut cursor, bufs.range(), direction)?;
    loop {
        ctx.check_interrupt()?;
        match ctx.txn.next(&mut cursor)? {
            None => return Ok(Flow::Continue),
            Some((_, pk)) => {
                keys::index_prefix(&mut bufs.key, table.storage_id, keys::PRIMARY_INDEX);
                bufs.key.extend_from_slice(pk);
            }
        }
        if !sampled(&mut bufs.sampler, &bufs.key) {
            continue;
        }
        if !ctx.txn.get(&bufs.key, &mut bufs.value)? {
            // An entry whose row this snapshot cannot see (never happens for
            // a consistent snapshot; tolerated rather than trusted).
            continue;
        }
        decode_columns(table, &bufs.value, &mut bufs.row, scan.needed.as_deref())?;
        if let Some(filter) = &scan.filter {
            if !filter.holds(&bufs.row, ctx)? {
                crate::exec::instrument::filtered_out(ctx, scan);
                continue;
            }
        }
        if scan.lock.is_some() && !lock_and_recheck(scan, &bufs.key, &mut bufs.row, ctx)? {
            continue;
        }
        if f(ctx, &bufs.key, &bufs.row)? == Flow::Stop {
            return Ok(Flow::Stop);
        }
    }
}
