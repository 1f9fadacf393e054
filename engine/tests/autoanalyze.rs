//! Autoanalyze through the embedding API: committed row changes past
//! PostgreSQL's threshold (50 rows plus 10% of the table) get the table
//! analyzed, by a pass run on demand and by the background worker on its
//! naptime; rolled-back changes, small changes and tables already
//! analyzed since do not; a truncated table's old counts are dropped; and
//! with autovacuum off the worker analyzes nothing.

mod common;

use std::time::{Duration, Instant};

use common::{q, run};
use rocksgres_engine::settings::AutovacuumSettings;
use rocksgres_engine::Database;

fn reltuples<S: rocksgres_storage::Store>(s: &mut rocksgres_engine::Session<S>, t: &str) -> String {
    q(
        s,
        &format!("SELECT reltuples::text FROM pg_class WHERE relname = '{t}'"),
    )[0][0]
        .clone()
}

fn off() -> AutovacuumSettings {
    AutovacuumSettings {
        enabled: false,
        naptime: Duration::from_secs(3600),
    }
}

#[test]
fn changes_past_the_threshold_get_the_table_analyzed() {
    let db = Database::open_in_memory();
    db.set_autovacuum(off());
    let mut s = db.session();
    run(&mut s, "CREATE TABLE t (id int PRIMARY KEY, v text)");
    run(&mut s, "CREATE INDEX t_v ON t (v)");
    run(&mut s, "CREATE TABLE small (id int)");
    // 50 rows is not past the threshold of a never-analyzed table.
    run(
        &mut s,
        "INSERT INTO small SELECT g FROM generate_series(1, 50) g",
    );
    // Rolled back: not counted.
    run(&mut s, "BEGIN");
    run(
        &mut s,
        "INSERT INTO t SELECT g, 'r' || g FROM generate_series(1, 500) g",
    );
    run(&mut s, "ROLLBACK");
    assert_eq!(db.autoanalyze_now().unwrap(), vec![]);
    assert_eq!(reltuples(&mut s, "t"), "-1");
    // 120 rows (index entries are not counted twice).
    run(
        &mut s,
        "INSERT INTO t SELECT g, 'v' || (g % 7) FROM generate_series(1, 120) g",
    );
    let analyzed = db.autoanalyze_now().unwrap();
    assert_eq!(analyzed.len(), 1);
    assert_eq!(reltuples(&mut s, "t"), "120");
    assert_eq!(reltuples(&mut s, "small"), "-1");
    assert_eq!(
        q(
            &mut s,
            "SELECT attname, n_distinct::text FROM pg_stats WHERE tablename = 't' ORDER BY 1"
        ),
        vec![
            vec!["id".to_string(), "-1".to_string()],
            vec!["v".to_string(), "7".to_string()]
        ]
    );
    // The counts were taken off: a second pass has nothing to do.
    assert_eq!(db.autoanalyze_now().unwrap(), vec![]);
    // Updates and deletes count: 40 + 22 = 62 is not past 50 + 10% of
    // 120 (PostgreSQL's test is strictly greater), 63 is.
    run(&mut s, "UPDATE t SET v = 'w' WHERE id <= 40");
    assert_eq!(db.autoanalyze_now().unwrap(), vec![]);
    run(&mut s, "DELETE FROM t WHERE id > 98");
    assert_eq!(db.autoanalyze_now().unwrap(), vec![]);
    run(&mut s, "DELETE FROM t WHERE id = 98");
    assert_eq!(db.autoanalyze_now().unwrap().len(), 1);
    assert_eq!(reltuples(&mut s, "t"), "97");
    // A truncated table's counts went with its old storage; the new
    // rows count on their own.
    run(
        &mut s,
        "INSERT INTO small SELECT g FROM generate_series(1, 10) g",
    );
    run(&mut s, "TRUNCATE small");
    run(
        &mut s,
        "INSERT INTO small SELECT g FROM generate_series(1, 30) g",
    );
    assert_eq!(db.autoanalyze_now().unwrap(), vec![]);
    run(
        &mut s,
        "INSERT INTO small SELECT g FROM generate_series(1, 21) g",
    );
    assert_eq!(db.autoanalyze_now().unwrap().len(), 1);
    assert_eq!(reltuples(&mut s, "small"), "51");
}

#[test]
fn the_worker_analyzes_on_its_naptime_and_not_when_off() {
    let db = Database::open_in_memory();
    db.set_autovacuum(off());
    let mut s = db.session();
    run(&mut s, "CREATE TABLE w (id int PRIMARY KEY)");
    run(
        &mut s,
        "INSERT INTO w SELECT g FROM generate_series(1, 200) g",
    );
    // Off: several naptimes' worth of waiting analyze nothing.
    db.set_autovacuum(AutovacuumSettings {
        enabled: false,
        naptime: Duration::from_millis(100),
    });
    std::thread::sleep(Duration::from_millis(800));
    assert_eq!(reltuples(&mut s, "w"), "-1");
    db.set_autovacuum(AutovacuumSettings {
        enabled: true,
        naptime: Duration::from_millis(100),
    });
    let deadline = Instant::now() + Duration::from_secs(60);
    while reltuples(&mut s, "w") != "200" {
        assert!(Instant::now() < deadline, "the worker never analyzed w");
        std::thread::sleep(Duration::from_millis(50));
    }
}
