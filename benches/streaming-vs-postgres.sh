#!/usr/bin/env bash
# Streaming results and bounded memory, Rocksgres against PostgreSQL 15 in
# one run (issue 14, section 3):
#   * starts a throwaway PostgreSQL 15 and a Rocksgres server on free
#     loopback ports (benches/servers.sh) and loads pgbench's tables at
#     SCALE (default 10: 1M accounts) into both;
#   * runs each query once per server with benches/first_row.py, a minimal
#     wire-protocol client that discards the rows and reports the time to
#     the first DataRow, the total time, and the resident memory of the
#     serving process before the query and at its highest while the query
#     ran (Rocksgres: the server; PostgreSQL: the connection's backend);
#   * writes the table into benches/README.md between
#     `<!-- streaming-vs-postgres -->` markers.
# The queries: every row of pgbench_accounts (section 3's `SELECT *`), the
# same through COPY TO STDOUT, all of them ordered by a column without an
# index (a sort larger than work_mem), and a self-join of the table on an
# expression (no index applies, so both servers hash-join with a build side
# far larger than work_mem) grouped to one row per branch, whose
# results must be equal on both servers.
#
# Usage: benches/streaming-vs-postgres.sh [SCALE]
#        (the issue's figure is SCALE=100, 10M rows: about 20 minutes of
#        loading on 2 cores).
set -euo pipefail
cd "$(dirname "$0")/.."
SCALE="${1:-10}"
DURATION=0
# shellcheck source=benches/servers.sh
source benches/servers.sh
bench_prepare initdb pg_ctl pgbench psql
init_servers
start_postgres on
start_rocksgres on

echo "loading pgbench scale $SCALE into both..." >&2
"$PGBIN/pgbench" -h 127.0.0.1 -p "$PG_PORT" -U postgres -i -q -s "$SCALE" postgres >/dev/null 2>&1
"$PGBIN/pgbench" -h 127.0.0.1 -p "$RG_PORT" -U postgres -i -q -s "$SCALE" postgres >/dev/null 2>&1

JOIN_Q="SELECT a.bid, count(*), sum(b.abalance), min(b.aid) FROM pgbench_accounts a JOIN pgbench_accounts b ON b.aid = a.aid + 0 GROUP BY a.bid ORDER BY a.bid"
NAMES=(select_all copy_to order_by_unindexed hash_join_spill)
QUERIES=(
    "SELECT * FROM pgbench_accounts"
    "COPY pgbench_accounts TO STDOUT"
    "SELECT * FROM pgbench_accounts ORDER BY bid DESC, abalance, aid DESC"
    "$JOIN_Q"
)

pg_join="$(sql "$PG_PORT" "$JOIN_Q")"
rg_join="$(sql "$RG_PORT" "$JOIN_Q")"
if [ "$pg_join" != "$rg_join" ]; then
    echo "hash_join_spill: results differ" >&2
    diff <(echo "$pg_join") <(echo "$rg_join") >&2 || true
    exit 1
fi
echo "hash_join_spill: both servers return the same $(echo "$pg_join" | wc -l) rows" >&2

field() { # LINE KEY -> value
    echo "$1" | tr ' ' '\n' | sed -n "s/^$2=//p"
}

TABLE="$WORK/table.md"
{
    echo "| query | PG first row ms | RG first row ms | PG total ms | RG total ms | ratio | PG backend RSS growth MB | RG server RSS growth MB | RG idle RSS MB |"
    echo "|---|---|---|---|---|---|---|---|---|"
} > "$TABLE"
for i in "${!NAMES[@]}"; do
    name="${NAMES[$i]}"; q="${QUERIES[$i]}"
    pg="$(python3 benches/first_row.py "$PG_PORT" "$q")"
    rg="$(python3 benches/first_row.py "$RG_PORT" "$q" "$RG_PID" 2>&1)" || true
    echo "$name: PostgreSQL $pg" >&2
    echo "$name: Rocksgres  $rg" >&2
    if [ -z "$(field "$rg" total_ms)" ]; then
        echo "| $name | failed: $rg | | | | | | | |" >> "$TABLE"
        continue
    fi
    python3 - "$name" "$pg" "$rg" >> "$TABLE" <<'EOF'
import sys
name, pg, rg = sys.argv[1], dict(kv.split("=") for kv in sys.argv[2].split()), dict(kv.split("=") for kv in sys.argv[3].split())
mb = lambda d: (int(d["peak_kb"]) - int(d["idle_kb"])) / 1024
ratio = float(rg["total_ms"]) / float(pg["total_ms"])
print(f"| {name} | {pg['first_row_ms']} | {rg['first_row_ms']} | {pg['total_ms']} | {rg['total_ms']} | {ratio:.1f} "
      f"| {mb(pg):.0f} | {mb(rg):.0f} | {int(rg['idle_kb']) / 1024:.0f} |")
EOF
done
cat "$TABLE"
STAMP="$(date -u +%Y-%m-%d), $(nproc) cores, pgbench scale $SCALE ($((SCALE * 100000)) accounts): \`benches/streaming-vs-postgres.sh $SCALE\`"
write_readme_block streaming-vs-postgres "Streaming results and memory against PostgreSQL" "$STAMP" "$TABLE"
