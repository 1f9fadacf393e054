//! `macaddr` and `macaddr8`: PostgreSQL's 6- and 8-byte MAC address
//! types.
//!
//! A value is its six bytes ([`crate::types::Value::MacAddr`]), stored as
//! those bytes, whose byte order is PostgreSQL's `macaddr_cmp` order.
//! Input accepts the forms of PostgreSQL's `macaddr_in`
//! (`08:00:2b:01:02:03`, `08-00-2b-01-02-03`, `08002b:010203`,
//! `08002b-010203`, `0800.2b01.0203`, `0800-2b01-0203`, `08002b010203`,
//! surrounding blanks allowed); output is lowercase, colon-separated.
//! Functions and operators: `trunc()`, `~`, `&`, `|`.
//!
//! `macaddr8` ([`crate::types::Value::MacAddr8`]) reads pairs of hex
//! digits with an optional, consistent separator (`:`, `-`, `.`), 6 or 8
//! bytes (a 6-byte address gets `ff:fe` in the middle, as in PostgreSQL);
//! `macaddr8_set7bit()` sets the universal/local bit. The two types
//! convert to each other (8 to 6 bytes only with `ff:fe` in the middle).

use std::fmt::Write as _;

use super::functions::{Arity, Candidate, Ret, Volatility};
use super::ops::{BinaryOp, BinaryOpSig};
use super::sql_type::SqlType;
use super::value::Value;
use crate::error::{EngineError, Result, SqlState};

fn invalid(input: &str) -> EngineError {
    EngineError::new(
        SqlState::InvalidTextRepresentation,
        format!("invalid input syntax for type macaddr: \"{input}\""),
    )
}

fn hex_group(s: &str, exact: Option<usize>) -> Option<u32> {
    let ok = !s.is_empty()
        && s.bytes().all(|b| b.is_ascii_hexdigit())
        && exact.is_none_or(|n| s.len() == n);
    if !ok {
        return None;
    }
    // Long groups of zeros are fine for `%x`; the value is checked later.
    let trimmed = s.trim_start_matches('0');
    if trimmed.len() > 8 {
        return Some(u32::MAX);
    }
    u32::from_str_radix(if trimmed.is_empty() { "0" } else { trimmed }, 16).ok()
}

/// Parses `macaddr_in` input.
pub fn parse(input: &str) -> Result<[u8; 6]> {
    let s = input.trim_matches(|c: char| c.is_ascii_whitespace());
    let octets = |parts: Vec<u32>| -> Result<[u8; 6]> {
        let mut out = [0u8; 6];
        for (o, p) in out.iter_mut().zip(&parts) {
            if *p > 255 {
                return Err(EngineError::new(
                    SqlState::NumericValueOutOfRange,
                    format!("invalid octet value in \"macaddr\" value: \"{input}\""),
                ));
            }
            *o = *p as u8;
        }
        Ok(out)
    };
    // Six groups of hex digits separated by ':' or '-'.
    for sep in [':', '-'] {
        let parts: Vec<&str> = s.split(sep).collect();
        if parts.len() == 6 {
            if let Some(v) = parts
                .iter()
                .map(|p| hex_group(p, None))
                .collect::<Option<Vec<u32>>>()
            {
                return octets(v);
            }
        }
    }
    // Fixed-width forms: pairs of hex digits in groups.
    let layouts: [(char, &[usize]); 5] = [
        (':', &[6, 6]),
        ('-', &[6, 6]),
        ('.', &[4, 4, 4]),
        ('-', &[4, 4, 4]),
        (' ', &[12]),
    ];
    for (sep, widths) in layouts {
        let parts: Vec<&str> = if widths.len() == 1 {
            vec![s]
        } else {
            s.split(sep).collect()
        };
        if parts.len() != widths.len()
            || parts
                .iter()
                .zip(widths)
                .any(|(p, w)| p.len() != *w || !p.bytes().all(|b| b.is_ascii_hexdigit()))
        {
            continue;
        }
        let digits: String = parts.concat();
        let v: Vec<u32> = (0..6)
            .map(|i| u32::from_str_radix(&digits[2 * i..2 * i + 2], 16).unwrap_or(0))
            .collect();
        return octets(v);
    }
    Err(invalid(input))
}

/// Appends the output form (`08:00:2b:01:02:03`, eight bytes for
/// `macaddr8`).
pub fn write_text(m: &[u8], out: &mut String) {
    for (i, b) in m.iter().enumerate() {
        if i > 0 {
            out.push(':');
        }
        let _ = write!(out, "{b:02x}");
    }
}

/// Parses `macaddr8_in` input.
pub fn parse8(input: &str) -> Result<[u8; 8]> {
    let bad = || {
        EngineError::new(
            SqlState::InvalidTextRepresentation,
            format!("invalid input syntax for type macaddr8: \"{input}\""),
        )
    };
    let s = input
        .trim_start_matches(|c: char| c.is_ascii_whitespace())
        .as_bytes();
    let mut bytes = Vec::with_capacity(8);
    let mut spacer = None;
    let mut i = 0;
    while i + 1 < s.len() {
        if bytes.len() == 8 {
            return Err(bad());
        }
        let hex = |c: u8| (c as char).to_digit(16);
        let (Some(h), Some(l)) = (hex(s[i]), hex(s[i + 1])) else {
            return Err(bad());
        };
        bytes.push((h << 4 | l) as u8);
        i += 2;
        if let Some(&c @ (b':' | b'-' | b'.')) = s.get(i) {
            if *spacer.get_or_insert(c) != c {
                return Err(bad());
            }
            i += 1;
        }
        if (bytes.len() == 6 || bytes.len() == 8) && s.get(i).is_some_and(u8::is_ascii_whitespace) {
            if s[i..].iter().all(u8::is_ascii_whitespace) {
                i = s.len();
            } else {
                return Err(bad());
            }
        }
    }
    match bytes.len() {
        6 => Ok([
            bytes[0], bytes[1], bytes[2], 0xff, 0xfe, bytes[3], bytes[4], bytes[5],
        ]),
        8 => bytes.try_into().map_err(|_| bad()),
        _ => Err(bad()),
    }
}

/// `macaddr8` -> `macaddr`: only with `ff:fe` as the 4th and 5th bytes.
pub fn to_macaddr(m: &[u8; 8]) -> Result<[u8; 6]> {
    if m[3] != 0xff || m[4] != 0xfe {
        return Err(EngineError::new(
            SqlState::NumericValueOutOfRange,
            "macaddr8 data out of range to convert to macaddr",
        )
        .with_hint(
            "Only addresses that have FF and FE as values in the 4th and 5th bytes from the left, for example xx:xx:xx:ff:fe:xx:xx:xx, are eligible to be converted from macaddr8 to macaddr.",
        ));
    }
    Ok([m[0], m[1], m[2], m[5], m[6], m[7]])
}

/// `macaddr` -> `macaddr8`.
pub fn to_macaddr8(m: &[u8; 6]) -> [u8; 8] {
    [m[0], m[1], m[2], 0xff, 0xfe, m[3], m[4], m[5]]
}

/// Resolves `&` and `|` on `macaddr` operands (an untyped literal next to
/// one is read as `macaddr`); comparisons go through the general rules.
pub(crate) fn resolve(op: BinaryOp, l: &SqlType, r: &SqlType) -> Option<BinaryOpSig> {
    let ty = if matches!(l, SqlType::MacAddr | SqlType::MacAddr8) {
        *l
    } else {
        *r
    };
    if !matches!(ty, SqlType::MacAddr | SqlType::MacAddr8) {
        return None;
    }
    let fits = |t: &SqlType| *t == ty || *t == SqlType::Unknown;
    if !fits(l) || !fits(r) {
        return None;
    }
    let result = match op {
        BinaryOp::BitAnd | BinaryOp::BitOr => ty,
        _ if op.is_comparison() => SqlType::Bool,
        _ => return None,
    };
    Some(BinaryOpSig {
        op,
        left: ty,
        right: ty,
        result,
    })
}

/// Evaluates `&` and `|` on two `macaddr` values.
pub(crate) fn eval(op: BinaryOp, l: &Value, r: &Value) -> Option<Result<Value>> {
    let f: fn(u8, u8) -> u8 = match op {
        BinaryOp::BitAnd => |x, y| x & y,
        BinaryOp::BitOr => |x, y| x | y,
        _ => return None,
    };
    match (l, r) {
        (Value::MacAddr(a), Value::MacAddr(b)) => {
            Some(Ok(Value::MacAddr(std::array::from_fn(|i| f(a[i], b[i])))))
        }
        (Value::MacAddr8(a), Value::MacAddr8(b)) => {
            Some(Ok(Value::MacAddr8(std::array::from_fn(|i| f(a[i], b[i])))))
        }
        _ => None,
    }
}

fn cand(
    name: &'static str,
    params: &'static [SqlType],
    ret: SqlType,
    eval: super::functions::ScalarFn,
) -> Candidate {
    Candidate {
        name,
        params,
        arity: Arity::Exact,
        ret: Ret::Fixed(ret),
        strict: true,
        volatility: Volatility::Immutable,
        catalog: false,
        eval,
    }
}

fn not_mac(v: &Value) -> EngineError {
    EngineError::internal(format!("MAC address function got {v:?}"))
}

/// `trunc(macaddr)`, `trunc(macaddr8)`, `macaddr8_set7bit(macaddr8)`, as
/// function candidates.
pub(crate) fn candidates() -> Vec<Candidate> {
    const M6: SqlType = SqlType::MacAddr;
    const M8: SqlType = SqlType::MacAddr8;
    vec![
        cand("trunc", &[M6], M6, |_, a| match &a[0] {
            Value::MacAddr(m) => Ok(Value::MacAddr([m[0], m[1], m[2], 0, 0, 0])),
            other => Err(not_mac(other)),
        }),
        cand("trunc", &[M8], M8, |_, a| match &a[0] {
            Value::MacAddr8(m) => Ok(Value::MacAddr8([m[0], m[1], m[2], 0, 0, 0, 0, 0])),
            other => Err(not_mac(other)),
        }),
        cand("macaddr8_set7bit", &[M8], M8, |_, a| match &a[0] {
            Value::MacAddr8(m) => {
                let mut m = *m;
                m[0] |= 0x02;
                Ok(Value::MacAddr8(m))
            }
            other => Err(not_mac(other)),
        }),
    ]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn forms() {
        // psql: each of these is 08:00:2b:01:02:03
        for s in [
            "08:00:2b:01:02:03",
            "08-00-2b-01-02-03",
            "08002b:010203",
            "08002b-010203",
            "0800.2b01.0203",
            "0800-2b01-0203",
            "08002b010203",
            "08:00:2B:01:02:03",
            "  08:00:2b:01:02:03  ",
            "8:0:2b:1:2:3",
        ] {
            let mut out = String::new();
            write_text(&parse(s).unwrap(), &mut out);
            assert_eq!(out, "08:00:2b:01:02:03", "{s}");
        }
        for bad in [
            "x",
            "08:00:2b:01:02",
            "08:00:2b:01:02:03 x",
            "0800:2b01:0203",
        ] {
            assert_eq!(
                parse(bad).unwrap_err().message,
                format!("invalid input syntax for type macaddr: \"{bad}\"")
            );
        }
    }
}
