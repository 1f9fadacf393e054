//! CREATE DATABASE's copy of its template (PostgreSQL's `CREATE DATABASE
//! ... TEMPLATE src`, which copies the whole template database).
//!
//! A database is one key range per keyspace under its oid (see
//! [`crate::keys::database_ranges`]), and its catalog and data keys name
//! objects by OIDs and storage ids that are unique in the store but carry
//! no database id themselves. So the copy is the template's two ranges
//! read at one snapshot and written again under the new oid, the rest of
//! each key and every value unchanged: the copy's tables, indexes, views,
//! types, schemas and comments keep their OIDs and storage ids, as
//! PostgreSQL's copy keeps its catalogs' OIDs and relfilenodes. What the
//! engine keeps outside those ranges is keyed by database oid too: the
//! sequences' state ([`crate::exec::sequence::copy_state`] gives each copy
//! the template's), and the hidden row-id counters, which the copy seeds
//! from its own rows.
//!
//! Memory stays bounded: the entries are written in transactions of at
//! most [`CHUNK_ENTRIES`] entries or [`CHUNK_BYTES`] bytes, each committed
//! before the next is read. Nobody can see the new keys until CREATE
//! DATABASE commits the database's entry, after the copy; if the copy
//! fails, its keys are deleted again. (A crash midway leaves keys under an
//! oid no database has, which nothing reads: oids are never reused.)
//!
//! Temporary objects of the session that runs CREATE DATABASE (it may be
//! connected to the template) are not copied, as PostgreSQL's copy holds
//! no live temporary schema: the copy drops every temp schema's objects.

use rocksgres_storage::{Direction, Durability, KeyRange, Store, Transaction, TxnOptions};

use crate::database::Database;
use crate::error::Result;

/// Most entries written by one transaction of the copy.
pub const CHUNK_ENTRIES: usize = 1000;

/// Most key and value bytes written by one transaction of the copy.
pub const CHUNK_BYTES: usize = 4 << 20;

/// Copies every catalog and data key of database `from` to database `to`
/// (an oid no database has yet), then the state of its sequences.
pub fn copy_database<S: Store>(db: &Database<S>, from: u32, to: u32) -> Result<()> {
    let r = copy_keys(db.store(), from, to).and_then(|()| finish_copy(db, from, to));
    if r.is_err() {
        for (start, end) in crate::keys::database_ranges(to) {
            let _ = db.store().delete_range(&start, &end);
        }
    }
    r
}

/// Copies the key ranges of `from` under `to`, chunk by chunk.
fn copy_keys<S: Store>(store: &S, from: u32, to: u32) -> Result<()> {
    let mut read = store.begin(TxnOptions::default())?;
    let r = copy_ranges(store, &mut read, from, to);
    read.rollback();
    r
}

fn copy_ranges<S: Store>(store: &S, read: &mut S::Txn, from: u32, to: u32) -> Result<()> {
    let new_id = to.to_be_bytes();
    let mut key = Vec::new();
    for (start, end) in crate::keys::database_ranges(from) {
        let mut cursor = read.cursor();
        read.seek(
            &mut cursor,
            KeyRange::half_open(&start, &end),
            Direction::Forward,
        )?;
        let mut done = false;
        while !done {
            // The chunk's transaction only writes: its commit needs no
            // sync of its own, the database entry's durable commit syncs
            // the one log these writes are in first.
            let mut write = store.begin(TxnOptions {
                durability: Durability::Async,
                ..TxnOptions::default()
            })?;
            let mut entries = 0;
            let mut bytes = 0;
            while entries < CHUNK_ENTRIES && bytes < CHUNK_BYTES {
                let Some((k, v)) = read.next(&mut cursor)? else {
                    done = true;
                    break;
                };
                key.clear();
                key.extend_from_slice(k);
                key[1..5].copy_from_slice(&new_id);
                entries += 1;
                bytes += k.len() + v.len();
                if let Err(e) = write.put(&key, v) {
                    write.rollback();
                    return Err(e.into());
                }
            }
            if entries == 0 {
                write.rollback();
            } else {
                write.commit()?;
            }
        }
    }
    Ok(())
}

/// Gives the copy's sequences the template's state and drops the
/// temporary objects it got.
fn finish_copy<S: Store>(db: &Database<S>, from: u32, to: u32) -> Result<()> {
    let mut txn = db.begin(to, TxnOptions::default())?;
    let seqs = crate::catalog::sequence::all_sequences(&mut txn);
    let seqs = match seqs {
        Ok(s) => s,
        Err(e) => {
            txn.rollback();
            return Err(e);
        }
    };
    for desc in &seqs {
        if let Err(e) =
            crate::exec::sequence::copy_state(db.store(), db.sequence_states(), from, to, desc)
        {
            txn.rollback();
            return Err(e);
        }
    }
    match crate::catalog::temp::drop_temp_tables(&mut txn, None) {
        Ok(_) => {
            txn.commit()?;
            Ok(())
        }
        Err(e) => {
            txn.rollback();
            Err(e)
        }
    }
}
