//! The hash table of a hash aggregate (plain `GROUP BY` and grouping
//! sets), bounded by `work_mem` × `hash_mem_multiplier` as PostgreSQL 15's hash
//! aggregate.
//!
//! Groups are kept in first-seen order with an index by their key
//! ([`row_key_typed`]); their estimated size grows with each new group
//! (its key, values and accumulators) and, for aggregates that keep
//! their inputs (`string_agg`, `array_agg`, the JSON, `DISTINCT` and
//! ordered-set ones), with each input. Once it passes `work_mem` no new
//! group is made: a row of a group already held still feeds it, and a
//! row of any other group is written, with its group's values in front,
//! to the hash-partitioned batches of
//! [`crate::exec::spill::partitions`]. When the input ends the groups
//! held are finished and emitted, then each batch is aggregated the same
//! way with a fresh table (splitting again if it overflows), so every
//! group is finished exactly once. Group values travel with the spilled
//! rows, so grouping expressions are evaluated once per row, as in
//! memory; only the output order of the groups changes (as in
//! PostgreSQL).
//!
//! A group's running states may also come from elsewhere: the groups a
//! parallel worker aggregated on its own ([`crate::exec::gather_stage`]),
//! merged in after the input with [`HashAgg::add_partial`]. A held
//! group merges them; a group not held is made while the table has room,
//! else its states go to the group's batch like its rows would. So each
//! batch entry carries a tag after the group values: an input row
//! (`false`), or a group's states, a count and a value per aggregate
//! (`true`).
//!
//! Aggregates that keep their inputs (`DISTINCT`, `ORDER BY`, the
//! collecting and ordered-set ones) with grouping columns are grouped by
//! sorting instead, as PostgreSQL's planner does for them (a sorted
//! `GroupAggregate`): the rows, each with its group values and their key
//! bytes in front, go through an [`ExternalSort`] by the group values
//! (ascending, `NULL`s last, ties by key bytes), and groups are then
//! finished one at a time as their runs of equal key bytes end. So only
//! one group's accumulators are alive at once, and each keeps its inputs
//! in an [`crate::exec::agg_inputs::AggInputs`] that spills past
//! `work_mem` on its own: memory stays bounded whatever the number or the
//! size of the groups, and groups come out in the order of their values.

use std::cmp::Ordering;

use rocksgres_storage::Transaction;

use crate::error::Result;
use crate::exec::aggregate::{accumulate, finish_group, Accumulator};
use crate::exec::ctx::Ctx;
use crate::exec::group_key::row_key_typed;
use crate::exec::hash_join::{KeyBytes, KeyMap};
use crate::exec::instrument::{kb, AggSpace};
use crate::exec::run::{Flow, Sink};
use crate::exec::spill::external_sort::ExternalSort;
use crate::exec::spill::partitions::{may_split, Partitions, Pending};
use crate::exec::spill::row_codec::row_size;
use crate::exec::spill::SpillEnv;
use crate::plan::node::{AggCall, Node};
use crate::types::{compare_typed, SqlType, Value};

/// The comparison of two sorted-mode entries' group values and key bytes.
type GroupCmp<'p> = Box<dyn FnMut(&[Value], &[Value]) -> Ordering + 'p>;

/// Bytes counted per group besides its key and values (the index entry,
/// the group's vectors).
const GROUP_OVERHEAD: usize = 64;

/// A hash aggregate's groups (see the module docs).
pub struct HashAgg<'p> {
    aggs: &'p [AggCall],
    types: &'p [SqlType],
    env: SpillEnv,
    depth: u32,
    index: KeyMap<usize>,
    groups: Vec<(Vec<Value>, Vec<Accumulator>)>,
    /// The estimated bytes the groups hold.
    mem: usize,
    /// Whether the accumulators grow with their inputs.
    grows: bool,
    spill: Option<Partitions>,
    /// Grouping by sorting (see the module docs): entries are the group
    /// values, their key bytes, then the row.
    sorted: Option<ExternalSort<GroupCmp<'p>>>,
    key: Vec<u8>,
    entry: Vec<Value>,
}

/// Compares group values (ascending, `NULL`s last), then key bytes.
fn group_cmp(types: &[SqlType], a: &[Value], b: &[Value]) -> Ordering {
    for (i, ty) in types.iter().enumerate() {
        let o = match (a[i].is_null(), b[i].is_null()) {
            (true, true) => Ordering::Equal,
            (true, false) => Ordering::Greater,
            (false, true) => Ordering::Less,
            (false, false) => compare_typed(ty, &a[i], &b[i]).unwrap_or(Ordering::Equal),
        };
        if o != Ordering::Equal {
            return o;
        }
    }
    match (&a[types.len()], &b[types.len()]) {
        (Value::Bytea(x), Value::Bytea(y)) => x.cmp(y),
        _ => Ordering::Equal,
    }
}

impl<'p> HashAgg<'p> {
    /// An empty table for `aggs` over group values of types `types`, at
    /// split level `depth` (0 for the operator's input).
    pub fn new(aggs: &'p [AggCall], types: &'p [SqlType], env: SpillEnv, depth: u32) -> Self {
        let grows = aggs
            .iter()
            .any(|a| a.distinct || a.func.collects() || a.func.is_ordered_set());
        let sorted = (grows && !types.is_empty()).then(|| {
            let cmp: GroupCmp<'p> =
                Box::new(move |a: &[Value], b: &[Value]| group_cmp(types, a, b));
            ExternalSort::new(env.clone(), types.len() + 1, cmp)
        });
        HashAgg {
            aggs,
            types,
            env,
            depth,
            index: KeyMap::default(),
            groups: Vec::new(),
            mem: 0,
            grows,
            spill: None,
            sorted,
            key: Vec::new(),
            entry: Vec::new(),
        }
    }

    /// Feeds input `row` to the group `gvals` (one value per type), or
    /// writes both to a batch when the table is full and lacks the group.
    pub fn add<T: Transaction>(
        &mut self,
        gvals: &[Value],
        row: &[Value],
        ctx: &mut Ctx<'_, T>,
    ) -> Result<()> {
        if let Some(sort) = &mut self.sorted {
            row_key_typed(gvals, self.types, &mut self.key);
            let mut entry = Vec::with_capacity(gvals.len() + 1 + row.len());
            entry.extend_from_slice(gvals);
            entry.push(Value::Bytea(self.key.clone()));
            entry.extend_from_slice(row);
            return sort.push(entry, &mut ctx.interrupt);
        }
        if gvals.is_empty() && self.groups.len() == 1 {
            // Without grouping columns there is one group: no key to look up.
            accumulate(&mut self.groups[0].1, self.aggs, row, ctx)?;
            if self.grows {
                self.mem += row_size(row);
            }
            return Ok(());
        }
        row_key_typed(gvals, self.types, &mut self.key);
        let slot = match self.index.get(self.key.as_slice()) {
            Some(&i) => i,
            None => {
                if self.is_full() {
                    return self.spill_group(gvals, false, row);
                }
                let accs = self
                    .aggs
                    .iter()
                    .map(|a| Accumulator::within(a, Some(&self.env)))
                    .collect();
                self.new_group(gvals, accs)
            }
        };
        accumulate(&mut self.groups[slot].1, self.aggs, row, ctx)?;
        if self.grows {
            self.mem += row_size(row);
        }
        Ok(())
    }

    /// Merges the states `accs` of group `gvals` from elsewhere (a
    /// parallel worker's partial aggregate, see
    /// [`crate::exec::gather_stage`]): into the group when it is held, as
    /// a new group while the table has room, else into the group's batch,
    /// where the rows of a group not held go (each batch entry is tagged:
    /// an input row, or a group's states).
    ///
    /// `states` holds a count and a value per aggregate
    /// ([`Accumulator::into_partial`]).
    pub fn add_partial(&mut self, gvals: &[Value], states: &[Value]) -> Result<()> {
        row_key_typed(gvals, self.types, &mut self.key);
        let accs = self.aggs.iter().zip(states.chunks(2)).map(|(call, s)| {
            Accumulator::from_partial(call, &s[0], s.get(1).cloned().unwrap_or(Value::Null))
        });
        if let Some(&i) = self.index.get(self.key.as_slice()) {
            for (acc, other) in self.groups[i].1.iter_mut().zip(accs) {
                acc.merge(other)?;
            }
            return Ok(());
        }
        if self.is_full() {
            return self.spill_group(gvals, true, states);
        }
        self.new_group(gvals, accs.collect());
        Ok(())
    }

    /// Whether a group not held goes to a batch instead of the table
    /// (past the memory, at a level that may split again).
    fn is_full(&self) -> bool {
        self.mem > self.env.hash_mem() && may_split(self.depth)
    }

    /// Writes to the batch of the group whose key is in `self.key` its
    /// values `gvals`, the tag (`partial`: states, else an input row) and
    /// `payload`.
    fn spill_group(&mut self, gvals: &[Value], partial: bool, payload: &[Value]) -> Result<()> {
        let parts = self
            .spill
            .get_or_insert_with(|| Partitions::new(&self.env, self.depth));
        self.entry.clear();
        self.entry.extend_from_slice(gvals);
        self.entry.push(Value::Bool(partial));
        self.entry.extend_from_slice(payload);
        parts.push(&self.key, &self.entry)
    }

    /// Holds the group `gvals` (its key in `self.key`) with `accs`,
    /// counting its memory; gives its slot.
    fn new_group(&mut self, gvals: &[Value], accs: Vec<Accumulator>) -> usize {
        self.mem += 2 * self.key.len()
            + row_size(gvals)
            + GROUP_OVERHEAD
            + self.aggs.len() * std::mem::size_of::<Accumulator>();
        self.index
            .insert(KeyBytes::from_slice(&self.key), self.groups.len());
        self.groups.push((gvals.to_vec(), accs));
        self.groups.len() - 1
    }

    /// Makes the group `gvals` if it is not there (an aggregate without
    /// `GROUP BY`, or an empty grouping set, over no input rows).
    pub fn ensure_group(&mut self, gvals: &[Value]) {
        row_key_typed(gvals, self.types, &mut self.key);
        if !self.index.contains_key(self.key.as_slice()) {
            self.index
                .insert(KeyBytes::from_slice(&self.key), self.groups.len());
            self.groups.push((
                gvals.to_vec(),
                self.aggs
                    .iter()
                    .map(|a| Accumulator::within(a, Some(&self.env)))
                    .collect(),
            ));
        }
    }

    /// Whether rows went to temporary batches.
    pub fn is_spilled(&self) -> bool {
        self.spill.is_some() || self.sorted.as_ref().is_some_and(ExternalSort::is_spilled)
    }

    /// Finishes and emits every group: those held, then those of each
    /// spilled batch.
    ///
    /// Under EXPLAIN ANALYZE, what a hashed aggregate used (its batches,
    /// peak memory and disk) is counted for `counted`, its plan node.
    pub fn finish<'a, T: Transaction>(
        mut self,
        ctx: &mut Ctx<'a, T>,
        sink: &mut Sink<'_, 'a, T>,
        counted: Option<&Node>,
    ) -> Result<Flow> {
        if let Some(sort) = self.sorted.take() {
            // Groups made without input (`ensure_group`), then the sorted
            // groups.
            if self.emit(ctx, sink)?.is_none() {
                return Ok(Flow::Stop);
            }
            return self.finish_sorted(sort, ctx, sink);
        }
        let mut used = AggSpace::default();
        let flow = self.finish_hashed(ctx, sink, &mut used);
        if let (Some(node), true) = (counted, ctx.instrument.is_some()) {
            crate::exec::instrument::hash_aggregated(ctx, node, used);
        }
        flow
    }

    /// Emits the groups held, then aggregates each spilled batch in turn;
    /// `used` gets the batches, the peak memory and the disk they took.
    fn finish_hashed<'a, T: Transaction>(
        mut self,
        ctx: &mut Ctx<'a, T>,
        sink: &mut Sink<'_, 'a, T>,
        used: &mut AggSpace,
    ) -> Result<Flow> {
        let mut pending = Pending::default();
        let width = self.types.len();
        let mut entry = Vec::new();
        used.batches = 1;
        loop {
            used.kb = used.kb.max(kb(self.mem));
            let spill = self.emit(ctx, sink)?;
            let Some(spill) = spill else {
                return Ok(Flow::Stop);
            };
            if let Some(parts) = spill {
                pending.add(parts);
            }
            let Some((mut batch, depth)) = pending.next_batch() else {
                return Ok(Flow::Continue);
            };
            used.batches += 1;
            used.disk_kb += kb(batch.file_bytes() as usize);
            self = HashAgg::new(self.aggs, self.types, self.env.clone(), depth);
            while batch.next_into(&mut entry)? {
                ctx.check_interrupt()?;
                let (gvals, rest) = entry.split_at(width);
                match rest.split_first() {
                    Some((Value::Bool(false), row)) => self.add(gvals, row, ctx)?,
                    Some((Value::Bool(true), states)) => self.add_partial(gvals, states)?,
                    _ => {
                        return Err(crate::error::EngineError::internal(
                            "hash aggregate batch entry without its tag",
                        ))
                    }
                }
            }
        }
    }

    /// Finishes the groups of the sorted entries one at a time, as each
    /// run of equal key bytes ends.
    fn finish_sorted<'a, T: Transaction>(
        &self,
        sort: ExternalSort<GroupCmp<'p>>,
        ctx: &mut Ctx<'a, T>,
        sink: &mut Sink<'_, 'a, T>,
    ) -> Result<Flow> {
        let width = self.types.len();
        let mut rows = sort.finish(&mut ctx.interrupt)?;
        let mut e = Vec::new();
        let mut out = Vec::new();
        let mut current: Option<(Value, Vec<Accumulator>)> = None;
        loop {
            let more = rows.next_into(&mut e)?;
            ctx.check_interrupt()?;
            let same = more && current.as_ref().is_some_and(|(k, _)| *k == e[width]);
            if !same {
                if let Some((_, accs)) = current.take() {
                    finish_group(accs, self.aggs, &mut out, ctx)?;
                    if sink(ctx, &out)? == Flow::Stop {
                        return Ok(Flow::Stop);
                    }
                }
                if !more {
                    return Ok(Flow::Continue);
                }
                out.clear();
                out.extend_from_slice(&e[..width]);
                let accs = self
                    .aggs
                    .iter()
                    .map(|a| Accumulator::within(a, Some(&self.env)))
                    .collect();
                current = Some((e[width].clone(), accs));
            }
            if let Some((_, accs)) = &mut current {
                accumulate(accs, self.aggs, &e[width + 1..], ctx)?;
            }
        }
    }

    /// Emits the groups held; `None` when the sink stopped, else the
    /// batches spilled.
    #[allow(clippy::type_complexity)]
    fn emit<'a, T: Transaction>(
        &mut self,
        ctx: &mut Ctx<'a, T>,
        sink: &mut Sink<'_, 'a, T>,
    ) -> Result<Option<Option<Partitions>>> {
        self.index = KeyMap::default();
        let mut out = Vec::new();
        for (g, accs) in std::mem::take(&mut self.groups) {
            ctx.check_interrupt()?;
            out.clear();
            out.extend(g);
            finish_group(accs, self.aggs, &mut out, ctx)?;
            if sink(ctx, &out)? == Flow::Stop {
                return Ok(None);
            }
        }
        Ok(Some(self.spill.take()))
    }
}
