//! `INSERT ... OVERRIDING { SYSTEM | USER } VALUE`, which `sqlparser` 0.63
//! does not parse.
//!
//! [`strip`] removes the clause from the text (recording which statement
//! had it), and [`mark`] records it in the parsed INSERT as a setting
//! named [`MARKER`] (an INSERT field PostgreSQL's grammar never fills), which
//! the planner reads back with [`of`].

use sqlparser::ast::{self, Statement};
use sqlparser::dialect::PostgreSqlDialect;
use sqlparser::tokenizer::{Token, Tokenizer};

use super::word;

use super::Parsed;
use crate::error::{EngineError, Result, SqlState};

/// The setting name that carries the clause through the parser.
pub const MARKER: &str = "__rocksgres_overriding";

/// Which values an INSERT's OVERRIDING clause overrides.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Overriding {
    /// `OVERRIDING SYSTEM VALUE`: the given values win over GENERATED
    /// ALWAYS.
    System,
    /// `OVERRIDING USER VALUE`: identity columns take their sequence's
    /// value whatever is given.
    User,
}

/// Where the OVERRIDING clauses were: (statement index, kind).
pub type Marks = Vec<(usize, Overriding)>;

/// The text without its OVERRIDING clauses, and for each one the index
/// of its statement and its kind; `None` when there is none.
pub fn strip(sql: &str) -> Result<Option<(String, Marks)>> {
    let Ok(toks) = Tokenizer::new(&PostgreSqlDialect {}, sql).tokenize() else {
        return Ok(None);
    };
    let sig = super::significant(toks.iter());
    let mut drop = vec![false; toks.len()];
    let mut marks = Vec::new();
    let mut statement = 0;
    let mut is_insert = false;
    let mut first = true;
    for (k, &i) in sig.iter().enumerate() {
        if toks[i] == Token::SemiColon {
            statement += 1;
            first = true;
            is_insert = false;
            continue;
        }
        if first {
            first = false;
            is_insert = word(&toks[i], "insert") || word(&toks[i], "with");
        }
        if !is_insert || !word(&toks[i], "overriding") {
            continue;
        }
        let (Some(&kind), Some(&value)) = (sig.get(k + 1), sig.get(k + 2)) else {
            continue;
        };
        let kind = if word(&toks[kind], "system") {
            Overriding::System
        } else if word(&toks[kind], "user") {
            Overriding::User
        } else {
            continue;
        };
        if !word(&toks[value], "value") {
            continue;
        }
        for &j in &sig[k..k + 3] {
            drop[j] = true;
        }
        marks.push((statement, kind));
    }
    if marks.is_empty() {
        return Ok(None);
    }
    let text = toks
        .iter()
        .enumerate()
        .filter(|(i, _)| !drop[*i])
        .map(|(_, t)| t.to_string())
        .collect();
    Ok(Some((text, marks)))
}

/// Records each clause of `marks` in its parsed INSERT.
pub fn mark(parsed: &mut [Parsed], marks: &[(usize, Overriding)]) -> Result<()> {
    for &(i, kind) in marks {
        let Some(Parsed::Statement(stmt)) = parsed.get_mut(i) else {
            return Err(misplaced());
        };
        let Statement::Insert(ins) = stmt.as_mut() else {
            return Err(misplaced());
        };
        if ins.settings.is_some() {
            return Err(misplaced());
        }
        let name = match kind {
            Overriding::System => "system",
            Overriding::User => "user",
        };
        ins.settings = Some(vec![ast::Setting {
            key: ast::Ident::new(MARKER),
            value: ast::Expr::Value(ast::Value::SingleQuotedString(name.into()).into()),
        }]);
    }
    Ok(())
}

fn misplaced() -> EngineError {
    EngineError::new(
        SqlState::SyntaxError,
        "syntax error at or near \"OVERRIDING\"",
    )
}

/// The OVERRIDING clause of a parsed INSERT; 0A000 for any other
/// setting (a clause of other SQL dialects).
pub fn of(ins: &ast::Insert) -> Result<Option<Overriding>> {
    let Some(settings) = &ins.settings else {
        return Ok(None);
    };
    match settings.as_slice() {
        [s] if s.key.value == MARKER => Ok(Some(if s.value.to_string() == "'user'" {
            Overriding::User
        } else {
            Overriding::System
        })),
        _ => Err(EngineError::unsupported("INSERT ... SETTINGS")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn strips_and_marks() {
        let (text, marks) = strip("select 1; insert into t (a) overriding system value values (1)")
            .unwrap()
            .unwrap();
        assert_eq!(marks, vec![(1, Overriding::System)]);
        assert!(!text.to_ascii_lowercase().contains("overriding"));
        let mut parsed =
            crate::sql::parse("select 1; insert into t (a) overriding user value select 2")
                .unwrap();
        let Parsed::Statement(s) = &mut parsed[1] else {
            panic!()
        };
        let Statement::Insert(ins) = s.as_ref() else {
            panic!()
        };
        assert_eq!(of(ins).unwrap(), Some(Overriding::User));
        assert!(strip("select 'overriding system value'").unwrap().is_none());
    }
}
