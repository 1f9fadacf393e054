# Shared by the server benchmarks (sourced, not run): a throwaway
# PostgreSQL 15 and a Rocksgres server on free loopback ports, each with its
# own data directory under $WORK (a temporary directory removed at exit),
# pgbench runs against either, and the README block a benchmark writes.
# The caller calls bench_prepare (PGBIN, the tools, the Rocksgres binary),
# sets DURATION, then calls init_servers.

# bench_prepare TOOL...: sets PGBIN (PostgreSQL 15's binaries unless set),
# TARGET (CARGO_TARGET_DIR, else the shared target directory) and ROCKSGRES
# (the release server binary there); fails naming the package when a TOOL
# is missing from PGBIN, and builds the workspace when the binary is.
bench_prepare() {
    PGBIN="${PGBIN:-/usr/lib/postgresql/15/bin}"
    TARGET="${CARGO_TARGET_DIR:-$HOME/.cache/rocksgres-target}"
    ROCKSGRES="$TARGET/release/rocksgres"
    local tool
    for tool in "$@"; do
        [ -x "$PGBIN/$tool" ] || { echo "missing $PGBIN/$tool: apt-get install -y postgresql-15 postgresql-client-15" >&2; exit 1; }
    done
    if [ ! -x "$ROCKSGRES" ]; then
        CARGO_TARGET_DIR="$TARGET" cargo build --release --workspace --all-targets
    fi
}

# sql PORT SQL -> the rows, unaligned, stopping at the first error.
sql() {
    "$PGBIN/psql" -X -q -h 127.0.0.1 -p "$1" -U postgres -d postgres -v ON_ERROR_STOP=1 -At -c "$2"
}

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

init_servers() { # creates $WORK/pg and $WORK/run, initdb, picks ports
    PG_PORT="$(free_port)"
    RG_PORT="$(free_port)"
    mkdir -p "$WORK/pg" "$WORK/run"
    if [ "$(id -u)" -eq 0 ]; then chown postgres "$WORK/pg" "$WORK/run"; fi
    as_pg "$PGBIN/initdb" -D "$WORK/pg" -A trust -U postgres --no-sync -E UTF8 --locale=C >/dev/null
}

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

# latency PORT FILE RUNS -> pgbench's average latency in ms over RUNS runs
# of the script FILE, one client.
latency() {
    "$PGBIN/pgbench" -h 127.0.0.1 -p "$1" -U postgres -n -t "$3" -f "$2" postgres 2>&1 |
        sed -n 's/^latency average = \([0-9.]*\) ms/\1/p'
}

# write_readme_block MARKER TITLE STAMP TABLE_FILE: puts STAMP and the
# table between <!-- MARKER --> and <!-- /MARKER --> in benches/README.md
# (or $BENCH_README), appending a section TITLE when the markers are new.
write_readme_block() {
    local marker="$1" title="$2" stamp="$3" table="$4"
    local readme="${BENCH_README:-benches/README.md}"
    local block="$WORK/block.md"
    { echo "<!-- $marker -->"; echo "$stamp"; echo; cat "$table"; echo "<!-- /$marker -->"; } > "$block"
    touch "$readme"
    if grep -q "<!-- $marker -->" "$readme"; then
        python3 - "$readme" "$block" "$marker" <<'PY'
import re, sys
readme, block, marker = sys.argv[1], open(sys.argv[2]).read(), sys.argv[3]
text = open(readme).read()
pattern = "<!-- " + re.escape(marker) + " -->.*?<!-- /" + re.escape(marker) + " -->\n?"
text = re.sub(pattern, lambda m: block, text, flags=re.S)
open(readme, "w").write(text)
PY
    else
        { echo; echo "## $title"; echo; cat "$block"; } >> "$readme"
    fi
    echo "table written to $readme" >&2
}
