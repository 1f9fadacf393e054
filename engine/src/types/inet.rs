//! `inet` and `cidr`: PostgreSQL's IPv4/IPv6 host and network types.
//!
//! A value is an [`Inet`]: the family, the netmask length and the address
//! bytes, plus whether it is a `cidr` (whose bits right of the mask are
//! zero and whose output always shows the mask). Input follows
//! PostgreSQL's `inet_in`/`cidr_in` (decimal dotted IPv4 with the classful
//! defaults of abbreviated `cidr` input such as `10.1` -> `10.1.0.0/16`,
//! IPv6 in the usual colon forms with embedded IPv4), output its
//! `inet_out` (the mask is left out at /32 and /128 for `inet`) and
//! `abbrev` its `inet_cidr_ntop`.
//!
//! Ordering is PostgreSQL's `network_cmp`: family (IPv4 first), then the
//! network bits common to both masks, then the mask length, then the whole
//! address. Stored values ([`Inet::to_key`]) are bytes whose byte order is
//! that ordering, so index keys and `ORDER BY` agree: a family byte, the
//! network prefix as a self-delimiting bit string (see [`push_bit_pairs`]),
//! then the address bytes.

use std::cmp::Ordering;
use std::fmt::Write as _;

use crate::error::{EngineError, Result, SqlState};

/// An `inet` or `cidr` value.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Inet {
    /// IPv6 (else IPv4).
    pub v6: bool,
    /// Netmask length, at most 32 (IPv4) or 128 (IPv6).
    pub bits: u8,
    /// The address; IPv4 uses the first four bytes, the rest are zero.
    pub addr: [u8; 16],
    /// Whether this is a `cidr` value.
    pub cidr: bool,
}

fn invalid(input: &str, cidr: bool) -> EngineError {
    EngineError::new(
        SqlState::InvalidTextRepresentation,
        format!(
            "invalid input syntax for type {}: \"{input}\"",
            if cidr { "cidr" } else { "inet" }
        ),
    )
}

fn param_error(msg: impl Into<String>) -> EngineError {
    EngineError::new(SqlState::InvalidParameterValue, msg)
}

fn out_of_range() -> EngineError {
    EngineError::new(SqlState::NumericValueOutOfRange, "result is out of range")
}

/// Appends a bit string to `out` in an order-preserving, self-delimiting
/// form: each byte of the (zero-padded) bits followed by a marker, 9 after
/// every byte but the last and the count of bits used (1..=8) after the
/// last. Comparing two encodings byte-wise compares the bit strings as
/// PostgreSQL's `bitcmp` does (common bytes first, then the shorter
/// string first), and also as `bitncmp` on the shorter length followed by
/// the length, which is `network_cmp`'s prefix order. An empty string
/// appends nothing.
pub(crate) fn push_bit_pairs(out: &mut Vec<u8>, bytes: &[u8], len: usize) {
    let nbytes = len.div_ceil(8);
    for (i, b) in bytes.iter().take(nbytes).enumerate() {
        out.push(*b);
        out.push(if i + 1 == nbytes {
            (len - i * 8) as u8
        } else {
            9
        });
    }
}

/// Reads what [`push_bit_pairs`] wrote: the bytes, the bit length and the
/// rest of the input; `None` when malformed.
pub(crate) fn read_bit_pairs(mut input: &[u8]) -> Option<(Vec<u8>, usize, &[u8])> {
    let mut bytes = Vec::new();
    loop {
        let [b, marker, rest @ ..] = input else {
            return None;
        };
        bytes.push(*b);
        input = rest;
        match marker {
            9 => continue,
            1..=8 => {
                let len = (bytes.len() - 1) * 8 + usize::from(*marker);
                return Some((bytes, len, input));
            }
            _ => return None,
        }
    }
}

impl Inet {
    /// The maximum mask length of the family (32 or 128).
    pub fn max_bits(&self) -> u8 {
        if self.v6 {
            128
        } else {
            32
        }
    }

    /// The number of address bytes (4 or 16).
    pub fn nbytes(&self) -> usize {
        if self.v6 {
            16
        } else {
            4
        }
    }

    /// The address bytes of the family.
    pub fn bytes(&self) -> &[u8] {
        &self.addr[..self.nbytes()]
    }

    /// The address as an unsigned number.
    fn number(&self) -> u128 {
        self.bytes()
            .iter()
            .fold(0u128, |acc, b| (acc << 8) | u128::from(*b))
    }

    fn with_number(&self, n: u128) -> Inet {
        let mut out = *self;
        let nb = self.nbytes();
        for i in 0..nb {
            out.addr[i] = (n >> (8 * (nb - 1 - i))) as u8;
        }
        out
    }

    /// The mask of `bits` leading ones over the family's width.
    fn mask_number(&self, bits: u8) -> u128 {
        let width = u32::from(self.max_bits());
        let all = if width == 128 {
            u128::MAX
        } else {
            (1u128 << width) - 1
        };
        if bits == 0 {
            0
        } else {
            all & !((1u128 << (width - u32::from(bits))) - 1)
        }
    }

    /// The value with the bits right of the mask cleared.
    pub fn masked(&self) -> Inet {
        self.with_number(self.number() & self.mask_number(self.bits))
    }

    /// Parses `inet` (`cidr = false`) or `cidr` input.
    pub fn parse(input: &str, cidr: bool) -> Result<Inet> {
        let (v6, addr, bits) = if input.contains(':') {
            parse_v6(input).ok_or_else(|| invalid(input, cidr))?
        } else {
            let (a, bits) = parse_v4(input, cidr).ok_or_else(|| invalid(input, cidr))?;
            let mut addr = [0u8; 16];
            addr[..4].copy_from_slice(&a);
            (false, addr, bits)
        };
        let value = Inet {
            v6,
            bits,
            addr,
            cidr,
        };
        if cidr && value.masked() != value {
            return Err(EngineError::new(
                SqlState::InvalidTextRepresentation,
                format!("invalid cidr value: \"{input}\""),
            )
            .with_detail("Value has bits set to right of mask."));
        }
        Ok(value)
    }

    /// PostgreSQL's output: `inet` leaves out a full-length mask, `cidr`
    /// always shows it.
    pub fn write_text(&self, out: &mut String) {
        self.write_addr(out);
        if self.cidr || self.bits != self.max_bits() {
            let _ = write!(out, "/{}", self.bits);
        }
    }

    /// `text(inet)`: the address with its mask, always.
    pub fn show(&self) -> String {
        let mut s = String::new();
        self.write_addr(&mut s);
        let _ = write!(s, "/{}", self.bits);
        s
    }

    /// `host(inet)`: the address alone.
    pub fn host(&self) -> String {
        let mut s = String::new();
        self.write_addr(&mut s);
        s
    }

    fn write_addr(&self, out: &mut String) {
        if !self.v6 {
            let a = &self.addr;
            let _ = write!(out, "{}.{}.{}.{}", a[0], a[1], a[2], a[3]);
            return;
        }
        let words: Vec<u16> = (0..8)
            .map(|i| u16::from_be_bytes([self.addr[2 * i], self.addr[2 * i + 1]]))
            .collect();
        // The longest run of zero words (first of equal ones), if >= 2.
        // (first word, length) of zero runs.
        type Run = Option<(usize, usize)>;
        let (mut best, mut cur): (Run, Run) = (None, None);
        for (i, w) in words.iter().enumerate() {
            if *w == 0 {
                cur = Some(cur.map_or((i, 1), |(b, l)| (b, l + 1)));
            } else if let Some(c) = cur.take() {
                if best.is_none_or(|b| c.1 > b.1) {
                    best = Some(c);
                }
            }
        }
        if let Some(c) = cur {
            if best.is_none_or(|b| c.1 > b.1) {
                best = Some(c);
            }
        }
        let best = best.filter(|b| b.1 >= 2);
        for (i, w) in words.iter().enumerate() {
            if let Some((base, len)) = best {
                if i >= base && i < base + len {
                    if i == base {
                        out.push(':');
                    }
                    continue;
                }
            }
            if i != 0 {
                out.push(':');
            }
            let embedded_v4 =
                i == 6 && (best == Some((0, 6)) || (best == Some((0, 5)) && words[5] == 0xffff));
            if embedded_v4 {
                let a = &self.addr;
                let _ = write!(out, "{}.{}.{}.{}", a[12], a[13], a[14], a[15]);
                break;
            }
            let _ = write!(out, "{w:x}");
        }
        if let Some((base, len)) = best {
            if base + len == 8 {
                out.push(':');
            }
        }
    }

    /// `abbrev()`: `inet` prints as its output; `cidr` leaves out the
    /// trailing zero octets (words) of the network.
    pub fn abbrev(&self) -> String {
        if !self.cidr {
            let mut s = String::new();
            self.write_text(&mut s);
            return s;
        }
        if self.v6 {
            return self.abbrev_v6();
        }
        let a = &self.addr;
        let len = (1..4).rev().find(|b| a[*b] != 0).map_or(1, |b| b + 1);
        let bytes = usize::from(self.bits.max(1)).div_ceil(8);
        let bytes = bytes.max(len);
        let mut s = a[..bytes]
            .iter()
            .map(u8::to_string)
            .collect::<Vec<_>>()
            .join(".");
        let _ = write!(s, "/{}", self.bits);
        s
    }

    fn abbrev_v6(&self) -> String {
        let bits = usize::from(self.bits);
        let mut out = String::new();
        if bits == 0 {
            out.push_str("::");
        } else {
            let s = self.masked().addr;
            let mut words = bits.div_ceil(16);
            if words == 1 {
                words = 2;
            }
            let (mut zero_s, mut zero_l, mut tmp_s, mut tmp_l) = (0usize, 0usize, 0usize, 0usize);
            for i in 0..words {
                if s[2 * i] | s[2 * i + 1] == 0 {
                    if tmp_l == 0 {
                        tmp_s = i;
                    }
                    tmp_l += 1;
                } else if tmp_l != 0 && zero_l < tmp_l {
                    zero_s = tmp_s;
                    zero_l = tmp_l;
                    tmp_l = 0;
                }
            }
            if tmp_l != 0 && zero_l < tmp_l {
                zero_s = tmp_s;
                zero_l = tmp_l;
            }
            let is_v4 = zero_l != words
                && zero_s == 0
                && (zero_l == 6
                    || (zero_l == 5 && s[10] == 0xff && s[11] == 0xff)
                    || (zero_l == 7 && s[14] != 0 && s[15] != 1));
            for p in 0..words {
                if zero_l != 0 && p >= zero_s && p < zero_s + zero_l {
                    if p == zero_s {
                        out.push(':');
                    }
                    if p == words - 1 {
                        out.push(':');
                    }
                    continue;
                }
                if is_v4 && p > 5 {
                    out.push(if p == 6 { ':' } else { '.' });
                    let _ = write!(out, "{}", s[2 * p]);
                    if p != 7 || bits > 120 {
                        let _ = write!(out, ".{}", s[2 * p + 1]);
                    }
                } else {
                    if !out.is_empty() {
                        out.push(':');
                    }
                    let _ = write!(out, "{:x}", u16::from_be_bytes([s[2 * p], s[2 * p + 1]]));
                }
            }
        }
        let _ = write!(out, "/{bits}");
        out
    }

    /// PostgreSQL's `network_cmp` order (the `cidr` flag is not part of
    /// it).
    pub fn pg_cmp(&self, other: &Inet) -> Ordering {
        self.to_key().cmp(&other.to_key())
    }

    /// The stored form, whose byte order is [`Inet::pg_cmp`]'s.
    pub fn to_key(&self) -> Vec<u8> {
        let mut out = Vec::with_capacity(2 + 2 * self.nbytes() + self.nbytes());
        out.push(u8::from(self.v6));
        if self.bits == 0 {
            out.push(0);
        } else {
            out.push(1);
            let masked = self.masked();
            push_bit_pairs(&mut out, masked.bytes(), usize::from(self.bits));
        }
        out.extend_from_slice(self.bytes());
        out
    }

    /// Reads [`Inet::to_key`]'s form; `None` when malformed.
    pub fn from_key(key: &[u8], cidr: bool) -> Option<Inet> {
        let [family @ (0 | 1), flag, rest @ ..] = key else {
            return None;
        };
        let v6 = *family == 1;
        let (bits, rest) = match flag {
            0 => (0, rest),
            1 => {
                let (_, len, rest) = read_bit_pairs(rest)?;
                (len, rest)
            }
            _ => return None,
        };
        let nb = if v6 { 16 } else { 4 };
        if rest.len() != nb || bits > nb * 8 {
            return None;
        }
        let mut addr = [0u8; 16];
        addr[..nb].copy_from_slice(rest);
        Some(Inet {
            v6,
            bits: bits as u8,
            addr,
            cidr,
        })
    }

    /// PostgreSQL's binary form: family (2 or 3), bits, is_cidr, address
    /// length, address bytes.
    pub fn to_binary(&self) -> Vec<u8> {
        let mut out = vec![
            if self.v6 { 3 } else { 2 },
            self.bits,
            u8::from(self.cidr),
            self.nbytes() as u8,
        ];
        out.extend_from_slice(self.bytes());
        out
    }

    /// Reads the binary form (`inet_recv`/`cidr_recv`, with their checks).
    pub fn from_binary(data: &[u8], cidr: bool) -> Result<Inet> {
        let name = if cidr { "cidr" } else { "inet" };
        let bad = |what: &str| {
            EngineError::new(
                SqlState::InvalidBinaryRepresentation,
                format!("invalid {what} in external \"{name}\" value"),
            )
        };
        let [family, bits, _, nb, rest @ ..] = data else {
            return Err(EngineError::new(
                SqlState::InvalidBinaryRepresentation,
                "insufficient data left in message",
            ));
        };
        let v6 = match family {
            2 => false,
            3 => true,
            _ => return Err(bad("address family")),
        };
        let max = if v6 { 128 } else { 32 };
        if *bits > max {
            return Err(bad("bits"));
        }
        let want = if v6 { 16 } else { 4 };
        if usize::from(*nb) != want || rest.len() != want {
            return Err(bad("length"));
        }
        let mut addr = [0u8; 16];
        addr[..want].copy_from_slice(rest);
        let v = Inet {
            v6,
            bits: *bits,
            addr,
            cidr,
        };
        if cidr && v.masked() != v {
            return Err(EngineError::new(
                SqlState::InvalidBinaryRepresentation,
                "invalid external \"cidr\" value",
            )
            .with_detail("Value has bits set to right of mask."));
        }
        Ok(v)
    }

    /// As an `inet` (the `cidr` -> `inet` cast).
    pub fn as_inet(&self) -> Inet {
        Inet {
            cidr: false,
            ..*self
        }
    }

    /// `cidr(inet)` / `network(inet)`: the network, as a `cidr`.
    pub fn network(&self) -> Inet {
        Inet {
            cidr: true,
            ..self.masked()
        }
    }

    /// `broadcast(inet)`: the host bits set.
    pub fn broadcast(&self) -> Inet {
        let m = self.mask_number(self.bits);
        let all = self.mask_number(self.max_bits());
        Inet {
            cidr: false,
            ..self.with_number((self.number() & m) | (all & !m))
        }
    }

    /// `netmask(inet)`.
    pub fn netmask(&self) -> Inet {
        Inet {
            cidr: false,
            bits: self.max_bits(),
            ..self.with_number(self.mask_number(self.bits))
        }
    }

    /// `hostmask(inet)`.
    pub fn hostmask(&self) -> Inet {
        let all = self.mask_number(self.max_bits());
        Inet {
            cidr: false,
            bits: self.max_bits(),
            ..self.with_number(all & !self.mask_number(self.bits))
        }
    }

    /// `set_masklen(inet|cidr, int)`: -1 means the family's maximum; a
    /// `cidr` result drops the bits right of the new mask.
    pub fn set_masklen(&self, bits: i32) -> Result<Inet> {
        let bits = if bits == -1 {
            i32::from(self.max_bits())
        } else {
            bits
        };
        if bits < 0 || bits > i32::from(self.max_bits()) {
            return Err(param_error(format!("invalid mask length: {bits}")));
        }
        let v = Inet {
            bits: bits as u8,
            ..*self
        };
        Ok(if self.cidr { v.masked() } else { v })
    }

    /// `a << b` (`strict`) / `a <<= b`: `a` is inside network `b`.
    pub fn contained_by(&self, b: &Inet, strict: bool) -> bool {
        let fits = if strict {
            self.bits > b.bits
        } else {
            self.bits >= b.bits
        };
        self.v6 == b.v6 && fits && self.prefix_eq(b, b.bits)
    }

    /// `a && b`: either contains the other.
    pub fn overlaps(&self, b: &Inet) -> bool {
        self.v6 == b.v6 && self.prefix_eq(b, self.bits.min(b.bits))
    }

    fn prefix_eq(&self, b: &Inet, bits: u8) -> bool {
        let m = self.mask_number(bits);
        self.number() & m == b.number() & m
    }

    /// `~ inet`.
    pub fn not(&self) -> Inet {
        let all = self.mask_number(self.max_bits());
        Inet {
            cidr: false,
            ..self.with_number(!self.number() & all)
        }
    }

    /// `inet & inet` (`and`) / `inet | inet`.
    pub fn bitwise(&self, b: &Inet, and: bool) -> Result<Inet> {
        if self.v6 != b.v6 {
            return Err(param_error(format!(
                "cannot {} inet values of different sizes",
                if and { "AND" } else { "OR" }
            )));
        }
        let n = if and {
            self.number() & b.number()
        } else {
            self.number() | b.number()
        };
        Ok(Inet {
            cidr: false,
            bits: self.bits.max(b.bits),
            ..self.with_number(n)
        })
    }

    /// `inet + int8` (a negative `n` subtracts).
    pub fn add(&self, n: i128) -> Result<Inet> {
        let all = self.mask_number(self.max_bits());
        let cur = self.number();
        let r = if n >= 0 {
            cur.checked_add(n as u128).filter(|r| *r <= all)
        } else {
            cur.checked_sub(n.unsigned_abs())
        };
        let r = r.ok_or_else(out_of_range)?;
        Ok(Inet {
            cidr: false,
            ..self.with_number(r)
        })
    }

    /// `inet - inet`.
    pub fn minus(&self, b: &Inet) -> Result<i64> {
        if self.v6 != b.v6 {
            return Err(param_error(
                "cannot subtract inet values of different sizes",
            ));
        }
        let (x, y) = (self.number(), b.number());
        if x >= y {
            i64::try_from(x - y).map_err(|_| out_of_range())
        } else {
            let d = y - x;
            if d > 1u128 << 63 {
                return Err(out_of_range());
            }
            Ok((d as i128).wrapping_neg() as i64)
        }
    }

    /// `inet_merge(a, b)`: the smallest network holding both.
    pub fn merge(&self, b: &Inet) -> Result<Inet> {
        if self.v6 != b.v6 {
            return Err(param_error(
                "cannot merge addresses from different families",
            ));
        }
        let diff = self.number() ^ b.number();
        let width = u32::from(self.max_bits());
        let common = if diff == 0 {
            width
        } else {
            width - (128 - diff.leading_zeros())
        };
        let bits = (common as u8).min(self.bits).min(b.bits);
        Ok(Inet {
            bits,
            cidr: true,
            ..*self
        }
        .masked())
    }
}

/// IPv4 input as PostgreSQL reads it: `inet` wants four octets unless a
/// mask is given (`10.1/16`); `cidr` fills missing octets with zeros and
/// takes a classful default mask.
fn parse_v4(input: &str, cidr: bool) -> Option<([u8; 4], u8)> {
    let (addr_part, bits_part) = match input.split_once('/') {
        Some((a, b)) => (a, Some(b)),
        None => (input, None),
    };
    let mut octets = Vec::with_capacity(4);
    // `cidr` also takes the address as hex nybbles (`0x0a/8`, an odd
    // trailing nybble filling the high half of a last octet), as
    // PostgreSQL's inet_cidr_pton_ipv4.
    if let Some(hex) = addr_part
        .strip_prefix("0x")
        .or_else(|| addr_part.strip_prefix("0X"))
        .filter(|h| cidr && h.bytes().next().is_some_and(|b| b.is_ascii_hexdigit()))
    {
        if !hex.bytes().all(|b| b.is_ascii_hexdigit()) || hex.len() > 8 {
            return None;
        }
        let nybbles: Vec<u8> = hex
            .bytes()
            .map(|b| (b as char).to_digit(16).unwrap_or(0) as u8)
            .collect();
        for pair in nybbles.chunks(2) {
            octets.push(pair[0] << 4 | pair.get(1).copied().unwrap_or(0));
        }
    }
    if octets.is_empty() {
        for part in addr_part.split('.') {
            if part.is_empty() || !part.bytes().all(|b| b.is_ascii_digit()) {
                return None;
            }
            let v: u32 = part.bytes().try_fold(0u32, |acc, b| {
                let n = acc * 10 + u32::from(b - b'0');
                (n <= 255).then_some(n)
            })?;
            octets.push(v as u8);
        }
    }
    if octets.is_empty() || octets.len() > 4 {
        return None;
    }
    let n = octets.len();
    let bits = match bits_part {
        Some(b) => {
            if b.is_empty() || !b.bytes().all(|c| c.is_ascii_digit()) || b.len() > 3 {
                return None;
            }
            let v: u32 = b.parse().ok()?;
            if v > 32 {
                return None;
            }
            Some(v as usize)
        }
        None => None,
    };
    let bits = if cidr {
        match bits {
            Some(b) => b,
            None => {
                let first = octets[0];
                let mut b = if first >= 240 {
                    32
                } else if first >= 224 {
                    8
                } else if first >= 192 {
                    24
                } else if first >= 128 {
                    16
                } else {
                    8
                };
                if b < n * 8 {
                    b = n * 8;
                }
                if b == 8 && first == 224 {
                    b = 4;
                }
                b
            }
        }
    } else {
        match bits {
            Some(b) if b / 8 > n => return None,
            Some(b) => b,
            None if n == 4 => 32,
            None => return None,
        }
    };
    let mut out = [0u8; 4];
    out[..n].copy_from_slice(&octets);
    Some((out, bits as u8))
}

/// IPv6 input: the address in any standard form, then an optional
/// `/bits` (no leading zeros, at most 128).
fn parse_v6(input: &str) -> Option<(bool, [u8; 16], u8)> {
    let (addr_part, bits_part) = match input.split_once('/') {
        Some((a, b)) => (a, Some(b)),
        None => (input, None),
    };
    let addr: std::net::Ipv6Addr = addr_part.parse().ok()?;
    let bits = match bits_part {
        Some(b) => {
            if b.is_empty()
                || !b.bytes().all(|c| c.is_ascii_digit())
                || (b.len() > 1 && b.starts_with('0'))
                || b.len() > 3
            {
                return None;
            }
            let v: u32 = b.parse().ok()?;
            if v > 128 {
                return None;
            }
            v as u8
        }
        None => 128,
    };
    Some((true, addr.octets(), bits))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn text(s: &str, cidr: bool) -> String {
        let mut out = String::new();
        Inet::parse(s, cidr).unwrap().write_text(&mut out);
        out
    }

    #[test]
    fn input_output() {
        // psql: select '10'::cidr, '10.1'::cidr, '128'::cidr, '192.168'::cidr,
        //   '224'::cidr, '10/8'::inet
        assert_eq!(text("10", true), "10.0.0.0/8");
        assert_eq!(text("10.1", true), "10.1.0.0/16");
        assert_eq!(text("128", true), "128.0.0.0/16");
        assert_eq!(text("192.168", true), "192.168.0.0/24");
        assert_eq!(text("224", true), "224.0.0.0/4");
        assert_eq!(text("10/8", false), "10.0.0.0/8");
        // psql: select '::1.2.3.4'::inet, '::ffff:1.2.3.4'::inet, '1::'::inet,
        //   '1:0:0:1::'::inet, '::'::inet, '2001:db8:0:0:1:0:0:1'::inet, '::2'::inet,
        //   '::ffff:0:0'::inet
        assert_eq!(text("::1.2.3.4", false), "::1.2.3.4");
        assert_eq!(text("::ffff:1.2.3.4", false), "::ffff:1.2.3.4");
        assert_eq!(text("1::", false), "1::");
        assert_eq!(text("1:0:0:1::", false), "1:0:0:1::");
        assert_eq!(text("::", false), "::");
        assert_eq!(text("2001:db8:0:0:1:0:0:1", false), "2001:db8::1:0:0:1");
        assert_eq!(text("::2", false), "::2");
        assert_eq!(text("::ffff:0:0", false), "::ffff:0.0.0.0");
        let e = Inet::parse("10.1.2.3/8", true).unwrap_err();
        assert_eq!(e.message, "invalid cidr value: \"10.1.2.3/8\"");
        assert!(Inet::parse(" 10.1.2.3", false).is_err());
        assert!(Inet::parse("10.1", false).is_err());
        // psql: select '0x0a/8'::cidr, '0xa0b/16'::cidr; select '0x0a'::inet (22P02)
        assert_eq!(Inet::parse("0x0a/8", true).unwrap().show(), "10.0.0.0/8");
        assert_eq!(
            Inet::parse("0XA0b/16", true).unwrap().show(),
            "160.176.0.0/16"
        );
        assert!(Inet::parse("0x0a", false).is_err());
        assert!(Inet::parse("0x0g/8", true).is_err());
    }

    #[test]
    fn abbrev() {
        // psql: select abbrev('::ffff:1.2.3.0/120'::cidr), abbrev('2001:db8::/32'::cidr),
        //   abbrev('10.0.0.0/8'::cidr), abbrev('0.0.0.0/0'::cidr), abbrev('1::2/128'::cidr),
        //   abbrev('::/0'::cidr), abbrev('1:2:3::/48'::cidr), abbrev('1:2:3:4::/63'::cidr)
        let a = |s: &str| Inet::parse(s, true).unwrap().abbrev();
        assert_eq!(a("::ffff:1.2.3.0/120"), "::ffff:1.2.3/120");
        assert_eq!(a("2001:db8::/32"), "2001:db8/32");
        assert_eq!(a("10.0.0.0/8"), "10/8");
        assert_eq!(a("0.0.0.0/0"), "0/0");
        assert_eq!(a("1::2/128"), "1::2/128");
        assert_eq!(a("::/0"), "::/0");
        assert_eq!(a("1:2:3::/48"), "1:2:3/48");
        assert_eq!(a("1:2:3:4::/63"), "1:2:3:4/63");
    }

    #[test]
    fn key_order_is_network_cmp() {
        let vals = [
            "0.0.0.0/0",
            "10.0.0.0/8",
            "10.0.0.1/8",
            "10.0.0.0/16",
            "10.1.0.0/16",
            "10.1.2.3/32",
            "11.0.0.0/8",
            "::/0",
            "::1",
        ];
        let parsed: Vec<Inet> = vals
            .iter()
            .map(|s| Inet::parse(s, false).unwrap())
            .collect();
        for w in parsed.windows(2) {
            assert_eq!(w[0].pg_cmp(&w[1]), Ordering::Less, "{w:?}");
        }
        for v in &parsed {
            assert_eq!(Inet::from_key(&v.to_key(), false), Some(*v));
        }
    }
}
