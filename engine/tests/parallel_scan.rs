//! Parallel sequential scans (`engine/src/exec/parallel_scan.rs`): a
//! large analyzed table is read by worker threads. Every query must give
//! the rows the serial scan gives (`max_parallel_workers_per_gather = 0`);
//! a LIMIT, an error or a cancel must end the scan; a scan whose order the
//! plan relies on, or that must see the transaction's own writes, stays
//! serial.

mod common;
use common::{lines, sorted};

use rocksgres_engine::exec::parallel_scan::workers_launched;
use rocksgres_engine::storage::RocksStore;
use rocksgres_engine::{Database, Session, SqlState, Value};

/// 120,000 rows of about 100 bytes: past PostgreSQL's 8 MB
/// `min_parallel_table_scan_size`, so ANALYZE makes it a parallel table.
fn database(dir: &std::path::Path) -> Database {
    let db = Database::open(dir).unwrap();
    let mut s = db.session();
    s.execute(
        "CREATE TABLE big (id int PRIMARY KEY, k int, n numeric, t text)",
        &[],
    )
    .unwrap();
    s.execute(
        "INSERT INTO big SELECT g, CASE WHEN g % 11 = 0 THEN NULL ELSE g % 1000 END, \
         (g % 997) + 0.5, repeat('x', 60) || g FROM generate_series(1, 120000) g",
        &[],
    )
    .unwrap();
    s.execute("ANALYZE big", &[]).unwrap();
    db
}

/// Runs `sql` serially and in parallel; the rows must be the same, and
/// the parallel run must have started workers.
fn same_rows_in_parallel(s: &mut Session<RocksStore>, sql: &str) -> usize {
    s.execute("SET max_parallel_workers_per_gather = 0", &[])
        .unwrap();
    let before = workers_launched();
    let serial = sorted(s, sql);
    assert_eq!(workers_launched(), before, "serial run of {sql}");
    s.execute("RESET max_parallel_workers_per_gather", &[])
        .unwrap();
    let before = workers_launched();
    let parallel = sorted(s, sql);
    assert!(workers_launched() > before, "no workers for {sql}");
    assert_eq!(parallel, serial, "{sql}");
    serial.len()
}

#[test]
fn parallel_scans_give_the_serial_rows_and_stop_when_told() {
    let dir = tempfile::tempdir().unwrap();
    let db = database(dir.path());
    let mut s = db.session();
    for (sql, rows) in [
        ("SELECT count(*), sum(k), sum(n), max(t) FROM big", 1),
        ("SELECT id, k FROM big WHERE n > 990", 840),
        // NULLs, OR and NOT decided by the workers.
        (
            "SELECT id FROM big WHERE (k < 3 OR k IS NULL) AND NOT id > 60000",
            5617,
        ),
        // A filter the workers leave to the leader (a function call).
        ("SELECT id FROM big WHERE length(t) = 65", 90000),
        ("SELECT k, count(*) FROM big GROUP BY k", 1001),
        (
            "SELECT b.id FROM big b JOIN big c ON c.id = b.k WHERE b.id % 1000 = 7",
            109,
        ),
        ("SELECT id FROM big", 120_000),
    ] {
        assert_eq!(same_rows_in_parallel(&mut s, sql), rows, "{sql}");
    }

    // A LIMIT stops the scan early, with the right number of rows.
    let r = s.query("SELECT id FROM big LIMIT 5", &[]).unwrap();
    assert_eq!(r.rows.len(), 5);

    // An error in the leader's part of the filter ends the statement and
    // the workers; the session goes on.
    let e = s
        .query("SELECT id FROM big WHERE 1 / (id - 70000) > 5", &[])
        .unwrap_err();
    assert_eq!(e.state, SqlState::DivisionByZero);
    assert_eq!(
        s.query("SELECT count(*) FROM big", &[]).unwrap().rows[0].values()[0],
        Value::Int8(120_000)
    );

    // ORDER BY the primary key is the index's order: read serially, in
    // order.
    let before = workers_launched();
    let r = s.query("SELECT id FROM big ORDER BY id", &[]).unwrap();
    assert_eq!(workers_launched(), before, "an ordered scan stays serial");
    let ids: Vec<i64> = r
        .rows
        .iter()
        .map(|row| row.values()[0].as_i64().unwrap())
        .collect();
    assert_eq!(ids, (1..=120_000).collect::<Vec<i64>>());

    // After a write of its own the transaction reads serially, and sees it.
    s.execute("BEGIN", &[]).unwrap();
    s.execute("DELETE FROM big WHERE id <= 1000", &[]).unwrap();
    let before = workers_launched();
    let r = s.query("SELECT count(*) FROM big", &[]).unwrap();
    assert_eq!(r.rows[0].values()[0], Value::Int8(119_000));
    assert_eq!(workers_launched(), before, "own writes: serial");
    s.execute("ROLLBACK", &[]).unwrap();

    explain_shows_the_gather(&mut s);

    // A statement timeout ends a parallel scan.
    s.execute("SET statement_timeout = '1ms'", &[]).unwrap();
    let e = s
        .query(
            "SELECT count(*) FROM big a, big b WHERE a.t < b.t AND a.id < 50",
            &[],
        )
        .unwrap_err();
    assert_eq!(e.state, SqlState::QueryCanceled);
}

/// The number after `key` in the line of `lines` that holds it.
fn number_after(lines: &[String], key: &str) -> u64 {
    let line = lines
        .iter()
        .find(|l| l.contains(key))
        .unwrap_or_else(|| panic!("no {key} in {lines:#?}"));
    let rest = &line[line.find(key).unwrap() + key.len()..];
    let digits: String = rest.chars().take_while(|c| c.is_ascii_digit()).collect();
    digits.parse().unwrap()
}

/// EXPLAIN shows a parallel scan as PostgreSQL does (a Gather over a
/// Parallel Seq Scan), EXPLAIN ANALYZE runs it in parallel and counts
/// per worker; a serial scan shows as before.
fn explain_shows_the_gather(s: &mut Session<RocksStore>) {
    let sql = "SELECT id FROM big WHERE n > 990";
    let plan = lines(s, &format!("EXPLAIN {sql}"));
    assert_eq!(plan[0], "Gather", "{plan:#?}");
    let planned = number_after(&plan, "Workers Planned: ");
    assert!(planned >= 1, "{plan:#?}");
    assert_eq!(
        plan[1..],
        [
            format!("  Workers Planned: {planned}"),
            "  ->  Parallel Seq Scan on big".to_string(),
            "        Filter: (n > '990'::numeric)".to_string(),
        ],
    );

    // ANALYZE: the workers planned are launched, each worker is a loop
    // of the scan, and rows and removed rows are per worker.
    let before = workers_launched();
    let analyzed = lines(s, &format!("EXPLAIN (ANALYZE, TIMING OFF) {sql}"));
    assert_eq!(workers_launched() - before, planned, "{analyzed:#?}");
    assert_eq!(analyzed[0], "Gather (actual rows=840 loops=1)");
    assert_eq!(number_after(&analyzed, "Workers Launched: "), planned);
    let per_worker = |n: u64| (n as f64 / planned as f64).round_ties_even() as u64;
    assert_eq!(
        analyzed[3],
        format!(
            "  ->  Parallel Seq Scan on big (actual rows={} loops={planned})",
            per_worker(840)
        ),
    );
    assert_eq!(
        number_after(&analyzed, "Rows Removed by Filter: "),
        per_worker(120_000 - 840)
    );

    // Structured formats say which node is parallel-aware.
    let json = lines(s, &format!("EXPLAIN (FORMAT JSON) {sql}")).join("\n");
    assert!(json.contains("\"Node Type\": \"Gather\""), "{json}");
    assert!(json.contains("\"Parallel Aware\": true"), "{json}");
    assert!(json.contains("\"Single Copy\": false"), "{json}");

    // A transaction that has written plans the Gather but launches no
    // workers: the leader scans alone, one loop.
    s.execute("BEGIN", &[]).unwrap();
    s.execute("UPDATE big SET k = 5 WHERE id = 1", &[]).unwrap();
    let before = workers_launched();
    let analyzed = lines(s, &format!("EXPLAIN (ANALYZE, TIMING OFF) {sql}"));
    assert_eq!(workers_launched(), before);
    assert_eq!(number_after(&analyzed, "Workers Launched: "), 0);
    assert!(
        analyzed.contains(&"  ->  Parallel Seq Scan on big (actual rows=840 loops=1)".to_string()),
        "{analyzed:#?}"
    );
    s.execute("ROLLBACK", &[]).unwrap();

    // Without workers allowed the scan is a plain Seq Scan.
    s.execute("SET max_parallel_workers_per_gather = 0", &[])
        .unwrap();
    let plan = lines(s, &format!("EXPLAIN {sql}"));
    assert_eq!(
        plan,
        ["Seq Scan on big", "  Filter: (n > '990'::numeric)"],
        "{plan:#?}"
    );
    s.execute("RESET max_parallel_workers_per_gather", &[])
        .unwrap();
}
