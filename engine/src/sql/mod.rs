//! SQL text -> statements.
//!
//! Parsing uses `sqlparser`'s PostgreSQL dialect. A few utility statements
//! that clients send but the parser rejects or that need no planning
//! (VACUUM, ANALYZE, CHECKPOINT) are recognised by their first keyword before
//! the parser runs. Parse errors become SQLSTATE 42601.

use sqlparser::ast::{Expr, Statement};
use sqlparser::dialect::PostgreSqlDialect;
use sqlparser::parser::Parser;

use crate::error::{EngineError, Result, SqlState};

/// One statement of a query string.
#[derive(Debug, Clone)]
pub enum Parsed {
    /// A statement for the planner.
    Statement(Box<Statement>),
    /// A maintenance command that is accepted and does nothing here
    /// (the command tag to report).
    Utility(&'static str),
}

fn first_keyword(sql: &str) -> String {
    sql.trim_start()
        .split(|c: char| !c.is_ascii_alphabetic())
        .next()
        .unwrap_or("")
        .to_ascii_uppercase()
}

fn syntax_error(e: sqlparser::parser::ParserError) -> EngineError {
    let msg = match e {
        sqlparser::parser::ParserError::ParserError(m)
        | sqlparser::parser::ParserError::TokenizerError(m) => m,
        sqlparser::parser::ParserError::RecursionLimitExceeded => {
            "statement is too deeply nested".into()
        }
    };
    EngineError::new(SqlState::SyntaxError, format!("syntax error: {msg}"))
}

/// Parses a query string holding zero or more `;`-separated statements.
pub fn parse(sql: &str) -> Result<Vec<Parsed>> {
    match first_keyword(sql).as_str() {
        "VACUUM" => return Ok(vec![Parsed::Utility("VACUUM")]),
        "ANALYZE" | "ANALYSE" => return Ok(vec![Parsed::Utility("ANALYZE")]),
        "CHECKPOINT" => return Ok(vec![Parsed::Utility("CHECKPOINT")]),
        _ => {}
    }
    let statements = Parser::parse_sql(&PostgreSqlDialect {}, sql).map_err(syntax_error)?;
    Ok(statements
        .into_iter()
        .map(|s| Parsed::Statement(Box::new(s)))
        .collect())
}

/// Parses one scalar expression (stored DEFAULT expressions).
pub fn parse_expr(sql: &str) -> Result<Expr> {
    Parser::new(&PostgreSqlDialect {})
        .try_with_sql(sql)
        .and_then(|mut p| p.parse_expr())
        .map_err(syntax_error)
}
