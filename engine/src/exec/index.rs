//! Secondary indexes: entry layout, maintenance, uniqueness and backfill.
//!
//! An entry of index `i` of a row with primary key `K` (the key bytes after
//! the primary index prefix) is
//!
//! ```text
//! key:   [KS_DATA][storage id][i][key columns...]        unique, no NULL key value
//! key:   [KS_DATA][storage id][i][key columns...][K]     otherwise
//! value: K
//! ```
//!
//! A unique index therefore has at most one entry per key value, and a
//! uniqueness check is one locked point read (`get_for_update`), which also
//! makes a concurrent inserter of the same value wait and then fail, as in
//! PostgreSQL. NULLs never conflict (they are stored with the row's key
//! appended), as PostgreSQL's NULLS DISTINCT default says; a `NULLS NOT
//! DISTINCT` index keeps the unique form for NULL keys too, so they
//! conflict. Key columns may be expressions (`lower(email)`), bound once
//! per statement. A partial index (`WHERE pred`) has entries only for the
//! rows whose predicate is true, so a partial unique index enforces
//! uniqueness among those rows only. The index of a DEFERRABLE UNIQUE
//! constraint keeps the non-unique form, and its checks wait for the end
//! of the statement or COMMIT ([`crate::exec::deferred_unique`]).

use rocksgres_codec::INDEX_PREFIX_LEN;
use rocksgres_storage::{Direction, Transaction};

use crate::catalog::{IndexDesc, TableDesc};
use crate::error::{EngineError, Result, SqlState};
use crate::exec::ctx::Ctx;
use crate::exec::row::{decode_values, describe_row, push_key_value, seek_rows};
use crate::keys;
use crate::plan::bound_index::BoundIndex;
use crate::plan::expr::Expr;
use crate::types::Value;

/// The text of an index's key columns, for messages: `email` or `lower(email)`.
pub fn key_names(table: &TableDesc, ix: &IndexDesc) -> String {
    ix.columns
        .iter()
        .map(|ic| match &ic.expr {
            Some(e) => e.clone(),
            None => table.columns[ic.column].name.clone(),
        })
        .collect::<Vec<_>>()
        .join(", ")
}

/// Writes into `out` the entry key of `row` (whose primary key is
/// `pk_key`) in `ix`; returns whether the entry is in unique form.
pub fn entry_key<T: Transaction>(
    table: &TableDesc,
    ix: &BoundIndex,
    row: &[Value],
    pk_key: &[u8],
    ctx: &mut Ctx<'_, T>,
    out: &mut Vec<u8>,
) -> Result<bool> {
    keys::index_prefix(out, table.storage_id, ix.desc.id);
    let mut has_null = false;
    for (e, ic) in ix.keys.iter().zip(&ix.desc.columns) {
        if let Expr::Column(i, _) = e {
            // A plain column (the common case): encoded in place.
            let v = &row[*i];
            has_null |= v.is_null();
            push_key_value(out, v, &e.ty(), ic)?;
        } else {
            let v = e.eval(row, ctx)?;
            has_null |= v.is_null();
            push_key_value(out, &v, &e.ty(), ic)?;
        }
    }
    let unique_form =
        ix.desc.unique && !ix.desc.deferrable && (ix.desc.nulls_not_distinct || !has_null);
    if !unique_form {
        out.extend_from_slice(&pk_key[INDEX_PREFIX_LEN..]);
    }
    Ok(unique_form)
}

/// Whether `row` has an entry in `ix` (always, unless `ix` is partial
/// and its predicate is not true for the row).
pub fn covers<T: Transaction>(
    ix: &BoundIndex,
    row: &[Value],
    ctx: &mut Ctx<'_, T>,
) -> Result<bool> {
    match &ix.predicate {
        None => Ok(true),
        Some(p) => Ok(matches!(p.eval(row, ctx)?, Value::Bool(true))),
    }
}

/// The key values of `row` in `ix`, for messages.
fn key_values<T: Transaction>(
    ix: &BoundIndex,
    row: &[Value],
    ctx: &mut Ctx<'_, T>,
) -> Result<Vec<Value>> {
    ix.keys.iter().map(|e| e.eval(row, ctx)).collect()
}

fn unique_violation(
    table: &TableDesc,
    ix: &IndexDesc,
    values: &[Value],
    creating: bool,
) -> EngineError {
    if creating {
        EngineError::new(
            SqlState::UniqueViolation,
            format!("could not create unique index \"{}\"", ix.name),
        )
        .with_detail(format!(
            "Key ({})={} is duplicated.",
            key_names(table, ix),
            describe_row(values)
        ))
        .with_constraint(&table.schema, &table.name, &ix.name)
    } else {
        EngineError::new(
            SqlState::UniqueViolation,
            format!(
                "duplicate key value violates unique constraint \"{}\"",
                ix.name
            ),
        )
        .with_detail(format!(
            "Key ({})={} already exists.",
            key_names(table, ix),
            describe_row(values)
        ))
        .with_constraint(&table.schema, &table.name, &ix.name)
    }
}

/// Adds the entry `(key, unique_form)` of `row` to `ix`, checking
/// uniqueness first when the entry is in unique form.
fn put_entry<T: Transaction>(
    table: &TableDesc,
    ix: &BoundIndex,
    (row, pk_key): (&[Value], &[u8]),
    (key, unique_form): (&[u8], bool),
    ctx: &mut Ctx<'_, T>,
    creating: bool,
) -> Result<()> {
    if unique_form {
        let mut existing = ctx.scratch.take_bytes();
        let taken = ctx.txn.get_for_update(key, &mut existing);
        ctx.scratch.give_bytes(existing);
        if taken? {
            let values = key_values(ix, row, ctx)?;
            return Err(unique_violation(table, &ix.desc, &values, creating));
        }
    }
    ctx.txn.put(key, &pk_key[INDEX_PREFIX_LEN..])?;
    if ix.desc.deferrable {
        crate::exec::deferred_unique::record(table, &ix.desc, row, (key, pk_key), ctx, creating)?;
    }
    Ok(())
}

/// Adds `row`'s entry to index `ix` for CREATE INDEX CONCURRENTLY's
/// backfill: a writer may have made the same entry already (same row:
/// nothing to do); another row's entry under a unique key is a duplicate
/// (23505, "could not create unique index").
pub fn put_concurrent_entry<T: Transaction>(
    table: &TableDesc,
    ix: &BoundIndex,
    row: &[Value],
    pk_key: &[u8],
    ctx: &mut Ctx<'_, T>,
    key: &mut Vec<u8>,
) -> Result<()> {
    if !covers(ix, row, ctx)? {
        return Ok(());
    }
    let unique_form = entry_key(table, ix, row, pk_key, ctx, key)?;
    if unique_form {
        let mut existing = ctx.scratch.take_bytes();
        let taken = ctx.txn.get_for_update(key, &mut existing);
        let same = existing.as_slice() == &pk_key[INDEX_PREFIX_LEN..];
        ctx.scratch.give_bytes(existing);
        if taken? {
            if same {
                return Ok(());
            }
            let values = key_values(ix, row, ctx)?;
            return Err(unique_violation(table, &ix.desc, &values, true));
        }
    }
    ctx.txn.put(key, &pk_key[INDEX_PREFIX_LEN..])?;
    Ok(())
}

/// Adds `row`'s entries to every index, checking uniqueness.
pub fn insert_entries<T: Transaction>(
    table: &TableDesc,
    indexes: &[BoundIndex],
    row: &[Value],
    pk_key: &[u8],
    ctx: &mut Ctx<'_, T>,
    creating: bool,
) -> Result<()> {
    let mut key = ctx.scratch.take_bytes();
    let mut r = Ok(());
    for ix in indexes {
        r = covers(ix, row, ctx).and_then(|covered| {
            if !covered {
                return Ok(());
            }
            let unique_form = entry_key(table, ix, row, pk_key, ctx, &mut key)?;
            put_entry(table, ix, (row, pk_key), (&key, unique_form), ctx, creating)
        });
        if r.is_err() {
            break;
        }
    }
    ctx.scratch.give_bytes(key);
    r
}

/// Removes `row`'s entries from every index.
pub fn delete_entries<T: Transaction>(
    table: &TableDesc,
    indexes: &[BoundIndex],
    row: &[Value],
    pk_key: &[u8],
    ctx: &mut Ctx<'_, T>,
) -> Result<()> {
    let mut key = ctx.scratch.take_bytes();
    let mut r = Ok(());
    for ix in indexes {
        r = covers(ix, row, ctx).and_then(|covered| {
            if !covered {
                return Ok(());
            }
            entry_key(table, ix, row, pk_key, ctx, &mut key)?;
            ctx.txn.delete(&key).map_err(EngineError::from)
        });
        if r.is_err() {
            break;
        }
    }
    ctx.scratch.give_bytes(key);
    r
}

/// Moves the index entries of a row changed from `old` (at `old_pk`) to
/// `new` (at `new_pk`): an index whose entry is the same for both is not
/// touched (as PostgreSQL's HOT updates leave indexes alone), the others
/// lose the old entry and get the new one, checking uniqueness.
pub fn update_entries<T: Transaction>(
    table: &TableDesc,
    indexes: &[BoundIndex],
    (old, old_pk): (&[Value], &[u8]),
    (new, new_pk): (&[Value], &[u8]),
    ctx: &mut Ctx<'_, T>,
) -> Result<()> {
    let mut old_key = ctx.scratch.take_bytes();
    let mut new_key = ctx.scratch.take_bytes();
    let mut r = Ok(());
    for ix in indexes {
        r = (|| {
            let (had, has) = (covers(ix, old, ctx)?, covers(ix, new, ctx)?);
            if had {
                entry_key(table, ix, old, old_pk, ctx, &mut old_key)?;
            }
            if !has {
                if had {
                    ctx.txn.delete(&old_key)?;
                }
                return Ok(());
            }
            let unique_form = entry_key(table, ix, new, new_pk, ctx, &mut new_key)?;
            // The entry's value is the primary key, so it changes with it.
            if had && old_key == new_key && old_pk == new_pk {
                return Ok(());
            }
            if had {
                ctx.txn.delete(&old_key)?;
            }
            put_entry(
                table,
                ix,
                (new, new_pk),
                (&new_key, unique_form),
                ctx,
                false,
            )
        })();
        if r.is_err() {
            break;
        }
    }
    ctx.scratch.give_bytes(old_key);
    ctx.scratch.give_bytes(new_key);
    r
}

/// The primary key (full key) of the row a unique index entry for `values`
/// points at, if one exists (used by ON CONFLICT on a unique index; a
/// deferrable one cannot be an arbiter, 55000 as in PostgreSQL).
pub fn find_unique<T: Transaction>(
    table: &TableDesc,
    ix: &BoundIndex,
    row: &[Value],
    ctx: &mut Ctx<'_, T>,
) -> Result<Option<Vec<u8>>> {
    if ix.desc.deferrable {
        return Err(EngineError::new(
            SqlState::ObjectNotInPrerequisiteState,
            "ON CONFLICT does not support deferrable unique constraints/exclusion constraints as arbiters",
        )
        .with_constraint(&table.schema, &table.name, &ix.desc.name));
    }
    if !covers(ix, row, ctx)? {
        return Ok(None);
    }
    let mut key = Vec::new();
    let fake_pk = vec![0u8; INDEX_PREFIX_LEN];
    let unique_form = entry_key(table, ix, row, &fake_pk, ctx, &mut key)?;
    if !unique_form {
        return Ok(None);
    }
    let mut pk = Vec::new();
    if !ctx.txn.get_for_update(&key, &mut pk)? {
        return Ok(None);
    }
    let mut full = Vec::new();
    keys::index_prefix(&mut full, table.storage_id, keys::PRIMARY_INDEX);
    full.extend_from_slice(&pk);
    Ok(Some(full))
}

/// Fills a new index from the table's rows.
pub fn backfill<T: Transaction>(
    table: &TableDesc,
    ix: &BoundIndex,
    ctx: &mut Ctx<'_, T>,
) -> Result<()> {
    let mut cursor = seek_rows(&mut *ctx.txn, table, Direction::Forward)?;
    let mut row = Vec::new();
    let mut pk = Vec::new();
    loop {
        ctx.check_interrupt()?;
        match ctx.txn.next(&mut cursor)? {
            None => break,
            Some((k, v)) => {
                pk.clear();
                pk.extend_from_slice(k);
                decode_values(table, v, &mut row)?;
            }
        }
        insert_entries(table, std::slice::from_ref(ix), &row, &pk, ctx, true)?;
    }
    Ok(())
}
