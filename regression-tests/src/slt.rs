//! sqllogictest support: the conventions every adapter follows, a
//! PostgreSQL adapter, and a runner that reports every failing record.
//!
//! # Conventions (shared by every [`sqllogictest::DB`] adapter)
//!
//! * **Values** are PostgreSQL's own text output (the simple-query protocol's
//!   format): `t`/`f` for booleans, `1.50` for `numeric(10,2)`,
//!   `2024-01-02 03:04:05+00` for `timestamptz` with `TimeZone=UTC`.
//!   SQL `NULL` is written `NULL`; the empty string is written `(empty)`,
//!   the convention of sqllogictest-rs' own PostgreSQL engines (a blank cell
//!   could not be told apart from a missing one). See [`render_value`].
//! * Whitespace inside and around values is normalised by the runner (runs
//!   of blanks become one space), as sqllogictest always does; the corpus
//!   shows padding explicitly where it matters (e.g. `concat('[', c, ']')`).
//! * **Errors** display as `[SQLSTATE] message`, e.g.
//!   `[23505] duplicate key value violates unique constraint "t_pkey"` (see
//!   [`SqlError`]). An expectation `statement error 23505` is a regular
//!   expression matched against that text, so it checks the SQLSTATE; a more
//!   specific regex can check the message too. The native sqllogictest form
//!   `statement error (23505)` also works, through
//!   [`sqllogictest::DB::error_sql_state`].
//! * A statement that returns rows (a `SELECT`, or `INSERT ... RETURNING`) is
//!   query output, even with no rows; other statements complete with their
//!   affected-row count, which `statement count N` checks.
//! * Column type letters after `query` are not compared, but their number
//!   must match the number of result columns ([`column_count_validator`]).
//!
//! # Independence of files
//!
//! Each file runs against a fresh, empty database: on PostgreSQL a
//! `CREATE DATABASE` per file ([`run_file_on_postgres`]); an in-process
//! engine makes a new database per file in the `connect` closure it passes to
//! [`run_slt_file`].

mod corpus;
mod engine_db;
mod error;
mod postgres_db;
mod runner;

pub use corpus::{corpus_dir, slt_files};
pub use engine_db::EngineDb;
pub use error::{render_value, SqlError, EMPTY_STRING, NULL};
pub use postgres_db::{run_file_on_postgres, update_file_from_postgres, PostgresDb};
pub use runner::{
    column_count_validator, run_slt_file, update_slt_file, FileReport, RecordFailure, UpdateError,
};
