//! Operators and functions of `bit` and `bit varying` (PostgreSQL's
//! `varbit.c`): `||` (giving `bit varying`), the bitwise `&` `|` `#` `~`
//! and shifts `<<` `>>` by an `integer` (giving `bit`), and `length()`,
//! `bit_length()`, `octet_length()`, `get_bit()`, `set_bit()`,
//! `position()` and `substring()`.
//!
//! The two types convert to each other implicitly, as in PostgreSQL, so
//! the operators and functions declared on `bit` also take `bit varying`
//! operands; an untyped literal next to a bit string is read as one.

use super::bits::BitString;
use super::functions::{Arity, Candidate, Ret, ScalarFn, Volatility};
use super::ops::{BinaryOp, BinaryOpSig};
use super::sql_type::SqlType;
use super::value::Value;
use crate::error::{EngineError, Result, SqlState};

/// Whether `t` is `bit` or `bit varying`.
pub fn is_bits(t: &SqlType) -> bool {
    matches!(t, SqlType::Bit(_) | SqlType::VarBit(_))
}

/// Resolves `l op r` when a bit string type is involved; `None` leaves
/// the operator to the general rules.
pub(crate) fn resolve(op: BinaryOp, l: &SqlType, r: &SqlType) -> Option<BinaryOpSig> {
    use SqlType as T;
    if !(is_bits(l) || is_bits(r)) {
        return None;
    }
    let base = |t: &SqlType, other: &SqlType| {
        if is_bits(t) {
            Some(t.without_typmod())
        } else if *t == T::Unknown {
            Some(other.without_typmod())
        } else {
            None
        }
    };
    let sig = |left, right, result| {
        Some(BinaryOpSig {
            op,
            left,
            right,
            result,
        })
    };
    let (lb, rb) = (base(l, r), base(r, l));
    match (op, lb, rb) {
        (_, Some(a), Some(b)) if op.is_comparison() => sig(a, b, T::Bool),
        (BinaryOp::Concat, Some(_), Some(_)) => {
            sig(T::VarBit(None), T::VarBit(None), T::VarBit(None))
        }
        (BinaryOp::BitAnd | BinaryOp::BitOr | BinaryOp::BitXor, Some(_), Some(_)) => {
            sig(T::Bit(None), T::Bit(None), T::Bit(None))
        }
        (BinaryOp::ShiftLeft | BinaryOp::ShiftRight, Some(_), _)
            if is_bits(l) && matches!(r, T::Int2 | T::Int4 | T::Unknown) =>
        {
            sig(T::Bit(None), T::Int4, T::Bit(None))
        }
        _ => None,
    }
}

/// Evaluates a bit string operator (comparisons are
/// [`super::compare`]'s); `None` when no operand is a bit string.
pub(crate) fn eval(op: BinaryOp, l: &Value, r: &Value) -> Option<Result<Value>> {
    let bits = |b: BitString| Some(Ok(Value::Bits(b)));
    match (op, l, r) {
        (BinaryOp::Concat, Value::Bits(a), Value::Bits(b)) => bits(a.concat(b)),
        (BinaryOp::BitAnd, Value::Bits(a), Value::Bits(b)) => {
            Some(a.bitwise(b, "AND").map(Value::Bits))
        }
        (BinaryOp::BitOr, Value::Bits(a), Value::Bits(b)) => {
            Some(a.bitwise(b, "OR").map(Value::Bits))
        }
        (BinaryOp::BitXor, Value::Bits(a), Value::Bits(b)) => {
            Some(a.bitwise(b, "XOR").map(Value::Bits))
        }
        (BinaryOp::ShiftLeft, Value::Bits(a), n) => bits(a.shift_left(n.as_i64()?)),
        (BinaryOp::ShiftRight, Value::Bits(a), n) => bits(a.shift_left(-n.as_i64()?)),
        _ => None,
    }
}

fn bits(v: &Value) -> Result<&BitString> {
    match v {
        Value::Bits(b) => Ok(b),
        other => Err(EngineError::internal(format!(
            "bit string function got {other:?}"
        ))),
    }
}

/// The index argument of `get_bit`/`set_bit`, checked against the length
/// (2202E).
fn bit_index(b: &BitString, n: &Value) -> Result<usize> {
    let n = n.as_i64().unwrap_or(-1);
    if n < 0 || n as usize >= b.len {
        return Err(EngineError::new(
            SqlState::ArraySubscriptError,
            format!("bit index {n} out of valid range (0..{})", b.len as i64 - 1),
        ));
    }
    Ok(n as usize)
}

fn int(v: &Value) -> i64 {
    v.as_i64().unwrap_or(0)
}

/// `position(string, substring)`: the 1-based position of the first
/// occurrence, 0 when there is none, 1 for an empty substring.
fn position(hay: &BitString, needle: &BitString) -> i32 {
    if needle.len == 0 {
        return 1;
    }
    if needle.len > hay.len {
        return 0;
    }
    (0..=hay.len - needle.len)
        .find(|&start| (0..needle.len).all(|k| hay.get(start + k) == needle.get(k)))
        .map_or(0, |start| start as i32 + 1)
}

/// `substring(bits FROM start [FOR count])`, as text's substring: the
/// bits from 1-based `start` for `count`, clipped to the string.
fn substring(b: &BitString, start: i64, count: Option<i64>) -> Result<Value> {
    let end = match count {
        Some(n) if n < 0 => {
            return Err(EngineError::new(
                SqlState::SubstringError,
                "negative substring length not allowed",
            ))
        }
        Some(n) => start.saturating_add(n),
        None => i64::MAX,
    };
    let from = start.max(1);
    let to = end.min(b.len as i64 + 1);
    let mut out = BitString::zeros(0);
    if from < to {
        out = BitString::zeros((to - from) as usize);
        for (k, i) in (from..to).enumerate() {
            if b.get(i as usize - 1) {
                out.set(k, true);
            }
        }
    }
    Ok(Value::Bits(out))
}

fn cand(name: &'static str, params: &'static [SqlType], ret: SqlType, eval: ScalarFn) -> Candidate {
    Candidate {
        name,
        params,
        arity: Arity::Exact,
        ret: Ret::Fixed(ret),
        strict: true,
        volatility: Volatility::Immutable,
        catalog: false,
        eval,
    }
}

/// The bit string functions, as candidates of the function resolver.
pub(crate) fn candidates() -> Vec<Candidate> {
    const B: SqlType = SqlType::Bit(None);
    const I4: SqlType = SqlType::Int4;
    vec![
        cand("length", &[B], I4, |_, a| {
            Ok(Value::Int4(bits(&a[0])?.len as i32))
        }),
        cand("bit_length", &[B], I4, |_, a| {
            Ok(Value::Int4(bits(&a[0])?.len as i32))
        }),
        cand("octet_length", &[B], I4, |_, a| {
            Ok(Value::Int4(bits(&a[0])?.bytes.len() as i32))
        }),
        cand("get_bit", &[B, I4], I4, |_, a| {
            let b = bits(&a[0])?;
            let i = bit_index(b, &a[1])?;
            Ok(Value::Int4(i32::from(b.get(i))))
        }),
        cand("set_bit", &[B, I4, I4], B, |_, a| {
            let b = bits(&a[0])?;
            let i = bit_index(b, &a[1])?;
            let on = match a[2].as_i64() {
                Some(0) => false,
                Some(1) => true,
                _ => {
                    return Err(EngineError::new(
                        SqlState::InvalidParameterValue,
                        "new bit must be 0 or 1",
                    ))
                }
            };
            let mut out = b.clone();
            out.set(i, on);
            Ok(Value::Bits(out))
        }),
        cand("position", &[B, B], I4, |_, a| {
            Ok(Value::Int4(position(bits(&a[0])?, bits(&a[1])?)))
        }),
        cand("substring", &[B, I4], B, |_, a| {
            substring(bits(&a[0])?, int(&a[1]), None)
        }),
        cand("substring", &[B, I4, I4], B, |_, a| {
            substring(bits(&a[0])?, int(&a[1]), Some(int(&a[2])))
        }),
    ]
}
