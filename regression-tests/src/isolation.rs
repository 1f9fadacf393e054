//! Isolation scenarios: several SQL sessions interleaved step by step, in
//! the spirit of PostgreSQL's isolation tester.
//!
//! A scenario file (`regression-tests/isolation/NAME.spec`) holds `setup:`
//! lines (run first, in one session) and steps `SESSION: SQL`. Each session
//! runs on its own thread, so a step that waits for a row lock really
//! waits; after each step the runner waits until every session is either
//! done with its step or blocked on a lock, then prints what finished. The
//! same scenario runs against the engine (in process) and against a real
//! PostgreSQL 15, and both transcripts must equal `NAME.out`: the expected
//! outcomes are PostgreSQL's.
//!
//! Transcript: each step as `SESSION: SQL`, then `  => RESULT` (rows as
//! `[a|b, c|d]`, `ok N` with the affected-row count, or `ERROR <SQLSTATE>`),
//! or `  => waiting`;
//! a blocked step that finishes later is printed as
//! `  => SESSION resumes: RESULT`.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::sync::mpsc;
use std::time::{Duration, Instant};

/// One side of a scenario: how to open sessions and how to see waiters.
pub trait Backend: Sync {
    /// A session.
    type Conn: Connection;
    /// Opens a new session.
    fn connect(&self) -> Self::Conn;
    /// How many sessions are blocked waiting for a lock right now.
    fn waiting(&self) -> usize;
}

/// A session that runs one SQL statement and renders its outcome.
pub trait Connection: Send {
    /// Runs `sql`; returns the rendered result (`ERROR <SQLSTATE>` on error).
    fn run(&mut self, sql: &str) -> String;
}

/// A parsed scenario.
#[derive(Debug, Clone)]
pub struct Scenario {
    /// Statements run before the steps, in one session.
    pub setup: Vec<String>,
    /// (session, SQL) steps.
    pub steps: Vec<(String, String)>,
}

/// Parses a scenario file.
pub fn parse(text: &str) -> Scenario {
    let mut setup = Vec::new();
    let mut steps = Vec::new();
    for line in text.lines() {
        let line = line.trim();
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        let (who, sql) = line.split_once(':').expect("a step is SESSION: SQL");
        let (who, sql) = (who.trim(), sql.trim());
        if who == "setup" {
            setup.push(sql.to_string());
        } else {
            steps.push((who.to_string(), sql.to_string()));
        }
    }
    Scenario { setup, steps }
}

/// Runs `scenario` on `backend` and returns the transcript.
pub fn run<B: Backend>(backend: &B, scenario: &Scenario) -> String {
    let mut out = String::new();
    let mut setup = backend.connect();
    for sql in &scenario.setup {
        let r = setup.run(sql);
        assert!(!r.starts_with("ERROR"), "setup `{sql}` failed: {r}");
    }
    drop(setup);
    std::thread::scope(|scope| {
        let (done_tx, done_rx) = mpsc::channel::<(String, String, String)>();
        let mut inboxes: BTreeMap<String, mpsc::Sender<String>> = BTreeMap::new();
        let mut pending: BTreeMap<String, String> = BTreeMap::new();
        for (who, sql) in &scenario.steps {
            if !inboxes.contains_key(who) {
                let (tx, rx) = mpsc::channel::<String>();
                let done_tx = done_tx.clone();
                let name = who.clone();
                let mut conn = backend.connect();
                scope.spawn(move || {
                    for sql in rx {
                        let result = conn.run(&sql);
                        if done_tx.send((name.clone(), sql, result)).is_err() {
                            break;
                        }
                    }
                });
                inboxes.insert(who.clone(), tx);
            }
            assert!(
                !pending.contains_key(who),
                "scenario error: {who} is still waiting when given `{sql}`"
            );
            writeln!(out, "{who}: {sql}").unwrap();
            pending.insert(who.clone(), sql.clone());
            inboxes[who].send(sql.clone()).unwrap();

            let deadline = Instant::now() + Duration::from_secs(30);
            let mut finished: BTreeMap<String, (String, String)> = BTreeMap::new();
            let mut quiet = 0;
            loop {
                let mut answered = false;
                while let Ok((name, sql, result)) = done_rx.try_recv() {
                    pending.remove(&name);
                    finished.insert(name, (sql, result));
                    answered = true;
                }
                if !answered && pending.len() == backend.waiting() {
                    quiet += 1;
                    // With two or more sessions waiting, a deadlock may be
                    // about to be detected (PostgreSQL checks after
                    // deadlock_timeout, set to 100ms here): wait it out.
                    let needed = if pending.len() >= 2 { 60 } else { 3 };
                    if quiet >= needed {
                        break;
                    }
                } else {
                    quiet = 0;
                }
                assert!(Instant::now() < deadline, "scenario hung at `{who}: {sql}`");
                std::thread::sleep(Duration::from_millis(10));
            }
            match finished.remove(who) {
                Some((_, result)) => writeln!(out, "  => {result}").unwrap(),
                None => writeln!(out, "  => waiting").unwrap(),
            }
            for (name, (_, result)) in finished {
                writeln!(out, "  => {name} resumes: {result}").unwrap();
            }
        }
        assert!(
            pending.is_empty(),
            "scenario ended with waiting sessions: {pending:?}"
        );
        drop(inboxes);
    });
    out
}

/// The engine, in process.
pub mod engine {
    use rocksgres_engine::storage::{RocksStore, Store};
    use rocksgres_engine::{Database, Session};

    /// A database in a temporary directory.
    pub struct EngineBackend {
        /// The database.
        pub db: Database,
        _dir: tempfile::TempDir,
    }

    impl EngineBackend {
        /// A fresh database.
        pub fn new() -> Self {
            let dir = tempfile::tempdir().expect("temporary directory");
            let db = Database::open(dir.path()).expect("open a database");
            EngineBackend { db, _dir: dir }
        }
    }

    impl Default for EngineBackend {
        fn default() -> Self {
            Self::new()
        }
    }

    /// An engine session.
    pub struct EngineConn(Session<RocksStore>);

    impl super::Connection for EngineConn {
        fn run(&mut self, sql: &str) -> String {
            match self.0.query(sql, &[]) {
                Err(e) => format!("ERROR {}", e.code()),
                Ok(r) if r.returns_rows() => {
                    let rows: Vec<String> = r
                        .rows
                        .iter()
                        .map(|row| {
                            row.values()
                                .iter()
                                .map(|v| v.to_text().unwrap_or_else(|| "NULL".into()))
                                .collect::<Vec<_>>()
                                .join("|")
                        })
                        .collect();
                    format!("[{}]", rows.join(", "))
                }
                Ok(r) => format!("ok {}", r.rows_affected),
            }
        }
    }

    impl super::Backend for EngineBackend {
        type Conn = EngineConn;

        fn connect(&self) -> EngineConn {
            EngineConn(self.db.session())
        }

        fn waiting(&self) -> usize {
            self.db.store().lock_waiters()
        }
    }
}

/// A real PostgreSQL 15.
pub mod postgres {
    use crate::postgres_ref::PostgresRef;

    /// A database on the reference cluster.
    pub struct PgBackend<'a> {
        /// The cluster.
        pub cluster: &'a PostgresRef,
        /// The database name.
        pub dbname: String,
        monitor: std::sync::Mutex<::postgres::Client>,
    }

    impl<'a> PgBackend<'a> {
        /// Uses database `dbname` (which must exist) of `cluster`.
        pub fn new(cluster: &'a PostgresRef, dbname: &str) -> Self {
            let monitor = cluster.connect(dbname).expect("connect the monitor");
            PgBackend {
                cluster,
                dbname: dbname.to_string(),
                monitor: std::sync::Mutex::new(monitor),
            }
        }
    }

    /// A PostgreSQL session.
    pub struct PgConn(::postgres::Client);

    impl super::Connection for PgConn {
        fn run(&mut self, sql: &str) -> String {
            match self.0.simple_query(sql) {
                Err(e) => format!(
                    "ERROR {}",
                    e.code().map(|c| c.code().to_string()).unwrap_or_default()
                ),
                Ok(messages) => {
                    let mut rows = Vec::new();
                    let mut has_rows = false;
                    let mut tag = String::new();
                    for m in messages {
                        match m {
                            ::postgres::SimpleQueryMessage::RowDescription(_) => has_rows = true,
                            ::postgres::SimpleQueryMessage::Row(r) => {
                                has_rows = true;
                                rows.push(
                                    (0..r.len())
                                        .map(|i| r.get(i).unwrap_or("NULL").to_string())
                                        .collect::<Vec<_>>()
                                        .join("|"),
                                );
                            }
                            ::postgres::SimpleQueryMessage::CommandComplete(n) => {
                                tag = n.to_string();
                            }
                            _ => {}
                        }
                    }
                    if has_rows {
                        format!("[{}]", rows.join(", "))
                    } else {
                        format!("ok {tag}")
                    }
                }
            }
        }
    }

    impl super::Backend for PgBackend<'_> {
        type Conn = PgConn;

        fn connect(&self) -> PgConn {
            let mut c = self.cluster.connect(&self.dbname).expect("connect");
            c.batch_execute("SET deadlock_timeout = '100ms'")
                .expect("set deadlock_timeout");
            PgConn(c)
        }

        fn waiting(&self) -> usize {
            let mut m = self.monitor.lock().expect("monitor lock");
            let rows = m
                .query(
                    "SELECT count(DISTINCT pid)::int8 FROM pg_locks WHERE NOT granted",
                    &[],
                )
                .expect("query pg_locks");
            rows[0].get::<_, i64>(0) as usize
        }
    }
}
