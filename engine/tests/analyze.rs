//! ANALYZE through the embedding API: statistics are durable (they
//! survive closing and reopening the database), go with DROP TABLE
//! (nothing left in the catalog key space), and the planner uses them to
//! pick the build side of an inner hash join, visible in EXPLAIN; plans
//! without statistics stay as written. Also the estimate API on the
//! statistics a query's table carries.

mod common;

use common::{catalog_entries, err, q, run};
use rocksgres_engine::catalog::{self, statistic};
use rocksgres_engine::plan::optimize::estimate;
use rocksgres_engine::{keys, Database, SqlState, Value};
use rocksgres_storage::{Transaction, TxnOptions};

fn plan<S: rocksgres_storage::Store>(
    s: &mut rocksgres_engine::Session<S>,
    sql: &str,
) -> Vec<String> {
    q(s, &format!("EXPLAIN (COSTS OFF) {sql}"))
        .into_iter()
        .map(|r| r[0].clone())
        .collect()
}

const STATS: &str = "SELECT attname, null_frac, avg_width, n_distinct, most_common_vals, \
                     most_common_freqs, histogram_bounds, correlation FROM pg_stats \
                     WHERE tablename = 't' ORDER BY attname";

fn has_stats_entry<S: rocksgres_storage::Store>(db: &Database<S>) -> bool {
    catalog_entries(db)
        .iter()
        .any(|(k, _)| k.len() > 1 && k[0] == keys::KS_CATALOG && k[1] == keys::CAT_STATISTIC)
}

#[test]
fn statistics_survive_a_restart_and_go_with_drop_table() {
    let dir = tempfile::tempdir().unwrap();
    let before;
    {
        let db = Database::open(dir.path()).unwrap();
        let mut s = db.session();
        run(
            &mut s,
            "CREATE TABLE t (id int PRIMARY KEY, g int, s text); \
             INSERT INTO t SELECT i, i % 4, 'v' || (i % 7) FROM generate_series(1, 40) i; \
             ANALYZE t",
        );
        before = q(&mut s, STATS);
        // PostgreSQL 15's values for this table.
        assert_eq!(
            before[0],
            [
                "g",
                "0",
                "4",
                "4",
                "{0,1,2,3}",
                "{0.25,0.25,0.25,0.25}",
                "NULL",
                "0.22889306"
            ]
        );
        assert_eq!(before.len(), 3);
        assert!(has_stats_entry(&db));
    }
    let db = Database::open(dir.path()).unwrap();
    let mut s = db.session();
    assert_eq!(q(&mut s, STATS), before);
    assert_eq!(
        q(
            &mut s,
            "SELECT reltuples, relpages FROM pg_class WHERE relname = 't'"
        ),
        [["40", "1"]]
    );
    run(&mut s, "DROP TABLE t");
    assert!(
        !has_stats_entry(&db),
        "the statistics entry outlived its table"
    );
    run(&mut s, "CREATE TABLE t (id int PRIMARY KEY, g int, s text)");
    assert!(q(&mut s, STATS).is_empty());
    assert_eq!(
        q(&mut s, "SELECT reltuples FROM pg_class WHERE relname = 't'"),
        [["-1"]]
    );
}

#[test]
fn analyze_rolls_back_with_its_transaction() {
    let db = Database::open_in_memory();
    let mut s = db.session();
    run(
        &mut s,
        "CREATE TABLE t (a int); INSERT INTO t SELECT generate_series(1, 5)",
    );
    run(&mut s, "BEGIN; ANALYZE t; ROLLBACK");
    assert!(q(&mut s, STATS).is_empty());
    assert!(!has_stats_entry(&db));
    run(&mut s, "BEGIN; ANALYZE t; COMMIT");
    assert_eq!(q(&mut s, STATS).len(), 1);
    // Errors as PostgreSQL's.
    assert_eq!(
        err(&mut s, "ANALYZE nosuch").state,
        SqlState::UndefinedTable
    );
    let e = err(&mut s, "ANALYZE t (zz)");
    assert_eq!(e.state, SqlState::UndefinedColumn);
    assert_eq!(e.message, "column \"zz\" of relation \"t\" does not exist");
    assert_eq!(
        err(&mut s, "ANALYZE pg_class").state,
        SqlState::FeatureNotSupported
    );
    // A view is skipped with PostgreSQL's warning.
    run(&mut s, "CREATE VIEW v AS SELECT a FROM t");
    let r = s.query("ANALYZE v", &[]).unwrap();
    assert_eq!(
        r.notices,
        ["skipping \"v\" --- cannot analyze non-tables or special system tables"]
    );
    let r = s.query("ANALYZE VERBOSE t", &[]).unwrap();
    assert_eq!(r.notices[0], "analyzing \"public.t\"");
}

#[test]
fn the_smaller_input_builds_the_hash_table() {
    let db = Database::open_in_memory();
    let mut s = db.session();
    run(
        &mut s,
        "CREATE TABLE small (id int, x int); CREATE TABLE big (id int, y int); \
         INSERT INTO small SELECT i, i * 10 FROM generate_series(1, 5) i; \
         INSERT INTO big SELECT i, i % 100 FROM generate_series(1, 200) i",
    );
    let query = "SELECT small.id, small.x, big.y FROM small JOIN big ON small.id = big.id";
    let written = [
        "Hash Join",
        "  Hash Cond: (small.id = big.id)",
        "  ->  Seq Scan on small",
        "  ->  Hash",
        "        ->  Seq Scan on big",
    ];
    // Without statistics: as written, the right input is hashed.
    assert_eq!(plan(&mut s, query), written);
    let rows = q(&mut s, &format!("{query} ORDER BY 1"));
    assert_eq!(rows.len(), 5);
    // Statistics on one side only change nothing.
    run(&mut s, "ANALYZE small");
    assert_eq!(plan(&mut s, query), written);
    run(&mut s, "ANALYZE big");
    assert_eq!(
        plan(&mut s, query),
        [
            "Hash Join",
            "  Hash Cond: (big.id = small.id)",
            "  ->  Seq Scan on big",
            "  ->  Hash",
            "        ->  Seq Scan on small",
        ]
    );
    // Same rows, columns in the query's order (the cached plan of the
    // query was made again after ANALYZE).
    assert_eq!(q(&mut s, &format!("{query} ORDER BY 1")), rows);
    assert_eq!(
        q(
            &mut s,
            "SELECT * FROM small JOIN big ON small.id = big.id WHERE small.id = 2"
        ),
        [["2", "20", "2", "2"]]
    );
    // A selective filter makes the left input the smaller one: 200 rows
    // with y = 3 in 1% of them (a most common value) is 2 rows, fewer
    // than small's 5, so big is hashed even on the right.
    let filtered: Vec<String> = plan(
        &mut s,
        "SELECT * FROM small JOIN big ON small.id = big.id WHERE big.y = 3",
    )
    .into_iter()
    .filter(|l| !l.contains("Filter:"))
    .collect();
    assert_eq!(filtered, written);
    assert_eq!(
        q(
            &mut s,
            "SELECT * FROM small JOIN big ON small.id = big.id WHERE big.y = 3"
        ),
        [["3", "30", "3", "3"]]
    );
    // A LEFT join keeps its sides.
    assert_eq!(
        plan(
            &mut s,
            "SELECT * FROM small LEFT JOIN big ON small.id = big.id"
        ),
        [
            "Hash Left Join",
            "  Hash Cond: (small.id = big.id)",
            "  ->  Seq Scan on small",
            "  ->  Hash",
            "        ->  Seq Scan on big",
        ]
    );
}

#[test]
fn estimates_from_the_statistics() {
    let db = Database::open_in_memory();
    let mut s = db.session();
    run(
        &mut s,
        "CREATE TABLE t (a int, b int); \
         INSERT INTO t SELECT i % 4, CASE WHEN i <= 10 THEN NULL ELSE i END FROM generate_series(1, 40) i; \
         ANALYZE t",
    );
    let mut txn = db
        .begin(catalog::database::POSTGRES_OID, TxnOptions::default())
        .unwrap();
    let mut table = catalog::lookup_table(&mut txn, "public", "t")
        .unwrap()
        .unwrap();
    assert_eq!(estimate::estimated_rows(&table), None, "not attached yet");
    table.stats = statistic::load(&mut txn, table.id)
        .unwrap()
        .map(std::sync::Arc::new);
    txn.rollback();
    assert_eq!(estimate::estimated_rows(&table), Some(40.0));
    // a: four values, ten rows each.
    assert_eq!(
        estimate::eq_selectivity(&table, 0, &Value::Int4(2)),
        Some(0.25)
    );
    assert_eq!(
        estimate::eq_selectivity(&table, 0, &Value::Int4(9)),
        Some(0.0)
    );
    assert_eq!(estimate::eq_selectivity_unknown(&table, 0), Some(0.25));
    // b: a quarter NULL, the rest unique.
    let sel = estimate::eq_selectivity(&table, 1, &Value::Int4(20)).unwrap();
    assert!((sel - 1.0 / 30.0).abs() < 1e-6, "{sel}");
    assert_eq!(estimate::eq_selectivity(&table, 1, &Value::Null), Some(0.0));
}
