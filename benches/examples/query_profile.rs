//! The joins benchmark's queries run in-process, without a socket, for a
//! profiler: loads `customers` and `orders` as `benches/joins-vs-postgres.sh`
//! does (same shapes and values), then runs each query `RUNS` times and
//! prints its average time per run and per input row.
//!
//! ```text
//! cargo build --release --workspace --examples
//! perf record -g $CARGO_TARGET_DIR/release/examples/query_profile [ORDERS] [RUNS] [QUERY]
//! ```
//!
//! ORDERS defaults to 1,000,000 (customers are a tenth of that); QUERY
//! picks one query by name (`scan`, `grouped_join`, `three_way_join`,
//! `exists`, `not_in`, `top_n_join`, `window`); without it every query
//! runs. The data directory is a temporary one, removed at the end.

use std::time::Instant;

use rocksgres_engine::Database;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut args = std::env::args().skip(1);
    let orders: i64 = args.next().map_or(Ok(1_000_000), |a| a.parse())?;
    let runs: u32 = args.next().map_or(Ok(3), |a| a.parse())?;
    let only = args.next();
    let customers = (orders / 10).max(1);
    let dir = tempfile::tempdir()?;
    let db = Database::open(dir.path())?;
    let mut s = db.session();
    let started = Instant::now();
    s.execute(
        "CREATE TABLE regions (id int PRIMARY KEY, name text NOT NULL)",
        &[],
    )?;
    s.execute(
        "CREATE TABLE customers (id int PRIMARY KEY, name text NOT NULL, region_id int NOT NULL)",
        &[],
    )?;
    s.execute(
        "CREATE TABLE orders (id int PRIMARY KEY, customer_id int NOT NULL, \
         amount numeric NOT NULL, status text NOT NULL)",
        &[],
    )?;
    s.execute(
        "CREATE INDEX orders_customer_id ON orders (customer_id)",
        &[],
    )?;
    s.execute(
        "INSERT INTO regions SELECT g, 'r' || g FROM generate_series(1, 10) g",
        &[],
    )?;
    let step = 100_000;
    let mut lo = 1;
    while lo <= customers {
        let hi = (lo + step - 1).min(customers);
        s.execute(
            &format!(
                "INSERT INTO customers SELECT g, 'c' || g, 1 + g % 10 \
                 FROM generate_series({lo}, {hi}) g"
            ),
            &[],
        )?;
        lo += step;
    }
    lo = 1;
    while lo <= orders {
        let hi = (lo + step - 1).min(orders);
        s.execute(
            &format!(
                "INSERT INTO orders SELECT g, 1 + (g::bigint * 7919) % {customers}, \
                 (g % 1000) + 0.25, (ARRAY['new', 'paid', 'shipped', 'returned'])[1 + g % 4] \
                 FROM generate_series({lo}, {hi}) g"
            ),
            &[],
        )?;
        lo += step;
    }
    eprintln!(
        "loaded {customers} customers, {orders} orders in {:.1} s",
        started.elapsed().as_secs_f64()
    );
    let queries = [
        ("scan", "SELECT count(*) FROM orders WHERE status = 'shipped'".to_string()),
        (
            "grouped_join",
            "SELECT c.region_id, count(*), sum(o.amount) FROM orders o JOIN customers c \
             ON c.id = o.customer_id WHERE o.status = 'shipped' GROUP BY c.region_id ORDER BY 1"
                .to_string(),
        ),
        (
            "three_way_join",
            "SELECT count(*), sum(o.amount) FROM orders o JOIN customers c ON c.id = o.customer_id \
             JOIN regions r ON r.id = c.region_id WHERE r.name = 'r3'"
                .to_string(),
        ),
        (
            "exists",
            "SELECT count(*) FROM customers c WHERE EXISTS \
             (SELECT 1 FROM orders o WHERE o.customer_id = c.id AND o.amount > 990)"
                .to_string(),
        ),
        (
            "not_in",
            "SELECT count(*) FROM customers c WHERE c.id NOT IN \
             (SELECT customer_id FROM orders WHERE amount > 990)"
                .to_string(),
        ),
        (
            "top_n_join",
            "SELECT o.id, c.name, o.amount FROM orders o JOIN customers c ON c.id = o.customer_id \
             ORDER BY o.amount DESC, o.id LIMIT 10"
                .to_string(),
        ),
        (
            "window",
            format!(
                "SELECT count(*), sum(rn) FROM (SELECT row_number() OVER \
                 (PARTITION BY customer_id ORDER BY amount DESC, id) AS rn FROM orders \
                 WHERE customer_id <= {}) s",
                customers / 10
            ),
        ),
    ];
    for (name, sql) in &queries {
        if only.as_deref().is_some_and(|o| o != *name) {
            continue;
        }
        let mut first = String::new();
        let t = Instant::now();
        for _ in 0..runs {
            let r = s.query(sql, &[])?;
            first = format!("{:?}", r.rows.first().map(|row| row.values().to_vec()));
        }
        let ms = t.elapsed().as_secs_f64() * 1000.0 / f64::from(runs);
        println!(
            "{name}: {ms:.1} ms per run, {:.2} us per order row; first row {first}",
            ms * 1000.0 / orders as f64
        );
    }
    Ok(())
}
