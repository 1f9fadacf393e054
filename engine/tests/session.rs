//! Engine behaviour through the embedding API, on both stores: DDL, DML,
//! access paths, transactions and PostgreSQL's failed-transaction state.

mod common;
use common::{q, texts};

use rocksgres_engine::{Database, Session, SqlState, TxnStatus, Value};
use rocksgres_storage::Store;

fn err<S: Store>(s: &mut Session<S>, sql: &str) -> SqlState {
    s.query(sql, &[]).expect_err(sql).state
}

fn rows(items: &[&[&str]]) -> Vec<Vec<String>> {
    items
        .iter()
        .map(|r| r.iter().map(|s| s.to_string()).collect())
        .collect()
}

fn crud<S: Store>(db: Database<S>) {
    let mut s = db.session();
    s.execute(
        "CREATE TABLE t (id int PRIMARY KEY, name varchar(10) NOT NULL, score bigint DEFAULT 7)",
        &[],
    )
    .unwrap();
    assert_eq!(
        s.execute("INSERT INTO t VALUES (1, 'a', 10), (2, 'b', 20)", &[])
            .unwrap(),
        2
    );
    s.execute("INSERT INTO t (id, name) VALUES (3, 'c')", &[])
        .unwrap();
    assert_eq!(
        q(&mut s, "SELECT id, name, score FROM t ORDER BY id"),
        rows(&[&["1", "a", "10"], &["2", "b", "20"], &["3", "c", "7"]])
    );
    assert_eq!(
        q(
            &mut s,
            "SELECT id FROM t WHERE score > 8 ORDER BY score DESC"
        ),
        rows(&[&["2"], &["1"]])
    );
    assert_eq!(
        q(
            &mut s,
            "SELECT name FROM t ORDER BY id DESC LIMIT 2 OFFSET 1"
        ),
        rows(&[&["b"], &["a"]])
    );
    assert_eq!(
        err(&mut s, "INSERT INTO t VALUES (1, 'dup', 0)"),
        SqlState::UniqueViolation
    );
    assert_eq!(
        err(&mut s, "INSERT INTO t VALUES (9, NULL, 0)"),
        SqlState::NotNullViolation
    );
    assert_eq!(err(&mut s, "SELECT nope FROM t"), SqlState::UndefinedColumn);
    assert_eq!(
        err(&mut s, "SELECT * FROM missing"),
        SqlState::UndefinedTable
    );
    assert_eq!(err(&mut s, "SELEC 1"), SqlState::SyntaxError);
    assert_eq!(
        err(&mut s, "INSERT INTO t VALUES (9, 'much too long name', 0)"),
        SqlState::StringDataRightTruncation
    );
    assert_eq!(err(&mut s, "SELECT 1 / 0"), SqlState::DivisionByZero);
    assert_eq!(
        err(&mut s, "SELECT 2147483647 + 1"),
        SqlState::NumericValueOutOfRange
    );

    assert_eq!(
        s.execute("UPDATE t SET score = score + 1 WHERE id >= 2", &[])
            .unwrap(),
        2
    );
    let r = s
        .query(
            "UPDATE t SET id = id + 10 WHERE id = 1 RETURNING id, name",
            &[],
        )
        .unwrap();
    assert_eq!(texts(&r), rows(&[&["11", "a"]]));
    assert_eq!(
        q(&mut s, "SELECT id, score FROM t ORDER BY id"),
        rows(&[&["2", "21"], &["3", "8"], &["11", "10"]])
    );
    assert_eq!(s.execute("DELETE FROM t WHERE name = 'c'", &[]).unwrap(), 1);
    let r = s
        .query("SELECT name FROM t WHERE id = $1", &[Value::from(2i64)])
        .unwrap();
    assert_eq!(r.rows[0].get::<String>(0).unwrap(), "b");
    assert_eq!(r.columns[0].ty.oid(), 1043, "varchar column OID");
    s.execute("DROP TABLE t", &[]).unwrap();
    assert_eq!(err(&mut s, "SELECT * FROM t"), SqlState::UndefinedTable);
}

fn transactions<S: Store>(db: Database<S>) {
    let mut s = db.session();
    let mut other = db.session();
    s.execute("CREATE TABLE kv (k int PRIMARY KEY, v text)", &[])
        .unwrap();
    s.execute("BEGIN", &[]).unwrap();
    assert_eq!(s.status(), TxnStatus::InBlock);
    s.execute("INSERT INTO kv VALUES (1, 'x')", &[]).unwrap();
    assert_eq!(q(&mut other, "SELECT * FROM kv"), rows(&[]), "uncommitted");
    s.execute("ROLLBACK", &[]).unwrap();
    assert_eq!(q(&mut s, "SELECT * FROM kv"), rows(&[]));

    s.execute("BEGIN", &[]).unwrap();
    s.execute("INSERT INTO kv VALUES (1, 'x')", &[]).unwrap();
    assert_eq!(
        err(&mut s, "INSERT INTO kv VALUES (1, 'y')"),
        SqlState::UniqueViolation
    );
    assert_eq!(s.status(), TxnStatus::Failed);
    assert_eq!(err(&mut s, "SELECT 1"), SqlState::InFailedSqlTransaction);
    let r = s.query("COMMIT", &[]).unwrap();
    assert_eq!(r.tag, "ROLLBACK", "COMMIT of a failed block rolls back");
    assert_eq!(s.status(), TxnStatus::Idle);
    assert_eq!(
        q(&mut s, "SELECT * FROM kv"),
        rows(&[]),
        "nothing of it was kept"
    );

    // Autocommit: a failing multi-row INSERT leaves nothing behind.
    assert_eq!(
        err(&mut s, "INSERT INTO kv VALUES (5, 'a'), (5, 'b')"),
        SqlState::UniqueViolation
    );
    assert_eq!(q(&mut s, "SELECT * FROM kv"), rows(&[]));

    // DDL is transactional.
    s.execute("BEGIN", &[]).unwrap();
    s.execute("CREATE TABLE gone (a int)", &[]).unwrap();
    s.execute("INSERT INTO gone VALUES (1), (2)", &[]).unwrap();
    assert_eq!(
        q(&mut s, "SELECT a FROM gone ORDER BY a"),
        rows(&[&["1"], &["2"]])
    );
    s.execute("ROLLBACK", &[]).unwrap();
    assert_eq!(err(&mut s, "SELECT * FROM gone"), SqlState::UndefinedTable);
}

fn access_paths<S: Store>(db: Database<S>) {
    let mut s = db.session();
    s.execute("CREATE TABLE p (id int PRIMARY KEY, v int)", &[])
        .unwrap();
    for i in 0..50i32 {
        s.execute(
            "INSERT INTO p VALUES ($1, $2)",
            &[Value::from(i), Value::from(i * 7 % 50)],
        )
        .unwrap();
    }
    let plan = |s: &mut Session<S>, sql: &str| -> String {
        q(s, &format!("EXPLAIN {sql}"))
            .into_iter()
            .map(|r| r[0].clone())
            .collect::<Vec<_>>()
            .join("\n")
    };
    let point = plan(&mut s, "SELECT v FROM p WHERE id = 7");
    assert!(point.starts_with("Index Scan using p_pkey on p"), "{point}");
    // PostgreSQL 15's detail lines.
    assert!(point.contains("Index Cond: (id = 7)"), "{point}");
    let range = plan(&mut s, "SELECT v FROM p WHERE id >= 10 AND id < 13");
    assert!(
        range.contains("Index Cond: ((id >= 10) AND (id < 13))"),
        "{range}"
    );
    let seq = plan(&mut s, "SELECT id FROM p WHERE v = 3");
    assert!(seq.starts_with("Seq Scan on p"), "{seq}");
    let ordered = plan(&mut s, "SELECT id FROM p ORDER BY id DESC LIMIT 3");
    // Only the key is read: an index-only scan, as PostgreSQL plans it.
    assert!(
        ordered.contains("Index Only Scan Backward using p_pkey"),
        "{ordered}"
    );
    assert!(!ordered.contains("Sort"), "{ordered}");
    assert_eq!(q(&mut s, "SELECT v FROM p WHERE id = 7"), rows(&[&["49"]]));
    assert_eq!(
        q(&mut s, "SELECT id FROM p WHERE id >= 10 AND id < 13"),
        rows(&[&["10"], &["11"], &["12"]])
    );
    assert_eq!(
        q(&mut s, "SELECT id FROM p ORDER BY id DESC LIMIT 3"),
        rows(&[&["49"], &["48"], &["47"]])
    );
    assert_eq!(
        q(&mut s, "SELECT id FROM p WHERE id = 1000000000000"),
        rows(&[])
    );
}

fn no_primary_key<S: Store>(db: Database<S>) {
    let mut s = db.session();
    s.execute("CREATE TABLE h (a int, b text)", &[]).unwrap();
    s.execute("INSERT INTO h VALUES (1, 'x'), (1, 'x'), (2, NULL)", &[])
        .unwrap();
    assert_eq!(
        q(&mut s, "SELECT a, b FROM h ORDER BY a"),
        rows(&[&["1", "x"], &["1", "x"], &["2", "NULL"]])
    );
    assert_eq!(
        s.execute("UPDATE h SET b = 'y' WHERE a = 1", &[]).unwrap(),
        2
    );
    assert_eq!(s.execute("DELETE FROM h WHERE b IS NULL", &[]).unwrap(), 1);
    assert_eq!(q(&mut s, "SELECT b FROM h"), rows(&[&["y"], &["y"]]));
}

macro_rules! on_both_stores {
    ($($name:ident),*) => {
        mod memory {
            $(#[test] fn $name() { super::$name(rocksgres_engine::Database::open_in_memory()); })*
        }
        mod rocks {
            $(#[test] fn $name() {
                let dir = tempfile::tempdir().unwrap();
                super::$name(rocksgres_engine::Database::open(dir.path()).unwrap());
            })*
        }
    };
}

on_both_stores!(crud, transactions, access_paths, no_primary_key);

#[test]
fn data_survives_reopen() {
    let dir = tempfile::tempdir().unwrap();
    {
        let db = Database::open(dir.path()).unwrap();
        let mut s = db.session();
        s.execute("CREATE TABLE r (id int PRIMARY KEY, v text)", &[])
            .unwrap();
        s.execute("INSERT INTO r VALUES (1, 'kept')", &[]).unwrap();
    }
    let db = Database::open(dir.path()).unwrap();
    let mut s = db.session();
    assert_eq!(q(&mut s, "SELECT v FROM r"), rows(&[&["kept"]]));
}

#[path = "../examples/embed.rs"]
mod embed;

#[test]
fn embed_example_runs() {
    let dir = tempfile::tempdir().unwrap();
    let lines = embed::run(dir.path()).unwrap();
    assert_eq!(lines, ["1 alice 70", "2 bob 80", "total 150"]);
    // Running it again on the same directory starts over and agrees.
    assert_eq!(embed::run(dir.path()).unwrap(), lines);
}

#[test]
fn prepared_statements_infer_types() {
    let db = Database::open_in_memory();
    let mut s = db.session();
    s.execute(
        "CREATE TABLE acc (id int PRIMARY KEY, bal bigint, note varchar(20))",
        &[],
    )
    .unwrap();
    let ins = s.prepare("INSERT INTO acc VALUES ($1, $2, $3)").unwrap();
    assert_eq!(
        ins.param_types,
        [
            rocksgres_engine::SqlType::Int4,
            rocksgres_engine::SqlType::Int8,
            rocksgres_engine::SqlType::Varchar(None)
        ]
    );
    for i in 1..=3 {
        s.query_prepared(
            &ins,
            &[Value::from(i), Value::from(100i64), Value::from("x")],
        )
        .unwrap();
    }
    let upd = s
        .prepare("UPDATE acc SET bal = bal + $1 WHERE id = $2")
        .unwrap();
    assert_eq!(upd.param_types.len(), 2);
    // Parameters may arrive as text (as over the wire) and are converted.
    s.query_prepared(&upd, &[Value::from("-30"), Value::from("2")])
        .unwrap();
    let sel = s
        .prepare("SELECT id, bal, bal * 2 AS twice FROM acc WHERE id = $1")
        .unwrap();
    let names: Vec<&str> = sel.columns.iter().map(|c| c.name.as_str()).collect();
    assert_eq!(names, ["id", "bal", "twice"]);
    let oids: Vec<u32> = sel.columns.iter().map(|c| c.ty.oid()).collect();
    assert_eq!(oids, [23, 20, 20]);
    let r = s.query_prepared(&sel, &[Value::from(2)]).unwrap();
    assert_eq!(texts(&r), rows(&[&["2", "70", "140"]]));
    assert_eq!(
        s.query_prepared(&sel, &[]).unwrap_err().state,
        SqlState::ProtocolViolation
    );
    assert_eq!(
        s.query_prepared(&sel, &[Value::from("abc")])
            .unwrap_err()
            .state,
        SqlState::InvalidTextRepresentation
    );
}

#[test]
fn set_show_reset_and_isolation_levels() {
    let db = Database::open_in_memory();
    let mut s = db.session();
    s.execute("SET synchronous_commit = off", &[]).unwrap();
    assert_eq!(q(&mut s, "SHOW synchronous_commit"), rows(&[&["off"]]));
    s.execute("SET statement_timeout TO '5s'", &[]).unwrap();
    assert_eq!(q(&mut s, "SHOW statement_timeout"), rows(&[&["5s"]]));
    s.execute("RESET synchronous_commit", &[]).unwrap();
    assert_eq!(q(&mut s, "SHOW synchronous_commit"), rows(&[&["on"]]));
    assert_eq!(err(&mut s, "SET nosuch = 1"), SqlState::UndefinedObject);
    assert_eq!(err(&mut s, "SHOW nosuch"), SqlState::UndefinedObject);
    assert_eq!(
        q(&mut s, "SHOW transaction_isolation"),
        rows(&[&["read committed"]])
    );
    s.execute("BEGIN ISOLATION LEVEL REPEATABLE READ", &[])
        .unwrap();
    assert_eq!(
        q(&mut s, "SHOW transaction_isolation"),
        rows(&[&["repeatable read"]])
    );
    s.execute("COMMIT", &[]).unwrap();
    assert_eq!(
        q(&mut s, "SHOW transaction_isolation"),
        rows(&[&["read committed"]])
    );
    s.execute("SET default_transaction_isolation = 'repeatable read'", &[])
        .unwrap();
    s.execute("BEGIN", &[]).unwrap();
    assert_eq!(
        q(&mut s, "SHOW transaction_isolation"),
        rows(&[&["repeatable read"]])
    );
    s.execute("ROLLBACK", &[]).unwrap();
    // Simple-query style: results up to and including the first error.
    let results = s.simple_query("SELECT 1; SELECT 1/0; SELECT 2");
    assert_eq!(results.len(), 2);
    assert!(results[0].is_ok());
    assert_eq!(
        results[1].as_ref().unwrap_err().state,
        SqlState::DivisionByZero
    );
}

#[test]
fn unique_constraints_and_thread_safety() {
    fn assert_send_sync<T: Send + Sync>() {}
    assert_send_sync::<Database>();
    assert_send_sync::<Database<rocksgres_engine::storage::MemoryStore>>();
    fn assert_send<T: Send>() {}
    assert_send::<Session<rocksgres_engine::storage::RocksStore>>();

    let db = Database::open_in_memory();
    let mut s = db.session();
    s.execute(
        "CREATE TABLE u (id int PRIMARY KEY, email text UNIQUE, a int, b int, UNIQUE (a, b))",
        &[],
    )
    .unwrap();
    s.execute("INSERT INTO u VALUES (1, 'x', 1, 1), (2, NULL, 1, 2), (3, NULL, NULL, NULL), (4, NULL, NULL, NULL)", &[])
        .unwrap();
    let e = s
        .query("INSERT INTO u VALUES (5, 'x', 9, 9)", &[])
        .unwrap_err();
    assert_eq!(e.state, SqlState::UniqueViolation);
    assert!(e.message.contains("u_email_key"), "{}", e.message);
    let e = s
        .query("INSERT INTO u VALUES (6, 'y', 1, 2)", &[])
        .unwrap_err();
    assert!(e.message.contains("u_a_b_key"), "{}", e.message);

    // Sessions on several threads share one database.
    std::thread::scope(|scope| {
        for t in 0..4 {
            let db = db.clone();
            scope.spawn(move || {
                let mut s = db.session();
                for i in 0..25 {
                    s.execute(
                        "INSERT INTO u (id) VALUES ($1)",
                        &[Value::from(100 + t * 25 + i)],
                    )
                    .unwrap();
                }
            });
        }
    });
    assert_eq!(
        q(&mut s, "SELECT count(*) FROM u WHERE id >= 100"),
        rows(&[&["100"]])
    );
}

#[test]
fn statement_timeout_and_cancel_stop_statements() {
    let db = Database::open_in_memory();
    let mut s = db.session();
    s.execute("SET statement_timeout = 100", &[]).unwrap();
    let e = s
        .query("SELECT count(*) FROM generate_series(1, 2000000000)", &[])
        .unwrap_err();
    assert_eq!(e.state, SqlState::QueryCanceled);
    assert!(e.message.contains("statement timeout"), "{}", e.message);
    s.execute("SET statement_timeout = 0", &[]).unwrap();

    // A lock wait ends at the statement timeout too.
    s.execute("CREATE TABLE w (id int PRIMARY KEY, v int)", &[])
        .unwrap();
    s.execute("INSERT INTO w VALUES (1, 0)", &[]).unwrap();
    let mut holder = db.session();
    holder.execute("BEGIN", &[]).unwrap();
    holder
        .execute("UPDATE w SET v = 1 WHERE id = 1", &[])
        .unwrap();
    s.execute("SET statement_timeout = '200ms'", &[]).unwrap();
    let e = s.query("UPDATE w SET v = 2 WHERE id = 1", &[]).unwrap_err();
    assert_eq!(e.state, SqlState::QueryCanceled);
    s.execute("SET lock_timeout = 50", &[]).unwrap();
    let e = s.query("UPDATE w SET v = 2 WHERE id = 1", &[]).unwrap_err();
    assert_eq!(
        e.state,
        SqlState::LockNotAvailable,
        "the shorter limit wins"
    );
    holder.execute("ROLLBACK", &[]).unwrap();
    s.execute("RESET ALL", &[]).unwrap();

    // A cancel from another thread stops a long statement.
    let handle = s.cancel_handle();
    let canceller = std::thread::spawn(move || {
        std::thread::sleep(std::time::Duration::from_millis(100));
        handle.cancel();
    });
    let e = s
        .query("SELECT count(*) FROM generate_series(1, 2000000000)", &[])
        .unwrap_err();
    canceller.join().unwrap();
    assert_eq!(e.state, SqlState::QueryCanceled);
    assert!(e.message.contains("user request"), "{}", e.message);
    // The next statement runs normally.
    assert_eq!(q(&mut s, "SELECT v FROM w"), rows(&[&["0"]]));
}

#[test]
fn prepared_plans_are_reused_until_the_catalog_changes() {
    let db = Database::open_in_memory();
    let mut s = db.session();
    s.execute("CREATE TABLE c (id int PRIMARY KEY, v text)", &[])
        .unwrap();
    s.execute("INSERT INTO c VALUES (1, 'old')", &[]).unwrap();
    let p = s.prepare("SELECT v FROM c WHERE id = $1").unwrap();
    let get = |s: &mut Session<_>| -> Vec<Vec<String>> {
        texts(&s.query_prepared(&p, &[Value::from(1)]).unwrap())
    };
    assert_eq!(get(&mut s), rows(&[&["old"]]));
    assert_eq!(
        get(&mut s),
        rows(&[&["old"]]),
        "second run uses the cached plan"
    );
    // TRUNCATE swaps the table's storage: a stale plan would read the old one.
    s.execute("TRUNCATE c", &[]).unwrap();
    s.execute("INSERT INTO c VALUES (1, 'new')", &[]).unwrap();
    assert_eq!(get(&mut s), rows(&[&["new"]]));
    // Another session's DDL invalidates it too.
    let mut other = db.session();
    other.execute("DROP TABLE c", &[]).unwrap();
    assert_eq!(
        s.query_prepared(&p, &[Value::from(1)]).unwrap_err().state,
        SqlState::UndefinedTable
    );
}

#[test]
fn cached_plans_see_ddl_committed_by_another_session() {
    let db = Database::open_in_memory();
    let mut s = db.session();
    s.execute("CREATE TABLE c (id int PRIMARY KEY, v text)", &[])
        .unwrap();
    s.execute("INSERT INTO c VALUES (1, 'old')", &[]).unwrap();
    let p = s.prepare("SELECT v FROM c WHERE id = $1").unwrap();
    let get = |s: &mut Session<_>, p: &rocksgres_engine::session::Prepared| -> Vec<Vec<String>> {
        texts(&s.query_prepared(p, &[Value::from(1)]).unwrap())
    };
    assert_eq!(get(&mut s, &p), rows(&[&["old"]]));
    let mut a = db.session();
    a.execute("BEGIN", &[]).unwrap();
    a.execute("TRUNCATE c", &[]).unwrap();
    a.execute("INSERT INTO c VALUES (1, 'new')", &[]).unwrap();
    // The cached plan's table is locked by the uncommitted TRUNCATE: the
    // read waits for it, as in PostgreSQL, and then reads the new storage.
    let reader = std::thread::spawn(move || {
        let r = get(&mut s, &p);
        (s, p, r)
    });
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
    while db.store().lock_waiters() == 0 {
        assert!(
            std::time::Instant::now() < deadline,
            "the read never waited"
        );
        std::thread::sleep(std::time::Duration::from_millis(2));
    }
    a.execute("COMMIT", &[]).unwrap();
    let (mut s, p, r) = reader.join().unwrap();
    assert_eq!(r, rows(&[&["new"]]), "the commit invalidated the plan");
    assert_eq!(get(&mut s, &p), rows(&[&["new"]]));
}

#[test]
fn session_information_functions() {
    let db = Database::open_in_memory();
    db.session().execute("CREATE DATABASE shop", &[]).unwrap();
    let mut s = db.session_on("shop").unwrap();
    s.set_user("alice");
    assert_eq!(
        q(
            &mut s,
            "SELECT current_user, session_user, current_database(), current_schema()"
        ),
        rows(&[&["alice", "alice", "shop", "public"]])
    );
    let v = q(&mut s, "SELECT version()");
    assert!(v[0][0].starts_with("PostgreSQL 15"), "{v:?}");
}

/// A named-statement store shared with the test, as the server's is.
#[derive(Clone, Default)]
struct Named(std::sync::Arc<std::sync::Mutex<Vec<String>>>);

impl rocksgres_engine::session::PreparedStatements for Named {
    fn deallocate(&mut self, name: &str) -> bool {
        let mut names = self.0.lock().unwrap();
        let before = names.len();
        names.retain(|n| n != name);
        names.len() < before
    }

    fn deallocate_all(&mut self) {
        self.0.lock().unwrap().clear();
    }
}

#[test]
fn deallocate_drops_named_statements() {
    let db = Database::open_in_memory();
    let mut s = db.session();
    // No store registered: the session holds no named statements.
    let r = s.simple_query("DEALLOCATE ALL; DEALLOCATE PREPARE ALL");
    let tags: Vec<&str> = r.iter().map(|r| r.as_ref().unwrap().tag.as_str()).collect();
    assert_eq!(tags, ["DEALLOCATE ALL", "DEALLOCATE ALL"]);
    let e = s.query("DEALLOCATE nosuch", &[]).unwrap_err();
    assert_eq!(e.state, SqlState::InvalidSqlStatementName);
    assert_eq!(e.state.code(), "26000");
    assert_eq!(e.message, "prepared statement \"nosuch\" does not exist");

    let named = Named::default();
    s.set_prepared_statements(Box::new(named.clone()));
    let set = |names: &[&str]| {
        *named.0.lock().unwrap() = names.iter().map(|n| n.to_string()).collect();
    };
    let left = || named.0.lock().unwrap().clone();
    set(&["a", "b", "Mixed"]);
    assert_eq!(s.query("DEALLOCATE A", &[]).unwrap().tag, "DEALLOCATE");
    assert_eq!(
        s.query("DEALLOCATE PREPARE \"Mixed\"", &[]).unwrap().tag,
        "DEALLOCATE"
    );
    assert_eq!(left(), ["b"]);
    assert_eq!(
        err(&mut s, "DEALLOCATE a"),
        SqlState::InvalidSqlStatementName
    );
    // A quoted "all" is a statement name.
    assert_eq!(
        err(&mut s, "DEALLOCATE \"all\""),
        SqlState::InvalidSqlStatementName
    );
    assert_eq!(s.execute("DEALLOCATE ALL", &[]).unwrap(), 0);
    assert!(left().is_empty());

    // Allowed in a block and not undone by ROLLBACK; an unknown name fails
    // the block, and a failed block refuses DEALLOCATE with 25P02.
    set(&["a", "b"]);
    s.execute("BEGIN", &[]).unwrap();
    assert_eq!(s.query("DEALLOCATE a", &[]).unwrap().tag, "DEALLOCATE");
    s.execute("ROLLBACK", &[]).unwrap();
    assert_eq!(left(), ["b"]);
    s.execute("BEGIN", &[]).unwrap();
    assert_eq!(
        err(&mut s, "DEALLOCATE a"),
        SqlState::InvalidSqlStatementName
    );
    assert_eq!(s.status(), TxnStatus::Failed);
    assert_eq!(
        err(&mut s, "DEALLOCATE ALL"),
        SqlState::InFailedSqlTransaction
    );
    assert_eq!(
        err(&mut s, "DEALLOCATE b"),
        SqlState::InFailedSqlTransaction
    );
    s.execute("ROLLBACK", &[]).unwrap();
    assert_eq!(left(), ["b"]);
    // Through prepare/query_prepared too (the extended protocol's path).
    let p = s.prepare("DEALLOCATE ALL").unwrap();
    assert_eq!(s.query_prepared(&p, &[]).unwrap().tag, "DEALLOCATE ALL");
    assert!(left().is_empty());
}
