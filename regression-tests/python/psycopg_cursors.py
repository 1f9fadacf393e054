#!/usr/bin/env python3
"""psycopg 3 named (server-side) cursors against a running Rocksgres server.

Usage: psycopg_cursors.py [PORT [HOST [USER [DBNAME]]]]

A named cursor is psycopg's `ServerCursor`: `execute` sends
`DECLARE "name" CURSOR WITHOUT HOLD FOR query` through the extended
protocol (server-side parameters), then a Describe of the portal named
like the cursor to learn its columns; `fetchmany(n)` and iteration send
`FETCH FORWARD n FROM "name"`, `scroll` sends `MOVE`, and `close` sends
`CLOSE "name"`. The script walks a few thousand rows that way, in a
transaction and WITH HOLD across a commit, and checks a scrollable
cursor's `scroll`.

Prints "OK" and exits 0 when every check passes.
"""

import os
import sys

import psycopg


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


N = 3000


def main():
    with psycopg.connect(**settings()) as conn:
        conn.execute("DROP TABLE IF EXISTS cur_rows")
        conn.execute("CREATE TABLE cur_rows (id int PRIMARY KEY, label text)")
        with conn.cursor() as c:
            c.executemany(
                "INSERT INTO cur_rows VALUES (%s, %s)",
                [(i, f"row {i}") for i in range(1, N + 1)],
            )
        conn.commit()

        # A named cursor in a transaction, read in batches.
        with conn.transaction():
            with conn.cursor("walk") as cur:
                cur.itersize = 250
                cur.execute(
                    "SELECT id, label FROM cur_rows WHERE id > %s ORDER BY id", (10,)
                )
                assert [d.name for d in cur.description] == ["id", "label"], cur.description
                first = cur.fetchone()
                assert first == (11, "row 11"), first
                batch = cur.fetchmany(100)
                assert len(batch) == 100 and batch[0][0] == 12 and batch[-1][0] == 111, batch[:2]
                rest = list(cur)
                assert len(rest) == N - 111, len(rest)
                assert rest[-1] == (N, f"row {N}"), rest[-1]
                assert cur.fetchone() is None
                names = conn.execute("SELECT name FROM pg_cursors").fetchall()
                assert names == [("walk",)], names

        # WITH HOLD: usable after the transaction commits.
        with conn.cursor("held", withhold=True) as cur:
            cur.execute("SELECT id FROM cur_rows ORDER BY id")
            conn.commit()
            got = [r[0] for r in cur.fetchmany(5)]
            assert got == [1, 2, 3, 4, 5], got
            total = 5 + sum(1 for _ in cur)
            assert total == N, total
        conn.commit()
        left = conn.execute("SELECT count(*) FROM pg_cursors").fetchone()
        assert left == (0,), left

        # A scrollable cursor: scroll() sends MOVE.
        with conn.transaction():
            with conn.cursor("scrolling", scrollable=True) as cur:
                cur.execute("SELECT id FROM cur_rows ORDER BY id")
                cur.scroll(9)
                assert cur.fetchone() == (10,)
                cur.scroll(-5)
                assert cur.fetchone() == (6,)
                cur.scroll(99, mode="absolute")
                assert cur.fetchone() == (100,)

        # NO SCROLL: going back fails with PostgreSQL's error.
        with conn.transaction():
            with conn.cursor("forward", scrollable=False) as cur:
                cur.execute("SELECT id FROM cur_rows ORDER BY id")
                cur.fetchmany(3)
                try:
                    cur.scroll(-1)
                except psycopg.errors.ObjectNotInPrerequisiteState as e:
                    assert "cursor can only scan forward" in str(e), e
                else:
                    raise AssertionError("backward MOVE on a NO SCROLL cursor succeeded")
                raise psycopg.Rollback()

        conn.execute("DROP TABLE cur_rows")
        conn.commit()
    print("OK")


if __name__ == "__main__":
    main()
