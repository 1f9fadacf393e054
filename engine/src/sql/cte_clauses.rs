//! The `SEARCH` and `CYCLE` clauses of `WITH RECURSIVE` items, which
//! `sqlparser` does not parse: a statement that fails to parse and has
//! one after a CTE's closing parenthesis is refused with 0A000 naming the
//! clause instead of a syntax error.

use crate::error::{EngineError, SqlState};

/// `e` (the parse error of `sql`), or 0A000 when `sql` uses a `SEARCH`
/// or `CYCLE` clause.
pub fn refine(sql: &str, e: EngineError) -> EngineError {
    if e.state != SqlState::SyntaxError {
        return e;
    }
    let words: Vec<String> = sql
        .replace(')', " ) ")
        .split_whitespace()
        .map(str::to_ascii_lowercase)
        .collect();
    if !words.iter().any(|w| w == "recursive") {
        return e;
    }
    for w in words.windows(3) {
        if w[0] != ")" {
            continue;
        }
        if w[1] == "search" && (w[2] == "depth" || w[2] == "breadth") {
            return EngineError::unsupported("the SEARCH clause of WITH RECURSIVE");
        }
        if w[1] == "cycle" {
            return EngineError::unsupported("the CYCLE clause of WITH RECURSIVE");
        }
    }
    e
}
