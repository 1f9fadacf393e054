//! Helpers shared by the engine's integration tests: query results as
//! text (`session`, `syscat`, `plan_cache`), the raw catalog entries
//! (`drop_leaves_nothing`, `temp_tables`) and a hooked store ([`hooked`]).

#![allow(dead_code)] // each test file uses its own subset

pub mod hooked;
pub mod spill;

use rocksgres_engine::keys;
use rocksgres_engine::{Database, EngineError, QueryResult, Session, SqlState};
use rocksgres_storage::{Direction, KeyRange, Store, Transaction, TxnOptions};

/// The rows of `r` in PostgreSQL's text form, `NULL` for NULL.
pub fn texts(r: &QueryResult) -> Vec<Vec<String>> {
    r.rows
        .iter()
        .map(|row| {
            row.values()
                .iter()
                .map(|v| v.to_text().unwrap_or_else(|| "NULL".into()))
                .collect()
        })
        .collect()
}

/// Runs `sql` (which must succeed) and returns its rows as text.
pub fn q<S: Store>(s: &mut Session<S>, sql: &str) -> Vec<Vec<String>> {
    texts(&s.query(sql, &[]).unwrap_or_else(|e| panic!("{sql}: {e}")))
}

/// [`q`] with the rows sorted (for results in no particular order).
pub fn sorted<S: Store>(s: &mut Session<S>, sql: &str) -> Vec<Vec<String>> {
    let mut rows = q(s, sql);
    rows.sort();
    rows
}

/// The first column of `sql`'s rows: the lines of an EXPLAIN.
pub fn lines<S: Store>(s: &mut Session<S>, sql: &str) -> Vec<String> {
    q(s, sql)
        .into_iter()
        .map(|mut r| r.swap_remove(0))
        .collect()
}

/// Runs every statement of `sql`, each of which must succeed.
pub fn run<S: Store>(s: &mut Session<S>, sql: &str) {
    for r in s.simple_query(sql) {
        r.unwrap_or_else(|e| panic!("{sql}: {e}"));
    }
}

/// The error of `sql`, which must fail.
pub fn err<S: Store>(s: &mut Session<S>, sql: &str) -> EngineError {
    match s.query(sql, &[]) {
        Ok(_) => panic!("{sql}: succeeded"),
        Err(e) => e,
    }
}

/// Asserts that `e` is PostgreSQL's 23505 for `constraint` of table
/// `public.table`, with `detail` and the error fields drivers read.
pub fn assert_unique_violation(e: &EngineError, table: &str, constraint: &str, detail: &str) {
    assert_eq!(e.state, SqlState::UniqueViolation, "{e}");
    assert_eq!(
        e.message,
        format!("duplicate key value violates unique constraint \"{constraint}\"")
    );
    assert_eq!(e.detail.as_deref(), Some(detail));
    let f = e.fields.as_deref().expect("error fields");
    assert_eq!(f.schema.as_deref(), Some("public"));
    assert_eq!(f.table.as_deref(), Some(table));
    assert_eq!(f.constraint.as_deref(), Some(constraint));
}

/// Every catalog entry of database `postgres`, as (key, value) (keys as the
/// engine builds them, without the database id).
pub fn catalog_entries<S: Store>(db: &Database<S>) -> Vec<(Vec<u8>, Vec<u8>)> {
    let mut txn = db
        .begin(
            rocksgres_engine::catalog::database::POSTGRES_OID,
            TxnOptions::default(),
        )
        .unwrap();
    let start = [keys::KS_CATALOG];
    let end = [keys::KS_CATALOG + 1];
    let mut cursor = txn.cursor();
    txn.seek(
        &mut cursor,
        KeyRange::half_open(&start, &end),
        Direction::Forward,
    )
    .unwrap();
    let mut out = Vec::new();
    while let Some((k, v)) = txn.next(&mut cursor).unwrap() {
        out.push((k.to_vec(), v.to_vec()));
    }
    out
}
