//! SCRAM-SHA-256 password authentication (`--password-file`): real `psql`,
//! the `postgres` client and raw sockets against a server started with a
//! password file; a bad password file stops the server at start-up.
//! Trust authentication without the option is covered by the other
//! `server_*` tests (they connect without a password); one check here too.

mod server_harness;

use std::io::{Read, Write};
use std::net::TcpStream;
use std::path::Path;
use std::process::{Command, Output, Stdio};
use std::time::Duration;

use server_harness::{server_binary, TestServer};
use tempfile::TempDir;

const PASSWORDS: &str = "\
# Rocksgres test users
alice:s3cret

postgres:pg pass:with colon
";

/// A server requiring SCRAM for the users in [`PASSWORDS`]; the directory
/// holding the password file must outlive it.
fn scram_server() -> (TestServer, TempDir) {
    let dir = tempfile::tempdir().expect("temp dir");
    let file = dir.path().join("passwords");
    std::fs::write(&file, PASSWORDS).expect("write the password file");
    let server = TestServer::start_with(&["--password-file", file.to_str().expect("utf-8 path")]);
    (server, dir)
}

/// `psql -c SQL` as `user`, with `password` in PGPASSWORD (or `-w`, never
/// prompt, when `None`); stdout and stderr together.
fn psql(port: u16, user: &str, password: Option<&str>, sql: &str) -> (bool, String) {
    let mut cmd = Command::new("psql");
    cmd.args(["-X", "-w", "-h", "127.0.0.1", "-p", &port.to_string()])
        .args(["-U", user, "-d", "postgres", "-At", "-c", sql])
        .env("PGCONNECT_TIMEOUT", "10")
        .env_remove("PGOPTIONS")
        .env_remove("PGPASSFILE")
        .env_remove("PGPASSWORD")
        .stdin(Stdio::null());
    if let Some(pw) = password {
        cmd.env("PGPASSWORD", pw);
    }
    let Output {
        status,
        stdout,
        stderr,
    } = cmd.output().expect("cannot run psql");
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&stdout),
        String::from_utf8_lossy(&stderr)
    );
    (status.success(), text)
}

fn connect(port: u16, user: &str, password: &str) -> Result<postgres::Client, postgres::Error> {
    postgres::Config::new()
        .host("127.0.0.1")
        .port(port)
        .user(user)
        .password(password)
        .dbname("postgres")
        .connect_timeout(Duration::from_secs(10))
        .connect(postgres::NoTls)
}

fn assert_auth_failed(result: Result<postgres::Client, postgres::Error>, user: &str) {
    let err = match result {
        Ok(_) => panic!("{user}: connected with a wrong password"),
        Err(e) => e,
    };
    let db = err
        .as_db_error()
        .unwrap_or_else(|| panic!("{user}: not a server error: {err:?}"));
    assert_eq!(db.code().code(), "28P01", "{db:?}");
    assert_eq!(db.severity(), "FATAL", "{db:?}");
    assert_eq!(
        db.message(),
        format!("password authentication failed for user \"{user}\"")
    );
}

#[test]
fn psql_authenticates_with_scram() {
    let (server, _dir) = scram_server();
    let port = server.port();

    let (ok, out) = psql(port, "alice", Some("s3cret"), "select 1");
    assert!(ok, "psql failed: {out}");
    assert_eq!(out.trim(), "1");

    // The password is everything after the first colon.
    let (ok, out) = psql(port, "postgres", Some("pg pass:with colon"), "select 2");
    assert!(ok, "psql failed: {out}");
    assert_eq!(out.trim(), "2");

    let (ok, out) = psql(port, "alice", Some("wrong"), "select 1");
    assert!(!ok, "a wrong password was accepted: {out}");
    assert!(
        out.contains("FATAL:  password authentication failed for user \"alice\""),
        "{out}"
    );

    // An unknown user fails the same way (no hint that it does not exist).
    let (ok, out) = psql(port, "mallory", Some("s3cret"), "select 1");
    assert!(!ok, "an unknown user was accepted: {out}");
    assert!(
        out.contains("FATAL:  password authentication failed for user \"mallory\""),
        "{out}"
    );

    // Without a password psql gives up: the server asks for one.
    let (ok, out) = psql(port, "alice", None, "select 1");
    assert!(!ok, "connected without a password: {out}");
    assert!(out.contains("no password supplied"), "{out}");

    // The server keeps serving.
    let (ok, out) = psql(port, "alice", Some("s3cret"), "select 3");
    assert!(ok && out.trim() == "3", "psql failed: {out}");
    assert!(server.log().contains("scram-sha-256"), "{}", server.log());
}

#[test]
fn postgres_client_authenticates_with_scram() {
    let (mut server, _dir) = scram_server();
    let port = server.port();

    let mut client = connect(port, "alice", "s3cret").expect("connect as alice");
    client
        .batch_execute("CREATE TABLE t (id int PRIMARY KEY, v text); INSERT INTO t VALUES (1, 'a')")
        .expect("write");
    let row = client
        .query_one("SELECT v FROM t WHERE id = $1", &[&1i32])
        .expect("read");
    assert_eq!(row.get::<_, String>(0), "a");

    assert_auth_failed(connect(port, "alice", "S3cret"), "alice");
    assert_auth_failed(connect(port, "alice", ""), "alice");
    assert_auth_failed(connect(port, "mallory", "s3cret"), "mallory");

    // Failed attempts do not disturb the server or other sessions.
    assert!(server.is_running());
    let row = client
        .query_one("SELECT count(*) FROM t", &[])
        .expect("still usable");
    assert_eq!(row.get::<_, i64>(0), 1);
    let mut other = connect(port, "postgres", "pg pass:with colon").expect("connect as postgres");
    let row = other.query_one("SELECT 1 + 1", &[]).expect("query");
    assert_eq!(row.get::<_, i32>(0), 2);
}

#[test]
fn cancel_works_after_scram_authentication() {
    let (server, _dir) = scram_server();
    let mut client = connect(server.port(), "alice", "s3cret").expect("connect");
    let token = client.cancel_token();
    let canceller = std::thread::spawn(move || {
        std::thread::sleep(Duration::from_millis(300));
        token.cancel_query(postgres::NoTls).unwrap();
    });
    let err = client
        .simple_query("SELECT count(*) FROM generate_series(1, 2000000000)")
        .unwrap_err();
    canceller.join().unwrap();
    assert_eq!(err.code().map(|c| c.code()), Some("57014"), "{err:?}");
}

/// Reads one backend message: (type, body).
fn read_message(sock: &mut TcpStream) -> Option<(u8, Vec<u8>)> {
    let mut head = [0u8; 5];
    sock.read_exact(&mut head).ok()?;
    let len = u32::from_be_bytes([head[1], head[2], head[3], head[4]]) as usize;
    let mut body = vec![0u8; len.saturating_sub(4)];
    sock.read_exact(&mut body).ok()?;
    Some((head[0], body))
}

fn frontend(ty: u8, body: &[u8]) -> Vec<u8> {
    let mut msg = vec![ty];
    msg.extend_from_slice(&((body.len() + 4) as u32).to_be_bytes());
    msg.extend_from_slice(body);
    msg
}

#[test]
fn only_scram_sha_256_is_offered_and_others_are_refused() {
    let (server, _dir) = scram_server();
    let mut sock = TcpStream::connect(("127.0.0.1", server.port())).expect("connect");
    sock.set_read_timeout(Some(Duration::from_secs(10)))
        .expect("timeout");
    let mut body = 196_608u32.to_be_bytes().to_vec();
    body.extend_from_slice(b"user\0alice\0database\0postgres\0\0");
    let mut startup = ((body.len() + 4) as u32).to_be_bytes().to_vec();
    startup.extend_from_slice(&body);
    sock.write_all(&startup).expect("send startup");

    // AuthenticationSASL (code 10) with exactly one mechanism.
    let (ty, body) = read_message(&mut sock).expect("an authentication request");
    assert_eq!(ty, b'R', "{body:?}");
    assert_eq!(&body[..4], &10u32.to_be_bytes(), "{body:?}");
    assert_eq!(&body[4..], b"SCRAM-SHA-256\0\0");

    // Picking the channel-binding variant fails (no TLS here).
    let mut initial = b"SCRAM-SHA-256-PLUS\0".to_vec();
    let first = b"p=tls-server-end-point,,n=,r=abcdefghijklmnop";
    initial.extend_from_slice(&(first.len() as u32).to_be_bytes());
    initial.extend_from_slice(first);
    sock.write_all(&frontend(b'p', &initial)).expect("send");
    let (ty, body) = read_message(&mut sock).expect("an error");
    let text = String::from_utf8_lossy(&body);
    assert_eq!(ty, b'E', "{text}");
    assert!(text.contains("FATAL") && text.contains("08P01"), "{text}");
    // Then the server hangs up. (pgwire's error path follows every error,
    // FATAL included, with a ReadyForQuery; clients ignore it.)
    let mut after = Vec::new();
    while let Some((ty, _)) = read_message(&mut sock) {
        after.push(ty);
        assert!(after.len() < 2, "the connection stays open: {after:?}");
    }
    assert!(after.iter().all(|t| *t == b'Z'), "{after:?}");

    // A query before authentication is refused too.
    let mut sock = TcpStream::connect(("127.0.0.1", server.port())).expect("connect");
    sock.set_read_timeout(Some(Duration::from_secs(10)))
        .expect("timeout");
    sock.write_all(&startup).expect("send startup");
    let (ty, _) = read_message(&mut sock).expect("an authentication request");
    assert_eq!(ty, b'R');
    sock.write_all(&frontend(b'Q', b"select 1\0"))
        .expect("send");
    let mut saw_error = false;
    while let Some((ty, body)) = read_message(&mut sock) {
        assert_ne!(ty, b'T', "a query ran before authentication");
        if ty == b'E' {
            let text = String::from_utf8_lossy(&body);
            assert!(text.contains("FATAL"), "{text}");
            saw_error = true;
        }
    }
    assert!(saw_error, "no error for a query before authentication");
}

fn start_expecting_failure(password_file: &Path) -> String {
    let dir = tempfile::tempdir().expect("temp dir");
    let out = Command::new(server_binary())
        .arg("--data-dir")
        .arg(dir.path().join("data"))
        .args(["--listen", "127.0.0.1:0", "--password-file"])
        .arg(password_file)
        .stdin(Stdio::null())
        .output()
        .expect("cannot run rocksgres");
    assert!(!out.status.success(), "the server started: {out:?}");
    String::from_utf8_lossy(&out.stderr).into_owned()
}

#[test]
fn bad_password_file_stops_start_up() {
    let dir = tempfile::tempdir().expect("temp dir");
    let missing = dir.path().join("missing");
    let err = start_expecting_failure(&missing);
    assert!(err.contains("could not read password file"), "{err}");

    for (text, want) in [
        ("alice\n", "line 1: expected user:password"),
        (
            "# c\nalice:x\nalice:y\n",
            "line 3: user \"alice\" is listed twice",
        ),
        ("bob:\n", "line 1: empty password"),
        ("# nobody\n", "no users"),
    ] {
        let file = dir.path().join("passwords");
        std::fs::write(&file, text).expect("write");
        let err = start_expecting_failure(&file);
        assert!(
            err.contains("invalid password file") && err.contains(want),
            "{text:?}: {err}"
        );
    }
}

#[test]
fn help_documents_the_option_and_trust_still_works() {
    let out = Command::new(server_binary())
        .arg("--help")
        .output()
        .expect("run --help");
    let help = String::from_utf8_lossy(&out.stdout);
    assert!(help.contains("--password-file FILE"), "{help}");
    assert!(help.contains("SCRAM-SHA-256"), "{help}");

    // Without the option: any user, no password.
    let server = TestServer::start();
    let mut client = postgres::Config::new()
        .host("127.0.0.1")
        .port(server.port())
        .user("anyone")
        .dbname("postgres")
        .connect(postgres::NoTls)
        .expect("trust connect");
    let row = client.query_one("SELECT 1 + 1", &[]).expect("query");
    assert_eq!(row.get::<_, i32>(0), 2);
    let (ok, out) = psql(server.port(), "postgres", None, "select 1");
    assert!(ok && out.trim() == "1", "{out}");
}
