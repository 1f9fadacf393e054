//! `uuid`: PostgreSQL's 128-bit identifier type.
//!
//! Values are carried as their canonical text (32 lowercase hex digits in
//! groups 8-4-4-4-12 with hyphens), like the other text-carried types
//! (`name`, `regclass`): the canonical form orders byte-wise exactly as the
//! 16 bytes do, so comparison, sorting and index keys need nothing of their
//! own, and text output is the value itself. Input accepts what
//! PostgreSQL's `uuid_in` accepts (upper or lower case, an optional pair of
//! braces, a hyphen after any group of four digits); the binary wire format
//! is the 16 bytes ([`to_bytes`], [`from_bytes`]).

use std::fmt::Write as _;

use crate::error::{EngineError, Result, SqlState};

fn invalid(input: &str) -> EngineError {
    EngineError::new(
        SqlState::InvalidTextRepresentation,
        format!("invalid input syntax for type uuid: \"{input}\""),
    )
}

/// The 16 bytes of a uuid written as PostgreSQL's `uuid_in` reads it.
pub fn parse_bytes(input: &str) -> Result<[u8; 16]> {
    let mut s = input.as_bytes();
    let braces = s.first() == Some(&b'{');
    if braces {
        s = &s[1..];
    }
    let mut out = [0u8; 16];
    let mut digits = 0;
    let mut i = 0;
    while digits < 32 {
        let hex = |b: u8| (b as char).to_digit(16);
        let (Some(&hi), Some(&lo)) = (s.get(i), s.get(i + 1)) else {
            return Err(invalid(input));
        };
        let (Some(h), Some(l)) = (hex(hi), hex(lo)) else {
            return Err(invalid(input));
        };
        out[digits / 2] = (h * 16 + l) as u8;
        digits += 2;
        i += 2;
        // A hyphen may follow any group of four digits but the last.
        if digits % 4 == 0 && digits < 32 && s.get(i) == Some(&b'-') {
            i += 1;
        }
    }
    if braces {
        if s.get(i) != Some(&b'}') {
            return Err(invalid(input));
        }
        i += 1;
    }
    if i != s.len() {
        return Err(invalid(input));
    }
    Ok(out)
}

/// The canonical text of 16 bytes.
pub fn canonical_of(bytes: &[u8; 16]) -> String {
    let mut out = String::with_capacity(36);
    for (i, b) in bytes.iter().enumerate() {
        if matches!(i, 4 | 6 | 8 | 10) {
            out.push('-');
        }
        let _ = write!(out, "{b:02x}");
    }
    out
}

/// Parses uuid input into its canonical text (22P02 on bad input).
pub fn parse(input: &str) -> Result<String> {
    parse_bytes(input).map(|b| canonical_of(&b))
}

/// The 16 bytes of a canonical uuid text (the binary wire format).
pub fn to_bytes(canonical: &str) -> Result<[u8; 16]> {
    parse_bytes(canonical)
}

/// The canonical text of a binary-format uuid (exactly 16 bytes).
pub fn from_bytes(bytes: &[u8]) -> Option<String> {
    <[u8; 16]>::try_from(bytes).ok().map(|b| canonical_of(&b))
}

/// A random (version 4, RFC 4122 variant) uuid from the operating
/// system's strong random source, as `gen_random_uuid()` returns.
pub fn random_v4() -> Result<String> {
    let mut b = [0u8; 16];
    getrandom::getrandom(&mut b).map_err(|e| {
        EngineError::new(
            SqlState::InternalError,
            format!("could not generate random values: {e}"),
        )
    })?;
    b[6] = (b[6] & 0x0f) | 0x40;
    b[8] = (b[8] & 0x3f) | 0x80;
    Ok(canonical_of(&b))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accepts_what_postgresql_accepts_and_canonicalises() {
        let c = "a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11";
        for input in [
            "A0EEBC99-9C0B-4EF8-BB6D-6BB9BD380A11",
            "{a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11}",
            "a0eebc999c0b4ef8bb6d6bb9bd380a11",
            "a0ee-bc99-9c0b-4ef8-bb6d-6bb9-bd38-0a11",
            "{a0eebc99-9c0b4ef8-bb6d6bb9-bd380a11}",
        ] {
            assert_eq!(parse(input).unwrap(), c, "{input}");
        }
        for bad in [
            "",
            "a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a1",
            "a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a111",
            "-a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11",
            "a0eebc99--9c0b-4ef8-bb6d-6bb9bd380a11",
            "a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11-",
            "{a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11",
            "g0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11",
            "a0e-ebc99-9c0b-4ef8-bb6d-6bb9bd380a11",
        ] {
            let e = parse(bad).unwrap_err();
            assert_eq!(e.state, SqlState::InvalidTextRepresentation, "{bad}");
        }
    }

    #[test]
    fn canonical_text_orders_like_the_bytes() {
        let a = [0u8; 16];
        let mut b = [0u8; 16];
        b[15] = 0xff;
        let mut c = [0u8; 16];
        c[0] = 0x0a;
        let (ta, tb, tc) = (canonical_of(&a), canonical_of(&b), canonical_of(&c));
        assert!(ta < tb && tb < tc);
        assert_eq!(from_bytes(&to_bytes(&tc).unwrap()).unwrap(), tc);
    }

    #[test]
    fn random_uuids_are_version_4() {
        let u = random_v4().unwrap();
        assert_eq!(u.len(), 36);
        assert_eq!(&u[14..15], "4");
        assert!(matches!(&u[19..20], "8" | "9" | "a" | "b"));
        assert_ne!(u, random_v4().unwrap());
    }
}
