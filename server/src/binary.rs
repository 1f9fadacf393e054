//! PostgreSQL binary formats (`typsend`/`typreceive`) for the common types.
//!
//! The engine speaks text; binary values only appear on the wire, when a
//! client binds binary parameters or asks for binary result columns. The
//! layouts follow PostgreSQL: big-endian integers and IEEE floats,
//! `date` as days and `timestamp[tz]` as microseconds since 2000-01-01 (the
//! engine's own representation), `interval` as microseconds, days, months,
//! `numeric` as base-10000 digit groups with weight, sign and display
//! scale, `time` as microseconds, `oid` as an unsigned 32-bit integer, `uuid`
//! as its 16 bytes, `json` as its text, `jsonb` as version byte 1 and its text,
//! `"char"` as one byte, `inet`/`cidr` as family, bits, is_cidr, length and
//! address bytes, `bit`/`varbit` as the bit count and the bytes,
//! `macaddr`/`macaddr8` as their six/eight bytes, `timetz` as microseconds
//! and the zone (seconds west), arrays (any dimensions and lower
//! bounds) in `array_send`'s layout and composite values in
//! `record_send`'s (read by [`crate::record_recv`]). Other types fail
//! with 0A000 rather than guess.

use bytes::{BufMut, BytesMut};
use pgwire::error::PgWireError;
use rocksgres_engine::types::{Interval, Numeric};
use rocksgres_engine::{SqlType, Value};

use crate::wire::user_error;

const NUMERIC_POS: u16 = 0x0000;
const NUMERIC_NEG: u16 = 0x4000;
const NUMERIC_NAN: u16 = 0xC000;
const NUMERIC_PINF: u16 = 0xD000;
const NUMERIC_NINF: u16 = 0xF000;

fn no_binary(ty: &SqlType) -> PgWireError {
    user_error(
        "0A000",
        format!(
            "binary format is not supported for type {}",
            ty.display_name()
        ),
    )
}

fn mismatch(ty: &SqlType) -> PgWireError {
    user_error(
        "XX000",
        format!("value does not match column type {}", ty.display_name()),
    )
}

/// Appends the binary form of non-NULL `v`, a value of type `ty`.
pub fn encode(v: &Value, ty: &SqlType, buf: &mut BytesMut) -> Result<(), PgWireError> {
    match ty {
        SqlType::Bool => buf.put_u8(u8::from(v.as_bool().ok_or_else(|| mismatch(ty))?)),
        SqlType::Int2 => {
            let i = v.as_i64().ok_or_else(|| mismatch(ty))?;
            buf.put_i16(i16::try_from(i).map_err(|_| mismatch(ty))?);
        }
        SqlType::Int4 => {
            let i = v.as_i64().ok_or_else(|| mismatch(ty))?;
            buf.put_i32(i32::try_from(i).map_err(|_| mismatch(ty))?);
        }
        SqlType::Int8 => buf.put_i64(v.as_i64().ok_or_else(|| mismatch(ty))?),
        SqlType::Float4 => match v {
            Value::Float4(f) => buf.put_f32(*f),
            other => buf.put_f32(other.as_f64().ok_or_else(|| mismatch(ty))? as f32),
        },
        SqlType::Float8 => buf.put_f64(v.as_f64().ok_or_else(|| mismatch(ty))?),
        SqlType::Text
        | SqlType::Varchar(_)
        | SqlType::Char(_)
        | SqlType::Unknown
        | SqlType::Name => match v.as_str() {
            Some(s) => buf.put_slice(s.as_bytes()),
            None => {
                let mut s = String::new();
                v.write_text(&mut s);
                buf.put_slice(s.as_bytes());
            }
        },
        SqlType::Bytea => buf.put_slice(v.as_bytes().ok_or_else(|| mismatch(ty))?),
        // PostgreSQL's `"char"` is one byte; the empty value is byte 0.
        SqlType::QChar => {
            let s = v.as_str().ok_or_else(|| mismatch(ty))?;
            buf.put_u8(s.as_bytes().first().copied().unwrap_or(0));
        }
        SqlType::Oid => {
            let i = v.as_i64().ok_or_else(|| mismatch(ty))?;
            buf.put_u32(u32::try_from(i).map_err(|_| mismatch(ty))?);
        }
        // `json` is its text; `jsonb` is version byte 1 and its text.
        SqlType::Json => buf.put_slice(v.as_str().ok_or_else(|| mismatch(ty))?.as_bytes()),
        // `jsonpath` is version byte 1 and its text, as `jsonb`.
        SqlType::Jsonb | SqlType::JsonPath => {
            buf.put_u8(1);
            buf.put_slice(v.as_str().ok_or_else(|| mismatch(ty))?.as_bytes());
        }
        SqlType::Uuid => {
            let text = v.as_str().ok_or_else(|| mismatch(ty))?;
            let bytes = rocksgres_engine::types::uuid::to_bytes(text).map_err(|_| mismatch(ty))?;
            buf.put_slice(&bytes);
        }
        SqlType::Time(_) => match v {
            Value::Time(t) => buf.put_i64(*t),
            _ => return Err(mismatch(ty)),
        },
        SqlType::Array(elem) => encode_array(v, elem, ty, buf)?,
        SqlType::Composite(def) => encode_record(v, def, ty, buf)?,
        SqlType::Date => match v {
            Value::Date(d) => buf.put_i32(*d),
            _ => return Err(mismatch(ty)),
        },
        SqlType::Timestamp(_) | SqlType::Timestamptz(_) => match v {
            Value::Timestamp(t) | Value::Timestamptz(t) => buf.put_i64(*t),
            _ => return Err(mismatch(ty)),
        },
        SqlType::Interval(_) => match v {
            Value::Interval(iv) => {
                buf.put_i64(iv.micros);
                buf.put_i32(iv.days);
                buf.put_i32(iv.months);
            }
            _ => return Err(mismatch(ty)),
        },
        SqlType::Numeric { .. } => match v {
            Value::Numeric(n) => encode_numeric(n, buf),
            other => {
                let mut s = String::new();
                other.write_text(&mut s);
                let n = Numeric::parse(&s).map_err(|_| mismatch(ty))?;
                encode_numeric(&n, buf);
            }
        },
        // An enum's binary form is its label's bytes.
        SqlType::Enum(_) => buf.put_slice(v.enum_label().ok_or_else(|| mismatch(ty))?.as_bytes()),
        SqlType::Inet | SqlType::Cidr => match v {
            Value::Inet(i) => {
                let mut i = *i;
                i.cidr = *ty == SqlType::Cidr;
                buf.put_slice(&i.to_binary());
            }
            _ => return Err(mismatch(ty)),
        },
        SqlType::Bit(_) | SqlType::VarBit(_) => match v {
            Value::Bits(b) => buf.put_slice(&b.to_binary()),
            _ => return Err(mismatch(ty)),
        },
        SqlType::MacAddr => match v {
            Value::MacAddr(m) => buf.put_slice(m),
            _ => return Err(mismatch(ty)),
        },
        SqlType::MacAddr8 => match v {
            Value::MacAddr8(m) => buf.put_slice(m),
            _ => return Err(mismatch(ty)),
        },
        SqlType::TimeTz(_) => match v {
            Value::TimeTz(t, z) => {
                buf.put_slice(&rocksgres_engine::types::timetz::to_binary(*t, *z))
            }
            _ => return Err(mismatch(ty)),
        },
        _ => return Err(no_binary(ty)),
    }
    Ok(())
}

/// PostgreSQL's `array_send`: the number of dimensions, a has-NULLs
/// flag, the element type's OID, each dimension's length and lower bound,
/// then each element as a length-prefixed binary value (-1 for NULL).
/// An empty array has no dimensions.
fn encode_array(
    v: &Value,
    elem: &SqlType,
    ty: &SqlType,
    buf: &mut BytesMut,
) -> Result<(), PgWireError> {
    let text = v.as_str().ok_or_else(|| mismatch(ty))?;
    let arr = rocksgres_engine::types::array::parse_array(text).map_err(|_| mismatch(ty))?;
    let items = rocksgres_engine::types::array::elements(text, elem).map_err(|_| mismatch(ty))?;
    let dims = if items.is_empty() {
        &[][..]
    } else {
        &arr.dims[..]
    };
    buf.put_i32(dims.len() as i32);
    buf.put_i32(i32::from(items.iter().any(Value::is_null)));
    buf.put_u32(elem.oid());
    for d in dims {
        buf.put_i32(i32::try_from(d.len).map_err(|_| mismatch(ty))?);
        buf.put_i32(d.lower);
    }
    for item in &items {
        if item.is_null() {
            buf.put_i32(-1);
            continue;
        }
        let at = buf.len();
        buf.put_i32(0);
        encode(item, elem, buf)?;
        let len = i32::try_from(buf.len() - at - 4).map_err(|_| mismatch(ty))?;
        buf[at..at + 4].copy_from_slice(&len.to_be_bytes());
    }
    Ok(())
}

/// PostgreSQL's `record_send`: the field count, then per field its type
/// OID and its length-prefixed binary form (-1 for NULL).
fn encode_record(
    v: &Value,
    def: &rocksgres_engine::types::composite::CompositeDef,
    ty: &SqlType,
    buf: &mut BytesMut,
) -> Result<(), PgWireError> {
    let text = v.as_str().ok_or_else(|| mismatch(ty))?;
    let fields = rocksgres_engine::types::composite::fields(def, text).map_err(|_| mismatch(ty))?;
    buf.put_i32(fields.len() as i32);
    for (f, a) in fields.iter().zip(&def.attrs) {
        buf.put_u32(a.ty.oid());
        if f.is_null() {
            buf.put_i32(-1);
            continue;
        }
        let at = buf.len();
        buf.put_i32(0);
        encode(f, &a.ty, buf)?;
        let len = i32::try_from(buf.len() - at - 4).map_err(|_| mismatch(ty))?;
        buf[at..at + 4].copy_from_slice(&len.to_be_bytes());
    }
    Ok(())
}

/// PostgreSQL's `array_recv`: any number of dimensions up to 6, with
/// their lower bounds.
fn decode_array(data: &[u8], elem: &SqlType, ty: &SqlType) -> Result<Value, PgWireError> {
    let mut input = data;
    let int = |input: &mut &[u8]| -> Result<i32, PgWireError> {
        let (head, rest) = input.split_at_checked(4).ok_or_else(|| bad_binary(ty))?;
        *input = rest;
        Ok(i32::from_be_bytes(fixed(head, ty)?))
    };
    let ndim = int(&mut input)?;
    let flags = int(&mut input)?;
    let elem_oid = int(&mut input)? as u32;
    if !(0..=1).contains(&flags) {
        return Err(user_error("22P03", "invalid array flags"));
    }
    if elem_oid != elem.oid() {
        return Err(user_error(
            "42804",
            format!(
                "binary data has array element type {elem_oid} instead of expected {}",
                elem.oid()
            ),
        ));
    }
    use rocksgres_engine::types::array::{ArrayText, Dim, MAX_DIMS};
    if ndim < 0 {
        return Err(user_error(
            "22P03",
            format!("invalid number of dimensions: {ndim}"),
        ));
    }
    if ndim as usize > MAX_DIMS {
        return Err(user_error(
            "54000",
            format!("number of array dimensions ({ndim}) exceeds the maximum allowed ({MAX_DIMS})"),
        ));
    }
    let mut dims = Vec::with_capacity(ndim as usize);
    let mut count: usize = 1;
    for _ in 0..ndim {
        let n = int(&mut input)?;
        let lower = int(&mut input)?;
        let len = usize::try_from(n).map_err(|_| bad_binary(ty))?;
        if i64::from(lower) + n as i64 - 1 > i64::from(i32::MAX) {
            return Err(user_error("54000", "array upper bound is too large"));
        }
        count = count.checked_mul(len).ok_or_else(|| bad_binary(ty))?;
        dims.push(Dim { len, lower });
    }
    if ndim == 0 || count == 0 {
        count = 0;
        dims.clear();
    }
    if count > input.len() / 4 {
        return Err(bad_binary(ty));
    }
    let mut items = Vec::with_capacity(count.min(input.len() / 4));
    for _ in 0..count {
        let len = int(&mut input)?;
        if len == -1 {
            items.push(Value::Null);
            continue;
        }
        let len = usize::try_from(len).map_err(|_| bad_binary(ty))?;
        let (field, rest) = input.split_at_checked(len).ok_or_else(|| bad_binary(ty))?;
        input = rest;
        items.push(decode(field, elem)?);
    }
    if !input.is_empty() {
        return Err(bad_binary(ty));
    }
    let arr = ArrayText {
        dims,
        items: items.iter().map(Value::to_text).collect(),
    };
    Ok(arr.into_value())
}

fn encode_numeric(n: &Numeric, buf: &mut BytesMut) {
    let sign = if n.is_nan() {
        NUMERIC_NAN
    } else if n.is_infinite() {
        if n.is_negative() {
            NUMERIC_NINF
        } else {
            NUMERIC_PINF
        }
    } else if n.is_negative() {
        NUMERIC_NEG
    } else {
        NUMERIC_POS
    };
    let digits = n.digits();
    if !n.is_finite() || digits.is_empty() {
        buf.put_i16(0);
        buf.put_i16(0);
        buf.put_u16(sign);
        // PostgreSQL's numeric_send reads the display scale of a special
        // value from its header bits: 0 for NaN, 32 for the infinities.
        buf.put_u16(if n.is_finite() {
            n.dscale()
        } else if n.is_nan() {
            0
        } else {
            32
        });
        return;
    }
    // digits[i] has decimal exponent weight - i; group g holds exponents
    // 4g .. 4g+3.
    let weight = i64::from(n.weight());
    let last = weight - (digits.len() as i64 - 1);
    let first_group = weight.div_euclid(4);
    let last_group = last.div_euclid(4);
    let mut groups: Vec<i16> = vec![0; (first_group - last_group + 1) as usize];
    for (i, d) in digits.iter().enumerate() {
        let exp = weight - i as i64;
        let g = exp.div_euclid(4);
        let pos = exp.rem_euclid(4) as u32;
        groups[(first_group - g) as usize] += i16::from(*d) * 10i16.pow(pos);
    }
    while groups.last() == Some(&0) {
        groups.pop();
    }
    buf.put_i16(groups.len() as i16);
    buf.put_i16(first_group as i16);
    buf.put_u16(sign);
    buf.put_u16(n.dscale());
    for g in groups {
        buf.put_i16(g);
    }
}

fn bad_binary(ty: &SqlType) -> PgWireError {
    user_error(
        "22P03",
        format!(
            "incorrect binary data format in bind parameter of type {}",
            ty.display_name()
        ),
    )
}

fn fixed<const N: usize>(data: &[u8], ty: &SqlType) -> Result<[u8; N], PgWireError> {
    data.try_into().map_err(|_| bad_binary(ty))
}

/// Decodes a binary parameter of type `ty`.
pub fn decode(data: &[u8], ty: &SqlType) -> Result<Value, PgWireError> {
    Ok(match ty {
        SqlType::Bool => Value::Bool(fixed::<1>(data, ty)?[0] != 0),
        SqlType::Int2 => Value::Int2(i16::from_be_bytes(fixed(data, ty)?)),
        SqlType::Int4 => Value::Int4(i32::from_be_bytes(fixed(data, ty)?)),
        SqlType::Int8 => Value::Int8(i64::from_be_bytes(fixed(data, ty)?)),
        SqlType::Float4 => Value::Float4(f32::from_be_bytes(fixed(data, ty)?)),
        SqlType::Float8 => Value::Float8(f64::from_be_bytes(fixed(data, ty)?)),
        SqlType::Text | SqlType::Varchar(_) | SqlType::Char(_) | SqlType::Unknown => Value::Text(
            String::from_utf8(data.to_vec())
                .map_err(|_| user_error("22021", "invalid byte sequence for encoding \"UTF8\""))?,
        ),
        SqlType::Name => {
            let s = std::str::from_utf8(data)
                .map_err(|_| user_error("22021", "invalid byte sequence for encoding \"UTF8\""))?;
            if s.len() >= 64 {
                return Err(user_error(
                    "22P03",
                    "incorrect binary data format in bind parameter of type name",
                ));
            }
            Value::Text(s.to_owned())
        }
        SqlType::QChar => {
            let b: [u8; 1] = fixed(data, ty)?;
            match b[0] {
                0 => Value::Text(String::new()),
                c if c.is_ascii() => Value::Text(char::from(c).to_string()),
                _ => return Err(no_binary(ty)),
            }
        }
        SqlType::Oid => Value::Int8(i64::from(u32::from_be_bytes(fixed(data, ty)?))),
        SqlType::Json | SqlType::Jsonb | SqlType::JsonPath => {
            let body = if *ty != SqlType::Json {
                match data.split_first() {
                    Some((1, rest)) => rest,
                    Some((v, _)) => {
                        return Err(user_error(
                            "22P03",
                            if *ty == SqlType::Jsonb {
                                format!("unsupported jsonb version number {v}")
                            } else {
                                format!("unsupported jsonpath version number: {v}")
                            },
                        ))
                    }
                    None => return Err(user_error("22P03", "insufficient data left in message")),
                }
            } else {
                data
            };
            let text = std::str::from_utf8(body)
                .map_err(|_| user_error("22021", "invalid byte sequence for encoding \"UTF8\""))?;
            Value::parse_text(text, ty).map_err(|e| crate::wire::engine_error(&e))?
        }
        SqlType::Uuid => Value::Text(rocksgres_engine::types::uuid::canonical_of(&fixed(
            data, ty,
        )?)),
        SqlType::Time(_) => {
            let t = i64::from_be_bytes(fixed(data, ty)?);
            if !(0..=86_400_000_000).contains(&t) {
                return Err(user_error("22008", "time out of range"));
            }
            Value::Time(t)
        }
        SqlType::Array(elem) => decode_array(data, elem, ty)?,
        SqlType::Composite(def) => crate::record_recv::decode_record(data, def)?,
        SqlType::Bytea => Value::Bytea(data.to_vec()),
        SqlType::Date => Value::Date(i32::from_be_bytes(fixed(data, ty)?)),
        SqlType::Timestamp(_) => Value::Timestamp(i64::from_be_bytes(fixed(data, ty)?)),
        SqlType::Timestamptz(_) => Value::Timestamptz(i64::from_be_bytes(fixed(data, ty)?)),
        SqlType::Interval(_) => {
            let b: [u8; 16] = fixed(data, ty)?;
            Value::Interval(Interval {
                micros: i64::from_be_bytes(b[0..8].try_into().unwrap_or_default()),
                days: i32::from_be_bytes(b[8..12].try_into().unwrap_or_default()),
                months: i32::from_be_bytes(b[12..16].try_into().unwrap_or_default()),
            })
        }
        SqlType::Numeric { .. } => Value::Numeric(decode_numeric(data, ty)?),
        SqlType::Enum(_) => {
            let text = std::str::from_utf8(data)
                .map_err(|_| user_error("22021", "invalid byte sequence for encoding \"UTF8\""))?;
            Value::parse_text(text, ty).map_err(|e| crate::wire::engine_error(&e))?
        }
        SqlType::Inet | SqlType::Cidr => Value::Inet(
            rocksgres_engine::types::inet::Inet::from_binary(data, *ty == SqlType::Cidr)
                .map_err(|e| crate::wire::engine_error(&e))?,
        ),
        SqlType::Bit(_) | SqlType::VarBit(_) => {
            let b = rocksgres_engine::types::bits::BitString::from_binary(data)
                .map_err(|e| crate::wire::engine_error(&e))?;
            let b = b
                .fit(ty, false)
                .map_err(|e| crate::wire::engine_error(&e))?;
            Value::Bits(b)
        }
        SqlType::MacAddr => Value::MacAddr(fixed(data, ty)?),
        SqlType::MacAddr8 => Value::MacAddr8(fixed(data, ty)?),
        SqlType::TimeTz(_) => {
            let (t, z) = rocksgres_engine::types::timetz::from_binary(data)
                .map_err(|e| crate::wire::engine_error(&e))?;
            Value::TimeTz(t, z)
        }
        _ => return Err(no_binary(ty)),
    })
}

fn decode_numeric(data: &[u8], ty: &SqlType) -> Result<Numeric, PgWireError> {
    if data.len() < 8 {
        return Err(bad_binary(ty));
    }
    let word = |i: usize| u16::from_be_bytes([data[i], data[i + 1]]);
    let ndigits = word(0) as usize;
    let weight = word(2) as i16;
    let sign = word(4);
    let dscale = word(6);
    if data.len() != 8 + 2 * ndigits {
        return Err(bad_binary(ty));
    }
    match sign {
        NUMERIC_NAN => return Ok(Numeric::nan()),
        NUMERIC_PINF => return Ok(Numeric::infinity()),
        NUMERIC_NINF => return Ok(Numeric::neg_infinity()),
        NUMERIC_POS | NUMERIC_NEG => {}
        _ => return Err(bad_binary(ty)),
    }
    let mut digits = Vec::with_capacity(ndigits * 4);
    for i in 0..ndigits {
        let g = word(8 + 2 * i);
        if g > 9999 {
            return Err(bad_binary(ty));
        }
        digits.extend_from_slice(&[
            (g / 1000) as u8,
            (g / 100 % 10) as u8,
            (g / 10 % 10) as u8,
            (g % 10) as u8,
        ]);
    }
    // The first decimal digit has exponent 4 * weight + 3. Digits past the
    // display scale must be zero for from_parts; trim them.
    let first_exp = i32::from(weight) * 4 + 3;
    let keep = (first_exp + i32::from(dscale) + 1).max(0) as usize;
    if digits.len() > keep {
        if digits[keep..].iter().any(|&d| d != 0) {
            return Err(bad_binary(ty));
        }
        digits.truncate(keep);
    }
    Numeric::from_parts(sign == NUMERIC_NEG, &digits, first_exp, dscale).map_err(|_| bad_binary(ty))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn roundtrip(text: &str) {
        let n = Numeric::parse(text).unwrap();
        let mut buf = BytesMut::new();
        encode_numeric(&n, &mut buf);
        let back = decode_numeric(&buf, &SqlType::NUMERIC).unwrap();
        let mut a = String::new();
        Value::Numeric(n).write_text(&mut a);
        let mut b = String::new();
        Value::Numeric(back).write_text(&mut b);
        assert_eq!(a, b, "{text}");
    }

    #[test]
    fn numeric_roundtrips() {
        for t in [
            "0",
            "1",
            "-1",
            "12345.678",
            "0.0001",
            "10000",
            "-99999999.5",
            "NaN",
            "123.4500",
            "0.00",
            "1e20",
            "Infinity",
            "-Infinity",
        ] {
            roundtrip(t);
        }
    }

    #[test]
    fn numeric_known_layout() {
        // 12345.678 = groups [1, 2345, 6780], weight 1, dscale 3.
        let n = Numeric::parse("12345.678").unwrap();
        let mut buf = BytesMut::new();
        encode_numeric(&n, &mut buf);
        assert_eq!(
            &buf[..],
            &[0, 3, 0, 1, 0, 0, 0, 3, 0, 1, 0x09, 0x29, 0x1a, 0x7c]
        );
    }
}
