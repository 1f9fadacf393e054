//! DEFERRABLE PRIMARY KEY constraints through the embedding API: the error
//! an embedding service reads (message, DETAIL, schema/table/constraint
//! fields) is the immediate check's, at the end of a statement, at COMMIT
//! and at SET CONSTRAINTS ... IMMEDIATE; a failed COMMIT leaves nothing
//! behind; lookups by key go through the key's index and never read the
//! table. (Statement results are checked against PostgreSQL 15 in
//! slt/ddl/primary_key_deferrable.slt.)

mod common;
use common::hooked::{HookedStore, Hooks};
use common::{assert_unique_violation, err, q, run};

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;

use rocksgres_engine::storage::MemoryStore;
use rocksgres_engine::{Database, SqlState};

#[test]
fn violations_read_as_the_immediate_check() {
    let db = Database::open_in_memory();
    let mut s = db.session();
    run(
        &mut s,
        "CREATE TABLE dp (a int, b text, \
           CONSTRAINT dp_k PRIMARY KEY (a, b) DEFERRABLE INITIALLY IMMEDIATE); \
         INSERT INTO dp VALUES (1, 'x'), (2, 'x')",
    );
    // End of statement (a shifting UPDATE passes).
    run(&mut s, "UPDATE dp SET a = a + 1");
    let e = err(&mut s, "UPDATE dp SET a = 3");
    assert_unique_violation(&e, "dp", "dp_k", "Key (a, b)=(3, x) already exists.");
    // COMMIT.
    run(
        &mut s,
        "BEGIN; SET CONSTRAINTS dp_k DEFERRED; INSERT INTO dp VALUES (2, 'x'), (3, 'x')",
    );
    let e = err(&mut s, "COMMIT");
    assert_unique_violation(&e, "dp", "dp_k", "Key (a, b)=(2, x) already exists.");
    // SET CONSTRAINTS ... IMMEDIATE.
    run(&mut s, "BEGIN; SET CONSTRAINTS ALL DEFERRED");
    run(&mut s, "INSERT INTO dp VALUES (2, 'x')");
    let e = err(&mut s, "SET CONSTRAINTS ALL IMMEDIATE");
    assert_unique_violation(&e, "dp", "dp_k", "Key (a, b)=(2, x) already exists.");
    run(&mut s, "ROLLBACK");
    let rows = s.query("SELECT a, b FROM dp ORDER BY a", &[]).unwrap();
    assert_eq!(rows.rows.len(), 2);
    // NOT NULL stays immediate, with the column's fields.
    let e = err(&mut s, "INSERT INTO dp VALUES (NULL, 'y')");
    assert_eq!(e.state, SqlState::NotNullViolation, "{e}");
    let f = e.fields.as_deref().expect("error fields");
    assert_eq!(f.column.as_deref(), Some("a"));
}

#[test]
fn on_conflict_and_references_refuse_it() {
    let db = Database::open_in_memory();
    let mut s = db.session();
    run(&mut s, "CREATE TABLE dp (a int PRIMARY KEY DEFERRABLE)");
    let e = err(
        &mut s,
        "INSERT INTO dp VALUES (1) ON CONFLICT (a) DO NOTHING",
    );
    assert_eq!(e.state, SqlState::ObjectNotInPrerequisiteState);
    let f = e.fields.as_deref().expect("error fields");
    assert_eq!(f.constraint.as_deref(), Some("dp_pkey"));
    let e = err(&mut s, "CREATE TABLE r (x int REFERENCES dp)");
    assert_eq!(e.state, SqlState::ObjectNotInPrerequisiteState);
    assert_eq!(
        e.message,
        "cannot use a deferrable primary key for referenced table \"dp\""
    );
}

const KS_DATA: u8 = 2;

/// Counts the data rows cursors return and the point reads of data keys.
#[derive(Default)]
struct Counters {
    rows: AtomicU64,
    gets: AtomicU64,
}

impl Hooks for Counters {
    fn get(&self, key: &[u8]) {
        if key.first() == Some(&KS_DATA) {
            self.gets.fetch_add(1, Ordering::Relaxed);
        }
    }
    fn row(&self, key: &[u8]) {
        if key.first() == Some(&KS_DATA) {
            self.rows.fetch_add(1, Ordering::Relaxed);
        }
    }
}

#[test]
fn lookups_by_key_use_its_index() {
    let counters = Arc::new(Counters::default());
    let db = Database::with_store(HookedStore {
        inner: MemoryStore::new(),
        hooks: Arc::clone(&counters),
    });
    let mut s = db.session();
    run(
        &mut s,
        "CREATE TABLE dp (id int PRIMARY KEY DEFERRABLE, v text); \
         INSERT INTO dp SELECT i, 'v' || i FROM generate_series(1, 2000) AS g(i)",
    );
    let plan = q(&mut s, "EXPLAIN SELECT v FROM dp WHERE id = 1234");
    assert_eq!(plan[0][0], "Index Scan using dp_pkey on dp");
    let (r0, g0) = (
        counters.rows.load(Ordering::Relaxed),
        counters.gets.load(Ordering::Relaxed),
    );
    let rows = s.query("SELECT v FROM dp WHERE id = 1234", &[]).unwrap();
    assert_eq!(rows.rows.len(), 1);
    let read = (
        counters.rows.load(Ordering::Relaxed) - r0,
        counters.gets.load(Ordering::Relaxed) - g0,
    );
    assert_eq!(read, (1, 1), "one index entry, one row");
    run(&mut s, "UPDATE dp SET v = 'w' WHERE id = 7");
    assert_eq!(q(&mut s, "SELECT v FROM dp WHERE id = 7"), [["w"]]);
}
