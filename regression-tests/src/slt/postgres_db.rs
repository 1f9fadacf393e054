//! The sqllogictest adapter for PostgreSQL, over the synchronous `postgres`
//! client and the simple-query protocol (so every value comes back in
//! PostgreSQL's own text format, exactly as `psql` would show it).

use std::path::Path;

use sqllogictest::{DBOutput, DefaultColumnType, DB};

use super::error::{render_value, SqlError};
use super::runner::{run_slt_file, update_slt_file, FileReport, UpdateError};
use crate::postgres_ref::{PostgresRef, RefError};

/// One PostgreSQL session seen as a sqllogictest database.
///
/// A SQL text holding several statements runs as one simple query; the
/// output is that of the last statement that returned rows, or else the
/// row count of the last statement.
pub struct PostgresDb {
    client: postgres::Client,
}

impl PostgresDb {
    /// Wraps an open client.
    pub fn new(client: postgres::Client) -> Self {
        Self { client }
    }

    /// Opens a session on database `dbname` of the reference cluster.
    pub fn connect(cluster: &PostgresRef, dbname: &str) -> Result<Self, SqlError> {
        Ok(Self::new(cluster.connect(dbname)?))
    }
}

impl DB for PostgresDb {
    type Error = SqlError;
    type ColumnType = DefaultColumnType;

    fn run(&mut self, sql: &str) -> Result<DBOutput<DefaultColumnType>, SqlError> {
        let messages = self.client.simple_query(sql)?;
        // Rows of the statement being read, once its RowDescription arrived.
        let mut current: Option<(usize, Vec<Vec<String>>)> = None;
        let mut output = DBOutput::StatementComplete(0);
        for message in messages {
            match message {
                postgres::SimpleQueryMessage::RowDescription(columns) => {
                    current = Some((columns.len(), Vec::new()));
                }
                postgres::SimpleQueryMessage::Row(row) => {
                    let values = (0..row.len()).map(|i| render_value(row.get(i))).collect();
                    match current.as_mut() {
                        Some((_, rows)) => rows.push(values),
                        None => current = Some((row.len(), vec![values])),
                    }
                }
                postgres::SimpleQueryMessage::CommandComplete(count) => {
                    output = match current.take() {
                        Some((width, rows)) => DBOutput::Rows {
                            types: vec![DefaultColumnType::Any; width],
                            rows,
                        },
                        None if matches!(output, DBOutput::Rows { .. }) => output,
                        None => DBOutput::StatementComplete(count),
                    };
                }
                _ => {}
            }
        }
        Ok(output)
    }

    fn engine_name(&self) -> &str {
        "postgres"
    }

    fn error_sql_state(err: &SqlError) -> Option<String> {
        err.sqlstate().map(str::to_string)
    }
}

/// Runs the `.slt` file at `path` on the reference cluster, in a fresh
/// database named `dbname` that is dropped afterwards.
pub fn run_file_on_postgres(
    cluster: &PostgresRef,
    dbname: &str,
    path: &Path,
) -> Result<FileReport, RefError> {
    cluster.create_database(dbname)?;
    let report = run_slt_file(path, || PostgresDb::connect(cluster, dbname));
    cluster.drop_database(dbname)?;
    Ok(report)
}

/// Rewrites the expectations of the `.slt` file at `path` from the
/// reference cluster (see [`update_slt_file`]), in a fresh database named
/// `dbname` that is dropped afterwards.
pub fn update_file_from_postgres(
    cluster: &PostgresRef,
    dbname: &str,
    path: &Path,
) -> Result<(), Box<dyn std::error::Error + Send + Sync>> {
    cluster.create_database(dbname)?;
    let result: Result<(), UpdateError> =
        update_slt_file(path, || PostgresDb::connect(cluster, dbname));
    cluster.drop_database(dbname)?;
    Ok(result?)
}
