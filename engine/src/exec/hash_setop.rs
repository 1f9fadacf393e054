//! `UNION`, `INTERSECT` and `EXCEPT` (with and without `ALL`), hashed and
//! bounded by `work_mem` × `hash_mem_multiplier`.
//!
//! `UNION ALL` appends its inputs. `UNION` removes duplicates from both
//! inputs through one [`DistinctSet`] (spilling as `DISTINCT` does).
//! `INTERSECT` and `EXCEPT` count, per key, the rows of each input and
//! keep the first left row, as PostgreSQL's `HashSetOp`: once both
//! inputs are read, a key's row is emitted `min(left, right)` times
//! (`INTERSECT ALL`), `max(left - right, 0)` times (`EXCEPT ALL`), or
//! once when the counts say so (without `ALL`). Past `work_mem` no key
//! is added to the table: the rows of keys it lacks go, with their
//! counts so far, to the hash-partitioned batches of
//! [`crate::exec::spill::partitions`], and each batch is counted and
//! emitted on its own afterwards (splitting again if it overflows), so
//! every key's counts are complete when it is emitted.

use std::collections::HashMap;

use rocksgres_storage::Transaction;

use crate::error::Result;
use crate::exec::ctx::Ctx;
use crate::exec::group_key::row_key_typed;
use crate::exec::hash_distinct::{drain, DistinctSet, KeyOf, Offer};
use crate::exec::instrument::{kb, AggSpace};
use crate::exec::run::{run, Flow, Sink};
use crate::exec::spill::partitions::{may_split, Partitions, Pending};
use crate::exec::spill::row_codec::row_size;
use crate::exec::spill::SpillEnv;
use crate::plan::node::{Node, SetOpKind};
use crate::types::Value;

/// Bytes counted per key besides its own and its row.
const ENTRY_OVERHEAD: usize = 64;

/// Runs a set operation (see the module docs); under EXPLAIN ANALYZE,
/// what a UNION's hash table used is counted for `node`, its plan node,
/// as a hashed aggregate's is.
pub fn run_set_op<'a, T: Transaction>(
    node: &Node,
    left: &Node,
    right: &Node,
    kind: SetOpKind,
    all: bool,
    ctx: &mut Ctx<'a, T>,
    sink: &mut Sink<'_, 'a, T>,
) -> Result<Flow> {
    let mut key = Vec::new();
    let types: Vec<_> = left.columns().iter().map(|c| c.ty).collect();
    let env = ctx.spill_env();
    if kind == SetOpKind::Union {
        if all {
            if run(left, ctx, sink)? == Flow::Stop {
                return Ok(Flow::Stop);
            }
            return run(right, ctx, sink);
        }
        let mut set = DistinctSet::new(env, 0);
        for side in [left, right] {
            let flow = run(side, ctx, &mut |ctx, row| {
                row_key_typed(row, &types, &mut key);
                match set.offer(&key, row)? {
                    Offer::New => sink(ctx, row),
                    Offer::Duplicate | Offer::Spilled => Ok(Flow::Continue),
                }
            })?;
            if flow == Flow::Stop {
                return Ok(Flow::Stop);
            }
        }
        let mut used = AggSpace {
            batches: 1,
            kb: kb(set.memory()),
            disk_kb: 0,
        };
        let flow = drain(set, &mut KeyOf::new(&[], types), ctx, sink, &mut used);
        if ctx.instrument.is_some() {
            crate::exec::instrument::hash_aggregated(ctx, node, used);
        }
        return flow;
    }
    let mut table = Counts::new(env, 0);
    run(right, ctx, &mut |_, row| {
        row_key_typed(row, &types, &mut key);
        table.add(&key, 0, 1, row)?;
        Ok(Flow::Continue)
    })?;
    run(left, ctx, &mut |_, row| {
        row_key_typed(row, &types, &mut key);
        table.add(&key, 1, 0, row)?;
        Ok(Flow::Continue)
    })?;
    let mut pending = Pending::default();
    let mut entry = Vec::new();
    loop {
        let Some(spill) = table.emit(kind, all, ctx, sink)? else {
            return Ok(Flow::Stop);
        };
        if let Some(parts) = spill {
            pending.add(parts);
        }
        let Some((mut batch, depth)) = pending.next_batch() else {
            return Ok(Flow::Continue);
        };
        table = Counts::new(table.env.clone(), depth);
        while batch.next_into(&mut entry)? {
            ctx.check_interrupt()?;
            let l = entry[0].as_i64().unwrap_or(0);
            let r = entry[1].as_i64().unwrap_or(0);
            row_key_typed(&entry[2..], &types, &mut key);
            table.add(&key, l, r, &entry[2..])?;
        }
    }
}

/// One key's counts and its first left row.
struct Entry {
    left: i64,
    right: i64,
    row: Option<Vec<Value>>,
}

/// The counts of `INTERSECT` / `EXCEPT` by key, in first-seen order.
struct Counts {
    env: SpillEnv,
    depth: u32,
    index: HashMap<Vec<u8>, usize>,
    entries: Vec<Entry>,
    mem: usize,
    spill: Option<Partitions>,
    spilled: Vec<Value>,
}

impl Counts {
    fn new(env: SpillEnv, depth: u32) -> Self {
        Counts {
            env,
            depth,
            index: HashMap::new(),
            entries: Vec::new(),
            mem: 0,
            spill: None,
            spilled: Vec::new(),
        }
    }

    /// Adds `left` and `right` rows of key `key` (`row` one of them).
    fn add(&mut self, key: &[u8], left: i64, right: i64, row: &[Value]) -> Result<()> {
        if let Some(&i) = self.index.get(key) {
            let e = &mut self.entries[i];
            e.left += left;
            e.right += right;
            if e.row.is_none() && left > 0 {
                self.mem += row_size(row);
                e.row = Some(row.to_vec());
            }
            return Ok(());
        }
        if self.mem > self.env.hash_mem() && may_split(self.depth) {
            let parts = self
                .spill
                .get_or_insert_with(|| Partitions::new(&self.env, self.depth));
            self.spilled.clear();
            self.spilled.push(Value::Int8(left));
            self.spilled.push(Value::Int8(right));
            self.spilled.extend_from_slice(row);
            return parts.push(key, &self.spilled);
        }
        self.mem += 2 * key.len() + ENTRY_OVERHEAD;
        if left > 0 {
            self.mem += row_size(row);
        }
        self.index.insert(key.to_vec(), self.entries.len());
        self.entries.push(Entry {
            left,
            right,
            row: (left > 0).then(|| row.to_vec()),
        });
        Ok(())
    }

    /// Emits the rows of the keys held; `None` when the sink stopped,
    /// else the batches spilled.
    #[allow(clippy::type_complexity)]
    fn emit<'a, T: Transaction>(
        &mut self,
        kind: SetOpKind,
        all: bool,
        ctx: &mut Ctx<'a, T>,
        sink: &mut Sink<'_, 'a, T>,
    ) -> Result<Option<Option<Partitions>>> {
        self.index = HashMap::new();
        for e in std::mem::take(&mut self.entries) {
            ctx.check_interrupt()?;
            let Some(row) = e.row else {
                continue;
            };
            let times = match (kind, all) {
                (SetOpKind::Intersect, true) => e.left.min(e.right),
                (SetOpKind::Intersect, false) => i64::from(e.right > 0),
                (_, true) => (e.left - e.right).max(0),
                (_, false) => i64::from(e.right == 0),
            };
            for _ in 0..times {
                ctx.check_interrupt()?;
                if sink(ctx, &row)? == Flow::Stop {
                    return Ok(None);
                }
            }
        }
        Ok(Some(self.spill.take()))
    }
}
