//! Real `pgbench` against the Rocksgres server.
//!
//! `pgbench -i -s 1` (drop, create with fillfactor, truncate, COPY with
//! FREEZE, VACUUM ANALYZE, ADD PRIMARY KEY) must succeed; then a TPC-B run
//! in each query mode (simple, extended, prepared) with 4 clients must
//! finish every transaction with none failed, and afterwards the balance
//! invariant must hold: sum(abalance) = sum(bbalance) = sum(tbalance) =
//! sum(delta). The first run truncates the history; the later ones pass
//! `-n` so the history keeps every run's rows and the invariant covers all
//! three. The TPS of each run is printed (`cargo test -- --nocapture`).

mod server_harness;

use server_harness::{pg_tool, TestServer};

fn text(out: &std::process::Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    )
}

/// The value after `label` on the line that starts with it.
fn field<'a>(report: &'a str, label: &str) -> Option<&'a str> {
    report
        .lines()
        .find_map(|l| l.strip_prefix(label))
        .map(str::trim)
}

#[test]
fn pgbench_init_and_runs_keep_balances() {
    let server = TestServer::start();
    let port = server.port();

    let init = pg_tool("pgbench", port, &["-i", "-s", "2", "postgres"]);
    assert!(
        init.status.success(),
        "pgbench -i failed:\n{}\nserver log:\n{}",
        text(&init),
        server.log()
    );

    let mut client = server.connect();
    let counts = client
        .query_one(
            "SELECT (SELECT count(*) FROM pgbench_accounts), (SELECT count(*) FROM pgbench_branches), \
             (SELECT count(*) FROM pgbench_tellers), (SELECT count(*) FROM pgbench_history)",
            &[],
        )
        .expect("count rows");
    let counts: (i64, i64, i64, i64) = (counts.get(0), counts.get(1), counts.get(2), counts.get(3));
    assert_eq!(counts, (200_000, 2, 20, 0));

    let balances = |client: &mut postgres::Client| -> (i64, i64, i64, i64, i64) {
        let row = client
            .query_one(
                "SELECT (SELECT sum(abalance) FROM pgbench_accounts), \
                        (SELECT sum(bbalance) FROM pgbench_branches), \
                        (SELECT sum(tbalance) FROM pgbench_tellers), \
                        (SELECT sum(delta) FROM pgbench_history), \
                        (SELECT count(*) FROM pgbench_history)",
                &[],
            )
            .expect("balance query");
        (row.get(0), row.get(1), row.get(2), row.get(3), row.get(4))
    };

    // TPC-B in every protocol mode, then select-only (-S) and
    // simple-update (-N); each run 4 clients x 200 transactions. The first
    // run truncates the history, the later ones keep it (-n).
    let runs: [(&str, &[&str]); 5] = [
        ("simple", &["-M", "simple"]),
        ("extended", &["-M", "extended"]),
        ("prepared", &["-M", "prepared"]),
        ("select-only", &["-S", "-M", "prepared"]),
        ("simple-update", &["-N", "-M", "prepared"]),
    ];
    let mut history = 0i64;
    for (i, (name, extra)) in runs.iter().enumerate() {
        let mut args = vec!["-c", "4", "-j", "2", "-t", "200"];
        args.extend_from_slice(extra);
        if i > 0 {
            args.push("-n");
        }
        args.push("postgres");
        let run = pg_tool("pgbench", port, &args);
        let report = text(&run);
        assert!(
            run.status.success(),
            "pgbench {name} failed:\n{report}\nserver log:\n{}",
            server.log()
        );
        assert_eq!(
            field(&report, "number of transactions actually processed:"),
            Some("800/800"),
            "{name}:\n{report}"
        );
        if let Some(failed) = field(&report, "number of failed transactions:") {
            assert!(failed.starts_with("0 "), "{name} had failures:\n{report}");
        }
        let tps = report
            .lines()
            .find(|l| l.starts_with("tps = "))
            .unwrap_or("tps = ?");
        println!("pgbench {name} -c 4 -j 2 -t 200: {tps}");
        if *name != "select-only" {
            history += 800;
        }
        let (a, b, t, h, n) = balances(&mut client);
        assert_eq!(
            n, history,
            "{name}: one history row per writing transaction"
        );
        assert_eq!(a, h, "{name}: accounts {a} vs history {h}");
        assert_eq!(b, t, "{name}: branches {b} vs tellers {t}");
        if *name != "simple-update" {
            // -N touches neither tellers nor branches; until then all agree.
            assert_eq!(
                (b, t),
                (h, h),
                "{name}: branches {b}, tellers {t}, history {h}"
            );
        }
    }
}
