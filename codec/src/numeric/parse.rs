//! Parsing `numeric` literals the way PostgreSQL 15's `numeric_in` does.
//!
//! Accepted, surrounded by optional whitespace:
//!
//! * `NaN`, `Infinity`, `+Infinity`, `-Infinity`, `inf`, `+inf`, `-inf`
//!   (case-insensitive);
//! * `[+-] digits [. [digits]] [(e|E) [+-] digits]` or
//!   `[+-] . digits [(e|E) [+-] digits]`.
//!
//! The display scale is the number of digits written after the point minus
//! the exponent, floored at 0 (`1.50` → 2, `1.5e1` → 0, `1e-3` → 3), exactly
//! as PostgreSQL computes it. Unlike PostgreSQL 16 no `_` digit separators
//! and no `0x`/`0o`/`0b` integer forms are accepted (PostgreSQL 15 accepts
//! neither). Exponents are accepted as long as the result fits the numeric
//! limits; anything else is [`CodecError::NumericOverflow`].

use std::str::FromStr;

use super::{Numeric, NumericClass};
use crate::error::{CodecError, Result};

/// PostgreSQL's `isspace` set (the C locale).
fn is_pg_space(c: char) -> bool {
    matches!(c, ' ' | '\t' | '\n' | '\r' | '\x0B' | '\x0C')
}

/// Exponents beyond this magnitude overflow whatever the digits are (the
/// same bound PostgreSQL uses before it range-checks the result).
const EXPONENT_LIMIT: i64 = (i32::MAX / 2) as i64;

impl FromStr for Numeric {
    type Err = CodecError;

    /// Parses a PostgreSQL `numeric` literal; see the module documentation.
    fn from_str(input: &str) -> Result<Numeric> {
        parse(input)
    }
}

impl Numeric {
    /// Parses a PostgreSQL `numeric` literal (same as [`str::parse`]).
    pub fn parse(input: &str) -> Result<Numeric> {
        parse(input)
    }
}

fn parse(input: &str) -> Result<Numeric> {
    let syntax = || CodecError::NumericSyntax(input.to_owned());
    let text = input.trim_matches(is_pg_space);
    let special = [
        ("nan", NumericClass::NaN),
        ("infinity", NumericClass::Infinity),
        ("+infinity", NumericClass::Infinity),
        ("-infinity", NumericClass::NegInfinity),
        ("inf", NumericClass::Infinity),
        ("+inf", NumericClass::Infinity),
        ("-inf", NumericClass::NegInfinity),
    ];
    for (word, class) in special {
        if text.eq_ignore_ascii_case(word) {
            return Ok(Numeric::special(class));
        }
    }

    let bytes = text.as_bytes();
    let mut pos = 0;
    let negative = match bytes.first() {
        Some(b'-') => {
            pos += 1;
            true
        }
        Some(b'+') => {
            pos += 1;
            false
        }
        _ => false,
    };

    // Mantissa digits with leading zeros dropped as they come (each one
    // dropped lowers the weight of what follows).
    let mut digits: Vec<u8> = Vec::new();
    let mut int_len: i64 = 0; // digits before the point, leading zeros included
    let mut frac_len: i64 = 0; // digits after the point
    let mut skipped_zeros: i64 = 0; // leading zeros not stored in `digits`
    let mut seen_point = false;
    let mut any_digit = false;
    while let Some(&b) = bytes.get(pos) {
        match b {
            b'0'..=b'9' => {
                any_digit = true;
                if seen_point {
                    frac_len += 1;
                } else {
                    int_len += 1;
                }
                if digits.is_empty() && b == b'0' {
                    skipped_zeros += 1;
                } else {
                    digits.push(b - b'0');
                }
            }
            b'.' if !seen_point => seen_point = true,
            _ => break,
        }
        pos += 1;
    }
    if !any_digit {
        return Err(syntax());
    }

    let mut exponent: i64 = 0;
    if matches!(bytes.get(pos), Some(b'e' | b'E')) {
        pos += 1;
        let exp_negative = match bytes.get(pos) {
            Some(b'-') => {
                pos += 1;
                true
            }
            Some(b'+') => {
                pos += 1;
                false
            }
            _ => false,
        };
        let start = pos;
        while let Some(&b) = bytes.get(pos) {
            if !b.is_ascii_digit() {
                break;
            }
            // Saturate: anything past the limit overflows below anyway.
            exponent = (exponent * 10 + i64::from(b - b'0')).min(EXPONENT_LIMIT);
            pos += 1;
        }
        if pos == start {
            return Err(syntax());
        }
        if exponent >= EXPONENT_LIMIT {
            return Err(CodecError::NumericOverflow);
        }
        if exp_negative {
            exponent = -exponent;
        }
    }
    if pos != bytes.len() {
        return Err(syntax());
    }

    let dscale = (frac_len - exponent).max(0);
    while digits.last() == Some(&0) {
        digits.pop();
    }
    // digits[0] came after `skipped_zeros` zeros; the first written digit
    // sits at position int_len - 1 (before the exponent shifts it).
    let weight = int_len - 1 - skipped_zeros + exponent;
    Numeric::from_canonical(negative, digits.into_boxed_slice(), weight, dscale)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn show(s: &str) -> String {
        match s.parse::<Numeric>() {
            Ok(n) => n.to_string(),
            Err(e) => format!("error: {e}"),
        }
    }

    #[test]
    fn postgres_examples() {
        let cases = [
            ("0", "0"),
            ("-0", "0"),
            ("-0.00", "0.00"),
            ("1.50", "1.50"),
            ("  +1.5  ", "1.5"),
            ("1e3", "1000"),
            ("1.5e1", "15"),
            ("1.55e1", "15.5"),
            ("1e-3", "0.001"),
            ("0.000123", "0.000123"),
            ("-.5", "-0.5"),
            ("5.", "5"),
            ("007", "7"),
            ("00.0100", "0.0100"),
            ("NaN", "NaN"),
            ("nan", "NaN"),
            ("Infinity", "Infinity"),
            ("-Infinity", "-Infinity"),
            ("+inf", "Infinity"),
            ("-INF", "-Infinity"),
            ("0e-5", "0.00000"),
            ("1E+2", "100"),
        ];
        for (input, want) in cases {
            assert_eq!(show(input), want, "input {input:?}");
        }
    }

    #[test]
    fn syntax_errors() {
        for bad in [
            "",
            " ",
            ".",
            "-",
            "+",
            "1e",
            "1e+",
            "e5",
            "1.2.3",
            "1 2",
            "abc",
            "--1",
            "-NaN",
            "1_000",
            "0x10",
            "Infinityx",
            "1e5x",
        ] {
            assert!(
                matches!(bad.parse::<Numeric>(), Err(CodecError::NumericSyntax(_))),
                "{bad:?} should be a syntax error"
            );
        }
    }

    #[test]
    fn overflow() {
        assert_eq!(
            "1e131072".parse::<Numeric>(),
            Err(CodecError::NumericOverflow)
        );
        assert!("1e131071".parse::<Numeric>().is_ok());
        assert_eq!(
            "1e-16384".parse::<Numeric>(),
            Err(CodecError::NumericOverflow)
        );
        assert!("1e-16383".parse::<Numeric>().is_ok());
        assert_eq!(
            "1e99999999999999999999".parse::<Numeric>(),
            Err(CodecError::NumericOverflow)
        );
        assert_eq!(
            "0e-20000".parse::<Numeric>(),
            Err(CodecError::NumericOverflow)
        );
        assert!("0e99999".parse::<Numeric>().is_ok());
    }
}
