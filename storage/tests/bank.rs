//! Bank-transfer stress test: 8 threads move money between accounts with
//! locking reads, random rollbacks and real lock conflicts (deadlocks and,
//! under snapshot isolation, serialization failures), while an auditor keeps
//! summing all balances in fresh snapshots. The total never changes, in any
//! snapshot, on either backend, in either isolation mode.

mod common;

use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::time::Duration;

use common::key;
use rocksgres_storage::{
    Direction, Durability, Isolation, KeyRange, StorageError, Store, Transaction, TxnOptions,
};

const ACCOUNTS: usize = 20;
const INITIAL: i64 = 1_000;
const THREADS: usize = 8;

fn account(i: usize) -> Vec<u8> {
    key(&format!("acct{i:03}"))
}

fn balance<T: Transaction>(txn: &mut T, k: &[u8]) -> Result<i64, StorageError> {
    let mut out = Vec::new();
    assert!(txn.get_for_update(k, &mut out)?, "account exists");
    Ok(i64::from_le_bytes(out.try_into().unwrap()))
}

fn total<S: Store>(store: &S) -> i64 {
    let mut t = store
        .begin(TxnOptions {
            isolation: Isolation::Snapshot,
            ..TxnOptions::default()
        })
        .unwrap();
    let mut cursor = t.cursor();
    t.seek(&mut cursor, KeyRange::all(), Direction::Forward)
        .unwrap();
    let mut sum = 0;
    let mut n = 0;
    while let Some((_, v)) = t.next(&mut cursor).unwrap() {
        let b = i64::from_le_bytes(v.try_into().unwrap());
        assert!(b >= 0, "no account goes negative");
        sum += b;
        n += 1;
    }
    assert_eq!(n, ACCOUNTS);
    sum
}

/// Returns (committed, rolled back on purpose, failed with a conflict).
fn run_bank<S: Store>(
    store: &S,
    isolation: Isolation,
    durability: Durability,
    per_thread: usize,
) -> (usize, usize, usize) {
    let mut t = store.begin(TxnOptions::default()).unwrap();
    for i in 0..ACCOUNTS {
        t.put(&account(i), &INITIAL.to_le_bytes()).unwrap();
    }
    t.commit().unwrap();
    let expected = INITIAL * ACCOUNTS as i64;

    let committed = AtomicUsize::new(0);
    let rolled_back = AtomicUsize::new(0);
    let conflicts = AtomicUsize::new(0);
    let stop = AtomicBool::new(false);
    let audits = AtomicUsize::new(0);
    std::thread::scope(|s| {
        s.spawn(|| {
            while !stop.load(Ordering::Relaxed) {
                assert_eq!(total(store), expected, "snapshot total changed");
                audits.fetch_add(1, Ordering::Relaxed);
            }
        });
        let workers: Vec<_> = (0..THREADS)
            .map(|thread| {
                let (committed, rolled_back, conflicts) = (&committed, &rolled_back, &conflicts);
                s.spawn(move || {
                    let mut seed = 0x9e37_79b9_7f4a_7c15u64 ^ (thread as u64 + 1);
                    let mut rand = move |n: u64| {
                        seed ^= seed << 13;
                        seed ^= seed >> 7;
                        seed ^= seed << 17;
                        seed % n
                    };
                    for _ in 0..per_thread {
                        let from = rand(ACCOUNTS as u64) as usize;
                        let to = (from + 1 + rand(ACCOUNTS as u64 - 1) as usize) % ACCOUNTS;
                        let amount = 1 + rand(100) as i64;
                        let abort = rand(10) == 0;
                        let mut txn = store
                            .begin(TxnOptions {
                                isolation,
                                durability,
                                lock_timeout: Some(Duration::from_secs(30)),
                                owner: 0,
                            })
                            .unwrap();
                        let result = (|| -> Result<bool, StorageError> {
                            let (fk, tk) = (account(from), account(to));
                            let fb = balance(&mut txn, &fk)?;
                            let tb = balance(&mut txn, &tk)?;
                            if fb < amount || abort {
                                return Ok(false);
                            }
                            txn.put(&fk, &(fb - amount).to_le_bytes())?;
                            txn.put(&tk, &(tb + amount).to_le_bytes())?;
                            Ok(true)
                        })();
                        match result {
                            Ok(true) => {
                                txn.commit().unwrap();
                                committed.fetch_add(1, Ordering::Relaxed);
                            }
                            Ok(false) => {
                                txn.rollback();
                                rolled_back.fetch_add(1, Ordering::Relaxed);
                            }
                            Err(StorageError::Deadlock) | Err(StorageError::Serialization) => {
                                txn.rollback();
                                conflicts.fetch_add(1, Ordering::Relaxed);
                            }
                            Err(e) => panic!("unexpected error: {e}"),
                        }
                    }
                })
            })
            .collect();
        for w in workers {
            w.join().unwrap();
        }
        stop.store(true, Ordering::Relaxed);
    });
    assert_eq!(total(store), expected, "final total changed");
    assert!(audits.load(Ordering::Relaxed) > 0);
    assert_eq!(store.lock_waiters(), 0);
    (
        committed.into_inner(),
        rolled_back.into_inner(),
        conflicts.into_inner(),
    )
}

fn check(counts: (usize, usize, usize), per_thread: usize) {
    let (committed, rolled_back, conflicts) = counts;
    assert_eq!(committed + rolled_back + conflicts, THREADS * per_thread);
    assert!(committed > THREADS * per_thread / 2, "{counts:?}");
    assert!(rolled_back > 0, "random aborts happened: {counts:?}");
}

#[test]
fn bank_memory_read_committed() {
    let counts = run_bank(
        &rocksgres_storage::MemoryStore::new(),
        Isolation::ReadCommitted,
        Durability::Async,
        1_000,
    );
    check(counts, 1_000);
}

#[test]
fn bank_memory_snapshot() {
    let counts = run_bank(
        &rocksgres_storage::MemoryStore::new(),
        Isolation::Snapshot,
        Durability::Async,
        1_000,
    );
    check(counts, 1_000);
}

#[test]
fn bank_rocksdb_read_committed() {
    let (_dir, store) = common::rocks();
    let counts = run_bank(&store, Isolation::ReadCommitted, Durability::Async, 1_000);
    check(counts, 1_000);
}

#[test]
fn bank_rocksdb_snapshot() {
    let (_dir, store) = common::rocks();
    let counts = run_bank(&store, Isolation::Snapshot, Durability::Async, 1_000);
    check(counts, 1_000);
}

#[test]
fn bank_rocksdb_durable_commits() {
    // fsync per commit, shared by concurrent committers (write groups).
    let (_dir, store) = common::rocks();
    let counts = run_bank(&store, Isolation::ReadCommitted, Durability::Sync, 60);
    check(counts, 60);
}
