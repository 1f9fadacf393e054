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
PGBIN="${PGBIN:-/usr/lib/postgresql/15/bin}"
TARGET="${CARGO_TARGET_DIR:-$HOME/.cache/rocksgres-target}"
ROCKSGRES="$TARGET/release/rocksgres"

for tool in initdb pg_ctl pgbench; do
    [ -x "$PGBIN/$tool" ] || { echo "missing $PGBIN/$tool: apt-get install -y postgresql-15 postgresql-client-15" >&2; exit 1; }
done
if [ ! -x "$ROCKSGRES" ]; then
    CARGO_TARGET_DIR="$TARGET" cargo build --release --workspace --all-targets
fi

free_port() {
    python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()'
}

WORK="$(mktemp -d /tmp/rocksgres-bench.XXXXXX)"
chmod 755 "$WORK"
PG_PID=""; RG_PID=""
cleanup() {
    [ -n "$RG_PID" ] && kill "$RG_PID" 2>/dev/null || true
    if [ -n "$PG_PID" ]; then
        as_pg "$PGBIN/pg_ctl" -D "$WORK/pg" -m immediate stop >/dev/null 2>&1 || true
    fi
    rm -rf "$WORK"
}
trap cleanup EXIT

as_pg() {
    if [ "$(id -u)" -eq 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi
}

start_postgres() { # $1 = synchronous_commit
    if [ -n "$PG_PID" ]; then
        as_pg "$PGBIN/pg_ctl" -D "$WORK/pg" -m fast stop >/dev/null
    fi
    as_pg "$PGBIN/pg_ctl" -D "$WORK/pg" -w -l "$WORK/run/pg.log" \
        -o "-p $PG_PORT -k $WORK/run -c listen_addresses=127.0.0.1 -c fsync=on -c synchronous_commit=$1 -c max_connections=100 -c shared_buffers=256MB" \
        start >/dev/null
    PG_PID=1
}

start_rocksgres() { # $1 = synchronous_commit
    if [ -n "$RG_PID" ]; then
        kill "$RG_PID"; wait "$RG_PID" 2>/dev/null || true
    fi
    "$ROCKSGRES" --data-dir "$WORK/rg" --listen "127.0.0.1:$RG_PORT" -c "synchronous_commit=$1" \
        > "$WORK/rg.out" 2> "$WORK/rg.log" &
    RG_PID=$!
    for _ in $(seq 1 100); do
        grep -q listening "$WORK/rg.out" 2>/dev/null && return 0
        sleep 0.1
    done
    echo "rocksgres did not start:" >&2; cat "$WORK/rg.log" >&2; exit 1
}

PG_PORT="$(free_port)"
RG_PORT="$(free_port)"
mkdir -p "$WORK/pg" "$WORK/run"
if [ "$(id -u)" -eq 0 ]; then chown postgres "$WORK/pg" "$WORK/run"; fi
as_pg "$PGBIN/initdb" -D "$WORK/pg" -A trust -U postgres --no-sync -E UTF8 --locale=C >/dev/null

start_postgres on
start_rocksgres on
echo "initialising both at scale $SCALE..." >&2
"$PGBIN/pgbench" -h 127.0.0.1 -p "$PG_PORT" -U postgres -i -s "$SCALE" -q postgres >/dev/null 2>&1
"$PGBIN/pgbench" -h 127.0.0.1 -p "$RG_PORT" -U postgres -i -s "$SCALE" -q postgres >/dev/null 2>&1

# run PORT ARGS... -> "tps latency_ms"
run() {
    local port="$1"; shift
    local out
    out="$("$PGBIN/pgbench" -h 127.0.0.1 -p "$port" -U postgres -n -T "$DURATION" "$@" postgres 2>&1)" || {
        echo "pgbench $* failed on port $port:" >&2; echo "$out" >&2; echo "0 0"; return; }
    local tps lat
    tps="$(echo "$out" | sed -n 's/^tps = \([0-9.]*\).*/\1/p' | head -1)"
    lat="$(echo "$out" | sed -n 's/^latency average = \([0-9.]*\) ms/\1/p' | head -1)"
    echo "${tps:-0} ${lat:-0}"
}

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

README="${BENCH_README:-benches/README.md}"
STAMP="Measured $(date -u +%Y-%m-%d) on $(nproc) cores ($(uname -m)), pgbench scale $SCALE, $DURATION s per run, with \`benches/pgbench-vs-postgres.sh $DURATION $SCALE\`. Ratios come from the same run; absolute numbers on these shared machines are noisy."
BLOCK="$WORK/block.md"
{ echo "<!-- pgbench-vs-postgres -->"; echo "$STAMP"; echo; cat "$TABLE"; echo "<!-- /pgbench-vs-postgres -->"; } > "$BLOCK"
touch "$README"
if grep -q '<!-- pgbench-vs-postgres -->' "$README"; then
    python3 - "$README" "$BLOCK" <<'PY'
import re, sys
readme, block = sys.argv[1], open(sys.argv[2]).read()
text = open(readme).read()
text = re.sub(r"<!-- pgbench-vs-postgres -->.*?<!-- /pgbench-vs-postgres -->\n?", lambda m: block, text, flags=re.S)
open(readme, "w").write(text)
PY
else
    { echo; echo "## pgbench: Rocksgres vs PostgreSQL 15"; echo; cat "$BLOCK"; } >> "$README"
fi
echo "table written to $README" >&2
