//! Text forms of `real` and `double precision`, as PostgreSQL 12+ prints
//! them with the default `extra_float_digits = 1`: the shortest decimal
//! that reads back to the same binary value (Rust's float formatting gives
//! the same digits as PostgreSQL's Ryu), laid out like `%g` with
//! PostgreSQL's thresholds: positional notation when the decimal exponent
//! is in `-4..15` (`-4..6` for `real`), otherwise `1e+15`, `1.5e-05`
//! (at least two exponent digits). Special values print as `NaN`,
//! `Infinity` and `-Infinity`.
//!
//! Input follows `float8in`/`float4in`: surrounding whitespace, an optional
//! sign, decimal or exponent notation, `NaN`, `Infinity`, `inf`
//! (case-insensitive). A finite literal that overflows to infinity or
//! underflows to zero is `22003 "..." is out of range for type ...`.

use crate::error::{EngineError, Result, SqlState};

/// Appends a `double precision` value in PostgreSQL's output format.
pub fn write_float8(out: &mut String, v: f64) {
    if v.is_nan() {
        out.push_str("NaN");
    } else if v.is_infinite() {
        out.push_str(if v > 0.0 { "Infinity" } else { "-Infinity" });
    } else {
        layout(out, &format!("{v:e}"), 15);
    }
}

/// Appends a `real` value in PostgreSQL's output format.
pub fn write_float4(out: &mut String, v: f32) {
    if v.is_nan() {
        out.push_str("NaN");
    } else if v.is_infinite() {
        out.push_str(if v > 0.0 { "Infinity" } else { "-Infinity" });
    } else {
        layout(out, &format!("{v:e}"), 6);
    }
}

/// Re-lays Rust's shortest `{:e}` form (`-1.2345e17`) the way PostgreSQL
/// prints it.
fn layout(out: &mut String, sci: &str, fixed_limit: i32) {
    let (negative, body) = match sci.strip_prefix('-') {
        Some(rest) => (true, rest),
        None => (false, sci),
    };
    let (mantissa, exp) = body.split_once('e').unwrap_or((body, "0"));
    let exp: i32 = exp.parse().unwrap_or(0);
    let digits: String = mantissa.chars().filter(|c| *c != '.').collect();
    if negative {
        out.push('-');
    }
    if (-4..fixed_limit).contains(&exp) {
        if exp >= 0 {
            let int_len = exp as usize + 1;
            if digits.len() <= int_len {
                out.push_str(&digits);
                out.extend(std::iter::repeat_n('0', int_len - digits.len()));
            } else {
                out.push_str(&digits[..int_len]);
                out.push('.');
                out.push_str(&digits[int_len..]);
            }
        } else {
            out.push_str("0.");
            out.extend(std::iter::repeat_n('0', (-exp - 1) as usize));
            out.push_str(&digits);
        }
    } else {
        out.push_str(&digits[..1]);
        if digits.len() > 1 {
            out.push('.');
            out.push_str(&digits[1..]);
        }
        out.push('e');
        out.push(if exp < 0 { '-' } else { '+' });
        let abs = exp.unsigned_abs();
        if abs < 10 {
            out.push('0');
        }
        out.push_str(&abs.to_string());
    }
}

/// Checks the characters Rust's float parser would accept but C's
/// `strtod` would not (and vice versa for the word forms).
fn normalise(text: &str) -> Option<&str> {
    let lower = text.to_ascii_lowercase();
    let unsigned = lower.trim_start_matches(['+', '-']);
    if unsigned.len() + 1 < lower.len() {
        return None; // more than one sign
    }
    if matches!(unsigned, "nan" | "inf" | "infinity") {
        return Some(text);
    }
    if !unsigned
        .bytes()
        .all(|b| b.is_ascii_digit() || matches!(b, b'.' | b'e' | b'+' | b'-'))
    {
        return None;
    }
    Some(text)
}

fn has_nonzero_mantissa_digit(text: &str) -> bool {
    text.bytes()
        .take_while(|b| !matches!(b, b'e' | b'E'))
        .any(|b| matches!(b, b'1'..=b'9'))
}

fn parse_generic(input: &str, type_name: &str) -> Result<f64> {
    let text = input.trim_matches(|c: char| c.is_ascii_whitespace());
    let syntax = || {
        EngineError::new(
            SqlState::InvalidTextRepresentation,
            format!("invalid input syntax for type {type_name}: \"{input}\""),
        )
    };
    let text = normalise(text).ok_or_else(syntax)?;
    let v: f64 = text.parse().map_err(|_| syntax())?;
    Ok(v)
}

fn out_of_range(input: &str, type_name: &str) -> EngineError {
    EngineError::new(
        SqlState::NumericValueOutOfRange,
        format!("\"{input}\" is out of range for type {type_name}"),
    )
}

fn is_word(text: &str) -> bool {
    text.bytes()
        .any(|b| b.is_ascii_alphabetic() && !matches!(b, b'e' | b'E'))
}

/// Parses `double precision` input.
pub fn parse_float8(input: &str) -> Result<f64> {
    let v = parse_generic(input, "double precision")?;
    let text = input.trim();
    if (v.is_infinite() && !is_word(text)) || (v == 0.0 && has_nonzero_mantissa_digit(text)) {
        return Err(out_of_range(input, "double precision"));
    }
    Ok(v)
}

/// Parses `real` input.
pub fn parse_float4(input: &str) -> Result<f32> {
    let _ = parse_generic(input, "real")?;
    let text = input.trim_matches(|c: char| c.is_ascii_whitespace());
    let v: f32 = text.parse().map_err(|_| {
        EngineError::new(
            SqlState::InvalidTextRepresentation,
            format!("invalid input syntax for type real: \"{input}\""),
        )
    })?;
    if (v.is_infinite() && !is_word(text)) || (v == 0.0 && has_nonzero_mantissa_digit(text)) {
        return Err(out_of_range(input, "real"));
    }
    Ok(v)
}

/// `22003 value out of range: overflow`.
pub fn float_overflow() -> EngineError {
    EngineError::new(
        SqlState::NumericValueOutOfRange,
        "value out of range: overflow",
    )
}

/// `22003 value out of range: underflow`.
pub fn float_underflow() -> EngineError {
    EngineError::new(
        SqlState::NumericValueOutOfRange,
        "value out of range: underflow",
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn f8(v: f64) -> String {
        let mut s = String::new();
        write_float8(&mut s, v);
        s
    }

    fn f4(v: f32) -> String {
        let mut s = String::new();
        write_float4(&mut s, v);
        s
    }

    #[test]
    fn output_matches_postgres() {
        // psql: select 1e15::float8, 1e16::float8, 123456789012345678::float8,
        //   1e-5::float8, 0.0001::float8, 100000::float8, 1.5::float8,
        //   1e100::float8, 2.5e-300::float8, '-0'::float8
        assert_eq!(f8(1e15), "1e+15");
        assert_eq!(f8(1e16), "1e+16");
        assert_eq!(f8(123456789012345678.0), "1.2345678901234568e+17");
        assert_eq!(f8(1e-5), "1e-05");
        assert_eq!(f8(0.0001), "0.0001");
        assert_eq!(f8(100000.0), "100000");
        assert_eq!(f8(1.5), "1.5");
        assert_eq!(f8(1e100), "1e+100");
        assert_eq!(f8(2.5e-300), "2.5e-300");
        assert_eq!(f8(-0.0), "-0");
        assert_eq!(f8(f64::NAN), "NaN");
        assert_eq!(f8(f64::NEG_INFINITY), "-Infinity");
        // psql: select 0.1::float4, 1e6::float4, 123456::float4,
        //   1234567::float4, 1e-5::float4, 12345678.9::float4
        assert_eq!(f4(0.1), "0.1");
        assert_eq!(f4(1e6), "1e+06");
        assert_eq!(f4(123456.0), "123456");
        assert_eq!(f4(1234567.0), "1.234567e+06");
        assert_eq!(f4(1e-5), "1e-05");
        assert_eq!(f4(12345678.9), "1.2345679e+07");
    }

    #[test]
    fn input() {
        assert_eq!(parse_float8(" 1.5 ").unwrap(), 1.5);
        assert!(parse_float8("-inf").unwrap().is_infinite());
        assert!(parse_float8("NaN").unwrap().is_nan());
        assert_eq!(
            parse_float8("1e400").unwrap_err().message,
            "\"1e400\" is out of range for type double precision"
        );
        assert_eq!(
            parse_float8("1e-400").unwrap_err().state,
            SqlState::NumericValueOutOfRange
        );
        assert_eq!(
            parse_float8("abc").unwrap_err().state,
            SqlState::InvalidTextRepresentation
        );
        assert_eq!(
            parse_float4("1e40").unwrap_err().message,
            "\"1e40\" is out of range for type real"
        );
        assert!(parse_float8("0e5").unwrap() == 0.0);
    }
}
