//! Query results stream: rows reach the client while the statement is
//! still running, and the server does not hold a whole result in memory
//! (issue 14, section 3).
//!
//! * A query that fails at its 150,000th row delivers the rows before it
//!   to the client first, then the error, as PostgreSQL does. A server
//!   that built the result before sending it would send only the error.
//!   Checked for Execute (extended protocol) and COPY TO STDOUT.
//! * While psql reads a result of about 75 MB (simple protocol), while
//!   COPY TO STDOUT sends one, while a driver reads one (extended
//!   protocol) and while a driver fetches one through a suspended portal
//!   (Execute with a row limit, whose rows wait in a spillable store), the
//!   server's resident memory never grows by more than a quarter of the
//!   result's size. A server that collected the
//!   rows first would hold all of them at once (more than the result's
//!   size: values plus their encoding).
//! * A suspended portal whose query can resume (a table scan with filters
//!   and projections) runs it only as far as each Execute needs: its
//!   first batches come although a later row fails, the statement's side
//!   effects (`nextval`) show that only the rows sent so far ran, and
//!   the Execute that reaches the failing row reports the error.

mod server_harness;

use std::io::Read;
use std::process::Stdio;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::Arc;
use std::thread;
use std::time::Duration;

use server_harness::{psql_command, TestServer};

/// Rows of the big table, and the bytes of one row's payload.
const ROWS: u32 = 400_000;
const PAYLOAD: usize = 140;

/// The server's resident set size in kB.
fn rss_kb(pid: u32) -> u64 {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).expect("server status");
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmRSS:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
        .expect("VmRSS")
}

/// Runs `f` while sampling the server's RSS every 10 ms; returns the
/// highest sample.
fn peak_rss_during(pid: u32, f: impl FnOnce()) -> u64 {
    let done = Arc::new(AtomicBool::new(false));
    let peak = Arc::new(AtomicU64::new(rss_kb(pid)));
    let sampler = {
        let (done, peak) = (Arc::clone(&done), Arc::clone(&peak));
        thread::spawn(move || {
            while !done.load(Ordering::Relaxed) {
                peak.fetch_max(rss_kb(pid), Ordering::Relaxed);
                thread::sleep(Duration::from_millis(10));
            }
        })
    };
    f();
    done.store(true, Ordering::Relaxed);
    sampler.join().unwrap();
    peak.load(Ordering::Relaxed)
}

/// A query of [`ROWS`] rows of about [`PAYLOAD`] bytes each, computed
/// (not read from a table, whose blocks would fill RocksDB's block cache
/// and blur the measurement).
fn big_query() -> String {
    format!(
        "SELECT g AS id, repeat(md5(g::text), {}) AS payload FROM generate_series(1, {ROWS}) g",
        PAYLOAD / 32 + 1
    )
}

/// The result's size on the wire, in kB (about).
fn result_kb() -> u64 {
    u64::from(ROWS) * (PAYLOAD as u64 + 32 + 20) / 1024
}

#[test]
fn rows_before_an_error_reach_the_client_first() {
    let server = TestServer::start();
    let mut c = server.connect();
    let mut rows = 0u64;
    let err = {
        let it = c
            .query_raw(
                "SELECT x, 1 / (x - 150000) FROM generate_series(1, 200000) x",
                std::iter::empty::<i32>(),
            )
            .expect("the statement starts");
        let mut it = it;
        loop {
            match postgres::fallible_iterator::FallibleIterator::next(&mut it) {
                Ok(Some(_)) => rows += 1,
                Ok(None) => panic!("the statement must fail at its 150,000th row"),
                Err(e) => break e,
            }
        }
    };
    assert_eq!(err.code().map(|c| c.code()), Some("22012"), "{err:?}");
    assert_eq!(rows, 149_999, "every row before the failing one was sent");

    // COPY TO STDOUT: the data before the failing row, then the error.
    let mut reader = c
        .copy_out("COPY (SELECT x, 1 / (x - 150000) FROM generate_series(1, 200000) x) TO STDOUT")
        .expect("COPY starts");
    let mut data = Vec::new();
    let err = reader
        .read_to_end(&mut data)
        .expect_err("COPY must fail at its 150,000th row");
    assert!(format!("{err:?}").contains("division by zero"), "{err:?}");
    let lines = data.iter().filter(|b| **b == b'\n').count();
    assert_eq!(lines, 149_999, "every row before the failing one was sent");
    drop(reader);
    // The session goes on.
    let n: i64 = c
        .query_one("SELECT count(*) FROM generate_series(1, 7)", &[])
        .unwrap()
        .get(0);
    assert_eq!(n, 7);
}

#[test]
fn reading_a_big_result_keeps_server_memory_flat() {
    let server = TestServer::start();
    let mut c = server.connect();
    let pid = server.pid();
    let budget = result_kb() / 4;

    // psql, simple protocol, output discarded.
    let before = rss_kb(pid);
    let peak = peak_rss_during(pid, || {
        let out = psql_command(server.port())
            .args(["-X", "-At", "-c", &big_query()])
            .stdout(Stdio::null())
            .output()
            .expect("psql runs");
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
    });
    assert!(
        peak.saturating_sub(before) < budget,
        "psql SELECT: server RSS grew from {before} kB to {peak} kB; a ~{} kB result must not be held",
        result_kb()
    );

    // COPY TO STDOUT, read to the end.
    let before = rss_kb(pid);
    let mut bytes = 0usize;
    let peak = peak_rss_during(pid, || {
        let mut reader = c
            .copy_out(&format!("COPY ({}) TO STDOUT", big_query()))
            .expect("COPY starts");
        let mut buf = vec![0u8; 1 << 16];
        loop {
            let n = reader.read(&mut buf).expect("COPY data");
            if n == 0 {
                break;
            }
            bytes += n;
        }
    });
    assert!(
        bytes as u64 / 1024 > result_kb() / 2,
        "COPY sent {bytes} bytes"
    );
    assert!(
        peak.saturating_sub(before) < budget,
        "COPY TO: server RSS grew from {before} kB to {peak} kB"
    );

    // Extended protocol, rows counted as they come.
    let before = rss_kb(pid);
    let mut rows = 0u32;
    let peak = peak_rss_during(pid, || {
        let mut it = c
            .query_raw(&big_query(), std::iter::empty::<i32>())
            .expect("the query starts");
        while let Some(_row) =
            postgres::fallible_iterator::FallibleIterator::next(&mut it).expect("a row")
        {
            rows += 1;
        }
    });
    assert_eq!(rows, ROWS);
    assert!(
        peak.saturating_sub(before) < budget,
        "Execute: server RSS grew from {before} kB to {peak} kB"
    );
}

#[test]
fn a_suspended_portal_keeps_its_rows_out_of_memory() {
    let server = TestServer::start();
    let pid = server.pid();
    let budget = result_kb() / 4;
    let mut c = server.connect();
    let before = rss_kb(pid);
    let mut rows = 0u32;
    let mut batches = 0;
    let peak = peak_rss_during(pid, || {
        let mut t = c.transaction().unwrap();
        let portal = t.bind(big_query().as_str(), &[]).expect("Bind");
        loop {
            // Execute with a row limit: PortalSuspended until the end.
            let batch = t.query_portal(&portal, 5_000).expect("Execute");
            if batch.is_empty() {
                break;
            }
            rows += batch.len() as u32;
            batches += 1;
        }
        t.commit().unwrap();
    });
    assert_eq!(rows, ROWS);
    assert!(batches >= ROWS / 5_000, "{batches} batches");
    assert!(
        peak.saturating_sub(before) < budget,
        "suspended portal: server RSS grew from {before} kB to {peak} kB"
    );
}

#[test]
fn a_suspended_portal_runs_its_query_as_it_is_fetched() {
    let server = TestServer::start();
    let mut c = server.connect();
    c.batch_execute(
        "CREATE TABLE lazy (x int PRIMARY KEY);
         INSERT INTO lazy SELECT g FROM generate_series(1, 200000) g;
         CREATE SEQUENCE lazy_seq",
    )
    .unwrap();
    let mut t = c.transaction().unwrap();
    let portal = t
        .bind(
            "SELECT x, 1 / (x - 150000), nextval('lazy_seq') FROM lazy WHERE x > 0",
            &[],
        )
        .expect("Bind");
    let first = t
        .query_portal(&portal, 1_000)
        .expect("the first batch comes before the failing row is reached");
    assert_eq!(first.len(), 1_000);
    assert_eq!(first[0].get::<_, i32>(0), 1);
    assert_eq!(first[999].get::<_, i64>(2), 1_000);
    let ran: i64 = t
        .query_one("SELECT currval('lazy_seq')", &[])
        .unwrap()
        .get(0);
    assert_eq!(ran, 1_000, "only the rows sent so far ran");
    let mut rows = first.len();
    let err = loop {
        match t.query_portal(&portal, 10_000) {
            Ok(batch) => {
                assert!(!batch.is_empty(), "the portal must fail at row 150,000");
                rows += batch.len();
            }
            Err(e) => break e,
        }
    };
    assert_eq!(err.code().map(|c| c.code()), Some("22012"), "{err:?}");
    assert_eq!(rows, 141_000, "every batch before the failing row was sent");
    drop(t);
    let n: i64 = c
        .query_one("SELECT count(*) FROM lazy", &[])
        .unwrap()
        .get(0);
    assert_eq!(n, 200_000);
}
