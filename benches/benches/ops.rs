//! Criterion timings of the six core operations of Rocksgres.
//!
//! One RocksDB database in a temporary directory holds the 100,000-row
//! table `t (id int PRIMARY KEY, k int, v text)` with `CREATE INDEX t_k ON
//! t (k)`; the operations are those of [`rocksgres_benches`] (see its crate
//! docs for exactly what one op is):
//!
//! * `engine/UpdateRows`: one transaction updating 1,000 rows by primary key;
//! * `engine/DeleteRows`: one transaction deleting 1,000 rows by primary
//!   key; the rows are re-inserted outside the timed part (`iter_custom`);
//! * `engine/IndexIterator`: a range scan returning 1,000 rows through the
//!   index on `k` (the row count is checked once, and the plan is checked to
//!   use the index);
//! * `engine/PointSelect`: the prepared `SELECT v FROM t WHERE id = $1`;
//! * `engine/Insert`: 1,000 rows per transaction into a fresh key range;
//! * `codec/KeyEncode`: encoding a composite key into a reused `Vec`.
//!
//! The time criterion reports is per op (per 1,000-row transaction or scan
//! for the first, second and fifth; the throughput line gives rows/s).
//! The session runs with `SET synchronous_commit = off`, so commits do not
//! wait for the WAL fsync and the write benches measure the engine and
//! RocksDB, not the disk.
//!
//! Run: `cargo bench --workspace --bench ops` (add `-- --quick` for a short
//! run, or a filter such as `-- PointSelect`).

use std::hint::black_box;
use std::time::{Duration, Instant};

use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use rocksgres_benches::{encode_composite_key, Fixture, BATCH};

/// Rows in the benchmark table.
const ROWS: i32 = 100_000;

/// The engine benches: all share one loaded database.
fn engine(c: &mut Criterion) {
    let dir = tempfile::tempdir().expect("temporary directory");
    let started = Instant::now();
    let mut f = Fixture::open(dir.path(), ROWS);
    eprintln!(
        "loaded {ROWS} rows in {:.1} s",
        started.elapsed().as_secs_f64()
    );

    // Check once that the range scan returns BATCH rows through the index.
    assert_eq!(f.index_scan(), BATCH, "the k range must hold {BATCH} rows");
    let plan = f.explain_index_scan().join("\n");
    eprintln!("plan of the range scan:\n{plan}");
    assert!(
        // An index-only scan since the query reads only `id` (the primary
        // key every entry of t_k holds).
        plan.contains("Index Only Scan using t_k") && plan.contains("Index Cond"),
        "the range scan should be a bounded scan of the index t_k; plan:\n{plan}"
    );
    assert_eq!(f.point_select(), 1);

    let mut g = c.benchmark_group("engine");

    g.sample_size(50)
        .warm_up_time(Duration::from_secs(2))
        .measurement_time(Duration::from_secs(5));
    g.throughput(Throughput::Elements(1));
    g.bench_function("PointSelect", |b| b.iter(|| black_box(f.point_select())));

    g.throughput(Throughput::Elements(BATCH as u64));
    g.bench_function("IndexIterator", |b| b.iter(|| black_box(f.index_scan())));

    // One op takes milliseconds: fewer samples, so a run stays short.
    g.sample_size(10);
    g.bench_function("UpdateRows", |b| b.iter(|| f.update_rows()));
    g.bench_function("DeleteRows", |b| {
        b.iter_custom(|iters| {
            let mut timed = Duration::ZERO;
            for _ in 0..iters {
                let t = Instant::now();
                f.delete_rows();
                timed += t.elapsed();
                f.restore_deleted();
            }
            timed
        })
    });
    // Last: it grows the table.
    g.bench_function("Insert", |b| b.iter(|| f.insert_rows()));
    g.finish();

    // Still exactly BATCH rows per range after all the writes.
    assert_eq!(f.index_scan(), BATCH);
}

/// The codec bench: no database needed.
fn codec(c: &mut Criterion) {
    let mut g = c.benchmark_group("codec");
    g.throughput(Throughput::Elements(1));
    let mut buf = Vec::with_capacity(64);
    let mut n = 0i32;
    g.bench_function("KeyEncode", |b| {
        b.iter(|| {
            n = n.wrapping_add(1);
            encode_composite_key(&mut buf, black_box(n), black_box("customer-name"));
            black_box(buf.len())
        })
    });
    g.finish();
}

criterion_group!(benches, engine, codec);
criterion_main!(benches);
