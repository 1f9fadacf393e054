//! More operators past `work_mem` spill to temporary files (issue 14,
//! bounded memory): aggregates that keep their inputs (`ORDER BY` and
//! `DISTINCT` aggregates, `string_agg`, `array_agg`, the JSON and the
//! ordered-set aggregates), over one group and over many. Each query
//! runs with work_mem large (in memory), then at 64kB while another
//! thread watches the temporary directory: the files must appear, the
//! rows must be the same and no file may remain.

mod common;

use common::spill::{spills_with_the_same_rows_as, temp_files};
use rocksgres_engine::{Database, SqlState};

/// A database in `dir` with `sm(id, i, m, s, k)` holding `rows` rows.
fn database_with_rows(dir: &std::path::Path, rows: u32) -> Database {
    let db = Database::open(dir).unwrap();
    let mut s = db.session();
    s.execute(
        &format!(
            "CREATE TABLE sm AS SELECT g AS id, (g * 7919) % 100003 AS i, g % 1000 AS m, \
             'k' || ((g * 31) % 50000) AS s, \
             CASE WHEN g % 7 = 0 THEN NULL ELSE (g * 17) % 30011 END AS k \
             FROM generate_series(1, {rows}) g"
        ),
        &[],
    )
    .unwrap();
    db
}

#[test]
fn aggregates_keeping_their_inputs_spill_over_one_group() {
    let dir = tempfile::tempdir().unwrap();
    let db = database_with_rows(dir.path(), 100_000);
    for sql in [
        "SELECT md5(string_agg(s, ',' ORDER BY i DESC, id)) FROM sm",
        "SELECT md5(array_agg(k ORDER BY s, id)::text) FROM sm",
        "SELECT count(DISTINCT s), count(DISTINCT k), sum(DISTINCT m) FROM sm",
        "SELECT md5(array_agg(DISTINCT s)::text), md5(string_agg(DISTINCT s, ';')) FROM sm",
        "SELECT md5(json_agg(i ORDER BY i)::text), md5(jsonb_agg(DISTINCT m)::text) FROM sm",
        "SELECT percentile_cont(0.37) WITHIN GROUP (ORDER BY i), \
         percentile_disc(0.5) WITHIN GROUP (ORDER BY s), \
         percentile_cont(ARRAY[0, 0.25, 0.5, 1]) WITHIN GROUP (ORDER BY k) FROM sm",
        "SELECT mode() WITHIN GROUP (ORDER BY m), \
         rank(500) WITHIN GROUP (ORDER BY k), dense_rank(500) WITHIN GROUP (ORDER BY m), \
         cume_dist(500) WITHIN GROUP (ORDER BY i) FROM sm",
    ] {
        assert_eq!(spills_with_the_same_rows_as(&db, sql, true), 1, "{sql}");
    }
}

#[test]
fn aggregates_keeping_their_inputs_spill_over_many_groups() {
    let dir = tempfile::tempdir().unwrap();
    let db = database_with_rows(dir.path(), 100_000);
    // A few large groups, then many small ones: groups come out sorted.
    assert_eq!(
        spills_with_the_same_rows_as(
            &db,
            "SELECT m % 3, md5(string_agg(s, ',' ORDER BY s, id)), count(DISTINCT k), \
             percentile_disc(0.5) WITHIN GROUP (ORDER BY i) FROM sm GROUP BY m % 3",
            true,
        ),
        3
    );
    assert_eq!(
        spills_with_the_same_rows_as(
            &db,
            "SELECT k, array_agg(DISTINCT m), string_agg(s, ',' ORDER BY id DESC) \
             FROM sm GROUP BY k",
            true,
        ),
        30_012
    );
}

#[test]
fn a_spilling_aggregate_fails_with_53400_past_temp_file_limit() {
    let dir = tempfile::tempdir().unwrap();
    let db = database_with_rows(dir.path(), 100_000);
    let mut s = db.session();
    s.execute("SET work_mem = '64kB'", &[]).unwrap();
    s.execute("SET temp_file_limit = '100kB'", &[]).unwrap();
    for q in [
        "SELECT count(DISTINCT s) FROM sm",
        "SELECT length(string_agg(s, ',' ORDER BY i)) FROM sm",
        "SELECT count(*) FROM (SELECT k, array_agg(s ORDER BY id) FROM sm GROUP BY k) x",
    ] {
        let e = s.query(q, &[]).unwrap_err();
        assert_eq!(e.state, SqlState::ConfigurationLimitExceeded, "{q}");
        assert_eq!(temp_files(&db), 0);
    }
}

#[test]
fn in_subquery_sets_past_their_limit_spill_with_the_same_answers() {
    let dir = tempfile::tempdir().unwrap();
    let db = database_with_rows(dir.path(), 100_000);
    for (sql, count) in [
        (
            "SELECT count(*) FROM sm WHERE i IN (SELECT k FROM sm WHERE id % 2 = 0)",
            "28578",
        ),
        // NOT IN over values without NULL, then with one: NULL, so no row.
        (
            "SELECT count(*) FROM sm WHERE i NOT IN \
             (SELECT k FROM sm WHERE id % 2 = 0 AND k IS NOT NULL)",
            "71422",
        ),
        (
            "SELECT count(*) FROM sm WHERE i NOT IN (SELECT k FROM sm WHERE id % 2 = 0)",
            "0",
        ),
        // Three-valued results per row, text keys.
        (
            "SELECT count(*) FILTER (WHERE s IN (SELECT 'k' || id FROM sm WHERE id % 3 = 0)) \
             + 1000000 * count(*) FILTER (WHERE k NOT IN (SELECT i FROM sm WHERE id > 10)) \
             FROM sm",
            "",
        ),
    ] {
        assert_eq!(spills_with_the_same_rows_as(&db, sql, true), 1, "{sql}");
        if !count.is_empty() {
            let mut s = db.session();
            s.execute("SET work_mem = '64kB'", &[]).unwrap();
            let r = common::q(&mut s, sql);
            assert_eq!(r[0][0], count, "{sql}");
        }
    }
}

#[test]
fn a_recursive_union_past_its_limit_spills_its_seen_rows() {
    let dir = tempfile::tempdir().unwrap();
    let db = database_with_rows(dir.path(), 10);
    // The powers of 2 and 3 modulo a prime: 20004 values, each once
    // (UNION ends the recursion), a few more rows per iteration.
    let sql = "WITH RECURSIVE r(n, t) AS (SELECT 1, 'x' UNION \
               SELECT (n * k) % 40009, 'x' FROM r, (VALUES (2), (3)) v(k)) \
               SELECT n, t FROM r";
    assert_eq!(spills_with_the_same_rows_as(&db, sql, true), 20_004);
    let sql = "WITH RECURSIVE r(n) AS (SELECT 1 UNION \
               SELECT (n * k) % 40009 FROM r, (VALUES (2), (3)) v(k)) \
               SELECT count(*), sum(n) FROM r";
    assert_eq!(spills_with_the_same_rows_as(&db, sql, true), 1);
    let mut s = db.session();
    s.execute("SET work_mem = '64kB'", &[]).unwrap();
    assert_eq!(common::q(&mut s, sql), vec![vec!["20004", "400170018"]]);
}

#[test]
fn a_nested_loop_inner_side_past_work_mem_spills() {
    let dir = tempfile::tempdir().unwrap();
    let db = database_with_rows(dir.path(), 10);
    let mut s = db.session();
    common::run(
        &mut s,
        "CREATE TABLE nl_o AS SELECT g AS id, g * 37 % 20011 AS v FROM generate_series(1, 40) g; \
         CREATE TABLE nl_i AS SELECT g AS id, 'row ' || g || repeat('x', 20) AS t \
         FROM generate_series(1, 20000) g",
    );
    for sql in [
        "SELECT o.id, i.id, i.t FROM nl_o o JOIN nl_i i ON i.id BETWEEN o.v AND o.v + 10",
        "SELECT o.id, i.id FROM nl_o o FULL JOIN nl_i i ON i.id BETWEEN o.v AND o.v + 10",
        "SELECT o.id, i.id FROM nl_o o LEFT JOIN nl_i i ON i.id < o.id * 3 AND i.id % 2 = 0",
        "SELECT o.id, x.id FROM nl_o o, LATERAL (SELECT i.id FROM nl_i i WHERE i.id > o.v * 2) x",
    ] {
        spills_with_the_same_rows_as(&db, sql, false);
    }
}

#[test]
fn returning_rows_past_work_mem_spill() {
    let dir = tempfile::tempdir().unwrap();
    let db = database_with_rows(dir.path(), 30_000);
    // Idempotent statements: each run returns the same rows.
    for sql in [
        "UPDATE sm SET m = m + 0 RETURNING id, s, m",
        "WITH u AS (UPDATE sm SET m = m + 0 RETURNING id, s) SELECT count(*), sum(id), md5(string_agg(s, ',' ORDER BY id)) FROM u",
    ] {
        spills_with_the_same_rows_as(&db, sql, false);
    }
    // An INSERT's: each run adds (and returns) 30000 more rows.
    let mut s = db.session();
    s.execute("SET work_mem = '64kB'", &[]).unwrap();
    let sql = "INSERT INTO sm (id, s) SELECT g, 'new' || g FROM generate_series(1, 30000) g \
               RETURNING id, s";
    let watcher = common::spill::watch_temp_files(&db);
    let rows = common::spill::run_while_watched(watcher, sql, || {
        common::spill::rows_in_order(&mut s, sql)
    });
    assert_eq!(rows.len(), 30_000);
    assert_eq!(temp_files(&db), 0);
}
