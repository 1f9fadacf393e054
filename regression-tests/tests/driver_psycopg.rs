//! psycopg 3, the Python driver, against the Rocksgres server.
//!
//! Starts `rocksgres` on a free port ([`TestServer`]) and runs
//! `python/psycopg_smoke.py` against it (and `python/psycopg_cursors.py`,
//! psycopg's named cursors). psycopg 3 sends every query with
//! parameters through the extended protocol with server-side parameters,
//! so the script checks what a real driver relies on: typed results (int,
//! text, numeric, timestamp, bool, bytea and NULL, in text and binary
//! format, mapped to Python's `int`, `str`, `Decimal`, `datetime`, `bool`,
//! `bytes`, `None`), list parameters and results as arrays (`= ANY(%s)`,
//! `&&`, `@>`, `array_agg`, `unnest ... WITH ORDINALITY`), transactions and savepoints through
//! `conn.transaction()`, named prepared statements (`prepare=True`, and
//! their eviction with Close), the SQL commands psycopg issues on its own
//! (`DEALLOCATE ALL` after a ROLLBACK or DROP), and that a unique violation
//! raises `psycopg.errors.UniqueViolation` and leaves the connection
//! usable, and that unique, CHECK and NOT NULL violations carry
//! PostgreSQL's error fields (`e.diag.constraint_name`, ...). The script prints `OK` and exits 0 when every check passes.
//!
//! The interpreter comes from a virtualenv holding psycopg:
//! `$ROCKSGRES_VENV/bin/python`, by default
//! `$HOME/.cache/rocksgres-venv/bin/python`. `scripts/python-env` creates
//! it (and `scripts/test` runs that before `cargo test`); when the venv is
//! missing the test fails, saying so, rather than skipping.

mod server_harness;

use std::path::PathBuf;
use std::process::Command;

use server_harness::TestServer;

/// The Python interpreter of the venv `scripts/python-env` makes.
fn venv_python() -> PathBuf {
    let venv = match std::env::var_os("ROCKSGRES_VENV") {
        Some(v) if !v.is_empty() => PathBuf::from(v),
        _ => {
            let home = std::env::var_os("HOME").expect("HOME is not set");
            PathBuf::from(home).join(".cache/rocksgres-venv")
        }
    };
    let python = venv.join("bin/python");
    assert!(
        python.is_file(),
        "no Python virtualenv at {} (looked for {}); create it with \
         `scripts/python-env` (ROCKSGRES_VENV overrides the location)",
        venv.display(),
        python.display()
    );
    python
}

#[test]
fn psycopg_smoke() {
    run_script("psycopg_smoke.py");
}

/// psycopg's named cursors (`DECLARE`, Describe of the cursor's portal,
/// `FETCH FORWARD n`, `MOVE`, `CLOSE`) over a few thousand rows.
#[test]
fn psycopg_named_cursors() {
    run_script("psycopg_cursors.py");
}

/// Runs `python/<name>` against a fresh server; it must print `OK`.
fn run_script(name: &str) {
    let python = venv_python();
    let script = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("python")
        .join(name);
    let server = TestServer::start();
    let out = Command::new(&python)
        .arg(&script)
        .args([
            &server.port().to_string(),
            "127.0.0.1",
            "postgres",
            "postgres",
        ])
        .env_remove("PGOPTIONS")
        .env_remove("PGSERVICE")
        .env_remove("PYTHONPATH")
        .output()
        .unwrap_or_else(|e| panic!("cannot run {}: {e}", python.display()));
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    // Shown with --nocapture, and by the test harness when the test fails.
    println!("--- {name} stdout\n{stdout}--- {name} stderr\n{stderr}---");
    assert!(
        out.status.success() && stdout.lines().any(|l| l == "OK"),
        "{} {} failed ({}; its stdout and stderr are above); server log:\n{}",
        python.display(),
        script.display(),
        out.status,
        server.log()
    );
}
