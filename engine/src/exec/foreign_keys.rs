//! FOREIGN KEY enforcement: checking written rows against the referenced
//! table, and the referential actions when referenced rows are deleted or
//! their keys change.
//!
//! * **Referencing side.** A row an INSERT, UPDATE, ON CONFLICT DO UPDATE
//!   or COPY writes is checked against every foreign key of its table
//!   ([`check_row`]) after NOT NULL and CHECK constraints: MATCH SIMPLE
//!   lets a key with any NULL pass, MATCH FULL only an all-NULL one; an
//!   UPDATE that leaves the key unchanged is not checked (as PostgreSQL's
//!   `RI_FKey_fk_upd_check_required`). The referenced row is looked up in
//!   the PRIMARY KEY or UNIQUE index the constraint names, after taking a
//!   *shared key lock* on it (PostgreSQL's `FOR KEY SHARE`, see below).
//!   READ COMMITTED reads the newest committed state; REPEATABLE READ reads
//!   its snapshot, and a referenced row deleted since is 40001.
//! * **Referenced side.** Deleting a row, or changing its referenced key,
//!   first takes the *exclusive* key lock, then finds the referencing rows
//!   in the newest committed state plus the statement's own writes
//!   ([`on_delete`], [`on_update`]) and applies the action: NO ACTION
//!   checks at the end of the statement ([`FkRun::finish`]) whether the
//!   key is still referenced and no longer present; RESTRICT fails at
//!   once; CASCADE deletes the referencing rows or changes their keys; SET
//!   NULL and SET DEFAULT change them (SET DEFAULT's new key must itself
//!   be present). The changes to referencing rows go through the same
//!   machinery (indexes, checks, their own foreign keys, recursively).
//! * **Key locks.** The key lock of a referenced row is a row lock on the
//!   referenced index key with a suffix no stored key has, so it guards
//!   the *key*: a child insert and a parent delete (or key update)
//!   exclude each other until the first one's transaction ends, while
//!   updates of other columns of the referenced row, and other child
//!   inserts, do not wait -- PostgreSQL's `FOR KEY SHARE` versus `FOR NO
//!   KEY UPDATE`. Whichever comes second sees the first's committed
//!   effect, so no referencing row is ever left without its referenced
//!   row.
//!
//! The foreign keys of a statement's table (both directions) are read from
//! the catalog once per plan ([`FkSlot`]); tables reached by cascades are
//! read once per statement ([`FkRun`]).
//!
//! Errors carry PostgreSQL's wording, DETAIL and object fields (the
//! referencing table and the constraint).

use std::collections::HashMap;
use std::sync::{Arc, OnceLock};

use rocksgres_storage::{Direction, Isolation, KeyRange, LockMode, Transaction};

use crate::catalog::foreign_key::{referencing, table_by_id};
use crate::catalog::{FkAction, ForeignKeyDesc, IndexColumn, IndexDesc, TableDesc};
use crate::error::{EngineError, Result, SqlState};
use crate::exec::checks::{bind_checks, enforce as enforce_checks, BoundCheck};
use crate::exec::ctx::Ctx;
use crate::exec::deferred_fks::Side;
use crate::exec::index::{delete_entries, update_entries};
use crate::exec::row::{decode_values, describe_row, encode_values, primary_key, push_key_value};
use crate::keys;
use crate::plan::bind::Binder;
use crate::plan::bound_index::{bind_indexes, BoundIndex};
use crate::plan::expr::Expr;
use crate::types::{cast, CastKind, SqlType, Value};

/// The suffix that turns a referenced index key into its key lock.
const KEY_LOCK_SUFFIX: &[u8] = &[0xFF, 0xFF, b'F', b'K'];

/// A foreign key of the table, with what checking it needs.
#[derive(Debug)]
pub struct Outgoing {
    /// The constraint.
    pub fk: ForeignKeyDesc,
    /// The referenced table.
    pub parent: Arc<TableDesc>,
    /// The referenced PRIMARY KEY or UNIQUE index.
    pub index: IndexDesc,
}

/// A foreign key of another table (or this one) that references the table.
#[derive(Debug)]
pub struct Incoming {
    /// The constraint.
    pub fk: ForeignKeyDesc,
    /// The referencing table.
    pub child: Arc<TableDesc>,
    /// The referenced index of this table.
    pub index: IndexDesc,
}

/// The foreign keys of one table, both ways.
#[derive(Debug, Default)]
pub struct TableFks {
    /// Its own foreign keys.
    pub outgoing: Vec<Outgoing>,
    /// The foreign keys referencing it.
    pub incoming: Vec<Incoming>,
}

impl TableFks {
    /// Reads the foreign keys of `table` from the catalog; the referencing
    /// ones only with `incoming`.
    pub fn load<T: Transaction>(
        txn: &mut T,
        table: &Arc<TableDesc>,
        incoming: bool,
    ) -> Result<Self> {
        let mut out = TableFks::default();
        for fk in &table.foreign_keys {
            let parent = if fk.parent == table.id {
                Arc::clone(table)
            } else {
                Arc::new(table_by_id(txn, fk.parent)?.ok_or_else(|| {
                    EngineError::internal(format!(
                        "foreign key \"{}\" references a missing table",
                        fk.name
                    ))
                })?)
            };
            let index = referenced_index(&parent, fk)?;
            out.outgoing.push(Outgoing {
                fk: fk.clone(),
                parent,
                index,
            });
        }
        if incoming {
            for (child, fks) in referencing(txn, table.id)? {
                let child = if child.id == table.id {
                    Arc::clone(table)
                } else {
                    Arc::new(child)
                };
                for i in fks {
                    let fk = child.foreign_keys[i].clone();
                    // Fired in constraint OID order, as PostgreSQL's
                    // triggers fire in name (= creation) order.
                    let index = referenced_index(table, &fk)?;
                    out.incoming.push(Incoming {
                        fk,
                        child: Arc::clone(&child),
                        index,
                    });
                }
            }
        }
        out.incoming.sort_by_key(|i| i.fk.oid);
        Ok(out)
    }
}

/// The referenced PRIMARY KEY or UNIQUE index of `fk` in `parent`.
pub(crate) fn referenced_index(parent: &TableDesc, fk: &ForeignKeyDesc) -> Result<IndexDesc> {
    parent
        .indexes
        .iter()
        .find(|ix| ix.id == fk.parent_index)
        .cloned()
        .ok_or_else(|| {
            EngineError::internal(format!(
                "the index foreign key \"{}\" references is missing",
                fk.name
            ))
        })
}

/// A plan's foreign keys, read from the catalog at the plan's first run
/// (a plan lives as long as the catalog version it was made at).
pub struct FkSlot {
    cell: OnceLock<Arc<TableFks>>,
    incoming: bool,
}

impl std::fmt::Debug for FkSlot {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("FkSlot")
    }
}

impl FkSlot {
    /// A slot that reads the table's own foreign keys, and with
    /// `incoming` also those referencing it.
    pub fn new(incoming: bool) -> Self {
        FkSlot {
            cell: OnceLock::new(),
            incoming,
        }
    }

    /// The foreign keys of `table`.
    pub fn get<T: Transaction>(
        &self,
        table: &Arc<TableDesc>,
        txn: &mut T,
    ) -> Result<Arc<TableFks>> {
        if let Some(f) = self.cell.get() {
            return Ok(Arc::clone(f));
        }
        let loaded = Arc::new(TableFks::load(txn, table, self.incoming)?);
        Ok(Arc::clone(self.cell.get_or_init(|| loaded)))
    }
}

/// What changing a referencing table from a cascade needs, bound once per
/// statement.
struct Writer {
    table: Arc<TableDesc>,
    indexes: Vec<BoundIndex>,
    checks: Vec<BoundCheck>,
    generated: crate::exec::generated::BoundGenerated,
    defaults: Vec<Expr>,
    fks: Arc<TableFks>,
}

/// The tables the cascades of one statement reached.
#[derive(Default)]
struct FkRun {
    writers: HashMap<u32, Arc<Writer>>,
    depth: usize,
}

impl FkRun {
    fn writer<T: Transaction>(
        &mut self,
        child: &Arc<TableDesc>,
        ctx: &mut Ctx<'_, T>,
    ) -> Result<Arc<Writer>> {
        if let Some(w) = self.writers.get(&child.id) {
            return Ok(Arc::clone(w));
        }
        let mut lookup =
            |_: &sqlparser::ast::ObjectName, _: bool| -> Result<crate::catalog::Relation> {
                Err(EngineError::internal(
                    "a foreign key action reads no relation",
                ))
            };
        let mut binder = Binder::new(Vec::new(), &mut lookup);
        let indexes = bind_indexes(child, &mut binder)?;
        let checks = bind_checks(child, &mut binder)?;
        let generated = crate::exec::generated::bind_generated(child, &mut binder)?;
        let mut defaults = Vec::with_capacity(child.columns.len());
        for col in 0..child.columns.len() {
            defaults.push(crate::exec::dml::bind_default(child, col, &mut binder)?);
        }
        let fks = Arc::new(TableFks::load(&mut *ctx.txn, child, true)?);
        let w = Arc::new(Writer {
            table: Arc::clone(child),
            indexes,
            checks,
            generated,
            defaults,
            fks,
        });
        self.writers.insert(child.id, Arc::clone(&w));
        Ok(w)
    }
}

/// Encodes `v` as an ascending key column (equal bytes for equal bytes of
/// the stored value: the binary comparison PostgreSQL's RI triggers make
/// on the referenced side).
pub(crate) fn key_bytes(buf: &mut Vec<u8>, v: &Value) -> Result<()> {
    key_bytes_typed(buf, v, &SqlType::Text)
}

/// Encodes `v` of type `ty` as an ascending key column (equal values under
/// the type's equality, equal bytes; see [`crate::exec::typed_key`]).
pub(crate) fn key_bytes_typed(buf: &mut Vec<u8>, v: &Value, ty: &SqlType) -> Result<()> {
    push_key_value(
        buf,
        v,
        ty,
        &IndexColumn {
            column: 0,
            expr: None,
            descending: false,
            nulls_first: false,
        },
    )
}

fn same_key(a: &[Value], b: &[Value]) -> Result<bool> {
    let (mut x, mut y) = (Vec::new(), Vec::new());
    for v in a {
        key_bytes(&mut x, v)?;
    }
    for v in b {
        key_bytes(&mut y, v)?;
    }
    Ok(x == y)
}

/// The key of `values` (for `cols` of `parent`, converted to their types)
/// in `index`; `None` when a value cannot be converted (then no row has it).
fn index_key(
    parent: &TableDesc,
    index: &IndexDesc,
    cols: &[usize],
    values: &[Value],
) -> Result<Option<Vec<u8>>> {
    let mut row = vec![Value::Null; parent.columns.len()];
    for (&c, v) in cols.iter().zip(values) {
        match cast(v.clone(), &parent.columns[c].ty, CastKind::Assignment) {
            Ok(x) => row[c] = x,
            Err(_) => return Ok(None),
        }
    }
    let mut key = Vec::new();
    if index.id == keys::PRIMARY_INDEX {
        primary_key(&mut key, parent, &row, 0)?;
    } else {
        keys::index_prefix(&mut key, parent.storage_id, index.id);
        for ic in &index.columns {
            push_key_value(&mut key, &row[ic.column], &parent.columns[ic.column].ty, ic)?;
        }
    }
    Ok(Some(key))
}

fn key_lock(key: &[u8]) -> Vec<u8> {
    let mut k = key.to_vec();
    k.extend_from_slice(KEY_LOCK_SUFFIX);
    k
}

/// Whether a row of `parent` has key `values` in `index`, read as the
/// referencing check reads it (see the module docs); with `share` the
/// shared key lock is taken first (and a REPEATABLE READ transaction
/// finding the row deleted since its snapshot gets 40001).
pub(crate) fn key_present<T: Transaction>(
    parent: &TableDesc,
    index: &IndexDesc,
    cols: &[usize],
    values: &[Value],
    ctx: &mut Ctx<'_, T>,
    share: Option<()>,
) -> Result<bool> {
    let Some(key) = index_key(parent, index, cols, values)? else {
        return Ok(false);
    };
    let mut out = Vec::new();
    let snapshot = ctx.txn.isolation() == Isolation::Snapshot;
    if snapshot && share.is_some() && !ctx.txn.get(&key, &mut out)? {
        return Ok(false);
    }
    if share.is_some() {
        ctx.txn.lock_shared(&key_lock(&key))?;
    }
    let read = ctx.txn.get_latest(&key, &mut out)?;
    if snapshot && share.is_some() && !read.found {
        return Err(rocksgres_storage::StorageError::Serialization.into());
    }
    Ok(read.found)
}

/// 23503 for a referencing key missing from `parent`.
pub(crate) fn fk_violation(
    table: &TableDesc,
    parent: &TableDesc,
    fk: &ForeignKeyDesc,
    values: &[Value],
) -> EngineError {
    EngineError::new(
        SqlState::ForeignKeyViolation,
        format!(
            "insert or update on table \"{}\" violates foreign key constraint \"{}\"",
            table.name, fk.name
        ),
    )
    .with_detail(format!(
        "Key ({})={} is not present in table \"{}\".",
        names(table, &fk.columns),
        describe_row(values),
        parent.name
    ))
    .with_constraint(&table.schema, &table.name, &fk.name)
}

/// 23503 for a referenced key that rows of `child` still reference.
pub(crate) fn still_referenced(
    parent: &TableDesc,
    child: &TableDesc,
    fk: &ForeignKeyDesc,
    values: &[Value],
) -> EngineError {
    EngineError::new(
        SqlState::ForeignKeyViolation,
        format!(
            "update or delete on table \"{}\" violates foreign key constraint \"{}\" on table \"{}\"",
            parent.name, fk.name, child.name
        ),
    )
    .with_detail(format!(
        "Key ({})={} is still referenced from table \"{}\".",
        names(parent, &fk.parent_columns),
        describe_row(values),
        child.name
    ))
    .with_constraint(&child.schema, &child.name, &fk.name)
}

fn names(t: &TableDesc, cols: &[usize]) -> String {
    cols.iter()
        .map(|&c| t.columns[c].name.as_str())
        .collect::<Vec<_>>()
        .join(", ")
}

/// Whether `row`'s key of `fk` must be looked up: MATCH SIMPLE skips a key
/// with any NULL, MATCH FULL an all-NULL one and fails on a mix.
fn needs_check(table: &TableDesc, fk: &ForeignKeyDesc, values: &[Value]) -> Result<bool> {
    let nulls = values.iter().filter(|v| v.is_null()).count();
    if nulls == 0 {
        return Ok(true);
    }
    if fk.match_full && nulls < values.len() {
        return Err(EngineError::new(
            SqlState::ForeignKeyViolation,
            format!(
                "insert or update on table \"{}\" violates foreign key constraint \"{}\"",
                table.name, fk.name
            ),
        )
        .with_detail("MATCH FULL does not allow mixing of null and nonnull key values.")
        .with_constraint(&table.schema, &table.name, &fk.name));
    }
    Ok(false)
}

/// The keys of `new` (replacing `old`, for an UPDATE) that must be looked
/// up: (position in `fks.outgoing`, key values).
fn keys_to_check(
    fks: &TableFks,
    table: &TableDesc,
    old: Option<&[Value]>,
    new: &[Value],
    out: &mut Vec<(usize, Vec<Value>)>,
) -> Result<()> {
    for (i, o) in fks.outgoing.iter().enumerate() {
        let values: Vec<Value> = o.fk.columns.iter().map(|&c| new[c].clone()).collect();
        if !needs_check(table, &o.fk, &values)? {
            continue;
        }
        if let Some(old) = old {
            let before: Vec<Value> = o.fk.columns.iter().map(|&c| old[c].clone()).collect();
            if same_key(&before, &values)? {
                continue;
            }
        }
        out.push((i, values));
    }
    Ok(())
}

/// Whether `fk`'s checks wait for COMMIT now (see
/// [`crate::exec::deferred_fks`]).
fn deferred_now<T: Transaction>(fk: &ForeignKeyDesc, ctx: &Ctx<'_, T>) -> bool {
    fk.deferrable
        && ctx
            .deferred
            .as_ref()
            .is_some_and(|d| d.lock().is_deferred(fk))
}

/// Records a check of `fk` (of table `child`) for COMMIT.
fn defer<T: Transaction>(
    child: u32,
    fk: &ForeignKeyDesc,
    side: Side,
    values: Vec<Value>,
    ctx: &Ctx<'_, T>,
) {
    if let Some(d) = &ctx.deferred {
        d.lock().defer(child, fk, side, values);
    }
}

/// Checks referencing key `values` of `o` now, or records it for COMMIT
/// when the constraint is deferred.
fn check_key<T: Transaction>(
    o: &Outgoing,
    table: &TableDesc,
    values: &[Value],
    ctx: &mut Ctx<'_, T>,
) -> Result<()> {
    if deferred_now(&o.fk, ctx) {
        defer(table.id, &o.fk, Side::Referencing, values.to_vec(), ctx);
        return Ok(());
    }
    lock_parent_table(&o.parent, ctx)?;
    if !key_present(
        &o.parent,
        &o.index,
        &o.fk.parent_columns,
        values,
        ctx,
        Some(()),
    )? {
        return Err(fk_violation(table, &o.parent, &o.fk, values));
    }
    Ok(())
}

/// Checks a row written to `table` (`old` is the row it replaces, for an
/// UPDATE) against the table's foreign keys now (see the module docs).
fn check_row<T: Transaction>(
    fks: &TableFks,
    table: &TableDesc,
    old: Option<&[Value]>,
    new: &[Value],
    ctx: &mut Ctx<'_, T>,
) -> Result<()> {
    let mut keys = Vec::new();
    keys_to_check(fks, table, old, new, &mut keys)?;
    for (i, values) in keys {
        check_key(&fks.outgoing[i], table, &values, ctx)?;
    }
    Ok(())
}

/// How many referencing checks a statement queues before it runs them
/// (PostgreSQL runs them all at the end of the statement; a self-
/// referencing key always waits for the end, so a statement may insert a
/// row before the row it references).
const MAX_QUEUED_CHECKS: usize = 65536;

/// The foreign-key work of one INSERT, UPDATE or DELETE on `table`.
pub struct FkState {
    table: Arc<TableDesc>,
    fks: Arc<TableFks>,
    queued: Vec<(usize, Vec<Value>)>,
    events: Vec<Event>,
}

impl FkState {
    /// Starts a statement on `table` with the plan's `slot`.
    pub fn begin<T: Transaction>(
        slot: &FkSlot,
        table: &Arc<TableDesc>,
        ctx: &mut Ctx<'_, T>,
    ) -> Result<Self> {
        Ok(FkState {
            table: Arc::clone(table),
            fks: slot.get(table, &mut *ctx.txn)?,
            queued: Vec::new(),
            events: Vec::new(),
        })
    }

    /// Whether the statement's table takes part in no foreign key.
    pub fn is_empty(&self) -> bool {
        self.fks.outgoing.is_empty() && self.fks.incoming.is_empty()
    }

    /// A row was written (`old` replaced, for an UPDATE): queues the
    /// checks of its foreign keys.
    pub fn written<T: Transaction>(
        &mut self,
        old: Option<&[Value]>,
        new: &[Value],
        ctx: &mut Ctx<'_, T>,
    ) -> Result<()> {
        if self.fks.outgoing.is_empty() {
            return Ok(());
        }
        keys_to_check(&self.fks, &self.table, old, new, &mut self.queued)?;
        if self.queued.len() >= MAX_QUEUED_CHECKS {
            self.run_queued(ctx, false)?;
        }
        Ok(())
    }

    fn run_queued<T: Transaction>(&mut self, ctx: &mut Ctx<'_, T>, all: bool) -> Result<()> {
        let fks = Arc::clone(&self.fks);
        let mut keep = Vec::new();
        for (i, values) in std::mem::take(&mut self.queued) {
            let o = &fks.outgoing[i];
            if !all && o.parent.id == self.table.id {
                keep.push((i, values));
                continue;
            }
            check_key(o, &self.table, &values, ctx)?;
        }
        self.queued = keep;
        Ok(())
    }

    /// A row is being deleted: the referenced-side actions.
    pub fn deleting<T: Transaction>(&mut self, old: &[Value], ctx: &mut Ctx<'_, T>) -> Result<()> {
        if self.fks.incoming.is_empty() {
            return Ok(());
        }
        queue_change(&self.fks, &self.table, old, None, ctx, &mut self.events)
    }

    /// A row's values change from `old` to `new`: the referenced-side
    /// actions.
    pub fn updating<T: Transaction>(
        &mut self,
        old: &[Value],
        new: &[Value],
        ctx: &mut Ctx<'_, T>,
    ) -> Result<()> {
        if self.fks.incoming.is_empty() {
            return Ok(());
        }
        queue_change(
            &self.fks,
            &self.table,
            old,
            Some(new),
            ctx,
            &mut self.events,
        )
    }

    /// The end of the statement: the queued referencing checks, then the
    /// NO ACTION checks.
    pub fn finish<T: Transaction>(&mut self, ctx: &mut Ctx<'_, T>) -> Result<()> {
        self.run_queued(ctx, true)?;
        fire(std::mem::take(&mut self.events), ctx, &mut FkRun::default())
    }
}

/// ROW SHARE on the referenced table, as PostgreSQL's `FOR KEY SHARE`
/// query takes it (so a TRUNCATE of it waits for the checking transaction).
fn lock_parent_table<T: Transaction>(parent: &TableDesc, ctx: &mut Ctx<'_, T>) -> Result<()> {
    let ts = ctx.txn.snapshot_ts();
    ctx.txn
        .lock_table(parent.id, LockMode::RowShare, false, ts)?;
    Ok(())
}

/// `values` of the referenced columns as the referencing columns' types.
pub(crate) fn to_child_values(
    fk: &ForeignKeyDesc,
    child: &TableDesc,
    values: &[Value],
) -> Result<Vec<Value>> {
    fk.columns
        .iter()
        .zip(values)
        .map(|(&c, v)| cast(v.clone(), &child.columns[c].ty, CastKind::Assignment))
        .collect()
}

/// An index of `child` (the primary one included) without predicate
/// whose leading key columns are plain columns making up exactly `fk`'s
/// columns, in any order: the referencing rows of one key are then one
/// key range of it.
fn child_index<'a>(child: &'a TableDesc, fk: &ForeignKeyDesc) -> Option<&'a IndexDesc> {
    let n = fk.columns.len();
    child.indexes.iter().find(|ix| {
        ix.valid
            && ix.predicate.is_none()
            && ix.columns.len() >= n
            && ix.columns[..n]
                .iter()
                .all(|ic| ic.expr.is_none() && fk.columns.contains(&ic.column))
            && fk
                .columns
                .iter()
                .all(|c| ix.columns[..n].iter().any(|ic| ic.column == *c))
    })
}

/// The referencing rows of `child` whose `fk` key equals `values` (child
/// column types), in the newest committed state plus own writes: (primary
/// key, row). With `first` stops at the first. Reads the key's range of
/// an index on the referencing columns when the child has one
/// ([`child_index`]), else scans the table.
pub(crate) fn find_children<T: Transaction>(
    child: &TableDesc,
    fk: &ForeignKeyDesc,
    values: &[Value],
    ctx: &mut Ctx<'_, T>,
    first: bool,
) -> Result<Vec<(Vec<u8>, Vec<Value>)>> {
    let mut want = Vec::new();
    for (v, &c) in values.iter().zip(&fk.columns) {
        key_bytes_typed(&mut want, v, &child.columns[c].ty)?;
    }
    if let Some(ix) = child_index(child, fk) {
        return find_children_by_index(child, fk, ix, (values, &want), ctx, first);
    }
    let (start, end) = keys::primary_range(child.storage_id);
    let mut cursor = ctx.txn.cursor();
    ctx.txn.seek_latest(
        &mut cursor,
        KeyRange::half_open(&start, &end),
        Direction::Forward,
    )?;
    let mut found = Vec::new();
    let mut row = Vec::new();
    let mut have = Vec::new();
    loop {
        ctx.check_interrupt()?;
        let Some((k, v)) = ctx.txn.next(&mut cursor)? else {
            break;
        };
        decode_values(child, v, &mut row)?;
        have.clear();
        for &c in &fk.columns {
            key_bytes_typed(&mut have, &row[c], &child.columns[c].ty)?;
        }
        if have == want {
            found.push((k.to_vec(), row.clone()));
            if first {
                break;
            }
        }
    }
    Ok(found)
}

/// [`find_children`] through index `ix` of `child`; `want` is the key
/// bytes of `values` that a referencing row's columns must give.
fn find_children_by_index<T: Transaction>(
    child: &TableDesc,
    fk: &ForeignKeyDesc,
    ix: &IndexDesc,
    (values, want): (&[Value], &[u8]),
    ctx: &mut Ctx<'_, T>,
    first: bool,
) -> Result<Vec<(Vec<u8>, Vec<Value>)>> {
    let mut start = Vec::new();
    keys::index_prefix(&mut start, child.storage_id, ix.id);
    for ic in &ix.columns[..fk.columns.len()] {
        let j = fk
            .columns
            .iter()
            .position(|&c| c == ic.column)
            .ok_or_else(|| EngineError::internal("foreign key index column"))?;
        push_key_value(&mut start, &values[j], &child.columns[ic.column].ty, ic)?;
    }
    let mut end = Vec::new();
    keys::prefix_end(&start, &mut end);
    let mut cursor = ctx.txn.cursor();
    ctx.txn.seek_latest(
        &mut cursor,
        KeyRange::half_open(&start, &end),
        Direction::Forward,
    )?;
    let mut found = Vec::new();
    let mut row = Vec::new();
    let mut have = Vec::new();
    let mut pk = Vec::new();
    let mut value = Vec::new();
    loop {
        ctx.check_interrupt()?;
        let Some((k, v)) = ctx.txn.next(&mut cursor)? else {
            break;
        };
        pk.clear();
        if ix.id == keys::PRIMARY_INDEX {
            pk.extend_from_slice(k);
            value.clear();
            value.extend_from_slice(v);
        } else {
            keys::index_prefix(&mut pk, child.storage_id, keys::PRIMARY_INDEX);
            pk.extend_from_slice(v);
            if !ctx.txn.get_latest(&pk, &mut value)?.found {
                continue;
            }
        }
        decode_values(child, &value, &mut row)?;
        have.clear();
        for &c in &fk.columns {
            key_bytes_typed(&mut have, &row[c], &child.columns[c].ty)?;
        }
        if have == want {
            found.push((pk.clone(), row.clone()));
            if first {
                break;
            }
        }
    }
    Ok(found)
}

/// One referenced-side event: a row of `table` whose key of incoming
/// foreign key `incoming` (in `fks`) was deleted or changed; fired at the
/// end of the statement, in order, as PostgreSQL fires its RI triggers.
struct Event {
    fks: Arc<TableFks>,
    table: Arc<TableDesc>,
    incoming: usize,
    values: Vec<Value>,
    new_values: Option<Vec<Value>>,
}

/// A row of `table` is deleted (`new` None) or updated: takes the key
/// locks of the referenced keys that go away and queues their events.
fn queue_change<T: Transaction>(
    fks: &Arc<TableFks>,
    table: &Arc<TableDesc>,
    old: &[Value],
    new: Option<&[Value]>,
    ctx: &mut Ctx<'_, T>,
    events: &mut Vec<Event>,
) -> Result<()> {
    for (i, inc) in fks.incoming.iter().enumerate() {
        let fk = &inc.fk;
        let values: Vec<Value> = fk.parent_columns.iter().map(|&c| old[c].clone()).collect();
        if values.iter().any(Value::is_null) {
            continue;
        }
        let new_values: Option<Vec<Value>> =
            new.map(|n| fk.parent_columns.iter().map(|&c| n[c].clone()).collect());
        if let Some(nv) = &new_values {
            if same_key(&values, nv)? {
                continue;
            }
        }
        if let Some(key) = index_key(table, &inc.index, &fk.parent_columns, &values)? {
            ctx.txn.lock(&key_lock(&key))?;
        }
        events.push(Event {
            fks: Arc::clone(fks),
            table: Arc::clone(table),
            incoming: i,
            values,
            new_values,
        });
    }
    Ok(())
}

/// Fires `events` in order; the events of the changes a cascade makes are
/// fired right after it, as PostgreSQL fires the triggers of an RI
/// action's own query at its end.
fn fire<T: Transaction>(events: Vec<Event>, ctx: &mut Ctx<'_, T>, run: &mut FkRun) -> Result<()> {
    for ev in events {
        let inc = &ev.fks.incoming[ev.incoming];
        let fk = &inc.fk;
        let table = &ev.table;
        let action = if ev.new_values.is_some() {
            fk.on_update
        } else {
            fk.on_delete
        };
        if action == FkAction::NoAction && deferred_now(fk, ctx) {
            defer(inc.child.id, fk, Side::Referenced, ev.values, ctx);
            continue;
        }
        if action == FkAction::NoAction
            && key_present(table, &inc.index, &fk.parent_columns, &ev.values, ctx, None)?
        {
            continue;
        }
        let child_values = to_child_values(fk, &inc.child, &ev.values)?;
        let ts = ctx.txn.snapshot_ts();
        let check_only = matches!(action, FkAction::NoAction | FkAction::Restrict);
        let mode = if check_only {
            LockMode::RowShare
        } else {
            LockMode::RowExclusive
        };
        ctx.txn.lock_table(inc.child.id, mode, false, ts)?;
        let rows = find_children(&inc.child, fk, &child_values, ctx, check_only)?;
        if rows.is_empty() {
            continue;
        }
        if check_only {
            return Err(still_referenced(table, &inc.child, fk, &ev.values));
        }
        run.depth += 1;
        if run.depth > 1000 {
            return Err(EngineError::new(
                SqlState::StatementTooComplex,
                "foreign key cascades nest too deeply",
            ));
        }
        let w = run.writer(&inc.child, ctx)?;
        let r = (|| -> Result<()> {
            let mut nested = Vec::new();
            for (key, _) in rows {
                cascade_row(
                    &w,
                    fk,
                    &key,
                    &child_values,
                    action,
                    ev.new_values.as_deref(),
                    ctx,
                    &mut nested,
                )?;
            }
            fire(nested, ctx, run)?;
            // SET DEFAULT may have set the deleted key again: then it is
            // still referenced (PostgreSQL runs the NO ACTION check).
            if action == FkAction::SetDefault
                && !key_present(table, &inc.index, &fk.parent_columns, &ev.values, ctx, None)?
                && !find_children(&inc.child, fk, &child_values, ctx, true)?.is_empty()
            {
                return Err(still_referenced(table, &inc.child, fk, &ev.values));
            }
            Ok(())
        })();
        run.depth -= 1;
        r?;
    }
    Ok(())
}

/// Applies `action` to the referencing row at `key` (if it still
/// references `values` once locked), queueing the events of its own
/// referenced keys into `events`.
#[allow(clippy::too_many_arguments)]
fn cascade_row<T: Transaction>(
    w: &Writer,
    fk: &ForeignKeyDesc,
    key: &[u8],
    values: &[Value],
    action: FkAction,
    new_parent: Option<&[Value]>,
    ctx: &mut Ctx<'_, T>,
    events: &mut Vec<Event>,
) -> Result<()> {
    let table = &w.table;
    let mut buf = Vec::new();
    if !ctx.txn.get_for_update(key, &mut buf)? {
        return Ok(());
    }
    let mut old = Vec::new();
    decode_values(table, &buf, &mut old)?;
    let current: Vec<Value> = fk.columns.iter().map(|&c| old[c].clone()).collect();
    if !same_key(&current, values)? {
        return Ok(());
    }
    if action == FkAction::Cascade && new_parent.is_none() {
        delete_entries(table, &w.indexes, &old, key, ctx)?;
        ctx.txn.delete(key)?;
        return queue_change(&w.fks, table, &old, None, ctx, events);
    }
    let mut row = old.clone();
    match action {
        FkAction::Cascade => {
            let np = new_parent.unwrap_or_default();
            for (&c, v) in fk.columns.iter().zip(np) {
                row[c] = cast(v.clone(), &table.columns[c].ty, CastKind::Assignment)?;
            }
        }
        FkAction::SetNull | FkAction::SetDefault => {
            let cols = if new_parent.is_some() {
                &fk.columns[..]
            } else {
                fk.delete_set()
            };
            for &c in cols {
                row[c] = if action == FkAction::SetNull {
                    Value::Null
                } else {
                    w.defaults[c].eval(&old, ctx)?
                };
            }
        }
        FkAction::NoAction | FkAction::Restrict => return Ok(()),
    }
    crate::exec::generated::compute(&w.generated, &mut row, ctx)?;
    crate::exec::dml::conform_row(table, &mut row)?;
    enforce_checks(&w.checks, table, &row, ctx)?;
    let mut new_key = Vec::new();
    if table.has_hidden_rowid() {
        new_key.extend_from_slice(key);
    } else {
        primary_key(&mut new_key, table, &row, 0)?;
    }
    update_entries(table, &w.indexes, (&old, key), (&row, &new_key), ctx)?;
    if new_key.as_slice() != key {
        ctx.txn.delete(key)?;
        if ctx.txn.get_for_update(&new_key, &mut buf)? {
            return Err(crate::exec::dml::duplicate_key(table, &row));
        }
    }
    encode_values(&mut buf, &row);
    ctx.txn.put(&new_key, &buf)?;
    // A SET DEFAULT key must itself be present (a cascaded key is: it is
    // the referenced row's new key).
    check_row(&w.fks, table, Some(&old), &row, ctx)?;
    queue_change(&w.fks, table, &old, Some(&row), ctx, events)
}

/// Checks every row of `table` against its foreign key `fk` (ADD
/// CONSTRAINT without NOT VALID, VALIDATE CONSTRAINT): 23503 on the first
/// row whose key is missing from `parent`.
pub fn validate<T: Transaction>(
    txn: &mut T,
    table: &TableDesc,
    fk: &ForeignKeyDesc,
    parent: &TableDesc,
    now: i64,
    interrupt: &mut crate::interrupt::Interrupt,
) -> Result<()> {
    let mut ctx = Ctx::new(txn, &[], now);
    ctx.interrupt = interrupt.clone();
    validate_in(table, fk, parent, &mut ctx)
}

/// How many rows' keys [`validate_in`] reads before it looks them up.
const VALIDATE_BATCH: usize = 1024;

/// [`validate`] in a statement's context: the rows are read in batches
/// of [`VALIDATE_BATCH`] keys (memory does not grow with the table), each
/// batch looked up before the next is read.
pub fn validate_in<T: Transaction>(
    table: &TableDesc,
    fk: &ForeignKeyDesc,
    parent: &TableDesc,
    ctx: &mut Ctx<'_, T>,
) -> Result<()> {
    let index = referenced_index(parent, fk)?;
    let (mut start, end) = keys::primary_range(table.storage_id);
    let mut batch = Vec::with_capacity(VALIDATE_BATCH);
    let mut row = Vec::new();
    loop {
        batch.clear();
        let mut cursor = ctx.txn.cursor();
        ctx.txn.seek(
            &mut cursor,
            KeyRange::half_open(&start, &end),
            Direction::Forward,
        )?;
        let mut last: Option<Vec<u8>> = None;
        // Whether the batch filled before the rows ended.
        let mut more = false;
        loop {
            if batch.len() == VALIDATE_BATCH {
                more = true;
                break;
            }
            ctx.check_interrupt()?;
            let Some((k, v)) = ctx.txn.next(&mut cursor)? else {
                break;
            };
            let buf = last.get_or_insert_with(Vec::new);
            buf.clear();
            buf.extend_from_slice(k);
            decode_values(table, v, &mut row)?;
            let values: Vec<Value> = fk.columns.iter().map(|&c| row[c].clone()).collect();
            if needs_check(table, fk, &values)? {
                batch.push(values);
            }
        }
        drop(cursor);
        for values in &batch {
            if !key_present(parent, &index, &fk.parent_columns, values, ctx, None)? {
                return Err(fk_violation(table, parent, fk, values));
            }
        }
        match last {
            // Keys are prefix-free: the next one is at or after `k\0`.
            Some(mut k) if more => {
                k.push(0);
                start = k;
            }
            _ => return Ok(()),
        }
    }
}
