//! Many clients over the wire (issue 6): a bank-transfer workload on 16
//! connections with random rollbacks, and pgbench TPC-B with 16 clients in
//! every protocol mode. The total never changes, no transaction fails
//! except where its isolation level says it must, and pgbench's balance
//! invariant holds afterwards.

mod server_harness;

use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::{Duration, Instant};

use server_harness::{pg_tool, TestServer};

const ACCOUNTS: i64 = 100;
const INITIAL: i64 = 1_000;

#[test]
fn bank_transfers_on_16_connections_keep_the_total() {
    let server = TestServer::start();
    let mut admin = server.connect();
    admin
        .batch_execute(
            "CREATE TABLE accounts (id int PRIMARY KEY, balance bigint NOT NULL);
             INSERT INTO accounts SELECT i, 1000 FROM generate_series(1, 100) AS g(i);",
        )
        .unwrap();
    let expected = ACCOUNTS * INITIAL;
    let stop = AtomicBool::new(false);
    let committed = AtomicU64::new(0);
    let rolled_back = AtomicU64::new(0);
    let serialization_failures = AtomicU64::new(0);
    let audits = AtomicU64::new(0);
    let run_for = Duration::from_secs(5);
    std::thread::scope(|s| {
        // Auditor: every REPEATABLE READ snapshot sees the same total.
        s.spawn(|| {
            let mut c = server.connect();
            while !stop.load(Ordering::Relaxed) {
                let mut t = c
                    .build_transaction()
                    .isolation_level(postgres::IsolationLevel::RepeatableRead)
                    .start()
                    .unwrap();
                let total: i64 = t
                    .query_one("SELECT sum(balance)::int8 FROM accounts", &[])
                    .unwrap()
                    .get(0);
                t.commit().unwrap();
                assert_eq!(total, expected, "a snapshot saw money appear or vanish");
                audits.fetch_add(1, Ordering::Relaxed);
            }
        });
        for worker in 0..16u64 {
            let (committed, rolled_back, serialization_failures) =
                (&committed, &rolled_back, &serialization_failures);
            let server = &server;
            s.spawn(move || {
                let mut c = server.connect();
                // 12 READ COMMITTED workers lock in id order (no deadlock is
                // possible, so none may fail); 4 REPEATABLE READ workers may
                // get 40001, which is what that level requires.
                let repeatable = worker >= 12;
                let mut seed = 0x9e37_79b9_7f4a_7c15u64 ^ (worker + 1);
                let mut rand = move |n: u64| {
                    seed ^= seed << 13;
                    seed ^= seed >> 7;
                    seed ^= seed << 17;
                    seed % n
                };
                let start = Instant::now();
                while start.elapsed() < run_for {
                    let a = 1 + rand(ACCOUNTS as u64) as i32;
                    let b = 1 + ((a as u64 + rand(ACCOUNTS as u64 - 1)) % ACCOUNTS as u64) as i32;
                    let (first, second, amount) = if a < b {
                        (a, b, 1 + rand(50) as i64)
                    } else {
                        (b, a, -(1 + rand(50) as i64))
                    };
                    let begin = if repeatable {
                        "BEGIN ISOLATION LEVEL REPEATABLE READ"
                    } else {
                        "BEGIN"
                    };
                    c.batch_execute(begin).unwrap();
                    let result = (|| -> Result<(), postgres::Error> {
                        c.execute(
                            "UPDATE accounts SET balance = balance - $1 WHERE id = $2",
                            &[&amount, &first],
                        )?;
                        c.execute(
                            "UPDATE accounts SET balance = balance + $1 WHERE id = $2",
                            &[&amount, &second],
                        )?;
                        Ok(())
                    })();
                    match result {
                        Ok(()) if rand(10) == 0 => {
                            c.batch_execute("ROLLBACK").unwrap();
                            rolled_back.fetch_add(1, Ordering::Relaxed);
                        }
                        Ok(()) => {
                            c.batch_execute("COMMIT").unwrap();
                            committed.fetch_add(1, Ordering::Relaxed);
                        }
                        Err(e) => {
                            let code = e.code().map(|c| c.code().to_string());
                            assert!(
                                repeatable && code.as_deref() == Some("40001"),
                                "worker {worker} (repeatable: {repeatable}) failed: {e:?}"
                            );
                            c.batch_execute("ROLLBACK").unwrap();
                            serialization_failures.fetch_add(1, Ordering::Relaxed);
                        }
                    }
                }
            });
        }
        std::thread::sleep(run_for + Duration::from_millis(200));
        stop.store(true, Ordering::Relaxed);
    });
    let total: i64 = admin
        .query_one("SELECT sum(balance)::int8 FROM accounts", &[])
        .unwrap()
        .get(0);
    assert_eq!(total, expected);
    let (c, r, f) = (
        committed.into_inner(),
        rolled_back.into_inner(),
        serialization_failures.into_inner(),
    );
    println!(
        "16 connections, 5 s: {c} committed, {r} rolled back, {f} serialization failures, {} audits",
        audits.into_inner()
    );
    assert!(
        c > 100 && r > 0,
        "the workload ran: {c} committed, {r} rolled back"
    );
}

fn field<'a>(report: &'a str, label: &str) -> Option<&'a str> {
    report
        .lines()
        .find_map(|l| l.trim().strip_prefix(label))
        .map(str::trim)
}

#[test]
fn pgbench_16_clients_in_every_mode_without_failures() {
    let server = TestServer::start();
    let port = server.port();
    let init = pg_tool("pgbench", port, &["-i", "-s", "1", "postgres"]);
    assert!(
        init.status.success(),
        "{}",
        String::from_utf8_lossy(&init.stderr)
    );
    for (i, mode) in ["simple", "extended", "prepared"].iter().enumerate() {
        let mut args = vec!["-c", "16", "-j", "2", "-T", "30", "-M", mode];
        if i > 0 {
            args.push("-n");
        }
        args.push("postgres");
        let run = pg_tool("pgbench", port, &args);
        let report = format!(
            "{}{}",
            String::from_utf8_lossy(&run.stdout),
            String::from_utf8_lossy(&run.stderr)
        );
        assert!(
            run.status.success(),
            "-M {mode}:\n{report}\n{}",
            server.log()
        );
        assert!(
            field(&report, "number of failed transactions:").is_some_and(|f| f.starts_with("0 ")),
            "-M {mode} had failed transactions:\n{report}"
        );
        assert!(
            !report.contains("aborted"),
            "-M {mode} had aborted clients:\n{report}"
        );
        let tps = report
            .lines()
            .find(|l| l.starts_with("tps = "))
            .unwrap_or("tps = ?");
        println!("pgbench -M {mode} -c 16 -j 2 -T 30: {tps}");
    }
    let mut c = server.connect();
    let row = c
        .query_one(
            "SELECT (SELECT sum(abalance) FROM pgbench_accounts), \
                    (SELECT sum(bbalance) FROM pgbench_branches), \
                    (SELECT sum(tbalance) FROM pgbench_tellers), \
                    (SELECT sum(delta) FROM pgbench_history)",
            &[],
        )
        .unwrap();
    let (a, b, t, h): (i64, i64, i64, i64) = (row.get(0), row.get(1), row.get(2), row.get(3));
    assert_eq!((a, b, t), (h, h, h), "balances after the runs");
}
