//! `pg_locks`: the store's lock table as PostgreSQL shows its own.
//!
//! * A table lock is a `relation` row: the table's OID, the mode's name
//!   (`AccessShareLock`, ...), held or awaited, and when the wait began.
//! * Row locks are shown as PostgreSQL shows them: a transaction that holds
//!   row locks holds `ExclusiveLock` on its own `transactionid`, and a
//!   transaction waiting for a row waits for `ShareLock` on the
//!   `transactionid` of the row's holder.
//! * Every transaction in the table also holds `ExclusiveLock` on its
//!   `virtualxid`.
//!
//! `pid` is the owner's backend pid (the session's `pg_backend_pid()`), and
//! both the virtual and the real transaction id are the storage
//! transaction's id.

use std::collections::BTreeSet;
use std::time::{SystemTime, UNIX_EPOCH};

use rocksgres_storage::{LockStatus, LockTarget};

use super::{CatalogRows, RowBuilder, Snapshot};
use crate::catalog::system::SysRel;
use crate::types::Value;

/// Microseconds since 2000-01-01 UTC of `t`.
fn pg_micros(t: SystemTime) -> i64 {
    const PG_EPOCH_UNIX_SECS: i64 = 946_684_800;
    let unix = t.duration_since(UNIX_EPOCH).unwrap_or_default();
    unix.as_micros() as i64 - PG_EPOCH_UNIX_SECS * 1_000_000
}

/// A row with the identity columns set and the object columns NULL.
fn base(rel: &'static SysRel, locktype: &str, s: &LockStatus) -> RowBuilder {
    let mut r = RowBuilder::new(rel);
    for col in [
        "database",
        "relation",
        "page",
        "tuple",
        "virtualxid",
        "transactionid",
        "classid",
        "objid",
        "objsubid",
    ] {
        r.set(col, Value::Null);
    }
    r.text("locktype", locktype)
        .text("virtualtransaction", format!("1/{}", s.txn))
        .int4("pid", s.owner as i32)
        .bool("granted", s.granted)
        .bool("fastpath", false)
        .set(
            "waitstart",
            s.wait_start
                .map_or(Value::Null, |t| Value::Timestamptz(pg_micros(t))),
        );
    r
}

/// The rows of `pg_locks`.
pub(super) fn pg_locks(rel: &'static SysRel, snap: &Snapshot, out: &mut CatalogRows<'_>) {
    let mut txns = BTreeSet::new();
    let mut row_holders = BTreeSet::new();
    for s in &snap.locks {
        txns.insert((s.txn, s.owner));
        match s.target {
            LockTarget::Table(oid) => {
                let mut r = base(rel, "relation", s);
                r.oid("database", snap.database_oid)
                    .oid("relation", oid)
                    .text("mode", s.mode.pg_name());
                out.push(r.finish());
            }
            LockTarget::Row(_) if s.granted => {
                row_holders.insert((s.txn, s.owner));
            }
            LockTarget::Row(_) => {
                let holder = s.blocked_by.first().copied().unwrap_or(0);
                let mut r = base(rel, "transactionid", s);
                r.set("transactionid", Value::Int8(holder as i64))
                    .text("mode", "ShareLock");
                out.push(r.finish());
            }
        }
    }
    for (txn, owner) in row_holders {
        push_own(rel, out, "transactionid", txn, owner);
    }
    for (txn, owner) in txns {
        push_own(rel, out, "virtualxid", txn, owner);
    }
}

/// A granted `ExclusiveLock` of transaction `txn` on its own transaction id
/// (`transactionid`) or virtual transaction id (`virtualxid`).
fn push_own(rel: &'static SysRel, out: &mut CatalogRows<'_>, locktype: &str, txn: u64, owner: u64) {
    let s = LockStatus {
        target: LockTarget::Row(0),
        txn,
        owner,
        mode: rocksgres_storage::LockMode::Exclusive,
        granted: true,
        wait_start: None,
        blocked_by: Vec::new(),
    };
    let mut r = base(rel, locktype, &s);
    if locktype == "virtualxid" {
        r.text("virtualxid", format!("1/{txn}"));
    } else {
        r.set("transactionid", Value::Int8(txn as i64));
    }
    r.text("mode", "ExclusiveLock");
    out.push(r.finish());
}
