//! SQL comparison of values: [`compare`] orders two non-null values of
//! comparable types as PostgreSQL's cross-type B-tree operators do.
//!
//! * Numbers compare by value across types: integers and numerics exactly,
//!   anything involving a float as `double precision` (PostgreSQL casts the
//!   other side to `float8`), with NaN greater than everything and equal to
//!   itself, and `-0 = 0`.
//! * Text compares by bytes (the `C` collation); [`compare_bpchar`]
//!   ignores trailing spaces, for `char(n)` operands.
//! * `date`, `timestamp` and `timestamptz` compare on the timeline (a date
//!   is its midnight; the session zone is UTC so the two timestamp kinds
//!   line up).
//! * `time` values compare among themselves (`24:00:00` is the
//!   largest).
//! * Intervals compare by their 30-day-month span.

use std::cmp::Ordering;

use rocksgres_codec::{pg_float4_cmp, pg_float8_cmp, Numeric};

use super::datetime::{
    DATE_INFINITY, DATE_NEG_INFINITY, TS_INFINITY, TS_NEG_INFINITY, USECS_PER_DAY,
};
use super::value::Value;
use crate::error::{EngineError, Result};

/// Compares two values; `None` when either is `NULL` or the types cannot be
/// compared (the planner rejects those before execution).
pub fn compare(l: &Value, r: &Value) -> Option<Ordering> {
    try_compare(l, r).ok().flatten()
}

/// [`compare`] for values of type `ty`: `jsonb` compares in jsonb order,
/// arrays element by element and rows field by field (all carried as
/// text), `bpchar` without its trailing blanks.
pub fn compare_typed(ty: &super::SqlType, l: &Value, r: &Value) -> Option<Ordering> {
    use super::SqlType as T;
    match (ty, l, r) {
        (T::Jsonb, Value::Text(a), Value::Text(b)) => Some(super::json::jsonb_text_cmp(a, b)),
        // `bpchar` (also as an array element) ignores trailing blanks.
        (T::Char(_), Value::Text(a), Value::Text(b)) => Some(compare_bpchar(a, b)),
        (T::Composite(d), Value::Text(a), Value::Text(b)) => {
            super::composite::compare(d, a, b).ok()
        }
        (T::Array(elem), Value::Text(a), Value::Text(b)) => {
            super::array_functions::compare_arrays(a, b, elem).ok()
        }
        _ => compare(l, r),
    }
}

/// Compares two values; `Ok(None)` when either is `NULL`, an internal
/// error when the types are not comparable.
pub fn try_compare(l: &Value, r: &Value) -> Result<Option<Ordering>> {
    use Value as V;
    if l.is_null() || r.is_null() {
        return Ok(None);
    }
    let ord = match (l, r) {
        (V::Bool(a), V::Bool(b)) => a.cmp(b),
        (V::Text(a), V::Text(b)) => a.as_bytes().cmp(b.as_bytes()),
        (V::Bytea(a), V::Bytea(b)) => a.cmp(b),
        (V::Float4(a), V::Float4(b)) => pg_float4_cmp(*a, *b),
        (V::Numeric(a), V::Numeric(b)) => a.cmp(b),
        (V::Interval(a), V::Interval(b)) => a.cmp(b),
        (V::Inet(a), V::Inet(b)) => a.pg_cmp(b),
        (V::Bits(a), V::Bits(b)) => a.pg_cmp(b),
        (V::MacAddr(a), V::MacAddr(b)) => a.cmp(b),
        (V::MacAddr8(a), V::MacAddr8(b)) => a.cmp(b),
        (V::TimeTz(t, z), V::TimeTz(u, w)) => super::timetz::compare((*t, *z), (*u, *w)),
        (V::Enum(d, a), V::Enum(e, b)) if d.oid == e.oid => {
            pg_float4_cmp(d.labels[*a as usize].sort, e.labels[*b as usize].sort)
        }
        // numeric against an integer (`amount > 990`): compared without
        // building a numeric from the integer, as `as_numeric` below would.
        (V::Numeric(a), V::Int2(_) | V::Int4(_) | V::Int8(_)) => {
            a.cmp_i64(r.as_i64().unwrap_or_default())
        }
        (V::Int2(_) | V::Int4(_) | V::Int8(_), V::Numeric(b)) => {
            b.cmp_i64(l.as_i64().unwrap_or_default()).reverse()
        }
        (V::Date(a), V::Date(b)) => a.cmp(b),
        (V::Time(a), V::Time(b)) => a.cmp(b),
        (V::Timestamp(a), V::Timestamp(b)) | (V::Timestamptz(a), V::Timestamptz(b)) => a.cmp(b),
        // A wall-clock value meets an instant in the session's zone.
        (V::Timestamp(a), V::Timestamptz(b)) => ts_key(instant_of(*a)).cmp(&ts_key(*b)),
        (V::Timestamptz(a), V::Timestamp(b)) => ts_key(*a).cmp(&ts_key(instant_of(*b))),
        (V::Date(d), V::Timestamp(t)) => date_ts_key(*d).cmp(&ts_key(*t)),
        (V::Timestamp(t), V::Date(d)) => ts_key(*t).cmp(&date_ts_key(*d)),
        (V::Date(d), V::Timestamptz(t)) => date_tz_key(*d).cmp(&ts_key(*t)),
        (V::Timestamptz(t), V::Date(d)) => ts_key(*t).cmp(&date_tz_key(*d)),
        _ => {
            if let (Some(a), Some(b)) = (l.as_i64(), r.as_i64()) {
                a.cmp(&b)
            } else if is_float(l) || is_float(r) {
                match (l.as_f64(), r.as_f64()) {
                    (Some(a), Some(b)) => pg_float8_cmp(a, b),
                    _ => return Err(incomparable(l, r)),
                }
            } else {
                match (as_numeric(l), as_numeric(r)) {
                    (Some(a), Some(b)) => a.cmp(&b),
                    _ => return Err(incomparable(l, r)),
                }
            }
        }
    };
    Ok(Some(ord))
}

/// `char(n)` comparison: trailing spaces are insignificant.
pub fn compare_bpchar(a: &str, b: &str) -> Ordering {
    a.trim_end_matches(' ')
        .as_bytes()
        .cmp(b.trim_end_matches(' ').as_bytes())
}

fn is_float(v: &Value) -> bool {
    matches!(v, Value::Float4(_) | Value::Float8(_))
}

fn as_numeric(v: &Value) -> Option<Numeric> {
    match v {
        Value::Numeric(n) => Some(n.clone()),
        other => other.as_i64().map(Numeric::from),
    }
}

/// A timeline key (i128 so a date's midnight never overflows).
fn ts_key(t: i64) -> i128 {
    match t {
        TS_NEG_INFINITY => i128::MIN,
        TS_INFINITY => i128::MAX,
        _ => i128::from(t),
    }
}

fn date_ts_key(d: i32) -> i128 {
    match d {
        DATE_NEG_INFINITY => i128::MIN,
        DATE_INFINITY => i128::MAX,
        _ => i128::from(d) * i128::from(USECS_PER_DAY),
    }
}

/// The instant of a wall-clock timestamp in the session's zone.
fn instant_of(local: i64) -> i64 {
    super::zone::with_session_zone(|z| z.from_local(local))
}

/// A date's local midnight as an instant's key.
fn date_tz_key(d: i32) -> i128 {
    match d {
        DATE_NEG_INFINITY => i128::MIN,
        DATE_INFINITY => i128::MAX,
        _ => i128::from(instant_of(i64::from(d) * USECS_PER_DAY)),
    }
}

fn incomparable(l: &Value, r: &Value) -> EngineError {
    let name = |v: &Value| {
        v.sql_type()
            .map_or("unknown".to_owned(), |t| t.display_name())
    };
    EngineError::internal(format!("cannot compare {} with {}", name(l), name(r)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numeric_against_integers_without_conversion() {
        let nums = [
            "-1e20", "-990.25", "-1", "0", "0.5", "989.75", "990", "990.25", "1e20",
        ];
        let ints = [
            Value::Int2(-1),
            Value::Int4(0),
            Value::Int4(990),
            Value::Int8(-990),
            Value::Int8(i64::MAX),
        ];
        for s in nums {
            let n = Numeric::parse(s).unwrap();
            for i in &ints {
                let as_numeric = Value::Numeric(Numeric::from(i.as_i64().unwrap()));
                let want = compare(&Value::Numeric(n.clone()), &as_numeric);
                assert_eq!(compare(&Value::Numeric(n.clone()), i), want, "{s} vs {i:?}");
                let back = compare(i, &Value::Numeric(n.clone()));
                assert_eq!(back, want.map(Ordering::reverse), "{i:?} vs {s}");
            }
        }
    }

    #[test]
    fn cross_type() {
        let n = |s: &str| Value::Numeric(Numeric::parse(s).unwrap());
        assert_eq!(
            compare(&Value::Int4(1), &Value::Int8(1)),
            Some(Ordering::Equal)
        );
        assert_eq!(compare(&Value::Int4(1), &n("1.0")), Some(Ordering::Equal));
        assert_eq!(
            compare(&n("1.5"), &Value::Float8(1.5)),
            Some(Ordering::Equal)
        );
        assert_eq!(
            compare(&Value::Float8(f64::NAN), &Value::Float8(f64::INFINITY)),
            Some(Ordering::Greater)
        );
        assert_eq!(
            compare(&Value::Float8(-0.0), &Value::Int2(0)),
            Some(Ordering::Equal)
        );
        assert_eq!(compare(&Value::Null, &Value::Int2(0)), None);
        assert_eq!(
            compare(&Value::Date(1), &Value::Timestamp(USECS_PER_DAY)),
            Some(Ordering::Equal)
        );
        assert_eq!(
            compare(&Value::Date(DATE_INFINITY), &Value::Timestamp(TS_INFINITY)),
            Some(Ordering::Equal)
        );
        assert_eq!(compare_bpchar("ab  ", "ab"), Ordering::Equal);
        // psql: select time '24:00' > time '23:59:59.999999'  -> t
        assert_eq!(
            compare(&Value::Time(USECS_PER_DAY), &Value::Time(USECS_PER_DAY - 1)),
            Some(Ordering::Greater)
        );
        assert!(try_compare(&Value::Time(0), &Value::Date(0)).is_err());
        assert!(try_compare(&Value::Int4(1), &Value::Text("1".into())).is_err());
    }
}
