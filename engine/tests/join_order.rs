//! Join order by cost (`plan/join_order.rs`), seen in EXPLAIN: a run of
//! inner joins over analyzed tables joins the small, filtered table first
//! (PostgreSQL's plan of the joins benchmark's three-way join); without
//! statistics the written order stays; outer joins keep their place; the
//! columns stay in the query's order. Also `x IN (SELECT ...)` as a hash
//! semi join, and VACUUM ANALYZE gathering statistics.
//!
//! The detail lines of EXPLAIN (conditions, filters) are left out of the
//! comparisons: only the plan's shape is checked here.

mod common;

use common::{err, q, run};
use rocksgres_engine::Database;

/// The plan's node lines (no detail lines).
fn shape<S: rocksgres_storage::Store>(
    s: &mut rocksgres_engine::Session<S>,
    sql: &str,
) -> Vec<String> {
    q(s, &format!("EXPLAIN (COSTS OFF) {sql}"))
        .into_iter()
        .map(|r| r[0].clone())
        .filter(|l| !l.contains(':'))
        .collect()
}

const SETUP: &str = "CREATE TABLE regions (id int PRIMARY KEY, name text NOT NULL); \
     CREATE TABLE customers (id int PRIMARY KEY, name text NOT NULL, region_id int NOT NULL); \
     CREATE TABLE orders (id int PRIMARY KEY, customer_id int NOT NULL, amount numeric NOT NULL, status text NOT NULL); \
     INSERT INTO regions SELECT g, 'r' || g FROM generate_series(1, 10) g; \
     INSERT INTO customers SELECT g, 'c' || g, 1 + g % 10 FROM generate_series(1, 200) g; \
     INSERT INTO orders SELECT g, 1 + (g * 7919) % 200, (g % 100) + 0.25, \
        (ARRAY['new', 'paid', 'shipped', 'returned'])[1 + g % 4] FROM generate_series(1, 2000) g";

const THREE_WAY: &str = "SELECT count(*), sum(o.amount) FROM orders o \
     JOIN customers c ON c.id = o.customer_id JOIN regions r ON r.id = c.region_id \
     WHERE r.name = 'r3'";

#[test]
fn the_small_table_is_joined_first() {
    let db = Database::open_in_memory();
    let mut s = db.session();
    run(&mut s, SETUP);
    // Without statistics: as written.
    let written = [
        "Aggregate",
        "  ->  Hash Join",
        "        ->  Hash Join",
        "              ->  Seq Scan on orders o",
        "              ->  Hash",
        "                    ->  Seq Scan on customers c",
        "        ->  Hash",
        "              ->  Seq Scan on regions r",
    ];
    assert_eq!(shape(&mut s, THREE_WAY), written);
    let result = q(&mut s, THREE_WAY);
    assert_eq!(result, [["200", "10850.00"]]);
    // One table without statistics: still as written.
    run(&mut s, "ANALYZE regions; ANALYZE customers");
    assert_eq!(shape(&mut s, THREE_WAY), written);
    run(&mut s, "ANALYZE orders");
    // PostgreSQL 15's plan.
    let chosen = [
        "Aggregate",
        "  ->  Hash Join",
        "        ->  Seq Scan on orders o",
        "        ->  Hash",
        "              ->  Hash Join",
        "                    ->  Seq Scan on customers c",
        "                    ->  Hash",
        "                          ->  Seq Scan on regions r",
    ];
    assert_eq!(shape(&mut s, THREE_WAY), chosen);
    assert_eq!(q(&mut s, THREE_WAY), result);
    // Written the other way round, as a comma join: the same plan.
    let comma = "SELECT count(*), sum(o.amount) FROM regions r, customers c, orders o \
                 WHERE r.id = c.region_id AND c.id = o.customer_id AND r.name = 'r3'";
    assert_eq!(shape(&mut s, comma), chosen);
    assert_eq!(q(&mut s, comma), result);
    // Columns in the query's order.
    assert_eq!(
        q(
            &mut s,
            "SELECT * FROM orders o JOIN customers c ON c.id = o.customer_id \
             JOIN regions r ON r.id = c.region_id WHERE r.name = 'r7' AND o.id < 20 ORDER BY o.id"
        ),
        [
            ["5", "196", "5.25", "paid", "196", "c196", "7", "7", "r7"],
            ["15", "186", "15.25", "returned", "186", "c186", "7", "7", "r7"]
        ]
    );
    // A LEFT join above the run keeps its place; the run below it (two
    // relations) keeps the build side rule.
    let left = shape(
        &mut s,
        "SELECT count(*) FROM orders o JOIN customers c ON c.id = o.customer_id \
         LEFT JOIN regions r ON r.id = c.region_id",
    );
    assert_eq!(left[1], "  ->  Hash Left Join");
}

#[test]
fn in_subquery_is_a_semi_join() {
    let db = Database::open_in_memory();
    let mut s = db.session();
    run(&mut s, SETUP);
    let sql = "SELECT count(*) FROM customers WHERE id IN (SELECT customer_id FROM orders WHERE amount > 98)";
    assert_eq!(
        shape(&mut s, sql),
        [
            "Aggregate",
            "  ->  Hash Semi Join",
            "        ->  Seq Scan on customers",
            "        ->  Hash",
            "              ->  Seq Scan on orders",
        ]
    );
    assert_eq!(q(&mut s, sql), [["4"]]);
    // NOT IN stays a subquery.
    let not_in = shape(
        &mut s,
        "SELECT count(*) FROM customers WHERE id NOT IN (SELECT customer_id FROM orders)",
    );
    assert!(!not_in.iter().any(|l| l.contains("Join")), "{not_in:?}");
}

#[test]
fn vacuum_analyze_gathers_statistics() {
    let db = Database::open_in_memory();
    let mut s = db.session();
    run(&mut s, SETUP);
    run(&mut s, "VACUUM");
    assert_eq!(
        q(
            &mut s,
            "SELECT reltuples FROM pg_class WHERE relname = 'orders'"
        ),
        [["-1"]]
    );
    run(&mut s, "VACUUM ANALYZE");
    assert_eq!(
        q(
            &mut s,
            "SELECT reltuples FROM pg_class WHERE relname = 'orders'"
        ),
        [["2000"]]
    );
    // Statistics make the planner choose.
    assert_eq!(
        shape(&mut s, THREE_WAY)[2],
        "        ->  Seq Scan on orders o"
    );
    let r = s.query("VACUUM (VERBOSE, ANALYZE) regions", &[]).unwrap();
    assert_eq!(r.tag.to_string(), "VACUUM");
    assert_eq!(r.notices[0], "analyzing \"public.regions\"");
    let r = s.query("VACUUM regions_nosuch_view", &[]);
    assert!(r.is_err());
    run(&mut s, "CREATE VIEW v AS SELECT * FROM regions");
    let r = s.query("VACUUM v", &[]).unwrap();
    assert_eq!(
        r.notices,
        ["skipping \"v\" --- cannot vacuum non-tables or special system tables"]
    );
    run(&mut s, "BEGIN");
    assert_eq!(err(&mut s, "VACUUM ANALYZE regions").code(), "25001");
    run(&mut s, "ROLLBACK");
    let r = s.simple_query("VACUUM ANALYZE regions; SELECT 1");
    assert_eq!(r.len(), 1);
    assert_eq!(r[0].as_ref().unwrap_err().code(), "25001");
    assert_eq!(err(&mut s, "VACUUM FULL regions").code(), "0A000");
}
