//! Row locking clauses under real concurrency: eight worker sessions drain
//! a job table with `FOR UPDATE SKIP LOCKED`, and every job is processed
//! exactly once.

mod common;

use common::q;
use rocksgres_engine::storage::Store;
use rocksgres_engine::{Database, Session};

const JOBS: usize = 400;
const WORKERS: usize = 8;

fn exec<S: Store>(s: &mut Session<S>, sql: &str) {
    s.query(sql, &[]).unwrap_or_else(|e| panic!("{sql}: {e}"));
}

/// One worker: takes the next free job, marks it done and logs it, until
/// no job is left undone. Returns the ids it processed.
fn work<S: Store>(db: &Database<S>, w: usize) -> Vec<i64> {
    let mut s = db.session();
    let mut mine = Vec::new();
    loop {
        exec(&mut s, "BEGIN");
        let rows = q(
            &mut s,
            "SELECT id FROM jobs WHERE NOT done ORDER BY id FOR UPDATE SKIP LOCKED LIMIT 1",
        );
        let Some(row) = rows.first() else {
            exec(&mut s, "COMMIT");
            // Every free job may be locked by other workers for a moment:
            // stop only when none is left undone.
            if q(&mut s, "SELECT count(*) FROM jobs WHERE NOT done") == [["0"]] {
                return mine;
            }
            std::thread::yield_now();
            continue;
        };
        let id: i64 = row[0].parse().unwrap();
        exec(
            &mut s,
            &format!("UPDATE jobs SET done = true, worker = {w} WHERE id = {id}"),
        );
        exec(&mut s, &format!("INSERT INTO processed VALUES ({id}, {w})"));
        exec(&mut s, "COMMIT");
        mine.push(id);
    }
}

#[test]
fn skip_locked_workers_process_every_job_exactly_once() {
    let dir = tempfile::tempdir().unwrap();
    let db = Database::open(dir.path()).unwrap();
    let mut setup = db.session();
    exec(
        &mut setup,
        "CREATE TABLE jobs (id int PRIMARY KEY, done bool NOT NULL, worker int)",
    );
    exec(&mut setup, "CREATE TABLE processed (job int, worker int)");
    exec(&mut setup, "SET synchronous_commit = off");
    exec(
        &mut setup,
        &format!("INSERT INTO jobs (id, done) SELECT g, false FROM generate_series(1, {JOBS}) g"),
    );
    let handles: Vec<_> = (0..WORKERS)
        .map(|w| {
            let db = db.clone();
            std::thread::spawn(move || work(&db, w))
        })
        .collect();
    let mut all: Vec<i64> = Vec::new();
    for h in handles {
        all.extend(h.join().expect("worker panicked"));
    }
    all.sort_unstable();
    let expected: Vec<i64> = (1..=JOBS as i64).collect();
    assert_eq!(all, expected, "each job taken by exactly one worker");
    assert_eq!(
        q(
            &mut setup,
            "SELECT count(*) FROM jobs WHERE NOT done OR worker IS NULL"
        ),
        [["0"]]
    );
    assert_eq!(
        q(
            &mut setup,
            "SELECT count(*) FROM (SELECT job FROM processed GROUP BY job HAVING count(*) <> 1) d"
        ),
        [["0"]]
    );
    assert_eq!(
        q(
            &mut setup,
            "SELECT count(DISTINCT job), count(*) FROM processed"
        ),
        [[JOBS.to_string(), JOBS.to_string()]]
    );
    // The worker recorded in each job is the one that logged it.
    assert_eq!(
        q(
            &mut setup,
            "SELECT count(*) FROM jobs j JOIN processed p ON p.job = j.id WHERE p.worker <> j.worker"
        ),
        [["0"]]
    );
}
