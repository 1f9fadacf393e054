//! Shared workload of the Rocksgres benchmarks.
//!
//! The criterion benches (`benches/ops.rs`) and the dhat allocation test
//! (`tests/allocations.rs`) run the same six operations through this
//! crate, so a time and an allocation count always describe the same code:
//!
//! | Operation       | One op is                                                        |
//! |-----------------|------------------------------------------------------------------|
//! | `UpdateRows`    | one transaction updating [`BATCH`] rows by primary key           |
//! | `DeleteRows`    | one transaction deleting [`BATCH`] rows by primary key           |
//! | `IndexIterator` | one range scan returning [`BATCH`] rows through the index on `k` |
//! | `PointSelect`   | one prepared `SELECT v FROM t WHERE id = $1`                     |
//! | `Insert`        | one transaction inserting [`BATCH`] rows                         |
//! | `KeyEncode`     | encoding one composite key (index prefix + int4 + text)          |
//!
//! [`Fixture`] holds a RocksDB database with the table
//! `t (id int PRIMARY KEY, k int, v text)` and the index `t_k ON t (k)`.
//! `k` is a permutation of `0..rows` (`k = id * K_MULTIPLIER mod rows`), so
//! any range `k >= lo AND k < lo + BATCH` inside `0..rows` holds exactly
//! [`BATCH`] rows, scattered over the primary key as a real secondary index
//! would be.
//!
//! Every statement the operations run is prepared once (`BEGIN` and
//! `COMMIT` included, as a driver with a statement cache would do), and
//! the parameters live in arrays reused from one statement to the next, so
//! the harness itself adds (almost) no work or allocations to what is
//! measured. The session runs with `SET synchronous_commit = off`: commits
//! do not wait for the WAL fsync, so the write operations measure the
//! engine and RocksDB rather than the disk.
//!
//! Each operation moves on to a new key window every time it is called
//! (the update and delete windows rotate through the table, inserts use
//! fresh ids above `rows`), so repeated calls do not hit the same few keys.

#![warn(missing_docs)]

use std::path::Path;

use rocksgres_codec::{encode_index_prefix, encode_key_column, Datum, SortOrder};
use rocksgres_engine::storage::RocksStore;
use rocksgres_engine::{Database, Prepared, Session, Value};

/// Rows per multi-row operation (update, delete, insert, index scan).
pub const BATCH: usize = 1_000;

/// Multiplier giving `k` from `id`; prime, so coprime with the table sizes
/// used here (powers of two times powers of five), which makes
/// `id -> k` a permutation of `0..rows`.
const K_MULTIPLIER: i64 = 7_919;

/// Rows per transaction while loading the table.
const LOAD_BATCH: i32 = 10_000;

/// The `v` of updated rows; the same length as the loaded ones.
const UPDATED_V: &str = "updated-value-000000000000000000";

/// The `v` of rows inserted by [`Fixture::insert_rows`].
const INSERTED_V: &str = "inserted-value-00000000000000000";

/// A RocksDB-backed database holding the benchmark table, with the
/// statements of every operation prepared; see the crate docs.
pub struct Fixture {
    /// Kept so the database outlives the session (it is shared anyway).
    _db: Database,
    session: Session<RocksStore>,
    rows: i32,
    begin: Prepared,
    commit: Prepared,
    update: Prepared,
    delete: Prepared,
    insert: Prepared,
    index_scan: Prepared,
    point_select: Prepared,
    /// Reused parameters of `UPDATE` (`v`, `id`).
    update_params: [Value; 2],
    /// Reused parameter of `DELETE` and the point select (`id`).
    id_param: [Value; 1],
    /// Reused parameters of the index range scan (`lo`, `hi`).
    range_params: [Value; 2],
    /// Reused parameters of `INSERT` (`id`, `k`, `v`).
    insert_params: [Value; 3],
    next_update: i32,
    next_delete: i32,
    /// Start of the window the last [`Fixture::delete_rows`] deleted.
    deleted: Option<i32>,
    next_scan: i64,
    next_point: i64,
    next_insert: i32,
}

impl Fixture {
    /// Opens (creating) a database in directory `path`, creates the table
    /// and its index, and loads `rows` rows (`rows` must be at least
    /// [`BATCH`]).
    ///
    /// # Panics
    ///
    /// On any engine error: a benchmark has nothing better to do.
    pub fn open(path: &Path, rows: i32) -> Fixture {
        assert!(
            rows as usize >= BATCH,
            "the table needs at least BATCH rows"
        );
        let db = Database::open(path).expect("open the database");
        let mut session = db.session();
        session
            .execute("SET synchronous_commit = off", &[])
            .expect("SET synchronous_commit");
        session
            .execute("CREATE TABLE t (id int PRIMARY KEY, k int, v text)", &[])
            .expect("CREATE TABLE");
        session
            .execute("CREATE INDEX t_k ON t (k)", &[])
            .expect("CREATE INDEX");
        let mut prepare = |sql: &str| session.prepare(sql).expect(sql);
        let begin = prepare("BEGIN");
        let commit = prepare("COMMIT");
        let update = prepare("UPDATE t SET v = $1 WHERE id = $2");
        let delete = prepare("DELETE FROM t WHERE id = $1");
        let insert = prepare("INSERT INTO t (id, k, v) VALUES ($1, $2, $3)");
        let index_scan = prepare("SELECT id FROM t WHERE k >= $1 AND k < $2");
        let point_select = prepare("SELECT v FROM t WHERE id = $1");
        let mut fixture = Fixture {
            _db: db,
            session,
            rows,
            begin,
            commit,
            update,
            delete,
            insert,
            index_scan,
            point_select,
            update_params: [Value::from(UPDATED_V), Value::Int4(0)],
            id_param: [Value::Int4(0)],
            range_params: [Value::Int4(0), Value::Int4(0)],
            insert_params: [Value::Int4(0), Value::Int4(0), Value::from(INSERTED_V)],
            next_update: 0,
            next_delete: 0,
            deleted: None,
            next_scan: 0,
            next_point: 0,
            next_insert: rows,
        };
        let mut start = 0;
        while start < rows {
            let end = (start + LOAD_BATCH).min(rows);
            fixture.begin();
            for id in start..end {
                fixture.insert_row(id, fixture.k_of(id), &format!("row-{id:028}"));
            }
            fixture.commit();
            start = end;
        }
        fixture
    }

    /// The number of rows loaded.
    pub fn rows(&self) -> i32 {
        self.rows
    }

    /// The `k` of loaded row `id` (a permutation of `0..rows`).
    pub fn k_of(&self, id: i32) -> i32 {
        (i64::from(id) * K_MULTIPLIER % i64::from(self.rows)) as i32
    }

    fn insert_row(&mut self, id: i32, k: i32, v: &str) {
        self.insert_params[0] = Value::Int4(id);
        self.insert_params[1] = Value::Int4(k);
        if let Value::Text(s) = &mut self.insert_params[2] {
            if s != v {
                s.clear();
                s.push_str(v);
            }
        }
        let n = self
            .session
            .query_prepared(&self.insert, &self.insert_params)
            .expect("INSERT")
            .rows_affected;
        assert_eq!(n, 1, "INSERT of id {id}");
    }

    /// Runs `BEGIN`.
    fn begin(&mut self) {
        let r = self.session.query_prepared(&self.begin, &[]);
        r.expect("BEGIN");
    }

    /// Runs `COMMIT`.
    fn commit(&mut self) {
        let r = self.session.query_prepared(&self.commit, &[]);
        r.expect("COMMIT");
    }

    /// `UpdateRows`: one transaction running the prepared
    /// `UPDATE t SET v = $1 WHERE id = $2` for [`BATCH`] consecutive ids
    /// (the next window of the table each call).
    pub fn update_rows(&mut self) {
        let start = self.next_update;
        self.next_update = (start + BATCH as i32) % (self.rows - BATCH as i32 + 1);
        self.begin();
        for id in start..start + BATCH as i32 {
            self.update_params[1] = Value::Int4(id);
            let n = self
                .session
                .query_prepared(&self.update, &self.update_params)
                .expect("UPDATE")
                .rows_affected;
            assert_eq!(n, 1, "UPDATE of id {id}");
        }
        self.commit();
    }

    /// `DeleteRows`: one transaction running the prepared
    /// `DELETE FROM t WHERE id = $1` for [`BATCH`] consecutive ids. Call
    /// [`Fixture::restore_deleted`] (outside the measured part) before the
    /// next call.
    ///
    /// # Panics
    ///
    /// If the previous deletion was not restored.
    pub fn delete_rows(&mut self) {
        assert!(self.deleted.is_none(), "restore_deleted was not called");
        let start = self.next_delete;
        self.next_delete = (start + BATCH as i32) % (self.rows - BATCH as i32 + 1);
        self.begin();
        for id in start..start + BATCH as i32 {
            self.id_param[0] = Value::Int4(id);
            let n = self
                .session
                .query_prepared(&self.delete, &self.id_param)
                .expect("DELETE")
                .rows_affected;
            assert_eq!(n, 1, "DELETE of id {id}");
        }
        self.commit();
        self.deleted = Some(start);
    }

    /// Re-inserts the rows the last [`Fixture::delete_rows`] deleted (with
    /// their original `k`), in one transaction; does nothing if there are
    /// none.
    pub fn restore_deleted(&mut self) {
        let Some(start) = self.deleted.take() else {
            return;
        };
        self.begin();
        for id in start..start + BATCH as i32 {
            self.insert_row(id, self.k_of(id), INSERTED_V);
        }
        self.commit();
    }

    /// `IndexIterator`: the prepared `SELECT id FROM t WHERE k >= $1 AND
    /// k < $2` over a range of [`BATCH`] values of `k` (a different one
    /// each call), read from the index entries alone (an index-only scan:
    /// every entry holds `id`); returns the number of rows it returned
    /// (always [`BATCH`] while the loaded rows are all present).
    pub fn index_scan(&mut self) -> usize {
        let span = i64::from(self.rows) - BATCH as i64 + 1;
        let lo = (self.next_scan * 997 % span) as i32;
        self.next_scan += 1;
        self.range_params[0] = Value::Int4(lo);
        self.range_params[1] = Value::Int4(lo + BATCH as i32);
        self.session
            .query_prepared(&self.index_scan, &self.range_params)
            .expect("index range scan")
            .rows
            .len()
    }

    /// The `EXPLAIN` of the index range scan, one plan line per element.
    pub fn explain_index_scan(&mut self) -> Vec<String> {
        let r = self
            .session
            .query("EXPLAIN SELECT id FROM t WHERE k >= 10 AND k < 1010", &[])
            .expect("EXPLAIN");
        r.rows
            .iter()
            .map(|row| row.get::<String>(0).expect("plan line"))
            .collect()
    }

    /// `PointSelect`: the prepared `SELECT v FROM t WHERE id = $1` for a
    /// pseudo-random id; returns the number of rows (1).
    pub fn point_select(&mut self) -> usize {
        let id = (self.next_point * 48_271 % i64::from(self.rows)) as i32;
        self.next_point += 1;
        self.id_param[0] = Value::Int4(id);
        self.session
            .query_prepared(&self.point_select, &self.id_param)
            .expect("point select")
            .rows
            .len()
    }

    /// `Insert`: one transaction running the prepared
    /// `INSERT INTO t (id, k, v) VALUES ($1, $2, $3)` for [`BATCH`] fresh
    /// ids above the loaded ones (`k = id`, so the index ranges the
    /// `IndexIterator` scans keep exactly [`BATCH`] rows).
    pub fn insert_rows(&mut self) {
        let start = self.next_insert;
        self.next_insert += BATCH as i32;
        self.begin();
        for id in start..start + BATCH as i32 {
            self.insert_row(id, id, INSERTED_V);
        }
        self.commit();
    }
}

/// `KeyEncode`: clears `buf` and writes into it the key of entry
/// `(n, name)` of index 2 of table 42 (index prefix, then `int4`, then
/// `text`, all ascending). With a reused `buf` of enough capacity this
/// allocates nothing.
///
/// # Panics
///
/// If `name` contains NUL (text keys cannot).
pub fn encode_composite_key(buf: &mut Vec<u8>, n: i32, name: &str) {
    buf.clear();
    encode_index_prefix(buf, 1, 42, 2);
    encode_key_column(buf, &Datum::Int4(n), SortOrder::ASC).expect("int4 key");
    encode_key_column(buf, &Datum::text(name), SortOrder::ASC).expect("text key");
}
