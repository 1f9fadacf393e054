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

/// The line of `lines` after the node line starting with `node`, trimmed.
fn line_under(lines: &[String], node: &str, key: &str) -> String {
    let at = lines
        .iter()
        .position(|l| l.trim_start().trim_start_matches("->  ").starts_with(node))
        .unwrap_or_else(|| panic!("no {node} in {lines:#?}"));
    lines[at + 1..]
        .iter()
        .map(|l| l.trim())
        .find(|l| l.starts_with(key))
        .unwrap_or_else(|| panic!("no {key} under {node} in {lines:#?}"))
        .to_string()
}

/// The numbers in `line`, in order.
fn numbers(line: &str) -> Vec<u64> {
    line.split(|c: char| !c.is_ascii_digit())
        .filter(|w| !w.is_empty())
        .map(|w| w.parse().unwrap())
        .collect()
}

#[test]
fn analyze_shows_what_sorts_and_hashes_used() {
    let db = Database::open_in_memory();
    let mut s = db.session();
    s.batch(
        "CREATE TABLE sp (id int PRIMARY KEY, v int, t text); \
         INSERT INTO sp SELECT g, (g * 7919) % 20000, repeat('x', 40) FROM generate_series(1, 20000) g; \
         CREATE TABLE sq (id int PRIMARY KEY, w int); \
         INSERT INTO sq SELECT g, g % 5 FROM generate_series(1, 300) g",
    )
    .unwrap();
    let analyze = "EXPLAIN (ANALYZE, TIMING OFF, SUMMARY OFF) ";

    // In memory: PostgreSQL's "Sort Method: quicksort  Memory: NkB".
    let lines = plan(&mut s, &format!("{analyze}SELECT * FROM sp ORDER BY v"));
    let line = line_under(&lines, "Sort (actual", "Sort Method:");
    assert!(
        line.starts_with("Sort Method: quicksort  Memory: "),
        "{line}"
    );
    assert!(line.ends_with("kB"), "{line}");
    assert!(
        numbers(&line)[0] > 100,
        "20,000 rows in under 100 kB: {line}"
    );
    // Under a LIMIT the sort keeps the first rows only.
    let lines = plan(
        &mut s,
        &format!("{analyze}SELECT * FROM sp ORDER BY v LIMIT 3"),
    );
    let line = line_under(&lines, "Sort (actual", "Sort Method:");
    assert!(
        line.starts_with("Sort Method: top-N heapsort  Memory: "),
        "{line}"
    );
    assert!(
        numbers(&line)[0] < 10,
        "three rows in 10 kB or more: {line}"
    );

    // A hash join's hash table: buckets, one batch, its memory.
    let join = "SELECT sp.id, sq.w FROM sp JOIN sq ON sq.id = sp.v";
    let lines = plan(&mut s, &format!("{analyze}{join}"));
    let line = line_under(&lines, "Hash (actual", "Buckets:");
    let n = numbers(&line);
    assert!(
        line.starts_with("Buckets: ") && line.contains("  Batches: 1  Memory Usage: "),
        "{line}"
    );
    assert!(n[0] >= 300 && n[0].is_power_of_two(), "{line}");
    assert_eq!(n[1], 1, "{line}");

    // Past work_mem the sort merges runs from temporary files, and the hash
    // join goes to batches, as PostgreSQL shows either.
    s.batch("SET work_mem = '64kB'").unwrap();
    let lines = plan(&mut s, &format!("{analyze}SELECT * FROM sp ORDER BY v"));
    let line = line_under(&lines, "Sort (actual", "Sort Method:");
    assert!(
        line.starts_with("Sort Method: external merge  Disk: "),
        "{line}"
    );
    assert!(numbers(&line)[0] > 100, "{line}");
    let lines = plan(
        &mut s,
        &format!("{analyze}SELECT count(*) FROM sp a JOIN sp b ON b.id = a.v + 0"),
    );
    let line = line_under(&lines, "Hash (actual", "Buckets:");
    let n = numbers(&line);
    assert_eq!(
        line,
        format!(
            "Buckets: {} (originally {})  Batches: {} (originally 1)  Memory Usage: {}kB",
            n[0], n[0], n[2], n[4]
        ),
        "{line}"
    );
    assert!(n[2] > 1, "{line}");
    s.batch("RESET work_mem").unwrap();

    // The structured formats give each figure its own property.
    let json = plan(
        &mut s,
        &format!("EXPLAIN (ANALYZE, TIMING OFF, SUMMARY OFF, FORMAT JSON) {join} ORDER BY 1"),
    )
    .join("\n");
    for want in [
        "\"Sort Method\": \"quicksort\"",
        "\"Sort Space Type\": \"Memory\"",
        "\"Sort Space Used\": ",
        "\"Hash Buckets\": ",
        "\"Original Hash Buckets\": ",
        "\"Hash Batches\": 1",
        "\"Original Hash Batches\": 1",
        "\"Peak Memory Usage\": ",
    ] {
        assert!(json.contains(want), "{want} in {json}");
    }

    // Without ANALYZE nothing ran: no such lines.
    let lines = plan(&mut s, &format!("EXPLAIN {join} ORDER BY 1")).join("\n");
    assert!(
        !lines.contains("Sort Method") && !lines.contains("Buckets"),
        "{lines}"
    );
}

#[test]
fn analyze_runs_update_from_as_the_join_it_shows() {
    let db = Database::open_in_memory();
    let mut s = db.session();
    s.batch(
        "CREATE TABLE ut (id int PRIMARY KEY, k int, v int); \
         INSERT INTO ut SELECT g, g % 100, 0 FROM generate_series(1, 3000) g; \
         CREATE TABLE us (k int, w int); \
         INSERT INTO us SELECT g % 10, g FROM generate_series(1, 40) g",
    )
    .unwrap();
    let analyze = "EXPLAIN (ANALYZE, TIMING OFF, SUMMARY OFF) ";
    // 3,000 target rows; keys 0..9 each joined by 30 of them, each key
    // having 4 source rows, 2 of them with w > 20.
    let lines = plan(
        &mut s,
        &format!("{analyze}UPDATE ut SET v = us.w FROM us WHERE us.k = ut.k AND us.w > 20"),
    );
    let trimmed: Vec<&str> = lines
        .iter()
        .map(|l| l.trim_start().trim_start_matches("->  "))
        .collect();
    assert_eq!(
        trimmed[0], "Update on ut (actual rows=0 loops=1)",
        "{lines:#?}"
    );
    assert_eq!(
        trimmed[1], "Hash Join (actual rows=300 loops=1)",
        "{lines:#?}"
    );
    assert_eq!(trimmed[2], "Hash Cond: (ut.k = us.k)", "{lines:#?}");
    assert_eq!(
        trimmed[3], "Seq Scan on ut (actual rows=3000 loops=1)",
        "{lines:#?}"
    );
    assert_eq!(trimmed[4], "Hash (actual rows=20 loops=1)", "{lines:#?}");
    assert!(
        trimmed[5].starts_with("Buckets: ") && trimmed[5].contains("  Batches: 1  Memory Usage: "),
        "{lines:#?}"
    );
    assert_eq!(
        trimmed[6], "Seq Scan on us (actual rows=20 loops=1)",
        "{lines:#?}"
    );
    assert_eq!(trimmed[7], "Filter: (w > 20)", "{lines:#?}");
    assert_eq!(trimmed[8], "Rows Removed by Filter: 20", "{lines:#?}");
    // The statement ran: each of the 300 rows took one of its key's two
    // matching w values.
    let r = s
        .query(
            "SELECT count(*), count(*) FILTER (WHERE v % 10 = k AND v > 20) FROM ut WHERE v <> 0",
            &[],
        )
        .unwrap();
    assert_eq!(r.rows[0].get::<i64>(0).unwrap(), 300);
    assert_eq!(r.rows[0].get::<i64>(1).unwrap(), 300);

    // DELETE ... USING with RETURNING: the statement's rows are those it
    // returns.
    let lines = plan(
        &mut s,
        &format!("{analyze}DELETE FROM ut USING us WHERE us.k = ut.k AND us.w = 5 RETURNING ut.id"),
    );
    assert_eq!(
        lines[0].trim(),
        "Delete on ut (actual rows=30 loops=1)",
        "{lines:#?}"
    );
    let r = s.query("SELECT count(*) FROM ut", &[]).unwrap();
    assert_eq!(r.rows[0].get::<i64>(0).unwrap(), 2970);
}

#[test]
fn analyze_runs_merge_as_the_hash_join_it_shows() {
    let db = Database::open_in_memory();
    let mut s = db.session();
    s.batch(
        "CREATE TABLE mt (id int PRIMARY KEY, k int, v int); \
         INSERT INTO mt SELECT g, g, 0 FROM generate_series(1, 3000) g; \
         CREATE TABLE ms (k int, w int); \
         INSERT INTO ms SELECT g * 2, g FROM generate_series(1, 2000) g",
    )
    .unwrap();
    let analyze = "EXPLAIN (ANALYZE, TIMING OFF, SUMMARY OFF) ";
    // Source keys 2, 4, ..., 4000: 1,500 match a target row (k <= 3000),
    // 500 do not; of the matched, those with w > 100 are updated.
    let lines = plan(
        &mut s,
        &format!(
            "{analyze}MERGE INTO mt USING ms ON mt.k = ms.k \
             WHEN MATCHED AND ms.w > 100 THEN UPDATE SET v = ms.w \
             WHEN MATCHED THEN DO NOTHING \
             WHEN NOT MATCHED AND ms.w % 2 = 0 THEN INSERT VALUES (ms.k + 10000, ms.k, ms.w)"
        ),
    );
    let trimmed: Vec<&str> = lines
        .iter()
        .map(|l| l.trim_start().trim_start_matches("->  "))
        .collect();
    let expected = [
        "Merge on mt (actual rows=0 loops=1)",
        "Tuples: inserted=250 updated=1400 skipped=350",
        "Hash Right Join (actual rows=2000 loops=1)",
        "Hash Cond: (mt.k = ms.k)",
        "Seq Scan on mt (actual rows=3000 loops=1)",
        "Hash (actual rows=2000 loops=1)",
    ];
    assert_eq!(trimmed[..6], expected, "{lines:#?}");
    assert!(
        trimmed[6].starts_with("Buckets: ") && trimmed[6].contains("  Batches: 1  Memory Usage: "),
        "{lines:#?}"
    );
    assert_eq!(
        trimmed[7], "Seq Scan on ms (actual rows=2000 loops=1)",
        "{lines:#?}"
    );
    assert_eq!(trimmed.len(), 8, "{lines:#?}");
    // The statement ran.
    let r = s
        .query(
            "SELECT count(*) FILTER (WHERE v > 100 AND id <= 3000), count(*) FILTER (WHERE id > 10000) FROM mt",
            &[],
        )
        .unwrap();
    assert_eq!(r.rows[0].get::<i64>(0).unwrap(), 1400);
    assert_eq!(r.rows[0].get::<i64>(1).unwrap(), 250);

    // In JSON the four counts are properties of the Merge node.
    let lines = plan(
        &mut s,
        "EXPLAIN (ANALYZE, TIMING OFF, SUMMARY OFF, FORMAT JSON) MERGE INTO mt USING ms ON mt.k = ms.k \
         WHEN MATCHED AND ms.w <= 10 THEN DELETE",
    );
    let doc = lines.join("\n");
    for prop in [
        "\"Operation\": \"Merge\"",
        "\"Tuples Inserted\": 0",
        "\"Tuples Updated\": 0",
        "\"Tuples Deleted\": 10",
        "\"Tuples Skipped\": 1740",
        "\"Node Type\": \"Hash Join\"",
    ] {
        assert!(doc.contains(prop), "{prop} in {doc}");
    }
    assert!(!doc.contains("\"Tuples\""), "{doc}");

    // Past work_mem the source rows go to batches: 6,000 more source rows
    // (keys 4002, 4004, ...: none matches), 8,000 in all, pass 64kB.
    s.batch(
        "INSERT INTO ms SELECT g * 2, g FROM generate_series(2001, 8000) g; \
         SET work_mem = '64kB'",
    )
    .unwrap();
    let lines = plan(
        &mut s,
        &format!(
            "{analyze}MERGE INTO mt USING ms ON mt.k = ms.k \
             WHEN MATCHED AND ms.w <= 20 THEN DELETE \
             WHEN NOT MATCHED THEN DO NOTHING"
        ),
    );
    let trimmed: Vec<&str> = lines
        .iter()
        .map(|l| l.trim_start().trim_start_matches("->  "))
        .collect();
    assert_eq!(trimmed[1], "Tuples: deleted=10 skipped=7990", "{lines:#?}");
    assert_eq!(
        trimmed[2], "Hash Right Join (actual rows=8000 loops=1)",
        "{lines:#?}"
    );
    assert!(
        trimmed[6].contains("  Batches: 32 (originally 1)  Memory Usage: "),
        "{lines:#?}"
    );
}

#[test]
fn analyze_shows_what_hash_aggregates_used() {
    let db = Database::open_in_memory();
    let mut s = db.session();
    s.batch(
        "CREATE TABLE ha (id int PRIMARY KEY, v int, t text); \
         INSERT INTO ha SELECT g, (g * 7919) % 20000, repeat('x', 20) FROM generate_series(1, 20000) g",
    )
    .unwrap();
    let analyze = "EXPLAIN (ANALYZE, TIMING OFF, SUMMARY OFF) ";

    // In memory: PostgreSQL 15's "Batches: 1  Memory Usage: NkB", after
    // the group key.
    let lines = plan(
        &mut s,
        &format!("{analyze}SELECT v % 100, count(*) FROM ha GROUP BY 1"),
    );
    assert!(
        lines[0].starts_with("HashAggregate (actual rows=100 "),
        "{lines:#?}"
    );
    assert_eq!(lines[1].trim(), "Group Key: (v % 100)", "{lines:#?}");
    let line = lines[2].trim();
    assert!(line.starts_with("Batches: 1  Memory Usage: "), "{lines:#?}");
    assert!(line.ends_with("kB") && !line.contains("Disk"), "{line}");
    let n = numbers(line);
    assert!(n[1] >= 1 && n[1] < 1024, "100 groups in {} kB", n[1]);

    // Past work_mem the groups go to batches: their number, and the disk
    // they took.
    s.batch("SET work_mem = '64kB'").unwrap();
    let lines = plan(
        &mut s,
        &format!("{analyze}SELECT v, count(*) FROM ha GROUP BY v"),
    );
    assert!(
        lines[0].starts_with("HashAggregate (actual rows=20000 "),
        "{lines:#?}"
    );
    let line = line_under(&lines, "HashAggregate", "Batches:");
    let n = numbers(&line);
    assert_eq!(
        line,
        format!(
            "Batches: {}  Memory Usage: {}kB  Disk Usage: {}kB",
            n[0], n[1], n[2]
        ),
        "{lines:#?}"
    );
    assert!(n[0] > 1, "{line}");
    // Memory stays near the hash memory (128 kB here).
    assert!(n[1] <= 256, "{line}");
    s.batch("RESET work_mem").unwrap();

    // DISTINCT is a hashed aggregate too.
    let lines = plan(&mut s, &format!("{analyze}SELECT DISTINCT v % 7 FROM ha"));
    assert!(
        lines[0].starts_with("HashAggregate (actual rows=7 "),
        "{lines:#?}"
    );
    let line = line_under(&lines, "HashAggregate", "Batches:");
    assert!(line.starts_with("Batches: 1  Memory Usage: "), "{lines:#?}");

    // So is UNION: its HashAggregate over the Append of its members, whose
    // rows the Append sums.
    let lines = plan(
        &mut s,
        &format!("{analyze}SELECT v % 5 FROM ha UNION SELECT id FROM ha WHERE id < 3"),
    );
    assert!(
        lines[0].starts_with("HashAggregate (actual rows=5 "),
        "{lines:#?}"
    );
    let line = line_under(&lines, "HashAggregate", "Batches:");
    assert!(line.starts_with("Batches: 1  Memory Usage: "), "{lines:#?}");
    let append = lines.iter().find(|l| l.contains("->  Append")).unwrap();
    assert!(append.contains("(actual rows=20002 loops=1)"), "{lines:#?}");

    // A plain aggregate shows none; the structured formats give the three
    // figures as properties.
    let lines = plan(&mut s, &format!("{analyze}SELECT count(*) FROM ha"));
    assert!(lines.iter().all(|l| !l.contains("Batches")), "{lines:#?}");
    let json = plan(
        &mut s,
        "EXPLAIN (ANALYZE, TIMING OFF, SUMMARY OFF, FORMAT JSON) SELECT v % 10, count(*) FROM ha GROUP BY 1",
    )
    .join("\n");
    for want in [
        "\"HashAgg Batches\": 1",
        "\"Peak Memory Usage\": ",
        "\"Disk Usage\": 0",
    ] {
        assert!(json.contains(want), "{want} in {json}");
    }
}
