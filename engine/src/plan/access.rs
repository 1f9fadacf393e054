//! Access-path selection for table scans.
//!
//! From the conjuncts of a scan's filter:
//! * `pk = const` for every primary-key column: a point lookup;
//! * comparisons (`<`, `<=`, `>`, `>=`, `=`, BETWEEN) on the first
//!   primary-key column: a range scan;
//! * otherwise a full scan of the primary index.
//!
//! "Constant" means it reads no column of this scan's row: literals,
//! parameters, and references to enclosing rows (so a correlated lookup by
//! key is a point lookup too). The filter itself stays on the scan, so an
//! access path only narrows what is read and never decides the result.

use crate::catalog::TableDesc;
use crate::plan::expr::Expr;
use crate::plan::node::Access;
use crate::types::{BinaryOp, SqlType};

fn conjuncts(e: &Expr, out: &mut Vec<Expr>) {
    match e {
        Expr::And(a, b) => {
            conjuncts(a, out);
            conjuncts(b, out);
        }
        other => out.push(other.clone()),
    }
}

/// Whether `e` reads nothing of the current row.
fn row_independent(e: &Expr) -> bool {
    match e {
        Expr::Literal(..) | Expr::Param(..) | Expr::Outer(..) => true,
        Expr::Cast(inner, _, _) | Expr::Negate(inner, _) => row_independent(inner),
        Expr::Binary(_, a, b) => row_independent(a) && row_independent(b),
        _ => false,
    }
}

/// Whether a value of type `from` may seek a key column of type `to` (same
/// type family, so converting it cannot change which rows match).
fn seekable(from: SqlType, to: SqlType) -> bool {
    from.same_base(&to)
        || (from.is_integer() && to.is_integer())
        || (from.is_string_family() && to.is_string_family() && !matches!(to, SqlType::Char(_)))
}

/// Chooses the access path for `table` from a bound filter.
pub fn choose_access(table: &TableDesc, filter: Option<&Expr>) -> Access {
    let Some(filter) = filter else {
        return Access::Full;
    };
    let pk = &table.primary().columns;
    if pk.is_empty() {
        return Access::Full;
    }
    let mut parts = Vec::new();
    conjuncts(filter, &mut parts);
    let mut comparisons: Vec<(usize, BinaryOp, Expr)> = Vec::new();
    for p in &parts {
        match p {
            Expr::Binary(sig, l, r) => {
                let flipped = match sig.op {
                    BinaryOp::Lt => BinaryOp::Gt,
                    BinaryOp::LtEq => BinaryOp::GtEq,
                    BinaryOp::Gt => BinaryOp::Lt,
                    BinaryOp::GtEq => BinaryOp::LtEq,
                    BinaryOp::Eq => BinaryOp::Eq,
                    _ => continue,
                };
                match (l.as_ref(), r.as_ref()) {
                    (Expr::Column(c, t), k) if row_independent(k) && seekable(k.ty(), *t) => {
                        comparisons.push((*c, sig.op, k.clone()))
                    }
                    (k, Expr::Column(c, t)) if row_independent(k) && seekable(k.ty(), *t) => {
                        comparisons.push((*c, flipped, k.clone()))
                    }
                    _ => {}
                }
            }
            Expr::Between(e, lo, hi, false) => {
                if let Expr::Column(c, t) = e.as_ref() {
                    if row_independent(lo)
                        && row_independent(hi)
                        && seekable(lo.ty(), *t)
                        && seekable(hi.ty(), *t)
                    {
                        comparisons.push((*c, BinaryOp::GtEq, (**lo).clone()));
                        comparisons.push((*c, BinaryOp::LtEq, (**hi).clone()));
                    }
                }
            }
            _ => {}
        }
    }
    let point: Option<Vec<Expr>> = pk
        .iter()
        .map(|ic| {
            comparisons
                .iter()
                .find(|(c, op, _)| *c == ic.column && *op == BinaryOp::Eq)
                .map(|(_, _, k)| k.clone())
        })
        .collect();
    if let Some(values) = point {
        return Access::PkPoint(values);
    }
    let first = pk[0];
    if first.descending {
        return Access::Full;
    }
    let mut lower = None;
    let mut upper = None;
    for (c, op, k) in &comparisons {
        if *c != first.column {
            continue;
        }
        match op {
            BinaryOp::Eq => {
                lower = Some((k.clone(), true));
                upper = Some((k.clone(), true));
            }
            BinaryOp::Gt if lower.is_none() => lower = Some((k.clone(), false)),
            BinaryOp::GtEq if lower.is_none() => lower = Some((k.clone(), true)),
            BinaryOp::Lt if upper.is_none() => upper = Some((k.clone(), false)),
            BinaryOp::LtEq if upper.is_none() => upper = Some((k.clone(), true)),
            _ => {}
        }
    }
    if lower.is_none() && upper.is_none() {
        Access::Full
    } else {
        Access::PkRange { lower, upper }
    }
}
