//! SQL values ([`Datum`]), their types ([`DataType`]) and PostgreSQL's
//! ordering of them ([`Datum::pg_cmp`]).
//!
//! A `Datum<'a>` may borrow from the bytes it was decoded from: text and
//! bytea are `Cow`s, borrowed whenever the stored bytes can be used as they
//! are (always for row decoding, for ascending keys without escapes) and
//! owned otherwise. `Numeric` is always owned: its digits are unpacked on
//! decode, and it is the form the engine will compute on. With these choices
//! `Datum` is 32 bytes.
//!
//! Dates and timestamps use PostgreSQL's internal representation, relative
//! to PostgreSQL's epoch 2000-01-01: a date is days, a timestamp (without
//! time zone) is microseconds. The extreme integers stand for the
//! infinities, as in PostgreSQL, so they sort correctly as plain integers.
//!
//! The ordering is PostgreSQL's default B-tree ordering with the `C`
//! collation for text (byte order, which for UTF-8 is code point order):
//! floats order `-Infinity < … < -0.0 = 0.0 < … < Infinity < NaN` with all
//! NaNs equal; numerics ignore their display scale.

use std::borrow::Cow;
use std::cmp::Ordering;
use std::fmt;

use crate::numeric::Numeric;

/// The SQL types a [`Datum`] can hold; decoders need it to know how to read
/// bytes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum DataType {
    /// `boolean`.
    Bool,
    /// `smallint` (`int2`).
    Int2,
    /// `integer` (`int4`).
    Int4,
    /// `bigint` (`int8`).
    Int8,
    /// `real` (`float4`).
    Float4,
    /// `double precision` (`float8`).
    Float8,
    /// `numeric` / `decimal`.
    Numeric,
    /// `text` (also carries `varchar` and `char(n)` values).
    Text,
    /// `bytea`.
    Bytea,
    /// `date`.
    Date,
    /// `timestamp` (without time zone).
    Timestamp,
}

impl DataType {
    /// Every type, in declaration order.
    pub const ALL: [DataType; 11] = [
        DataType::Bool,
        DataType::Int2,
        DataType::Int4,
        DataType::Int8,
        DataType::Float4,
        DataType::Float8,
        DataType::Numeric,
        DataType::Text,
        DataType::Bytea,
        DataType::Date,
        DataType::Timestamp,
    ];

    /// PostgreSQL's name for the type, as `format_type` prints it.
    pub fn name(self) -> &'static str {
        match self {
            DataType::Bool => "boolean",
            DataType::Int2 => "smallint",
            DataType::Int4 => "integer",
            DataType::Int8 => "bigint",
            DataType::Float4 => "real",
            DataType::Float8 => "double precision",
            DataType::Numeric => "numeric",
            DataType::Text => "text",
            DataType::Bytea => "bytea",
            DataType::Date => "date",
            DataType::Timestamp => "timestamp without time zone",
        }
    }
}

impl fmt::Display for DataType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// A SQL value, possibly borrowing text or bytes from an encoded buffer.
///
/// The derived `PartialEq` is structural (so `Float8(NaN) != Float8(NaN)`,
/// `Float8(-0.0) == Float8(0.0)`, and numerics compare by value); use
/// [`Datum::pg_cmp`] for SQL comparison.
#[derive(Debug, Clone, PartialEq)]
pub enum Datum<'a> {
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
    /// `numeric` (always owned).
    Numeric(Numeric),
    /// `text`; never contains NUL when it came from (or goes into) a key.
    Text(Cow<'a, str>),
    /// `bytea`.
    Bytea(Cow<'a, [u8]>),
    /// `date`: days since 2000-01-01; [`Datum::DATE_NEG_INFINITY`] and
    /// [`Datum::DATE_INFINITY`] are `-infinity` and `infinity`.
    Date(i32),
    /// `timestamp`: microseconds since 2000-01-01 00:00:00;
    /// [`Datum::TIMESTAMP_NEG_INFINITY`] and [`Datum::TIMESTAMP_INFINITY`]
    /// are `-infinity` and `infinity`.
    Timestamp(i64),
}

impl<'a> Datum<'a> {
    /// The `date` value `-infinity`.
    pub const DATE_NEG_INFINITY: i32 = i32::MIN;
    /// The `date` value `infinity`.
    pub const DATE_INFINITY: i32 = i32::MAX;
    /// The `timestamp` value `-infinity`.
    pub const TIMESTAMP_NEG_INFINITY: i64 = i64::MIN;
    /// The `timestamp` value `infinity`.
    pub const TIMESTAMP_INFINITY: i64 = i64::MAX;

    /// A borrowed `text` datum.
    pub fn text(s: &'a str) -> Datum<'a> {
        Datum::Text(Cow::Borrowed(s))
    }

    /// A borrowed `bytea` datum.
    pub fn bytea(b: &'a [u8]) -> Datum<'a> {
        Datum::Bytea(Cow::Borrowed(b))
    }

    /// Whether this is SQL `NULL`.
    pub fn is_null(&self) -> bool {
        matches!(self, Datum::Null)
    }

    /// The value's type; `None` for `NULL`, which has none of its own.
    pub fn data_type(&self) -> Option<DataType> {
        Some(match self {
            Datum::Null => return None,
            Datum::Bool(_) => DataType::Bool,
            Datum::Int2(_) => DataType::Int2,
            Datum::Int4(_) => DataType::Int4,
            Datum::Int8(_) => DataType::Int8,
            Datum::Float4(_) => DataType::Float4,
            Datum::Float8(_) => DataType::Float8,
            Datum::Numeric(_) => DataType::Numeric,
            Datum::Text(_) => DataType::Text,
            Datum::Bytea(_) => DataType::Bytea,
            Datum::Date(_) => DataType::Date,
            Datum::Timestamp(_) => DataType::Timestamp,
        })
    }

    /// Detaches the value from the buffer it borrows from.
    pub fn into_owned(self) -> Datum<'static> {
        match self {
            Datum::Null => Datum::Null,
            Datum::Bool(v) => Datum::Bool(v),
            Datum::Int2(v) => Datum::Int2(v),
            Datum::Int4(v) => Datum::Int4(v),
            Datum::Int8(v) => Datum::Int8(v),
            Datum::Float4(v) => Datum::Float4(v),
            Datum::Float8(v) => Datum::Float8(v),
            Datum::Numeric(v) => Datum::Numeric(v),
            Datum::Text(v) => Datum::Text(Cow::Owned(v.into_owned())),
            Datum::Bytea(v) => Datum::Bytea(Cow::Owned(v.into_owned())),
            Datum::Date(v) => Datum::Date(v),
            Datum::Timestamp(v) => Datum::Timestamp(v),
        }
    }

    /// Compares two values as PostgreSQL's default B-tree operators do (text
    /// under the `C` collation). `NULL` sorts before every value and equals
    /// `NULL`, matching the default [`crate::SortOrder`]. Returns `None` when
    /// the two non-null values have different types.
    pub fn pg_cmp(&self, other: &Datum<'_>) -> Option<Ordering> {
        Some(match (self, other) {
            (Datum::Null, Datum::Null) => Ordering::Equal,
            (Datum::Null, _) => Ordering::Less,
            (_, Datum::Null) => Ordering::Greater,
            (Datum::Bool(a), Datum::Bool(b)) => a.cmp(b),
            (Datum::Int2(a), Datum::Int2(b)) => a.cmp(b),
            (Datum::Int4(a), Datum::Int4(b)) => a.cmp(b),
            (Datum::Int8(a), Datum::Int8(b)) => a.cmp(b),
            (Datum::Float4(a), Datum::Float4(b)) => pg_float4_cmp(*a, *b),
            (Datum::Float8(a), Datum::Float8(b)) => pg_float8_cmp(*a, *b),
            (Datum::Numeric(a), Datum::Numeric(b)) => a.cmp(b),
            (Datum::Text(a), Datum::Text(b)) => a.as_bytes().cmp(b.as_bytes()),
            (Datum::Bytea(a), Datum::Bytea(b)) => a.as_ref().cmp(b.as_ref()),
            (Datum::Date(a), Datum::Date(b)) => a.cmp(b),
            (Datum::Timestamp(a), Datum::Timestamp(b)) => a.cmp(b),
            _ => return None,
        })
    }
}

/// PostgreSQL's `float8` comparison: a total order with `-0.0 = 0.0` and
/// every NaN equal to every other and greater than `Infinity`.
pub fn pg_float8_cmp(a: f64, b: f64) -> Ordering {
    match (a.is_nan(), b.is_nan()) {
        (true, true) => Ordering::Equal,
        (true, false) => Ordering::Greater,
        (false, true) => Ordering::Less,
        (false, false) => {
            if a < b {
                Ordering::Less
            } else if a > b {
                Ordering::Greater
            } else {
                Ordering::Equal
            }
        }
    }
}

/// PostgreSQL's `float4` comparison; see [`pg_float8_cmp`].
pub fn pg_float4_cmp(a: f32, b: f32) -> Ordering {
    pg_float8_cmp(f64::from(a), f64::from(b))
}

impl From<bool> for Datum<'_> {
    fn from(v: bool) -> Self {
        Datum::Bool(v)
    }
}

impl From<i16> for Datum<'_> {
    fn from(v: i16) -> Self {
        Datum::Int2(v)
    }
}

impl From<i32> for Datum<'_> {
    fn from(v: i32) -> Self {
        Datum::Int4(v)
    }
}

impl From<i64> for Datum<'_> {
    fn from(v: i64) -> Self {
        Datum::Int8(v)
    }
}

impl From<f32> for Datum<'_> {
    fn from(v: f32) -> Self {
        Datum::Float4(v)
    }
}

impl From<f64> for Datum<'_> {
    fn from(v: f64) -> Self {
        Datum::Float8(v)
    }
}

impl From<Numeric> for Datum<'_> {
    fn from(v: Numeric) -> Self {
        Datum::Numeric(v)
    }
}

impl<'a> From<&'a str> for Datum<'a> {
    fn from(v: &'a str) -> Self {
        Datum::Text(Cow::Borrowed(v))
    }
}

impl From<String> for Datum<'_> {
    fn from(v: String) -> Self {
        Datum::Text(Cow::Owned(v))
    }
}

impl<'a> From<&'a [u8]> for Datum<'a> {
    fn from(v: &'a [u8]) -> Self {
        Datum::Bytea(Cow::Borrowed(v))
    }
}

impl From<Vec<u8>> for Datum<'_> {
    fn from(v: Vec<u8>) -> Self {
        Datum::Bytea(Cow::Owned(v))
    }
}

impl<'a, T: Into<Datum<'a>>> From<Option<T>> for Datum<'a> {
    /// `None` becomes `NULL`.
    fn from(v: Option<T>) -> Self {
        v.map_or(Datum::Null, Into::into)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn datum_is_32_bytes() {
        assert_eq!(std::mem::size_of::<Datum<'_>>(), 32);
    }

    #[test]
    fn float_order() {
        let ordered = [
            f64::NEG_INFINITY,
            -1.0,
            -0.0,
            0.0,
            1e-300,
            1.0,
            f64::INFINITY,
            f64::NAN,
        ];
        for (i, a) in ordered.iter().enumerate() {
            for (j, b) in ordered.iter().enumerate() {
                let want = if (i == 2 && j == 3) || (i == 3 && j == 2) {
                    Ordering::Equal
                } else {
                    i.cmp(&j)
                };
                assert_eq!(pg_float8_cmp(*a, *b), want, "{a} vs {b}");
            }
        }
        assert_eq!(pg_float8_cmp(f64::NAN, -f64::NAN), Ordering::Equal);
    }

    #[test]
    fn cross_type_is_none() {
        assert_eq!(Datum::Int4(1).pg_cmp(&Datum::Int8(1)), None);
        assert_eq!(Datum::Null.pg_cmp(&Datum::Int8(1)), Some(Ordering::Less));
    }
}
