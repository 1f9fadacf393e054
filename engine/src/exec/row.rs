//! Encoding table rows and primary keys into store keys and values.
//!
//! A row is stored under its primary-key key (see [`crate::keys`]) with all
//! physical columns (dropped ones as NULL) in `rocksgres-codec`'s row format.
//! Columns a stored row lacks (added by ALTER TABLE later) read as NULL.

use rocksgres_codec::{encode_key_column, Datum, RowEncoder, RowRef, SortOrder};

use crate::catalog::{IndexColumn, TableDesc};
use crate::error::{EngineError, Result, SqlState};
use crate::exec::typed_key;
use crate::keys;
use crate::types::{SqlType, Value};

/// The sort order of an index column.
pub fn sort_order(ic: &IndexColumn) -> SortOrder {
    SortOrder::new(ic.descending, ic.nulls_first)
}

/// Appends one key column of type `ty` to `buf` (a nested key for the
/// types whose plain encoding does not keep their order, see
/// [`crate::exec::typed_key`]).
pub fn push_key_value(
    buf: &mut Vec<u8>,
    value: &Value,
    ty: &SqlType,
    ic: &IndexColumn,
) -> Result<()> {
    if !value.is_null() && typed_key::is_typed(ty) {
        return typed_key::push_typed_key(buf, value, ty, sort_order(ic));
    }
    encode_key_column(buf, &value.to_datum(), sort_order(ic)).map_err(|e| {
        EngineError::new(
            SqlState::InvalidParameterValue,
            format!("cannot encode key value: {e}"),
        )
    })
}

/// Writes the primary-index key of `row` into `buf`. `rowid` is used for
/// tables with a hidden row id.
pub fn primary_key(buf: &mut Vec<u8>, table: &TableDesc, row: &[Value], rowid: i64) -> Result<()> {
    keys::index_prefix(buf, table.storage_id, keys::PRIMARY_INDEX);
    let pk = &table.primary().columns;
    if pk.is_empty() {
        encode_key_column(buf, &Datum::Int8(rowid), SortOrder::ASC)
            .map_err(|e| EngineError::internal(format!("row id key: {e}")))?;
        return Ok(());
    }
    for ic in pk {
        push_key_value(buf, &row[ic.column], &table.columns[ic.column].ty, ic)?;
    }
    Ok(())
}

/// Encodes a full row (one value per physical column) into `buf`.
pub fn encode_values(buf: &mut Vec<u8>, row: &[Value]) {
    buf.clear();
    let mut encoder = RowEncoder::begin(buf, row.len());
    for v in row {
        encoder.push(&v.to_datum());
    }
    encoder.finish();
}

/// Decodes a stored row into `out`, one value per column. The values `out`
/// already holds are overwritten in place (their text buffers reused).
pub fn decode_values(table: &TableDesc, bytes: &[u8], out: &mut Vec<Value>) -> Result<()> {
    decode_columns(table, bytes, out, None)
}

/// [`decode_values`] for the columns marked in `needed` (all when `None`);
/// the others are set to NULL (see [`crate::plan::optimize::prune`]).
pub fn decode_columns(
    table: &TableDesc,
    bytes: &[u8],
    out: &mut Vec<Value>,
    needed: Option<&[bool]>,
) -> Result<()> {
    out.truncate(table.columns.len());
    out.resize(table.columns.len(), Value::Null);
    decode_columns_into(table, bytes, out, needed)
}

/// [`decode_columns`] into a slice of one value per column of `table`
/// (a row's place in a larger buffer, such as a parallel scan's batch).
pub fn decode_columns_into(
    table: &TableDesc,
    bytes: &[u8],
    out: &mut [Value],
    needed: Option<&[bool]>,
) -> Result<()> {
    decode_into(table, bytes, out, needed, false)
}

/// Decodes the columns `which` flags of the stored row `bytes` into
/// `out`, leaving the other slots as they are: a scan that decoded its
/// filter's columns first decodes the rest of a row that passed.
pub fn decode_more_columns(
    table: &TableDesc,
    bytes: &[u8],
    out: &mut [Value],
    which: &[bool],
) -> Result<()> {
    decode_into(table, bytes, out, Some(which), true)
}

/// [`decode_columns_into`], the slots of columns not `needed` set to
/// NULL unless `keep_others`.
fn decode_into(
    table: &TableDesc,
    bytes: &[u8],
    out: &mut [Value],
    needed: Option<&[bool]>,
    keep_others: bool,
) -> Result<()> {
    let row = RowRef::new(bytes).map_err(corrupt)?;
    for ((i, c), slot) in table.columns.iter().enumerate().zip(out.iter_mut()) {
        if needed.is_some_and(|n| !n.get(i).copied().unwrap_or(true)) {
            if !keep_others && !slot.is_null() {
                *slot = Value::Null;
            }
            continue;
        }
        // The common types are read straight into the slot (no `Datum` in
        // between; text and numeric reuse the slot's buffers); `Some(())`
        // when done, `None` when the column is absent.
        let done = match c.ty {
            SqlType::Int2 | SqlType::Int4 | SqlType::Int8 | SqlType::Date => {
                let width = match c.ty {
                    SqlType::Int2 => 2,
                    SqlType::Int4 | SqlType::Date => 4,
                    _ => 8,
                };
                row.get_int(i, width).map_err(corrupt)?.map(|v| {
                    *slot = match (v, c.ty) {
                        (None, _) => Value::Null,
                        (Some(v), SqlType::Int2) => Value::Int2(v as i16),
                        (Some(v), SqlType::Int4) => Value::Int4(v as i32),
                        (Some(v), SqlType::Date) => Value::Date(v as i32),
                        (Some(v), _) => Value::Int8(v),
                    }
                })
            }
            SqlType::Text | SqlType::Varchar(_) | SqlType::Char(_) => row
                .get_str(i)
                .map_err(corrupt)?
                .map(|v| match (v, &mut *slot) {
                    (None, slot) => *slot = Value::Null,
                    (Some(s), Value::Text(buf)) => {
                        buf.clear();
                        buf.push_str(s);
                    }
                    (Some(s), slot) => *slot = Value::Text(s.to_owned()),
                }),
            SqlType::Numeric { .. } => {
                let written = match slot {
                    Value::Numeric(n) => row.get_numeric_into(i, n),
                    _ => {
                        let mut n = rocksgres_codec::Numeric::zero();
                        let written = row.get_numeric_into(i, &mut n);
                        if let Ok(Some(true)) = written {
                            *slot = Value::Numeric(n);
                        }
                        written
                    }
                };
                written.map_err(corrupt)?.map(|written| {
                    if !written {
                        *slot = Value::Null;
                    }
                })
            }
            _ => match row.get(i, c.ty.storage_type()).map_err(corrupt)? {
                None => None,
                Some(d) => Some(slot.set_from_datum(d, &c.ty)?),
            },
        };
        if done.is_none() {
            match &c.missing {
                Some(m) => slot.assign_from(m),
                None => *slot = Value::Null,
            }
        }
    }
    Ok(())
}

fn corrupt(e: rocksgres_codec::CodecError) -> EngineError {
    EngineError::new(SqlState::DataCorrupted, format!("corrupt row: {e}"))
}

/// A cursor positioned on every row of `table`'s primary index, in
/// `direction`.
pub fn seek_rows<T: rocksgres_storage::Transaction>(
    txn: &mut T,
    table: &TableDesc,
    direction: rocksgres_storage::Direction,
) -> Result<T::Cursor> {
    let (start, end) = keys::primary_range(table.storage_id);
    let mut cursor = txn.cursor();
    txn.seek(
        &mut cursor,
        rocksgres_storage::KeyRange::half_open(&start, &end),
        direction,
    )?;
    Ok(cursor)
}

/// Rewrites every stored row of a table in place (same key, same
/// storage): each row is decoded as `read_as` describes it, changed by
/// `change` (which may use the transaction), and written back. ALTER
/// TABLE's column rewrites (a type change, a new serial or generated
/// column) share it.
pub fn rewrite_rows<T: rocksgres_storage::Transaction>(
    txn: &mut T,
    read_as: &TableDesc,
    interrupt: &mut crate::interrupt::Interrupt,
    mut change: impl FnMut(&mut T, &mut Vec<Value>) -> Result<()>,
) -> Result<()> {
    let mut cursor = seek_rows(txn, read_as, rocksgres_storage::Direction::Forward)?;
    let (mut row, mut key, mut value) = (Vec::new(), Vec::new(), Vec::new());
    loop {
        interrupt.check()?;
        match txn.next(&mut cursor)? {
            None => return Ok(()),
            Some((k, v)) => {
                key.clear();
                key.extend_from_slice(k);
                decode_values(read_as, v, &mut row)?;
            }
        }
        change(txn, &mut row)?;
        encode_values(&mut value, &row);
        txn.put(&key, &value)?;
    }
}

/// [`describe_row`] of a stored row's visible columns (what PostgreSQL's
/// "Failing row contains ..." shows: dropped columns left out).
pub fn describe_visible(table: &TableDesc, row: &[Value]) -> String {
    let visible: Vec<Value> = table
        .visible_columns()
        .map(|(i, _)| row[i].clone())
        .collect();
    describe_row(&visible)
}

/// Renders `(a, b, c)` for error details ("Failing row contains ...").
pub fn describe_row(row: &[Value]) -> String {
    let mut s = String::from("(");
    for (i, v) in row.iter().enumerate() {
        if i > 0 {
            s.push_str(", ");
        }
        if v.is_null() {
            s.push_str("null");
        } else {
            v.write_text(&mut s);
        }
    }
    s.push(')');
    s
}
