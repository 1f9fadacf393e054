//! Views following renames, through the embedding API: what slt cannot
//! show because PostgreSQL accepts it — renames refused with 0A000 where a
//! view's text cannot be rewritten safely (nothing changes then) — and
//! temporary views' lifetime (private to their session, dropped when it
//! ends).

mod common;
use common::q;

use rocksgres_engine::{Database, Session, SqlState};
use rocksgres_storage::Store;

fn err<S: Store>(s: &mut Session<S>, sql: &str) -> rocksgres_engine::EngineError {
    match s.query(sql, &[]) {
        Ok(_) => panic!("{sql}: succeeded"),
        Err(e) => e,
    }
}

fn run<S: Store>(s: &mut Session<S>, sql: &str) {
    for r in s.simple_query(sql) {
        r.unwrap_or_else(|e| panic!("{sql}: {e}"));
    }
}

fn rows(v: &[&[&str]]) -> Vec<Vec<String>> {
    v.iter()
        .map(|r| r.iter().map(|s| s.to_string()).collect())
        .collect()
}

#[test]
fn unsafe_rewrites_are_refused_and_change_nothing() {
    let db = Database::open_in_memory();
    let mut s = db.session();
    run(
        &mut s,
        "CREATE TABLE t (a int, b int); CREATE TABLE u (a int, c int); \
         INSERT INTO t VALUES (1, 2); INSERT INTO u VALUES (1, 3)",
    );
    // An unqualified `a` in a subquery below t's SELECT is u's own.
    run(
        &mut s,
        "CREATE VIEW v0 AS SELECT b FROM t WHERE b IN (SELECT c - 1 FROM u WHERE a = 1) \
         AND EXISTS (SELECT 1 FROM u AS k WHERE k.c = a + 2)",
    );
    run(&mut s, "ALTER TABLE t RENAME COLUMN a TO z");
    assert_eq!(q(&mut s, "SELECT b FROM v0"), rows(&[&["2"]]));
    run(&mut s, "ALTER TABLE t RENAME COLUMN z TO a");
    assert_eq!(q(&mut s, "SELECT b FROM v0"), rows(&[&["2"]]));
    run(&mut s, "DROP VIEW v0");
    // An unqualified `a` below a SELECT reading a relation not known here
    // (a subquery in FROM): t.a or the subquery's?
    run(
        &mut s,
        "CREATE VIEW v AS SELECT b FROM t WHERE b IN (SELECT c - 1 FROM (SELECT * FROM u) AS d WHERE a = 1)",
    );
    let e = err(&mut s, "ALTER TABLE t RENAME COLUMN a TO z");
    assert_eq!(e.state, SqlState::FeatureNotSupported, "{}", e.message);
    assert!(e.message.contains("view \"v\""), "{}", e.message);
    assert_eq!(q(&mut s, "SELECT b FROM v"), rows(&[&["2"]]));
    assert_eq!(
        q(
            &mut s,
            "SELECT attname FROM pg_attribute WHERE attrelid = 't'::regclass AND attnum = 1"
        ),
        rows(&[&["a"]])
    );
    run(&mut s, "DROP VIEW v");
    // A join USING the renamed column.
    run(
        &mut s,
        "CREATE VIEW w AS SELECT b, c FROM t JOIN u USING (a)",
    );
    let e = err(&mut s, "ALTER TABLE t RENAME COLUMN a TO z");
    assert_eq!(e.state, SqlState::FeatureNotSupported, "{}", e.message);
    assert_eq!(q(&mut s, "SELECT b, c FROM w"), rows(&[&["2", "3"]]));
    run(&mut s, "DROP VIEW w");
    // Renaming a table while another item of the view is called by the
    // new name.
    run(&mut s, "CREATE VIEW x AS SELECT t.a, n.c FROM t, u AS n");
    let e = err(&mut s, "ALTER TABLE t RENAME TO n");
    assert_eq!(e.state, SqlState::FeatureNotSupported, "{}", e.message);
    assert_eq!(q(&mut s, "SELECT a, c FROM x"), rows(&[&["1", "3"]]));
    // A safe one goes through.
    run(&mut s, "ALTER TABLE t RENAME TO t2");
    assert_eq!(q(&mut s, "SELECT a, c FROM x"), rows(&[&["1", "3"]]));
}

#[test]
fn temporary_views_are_private_and_end_with_the_session() {
    let db = Database::open_in_memory();
    let mut s1 = db.session();
    run(
        &mut s1,
        "CREATE TEMP TABLE tt (a int); INSERT INTO tt VALUES (7)",
    );
    let r = s1.query("CREATE VIEW tv AS SELECT a FROM tt", &[]).unwrap();
    assert_eq!(
        r.notices,
        vec!["view \"tv\" will be a temporary view".to_string()]
    );
    run(&mut s1, "CREATE TEMP VIEW tv2 AS SELECT 1 AS x");
    assert_eq!(q(&mut s1, "SELECT a FROM tv"), rows(&[&["7"]]));
    {
        let mut s2 = db.session();
        let e = err(&mut s2, "SELECT * FROM tv2");
        assert_eq!(e.state, SqlState::UndefinedTable);
        // A permanent view of the same name in the other session.
        run(&mut s2, "CREATE VIEW tv2 AS SELECT 2 AS y");
        assert_eq!(q(&mut s2, "SELECT y FROM tv2"), rows(&[&["2"]]));
    }
    assert_eq!(q(&mut s1, "SELECT x FROM tv2"), rows(&[&["1"]]));
    drop(s1);
    let mut s3 = db.session();
    assert_eq!(
        q(
            &mut s3,
            "SELECT count(*) FROM pg_class WHERE relkind = 'v' AND relpersistence = 't'"
        ),
        rows(&[&["0"]])
    );
    assert_eq!(q(&mut s3, "SELECT y FROM tv2"), rows(&[&["2"]]));
}
