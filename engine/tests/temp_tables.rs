//! Temporary tables through the embedding API: private to their session,
//! in its own temp schema, shadowing permanent tables of the same name,
//! ON COMMIT PRESERVE ROWS / DELETE ROWS / DROP, transactional creation,
//! dropped when the session ends and gone after a restart.

mod common;
use common::{catalog_entries, q};

use rocksgres_engine::catalog::{self, temp};
use rocksgres_engine::keys;
use rocksgres_engine::{Database, Session, SqlState};
use rocksgres_storage::{Store, Transaction, TxnOptions};

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

/// Catalog entries of tables and their names (descriptors, table names,
/// index names), as (kind, key).
fn table_entries<S: Store>(db: &Database<S>) -> Vec<(u8, Vec<u8>)> {
    catalog_entries(db)
        .into_iter()
        .filter(|(k, _)| {
            matches!(
                k[1],
                keys::CAT_TABLE | keys::CAT_TABLE_NAME | keys::CAT_INDEX_NAME
            )
        })
        .map(|(k, _)| (k[1], k))
        .collect()
}

/// The session's temp schema name, read from pg_class.
fn temp_schema_of<S: Store>(s: &mut Session<S>, table: &str) -> String {
    q(
        s,
        &format!(
            "SELECT n.nspname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace \
             WHERE c.relname = '{table}' AND c.relpersistence = 't'"
        ),
    )[0][0]
        .clone()
}

#[test]
fn temp_table_shadows_permanent_one() {
    let db = Database::open_in_memory();
    let mut s = db.session();
    run(&mut s, "CREATE TABLE t (a int); INSERT INTO t VALUES (1)");
    // A permanent view reads the permanent table whatever shadows it.
    run(&mut s, "CREATE VIEW v AS SELECT a FROM t");
    run(
        &mut s,
        "CREATE TEMP TABLE t (a int); INSERT INTO t VALUES (2)",
    );
    assert_eq!(q(&mut s, "SELECT a FROM t"), rows(&[&["2"]]));
    assert_eq!(q(&mut s, "SELECT a FROM public.t"), rows(&[&["1"]]));
    assert_eq!(q(&mut s, "SELECT a FROM pg_temp.t"), rows(&[&["2"]]));
    assert_eq!(q(&mut s, "SELECT a FROM v"), rows(&[&["1"]]));
    assert_eq!(
        q(
            &mut s,
            "SELECT relpersistence, relnamespace = 2200, pg_table_is_visible(oid) \
             FROM pg_class WHERE relname = 't' ORDER BY 1"
        ),
        rows(&[&["p", "t", "f"], &["t", "f", "t"]])
    );
    assert_eq!(
        q(&mut s, "SELECT 'public.t'::regclass::text"),
        rows(&[&["public.t"]])
    );
    // DROP TABLE of the unqualified name drops the temp table.
    run(&mut s, "DROP TABLE t");
    assert_eq!(q(&mut s, "SELECT a FROM t"), rows(&[&["1"]]));
    let e = err(&mut s, "SELECT a FROM pg_temp.t");
    assert_eq!(e.state, SqlState::UndefinedTable);
    assert_eq!(e.message, "relation \"pg_temp.t\" does not exist");
    // A temp table named like a system catalog shadows it too.
    run(&mut s, "CREATE TEMP TABLE pg_class (z int)");
    assert_eq!(q(&mut s, "SELECT count(*) FROM pg_class"), rows(&[&["0"]]));
    run(&mut s, "DROP TABLE pg_class");
    assert_ne!(q(&mut s, "SELECT count(*) FROM pg_class"), rows(&[&["0"]]));
}

#[test]
fn cached_plans_follow_shadowing() {
    let db = Database::open_in_memory();
    let mut s = db.session();
    run(&mut s, "CREATE TABLE t (a int); INSERT INTO t VALUES (1)");
    let prepared = s.prepare("SELECT a FROM t").unwrap();
    for _ in 0..3 {
        assert_eq!(q(&mut s, "SELECT a FROM t WHERE a > 0"), rows(&[&["1"]]));
    }
    assert_eq!(
        common::texts(&s.query_prepared(&prepared, &[]).unwrap()),
        rows(&[&["1"]])
    );
    run(
        &mut s,
        "CREATE TEMP TABLE t (a int); INSERT INTO t VALUES (2)",
    );
    assert_eq!(q(&mut s, "SELECT a FROM t WHERE a > 0"), rows(&[&["2"]]));
    assert_eq!(
        common::texts(&s.query_prepared(&prepared, &[]).unwrap()),
        rows(&[&["2"]])
    );
    // ON COMMIT DROP stops the shadowing at commit.
    run(&mut s, "DROP TABLE t");
    assert_eq!(q(&mut s, "SELECT a FROM t WHERE a > 0"), rows(&[&["1"]]));
    run(
        &mut s,
        "BEGIN; CREATE TEMP TABLE t (a int) ON COMMIT DROP; INSERT INTO t VALUES (3)",
    );
    assert_eq!(q(&mut s, "SELECT a FROM t WHERE a > 0"), rows(&[&["3"]]));
    run(&mut s, "COMMIT");
    assert_eq!(q(&mut s, "SELECT a FROM t WHERE a > 0"), rows(&[&["1"]]));
    assert_eq!(
        common::texts(&s.query_prepared(&prepared, &[]).unwrap()),
        rows(&[&["1"]])
    );
}

#[test]
fn temp_tables_are_private() {
    let db = Database::open_in_memory();
    let mut a = db.session();
    let mut b = db.session();
    run(
        &mut a,
        "CREATE TEMP TABLE t (a int); INSERT INTO t VALUES (1)",
    );
    let e = err(&mut b, "SELECT * FROM t");
    assert_eq!(e.state, SqlState::UndefinedTable);
    // Each session has its own temp table of the name.
    run(
        &mut b,
        "CREATE TEMP TABLE t (a int); INSERT INTO t VALUES (2)",
    );
    assert_eq!(q(&mut a, "SELECT a FROM t"), rows(&[&["1"]]));
    assert_eq!(q(&mut b, "SELECT a FROM t"), rows(&[&["2"]]));
    let schema_a = temp_schema_of(&mut a, "t");
    let schema_b = q(
        &mut b,
        "SELECT n.nspname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace \
         WHERE c.relname = 't' AND pg_table_is_visible(c.oid)",
    )[0][0]
        .clone();
    assert!(schema_a.starts_with("pg_temp_"), "{schema_a}");
    assert!(schema_b.starts_with("pg_temp_"), "{schema_b}");
    assert_ne!(schema_a, schema_b);
    // Naming the other session's temp schema fails.
    for (sql, verb) in [
        (format!("SELECT * FROM {schema_a}.t"), "access"),
        (format!("INSERT INTO {schema_a}.t VALUES (3)"), "access"),
        (format!("TRUNCATE {schema_a}.t"), "truncate"),
        (
            format!("ALTER TABLE {schema_a}.t ADD COLUMN b int"),
            "alter",
        ),
        (
            format!("CREATE INDEX ON {schema_a}.t (a)"),
            "create indexes on",
        ),
    ] {
        let e = err(&mut b, &sql);
        assert_eq!(e.state, SqlState::FeatureNotSupported, "{sql}");
        assert_eq!(
            e.message,
            format!("cannot {verb} temporary tables of other sessions"),
            "{sql}"
        );
    }
    // Naming one's own temp schema works.
    assert_eq!(
        q(&mut a, &format!("SELECT a FROM {schema_a}.t")),
        rows(&[&["1"]])
    );
    // Both temp tables show in pg_class; pg_namespace has both schemas
    // and their toast twins.
    assert_eq!(
        q(
            &mut a,
            "SELECT count(*) FROM pg_class WHERE relname = 't' AND relpersistence = 't'"
        ),
        rows(&[&["2"]])
    );
    assert_eq!(
        q(
            &mut a,
            "SELECT count(*) FROM pg_namespace WHERE nspname LIKE 'pg_temp_%' \
             OR nspname LIKE 'pg_toast_temp_%'"
        ),
        rows(&[&["4"]])
    );
    assert_eq!(
        q(
            &mut a,
            "SELECT table_type FROM information_schema.tables WHERE table_name = 't'"
        ),
        rows(&[&["LOCAL TEMPORARY"], &["LOCAL TEMPORARY"]])
    );
    let e = err(&mut b, &format!("SELECT * FROM {schema_a}.nosuch"));
    assert_eq!(e.state, SqlState::UndefinedTable);
    let e = err(&mut b, &format!("CREATE TABLE {schema_a}.x (a int)"));
    assert_eq!(e.state, SqlState::InvalidTableDefinition);
    assert_eq!(
        e.message,
        "cannot create relations in temporary schemas of other sessions"
    );
    // A superuser may drop another session's temp table (PostgreSQL
    // allows it; every session is a superuser here).
    run(&mut b, &format!("DROP TABLE {schema_a}.t"));
    assert_eq!(
        err(&mut a, "SELECT * FROM t").state,
        SqlState::UndefinedTable
    );
    assert_eq!(q(&mut b, "SELECT a FROM t"), rows(&[&["2"]]));
}

#[test]
fn create_in_schemas() {
    let db = Database::open_in_memory();
    let mut s = db.session();
    let e = err(&mut s, "CREATE TEMP TABLE public.x (a int)");
    assert_eq!(e.state, SqlState::InvalidTableDefinition);
    assert_eq!(
        e.message,
        "cannot create temporary relation in non-temporary schema"
    );
    // pg_temp.x makes a temp table without TEMP.
    run(&mut s, "CREATE TABLE pg_temp.y (a int)");
    assert_eq!(
        q(
            &mut s,
            "SELECT relpersistence FROM pg_class WHERE relname = 'y'"
        ),
        rows(&[&["t"]])
    );
    for sql in [
        "CREATE TABLE c (a int) ON COMMIT DROP",
        "CREATE TABLE c (a int) ON COMMIT DELETE ROWS",
        "CREATE TABLE c (a int) ON COMMIT PRESERVE ROWS",
    ] {
        let e = err(&mut s, sql);
        assert_eq!(e.state, SqlState::InvalidTableDefinition, "{sql}");
        assert_eq!(e.message, "ON COMMIT can only be used on temporary tables");
    }
    let e = err(&mut s, "CREATE TEMP TABLE y (a int)");
    assert_eq!(e.state, SqlState::DuplicateTable);
    run(&mut s, "CREATE TEMP TABLE IF NOT EXISTS y (a int)");
}

#[test]
fn on_commit_actions() {
    let db = Database::open_in_memory();
    let mut s = db.session();
    // DROP: in autocommit the table is gone at once.
    run(&mut s, "CREATE TEMP TABLE d (a int) ON COMMIT DROP");
    assert_eq!(
        err(&mut s, "SELECT * FROM d").state,
        SqlState::UndefinedTable
    );
    run(
        &mut s,
        "BEGIN; CREATE TEMP TABLE d (a int) ON COMMIT DROP; INSERT INTO d VALUES (1)",
    );
    assert_eq!(q(&mut s, "SELECT a FROM d"), rows(&[&["1"]]));
    run(&mut s, "COMMIT");
    assert_eq!(
        err(&mut s, "SELECT * FROM d").state,
        SqlState::UndefinedTable
    );
    // An implicit block commits like a statement.
    let r = s.simple_query(
        "CREATE TEMP TABLE d (a int) ON COMMIT DROP; INSERT INTO d VALUES (1); SELECT a FROM d",
    );
    assert_eq!(common::texts(r[2].as_ref().unwrap()), rows(&[&["1"]]));
    assert_eq!(
        err(&mut s, "SELECT * FROM d").state,
        SqlState::UndefinedTable
    );

    // DELETE ROWS: rows go at each commit, the table stays.
    run(
        &mut s,
        "CREATE TEMP TABLE r (a int PRIMARY KEY, b text) ON COMMIT DELETE ROWS",
    );
    run(&mut s, "CREATE INDEX ON r (b)");
    run(&mut s, "BEGIN; INSERT INTO r VALUES (1, 'x'), (2, 'y')");
    assert_eq!(q(&mut s, "SELECT count(*) FROM r"), rows(&[&["2"]]));
    run(&mut s, "COMMIT");
    assert_eq!(q(&mut s, "SELECT count(*) FROM r"), rows(&[&["0"]]));
    run(&mut s, "INSERT INTO r VALUES (1, 'x')");
    assert_eq!(q(&mut s, "SELECT count(*) FROM r"), rows(&[&["0"]]));
    run(&mut s, "BEGIN; INSERT INTO r VALUES (1, 'x')");
    assert_eq!(q(&mut s, "SELECT a FROM r WHERE b = 'x'"), rows(&[&["1"]]));
    run(&mut s, "ROLLBACK");
    assert_eq!(q(&mut s, "SELECT count(*) FROM r"), rows(&[&["0"]]));

    // A rolled-back DELETE ROWS table's id may be handed out again: the
    // next table must not inherit its action.
    run(
        &mut s,
        "BEGIN; CREATE TEMP TABLE gone (a int) ON COMMIT DELETE ROWS; ROLLBACK",
    );
    run(&mut s, "CREATE TEMP TABLE kept (a int)");
    run(&mut s, "INSERT INTO kept VALUES (1)");
    assert_eq!(q(&mut s, "SELECT a FROM kept"), rows(&[&["1"]]));

    // PRESERVE ROWS (and the default): rows stay.
    run(
        &mut s,
        "CREATE TEMP TABLE p (a int) ON COMMIT PRESERVE ROWS; CREATE TEMP TABLE p2 (a int)",
    );
    run(
        &mut s,
        "BEGIN; INSERT INTO p VALUES (1); INSERT INTO p2 VALUES (2); COMMIT",
    );
    assert_eq!(q(&mut s, "SELECT a FROM p"), rows(&[&["1"]]));
    assert_eq!(q(&mut s, "SELECT a FROM p2"), rows(&[&["2"]]));
}

#[test]
fn rolled_back_create_leaves_nothing() {
    let db = Database::open_in_memory();
    let mut s = db.session();
    let before = table_entries(&db);
    run(
        &mut s,
        "BEGIN; CREATE TEMP TABLE t (a int PRIMARY KEY, b text UNIQUE); \
         CREATE INDEX ON t (b); INSERT INTO t VALUES (1, 'x')",
    );
    assert_eq!(q(&mut s, "SELECT a FROM t"), rows(&[&["1"]]));
    run(&mut s, "ROLLBACK");
    assert_eq!(
        err(&mut s, "SELECT * FROM t").state,
        SqlState::UndefinedTable
    );
    assert_eq!(table_entries(&db), before);
    assert_eq!(
        q(
            &mut s,
            "SELECT count(*) FROM pg_class WHERE relpersistence = 't'"
        ),
        rows(&[&["0"]])
    );
    // A savepoint rolled back takes an ON COMMIT DROP table with it.
    run(
        &mut s,
        "BEGIN; SAVEPOINT a; CREATE TEMP TABLE t (a int) ON COMMIT DROP; \
         ROLLBACK TO a; CREATE TEMP TABLE u (a int); COMMIT",
    );
    assert_eq!(q(&mut s, "SELECT count(*) FROM u"), rows(&[&["0"]]));
}

#[test]
fn ddl_and_dml_on_temp_tables() {
    let db = Database::open_in_memory();
    let mut s = db.session();
    run(
        &mut s,
        "CREATE TABLE pub (a int); CREATE INDEX i ON pub (a)",
    );
    run(
        &mut s,
        "CREATE TEMP TABLE t (a int PRIMARY KEY, b text); \
         INSERT INTO t VALUES (1, 'x'), (2, 'y'), (3, 'z')",
    );
    // Index names are per schema, as in PostgreSQL.
    run(&mut s, "CREATE INDEX i ON t (b)");
    assert_eq!(
        q(
            &mut s,
            "SELECT c.relname, c.relpersistence, c.relnamespace = t.relnamespace \
             FROM pg_index x JOIN pg_class c ON c.oid = x.indexrelid \
             JOIN pg_class t ON t.oid = x.indrelid WHERE t.relname = 't' ORDER BY 1"
        ),
        rows(&[&["i", "t", "t"], &["t_pkey", "t", "t"]])
    );
    run(&mut s, "UPDATE t SET b = 'w' WHERE a = 2");
    run(&mut s, "DELETE FROM t WHERE a = 3");
    assert_eq!(
        q(&mut s, "SELECT a, b FROM t ORDER BY a"),
        rows(&[&["1", "x"], &["2", "w"]])
    );
    run(&mut s, "ALTER TABLE t ADD COLUMN c int DEFAULT 7");
    assert_eq!(
        q(&mut s, "SELECT a, c FROM t WHERE b = 'w'"),
        rows(&[&["2", "7"]])
    );
    run(&mut s, "ALTER TABLE t RENAME TO t2");
    assert_eq!(
        q(&mut s, "SELECT count(*) FROM pg_temp.t2"),
        rows(&[&["2"]])
    );
    run(&mut s, "BEGIN; LOCK TABLE t2; COMMIT");
    run(&mut s, "TRUNCATE t2");
    assert_eq!(q(&mut s, "SELECT count(*) FROM t2"), rows(&[&["0"]]));
    run(&mut s, "DROP INDEX i");
    // The permanent index of the same name is still there.
    assert_eq!(
        q(
            &mut s,
            "SELECT count(*) FROM pg_indexes WHERE indexname = 'i'"
        ),
        rows(&[&["1"]])
    );
    run(&mut s, "DROP INDEX i");
    assert_eq!(
        q(
            &mut s,
            "SELECT count(*) FROM pg_indexes WHERE indexname = 'i'"
        ),
        rows(&[&["0"]])
    );
    // A view over a temp table is a temporary view, as CREATE TEMP VIEW
    // makes one.
    run(&mut s, "CREATE VIEW v AS SELECT a FROM t2");
    run(&mut s, "DROP VIEW v");
    run(&mut s, "CREATE TEMP VIEW v AS SELECT 1");
    run(&mut s, "DROP VIEW v");
    run(&mut s, "DROP TABLE t2");
    assert_eq!(
        q(
            &mut s,
            "SELECT count(*) FROM pg_class WHERE relpersistence = 't'"
        ),
        rows(&[&["0"]])
    );
}

#[test]
fn session_end_drops_temp_tables() {
    let db = Database::open_in_memory();
    let mut keep = db.session();
    run(&mut keep, "CREATE TABLE p (a int PRIMARY KEY)");
    let before = table_entries(&db);
    let mut s = db.session();
    run(
        &mut s,
        "CREATE TEMP TABLE t (a int PRIMARY KEY, b text UNIQUE); CREATE INDEX ON t (b); \
         INSERT INTO t VALUES (1, 'x'); CREATE TEMP TABLE r (a int) ON COMMIT DELETE ROWS",
    );
    // A session ended inside a block.
    run(&mut s, "BEGIN; INSERT INTO t VALUES (2, 'y')");
    assert_eq!(
        q(
            &mut keep,
            "SELECT count(*) FROM pg_class WHERE relpersistence = 't'"
        ),
        rows(&[&["5"]])
    );
    drop(s);
    assert_eq!(table_entries(&db), before);
    assert_eq!(
        q(
            &mut keep,
            "SELECT count(*) FROM pg_class WHERE relpersistence = 't'"
        ),
        rows(&[&["0"]])
    );
    // The next session gets the schema number back and finds it empty.
    let mut next = db.session();
    assert_eq!(
        err(&mut next, "SELECT * FROM t").state,
        SqlState::UndefinedTable
    );
    run(&mut next, "CREATE TEMP TABLE t (a int)");
    assert_eq!(q(&mut next, "SELECT count(*) FROM t"), rows(&[&["0"]]));
}

#[test]
fn temp_tables_are_gone_after_restart() {
    let dir = tempfile::tempdir().unwrap();
    {
        let db = Database::open(dir.path()).unwrap();
        let mut s = db.session();
        run(
            &mut s,
            "CREATE TABLE keep (a int); INSERT INTO keep VALUES (1); \
             CREATE TABLE orphan (a int PRIMARY KEY); INSERT INTO orphan VALUES (1); \
             CREATE TEMP TABLE t (a int); INSERT INTO t VALUES (1)",
        );
        // A crash leaves temp tables behind: make one by moving a table
        // into a temp schema no session holds.
        let mut txn = db
            .begin(
                rocksgres_engine::catalog::database::POSTGRES_OID,
                TxnOptions::default(),
            )
            .unwrap();
        let mut t = catalog::lookup_table(&mut txn, "public", "orphan")
            .unwrap()
            .unwrap();
        catalog::drop_table(&mut txn, &t).unwrap();
        t.schema = "pg_temp_42".into();
        temp::ensure_namespace(&mut txn, "pg_temp_42").unwrap();
        catalog::create_table(&mut txn, &t).unwrap();
        txn.commit().unwrap();
        assert_eq!(
            q(
                &mut s,
                "SELECT relname FROM pg_class WHERE relpersistence = 't' ORDER BY 1"
            ),
            rows(&[&["orphan"], &["orphan_pkey"], &["t"]])
        );
    }
    let db = Database::open(dir.path()).unwrap();
    let mut s = db.session();
    assert_eq!(
        q(
            &mut s,
            "SELECT count(*) FROM pg_class WHERE relpersistence = 't'"
        ),
        rows(&[&["0"]])
    );
    assert_eq!(q(&mut s, "SELECT a FROM keep"), rows(&[&["1"]]));
    assert_eq!(
        err(&mut s, "SELECT * FROM t").state,
        SqlState::UndefinedTable
    );
    let names: Vec<u8> = table_entries(&db).into_iter().map(|(k, _)| k).collect();
    assert_eq!(
        names,
        vec![keys::CAT_TABLE, keys::CAT_TABLE_NAME],
        "only the permanent table is left"
    );
}

/// CREATE TEMP SEQUENCE (and `pg_temp.name`) makes a sequence in the
/// session's temp schema, private to it, shadowing a permanent one, and
/// dropped with the session, as in PostgreSQL.
#[test]
fn temp_sequences_live_and_die_with_the_session() {
    let db = Database::open_in_memory();
    let mut keep = db.session();
    run(&mut keep, "CREATE SEQUENCE ts START 50");
    // The temp schema's own entry stays, as PostgreSQL keeps its
    // pg_namespace row.
    let entries = || -> Vec<_> {
        catalog_entries(&db)
            .into_iter()
            .filter(|(k, _)| k[1] != keys::CAT_NAMESPACE)
            .collect()
    };
    let before = entries();
    let mut s = db.session();
    run(
        &mut s,
        "CREATE TEMP SEQUENCE ts; CREATE SEQUENCE pg_temp.ts2 START 5; \
         CREATE TEMP TABLE tt (id serial, v text); INSERT INTO tt (v) VALUES ('a'), ('b')",
    );
    assert_eq!(
        q(
            &mut s,
            "SELECT nextval('ts'), nextval('ts'), nextval('pg_temp.ts2')"
        ),
        rows(&[&["1", "2", "5"]])
    );
    assert_eq!(
        q(&mut s, "SELECT last_value, is_called FROM ts"),
        rows(&[&["2", "t"]])
    );
    assert_eq!(
        q(&mut s, "SELECT id FROM tt ORDER BY id"),
        rows(&[&["1"], &["2"]])
    );
    assert_eq!(
        q(
            &mut s,
            "SELECT n.nspname LIKE 'pg_temp%', c.relpersistence, c.relkind FROM pg_class c \
             JOIN pg_namespace n ON n.oid = c.relnamespace WHERE relname = 'ts' ORDER BY 1"
        ),
        rows(&[&["f", "p", "S"], &["t", "t", "S"]])
    );
    assert_eq!(
        err(&mut s, "CREATE TEMP SEQUENCE ts").state,
        SqlState::DuplicateTable
    );
    run(&mut s, "CREATE SCHEMA sx");
    let e = err(&mut s, "CREATE TEMP SEQUENCE sx.x");
    assert_eq!(e.state, SqlState::InvalidTableDefinition);
    assert_eq!(
        e.message,
        "cannot create temporary relation in non-temporary schema"
    );
    // Other sessions see the permanent sequence only.
    assert_eq!(q(&mut keep, "SELECT nextval('ts')"), rows(&[&["50"]]));
    assert_eq!(
        err(&mut keep, "SELECT nextval('ts2')").state,
        SqlState::UndefinedTable
    );
    run(&mut s, "DROP SCHEMA sx");
    drop(s);
    assert_eq!(entries(), before);
}
