//! Access-path choice, proven by counting what the engine reads.
//!
//! A store wrapper counts the data rows the engine pulls from storage
//! (cursor rows and point reads of the data keyspace). Point lookups by
//! primary key and by a unique index must read one row, an equality lookup
//! through a non-unique index only the matching entries and rows, never the
//! table; the EXPLAIN output of a set of queries is pinned by a golden file
//! (`tests/golden/explain.txt`, rewritten with `UPDATE_GOLDEN=1`).

mod common;
use common::hooked::{HookedStore, Hooks};

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;

use rocksgres_engine::storage::MemoryStore;
use rocksgres_engine::{Database, Session, Value};

/// Keyspace byte of table and index data (see engine/src/keys.rs).
const KS_DATA: u8 = 2;

#[derive(Default)]
struct Counters {
    rows: AtomicU64,
    gets: AtomicU64,
}

/// Counts the data rows cursors return and the point reads of data keys.
impl Hooks for Counters {
    fn get(&self, key: &[u8]) {
        if key.first() == Some(&KS_DATA) {
            self.gets.fetch_add(1, Ordering::Relaxed);
        }
    }
    fn row(&self, key: &[u8]) {
        if key.first() == Some(&KS_DATA) {
            self.rows.fetch_add(1, Ordering::Relaxed);
        }
    }
}

type CountingStore = HookedStore<MemoryStore, Counters>;

fn setup() -> (Database<CountingStore>, Arc<Counters>) {
    let counters = Arc::new(Counters::default());
    let db = Database::with_store(CountingStore {
        inner: MemoryStore::new(),
        hooks: Arc::clone(&counters),
    });
    let mut s = db.session();
    s.execute("CREATE TABLE big (id int PRIMARY KEY, k int, v text)", &[])
        .unwrap();
    s.execute(
        "INSERT INTO big SELECT i, i % 100, 'v' || i FROM generate_series(1, 2000) AS g(i)",
        &[],
    )
    .unwrap();
    s.execute("CREATE INDEX big_k ON big (k)", &[]).unwrap();
    s.execute("CREATE UNIQUE INDEX big_v ON big (v)", &[])
        .unwrap();
    (db, counters)
}

/// Runs `sql` and returns (result rows, data rows read by cursors, data point reads).
fn measure(
    s: &mut Session<CountingStore>,
    c: &Counters,
    sql: &str,
    params: &[Value],
) -> (usize, u64, u64) {
    let (r0, g0) = (
        c.rows.load(Ordering::Relaxed),
        c.gets.load(Ordering::Relaxed),
    );
    let n = s.query(sql, params).unwrap().rows.len();
    (
        n,
        c.rows.load(Ordering::Relaxed) - r0,
        c.gets.load(Ordering::Relaxed) - g0,
    )
}

#[test]
fn point_lookups_never_scan_the_table() {
    let (db, c) = setup();
    let mut s = db.session();
    let (n, rows, gets) = measure(&mut s, &c, "SELECT v FROM big WHERE id = 1234", &[]);
    assert_eq!((n, rows, gets), (1, 0, 1), "primary key: one point read");
    let (n, rows, gets) = measure(
        &mut s,
        &c,
        "SELECT v FROM big WHERE id = $1",
        &[Value::from(77)],
    );
    assert_eq!((n, rows, gets), (1, 0, 1), "primary key with a parameter");
    let (n, rows, gets) = measure(&mut s, &c, "SELECT k FROM big WHERE v = 'v1234'", &[]);
    assert_eq!(
        (n, rows, gets),
        (1, 1, 1),
        "unique index: one entry, one row"
    );
    let (n, rows, gets) = measure(&mut s, &c, "SELECT v FROM big WHERE k = 42", &[]);
    assert_eq!(
        (n, rows, gets),
        (20, 20, 20),
        "index: only the 20 matching entries and their rows"
    );
    // Index-only scans: the entries hold every column read (the index's
    // key and the primary key), so no row is read.
    let (n, rows, gets) = measure(&mut s, &c, "SELECT id FROM big WHERE v = 'v1234'", &[]);
    assert_eq!((n, rows, gets), (1, 1, 0), "unique index only: one entry");
    let (n, rows, gets) = measure(&mut s, &c, "SELECT id, k FROM big WHERE k = 42", &[]);
    assert_eq!((n, rows, gets), (20, 20, 0), "index only: the 20 entries");
    let (n, rows, gets) = measure(
        &mut s,
        &c,
        "SELECT count(*) FROM big WHERE k = 42 AND id % 3 = 0",
        &[],
    );
    assert_eq!(
        (n, rows, gets),
        (1, 20, 0),
        "index only, filtered by the key"
    );
    let (n, rows, _) = measure(
        &mut s,
        &c,
        "SELECT id FROM big WHERE id BETWEEN 100 AND 109",
        &[],
    );
    assert_eq!(
        (n, rows),
        (10, 10),
        "primary-key range reads only the range"
    );
    let (n, rows, _) = measure(
        &mut s,
        &c,
        "SELECT id FROM big ORDER BY id DESC LIMIT 3",
        &[],
    );
    assert_eq!((n, rows), (3, 3), "ORDER BY primary key LIMIT stops early");
    let (n, rows, gets) = measure(&mut s, &c, "SELECT k, v FROM big ORDER BY k LIMIT 5", &[]);
    assert_eq!(
        (n, rows, gets),
        (5, 5, 5),
        "ORDER BY indexed column LIMIT reads the index in order"
    );
    let (n, rows, _) = measure(&mut s, &c, "SELECT id FROM big WHERE length(v) = 2", &[]);
    assert_eq!((n, rows), (9, 2000), "no usable index: a full scan");
}

/// After ANALYZE, a secondary index is read only where the statistics say
/// it selects few rows: each row found through it is a point read, so a
/// range over most of the table is cheaper as the full scan (as PostgreSQL
/// turns to a sequential scan). Before ANALYZE the index is used.
#[test]
fn an_index_range_over_most_rows_becomes_a_full_scan_after_analyze() {
    let (db, c) = setup();
    let mut s = db.session();
    // k = i % 100 over 2000 rows: k > 5 keeps 94% of them, k < 2 keeps 2%.
    let (n, rows, gets) = measure(&mut s, &c, "SELECT v FROM big WHERE k > 5", &[]);
    assert_eq!(
        (n, rows, gets),
        (1880, 1880, 1880),
        "no statistics: the index, a point read per row"
    );
    s.execute("ANALYZE big", &[]).unwrap();
    let (n, rows, gets) = measure(&mut s, &c, "SELECT v FROM big WHERE k > 5", &[]);
    assert_eq!(
        (n, rows, gets),
        (1880, 2000, 0),
        "94% of the rows: the full scan"
    );
    let (n, rows, gets) = measure(&mut s, &c, "SELECT v FROM big WHERE 5 < k", &[]);
    assert_eq!(
        (n, rows, gets),
        (1880, 2000, 0),
        "the same, written the other way"
    );
    let (n, rows, gets) = measure(&mut s, &c, "SELECT v FROM big WHERE k < 2", &[]);
    assert_eq!((n, rows, gets), (40, 40, 40), "2% of the rows: the index");
    let (n, rows, gets) = measure(
        &mut s,
        &c,
        "SELECT v FROM big WHERE k BETWEEN 10 AND 80",
        &[],
    );
    assert_eq!(
        (n, rows, gets),
        (1420, 2000, 0),
        "a wide range: the full scan"
    );
    let (n, rows, gets) = measure(
        &mut s,
        &c,
        "SELECT v FROM big WHERE k BETWEEN 10 AND 12",
        &[],
    );
    assert_eq!((n, rows, gets), (60, 60, 60), "a narrow range: the index");
    let (n, rows, gets) = measure(&mut s, &c, "SELECT v FROM big WHERE k = 42", &[]);
    assert_eq!(
        (n, rows, gets),
        (20, 20, 20),
        "an equality on 1%: the index"
    );
    let (n, rows, gets) = measure(&mut s, &c, "SELECT v FROM big WHERE id = 1234", &[]);
    assert_eq!(
        (n, rows, gets),
        (1, 0, 1),
        "the primary key: one point read"
    );
}

#[test]
fn ordered_index_reads_match_a_sort() {
    let (db, _) = setup();
    let mut s = db.session();
    let via_index = s
        .query("SELECT k, id FROM big ORDER BY k DESC LIMIT 30", &[])
        .unwrap();
    // The same ordering computed by a sort (the expression defeats the index).
    let sorted = s
        .query(
            "SELECT k, id FROM big ORDER BY k + 0 DESC, id DESC LIMIT 30",
            &[],
        )
        .unwrap();
    let keys = |r: &rocksgres_engine::QueryResult| -> Vec<i64> {
        r.rows
            .iter()
            .map(|row| row.get::<i64>(0).unwrap())
            .collect()
    };
    assert_eq!(keys(&via_index), keys(&sorted));
    let k = keys(&via_index);
    assert_eq!(k.len(), 30);
    assert!(k[..20].iter().all(|&v| v == 99) && k[20..].iter().all(|&v| v == 98));
}

/// Keyset pagination: a row comparison on index columns starts the read at
/// the page's first key, so a page costs its own rows whatever its depth.
#[test]
fn keyset_pages_read_only_their_rows() {
    let (db, c) = setup();
    let mut s = db.session();
    s.execute(
        "CREATE TABLE pages (a int, b int, t int NOT NULL, v text, PRIMARY KEY (a, b))",
        &[],
    )
    .unwrap();
    s.execute(
        "INSERT INTO pages SELECT i / 50, i % 50, i % 4, 'p' || i FROM generate_series(0, 1999) AS g(i)",
        &[],
    )
    .unwrap();
    s.execute("CREATE INDEX pages_t ON pages (t, b, a)", &[])
        .unwrap();
    let page = |s: &mut Session<CountingStore>, sql: &str, params: &[Value]| -> Vec<(i64, i64)> {
        s.query(sql, params)
            .unwrap()
            .rows
            .iter()
            .map(|r| (r.get::<i64>(0).unwrap(), r.get::<i64>(1).unwrap()))
            .collect()
    };
    let plan: Vec<String> = s
        .query(
            "EXPLAIN (COSTS OFF) SELECT a, b, v FROM pages WHERE (a, b) > (30, 45) ORDER BY a, b LIMIT 10",
            &[],
        )
        .unwrap()
        .rows
        .iter()
        .map(|r| r.get::<String>(0).unwrap())
        .collect();
    // PostgreSQL 15's plan (with enable_seqscan off, as its estimates
    // for so small a table would otherwise prefer a sort).
    assert_eq!(
        plan,
        [
            "Limit",
            "  ->  Index Scan using pages_pkey on pages",
            "        Index Cond: (ROW(a, b) > ROW(30, 45))",
        ]
    );
    let forward = "SELECT a, b FROM pages WHERE (a, b) > ($1, $2) ORDER BY a, b LIMIT 10";
    let (n, rows, _) = measure(&mut s, &c, forward, &[Value::from(30), Value::from(45)]);
    assert_eq!(n, 10);
    assert!(rows <= 11, "a deep forward page read {rows} rows");
    let got = page(&mut s, forward, &[Value::from(30), Value::from(45)]);
    let want: Vec<(i64, i64)> = (30 * 50 + 46..30 * 50 + 56)
        .map(|i| (i / 50, i % 50))
        .collect();
    assert_eq!(got, want);

    let backward =
        "SELECT a, b FROM pages WHERE (a, b) < ($1, $2) ORDER BY a DESC, b DESC LIMIT 10";
    let (n, rows, _) = measure(&mut s, &c, backward, &[Value::from(3), Value::from(2)]);
    assert_eq!(n, 10);
    assert!(rows <= 11, "a backward page read {rows} rows");
    let got = page(&mut s, backward, &[Value::from(3), Value::from(2)]);
    let want: Vec<(i64, i64)> = (0..3 * 50 + 2)
        .rev()
        .take(10)
        .map(|i| (i / 50, i % 50))
        .collect();
    assert_eq!(got, want);

    // A secondary index after an equality on its first column.
    let by_t = "SELECT a, b FROM pages WHERE t = 2 AND (b, a) > ($1, $2) ORDER BY b, a LIMIT 5";
    let (n, rows, gets) = measure(&mut s, &c, by_t, &[Value::from(30), Value::from(20)]);
    assert_eq!(n, 5);
    assert!(
        rows <= 6 && gets <= 6,
        "a page through the index read {rows} entries and {gets} rows"
    );
    let got = page(&mut s, by_t, &[Value::from(30), Value::from(20)]);
    let mut want: Vec<(i64, i64)> = (0..2000i64)
        .filter(|i| i % 4 == 2)
        .map(|i| (i / 50, i % 50))
        .filter(|&(a, b)| (b, a) > (30, 20))
        .collect();
    want.sort_by_key(|&(a, b)| (b, a));
    want.truncate(5);
    assert_eq!(got, want);
}

#[test]
fn explain_output_matches_golden_file() {
    let (db, _) = setup();
    let mut s = db.session();
    let queries = [
        "SELECT v FROM big WHERE id = 1234",
        "SELECT v FROM big WHERE id >= 10 AND id < 20",
        "SELECT id FROM big WHERE k = 42",
        "SELECT id FROM big WHERE v = 'v7' AND k = 7",
        "SELECT id FROM big WHERE k > 98",
        "SELECT id FROM big WHERE length(v) = 2",
        "SELECT id FROM big ORDER BY id DESC LIMIT 3",
        "SELECT k FROM big ORDER BY k DESC LIMIT 3",
        "SELECT k, count(*) FROM big GROUP BY k ORDER BY k LIMIT 2",
        "SELECT a.id FROM big a JOIN big b ON a.id = b.k WHERE a.id < 3",
        "SELECT DISTINCT k FROM big",
        "SELECT id FROM big WHERE id IN (SELECT k FROM big WHERE k < 2)",
        "SELECT a.id FROM big a JOIN big b ON a.id = b.k WHERE a.id = 3",
        "SELECT count(*) FROM big a, big b, big c WHERE a.id = b.id AND b.k = c.id AND c.v = 'v1'",
        "SELECT a.id FROM big a LEFT JOIN big b ON b.id = a.k AND b.v = 'x'",
        "SELECT a.id FROM big a FULL JOIN big b ON b.id = a.k",
        "SELECT v.x FROM (VALUES (1), (2)) v(x) LEFT JOIN big b ON b.id = v.x",
        "SELECT count(*) FROM big a WHERE EXISTS (SELECT 1 FROM big b WHERE b.k = a.id AND b.v <> 'x')",
        "SELECT count(*) FROM big a WHERE NOT EXISTS (SELECT 1 FROM big b WHERE b.id = a.k + 1)",
    ];
    let mut text = String::new();
    for q in queries {
        text.push_str(&format!("> EXPLAIN {q}\n"));
        let r = s.query(&format!("EXPLAIN {q}"), &[]).unwrap();
        for row in &r.rows {
            text.push_str(&row.get::<String>(0).unwrap());
            text.push('\n');
        }
        text.push('\n');
    }
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/golden/explain.txt");
    if std::env::var_os("UPDATE_GOLDEN").is_some() {
        std::fs::write(&path, &text).unwrap();
    }
    let expected = std::fs::read_to_string(&path).unwrap_or_default();
    assert_eq!(
        text, expected,
        "EXPLAIN output changed; review and UPDATE_GOLDEN=1"
    );
}
