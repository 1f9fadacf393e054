//! `Numeric`: PostgreSQL's arbitrary-precision decimal.
//!
//! # Representation
//!
//! A value is a class ([`NumericClass`]: `-Infinity`, negative, zero,
//! positive, `+Infinity`, `NaN`) and, for non-zero finite values, a base-10
//! digit vector with a *weight*:
//!
//! ```text
//! value = ± Σ digits[i] × 10^(weight - i)
//! ```
//!
//! so `digits[0]` is the most significant digit and sits at the decimal
//! position `weight` (0 = units, -1 = tenths, 2 = hundreds). The digit vector
//! is canonical: no leading and no trailing zeros, empty for zero (whose
//! weight is 0). Equal values therefore have identical `(class, weight,
//! digits)`, which is what makes the key encoding canonical (1.5 and 1.50
//! encode the same) and hashing cheap.
//!
//! Separately from the value, every finite numeric carries PostgreSQL's
//! *display scale* (`dscale`): how many digits to print after the decimal
//! point. `'1.50'` has digits `[1, 5]`, weight 0 and dscale 2 and prints as
//! `1.50`. As in PostgreSQL the digits never extend past the display scale
//! (`digits.len() - 1 - weight <= dscale`), so printing never rounds.
//!
//! Base-10 digits (rather than PostgreSQL's base-10000) keep parsing,
//! printing and the order-preserving key format simple; they are also easy to
//! do schoolbook arithmetic on when the engine needs it.
//!
//! # Limits
//!
//! As PostgreSQL: at most [`MAX_WEIGHT`]` + 1` = 131072 digits before the
//! decimal point and a display scale of at most [`MAX_DSCALE`] = 16383.
//! Larger values are [`CodecError::NumericOverflow`].
//!
//! # Order and equality
//!
//! `Ord`, `PartialEq` and `Hash` follow PostgreSQL's numeric comparison:
//! `-Infinity` < finite values < `+Infinity` < `NaN`, `NaN = NaN`, and the
//! display scale is ignored (`1.5 == 1.50`). Use [`Numeric::dscale`] or the
//! text form to tell `1.5` from `1.50`.

mod display;
mod parse;

use std::cmp::Ordering;
use std::hash::{Hash, Hasher};

use crate::error::{CodecError, Result};

/// Largest display scale PostgreSQL stores (`NUMERIC_DSCALE_MAX`).
pub const MAX_DSCALE: u16 = 0x3FFF;

/// Largest decimal weight (position of the leading digit) PostgreSQL can
/// store: 32767 base-10000 digits = 131072 decimal digits before the point.
pub const MAX_WEIGHT: i32 = 131_071;

/// The kind of a numeric value, declared in PostgreSQL's sort order (so the
/// derived `Ord` is that order).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum NumericClass {
    /// `-Infinity`.
    NegInfinity,
    /// A finite value below zero.
    Negative,
    /// Zero (PostgreSQL has no negative zero numeric; `-0` reads as `0`).
    Zero,
    /// A finite value above zero.
    Positive,
    /// `Infinity`.
    Infinity,
    /// `NaN`: equal to itself and greater than every other value.
    NaN,
}

/// An arbitrary-precision decimal with PostgreSQL's semantics; see the
/// module documentation for the representation.
pub struct Numeric {
    /// Canonical base-10 digits, most significant first; empty unless the
    /// class is `Negative` or `Positive`.
    digits: Box<[u8]>,
    /// Decimal position of `digits[0]`; 0 when `digits` is empty.
    weight: i32,
    /// Digits to print after the decimal point; 0 for non-finite values.
    dscale: u16,
    class: NumericClass,
}

impl Clone for Numeric {
    fn clone(&self) -> Numeric {
        Numeric {
            digits: self.digits.clone(),
            weight: self.weight,
            dscale: self.dscale,
            class: self.class,
        }
    }

    /// Reuses `self`'s digit buffer when it has the source's length (a
    /// column of numerics with a fixed number of digits copied row after
    /// row into the same slot allocates nothing).
    fn clone_from(&mut self, source: &Numeric) {
        if self.digits.len() == source.digits.len() {
            self.digits.copy_from_slice(&source.digits);
        } else {
            self.digits = source.digits.clone();
        }
        self.weight = source.weight;
        self.dscale = source.dscale;
        self.class = source.class;
    }
}

impl Numeric {
    /// Zero with display scale 0.
    pub fn zero() -> Numeric {
        Numeric::special(NumericClass::Zero)
    }

    /// `NaN`.
    pub fn nan() -> Numeric {
        Numeric::special(NumericClass::NaN)
    }

    /// `Infinity`.
    pub fn infinity() -> Numeric {
        Numeric::special(NumericClass::Infinity)
    }

    /// `-Infinity`.
    pub fn neg_infinity() -> Numeric {
        Numeric::special(NumericClass::NegInfinity)
    }

    fn special(class: NumericClass) -> Numeric {
        Numeric {
            digits: Box::default(),
            weight: 0,
            dscale: 0,
            class,
        }
    }

    /// Builds a finite value `± Σ digits[i] × 10^(weight - i)` printed with
    /// `dscale` fractional digits. Leading and trailing zero digits are
    /// stripped (adjusting the weight); an all-zero vector gives zero, whose
    /// sign is dropped.
    ///
    /// Errors: [`CodecError::Malformed`] if a digit is above 9 or the digits
    /// reach past `dscale` fractional places (round first);
    /// [`CodecError::NumericOverflow`] past PostgreSQL's limits.
    pub fn from_parts(negative: bool, digits: &[u8], weight: i32, dscale: u16) -> Result<Numeric> {
        if digits.iter().any(|&d| d > 9) {
            return Err(CodecError::Malformed("numeric digit above 9"));
        }
        let lead = digits.iter().take_while(|&&d| d == 0).count();
        let trail = digits[lead..].iter().rev().take_while(|&&d| d == 0).count();
        let core = &digits[lead..digits.len() - trail];
        let weight = i64::from(weight) - lead as i64;
        Numeric::from_canonical(negative, core.into(), weight, i64::from(dscale))
    }

    /// [`Numeric::from_canonical`] into `self`, reusing its digit buffer
    /// when it has `digits`' length (decoding a column of numerics row
    /// after row into the same value then allocates nothing). On error
    /// `self` is left unchanged.
    pub(crate) fn assign_canonical(
        &mut self,
        negative: bool,
        digits: &[u8],
        weight: i64,
        dscale: i64,
    ) -> Result<()> {
        debug_assert!(digits.first() != Some(&0) && digits.last() != Some(&0));
        if !(0..=i64::from(MAX_DSCALE)).contains(&dscale) {
            return Err(CodecError::NumericOverflow);
        }
        let (weight, class) = if digits.is_empty() {
            (0, NumericClass::Zero)
        } else {
            if weight > i64::from(MAX_WEIGHT) {
                return Err(CodecError::NumericOverflow);
            }
            if digits.len() as i64 - 1 - weight > dscale {
                return Err(CodecError::Malformed(
                    "numeric digits extend past the display scale",
                ));
            }
            let class = if negative {
                NumericClass::Negative
            } else {
                NumericClass::Positive
            };
            (weight as i32, class)
        };
        if self.digits.len() == digits.len() {
            self.digits.copy_from_slice(digits);
        } else {
            self.digits = digits.into();
        }
        self.weight = weight;
        self.dscale = dscale as u16;
        self.class = class;
        Ok(())
    }

    /// Builds a value from canonical digits (no leading/trailing zeros).
    /// `weight` and `dscale` are i64 so callers can pass unchecked
    /// arithmetic results; they are range-checked here, and digits reaching
    /// past `dscale` are [`CodecError::Malformed`].
    pub(crate) fn from_canonical(
        negative: bool,
        digits: Box<[u8]>,
        weight: i64,
        dscale: i64,
    ) -> Result<Numeric> {
        debug_assert!(digits.first() != Some(&0) && digits.last() != Some(&0));
        if !(0..=i64::from(MAX_DSCALE)).contains(&dscale) {
            return Err(CodecError::NumericOverflow);
        }
        if digits.is_empty() {
            return Ok(Numeric {
                digits,
                weight: 0,
                dscale: dscale as u16,
                class: NumericClass::Zero,
            });
        }
        if weight > i64::from(MAX_WEIGHT) {
            return Err(CodecError::NumericOverflow);
        }
        // Fractional digits the vector holds: positions weight, weight-1, ...
        // down to weight - len + 1.
        let frac_digits = digits.len() as i64 - 1 - weight;
        if frac_digits > dscale {
            return Err(CodecError::Malformed(
                "numeric digits extend past the display scale",
            ));
        }
        Ok(Numeric {
            digits,
            weight: weight as i32,
            dscale: dscale as u16,
            class: if negative {
                NumericClass::Negative
            } else {
                NumericClass::Positive
            },
        })
    }

    /// The class (sign or special value).
    pub fn class(&self) -> NumericClass {
        self.class
    }

    /// The canonical digits (each 0..=9, no leading or trailing zeros; empty
    /// for zero and the special values).
    pub fn digits(&self) -> &[u8] {
        &self.digits
    }

    /// Decimal position of the first digit (0 = units); 0 when there are no
    /// digits.
    pub fn weight(&self) -> i32 {
        self.weight
    }

    /// Display scale: digits printed after the decimal point (0 for the
    /// special values).
    pub fn dscale(&self) -> u16 {
        self.dscale
    }

    /// Whether this is `NaN`.
    pub fn is_nan(&self) -> bool {
        self.class == NumericClass::NaN
    }

    /// Whether this is `Infinity` or `-Infinity`.
    pub fn is_infinite(&self) -> bool {
        matches!(
            self.class,
            NumericClass::Infinity | NumericClass::NegInfinity
        )
    }

    /// Whether this is neither `NaN` nor an infinity.
    pub fn is_finite(&self) -> bool {
        matches!(
            self.class,
            NumericClass::Negative | NumericClass::Zero | NumericClass::Positive
        )
    }

    /// Whether this is zero (of any display scale).
    pub fn is_zero(&self) -> bool {
        self.class == NumericClass::Zero
    }

    /// Whether this is below zero (including `-Infinity`).
    pub fn is_negative(&self) -> bool {
        matches!(
            self.class,
            NumericClass::Negative | NumericClass::NegInfinity
        )
    }

    /// Compares magnitudes of two non-zero finite values.
    fn cmp_magnitude(&self, other: &Numeric) -> Ordering {
        // Canonical digits: a larger weight means a larger magnitude; with
        // equal weights the digit vectors compare lexicographically (a
        // shorter vector that is a prefix of the other is smaller because
        // the other's extra digits end in a non-zero digit).
        self.weight
            .cmp(&other.weight)
            .then_with(|| self.digits.cmp(&other.digits))
    }
}

impl Ord for Numeric {
    fn cmp(&self, other: &Numeric) -> Ordering {
        match self.class.cmp(&other.class) {
            Ordering::Equal => match self.class {
                NumericClass::Positive => self.cmp_magnitude(other),
                NumericClass::Negative => other.cmp_magnitude(self),
                _ => Ordering::Equal,
            },
            unequal => unequal,
        }
    }
}

impl PartialOrd for Numeric {
    fn partial_cmp(&self, other: &Numeric) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

impl PartialEq for Numeric {
    fn eq(&self, other: &Numeric) -> bool {
        self.cmp(other) == Ordering::Equal
    }
}

impl Eq for Numeric {}

impl Hash for Numeric {
    fn hash<H: Hasher>(&self, state: &mut H) {
        // Consistent with Eq: the display scale is left out.
        self.class.hash(state);
        self.weight.hash(state);
        self.digits.hash(state);
    }
}

impl Default for Numeric {
    fn default() -> Numeric {
        Numeric::zero()
    }
}

/// The canonical digits of a non-zero integer, on the stack: the digit
/// buffer, how many of its leading digits are significant, and the weight.
fn int_digits(v: i64) -> ([u8; 20], usize, i32) {
    let mut buf = [0u8; 20];
    let mut n = v.unsigned_abs();
    let mut len = 0;
    while n > 0 {
        buf[len] = (n % 10) as u8;
        n /= 10;
        len += 1;
    }
    let weight = len as i32 - 1;
    buf[..len].reverse();
    let trail = buf[..len].iter().rev().take_while(|&&d| d == 0).count();
    (buf, len - trail, weight)
}

impl Numeric {
    /// Compares with an integer as [`Ord`] compares with
    /// `Numeric::from(v)`, without building (allocating) that numeric:
    /// what a filter such as `amount > 990` does once per row.
    pub fn cmp_i64(&self, v: i64) -> Ordering {
        let class = match v.cmp(&0) {
            Ordering::Less => NumericClass::Negative,
            Ordering::Equal => NumericClass::Zero,
            Ordering::Greater => NumericClass::Positive,
        };
        match self.class.cmp(&class) {
            Ordering::Equal => {}
            unequal => return unequal,
        }
        if class == NumericClass::Zero {
            return Ordering::Equal;
        }
        let (buf, len, weight) = int_digits(v);
        let magnitude = self
            .weight
            .cmp(&weight)
            .then_with(|| (*self.digits).cmp(&buf[..len]));
        if class == NumericClass::Negative {
            magnitude.reverse()
        } else {
            magnitude
        }
    }
}

impl From<i64> for Numeric {
    fn from(v: i64) -> Numeric {
        if v == 0 {
            return Numeric::zero();
        }
        let (buf, len, weight) = int_digits(v);
        Numeric {
            digits: buf[..len].into(),
            weight,
            dscale: 0,
            class: if v < 0 {
                NumericClass::Negative
            } else {
                NumericClass::Positive
            },
        }
    }
}

impl From<i32> for Numeric {
    fn from(v: i32) -> Numeric {
        Numeric::from(i64::from(v))
    }
}

impl From<i16> for Numeric {
    fn from(v: i16) -> Numeric {
        Numeric::from(i64::from(v))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn from_parts_normalises() {
        let n = Numeric::from_parts(false, &[0, 0, 1, 5, 0], 3, 2).unwrap();
        assert_eq!(n.digits(), &[1, 5]);
        assert_eq!(n.weight(), 1);
        assert_eq!(n.to_string(), "15.00");
        let z = Numeric::from_parts(true, &[0, 0], 0, 1).unwrap();
        assert!(z.is_zero());
        assert_eq!(z.to_string(), "0.0");
        assert!(Numeric::from_parts(false, &[1, 2], -1, 1).is_err());
        assert!(Numeric::from_parts(false, &[10], 0, 0).is_err());
    }

    #[test]
    fn from_integers() {
        for v in [0i64, 1, -1, 10, -100, 12345, i64::MIN, i64::MAX] {
            assert_eq!(Numeric::from(v).to_string(), v.to_string());
            assert_eq!(Numeric::from(v), v.to_string().parse::<Numeric>().unwrap());
        }
    }

    #[test]
    fn cmp_i64_agrees_with_ord() {
        let ints = [
            0i64,
            1,
            -1,
            9,
            10,
            -10,
            990,
            991,
            -990,
            1000,
            i64::MIN,
            i64::MAX,
        ];
        let nums = [
            "0",
            "0.00",
            "1",
            "-1",
            "0.5",
            "-0.5",
            "9.99",
            "10",
            "10.0",
            "-10",
            "989.75",
            "990",
            "990.25",
            "991",
            "-990.25",
            "1000",
            "1e30",
            "-1e30",
            "NaN",
            "Infinity",
            "-Infinity",
        ];
        for n in nums {
            let n: Numeric = n.parse().unwrap();
            for v in ints {
                assert_eq!(n.cmp_i64(v), n.cmp(&Numeric::from(v)), "{n} vs {v}");
            }
        }
    }

    #[test]
    fn clone_from_reuses_and_copies() {
        let mut a: Numeric = "12.5".parse().unwrap();
        for src in ["99.25", "3", "-7.125", "NaN", "0.0"] {
            let src: Numeric = src.parse().unwrap();
            a.clone_from(&src);
            assert_eq!(a.to_string(), src.to_string());
            assert_eq!(a, src);
        }
    }

    #[test]
    fn size_is_24_bytes() {
        assert_eq!(std::mem::size_of::<Numeric>(), 24);
    }
}
