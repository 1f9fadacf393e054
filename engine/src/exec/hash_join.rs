//! Hash join (inner, left, full, semi and anti; a right join is a swapped
//! left join).
//!
//! The right (build) input is read first: its rows go into one vector and
//! their equi-join keys ([`HashKeys::right`], encoded with the GROUP BY
//! equality of [`row_key_typed`]) into a hash table whose entries chain
//! the rows with equal keys in input order. Each left (probe) row encodes
//! its keys, walks the chain, and checks the full join condition on each
//! candidate pair, so the output is exactly the nested loop's, in the same
//! order: per left row, its matches in right-input order; for a FULL join
//! the right rows nothing matched come last, NULL-extended. A semi join
//! emits the left row at its first match, an anti join when it has none.
//!
//! A NULL key equals nothing: such build rows are kept only for the FULL
//! join's unmatched output, and such probe rows find no candidate (a LEFT
//! or FULL join still emits them NULL-extended).
//!
//! When the probe side is a table read by parallel workers and the build
//! side stayed in memory, the workers probe it themselves
//! ([`crate::exec::parallel_probe`]): the same rows, per probe row in the
//! same order, the probe rows in no particular order.
//!
//! When the build side passes `work_mem` × `hash_mem_multiplier`, the join goes to batches
//! ([`crate::exec::hash_join_spill`]), as PostgreSQL's: both sides are
//! split by key hash into temporary files and joined batch by batch. The
//! rows are then the same, in batch order.

use std::collections::HashMap;
use std::hash::{BuildHasherDefault, Hasher};

use rocksgres_storage::Transaction;
use smallvec::SmallVec;

use crate::error::Result;
use crate::exec::ctx::Ctx;
use crate::exec::group_key::row_key_typed;
use crate::exec::join_emit;
use crate::exec::run::{run, Flow, Sink};
use crate::exec::spill::row_codec::row_size;
use crate::plan::expr::Expr;
use crate::plan::join_plan::HashKeys;
use crate::plan::node::{JoinKind, Node};
use crate::types::Value;

/// End of a chain.
const NONE: usize = usize::MAX;

/// The hasher of the executor's hash tables keyed by encoded key bytes
/// (hash join, hash aggregate): eight bytes per step, multiply-rotate, then
/// a 64-bit finalizer so the low bits (the bucket) depend on every byte.
/// Much cheaper than the standard library's SipHash on short keys; like
/// PostgreSQL's `hash_any` it is not keyed, so it trades resistance to
/// chosen-collision inputs for speed, as PostgreSQL does.
#[derive(Default, Clone, Copy)]
pub(crate) struct KeyHasher(u64);

/// The multiplier of [`KeyHasher`] (the Fx hash constant).
const KEY_HASH_K: u64 = 0x517c_c1b7_2722_0a95;

impl KeyHasher {
    #[inline]
    fn add(&mut self, word: u64) {
        self.0 = (self.0.rotate_left(5) ^ word).wrapping_mul(KEY_HASH_K);
    }
}

impl Hasher for KeyHasher {
    #[inline]
    fn write(&mut self, bytes: &[u8]) {
        let mut chunks = bytes.chunks_exact(8);
        for c in &mut chunks {
            let mut w = [0u8; 8];
            w.copy_from_slice(c);
            self.add(u64::from_le_bytes(w));
        }
        let rest = chunks.remainder();
        if !rest.is_empty() {
            let mut w = [0u8; 8];
            w[..rest.len()].copy_from_slice(rest);
            self.add(u64::from_le_bytes(w) ^ ((rest.len() as u64) << 59));
        }
    }

    #[inline]
    fn write_usize(&mut self, n: usize) {
        self.add(n as u64);
    }

    #[inline]
    fn finish(&self) -> u64 {
        // MurmurHash3's fmix64.
        let mut h = self.0;
        h ^= h >> 33;
        h = h.wrapping_mul(0xff51_afd7_ed55_8ccd);
        h ^= h >> 33;
        h = h.wrapping_mul(0xc4ce_b9fe_1a85_ec53);
        h ^ (h >> 33)
    }
}

/// Encoded key bytes as a hash table holds them: short keys (an integer
/// or two, a short text) inline in the table's entry, so a probe compares
/// them without loading a separate allocation.
pub(crate) type KeyBytes = SmallVec<[u8; 16]>;

/// A hash map keyed by encoded key bytes, with [`KeyHasher`]; looked up
/// with `&[u8]`.
pub(crate) type KeyMap<V> = HashMap<KeyBytes, V, BuildHasherDefault<KeyHasher>>;

/// What a join evaluates per row: the keys, the condition and its kind,
/// and reusable buffers.
pub(crate) struct JoinSpec<'p> {
    /// The join kind.
    pub kind: JoinKind,
    /// The full join condition.
    pub on: Option<&'p Expr>,
    /// The equi-join keys.
    pub keys: &'p HashKeys,
    /// Width of a left row.
    pub left_width: usize,
    /// Width of a right row.
    pub right_width: usize,
    /// Buffers: key values, key bytes, a joined row.
    pub vals: Vec<Value>,
    /// Encoded key.
    pub key: Vec<u8>,
    /// A joined row.
    pub joined: Vec<Value>,
}

impl<'p> JoinSpec<'p> {
    /// The spec of a join of `kind` on `on` and `keys` of rows `left_width`
    /// and `right_width` wide, with empty buffers.
    pub fn new(
        kind: JoinKind,
        on: Option<&'p Expr>,
        keys: &'p HashKeys,
        left_width: usize,
        right_width: usize,
    ) -> Self {
        JoinSpec {
            kind,
            on,
            keys,
            left_width,
            right_width,
            vals: Vec::new(),
            key: Vec::new(),
            joined: Vec::new(),
        }
    }

    /// Encodes the keys of `row` (left or right side) into `self.key`;
    /// false when one is NULL.
    pub fn encode_key<T: Transaction>(
        &mut self,
        right: bool,
        row: &[Value],
        ctx: &mut Ctx<'_, T>,
    ) -> Result<bool> {
        let exprs = if right {
            &self.keys.right
        } else {
            &self.keys.left
        };
        self.vals.clear();
        for k in exprs {
            let v = k.eval(row, ctx)?;
            if v.is_null() {
                return Ok(false);
            }
            self.vals.push(v);
        }
        row_key_typed(&self.vals, &self.keys.types, &mut self.key);
        Ok(true)
    }
}

/// The build side in memory: its rows and a table from key bytes to the
/// first and last row of the chain of rows with that key.
///
/// The rows are kept one after another in one vector of values (all
/// rows of a join input have the same width): no allocation per build
/// row, and a probe that finds its candidate reads the values without
/// first loading a per-row vector.
#[derive(Default)]
pub(crate) struct Build {
    /// The rows' values, in input order, `width` per row.
    values: Vec<Value>,
    /// The width of every row (set by the first one).
    width: usize,
    /// Per row, the next row of its key's chain.
    next: Vec<usize>,
    heads: KeyMap<(usize, usize)>,
    /// The estimated bytes held.
    pub mem: usize,
}

impl Build {
    /// How many rows are held.
    pub fn row_count(&self) -> usize {
        self.next.len()
    }

    /// The buckets of the hash table (a power of two of which at most
    /// seven eighths fill before it doubles; none while empty).
    pub fn buckets(&self) -> usize {
        match self.heads.capacity() {
            0 => 0,
            c if c < 8 => c + 1,
            c => c / 7 * 8,
        }
    }

    /// Row `i < len()`.
    pub fn row(&self, i: usize) -> &[Value] {
        &self.values[i * self.width..(i + 1) * self.width]
    }

    /// Adds a build row, chained under `key` when `keyed`.
    pub fn add(&mut self, row: &[Value], keyed: bool, key: &[u8]) -> Result<()> {
        let i = self.row_count();
        if i == 0 {
            self.width = row.len();
        } else if row.len() != self.width {
            return Err(crate::error::EngineError::internal(format!(
                "hash join build row of width {} after rows of width {}",
                row.len(),
                self.width
            )));
        }
        self.mem += row_size(row) + 2 * std::mem::size_of::<usize>();
        self.values.extend_from_slice(row);
        self.next.push(NONE);
        if keyed {
            match self.heads.get_mut(key) {
                Some((_, last)) => {
                    self.next[*last] = i;
                    *last = i;
                }
                None => {
                    self.mem += key.len() + 64;
                    self.heads.insert(KeyBytes::from_slice(key), (i, i));
                }
            }
        }
        Ok(())
    }

    /// The rows of the chain of `key`, in input order.
    pub fn chain<'b>(&'b self, key: &[u8]) -> impl Iterator<Item = usize> + 'b {
        let mut i = self.heads.get(key).map_or(NONE, |&(first, _)| first);
        std::iter::from_fn(move || {
            let here = i;
            if here == NONE {
                return None;
            }
            i = self.next[here];
            Some(here)
        })
    }

    /// Joins one probe row with the build rows (its key already in
    /// `spec.key` when `keyed`), marking matches in `matched`.
    pub fn probe<'a, T: Transaction>(
        &self,
        lrow: &[Value],
        keyed: bool,
        spec: &mut JoinSpec<'_>,
        matched: &mut [bool],
        ctx: &mut Ctx<'a, T>,
        sink: &mut Sink<'_, 'a, T>,
    ) -> Result<Flow> {
        let mut any = false;
        if keyed {
            let mut i = self
                .heads
                .get(spec.key.as_slice())
                .map_or(NONE, |&(first, _)| first);
            if i != NONE {
                // The left part is the same for every candidate; the
                // values are copied into the buffer's own (text) buffers.
                let width = lrow.len() + spec.right_width;
                spec.joined.truncate(width);
                spec.joined.resize(width, Value::Null);
                assign_all(&mut spec.joined[..lrow.len()], lrow);
            }
            while i != NONE {
                ctx.check_interrupt()?;
                let lw = lrow.len();
                let rrow = self.row(i);
                spec.joined.truncate(lw + rrow.len());
                spec.joined.resize(lw + rrow.len(), Value::Null);
                assign_all(&mut spec.joined[lw..], rrow);
                let ok = match spec.on {
                    Some(cond) => cond.holds(&spec.joined, ctx)?,
                    None => true,
                };
                if ok {
                    any = true;
                    if let Some(m) = matched.get_mut(i) {
                        *m = true;
                    }
                    if let Some(flow) =
                        join_emit::on_match(spec.kind, lrow, &spec.joined, ctx, sink)?
                    {
                        return Ok(flow);
                    }
                }
                i = self.next[i];
            }
        }
        if any {
            return Ok(Flow::Continue);
        }
        join_emit::on_no_match(
            spec.kind,
            lrow,
            spec.right_width,
            &mut spec.joined,
            ctx,
            sink,
        )
    }

    /// Probes with every row of `left`, then (FULL) emits the unmatched
    /// build rows.
    pub fn join_all<'a, T: Transaction>(
        &self,
        spec: &mut JoinSpec<'_>,
        ctx: &mut Ctx<'a, T>,
        sink: &mut Sink<'_, 'a, T>,
        each_left: impl FnOnce(
            &mut dyn FnMut(&mut Ctx<'a, T>, &[Value]) -> Result<Flow>,
            &mut Ctx<'a, T>,
        ) -> Result<Flow>,
    ) -> Result<Flow> {
        let mut matched = vec![
            false;
            if spec.kind == JoinKind::Full {
                self.row_count()
            } else {
                0
            }
        ];
        let flow = each_left(
            &mut |ctx, lrow| {
                let keyed = spec.encode_key(false, lrow, ctx)?;
                self.probe(lrow, keyed, spec, &mut matched, ctx, sink)
            },
            ctx,
        )?;
        if flow == Flow::Stop || spec.kind != JoinKind::Full {
            return Ok(flow);
        }
        join_emit::unmatched_right(
            (0..self.row_count()).map(|i| self.row(i)),
            &matched,
            spec.left_width,
            ctx,
            sink,
        )
    }
}

/// Copies `src` into `dst` (of the same length), reusing `dst`'s text,
/// bytea and numeric buffers.
pub(crate) fn assign_all(dst: &mut [Value], src: &[Value]) {
    for (d, s) in dst.iter_mut().zip(src) {
        match (d, s) {
            (Value::Numeric(d), Value::Numeric(s)) => d.clone_from(s),
            (d, s) => d.assign_from(s),
        }
    }
}

/// Runs a hash join of `left` and `right` (see the module docs).
pub fn run_hash_join<'a, T: Transaction>(
    left: &Node,
    right: &Node,
    kind: JoinKind,
    on: Option<&Expr>,
    keys: &HashKeys,
    ctx: &mut Ctx<'a, T>,
    sink: &mut Sink<'_, 'a, T>,
) -> Result<Flow> {
    let mut spec = JoinSpec::new(kind, on, keys, left.width(), right.width());
    let env = ctx.spill_env();
    let mut b = Build::default();
    let mut batches: Option<crate::exec::hash_join_spill::Batches> = None;
    // The build side's memory and buckets when it went to batches.
    let mut peak = (0, 0);
    run(right, ctx, &mut |ctx, row| {
        let keyed = spec.encode_key(true, row, ctx)?;
        if let Some(batches) = &mut batches {
            return batches
                .push_build(row, keyed, &spec.key)
                .map(|_| Flow::Continue);
        }
        b.add(row, keyed, &spec.key)?;
        if b.mem > env.hash_mem() {
            peak = (b.mem, b.buckets());
            batches = Some(crate::exec::hash_join_spill::Batches::from_build(
                std::mem::take(&mut b),
                &env,
                0,
                &mut spec,
                ctx,
            )?);
        }
        Ok(Flow::Continue)
    })?;
    if ctx.instrument.is_some() {
        let (mem, buckets, batches) = match &batches {
            None => (b.mem, b.buckets(), 1),
            Some(batches) => (peak.0, peak.1, batches.count()),
        };
        let space = crate::exec::instrument::HashSpace {
            buckets: buckets as u64,
            batches: batches as u64,
            kb: crate::exec::instrument::kb(mem),
        };
        crate::exec::instrument::hashed(ctx, right, space);
    }
    if let (None, Node::Scan(scan)) = (&batches, left) {
        if let Some(flow) = probe_in_workers(left, scan, &b, &spec, ctx, sink)? {
            return Ok(flow);
        }
    }
    match batches {
        None => b.join_all(&mut spec, ctx, sink, |probe, ctx| {
            run(left, ctx, &mut |ctx, r| probe(ctx, r))
        }),
        Some(batches) => batches.join(left, &mut spec, ctx, sink),
    }
}

/// Probes `build` with the rows of `scan` (the plan node `left`) in the
/// parallel scan's workers (see [`crate::exec::parallel_probe`]); `None`,
/// having read nothing, when the join or the scan does not qualify.
/// Under EXPLAIN ANALYZE the scan's loop is counted here, with the rows
/// the workers probed and those the leader did.
fn probe_in_workers<'a, T: Transaction>(
    left: &Node,
    scan: &crate::plan::node::ScanPlan,
    build: &Build,
    spec: &JoinSpec<'_>,
    ctx: &mut Ctx<'a, T>,
    sink: &mut Sink<'_, 'a, T>,
) -> Result<Option<Flow>> {
    let Some(probe) = crate::exec::parallel_probe::WorkerProbe::of(spec, build) else {
        return Ok(None);
    };
    // The workers read `spec` through `probe`; the leader's own probes
    // need their own buffers.
    let mut own = JoinSpec::new(
        spec.kind,
        spec.on,
        spec.keys,
        spec.left_width,
        spec.right_width,
    );
    let start = std::time::Instant::now();
    let mut first = None;
    let mut on_leader = 0u64;
    let done = crate::exec::parallel_scan::try_probe(scan, &probe, ctx, &mut |ctx, row| {
        first.get_or_insert_with(std::time::Instant::now);
        match row {
            crate::exec::parallel_scan::GatherRow::Row(row) => sink(ctx, row),
            crate::exec::parallel_scan::GatherRow::Unprobed(lrow) => {
                on_leader += 1;
                crate::exec::parallel_probe::probe_on_leader(build, &mut own, lrow, ctx, sink)
            }
        }
    })?;
    Ok(done.map(|(flow, probed)| {
        crate::exec::instrument::count_loop(ctx, left, probed + on_leader, start, first);
        flow
    }))
}
