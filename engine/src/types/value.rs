//! [`Value`]: an owned SQL value, and its conversion to and from the
//! codec's [`Datum`].
//!
//! `Value` is what the executor computes with. Its variants follow the SQL
//! types one to one except that `text`, `varchar` and `char(n)` share
//! [`Value::Text`] (a `char(n)` value is kept blank-padded, as PostgreSQL
//! stores it) and `timestamp`/`timestamptz` are separate variants over the
//! same representation (microseconds since 2000-01-01; UTC for
//! `timestamptz`); `time` is [`Value::Time`], microseconds since midnight,
//! stored as an `int8` datum. Which SQL type a `Text` value has is the planner's
//! knowledge, passed in where it matters (typmods, `char` comparison).
//!
//! Storage goes through [`Value::to_datum`] / [`Value::from_datum`]; the
//! `SqlType` given to `from_datum` restores what the codec type loses
//! (`timestamptz` vs `timestamp`, `interval` from its 16 bytes).

use std::borrow::Cow;

use rocksgres_codec::{Datum, Numeric};

use super::bits::BitString;
use super::enum_type::EnumDef;
use super::inet::Inet;
use super::interval::Interval;
use super::sql_type::SqlType;
use crate::error::{EngineError, Result, SqlState};

/// An owned SQL value.
#[derive(Debug, Clone, PartialEq)]
pub enum Value {
    /// SQL `NULL`.
    Null,
    /// `boolean`.
    Bool(bool),
    /// `smallint`.
    Int2(i16),
    /// `integer`.
    Int4(i32),
    /// `bigint`.
    Int8(i64),
    /// `real`.
    Float4(f32),
    /// `double precision`.
    Float8(f64),
    /// `numeric`.
    Numeric(Numeric),
    /// `text`, `varchar` and `char(n)` (blank-padded).
    Text(String),
    /// `bytea`.
    Bytea(Vec<u8>),
    /// `date`: days since 2000-01-01; `i32::MIN`/`i32::MAX` are the
    /// infinities.
    Date(i32),
    /// `time`: microseconds since midnight, `0..=86_400_000_000`
    /// (`24:00:00` is a valid time, as in PostgreSQL).
    Time(i64),
    /// `timestamp`: microseconds since 2000-01-01 00:00:00;
    /// `i64::MIN`/`i64::MAX` are the infinities.
    Timestamp(i64),
    /// `timestamptz`: microseconds since 2000-01-01 00:00:00 UTC.
    Timestamptz(i64),
    /// `interval`.
    Interval(Interval),
    /// A value of an enum type: the type and the label's position in its
    /// (sorted) labels.
    Enum(&'static EnumDef, u32),
    /// `inet` or `cidr` (the value knows which).
    Inet(Inet),
    /// `bit` or `bit varying`.
    Bits(BitString),
    /// `macaddr`.
    MacAddr([u8; 6]),
    /// `macaddr8`.
    MacAddr8([u8; 8]),
    /// `time with time zone`: microseconds since midnight and the zone
    /// in seconds west of UTC (see [`super::timetz`]).
    TimeTz(i64, i32),
}

impl Value {
    /// Whether this is `NULL`.
    pub fn is_null(&self) -> bool {
        matches!(self, Value::Null)
    }

    /// The natural SQL type of the value (`text` for strings, unbounded
    /// `numeric`); `None` for `NULL`.
    pub fn sql_type(&self) -> Option<SqlType> {
        Some(match self {
            Value::Null => return None,
            Value::Bool(_) => SqlType::Bool,
            Value::Int2(_) => SqlType::Int2,
            Value::Int4(_) => SqlType::Int4,
            Value::Int8(_) => SqlType::Int8,
            Value::Float4(_) => SqlType::Float4,
            Value::Float8(_) => SqlType::Float8,
            Value::Numeric(_) => SqlType::NUMERIC,
            Value::Text(_) => SqlType::Text,
            Value::Bytea(_) => SqlType::Bytea,
            Value::Date(_) => SqlType::Date,
            Value::Time(_) => SqlType::Time(None),
            Value::Timestamp(_) => SqlType::Timestamp(None),
            Value::Timestamptz(_) => SqlType::Timestamptz(None),
            Value::Interval(_) => SqlType::Interval(None),
            Value::Enum(d, _) => SqlType::Enum(d),
            Value::Bits(_) => SqlType::Bit(None),
            Value::MacAddr(_) => SqlType::MacAddr,
            Value::MacAddr8(_) => SqlType::MacAddr8,
            Value::TimeTz(..) => SqlType::TimeTz(None),
            Value::Inet(i) => {
                if i.cidr {
                    SqlType::Cidr
                } else {
                    SqlType::Inet
                }
            }
        })
    }

    /// The boolean, if this is one.
    pub fn as_bool(&self) -> Option<bool> {
        match self {
            Value::Bool(b) => Some(*b),
            _ => None,
        }
    }

    /// Any integer value widened to i64.
    pub fn as_i64(&self) -> Option<i64> {
        match self {
            Value::Int2(v) => Some(i64::from(*v)),
            Value::Int4(v) => Some(i64::from(*v)),
            Value::Int8(v) => Some(*v),
            _ => None,
        }
    }

    /// Any numeric-category value as f64 (numeric read from its digits).
    pub fn as_f64(&self) -> Option<f64> {
        match self {
            Value::Int2(v) => Some(f64::from(*v)),
            Value::Int4(v) => Some(f64::from(*v)),
            Value::Int8(v) => Some(*v as f64),
            Value::Float4(v) => Some(f64::from(*v)),
            Value::Float8(v) => Some(*v),
            Value::Numeric(n) => Some(super::numeric_ops::numeric_to_f64(n)),
            _ => None,
        }
    }

    /// The string, for text-family values.
    pub fn as_str(&self) -> Option<&str> {
        match self {
            Value::Text(s) => Some(s),
            _ => None,
        }
    }

    /// The bytes, for `bytea`.
    pub fn as_bytes(&self) -> Option<&[u8]> {
        match self {
            Value::Bytea(b) => Some(b),
            _ => None,
        }
    }

    /// The numeric, for `numeric`.
    pub fn as_numeric(&self) -> Option<&Numeric> {
        match self {
            Value::Numeric(n) => Some(n),
            _ => None,
        }
    }

    /// The label, for an enum value.
    pub fn enum_label(&self) -> Option<&'static str> {
        match self {
            Value::Enum(d, i) => Some(&d.labels[*i as usize].name),
            _ => None,
        }
    }

    /// The interval, for `interval`.
    pub fn as_interval(&self) -> Option<&Interval> {
        match self {
            Value::Interval(i) => Some(i),
            _ => None,
        }
    }

    /// The codec datum for storage, borrowing text and bytes.
    pub fn to_datum(&self) -> Datum<'_> {
        match self {
            Value::Null => Datum::Null,
            Value::Bool(v) => Datum::Bool(*v),
            Value::Int2(v) => Datum::Int2(*v),
            Value::Int4(v) => Datum::Int4(*v),
            Value::Int8(v) | Value::Time(v) => Datum::Int8(*v),
            Value::Float4(v) => Datum::Float4(*v),
            Value::Float8(v) => Datum::Float8(*v),
            Value::Numeric(n) => Datum::Numeric(n.clone()),
            Value::Text(s) => Datum::Text(Cow::Borrowed(s)),
            Value::Bytea(b) => Datum::Bytea(Cow::Borrowed(b)),
            Value::Date(d) => Datum::Date(*d),
            Value::Timestamp(t) | Value::Timestamptz(t) => Datum::Timestamp(*t),
            Value::Interval(i) => Datum::Bytea(Cow::Owned(i.to_bytes().to_vec())),
            Value::Enum(d, i) => Datum::Float4(d.labels[*i as usize].sort),
            Value::Inet(i) => Datum::Bytea(Cow::Owned(i.to_key())),
            Value::Bits(b) => Datum::Bytea(Cow::Owned(b.to_key())),
            Value::MacAddr(m) => Datum::Bytea(Cow::Owned(m.to_vec())),
            Value::MacAddr8(m) => Datum::Bytea(Cow::Owned(m.to_vec())),
            Value::TimeTz(t, z) => Datum::Bytea(Cow::Owned(super::timetz::to_key(*t, *z))),
        }
    }

    /// Rebuilds a value from a stored datum of a column of type `ty`.
    /// A datum that does not match the type is data corruption (XX001).
    pub fn from_datum(datum: Datum<'_>, ty: &SqlType) -> Result<Value> {
        let mismatch = || {
            EngineError::new(
                SqlState::DataCorrupted,
                format!("stored value does not match column type {ty}"),
            )
        };
        Ok(match (datum, ty) {
            (Datum::Null, _) => Value::Null,
            (Datum::Bool(v), SqlType::Bool) => Value::Bool(v),
            (Datum::Int2(v), SqlType::Int2) => Value::Int2(v),
            (Datum::Int4(v), SqlType::Int4) => Value::Int4(v),
            (Datum::Int8(v), SqlType::Int8) => Value::Int8(v),
            (Datum::Int8(v), SqlType::Oid) => {
                if u32::try_from(v).is_err() {
                    return Err(mismatch());
                }
                Value::Int8(v)
            }
            (Datum::Int8(v), SqlType::Time(_)) => {
                if !(0..=super::datetime::USECS_PER_DAY).contains(&v) {
                    return Err(mismatch());
                }
                Value::Time(v)
            }
            (Datum::Float4(v), SqlType::Float4) => Value::Float4(v),
            (Datum::Float4(v), SqlType::Enum(d)) => {
                Value::Enum(d, d.position_of_sort(v).ok_or_else(mismatch)? as u32)
            }
            (Datum::Float8(v), SqlType::Float8) => Value::Float8(v),
            (Datum::Numeric(n), SqlType::Numeric { .. }) => Value::Numeric(n),
            (Datum::Text(s), t) if stored_as_text(t) => Value::Text(s.into_owned()),
            (Datum::Bytea(b), SqlType::Bytea) => Value::Bytea(b.into_owned()),
            (Datum::Bytea(b), SqlType::Interval(_)) => {
                Value::Interval(Interval::from_bytes(&b).ok_or_else(mismatch)?)
            }
            (Datum::Bytea(b), SqlType::Inet | SqlType::Cidr) => {
                Value::Inet(Inet::from_key(&b, *ty == SqlType::Cidr).ok_or_else(mismatch)?)
            }
            (Datum::Bytea(b), SqlType::Bit(_) | SqlType::VarBit(_)) => {
                Value::Bits(BitString::from_key(&b).ok_or_else(mismatch)?)
            }
            (Datum::Bytea(b), SqlType::MacAddr) => {
                Value::MacAddr(b.as_ref().try_into().map_err(|_| mismatch())?)
            }
            (Datum::Bytea(b), SqlType::MacAddr8) => {
                Value::MacAddr8(b.as_ref().try_into().map_err(|_| mismatch())?)
            }
            (Datum::Bytea(b), SqlType::TimeTz(_)) => {
                let (t, z) = super::timetz::from_key(&b).ok_or_else(mismatch)?;
                Value::TimeTz(t, z)
            }
            (Datum::Date(d), SqlType::Date) => Value::Date(d),
            (Datum::Timestamp(t), SqlType::Timestamp(_)) => Value::Timestamp(t),
            (Datum::Timestamp(t), SqlType::Timestamptz(_)) => Value::Timestamptz(t),
            _ => return Err(mismatch()),
        })
    }

    /// Like [`Value::from_datum`], but overwrites `self`, reusing its text
    /// or bytea buffer when the new value is of the same kind, so decoding
    /// row after row into the same values allocates nothing once the
    /// buffers are large enough.
    pub fn set_from_datum(&mut self, datum: Datum<'_>, ty: &SqlType) -> Result<()> {
        match (self, &datum, ty) {
            (Value::Text(buf), Datum::Text(s), t) if stored_as_text(t) => {
                buf.clear();
                buf.push_str(s);
            }
            (Value::Bytea(buf), Datum::Bytea(b), SqlType::Bytea) => {
                buf.clear();
                buf.extend_from_slice(b);
            }
            (slot, _, _) => *slot = Value::from_datum(datum, ty)?,
        }
        Ok(())
    }

    /// Overwrites `self` with a copy of `src`, reusing `self`'s text or
    /// bytea buffer when both are of that kind (`clone` would allocate).
    #[inline]
    pub fn assign_from(&mut self, src: &Value) {
        match (self, src) {
            (Value::Text(buf), Value::Text(s)) => {
                buf.clear();
                buf.push_str(s);
            }
            (Value::Bytea(buf), Value::Bytea(b)) => {
                buf.clear();
                buf.extend_from_slice(b);
            }
            // The everyday scalars over a value of the same kind: a plain
            // store, without the general clone and drop (rows copied into
            // reused buffers, as joins and parallel scans do, meet these
            // for every value).
            (Value::Int4(d), Value::Int4(s)) | (Value::Date(d), Value::Date(s)) => *d = *s,
            (Value::Int8(d), Value::Int8(s))
            | (Value::Timestamp(d), Value::Timestamp(s))
            | (Value::Timestamptz(d), Value::Timestamptz(s)) => *d = *s,
            (Value::Int2(d), Value::Int2(s)) => *d = *s,
            (Value::Bool(d), Value::Bool(s)) => *d = *s,
            (Value::Float8(d), Value::Float8(s)) => *d = *s,
            (Value::Null, Value::Null) => {}
            (slot, _) => *slot = src.clone(),
        }
    }

    /// The value's text form (PostgreSQL's output function); `None` for
    /// `NULL`.
    pub fn to_text(&self) -> Option<String> {
        if self.is_null() {
            return None;
        }
        let mut s = String::new();
        self.write_text(&mut s);
        Some(s)
    }
}

/// Whether values of `ty` are [`Value::Text`] stored as text datums:
/// the string types, `name`, `"char"`, the `reg*` aliases (carried as the
/// object's name) and arrays (carried as their canonical text).
fn stored_as_text(ty: &SqlType) -> bool {
    ty.storage_type() == rocksgres_codec::DataType::Text
}

impl From<bool> for Value {
    fn from(v: bool) -> Self {
        Value::Bool(v)
    }
}

impl From<i16> for Value {
    fn from(v: i16) -> Self {
        Value::Int2(v)
    }
}

impl From<i32> for Value {
    fn from(v: i32) -> Self {
        Value::Int4(v)
    }
}

impl From<i64> for Value {
    fn from(v: i64) -> Self {
        Value::Int8(v)
    }
}

impl From<f64> for Value {
    fn from(v: f64) -> Self {
        Value::Float8(v)
    }
}

impl From<&str> for Value {
    fn from(v: &str) -> Self {
        Value::Text(v.to_owned())
    }
}

impl From<String> for Value {
    fn from(v: String) -> Self {
        Value::Text(v)
    }
}

impl From<Numeric> for Value {
    fn from(v: Numeric) -> Self {
        Value::Numeric(v)
    }
}

impl From<Interval> for Value {
    fn from(v: Interval) -> Self {
        Value::Interval(v)
    }
}

impl<T: Into<Value>> From<Option<T>> for Value {
    fn from(v: Option<T>) -> Self {
        v.map_or(Value::Null, Into::into)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn datum_round_trip() {
        let cases = [
            (Value::Int4(7), SqlType::Int4),
            (Value::Text("ab  ".into()), SqlType::Char(Some(4))),
            (Value::Timestamptz(123), SqlType::Timestamptz(None)),
            (
                Value::Interval(Interval::new(1, -2, 3)),
                SqlType::Interval(None),
            ),
            (
                Value::Numeric(Numeric::parse("1.50").unwrap()),
                SqlType::NUMERIC,
            ),
            (Value::Null, SqlType::Date),
            (Value::Time(45_296_000_000), SqlType::Time(None)),
            (
                Value::TimeTz(45_296_000_000, -19_800),
                SqlType::TimeTz(None),
            ),
            (Value::Time(86_400_000_000), SqlType::Time(None)),
            (Value::Text("pg_class".into()), SqlType::Name),
            (
                Value::Bits(BitString::parse("1010110011").unwrap()),
                SqlType::VarBit(None),
            ),
            (
                Value::Bits(BitString::parse("").unwrap()),
                SqlType::Bit(None),
            ),
            (
                Value::Inet(Inet::parse("10.1.0.0/16", true).unwrap()),
                SqlType::Cidr,
            ),
            (
                Value::Inet(Inet::parse("::1/64", false).unwrap()),
                SqlType::Inet,
            ),
            (Value::Text("r".into()), SqlType::QChar),
            (Value::Int8(4_294_967_295), SqlType::Oid),
            (
                Value::Text("{1,NULL,3}".into()),
                SqlType::Array(&SqlType::Int4),
            ),
            (
                Value::Text("{a,\"b c\"}".into()),
                SqlType::Array(&SqlType::Text),
            ),
        ];
        for (v, ty) in cases {
            let back = Value::from_datum(v.to_datum().into_owned(), &ty).unwrap();
            assert_eq!(back, v);
        }
        assert!(Value::from_datum(Datum::Int4(1), &SqlType::Text).is_err());
        assert!(Value::from_datum(Datum::Int8(-1), &SqlType::Time(None)).is_err());
        assert!(Value::from_datum(Datum::Int8(-1), &SqlType::Oid).is_err());
        let mut slot = Value::Text(String::new());
        slot.set_from_datum(Datum::text("{x}"), &SqlType::Array(&SqlType::Text))
            .unwrap();
        assert_eq!(slot, Value::Text("{x}".into()));
        assert!(Value::from_datum(Datum::Int8(86_400_000_001), &SqlType::Time(None)).is_err());
    }
}
