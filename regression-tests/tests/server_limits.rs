//! The server protects itself, as PostgreSQL 15 does: `max_connections`
//! (FATAL 53300), `authentication_timeout`, a bounded cost for sockets
//! that never authenticate, `idle_in_transaction_session_timeout` (FATAL
//! 25P03), a client that hangs up mid-statement gets its statement
//! cancelled and its transaction rolled back, and TCP keepalives on every
//! connection. Autovacuum's settings (`autovacuum`, `autovacuum_naptime`)
//! are the server's, and its worker analyzes a table whose rows changed.
//!
//! The expected messages and SQLSTATEs were taken from a PostgreSQL 15
//! server started with `max_connections=3 superuser_reserved_connections=0
//! authentication_timeout=2s`. No test asserts how long anything takes:
//! waits have generous upper bounds only so that a failure cannot hang.

mod server_harness;

use std::io::{ErrorKind, Read, Write};
use std::net::TcpStream;
use std::time::{Duration, Instant};

use server_harness::TestServer;

/// A generous bound on waits that should end much sooner.
const PATIENCE: Duration = Duration::from_secs(60);

/// A frontend message: type byte, length, body.
fn frontend(ty: u8, body: &[u8]) -> Vec<u8> {
    let mut msg = vec![ty];
    msg.extend_from_slice(&((body.len() + 4) as u32).to_be_bytes());
    msg.extend_from_slice(body);
    msg
}

/// A simple-protocol Query message.
fn query_msg(sql: &str) -> Vec<u8> {
    let mut body = sql.as_bytes().to_vec();
    body.push(0);
    frontend(b'Q', &body)
}

/// A StartupMessage (protocol 3.0) for `user`, database postgres.
fn startup_msg(user: &str) -> Vec<u8> {
    let mut body = 196_608u32.to_be_bytes().to_vec();
    for (k, v) in [("user", user), ("database", "postgres")] {
        body.extend_from_slice(k.as_bytes());
        body.push(0);
        body.extend_from_slice(v.as_bytes());
        body.push(0);
    }
    body.push(0);
    let mut msg = ((body.len() + 4) as u32).to_be_bytes().to_vec();
    msg.extend_from_slice(&body);
    msg
}

/// Reads one backend message; `None` at the end of the stream (or a reset).
fn read_message(sock: &mut TcpStream) -> Option<(u8, Vec<u8>)> {
    let mut head = [0u8; 5];
    if let Err(e) = sock.read_exact(&mut head) {
        assert_ne!(e.kind(), ErrorKind::WouldBlock, "no message in time");
        assert_ne!(e.kind(), ErrorKind::TimedOut, "no message in time");
        return None;
    }
    let len = u32::from_be_bytes([head[1], head[2], head[3], head[4]]) as usize;
    let mut body = vec![0u8; len.saturating_sub(4)];
    sock.read_exact(&mut body).ok()?;
    Some((head[0], body))
}

/// Reads messages up to and including ReadyForQuery; returns them.
fn until_ready(sock: &mut TcpStream) -> Vec<(u8, Vec<u8>)> {
    let mut out = Vec::new();
    while let Some(m) = read_message(sock) {
        let ready = m.0 == b'Z';
        out.push(m);
        if ready {
            return out;
        }
    }
    panic!("the connection closed before ReadyForQuery: {out:?}");
}

/// The fields of an ErrorResponse body by their one-letter codes.
fn error_fields(body: &[u8]) -> Vec<(char, String)> {
    body.split(|b| *b == 0)
        .filter(|f| !f.is_empty())
        .map(|f| (f[0] as char, String::from_utf8_lossy(&f[1..]).to_string()))
        .collect()
}

fn field(fields: &[(char, String)], code: char) -> Option<&str> {
    fields
        .iter()
        .find(|(c, _)| *c == code)
        .map(|(_, v)| v.as_str())
}

/// A trust-authenticated raw connection, ready for queries.
fn raw_session(port: u16) -> TcpStream {
    let mut sock = TcpStream::connect(("127.0.0.1", port)).expect("connect");
    sock.set_read_timeout(Some(PATIENCE)).expect("timeout");
    sock.write_all(&startup_msg("postgres")).expect("startup");
    let msgs = until_ready(&mut sock);
    assert!(msgs.iter().all(|m| m.0 != b'E'), "{msgs:?}");
    sock
}

/// Runs `sql` on a raw connection; fails on an ErrorResponse; returns the
/// ReadyForQuery status byte.
fn raw_exec(sock: &mut TcpStream, sql: &str) -> u8 {
    sock.write_all(&query_msg(sql)).expect("send query");
    let msgs = until_ready(sock);
    if let Some(e) = msgs.iter().find(|m| m.0 == b'E') {
        panic!("{sql}: {:?}", error_fields(&e.1));
    }
    msgs.last().expect("ReadyForQuery").1[0]
}

/// Asserts the server closes `sock` (end of stream or a reset); returns
/// the bytes read before that.
fn assert_closed(sock: &mut TcpStream, what: &str) -> Vec<u8> {
    sock.set_read_timeout(Some(PATIENCE)).expect("timeout");
    let mut got = Vec::new();
    match sock.read_to_end(&mut got) {
        Ok(_) => got,
        Err(e) if e.kind() == ErrorKind::ConnectionReset => got,
        Err(e) => panic!("{what}: the server did not close the connection: {e}"),
    }
}

fn sqlstate(e: &postgres::Error) -> Option<&str> {
    e.as_db_error().map(|d| d.code().code())
}

#[test]
fn max_connections_refuses_one_more_client_with_53300() {
    let server = TestServer::start_with(&["-c", "max_connections=3"]);
    let mut clients: Vec<postgres::Client> = (0..3).map(|_| server.connect()).collect();
    let shown: String = clients[0]
        .query_one("SHOW max_connections", &[])
        .expect("show")
        .get(0);
    assert_eq!(shown, "3");

    let refused = postgres::Config::new()
        .host("127.0.0.1")
        .port(server.port())
        .user("postgres")
        .dbname("postgres")
        .connect_timeout(Duration::from_secs(10))
        .connect(postgres::NoTls)
        .map(|_| ())
        .expect_err("a fourth client was admitted");
    let db = refused.as_db_error().expect("a server error");
    assert_eq!(db.code().code(), "53300", "{db:?}");
    assert_eq!(db.severity(), "FATAL");
    assert_eq!(db.message(), "sorry, too many clients already");

    // A session cannot change it, as in PostgreSQL.
    let err = clients[0]
        .batch_execute("SET max_connections = 10")
        .expect_err("SET max_connections");
    assert_eq!(sqlstate(&err), Some("55P02"), "{err:?}");
    assert_eq!(
        err.as_db_error().map(|d| d.message()),
        Some("parameter \"max_connections\" cannot be changed without restarting the server")
    );
    clients[0].batch_execute("RESET ALL").expect("RESET ALL");
    let shown: String = clients[0]
        .query_one("SHOW max_connections", &[])
        .expect("show")
        .get(0);
    assert_eq!(shown, "3", "RESET ALL must not touch max_connections");

    // A slot frees when a client leaves.
    drop(clients.pop());
    let deadline = Instant::now() + PATIENCE;
    let mut again = loop {
        let attempt = postgres::Config::new()
            .host("127.0.0.1")
            .port(server.port())
            .user("postgres")
            .dbname("postgres")
            .connect(postgres::NoTls);
        match attempt {
            Ok(c) => break c,
            Err(e) if sqlstate(&e) == Some("53300") && Instant::now() < deadline => {
                std::thread::sleep(Duration::from_millis(20));
            }
            Err(e) => panic!("the freed slot was not given back: {e:?}"),
        }
    };
    again.simple_query("SELECT 1").expect("query");
    for c in &mut clients {
        c.simple_query("SELECT 1").expect("the others still work");
    }
}

#[test]
fn autovacuum_settings_are_the_servers_and_its_worker_analyzes() {
    let server = TestServer::start_with(&["-c", "autovacuum_naptime=1"]);
    let mut c = server.connect();
    let shown: String = c
        .query_one("SHOW autovacuum_naptime", &[])
        .expect("show")
        .get(0);
    assert_eq!(shown, "1s");
    let shown: String = c.query_one("SHOW autovacuum", &[]).expect("show").get(0);
    assert_eq!(shown, "on");
    for sql in ["SET autovacuum = off", "SET autovacuum_naptime = '5min'"] {
        let err = c.batch_execute(sql).expect_err(sql);
        assert_eq!(sqlstate(&err), Some("55P02"), "{sql}: {err:?}");
    }
    let err = c.batch_execute("SET autovacuum = off").expect_err("SET");
    assert_eq!(
        err.as_db_error().map(|d| d.message()),
        Some("parameter \"autovacuum\" cannot be changed now")
    );
    c.batch_execute(
        "CREATE TABLE av (id int PRIMARY KEY, v text); \
         INSERT INTO av SELECT g, 'v' || (g % 3) FROM generate_series(1, 300) g",
    )
    .expect("load");
    // The worker wakes every second; no test asserts when it runs.
    let deadline = Instant::now() + PATIENCE;
    loop {
        let n: i64 = c
            .query_one(
                "SELECT count(*) FROM pg_stats WHERE tablename = 'av' AND attname = 'v' \
                 AND n_distinct = 3",
                &[],
            )
            .expect("pg_stats")
            .get(0);
        if n == 1 {
            break;
        }
        assert!(Instant::now() < deadline, "autovacuum never analyzed av");
        std::thread::sleep(Duration::from_millis(100));
    }
    let tuples: f32 = c
        .query_one("SELECT reltuples FROM pg_class WHERE relname = 'av'", &[])
        .expect("reltuples")
        .get(0);
    assert_eq!(tuples, 300.0);

    // A bad value stops the server from starting, with PostgreSQL's words.
    let dir = tempfile::tempdir().expect("tempdir");
    let out = std::process::Command::new(server_harness::server_binary())
        .arg("-D")
        .arg(dir.path())
        .args(["-l", "127.0.0.1:0", "-c", "autovacuum=maybe"])
        .output()
        .expect("run the server");
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("parameter \"autovacuum\" requires a Boolean value"),
        "{err}"
    );
}

#[test]
fn a_client_cannot_set_server_settings_at_start_up() {
    let server = TestServer::start();
    let err = postgres::Config::new()
        .host("127.0.0.1")
        .port(server.port())
        .user("postgres")
        .dbname("postgres")
        .options("-c max_connections=5")
        .connect(postgres::NoTls)
        .map(|_| ())
        .expect_err("max_connections in the startup options");
    let db = err.as_db_error().expect("a server error");
    assert_eq!(db.code().code(), "55P02");
    assert_eq!(db.severity(), "FATAL");
    assert_eq!(
        db.message(),
        "parameter \"max_connections\" cannot be changed without restarting the server"
    );
}

#[test]
fn invalid_server_settings_stop_start_up() {
    for (setting, want) in [
        (
            "max_connections=0",
            "0 is outside the valid range for parameter \"max_connections\" (1 .. 262143)",
        ),
        (
            "authentication_timeout=0",
            "0 is outside the valid range for parameter \"authentication_timeout\" (1 .. 600)",
        ),
    ] {
        let dir = tempfile::tempdir().expect("temp dir");
        let out = std::process::Command::new(server_harness::server_binary())
            .args(["--listen", "127.0.0.1:0", "-c", setting, "--data-dir"])
            .arg(dir.path().join("data"))
            .output()
            .expect("run rocksgres");
        assert!(!out.status.success(), "{setting} was accepted");
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(err.contains(want), "{setting}: {err}");
    }
}

/// The number of threads and open descriptors of process `pid`.
fn threads_and_fds(pid: u32) -> (usize, usize) {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).expect("status");
    let threads = status
        .lines()
        .find_map(|l| l.strip_prefix("Threads:"))
        .and_then(|v| v.trim().parse().ok())
        .expect("Threads line");
    let fds = std::fs::read_dir(format!("/proc/{pid}/fd"))
        .expect("fd dir")
        .count();
    (threads, fds)
}

#[cfg(target_os = "linux")]
#[test]
fn silent_sockets_cost_no_thread_and_are_closed_after_authentication_timeout() {
    const SILENT: usize = 300;
    let server =
        TestServer::start_with(&["-c", "max_connections=4", "-c", "authentication_timeout=1s"]);
    // One real session first, so the baseline has its thread.
    let mut client = server.connect();
    client.simple_query("SELECT 1").expect("query");
    let (threads_before, fds_before) = threads_and_fds(server.pid());

    let mut silent: Vec<TcpStream> = (0..SILENT)
        .map(|_| TcpStream::connect(("127.0.0.1", server.port())).expect("connect"))
        .collect();
    // Make sure the server has seen every one of them: a real session
    // opened after the flood is accepted after all of them (the listen
    // queue is first in, first out). It may be refused (too many clients
    // starting); either way the server has accepted all the sockets.
    let _ = postgres::Config::new()
        .host("127.0.0.1")
        .port(server.port())
        .user("postgres")
        .dbname("postgres")
        .connect_timeout(Duration::from_secs(10))
        .connect(postgres::NoTls);
    let (threads, fds) = threads_and_fds(server.pid());
    assert!(
        threads < threads_before + 16,
        "{SILENT} silent sockets raised the server's threads from {threads_before} to {threads}"
    );
    assert!(
        fds < fds_before + 100,
        "{SILENT} silent sockets raised the server's descriptors from {fds_before} to {fds}"
    );

    // Every silent socket is closed: at once when too many were starting
    // (with FATAL 53300 if it could be written), or after the
    // authentication timeout, with nothing said, as in PostgreSQL.
    for sock in &mut silent {
        let got = assert_closed(sock, "silent socket");
        if !got.is_empty() {
            assert_eq!(got[0], b'E', "{got:?}");
            let fields = error_fields(&got[5..]);
            assert_eq!(field(&fields, 'C'), Some("53300"), "{fields:?}");
        }
    }
    drop(silent);

    // The server is still there for real clients, and the session from
    // before the flood still works.
    let mut again = server.connect();
    again
        .simple_query("SELECT 1")
        .expect("query after the flood");
    client.simple_query("SELECT 1").expect("old session");
}

#[test]
fn a_stalled_password_exchange_is_closed_after_authentication_timeout() {
    let dir = tempfile::tempdir().expect("temp dir");
    let file = dir.path().join("passwords");
    std::fs::write(&file, "alice:secret\n").expect("password file");
    let server = TestServer::start_with(&[
        "--password-file",
        file.to_str().expect("utf-8 path"),
        "-c",
        "authentication_timeout=1s",
        "-c",
        "max_connections=1",
    ]);
    let mut sock = TcpStream::connect(("127.0.0.1", server.port())).expect("connect");
    sock.set_read_timeout(Some(PATIENCE)).expect("timeout");
    sock.write_all(&startup_msg("alice")).expect("startup");
    let (ty, body) = read_message(&mut sock).expect("AuthenticationSASL");
    assert_eq!(ty, b'R');
    assert_eq!(&body[..4], &10u32.to_be_bytes(), "not AuthenticationSASL");
    // The client never answers: the server closes the connection without
    // a message, as PostgreSQL does.
    let rest = assert_closed(&mut sock, "stalled SCRAM exchange");
    assert!(rest.is_empty(), "{rest:?}");
    assert!(server
        .log()
        .contains("canceling authentication due to timeout"));

    // Its session slot (max_connections=1) was given back.
    let mut ok = None;
    let deadline = Instant::now() + PATIENCE;
    while ok.is_none() && Instant::now() < deadline {
        match postgres::Config::new()
            .host("127.0.0.1")
            .port(server.port())
            .user("alice")
            .password("secret")
            .dbname("postgres")
            .connect(postgres::NoTls)
        {
            Ok(c) => ok = Some(c),
            Err(e) if sqlstate(&e) == Some("53300") => {
                std::thread::sleep(Duration::from_millis(20))
            }
            Err(e) => panic!("{e:?}"),
        }
    }
    ok.expect("the slot was not given back")
        .simple_query("SELECT 1")
        .expect("query");
}

/// Creates `t(id int primary key, v int)` holding `(1, 0)`.
fn one_row_table(server: &TestServer) -> postgres::Client {
    let mut c = server.connect();
    c.batch_execute("CREATE TABLE t (id int PRIMARY KEY, v int); INSERT INTO t VALUES (1, 0)")
        .expect("create");
    c
}

/// From another session: updates row 1 once the row lock is free (the
/// wait is bounded by a generous lock_timeout) and returns its value.
fn update_after_lock(other: &mut postgres::Client) -> i32 {
    other
        .batch_execute(&format!("SET lock_timeout = '{}s'", PATIENCE.as_secs()))
        .expect("set lock_timeout");
    let n = other
        .execute("UPDATE t SET v = v + 10 WHERE id = 1", &[])
        .expect("the row lock was never released");
    assert_eq!(n, 1);
    other
        .query_one("SELECT v FROM t WHERE id = 1", &[])
        .expect("select")
        .get(0)
}

#[test]
fn idle_in_transaction_timeout_ends_the_session_and_rolls_back() {
    let server = TestServer::start();
    let mut other = one_row_table(&server);

    let mut sock = raw_session(server.port());
    raw_exec(
        &mut sock,
        "SET idle_in_transaction_session_timeout = '200ms'",
    );
    assert_eq!(raw_exec(&mut sock, "BEGIN"), b'T');
    assert_eq!(raw_exec(&mut sock, "UPDATE t SET v = 1 WHERE id = 1"), b'T');
    // Now idle in the transaction, holding the row lock: the server ends
    // the session with FATAL 25P03 and closes the connection.
    let (ty, body) = read_message(&mut sock).expect("an ErrorResponse");
    assert_eq!(ty, b'E');
    let fields = error_fields(&body);
    assert_eq!(field(&fields, 'S'), Some("FATAL"), "{fields:?}");
    assert_eq!(field(&fields, 'C'), Some("25P03"), "{fields:?}");
    assert_eq!(
        field(&fields, 'M'),
        Some("terminating connection due to idle-in-transaction timeout")
    );
    let rest = assert_closed(&mut sock, "idle-in-transaction timeout");
    assert!(rest.is_empty(), "{rest:?}");
    // Its update was rolled back and its lock released.
    assert_eq!(update_after_lock(&mut other), 10);

    // An aborted block times out too.
    let mut sock = raw_session(server.port());
    raw_exec(&mut sock, "SET idle_in_transaction_session_timeout = 200");
    raw_exec(&mut sock, "BEGIN");
    sock.write_all(&query_msg("SELECT 1/0")).expect("send");
    let msgs = until_ready(&mut sock);
    assert_eq!(msgs.last().map(|m| m.1[0]), Some(b'E'));
    let (ty, body) = read_message(&mut sock).expect("an ErrorResponse");
    assert_eq!(ty, b'E');
    assert_eq!(field(&error_fields(&body), 'C'), Some("25P03"));
    assert_closed(&mut sock, "aborted block");
}

#[test]
fn a_client_that_disconnects_mid_statement_is_cancelled_and_rolled_back() {
    let server = TestServer::start();
    let mut other = one_row_table(&server);

    let mut sock = raw_session(server.port());
    assert_eq!(raw_exec(&mut sock, "BEGIN"), b'T');
    assert_eq!(raw_exec(&mut sock, "UPDATE t SET v = 1 WHERE id = 1"), b'T');
    // A statement that would run for a very long time, then the client
    // goes away without waiting for it.
    sock.write_all(&query_msg(
        "SELECT count(*) FROM generate_series(1, 9000000000000000000)",
    ))
    .expect("send the long statement");
    drop(sock);
    // The statement stops, the session ends and its transaction rolls
    // back: the other session gets the row lock and sees v = 0 + 10.
    assert_eq!(update_after_lock(&mut other), 10);
    // The server is fine.
    let mut again = server.connect();
    again.simple_query("SELECT 1").expect("query");
}

#[cfg(target_os = "linux")]
#[test]
fn accepted_connections_have_tcp_keepalives() {
    let server = TestServer::start();
    let sock = raw_session(server.port());
    let client_port = sock.local_addr().expect("local addr").port();
    // The server's end: local 127.0.0.1:<server port>, remote
    // 127.0.0.1:<client port>. Its timer field ("tr") is 2 while the
    // keepalive timer is armed (see proc(5), /proc/net/tcp).
    let hex = |port: u16| format!("0100007F:{port:04X}");
    let table = std::fs::read_to_string("/proc/net/tcp").expect("/proc/net/tcp");
    let row = table
        .lines()
        .map(|l| l.split_whitespace().collect::<Vec<_>>())
        .find(|f| f.len() > 5 && f[1] == hex(server.port()) && f[2] == hex(client_port))
        .unwrap_or_else(|| panic!("the server's socket is not in /proc/net/tcp:\n{table}"));
    let timer = row[5].split(':').next().unwrap_or_default();
    assert_eq!(
        timer, "02",
        "no keepalive timer on the server's socket: {row:?}"
    );
    drop(sock);
}
