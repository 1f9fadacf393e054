//! Watching a database's temporary directory while a statement runs: how
//! the spill tests (`spill`, `spill_hash`, `spill_more`) see that a
//! statement past `work_mem` really wrote temporary files (they are
//! removed when it ends, so only a watcher running beside it sees them).

use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use rocksgres_engine::storage::{RocksStore, Store};
use rocksgres_engine::{Database, Session};

/// The files in `db`'s temporary directory now.
pub fn temp_files<S: Store>(db: &Database<S>) -> usize {
    db.temp_dir().files().len()
}

/// A thread that watches `db`'s temporary directory for up to a minute:
/// true as soon as a file appears, false if none did.
pub fn watch_temp_files(db: &Database) -> JoinHandle<bool> {
    let db = db.clone();
    std::thread::spawn(move || {
        let start = Instant::now();
        while start.elapsed() < Duration::from_secs(60) {
            if temp_files(&db) > 0 {
                return true;
            }
            std::thread::sleep(Duration::from_micros(200));
        }
        false
    })
}

/// Runs `run` (a statement) until `watcher` has seen a temporary file (at
/// most 20 times: a fast statement may end between two looks); asserts
/// that it did, and returns the last result.
pub fn run_while_watched<T>(
    watcher: JoinHandle<bool>,
    what: &str,
    mut run: impl FnMut() -> T,
) -> T {
    let mut last = run();
    for _ in 0..20 {
        if watcher.is_finished() {
            break;
        }
        last = run();
    }
    assert!(
        watcher.join().unwrap(),
        "no temporary file appeared: {what}"
    );
    last
}

/// The rows of `sql`, each as text, in the order returned.
pub fn rows_in_order<S: Store>(s: &mut Session<S>, sql: &str) -> Vec<String> {
    let r = s.query(sql, &[]).unwrap_or_else(|e| panic!("{sql}: {e}"));
    r.rows.iter().map(|row| format!("{row:?}")).collect()
}

/// The rows of `sql`, each as text, sorted.
pub fn rows_sorted<S: Store>(s: &mut Session<S>, sql: &str) -> Vec<String> {
    let mut rows = rows_in_order(s, sql);
    rows.sort();
    rows
}

/// Runs `sql` with `work_mem` 1GB (in memory), then at 64kB while a
/// watcher looks at the temporary directory: asserts that files were
/// made, that the rows are the same (in the same order when `ordered`,
/// else as a multiset) and that no file is left; returns the row count.
pub fn spills_with_the_same_rows_as(db: &Database, sql: &str, ordered: bool) -> usize {
    let read = |s: &mut Session<RocksStore>| {
        if ordered {
            rows_in_order(s, sql)
        } else {
            rows_sorted(s, sql)
        }
    };
    let mut s = db.session();
    s.execute("SET work_mem = '1GB'", &[]).unwrap();
    let in_memory = read(&mut s);
    assert_eq!(temp_files(db), 0, "{sql}");
    s.execute("SET work_mem = '64kB'", &[]).unwrap();
    let watcher = watch_temp_files(db);
    let spilled = run_while_watched(watcher, sql, || read(&mut s));
    assert_eq!(spilled.len(), in_memory.len(), "{sql}");
    assert!(spilled == in_memory, "different rows after a spill: {sql}");
    assert_eq!(temp_files(db), 0, "{sql}");
    in_memory.len()
}
