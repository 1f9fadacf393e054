//! `json` and `jsonb`: a parsed JSON tree ([`Json`]), PostgreSQL's JSON
//! lexer and parser with its error messages ([`parse`]), and the two
//! output forms.
//!
//! Both types are carried as text, like `uuid`: a `json` value is its
//! validated input text, kept byte for byte as PostgreSQL's `json` keeps
//! it; a `jsonb` value is its canonical PostgreSQL output text
//! ([`Json::to_jsonb_text`]: object keys sorted by length then bytes, the
//! last of duplicate keys kept, numbers as `numeric`, `", "` and `": "`
//! between items). Operators and functions parse the text back into a
//! [`Json`] tree when they need the structure.
//!
//! The lexer follows PostgreSQL's `json_lex`: numbers are
//! `-?(0|[1-9][0-9]*)(.[0-9]+)?([eE][+-]?[0-9]+)?` and a number or word
//! running into letters or digits is reported whole (`Token "01" is
//! invalid.`); strings must escape control characters; `\u` escapes
//! combine surrogate pairs; `\u0000` is refused by `jsonb` only.
//!
//! [`jsonb_cmp`] is PostgreSQL's jsonb B-tree order (`Object > Array >
//! Boolean > Number > String > Null`, longer containers greater, then
//! element by element) and [`contains`] its `@>`.

use std::cmp::Ordering;
use std::fmt::Write as _;

use rocksgres_codec::Numeric;

use crate::error::{EngineError, Result, SqlState};

/// A parsed JSON value.
#[derive(Debug, Clone, PartialEq)]
pub enum Json {
    /// `null`.
    Null,
    /// `true` / `false`.
    Bool(bool),
    /// A number, as `numeric`.
    Number(Numeric),
    /// A string (unescaped).
    String(String),
    /// An array.
    Array(Vec<Json>),
    /// An object: for `jsonb`, keys sorted and unique (see
    /// [`Json::normalize`]); for `json`, as written.
    Object(Vec<(String, Json)>),
    /// A datetime item of a running SQL/JSON path (never stored: it is
    /// written as its ISO 8601 string).
    Datetime(super::json_datetime::JsonDatetime),
}

/// Nesting deeper than this fails with 54001, as PostgreSQL's stack depth
/// check does.
const MAX_DEPTH: usize = 2000;

fn invalid_json(detail: String) -> EngineError {
    EngineError::new(
        SqlState::InvalidTextRepresentation,
        "invalid input syntax for type json",
    )
    .with_detail(detail)
}

fn too_deep() -> EngineError {
    EngineError::new(SqlState::StatementTooComplex, "stack depth limit exceeded").with_hint(
        "Increase the configuration parameter \"max_stack_depth\" (currently 2048kB), after ensuring the platform's stack depth limit is adequate.",
    )
}

#[derive(Debug, Clone, PartialEq)]
enum Tok {
    ObjStart,
    ObjEnd,
    ArrStart,
    ArrEnd,
    Comma,
    Colon,
    Str(String),
    Num(Numeric),
    True,
    False,
    Null,
    End,
}

struct Lexer<'a> {
    s: &'a str,
    pos: usize,
    /// Start of the current token (for error messages).
    tok_start: usize,
    /// Whether `\u0000` is refused (`jsonb`).
    jsonb: bool,
}

fn is_alnum(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b == b'_' || b == b'$' || b >= 0x80
}

impl<'a> Lexer<'a> {
    fn err(&self, detail: String) -> EngineError {
        invalid_json(detail)
    }

    /// The current token's text, for "but found" messages.
    fn tok_text(&self) -> &'a str {
        &self.s[self.tok_start..self.pos]
    }

    fn invalid_token(&mut self, mut end: usize) -> EngineError {
        let b = self.s.as_bytes();
        while end < b.len() && is_alnum(b[end]) {
            end += 1;
        }
        let end = ceil_char(self.s, end);
        self.err(format!(
            "Token \"{}\" is invalid.",
            &self.s[self.tok_start..end]
        ))
    }

    fn next(&mut self) -> Result<Tok> {
        let b = self.s.as_bytes();
        while self.pos < b.len() && matches!(b[self.pos], b' ' | b'\t' | b'\n' | b'\r') {
            self.pos += 1;
        }
        self.tok_start = self.pos;
        let Some(&c) = b.get(self.pos) else {
            return Ok(Tok::End);
        };
        let single = |t: Tok, l: &mut Self| {
            l.pos += 1;
            Ok(t)
        };
        match c {
            b'{' => single(Tok::ObjStart, self),
            b'}' => single(Tok::ObjEnd, self),
            b'[' => single(Tok::ArrStart, self),
            b']' => single(Tok::ArrEnd, self),
            b',' => single(Tok::Comma, self),
            b':' => single(Tok::Colon, self),
            b'"' => self.string().map(Tok::Str),
            b'-' | b'0'..=b'9' => self.number(),
            _ => {
                let mut end = self.pos;
                while end < b.len() && is_alnum(b[end]) {
                    end += 1;
                }
                if end == self.pos {
                    // A single non-token character.
                    let end = ceil_char(self.s, self.pos + 1);
                    return Err(
                        self.err(format!("Token \"{}\" is invalid.", &self.s[self.pos..end]))
                    );
                }
                let word = &self.s[self.pos..end];
                let t = match word {
                    "true" => Tok::True,
                    "false" => Tok::False,
                    "null" => Tok::Null,
                    _ => return Err(self.invalid_token(end)),
                };
                self.pos = end;
                Ok(t)
            }
        }
    }

    fn number(&mut self) -> Result<Tok> {
        let b = self.s.as_bytes();
        let start = self.pos;
        let mut i = start;
        let digits = |i: &mut usize| {
            let s = *i;
            while *i < b.len() && b[*i].is_ascii_digit() {
                *i += 1;
            }
            *i - s
        };
        if b[i] == b'-' {
            i += 1;
        }
        let mut ok = true;
        if b.get(i) == Some(&b'0') {
            i += 1;
        } else if digits(&mut i) == 0 {
            ok = false;
        }
        if ok && b.get(i) == Some(&b'.') {
            i += 1;
            if digits(&mut i) == 0 {
                ok = false;
            }
        }
        if ok && matches!(b.get(i), Some(b'e' | b'E')) {
            i += 1;
            if matches!(b.get(i), Some(b'+' | b'-')) {
                i += 1;
            }
            if digits(&mut i) == 0 {
                ok = false;
            }
        }
        if !ok || (i < b.len() && is_alnum(b[i])) {
            return Err(self.invalid_token(i));
        }
        self.pos = i;
        let n = Numeric::parse(&self.s[start..i]).map_err(|_| self.invalid_token(i))?;
        Ok(Tok::Num(n))
    }

    fn string(&mut self) -> Result<String> {
        let b = self.s.as_bytes();
        let mut i = self.pos + 1;
        let mut out = String::new();
        let mut high: Option<u32> = None;
        loop {
            let Some(&c) = b.get(i) else {
                // Unterminated: the token is the rest of the input.
                return Err(self.err(format!(
                    "Token \"{}\" is invalid.",
                    &self.s[self.tok_start..]
                )));
            };
            if c == b'"' {
                if high.is_some() {
                    return Err(
                        self.err("Unicode low surrogate must follow a high surrogate.".to_owned())
                    );
                }
                self.pos = i + 1;
                return Ok(out);
            }
            if c < 0x20 {
                self.pos = i;
                return Err(self.err(format!("Character with value 0x{c:02x} must be escaped.")));
            }
            if c != b'\\' {
                if high.is_some() {
                    return Err(
                        self.err("Unicode low surrogate must follow a high surrogate.".to_owned())
                    );
                }
                let end = ceil_char(self.s, i + 1);
                out.push_str(&self.s[i..end]);
                i = end;
                continue;
            }
            i += 1;
            let Some(&e) = b.get(i) else {
                return Err(self.err(format!(
                    "Token \"{}\" is invalid.",
                    &self.s[self.tok_start..]
                )));
            };
            if e == b'u' {
                let hex = self
                    .s
                    .get(i + 1..i + 5)
                    .filter(|h| h.len() == 4 && h.bytes().all(|c| c.is_ascii_hexdigit()));
                let Some(hex) = hex else {
                    return Err(
                        self.err("\"\\u\" must be followed by four hexadecimal digits.".to_owned())
                    );
                };
                let cp = u32::from_str_radix(hex, 16).unwrap_or(0);
                i += 5;
                if (0xD800..0xDC00).contains(&cp) {
                    if high.is_some() {
                        return Err(self.err(
                            "Unicode high surrogate must not follow a high surrogate.".to_owned(),
                        ));
                    }
                    high = Some(cp);
                    continue;
                }
                if (0xDC00..0xE000).contains(&cp) {
                    let Some(h) = high.take() else {
                        return Err(self.err(
                            "Unicode low surrogate must follow a high surrogate.".to_owned(),
                        ));
                    };
                    let full = 0x10000 + ((h - 0xD800) << 10) + (cp - 0xDC00);
                    out.push(char::from_u32(full).unwrap_or('\u{FFFD}'));
                    continue;
                }
                if high.is_some() {
                    return Err(
                        self.err("Unicode low surrogate must follow a high surrogate.".to_owned())
                    );
                }
                if cp == 0 {
                    if self.jsonb {
                        return Err(EngineError::new(
                            SqlState::UntranslatableCharacter,
                            "unsupported Unicode escape sequence",
                        )
                        .with_detail("\\u0000 cannot be converted to text."));
                    }
                    // `json` keeps the text as written; the tree holds
                    // the escape itself.
                    out.push_str("\\u0000");
                    continue;
                }
                out.push(char::from_u32(cp).unwrap_or('\u{FFFD}'));
                continue;
            }
            if high.is_some() {
                return Err(
                    self.err("Unicode low surrogate must follow a high surrogate.".to_owned())
                );
            }
            let ch = match e {
                b'"' => '"',
                b'\\' => '\\',
                b'/' => '/',
                b'b' => '\u{8}',
                b'f' => '\u{c}',
                b'n' => '\n',
                b'r' => '\r',
                b't' => '\t',
                _ => {
                    let end = ceil_char(self.s, i + 1);
                    return Err(self.err(format!(
                        "Escape sequence \"\\{}\" is invalid.",
                        &self.s[i..end]
                    )));
                }
            };
            out.push(ch);
            i += 1;
        }
    }
}

/// The first char boundary at or after `i`.
fn ceil_char(s: &str, mut i: usize) -> usize {
    while i < s.len() && !s.is_char_boundary(i) {
        i += 1;
    }
    i.min(s.len())
}

struct Parser<'a> {
    lex: Lexer<'a>,
    depth: usize,
}

impl Parser<'_> {
    fn expected(&self, tok: &Tok, what: &str) -> EngineError {
        if *tok == Tok::End {
            return self
                .lex
                .err("The input string ended unexpectedly.".to_owned());
        }
        self.lex.err(format!(
            "Expected {what}, but found \"{}\".",
            self.lex.tok_text()
        ))
    }

    fn value(&mut self, tok: Tok) -> Result<Json> {
        Ok(match tok {
            Tok::Null => Json::Null,
            Tok::True => Json::Bool(true),
            Tok::False => Json::Bool(false),
            Tok::Num(n) => Json::Number(n),
            Tok::Str(s) => Json::String(s),
            Tok::ArrStart => {
                self.enter()?;
                let mut items = Vec::new();
                let mut t = self.lex.next()?;
                if t != Tok::ArrEnd {
                    loop {
                        if matches!(t, Tok::ArrEnd | Tok::ObjEnd | Tok::Comma | Tok::Colon)
                            || t == Tok::End
                        {
                            return Err(self.expected(
                                &t,
                                if items.is_empty() {
                                    "array element or \"]\""
                                } else {
                                    "JSON value"
                                },
                            ));
                        }
                        items.push(self.value(t)?);
                        t = self.lex.next()?;
                        match t {
                            Tok::Comma => t = self.lex.next()?,
                            Tok::ArrEnd => break,
                            _ => return Err(self.expected(&t, "\",\" or \"]\"")),
                        }
                    }
                }
                self.depth -= 1;
                Json::Array(items)
            }
            Tok::ObjStart => {
                self.enter()?;
                let mut pairs = Vec::new();
                let mut t = self.lex.next()?;
                if t != Tok::ObjEnd {
                    loop {
                        let Tok::Str(key) = t else {
                            return Err(self.expected(
                                &t,
                                if pairs.is_empty() {
                                    "string or \"}\""
                                } else {
                                    "string"
                                },
                            ));
                        };
                        let c = self.lex.next()?;
                        if c != Tok::Colon {
                            return Err(self.expected(&c, "\":\""));
                        }
                        let v = self.lex.next()?;
                        if matches!(v, Tok::ArrEnd | Tok::ObjEnd | Tok::Comma | Tok::Colon)
                            || v == Tok::End
                        {
                            return Err(self.expected(&v, "JSON value"));
                        }
                        pairs.push((key, self.value(v)?));
                        t = self.lex.next()?;
                        match t {
                            Tok::Comma => t = self.lex.next()?,
                            Tok::ObjEnd => break,
                            _ => return Err(self.expected(&t, "\",\" or \"}\"")),
                        }
                    }
                }
                self.depth -= 1;
                Json::Object(pairs)
            }
            other => return Err(self.expected(&other, "JSON value")),
        })
    }

    fn enter(&mut self) -> Result<()> {
        self.depth += 1;
        if self.depth > MAX_DEPTH {
            return Err(too_deep());
        }
        Ok(())
    }
}

/// Parses JSON text as PostgreSQL's `json_in` (`jsonb` = false) or
/// `jsonb_in` (`jsonb` = true, which also refuses `\u0000`) does. Objects
/// keep their pairs as written; see [`Json::normalize`].
pub fn parse(input: &str, jsonb: bool) -> Result<Json> {
    let mut p = Parser {
        lex: Lexer {
            s: input,
            pos: 0,
            tok_start: 0,
            jsonb,
        },
        depth: 0,
    };
    let t = p.lex.next()?;
    let v = p.value(t)?;
    let t = p.lex.next()?;
    if t != Tok::End {
        return Err(p.expected(&t, "end of input"));
    }
    Ok(v)
}

/// Validates `json` input (the value is the text itself).
pub fn parse_json_text(input: &str) -> Result<String> {
    parse(input, false)?;
    Ok(input.to_owned())
}

/// Parses `jsonb` input into its canonical text.
pub fn parse_jsonb_text(input: &str) -> Result<String> {
    let mut v = parse(input, true)?;
    v.normalize();
    Ok(v.to_jsonb_text())
}

/// Parses a stored `jsonb` value (canonical text) back into its tree.
pub fn jsonb_tree(text: &str) -> Result<Json> {
    parse(text, true)
}

/// Parses a `json` value into a tree with `jsonb`'s object semantics
/// (for functions that treat both alike).
pub fn json_tree(text: &str) -> Result<Json> {
    parse(text, false)
}

/// PostgreSQL's order of object keys in `jsonb`: shorter first, then by
/// bytes.
pub fn key_order(a: &str, b: &str) -> Ordering {
    a.len()
        .cmp(&b.len())
        .then_with(|| a.as_bytes().cmp(b.as_bytes()))
}

impl Json {
    /// Makes objects `jsonb`-shaped, recursively: keys sorted by
    /// [`key_order`], the last value of a duplicate key kept.
    pub fn normalize(&mut self) {
        match self {
            Json::Array(items) => items.iter_mut().for_each(Json::normalize),
            Json::Object(pairs) => {
                for (_, v) in pairs.iter_mut() {
                    v.normalize();
                }
                // Stable sort keeps duplicates in input order; keep the last.
                pairs.sort_by(|a, b| key_order(&a.0, &b.0));
                let mut out: Vec<(String, Json)> = Vec::with_capacity(pairs.len());
                for (k, v) in pairs.drain(..) {
                    match out.last_mut() {
                        Some(last) if last.0 == k => last.1 = v,
                        _ => out.push((k, v)),
                    }
                }
                *pairs = out;
            }
            _ => {}
        }
    }

    /// `jsonb`'s output text.
    pub fn to_jsonb_text(&self) -> String {
        let mut out = String::new();
        self.write(&mut out, ", ", ": ");
        out
    }

    /// Writes the value with the given item and key separators (`jsonb`:
    /// `", "`, `": "`; `row_to_json`: `","`, `":"`).
    pub fn write(&self, out: &mut String, item_sep: &str, key_sep: &str) {
        match self {
            Json::Null => out.push_str("null"),
            Json::Bool(b) => out.push_str(if *b { "true" } else { "false" }),
            Json::Number(n) => {
                let _ = write!(out, "{n}");
            }
            Json::String(s) => escape_into(out, s),
            Json::Datetime(d) => escape_into(out, &d.iso_text()),
            Json::Array(items) => {
                out.push('[');
                for (i, v) in items.iter().enumerate() {
                    if i > 0 {
                        out.push_str(item_sep);
                    }
                    v.write(out, item_sep, key_sep);
                }
                out.push(']');
            }
            Json::Object(pairs) => {
                out.push('{');
                for (i, (k, v)) in pairs.iter().enumerate() {
                    if i > 0 {
                        out.push_str(item_sep);
                    }
                    escape_into(out, k);
                    out.push_str(key_sep);
                    v.write(out, item_sep, key_sep);
                }
                out.push('}');
            }
        }
    }

    /// `jsonb_pretty`'s text: four-space indentation.
    pub fn pretty(&self) -> String {
        let mut out = String::new();
        self.write_pretty(&mut out, 0);
        out
    }

    fn write_pretty(&self, out: &mut String, level: usize) {
        let indent = |out: &mut String, n: usize| {
            for _ in 0..n {
                out.push_str("    ");
            }
        };
        match self {
            Json::Array(items) => {
                out.push('[');
                for (i, v) in items.iter().enumerate() {
                    out.push_str(if i > 0 { ",\n" } else { "\n" });
                    indent(out, level + 1);
                    v.write_pretty(out, level + 1);
                }
                out.push('\n');
                indent(out, level);
                out.push(']');
            }
            Json::Object(pairs) => {
                out.push('{');
                for (i, (k, v)) in pairs.iter().enumerate() {
                    out.push_str(if i > 0 { ",\n" } else { "\n" });
                    indent(out, level + 1);
                    escape_into(out, k);
                    out.push_str(": ");
                    v.write_pretty(out, level + 1);
                }
                out.push('\n');
                indent(out, level);
                out.push('}');
            }
            scalar => scalar.write(out, ", ", ": "),
        }
    }

    /// The `jsonb_typeof` name of the value.
    pub fn type_name(&self) -> &'static str {
        match self {
            Json::Null => "null",
            Json::Bool(_) => "boolean",
            Json::Number(_) => "number",
            Json::String(_) => "string",
            Json::Array(_) => "array",
            Json::Object(_) => "object",
            Json::Datetime(d) => d.type_name(),
        }
    }

    /// The value as `->>` returns it: a string unquoted, `null` as SQL
    /// NULL (`None`), anything else as its `jsonb` text.
    pub fn to_text(&self) -> Option<String> {
        match self {
            Json::Null => None,
            Json::String(s) => Some(s.clone()),
            Json::Datetime(d) => Some(d.iso_text()),
            other => Some(other.to_jsonb_text()),
        }
    }

    /// The value of `key` in an object (the last one, for `json` objects
    /// with duplicates, as PostgreSQL's `json ->` returns).
    pub fn field(&self, key: &str) -> Option<&Json> {
        match self {
            Json::Object(pairs) => pairs.iter().rev().find(|(k, _)| k == key).map(|(_, v)| v),
            _ => None,
        }
    }

    /// Element `i` of an array; negative counts from the end.
    pub fn element(&self, i: i64) -> Option<&Json> {
        match self {
            Json::Array(items) => {
                let len = items.len() as i64;
                let i = if i < 0 { len + i } else { i };
                if (0..len).contains(&i) {
                    items.get(i as usize)
                } else {
                    None
                }
            }
            _ => None,
        }
    }

    /// Follows a `#>` path: object keys, or array indexes written as
    /// integers.
    pub fn path<'a>(&'a self, path: &[Option<String>]) -> Option<&'a Json> {
        let mut cur = self;
        for step in path {
            let step = step.as_deref()?;
            cur = match cur {
                Json::Object(_) => cur.field(step)?,
                Json::Array(_) => cur.element(step.trim().parse::<i64>().ok()?)?,
                _ => return None,
            };
        }
        Some(cur)
    }

    fn rank(&self) -> u8 {
        match self {
            Json::Null => 0,
            Json::String(_) | Json::Datetime(_) => 1,
            Json::Number(_) => 2,
            Json::Bool(_) => 3,
            Json::Array(_) => 4,
            Json::Object(_) => 5,
        }
    }
}

/// Writes `s` as a JSON string literal, escaping as PostgreSQL's
/// `escape_json` does.
pub fn escape_into(out: &mut String, s: &str) {
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\u{8}' => out.push_str("\\b"),
            '\u{c}' => out.push_str("\\f"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c if (c as u32) < 0x20 => {
                let _ = write!(out, "\\u{:04x}", c as u32);
            }
            c => out.push(c),
        }
    }
    out.push('"');
}

fn cmp_scalar_or_container(a: &Json, b: &Json) -> Ordering {
    match (a, b) {
        (Json::Null, Json::Null) => Ordering::Equal,
        (Json::String(x), Json::String(y)) => x.as_bytes().cmp(y.as_bytes()),
        (Json::Number(x), Json::Number(y)) => x.cmp(y),
        (Json::Bool(x), Json::Bool(y)) => x.cmp(y),
        (Json::Array(x), Json::Array(y)) => x.len().cmp(&y.len()).then_with(|| {
            x.iter()
                .zip(y)
                .map(|(p, q)| cmp_scalar_or_container(p, q))
                .find(|o| o.is_ne())
                .unwrap_or(Ordering::Equal)
        }),
        (Json::Object(x), Json::Object(y)) => x.len().cmp(&y.len()).then_with(|| {
            x.iter()
                .zip(y)
                .map(|((k1, v1), (k2, v2))| {
                    k1.as_bytes()
                        .cmp(k2.as_bytes())
                        .then_with(|| cmp_scalar_or_container(v1, v2))
                })
                .find(|o| o.is_ne())
                .unwrap_or(Ordering::Equal)
        }),
        _ => a.rank().cmp(&b.rank()),
    }
}

/// PostgreSQL's jsonb B-tree order of two top-level values (normalized
/// trees). A top-level scalar is a one-element "raw scalar" array: it
/// sorts after an empty array and before any other array.
pub fn jsonb_cmp(a: &Json, b: &Json) -> Ordering {
    let scalar = |j: &Json| !matches!(j, Json::Array(_) | Json::Object(_));
    match (a, b) {
        (Json::Array(x), y) if scalar(y) => {
            if x.len() == 1 {
                Ordering::Greater
            } else {
                x.len().cmp(&1)
            }
        }
        (x, Json::Array(y)) if scalar(x) => {
            if y.len() == 1 {
                Ordering::Less
            } else {
                1.cmp(&y.len())
            }
        }
        _ => cmp_scalar_or_container(a, b),
    }
}

/// Compares two canonical `jsonb` texts in jsonb order.
pub fn jsonb_text_cmp(a: &str, b: &str) -> Ordering {
    if a == b {
        return Ordering::Equal;
    }
    match (jsonb_tree(a), jsonb_tree(b)) {
        (Ok(x), Ok(y)) => jsonb_cmp(&x, &y),
        _ => a.cmp(b),
    }
}

/// `a @> b` for top-level `jsonb` values.
pub fn contains(a: &Json, b: &Json) -> bool {
    let scalar = |j: &Json| !matches!(j, Json::Array(_) | Json::Object(_));
    match (a, b) {
        // A raw scalar on the right is contained by an array holding it.
        (Json::Array(items), s) if scalar(s) => items.iter().any(|x| x == s || scalar_eq(x, s)),
        (x, y) if scalar(x) && scalar(y) => scalar_eq(x, y),
        _ => deep_contains(a, b),
    }
}

fn scalar_eq(a: &Json, b: &Json) -> bool {
    cmp_scalar_or_container(a, b) == Ordering::Equal && a.rank() == b.rank()
}

fn deep_contains(a: &Json, b: &Json) -> bool {
    match (a, b) {
        (Json::Object(l), Json::Object(r)) => {
            if l.len() < r.len() {
                return false;
            }
            r.iter().all(|(k, rv)| match a.field(k) {
                None => false,
                Some(lv) => match (lv, rv) {
                    (Json::Array(_), Json::Array(_)) | (Json::Object(_), Json::Object(_)) => {
                        deep_contains(lv, rv)
                    }
                    (Json::Array(_) | Json::Object(_), _)
                    | (_, Json::Array(_) | Json::Object(_)) => false,
                    _ => scalar_eq(lv, rv),
                },
            })
        }
        (Json::Array(l), Json::Array(r)) => r.iter().all(|rv| match rv {
            Json::Array(_) | Json::Object(_) => l.iter().any(|lv| {
                std::mem::discriminant(lv) == std::mem::discriminant(rv) && deep_contains(lv, rv)
            }),
            s => l.iter().any(|lv| scalar_eq(lv, s)),
        }),
        _ => false,
    }
}

/// `?`: whether `key` is a top-level object key or string array element
/// (or the string itself, for a scalar).
pub fn exists(j: &Json, key: &str) -> bool {
    match j {
        Json::Object(pairs) => pairs.iter().any(|(k, _)| k == key),
        Json::Array(items) => items
            .iter()
            .any(|v| matches!(v, Json::String(s) if s == key)),
        Json::String(s) => s == key,
        _ => false,
    }
}

/// The first non-blank byte of a (valid) JSON text: `{`, `[`, `"`, ...
pub fn raw_kind(text: &str) -> u8 {
    text.bytes()
        .find(|b| !matches!(b, b' ' | b'\t' | b'\n' | b'\r'))
        .unwrap_or(b' ')
}

/// The top-level members of a valid `json` text as written: object keys
/// (unescaped) with their values' texts, or array elements' texts.
fn raw_members(text: &str) -> Result<Vec<(Option<String>, &str)>> {
    let mut lex = Lexer {
        s: text,
        pos: 0,
        tok_start: 0,
        jsonb: false,
    };
    let mut out = Vec::new();
    let open = lex.next()?;
    let is_object = match open {
        Tok::ObjStart => true,
        Tok::ArrStart => false,
        _ => return Ok(out),
    };
    loop {
        let mut t = lex.next()?;
        if matches!(t, Tok::ObjEnd | Tok::ArrEnd | Tok::End) {
            break;
        }
        let mut key = None;
        if is_object {
            if let Tok::Str(k) = t {
                key = Some(k);
            }
            lex.next()?; // ':'
            t = lex.next()?;
        }
        let start = lex.tok_start;
        let mut depth = 0usize;
        loop {
            match t {
                Tok::ObjStart | Tok::ArrStart => depth += 1,
                Tok::ObjEnd | Tok::ArrEnd => depth = depth.saturating_sub(1),
                Tok::End => break,
                _ => {}
            }
            if depth == 0 {
                break;
            }
            t = lex.next()?;
        }
        out.push((key, &text[start..lex.pos]));
        match lex.next()? {
            Tok::Comma => continue,
            _ => break,
        }
    }
    Ok(out)
}

/// `json -> text`: the text of the (last) value of `key`, as written.
pub fn raw_field<'a>(text: &'a str, key: &str) -> Result<Option<&'a str>> {
    if raw_kind(text) != b'{' {
        return Ok(None);
    }
    Ok(raw_members(text)?
        .into_iter()
        .rev()
        .find(|(k, _)| k.as_deref() == Some(key))
        .map(|(_, v)| v))
}

/// `json -> int`: the text of element `i` (negative counts from the end).
pub fn raw_element(text: &str, i: i64) -> Result<Option<&str>> {
    if raw_kind(text) != b'[' {
        return Ok(None);
    }
    let items = raw_members(text)?;
    let len = items.len() as i64;
    let i = if i < 0 { len + i } else { i };
    Ok(if (0..len).contains(&i) {
        Some(items[i as usize].1)
    } else {
        None
    })
}

/// The elements (or key/value pairs) of a `json` text as written.
pub fn raw_items(text: &str) -> Result<Vec<(Option<String>, &str)>> {
    raw_members(text)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn detail(input: &str) -> String {
        parse(input, false).unwrap_err().detail.unwrap()
    }

    #[test]
    fn canonical_jsonb_text() {
        // psql: select '{"b":1,"a":2,"aa":[1, 2.50,{"x":null}],"a":3}'::jsonb;
        assert_eq!(
            parse_jsonb_text(r#"{"b":1,"a":2,"aa":[1, 2.50,{"x":null}],"a":3}"#).unwrap(),
            r#"{"a": 3, "b": 1, "aa": [1, 2.50, {"x": null}]}"#
        );
        assert_eq!(parse_jsonb_text("1e2").unwrap(), "100");
        assert_eq!(parse_jsonb_text("1E-2").unwrap(), "0.01");
        assert_eq!(parse_jsonb_text(r#""\u00e9\n""#).unwrap(), "\"é\\n\"");
    }

    #[test]
    fn errors_as_postgresql() {
        assert_eq!(detail("01"), "Token \"01\" is invalid.");
        assert_eq!(detail(r#"{"a" 1}"#), "Expected \":\", but found \"1\".");
        assert_eq!(detail("[1,2"), "The input string ended unexpectedly.");
        assert_eq!(detail(r#""\x""#), "Escape sequence \"\\x\" is invalid.");
        assert_eq!(detail("tru"), "Token \"tru\" is invalid.");
        assert_eq!(detail(""), "The input string ended unexpectedly.");
        assert_eq!(detail(r#"{"a":1,}"#), "Expected string, but found \"}\".");
        assert_eq!(detail("[1,]"), "Expected JSON value, but found \"]\".");
        assert_eq!(
            detail("{1:2}"),
            "Expected string or \"}\", but found \"1\"."
        );
        assert_eq!(detail("\"abc"), "Token \"\"abc\" is invalid.");
        assert_eq!(
            detail("\"a\tb\""),
            "Character with value 0x09 must be escaped."
        );
        assert_eq!(
            parse("\"\\u0000\"", true).unwrap_err().state,
            SqlState::UntranslatableCharacter
        );
    }

    #[test]
    fn jsonb_order() {
        let j = |s: &str| {
            let mut v = parse(s, true).unwrap();
            v.normalize();
            v
        };
        let ordered = [
            "[]",
            "null",
            "\"a\"",
            "1",
            "true",
            "[1]",
            "[1, 2]",
            "{}",
            "{\"a\": 1}",
        ];
        for w in ordered.windows(2) {
            assert_eq!(jsonb_cmp(&j(w[0]), &j(w[1])), Ordering::Less, "{w:?}");
        }
        assert!(contains(&j(r#"{"a":[1,2,3],"b":1}"#), &j(r#"{"a":[1]}"#)));
        assert!(contains(&j("[1,2]"), &j("1")));
        assert!(!contains(&j("1"), &j("[1]")));
    }
}
