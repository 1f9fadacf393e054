//! A real CancelRequest (the `postgres` client's cancel token) and
//! `statement_timeout` stop statements on the server wherever they spend
//! their time: a nested-loop join, a system-catalog join, and COPY FROM
//! STDIN (which the server runs as many engine calls).
//!
//! Each statement here would run for minutes (COPY would finish) if the
//! loop it spends its time in did not check. No timing assertions:
//! [`BOUND`] only turns a regression into a failure instead of a hang;
//! the latency is measured by the `interrupt_latency` bench.

mod server_harness;

use std::io::Write;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{mpsc, Arc};
use std::thread;
use std::time::{Duration, Instant};

use server_harness::TestServer;

/// Longest a statement may take to stop before the test fails.
const BOUND: Duration = Duration::from_secs(120);

/// Runs `f` on another thread; fails the test if it runs past [`BOUND`].
/// While it runs, `while_running` is called every 50 ms.
fn bounded<R: Send + 'static>(
    f: impl FnOnce() -> R + Send + 'static,
    while_running: impl Fn(),
) -> R {
    let (tx, rx) = mpsc::channel();
    thread::spawn(move || {
        let _ = tx.send(f());
    });
    let start = Instant::now();
    loop {
        match rx.recv_timeout(Duration::from_millis(50)) {
            Ok(r) => return r,
            Err(mpsc::RecvTimeoutError::Timeout) if start.elapsed() < BOUND => while_running(),
            Err(e) => panic!("the statement did not stop within {BOUND:?} ({e})"),
        }
    }
}

fn assert_canceled(err: &postgres::Error, message: &str) {
    let db = err
        .as_db_error()
        .unwrap_or_else(|| panic!("not a server error: {err:?}"));
    assert_eq!(db.code().code(), "57014", "{err:?}");
    assert_eq!(db.message(), message);
}

fn server_with_big(rows: u32) -> (TestServer, postgres::Client) {
    let server = TestServer::start();
    let mut c = server.connect();
    c.batch_execute(&format!(
        "CREATE TABLE big (x int PRIMARY KEY); \
         INSERT INTO big SELECT g FROM generate_series(1, {rows}) g"
    ))
    .unwrap();
    (server, c)
}

/// Runs `sql` on `client`, sending CancelRequests until it returns; it
/// must fail with 57014 `canceling statement due to user request`.
fn cancel_until_stopped(mut client: postgres::Client, sql: &'static str) -> postgres::Client {
    let token = client.cancel_token();
    let start = Instant::now();
    let (client, r) = bounded(
        move || {
            let r = client.simple_query(sql).map(|_| ());
            (client, r)
        },
        || {
            // Once the statement is well under way (past reading a join's
            // inner sides); keep sending, as a cancel that arrives before
            // the statement starts is ignored (as in PostgreSQL).
            if start.elapsed() > Duration::from_millis(500) {
                let _ = token.cancel_query(postgres::NoTls);
            }
        },
    );
    let err = r.expect_err("the statement was not cancelled");
    assert_canceled(&err, "canceling statement due to user request");
    client
}

#[test]
fn cancel_request_stops_a_three_way_nested_loop() {
    let (_server, c) = server_with_big(10_000);
    let mut c = cancel_until_stopped(c, "SELECT count(*) FROM big a, big b, big c");
    let one: i32 = c.query_one("SELECT 1::int4", &[]).unwrap().get(0);
    assert_eq!(one, 1);
}

#[test]
fn cancel_request_and_statement_timeout_stop_a_catalog_join() {
    let (_server, c) = server_with_big(1);
    let mut c = cancel_until_stopped(
        c,
        "SELECT count(*) FROM pg_index i, pg_class c, pg_attribute a, pg_attribute b",
    );
    c.batch_execute("SET statement_timeout = '200ms'").unwrap();
    let (_c, r) = bounded(
        move || {
            let r = c
                .simple_query(
                    "SELECT count(*) FROM pg_index i, pg_class c, pg_attribute a, pg_attribute b",
                )
                .map(|_| ());
            (c, r)
        },
        || {},
    );
    assert_canceled(
        &r.expect_err("not stopped"),
        "canceling statement due to statement timeout",
    );
}

/// Streams `rows` rows into `COPY big FROM STDIN`, starting at `first`.
fn copy_rows(c: &mut postgres::Client, first: u32, rows: u32) -> Result<u64, postgres::Error> {
    let mut w = c.copy_in("COPY big FROM STDIN")?;
    let mut buf = String::new();
    for i in first..first + rows {
        buf.push_str(&i.to_string());
        buf.push('\n');
        if buf.len() > 64 * 1024 {
            // A write fails once the server has ended the COPY.
            if w.write_all(buf.as_bytes()).is_err() {
                break;
            }
            buf.clear();
        }
    }
    let _ = w.write_all(buf.as_bytes());
    w.finish()
}

#[test]
fn statement_timeout_and_cancel_stop_copy_from_stdin() {
    let (_server, mut c) = server_with_big(1);
    c.batch_execute("SET statement_timeout = '300ms'").unwrap();
    // Unchecked, each row would be a statement of its own and the COPY
    // would load all 3 million rows.
    let (mut c, r) = bounded(
        move || {
            let r = copy_rows(&mut c, 10, 3_000_000);
            (c, r)
        },
        || {},
    );
    assert_canceled(
        &r.expect_err("COPY was not stopped"),
        "canceling statement due to statement timeout",
    );
    c.batch_execute("SET statement_timeout = 0").unwrap();
    let n: i64 = c.query_one("SELECT count(*) FROM big", &[]).unwrap().get(0);
    assert_eq!(n, 1, "the cancelled COPY left nothing behind");

    let token = c.cancel_token();
    let done = Arc::new(AtomicBool::new(false));
    let (mut c, r) = bounded(
        {
            let done = Arc::clone(&done);
            move || {
                let r = copy_rows(&mut c, 10, 3_000_000);
                done.store(true, Ordering::Relaxed);
                (c, r)
            }
        },
        || {
            if !done.load(Ordering::Relaxed) {
                let _ = token.cancel_query(postgres::NoTls);
            }
        },
    );
    assert_canceled(
        &r.expect_err("COPY was not cancelled"),
        "canceling statement due to user request",
    );
    let n: i64 = c.query_one("SELECT count(*) FROM big", &[]).unwrap().get(0);
    assert_eq!(n, 1, "the cancelled COPY left nothing behind");
}
