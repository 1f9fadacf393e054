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

/// `psql -A -t` with one environment change, each of `commands` a `-c`;
/// returns stdout and stderr together.
fn psql_env(port: u16, env: (&str, &str), commands: &[&str]) -> String {
    let mut cmd = server_harness::psql_command(port);
    cmd.env_remove("PGTZ").env(env.0, env.1).args(["-A", "-t"]);
    for c in commands {
        cmd.args(["-c", c]);
    }
    let out = cmd.output().expect("cannot run psql");
    format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    )
}

/// libpq sends PGTZ as the startup parameter `timezone` and PGOPTIONS as
/// `options`: both set the session's zone, which RESET restores, as in
/// PostgreSQL 15 (whose output the expectations are, checked on the
/// reference server too); an unknown zone fails the connection.
#[test]
fn psql_time_zone_from_environment() {
    let server = TestServer::start();
    let reference = PostgresRef::start().expect("cannot start the reference PostgreSQL 15");
    let show = ["SHOW timezone", "SELECT '2024-07-01 12:00+00'::timestamptz"];
    for port in [server.port(), reference.port()] {
        assert_eq!(
            psql_env(port, ("PGTZ", "Asia/Tokyo"), &show),
            "Asia/Tokyo\n2024-07-01 21:00:00+09\n"
        );
        assert_eq!(
            psql_env(port, ("PGOPTIONS", "-c TimeZone=America/New_York"), &show),
            "America/New_York\n2024-07-01 08:00:00-04\n"
        );
        // RESET and SET TIME ZONE LOCAL go back to the start-up value.
        assert_eq!(
            psql_env(
                port,
                ("PGTZ", "Asia/Tokyo"),
                &[
                    "SET TIME ZONE 'UTC'",
                    "SET TIME ZONE LOCAL",
                    "SHOW timezone",
                    "SET datestyle = 'German'",
                    "RESET ALL",
                    "SHOW timezone",
                ]
            ),
            "SET\nSET\nAsia/Tokyo\nSET\nRESET\nAsia/Tokyo\n"
        );
        let bad = psql_env(port, ("PGTZ", "Mars/Olympus"), &show);
        assert!(
            bad.contains("FATAL:  invalid value for parameter \"TimeZone\": \"Mars/Olympus\""),
            "{bad}"
        );
    }
}
