//! DEFERRABLE UNIQUE constraints through the embedding API: the error an
//! embedding service reads (message, DETAIL, schema/table/constraint
//! fields) is the immediate check's, whether the key is checked at the
//! end of a statement, at COMMIT or at SET CONSTRAINTS ... IMMEDIATE; and
//! a failed COMMIT leaves nothing behind. (Statement results are checked
//! against PostgreSQL 15 in slt/ddl/unique_deferrable.slt.)

mod common;
use common::{assert_unique_violation, err, run};

use rocksgres_engine::{Database, SqlState};

#[test]
fn violations_read_as_the_immediate_check() {
    let db = Database::open_in_memory();
    let mut s = db.session();
    run(
        &mut s,
        "CREATE TABLE du (a int UNIQUE DEFERRABLE, b text, \
           CONSTRAINT du_b UNIQUE (b) DEFERRABLE INITIALLY DEFERRED); \
         INSERT INTO du VALUES (1, 'x'), (2, 'y')",
    );
    // End of statement.
    let e = err(&mut s, "UPDATE du SET a = 1");
    assert_unique_violation(&e, "du", "du_a_key", "Key (a)=(1) already exists.");
    // COMMIT.
    run(&mut s, "BEGIN; INSERT INTO du VALUES (3, 'x')");
    let e = err(&mut s, "COMMIT");
    assert_unique_violation(&e, "du", "du_b", "Key (b)=(x) already exists.");
    // SET CONSTRAINTS ... IMMEDIATE.
    run(&mut s, "BEGIN; INSERT INTO du VALUES (4, 'y')");
    let e = err(&mut s, "SET CONSTRAINTS du_b IMMEDIATE");
    assert_unique_violation(&e, "du", "du_b", "Key (b)=(y) already exists.");
    run(&mut s, "ROLLBACK");
    let rows = s.query("SELECT a, b FROM du ORDER BY a", &[]).unwrap();
    assert_eq!(rows.rows.len(), 2);
}

#[test]
fn on_conflict_refuses_a_deferrable_arbiter_with_its_fields() {
    let db = Database::open_in_memory();
    let mut s = db.session();
    run(&mut s, "CREATE TABLE du (a int UNIQUE DEFERRABLE)");
    let e = err(&mut s, "INSERT INTO du VALUES (1) ON CONFLICT DO NOTHING");
    assert_eq!(e.state, SqlState::ObjectNotInPrerequisiteState);
    let f = e.fields.as_deref().expect("error fields");
    assert_eq!(f.constraint.as_deref(), Some("du_a_key"));
}
