//! Writing rows into a caller-owned buffer.
//!
//! [`RowEncoder`] writes in one pass without knowing the values up front:
//! [`RowEncoder::begin`] reserves the header with room for a null bitmap
//! and 4-byte offsets, each [`RowEncoder::push`] appends a value and records
//! its end offset, and [`RowEncoder::finish`] picks the smallest offset
//! width, compacts the offset table in place, drops the bitmap if no value
//! was NULL and slides the data down. Nothing is allocated beyond growing
//! the caller's buffer.

use super::{value, FLAG_HAS_NULLS};
use crate::datum::Datum;
use crate::varint;

/// Streams one row into a buffer; see the module documentation.
///
/// ```
/// use rocksgres_codec::{Datum, DataType, RowEncoder, RowRef};
///
/// let mut buf = Vec::new();
/// let mut row = RowEncoder::begin(&mut buf, 2);
/// row.push(&Datum::Int4(7));
/// row.push(&Datum::Null);
/// row.finish();
/// let row = RowRef::new(&buf).unwrap();
/// assert_eq!(row.get(0, DataType::Int4).unwrap(), Some(Datum::Int4(7)));
/// assert!(row.is_null(1));
/// ```
#[derive(Debug)]
pub struct RowEncoder<'b> {
    buf: &'b mut Vec<u8>,
    /// Where the row starts in `buf`.
    start: usize,
    /// Where the null bitmap starts.
    bitmap: usize,
    /// Where the provisional 4-byte offset table starts.
    table: usize,
    /// Where the data starts.
    data: usize,
    columns: usize,
    pushed: usize,
    any_null: bool,
    finished: bool,
}

impl<'b> RowEncoder<'b> {
    /// Starts a row of `columns` columns at the end of `buf` (whatever `buf`
    /// already holds is kept in front of it).
    ///
    /// # Panics
    ///
    /// If `columns` does not fit in a `u32`.
    pub fn begin(buf: &'b mut Vec<u8>, columns: usize) -> RowEncoder<'b> {
        let count = u32::try_from(columns).expect("row column count exceeds u32");
        let start = buf.len();
        buf.push(0); // flags, written by finish
        varint::put_u32(buf, count);
        let bitmap = buf.len();
        let table = bitmap + columns.div_ceil(8);
        let data = table + 4 * columns;
        buf.resize(data, 0);
        RowEncoder {
            buf,
            start,
            bitmap,
            table,
            data,
            columns,
            pushed: 0,
            any_null: false,
            finished: false,
        }
    }

    /// Appends the next column's value (`Datum::Null` for NULL).
    ///
    /// # Panics
    ///
    /// If all declared columns were already pushed, or the row's data grows
    /// past 4 GiB.
    pub fn push(&mut self, value: &Datum<'_>) {
        assert!(
            self.pushed < self.columns,
            "RowEncoder: more than the declared {} columns pushed",
            self.columns
        );
        let i = self.pushed;
        if value.is_null() {
            self.buf[self.bitmap + i / 8] |= 1 << (i % 8);
            self.any_null = true;
        } else {
            value::encode(self.buf, value);
        }
        let end = u32::try_from(self.buf.len() - self.data).expect("row data exceeds 4 GiB");
        let slot = self.table + 4 * i;
        self.buf[slot..slot + 4].copy_from_slice(&end.to_le_bytes());
        self.pushed += 1;
    }

    /// Completes the row and returns its length in bytes (it occupies the
    /// end of the buffer).
    ///
    /// # Panics
    ///
    /// If fewer columns were pushed than declared in [`begin`](Self::begin).
    pub fn finish(mut self) -> usize {
        assert_eq!(
            self.pushed, self.columns,
            "RowEncoder: {} of {} columns pushed",
            self.pushed, self.columns
        );
        let data_len = self.buf.len() - self.data;
        let (width, code) = match data_len {
            0..=0xFF => (1, 0u8),
            0x100..=0xFFFF => (2, 1),
            _ => (4, 2),
        };
        let bitmap_len = if self.any_null {
            self.columns.div_ceil(8)
        } else {
            0
        };
        self.buf[self.start] = code | if self.any_null { FLAG_HAS_NULLS } else { 0 };
        // Compact the table in place: entry j moves from table + 4j to
        // out + j*width <= table + 4j, and is read before anything is
        // written over it, while later entries lie beyond what is written.
        let mut out = self.bitmap + bitmap_len;
        for j in 0..self.columns {
            let slot = self.table + 4 * j;
            let mut le = [0u8; 4];
            le.copy_from_slice(&self.buf[slot..slot + 4]);
            self.buf[out..out + width].copy_from_slice(&le[..width]);
            out += width;
        }
        self.buf.copy_within(self.data.., out);
        self.buf.truncate(out + data_len);
        self.finished = true;
        self.buf.len() - self.start
    }
}

impl Drop for RowEncoder<'_> {
    /// An encoder dropped before [`RowEncoder::finish`] removes its partial
    /// row from the buffer.
    fn drop(&mut self) {
        if !self.finished {
            self.buf.truncate(self.start);
        }
    }
}

/// Appends the row holding `values` to `buf` and returns its length.
pub fn encode_row(buf: &mut Vec<u8>, values: &[Datum<'_>]) -> usize {
    let mut row = RowEncoder::begin(buf, values.len());
    for value in values {
        row.push(value);
    }
    row.finish()
}
