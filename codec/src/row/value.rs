//! Value formats inside a row's data area (the table is in the `row`
//! module documentation).
//!
//! The row's offset table gives every column its exact byte length, so
//! values need no length prefix or terminator, and every decoder here must
//! consume exactly the bytes it is given.
//!
//! Integers are variable-length because most stored integers are small (a
//! pgbench balance, a foreign key); decoding accepts any length up to the
//! type's width, so an `int4` value can also be read as `int8`.
//!
//! Numerics keep their display scale, unlike in keys: `1.50` is
//! `00 02 00 15` (non-negative, dscale 2, weight 0, digits `1 5`). Decoding
//! insists on the canonical digit form (no leading or trailing zero digits,
//! no negative zero) so that a decoded value always satisfies `Numeric`'s
//! invariants.

use std::borrow::Cow;

use crate::datum::{DataType, Datum};
use crate::error::{CodecError, Result};
use crate::numeric::{Numeric, NumericClass, MAX_DSCALE};
use crate::varint;

const NUMERIC_NON_NEGATIVE: u8 = 0x00;
const NUMERIC_NEGATIVE: u8 = 0x01;
const NUMERIC_NAN: u8 = 0x02;
const NUMERIC_INFINITY: u8 = 0x03;
const NUMERIC_NEG_INFINITY: u8 = 0x04;

/// Appends the row-format bytes of a non-null value.
pub(super) fn encode(buf: &mut Vec<u8>, value: &Datum<'_>) {
    match value {
        Datum::Null => {}
        Datum::Bool(v) => buf.push(u8::from(*v)),
        Datum::Int2(v) => encode_int(buf, i64::from(*v)),
        Datum::Int4(v) | Datum::Date(v) => encode_int(buf, i64::from(*v)),
        Datum::Int8(v) | Datum::Timestamp(v) => encode_int(buf, *v),
        Datum::Float4(v) => buf.extend_from_slice(&v.to_bits().to_le_bytes()),
        Datum::Float8(v) => buf.extend_from_slice(&v.to_bits().to_le_bytes()),
        Datum::Numeric(v) => encode_numeric(buf, v),
        Datum::Text(v) => buf.extend_from_slice(v.as_bytes()),
        Datum::Bytea(v) => buf.extend_from_slice(v),
    }
}

/// Decodes a non-null value of type `ty` that occupies exactly `bytes`.
pub(super) fn decode(bytes: &[u8], ty: DataType) -> Result<Datum<'_>> {
    Ok(match ty {
        DataType::Bool => match bytes {
            [0] => Datum::Bool(false),
            [1] => Datum::Bool(true),
            _ => return Err(CodecError::Malformed("invalid bool in row")),
        },
        DataType::Int2 => Datum::Int2(decode_int(bytes, 2)? as i16),
        DataType::Int4 => Datum::Int4(decode_int(bytes, 4)? as i32),
        DataType::Int8 => Datum::Int8(decode_int(bytes, 8)?),
        DataType::Date => Datum::Date(decode_int(bytes, 4)? as i32),
        DataType::Timestamp => Datum::Timestamp(decode_int(bytes, 8)?),
        DataType::Float4 => {
            let bits: [u8; 4] = bytes
                .try_into()
                .map_err(|_| CodecError::Malformed("float4 in row is not 4 bytes"))?;
            Datum::Float4(f32::from_bits(u32::from_le_bytes(bits)))
        }
        DataType::Float8 => {
            let bits: [u8; 8] = bytes
                .try_into()
                .map_err(|_| CodecError::Malformed("float8 in row is not 8 bytes"))?;
            Datum::Float8(f64::from_bits(u64::from_le_bytes(bits)))
        }
        DataType::Numeric => Datum::Numeric(decode_numeric(bytes)?),
        DataType::Text => Datum::Text(Cow::Borrowed(
            std::str::from_utf8(bytes).map_err(|_| CodecError::InvalidUtf8)?,
        )),
        DataType::Bytea => Datum::Bytea(Cow::Borrowed(bytes)),
    })
}

/// Appends the shortest little-endian two's complement form of `v`.
fn encode_int(buf: &mut Vec<u8>, v: i64) {
    if v == 0 {
        return;
    }
    // Significant bits plus one sign bit, rounded up to whole bytes.
    let magnitude_zeros = if v < 0 {
        (!v).leading_zeros()
    } else {
        v.leading_zeros()
    };
    let len = (65 - magnitude_zeros as usize).div_ceil(8);
    buf.extend_from_slice(&v.to_le_bytes()[..len]);
}

/// Sign-extends a little-endian integer of at most `width` bytes.
pub(super) fn decode_int(bytes: &[u8], width: usize) -> Result<i64> {
    if bytes.len() > width {
        return Err(CodecError::Malformed(
            "integer in row is wider than its type",
        ));
    }
    let Some(&top) = bytes.last() else {
        return Ok(0);
    };
    // Sign-extend from the top byte, then shift the bytes in from the
    // most significant one (no variable-length copy).
    let mut v: i64 = if top & 0x80 != 0 { -1 } else { 0 };
    for &b in bytes.iter().rev() {
        v = (v << 8) | i64::from(b);
    }
    Ok(v)
}

fn encode_numeric(buf: &mut Vec<u8>, n: &Numeric) {
    let header = match n.class() {
        NumericClass::NaN => return buf.push(NUMERIC_NAN),
        NumericClass::Infinity => return buf.push(NUMERIC_INFINITY),
        NumericClass::NegInfinity => return buf.push(NUMERIC_NEG_INFINITY),
        NumericClass::Negative => NUMERIC_NEGATIVE,
        NumericClass::Zero | NumericClass::Positive => NUMERIC_NON_NEGATIVE,
    };
    buf.push(header);
    varint::put_u32(buf, u32::from(n.dscale()));
    varint::put_i32(buf, n.weight());
    for pair in n.digits().chunks(2) {
        buf.push(pair[0] << 4 | pair.get(1).copied().unwrap_or(0));
    }
}

fn decode_numeric(bytes: &[u8]) -> Result<Numeric> {
    let mut n = Numeric::zero();
    decode_numeric_into(bytes, &mut n)?;
    Ok(n)
}

/// Digits decoded on the stack up to this count (one allocation-free
/// pass for every numeric of ordinary size).
const STACK_DIGITS: usize = 64;

/// Decodes a numeric into `out`, reusing its digit buffer when the digit
/// count is the same (see [`Numeric::assign_canonical`]); `out` is left
/// unchanged on error.
pub(super) fn decode_numeric_into(bytes: &[u8], out: &mut Numeric) -> Result<()> {
    let malformed = CodecError::Malformed;
    let (&header, mut rest) = bytes
        .split_first()
        .ok_or(CodecError::Truncated("numeric in row"))?;
    let negative = match header {
        NUMERIC_NON_NEGATIVE => false,
        NUMERIC_NEGATIVE => true,
        NUMERIC_NAN | NUMERIC_INFINITY | NUMERIC_NEG_INFINITY => {
            if !rest.is_empty() {
                return Err(malformed("special numeric in row has trailing bytes"));
            }
            *out = match header {
                NUMERIC_NAN => Numeric::nan(),
                NUMERIC_INFINITY => Numeric::infinity(),
                _ => Numeric::neg_infinity(),
            };
            return Ok(());
        }
        _ => return Err(malformed("invalid numeric header in row")),
    };
    let dscale = varint::get_u32(&mut rest, "numeric scale in row")?;
    if dscale > u32::from(MAX_DSCALE) {
        return Err(malformed("numeric scale in row out of range"));
    }
    let weight = varint::get_i32(&mut rest, "numeric weight in row")?;
    // An odd digit count ends in a padding nibble.
    let padded = rest.last().is_some_and(|b| b & 0x0F == 0);
    let count = rest.len() * 2 - usize::from(padded);
    let mut stack = [0u8; STACK_DIGITS];
    let mut heap = Vec::new();
    let digits: &mut [u8] = if count <= STACK_DIGITS {
        &mut stack[..count]
    } else {
        heap.resize(count, 0);
        &mut heap
    };
    for (j, &b) in rest.iter().enumerate() {
        let (high, low) = (b >> 4, b & 0x0F);
        if high > 9 || low > 9 {
            return Err(malformed("invalid numeric digit in row"));
        }
        digits[2 * j] = high;
        if let Some(d) = digits.get_mut(2 * j + 1) {
            *d = low; // not the padding nibble of an odd count
        }
    }
    if digits.first() == Some(&0) || digits.last() == Some(&0) {
        return Err(malformed("numeric digits in row are not canonical"));
    }
    if digits.is_empty() && (negative || weight != 0) {
        return Err(malformed("numeric zero in row is not canonical"));
    }
    out.assign_canonical(negative, digits, i64::from(weight), i64::from(dscale))
        .map_err(|_| malformed("numeric in row out of range"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn int_lengths() {
        let cases: [(i64, usize); 12] = [
            (0, 0),
            (1, 1),
            (-1, 1),
            (127, 1),
            (128, 2),
            (-128, 1),
            (-129, 2),
            (32767, 2),
            (32768, 3),
            (i64::from(i32::MIN), 4),
            (i64::MAX, 8),
            (i64::MIN, 8),
        ];
        for (v, len) in cases {
            let mut buf = Vec::new();
            encode_int(&mut buf, v);
            assert_eq!(buf.len(), len, "{v}");
            assert_eq!(decode_int(&buf, 8).unwrap(), v);
        }
        assert!(decode_int(&[1, 2, 3], 2).is_err());
    }

    #[test]
    fn numeric_bytes() {
        let mut buf = Vec::new();
        encode_numeric(&mut buf, &"1.50".parse().unwrap());
        assert_eq!(buf, [0x00, 0x02, 0x00, 0x15]);
        let n = decode_numeric(&buf).unwrap();
        assert_eq!(n.to_string(), "1.50");
    }
}
