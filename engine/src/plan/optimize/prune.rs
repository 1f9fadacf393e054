//! Column pruning: which columns of each table scan a query reads.
//!
//! A scan's rows carry every column of its table, and the nodes above it
//! refer to them by position, so decoding a stored row used to decode
//! every column, text and numeric digits included, whether the query used
//! it or not. This pass walks a finished query plan from the root down,
//! carrying the set of its output columns the parent reads, and works out
//! for each node the columns of its input that it (or its parent) reads.
//! At a [`Node::Scan`] the set becomes the scan's
//! [`ScanPlan::needed`] mask; the executor decodes only those columns
//! and leaves the others NULL. Positions do not change, so no expression
//! is rewritten.
//!
//! The pass is conservative: a node it does not model (set operations,
//! plain DISTINCT, CTE scans, recursive unions, function scans), an
//! expression holding a subquery (whose plan may read the current row
//! through outer references), and the left side of a LATERAL join (read
//! the same way by the right side) all count as reading every column. A
//! scan that locks rows (`FOR UPDATE`) keeps its whole row: the lock
//! re-reads and re-checks the row. Only query plans are pruned (see
//! [`prune_query`]); UPDATE, DELETE and MERGE write whole rows back and
//! plan their scans elsewhere.
//!
//! Subqueries inside expressions are plans of their own: each is pruned
//! from its root with every output column read.

use std::sync::Arc;

use crate::plan::cte::CteNode;
use crate::plan::expr::Expr;
use crate::plan::node::{Node, ScanPlan};
use crate::plan::window::{FrameBound, WindowFunc, WindowPlan};

/// Prunes the scans of a query plan whose every output column is read.
pub fn prune_query(node: &mut Node) {
    let width = node.width();
    prune(node, &vec![true; width]);
}

/// Marks in `need` the columns of the current row that `e` reads; `false`
/// when it cannot tell (a subquery, or a column past the row), so every
/// column must be read.
fn mark(e: &Expr, need: &mut [bool]) -> bool {
    let mut known = true;
    e.any(&mut |x| {
        match x {
            Expr::Column(i, _) => match need.get_mut(*i) {
                Some(n) => *n = true,
                None => known = false,
            },
            Expr::Subquery(_) => known = false,
            _ => {}
        }
        !known
    });
    known
}

/// Marks the columns every expression of `exprs` reads; `false` as
/// [`mark`].
fn mark_all<'e>(exprs: impl IntoIterator<Item = &'e Expr>, need: &mut [bool]) -> bool {
    exprs.into_iter().all(|e| mark(e, need))
}

/// The set of an input of `width` columns that a node reads: `reads`
/// marks it and says whether it could; when not, every column.
fn input_need(width: usize, reads: impl FnOnce(&mut [bool]) -> bool) -> Vec<bool> {
    let mut need = vec![false; width];
    if !reads(&mut need) {
        need.iter_mut().for_each(|n| *n = true);
    }
    need
}

/// Prunes the subqueries of `e`, each from its own root.
fn prune_subqueries(e: &mut Expr) {
    e.visit_mut(&mut |x| {
        if let Expr::Subquery(sq) = x {
            if let Some(plan) = Arc::get_mut(&mut sq.plan) {
                prune_query(plan);
            }
        }
    });
}

/// Prunes below `node`, whose parent reads the output columns marked in
/// `need`.
fn prune(node: &mut Node, need: &[bool]) {
    crate::sql::depth::guard(|| prune_level(node, need))
}

fn prune_level(node: &mut Node, need: &[bool]) {
    match node {
        Node::Scan(scan) => prune_scan(scan, need),
        Node::Filter { input, predicate } => {
            prune_subqueries(predicate);
            let below = input_need(input.width(), |n| copy_need(need, n) && mark(predicate, n));
            prune(input, &below);
        }
        Node::Project { input, exprs, .. } => {
            exprs.iter_mut().for_each(prune_subqueries);
            let below = input_need(input.width(), |n| mark_all(exprs.iter(), n));
            prune(input, &below);
        }
        Node::Sort { input, keys } => {
            keys.iter_mut().for_each(|k| prune_subqueries(&mut k.expr));
            let below = input_need(input.width(), |n| {
                copy_need(need, n) && mark_all(keys.iter().map(|k| &k.expr), n)
            });
            prune(input, &below);
        }
        Node::Limit { input, ties, .. } => {
            // LIMIT and OFFSET are evaluated once, over no row.
            let below = input_need(input.width(), |n| {
                copy_need(need, n) && ties.as_ref().is_none_or(|t| mark_all(t.iter(), n))
            });
            prune(input, &below);
        }
        Node::Distinct { input, on } if !on.is_empty() => {
            let below = input_need(input.width(), |n| {
                copy_need(need, n) && mark_all(on.iter(), n)
            });
            prune(input, &below);
        }
        Node::Aggregate {
            input,
            group_by,
            aggs,
            ..
        } => {
            let below = input_need(input.width(), |n| {
                mark_all(group_by.iter(), n)
                    && aggs.iter().all(|a| {
                        mark_all(
                            a.arg
                                .iter()
                                .chain(a.filter.iter())
                                .chain(a.extra.iter())
                                .chain(a.order_by.iter().map(|k| &k.expr)),
                            n,
                        )
                    })
            });
            prune(input, &below);
        }
        Node::Join {
            left,
            right,
            on,
            lateral,
            hash,
            ..
        } => {
            let (lw, rw) = (left.width(), right.width());
            let mut joined = input_need(lw + rw, |n| {
                copy_need(need, n) && on.as_ref().is_none_or(|e| mark(e, n))
            });
            let mut right_need = joined.split_off(lw);
            let mut left_need = joined;
            if let Some(keys) = hash {
                if !mark_all(keys.left.iter(), &mut left_need) {
                    left_need.iter_mut().for_each(|n| *n = true);
                }
                if !mark_all(keys.right.iter(), &mut right_need) {
                    right_need.iter_mut().for_each(|n| *n = true);
                }
            }
            if *lateral {
                left_need.iter_mut().for_each(|n| *n = true);
            }
            prune(left, &left_need);
            prune(right, &right_need);
        }
        Node::Window(w) => prune_window(w, need),
        Node::Cte(CteNode::With { input, .. }) => prune(input, need),
        // Not modelled: their inputs keep every column.
        Node::Distinct { input, .. } => prune_query(input),
        Node::SetOp { left, right, .. } => {
            prune_query(left);
            prune_query(right);
        }
        Node::Values { .. }
        | Node::SystemScan { .. }
        | Node::SequenceRow { .. }
        | Node::Series { .. }
        | Node::JsonRows { .. }
        | Node::JsonRecords { .. }
        | Node::Unnest { .. }
        | Node::RowsFrom { .. }
        | Node::Cte(_) => {}
    }
}

/// Copies the parent's marks of the columns a node passes through (the
/// first ones of its input); `false` when the parent reads more columns
/// than the input has.
fn copy_need(parent: &[bool], input: &mut [bool]) -> bool {
    if parent.len() > input.len() {
        return false;
    }
    for (n, &p) in input.iter_mut().zip(parent) {
        *n |= p;
    }
    true
}

/// A window node passes its input's columns through and appends one per
/// call; it reads its partition and order keys and the calls' arguments.
fn prune_window(w: &mut WindowPlan, need: &[bool]) {
    let width = w.input.width();
    let below = input_need(width, |n| {
        copy_need(&need[..need.len().min(width)], n)
            && mark_all(w.def.partition_by.iter(), n)
            && mark_all(w.def.order_by.iter().map(|k| &k.expr), n)
            && w.calls.iter().all(|c| match &c.func {
                WindowFunc::RowNumber
                | WindowFunc::Rank
                | WindowFunc::DenseRank
                | WindowFunc::PercentRank
                | WindowFunc::CumeDist => true,
                WindowFunc::Ntile(e) | WindowFunc::FirstValue(e) | WindowFunc::LastValue(e) => {
                    mark(e, n)
                }
                WindowFunc::NthValue(a, b) => mark(a, n) && mark(b, n),
                WindowFunc::Shift {
                    value,
                    offset,
                    default,
                    ..
                } => mark_all(
                    std::iter::once(value)
                        .chain(offset.iter())
                        .chain(default.iter()),
                    n,
                ),
                WindowFunc::Agg(a) => mark_all(
                    a.arg
                        .iter()
                        .chain(a.filter.iter())
                        .chain(a.extra.iter())
                        .chain(a.order_by.iter().map(|k| &k.expr)),
                    n,
                ),
            })
            && mark_frame(w, n)
    });
    prune(&mut w.input, &below);
}

/// Marks the columns the window's frame offsets read (PostgreSQL
/// requires constants, so normally none).
fn mark_frame(w: &WindowPlan, need: &mut [bool]) -> bool {
    [&w.def.frame.start, &w.def.frame.end]
        .into_iter()
        .all(|b| match b {
            FrameBound::Preceding(e) | FrameBound::Following(e) => mark(e, need),
            FrameBound::UnboundedPreceding
            | FrameBound::CurrentRow
            | FrameBound::UnboundedFollowing => true,
        })
}

/// Sets the scan's mask from the columns read above it and by its own
/// filter.
fn prune_scan(scan: &mut ScanPlan, need: &[bool]) {
    if scan.lock.is_some() {
        return;
    }
    if let Some(f) = &mut scan.filter {
        prune_subqueries(f);
    }
    let width = scan.table.columns.len();
    let mask = input_need(width, |n| {
        copy_need(need, n) && scan.filter.as_ref().is_none_or(|f| mark(f, n))
    });
    scan.needed = if mask.iter().all(|&n| n) {
        None
    } else {
        Some(mask)
    };
    scan.index_only = crate::plan::optimize::index_only::covers(scan);
}
