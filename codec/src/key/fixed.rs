//! Fixed-width key formats: `bool`, integers, `date` and `timestamp`.
//!
//! Integers are written big-endian with the sign bit flipped, which maps
//! `MIN..=MAX` monotonically onto `0x00…00..=0xFF…FF` (unsigned byte order
//! then equals signed numeric order). `date` is an `i32` and `timestamp` an
//! `i64` in PostgreSQL's representation, whose infinities are the extreme
//! integers and so sort first and last by themselves. `bool` is one byte,
//! `0x00` for false and `0x01` for true; other bytes are rejected on decode.
//!
//! Decoders take the column's XOR `mask` (`0xFF` for descending) and undo it
//! before interpreting the bytes.

use crate::error::{CodecError, Result};
use crate::input::{take_array, take_u8};

pub(super) fn encode_bool(buf: &mut Vec<u8>, v: bool) {
    buf.push(u8::from(v));
}

pub(super) fn decode_bool(input: &mut &[u8], mask: u8) -> Result<bool> {
    match take_u8(input, "bool key")? ^ mask {
        0 => Ok(false),
        1 => Ok(true),
        _ => Err(CodecError::Malformed("bool key byte is neither 0 nor 1")),
    }
}

pub(super) fn encode_i16(buf: &mut Vec<u8>, v: i16) {
    buf.extend_from_slice(&((v as u16) ^ 0x8000).to_be_bytes());
}

pub(super) fn decode_i16(input: &mut &[u8], mask: u8) -> Result<i16> {
    let bytes = take_array::<2>(input, "int2 key")?.map(|b| b ^ mask);
    Ok((u16::from_be_bytes(bytes) ^ 0x8000) as i16)
}

pub(super) fn encode_i32(buf: &mut Vec<u8>, v: i32) {
    buf.extend_from_slice(&((v as u32) ^ 0x8000_0000).to_be_bytes());
}

pub(super) fn decode_i32(input: &mut &[u8], mask: u8) -> Result<i32> {
    let bytes = take_array::<4>(input, "4-byte key")?.map(|b| b ^ mask);
    Ok((u32::from_be_bytes(bytes) ^ 0x8000_0000) as i32)
}

pub(super) fn encode_i64(buf: &mut Vec<u8>, v: i64) {
    buf.extend_from_slice(&((v as u64) ^ 0x8000_0000_0000_0000).to_be_bytes());
}

pub(super) fn decode_i64(input: &mut &[u8], mask: u8) -> Result<i64> {
    let bytes = take_array::<8>(input, "8-byte key")?.map(|b| b ^ mask);
    Ok((u64::from_be_bytes(bytes) ^ 0x8000_0000_0000_0000) as i64)
}
