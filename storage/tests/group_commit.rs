//! Durable commits share fsyncs: with several threads committing with
//! `Durability::Sync`, RocksDB merges concurrent commits into write groups,
//! so there are fewer WAL fsyncs than commits. Counted with RocksDB's own
//! statistics tickers, not timed.

mod common;

use common::key;
use rocksgres_storage::backend::rocks::RocksOptions;
use rocksgres_storage::{RocksStore, Store, StoreOptions, Transaction, TxnOptions};

#[test]
fn concurrent_durable_commits_share_wal_syncs() {
    let dir = tempfile::tempdir().unwrap();
    let store = RocksStore::open(
        dir.path(),
        StoreOptions {
            rocks: RocksOptions {
                statistics: true,
                ..RocksOptions::default()
            },
            ..StoreOptions::default()
        },
    )
    .unwrap();
    const THREADS: usize = 8;
    const PER_THREAD: usize = 50;
    std::thread::scope(|s| {
        for t in 0..THREADS {
            let store = &store;
            s.spawn(move || {
                for i in 0..PER_THREAD {
                    let mut txn = store.begin(TxnOptions::default()).unwrap();
                    txn.put(&key(&format!("t{t}-{i}")), b"v").unwrap();
                    txn.commit().unwrap();
                }
            });
        }
    });
    let stats = store.backend().write_stats().unwrap();
    let commits = (THREADS * PER_THREAD) as u64;
    assert_eq!(
        stats.writes_led + stats.writes_joined,
        commits + 1,
        "every commit, plus the oracle's one reservation write: {stats:?}"
    );
    assert!(stats.wal_syncs >= 1, "{stats:?}");
    assert!(
        stats.wal_syncs < commits,
        "{commits} durable commits from {THREADS} threads should share fsyncs: {stats:?}"
    );
    eprintln!("{commits} durable commits: {stats:?}");
}
