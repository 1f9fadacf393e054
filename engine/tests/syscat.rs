//! The system catalogs through the embedding API: what the PostgreSQL
//! comparison corpus (`regression-tests/slt/catalog`) cannot check because
//! it depends on OIDs, sessions or restarts.

mod common;
use common::q;

use rocksgres_engine::{Database, Session, SqlState};
use rocksgres_storage::Store;

fn one<S: Store>(s: &mut Session<S>, sql: &str) -> String {
    let r = q(s, sql);
    assert_eq!(r.len(), 1, "{sql}: {r:?}");
    r[0][0].clone()
}

const OIDS: &str = "SELECT relname, oid FROM pg_class WHERE relnamespace = 2200 ORDER BY relname";

#[test]
fn oids_are_stable_across_restarts_and_unique() {
    let dir = tempfile::tempdir().unwrap();
    let before = {
        let db = Database::open(dir.path()).unwrap();
        let mut s = db.session();
        s.batch(
            "CREATE TABLE a (id int PRIMARY KEY, v text UNIQUE); \
             CREATE INDEX a_v_idx ON a (v); CREATE VIEW av AS SELECT id FROM a; \
             CREATE TABLE b (x int)",
        )
        .unwrap();
        q(&mut s, OIDS)
    };
    let names: Vec<&str> = before.iter().map(|r| r[0].as_str()).collect();
    assert_eq!(names, ["a", "a_pkey", "a_v_idx", "a_v_key", "av", "b"]);
    let mut oids: Vec<&str> = before.iter().map(|r| r[1].as_str()).collect();
    oids.sort();
    oids.dedup();
    assert_eq!(oids.len(), before.len(), "OIDs repeat: {before:?}");
    let db = Database::open(dir.path()).unwrap();
    let mut s = db.session();
    assert_eq!(q(&mut s, OIDS), before);
    // Constraint OIDs differ from index OIDs, and point at their index.
    assert_eq!(
        q(
            &mut s,
            "SELECT c.conname, c.oid <> c.conindid, i.relname FROM pg_constraint c \
             JOIN pg_class i ON i.oid = c.conindid ORDER BY 1"
        ),
        vec![
            vec!["a_pkey".to_string(), "t".into(), "a_pkey".into()],
            vec!["a_v_key".to_string(), "t".into(), "a_v_key".into()],
        ]
    );
}

fn catalogs_follow_the_transaction<S: Store>(db: Database<S>) {
    let mut s = db.session();
    let mut other = db.session();
    s.execute("BEGIN", &[]).unwrap();
    s.execute("CREATE TABLE fresh (id int PRIMARY KEY)", &[])
        .unwrap();
    // Visible to its own transaction, not to another session yet.
    assert_eq!(
        one(
            &mut s,
            "SELECT count(*) FROM pg_class WHERE relname = 'fresh'"
        ),
        "1"
    );
    assert_eq!(
        one(
            &mut other,
            "SELECT count(*) FROM pg_class WHERE relname = 'fresh'"
        ),
        "0"
    );
    s.execute("ROLLBACK", &[]).unwrap();
    assert_eq!(
        one(
            &mut s,
            "SELECT count(*) FROM pg_class WHERE relname = 'fresh'"
        ),
        "0"
    );
    assert_eq!(
        s.query("SELECT 'fresh'::regclass", &[]).unwrap_err().state,
        SqlState::UndefinedTable
    );
}

#[test]
fn catalogs_follow_the_transaction_memory() {
    catalogs_follow_the_transaction(Database::open_in_memory());
}

#[test]
fn catalogs_follow_the_transaction_rocksdb() {
    let dir = tempfile::tempdir().unwrap();
    catalogs_follow_the_transaction(Database::open(dir.path()).unwrap());
}

#[test]
fn settings_roles_and_database_follow_the_session() {
    let db = Database::open_in_memory();
    db.session().execute("CREATE DATABASE shop", &[]).unwrap();
    let mut s = db.session_on("shop").unwrap();
    s.set_user("alice");
    assert_eq!(
        one(
            &mut s,
            "SELECT setting FROM pg_settings WHERE name = 'statement_timeout'"
        ),
        "0"
    );
    s.execute("SET statement_timeout = '5s'", &[]).unwrap();
    assert_eq!(
        q(
            &mut s,
            "SELECT setting, source FROM pg_settings WHERE name = 'statement_timeout'"
        ),
        vec![vec!["5000".to_string(), "session".into()]]
    );
    assert_eq!(
        one(
            &mut s,
            "SELECT datname FROM pg_database WHERE oid = (SELECT datid FROM pg_stat_activity)"
        ),
        "shop"
    );
    assert_eq!(
        one(
            &mut s,
            "SELECT rolname FROM pg_roles WHERE rolsuper AND rolname !~ '^pg_'"
        ),
        "alice"
    );
    assert_eq!(one(&mut s, "SELECT usename FROM pg_stat_activity"), "alice");
    s.execute("CREATE TABLE t (id int)", &[]).unwrap();
    assert_eq!(
        one(
            &mut s,
            "SELECT pg_get_userbyid(relowner) FROM pg_class WHERE relname = 't'"
        ),
        "alice"
    );
}

#[test]
fn every_system_relation_is_queryable() {
    let db = Database::open_in_memory();
    let mut s = db.session();
    s.execute(
        "CREATE TABLE t (id int PRIMARY KEY, v text DEFAULT 'x')",
        &[],
    )
    .unwrap();
    s.execute("CREATE VIEW tv AS SELECT id FROM t", &[])
        .unwrap();
    let rels = q(
        &mut s,
        "SELECT n.nspname, c.relname, c.relnatts FROM pg_class c \
         JOIN pg_namespace n ON n.oid = c.relnamespace \
         WHERE n.nspname IN ('pg_catalog', 'information_schema') ORDER BY 1, 2",
    );
    assert!(rels.len() >= 45, "{rels:?}");
    for r in &rels {
        let sql = format!("SELECT * FROM {}.{}", r[0], r[1]);
        let result = s.query(&sql, &[]).unwrap_or_else(|e| panic!("{sql}: {e}"));
        assert_eq!(result.columns.len().to_string(), r[2], "{sql}");
        // Every row has exactly the relation's width, and every column
        // shows up in pg_attribute with the same name.
        for row in &result.rows {
            assert_eq!(row.values().len(), result.columns.len(), "{sql}");
        }
        let attnames = q(
            &mut s,
            &format!(
                "SELECT attname FROM pg_attribute WHERE attrelid = '{}.{}'::regclass ORDER BY attnum",
                r[0], r[1]
            ),
        );
        let names: Vec<String> = result.columns.iter().map(|c| c.name.clone()).collect();
        let attnames: Vec<String> = attnames.into_iter().map(|mut r| r.remove(0)).collect();
        assert_eq!(names, attnames, "{sql}");
    }
    // Writes to a catalog are refused.
    for sql in [
        "INSERT INTO pg_class (relname) VALUES ('x')",
        "UPDATE pg_namespace SET nspname = 'x'",
        "DELETE FROM information_schema.tables",
        "SELECT * FROM pg_class FOR UPDATE",
    ] {
        assert_eq!(
            s.query(sql, &[]).unwrap_err().state,
            SqlState::InsufficientPrivilege,
            "{sql}"
        );
    }
}
