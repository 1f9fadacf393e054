//! Every DROP removes everything its object owns: after creating objects of
//! every kind and dropping them again, the catalog (every catalog key and
//! value but the id counter, and the rows of the system catalogs) is
//! exactly what it was before. And a database that already holds an index
//! name leaked by an older version recovers: the stale name blocks nothing.

mod common;
use common::{catalog_entries, q};

use rocksgres_engine::keys;
use rocksgres_engine::{Database, Session, SqlState};
use rocksgres_storage::{Store, Transaction, TxnOptions};

/// The rows of the system catalogs that describe user objects.
fn system_rows<S: Store>(s: &mut Session<S>) -> Vec<Vec<String>> {
    let mut out = Vec::new();
    for sql in [
        "SELECT oid, relname, relkind FROM pg_class WHERE relnamespace = 2200 ORDER BY oid",
        "SELECT conname, conrelid, contype FROM pg_constraint \
         WHERE connamespace = 2200 ORDER BY conname",
        "SELECT indexrelid, indrelid FROM pg_index WHERE indrelid >= 16384 ORDER BY 1",
        "SELECT attrelid, attname, atttypid FROM pg_attribute WHERE attrelid >= 16384 \
         ORDER BY 1, 2",
        "SELECT adrelid, adnum FROM pg_attrdef ORDER BY 1, 2",
        "SELECT table_name FROM information_schema.tables WHERE table_schema = 'public' \
         ORDER BY 1",
        "SELECT viewname FROM pg_views WHERE schemaname = 'public' ORDER BY 1",
        "SELECT indexname FROM pg_indexes WHERE schemaname = 'public' ORDER BY 1",
    ] {
        out.push(vec![sql.to_owned()]);
        out.extend(q(s, sql));
    }
    out
}

/// Creates one object of every kind (and every way of naming an index),
/// with rows, then drops them all.
const CREATE: &str = "\
    CREATE TABLE keep (id int PRIMARY KEY, v text); \
    CREATE TABLE p (id int NOT NULL, v text DEFAULT 'x'); \
    INSERT INTO p VALUES (1, 'a'), (2, 'b'); \
    ALTER TABLE p ADD CONSTRAINT p_pk PRIMARY KEY (id); \
    CREATE TABLE h (a int, b text, c int DEFAULT 7); \
    INSERT INTO h VALUES (1, 'x', 2); \
    ALTER TABLE h ADD PRIMARY KEY (a); \
    CREATE TABLE u (a int, b int, c text, CONSTRAINT u_named UNIQUE (a, b), UNIQUE (c)); \
    CREATE INDEX ON u (b); \
    CREATE UNIQUE INDEX u_lower ON u (lower(c)); \
    CREATE INDEX u_desc ON u (a DESC, b); \
    ALTER TABLE u ADD COLUMN d int DEFAULT 3; \
    ALTER TABLE u RENAME TO u2; \
    CREATE VIEW pv AS SELECT id FROM p; \
    CREATE VIEW pvv AS SELECT id FROM pv; \
    CREATE VIEW keepv AS SELECT v FROM keep";

const DROP: &str = "\
    DROP VIEW keepv; \
    DROP TABLE keep; \
    DROP TABLE p CASCADE; \
    DROP TABLE h, u2";

#[test]
fn create_and_drop_of_every_kind_leaves_the_catalog_as_it_was() {
    let dir = tempfile::tempdir().unwrap();
    let db = Database::open(dir.path()).unwrap();
    let mut s = db.session();
    s.batch("CREATE TABLE base (id int PRIMARY KEY, t text)")
        .unwrap();
    let keys_before = catalog_entries(&db);
    let rows_before = system_rows(&mut s);
    for round in 0..2 {
        s.batch(CREATE)
            .unwrap_or_else(|e| panic!("round {round}: {e}"));
        s.batch(DROP)
            .unwrap_or_else(|e| panic!("round {round}: {e}"));
        assert_eq!(system_rows(&mut s), rows_before, "round {round}");
        assert_eq!(catalog_entries(&db), keys_before, "round {round}");
    }
    // The statements, and the name they used to leak, free again.
    s.batch(
        "CREATE TABLE p (id int NOT NULL); \
         ALTER TABLE p ADD CONSTRAINT p_pk PRIMARY KEY (id); \
         DROP TABLE p",
    )
    .unwrap();
    drop(s);
    drop(db);
    let db = Database::open(dir.path()).unwrap();
    let mut s = db.session();
    s.batch("CREATE TABLE p (id int PRIMARY KEY); DROP TABLE p; CREATE TABLE p_pkey (a int)")
        .unwrap();
    s.batch("DROP TABLE p_pkey").unwrap();
    assert_eq!(catalog_entries(&db), keys_before);
}

/// Comments go with their objects (PostgreSQL's `DeleteComments`): after
/// commenting on objects of every kind and dropping them (by DROP, ALTER
/// TABLE ... DROP, DROP SCHEMA ... CASCADE), no `pg_description` entry is
/// left in the catalog.
#[test]
fn comments_go_with_their_objects() {
    let db = Database::open_in_memory();
    let mut s = db.session();
    s.batch("CREATE TABLE base (id int PRIMARY KEY, t text)")
        .unwrap();
    let keys_before = catalog_entries(&db);
    s.batch(
        "CREATE TABLE p (id int PRIMARY KEY, v text, w int CONSTRAINT w_pos CHECK (w > 0)); \
         CREATE INDEX p_v ON p (v); \
         CREATE SEQUENCE sq; \
         CREATE VIEW pv AS SELECT id, v FROM p; \
         CREATE SCHEMA s",
    )
    .unwrap();
    s.batch(
        "CREATE TABLE s.t (a int); \
         CREATE VIEW s.sv AS SELECT a FROM s.t; \
         CREATE VIEW outside AS SELECT a FROM s.sv; \
         COMMENT ON TABLE p IS 'table'; \
         COMMENT ON COLUMN p.v IS 'column'; \
         COMMENT ON COLUMN p.w IS 'dropped column'; \
         COMMENT ON INDEX p_v IS 'index'; \
         COMMENT ON CONSTRAINT w_pos ON p IS 'check'; \
         COMMENT ON CONSTRAINT p_pkey ON p IS 'primary key'; \
         COMMENT ON SEQUENCE sq IS 'sequence'; \
         COMMENT ON VIEW pv IS 'view'; \
         COMMENT ON COLUMN pv.v IS 'view column'; \
         COMMENT ON SCHEMA s IS 'schema'; \
         COMMENT ON TABLE s.t IS 'table in s'; \
         COMMENT ON VIEW s.sv IS 'view in s'; \
         COMMENT ON VIEW outside IS 'view reading s'",
    )
    .unwrap();
    s.batch("ALTER TABLE p DROP COLUMN w").unwrap();
    assert_eq!(
        q(
            &mut s,
            "SELECT count(*) FROM pg_description WHERE objoid >= 16384"
        ),
        [["11"]]
    );
    s.batch("DROP INDEX p_v; DROP SEQUENCE sq; DROP SCHEMA s CASCADE")
        .unwrap();
    assert_eq!(
        q(
            &mut s,
            "SELECT count(*) FROM pg_description WHERE objoid >= 16384"
        ),
        [["5"]]
    );
    s.batch("DROP VIEW pv; DROP TABLE p").unwrap();
    assert_eq!(catalog_entries(&db), keys_before);
}

#[test]
fn a_table_without_a_primary_key_owns_no_index_name() {
    let db = Database::open_in_memory();
    let mut s = db.session();
    // PostgreSQL has no `q_pkey` here, so the name is free.
    s.batch("CREATE TABLE q (id int); CREATE INDEX q_pkey ON q (id)")
        .unwrap();
    s.batch("CREATE TABLE r (id int); CREATE TABLE r_pkey (x int)")
        .unwrap();
    let e = s.batch("DROP INDEX r_pkey").unwrap_err();
    assert_eq!(e.message, "index \"r_pkey\" does not exist");
    // A generated name that is taken gets a number, as in PostgreSQL; an
    // explicit one is refused.
    s.batch("ALTER TABLE r ADD PRIMARY KEY (id)").unwrap();
    assert_eq!(
        q(
            &mut s,
            "SELECT indexname FROM pg_indexes WHERE tablename = 'r'"
        ),
        [["r_pkey1"]]
    );
    s.batch("CREATE TABLE s_pkey (x int); CREATE TABLE s (id int PRIMARY KEY)")
        .unwrap();
    assert_eq!(
        q(
            &mut s,
            "SELECT indexname FROM pg_indexes WHERE tablename = 's'"
        ),
        [["s_pkey1"]]
    );
    s.batch("CREATE TABLE t (id int)").unwrap();
    let e = s
        .batch("ALTER TABLE t ADD CONSTRAINT s_pkey PRIMARY KEY (id)")
        .unwrap_err();
    assert_eq!(e.state, SqlState::DuplicateTable);
    assert_eq!(e.message, "relation \"s_pkey\" already exists");
}

#[test]
fn a_leaked_index_name_blocks_nothing() {
    let dir = tempfile::tempdir().unwrap();
    {
        let db = Database::open(dir.path()).unwrap();
        // What older versions left behind: index names pointing at a table
        // that is gone, and at a table that has no index of that name.
        let mut s = db.session();
        s.batch("CREATE TABLE other (a int)").unwrap();
        let other_id = one_u32(&mut s, "SELECT oid FROM pg_class WHERE relname = 'other'");
        let mut txn = db
            .begin(
                rocksgres_engine::catalog::database::POSTGRES_OID,
                TxnOptions::default(),
            )
            .unwrap();
        let mut key = Vec::new();
        keys::index_name_key(&mut key, "public", "p_pkey");
        txn.put(&key, &999_999u32.to_be_bytes()).unwrap();
        keys::index_name_key(&mut key, "public", "other_pkey");
        txn.put(&key, &other_id.to_be_bytes()).unwrap();
        txn.commit().unwrap();
    }
    let db = Database::open(dir.path()).unwrap();
    let mut s = db.session();
    s.batch("CREATE TABLE p (id int PRIMARY KEY)").unwrap();
    assert_eq!(
        q(
            &mut s,
            "SELECT indexname FROM pg_indexes WHERE tablename = 'p'"
        ),
        [["p_pkey"]]
    );
    s.batch("ALTER TABLE other ADD PRIMARY KEY (a)").unwrap();
    s.batch("DROP TABLE p, other").unwrap();
    let e = s.batch("DROP INDEX p_pkey").unwrap_err();
    assert_eq!(e.state, SqlState::UndefinedObject);
}

fn one_u32<S: Store>(s: &mut Session<S>, sql: &str) -> u32 {
    q(s, sql)[0][0].parse().unwrap()
}
