//! Transaction boundaries on the wire, compared message by message with
//! PostgreSQL 15: implicit transactions of multi-statement Query strings and
//! of extended-protocol messages up to Sync, skipping to Sync after an
//! error, 25P02 after an error inside BEGIN (at execution, at Parse, and
//! for errors of the protocol itself: a Bind, Describe or Execute naming an
//! unknown statement or portal), the CommandComplete tags and counts of the
//! extended protocol (including portals fetched in parts), and Describe of
//! a statement (ParameterDescription, then RowDescription or NoData).
//!
//! Each scenario is a list of raw frontend messages; it runs on a fresh
//! connection to a throwaway PostgreSQL 15 and to Rocksgres, and the two
//! transcripts (message types, command tags, SQLSTATEs, first column of
//! each data row, ReadyForQuery status) must be equal. PostgreSQL's
//! transcript must also hold the lines the scenario names, so that both
//! servers cannot agree on something the scenario is not about.

mod server_harness;

use std::io::{Read, Write};
use std::net::TcpStream;
use std::time::Duration;

use rocksgres_regression_tests::postgres_ref::PostgresRef;
use server_harness::TestServer;

fn cstr(out: &mut Vec<u8>, s: &str) {
    out.extend_from_slice(s.as_bytes());
    out.push(0);
}

fn message(ty: u8, body: &[u8]) -> Vec<u8> {
    let mut m = vec![ty];
    m.extend_from_slice(&((body.len() + 4) as u32).to_be_bytes());
    m.extend_from_slice(body);
    m
}

/// Frontend messages of a scenario.
enum Msg<'a> {
    Query(&'a str),
    Parse(&'a str, &'a str),
    /// Bind the unnamed portal to a statement, with text parameters.
    Bind(&'a str, &'a [&'a str]),
    /// Describe the unnamed portal.
    Describe,
    /// Describe a named (or the unnamed: "") statement.
    DescribeStatement(&'a str),
    /// Describe a named portal.
    DescribePortal(&'a str),
    /// Execute the unnamed portal with a row limit.
    Execute(i32),
    /// Execute a named portal (no row limit).
    ExecutePortal(&'a str),
    Sync,
}

/// Describe of statement (`b'S'`) or portal (`b'P'`) `name`.
fn describe(target: u8, name: &str) -> Vec<u8> {
    let mut b = vec![target];
    cstr(&mut b, name);
    message(b'D', &b)
}

/// Execute of portal `name`, at most `max_rows` rows (0: all).
fn execute(name: &str, max_rows: i32) -> Vec<u8> {
    let mut b = Vec::new();
    cstr(&mut b, name);
    b.extend_from_slice(&max_rows.to_be_bytes());
    message(b'E', &b)
}

fn encode(m: &Msg<'_>) -> Vec<u8> {
    let mut b = Vec::new();
    match m {
        Msg::Query(sql) => {
            cstr(&mut b, sql);
            message(b'Q', &b)
        }
        Msg::Parse(name, sql) => {
            cstr(&mut b, name);
            cstr(&mut b, sql);
            b.extend_from_slice(&0i16.to_be_bytes());
            message(b'P', &b)
        }
        Msg::Bind(stmt, params) => {
            cstr(&mut b, "");
            cstr(&mut b, stmt);
            b.extend_from_slice(&0i16.to_be_bytes());
            b.extend_from_slice(&(params.len() as i16).to_be_bytes());
            for p in *params {
                b.extend_from_slice(&(p.len() as i32).to_be_bytes());
                b.extend_from_slice(p.as_bytes());
            }
            b.extend_from_slice(&0i16.to_be_bytes());
            message(b'B', &b)
        }
        Msg::Describe => describe(b'P', ""),
        Msg::DescribeStatement(name) => describe(b'S', name),
        Msg::DescribePortal(name) => describe(b'P', name),
        Msg::Execute(max_rows) => execute("", *max_rows),
        Msg::ExecutePortal(name) => execute(name, 0),
        Msg::Sync => message(b'S', &b),
    }
}

fn startup(port: u16) -> TcpStream {
    let mut sock = TcpStream::connect(("127.0.0.1", port)).expect("connect");
    sock.set_read_timeout(Some(Duration::from_secs(20)))
        .expect("timeout");
    let mut body = 196_608u32.to_be_bytes().to_vec();
    for (k, v) in [("user", "postgres"), ("database", "postgres")] {
        cstr(&mut body, k);
        cstr(&mut body, v);
    }
    body.push(0);
    let mut msg = ((body.len() + 4) as u32).to_be_bytes().to_vec();
    msg.extend_from_slice(&body);
    sock.write_all(&msg).unwrap();
    read_until_ready(&mut sock);
    sock
}

/// The value of field `code` of an ErrorResponse/NoticeResponse body.
fn field(body: &[u8], code: u8) -> String {
    let mut i = 0;
    while i < body.len() && body[i] != 0 {
        let end = body[i + 1..].iter().position(|&b| b == 0).unwrap() + i + 1;
        if body[i] == code {
            return String::from_utf8_lossy(&body[i + 1..end]).into_owned();
        }
        i = end + 1;
    }
    String::new()
}

fn read_until_ready(sock: &mut TcpStream) -> Vec<String> {
    let mut out = Vec::new();
    loop {
        let mut head = [0u8; 5];
        sock.read_exact(&mut head).expect("read a message");
        let len = u32::from_be_bytes([head[1], head[2], head[3], head[4]]) as usize;
        let mut body = vec![0u8; len - 4];
        sock.read_exact(&mut body).expect("read a message body");
        let line = match head[0] {
            b'C' => format!("C {}", String::from_utf8_lossy(&body[..body.len() - 1])),
            b'E' => format!("E {}", field(&body, b'C')),
            b'N' => format!("N {}", field(&body, b'C')),
            b'Z' => format!("Z {}", body[0] as char),
            b'D' => {
                let n = i32::from_be_bytes([body[2], body[3], body[4], body[5]]);
                if n < 0 {
                    "D NULL".into()
                } else {
                    format!("D {}", String::from_utf8_lossy(&body[6..6 + n as usize]))
                }
            }
            b'S' | b'K' | b'R' => continue,
            t => (t as char).to_string(),
        };
        let ready = head[0] == b'Z';
        out.push(line);
        if ready {
            return out;
        }
    }
}

/// Runs a scenario on a fresh connection; the transcript of every
/// ReadyForQuery-terminated exchange.
fn run(port: u16, msgs: &[Msg<'_>]) -> Vec<String> {
    let mut sock = startup(port);
    let mut out = Vec::new();
    for m in msgs {
        sock.write_all(&encode(m)).unwrap();
        if matches!(m, Msg::Query(_) | Msg::Sync) {
            out.extend(read_until_ready(&mut sock));
        }
    }
    out
}

const SETUP: &str = "CREATE TABLE x (id int PRIMARY KEY, v text)";

/// A scenario: its name, its messages, and lines its transcript must hold
/// (so that a scenario cannot pass by both servers doing something else
/// than what it is about).
type Scenario = (&'static str, Vec<Msg<'static>>, &'static [&'static str]);

fn scenarios() -> Vec<Scenario> {
    use Msg::*;
    let count = || Query("SELECT count(*) FROM x");
    vec![
        (
            "a multi-statement query string is one transaction",
            vec![
                Query("INSERT INTO x VALUES (1, 'a'); SELECT 1/0"),
                count(),
                Query("INSERT INTO x VALUES (1, 'a'); COMMIT; INSERT INTO x VALUES (2, 'b'); SELECT 1/0"),
                count(),
                Query("INSERT INTO x VALUES (3, 'c'); BEGIN; INSERT INTO x VALUES (4, 'd'); SELECT 1/0"),
                Query("SELECT 1"),
                Query("ROLLBACK"),
                Query("INSERT INTO x VALUES (5, 'e'); ROLLBACK; INSERT INTO x VALUES (6, 'f')"),
                Query("SELECT id FROM x ORDER BY id"),
                Query("DELETE FROM x"),
            ],
            &[],
        ),
        (
            "the messages up to Sync are one transaction",
            vec![
                Parse("", "INSERT INTO x VALUES ($1, 'a')"),
                Bind("", &["1"]),
                Execute(0),
                Bind("", &["2"]),
                Execute(0),
                Parse("", "SELECT 1/0"),
                Bind("", &[]),
                Execute(0),
                Parse("", "INSERT INTO x VALUES (3, 'c')"),
                Bind("", &[]),
                Execute(0),
                Sync,
                count(),
                Parse("ins", "INSERT INTO x VALUES ($1, 'a')"),
                Bind("ins", &["1"]),
                Execute(0),
                Bind("ins", &["2"]),
                Execute(0),
                Sync,
                count(),
                Parse("", "SELECT * FROM missing"),
                Bind("ins", &["3"]),
                Execute(0),
                Sync,
                count(),
            ],
            &[],
        ),
        (
            "after an error inside BEGIN everything fails with 25P02",
            vec![
                Query("BEGIN"),
                Parse("", "INSERT INTO x VALUES (7, 'g')"),
                Bind("", &[]),
                Execute(0),
                Sync,
                Parse("", "SELECT 1/0"),
                Bind("", &[]),
                Execute(0),
                Sync,
                Parse("", "SELECT 1"),
                Bind("", &[]),
                Execute(0),
                Sync,
                Query("COMMIT"),
                count(),
                Query("BEGIN"),
                Parse("", "SELECT * FROM missing"),
                Sync,
                Parse("", "SELECT 1"),
                Bind("", &[]),
                Execute(0),
                Sync,
                Query("ROLLBACK"),
                Parse("", "SELECT 1"),
                Bind("", &[]),
                Execute(0),
                Sync,
            ],
            &["E 22012", "E 25P02", "C ROLLBACK"],
        ),
        (
            "extended-protocol command tags and counts",
            vec![
                Query("INSERT INTO x SELECT g, 'v' FROM generate_series(1, 5) g"),
                Parse("", "UPDATE x SET v = 'w' WHERE id >= $1"),
                Bind("", &["3"]),
                Execute(0),
                Parse("", "DELETE FROM x WHERE id = $1"),
                Bind("", &["2"]),
                Execute(0),
                Bind("", &["2"]),
                Execute(0),
                Parse("", "SELECT id FROM x ORDER BY id"),
                Bind("", &[]),
                Describe,
                Execute(2),
                Execute(1),
                Execute(0),
                Sync,
                Parse("", "INSERT INTO x VALUES (10, 'r'), (11, 'r'), (12, 'r') RETURNING id"),
                Bind("", &[]),
                Execute(2),
                Execute(0),
                Sync,
                Parse("", "SELECT id FROM x WHERE id > 100"),
                Bind("", &[]),
                Execute(0),
                Sync,
                count(),
            ],
            &[],
        ),
        (
            "a protocol error inside BEGIN fails the block too",
            vec![
                // Bind of an unknown statement (26000): then 25P02 for every
                // statement, whichever protocol, and COMMIT rolls back.
                Query("BEGIN"),
                Parse("", "INSERT INTO x VALUES (8, 'h')"),
                Bind("", &[]),
                Execute(0),
                Sync,
                Bind("nosuch", &[]),
                Execute(0),
                Sync,
                Parse("", "SELECT 1"),
                Bind("", &[]),
                Execute(0),
                Sync,
                Query("SELECT 1"),
                Query("COMMIT"),
                count(),
                // Execute of an unknown portal (34000).
                Query("BEGIN"),
                ExecutePortal("nosuch"),
                Sync,
                Query("SELECT 1"),
                Query("ROLLBACK"),
                // Describe of an unknown statement (26000) or portal (34000).
                Query("BEGIN"),
                DescribeStatement("nosuch"),
                Sync,
                Query("SELECT 1"),
                Query("ROLLBACK"),
                Query("BEGIN"),
                DescribePortal("nosuch"),
                Sync,
                Query("SELECT 1"),
                Query("ROLLBACK"),
                // A Query drops the unnamed statement: binding it fails.
                Parse("", "SELECT 1"),
                Sync,
                Query("BEGIN"),
                Bind("", &[]),
                Execute(0),
                Sync,
                Query("SELECT 1"),
                Query("ROLLBACK"),
                // Outside a block the implicit transaction is rolled back.
                Parse("", "INSERT INTO x VALUES (9, 'i')"),
                Bind("", &[]),
                Execute(0),
                Bind("nosuch", &[]),
                Sync,
                count(),
            ],
            &["E 26000", "E 34000", "E 25P02", "C ROLLBACK", "D 0"],
        ),
        (
            "Describe of a statement: parameters, then rows or NoData",
            vec![
                Parse("ins", "INSERT INTO x VALUES ($1, 'a')"),
                DescribeStatement("ins"),
                Sync,
                Parse("", "DELETE FROM x"),
                DescribeStatement(""),
                Sync,
                Parse("", ""),
                DescribeStatement(""),
                Bind("", &[]),
                Describe,
                Execute(0),
                Sync,
                Parse("", "SELECT $1::int"),
                DescribeStatement(""),
                Sync,
            ],
            &["t", "n", "T"],
        ),
    ]
}

#[test]
fn transaction_boundaries_match_postgres() {
    let pg = PostgresRef::start().expect("start PostgreSQL 15");
    let server = TestServer::start();
    let mut failures = Vec::new();
    for (name, msgs, must_hold) in scenarios() {
        for port in [pg.port(), server.port()] {
            run(
                port,
                &[Msg::Query("DROP TABLE IF EXISTS x"), Msg::Query(SETUP)],
            );
        }
        let want = run(pg.port(), &msgs);
        let got = run(server.port(), &msgs);
        for line in must_hold {
            assert!(
                want.iter().any(|l| l == line),
                "{name}: PostgreSQL's transcript lacks {line:?}: {want:?}"
            );
        }
        if want != got {
            failures.push(format!(
                "{name}:\n  PostgreSQL: {want:?}\n  Rocksgres:  {got:?}"
            ));
        }
    }
    assert!(
        failures.is_empty(),
        "transcripts differ from PostgreSQL 15's:\n{}\nserver log:\n{}",
        failures.join("\n"),
        server.log()
    );
}
