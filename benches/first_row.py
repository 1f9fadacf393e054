#!/usr/bin/env python3
"""Streams one query over the PostgreSQL wire protocol and measures it.

Usage: first_row.py PORT SQL [SERVER_PID]

A minimal protocol-3 client (trust authentication, simple Query): it sends
SQL, reads the reply as it arrives and discards the rows, and prints one
line of `key=value` pairs:

  first_row_ms  time from sending the Query to the first DataRow (CopyData)
  total_ms      time to ReadyForQuery
  rows          DataRows received
  mb            megabytes received
  idle_kb       resident memory of the serving process before the Query
  peak_kb       highest resident memory of it while the query ran
                (sampled every 10 ms)

The serving process is SERVER_PID when given (Rocksgres: the server), else
the backend PostgreSQL names in its BackendKeyData (its own process for
the connection). Used by benches/streaming-vs-postgres.sh.
"""
import socket
import struct
import sys
import threading
import time


def rss_kb(pid):
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    return 0


def read_exact(sock, n, buf):
    while len(buf) < n:
        chunk = sock.recv(1 << 20)
        if not chunk:
            raise SystemExit("connection closed")
        buf.extend(chunk)


def messages(sock):
    buf = bytearray()
    while True:
        read_exact(sock, 5, buf)
        kind = buf[0]
        (length,) = struct.unpack("!I", bytes(buf[1:5]))
        read_exact(sock, 1 + length, buf)
        body = bytes(buf[5 : 1 + length])
        del buf[: 1 + length]
        yield kind, body


def main():
    port, sql = int(sys.argv[1]), sys.argv[2]
    server_pid = int(sys.argv[3]) if len(sys.argv) > 3 else None
    sock = socket.create_connection(("127.0.0.1", port))
    params = b"user\0postgres\0database\0postgres\0\0"
    sock.sendall(struct.pack("!II", 8 + len(params), 196608) + params)
    msgs = messages(sock)
    backend_pid = None
    for kind, body in msgs:
        if kind == ord("K"):
            backend_pid = struct.unpack("!I", body[:4])[0]
        elif kind == ord("E"):
            raise SystemExit(f"error at start-up: {body!r}")
        elif kind == ord("Z"):
            break
    pid = server_pid or backend_pid
    idle = rss_kb(pid)
    peak = [idle]
    done = threading.Event()

    def sample():
        while not done.is_set():
            peak[0] = max(peak[0], rss_kb(pid))
            time.sleep(0.01)

    sampler = threading.Thread(target=sample)
    sampler.start()
    q = sql.encode() + b"\0"
    start = time.monotonic()
    sock.sendall(b"Q" + struct.pack("!I", 4 + len(q)) + q)
    first = None
    rows = 0
    size = 0
    error = None
    for kind, body in msgs:
        size += len(body) + 5
        if kind in (ord("D"), ord("d")):  # DataRow, CopyData
            if first is None:
                first = time.monotonic()
            rows += 1
        elif kind == ord("E"):
            error = body
        elif kind == ord("Z"):
            break
    end = time.monotonic()
    done.set()
    sampler.join()
    peak[0] = max(peak[0], rss_kb(pid))
    sock.sendall(b"X\0\0\0\4")
    sock.close()
    if error is not None:
        raise SystemExit(f"query failed: {error!r}")
    first_ms = (first - start) * 1000 if first is not None else float("nan")
    print(
        f"first_row_ms={first_ms:.1f} total_ms={(end - start) * 1000:.0f} rows={rows} "
        f"mb={size / 1e6:.0f} idle_kb={idle} peak_kb={peak[0]}"
    )


if __name__ == "__main__":
    main()
