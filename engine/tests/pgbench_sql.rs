//! The SQL pgbench 15 sends (see shared/reference/pg-clients.md), run
//! through the embedding API: initialization with server-side data
//! generation (`pgbench -i -I dtGvp`), then TPC-B transactions in the
//! simple style (literals) and the prepared style (text parameters), with
//! the balance invariant checked at the end.

use rocksgres_engine::{Database, Session, Value};
use rocksgres_storage::Store;

fn run<S: Store>(s: &mut Session<S>, sql: &str) {
    for r in s.simple_query(sql) {
        r.unwrap_or_else(|e| panic!("{sql}: {e}"));
    }
}

fn scalar<S: Store>(s: &mut Session<S>, sql: &str) -> i64 {
    s.query(sql, &[]).unwrap().rows[0].get::<i64>(0).unwrap()
}

#[test]
fn pgbench_init_and_tpcb_transactions() {
    let dir = tempfile::tempdir().unwrap();
    let db = Database::open(dir.path()).unwrap();
    let mut s = db.session();
    let init = [
        "drop table if exists pgbench_accounts, pgbench_branches, pgbench_history, pgbench_tellers",
        "create table pgbench_history(tid int,bid int,aid    int,delta int,mtime timestamp,filler char(22))",
        "create table pgbench_tellers(tid int not null,bid int,tbalance int,filler char(84)) with (fillfactor=100)",
        "create table pgbench_accounts(aid    int not null,bid int,abalance int,filler char(84)) with (fillfactor=100)",
        "create table pgbench_branches(bid int not null,bbalance int,filler char(88)) with (fillfactor=100)",
        "begin",
        "truncate table pgbench_accounts, pgbench_branches, pgbench_history, pgbench_tellers",
        "insert into pgbench_branches(bid,bbalance) select bid, 0 from generate_series(1, 1) as bid",
        "insert into pgbench_tellers(tid,bid,tbalance) select tid, (tid - 1) / 10 + 1, 0 from generate_series(1, 10) as tid",
        "insert into pgbench_accounts(aid,bid,abalance,filler) select aid, (aid - 1) / 100000 + 1, 0, '' from generate_series(1, 20000) as aid",
        "commit",
        "vacuum analyze pgbench_branches",
        "vacuum analyze pgbench_tellers",
        "vacuum analyze pgbench_accounts",
        "vacuum analyze pgbench_history",
        "alter table pgbench_branches add primary key (bid)",
        "alter table pgbench_tellers add primary key (tid)",
        "alter table pgbench_accounts add primary key (aid)",
    ];
    for sql in init {
        run(&mut s, sql);
    }
    assert_eq!(scalar(&mut s, "select count(*) from pgbench_branches"), 1);
    assert_eq!(
        scalar(&mut s, "select count(*) from pgbench_accounts"),
        20_000
    );
    // The set-up connection's partition probe may fail (pgbench tolerates
    // errors), but must not return zero rows.
    let probe = s.query("select o.n, p.partstrat, pg_catalog.count(i.inhparent) from pg_catalog.pg_class as c join pg_catalog.pg_namespace as n on (n.oid = c.relnamespace) cross join lateral (select pg_catalog.array_position(pg_catalog.current_schemas(true), n.nspname)) as o(n) left join pg_catalog.pg_partitioned_table as p on (p.partrelid = c.oid) left join pg_catalog.pg_inherits as i on (c.oid = i.inhparent) where c.relname = 'pgbench_accounts' and o.n is not null group by 1, 2 order by 1 asc limit 1", &[]);
    if let Ok(r) = probe {
        assert_eq!(r.rows.len(), 1);
    }
    run(&mut s, "vacuum pgbench_branches");
    run(&mut s, "truncate pgbench_history");

    // Simple style: literals, trailing semicolons, negative deltas.
    let mut total = 0i64;
    let mut seed = 12345u64;
    let mut next = |n: u64| {
        seed = seed
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        (seed >> 33) % n
    };
    for _ in 0..50 {
        let aid = 1 + next(20_000);
        let tid = 1 + next(10);
        let delta = next(10_001) as i64 - 5000;
        total += delta;
        for sql in [
            "BEGIN;".to_string(),
            format!("UPDATE pgbench_accounts SET abalance = abalance + {delta} WHERE aid = {aid};"),
            format!("SELECT abalance FROM pgbench_accounts WHERE aid = {aid};"),
            format!("UPDATE pgbench_tellers SET tbalance = tbalance + {delta} WHERE tid = {tid};"),
            format!("UPDATE pgbench_branches SET bbalance = bbalance + {delta} WHERE bid = 1;"),
            format!("INSERT INTO pgbench_history (tid, bid, aid, delta, mtime) VALUES ({tid}, 1, {aid}, {delta}, CURRENT_TIMESTAMP);"),
            "END;".to_string(),
        ] {
            run(&mut s, &sql);
        }
    }
    // Prepared style: parameters inferred, values sent as text.
    let texts = [
        "BEGIN;",
        "UPDATE pgbench_accounts SET abalance = abalance + $1 WHERE aid = $2;",
        "SELECT abalance FROM pgbench_accounts WHERE aid = $1;",
        "UPDATE pgbench_tellers SET tbalance = tbalance + $1 WHERE tid = $2;",
        "UPDATE pgbench_branches SET bbalance = bbalance + $1 WHERE bid = $2;",
        "INSERT INTO pgbench_history (tid, bid, aid, delta, mtime) VALUES ($1, $2, $3, $4, CURRENT_TIMESTAMP);",
        "END;",
    ];
    let prepared: Vec<_> = texts.iter().map(|t| s.prepare(t).unwrap()).collect();
    let t = |v: i64| Value::Text(v.to_string());
    for _ in 0..50 {
        let aid = 1 + next(20_000) as i64;
        let tid = 1 + next(10) as i64;
        let delta = next(10_001) as i64 - 5000;
        total += delta;
        let params: [Vec<Value>; 7] = [
            vec![],
            vec![t(delta), t(aid)],
            vec![t(aid)],
            vec![t(delta), t(tid)],
            vec![t(delta), t(1)],
            vec![t(tid), t(1), t(aid), t(delta)],
            vec![],
        ];
        for (p, args) in prepared.iter().zip(&params) {
            s.query_prepared(p, args).unwrap();
        }
    }
    let sums = [
        "select sum(abalance) from pgbench_accounts",
        "select sum(tbalance) from pgbench_tellers",
        "select sum(bbalance) from pgbench_branches",
        "select sum(delta) from pgbench_history",
    ];
    for sql in sums {
        let r = s.query(sql, &[]).unwrap();
        let mut text = String::new();
        r.rows[0].values()[0].write_text(&mut text);
        assert_eq!(text, total.to_string(), "{sql}");
    }
    assert_eq!(scalar(&mut s, "select count(*) from pgbench_history"), 100);
}
