//! End-to-end tests of Rocksgres against a real running server with real
//! clients (psql, pgbench) live in this crate's `tests/` folder, once the
//! server exists (issue 4).
