//! `macaddr`: PostgreSQL's 6-byte MAC address type.
//!
//! A value is its six bytes ([`crate::types::Value::MacAddr`]), stored as
//! those bytes, whose byte order is PostgreSQL's `macaddr_cmp` order.
//! Input accepts the forms of PostgreSQL's `macaddr_in`
//! (`08:00:2b:01:02:03`, `08-00-2b-01-02-03`, `08002b:010203`,
//! `08002b-010203`, `0800.2b01.0203`, `0800-2b01-0203`, `08002b010203`,
//! surrounding blanks allowed); output is lowercase, colon-separated.
//! Functions and operators: `trunc()`, `~`, `&`, `|`.

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

/// Appends the output form (`08:00:2b:01:02:03`).
pub fn write_text(m: &[u8; 6], out: &mut String) {
    let _ = write!(
        out,
        "{:02x}:{:02x}:{:02x}:{:02x}:{:02x}:{:02x}",
        m[0], m[1], m[2], m[3], m[4], m[5]
    );
}

/// Resolves `&` and `|` on `macaddr` operands (an untyped literal next to
/// one is read as `macaddr`); comparisons go through the general rules.
pub(crate) fn resolve(op: BinaryOp, l: &SqlType, r: &SqlType) -> Option<BinaryOpSig> {
    let mac = |t: &SqlType| matches!(t, SqlType::MacAddr | SqlType::Unknown);
    let any = *l == SqlType::MacAddr || *r == SqlType::MacAddr;
    if !any || !mac(l) || !mac(r) {
        return None;
    }
    let result = match op {
        BinaryOp::BitAnd | BinaryOp::BitOr => SqlType::MacAddr,
        _ if op.is_comparison() => SqlType::Bool,
        _ => return None,
    };
    Some(BinaryOpSig {
        op,
        left: SqlType::MacAddr,
        right: SqlType::MacAddr,
        result,
    })
}

/// Evaluates `&` and `|` on two `macaddr` values.
pub(crate) fn eval(op: BinaryOp, l: &Value, r: &Value) -> Option<Result<Value>> {
    let (Value::MacAddr(a), Value::MacAddr(b)) = (l, r) else {
        return None;
    };
    let f: fn(u8, u8) -> u8 = match op {
        BinaryOp::BitAnd => |x, y| x & y,
        BinaryOp::BitOr => |x, y| x | y,
        _ => return None,
    };
    let mut out = [0u8; 6];
    for i in 0..6 {
        out[i] = f(a[i], b[i]);
    }
    Some(Ok(Value::MacAddr(out)))
}

/// `trunc(macaddr)`, as a function candidate.
pub(crate) fn candidates() -> Vec<Candidate> {
    vec![Candidate {
        name: "trunc",
        params: &[SqlType::MacAddr],
        arity: Arity::Exact,
        ret: Ret::Fixed(SqlType::MacAddr),
        strict: true,
        volatility: Volatility::Immutable,
        catalog: false,
        eval: |_, a| match &a[0] {
            Value::MacAddr(m) => Ok(Value::MacAddr([m[0], m[1], m[2], 0, 0, 0])),
            other => Err(EngineError::internal(format!(
                "trunc(macaddr) got {other:?}"
            ))),
        },
    }]
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
