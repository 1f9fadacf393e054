//! Running (and regenerating) one `.slt` file against any
//! [`sqllogictest::DB`].
//!
//! sqllogictest's own `Runner::run_file` stops at the first failing record.
//! [`run_slt_file`] instead runs every record and collects every failure, so
//! one run lists everything that differs; later failures may of course be
//! consequences of earlier ones.
//!
//! [`update_slt_file`] rewrites a file's expectations from what the database
//! returned (used only with the PostgreSQL reference, see the crate README).
//! Unlike sqllogictest's `update_test_file`, an error expectation is written
//! as the bare SQLSTATE (`statement error 23505`), never as the message, and
//! an existing error expectation that still matches is kept as written.

use std::error::Error;
use std::fmt;
use std::future::Future;
use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::pin::pin;
use std::sync::Arc;
use std::task::{Context, Poll, Waker};

use sqllogictest::{
    default_normalizer, default_validator, parse_file, update_record_with_output, ColumnType,
    ExpectedError, QueryExpect, Record, RecordOutput, Runner, StatementExpect, DB,
};

use super::error::sqlstate_prefix;

/// Checks only that a query returned as many columns as its type string
/// (`query ITT`) has letters: the letters themselves are documentation.
#[allow(clippy::ptr_arg)] // the signature is sqllogictest's `ColumnTypeValidator`
pub fn column_count_validator<T: ColumnType>(actual: &Vec<T>, expected: &Vec<T>) -> bool {
    actual.len() == expected.len()
}

/// One record whose outcome differed from its expectation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RecordFailure {
    /// `file:line` of the record (nested for included files).
    pub location: String,
    /// What sqllogictest reported: the SQL, expected and actual output.
    pub message: String,
}

/// The outcome of running one `.slt` file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FileReport {
    /// The file that was run.
    pub path: PathBuf,
    /// How many `statement` and `query` records were run.
    pub records: usize,
    /// Every record that failed, in file order (a parse error is reported as
    /// a failure at its location, with no records run).
    pub failures: Vec<RecordFailure>,
}

impl FileReport {
    /// Whether every record passed.
    pub fn passed(&self) -> bool {
        self.failures.is_empty()
    }
}

impl fmt::Display for FileReport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(
            f,
            "{}: {} of {} records failed",
            self.path.display(),
            self.failures.len(),
            self.records
        )?;
        for failure in &self.failures {
            writeln!(f, "--- {}", failure.location)?;
            writeln!(f, "{}", failure.message.trim_end())?;
        }
        Ok(())
    }
}

/// Runs every record of the `.slt` file at `path`, connecting with `connect`
/// (called once for the default connection and once per extra `connection`
/// name the file uses), and reports every failing record.
///
/// `connect` decides the database the file runs in; to keep files
/// independent it should hand out sessions of a fresh, empty database.
pub fn run_slt_file<D, F>(path: &Path, mut connect: F) -> FileReport
where
    D: DB + Send,
    F: FnMut() -> Result<D, D::Error>,
{
    let mut report = FileReport {
        path: path.to_path_buf(),
        records: 0,
        failures: Vec::new(),
    };
    let records = match parse_file::<D::ColumnType>(path) {
        Ok(records) => records,
        Err(err) => {
            report.failures.push(RecordFailure {
                location: err.location().to_string(),
                message: err.to_string(),
            });
            return report;
        }
    };
    let mut runner = Runner::new(move || std::future::ready(connect()));
    runner.with_column_validator(column_count_validator);
    for record in records {
        match record {
            Record::Halt { .. } => break,
            Record::Statement { .. } | Record::Query { .. } => report.records += 1,
            _ => {}
        }
        if let Err(err) = runner.run(record) {
            report.failures.push(RecordFailure {
                location: err.location().to_string(),
                message: err.display(false).to_string(),
            });
        }
    }
    runner.shutdown();
    report
}

/// Why [`update_slt_file`] could not rewrite a file.
#[derive(Debug)]
pub struct UpdateError {
    message: String,
}

impl UpdateError {
    fn new(message: impl Into<String>) -> Self {
        Self {
            message: message.into(),
        }
    }
}

impl fmt::Display for UpdateError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl Error for UpdateError {}

/// Rewrites the expectations of the `.slt` file at `path` with what the
/// database reached through `connect` returns:
///
/// * query results that differ are replaced (rows joined by one space, after
///   the record's sort mode is applied); matching ones are kept verbatim;
/// * `statement count N` gets the actual count;
/// * a record that fails gets `error <SQLSTATE>` (or the escaped message when
///   there is no SQLSTATE), unless its existing, non-empty error
///   expectation still matches; a record expected to fail that succeeds
///   becomes `statement ok` or a query with results.
///
/// Comments, blank lines and control records are kept. Files using `include`
/// are refused (the include would be inlined). Only meant for the PostgreSQL
/// reference: the corpus' expectations are PostgreSQL's.
pub fn update_slt_file<D, F>(path: &Path, mut connect: F) -> Result<(), UpdateError>
where
    D: DB + Send,
    F: FnMut() -> Result<D, D::Error>,
{
    let records = parse_file::<D::ColumnType>(path)
        .map_err(|e| UpdateError::new(format!("cannot parse {}: {e}", path.display())))?;
    if records.iter().any(|r| matches!(r, Record::Injected(_))) {
        return Err(UpdateError::new(format!(
            "{} uses `include`, which update mode does not support",
            path.display()
        )));
    }
    let mut runner = Runner::new(move || std::future::ready(connect()));
    runner.with_column_validator(column_count_validator);
    let mut text = Vec::new();
    let mut halted = false;
    for record in records {
        if matches!(record, Record::Halt { .. }) {
            halted = true;
        }
        let updated = if halted {
            record
        } else {
            let output = block_on(runner.apply_record(record.clone()))?;
            updated_record::<D>(record, &output)
        };
        writeln!(text, "{updated}")
            .map_err(|e| UpdateError::new(format!("cannot format a record: {e}")))?;
    }
    runner.shutdown();
    let mut text = String::from_utf8(text)
        .map_err(|e| UpdateError::new(format!("records are not UTF-8: {e}")))?;
    let trimmed_len = text.trim_end_matches('\n').len();
    text.truncate(trimmed_len);
    text.push('\n');
    std::fs::write(path, text)
        .map_err(|e| UpdateError::new(format!("cannot write {}: {e}", path.display())))
}

/// The record with its expectation replaced by what `output` shows.
fn updated_record<D: DB + Send>(
    record: Record<D::ColumnType>,
    output: &RecordOutput<D::ColumnType>,
) -> Record<D::ColumnType> {
    let error = match output {
        RecordOutput::Query { error: Some(e), .. }
        | RecordOutput::Statement { error: Some(e), .. } => Some(Arc::clone(e)),
        _ => None,
    };
    let Some(error) = error else {
        return update_record_with_output(
            &record,
            output,
            " ",
            default_validator,
            default_normalizer,
            column_count_validator,
        )
        .unwrap_or(record);
    };
    let message = error.to_string();
    let sqlstate = error
        .downcast_ref::<D::Error>()
        .and_then(D::error_sql_state)
        .or_else(|| sqlstate_prefix(&message).map(str::to_string));
    let existing = match &record {
        Record::Statement {
            expected: StatementExpect::Error(e),
            ..
        }
        | Record::Query {
            expected: QueryExpect::Error(e),
            ..
        } => Some(e),
        _ => None,
    };
    if let Some(existing) = existing {
        if *existing != ExpectedError::Empty && existing.is_match(&message, sqlstate.as_deref()) {
            return record;
        }
    }
    let expected = ExpectedError::from_actual_error(None, sqlstate.as_deref().unwrap_or(&message));
    match record {
        Record::Statement {
            loc,
            conditions,
            connection,
            sql,
            retry,
            ..
        } => Record::Statement {
            loc,
            conditions,
            connection,
            sql,
            expected: StatementExpect::Error(expected),
            retry,
        },
        Record::Query {
            loc,
            conditions,
            connection,
            sql,
            retry,
            ..
        } => Record::Query {
            loc,
            conditions,
            connection,
            sql,
            expected: QueryExpect::Error(expected),
            retry,
        },
        other => other,
    }
}

/// Drives a future to completion on this thread. The futures involved wrap
/// synchronous [`DB`] calls and are ready on their first poll; anything else
/// is re-polled until it completes.
fn block_on<T>(future: impl Future<Output = T>) -> Result<T, UpdateError> {
    let mut future = pin!(future);
    let mut cx = Context::from_waker(Waker::noop());
    for _ in 0..1_000_000 {
        if let Poll::Ready(value) = future.as_mut().poll(&mut cx) {
            return Ok(value);
        }
        std::thread::yield_now();
    }
    Err(UpdateError::new(
        "a database call did not complete: update mode needs a synchronous DB",
    ))
}

#[cfg(test)]
mod tests {
    use sqllogictest::{DBOutput, DefaultColumnType};

    use super::*;
    use crate::slt::SqlError;

    /// A fake database: `SELECT x` returns one row `x`, `FAIL` fails with
    /// SQLSTATE 42000, anything else completes with count 1.
    struct Echo;

    impl DB for Echo {
        type Error = SqlError;
        type ColumnType = DefaultColumnType;

        fn run(&mut self, sql: &str) -> Result<DBOutput<DefaultColumnType>, SqlError> {
            if let Some(value) = sql.strip_prefix("SELECT ") {
                Ok(DBOutput::Rows {
                    types: vec![DefaultColumnType::Any],
                    rows: vec![vec![value.to_string()]],
                })
            } else if sql == "FAIL" {
                Err(SqlError::new("42000", "failed on purpose"))
            } else {
                Ok(DBOutput::StatementComplete(1))
            }
        }

        fn error_sql_state(err: &SqlError) -> Option<String> {
            err.sqlstate().map(str::to_string)
        }
    }

    fn write(dir: &tempfile::TempDir, text: &str) -> PathBuf {
        let path = dir.path().join("t.slt");
        std::fs::write(&path, text).expect("write test file");
        path
    }

    #[test]
    fn reports_every_failing_record() {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = write(
            &dir,
            "statement ok\nFAIL\n\nquery T\nSELECT a\n----\nb\n\n\
             statement error 42000\nFAIL\n\nquery TT\nSELECT a\n----\na\n\n\
             statement count 1\nINSERT\n",
        );
        let report = run_slt_file(&path, || Ok(Echo));
        assert_eq!(report.records, 5);
        let lines: Vec<_> = report.failures.iter().map(|f| f.location.clone()).collect();
        assert_eq!(report.failures.len(), 3, "{report}");
        assert!(lines[0].ends_with(":1"), "{lines:?}");
        assert!(lines[1].ends_with(":4"), "{lines:?}");
        assert!(lines[2].ends_with(":12"), "{lines:?}");
    }

    #[test]
    fn update_writes_sqlstates_and_results() {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = write(
            &dir,
            "# comment\nstatement ok\nFAIL\n\nquery T\nSELECT a\n----\n\n\
             statement error\nFAIL\n\nstatement count 7\nINSERT\n",
        );
        update_slt_file(&path, || Ok(Echo)).expect("update");
        let text = std::fs::read_to_string(&path).expect("read back");
        assert_eq!(
            text,
            "# comment\nstatement error 42000\nFAIL\n\nquery T\nSELECT a\n----\na\n\n\
             statement error 42000\nFAIL\n\nstatement count 1\nINSERT\n"
        );
        assert!(run_slt_file(&path, || Ok(Echo)).passed());
    }
}
