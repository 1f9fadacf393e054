//! Index-only scans: a scan that reads every column it needs from the
//! entries of the index it reads, never the row.
//!
//! Every secondary-index entry holds the row's primary key (in its value,
//! see [`crate::exec::index`]), and the primary index is the row itself.
//! So once [`super::prune`] knows which columns a scan reads, a scan over
//! an index whose key columns and primary key hold them all can decode
//! the row from the entry: one read per row instead of an index entry
//! and then the row. PostgreSQL's Index Only Scan does the same from its
//! btree (it must still visit the heap for pages not all-visible; our
//! index entries are versioned like the rows, so no visit is ever
//! needed: `Heap Fetches` is always 0).
//!
//! Only columns whose key encoding gives the stored value back exactly
//! qualify: integers, booleans, dates, times and timestamps, text, bytea.
//! `numeric` keys drop trailing zeros (`1.50` would come back `1.5`),
//! floats fold `-0` into `0`, and the nested encodings of arrays,
//! intervals, jsonb, composites and `char(n)` compare by value, not by
//! text; a scan needing one of those reads the rows. An index with an
//! expression key (`lower(email)`) is never read alone either.

use crate::catalog::IndexColumn;
use crate::plan::node::{Access, ScanPlan};
use crate::types::SqlType;

/// Whether `scan` reads only columns held in the entries of the index
/// its access path reads (see the module docs). A full scan in key order
/// (backward, or one the plan relies on) is a read of the primary index
/// too; a plain full scan is not an index scan at all.
pub fn covers(scan: &ScanPlan) -> bool {
    if scan.lock.is_some() || scan.sample.is_some() {
        return false;
    }
    let table = &scan.table;
    let index = match &scan.access {
        Access::Full if scan.reverse || scan.ordered => 0,
        Access::Full => return false,
        Access::PkPoint(_) | Access::PkRange { .. } => 0,
        Access::IndexScan { index, .. } | Access::KeyRange { index, .. } => *index,
    };
    let Some(ix) = table.indexes.get(index) else {
        return false;
    };
    if ix.columns.iter().any(|c| c.expr.is_some()) {
        return false;
    }
    let held = |c: usize| {
        ix.columns.iter().any(|ic| ic.column == c)
            || table.primary().columns.iter().any(|ic| ic.column == c)
    };
    let exact = |ic: &IndexColumn| exact_key(&table.columns[ic.column].ty);
    if !ix.columns.iter().chain(&table.primary().columns).all(exact) {
        return false;
    }
    (0..table.columns.len())
        .filter(|&c| !table.columns[c].dropped)
        .all(|c| !reads(scan, c) || held(c))
}

/// Whether `scan` reads column `c`.
fn reads(scan: &ScanPlan, c: usize) -> bool {
    scan.needed
        .as_ref()
        .is_none_or(|n| n.get(c).copied().unwrap_or(true))
}

/// Whether a key column of type `ty` decodes to the value it was encoded
/// from.
fn exact_key(ty: &SqlType) -> bool {
    matches!(
        ty,
        SqlType::Bool
            | SqlType::Int2
            | SqlType::Int4
            | SqlType::Int8
            | SqlType::Oid
            | SqlType::Time(_)
            | SqlType::Date
            | SqlType::Timestamp(_)
            | SqlType::Timestamptz(_)
            | SqlType::Text
            | SqlType::Varchar(_)
            | SqlType::Bytea
    )
}
