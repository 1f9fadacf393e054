//! `COPY ... FROM STDIN` and `COPY ... TO STDOUT`, done in the server.
//!
//! The engine has no COPY, so the server turns it into statements the engine
//! has: COPY FROM feeds each incoming row through one prepared
//! `INSERT INTO t (cols) VALUES ($1, ...)` with text parameters (the engine
//! parses them to the column types), and COPY TO runs `SELECT cols FROM t`
//! (or the given query) and writes its rows in COPY text or CSV format.
//!
//! * [`statement`] — recognising and parsing the COPY statement;
//! * [`format`] — the text and CSV data formats, both ways;
//! * [`binary`] — the binary format, both ways;
//! * [`copy_in`] — the COPY FROM state machine and pgwire's `CopyHandler`;
//! * [`copy_out`] — COPY TO STDOUT.

pub mod binary;
pub mod copy_in;
pub mod copy_out;
pub mod format;
pub mod statement;
