//! COPY's binary format, both ways.
//!
//! The layout is PostgreSQL's: the 11-byte signature `PGCOPY\n\377\r\n\0`,
//! a 32-bit flags field (bit 16: OIDs included, refused; other bits of the
//! upper half are critical and refused), a 32-bit header-extension length
//! (skipped); then per row a 16-bit field count and each field as a 32-bit
//! length (-1 for NULL) and the value's `typsend` bytes (see
//! [`crate::binary`]); a field count of -1 ends the data.
//!
//! [`BinaryDecoder`] is fed CopyData payloads as they arrive and keeps only
//! the unfinished tail between calls, like the text decoder; it decodes each
//! field straight into a [`Value`] of the target column's type.

use bytes::{BufMut, BytesMut};
use pgwire::error::PgWireError;
use rocksgres_engine::{SqlType, Value};

use super::format::DataError;

/// The file signature every binary COPY stream starts with.
pub const SIGNATURE: &[u8; 11] = b"PGCOPY\n\xff\r\n\0";

/// Appends the header: signature, no flags, no extension.
pub fn write_header(out: &mut BytesMut) {
    out.put_slice(SIGNATURE);
    out.put_i32(0);
    out.put_i32(0);
}

/// Appends the end-of-data marker.
pub fn write_trailer(out: &mut BytesMut) {
    out.put_i16(-1);
}

/// Appends one row: the field count and each field, length-prefixed.
pub fn write_row(
    out: &mut BytesMut,
    values: &[Value],
    types: &[SqlType],
) -> Result<(), PgWireError> {
    out.put_i16(values.len() as i16);
    for (v, ty) in values.iter().zip(types) {
        if v.is_null() {
            out.put_i32(-1);
            continue;
        }
        let at = out.len();
        out.put_i32(0);
        crate::binary::encode(v, ty, out)?;
        let len = (out.len() - at - 4) as i32;
        out[at..at + 4].copy_from_slice(&len.to_be_bytes());
    }
    Ok(())
}

fn bad(code: &'static str, message: impl Into<String>) -> DataError {
    DataError {
        code,
        message: message.into(),
    }
}

/// Incremental decoder of binary COPY FROM STDIN data.
pub struct BinaryDecoder {
    /// Target column types, in field order.
    types: Vec<SqlType>,
    /// Unconsumed input (at most one partial row after each call).
    buf: Vec<u8>,
    header_done: bool,
    /// The end marker was seen.
    done: bool,
    /// Rows seen so far (for `line N` context).
    line: u64,
}

impl BinaryDecoder {
    /// A decoder for rows of the given column types.
    pub fn new(types: Vec<SqlType>) -> Self {
        BinaryDecoder {
            types,
            buf: Vec::new(),
            header_done: false,
            done: false,
            line: 0,
        }
    }

    /// The number of the row being decoded (1-based), for error context.
    pub fn line(&self) -> u64 {
        self.line.max(1)
    }

    /// Decodes every complete row in `data` (plus the kept tail) into `out`.
    pub fn push(&mut self, data: &[u8], out: &mut Vec<(u64, Vec<Value>)>) -> Result<(), DataError> {
        if self.done {
            if data.is_empty() {
                return Ok(());
            }
            return Err(bad("22P04", "received copy data after EOF marker"));
        }
        self.buf.extend_from_slice(data);
        let mut pos = 0;
        if !self.header_done {
            let Some(n) = self.header(&self.buf)? else {
                return Ok(());
            };
            pos = n;
            self.header_done = true;
        }
        while !self.done {
            match self.row(pos, out)? {
                Some(next) => pos = next,
                None => break,
            }
        }
        if self.done && pos < self.buf.len() {
            return Err(bad("22P04", "received copy data after EOF marker"));
        }
        self.buf.drain(..pos);
        Ok(())
    }

    /// Checks that the data ended exactly after the end marker (or after
    /// the last row: PostgreSQL accepts a stream cut before the marker only
    /// at a row boundary).
    pub fn finish(&mut self) -> Result<(), DataError> {
        if !self.header_done || (!self.done && !self.buf.is_empty()) {
            if !self.header_done && self.buf.len() < SIGNATURE.len() {
                return Err(bad("22P04", "COPY file signature not recognized"));
            }
            return Err(bad("22P04", "unexpected EOF in COPY data"));
        }
        self.done = true;
        Ok(())
    }

    /// Parses the header at the start of `b`; `None` when incomplete.
    fn header(&self, b: &[u8]) -> Result<Option<usize>, DataError> {
        let sig = SIGNATURE.len();
        if b.len() < sig {
            if !SIGNATURE.starts_with(b) {
                return Err(bad("22P04", "COPY file signature not recognized"));
            }
            return Ok(None);
        }
        if &b[..sig] != SIGNATURE {
            return Err(bad("22P04", "COPY file signature not recognized"));
        }
        if b.len() < sig + 8 {
            return Ok(None);
        }
        let flags = u32::from_be_bytes([b[sig], b[sig + 1], b[sig + 2], b[sig + 3]]);
        if flags & (1 << 16) != 0 {
            return Err(bad("0A000", "COPY with OIDs is not supported"));
        }
        if flags & 0xFFFE_0000 != 0 {
            return Err(bad(
                "22P04",
                "unrecognized critical flags in COPY file header",
            ));
        }
        let ext = i32::from_be_bytes([b[sig + 4], b[sig + 5], b[sig + 6], b[sig + 7]]);
        let Ok(ext) = usize::try_from(ext) else {
            return Err(bad("22P04", "invalid COPY file header (missing length)"));
        };
        let end = sig + 8 + ext;
        Ok((b.len() >= end).then_some(end))
    }

    /// Decodes the row at `pos`; the position after it, or `None` when the
    /// row is not complete yet.
    fn row(
        &mut self,
        pos: usize,
        out: &mut Vec<(u64, Vec<Value>)>,
    ) -> Result<Option<usize>, DataError> {
        let b = &self.buf[pos..];
        if b.len() < 2 {
            return Ok(None);
        }
        let count = i16::from_be_bytes([b[0], b[1]]);
        if count == -1 {
            self.done = true;
            return Ok(Some(pos + 2));
        }
        self.line += 1;
        if count as usize != self.types.len() || count < 0 {
            return Err(bad(
                "22P04",
                format!("row field count is {count}, expected {}", self.types.len()),
            ));
        }
        // First check that the whole row is here, then decode it.
        let mut at = 2;
        let mut fields: Vec<Option<(usize, usize)>> = Vec::with_capacity(self.types.len());
        for _ in 0..count {
            if b.len() < at + 4 {
                self.line -= 1;
                return Ok(None);
            }
            let len = i32::from_be_bytes([b[at], b[at + 1], b[at + 2], b[at + 3]]);
            at += 4;
            if len == -1 {
                fields.push(None);
                continue;
            }
            let Ok(len) = usize::try_from(len) else {
                return Err(bad("22P04", "invalid field size"));
            };
            if b.len() < at + len {
                self.line -= 1;
                return Ok(None);
            }
            fields.push(Some((at, len)));
            at += len;
        }
        let mut row = Vec::with_capacity(fields.len());
        for (f, ty) in fields.into_iter().zip(&self.types) {
            row.push(match f {
                None => Value::Null,
                Some((start, len)) => {
                    crate::binary::decode(&b[start..start + len], ty).map_err(|e| match e {
                        PgWireError::UserError(info) => DataError {
                            code: if info.code == "XX000" {
                                "22P03"
                            } else {
                                leak(&info.code)
                            },
                            message: info.message,
                        },
                        other => bad("22P03", other.to_string()),
                    })?
                }
            });
        }
        out.push((self.line, row));
        Ok(Some(pos + at))
    }
}

/// The SQLSTATEs [`crate::binary::decode`] reports, as `'static` strings.
fn leak(code: &str) -> &'static str {
    match code {
        "22P03" => "22P03",
        "22021" => "22021",
        "0A000" => "0A000",
        "22008" => "22008",
        "42804" => "42804",
        "22P02" => "22P02",
        _ => "22P03",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn stream(rows: &[Vec<Value>], types: &[SqlType]) -> Vec<u8> {
        let mut out = BytesMut::new();
        write_header(&mut out);
        for r in rows {
            write_row(&mut out, r, types).unwrap();
        }
        write_trailer(&mut out);
        out.to_vec()
    }

    #[test]
    fn round_trip_in_pieces() {
        let types = vec![SqlType::Int4, SqlType::Text, SqlType::Array(&SqlType::Int4)];
        let rows = vec![
            vec![
                Value::Int4(1),
                Value::Text("a".into()),
                Value::Text("{1,NULL}".into()),
            ],
            vec![
                Value::Null,
                Value::Text(String::new()),
                Value::Text("{}".into()),
            ],
        ];
        let data = stream(&rows, &types);
        for chunk in [1, 3, 7, data.len()] {
            let mut d = BinaryDecoder::new(types.clone());
            let mut out = Vec::new();
            for piece in data.chunks(chunk) {
                d.push(piece, &mut out).unwrap();
            }
            d.finish().unwrap();
            let got: Vec<Vec<Value>> = out.into_iter().map(|(_, r)| r).collect();
            assert_eq!(got, rows, "chunk {chunk}");
        }
    }

    #[test]
    fn errors() {
        let mut d = BinaryDecoder::new(vec![SqlType::Int4]);
        let e = d.push(b"PGCOPX\n\xff\r\n\0", &mut Vec::new()).unwrap_err();
        assert_eq!(e.message, "COPY file signature not recognized");
        let mut d = BinaryDecoder::new(vec![SqlType::Int4, SqlType::Int4]);
        let data = stream(&[vec![Value::Int4(1)]], &[SqlType::Int4]);
        let e = d.push(&data, &mut Vec::new()).unwrap_err();
        assert_eq!(e.message, "row field count is 1, expected 2");
        let mut d = BinaryDecoder::new(vec![SqlType::Int4]);
        let data = stream(&[vec![Value::Int4(1)]], &[SqlType::Int4]);
        d.push(&data[..data.len() - 3], &mut Vec::new()).unwrap();
        assert_eq!(
            d.finish().unwrap_err().message,
            "unexpected EOF in COPY data"
        );
    }
}
