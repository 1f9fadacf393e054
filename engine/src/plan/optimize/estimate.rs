//! Row and selectivity estimates from `ANALYZE` statistics, for the
//! planner.
//!
//! A table resolved by a query carries its statistics
//! ([`TableDesc::stats`], see [`crate::catalog::statistic`]). From them:
//!
//! * [`estimated_rows`]: the table's rows at its last ANALYZE
//!   (`pg_class.reltuples`);
//! * [`eq_selectivity`]: the fraction of rows with `column = value`, as
//!   PostgreSQL's `var_eq_const` computes it: the value's frequency when
//!   it is a most common value, else the rows left by the MCVs and the
//!   NULLs spread evenly over the other distinct values (and never above
//!   the least common MCV's frequency);
//! * [`eq_selectivity_unknown`]: the same for a value not known at
//!   planning (a parameter), as `var_eq_non_const`: one distinct value's
//!   share;
//! * [`ineq_selectivity`] and [`range_selectivity`]: the fraction of rows
//!   with `column < constant` (and `<=`, `>`, `>=`), as `scalarineqsel`
//!   reads the most common values and the histogram, and of a range with
//!   two bounds, as `clauselist_selectivity` pairs them;
//! * [`filter_selectivity`] and [`node_rows`]: a scan's rows after its
//!   filter (conjuncts multiplied, as PostgreSQL assumes them
//!   independent; conditions other than comparisons of a column with a
//!   constant and `IS [NOT] NULL` count as PostgreSQL's default 1/3),
//!   and the rows of a
//!   plan node over such scans. Every estimate is `None` when a table
//!   involved was never analyzed, so plans without statistics stay as
//!   they were.
//!
//! * [`join_eq_selectivity`]: the fraction of pairs of rows of two
//!   tables whose columns are equal, PostgreSQL's basic `eqjoinsel`.
//!
//! The planner uses them for three choices: whether a secondary index
//! is worth reading ([`crate::plan::optimize::access`]), which input of
//! an inner hash join builds the hash table (see
//! [`crate::plan::join_plan`]), and the order of a run of inner joins
//! ([`crate::plan::optimize::join_order`]).

use crate::catalog::statistic::{ColumnStats, TableStats};
use crate::catalog::TableDesc;
use crate::plan::expr::conjuncts;
use crate::plan::expr::Expr;
use crate::plan::node::Node;
use crate::types::{compare_typed, BinaryOp, SqlType, Value};

/// PostgreSQL's `DEFAULT_INEQ_SEL`: the selectivity assumed for a
/// condition nothing better is known about.
pub const DEFAULT_INEQ_SEL: f64 = 1.0 / 3.0;

/// PostgreSQL's `DEFAULT_NUM_DISTINCT`: distinct values assumed when the
/// statistics do not say.
pub const DEFAULT_NUM_DISTINCT: f64 = 200.0;

/// The rows of `table` at its last ANALYZE; `None` if it was never
/// analyzed.
pub fn estimated_rows(table: &TableDesc) -> Option<f64> {
    table.stats.as_ref().map(|s| s.reltuples)
}

/// The statistics of column `column` of `table`, with the table's.
fn column_stats(table: &TableDesc, column: usize) -> Option<(&TableStats, &ColumnStats)> {
    let t = table.stats.as_deref()?;
    Some((t, t.column(table, column)?))
}

/// The distinct non-null values of a column (`n_distinct` resolved
/// against the row count; at least 1), PostgreSQL's
/// `get_variable_numdistinct`.
pub fn distinct_values(table: &TableStats, column: &ColumnStats) -> f64 {
    let n = f64::from(column.n_distinct);
    let d = if n > 0.0 {
        n
    } else if n < 0.0 {
        -n * table.reltuples
    } else {
        DEFAULT_NUM_DISTINCT
    };
    d.round().max(1.0)
}

/// The fraction of `table`'s rows whose column `column` equals `value`;
/// `None` without statistics for the column.
pub fn eq_selectivity(table: &TableDesc, column: usize, value: &Value) -> Option<f64> {
    let (t, c) = column_stats(table, column)?;
    if value.is_null() {
        return Some(0.0);
    }
    let ty = &table.columns[column].ty;
    if c.mcv.is_empty() {
        return Some(1.0 / distinct_values(t, c));
    }
    for (text, freq) in c.mcv.iter().zip(&c.mcv_freqs) {
        let Ok(v) = Value::parse_text_base(text, ty) else {
            continue;
        };
        if compare_typed(ty, &v, value) == Some(std::cmp::Ordering::Equal) {
            return Some(f64::from(*freq));
        }
    }
    let common: f64 = c.mcv_freqs.iter().map(|f| f64::from(*f)).sum();
    let mut selec = (1.0 - common - f64::from(c.null_frac)).clamp(0.0, 1.0);
    let other = distinct_values(t, c) - c.mcv.len() as f64;
    if other > 1.0 {
        selec /= other;
    }
    if let Some(least) = c.mcv_freqs.last() {
        selec = selec.min(f64::from(*least));
    }
    Some(selec)
}

/// PostgreSQL's `DEFAULT_EQ_SEL`: the selectivity assumed for an
/// equality nothing is known about.
pub const DEFAULT_EQ_SEL: f64 = 0.005;

/// PostgreSQL's `DEFAULT_RANGE_INEQ_SEL`: the selectivity assumed for a
/// range with both bounds when nothing better is known.
pub const DEFAULT_RANGE_INEQ_SEL: f64 = 0.005;

/// The fraction of `table`'s rows with `column op value`, `op` one of
/// `<`, `<=`, `>`, `>=`, as PostgreSQL's `scalarineqsel` computes it:
/// the frequencies of the most common values that pass, plus the share of
/// the other non-null rows the histogram puts on the passing side
/// (interpolated within a bucket for numbers; half of them without a
/// histogram). `None` without statistics for the column or for another
/// operator.
pub fn ineq_selectivity(
    table: &TableDesc,
    column: usize,
    op: BinaryOp,
    value: &Value,
) -> Option<f64> {
    let (_, c) = column_stats(table, column)?;
    let below = match op {
        BinaryOp::Lt | BinaryOp::LtEq => true,
        BinaryOp::Gt | BinaryOp::GtEq => false,
        _ => return None,
    };
    if value.is_null() {
        return Some(0.0);
    }
    let ty = &table.columns[column].ty;
    let passes = |v: &Value| compare_typed(ty, v, value).is_some_and(|ord| op.test(ord));
    let mut mcv_selec = 0.0;
    for (text, freq) in c.mcv.iter().zip(&c.mcv_freqs) {
        if let Ok(v) = Value::parse_text_base(text, ty) {
            if passes(&v) {
                mcv_selec += f64::from(*freq);
            }
        }
    }
    let common: f64 = c.mcv_freqs.iter().map(|f| f64::from(*f)).sum();
    let rest = (1.0 - common - f64::from(c.null_frac)).clamp(0.0, 1.0);
    let hist = histogram_fraction_below(&c.histogram, ty, value)
        .map(|f| if below { f } else { 1.0 - f })
        .unwrap_or(0.5);
    Some((mcv_selec + rest * hist).clamp(0.0, 1.0))
}

/// The fraction of a histogram's population below `value` (bounds
/// ascending, equal-count buckets between them); numbers are interpolated
/// within their bucket, other values count half of it. `None` without a
/// usable histogram.
fn histogram_fraction_below(bounds: &[String], ty: &SqlType, value: &Value) -> Option<f64> {
    if bounds.len() < 2 {
        return None;
    }
    let parsed: Vec<Value> = bounds
        .iter()
        .map(|b| Value::parse_text_base(b, ty))
        .collect::<Result<_, _>>()
        .ok()?;
    let lt = |v: &Value| compare_typed(ty, v, value).is_some_and(|o| o.is_lt());
    // Bounds below the value: the value lies in bucket `i - 1`.
    let i = parsed.partition_point(lt);
    let buckets = (parsed.len() - 1) as f64;
    if i == 0 {
        return Some(0.0);
    }
    if i == parsed.len() {
        return Some(1.0);
    }
    let (lo, hi) = (&parsed[i - 1], &parsed[i]);
    let within = match (lo.as_f64(), hi.as_f64(), value.as_f64()) {
        (Some(l), Some(h), Some(v)) if h > l => ((v - l) / (h - l)).clamp(0.0, 1.0),
        _ => 0.5,
    };
    Some(((i - 1) as f64 + within) / buckets)
}

/// The fraction of rows a range `lower <= column <= upper` keeps (each
/// bound optional, a literal or anything else), as PostgreSQL's
/// `clauselist_selectivity` pairs a column's two bounds: `lo + hi - 1`
/// from the one-sided selectivities, [`DEFAULT_RANGE_INEQ_SEL`] when
/// neither bound is a known value, [`DEFAULT_INEQ_SEL`] for one unknown
/// bound. `None` without statistics for the column.
pub fn range_selectivity(
    table: &TableDesc,
    column: usize,
    lower: Option<(&Expr, bool)>,
    upper: Option<(&Expr, bool)>,
) -> Option<f64> {
    column_stats(table, column)?;
    let side = |b: Option<(&Expr, bool)>, ops: (BinaryOp, BinaryOp)| -> Option<Option<f64>> {
        let (e, inclusive) = b?;
        Some(match e {
            Expr::Literal(v, _) => {
                ineq_selectivity(table, column, if inclusive { ops.0 } else { ops.1 }, v)
            }
            _ => None,
        })
    };
    let lo = side(lower, (BinaryOp::GtEq, BinaryOp::Gt));
    let hi = side(upper, (BinaryOp::LtEq, BinaryOp::Lt));
    Some(match (lo, hi) {
        (None, None) => 1.0,
        (Some(s), None) | (None, Some(s)) => s.unwrap_or(DEFAULT_INEQ_SEL),
        (Some(Some(a)), Some(Some(b))) => {
            let both = a + b - 1.0;
            if both > 0.0 {
                both
            } else if both > -0.01 {
                // Rounding around an empty or tiny range.
                1e-10
            } else {
                DEFAULT_RANGE_INEQ_SEL
            }
        }
        _ => DEFAULT_RANGE_INEQ_SEL,
    })
}

/// The fraction of rows whose column `column` equals a value not known
/// while planning; `None` without statistics for the column.
pub fn eq_selectivity_unknown(table: &TableDesc, column: usize) -> Option<f64> {
    let (t, c) = column_stats(table, column)?;
    let mut selec = 1.0 - f64::from(c.null_frac);
    let d = distinct_values(t, c);
    if d > 1.0 {
        selec /= d;
    }
    if let Some(most) = c.mcv_freqs.first() {
        selec = selec.min(f64::from(*most));
    }
    Some(selec)
}

/// The fraction of the pairs of rows of two tables with `a = b`, for
/// columns `a` and `b` (table and column position; `None`: not a plain
/// column), as PostgreSQL's `eqjoinsel` without MCV matching:
/// `(1 - nullfrac_a) * (1 - nullfrac_b) / max(nd_a, nd_b)`, a column
/// without statistics counting as [`DEFAULT_NUM_DISTINCT`] values and no
/// NULLs. `None` when neither column has statistics.
pub fn join_eq_selectivity(
    a: Option<(&TableDesc, usize)>,
    b: Option<(&TableDesc, usize)>,
) -> Option<f64> {
    let side = |x: Option<(&TableDesc, usize)>| -> Option<(f64, f64)> {
        let (table, column) = x?;
        let (t, c) = column_stats(table, column)?;
        let nd = distinct_values(t, c).min(t.reltuples.max(1.0));
        Some((nd, f64::from(c.null_frac)))
    };
    let (sa, sb) = (side(a), side(b));
    if sa.is_none() && sb.is_none() {
        return None;
    }
    let (nd_a, null_a) = sa.unwrap_or((DEFAULT_NUM_DISTINCT, 0.0));
    let (nd_b, null_b) = sb.unwrap_or((DEFAULT_NUM_DISTINCT, 0.0));
    Some((1.0 - null_a) * (1.0 - null_b) / nd_a.max(nd_b).max(1.0))
}

/// The selectivity of one conjunct over `table`'s rows.
fn conjunct_selectivity(table: &TableDesc, e: &Expr) -> f64 {
    match e {
        Expr::Binary(sig, a, b) if sig.op == BinaryOp::Eq => {
            let (col, other) = match (a.as_ref(), b.as_ref()) {
                (Expr::Column(i, _), o) | (o, Expr::Column(i, _)) => (*i, o),
                _ => return DEFAULT_INEQ_SEL,
            };
            let est = match other {
                Expr::Literal(v, _) => eq_selectivity(table, col, v),
                Expr::Param(..) => eq_selectivity_unknown(table, col),
                _ => None,
            };
            est.unwrap_or(DEFAULT_INEQ_SEL)
        }
        Expr::Binary(sig, a, b)
            if matches!(
                sig.op,
                BinaryOp::Lt | BinaryOp::LtEq | BinaryOp::Gt | BinaryOp::GtEq
            ) =>
        {
            let est = match (a.as_ref(), b.as_ref()) {
                (Expr::Column(i, _), Expr::Literal(v, _)) => ineq_selectivity(table, *i, sig.op, v),
                (Expr::Literal(v, _), Expr::Column(i, _)) => {
                    ineq_selectivity(table, *i, sig.op.commute(), v)
                }
                _ => None,
            };
            est.unwrap_or(DEFAULT_INEQ_SEL)
        }
        Expr::IsNull(inner, negated) => match inner.as_ref() {
            Expr::Column(i, _) => match column_stats(table, *i) {
                Some((_, c)) => {
                    let nulls = f64::from(c.null_frac);
                    if *negated {
                        1.0 - nulls
                    } else {
                        nulls
                    }
                }
                None => DEFAULT_INEQ_SEL,
            },
            _ => DEFAULT_INEQ_SEL,
        },
        _ => DEFAULT_INEQ_SEL,
    }
}

/// The fraction of `table`'s rows passing `filter` (see the module docs).
pub fn filter_selectivity(table: &TableDesc, filter: &Expr) -> f64 {
    let mut parts = Vec::new();
    conjuncts(filter, &mut parts);
    parts
        .iter()
        .map(|p| conjunct_selectivity(table, p))
        .product()
}

/// PostgreSQL's `clamp_row_est`: at least one row, a whole number.
fn clamp_rows(rows: f64) -> f64 {
    if rows <= 1.0 {
        1.0
    } else {
        rows.round()
    }
}

/// The estimated rows `node` produces; `None` when a table it reads was
/// never analyzed or the node is of a kind not estimated (joins,
/// aggregates, functions, ...).
pub fn node_rows(node: &Node) -> Option<f64> {
    crate::sql::depth::guard(|| match node {
        Node::Scan(s) => {
            let rows = estimated_rows(&s.table)?;
            let sel = s
                .filter
                .as_ref()
                .map_or(1.0, |f| filter_selectivity(&s.table, f));
            Some(clamp_rows(rows * sel))
        }
        Node::Filter { input, .. } => Some(clamp_rows(node_rows(input)? * DEFAULT_INEQ_SEL)),
        Node::Project { input, .. } | Node::Sort { input, .. } | Node::Distinct { input, .. } => {
            node_rows(input)
        }
        Node::Limit {
            input,
            limit: Some(Expr::Literal(v, _)),
            ..
        } => {
            let rows = node_rows(input)?;
            Some(v.as_i64().map_or(rows, |n| rows.min(n.max(0) as f64)))
        }
        _ => None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn bounds(xs: &[&str]) -> Vec<String> {
        xs.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn histogram_fractions_interpolate_numbers_within_a_bucket() {
        let h = bounds(&["0", "10", "20", "40"]);
        let below = |v: i64| histogram_fraction_below(&h, &SqlType::Int4, &Value::Int8(v));
        assert_eq!(below(-5), Some(0.0));
        assert_eq!(below(0), Some(0.0));
        assert_eq!(below(5), Some(0.5 / 3.0));
        assert_eq!(below(10), Some(1.0 / 3.0));
        assert_eq!(below(30), Some(2.5 / 3.0));
        assert_eq!(below(40), Some(1.0));
        assert_eq!(below(99), Some(1.0));
    }

    #[test]
    fn histogram_fractions_of_text_take_half_a_bucket() {
        let h = bounds(&["apple", "melon", "zebra"]);
        let below = |v: &str| histogram_fraction_below(&h, &SqlType::Text, &Value::Text(v.into()));
        assert_eq!(below("aaa"), Some(0.0));
        assert_eq!(below("banana"), Some(0.25));
        assert_eq!(below("orange"), Some(0.75));
        assert_eq!(below("zz"), Some(1.0));
    }

    #[test]
    fn no_histogram_without_two_bounds() {
        assert_eq!(
            histogram_fraction_below(&bounds(&["1"]), &SqlType::Int4, &Value::Int4(3)),
            None
        );
        assert_eq!(
            histogram_fraction_below(&[], &SqlType::Int4, &Value::Int4(3)),
            None
        );
    }
}
