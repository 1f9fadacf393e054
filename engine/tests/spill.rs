//! `work_mem` and `temp_file_limit`: statements past `work_mem` spill to
//! temporary files under `<datadir>/pgsql_tmp`, which are gone when the
//! statement ends (normally, on an error, on a cancel); past
//! `temp_file_limit` they fail with 53400; the directory is emptied when
//! the database opens.

mod common;

use std::time::{Duration, Instant};

use common::spill::{run_while_watched, temp_files, watch_temp_files};
use rocksgres_engine::{Database, SqlState};

/// A database in `dir` with `sp(id, i, s)` holding `rows` rows.
fn database_with_rows(dir: &std::path::Path, rows: u32) -> Database {
    let db = Database::open(dir).unwrap();
    let mut s = db.session();
    s.execute(
        &format!(
            "CREATE TABLE sp AS SELECT g AS id, (g * 7919) % 100003 AS i, \
             'v' || (g * 7) % 5000 AS s FROM generate_series(1, {rows}) g"
        ),
        &[],
    )
    .unwrap();
    db
}

#[test]
fn a_sort_past_work_mem_spills_and_cleans_up() {
    let dir = tempfile::tempdir().unwrap();
    let db = database_with_rows(dir.path(), 100_000);
    assert!(db.temp_dir().path().starts_with(dir.path()));
    let mut s = db.session();
    let sorted = "SELECT sum(x) FROM (SELECT i AS x FROM sp ORDER BY i, s) t";
    // Within work_mem (4MB by default... 100k rows pass it; 1GB does not).
    s.execute("SET work_mem = '1GB'", &[]).unwrap();
    let in_memory = s.query(sorted, &[]).unwrap();
    assert_eq!(temp_files(&db), 0);
    s.execute("SET work_mem = '64kB'", &[]).unwrap();
    // Watch the directory from another thread while the statement runs.
    let watcher = watch_temp_files(&db);
    let spilled = run_while_watched(watcher, sorted, || s.query(sorted, &[]).unwrap());
    assert_eq!(
        format!("{:?}", spilled.rows),
        format!("{:?}", in_memory.rows)
    );
    assert_eq!(temp_files(&db), 0);
}

#[test]
fn a_cancelled_spilling_statement_leaves_no_file() {
    let dir = tempfile::tempdir().unwrap();
    let db = database_with_rows(dir.path(), 200_000);
    let mut s = db.session();
    s.execute("SET work_mem = '64kB'", &[]).unwrap();
    let handle = s.cancel_handle();
    let running = std::thread::spawn(move || {
        let r = s.query(
            "SELECT count(*) FROM (SELECT a.i FROM sp a JOIN sp b ON a.i = b.i ORDER BY a.s, b.s, a.id) t",
            &[],
        );
        (s, r)
    });
    let start = Instant::now();
    while temp_files(&db) == 0 && !running.is_finished() {
        assert!(start.elapsed() < Duration::from_secs(120));
        std::thread::sleep(Duration::from_micros(200));
    }
    let saw_files = temp_files(&db) > 0;
    while !running.is_finished() {
        handle.cancel();
        std::thread::sleep(Duration::from_millis(1));
    }
    let (mut s, r) = running.join().unwrap();
    assert!(saw_files, "no temporary file appeared");
    let e = r.unwrap_err();
    assert_eq!(e.state, SqlState::QueryCanceled);
    assert_eq!(temp_files(&db), 0);
    assert_eq!(s.execute("SELECT 1", &[]).unwrap(), 1);
}

#[test]
fn temp_file_limit_fails_with_53400_and_removes_the_files() {
    let dir = tempfile::tempdir().unwrap();
    let db = database_with_rows(dir.path(), 100_000);
    let mut s = db.session();
    let r = s.query("SHOW temp_file_limit", &[]).unwrap();
    assert_eq!(r.rows[0].get::<String>(0).unwrap(), "-1");
    s.execute("SET work_mem = '64kB'", &[]).unwrap();
    s.execute("SET temp_file_limit = '200kB'", &[]).unwrap();
    for q in [
        "SELECT * FROM sp ORDER BY s",
        "SELECT count(*) FROM sp a JOIN sp b ON a.id = b.id",
    ] {
        let e = s.query(q, &[]).unwrap_err();
        assert_eq!(e.state, SqlState::ConfigurationLimitExceeded, "{q}");
        assert_eq!(
            e.message,
            "temporary file size exceeds temp_file_limit (200kB)"
        );
        assert_eq!(temp_files(&db), 0);
    }
    // Unlimited again: the same statements run.
    s.execute("SET temp_file_limit = -1", &[]).unwrap();
    assert_eq!(
        s.query("SELECT * FROM sp ORDER BY s", &[])
            .unwrap()
            .rows
            .len(),
        100_000
    );
    let r = s
        .query("SELECT count(*) FROM sp a JOIN sp b ON a.id = b.id", &[])
        .unwrap();
    assert_eq!(r.rows[0].get::<i64>(0).unwrap(), 100_000);
}

#[test]
fn the_temp_dir_is_emptied_when_the_database_opens() {
    let dir = tempfile::tempdir().unwrap();
    let tmp = {
        let db = Database::open(dir.path()).unwrap();
        db.temp_dir().path().to_path_buf()
    };
    std::fs::create_dir_all(&tmp).unwrap();
    std::fs::write(tmp.join("pgsql_tmp1.0"), b"left by a crash").unwrap();
    let db = Database::open(dir.path()).unwrap();
    assert_eq!(temp_files(&db), 0);
}

#[test]
fn an_in_memory_database_spills_to_its_own_directory() {
    let db = Database::open_in_memory();
    let path = db.temp_dir().path().to_path_buf();
    assert!(path.starts_with(std::env::temp_dir()));
    let mut s = db.session();
    s.execute("SET work_mem = '64kB'", &[]).unwrap();
    let r = s
        .query(
            "SELECT count(*), sum(x) FROM (SELECT g AS x FROM generate_series(1, 50000) g ORDER BY g DESC) t",
            &[],
        )
        .unwrap();
    assert_eq!(r.rows[0].get::<i64>(0).unwrap(), 50_000);
    assert_eq!(temp_files(&db), 0);
    drop(s);
    drop(db);
    assert!(!path.exists());
}
