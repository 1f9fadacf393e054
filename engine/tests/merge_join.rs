//! Merge joins (`engine/src/exec/merge_join.rs`): an equi-join of two
//! large analyzed tables on the first column of each one's primary key
//! reads both primary indexes in order and merges them. Every query must
//! give the rows the hash join gives for the same join written so that it
//! cannot be merged (`b.a_id + 0 = a.id`), and EXPLAIN must show the
//! merge.

mod common;
use common::{lines, sorted};

use rocksgres_engine::storage::RocksStore;
use rocksgres_engine::{Database, Session};

/// `a`: 120,000 rows; `b`: two rows for each of the first 80,000 ids of
/// `a` (a composite primary key whose first column is the join key), so
/// some `a` rows have no match. Both are past the hash table's 8 MB by
/// the planner's estimate once analyzed.
fn database(dir: &std::path::Path) -> Database {
    let db = Database::open(dir).unwrap();
    let mut s = db.session();
    for sql in [
        "CREATE TABLE a (id int PRIMARY KEY, x int, t text)",
        "CREATE TABLE b (a_id int, n int, v int, PRIMARY KEY (a_id, n))",
        "INSERT INTO a SELECT g, g % 1000, 't' || g FROM generate_series(1, 120000) g",
        "INSERT INTO b SELECT g / 2, g % 2, g % 777 FROM generate_series(2, 160001) g",
        "ANALYZE a",
        "ANALYZE b",
    ] {
        s.execute(sql, &[]).unwrap();
    }
    db
}

/// The lines of `sql`'s EXPLAIN output.
fn plan(s: &mut Session<RocksStore>, sql: &str) -> Vec<String> {
    lines(s, &format!("EXPLAIN {sql}"))
}

#[test]
fn merge_joins_give_the_hash_join_rows() {
    let dir = tempfile::tempdir().unwrap();
    let db = database(dir.path());
    let mut s = db.session();
    for (merged, hashed, rows) in [
        (
            "SELECT a.id, b.n, b.v, a.t FROM a JOIN b ON b.a_id = a.id WHERE a.x < 990",
            "SELECT a.id, b.n, b.v, a.t FROM a JOIN b ON b.a_id + 0 = a.id WHERE a.x < 990",
            158_400,
        ),
        (
            "SELECT count(*), sum(b.v), sum(a.x) FROM a JOIN b ON a.id = b.a_id",
            "SELECT count(*), sum(b.v), sum(a.x) FROM a JOIN b ON a.id = b.a_id + 0",
            1,
        ),
        // Filters on both sides and a condition beside the key.
        (
            "SELECT a.id, b.n FROM a JOIN b ON b.a_id = a.id AND b.v > a.x \
             WHERE a.x < 900 AND b.v < 700",
            "SELECT a.id, b.n FROM a JOIN b ON b.a_id + 0 = a.id AND b.v > a.x \
             WHERE a.x < 900 AND b.v < 700",
            0,
        ),
        (
            "SELECT a.id, b.n FROM a LEFT JOIN b ON b.a_id = a.id WHERE a.x < 990",
            "SELECT a.id, b.n FROM a LEFT JOIN b ON b.a_id + 0 = a.id WHERE a.x < 990",
            198_000,
        ),
        (
            "SELECT count(*) FROM a WHERE EXISTS (SELECT 1 FROM b WHERE b.a_id = a.id AND b.v < 700)",
            "SELECT count(*) FROM a WHERE EXISTS (SELECT 1 FROM b WHERE b.a_id + 0 = a.id AND b.v < 700)",
            1,
        ),
        (
            "SELECT count(*) FROM a WHERE NOT EXISTS (SELECT 1 FROM b WHERE b.a_id = a.id)",
            "SELECT count(*) FROM a WHERE NOT EXISTS (SELECT 1 FROM b WHERE b.a_id + 0 = a.id)",
            1,
        ),
    ] {
        let p = plan(&mut s, merged);
        assert!(
            p.iter().any(|l| l.contains("Merge")),
            "not merged: {merged}\n{p:#?}"
        );
        assert!(
            !plan(&mut s, hashed).iter().any(|l| l.contains("Merge")),
            "merged: {hashed}"
        );
        let m = sorted(&mut s, merged);
        let h = sorted(&mut s, hashed);
        assert_eq!(m, h, "{merged}");
        if rows > 0 {
            assert_eq!(m.len(), rows, "{merged}");
        }
    }
    // The counts of the whole join, as the data makes them: b holds
    // 160,000 rows whose keys are a's ids 1 to 80,000.
    let r = sorted(&mut s, "SELECT count(*) FROM a JOIN b ON b.a_id = a.id");
    assert_eq!(r, vec![vec!["160000".to_string()]]);
    let r = sorted(
        &mut s,
        "SELECT count(*) FROM a WHERE NOT EXISTS (SELECT 1 FROM b WHERE b.a_id = a.id)",
    );
    assert_eq!(r, vec![vec!["40000".to_string()]]);
}

#[test]
fn explain_shows_the_merge_join() {
    let dir = tempfile::tempdir().unwrap();
    let db = database(dir.path());
    let mut s = db.session();
    let p = plan(&mut s, "SELECT a.t, b.v FROM a JOIN b ON b.a_id = a.id");
    assert_eq!(
        p,
        [
            "Merge Join",
            "  Merge Cond: (a.id = b.a_id)",
            "  ->  Index Scan using a_pkey on a",
            "  ->  Index Scan using b_pkey on b",
        ],
    );
    let p = plan(
        &mut s,
        "SELECT a.t FROM a LEFT JOIN b ON b.a_id = a.id AND b.v > 5",
    );
    assert_eq!(p[0], "Merge Left Join", "{p:#?}");

    // EXPLAIN ANALYZE counts both sides: every row of a, and the rows of
    // b the merge read (all of them).
    let analyzed = lines(
        &mut s,
        "EXPLAIN (ANALYZE, TIMING OFF, SUMMARY OFF) \
         SELECT a.t, b.v FROM a JOIN b ON b.a_id = a.id",
    );
    assert_eq!(
        analyzed,
        [
            "Merge Join (actual rows=160000 loops=1)",
            "  Merge Cond: (a.id = b.a_id)",
            "  ->  Index Scan using a_pkey on a (actual rows=120000 loops=1)",
            "  ->  Index Scan using b_pkey on b (actual rows=160000 loops=1)",
        ],
    );

    // A small table is hashed, as before.
    s.execute("CREATE TABLE c (id int PRIMARY KEY, w int)", &[])
        .unwrap();
    s.execute(
        "INSERT INTO c SELECT g, g FROM generate_series(1, 100) g",
        &[],
    )
    .unwrap();
    s.execute("ANALYZE c", &[]).unwrap();
    let p = plan(&mut s, "SELECT a.t, c.w FROM a JOIN c ON c.id = a.id");
    assert!(p[0].starts_with("Hash Join"), "{p:#?}");
}
