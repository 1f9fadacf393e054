//! Transaction semantics through the embedding API, checked against what
//! PostgreSQL 15 does: statement atomicity (errors and panics), implicit
//! transactions, transactional SET and SET LOCAL, read-only transactions,
//! SET TRANSACTION rules, `synchronous_commit` read at commit, the
//! SERIALIZABLE warning, and commit visibility under concurrency.
//!
//! A panicking statement is produced by a store wrapper whose `put` panics
//! when the value holds the marker `PANIC!`: a real write path that panics
//! half-way through a statement, with nothing added to the engine.

mod common;
use common::hooked::{HookedStore, Hooks};
use common::q;

use std::sync::{Arc, Mutex};

use rocksgres_engine::session::SERIALIZABLE_WARNING;
use rocksgres_engine::storage::{CommitInfo, Durability, MemoryStore, Store};
use rocksgres_engine::{Database, Session, SqlState, TxnStatus, Value};

const MARKER: &[u8] = b"PANIC!";

/// Panics on writing a value that holds [`MARKER`], and records the
/// durability of every commit that wrote something.
#[derive(Default)]
struct Faults {
    commits: Mutex<Vec<Durability>>,
}

impl Hooks for Faults {
    fn put(&self, _key: &[u8], value: &[u8]) {
        if value.windows(MARKER.len()).any(|w| w == MARKER) {
            panic!("injected fault while writing a row");
        }
    }
    fn committed(&self, durability: Durability, info: &CommitInfo) {
        if info.writes > 0 {
            self.commits.lock().unwrap().push(durability);
        }
    }
}

type FaultyStore = HookedStore<MemoryStore, Faults>;

fn faulty() -> (Database<FaultyStore>, Arc<Faults>) {
    let faults = Arc::new(Faults::default());
    let db = Database::with_store(FaultyStore {
        inner: MemoryStore::new(),
        hooks: Arc::clone(&faults),
    });
    db.session()
        .execute("CREATE TABLE t (id int PRIMARY KEY, v text)", &[])
        .unwrap();
    faults.commits.lock().unwrap().clear();
    (db, faults)
}

fn quiet_panics() {
    // The injected panics are expected; keep the test output readable
    // (other panics, such as failed assertions, still print).
    static ONCE: std::sync::Once = std::sync::Once::new();
    ONCE.call_once(|| {
        let previous = std::panic::take_hook();
        std::panic::set_hook(Box::new(move |info| {
            if !info.to_string().contains("injected fault") {
                previous(info);
            }
        }));
    });
}

fn err<S: Store>(s: &mut Session<S>, sql: &str) -> (SqlState, String) {
    let e = s.query(sql, &[]).expect_err(sql);
    (e.state, e.message)
}

fn tag<S: Store>(s: &mut Session<S>, sql: &str) -> String {
    s.query(sql, &[])
        .unwrap_or_else(|e| panic!("{sql}: {e}"))
        .tag
        .to_string()
}

fn ids<S: Store>(s: &mut Session<S>) -> Vec<String> {
    q(s, "SELECT id FROM t ORDER BY id")
        .into_iter()
        .map(|r| r[0].clone())
        .collect()
}

fn notices<S: Store>(s: &mut Session<S>, sql: &str) -> Vec<String> {
    s.query(sql, &[])
        .unwrap_or_else(|e| panic!("{sql}: {e}"))
        .notices
}

fn show<S: Store>(s: &mut Session<S>, name: &str) -> String {
    q(s, &format!("SHOW {name}"))[0][0].clone()
}

// ---- statement atomicity ---------------------------------------------

#[test]
fn a_panicking_statement_fails_the_block_and_commits_nothing() {
    quiet_panics();
    let (db, _) = faulty();
    let mut s = db.session();
    tag(&mut s, "BEGIN");
    tag(&mut s, "INSERT INTO t VALUES (10, 'kept until the panic')");
    let (state, message) = err(&mut s, "INSERT INTO t VALUES (1, 'a'), (2, 'PANIC!')");
    assert_eq!(state, SqlState::InternalError, "{message}");
    assert_eq!(s.status(), TxnStatus::Failed);
    assert_eq!(err(&mut s, "SELECT 1").0, SqlState::InFailedSqlTransaction);
    assert_eq!(tag(&mut s, "COMMIT"), "ROLLBACK");
    assert_eq!(s.status(), TxnStatus::Idle);
    assert_eq!(ids(&mut s), Vec::<String>::new());
}

#[test]
fn rollback_to_savepoint_removes_a_panicking_statements_writes() {
    quiet_panics();
    let (db, _) = faulty();
    let mut s = db.session();
    tag(&mut s, "BEGIN");
    tag(&mut s, "INSERT INTO t VALUES (10, 'before')");
    tag(&mut s, "SAVEPOINT a");
    tag(&mut s, "INSERT INTO t VALUES (11, 'after')");
    let (state, _) = err(&mut s, "INSERT INTO t VALUES (1, 'a'), (2, 'PANIC!')");
    assert_eq!(state, SqlState::InternalError);
    assert_eq!(s.status(), TxnStatus::Failed);
    tag(&mut s, "ROLLBACK TO SAVEPOINT a");
    assert_eq!(s.status(), TxnStatus::InBlock);
    assert_eq!(ids(&mut s), ["10"]);
    assert_eq!(tag(&mut s, "COMMIT"), "COMMIT");
    assert_eq!(ids(&mut s), ["10"]);
}

#[test]
fn an_autocommit_panic_leaves_nothing_and_the_session_works() {
    quiet_panics();
    let (db, _) = faulty();
    let mut s = db.session();
    let (state, _) = err(&mut s, "INSERT INTO t VALUES (1, 'a'), (2, 'PANIC!')");
    assert_eq!(state, SqlState::InternalError);
    assert_eq!(s.status(), TxnStatus::Idle);
    assert_eq!(ids(&mut s), Vec::<String>::new());
    tag(&mut s, "INSERT INTO t VALUES (3, 'c')");
    assert_eq!(ids(&mut s), ["3"]);
}

#[test]
fn a_panicking_prepared_statement_leaves_no_stale_plan() {
    quiet_panics();
    let (db, _) = faulty();
    let mut s = db.session();
    let insert = s.prepare("INSERT INTO t VALUES ($1, $2)").unwrap();
    let e = s
        .query_prepared(&insert, &[Value::Int4(1), Value::Text("PANIC!".into())])
        .unwrap_err();
    assert_eq!(e.state, SqlState::InternalError);
    // The next statement must run its own plan, not the prepared one.
    assert_eq!(q(&mut s, "SELECT 42"), [["42"]]);
    s.query_prepared(&insert, &[Value::Int4(5), Value::Text("e".into())])
        .unwrap();
    assert_eq!(ids(&mut s), ["5"]);
}

#[test]
fn any_error_in_a_block_fails_it() {
    let db = Database::open_in_memory();
    let mut s = db.session();
    tag(&mut s, "CREATE TABLE t (id int PRIMARY KEY, v text)");
    // A syntax error, a planning error at prepare, a bad SET: each aborts
    // the block in PostgreSQL, and COMMIT then rolls back.
    for failing in ["SELEC 1", "PREPARE", "SET nosuch = 1"] {
        tag(&mut s, "BEGIN");
        tag(&mut s, "INSERT INTO t VALUES (1, 'a')");
        if failing == "PREPARE" {
            assert!(s.prepare("SELECT * FROM missing").is_err());
        } else {
            assert!(s.query(failing, &[]).is_err());
        }
        assert_eq!(s.status(), TxnStatus::Failed, "{failing}");
        assert_eq!(
            err(&mut s, "SELECT 1").0,
            SqlState::InFailedSqlTransaction,
            "{failing}"
        );
        assert_eq!(tag(&mut s, "COMMIT"), "ROLLBACK", "{failing}");
        assert_eq!(ids(&mut s), Vec::<String>::new(), "{failing}");
    }
}

// ---- implicit transactions -------------------------------------------

fn simple<S: Store>(s: &mut Session<S>, sql: &str) -> Vec<std::result::Result<String, SqlState>> {
    s.simple_query(sql)
        .into_iter()
        .map(|r| r.map(|r| r.tag.to_string()).map_err(|e| e.state))
        .collect()
}

#[test]
fn a_multi_statement_query_is_one_implicit_transaction() {
    let db = Database::open_in_memory();
    let mut s = db.session();
    tag(&mut s, "CREATE TABLE t (id int PRIMARY KEY, v text)");
    assert_eq!(
        simple(&mut s, "INSERT INTO t VALUES (1, 'a'); SELECT 1/0"),
        [Ok("INSERT 0 1".into()), Err(SqlState::DivisionByZero)]
    );
    assert_eq!(ids(&mut s), Vec::<String>::new());
    assert_eq!(s.status(), TxnStatus::Idle);

    // COMMIT inside commits the statements before it.
    simple(
        &mut s,
        "INSERT INTO t VALUES (1, 'a'); COMMIT; INSERT INTO t VALUES (2, 'b'); SELECT 1/0",
    );
    assert_eq!(ids(&mut s), ["1"]);

    // ROLLBACK inside undoes them; what follows commits at the end.
    let r =
        s.simple_query("INSERT INTO t VALUES (5, 'e'); ROLLBACK; INSERT INTO t VALUES (6, 'f')");
    assert!(r.iter().all(|r| r.is_ok()));
    assert_eq!(
        r[1].as_ref().unwrap().notices,
        ["there is no transaction in progress"]
    );
    assert_eq!(ids(&mut s), ["1", "6"]);

    // BEGIN turns the implicit block into an explicit one, including the
    // statements before it.
    assert_eq!(
        simple(
            &mut s,
            "INSERT INTO t VALUES (3, 'c'); BEGIN; INSERT INTO t VALUES (4, 'd'); SELECT 1/0"
        ),
        [
            Ok("INSERT 0 1".into()),
            Ok("BEGIN".into()),
            Ok("INSERT 0 1".into()),
            Err(SqlState::DivisionByZero)
        ]
    );
    assert_eq!(s.status(), TxnStatus::Failed);
    assert_eq!(tag(&mut s, "ROLLBACK"), "ROLLBACK");
    assert_eq!(ids(&mut s), ["1", "6"]);

    // ... which stays open after the string when it does not fail.
    simple(
        &mut s,
        "INSERT INTO t VALUES (3, 'c'); BEGIN; INSERT INTO t VALUES (4, 'd')",
    );
    assert_eq!(s.status(), TxnStatus::InBlock);
    tag(&mut s, "COMMIT");
    assert_eq!(ids(&mut s), ["1", "3", "4", "6"]);

    // batch() follows the same rule.
    assert!(s
        .batch("DELETE FROM t; INSERT INTO t VALUES (9, 'x'); SELECT 1/0")
        .is_err());
    assert_eq!(ids(&mut s), ["1", "3", "4", "6"]);
}

#[test]
fn an_implicit_block_spans_prepared_statements_until_it_ends() {
    let db = Database::open_in_memory();
    let mut s = db.session();
    tag(&mut s, "CREATE TABLE t (id int PRIMARY KEY, v text)");
    let insert = s.prepare("INSERT INTO t VALUES ($1, 'x')").unwrap();
    let div = s.prepare("SELECT 1 / $1").unwrap();
    // An error rolls back every statement since the implicit block began.
    s.begin_implicit();
    s.query_prepared(&insert, &[Value::Int4(1)]).unwrap();
    s.query_prepared(&insert, &[Value::Int4(2)]).unwrap();
    assert!(s.query_prepared(&div, &[Value::Int4(0)]).is_err());
    s.end_implicit(true).unwrap();
    assert_eq!(ids(&mut s), Vec::<String>::new());
    // Otherwise the end commits them, and not before.
    s.begin_implicit();
    s.query_prepared(&insert, &[Value::Int4(1)]).unwrap();
    s.query_prepared(&insert, &[Value::Int4(2)]).unwrap();
    let mut other = db.session();
    assert_eq!(ids(&mut other), Vec::<String>::new());
    s.end_implicit(true).unwrap();
    assert_eq!(ids(&mut other), ["1", "2"]);
    // An error the caller met (a protocol error) rolls back as well.
    s.begin_implicit();
    s.query_prepared(&insert, &[Value::Int4(3)]).unwrap();
    s.fail_transaction();
    s.end_implicit(true).unwrap();
    assert_eq!(ids(&mut other), ["1", "2"]);
}

// ---- settings --------------------------------------------------------

#[test]
fn set_is_transactional_and_set_local_ends_with_its_transaction() {
    let db = Database::open_in_memory();
    let mut s = db.session();
    tag(&mut s, "BEGIN");
    tag(&mut s, "SET work_mem = '3MB'");
    tag(&mut s, "SAVEPOINT a");
    tag(&mut s, "SET work_mem = '5MB'");
    tag(&mut s, "SET LOCAL application_name = 'local'");
    tag(&mut s, "ROLLBACK TO SAVEPOINT a");
    assert_eq!(show(&mut s, "work_mem"), "3MB");
    assert_eq!(show(&mut s, "application_name"), "");
    tag(&mut s, "SET LOCAL application_name = 'local'");
    assert_eq!(show(&mut s, "application_name"), "local");
    tag(&mut s, "COMMIT");
    assert_eq!(show(&mut s, "work_mem"), "3MB");
    assert_eq!(show(&mut s, "application_name"), "");

    tag(&mut s, "BEGIN");
    tag(&mut s, "SET work_mem = '9MB'");
    tag(&mut s, "ROLLBACK");
    assert_eq!(show(&mut s, "work_mem"), "3MB");

    // A failed multi-statement string undoes its SET too.
    simple(&mut s, "SET work_mem = '7MB'; SELECT 1/0");
    assert_eq!(show(&mut s, "work_mem"), "3MB");
    // SET LOCAL in an implicit block lasts until its end.
    let r = s.simple_query("SET LOCAL work_mem = '1MB'; SHOW work_mem");
    assert_eq!(common::texts(r[1].as_ref().unwrap()), [["1MB"]]);
    assert_eq!(show(&mut s, "work_mem"), "3MB");
    // Outside a block SET LOCAL warns and does nothing.
    assert_eq!(
        notices(&mut s, "SET LOCAL work_mem = '2MB'"),
        ["SET LOCAL can only be used in transaction blocks"]
    );
    assert_eq!(show(&mut s, "work_mem"), "3MB");
}

#[test]
fn synchronous_commit_is_read_when_the_transaction_commits() {
    let (db, faults) = faulty();
    let mut s = db.session();
    tag(&mut s, "SET synchronous_commit = off");
    tag(&mut s, "BEGIN");
    tag(&mut s, "INSERT INTO t VALUES (1, 'a')");
    tag(&mut s, "SET LOCAL synchronous_commit = on");
    tag(&mut s, "COMMIT");
    assert_eq!(show(&mut s, "synchronous_commit"), "off");
    tag(&mut s, "SET synchronous_commit = on");
    tag(&mut s, "BEGIN");
    tag(&mut s, "SET LOCAL synchronous_commit = off");
    tag(&mut s, "INSERT INTO t VALUES (2, 'b')");
    tag(&mut s, "COMMIT");
    assert_eq!(
        *faults.commits.lock().unwrap(),
        [Durability::Sync, Durability::Async]
    );
}

// ---- read-only transactions and SET TRANSACTION ----------------------

#[test]
fn read_only_transactions_refuse_writes() {
    let db = Database::open_in_memory();
    let mut s = db.session();
    tag(&mut s, "CREATE TABLE t (id int PRIMARY KEY, v text)");
    let writes = [
        ("INSERT INTO t VALUES (1, 'a')", "INSERT"),
        ("UPDATE t SET v = 'b'", "UPDATE"),
        ("DELETE FROM t", "DELETE"),
        ("SELECT * FROM t FOR UPDATE", "SELECT FOR UPDATE"),
        ("SELECT * FROM t FOR SHARE", "SELECT FOR SHARE"),
        ("CREATE TABLE z (a int)", "CREATE TABLE"),
        ("DROP TABLE t", "DROP TABLE"),
        ("TRUNCATE t", "TRUNCATE TABLE"),
        ("CREATE INDEX ON t (v)", "CREATE INDEX"),
        ("CREATE VIEW v AS SELECT 1", "CREATE VIEW"),
        ("ALTER TABLE t ADD COLUMN b int", "ALTER TABLE"),
    ];
    for (sql, command) in writes {
        tag(&mut s, "BEGIN READ ONLY");
        assert_eq!(
            err(&mut s, sql),
            (
                SqlState::ReadOnlySqlTransaction,
                format!("cannot execute {command} in a read-only transaction")
            )
        );
        tag(&mut s, "ROLLBACK");
    }
    tag(&mut s, "BEGIN");
    tag(&mut s, "SET TRANSACTION READ ONLY");
    assert_eq!(show(&mut s, "transaction_read_only"), "on");
    assert_eq!(
        err(&mut s, "INSERT INTO t VALUES (1, 'a')").0,
        SqlState::ReadOnlySqlTransaction
    );
    tag(&mut s, "ROLLBACK");

    tag(&mut s, "SET default_transaction_read_only = on");
    assert_eq!(show(&mut s, "transaction_read_only"), "on");
    assert_eq!(
        err(&mut s, "INSERT INTO t VALUES (1, 'a')").0,
        SqlState::ReadOnlySqlTransaction
    );
    assert_eq!(q(&mut s, "SELECT count(*) FROM t"), [["0"]]);
    tag(&mut s, "BEGIN READ WRITE");
    tag(&mut s, "INSERT INTO t VALUES (7, 'a')");
    tag(&mut s, "COMMIT");
    tag(&mut s, "RESET default_transaction_read_only");
    assert_eq!(show(&mut s, "transaction_read_only"), "off");
    assert_eq!(ids(&mut s), ["7"]);
}

#[test]
fn transaction_characteristics_are_fixed_by_the_first_query() {
    let db = Database::open_in_memory();
    let mut s = db.session();
    tag(&mut s, "CREATE TABLE t (id int PRIMARY KEY, v text)");
    tag(&mut s, "INSERT INTO t VALUES (1, 'a')");
    tag(&mut s, "BEGIN");
    tag(&mut s, "UPDATE t SET v = 'mine' WHERE id = 1");
    assert_eq!(
        err(&mut s, "SET TRANSACTION ISOLATION LEVEL REPEATABLE READ"),
        (
            SqlState::ActiveSqlTransaction,
            "SET TRANSACTION ISOLATION LEVEL must be called before any query".into()
        )
    );
    assert_eq!(s.status(), TxnStatus::Failed);
    tag(&mut s, "ROLLBACK");
    // A SELECT counts as the first query too; before it the level may change.
    tag(&mut s, "BEGIN");
    tag(&mut s, "SET TRANSACTION ISOLATION LEVEL REPEATABLE READ");
    assert_eq!(show(&mut s, "transaction_isolation"), "repeatable read");
    q(&mut s, "SELECT 1");
    assert_eq!(
        err(&mut s, "SET TRANSACTION ISOLATION LEVEL READ COMMITTED").0,
        SqlState::ActiveSqlTransaction
    );
    tag(&mut s, "ROLLBACK");
    assert_eq!(show(&mut s, "transaction_isolation"), "read committed");
    // Read write after a query in a read-only transaction: 25001; the
    // other way is allowed.
    tag(&mut s, "BEGIN");
    q(&mut s, "SELECT 1");
    tag(&mut s, "SET TRANSACTION READ WRITE");
    tag(&mut s, "SET TRANSACTION READ ONLY");
    assert_eq!(
        err(&mut s, "SET TRANSACTION READ WRITE"),
        (
            SqlState::ActiveSqlTransaction,
            "transaction read-write mode must be set before any query".into()
        )
    );
    tag(&mut s, "ROLLBACK");
    assert_eq!(
        notices(&mut s, "SET TRANSACTION READ ONLY"),
        ["SET TRANSACTION can only be used in transaction blocks"]
    );
}

#[test]
fn serializable_warns_that_it_runs_as_repeatable_read() {
    let db = Database::open_in_memory();
    let mut s = db.session();
    assert_eq!(
        notices(&mut s, "BEGIN ISOLATION LEVEL SERIALIZABLE"),
        [SERIALIZABLE_WARNING]
    );
    assert_eq!(show(&mut s, "transaction_isolation"), "serializable");
    tag(&mut s, "COMMIT");
    tag(&mut s, "BEGIN");
    assert_eq!(
        notices(&mut s, "SET TRANSACTION ISOLATION LEVEL SERIALIZABLE"),
        [SERIALIZABLE_WARNING]
    );
    tag(&mut s, "COMMIT");
    assert_eq!(
        notices(&mut s, "SET default_transaction_isolation = 'serializable'"),
        [SERIALIZABLE_WARNING]
    );
    assert_eq!(notices(&mut s, "BEGIN"), [SERIALIZABLE_WARNING]);
    tag(&mut s, "COMMIT");
    assert!(notices(&mut s, "BEGIN ISOLATION LEVEL REPEATABLE READ").is_empty());
    tag(&mut s, "COMMIT");
}

// ---- commit visibility -----------------------------------------------

/// Small commits racing large ones: every session sees its own commit in
/// its next statement (a large commit with a smaller timestamp that is
/// still applying must not hide it).
#[test]
fn an_acknowledged_commit_is_visible_to_the_next_statement() {
    let dir = tempfile::tempdir().unwrap();
    let db = Database::open(dir.path()).unwrap();
    let mut setup = db.session();
    tag(&mut setup, "CREATE TABLE big (id int PRIMARY KEY, v text)");
    tag(&mut setup, "CREATE TABLE t (id int PRIMARY KEY, v text)");
    use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
    let stop = Arc::new(AtomicBool::new(false));
    let big_commits = Arc::new(AtomicUsize::new(0));
    let loader = {
        let db = db.clone();
        let stop = Arc::clone(&stop);
        let big_commits = Arc::clone(&big_commits);
        std::thread::spawn(move || {
            let mut s = db.session();
            tag(&mut s, "SET synchronous_commit = off");
            let mut base = 0;
            while !stop.load(Ordering::Relaxed) {
                tag(
                    &mut s,
                    &format!(
                        "INSERT INTO big SELECT g, repeat('x', 200) FROM generate_series({}, {}) g",
                        base,
                        base + 5_000
                    ),
                );
                base += 5_001;
                big_commits.fetch_add(1, Ordering::Relaxed);
            }
        })
    };
    let mut s = db.session();
    tag(&mut s, "SET synchronous_commit = off");
    let mut misses = 0;
    let mut i = 0;
    // Race at least 20 large commits (and 2,000 small ones).
    while i < 2_000 || big_commits.load(Ordering::Relaxed) < 20 {
        tag(&mut s, &format!("INSERT INTO t VALUES ({i}, 'a')"));
        if q(&mut s, &format!("SELECT count(*) FROM t WHERE id = {i}")) != [["1"]] {
            misses += 1;
        }
        if tag(&mut s, &format!("UPDATE t SET v = 'b' WHERE id = {i}")) != "UPDATE 1" {
            misses += 1;
        }
        i += 1;
    }
    stop.store(true, Ordering::Relaxed);
    loader.join().unwrap();
    assert_eq!(
        misses, 0,
        "statements missed the session's own commit ({i} small commits)"
    );
}
