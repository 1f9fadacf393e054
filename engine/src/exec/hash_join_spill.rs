//! A hash join past `work_mem`: batches, as PostgreSQL's hash join.
//!
//! When the build side's rows pass `work_mem`, they are split by a hash
//! of their key into [`FANOUT`](crate::exec::spill::partitions::FANOUT)
//! batches ([`TupleStore`]s, which spill to temporary files when they
//! grow; the hash-partitioned batches shared with the other hashing
//! operators, see [`crate::exec::spill::partitions`]), the rest of the
//! build side after them; then every probe row goes to the batch of its
//! key's hash. A probe row with a NULL key, or whose batch has no build
//! row, matches nothing and is emitted (or dropped) at once. Each batch is then
//! joined in memory ([`Build`]); a batch still past `work_mem` is split
//! again with another hash function, up to [`MAX_DEPTH`] levels (a batch
//! of one key cannot be split: it is joined in memory however large).
//!
//! A FULL join's unmatched build rows are emitted per batch, and its
//! NULL-keyed build rows (which match nothing) last.
//!
//! Batches are dropped once joined, removing their files.

use rocksgres_storage::Transaction;

use crate::error::Result;
use crate::exec::ctx::Ctx;
use crate::exec::hash_join::{Build, JoinSpec};
use crate::exec::join_emit;
use crate::exec::run::{run, Flow, Sink};
use crate::exec::spill::partitions::{batch_of, stores, MAX_DEPTH};
use crate::exec::spill::{SpillEnv, TupleStore};
use crate::plan::node::{JoinKind, Node};
use crate::types::Value;

/// The build side split into batches.
pub(crate) struct Batches {
    env: SpillEnv,
    depth: u32,
    build: Vec<TupleStore>,
    /// FULL join: the build rows with a NULL key.
    unkeyed: Option<TupleStore>,
}

impl Batches {
    /// Splits the in-memory build side `b` into batches at level `depth`.
    pub fn from_build<T: Transaction>(
        b: Build,
        env: &SpillEnv,
        depth: u32,
        spec: &mut JoinSpec<'_>,
        ctx: &mut Ctx<'_, T>,
    ) -> Result<Batches> {
        let mut batches = Batches {
            env: env.clone(),
            depth,
            build: stores(env),
            unkeyed: (spec.kind == JoinKind::Full).then(|| TupleStore::new(env.clone())),
        };
        let mut row = Vec::new();
        for i in 0..b.row_count() {
            ctx.check_interrupt()?;
            b.row_vec(i, &mut row)?;
            match b.key(i)? {
                Some(key) => batches.push_build(&row, true, key)?,
                None => batches.push_build(&row, false, &[])?,
            }
        }
        Ok(batches)
    }

    /// How many batches the build side is split into.
    pub fn count(&self) -> usize {
        self.build.len()
    }

    /// Adds a build row whose key is `key` (`keyed` false: a NULL key).
    pub fn push_build(&mut self, row: &[Value], keyed: bool, key: &[u8]) -> Result<()> {
        if !keyed {
            return match &mut self.unkeyed {
                Some(s) => s.push(row),
                None => Ok(()),
            };
        }
        self.build[batch_of(key, self.depth)].push(row)
    }

    /// Reads the probe side `left` into batches, then joins them.
    pub fn join<'a, T: Transaction>(
        self,
        left: &Node,
        spec: &mut JoinSpec<'_>,
        ctx: &mut Ctx<'a, T>,
        sink: &mut Sink<'_, 'a, T>,
    ) -> Result<Flow> {
        let mut probe = stores(&self.env);
        let flow = run(left, ctx, &mut |ctx, lrow| {
            if spec.encode_key(false, lrow, ctx)? {
                let i = batch_of(&spec.key, self.depth);
                if !self.build[i].is_empty() {
                    probe[i].push(lrow)?;
                    return Ok(Flow::Continue);
                }
            }
            join_emit::on_no_match(
                spec.kind,
                lrow,
                spec.right_width,
                &mut spec.joined,
                ctx,
                sink,
            )
        })?;
        if flow == Flow::Stop {
            return Ok(flow);
        }
        self.join_batches(probe, spec, ctx, sink)
    }

    /// Joins each batch with its probe rows.
    fn join_batches<'a, T: Transaction>(
        self,
        probe: Vec<TupleStore>,
        spec: &mut JoinSpec<'_>,
        ctx: &mut Ctx<'a, T>,
        sink: &mut Sink<'_, 'a, T>,
    ) -> Result<Flow> {
        for (build, probe) in self.build.into_iter().zip(probe) {
            if join_batch(build, probe, &self.env, self.depth + 1, spec, ctx, sink)? == Flow::Stop {
                return Ok(Flow::Stop);
            }
        }
        if let Some(mut unkeyed) = self.unkeyed {
            let mut rrow = Vec::new();
            let mut row = Vec::new();
            unkeyed.rewind();
            while unkeyed.next_into(&mut rrow)? {
                ctx.check_interrupt()?;
                row.clear();
                row.resize(spec.left_width, Value::Null);
                row.append(&mut rrow);
                if sink(ctx, &row)? == Flow::Stop {
                    return Ok(Flow::Stop);
                }
            }
        }
        Ok(Flow::Continue)
    }
}

/// Joins one batch: its build rows in memory, or split again at level
/// `depth` when they pass `work_mem`.
fn join_batch<'a, T: Transaction>(
    mut build: TupleStore,
    mut probe: TupleStore,
    env: &SpillEnv,
    depth: u32,
    spec: &mut JoinSpec<'_>,
    ctx: &mut Ctx<'a, T>,
    sink: &mut Sink<'_, 'a, T>,
) -> Result<Flow> {
    if build.is_empty() {
        return Ok(Flow::Continue);
    }
    let mut b = Build::default();
    let mut row = Vec::new();
    build.rewind();
    while build.next_into(&mut row)? {
        ctx.check_interrupt()?;
        let keyed = spec.encode_key(true, &row, ctx)?;
        b.add(&row, keyed, &spec.key)?;
        if b.mem > env.hash_mem() && depth <= MAX_DEPTH {
            let mut sub = Batches::from_build(std::mem::take(&mut b), env, depth, spec, ctx)?;
            while build.next_into(&mut row)? {
                ctx.check_interrupt()?;
                let keyed = spec.encode_key(true, &row, ctx)?;
                sub.push_build(&row, keyed, &spec.key)?;
            }
            drop(build);
            let mut sub_probe = stores(env);
            probe.rewind();
            while probe.next_into(&mut row)? {
                ctx.check_interrupt()?;
                if spec.encode_key(false, &row, ctx)? {
                    let i = batch_of(&spec.key, depth);
                    if !sub.build[i].is_empty() {
                        sub_probe[i].push(&row)?;
                        continue;
                    }
                }
                let flow = join_emit::on_no_match(
                    spec.kind,
                    &row,
                    spec.right_width,
                    &mut spec.joined,
                    ctx,
                    sink,
                )?;
                if flow == Flow::Stop {
                    return Ok(flow);
                }
            }
            drop(probe);
            return sub.join_batches(sub_probe, spec, ctx, sink);
        }
    }
    drop(build);
    probe.rewind();
    b.join_all(spec, ctx, sink, |each, ctx| {
        while probe.next_into(&mut row)? {
            ctx.check_interrupt()?;
            if each(ctx, &row)? == Flow::Stop {
                return Ok(Flow::Stop);
            }
        }
        Ok(Flow::Continue)
    })
}
