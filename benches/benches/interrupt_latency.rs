//! How long a statement takes to stop after its `statement_timeout`
//! deadline or a cancel, for each kind of loop a statement can spend its
//! time in (issue 12, section 2: within 100 ms everywhere).
//!
//! Each case is a statement that would run for minutes. For the timeout,
//! the statement runs with `statement_timeout = 100ms` and the latency is
//! the time from the deadline to the 57014 error; for the cancel, another
//! thread calls `CancelHandle::cancel` 150 ms into the statement and the
//! latency is the time from that call to the error.
//!
//! Every case runs in a child process of its own (this binary re-run with
//! `--case NAME`), killed after `--cap` seconds (default 60): on code
//! whose loop does not check, the case reports `> cap` instead of hanging
//! the bench and leaving a runaway thread behind.
//!
//! ```sh
//! cargo bench --workspace --bench interrupt_latency            # every case
//! cargo bench --workspace --bench interrupt_latency -- --cap 30 --runs 5
//! cargo bench --workspace --bench interrupt_latency -- --case sort
//! ```

use std::process::{Command, Stdio};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{mpsc, Arc, Mutex};
use std::thread;
use std::time::{Duration, Instant};

use rocksgres_engine::{Database, Session};
use rocksgres_storage::MemoryStore;

type Mem = Session<MemoryStore>;

/// One statement that runs long in one kind of loop.
struct Case {
    name: &'static str,
    /// What the statement spends its time in.
    what: &'static str,
    /// Rows of `big(x int primary key)` to load (0: no table).
    big_rows: u32,
    /// Another session holds the row lock on `big` row 2 (lock-wait cases).
    hold_lock: bool,
    sql: &'static str,
}

const CASES: &[Case] = &[
    Case {
        name: "nested_loop_count",
        what: "3-way nested-loop count(*), 2,000 rows each",
        big_rows: 2_000,
        hold_lock: false,
        sql: "SELECT count(*) FROM big a, big b, big c",
    },
    Case {
        name: "join_no_rows",
        what: "3-way join that produces no rows",
        big_rows: 2_000,
        hold_lock: false,
        sql: "SELECT a.x FROM big a, big b, big c WHERE a.x + b.x + c.x < 0",
    },
    Case {
        name: "aggregate",
        what: "GROUP BY over a 3-way join",
        big_rows: 2_000,
        hold_lock: false,
        sql: "SELECT a.x % 10, count(*), sum(b.x) FROM big a, big b, big c GROUP BY 1",
    },
    Case {
        name: "distinct",
        what: "DISTINCT over a 3-way join",
        big_rows: 2_000,
        hold_lock: false,
        sql: "SELECT DISTINCT (a.x + b.x + c.x) % 7 FROM big a, big b, big c",
    },
    Case {
        name: "sort",
        what: "ORDER BY of a catalog cross join (~1M rows)",
        big_rows: 0,
        hold_lock: false,
        sql: "SELECT a.attname FROM pg_attribute a, pg_attribute b, pg_namespace n \
              ORDER BY b.attname || a.attname || n.nspname DESC",
    },
    Case {
        name: "string_agg_order_by",
        what: "string_agg(... ORDER BY ...) over a catalog cross join",
        big_rows: 0,
        hold_lock: false,
        sql: "SELECT length(string_agg(a.attname, ',' ORDER BY b.attname || a.attname)) \
              FROM pg_attribute a, pg_attribute b, pg_namespace n",
    },
    Case {
        name: "create_index",
        what: "CREATE INDEX over 300,000 rows",
        big_rows: 300_000,
        hold_lock: false,
        sql: "CREATE INDEX big_md5 ON big ((md5(x::text) || md5((x + 1)::text)))",
    },
    Case {
        name: "catalog_join",
        what: "pg_index x pg_class x pg_attribute x pg_attribute",
        big_rows: 1,
        hold_lock: false,
        sql: "SELECT count(*) FROM pg_index i, pg_class c, pg_attribute a, pg_attribute b",
    },
    Case {
        name: "correlated_subquery",
        what: "correlated EXISTS over a catalog join, re-run per row",
        big_rows: 1,
        hold_lock: false,
        sql: "SELECT count(*) FROM pg_class c WHERE EXISTS \
              (SELECT 1 FROM pg_attribute a, pg_attribute b \
               WHERE a.attnum + b.attnum < c.relnatts - 10000)",
    },
    Case {
        name: "in_list_per_row",
        what: "x IN (subquery) probed per row of a join",
        big_rows: 2_000,
        hold_lock: false,
        sql: "SELECT count(*) FROM big a, big b WHERE a.x + b.x IN (SELECT -x FROM big)",
    },
    Case {
        name: "row_lock_wait",
        what: "UPDATE waiting for a row lock held by another session",
        big_rows: 3,
        hold_lock: true,
        sql: "UPDATE big SET x = x WHERE x = 2",
    },
];

const TIMEOUT: Duration = Duration::from_millis(100);
const CANCEL_AFTER: Duration = Duration::from_millis(150);

fn setup(case: &Case) -> (Database<MemoryStore>, Mem, Option<Mem>) {
    let db = Database::open_in_memory();
    let mut s = db.session();
    if case.big_rows > 0 {
        s.execute("CREATE TABLE big (x int PRIMARY KEY)", &[])
            .unwrap();
        s.execute(
            &format!(
                "INSERT INTO big SELECT g FROM generate_series(1, {}) g",
                case.big_rows
            ),
            &[],
        )
        .unwrap();
    }
    let holder = case.hold_lock.then(|| {
        let mut h = db.session();
        h.execute("BEGIN", &[]).unwrap();
        h.execute("UPDATE big SET x = x WHERE x = 2", &[]).unwrap();
        h
    });
    (db, s, holder)
}

/// Runs the case once with `statement_timeout`; the latency from the
/// deadline to the error.
fn timeout_latency(case: &Case) -> Duration {
    let (_db, mut s, _holder) = setup(case);
    s.execute(
        &format!("SET statement_timeout = {}", TIMEOUT.as_millis()),
        &[],
    )
    .unwrap();
    let start = Instant::now();
    let r = s.query(case.sql, &[]);
    let elapsed = start.elapsed();
    let e = r.expect_err("the statement was not stopped");
    assert_eq!(e.message, "canceling statement due to statement timeout");
    elapsed.saturating_sub(TIMEOUT)
}

/// Runs the case once and cancels it from another thread; the latency
/// from the cancel to the error.
fn cancel_latency(case: &Case) -> Duration {
    let (_db, mut s, _holder) = setup(case);
    let handle = s.cancel_handle();
    let cancelled_at: Arc<Mutex<Option<Instant>>> = Arc::default();
    let done = Arc::new(AtomicBool::new(false));
    let canceller = {
        let cancelled_at = Arc::clone(&cancelled_at);
        let done = Arc::clone(&done);
        thread::spawn(move || {
            thread::sleep(CANCEL_AFTER);
            if !done.load(Ordering::Relaxed) {
                *cancelled_at.lock().unwrap() = Some(Instant::now());
                handle.cancel();
            }
        })
    };
    let r = s.query(case.sql, &[]);
    let ended = Instant::now();
    done.store(true, Ordering::Relaxed);
    canceller.join().unwrap();
    let e = r.expect_err("the statement was not stopped");
    assert_eq!(e.message, "canceling statement due to user request");
    let at = cancelled_at
        .lock()
        .unwrap()
        .expect("the statement ended before the cancel");
    ended.saturating_duration_since(at)
}

fn ms(d: Duration) -> String {
    format!("{:.1}", d.as_secs_f64() * 1000.0)
}

/// Child process: runs one case `runs` times each way and prints one line.
fn run_case(name: &str, runs: usize) {
    let case = CASES
        .iter()
        .find(|c| c.name == name)
        .unwrap_or_else(|| panic!("no case {name}"));
    let mut line = String::new();
    for (label, f) in [
        ("timeout", timeout_latency as fn(&Case) -> Duration),
        ("cancel", cancel_latency),
    ] {
        let mut v: Vec<Duration> = (0..runs).map(|_| f(case)).collect();
        v.sort();
        line.push_str(&format!(
            " {label}: median {} ms (min {}, max {});",
            ms(v[v.len() / 2]),
            ms(v[0]),
            ms(v[v.len() - 1])
        ));
    }
    println!("{line}");
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let arg = |name: &str| {
        args.iter()
            .position(|a| a == name)
            .and_then(|i| args.get(i + 1))
            .cloned()
    };
    let runs: usize = arg("--runs").and_then(|r| r.parse().ok()).unwrap_or(5);
    if args.iter().any(|a| a == "--child") {
        run_case(&arg("--case").expect("--case"), runs);
        return;
    }
    let cap = Duration::from_secs(arg("--cap").and_then(|c| c.parse().ok()).unwrap_or(60));
    let only = arg("--case");
    println!(
        "statement_timeout = {} ms; cancel {} ms into the statement; {runs} runs each; cap {} s per case",
        TIMEOUT.as_millis(),
        CANCEL_AFTER.as_millis(),
        cap.as_secs()
    );
    let exe = std::env::current_exe().expect("current exe");
    for case in CASES
        .iter()
        .filter(|c| only.as_deref().is_none_or(|o| o == c.name))
    {
        let mut child = Command::new(&exe)
            .args(["--child", "--case", case.name, "--runs", &runs.to_string()])
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("cannot run the case");
        let (tx, rx) = mpsc::channel();
        let stdout = child.stdout.take().expect("piped");
        thread::spawn(move || {
            let mut out = String::new();
            let _ = std::io::Read::read_to_string(&mut { stdout }, &mut out);
            let _ = tx.send(out);
        });
        let line = match rx.recv_timeout(cap) {
            Ok(out) => {
                let status = child.wait().expect("wait");
                if status.success() {
                    out.trim().to_string()
                } else {
                    let mut err = String::new();
                    if let Some(mut e) = child.stderr.take() {
                        let _ = std::io::Read::read_to_string(&mut e, &mut err);
                    }
                    // The panic message is on the line after "panicked at".
                    let why = err
                        .lines()
                        .skip_while(|l| !l.contains("panicked at"))
                        .nth(1)
                        .unwrap_or("");
                    format!("failed: {why}")
                }
            }
            Err(_) => {
                let _ = child.kill();
                let _ = child.wait();
                format!("not stopped within {} s (killed)", cap.as_secs())
            }
        };
        println!("{:<22} {:<58} {line}", case.name, case.what);
    }
}
