//! [`KeySet`]: a set of byte keys that answers "new or seen?" at once,
//! within `work_mem` × `hash_mem_multiplier` (the recursive `UNION`'s
//! seen rows), and the binary search of sorted keys in a [`TupleStore`]
//! ([`sorted_contains`], also used by the spilled `IN (subquery)` set).
//!
//! Keys go to an in-memory hash set. When its keys pass the limit they
//! are sorted and written to a temporary file as one sorted run (a
//! [`TupleStore`] of one `bytea` per row), and the hash set starts empty
//! again. A lookup checks the hash set, then binary-searches each run:
//! first over the store's index blocks (one row read each), then along
//! the one block that may hold the key. Runs are merged as a binary
//! counter (the newest two while the older is at most twice the newer),
//! so there are O(log n) of them, and a set of any size holds at most
//! its limit in memory.

use std::cmp::Ordering;
use std::collections::HashSet;

use crate::error::Result;
use crate::exec::spill::tuple_store::INDEX_EVERY;
use crate::exec::spill::{SpillEnv, TupleStore};
use crate::interrupt::Interrupt;
use crate::types::Value;

/// Bytes counted per key besides its bytes (the set's entry and the
/// vector's header).
pub const KEY_OVERHEAD: usize = 48;

/// Whether the store `sorted` of ascending, distinct `bytea` keys (one
/// per row) holds `key`.
pub fn sorted_contains(sorted: &mut TupleStore, key: &[u8]) -> Result<bool> {
    let len = sorted.len();
    if len == 0 {
        return Ok(false);
    }
    let cmp = |row: Option<&[Value]>| match row {
        Some([Value::Bytea(k)]) => Some(k.as_slice().cmp(key)),
        _ => None,
    };
    // The last block whose first key is at most `key`.
    let blocks = len.div_ceil(INDEX_EVERY);
    let (mut lo, mut hi) = (0usize, blocks);
    while hi - lo > 1 {
        let mid = lo + (hi - lo) / 2;
        match cmp(sorted.get(mid * INDEX_EVERY)?) {
            Some(Ordering::Greater) => hi = mid,
            Some(Ordering::Equal) => return Ok(true),
            Some(Ordering::Less) => lo = mid,
            None => return Ok(false),
        }
    }
    sorted.seek(lo * INDEX_EVERY);
    for _ in 0..INDEX_EVERY {
        match cmp(sorted.next()?) {
            Some(Ordering::Less) => {}
            Some(Ordering::Equal) => return Ok(true),
            _ => return Ok(false),
        }
    }
    Ok(false)
}

/// A set of byte keys that spills to sorted runs (see the module docs).
pub struct KeySet {
    env: SpillEnv,
    mem: HashSet<Vec<u8>>,
    bytes: usize,
    runs: Vec<TupleStore>,
}

impl KeySet {
    /// An empty set within `env`'s hash memory limit.
    pub fn new(env: SpillEnv) -> Self {
        KeySet {
            env,
            mem: HashSet::new(),
            bytes: 0,
            runs: Vec::new(),
        }
    }

    /// Whether keys went to temporary files.
    pub fn is_spilled(&self) -> bool {
        !self.runs.is_empty()
    }

    /// Whether `key` is in the set.
    pub fn contains(&mut self, key: &[u8]) -> Result<bool> {
        if self.mem.contains(key) {
            return Ok(true);
        }
        for run in &mut self.runs {
            if sorted_contains(run, key)? {
                return Ok(true);
            }
        }
        Ok(false)
    }

    /// Adds `key`: true when it was not in the set.
    pub fn insert(&mut self, key: &[u8], interrupt: &mut Interrupt) -> Result<bool> {
        if self.contains(key)? {
            return Ok(false);
        }
        self.bytes += key.len() + KEY_OVERHEAD;
        self.mem.insert(key.to_vec());
        if self.bytes > self.env.hash_mem() {
            self.flush(interrupt)?;
        }
        Ok(true)
    }

    /// Writes the in-memory keys as a sorted run, then merges runs.
    fn flush(&mut self, interrupt: &mut Interrupt) -> Result<()> {
        let mut keys: Vec<Vec<u8>> = std::mem::take(&mut self.mem).into_iter().collect();
        self.bytes = 0;
        keys.sort_unstable();
        let mut run = TupleStore::new(self.env.clone());
        run.spill()?;
        let mut row = [Value::Null];
        for k in keys {
            interrupt.check()?;
            row[0] = Value::Bytea(k);
            run.push(&row)?;
        }
        self.runs.push(run);
        while self.runs.len() >= 2 {
            let n = self.runs.len();
            if self.runs[n - 2].len() > 2 * self.runs[n - 1].len() {
                break;
            }
            let (Some(mut b), Some(mut a)) = (self.runs.pop(), self.runs.pop()) else {
                break;
            };
            self.runs.push(merge(&mut a, &mut b, &self.env, interrupt)?);
        }
        Ok(())
    }
}

/// One sorted run of the (disjoint) sorted runs `a` and `b`.
fn merge(
    a: &mut TupleStore,
    b: &mut TupleStore,
    env: &SpillEnv,
    interrupt: &mut Interrupt,
) -> Result<TupleStore> {
    let mut out = TupleStore::new(env.clone());
    out.spill()?;
    a.rewind();
    b.rewind();
    let (mut x, mut y) = (Vec::new(), Vec::new());
    let mut has_x = a.next_into(&mut x)?;
    let mut has_y = b.next_into(&mut y)?;
    while has_x || has_y {
        interrupt.check()?;
        let take_x = match (has_x, has_y) {
            (true, true) => match (&x[0], &y[0]) {
                (Value::Bytea(p), Value::Bytea(q)) => p <= q,
                _ => true,
            },
            (x_left, _) => x_left,
        };
        if take_x {
            out.push(&x)?;
            has_x = a.next_into(&mut x)?;
        } else {
            out.push(&y)?;
            has_y = b.next_into(&mut y)?;
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::exec::spill::temp_files::TempDir;
    use std::sync::Arc;

    #[test]
    fn a_spilled_key_set_answers_as_a_hash_set() {
        let dir = Arc::new(TempDir::process_unique());
        let env = SpillEnv::with_limits(Arc::clone(&dir), 8 * 1024, None);
        let mut set = KeySet::new(env.clone());
        let mut model = HashSet::new();
        let mut interrupt = Interrupt::none();
        let mut x: u32 = 11;
        for _ in 0..30_000 {
            x ^= x << 13;
            x ^= x >> 17;
            x ^= x << 5;
            let key = (x % 20_000).to_be_bytes().to_vec();
            assert_eq!(
                set.insert(&key, &mut interrupt).unwrap(),
                model.insert(key.clone())
            );
        }
        assert!(set.is_spilled());
        assert!(set.runs.len() < 12, "{} runs", set.runs.len());
        for k in 0u32..20_500 {
            let key = k.to_be_bytes().to_vec();
            assert_eq!(set.contains(&key).unwrap(), model.contains(&key), "{k}");
        }
        drop(set);
        assert_eq!(env.temp_bytes(), 0);
    }
}
