//! How values and errors are written in `.slt` files.

use std::fmt;

/// How SQL `NULL` is written in expected results.
pub const NULL: &str = "NULL";

/// How the empty string is written in expected results (sqllogictest-rs'
/// convention for PostgreSQL-compatible engines).
pub const EMPTY_STRING: &str = "(empty)";

/// Renders one result value, given as PostgreSQL's text output (`None` for
/// SQL `NULL`), the way `.slt` files expect it: `NULL`, `(empty)`, or the text
/// itself.
pub fn render_value(value: Option<&str>) -> String {
    match value {
        None => NULL.to_string(),
        Some("") => EMPTY_STRING.to_string(),
        Some(text) => text.to_string(),
    }
}

/// An error from a database under test: a SQLSTATE (when the database gave
/// one) and a message. Displays as `[SQLSTATE] message`, the text that
/// `statement error <regex>` is matched against.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SqlError {
    sqlstate: Option<String>,
    message: String,
}

impl SqlError {
    /// An error with a five-character SQLSTATE such as `23505`.
    pub fn new(sqlstate: impl Into<String>, message: impl Into<String>) -> Self {
        Self {
            sqlstate: Some(sqlstate.into()),
            message: message.into(),
        }
    }

    /// An error without a SQLSTATE (a lost connection, a client-side
    /// failure). It displays as the bare message.
    pub fn without_sqlstate(message: impl Into<String>) -> Self {
        Self {
            sqlstate: None,
            message: message.into(),
        }
    }

    /// The SQLSTATE, if any.
    pub fn sqlstate(&self) -> Option<&str> {
        self.sqlstate.as_deref()
    }

    /// The primary message, without the SQLSTATE.
    pub fn message(&self) -> &str {
        &self.message
    }
}

impl fmt::Display for SqlError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.sqlstate {
            Some(state) => write!(f, "[{state}] {}", self.message),
            None => f.write_str(&self.message),
        }
    }
}

impl std::error::Error for SqlError {}

impl From<postgres::Error> for SqlError {
    fn from(err: postgres::Error) -> Self {
        match err.as_db_error() {
            Some(db) => Self::new(db.code().code(), db.message()),
            None => {
                let mut message = err.to_string();
                let mut source = std::error::Error::source(&err);
                while let Some(inner) = source {
                    message.push_str(": ");
                    message.push_str(&inner.to_string());
                    source = inner.source();
                }
                Self::without_sqlstate(message)
            }
        }
    }
}

/// Extracts the SQLSTATE from a message displayed as `[SQLSTATE] message`.
pub(crate) fn sqlstate_prefix(text: &str) -> Option<&str> {
    let rest = text.strip_prefix('[')?;
    let state = rest.get(..5)?;
    let valid = state
        .chars()
        .all(|c| c.is_ascii_digit() || c.is_ascii_uppercase());
    (valid && rest[5..].starts_with(']')).then_some(state)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn renders_values() {
        assert_eq!(render_value(None), "NULL");
        assert_eq!(render_value(Some("")), "(empty)");
        assert_eq!(render_value(Some("a b")), "a b");
    }

    #[test]
    fn displays_and_parses_sqlstate() {
        let err = SqlError::new("23505", "duplicate key");
        assert_eq!(err.to_string(), "[23505] duplicate key");
        assert_eq!(sqlstate_prefix(&err.to_string()), Some("23505"));
        assert_eq!(sqlstate_prefix("[2350] x"), None);
        assert_eq!(SqlError::without_sqlstate("gone").to_string(), "gone");
    }
}
