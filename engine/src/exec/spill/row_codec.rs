//! The row format of temporary files.
//!
//! The storage row format ([`crate::exec::row`]) needs each column's SQL
//! type to decode a value; rows an operator spills carry no types, so
//! this format is self-describing: per value a tag byte and a compact
//! payload (integers little-endian, strings length-prefixed). Enum
//! values refer to their type through an [`EnumTable`] kept with the file
//! (types live for the process, files only for a statement).

use rocksgres_codec::Numeric;

use crate::error::{EngineError, Result, SqlState};
use crate::types::bits::BitString;
use crate::types::enum_type::EnumDef;
use crate::types::inet::Inet;
use crate::types::{Interval, Value};

/// The enum types of the values in one file, by position.
#[derive(Debug, Default)]
pub struct EnumTable {
    defs: Vec<&'static EnumDef>,
}

impl EnumTable {
    fn index_of(&mut self, def: &'static EnumDef) -> u32 {
        match self.defs.iter().position(|d| std::ptr::eq(*d, def)) {
            Some(i) => i as u32,
            None => {
                self.defs.push(def);
                (self.defs.len() - 1) as u32
            }
        }
    }
}

fn corrupt() -> EngineError {
    EngineError::new(SqlState::DataCorrupted, "corrupt temporary file row")
}

fn put_len(buf: &mut Vec<u8>, n: usize) {
    let mut n = n as u64;
    loop {
        let b = (n & 0x7f) as u8;
        n >>= 7;
        if n == 0 {
            buf.push(b);
            return;
        }
        buf.push(b | 0x80);
    }
}

/// A cursor over encoded bytes.
struct Input<'b> {
    bytes: &'b [u8],
}

impl<'b> Input<'b> {
    fn take(&mut self, n: usize) -> Result<&'b [u8]> {
        if self.bytes.len() < n {
            return Err(corrupt());
        }
        let (head, rest) = self.bytes.split_at(n);
        self.bytes = rest;
        Ok(head)
    }

    fn array<const N: usize>(&mut self) -> Result<[u8; N]> {
        Ok(self.take(N)?.try_into().expect("N bytes"))
    }

    fn len(&mut self) -> Result<usize> {
        let mut n = 0u64;
        for shift in (0..64).step_by(7) {
            let b = self.take(1)?[0];
            n |= u64::from(b & 0x7f) << shift;
            if b & 0x80 == 0 {
                return usize::try_from(n).map_err(|_| corrupt());
            }
        }
        Err(corrupt())
    }

    fn i32(&mut self) -> Result<i32> {
        Ok(i32::from_le_bytes(self.array()?))
    }

    fn i64(&mut self) -> Result<i64> {
        Ok(i64::from_le_bytes(self.array()?))
    }
}

const NULL: u8 = 0;
const FALSE: u8 = 1;
const TRUE: u8 = 2;
const INT2: u8 = 3;
const INT4: u8 = 4;
const INT8: u8 = 5;
const FLOAT4: u8 = 6;
const FLOAT8: u8 = 7;
const NUMERIC: u8 = 8;
const TEXT: u8 = 9;
const BYTEA: u8 = 10;
const DATE: u8 = 11;
const TIME: u8 = 12;
const TIMESTAMP: u8 = 13;
const TIMESTAMPTZ: u8 = 14;
const INTERVAL: u8 = 15;
const ENUM: u8 = 16;
const INET: u8 = 17;
const BITS: u8 = 18;
const MACADDR: u8 = 19;
const MACADDR8: u8 = 20;
const TIMETZ: u8 = 21;

/// Numeric classes: zero, positive, negative, NaN, +/- infinity.
fn put_numeric(buf: &mut Vec<u8>, n: &Numeric) {
    use rocksgres_codec::NumericClass as C;
    let class = match n.class() {
        C::Zero => 0u8,
        C::Positive => 1,
        C::Negative => 2,
        C::NaN => 3,
        C::Infinity => 4,
        C::NegInfinity => 5,
    };
    buf.push(class);
    buf.extend_from_slice(&n.dscale().to_le_bytes());
    if class == 1 || class == 2 {
        buf.extend_from_slice(&n.weight().to_le_bytes());
        put_len(buf, n.digits().len());
        buf.extend_from_slice(n.digits());
    }
}

fn get_numeric(input: &mut Input<'_>) -> Result<Numeric> {
    let class = input.take(1)?[0];
    let dscale = u16::from_le_bytes(input.array()?);
    Ok(match class {
        0 => Numeric::from_parts(false, &[], 0, dscale).map_err(|_| corrupt())?,
        1 | 2 => {
            let weight = input.i32()?;
            let n = input.len()?;
            let digits = input.take(n)?;
            Numeric::from_parts(class == 2, digits, weight, dscale).map_err(|_| corrupt())?
        }
        3 => Numeric::nan(),
        4 => Numeric::infinity(),
        5 => Numeric::neg_infinity(),
        _ => return Err(corrupt()),
    })
}

/// Appends the encoding of `row` to `buf`.
pub fn encode_row(buf: &mut Vec<u8>, row: &[Value], enums: &mut EnumTable) {
    put_len(buf, row.len());
    for v in row {
        match v {
            Value::Null => buf.push(NULL),
            Value::Bool(b) => buf.push(if *b { TRUE } else { FALSE }),
            Value::Int2(n) => {
                buf.push(INT2);
                buf.extend_from_slice(&n.to_le_bytes());
            }
            Value::Int4(n) => {
                buf.push(INT4);
                buf.extend_from_slice(&n.to_le_bytes());
            }
            Value::Int8(n) => {
                buf.push(INT8);
                buf.extend_from_slice(&n.to_le_bytes());
            }
            Value::Float4(f) => {
                buf.push(FLOAT4);
                buf.extend_from_slice(&f.to_bits().to_le_bytes());
            }
            Value::Float8(f) => {
                buf.push(FLOAT8);
                buf.extend_from_slice(&f.to_bits().to_le_bytes());
            }
            Value::Numeric(n) => {
                buf.push(NUMERIC);
                put_numeric(buf, n);
            }
            Value::Text(s) => {
                buf.push(TEXT);
                put_len(buf, s.len());
                buf.extend_from_slice(s.as_bytes());
            }
            Value::Bytea(b) => {
                buf.push(BYTEA);
                put_len(buf, b.len());
                buf.extend_from_slice(b);
            }
            Value::Date(d) => {
                buf.push(DATE);
                buf.extend_from_slice(&d.to_le_bytes());
            }
            Value::Time(t) => {
                buf.push(TIME);
                buf.extend_from_slice(&t.to_le_bytes());
            }
            Value::Timestamp(t) => {
                buf.push(TIMESTAMP);
                buf.extend_from_slice(&t.to_le_bytes());
            }
            Value::Timestamptz(t) => {
                buf.push(TIMESTAMPTZ);
                buf.extend_from_slice(&t.to_le_bytes());
            }
            Value::Interval(i) => {
                buf.push(INTERVAL);
                buf.extend_from_slice(&i.to_bytes());
            }
            Value::Enum(def, pos) => {
                buf.push(ENUM);
                put_len(buf, enums.index_of(def) as usize);
                put_len(buf, *pos as usize);
            }
            Value::Inet(i) => {
                buf.push(INET);
                buf.push(u8::from(i.v6) | (u8::from(i.cidr) << 1));
                buf.push(i.bits);
                buf.extend_from_slice(&i.addr);
            }
            Value::Bits(b) => {
                buf.push(BITS);
                put_len(buf, b.len);
                buf.extend_from_slice(&b.bytes);
            }
            Value::MacAddr(m) => {
                buf.push(MACADDR);
                buf.extend_from_slice(m);
            }
            Value::MacAddr8(m) => {
                buf.push(MACADDR8);
                buf.extend_from_slice(m);
            }
            Value::TimeTz(t, z) => {
                buf.push(TIMETZ);
                buf.extend_from_slice(&t.to_le_bytes());
                buf.extend_from_slice(&z.to_le_bytes());
            }
        }
    }
}

/// Decodes a row [`encode_row`] wrote into `out` (replacing its values).
pub fn decode_row(bytes: &[u8], out: &mut Vec<Value>, enums: &EnumTable) -> Result<()> {
    let mut input = Input { bytes };
    let n = input.len()?;
    out.clear();
    out.reserve(n);
    for _ in 0..n {
        out.push(Value::Null);
        let slot = out.last_mut().expect("just pushed");
        decode_value(&mut input, slot, enums)?;
    }
    if !input.bytes.is_empty() {
        return Err(corrupt());
    }
    Ok(())
}

/// Decodes a row [`encode_row`] wrote into the slots `out`, which must be
/// as many as the row's values: a text, bytea or numeric slot keeps its
/// buffer when the value decoded into it is of the same kind, so decoding
/// rows into the same slots over and over allocates nothing for text and
/// bytea.
pub fn decode_row_into(bytes: &[u8], out: &mut [Value], enums: &EnumTable) -> Result<()> {
    let mut input = Input { bytes };
    if input.len()? != out.len() {
        return Err(corrupt());
    }
    for slot in out.iter_mut() {
        decode_value(&mut input, slot, enums)?;
    }
    if !input.bytes.is_empty() {
        return Err(corrupt());
    }
    Ok(())
}

/// Decodes the next value of `input` into `slot`, reusing its text or
/// bytea buffer when it holds one.
fn decode_value(input: &mut Input<'_>, slot: &mut Value, enums: &EnumTable) -> Result<()> {
    let tag = input.take(1)?[0];
    let v = match tag {
        NULL => Value::Null,
        FALSE => Value::Bool(false),
        TRUE => Value::Bool(true),
        INT2 => Value::Int2(i16::from_le_bytes(input.array()?)),
        INT4 => Value::Int4(input.i32()?),
        INT8 => Value::Int8(input.i64()?),
        FLOAT4 => Value::Float4(f32::from_bits(u32::from_le_bytes(input.array()?))),
        FLOAT8 => Value::Float8(f64::from_bits(u64::from_le_bytes(input.array()?))),
        NUMERIC => {
            let n = get_numeric(input)?;
            match slot {
                Value::Numeric(d) => d.clone_from(&n),
                _ => *slot = Value::Numeric(n),
            }
            return Ok(());
        }
        TEXT => {
            let n = input.len()?;
            let s = std::str::from_utf8(input.take(n)?).map_err(|_| corrupt())?;
            match slot {
                Value::Text(buf) => {
                    buf.clear();
                    buf.push_str(s);
                }
                _ => *slot = Value::Text(s.to_string()),
            }
            return Ok(());
        }
        BYTEA => {
            let n = input.len()?;
            let b = input.take(n)?;
            match slot {
                Value::Bytea(buf) => {
                    buf.clear();
                    buf.extend_from_slice(b);
                }
                _ => *slot = Value::Bytea(b.to_vec()),
            }
            return Ok(());
        }
        DATE => Value::Date(input.i32()?),
        TIME => Value::Time(input.i64()?),
        TIMESTAMP => Value::Timestamp(input.i64()?),
        TIMESTAMPTZ => Value::Timestamptz(input.i64()?),
        INTERVAL => Value::Interval(Interval::from_bytes(input.take(16)?).ok_or_else(corrupt)?),
        ENUM => {
            let def = *enums.defs.get(input.len()?).ok_or_else(corrupt)?;
            Value::Enum(def, input.len()? as u32)
        }
        INET => {
            let flags = input.take(1)?[0];
            let bits = input.take(1)?[0];
            Value::Inet(Inet {
                v6: flags & 1 != 0,
                cidr: flags & 2 != 0,
                bits,
                addr: input.array()?,
            })
        }
        BITS => {
            let len = input.len()?;
            let bytes = input.take(len.div_ceil(8))?.to_vec();
            Value::Bits(BitString { len, bytes })
        }
        MACADDR => Value::MacAddr(input.array()?),
        MACADDR8 => Value::MacAddr8(input.array()?),
        TIMETZ => {
            let t = input.i64()?;
            Value::TimeTz(t, input.i32()?)
        }
        _ => return Err(corrupt()),
    };
    *slot = v;
    Ok(())
}

/// The memory a row held in a `Vec<Value>` takes, as work_mem counts it:
/// the values, their heap parts and the vector's own header.
pub fn row_size(row: &[Value]) -> usize {
    let heap: usize = row
        .iter()
        .map(|v| match v {
            Value::Text(s) => s.len(),
            Value::Bytea(b) => b.len(),
            Value::Numeric(n) => n.digits().len(),
            Value::Bits(b) => b.bytes.len(),
            _ => 0,
        })
        .sum();
    std::mem::size_of::<Vec<Value>>() + std::mem::size_of_val(row) + heap
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rows_round_trip() {
        let row = vec![
            Value::Null,
            Value::Bool(true),
            Value::Int2(-3),
            Value::Int4(7),
            Value::Int8(i64::MIN),
            Value::Float4(1.5),
            Value::Float8(f64::NAN),
            Value::Numeric(Numeric::parse("-123.4500").unwrap()),
            Value::Numeric(Numeric::parse("0.00").unwrap()),
            Value::Numeric(Numeric::nan()),
            Value::Text("héllo".into()),
            Value::Bytea(vec![0, 1, 255]),
            Value::Date(-5),
            Value::Time(1),
            Value::Timestamp(2),
            Value::Timestamptz(3),
            Value::Interval(Interval {
                months: 1,
                days: -2,
                micros: 3,
            }),
            Value::MacAddr([1, 2, 3, 4, 5, 6]),
            Value::TimeTz(5, -3600),
        ];
        let mut enums = EnumTable::default();
        let mut buf = Vec::new();
        encode_row(&mut buf, &row, &mut enums);
        let mut out = vec![Value::Int4(1)];
        decode_row(&buf, &mut out, &enums).unwrap();
        assert_eq!(format!("{row:?}"), format!("{out:?}"));
        assert!(decode_row(&buf[..buf.len() - 1], &mut out, &enums).is_err());
    }

    #[test]
    fn rows_decode_into_slots_of_any_kind() {
        let row = vec![
            Value::Text("abc".into()),
            Value::Null,
            Value::Bytea(vec![1, 2]),
            Value::Int4(9),
        ];
        let mut enums = EnumTable::default();
        let mut buf = Vec::new();
        encode_row(&mut buf, &row, &mut enums);
        // Slots holding other kinds, then the same kinds (buffers reused).
        let mut out = vec![
            Value::Int8(1),
            Value::Text("old".into()),
            Value::Bytea(vec![9; 40]),
            Value::Null,
        ];
        for _ in 0..2 {
            decode_row_into(&buf, &mut out, &enums).unwrap();
            assert_eq!(format!("{row:?}"), format!("{out:?}"));
        }
        assert!(decode_row_into(&buf, &mut out[..3], &enums).is_err());
        assert!(decode_row_into(&buf[..buf.len() - 1], &mut out, &enums).is_err());
    }
}
