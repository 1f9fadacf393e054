//! The database list (`pg_database`): a shared catalog.
//!
//! Each database is one entry of the shared keyspace (`[KS_SHARED]
//! [SH_DATABASE][name NUL]`, see [`crate::keys`]) holding its oid, owner,
//! flags and locale. Its objects live under its oid in the catalog and data
//! keyspaces ([`crate::db_txn`]). A fresh store gets PostgreSQL's three:
//! `template1` (oid 1), `template0` (4) and `postgres` (5).
//!
//! A store written before databases existed has catalog and data keys
//! without a database id and no database list; [`prepare_store`] moves
//! those keys under `postgres` in bounded chunks (each chunk one
//! transaction, so a crash midway leaves every key in exactly one layout
//! and the next open carries on), then writes the list.

use rocksgres_storage::{Direction, KeyRange, Store, Transaction, TxnOptions};

use crate::error::{EngineError, Result, SqlState};
use crate::keys;

/// Oid of `template1`.
pub const TEMPLATE1_OID: u32 = 1;
/// Oid of `template0`.
pub const TEMPLATE0_OID: u32 = 4;
/// Oid of `postgres`.
pub const POSTGRES_OID: u32 = 5;
/// The locale of the databases of a fresh store (`initdb --locale=C`).
pub const DEFAULT_LOCALE: &str = "C";

/// One database (a `pg_database` row).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DatabaseDesc {
    /// `datname`.
    pub name: String,
    /// `oid`; also the id in its keys.
    pub oid: u32,
    /// `datdba`.
    pub owner: u32,
    /// `datistemplate`.
    pub is_template: bool,
    /// `datallowconn`.
    pub allow_connections: bool,
    /// `datconnlimit` (-1: no limit).
    pub connection_limit: i32,
    /// `datcollate`.
    pub collate: String,
    /// `datctype`.
    pub ctype: String,
    /// Its `ALTER DATABASE ... SET` settings, `name=value` each (the
    /// `setconfig` of its `pg_db_role_setting` row), applied to each new
    /// session of the database.
    pub settings: Vec<String>,
}

impl DatabaseDesc {
    /// A database with the defaults of a fresh store.
    pub fn new(name: &str, oid: u32, owner: u32) -> Self {
        DatabaseDesc {
            name: name.to_string(),
            oid,
            owner,
            is_template: false,
            allow_connections: true,
            connection_limit: -1,
            collate: DEFAULT_LOCALE.to_string(),
            ctype: DEFAULT_LOCALE.to_string(),
            settings: Vec::new(),
        }
    }

    fn encode(&self) -> Vec<u8> {
        let mut out = Vec::with_capacity(32);
        out.extend_from_slice(&self.oid.to_be_bytes());
        out.extend_from_slice(&self.owner.to_be_bytes());
        out.push(u8::from(self.is_template) | u8::from(self.allow_connections) << 1);
        out.extend_from_slice(&self.connection_limit.to_be_bytes());
        for s in [&self.collate, &self.ctype] {
            out.extend_from_slice(&(s.len() as u32).to_be_bytes());
            out.extend_from_slice(s.as_bytes());
        }
        // Entries written before settings existed end here.
        if !self.settings.is_empty() {
            out.extend_from_slice(&(self.settings.len() as u32).to_be_bytes());
            for s in &self.settings {
                out.extend_from_slice(&(s.len() as u32).to_be_bytes());
                out.extend_from_slice(s.as_bytes());
            }
        }
        out
    }

    fn decode(name: String, v: &[u8]) -> Result<Self> {
        let bad = || EngineError::new(SqlState::DataCorrupted, "bad database entry");
        let u32_at = |i: usize| -> Result<u32> {
            Ok(u32::from_be_bytes(
                v.get(i..i + 4)
                    .ok_or_else(bad)?
                    .try_into()
                    .map_err(|_| bad())?,
            ))
        };
        let flags = *v.get(8).ok_or_else(bad)?;
        let mut at = 13;
        let mut text = || -> Result<String> {
            let len = u32_at(at)? as usize;
            let s = v.get(at + 4..at + 4 + len).ok_or_else(bad)?;
            at += 4 + len;
            String::from_utf8(s.to_vec()).map_err(|_| bad())
        };
        let collate = text()?;
        let ctype = text()?;
        let mut settings = Vec::new();
        if at < v.len() {
            let n = u32_at(at)?;
            at += 4;
            let mut text = || -> Result<String> {
                let len = u32_at(at)? as usize;
                let s = v.get(at + 4..at + 4 + len).ok_or_else(bad)?;
                at += 4 + len;
                String::from_utf8(s.to_vec()).map_err(|_| bad())
            };
            for _ in 0..n {
                settings.push(text()?);
            }
        }
        Ok(DatabaseDesc {
            settings,
            name,
            oid: u32_at(0)?,
            owner: u32_at(4)?,
            is_template: flags & 1 != 0,
            allow_connections: flags & 2 != 0,
            connection_limit: u32_at(9)? as i32,
            collate,
            ctype,
        })
    }
}

/// Database `name`, if it exists.
pub fn lookup<T: Transaction>(txn: &mut T, name: &str) -> Result<Option<DatabaseDesc>> {
    let mut key = Vec::new();
    let mut out = Vec::new();
    keys::database_key(&mut key, name);
    if !txn.get(&key, &mut out)? {
        return Ok(None);
    }
    DatabaseDesc::decode(name.to_string(), &out).map(Some)
}

/// Stores `desc` (a new database or a changed one).
pub fn save<T: Transaction>(txn: &mut T, desc: &DatabaseDesc) -> Result<()> {
    let mut key = Vec::new();
    keys::database_key(&mut key, &desc.name);
    txn.put(&key, &desc.encode())?;
    Ok(())
}

/// Removes database `name`'s entry.
pub fn remove<T: Transaction>(txn: &mut T, name: &str) -> Result<()> {
    let mut key = Vec::new();
    keys::database_key(&mut key, name);
    txn.delete(&key)?;
    Ok(())
}

/// Every database, in oid order.
pub fn all<T: Transaction>(txn: &mut T) -> Result<Vec<DatabaseDesc>> {
    let start = [keys::KS_SHARED, keys::SH_DATABASE];
    let end = [keys::KS_SHARED, keys::SH_DATABASE + 1];
    let mut cursor = txn.cursor();
    txn.seek(
        &mut cursor,
        KeyRange::half_open(&start, &end),
        Direction::Forward,
    )?;
    let mut out = Vec::new();
    while let Some((k, v)) = txn.next(&mut cursor)? {
        let name = k[2..].strip_suffix(&[0]).unwrap_or(&k[2..]);
        out.push(DatabaseDesc::decode(
            String::from_utf8_lossy(name).into_owned(),
            v,
        )?);
    }
    out.sort_by_key(|d| d.oid);
    Ok(out)
}

/// Whether database `oid` holds any catalog entry (a template that is not
/// empty cannot be copied yet).
pub fn has_objects<S: Store>(store: &S, oid: u32) -> Result<bool> {
    let [(start, end), _] = keys::database_ranges(oid);
    let mut txn = store.begin(TxnOptions::default())?;
    let mut cursor = txn.cursor();
    txn.seek(
        &mut cursor,
        KeyRange::half_open(&start, &end),
        Direction::Forward,
    )?;
    let found = txn.next(&mut cursor)?.is_some();
    txn.rollback();
    Ok(found)
}

/// Keys moved per transaction by the old-layout migration.
const MIGRATION_CHUNK: usize = 1000;

/// Makes the store ready for databases: a store with a database list is
/// left as it is; otherwise keys of the layout without database ids are
/// moved under `postgres` and the three initial databases are written
/// (see the module docs). `owner` is the oid of their owner.
pub fn prepare_store<S: Store>(store: &S, owner: u32) -> Result<()> {
    let mut txn = store.begin(TxnOptions::default())?;
    if !all(&mut txn)?.is_empty() {
        txn.rollback();
        return Ok(());
    }
    txn.rollback();
    // Old catalog keys are `[KS_CATALOG][kind >= 1]...`, new ones
    // `[KS_CATALOG][0 0 0 5]...`; old data keys `[KS_DATA][storage id >=
    // 16384]...`, new ones `[KS_DATA][0 0 0 5]...`: the old keys are the
    // ranges below, whatever part was already moved.
    let old_ranges: [(Vec<u8>, Vec<u8>); 2] = [
        (vec![keys::KS_CATALOG, 1], vec![keys::KS_CATALOG + 1]),
        (vec![keys::KS_DATA, 0, 0, 0x40, 0], vec![keys::KS_DATA + 1]),
    ];
    for (start, end) in &old_ranges {
        loop {
            let mut txn = store.begin(TxnOptions::default())?;
            let mut chunk = Vec::new();
            let mut cursor = txn.cursor();
            txn.seek(
                &mut cursor,
                KeyRange::half_open(start, end),
                Direction::Forward,
            )?;
            while chunk.len() < MIGRATION_CHUNK {
                match txn.next(&mut cursor)? {
                    Some((k, v)) => chunk.push((k.to_vec(), v.to_vec())),
                    None => break,
                }
            }
            drop(cursor);
            if chunk.is_empty() {
                txn.rollback();
                break;
            }
            let mut new_key = Vec::new();
            for (k, v) in &chunk {
                if k.as_slice() == [keys::KS_CATALOG, keys::CAT_NEXT_ID] {
                    keys::next_id_key(&mut new_key);
                } else {
                    new_key.clear();
                    new_key.push(k[0]);
                    new_key.extend_from_slice(&POSTGRES_OID.to_be_bytes());
                    new_key.extend_from_slice(&k[1..]);
                }
                txn.put(&new_key, v)?;
                txn.delete(k)?;
            }
            txn.commit()?;
        }
    }
    let mut txn = store.begin(TxnOptions::default())?;
    let template1 = DatabaseDesc {
        is_template: true,
        ..DatabaseDesc::new("template1", TEMPLATE1_OID, owner)
    };
    let template0 = DatabaseDesc {
        is_template: true,
        allow_connections: false,
        ..DatabaseDesc::new("template0", TEMPLATE0_OID, owner)
    };
    for d in [
        template1,
        template0,
        DatabaseDesc::new("postgres", POSTGRES_OID, owner),
    ] {
        save(&mut txn, &d)?;
    }
    txn.commit()?;
    Ok(())
}
