//! Byte formats of Rocksgres: order-preserving keys and compact rows.
//!
//! This crate turns SQL values into bytes and back, for the two places the
//! storage layer keeps them:
//!
//! * **Keys** ([`encode_key_column`], [`decode_key_column`], the prefix
//!   helpers): *memcomparable* encodings whose byte order is the SQL order,
//!   so RocksDB's byte-wise comparator sorts index entries correctly. Every
//!   column encoding is self-delimiting, which makes composite keys sort
//!   column by column and makes the set of keys prefix-free (the storage
//!   layer appends version suffixes and relies on it). See [`key`].
//! * **Rows** ([`encode_row`], [`RowEncoder`], [`RowRef`]): a compact value
//!   format with a null bitmap and an offset table, so one column is decoded
//!   in O(1) and text/bytea are read without copying. See [`row`].
//!
//! Values are [`Datum`]s typed by [`DataType`]; `numeric` is the
//! arbitrary-precision [`Numeric`]. Ordering follows PostgreSQL
//! ([`Datum::pg_cmp`]).
//!
//! Encoders append to caller-owned `Vec<u8>` buffers, so reusing one buffer
//! per scan or statement makes encoding allocation-free. Decoders never
//! panic on malformed input; they return [`CodecError`].
//!
//! ```
//! use rocksgres_codec::{
//!     decode_key_column, encode_index_prefix, encode_key_column, DataType, Datum, SortOrder,
//! };
//!
//! let mut key = Vec::new();
//! encode_index_prefix(&mut key, 1, 42, 1);
//! let prefix_len = key.len();
//! encode_key_column(&mut key, &Datum::Int4(7), SortOrder::ASC).unwrap();
//! encode_key_column(&mut key, &Datum::text("abc"), SortOrder::ASC).unwrap();
//!
//! let mut input = &key[prefix_len..];
//! assert_eq!(decode_key_column(&mut input, DataType::Int4, SortOrder::ASC).unwrap(), Datum::Int4(7));
//! assert_eq!(decode_key_column(&mut input, DataType::Text, SortOrder::ASC).unwrap(), Datum::text("abc"));
//! assert!(input.is_empty());
//! ```

#![warn(missing_docs)]

mod datum;
mod error;
mod input;
pub mod key;
mod numeric;
pub mod row;
mod varint;

pub use datum::{pg_float4_cmp, pg_float8_cmp, DataType, Datum};
pub use error::{CodecError, Result};
pub use key::{
    decode_index_prefix, decode_key_column, encode_index_prefix, encode_key_column,
    encode_table_prefix, prefix_successor, prefix_successor_in_place, skip_key_column, IndexPrefix,
    SortOrder, INDEX_PREFIX_LEN, PRIMARY_INDEX_ID, TABLE_PREFIX_LEN,
};
pub use numeric::{Numeric, NumericClass, MAX_DSCALE, MAX_WEIGHT};
pub use row::{encode_row, RowEncoder, RowRef};
