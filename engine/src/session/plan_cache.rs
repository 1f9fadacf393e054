//! The plan cache of simple-protocol statements.
//!
//! Clients of the simple protocol (pgbench `-M simple`, most ORMs, psql)
//! send the values of each statement as literals, so every execution is
//! new text to parse and plan. This cache lets statements that differ only
//! in their literals share one parameterised statement and its plan:
//!
//! 1. [`normalize`] lexes the text into a key (the text with every number
//!    and plain string replaced by a marker of its type class) and the
//!    literals; texts it does not fully understand are not cached.
//! 2. The key finds up to [`MAX_VARIANTS`] entries. An entry says, for each
//!    literal, whether it became parameter `$k` or stayed inline (then the
//!    text must be the same: `ORDER BY 2` and `ORDER BY 3` are different
//!    variants), and holds a [`Prepared`] statement with its own
//!    `PlanSlot`.
//! 3. A hit turns the literal texts into parameter values exactly as the
//!    binder would type the literals, and runs the statement through
//!    [`Session::query_prepared`], which reuses the plan while the catalog
//!    version is unchanged and shares the transaction rules and errors of
//!    every other statement.
//! 4. A miss runs the statement the ordinary way. The first time a key is
//!    seen that is all (a statement run once costs one lexing more); after
//!    that, it first works out an entry (`analyze`): only SELECT, INSERT, UPDATE and DELETE, only the
//!    literals [`parametrize`] offers, and only when the plan of the
//!    parameterised statement, with each parameter replaced by its value,
//!    is the plan of the literal text (same tree, same types, same result
//!    columns). Otherwise the entry is negative and the text keeps running
//!    the ordinary way. Correctness comes before the hit rate: whatever is
//!    not shown to plan identically is not cached.
//!
//! Entries belong to one catalog version and are dropped when it changes
//! (DDL anywhere). The cache is used outside transaction blocks and inside
//! READ COMMITTED ones, where every statement reads the newest catalog;
//! REPEATABLE READ and SERIALIZABLE blocks and failed blocks bypass it. It
//! holds at most [`CAPACITY`] entries and evicts the least recently used.
//!
//! [`normalize`]: crate::sql::normalize::normalize
//! [`parametrize`]: crate::sql::parametrize::parametrize

mod analyze;
mod literal;

use std::collections::{HashMap, HashSet, VecDeque};
use std::hash::BuildHasher;
use std::sync::Arc;

use rocksgres_storage::{Isolation, Store, Transaction};

use super::{Prepared, Session, TxnStatus};
use crate::error::Result;
use crate::result::QueryResult;
use crate::sql::normalize::{normalize, Literal, Normalized};
use crate::types::{SqlType, Value};

/// The most entries a session's plan cache holds.
pub const CAPACITY: usize = 128;

/// The most entries one key holds (variants with different inline
/// literals).
pub const MAX_VARIANTS: usize = 8;

/// How many keys seen once (and not analysed yet) are remembered.
const SEEN_CAPACITY: usize = 1024;

/// Counters of a session's plan cache ([`Session::plan_cache_stats`]).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct PlanCacheStats {
    /// Statements run from a cached plan.
    pub hits: u64,
    /// Cacheable statements run the ordinary way (first seen, or known not
    /// to be cacheable).
    pub misses: u64,
    /// Entries held now, negative ones included.
    pub entries: usize,
}

/// What one literal of a key became.
#[derive(Debug, Clone)]
enum Slot {
    /// Kept in the statement: a text must have this literal, as written,
    /// to use the entry.
    Inline(Box<str>),
    /// Parameter `$index+1`, its value converted to `target` (the type the
    /// binder gives the literal in its place; `Unknown` for none).
    Param {
        index: usize,
        negate: bool,
        target: SqlType,
    },
}

/// One cached statement, or a negative entry.
#[derive(Debug)]
struct Entry {
    /// The catalog version it was made for.
    version: u64,
    /// Tick of its last use, for eviction.
    last_used: u64,
    /// One per literal of the key; empty for a negative entry that covers
    /// every text of the key.
    slots: Vec<Slot>,
    /// The parameterised statement; `None` for a negative entry.
    statement: Option<Arc<Prepared>>,
}

impl Entry {
    fn negative(version: u64, slots: Vec<Slot>) -> Entry {
        Entry {
            version,
            last_used: 0,
            slots,
            statement: None,
        }
    }

    fn matches(&self, literals: &[Literal<'_>]) -> bool {
        if self.slots.is_empty() {
            return self.statement.is_none() || literals.is_empty();
        }
        self.slots.len() == literals.len()
            && self.slots.iter().zip(literals).all(|(s, l)| match s {
                Slot::Inline(raw) => **raw == *l.raw,
                Slot::Param { .. } => true,
            })
    }

    /// The parameter values of `literals`; `None` when one does not convert
    /// (the ordinary path then reports the error exactly).
    fn values(&self, prepared: &Prepared, literals: &[Literal<'_>]) -> Option<Vec<Value>> {
        let mut values = vec![Value::Null; prepared.param_types.len()];
        for (slot, lit) in self.slots.iter().zip(literals) {
            if let Slot::Param {
                index,
                negate,
                target,
            } = slot
            {
                let v = literal::value(lit.kind, &lit.text, *negate, *target).ok()?;
                if v.sql_type().unwrap_or(SqlType::Unknown) != *prepared.param_types.get(*index)? {
                    return None;
                }
                *values.get_mut(*index)? = v;
            }
        }
        Some(values)
    }
}

/// What a lookup found.
enum Lookup {
    /// Run this statement with these values.
    Hit(Arc<Prepared>, Vec<Value>),
    /// Run the text the ordinary way, and cache nothing.
    Bypass,
    /// No entry for the text: analyse it if the key is `known` (it has
    /// entries, or had before the catalog changed) or was seen before.
    Miss { known: bool },
}

/// A session's plan cache; see the module docs.
#[derive(Debug)]
pub(super) struct PlanCache {
    enabled: bool,
    entries: HashMap<String, Vec<Entry>>,
    len: usize,
    /// Hashes of the keys seen once, oldest first (a collision only
    /// analyses a text a little early).
    seen: HashSet<u64>,
    seen_order: VecDeque<u64>,
    tick: u64,
    hits: u64,
    misses: u64,
}

impl Default for PlanCache {
    fn default() -> Self {
        PlanCache {
            enabled: true,
            entries: HashMap::new(),
            len: 0,
            seen: HashSet::new(),
            seen_order: VecDeque::new(),
            tick: 0,
            hits: 0,
            misses: 0,
        }
    }
}

impl PlanCache {
    fn lookup(&mut self, norm: &Normalized<'_>, version: u64) -> Lookup {
        self.tick += 1;
        let Some(variants) = self.entries.get_mut(&norm.key) else {
            return Lookup::Miss { known: false };
        };
        let before = variants.len();
        variants.retain(|e| e.version == version);
        self.len -= before - variants.len();
        let Some(entry) = variants.iter_mut().find(|e| e.matches(&norm.literals)) else {
            return Lookup::Miss { known: true };
        };
        entry.last_used = self.tick;
        let Some(prepared) = entry.statement.as_ref() else {
            return Lookup::Bypass;
        };
        match entry.values(prepared, &norm.literals) {
            Some(values) => Lookup::Hit(Arc::clone(prepared), values),
            None => Lookup::Bypass,
        }
    }

    /// Whether `key` was seen before; remembers it if not.
    fn seen_before(&mut self, key: &str) -> bool {
        let h = self.entries.hasher().hash_one(key);
        if self.seen.remove(&h) {
            return true;
        }
        if self.seen_order.len() >= SEEN_CAPACITY {
            if let Some(old) = self.seen_order.pop_front() {
                self.seen.remove(&old);
            }
        }
        self.seen.insert(h);
        self.seen_order.push_back(h);
        false
    }

    fn insert(&mut self, key: String, mut entry: Entry) {
        entry.last_used = self.tick;
        if self.len >= CAPACITY {
            self.evict(None);
        }
        if self
            .entries
            .get(&key)
            .is_some_and(|v| v.len() >= MAX_VARIANTS)
        {
            self.evict(Some(&key));
        }
        self.entries.entry(key).or_default().push(entry);
        self.len += 1;
    }

    /// Drops the least recently used entry (of `key` only, if given).
    fn evict(&mut self, key: Option<&str>) {
        let oldest = self
            .entries
            .iter()
            .filter(|(k, _)| key.is_none_or(|key| key == k.as_str()))
            .flat_map(|(k, v)| v.iter().enumerate().map(move |(i, e)| (e.last_used, k, i)))
            .min_by_key(|(used, _, _)| *used)
            .map(|(_, k, i)| (k.clone(), i));
        if let Some((k, i)) = oldest {
            if let Some(v) = self.entries.get_mut(&k) {
                v.swap_remove(i);
                self.len -= 1;
                if v.is_empty() {
                    self.entries.remove(&k);
                }
            }
        }
    }

    fn clear(&mut self) {
        self.entries.clear();
        self.len = 0;
        self.seen.clear();
        self.seen_order.clear();
    }
}

impl<S: Store> Session<S> {
    /// Turns the session's plan cache for simple-protocol statements on or
    /// off (it is on by default); turning it off empties it.
    pub fn set_plan_cache_enabled(&mut self, enabled: bool) {
        self.plan_cache.enabled = enabled;
        if !enabled {
            self.plan_cache.clear();
        }
    }

    /// Whether the session's plan cache is on.
    pub fn plan_cache_enabled(&self) -> bool {
        self.plan_cache.enabled
    }

    /// Hit and miss counts and size of the session's plan cache.
    pub fn plan_cache_stats(&self) -> PlanCacheStats {
        PlanCacheStats {
            hits: self.plan_cache.hits,
            misses: self.plan_cache.misses,
            entries: self.plan_cache.len,
        }
    }

    /// Runs the one statement of `sql` from the plan cache; `None` when the
    /// caller must run it the ordinary way (a miss, or not cacheable).
    pub(super) fn run_cached(
        &mut self,
        sql: &str,
        sink: &mut dyn crate::result_sink::ResultSink,
    ) -> Option<Result<QueryResult>> {
        if !self.plan_cache.enabled {
            return None;
        }
        let usable = match self.status {
            TxnStatus::Idle => true,
            TxnStatus::Failed => false,
            TxnStatus::InBlock => self
                .txn
                .as_ref()
                .is_some_and(|t| t.isolation() == Isolation::ReadCommitted),
        };
        if !usable {
            return None;
        }
        let norm = normalize(sql)?;
        let version = self.search_path().plan_version(self.db.catalog_version());
        match self.plan_cache.lookup(&norm, version) {
            Lookup::Hit(prepared, values) => {
                self.plan_cache.hits += 1;
                Some(self.query_prepared_to(&prepared, &values, sink))
            }
            Lookup::Bypass => {
                self.plan_cache.misses += 1;
                None
            }
            Lookup::Miss { known } => {
                self.plan_cache.misses += 1;
                if !known && !self.plan_cache.seen_before(&norm.key) {
                    return None;
                }
                let entry = analyze::analyze(self, sql, &norm, version);
                self.plan_cache.insert(norm.key, entry);
                None
            }
        }
    }
}
