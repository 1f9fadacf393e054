//! Reading the rows a [`ScanPlan`] selects, streaming, through a storage
//! cursor; the scan's filter is applied here.

use std::ops::Bound;

use rocksgres_codec::{decode_key_column, INDEX_PREFIX_LEN};
use rocksgres_storage::{Direction, KeyRange, Transaction};

use crate::catalog::{IndexColumn, IndexDesc, TableDesc};
use crate::error::{EngineError, Result, SqlState};
use crate::exec::ctx::Ctx;
use crate::exec::key_bounds::{narrow_range, RangeEnd};
use crate::exec::row::{decode_columns, decode_values, push_key_value, sort_order};
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
    /// Resuming (see [`scan_rows_resuming`]): where the scan left off and
    /// the position of the row read last.
    resume: Option<Resume>,
}

/// The positions of a resumed scan.
struct Resume {
    /// Start after this position (`None`: from the start).
    after: Option<Vec<u8>>,
    /// The position of the row read last.
    last: Vec<u8>,
}

impl Resume {
    /// Narrows the range `[lo, hi)` to what follows `after` in the scan's
    /// direction.
    fn narrow(&self, reverse: bool, lo: &mut Vec<u8>, hi: &mut Vec<u8>) {
        let Some(after) = &self.after else {
            return;
        };
        if reverse {
            if after.as_slice() < hi.as_slice() {
                hi.clear();
                hi.extend_from_slice(after);
            }
        } else {
            // The first key after `after`.
            let mut next = after.clone();
            next.push(0);
            if next.as_slice() > lo.as_slice() {
                *lo = next;
            }
        }
    }

    /// Records `pos` as the position read last.
    fn record(resume: &mut Option<Resume>, pos: &[u8]) {
        if let Some(r) = resume {
            r.last.clear();
            r.last.extend_from_slice(pos);
        }
    }
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
            resume: None,
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
    scan_with(scan, ctx, None, f).map(|(flow, _)| flow)
}

/// [`scan_rows`] for a consumer that needs neither the rows' order nor
/// their keys (`f` gets an empty key): a large table may be read by
/// several threads ([`crate::exec::parallel_scan`]).
pub fn scan_rows_any_order<'a, T: Transaction>(
    scan: &ScanPlan,
    ctx: &mut Ctx<'a, T>,
    f: &mut RowSink<'_, 'a, T>,
) -> Result<Flow> {
    if let Some(flow) = crate::exec::parallel_scan::try_scan(scan, ctx, f)? {
        return Ok(flow);
    }
    scan_rows(scan, ctx, f)
}

/// [`scan_rows`] for a scan resumed later (see [`crate::exec::resume`]):
/// starts after position `after` (a key of the index it reads, from an
/// earlier call; `None`: from the start) and returns, with the flow, the
/// position of the last row it read, the one `f` stopped at when it
/// returned [`Flow::Stop`]. Not for locking scans.
pub fn scan_rows_resuming<'a, T: Transaction>(
    scan: &ScanPlan,
    ctx: &mut Ctx<'a, T>,
    after: Option<Vec<u8>>,
    f: &mut RowSink<'_, 'a, T>,
) -> Result<(Flow, Vec<u8>)> {
    let resume = Resume {
        after,
        last: Vec::new(),
    };
    scan_with(scan, ctx, Some(resume), f)
        .map(|(flow, r)| (flow, r.map(|r| r.last).unwrap_or_default()))
}

fn scan_with<'a, T: Transaction>(
    scan: &ScanPlan,
    ctx: &mut Ctx<'a, T>,
    resume: Option<Resume>,
    f: &mut RowSink<'_, 'a, T>,
) -> Result<(Flow, Option<Resume>)> {
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
    bufs.resume = resume;
    let r = match &scan.access {
        Access::IndexScan {
            index,
            eq,
            lower,
            upper,
        } => scan_index(
            scan,
            *index,
            eq,
            (one_value(lower), one_value(upper)),
            ctx,
            f,
            &mut bufs,
        ),
        Access::KeyRange {
            index,
            eq,
            lower,
            upper,
        } if *index != 0 => scan_index(
            scan,
            *index,
            eq,
            (many_values(lower), many_values(upper)),
            ctx,
            f,
            &mut bufs,
        ),
        _ => scan_primary(scan, ctx, f, &mut bufs),
    };
    let resume = bufs.resume.take();
    bufs.give(ctx);
    Ok((r?, resume))
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
            if bufs.resume.as_ref().is_some_and(|r| r.after.is_some()) {
                // Its one row was read before.
                return Ok(Flow::Continue);
            }
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
            Resume::record(&mut bufs.resume, &bufs.lo);
            if let Some(filter) = &scan.filter {
                if !filter.holds(&bufs.row, ctx)? {
                    crate::exec::instrument::filtered_out(ctx, scan);
                    return Ok(Flow::Continue);
                }
            }
            return f(ctx, &bufs.lo, &bufs.row);
        }
        Access::PkRange { lower, upper } => {
            if !narrow_range(
                table,
                &pk[..1],
                one_value(lower),
                one_value(upper),
                ctx,
                &mut bufs.lo,
                &mut bufs.hi,
            )? {
                return Ok(Flow::Continue);
            }
        }
        Access::KeyRange {
            eq, lower, upper, ..
        } => {
            // The primary index itself (`index` 0).
            if !key_prefix(table, 0, eq, ctx, &mut bufs.lo)?
                || !narrow_range(
                    table,
                    key_columns(table, 0, eq.len()),
                    many_values(lower),
                    many_values(upper),
                    ctx,
                    &mut bufs.lo,
                    &mut bufs.hi,
                )?
            {
                return Ok(Flow::Continue);
            }
        }
    }
    let direction = if scan.reverse {
        Direction::Backward
    } else {
        Direction::Forward
    };
    if let Some(r) = &bufs.resume {
        r.narrow(scan.reverse, &mut bufs.lo, &mut bufs.hi);
    }
    let mut cursor = ctx.txn.cursor();
    ctx.txn.seek(&mut cursor, bufs.range(), direction)?;
    loop {
        ctx.check_interrupt()?;
        // The key stays borrowed from the cursor (valid until its next
        // use): no copy per row.
        let Some((k, v)) = ctx.txn.next(&mut cursor)? else {
            return Ok(Flow::Continue);
        };
        decode_columns(table, v, &mut bufs.row, scan.needed.as_deref())?;
        Resume::record(&mut bufs.resume, k);
        if !sampled(&mut bufs.sampler, k) {
            continue;
        }
        if let Some(filter) = &scan.filter {
            if !filter.holds(&bufs.row, ctx)? {
                crate::exec::instrument::filtered_out(ctx, scan);
                continue;
            }
        }
        if scan.lock.is_some() && !lock_and_recheck(scan, k, &mut bufs.row, ctx)? {
            continue;
        }
        if f(ctx, k, &bufs.row)? == Flow::Stop {
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

/// A one-column range end as [`narrow_range`] takes it.
fn one_value(end: &Option<(Expr, bool)>) -> RangeEnd<'_> {
    end.as_ref()
        .map(|(e, inclusive)| (std::slice::from_ref(e), *inclusive))
}

/// A row-comparison range end as [`narrow_range`] takes it.
fn many_values(end: &Option<(Vec<Expr>, bool)>) -> RangeEnd<'_> {
    end.as_ref()
        .map(|(v, inclusive)| (v.as_slice(), *inclusive))
}

/// Writes into `out` the key prefix of index `index` (0: the primary
/// index) followed by the equality values `eq` of its leading columns;
/// `false` when one of them cannot match any row.
fn key_prefix<T: Transaction>(
    table: &TableDesc,
    index: usize,
    eq: &[Expr],
    ctx: &mut Ctx<'_, T>,
    out: &mut Vec<u8>,
) -> Result<bool> {
    let ix = &table.indexes[index];
    let id = if index == 0 {
        keys::PRIMARY_INDEX
    } else {
        ix.id
    };
    keys::index_prefix(out, table.storage_id, id);
    for (e, ic) in eq.iter().zip(&ix.columns) {
        let ty = &table.columns[ic.column].ty;
        let Some(v) = key_value(e, ty, ctx)? else {
            return Ok(false);
        };
        push_key_value(out, &v, ty, ic)?;
    }
    Ok(true)
}

/// The key columns of index `index` after its first `skip`.
fn key_columns(table: &TableDesc, index: usize, skip: usize) -> &[IndexColumn] {
    let columns = &table.indexes[index].columns;
    &columns[skip.min(columns.len())..]
}

/// Reads rows through a secondary index.
#[allow(clippy::too_many_arguments)]
fn scan_index<'a, T: Transaction>(
    scan: &ScanPlan,
    index: usize,
    eq: &[Expr],
    (lower, upper): (RangeEnd<'_>, RangeEnd<'_>),
    ctx: &mut Ctx<'a, T>,
    f: &mut RowSink<'_, 'a, T>,
    bufs: &mut ScanBufs,
) -> Result<Flow> {
    let table = &scan.table;
    if !key_prefix(table, index, eq, ctx, &mut bufs.lo)?
        || !narrow_range(
            table,
            key_columns(table, index, eq.len()),
            lower,
            upper,
            ctx,
            &mut bufs.lo,
            &mut bufs.hi,
        )?
    {
        return Ok(Flow::Continue);
    }
    if let Some(r) = &bufs.resume {
        r.narrow(scan.reverse, &mut bufs.lo, &mut bufs.hi);
    }
    let mut cursor = ctx.txn.cursor();
    let direction = if scan.reverse {
        Direction::Backward
    } else {
        Direction::Forward
    };
    ctx.txn.seek(&mut cursor, bufs.range(), direction)?;
    let ix = &table.indexes[index];
    loop {
        ctx.check_interrupt()?;
        match ctx.txn.next(&mut cursor)? {
            None => return Ok(Flow::Continue),
            Some((k, pk)) => {
                keys::index_prefix(&mut bufs.key, table.storage_id, keys::PRIMARY_INDEX);
                bufs.key.extend_from_slice(pk);
                Resume::record(&mut bufs.resume, k);
                if scan.index_only {
                    // Every column read is in the entry (see
                    // `plan::optimize::index_only`): no read of the row.
                    decode_entry(table, ix, k, pk, &mut bufs.row)?;
                }
            }
        }
        if !scan.index_only {
            if !sampled(&mut bufs.sampler, &bufs.key) {
                continue;
            }
            if !ctx.txn.get(&bufs.key, &mut bufs.value)? {
                // An entry whose row this snapshot cannot see (never
                // happens for a consistent snapshot; tolerated rather
                // than trusted).
                continue;
            }
            decode_columns(table, &bufs.value, &mut bufs.row, scan.needed.as_deref())?;
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

/// The row of an index-only scan from an index entry of `ix`: its key
/// columns from the entry's key `key` (after the index prefix), the
/// primary key's from `pk` (the entry's value, the row's key after the
/// primary index prefix); the other columns NULL (the plan reads none of
/// them).
fn decode_entry(
    table: &TableDesc,
    ix: &IndexDesc,
    key: &[u8],
    pk: &[u8],
    row: &mut Vec<Value>,
) -> Result<()> {
    row.clear();
    row.resize(table.columns.len(), Value::Null);
    let mut input = key.get(INDEX_PREFIX_LEN..).unwrap_or_default();
    for ic in &ix.columns {
        decode_key_into(table, ic, &mut input, row)?;
    }
    let mut input = pk;
    for ic in &table.primary().columns {
        decode_key_into(table, ic, &mut input, row)?;
    }
    Ok(())
}

/// Decodes key column `ic` from the front of `input` into its slot of
/// `row`.
fn decode_key_into(
    table: &TableDesc,
    ic: &IndexColumn,
    input: &mut &[u8],
    row: &mut [Value],
) -> Result<()> {
    let ty = &table.columns[ic.column].ty;
    let datum = decode_key_column(input, ty.storage_type(), sort_order(ic)).map_err(|e| {
        EngineError::new(
            SqlState::DataCorrupted,
            format!("index entry of table \"{}\": {e}", table.name),
        )
    })?;
    row[ic.column] = Value::from_datum(datum, ty)?;
    Ok(())
}
