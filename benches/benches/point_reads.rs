//! Criterion timings of MVCC point reads with and without the user-key
//! prefix bloom filters of the RocksDB backend (`RocksOptions::prefix_bloom`,
//! issue 7's RocksDB tuning).
//!
//! For each setting, a store in a temporary directory gets 1,000,000 keys
//! of the engine's shape (a 9-byte index prefix and an 8-byte big-endian
//! id, values of 100 bytes) written in random order in transactions of
//! 10,000, with 4 MiB memtables so that the data ends up in SST files on
//! several levels, as a real database larger than its memtable does. Then
//! the benches time one read-only transaction doing:
//!
//! * `hit`: a point read (`Transaction::get`) of a key that was written;
//! * `miss`: a point read of an absent key (between two existing ones),
//!   as a uniqueness check or an INSERT's duplicate-key check does.
//!
//! Run: `cargo bench --workspace --bench point_reads`.

use std::hint::black_box;
use std::time::Duration;

use criterion::{criterion_group, criterion_main, Criterion};
use rocksgres_storage::backend::rocks::RocksOptions;
use rocksgres_storage::{RocksStore, Store, StoreOptions, Transaction, TxnOptions};

/// Keys in the store (ids `0, 2, 4, ...`; odd ids are the misses).
const KEYS: u64 = 1_000_000;

/// Keys per loading transaction.
const LOAD_BATCH: u64 = 10_000;

/// The key of id `id`: an engine-like index prefix, then the id.
fn key(buf: &mut Vec<u8>, id: u64) {
    buf.clear();
    buf.extend_from_slice(&[1, 0, 0, 0, 42, 0, 0, 0, 1]);
    buf.extend_from_slice(&id.to_be_bytes());
}

/// A pseudo-random permutation step (multiplicative, odd multiplier).
fn scramble(i: u64) -> u64 {
    i.wrapping_mul(0x9E37_79B9_7F4A_7C15) % KEYS
}

fn open(dir: &std::path::Path, prefix_bloom: bool) -> RocksStore {
    let options = StoreOptions {
        rocks: RocksOptions {
            write_buffer_bytes: 4 << 20,
            prefix_bloom,
            ..RocksOptions::default()
        },
        ..StoreOptions::default()
    };
    let store = RocksStore::open(dir, options).expect("open the store");
    let async_commit = TxnOptions {
        durability: rocksgres_storage::Durability::Async,
        ..TxnOptions::default()
    };
    let mut buf = Vec::new();
    let value = [7u8; 100];
    let mut i = 0;
    while i < KEYS / 2 {
        let mut txn = store.begin(async_commit).expect("begin");
        for j in i..(i + LOAD_BATCH).min(KEYS / 2) {
            key(&mut buf, 2 * (scramble(j) / 2));
            txn.put(&buf, &value).expect("put");
        }
        txn.commit().expect("commit");
        i += LOAD_BATCH;
    }
    store
}

fn point_reads(c: &mut Criterion) {
    let mut g = c.benchmark_group("point_reads");
    g.sample_size(50)
        .warm_up_time(Duration::from_secs(2))
        .measurement_time(Duration::from_secs(5));
    for prefix_bloom in [false, true] {
        let dir = tempfile::tempdir().expect("temporary directory");
        let store = open(dir.path(), prefix_bloom);
        let files: Vec<u64> = (0..4)
            .map(|l| {
                let name = format!("rocksdb.num-files-at-level{l}");
                store
                    .backend()
                    .data_property(&name)
                    .ok()
                    .flatten()
                    .unwrap_or(0)
            })
            .collect();
        eprintln!("prefix_bloom={prefix_bloom}: SST files on levels 0..3: {files:?}");
        let label = if prefix_bloom { "bloom" } else { "no_bloom" };
        let mut buf = Vec::new();
        let mut out = Vec::new();
        let mut n = 0u64;
        g.bench_function(format!("hit/{label}"), |b| {
            b.iter(|| {
                n += 1;
                key(&mut buf, 2 * (scramble(n % (KEYS / 2)) / 2));
                let mut txn = store.begin(TxnOptions::default()).expect("begin");
                let found = txn.get(&buf, &mut out).expect("get");
                txn.rollback();
                black_box(found)
            })
        });
        g.bench_function(format!("miss/{label}"), |b| {
            b.iter(|| {
                n += 1;
                key(&mut buf, 2 * (scramble(n) / 2) + 1);
                let mut txn = store.begin(TxnOptions::default()).expect("begin");
                let found = txn.get(&buf, &mut out).expect("get");
                txn.rollback();
                assert!(!found);
                black_box(found)
            })
        });
    }
    g.finish();
}

criterion_group!(benches, point_reads);
criterion_main!(benches);
