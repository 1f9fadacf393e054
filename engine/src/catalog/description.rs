//! Comments on database objects (`COMMENT ON`), PostgreSQL's
//! `pg_description`.
//!
//! One catalog entry per commented object, keyed by (object OID, catalog
//! OID, sub-id: a column's number, else 0), holding the same triple and
//! the text, so a scan decodes without the key. Entries are written and
//! removed transactionally with the rest of the catalog. An entry may
//! outlive its object (DROP does not look for comments); the system
//! catalogs show only the entries whose object still exists (see
//! `syscat`), and OIDs are never reused, so a stale entry is never
//! attached to another object.

use rocksgres_storage::Transaction;

use super::desc::{corrupt, get_str, get_u32, put_str, put_u32};
use crate::error::Result;
use crate::keys;

/// `pg_class`'s OID: the catalog of tables, indexes, sequences and views.
pub const PG_CLASS: u32 = 1259;
/// `pg_constraint`'s OID.
pub const PG_CONSTRAINT: u32 = 2606;
/// `pg_namespace`'s OID.
pub const PG_NAMESPACE: u32 = 2615;

/// One comment (a `pg_description` row).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Description {
    /// The commented object's OID.
    pub objoid: u32,
    /// The OID of the catalog the object is in ([`PG_CLASS`], ...).
    pub classoid: u32,
    /// A column's number for a column comment, else 0.
    pub objsubid: i32,
    /// The comment.
    pub text: String,
}

fn key(buf: &mut Vec<u8>, objoid: u32, classoid: u32, objsubid: i32) {
    buf.clear();
    buf.push(keys::KS_CATALOG);
    buf.push(keys::CAT_DESCRIPTION);
    buf.extend_from_slice(&objoid.to_be_bytes());
    buf.extend_from_slice(&classoid.to_be_bytes());
    buf.extend_from_slice(&objsubid.to_be_bytes());
}

fn decode(mut v: &[u8]) -> Result<Description> {
    let r = &mut v;
    let d = Description {
        objoid: get_u32(r)?,
        classoid: get_u32(r)?,
        objsubid: get_u32(r)? as i32,
        text: get_str(r)?,
    };
    if !r.is_empty() {
        return Err(corrupt("trailing bytes in a comment entry"));
    }
    Ok(d)
}

/// Sets (or with `None`, removes) the comment on an object, as
/// `COMMENT ON ... IS 'text' | NULL` does.
pub fn set<T: Transaction>(
    txn: &mut T,
    objoid: u32,
    classoid: u32,
    objsubid: i32,
    text: Option<&str>,
) -> Result<()> {
    let mut k = Vec::new();
    key(&mut k, objoid, classoid, objsubid);
    match text {
        Some(t) => {
            let mut v = Vec::new();
            put_u32(&mut v, objoid);
            put_u32(&mut v, classoid);
            put_u32(&mut v, objsubid as u32);
            put_str(&mut v, t);
            txn.put(&k, &v)?;
        }
        None => txn.delete(&k)?,
    }
    Ok(())
}

/// Removes the comments on relations, columns, constraints and schemas
/// that no longer exist (see the module docs). Comments in other catalogs
/// are left alone.
pub fn sweep<T: Transaction>(txn: &mut T) -> Result<()> {
    use std::collections::{HashMap, HashSet};
    let comments = all(txn)?;
    if comments.is_empty() {
        return Ok(());
    }
    // Relation oid -> how many sub-ids (columns) exist; tables are
    // checked column by column (dropped columns keep their numbers).
    let tables = super::all_tables(txn)?;
    let mut relations: HashMap<u32, usize> = HashMap::new();
    let mut constraints: HashSet<u32> = HashSet::new();
    let mut table_by_oid = HashMap::new();
    for t in &tables {
        table_by_oid.insert(t.id, t);
        for ix in t.named_indexes() {
            relations.insert(ix.oid, 0);
        }
        constraints.extend(
            t.indexes
                .iter()
                .map(|ix| ix.constraint_oid)
                .filter(|&o| o != 0),
        );
        constraints.extend(t.checks.iter().map(|c| c.oid));
        constraints.extend(t.foreign_keys.iter().map(|f| f.oid));
    }
    for v in super::all_views(txn)? {
        relations.insert(v.oid, v.columns.len());
    }
    for q in super::sequence::all_sequences(txn)? {
        relations.insert(q.oid, 0);
    }
    let mut namespaces: HashSet<u32> = HashSet::from([
        crate::catalog::system::PUBLIC_OID,
        crate::catalog::system::PG_CATALOG_OID,
    ]);
    namespaces.extend(super::schema::all_schemas(txn)?.iter().map(|s| s.oid));
    namespaces.extend(super::temp::all_namespaces(txn)?.iter().map(|n| n.oid));
    for d in comments {
        let exists = match d.classoid {
            PG_CLASS => match table_by_oid.get(&d.objoid) {
                Some(t) => {
                    d.objsubid == 0
                        || usize::try_from(d.objsubid - 1)
                            .ok()
                            .and_then(|i| t.columns.get(i))
                            .is_some_and(|c| !c.dropped)
                }
                None => relations
                    .get(&d.objoid)
                    .is_some_and(|&n| usize::try_from(d.objsubid).is_ok_and(|s| s <= n)),
            },
            PG_CONSTRAINT => constraints.contains(&d.objoid),
            PG_NAMESPACE => namespaces.contains(&d.objoid),
            _ => true,
        };
        if !exists {
            set(txn, d.objoid, d.classoid, d.objsubid, None)?;
        }
    }
    Ok(())
}

/// Every comment, in key order.
pub fn all<T: Transaction>(txn: &mut T) -> Result<Vec<Description>> {
    super::all_of_kind(txn, keys::CAT_DESCRIPTION, decode)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn entry_round_trips() {
        let mut v = Vec::new();
        put_u32(&mut v, 16384);
        put_u32(&mut v, PG_CLASS);
        put_u32(&mut v, (-1i32) as u32);
        put_str(&mut v, "a comment");
        assert_eq!(
            decode(&v).unwrap(),
            Description {
                objoid: 16384,
                classoid: PG_CLASS,
                objsubid: -1,
                text: "a comment".into(),
            }
        );
        assert!(decode(&v[..v.len() - 1]).is_err());
    }
}
