//! Table locks through the embedding API: what the isolation specs
//! (`regression-tests/isolation/`) cannot show because PostgreSQL's
//! transcript would differ in form -- which index a plan uses, cached and
//! prepared plans made before a concurrent change, REPEATABLE READ after a
//! concurrent TRUNCATE, table-lock waits ended by statement_timeout and
//! cancel, and the rows of `pg_locks`.

mod common;
use common::q;

use std::thread;
use std::time::{Duration, Instant};

use rocksgres_engine::storage::{MemoryStore, Store};
use rocksgres_engine::{Database, Session, SqlState};

fn db() -> Database<MemoryStore> {
    Database::open_in_memory()
}

/// Waits until `n` transactions wait for a lock.
fn until_waiting(db: &Database<MemoryStore>, n: usize) {
    let deadline = Instant::now() + Duration::from_secs(10);
    while db.store().lock_waiters() < n {
        assert!(Instant::now() < deadline, "never saw {n} lock waiters");
        thread::sleep(Duration::from_millis(2));
    }
}

/// Runs `sql` on a thread of its own with a session that first ran `setup`.
fn spawn(
    db: &Database<MemoryStore>,
    mut s: Session<MemoryStore>,
    sql: &'static str,
) -> thread::JoinHandle<(Session<MemoryStore>, Result<u64, SqlState>)> {
    let _ = db;
    thread::spawn(move || {
        let r = s
            .query(sql, &[])
            .map(|r| r.rows_affected)
            .map_err(|e| e.state);
        (s, r)
    })
}

#[test]
fn an_index_built_after_waiting_for_an_insert_holds_its_row() {
    let db = db();
    let mut s1 = db.session();
    q(&mut s1, "CREATE TABLE ci (id int PRIMARY KEY, v int)");
    q(&mut s1, "BEGIN");
    q(&mut s1, "INSERT INTO ci VALUES (1, 10)");
    let build = spawn(&db, db.session(), "CREATE INDEX ci_v ON ci (v)");
    until_waiting(&db, 1);
    q(&mut s1, "COMMIT");
    let (mut s2, r) = build.join().unwrap();
    r.unwrap();
    let plan = q(&mut s2, "EXPLAIN SELECT id FROM ci WHERE v = 10").concat();
    assert!(
        plan.iter().any(|l| l.contains("ci_v")),
        "the query uses the new index: {plan:?}"
    );
    assert_eq!(
        q(&mut s2, "SELECT id FROM ci WHERE v = 10"),
        vec![vec!["1"]]
    );
}

#[test]
fn cached_and_prepared_plans_made_before_a_truncate_write_to_the_new_table() {
    let db = db();
    let mut s1 = db.session();
    let mut s2 = db.session();
    q(&mut s1, "CREATE TABLE tr (id int PRIMARY KEY, v int)");
    q(&mut s1, "INSERT INTO tr VALUES (1, 1)");
    let prepared = s2.prepare("INSERT INTO tr VALUES ($1, 0)").unwrap();
    s2.query_prepared(&prepared, &[rocksgres_engine::Value::Int4(2)])
        .unwrap();
    // The plan cache learns the text form too.
    for id in 3..6 {
        q(&mut s2, &format!("INSERT INTO tr VALUES ({id}, 0)"));
    }
    // s2 opens a block that holds ROW EXCLUSIVE already, so its next
    // statements take the lock without the lock table: the definition
    // they use must still be the one after the TRUNCATE.
    q(&mut s1, "BEGIN");
    q(&mut s1, "TRUNCATE tr");
    q(&mut s2, "BEGIN");
    let waiter = thread::spawn(move || {
        let r = s2.query_prepared(&prepared, &[rocksgres_engine::Value::Int4(10)]);
        (
            s2,
            prepared,
            r.map(|r| r.rows_affected).map_err(|e| e.state),
        )
    });
    until_waiting(&db, 1);
    q(&mut s1, "COMMIT");
    let (mut s2, prepared, r) = waiter.join().unwrap();
    assert_eq!(r, Ok(1));
    q(&mut s2, "INSERT INTO tr VALUES (11, 0)");
    s2.query_prepared(&prepared, &[rocksgres_engine::Value::Int4(12)])
        .unwrap();
    q(&mut s2, "COMMIT");
    assert_eq!(
        q(&mut s1, "SELECT id FROM tr ORDER BY id"),
        vec![vec!["10"], vec!["11"], vec!["12"]]
    );
}

#[test]
fn repeatable_read_writes_after_a_concurrent_truncate_fail_and_reads_see_the_snapshot() {
    let db = db();
    let mut s1 = db.session();
    let mut s2 = db.session();
    q(&mut s1, "CREATE TABLE rr (id int PRIMARY KEY)");
    q(&mut s1, "INSERT INTO rr VALUES (1)");
    q(&mut s2, "BEGIN ISOLATION LEVEL REPEATABLE READ");
    q(&mut s2, "SELECT 1");
    q(&mut s1, "TRUNCATE rr");
    assert_eq!(q(&mut s2, "SELECT id FROM rr"), vec![vec!["1"]]);
    let err = s2.query("INSERT INTO rr VALUES (2)", &[]).unwrap_err();
    assert_eq!(err.state, SqlState::SerializationFailure, "{err}");
    q(&mut s2, "ROLLBACK");
    q(&mut s2, "INSERT INTO rr VALUES (3)");
    assert_eq!(q(&mut s1, "SELECT id FROM rr"), vec![vec!["3"]]);
}

#[test]
fn table_lock_waits_end_at_statement_timeout_and_cancel() {
    let db = db();
    let mut s1 = db.session();
    q(&mut s1, "CREATE TABLE w (id int)");
    q(&mut s1, "BEGIN");
    q(&mut s1, "LOCK TABLE w");
    let mut s2 = db.session();
    q(&mut s2, "SET statement_timeout = '100ms'");
    let err = s2.query("SELECT * FROM w", &[]).unwrap_err();
    assert_eq!(err.state, SqlState::QueryCanceled, "{err}");
    assert_eq!(db.store().lock_waiters(), 0);
    q(&mut s2, "RESET statement_timeout");
    let cancel = s2.cancel_handle();
    let waiter = spawn(&db, s2, "INSERT INTO w VALUES (1)");
    until_waiting(&db, 1);
    cancel.cancel();
    let (_, r) = waiter.join().unwrap();
    assert_eq!(r, Err(SqlState::QueryCanceled));
    q(&mut s1, "COMMIT");
    assert_eq!(q(&mut s1, "SELECT count(*) FROM w"), vec![vec!["0"]]);
}

#[test]
fn pg_locks_shows_table_locks_row_waits_and_backend_pids() {
    let db = db();
    let mut s1 = db.session();
    let mut s2 = db.session();
    let mut watcher = db.session();
    assert_ne!(s1.backend_pid(), s2.backend_pid());
    let pid1 = s1.backend_pid().to_string();
    let pid2 = s2.backend_pid().to_string();
    assert_eq!(
        q(&mut s1, "SELECT pg_backend_pid()"),
        vec![vec![pid1.clone()]]
    );
    q(&mut s1, "CREATE TABLE pl (id int PRIMARY KEY, v int)");
    q(&mut s1, "INSERT INTO pl VALUES (1, 0)");
    q(&mut s1, "BEGIN");
    q(&mut s1, "UPDATE pl SET v = 1 WHERE id = 1");
    let waiter = thread::spawn(move || {
        let r = s2.query("UPDATE pl SET v = 2 WHERE id = 1", &[]);
        (s2, r.map(|r| r.rows_affected).map_err(|e| e.state))
    });
    until_waiting(&db, 1);
    let rel = q(
        &mut watcher,
        "SELECT pid, mode, granted FROM pg_locks \
         WHERE locktype = 'relation' AND relation = 'pl'::regclass ORDER BY pid",
    );
    let mut expected = vec![
        vec![pid1.clone(), "RowExclusiveLock".into(), "t".into()],
        vec![pid2.clone(), "RowExclusiveLock".into(), "t".into()],
    ];
    expected.sort();
    assert_eq!(rel, expected);
    let xid = q(
        &mut watcher,
        "SELECT pid, mode, granted FROM pg_locks \
         WHERE locktype = 'transactionid' ORDER BY granted",
    );
    assert_eq!(
        xid,
        vec![
            vec![pid2.clone(), "ShareLock".into(), "f".into()],
            vec![pid1.clone(), "ExclusiveLock".into(), "t".into()],
        ]
    );
    // The waiter waits for the holder's transaction id.
    let blocked = q(
        &mut watcher,
        "SELECT count(*) FROM pg_locks w, pg_locks h \
         WHERE w.locktype = 'transactionid' AND NOT w.granted \
         AND h.locktype = 'transactionid' AND h.granted \
         AND w.transactionid = h.transactionid AND w.waitstart IS NOT NULL",
    );
    assert_eq!(blocked, vec![vec!["1"]]);
    q(&mut s1, "COMMIT");
    let (_, r) = waiter.join().unwrap();
    assert_eq!(r, Ok(1));
    let left = q(
        &mut watcher,
        "SELECT count(*) FROM pg_locks WHERE pid <> pg_backend_pid()",
    );
    assert_eq!(left, vec![vec!["0"]]);
}
