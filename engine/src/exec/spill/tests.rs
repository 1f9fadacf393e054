//! Unit tests of the temporary files and the tuple store.

use std::sync::Arc;

use super::temp_files::TempDir;
use super::{SpillEnv, TupleStore};
use crate::error::SqlState;
use crate::types::Value;

fn row(i: i64) -> Vec<Value> {
    vec![
        Value::Int8(i),
        Value::Text(format!("row {i}")),
        if i % 3 == 0 {
            Value::Null
        } else {
            Value::Int4(i as i32)
        },
    ]
}

#[test]
fn a_small_store_stays_in_memory() {
    let dir = Arc::new(TempDir::process_unique());
    let mut s = TupleStore::new(SpillEnv::with_limits(Arc::clone(&dir), 1 << 20, None));
    for i in 0..10 {
        s.push(&row(i)).unwrap();
    }
    assert!(!s.is_spilled());
    assert!(dir.files().is_empty());
    let mut n = 0;
    while let Some(r) = s.next().unwrap() {
        assert_eq!(r, row(n).as_slice());
        n += 1;
    }
    assert_eq!(n, 10);
}

#[test]
fn a_large_store_spills_and_reads_back_in_any_order() {
    let dir = Arc::new(TempDir::process_unique());
    let env = SpillEnv::with_limits(Arc::clone(&dir), 64 * 1024, None);
    let mut s = TupleStore::new(env.clone());
    let n = 5000;
    for i in 0..n {
        s.push(&row(i)).unwrap();
    }
    assert!(s.is_spilled());
    assert_eq!(s.len(), n as usize);
    assert_eq!(dir.files().len(), 1);
    assert!(env.temp_bytes() > 0);
    for i in 0..n {
        assert_eq!(s.next().unwrap().unwrap(), row(i).as_slice());
    }
    assert!(s.next().unwrap().is_none());
    // Backwards, by position (a scroll cursor).
    for i in (0..n).rev().step_by(37) {
        assert_eq!(s.get(i as usize).unwrap().unwrap(), row(i).as_slice());
    }
    s.rewind();
    let mut out = Vec::new();
    assert!(s.next_into(&mut out).unwrap());
    assert_eq!(out, row(0));
    // Pushing while reading: the new row is read after the old ones.
    s.seek(n as usize);
    s.push(&row(n)).unwrap();
    assert_eq!(s.next().unwrap().unwrap(), row(n).as_slice());
    drop(s);
    assert!(dir.files().is_empty());
    assert_eq!(env.temp_bytes(), 0);
}

#[test]
fn temp_file_limit_stops_a_store_with_53400() {
    let dir = Arc::new(TempDir::process_unique());
    let mut s = TupleStore::new(SpillEnv::with_limits(
        Arc::clone(&dir),
        64 * 1024,
        Some(100),
    ));
    let e = (0..100_000).try_for_each(|i| s.push(&row(i))).unwrap_err();
    assert_eq!(e.state, SqlState::ConfigurationLimitExceeded);
    assert_eq!(
        e.message,
        "temporary file size exceeds temp_file_limit (100kB)"
    );
    drop(s);
    assert!(dir.files().is_empty());
}

#[test]
fn a_data_dir_temp_dir_is_emptied_when_made() {
    let data = TempDir::process_unique();
    std::fs::create_dir_all(data.path().join("pgsql_tmp")).unwrap();
    std::fs::write(data.path().join("pgsql_tmp").join("left"), b"x").unwrap();
    let dir = TempDir::in_data_dir(data.path()).unwrap();
    assert!(dir.files().is_empty());
}

#[test]
fn independent_readers_walk_a_spilled_store_at_their_own_places() {
    let dir = Arc::new(TempDir::process_unique());
    let env = SpillEnv::with_limits(Arc::clone(&dir), 16 * 1024, None);
    let mut s = TupleStore::new(env);
    let n = 3000usize;
    for i in 0..n {
        s.push(&row(i as i64)).unwrap();
    }
    assert!(s.is_spilled());
    s.finish().unwrap();
    let mut ahead = s.reader();
    let mut behind = s.reader();
    let mut jumper = s.reader();
    assert_eq!(ahead.len(), n);
    for i in 0..n {
        assert_eq!(ahead.get(i).unwrap(), row(i as i64).as_slice());
        // The same row again, and a row far behind.
        assert_eq!(ahead.get(i).unwrap(), row(i as i64).as_slice());
        let j = i.saturating_sub(100);
        assert_eq!(behind.get(j).unwrap(), row(j as i64).as_slice());
        let k = (i * 7919) % n;
        assert_eq!(jumper.get(k).unwrap(), row(k as i64).as_slice());
    }
    assert!(ahead.get(n).is_err());
}

#[test]
fn readers_of_a_store_in_memory_read_its_rows() {
    let dir = Arc::new(TempDir::process_unique());
    let mut s = TupleStore::new(SpillEnv::with_limits(Arc::clone(&dir), 1 << 20, None));
    for i in 0..10 {
        s.push(&row(i)).unwrap();
    }
    s.finish().unwrap();
    let mut r = s.reader();
    for i in (0..10).rev() {
        assert_eq!(r.get(i as usize).unwrap(), row(i).as_slice());
    }
    assert!(dir.files().is_empty());
}
