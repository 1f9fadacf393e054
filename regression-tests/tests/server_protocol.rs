//! Wire-protocol behaviour of the Rocksgres server, through the `postgres`
//! client (extended protocol, binary parameters and results) and raw
//! sockets (malformed messages).

mod server_harness;

use std::io::{Read, Write};
use std::net::TcpStream;
use std::process::Command;
use std::time::{Duration, SystemTime};

use server_harness::{server_binary, TestServer};

/// Reads backend messages until one of type `until` (inclusive) or EOF.
/// Returns (type, body) pairs.
fn read_messages(sock: &mut TcpStream, until: u8) -> Vec<(u8, Vec<u8>)> {
    let mut out = Vec::new();
    loop {
        let mut head = [0u8; 5];
        if sock.read_exact(&mut head).is_err() {
            return out;
        }
        let len = u32::from_be_bytes([head[1], head[2], head[3], head[4]]) as usize;
        let mut body = vec![0u8; len.saturating_sub(4)];
        if sock.read_exact(&mut body).is_err() {
            return out;
        }
        let ty = head[0];
        out.push((ty, body));
        if ty == until {
            return out;
        }
    }
}

fn startup(port: u16) -> TcpStream {
    let mut sock = TcpStream::connect(("127.0.0.1", port)).expect("connect");
    sock.set_read_timeout(Some(Duration::from_secs(10)))
        .expect("timeout");
    let mut body = Vec::new();
    body.extend_from_slice(&196_608u32.to_be_bytes()); // protocol 3.0
    for (k, v) in [("user", "postgres"), ("database", "postgres")] {
        body.extend_from_slice(k.as_bytes());
        body.push(0);
        body.extend_from_slice(v.as_bytes());
        body.push(0);
    }
    body.push(0);
    let mut msg = ((body.len() + 4) as u32).to_be_bytes().to_vec();
    msg.extend_from_slice(&body);
    sock.write_all(&msg).expect("send startup");
    let msgs = read_messages(&mut sock, b'Z');
    assert_eq!(msgs.last().map(|m| m.0), Some(b'Z'), "no ReadyForQuery");
    let params: Vec<String> = msgs
        .iter()
        .filter(|m| m.0 == b'S')
        .map(|m| String::from_utf8_lossy(&m.1).replace('\0', "="))
        .collect();
    assert!(
        params.iter().any(|p| p.starts_with("server_version=15.")),
        "{params:?}"
    );
    assert!(msgs.iter().any(|m| m.0 == b'K'), "no BackendKeyData");
    sock
}

#[test]
fn malformed_message_closes_only_that_connection() {
    let server = TestServer::start();
    let mut bystander = server.connect();
    let mut sock = startup(server.port());
    sock.write_all(b"\x01garbage that is not a protocol message at all")
        .expect("send garbage");
    let msgs = read_messages(&mut sock, 0);
    let error = msgs
        .iter()
        .find(|m| m.0 == b'E')
        .unwrap_or_else(|| panic!("no ErrorResponse, got {msgs:?}"));
    let text = String::from_utf8_lossy(&error.1);
    assert!(text.contains("FATAL") && text.contains("08P01"), "{text}");
    // The server closed the socket after the error.
    let mut buf = [0u8; 1];
    assert_eq!(sock.read(&mut buf).unwrap_or(0), 0, "connection still open");
    // Everyone else is still served.
    let v: i32 = bystander.query_one("SELECT 41 + 1", &[]).unwrap().get(0);
    assert_eq!(v, 42);
    let mut fresh = server.connect();
    let v: i32 = fresh.query_one("SELECT 7", &[]).unwrap().get(0);
    assert_eq!(v, 7);
}

#[test]
fn extended_protocol_binary_params_and_results() {
    let server = TestServer::start();
    let mut c = server.connect();
    c.batch_execute(
        "CREATE TABLE kv (id int PRIMARY KEY, big bigint, name text, f float8, ok boolean, at timestamp)",
    )
    .unwrap();
    let insert = c
        .prepare("INSERT INTO kv VALUES ($1, $2, $3, $4, $5, $6)")
        .unwrap();
    let types: Vec<u32> = insert.params().iter().map(|t| t.oid()).collect();
    assert_eq!(
        types,
        vec![23, 20, 25, 701, 16, 1114],
        "inferred parameter types"
    );
    let at = SystemTime::UNIX_EPOCH + Duration::from_secs(1_700_000_000);
    for i in 1..=5i32 {
        let name = format!("n{i}");
        let f = f64::from(i) / 4.0;
        let n = c
            .execute(
                &insert,
                &[&i, &(i64::from(i) << 40), &name, &f, &(i % 2 == 0), &at],
            )
            .unwrap();
        assert_eq!(n, 1);
    }
    c.execute(
        &insert,
        &[
            &6i32,
            &None::<i64>,
            &None::<String>,
            &None::<f64>,
            &None::<bool>,
            &None::<SystemTime>,
        ],
    )
    .unwrap();

    let select = c
        .prepare("SELECT id, big, name, f, ok, at FROM kv WHERE id = $1")
        .unwrap();
    assert_eq!(select.columns().len(), 6);
    assert_eq!(select.columns()[1].type_().oid(), 20);
    let row = c.query_one(&select, &[&3i32]).unwrap();
    assert_eq!(row.get::<_, i32>(0), 3);
    assert_eq!(row.get::<_, i64>(1), 3i64 << 40);
    assert_eq!(row.get::<_, String>(2), "n3");
    assert_eq!(row.get::<_, f64>(3), 0.75);
    assert!(!row.get::<_, bool>(4));
    assert_eq!(row.get::<_, SystemTime>(5), at);
    let row = c.query_one(&select, &[&6i32]).unwrap();
    assert_eq!(row.get::<_, Option<i64>>(1), None);
    assert_eq!(row.get::<_, Option<String>>(2), None);

    // A row limit suspends the portal; later fetches continue it.
    let mut tx = c.transaction().unwrap();
    let portal = tx.bind("SELECT id FROM kv ORDER BY id", &[]).unwrap();
    let mut seen = Vec::new();
    loop {
        let rows = tx.query_portal(&portal, 2).unwrap();
        if rows.is_empty() {
            break;
        }
        seen.extend(rows.iter().map(|r| r.get::<_, i32>(0)));
    }
    assert_eq!(seen, vec![1, 2, 3, 4, 5, 6]);
    tx.commit().unwrap();

    // An error fails the transaction until ROLLBACK; the session recovers.
    c.batch_execute("BEGIN").unwrap();
    let err = c
        .execute(&insert, &[&1i32, &0i64, &"dup", &0.0f64, &true, &at])
        .unwrap_err();
    assert_eq!(err.code().map(|s| s.code()), Some("23505"), "{err}");
    let err = c.query_one(&select, &[&1i32]).unwrap_err();
    assert_eq!(err.code().map(|s| s.code()), Some("25P02"), "{err}");
    c.batch_execute("ROLLBACK").unwrap();
    let n: i64 = c.query_one("SELECT count(*) FROM kv", &[]).unwrap().get(0);
    assert_eq!(n, 6);
}

#[test]
fn copy_through_the_extended_protocol() {
    let server = TestServer::start();
    let mut c = server.connect();
    c.batch_execute("CREATE TABLE t (a int, b text)").unwrap();
    {
        let mut w = c
            .copy_in("COPY t (a, b) FROM STDIN WITH (FORMAT csv)")
            .unwrap();
        for i in 0..2500 {
            writeln!(w, "{i},\"row {i}\"").unwrap();
        }
        assert_eq!(w.finish().unwrap(), 2500);
    }
    let mut out = String::new();
    c.copy_out("COPY (SELECT a, b FROM t WHERE a < 3 ORDER BY a) TO STDOUT")
        .unwrap()
        .read_to_string(&mut out)
        .unwrap();
    assert_eq!(out, "0\trow 0\n1\trow 1\n2\trow 2\n");
    // Bad data: the whole COPY is rolled back.
    {
        let mut w = c.copy_in("COPY t FROM STDIN").unwrap();
        w.write_all(b"9000\tok\nnot-a-number\tbad\n").unwrap();
        assert!(w.finish().is_err());
    }
    let n: i64 = c.query_one("SELECT count(*) FROM t", &[]).unwrap().get(0);
    assert_eq!(n, 2500);
}

#[test]
fn copy_without_columns_computes_generated_columns() {
    let server = TestServer::start();
    let mut c = server.connect();
    c.batch_execute("CREATE TABLE cg (a int, b int GENERATED ALWAYS AS (a * 10) STORED)")
        .unwrap();
    {
        let mut w = c.copy_in("COPY cg FROM STDIN").unwrap();
        w.write_all(b"1\n2\n").unwrap();
        assert_eq!(w.finish().unwrap(), 2);
    }
    let rows: Vec<(i32, i32)> = c
        .query("SELECT a, b FROM cg ORDER BY a", &[])
        .unwrap()
        .iter()
        .map(|r| (r.get(0), r.get(1)))
        .collect();
    assert_eq!(rows, vec![(1, 10), (2, 20)]);
    // Naming a generated column fails as in PostgreSQL (42P10), also
    // quoted, and the table is unchanged. (The client library gives up on
    // a connection whose COPY failed, with PostgreSQL too: one each.)
    for cmd in ["COPY cg (a, b) FROM STDIN", "COPY cg (\"b\") FROM STDIN"] {
        let mut c = server.connect();
        let e = c.copy_in::<_>(cmd).err().expect("COPY naming b must fail");
        let db = e
            .as_db_error()
            .unwrap_or_else(|| panic!("a server error: {e:?}"));
        assert_eq!(db.code().code(), "42P10");
        assert_eq!(db.message(), "column \"b\" is a generated column");
        assert_eq!(
            db.detail(),
            Some("Generated columns cannot be used in COPY.")
        );
    }
    let n: i64 = c.query_one("SELECT count(*) FROM cg", &[]).unwrap().get(0);
    assert_eq!(n, 2);
}

#[test]
fn startup_options_apply_to_the_session() {
    let server = TestServer::start();
    let mut c = postgres::Config::new()
        .host("127.0.0.1")
        .port(server.port())
        .user("postgres")
        .dbname("postgres")
        .options("-c synchronous_commit=off -c default_transaction_isolation=repeatable\\ read")
        .connect(postgres::NoTls)
        .unwrap();
    let v: String = c.query_one("SHOW synchronous_commit", &[]).unwrap().get(0);
    assert_eq!(v, "off");
    let v: String = c
        .query_one("SHOW default_transaction_isolation", &[])
        .unwrap()
        .get(0);
    assert_eq!(v, "repeatable read");
    let bad = postgres::Config::new()
        .host("127.0.0.1")
        .port(server.port())
        .user("postgres")
        .options("-c no_such_setting=1")
        .connect(postgres::NoTls);
    assert!(bad.is_err(), "an unknown startup option must be FATAL");
}

#[test]
fn second_server_on_the_same_data_dir_is_refused() {
    let server = TestServer::start();
    let out = Command::new(server_binary())
        .arg("--data-dir")
        .arg(server.data_dir())
        .args(["--listen", "127.0.0.1:0"])
        .output()
        .unwrap();
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("in use"), "{err}");
}

#[test]
fn cancel_request_and_statement_timeout_stop_a_query() {
    let server = TestServer::start();
    let mut client = server.connect();
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
    // The connection is still usable afterwards.
    let rows = client.query("SELECT 1::int4", &[]).unwrap();
    assert_eq!(rows[0].get::<_, i32>(0), 1);

    client.batch_execute("SET statement_timeout = 200").unwrap();
    let err = client
        .simple_query("SELECT count(*) FROM generate_series(1, 2000000000)")
        .unwrap_err();
    assert_eq!(err.code().map(|c| c.code()), Some("57014"), "{err}");
    let message = err.as_db_error().map(|e| e.message().to_string());
    assert!(
        message
            .as_deref()
            .is_some_and(|m| m.contains("statement timeout")),
        "{message:?}"
    );
}

/// A frontend message: type byte, length, body.
fn frontend(ty: u8, body: &[u8]) -> Vec<u8> {
    let mut msg = vec![ty];
    msg.extend_from_slice(&((body.len() + 4) as u32).to_be_bytes());
    msg.extend_from_slice(body);
    msg
}

/// NUL-terminated strings, concatenated.
fn cstrs(parts: &[&str]) -> Vec<u8> {
    let mut out = Vec::new();
    for p in parts {
        out.extend_from_slice(p.as_bytes());
        out.push(0);
    }
    out
}

/// Parse of `sql` as statement `name` (no parameter types).
fn parse_msg(name: &str, sql: &str) -> Vec<u8> {
    let mut body = cstrs(&[name, sql]);
    body.extend_from_slice(&0u16.to_be_bytes());
    frontend(b'P', &body)
}

/// Bind of statement `name` to the unnamed portal, no parameters, then
/// Execute of that portal.
fn bind_execute_msgs(name: &str) -> Vec<u8> {
    let mut body = cstrs(&["", name]);
    body.extend_from_slice(&[0; 6]); // no formats, parameters, result formats
    let mut out = frontend(b'B', &body);
    let mut exec = cstrs(&[""]);
    exec.extend_from_slice(&0u32.to_be_bytes());
    out.extend(frontend(b'E', &exec));
    out
}

fn sync_msg() -> Vec<u8> {
    frontend(b'S', &[])
}

/// Sends `bytes` and reads the answer up to ReadyForQuery; returns the
/// CommandComplete tags and the (SQLSTATE, message) of any error.
fn exchange(sock: &mut TcpStream, bytes: &[u8]) -> (Vec<String>, Option<(String, String)>) {
    sock.write_all(bytes).expect("send");
    let msgs = read_messages(sock, b'Z');
    assert_eq!(msgs.last().map(|m| m.0), Some(b'Z'), "{msgs:?}");
    let text = |b: &[u8]| String::from_utf8_lossy(b).into_owned();
    let tags = msgs
        .iter()
        .filter(|m| m.0 == b'C')
        .map(|m| text(m.1.strip_suffix(&[0]).unwrap_or(&m.1)))
        .collect();
    let error = msgs.iter().find(|m| m.0 == b'E').map(|m| {
        let field = |code: u8| {
            m.1.split(|b| *b == 0)
                .find(|f| f.first() == Some(&code))
                .map(|f| text(&f[1..]))
                .unwrap_or_default()
        };
        (field(b'C'), field(b'M'))
    });
    (tags, error)
}

fn no_statement(name: &str) -> Option<(String, String)> {
    Some((
        "26000".into(),
        format!("prepared statement \"{name}\" does not exist"),
    ))
}

#[test]
fn deallocate_drops_named_statements() {
    let server = TestServer::start();
    let mut sock = startup(server.port());
    let mut parse_both = parse_msg("s1", "SELECT 1");
    parse_both.extend(parse_msg("s2", "SELECT 2"));
    parse_both.extend(parse_msg("s3", "SELECT 3"));
    parse_both.extend(sync_msg());
    assert_eq!(exchange(&mut sock, &parse_both), (vec![], None));
    let run = |name: &str| [bind_execute_msgs(name), sync_msg()].concat();
    assert_eq!(exchange(&mut sock, &run("s1")).0, ["SELECT 1"]);

    // DEALLOCATE name (simple protocol) drops that statement only.
    let query = |sql: &str| frontend(b'Q', &cstrs(&[sql]));
    assert_eq!(
        exchange(&mut sock, &query("DEALLOCATE s1")),
        (vec!["DEALLOCATE".into()], None)
    );
    assert_eq!(
        exchange(&mut sock, &run("s1")),
        (vec![], no_statement("s1"))
    );
    assert_eq!(exchange(&mut sock, &run("s2")).0, ["SELECT 1"]);
    let describe = [frontend(b'D', &cstrs(&["Ss1"])), sync_msg()].concat();
    assert_eq!(exchange(&mut sock, &describe).1, no_statement("s1"));

    // DEALLOCATE ALL in a block (as psycopg sends it), not undone by ROLLBACK.
    assert_eq!(
        exchange(&mut sock, &query("BEGIN; DEALLOCATE PREPARE ALL; ROLLBACK")),
        (
            vec!["BEGIN".into(), "DEALLOCATE ALL".into(), "ROLLBACK".into()],
            None
        )
    );
    assert_eq!(exchange(&mut sock, &run("s2")).1, no_statement("s2"));
    assert_eq!(exchange(&mut sock, &run("s3")).1, no_statement("s3"));
    assert_eq!(
        exchange(&mut sock, &query("DEALLOCATE s2")),
        (vec![], no_statement("s2"))
    );

    // A name can be prepared again; DEALLOCATE through the extended
    // protocol drops it too. A Close dropped statement is unknown to it.
    let msgs = [
        parse_msg("s1", "SELECT 10"),
        parse_msg("s4", "SELECT 4"),
        frontend(b'C', &cstrs(&["Ss4"])),
        parse_msg("", "DEALLOCATE s1"),
        bind_execute_msgs(""),
        sync_msg(),
    ]
    .concat();
    assert_eq!(
        exchange(&mut sock, &msgs),
        (vec!["DEALLOCATE".into()], None)
    );
    assert_eq!(exchange(&mut sock, &run("s1")).1, no_statement("s1"));
    assert_eq!(
        exchange(&mut sock, &query("DEALLOCATE s4")).1,
        no_statement("s4")
    );
    // In a failed block it is refused like any other statement.
    assert_eq!(
        exchange(&mut sock, &query("BEGIN; SELECT 1/0"))
            .1
            .map(|e| e.0),
        Some("22012".into())
    );
    assert_eq!(
        exchange(&mut sock, &query("DEALLOCATE ALL")).1.map(|e| e.0),
        Some("25P02".into())
    );
    assert_eq!(exchange(&mut sock, &query("ROLLBACK")).0, ["ROLLBACK"]);

    // The same through the `postgres` client, which names its statements.
    let mut c = server.connect();
    let stmt = c.prepare("SELECT 41 + 1").unwrap();
    assert_eq!(c.query_one(&stmt, &[]).unwrap().get::<_, i32>(0), 42);
    c.batch_execute("DEALLOCATE ALL").unwrap();
    let err = c.query_one(&stmt, &[]).unwrap_err();
    let db = err.as_db_error().unwrap_or_else(|| panic!("{err}"));
    assert_eq!(db.code().code(), "26000", "{err}");
    assert!(db.message().ends_with("\" does not exist"), "{err}");
    let err = c.batch_execute("DEALLOCATE nosuch").unwrap_err();
    let db = err.as_db_error().unwrap_or_else(|| panic!("{err}"));
    assert_eq!(
        (db.code().code(), db.message()),
        ("26000", "prepared statement \"nosuch\" does not exist")
    );
    assert_eq!(
        c.query_one("SELECT 7", &[]).unwrap().get::<_, i32>(0),
        7,
        "the connection is still usable"
    );
}

/// `record_send`'s layout of fields `(type OID, binary value or NULL)`.
fn record_send(fields: &[(u32, Option<&[u8]>)]) -> Vec<u8> {
    let mut out = (fields.len() as i32).to_be_bytes().to_vec();
    for (oid, f) in fields {
        out.extend_from_slice(&oid.to_be_bytes());
        match f {
            None => out.extend_from_slice(&(-1i32).to_be_bytes()),
            Some(b) => {
                out.extend_from_slice(&(b.len() as i32).to_be_bytes());
                out.extend_from_slice(b);
            }
        }
    }
    out
}

#[test]
fn binary_composite_parameters_follow_record_recv() {
    let server = TestServer::start();
    let mut c = server.connect();
    c.batch_execute("CREATE TYPE cb AS (a int, b text); CREATE TABLE cbt (n int, c cb)")
        .unwrap();
    let mut sock = startup(server.port());
    let insert = |sock: &mut TcpStream, n: i32, value: &[u8]| {
        let mut bind = cstrs(&["", ""]);
        bind.extend_from_slice(&1u16.to_be_bytes()); // one format: binary
        bind.extend_from_slice(&1u16.to_be_bytes());
        bind.extend_from_slice(&1u16.to_be_bytes()); // one parameter
        bind.extend_from_slice(&(value.len() as i32).to_be_bytes());
        bind.extend_from_slice(value);
        bind.extend_from_slice(&0u16.to_be_bytes());
        let mut exec = cstrs(&[""]);
        exec.extend_from_slice(&0u32.to_be_bytes());
        let mut bytes = parse_msg("", &format!("INSERT INTO cbt VALUES ({n}, $1::cb)"));
        bytes.extend(frontend(b'B', &bind));
        bytes.extend(frontend(b'E', &exec));
        bytes.extend(sync_msg());
        exchange(sock, &bytes)
    };
    let seven = 7i32.to_be_bytes();
    let (tags, err) = insert(
        &mut sock,
        1,
        &record_send(&[(23, Some(&seven)), (25, Some(b"a b"))]),
    );
    assert_eq!((tags, err), (vec!["INSERT 0 1".to_string()], None));
    let (_, err) = insert(&mut sock, 2, &record_send(&[(23, None), (25, Some(b""))]));
    assert_eq!(err, None);
    let (_, err) = insert(&mut sock, 3, &record_send(&[(23, None)]));
    assert_eq!(
        err,
        Some((
            "42804".into(),
            "wrong number of columns: 1, expected 2".into()
        ))
    );
    let (_, err) = insert(&mut sock, 3, &record_send(&[(25, None), (25, None)]));
    assert_eq!(
        err,
        Some((
            "42804".into(),
            "binary data has type 25 (text) instead of expected 23 (integer) in record column 1"
                .into()
        ))
    );
    let mut short = record_send(&[(23, Some(&seven)), (25, Some(b"a b"))]);
    short.pop();
    let (_, err) = insert(&mut sock, 3, &short);
    assert_eq!(
        err,
        Some(("22P03".into(), "insufficient data left in message".into()))
    );
    let rows: Vec<String> = c
        .query("SELECT c::text FROM cbt ORDER BY n", &[])
        .unwrap()
        .iter()
        .map(|r| r.get(0))
        .collect();
    assert_eq!(rows, ["(7,\"a b\")", "(,\"\")"]);
}
