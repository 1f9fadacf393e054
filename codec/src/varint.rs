//! LEB128 variable-length integers for the row format (crate-private).
//!
//! Seven bits per byte, least significant group first, high bit set on every
//! byte but the last. Used where lengths and scales are usually small; they
//! carry no ordering, so they never appear in keys.

use crate::error::{CodecError, Result};
use crate::input::take_u8;

/// Appends `v` as LEB128.
pub(crate) fn put_u32(buf: &mut Vec<u8>, mut v: u32) {
    while v >= 0x80 {
        buf.push((v as u8) | 0x80);
        v >>= 7;
    }
    buf.push(v as u8);
}

/// Reads a LEB128 `u32`, rejecting overlong or overflowing forms.
pub(crate) fn get_u32(input: &mut &[u8], what: &'static str) -> Result<u32> {
    let mut value: u32 = 0;
    for i in 0..5 {
        let byte = take_u8(input, what)?;
        let bits = u32::from(byte & 0x7F);
        if i == 4 && bits > 0x0F {
            return Err(CodecError::Malformed("varint overflows u32"));
        }
        value |= bits << (7 * i);
        if byte & 0x80 == 0 {
            if byte == 0 && i > 0 {
                return Err(CodecError::Malformed("overlong varint"));
            }
            return Ok(value);
        }
    }
    Err(CodecError::Malformed("varint longer than 5 bytes"))
}

/// Appends `v` zigzag-mapped (0, -1, 1, -2, … → 0, 1, 2, 3, …) as LEB128.
pub(crate) fn put_i32(buf: &mut Vec<u8>, v: i32) {
    put_u32(buf, ((v << 1) ^ (v >> 31)) as u32);
}

/// Reads a zigzag LEB128 `i32`.
pub(crate) fn get_i32(input: &mut &[u8], what: &'static str) -> Result<i32> {
    let z = get_u32(input, what)?;
    Ok(((z >> 1) as i32) ^ -((z & 1) as i32))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trip() {
        for v in [0u32, 1, 127, 128, 300, 16383, 16384, u32::MAX] {
            let mut buf = Vec::new();
            put_u32(&mut buf, v);
            let mut input = &buf[..];
            assert_eq!(get_u32(&mut input, "t").unwrap(), v);
            assert!(input.is_empty());
        }
        for v in [0i32, -1, 1, -64, 64, i32::MIN, i32::MAX] {
            let mut buf = Vec::new();
            put_i32(&mut buf, v);
            let mut input = &buf[..];
            assert_eq!(get_i32(&mut input, "t").unwrap(), v);
        }
    }

    #[test]
    fn rejects_bad_forms() {
        assert!(get_u32(&mut &[0x80u8][..], "t").is_err());
        assert!(get_u32(&mut &[0x80u8, 0x00][..], "t").is_err());
        assert!(get_u32(&mut &[0xFFu8, 0xFF, 0xFF, 0xFF, 0x1F][..], "t").is_err());
        assert!(get_u32(&mut &[0xFFu8, 0xFF, 0xFF, 0xFF, 0xFF, 0x01][..], "t").is_err());
    }
}
