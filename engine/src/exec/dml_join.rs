//! The hash join under `UPDATE ... FROM`, `DELETE ... USING` and MERGE:
//! the build side (the FROM or source rows) in memory, or in batches when
//! it passes the hash table's memory; and the target's scan, counted for
//! EXPLAIN ANALYZE.
//!
//! The target's scan is the probe side, and each of its rows comes with its
//! key (the statement changes the row through it), so these statements do
//! not run through the general hash join ([`crate::exec::hash_join`]) but
//! through [`join_target`]:
//!
//! * The build rows go into a hash table ([`Build`]) while it holds at
//!   most `work_mem` × `hash_mem_multiplier`. Past that, the rows read so
//!   far and the rest are split by a hash of their join key into
//!   [`FANOUT`] batches ([`TupleStore`]s, in temporary files past their
//!   share of `work_mem`); rows with a NULL key match nothing and are kept
//!   aside only when the caller wants its unmatched rows (MERGE's WHEN NOT
//!   MATCHED).
//! * One scan of the target then splits its rows the same way, each with
//!   its key (a `bytea` after its columns). A row whose join key is NULL,
//!   or whose batch holds no build row, matches nothing and is dropped.
//! * Each batch is joined in turn: its build rows go into a hash table a
//!   chunk at a time, as many as the memory holds (a batch of one key may
//!   not fit at once), and the batch's target rows probe each chunk. The
//!   build rows of a chunk no probe matched follow it, then those with a
//!   NULL key.
//!
//! Memory stays bounded and the time linear in the two inputs for keys of
//! a few rows each; before, such a statement fell back to a nested loop
//! that ran the FROM plan once per target row. A target row's pairs all
//! come from its batch; only in a batch that takes several chunks may they
//! come from different chunks, not one after another: callers that need
//! each target row once remember the keys of such batches they saw.

use rocksgres_storage::Transaction;

use crate::error::{EngineError, Result};
use crate::exec::ctx::Ctx;
use crate::exec::hash_join::{Build, JoinSpec};
use crate::exec::instrument::{hashed, kb, HashSpace, ScanTimer};
use crate::exec::run::{run, Flow};
use crate::exec::scan::{scan_rows, RowSink};
use crate::exec::spill::partitions::{batch_of, stores, FANOUT};
use crate::exec::spill::TupleStore;
use crate::plan::node::{Node, ScanPlan};
use crate::types::Value;

/// Runs `scan` through [`scan_rows`], EXPLAIN ANALYZE counting its rows
/// and its time less what `f` took.
pub(crate) fn counted_scan<'a, T: Transaction>(
    scan: &ScanPlan,
    ctx: &mut Ctx<'a, T>,
    f: &mut RowSink<'_, 'a, T>,
) -> Result<()> {
    let mut timer = ScanTimer::start(ctx);
    scan_rows(scan, ctx, &mut |ctx, key, row| {
        let Some(t) = timer.as_mut() else {
            return f(ctx, key, row);
        };
        let since = t.row();
        let flow = f(ctx, key, row);
        if let Some(t) = timer.as_mut() {
            t.back(since);
        }
        flow
    })?;
    if let Some(t) = timer {
        t.finish(ctx, scan);
    }
    Ok(())
}

/// Joins the target rows of `scan` with the build rows of `input` on the
/// keys of `spec` (see the module docs): in one hash table, or in batches
/// past memory. Each pair goes to `emit` (one answering [`Flow::Stop`] ends
/// its target row's probe of that table), then, when `unkeyed`, each build
/// row no target row matched. Gives whether the pairs of each target row
/// came one after another.
pub(crate) fn join_target<'a, T: Transaction>(
    scan: &ScanPlan,
    input: &Node,
    spec: &mut JoinSpec<'_>,
    unkeyed: bool,
    ctx: &mut Ctx<'a, T>,
    emit: &mut dyn FnMut(&mut Ctx<'a, T>, Emitted<'_>) -> Result<Flow>,
) -> Result<bool> {
    let table = match read_build(input, spec, unkeyed, ctx)? {
        BuildSide::Memory(table) => table,
        BuildSide::Batches(batches) => return batches.join(scan, input, spec, ctx, emit),
    };
    let mut marks = vec![false; if unkeyed { table.row_count() } else { 0 }];
    counted_scan(scan, ctx, &mut |ctx, key, row| {
        ctx.check_interrupt()?;
        if !spec.encode_key(false, row, ctx)? {
            return Ok(Flow::Continue);
        }
        table.probe(row, true, spec, &mut marks, ctx, &mut |ctx, both| {
            emit(ctx, Emitted::Pair(key, both, true))
        })?;
        Ok(Flow::Continue)
    })?;
    emit_unmatched(&table, &marks, ctx, emit).map(|()| true)
}

/// Passes the rows of `table` that `marks` (one per row, or none when the
/// unmatched rows are not wanted) left unmarked to `emit`.
fn emit_unmatched<'a, T: Transaction>(
    table: &Build,
    marks: &[bool],
    ctx: &mut Ctx<'a, T>,
    emit: &mut dyn FnMut(&mut Ctx<'a, T>, Emitted<'_>) -> Result<Flow>,
) -> Result<()> {
    let mut row = Vec::new();
    for (i, _) in marks.iter().enumerate().filter(|(_, m)| !**m) {
        ctx.check_interrupt()?;
        table.row_vec(i, &mut row)?;
        emit(ctx, Emitted::Unmatched(&row))?;
    }
    Ok(())
}

/// The build side, as [`read_build`] read it.
enum BuildSide {
    /// In one hash table.
    Memory(Build),
    /// Past memory: in batches.
    Batches(Box<Batches>),
}

/// What a batched join passes on.
pub(crate) enum Emitted<'r> {
    /// A target row's key, the joined row (the target row, then the
    /// build row), and whether the target row's batch fits in one chunk
    /// (so all its pairs come one after another, in one probe).
    Pair(&'r [u8], &'r [Value], bool),
    /// A build row that matched no target row (only when asked for).
    Unmatched(&'r [Value]),
}

/// Reads the rows of `input`, the build side of `spec`, into a hash table,
/// or into batches once they pass `work_mem` × `hash_mem_multiplier`; rows
/// with a NULL key (which join nothing) are kept only when `unkeyed`.
/// Under EXPLAIN ANALYZE, records what the table held for `input`'s
/// `Hash` node.
fn read_build<T: Transaction>(
    input: &Node,
    spec: &mut JoinSpec<'_>,
    unkeyed: bool,
    ctx: &mut Ctx<'_, T>,
) -> Result<BuildSide> {
    let limit = ctx.spill_env().hash_mem();
    let mut table = Build::default();
    let mut batches: Option<Batches> = None;
    run(input, ctx, &mut |ctx, row| {
        let keyed = spec.encode_key(true, row, ctx)?;
        if !keyed && !unkeyed {
            return Ok(Flow::Continue);
        }
        if let Some(b) = batches.as_mut() {
            b.push(row, keyed, &spec.key)?;
            return Ok(Flow::Continue);
        }
        table.add(row, keyed, &spec.key)?;
        if table.mem > limit {
            let held = std::mem::take(&mut table);
            batches = Some(Batches::from_build(held, unkeyed, ctx)?);
        }
        Ok(Flow::Continue)
    })?;
    if let Some(b) = batches {
        return Ok(BuildSide::Batches(Box::new(b)));
    }
    let space = HashSpace {
        buckets: table.buckets() as u64,
        batches: 1,
        kb: kb(table.mem),
    };
    hashed(ctx, input, space);
    Ok(BuildSide::Memory(table))
}

/// The build side split by key hash (see the module docs).
struct Batches {
    build: Vec<TupleStore>,
    /// The rows with a NULL key, when the caller wants the unmatched rows.
    unkeyed: Option<TupleStore>,
}

impl Batches {
    /// Splits the rows of `table` into batches by the keys it holds.
    fn from_build<T: Transaction>(
        table: Build,
        unkeyed: bool,
        ctx: &mut Ctx<'_, T>,
    ) -> Result<Batches> {
        let env = ctx.spill_env();
        let mut b = Batches {
            build: stores(&env),
            unkeyed: unkeyed.then(|| TupleStore::new(env.clone())),
        };
        let mut row = Vec::new();
        for i in 0..table.row_count() {
            ctx.check_interrupt()?;
            table.row_vec(i, &mut row)?;
            match table.key(i)? {
                Some(key) => b.push(&row, true, key)?,
                None => b.push(&row, false, &[])?,
            }
        }
        Ok(b)
    }

    /// Adds a build row whose key is `key` (`keyed` false: a NULL key).
    fn push(&mut self, row: &[Value], keyed: bool, key: &[u8]) -> Result<()> {
        if keyed {
            return self.build[batch_of(key, 0)].push(row);
        }
        match &mut self.unkeyed {
            Some(s) => s.push(row),
            None => Ok(()),
        }
    }

    /// Joins the rows of the target's `scan` with the batches (see the
    /// module docs), passing each pair and, when NULL-keyed rows were
    /// kept, each unmatched build row to `emit`. A pair whose `emit`
    /// answers [`Flow::Stop`] ends its target row's probe of that chunk.
    /// `input` is the build side's node, whose `Hash` shows the largest
    /// chunk under EXPLAIN ANALYZE. Gives whether every batch fit in one
    /// chunk (then the pairs of each target row came one after another).
    fn join<'a, T: Transaction>(
        self,
        scan: &ScanPlan,
        input: &Node,
        spec: &mut JoinSpec<'_>,
        ctx: &mut Ctx<'a, T>,
        emit: &mut dyn FnMut(&mut Ctx<'a, T>, Emitted<'_>) -> Result<Flow>,
    ) -> Result<bool> {
        let env = ctx.spill_env();
        let mut probe = stores(&env);
        let mut buf = Vec::new();
        counted_scan(scan, ctx, &mut |ctx, key, row| {
            ctx.check_interrupt()?;
            if !spec.encode_key(false, row, ctx)? {
                return Ok(Flow::Continue);
            }
            let i = batch_of(&spec.key, 0);
            if !self.build[i].is_empty() {
                buf.clear();
                buf.extend_from_slice(row);
                buf.push(Value::Bytea(key.to_vec()));
                probe[i].push(&buf)?;
            }
            Ok(Flow::Continue)
        })?;
        let limit = env.hash_mem();
        let outer = self.unkeyed.is_some();
        let mut row = Vec::new();
        let mut prow = Vec::new();
        let mut grouped = true;
        for (mut build, mut probe) in self.build.into_iter().zip(probe) {
            build.rewind();
            let mut more = !build.is_empty();
            let mut first = true;
            while more {
                // One chunk of the batch's build rows.
                let mut table = Build::default();
                more = false;
                while build.next_into(&mut row)? {
                    ctx.check_interrupt()?;
                    let keyed = spec.encode_key(true, &row, ctx)?;
                    table.add(&row, keyed, &spec.key)?;
                    if table.mem > limit {
                        more = true;
                        break;
                    }
                }
                // One chunk holds the whole batch.
                let alone = first && !more;
                first = false;
                grouped &= alone;
                let space = HashSpace {
                    buckets: table.buckets() as u64,
                    batches: FANOUT as u64,
                    kb: kb(table.mem),
                };
                hashed(ctx, input, space);
                let mut marks = vec![false; if outer { table.row_count() } else { 0 }];
                probe.rewind();
                while probe.next_into(&mut prow)? {
                    ctx.check_interrupt()?;
                    let Some(Value::Bytea(key)) = prow.pop() else {
                        return Err(EngineError::internal("batched target row without its key"));
                    };
                    if !spec.encode_key(false, &prow, ctx)? {
                        continue;
                    }
                    table.probe(&prow, true, spec, &mut marks, ctx, &mut |ctx, both| {
                        emit(ctx, Emitted::Pair(&key, both, alone))
                    })?;
                }
                emit_unmatched(&table, &marks, ctx, emit)?;
            }
        }
        if let Some(mut unkeyed) = self.unkeyed {
            unkeyed.rewind();
            while unkeyed.next_into(&mut row)? {
                ctx.check_interrupt()?;
                emit(ctx, Emitted::Unmatched(&row))?;
            }
        }
        Ok(grouped)
    }
}
