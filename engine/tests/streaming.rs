//! The streaming forms of the embedding API (`for_each_row`, `query_to`,
//! `simple_query_to`): rows reach the caller while the statement runs, in
//! order, and the events of a multi-statement query keep PostgreSQL's
//! message order.

use std::sync::Arc;

use rocksgres_engine::{
    Column, Database, EngineError, QueryResult, ResultSink, Row, SqlState, Value,
};

#[test]
fn for_each_row_sees_every_row_and_returns_no_rows() {
    let db = Database::open_in_memory();
    let mut s = db.session();
    s.batch("CREATE TABLE t (id int PRIMARY KEY, v text); INSERT INTO t SELECT g, 'v' || g FROM generate_series(1, 5000) g")
        .unwrap();
    let mut sum = 0i64;
    let mut n = 0;
    let r = s
        .for_each_row(
            "SELECT id, v FROM t WHERE id > $1 ORDER BY id",
            &[Value::Int4(10)],
            |row| {
                let id: i64 = row.get::<i32>(0)?.into();
                assert_eq!(row.get::<String>(1)?, format!("v{id}"));
                n += 1;
                assert_eq!(id, 10 + n, "rows arrive in order");
                sum += id;
                Ok(())
            },
        )
        .unwrap();
    assert_eq!(n, 4990);
    assert_eq!(sum, (11..=5000).sum::<i64>());
    assert_eq!(r.tag.as_str(), "SELECT 4990");
    assert_eq!(r.rows_affected, 4990);
    assert!(r.rows.is_empty(), "streamed rows are not kept");
    assert_eq!(r.columns.len(), 2);
    assert_eq!(r.columns[0].name, "id");
}

#[test]
fn an_error_from_the_callback_stops_the_statement() {
    let db = Database::open_in_memory();
    let mut s = db.session();
    let mut seen = 0;
    let err = s
        .for_each_row("SELECT g FROM generate_series(1, 1000000) g", &[], |_| {
            seen += 1;
            if seen == 3 {
                return Err(EngineError::new(SqlState::QueryCanceled, "enough"));
            }
            Ok(())
        })
        .expect_err("the callback's error ends the statement");
    assert_eq!(err.state, SqlState::QueryCanceled);
    assert_eq!(seen, 3, "no row after the error");
    // The session goes on.
    let r = s.query("SELECT 1", &[]).unwrap();
    assert_eq!(r.rows.len(), 1);
}

#[test]
fn rows_before_a_failing_row_are_delivered() {
    let db = Database::open_in_memory();
    let mut s = db.session();
    let mut seen = 0;
    let err = s
        .for_each_row(
            "SELECT 1 / (g - 100) FROM generate_series(1, 200) g",
            &[],
            |_| {
                seen += 1;
                Ok(())
            },
        )
        .expect_err("division by zero at row 100");
    assert_eq!(err.state, SqlState::DivisionByZero);
    assert_eq!(seen, 99);
}

/// Records every event as a line.
#[derive(Default)]
struct Events(Vec<String>);

impl ResultSink for Events {
    fn notice(&mut self, text: String) -> rocksgres_engine::Result<()> {
        self.0.push(format!("notice {text}"));
        Ok(())
    }

    fn columns(&mut self, columns: &Arc<[Column]>) -> rocksgres_engine::Result<()> {
        let names: Vec<&str> = columns.iter().map(|c| c.name.as_str()).collect();
        self.0.push(format!("columns {}", names.join(",")));
        Ok(())
    }

    fn row(&mut self, row: &Row) -> rocksgres_engine::Result<()> {
        let mut text = String::new();
        for v in row.values() {
            v.write_text(&mut text);
        }
        self.0.push(format!("row {text}"));
        Ok(())
    }

    fn finished(&mut self, result: rocksgres_engine::Result<QueryResult>) {
        self.0.push(match result {
            Ok(r) => format!("done {} rows={}", r.tag.as_str(), r.rows.len()),
            Err(e) => format!("error {}", e.code()),
        });
    }
}

#[test]
fn simple_query_to_keeps_message_order() {
    let db = Database::open_in_memory();
    let mut s = db.session();
    let mut ev = Events::default();
    let long = "x".repeat(70);
    s.simple_query_to(
        &format!(
            "CREATE TABLE t (id int); INSERT INTO t VALUES (1), (2) RETURNING id; \
             SELECT id AS {long} FROM t ORDER BY id; SELECT 1 / (g - 2) AS q FROM generate_series(1, 3) g; SELECT 5"
        ),
        &mut ev,
    );
    let trunc = "x".repeat(63);
    assert_eq!(
        ev.0,
        vec![
            format!("notice identifier \"{long}\" will be truncated to \"{trunc}\""),
            "done CREATE TABLE rows=0".to_string(),
            // RETURNING rows are kept (spillable) until the statement has
            // run, then streamed.
            "columns id".to_string(),
            "row 1".to_string(),
            "row 2".to_string(),
            "done INSERT 0 2 rows=0".to_string(),
            format!("columns {trunc}"),
            "row 1".to_string(),
            "row 2".to_string(),
            "done SELECT 2 rows=0".to_string(),
            "columns q".to_string(),
            "row -1".to_string(),
            "error 22012".to_string(),
        ]
    );
    // The implicit transaction was rolled back with the error.
    assert!(s.query("SELECT * FROM t", &[]).is_err());
}
