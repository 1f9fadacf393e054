//! `x [NOT] IN (SELECT ...)` over an uncorrelated subquery, hashed.
//!
//! An uncorrelated subquery runs once per statement; probing its values
//! with a linear search made `x IN (SELECT ...)` cost the product of the
//! two row counts. Like PostgreSQL's "hashed SubPlan", the values go into
//! a hash set of their equality keys (the GROUP BY encoding of
//! [`row_key_typed`], so SQL-equal values have one key), and each probe is
//! one lookup. SQL's three-valued result is kept: a NULL probe, or a
//! probe not found among values that include a NULL, is NULL (unless the
//! set is empty).
//!
//! The set is bounded by `work_mem` × `hash_mem_multiplier`, as every
//! hash table: once its keys pass that, they and every later one go to
//! an [`ExternalSort`] by key bytes, and the set becomes the sorted,
//! distinct keys in a [`TupleStore`] (in a temporary file past
//! `work_mem`), which each probe binary-searches
//! ([`sorted_contains`]: over the store's index blocks, then along one).
//! Whether the values held a
//! `NULL`, or were empty, is kept aside either way, so `NOT IN`'s `NULL`
//! semantics do not depend on where the keys are.
//!
//! Hashing applies when the probe and the subquery column share a type
//! family (integers of any width count as one); other pairs keep the
//! linear search.

use std::cmp::Ordering;
use std::collections::HashSet;
use std::sync::Mutex;

use crate::error::Result;
use crate::exec::group_key::row_key_typed;
use crate::exec::spill::external_sort::ExternalSort;
use crate::exec::spill::key_set::{sorted_contains, KEY_OVERHEAD};
use crate::exec::spill::{SpillEnv, TupleStore};
use crate::interrupt::Interrupt;
use crate::types::{SqlType, Value};

/// The comparison of spilled keys (one `bytea` value each).
type KeyCmp = fn(&[Value], &[Value]) -> Ordering;

fn key_cmp(a: &[Value], b: &[Value]) -> Ordering {
    match (&a[0], &b[0]) {
        (Value::Bytea(x), Value::Bytea(y)) => x.cmp(y),
        _ => Ordering::Equal,
    }
}

/// Where the keys are.
enum Keys {
    Memory(HashSet<Vec<u8>>),
    /// Sorted, distinct keys (one `bytea` each), binary-searched.
    Sorted(Box<Mutex<TupleStore>>),
}

/// The hashed values of an IN subquery.
pub struct HashedValues {
    keys: Keys,
    has_null: bool,
    empty: bool,
    ty: SqlType,
}

impl std::fmt::Debug for HashedValues {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("HashedValues")
            .field("spilled", &self.is_spilled())
            .field("has_null", &self.has_null)
            .field("empty", &self.empty)
            .finish()
    }
}

/// The type the keys of a probe of type `probe` against a column of type
/// `column` are encoded as, when they can be hashed.
pub fn key_type(probe: SqlType, column: SqlType) -> Option<SqlType> {
    if probe.is_integer() && column.is_integer() {
        Some(SqlType::Int8)
    } else if probe.same_base(&column) {
        Some(column)
    } else {
        None
    }
}

fn encode(v: &Value, ty: SqlType, out: &mut Vec<u8>) {
    match (ty, v.as_i64()) {
        (SqlType::Int8, Some(i)) => row_key_typed(&[Value::Int8(i)], &[ty], out),
        _ => row_key_typed(std::slice::from_ref(v), &[ty], out),
    }
}

/// Builds a [`HashedValues`] from the subquery's values, one at a time,
/// within `work_mem` × `hash_mem_multiplier` (see the module docs).
pub struct HashedValuesBuilder {
    ty: SqlType,
    env: SpillEnv,
    keys: HashSet<Vec<u8>>,
    mem: usize,
    sort: Option<ExternalSort<KeyCmp>>,
    has_null: bool,
    empty: bool,
    key: Vec<u8>,
}

impl HashedValuesBuilder {
    /// An empty set of keys encoded as `ty` (from [`key_type`]).
    pub fn new(ty: SqlType, env: SpillEnv) -> Self {
        HashedValuesBuilder {
            ty,
            env,
            keys: HashSet::new(),
            mem: 0,
            sort: None,
            has_null: false,
            empty: true,
            key: Vec::new(),
        }
    }

    /// Adds one of the subquery's values.
    pub fn add(&mut self, v: &Value, interrupt: &mut Interrupt) -> Result<()> {
        self.empty = false;
        if v.is_null() {
            self.has_null = true;
            return Ok(());
        }
        encode(v, self.ty, &mut self.key);
        if let Some(sort) = &mut self.sort {
            return sort.push(vec![Value::Bytea(self.key.clone())], interrupt);
        }
        if self.keys.contains(self.key.as_slice()) {
            return Ok(());
        }
        self.mem += self.key.len() + KEY_OVERHEAD;
        self.keys.insert(self.key.clone());
        if self.mem > self.env.hash_mem() {
            let mut sort = ExternalSort::new(self.env.clone(), 1, key_cmp as KeyCmp);
            for k in std::mem::take(&mut self.keys) {
                sort.push(vec![Value::Bytea(k)], interrupt)?;
            }
            self.mem = 0;
            self.sort = Some(sort);
        }
        Ok(())
    }

    /// The finished set.
    pub fn finish(self, interrupt: &mut Interrupt) -> Result<HashedValues> {
        let keys = match self.sort {
            None => Keys::Memory(self.keys),
            Some(sort) => {
                let mut rows = sort.finish(interrupt)?;
                let mut store = TupleStore::new(self.env.clone());
                let mut e = Vec::new();
                let mut last: Option<Value> = None;
                while rows.next_into(&mut e)? {
                    interrupt.check()?;
                    let Some(k) = e.pop() else { continue };
                    if last.as_ref() == Some(&k) {
                        continue;
                    }
                    store.push(std::slice::from_ref(&k))?;
                    last = Some(k);
                }
                Keys::Sorted(Box::new(Mutex::new(store)))
            }
        };
        Ok(HashedValues {
            keys,
            has_null: self.has_null,
            empty: self.empty,
            ty: self.ty,
        })
    }
}

impl HashedValues {
    /// Whether the keys went to a sorted temporary store.
    pub fn is_spilled(&self) -> bool {
        matches!(self.keys, Keys::Sorted(_))
    }

    /// Whether `key` is among the keys.
    fn contains(&self, key: &[u8]) -> Result<bool> {
        let store = match &self.keys {
            Keys::Memory(set) => return Ok(set.contains(key)),
            Keys::Sorted(store) => store,
        };
        let mut store = store.lock().unwrap_or_else(|e| e.into_inner());
        sorted_contains(&mut store, key)
    }

    /// `probe [NOT] IN (values)` (`negated` for NOT IN).
    pub fn probe(&self, probe: &Value, negated: bool) -> Result<Value> {
        if self.empty {
            return Ok(Value::Bool(negated));
        }
        if probe.is_null() {
            return Ok(Value::Null);
        }
        let mut key = Vec::new();
        encode(probe, self.ty, &mut key);
        Ok(if self.contains(&key)? {
            Value::Bool(!negated)
        } else if self.has_null {
            Value::Null
        } else {
            Value::Bool(negated)
        })
    }
}
