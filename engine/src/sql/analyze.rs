//! `ANALYZE` (or `ANALYSE`) statements, parsed by hand: `sqlparser` knows
//! only Hive's form.
//!
//! PostgreSQL 15's grammar:
//!
//! ```text
//! ANALYZE [ VERBOSE ] [ table [ ( column [, ...] ) ] [, ...] ]
//! ANALYZE ( option [, ...] ) [ table [ ( column [, ...] ) ] [, ...] ]
//!     option: VERBOSE [ boolean ] | SKIP_LOCKED [ boolean ]
//! ```
//!
//! Errors as PostgreSQL's: an unknown option is 42601 (`unrecognized
//! ANALYZE option "x"`), a bad option value 42601 (`verbose requires a
//! Boolean value`), anything else out of place a syntax error. A query
//! string may go on after the statement's `;`: the rest is parsed as
//! usual.

use sqlparser::ast::{Ident, ObjectName, ObjectNamePart};

use super::Parsed;
use crate::error::{EngineError, Result, SqlState};

/// One table to analyze, with the columns named (none: every column).
#[derive(Debug, Clone, PartialEq)]
pub struct AnalyzeTarget {
    /// The table's name as written.
    pub name: ObjectName,
    /// The columns named, in order (case-folded unless quoted).
    pub columns: Vec<String>,
}

/// An `ANALYZE` statement.
#[derive(Debug, Clone, PartialEq)]
pub struct AnalyzeStmt {
    /// `VERBOSE`: an INFO line per table.
    pub verbose: bool,
    /// `SKIP_LOCKED`: skip tables whose lock is not free at once.
    pub skip_locked: bool,
    /// The tables; empty means every table of the database.
    pub targets: Vec<AnalyzeTarget>,
}

/// A token of the statement.
#[derive(Debug, Clone, PartialEq)]
pub(super) enum Tok {
    /// An identifier: its (folded) name and whether it was quoted.
    Word(String, bool),
    /// A string literal.
    Str(String),
    /// A number.
    Num(String),
    /// One punctuation character.
    Punct(char),
}

pub(super) fn syntax(near: &str) -> EngineError {
    EngineError::new(
        SqlState::SyntaxError,
        format!("syntax error at or near \"{near}\""),
    )
}

pub(super) fn syntax_at_end() -> EngineError {
    EngineError::new(SqlState::SyntaxError, "syntax error at end of input")
}

/// Splits `sql` into tokens up to the first top-level `;`; returns them
/// and the text after the `;` (if any).
pub(super) fn tokenize(sql: &str) -> Result<(Vec<Tok>, Option<&str>)> {
    let b = sql.as_bytes();
    let mut i = 0;
    let mut out = Vec::new();
    while i < b.len() {
        let c = b[i];
        match c {
            b' ' | b'\t' | b'\n' | b'\r' | b'\x0c' => i += 1,
            b'-' if b.get(i + 1) == Some(&b'-') => {
                while i < b.len() && b[i] != b'\n' {
                    i += 1;
                }
            }
            b'/' if b.get(i + 1) == Some(&b'*') => {
                let mut depth = 0usize;
                while i < b.len() {
                    if b[i] == b'/' && b.get(i + 1) == Some(&b'*') {
                        depth += 1;
                        i += 2;
                    } else if b[i] == b'*' && b.get(i + 1) == Some(&b'/') {
                        depth -= 1;
                        i += 2;
                        if depth == 0 {
                            break;
                        }
                    } else {
                        i += 1;
                    }
                }
                if depth > 0 {
                    return Err(EngineError::new(
                        SqlState::SyntaxError,
                        "unterminated /* comment at or near \"/*\"",
                    ));
                }
            }
            b';' => return Ok((out, Some(&sql[i + 1..]))),
            b'"' | b'\'' => {
                let quote = c;
                let mut s = Vec::new();
                i += 1;
                loop {
                    match b.get(i) {
                        None => {
                            return Err(EngineError::new(
                                SqlState::SyntaxError,
                                if quote == b'"' {
                                    "unterminated quoted identifier"
                                } else {
                                    "unterminated quoted string"
                                },
                            ))
                        }
                        Some(&q) if q == quote => {
                            if b.get(i + 1) == Some(&quote) {
                                s.push(quote);
                                i += 2;
                            } else {
                                i += 1;
                                break;
                            }
                        }
                        Some(&x) => {
                            s.push(x);
                            i += 1;
                        }
                    }
                }
                let s = String::from_utf8_lossy(&s).into_owned();
                if quote == b'"' {
                    if s.is_empty() {
                        return Err(EngineError::new(
                            SqlState::SyntaxError,
                            "zero-length delimited identifier at or near \"\"\"\"",
                        ));
                    }
                    out.push(Tok::Word(s, true));
                } else {
                    out.push(Tok::Str(s));
                }
            }
            b'0'..=b'9' => {
                let start = i;
                while i < b.len() && (b[i].is_ascii_alphanumeric() || b[i] == b'.') {
                    i += 1;
                }
                out.push(Tok::Num(sql[start..i].to_string()));
            }
            _ if c.is_ascii_alphabetic() || c == b'_' || c >= 0x80 => {
                let start = i;
                while i < b.len()
                    && (b[i].is_ascii_alphanumeric()
                        || b[i] == b'_'
                        || b[i] == b'$'
                        || b[i] >= 0x80)
                {
                    i += 1;
                }
                out.push(Tok::Word(sql[start..i].to_lowercase(), false));
            }
            _ => {
                let ch = sql[i..].chars().next().unwrap_or(' ');
                out.push(Tok::Punct(ch));
                i += ch.len_utf8();
            }
        }
    }
    Ok((out, None))
}

fn tok_text(t: &Tok) -> String {
    match t {
        Tok::Word(w, _) | Tok::Num(w) => w.clone(),
        Tok::Str(s) => format!("'{s}'"),
        Tok::Punct(c) => c.to_string(),
    }
}

/// Parses a query string starting with `ANALYZE`: the statement, then
/// whatever follows its `;`.
pub fn parse(sql: &str) -> Result<Vec<Parsed>> {
    let (toks, rest) = tokenize(sql)?;
    let stmt = parse_tokens(&toks)?;
    let mut out = vec![Parsed::Analyze(Box::new(stmt))];
    if let Some(rest) = rest {
        out.extend(super::parse(rest)?);
    }
    Ok(out)
}

pub(super) struct Cursor<'a> {
    pub(super) toks: &'a [Tok],
    pub(super) pos: usize,
}

impl Cursor<'_> {
    pub(super) fn peek(&self) -> Option<&Tok> {
        self.toks.get(self.pos)
    }

    pub(super) fn bump(&mut self) -> Option<&Tok> {
        let t = self.toks.get(self.pos);
        self.pos += 1;
        t
    }

    pub(super) fn punct(&mut self, c: char) -> bool {
        if self.peek() == Some(&Tok::Punct(c)) {
            self.pos += 1;
            true
        } else {
            false
        }
    }

    pub(super) fn error(&self) -> EngineError {
        match self.peek() {
            Some(t) => syntax(&tok_text(t)),
            None => syntax_at_end(),
        }
    }

    /// An identifier (quoted or not).
    pub(super) fn ident(&mut self) -> Result<(String, bool)> {
        match self.peek() {
            Some(Tok::Word(w, q)) => {
                let r = (w.clone(), *q);
                self.pos += 1;
                Ok(r)
            }
            _ => Err(self.error()),
        }
    }
}

fn parse_tokens(toks: &[Tok]) -> Result<AnalyzeStmt> {
    let mut c = Cursor { toks, pos: 0 };
    match c.bump() {
        Some(Tok::Word(w, false)) if w == "analyze" || w == "analyse" => {}
        _ => return Err(EngineError::internal("not an ANALYZE statement")),
    }
    let mut stmt = AnalyzeStmt {
        verbose: false,
        skip_locked: false,
        targets: Vec::new(),
    };
    if c.punct('(') {
        loop {
            let (name, _) = c.ident()?;
            // The option's value, if one is given.
            let value = match c.peek() {
                Some(Tok::Punct(',' | ')')) => None,
                Some(t) => {
                    let t = t.clone();
                    c.pos += 1;
                    Some(t)
                }
                None => return Err(syntax_at_end()),
            };
            let on = match name.as_str() {
                "verbose" | "skip_locked" => boolean(&name, value.as_ref())?,
                _ => {
                    return Err(EngineError::new(
                        SqlState::SyntaxError,
                        format!("unrecognized ANALYZE option \"{name}\""),
                    ))
                }
            };
            if name == "verbose" {
                stmt.verbose = on;
            } else {
                stmt.skip_locked = on;
            }
            if c.punct(',') {
                continue;
            }
            if c.punct(')') {
                break;
            }
            return Err(c.error());
        }
    } else if matches!(c.peek(), Some(Tok::Word(w, false)) if w == "verbose") {
        c.pos += 1;
        stmt.verbose = true;
    }
    stmt.targets = targets(&mut c)?;
    Ok(stmt)
}

/// The table list that ends the statement (`table [(columns)], ...`;
/// nothing: empty).
pub(super) fn targets(c: &mut Cursor) -> Result<Vec<AnalyzeTarget>> {
    let mut out = Vec::new();
    if c.peek().is_none() {
        return Ok(out);
    }
    loop {
        let mut parts = Vec::new();
        loop {
            let (name, quoted) = c.ident()?;
            parts.push(if quoted {
                Ident::with_quote('"', name)
            } else {
                Ident::new(name)
            });
            if !c.punct('.') {
                break;
            }
        }
        if parts.len() > 3 {
            return Err(EngineError::new(
                SqlState::SyntaxError,
                format!(
                    "improper qualified name (too many dotted names): {}",
                    parts
                        .iter()
                        .map(|p| p.value.as_str())
                        .collect::<Vec<_>>()
                        .join(".")
                ),
            ));
        }
        let mut columns = Vec::new();
        if c.punct('(') {
            loop {
                let (col, _) = c.ident()?;
                columns.push(col);
                if c.punct(',') {
                    continue;
                }
                if c.punct(')') {
                    break;
                }
                return Err(c.error());
            }
        }
        out.push(AnalyzeTarget {
            name: ObjectName(parts.into_iter().map(ObjectNamePart::Identifier).collect()),
            columns,
        });
        if c.punct(',') {
            continue;
        }
        if c.peek().is_none() {
            return Ok(out);
        }
        return Err(c.error());
    }
}

/// An option's boolean value as PostgreSQL's `defGetBoolean` reads it
/// (none: true).
pub(super) fn boolean(option: &str, value: Option<&Tok>) -> Result<bool> {
    let bad = || {
        EngineError::new(
            SqlState::SyntaxError,
            format!("{option} requires a Boolean value"),
        )
    };
    let text = match value {
        None => return Ok(true),
        Some(Tok::Word(w, _)) => w.to_ascii_lowercase(),
        Some(Tok::Str(s)) => s.to_ascii_lowercase(),
        Some(Tok::Num(n)) => {
            return match n.as_str() {
                "0" => Ok(false),
                "1" => Ok(true),
                _ => Err(bad()),
            }
        }
        Some(Tok::Punct(p)) => return Err(syntax(&p.to_string())),
    };
    match text.as_str() {
        "true" | "on" => Ok(true),
        "false" | "off" => Ok(false),
        _ => Err(bad()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn one(sql: &str) -> Result<AnalyzeStmt> {
        match parse(sql)?.into_iter().next() {
            Some(Parsed::Analyze(s)) => Ok(*s),
            other => panic!("not an ANALYZE: {other:?}"),
        }
    }

    #[test]
    fn forms() {
        let s = one("ANALYZE").unwrap();
        assert!(!s.verbose && s.targets.is_empty());
        let s = one("analyse VERBOSE t, \"S\".u (a, \"B\")").unwrap();
        assert!(s.verbose);
        assert_eq!(s.targets.len(), 2);
        assert_eq!(s.targets[0].name.to_string(), "t");
        assert_eq!(s.targets[1].name.to_string(), "\"S\".u");
        assert_eq!(s.targets[1].columns, vec!["a".to_string(), "B".to_string()]);
        let s = one("ANALYZE (VERBOSE false, SKIP_LOCKED) t").unwrap();
        assert!(!s.verbose && s.skip_locked);
        let all = parse("ANALYZE t; SELECT 1").unwrap();
        assert_eq!(all.len(), 2);
    }

    #[test]
    fn errors() {
        let code = |sql: &str| one(sql).unwrap_err().code().to_string();
        assert_eq!(code("ANALYZE (FOO) t"), "42601");
        assert_eq!(code("ANALYZE (VERBOSE maybe) t"), "42601");
        assert_eq!(code("ANALYZE t ("), "42601");
        assert_eq!(code("ANALYZE t u"), "42601");
    }
}
