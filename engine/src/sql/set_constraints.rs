//! `SET CONSTRAINTS { ALL | name [, ...] } { DEFERRED | IMMEDIATE }`, which
//! `sqlparser` 0.63 does not parse.
//!
//! [`parse`] reads one statement's text (the caller splits a query string
//! at its top-level semicolons); names may be schema-qualified and quoted
//! as anywhere else. What the statement does is
//! [`crate::exec::deferred_fks`]'s.

use sqlparser::ast::{Ident, ObjectName, ObjectNamePart};
use sqlparser::dialect::PostgreSqlDialect;
use sqlparser::tokenizer::{Token, Tokenizer};

use crate::error::{EngineError, Result, SqlState};

/// A parsed `SET CONSTRAINTS`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SetConstraints {
    /// The constraints named; `None` for ALL.
    pub names: Option<Vec<ObjectName>>,
    /// DEFERRED (else IMMEDIATE).
    pub deferred: bool,
}

/// Whether a statement of `sql` (one or several) is a `SET CONSTRAINTS`,
/// the cheap test first.
pub fn may_contain(sql: &str) -> bool {
    if !sql.to_ascii_lowercase().contains("constraints") {
        return false;
    }
    let Ok(all) = Tokenizer::new(&PostgreSqlDialect {}, sql).tokenize() else {
        return false;
    };
    all.split(|t| *t == Token::SemiColon).any(|stmt| {
        let mut words = stmt.iter().filter(|t| !matches!(t, Token::Whitespace(_)));
        is_word(words.next(), "set") && is_word(words.next(), "constraints")
    })
}

fn is_word(t: Option<&Token>, w: &str) -> bool {
    matches!(t, Some(Token::Word(x)) if x.quote_style.is_none() && x.value.eq_ignore_ascii_case(w))
}

fn syntax_error(near: Option<&Token>) -> EngineError {
    let msg = match near {
        Some(t) => format!("syntax error at or near \"{t}\""),
        None => "syntax error at end of input".to_string(),
    };
    EngineError::new(SqlState::SyntaxError, msg)
}

/// The statement `sql` as a `SET CONSTRAINTS`; `None` when it is another
/// statement.
pub fn parse(sql: &str) -> Result<Option<SetConstraints>> {
    let Ok(all) = Tokenizer::new(&PostgreSqlDialect {}, sql).tokenize() else {
        return Ok(None);
    };
    let toks: Vec<Token> = all
        .into_iter()
        .filter(|t| !matches!(t, Token::Whitespace(_) | Token::SemiColon))
        .collect();
    if !(is_word(toks.first(), "set") && is_word(toks.get(1), "constraints")) {
        return Ok(None);
    }
    let mut i = 2;
    let names = if is_word(toks.get(i), "all") {
        i += 1;
        None
    } else {
        let mut names = Vec::new();
        loop {
            let mut parts = Vec::new();
            loop {
                match toks.get(i) {
                    Some(Token::Word(w)) => {
                        parts.push(ObjectNamePart::Identifier(match w.quote_style {
                            Some(q) => Ident::with_quote(q, w.value.clone()),
                            None => Ident::new(w.value.clone()),
                        }))
                    }
                    other => return Err(syntax_error(other)),
                }
                i += 1;
                if toks.get(i) != Some(&Token::Period) {
                    break;
                }
                i += 1;
            }
            names.push(ObjectName(parts));
            if toks.get(i) != Some(&Token::Comma) {
                break;
            }
            i += 1;
        }
        Some(names)
    };
    let deferred = if is_word(toks.get(i), "deferred") {
        true
    } else if is_word(toks.get(i), "immediate") {
        false
    } else {
        return Err(syntax_error(toks.get(i)));
    };
    if let Some(t) = toks.get(i + 1) {
        return Err(syntax_error(Some(t)));
    }
    Ok(Some(SetConstraints { names, deferred }))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_all_and_names() {
        let all = parse("set constraints ALL deferred").unwrap().unwrap();
        assert_eq!(all.names, None);
        assert!(all.deferred);
        let named = parse("SET CONSTRAINTS a, s.\"B\" IMMEDIATE;")
            .unwrap()
            .unwrap();
        assert!(!named.deferred);
        let names: Vec<String> = named
            .names
            .unwrap()
            .iter()
            .map(ToString::to_string)
            .collect();
        assert_eq!(names, ["a", "s.\"B\""]);
    }

    #[test]
    fn finds_the_statement_among_others() {
        assert!(may_contain("BEGIN; set  constraints all immediate; COMMIT"));
        assert!(!may_contain(
            "SELECT * FROM information_schema.table_constraints"
        ));
        assert!(!may_contain("SELECT 'set constraints'"));
    }

    #[test]
    fn other_statements_and_errors() {
        assert_eq!(parse("SET search_path = x").unwrap(), None);
        assert_eq!(parse("SELECT 1").unwrap(), None);
        for bad in [
            "SET CONSTRAINTS ALL",
            "SET CONSTRAINTS a b",
            "SET CONSTRAINTS ALL DEFERRED x",
            "SET CONSTRAINTS , DEFERRED",
        ] {
            let e = parse(bad).unwrap_err();
            assert_eq!(e.code(), SqlState::SyntaxError.code(), "{bad}");
        }
    }
}
