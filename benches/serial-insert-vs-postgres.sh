#!/usr/bin/env bash
# Inserts into a `serial` table from 16 clients, Rocksgres against
# PostgreSQL 15 in the same run (issue 13: sequences must not serialise
# inserting sessions):
#   * starts a throwaway PostgreSQL 15 and a Rocksgres server (see
#     benches/servers.sh) and creates `CREATE TABLE items (id serial
#     PRIMARY KEY, v text)` on both;
#   * runs `INSERT INTO items (v) VALUES ('x')` with pgbench, 16 clients,
#     -M simple and -M prepared, with durable commits and with
#     synchronous_commit off, alternating the two servers;
#   * checks afterwards that every id is distinct on both servers;
#   * prints rows/s per server and the ratio, and writes the table into
#     benches/README.md between `<!-- serial-insert-vs-postgres -->` markers.
#
# Usage: benches/serial-insert-vs-postgres.sh [SECONDS_PER_RUN] [CLIENTS]
#        (defaults: 15 s, 16 clients). Needs postgresql-15 and
#        postgresql-client-15 (scripts/test installs them).
set -euo pipefail
cd "$(dirname "$0")/.."
DURATION="${1:-15}"
CLIENTS="${2:-16}"
# shellcheck source=benches/servers.sh
source benches/servers.sh
bench_prepare initdb pg_ctl pgbench psql
init_servers

SCRIPT="$WORK/insert.sql"
echo "INSERT INTO items (v) VALUES ('x');" > "$SCRIPT"

TABLE="$WORK/table.md"
{
    echo "| durability | mode | clients | PostgreSQL rows/s | Rocksgres rows/s | ratio | PostgreSQL latency ms | Rocksgres latency ms |"
    echo "|---|---|---|---|---|---|---|---|"
} > "$TABLE"

for sync in on off; do
    start_postgres "$sync"
    start_rocksgres "$sync"
    label="durable (synchronous_commit=on)"
    [ "$sync" = off ] && label="synchronous_commit=off"
    for mode in simple prepared; do
        for port in "$PG_PORT" "$RG_PORT"; do
            sql "$port" "DROP TABLE IF EXISTS items; CREATE TABLE items (id serial PRIMARY KEY, v text)"
        done
        echo "$label: -M $mode -c $CLIENTS..." >&2
        args=(-M "$mode" -c "$CLIENTS" -j 2 -f "$SCRIPT")
        read -r pg_tps pg_lat < <(run "$PG_PORT" "${args[@]}")
        read -r rg_tps rg_lat < <(run "$RG_PORT" "${args[@]}")
        for port in "$PG_PORT" "$RG_PORT"; do
            dup="$(sql "$port" "SELECT count(*) - count(DISTINCT id) FROM items")"
            [ "$dup" = 0 ] || { echo "duplicate ids on port $port: $dup" >&2; exit 1; }
        done
        ratio="$(python3 -c "print(f'{float($rg_tps)/float($pg_tps):.2f}' if float($pg_tps) > 0 else 'n/a')")"
        printf '| %s | -M %s | %s | %.0f | %.0f | %s | %.2f | %.2f |\n' \
            "$label" "$mode" "$CLIENTS" "$pg_tps" "$rg_tps" "$ratio" "$pg_lat" "$rg_lat" >> "$TABLE"
    done
done

cat "$TABLE"
STAMP="Measured $(date -u +%Y-%m-%d) on $(nproc) cores ($(uname -m)), $DURATION s per run, one row per transaction, with \`benches/serial-insert-vs-postgres.sh $DURATION $CLIENTS\`; every id was checked distinct afterwards on both servers. Ratios come from the same run; absolute numbers on these shared machines are noisy."
write_readme_block serial-insert-vs-postgres "Inserting into a serial table: Rocksgres vs PostgreSQL 15" "$STAMP" "$TABLE"
