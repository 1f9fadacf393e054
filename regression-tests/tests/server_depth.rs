//! Deep statements over the wire (issue 12, section 1): each one used to
//! overflow the stack of the connection thread and abort the server. Each
//! must now get its result, or 54001 `stack depth limit exceeded` past the
//! limits, through both the simple and the extended protocol -- and the
//! server must answer `SELECT 1` afterwards. View cycles give 42P17.

mod server_harness;

use server_harness::TestServer;

fn chain(term: &str, op: &str, n: usize) -> String {
    vec![term; n].join(op)
}

fn nest(open: &str, inner: &str, close: &str, n: usize) -> String {
    format!("{}{inner}{}", open.repeat(n), close.repeat(n))
}

/// The first column of the first row, as text, or the SQLSTATE.
fn outcome(client: &mut postgres::Client, sql: &str, extended: bool) -> Result<String, String> {
    let code = |e: postgres::Error| {
        e.as_db_error()
            .map(|d| d.code().code().to_string())
            .unwrap_or_else(|| format!("not a server error: {e}"))
    };
    if extended {
        let rows = client.query(sql, &[]).map_err(code)?;
        Ok(rows
            .first()
            .map(|r| r.get::<_, Option<String>>(0).unwrap_or_default())
            .unwrap_or_default())
    } else {
        let msgs = client.simple_query(sql).map_err(code)?;
        Ok(msgs
            .iter()
            .find_map(|m| match m {
                postgres::SimpleQueryMessage::Row(r) => Some(r.get(0).unwrap_or("").to_string()),
                _ => None,
            })
            .unwrap_or_default())
    }
}

fn check(server: &mut TestServer, sql: &str, expected: Result<&str, &str>) {
    let mut client = server.connect();
    for extended in [false, true] {
        // The extended protocol's results are asked for as text.
        let sql = if extended && expected.is_ok() {
            format!("SELECT ({sql})::text")
        } else {
            sql.to_string()
        };
        let got = outcome(&mut client, &sql, extended);
        assert_eq!(
            got.as_deref().map_err(String::as_str),
            expected,
            "{}... (extended: {extended})",
            &sql[..sql.len().min(60)]
        );
        assert!(server.is_running(), "the server died:\n{}", server.log());
        let one = client
            .simple_query("SELECT 1")
            .expect("the server answers SELECT 1");
        assert!(!one.is_empty());
    }
}

#[test]
fn deep_statements_do_not_abort_the_server() {
    let mut server = TestServer::start();
    server
        .connect()
        .batch_execute(
            "CREATE TABLE t (id int PRIMARY KEY, a int); \
             INSERT INTO t SELECT g, 1 FROM generate_series(0, 9) g",
        )
        .expect("setup");
    let ors = |n: usize| {
        (0..n)
            .map(|i| format!("id = {i}"))
            .collect::<Vec<_>>()
            .join(" OR ")
    };
    let ands = |n: usize| {
        (0..n)
            .map(|i| format!("id <> {}", i + 100))
            .collect::<Vec<_>>()
            .join(" AND ")
    };
    let cases: Vec<(String, Result<&str, &str>)> = vec![
        // The statements.
        (
            format!("SELECT count(*) FROM t WHERE {}", ors(2000)),
            Ok("10"),
        ),
        (format!("SELECT {}", chain("1", " + ", 2000)), Ok("2000")),
        (
            format!("SELECT length({})", chain("'a'", " || ", 3000)),
            Ok("3000"),
        ),
        (
            format!("SELECT count(*) FROM t WHERE {}", ands(2000)),
            Ok("10"),
        ),
        // What PostgreSQL 15 takes: flat conditions of 100,000 terms ...
        (
            format!("SELECT count(*) FROM t WHERE {}", ors(100_000)),
            Ok("10"),
        ),
        (
            format!("SELECT count(*) FROM t WHERE {}", ands(100_000)),
            Ok("10"),
        ),
        // ... and nesting up to its stack limit.
        (format!("SELECT {}", nest("(", "1", ")", 9993)), Ok("1")),
        (
            format!("SELECT {}", nest("(SELECT ", "1", ")", 2111)),
            Ok("1"),
        ),
        (format!("SELECT {}", nest("abs(", "-1", ")", 4091)), Ok("1")),
        // Beyond: 54001, as PostgreSQL.
        (format!("SELECT {}", chain("1", "+", 100_000)), Err("54001")),
        (format!("SELECT {}", chain("a", "+", 100_000)), Err("54001")),
        (
            format!("SELECT {}", nest("(", "1", ")", 100_000)),
            Err("54001"),
        ),
        (
            format!("SELECT {}", nest("(SELECT ", "1", ")", 100_000)),
            Err("54001"),
        ),
        (
            format!("SELECT {}", nest("abs(", "1", ")", 100_000)),
            Err("54001"),
        ),
        (
            format!("EXPLAIN SELECT {}", chain("a", "+", 100_000)),
            Err("54001"),
        ),
    ];
    for (sql, expected) in &cases {
        check(&mut server, sql, *expected);
    }
}

#[test]
fn view_cycles_fail_with_42p17_and_the_catalog_stays_readable() {
    let mut server = TestServer::start();
    let mut client = server.connect();
    client
        .batch_execute(
            "CREATE TABLE t1 (a int); CREATE VIEW v2 AS SELECT * FROM t1; \
             CREATE VIEW v3 AS SELECT * FROM v2; \
             CREATE OR REPLACE VIEW v2 AS SELECT * FROM v3",
        )
        .expect("PostgreSQL accepts the cycle");
    for _ in 0..2 {
        for (sql, view) in [("SELECT * FROM v2", "v2"), ("SELECT * FROM v3", "v3")] {
            let e = client.simple_query(sql).expect_err(sql);
            let db = e.as_db_error().expect("a server error");
            assert_eq!(db.code().code(), "42P17");
            assert_eq!(
                db.message(),
                format!("infinite recursion detected in rules for relation \"{view}\"")
            );
        }
        for sql in [
            "SELECT * FROM pg_class",
            "SELECT * FROM information_schema.tables",
            "SELECT * FROM information_schema.columns",
            "SELECT * FROM information_schema.views",
            "SELECT * FROM pg_views",
        ] {
            client.simple_query(sql).expect(sql);
        }
        // And again on a fresh connection.
        client = server.connect();
    }
    assert!(server.is_running());
}
