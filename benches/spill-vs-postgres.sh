#!/usr/bin/env bash
# ORDER BY past work_mem, Rocksgres against PostgreSQL 15 (issue 14,
# section 3, "spill"):
#   * starts a throwaway PostgreSQL 15 and a Rocksgres server on free
#     loopback ports (benches/servers.sh);
#   * loads ROWS rows (default 2,000,000) into a table without an index
#     on the sort column;
#   * sorts them all (`ORDER BY v, s OFFSET ROWS-10`: a full sort, ten
#     rows sent) with work_mem = 4MB, so both sort externally, and once
#     with work_mem = 1GB on Rocksgres (in memory) for the memory
#     comparison; checks both servers agree, prints the average latency
#     (pgbench, RUNS runs), the ratio Rocksgres/PostgreSQL, and the
#     Rocksgres server's peak RSS (/proc/PID/status VmHWM) after loading
#     and after each sort;
#   * writes the table into benches/README.md between
#     `<!-- spill-vs-postgres -->` markers.
#
# Usage: benches/spill-vs-postgres.sh [RUNS] [ROWS] (defaults: 3, 2000000).
set -euo pipefail
cd "$(dirname "$0")/.."
RUNS="${1:-3}"
ROWS="${2:-2000000}"
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
    sql "$port" "CREATE TABLE t (id int PRIMARY KEY, v int NOT NULL, s text NOT NULL)"
    for ((lo = 1; lo <= ROWS; lo += step)); do
        sql "$port" "INSERT INTO t SELECT g, (g::bigint * 7919) % 1000003, 'row ' || g
            FROM generate_series($lo, least($lo + $step - 1, $ROWS)) g"
    done
    sql "$port" "ANALYZE t"
}

echo "loading $ROWS rows into both..." >&2
load "$PG_PORT"
load "$RG_PORT"
LOADED_MB="$(hwm_mb)"

Q="SELECT * FROM t ORDER BY v, s OFFSET $((ROWS - 10))"
lat() { # PORT WORK_MEM -> average latency ms
    printf "SET work_mem = '%s';\n%s;\n" "$2" "$Q" > "$WORK/q.sql"
    latency "$1" "$WORK/q.sql" "$RUNS"
}
pg_out="$(sql "$PG_PORT" "SET work_mem = '4MB'; $Q")"
rg_out="$(sql "$RG_PORT" "SET work_mem = '4MB'; $Q")"
if [ "$pg_out" != "$rg_out" ]; then
    echo "results differ" >&2; echo "PostgreSQL: $pg_out" >&2; echo "Rocksgres:  $rg_out" >&2; exit 1
fi
pg_ms="$(lat "$PG_PORT" 4MB)"
rg_ms="$(lat "$RG_PORT" 4MB)"
SPILL_MB="$(hwm_mb)"
rg_mem_ms="$(lat "$RG_PORT" 1GB)"
MEM_MB="$(hwm_mb)"
ratio="$(python3 -c "print(f'{$rg_ms / $pg_ms:.1f}')")"
mem_ratio="$(python3 -c "print(f'{$rg_mem_ms / $pg_ms:.1f}')")"

TABLE="$WORK/table.md"
{
    echo "| sort of $ROWS rows | PostgreSQL ms | Rocksgres ms | ratio | Rocksgres peak RSS (VmHWM) |"
    echo "|---|---|---|---|---|"
    echo "| after loading | | | | $LOADED_MB MB |"
    echo "| work_mem = 4MB (external sort) | $pg_ms | $rg_ms | $ratio | $SPILL_MB MB |"
    echo "| work_mem = 1GB (Rocksgres in memory) | $pg_ms (4MB) | $rg_mem_ms | $mem_ratio | $MEM_MB MB |"
    echo
    echo "Query: \`$Q\`"
} > "$TABLE"
cat "$TABLE"
STAMP="$(date -u +%Y-%m-%d), $(nproc) cores, $ROWS rows, $RUNS runs: \`benches/spill-vs-postgres.sh $RUNS $ROWS\`"
write_readme_block spill-vs-postgres "ORDER BY past work_mem against PostgreSQL" "$STAMP" "$TABLE"
