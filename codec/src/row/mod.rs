//! Row (value) encoding: compact, with O(1) access to any one column.
//!
//! # Format
//!
//! ```text
//! [flags u8][column count: LEB128][null bitmap]?[end offsets: count × W][data]
//! ```
//!
//! * `flags`: bits 0–1 give the offset width `W` (`0` → 1 byte, `1` → 2,
//!   `2` → 4; `3` is invalid); bit 2 says a null bitmap is present; bits 3–7
//!   are zero (reserved for future format versions, rejected today).
//! * `column count`: how many columns this row stores. Rows written before
//!   an `ALTER TABLE … ADD COLUMN` store fewer columns than the current
//!   schema; reading a column past the count gives "absent" (`Ok(None)`),
//!   distinct from NULL, and the engine supplies the column default.
//! * `null bitmap` (only when some column is NULL): `ceil(count / 8)`
//!   bytes; bit `i % 8` of byte `i / 8` is set when column `i` is NULL.
//! * `end offsets`: for each column, little-endian, the offset just past its
//!   value relative to the start of `data`. Column `i` occupies
//!   `data[end[i-1]..end[i]]` (with `end[-1] = 0`), so one column is found
//!   with two table reads and its length comes for free. `W` is the
//!   smallest width that holds the data length: most rows use 1-byte
//!   offsets.
//! * `data`: the values one after another; NULL columns are empty.
//!
//! Value formats (no length prefixes: the offset table gives each length):
//!
//! | type | bytes |
//! |---|---|
//! | bool | 1 byte, `0x00` or `0x01` |
//! | int2/int4/int8, date, timestamp | two's complement little-endian, shortest form that sign-extends back (0 bytes for 0) |
//! | float4/float8 | the IEEE 754 bits, 4/8 bytes little-endian |
//! | numeric | header byte (`0x00` finite >= 0, `0x01` finite < 0, `0x02` NaN, `0x03` Infinity, `0x04` -Infinity); finite values add the display scale (LEB128), the weight (zigzag LEB128) and the digits two per byte (high nibble first, odd count padded with 0) |
//! | text | the UTF-8 bytes |
//! | bytea | the bytes |
//!
//! A 4-column pgbench_accounts row (three `int4` and an 84-byte `char`) is
//! 1 + 1 + 4 + 96 = 102 bytes or fewer, depending on how small the
//! integers are.
//!
//! # Decoding
//!
//! [`RowRef::new`] checks in O(1) that the header, bitmap and offset table
//! fit and that the last end offset is exactly the data length. Each
//! [`RowRef::get`] then checks its own two offsets, so garbage bytes give
//! errors, never panics or out-of-bounds reads. Values borrow from the row:
//! text and bytea are zero-copy (`Cow::Borrowed`); numerics are unpacked
//! into an owned [`Numeric`](crate::Numeric). Floats come back bit for bit
//! (`-0.0`, NaN payloads); numerics keep their display scale.

mod encoder;
mod value;

pub use encoder::{encode_row, RowEncoder};

use crate::datum::{DataType, Datum};
use crate::error::{CodecError, Result};
use crate::input::{take, take_u8};
use crate::varint;

/// Mask of the offset-width code in the flags byte.
const FLAG_WIDTH_MASK: u8 = 0b0000_0011;
/// Flag: a null bitmap follows the column count.
const FLAG_HAS_NULLS: u8 = 0b0000_0100;
/// Flag bits that must be zero.
const FLAG_RESERVED: u8 = !(FLAG_WIDTH_MASK | FLAG_HAS_NULLS);

/// A validated view of one encoded row, borrowing its bytes.
#[derive(Debug, Clone, Copy)]
pub struct RowRef<'a> {
    bytes: &'a [u8],
    columns: usize,
    /// Offset width in bytes: 1, 2 or 4.
    width: usize,
    /// Empty when the row has no NULLs.
    nulls: &'a [u8],
    offsets: &'a [u8],
    data: &'a [u8],
}

impl<'a> RowRef<'a> {
    /// Checks the row header of `bytes` (which must hold exactly one row)
    /// in O(1) and returns a view for column access.
    ///
    /// Errors: [`CodecError::Truncated`] or [`CodecError::Malformed`] when
    /// the header is cut short or inconsistent, or the data length is not
    /// what the offset table says.
    pub fn new(bytes: &'a [u8]) -> Result<RowRef<'a>> {
        let mut input = bytes;
        let flags = take_u8(&mut input, "row flags")?;
        if flags & FLAG_RESERVED != 0 {
            return Err(CodecError::Malformed("unknown row format flags"));
        }
        let width = match flags & FLAG_WIDTH_MASK {
            0 => 1,
            1 => 2,
            2 => 4,
            _ => return Err(CodecError::Malformed("invalid row offset width")),
        };
        let columns = varint::get_u32(&mut input, "row column count")? as usize;
        let nulls = if flags & FLAG_HAS_NULLS != 0 {
            take(&mut input, columns.div_ceil(8), "row null bitmap")?
        } else {
            &[]
        };
        let table_len = columns
            .checked_mul(width)
            .ok_or(CodecError::Malformed("row column count too large"))?;
        let offsets = take(&mut input, table_len, "row offset table")?;
        let row = RowRef {
            bytes,
            columns,
            width,
            nulls,
            offsets,
            data: input,
        };
        let data_len = match columns {
            0 => 0,
            n => row.end_offset(n - 1),
        };
        if data_len != row.data.len() {
            return Err(if data_len > row.data.len() {
                CodecError::Truncated("row data")
            } else {
                CodecError::Malformed("trailing bytes after row data")
            });
        }
        Ok(row)
    }

    /// The encoded bytes of the row.
    pub fn as_bytes(&self) -> &'a [u8] {
        self.bytes
    }

    /// How many columns the row stores (may be fewer than the schema has).
    pub fn column_count(&self) -> usize {
        self.columns
    }

    /// Whether column `i` is stored and NULL. An absent column (`i >=
    /// column_count()`) is not NULL: it has no value at all.
    pub fn is_null(&self, i: usize) -> bool {
        i < self.columns
            && self
                .nulls
                .get(i / 8)
                .is_some_and(|b| b & (1 << (i % 8)) != 0)
    }

    /// Decodes column `i` as type `ty`, in O(1) and without touching other
    /// columns. Returns `Ok(None)` when the column is absent (past
    /// [`column_count`](Self::column_count)), `Ok(Some(Datum::Null))` when
    /// it is NULL. Text and bytea borrow from the row.
    ///
    /// Errors: [`CodecError::Malformed`] / [`CodecError::InvalidUtf8`] when
    /// the column's bytes are not a valid `ty` value or its offsets are
    /// inconsistent.
    pub fn get(&self, i: usize, ty: DataType) -> Result<Option<Datum<'a>>> {
        if i >= self.columns {
            return Ok(None);
        }
        if self.is_null(i) {
            return Ok(Some(Datum::Null));
        }
        value::decode(self.column_bytes(i)?, ty).map(Some)
    }

    /// Column `i` as an integer of at most `width` bytes (`int2`, `int4`,
    /// `int8`, `date`, `timestamp`), without going through a [`Datum`]:
    /// `Ok(None)` when absent, `Ok(Some(None))` when NULL. The same checks
    /// as [`get`](Self::get).
    pub fn get_int(&self, i: usize, width: usize) -> Result<Option<Option<i64>>> {
        if i >= self.columns {
            return Ok(None);
        }
        if self.is_null(i) {
            return Ok(Some(None));
        }
        value::decode_int(self.column_bytes(i)?, width).map(|v| Some(Some(v)))
    }

    /// Column `i` as text, borrowed from the row, without going through a
    /// [`Datum`]: `Ok(None)` when absent, `Ok(Some(None))` when NULL. The
    /// same checks as [`get`](Self::get).
    pub fn get_str(&self, i: usize) -> Result<Option<Option<&'a str>>> {
        if i >= self.columns {
            return Ok(None);
        }
        if self.is_null(i) {
            return Ok(Some(None));
        }
        std::str::from_utf8(self.column_bytes(i)?)
            .map(|s| Some(Some(s)))
            .map_err(|_| CodecError::InvalidUtf8)
    }

    /// Decodes numeric column `i` into `out`, reusing its digit buffer
    /// when the digit count is the same: `Ok(None)` when absent,
    /// `Ok(Some(false))` when NULL (`out` untouched), `Ok(Some(true))`
    /// when `out` now holds the value. The same checks as
    /// [`get`](Self::get).
    pub fn get_numeric_into(&self, i: usize, out: &mut crate::Numeric) -> Result<Option<bool>> {
        if i >= self.columns {
            return Ok(None);
        }
        if self.is_null(i) {
            return Ok(Some(false));
        }
        value::decode_numeric_into(self.column_bytes(i)?, out).map(|()| Some(true))
    }

    /// The raw value bytes of column `i` in the row format (empty for
    /// NULL); `Ok(None)` when absent. Lets the engine copy a column without
    /// decoding it.
    pub fn raw(&self, i: usize) -> Result<Option<&'a [u8]>> {
        if i >= self.columns {
            return Ok(None);
        }
        self.column_bytes(i).map(Some)
    }

    /// End offset of column `i < columns`.
    #[inline]
    fn end_offset(&self, i: usize) -> usize {
        // One arm per width: a fixed-size read each, where a copy of
        // `width` bytes would be a call to `memcpy` per column.
        let o = self.offsets;
        match self.width {
            1 => usize::from(o[i]),
            2 => usize::from(u16::from_le_bytes([o[2 * i], o[2 * i + 1]])),
            _ => {
                let j = 4 * i;
                u32::from_le_bytes([o[j], o[j + 1], o[j + 2], o[j + 3]]) as usize
            }
        }
    }

    /// The data bytes of stored column `i`.
    #[inline]
    fn column_bytes(&self, i: usize) -> Result<&'a [u8]> {
        let start = if i == 0 { 0 } else { self.end_offset(i - 1) };
        let end = self.end_offset(i);
        if start > end || end > self.data.len() {
            return Err(CodecError::Malformed("inconsistent row offsets"));
        }
        Ok(&self.data[start..end])
    }
}
