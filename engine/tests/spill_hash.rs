//! Hashing operators past `work_mem` spill to temporary files: hash
//! aggregation (plain and grouping sets), DISTINCT, DISTINCT ON, UNION,
//! INTERSECT and EXCEPT (with and without ALL). Each test runs a query
//! with work_mem large (in memory), then at 64kB while another thread
//! watches the temporary directory: the files must appear, the rows must
//! be the same (as a multiset: the order of hashed output may change),
//! and no file may remain. Past `temp_file_limit` each fails with 53400.

mod common;

use common::spill::temp_files;
use rocksgres_engine::{Database, SqlState};

/// A database in `dir` with `sh(id, i, m, s, k)` holding `rows` rows.
fn database_with_rows(dir: &std::path::Path, rows: u32) -> Database {
    let db = Database::open(dir).unwrap();
    let mut s = db.session();
    s.execute(
        &format!(
            "CREATE TABLE sh AS SELECT g AS id, (g * 7919) % 100003 AS i, g % 1000 AS m, \
             'k' || ((g * 31) % 50000) AS s, \
             CASE WHEN g % 7 = 0 THEN NULL ELSE (g * 17) % 30011 END AS k \
             FROM generate_series(1, {rows}) g"
        ),
        &[],
    )
    .unwrap();
    db
}

/// Runs `sql` in memory, then spilling: asserts temporary files were
/// made, the rows are the same (as a multiset) and the files are gone;
/// returns the row count.
fn spills_with_the_same_rows(db: &Database, sql: &str) -> usize {
    common::spill::spills_with_the_same_rows_as(db, sql, false)
}

#[test]
fn a_hash_aggregate_past_work_mem_spills_with_the_same_groups() {
    let dir = tempfile::tempdir().unwrap();
    let db = database_with_rows(dir.path(), 100_000);
    let n = spills_with_the_same_rows(
        &db,
        "SELECT i, count(*), sum(id), min(s), max(s), avg(id) FROM sh GROUP BY i",
    );
    assert_eq!(n, 100_000);
    // Collecting and DISTINCT aggregates, a text key.
    spills_with_the_same_rows(
        &db,
        "SELECT s, string_agg(id::text, ',' ORDER BY id), array_agg(DISTINCT m), \
         count(DISTINCT k) FROM sh GROUP BY s",
    );
    // NULL keys, FILTER, HAVING.
    spills_with_the_same_rows(
        &db,
        "SELECT k, m % 3, count(*) FILTER (WHERE id % 2 = 0), sum(id) FROM sh \
         GROUP BY k, m % 3 HAVING count(*) > 1",
    );
    // Grouping sets share one table.
    spills_with_the_same_rows(
        &db,
        "SELECT i, m, count(*), GROUPING(m, i) FROM sh GROUP BY ROLLUP (m, i)",
    );
}

#[test]
fn distinct_and_set_operations_past_work_mem_spill_with_the_same_rows() {
    let dir = tempfile::tempdir().unwrap();
    let db = database_with_rows(dir.path(), 100_000);
    for (sql, rows) in [
        ("SELECT DISTINCT s, m FROM sh", 50_000),
        ("SELECT DISTINCT k FROM sh", 30_012),
        ("SELECT i FROM sh UNION SELECT id FROM sh", 100_002),
        ("SELECT i FROM sh INTERSECT SELECT id * 2 FROM sh", 50_000),
        (
            "SELECT i % 40000 FROM sh INTERSECT ALL SELECT id % 30000 FROM sh",
            80_000,
        ),
        ("SELECT i FROM sh EXCEPT SELECT id * 2 FROM sh", 50_000),
        (
            "SELECT i % 40000 FROM sh EXCEPT ALL SELECT id % 30000 FROM sh",
            20_000,
        ),
    ] {
        assert_eq!(spills_with_the_same_rows(&db, sql), rows, "{sql}");
    }
}

#[test]
fn distinct_on_past_work_mem_keeps_the_first_row_in_order() {
    let dir = tempfile::tempdir().unwrap();
    let db = database_with_rows(dir.path(), 100_000);
    let sql = "SELECT DISTINCT ON (s) s, id FROM sh ORDER BY s, id DESC";
    let mut s = db.session();
    s.execute("SET work_mem = '1GB'", &[]).unwrap();
    let in_memory = s.query(sql, &[]).unwrap();
    s.execute("SET work_mem = '64kB'", &[]).unwrap();
    let spilled = s.query(sql, &[]).unwrap();
    assert_eq!(in_memory.rows.len(), 50_000);
    // The same rows in the same (sorted) order.
    let text = |r: &rocksgres_engine::QueryResult| -> Vec<String> {
        r.rows.iter().map(|row| format!("{row:?}")).collect()
    };
    assert!(text(&in_memory) == text(&spilled));
    assert_eq!(temp_files(&db), 0);
}

#[test]
fn hashing_operators_fail_with_53400_past_temp_file_limit() {
    let dir = tempfile::tempdir().unwrap();
    let db = database_with_rows(dir.path(), 100_000);
    let mut s = db.session();
    s.execute("SET work_mem = '64kB'", &[]).unwrap();
    s.execute("SET temp_file_limit = '100kB'", &[]).unwrap();
    for q in [
        "SELECT count(*) FROM (SELECT i, count(*) FROM sh GROUP BY i) x",
        "SELECT count(*) FROM (SELECT DISTINCT s, m FROM sh) x",
        "SELECT count(*) FROM (SELECT i FROM sh UNION SELECT id FROM sh) x",
        "SELECT count(*) FROM (SELECT i FROM sh EXCEPT SELECT id * 2 FROM sh) x",
    ] {
        let e = s.query(q, &[]).unwrap_err();
        assert_eq!(e.state, SqlState::ConfigurationLimitExceeded, "{q}");
        assert_eq!(
            e.message,
            "temporary file size exceeds temp_file_limit (100kB)"
        );
        assert_eq!(temp_files(&db), 0);
    }
    s.execute("SET temp_file_limit = -1", &[]).unwrap();
    let r = s
        .query(
            "SELECT count(*) FROM (SELECT i, count(*) FROM sh GROUP BY i) x",
            &[],
        )
        .unwrap();
    assert_eq!(r.rows[0].get::<i64>(0).unwrap(), 100_000);
}

#[test]
fn kept_cte_rows_past_work_mem_spill_with_the_same_result() {
    let dir = tempfile::tempdir().unwrap();
    let db = database_with_rows(dir.path(), 100_000);
    // Two scans: the first keeps the rows, the second replays them.
    spills_with_the_same_rows(
        &db,
        "WITH c AS (SELECT id, s FROM sh) \
         SELECT (SELECT count(*) FROM c), (SELECT md5(string_agg(s, ',')) FROM c)",
    );
    // A recursive union's worktable and kept rows.
    spills_with_the_same_rows(
        &db,
        "WITH RECURSIVE r(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM r WHERE n < 100000) \
         SELECT count(*), sum(n) FROM r",
    );
}

#[test]
fn a_window_partition_past_work_mem_spills_with_the_same_rows() {
    let dir = tempfile::tempdir().unwrap();
    let db = database_with_rows(dir.path(), 100_000);
    // OVER (): one partition of every row, no sort below to spill instead.
    let n = spills_with_the_same_rows(
        &db,
        "SELECT id, s, count(*) OVER (), sum(id) OVER (), max(s) OVER () FROM sh",
    );
    assert_eq!(n, 100_000);
}
