//! Several databases through the embedding API: each has its own catalog
//! and key ranges, DROP DATABASE deletes those ranges, sessions open on a
//! named database (3D000 when there is none), and a data directory
//! written before databases existed opens with its data in `postgres`.

mod common;
use common::q;

use rocksgres_engine::catalog::database::POSTGRES_OID;
use rocksgres_engine::keys;
use rocksgres_engine::{Database, SqlState};
use rocksgres_storage::{Direction, KeyRange, RocksStore, Store, Transaction, TxnOptions};

fn rows(v: &[&[&str]]) -> Vec<Vec<String>> {
    v.iter()
        .map(|r| r.iter().map(|s| s.to_string()).collect())
        .collect()
}

/// Every stored (key, value) in `[start, end)`.
fn raw_range<S: Store>(store: &S, start: &[u8], end: &[u8]) -> Vec<(Vec<u8>, Vec<u8>)> {
    let mut txn = store.begin(TxnOptions::default()).unwrap();
    let mut cursor = txn.cursor();
    txn.seek(
        &mut cursor,
        KeyRange::half_open(start, end),
        Direction::Forward,
    )
    .unwrap();
    let mut out = Vec::new();
    while let Some((k, v)) = txn.next(&mut cursor).unwrap() {
        out.push((k.to_vec(), v.to_vec()));
    }
    out
}

#[test]
fn databases_have_their_own_objects_and_key_ranges() {
    let db = Database::open_in_memory();
    let mut admin = db.session();
    let e = db.session_on("shop").err().expect("no database shop yet");
    assert_eq!(e.state, SqlState::InvalidCatalogName);
    assert_eq!(e.message, "database \"shop\" does not exist");

    admin.batch("CREATE DATABASE shop").unwrap();
    let mut shop = db.session_on("shop").unwrap();
    admin
        .batch("CREATE TABLE t (id int PRIMARY KEY, v text); INSERT INTO t VALUES (1, 'p')")
        .unwrap();
    shop.batch(
        "CREATE SEQUENCE s; CREATE TABLE t (id int PRIMARY KEY, v text); \
         CREATE INDEX t_v ON t (v); INSERT INTO t VALUES (2, 's'), (3, 's')",
    )
    .unwrap();
    assert_eq!(q(&mut admin, "SELECT * FROM t"), rows(&[&["1", "p"]]));
    assert_eq!(
        q(&mut shop, "SELECT * FROM t ORDER BY id"),
        rows(&[&["2", "s"], &["3", "s"]])
    );
    assert_eq!(
        q(&mut shop, "SELECT current_database()"),
        rows(&[&["shop"]])
    );
    assert!(admin.query("SELECT nextval('s')", &[]).is_err());

    let oid: u32 = q(
        &mut admin,
        "SELECT oid FROM pg_database WHERE datname = 'shop'",
    )[0][0]
        .parse()
        .unwrap();
    let ranges = keys::database_ranges(oid);
    assert!(ranges
        .iter()
        .all(|(start, end)| !raw_range(db.store(), start, end).is_empty()));

    let e = admin.query("DROP DATABASE shop", &[]).unwrap_err();
    assert_eq!(e.state, SqlState::ObjectInUse);
    assert_eq!(
        e.detail.as_deref(),
        Some("There is 1 other session using the database.")
    );
    // FORCE ends the other session: its next statement fails with 57P01.
    admin.batch("DROP DATABASE shop WITH (FORCE)").unwrap();
    assert!(shop.terminated());
    let e = shop.query("SELECT 1", &[]).unwrap_err();
    assert_eq!(e.state, SqlState::AdminShutdown);
    drop(shop);
    for (start, end) in &ranges {
        assert!(raw_range(db.store(), start, end).is_empty(), "range left");
    }
    assert_eq!(q(&mut admin, "SELECT * FROM t"), rows(&[&["1", "p"]]));
    admin.batch("CREATE DATABASE shop").unwrap();
    let mut shop = db.session_on("shop").unwrap();
    assert_eq!(
        shop.query("SELECT * FROM t", &[]).unwrap_err().state,
        SqlState::UndefinedTable
    );
}

/// Rewrites every key of database `postgres` into the layout without
/// database ids (the object-id counter back into the catalog) and removes
/// the database list: a data directory as older versions wrote it.
fn make_old_layout(store: &RocksStore) {
    let [catalog, data] = keys::database_ranges(POSTGRES_OID);
    let shared = (vec![keys::KS_SHARED], vec![keys::KS_SHARED + 1]);
    let mut txn = store.begin(TxnOptions::default()).unwrap();
    for (start, end) in [&catalog, &data] {
        for (k, v) in raw_range(store, start, end) {
            let mut old = vec![k[0]];
            old.extend_from_slice(&k[5..]);
            txn.delete(&k).unwrap();
            txn.put(&old, &v).unwrap();
        }
    }
    for (k, v) in raw_range(store, &shared.0, &shared.1) {
        txn.delete(&k).unwrap();
        if k == [keys::KS_SHARED, keys::SH_NEXT_ID] {
            txn.put(&[keys::KS_CATALOG, keys::CAT_NEXT_ID], &v).unwrap();
        }
    }
    txn.commit().unwrap();
}

#[test]
fn an_old_layout_directory_opens_with_its_data_in_postgres() {
    let dir = tempfile::tempdir().unwrap();
    {
        let db = Database::open(dir.path()).unwrap();
        let mut s = db.session();
        s.batch(
            "CREATE TABLE t (id serial PRIMARY KEY, v text UNIQUE); \
             INSERT INTO t (v) VALUES ('a'), ('b'); COMMENT ON TABLE t IS 'old'",
        )
        .unwrap();
        drop(s);
        make_old_layout(db.store());
        let [catalog, _] = keys::database_ranges(POSTGRES_OID);
        assert!(raw_range(db.store(), &catalog.0, &catalog.1).is_empty());
    }
    let db = Database::open(dir.path()).unwrap();
    let mut s = db.session();
    assert_eq!(
        q(&mut s, "SELECT id, v FROM t ORDER BY id"),
        rows(&[&["1", "a"], &["2", "b"]])
    );
    assert_eq!(
        q(&mut s, "SELECT obj_description('t'::regclass)"),
        rows(&[&["old"]])
    );
    s.batch("INSERT INTO t (v) VALUES ('c'); CREATE TABLE u (x int)")
        .unwrap();
    // (The sequence resumes past its logged values after a reopen.)
    assert_eq!(
        q(&mut s, "SELECT id > 2 FROM t WHERE v = 'c'"),
        rows(&[&["t"]])
    );
    assert_eq!(
        q(&mut s, "SELECT datname FROM pg_database ORDER BY oid"),
        rows(&[&["template1"], &["template0"], &["postgres"]])
    );
    // No key of the old layout is left.
    let old_catalog = raw_range(db.store(), &[keys::KS_CATALOG, 1], &[keys::KS_CATALOG + 1]);
    assert!(old_catalog.is_empty());
}

/// `ALTER DATABASE d SET param = value` is stored in the database's
/// `pg_db_role_setting` row (as PostgreSQL spells it) and applied to each
/// new session of `d` as the value RESET restores; RESET and RESET ALL
/// remove it; bad names and values fail as SET fails.
#[test]
fn alter_database_set_applies_to_new_sessions() {
    let db = Database::open_in_memory();
    let mut admin = db.session();
    admin.batch("CREATE DATABASE dset").unwrap();
    for sql in [
        "ALTER DATABASE dset SET work_mem = '64MB'",
        "ALTER DATABASE dset SET search_path TO a, \"B c\", public",
        "ALTER DATABASE dset SET DateStyle TO 'ISO, DMY'",
        "ALTER DATABASE dset SET nosuch.x = 1",
        "ALTER DATABASE dset SET statement_timeout = 0",
        "ALTER DATABASE dset SET work_mem TO DEFAULT",
        "ALTER DATABASE dset SET work_mem = 1024",
    ] {
        admin.batch(sql).unwrap_or_else(|e| panic!("{sql}: {e}"));
    }
    for (sql, state, message) in [
        (
            "ALTER DATABASE dset SET nosuch = 1",
            SqlState::UndefinedObject,
            "unrecognized configuration parameter \"nosuch\"",
        ),
        (
            "ALTER DATABASE dset SET work_mem = 'lots'",
            SqlState::InvalidParameterValue,
            "invalid value for parameter \"work_mem\": \"lots\"",
        ),
        (
            "ALTER DATABASE nodb SET work_mem = '1MB'",
            SqlState::InvalidCatalogName,
            "database \"nodb\" does not exist",
        ),
        (
            "ALTER DATABASE dset RESET nosuch",
            SqlState::UndefinedObject,
            "unrecognized configuration parameter \"nosuch\"",
        ),
    ] {
        let e = admin.batch(sql).unwrap_err();
        assert_eq!((e.state, e.message.as_str()), (state, message), "{sql}");
    }
    assert_eq!(
        q(
            &mut admin,
            "SELECT setdatabase = (SELECT oid FROM pg_database WHERE datname = 'dset'), \
             setrole, setconfig FROM pg_db_role_setting"
        ),
        rows(&[&[
            "t",
            "0",
            "{\"search_path=a, \\\"B c\\\", public\",\"DateStyle=ISO, DMY\",nosuch.x=1,statement_timeout=0,work_mem=1024}"
        ]])
    );
    let mut s = db.session_on("dset").unwrap();
    assert_eq!(q(&mut s, "SHOW work_mem"), rows(&[&["1MB"]]));
    assert_eq!(
        q(&mut s, "SHOW search_path"),
        rows(&[&["a, \"B c\", public"]])
    );
    assert_eq!(q(&mut s, "SHOW DateStyle"), rows(&[&["ISO, DMY"]]));
    s.batch("SET work_mem = '8MB'; RESET work_mem").unwrap();
    assert_eq!(q(&mut s, "SHOW work_mem"), rows(&[&["1MB"]]));
    // Other databases keep the defaults.
    assert_eq!(q(&mut admin, "SHOW work_mem"), rows(&[&["4MB"]]));
    admin.batch("ALTER DATABASE dset RESET work_mem").unwrap();
    assert_eq!(
        q(&mut admin, "SELECT setconfig FROM pg_db_role_setting"),
        rows(&[&[
            "{\"search_path=a, \\\"B c\\\", public\",\"DateStyle=ISO, DMY\",nosuch.x=1,statement_timeout=0}"
        ]])
    );
    let mut s2 = db.session_on("dset").unwrap();
    assert_eq!(q(&mut s2, "SHOW work_mem"), rows(&[&["4MB"]]));
    admin.batch("ALTER DATABASE dset RESET ALL").unwrap();
    assert_eq!(
        q(&mut admin, "SELECT count(*) FROM pg_db_role_setting"),
        rows(&[&["0"]])
    );
}
