//! DEFERRABLE UNIQUE constraints: checked at the end of each statement
//! (`INITIALLY IMMEDIATE`) or at COMMIT (`INITIALLY DEFERRED`, or after
//! `SET CONSTRAINTS ... DEFERRED`), as PostgreSQL's deferred unique checks.
//!
//! Storage: the index of a deferrable constraint keeps the *non-unique*
//! entry layout (`[index prefix][key columns][primary key]`, see
//! [`crate::exec::index`]), so duplicates may exist until the check. A
//! write whose key has another live entry at that moment (a possible
//! duplicate: PostgreSQL queues a recheck only then too) records the
//! entry's key-column bytes ([`record`]) in the session's
//! [`SharedDeferred`]: in the statement's list when the constraint is
//! immediate now, else in the transaction's list. Equal keys
//! are recorded once; past [`MAX_PENDING`] keys of one list a constraint
//! is checked *whole* instead (one ordered scan of its index), so memory
//! stays bounded.
//!
//! Checking one key scans the entries under its prefix, reading the
//! newest committed versions merged with own writes: two live entries are
//! a violation (23505, the text and DETAIL of the immediate check), unless
//! one of them belongs to a row another transaction is deleting: the
//! check takes a shared lock on each of the two entries found (waiting for
//! such a writer, as PostgreSQL waits on the tuple's xmax) and looks
//! again.
//!
//! Concurrency: the plain unique index is safe because two inserters of a
//! key write the same store key, so the second waits for the first's row
//! lock and then reads its outcome. A deferrable index's entries differ by
//! their primary-key suffix, so every write of a key also takes the row
//! lock on the key's *marker* -- the bare prefix `[index prefix][key
//! columns]`, never an entry nor written -- held until the transaction
//! ends. Two transactions writing the same key therefore run one after
//! the other from that write on, and the second one's check (which reads
//! the newest committed entries) sees the first's committed entry. Unlike
//! PostgreSQL, a second writer of a key waits at its write even when its
//! check is deferred (PostgreSQL waits at its COMMIT, or deadlocks there
//! when both are deferred). A whole check needs no more locks: the
//! markers were taken by the writes.

use std::collections::{BTreeMap, HashMap, HashSet};

use rocksgres_codec::INDEX_PREFIX_LEN;
use rocksgres_storage::{Direction, KeyRange, Transaction};

use crate::catalog::foreign_key::table_by_id;
use crate::catalog::{IndexDesc, TableDesc};
use crate::error::{EngineError, Result, SqlState};
use crate::exec::ctx::Ctx;
use crate::exec::deferred_fks::SharedDeferred;
use crate::exec::row::{decode_values, describe_row};
use crate::keys;
use crate::types::Value;

/// How many keys one list records before its constraints are checked
/// whole instead.
pub const MAX_PENDING: usize = 65536;

/// `DEFERRABLE` and `INITIALLY DEFERRED` of a UNIQUE or PRIMARY KEY
/// constraint's characteristics (INITIALLY DEFERRED implies DEFERRABLE);
/// `NOT DEFERRABLE INITIALLY DEFERRED` is 42601, `NOT ENFORCED` 0A000.
pub fn deferral(ch: &Option<sqlparser::ast::ConstraintCharacteristics>) -> Result<(bool, bool)> {
    let Some(ch) = ch else {
        return Ok((false, false));
    };
    if ch.enforced == Some(false) {
        return Err(EngineError::unsupported(format!(
            "constraint characteristics {ch}"
        )));
    }
    let initially = matches!(
        ch.initially,
        Some(sqlparser::ast::DeferrableInitial::Deferred)
    );
    if initially && ch.deferrable == Some(false) {
        return Err(EngineError::new(
            SqlState::SyntaxError,
            "constraint declared INITIALLY DEFERRED must be DEFERRABLE",
        ));
    }
    Ok((ch.deferrable.unwrap_or(initially), initially))
}

/// The constraint a recorded key belongs to.
#[derive(Debug, Clone, Copy)]
struct Target {
    table: u32,
    index: u32,
    initially_deferred: bool,
}

/// Keys to check, by constraint OID, and the constraints checked whole.
#[derive(Debug, Default)]
struct KeyList {
    targets: HashMap<u32, Target>,
    /// (constraint OID, key-column bytes), in the order they were
    /// written (the first violation reported is the first written, as
    /// PostgreSQL's queued rechecks run in order).
    keys: Vec<(u32, Vec<u8>)>,
    /// The members of `keys`, to record each once.
    seen: HashSet<(u32, Vec<u8>)>,
    whole: BTreeMap<u32, Target>,
}

impl KeyList {
    fn add(&mut self, oid: u32, target: Target, key: &[u8]) {
        if self.whole.contains_key(&oid) {
            return;
        }
        if self.keys.len() >= MAX_PENDING {
            self.keys.retain(|(o, _)| *o != oid);
            self.seen.retain(|(o, _)| *o != oid);
            self.whole.insert(oid, target);
            return;
        }
        self.targets.insert(oid, target);
        if self.seen.insert((oid, key.to_vec())) {
            self.keys.push((oid, key.to_vec()));
        }
    }

    fn is_empty(&self) -> bool {
        self.keys.is_empty() && self.whole.is_empty()
    }

    /// Takes the keys and whole checks of the constraints `due` says.
    fn take(&mut self, mut due: impl FnMut(u32, &Target) -> bool) -> Due {
        let mut out = Due::default();
        let targets = &self.targets;
        let mut keep = Vec::new();
        for (oid, key) in std::mem::take(&mut self.keys) {
            match targets.get(&oid) {
                Some(t) if due(oid, t) => out.keys.push((*t, key)),
                Some(_) => keep.push((oid, key)),
                None => {}
            }
        }
        self.seen = keep.iter().cloned().collect();
        self.keys = keep;
        for (oid, t) in std::mem::take(&mut self.whole) {
            if due(oid, &t) {
                out.whole.push(t);
            } else {
                self.whole.insert(oid, t);
            }
        }
        out
    }
}

/// Checks taken out of a [`KeyList`] to run.
#[derive(Default)]
struct Due {
    keys: Vec<(Target, Vec<u8>)>,
    whole: Vec<Target>,
}

/// The recorded deferrable unique checks of a transaction (part of
/// [`crate::exec::deferred_fks::DeferredFks`], which keeps the `SET
/// CONSTRAINTS` modes).
#[derive(Debug, Default)]
pub struct UniqueChecks {
    /// Keys written while their constraint was immediate: checked when
    /// the statement ends.
    statement: KeyList,
    /// Keys written while their constraint was deferred.
    deferred: KeyList,
}

impl UniqueChecks {
    /// Whether no check waits for COMMIT.
    pub fn is_empty(&self) -> bool {
        self.deferred.is_empty()
    }

    /// Whether a check of a constraint of table `table` waits for COMMIT.
    pub fn pending_on(&self, table: u32) -> bool {
        let l = &self.deferred;
        l.whole.values().any(|t| t.table == table)
            || l.keys
                .iter()
                .any(|(oid, _)| l.targets.get(oid).is_some_and(|t| t.table == table))
    }
}

/// Records that an entry with key-column bytes `key` was written to the
/// deferrable index `ix` of `table`: checked at the end of the statement
/// or at COMMIT, or at once where the context has no deferred checks
/// (`creating`: the message of a new index's build).
pub fn record<T: Transaction>(
    table: &TableDesc,
    ix: &IndexDesc,
    row: &[Value],
    (entry, pk_key): (&[u8], &[u8]),
    ctx: &mut Ctx<'_, T>,
    creating: bool,
) -> Result<()> {
    if !ix.nulls_not_distinct && ix.columns.iter().any(|ic| row[ic.column].is_null()) {
        return Ok(());
    }
    let suffix = pk_key.len().saturating_sub(INDEX_PREFIX_LEN);
    let Some(key) = entry.get(INDEX_PREFIX_LEN..entry.len().saturating_sub(suffix)) else {
        return Err(EngineError::internal("deferrable index entry"));
    };
    // The key's marker: one writer of this key at a time.
    let marker = &entry[..entry.len() - suffix];
    ctx.txn.lock(marker)?;
    // As PostgreSQL queues a recheck only for a possible duplicate: a key
    // with no other live entry now needs none (a later write of it by
    // this transaction looks again; others wait for the marker).
    if ctx.deferred.is_some() && first_two(marker, ctx)?.len() < 2 {
        return Ok(());
    }
    let target = Target {
        table: table.id,
        index: ix.id,
        initially_deferred: ix.initially_deferred,
    };
    match &ctx.deferred {
        Some(d) => {
            let mut d = d.lock();
            if d.deferred_now(ix.constraint_oid, ix.initially_deferred) {
                d.unique.deferred.add(ix.constraint_oid, target, key);
            } else {
                d.unique.statement.add(ix.constraint_oid, target, key);
            }
            Ok(())
        }
        None => check_key(table, ix, key, ctx, creating),
    }
}

/// The end of a statement: checks the keys its writes recorded for
/// immediate constraints (`ok`: the statement succeeded; else they are
/// dropped).
pub fn end_statement<T: Transaction>(ok: bool, ctx: &mut Ctx<'_, T>) -> Result<()> {
    let Some(d) = ctx.deferred.clone() else {
        return Ok(());
    };
    let due = {
        let mut d = d.lock();
        if d.unique.statement.is_empty() {
            return Ok(());
        }
        std::mem::take(&mut d.unique.statement).take(|_, _| true)
    };
    if !ok {
        return Ok(());
    }
    run(due, ctx)
}

/// Runs the recorded checks of constraints no longer deferred (all of
/// them with `all`, at COMMIT).
pub fn check_due<T: Transaction>(
    deferred: &SharedDeferred,
    all: bool,
    ctx: &mut Ctx<'_, T>,
) -> Result<()> {
    let due = {
        let mut d = deferred.lock();
        let mut statement = std::mem::take(&mut d.unique.statement).take(|_, _| true);
        let mut list = std::mem::take(&mut d.unique.deferred);
        let mut due = list.take(|oid, t| all || !d.deferred_now(oid, t.initially_deferred));
        d.unique.deferred = list;
        due.keys.append(&mut statement.keys);
        due.whole.append(&mut statement.whole);
        due
    };
    run(due, ctx)
}

/// Runs `due`'s checks: the first violation fails with 23505.
fn run<T: Transaction>(due: Due, ctx: &mut Ctx<'_, T>) -> Result<()> {
    let mut tables: HashMap<u32, Option<TableDesc>> = HashMap::new();
    let mut whole_done = HashSet::new();
    for t in &due.whole {
        ctx.check_interrupt()?;
        if let Some((table, ix)) = load(ctx, &mut tables, t)? {
            whole_done.insert((t.table, t.index));
            check_whole(&table, &ix, ctx)?;
        }
    }
    for (t, key) in &due.keys {
        ctx.check_interrupt()?;
        if whole_done.contains(&(t.table, t.index)) {
            continue;
        }
        if let Some((table, ix)) = load(ctx, &mut tables, t)? {
            check_key(&table, &ix, key, ctx, false)?;
        }
    }
    Ok(())
}

/// The table and deferrable index of a recorded check; `None` when
/// either is gone (or no longer deferrable) since.
fn load<T: Transaction>(
    ctx: &mut Ctx<'_, T>,
    tables: &mut HashMap<u32, Option<TableDesc>>,
    t: &Target,
) -> Result<Option<(TableDesc, IndexDesc)>> {
    if let std::collections::hash_map::Entry::Vacant(e) = tables.entry(t.table) {
        e.insert(table_by_id(&mut *ctx.txn, t.table)?);
    }
    let Some(Some(table)) = tables.get(&t.table) else {
        return Ok(None);
    };
    let Some(ix) = table
        .indexes
        .iter()
        .find(|ix| ix.id == t.index && ix.deferrable)
    else {
        return Ok(None);
    };
    Ok(Some((table.clone(), ix.clone())))
}

/// Checks one key of `ix` (see the module docs).
fn check_key<T: Transaction>(
    table: &TableDesc,
    ix: &IndexDesc,
    key: &[u8],
    ctx: &mut Ctx<'_, T>,
    creating: bool,
) -> Result<()> {
    let mut prefix = Vec::new();
    keys::index_prefix(&mut prefix, table.storage_id, ix.id);
    prefix.extend_from_slice(key);
    let mut locked: Vec<Vec<u8>> = Vec::new();
    loop {
        let found = first_two(&prefix, ctx)?;
        if found.len() < 2 {
            return Ok(());
        }
        let now: Vec<Vec<u8>> = found.iter().map(|(k, _)| k.clone()).collect();
        if now == locked {
            return Err(violation(table, ix, &found[0].1, ctx, creating));
        }
        for k in &now {
            ctx.txn.lock_shared(k)?;
        }
        locked = now;
    }
}

/// The first two live entries (key, value) under `prefix`, reading the
/// newest committed versions merged with own writes.
fn first_two<T: Transaction>(
    prefix: &[u8],
    ctx: &mut Ctx<'_, T>,
) -> Result<Vec<(Vec<u8>, Vec<u8>)>> {
    let mut end = Vec::new();
    keys::prefix_end(prefix, &mut end);
    let mut cursor = ctx.txn.cursor();
    ctx.txn.seek_latest(
        &mut cursor,
        KeyRange::half_open(prefix, &end),
        Direction::Forward,
    )?;
    let mut found = Vec::with_capacity(2);
    while found.len() < 2 {
        let Some((k, v)) = ctx.txn.next(&mut cursor)? else {
            break;
        };
        found.push((k.to_vec(), v.to_vec()));
    }
    Ok(found)
}

/// Checks the whole of `ix`: no two live entries with equal, NULL-free
/// keys.
fn check_whole<T: Transaction>(
    table: &TableDesc,
    ix: &IndexDesc,
    ctx: &mut Ctx<'_, T>,
) -> Result<()> {
    let mut start = Vec::new();
    keys::index_prefix(&mut start, table.storage_id, ix.id);
    let mut end = Vec::new();
    keys::prefix_end(&start, &mut end);
    // A duplicate found is checked again key by key (with its locks);
    // NULL keys never conflict. The scan then goes on after that key.
    while let Some((key, pk)) = first_equal((&start, &end), ctx)? {
        match row_key(table, ix, &pk, ctx)? {
            Some(values) if !ix.nulls_not_distinct && values.iter().any(Value::is_null) => {}
            _ => check_key(table, ix, &key, ctx, false)?,
        }
        let mut prefix = Vec::new();
        keys::index_prefix(&mut prefix, table.storage_id, ix.id);
        prefix.extend_from_slice(&key);
        keys::prefix_end(&prefix, &mut start);
    }
    Ok(())
}

/// The key-column bytes and primary key of the second of the first two
/// live index entries in `[start, end)` with equal key columns.
fn first_equal<T: Transaction>(
    (start, end): (&[u8], &[u8]),
    ctx: &mut Ctx<'_, T>,
) -> Result<Option<(Vec<u8>, Vec<u8>)>> {
    let mut cursor = ctx.txn.cursor();
    ctx.txn.seek_latest(
        &mut cursor,
        KeyRange::half_open(start, end),
        Direction::Forward,
    )?;
    let mut previous: Vec<u8> = Vec::new();
    let mut first = true;
    loop {
        ctx.check_interrupt()?;
        let Some((k, v)) = ctx.txn.next(&mut cursor)? else {
            return Ok(None);
        };
        let Some(cols) = k.get(INDEX_PREFIX_LEN..k.len().saturating_sub(v.len())) else {
            return Err(EngineError::internal("deferrable index entry"));
        };
        if !first && cols == previous.as_slice() {
            return Ok(Some((cols.to_vec(), v.to_vec())));
        }
        first = false;
        previous.clear();
        previous.extend_from_slice(cols);
    }
}

/// The key values of the row at primary key bytes `pk` (after the
/// primary index prefix), `None` when it is gone.
fn row_key<T: Transaction>(
    table: &TableDesc,
    ix: &IndexDesc,
    pk: &[u8],
    ctx: &mut Ctx<'_, T>,
) -> Result<Option<Vec<Value>>> {
    let mut full = Vec::new();
    keys::index_prefix(&mut full, table.storage_id, keys::PRIMARY_INDEX);
    full.extend_from_slice(pk);
    let mut bytes = Vec::new();
    if !ctx.txn.get_latest(&full, &mut bytes)?.found {
        return Ok(None);
    }
    let mut row = Vec::new();
    decode_values(table, &bytes, &mut row)?;
    Ok(Some(
        ix.columns.iter().map(|ic| row[ic.column].clone()).collect(),
    ))
}

/// 23505 for the key of the row at `pk`, as the immediate check words it.
fn violation<T: Transaction>(
    table: &TableDesc,
    ix: &IndexDesc,
    pk: &[u8],
    ctx: &mut Ctx<'_, T>,
    creating: bool,
) -> EngineError {
    let values = match row_key(table, ix, pk, ctx) {
        Ok(Some(v)) => v,
        Ok(None) => Vec::new(),
        Err(e) => return e,
    };
    let names = crate::exec::index::key_names(table, ix);
    let (message, detail) = if creating {
        (
            format!("could not create unique index \"{}\"", ix.name),
            format!("Key ({names})={} is duplicated.", describe_row(&values)),
        )
    } else {
        (
            format!(
                "duplicate key value violates unique constraint \"{}\"",
                ix.name
            ),
            format!("Key ({names})={} already exists.", describe_row(&values)),
        )
    };
    EngineError::new(SqlState::UniqueViolation, message)
        .with_detail(detail)
        .with_constraint(&table.schema, &table.name, &ix.name)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn target() -> Target {
        Target {
            table: 1,
            index: 2,
            initially_deferred: true,
        }
    }

    #[test]
    fn equal_keys_once_and_whole_past_the_limit() {
        let mut l = KeyList::default();
        l.add(10, target(), b"a");
        l.add(10, target(), b"a");
        l.add(11, target(), b"a");
        assert_eq!(l.keys.len(), 2);
        let due = l.take(|oid, _| oid == 10);
        assert_eq!(due.keys.len(), 1);
        assert_eq!(l.keys.len(), 1);
        for i in 0..=MAX_PENDING as u32 {
            l.add(12, target(), &i.to_be_bytes());
        }
        assert_eq!(l.whole.len(), 1);
        assert!(l.keys.iter().all(|(o, _)| *o != 12));
        let due = l.take(|_, _| true);
        assert_eq!(due.whole.len(), 1);
        assert!(l.is_empty());
    }

    #[test]
    fn deferral_of_characteristics() {
        use sqlparser::ast::{ConstraintCharacteristics, DeferrableInitial};
        let ch = |deferrable, initially| {
            Some(ConstraintCharacteristics {
                deferrable,
                initially,
                enforced: None,
            })
        };
        assert_eq!(deferral(&None).unwrap(), (false, false));
        assert_eq!(deferral(&ch(Some(true), None)).unwrap(), (true, false));
        assert_eq!(
            deferral(&ch(None, Some(DeferrableInitial::Deferred))).unwrap(),
            (true, true)
        );
        assert_eq!(
            deferral(&ch(Some(false), Some(DeferrableInitial::Immediate))).unwrap(),
            (false, false)
        );
        let e = deferral(&ch(Some(false), Some(DeferrableInitial::Deferred))).unwrap_err();
        assert_eq!(e.code(), SqlState::SyntaxError.code());
    }
}
