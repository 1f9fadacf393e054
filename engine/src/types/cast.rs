//! Casts between SQL types with PostgreSQL's semantics, the cast contexts
//! (explicit, assignment, implicit) that decide which casts the planner may
//! insert on its own, and the common-type rule of `UNION`/`CASE`/`IN`.
//!
//! * Integer narrowing checks the range (`integer out of range`, 22003);
//!   float to integer rounds half to even (`rint`), numeric to integer half
//!   away from zero.
//! * `numeric(p,s)` rounds to `s` and raises `numeric field overflow`.
//! * `varchar(n)`/`char(n)`: an assignment longer than `n` is an error
//!   (22001) unless only spaces are cut; an explicit cast truncates;
//!   `char(n)` pads with spaces and loses its trailing spaces when cast to
//!   `text`/`varchar`.
//! * Any type casts to text through its output function, and text to any
//!   type through the input function.
//!
//! [`cast`] infers the source type from the value; [`cast_from`] takes the
//! source type, which matters only for `char(n)` sources.

use rocksgres_codec::Numeric;

use super::datetime::{self, USECS_PER_DAY};
use super::float::{float_overflow, float_underflow};
use super::interval::Interval;
use super::numeric_ops::{
    apply_numeric_typmod, numeric_from_f32, numeric_from_f64, numeric_to_f64, numeric_to_i64,
};
use super::sql_type::{SqlType, TypeCategory};
use super::value::Value;
use super::zone::with_session_zone;
use crate::error::{EngineError, Result, SqlState};

/// The context a cast happens in, as PostgreSQL's `CoercionContext`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum CastKind {
    /// `CAST(x AS t)` / `x::t`: every defined cast, strings truncate.
    Explicit,
    /// Storing into a column (`INSERT`, `UPDATE`): implicit casts plus
    /// narrowing ones; too-long strings are errors.
    Assignment,
    /// Inserted silently by the planner (operands, function arguments).
    Implicit,
}

/// `22003 <type> out of range` for an integer type.
pub fn int_out_of_range(ty: &SqlType) -> EngineError {
    let name = match ty {
        SqlType::Int2 => "smallint",
        SqlType::Int8 => "bigint",
        _ => "integer",
    };
    EngineError::new(
        SqlState::NumericValueOutOfRange,
        format!("{name} out of range"),
    )
}

fn cannot_cast(from: &SqlType, to: &SqlType) -> EngineError {
    EngineError::new(
        SqlState::CannotCoerce,
        format!(
            "cannot cast type {} to {}",
            from.display_name(),
            to.display_name()
        ),
    )
}

/// Whether a cast from `from` to `to` is allowed in context `kind`.
pub fn can_cast(from: &SqlType, to: &SqlType, kind: CastKind) -> bool {
    use SqlType as T;
    if from.same_base(to) || *from == T::Unknown {
        return true;
    }
    let allowed = |needed: CastKind| match needed {
        CastKind::Implicit => true,
        CastKind::Assignment => kind != CastKind::Implicit,
        CastKind::Explicit => kind == CastKind::Explicit,
    };
    // Object identifiers: integers and the alias types convert to `oid`
    // implicitly, `oid` to the alias types too; back to integers by
    // assignment.
    match (from, to) {
        (T::Oid | T::Reg(_), T::Oid | T::Reg(_)) => return true,
        (T::Int2 | T::Int4 | T::Int8, T::Oid | T::Reg(_)) => return true,
        (T::Oid | T::Reg(_), T::Int8) => return true,
        (T::Oid | T::Reg(_), T::Int2 | T::Int4) => return allowed(CastKind::Assignment),
        (T::Oid | T::Reg(_), _) if !to.is_string_family() => return false,
        (_, T::Oid | T::Reg(_)) if !from.is_string_family() => return false,
        _ => {}
    }
    // pg_cast: json <-> jsonb by assignment; jsonb to the number types
    // and boolean explicitly.
    match (from, to) {
        (T::Json, T::Jsonb) | (T::Jsonb, T::Json) => return allowed(CastKind::Assignment),
        (T::Jsonb, t) if t.numeric_rank().is_some() || *t == T::Bool => {
            return allowed(CastKind::Explicit)
        }
        _ => {}
    }
    // pg_cast: cidr -> inet implicit, inet -> cidr by assignment.
    match (from, to) {
        (T::Cidr, T::Inet) => return true,
        (T::Inet, T::Cidr) => return allowed(CastKind::Assignment),
        // pg_cast: macaddr <-> macaddr8 implicit.
        (T::MacAddr, T::MacAddr8) | (T::MacAddr8, T::MacAddr) => return true,
        // pg_cast: time -> timetz implicit; timetz -> time and
        // timestamptz -> timetz by assignment.
        (T::Time(_), T::TimeTz(_)) => return true,
        (T::TimeTz(_), T::Time(_)) | (T::Timestamptz(_), T::TimeTz(_)) => {
            return allowed(CastKind::Assignment)
        }
        // bit <-> bit varying implicit; integers <-> bit explicit.
        (T::Bit(_) | T::VarBit(_), T::Bit(_) | T::VarBit(_)) => return true,
        (T::Int4 | T::Int8, T::Bit(_)) | (T::Bit(_), T::Int4 | T::Int8) => {
            return allowed(CastKind::Explicit)
        }
        _ => {}
    }
    // Row values: a composite value is a `record`; a `record` (a row
    // constructor) converts to a composite type field by field.
    match (from, to) {
        (T::Composite(_), T::Record) | (T::Record, T::Composite(_)) => return true,
        (T::Composite(_) | T::Record, T::Composite(_) | T::Record) => return false,
        _ => {}
    }
    // Arrays to arrays: as their elements (PostgreSQL's array coercion).
    // A catalog vector is an array of its element (lower bound 0).
    if let (T::Array(a) | T::Vector(a), T::Array(b)) = (from, to) {
        return can_cast(a, b, kind);
    }
    // Strings among themselves: implicit.
    if from.is_string_family() && to.is_string_family() {
        return true;
    }
    // Anything to a string type: assignment (I/O conversion).
    if to.is_string_family() {
        return allowed(CastKind::Assignment);
    }
    // Strings to anything else: explicit (I/O conversion).
    if from.is_string_family() {
        return allowed(CastKind::Explicit);
    }
    if let (Some(a), Some(b)) = (from.numeric_rank(), to.numeric_rank()) {
        return if a < b {
            true
        } else {
            allowed(CastKind::Assignment)
        };
    }
    match (from, to) {
        (T::Bool, T::Int4) | (T::Int4, T::Bool) => allowed(CastKind::Explicit),
        (T::Date, T::Timestamp(_) | T::Timestamptz(_)) | (T::Timestamp(_), T::Timestamptz(_)) => {
            true
        }
        (T::Timestamptz(_), T::Timestamp(_)) | (T::Timestamp(_) | T::Timestamptz(_), T::Date) => {
            allowed(CastKind::Assignment)
        }
        // pg_cast: time -> interval is implicit; interval, timestamp and
        // timestamptz -> time are assignment casts.
        (T::Time(_), T::Interval(_)) => true,
        (T::Interval(_) | T::Timestamp(_) | T::Timestamptz(_), T::Time(_)) => {
            allowed(CastKind::Assignment)
        }
        _ => false,
    }
}

/// The type `UNION`, `CASE`, `IN`, `VALUES` and comparison operands
/// resolve to (PostgreSQL's `select_common_type`): `None` when the types
/// cannot be matched.
pub fn implicit_common_type(a: &SqlType, b: &SqlType) -> Option<SqlType> {
    use SqlType as T;
    match (a, b) {
        (T::Unknown, T::Unknown) => return Some(T::Text),
        (T::Unknown, other) | (other, T::Unknown) => return Some(*other),
        _ => {}
    }
    if a == b {
        return Some(*a);
    }
    if a.same_base(b) {
        return Some(a.without_typmod());
    }
    // `oid` and its alias types (`regclass`, ...) cast to one another
    // implicitly both ways: PostgreSQL keeps the first.
    if matches!(a, T::Oid | T::Reg(_)) && matches!(b, T::Oid | T::Reg(_)) {
        return Some(*a);
    }
    // Integers cast to `oid` (and its aliases) implicitly, `oid` only to
    // `bigint`: with `int2`/`int4` the oid type wins, with `bigint` (both
    // ways implicit) the first does, as select_common_type decides.
    match (a, b) {
        (T::Oid | T::Reg(_), T::Int2 | T::Int4) => return Some(*a),
        (T::Int2 | T::Int4, T::Oid | T::Reg(_)) => return Some(*b),
        (T::Oid | T::Reg(_), T::Int8) | (T::Int8, T::Oid | T::Reg(_)) => return Some(*a),
        _ => {}
    }
    // `inet` is the network category's preferred type.
    if matches!(a, T::Inet | T::Cidr) && matches!(b, T::Inet | T::Cidr) {
        return Some(T::Inet);
    }
    // `bit varying` is the bit string category's preferred type.
    if matches!(a, T::Bit(_) | T::VarBit(_)) && matches!(b, T::Bit(_) | T::VarBit(_)) {
        return Some(T::VarBit(None));
    }
    if a.category() != b.category() {
        return None;
    }
    match a.category() {
        TypeCategory::Numeric => {
            let (ra, rb) = (a.numeric_rank()?, b.numeric_rank()?);
            Some(if ra >= rb {
                a.without_typmod()
            } else {
                b.without_typmod()
            })
        }
        TypeCategory::String => {
            if *a == T::Text || *b == T::Text {
                Some(T::Text)
            } else {
                Some(a.without_typmod())
            }
        }
        // `time` -> `timetz` is implicit; neither converts implicitly to
        // or from the other date/time types.
        TypeCategory::DateTime
            if matches!(
                (a, b),
                (T::Time(_), T::TimeTz(_)) | (T::TimeTz(_), T::Time(_))
            ) =>
        {
            Some(T::TimeTz(None))
        }
        TypeCategory::DateTime
            if matches!(a, T::Time(_) | T::TimeTz(_)) || matches!(b, T::Time(_) | T::TimeTz(_)) =>
        {
            None
        }
        TypeCategory::DateTime => {
            let rank = |t: &SqlType| match t {
                T::Date => 0,
                T::Timestamp(_) => 1,
                _ => 2,
            };
            Some(if rank(a) >= rank(b) { *a } else { *b })
        }
        _ => None,
    }
}

/// Casts `value` to `to`, taking its source type from the value itself
/// (text values are treated as `text`).
pub fn cast(value: Value, to: &SqlType, kind: CastKind) -> Result<Value> {
    match value.sql_type() {
        None => Ok(Value::Null),
        Some(from) => cast_from(value, &from, to, kind),
    }
}

/// Casts `value` of type `from` to `to` in context `kind`. Whether the
/// context allows the cast is the planner's check ([`can_cast`]); this
/// performs any defined cast.
pub fn cast_from(value: Value, from: &SqlType, to: &SqlType, kind: CastKind) -> Result<Value> {
    use SqlType as T;
    if value.is_null() {
        return Ok(Value::Null);
    }
    if *from == T::Jsonb && (to.numeric_rank().is_some() || *to == T::Bool) {
        if let Value::Text(s) = &value {
            return super::json_ops::cast_jsonb(s, to);
        }
    }
    // Nothing casts to a catalog vector but its text input.
    if matches!(to, T::Vector(_))
        && !matches!(from, T::Vector(_) | T::Unknown)
        && !from.is_string_family()
    {
        return Err(EngineError::new(
            SqlState::CannotCoerce,
            format!(
                "cannot cast type {} to {}",
                from.display_name(),
                to.display_name()
            ),
        ));
    }
    let base = match (value, to) {
        // Strings to strings (char(n) sources lose their padding).
        (Value::Text(s), T::Text | T::Varchar(_) | T::Char(_) | T::Unknown) => {
            if matches!(from, T::Char(_)) && !matches!(to, T::Char(_)) {
                Value::Text(s.trim_end_matches(' ').to_owned())
            } else {
                Value::Text(s)
            }
        }
        (Value::Text(s), T::Name) => Value::Text(super::text_io::truncate_name(&s).to_owned()),
        (Value::Text(s), T::QChar) => {
            Value::Text(s.chars().next().map(String::from).unwrap_or_default())
        }
        // Integers to object identifiers: negative int4 values wrap, as
        // PostgreSQL's int4 -> oid cast does.
        (v, T::Oid) if v.as_i64().is_some() => {
            let n = v.as_i64().unwrap_or_default();
            if !(i64::from(i32::MIN)..=i64::from(u32::MAX)).contains(&n) {
                return Err(EngineError::new(
                    SqlState::NumericValueOutOfRange,
                    "OID out of range",
                ));
            }
            Value::Int8(if n < 0 { n + (1i64 << 32) } else { n })
        }
        // Vectors to arrays: the zero-based array of the elements.
        (Value::Text(s), T::Array(_)) if matches!(from, T::Vector(_)) => {
            let elem = from.vector_element().unwrap_or(&T::Int2);
            let arr = Value::Text(super::vector::to_array(&s));
            return cast_from(arr, &T::Array(elem), to, kind);
        }
        // Arrays to arrays: element by element.
        (Value::Text(s), T::Array(to_elem)) => match from {
            T::Array(from_elem) if from_elem != to_elem => {
                let mut arr = super::array::parse_array(&s)?;
                for item in arr.items.iter_mut().flatten() {
                    let v = Value::parse_text_base(item, from_elem)?;
                    let v = cast_from(v, from_elem, to_elem, kind)?;
                    *item = v.to_text().unwrap_or_default();
                }
                arr.into_value()
            }
            _ => Value::parse_text_base(&s, to)?,
        },
        // Row values to `record` or their own type: unchanged.
        (Value::Text(s), T::Record) if matches!(from, T::Composite(_) | T::Record) => {
            Value::Text(s)
        }
        (Value::Text(s), T::Composite(_)) if from == to => Value::Text(s),
        // A typed string reaches `interval` through its input function
        // without the modifier (PostgreSQL's CoerceViaIO), so the range
        // does not give a bare number its unit; only an untyped literal is
        // read with it.
        (Value::Text(s), T::Interval(_)) if *from != T::Unknown => {
            Value::parse_text_base(&s, &T::Interval(None))?
        }
        // Strings to anything else: the input function.
        (Value::Text(s), _) => Value::parse_text_base(&s, to)?,
        // inet/cidr to strings: `text(inet)`, which always shows the mask.
        (Value::Inet(i), T::Text | T::Varchar(_) | T::Char(_) | T::Name) => Value::Text(i.show()),
        (Value::Inet(i), T::Inet) => Value::Inet(i.as_inet()),
        (Value::Inet(i), T::Cidr) => Value::Inet(i.network()),
        (Value::Bits(b), T::Bit(_) | T::VarBit(_)) => Value::Bits(b),
        (Value::MacAddr(m), T::MacAddr) => Value::MacAddr(m),
        (Value::MacAddr8(m), T::MacAddr8) => Value::MacAddr8(m),
        (Value::MacAddr(m), T::MacAddr8) => Value::MacAddr8(super::macaddr::to_macaddr8(&m)),
        (Value::MacAddr8(m), T::MacAddr) => Value::MacAddr(super::macaddr::to_macaddr(&m)?),
        (Value::TimeTz(t, z), T::TimeTz(_)) => Value::TimeTz(t, z),
        (Value::TimeTz(t, _), T::Time(_)) => Value::Time(t),
        // A time gets the session zone's current offset.
        (Value::Time(t), T::TimeTz(_)) => {
            let now = super::functions::clock_micros();
            Value::TimeTz(t, -with_session_zone(|z| z.offset_at(now)))
        }
        (Value::Timestamptz(t), T::TimeTz(_)) => {
            let east = with_session_zone(|z| z.offset_at(t));
            let local = in_range(with_session_zone(|z| z.to_local(t)))?;
            match datetime::timestamp_to_time(local) {
                Some(time) => Value::TimeTz(time, -east),
                None => Value::Null,
            }
        }
        (Value::Bits(b), T::Int4 | T::Int8) => {
            let width = if *to == T::Int4 { 32 } else { 64 };
            let v = b.to_int(width).ok_or_else(|| int_out_of_range(to))?;
            if *to == T::Int4 {
                Value::Int4(v as i32)
            } else {
                Value::Int8(v)
            }
        }
        (Value::Int4(i), T::Bit(n)) => Value::Bits(super::bits::BitString::from_int(
            i64::from(i),
            32,
            n.unwrap_or(1) as usize,
        )),
        (Value::Int8(i), T::Bit(n)) => Value::Bits(super::bits::BitString::from_int(
            i,
            64,
            n.unwrap_or(1) as usize,
        )),
        // Anything to a string: the output function (bool prints in full).
        (Value::Bool(b), T::Text | T::Varchar(_) | T::Char(_) | T::Name | T::QChar) => {
            Value::Text(if b { "true" } else { "false" }.to_owned())
        }
        (v, T::Text | T::Varchar(_) | T::Char(_) | T::Name | T::QChar) => {
            let mut s = String::new();
            v.write_text(&mut s);
            Value::Text(s)
        }
        (v, T::Int2 | T::Int4 | T::Int8) => to_int(v, from, to)?,
        (v, T::Float4) => Value::Float4(to_float4(v, from, to)?),
        (v, T::Float8) => Value::Float8(to_float8(v, from, to)?),
        (v, T::Numeric { .. }) => Value::Numeric(to_numeric(v, from, to)?),
        (Value::Bool(b), T::Bool) => Value::Bool(b),
        (Value::Int4(i), T::Bool) => Value::Bool(i != 0),
        (Value::Bytea(b), T::Bytea) => Value::Bytea(b),
        (Value::Date(d), T::Date) => Value::Date(d),
        (Value::Date(d), T::Timestamp(_)) => Value::Timestamp(datetime::date_to_timestamp(d)?),
        // Between a wall-clock value and an instant: in the session's zone.
        (Value::Date(d), T::Timestamptz(_)) => {
            let local = datetime::date_to_timestamp(d)?;
            Value::Timestamptz(in_range(with_session_zone(|z| z.from_local(local)))?)
        }
        (Value::Timestamptz(t), T::Date | T::Timestamp(_) | T::Time(_)) => {
            let local = in_range(with_session_zone(|z| z.to_local(t)))?;
            return cast_from(Value::Timestamp(local), &T::Timestamp(None), to, kind);
        }
        (Value::Timestamp(t), T::Timestamptz(_)) => {
            Value::Timestamptz(in_range(with_session_zone(|z| z.from_local(t)))?)
        }
        (Value::Timestamp(t), T::Date) => Value::Date(datetime::timestamp_to_date(t)?),
        (Value::Timestamp(t), T::Timestamp(_)) => Value::Timestamp(t),
        (Value::Timestamptz(t), T::Timestamptz(_)) => Value::Timestamptz(t),
        (Value::Interval(i), T::Interval(_)) => Value::Interval(i),
        (Value::Time(t), T::Time(_)) => Value::Time(t),
        (Value::Enum(d, i), T::Enum(e)) if d.oid == e.oid => Value::Enum(d, i),
        (Value::Time(t), T::Interval(_)) => Value::Interval(Interval::new(0, 0, t)),
        // PostgreSQL's interval_time: only the time part counts, taken
        // modulo a day.
        (Value::Interval(i), T::Time(_)) => Value::Time(i.micros.rem_euclid(USECS_PER_DAY)),
        (Value::Timestamp(t), T::Time(_)) => match datetime::timestamp_to_time(t) {
            Some(time) => Value::Time(time),
            None => Value::Null,
        },
        _ => return Err(cannot_cast(from, to)),
    };
    apply_typmod(base, to, kind)
}

/// A timestamp moved between UTC and a zone's wall clock, checked
/// against the valid range (the infinities pass).
fn in_range(t: i64) -> Result<i64> {
    if !datetime::timestamp_is_finite(t) || datetime::timestamp_in_range(t) {
        Ok(t)
    } else {
        Err(datetime::timestamp_out_of_range())
    }
}

fn to_int(v: Value, from: &SqlType, to: &SqlType) -> Result<Value> {
    let (min, max) = match to {
        SqlType::Int2 => (i64::from(i16::MIN), i64::from(i16::MAX)),
        SqlType::Int4 => (i64::from(i32::MIN), i64::from(i32::MAX)),
        _ => (i64::MIN, i64::MAX),
    };
    let wide: i64 = match v {
        Value::Int2(i) => i64::from(i),
        Value::Int4(i) => i64::from(i),
        Value::Int8(i) => i,
        Value::Bool(b) if *to == SqlType::Int4 => i64::from(b),
        Value::Float4(f) => float_to_int(f64::from(f.round_ties_even()), min, max, to)?,
        Value::Float8(f) => float_to_int(f.round_ties_even(), min, max, to)?,
        Value::Numeric(n) => {
            let name = match to {
                SqlType::Int2 => "smallint",
                SqlType::Int8 => "bigint",
                _ => "integer",
            };
            numeric_to_i64(&n, name)?.ok_or_else(|| int_out_of_range(to))?
        }
        _ => return Err(cannot_cast(from, to)),
    };
    if wide < min || wide > max {
        return Err(int_out_of_range(to));
    }
    Ok(match to {
        SqlType::Int2 => Value::Int2(wide as i16),
        SqlType::Int4 => Value::Int4(wide as i32),
        _ => Value::Int8(wide),
    })
}

fn float_to_int(f: f64, min: i64, max: i64, to: &SqlType) -> Result<i64> {
    // `max as f64` rounds up for i64 (2^63), so compare with < on the
    // upper bound exactly as PostgreSQL's FLOAT8_FITS_IN_INT64.
    let upper = -(min as f64);
    if f.is_nan() || f < min as f64 || f >= upper {
        return Err(int_out_of_range(to));
    }
    let v = f as i64;
    if v > max {
        return Err(int_out_of_range(to));
    }
    Ok(v)
}

fn to_float8(v: Value, from: &SqlType, to: &SqlType) -> Result<f64> {
    Ok(match v {
        Value::Int2(i) => f64::from(i),
        Value::Int4(i) => f64::from(i),
        Value::Int8(i) => i as f64,
        Value::Float4(f) => f64::from(f),
        Value::Float8(f) => f,
        Value::Numeric(n) => {
            let f = numeric_to_f64(&n);
            if n.is_finite() && (f.is_infinite() || (f == 0.0 && !n.is_zero())) {
                return Err(EngineError::new(
                    SqlState::NumericValueOutOfRange,
                    format!("\"{n}\" is out of range for type double precision"),
                ));
            }
            f
        }
        _ => return Err(cannot_cast(from, to)),
    })
}

fn to_float4(v: Value, from: &SqlType, to: &SqlType) -> Result<f32> {
    Ok(match v {
        Value::Int2(i) => f32::from(i),
        Value::Int4(i) => i as f32,
        Value::Int8(i) => i as f32,
        Value::Float4(f) => f,
        Value::Float8(f) => {
            let r = f as f32;
            if r.is_infinite() && !f.is_infinite() {
                return Err(float_overflow());
            }
            if r == 0.0 && f != 0.0 {
                return Err(float_underflow());
            }
            r
        }
        Value::Numeric(n) => {
            let text = n.to_string();
            let f: f32 = if n.is_finite() {
                text.parse().unwrap_or(f32::NAN)
            } else {
                numeric_to_f64(&n) as f32
            };
            if n.is_finite() && (f.is_infinite() || (f == 0.0 && !n.is_zero())) {
                return Err(EngineError::new(
                    SqlState::NumericValueOutOfRange,
                    format!("\"{text}\" is out of range for type real"),
                ));
            }
            f
        }
        _ => return Err(cannot_cast(from, to)),
    })
}

fn to_numeric(v: Value, from: &SqlType, to: &SqlType) -> Result<Numeric> {
    match v {
        Value::Int2(i) => Ok(Numeric::from(i)),
        Value::Int4(i) => Ok(Numeric::from(i)),
        Value::Int8(i) => Ok(Numeric::from(i)),
        Value::Float4(f) => numeric_from_f32(f),
        Value::Float8(f) => numeric_from_f64(f),
        Value::Numeric(n) => Ok(n),
        _ => Err(cannot_cast(from, to)),
    }
}

/// Applies `ty`'s type modifier to a value already of `ty`'s base type:
/// `numeric(p,s)` rounding and overflow, `varchar(n)` / `char(n)` length
/// (error or truncation depending on `kind`) and `char(n)` padding.
pub fn apply_typmod(value: Value, ty: &SqlType, kind: CastKind) -> Result<Value> {
    match (value, ty) {
        (
            Value::Numeric(n),
            SqlType::Numeric {
                precision: Some(p),
                scale,
            },
        ) => Ok(Value::Numeric(apply_numeric_typmod(
            &n,
            *p,
            scale.unwrap_or(0),
        )?)),
        (Value::Text(s), SqlType::Varchar(Some(n))) => {
            Ok(Value::Text(fit_length(s, *n as usize, ty, kind)?))
        }
        (Value::Text(s), SqlType::Char(Some(n))) => {
            let n = *n as usize;
            let mut s = fit_length(s, n, ty, kind)?;
            let len = s.chars().count();
            if len < n {
                s.extend(std::iter::repeat_n(' ', n - len));
            }
            Ok(Value::Text(s))
        }
        (Value::Bits(b), SqlType::Bit(_) | SqlType::VarBit(_)) => {
            Ok(Value::Bits(b.fit(ty, kind == CastKind::Explicit)?))
        }
        (Value::Timestamp(t), SqlType::Timestamp(Some(p))) => {
            Ok(Value::Timestamp(round_micros(t, *p)))
        }
        (Value::Timestamptz(t), SqlType::Timestamptz(Some(p))) => {
            Ok(Value::Timestamptz(round_micros(t, *p)))
        }
        (Value::Time(t), SqlType::Time(Some(p))) => Ok(Value::Time(round_micros(t, *p))),
        (Value::TimeTz(t, z), SqlType::TimeTz(Some(p))) => {
            Ok(Value::TimeTz(round_micros(t, *p), z))
        }
        (Value::Text(s), SqlType::Array(e)) if e.typmod() != -1 => {
            Ok(Value::Text(super::array_typmod::apply(&s, e, kind)?))
        }
        (Value::Interval(i), SqlType::Interval(Some(m))) => Ok(Value::Interval(m.adjust(i))),
        (v, _) => Ok(v),
    }
}

/// PostgreSQL's `AdjustTimestampForTypmod`: microseconds rounded to
/// `precision` fractional digits, halves away from zero; the infinities
/// stay.
pub fn round_micros(t: i64, precision: u8) -> i64 {
    if t == i64::MIN || t == i64::MAX || precision >= 6 {
        return t;
    }
    let scale = 10i64.pow(u32::from(6 - precision));
    let offset = scale / 2;
    if t >= 0 {
        (t.saturating_add(offset) / scale) * scale
    } else {
        -((t.saturating_neg().saturating_add(offset) / scale) * scale)
    }
}

/// Cuts `s` to `n` characters: explicit casts truncate; otherwise only
/// trailing spaces may be cut, else `22001 value too long for type ...`.
fn fit_length(s: String, n: usize, ty: &SqlType, kind: CastKind) -> Result<String> {
    let Some((cut, _)) = s.char_indices().nth(n) else {
        return Ok(s);
    };
    if kind != CastKind::Explicit && !s[cut..].bytes().all(|b| b == b' ') {
        return Err(EngineError::new(
            SqlState::StringDataRightTruncation,
            format!("value too long for type {}", ty.display_name()),
        ));
    }
    let mut s = s;
    s.truncate(cut);
    Ok(s)
}

/// Whether a cast from `from` to `to` is immutable, as PostgreSQL's cast
/// and I/O functions are marked: conversions that read the session's
/// `TimeZone` or `DateStyle` (timestamptz to and from the other date/time
/// types, date/time input and output as text), array and enum I/O, and
/// `regclass` lookups are only stable, so a generation expression or an
/// index expression cannot use them.
pub fn cast_is_immutable(from: &SqlType, to: &SqlType) -> bool {
    use SqlType as T;
    let textual = |t: &SqlType| {
        matches!(
            t,
            T::Text | T::Varchar(_) | T::Char(_) | T::Name | T::Unknown
        )
    };
    // Text input of these types is stable.
    let stable_in = |t: &SqlType| {
        matches!(
            t,
            T::Date
                | T::Time(_)
                | T::Timestamp(_)
                | T::Timestamptz(_)
                | T::Interval(_)
                | T::Array(_)
                | T::Enum(_)
        )
    };
    // Text output of these (time's output is immutable).
    let stable_out = |t: &SqlType| {
        matches!(
            t,
            T::Date
                | T::Timestamp(_)
                | T::Timestamptz(_)
                | T::Interval(_)
                | T::Array(_)
                | T::Enum(_)
        )
    };
    if from == to {
        return true;
    }
    if textual(from) && !matches!(from, T::Unknown) && stable_in(to) {
        return false;
    }
    if textual(to) && stable_out(from) {
        return false;
    }
    !matches!(
        (from, to),
        (T::Date | T::Timestamp(_), T::Timestamptz(_))
            | (T::Timestamptz(_), T::Date | T::Time(_) | T::Timestamp(_))
            | (T::Text | T::Varchar(_), T::Reg(_))
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn num(s: &str) -> Value {
        Value::Numeric(Numeric::parse(s).unwrap())
    }

    #[test]
    fn int_casts() {
        // psql: select 2.5::float8::int4, 3.5::float8::int4, (-2.5)::float8::int4,
        //   2.5::numeric::int4, (-2.5)::numeric::int4  -> 2|4|-2|3|-3
        let c = |v: Value| cast(v, &SqlType::Int4, CastKind::Explicit).unwrap();
        assert_eq!(c(Value::Float8(2.5)), Value::Int4(2));
        assert_eq!(c(Value::Float8(3.5)), Value::Int4(4));
        assert_eq!(c(Value::Float8(-2.5)), Value::Int4(-2));
        assert_eq!(c(num("2.5")), Value::Int4(3));
        assert_eq!(c(num("-2.5")), Value::Int4(-3));
        let e = cast(Value::Int8(1 << 40), &SqlType::Int4, CastKind::Assignment).unwrap_err();
        assert_eq!(e.message, "integer out of range");
        let e = cast(Value::Int4(40000), &SqlType::Int2, CastKind::Assignment).unwrap_err();
        assert_eq!(e.message, "smallint out of range");
        let e = cast(Value::Float8(9.3e18), &SqlType::Int8, CastKind::Explicit).unwrap_err();
        assert_eq!(e.message, "bigint out of range");
        let e = cast(num("NaN"), &SqlType::Int4, CastKind::Explicit).unwrap_err();
        assert_eq!(e.message, "cannot convert NaN to integer");
    }

    #[test]
    fn string_casts() {
        let v = cast(
            Value::Text("abcd".into()),
            &SqlType::Varchar(Some(3)),
            CastKind::Explicit,
        );
        assert_eq!(v.unwrap(), Value::Text("abc".into()));
        let e = cast(
            Value::Text("abcd".into()),
            &SqlType::Varchar(Some(3)),
            CastKind::Assignment,
        )
        .unwrap_err();
        assert_eq!(e.state, SqlState::StringDataRightTruncation);
        let v = cast_from(
            Value::Text("ab  ".into()),
            &SqlType::Char(Some(4)),
            &SqlType::Text,
            CastKind::Implicit,
        );
        assert_eq!(v.unwrap(), Value::Text("ab".into()));
        let v = cast(Value::Bool(true), &SqlType::Text, CastKind::Explicit).unwrap();
        assert_eq!(v, Value::Text("true".into()));
    }

    #[test]
    fn contexts() {
        assert!(can_cast(&SqlType::Int4, &SqlType::Int8, CastKind::Implicit));
        assert!(!can_cast(
            &SqlType::Int8,
            &SqlType::Int4,
            CastKind::Implicit
        ));
        assert!(can_cast(
            &SqlType::Int8,
            &SqlType::Int4,
            CastKind::Assignment
        ));
        assert!(!can_cast(
            &SqlType::Bool,
            &SqlType::Int4,
            CastKind::Assignment
        ));
        assert!(can_cast(&SqlType::Bool, &SqlType::Int4, CastKind::Explicit));
        assert!(can_cast(
            &SqlType::Int4,
            &SqlType::Text,
            CastKind::Assignment
        ));
        assert!(!can_cast(
            &SqlType::Text,
            &SqlType::Int4,
            CastKind::Assignment
        ));
        assert_eq!(
            implicit_common_type(&SqlType::Int4, &SqlType::NUMERIC),
            Some(SqlType::NUMERIC)
        );
        assert_eq!(implicit_common_type(&SqlType::Int4, &SqlType::Text), None);
        assert_eq!(
            implicit_common_type(&SqlType::Unknown, &SqlType::Date),
            Some(SqlType::Date)
        );
    }

    #[test]
    fn time_casts() {
        use SqlType as T;
        assert_eq!(
            implicit_common_type(&T::Time(None), &T::Time(None)),
            Some(T::Time(None))
        );
        assert_eq!(
            implicit_common_type(&T::Unknown, &T::Time(None)),
            Some(T::Time(None))
        );
        assert_eq!(
            implicit_common_type(&T::Time(None), &T::Timestamp(None)),
            None
        );
        assert_eq!(implicit_common_type(&T::Date, &T::Time(None)), None);
        assert_eq!(
            implicit_common_type(&T::Time(None), &T::Interval(None)),
            None
        );
        assert!(can_cast(
            &T::Time(None),
            &T::Interval(None),
            CastKind::Implicit
        ));
        assert!(!can_cast(
            &T::Interval(None),
            &T::Time(None),
            CastKind::Implicit
        ));
        assert!(can_cast(
            &T::Interval(None),
            &T::Time(None),
            CastKind::Assignment
        ));
        assert!(can_cast(
            &T::Timestamp(None),
            &T::Time(None),
            CastKind::Assignment
        ));
        assert!(!can_cast(
            &T::Timestamp(None),
            &T::Time(None),
            CastKind::Implicit
        ));
        assert!(!can_cast(&T::Date, &T::Time(None), CastKind::Explicit));
        assert!(!can_cast(
            &T::Time(None),
            &T::Timestamp(None),
            CastKind::Explicit
        ));
        assert!(can_cast(&T::Time(None), &T::Text, CastKind::Assignment));
        assert!(can_cast(&T::Text, &T::Time(None), CastKind::Explicit));
        // psql: select timestamp 'infinity'::time  -> NULL
        assert_eq!(
            cast(
                Value::Timestamp(i64::MAX),
                &T::Time(None),
                CastKind::Explicit
            )
            .unwrap(),
            Value::Null
        );
    }
}
