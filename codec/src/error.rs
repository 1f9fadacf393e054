//! The crate's one error type.
//!
//! Decoders never panic on malformed input: truncated or garbage bytes come
//! back as [`CodecError::Truncated`] or [`CodecError::Malformed`]. The other
//! variants report values that cannot be encoded or parsed. The variants are
//! chosen so that the SQL engine can map them to SQLSTATEs: numeric syntax
//! errors are `22P02`, numeric overflow `22003`, a NUL in text `22021`, and
//! everything about stored bytes is data corruption (`XX001`).

use std::fmt;

/// Everything that can go wrong while encoding, decoding or parsing.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum CodecError {
    /// The input ended in the middle of a value; names what was being read.
    Truncated(&'static str),
    /// The input holds bytes that no encoder produces; says what is wrong.
    Malformed(&'static str),
    /// Stored text is not valid UTF-8.
    InvalidUtf8,
    /// Text to be key-encoded contains a NUL character, which PostgreSQL
    /// forbids in `text` and the key format uses as its terminator.
    NulInText,
    /// The string is not a valid `numeric` literal; holds the input.
    NumericSyntax(String),
    /// The value does not fit PostgreSQL's numeric format (at most 131072
    /// digits before the decimal point and a display scale of 16383).
    NumericOverflow,
}

impl fmt::Display for CodecError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            CodecError::Truncated(what) => write!(f, "truncated input while decoding {what}"),
            CodecError::Malformed(what) => write!(f, "malformed encoding: {what}"),
            CodecError::InvalidUtf8 => f.write_str("invalid byte sequence for encoding \"UTF8\""),
            CodecError::NulInText => {
                f.write_str("invalid byte sequence for encoding \"UTF8\": 0x00")
            }
            CodecError::NumericSyntax(input) => {
                write!(f, "invalid input syntax for type numeric: \"{input}\"")
            }
            CodecError::NumericOverflow => f.write_str("value overflows numeric format"),
        }
    }
}

impl std::error::Error for CodecError {}

/// The crate's result type.
pub type Result<T, E = CodecError> = std::result::Result<T, E>;
