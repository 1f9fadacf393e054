//! Sort elimination: an ORDER BY that the primary index already gives.
//!
//! A table's primary index holds its rows in key order, so a query that
//! sorts a table's rows by the leading primary-key columns (ascending, or
//! all descending) needs no sort: the scan can read the index forwards or
//! backwards. [`use_index_order`] replaces a sort over `Project(Scan)` by
//! such a scan when the keys are exactly the index's leading columns, and
//! leaves every other sort alone.

use crate::plan::expr::Expr;
use crate::plan::node::{Access, Node, SortKey};

/// Replaces a sort over `Project(Scan)` by scanning the primary index in
/// the requested order, when the keys are exactly its leading columns.
pub(crate) fn use_index_order(node: Node, keys: Vec<SortKey>) -> Node {
    if let Node::Project {
        input,
        exprs,
        columns,
    } = &node
    {
        if let Node::Scan(scan) = input.as_ref() {
            let pk = &scan.table.primary().columns;
            let all_desc = keys.iter().all(|k| k.descending);
            let all_asc = keys.iter().all(|k| !k.descending);
            // Only a scan of the primary index itself yields rows in its
            // order (a secondary index scan yields them in that index's).
            let reads_primary = matches!(
                scan.access,
                Access::Full
                    | Access::PkPoint(_)
                    | Access::PkRange { .. }
                    | Access::KeyRange { index: 0, .. }
            );
            let matches = reads_primary
                && !pk.is_empty()
                && keys.len() <= pk.len()
                && (all_desc || all_asc)
                && keys.iter().zip(pk.iter()).all(|(k, ic)| {
                    !ic.descending
                        && matches!(&k.expr, Expr::Column(p, _)
                            if matches!(exprs.get(*p), Some(Expr::Column(c, _)) if *c == ic.column))
                });
            if matches {
                let mut scan = scan.clone();
                // Primary-key columns are NOT NULL: NULL placement is moot.
                scan.reverse = all_desc;
                scan.ordered = true;
                return Node::Project {
                    input: Box::new(Node::Scan(scan)),
                    exprs: exprs.clone(),
                    columns: columns.clone(),
                };
            }
            // A secondary index whose leading columns are the sort keys, read
            // forwards (ASC NULLS LAST) or backwards (DESC NULLS FIRST).
            // A scan through a secondary index already yields that index's
            // order; the sort keys may start after its equality prefix.
            let (chosen, skip) = match &scan.access {
                Access::Full => (None, 0),
                Access::IndexScan { index, eq, .. } | Access::KeyRange { index, eq, .. }
                    if *index != 0 =>
                {
                    (Some(*index), eq.len())
                }
                _ => (None, usize::MAX),
            };
            if skip != usize::MAX && (all_desc || all_asc) {
                // Whether the sort keys are the index's columns from `from`
                // on, read forwards (ASC NULLS LAST) or backwards (DESC
                // NULLS FIRST).
                let keys_match = |ix: &crate::catalog::IndexDesc, from: usize| {
                    keys.len() + from <= ix.columns.len()
                        && keys.iter().zip(&ix.columns[from..]).all(|(k, ic)| {
                            ic.expr.is_none()
                                && !ic.descending
                                && !ic.nulls_first
                                && k.nulls_first == all_desc
                                && matches!(&k.expr, Expr::Column(p, _)
                                    if matches!(exprs.get(*p), Some(Expr::Column(c, _)) if *c == ic.column))
                        })
                };
                let found = scan
                    .table
                    .indexes
                    .iter()
                    .enumerate()
                    .skip(1)
                    .find(|(pos, ix)| {
                        chosen.is_none_or(|c| c == *pos)
                            && ix.valid
                            && (keys_match(ix, 0) || (skip > 0 && keys_match(ix, skip)))
                    });
                if let Some((pos, _)) = found {
                    let mut scan = scan.clone();
                    if chosen.is_none() {
                        scan.access = Access::IndexScan {
                            index: pos,
                            eq: Vec::new(),
                            lower: None,
                            upper: None,
                        };
                    }
                    scan.reverse = all_desc;
                    return Node::Project {
                        input: Box::new(Node::Scan(scan)),
                        exprs: exprs.clone(),
                        columns: columns.clone(),
                    };
                }
            }
        }
    }
    Node::Sort {
        input: Box::new(node),
        keys,
    }
}
