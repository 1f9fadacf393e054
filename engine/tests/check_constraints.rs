//! CHECK constraints through the embedding API: the error fields an
//! embedding service reads (schema, table, constraint, column), checks
//! kept across a restart (descriptor format 4) and still decoded from a
//! format-2 descriptor, prepared statements planned before a check was
//! added, and a column rename carried into the check's text.

mod common;
use common::q;

use rocksgres_engine::catalog::{self, TableDesc};
use rocksgres_engine::{Database, EngineError, Session, SqlState, Value};
use rocksgres_storage::{Store, Transaction, TxnOptions};

fn err<S: Store>(s: &mut Session<S>, sql: &str) -> EngineError {
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

fn fields(e: &EngineError) -> (Option<&str>, Option<&str>, Option<&str>, Option<&str>) {
    let f = e.fields.as_deref().expect("error fields");
    (
        f.schema.as_deref(),
        f.table.as_deref(),
        f.constraint.as_deref(),
        f.column.as_deref(),
    )
}

#[test]
fn violations_carry_postgres_error_fields() {
    let db = Database::open_in_memory();
    let mut s = db.session();
    run(
        &mut s,
        "CREATE TABLE t (id int PRIMARY KEY, a int NOT NULL CHECK (a > 0), b text UNIQUE); \
         INSERT INTO t VALUES (1, 1, 'x')",
    );
    let e = err(&mut s, "INSERT INTO t VALUES (2, -1, 'y')");
    assert_eq!(e.state, SqlState::CheckViolation);
    assert_eq!(
        e.message,
        "new row for relation \"t\" violates check constraint \"t_a_check\""
    );
    assert_eq!(
        e.detail.as_deref(),
        Some("Failing row contains (2, -1, y).")
    );
    assert_eq!(
        fields(&e),
        (Some("public"), Some("t"), Some("t_a_check"), None)
    );
    let e = err(&mut s, "INSERT INTO t VALUES (1, 1, 'y')");
    assert_eq!(e.state, SqlState::UniqueViolation);
    assert_eq!(
        fields(&e),
        (Some("public"), Some("t"), Some("t_pkey"), None)
    );
    let e = err(&mut s, "INSERT INTO t VALUES (2, 1, 'x')");
    assert_eq!(
        fields(&e),
        (Some("public"), Some("t"), Some("t_b_key"), None)
    );
    let e = err(&mut s, "INSERT INTO t VALUES (2, NULL, 'y')");
    assert_eq!(e.state, SqlState::NotNullViolation);
    assert_eq!(fields(&e), (Some("public"), Some("t"), None, Some("a")));
    let e = err(&mut s, "ALTER TABLE t ADD CONSTRAINT big CHECK (a > 5)");
    assert_eq!(e.state, SqlState::CheckViolation);
    assert_eq!(fields(&e), (Some("public"), Some("t"), Some("big"), None));
    // Errors about no object have no fields.
    assert!(err(&mut s, "SELECT 1/0").fields.is_none());
}

#[test]
fn prepared_inserts_see_checks_added_later() {
    let db = Database::open_in_memory();
    let mut s = db.session();
    run(&mut s, "CREATE TABLE p (id int PRIMARY KEY, v int)");
    let ins = s.prepare("INSERT INTO p VALUES ($1, $2)").expect("prepare");
    s.query_prepared(&ins, &[Value::Int4(1), Value::Int4(-5)])
        .expect("no check yet");
    run(&mut s, "ALTER TABLE p ADD CHECK (v >= 0) NOT VALID");
    let e = s
        .query_prepared(&ins, &[Value::Int4(2), Value::Int4(-5)])
        .expect_err("the new check applies to the prepared INSERT");
    assert_eq!(e.state, SqlState::CheckViolation);
    let upd = s.prepare("UPDATE p SET v = $1").expect("prepare");
    assert_eq!(
        s.query_prepared(&upd, &[Value::Int4(-1)])
            .expect_err("UPDATE checks")
            .state,
        SqlState::CheckViolation
    );
    // Dropping the check lifts it for the same prepared statement.
    run(&mut s, "ALTER TABLE p DROP CONSTRAINT p_v_check");
    s.query_prepared(&ins, &[Value::Int4(2), Value::Int4(-5)])
        .expect("check dropped");
}

#[test]
fn checks_survive_a_restart() {
    let dir = tempfile::tempdir().unwrap();
    {
        let db = Database::open(dir.path()).unwrap();
        let mut s = db.session();
        run(
            &mut s,
            "CREATE TABLE r (a int CHECK (a > 0), b text); \
             ALTER TABLE r ADD CONSTRAINT b_short CHECK (length(b) < 3) NOT VALID; \
             ALTER TABLE r RENAME COLUMN b TO body",
        );
    }
    let db = Database::open(dir.path()).unwrap();
    let mut s = db.session();
    assert_eq!(
        q(
            &mut s,
            "SELECT conname, pg_get_constraintdef(oid), convalidated FROM pg_constraint \
             WHERE conrelid = 'r'::regclass ORDER BY conname"
        ),
        vec![
            vec![
                "b_short".to_string(),
                "CHECK ((length(body) < 3)) NOT VALID".to_string(),
                "f".to_string()
            ],
            vec![
                "r_a_check".to_string(),
                "CHECK ((a > 0))".to_string(),
                "t".to_string()
            ],
        ]
    );
    assert_eq!(
        err(&mut s, "INSERT INTO r VALUES (1, 'long')").state,
        SqlState::CheckViolation
    );
}

#[test]
fn format_2_descriptors_decode_without_checks() {
    let db = Database::open_in_memory();
    let mut s = db.session();
    run(&mut s, "CREATE TABLE old (id int PRIMARY KEY, v text)");
    let mut txn = db
        .begin(
            rocksgres_engine::catalog::database::POSTGRES_OID,
            TxnOptions::default(),
        )
        .unwrap();
    let desc = catalog::lookup_table(&mut txn, "public", "old")
        .unwrap()
        .unwrap();
    txn.rollback();
    let mut bytes = Vec::new();
    desc.encode(&mut bytes);
    assert_eq!(bytes[0], 6, "descriptor format version");
    // Format 5 is format 6 without the trailing index options (one index:
    // a flag byte and an INCLUDE count).
    let mut v5 = bytes[..bytes.len() - 5].to_vec();
    v5[0] = 5;
    let decoded = TableDesc::decode(&v5).expect("format 5 decodes");
    assert_eq!(decoded.indexes, desc.indexes);
    let bytes = &bytes[..bytes.len() - 5];
    // Format 4 is format 5 without the trailing foreign key count.
    let mut v4 = bytes[..bytes.len() - 4].to_vec();
    v4[0] = 4;
    let decoded = TableDesc::decode(&v4).expect("format 4 decodes");
    assert!(decoded.foreign_keys.is_empty());
    // Format 2 is format 4 without the trailing check count.
    let mut v2 = bytes[..bytes.len() - 8].to_vec();
    v2[0] = 2;
    let decoded = TableDesc::decode(&v2).expect("format 2 decodes");
    assert!(decoded.checks.is_empty());
    assert_eq!(decoded.columns, desc.columns);
    assert!(TableDesc::decode(&[7]).is_err(), "unknown versions fail");
}
