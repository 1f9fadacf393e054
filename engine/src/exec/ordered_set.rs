//! The ordered-set aggregates (`percentile_cont`, `percentile_disc`,
//! `mode`) and hypothetical-set aggregates (`rank`, `dense_rank`,
//! `percent_rank`, `cume_dist` with `WITHIN GROUP`), computed as
//! PostgreSQL's orderedsetaggs.c does once a group's input is in: the
//! accumulator holds the group's `WITHIN GROUP` key rows (PostgreSQL keeps
//! them in a tuplesort), sorted here by the call's keys.
//!
//! The direct arguments (the fraction, the hypothetical row) arrive
//! evaluated over the group's output row; they were coerced when bound
//! (see [`crate::plan::ordered_set`]), so the fraction is a float8 (or a
//! float8 array) and the hypothetical row has the keys' types.

use std::cmp::Ordering;

use crate::error::{EngineError, Result, SqlState};
use crate::exec::interrupt::Interrupt;
use crate::exec::run::sort_cmp;
use crate::plan::node::{AggFunc, SortKey};
use crate::types::{array, compare_typed, eval_binary, BinaryOp, SqlType, Value};

/// The value of ordered-set aggregate `func` (result type `ty`) over the
/// group's key rows `rows`, sorted by `sort`.
pub fn finish(
    func: AggFunc,
    ty: SqlType,
    sort: &[SortKey],
    mut rows: Vec<Vec<Value>>,
    direct: Vec<Value>,
    interrupt: &mut Interrupt,
) -> Result<Value> {
    match func {
        AggFunc::HypotheticalRank
        | AggFunc::HypotheticalDenseRank
        | AggFunc::HypotheticalPercentRank
        | AggFunc::HypotheticalCumeDist => hypothetical(func, sort, rows, &direct, interrupt),
        AggFunc::Mode => {
            crate::exec::sort::sort_by(&mut rows, |a, b| sort_cmp(sort, a, b), interrupt)?;
            Ok(mode(sort, rows, interrupt)?)
        }
        _ => {
            let continuous = func == AggFunc::PercentileCont;
            let fraction = direct.into_iter().next().unwrap_or(Value::Null);
            if let SqlType::Array(_) = ty {
                // The array form: NULL without rows, before any check.
                if rows.is_empty() || fraction.is_null() {
                    return Ok(Value::Null);
                }
                let Value::Text(text) = &fraction else {
                    return Ok(Value::Null);
                };
                let mut fractions = array::parse_array(text)?;
                let mut pcts = Vec::with_capacity(fractions.items.len());
                for item in &fractions.items {
                    pcts.push(match item {
                        Some(t) => Some(check_fraction(
                            Value::parse_text_base(t, &SqlType::Float8)?.as_f64(),
                        )?),
                        None => None,
                    });
                }
                crate::exec::sort::sort_by(&mut rows, |a, b| sort_cmp(sort, a, b), interrupt)?;
                for (item, p) in fractions.items.iter_mut().zip(pcts) {
                    interrupt.check()?;
                    *item = match p {
                        Some(p) => percentile(&rows, p, continuous)?.to_text(),
                        None => None,
                    };
                }
                return Ok(fractions.into_value());
            }
            if fraction.is_null() {
                return Ok(Value::Null);
            }
            let p = check_fraction(fraction.as_f64())?;
            if rows.is_empty() {
                return Ok(Value::Null);
            }
            crate::exec::sort::sort_by(&mut rows, |a, b| sort_cmp(sort, a, b), interrupt)?;
            percentile(&rows, p, continuous)
        }
    }
}

/// A fraction in [0, 1] (22003 otherwise, with C's `%g` text as
/// PostgreSQL).
fn check_fraction(p: Option<f64>) -> Result<f64> {
    let p = p.unwrap_or(f64::NAN);
    if (0.0..=1.0).contains(&p) {
        Ok(p)
    } else {
        Err(EngineError::new(
            SqlState::NumericValueOutOfRange,
            format!("percentile value {} is not between 0 and 1", format_g(p)),
        ))
    }
}

/// C's `printf("%g")`: six significant digits, trailing zeros dropped,
/// exponent form below 1e-4 and from 1e6.
fn format_g(x: f64) -> String {
    if x.is_nan() {
        return "nan".into();
    }
    if x.is_infinite() {
        return if x > 0.0 { "inf" } else { "-inf" }.into();
    }
    if x == 0.0 {
        return if x.is_sign_negative() { "-0" } else { "0" }.into();
    }
    let sci = format!("{x:.5e}");
    let (mantissa, exp) = sci.split_once('e').unwrap_or((&sci, "0"));
    let exp: i32 = exp.parse().unwrap_or(0);
    let strip = |s: &str| {
        if s.contains('.') {
            s.trim_end_matches('0').trim_end_matches('.').to_string()
        } else {
            s.to_string()
        }
    };
    if !(-4..6).contains(&exp) {
        let sign = if exp < 0 { '-' } else { '+' };
        format!("{}e{sign}{:02}", strip(mantissa), exp.abs())
    } else {
        let decimals = (5 - exp).max(0) as usize;
        strip(&format!("{x:.decimals$}"))
    }
}

/// The `p` percentile of the sorted, non-empty `rows` (their first key):
/// interpolated (`percentile_cont`) or the first value at or past it.
fn percentile(rows: &[Vec<Value>], p: f64, continuous: bool) -> Result<Value> {
    let n = rows.len();
    if !continuous {
        let row = ((p * n as f64).ceil() as usize).clamp(1, n);
        return Ok(rows[row - 1][0].clone());
    }
    let pos = p * (n - 1) as f64;
    let (first, second) = (pos.floor() as usize, pos.ceil() as usize);
    let lo = &rows[first.min(n - 1)][0];
    if second <= first {
        return Ok(lo.clone());
    }
    let hi = &rows[second.min(n - 1)][0];
    let proportion = pos - first as f64;
    match (lo, hi) {
        (Value::Float8(a), Value::Float8(b)) => Ok(Value::Float8(a + (b - a) * proportion)),
        _ => {
            let diff = eval_binary(BinaryOp::Minus, hi, lo)?;
            let step = eval_binary(BinaryOp::Multiply, &diff, &Value::Float8(proportion))?;
            eval_binary(BinaryOp::Plus, lo, &step)
        }
    }
}

/// The most frequent value of the sorted `rows` (the first in sort order
/// among equally frequent ones); `NULL` without rows.
fn mode(sort: &[SortKey], rows: Vec<Vec<Value>>, interrupt: &mut Interrupt) -> Result<Value> {
    let ty = sort.first().map_or(SqlType::Text, |k| k.expr.ty());
    let mut best: Option<(Value, usize)> = None;
    let mut current: Option<(Value, usize)> = None;
    for mut row in rows {
        interrupt.check()?;
        let v = std::mem::replace(&mut row[0], Value::Null);
        match &mut current {
            Some((c, n)) if compare_typed(&ty, c, &v) == Some(Ordering::Equal) => *n += 1,
            _ => {
                if let Some((c, n)) = current.take() {
                    if best.as_ref().is_none_or(|b| n > b.1) {
                        best = Some((c, n));
                    }
                }
                current = Some((v, 1));
            }
        }
    }
    if let Some((c, n)) = current {
        if best.as_ref().is_none_or(|b| n > b.1) {
            best = Some((c, n));
        }
    }
    Ok(best.map_or(Value::Null, |b| b.0))
}

/// A hypothetical-set aggregate: where the row `hyp` would fall among
/// `rows` (before its peers for the ranks, after them for `cume_dist`).
fn hypothetical(
    func: AggFunc,
    sort: &[SortKey],
    mut rows: Vec<Vec<Value>>,
    hyp: &[Value],
    interrupt: &mut Interrupt,
) -> Result<Value> {
    let n = rows.len();
    let mut before = 0usize;
    let mut peers = 0usize;
    for row in &rows {
        interrupt.check()?;
        match sort_cmp(sort, row, hyp) {
            Ordering::Less => before += 1,
            Ordering::Equal => peers += 1,
            Ordering::Greater => {}
        }
    }
    Ok(match func {
        AggFunc::HypotheticalRank => Value::Int8(before as i64 + 1),
        AggFunc::HypotheticalPercentRank => Value::Float8(if n == 0 {
            0.0
        } else {
            before as f64 / n as f64
        }),
        AggFunc::HypotheticalCumeDist => {
            Value::Float8((before + peers + 1) as f64 / (n + 1) as f64)
        }
        _ => {
            rows.retain(|r| sort_cmp(sort, r, hyp) == Ordering::Less);
            crate::exec::sort::sort_by(&mut rows, |a, b| sort_cmp(sort, a, b), interrupt)?;
            let mut distinct = 0i64;
            for (i, row) in rows.iter().enumerate() {
                if i == 0 || sort_cmp(sort, &rows[i - 1], row) != Ordering::Equal {
                    distinct += 1;
                }
            }
            Value::Int8(distinct + 1)
        }
    })
}

#[cfg(test)]
mod tests {
    use super::format_g;

    #[test]
    fn format_g_matches_printf() {
        assert_eq!(format_g(1.5), "1.5");
        assert_eq!(format_g(2.0), "2");
        assert_eq!(format_g(-0.5), "-0.5");
        assert_eq!(format_g(1.0000001), "1");
        assert_eq!(format_g(1234567.0), "1.23457e+06");
        assert_eq!(format_g(0.00001), "1e-05");
        assert_eq!(format_g(f64::NAN), "nan");
    }
}
