//! Helpers shared by the storage integration tests.
//!
//! [`backend_tests!`] turns a list of functions generic over [`Store`] into
//! one `#[test]` per backend, so every behaviour is checked against the
//! in-memory store and against RocksDB in a temporary directory.

#![allow(dead_code)]

use rocksgres_storage::{Direction, KeyRange, Store, Transaction};

/// A prefix-free key for a test string (NUL-terminated, as text keys are).
pub fn key(s: &str) -> Vec<u8> {
    let mut k = s.as_bytes().to_vec();
    k.push(0);
    k
}

/// The test string of a key made by [`key`].
pub fn unkey(k: &[u8]) -> String {
    String::from_utf8_lossy(k.strip_suffix(&[0]).unwrap_or(k)).into_owned()
}

/// Reads a key as a string, `None` when absent.
pub fn get<T: Transaction>(txn: &mut T, k: &str) -> Option<String> {
    let mut out = Vec::new();
    txn.get(&key(k), &mut out)
        .unwrap()
        .then(|| String::from_utf8(out).unwrap())
}

/// Collects a scan as (key, value) strings.
pub fn scan<T: Transaction>(
    txn: &mut T,
    range: KeyRange<'_>,
    direction: Direction,
) -> Vec<(String, String)> {
    let mut cursor = txn.cursor();
    scan_with(txn, &mut cursor, range, direction)
}

/// Collects a scan through an existing cursor.
pub fn scan_with<T: Transaction>(
    txn: &mut T,
    cursor: &mut T::Cursor,
    range: KeyRange<'_>,
    direction: Direction,
) -> Vec<(String, String)> {
    txn.seek(cursor, range, direction).unwrap();
    let mut rows = Vec::new();
    while let Some((k, v)) = txn.next(cursor).unwrap() {
        rows.push((unkey(k), String::from_utf8_lossy(v).into_owned()));
    }
    rows
}

/// Opens a RocksDB store in a fresh temporary directory.
pub fn rocks() -> (tempfile::TempDir, rocksgres_storage::RocksStore) {
    let dir = tempfile::tempdir().unwrap();
    let store = rocksgres_storage::RocksStore::open(dir.path(), Default::default()).unwrap();
    (dir, store)
}

/// Generates `memory::NAME` and `rocks::NAME` tests from generic functions
/// `fn NAME<S: Store>(store: &S)`.
#[macro_export]
macro_rules! backend_tests {
    ($($name:ident),* $(,)?) => {
        mod memory {
            $(
                #[test]
                fn $name() {
                    super::$name(&rocksgres_storage::MemoryStore::new());
                }
            )*
        }
        mod rocks {
            $(
                #[test]
                fn $name() {
                    let (_dir, store) = super::common::rocks();
                    super::$name(&store);
                }
            )*
        }
    };
}

/// Keeps `Store` in scope for users of the macro.
pub fn _uses(_: &impl Store) {}
