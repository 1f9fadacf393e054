#!/usr/bin/env python3
"""psycopg 3 smoke test against a running Rocksgres server.

Usage: psycopg_smoke.py [PORT [HOST [USER [DBNAME]]]]

Each argument falls back to the environment (PGPORT, PGHOST, PGUSER,
PGDATABASE) and then to 5432, 127.0.0.1, postgres, postgres.

psycopg 3 sends every query that has parameters through the extended
protocol (Parse/Bind/Describe/Execute) with server-side parameters, and
with prepare=True keeps a named prepared statement on the server. The
script checks typed round trips of int, text, numeric, timestamp, bool,
bytea and NULL, transactions and savepoints through conn.transaction(),
prepared statements, that a unique violation raises
psycopg.errors.UniqueViolation without breaking the connection, and that
unique, CHECK and NOT NULL violations carry PostgreSQL's error fields
(e.diag.schema_name, table_name, constraint_name, column_name).

psycopg reports some server errors only as log warnings (a failing
ROLLBACK or DEALLOCATE ALL inside `with conn.transaction()` is "error ignored
in rollback"); those count as failures too.

Prints "OK" and exits 0 when every check passes; any failed assert (or
unexpected exception) exits non-zero with a traceback.
"""

import datetime
import decimal
import logging
import os
import sys

import psycopg
import psycopg.errors


class RecordWarnings(logging.Handler):
    """Keeps psycopg's warnings (errors it swallows) to fail the run on."""

    def __init__(self):
        super().__init__(logging.WARNING)
        self.messages = []

    def emit(self, record):
        self.messages.append(record.getMessage())
        print(f"psycopg warning: {record.getMessage()}", file=sys.stderr)


def settings():
    args = sys.argv[1:]

    def pick(i, env, default):
        if len(args) > i and args[i]:
            return args[i]
        return os.environ.get(env) or default

    return {
        "port": int(pick(0, "PGPORT", "5432")),
        "host": pick(1, "PGHOST", "127.0.0.1"),
        "user": pick(2, "PGUSER", "postgres"),
        "dbname": pick(3, "PGDATABASE", "postgres"),
    }


# The rows inserted with parameters; the last one is all NULLs but the key.
ROWS = [
    (
        1,
        "one",
        decimal.Decimal("12.34"),
        datetime.datetime(2024, 1, 2, 3, 4, 5, 123456),
        True,
        b"\x00\x01\xfe\xff",
    ),
    (
        2,
        "deux, with 'quotes' and \u00e9",
        decimal.Decimal("-0.001"),
        datetime.datetime(1999, 12, 31, 23, 59, 59),
        False,
        b"",
    ),
    (3, None, None, None, None, None),
]

EXPECTED_TYPES = (int, str, decimal.Decimal, datetime.datetime, bool, bytes)


def check_rows(got, expected, what):
    assert len(got) == len(expected), f"{what}: {len(got)} rows, expected {len(expected)}: {got!r}"
    for g, e in zip(got, expected):
        assert tuple(g) == tuple(e), f"{what}: row {g!r}, expected {e!r}"
        for value, typ in zip(g, EXPECTED_TYPES):
            assert value is None or type(value) is typ, (
                f"{what}: {value!r} is a {type(value).__name__}, expected {typ.__name__}"
            )


def check_diag(e, table, constraint, column):
    """The error fields of a constraint violation, as PostgreSQL sets them."""
    d = e.diag
    got = (d.schema_name, d.table_name, d.constraint_name, d.column_name)
    want = ("public", table, constraint, column)
    assert got == want, f"error fields {got!r}, expected {want!r}"


def ids(conn, table):
    return [r[0] for r in conn.execute(f"SELECT id FROM {table} ORDER BY id").fetchall()]


def main():
    warnings = RecordWarnings()
    logging.getLogger("psycopg").addHandler(warnings)
    cfg = settings()
    conn = psycopg.connect(connect_timeout=10, autocommit=True, **cfg)
    with conn:
        version = conn.info.server_version
        assert version >= 90000, f"server_version parameter status gave {version!r}"

        # Parameters go through the extended protocol; psycopg sends ints
        # typed (int2/int4/int8) and strings as unknown.
        row = conn.execute("SELECT %s + 1, %s || 'x'", (41, "abc")).fetchone()
        assert row == (42, "abcx"), f"SELECT %s + 1, %s || 'x' gave {row!r}"

        conn.execute("DROP TABLE IF EXISTS smoke")
        conn.execute(
            "CREATE TABLE smoke ("
            " id int PRIMARY KEY,"
            " name text,"
            " amount numeric(12, 4),"
            " at timestamp,"
            " flag bool,"
            " data bytea)"
        )

        with conn.cursor() as cur:
            for r in ROWS:
                cur.execute(
                    "INSERT INTO smoke (id, name, amount, at, flag, data) "
                    "VALUES (%s, %s, %s, %s, %s, %s)",
                    r,
                )
                assert cur.rowcount == 1, f"INSERT of {r!r}: rowcount {cur.rowcount}"

            cur.execute("SELECT id, name, amount, at, flag, data FROM smoke ORDER BY id")
            names = [d.name for d in cur.description]
            assert names == ["id", "name", "amount", "at", "flag", "data"], f"columns {names!r}"
            check_rows(cur.fetchall(), ROWS, "text-format SELECT")

            # A parameter in WHERE, and a NULL parameter.
            cur.execute("SELECT id FROM smoke WHERE name = %s", ("one",))
            assert cur.fetchall() == [(1,)], "WHERE name = %s"
            cur.execute(
                "SELECT id FROM smoke WHERE amount > %s ORDER BY id", (decimal.Decimal("0"),)
            )
            assert cur.fetchall() == [(1,)], "WHERE amount > %s"
            cur.execute("SELECT id FROM smoke WHERE flag = %s", (False,))
            assert cur.fetchall() == [(2,)], "WHERE flag = %s"
            cur.execute("SELECT id FROM smoke WHERE data = %s", (b"\x00\x01\xfe\xff",))
            assert cur.fetchall() == [(1,)], "WHERE data = %s"
            cur.execute(
                "SELECT id FROM smoke WHERE at < %s ORDER BY id",
                (datetime.datetime(2000, 1, 1),),
            )
            assert cur.fetchall() == [(2,)], "WHERE at < %s"
            cur.execute("SELECT %s::int IS NULL, %s::text", (None, None))
            assert cur.fetchone() == (True, None), "NULL parameters"

        # Results in binary format too.
        with conn.cursor(binary=True) as cur:
            cur.execute("SELECT id, name, amount, at, flag, data FROM smoke ORDER BY id")
            check_rows(cur.fetchall(), ROWS, "binary-format SELECT")

        # Transactions: one that commits, one rolled back by an exception,
        # and a savepoint (nested transaction block) rolled back inside a
        # committed transaction.
        with conn.transaction():
            conn.execute("INSERT INTO smoke (id, name) VALUES (%s, %s)", (10, "committed"))
            assert conn.info.transaction_status == psycopg.pq.TransactionStatus.INTRANS, (
                f"inside transaction(): status {conn.info.transaction_status!r}"
            )

        class Boom(Exception):
            pass

        try:
            with conn.transaction():
                conn.execute("INSERT INTO smoke (id, name) VALUES (%s, %s)", (11, "rolled back"))
                seen = conn.execute("SELECT count(*) FROM smoke WHERE id = %s", (11,)).fetchone()
                assert seen == (1,), f"own insert not visible inside the transaction: {seen!r}"
                raise Boom()
        except Boom:
            pass
        else:
            raise AssertionError("the Boom exception was swallowed")

        with conn.transaction():
            conn.execute("INSERT INTO smoke (id, name) VALUES (%s, %s)", (12, "outer"))
            try:
                with conn.transaction():
                    conn.execute("INSERT INTO smoke (id, name) VALUES (%s, %s)", (13, "savepoint"))
                    raise Boom()
            except Boom:
                pass
            conn.execute("INSERT INTO smoke (id, name) VALUES (%s, %s)", (14, "after savepoint"))

        assert conn.info.transaction_status == psycopg.pq.TransactionStatus.IDLE, (
            f"after the transactions: status {conn.info.transaction_status!r}"
        )
        got = ids(conn, "smoke")
        assert got == [1, 2, 3, 10, 12, 14], f"ids after the transactions: {got!r}"

        # Prepared statements: prepare=True makes psycopg Parse a named
        # statement once and then only Bind/Execute it.
        for i in range(5):
            n = 100 + i
            conn.execute(
                "INSERT INTO smoke (id, name, amount) VALUES (%s, %s, %s)",
                (n, f"prepared {i}", decimal.Decimal(i) / 4),
                prepare=True,
            )
        for i in range(5):
            row = conn.execute(
                "SELECT name, amount FROM smoke WHERE id = %s", (100 + i,), prepare=True
            ).fetchone()
            assert row == (f"prepared {i}", decimal.Decimal(i) / 4), f"prepared SELECT {i}: {row!r}"
        cnt = conn.execute(
            "SELECT count(*) FROM smoke WHERE id >= %s", (100,), prepare=True
        ).fetchone()
        assert cnt == (5,), f"prepared count: {cnt!r}"

        # A small statement cache makes psycopg evict (Close) old prepared
        # statements while preparing new ones.
        conn.prepared_max = 2
        for round_ in range(2):
            for k in range(4):
                row = conn.execute(
                    f"SELECT {k} + %s", (round_,), prepare=True
                ).fetchone()
                assert row == (k + round_,), f"evicting cache, SELECT {k} + {round_}: {row!r}"
        conn.prepared_max = 100

        # Errors: a unique violation maps to its psycopg exception class and
        # leaves the connection usable, in autocommit and in a transaction.
        try:
            conn.execute("INSERT INTO smoke (id, name) VALUES (%s, %s)", (1, "duplicate"))
        except psycopg.errors.UniqueViolation as e:
            assert e.sqlstate == "23505", f"sqlstate {e.sqlstate!r}"
            check_diag(e, "smoke", "smoke_pkey", None)
        else:
            raise AssertionError("duplicate key did not raise UniqueViolation")
        row = conn.execute("SELECT name FROM smoke WHERE id = %s", (1,)).fetchone()
        assert row == ("one",), f"after the unique violation: {row!r}"

        try:
            with conn.transaction():
                conn.execute("INSERT INTO smoke (id, name) VALUES (%s, %s)", (20, "in failed tx"))
                conn.execute("INSERT INTO smoke (id, name) VALUES (%s, %s)", (20, "duplicate"))
        except psycopg.errors.UniqueViolation:
            pass
        else:
            raise AssertionError("duplicate key in a transaction did not raise UniqueViolation")
        assert conn.info.transaction_status == psycopg.pq.TransactionStatus.IDLE, (
            f"after the failed transaction: status {conn.info.transaction_status!r}"
        )
        got = conn.execute("SELECT count(*) FROM smoke WHERE id = %s", (20,)).fetchone()
        assert got == (0,), f"the failed transaction left rows behind: {got!r}"

        # A prepared statement still works after the errors.
        cnt = conn.execute(
            "SELECT count(*) FROM smoke WHERE id >= %s", (100,), prepare=True
        ).fetchone()
        assert cnt == (5,), f"prepared count after the errors: {cnt!r}"

        conn.execute("DROP TABLE smoke")

        # CHECK and NOT NULL violations, with PostgreSQL's error fields.
        conn.execute(
            "CREATE TABLE guarded (id int PRIMARY KEY, qty int NOT NULL CHECK (qty > 0))"
        )
        try:
            conn.execute("INSERT INTO guarded VALUES (%s, %s)", (1, -1))
        except psycopg.errors.CheckViolation as e:
            assert e.sqlstate == "23514", f"sqlstate {e.sqlstate!r}"
            assert e.diag.message_detail == "Failing row contains (1, -1).", (
                f"detail {e.diag.message_detail!r}"
            )
            check_diag(e, "guarded", "guarded_qty_check", None)
        else:
            raise AssertionError("a failing CHECK did not raise CheckViolation")
        try:
            conn.execute("INSERT INTO guarded VALUES (%s, %s)", (1, None))
        except psycopg.errors.NotNullViolation as e:
            assert e.sqlstate == "23502", f"sqlstate {e.sqlstate!r}"
            check_diag(e, "guarded", None, "qty")
        else:
            raise AssertionError("a NULL in a NOT NULL column did not raise NotNullViolation")
        conn.execute("DROP TABLE guarded")

        # The TimeZone ParameterStatus: psycopg takes conn.info.timezone
        # from it (sent after SET, after the COMMIT ending a SET LOCAL, after
        # RESET) and reads timestamptz values into that zone.
        from zoneinfo import ZoneInfo

        conn.execute("SET TIME ZONE 'Asia/Tokyo'")
        assert str(conn.info.timezone) == "Asia/Tokyo", f"TimeZone gave {conn.info.timezone!r}"
        got = conn.execute("SELECT '2024-07-01 12:00+00'::timestamptz").fetchone()[0]
        want = datetime.datetime(2024, 7, 1, 21, 0, tzinfo=ZoneInfo("Asia/Tokyo"))
        assert got == want and got.utcoffset() == datetime.timedelta(hours=9), f"timestamptz {got!r}"
        with conn.transaction():
            conn.execute("SET LOCAL TIME ZONE 'Europe/Paris'")
            assert str(conn.info.timezone) == "Europe/Paris", f"SET LOCAL gave {conn.info.timezone!r}"
        assert str(conn.info.timezone) == "Asia/Tokyo", f"after COMMIT: {conn.info.timezone!r}"
        conn.execute("RESET timezone")
        assert str(conn.info.timezone) == "UTC", f"after RESET: {conn.info.timezone!r}"

        # uuid and array parameters, in text and binary format: planned for
        # the declared parameter types (a uuid or array value travels as
        # text inside the engine), `= ANY(%s)` with a list, and psycopg's
        # int2[] cast to int[] element by element.
        import uuid

        conn.execute("CREATE TABLE typed (id int PRIMARY KEY, u uuid, tags text[])")
        key = uuid.UUID("a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11")
        for binary in (False, True):
            cur = conn.cursor(binary=binary)
            base = 10 if binary else 0
            cur.execute(
                "INSERT INTO typed VALUES (%s, %s, %s), (%s, %s, %s)",
                (base + 1, key, ["a", "b"], base + 2, uuid.uuid4(), []),
            )
            got = cur.execute(
                "SELECT id, tags FROM typed WHERE u = %s AND id > %s", (key, base)
            ).fetchall()
            assert got == [(base + 1, ["a", "b"])], f"uuid lookup (binary={binary}): {got!r}"
            got = cur.execute(
                "SELECT id FROM typed WHERE id = ANY(%s) ORDER BY id", ([base + 1, base + 2, 99],)
            ).fetchall()
            assert got == [(base + 1,), (base + 2,)], f"= ANY(list) (binary={binary}): {got!r}"
            got = cur.execute(
                "SELECT id FROM typed WHERE id = ANY(%s::int[]) ORDER BY id", ([base + 2],)
            ).fetchall()
            assert got == [(base + 2,)], f"= ANY(list::int[]) (binary={binary}): {got!r}"
            got = cur.execute(
                "SELECT id FROM typed WHERE tags && %s AND tags @> %s AND id > %s",
                (["b", "z"], ["a"], base),
            ).fetchall()
            assert got == [(base + 1,)], f"&& and @> with list parameters (binary={binary}): {got!r}"
            got = cur.execute(
                "SELECT array_agg(id ORDER BY id DESC), array_agg(DISTINCT t) "
                "FROM typed, unnest(tags) AS t WHERE id > %s",
                (base,),
            ).fetchone()
            assert got == ([base + 1, base + 1], ["a", "b"]), f"array_agg (binary={binary}): {got!r}"
            got = cur.execute(
                "SELECT * FROM unnest(%s::int[], %s::text[]) WITH ORDINALITY",
                ([7, 8], ["x"]),
            ).fetchall()
            assert got == [(7, "x", 1), (8, None, 2)], f"unnest (binary={binary}): {got!r}"
            got = cur.execute(
                "SELECT %s::int[], (%s::int[])[2][1], array_dims(%s::int[]), ARRAY[['a', NULL]]",
                ([[1, 2], [3, 4]], [[1, 2], [3, 4]], [[1, 2], [3, 4]]),
            ).fetchone()
            assert got == ([[1, 2], [3, 4]], 3, "[1:2][1:2]", [["a", None]]), (
                f"two-dimensional arrays (binary={binary}): {got!r}"
            )
            got = cur.execute("SELECT u FROM typed WHERE id = %s", (base + 1,)).fetchone()
            assert got == (key,), f"uuid read back (binary={binary}): {got!r}"
        conn.execute("DROP TABLE typed")

    assert conn.closed, "the connection is not closed after the with block"
    assert not warnings.messages, f"psycopg swallowed errors: {warnings.messages!r}"
    print("OK")


if __name__ == "__main__":
    main()
