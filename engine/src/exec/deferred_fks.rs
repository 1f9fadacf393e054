//! Deferred foreign key checks: `DEFERRABLE [INITIALLY DEFERRED]` and
//! `SET CONSTRAINTS` (whose modes DEFERRABLE UNIQUE constraints share:
//! see [`crate::exec::deferred_unique`]).
//!
//! As in PostgreSQL, only the checks that NO ACTION and the referencing
//! side make wait: a deferrable constraint's RESTRICT, CASCADE, SET NULL
//! and SET DEFAULT act at once (their triggers are never deferred). A
//! check is deferred when its constraint is DEFERRABLE and, for this
//! transaction, the last `SET CONSTRAINTS` naming it (or `ALL`) said
//! DEFERRED, or none did and it is INITIALLY DEFERRED.
//!
//! A deferred check is recorded as the constraint and a *key*, not a row:
//! the referencing key a written row has ([`Side::Referencing`]) or the
//! referenced key a deleted or changed row had ([`Side::Referenced`]).
//! At COMMIT (or when `SET CONSTRAINTS ... IMMEDIATE` ends the deferral)
//! each key is checked against the state the transaction has made: it is
//! fine when the referenced table has the key, or when no referencing
//! row has it any more -- so rows changed again, deleted or rolled back to
//! a savepoint since are judged by what they are at COMMIT, as
//! PostgreSQL's queued trigger events judge them. The error is the one
//! the immediate check gives (23503, "insert or update on ..." or
//! "update or delete on ... is still referenced"), and the transaction
//! rolls back.
//!
//! Memory is bounded: equal keys are recorded once, and past
//! [`MAX_PENDING`] keys a constraint is instead checked whole at COMMIT
//! (every referencing row's key must be present, in bounded batches), as
//! `VALIDATE CONSTRAINT` checks it.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::sync::Arc;

use rocksgres_storage::{LockMode, Transaction};

use crate::catalog::foreign_key::table_by_id;
use crate::catalog::{ForeignKeyDesc, TableDesc};
use crate::error::{EngineError, Result, SqlState};
use crate::exec::ctx::Ctx;
use crate::exec::foreign_keys as fks;
use crate::types::Value;

/// How many keys a transaction records before it checks constraints
/// whole at COMMIT instead.
pub const MAX_PENDING: usize = 65536;

/// Which side of a foreign key a deferred key comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Side {
    /// A referencing row was written with this key (child column values).
    Referencing,
    /// A referenced row with this key was deleted or changed (parent
    /// column values).
    Referenced,
}

/// One deferred check.
#[derive(Debug, Clone)]
struct Pending {
    child: u32,
    fk: u32,
    initially_deferred: bool,
    side: Side,
    values: Vec<Value>,
}

/// The deferred checks of one transaction and its `SET CONSTRAINTS` state.
#[derive(Debug, Default)]
pub struct DeferredFks {
    /// `SET CONSTRAINTS ALL`: deferred or not.
    all: Option<bool>,
    /// `SET CONSTRAINTS name`: by constraint OID.
    modes: HashMap<u32, bool>,
    pending: Vec<Pending>,
    /// (constraint OID, side, key bytes) of `pending`.
    seen: HashSet<(u32, bool, Vec<u8>)>,
    /// Constraints checked whole: OID -> (referencing table, initially
    /// deferred).
    whole: BTreeMap<u32, (u32, bool)>,
    /// The keys of DEFERRABLE UNIQUE constraints to check.
    pub(crate) unique: crate::exec::deferred_unique::UniqueChecks,
}

/// The `SET CONSTRAINTS` state of a transaction: `ALL`'s mode and the
/// modes set by name (a savepoint keeps a copy).
#[derive(Debug, Clone, Default)]
pub struct ConstraintModes {
    all: Option<bool>,
    modes: HashMap<u32, bool>,
}

/// A session's deferred checks, shared with its statements.
pub type SharedDeferred = Arc<parking_lot::Mutex<DeferredFks>>;

impl DeferredFks {
    /// Whether the deferrable constraint `oid` waits for COMMIT now.
    pub(crate) fn deferred_now(&self, oid: u32, initially_deferred: bool) -> bool {
        self.deferred(oid, initially_deferred)
    }

    fn deferred(&self, oid: u32, initially_deferred: bool) -> bool {
        self.modes
            .get(&oid)
            .copied()
            .or(self.all)
            .unwrap_or(initially_deferred)
    }

    /// Whether `fk`'s checks wait for COMMIT now.
    pub fn is_deferred(&self, fk: &ForeignKeyDesc) -> bool {
        fk.deferrable && self.deferred(fk.oid, fk.initially_deferred)
    }

    /// Records a check of `fk` (a constraint of table `child`) on key
    /// `values` from `side`.
    pub fn defer(&mut self, child: u32, fk: &ForeignKeyDesc, side: Side, values: Vec<Value>) {
        if self.whole.contains_key(&fk.oid) {
            return;
        }
        let mut key = Vec::new();
        for v in &values {
            if fks::key_bytes(&mut key, v).is_err() {
                // No key: check the constraint whole.
                self.pending.retain(|p| p.fk != fk.oid);
                self.whole.insert(fk.oid, (child, fk.initially_deferred));
                return;
            }
        }
        if !self.seen.insert((fk.oid, side == Side::Referenced, key)) {
            return;
        }
        if self.pending.len() >= MAX_PENDING {
            self.pending.retain(|p| p.fk != fk.oid);
            self.seen.retain(|(oid, _, _)| *oid != fk.oid);
            self.whole.insert(fk.oid, (child, fk.initially_deferred));
            return;
        }
        self.pending.push(Pending {
            child,
            fk: fk.oid,
            initially_deferred: fk.initially_deferred,
            side,
            values,
        });
    }

    /// `SET CONSTRAINTS ALL ...`.
    pub fn set_all(&mut self, deferred: bool) {
        self.all = Some(deferred);
        self.modes.clear();
    }

    /// `SET CONSTRAINTS name ...` for the constraint with OID `oid`.
    pub fn set(&mut self, oid: u32, deferred: bool) {
        self.modes.insert(oid, deferred);
    }

    /// The `SET CONSTRAINTS` modes now (for a savepoint).
    pub fn modes(&self) -> ConstraintModes {
        ConstraintModes {
            all: self.all,
            modes: self.modes.clone(),
        }
    }

    /// ROLLBACK TO SAVEPOINT: the modes are again those the savepoint
    /// kept. Recorded checks stay: each is judged by the state at COMMIT
    /// (or when its constraint becomes immediate).
    pub fn restore_modes(&mut self, m: ConstraintModes) {
        self.all = m.all;
        self.modes = m.modes;
    }

    /// Whether no check is deferred.
    pub fn is_empty(&self) -> bool {
        self.pending.is_empty() && self.whole.is_empty() && self.unique.is_empty()
    }

    /// Whether a check fired by a write to table `table` waits for COMMIT
    /// (a deferred unique key, or a referencing key of a deferred foreign
    /// key of `table`): PostgreSQL's pending trigger events on it.
    pub fn pending_on(&self, table: u32) -> bool {
        self.unique.pending_on(table)
            || self
                .pending
                .iter()
                .any(|p| p.child == table && p.side == Side::Referencing)
            || self.whole.values().any(|(child, _)| *child == table)
    }

    /// The transaction ended: nothing is pending, no constraint is set.
    pub fn clear(&mut self) {
        *self = DeferredFks::default();
    }

    /// Takes the checks that are no longer deferred (all of them with
    /// `all`).
    fn take_due(&mut self, all: bool) -> Due {
        let mut due = Due::default();
        let mut keep = Vec::new();
        for p in std::mem::take(&mut self.pending) {
            if all || !self.deferred(p.fk, p.initially_deferred) {
                self.seen.retain(|(oid, _, _)| *oid != p.fk);
                due.pending.push(p);
            } else {
                keep.push(p);
            }
        }
        self.pending = keep;
        let whole = std::mem::take(&mut self.whole);
        for (oid, (child, initially)) in whole {
            if all || !self.deferred(oid, initially) {
                due.whole.push((oid, child));
            } else {
                self.whole.insert(oid, (child, initially));
            }
        }
        due
    }
}

/// Checks taken out of a [`DeferredFks`] to run.
#[derive(Default)]
struct Due {
    pending: Vec<Pending>,
    whole: Vec<(u32, u32)>,
}

/// A constraint of a deferred check, read from the catalog.
struct Loaded {
    child: Arc<TableDesc>,
    fk: ForeignKeyDesc,
    parent: Arc<TableDesc>,
    index: crate::catalog::IndexDesc,
}

/// The constraint `oid` of table `child`; `None` when either was dropped
/// since (then nothing is left to check).
fn load<T: Transaction>(
    ctx: &mut Ctx<'_, T>,
    tables: &mut HashMap<u32, Option<Arc<TableDesc>>>,
    child: u32,
    oid: u32,
) -> Result<Option<Loaded>> {
    let mut table = |id: u32, ctx: &mut Ctx<'_, T>| -> Result<Option<Arc<TableDesc>>> {
        if let Some(t) = tables.get(&id) {
            return Ok(t.clone());
        }
        let t = table_by_id(&mut *ctx.txn, id)?.map(Arc::new);
        tables.insert(id, t.clone());
        Ok(t)
    };
    let Some(child) = table(child, ctx)? else {
        return Ok(None);
    };
    let Some(fk) = child.foreign_keys.iter().find(|f| f.oid == oid).cloned() else {
        return Ok(None);
    };
    let Some(parent) = table(fk.parent, ctx)? else {
        return Ok(None);
    };
    let index = fks::referenced_index(&parent, &fk)?;
    Ok(Some(Loaded {
        child,
        fk,
        parent,
        index,
    }))
}

/// Runs the checks of `deferred` that are due (all of them with `all`,
/// at COMMIT): the first violation fails with 23503.
pub fn check_due<T: Transaction>(
    deferred: &SharedDeferred,
    all: bool,
    ctx: &mut Ctx<'_, T>,
) -> Result<()> {
    let due = deferred.lock().take_due(all);
    let mut tables = HashMap::new();
    for p in due.pending {
        ctx.check_interrupt()?;
        let Some(c) = load(ctx, &mut tables, p.child, p.fk)? else {
            continue;
        };
        check_key(&c, p.side, &p.values, ctx)?;
    }
    for (oid, child) in due.whole {
        let Some(c) = load(ctx, &mut tables, child, oid)? else {
            continue;
        };
        fks::validate_in(&c.child, &c.fk, &c.parent, ctx)?;
    }
    crate::exec::deferred_unique::check_due(deferred, all, ctx)
}

/// One deferred key: fine when the referenced table has it or no
/// referencing row has it any more.
fn check_key<T: Transaction>(
    c: &Loaded,
    side: Side,
    values: &[Value],
    ctx: &mut Ctx<'_, T>,
) -> Result<()> {
    let ts = ctx.txn.snapshot_ts();
    let (parent_values, child_values) = match side {
        Side::Referencing => {
            ctx.txn
                .lock_table(c.parent.id, LockMode::RowShare, false, ts)?;
            // The shared key lock, as the immediate check takes it.
            let present = fks::key_present(
                &c.parent,
                &c.index,
                &c.fk.parent_columns,
                values,
                ctx,
                Some(()),
            )?;
            if present {
                return Ok(());
            }
            (values.to_vec(), values.to_vec())
        }
        Side::Referenced => {
            if fks::key_present(&c.parent, &c.index, &c.fk.parent_columns, values, ctx, None)? {
                return Ok(());
            }
            let child_values = fks::to_child_values(&c.fk, &c.child, values)?;
            (values.to_vec(), child_values)
        }
    };
    ctx.txn
        .lock_table(c.child.id, LockMode::RowShare, false, ts)?;
    if fks::find_children(&c.child, &c.fk, &child_values, ctx, true)?.is_empty() {
        return Ok(());
    }
    Err(match side {
        Side::Referencing => fks::fk_violation(&c.child, &c.parent, &c.fk, &parent_values),
        Side::Referenced => fks::still_referenced(&c.parent, &c.child, &c.fk, &parent_values),
    })
}

/// `SET CONSTRAINTS`: the constraints `names` (every deferrable one when
/// `None`) become deferred or immediate for the rest of the transaction;
/// becoming immediate runs their pending checks now. A named constraint
/// that is not deferrable cannot be deferred (42809); an unknown name is
/// 42704.
pub fn set_constraints<T: Transaction>(
    deferred: &SharedDeferred,
    oids: Option<Vec<(u32, bool)>>,
    defer: bool,
    ctx: &mut Ctx<'_, T>,
) -> Result<()> {
    {
        let mut d = deferred.lock();
        match oids {
            None => d.set_all(defer),
            Some(list) => {
                for (oid, _) in list {
                    d.set(oid, defer);
                }
            }
        }
    }
    if defer {
        return Ok(());
    }
    check_due(deferred, false, ctx)
}

/// The constraints a `SET CONSTRAINTS` name means: every constraint so
/// named on a table of the schema the name resolves to, as (OID,
/// deferrable); 42704 when there is none, 42809 when deferring one that
/// is not deferrable.
pub fn resolve_name<T: Transaction>(
    txn: &mut T,
    path: &crate::catalog::SearchPath,
    name: &sqlparser::ast::ObjectName,
    defer: bool,
) -> Result<Vec<(u32, bool)>> {
    let tables = crate::catalog::all_tables(txn)?;
    let has = |schema: &str, n: &str| {
        tables.iter().any(|t| {
            t.schema == schema && crate::catalog::constraint::constraint_names(t).any(|c| c == n)
        })
    };
    let (schema, n) =
        crate::catalog::temp::existing_schema(txn, path, name, None, |_, s, n| Ok(has(s, n)))?;
    let mut out = Vec::new();
    for t in tables.iter().filter(|t| t.schema == schema) {
        for ix in t
            .indexes
            .iter()
            .filter(|ix| ix.constraint_oid != 0 && !ix.columns.is_empty() && ix.name == n)
        {
            out.push((ix.constraint_oid, ix.deferrable));
        }
        for c in t.checks.iter().filter(|c| c.name == n) {
            out.push((c.oid, false));
        }
        for fk in t.foreign_keys.iter().filter(|f| f.name == n) {
            out.push((fk.oid, fk.deferrable));
        }
    }
    if out.is_empty() {
        return Err(EngineError::new(
            SqlState::UndefinedObject,
            format!("constraint \"{n}\" does not exist"),
        ));
    }
    if defer && out.iter().any(|(_, deferrable)| !deferrable) {
        return Err(EngineError::new(
            SqlState::WrongObjectType,
            format!("constraint \"{n}\" is not deferrable"),
        ));
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::catalog::FkAction;

    fn fk(oid: u32, deferrable: bool, initially_deferred: bool) -> ForeignKeyDesc {
        ForeignKeyDesc {
            name: format!("f{oid}"),
            oid,
            columns: vec![0],
            parent: 1,
            parent_columns: vec![0],
            parent_index: 1,
            on_update: FkAction::NoAction,
            on_delete: FkAction::NoAction,
            delete_set_columns: Vec::new(),
            match_full: false,
            validated: true,
            deferrable,
            initially_deferred,
        }
    }

    #[test]
    fn modes_follow_set_constraints() {
        let mut d = DeferredFks::default();
        let (a, b, c) = (
            fk(10, true, true),
            fk(11, true, false),
            fk(12, false, false),
        );
        assert!(d.is_deferred(&a) && !d.is_deferred(&b) && !d.is_deferred(&c));
        d.set_all(true);
        assert!(d.is_deferred(&a) && d.is_deferred(&b) && !d.is_deferred(&c));
        d.set(10, false);
        assert!(!d.is_deferred(&a) && d.is_deferred(&b));
        // ALL forgets the names set before it, as PostgreSQL.
        d.set_all(false);
        assert!(!d.is_deferred(&a) && !d.is_deferred(&b));
        d.clear();
        assert!(d.is_deferred(&a));
    }

    #[test]
    fn equal_keys_are_recorded_once_and_due_when_immediate() {
        let mut d = DeferredFks::default();
        let a = fk(10, true, true);
        for _ in 0..3 {
            d.defer(2, &a, Side::Referencing, vec![Value::Int4(1)]);
        }
        d.defer(2, &a, Side::Referenced, vec![Value::Int4(1)]);
        d.defer(2, &a, Side::Referencing, vec![Value::Int4(2)]);
        assert_eq!(d.pending.len(), 3);
        assert!(d.take_due(false).pending.is_empty());
        d.set(10, false);
        assert_eq!(d.take_due(false).pending.len(), 3);
        assert!(d.pending.is_empty() && d.seen.is_empty());
    }

    #[test]
    fn too_many_keys_check_the_constraint_whole() {
        let mut d = DeferredFks::default();
        let a = fk(10, true, true);
        for i in 0..=MAX_PENDING as i32 {
            d.defer(2, &a, Side::Referencing, vec![Value::Int4(i)]);
        }
        assert!(d.pending.is_empty() && d.seen.is_empty());
        d.defer(2, &a, Side::Referencing, vec![Value::Int4(-1)]);
        assert!(d.pending.is_empty());
        let due = d.take_due(true);
        assert_eq!(due.whole, vec![(10, 2)]);
    }
}
