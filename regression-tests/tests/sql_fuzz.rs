//! SQL robustness fuzzing over the wire (issue 12): generated statements
//! (see `rocksgres_regression_tests::fuzz`) against a running server.
//!
//! Every statement must get a result or an ErrorResponse: a dropped
//! connection, a dead server or a statement that hangs fails the test with
//! the seed and the statement. The server must answer `SELECT 1` at the end.
//! Statements alternate between the simple and the extended protocol.
//!
//! So that a broken generator cannot pass by producing only garbage, the
//! test also requires that a fair share of the statements succeed and that
//! every statement kind reached the server.
//!
//! The suite runs a short run. The long run (a million statements and more)
//! is `benches/sql-fuzz.sh`, which sets:
//! * `ROCKSGRES_FUZZ_STATEMENTS`: statements per connection (default 1,000);
//! * `ROCKSGRES_FUZZ_CONNECTIONS`: concurrent connections (default 2), each
//!   with its own seed;
//! * `ROCKSGRES_FUZZ_SEED`: the first seed (default 12).

mod server_harness;

use std::collections::BTreeMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use rocksgres_regression_tests::fuzz::SqlFuzzer;
use server_harness::TestServer;

/// A statement that has not answered after this long counts as a hang
/// (the server runs with a statement_timeout well below it).
const HANG: Duration = Duration::from_secs(180);

fn env_u64(name: &str, default: u64) -> u64 {
    std::env::var(name)
        .ok()
        .and_then(|v| v.replace('_', "").parse().ok())
        .unwrap_or(default)
}

/// What one connection saw.
#[derive(Default)]
struct Tally {
    ok: u64,
    errors: BTreeMap<String, u64>,
    /// First statement that got XX000 per distinct message.
    internal: BTreeMap<String, String>,
    kinds: BTreeMap<String, u64>,
}

fn shorten(s: &str) -> String {
    if s.len() <= 400 {
        s.to_string()
    } else {
        let mut end = 400;
        while !s.is_char_boundary(end) {
            end -= 1;
        }
        format!("{}... ({} bytes)", &s[..end], s.len())
    }
}

fn kind_of(stmt: &str) -> String {
    stmt.split(|c: char| !c.is_ascii_alphabetic())
        .next()
        .unwrap_or("")
        .to_ascii_uppercase()
}

fn run_connection(
    server: &TestServer,
    seed: u64,
    statements: u64,
    current: Arc<Mutex<String>>,
    progress: Arc<AtomicU64>,
) -> Tally {
    let mut client = server.connect();
    client
        .batch_execute("SET statement_timeout = '3s'")
        .expect("SET statement_timeout");
    let mut fuzzer = SqlFuzzer::new(seed);
    let mut tally = Tally::default();
    for i in 0..statements {
        let stmt = fuzzer.statement();
        *current.lock().unwrap() = format!("seed {seed}, statement {i}: {}", shorten(&stmt));
        *tally.kinds.entry(kind_of(&stmt)).or_default() += 1;
        let outcome = if i % 2 == 0 {
            client.simple_query(&stmt).map(|_| ())
        } else {
            client.query(stmt.as_str(), &[]).map(|_| ())
        };
        progress.fetch_add(1, Ordering::Relaxed);
        match outcome {
            Ok(()) => tally.ok += 1,
            Err(e) => match e.as_db_error() {
                Some(db) => {
                    let code = db.code().code().to_string();
                    if code == "XX000" {
                        tally
                            .internal
                            .entry(db.message().to_string())
                            .or_insert_with(|| shorten(&stmt));
                    }
                    *tally.errors.entry(code).or_default() += 1;
                }
                None => panic!(
                    "seed {seed}, statement {i} got no ErrorResponse but {e} \
                     (the connection or the server is gone)\nstatement: {}\nserver log tail:\n{}",
                    shorten(&stmt),
                    tail(&server.log())
                ),
            },
        }
        // Leave a failed or open block now and then so later statements
        // run in every transaction state, not mostly in a failed one.
        if i % 25 == 24 {
            if let Err(e) = client.simple_query("ROLLBACK") {
                panic!("seed {seed}: ROLLBACK after statement {i} failed: {e}");
            }
        }
    }
    tally
}

fn tail(log: &str) -> String {
    let lines: Vec<&str> = log.lines().collect();
    lines[lines.len().saturating_sub(30)..].join("\n")
}

#[test]
fn generated_statements_all_get_an_answer_and_the_server_lives() {
    let statements = env_u64("ROCKSGRES_FUZZ_STATEMENTS", 1_000);
    let connections = env_u64("ROCKSGRES_FUZZ_CONNECTIONS", 2);
    let first_seed = env_u64("ROCKSGRES_FUZZ_SEED", 12);

    let mut server = TestServer::start();
    {
        let mut admin = server.connect();
        for stmt in SqlFuzzer::schema() {
            admin
                .batch_execute(&stmt)
                .unwrap_or_else(|e| panic!("schema statement {stmt}: {e}"));
        }
    }

    let started = Instant::now();
    let progress = Arc::new(AtomicU64::new(0));
    let currents: Vec<Arc<Mutex<String>>> = (0..connections)
        .map(|_| Arc::new(Mutex::new(String::new())))
        .collect();
    let tallies: Vec<Tally> = std::thread::scope(|scope| {
        let handles: Vec<_> = (0..connections)
            .map(|c| {
                let current = currents[c as usize].clone();
                let progress = progress.clone();
                let server = &server;
                std::thread::Builder::new()
                    .name(format!("fuzz-{c}"))
                    .spawn_scoped(scope, move || {
                        run_connection(server, first_seed + c, statements, current, progress)
                    })
                    .expect("spawn")
            })
            .collect();
        // Watchdog: a statement that never answers is a hang.
        let mut last = (0, Instant::now());
        while handles.iter().any(|h| !h.is_finished()) {
            std::thread::sleep(Duration::from_millis(200));
            let now = progress.load(Ordering::Relaxed);
            if now != last.0 {
                last = (now, Instant::now());
            } else if last.1.elapsed() > HANG {
                let stuck: Vec<String> =
                    currents.iter().map(|c| c.lock().unwrap().clone()).collect();
                eprintln!(
                    "no statement answered for {HANG:?}; running:\n{}",
                    stuck.join("\n")
                );
                std::process::exit(1);
            }
        }
        handles
            .into_iter()
            .map(|h| h.join().unwrap_or_else(|p| std::panic::resume_unwind(p)))
            .collect()
    });

    let mut client = server.connect();
    let one: i32 = client
        .query_one("SELECT 1", &[])
        .expect("the server answers SELECT 1 after the fuzz run")
        .get(0);
    assert_eq!(one, 1);
    assert!(server.is_running(), "the server process is gone");

    let total = statements * connections;
    let ok: u64 = tallies.iter().map(|t| t.ok).sum();
    let mut errors: BTreeMap<String, u64> = BTreeMap::new();
    let mut kinds: BTreeMap<String, u64> = BTreeMap::new();
    let mut internal: BTreeMap<String, String> = BTreeMap::new();
    for t in &tallies {
        for (k, v) in &t.errors {
            *errors.entry(k.clone()).or_default() += v;
        }
        for (k, v) in &t.kinds {
            *kinds.entry(k.clone()).or_default() += v;
        }
        for (k, v) in &t.internal {
            internal.entry(k.clone()).or_insert_with(|| v.clone());
        }
    }
    eprintln!(
        "sql fuzz: {total} statements on {connections} connections (seeds {first_seed}..) in {:.1} s: \
         {ok} ok, errors by SQLSTATE {errors:?}, kinds {kinds:?}",
        started.elapsed().as_secs_f64()
    );
    for (message, stmt) in &internal {
        eprintln!("XX000 {message}\n  first statement: {stmt}");
    }

    // The generator must reach the executor, not only the parser.
    assert!(
        ok * 100 >= total * 30,
        "only {ok} of {total} statements succeeded: the generator is broken"
    );
    for kind in [
        "SELECT", "INSERT", "UPDATE", "DELETE", "EXPLAIN", "CREATE", "BEGIN",
    ] {
        assert!(
            kinds.contains_key(kind),
            "no {kind} statement was generated"
        );
    }
    // A panic inside the engine is a bug even when the connection survives.
    assert!(
        internal.is_empty(),
        "internal errors (XX000): {:#?}",
        internal
    );
}
