//! Sequences through a real server: values are unique across concurrent
//! sessions (with and without a session CACHE) and across a `kill -9` of
//! the server, and committed serial rows survive it.
//!
//! A value a session was given (its `nextval` answered, whether its
//! transaction committed or not) must never be handed out again; after a
//! crash the sequence resumes past every such value, leaving a gap, as
//! PostgreSQL's WAL-logged sequences do.

mod server_harness;

use std::collections::HashSet;
use std::thread;

use server_harness::TestServer;

const THREADS: usize = 4;
const PER_THREAD: usize = 200;

/// Takes `PER_THREAD` values of `seq` on each of `THREADS` connections,
/// half of them in transactions that roll back; returns them all.
fn take_concurrently(port: u16, seq: &'static str) -> Vec<i64> {
    let handles: Vec<_> = (0..THREADS)
        .map(|_| {
            thread::spawn(move || {
                let mut c = server_harness::connect(port);
                let mut got = Vec::with_capacity(PER_THREAD);
                for i in 0..PER_THREAD {
                    if i % 2 == 0 {
                        let row = c
                            .query_one(&format!("SELECT nextval('{seq}')"), &[])
                            .expect("nextval");
                        got.push(row.get::<_, i64>(0));
                    } else {
                        let mut t = c.transaction().expect("begin");
                        let row = t
                            .query_one(&format!("SELECT nextval('{seq}')"), &[])
                            .expect("nextval");
                        got.push(row.get::<_, i64>(0));
                        t.rollback().expect("rollback");
                    }
                }
                got
            })
        })
        .collect();
    handles
        .into_iter()
        .flat_map(|h| h.join().expect("a client thread panicked"))
        .collect()
}

fn assert_unique(values: &[i64], what: &str) {
    let set: HashSet<i64> = values.iter().copied().collect();
    assert_eq!(
        set.len(),
        values.len(),
        "{what}: a value was handed out twice"
    );
}

#[test]
fn values_are_unique_across_sessions_and_a_kill_9() {
    let mut server = TestServer::start();
    {
        let mut c = server.connect();
        c.batch_execute(
            "CREATE SEQUENCE plain; CREATE SEQUENCE cached CACHE 10; \
             CREATE TABLE items (id serial PRIMARY KEY, v text)",
        )
        .expect("setup");
    }
    let plain = take_concurrently(server.port(), "plain");
    let cached = take_concurrently(server.port(), "cached");
    assert_unique(&plain, "plain");
    assert_unique(&cached, "cached");
    // Without a cache nothing is skipped: the values are exactly 1..=n.
    let mut sorted = plain.clone();
    sorted.sort_unstable();
    assert_eq!(
        sorted,
        (1..=(THREADS * PER_THREAD) as i64).collect::<Vec<_>>()
    );

    let mut committed = Vec::new();
    {
        let mut c = server.connect();
        for i in 0..50 {
            let row = c
                .query_one(
                    "INSERT INTO items (v) VALUES ($1) RETURNING id",
                    &[&format!("v{i}")],
                )
                .expect("insert");
            committed.push(row.get::<_, i32>(0));
        }
        // Values given out in a transaction that never ends.
        let mut open = server.connect();
        open.batch_execute("BEGIN").expect("begin");
        for _ in 0..5 {
            let row = open
                .query_one("INSERT INTO items (v) VALUES ('lost') RETURNING id", &[])
                .expect("insert");
            committed.push(row.get::<_, i32>(0));
        }
        server.kill_and_restart(&[]);
    }

    let mut c = server.connect();
    let stored: Vec<i32> = c
        .query("SELECT id FROM items ORDER BY id", &[])
        .expect("select")
        .iter()
        .map(|r| r.get(0))
        .collect();
    assert_eq!(
        stored,
        committed[..50].to_vec(),
        "committed rows survive, uncommitted do not"
    );
    let after_plain: i64 = c.query_one("SELECT nextval('plain')", &[]).unwrap().get(0);
    assert!(
        after_plain > *plain.iter().max().unwrap(),
        "plain resumed at {after_plain}, not past what it handed out"
    );
    let after_cached: i64 = c.query_one("SELECT nextval('cached')", &[]).unwrap().get(0);
    assert!(after_cached > *cached.iter().max().unwrap());
    let next_id: i32 = c
        .query_one("INSERT INTO items (v) VALUES ('after') RETURNING id", &[])
        .unwrap()
        .get(0);
    assert!(
        next_id > *committed.iter().max().unwrap(),
        "the serial resumed at {next_id}, not past every id it handed out"
    );
    // And the state keeps going on from there.
    let again: i64 = c.query_one("SELECT nextval('plain')", &[]).unwrap().get(0);
    assert_eq!(again, after_plain + 1);
}

/// `COPY seq TO STDOUT` fails as in PostgreSQL 15 (42809, a sequence is
/// not a table to copy), and so does `COPY view TO STDOUT` (with
/// PostgreSQL's hint); `COPY (SELECT * FROM seq)` copies the sequence's one
/// row. The connection lives on after each error.
#[test]
fn copy_reads_sequences_only_through_a_query() {
    use std::io::Read;
    let server = TestServer::start();
    let mut c = server.connect();
    c.batch_execute("CREATE SEQUENCE cs; CREATE VIEW cv AS SELECT 1 AS a")
        .expect("setup");
    for (sql, message, hint) in [
        (
            "COPY cs TO STDOUT",
            "cannot copy from sequence \"cs\"",
            None,
        ),
        (
            "COPY public.\"cv\" TO STDOUT",
            "cannot copy from view \"cv\"",
            Some("Try the COPY (SELECT ...) TO variant."),
        ),
    ] {
        let err = match c.copy_out(sql) {
            Ok(_) => panic!("{sql} must fail"),
            Err(e) => e,
        };
        let err = err
            .as_db_error()
            .unwrap_or_else(|| panic!("{sql}: not a server error: {err}"));
        assert_eq!(err.code().code(), "42809", "{sql}");
        assert_eq!(err.message(), message, "{sql}");
        assert_eq!(err.hint(), hint, "{sql}");
    }
    let mut out = String::new();
    c.copy_out("COPY (SELECT * FROM cs) TO STDOUT")
        .expect("COPY (SELECT * FROM seq)")
        .read_to_string(&mut out)
        .expect("read");
    assert_eq!(out, "1\t0\tf\n");
    let n: i64 = c
        .query_one("SELECT nextval('cs')", &[])
        .expect("nextval")
        .get(0);
    assert_eq!(n, 1);
}
