//! The plan cache of simple-protocol statements: cached results must be the
//! results of the ordinary path, statement by statement.
//!
//! Most tests drive two in-memory databases through the same statements:
//! one session with the plan cache on, one with it off. Every result (tag,
//! columns, rows, notices, or the error with its SQLSTATE and message) and
//! the transaction status after it must be the same, and the cache must
//! actually have served the statements meant to hit it.
//!
//! A key's first text only marks the key seen; the next one is analysed
//! (and run the ordinary way); later ones hit.

mod common;
use common::texts;

use rocksgres_engine::storage::MemoryStore;
use rocksgres_engine::{Database, EngineError, QueryResult, Session, SqlState, TxnStatus, Value};

type Outcome = Result<QueryResult, EngineError>;

/// A cached and an uncached session over identical databases.
struct Pair {
    cached: Session<MemoryStore>,
    plain: Session<MemoryStore>,
}

impl Pair {
    fn new() -> Pair {
        let cached = Database::open_in_memory().session();
        let mut plain = Database::open_in_memory().session();
        plain.set_plan_cache_enabled(false);
        assert!(cached.plan_cache_enabled());
        Pair { cached, plain }
    }

    /// Runs one statement in both sessions (simple protocol); the results
    /// and statuses must agree.
    fn run(&mut self, sql: &str) -> Outcome {
        let mut a = self.cached.simple_query(sql);
        let mut b = self.plain.simple_query(sql);
        // By rendering: NaN is not equal to itself.
        assert_eq!(format!("{a:?}"), format!("{b:?}"), "{sql}");
        assert_eq!(self.cached.status(), self.plain.status(), "{sql}");
        assert_eq!(a.len(), 1, "{sql}");
        let r = a.pop().expect("one result");
        b.clear();
        r
    }

    /// Runs one statement in both sessions, whatever its outcome.
    fn same(&mut self, sql: &str) {
        let _ = self.run(sql);
    }

    fn ok(&mut self, sql: &str) -> QueryResult {
        self.run(sql).unwrap_or_else(|e| panic!("{sql}: {e}"))
    }

    fn err(&mut self, sql: &str) -> SqlState {
        self.run(sql).expect_err(sql).state
    }

    fn hits(&self) -> u64 {
        self.cached.plan_cache_stats().hits
    }
}

fn setup(p: &mut Pair) {
    p.ok(
        "CREATE TABLE t (id int PRIMARY KEY, name text, v varchar(5), score bigint, \
         amount numeric(10,2), d date, flag boolean)",
    );
    p.ok(
        "INSERT INTO t VALUES (1, 'a', 'x', 10, 1.50, '2020-01-01', true), \
         (2, 'b', 'y', 20, 2.25, '2021-06-30', false), \
         (3, NULL, NULL, 2147483648, NULL, NULL, NULL), \
         (4, 'ab', 'z', -5, 100.00, '2019-12-31', true)",
    );
}

/// Each template runs with every set of literals; `{}` marks where they go.
const CORPUS: &[(&str, &[&str])] = &[
    ("SELECT name FROM t WHERE id = {}", &["1", "2", "3", "99"]),
    (
        "SELECT id, score FROM t WHERE score > {} ORDER BY id",
        &["10", "-100", "2147483647", "2147483648"],
    ),
    (
        "SELECT id FROM t WHERE name = {} ORDER BY id",
        &["'a'", "'b'", "'it''s'", "''"],
    ),
    (
        "SELECT id FROM t WHERE id = {}",
        &["'2'", "'3'", "'x'", "' 4 '"],
    ),
    (
        "SELECT id FROM t WHERE id = {}",
        &["2147483648", "9223372036854775808", "1.0", "1.5"],
    ),
    (
        "SELECT id + {} FROM t ORDER BY id",
        &["1", "2147483646", "2147483647", "-1"],
    ),
    (
        "SELECT {}",
        &[
            "1",
            "2147483648",
            "9223372036854775808",
            "-2147483648",
            "-9223372036854775808",
            "1.50",
        ],
    ),
    (
        "SELECT -{}",
        &["2147483648", "9223372036854775808", "1", "0"],
    ),
    ("SELECT {}", &["'a'", "'b'", "''"]),
    (
        "SELECT {} AS x, id FROM t WHERE id = 1",
        &["'a'", "1", "1.5"],
    ),
    ("SELECT id / {} FROM t ORDER BY id", &["1", "0", "2"]),
    ("SELECT 1 / {}", &["1", "0", "2"]),
    (
        "SELECT id, name FROM t ORDER BY {}",
        &["1", "2", "1", "3", "0"],
    ),
    (
        "SELECT id FROM t ORDER BY id LIMIT {}",
        &["1", "2", "0", "-1"],
    ),
    (
        "SELECT id FROM t ORDER BY id LIMIT 2 OFFSET {}",
        &["0", "1", "3"],
    ),
    (
        "SELECT id FROM t WHERE flag = {} ORDER BY id",
        &["true", "false", "'t'", "'no'"],
    ),
    (
        "SELECT id FROM t WHERE name = {} ORDER BY id",
        &["NULL", "'a'"],
    ),
    (
        "SELECT id FROM t WHERE id IN ({}, 3) ORDER BY id",
        &["1", "2", "'4'"],
    ),
    (
        "SELECT id FROM t WHERE id BETWEEN {} AND 3 ORDER BY id",
        &["1", "2", "3"],
    ),
    (
        "SELECT id FROM t WHERE name LIKE {} ORDER BY id",
        &["'a%'", "'b%'", "'%'"],
    ),
    ("SELECT d + {} FROM t WHERE id = 1", &["1", "30", "-1"]),
    (
        "SELECT id FROM t WHERE d > DATE {} ORDER BY id",
        &["'2020-01-01'", "'2019-01-01'"],
    ),
    (
        "SELECT id FROM t WHERE d > {} ORDER BY id",
        &["'2020-01-01'", "'2019-01-01'", "'bad'"],
    ),
    (
        "SELECT amount * {} FROM t ORDER BY id",
        &["2", "1.5", "0.001", "100000000000000000000"],
    ),
    (
        "SELECT id FROM t WHERE score = {} ORDER BY id",
        &["2147483648", "10", "-5", "'20'"],
    ),
    (
        "SELECT id FROM t WHERE score = -{} ORDER BY id",
        &["5", "10"],
    ),
    ("SELECT nosuch FROM t WHERE id = {}", &["1", "2"]),
    ("SELECT * FROM nosuch WHERE id = {}", &["1", "2"]),
    (
        "SELECT CASE WHEN score > {} THEN 'big' ELSE 'small' END FROM t ORDER BY id",
        &["10", "100", "-10"],
    ),
    (
        "SELECT coalesce(name, {}) FROM t ORDER BY id",
        &["'none'", "'nil'"],
    ),
    (
        "SELECT id FROM t WHERE id = (SELECT max(id) - {} FROM t)",
        &["1", "2"],
    ),
    ("SELECT {}::text, '5'::int", &["1", "2"]),
    ("SELECT {}::int", &["'5'", "'6'", "'x'"]),
    (
        "SELECT count(*), sum(score) FROM t WHERE id > {}",
        &["0", "2", "10"],
    ),
    (
        "SELECT name, count(*) FROM t WHERE id < {} GROUP BY name ORDER BY 1",
        &["3", "10"],
    ),
    (
        "SELECT id + 1 FROM t GROUP BY id + 1 HAVING id + 1 > {} ORDER BY 1",
        &["2", "3"],
    ),
    ("SELECT id + {} FROM t ORDER BY id + 1", &["1", "2"]),
    ("SELECT DISTINCT id % {} FROM t ORDER BY 1", &["2", "3"]),
    ("SELECT id FROM t WHERE v = {} ORDER BY id", &["'x'", "'z'"]),
    (
        "SELECT id FROM t WHERE amount = {} ORDER BY id",
        &["1.5", "100", "'2.25'"],
    ),
    (
        "SELECT upper(name) || {} FROM t ORDER BY id",
        &["'!'", "'?'"],
    ),
    (
        "SELECT id FROM t WHERE name IS NOT NULL AND id <> {} ORDER BY id",
        &["1", "4"],
    ),
    ("SELECT {} + {}", &["1", "2"]),
];

#[test]
fn cached_results_equal_the_ordinary_path() {
    let mut p = Pair::new();
    setup(&mut p);
    // Twice through: the second pass hits wherever the first analysed.
    for _ in 0..2 {
        for (template, literals) in CORPUS {
            for lit in *literals {
                let sql = template.replace("{}", lit);
                p.same(&sql);
            }
        }
    }
    let stats = p.cached.plan_cache_stats();
    assert!(stats.hits >= 100, "{stats:?}");
    assert!(stats.entries > 0 && stats.entries <= 128, "{stats:?}");
}

#[test]
fn dml_through_the_cache_changes_the_same_rows() {
    let mut p = Pair::new();
    setup(&mut p);
    for (id, name) in [(10, "x"), (11, "y"), (12, "it''s")] {
        p.ok(&format!(
            "INSERT INTO t (id, name, score) VALUES ({id}, '{name}', {id}00)"
        ));
    }
    // Strings into varchar(n) are not cached (the literal is typed
    // varchar(n), a text parameter is not), but run alike.
    for (id, v) in [(13, "abc"), (14, "de")] {
        p.ok(&format!("INSERT INTO t (id, v) VALUES ({id}, '{v}')"));
    }
    // varchar(5): too long fails alike, cached or not.
    assert_eq!(
        p.err("INSERT INTO t (id, v) VALUES (15, 'abcdef')"),
        SqlState::StringDataRightTruncation
    );
    assert_eq!(
        p.err("INSERT INTO t (id, name, score) VALUES (10, 'dup', 1)"),
        SqlState::UniqueViolation
    );
    for (delta, id) in [(-5, 1), (7, 2), (2147483647, 3), (-1, 10), (3, 4)] {
        p.same(&format!(
            "UPDATE t SET score = score + {delta} WHERE id = {id}"
        ));
    }
    assert_eq!(
        p.err("UPDATE t SET id = id + 2147483647 WHERE id = 10"),
        SqlState::NumericValueOutOfRange
    );
    for id in [10, 11, 99] {
        p.ok(&format!(
            "DELETE FROM t WHERE id = {id} RETURNING name, score"
        ));
    }
    let all = p.ok("SELECT * FROM t ORDER BY id");
    assert_eq!(all.rows.len(), 7);
    // The 3rd and 4th INSERT (the duplicate key one), the 3rd UPDATE of
    // `+ 7` (`+ -5` is another key), the 3rd DELETE.
    assert_eq!(p.hits(), 4, "{:?}", p.cached.plan_cache_stats());
}

const PGBENCH_SCHEMA: &[&str] = &[
    "CREATE TABLE pgbench_branches (bid int NOT NULL PRIMARY KEY, bbalance int, filler char(88))",
    "CREATE TABLE pgbench_tellers (tid int NOT NULL PRIMARY KEY, bid int, tbalance int, filler char(84))",
    "CREATE TABLE pgbench_accounts (aid int NOT NULL PRIMARY KEY, bid int, abalance int, filler char(84))",
    "CREATE TABLE pgbench_history (tid int, bid int, aid int, delta int, mtime timestamp, filler char(22))",
    "INSERT INTO pgbench_branches VALUES (1, 0, NULL)",
    "INSERT INTO pgbench_tellers VALUES (1, 1, 0, NULL), (2, 1, 0, NULL)",
    "INSERT INTO pgbench_accounts VALUES (1, 1, 0, ''), (2, 1, 0, ''), (3, 1, 0, ''), \
     (53426, 1, 0, '')",
];

#[test]
fn pgbench_statements_hit_the_cache() {
    let mut p = Pair::new();
    for sql in PGBENCH_SCHEMA {
        p.ok(sql);
    }
    let mut seed: u64 = 7;
    let mut next = |n: u64| {
        seed = seed
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        (seed >> 33) % n
    };
    let rounds = 25u64;
    let before = p.hits();
    for _ in 0..rounds {
        let aid = [1, 2, 3, 53426][next(4) as usize];
        let tid = 1 + next(2);
        let delta = next(10001) as i64 - 5000;
        p.ok("BEGIN;");
        p.ok(&format!(
            "UPDATE pgbench_accounts SET abalance = abalance + {delta} WHERE aid = {aid};"
        ));
        p.ok(&format!(
            "SELECT abalance FROM pgbench_accounts WHERE aid = {aid};"
        ));
        p.ok(&format!(
            "UPDATE pgbench_tellers SET tbalance = tbalance + {delta} WHERE tid = {tid};"
        ));
        p.ok(&format!(
            "UPDATE pgbench_branches SET bbalance = bbalance + {delta} WHERE bid = 1;"
        ));
        p.ok(&format!(
            "INSERT INTO pgbench_history (tid, bid, aid, delta, mtime) \
             VALUES ({tid}, 1, {aid}, {delta}, CURRENT_TIMESTAMP);"
        ));
        p.ok("END;");
    }
    let hits = p.hits() - before;
    // Every DML statement but the first two of each key: a negative delta
    // is `+ -5`, another key than `+ 5`, so UPDATEs and the INSERT have two
    // keys each.
    assert!(hits >= 5 * rounds - 18, "hits {hits}");
    for table in ["pgbench_accounts", "pgbench_tellers", "pgbench_branches"] {
        p.ok(&format!("SELECT * FROM {table} ORDER BY 1"));
    }
    p.ok("SELECT tid, bid, aid, delta FROM pgbench_history ORDER BY delta, aid, tid");
    let count = p.ok("SELECT count(*) FROM pgbench_history");
    assert_eq!(texts(&count), [[rounds.to_string()]]);
}

#[test]
fn order_by_positions_are_kept_inline() {
    let mut p = Pair::new();
    p.ok("CREATE TABLE o (a int, b int)");
    p.ok("INSERT INTO o VALUES (1, 3), (2, 2), (3, 1)");
    let by_a = texts(&p.ok("SELECT a, b FROM o WHERE a > 0 ORDER BY 1"));
    let by_b = texts(&p.ok("SELECT a, b FROM o WHERE a > 0 ORDER BY 2"));
    assert_ne!(by_a, by_b);
    assert_eq!(
        texts(&p.ok("SELECT a, b FROM o WHERE a > 0 ORDER BY 1")),
        by_a
    );
    let hits = p.hits();
    assert_eq!(
        texts(&p.ok("SELECT a, b FROM o WHERE a > 1 ORDER BY 2")),
        [["3", "1"], ["2", "2"]]
    );
    assert_eq!(
        texts(&p.ok("SELECT a, b FROM o WHERE a > 1 ORDER BY 1")),
        [["2", "2"], ["3", "1"]]
    );
    assert_eq!(p.hits(), hits + 2);
    assert_eq!(
        p.err("SELECT a, b FROM o WHERE a > 1 ORDER BY 3"),
        SqlState::InvalidColumnReference
    );
}

#[test]
fn ddl_invalidates_cached_plans() {
    let mut p = Pair::new();
    p.ok("CREATE TABLE d (id int PRIMARY KEY, x int)");
    p.ok("INSERT INTO d VALUES (1, 10), (2, 20)");
    for _ in 0..2 {
        p.ok("SELECT * FROM d WHERE id = 1");
        p.ok("SELECT * FROM d WHERE id = 2");
        p.ok("SELECT * FROM d WHERE x = '10'");
        p.ok("SELECT * FROM d WHERE x = '20'");
    }
    let hits = p.hits();
    assert!(hits >= 4);

    p.ok("ALTER TABLE d ADD COLUMN extra int DEFAULT 9");
    let r = p.ok("SELECT * FROM d WHERE id = 1");
    assert_eq!(r.columns.len(), 3);
    assert_eq!(texts(&r), [["1", "10", "9"]]);

    p.ok("DROP TABLE d");
    p.err("SELECT * FROM d WHERE id = 2");
    p.ok("CREATE TABLE d (id text PRIMARY KEY, x numeric)");
    p.ok("INSERT INTO d VALUES ('1', 10.5), ('2', 20)");
    let r = p.ok("SELECT * FROM d WHERE x = '10.5'");
    assert_eq!(texts(&r), [["1", "10.5"]]);
    // A text column compared with an integer: whatever the ordinary path
    // says, the cache says too.
    p.same("SELECT * FROM d WHERE id = 1");
    p.ok("SELECT * FROM d WHERE x = '20'");
    p.ok("SELECT * FROM d WHERE id = '2'");
    p.ok("SELECT * FROM d WHERE id = '1'");
    assert!(p.hits() > hits);
}

#[test]
fn another_sessions_ddl_invalidates_too() {
    let db = Database::open_in_memory();
    let mut a = db.session();
    let mut b = db.session();
    a.query("CREATE TABLE s (id int PRIMARY KEY)", &[]).unwrap();
    a.query("INSERT INTO s VALUES (1), (2)", &[]).unwrap();
    for id in [1, 2, 1] {
        let r = a
            .query(&format!("SELECT * FROM s WHERE id = {id}"), &[])
            .unwrap();
        assert_eq!(r.columns.len(), 1);
    }
    assert_eq!(a.plan_cache_stats().hits, 1);
    b.query("ALTER TABLE s ADD COLUMN note text DEFAULT 'n'", &[])
        .unwrap();
    let r = a.query("SELECT * FROM s WHERE id = 2", &[]).unwrap();
    assert_eq!(texts(&r), [["2", "n"]]);
    // In a READ COMMITTED block, another session's committed DDL shows.
    // (The block must not have used `s` yet: its ACCESS SHARE lock would
    // make the ALTER wait for the block's end, as in PostgreSQL -- see
    // regression-tests/isolation/*.spec.)
    a.query("BEGIN", &[]).unwrap();
    a.query("SELECT 1", &[]).unwrap();
    b.query("ALTER TABLE s ADD COLUMN more int DEFAULT 3", &[])
        .unwrap();
    let r = a.query("SELECT * FROM s WHERE id = 1", &[]).unwrap();
    assert_eq!(texts(&r), [["1", "n", "3"]]);
    a.query("COMMIT", &[]).unwrap();
}

#[test]
fn errors_fail_only_their_statement_and_follow_block_rules() {
    let mut p = Pair::new();
    setup(&mut p);
    p.ok("SELECT id / score FROM t WHERE id = 1");
    assert_eq!(
        p.err("SELECT id / (score - 10) FROM t WHERE id = 1"),
        SqlState::DivisionByZero
    );
    p.ok("BEGIN");
    p.ok("UPDATE t SET score = 1 WHERE id = 1");
    assert_eq!(
        p.err("UPDATE t SET score = 1 / (id - 2) WHERE id = 2"),
        SqlState::DivisionByZero
    );
    assert_eq!(p.cached.status(), TxnStatus::Failed);
    assert_eq!(
        p.err("UPDATE t SET score = 1 WHERE id = 1"),
        SqlState::InFailedSqlTransaction
    );
    p.ok("ROLLBACK");
    assert_eq!(texts(&p.ok("SELECT score FROM t WHERE id = 1")), [["10"]]);
    // A text that fails to plan first does not keep others of its key
    // from the cache.
    for bad in ["'1x'", "'2x'"] {
        let sql = format!("SELECT id FROM t WHERE id = {bad}");
        assert_eq!(p.err(&sql), SqlState::InvalidTextRepresentation);
    }
    p.ok("SELECT id FROM t WHERE id = '1'");
    let hits = p.hits();
    assert_eq!(texts(&p.ok("SELECT id FROM t WHERE id = '2'")), [["2"]]);
    assert_eq!(p.hits(), hits + 1);
    // Conversion errors of a cached statement come from the ordinary path.
    let e = p
        .run("SELECT id FROM t WHERE id = 'zz'")
        .expect_err("bad integer");
    assert_eq!(e.state, SqlState::InvalidTextRepresentation);
    assert!(e.message.contains("zz"), "{}", e.message);
}

#[test]
fn repeatable_read_blocks_bypass_the_cache() {
    let mut p = Pair::new();
    setup(&mut p);
    p.ok("SELECT name FROM t WHERE id = 1");
    p.ok("SELECT name FROM t WHERE id = 2");
    let hits = p.hits();
    p.ok("BEGIN ISOLATION LEVEL REPEATABLE READ");
    p.ok("SELECT name FROM t WHERE id = 3");
    p.ok("SELECT name FROM t WHERE id = 4");
    p.ok("COMMIT");
    assert_eq!(p.hits(), hits);
    p.ok("SELECT name FROM t WHERE id = 4");
    assert_eq!(p.hits(), hits + 1);
}

#[test]
fn the_cache_is_bounded() {
    let db = Database::open_in_memory();
    let mut s = db.session();
    s.query("CREATE TABLE b (id int PRIMARY KEY, d date)", &[])
        .unwrap();
    for i in 0..600 {
        // Twice, so that each is analysed and kept.
        for _ in 0..2 {
            s.query(&format!("SELECT id AS c{i} FROM b WHERE id = {i}"), &[])
                .unwrap();
        }
        assert!(s.plan_cache_stats().entries <= 128);
    }
    assert_eq!(s.plan_cache_stats().entries, 128);
    // Inline literals make variants of one key; those are bounded too.
    let mut t = db.session();
    for day in 1..=28 {
        t.query(
            &format!("SELECT id FROM b WHERE d = DATE '2020-01-{day:02}'"),
            &[],
        )
        .unwrap();
    }
    let stats = t.plan_cache_stats();
    assert!(stats.entries <= 8, "{stats:?}");
    assert_eq!(stats.misses, 28);
}

#[test]
fn one_negative_entry_covers_every_value() {
    let db = Database::open_in_memory();
    let mut s = db.session();
    s.query("CREATE TABLE vc (id int PRIMARY KEY, v varchar(5))", &[])
        .unwrap();
    // A string compared with varchar(5) is not cached (see the DML test):
    // one negative entry, not one per value.
    for i in 0..20 {
        s.query(&format!("SELECT id FROM vc WHERE v = 'v{i}'"), &[])
            .unwrap();
    }
    let stats = s.plan_cache_stats();
    assert_eq!((stats.hits, stats.entries), (0, 1), "{stats:?}");
}

#[test]
fn disabled_and_uncacheable_texts_are_not_counted_as_hits() {
    let db = Database::open_in_memory();
    let mut s = db.session();
    s.set_plan_cache_enabled(false);
    s.query("CREATE TABLE n (id int)", &[]).unwrap();
    for i in 0..3 {
        s.query(&format!("SELECT * FROM n WHERE id = {i}"), &[])
            .unwrap();
    }
    assert_eq!(s.plan_cache_stats().hits, 0);
    s.set_plan_cache_enabled(true);
    for sql in [
        "SELECT * FROM n WHERE id = 1; SELECT 2",
        "SELECT * FROM n WHERE id = 1; SELECT 3",
        "SELECT E'a' FROM n",
        "SELECT E'a' FROM n",
    ] {
        s.simple_query(sql);
    }
    assert_eq!(s.plan_cache_stats().hits, 0);
    assert_eq!(s.plan_cache_stats().misses, 0);
}

#[test]
fn query_and_batch_use_the_cache_and_prepared_statements_still_work() {
    let db = Database::open_in_memory();
    let mut s = db.session();
    s.batch("CREATE TABLE q (id int PRIMARY KEY, v text)")
        .unwrap();
    s.execute("INSERT INTO q VALUES (1, 'one')", &[]).unwrap();
    s.execute("INSERT INTO q VALUES (2, 'two')", &[]).unwrap();
    s.query("SELECT v FROM q WHERE id = 3", &[]).unwrap();
    s.batch("SELECT v FROM q WHERE id = 4").unwrap();
    let r = s.batch("SELECT v FROM q WHERE id = 2").unwrap();
    assert_eq!(texts(&r[0]), [["two"]]);
    let r = s.query("SELECT v FROM q WHERE id = 1", &[]).unwrap();
    assert_eq!(texts(&r), [["one"]]);
    assert_eq!(s.plan_cache_stats().hits, 2);
    let prepared = s.prepare("SELECT v FROM q WHERE id = $1").unwrap();
    let r = s.query_prepared(&prepared, &[Value::Int4(2)]).unwrap();
    assert_eq!(texts(&r), [["two"]]);
    let r = s
        .query("SELECT v FROM q WHERE id = $1", &[Value::Int4(1)])
        .unwrap();
    assert_eq!(texts(&r), [["one"]]);
}

/// The SQL of every `statement` and `query` record of a sqllogictest file.
fn slt_records(text: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut lines = text.lines();
    while let Some(line) = lines.next() {
        if !(line.starts_with("statement") || line.starts_with("query")) {
            continue;
        }
        let mut sql = Vec::new();
        for l in lines.by_ref() {
            if l.trim().is_empty() || l == "----" {
                break;
            }
            sql.push(l);
        }
        out.push(sql.join("\n"));
    }
    out
}

/// `sql` with every integer literal that fits in `integer` moved by one
/// (same key, other values).
fn nudged(sql: &str) -> Option<String> {
    use rocksgres_engine::sql::normalize::{normalize, LiteralKind};
    let norm = normalize(sql)?;
    let mut out = String::new();
    let mut at = 0;
    for lit in norm.literals.iter().filter(|l| l.kind == LiteralKind::Int4) {
        let n: i32 = lit.raw.parse().ok()?;
        let moved = if n == i32::MAX { n - 1 } else { n + 1 };
        out.push_str(&sql[at..lit.span.start]);
        out.push_str(&moved.to_string());
        at = lit.span.end;
    }
    out.push_str(&sql[at..]);
    Some(out)
}

#[test]
fn the_slt_corpus_runs_alike_cached_and_not() {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../regression-tests/slt");
    let mut files: Vec<std::path::PathBuf> = Vec::new();
    let mut stack = vec![dir];
    while let Some(d) = stack.pop() {
        for entry in std::fs::read_dir(&d).expect("the slt corpus") {
            let path = entry.expect("a directory entry").path();
            if path.is_dir() {
                stack.push(path);
            } else if path.extension().is_some_and(|e| e == "slt") {
                files.push(path);
            }
        }
    }
    files.sort();
    assert!(files.len() >= 10, "{files:?}");
    let mut hits = 0;
    let mut statements = 0;
    for file in &files {
        let text = std::fs::read_to_string(file).expect("an slt file");
        let mut p = Pair::new();
        for sql in slt_records(&text) {
            statements += 1;
            // Each statement as written (its key is seen), again (analysed),
            // with other integers (a hit with other values when cacheable),
            // and as written once more (a hit with the first values).
            p.same(&sql);
            p.same(&sql);
            if let Some(other) = nudged(&sql) {
                p.same(&other);
            }
            p.same(&sql);
        }
        hits += p.hits();
    }
    assert!(statements > 500, "{statements}");
    assert!(
        hits > statements / 4,
        "{hits} hits for {statements} statements"
    );
}
