//! Restart and crash tests on the RocksDB backend: committed data survives a
//! close and reopen, and an abrupt process abort right after a durable
//! commit; uncommitted writes never survive; timestamps keep increasing
//! across restarts.

mod common;

use std::process::Command;

use common::{get, key};
use rocksgres_storage::{Durability, RocksStore, Store, Transaction, TxnOptions};

#[test]
fn committed_data_survives_reopen_and_uncommitted_does_not() {
    let dir = tempfile::tempdir().unwrap();
    let first_ts;
    {
        let store = RocksStore::open(dir.path(), Default::default()).unwrap();
        let mut t = store.begin(TxnOptions::default()).unwrap();
        t.put(&key("kept"), b"1").unwrap();
        t.put(&key("deleted"), b"x").unwrap();
        first_ts = t.commit().unwrap().commit_ts.unwrap();
        let mut t = store.begin(TxnOptions::default()).unwrap();
        t.delete(&key("deleted")).unwrap();
        t.commit().unwrap();
        let mut open = store.begin(TxnOptions::default()).unwrap();
        open.put(&key("uncommitted"), b"2").unwrap();
        open.put(&key("kept"), b"overwritten-but-not-committed")
            .unwrap();
        // The store closes with `open` never committed.
        drop(open);
    }
    {
        let store = RocksStore::open(dir.path(), Default::default()).unwrap();
        let mut t = store.begin(TxnOptions::default()).unwrap();
        assert_eq!(get(&mut t, "kept"), Some("1".into()));
        assert_eq!(get(&mut t, "deleted"), None);
        assert_eq!(get(&mut t, "uncommitted"), None);
        drop(t);
        // New commits must get newer timestamps than anything before the
        // restart, or the old version would shadow the new one.
        let mut t = store.begin(TxnOptions::default()).unwrap();
        t.put(&key("kept"), b"after-restart").unwrap();
        let ts = t.commit().unwrap().commit_ts.unwrap();
        assert!(ts > first_ts);
        let mut t = store.begin(TxnOptions::default()).unwrap();
        assert_eq!(get(&mut t, "kept"), Some("after-restart".into()));
    }
}

#[test]
fn a_second_open_of_the_same_directory_fails() {
    let dir = tempfile::tempdir().unwrap();
    let _store = RocksStore::open(dir.path(), Default::default()).unwrap();
    let err = RocksStore::open(dir.path(), Default::default()).unwrap_err();
    assert!(err.to_string().contains("lock"), "{err}");
}

const CHILD_ENV: &str = "ROCKSGRES_CRASH_CHILD_DIR";

/// Run as a child process by `durable_commit_survives_abort`: commits
/// durably, leaves a transaction open, and aborts without any cleanup.
#[test]
fn crash_child() {
    let Some(dir) = std::env::var_os(CHILD_ENV) else {
        return; // only meaningful as the child of the test below
    };
    let store = RocksStore::open(&dir, Default::default()).unwrap();
    for i in 0..50 {
        let mut t = store
            .begin(TxnOptions {
                durability: Durability::Sync,
                ..TxnOptions::default()
            })
            .unwrap();
        t.put(&key(&format!("row{i:02}")), b"durable").unwrap();
        t.commit().unwrap();
    }
    let mut open = store.begin(TxnOptions::default()).unwrap();
    open.put(&key("row00"), b"uncommitted").unwrap();
    open.put(&key("ghost"), b"uncommitted").unwrap();
    std::process::abort();
}

#[test]
fn durable_commit_survives_abort() {
    let dir = tempfile::tempdir().unwrap();
    let status = Command::new(std::env::current_exe().unwrap())
        .args(["--exact", "crash_child", "--nocapture", "--test-threads=1"])
        .env(CHILD_ENV, dir.path())
        .status()
        .unwrap();
    assert!(!status.success(), "the child must have aborted");
    let store = RocksStore::open(dir.path(), Default::default()).unwrap();
    let mut t = store.begin(TxnOptions::default()).unwrap();
    for i in 0..50 {
        assert_eq!(get(&mut t, &format!("row{i:02}")), Some("durable".into()));
    }
    assert_eq!(get(&mut t, "ghost"), None);
}
