//! The shared behaviour suite: every test runs against the in-memory store
//! and against RocksDB, and both must behave identically.

mod common;

use std::collections::BTreeMap;
use std::ops::Bound;

use common::{get, key, scan, scan_with, unkey};
use rocksgres_storage::{Direction, Isolation, KeyRange, Store, Transaction, TxnOptions};

fn opts() -> TxnOptions {
    TxnOptions::default()
}

fn si() -> TxnOptions {
    TxnOptions {
        isolation: Isolation::Snapshot,
        ..TxnOptions::default()
    }
}

fn put<T: Transaction>(txn: &mut T, k: &str, v: &str) {
    txn.put(&key(k), v.as_bytes()).unwrap();
}

fn pairs(items: &[(&str, &str)]) -> Vec<(String, String)> {
    items
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect()
}

fn seed<S: Store>(store: &S, items: &[(&str, &str)]) {
    let mut txn = store.begin(opts()).unwrap();
    for (k, v) in items {
        put(&mut txn, k, v);
    }
    txn.commit().unwrap();
}

fn get_put_delete_commit<S: Store>(store: &S) {
    let mut t = store.begin(opts()).unwrap();
    assert_eq!(get(&mut t, "a"), None);
    put(&mut t, "a", "1");
    assert_eq!(get(&mut t, "a"), Some("1".into()), "own write visible");
    put(&mut t, "a", "2");
    assert_eq!(get(&mut t, "a"), Some("2".into()), "overwrite visible");
    let info = t.commit().unwrap();
    assert_eq!(info.writes, 1);
    assert!(info.commit_ts.is_some());

    let mut t = store.begin(opts()).unwrap();
    assert_eq!(get(&mut t, "a"), Some("2".into()));
    t.delete(&key("a")).unwrap();
    assert_eq!(get(&mut t, "a"), None, "own delete visible");
    t.commit().unwrap();

    let mut t = store.begin(opts()).unwrap();
    assert_eq!(get(&mut t, "a"), None);
    assert_eq!(t.commit().unwrap().commit_ts, None, "read-only commit");
}

fn rollback_discards_writes<S: Store>(store: &S) {
    seed(store, &[("a", "1")]);
    let mut t = store.begin(opts()).unwrap();
    put(&mut t, "a", "2");
    put(&mut t, "b", "3");
    t.rollback();
    let mut t = store.begin(opts()).unwrap();
    put(&mut t, "c", "4");
    drop(t); // dropping is a rollback too
    let mut t = store.begin(opts()).unwrap();
    assert_eq!(get(&mut t, "a"), Some("1".into()));
    assert_eq!(get(&mut t, "b"), None);
    assert_eq!(get(&mut t, "c"), None);
    assert_eq!(store.lock_waiters(), 0);
}

fn snapshot_does_not_see_later_commits<S: Store>(store: &S) {
    seed(store, &[("a", "1")]);
    let mut reader = store.begin(si()).unwrap();
    assert_eq!(get(&mut reader, "a"), Some("1".into()));
    seed(store, &[("a", "2"), ("b", "new")]);
    assert_eq!(get(&mut reader, "a"), Some("1".into()));
    assert_eq!(get(&mut reader, "b"), None);
    assert_eq!(
        scan(&mut reader, KeyRange::all(), Direction::Forward),
        pairs(&[("a", "1")])
    );
    reader.refresh_snapshot().unwrap();
    assert_eq!(get(&mut reader, "a"), Some("2".into()));
    assert_eq!(get(&mut reader, "b"), Some("new".into()));
}

fn scans_respect_bounds_and_direction<S: Store>(store: &S) {
    seed(
        store,
        &[("a", "1"), ("b", "2"), ("c", "3"), ("d", "4"), ("e", "5")],
    );
    let mut t = store.begin(opts()).unwrap();
    let (b, d) = (key("b"), key("d"));
    let cases: Vec<(KeyRange<'_>, &[&str])> = vec![
        (KeyRange::all(), &["a", "b", "c", "d", "e"]),
        (KeyRange::half_open(&b, &d), &["b", "c"]),
        (
            KeyRange {
                start: Bound::Excluded(&b),
                end: Bound::Included(&d),
            },
            &["c", "d"],
        ),
        (
            KeyRange {
                start: Bound::Unbounded,
                end: Bound::Excluded(&b),
            },
            &["a"],
        ),
        (
            KeyRange {
                start: Bound::Included(&d),
                end: Bound::Unbounded,
            },
            &["d", "e"],
        ),
        (
            KeyRange {
                start: Bound::Excluded(&d),
                end: Bound::Excluded(&b),
            },
            &[],
        ),
    ];
    let mut cursor = t.cursor();
    for (range, expected) in cases {
        let fwd: Vec<String> = scan_with(&mut t, &mut cursor, range, Direction::Forward)
            .into_iter()
            .map(|(k, _)| k)
            .collect();
        assert_eq!(fwd, expected, "forward {range:?}");
        let mut bwd: Vec<String> = scan_with(&mut t, &mut cursor, range, Direction::Backward)
            .into_iter()
            .map(|(k, _)| k)
            .collect();
        bwd.reverse();
        assert_eq!(bwd, expected, "backward {range:?}");
    }
}

fn scans_merge_own_writes<S: Store>(store: &S) {
    seed(store, &[("a", "1"), ("c", "3"), ("e", "5")]);
    let mut t = store.begin(opts()).unwrap();
    put(&mut t, "b", "own-b"); // new key between stored keys
    put(&mut t, "c", "own-c"); // overwrite
    t.delete(&key("e")).unwrap(); // delete a stored key
    put(&mut t, "f", "own-f"); // new key after all stored keys
    t.delete(&key("zz")).unwrap(); // delete of a key that never existed
    let expected = pairs(&[("a", "1"), ("b", "own-b"), ("c", "own-c"), ("f", "own-f")]);
    assert_eq!(scan(&mut t, KeyRange::all(), Direction::Forward), expected);
    let mut rev = scan(&mut t, KeyRange::all(), Direction::Backward);
    rev.reverse();
    assert_eq!(rev, expected);
    t.commit().unwrap();
    let mut t = store.begin(opts()).unwrap();
    assert_eq!(scan(&mut t, KeyRange::all(), Direction::Forward), expected);
}

fn writes_during_an_open_scan<S: Store>(store: &S) {
    seed(store, &[("a", "1"), ("b", "2"), ("c", "3")]);
    let mut t = store.begin(opts()).unwrap();
    let mut cursor = t.cursor();
    t.seek(&mut cursor, KeyRange::all(), Direction::Forward)
        .unwrap();
    let mut seen = Vec::new();
    while let Some((k, v)) = t.next(&mut cursor).unwrap() {
        let (k, v) = (unkey(k), String::from_utf8_lossy(v).into_owned());
        // Rewrite every row as we go, like an UPDATE over a scan.
        t.put(&key(&k), format!("{v}0").as_bytes()).unwrap();
        seen.push(k);
    }
    assert_eq!(seen, ["a", "b", "c"], "each row visited once");
    assert_eq!(
        scan(&mut t, KeyRange::all(), Direction::Forward),
        pairs(&[("a", "10"), ("b", "20"), ("c", "30")])
    );
}

fn cursor_reuse_across_ranges_and_snapshots<S: Store>(store: &S) {
    seed(store, &[("a", "1"), ("b", "2")]);
    let mut t = store.begin(opts()).unwrap();
    let mut cursor = t.cursor();
    let (a, b) = (key("a"), key("b"));
    let first = scan_with(
        &mut t,
        &mut cursor,
        KeyRange::half_open(&a, &b),
        Direction::Forward,
    );
    assert_eq!(first, pairs(&[("a", "1")]));
    seed(store, &[("c", "3")]);
    t.refresh_snapshot().unwrap();
    let all = scan_with(&mut t, &mut cursor, KeyRange::all(), Direction::Forward);
    assert_eq!(all, pairs(&[("a", "1"), ("b", "2"), ("c", "3")]));
    // A cursor also outlives its transaction and serves the next one.
    drop(t);
    seed(store, &[("d", "4")]);
    let mut t2 = store.begin(opts()).unwrap();
    let all = scan_with(&mut t2, &mut cursor, KeyRange::all(), Direction::Backward);
    assert_eq!(all.len(), 4);
    assert_eq!(all[0], ("d".to_string(), "4".to_string()));
}

fn many_versions_read_correctly<S: Store>(store: &S) {
    let mut snapshots = Vec::new();
    for i in 0..20 {
        seed(store, &[("k", &i.to_string()), (&format!("x{i:02}"), "v")]);
        snapshots.push((i, store.begin(si()).unwrap()));
    }
    for (i, t) in &mut snapshots {
        assert_eq!(get(t, "k"), Some(i.to_string()));
        let rows = scan(t, KeyRange::all(), Direction::Forward);
        assert_eq!(rows.len(), *i + 2, "k plus x00..=x{i}");
        let mut back = scan(t, KeyRange::all(), Direction::Backward);
        back.reverse();
        assert_eq!(back, rows);
    }
}

fn read_committed_get_for_update_reads_newest<S: Store>(store: &S) {
    seed(store, &[("a", "1")]);
    let mut t1 = store.begin(opts()).unwrap();
    assert_eq!(get(&mut t1, "a"), Some("1".into()));
    seed(store, &[("a", "2")]);
    let mut out = Vec::new();
    assert!(t1.get_for_update(&key("a"), &mut out).unwrap());
    assert_eq!(out, b"2", "READ COMMITTED works on the newest version");
    drop(t1);
    let mut t2 = store.begin(si()).unwrap();
    seed(store, &[("a", "3")]);
    let err = t2.get_for_update(&key("a"), &mut out).unwrap_err();
    assert_eq!(err, rocksgres_storage::StorageError::Serialization);
}

fn model_check_random_operations<S: Store>(store: &S) {
    // A deterministic pseudo-random sequence of operations, checked against
    // a BTreeMap model after every commit, in both scan directions.
    let mut model: BTreeMap<Vec<u8>, Vec<u8>> = BTreeMap::new();
    let mut state: u64 = 0x2545_f491_4f6c_dd1d;
    let mut rand = move |n: u64| {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        state % n
    };
    for round in 0..60 {
        let mut t = store.begin(opts()).unwrap();
        let mut pending = model.clone();
        for _ in 0..rand(12) {
            let k = key(&format!("k{:03}", rand(40)));
            if rand(3) == 0 {
                t.delete(&k).unwrap();
                pending.remove(&k);
            } else {
                let v = format!("r{round}-{}", rand(1000)).into_bytes();
                t.put(&k, &v).unwrap();
                pending.insert(k, v);
            }
        }
        let lo = key(&format!("k{:03}", rand(40)));
        let hi = key(&format!("k{:03}", rand(40)));
        let range = KeyRange::half_open(&lo, &hi);
        let expect: Vec<(String, String)> = pending
            .range(lo.clone()..hi.clone().max(lo.clone()))
            .map(|(k, v)| (unkey(k), String::from_utf8_lossy(v).into_owned()))
            .collect();
        assert_eq!(scan(&mut t, range, Direction::Forward), expect);
        let mut back = scan(&mut t, range, Direction::Backward);
        back.reverse();
        assert_eq!(back, expect);
        if rand(4) == 0 {
            t.rollback();
        } else {
            t.commit().unwrap();
            model = pending;
        }
        let mut check = store.begin(opts()).unwrap();
        let all: Vec<(String, String)> = model
            .iter()
            .map(|(k, v)| (unkey(k), String::from_utf8_lossy(v).into_owned()))
            .collect();
        assert_eq!(scan(&mut check, KeyRange::all(), Direction::Forward), all);
        if round % 20 == 19 {
            store.collect_garbage().unwrap();
        }
    }
}

backend_tests!(
    get_put_delete_commit,
    rollback_discards_writes,
    snapshot_does_not_see_later_commits,
    scans_respect_bounds_and_direction,
    scans_merge_own_writes,
    writes_during_an_open_scan,
    cursor_reuse_across_ranges_and_snapshots,
    many_versions_read_correctly,
    read_committed_get_for_update_reads_newest,
    model_check_random_operations,
);

fn savepoints_undo_writes<S: Store>(store: &S) {
    seed(store, &[("a", "1"), ("b", "2")]);
    let mut t = store.begin(opts()).unwrap();
    put(&mut t, "a", "10");
    let sp1 = t.savepoint();
    put(&mut t, "a", "100");
    put(&mut t, "c", "3");
    t.delete(&key("b")).unwrap();
    let sp2 = t.savepoint();
    put(&mut t, "d", "4");
    t.rollback_to_savepoint(sp2);
    assert_eq!(get(&mut t, "d"), None);
    assert_eq!(get(&mut t, "c"), Some("3".into()));
    t.rollback_to_savepoint(sp1);
    assert_eq!(
        get(&mut t, "a"),
        Some("10".into()),
        "write before the savepoint kept"
    );
    assert_eq!(get(&mut t, "b"), Some("2".into()), "delete undone");
    assert_eq!(get(&mut t, "c"), None, "insert undone");
    // The savepoint survives ROLLBACK TO and can be used again.
    put(&mut t, "e", "5");
    t.rollback_to_savepoint(sp1);
    assert_eq!(get(&mut t, "e"), None);
    put(&mut t, "f", "6");
    t.release_savepoint(sp1);
    t.commit().unwrap();
    let mut t = store.begin(opts()).unwrap();
    assert_eq!(
        scan(&mut t, KeyRange::all(), Direction::Forward),
        pairs(&[("a", "10"), ("b", "2"), ("f", "6")])
    );
}

mod savepoints {
    use super::common;

    #[test]
    fn memory() {
        super::savepoints_undo_writes(&rocksgres_storage::MemoryStore::new());
    }

    #[test]
    fn rocks() {
        let (_dir, store) = common::rocks();
        super::savepoints_undo_writes(&store);
    }
}
