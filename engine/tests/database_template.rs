//! `CREATE DATABASE new TEMPLATE src` copies the template's objects and
//! rows, as PostgreSQL 15 does: tables with their rows and indexes, views,
//! schemas, types, comments, and sequences with their current state. The
//! copy and the template go their own ways afterwards (rows, sequences,
//! hidden row ids), DROP DATABASE of the copy leaves the template intact,
//! and everything survives a reopen.

mod common;
use common::q;

use rocksgres_engine::{Database, SqlState};
use rocksgres_storage::Store;

fn rows(v: &[&[&str]]) -> Vec<Vec<String>> {
    v.iter()
        .map(|r| r.iter().map(|s| s.to_string()).collect())
        .collect()
}

/// The objects the template holds.
const SETUP: &str = "CREATE SCHEMA s1; \
     CREATE TABLE s1.t (id serial PRIMARY KEY, v text); \
     INSERT INTO s1.t (v) VALUES ('x'), ('y'); \
     CREATE TABLE h (x int); INSERT INTO h VALUES (1), (2); \
     CREATE INDEX h_x ON h (x); \
     CREATE SEQUENCE sq; SELECT nextval('sq'); SELECT nextval('sq'); \
     CREATE VIEW vv AS SELECT v FROM s1.t; \
     COMMENT ON TABLE h IS 'hh'; \
     CREATE TYPE en AS ENUM ('a', 'b'); \
     CREATE TABLE e (k en)";

#[test]
fn create_database_copies_the_template() {
    let dir = tempfile::tempdir().unwrap();
    {
        let db = Database::open(dir.path()).unwrap();
        let mut admin = db.session();
        admin.batch("CREATE DATABASE a").unwrap();
        let mut a = db.session_on("a").unwrap();
        a.batch(SETUP).unwrap();

        // Another session on the template: 55006 with PostgreSQL's text.
        let e = admin
            .query("CREATE DATABASE b TEMPLATE a", &[])
            .unwrap_err();
        assert_eq!(e.state, SqlState::ObjectInUse);
        assert_eq!(
            e.message,
            "source database \"a\" is being accessed by other users"
        );
        assert_eq!(
            e.detail.as_deref(),
            Some("There is 1 other session using the database.")
        );
        // A name taken is reported first (42P04), as PostgreSQL checks it
        // before the sessions.
        let e = admin
            .query("CREATE DATABASE a TEMPLATE a", &[])
            .unwrap_err();
        assert_eq!(e.state, SqlState::DuplicateDatabase);
        drop(a);
        admin.batch("CREATE DATABASE b TEMPLATE a").unwrap();

        let mut b = db.session_on("b").unwrap();
        assert_eq!(
            q(&mut b, "SELECT id, v FROM s1.t ORDER BY id"),
            rows(&[&["1", "x"], &["2", "y"]])
        );
        assert_eq!(
            q(&mut b, "SELECT * FROM vv ORDER BY v"),
            rows(&[&["x"], &["y"]])
        );
        assert_eq!(
            q(&mut b, "SELECT obj_description('h'::regclass)"),
            rows(&[&["hh"]])
        );
        b.batch("INSERT INTO e VALUES ('b')").unwrap();
        assert_eq!(q(&mut b, "SELECT k FROM e"), rows(&[&["b"]]));
        let plan = q(&mut b, "EXPLAIN SELECT v FROM s1.t WHERE id = 2");
        assert!(
            plan[0][0].starts_with("Index Scan using t_pkey"),
            "{plan:?}"
        );
        assert_eq!(
            q(
                &mut b,
                "SELECT indexname FROM pg_indexes WHERE tablename = 'h'"
            ),
            rows(&[&["h_x"]])
        );
        assert_eq!(q(&mut b, "SELECT x FROM h WHERE x = 2"), rows(&[&["2"]]));
        // The sequence's state was copied: both continue from 2, each on
        // its own.
        assert_eq!(
            q(&mut b, "SELECT last_value, log_cnt, is_called FROM sq"),
            rows(&[&["2", "31", "t"]])
        );
        assert_eq!(q(&mut b, "SELECT nextval('sq')"), rows(&[&["3"]]));
        assert_eq!(q(&mut b, "SELECT nextval('sq')"), rows(&[&["4"]]));
        let mut a = db.session_on("a").unwrap();
        assert_eq!(q(&mut a, "SELECT nextval('sq')"), rows(&[&["3"]]));
        // The serial column's sequence too, and hidden row ids.
        b.batch("INSERT INTO s1.t (v) VALUES ('b3'); INSERT INTO h VALUES (3), (4)")
            .unwrap();
        a.batch("INSERT INTO s1.t (v) VALUES ('a3'); INSERT INTO h VALUES (30)")
            .unwrap();
        assert_eq!(
            q(&mut b, "SELECT id, v FROM s1.t ORDER BY id"),
            rows(&[&["1", "x"], &["2", "y"], &["3", "b3"]])
        );
        assert_eq!(
            q(&mut a, "SELECT id, v FROM s1.t ORDER BY id"),
            rows(&[&["1", "x"], &["2", "y"], &["3", "a3"]])
        );
        assert_eq!(
            q(&mut b, "SELECT x FROM h ORDER BY x"),
            rows(&[&["1"], &["2"], &["3"], &["4"]])
        );
        assert_eq!(
            q(&mut a, "SELECT x FROM h ORDER BY x"),
            rows(&[&["1"], &["2"], &["30"]])
        );
        // DDL in the copy stays there.
        b.batch("DROP VIEW vv; CREATE TABLE only_b (i int)")
            .unwrap();
        assert_eq!(q(&mut a, "SELECT count(*) FROM vv"), rows(&[&["3"]]));
        assert_eq!(
            a.query("SELECT * FROM only_b", &[]).unwrap_err().state,
            SqlState::UndefinedTable
        );
        drop(a);

        // A second copy, then the first one dropped: the template and the
        // second copy are intact.
        admin.batch("CREATE DATABASE c TEMPLATE a").unwrap();
        drop(b);
        admin.batch("DROP DATABASE b").unwrap();
        let mut c = db.session_on("c").unwrap();
        assert_eq!(q(&mut c, "SELECT nextval('sq')"), rows(&[&["4"]]));
        assert_eq!(
            q(&mut c, "SELECT x FROM h ORDER BY x"),
            rows(&[&["1"], &["2"], &["30"]])
        );
    }
    // After a reopen every database keeps its rows, and its sequences
    // resume past every value they handed out.
    let db = Database::open(dir.path()).unwrap();
    let mut a = db.session_on("a").unwrap();
    let mut c = db.session_on("c").unwrap();
    assert!(db.session_on("b").is_err());
    assert_eq!(
        q(&mut a, "SELECT id, v FROM s1.t ORDER BY id"),
        rows(&[&["1", "x"], &["2", "y"], &["3", "a3"]])
    );
    assert_eq!(
        q(&mut c, "SELECT x FROM h ORDER BY x"),
        rows(&[&["1"], &["2"], &["30"]])
    );
    let na: i64 = q(&mut a, "SELECT nextval('sq')")[0][0].parse().unwrap();
    let nc: i64 = q(&mut c, "SELECT nextval('sq')")[0][0].parse().unwrap();
    assert!(na > 3 && nc > 4, "{na} {nc}");
    c.batch("INSERT INTO h VALUES (5)").unwrap();
    assert_eq!(q(&mut c, "SELECT count(*) FROM h"), rows(&[&["4"]]));
    assert_eq!(q(&mut a, "SELECT count(*) FROM h"), rows(&[&["3"]]));
}

/// The default template is `template1`: objects created there are in
/// every database created after, and a session on `template1` itself may
/// copy it (its temporary tables are not copied).
#[test]
fn template1_is_copied_by_default() {
    let db = Database::open_in_memory();
    let mut t1 = db.session_on("template1").unwrap();
    t1.batch(
        "CREATE TABLE common (k int PRIMARY KEY); INSERT INTO common VALUES (7); \
         CREATE TEMP TABLE mine (i int); INSERT INTO mine VALUES (1)",
    )
    .unwrap();
    t1.batch("CREATE DATABASE fresh").unwrap();
    let mut fresh = db.session_on("fresh").unwrap();
    assert_eq!(q(&mut fresh, "SELECT k FROM common"), rows(&[&["7"]]));
    assert_eq!(
        q(
            &mut fresh,
            "SELECT count(*) FROM pg_class WHERE relname = 'mine'"
        ),
        rows(&[&["0"]])
    );
    // template0 stays empty.
    drop(fresh);
    t1.batch("CREATE DATABASE bare TEMPLATE template0").unwrap();
    let mut bare = db.session_on("bare").unwrap();
    assert_eq!(
        bare.query("SELECT * FROM common", &[]).unwrap_err().state,
        SqlState::UndefinedTable
    );
}

/// A sequence state stored by a version that keyed it by the sequence's
/// oid alone is still read: the sequence resumes from it.
#[test]
fn sequence_state_of_the_old_layout_is_read() {
    let dir = tempfile::tempdir().unwrap();
    let oid: u32 = {
        let db = Database::open(dir.path()).unwrap();
        let mut s = db.session();
        s.batch("CREATE SEQUENCE old_s").unwrap();
        let oid = q(&mut s, "SELECT 'old_s'::regclass::oid")[0][0]
            .parse()
            .unwrap();
        let mut v = [0u8; 9];
        v[..8].copy_from_slice(&140i64.to_be_bytes());
        v[8] = 1;
        let o: [u8; 4] = u32::to_be_bytes(oid);
        let key = [b's', b'e', b'q', o[0], o[1], o[2], o[3]];
        db.store().put_unversioned(&key, &v, true).unwrap();
        oid
    };
    let db = Database::open(dir.path()).unwrap();
    let mut s = db.session();
    assert_eq!(q(&mut s, "SELECT nextval('old_s')"), rows(&[&["141"]]));
    assert_eq!(
        q(&mut s, "SELECT 'old_s'::regclass::oid")[0][0],
        oid.to_string()
    );
}
