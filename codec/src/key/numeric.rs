//! `numeric` key format: canonical and order-preserving.
//!
//! A class byte orders the kinds of value the way PostgreSQL does:
//!
//! | byte | class | followed by |
//! |---|---|---|
//! | `0x00` | `-Infinity` | nothing |
//! | `0x01` | negative | inverted exponent, inverted mantissa |
//! | `0x02` | zero | nothing |
//! | `0x03` | positive | exponent, mantissa |
//! | `0x04` | `Infinity` | nothing |
//! | `0x05` | `NaN` | nothing |
//!
//! A non-zero finite value is written as `0.d1d2d3… × 10^E` with `d1 ≠ 0`
//! (so `E` = weight + 1). The *exponent* is `E` as an `i32`, big-endian with
//! the sign bit flipped (4 bytes). The *mantissa* takes the digits two at a
//! time (a final odd digit is paired with 0) and writes each pair `p`
//! (0..=99) as one byte: `2p + 1` if more pairs follow, `2p` for the last
//! pair. Digits are canonical (no leading or trailing zeros), so the
//! encoding ignores the display scale: `1.5` and `1.50` encode identically.
//!
//! Why this orders positives correctly: a larger exponent means a larger
//! value, so the exponent decides first. With equal exponents the mantissas
//! compare digit pair by digit pair; at the first differing pair the byte
//! with the smaller pair is smaller whatever the low "more follows" bit is
//! (`2a + 1 < 2b` when `a < b`). If one mantissa's pairs are a prefix of the
//! other's, the shorter one has its last byte even where the longer one has
//! the same pair with the low bit set, so the shorter (smaller) value sorts
//! first. The even last byte also makes the mantissa self-delimiting.
//! Negative values invert exponent and mantissa bytes, which reverses their
//! order (a larger magnitude is a smaller value); the inverted last byte is
//! then odd and the others even, still self-delimiting.

use crate::error::{CodecError, Result};
use crate::input::{take_array, take_u8};
use crate::numeric::{Numeric, NumericClass, MAX_WEIGHT};

const NEG_INFINITY: u8 = 0x00;
const NEGATIVE: u8 = 0x01;
const ZERO: u8 = 0x02;
const POSITIVE: u8 = 0x03;
const INFINITY: u8 = 0x04;
const NAN: u8 = 0x05;

/// Largest mantissa byte value: a non-final pair 99 (`2 * 99 + 1`).
const MAX_MANTISSA_BYTE: u8 = 199;

pub(super) fn encode(buf: &mut Vec<u8>, n: &Numeric) {
    let (class, invert) = match n.class() {
        NumericClass::NegInfinity => return buf.push(NEG_INFINITY),
        NumericClass::Zero => return buf.push(ZERO),
        NumericClass::Infinity => return buf.push(INFINITY),
        NumericClass::NaN => return buf.push(NAN),
        NumericClass::Negative => (NEGATIVE, 0xFF),
        NumericClass::Positive => (POSITIVE, 0x00),
    };
    buf.push(class);
    let exponent = n.weight() + 1;
    let exponent = ((exponent as u32) ^ 0x8000_0000).to_be_bytes();
    buf.extend(exponent.iter().map(|b| b ^ invert));
    let digits = n.digits();
    let pairs = digits.len().div_ceil(2);
    for (i, pair) in digits.chunks(2).enumerate() {
        let value = pair[0] * 10 + pair.get(1).copied().unwrap_or(0);
        let more = u8::from(i + 1 < pairs);
        buf.push((2 * value + more) ^ invert);
    }
}

/// Reads the class byte and, for finite non-zero values, exponent and
/// mantissa; calls `pair` with every digit pair (0..=99). Returns the class and `E`.
fn read(input: &mut &[u8], mask: u8, mut pair: impl FnMut(u8)) -> Result<(NumericClass, i32)> {
    let class = match take_u8(input, "numeric key")? ^ mask {
        NEG_INFINITY => return Ok((NumericClass::NegInfinity, 0)),
        ZERO => return Ok((NumericClass::Zero, 0)),
        INFINITY => return Ok((NumericClass::Infinity, 0)),
        NAN => return Ok((NumericClass::NaN, 0)),
        NEGATIVE => NumericClass::Negative,
        POSITIVE => NumericClass::Positive,
        _ => return Err(CodecError::Malformed("invalid numeric key class")),
    };
    let invert = mask
        ^ if class == NumericClass::Negative {
            0xFF
        } else {
            0
        };
    let exponent = take_array::<4>(input, "numeric key exponent")?.map(|b| b ^ invert);
    let exponent = (u32::from_be_bytes(exponent) ^ 0x8000_0000) as i32;
    let mut first = true;
    loop {
        let byte = take_u8(input, "numeric key mantissa")? ^ invert;
        if byte > MAX_MANTISSA_BYTE {
            return Err(CodecError::Malformed("invalid numeric key mantissa byte"));
        }
        let value = byte / 2;
        let last = byte & 1 == 0;
        if first && value < 10 {
            return Err(CodecError::Malformed(
                "numeric key mantissa has a leading zero",
            ));
        }
        if last && value == 0 {
            return Err(CodecError::Malformed(
                "numeric key mantissa has trailing zeros",
            ));
        }
        pair(value);
        first = false;
        if last {
            return Ok((class, exponent));
        }
    }
}

pub(super) fn decode(input: &mut &[u8], mask: u8) -> Result<Numeric> {
    let mut digits = Vec::new();
    let (class, exponent) = read(input, mask, |pair| {
        digits.push(pair / 10);
        digits.push(pair % 10);
    })?;
    match class {
        NumericClass::NegInfinity => return Ok(Numeric::neg_infinity()),
        NumericClass::Zero => return Ok(Numeric::zero()),
        NumericClass::Infinity => return Ok(Numeric::infinity()),
        NumericClass::NaN => return Ok(Numeric::nan()),
        NumericClass::Negative | NumericClass::Positive => {}
    }
    if digits.last() == Some(&0) {
        digits.pop();
    }
    let weight = i64::from(exponent) - 1;
    if weight > i64::from(MAX_WEIGHT) {
        return Err(CodecError::Malformed("numeric key exponent out of range"));
    }
    // The smallest display scale that shows every digit.
    let dscale = (digits.len() as i64 - 1 - weight).max(0);
    Numeric::from_canonical(
        class == NumericClass::Negative,
        digits.into_boxed_slice(),
        weight,
        dscale,
    )
    .map_err(|_| CodecError::Malformed("numeric key out of range"))
}

pub(super) fn skip(input: &mut &[u8], mask: u8) -> Result<()> {
    read(input, mask, |_| {}).map(|_| ())
}
