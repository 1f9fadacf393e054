#!/usr/bin/env bash
# UPDATE ... FROM, DELETE ... USING and MERGE, Rocksgres against
# PostgreSQL 15 in one run (issue 14, sections 1 and 2: the join of a DML
# statement planned as a join):
#   * starts a throwaway PostgreSQL 15 and a Rocksgres server on free
#     loopback ports (benches/servers.sh);
#   * loads the same data into both: a target `pt` (TARGET rows, default
#     200,000) and a source `ps` (SOURCE rows, default 20,000), joined on
#     a column that is no key of either, then ANALYZE;
#   * runs each statement with pgbench (`-n -t RUNS`, one client) inside
#     `BEGIN ... ROLLBACK`, so every run changes the same rows; checks
#     both servers report the same count, and prints the average latency
#     per server and the ratio Rocksgres/PostgreSQL;
#   * writes the table and the plans Rocksgres chose into
#     benches/README.md between `<!-- update-from-vs-postgres -->` markers.
#
# Usage: benches/update-from-vs-postgres.sh [RUNS] [TARGET] [SOURCE]
#        (defaults: 3 runs, 200000, 20000). With WORK_MEM set (e.g.
#        WORK_MEM=256kB) every statement runs under that work_mem on both
#        servers, so the FROM/source rows pass the hash table's memory and
#        the joins go to batches; the table then goes to the
#        `update-from-batches` block of the README.
set -euo pipefail
cd "$(dirname "$0")/.."
RUNS="${1:-3}"
TARGET_ROWS="${2:-200000}"
SOURCE_ROWS="${3:-20000}"
DURATION=0
# shellcheck source=benches/servers.sh
source benches/servers.sh
bench_prepare initdb pg_ctl pgbench psql
init_servers
start_postgres on
start_rocksgres on

load() { # PORT
    local port="$1"
    sql "$port" "CREATE TABLE pt (id int PRIMARY KEY, k int NOT NULL, v int NOT NULL)"
    sql "$port" "CREATE TABLE ps (id int PRIMARY KEY, k int NOT NULL, d int NOT NULL)"
    sql "$port" "INSERT INTO pt SELECT g, g % $SOURCE_ROWS, 0 FROM generate_series(1, $TARGET_ROWS) g"
    sql "$port" "INSERT INTO ps SELECT g, g, g % 7 FROM generate_series(1, $SOURCE_ROWS) g"
    sql "$port" "ANALYZE"
}

echo "loading $TARGET_ROWS target rows and $SOURCE_ROWS source rows into both..." >&2
load "$PG_PORT"
load "$RG_PORT"

SET_MEM="SET work_mem = '${WORK_MEM:-4MB}'"
NAMES=(update_from delete_using merge_upsert merge_delete)
STATEMENTS=(
    "UPDATE pt SET v = ps.d FROM ps WHERE ps.k = pt.k"
    "DELETE FROM pt USING ps WHERE ps.k = pt.k AND ps.d = 3"
    "MERGE INTO pt USING ps ON pt.k = ps.k WHEN MATCHED THEN UPDATE SET v = ps.d WHEN NOT MATCHED THEN INSERT VALUES (ps.id + $TARGET_ROWS, ps.k, ps.d)"
    "MERGE INTO pt USING ps ON pt.k = ps.k AND ps.d = 3 WHEN MATCHED THEN DELETE"
)

TABLE="$WORK/table.md"
PLANS="$WORK/plans.md"
{
    echo "| statement | rows | PostgreSQL ms | Rocksgres ms | ratio |"
    echo "|---|---|---|---|---|"
} > "$TABLE"
: > "$PLANS"
for i in "${!NAMES[@]}"; do
    name="${NAMES[$i]}"; q="${STATEMENTS[$i]}"
    pg_out="$("$PGBIN/psql" -X -h 127.0.0.1 -p "$PG_PORT" -U postgres -d postgres -c "$SET_MEM" -c "BEGIN" -c "$q" -c "ROLLBACK" 2>&1 | sed -n 3p)"
    rg_out="$("$PGBIN/psql" -X -h 127.0.0.1 -p "$RG_PORT" -U postgres -d postgres -c "$SET_MEM" -c "BEGIN" -c "$q" -c "ROLLBACK" 2>&1 | sed -n 3p)"
    if [ "$pg_out" != "$rg_out" ]; then
        echo "$name: results differ" >&2
        echo "PostgreSQL: $pg_out" >&2
        echo "Rocksgres:  $rg_out" >&2
        echo "| $name | results differ | | | |" >> "$TABLE"
        continue
    fi
    printf '%s;\nBEGIN;\n%s;\nROLLBACK;\n' "$SET_MEM" "$q" > "$WORK/q.sql"
    pg_ms="$(latency "$PG_PORT" "$WORK/q.sql" "$RUNS")"
    rg_ms="$(latency "$RG_PORT" "$WORK/q.sql" "$RUNS")"
    ratio="$(python3 -c "print(f'{$rg_ms / $pg_ms:.1f}')")"
    echo "$name ($pg_out): PostgreSQL $pg_ms ms, Rocksgres $rg_ms ms, ratio $ratio" >&2
    echo "| \`$q\` | ${pg_out#* } | $pg_ms | $rg_ms | $ratio |" >> "$TABLE"
    {
        echo "* \`$name\`:"
        echo
        echo '  ```'
        sql "$RG_PORT" "EXPLAIN $q" | sed 's/^/  /'
        echo '  ```'
    } >> "$PLANS"
done
{ echo; echo "Plans Rocksgres chose:"; echo; cat "$PLANS"; } >> "$TABLE"
cat "$TABLE"
if [ -n "${WORK_MEM:-}" ]; then
    STAMP="$(date -u +%Y-%m-%d), $(nproc) cores, $TARGET_ROWS target rows, $SOURCE_ROWS source rows, work_mem $WORK_MEM, $RUNS runs per statement: \`WORK_MEM=$WORK_MEM benches/update-from-vs-postgres.sh $RUNS $TARGET_ROWS $SOURCE_ROWS\`"
    write_readme_block update-from-batches "UPDATE ... FROM, DELETE ... USING and MERGE past work_mem against PostgreSQL" "$STAMP" "$TABLE"
else
    STAMP="$(date -u +%Y-%m-%d), $(nproc) cores, $TARGET_ROWS target rows, $SOURCE_ROWS source rows, $RUNS runs per statement: \`benches/update-from-vs-postgres.sh $RUNS $TARGET_ROWS $SOURCE_ROWS\`"
    write_readme_block update-from-vs-postgres "UPDATE ... FROM, DELETE ... USING and MERGE against PostgreSQL" "$STAMP" "$TABLE"
fi
