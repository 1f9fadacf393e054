//! Recognising and parsing `COPY` statements.
//!
//! The engine's SQL parser does not run COPY (and sqlparser rejects forms
//! clients send, such as pgbench's `copy t from stdin with (freeze on)`), so
//! the server parses COPY itself with a small tokenizer: the relation and
//! column list are kept as SQL text, to be pasted into the INSERT or SELECT
//! that does the work, and the options are validated here.
//!
//! Supported: `COPY t [(cols)] FROM STDIN`, `COPY t [(cols)] TO STDOUT`,
//! `COPY (query) TO STDOUT`, with the modern `WITH (option value, ...)` list
//! or the legacy `WITH CSV HEADER DELIMITER 'x' NULL 'y'` keywords. Options:
//! FORMAT text|csv, DELIMITER, NULL, HEADER, QUOTE, ESCAPE, ENCODING (UTF8),
//! FREEZE (accepted, no effect); FORMAT binary. Files and PROGRAM fail
//! with 0A000.

use std::fmt;

/// Which way the data flows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Direction {
    /// `FROM STDIN`.
    From,
    /// `TO STDOUT`.
    To,
}

/// The data format.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CopyFormat {
    /// PostgreSQL's text format (tab-separated, backslash escapes, `\N`).
    Text,
    /// CSV.
    Csv,
    /// PostgreSQL's binary format (`PGCOPY` header, length-prefixed
    /// `typsend` values); see `super::binary`.
    Binary,
}

/// What is copied.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Source {
    /// A table, as SQL text, with an optional column list (SQL text each).
    Table {
        /// The (possibly qualified, possibly quoted) table name as written.
        name: String,
        /// The columns as written; empty means all columns.
        columns: Vec<String>,
    },
    /// `COPY (query) TO STDOUT`: the query text.
    Query(String),
}

/// COPY options after validation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CopyOptions {
    /// Text or CSV.
    pub format: CopyFormat,
    /// Field separator (one byte).
    pub delimiter: u8,
    /// The string that stands for NULL.
    pub null: String,
    /// Whether the first line is a header (skipped on input, written on
    /// output).
    pub header: bool,
    /// CSV quote character.
    pub quote: u8,
    /// CSV escape character.
    pub escape: u8,
}

/// A parsed COPY statement.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CopyCommand {
    /// The table or query.
    pub source: Source,
    /// FROM STDIN or TO STDOUT.
    pub direction: Direction,
    /// Format options.
    pub options: CopyOptions,
}

/// A COPY parse or validation error: SQLSTATE and message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CopyError {
    /// SQLSTATE.
    pub code: &'static str,
    /// Message.
    pub message: String,
}

impl fmt::Display for CopyError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "[{}] {}", self.code, self.message)
    }
}

fn syntax(message: impl Into<String>) -> CopyError {
    CopyError {
        code: "42601",
        message: message.into(),
    }
}

fn unsupported(message: impl Into<String>) -> CopyError {
    CopyError {
        code: "0A000",
        message: message.into(),
    }
}

#[derive(Debug, Clone, PartialEq)]
enum Tok {
    /// An unquoted word: (as written, lowercased).
    Word(String, String),
    /// A double-quoted identifier, as written (quotes included).
    QuotedIdent(String),
    /// A string literal's value.
    Str(String),
    /// A number, as written.
    Number(String),
    /// A punctuation character.
    Punct(char),
}

fn skip_space_and_comments(s: &[u8], mut i: usize) -> usize {
    loop {
        while i < s.len() && s[i].is_ascii_whitespace() {
            i += 1;
        }
        if s[i..].starts_with(b"--") {
            while i < s.len() && s[i] != b'\n' {
                i += 1;
            }
        } else if s[i..].starts_with(b"/*") {
            let mut depth = 0usize;
            while i < s.len() {
                if s[i..].starts_with(b"/*") {
                    depth += 1;
                    i += 2;
                } else if s[i..].starts_with(b"*/") {
                    depth -= 1;
                    i += 2;
                    if depth == 0 {
                        break;
                    }
                } else {
                    i += 1;
                }
            }
        } else {
            return i;
        }
    }
}

/// Whether `sql` is a COPY statement (its first keyword is COPY).
pub fn is_copy(sql: &str) -> bool {
    let s = sql.as_bytes();
    let i = skip_space_and_comments(s, 0);
    s.len() >= i + 4
        && s[i..i + 4].eq_ignore_ascii_case(b"copy")
        && s.get(i + 4)
            .is_none_or(|c| !(c.is_ascii_alphanumeric() || *c == b'_'))
}

struct Lexer<'a> {
    src: &'a str,
    pos: usize,
}

impl<'a> Lexer<'a> {
    fn new(src: &'a str) -> Self {
        Lexer { src, pos: 0 }
    }

    fn rest_at(&mut self) -> usize {
        self.pos = skip_space_and_comments(self.src.as_bytes(), self.pos);
        self.pos
    }

    fn next(&mut self) -> Result<Option<Tok>, CopyError> {
        let s = self.src.as_bytes();
        let start = self.rest_at();
        let Some(&c) = s.get(start) else {
            return Ok(None);
        };
        if c.is_ascii_alphabetic() || c == b'_' || c >= 0x80 {
            // E'...' escape strings.
            if (c == b'e' || c == b'E') && s.get(start + 1) == Some(&b'\'') {
                self.pos = start + 1;
                return self.string(true).map(Some);
            }
            let mut end = start;
            while end < s.len()
                && (s[end].is_ascii_alphanumeric()
                    || s[end] == b'_'
                    || s[end] == b'$'
                    || s[end] >= 0x80)
            {
                end += 1;
            }
            self.pos = end;
            let word = &self.src[start..end];
            return Ok(Some(Tok::Word(word.to_owned(), word.to_lowercase())));
        }
        if c.is_ascii_digit() || (c == b'-' && s.get(start + 1).is_some_and(u8::is_ascii_digit)) {
            let mut end = start + 1;
            while end < s.len() && (s[end].is_ascii_alphanumeric() || s[end] == b'.') {
                end += 1;
            }
            self.pos = end;
            return Ok(Some(Tok::Number(self.src[start..end].to_owned())));
        }
        match c {
            b'\'' => self.string(false).map(Some),
            b'"' => {
                let mut end = start + 1;
                loop {
                    match s.get(end) {
                        None => return Err(syntax("unterminated quoted identifier")),
                        Some(b'"') if s.get(end + 1) == Some(&b'"') => end += 2,
                        Some(b'"') => break,
                        Some(_) => end += 1,
                    }
                }
                self.pos = end + 1;
                Ok(Some(Tok::QuotedIdent(self.src[start..=end].to_owned())))
            }
            _ => {
                let ch = self.src[start..].chars().next().unwrap_or(' ');
                self.pos = start + ch.len_utf8();
                Ok(Some(Tok::Punct(ch)))
            }
        }
    }

    /// A string literal starting at `self.pos` (the opening quote).
    fn string(&mut self, escapes: bool) -> Result<Tok, CopyError> {
        let s = self.src.as_bytes();
        let mut i = self.pos + 1;
        let mut out = Vec::new();
        loop {
            match s.get(i) {
                None => return Err(syntax("unterminated quoted string")),
                Some(b'\'') if s.get(i + 1) == Some(&b'\'') => {
                    out.push(b'\'');
                    i += 2;
                }
                Some(b'\'') => break,
                Some(b'\\') if escapes => {
                    let Some(&n) = s.get(i + 1) else {
                        return Err(syntax("unterminated quoted string"));
                    };
                    out.push(match n {
                        b'n' => b'\n',
                        b't' => b'\t',
                        b'r' => b'\r',
                        b'b' => 8,
                        b'f' => 12,
                        other => other,
                    });
                    i += 2;
                }
                Some(&b) => {
                    out.push(b);
                    i += 1;
                }
            }
        }
        self.pos = i + 1;
        String::from_utf8(out)
            .map(Tok::Str)
            .map_err(|_| syntax("invalid string literal"))
    }

    /// The raw text of a parenthesised query whose `(` was just read, up to
    /// the matching `)` (consumed).
    fn balanced(&mut self) -> Result<String, CopyError> {
        let start = self.pos;
        let mut depth = 1usize;
        loop {
            let before = self.pos;
            match self.next()? {
                None => return Err(syntax("syntax error at end of input")),
                Some(Tok::Punct('(')) => depth += 1,
                Some(Tok::Punct(')')) => {
                    depth -= 1;
                    if depth == 0 {
                        return Ok(self.src[start..before].trim().to_owned());
                    }
                }
                Some(_) => {}
            }
        }
    }
}

fn ident_text(tok: Tok) -> Result<String, CopyError> {
    match tok {
        Tok::Word(raw, _) | Tok::QuotedIdent(raw) => Ok(raw),
        other => Err(syntax(format!("syntax error at or near {other:?}"))),
    }
}

fn single_byte(name: &str, value: &str) -> Result<u8, CopyError> {
    match value.as_bytes() {
        [b] if b.is_ascii() => Ok(*b),
        _ => Err(CopyError {
            code: "0A000",
            message: format!("COPY {name} must be a single one-byte character"),
        }),
    }
}

fn bool_option(name: &str, value: Option<&str>) -> Result<bool, CopyError> {
    match value.map(str::to_lowercase).as_deref() {
        None | Some("true" | "on" | "1" | "yes") => Ok(true),
        Some("false" | "off" | "0" | "no") => Ok(false),
        Some(other) => Err(CopyError {
            code: "22023",
            message: format!("{name} requires a Boolean value, not \"{other}\""),
        }),
    }
}

#[derive(Default)]
struct RawOptions {
    format: Option<String>,
    delimiter: Option<String>,
    null: Option<String>,
    header: Option<bool>,
    quote: Option<String>,
    escape: Option<String>,
}

impl RawOptions {
    fn apply(&mut self, name: &str, value: Option<String>) -> Result<(), CopyError> {
        let need =
            |v: Option<String>| v.ok_or_else(|| syntax(format!("{name} requires a parameter")));
        match name {
            "format" => self.format = Some(need(value)?.to_lowercase()),
            "freeze" => {
                bool_option("freeze", value.as_deref())?;
            }
            "delimiter" => self.delimiter = Some(need(value)?),
            "null" => self.null = Some(need(value)?),
            "header" => {
                self.header = Some(match value.as_deref().map(str::to_lowercase).as_deref() {
                    Some("match") => true,
                    _ => bool_option("header", value.as_deref())?,
                })
            }
            "quote" => self.quote = Some(need(value)?),
            "escape" => self.escape = Some(need(value)?),
            "encoding" => {
                let enc = need(value)?.to_uppercase().replace(['-', '_'], "");
                if enc != "UTF8" && enc != "UNICODE" && enc != "SQLASCII" {
                    return Err(unsupported(format!(
                        "COPY encoding {enc} is not supported; only UTF8"
                    )));
                }
            }
            "force_quote" | "force_not_null" | "force_null" => {
                return Err(unsupported(format!("COPY option {name} is not supported")))
            }
            other => {
                return Err(syntax(format!("option \"{other}\" not recognized")));
            }
        }
        Ok(())
    }

    fn finish(self) -> Result<CopyOptions, CopyError> {
        let format = match self.format.as_deref() {
            None | Some("text") => CopyFormat::Text,
            Some("csv") => CopyFormat::Csv,
            Some("binary") => CopyFormat::Binary,
            Some(other) => {
                return Err(CopyError {
                    code: "22023",
                    message: format!("COPY format \"{other}\" not recognized"),
                })
            }
        };
        if format == CopyFormat::Binary {
            for (set, what) in [
                (self.delimiter.is_some(), "DELIMITER"),
                (self.null.is_some(), "NULL"),
                (self.header.is_some(), "HEADER"),
            ] {
                if set {
                    return Err(syntax(format!("cannot specify {what} in BINARY mode")));
                }
            }
        }
        let csv = format == CopyFormat::Csv;
        let delimiter = match &self.delimiter {
            Some(d) => single_byte("delimiter", d)?,
            None if csv => b',',
            None => b'\t',
        };
        if delimiter == b'\r' || delimiter == b'\n' || (!csv && delimiter == b'\\') {
            return Err(unsupported(
                "COPY delimiter cannot be newline, carriage return or backslash",
            ));
        }
        if !csv && (self.quote.is_some() || self.escape.is_some()) {
            return Err(unsupported(
                "COPY quote and escape are available only in CSV mode",
            ));
        }
        let quote = match &self.quote {
            Some(q) => single_byte("quote", q)?,
            None => b'"',
        };
        let escape = match &self.escape {
            Some(e) => single_byte("escape", e)?,
            None => quote,
        };
        let null = self
            .null
            .unwrap_or_else(|| if csv { String::new() } else { "\\N".into() });
        if null.contains(['\r', '\n']) {
            return Err(unsupported(
                "COPY null representation cannot use newline or carriage return",
            ));
        }
        Ok(CopyOptions {
            format,
            delimiter,
            null,
            header: self.header.unwrap_or(false),
            quote,
            escape,
        })
    }
}

fn option_value(lex: &mut Lexer<'_>) -> Result<Option<String>, CopyError> {
    let save = lex.pos;
    match lex.next()? {
        Some(Tok::Str(s)) => Ok(Some(s)),
        Some(Tok::Word(raw, _)) => Ok(Some(raw)),
        Some(Tok::Number(n)) => Ok(Some(n)),
        Some(Tok::Punct('(')) => {
            lex.balanced()?;
            Ok(Some(String::new()))
        }
        _ => {
            lex.pos = save;
            Ok(None)
        }
    }
}

/// Parses a COPY statement (a trailing `;` is allowed).
pub fn parse(sql: &str) -> Result<CopyCommand, CopyError> {
    let mut lex = Lexer::new(sql);
    match lex.next()? {
        Some(Tok::Word(_, w)) if w == "copy" => {}
        _ => return Err(syntax("not a COPY statement")),
    }
    let source = match lex.next()? {
        Some(Tok::Punct('(')) => Source::Query(lex.balanced()?),
        Some(tok) => {
            let mut name = ident_text(tok)?;
            let mut columns = Vec::new();
            let mut save = lex.pos;
            let mut after = lex.next()?;
            while after == Some(Tok::Punct('.')) {
                let part = lex
                    .next()?
                    .ok_or_else(|| syntax("syntax error at end of input"))?;
                name.push('.');
                name.push_str(&ident_text(part)?);
                save = lex.pos;
                after = lex.next()?;
            }
            if after == Some(Tok::Punct('(')) {
                loop {
                    let tok = lex
                        .next()?
                        .ok_or_else(|| syntax("syntax error at end of input"))?;
                    columns.push(ident_text(tok)?);
                    match lex.next()? {
                        Some(Tok::Punct(',')) => {}
                        Some(Tok::Punct(')')) => break,
                        _ => return Err(syntax("syntax error in COPY column list")),
                    }
                }
            } else {
                // Not a column list: put the token back.
                lex.pos = save;
            }
            Source::Table { name, columns }
        }
        None => return Err(syntax("syntax error at end of input")),
    };
    let direction = match lex.next()? {
        Some(Tok::Word(_, w)) if w == "from" => Direction::From,
        Some(Tok::Word(_, w)) if w == "to" => Direction::To,
        _ => return Err(syntax("syntax error in COPY: expected FROM or TO")),
    };
    if matches!(source, Source::Query(_)) && direction == Direction::From {
        return Err(syntax("COPY (query) FROM is not allowed"));
    }
    match (direction, lex.next()?) {
        (Direction::From, Some(Tok::Word(_, w))) if w == "stdin" => {}
        (Direction::To, Some(Tok::Word(_, w))) if w == "stdout" => {}
        (_, Some(Tok::Str(_))) | (_, Some(Tok::Word(..))) => {
            return Err(unsupported(
                "COPY to or from a file or program is not supported; use psql's \\copy",
            ))
        }
        _ => return Err(syntax("syntax error in COPY: expected STDIN or STDOUT")),
    }
    let mut raw = RawOptions::default();
    let mut tok = lex.next()?;
    if matches!(&tok, Some(Tok::Word(_, w)) if w == "with") {
        tok = lex.next()?;
    }
    match tok {
        Some(Tok::Punct('(')) => loop {
            let name = match lex.next()? {
                Some(Tok::Word(_, w)) => w,
                _ => return Err(syntax("syntax error in COPY option list")),
            };
            let value = option_value(&mut lex)?;
            raw.apply(&name, value)?;
            match lex.next()? {
                Some(Tok::Punct(',')) => {}
                Some(Tok::Punct(')')) => break,
                _ => return Err(syntax("syntax error in COPY option list")),
            }
        },
        mut t => {
            // Legacy keyword options.
            while let Some(Tok::Word(_, w)) = t.clone() {
                match w.as_str() {
                    "binary" => raw.apply("format", Some("binary".into()))?,
                    "csv" => raw.apply("format", Some("csv".into()))?,
                    "header" => raw.apply("header", None)?,
                    "freeze" => raw.apply("freeze", None)?,
                    "delimiter" | "null" | "quote" | "escape" | "encoding" => {
                        let mut v = lex.next()?;
                        if matches!(&v, Some(Tok::Word(_, a)) if a == "as") {
                            v = lex.next()?;
                        }
                        match v {
                            Some(Tok::Str(s)) => raw.apply(&w, Some(s))?,
                            _ => return Err(syntax(format!("{w} requires a string"))),
                        }
                    }
                    "force" => return Err(unsupported("COPY FORCE options are not supported")),
                    other => return Err(syntax(format!("syntax error at or near \"{other}\""))),
                }
                t = lex.next()?;
            }
            tok_end(t)?;
            return Ok(CopyCommand {
                source,
                direction,
                options: raw.finish()?,
            });
        }
    }
    tok_end(lex.next()?)?;
    Ok(CopyCommand {
        source,
        direction,
        options: raw.finish()?,
    })
}

fn tok_end(t: Option<Tok>) -> Result<(), CopyError> {
    match t {
        None | Some(Tok::Punct(';')) => Ok(()),
        Some(other) => Err(syntax(format!("syntax error at or near {other:?}"))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pgbench_copy() {
        let c = parse("copy pgbench_accounts from stdin with (freeze on)").unwrap();
        assert_eq!(
            c.source,
            Source::Table {
                name: "pgbench_accounts".into(),
                columns: vec![]
            }
        );
        assert_eq!(c.direction, Direction::From);
        assert_eq!(c.options.format, CopyFormat::Text);
        assert_eq!(c.options.delimiter, b'\t');
        assert_eq!(c.options.null, "\\N");
    }

    #[test]
    fn columns_and_csv() {
        let c = parse("COPY public.\"T\" (a, \"B\") FROM STDIN WITH (FORMAT csv, HEADER true, DELIMITER ';', NULL 'x');").unwrap();
        assert_eq!(
            c.source,
            Source::Table {
                name: "public.\"T\"".into(),
                columns: vec!["a".into(), "\"B\"".into()]
            }
        );
        assert_eq!(c.options.format, CopyFormat::Csv);
        assert!(c.options.header);
        assert_eq!(c.options.delimiter, b';');
        assert_eq!(c.options.null, "x");
    }

    #[test]
    fn legacy_and_query() {
        let c = parse("copy (select 1, '(x)') to stdout csv header").unwrap();
        assert_eq!(c.source, Source::Query("select 1, '(x)'".into()));
        assert_eq!(c.direction, Direction::To);
        assert!(c.options.header);
        let c = parse("COPY t TO STDOUT WITH DELIMITER AS '|' NULL AS ''").unwrap();
        assert_eq!(c.options.delimiter, b'|');
        assert_eq!(c.options.null, "");
    }

    #[test]
    fn rejects() {
        assert_eq!(
            parse("copy t from '/etc/passwd'").unwrap_err().code,
            "0A000"
        );
        assert_eq!(
            parse("copy t from stdin (format binary)")
                .unwrap()
                .options
                .format,
            CopyFormat::Binary
        );
        assert_eq!(
            parse("copy t to stdout with binary")
                .unwrap()
                .options
                .format,
            CopyFormat::Binary
        );
        assert_eq!(
            parse("copy t from stdin (format binary, null 'x')")
                .unwrap_err()
                .message,
            "cannot specify NULL in BINARY mode"
        );
        assert_eq!(
            parse("copy t from stdin (bogus 1)").unwrap_err().code,
            "42601"
        );
        assert!(is_copy("  /* x */ COPY t from stdin"));
        assert!(!is_copy("copyright"));
        assert!(!is_copy("select 1"));
    }
}
