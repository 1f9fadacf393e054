//! `WITH` queries beyond what the slt corpus can show: EXPLAIN shapes
//! (PostgreSQL's node names), the forms refused with 0A000 (and that
//! they change nothing), and `statement_timeout` stopping an endless
//! recursion. Results and errors are in the corpus
//! (`regression-tests/slt/query/cte*.slt`).

mod common;
use common::q;

use std::time::{Duration, Instant};

use rocksgres_engine::{Database, Session, SqlState};
use rocksgres_storage::MemoryStore;

type Mem = Session<MemoryStore>;

fn plan(s: &mut Mem, sql: &str) -> String {
    q(s, &format!("EXPLAIN {sql}"))
        .into_iter()
        .map(|r| r[0].clone())
        .collect::<Vec<_>>()
        .join("\n")
}

fn session() -> (Database<MemoryStore>, Mem) {
    let db = Database::open_in_memory();
    let mut s = db.session();
    s.execute("CREATE TABLE t (a int, b text)", &[]).unwrap();
    s.execute("INSERT INTO t VALUES (1, 'x'), (2, 'y')", &[])
        .unwrap();
    (db, s)
}

#[test]
fn explain_shows_cte_scans_as_postgres() {
    let (_db, mut s) = session();
    // Read once: inlined.
    assert_eq!(
        plan(&mut s, "WITH x AS (SELECT * FROM t) SELECT * FROM x"),
        "Seq Scan on t"
    );
    assert_eq!(
        plan(
            &mut s,
            "WITH x AS MATERIALIZED (SELECT * FROM t) SELECT * FROM x y"
        ),
        "CTE Scan on x y\n  CTE x\n    ->  Seq Scan on t"
    );
    assert_eq!(
        plan(&mut s, "WITH x AS (SELECT * FROM t) SELECT * FROM x, x y"),
        "Nested Loop\n  CTE x\n    ->  Seq Scan on t\n  ->  CTE Scan on x\n  ->  CTE Scan on x y"
    );
    // Volatile: never inlined.
    assert_eq!(
        plan(&mut s, "WITH x AS (SELECT random() AS r) SELECT * FROM x"),
        "CTE Scan on x\n  CTE x\n    ->  Result"
    );
    let r = plan(
        &mut s,
        "WITH RECURSIVE r(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM r WHERE n < 3) SELECT * FROM r",
    );
    assert!(
        r.starts_with("CTE Scan on r\n  CTE r\n    ->  Recursive Union\n          ->  Result\n"),
        "{r}"
    );
    assert!(r.contains("WorkTable Scan on r r_1"), "{r}");
}

#[test]
fn unbuilt_forms_are_refused_and_change_nothing() {
    let (_db, mut s) = session();
    // SEARCH/CYCLE on a recursive term whose reference to the CTE is not
    // at the top level of its SELECT (PostgreSQL refuses it too).
    let sql = "WITH RECURSIVE r(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM (SELECT * FROM r) s WHERE n < 3) \
         SEARCH DEPTH FIRST BY n SET ord SELECT * FROM r";
    let e = s.query(sql, &[]).expect_err(sql);
    assert_eq!(e.state, SqlState::FeatureNotSupported, "{sql}: {e}");
    assert_eq!(
        q(&mut s, "SELECT a, b FROM t ORDER BY a"),
        vec![
            vec!["1".to_string(), "x".into()],
            vec!["2".into(), "y".into()]
        ]
    );
}

#[test]
fn statement_timeout_stops_an_endless_recursion() {
    let (_db, mut s) = session();
    s.execute("SET statement_timeout = '200ms'", &[]).unwrap();
    for sql in [
        "WITH RECURSIVE r(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM r) SELECT count(*) FROM r",
        "WITH RECURSIVE r(n) AS (SELECT 1 UNION SELECT n + 1 FROM r) SELECT count(*) FROM r",
        "WITH RECURSIVE r(n) AS (SELECT 1 UNION ALL SELECT n FROM r) SELECT count(*) FROM r a, r b",
    ] {
        let start = Instant::now();
        let e = s.query(sql, &[]).expect_err(sql);
        assert_eq!(e.state, SqlState::QueryCanceled, "{sql}: {e}");
        assert!(start.elapsed() < Duration::from_secs(60), "{sql}");
    }
    s.execute("SET statement_timeout = 0", &[]).unwrap();
    assert_eq!(q(&mut s, "SELECT 1"), vec![vec!["1".to_string()]]);
}

/// Inside a transaction, a statement whose WITH item deletes a row the
/// transaction inserted earlier reads that row (its snapshot is the
/// statement's start); the next statement no longer does, and a ROLLBACK
/// takes both changes back. (The slt corpus cannot keep a transaction
/// open across its PostgreSQL comparison.)
#[test]
fn a_with_item_change_is_hidden_from_its_own_statement_only() {
    let (_db, mut s) = session();
    s.execute("BEGIN", &[]).unwrap();
    s.execute("INSERT INTO t VALUES (50, 'in txn')", &[])
        .unwrap();
    assert_eq!(
        q(
            &mut s,
            "WITH d AS (DELETE FROM t WHERE a = 50 RETURNING *) \
             SELECT (SELECT count(*) FROM t WHERE a = 50), a, b FROM d"
        ),
        vec![vec!["1".to_string(), "50".into(), "in txn".into()]]
    );
    assert_eq!(
        q(&mut s, "SELECT count(*) FROM t WHERE a = 50"),
        vec![vec!["0".to_string()]]
    );
    // An update hidden from its statement, seen by the next one.
    assert_eq!(
        q(
            &mut s,
            "WITH u AS (UPDATE t SET b = 'new' WHERE a = 1 RETURNING b) \
             SELECT t.b, u.b FROM t, u WHERE t.a = 1"
        ),
        vec![vec!["x".to_string(), "new".into()]]
    );
    assert_eq!(
        q(&mut s, "SELECT b FROM t WHERE a = 1"),
        vec![vec!["new".to_string()]]
    );
    s.execute("ROLLBACK", &[]).unwrap();
    assert_eq!(
        q(&mut s, "SELECT a, b FROM t ORDER BY a"),
        vec![
            vec!["1".to_string(), "x".into()],
            vec!["2".into(), "y".into()]
        ]
    );
}
