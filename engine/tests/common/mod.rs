//! Helpers shared by the engine's integration tests that compare query
//! results as text (`session`, `syscat`, `plan_cache`).

#![allow(dead_code)] // each test file uses its own subset

pub mod hooked;

use rocksgres_engine::{QueryResult, Session};
use rocksgres_storage::Store;

/// The rows of `r` in PostgreSQL's text form, `NULL` for NULL.
pub fn texts(r: &QueryResult) -> Vec<Vec<String>> {
    r.rows
        .iter()
        .map(|row| {
            row.values()
                .iter()
                .map(|v| v.to_text().unwrap_or_else(|| "NULL".into()))
                .collect()
        })
        .collect()
}

/// Runs `sql` (which must succeed) and returns its rows as text.
pub fn q<S: Store>(s: &mut Session<S>, sql: &str) -> Vec<Vec<String>> {
    texts(&s.query(sql, &[]).unwrap_or_else(|e| panic!("{sql}: {e}")))
}
