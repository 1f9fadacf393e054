//! Embedding Rocksgres in a Rust program: open a database directory, run
//! SQL with parameters, read typed rows, use a transaction, stream a
//! result.
//!
//! Run with `cargo run --release --example embed -- /tmp/rocksgres-example`.
//! The test suite runs [`run`] too (engine/tests/session.rs).

use std::path::Path;

use rocksgres_engine::{Database, Value};

/// Creates an accounts table, moves money in a transaction, and returns the
/// balances as `"id owner balance"` lines.
pub fn run(dir: &Path) -> Result<Vec<String>, Box<dyn std::error::Error>> {
    let db = Database::open(dir)?;
    let mut session = db.session();
    session.execute(
        "CREATE TABLE IF NOT EXISTS accounts \
         (id int PRIMARY KEY, owner text NOT NULL, balance bigint DEFAULT 0)",
        &[],
    )?;
    session.execute("DELETE FROM accounts", &[])?;
    session.execute(
        "INSERT INTO accounts (id, owner, balance) VALUES ($1, $2, $3), (2, 'bob', 50)",
        &[Value::from(1i32), Value::from("alice"), Value::from(100i64)],
    )?;

    // A transfer in one transaction.
    session.execute("BEGIN", &[])?;
    session.execute(
        "UPDATE accounts SET balance = balance - 30 WHERE id = 1",
        &[],
    )?;
    session.execute(
        "UPDATE accounts SET balance = balance + 30 WHERE id = 2",
        &[],
    )?;
    session.execute("COMMIT", &[])?;

    let result = session.query("SELECT id, owner, balance FROM accounts ORDER BY id", &[])?;
    let mut lines = Vec::new();
    for row in &result.rows {
        let id: i32 = row.get(0)?;
        let owner: String = row.get(1)?;
        let balance: i64 = row.get(2)?;
        lines.push(format!("{id} {owner} {balance}"));
    }

    // A result of any size, one borrowed row at a time in constant memory.
    let mut total = 0i64;
    session.for_each_row("SELECT balance FROM accounts", &[], |row| {
        total += row.get::<i64>(0)?;
        Ok(())
    })?;
    lines.push(format!("total {total}"));
    Ok(lines)
}

#[allow(dead_code)] // unused when the test suite includes this file
fn main() -> Result<(), Box<dyn std::error::Error>> {
    let dir = std::env::args()
        .nth(1)
        .unwrap_or_else(|| "rocksgres-example-data".into());
    for line in run(Path::new(&dir))? {
        println!("{line}");
    }
    Ok(())
}
