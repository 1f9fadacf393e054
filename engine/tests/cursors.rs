//! SQL cursors through the embedding API: what the slt corpus
//! (`regression-tests/slt/query/cursors.slt`) cannot see. Command tags
//! (`DECLARE CURSOR`, `FETCH n`, `MOVE n`, `CLOSE CURSOR`, `CLOSE CURSOR
//! ALL`), PostgreSQL 15's messages and hint, cursor statements mixed with
//! others in one query string, a DECLARE with parameters through
//! prepare/execute (as drivers send it), a prepared FETCH described with
//! its cursor's columns, `Session::cursor_columns`, and the 0A000 refusals.

mod common;
use common::q;

use rocksgres_engine::{Database, SqlState, Value};

fn tag<S: rocksgres_engine::storage::Store>(
    s: &mut rocksgres_engine::Session<S>,
    sql: &str,
) -> String {
    s.query(sql, &[])
        .unwrap_or_else(|e| panic!("{sql}: {e}"))
        .tag
        .to_string()
}

fn setup() -> rocksgres_engine::Session<rocksgres_engine::storage::MemoryStore> {
    let db = Database::open_in_memory();
    let mut s = db.session();
    s.batch(
        "CREATE TABLE t (a int PRIMARY KEY, b text); \
         INSERT INTO t SELECT g, 'r' || g FROM generate_series(1, 5) g",
    )
    .unwrap();
    s
}

#[test]
fn command_tags() {
    let mut s = setup();
    tag(&mut s, "BEGIN");
    assert_eq!(
        tag(
            &mut s,
            "DECLARE c SCROLL CURSOR FOR SELECT * FROM t ORDER BY a"
        ),
        "DECLARE CURSOR"
    );
    assert_eq!(tag(&mut s, "FETCH 2 FROM c"), "FETCH 2");
    assert_eq!(tag(&mut s, "FETCH ALL FROM c"), "FETCH 3");
    assert_eq!(tag(&mut s, "FETCH c"), "FETCH 0");
    assert_eq!(tag(&mut s, "MOVE BACKWARD ALL IN c"), "MOVE 5");
    assert_eq!(tag(&mut s, "MOVE 0 IN c"), "MOVE 0");
    assert_eq!(tag(&mut s, "MOVE FORWARD 10 IN c"), "MOVE 5");
    assert_eq!(tag(&mut s, "CLOSE c"), "CLOSE CURSOR");
    tag(&mut s, "DECLARE d CURSOR FOR SELECT 1");
    assert_eq!(tag(&mut s, "CLOSE ALL"), "CLOSE CURSOR ALL");
    tag(&mut s, "COMMIT");
}

#[test]
fn fetch_result_has_the_cursor_columns() {
    let mut s = setup();
    tag(&mut s, "BEGIN");
    tag(
        &mut s,
        "DECLARE c CURSOR FOR SELECT a, b AS label FROM t ORDER BY a",
    );
    let r = s.query("FETCH 0 FROM c", &[]).unwrap();
    let names: Vec<&str> = r.columns.iter().map(|c| c.name.as_str()).collect();
    assert_eq!(names, ["a", "label"]);
    assert!(r.rows.is_empty());
    let cols = s.cursor_columns("c").expect("open cursor");
    assert_eq!(cols.len(), 2);
    assert!(s.cursor_columns("nosuch").is_none());
    tag(&mut s, "ROLLBACK");
    assert!(s.cursor_columns("c").is_none());
}

#[test]
fn errors_as_postgres() {
    let mut s = setup();
    let e = s.query("DECLARE c CURSOR FOR SELECT 1", &[]).unwrap_err();
    assert_eq!(e.state, SqlState::NoActiveSqlTransaction);
    assert_eq!(
        e.message,
        "DECLARE CURSOR can only be used in transaction blocks"
    );
    let e = s.query("FETCH x", &[]).unwrap_err();
    assert_eq!(
        (e.code(), e.message.as_str()),
        ("34000", "cursor \"x\" does not exist")
    );
    tag(&mut s, "BEGIN");
    tag(&mut s, "DECLARE c NO SCROLL CURSOR FOR SELECT a FROM t");
    let e = s.query("DECLARE c CURSOR FOR SELECT 1", &[]).unwrap_err();
    assert_eq!(
        (e.code(), e.message.as_str()),
        ("42P03", "cursor \"c\" already exists")
    );
    tag(&mut s, "ROLLBACK");
    tag(&mut s, "BEGIN");
    tag(&mut s, "DECLARE c NO SCROLL CURSOR FOR SELECT a FROM t");
    tag(&mut s, "FETCH 2 FROM c");
    let e = s.query("FETCH PRIOR FROM c", &[]).unwrap_err();
    assert_eq!(
        (e.code(), e.message.as_str()),
        ("55000", "cursor can only scan forward")
    );
    assert_eq!(
        e.hint.as_deref(),
        Some("Declare it with SCROLL option to enable backward scan.")
    );
    tag(&mut s, "ROLLBACK");
}

#[test]
fn refused_with_0a000() {
    let mut s = setup();
    tag(&mut s, "BEGIN");
    for sql in [
        "DECLARE c CURSOR FOR SELECT * FROM t FOR UPDATE",
        "DECLARE c BINARY CURSOR FOR SELECT 1",
    ] {
        let e = s.query(sql, &[]).unwrap_err();
        assert_eq!(e.state, SqlState::FeatureNotSupported, "{sql}: {e}");
        tag(&mut s, "ROLLBACK");
        tag(&mut s, "BEGIN");
    }
    tag(&mut s, "DECLARE c CURSOR FOR SELECT * FROM t");
    let e = s
        .query("DELETE FROM t WHERE CURRENT OF c", &[])
        .unwrap_err();
    assert_eq!(
        (e.code(), e.message.as_str()),
        ("0A000", "WHERE CURRENT OF is not supported")
    );
    tag(&mut s, "ROLLBACK");
}

#[test]
fn cursor_statements_in_one_query_string() {
    let mut s = setup();
    // An implicit block: a cursor without HOLD may be declared in it.
    let results = s.simple_query(
        "DECLARE c CURSOR FOR SELECT a FROM t ORDER BY a; FETCH 2 FROM c; \
         SELECT count(*) FROM pg_cursors; CLOSE c",
    );
    let tags: Vec<String> = results
        .iter()
        .map(|r| r.as_ref().unwrap().tag.to_string())
        .collect();
    assert_eq!(
        tags,
        ["DECLARE CURSOR", "FETCH 2", "SELECT 1", "CLOSE CURSOR"]
    );
    // The cursor went with the implicit block.
    assert_eq!(q(&mut s, "SELECT count(*) FROM pg_cursors"), [["0"]]);
    // pg_cursors.statement is the whole query string.
    let sql = "DECLARE h CURSOR WITH HOLD FOR SELECT 1; SELECT 2";
    for r in s.simple_query(sql) {
        r.unwrap();
    }
    assert_eq!(q(&mut s, "SELECT statement FROM pg_cursors"), [[sql]]);
}

#[test]
fn declare_with_parameters_through_prepare() {
    let mut s = setup();
    tag(&mut s, "BEGIN");
    let p = s
        .prepare("DECLARE c CURSOR FOR SELECT b FROM t WHERE a > $1 ORDER BY a")
        .unwrap();
    assert_eq!(p.param_types.len(), 1);
    assert!(p.columns.is_empty());
    let r = s.query_prepared(&p, &[Value::Text("3".into())]).unwrap();
    assert_eq!(r.tag.to_string(), "DECLARE CURSOR");
    // A prepared FETCH is described with the cursor's columns.
    let f = s.prepare("FETCH FORWARD 5 FROM c").unwrap();
    assert_eq!(f.columns.len(), 1);
    let r = s.query_prepared(&f, &[]).unwrap();
    assert_eq!(r.tag.to_string(), "FETCH 2");
    assert_eq!(common::texts(&r), [["r4"], ["r5"]]);
    tag(&mut s, "COMMIT");
}

#[test]
fn snapshot_of_declare() {
    let db = Database::open_in_memory();
    let mut s = db.session();
    s.batch("CREATE TABLE t (a int); INSERT INTO t VALUES (1), (2)")
        .unwrap();
    let mut other = db.session();
    tag(&mut s, "BEGIN");
    tag(&mut s, "DECLARE c CURSOR FOR SELECT a FROM t ORDER BY a");
    tag(&mut other, "INSERT INTO t VALUES (3)");
    tag(&mut s, "INSERT INTO t VALUES (4)");
    assert_eq!(q(&mut s, "FETCH ALL FROM c"), [["1"], ["2"]]);
    tag(&mut s, "COMMIT");
}
