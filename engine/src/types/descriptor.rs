//! The byte layout shared by the catalog descriptors of user-defined types
//! (enums, domains, composite types): big-endian `u32`s, and strings and
//! byte runs as a `u32` length then the bytes. Readers advance the input
//! slice and fail with XX001 "bad <what> descriptor" on truncated or
//! invalid input.

use crate::error::{EngineError, Result, SqlState};

fn corrupt(what: &str) -> EngineError {
    EngineError::new(SqlState::DataCorrupted, format!("bad {what} descriptor"))
}

/// Appends `b` as its length and bytes.
pub fn put_bytes(out: &mut Vec<u8>, b: &[u8]) {
    out.extend_from_slice(&(b.len() as u32).to_be_bytes());
    out.extend_from_slice(b);
}

/// Appends `s` as its length and bytes.
pub fn put_str(out: &mut Vec<u8>, s: &str) {
    put_bytes(out, s.as_bytes());
}

/// Reads one byte.
pub fn get_u8(r: &mut &[u8], what: &str) -> Result<u8> {
    let (&b, rest) = r.split_first().ok_or_else(|| corrupt(what))?;
    *r = rest;
    Ok(b)
}

/// Reads a big-endian `u32`.
pub fn get_u32(r: &mut &[u8], what: &str) -> Result<u32> {
    if r.len() < 4 {
        return Err(corrupt(what));
    }
    let (head, rest) = r.split_at(4);
    *r = rest;
    Ok(u32::from_be_bytes(
        head.try_into().map_err(|_| corrupt(what))?,
    ))
}

/// Reads a length-prefixed byte run.
pub fn get_bytes(r: &mut &[u8], what: &str) -> Result<Vec<u8>> {
    let n = get_u32(r, what)? as usize;
    if r.len() < n {
        return Err(corrupt(what));
    }
    let (head, rest) = r.split_at(n);
    *r = rest;
    Ok(head.to_vec())
}

/// Reads a length-prefixed UTF-8 string.
pub fn get_str(r: &mut &[u8], what: &str) -> Result<String> {
    String::from_utf8(get_bytes(r, what)?).map_err(|_| corrupt(what))
}
