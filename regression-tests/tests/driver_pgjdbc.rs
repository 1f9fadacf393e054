//! pgjdbc, the PostgreSQL JDBC driver, against the Rocksgres server.
//!
//! Runs `java/PgjdbcTxn.java` (Java's single-file source launch, with
//! Debian's `libpostgresql-jdbc-java` jar on the class path) first against
//! a throwaway PostgreSQL 15, which proves that its expectations are
//! PostgreSQL's, then against Rocksgres. The program checks what pgjdbc
//! applications rely on: autocommit prepared INSERT/DELETE counts and their
//! effect on the next query, `executeBatch` counts (prepared and plain
//! statement batches, one Sync for the batch), that a failing batch leaves
//! nothing behind, 25P02 after an error inside a transaction (raised at
//! execution or at Parse), commit and rollback, read-only transactions
//! (25006), the isolation level set through the driver, and array
//! parameters and results (`createArrayOf`, `= ANY(?)`, `@>`, `&&`,
//! `array_agg`, `unnest`) in text and, with `prepareThreshold=-1`, binary
//! format. It prints `OK`
//! and exits 0 when every check passes.
//!
//! Needs `java` (a JDK: the source launcher compiles the file) and
//! `/usr/share/java/postgresql.jar` (`ROCKSGRES_PGJDBC_JAR` overrides it);
//! `scripts/common.sh` installs both. When either is missing the test fails,
//! saying so, rather than skipping.

mod server_harness;

use std::path::PathBuf;
use std::process::Command;

use rocksgres_regression_tests::postgres_ref::PostgresRef;
use server_harness::TestServer;

fn jar() -> PathBuf {
    let jar = std::env::var_os("ROCKSGRES_PGJDBC_JAR")
        .filter(|v| !v.is_empty())
        .map_or_else(
            || PathBuf::from("/usr/share/java/postgresql.jar"),
            PathBuf::from,
        );
    assert!(
        jar.is_file(),
        "pgjdbc is missing ({}): install Debian's libpostgresql-jdbc-java \
         (scripts/common.sh does) or point ROCKSGRES_PGJDBC_JAR at the jar",
        jar.display()
    );
    jar
}

/// Runs the program against `port`; its output, or a panic saying why not.
fn run_program(port: u16, against: &str) -> (bool, String) {
    let source = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("java/PgjdbcTxn.java");
    let out = Command::new("java")
        .arg("-cp")
        .arg(jar())
        .arg(&source)
        .arg(port.to_string())
        .output()
        .unwrap_or_else(|e| panic!("cannot run java (install a JDK: default-jdk-headless): {e}"));
    let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
    let stderr = String::from_utf8_lossy(&out.stderr);
    let ok = out.status.success() && stdout.lines().any(|l| l == "OK");
    (
        ok,
        format!("--- PgjdbcTxn against {against}: stdout\n{stdout}--- stderr\n{stderr}---"),
    )
}

#[test]
fn pgjdbc_transactions_and_counts() {
    let pg = PostgresRef::start().expect("start the reference PostgreSQL 15");
    let (ok, output) = run_program(pg.port(), "PostgreSQL 15");
    assert!(ok, "the program fails against PostgreSQL itself:\n{output}");
    drop(pg);
    let server = TestServer::start();
    let (ok, output) = run_program(server.port(), "Rocksgres");
    println!("{output}");
    assert!(
        ok,
        "pgjdbc checks failed against Rocksgres:\n{output}\nserver log:\n{}",
        server.log()
    );
}
