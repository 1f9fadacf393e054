//! Literal normalisation: one query string -> a plan-cache key and its
//! literals.
//!
//! A small hand-written lexer walks the text once. Every unsigned numeric
//! literal and every plain single-quoted string is replaced in the key by a
//! marker that names its type class ([`LiteralKind`]: the class decides the
//! type the binder gives it, so `5` and `5000000000` never share a key);
//! everything else, comments included, is copied as written. Two texts with
//! the same key differ only in the contents of those literals.
//!
//! Anything the lexer does not understand exactly the way `sqlparser`
//! does makes the text *not cacheable* (`None`), and the caller runs it the
//! ordinary way: prefixed strings (`E''`, `U&''`, `N''`, `X''`, `B''`),
//! dollar quotes and `$n` parameters (any `$` outside quotes), `?`,
//! backslashes, adjacent string literals (PostgreSQL concatenates them),
//! numbers glued to letters (`1e`, `0x1F`, `1_000`), unterminated quotes or
//! comments, more than one statement, texts longer than [`MAX_SQL_LEN`], and
//! the `\u{1}` character the markers use.

use std::borrow::Cow;
use std::ops::Range;

/// The longest text worth caching; longer ones (bulk INSERTs) are not.
pub const MAX_SQL_LEN: usize = 8 * 1024;

/// The character that starts a literal marker in a key.
const MARKER: char = '\u{1}';

/// The type class of a literal, as the binder types it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum LiteralKind {
    /// Digits only, fitting in `integer`.
    Int4,
    /// Digits only, fitting in `bigint` but not in `integer`.
    Int8,
    /// Any other number (a point, an exponent, or beyond `bigint`):
    /// `numeric`.
    Numeric,
    /// A plain single-quoted string: `unknown` until its context types it.
    String,
}

impl LiteralKind {
    /// The class of the unsigned numeric literal `text`, exactly as the
    /// binder decides it.
    pub fn of_number(text: &str) -> LiteralKind {
        if text.bytes().all(|b| b.is_ascii_digit()) {
            if text.parse::<i32>().is_ok() {
                return LiteralKind::Int4;
            }
            if text.parse::<i64>().is_ok() {
                return LiteralKind::Int8;
            }
        }
        LiteralKind::Numeric
    }

    fn marker(self) -> char {
        match self {
            LiteralKind::Int4 => 'i',
            LiteralKind::Int8 => 'l',
            LiteralKind::Numeric => 'n',
            LiteralKind::String => 's',
        }
    }
}

/// One literal of a normalised query string.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Literal<'a> {
    /// Its type class.
    pub kind: LiteralKind,
    /// The literal as written (quotes included for strings).
    pub raw: &'a str,
    /// Its value text: the digits of a number, the contents of a string
    /// with doubled quotes undoubled.
    pub text: Cow<'a, str>,
    /// Byte range of `raw` in the query string.
    pub span: Range<usize>,
    /// Line where it starts, from 1, as `sqlparser`'s tokenizer counts.
    pub line: u64,
    /// Column where it starts, from 1, in characters, as `sqlparser`'s
    /// tokenizer counts.
    pub column: u64,
}

/// A query string split into its cache key and its literals.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Normalized<'a> {
    /// The text with each literal replaced by a marker of its kind.
    pub key: String,
    /// The literals, in text order.
    pub literals: Vec<Literal<'a>>,
}

/// Counts lines and columns the way `sqlparser` does (a new line at each
/// `\n`, one column per character), moving forward only.
struct Position {
    at: usize,
    line: u64,
    column: u64,
}

impl Position {
    fn advance(&mut self, bytes: &[u8], to: usize) -> (u64, u64) {
        for &b in &bytes[self.at..to] {
            if b == b'\n' {
                self.line += 1;
                self.column = 1;
            } else if b & 0xC0 != 0x80 {
                self.column += 1;
            }
        }
        self.at = to;
        (self.line, self.column)
    }
}

fn is_ident_start(b: u8) -> bool {
    b.is_ascii_alphabetic() || b == b'_' || b >= 0x80
}

fn is_ident_part(b: u8) -> bool {
    is_ident_start(b) || b.is_ascii_digit()
}

fn is_space(b: u8) -> bool {
    matches!(b, b' ' | b'\t' | b'\n' | b'\r' | b'\x0b' | b'\x0c')
}

/// End of the `/* ... */` comment starting at `i` (comments nest, as in
/// PostgreSQL and `sqlparser`'s PostgreSQL dialect); `None` if it does not
/// end.
fn block_comment_end(b: &[u8], mut i: usize) -> Option<usize> {
    let mut depth = 0usize;
    while i + 1 < b.len() {
        match (b[i], b[i + 1]) {
            (b'/', b'*') => {
                depth += 1;
                i += 2;
            }
            (b'*', b'/') => {
                depth -= 1;
                i += 2;
                if depth == 0 {
                    return Some(i);
                }
            }
            _ => i += 1,
        }
    }
    None
}

/// End of the number starting at `i`: `digits[.digits][e[+-]digits]` or
/// `.digits[...]`.
fn number_end(b: &[u8], mut i: usize) -> usize {
    let digits = |mut i: usize| {
        while i < b.len() && b[i].is_ascii_digit() {
            i += 1;
        }
        i
    };
    i = digits(i);
    if i < b.len() && b[i] == b'.' {
        i = digits(i + 1);
    }
    if i < b.len() && (b[i] == b'e' || b[i] == b'E') {
        let mut j = i + 1;
        if j < b.len() && (b[j] == b'+' || b[j] == b'-') {
            j += 1;
        }
        if j < b.len() && b[j].is_ascii_digit() {
            i = digits(j);
        }
    }
    i
}

/// Normalises one query string; `None` when it is not cacheable (see the
/// module docs).
pub fn normalize(sql: &str) -> Option<Normalized<'_>> {
    if sql.len() > MAX_SQL_LEN || sql.contains(MARKER) {
        return None;
    }
    let b = sql.as_bytes();
    let mut key = String::with_capacity(sql.len() + 8);
    let mut literals = Vec::new();
    let mut copied = 0;
    let mut pos = Position {
        at: 0,
        line: 1,
        column: 1,
    };
    // The last token was a string literal / a semicolon.
    let mut after_string = false;
    let mut after_semicolon = false;
    let mut i = 0;
    while i < b.len() {
        let c = b[i];
        let next = b.get(i + 1).copied();
        if is_space(c) {
            i += 1;
            continue;
        }
        if c == b'-' && next == Some(b'-') {
            i = b[i..]
                .iter()
                .position(|&x| x == b'\n')
                .map_or(b.len(), |p| i + p);
            continue;
        }
        if c == b'/' && next == Some(b'*') {
            i = block_comment_end(b, i)?;
            continue;
        }
        if after_semicolon {
            // A second statement.
            return None;
        }
        let was_string = std::mem::replace(&mut after_string, false);
        match c {
            b'\'' => {
                let prefixed = i > 0 && (is_ident_part(b[i - 1]) || b[i - 1] == b'&');
                if prefixed || was_string {
                    return None;
                }
                let start = i;
                let mut j = i + 1;
                let mut doubled = false;
                loop {
                    match b.get(j) {
                        None => return None,
                        Some(b'\\') => return None,
                        Some(b'\'') if b.get(j + 1) == Some(&b'\'') => {
                            doubled = true;
                            j += 2;
                        }
                        Some(b'\'') => break,
                        Some(_) => j += 1,
                    }
                }
                let end = j + 1;
                if b.get(end).is_some_and(|&x| is_ident_part(x) || x == b'$') {
                    return None;
                }
                let inner = &sql[start + 1..j];
                let text = if doubled {
                    Cow::Owned(inner.replace("''", "'"))
                } else {
                    Cow::Borrowed(inner)
                };
                push_literal(
                    sql,
                    &mut key,
                    &mut copied,
                    &mut pos,
                    &mut literals,
                    LiteralKind::String,
                    start..end,
                    text,
                );
                after_string = true;
                i = end;
            }
            b'"' => {
                let mut j = i + 1;
                loop {
                    match b.get(j) {
                        None => return None,
                        Some(b'"') if b.get(j + 1) == Some(&b'"') => j += 2,
                        Some(b'"') => break,
                        Some(_) => j += 1,
                    }
                }
                i = j + 1;
            }
            b'0'..=b'9' | b'.' if c != b'.' || next.is_some_and(|n| n.is_ascii_digit()) => {
                let end = number_end(b, i);
                if b.get(end)
                    .is_some_and(|&x| is_ident_part(x) || matches!(x, b'.' | b'$' | b'\'' | b'"'))
                {
                    return None;
                }
                let raw = &sql[i..end];
                push_literal(
                    sql,
                    &mut key,
                    &mut copied,
                    &mut pos,
                    &mut literals,
                    LiteralKind::of_number(raw),
                    i..end,
                    Cow::Borrowed(raw),
                );
                i = end;
            }
            b'$' | b'?' | b'\\' => return None,
            b';' => {
                after_semicolon = true;
                i += 1;
            }
            c if is_ident_start(c) => {
                let mut j = i + 1;
                while j < b.len() && is_ident_part(b[j]) {
                    j += 1;
                }
                if b.get(j) == Some(&b'$') {
                    return None;
                }
                i = j;
            }
            _ => i += 1,
        }
    }
    key.push_str(&sql[copied..]);
    Some(Normalized { key, literals })
}

#[allow(clippy::too_many_arguments)]
fn push_literal<'a>(
    sql: &'a str,
    key: &mut String,
    copied: &mut usize,
    pos: &mut Position,
    literals: &mut Vec<Literal<'a>>,
    kind: LiteralKind,
    span: Range<usize>,
    text: Cow<'a, str>,
) {
    key.push_str(&sql[*copied..span.start]);
    key.push(MARKER);
    key.push(kind.marker());
    *copied = span.end;
    let (line, column) = pos.advance(sql.as_bytes(), span.start);
    literals.push(Literal {
        kind,
        raw: &sql[span.clone()],
        text,
        span,
        line,
        column,
    });
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key(sql: &str) -> Option<String> {
        normalize(sql).map(|n| n.key.replace(MARKER, "?"))
    }

    #[test]
    fn numbers_and_strings_become_markers() {
        let n = normalize("SELECT a FROM t WHERE b = 42 AND c = 'it''s' AND d < 1.5e3;").unwrap();
        assert_eq!(
            n.key.replace(MARKER, "?"),
            "SELECT a FROM t WHERE b = ?i AND c = ?s AND d < ?n;"
        );
        let texts: Vec<&str> = n.literals.iter().map(|l| l.text.as_ref()).collect();
        assert_eq!(texts, ["42", "it's", "1.5e3"]);
        assert_eq!(n.literals[1].raw, "'it''s'");
        assert_eq!(n.literals[0].column, 27);
    }

    #[test]
    fn kinds_follow_the_binder() {
        assert_eq!(LiteralKind::of_number("2147483647"), LiteralKind::Int4);
        assert_eq!(LiteralKind::of_number("2147483648"), LiteralKind::Int8);
        assert_eq!(
            LiteralKind::of_number("9223372036854775808"),
            LiteralKind::Numeric
        );
        assert_eq!(LiteralKind::of_number("1.0"), LiteralKind::Numeric);
        assert_eq!(LiteralKind::of_number("5."), LiteralKind::Numeric);
        assert_eq!(LiteralKind::of_number("007"), LiteralKind::Int4);
        assert_ne!(key("SELECT 1"), key("SELECT 2147483648"));
        assert_eq!(key("SELECT 1"), key("SELECT 2147483647"));
    }

    #[test]
    fn identifiers_comments_and_quoted_names_are_kept() {
        assert_eq!(
            key("SELECT t1.c2, \"x'1\" -- 'no' 3\n/* 4 /* 5 */ */ FROM t2").unwrap(),
            "SELECT t1.c2, \"x'1\" -- 'no' 3\n/* 4 /* 5 */ */ FROM t2"
        );
    }

    #[test]
    fn lines_and_columns_count_characters() {
        let n = normalize("SELECT 'é', 1\n  , 22").unwrap();
        let at: Vec<(u64, u64)> = n.literals.iter().map(|l| (l.line, l.column)).collect();
        assert_eq!(at, [(1, 8), (1, 13), (2, 5)]);
    }

    #[test]
    fn unusual_texts_are_not_cacheable() {
        for sql in [
            "SELECT E'a'",
            "SELECT U&'a'",
            "SELECT N'a'",
            "SELECT X'1F'",
            "SELECT $$a$$",
            "SELECT $1",
            "SELECT a$b FROM t",
            "SELECT ?",
            "SELECT 'a\\n'",
            "SELECT 'a'\n'b'",
            "SELECT 'a",
            "SELECT \"a",
            "SELECT /* a",
            "SELECT 1e",
            "SELECT 0x1F",
            "SELECT 1_000",
            "SELECT 1.2.3",
            "SELECT 1; SELECT 2",
            "SELECT \u{1}",
            "SELECT \"\u{1}i\"",
            "SELECT '\u{1}i'",
        ] {
            assert_eq!(key(sql), None, "{sql}");
        }
        assert!(key(&format!("SELECT '{}'", "a".repeat(MAX_SQL_LEN))).is_none());
    }

    #[test]
    fn a_trailing_semicolon_and_comment_are_fine() {
        assert_eq!(key("END; -- done").unwrap(), "END; -- done");
        assert_eq!(key("SELECT .5").unwrap(), "SELECT ?n");
        assert_eq!(key("SELECT a.b FROM t").unwrap(), "SELECT a.b FROM t");
    }
}
