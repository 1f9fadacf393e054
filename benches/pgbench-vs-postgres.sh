#!/usr/bin/env bash
# Compares Rocksgres with PostgreSQL 15 on this machine, in one run:
#   * starts a throwaway PostgreSQL 15 (Debian package) and a Rocksgres
#     server on free loopback ports, each with its own temporary data dir;
#   * initialises both with `pgbench -i -s SCALE`;
#   * runs, alternating the two servers: TPC-B with 1, 4 and 16 clients in
#     -M simple and -M prepared, and select-only (-S -M prepared) with 4
#     clients -- once with durable commits on both (fsync on,
#     synchronous_commit on) and once with synchronous_commit off on both;
#   * prints a table of TPS and average latency per server and the ratio
#     Rocksgres/PostgreSQL, and writes it into benches/README.md between the
#     markers `<!-- pgbench-vs-postgres -->` and `<!-- /pgbench-vs-postgres -->`.
#
# Usage: benches/pgbench-vs-postgres.sh [SECONDS_PER_RUN] [SCALE]
#        (defaults: 20 s, scale 10). Needs postgresql-15 and
#        postgresql-client-15 (scripts/test installs them) and a built
#        release binary (it builds one if missing).
set -euo pipefail
cd "$(dirname "$0")/.."
DURATION="${1:-20}"
SCALE="${2:-10}"
# shellcheck source=benches/servers.sh
source benches/servers.sh
bench_prepare initdb pg_ctl pgbench
init_servers

start_postgres on
start_rocksgres on
echo "initialising both at scale $SCALE..." >&2
"$PGBIN/pgbench" -h 127.0.0.1 -p "$PG_PORT" -U postgres -i -s "$SCALE" -q postgres >/dev/null 2>&1
"$PGBIN/pgbench" -h 127.0.0.1 -p "$RG_PORT" -U postgres -i -s "$SCALE" -q postgres >/dev/null 2>&1

TABLE="$WORK/table.md"
{
    echo "| durability | workload | clients | PostgreSQL TPS | Rocksgres TPS | ratio | PostgreSQL latency ms | Rocksgres latency ms |"
    echo "|---|---|---|---|---|---|---|---|"
} > "$TABLE"

for sync in on off; do
    start_postgres "$sync"
    start_rocksgres "$sync"
    label="durable (synchronous_commit=on)"
    [ "$sync" = off ] && label="synchronous_commit=off"
    for spec in "tpcb simple 1" "tpcb simple 4" "tpcb simple 16" \
                "tpcb prepared 1" "tpcb prepared 4" "tpcb prepared 16" \
                "select-only prepared 4"; do
        set -- $spec
        workload="$1"; mode="$2"; clients="$3"
        args=(-M "$mode" -c "$clients" -j "$(( clients < 2 ? 1 : 2 ))")
        [ "$workload" = select-only ] && args+=(-S)
        echo "$label: $workload -M $mode -c $clients..." >&2
        read -r pg_tps pg_lat < <(run "$PG_PORT" "${args[@]}")
        read -r rg_tps rg_lat < <(run "$RG_PORT" "${args[@]}")
        ratio="$(python3 -c "print(f'{float($rg_tps)/float($pg_tps):.2f}' if float($pg_tps) > 0 else 'n/a')")"
        printf '| %s | %s -M %s | %s | %.0f | %.0f | %s | %.2f | %.2f |\n' \
            "$label" "$workload" "$mode" "$clients" "$pg_tps" "$rg_tps" "$ratio" "$pg_lat" "$rg_lat" >> "$TABLE"
    done
done

cat "$TABLE"

STAMP="Measured $(date -u +%Y-%m-%d) on $(nproc) cores ($(uname -m)), pgbench scale $SCALE, $DURATION s per run, with \`benches/pgbench-vs-postgres.sh $DURATION $SCALE\`. Ratios come from the same run; absolute numbers on these shared machines are noisy."
write_readme_block pgbench-vs-postgres "pgbench: Rocksgres vs PostgreSQL 15" "$STAMP" "$TABLE"
