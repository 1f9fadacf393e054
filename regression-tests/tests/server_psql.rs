//! Real `psql` against the Rocksgres server: a golden session.
//!
//! `golden/psql_basic.sql` runs through `psql -X -f -` (stdin, so error
//! prefixes read `psql:<stdin>:N:`), stdout and stderr merged. The output
//! must equal `golden/psql_basic.out` byte for byte; `UPDATE_GOLDEN=1`
//! rewrites the file from the server's output (review the diff!).
//!
//! The same script also runs on a throwaway PostgreSQL 15
//! ([`PostgresRef`]), and the two outputs must agree after dropping the
//! decorations only PostgreSQL adds to errors (the `LINE n:` excerpt with
//! its caret, `CONTEXT:` lines): every result, command tag, NOTICE and
//! error message is compared.

mod server_harness;

use std::path::PathBuf;

use rocksgres_regression_tests::postgres_ref::PostgresRef;
use server_harness::{psql_script, TestServer};

fn golden(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("golden")
        .join(name)
}

/// Drops error decorations that PostgreSQL adds and Rocksgres does not
/// (cursor excerpts and error context).
fn comparable(output: &str) -> String {
    let mut out = String::new();
    let mut skip_caret = false;
    for line in output.lines() {
        if line.starts_with("LINE ") {
            skip_caret = true;
            continue;
        }
        if skip_caret && line.trim() == "^" {
            skip_caret = false;
            continue;
        }
        skip_caret = false;
        if line.starts_with("CONTEXT:  ") {
            continue;
        }
        out.push_str(line);
        out.push('\n');
    }
    out
}

fn run(port: u16) -> String {
    let script = std::fs::read_to_string(golden("psql_basic.sql")).expect("read the script");
    let out = psql_script(port, &script);
    let text = String::from_utf8_lossy(&out.stdout).into_owned();
    assert!(out.status.success(), "psql failed:\n{text}");
    text
}

#[test]
fn psql_session_matches_golden_and_postgres() {
    let server = TestServer::start();
    let actual = run(server.port());
    let path = golden("psql_basic.out");
    if std::env::var("UPDATE_GOLDEN").is_ok_and(|v| v == "1") {
        std::fs::write(&path, &actual).expect("write the golden file");
    }
    let expected = std::fs::read_to_string(&path).unwrap_or_else(|e| {
        panic!(
            "cannot read {} (UPDATE_GOLDEN=1 creates it): {e}",
            path.display()
        )
    });
    assert_eq!(
        actual,
        expected,
        "psql output differs from {}; server log:\n{}",
        path.display(),
        server.log()
    );

    let reference = PostgresRef::start().expect("cannot start the reference PostgreSQL 15");
    let postgres = run(reference.port());
    assert_eq!(
        comparable(&actual),
        comparable(&postgres),
        "Rocksgres and PostgreSQL 15 disagree on golden/psql_basic.sql\n\
         --- PostgreSQL ---\n{postgres}"
    );
}
