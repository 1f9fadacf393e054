//! Memcomparable (order-preserving) key encoding.
//!
//! Index and primary keys are compared by RocksDB as plain byte strings, so
//! each SQL value is encoded such that comparing encodings with `memcmp`
//! gives the SQL order:
//!
//! ```text
//! a < b  ⇔  enc(a) < enc(b)  (ascending; reversed for descending)
//! a = b  ⇔  enc(a) = enc(b)
//! ```
//!
//! Encoders append to a caller-owned buffer (`&mut Vec<u8>`, reused across
//! keys, so building a key allocates nothing once the buffer has grown).
//!
//! # Column format
//!
//! Every column starts with a marker byte:
//!
//! | marker | meaning |
//! |---|---|
//! | `0x00` | NULL, when the column's [`SortOrder`] has `nulls_first` |
//! | `0x01` | a value follows |
//! | `0x02` | NULL, when `nulls_first` is false |
//!
//! so NULLs sort before or after every value. The value bytes follow the
//! `0x01` marker. For a descending column every value byte (not the marker)
//! is inverted (`!b`), which reverses the order of values while leaving NULL
//! placement alone.
//!
//! Ascending value formats (full detail in each submodule):
//!
//! | type | bytes |
//! |---|---|
//! | bool | `0x00` false, `0x01` true |
//! | int2/int4/int8, date, timestamp | two's complement big-endian with the sign bit flipped (2/4/8 bytes) |
//! | float4/float8 | IEEE bits big-endian: sign bit set for positives, all bits inverted for negatives; `-0.0` as `0.0`, every NaN as the canonical quiet NaN (4/8 bytes) |
//! | numeric | class byte, then for non-zero finite values a 4-byte exponent and base-100 mantissa bytes (see `src/key/numeric.rs`) |
//! | text | the UTF-8 bytes, then `0x00` (text cannot contain NUL) |
//! | bytea | the bytes with `0x00` escaped as `0x00 0xFF`, then `0x00 0x01` |
//!
//! # Invariant: self-delimiting columns, prefix-free keys
//!
//! Every encoded column is *self-delimiting*: its length can be read from
//! its own bytes, and no column encoding is a proper prefix of another
//! encoding of the same type and order (fixed widths; a terminator that
//! cannot occur inside the value; an even final mantissa byte). Hence:
//!
//! 1. A composite key (encodings of several columns concatenated) orders
//!    lexicographically by column: the first differing column decides, and
//!    it decides at a byte position inside both encodings.
//! 2. For a fixed list of column types and orders, the set of encoded keys
//!    is *prefix-free*. If `k1 < k2` they differ at a byte inside both, so
//!    for **any** suffixes `k1 ++ s1 < k2 ++ s2`.
//!
//! The storage layer relies on (2): it appends an 8-byte inverted
//! big-endian commit timestamp to every key, and prefix-freedom guarantees
//! that the versions of one key never sort between the versions of another
//! (for example text `'a'` and `'ab'`, or bytea `'\x00'` and `'\x0000'`).
//! Any new type added here must keep this property.
//!
//! Arrays, rows, `jsonb` and intervals get *nested* keys whose value bytes
//! the engine assembles from parts ([`nested`]); they are not decodable.
//!
//! # Decoding
//!
//! [`decode_key_column`] reads one column from a `&mut &[u8]` cursor and
//! advances it; [`skip_key_column`] steps over one without building a value.
//! On error the cursor is left where it was. Decoded values borrow from the
//! input where they can: ascending text always, ascending bytea when it
//! contains no `0x00` bytes. Descending text and bytea, and escaped bytea,
//! come back as `Cow::Owned`. Keys are canonical, so some information is
//! not kept: `-0.0` decodes as `0.0`, NaN payloads are lost, and a numeric
//! decodes with the smallest display scale that shows all its digits
//! (`1.50` → `1.5`); the row holds the exact value.

mod bytes;
mod fixed;
mod float;
pub mod nested;
mod numeric;
mod prefix;

pub use prefix::{
    decode_index_prefix, encode_index_prefix, encode_table_prefix, prefix_successor,
    prefix_successor_in_place, IndexPrefix, INDEX_PREFIX_LEN, PRIMARY_INDEX_ID, TABLE_PREFIX_LEN,
};

use crate::datum::{DataType, Datum};
use crate::error::{CodecError, Result};
use crate::input::take_u8;

/// Marker of a NULL that sorts before all values.
const NULL_FIRST: u8 = 0x00;
/// Marker preceding a value.
const VALUE: u8 = 0x01;
/// Marker of a NULL that sorts after all values.
const NULL_LAST: u8 = 0x02;

/// How one key column sorts: direction and NULL placement.
///
/// `Default` is ascending with NULLs first. PostgreSQL's SQL default
/// (`ASC NULLS LAST`, `DESC NULLS FIRST`) is
/// [`SortOrder::postgres_default`]; the engine chooses per index column.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct SortOrder {
    /// Larger values first.
    pub descending: bool,
    /// NULL before every value (after every value when false), whatever the
    /// direction.
    pub nulls_first: bool,
}

impl SortOrder {
    /// Ascending, NULLs first (the `Default`).
    pub const ASC: SortOrder = SortOrder {
        descending: false,
        nulls_first: true,
    };

    /// A sort order from its two flags.
    pub const fn new(descending: bool, nulls_first: bool) -> SortOrder {
        SortOrder {
            descending,
            nulls_first,
        }
    }

    /// PostgreSQL's default for `ASC` / `DESC` without a `NULLS` clause:
    /// NULLs count as larger than every value, so they come last ascending
    /// and first descending.
    pub const fn postgres_default(descending: bool) -> SortOrder {
        SortOrder {
            descending,
            nulls_first: descending,
        }
    }

    /// The marker byte a NULL gets in this order.
    fn null_marker(self) -> u8 {
        if self.nulls_first {
            NULL_FIRST
        } else {
            NULL_LAST
        }
    }

    /// XOR mask applied to value bytes: `0xFF` inverts for descending.
    fn mask(self) -> u8 {
        if self.descending {
            0xFF
        } else {
            0x00
        }
    }
}

impl Default for SortOrder {
    fn default() -> SortOrder {
        SortOrder::ASC
    }
}

/// Appends the key encoding of `value` in `order` to `buf`.
///
/// Errors: [`CodecError::NulInText`] for text containing NUL. On error
/// `buf` is left as it was.
pub fn encode_key_column(buf: &mut Vec<u8>, value: &Datum<'_>, order: SortOrder) -> Result<()> {
    if value.is_null() {
        buf.push(order.null_marker());
        return Ok(());
    }
    let start = buf.len();
    buf.push(VALUE);
    let body = buf.len();
    match value {
        Datum::Null => {} // written above
        Datum::Bool(v) => fixed::encode_bool(buf, *v),
        Datum::Int2(v) => fixed::encode_i16(buf, *v),
        Datum::Int4(v) | Datum::Date(v) => fixed::encode_i32(buf, *v),
        Datum::Int8(v) | Datum::Timestamp(v) => fixed::encode_i64(buf, *v),
        Datum::Float4(v) => float::encode_f32(buf, *v),
        Datum::Float8(v) => float::encode_f64(buf, *v),
        Datum::Numeric(v) => numeric::encode(buf, v),
        Datum::Text(v) => {
            if let Err(e) = bytes::encode_text(buf, v) {
                buf.truncate(start);
                return Err(e);
            }
        }
        Datum::Bytea(v) => bytes::encode_bytea(buf, v),
    }
    if order.descending {
        for b in &mut buf[body..] {
            *b = !*b;
        }
    }
    Ok(())
}

/// Reads one key column of type `ty` encoded in `order` from the front of
/// `input`, advancing it past the column. Text and bytea borrow from the
/// input when they can (see the module documentation).
///
/// Errors: [`CodecError::Truncated`] / [`CodecError::Malformed`] /
/// [`CodecError::InvalidUtf8`] for bytes no encoder produces; `input` is
/// then left unchanged.
pub fn decode_key_column<'a>(
    input: &mut &'a [u8],
    ty: DataType,
    order: SortOrder,
) -> Result<Datum<'a>> {
    let mut cur = *input;
    let marker = take_u8(&mut cur, "key column marker")?;
    if marker != VALUE {
        if marker != order.null_marker() {
            return Err(CodecError::Malformed("invalid key column marker"));
        }
        *input = cur;
        return Ok(Datum::Null);
    }
    let mask = order.mask();
    let value = match ty {
        DataType::Bool => Datum::Bool(fixed::decode_bool(&mut cur, mask)?),
        DataType::Int2 => Datum::Int2(fixed::decode_i16(&mut cur, mask)?),
        DataType::Int4 => Datum::Int4(fixed::decode_i32(&mut cur, mask)?),
        DataType::Int8 => Datum::Int8(fixed::decode_i64(&mut cur, mask)?),
        DataType::Date => Datum::Date(fixed::decode_i32(&mut cur, mask)?),
        DataType::Timestamp => Datum::Timestamp(fixed::decode_i64(&mut cur, mask)?),
        DataType::Float4 => Datum::Float4(float::decode_f32(&mut cur, mask)?),
        DataType::Float8 => Datum::Float8(float::decode_f64(&mut cur, mask)?),
        DataType::Numeric => Datum::Numeric(numeric::decode(&mut cur, mask)?),
        DataType::Text => Datum::Text(bytes::decode_text(&mut cur, mask)?),
        DataType::Bytea => Datum::Bytea(bytes::decode_bytea(&mut cur, mask)?),
    };
    *input = cur;
    Ok(value)
}

/// Advances `input` past one key column of type `ty` in `order` without
/// building its value (no allocation, no UTF-8 check). Used to reach the
/// primary-key columns at the end of a non-unique index key.
///
/// Errors as [`decode_key_column`], minus UTF-8 validation; `input` is left
/// unchanged on error.
pub fn skip_key_column(input: &mut &[u8], ty: DataType, order: SortOrder) -> Result<()> {
    let mut cur = *input;
    let marker = take_u8(&mut cur, "key column marker")?;
    if marker != VALUE {
        if marker != order.null_marker() {
            return Err(CodecError::Malformed("invalid key column marker"));
        }
        *input = cur;
        return Ok(());
    }
    let mask = order.mask();
    match ty {
        DataType::Bool => {
            fixed::decode_bool(&mut cur, mask)?;
        }
        DataType::Int2 => {
            fixed::decode_i16(&mut cur, mask)?;
        }
        DataType::Int4 | DataType::Date | DataType::Float4 => {
            fixed::decode_i32(&mut cur, mask)?;
        }
        DataType::Int8 | DataType::Timestamp | DataType::Float8 => {
            fixed::decode_i64(&mut cur, mask)?;
        }
        DataType::Numeric => numeric::skip(&mut cur, mask)?,
        DataType::Text => bytes::skip_text(&mut cur, mask)?,
        DataType::Bytea => bytes::skip_bytea(&mut cur, mask)?,
    }
    *input = cur;
    Ok(())
}
