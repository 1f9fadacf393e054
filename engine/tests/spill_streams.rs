//! What still grew with the data after the spilling operators (issue 14,
//! bounded memory), now bounded: a window partition's key rows (order keys
//! and call arguments) spill beside its input rows, and the IN / ANY / ALL
//! values of an uncorrelated subquery that is not hashed wait in a
//! tuplestore that spills. Each query runs with work_mem large (in
//! memory), then at 64kB while another thread watches the temporary
//! directory: the files must appear, the rows must be the same and no
//! file may remain; past `temp_file_limit` the statement fails with 53400.

mod common;

use common::spill::{spills_with_the_same_rows_as, temp_files};
use rocksgres_engine::{Database, SqlState};

/// A database in `dir` with `sw(id, m, s, k)` holding `rows` rows.
fn database_with_rows(dir: &std::path::Path, rows: u32) -> Database {
    let db = Database::open(dir).unwrap();
    let mut s = db.session();
    s.execute(
        &format!(
            "CREATE TABLE sw AS SELECT g AS id, g % 1000 AS m, \
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
fn window_frames_over_spilled_partitions_give_the_same_rows() {
    let dir = tempfile::tempdir().unwrap();
    let db = database_with_rows(dir.path(), 30_000);
    for sql in [
        // GROUPS frames, peer groups and the ranking functions.
        "SELECT id, sum(id) OVER w, dense_rank() OVER w, percent_rank() OVER w, \
         cume_dist() OVER w, ntile(7) OVER w FROM sw \
         WINDOW w AS (PARTITION BY id % 2 ORDER BY m GROUPS BETWEEN 2 PRECEDING AND 1 FOLLOWING) \
         ORDER BY id",
        // RANGE frames with offsets over a column with NULLs.
        "SELECT id, sum(k) OVER (ORDER BY k RANGE BETWEEN 50 PRECEDING AND 20 FOLLOWING), \
         count(*) OVER (ORDER BY k DESC RANGE BETWEEN CURRENT ROW AND 30 FOLLOWING) \
         FROM sw ORDER BY id",
        // Exclusions, value functions and lag/lead.
        "SELECT id, sum(id) OVER (ORDER BY m GROUPS BETWEEN 1 PRECEDING AND 1 FOLLOWING \
         EXCLUDE TIES), first_value(s) OVER w, last_value(s) OVER w, nth_value(s, 2) OVER w, \
         lag(s, 3) OVER (ORDER BY id), lead(k, 2, -1) OVER (ORDER BY id) FROM sw \
         WINDOW w AS (ORDER BY id ROWS BETWEEN 3 PRECEDING AND 2 FOLLOWING EXCLUDE CURRENT ROW) \
         ORDER BY id",
    ] {
        assert_eq!(
            spills_with_the_same_rows_as(&db, sql, true),
            30_000,
            "{sql}"
        );
    }
}

#[test]
fn window_arguments_spill_and_honour_temp_file_limit() {
    let dir = tempfile::tempdir().unwrap();
    let db = database_with_rows(dir.path(), 10);
    // The input rows are one integer each; the argument is 200 bytes and
    // more: about 4MB of arguments, which used to stay in memory.
    let sql = "SELECT sum(length(v)) FROM (SELECT lead(repeat('x', 200) || g) OVER () AS v \
               FROM generate_series(1, 20000) g) t";
    assert_eq!(spills_with_the_same_rows_as(&db, sql, true), 1);
    let mut s = db.session();
    s.execute("SET work_mem = '64kB'", &[]).unwrap();
    s.execute("SET temp_file_limit = '1MB'", &[]).unwrap();
    let e = s.query(sql, &[]).unwrap_err();
    assert_eq!(e.state, SqlState::ConfigurationLimitExceeded, "{e}");
    assert_eq!(temp_files(&db), 0);
}

#[test]
fn any_and_all_subquery_values_spill_with_the_same_answers() {
    let dir = tempfile::tempdir().unwrap();
    let db = database_with_rows(dir.path(), 30_000);
    for (sql, count) in [
        // <op> ALL / ANY are never hashed: their values were a Vec.
        (
            "SELECT count(*) FROM sw WHERE id % 1000 = 0 AND id < ALL (SELECT k + 20000 FROM sw WHERE k IS NOT NULL)",
            "20",
        ),
        (
            "SELECT count(*) FROM sw WHERE id % 500 = 0 AND id > ANY (SELECT id + 29000 FROM sw)",
            "2",
        ),
        // NULL among the values: NULL where no value decides.
        (
            "SELECT count(*) FILTER (WHERE m <= ALL (SELECT k FROM sw WHERE id > 100)) \
             + 1000 * count(*) FILTER (WHERE (m <= ALL (SELECT k FROM sw WHERE id > 100)) IS NULL) \
             FROM sw WHERE id % 97 = 0",
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
