//! Version keys and version values.
//!
//! A version of user key `K` committed at timestamp `T` is stored as
//!
//! ```text
//! key:   K ++ (!T as u64, big-endian)          (8-byte suffix)
//! value: [flag u8] ++ payload                   (flag 0 = value, 1 = tombstone)
//! ```
//!
//! Inverting the timestamp makes the newest version sort first, so a snapshot
//! read at `S` is one seek to `K ++ !S` plus a check that the key found still
//! starts with `K`. Because user keys are prefix-free (see [`crate::api`]),
//! the versions of one key are contiguous and never interleave with another
//! key's versions.

use crate::api::Timestamp;
use crate::error::{Result, StorageError};

/// Length of the version suffix.
pub const TS_LEN: usize = 8;

/// Flag byte of a live value.
pub const FLAG_VALUE: u8 = 0;
/// Flag byte of a deletion marker.
pub const FLAG_TOMBSTONE: u8 = 1;

/// Appends the version key of `key` at `ts` to `out` (cleared first).
#[inline]
pub fn encode_version_key(out: &mut Vec<u8>, key: &[u8], ts: Timestamp) {
    out.clear();
    out.reserve(key.len() + TS_LEN);
    out.extend_from_slice(key);
    out.extend_from_slice(&(!ts).to_be_bytes());
}

/// Splits a version key into the user key and its timestamp.
#[inline]
pub fn decode_version_key(vkey: &[u8]) -> Result<(&[u8], Timestamp)> {
    if vkey.len() < TS_LEN {
        return Err(StorageError::Corruption(format!(
            "version key of {} bytes is shorter than its timestamp",
            vkey.len()
        )));
    }
    let (key, ts) = vkey.split_at(vkey.len() - TS_LEN);
    let mut raw = [0u8; TS_LEN];
    raw.copy_from_slice(ts);
    Ok((key, !u64::from_be_bytes(raw)))
}

/// Whether a stored version value is a deletion marker.
#[inline]
pub fn is_tombstone(value: &[u8]) -> bool {
    value.first() == Some(&FLAG_TOMBSTONE)
}

/// Writes a version value (flag and payload) into `out` (cleared first).
#[inline]
pub fn encode_version_value(out: &mut Vec<u8>, value: Option<&[u8]>) {
    out.clear();
    match value {
        Some(v) => {
            out.reserve(1 + v.len());
            out.push(FLAG_VALUE);
            out.extend_from_slice(v);
        }
        None => out.push(FLAG_TOMBSTONE),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn newest_version_sorts_first() {
        let mut a = Vec::new();
        let mut b = Vec::new();
        encode_version_key(&mut a, b"k", 10);
        encode_version_key(&mut b, b"k", 9);
        assert!(a < b);
        assert_eq!(decode_version_key(&a).unwrap(), (&b"k"[..], 10));
    }

    #[test]
    fn short_key_is_corruption() {
        assert!(matches!(
            decode_version_key(b"abc"),
            Err(StorageError::Corruption(_))
        ));
    }
}
