//! Deep statements through the embedding API (issue 12, section 1).
//!
//! Every test runs on Rust's test threads, which have 2 MB of stack: the
//! engine must guard its own recursion whatever thread calls it. The
//! depths below are the deepest PostgreSQL 15 accepts with its default
//! `max_stack_depth` (2MB), measured shape by shape; the engine must run
//! them, and fail past its limits with 54001 `stack depth limit exceeded`
//! -- never overflow the stack (which aborts the whole process).

mod common;
use common::{q, texts};

use rocksgres_engine::storage::{MemoryStore, Store};
use rocksgres_engine::{Database, EngineError, Session, SqlState};

/// A session over a database with `t(id int, a int)` holding ten rows.
fn session() -> Session<MemoryStore> {
    let mut s = Database::open_in_memory().session();
    s.batch(
        "CREATE TABLE t (id int PRIMARY KEY, a int); \
         INSERT INTO t SELECT g, 1 FROM generate_series(0, 9) g",
    )
    .expect("setup");
    s
}

/// Runs `sql` through `query` and through `simple_query` (twice, the
/// second time from the plan cache's analysis path); both must agree.
fn both(s: &mut Session<MemoryStore>, sql: &str) -> Result<Vec<Vec<String>>, EngineError> {
    let direct = s.query(sql, &[]).map(|r| texts(&r));
    for _ in 0..2 {
        let simple = s
            .simple_query(sql)
            .pop()
            .expect("one result")
            .map(|r| texts(&r));
        assert_eq!(
            simple.as_ref().map_err(|e| e.state),
            direct.as_ref().map_err(|e| e.state)
        );
    }
    direct
}

fn one(s: &mut Session<MemoryStore>, sql: &str) -> String {
    match both(s, sql) {
        Ok(rows) => rows[0][0].clone(),
        Err(e) => panic!("{}...: {e}", &sql[..sql.len().min(80)]),
    }
}

fn too_deep(s: &mut Session<MemoryStore>, sql: &str) {
    match both(s, sql) {
        Ok(_) => panic!("{}... ran", &sql[..sql.len().min(80)]),
        Err(e) => {
            assert_eq!(e.state, SqlState::StatementTooComplex, "{e}");
            assert_eq!(e.message, "stack depth limit exceeded");
            assert_eq!(
                e.hint.as_deref(),
                Some(
                    "Increase the configuration parameter \"max_stack_depth\" (currently \
                     2048kB), after ensuring the platform's stack depth limit is adequate."
                )
            );
        }
    }
    // The session lives on.
    assert_eq!(q(s, "SELECT 1"), vec![vec!["1".to_string()]]);
}

fn chain(term: &str, op: &str, n: usize) -> String {
    vec![term; n].join(op)
}

fn nest(open: &str, inner: &str, close: &str, n: usize) -> String {
    format!("{}{inner}{}", open.repeat(n), close.repeat(n))
}

#[test]
fn flat_chains_of_100000_terms_run() {
    let mut s = session();
    let n = 100_000;
    let or = (0..n)
        .map(|i| format!("id = {i}"))
        .collect::<Vec<_>>()
        .join(" OR ");
    assert_eq!(
        one(&mut s, &format!("SELECT count(*) FROM t WHERE {or}")),
        "10"
    );
    let and = (0..n)
        .map(|i| format!("id <> {}", i + 100))
        .collect::<Vec<_>>()
        .join(" AND ");
    assert_eq!(
        one(&mut s, &format!("SELECT count(*) FROM t WHERE {and}")),
        "10"
    );
    let list = (0..n).map(|i| i.to_string()).collect::<Vec<_>>().join(",");
    assert_eq!(
        one(
            &mut s,
            &format!("SELECT count(*) FROM t WHERE id IN ({list})")
        ),
        "10"
    );
    // The shapes, in SELECT lists too.
    assert_eq!(
        one(&mut s, &format!("SELECT {}", chain("true", " AND ", n))),
        "t"
    );
    assert_eq!(
        one(&mut s, &format!("SELECT {}", chain("false", " OR ", n))),
        "f"
    );
}

#[test]
fn operator_chains_as_long_as_postgres_takes_run() {
    let mut s = session();
    // PostgreSQL 15 takes 4,092 terms of `+` and 4,091 operands of `||`.
    assert_eq!(
        one(&mut s, &format!("SELECT {}", chain("1", "+", 4092))),
        "4092"
    );
    assert_eq!(
        one(
            &mut s,
            &format!("SELECT length({})", chain("'a'", "||", 4091))
        ),
        "4091"
    );
    // Over a column: evaluated row by row, not folded.
    assert_eq!(
        one(
            &mut s,
            &format!("SELECT sum({}) FROM t", chain("a", " + ", 4092))
        ),
        "40920"
    );
    // The 2,000 and 3,000-term statements.
    assert_eq!(
        one(&mut s, &format!("SELECT {}", chain("1", " + ", 2000))),
        "2000"
    );
    assert_eq!(
        one(
            &mut s,
            &format!("SELECT length({})", chain("'a'", " || ", 3000))
        ),
        "3000"
    );
}

#[test]
fn nesting_as_deep_as_postgres_takes_runs() {
    let mut s = session();
    assert_eq!(
        one(&mut s, &format!("SELECT {}", nest("(", "1", ")", 9993))),
        "1"
    );
    assert_eq!(
        one(&mut s, &format!("SELECT {}", nest("abs(", "-1", ")", 4091))),
        "1"
    );
    assert_eq!(
        one(
            &mut s,
            &format!("SELECT {}", nest("(SELECT ", "1", ")", 2111))
        ),
        "1"
    );
    assert_eq!(
        one(
            &mut s,
            &format!(
                "SELECT count(*) FROM {}",
                nest("(SELECT * FROM ", "t", ") s", 1664)
            )
        ),
        "10"
    );
    assert_eq!(
        one(&mut s, &format!("SELECT {}true", "NOT ".repeat(7703))),
        "f"
    );
    assert_eq!(
        one(
            &mut s,
            &format!("SELECT {}", nest("CASE WHEN true THEN ", "1", " END", 1999))
        ),
        "1"
    );
    assert_eq!(
        one(&mut s, &format!("SELECT {}", nest("(1+", "1", ")", 3331))),
        "3332"
    );
    assert_eq!(
        one(
            &mut s,
            &format!(
                "SELECT count(*) FROM ({}) u",
                chain("SELECT 1", " UNION ALL ", 7274)
            )
        ),
        "7274"
    );
}

#[test]
fn deeper_than_the_limits_fails_with_54001() {
    let mut s = session();
    let n = 100_000;
    too_deep(&mut s, &format!("SELECT {}", chain("1", "+", n)));
    too_deep(&mut s, &format!("SELECT length({})", chain("'a'", "||", n)));
    too_deep(
        &mut s,
        &format!("SELECT sum({}) FROM t", chain("a", "+", n)),
    );
    too_deep(&mut s, &format!("SELECT {}", nest("(", "1", ")", n)));
    too_deep(&mut s, &format!("SELECT {}", nest("abs(", "1", ")", n)));
    too_deep(&mut s, &format!("SELECT {}", nest("(SELECT ", "1", ")", n)));
    too_deep(
        &mut s,
        &format!("SELECT * FROM {}", nest("(SELECT * FROM ", "t", ") s", n)),
    );
    too_deep(&mut s, &format!("SELECT {}true", "NOT ".repeat(n)));
    too_deep(
        &mut s,
        &format!("SELECT {}", nest("CASE WHEN true THEN ", "1", " END", n)),
    );
    too_deep(&mut s, &chain("SELECT 1", " UNION ALL ", n));
    too_deep(&mut s, &format!("SELECT {}", nest("-(", "1", ")", n)));
    too_deep(&mut s, &format!("SELECT {}", nest("ARRAY[", "1", "]", n)));
    too_deep(&mut s, &format!("EXPLAIN SELECT {}", chain("a", "+", n)));
    too_deep(
        &mut s,
        &format!("UPDATE t SET a = {} WHERE id = 1", chain("a", "+", n)),
    );
    too_deep(
        &mut s,
        &format!("INSERT INTO t VALUES (100, {})", chain("1", "+", n)),
    );
}

#[test]
fn explain_prepare_and_dml_take_deep_statements() {
    let mut s = session();
    let or = (0..100_000)
        .map(|i| format!("id = {i}"))
        .collect::<Vec<_>>()
        .join(" OR ");
    let plan = q(&mut s, &format!("EXPLAIN SELECT * FROM t WHERE {or}"));
    assert!(!plan.is_empty());
    let deep = chain("a", " + ", 4000);
    let plan = q(&mut s, &format!("EXPLAIN SELECT {deep} FROM t"));
    assert!(!plan.is_empty());

    // A prepared deep statement, run and dropped on this thread.
    let p = s
        .prepare(&format!("SELECT count(*) FROM t WHERE ({or}) AND a = $1"))
        .expect("prepare");
    for _ in 0..2 {
        let r = s
            .query_prepared(&p, &[rocksgres_engine::Value::Int4(1)])
            .expect("run");
        assert_eq!(texts(&r), vec![vec!["10".to_string()]]);
    }
    drop(p);

    assert_eq!(
        s.execute(&format!("UPDATE t SET a = {deep} WHERE {or}"), &[])
            .expect("update"),
        10
    );
    assert_eq!(
        q(&mut s, "SELECT min(a), max(a) FROM t"),
        vec![vec!["4000".to_string(), "4000".to_string()]]
    );
    assert_eq!(
        s.execute(&format!("DELETE FROM t WHERE {or}"), &[])
            .expect("delete"),
        10
    );
}

#[test]
fn views_with_deep_bodies_and_catalog_queries() {
    let mut s = session();
    let deep = chain("a", " + ", 4000);
    s.batch(&format!("CREATE VIEW dv AS SELECT {deep} AS x FROM t"))
        .expect("create view");
    assert_eq!(one(&mut s, "SELECT sum(x) FROM dv"), "40000");
    assert_eq!(
        q(
            &mut s,
            "SELECT count(*) FROM information_schema.views WHERE table_name = 'dv'"
        ),
        vec![vec!["1".to_string()]]
    );
    q(&mut s, "SELECT * FROM information_schema.columns");
    q(&mut s, "SELECT * FROM pg_class");
    assert_eq!(
        q(
            &mut s,
            "SELECT count(*) FROM pg_views WHERE viewname = 'dv'"
        ),
        vec![vec!["1".to_string()]]
    );
}

#[test]
fn a_thread_with_a_small_stack_is_safe_too() {
    let h = std::thread::Builder::new()
        .stack_size(256 * 1024)
        .spawn(|| {
            let mut s = session();
            assert_eq!(
                one(&mut s, &format!("SELECT {}", chain("1", "+", 4092))),
                "4092"
            );
            too_deep(&mut s, &format!("SELECT {}", nest("(", "1", ")", 100_000)));
            assert_eq!(
                one(
                    &mut s,
                    &format!("SELECT {}", nest("(SELECT ", "1", ")", 2111))
                ),
                "1"
            );
        })
        .expect("thread");
    h.join().expect("no overflow");
}

/// The view cycle: PostgreSQL 15 accepts the CREATE OR REPLACE and
/// fails every use of the cyclic views with 42P17.
const CYCLE: &str = "CREATE TABLE t1 (a int); CREATE VIEW v2 AS SELECT * FROM t1; \
                     CREATE VIEW v3 AS SELECT * FROM v2; \
                     CREATE OR REPLACE VIEW v2 AS SELECT * FROM v3";

fn recursion<S: Store>(s: &mut Session<S>, sql: &str, relation: &str) {
    let e = s.query(sql, &[]).expect_err(sql);
    assert_eq!(e.state, SqlState::InvalidObjectDefinition, "{sql}: {e}");
    assert_eq!(
        e.message,
        format!("infinite recursion detected in rules for relation \"{relation}\"")
    );
}

fn cycle_is_contained<S: Store>(s: &mut Session<S>) {
    recursion(s, "SELECT * FROM v2", "v2");
    recursion(s, "SELECT * FROM v3", "v3");
    recursion(s, "SELECT 1 FROM t1, (SELECT * FROM v2) s", "v2");
    recursion(s, "EXPLAIN SELECT * FROM v3", "v3");
    // The catalog is readable, whatever it holds.
    assert_eq!(
        q(
            s,
            "SELECT relname FROM pg_class WHERE relname IN ('v2', 'v3') ORDER BY 1"
        ),
        vec![vec!["v2".to_string()], vec!["v3".to_string()]]
    );
    assert_eq!(
        q(
            s,
            "SELECT count(*) FROM information_schema.views WHERE table_name IN ('v2', 'v3')"
        ),
        vec![vec!["2".to_string()]]
    );
    q(s, "SELECT * FROM information_schema.columns");
    q(s, "SELECT * FROM information_schema.tables");
    q(s, "SELECT viewname, definition FROM pg_views");
    q(s, "SELECT pg_get_viewdef('v2'::regclass)");
    assert_eq!(q(s, "SELECT count(*) FROM t1"), vec![vec!["0".to_string()]]);
}

#[test]
fn view_cycles_fail_with_42p17_and_the_catalog_stays_readable() {
    let mut s = Database::open_in_memory().session();
    s.batch(CYCLE).expect("PostgreSQL accepts the cycle");
    cycle_is_contained(&mut s);
    // A view over the cycle names the first view met twice, as PostgreSQL.
    s.batch("CREATE VIEW v5 AS SELECT 1 AS b").expect("v5");
    s.batch("CREATE OR REPLACE VIEW v5 AS SELECT 1 AS b FROM v3")
        .expect_err("v3 does not plan");
    // DROP ... CASCADE ends on a cycle.
    s.batch("DROP VIEW v2 CASCADE").expect("drop cascade");
    assert_eq!(
        q(
            &mut s,
            "SELECT count(*) FROM pg_class WHERE relname IN ('v2', 'v3')"
        ),
        vec![vec!["0".to_string()]]
    );
}

#[test]
fn a_database_holding_a_view_cycle_opens_and_answers() {
    let dir = tempfile::tempdir().expect("temp dir");
    {
        let db = Database::open(dir.path()).expect("open");
        db.session().batch(CYCLE).expect("cycle");
    }
    let db = Database::open(dir.path()).expect("reopen");
    let mut s = db.session();
    cycle_is_contained(&mut s);
}
