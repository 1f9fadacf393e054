#!/usr/bin/env bash
# Merge join of two large tables on their primary keys, Rocksgres against
# PostgreSQL 15 (issue 14, section 2, "merge join over ordered inputs"):
#   * starts a throwaway PostgreSQL 15 and a Rocksgres server on free
#     loopback ports (benches/servers.sh);
#   * loads mj_a (ROWS rows, primary key id) and mj_b (2 x ROWS rows,
#     primary key (a_id, n): two rows per id of mj_a), then ANALYZE;
#   * runs the join on the keys (`b.a_id = a.id`: Rocksgres merges both
#     primary indexes in key order) and the same join written so that no
#     key order serves it (`b.a_id + 0 = a.id`: a hash join on both
#     servers, past work_mem = 4MB so it goes to batches), checks both
#     servers agree, prints the average latency (pgbench, RUNS runs), the
#     ratio Rocksgres/PostgreSQL and the Rocksgres server's peak RSS
#     (/proc/PID/status VmHWM) after loading and after each join (the
#     merge runs first: the peak only grows);
#   * writes the table and both servers' plans into benches/README.md
#     between `<!-- merge-join-vs-postgres -->` markers.
#
# Usage: benches/merge-join-vs-postgres.sh [RUNS] [ROWS] (defaults: 3, 1000000).
set -euo pipefail
cd "$(dirname "$0")/.."
RUNS="${1:-3}"
ROWS="${2:-1000000}"
DURATION=0
# shellcheck source=benches/servers.sh
source benches/servers.sh
bench_prepare initdb pg_ctl pgbench psql
init_servers
start_postgres on
start_rocksgres on

hwm_mb() { # peak RSS of the Rocksgres server, MB
    awk '/VmHWM/ { printf "%.0f", $2 / 1024 }' "/proc/$RG_PID/status"
}

load() { # PORT
    local port="$1" step=250000 lo
    sql "$port" "CREATE TABLE mj_a (id int PRIMARY KEY, x int NOT NULL, t text NOT NULL)"
    sql "$port" "CREATE TABLE mj_b (a_id int, n int, v int NOT NULL, PRIMARY KEY (a_id, n))"
    for ((lo = 1; lo <= ROWS; lo += step)); do
        sql "$port" "INSERT INTO mj_a SELECT g, g % 1000, 'row ' || g
            FROM generate_series($lo, least($lo + $step - 1, $ROWS)) g"
        sql "$port" "INSERT INTO mj_b SELECT g, k, (g * 31 + k) % 777
            FROM generate_series($lo, least($lo + $step - 1, $ROWS)) g, (VALUES (0), (1)) AS k(k)"
    done
    sql "$port" "ANALYZE mj_a"
    sql "$port" "ANALYZE mj_b"
}

echo "loading $ROWS + $((2 * ROWS)) rows into both..." >&2
load "$PG_PORT"
load "$RG_PORT"
LOADED_MB="$(hwm_mb)"

NAMES=(merge hash)
QUERIES=(
    "SELECT count(*), sum(b.v), sum(a.x) FROM mj_a a JOIN mj_b b ON b.a_id = a.id"
    "SELECT count(*), sum(b.v), sum(a.x) FROM mj_a a JOIN mj_b b ON b.a_id + 0 = a.id"
)
TABLE="$WORK/table.md"
PLANS="$WORK/plans.md"
{
    echo "| join | PostgreSQL ms | Rocksgres ms | ratio | Rocksgres peak RSS (VmHWM) |"
    echo "|---|---|---|---|---|"
    echo "| after loading | | | | $LOADED_MB MB |"
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
        exit 1
    fi
    echo "$q;" > "$WORK/q.sql"
    pg_ms="$(latency "$PG_PORT" "$WORK/q.sql" "$RUNS")"
    rg_ms="$(latency "$RG_PORT" "$WORK/q.sql" "$RUNS")"
    ratio="$(python3 -c "print(f'{$rg_ms / $pg_ms:.1f}')")"
    echo "$name: PostgreSQL $pg_ms ms, Rocksgres $rg_ms ms, ratio $ratio, peak RSS $(hwm_mb) MB" >&2
    echo "| $name: \`$q\` | $pg_ms | $rg_ms | $ratio | $(hwm_mb) MB |" >> "$TABLE"
    {
        echo "* \`$name\`, PostgreSQL:"
        echo
        echo '  ```'
        sql "$PG_PORT" "EXPLAIN (COSTS OFF) $q" | sed 's/^/  /'
        echo '  ```'
        echo "* \`$name\`, Rocksgres:"
        echo
        echo '  ```'
        sql "$RG_PORT" "EXPLAIN $q" | sed 's/^/  /'
        echo '  ```'
    } >> "$PLANS"
done
{ echo; echo "Plans:"; echo; cat "$PLANS"; } >> "$TABLE"
cat "$TABLE"
STAMP="$(date -u +%Y-%m-%d), $(nproc) cores, $ROWS + $((2 * ROWS)) rows, $RUNS runs: \`benches/merge-join-vs-postgres.sh $RUNS $ROWS\`"
write_readme_block merge-join-vs-postgres "Merge join against PostgreSQL" "$STAMP" "$TABLE"
