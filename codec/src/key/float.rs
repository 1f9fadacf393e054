//! `float4` / `float8` key formats in PostgreSQL's order:
//! `-Infinity < negatives < -0.0 = 0.0 < positives < Infinity < NaN`.
//!
//! First the value is canonicalised: `-0.0` becomes `0.0` (they are equal in
//! SQL, so they must encode identically) and every NaN becomes the standard
//! quiet NaN (PostgreSQL treats all NaNs as one value). Then the IEEE 754
//! bits are transformed:
//!
//! * sign bit clear (positive): set the sign bit, so positives sort above
//!   negatives and keep their order (IEEE magnitudes order like unsigned
//!   integers);
//! * sign bit set (negative): invert all bits, so a larger magnitude gives a
//!   smaller encoding and all negatives sort below positives.
//!
//! and written big-endian. The canonical NaN (`0x7FF8…`) has bits above
//! `+Infinity` (`0x7FF0…`), so it sorts last. Decoding reverses the
//! transformation; it therefore yields `0.0` for a stored `-0.0` and the
//! canonical NaN for any NaN.

use crate::error::Result;
use crate::input::take_array;

const SIGN64: u64 = 1 << 63;
const SIGN32: u32 = 1 << 31;

fn key_bits64(v: f64) -> u64 {
    let v = if v.is_nan() {
        f64::NAN
    } else if v == 0.0 {
        0.0
    } else {
        v
    };
    let bits = v.to_bits();
    if bits & SIGN64 != 0 {
        !bits
    } else {
        bits | SIGN64
    }
}

fn key_bits32(v: f32) -> u32 {
    let v = if v.is_nan() {
        f32::NAN
    } else if v == 0.0 {
        0.0
    } else {
        v
    };
    let bits = v.to_bits();
    if bits & SIGN32 != 0 {
        !bits
    } else {
        bits | SIGN32
    }
}

pub(super) fn encode_f64(buf: &mut Vec<u8>, v: f64) {
    buf.extend_from_slice(&key_bits64(v).to_be_bytes());
}

pub(super) fn encode_f32(buf: &mut Vec<u8>, v: f32) {
    buf.extend_from_slice(&key_bits32(v).to_be_bytes());
}

pub(super) fn decode_f64(input: &mut &[u8], mask: u8) -> Result<f64> {
    let key = u64::from_be_bytes(take_array::<8>(input, "float8 key")?.map(|b| b ^ mask));
    let bits = if key & SIGN64 != 0 {
        key & !SIGN64
    } else {
        !key
    };
    Ok(f64::from_bits(bits))
}

pub(super) fn decode_f32(input: &mut &[u8], mask: u8) -> Result<f32> {
    let key = u32::from_be_bytes(take_array::<4>(input, "float4 key")?.map(|b| b ^ mask));
    let bits = if key & SIGN32 != 0 {
        key & !SIGN32
    } else {
        !key
    };
    Ok(f32::from_bits(bits))
}
