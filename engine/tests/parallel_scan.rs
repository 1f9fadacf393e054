//! Parallel sequential scans (`engine/src/exec/parallel_scan.rs`): a
//! large analyzed table is read by worker threads. Every query must give
//! the rows the serial scan gives (`max_parallel_workers_per_gather = 0`);
//! a LIMIT, an error or a cancel must end the scan; a scan whose order the
//! plan relies on, or that must see the transaction's own writes, stays
//! serial. A hash join whose probe side is such a scan is probed by the
//! workers (`engine/src/exec/parallel_probe.rs`), with the same rows; a
//! top-N sort or a hash aggregate above either is partly done by the
//! workers (`engine/src/exec/gather_stage.rs`), with the same results.

mod common;
use common::{lines, sorted};

use rocksgres_engine::exec::gather_stage::stage_rows;
use rocksgres_engine::exec::parallel_probe::worker_probes;
use rocksgres_engine::exec::parallel_scan::workers_launched;
use rocksgres_engine::storage::RocksStore;
use rocksgres_engine::{Database, Session, SqlState, Value};

/// The tests count workers process-wide: one runs at a time.
static ONE_AT_A_TIME: std::sync::Mutex<()> = std::sync::Mutex::new(());

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
    let _one = ONE_AT_A_TIME.lock().unwrap_or_else(|e| e.into_inner());
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

/// Runs `sql` serially and in parallel, as [`same_rows_in_parallel`], and
/// checks whether the workers probed the join themselves.
fn same_rows_probed_in_workers(s: &mut Session<RocksStore>, sql: &str, in_workers: bool) -> usize {
    let before = worker_probes();
    let rows = same_rows_in_parallel(s, sql);
    assert_eq!(worker_probes() > before, in_workers, "{sql}");
    rows
}

#[test]
fn hash_joins_are_probed_by_the_workers_with_the_serial_rows() {
    let _one = ONE_AT_A_TIME.lock().unwrap_or_else(|e| e.into_inner());
    let dir = tempfile::tempdir().unwrap();
    let db = database(dir.path());
    let mut s = db.session();
    common::run(
        &mut s,
        "CREATE TABLE small (id int PRIMARY KEY, grp int, name text);
         INSERT INTO small SELECT g, g % 7, 'x' || g FROM generate_series(1, 1500) g;
         INSERT INTO small VALUES (2000, NULL, NULL);
         ANALYZE small",
    );
    for (sql, rows, in_workers) in [
        // Inner, with filters on both sides and a quick condition beside
        // the key.
        (
            "SELECT b.id, s.name FROM big b JOIN small s ON s.id = b.k AND s.grp <> 3 \
             WHERE b.n > 500 AND s.name > 'x2'",
            0,
            true,
        ),
        (
            "SELECT s.grp, count(*), sum(b.n), max(b.t) FROM big b JOIN small s ON s.id = b.k \
             GROUP BY s.grp",
            7,
            true,
        ),
        // Left: NULL keys and unmatched keys are NULL-extended.
        (
            "SELECT b.id, s.id, s.name FROM big b LEFT JOIN small s ON s.id = b.k AND s.grp = 2",
            120_000,
            true,
        ),
        // Semi and anti joins.
        (
            "SELECT b.id FROM big b WHERE EXISTS (SELECT 1 FROM small s WHERE s.id = b.k AND s.grp = 1)",
            0,
            true,
        ),
        (
            "SELECT b.id FROM big b WHERE NOT EXISTS (SELECT 1 FROM small s WHERE s.id = b.k)",
            0,
            true,
        ),
        // A text key.
        (
            "SELECT b.id, s.id FROM big b JOIN small s ON s.name = 'x' || b.id",
            1500,
            false,
        ),
        // A condition the workers cannot decide: the leader probes.
        (
            "SELECT b.id FROM big b JOIN small s ON s.id = b.k AND s.grp < b.id % 7",
            0,
            false,
        ),
        // A filter the workers leave to the leader, which then probes.
        (
            "SELECT b.id, s.grp FROM big b JOIN small s ON s.id = b.k WHERE b.id % 1000 = 7",
            109,
            false,
        ),
    ] {
        let got = same_rows_probed_in_workers(&mut s, sql, in_workers);
        if rows > 0 {
            assert_eq!(got, rows, "{sql}");
        }
    }

    // The counts the serial plan gives for the joins whose row counts are
    // not fixed above, computed from the data: keys 1..=999 of `big.k`
    // (every 11th row NULL) against small's 1..=1500.
    let count = |s: &mut Session<RocksStore>, sql: &str| -> i64 {
        s.query(sql, &[]).unwrap().rows[0].values()[0]
            .as_i64()
            .unwrap()
    };
    let with_key = count(&mut s, "SELECT count(*) FROM big WHERE k IS NOT NULL");
    assert_eq!(
        count(
            &mut s,
            "SELECT count(*) FROM big b WHERE NOT EXISTS (SELECT 1 FROM small s WHERE s.id = b.k)"
        ),
        120_000 - with_key + count(&mut s, "SELECT count(*) FROM big WHERE k = 0"),
    );

    // Literals a cached simple-protocol plan turned into parameters are
    // still decided by the workers, and a prepared statement's too.
    let sql = "SELECT count(*), sum(b.n) FROM big b JOIN small s ON s.id = b.k WHERE b.t > 'xxxxx' AND s.grp = 4";
    let serial = {
        s.execute("SET max_parallel_workers_per_gather = 0", &[])
            .unwrap();
        let r = sorted(&mut s, sql);
        s.execute("RESET max_parallel_workers_per_gather", &[])
            .unwrap();
        r
    };
    for _ in 0..3 {
        let before = worker_probes();
        assert_eq!(sorted(&mut s, sql), serial);
        assert!(worker_probes() > before, "{sql}");
    }
    assert!(s.plan_cache_stats().hits > 0, "the plan cache was not used");
    let before = worker_probes();
    let r = s
        .query(
            "SELECT count(*), sum(b.n) FROM big b JOIN small s ON s.id = b.k WHERE b.t > $1 AND s.grp = $2",
            &[Value::Text("xxxxx".into()), Value::Int4(4)],
        )
        .unwrap();
    assert_eq!(common::texts(&r), serial);
    assert!(worker_probes() > before, "prepared");

    // EXPLAIN shows the Gather above the join, as PostgreSQL shows a hash
    // join its workers run; EXPLAIN ANALYZE runs it so and counts the
    // scan's rows per worker.
    let sql = "SELECT s.grp, b.id FROM big b JOIN small s ON s.id = b.k";
    let plan = lines(&mut s, &format!("EXPLAIN {sql}"));
    let planned = number_after(&plan, "Workers Planned: ");
    assert!(planned >= 1, "{plan:#?}");
    assert_eq!(
        plan,
        [
            "Gather".to_string(),
            format!("  Workers Planned: {planned}"),
            "  ->  Hash Join".to_string(),
            "        Hash Cond: (b.k = s.id)".to_string(),
            "        ->  Parallel Seq Scan on big b".to_string(),
            "        ->  Hash".to_string(),
            "              ->  Seq Scan on small s".to_string(),
        ],
    );
    let joined = count(&mut s, "SELECT count(*) FROM big WHERE k BETWEEN 1 AND 999");
    let before = worker_probes();
    let analyzed = lines(&mut s, &format!("EXPLAIN (ANALYZE, TIMING OFF) {sql}"));
    assert_eq!(worker_probes() - before, 120_000, "{analyzed:#?}");
    let per_worker = (120_000f64 / planned as f64).round_ties_even() as u64;
    assert_eq!(
        analyzed[..6],
        [
            format!("Gather (actual rows={joined} loops=1)"),
            format!("  Workers Planned: {planned}"),
            format!("  Workers Launched: {planned}"),
            format!("  ->  Hash Join (actual rows={joined} loops=1)"),
            "        Hash Cond: (b.k = s.id)".to_string(),
            format!(
                "        ->  Parallel Seq Scan on big b (actual rows={per_worker} loops={planned})"
            ),
        ],
        "{analyzed:#?}"
    );

    // A FULL join is probed by the leader, under the Gather of its scan.
    let plan = lines(
        &mut s,
        "EXPLAIN SELECT s.grp, b.id FROM big b FULL JOIN small s ON s.id = b.k",
    );
    assert_eq!(plan[0], "Hash Full Join", "{plan:#?}");
    assert_eq!(plan[2], "  ->  Gather", "{plan:#?}");

    // A LIMIT over a probed join stops the workers.
    let r = s
        .query(
            "SELECT b.id FROM big b JOIN small s ON s.id = b.k LIMIT 3",
            &[],
        )
        .unwrap();
    assert_eq!(r.rows.len(), 3);
}

/// Runs `sql` serially and in parallel, as [`same_rows_in_parallel`], and
/// checks whether the workers took rows into a top-N sort or a partial
/// aggregate of their own.
fn same_rows_staged(s: &mut Session<RocksStore>, sql: &str, staged: bool) -> usize {
    let before = stage_rows();
    let rows = same_rows_in_parallel(s, sql);
    assert_eq!(stage_rows() > before, staged, "{sql}");
    if sql.contains("ORDER BY") {
        // A top-N's rows in the statement's order.
        s.execute("SET max_parallel_workers_per_gather = 0", &[])
            .unwrap();
        let serial = lines(s, sql);
        s.execute("RESET max_parallel_workers_per_gather", &[])
            .unwrap();
        assert_eq!(lines(s, sql), serial, "{sql}");
    }
    rows
}

#[test]
fn workers_aggregate_and_keep_their_top_rows_with_the_serial_results() {
    let _one = ONE_AT_A_TIME.lock().unwrap_or_else(|e| e.into_inner());
    let dir = tempfile::tempdir().unwrap();
    let db = database(dir.path());
    let mut s = db.session();
    common::run(
        &mut s,
        "CREATE TABLE small (id int PRIMARY KEY, grp int, name text);
         INSERT INTO small SELECT g, g % 7, 'x' || g FROM generate_series(1, 1500) g;
         ANALYZE small",
    );
    for (sql, staged) in [
        // Partial aggregates over the scan, with and without GROUP BY
        // (NULL keys group together).
        (
            "SELECT k, count(*), count(k), sum(n), avg(n), min(t), max(id), avg(id) \
             FROM big GROUP BY k",
            true,
        ),
        (
            "SELECT count(*), sum(id), avg(k), min(n), max(t) FROM big",
            true,
        ),
        ("SELECT count(*), sum(id) FROM big WHERE n > 990", true),
        // Over a hash join the workers probe, through a projection.
        (
            "SELECT s.grp, count(*), sum(b.n), max(b.t) FROM big b JOIN small s ON s.id = b.k \
             GROUP BY s.grp",
            true,
        ),
        (
            "SELECT count(*), sum(b.n) FROM big b JOIN small s ON s.id = b.k \
             WHERE b.t > 'xxxxx' AND s.grp = 4",
            true,
        ),
        // Top N over the scan and over the join (unique sort keys: one
        // right order).
        ("SELECT id, k FROM big ORDER BY n DESC, id LIMIT 7", true),
        (
            "SELECT b.id, s.name, b.n FROM big b JOIN small s ON s.id = b.k \
             ORDER BY b.n DESC, b.id LIMIT 5 OFFSET 3",
            true,
        ),
        // What the workers cannot do is left to the leader: an aggregate
        // that does not merge, a computed argument, a computed sort key.
        (
            "SELECT k, string_agg(t, ',' ORDER BY id) FROM big WHERE n > 996 GROUP BY k",
            false,
        ),
        ("SELECT k, sum(n * 2) FROM big GROUP BY k", false),
        ("SELECT k, bool_and(n > 3) FROM big GROUP BY k", false),
        ("SELECT id FROM big ORDER BY n + 1 DESC, id LIMIT 3", false),
        ("SELECT count(DISTINCT k) FROM big", false),
    ] {
        same_rows_staged(&mut s, sql, staged);
    }

    // The workers' groups past the memory they may hold: each worker's
    // rows of new groups go to the leader, whose table spills to batches;
    // the workers' groups it does not hold go to those batches.
    s.execute("SET work_mem = '64kB'", &[]).unwrap();
    let rows = same_rows_staged(
        &mut s,
        "SELECT id, count(*), sum(n), max(k) FROM big GROUP BY id",
        true,
    );
    assert_eq!(rows, 120_000);
    s.execute("RESET work_mem", &[]).unwrap();

    // The counts and sums, computed from the data: 120,000 rows, ids
    // 1..=120000, n = (id % 997) + 0.5.
    let r = s
        .query("SELECT count(*), sum(id), sum(n) FROM big", &[])
        .unwrap();
    let expected_n: f64 = (1..=120_000u64).map(|g| (g % 997) as f64 + 0.5).sum();
    assert_eq!(r.rows[0].values()[0], Value::Int8(120_000));
    assert_eq!(r.rows[0].values()[1].to_text().unwrap(), "7200060000");
    assert_eq!(
        r.rows[0].values()[2].to_text().unwrap(),
        format!("{expected_n:.1}")
    );

    // EXPLAIN shows the workers' part as PostgreSQL shows its partial
    // aggregates and its sorts in workers (the shapes PostgreSQL 15 gives
    // for the same kinds of query on a parallel table).
    let plan = lines(&mut s, "EXPLAIN SELECT k, count(*) FROM big GROUP BY k");
    let planned = number_after(&plan, "Workers Planned: ");
    assert_eq!(
        plan,
        [
            "Finalize HashAggregate".to_string(),
            "  Group Key: k".to_string(),
            "  ->  Gather".to_string(),
            format!("        Workers Planned: {planned}"),
            "        ->  Partial HashAggregate".to_string(),
            "              Group Key: k".to_string(),
            "              ->  Parallel Seq Scan on big".to_string(),
        ],
    );
    let plan = lines(
        &mut s,
        "EXPLAIN SELECT id FROM big ORDER BY n DESC, id LIMIT 3",
    );
    assert_eq!(
        plan,
        [
            "Limit".to_string(),
            "  ->  Gather Merge".to_string(),
            format!("        Workers Planned: {planned}"),
            "        ->  Sort".to_string(),
            "              Sort Key: n DESC, id".to_string(),
            "              ->  Parallel Seq Scan on big".to_string(),
        ],
    );

    // EXPLAIN ANALYZE runs the plan it shows (the aggregate above the
    // Gather): the workers send every row.
    let before = stage_rows();
    let analyzed = lines(
        &mut s,
        "EXPLAIN (ANALYZE, TIMING OFF) SELECT k, count(*) FROM big GROUP BY k",
    );
    assert_eq!(stage_rows(), before, "{analyzed:#?}");
    assert!(
        analyzed
            .iter()
            .any(|l| l.contains("Parallel Seq Scan on big (actual rows=")),
        "{analyzed:#?}"
    );
    assert!(
        analyzed[0].starts_with("HashAggregate (actual rows=1001 "),
        "{analyzed:#?}"
    );
}
