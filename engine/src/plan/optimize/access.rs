//! Access-path selection for table scans.
//!
//! From the conjuncts of a scan's filter:
//! * `pk = const` for every primary-key column: a point lookup;
//! * a row comparison `(a, b) > ($1, $2)` (keyset pagination) over
//!   consecutive ascending columns of an index -- the primary one
//!   included -- after leading columns equal to constants: a key range
//!   that starts (or ends) at those values ([`Access::KeyRange`]);
//! * comparisons (`<`, `<=`, `>`, `>=`, `=`, BETWEEN) on the first
//!   primary-key column: a range scan;
//! * leading equalities and a range on the next column of a secondary
//!   index: that index, when the table was never analyzed or its
//!   statistics say the index selects under a twentieth of the rows (each row
//!   found through an index costs a point read; see [`INDEX_ROW_COST`]);
//! * otherwise a full scan of the primary index.
//!
//! A partial index is a candidate only when the filter implies its
//! predicate, which is checked syntactically: every conjunct of the
//! predicate is one of the filter's conjuncts, or is `col IS NOT NULL`
//! for a column the filter compares with a constant.
//!
//! "Constant" means it reads no column of this scan's row: literals,
//! parameters, and references to enclosing rows (so a correlated lookup by
//! key is a point lookup too). The filter itself stays on the scan, so an
//! access path only narrows what is read and never decides the result.

use crate::catalog::{Relation, TableDesc};
use crate::plan::bind::Binder;
use crate::plan::expr::{conjuncts, Expr};
use crate::plan::node::Access;
use crate::plan::optimize::estimate;
use crate::sql::depth;
use crate::types::{BinaryOp, SqlType};

/// Whether `e` reads nothing of the current row.
fn row_independent(e: &Expr) -> bool {
    depth::guard(|| row_independent_level(e))
}

fn row_independent_level(e: &Expr) -> bool {
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
    // A hidden-row-id table seeks only the index of a deferrable primary
    // key (see `exec::primary_key_ddl`).
    let only_primary = pk.is_empty();
    if only_primary && table.primary_key_index().is_none() {
        return Access::Full;
    }
    let mut parts = Vec::new();
    conjuncts(filter, &mut parts);
    let mut comparisons: Vec<(usize, BinaryOp, Expr)> = Vec::new();
    for p in &parts {
        match p {
            Expr::Binary(..) => comparisons.extend(column_comparison(p)),
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
    let rows = row_bounds(&parts);
    if only_primary {
        return choose_index(table, &parts, &comparisons, true);
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
    if let Some(access) = choose_key_range(table, &parts, &comparisons, &rows) {
        return access;
    }
    let first = &pk[0];
    if !first.descending {
        let (lower, upper) = bounds(&comparisons, first.column);
        if lower.is_some() || upper.is_some() {
            return Access::PkRange { lower, upper };
        }
    }
    choose_index(table, &parts, &comparisons, false)
}

/// Whether the filter conjuncts `parts` (whose column comparisons with
/// constants are `comparisons`) imply the predicate `text` of a partial
/// index of `table`.
fn implies(
    table: &TableDesc,
    text: &str,
    parts: &[Expr],
    comparisons: &[(usize, BinaryOp, Expr)],
) -> bool {
    let mut lookup = |_: &sqlparser::ast::ObjectName, _: bool| -> crate::error::Result<Relation> {
        Err(crate::error::EngineError::unsupported(
            "subqueries in index predicates",
        ))
    };
    let mut binder = Binder::new(Vec::new(), &mut lookup);
    let Ok(pred) = crate::plan::bound_index::bind_predicate(table, text, &mut binder) else {
        return false;
    };
    let mut needed = Vec::new();
    conjuncts(&pred, &mut needed);
    let have: Vec<String> = parts.iter().map(|p| format!("{p:?}")).collect();
    needed.iter().all(|n| {
        if have.contains(&format!("{n:?}")) {
            return true;
        }
        match n {
            Expr::IsNull(inner, true) => match inner.as_ref() {
                Expr::Column(c, _) => comparisons.iter().any(|(col, _, _)| col == c),
                _ => false,
            },
            _ => false,
        }
    })
}

type Bound = Option<(Expr, bool)>;

/// The tightest bounds the comparisons put on `column`.
fn bounds(comparisons: &[(usize, BinaryOp, Expr)], column: usize) -> (Bound, Bound) {
    let mut lower = None;
    let mut upper = None;
    for (c, op, k) in comparisons {
        if *c != column {
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
    (lower, upper)
}

/// The best secondary index for the comparisons: most leading equalities,
/// a fully-matched unique index first, then a range on the next column;
/// with `only_primary`, the primary key's index or none.
fn choose_index(
    table: &TableDesc,
    parts: &[Expr],
    comparisons: &[(usize, BinaryOp, Expr)],
    only_primary: bool,
) -> Access {
    let mut best: Option<(usize, Access)> = None;
    for (pos, ix) in table.indexes.iter().enumerate().skip(1) {
        if only_primary && !ix.primary {
            continue;
        }
        if !ix.valid {
            // Being built concurrently, or such a build failed.
            continue;
        }
        if let Some(p) = &ix.predicate {
            if !implies(table, p, parts, comparisons) {
                continue;
            }
        }
        let mut eq = Vec::new();
        let mut next = None;
        for ic in &ix.columns {
            if ic.expr.is_some() {
                break;
            }
            match comparisons
                .iter()
                .find(|(c, op, _)| *c == ic.column && *op == BinaryOp::Eq)
            {
                Some((_, _, k)) => eq.push(k.clone()),
                None => {
                    next = Some(ic);
                    break;
                }
            }
        }
        let (lower, upper) = match next {
            Some(ic) if !ic.descending => bounds(comparisons, ic.column),
            _ => (None, None),
        };
        let ranged = lower.is_some() || upper.is_some();
        if eq.is_empty() && !ranged {
            continue;
        }
        let full_unique = ix.unique && eq.len() == ix.columns.len();
        if !full_unique
            && !index_pays(
                table,
                ix.columns.get(eq.len()).map(|c| c.column),
                ix.columns.iter().map(|c| c.column).zip(&eq),
                lower.as_ref(),
                upper.as_ref(),
            )
        {
            continue;
        }
        let score = if full_unique {
            1000
        } else {
            eq.len() * 2 + usize::from(ranged)
        };
        if best.as_ref().is_none_or(|(s, _)| score > *s) {
            best = Some((
                score,
                Access::IndexScan {
                    index: pos,
                    eq,
                    lower,
                    upper,
                },
            ));
        }
    }
    best.map_or(Access::Full, |(_, a)| a)
}

/// How many rows of a full scan one row read through a secondary index
/// costs: the index entry, then a point read of the row by its primary
/// key. Measured on the joins benchmark's `orders` (1,000,000 rows, all
/// in the block cache): 990,100 rows through `orders_customer_id` took
/// 4.1 s, the serial full scan of all rows 0.29 s, 14 times less per
/// row, and a parallel full scan (two workers) about half that again; at
/// 10% of the rows the index took 554 ms, the full scan 290-407 ms. So
/// an index wins below a twentieth of the rows.
const INDEX_ROW_COST: f64 = 20.0;

/// Whether reading the rows an index's leading equalities (`eq`, each
/// with its column) and the bounds on the next column (`range_column`)
/// select through the index is cheaper than a full scan, by the table's
/// statistics ([`estimate`]); without statistics, always (the rule-based
/// choice of a table never analyzed). A value not known while planning
/// counts as one distinct value's share, an unknown bound as
/// PostgreSQL's default selectivities.
fn index_pays<'e>(
    table: &TableDesc,
    range_column: Option<usize>,
    eq: impl Iterator<Item = (usize, &'e Expr)>,
    lower: Option<&(Expr, bool)>,
    upper: Option<&(Expr, bool)>,
) -> bool {
    if table.stats.is_none() {
        return true;
    }
    let mut selectivity = 1.0;
    for (column, value) in eq {
        let s = match value {
            Expr::Literal(v, _) => estimate::eq_selectivity(table, column, v),
            _ => estimate::eq_selectivity_unknown(table, column),
        };
        selectivity *= s.unwrap_or(estimate::DEFAULT_EQ_SEL);
    }
    if let (Some(column), true) = (range_column, lower.is_some() || upper.is_some()) {
        selectivity *= estimate::range_selectivity(
            table,
            column,
            lower.map(|(e, inclusive)| (e, *inclusive)),
            upper.map(|(e, inclusive)| (e, *inclusive)),
        )
        .unwrap_or(estimate::DEFAULT_INEQ_SEL);
    }
    selectivity * INDEX_ROW_COST < 1.0
}

/// A row comparison of key columns with constants, as the binder writes
/// `(a, b) > ($1, $2)`: `a > $1 OR (a = $1 AND b > $2)` (see
/// `plan::row_expr`'s `fieldwise`). `columns[i]` compares with
/// `values[i]`; `op` is the comparison with the columns on the left.
struct RowBound {
    columns: Vec<usize>,
    values: Vec<Expr>,
    op: BinaryOp,
}

/// A row comparison of two or more key columns with constants, as
/// [`choose_access`] recognises it: its columns, values and operator
/// (columns on the left). EXPLAIN prints it as PostgreSQL's `ROW(a, b) >
/// ROW(x, y)` index condition.
pub(crate) fn row_comparison_parts(e: &Expr) -> Option<(Vec<usize>, Vec<Expr>, BinaryOp)> {
    let b = depth::guard(|| row_comparison(e))?;
    (b.columns.len() >= 2).then_some((b.columns, b.values, b.op))
}

/// The row comparisons of two or more columns among the conjuncts.
fn row_bounds(parts: &[Expr]) -> Vec<RowBound> {
    parts
        .iter()
        .filter_map(|p| depth::guard(|| row_comparison(p)))
        .filter(|b| b.columns.len() >= 2)
        .collect()
}

fn row_comparison(e: &Expr) -> Option<RowBound> {
    match e {
        Expr::Or(first, rest) => {
            let (c, strict, k) = column_comparison(first)?;
            let Expr::And(eq, tail) = rest.as_ref() else {
                return None;
            };
            let (c2, op2, k2) = column_comparison(eq)?;
            if c2 != c || op2 != BinaryOp::Eq || format!("{k:?}") != format!("{k2:?}") {
                return None;
            }
            let mut b = depth::guard(|| row_comparison(tail))?;
            let tail_strict = match b.op {
                BinaryOp::GtEq => BinaryOp::Gt,
                BinaryOp::LtEq => BinaryOp::Lt,
                o => o,
            };
            if tail_strict != strict {
                return None;
            }
            b.columns.insert(0, c);
            b.values.insert(0, k);
            Some(b)
        }
        other => {
            let (c, op, k) = column_comparison(other)?;
            matches!(
                op,
                BinaryOp::Lt | BinaryOp::LtEq | BinaryOp::Gt | BinaryOp::GtEq
            )
            .then(|| RowBound {
                columns: vec![c],
                values: vec![k],
                op,
            })
        }
    }
}

/// `column op constant` (either way round, turned column-first) where
/// the constant may seek the column's keys.
fn column_comparison(e: &Expr) -> Option<(usize, BinaryOp, Expr)> {
    let Expr::Binary(sig, l, r) = e else {
        return None;
    };
    if !matches!(
        sig.op,
        BinaryOp::Lt | BinaryOp::LtEq | BinaryOp::Gt | BinaryOp::GtEq | BinaryOp::Eq
    ) {
        return None;
    }
    let flipped = sig.op.commute();
    match (l.as_ref(), r.as_ref()) {
        (Expr::Column(c, t), k) if row_independent(k) && seekable(k.ty(), *t) => {
            Some((*c, sig.op, k.clone()))
        }
        (k, Expr::Column(c, t)) if row_independent(k) && seekable(k.ty(), *t) => {
            Some((*c, flipped, k.clone()))
        }
        _ => None,
    }
}

type RowEnd = Option<(Vec<Expr>, bool)>;

/// The best index range that a row comparison narrows: an index (the
/// primary one included) whose leading columns are equal to constants and
/// whose next columns, ascending, are those of a row comparison. The
/// other end may come from another row comparison or a plain comparison
/// of the first of those columns. `None` when no row comparison fits.
fn choose_key_range(
    table: &TableDesc,
    parts: &[Expr],
    comparisons: &[(usize, BinaryOp, Expr)],
    rows: &[RowBound],
) -> Option<Access> {
    if rows.is_empty() {
        return None;
    }
    let mut best: Option<(usize, Access)> = None;
    for (pos, ix) in table.indexes.iter().enumerate() {
        if !ix.valid || ix.columns.is_empty() {
            continue;
        }
        if let Some(p) = &ix.predicate {
            if !implies(table, p, parts, comparisons) {
                continue;
            }
        }
        let mut eq = Vec::new();
        for ic in &ix.columns {
            if ic.expr.is_some() {
                break;
            }
            match comparisons
                .iter()
                .find(|(c, op, _)| *c == ic.column && *op == BinaryOp::Eq)
            {
                Some((_, _, k)) => eq.push(k.clone()),
                None => break,
            }
        }
        let rest = &ix.columns[eq.len()..];
        let fits = |b: &RowBound| {
            b.columns.len() <= rest.len()
                && b.columns
                    .iter()
                    .zip(rest)
                    .all(|(c, ic)| ic.expr.is_none() && !ic.descending && ic.column == *c)
        };
        let mut lower: RowEnd = None;
        let mut upper: RowEnd = None;
        for b in rows.iter().filter(|b| fits(b)) {
            let end = Some((
                b.values.clone(),
                matches!(b.op, BinaryOp::GtEq | BinaryOp::LtEq),
            ));
            let slot = if matches!(b.op, BinaryOp::Gt | BinaryOp::GtEq) {
                &mut lower
            } else {
                &mut upper
            };
            if slot.as_ref().is_none_or(|(v, _)| v.len() < b.values.len()) {
                *slot = end;
            }
        }
        if lower.is_none() && upper.is_none() {
            continue;
        }
        if let Some(first) = rest.first() {
            let (l, u) = bounds(comparisons, first.column);
            if lower.is_none() {
                lower = l.map(|(k, inclusive)| (vec![k], inclusive));
            }
            if upper.is_none() {
                upper = u.map(|(k, inclusive)| (vec![k], inclusive));
            }
        }
        let width = |e: &RowEnd| e.as_ref().map_or(0, |(v, _)| v.len());
        let score = eq.len() * 4 + width(&lower).max(width(&upper)) * 2 + usize::from(pos == 0);
        if best.as_ref().is_none_or(|(s, _)| score > *s) {
            best = Some((
                score,
                Access::KeyRange {
                    index: pos,
                    eq,
                    lower,
                    upper,
                },
            ));
        }
    }
    best.map(|(_, a)| a)
}
