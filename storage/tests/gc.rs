//! Garbage collection: rewriting one key many times must not grow the
//! database without bound, and GC must never remove a version that a live
//! snapshot still reads.

mod common;

use common::{get, key};
use rocksgres_storage::backend::{Backend, RawIter};
use rocksgres_storage::{Durability, Isolation, Store, Transaction, TxnOptions};

fn fast() -> TxnOptions {
    TxnOptions {
        durability: Durability::Async,
        ..TxnOptions::default()
    }
}

fn count_versions<B: Backend>(backend: &B) -> usize {
    let mut it = backend.iter().unwrap();
    it.seek_to_first();
    let mut n = 0;
    while it.valid() {
        n += 1;
        it.next();
    }
    it.status().unwrap();
    n
}

fn rewrite<S: Store>(store: &S, k: &str, times: usize) {
    for i in 0..times {
        let mut t = store.begin(fast()).unwrap();
        t.put(&key(k), i.to_string().as_bytes()).unwrap();
        t.commit().unwrap();
    }
}

#[test]
fn rocksdb_one_key_rewritten_100k_times_compacts_to_one_version() {
    let (_dir, store) = common::rocks();
    rewrite(&store, "hot", 100_000);
    store.collect_garbage().unwrap();
    let left = count_versions(store.backend());
    assert_eq!(left, 1, "versions left after GC");
    let mut t = store.begin(fast()).unwrap();
    assert_eq!(get(&mut t, "hot"), Some("99999".into()));
}

#[test]
fn memory_one_key_rewritten_100k_times_compacts_to_one_version() {
    let store = rocksgres_storage::MemoryStore::new();
    rewrite(&store, "hot", 100_000);
    store.collect_garbage().unwrap();
    assert_eq!(store.backend().version_count(), 1);
}

fn gc_keeps_what_snapshots_read<S: Store>(store: &S, backend: impl Fn() -> usize) {
    rewrite(store, "k", 10);
    let mut old = store
        .begin(TxnOptions {
            isolation: Isolation::Snapshot,
            ..fast()
        })
        .unwrap();
    assert_eq!(get(&mut old, "k"), Some("9".into()));
    rewrite(store, "k", 100);
    let mut t = store.begin(fast()).unwrap();
    t.delete(&key("gone")).unwrap();
    t.put(&key("gone"), b"x").unwrap();
    t.commit().unwrap();
    let mut t = store.begin(fast()).unwrap();
    t.delete(&key("gone")).unwrap();
    t.commit().unwrap();
    store.collect_garbage().unwrap();
    assert_eq!(
        get(&mut old, "k"),
        Some("9".into()),
        "old snapshot still reads its version"
    );
    let with_snapshot = backend();
    assert!(with_snapshot >= 2, "the old snapshot's version is kept");
    drop(old);
    store.collect_garbage().unwrap();
    let mut t = store.begin(fast()).unwrap();
    assert_eq!(get(&mut t, "k"), Some("99".into()));
    assert_eq!(get(&mut t, "gone"), None);
    drop(t);
    assert_eq!(
        backend(),
        1,
        "only k's newest version remains; the tombstone is gone"
    );
}

#[test]
fn rocksdb_gc_respects_live_snapshots() {
    let (_dir, store) = common::rocks();
    gc_keeps_what_snapshots_read(&store, || count_versions(store.backend()));
}

#[test]
fn memory_gc_respects_live_snapshots() {
    let store = rocksgres_storage::MemoryStore::new();
    gc_keeps_what_snapshots_read(&store, || store.backend().version_count());
}
