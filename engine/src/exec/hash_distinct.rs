//! Hashed duplicate removal bounded by the hash memory limit
//! (`work_mem` × `hash_mem_multiplier`, [`SpillEnv::hash_mem`]): `DISTINCT`,
//! `DISTINCT ON` and `UNION` (without `ALL`).
//!
//! A [`DistinctSet`] holds the keys ([`row_key_typed`]) of the rows
//! emitted so far. A row whose key it holds is a duplicate; a new key is
//! remembered and its row emitted at once, while the keys' estimated
//! size stays within `work_mem`. Past it no key is added: the rows of new
//! keys go to the hash-partitioned batches of
//! [`crate::exec::spill::partitions`] (all rows of one key to one
//! batch, in input order). When the input ends [`drain`] runs each batch
//! through a fresh set the same way (splitting again when it overflows),
//! so every key is emitted exactly once, by its first row.
//!
//! `DISTINCT ON` keeps the first row of each key *in input order* (its
//! input is sorted), and so must emit in that order: the rows emitted
//! before the set filled come first in the input anyway (once it is full
//! nothing more is emitted from the input), and the first rows found in
//! the batches carry their input position, by which an external sort
//! puts them back in order ([`run_distinct`]).

use std::collections::HashSet;

use rocksgres_storage::Transaction;

use crate::error::Result;
use crate::exec::ctx::Ctx;
use crate::exec::group_key::row_key_typed;
use crate::exec::instrument::{kb, AggSpace};
use crate::exec::run::{run, Flow, Sink};
use crate::exec::spill::external_sort::ExternalSort;
use crate::exec::spill::partitions::{may_split, Partitions, Pending};
use crate::exec::spill::SpillEnv;
use crate::plan::expr::Expr;
use crate::plan::node::Node;
use crate::types::{SqlType, Value};

/// Bytes counted per key besides its own (the set's entry).
const KEY_OVERHEAD: usize = 48;

/// What [`DistinctSet::offer`] made of a row.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Offer {
    /// A new key: emit the row.
    New,
    /// A key seen before: drop the row.
    Duplicate,
    /// A key not held, written to a batch.
    Spilled,
}

/// The keys seen (see the module docs).
pub struct DistinctSet {
    env: SpillEnv,
    depth: u32,
    seen: HashSet<Vec<u8>>,
    mem: usize,
    spill: Option<Partitions>,
}

impl DistinctSet {
    /// An empty set at split level `depth` (0 for the operator's input).
    pub fn new(env: SpillEnv, depth: u32) -> Self {
        DistinctSet {
            env,
            depth,
            seen: HashSet::new(),
            mem: 0,
            spill: None,
        }
    }

    /// Looks up `key`; a new key is remembered, or, when the set is full,
    /// `entry` is written to its batch.
    pub fn offer(&mut self, key: &[u8], entry: &[Value]) -> Result<Offer> {
        if self.seen.contains(key) {
            return Ok(Offer::Duplicate);
        }
        if self.mem > self.env.hash_mem() && may_split(self.depth) {
            let parts = self
                .spill
                .get_or_insert_with(|| Partitions::new(&self.env, self.depth));
            parts.push(key, entry)?;
            return Ok(Offer::Spilled);
        }
        self.mem += 2 * key.len() + KEY_OVERHEAD;
        self.seen.insert(key.to_vec());
        Ok(Offer::New)
    }

    /// Whether rows went to temporary batches.
    pub fn is_spilled(&self) -> bool {
        self.spill.is_some()
    }

    /// The estimated bytes the keys held take.
    pub fn memory(&self) -> usize {
        self.mem
    }
}

/// The key of a row, by its `DISTINCT ON` expressions or all its
/// columns.
pub struct KeyOf<'p> {
    on: &'p [Expr],
    types: Vec<SqlType>,
    vals: Vec<Value>,
}

impl<'p> KeyOf<'p> {
    /// Keys by `on` (empty: the whole row, of types `types`).
    pub fn new(on: &'p [Expr], types: Vec<SqlType>) -> Self {
        KeyOf {
            on,
            types,
            vals: Vec::new(),
        }
    }

    /// Writes the key of `row` to `key`.
    pub fn key<T: Transaction>(
        &mut self,
        row: &[Value],
        ctx: &mut Ctx<'_, T>,
        key: &mut Vec<u8>,
    ) -> Result<()> {
        if self.on.is_empty() {
            let width = self.types.len().min(row.len());
            row_key_typed(&row[..width], &self.types, key);
            return Ok(());
        }
        self.vals.clear();
        for e in self.on {
            self.vals.push(e.eval(row, ctx)?);
        }
        row_key_typed(&self.vals, &self.types, key);
        Ok(())
    }
}

/// Emits the first row of each key found in the batches of `set` (and
/// of the batches they split into); `emit` gets each such row.
///
/// `used` (its batches, peak memory and disk) grows with each batch.
pub fn drain<'a, T: Transaction>(
    set: DistinctSet,
    key_of: &mut KeyOf<'_>,
    ctx: &mut Ctx<'a, T>,
    emit: &mut Sink<'_, 'a, T>,
    used: &mut AggSpace,
) -> Result<Flow> {
    let env = set.env.clone();
    let mut pending = Pending::default();
    if let Some(parts) = set.spill {
        pending.add(parts);
    }
    let mut row = Vec::new();
    let mut key = Vec::new();
    while let Some((mut batch, depth)) = pending.next_batch() {
        used.batches += 1;
        used.disk_kb += kb(batch.file_bytes() as usize);
        let mut set = DistinctSet::new(env.clone(), depth);
        while batch.next_into(&mut row)? {
            ctx.check_interrupt()?;
            key_of.key(&row, ctx, &mut key)?;
            if set.offer(&key, &row)? == Offer::New && emit(ctx, &row)? == Flow::Stop {
                return Ok(Flow::Stop);
            }
        }
        drop(batch);
        used.kb = used.kb.max(kb(set.mem));
        if let Some(parts) = set.spill {
            pending.add(parts);
        }
    }
    Ok(Flow::Continue)
}

/// Runs `DISTINCT` (`on` empty) or `DISTINCT ON (on)` over `input`;
/// under EXPLAIN ANALYZE, what a `DISTINCT` used is counted for `node`
/// (its plan node), as a hashed aggregate's is.
pub fn run_distinct<'a, T: Transaction>(
    node: &Node,
    input: &Node,
    on: &[Expr],
    ctx: &mut Ctx<'a, T>,
    sink: &mut Sink<'_, 'a, T>,
) -> Result<Flow> {
    let mut used = AggSpace::default();
    let flow = distinct(input, on, ctx, sink, &mut used);
    if on.is_empty() && ctx.instrument.is_some() {
        crate::exec::instrument::hash_aggregated(ctx, node, used);
    }
    flow
}

fn distinct<'a, T: Transaction>(
    input: &Node,
    on: &[Expr],
    ctx: &mut Ctx<'a, T>,
    sink: &mut Sink<'_, 'a, T>,
    used: &mut AggSpace,
) -> Result<Flow> {
    let types: Vec<_> = if on.is_empty() {
        input.columns().iter().map(|c| c.ty).collect()
    } else {
        on.iter().map(|e| e.ty()).collect()
    };
    let width = input.columns().len();
    let mut key_of = KeyOf::new(on, types);
    let env = ctx.spill_env();
    let mut set = DistinctSet::new(env.clone(), 0);
    let mut key = Vec::new();
    // DISTINCT ON: a spilled row carries its input position last.
    let ordered = !on.is_empty();
    let mut entry = Vec::new();
    let mut seq = 0i64;
    let flow = run(input, ctx, &mut |ctx, row| {
        key_of.key(row, ctx, &mut key)?;
        let spilled = if ordered {
            entry.clear();
            entry.extend_from_slice(row);
            entry.push(Value::Int8(seq));
            seq += 1;
            &entry[..]
        } else {
            row
        };
        match set.offer(&key, spilled)? {
            Offer::New => sink(ctx, row),
            Offer::Duplicate | Offer::Spilled => Ok(Flow::Continue),
        }
    })?;
    used.batches = 1;
    used.kb = kb(set.mem);
    if flow == Flow::Stop || !set.is_spilled() {
        return Ok(flow);
    }
    if !ordered {
        return drain(set, &mut key_of, ctx, sink, used);
    }
    // Back in input order: sort the batches' first rows by position.
    let mut sort = ExternalSort::new(env, 1, |a: &[Value], b: &[Value]| {
        a[0].as_i64().cmp(&b[0].as_i64())
    });
    drain(
        set,
        &mut key_of,
        ctx,
        &mut |ctx, row| {
            let mut e = Vec::with_capacity(row.len());
            e.push(row[width].clone());
            e.extend_from_slice(&row[..width]);
            sort.push(e, &mut ctx.interrupt)?;
            Ok(Flow::Continue)
        },
        used,
    )?;
    let mut rows = sort.finish(&mut ctx.interrupt)?;
    let mut e = Vec::new();
    while rows.next_into(&mut e)? {
        ctx.check_interrupt()?;
        if sink(ctx, &e[1..])? == Flow::Stop {
            return Ok(Flow::Stop);
        }
    }
    Ok(Flow::Continue)
}
