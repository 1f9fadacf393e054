//! End-to-end tests of Rocksgres.
//!
//! The library half of this crate holds reusable test machinery:
//!
//! * [`postgres_ref`]: a throwaway PostgreSQL 15 cluster, the reference
//!   whose behaviour Rocksgres must reproduce;
//! * [`fuzz`]: a grammar-based random SQL statement generator for the
//!   robustness fuzz test (`tests/sql_fuzz.rs`) and its long run;
//! * [`slt`]: the sqllogictest conventions (values, NULL, errors as
//!   `[SQLSTATE] message`), a PostgreSQL adapter and a runner that lists
//!   every failing record, reusable with any [`sqllogictest::DB`] (such as an
//!   in-process Rocksgres adapter).
//!
//! The corpus lives in `slt/` next to this crate's `Cargo.toml`;
//! `tests/slt_postgres.rs` checks every file of it against PostgreSQL 15, so
//! its expectations are PostgreSQL's. Tests against a real running server
//! with real clients (psql, pgbench) join `tests/` once the server exists.

pub mod fuzz;
pub mod isolation;
pub mod postgres_ref;
pub mod slt;
