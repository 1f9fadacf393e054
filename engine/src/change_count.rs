//! Rows changed per table, counted for autoanalyze (see
//! [`crate::autoanalyze`]).
//!
//! A transaction counts each write of a table's primary index (the index
//! that holds the row: an insert, an update or a delete of one row) by the
//! table's storage id in a [`TxnChanges`] (a few comparisons and no
//! allocation per row: a transaction writes few tables); when it commits,
//! [`crate::db_txn::DbTxn`] adds them to the database's [`ChangeTally`],
//! which the autoanalyze worker reads and takes its counts off. Writes of
//! secondary indexes and of the catalog are not rows and are not counted;
//! a rolled-back transaction adds nothing.

use std::collections::HashMap;
use std::sync::Mutex;

use smallvec::SmallVec;

use crate::keys::KS_DATA;

/// The index id of a table's primary index, which holds its rows.
const PRIMARY_INDEX: [u8; 4] = 1u32.to_be_bytes();

/// The rows one transaction wrote, per storage id.
#[derive(Debug, Default)]
pub struct TxnChanges {
    per_storage: SmallVec<[(u32, u64); 4]>,
}

impl TxnChanges {
    /// Counts a write of engine key `key` (a changed row when it is a key
    /// of a table's primary index).
    #[inline]
    pub fn count(&mut self, key: &[u8]) {
        if key.len() < 9 || key[0] != KS_DATA || key[5..9] != PRIMARY_INDEX {
            return;
        }
        let storage = u32::from_be_bytes([key[1], key[2], key[3], key[4]]);
        match self.per_storage.iter_mut().find(|(s, _)| *s == storage) {
            Some((_, n)) => *n += 1,
            None => self.per_storage.push((storage, 1)),
        }
    }

    /// Whether no row was written.
    pub fn is_empty(&self) -> bool {
        self.per_storage.is_empty()
    }
}

/// Rows changed since the last automatic analyze, per (database, storage
/// id), from committed transactions.
#[derive(Debug, Default)]
pub struct ChangeTally {
    counts: Mutex<HashMap<(u32, u32), u64>>,
}

impl ChangeTally {
    fn counts(&self) -> std::sync::MutexGuard<'_, HashMap<(u32, u32), u64>> {
        self.counts.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Adds a committed transaction's counts in database `db`.
    pub fn add(&self, db: u32, changes: &TxnChanges) {
        if changes.is_empty() {
            return;
        }
        let mut counts = self.counts();
        for &(storage, n) in &changes.per_storage {
            *counts.entry((db, storage)).or_default() += n;
        }
    }

    /// The rows changed in storage `storage` of database `db`.
    pub fn get(&self, db: u32, storage: u32) -> u64 {
        self.counts().get(&(db, storage)).copied().unwrap_or(0)
    }

    /// Every count, by database.
    pub(crate) fn snapshot(&self) -> HashMap<u32, Vec<(u32, u64)>> {
        let mut out: HashMap<u32, Vec<(u32, u64)>> = HashMap::new();
        for (&(db, storage), &n) in self.counts().iter() {
            out.entry(db).or_default().push((storage, n));
        }
        out
    }

    /// Takes `n` off a count (what an analyze saw), dropping it at zero.
    pub(crate) fn subtract(&self, db: u32, storage: u32, n: u64) {
        let mut counts = self.counts();
        if let Some(c) = counts.get_mut(&(db, storage)) {
            *c = c.saturating_sub(n);
            if *c == 0 {
                counts.remove(&(db, storage));
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key(storage: u32, index: u32) -> Vec<u8> {
        let mut k = vec![KS_DATA];
        k.extend_from_slice(&storage.to_be_bytes());
        k.extend_from_slice(&index.to_be_bytes());
        k.push(7);
        k
    }

    #[test]
    fn counts_only_primary_index_writes() {
        let mut c = TxnChanges::default();
        c.count(&key(5, 1));
        c.count(&key(5, 1));
        c.count(&key(5, 2));
        c.count(&key(6, 1));
        c.count(&[crate::keys::KS_CATALOG, 0, 0, 0, 5, 0, 0, 0, 1]);
        let tally = ChangeTally::default();
        tally.add(3, &c);
        assert_eq!(tally.get(3, 5), 2);
        assert_eq!(tally.get(3, 6), 1);
        assert_eq!(tally.get(4, 5), 0);
        tally.subtract(3, 5, 2);
        assert_eq!(tally.get(3, 5), 0);
    }
}
