//! CREATE INDEX CONCURRENTLY under concurrent writers: the writers never
//! fail, and the finished index holds exactly the table's rows (every row
//! found through it, no entry left from an old version).

mod server_harness;

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;

use server_harness::TestServer;

#[test]
fn index_built_under_writers_matches_the_table() {
    let server = TestServer::start();
    let mut c = server.connect();
    c.batch_execute(
        "CREATE TABLE cw (id int PRIMARY KEY, a int);
         INSERT INTO cw SELECT g, g % 500 FROM generate_series(1, 20000) g",
    )
    .unwrap();
    let stop = Arc::new(AtomicBool::new(false));
    let writers: Vec<_> = (0..4u32)
        .map(|w| {
            let stop = Arc::clone(&stop);
            let mut c = server.connect();
            std::thread::spawn(move || {
                let mut n = 0u32;
                let mut statements = 0u64;
                while !stop.load(Ordering::Relaxed) || statements < 50 {
                    n = n.wrapping_mul(1_103_515_245).wrapping_add(12_345 + w);
                    let id = (n % 20000) as i32 + 1;
                    let v = (n / 7 % 500) as i32;
                    c.execute("UPDATE cw SET a = $2 WHERE id = $1", &[&id, &v])
                        .unwrap();
                    c.execute("DELETE FROM cw WHERE id = $1", &[&(id + 1)])
                        .unwrap();
                    c.execute(
                        "INSERT INTO cw VALUES ($1, $2) ON CONFLICT (id) DO UPDATE SET a = excluded.a",
                        &[&(id + 1), &v],
                    )
                    .unwrap();
                    statements += 3;
                }
                statements
            })
        })
        .collect();
    c.batch_execute("CREATE INDEX CONCURRENTLY cw_a ON cw (a)")
        .unwrap();
    c.batch_execute("CREATE UNIQUE INDEX CONCURRENTLY cw_id ON cw (id)")
        .unwrap();
    stop.store(true, Ordering::Relaxed);
    for w in writers {
        assert!(w.join().expect("a writer failed") >= 50);
    }
    let valid: Vec<bool> = c
        .query(
            "SELECT indisvalid FROM pg_index WHERE indrelid = 'cw'::regclass ORDER BY indexrelid",
            &[],
        )
        .unwrap()
        .iter()
        .map(|r| r.get(0))
        .collect();
    assert_eq!(valid, vec![true, true, true]);
    // Through the index (a range over every value) and without it.
    let plan: Vec<String> = c
        .query("EXPLAIN SELECT a FROM cw WHERE a BETWEEN 0 AND 499", &[])
        .unwrap()
        .iter()
        .map(|r| r.get(0))
        .collect();
    assert!(plan.iter().any(|l| l.contains("cw_a")), "{plan:?}");
    let row = c
        .query_one(
            "SELECT (SELECT count(*) FROM cw WHERE a BETWEEN 0 AND 499),
                    (SELECT count(*) FROM cw WHERE a + 0 BETWEEN 0 AND 499),
                    (SELECT count(*) FROM (SELECT id, a FROM cw WHERE a BETWEEN 0 AND 499
                       EXCEPT ALL SELECT id, a FROM cw WHERE a + 0 BETWEEN 0 AND 499) x),
                    (SELECT count(*) FROM (SELECT id, a FROM cw WHERE a + 0 BETWEEN 0 AND 499
                       EXCEPT ALL SELECT id, a FROM cw WHERE a BETWEEN 0 AND 499) x)",
            &[],
        )
        .unwrap();
    let (through, scanned, extra, missing): (i64, i64, i64, i64) =
        (row.get(0), row.get(1), row.get(2), row.get(3));
    assert_eq!(through, scanned);
    assert_eq!((extra, missing), (0, 0));
}
