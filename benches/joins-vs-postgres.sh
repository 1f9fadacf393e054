#!/usr/bin/env bash
# Join and subquery queries, Rocksgres against PostgreSQL 15 in one run
# (issue 14, section 2):
#   * starts a throwaway PostgreSQL 15 and a Rocksgres server on free
#     loopback ports (benches/servers.sh);
#   * loads the same data into both: regions (10 rows), customers
#     (CUSTOMERS rows, default 100,000) and orders (ORDERS rows, default
#     1,000,000, with an index on its customer key), then ANALYZE;
#   * runs each query with pgbench (`-n -t RUNS`, one client), alternating
#     the servers, checks both servers return the same result, and prints
#     the average latency per server and the ratio Rocksgres/PostgreSQL;
#   * writes the table and the plans Rocksgres chose into benches/README.md
#     between `<!-- joins-vs-postgres -->` markers.
#
# Usage: benches/joins-vs-postgres.sh [RUNS] [CUSTOMERS] [ORDERS]
#        (defaults: 3 runs, 100000, 1000000).
set -euo pipefail
cd "$(dirname "$0")/.."
RUNS="${1:-3}"
CUSTOMERS="${2:-100000}"
ORDERS="${3:-1000000}"
DURATION=0
# shellcheck source=benches/servers.sh
source benches/servers.sh
bench_prepare initdb pg_ctl pgbench psql
init_servers
start_postgres on
start_rocksgres on

load() { # PORT
    local port="$1" step=100000 lo
    sql "$port" "CREATE TABLE regions (id int PRIMARY KEY, name text NOT NULL)"
    sql "$port" "CREATE TABLE customers (id int PRIMARY KEY, name text NOT NULL, region_id int NOT NULL)"
    sql "$port" "CREATE TABLE orders (id int PRIMARY KEY, customer_id int NOT NULL, amount numeric NOT NULL, status text NOT NULL)"
    sql "$port" "CREATE INDEX orders_customer_id ON orders (customer_id)"
    sql "$port" "INSERT INTO regions SELECT g, 'r' || g FROM generate_series(1, 10) g"
    for ((lo = 1; lo <= CUSTOMERS; lo += step)); do
        sql "$port" "INSERT INTO customers SELECT g, 'c' || g, 1 + g % 10 FROM generate_series($lo, least($lo + $step - 1, $CUSTOMERS)) g"
    done
    for ((lo = 1; lo <= ORDERS; lo += step)); do
        sql "$port" "INSERT INTO orders SELECT g, 1 + (g::bigint * 7919) % $CUSTOMERS, (g % 1000) + 0.25,
            (ARRAY['new', 'paid', 'shipped', 'returned'])[1 + g % 4]
            FROM generate_series($lo, least($lo + $step - 1, $ORDERS)) g"
    done
    sql "$port" "ANALYZE"
}

echo "loading $CUSTOMERS customers and $ORDERS orders into both..." >&2
load "$PG_PORT"
load "$RG_PORT"

NAMES=(grouped_join three_way_join exists not_in top_n_join window)
QUERIES=(
    "SELECT c.region_id, count(*), sum(o.amount) FROM orders o JOIN customers c ON c.id = o.customer_id WHERE o.status = 'shipped' GROUP BY c.region_id ORDER BY 1"
    "SELECT count(*), sum(o.amount) FROM orders o JOIN customers c ON c.id = o.customer_id JOIN regions r ON r.id = c.region_id WHERE r.name = 'r3'"
    "SELECT count(*) FROM customers c WHERE EXISTS (SELECT 1 FROM orders o WHERE o.customer_id = c.id AND o.amount > 990)"
    "SELECT count(*) FROM customers c WHERE c.id NOT IN (SELECT customer_id FROM orders WHERE amount > 990)"
    "SELECT o.id, c.name, o.amount FROM orders o JOIN customers c ON c.id = o.customer_id ORDER BY o.amount DESC, o.id LIMIT 10"
    "SELECT count(*), sum(rn) FROM (SELECT row_number() OVER (PARTITION BY customer_id ORDER BY amount DESC, id) AS rn FROM orders WHERE customer_id <= $((CUSTOMERS / 10))) s"
)

TABLE="$WORK/table.md"
PLANS="$WORK/plans.md"
{
    echo "| query | PostgreSQL ms | Rocksgres ms | ratio |"
    echo "|---|---|---|---|"
} > "$TABLE"
: > "$PLANS"
for i in "${!NAMES[@]}"; do
    name="${NAMES[$i]}"; q="${QUERIES[$i]}"
    pg_out="$(sql "$PG_PORT" "$q")"
    rg_out="$(sql "$RG_PORT" "$q" 2>&1)" || true
    if [ "$pg_out" != "$rg_out" ]; then
        echo "$name: results differ" >&2
        echo "PostgreSQL: $pg_out" >&2
        echo "Rocksgres:  $rg_out" >&2
        echo "| $name | results differ | | |" >> "$TABLE"
        continue
    fi
    echo "$q;" > "$WORK/q.sql"
    pg_ms="$(latency "$PG_PORT" "$WORK/q.sql" "$RUNS")"
    rg_ms="$(latency "$RG_PORT" "$WORK/q.sql" "$RUNS")"
    ratio="$(python3 -c "print(f'{$rg_ms / $pg_ms:.1f}')")"
    echo "$name: PostgreSQL $pg_ms ms, Rocksgres $rg_ms ms, ratio $ratio" >&2
    echo "| $name | $pg_ms | $rg_ms | $ratio |" >> "$TABLE"
    {
        echo "* \`$name\`: \`$q\`"
        echo
        echo '  ```'
        sql "$RG_PORT" "EXPLAIN $q" | sed 's/^/  /'
        echo '  ```'
    } >> "$PLANS"
done
{ echo; echo "Plans Rocksgres chose:"; echo; cat "$PLANS"; } >> "$TABLE"
cat "$TABLE"
STAMP="$(date -u +%Y-%m-%d), $(nproc) cores, $CUSTOMERS customers, $ORDERS orders, $RUNS runs per query: \`benches/joins-vs-postgres.sh $RUNS $CUSTOMERS $ORDERS\`"
write_readme_block joins-vs-postgres "Joins and subqueries against PostgreSQL" "$STAMP" "$TABLE"
