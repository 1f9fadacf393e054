//! `statement_timeout` and cancel stop a statement wherever it spends its
//! time: nested-loop joins at every depth (also when they produce no
//! rows), sorts, aggregates, DISTINCT and set operations, index builds,
//! system-catalog scans and joins, correlated subqueries and row-lock
//! waits.
//!
//! Every statement here would run for minutes (or, for the sort, finish
//! without any error) if the loop it spends its time in did not check; the
//! test passes when it ends with PostgreSQL's 57014 and message. There is
//! no timing assertion: [`BOUND`] only turns a regression into a failure
//! instead of a hang. How fast they stop is measured by the
//! `interrupt_latency` bench (see benches/README.md).

use std::sync::mpsc;
use std::thread;
use std::time::Duration;

use rocksgres_engine::{Database, EngineError, Session, SqlState};
use rocksgres_storage::MemoryStore;

/// Longest a statement may take to stop before the test fails.
const BOUND: Duration = Duration::from_secs(120);

const TIMEOUT: &str = "canceling statement due to statement timeout";
const USER: &str = "canceling statement due to user request";

type Mem = Session<MemoryStore>;

/// A session with `big(x int primary key)` holding 1..=`rows`.
fn session_with_big(rows: u32) -> (Database<MemoryStore>, Mem) {
    let db = Database::open_in_memory();
    let mut s = db.session();
    s.execute("CREATE TABLE big (x int PRIMARY KEY)", &[])
        .unwrap();
    s.execute(
        &format!("INSERT INTO big SELECT g FROM generate_series(1, {rows}) g"),
        &[],
    )
    .unwrap();
    (db, s)
}

/// Runs `sql` on `s` on another thread and returns the session and the
/// statement's outcome; fails the test if the statement runs past
/// [`BOUND`]. While it runs, `while_running` is called every 20 ms (to
/// cancel it, for instance).
fn run_bounded(mut s: Mem, sql: &str, while_running: impl Fn()) -> (Mem, Result<u64, EngineError>) {
    let (tx, rx) = mpsc::channel();
    let sql = sql.to_string();
    thread::spawn(move || {
        let r = s.query(&sql, &[]).map(|r| r.rows_affected);
        let _ = tx.send((s, r));
    });
    let start = std::time::Instant::now();
    loop {
        match rx.recv_timeout(Duration::from_millis(20)) {
            Ok(done) => return done,
            Err(mpsc::RecvTimeoutError::Timeout) if start.elapsed() < BOUND => while_running(),
            Err(e) => panic!("the statement did not stop within {BOUND:?} ({e})"),
        }
    }
}

/// `sql` must end with 57014 and `message`; returns the session.
fn must_stop(s: Mem, sql: &str, message: &str, while_running: impl Fn()) -> Mem {
    let (s, r) = run_bounded(s, sql, while_running);
    match r {
        Err(e) => {
            assert_eq!(e.state, SqlState::QueryCanceled, "{sql}: {e}");
            assert_eq!(e.message, message, "{sql}");
        }
        Ok(n) => panic!("{sql} was not stopped ({n} rows)"),
    }
    s
}

/// With `statement_timeout` set, `sql` must end with 57014; afterwards
/// the session works.
fn times_out(mut s: Mem, sql: &str) -> Mem {
    s.execute("SET statement_timeout = '200ms'", &[]).unwrap();
    let mut s = must_stop(s, sql, TIMEOUT, || {});
    s.execute("SET statement_timeout = 0", &[]).unwrap();
    assert_eq!(s.execute("SELECT 1", &[]).unwrap(), 1);
    s
}

#[test]
fn three_way_nested_loop_count_times_out() {
    let (_db, s) = session_with_big(10_000);
    times_out(s, "SELECT count(*) FROM big a, big b, big c");
}

#[test]
fn a_join_that_produces_no_rows_times_out() {
    let (_db, s) = session_with_big(10_000);
    let s = times_out(
        s,
        "SELECT a.x FROM big a, big b, big c WHERE a.x + b.x + c.x < 0",
    );
    times_out(
        s,
        "SELECT count(*) FROM big a JOIN big b ON a.x < -b.x LEFT JOIN big c ON b.x = c.x + a.x",
    );
}

#[test]
fn aggregates_distinct_and_set_operations_time_out() {
    let (_db, s) = session_with_big(10_000);
    let s = times_out(
        s,
        "SELECT a.x % 10, count(*), sum(b.x) FROM big a, big b, big c GROUP BY 1",
    );
    let s = times_out(
        s,
        "SELECT DISTINCT (a.x + b.x + c.x) % 7 FROM big a, big b, big c",
    );
    times_out(
        s,
        "SELECT a.x % 3 FROM big a, big b, big c EXCEPT SELECT x FROM big",
    );
}

#[test]
fn a_sort_times_out() {
    // The catalog cross join feeds ~1 million rows to the sort; unchecked,
    // the statement would finish and return them.
    let db = Database::open_in_memory();
    let s = db.session();
    times_out(
        s,
        "SELECT a.attname FROM pg_attribute a, pg_attribute b, pg_namespace n \
         ORDER BY b.attname || a.attname || n.nspname DESC",
    );
}

#[test]
fn an_ordered_string_agg_times_out() {
    let db = Database::open_in_memory();
    let s = db.session();
    times_out(
        s,
        "SELECT length(string_agg(a.attname, ',' ORDER BY b.attname || a.attname)) \
         FROM pg_attribute a, pg_attribute b, pg_namespace n",
    );
}

#[test]
fn create_index_times_out() {
    let (_db, mut s) = session_with_big(300_000);
    s = times_out(
        s,
        "CREATE INDEX big_md5 ON big ((md5(x::text) || md5((x + 1)::text)))",
    );
    // The index was not created.
    let e = s.query("DROP INDEX big_md5", &[]).unwrap_err();
    assert_eq!(e.state, SqlState::UndefinedObject, "{e}");
}

#[test]
fn a_catalog_join_times_out() {
    let (_db, s) = session_with_big(1);
    times_out(
        s,
        "SELECT count(*) FROM pg_index i, pg_class c, pg_attribute a, pg_attribute b",
    );
}

#[test]
fn a_correlated_subquery_times_out() {
    let (_db, s) = session_with_big(1);
    times_out(
        s,
        "SELECT count(*) FROM pg_class c WHERE EXISTS \
         (SELECT 1 FROM pg_attribute a, pg_attribute b WHERE a.attnum + b.attnum < c.relnatts - 10000)",
    );
}

#[test]
fn a_cancel_from_another_thread_stops_a_nested_loop() {
    let (_db, s) = session_with_big(10_000);
    let handle = s.cancel_handle();
    // Cancel once the join is under way (its inner sides are read first),
    // and keep cancelling until it has stopped (a cancel that arrives
    // before the statement starts is ignored, as in PostgreSQL).
    let start = std::time::Instant::now();
    let mut s = must_stop(
        s,
        "SELECT count(*) FROM big a, big b, big c WHERE a.x + b.x + c.x < 0",
        USER,
        || {
            if start.elapsed() > Duration::from_millis(500) {
                handle.cancel()
            }
        },
    );
    assert_eq!(s.execute("SELECT 1", &[]).unwrap(), 1);
}

#[test]
fn a_cancel_stops_a_row_lock_wait() {
    let (db, s) = session_with_big(3);
    let mut holder = db.session();
    holder.execute("BEGIN", &[]).unwrap();
    holder
        .execute("UPDATE big SET x = x WHERE x = 2", &[])
        .unwrap();
    let handle = s.cancel_handle();
    let mut s = must_stop(s, "UPDATE big SET x = x WHERE x = 2", USER, || {
        handle.cancel()
    });
    holder.execute("ROLLBACK", &[]).unwrap();
    assert_eq!(
        s.execute("UPDATE big SET x = x WHERE x = 2", &[]).unwrap(),
        1
    );
}
