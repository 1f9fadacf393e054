//! The POSIX regular-expression operators `~`, `~*`, `!~` and `!~*`.
//!
//! Patterns are compiled with the `regex` crate, whose syntax covers what
//! clients send in practice (psql's `\d` patterns are anchored
//! `^(name.*)$` forms). Compiled patterns are kept in a small per-thread
//! cache, so a pattern compared against every row of a scan is compiled
//! once; the cache is emptied when it reaches [`CACHE_LIMIT`] entries, so
//! it stays bounded.

use std::cell::RefCell;
use std::collections::HashMap;

use regex::{Regex, RegexBuilder};

use super::ops::BinaryOp;
use super::value::Value;
use crate::error::{EngineError, Result, SqlState};

/// Most compiled patterns kept per thread.
pub const CACHE_LIMIT: usize = 64;

thread_local! {
    static CACHE: RefCell<HashMap<(String, bool), Regex>> = RefCell::new(HashMap::new());
}

/// Whether `text` matches `pattern` (unanchored, as in PostgreSQL).
pub fn is_match(text: &str, pattern: &str, case_insensitive: bool) -> Result<bool> {
    CACHE.with(|cache| {
        let mut cache = cache.borrow_mut();
        let key = (pattern.to_owned(), case_insensitive);
        if let Some(re) = cache.get(&key) {
            return Ok(re.is_match(text));
        }
        let re = RegexBuilder::new(pattern)
            .case_insensitive(case_insensitive)
            .build()
            .map_err(|e| {
                EngineError::new(
                    SqlState::InvalidRegularExpression,
                    format!("invalid regular expression: {}", first_line(&e.to_string())),
                )
            })?;
        let hit = re.is_match(text);
        if cache.len() >= CACHE_LIMIT {
            cache.clear();
        }
        cache.insert(key, re);
        Ok(hit)
    })
}

fn first_line(s: &str) -> &str {
    s.lines().last().unwrap_or(s).trim_start_matches("error: ")
}

/// Evaluates a regular-expression operator over two text values.
pub fn eval(op: BinaryOp, l: &Value, r: &Value) -> Result<Value> {
    let (Value::Text(text), Value::Text(pattern)) = (l, r) else {
        return Ok(Value::Null);
    };
    let ci = matches!(op, BinaryOp::RegexIMatch | BinaryOp::NotRegexIMatch);
    let negated = matches!(op, BinaryOp::NotRegexMatch | BinaryOp::NotRegexIMatch);
    Ok(Value::Bool(is_match(text, pattern, ci)? != negated))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn matches_like_postgres() {
        assert!(is_match("pgbench_accounts", "^(pgbench_accounts)$", false).unwrap());
        assert!(!is_match("pgbench_accounts", "^(pgbench_a)$", false).unwrap());
        assert!(is_match("pg_toast_99", "^pg_toast", false).unwrap());
        assert!(is_match("ABC", "b", true).unwrap());
        assert!(!is_match("ABC", "b", false).unwrap());
        let err = is_match("x", "(", false).unwrap_err();
        assert_eq!(err.state, SqlState::InvalidRegularExpression);
    }
}
