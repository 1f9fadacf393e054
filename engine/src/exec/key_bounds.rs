//! The key range an index scan reads, from the bounds its access path
//! puts on the key columns that follow its equality prefix.
//!
//! A bound is a list of values for consecutive key columns and whether
//! keys equal to it are inside: one value for `a > $1` or `a BETWEEN x AND
//! y`, several for a row comparison `(a, b) > ($1, $2)` (keyset
//! pagination). Because the key encoding preserves order column by column,
//! "the key's leading columns compare to the bound's values as the row
//! comparison says" is a contiguous key range whose ends are the encoded
//! values (or the first key after every key starting with them).
//!
//! The range only narrows what is read: the scan still checks its whole
//! filter on every row, so a range may be wider than the condition but
//! never narrower. That decides the cases where a bound value cannot be
//! encoded as written:
//!
//! * A value is converted to the column's type *without* its type modifier
//!   (`numeric` for `numeric(10,2)`, `varchar` for `varchar(3)`): rounding
//!   `1.005` to `1.01` or rejecting a long string would move the bound.
//! * A NULL value ends the comparison: `(a, b) > (5, NULL)` holds exactly
//!   when `a > 5`, so the bound becomes "past every key starting with 5";
//!   a NULL first value matches nothing.
//! * An integer outside the column type's range (`int4_col < 10^12`) is
//!   above (or below) every key: the bound is dropped or empties the range
//!   as the comparison says. Any other value that cannot be converted
//!   widens the range to its leading values.

use rocksgres_codec::prefix_successor;
use rocksgres_storage::Transaction;

use crate::catalog::{IndexColumn, TableDesc};
use crate::error::Result;
use crate::exec::ctx::Ctx;
use crate::exec::row::push_key_value;
use crate::keys;
use crate::plan::expr::Expr;
use crate::types::{cast, CastKind, SqlType, Value};

/// One end of a key range: values for consecutive key columns, and
/// whether keys equal to them lie inside.
pub(crate) type RangeEnd<'e> = Option<(&'e [Expr], bool)>;

/// A bound value as the key columns see it.
enum BoundValue {
    /// Encodable in the column's key space.
    Value(Value),
    /// SQL NULL: the comparison is unknown from this column on.
    Null,
    /// Greater than every value of the column's type.
    Above,
    /// Less than every value of the column's type.
    Below,
    /// Not convertible for another reason: no narrowing from here on.
    Unknown,
}

fn bound_value<T: Transaction>(e: &Expr, ty: &SqlType, ctx: &mut Ctx<'_, T>) -> Result<BoundValue> {
    let v = e.eval(&[], ctx)?;
    if v.is_null() {
        return Ok(BoundValue::Null);
    }
    // char(n) keys hold the padded value, so they take the typmod.
    let target = if matches!(ty, SqlType::Char(_)) {
        *ty
    } else {
        ty.without_typmod()
    };
    let sign = if ty.is_integer() { v.as_i64() } else { None };
    Ok(match cast(v, &target, CastKind::Implicit) {
        Ok(v) => BoundValue::Value(v),
        Err(_) => match sign {
            Some(i) if i > 0 => BoundValue::Above,
            Some(_) => BoundValue::Below,
            None => BoundValue::Unknown,
        },
    })
}

/// Narrows the key range `[lo, hi)`: on entry `lo` holds a key prefix (the
/// index and its equality values); on return `lo` and `hi` are the range
/// of the keys starting with that prefix whose next columns `cols` lie
/// within `lower` and `upper`. `false` when no key can lie within them.
#[allow(clippy::too_many_arguments)]
pub(crate) fn narrow_range<T: Transaction>(
    table: &TableDesc,
    cols: &[IndexColumn],
    lower: RangeEnd<'_>,
    upper: RangeEnd<'_>,
    ctx: &mut Ctx<'_, T>,
    lo: &mut Vec<u8>,
    hi: &mut Vec<u8>,
) -> Result<bool> {
    let mut prefix = ctx.scratch.take_bytes();
    prefix.extend_from_slice(lo);
    let r = narrow(table, cols, lower, upper, ctx, &prefix, lo, hi);
    ctx.scratch.give_bytes(prefix);
    r
}

#[allow(clippy::too_many_arguments)]
fn narrow<T: Transaction>(
    table: &TableDesc,
    cols: &[IndexColumn],
    lower: RangeEnd<'_>,
    upper: RangeEnd<'_>,
    ctx: &mut Ctx<'_, T>,
    prefix: &[u8],
    lo: &mut Vec<u8>,
    hi: &mut Vec<u8>,
) -> Result<bool> {
    match upper {
        Some((values, inclusive)) if !cols.is_empty() => {
            if !range_end(table, cols, values, inclusive, true, ctx, prefix, hi)? {
                return Ok(false);
            }
        }
        _ => keys::prefix_end(prefix, hi),
    }
    match lower {
        Some((values, inclusive)) if !cols.is_empty() => {
            range_end(table, cols, values, inclusive, false, ctx, prefix, lo)
        }
        _ => {
            lo.clear();
            lo.extend_from_slice(prefix);
            Ok(true)
        }
    }
}

/// Writes into `out` one end of the range: the first key inside it (a
/// lower end) or the first key past it (`upper`). `false` when the range
/// is empty.
#[allow(clippy::too_many_arguments)]
fn range_end<T: Transaction>(
    table: &TableDesc,
    cols: &[IndexColumn],
    values: &[Expr],
    inclusive: bool,
    upper: bool,
    ctx: &mut Ctx<'_, T>,
    prefix: &[u8],
    out: &mut Vec<u8>,
) -> Result<bool> {
    out.clear();
    out.extend_from_slice(prefix);
    // Whether the end lies past every key starting with `out`.
    let mut past = if upper { inclusive } else { !inclusive };
    for (i, (e, ic)) in values.iter().zip(cols).enumerate() {
        let ty = &table.columns[ic.column].ty;
        match bound_value(e, ty, ctx)? {
            BoundValue::Value(v) => push_key_value(out, &v, ty, ic)?,
            BoundValue::Null => {
                if i == 0 {
                    return Ok(false);
                }
                // `(a, b) > (5, NULL)` is `a > 5`; `(a, b) < (5, NULL)`
                // is `a < 5`.
                past = !upper;
                break;
            }
            BoundValue::Above => {
                if i == 0 && !upper {
                    return Ok(false);
                }
                past = true;
                break;
            }
            BoundValue::Below => {
                if i == 0 && upper {
                    return Ok(false);
                }
                past = false;
                break;
            }
            BoundValue::Unknown => {
                past = upper;
                break;
            }
        }
    }
    if past {
        let mut key = ctx.scratch.take_bytes();
        key.extend_from_slice(out);
        prefix_successor(&key, out);
        ctx.scratch.give_bytes(key);
    }
    Ok(true)
}
