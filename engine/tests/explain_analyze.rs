//! EXPLAIN ANALYZE through the embedding API: actual rows and loops per
//! node (a nested loop's inner side runs once per outer row), times in
//! PostgreSQL's layout, the summary lines, and the options the engine does
//! not implement failing with 0A000 instead of being ignored.

use rocksgres_engine::{Database, SqlState};

fn plan(
    s: &mut rocksgres_engine::Session<rocksgres_storage::MemoryStore>,
    sql: &str,
) -> Vec<String> {
    let r = s.query(sql, &[]).expect(sql);
    r.rows
        .iter()
        .map(|row| row.get::<String>(0).unwrap())
        .collect()
}

#[test]
fn analyze_counts_rows_and_loops() {
    let db = Database::open_in_memory();
    let mut s = db.session();
    s.batch("CREATE TABLE a (id int PRIMARY KEY); CREATE TABLE b (x int); INSERT INTO a SELECT generate_series(1, 4); INSERT INTO b SELECT generate_series(1, 3)")
        .unwrap();
    // A non-equi join is a nested loop over b read once and kept.
    let lines = plan(
        &mut s,
        "EXPLAIN (ANALYZE, TIMING OFF, SUMMARY OFF) SELECT * FROM a JOIN b ON a.id < b.x",
    );
    assert_eq!(
        lines,
        [
            "Nested Loop (actual rows=3 loops=1)",
            "  Join Filter: (a.id < b.x)",
            "  ->  Seq Scan on a (actual rows=4 loops=1)",
            "  ->  Seq Scan on b (actual rows=3 loops=1)",
        ]
    );
    // A LATERAL subquery runs once per outer row: rows are per loop.
    let lines = plan(
        &mut s,
        "EXPLAIN (ANALYZE, TIMING OFF, SUMMARY OFF) \
         SELECT * FROM a JOIN LATERAL (SELECT x FROM b WHERE b.x >= a.id) s ON true",
    );
    assert_eq!(
        lines,
        [
            "Nested Loop (actual rows=6 loops=1)",
            "  ->  Seq Scan on a (actual rows=4 loops=1)",
            // 6 rows over 4 loops: 1.5, printed as PostgreSQL's %.0f does.
            "  ->  Seq Scan on b (actual rows=2 loops=4)",
            // A scan's own columns print bare, as PostgreSQL's; 6 rows
            // removed over 4 loops print as 2 (1.5, half to even).
            "        Filter: (x >= a.id)",
            "        Rows Removed by Filter: 2",
        ]
    );
    // The statement's rows are not returned, only the plan.
    let lines = plan(
        &mut s,
        "EXPLAIN ANALYZE SELECT * FROM a ORDER BY id DESC LIMIT 1",
    );
    let time = regex_like_actual(&lines[0]);
    assert!(time, "{lines:?}");
    assert!(lines[0].starts_with("Limit (actual time="), "{lines:?}");
    assert!(lines[0].ends_with(" rows=1 loops=1)"), "{lines:?}");
    let n = lines.len();
    assert!(lines[n - 2].starts_with("Planning Time: ") && lines[n - 2].ends_with(" ms"));
    assert!(lines[n - 1].starts_with("Execution Time: ") && lines[n - 1].ends_with(" ms"));
}

/// Whether `line` has ` (actual time=A..B rows=` with A and B in ms with
/// three decimals, A <= B.
fn regex_like_actual(line: &str) -> bool {
    let Some(rest) = line.split(" (actual time=").nth(1) else {
        return false;
    };
    let Some((times, _)) = rest.split_once(" rows=") else {
        return false;
    };
    let Some((a, b)) = times.split_once("..") else {
        return false;
    };
    let three = |t: &str| t.split_once('.').is_some_and(|(_, f)| f.len() == 3);
    match (a.parse::<f64>(), b.parse::<f64>()) {
        (Ok(x), Ok(y)) => three(a) && three(b) && x <= y,
        _ => false,
    }
}

#[test]
fn analyze_runs_the_statement_once() {
    let db = Database::open_in_memory();
    let mut s = db.session();
    s.batch("CREATE SEQUENCE q").unwrap();
    plan(
        &mut s,
        "EXPLAIN (ANALYZE, SUMMARY OFF) SELECT nextval('q') FROM generate_series(1, 5)",
    );
    let r = s.query("SELECT nextval('q')", &[]).unwrap();
    assert_eq!(r.rows[0].get::<i64>(0).unwrap(), 6);
}

#[test]
fn options_not_implemented_are_refused() {
    let db = Database::open_in_memory();
    let mut s = db.session();
    for sql in [
        "EXPLAIN VERBOSE SELECT 1",
        "EXPLAIN (VERBOSE) SELECT 1",
        "EXPLAIN (ANALYZE, BUFFERS) SELECT 1",
        "EXPLAIN (ANALYZE, WAL) SELECT 1",
        "EXPLAIN (SETTINGS) SELECT 1",
    ] {
        let e = s.query(sql, &[]).expect_err(sql);
        assert_eq!(e.state, SqlState::FeatureNotSupported, "{sql}: {e:?}");
    }
    // Switched off, they are fine.
    plan(
        &mut s,
        "EXPLAIN (VERBOSE OFF, BUFFERS OFF, SETTINGS OFF, FORMAT TEXT) SELECT 1",
    );
}
