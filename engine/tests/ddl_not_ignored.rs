//! Nothing is accepted and then ignored: every CREATE TABLE / CREATE INDEX
//! / ALTER TABLE clause the parser understands but the engine does not
//! implement fails with 0A000 naming the feature, and creates nothing.
//! (What PostgreSQL itself refuses is checked against PostgreSQL by the
//! slt corpus; these are the statements PostgreSQL runs and we refuse.)

mod common;
use common::q;

use rocksgres_engine::{Database, SqlState};

const REFUSED: &[(&str, &str)] = &[
    // Section 6 of issue 12 (temporary tables are implemented now: see
    // tests/temp_tables.rs).
    (
        "CREATE GLOBAL TEMPORARY TABLE tt (a int)",
        "CREATE TABLE clause",
    ),
    (
        "CREATE TEMP TABLE tt (a int) PARTITION BY RANGE (a)",
        "partitioned tables",
    ),
    (
        "CREATE TEMP TABLE tt PARTITION BY RANGE (a) AS SELECT 1 AS a",
        "partitioned tables",
    ),
    (
        "CREATE UNLOGGED TABLE ua AS SELECT 1 AS a",
        "unlogged tables",
    ),
    ("SELECT 1 AS a INTO UNLOGGED siu", "unlogged tables"),
    (
        "CREATE TABLE pt (a int) PARTITION BY RANGE (a)",
        "partitioned tables",
    ),
    (
        "CREATE TABLE pc PARTITION OF base FOR VALUES FROM (1) TO (10)",
        "PARTITION OF",
    ),
    ("CREATE TABLE ih (c int) INHERITS (base)", "INHERITS"),
    // Other clauses sqlparser parses.
    ("CREATE UNLOGGED TABLE ul (a int)", "unlogged tables"),
    (
        "CREATE TABLE wo (a int) WITH (autovacuum_enabled = false)",
        "storage parameter",
    ),
    (
        "CREATE TABLE ts (a int) TABLESPACE pg_default",
        "CREATE TABLE",
    ),
    (
        "CREATE INDEX ON base USING hash (a)",
        "access method \"hash\"",
    ),
    (
        "CREATE INDEX ON base USING gin (b)",
        "access method \"gin\"",
    ),
    (
        "CREATE INDEX ON base (b text_pattern_ops)",
        "operator classes",
    ),
    (
        "CREATE INDEX ON base (a) WITH (deduplicate_items = off)",
        "storage parameter",
    ),
    // DEFERRABLE UNIQUE and PRIMARY KEY, INCLUDE columns and ADD COLUMN
    // ... UNIQUE are built (slt/ddl/unique_deferrable.slt,
    // slt/ddl/primary_key_deferrable.slt).
    // Column types the engine cannot store as PostgreSQL does.
    ("CREATE TABLE rc (a regclass)", "regclass"),
    ("CREATE TABLE rc (a regtype[])", "regtype[]"),
    ("CREATE TABLE iv (a int2vector)", "int2vector"),
    ("CREATE TABLE nt (a pg_node_tree)", "pg_node_tree"),
    ("ALTER TABLE base ALTER COLUMN a TYPE regclass", "regclass"),
    // Index keys we cannot order as PostgreSQL does (it builds these and
    // fails when it must compare two json values, or refuses a record
    // column with 42P16). Arrays, intervals, bpchar, jsonb and composite
    // keys are built: see `typed_keys_are_accepted` below.
    ("CREATE TABLE jk (a json[] PRIMARY KEY)", "json[]"),
    ("CREATE INDEX ON base (js)", "json[]"),
    ("CREATE TABLE jc (c jpair UNIQUE)", "jpair"),
    ("CREATE INDEX ON base ((row(a, b)))", "record"),
    // Composite types (issue 13, section 4): arrays of them and columns
    // of a table's row type are built (slt/types/composite_arrays.slt,
    // slt/types/table_row_types.slt), columns of a view's row type and
    // of the row type of a table with user-defined column types are not.
    ("CREATE TABLE cr (c basev)", "view's row type"),
    ("CREATE TABLE cr (c withpair)", "row type of table withpair"),
];

#[test]
fn unimplemented_ddl_clauses_fail_with_0a000() {
    let db = Database::open_in_memory();
    let mut s = db.session();
    s.batch(
        "CREATE TABLE base (a int, b text, arr int[], iv interval, js json[]); \
         CREATE TYPE pair AS (a int); CREATE TYPE jpair AS (j json); \
         CREATE VIEW basev AS SELECT a FROM base; CREATE TABLE withpair (p pair)",
    )
    .unwrap();
    let before = q(
        &mut s,
        "SELECT relname FROM pg_class WHERE relnamespace = 2200 ORDER BY 1",
    );
    for (sql, feature) in REFUSED {
        let e = s
            .batch(sql)
            .err()
            .unwrap_or_else(|| panic!("{sql}: accepted"));
        assert_eq!(e.state, SqlState::FeatureNotSupported, "{sql}: {e}");
        assert!(
            e.message.contains(feature) && e.message.contains("not supported"),
            "{sql}: {}",
            e.message
        );
    }
    assert_eq!(
        q(
            &mut s,
            "SELECT relname FROM pg_class WHERE relnamespace = 2200 ORDER BY 1"
        ),
        before
    );
    assert_eq!(
        q(&mut s, "SELECT count(*) FROM pg_attribute WHERE attrelid = (SELECT oid FROM pg_class WHERE relname = 'base') AND attnum > 0"),
        [["5"]]
    );
    assert_eq!(
        q(
            &mut s,
            "SELECT count(*) FROM pg_class WHERE relpersistence = 't'"
        ),
        [["0"]]
    );
}

#[test]
fn what_is_implemented_is_accepted() {
    let db = Database::open_in_memory();
    let mut s = db.session();
    // Temporary tables, with each ON COMMIT action.
    s.batch(
        "CREATE TEMP TABLE t1 (a int); \
         CREATE TEMPORARY TABLE t2 (a int) ON COMMIT PRESERVE ROWS; \
         CREATE TEMP TABLE t3 (a int) ON COMMIT DELETE ROWS; \
         CREATE TEMP TABLE t4 (a int) ON COMMIT DROP",
    )
    .unwrap();
    assert_eq!(
        q(
            &mut s,
            "SELECT relname FROM pg_class WHERE relpersistence = 't' ORDER BY 1"
        ),
        [["t1"], ["t2"], ["t3"]]
    );
    // pgbench -i sends fillfactor; it means nothing to an LSM store.
    s.batch(
        "CREATE TABLE f (a int NOT NULL) WITH (fillfactor=100); \
         CREATE INDEX f_a ON f USING btree (a) WITH (fillfactor = 90)",
    )
    .unwrap();
    let e = s
        .batch("CREATE TABLE g (a int) WITH (fillfactor=5)")
        .unwrap_err();
    assert_eq!(e.state, SqlState::InvalidParameterValue);
    assert_eq!(e.message, "value 5 out of bounds for option \"fillfactor\"");
    // Arrays, name, "char" and oid columns are stored and read back.
    s.batch(
        "CREATE TABLE arr (i int[], t text[], n name, c \"char\", o oid); \
         INSERT INTO arr VALUES ('{1,NULL,3}', '{a,\"b c\"}', 'pg_class', 'r', 4294967295)",
    )
    .unwrap();
    assert_eq!(
        q(&mut s, "SELECT i, t, n, c, o FROM arr"),
        [["{1,NULL,3}", "{a,\"b c\"}", "pg_class", "r", "4294967295"]]
    );
    // Deferrable primary keys, INCLUDE columns, keys added with a column.
    s.batch(
        "CREATE TABLE dk1 (a int PRIMARY KEY DEFERRABLE INITIALLY DEFERRED); \
         CREATE TABLE dk2 (a int, CONSTRAINT k PRIMARY KEY (a) DEFERRABLE); \
         CREATE TABLE dk3 (a int, PRIMARY KEY (a) INCLUDE (a)); \
         CREATE TABLE dk4 (a int); \
         ALTER TABLE dk4 ADD COLUMN u int UNIQUE",
    )
    .unwrap();
    assert_eq!(
        q(
            &mut s,
            "SELECT conname, pg_get_constraintdef(oid) FROM pg_constraint \
             WHERE conrelid::regclass::text LIKE 'dk%' ORDER BY 1"
        ),
        [
            ["dk1_pkey", "PRIMARY KEY (a) DEFERRABLE INITIALLY DEFERRED"],
            ["dk3_pkey", "PRIMARY KEY (a) INCLUDE (a)"],
            ["dk4_u_key", "UNIQUE (u)"],
            ["k", "PRIMARY KEY (a) DEFERRABLE"],
        ]
    );
    // Arrays of element types with a modifier keep it as atttypmod and
    // apply it to every element (slt/types/arrays_typmod.slt).
    s.batch(
        "CREATE TABLE va (a varchar(3)[], n numeric(4,1)[]); \
         ALTER TABLE va ADD COLUMN b bit(2)[]; \
         INSERT INTO va VALUES ('{ab}', '{1.25}', '{10}')",
    )
    .unwrap();
    assert_eq!(
        q(&mut s, "SELECT a, n, b FROM va"),
        [["{ab}", "{1.3}", "{10}"]]
    );
    let e = s.batch("INSERT INTO va (a) VALUES ('{abcd}')").unwrap_err();
    assert_eq!(e.state, SqlState::StringDataRightTruncation);
    assert_eq!(
        q(
            &mut s,
            "SELECT format_type(atttypid, atttypmod) FROM pg_attribute \
             WHERE attrelid = 'va'::regclass AND attnum > 0 ORDER BY attnum"
        ),
        [["character varying(3)[]"], ["numeric(4,1)[]"], ["bit(2)[]"]]
    );
    // Arrays of composite types, in CREATE TABLE and ADD COLUMN.
    s.batch(
        "CREATE TYPE pr AS (a int, b text); \
         CREATE TABLE ca (c pr[]); \
         ALTER TABLE ca ADD COLUMN d pr[]; \
         INSERT INTO ca VALUES ('{\"(1,x)\"}', ARRAY[ROW(2, 'y')::pr])",
    )
    .unwrap();
    assert_eq!(
        q(&mut s, "SELECT c, d, c[1].b, (d[1]).a FROM ca"),
        [["{\"(1,x)\"}", "{\"(2,y)\"}", "x", "2"]]
    );
    // The unknown pseudo-type is PostgreSQL's 42P16.
    let e = s.batch("CREATE TABLE un (a unknown)").unwrap_err();
    assert_eq!(e.state, SqlState::InvalidTableDefinition);
    assert_eq!(e.message, "column \"a\" has pseudo-type unknown");
}

#[test]
fn typed_keys_are_accepted() {
    let db = Database::open_in_memory();
    let mut s = db.session();
    s.batch(
        "CREATE TYPE pr AS (x int, y interval); \
         CREATE TABLE ak (a numeric[] PRIMARY KEY); \
         CREATE TABLE ik (a interval UNIQUE, b bpchar UNIQUE, j jsonb UNIQUE, c pr UNIQUE); \
         CREATE INDEX ik_a ON ik (a DESC); \
         CREATE INDEX ik_e ON ik ((ARRAY[a, a]))",
    )
    .unwrap();
    s.batch(
        "INSERT INTO ak VALUES ('{1,2}'); \
         INSERT INTO ik VALUES ('1 day', 'a  ', '1.0', '(1,\"1 day\")')",
    )
    .unwrap();
    // Equal under the type's equality, different text: 23505 with
    // PostgreSQL's DETAIL (the new value as text).
    for (sql, detail) in [
        (
            "INSERT INTO ak VALUES ('[0:1]={1,2}'), ('{1.0,2}')",
            "Key (a)=({1.0,2}) already exists.",
        ),
        (
            "INSERT INTO ik (a) VALUES ('24 hours')",
            "Key (a)=(24:00:00) already exists.",
        ),
        (
            "INSERT INTO ik (b) VALUES ('a')",
            "Key (b)=(a) already exists.",
        ),
        (
            "INSERT INTO ik (j) VALUES ('1')",
            "Key (j)=(1) already exists.",
        ),
        (
            "INSERT INTO ik (c) VALUES ('(1,24:00)')",
            "Key (c)=((1,24:00:00)) already exists.",
        ),
    ] {
        let e = s.batch(sql).unwrap_err();
        assert_eq!(e.state, SqlState::UniqueViolation, "{sql}: {e}");
        assert_eq!(e.detail.as_deref(), Some(detail), "{sql}");
    }
    assert_eq!(
        q(&mut s, "SELECT a FROM ik WHERE a = '86400 seconds'"),
        [["1 day"]]
    );
}
