//! Transcendental and number-theory functions on `numeric`: `ln`, `log`,
//! `exp`, `gcd`, `lcm` and `sign`, with PostgreSQL 15's result scales
//! (`estimate_ln_dweight`, `log_var`, `numeric_exp`) and special-value
//! rules.
//!
//! Logarithms and exponentials are computed to the result scale plus guard
//! digits on the exact decimal working form and then rounded half away
//! from zero, so results agree with PostgreSQL's correctly rounded ones.
//! `ln` reduces its argument towards 1 by repeated square roots and sums
//! the `atanh` series; `exp` halves its argument below 0.01, sums the
//! Taylor series and squares back.

use rocksgres_codec::{Numeric, NumericClass};

use super::numeric_ops::{
    dec_add, dec_div, dec_mul, dec_neg, division_by_zero, isqrt, numeric_overflow, numeric_to_f64,
    Dec, MAX_DISPLAY_SCALE, MIN_SIG_DIGITS,
};
use crate::error::{EngineError, Result, SqlState};

/// PostgreSQL's `NUMERIC_MAX_RESULT_SCALE`.
const MAX_RESULT_SCALE: f64 = 2000.0;

fn log_zero() -> EngineError {
    EngineError::new(
        SqlState::InvalidArgumentForLogarithm,
        "cannot take logarithm of zero",
    )
}

fn log_negative() -> EngineError {
    EngineError::new(
        SqlState::InvalidArgumentForLogarithm,
        "cannot take logarithm of a negative number",
    )
}

fn one() -> Dec {
    Dec::from_i128(1)
}

/// PostgreSQL's `estimate_ln_dweight`: the approximate decimal weight of
/// `ln(d)`, reasoning (as PostgreSQL does) on base-10000 digits.
fn estimate_ln_dweight(d: &Dec) -> i64 {
    if d.neg || d.is_zero() {
        return 0;
    }
    let point_nine = Dec {
        neg: false,
        digits: vec![9],
        exp: -1,
    };
    let one_point_one = Dec {
        neg: false,
        digits: vec![1, 1],
        exp: -1,
    };
    let ge = |a: &Dec, b: &Dec| super::numeric_ops::cmp_mag(a, b) != std::cmp::Ordering::Less;
    if ge(d, &point_nine) && ge(&one_point_one, d) {
        let x = dec_add(d, &dec_neg(&one()));
        return if x.is_zero() { 0 } else { x.weight() };
    }
    // First one or two base-10000 digits.
    let nweight = d.weight().div_euclid(4);
    let group = |w: i64| -> i64 {
        (0..4)
            .rev()
            .fold(0i64, |acc, k| acc * 10 + i64::from(d.digit_at(w * 4 + k)))
    };
    let mut digits = group(nweight);
    let mut dweight = nweight * 4;
    // More than one base-10000 digit when anything is below the first group.
    if d.exp < nweight * 4 {
        digits = digits * 10_000 + group(nweight - 1);
        dweight -= 4;
    }
    let ln_var = (digits as f64).ln() + dweight as f64 * std::f64::consts::LN_10;
    ln_var.abs().log10() as i64
}

/// Rounds to `frac` fractional digits (half away from zero).
fn rounded(mut d: Dec, frac: i64) -> Dec {
    d.round_to(frac, true);
    d
}

/// `sqrt(d)` to `frac` fractional digits (truncated), `d >= 0`.
fn dec_sqrt(d: &Dec, frac: i64) -> Dec {
    let mut scaled = d.clone();
    scaled.exp += 2 * frac;
    scaled.round_to(0, false);
    let mut r = isqrt(&scaled);
    if !r.is_zero() {
        r.exp -= frac;
    }
    r
}

/// `ln(d)` for `d > 0`, to `frac` fractional digits.
fn dec_ln(d: &Dec, frac: i64) -> Dec {
    let guard = 12;
    let mut y = d.clone();
    let mut k: i64 = 0;
    // Bring y within 0.01 of 1; each square root halves ln(y), and the
    // final doubling multiplies the error by 2^k (about 0.3 digits each).
    let work = frac.max(0) + guard + 12;
    loop {
        let diff = dec_add(&y, &dec_neg(&one()));
        if diff.is_zero() || diff.weight() < -2 {
            break;
        }
        y = dec_sqrt(&y, work + k / 3 + 4);
        k += 1;
    }
    let w = work + k / 3 + 4;
    let z = dec_div(
        &dec_add(&y, &dec_neg(&one())),
        &dec_add(&y, &one()),
        w,
        true,
    );
    let z2 = rounded(dec_mul(&z, &z), w);
    let mut sum = z.clone();
    let mut power = z;
    let mut n: i128 = 1;
    loop {
        power = rounded(dec_mul(&power, &z2), w);
        n += 2;
        let term = dec_div(&power, &Dec::from_i128(n), w, true);
        if term.is_zero() {
            break;
        }
        sum = dec_add(&sum, &term);
    }
    let factor = Dec::from_i128(1i128 << (k + 1).min(120));
    rounded(dec_mul(&sum, &factor), frac)
}

/// `exp(x)` keeping about `sig` significant digits.
fn dec_exp(x: &Dec, sig: i64) -> Dec {
    if x.neg {
        let e = dec_exp(&dec_neg(x), sig + 4);
        // 1/e to enough fractional digits for `sig` significant digits.
        let frac = sig + e.weight() + 3;
        return dec_div(&one(), &e, frac, true);
    }
    // Halve x until it is below 0.01.
    let mut r = x.clone();
    let mut k: i64 = 0;
    let half = Dec {
        neg: false,
        digits: vec![5],
        exp: -1,
    };
    let target = -(2i64.max(((sig.max(1)) as f64).sqrt() as i64 / 2));
    while !r.is_zero() && r.weight() >= target {
        r = dec_mul(&r, &half);
        k += 1;
    }
    let work_sig = sig + k / 3 + 8;
    let w = work_sig + 2; // value of exp(r) is about 1
    r = rounded(r, w + 4);
    let mut sum = one();
    let mut term = one();
    let mut n: i128 = 0;
    loop {
        n += 1;
        term = dec_div(&dec_mul(&term, &r), &Dec::from_i128(n), w, true);
        if term.is_zero() {
            break;
        }
        sum = dec_add(&sum, &term);
    }
    for _ in 0..k {
        sum = dec_mul(&sum, &sum);
        let frac = work_sig - sum.weight() - 1;
        sum.round_to(frac, true);
    }
    sum
}

fn ln_checked(d: &Dec) -> Result<()> {
    if d.is_zero() {
        return Err(log_zero());
    }
    if d.neg {
        return Err(log_negative());
    }
    Ok(())
}

/// `ln(numeric)`.
pub fn numeric_ln(a: &Numeric) -> Result<Numeric> {
    match a.class() {
        NumericClass::NaN => return Ok(Numeric::nan()),
        NumericClass::Infinity => return Ok(Numeric::infinity()),
        NumericClass::NegInfinity => return Err(log_negative()),
        _ => {}
    }
    let d = Dec::from_numeric(a);
    ln_checked(&d)?;
    let rscale = (MIN_SIG_DIGITS - estimate_ln_dweight(&d))
        .max(i64::from(a.dscale()))
        .clamp(0, MAX_DISPLAY_SCALE);
    dec_ln(&d, rscale).into_numeric(rscale)
}

/// `log(base, num)` on `numeric` (`log(num)` is `log(10, num)`).
pub fn numeric_log(base: &Numeric, num: &Numeric) -> Result<Numeric> {
    if !base.is_finite() || !num.is_finite() {
        if base.is_nan() || num.is_nan() {
            return Ok(Numeric::nan());
        }
        let sign = |n: &Numeric| match n.class() {
            NumericClass::Negative | NumericClass::NegInfinity => -1,
            NumericClass::Zero | NumericClass::NaN => 0,
            _ => 1,
        };
        if sign(base) < 0 || sign(num) < 0 {
            return Err(log_negative());
        }
        if sign(base) == 0 || sign(num) == 0 {
            return Err(log_zero());
        }
        if base.is_infinite() {
            return Ok(if num.is_infinite() {
                Numeric::nan()
            } else {
                Numeric::zero()
            });
        }
        return Ok(Numeric::infinity());
    }
    let b = Dec::from_numeric(base);
    let n = Dec::from_numeric(num);
    ln_checked(&b)?;
    ln_checked(&n)?;
    let ln_base_dweight = estimate_ln_dweight(&b);
    let ln_num_dweight = estimate_ln_dweight(&n);
    let result_dweight = ln_num_dweight - ln_base_dweight;
    let rscale = (MIN_SIG_DIGITS - result_dweight)
        .max(i64::from(base.dscale()))
        .max(i64::from(num.dscale()))
        .clamp(0, MAX_DISPLAY_SCALE);
    let ln_base_rscale = (rscale + result_dweight - ln_base_dweight + 8).max(0) + 8;
    let ln_num_rscale = (rscale + result_dweight - ln_num_dweight + 8).max(0) + 8;
    let lb = dec_ln(&b, ln_base_rscale);
    let ln = dec_ln(&n, ln_num_rscale);
    if lb.is_zero() {
        return Err(division_by_zero());
    }
    dec_div(&ln, &lb, rscale, true).into_numeric(rscale)
}

/// `exp(numeric)`.
pub fn numeric_exp(a: &Numeric) -> Result<Numeric> {
    match a.class() {
        NumericClass::NaN => return Ok(Numeric::nan()),
        NumericClass::Infinity => return Ok(Numeric::infinity()),
        NumericClass::NegInfinity => return Ok(Numeric::zero()),
        _ => {}
    }
    let val = numeric_to_f64(a);
    // PostgreSQL's literal for log10(e), kept for identical truncation.
    #[allow(clippy::approx_constant)]
    let log10_e = 0.434_294_481_903_252;
    let approx = (val * log10_e).clamp(-MAX_RESULT_SCALE, MAX_RESULT_SCALE);
    let rscale = (MIN_SIG_DIGITS - approx as i64)
        .max(i64::from(a.dscale()))
        .clamp(0, MAX_DISPLAY_SCALE);
    if val.abs() >= MAX_RESULT_SCALE * 3.0 {
        if val > 0.0 {
            return Err(numeric_overflow());
        }
        return Dec::zero().into_numeric(rscale);
    }
    let d = Dec::from_numeric(a);
    // Significant digits needed: the integer digits plus rscale.
    let weight = approx.floor() as i64;
    let sig = (rscale + weight + 1).max(0) + 4;
    if sig <= 4 && d.neg {
        return Dec::zero().into_numeric(rscale);
    }
    dec_exp(&d, sig).into_numeric(rscale)
}

/// `gcd(numeric, numeric)`: display scale the larger of the two; `NaN` for
/// `NaN` or infinite inputs.
pub fn numeric_gcd(a: &Numeric, b: &Numeric) -> Result<Numeric> {
    if !a.is_finite() || !b.is_finite() {
        return Ok(Numeric::nan());
    }
    let scale = i64::from(a.dscale().max(b.dscale()));
    let (mut x, mut y) = (numeric_abs_dec(a), numeric_abs_dec(b));
    while !y.is_zero() {
        let q = dec_div(&x, &y, 0, false);
        let r = dec_add(&x, &dec_neg(&dec_mul(&q, &y)));
        x = y;
        y = r;
    }
    x.into_numeric(scale)
}

fn numeric_abs_dec(a: &Numeric) -> Dec {
    let mut d = Dec::from_numeric(a);
    d.neg = false;
    d
}

/// `lcm(numeric, numeric)`: `|a / gcd(a, b) * b|`, zero when either is
/// zero; display scale the larger of the two.
pub fn numeric_lcm(a: &Numeric, b: &Numeric) -> Result<Numeric> {
    if !a.is_finite() || !b.is_finite() {
        return Ok(Numeric::nan());
    }
    let scale = i64::from(a.dscale().max(b.dscale()));
    if a.is_zero() || b.is_zero() {
        return Dec::zero().into_numeric(scale);
    }
    let g = Dec::from_numeric(&numeric_gcd(a, b)?);
    let q = dec_div(&numeric_abs_dec(a), &g, 0, false);
    let mut r = dec_mul(&q, &numeric_abs_dec(b));
    r.neg = false;
    r.into_numeric(scale)
}

/// `sign(numeric)`: -1, 0 or 1 (scale 0); `NaN` stays `NaN`.
pub fn numeric_sign(a: &Numeric) -> Numeric {
    match a.class() {
        NumericClass::NaN => Numeric::nan(),
        NumericClass::Zero => Numeric::zero(),
        NumericClass::Negative | NumericClass::NegInfinity => Numeric::from(-1i64),
        NumericClass::Positive | NumericClass::Infinity => Numeric::from(1i64),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn n(s: &str) -> Numeric {
        Numeric::parse(s).unwrap()
    }

    #[test]
    fn logarithms_match_postgres() {
        // psql: select ln(2.0), ln(1.05), ln(1e-10), log(2.0, 8), exp(1.0), exp(-1.5)
        assert_eq!(
            numeric_ln(&n("2.0")).unwrap().to_string(),
            "0.6931471805599453"
        );
        assert_eq!(
            numeric_ln(&n("1.05")).unwrap().to_string(),
            "0.048790164169432003"
        );
        assert_eq!(
            numeric_ln(&n("1e-10")).unwrap().to_string(),
            "-23.025850929940457"
        );
        assert_eq!(
            numeric_log(&n("2.0"), &n("8")).unwrap().to_string(),
            "3.0000000000000000"
        );
        assert_eq!(
            numeric_exp(&n("1.0")).unwrap().to_string(),
            "2.7182818284590452"
        );
        assert_eq!(
            numeric_exp(&n("-1.5")).unwrap().to_string(),
            "0.2231301601484298"
        );
        assert_eq!(
            numeric_ln(&n("0")).unwrap_err().state,
            SqlState::InvalidArgumentForLogarithm
        );
    }
}
