//! Text input and output of values: PostgreSQL's type input functions
//! (`int4in`, `boolin`, `byteain`, `date_in`, ...) and output functions
//! under the session settings the engine always uses (`DateStyle = ISO,
//! MDY`, `TimeZone = UTC`, `IntervalStyle = postgres`, `extra_float_digits
//! = 1`, `bytea_output = hex`).
//!
//! [`Value::parse_text`] reads a string as a given type and applies the
//! type modifier the way an assignment does (`varchar(3)` rejects
//! `'abcd'`, `numeric(4,2)` rounds `12.345`); explicit casts, which
//! truncate instead, go through [`crate::types::cast`].

use std::fmt::Write;

use rocksgres_codec::Numeric;

use super::cast::{apply_typmod, CastKind};
use super::datetime::{self, DateTimeKind};
use super::float;
use super::interval::Interval;
use super::numeric_ops::codec_error;
use super::sql_type::SqlType;
use super::value::Value;
use crate::error::{EngineError, Result, SqlState};

fn is_pg_space(c: char) -> bool {
    matches!(c, ' ' | '\t' | '\n' | '\r' | '\x0B' | '\x0C')
}

/// Parses an integer the way PostgreSQL 15's `pg_strtoint*` does:
/// surrounding whitespace, an optional sign, decimal digits.
pub fn parse_int(input: &str, min: i64, max: i64, type_name: &str) -> Result<i64> {
    let text = input.trim_matches(is_pg_space);
    let syntax = || {
        EngineError::new(
            SqlState::InvalidTextRepresentation,
            format!("invalid input syntax for type {type_name}: \"{input}\""),
        )
    };
    let (neg, digits) = match text.as_bytes().first() {
        Some(b'-') => (true, &text[1..]),
        Some(b'+') => (false, &text[1..]),
        _ => (false, text),
    };
    if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return Err(syntax());
    }
    let mut v: i128 = 0;
    for b in digits.bytes() {
        v = v * 10 + i128::from(b - b'0');
        if v > i128::from(u64::MAX) {
            break;
        }
    }
    if neg {
        v = -v;
    }
    if v < i128::from(min) || v > i128::from(max) {
        return Err(EngineError::new(
            SqlState::NumericValueOutOfRange,
            format!("value \"{input}\" is out of range for type {type_name}"),
        ));
    }
    Ok(v as i64)
}

/// Parses a boolean as PostgreSQL's `boolin`: `t`, `true`, `yes`, `on`,
/// `1` and `f`, `false`, `no`, `off`, `0`, case-insensitive, with unique
/// prefixes (`tr`, `of`) accepted.
pub fn parse_bool(input: &str) -> Result<bool> {
    let text = input.trim_matches(is_pg_space).to_ascii_lowercase();
    let prefix_of = |word: &str, min: usize| text.len() >= min && word.starts_with(&text);
    let value = match text.as_bytes().first() {
        Some(b't') if prefix_of("true", 1) => Some(true),
        Some(b'f') if prefix_of("false", 1) => Some(false),
        Some(b'y') if prefix_of("yes", 1) => Some(true),
        Some(b'n') if prefix_of("no", 1) => Some(false),
        Some(b'o') if prefix_of("on", 2) => Some(true),
        Some(b'o') if prefix_of("off", 2) => Some(false),
        Some(b'1') if text.len() == 1 => Some(true),
        Some(b'0') if text.len() == 1 => Some(false),
        _ => None,
    };
    value.ok_or_else(|| {
        EngineError::new(
            SqlState::InvalidTextRepresentation,
            format!("invalid input syntax for type boolean: \"{input}\""),
        )
    })
}

/// Parses `bytea` input: hex (`\x0a0b`, whitespace between byte pairs
/// allowed) or the escape format (`\\`, `\ooo` octal, other bytes as
/// they are).
pub fn parse_bytea(input: &str) -> Result<Vec<u8>> {
    let bytes = input.as_bytes();
    if let Some(hex) = input.strip_prefix("\\x") {
        let mut out = Vec::with_capacity(hex.len() / 2);
        let mut chars = hex.chars().filter(|c| !is_pg_space(*c));
        // Whitespace is only allowed between pairs in PostgreSQL; being a
        // little more lenient here is harmless.
        while let Some(hi) = chars.next() {
            let h = hex_value(hi)?;
            let Some(lo) = chars.next() else {
                return Err(EngineError::new(
                    SqlState::InvalidParameterValue,
                    "invalid hexadecimal data: odd number of digits",
                ));
            };
            out.push(h << 4 | hex_value(lo)?);
        }
        return Ok(out);
    }
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] != b'\\' {
            out.push(bytes[i]);
            i += 1;
        } else if bytes.get(i + 1) == Some(&b'\\') {
            out.push(b'\\');
            i += 2;
        } else if i + 3 < bytes.len()
            && matches!(bytes[i + 1], b'0'..=b'3')
            && matches!(bytes[i + 2], b'0'..=b'7')
            && matches!(bytes[i + 3], b'0'..=b'7')
        {
            out.push(
                (bytes[i + 1] - b'0') << 6 | (bytes[i + 2] - b'0') << 3 | (bytes[i + 3] - b'0'),
            );
            i += 4;
        } else {
            return Err(EngineError::new(
                SqlState::InvalidTextRepresentation,
                "invalid input syntax for type bytea",
            ));
        }
    }
    Ok(out)
}

fn hex_value(c: char) -> Result<u8> {
    c.to_digit(16).map(|d| d as u8).ok_or_else(|| {
        EngineError::new(
            SqlState::InvalidParameterValue,
            format!("invalid hexadecimal digit: \"{c}\""),
        )
    })
}

/// Rejects NUL characters, which PostgreSQL text cannot hold.
pub(crate) fn check_no_nul(s: &str) -> Result<()> {
    if s.contains('\0') {
        return Err(EngineError::new(
            SqlState::CharacterNotInRepertoire,
            "invalid byte sequence for encoding \"UTF8\": 0x00",
        ));
    }
    Ok(())
}

impl Value {
    /// Reads `input` as a value of type `ty` (PostgreSQL's input function),
    /// applying `ty`'s modifier with assignment semantics.
    pub fn parse_text(input: &str, ty: &SqlType) -> Result<Value> {
        let value = Value::parse_text_base(input, ty)?;
        if ty.typmod() == -1 {
            return Ok(value);
        }
        apply_typmod(value, ty, CastKind::Assignment)
    }

    /// Reads `input` as the base type of `ty`, ignoring its modifier.
    pub fn parse_text_base(input: &str, ty: &SqlType) -> Result<Value> {
        Ok(match ty {
            SqlType::Bool => Value::Bool(parse_bool(input)?),
            SqlType::Int2 => {
                Value::Int2(
                    parse_int(input, i64::from(i16::MIN), i64::from(i16::MAX), "smallint")? as i16,
                )
            }
            SqlType::Int4 => {
                Value::Int4(
                    parse_int(input, i64::from(i32::MIN), i64::from(i32::MAX), "integer")? as i32,
                )
            }
            SqlType::Int8 => Value::Int8(parse_int(input, i64::MIN, i64::MAX, "bigint")?),
            SqlType::Float4 => Value::Float4(float::parse_float4(input)?),
            SqlType::Float8 => Value::Float8(float::parse_float8(input)?),
            SqlType::Numeric { .. } => Value::Numeric(Numeric::parse(input).map_err(codec_error)?),
            SqlType::Text | SqlType::Varchar(_) | SqlType::Char(_) | SqlType::Unknown => {
                check_no_nul(input)?;
                Value::Text(input.to_owned())
            }
            SqlType::Bytea => Value::Bytea(parse_bytea(input)?),
            SqlType::Date => Value::Date(datetime::parse_date(input)?),
            SqlType::Time(_) => Value::Time(datetime::parse_time(input)?),
            SqlType::Timestamp(_) => {
                Value::Timestamp(datetime::parse_timestamp(input, DateTimeKind::Timestamp)?)
            }
            SqlType::Timestamptz(_) => {
                Value::Timestamptz(datetime::parse_timestamp(input, DateTimeKind::Timestamptz)?)
            }
            SqlType::Interval(m) => Value::Interval(Interval::parse_for(input, *m)?),
            SqlType::Name => {
                check_no_nul(input)?;
                Value::Text(truncate_name(input).to_owned())
            }
            SqlType::QChar => {
                Value::Text(input.chars().next().map(String::from).unwrap_or_default())
            }
            SqlType::Oid => Value::Int8(parse_oid(input)?),
            SqlType::Uuid => Value::Text(super::uuid::parse(input)?),
            SqlType::Json => Value::Text(super::json::parse_json_text(input)?),
            SqlType::Jsonb => Value::Text(super::json::parse_jsonb_text(input)?),
            SqlType::JsonPath => Value::Text(super::json_path::JsonPath::normalize(input)?),
            // Resolving a name needs the catalog: the binder routes casts
            // to these types through the catalog functions; here the text
            // is kept as given.
            SqlType::Reg(_) => {
                check_no_nul(input)?;
                Value::Text(input.to_owned())
            }
            SqlType::Array(elem) => Value::Text(super::array::canonical(input, elem)?),
            SqlType::Vector(elem) => Value::Text(super::vector::parse(input, elem)?),
            SqlType::Enum(d) => Value::Enum(d, d.parse(input)? as u32),
            SqlType::Composite(d) => Value::Text(super::composite::parse_typed(d, input)?),
            SqlType::Record => {
                return Err(EngineError::new(
                    SqlState::FeatureNotSupported,
                    "input of anonymous composite types is not implemented",
                ))
            }
            SqlType::Inet => Value::Inet(super::inet::Inet::parse(input, false)?),
            SqlType::Cidr => Value::Inet(super::inet::Inet::parse(input, true)?),
            SqlType::Bit(_) | SqlType::VarBit(_) => {
                Value::Bits(super::bits::BitString::parse(input)?)
            }
            SqlType::MacAddr => Value::MacAddr(super::macaddr::parse(input)?),
            SqlType::MacAddr8 => Value::MacAddr8(super::macaddr::parse8(input)?),
            SqlType::TimeTz(_) => {
                let (t, z) = super::timetz::parse(input)?;
                Value::TimeTz(t, z)
            }
        })
    }

    /// Appends the value's text form (PostgreSQL's output function).
    /// `NULL` appends nothing; callers print it as they need.
    pub fn write_text(&self, out: &mut String) {
        match self {
            Value::Null => {}
            Value::Bool(b) => out.push(if *b { 't' } else { 'f' }),
            Value::Int2(v) => {
                let _ = write!(out, "{v}");
            }
            Value::Int4(v) => {
                let _ = write!(out, "{v}");
            }
            Value::Int8(v) => {
                let _ = write!(out, "{v}");
            }
            Value::Float4(v) => float::write_float4(out, *v),
            Value::Float8(v) => float::write_float8(out, *v),
            Value::Numeric(n) => {
                let _ = write!(out, "{n}");
            }
            Value::Text(s) => out.push_str(s),
            Value::Bytea(b) => {
                out.reserve(2 + b.len() * 2);
                out.push_str("\\x");
                for byte in b {
                    let _ = write!(out, "{byte:02x}");
                }
            }
            Value::Date(d) => datetime::write_date(out, *d),
            Value::Time(t) => datetime::write_time(out, *t),
            Value::Timestamp(t) => datetime::write_timestamp(out, *t, false),
            Value::Timestamptz(t) => datetime::write_timestamp(out, *t, true),
            Value::Interval(i) => i.write_text(out),
            Value::Enum(d, i) => out.push_str(&d.labels[*i as usize].name),
            Value::Inet(i) => i.write_text(out),
            Value::Bits(b) => b.write_text(out),
            Value::MacAddr(m) => super::macaddr::write_text(m, out),
            Value::MacAddr8(m) => super::macaddr::write_text(m, out),
            Value::TimeTz(t, z) => super::timetz::write_text(*t, *z, out),
        }
    }
}

/// PostgreSQL's `NAMEDATALEN - 1`: names keep at most 63 bytes.
pub const MAX_NAME_BYTES: usize = 63;

/// Cuts `s` to at most [`MAX_NAME_BYTES`] bytes on a character boundary.
pub fn truncate_name(s: &str) -> &str {
    if s.len() <= MAX_NAME_BYTES {
        return s;
    }
    let mut end = MAX_NAME_BYTES;
    while !s.is_char_boundary(end) {
        end -= 1;
    }
    &s[..end]
}

/// `oidin`: an unsigned 32-bit number; negative numbers down to
/// -2147483648 wrap around, as in PostgreSQL.
pub fn parse_oid(input: &str) -> Result<i64> {
    let t = input.trim();
    let bad = || {
        EngineError::new(
            SqlState::InvalidTextRepresentation,
            format!("invalid input syntax for type oid: \"{input}\""),
        )
    };
    let v: i64 = t.parse().map_err(|_| bad())?;
    if v > i64::from(u32::MAX) || v < i64::from(i32::MIN) {
        return Err(EngineError::new(
            SqlState::NumericValueOutOfRange,
            format!("value \"{input}\" is out of range for type oid"),
        ));
    }
    Ok(if v < 0 { v + (1i64 << 32) } else { v })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn round_trip(input: &str, ty: SqlType) -> String {
        Value::parse_text(input, &ty).unwrap().to_text().unwrap()
    }

    #[test]
    fn ints() {
        assert_eq!(round_trip(" 12 ", SqlType::Int4), "12");
        assert_eq!(round_trip("+5", SqlType::Int2), "5");
        let e = Value::parse_text("99999999999", &SqlType::Int4).unwrap_err();
        assert_eq!(
            e.message,
            "value \"99999999999\" is out of range for type integer"
        );
        assert_eq!(e.state, SqlState::NumericValueOutOfRange);
        let e = Value::parse_text("", &SqlType::Int4).unwrap_err();
        assert_eq!(e.message, "invalid input syntax for type integer: \"\"");
        assert_eq!(
            round_trip("-9223372036854775808", SqlType::Int8),
            "-9223372036854775808"
        );
    }

    #[test]
    fn bools() {
        for t in ["t", "TRUE", "tr", "y", "yes", "on", "1", " true "] {
            assert!(parse_bool(t).unwrap(), "{t}");
        }
        for f in ["f", "false", "n", "no", "of", "off", "0"] {
            assert!(!parse_bool(f).unwrap(), "{f}");
        }
        for bad in ["o", "2", "", "tru e", "yess"] {
            assert!(parse_bool(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn bytea() {
        // psql: select '\x0a0B'::bytea, 'ab\\c\001'::bytea, 'abc'::bytea
        assert_eq!(round_trip("\\x0a0B", SqlType::Bytea), "\\x0a0b");
        assert_eq!(round_trip("ab\\\\c\\001", SqlType::Bytea), "\\x61625c6301");
        assert_eq!(round_trip("abc", SqlType::Bytea), "\\x616263");
        assert_eq!(
            parse_bytea("a\\q").unwrap_err().message,
            "invalid input syntax for type bytea"
        );
        assert_eq!(
            parse_bytea("\\x0").unwrap_err().message,
            "invalid hexadecimal data: odd number of digits"
        );
        assert_eq!(
            parse_bytea("\\xzz").unwrap_err().message,
            "invalid hexadecimal digit: \"z\""
        );
    }

    #[test]
    fn times() {
        // psql: select '12:34:56'::time, '12:34'::time, '12:34:56.789'::time,
        //   '1:2:3'::time, '24:00:00'::time, 'allballs'::time
        assert_eq!(round_trip("12:34:56", SqlType::Time(None)), "12:34:56");
        assert_eq!(round_trip("12:34", SqlType::Time(None)), "12:34:00");
        assert_eq!(
            round_trip("12:34:56.789", SqlType::Time(None)),
            "12:34:56.789"
        );
        assert_eq!(round_trip("1:2:3", SqlType::Time(None)), "01:02:03");
        assert_eq!(round_trip("24:00:00", SqlType::Time(None)), "24:00:00");
        assert_eq!(round_trip("allballs", SqlType::Time(None)), "00:00:00");
        let e = Value::parse_text("25:00", &SqlType::Time(None)).unwrap_err();
        assert_eq!(e.state, SqlState::DatetimeFieldOverflow);
        let e = Value::parse_text("abc", &SqlType::Time(None)).unwrap_err();
        assert_eq!(e.state, SqlState::InvalidDatetimeFormat);
        assert_eq!(e.message, "invalid input syntax for type time: \"abc\"");
    }

    #[test]
    fn strings_with_typmod() {
        assert_eq!(round_trip("ab", SqlType::Char(Some(4))), "ab  ");
        assert_eq!(round_trip("ab  ", SqlType::Varchar(Some(2))), "ab");
        let e = Value::parse_text("abcd", &SqlType::Varchar(Some(3))).unwrap_err();
        assert_eq!(e.message, "value too long for type character varying(3)");
        assert_eq!(e.state, SqlState::StringDataRightTruncation);
    }
}
