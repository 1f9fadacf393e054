//! `CREATE TABLE t (..., LIKE source [{INCLUDING | EXCLUDING} option]...,
//! ...)`, which `sqlparser` 0.63 parses only alone and with DEFAULTS as
//! its one option.
//!
//! [`rewrite`] replaces each LIKE element of a CREATE TABLE's element list
//! with a marker column, `"__rocksgres_like_<n>" int DEFAULT
//! __rocksgres_like('<source>', '<options>')`, so the element keeps its
//! place among the columns; CREATE TABLE reads it back with [`of`] and
//! puts the source's columns there. The rewrite works on tokens, so string
//! literals and quoted identifiers are never touched.

use sqlparser::ast::{self, Expr};
use sqlparser::tokenizer::Token;

use super::word;

use crate::error::{EngineError, Result, SqlState};

/// The prefix of a marker column's name.
pub const COLUMN_MARKER: &str = "__rocksgres_like_";
/// The marker function holding the LIKE clause.
const FUNCTION_MARKER: &str = "__rocksgres_like";

/// What a LIKE element copies besides the columns, their types and NOT
/// NULL.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct LikeOptions {
    /// INCLUDING COMMENTS.
    pub comments: bool,
    /// INCLUDING COMPRESSION.
    pub compression: bool,
    /// INCLUDING CONSTRAINTS (CHECK constraints).
    pub constraints: bool,
    /// INCLUDING DEFAULTS.
    pub defaults: bool,
    /// INCLUDING GENERATED.
    pub generated: bool,
    /// INCLUDING IDENTITY.
    pub identity: bool,
    /// INCLUDING INDEXES (primary key, unique constraints, indexes).
    pub indexes: bool,
    /// INCLUDING STATISTICS (extended statistics).
    pub statistics: bool,
    /// INCLUDING STORAGE.
    pub storage: bool,
}

impl LikeOptions {
    /// Applies `{INCLUDING | EXCLUDING} name`; `false` for an unknown
    /// option name.
    fn set(&mut self, name: &str, on: bool) -> bool {
        match name {
            "comments" => self.comments = on,
            "compression" => self.compression = on,
            "constraints" => self.constraints = on,
            "defaults" => self.defaults = on,
            "generated" => self.generated = on,
            "identity" => self.identity = on,
            "indexes" => self.indexes = on,
            "statistics" => self.statistics = on,
            "storage" => self.storage = on,
            "all" => {
                *self = if on {
                    LikeOptions {
                        comments: true,
                        compression: true,
                        constraints: true,
                        defaults: true,
                        generated: true,
                        identity: true,
                        indexes: true,
                        statistics: true,
                        storage: true,
                    }
                } else {
                    LikeOptions::default()
                }
            }
            _ => return false,
        }
        true
    }
}

/// One LIKE element, read back from its marker column.
#[derive(Debug, Clone, PartialEq)]
pub struct Like {
    /// The source relation.
    pub source: ast::ObjectName,
    /// What to copy.
    pub options: LikeOptions,
}

/// Whether `sql` may hold a LIKE element (a cheap test before
/// [`rewrite`]).
pub fn may_contain(sql: &str) -> bool {
    let lower = sql.to_ascii_lowercase();
    lower.contains("like") && lower.contains("create")
}

/// The text with every LIKE element of a CREATE TABLE replaced by its
/// marker column; `None` when there is none.
pub fn rewrite(sql: &str) -> Option<String> {
    let toks = super::tokens_with_ranges(sql)?;
    let sig = super::significant(toks.iter().map(|t| &t.0));
    let t = |k: usize| &toks[sig[k]].0;
    let mut out = String::with_capacity(sql.len() + 64);
    let mut copied = 0;
    let mut n = 0;
    let mut k = 0;
    // Statement by statement: a CREATE ... TABLE ... ( element list ).
    while k < sig.len() {
        let start = k;
        while k < sig.len() && *t(k) != Token::SemiColon {
            k += 1;
        }
        let end = k;
        k += 1;
        if !word(t(start), "create") {
            continue;
        }
        let Some(table) = (start..end).find(|&j| word(t(j), "table")) else {
            continue;
        };
        // The list must follow the table's name right away.
        let Some(open) = (table..end).find(|&j| !matches!(t(j), Token::Word(_) | Token::Period))
        else {
            continue;
        };
        if *t(open) != Token::LParen {
            continue;
        }
        // Elements at depth 1 of the list opened at `open`.
        let mut depth = 0;
        let mut element_start = open + 1;
        for j in open..end {
            match t(j) {
                Token::LParen => depth += 1,
                Token::RParen | Token::Comma if depth == 1 => {
                    if word(t(element_start), "like") && j > element_start + 1 {
                        let (source, options) = like_parts(&toks, &sig, element_start + 1, j, sql);
                        n += 1;
                        out.push_str(&sql[copied..toks[sig[element_start]].1.start]);
                        out.push_str(&format!(
                            "\"{COLUMN_MARKER}{n}\" int DEFAULT {FUNCTION_MARKER}('{}', '{}')",
                            source.replace('\'', "''"),
                            options.replace('\'', "''")
                        ));
                        copied = toks[sig[j - 1]].1.end;
                    }
                    if *t(j) == Token::RParen {
                        break;
                    }
                    element_start = j + 1;
                }
                Token::RParen => depth -= 1,
                _ => {}
            }
        }
    }
    if n == 0 {
        return None;
    }
    out.push_str(&sql[copied..]);
    Some(out)
}

/// The source name's text and the options' text (lower-cased words) of
/// the LIKE element whose tokens after LIKE are `sig[from..to]`.
fn like_parts(
    toks: &[(Token, std::ops::Range<usize>)],
    sig: &[usize],
    from: usize,
    to: usize,
    sql: &str,
) -> (String, String) {
    let mut j = from;
    while j < to && !word(&toks[sig[j]].0, "including") && !word(&toks[sig[j]].0, "excluding") {
        j += 1;
    }
    let source = sql[toks[sig[from]].1.start..toks[sig[j - 1]].1.end].to_string();
    let options: Vec<String> = sig[j..to]
        .iter()
        .map(|&i| match &toks[i].0 {
            Token::Word(w) if w.quote_style.is_none() => w.value.to_ascii_lowercase(),
            other => other.to_string(),
        })
        .collect();
    (source, options.join(" "))
}

fn syntax_error(near: &str) -> EngineError {
    EngineError::new(
        SqlState::SyntaxError,
        format!("syntax error at or near \"{near}\""),
    )
}

/// The LIKE element a column definition stands for, if it is a marker
/// column.
pub fn of(c: &ast::ColumnDef) -> Result<Option<Like>> {
    if !c.name.value.starts_with(COLUMN_MARKER) {
        return Ok(None);
    }
    let Some(ast::ColumnOptionDef {
        option: ast::ColumnOption::Default(Expr::Function(f)),
        ..
    }) = c.options.first()
    else {
        return Ok(None);
    };
    let ast::FunctionArguments::List(list) = &f.args else {
        return Ok(None);
    };
    let texts: Vec<&str> = list
        .args
        .iter()
        .filter_map(|a| match a {
            ast::FunctionArg::Unnamed(ast::FunctionArgExpr::Expr(Expr::Value(v))) => {
                match &v.value {
                    ast::Value::SingleQuotedString(s) => Some(s.as_str()),
                    _ => None,
                }
            }
            _ => None,
        })
        .collect();
    let [source, options] = texts.as_slice() else {
        return Ok(None);
    };
    let source = super::parse_object_name(source)?;
    let mut parsed = LikeOptions::default();
    let words: Vec<&str> = options.split_whitespace().collect();
    for pair in words.chunks(2) {
        let on = match pair[0] {
            "including" => true,
            "excluding" => false,
            other => return Err(syntax_error(other)),
        };
        let Some(name) = pair.get(1) else {
            return Err(EngineError::new(
                SqlState::SyntaxError,
                "syntax error at end of input",
            ));
        };
        if !parsed.set(name, on) {
            return Err(syntax_error(name));
        }
    }
    Ok(Some(Like {
        source,
        options: parsed,
    }))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rewrites_like_elements() {
        let text = rewrite(
            "create table n (a int, like \"S\".o including all excluding indexes, b text default 'like x,')",
        )
        .unwrap();
        assert_eq!(
            text,
            "create table n (a int, \"__rocksgres_like_1\" int DEFAULT \
             __rocksgres_like('\"S\".o', 'including all excluding indexes'), \
             b text default 'like x,')"
        );
        assert_eq!(rewrite("select 'create table t (like x)'"), None);
    }
}
