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
    for sql in [
        // A data-modifying WITH item's table read elsewhere in the
        // statement (PostgreSQL's single snapshot would hide its changes).
        "WITH d AS (DELETE FROM t RETURNING *) SELECT (SELECT count(*) FROM t), * FROM d",
        "WITH d AS (INSERT INTO t VALUES (9, 'z') RETURNING *) SELECT * FROM d, t",
        "WITH d AS (UPDATE t SET a = 7 RETURNING *) UPDATE t SET b = 'q' FROM d",
        "WITH d AS (DELETE FROM t RETURNING *), e AS (SELECT * FROM t) SELECT * FROM d, e",
        "WITH d AS (INSERT INTO t VALUES (9, 'z') RETURNING a), \
         e AS (DELETE FROM t WHERE a = 1 RETURNING a) SELECT * FROM d, e",
        // SEARCH/CYCLE on a recursive term whose reference to the CTE is
        // not at the top level of its SELECT (PostgreSQL refuses it too).
        "WITH RECURSIVE r(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM (SELECT * FROM r) s WHERE n < 3) \
         SEARCH DEPTH FIRST BY n SET ord SELECT * FROM r",
    ] {
        let e = s.query(sql, &[]).expect_err(sql);
        assert_eq!(e.state, SqlState::FeatureNotSupported, "{sql}: {e}");
    }
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
