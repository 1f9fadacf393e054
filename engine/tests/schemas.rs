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

/// Views live in `public` and read its relations only for now: the rest
/// fails with 0A000 rather than resolving differently from PostgreSQL.
#[test]
fn views_outside_public_are_refused() {
    let db = Database::open_in_memory();
    let mut s = db.session();
    s.query("CREATE SCHEMA vs", &[]).unwrap();
    s.query("CREATE TABLE vs.t (a int)", &[]).unwrap();
    for sql in [
        "CREATE VIEW vs.v AS SELECT 1 AS x",
        "CREATE VIEW v AS SELECT * FROM vs.t",
    ] {
        let e = s.query(sql, &[]).unwrap_err();
        assert_eq!(e.state, SqlState::FeatureNotSupported, "{sql}");
    }
    s.query("SET search_path TO vs, public", &[]).unwrap();
    let e = s.query("CREATE VIEW v AS SELECT 1 AS x", &[]).unwrap_err();
    assert_eq!(e.state, SqlState::FeatureNotSupported);
    s.query("SET search_path TO public, vs", &[]).unwrap();
    let e = s
        .query("CREATE VIEW v AS SELECT * FROM t", &[])
        .unwrap_err();
    assert_eq!(e.state, SqlState::FeatureNotSupported);
    s.query("CREATE VIEW v AS SELECT 1 AS x", &[]).unwrap();
}
