//! Bounds-checked reading from a `&mut &[u8]` cursor (crate-private).
//!
//! Every decoder reads through these helpers, so running out of input is a
//! [`CodecError::Truncated`] and never an out-of-bounds panic.

use crate::error::{CodecError, Result};

/// Takes the next `n` bytes.
pub(crate) fn take<'a>(input: &mut &'a [u8], n: usize, what: &'static str) -> Result<&'a [u8]> {
    if input.len() < n {
        return Err(CodecError::Truncated(what));
    }
    let (head, rest) = input.split_at(n);
    *input = rest;
    Ok(head)
}

/// Takes the next `N` bytes as an array.
pub(crate) fn take_array<const N: usize>(input: &mut &[u8], what: &'static str) -> Result<[u8; N]> {
    let mut out = [0u8; N];
    out.copy_from_slice(take(input, N, what)?);
    Ok(out)
}

/// Takes the next byte.
pub(crate) fn take_u8(input: &mut &[u8], what: &'static str) -> Result<u8> {
    let (&first, rest) = input.split_first().ok_or(CodecError::Truncated(what))?;
    *input = rest;
    Ok(first)
}
