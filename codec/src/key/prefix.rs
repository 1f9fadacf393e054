//! Key prefixes of the data column family and prefix upper bounds.
//!
//! Every data key starts with a fixed 9-byte prefix naming the index it
//! belongs to (see "Key layout" in `design.md`):
//!
//! ```text
//! [keyspace u8][table id u32 BE][index id u32 BE][index columns…][pk columns…][!commit_ts u64 BE]
//! ```
//!
//! Big-endian ids make all keys of one table, and within it of one index,
//! contiguous and ordered by id. The primary key is index
//! [`PRIMARY_INDEX_ID`] and holds the row.
//!
//! A scan over "every key starting with P" uses P as the inclusive lower
//! bound and the *prefix successor* of P as the exclusive upper bound: the
//! smallest byte string greater than every string that starts with P. It is
//! P with trailing `0xFF` bytes removed and the last remaining byte
//! incremented; a prefix of only `0xFF` bytes (or an empty one) has no
//! successor and the scan is unbounded above.

use crate::error::Result;
use crate::input::{take_array, take_u8};

/// Length of the `[keyspace][table id]` prefix.
pub const TABLE_PREFIX_LEN: usize = 5;

/// Length of the `[keyspace][table id][index id]` prefix.
pub const INDEX_PREFIX_LEN: usize = 9;

/// Index id of a table's primary key (the index that holds the rows).
pub const PRIMARY_INDEX_ID: u32 = 1;

/// The parts of an index prefix.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct IndexPrefix {
    /// Keyspace byte (separates kinds of data sharing the column family).
    pub keyspace: u8,
    /// Table storage id.
    pub table_id: u32,
    /// Index id within the table; [`PRIMARY_INDEX_ID`] for the rows.
    pub index_id: u32,
}

impl IndexPrefix {
    /// Appends this prefix to `buf` (as [`encode_index_prefix`]).
    pub fn encode(&self, buf: &mut Vec<u8>) {
        encode_index_prefix(buf, self.keyspace, self.table_id, self.index_id);
    }
}

/// Appends `[keyspace][table id BE]` (5 bytes) to `buf`.
pub fn encode_table_prefix(buf: &mut Vec<u8>, keyspace: u8, table_id: u32) {
    buf.push(keyspace);
    buf.extend_from_slice(&table_id.to_be_bytes());
}

/// Appends `[keyspace][table id BE][index id BE]` (9 bytes) to `buf`.
pub fn encode_index_prefix(buf: &mut Vec<u8>, keyspace: u8, table_id: u32, index_id: u32) {
    encode_table_prefix(buf, keyspace, table_id);
    buf.extend_from_slice(&index_id.to_be_bytes());
}

/// Reads a 9-byte index prefix from the front of `input` and advances past
/// it. Errors with [`crate::CodecError::Truncated`] (leaving `input`
/// unchanged) if fewer than 9 bytes remain.
pub fn decode_index_prefix(input: &mut &[u8]) -> Result<IndexPrefix> {
    let mut cur = *input;
    let keyspace = take_u8(&mut cur, "key prefix")?;
    let table_id = u32::from_be_bytes(take_array(&mut cur, "key prefix")?);
    let index_id = u32::from_be_bytes(take_array(&mut cur, "key prefix")?);
    *input = cur;
    Ok(IndexPrefix {
        keyspace,
        table_id,
        index_id,
    })
}

/// Writes the exclusive upper bound of the keys starting with `prefix`
/// into `out`, which is cleared first (its capacity is reused). Returns
/// `false`, with `out` empty, when there is no such bound (`prefix` is
/// empty or all `0xFF`): the range is then unbounded above.
pub fn prefix_successor(prefix: &[u8], out: &mut Vec<u8>) -> bool {
    out.clear();
    out.extend_from_slice(prefix);
    prefix_successor_in_place(out)
}

/// Turns `buf` into the exclusive upper bound of the keys starting with its
/// current contents (see [`prefix_successor`]). Returns `false`, leaving
/// `buf` empty, when there is no bound.
pub fn prefix_successor_in_place(buf: &mut Vec<u8>) -> bool {
    while buf.last() == Some(&0xFF) {
        buf.pop();
    }
    match buf.last_mut() {
        Some(last) => {
            *last += 1;
            true
        }
        None => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn prefixes() {
        let mut buf = vec![0xAA];
        encode_index_prefix(&mut buf, 2, 0x0102_0304, 1);
        assert_eq!(buf, [0xAA, 2, 1, 2, 3, 4, 0, 0, 0, 1]);
        let mut input = &buf[1..];
        let p = decode_index_prefix(&mut input).unwrap();
        assert_eq!(
            p,
            IndexPrefix {
                keyspace: 2,
                table_id: 0x0102_0304,
                index_id: 1
            }
        );
        assert!(input.is_empty());
        let mut short = &buf[..5];
        assert!(decode_index_prefix(&mut short).is_err());
        assert_eq!(short.len(), 5);
    }

    #[test]
    fn successors() {
        let mut out = vec![9, 9, 9];
        assert!(prefix_successor(&[1, 2, 3], &mut out));
        assert_eq!(out, [1, 2, 4]);
        assert!(prefix_successor(&[1, 0xFF, 0xFF], &mut out));
        assert_eq!(out, [2]);
        assert!(!prefix_successor(&[0xFF, 0xFF], &mut out));
        assert!(out.is_empty());
        assert!(!prefix_successor(&[], &mut out));
        let mut buf = vec![0, 0xFE, 0xFF];
        assert!(prefix_successor_in_place(&mut buf));
        assert_eq!(buf, [0, 0xFF]);
    }
}
