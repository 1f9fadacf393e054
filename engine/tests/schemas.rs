//! Schemas through the embedding API: the notices and DETAIL lines of
//! CREATE SCHEMA IF NOT EXISTS and DROP SCHEMA (checked by hand against
//! PostgreSQL 15, as the corpus does not compare notices), a cached plan
//! not reused across a search_path change, and schema entries surviving
//! a rollback only when committed.

mod common;
use common::q;

use rocksgres_engine::{Database, SqlState};

#[test]
fn create_and_drop_schema_notices() {
    let db = Database::open_in_memory();
    let mut s = db.session();
    s.query("CREATE SCHEMA s", &[]).unwrap();
    let r = s.query("CREATE SCHEMA IF NOT EXISTS s", &[]).unwrap();
    assert_eq!(r.notices, ["schema \"s\" already exists, skipping"]);
    let r = s.query("DROP SCHEMA IF EXISTS nosuch, s", &[]).unwrap();
    assert_eq!(r.notices, ["schema \"nosuch\" does not exist, skipping"]);

    s.query("CREATE SCHEMA s2", &[]).unwrap();
    s.query("CREATE TABLE s2.a (id serial PRIMARY KEY, b int)", &[])
        .unwrap();
    s.query("CREATE TABLE s2.b (x int REFERENCES s2.a)", &[])
        .unwrap();
    s.query("CREATE SEQUENCE s2.q", &[]).unwrap();
    s.query("CREATE TABLE pa (y int REFERENCES s2.a)", &[])
        .unwrap();
    let e = s.query("DROP SCHEMA s2", &[]).unwrap_err();
    assert_eq!(e.state, SqlState::DependentObjectsStillExist);
    assert_eq!(
        e.message,
        "cannot drop schema s2 because other objects depend on it"
    );
    assert_eq!(
        e.detail.as_deref(),
        Some(
            "table s2.a depends on schema s2\n\
             constraint pa_y_fkey on table pa depends on table s2.a\n\
             table s2.b depends on schema s2\n\
             sequence s2.q depends on schema s2"
        )
    );
    assert_eq!(
        e.hint.as_deref(),
        Some("Use DROP ... CASCADE to drop the dependent objects too.")
    );
    let r = s.query("DROP SCHEMA s2 CASCADE", &[]).unwrap();
    assert_eq!(
        r.notices,
        ["drop cascades to 4 other objects\n\
          drop cascades to table s2.a\n\
          drop cascades to constraint pa_y_fkey on table pa\n\
          drop cascades to table s2.b\n\
          drop cascades to sequence s2.q"]
    );
}

#[test]
fn cached_plans_follow_search_path() {
    let db = Database::open_in_memory();
    let mut s = db.session();
    for sql in [
        "CREATE SCHEMA a",
        "CREATE SCHEMA b",
        "CREATE TABLE a.t (v text)",
        "CREATE TABLE b.t (v text)",
        "INSERT INTO a.t VALUES ('a')",
        "INSERT INTO b.t VALUES ('b')",
    ] {
        s.query(sql, &[]).unwrap();
    }
    for _ in 0..3 {
        s.query("SET search_path TO a", &[]).unwrap();
        assert_eq!(q(&mut s, "SELECT v FROM t WHERE v <> 'x'"), [["a"]]);
        s.query("SET search_path TO b", &[]).unwrap();
        assert_eq!(q(&mut s, "SELECT v FROM t WHERE v <> 'x'"), [["b"]]);
    }
}

#[test]
fn create_schema_rolls_back() {
    let db = Database::open_in_memory();
    let mut s = db.session();
    s.query("BEGIN", &[]).unwrap();
    s.query("CREATE SCHEMA gone", &[]).unwrap();
    s.query("ROLLBACK", &[]).unwrap();
    assert!(q(
        &mut s,
        "SELECT nspname FROM pg_namespace WHERE nspname = 'gone'"
    )
    .is_empty());
    s.query("CREATE SCHEMA gone", &[]).unwrap();
}

/// Views live in any schema and read any schema's relations; an
/// unqualified view goes to the first schema of the path, and its body
/// keeps reading what its names denoted when it was created, whatever the
/// reader's search_path (PostgreSQL binds a view once).
#[test]
fn views_in_schemas_keep_their_names() {
    let db = Database::open_in_memory();
    let mut s = db.session();
    s.batch("CREATE SCHEMA vs").unwrap();
    s.batch(
        "CREATE TABLE vs.t (a int); INSERT INTO vs.t VALUES (1); \
         CREATE TABLE public.pt (a int); INSERT INTO public.pt VALUES (2)",
    )
    .unwrap();
    s.batch("CREATE VIEW vs.v AS SELECT 1 AS x; CREATE VIEW v AS SELECT * FROM vs.t")
        .unwrap();
    s.batch("SET search_path TO vs, public; CREATE VIEW w AS SELECT a FROM t")
        .unwrap();
    s.batch("SET search_path TO public, vs; CREATE VIEW u AS SELECT * FROM t")
        .unwrap();
    // Another table named t earlier on the reader's path changes nothing.
    s.batch("CREATE TABLE public.t (a int); INSERT INTO public.t VALUES (9)")
        .unwrap();
    s.batch("RESET search_path").unwrap();
    assert_eq!(
        q(
            &mut s,
            "SELECT (SELECT a FROM vs.w), (SELECT a FROM u), (SELECT x FROM vs.v), (SELECT a FROM v)"
        ),
        vec![vec!["1", "1", "1", "1"]]
    );
    assert_eq!(
        q(
            &mut s,
            "SELECT n.nspname, c.relname FROM pg_class c JOIN pg_namespace n \
             ON n.oid = c.relnamespace WHERE c.relkind = 'v' \
             AND n.nspname IN ('public', 'vs') ORDER BY 2, 1"
        ),
        vec![
            vec!["public", "u"],
            vec!["public", "v"],
            vec!["vs", "v"],
            vec!["vs", "w"]
        ]
    );
}
