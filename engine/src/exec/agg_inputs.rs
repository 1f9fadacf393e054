//! [`AggInputs`]: the inputs an aggregate keeps until its group ends, as
//! PostgreSQL's per-aggregate tuplesort (`ORDER BY` and `DISTINCT`
//! aggregates, `string_agg`, `array_agg`, the JSON aggregates and the
//! ordered-set ones).
//!
//! Each input is an entry: the aggregate's `ORDER BY` keys, then (for
//! `DISTINCT`) the values it is distinct on, then whatever the aggregate
//! needs to build its result. Entries go to an
//! [`ExternalSort`](crate::exec::spill::external_sort) ordered by the
//! `ORDER BY` keys, then the distinct values (ascending, `NULL`s last);
//! past `work_mem` it writes sorted runs to temporary files, so a group
//! of any size holds at most `work_mem` of its inputs in memory. Without
//! `ORDER BY` and `DISTINCT` nothing is compared and the (stable) sort
//! keeps the input order.
//!
//! `DISTINCT` is applied when the entries are read back
//! ([`SortedInputs`]): equal values are adjacent in sort order, and only
//! the first of a run of equal ones (by their typed key bytes,
//! [`row_key_typed`]) is returned, as PostgreSQL's sort-and-dedupe (which
//! also returns them sorted).
//!
//! Accumulators made without a [`SpillEnv`] (a window's running
//! aggregates, which clone them) keep their entries in a plain vector.

use std::cmp::Ordering;

use crate::error::Result;
use crate::exec::group_key::row_key_typed;
use crate::exec::run::sort_cmp;
use crate::exec::spill::external_sort::{ExternalSort, SortedRows};
use crate::exec::spill::SpillEnv;
use crate::interrupt::Interrupt;
use crate::plan::node::SortKey;
use crate::types::{compare_typed, SqlType, Value};

/// The comparison of two entries' keys.
type Cmp = Box<dyn FnMut(&[Value], &[Value]) -> Ordering>;

/// Where the entries are.
enum Store {
    Memory(Vec<Vec<Value>>),
    External(ExternalSort<Cmp>),
}

/// An aggregate's kept inputs (see the module docs).
pub struct AggInputs {
    order: Vec<SortKey>,
    distinct: Vec<SqlType>,
    store: Store,
    len: usize,
}

impl std::fmt::Debug for AggInputs {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AggInputs")
            .field("len", &self.len)
            .field("spilled", &self.is_spilled())
            .finish()
    }
}

impl Clone for AggInputs {
    /// A copy of in-memory inputs (only accumulators made without a
    /// [`SpillEnv`], which never spill, are cloned: a window's running
    /// aggregates).
    fn clone(&self) -> Self {
        let rows = match &self.store {
            Store::Memory(rows) => rows.clone(),
            Store::External(_) => Vec::new(),
        };
        AggInputs {
            order: self.order.clone(),
            distinct: self.distinct.clone(),
            store: Store::Memory(rows),
            len: self.len,
        }
    }
}

/// Compares entries by the `ORDER BY` keys, then the distinct values.
fn compare(order: &[SortKey], distinct: &[SqlType], a: &[Value], b: &[Value]) -> Ordering {
    let n = order.len();
    let o = sort_cmp(order, a, b);
    if o != Ordering::Equal {
        return o;
    }
    for (i, ty) in distinct.iter().enumerate() {
        let (x, y) = (&a[n + i], &b[n + i]);
        let o = match (x.is_null(), y.is_null()) {
            (true, true) => Ordering::Equal,
            (true, false) => Ordering::Greater,
            (false, true) => Ordering::Less,
            (false, false) => compare_typed(ty, x, y).unwrap_or(Ordering::Equal),
        };
        if o != Ordering::Equal {
            return o;
        }
    }
    Ordering::Equal
}

impl AggInputs {
    /// Inputs ordered by `order`, distinct on values of types `distinct`
    /// (none: all kept), spilling within `env` (`None`: in memory).
    pub fn new(order: Vec<SortKey>, distinct: Vec<SqlType>, env: Option<&SpillEnv>) -> Self {
        let store = match env {
            None => Store::Memory(Vec::new()),
            Some(env) => {
                let (o, d) = (order.clone(), distinct.clone());
                let cmp: Cmp = Box::new(move |a: &[Value], b: &[Value]| compare(&o, &d, a, b));
                Store::External(ExternalSort::new(
                    env.clone(),
                    order.len() + distinct.len(),
                    cmp,
                ))
            }
        };
        AggInputs {
            order,
            distinct,
            store,
            len: 0,
        }
    }

    /// The values before an entry's payload: `ORDER BY` keys, then the
    /// distinct values.
    pub fn key_len(&self) -> usize {
        self.order.len() + self.distinct.len()
    }

    /// The number of `ORDER BY` keys.
    pub fn order_len(&self) -> usize {
        self.order.len()
    }

    /// Entries pushed (before `DISTINCT`).
    pub fn len(&self) -> usize {
        self.len
    }

    /// Whether no entry was pushed.
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// Whether entries went to temporary files.
    pub fn is_spilled(&self) -> bool {
        matches!(&self.store, Store::External(s) if s.is_spilled())
    }

    /// Adds an entry (keys, distinct values, payload).
    pub fn push(&mut self, entry: Vec<Value>, interrupt: &mut Interrupt) -> Result<()> {
        self.len += 1;
        match &mut self.store {
            Store::Memory(rows) => {
                rows.push(entry);
                Ok(())
            }
            Store::External(sort) => sort.push(entry, interrupt),
        }
    }

    /// The entries in order, `DISTINCT` applied.
    pub fn finish(self, interrupt: &mut Interrupt) -> Result<SortedInputs> {
        let source = match self.store {
            Store::Memory(mut rows) => {
                if !self.order.is_empty() || !self.distinct.is_empty() {
                    let (o, d) = (&self.order, &self.distinct);
                    crate::exec::sort::sort_by(&mut rows, |a, b| compare(o, d, a, b), interrupt)?;
                }
                Source::Memory(rows.into_iter())
            }
            Store::External(sort) => Source::Sorted(sort.finish(interrupt)?),
        };
        Ok(SortedInputs {
            source,
            start: self.order.len(),
            distinct: self.distinct,
            last: None,
            key: Vec::new(),
        })
    }
}

enum Source {
    Memory(std::vec::IntoIter<Vec<Value>>),
    Sorted(SortedRows<Cmp>),
}

/// The entries of an [`AggInputs`] in order, read one at a time.
pub struct SortedInputs {
    source: Source,
    /// Where the distinct values start in an entry.
    start: usize,
    distinct: Vec<SqlType>,
    /// The key bytes of the last distinct values returned.
    last: Option<Vec<u8>>,
    key: Vec<u8>,
}

impl SortedInputs {
    fn next_raw(&mut self, out: &mut Vec<Value>) -> Result<bool> {
        match &mut self.source {
            Source::Memory(it) => match it.next() {
                Some(e) => {
                    *out = e;
                    Ok(true)
                }
                None => Ok(false),
            },
            Source::Sorted(rows) => rows.next_into(out),
        }
    }

    /// The next entry into `out`; false after the last.
    pub fn next_into(&mut self, out: &mut Vec<Value>) -> Result<bool> {
        loop {
            if !self.next_raw(out)? {
                return Ok(false);
            }
            if self.distinct.is_empty() {
                return Ok(true);
            }
            let end = self.start + self.distinct.len();
            row_key_typed(&out[self.start..end], &self.distinct, &mut self.key);
            if self.last.as_deref() == Some(&self.key[..]) {
                continue;
            }
            self.last = Some(std::mem::take(&mut self.key));
            return Ok(true);
        }
    }
}
