//! Identifiers longer than PostgreSQL's `NAMEDATALEN - 1` (63) bytes.
//!
//! PostgreSQL's lexer truncates every such identifier (after down-casing
//! an unquoted one) to 63 bytes, on a character boundary, with NOTICE 42622
//! `identifier "..." will be truncated to "..."`. [`truncate`] does the
//! same to a query string before it is parsed: [`may_need`] is a cheap
//! byte scan that rules out almost every text, and only a text it lets
//! through is tokenized and rewritten.
//!
//! It also holds the two rules every layer needs for names: [`ident_name`]
//! (how a parsed identifier folds: unquoted to lower case, quoted as
//! written) and [`quote_ident`] (when an identifier must be quoted to be
//! read back as itself). They live here, at the bottom, so the catalog,
//! `pg_catalog` and the planner share one copy.

use sqlparser::ast;
use sqlparser::tokenizer::Token;

/// Normalizes an identifier as PostgreSQL does: unquoted names fold to
/// lower case, quoted ones are kept.
pub fn ident_name(ident: &ast::Ident) -> String {
    if ident.quote_style.is_some() {
        ident.value.clone()
    } else {
        ident.value.to_lowercase()
    }
}

/// Quotes an identifier when PostgreSQL would (`quote_ident`).
pub fn quote_ident(name: &str) -> String {
    let plain = name
        .chars()
        .next()
        .is_some_and(|c| c.is_ascii_lowercase() || c == '_')
        && name
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_');
    if plain {
        name.to_string()
    } else {
        format!("\"{}\"", name.replace('"', "\"\""))
    }
}

/// An identifier for `name`, quoted only where PostgreSQL would.
pub fn ident(name: &str) -> ast::Ident {
    if quote_ident(name) == name {
        ast::Ident::new(name)
    } else {
        ast::Ident::with_quote('"', name)
    }
}

/// The longest identifier, in bytes (PostgreSQL's `NAMEDATALEN - 1`).
pub const MAX_IDENTIFIER: usize = 63;

/// `s` cut to at most [`MAX_IDENTIFIER`] bytes on a character boundary.
pub fn clip(s: &str) -> &str {
    if s.len() <= MAX_IDENTIFIER {
        return s;
    }
    let mut end = MAX_IDENTIFIER;
    while !s.is_char_boundary(end) {
        end -= 1;
    }
    &s[..end]
}

/// Whether `sql` may hold an identifier longer than [`MAX_IDENTIFIER`]:
/// a run of more than 63 identifier bytes, or two double quotes more than
/// 64 bytes apart.
pub fn may_need(sql: &str) -> bool {
    if sql.len() <= MAX_IDENTIFIER {
        return false;
    }
    let mut run = 0;
    let mut last_quote: Option<usize> = None;
    for (i, &b) in sql.as_bytes().iter().enumerate() {
        if b.is_ascii_alphanumeric() || b == b'_' || b == b'$' || b >= 0x80 {
            run += 1;
            if run > MAX_IDENTIFIER {
                return true;
            }
        } else {
            run = 0;
        }
        if b == b'"' {
            if last_quote.is_some_and(|q| i - q > MAX_IDENTIFIER + 1) {
                return true;
            }
            last_quote = Some(i);
        }
    }
    false
}

/// The text with its long identifiers truncated, and the notices
/// PostgreSQL gives for them; `None` when nothing needs truncating (or the
/// text does not tokenize: the parser reports that).
pub fn truncate(sql: &str) -> Option<(String, Vec<String>)> {
    if !may_need(sql) {
        return None;
    }
    let toks = super::tokens_with_ranges(sql)?;
    let mut notices = Vec::new();
    let mut out = String::with_capacity(sql.len());
    let mut copied = 0;
    for (t, range) in &toks {
        let Token::Word(w) = t else { continue };
        if w.value.len() <= MAX_IDENTIFIER {
            continue;
        }
        let (full, quoted) = match w.quote_style {
            None => (w.value.to_ascii_lowercase(), false),
            Some('"') => (w.value.clone(), true),
            Some(_) => continue,
        };
        let short = clip(&full);
        notices.push(format!(
            "identifier \"{full}\" will be truncated to \"{short}\""
        ));
        out.push_str(&sql[copied..range.start]);
        if quoted {
            out.push('"');
            out.push_str(&short.replace('"', "\"\""));
            out.push('"');
        } else {
            out.push_str(short);
        }
        copied = range.end;
    }
    if notices.is_empty() {
        return None;
    }
    out.push_str(&sql[copied..]);
    Some((out, notices))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn truncates_long_identifiers() {
        let long = "A".repeat(70);
        let (text, notices) =
            truncate(&format!("create table {long} (\"{long}\" int) -- 'it''s'")).unwrap();
        let a = "a".repeat(63);
        let big = "A".repeat(63);
        assert_eq!(text, format!("create table {a} (\"{big}\" int) -- 'it''s'"));
        assert_eq!(
            notices[0],
            format!(
                "identifier \"{}\" will be truncated to \"{a}\"",
                "a".repeat(70)
            )
        );
        assert_eq!(notices.len(), 2);
        assert!(truncate(&format!("select '{long}'")).is_none());
        assert_eq!(clip(&"é".repeat(40)).len(), 62);
    }
}
