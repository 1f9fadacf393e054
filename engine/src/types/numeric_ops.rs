//! Arithmetic on `numeric` ([`Numeric`] from the codec, which stores only
//! values): add, subtract, multiply, divide, modulo, rounding, typmod
//! coercion and conversions to and from integers and floats, with
//! PostgreSQL's result scales and special-value (`NaN`, `±Infinity`) rules.
//!
//! Computation happens on a working form [`Dec`]: a sign, a base-10 digit
//! vector read as an integer, and a power-of-ten exponent (`value = ±
//! digits × 10^exp`). Addition aligns exponents; multiplication is
//! schoolbook; division is long division producing exactly the digits the
//! result scale needs plus one guard digit for rounding. Base-10 digits
//! keep the code simple and exact; PostgreSQL's base-10000 layout is only
//! emulated where it changes results (the division result scale of
//! `select_div_scale`). Rounding is half away from zero, as PostgreSQL's
//! `round_var`.

use std::cmp::Ordering;

use rocksgres_codec::{CodecError, Numeric, NumericClass};

use crate::error::{EngineError, Result, SqlState};

/// PostgreSQL's `NUMERIC_MIN_SIG_DIGITS`: division keeps at least this many
/// significant digits.
pub(crate) const MIN_SIG_DIGITS: i64 = 16;
/// PostgreSQL's `NUMERIC_MAX_DISPLAY_SCALE`.
pub(crate) const MAX_DISPLAY_SCALE: i64 = 1000;
/// PostgreSQL's `NUMERIC_MAX_RESULT_SCALE`, the cap for `round`/`trunc`.
const MAX_RESULT_SCALE: i64 = 2000;

/// A finite decimal being computed on: `± digits × 10^exp`, `digits` most
/// significant first with no leading zeros (empty = zero).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Dec {
    pub(crate) neg: bool,
    pub(crate) digits: Vec<u8>,
    pub(crate) exp: i64,
}

/// `22003 value overflows numeric format`.
pub fn numeric_overflow() -> EngineError {
    EngineError::new(
        SqlState::NumericValueOutOfRange,
        "value overflows numeric format",
    )
}

pub(crate) fn division_by_zero() -> EngineError {
    EngineError::new(SqlState::DivisionByZero, "division by zero")
}

pub(crate) fn codec_error(e: CodecError) -> EngineError {
    match e {
        CodecError::NumericOverflow => numeric_overflow(),
        CodecError::NumericSyntax(input) => EngineError::new(
            SqlState::InvalidTextRepresentation,
            format!("invalid input syntax for type numeric: \"{input}\""),
        ),
        other => EngineError::internal(other.to_string()),
    }
}

impl Dec {
    pub(crate) fn zero() -> Dec {
        Dec {
            neg: false,
            digits: Vec::new(),
            exp: 0,
        }
    }

    pub(crate) fn from_numeric(n: &Numeric) -> Dec {
        let digits = n.digits().to_vec();
        let exp = i64::from(n.weight()) - digits.len() as i64 + 1;
        let mut d = Dec {
            neg: n.class() == NumericClass::Negative,
            digits,
            exp,
        };
        d.normalise();
        d
    }

    pub(crate) fn from_i128(v: i128) -> Dec {
        let mut d = Dec {
            neg: v < 0,
            digits: v
                .unsigned_abs()
                .to_string()
                .into_bytes()
                .iter()
                .map(|b| b - b'0')
                .collect(),
            exp: 0,
        };
        d.normalise();
        d
    }

    pub(crate) fn is_zero(&self) -> bool {
        self.digits.is_empty()
    }

    /// Strips leading zeros and moves trailing zeros into the exponent.
    fn normalise(&mut self) {
        let lead = self.digits.iter().take_while(|&&d| d == 0).count();
        self.digits.drain(..lead);
        while self.digits.last() == Some(&0) {
            self.digits.pop();
            self.exp += 1;
        }
        if self.digits.is_empty() {
            self.neg = false;
            self.exp = 0;
        }
    }

    /// Decimal position of the leading digit (0 = units).
    pub(crate) fn weight(&self) -> i64 {
        self.exp + self.digits.len() as i64 - 1
    }

    /// Rounds (half away from zero) or truncates to `scale` fractional
    /// digits (negative: to tens, hundreds, ...).
    pub(crate) fn round_to(&mut self, scale: i64, round: bool) {
        if self.is_zero() || self.exp >= -scale {
            return;
        }
        // Digits at positions below -scale are dropped.
        let drop = (-scale - self.exp) as usize;
        if drop > self.digits.len() {
            // Everything is dropped; the first dropped digit is a zero
            // unless drop == len + 0 (handled below).
            *self = Dec::zero();
            return;
        }
        let keep = self.digits.len() - drop;
        let round_up = round && self.digits[keep] >= 5;
        self.digits.truncate(keep);
        self.exp = -scale;
        if round_up {
            let mut i = self.digits.len();
            loop {
                if i == 0 {
                    self.digits.insert(0, 1);
                    break;
                }
                i -= 1;
                if self.digits[i] == 9 {
                    self.digits[i] = 0;
                } else {
                    self.digits[i] += 1;
                    break;
                }
            }
        }
        self.normalise();
    }

    /// Converts to a `Numeric` with display scale `dscale`, rounding first.
    pub(crate) fn into_numeric(mut self, dscale: i64) -> Result<Numeric> {
        if dscale > i64::from(rocksgres_codec::MAX_DSCALE) {
            return Err(numeric_overflow());
        }
        let dscale = dscale.max(0);
        self.round_to(dscale, true);
        if self.is_zero() {
            return Numeric::from_parts(false, &[], 0, dscale as u16).map_err(codec_error);
        }
        let weight = self.weight();
        if weight > i64::from(rocksgres_codec::MAX_WEIGHT) {
            return Err(numeric_overflow());
        }
        Numeric::from_parts(self.neg, &self.digits, weight as i32, dscale as u16)
            .map_err(codec_error)
    }

    /// Digit at decimal position `pos`.
    pub(crate) fn digit_at(&self, pos: i64) -> u8 {
        let idx = self.weight() - pos;
        if idx < 0 || idx >= self.digits.len() as i64 {
            0
        } else {
            self.digits[idx as usize]
        }
    }

    /// Whether the value is an integer.
    pub(crate) fn is_integral(&self) -> bool {
        self.exp >= 0
    }

    /// The value as i128 if it is an integer that fits.
    pub(crate) fn to_i128(&self) -> Option<i128> {
        if !self.is_integral() || self.weight() > 37 {
            return None;
        }
        let mut v: i128 = 0;
        for &d in &self.digits {
            v = v.checked_mul(10)?.checked_add(i128::from(d))?;
        }
        for _ in 0..self.exp {
            v = v.checked_mul(10)?;
        }
        Some(if self.neg { -v } else { v })
    }
}

pub(crate) fn cmp_mag(a: &Dec, b: &Dec) -> Ordering {
    match (a.is_zero(), b.is_zero()) {
        (true, true) => return Ordering::Equal,
        (true, false) => return Ordering::Less,
        (false, true) => return Ordering::Greater,
        _ => {}
    }
    a.weight()
        .cmp(&b.weight())
        .then_with(|| a.digits.cmp(&b.digits))
}

/// Digits of `d` as a little-endian vector aligned to exponent `exp`
/// (`exp <= d.exp`).
fn aligned_le(d: &Dec, exp: i64) -> Vec<u8> {
    let shift = (d.exp - exp) as usize;
    let mut v = vec![0u8; shift];
    v.extend(d.digits.iter().rev());
    v
}

fn add_mag(a: &Dec, b: &Dec, neg: bool) -> Dec {
    let exp = a.exp.min(b.exp);
    let x = aligned_le(a, exp);
    let y = aligned_le(b, exp);
    let mut out = Vec::with_capacity(x.len().max(y.len()) + 1);
    let mut carry = 0u8;
    for i in 0..x.len().max(y.len()) {
        let s = x.get(i).copied().unwrap_or(0) + y.get(i).copied().unwrap_or(0) + carry;
        out.push(s % 10);
        carry = s / 10;
    }
    if carry > 0 {
        out.push(carry);
    }
    out.reverse();
    let mut d = Dec {
        neg,
        digits: out,
        exp,
    };
    d.normalise();
    d
}

/// `|a| - |b|` with `|a| >= |b|`, signed `neg`.
fn sub_mag(a: &Dec, b: &Dec, neg: bool) -> Dec {
    let exp = a.exp.min(b.exp);
    let x = aligned_le(a, exp);
    let y = aligned_le(b, exp);
    let mut out = Vec::with_capacity(x.len());
    let mut borrow = 0i8;
    for (i, &xd) in x.iter().enumerate() {
        let mut s = xd as i8 - y.get(i).copied().unwrap_or(0) as i8 - borrow;
        if s < 0 {
            s += 10;
            borrow = 1;
        } else {
            borrow = 0;
        }
        out.push(s as u8);
    }
    out.reverse();
    let mut d = Dec {
        neg,
        digits: out,
        exp,
    };
    d.normalise();
    d
}

pub(crate) fn dec_add(a: &Dec, b: &Dec) -> Dec {
    if a.neg == b.neg {
        return add_mag(a, b, a.neg);
    }
    match cmp_mag(a, b) {
        Ordering::Equal => Dec::zero(),
        Ordering::Greater => sub_mag(a, b, a.neg),
        Ordering::Less => sub_mag(b, a, b.neg),
    }
}

pub(crate) fn dec_neg(a: &Dec) -> Dec {
    let mut d = a.clone();
    if !d.is_zero() {
        d.neg = !d.neg;
    }
    d
}

pub(crate) fn dec_mul(a: &Dec, b: &Dec) -> Dec {
    if a.is_zero() || b.is_zero() {
        return Dec::zero();
    }
    let x: Vec<u8> = a.digits.iter().rev().copied().collect();
    let y: Vec<u8> = b.digits.iter().rev().copied().collect();
    let mut acc = vec![0u64; x.len() + y.len()];
    for (i, &dx) in x.iter().enumerate() {
        if dx == 0 {
            continue;
        }
        for (j, &dy) in y.iter().enumerate() {
            acc[i + j] += u64::from(dx) * u64::from(dy);
        }
        // Keep the accumulators small.
        if i % 1_000_000 == 999_999 {
            carry_through(&mut acc);
        }
    }
    carry_through(&mut acc);
    let mut digits: Vec<u8> = acc.iter().rev().map(|&v| v as u8).collect();
    digits.shrink_to_fit();
    let mut d = Dec {
        neg: a.neg != b.neg,
        digits,
        exp: a.exp + b.exp,
    };
    d.normalise();
    d
}

fn carry_through(acc: &mut [u64]) {
    let mut carry = 0u64;
    for v in acc.iter_mut() {
        let s = *v + carry;
        *v = s % 10;
        carry = s / 10;
    }
}

/// Big-integer long division of digit vectors (most significant first):
/// the quotient digits.
fn long_div(num: &[u8], den: &[u8]) -> Vec<u8> {
    let mut quotient = Vec::with_capacity(num.len());
    let mut rem: Vec<u8> = Vec::with_capacity(den.len() + 1);
    for &d in num {
        if rem.is_empty() && d == 0 {
            quotient.push(0);
            continue;
        }
        rem.push(d);
        let mut q = 0u8;
        while cmp_digits(&rem, den) != Ordering::Less {
            sub_in_place(&mut rem, den);
            q += 1;
        }
        quotient.push(q);
    }
    quotient
}

fn cmp_digits(a: &[u8], b: &[u8]) -> Ordering {
    a.len().cmp(&b.len()).then_with(|| a.cmp(b))
}

/// `a -= b` for digit vectors without leading zeros, `a >= b`; leaves `a`
/// without leading zeros.
fn sub_in_place(a: &mut Vec<u8>, b: &[u8]) {
    let off = a.len() - b.len();
    let mut borrow = 0i8;
    for i in (0..a.len()).rev() {
        let sub = if i >= off { b[i - off] as i8 } else { 0 };
        let mut s = a[i] as i8 - sub - borrow;
        if s < 0 {
            s += 10;
            borrow = 1;
        } else {
            borrow = 0;
        }
        a[i] = s as u8;
    }
    let lead = a.iter().take_while(|&&d| d == 0).count();
    a.drain(..lead);
}

/// `a / b` to `scale` fractional digits, rounded (half away from zero) or
/// truncated. `b` must be non-zero.
pub(crate) fn dec_div(a: &Dec, b: &Dec, scale: i64, round: bool) -> Dec {
    if a.is_zero() {
        return Dec::zero();
    }
    let k = if round { scale + 1 } else { scale };
    // a/b * 10^k = A * 10^shift / B with integer digit vectors A, B.
    let shift = a.exp - b.exp + k;
    let mut num = a.digits.clone();
    let mut den = b.digits.clone();
    if shift >= 0 {
        num.extend(std::iter::repeat_n(0, shift as usize));
    } else {
        den.extend(std::iter::repeat_n(0, (-shift) as usize));
    }
    let q = long_div(&num, &den);
    let mut d = Dec {
        neg: a.neg != b.neg,
        digits: q,
        exp: -k,
    };
    d.normalise();
    if round {
        d.round_to(scale, true);
    }
    d
}

/// PostgreSQL's `select_div_scale`, which reasons in base-10000 digits.
fn select_div_scale(a: &Dec, b: &Dec, dscale_a: i64, dscale_b: i64) -> i64 {
    let base_weight = |d: &Dec| -> (i64, i64) {
        if d.is_zero() {
            return (0, 0);
        }
        let w = d.weight().div_euclid(4);
        let mut first = 0i64;
        for pos in (w * 4..w * 4 + 4).rev() {
            first = first * 10 + i64::from(d.digit_at(pos));
        }
        (w, first)
    };
    let (w1, f1) = base_weight(a);
    let (w2, f2) = base_weight(b);
    let mut qweight = w1 - w2;
    if f1 <= f2 {
        qweight -= 1;
    }
    let rscale = (MIN_SIG_DIGITS - qweight * 4)
        .max(dscale_a)
        .max(dscale_b)
        .max(0);
    rscale.min(MAX_DISPLAY_SCALE)
}

fn special(class: NumericClass) -> Numeric {
    match class {
        NumericClass::NaN => Numeric::nan(),
        NumericClass::Infinity => Numeric::infinity(),
        NumericClass::NegInfinity => Numeric::neg_infinity(),
        _ => Numeric::zero(),
    }
}

fn sign(n: &Numeric) -> i8 {
    match n.class() {
        NumericClass::NegInfinity | NumericClass::Negative => -1,
        NumericClass::Zero | NumericClass::NaN => 0,
        NumericClass::Positive | NumericClass::Infinity => 1,
    }
}

fn inf_with_sign(s: i8) -> Numeric {
    if s < 0 {
        Numeric::neg_infinity()
    } else {
        Numeric::infinity()
    }
}

/// `a + b` (display scale: the larger of the two).
pub fn numeric_add(a: &Numeric, b: &Numeric) -> Result<Numeric> {
    if !a.is_finite() || !b.is_finite() {
        if a.is_nan() || b.is_nan() {
            return Ok(Numeric::nan());
        }
        return Ok(match (a.is_infinite(), b.is_infinite()) {
            (true, true) if a.class() != b.class() => Numeric::nan(),
            (true, _) => special(a.class()),
            _ => special(b.class()),
        });
    }
    let dscale = i64::from(a.dscale().max(b.dscale()));
    dec_add(&Dec::from_numeric(a), &Dec::from_numeric(b)).into_numeric(dscale)
}

/// `a - b`.
pub fn numeric_sub(a: &Numeric, b: &Numeric) -> Result<Numeric> {
    numeric_add(a, &numeric_neg(b))
}

/// `-a`.
pub fn numeric_neg(a: &Numeric) -> Numeric {
    match a.class() {
        NumericClass::NaN => Numeric::nan(),
        NumericClass::Infinity => Numeric::neg_infinity(),
        NumericClass::NegInfinity => Numeric::infinity(),
        NumericClass::Zero => a.clone(),
        _ => {
            let d = dec_neg(&Dec::from_numeric(a));
            // Same digits and scale: cannot fail.
            d.into_numeric(i64::from(a.dscale()))
                .unwrap_or_else(|_| a.clone())
        }
    }
}

/// `abs(a)`.
pub fn numeric_abs(a: &Numeric) -> Numeric {
    if a.is_negative() {
        numeric_neg(a)
    } else {
        a.clone()
    }
}

/// `a * b` (display scale: the sum of the two).
pub fn numeric_mul(a: &Numeric, b: &Numeric) -> Result<Numeric> {
    if !a.is_finite() || !b.is_finite() {
        if a.is_nan() || b.is_nan() {
            return Ok(Numeric::nan());
        }
        let s = sign(a) * sign(b);
        return Ok(if s == 0 {
            Numeric::nan()
        } else {
            inf_with_sign(s)
        });
    }
    let dscale = i64::from(a.dscale()) + i64::from(b.dscale());
    dec_mul(&Dec::from_numeric(a), &Dec::from_numeric(b)).into_numeric(dscale)
}

/// `a / b` with PostgreSQL's result scale; 22012 when `b` is zero.
pub fn numeric_div(a: &Numeric, b: &Numeric) -> Result<Numeric> {
    if let Some(special) = div_special(a, b)? {
        return Ok(special);
    }
    let (x, y) = (Dec::from_numeric(a), Dec::from_numeric(b));
    let rscale = select_div_scale(&x, &y, i64::from(a.dscale()), i64::from(b.dscale()));
    dec_div(&x, &y, rscale, true).into_numeric(rscale)
}

fn div_special(a: &Numeric, b: &Numeric) -> Result<Option<Numeric>> {
    if a.is_finite() && b.is_finite() {
        if b.is_zero() {
            return Err(division_by_zero());
        }
        return Ok(None);
    }
    if a.is_nan() || b.is_nan() {
        return Ok(Some(Numeric::nan()));
    }
    if a.is_infinite() {
        if b.is_infinite() {
            return Ok(Some(Numeric::nan()));
        }
        return match sign(b) {
            0 => Err(division_by_zero()),
            s => Ok(Some(inf_with_sign(s * sign(a)))),
        };
    }
    // finite / ±Infinity
    Ok(Some(Numeric::zero()))
}

/// `div(a, b)`: the quotient truncated toward zero.
pub fn numeric_div_trunc(a: &Numeric, b: &Numeric) -> Result<Numeric> {
    if let Some(special) = div_special(a, b)? {
        return Ok(special);
    }
    dec_div(&Dec::from_numeric(a), &Dec::from_numeric(b), 0, false).into_numeric(0)
}

/// `a % b`: `a - trunc(a / b) * b`, display scale the larger of the two.
pub fn numeric_mod(a: &Numeric, b: &Numeric) -> Result<Numeric> {
    if !a.is_finite() || !b.is_finite() {
        if a.is_nan() || b.is_nan() {
            return Ok(Numeric::nan());
        }
        if a.is_infinite() {
            if b.is_zero() {
                return Err(division_by_zero());
            }
            return Ok(Numeric::nan());
        }
        return Ok(a.clone());
    }
    if b.is_zero() {
        return Err(division_by_zero());
    }
    let (x, y) = (Dec::from_numeric(a), Dec::from_numeric(b));
    let q = dec_div(&x, &y, 0, false);
    let r = dec_add(&x, &dec_neg(&dec_mul(&q, &y)));
    r.into_numeric(i64::from(a.dscale().max(b.dscale())))
}

/// `round(a, scale)`: half away from zero; display scale `max(scale, 0)`.
pub fn numeric_round(a: &Numeric, scale: i32) -> Result<Numeric> {
    round_or_trunc(a, scale, true)
}

/// `trunc(a, scale)`.
pub fn numeric_trunc(a: &Numeric, scale: i32) -> Result<Numeric> {
    round_or_trunc(a, scale, false)
}

fn round_or_trunc(a: &Numeric, scale: i32, round: bool) -> Result<Numeric> {
    if !a.is_finite() {
        return Ok(a.clone());
    }
    let scale = i64::from(scale).clamp(-MAX_RESULT_SCALE, MAX_RESULT_SCALE);
    let mut d = Dec::from_numeric(a);
    d.round_to(scale, round);
    d.into_numeric(scale.max(0))
}

/// `ceil(a)`.
pub fn numeric_ceil(a: &Numeric) -> Result<Numeric> {
    if !a.is_finite() {
        return Ok(a.clone());
    }
    let d = Dec::from_numeric(a);
    let mut t = d.clone();
    t.round_to(0, false);
    if !d.neg && t != d {
        t = dec_add(&t, &Dec::from_i128(1));
    }
    t.into_numeric(0)
}

/// `floor(a)`.
pub fn numeric_floor(a: &Numeric) -> Result<Numeric> {
    if !a.is_finite() {
        return Ok(a.clone());
    }
    let d = Dec::from_numeric(a);
    let mut t = d.clone();
    t.round_to(0, false);
    if d.neg && t != d {
        t = dec_add(&t, &Dec::from_i128(-1));
    }
    t.into_numeric(0)
}

/// Rounds to an integer (half away from zero) and returns it if it fits an
/// i64; `Ok(None)` when it does not. NaN and infinities are 0A000 errors
/// naming `type_name` (`cannot convert NaN to integer`).
pub fn numeric_to_i64(a: &Numeric, type_name: &str) -> Result<Option<i64>> {
    if a.is_nan() {
        return Err(EngineError::new(
            SqlState::FeatureNotSupported,
            format!("cannot convert NaN to {type_name}"),
        ));
    }
    if a.is_infinite() {
        return Err(EngineError::new(
            SqlState::FeatureNotSupported,
            format!("cannot convert infinity to {type_name}"),
        ));
    }
    let mut d = Dec::from_numeric(a);
    d.round_to(0, true);
    Ok(d.to_i128().and_then(|v| i64::try_from(v).ok()))
}

/// Converts to `double precision` by reading the decimal text (correctly
/// rounded); values beyond the float range become ±infinity and tiny ones
/// zero (the caller decides whether that is an error).
pub fn numeric_to_f64(a: &Numeric) -> f64 {
    match a.class() {
        NumericClass::NaN => f64::NAN,
        NumericClass::Infinity => f64::INFINITY,
        NumericClass::NegInfinity => f64::NEG_INFINITY,
        NumericClass::Zero => 0.0,
        _ => {
            let d = Dec::from_numeric(a);
            let mut s = String::with_capacity(d.digits.len() + 24);
            if d.neg {
                s.push('-');
            }
            s.extend(d.digits.iter().map(|&x| char::from(b'0' + x)));
            s.push('e');
            s.push_str(&d.exp.to_string());
            s.parse().unwrap_or(f64::NAN)
        }
    }
}

/// Converts a `double precision` to `numeric` as PostgreSQL does: through
/// its 15-significant-digit `%g` text (so `0.1::float8::numeric` is
/// exactly `0.1`); NaN and infinities map to the numeric ones.
pub fn numeric_from_f64(v: f64) -> Result<Numeric> {
    float_to_numeric(v, 15)
}

/// Converts a `real` to `numeric` through its 6-significant-digit text.
pub fn numeric_from_f32(v: f32) -> Result<Numeric> {
    float_to_numeric(f64::from(v), 6)
}

fn float_to_numeric(v: f64, sig_digits: usize) -> Result<Numeric> {
    if v.is_nan() {
        return Ok(Numeric::nan());
    }
    if v.is_infinite() {
        return Ok(if v > 0.0 {
            Numeric::infinity()
        } else {
            Numeric::neg_infinity()
        });
    }
    let text = format!("{:.*e}", sig_digits - 1, v);
    // Strip trailing mantissa zeros (as %g does) so the display scale
    // matches PostgreSQL's.
    let (mantissa, exp) = text.split_once('e').unwrap_or((&text, "0"));
    let mantissa = if mantissa.contains('.') {
        mantissa.trim_end_matches('0').trim_end_matches('.')
    } else {
        mantissa
    };
    Numeric::parse(&format!("{mantissa}e{exp}")).map_err(codec_error)
}

/// Applies a `numeric(precision, scale)` type modifier: rounds to `scale`
/// and raises PostgreSQL's `numeric field overflow` (22003) when the
/// integer part has more than `precision - scale` digits.
pub fn apply_numeric_typmod(a: &Numeric, precision: u16, scale: u16) -> Result<Numeric> {
    let maxdigits = i64::from(precision) - i64::from(scale);
    let overflow = |detail: String| {
        EngineError::new(SqlState::NumericValueOutOfRange, "numeric field overflow")
            .with_detail(detail)
    };
    if a.is_nan() {
        return Ok(a.clone());
    }
    if a.is_infinite() {
        return Err(overflow(format!(
            "A field with precision {precision}, scale {scale} cannot hold an infinite value."
        )));
    }
    let mut d = Dec::from_numeric(a);
    d.round_to(i64::from(scale), true);
    if !d.is_zero() && d.weight() + 1 > maxdigits {
        let limit = if maxdigits > 0 {
            format!("10^{maxdigits}")
        } else {
            "1".to_owned()
        };
        return Err(overflow(format!(
            "A field with precision {precision}, scale {scale} must round to an absolute value less than {limit}."
        )));
    }
    d.into_numeric(i64::from(scale))
}

fn base_weight(d: &Dec) -> i64 {
    if d.is_zero() {
        0
    } else {
        d.weight().div_euclid(4)
    }
}

/// Integer square root (floor) of a non-negative integral `n`, by Newton's
/// iteration from a power of ten above the root.
pub(crate) fn isqrt(n: &Dec) -> Dec {
    if n.is_zero() {
        return Dec::zero();
    }
    let half_digits = (n.weight() + 2) / 2;
    let mut x = Dec {
        neg: false,
        digits: vec![1],
        exp: half_digits,
    };
    let two = Dec::from_i128(2);
    loop {
        let q = dec_div(n, &x, 0, false);
        let y = dec_div(&dec_add(&x, &q), &two, 0, false);
        if cmp_mag(&y, &x) != Ordering::Less {
            return x;
        }
        x = y;
    }
}

/// `sqrt(numeric)` with PostgreSQL's result scale (at least 16 significant
/// digits, at least the input's display scale).
pub fn numeric_sqrt(a: &Numeric) -> Result<Numeric> {
    if a.is_nan() {
        return Ok(Numeric::nan());
    }
    if a.is_negative() {
        return Err(EngineError::new(
            SqlState::InvalidArgumentForPowerFunction,
            "cannot take square root of a negative number",
        ));
    }
    if a.is_infinite() {
        return Ok(Numeric::infinity());
    }
    let d = Dec::from_numeric(a);
    let sweight = (base_weight(&d) + 1) * 4 / 2 - 1;
    let rscale = (MIN_SIG_DIGITS - sweight)
        .max(i64::from(a.dscale()))
        .clamp(0, MAX_DISPLAY_SCALE);
    // sqrt(v) * 10^(k) = isqrt(v * 10^(2k)), k = rscale + 1 guard digit.
    let k = rscale + 1;
    let mut scaled = d.clone();
    scaled.exp += 2 * k;
    scaled.round_to(0, false);
    let mut root = isqrt(&scaled);
    root.exp -= k;
    root.round_to(rscale, true);
    root.into_numeric(rscale)
}

/// `power(numeric, numeric)`: exact (then rounded to PostgreSQL's scale of
/// at least 16 digits) for integer exponents; other exponents go through
/// `double precision` and are only accurate to about 15 digits.
pub fn numeric_power(a: &Numeric, b: &Numeric) -> Result<Numeric> {
    let invalid =
        |msg: &str| EngineError::new(SqlState::InvalidArgumentForPowerFunction, msg.to_owned());
    if a.is_zero() && b.is_negative() {
        return Err(invalid("zero raised to a negative power is undefined"));
    }
    if a.is_negative() && b.is_finite() && !Dec::from_numeric(b).is_integral() {
        return Err(invalid(
            "a negative number raised to a non-integer power yields a complex result",
        ));
    }
    let rscale = MIN_SIG_DIGITS
        .max(i64::from(a.dscale()))
        .min(MAX_DISPLAY_SCALE);
    let exp_dec = Dec::from_numeric(b);
    let int_exp = if b.is_finite() && a.is_finite() {
        exp_dec.to_i128().and_then(|e| i32::try_from(e).ok())
    } else {
        None
    };
    let Some(e) = int_exp else {
        let r = numeric_to_f64(a).powf(numeric_to_f64(b));
        if r.is_infinite() && a.is_finite() && b.is_finite() {
            return Err(numeric_overflow());
        }
        let n = numeric_from_f64(r)?;
        return if n.is_finite() {
            numeric_round(&n, rscale as i32)
        } else {
            Ok(n)
        };
    };
    let base = Dec::from_numeric(a);
    // Exponentiation by squaring; intermediates keep rscale + 40 decimals.
    let keep = rscale + 40;
    let mut result = Dec::from_i128(1);
    let mut sq = base;
    let mut n = e.unsigned_abs();
    while n > 0 {
        if n & 1 == 1 {
            result = dec_mul(&result, &sq);
            result.round_to(keep, true);
            if result.weight() > i64::from(rocksgres_codec::MAX_WEIGHT) {
                return Err(numeric_overflow());
            }
        }
        n >>= 1;
        if n > 0 {
            sq = dec_mul(&sq, &sq);
            sq.round_to(keep, true);
            if sq.weight() > i64::from(rocksgres_codec::MAX_WEIGHT) {
                return Err(numeric_overflow());
            }
        }
    }
    if e < 0 {
        result = dec_div(&Dec::from_i128(1), &result, rscale, true);
    }
    result.into_numeric(rscale)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn n(s: &str) -> Numeric {
        Numeric::parse(s).unwrap()
    }

    fn div(a: &str, b: &str) -> String {
        numeric_div(&n(a), &n(b)).unwrap().to_string()
    }

    #[test]
    fn division_scales_match_postgres() {
        // psql: select 1/3::numeric, 10::numeric/3, 1::numeric/7e10,
        //   123456789::numeric/0.001, 2::numeric/3.000000, 1e20::numeric/3
        assert_eq!(div("1", "3"), "0.33333333333333333333");
        assert_eq!(div("10", "3"), "3.3333333333333333");
        assert_eq!(div("1", "7e10"), "0.0000000000142857142857142857");
        assert_eq!(div("123456789", "0.001"), "123456789000.00000000");
        assert_eq!(div("2", "3.000000"), "0.66666666666666666667");
        assert_eq!(div("1e20", "3"), "33333333333333333333");
    }

    #[test]
    fn arithmetic() {
        assert_eq!(
            numeric_mul(&n("1.5"), &n("2.25")).unwrap().to_string(),
            "3.375"
        );
        assert_eq!(numeric_mod(&n("7.5"), &n("2")).unwrap().to_string(), "1.5");
        assert_eq!(
            numeric_mod(&n("-7.5"), &n("2")).unwrap().to_string(),
            "-1.5"
        );
        assert_eq!(
            numeric_add(&n("0.1"), &n("0.20")).unwrap().to_string(),
            "0.30"
        );
        assert_eq!(
            numeric_sub(&n("1"), &n("1.000")).unwrap().to_string(),
            "0.000"
        );
        assert_eq!(numeric_round(&n("2.5"), 0).unwrap().to_string(), "3");
        assert_eq!(numeric_round(&n("-2.5"), 0).unwrap().to_string(), "-3");
        assert_eq!(
            numeric_round(&n("1234.5678"), -2).unwrap().to_string(),
            "1200"
        );
        assert_eq!(numeric_round(&n("9.995"), 2).unwrap().to_string(), "10.00");
        assert_eq!(numeric_trunc(&n("-9.999"), 2).unwrap().to_string(), "-9.99");
        assert_eq!(numeric_ceil(&n("-1.5")).unwrap().to_string(), "-1");
        assert_eq!(numeric_floor(&n("-1.5")).unwrap().to_string(), "-2");
        assert_eq!(numeric_div(&n("NaN"), &n("0")).unwrap().to_string(), "NaN");
        assert_eq!(
            numeric_div(&n("1"), &n("0")).unwrap_err().state,
            SqlState::DivisionByZero
        );
        assert_eq!(
            numeric_mod(&n("Infinity"), &n("1")).unwrap().to_string(),
            "NaN"
        );
        assert_eq!(
            numeric_mod(&n("5"), &n("Infinity")).unwrap().to_string(),
            "5"
        );
    }

    #[test]
    fn conversions() {
        // psql: select 0.1::float8::numeric, (1.0/3)::float8::numeric,
        //   0.1::float4::numeric, 1e20::float8::numeric, 1.23456789e-10::float8::numeric
        assert_eq!(numeric_from_f64(0.1).unwrap().to_string(), "0.1");
        assert_eq!(
            numeric_from_f64(1.0 / 3.0).unwrap().to_string(),
            "0.333333333333333"
        );
        assert_eq!(numeric_from_f32(0.1).unwrap().to_string(), "0.1");
        assert_eq!(
            numeric_from_f64(1e20).unwrap().to_string(),
            "100000000000000000000"
        );
        assert_eq!(
            numeric_from_f64(1.23456789e-10).unwrap().to_string(),
            "0.000000000123456789"
        );
        assert_eq!(numeric_to_f64(&n("0.1")), 0.1);
        assert_eq!(numeric_to_i64(&n("2.5"), "integer").unwrap(), Some(3));
        assert_eq!(numeric_to_i64(&n("-2.5"), "integer").unwrap(), Some(-3));
    }

    #[test]
    fn typmod() {
        assert_eq!(
            apply_numeric_typmod(&n("12.345"), 4, 2)
                .unwrap()
                .to_string(),
            "12.35"
        );
        let e = apply_numeric_typmod(&n("123.345"), 4, 2).unwrap_err();
        assert_eq!(e.message, "numeric field overflow");
        assert_eq!(
            e.detail.as_deref(),
            Some(
                "A field with precision 4, scale 2 must round to an absolute value less than 10^2."
            )
        );
        assert!(apply_numeric_typmod(&n("99.995"), 4, 2).is_err());
        assert_eq!(
            apply_numeric_typmod(&n("0.5"), 2, 2).unwrap().to_string(),
            "0.50"
        );
    }

    #[test]
    fn sqrt_and_power() {
        // psql: select sqrt(2.0), power(2.5, 2)
        assert_eq!(
            numeric_sqrt(&n("2.0")).unwrap().to_string(),
            "1.414213562373095"
        );
        assert_eq!(
            numeric_power(&n("2.5"), &n("2")).unwrap().to_string(),
            "6.2500000000000000"
        );
    }
}
