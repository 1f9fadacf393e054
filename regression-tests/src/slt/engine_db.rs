//! The sqllogictest adapter for the Rocksgres engine, in process, through
//! the embedding API (no socket): a [`Session`] of a [`Database`].
//!
//! Values are rendered with the engine's PostgreSQL text output, errors as
//! `[SQLSTATE] message`, exactly like [`super::PostgresDb`], so the same
//! corpus runs unchanged on both.

use rocksgres_engine::storage::Store;
use rocksgres_engine::{Database, Session};
use sqllogictest::{DBOutput, DefaultColumnType, DB};

use super::error::{render_value, SqlError};

/// One engine session seen as a sqllogictest database.
pub struct EngineDb<S: Store> {
    session: Session<S>,
}

impl<S: Store> EngineDb<S> {
    /// A new session on `db`.
    pub fn new(db: &Database<S>) -> Self {
        EngineDb {
            session: db.session(),
        }
    }
}

impl<S: Store> DB for EngineDb<S> {
    type Error = SqlError;
    type ColumnType = DefaultColumnType;

    fn run(&mut self, sql: &str) -> Result<DBOutput<DefaultColumnType>, SqlError> {
        let results = self
            .session
            .batch(sql)
            .map_err(|e| SqlError::new(e.code(), e.message.clone()))?;
        // As over the simple-query protocol: the last statement that
        // returned rows, else the last statement's count.
        if let Some(r) = results.iter().rev().find(|r| r.returns_rows()) {
            let rows = r
                .rows
                .iter()
                .map(|row| {
                    row.values()
                        .iter()
                        .map(|v| {
                            if v.is_null() {
                                render_value(None)
                            } else {
                                let mut s = String::new();
                                v.write_text(&mut s);
                                render_value(Some(&s))
                            }
                        })
                        .collect()
                })
                .collect();
            return Ok(DBOutput::Rows {
                types: vec![DefaultColumnType::Any; r.columns.len()],
                rows,
            });
        }
        Ok(DBOutput::StatementComplete(
            results.last().map_or(0, |r| r.rows_affected),
        ))
    }

    fn engine_name(&self) -> &str {
        "rocksgres"
    }

    fn error_sql_state(err: &SqlError) -> Option<String> {
        err.sqlstate().map(str::to_string)
    }
}
