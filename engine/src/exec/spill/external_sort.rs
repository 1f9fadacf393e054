//! External merge sort: the sort of a statement that honours `work_mem`.
//!
//! Entries are rows whose first `key_len` values are the sort keys (a
//! row carries its keys, computed once). They collect in memory until
//! their estimated size passes `work_mem`; that batch is sorted (with
//! the interruptible [`crate::exec::sort::sort_by`]) and written to a
//! temporary file as one sorted run. At the end, a sort that never
//! spilled is returned from memory; otherwise the last batch becomes a
//! run too, and runs are merged: in passes of at most [`SortedRows`]'s
//! fan-in consecutive runs (a read buffer each) while there are more,
//! then streamed through a final k-way merge.
//!
//! The sort is stable, as the in-memory sort: batches are runs in input
//! order, each sorted stably, and a merge takes from the earliest run
//! on ties.

use std::cmp::Ordering;

use crate::error::Result;
use crate::exec::spill::row_codec::row_size;
use crate::exec::spill::temp_files::IO_BUFFER;
use crate::exec::spill::{SpillEnv, TupleStore};
use crate::interrupt::Interrupt;
use crate::types::Value;

/// The fewest runs one merge reads (PostgreSQL's minimum merge order).
const MIN_FAN_IN: usize = 6;
/// The most runs one merge reads.
const MAX_FAN_IN: usize = 64;

/// A sort that spills past `work_mem` (see the module docs).
pub struct ExternalSort<F> {
    env: SpillEnv,
    key_len: usize,
    cmp: F,
    batch: Vec<Vec<Value>>,
    batch_bytes: usize,
    runs: Vec<TupleStore>,
}

impl<F: FnMut(&[Value], &[Value]) -> Ordering> ExternalSort<F> {
    /// A sort of entries whose first `key_len` values are ordered by
    /// `cmp`, within `env`'s limits.
    pub fn new(env: SpillEnv, key_len: usize, cmp: F) -> Self {
        ExternalSort {
            env,
            key_len,
            cmp,
            batch: Vec::new(),
            batch_bytes: 0,
            runs: Vec::new(),
        }
    }

    /// Adds an entry; writes a sorted run when the batch passes
    /// `work_mem`.
    pub fn push(&mut self, entry: Vec<Value>, interrupt: &mut Interrupt) -> Result<()> {
        self.batch_bytes += row_size(&entry);
        self.batch.push(entry);
        if self.batch_bytes > self.env.work_mem() {
            self.write_run(interrupt)?;
        }
        Ok(())
    }

    /// Whether runs went to temporary files.
    pub fn is_spilled(&self) -> bool {
        !self.runs.is_empty()
    }

    /// The bytes the sort holds: in memory, or once spilled, in its runs'
    /// temporary files (the batch in memory, written at the end, counted
    /// with them).
    pub fn space_used(&self) -> usize {
        let on_disk: u64 = self.runs.iter().map(TupleStore::file_bytes).sum();
        self.batch_bytes + on_disk as usize
    }

    fn sort_batch(&mut self, interrupt: &mut Interrupt) -> Result<()> {
        let k = self.key_len;
        let cmp = &mut self.cmp;
        crate::exec::sort::sort_by(&mut self.batch, |a, b| cmp(&a[..k], &b[..k]), interrupt)
    }

    fn write_run(&mut self, interrupt: &mut Interrupt) -> Result<()> {
        self.sort_batch(interrupt)?;
        let mut run = TupleStore::new(self.env.clone());
        run.spill()?;
        for e in self.batch.drain(..) {
            interrupt.check()?;
            run.push(&e)?;
        }
        self.batch = Vec::new();
        self.batch_bytes = 0;
        self.runs.push(run);
        Ok(())
    }

    /// The entries in order.
    pub fn finish(mut self, interrupt: &mut Interrupt) -> Result<SortedRows<F>> {
        if self.runs.is_empty() {
            self.sort_batch(interrupt)?;
            return Ok(SortedRows {
                source: Source::Memory(std::mem::take(&mut self.batch).into_iter()),
                key_len: self.key_len,
                cmp: self.cmp,
            });
        }
        if !self.batch.is_empty() {
            self.write_run(interrupt)?;
        }
        let fan_in = (self.env.work_mem() / (2 * IO_BUFFER)).clamp(MIN_FAN_IN, MAX_FAN_IN);
        let mut runs = std::mem::take(&mut self.runs);
        while runs.len() > fan_in {
            let mut merged = Vec::with_capacity(runs.len().div_ceil(fan_in));
            let mut rest = runs.into_iter();
            loop {
                let group: Vec<TupleStore> = rest.by_ref().take(fan_in).collect();
                if group.is_empty() {
                    break;
                }
                let mut merge = Merge::new(group, self.key_len, &mut self.cmp)?;
                let mut out = TupleStore::new(self.env.clone());
                out.spill()?;
                let mut entry = Vec::new();
                while merge.next_into(&mut entry, self.key_len, &mut self.cmp)? {
                    interrupt.check()?;
                    out.push(&entry)?;
                }
                merged.push(out);
            }
            runs = merged;
        }
        let merge = Merge::new(runs, self.key_len, &mut self.cmp)?;
        Ok(SortedRows {
            source: Source::Merge(merge),
            key_len: self.key_len,
            cmp: self.cmp,
        })
    }
}

enum Source {
    Memory(std::vec::IntoIter<Vec<Value>>),
    Merge(Merge),
}

/// The sorted entries of an [`ExternalSort`], read one at a time.
pub struct SortedRows<F> {
    source: Source,
    key_len: usize,
    cmp: F,
}

impl<F: FnMut(&[Value], &[Value]) -> Ordering> SortedRows<F> {
    /// The next entry into `out` (keys first); false after the last.
    pub fn next_into(&mut self, out: &mut Vec<Value>) -> Result<bool> {
        match &mut self.source {
            Source::Memory(it) => match it.next() {
                Some(e) => {
                    *out = e;
                    Ok(true)
                }
                None => Ok(false),
            },
            Source::Merge(m) => m.next_into(out, self.key_len, &mut self.cmp),
        }
    }
}

/// A k-way merge of sorted runs: a binary heap of run numbers ordered by
/// each run's current entry, ties to the earlier run.
struct Merge {
    runs: Vec<TupleStore>,
    heads: Vec<Vec<Value>>,
    heap: Vec<usize>,
}

impl Merge {
    fn new<F>(mut runs: Vec<TupleStore>, k: usize, cmp: &mut F) -> Result<Merge>
    where
        F: FnMut(&[Value], &[Value]) -> Ordering,
    {
        let mut heads = Vec::with_capacity(runs.len());
        let mut heap = Vec::with_capacity(runs.len());
        for (i, run) in runs.iter_mut().enumerate() {
            run.rewind();
            let mut head = Vec::new();
            if run.next_into(&mut head)? {
                heap.push(i);
            }
            heads.push(head);
        }
        let mut m = Merge { runs, heads, heap };
        for i in (0..m.heap.len() / 2).rev() {
            m.sift_down(i, k, cmp);
        }
        Ok(m)
    }

    fn less<F>(&self, a: usize, b: usize, k: usize, cmp: &mut F) -> bool
    where
        F: FnMut(&[Value], &[Value]) -> Ordering,
    {
        cmp(&self.heads[a][..k], &self.heads[b][..k]).then(a.cmp(&b)) == Ordering::Less
    }

    fn sift_down<F>(&mut self, mut i: usize, k: usize, cmp: &mut F)
    where
        F: FnMut(&[Value], &[Value]) -> Ordering,
    {
        loop {
            let (l, r) = (2 * i + 1, 2 * i + 2);
            let mut min = i;
            if l < self.heap.len() && self.less(self.heap[l], self.heap[min], k, cmp) {
                min = l;
            }
            if r < self.heap.len() && self.less(self.heap[r], self.heap[min], k, cmp) {
                min = r;
            }
            if min == i {
                return;
            }
            self.heap.swap(i, min);
            i = min;
        }
    }

    fn next_into<F>(&mut self, out: &mut Vec<Value>, k: usize, cmp: &mut F) -> Result<bool>
    where
        F: FnMut(&[Value], &[Value]) -> Ordering,
    {
        let Some(&top) = self.heap.first() else {
            return Ok(false);
        };
        std::mem::swap(out, &mut self.heads[top]);
        if !self.runs[top].next_into(&mut self.heads[top])? {
            let last = self.heap.pop().expect("not empty");
            if !self.heap.is_empty() {
                self.heap[0] = last;
            }
            // The run is done: its file can go now.
            self.runs[top] = TupleStore::new(self.runs[top].env().clone());
            self.heads[top] = Vec::new();
        }
        self.sift_down(0, k, cmp);
        Ok(true)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::exec::spill::temp_files::TempDir;
    use std::sync::Arc;

    #[test]
    fn an_external_sort_matches_the_standard_stable_sort() {
        let dir = Arc::new(TempDir::process_unique());
        for (n, work_mem) in [
            (0, 64 * 1024),
            (100, 64 * 1024),
            (20_000, 64 * 1024),
            (50_000, 8 * 1024),
        ] {
            let env = SpillEnv::with_limits(Arc::clone(&dir), work_mem, None);
            let mut x: u32 = 7;
            let input: Vec<Vec<Value>> = (0..n)
                .map(|i| {
                    x ^= x << 13;
                    x ^= x >> 17;
                    x ^= x << 5;
                    vec![Value::Int4((x % 500) as i32), Value::Int8(i)]
                })
                .collect();
            let mut sort = ExternalSort::new(env.clone(), 1, |a: &[Value], b: &[Value]| {
                crate::types::compare(&a[0], &b[0]).unwrap()
            });
            let mut interrupt = Interrupt::none();
            for e in &input {
                sort.push(e.clone(), &mut interrupt).unwrap();
            }
            assert_eq!(sort.is_spilled(), n >= 20_000);
            let mut rows = sort.finish(&mut interrupt).unwrap();
            let mut expected = input.clone();
            expected.sort_by(|a, b| crate::types::compare(&a[0], &b[0]).unwrap());
            let mut got = Vec::new();
            let mut e = Vec::new();
            while rows.next_into(&mut e).unwrap() {
                got.push(e.clone());
            }
            assert_eq!(got, expected, "n = {n}");
            drop(rows);
            assert!(dir.files().is_empty());
            assert_eq!(env.temp_bytes(), 0);
        }
    }
}
