//! The ordered-set aggregates (`percentile_cont`, `percentile_disc`,
//! `mode`) and hypothetical-set aggregates (`rank`, `dense_rank`,
//! `percent_rank`, `cume_dist` with `WITHIN GROUP`), computed as
//! PostgreSQL's orderedsetaggs.c does once a group's input is in: the
//! accumulator holds the group's `WITHIN GROUP` key rows in an
//! [`AggInputs`] (PostgreSQL's tuplesort: sorted by the call's keys,
//! spilling past `work_mem`), and each aggregate reads them back in one
//! pass, keeping only the values it needs (a percentile's rows, the
//! current and best `mode` run).
//!
//! The direct arguments (the fraction, the hypothetical row) arrive
//! evaluated over the group's output row; they were coerced when bound
//! (see [`crate::plan::ordered_set`]), so the fraction is a float8 (or a
//! float8 array) and the hypothetical row has the keys' types.

use std::cmp::Ordering;
use std::collections::HashMap;

use crate::error::{EngineError, Result, SqlState};
use crate::exec::agg_inputs::{AggInputs, SortedInputs};
use crate::exec::run::sort_cmp;
use crate::interrupt::Interrupt;
use crate::plan::node::{AggFunc, SortKey};
use crate::types::{array, compare_typed, eval_binary, BinaryOp, SqlType, Value};

/// The value of ordered-set aggregate `func` (result type `ty`) over the
/// group's key rows `inputs`, sorted by `sort`.
pub fn finish(
    func: AggFunc,
    ty: SqlType,
    sort: &[SortKey],
    inputs: AggInputs,
    direct: Vec<Value>,
    interrupt: &mut Interrupt,
) -> Result<Value> {
    let n = inputs.len();
    match func {
        AggFunc::HypotheticalRank
        | AggFunc::HypotheticalDenseRank
        | AggFunc::HypotheticalPercentRank
        | AggFunc::HypotheticalCumeDist => {
            let rows = inputs.finish(interrupt)?;
            hypothetical(func, sort, rows, n, &direct, interrupt)
        }
        AggFunc::Mode => mode(sort, inputs.finish(interrupt)?, interrupt),
        _ => {
            let continuous = func == AggFunc::PercentileCont;
            let fraction = direct.into_iter().next().unwrap_or(Value::Null);
            if let SqlType::Array(_) = ty {
                // The array form: NULL without rows, before any check.
                if n == 0 || fraction.is_null() {
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
                let wanted: Vec<f64> = pcts.iter().flatten().copied().collect();
                let at = positions(inputs.finish(interrupt)?, n, &wanted, interrupt)?;
                for (item, p) in fractions.items.iter_mut().zip(pcts) {
                    interrupt.check()?;
                    *item = match p {
                        Some(p) => percentile(&at, n, p, continuous)?.to_text(),
                        None => None,
                    };
                }
                return Ok(fractions.into_value());
            }
            if fraction.is_null() {
                return Ok(Value::Null);
            }
            let p = check_fraction(fraction.as_f64())?;
            if n == 0 {
                return Ok(Value::Null);
            }
            let at = positions(inputs.finish(interrupt)?, n, &[p], interrupt)?;
            percentile(&at, n, p, continuous)
        }
    }
}

/// The rows (from 0) a percentile `p` of `n` rows reads: the row at or
/// past it, and the two it interpolates between.
fn rows_of(p: f64, n: usize) -> [usize; 3] {
    let disc = ((p * n as f64).ceil() as usize).clamp(1, n) - 1;
    let pos = p * (n - 1) as f64;
    [
        disc,
        (pos.floor() as usize).min(n - 1),
        (pos.ceil() as usize).min(n - 1),
    ]
}

/// The first keys of the sorted rows that the percentiles `ps` of the
/// `n` rows read, by row number (one pass over the rows).
fn positions(
    mut rows: SortedInputs,
    n: usize,
    ps: &[f64],
    interrupt: &mut Interrupt,
) -> Result<HashMap<usize, Value>> {
    let mut want: Vec<usize> = ps.iter().flat_map(|&p| rows_of(p, n)).collect();
    want.sort_unstable();
    want.dedup();
    let mut at = HashMap::with_capacity(want.len());
    let mut next = want.iter().copied().peekable();
    let mut row = Vec::new();
    let mut i = 0usize;
    while let Some(&w) = next.peek() {
        interrupt.check()?;
        if !rows.next_into(&mut row)? {
            break;
        }
        if i == w {
            at.insert(i, std::mem::replace(&mut row[0], Value::Null));
            next.next();
        }
        i += 1;
    }
    Ok(at)
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

/// The `p` percentile of the `n` (> 0) sorted rows whose needed first
/// keys are `at` (see [`positions`]): interpolated (`percentile_cont`) or
/// the first value at or past it.
fn percentile(at: &HashMap<usize, Value>, n: usize, p: f64, continuous: bool) -> Result<Value> {
    let [disc, first, second] = rows_of(p, n);
    let get = |i: usize| at.get(&i).cloned().unwrap_or(Value::Null);
    if !continuous {
        return Ok(get(disc));
    }
    let pos = p * (n - 1) as f64;
    let lo = get(first);
    if second <= first {
        return Ok(lo);
    }
    let hi = get(second);
    let proportion = pos - first as f64;
    match (&lo, &hi) {
        (Value::Float8(a), Value::Float8(b)) => Ok(Value::Float8(a + (b - a) * proportion)),
        _ => {
            let diff = eval_binary(BinaryOp::Minus, &hi, &lo)?;
            let step = eval_binary(BinaryOp::Multiply, &diff, &Value::Float8(proportion))?;
            eval_binary(BinaryOp::Plus, &lo, &step)
        }
    }
}

/// The most frequent value of the sorted `rows` (the first in sort order
/// among equally frequent ones); `NULL` without rows.
fn mode(sort: &[SortKey], mut rows: SortedInputs, interrupt: &mut Interrupt) -> Result<Value> {
    let ty = sort.first().map_or(SqlType::Text, |k| k.expr.ty());
    let mut best: Option<(Value, usize)> = None;
    let mut current: Option<(Value, usize)> = None;
    let mut row = Vec::new();
    while rows.next_into(&mut row)? {
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
/// the `n` sorted `rows` (before its peers for the ranks, after them for
/// `cume_dist`).
fn hypothetical(
    func: AggFunc,
    sort: &[SortKey],
    mut rows: SortedInputs,
    n: usize,
    hyp: &[Value],
    interrupt: &mut Interrupt,
) -> Result<Value> {
    let mut before = 0usize;
    let mut peers = 0usize;
    // Distinct values before `hyp` (rows are sorted: they come first).
    let mut distinct = 0i64;
    let mut prev: Option<Vec<Value>> = None;
    let mut row = Vec::new();
    while rows.next_into(&mut row)? {
        interrupt.check()?;
        match sort_cmp(sort, &row, hyp) {
            Ordering::Less => {
                before += 1;
                if prev
                    .as_ref()
                    .is_none_or(|p| sort_cmp(sort, p, &row) != Ordering::Equal)
                {
                    distinct += 1;
                }
                prev = Some(std::mem::take(&mut row));
            }
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
        _ => Value::Int8(distinct + 1),
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
