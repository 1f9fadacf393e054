//! Variable-length key formats: `text` and `bytea`.
//!
//! Both must be self-delimiting and keep byte order, including the case
//! where one value is a prefix of another (`'a' < 'ab'`).
//!
//! * `text`: the UTF-8 bytes followed by a `0x00` terminator. PostgreSQL
//!   forbids NUL in text, so the terminator cannot occur inside the value
//!   (encoding text with a NUL is an error) and is smaller than any content
//!   byte: a value sorts before its extensions. Order is byte order (the `C`
//!   collation). Ascending keys decode borrowed.
//! * `bytea`: every `0x00` is escaped as `0x00 0xFF` and the value ends with
//!   `0x00 0x01`. After a `0x00` the next byte says whether the value ends
//!   (`0x01`, smaller than everything that can follow in a longer value: any
//!   content byte `>= 0x01`, or `0xFF` of an escaped zero) or holds a zero
//!   (`0xFF`, larger than the terminator but, being preceded by `0x00`,
//!   smaller than any non-zero content byte). Ascending keys without zero
//!   bytes decode borrowed; others are copied to undo the escaping.
//!
//! For descending columns all these bytes are inverted: the text terminator
//! becomes `0xFF`, the bytea escape `0xFF 0x00` and its terminator
//! `0xFF 0xFE`; such values always decode as owned copies.

use std::borrow::Cow;

use crate::error::{CodecError, Result};

/// Content byte `0x00` of bytea, and the text terminator.
const ZERO: u8 = 0x00;
/// After `0x00`: the bytea value ends.
const BYTEA_END: u8 = 0x01;
/// After `0x00`: an escaped zero byte.
const BYTEA_ESCAPED_ZERO: u8 = 0xFF;

pub(super) fn encode_text(buf: &mut Vec<u8>, s: &str) -> Result<()> {
    let bytes = s.as_bytes();
    if bytes.contains(&ZERO) {
        return Err(CodecError::NulInText);
    }
    buf.extend_from_slice(bytes);
    buf.push(ZERO);
    Ok(())
}

pub(super) fn encode_bytea(buf: &mut Vec<u8>, bytes: &[u8]) {
    let mut pieces = bytes.split(|&b| b == ZERO);
    if let Some(first) = pieces.next() {
        buf.extend_from_slice(first);
    }
    for piece in pieces {
        buf.extend_from_slice(&[ZERO, BYTEA_ESCAPED_ZERO]);
        buf.extend_from_slice(piece);
    }
    buf.extend_from_slice(&[ZERO, BYTEA_END]);
}

/// Splits off the text content and its terminator; returns the (still
/// masked) content.
fn split_text<'a>(input: &mut &'a [u8], mask: u8) -> Result<&'a [u8]> {
    let end = input
        .iter()
        .position(|&b| b == mask)
        .ok_or(CodecError::Truncated("text key"))?;
    let content = &input[..end];
    *input = &input[end + 1..];
    Ok(content)
}

pub(super) fn decode_text<'a>(input: &mut &'a [u8], mask: u8) -> Result<Cow<'a, str>> {
    let content = split_text(input, mask)?;
    if mask == 0 {
        std::str::from_utf8(content)
            .map(Cow::Borrowed)
            .map_err(|_| CodecError::InvalidUtf8)
    } else {
        let bytes: Vec<u8> = content.iter().map(|b| b ^ mask).collect();
        String::from_utf8(bytes)
            .map(Cow::Owned)
            .map_err(|_| CodecError::InvalidUtf8)
    }
}

pub(super) fn skip_text(input: &mut &[u8], mask: u8) -> Result<()> {
    split_text(input, mask).map(|_| ())
}

/// Scans a bytea encoding. Returns the number of bytes it occupies
/// (terminator included) and whether it contains escaped zeros.
fn scan_bytea(input: &[u8], mask: u8) -> Result<(usize, bool)> {
    let mut escaped = false;
    let mut pos = 0;
    loop {
        let zero = input[pos..]
            .iter()
            .position(|&b| b == mask)
            .ok_or(CodecError::Truncated("bytea key"))?;
        let after = pos + zero + 1;
        match input.get(after).map(|b| b ^ mask) {
            Some(BYTEA_END) => return Ok((after + 1, escaped)),
            Some(BYTEA_ESCAPED_ZERO) => {
                escaped = true;
                pos = after + 1;
            }
            Some(_) => return Err(CodecError::Malformed("invalid escape in bytea key")),
            None => return Err(CodecError::Truncated("bytea key")),
        }
    }
}

pub(super) fn decode_bytea<'a>(input: &mut &'a [u8], mask: u8) -> Result<Cow<'a, [u8]>> {
    let (len, escaped) = scan_bytea(input, mask)?;
    let encoded = &input[..len - 2];
    *input = &input[len..];
    if mask == 0 && !escaped {
        return Ok(Cow::Borrowed(encoded));
    }
    let mut out = Vec::with_capacity(encoded.len());
    let mut bytes = encoded.iter();
    while let Some(&b) = bytes.next() {
        let b = b ^ mask;
        out.push(b);
        if b == ZERO {
            // scan_bytea checked that an escape marker follows.
            bytes.next();
        }
    }
    Ok(Cow::Owned(out))
}

pub(super) fn skip_bytea(input: &mut &[u8], mask: u8) -> Result<()> {
    let (len, _) = scan_bytea(input, mask)?;
    *input = &input[len..];
    Ok(())
}
