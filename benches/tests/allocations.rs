//! Heap allocations per operation, counted with dhat in testing mode.
//!
//! Runs the six operations of [`rocksgres_benches`] (the same code the
//! criterion benches in `benches/ops.rs` time) on a 20,000-row RocksDB
//! table, warms each one up, then counts the heap allocations of the next
//! ops (reallocations count as allocations, as dhat counts them) and
//! prints a table:
//!
//! ```text
//! cargo test --release --workspace --test allocations -- --nocapture
//! ```
//!
//! Only allocations through Rust's global allocator are counted: RocksDB's
//! own C++ allocations (memtable arena, block cache, ...) are not.
//!
//! # The budgets are not met yet (issue 7)
//!
//! The project's targets are UpdateRows <= 2,000 allocations/op,
//! DeleteRows <= 1,000, IndexIterator <= 50, PointSelect (prepared) <= 10
//! and KeyEncode 0. Measured on 2026-11-23 (see `benches/README.md`), the
//! engine does not meet most of them:
//!
//! | Operation     | Target | Measured |
//! |---------------|-------:|---------:|
//! | UpdateRows    |  2,000 |   34,328 |
//! | DeleteRows    |  1,000 |   17,328 |
//! | IndexIterator |     50 |    2,033 |
//! | PointSelect   |     10 |       16 |
//! | Insert        |      - |   23,360 |
//! | KeyEncode     |      0 |        0 |
//!
//! So this test asserts only what holds today: KeyEncode allocates
//! nothing, and every other op stays below a ceiling of about ten times
//! its measured count (`Op::ceiling`), so that a large regression fails
//! while the work on issue 7 goes on. When an op meets its target, tighten
//! its ceiling to the target. There are no timing assertions.

use std::hint::black_box;

use rocksgres_benches::{encode_composite_key, Fixture, BATCH};

// Regression ceilings: about ten times the counts measured on 2026-11-23
// (in parentheses). Not the targets; see the module docs.

/// UpdateRows ceiling (measured 34,328 allocations/op; target 2,000).
const CEILING_UPDATE: u64 = 345_000;
/// DeleteRows ceiling (measured 17,328; target 1,000).
const CEILING_DELETE: u64 = 175_000;
/// IndexIterator ceiling (measured 2,033; target 50).
const CEILING_SCAN: u64 = 21_000;
/// PointSelect ceiling (measured 16; target 10).
const CEILING_POINT: u64 = 160;
/// Insert ceiling (measured 23,360; no target).
const CEILING_INSERT: u64 = 235_000;

#[global_allocator]
static ALLOC: dhat::Alloc = dhat::Alloc;

/// Rows in the table (smaller than the criterion benches' 100,000: dhat
/// records a backtrace per allocation, and per-op counts do not depend on
/// the table size beyond the depth of the RocksDB tree).
const ROWS: i32 = 20_000;

/// One measured operation.
struct Op {
    name: &'static str,
    /// The project's budget in allocations per op (issue 7); `None` where
    /// there is none.
    target: Option<u64>,
    /// The regression ceiling asserted today (about 10x the measured
    /// count; the target itself for KeyEncode).
    ceiling: u64,
    /// Ops run before counting.
    warm_up: u64,
    /// Ops counted.
    measured: u64,
}

/// What one operation allocated.
struct Measurement {
    allocs_per_op: f64,
    bytes_per_op: f64,
}

/// Allocations so far (blocks and bytes).
fn counts() -> (u64, u64) {
    let s = dhat::HeapStats::get();
    (s.total_blocks, s.total_bytes)
}

/// Runs `op` `warm_up` times, then counts allocations over `measured`
/// runs. `op` returns the allocation counts to subtract (work done inside
/// it that is not part of the op, e.g. restoring deleted rows).
fn measure(spec: &Op, mut op: impl FnMut() -> (u64, u64)) -> Measurement {
    for _ in 0..spec.warm_up {
        op();
    }
    let mut excluded = (0, 0);
    let before = counts();
    for _ in 0..spec.measured {
        let e = op();
        excluded.0 += e.0;
        excluded.1 += e.1;
    }
    let after = counts();
    let n = spec.measured as f64;
    Measurement {
        allocs_per_op: (after.0 - before.0 - excluded.0) as f64 / n,
        bytes_per_op: (after.1 - before.1 - excluded.1) as f64 / n,
    }
}

/// Allocation counts of `f` alone.
fn counted(f: impl FnOnce()) -> (u64, u64) {
    let before = counts();
    f();
    let after = counts();
    (after.0 - before.0, after.1 - before.1)
}

#[test]
fn allocations_per_op() {
    // Load the table before starting the profiler: dhat is slow, and the
    // load is not measured.
    let dir = tempfile::tempdir().expect("temporary directory");
    let mut f = Fixture::open(dir.path(), ROWS);
    assert_eq!(f.index_scan(), BATCH, "the k range must hold {BATCH} rows");

    let _profiler = dhat::Profiler::builder().testing().build();

    let ops = [
        Op {
            name: "UpdateRows",
            target: Some(2_000),
            ceiling: CEILING_UPDATE,
            warm_up: 3,
            measured: 10,
        },
        Op {
            name: "DeleteRows",
            target: Some(1_000),
            ceiling: CEILING_DELETE,
            warm_up: 3,
            measured: 10,
        },
        Op {
            name: "IndexIterator",
            target: Some(50),
            ceiling: CEILING_SCAN,
            warm_up: 10,
            measured: 50,
        },
        Op {
            name: "PointSelect",
            target: Some(10),
            ceiling: CEILING_POINT,
            warm_up: 100,
            measured: 2_000,
        },
        Op {
            name: "Insert",
            target: None,
            ceiling: CEILING_INSERT,
            warm_up: 3,
            measured: 10,
        },
        Op {
            name: "KeyEncode",
            target: Some(0),
            ceiling: 0,
            warm_up: 10,
            measured: 10_000,
        },
    ];

    let mut key = Vec::with_capacity(64);
    let mut n = 0i32;
    let mut results = Vec::new();
    for spec in &ops {
        let m = match spec.name {
            "UpdateRows" => measure(spec, || {
                f.update_rows();
                (0, 0)
            }),
            "DeleteRows" => measure(spec, || {
                f.delete_rows();
                counted(|| f.restore_deleted())
            }),
            "IndexIterator" => measure(spec, || {
                assert_eq!(f.index_scan(), BATCH);
                (0, 0)
            }),
            "PointSelect" => measure(spec, || {
                assert_eq!(f.point_select(), 1);
                (0, 0)
            }),
            "Insert" => measure(spec, || {
                f.insert_rows();
                (0, 0)
            }),
            "KeyEncode" => measure(spec, || {
                n = n.wrapping_add(1);
                encode_composite_key(&mut key, black_box(n), black_box("customer-name"));
                black_box(key.len());
                (0, 0)
            }),
            other => unreachable!("no operation {other}"),
        };
        results.push(m);
    }

    println!();
    println!("heap allocations per op ({ROWS}-row table, steady state, dhat)");
    println!(
        "{:<14} {:>12} {:>12} {:>9} {:>9}  status",
        "operation", "allocs/op", "bytes/op", "target", "ceiling"
    );
    for (spec, m) in ops.iter().zip(&results) {
        let target = spec.target.map_or("-".to_string(), |t| t.to_string());
        let status = match spec.target {
            None => "no target",
            Some(t) if m.allocs_per_op <= t as f64 => "meets target",
            Some(_) => "over target (issue 7)",
        };
        println!(
            "{:<14} {:>12.1} {:>12.0} {:>9} {:>9}  {}",
            spec.name, m.allocs_per_op, m.bytes_per_op, target, spec.ceiling, status
        );
    }
    println!();

    for (spec, m) in ops.iter().zip(&results) {
        assert!(
            m.allocs_per_op <= spec.ceiling as f64,
            "{}: {:.1} allocations/op, over the regression ceiling {}",
            spec.name,
            m.allocs_per_op,
            spec.ceiling
        );
    }
}
