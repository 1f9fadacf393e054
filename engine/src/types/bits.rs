//! `bit(n)` and `bit varying(n)`: PostgreSQL's bit strings.
//!
//! A value is a [`BitString`]: its length in bits and its bytes, most
//! significant bit first, the unused bits of the last byte zero (as
//! PostgreSQL keeps them). Input is `bit_in`'s (binary digits, or `x`
//! and hex digits, or a `b` prefix); the type modifier is applied as
//! PostgreSQL's length coercions do: `bit(n)` pads or truncates on an
//! explicit cast and otherwise wants exactly `n` bits, `bit varying(n)`
//! truncates on an explicit cast and otherwise rejects longer strings
//! (22001).
//!
//! Ordering is `bitcmp`'s: the common bytes, then the shorter string
//! first. Stored values are the bytes with a marker after each (see
//! [`super::inet::push_bit_pairs`]), whose byte order is that ordering.

use std::cmp::Ordering;

use super::inet::{push_bit_pairs, read_bit_pairs};
use super::sql_type::SqlType;
use crate::error::{EngineError, Result, SqlState};

/// A bit string.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct BitString {
    /// Length in bits.
    pub len: usize,
    /// `len.div_ceil(8)` bytes, unused low bits of the last byte zero.
    pub bytes: Vec<u8>,
}

fn mismatch(msg: String) -> EngineError {
    EngineError::new(SqlState::StringDataLengthMismatch, msg)
}

impl BitString {
    /// A string of `len` zero bits.
    pub fn zeros(len: usize) -> BitString {
        BitString {
            len,
            bytes: vec![0; len.div_ceil(8)],
        }
    }

    /// Bit `i` (0 is the leftmost).
    pub fn get(&self, i: usize) -> bool {
        self.bytes[i / 8] & (0x80 >> (i % 8)) != 0
    }

    /// Sets bit `i`.
    pub fn set(&mut self, i: usize, on: bool) {
        if on {
            self.bytes[i / 8] |= 0x80 >> (i % 8);
        } else {
            self.bytes[i / 8] &= !(0x80 >> (i % 8));
        }
    }

    fn clear_padding(&mut self) {
        let extra = self.bytes.len() * 8 - self.len;
        if extra > 0 {
            if let Some(last) = self.bytes.last_mut() {
                *last &= 0xFFu8 << extra;
            }
        }
    }

    /// Parses `bit_in`/`varbit_in` input (without a type modifier).
    pub fn parse(input: &str) -> Result<BitString> {
        let (hex, digits) = match input.as_bytes().first() {
            Some(b'x' | b'X') => (true, &input[1..]),
            Some(b'b' | b'B') => (false, &input[1..]),
            _ => (false, input),
        };
        let mut out = BitString {
            len: 0,
            bytes: Vec::new(),
        };
        for c in digits.chars() {
            if hex {
                let Some(d) = c.to_digit(16) else {
                    return Err(EngineError::new(
                        SqlState::InvalidTextRepresentation,
                        format!("\"{c}\" is not a valid hexadecimal digit"),
                    ));
                };
                for k in (0..4).rev() {
                    out.push(d >> k & 1 == 1);
                }
            } else {
                let on = match c {
                    '0' => false,
                    '1' => true,
                    _ => {
                        return Err(EngineError::new(
                            SqlState::InvalidTextRepresentation,
                            format!("\"{c}\" is not a valid binary digit"),
                        ))
                    }
                };
                out.push(on);
            }
        }
        Ok(out)
    }

    fn push(&mut self, on: bool) {
        if self.len.is_multiple_of(8) {
            self.bytes.push(0);
        }
        self.len += 1;
        if on {
            self.set(self.len - 1, true);
        }
    }

    /// The output: one `0`/`1` per bit.
    pub fn write_text(&self, out: &mut String) {
        out.reserve(self.len);
        for i in 0..self.len {
            out.push(if self.get(i) { '1' } else { '0' });
        }
    }

    /// Resized to `n` bits: cut on the right or padded with zeros.
    pub fn resized(&self, n: usize) -> BitString {
        let mut out = BitString::zeros(n);
        let keep = n.min(self.len).div_ceil(8);
        out.bytes[..keep].copy_from_slice(&self.bytes[..keep]);
        out.clear_padding();
        out
    }

    /// Applies `ty`'s length (`bit(n)`, `bit varying(n)`); `explicit`
    /// casts pad and truncate instead of failing.
    pub fn fit(self, ty: &SqlType, explicit: bool) -> Result<BitString> {
        match ty {
            SqlType::Bit(Some(n)) if self.len != *n as usize => {
                if explicit {
                    Ok(self.resized(*n as usize))
                } else {
                    Err(mismatch(format!(
                        "bit string length {} does not match type bit({n})",
                        self.len
                    )))
                }
            }
            SqlType::VarBit(Some(n)) if self.len > *n as usize => {
                if explicit {
                    Ok(self.resized(*n as usize))
                } else {
                    Err(EngineError::new(
                        SqlState::StringDataRightTruncation,
                        format!("bit string too long for type bit varying({n})"),
                    ))
                }
            }
            _ => Ok(self),
        }
    }

    /// `bitcmp`'s order.
    pub fn pg_cmp(&self, other: &BitString) -> Ordering {
        let n = self.bytes.len().min(other.bytes.len());
        self.bytes[..n]
            .cmp(&other.bytes[..n])
            .then(self.len.cmp(&other.len))
    }

    /// The stored form, ordered as [`BitString::pg_cmp`].
    pub fn to_key(&self) -> Vec<u8> {
        let mut out = Vec::with_capacity(self.bytes.len() * 2);
        push_bit_pairs(&mut out, &self.bytes, self.len);
        out
    }

    /// Reads [`BitString::to_key`]'s form; `None` when malformed.
    pub fn from_key(key: &[u8]) -> Option<BitString> {
        if key.is_empty() {
            return Some(BitString::zeros(0));
        }
        let (bytes, len, rest) = read_bit_pairs(key)?;
        rest.is_empty().then_some(BitString { len, bytes })
    }

    /// The binary wire form: the length as int4, then the bytes.
    pub fn to_binary(&self) -> Vec<u8> {
        let mut out = (self.len as i32).to_be_bytes().to_vec();
        out.extend_from_slice(&self.bytes);
        out
    }

    /// Reads the binary wire form (`bit_recv`).
    pub fn from_binary(data: &[u8]) -> Result<BitString> {
        let bad = |m: &str| EngineError::new(SqlState::InvalidBinaryRepresentation, m.to_owned());
        let Some((head, rest)) = data.split_first_chunk::<4>() else {
            return Err(bad("insufficient data left in message"));
        };
        let len = i32::from_be_bytes(*head);
        let len = usize::try_from(len).map_err(|_| bad("invalid length in external bit string"))?;
        if rest.len() != len.div_ceil(8) {
            return Err(bad("invalid length in external bit string"));
        }
        let mut out = BitString {
            len,
            bytes: rest.to_vec(),
        };
        out.clear_padding();
        Ok(out)
    }

    /// `a & b`, `a | b`, `a # b` (`op` is `AND`, `OR` or `XOR`).
    pub fn bitwise(&self, b: &BitString, op: &str) -> Result<BitString> {
        if self.len != b.len {
            return Err(mismatch(format!(
                "cannot {op} bit strings of different sizes"
            )));
        }
        let bytes = self
            .bytes
            .iter()
            .zip(&b.bytes)
            .map(|(x, y)| match op {
                "AND" => x & y,
                "OR" => x | y,
                _ => x ^ y,
            })
            .collect();
        Ok(BitString {
            len: self.len,
            bytes,
        })
    }

    /// `~ a`.
    pub fn not(&self) -> BitString {
        let mut out = BitString {
            len: self.len,
            bytes: self.bytes.iter().map(|b| !b).collect(),
        };
        out.clear_padding();
        out
    }

    /// `a << n` (a negative `n` shifts right); the length is kept.
    pub fn shift_left(&self, n: i64) -> BitString {
        let mut out = BitString::zeros(self.len);
        let len = self.len as i64;
        for i in 0..len {
            let src = i + n;
            if (0..len).contains(&src) && self.get(src as usize) {
                out.set(i as usize, true);
            }
        }
        out
    }

    /// `a || b`.
    pub fn concat(&self, b: &BitString) -> BitString {
        let mut out = self.clone();
        for i in 0..b.len {
            out.push(b.get(i));
        }
        out
    }

    /// The integer cast (`bittoint4`/`bittoint8`): the bits as an
    /// unsigned number of `width` bits; longer strings are out of range.
    pub fn to_int(&self, width: usize) -> Option<i64> {
        if self.len > width {
            return None;
        }
        let mut v: u64 = 0;
        for i in 0..self.len {
            v = (v << 1) | u64::from(self.get(i));
        }
        Some(v as i64)
    }

    /// `bitfromint4`/`bitfromint8`: the low `n` bits of `v` (sign-extended
    /// beyond the integer's `width`).
    pub fn from_int(v: i64, width: usize, n: usize) -> BitString {
        let mut out = BitString::zeros(n);
        for i in 0..n {
            // Bit i from the left is bit (n - 1 - i) of the number.
            let k = n - 1 - i;
            let on = if k >= width { v < 0 } else { (v >> k) & 1 == 1 };
            if on {
                out.set(i, true);
            }
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn b(s: &str) -> BitString {
        BitString::parse(s).unwrap()
    }

    fn t(v: &BitString) -> String {
        let mut s = String::new();
        v.write_text(&mut s);
        s
    }

    #[test]
    fn io_and_order() {
        assert_eq!(t(&b("x1F")), "00011111");
        assert_eq!(t(&b("1010")), "1010");
        // psql: select x from (values (B'1'), (B'01'), (B''), (B'10'), (B'100'),
        //   (B'1000000000')) v(x) order by x
        let sorted = ["", "01", "1", "10", "100", "1000000000"];
        for w in sorted.windows(2) {
            assert_eq!(b(w[0]).pg_cmp(&b(w[1])), Ordering::Less);
            assert!(b(w[0]).to_key() < b(w[1]).to_key(), "{w:?}");
        }
        for s in sorted {
            assert_eq!(BitString::from_key(&b(s).to_key()), Some(b(s)));
        }
        assert_eq!(
            BitString::parse("12").unwrap_err().message,
            "\"2\" is not a valid binary digit"
        );
    }

    #[test]
    fn casts() {
        // psql: select 5::bit(8), 300::bit(8), (-1)::bit(4), B'1010'::int4
        assert_eq!(t(&BitString::from_int(5, 32, 8)), "00000101");
        assert_eq!(t(&BitString::from_int(300, 32, 8)), "00101100");
        assert_eq!(t(&BitString::from_int(-1, 32, 4)), "1111");
        assert_eq!(b("1010").to_int(32), Some(10));
        assert_eq!(t(&b("101").resized(5)), "10100");
        assert_eq!(t(&b("10101").resized(3)), "101");
    }
}
