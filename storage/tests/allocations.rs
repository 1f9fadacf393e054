//! Heap-allocation counts of the reuse paths, measured with dhat in steady
//! state (after a warm-up): re-pointing a cursor and scanning, point reads,
//! and overwriting a buffered write allocate nothing on the Rust heap.
//! (RocksDB's own C++ allocations are outside the Rust allocator and are
//! not counted here.)

mod common;

use common::key;
use rocksgres_storage::{Direction, KeyRange, Store, Transaction, TxnOptions};

#[global_allocator]
static ALLOC: dhat::Alloc = dhat::Alloc;

fn allocations_during(f: impl FnOnce()) -> u64 {
    let before = dhat::HeapStats::get().total_blocks;
    f();
    dhat::HeapStats::get().total_blocks - before
}

fn check<S: Store>(store: &S, label: &str) {
    let mut t = store.begin(TxnOptions::default()).unwrap();
    for i in 0..1_000 {
        t.put(&key(&format!("row{i:04}")), format!("value-{i}").as_bytes())
            .unwrap();
    }
    t.commit().unwrap();

    let mut txn = store.begin(TxnOptions::default()).unwrap();
    let mut cursor = txn.cursor();
    let mut out = Vec::with_capacity(64);
    let bounds: Vec<(Vec<u8>, Vec<u8>)> = (0..10)
        .map(|i| {
            (
                key(&format!("row{:04}", i * 100)),
                key(&format!("row{:04}", i * 100 + 100)),
            )
        })
        .collect();
    let keys: Vec<Vec<u8>> = (0..1_000).map(|i| key(&format!("row{i:04}"))).collect();

    let scan_all = |txn: &mut S::Txn, cursor: &mut <S::Txn as Transaction>::Cursor| {
        let mut rows = 0;
        for (lo, hi) in &bounds {
            for dir in [Direction::Forward, Direction::Backward] {
                txn.seek(cursor, KeyRange::half_open(lo, hi), dir).unwrap();
                while txn.next(cursor).unwrap().is_some() {
                    rows += 1;
                }
            }
        }
        rows
    };
    // Warm-up: buffers grow to their steady sizes.
    assert_eq!(scan_all(&mut txn, &mut cursor), 2_000);
    for k in &keys {
        assert!(txn.get(k, &mut out).unwrap());
    }

    let mut rows = 0;
    let scans = allocations_during(|| rows = scan_all(&mut txn, &mut cursor));
    assert_eq!(rows, 2_000);
    assert_eq!(scans, 0, "{label}: 20 cursor re-seeks and 2,000 rows");

    let gets = allocations_during(|| {
        for k in &keys {
            assert!(txn.get(k, &mut out).unwrap());
        }
    });
    assert_eq!(gets, 0, "{label}: 1,000 point reads");

    txn.put(&keys[0], b"first").unwrap();
    let overwrite = allocations_during(|| {
        for i in 0..1_000u32 {
            txn.put(&keys[0], &i.to_le_bytes()).unwrap();
        }
    });
    assert_eq!(overwrite, 0, "{label}: overwriting a buffered write");
}

#[test]
fn reuse_paths_do_not_allocate() {
    let _profiler = dhat::Profiler::builder().testing().build();
    check(&rocksgres_storage::MemoryStore::new(), "memory");
    let (_dir, store) = common::rocks();
    check(&store, "rocksdb");
}
