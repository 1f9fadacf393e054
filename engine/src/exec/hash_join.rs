//! Hash join (inner, left, full, semi and anti; a right join is a swapped
//! left join).
//!
//! The right (build) input is read first: each row is encoded, after its
//! equi-join keys ([`HashKeys::right`], encoded with the GROUP BY
//! equality of [`row_key_typed`]), into one byte vector, and chained into
//! a bucket of a hash table by the keys' hash ([`Build`]: about the size
//! PostgreSQL's build side takes, so a build side stays in memory where
//! PostgreSQL's does). Each left (probe) row encodes its keys, walks its
//! bucket for the rows with equal key bytes, decodes each, and checks the
//! full join condition on the pair, so the output is exactly the nested
//! loop's, in the same order: per left row, its matches in right-input
//! order; for a FULL join the right rows nothing matched come last,
//! NULL-extended. A semi join emits the left row at its first match, an
//! anti join when it has none.
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
use crate::exec::spill::row_codec::{decode_row_into, encode_row, EnumTable};
use crate::plan::expr::Expr;
use crate::plan::join_plan::HashKeys;
use crate::plan::node::{JoinKind, Node};
use crate::types::Value;

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

/// The build side in memory, compact: each row encoded as bytes (the
/// temporary files' self-describing format,
/// [`crate::exec::spill::row_codec`]) after its key bytes in one byte
/// vector, an entry per row (where it starts, its key's hash, the next
/// row of its bucket), and a power-of-two array of buckets, each the
/// first and last row of its chain.
///
/// A row is about its encoded size plus 16 bytes, against a vector of
/// values' 32 bytes a column plus a hash map entry per key before: a
/// build side about as large as PostgreSQL's fits in the same
/// `work_mem` × `hash_mem_multiplier`, so the join stays in memory (and
/// in the parallel workers, [`crate::exec::parallel_probe`]) where
/// PostgreSQL's does. A probe compares the 32-bit hashes of its bucket's
/// rows before their key bytes, and decodes a row only when its key
/// matches; the decode reuses the caller's slots (text keeps its
/// buffer).
///
/// A bucket's chain holds its rows in input order (rows are appended,
/// and doubling the buckets relinks them in order), so the rows of one
/// key come in input order, as the nested loop would give them.
#[derive(Default)]
pub(crate) struct Build {
    /// Per row: a varint of its key's length plus one (0 for a row with a
    /// NULL key, which is in no bucket), the key bytes, the encoded row.
    data: Vec<u8>,
    /// Per row, in input order.
    entries: Vec<Entry>,
    /// Per bucket, its chain's first and last row ([`NONE`] when empty).
    buckets: Vec<(u32, u32)>,
    /// The rows in buckets.
    keyed: usize,
    /// The enum types of the encoded values.
    enums: EnumTable,
    /// The width of every row (set by the first one).
    width: usize,
    /// The estimated bytes held.
    pub mem: usize,
}

/// One build row: where it starts in [`Build::data`], its key's hash,
/// and the next row of its bucket's chain.
#[derive(Clone, Copy)]
struct Entry {
    start: usize,
    hash: u32,
    next: u32,
}

/// End of a chain, an empty bucket.
const NONE32: u32 = u32::MAX;

/// The hash of a build or probe key (the same [`KeyHasher`] as the hash
/// tables keyed by key bytes).
fn key_hash(key: &[u8]) -> u32 {
    let mut h = KeyHasher::default();
    h.write(key);
    h.finish() as u32
}

impl Build {
    /// How many rows are held.
    pub fn row_count(&self) -> usize {
        self.entries.len()
    }

    /// The buckets of the hash table (none while no row has a key).
    pub fn buckets(&self) -> usize {
        self.buckets.len()
    }

    /// The key bytes of row `i` and where its encoded row starts;
    /// `None` for the key when the row's key is NULL.
    fn split(&self, i: usize) -> Result<(Option<&[u8]>, usize)> {
        let start = self.entries[i].start;
        let mut at = start;
        let mut tagged = 0usize;
        let mut shift = 0;
        loop {
            let b = *self
                .data
                .get(at)
                .ok_or_else(|| crate::error::EngineError::internal("hash join row cut short"))?;
            at += 1;
            tagged |= usize::from(b & 0x7f) << shift;
            if b & 0x80 == 0 {
                break;
            }
            shift += 7;
        }
        if tagged == 0 {
            return Ok((None, at));
        }
        let key_end = at + tagged - 1;
        Ok((Some(&self.data[at..key_end]), key_end))
    }

    /// The encoded row `i`.
    fn encoded(&self, i: usize, from: usize) -> &[u8] {
        let end = self.entries.get(i + 1).map_or(self.data.len(), |e| e.start);
        &self.data[from..end]
    }

    /// The key bytes of row `i`, `None` when its key is NULL.
    pub fn key(&self, i: usize) -> Result<Option<&[u8]>> {
        self.split(i).map(|(key, _)| key)
    }

    /// Decodes row `i < row_count()` into `out` (the row's width; text
    /// slots keep their buffers).
    pub fn row_into(&self, i: usize, out: &mut [Value]) -> Result<()> {
        let (_, from) = self.split(i)?;
        decode_row_into(self.encoded(i, from), out, &self.enums)
    }

    /// Decodes row `i < row_count()` into `out`, replacing its values.
    pub fn row_vec(&self, i: usize, out: &mut Vec<Value>) -> Result<()> {
        out.truncate(self.width);
        out.resize(self.width, Value::Null);
        self.row_into(i, out)
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
        if i >= NONE32 as usize {
            return Err(crate::error::EngineError::new(
                crate::error::SqlState::ProgramLimitExceeded,
                "hash join build side has too many rows",
            ));
        }
        let start = self.data.len();
        let tagged = if keyed { key.len() + 1 } else { 0 };
        let mut n = tagged;
        loop {
            let b = (n & 0x7f) as u8;
            n >>= 7;
            if n == 0 {
                self.data.push(b);
                break;
            }
            self.data.push(b | 0x80);
        }
        if keyed {
            self.data.extend_from_slice(key);
        }
        encode_row(&mut self.data, row, &mut self.enums);
        let hash = if keyed { key_hash(key) } else { 0 };
        self.entries.push(Entry {
            start,
            hash,
            next: NONE32,
        });
        self.mem += self.data.len() - start + std::mem::size_of::<Entry>();
        if keyed {
            self.keyed += 1;
            if self.keyed > self.buckets.len() {
                self.grow();
            } else {
                self.link(i);
            }
        }
        Ok(())
    }

    /// Appends row `i` (keyed) to its bucket's chain.
    fn link(&mut self, i: usize) {
        let mask = self.buckets.len() - 1;
        let b = self.entries[i].hash as usize & mask;
        let (first, last) = self.buckets[b];
        if first == NONE32 {
            self.buckets[b] = (i as u32, i as u32);
        } else {
            self.entries[last as usize].next = i as u32;
            self.buckets[b].1 = i as u32;
        }
    }

    /// Doubles the buckets (at least 1,024) and relinks every keyed row,
    /// in input order.
    fn grow(&mut self) {
        let size = (self.buckets.len() * 2).max(1024);
        let pair = std::mem::size_of::<(u32, u32)>();
        self.mem -= self.buckets.len() * pair;
        self.buckets = vec![(NONE32, NONE32); size];
        self.mem += size * pair;
        for i in 0..self.entries.len() {
            self.entries[i].next = NONE32;
            if self.data[self.entries[i].start] != 0 {
                self.link(i);
            }
        }
    }

    /// The rows whose key is `key`, in input order.
    pub fn chain<'b>(&'b self, key: &'b [u8]) -> impl Iterator<Item = usize> + 'b {
        let hash = key_hash(key);
        let mut i = match self.buckets.len() {
            0 => NONE32,
            n => self.buckets[hash as usize & (n - 1)].0,
        };
        std::iter::from_fn(move || {
            while i != NONE32 {
                let here = i as usize;
                let e = self.entries[here];
                i = e.next;
                if e.hash == hash && matches!(self.split(here), Ok((Some(k), _)) if k == key) {
                    return Some(here);
                }
            }
            None
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
            let lw = lrow.len();
            let mut first = true;
            for i in self.chain(&spec.key) {
                ctx.check_interrupt()?;
                if first {
                    // The left part is the same for every candidate; the
                    // values are copied into the buffer's own (text)
                    // buffers, the build rows decoded into the rest.
                    first = false;
                    let width = lw + self.width;
                    spec.joined.truncate(width);
                    spec.joined.resize(width, Value::Null);
                    assign_all(&mut spec.joined[..lw], lrow);
                }
                self.row_into(i, &mut spec.joined[lw..])?;
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
        let mut row = Vec::new();
        for (i, _) in matched.iter().enumerate().filter(|(_, m)| !**m) {
            ctx.check_interrupt()?;
            row.clear();
            row.resize(spec.left_width + self.width, Value::Null);
            self.row_into(i, &mut row[spec.left_width..])?;
            if sink(ctx, &row)? == Flow::Stop {
                return Ok(Flow::Stop);
            }
        }
        Ok(Flow::Continue)
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
